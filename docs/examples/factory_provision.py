"""Factory provisioning: drive a module's serial port from certpack's JSON AT steps.

The module targets of certpack write their AT script twice: as commented text and as JSON steps (command, payload
as base64, the prompt to wait for, the response to expect, a timeout). This script sends those steps over a
serial port, waits for each prompt, writes each payload byte for byte, checks each response, and stops at the first
step that fails, saying which and why.

    pip install certpack pyserial
    python factory_provision.py out/steps.json --port /dev/ttyUSB0
    python factory_provision.py --bundle certs/thing-1 --target esp32-at --port /dev/ttyUSB0
    python factory_provision.py out/steps.json --dry-run          # print what would be sent

Payload bytes are never printed (they may hold the private key); only their file name and length are.
Exit codes: 0 all steps passed, 1 a step failed or timed out, 2 bad arguments or input.
"""

from __future__ import annotations

import argparse
import base64
import importlib
import json
import re
import sys
import time
from pathlib import Path
from typing import Any, Callable, Protocol

import certpack

# A final result code that ends a response (ESP-AT, 3GPP +CME/+CMS errors, Quectel/SIMCom/u-blox variants).
FAILURE = re.compile(r"(?:^|\r?\n)(ERROR|\+CM[ES] ERROR:[^\r\n]*|SEND FAIL)\r?\n", re.M)


class Port(Protocol):
    """What the script needs of a serial port (pyserial's `serial.Serial` fits)."""

    def write(self, data: bytes, /) -> int | None: ...

    def read(self, size: int = 1, /) -> bytes: ...


class StepFailed(Exception):
    """A step got an error response, the wrong response, or none in time."""


def load_steps(path: Path) -> dict[str, Any]:
    """Read a steps JSON file (the `Script::to_json` shape: title, line_ending, steps[])."""
    script: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(script.get("steps"), list):
        raise ValueError(f"{path} has no steps[]: is it certpack's JSON AT steps file?")
    return script


def steps_from_bundle(bundle: str, target: str, params: dict[str, str]) -> dict[str, Any]:
    """Pack `bundle` for `target` with certpack and return the JSON AT steps it wrote."""
    artifacts = certpack.load(bundle).pack(target, params=params)
    for artifact in artifacts.files:
        if artifact.name.endswith(".json") and artifact.name != "manifest.json":
            script: Any = json.loads(artifact.data)
            if isinstance(script, dict) and isinstance(script.get("steps"), list):
                return script
    raise ValueError(f"target {target} writes no JSON AT steps; choose a module target (certpack.targets())")


def read_until(port: Port, done: Callable[[str], bool], timeout_s: float) -> str:
    """Read from `port` until `done(text so far)` or the timeout; returns what was read."""
    buffer = b""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        chunk = port.read(256)
        if chunk:
            buffer += chunk
            if done(buffer.decode("utf-8", "replace")):
                break
    return buffer.decode("utf-8", "replace")


def run_step(port: Port, step: dict[str, Any], line_ending: str, log: Callable[[str], None]) -> str:
    """Send one step and check its response; returns the response text."""
    timeout_s = step["timeout_ms"] / 1000
    port.write((step["command"] + line_ending).encode())
    if "payload_base64" in step:
        prompt = step["prompt"]
        seen = read_until(port, lambda text: prompt in text or FAILURE.search(text) is not None, timeout_s)
        if prompt not in seen:
            raise StepFailed(f"no {prompt!r} prompt after {step['command']!r} (got {seen.strip()!r})")
        payload = base64.b64decode(step["payload_base64"], validate=True)
        if len(payload) != step["payload_length"]:
            raise StepFailed(f"payload of {step['payload_file']} is {len(payload)} bytes, steps say {step['payload_length']}")
        port.write(payload)
        log(f"   sent {step['payload_file']} ({len(payload)} bytes)")
    expect = re.compile(step["expect"], re.M)
    response = read_until(port, lambda text: bool(expect.search(text) or FAILURE.search(text)), timeout_s)
    if expect.search(response):
        return response
    if FAILURE.search(response) and step.get("may_fail"):
        log("   (error accepted for this step)")
        return response
    got = response.strip() or "nothing"
    raise StepFailed(f"{step['command']!r}: expected /{step['expect']}/ within {timeout_s:g} s, got {got!r}")


def provision(port: Port, script: dict[str, Any], log: Callable[[str], None] = print) -> int:
    """Run every step in order; returns the number of steps run. Raises StepFailed at the first failure."""
    line_ending = script.get("line_ending", "\r")
    log(f"# {script.get('title', 'certpack AT steps')}")
    for n, step in enumerate(script["steps"], 1):
        log(f"[{n}/{len(script['steps'])}] {step['command']}")
        run_step(port, step, line_ending, log)
    return len(script["steps"])


def dry_run(script: dict[str, Any], log: Callable[[str], None] = print) -> None:
    """Print the commands and payload sizes without a port."""
    for n, step in enumerate(script["steps"], 1):
        payload = f"  + {step['payload_length']} bytes of {step['payload_file']}" if "payload_file" in step else ""
        log(f"[{n}] {step['command']}{payload}   -> /{step['expect']}/")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("steps", nargs="?", type=Path, help="JSON AT steps file written by certpack pack")
    parser.add_argument("--bundle", help="pack this bundle (folder or file) instead of reading a steps file")
    parser.add_argument("--target", help="module target to pack for (with --bundle)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="target parameter")
    parser.add_argument("--port", help="serial port, e.g. /dev/ttyUSB0 or COM3")
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--dry-run", action="store_true", help="print the steps, open no port")
    args = parser.parse_args(argv)
    try:
        if args.bundle:
            if not args.target:
                parser.error("--bundle needs --target")
            params = dict(p.split("=", 1) for p in args.param)
            script = steps_from_bundle(args.bundle, args.target, params)
        elif args.steps:
            script = load_steps(args.steps)
        else:
            parser.error("give a steps file or --bundle with --target")
    except (OSError, ValueError, certpack.CertpackError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.dry_run:
        dry_run(script)
        return 0
    if not args.port:
        parser.error("--port is required (or --dry-run)")
    serial = importlib.import_module("serial")  # pyserial

    with serial.Serial(args.port, args.baud, timeout=0.05) as port:
        try:
            count = provision(port, script)
        except StepFailed as e:
            print(f"FAILED: {e}", file=sys.stderr)
            return 1
    print(f"done: {count} steps passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
