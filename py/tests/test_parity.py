"""Every target's bytes from the Python package equal the command line's, byte for byte (and failures agree)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import certpack
import pytest
from conftest import BUNDLES, TD, read_tree, report, sample_params

TARGETS = [t.name for t in certpack.targets()]
ERROR_LINE = re.compile(r"^certpack: error\[([a-z-]+)\]: (.*)$", re.M)


def params_for(target: certpack.TargetInfo, bundle: str | None = None) -> dict[str, str]:
    samples = sample_params(bundle)
    return {p.name: samples[p.name] for p in target.params if p.default is None and p.name in samples}


def run_cli(cli: Path, args: list[str], out: Path) -> dict[str, bytes] | tuple[str, str]:
    """Files the CLI wrote, or (error kind, message) when it failed."""
    done = subprocess.run([str(cli), *args, "-o", str(out)], cwd=TD, capture_output=True, text=True)
    if done.returncode == 0:
        return read_tree(out)
    found = ERROR_LINE.search(done.stderr)
    assert found, f"certpack {args} failed without a typed error: {done.stderr}"
    return found.group(1), found.group(2)


@pytest.mark.parametrize("bundle", sorted(BUNDLES))
@pytest.mark.parametrize("target", TARGETS)
def test_pack_equals_cli(cli: Path, tmp_path: Path, in_testdata: Path, bundle: str, target: str) -> None:
    info = next(t for t in certpack.targets() if t.name == target)
    params = params_for(info, bundle)
    args = ["pack", *BUNDLES[bundle], "--target", target]
    for name, value in params.items():
        args += ["--param", f"{name}={value}"]
    expected = run_cli(cli, args, tmp_path / "cli")
    try:
        got = certpack.load(*BUNDLES[bundle]).pack(target, **params)
    except certpack.CertpackError as e:
        assert isinstance(expected, tuple), f"the CLI packed {target}, Python raised {e!r}"
        assert (e.kind, str(e)) == expected
        report(f"pack {target} from {bundle}: CLI and Python both refuse it ({e.kind}); add sample params?")
        return
    assert isinstance(expected, dict), f"the CLI refused {target}: {expected}, Python packed it"
    assert dict(got) == expected
    # write() produces the same tree as the CLI.
    written = got.write(tmp_path / "py")
    assert read_tree(tmp_path / "py") == expected
    assert len(written) == len(expected)


def test_basic_targets_pack_for_every_sample_bundle(in_testdata: Path) -> None:
    """The parity test above compares real outputs, not only errors: der and pem pack every sample."""
    for bundle in BUNDLES.values():
        for target in ("der", "pem"):
            assert "manifest.json" in certpack.load(*bundle).pack(target)


@pytest.mark.parametrize("pem", [False, True])
@pytest.mark.parametrize("form", ["der", "pem", "pkcs1", "pkcs8", "sec1", "spki"])
@pytest.mark.parametrize("bundle", ["aws-rsa", "aws-ec", "azure-x509"])
def test_convert_equals_cli(
    cli: Path, tmp_path: Path, in_testdata: Path, bundle: str, form: str, pem: bool
) -> None:
    args = ["convert", *BUNDLES[bundle], "--to", form] + (["--pem"] if pem else [])
    expected = run_cli(cli, args, tmp_path / "cli")
    try:
        got = certpack.load(*BUNDLES[bundle]).convert(form, pem=pem)
    except certpack.CertpackError as e:
        assert (e.kind, str(e)) == expected
        return
    assert dict(got) == expected


def test_convert_crlf_without_final_newline_equals_cli(cli: Path, tmp_path: Path, in_testdata: Path) -> None:
    args = ["convert", "aws/ec", "--to", "pem", "--crlf", "--no-final-newline"]
    expected = run_cli(cli, args, tmp_path / "cli")
    got = certpack.load("aws/ec").convert("pem", crlf=True, final_newline=False)
    assert dict(got) == expected
    assert all(b"\r\n" in data and not data.endswith(b"\n") for data in got.values())


def test_targets_equal_cli_listing(cli: Path) -> None:
    import json

    listed = json.loads(subprocess.run([str(cli), "targets", "--json"], capture_output=True, check=True).stdout)
    ours = [
        {
            "name": t.name,
            "family": t.family,
            "summary": t.summary,
            "params": [{"name": p.name, "help": p.help, "default": p.default} for p in t.params],
        }
        for t in certpack.targets()
    ]
    assert ours == listed
