"""Typed use of the public API: mypy --strict must accept it (tests/test_typing.py)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import certpack


def summary(folder: Path) -> list[str]:
    bundle: certpack.Bundle = certpack.load(folder, b"-----BEGIN CERTIFICATE-----", ("x.pem", b""))
    lines: list[str] = []
    if bundle.leaf is not None and bundle.leaf.not_after is not None:
        expires: datetime = bundle.leaf.not_after
        lines.append(f"{bundle.certificate_id} expires {expires:%Y-%m-%d}")
    for finding in bundle.check("der", now=datetime.now()):
        lines.append(f"{finding.code} {finding.severity}: {finding.message} ({finding.hint})")
    try:
        files: certpack.Artifacts = bundle.pack("pem", eol="crlf", final_newline=False)
    except certpack.CheckFailedError as e:
        lines.append(f"{e.kind}: {e.message}; fix: {e.hint}; input {e.path}")
        return lines
    data: bytes = files["client.crt.pem"]
    lines.append(f"{len(data)} bytes; {[a.name for a in files.files if a.secret]}")
    written: list[Path] = files.write(folder / "out", force=True)
    lines.extend(str(p) for p in written)
    for target in certpack.targets():
        lines.append(f"{target.name}: {[p.name for p in target.params]}")
    return lines
