"""A small fake AT modem on a pty, for testing docs/examples/factory_provision.py.

It knows the steps it will be sent (from the steps JSON): it echoes each command, answers a payload command with
its prompt, reads exactly the announced number of raw bytes (CRs included), and then answers with a response made
to match the step's `expect` pattern. Commands listed in `fail` get `ERROR` instead.
"""

from __future__ import annotations

import os
import pty
import select
import threading
from typing import Any

try:
    import re._parser as sre  # Python 3.11+
except ImportError:  # pragma: no cover
    import sre_parse as sre  # type: ignore[no-redef]


def example(pattern: str) -> str:
    """A short string that `re.search(pattern, ...)` matches (literals, classes, repeats, groups, branches)."""

    def in_class(items: Any) -> str:
        for op, av in items:
            name = str(op)
            if name == "LITERAL":
                return chr(av)
            if name == "RANGE":
                return chr(av[0])
            if name == "CATEGORY":
                return {"CATEGORY_DIGIT": "0", "CATEGORY_SPACE": " "}.get(str(av), "a")
        return "#"

    def gen(seq: Any) -> str:
        out = ""
        for op, av in seq:
            name = str(op)
            if name == "LITERAL":
                out += chr(av)
            elif name in ("NOT_LITERAL", "ANY"):
                out += "x"
            elif name == "IN":
                out += in_class(av)
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                out += gen(av[2]) * av[0]
            elif name in ("SUBPATTERN", "ATOMIC_GROUP"):
                out += gen(av[-1])
            elif name == "BRANCH":
                out += gen(av[1][0])
        return out

    return gen(sre.parse(pattern))


class FakeModem:
    """Serve the pty's master side in a thread; `slave` is the port path to open."""

    def __init__(self, script: dict[str, Any], fail: tuple[str, ...] = ()) -> None:
        self.steps = {s["command"]: s for s in script["steps"]}
        self.fail = fail
        self.commands: list[str] = []
        self.payloads: dict[str, bytes] = {}
        self.master, slave_fd = pty.openpty()
        self.slave = os.ttyname(slave_fd)
        self._slave_fd = slave_fd
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> FakeModem:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        os.close(self.master)
        os.close(self._slave_fd)

    def _read(self) -> bytes:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    return os.read(self.master, 4096)
                except OSError:
                    return b""
        return b""

    def _say(self, text: str) -> None:
        os.write(self.master, text.encode())

    def _serve(self) -> None:
        buffer = b""
        while not self._stop.is_set():
            while b"\r" not in buffer and not self._stop.is_set():
                buffer += self._read()
            if self._stop.is_set():
                return
            line, buffer = buffer.split(b"\r", 1)
            command = line.decode().strip()
            self.commands.append(command)
            self._say(command + "\r\n")  # echo, as modems do by default
            step = self.steps.get(command)
            if command in self.fail or step is None:
                self._say("\r\nERROR\r\n")
                continue
            if "payload_length" in step:
                self._say("\r\n" + step["prompt"] + " ")
                while len(buffer) < step["payload_length"] and not self._stop.is_set():
                    buffer += self._read()
                self.payloads[command] = buffer[: step["payload_length"]]
                buffer = buffer[step["payload_length"] :]
            self._say("\r\n" + example(step["expect"]) + "\r\n")
