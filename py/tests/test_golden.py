"""The Python package against the reference vectors (OpenSSL outputs) and the sample bundles' known values."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import certpack
import pytest
from conftest import TD

DER = TD / "vectors/der"


@pytest.mark.parametrize(
    ("source", "form", "pem", "expected"),
    [
        ("rsa2048/client.crt.pem", "der", False, "rsa2048/client.crt.der"),
        ("rsa2048/client.pkcs1.key.pem", "der", False, "rsa2048/client.pkcs1.key.der"),
        ("rsa2048/client.pkcs1.key.pem", "pkcs8", False, "rsa2048/client.pkcs8.key.der"),
        ("rsa2048/client.pkcs1.key.pem", "pkcs8", True, "rsa2048/client.pkcs8.key.pem"),
        ("rsa2048/client.pkcs1.key.pem", "spki", False, "rsa2048/client.spki.pub.der"),
        ("rsa2048/client.pkcs1.key.pem", "spki", True, "rsa2048/client.spki.pub.pem"),
        ("rsa2048/client.pkcs8.key.der", "pkcs1", False, "rsa2048/client.pkcs1.key.der"),
        ("p256/client.crt.pem", "der", False, "p256/client.crt.der"),
        ("p256/client.crt.der", "pem", False, "p256/client.crt.pem"),
        ("p256/client.sec1.key.pem", "pkcs8", False, "p256/client.pkcs8.key.der"),
        ("p256/client.sec1.key.pem", "pkcs8", True, "p256/client.pkcs8.key.pem"),
        ("p256/client.pkcs8.key.der", "sec1", False, "p256/client.sec1.key.der"),
        ("p256/client.crt.pem", "spki", True, "p256/client.spki.pub.pem"),
    ],
)
def test_conversions_equal_openssl(source: str, form: str, pem: bool, expected: str) -> None:
    out = certpack.load(DER / source).convert(form, pem=pem)
    assert list(out.values()) == [(DER / expected).read_bytes()]


def test_encrypted_key_with_passphrase_equals_openssl() -> None:
    bundle = certpack.load(DER / "rsa2048/client.pkcs8.enc.pem", passphrase="correct horse")
    assert bundle.key is not None and bundle.key.key_form == "encrypted-pkcs8"
    out = bundle.convert("pkcs8")
    assert list(out.values()) == [(DER / "rsa2048/client.pkcs8.key.der").read_bytes()]


def test_inputs_as_str_path_bytes_and_named_bytes_give_the_same_bytes() -> None:
    folder = TD / "aws/rsa"
    files = sorted(folder.iterdir())
    by_path = certpack.load(folder).pack("der", check=False)
    by_str = certpack.load(*(str(f) for f in files)).pack("der", check=False)
    by_bytes = certpack.load(*(f.read_bytes() for f in files)).pack("der", check=False)
    by_named = certpack.load(*((f.name, f.read_bytes()) for f in files)).pack("der", check=False)
    by_bytearray = certpack.load(*(bytearray(f.read_bytes()) for f in files)).pack("der", check=False)
    for other in (by_str, by_bytes, by_named, by_bytearray):
        assert {k: v for k, v in other.items()} == dict(by_path)
    assert certpack.load(*(f.read_bytes() for f in files)).items[0].path == "<bytes #1>"
    assert certpack.load(("cert.pem", files[0].read_bytes())).items[0].path == "cert.pem"


def test_aws_bundle_identity_roles_and_validity() -> None:
    bundle = certpack.load(TD / "aws/rsa")
    leaf = bundle.leaf
    assert leaf is not None and leaf.role == "leaf"
    assert bundle.certificate_id is not None and bundle.certificate_id.startswith("93f1d43d67")
    assert leaf.sha256 == bundle.certificate_id
    assert leaf.subject == "CN=AWS IoT Certificate"
    assert leaf.not_before == datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert leaf.not_after == datetime(2049, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
    assert leaf.is_ca is False and leaf.key_algorithm == "RSA 2048"
    assert bundle.key_matches_leaf is True
    assert bundle.key is not None and bundle.key.key_form == "pkcs1"
    assert [r.subject for r in bundle.roots] == ["CN=Amazon Root CA 1,O=Amazon,C=US"]
    assert [i.role for i in bundle.items] == ["leaf", "private-key", "public-key", "root"]
    assert bundle.report["certificate_id"] == bundle.certificate_id


@pytest.mark.parametrize(
    "text",
    ["2049-12-31T23:59:59Z", "1950-01-01T00:00:00Z", "2026-02-28T12:03:04Z", "2024-02-29T00:00:00Z"],
)
def test_dates_read_like_strptime(text: str) -> None:
    want = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert certpack._time(text) == want


@pytest.mark.parametrize("text", ["2023-02-29T00:00:00Z", "2049-12-31T24:00:00Z", "2049-13-01T00:00:00Z", "x"])
def test_impossible_dates_are_refused_like_strptime(text: str) -> None:
    with pytest.raises(ValueError):
        certpack._time(text)


def test_azure_chain_and_roots() -> None:
    bundle = certpack.load(TD / "azure/x509/device-mydevice-full-chain.cert.pem", TD / "azure/x509/device-mydevice.key.pem")
    assert [c.subject for c in bundle.chain] == ["CN=Azure IoT Hub Intermediate Cert Test Only"]
    assert [r.subject for r in bundle.roots] == ["CN=Azure IoT Hub CA Cert Test Only"]
    assert bundle.leaf is not None and bundle.leaf.subject == "CN=mydevice"


def test_messy_inputs_are_repaired_with_notes() -> None:
    bundle = certpack.load(TD / "messy/leaf-json-escaped.pem")
    clean = certpack.load(TD / "aws/rsa/93f1d43d67-certificate.pem.crt")
    assert bundle.convert("der").values() and list(bundle.convert("der").values()) == list(clean.convert("der").values())
    assert bundle.items[0].notes or bundle.notes


def test_pack_metadata() -> None:
    out = certpack.load(TD / "aws/rsa").pack("pem", eol="crlf", final_newline=False)
    assert list(out) == ["client.crt.pem", "client.key.pem", "ca.crt.pem", "manifest.json", "README.txt"]
    key = out.files[1]
    assert key.secret and key.is_text and key.text().startswith("-----BEGIN RSA PRIVATE KEY-----\r\n")
    assert not key.data.endswith(b"\n")
    import hashlib

    assert all(f.sha256 == hashlib.sha256(f.data).hexdigest() for f in out.files)
    assert out.target == "pem" and [f.code for f in out.findings] == ["CP901"]
    assert "CRLF" in out.readme


@pytest.mark.parametrize("first", ["bytes", "files"])
def test_bytes_and_metadata_views_agree_whichever_is_read_first(first: str) -> None:
    out = certpack.load(TD / "aws/rsa").pack("quectel", check=False, endpoint="a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com")
    by_name = dict(out) if first == "bytes" else {f.name: f.data for f in out.files}
    assert by_name == {f.name: f.data for f in out.files} == dict(out.items())
    assert list(by_name) == [f.name for f in out.files] and len(out) == len(out.files)
    assert out["manifest.json"].startswith(b"{") and "user_key.pem" in out
    with pytest.raises(KeyError):
        out["nope"]


def test_check_findings_for_a_swapped_key() -> None:
    bundle = certpack.load(TD / "aws/rsa/93f1d43d67-certificate.pem.crt", TD / "aws/ec/46623c5574-private.pem.key")
    findings = bundle.check(now=datetime(2025, 6, 1, tzinfo=timezone.utc))
    assert [(f.code, f.severity) for f in findings if f.code == "CP101"] == [("CP101", "error")]
    cp101 = next(f for f in findings if f.code == "CP101")
    assert cp101.path == str(TD / "aws/ec/46623c5574-private.pem.key") and cp101.hint
    forced = bundle.pack("der", force=True)
    assert any(f.code == "CP101" for f in forced.findings)


def test_write_refuses_existing_files_unless_forced(tmp_path: Path) -> None:
    out = certpack.load(TD / "aws/ec").pack("der")
    written = out.write(tmp_path)
    assert sorted(p.name for p in written) == sorted(out)
    with pytest.raises(certpack.OutputExistsError) as e:
        out.write(tmp_path)
    assert e.value.path is not None and e.value.hint
    assert len(out.write(tmp_path, force=True)) == len(out)
