#!/usr/bin/env python3
"""The fleet acceptance run: what docs/batch.md guarantees, checked end to end on a generated fleet.

A fleet of N generated devices (bench/gen_fleet.py, cached) is copied and a given share of its devices is corrupted
the ways device folders break in the field (a truncated or emptied certificate, a damaged base64 line, random
bytes or the neighbour's key in the key file, a deleted key). Then `certpack batch` runs with der, c-array,
esp32-at and quectel, every file of the targets, and this script checks:

1. it completes with exit code 7 and reports exactly the corrupted devices as failed, each with the error its
   damage causes (the file named, the fix given); every other device is written;
2. nothing is lost: every output the summary lists is in its device folder with that SHA-256, each folder holds
   exactly its listed files, the output folder holds nothing else (no temporary folder), summary.csv agrees;
3. a re-run leaves every good device unchanged (no file rewritten) and reports the same failures;
4. a run killed (SIGKILL) halfway leaves only complete device folders, byte for byte those of the first run; the
   next run removes its leftovers, keeps what was complete and finishes the rest, with the same bytes.

Usage: bench/acceptance.py --cli PATH [--devices 10000] [--key ec|rsa] [--percent 1] [--seed 9] [--work DIR]
Prints what it checked and exits non-zero with the reason when a check fails. Needs pyca/cryptography to generate
the fleet (once; `--fleets` holds it, bench/work by default, shared with bench/compare).
"""
import argparse
import csv
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = ["der", "c-array", "esp32-at", "quectel"]
PARAMS = ["endpoint=a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com"]
SUMMARIES = {"summary.csv", "summary.json"}


class Failed(Exception):
    """An acceptance check that did not hold."""


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise Failed(what)


# --- corrupting devices ---------------------------------------------------------------------------------------


def cert_file(dev: Path) -> Path:
    return next(dev.glob("*-certificate.pem.crt"))


def key_file(dev: Path) -> Path:
    return next(dev.glob("*-private.pem.key"))


def truncate_certificate(dev: Path, neighbour: Path, rng: random.Random) -> str:
    path = cert_file(dev)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path.name


def empty_certificate(dev: Path, neighbour: Path, rng: random.Random) -> str:
    path = cert_file(dev)
    path.write_bytes(b"")
    return path.name


def damage_base64(dev: Path, neighbour: Path, rng: random.Random) -> str:
    path = cert_file(dev)
    lines = path.read_bytes().split(b"\n")
    line = 1 + rng.randrange(len(lines) - 4)  # a full base64 line inside the block
    at = rng.randrange(len(lines[line]))
    lines[line] = lines[line][:at] + b"!" + lines[line][at + 1 :]
    path.write_bytes(b"\n".join(lines))
    return path.name


def random_key(dev: Path, neighbour: Path, rng: random.Random) -> str:
    path = key_file(dev)
    # Binary junk: random bytes after a first byte that cannot start PEM, DER or a known container.
    size = path.stat().st_size
    path.write_bytes(bytes([rng.randrange(0x80, 0x100)] + [rng.randrange(256) for _ in range(size - 1)]))
    return path.name


def neighbours_key(dev: Path, neighbour: Path, rng: random.Random) -> str:
    path = key_file(dev)
    path.write_bytes(key_file(neighbour).read_bytes())
    return path.name


def delete_key(dev: Path, neighbour: Path, rng: random.Random) -> str:
    path = key_file(dev)
    path.unlink()
    return path.name


# (damage, error kind in the summary, what the error must say; {file} is the damaged file's name)
CORRUPTIONS = [
    (truncate_certificate, "pem", "{file}: line 1: the PEM block \"CERTIFICATE\" has no matching"),
    (empty_certificate, "check-failed", "CP107 {file} is named like a certificate but was skipped (the input is empty); the bundle has no device certificate (in "),
    (damage_base64, "pem", "{file}: line "),
    (random_key, "check-failed", "CP107 {file} is named like a private key but was skipped (the input is binary"),
    (neighbours_key, "check-failed", "CP101 the private key in "),
    (delete_key, "missing", "target esp32-at needs the private key, and the bundle has none"),
]


def corrupt(fleet: Path, source: Path, percent: float, seed: int) -> dict[str, tuple[str, str, str]]:
    """Damage `percent` of the devices (at least one of each kind when the fleet allows); returns device ->
    (damage, expected error kind, expected text)."""
    devices = sorted(p.name for p in fleet.iterdir() if p.is_dir())
    count = min(len(devices) - 1, max(len(CORRUPTIONS), round(len(devices) * percent / 100)))
    rng = random.Random(seed)
    chosen = sorted(rng.sample(range(len(devices)), count))
    damaged = {}
    for n, index in enumerate(chosen):
        damage, kind, text = CORRUPTIONS[n % len(CORRUPTIONS)]
        name = devices[index]
        neighbour = source / devices[(index + 1) % len(devices)]
        file = damage(fleet / name, neighbour, rng)
        damaged[name] = (damage.__name__.replace("_", " "), kind, text.format(file=file))
    return damaged


