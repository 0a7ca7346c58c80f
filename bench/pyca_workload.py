#!/usr/bin/env python3
"""The reference workload written in Python around pyca/cryptography, as factory scripts do today.

Usage: pyca_workload.py FLEET_DIR [OUT_DIR]. With OUT_DIR the outputs are written (end to end); without, they are
only computed (in-process). Prints the number of devices and the seconds taken as JSON."""
import hashlib
import json
import struct
import sys
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

DER = serialization.Encoding.DER
PUB = serialization.PublicFormat.SubjectPublicKeyInfo
NOENC = serialization.NoEncryption()


def c_array(name: str, data: bytes) -> str:
    lines = [", ".join(f"0x{b:02x}" for b in data[i : i + 12]) for i in range(0, len(data), 12)]
    return f"unsigned char {name}[] = {{\n  " + ",\n  ".join(lines) + f"\n}};\nunsigned int {name}_len = {len(data)};\n"


def atpki(kind: int, data: bytes) -> bytes:
    item = struct.pack("<BBH", kind, 0, len(data)) + data
    item += b"\xff" * (-len(item) % 4)
    return b"\xf1\xf1" + struct.pack("<HI", 1, len(item)) + item


def qfupl(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    x = 0
    for (w,) in struct.iter_unpack(">H", data):
        x ^= w
    return x


def work(dev: Path) -> dict:
    cert_pem = next(dev.glob("*-certificate.pem.crt")).read_bytes()
    key_pem = next(dev.glob("*-private.pem.key")).read_bytes()
    root_pem = (dev / "AmazonRootCA1.pem").read_bytes()
    cert = x509.load_pem_x509_certificate(cert_pem)
    root = x509.load_pem_x509_certificate(root_pem)
    # certpack checks that the key belongs to the certificate (below) but does not re-test an RSA key's primes;
    # OpenSSL's full RSA key check (tens of milliseconds per 2048-bit key) would be extra work, so it is skipped here too.
    key = serialization.load_pem_private_key(key_pem, password=None, unsafe_skip_rsa_key_validation=True)
    if cert.public_key().public_bytes(DER, PUB) != key.public_key().public_bytes(DER, PUB):
        raise ValueError(f"{dev}: key does not match")
    cert_der, root_der = cert.public_bytes(DER), root.public_bytes(DER)
    key_der = key.private_bytes(DER, serialization.PrivateFormat.TraditionalOpenSSL, NOENC)
    out = {
        "cert.der": cert_der,
        "key.der": key_der,
        "root.der": root_der,
        "key.pk8.der": key.private_bytes(DER, serialization.PrivateFormat.PKCS8, NOENC),
        "certs.h": (c_array("cert_der", cert_der) + c_array("key_der", key_der) + c_array("root_der", root_der)).encode(),
        "client_cert.bin": atpki(2, cert_pem),
        "client_key.bin": atpki(3, key_pem),
        "client_ca.bin": atpki(1, root_pem),
        "cacert.pem": root_pem,
        "client.pem": cert_pem,
        "user_key.pem": key_pem,
    }
    sums = [f"{n} {len(b)} {qfupl(b):x}" for n, b in (("cacert.pem", root_pem), ("client.pem", cert_pem), ("user_key.pem", key_pem))]
    out["qfupl.txt"] = ("\n".join(sums) + "\n").encode()
    out["certificate_id.txt"] = hashlib.sha256(cert_der).hexdigest().encode()
    return out


def main() -> None:
    fleet = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    devices = sorted(p for p in fleet.iterdir() if p.is_dir())
    start = time.perf_counter()
    for dev in devices:
        files = work(dev)
        if out is not None:
            d = out / dev.name
            d.mkdir(parents=True, exist_ok=True)
            for name, data in files.items():
                (d / name).write_bytes(data)
    print(json.dumps({"devices": len(devices), "seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
