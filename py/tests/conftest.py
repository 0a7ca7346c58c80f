"""Shared fixtures: the testdata folder, the `certpack` command line built from the same core, and a report of
measurements (import time) printed at the end of the run."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
TD = ROOT / "testdata"
DATA = Path(__file__).resolve().parent / "data"
MEASUREMENTS: list[str] = []

# Sample bundles every target is packed from (paths relative to testdata/, given to the CLI and to Python alike).
BUNDLES = {
    "aws-rsa": ["aws/rsa"],
    "aws-ec": ["aws/ec"],
    "azure-x509": ["azure/x509"],
    "aws-cli-json": ["aws-cli/create-keys-and-certificate.json", "roots/Amazon_Root_CA_1.crt"],
}


def _build_cli() -> Path:
    """Build the CLI with cargo (when CERTPACK_CLI is not set) and return the executable."""
    out = subprocess.run(
        ["cargo", "build", "-p", "certpack-cli", "--message-format=json-render-diagnostics"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    for line in out.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message.get("executable"):
            if message["target"]["name"] == "certpack":
                return Path(message["executable"])
    raise RuntimeError("cargo built no certpack executable")


@pytest.fixture(scope="session")
def cli() -> Path:
    """Path of the `certpack` executable: $CERTPACK_CLI (set by scripts/test-all), else built with cargo."""
    given = os.environ.get("CERTPACK_CLI")
    path = Path(given) if given else _build_cli()
    assert path.is_file(), f"CERTPACK_CLI={path} does not exist"
    return path


@pytest.fixture
def in_testdata(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run the test with testdata/ as the working directory (so input names match the CLI's exactly)."""
    monkeypatch.chdir(TD)
    yield TD


def sample_params(bundle: str | None = None) -> dict[str, str]:
    """Values for target parameters that have no default (shared with the wasm tests), with the sample
    bundle's own values (e.g. an Azure endpoint for the Azure bundle) taking precedence."""
    data: dict[str, Any] = json.loads((DATA / "sample-params.json").read_text())
    values = {k: str(v) for k, v in data.items() if not k.startswith("_")}
    values.update({k: str(v) for k, v in data.get("_bundles", {}).get(bundle, {}).items()})
    return values


def read_tree(directory: Path) -> dict[str, bytes]:
    """Every file under `directory`, by `/`-separated relative name."""
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def report(line: str) -> None:
    """Record a measurement to print in the run's summary."""
    MEASUREMENTS.append(line)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if MEASUREMENTS:
        terminalreporter.write_sep("-", "certpack measurements")
        for line in MEASUREMENTS:
            terminalreporter.write_line(line)