# --- running certpack ------------------------------------------------------------------------------------------


def batch_command(cli: str, fleet: Path, out: Path, jobs: int | None = None) -> list[str]:
    cmd = [cli, "batch", str(fleet), "-o", str(out)]
    for t in TARGETS:
        cmd += ["--target", t]
    for p in PARAMS:
        cmd += ["--param", p]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    return cmd


def run_batch(cli: str, fleet: Path, out: Path) -> tuple[int, float]:
    start = time.perf_counter()
    done = subprocess.run(batch_command(cli, fleet, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    expect(done.returncode in (0, 7), f"certpack batch exited with {done.returncode}: {done.stderr.strip()[-2000:]}")
    return done.returncode, seconds


# --- checking the output folder ----------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def verify(out: Path, n: int, damaged: dict[str, tuple[str, str, str]], statuses: set[str]) -> dict:
    """Check the summary and every output of a finished run; returns summary.json."""
    summary = json.loads((out / "summary.json").read_text())
    devices = summary["devices"]
    expect(len(devices) == n, f"summary.json lists {len(devices)} devices, the fleet has {n}")
    failed = {d["device"] for d in devices if d["status"] == "failed"}
    expect(failed == set(damaged), f"failed devices differ from the corrupted ones: not reported {sorted(set(damaged) - failed)[:10]}, failed though intact {sorted(failed - set(damaged))[:10]}")
    expect(summary["failed"] == len(damaged), f"summary.json counts {summary['failed']} failed, {len(damaged)} were corrupted")
    expect(summary["written"] + summary["unchanged"] == n - len(damaged), "written + unchanged is not the number of intact devices")
    for d in devices:
        name = d["device"]
        if name in damaged:
            damage, kind, text = damaged[name]
            expect(d["error_kind"] == kind, f"{name} ({damage}): error kind {d['error_kind']!r}, expected {kind!r}: {d['error']}")
            expect(text in d["error"] and "(fix: " in d["error"], f"{name} ({damage}): the error does not say {text!r} and how to fix it: {d['error']}")
            expect(not (out / name).exists(), f"{name} failed but has a device folder")
            continue
        expect(d["status"] in statuses, f"{name}: status {d['status']}, expected one of {sorted(statuses)}")
        expect(d["error"] is None and len(d["certificate_id"] or "") == 64, f"{name}: no certificate ID or an error: {d}")
        listed = {o["name"]: o["sha256"] for o in d["outputs"]}
        present = files_under(out / name)
        expect(present == set(listed), f"{name}: folder holds {sorted(present ^ set(listed))[:5]} not as listed")
        for file, digest in listed.items():
            expect(sha256(out / name / file) == digest, f"{name}/{file}: SHA-256 differs from the summary")
    intact = {d["device"] for d in devices} - failed
    entries = {p.name for p in out.iterdir()}
    expect(entries == intact | SUMMARIES, f"the output folder holds more than the device folders and summaries: {sorted(entries - intact - SUMMARIES)[:5]}")
    with open(out / "summary.csv", newline="") as f:
        rows = {r["device"]: r["status"] for r in csv.DictReader(f)}
    expect(rows == {d["device"]: d["status"] for d in devices}, "summary.csv and summary.json disagree")
    return summary


def outputs_of(summary: dict) -> dict[str, dict[str, str]]:
    return {d["device"]: {o["name"]: o["sha256"] for o in d["outputs"]} for d in summary["devices"] if d["status"] != "failed"}


def snapshot(out: Path) -> dict[str, tuple[int, int, int]]:
    """Every file's inode, size and modification time: a rewritten file changes at least one."""
    return {str(p.relative_to(out)): (s.st_ino, s.st_size, s.st_mtime_ns) for p in out.rglob("*") if p.is_file() and p.name not in SUMMARIES for s in [p.stat()]}


def interrupted_run(cli: str, fleet: Path, out: Path, first: dict[str, dict[str, str]], share: float) -> tuple[int, int]:
    """Kill a batch once `share` of the intact devices are written; check that only complete folders remain.
    Returns (complete folders left, temporary folders left)."""
    proc = subprocess.Popen(batch_command(cli, fleet, out, jobs=1), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    goal = max(1, int(len(first) * share))
    while proc.poll() is None:
        if out.is_dir() and sum(1 for e in os.scandir(out) if not e.name.startswith(".")) >= goal:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.001)
    code = proc.wait()
    expect(code == -signal.SIGKILL, f"the batch ended (exit {code}) before it could be killed: use a larger --devices")
    expect(not (out / "summary.json").exists(), "a killed batch left a summary")
    complete = temporary = 0
    for entry in out.iterdir():
        if entry.name.startswith(".certpack-tmp-"):
            temporary += 1
            continue
        expect(entry.name in first, f"the killed batch left {entry.name}, which is no intact device's folder")
        present = files_under(entry)
        expect(present == set(first[entry.name]), f"{entry.name}: the killed batch left a half-written folder ({len(present)} of {len(first[entry.name])} files)")
        for file, digest in first[entry.name].items():
            expect(sha256(entry / file) == digest, f"{entry.name}/{file}: differs from the first run's")
        complete += 1
    return complete, temporary


# --- the run ----------------------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cli", required=True, help="the certpack binary")
    ap.add_argument("--devices", type=int, default=10000)
    ap.add_argument("--key", choices=["rsa", "ec"], default="ec")
    ap.add_argument("--percent", type=float, default=1.0, help="share of devices to corrupt (at least one of each damage)")
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--fleets", type=Path, default=HERE / "work", help="where generated fleets are cached")
    ap.add_argument("--work", type=Path, default=HERE / "work" / "acceptance", help="scratch folder (emptied)")
    args = ap.parse_args()
    n = args.devices
    expect(n > len(CORRUPTIONS), f"--devices must be more than {len(CORRUPTIONS)}")

    source = args.fleets / f"fleet-{args.key}-{n}"
    if not source.is_dir():
        sys.path.insert(0, str(HERE))
        from gen_fleet import generate

        print(f"generating {n} {args.key} devices in {source}")
        partial = source.with_name(source.name + ".tmp")
        shutil.rmtree(partial, ignore_errors=True)
        generate(partial, n, args.key)
        partial.rename(source)
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    fleet = args.work / "fleet"
    shutil.copytree(source, fleet)
    damaged = corrupt(fleet, source, args.percent, args.seed)
    kinds = sorted({d for d, _, _ in damaged.values()})
    print(f"fleet: {n} {args.key} devices, {len(damaged)} corrupted ({', '.join(kinds)}); certpack: {args.cli}")

    out = args.work / "out"
    code, seconds = run_batch(args.cli, fleet, out)
    expect(code == 7, f"exit code {code} with failed devices, expected 7")
    summary = verify(out, n, damaged, {"written"})
    first = outputs_of(summary)
    listed = sum(len(files) for files in first.values())
    print(f"1. batch: exit 7 in {seconds:.1f} s; {summary['written']} written, exactly the {summary['failed']} corrupted devices failed, each with the error its damage causes")
    print(f"2. nothing lost: all {listed} listed outputs present with their SHA-256, no other file or folder")

    before = snapshot(out)
    code, seconds = run_batch(args.cli, fleet, out)
    expect(code == 7, f"re-run: exit code {code}, expected 7")
    again = verify(out, n, damaged, {"unchanged"})
    expect(outputs_of(again) == first, "re-run: the outputs differ from the first run's")
    expect(snapshot(out) == before, "re-run: files of unchanged devices were rewritten")
    print(f"3. re-run: exit 7 in {seconds:.1f} s; {again['unchanged']} unchanged (no file rewritten), the same {again['failed']} failed")

    killed = args.work / "out-killed"
    complete, temporary = interrupted_run(args.cli, fleet, killed, first, 0.3)
    code, seconds = run_batch(args.cli, fleet, killed)
    expect(code == 7, f"after the kill: exit code {code}, expected 7")
    resumed = verify(killed, n, damaged, {"written", "unchanged"})
    expect(resumed["unchanged"] == complete, f"after the kill: {resumed['unchanged']} unchanged, but the killed run left {complete} complete folders")
    expect(outputs_of(resumed) == first, "after the kill: the outputs differ from the first run's")
    print(f"4. killed with SIGKILL at {complete} complete device folders ({temporary} temporary folder(s), no half-written device folder); the next run: exit 7 in {seconds:.1f} s, {resumed['unchanged']} unchanged, {resumed['written']} written, leftovers removed, the same bytes as the first run")
    shutil.rmtree(args.work, ignore_errors=True)
    print("fleet acceptance: every check holds")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failed as e:
        print(f"fleet acceptance FAILED: {e}", file=sys.stderr)
        sys.exit(1)
