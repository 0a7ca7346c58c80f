"""Basic tests of the installed certpack wheel against the shared golden files."""

from pathlib import Path

import certpack
import pytest

TD = Path(__file__).resolve().parents[2] / "testdata"


def test_version() -> None:
    assert certpack.__version__.count(".") == 2


def test_pkcs8_conversion_equals_openssl() -> None:
    src = TD / "vectors/der/rsa2048/client.pkcs1.key.pem"
    out = certpack.convert([(src.name, src.read_bytes())], "pkcs8")
    assert [b for _, b in out] == [(TD / "vectors/der/rsa2048/client.pkcs8.key.der").read_bytes()]


def test_bad_input_raises() -> None:
    with pytest.raises(ValueError, match="unknown-format"):
        certpack.convert([("x.bin", b"\x00\x01garbage")], "der")
