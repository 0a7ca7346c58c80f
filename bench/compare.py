#!/usr/bin/env python3
"""Driver of bench/compare: runs each method on the fleet, prints rates, ratios and the goals."""
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = ["der", "c-array", "esp32-at", "quectel"]
PARAMS = {"quectel": {"endpoint": "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com"}}
OPENSSL_SAMPLE = int(os.environ.get("OPENSSL_SAMPLE", "100"))
# Rounds of the methods after the openssl pipeline (the best of each counts).
ROUNDS = max(1, int(os.environ.get("CERTPACK_BENCH_ROUNDS", "3")))
# The reference workload's files and nothing else (see docs/batch.md, --files and TARGET.NAME parameters).
WORKLOAD_FILES = ["*.der", "c-array/certs.h", "esp32-at/*.bin", "quectel/*.pem", "quectel/manifest.json"]
WORKLOAD_PARAMS = {"set": "client", "der.key-format": "pkcs8"}
WORKLOAD_ONLY = [a for k, v in WORKLOAD_PARAMS.items() for a in ("--param", f"{k}={v}")] + [
    a for f in WORKLOAD_FILES for a in ("--files", f)
]
BATCH_WORKLOAD = "certpack batch, the workload's files"
BATCH_ALL = "certpack batch, every file of the targets"


def warm(fleet: Path) -> None:
    """Read every file of the fleet (not timed) so that each method starts from the page cache. This machine
    reclaims file pages unused for some seconds (about half the fleet within 30 s): without this, whichever
    method runs after a pause reads the disk and the others do not."""
    for folder, _, names in os.walk(fleet):
        for name in names:
            with open(os.path.join(folder, name), "rb") as f:
                f.read()


def best(rates: dict[str, float], name: str, rate: float) -> None:
    """Keep the best rate of a method over the rounds."""
    rates[name] = max(rate, rates.get(name, 0.0))


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def device_folders(fleet: Path) -> list[Path]:
    """The fleet's device folders in order, listed as the pyca script lists them (before any clock starts)."""
    return sorted(p for p in fleet.iterdir() if p.is_dir())


def certpack_inprocess(fleet: Path) -> float:
    """Seconds for the reference workload through the Python package, as the pyca script does it: load, key
    match, certificate/key/root DER, PKCS#8, the C header, the ESP32-AT bins, the Quectel uploads (the whole AT
    script, with checksums) and the certificate ID, every output file turned into Python bytes. No checks, like
    the pyca script (they run in `certpack batch` above)."""
    import certpack

    devices = device_folders(fleet)
    start = time.perf_counter()
    for dev in devices:
        bundle = certpack.load(dev)
        if not bundle.key_matches_leaf:
            raise ValueError(dev)
        # Every file as Python bytes, as the pyca script returns its outputs (a dict of bytes per device).
        out = {**bundle.convert("der"), **bundle.convert("pkcs8")}
        for t in ("c-array", "esp32-at", "quectel"):
            out.update(bundle.pack(t, check=False, **PARAMS.get(t, {})))
        if not bundle.certificate_id or not out:
            raise ValueError(dev)
    return time.perf_counter() - start


def certpack_fleet_inprocess(fleet: Path) -> float:
    """Seconds for the reference workload through `certpack.pack_fleet`: what `certpack batch` writes for the
    goal (the workload's files, checks included), packed in memory on every core with the GIL released and
    handed to Python as bytes, device by device, as the pyca script's loop returns them. The device folders are
    listed before the clock starts, as the pyca script and `certpack_inprocess` list theirs, and given to
    `pack_fleet` as a list."""
    import certpack

    params = {**PARAMS["quectel"], **WORKLOAD_PARAMS}
    devices = device_folders(fleet)
    start = time.perf_counter()
    for device in certpack.pack_fleet(devices, TARGETS, params=params, files=WORKLOAD_FILES):
        if not device.ok or not device.certificate_id or len(device) != 11:
            raise ValueError(f"{device.device}: {device.error}")
    return time.perf_counter() - start


