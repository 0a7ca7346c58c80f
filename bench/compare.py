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


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def certpack_inprocess(fleet: Path) -> float:
    import certpack

    devices = sorted(p for p in fleet.iterdir() if p.is_dir())
    start = time.perf_counter()
    for dev in devices:
        bundle = certpack.load(dev)
        if not bundle.key_matches_leaf:
            raise ValueError(dev)
        for t in TARGETS:
            bundle.pack(t, **PARAMS.get(t, {}))
    return time.perf_counter() - start


def main() -> None:
    fleet, exe = Path(sys.argv[1]), sys.argv[2]
    n = sum(1 for p in fleet.iterdir() if p.is_dir())
    work = HERE / "work" / "out"
    shutil.rmtree(work, ignore_errors=True)
    sample = min(n, OPENSSL_SAMPLE)
    rates = {}
    rates["openssl + xxd pipeline"] = sample / timed(["bash", str(HERE / "openssl_pipeline.sh"), str(fleet), str(work / "openssl"), str(sample)])
    py = [sys.executable, str(HERE / "pyca_workload.py"), str(fleet)]
    rates["pyca/cryptography script"] = n / json.loads(subprocess.check_output(py + [str(work / "pyca")]))["seconds"]
    rates["pyca/cryptography in-process"] = n / json.loads(subprocess.check_output(py))["seconds"]
    batch = [exe, "batch", str(fleet), "-o", str(work / "batch")]
    for t in TARGETS:
        batch += ["--target", t]
    for t, params in PARAMS.items():
        for k, v in params.items():
            batch += ["--param", f"{k}={v}"]
    rates["certpack batch"] = n / timed(batch)
    rates["certpack Python in-process"] = n / certpack_inprocess(fleet)
    print(f"\nfleet: {n} devices ({fleet.name}); machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
    print(f"openssl pipeline timed on the first {sample} devices\n")
    for name, rate in rates.items():
        print(f"  {name:<32} {rate:>10.1f} devices/s")
    ratios = {
        "certpack batch / openssl pipeline (goal >= 100)": rates["certpack batch"] / rates["openssl + xxd pipeline"],
        "certpack batch / pyca script (goal >= 10)": rates["certpack batch"] / rates["pyca/cryptography script"],
        "certpack Python / pyca in-process (goal >= 20)": rates["certpack Python in-process"] / rates["pyca/cryptography in-process"],
    }
    print()
    for name, ratio in ratios.items():
        print(f"  {name:<50} {ratio:>8.1f}x  {'ok' if ratio >= float(name.split('>= ')[1].rstrip(')')) else 'BELOW GOAL'}")
    (HERE / "work" / "results.json").write_text(json.dumps({"devices": n, "rates": rates, "ratios": ratios}, indent=2) + "\n")


if __name__ == "__main__":
    main()
