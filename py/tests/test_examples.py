"""docs/examples: the PlatformIO extra script (with a fake SCons env) and the factory script (with a fake modem
on a pty) do what they say."""

from __future__ import annotations

import base64
import json
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import certpack
import pytest
from conftest import DATA, ROOT, TD, read_tree, sample_params
from fake_modem import FakeModem, example

EXAMPLES = ROOT / "docs/examples"
sys.path.insert(0, str(EXAMPLES))
import factory_provision  # noqa: E402


class FakeEnv:
    """Stands in for PlatformIO's SCons environment: project options, subst, Append and Exit."""

    def __init__(self, project: Path, options: dict[str, str]) -> None:
        self.project = project
        self.options = options
        self.appended: list[dict[str, Any]] = []
        self.exit_code: int | None = None

    def subst(self, text: str) -> str:
        return text.replace("$PROJECT_DIR", str(self.project))

    def GetProjectOption(self, name: str, default: Any = None) -> Any:  # noqa: N802
        return self.options.get(name, default)

    def Append(self, **kwargs: Any) -> None:  # noqa: N802
        self.appended.append(kwargs)

    def Exit(self, code: int) -> None:  # noqa: N802
        self.exit_code = code


def run_platformio_script(env: FakeEnv) -> None:
    """Run the script the way PlatformIO does: SCons' Import("env") binds `env` in the script's globals."""

    def scons_import(name: str) -> None:
        sys._getframe(1).f_globals[name] = env

    runpy.run_path(str(EXAMPLES / "platformio_certpack.py"), init_globals={"Import": scons_import})


def test_platformio_script_packages_like_the_cli(cli: Path, tmp_path: Path) -> None:
    shutil.copytree(TD / "aws/ec", tmp_path / "certs/thing-1")
    env = FakeEnv(
        tmp_path,
        {
            "custom_certpack_bundle": "\ncerts/thing-1",
            "custom_certpack_target": "pem",
            "custom_certpack_output": "data/certs",
            "custom_certpack_params": "\neol=crlf\nkey-format=pkcs8",
        },
    )
    run_platformio_script(env)
    assert env.exit_code is None
    subprocess.run(
        [str(cli), "pack", "certs/thing-1", "--target", "pem", "-p", "eol=crlf", "-p", "key-format=pkcs8", "-o", "cli-out"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    assert read_tree(tmp_path / "data/certs") == read_tree(tmp_path / "cli-out")
    cert_id = certpack.load(TD / "aws/ec").certificate_id
    assert env.appended == [{"CPPDEFINES": [("CERTPACK_CERTIFICATE_ID", f'\\"{cert_id}\\"')]}]


def test_platformio_script_stops_the_build_on_a_wrong_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "certs").mkdir()
    shutil.copy(TD / "aws/rsa/93f1d43d67-certificate.pem.crt", tmp_path / "certs")
    shutil.copy(TD / "aws/ec/46623c5574-private.pem.key", tmp_path / "certs")
    env = FakeEnv(tmp_path, {"custom_certpack_bundle": "certs"})
    run_platformio_script(env)
    assert env.exit_code == 1
    out = capsys.readouterr().out
    assert "error[check-failed]" in out and "CP101" in out and "fix:" in out
    assert not (tmp_path / "data").exists()


def test_example_regex_generator_matches() -> None:
    for pattern in ["OK", r"\+SYSMFG:\"a\",8,[0-9]+", r"\+QFUPL: 1188,[0-9a-f]{1,4}", r"(CONNECT|OK)", r"\+QMTOPEN: 0,0"]:
        assert re.search(pattern, example(pattern)), pattern


def step_scripts() -> list[tuple[str, dict[str, Any]]]:
    """The JSON AT steps of every target that writes them (packed from aws/rsa), plus the committed sample."""
    scripts = [("sample-steps.json", json.loads((DATA / "sample-steps.json").read_text()))]
    samples = sample_params()
    for target in certpack.targets():
        params = {p.name: samples[p.name] for p in target.params if p.default is None and p.name in samples}
        try:
            out = certpack.load(TD / "aws/rsa").pack(target.name, params=params)
        except certpack.CertpackError:
            continue
        for f in out.files:
            if f.name.endswith(".json") and f.name != "manifest.json":
                data = json.loads(f.data)
                if isinstance(data, dict) and isinstance(data.get("steps"), list):
                    scripts.append((f"{target.name}:{f.name}", data))
    return scripts


SCRIPTS = step_scripts()


@pytest.mark.parametrize(("name", "script"), SCRIPTS, ids=[s[0] for s in SCRIPTS])
def test_factory_script_sends_every_step_and_exact_payloads(name: str, script: dict[str, Any]) -> None:
    serial = pytest.importorskip("serial", reason="pyserial is installed by scripts/test-all")
    with FakeModem(script) as modem, serial.Serial(modem.slave, 115200, timeout=0.05) as port:
        count = factory_provision.provision(port, script, log=lambda _: None)
    assert count == len(script["steps"])
    assert modem.commands == [s["command"] for s in script["steps"]]
    uploads = [s for s in script["steps"] if "payload_base64" in s]
    # Most families send credentials after a prompt; the nRF91 writes them inline in AT%CMNG.
    inline = [s for s in script["steps"] if "-----BEGIN CERTIFICATE-----" in s["command"]]
    assert uploads or inline, "the script writes the credentials"
    for step in uploads:
        assert modem.payloads[step["command"]] == base64.b64decode(step["payload_base64"])


def test_factory_script_payload_is_the_file_byte_for_byte() -> None:
    script = json.loads((DATA / "sample-steps.json").read_text())
    upload = script["steps"][2]
    assert base64.b64decode(upload["payload_base64"]) == (TD / "messy/leaf-crlf.pem").read_bytes()


def test_factory_main_over_a_pty_and_its_failure_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("serial", reason="pyserial is installed by scripts/test-all")
    steps = DATA / "sample-steps.json"
    script = json.loads(steps.read_text())
    with FakeModem(script) as modem:
        assert factory_provision.main([str(steps), "--port", modem.slave]) == 0
    assert "done: 5 steps passed" in capsys.readouterr().out
    # An ERROR on a may_fail step is accepted; on the upload it stops the run with the command named.
    erase, upload = script["steps"][1]["command"], script["steps"][2]["command"]
    with FakeModem(script, fail=(erase, upload)) as modem:
        assert factory_provision.main([str(steps), "--port", modem.slave]) == 1
    err = capsys.readouterr().err
    assert "FAILED" in err and upload.replace('"', "") in err.replace('"', "").replace("\\", "")
    assert erase in modem.commands and script["steps"][3]["command"] not in modem.commands


def test_factory_dry_run_never_prints_payload_bytes(capsys: pytest.CaptureFixture[str]) -> None:
    assert factory_provision.main([str(DATA / "sample-steps.json"), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "1240 bytes of client_cert.pem" in out and "BEGIN" not in out and "MII" not in out


def test_factory_from_a_bundle_without_steps_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert factory_provision.main(["--bundle", str(TD / "aws/rsa"), "--target", "der", "--dry-run"]) == 2
    assert "writes no JSON AT steps" in capsys.readouterr().err
