"""Malformed inputs and bad calls raise the CertpackError subclass of their kind, with path, hint and no panic."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import certpack
import pytest
from conftest import TD

LEAF = TD / "aws/rsa/93f1d43d67-certificate.pem.crt"
LEAF_DER = certpack.load(LEAF).convert("der").files[0].data
ENCRYPTED = TD / "encrypted/private.enc.pem"


def _pem_with_broken_base64() -> bytes:
    lines = LEAF.read_bytes().splitlines(keepends=True)
    lines[3] = b"!!!! this is not base64 !!!!\n"
    return b"".join(lines)


CASES: list[tuple[str, str, Callable[[], object]]] = [
    ("jpeg", "unknown-format", lambda: certpack.load(("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"))),
    ("random binary", "unknown-format", lambda: certpack.load(("x.bin", bytes(range(1, 256)) * 4))),
    ("truncated DER", "der", lambda: certpack.load(("leaf.der", LEAF_DER[:200]))),
    ("PEM with broken base64", "pem", lambda: certpack.load(("leaf.pem", _pem_with_broken_base64()))),
    ("JSON without PEM fields", "json", lambda: certpack.load(("keys.json", b'{"certificateArn": "arn:x"}'))),
    ("encrypted key, no passphrase", "passphrase", lambda: certpack.load(ENCRYPTED)),
    ("encrypted key, wrong passphrase", "passphrase", lambda: certpack.load(ENCRYPTED, passphrase="wrong")),
    ("2 MiB input", "too-large", lambda: certpack.load(("big.pem", b"A" * (2 * 1024 * 1024)))),
    ("missing file", "io", lambda: certpack.load(TD / "no/such/file.pem")),
    ("no input", "invalid-argument", lambda: certpack.load()),
    ("unknown target", "target", lambda: certpack.load(TD / "aws/rsa").pack("no-such-target")),
    ("unknown parameter", "target", lambda: certpack.load(TD / "aws/rsa").pack("der", colour="blue")),
    ("bad parameter value", "target", lambda: certpack.load(TD / "aws/rsa").pack("pem", eol="cr")),
    ("unknown form", "invalid-argument", lambda: certpack.load(TD / "aws/rsa").convert("p12")),
    ("form that fits no item", "invalid-argument", lambda: certpack.load(LEAF).convert("pkcs8")),
    ("bad device time", "invalid-argument", lambda: certpack.load(LEAF).check(device_time="yesterday")),
    ("check target unknown", "target", lambda: certpack.load(LEAF).check("no-such-target")),
    (
        "key of another device",
        "check-failed",
        lambda: certpack.load(LEAF, TD / "aws/ec/46623c5574-private.pem.key").pack("der"),
    ),
    (
        "nothing to write",
        "missing",
        lambda: certpack.load(TD / "aws/rsa/93f1d43d67-public.pem.key").pack("der", check=False),
    ),
]


@pytest.mark.parametrize(("case", "kind", "call"), CASES, ids=[c[0] for c in CASES])
def test_error_kind(case: str, kind: str, call: Callable[[], object]) -> None:
    with pytest.raises(certpack.CertpackError) as raised:
        call()
    e = raised.value
    assert e.kind == kind, f"{case}: {e.kind}: {e}"
    assert type(e) is certpack._native.ERROR_KINDS[kind]
    assert e.message and e.hint, "every error says what is wrong and how to fix it"
    assert e.message in str(e) and e.hint in str(e)
    for text in (str(e), e.message, e.hint):
        assert "panicked" not in text and "RUST_BACKTRACE" not in text and "unwrap" not in text


def test_errors_name_the_input() -> None:
    with pytest.raises(certpack.DerError) as e:
        certpack.load(("leaf.der", LEAF_DER[:200]))
    assert e.value.path == "leaf.der"
    with pytest.raises(certpack.UnknownFormatError) as u:
        certpack.load(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    assert u.value.path == "<bytes #1>"
    with pytest.raises(certpack.IoError) as io:
        certpack.load(TD / "no/such/file.pem")
    assert io.value.path == str(TD / "no/such/file.pem")


def test_every_error_kind_has_an_exported_subclass() -> None:
    kinds = certpack._native.ERROR_KINDS
    assert kinds, "one class per core ErrorKind"
    for code, cls in kinds.items():
        assert issubclass(cls, certpack.CertpackError) and cls is not certpack.CertpackError
        assert getattr(certpack, cls.__name__) is cls, f"add {cls.__name__} to certpack/__init__.py and _native.pyi"
        assert cls.__module__ == "certpack" and f'"{code}"' in (cls.__doc__ or "")
        assert cls.__name__ in certpack.__all__


def test_type_errors_for_wrong_source_types() -> None:
    with pytest.raises(TypeError, match="paths, bytes or"):
        certpack.load(42)  # type: ignore[arg-type]


def test_writing_over_an_input_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "client.crt.der").write_bytes(LEAF_DER)
    out = certpack.load(folder / "client.crt.der", TD / "aws/rsa/93f1d43d67-private.pem.key").pack("der")
    with pytest.raises(certpack.OutputExistsError, match="overwrite an input"):
        out.write(folder, force=True)
    assert os.listdir(folder) == ["client.crt.der"]