def file_system(path: Path) -> str:
    """The type of the file system holding `path` (as `df` reports it), for the printout."""
    out = subprocess.run(["df", "--output=fstype", str(path)], capture_output=True, text=True)
    lines = out.stdout.split()
    return lines[-1] if out.returncode == 0 and len(lines) > 1 else "file system unknown"


def main() -> None:
    fleet, exe = Path(sys.argv[1]), sys.argv[2]
    n = len(device_folders(fleet))
    # Where every method writes its files: bench/work/out, or CERTPACK_BENCH_OUT (e.g. a folder on tmpfs, to time
    # the programs rather than the disk; every method then writes to the same file system).
    work = Path(os.environ.get("CERTPACK_BENCH_OUT") or HERE / "work" / "out").resolve()
    work.parent.mkdir(parents=True, exist_ok=True)
    # Outputs of an earlier run are moved aside and deleted only after the timings: on ext4, creating files
    # within minutes of deleting thousands takes the slow "recently deleted inode" path, which would slow
    # whichever method runs first.
    old = work.with_name(f"{work.name}.old-{os.getpid()}")
    if work.exists():
        work.rename(old)
    sample = min(n, OPENSSL_SAMPLE)
    rates = {}
    # Every timed method starts from a warm page cache (see warm()).
    warm(fleet)
    rates["openssl + xxd pipeline"] = sample / timed(["bash", str(HERE / "openssl_pipeline.sh"), str(fleet), str(work / "openssl"), str(sample)])
    py = [sys.executable, str(HERE / "pyca_workload.py"), str(fleet)]
    batch = [exe, "batch", str(fleet)]
    for t in TARGETS:
        batch += ["--target", t]
    for t, params in PARAMS.items():
        for k, v in params.items():
            batch += ["--param", f"{k}={v}"]
    py_name = "certpack Python in-process, pack_fleet (all cores)"
    read_seconds = float("inf")
    floor_exe = str(Path(exe).parent / "examples" / "write_floor")
    floors = {}
    # Each method runs ROUNDS times, the methods interleaved round by round, and its best rate counts: this virtual
    # machine's speed drifts by a third within minutes, and interleaving gives both sides the same chances.
    for r in range(ROUNDS):
        suffix = "" if r == 0 else f"-{r + 1}"
        # End to end means the same for both programs: the wall time of the process, from its start (the Python
        # interpreter and its imports; certpack's start) to its exit, as a factory line runs it. The script's own
        # timer (its loop alone) is printed too.
        warm(fleet)
        start = time.perf_counter()
        loop_seconds = json.loads(subprocess.check_output(py + [str(work / f"pyca{suffix}")]))["seconds"]
        best(rates, "pyca/cryptography script", n / (time.perf_counter() - start))
        best(rates, "pyca/cryptography script, its loop alone", n / loop_seconds)
        warm(fleet)
        best(rates, "pyca/cryptography in-process", n / json.loads(subprocess.check_output(py))["seconds"])
        # certpack batch as a factory line runs it for the reference workload: the pyca script's outputs and no
        # more (the DER key as PKCS#8 next to the C header's traditional key, ESP32-AT client bins, the Quectel
        # payloads with their checksums in quectel/manifest.json, the certificate ID in the summary), checks
        # included.
        warm(fleet)
        best(rates, BATCH_WORKLOAD, n / timed(batch + WORKLOAD_ONLY + ["-o", str(work / f"batch-workload{suffix}")]))
        # And with every file of the four targets (READMEs, manifests, the whole AT script, mqtt_* bins): for
        # reference.
        warm(fleet)
        best(rates, BATCH_ALL, n / timed(batch + ["-o", str(work / f"batch{suffix}")]))
        warm(fleet)
        best(rates, py_name, n / certpack_fleet_inprocess(fleet))
        warm(fleet)
        best(rates, "certpack Python in-process, a call per device", n / certpack_inprocess(fleet))
        # The file system's floor: the same files this round wrote, written again with no certpack work
        # (core/examples/write_floor.rs) with batch's threads, then the pyca script's 13 files per device the same
        # way. No implementation that writes those files can run faster end to end on this disk.
        sources = (("batch's files (workload)", f"batch-workload{suffix}"), ("batch's files (all)", f"batch{suffix}"), ("pyca script's files", f"pyca{suffix}"))
        for name, source in sources:
            done = json.loads(subprocess.check_output([floor_exe, str(work / source), str(work / f"floor-{source}")]))
            rate = done["devices"] / done["seconds"]
            if rate > floors.get(name, (0.0, 0))[0]:
                floors[name] = (rate, done["files"] // max(done["devices"], 1))
        # The Rust core alone, one thread, files read beforehand (the "devices/s per core" goal), and the time its
        # one pass reading the device folders took (for the in-process ceiling below): the best of the rounds.
        warm(fleet)
        run = json.loads(subprocess.check_output([str(Path(exe).parent / "examples" / "fleet_workload"), str(fleet), "3"]))
        best(rates, "certpack core in-process, 1 thread", run["devices"] / run["seconds"])
        read_seconds = min(run["read_seconds"], read_seconds)
    # The in-process ceiling: reading a device's folder (one pass, one thread, warm cache) plus the core workload,
    # spread over every core. No in-process use of certpack that reads the files can pass it: no checks, no
    # manifests, no Python objects counted.
    threads = os.cpu_count() or 1
    core_seconds = 1 / rates["certpack core in-process, 1 thread"]
    per_device = read_seconds / n + core_seconds
    in_process_ceiling = threads / per_device
    print(f"\nfleet: {n} devices ({fleet.name}); machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
    fs_type = file_system(work)
    print(f"outputs written to {work} ({fs_type})")
    print(f"openssl pipeline timed on the first {sample} devices\n")
    for name, rate in rates.items():
        print(f"  {name:<42} {rate:>10.1f} devices/s")
    print("\n  file creation alone, no certpack work (the end-to-end ceiling on this disk):")
    for name, (rate, per_device) in floors.items():
        ceiling = rate / rates["pyca/cryptography script"]
        print(f"    {name + f' ({per_device} per device)':<36} {rate:>10.1f} devices/s = {ceiling:.1f}x the pyca script at most")
    print("\n  reading the device folders + the core workload, no checks, manifests or Python (the in-process ceiling):")
    ceiling = in_process_ceiling / rates["pyca/cryptography in-process"]
    read_us, work_us = read_seconds / n * 1e6, core_seconds * 1e6
    print(f"    {read_us:.1f} + {work_us:.1f} us per device on {threads} cores: {in_process_ceiling:>10.1f} devices/s = {ceiling:.1f}x pyca in-process at most")
    core_rate = rates["certpack core in-process, 1 thread"]
    print(f"\n  {'certpack core per core (goal >= 50000/s)':<50} {core_rate:>8.0f}/s  {'ok' if core_rate >= 50000 else 'BELOW GOAL'}")
    ratios = {
        "certpack batch / openssl pipeline (goal >= 100)": rates[BATCH_WORKLOAD] / rates["openssl + xxd pipeline"],
        "certpack batch / pyca script (goal >= 10)": rates[BATCH_WORKLOAD] / rates["pyca/cryptography script"],
        "batch / the pyca script's loop alone (no goal)": rates[BATCH_WORKLOAD] / rates["pyca/cryptography script, its loop alone"],
        "batch, every file / pyca script (no goal)": rates[BATCH_ALL] / rates["pyca/cryptography script"],
    }
    ratios["certpack Python / pyca in-process (goal >= 20)"] = rates[py_name] / rates["pyca/cryptography in-process"]
    ratios["Python, a call per device / pyca in-process (no goal)"] = (
        rates["certpack Python in-process, a call per device"] / rates["pyca/cryptography in-process"]
    )
    print()
    for name, ratio in ratios.items():
        verdict = "" if ">= " not in name else "ok" if ratio >= float(name.split(">= ")[1].rstrip(")")) else "BELOW GOAL"
        print(f"  {name:<50} {ratio:>8.1f}x  {verdict}")
    shutil.rmtree(old, ignore_errors=True)
    results = {"devices": n, "outputs": str(work), "file_system": fs_type, "rates": rates, "ratios": ratios, "file_creation_floor": {k: v[0] for k, v in floors.items()}, "in_process_ceiling": in_process_ceiling}
    (HERE / "work" / "results.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
