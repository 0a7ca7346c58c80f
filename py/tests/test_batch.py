"""certpack.batch: the fleet batch from Python gives the same files and summary as `certpack batch`."""

from __future__ import annotations

import _thread
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import certpack
import pytest

from conftest import TD


def _fleet(root: Path) -> Path:
    fleet = root / "fleet"
    for i, src in enumerate(["aws/rsa", "aws/ec", "aws/rsa"]):
        shutil.copytree(TD / src, fleet / f"dev-{i}")
    broken = fleet / "dev-3"
    broken.mkdir()
    (broken / "cert.pem").write_text("-----BEGIN CERTIFICATE-----\nMIIB\n")
    return fleet


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_batch_matches_cli(tmp_path: Path, cli: Path) -> None:
    fleet = _fleet(tmp_path)
    summary = certpack.batch(fleet, ["der", "esp32-at"], tmp_path / "py")
    assert (summary.written, summary.unchanged, summary.failed) == (3, 0, 1)
    failed = [d for d in summary.devices if d["status"] == "failed"]
    assert [d["device"] for d in failed] == ["dev-3"] and failed[0]["error_kind"] == "pem"
    done = subprocess.run(
        [str(cli), "batch", str(fleet), "--target", "der", "--target", "esp32-at", "-o", str(tmp_path / "cli")],
        capture_output=True,
    )
    assert done.returncode == 7, done.stderr
    py_tree, cli_tree = _tree(tmp_path / "py"), _tree(tmp_path / "cli")
    assert py_tree.keys() == cli_tree.keys()
    for name in py_tree:
        assert py_tree[name] == cli_tree[name], name
    again = certpack.batch(fleet, ["der", "esp32-at"], tmp_path / "py")
    assert (again.written, again.unchanged, again.failed) == (0, 3, 1)


