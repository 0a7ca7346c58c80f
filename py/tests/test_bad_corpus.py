"""The malformed-input corpus (testdata/bad/cases.tsv) through the Python package: the same error kind as the
Rust and JS runners, the file named, a fix given, and never anything but a CertpackError."""

from __future__ import annotations

import pytest

import certpack

from conftest import TD

BAD = TD / "bad"


def _cases() -> list[tuple[str, str, str | None, str]]:
    rows = []
    lines = [line for line in (BAD / "cases.tsv").read_text().splitlines() if line and not line.startswith("#")]
    for line in lines[1:]:
        file, kind, passphrase, why = line.split("\t")
        rows.append((file, kind, passphrase or None, why))
    return rows


def _generated(spec: str) -> bytes:
    """`@random:N`: N bytes of xorshift32 (testdata/bad/README.md)."""
    n = int(spec.split(":", 1)[1])
    x = 2463534242
    out = bytearray(n)
    for i in range(n):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        out[i] = x & 0xFF
    return bytes(out)


def _bytes(file: str) -> bytes:
    return _generated(file) if file.startswith("@random:") else (BAD / file).read_bytes()


CASES = _cases()


def test_generator_is_the_documented_one() -> None:
    assert _generated("@random:8").hex() == "637aa07ee1eaf23d"


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize(("file", "kind", "passphrase", "why"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_gives_its_kind(file: str, kind: str, passphrase: str | None, why: str) -> None:
    with pytest.raises(certpack.CertpackError) as caught:
        certpack.load((file, _bytes(file)), passphrase=passphrase)
    err = caught.value
    assert err.kind == kind, f"{file} ({why}): {err}"
    assert err.path == file
    assert err.hint
    assert "panicked" not in str(err)