def test_ctrl_c_stops_a_batch_and_a_rerun_finishes_it(tmp_path: Path) -> None:
    """Ctrl-C during certpack.batch raises KeyboardInterrupt soon, leaves only complete device folders and no
    summary, and the next run keeps those folders and writes the rest."""
    n = 1000
    fleet = tmp_path / "fleet"
    for i in range(n):
        device = fleet / f"dev-{i:04}"
        device.mkdir(parents=True)
        for f in (TD / "aws/ec").iterdir():
            os.link(f, device / f.name)
    out = tmp_path / "out"

    def interrupt_once_a_device_is_written() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if out.is_dir() and any(not p.name.startswith(".") for p in out.iterdir()):
                break
            time.sleep(0.001)
        _thread.interrupt_main()

    threading.Thread(target=interrupt_once_a_device_is_written, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        certpack.batch(fleet, ["der", "esp32-at"], out)
    entries = sorted(p.name for p in out.iterdir())
    assert "summary.json" not in entries and "summary.csv" not in entries
    assert not [e for e in entries if e.startswith(".")], "no temporary folder is left"
    assert 0 < len(entries) < n, f"{len(entries)} devices written before the stop"
    complete = _tree(out)
    summary = certpack.batch(fleet, ["der", "esp32-at"], out)
    assert (summary.unchanged, summary.written, summary.failed) == (len(entries), n - len(entries), 0)
    after = _tree(out)
    assert all(after[name] == data for name, data in complete.items())


def test_batch_files_selects_outputs_like_cli(tmp_path: Path, cli: Path) -> None:
    fleet = _fleet(tmp_path)
    patterns = ["*.der", "esp32-at/client_*.bin"]
    summary = certpack.batch(fleet, ["der", "esp32-at"], tmp_path / "py", params={"set": "client"}, files=patterns)
    assert (summary.written, summary.failed) == (3, 1)
    assert sorted(p.name for p in (tmp_path / "py" / "dev-0").rglob("*") if p.is_file()) == [
        "ca.crt.der",
        "client.crt.der",
        "client.key.der",
        "client_ca.bin",
        "client_cert.bin",
        "client_key.bin",
    ]
    args = [str(cli), "batch", str(fleet), "-t", "der", "-t", "esp32-at", "-p", "set=client", "-o", str(tmp_path / "cli")]
    done = subprocess.run(args + ["--files", patterns[0], "--files", patterns[1]], capture_output=True)
    assert done.returncode == 7, done.stderr
    assert _tree(tmp_path / "py") == _tree(tmp_path / "cli")
    # One pattern may be given as a plain string; one naming a folder the batch does not write is refused.
    one = certpack.batch(fleet, ["der"], tmp_path / "one", files="client.crt.der")
    assert [o["name"] for o in one.devices[0]["outputs"]] == ["der/client.crt.der"]
    with pytest.raises(certpack.CertpackError) as refused:
        certpack.batch(fleet, ["der"], tmp_path / "bad", files=["quectel/*.pem"])
    assert refused.value.kind == "invalid-argument" and "quectel/*.pem" in str(refused.value)


def test_pack_fleet_yields_what_batch_writes(tmp_path: Path) -> None:
    fleet = _fleet(tmp_path)
    targets = ["der", "c-array", "esp32-at", "quectel"]
    params = {"endpoint": "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com", "der.key-format": "pkcs8"}
    for patterns in ([], ["*.der", "c-array/certs.h", "esp32-at/*.bin", "quectel/*.pem", "quectel/manifest.json"]):
        out = tmp_path / f"out-{len(patterns)}"
        summary = certpack.batch(fleet, targets, out, params=params, files=patterns)
        # A chunk smaller than the fleet: the devices still come in fleet order, each once.
        devices = list(certpack.pack_fleet(fleet, targets, params=params, files=patterns, chunk=2))
        assert [d.device for d in devices] == [d["device"] for d in summary.devices]
        for memory, written in zip(devices, summary.devices):
            assert memory.certificate_id == written["certificate_id"]
            assert memory.findings == written["findings"]
            if written["status"] == "failed":
                assert not memory.ok and isinstance(memory.error, certpack.PemError)
                assert memory.error.kind == written["error_kind"] and len(memory) == 0
                continue
            assert memory.ok and memory.expiry is not None
            assert memory.expiry.isoformat().replace("+00:00", "Z") == written["expiry"]
            on_disk = {
                str(p.relative_to(out / memory.device)): p.read_bytes()
                for p in (out / memory.device).rglob("*")
                if p.is_file()
            }
            assert dict(memory) == on_disk
            assert list(memory) == [o["name"] for o in written["outputs"]]
    # Without patterns every file comes, the whole AT script included.
    first = next(certpack.pack_fleet(fleet, targets, params=params))
    assert first.device == "dev-0" and "quectel/script.txt" in first and "quectel/README.txt" in first
    # A mapping like a dict: a missing path raises KeyError, get() has its default, lookups by an equal string.
    with pytest.raises(KeyError):
        first["quectel/no-such-file"]
    assert first.get("no/such", b"") == b"" and "no/such" not in first and 42 not in first
    path = "".join(["der/", "client.crt.der"])
    assert first[path] == dict(first.items())["der/client.crt.der"] and len(first.keys()) == len(first)


def test_pack_fleet_takes_a_list_of_device_folders(tmp_path: Path) -> None:
    fleet = _fleet(tmp_path)
    folders = sorted((p for p in fleet.iterdir() if p.is_dir()), reverse=True)
    listed = {d.device: d for d in certpack.pack_fleet(fleet, ["der", "esp32-at"])}
    # In the order given, str or PathLike, each folder's name its device id; the same files as the fleet folder.
    given = list(certpack.pack_fleet([str(folders[0]), *folders[1:]], ["der", "esp32-at"], chunk=1))
    assert [d.device for d in given] == [p.name for p in folders]
    for device in given:
        assert device.ok == listed[device.device].ok and dict(device) == dict(listed[device.device])
    # batch takes the same list and writes what it packs.
    summary = certpack.batch(folders[:2], ["der", "esp32-at"], tmp_path / "out-list")
    assert [d["device"] for d in summary.devices] == [p.name for p in folders[:2]]
    for device in given[:2]:
        if device.ok:
            assert (tmp_path / "out-list" / device.device / "der/client.crt.der").read_bytes() == device["der/client.crt.der"]
    # A generator works too; an empty list and two folders of the same name are refused before anything runs.
    assert [d.device for d in certpack.pack_fleet((p for p in folders[:1]), ["der"])] == [folders[0].name]
    with pytest.raises(certpack.CertpackError) as empty:
        certpack.pack_fleet([], ["der"])
    assert empty.value.kind == "missing"
    elsewhere = tmp_path / "elsewhere" / folders[0].name
    elsewhere.mkdir(parents=True)
    with pytest.raises(certpack.InvalidArgumentError) as twice:
        certpack.pack_fleet([folders[0], elsewhere], ["der"])
    assert folders[0].name in str(twice.value)


def test_pack_fleet_refuses_bad_options_before_running(tmp_path: Path) -> None:
    fleet = _fleet(tmp_path)
    with pytest.raises(certpack.TargetError):
        certpack.pack_fleet(fleet, ["no-such-target"])
    with pytest.raises(certpack.InvalidArgumentError) as refused:
        certpack.pack_fleet(fleet, ["der"], files=["quectel/*.pem"])
    assert "quectel/*.pem" in str(refused.value)
    with pytest.raises(ValueError):
        certpack.pack_fleet(fleet, ["der"], chunk=0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_process_forked_after_a_batch_runs_its_own(tmp_path: Path) -> None:
    """A factory script's multiprocessing workers (forked after the parent ran a batch, which started the worker
    threads) run pack_fleet and batch themselves: a fork copies no threads, so a child reusing the parent's pool
    would wait forever."""
    fleet = _fleet(tmp_path)
    assert sum(d.ok for d in certpack.pack_fleet(fleet, ["der"])) == 3
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only when both ran in full
        try:
            packed = sum(d.ok for d in certpack.pack_fleet(fleet, ["der"]))
            written = certpack.batch(fleet, ["der"], tmp_path / "child").written
            os._exit(0 if (packed, written) == (3, 3) else 1)
        finally:
            os._exit(2)
    _expect_success(pid, "its batch")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_fleet_goes_on_in_a_process_forked_while_it_was_packing(tmp_path: Path) -> None:
    """A pack_fleet loop forked midway (its next chunks being packed by the parent's worker threads, which the
    child does not have) gives the child every remaining device, as it gives the parent."""
    fleet = _fleet(tmp_path)
    devices = certpack.pack_fleet(fleet, ["der"], chunk=1)
    assert next(devices).device == "dev-0"
    expected = [("dev-1", True), ("dev-2", True), ("dev-3", False)]
    pid = os.fork()
    if pid == 0:
        try:
            os._exit(0 if [(d.device, d.ok) for d in devices] == expected else 1)
        finally:
            os._exit(2)
    _expect_success(pid, "the fleet")
    assert [(d.device, d.ok) for d in devices] == expected


def _expect_success(pid: int, what: str) -> None:
    """Wait up to 60 s for the forked process `pid` to exit 0; kill it and fail the test if it does not finish."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    pytest.fail(f"the forked process did not finish {what} within 60 s")
