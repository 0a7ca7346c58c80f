#!/usr/bin/env python3
"""Generate N AWS-console-style device folders (leaf RSA-2048 or EC P-256, private key, AmazonRootCA1.pem).

Usage: gen_fleet.py OUT_DIR N [--key rsa|ec]. Uses pyca/cryptography; keys are throw-away benchmark keys.
"""
import argparse
import datetime
import hashlib
import shutil
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parent.parent / "testdata" / "aws" / "rsa" / "AmazonRootCA1.pem"


def generate(out: Path, n: int, key_type: str) -> None:
    """Write n device folders dev-00000 ... into out, leaf keys of key_type ("rsa" or "ec")."""
    out.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    issuer = x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Amazon Web Services O=Amazon.com Inc. L=Seattle ST=Washington C=US")])
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    end = datetime.datetime(2049, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc)
    for i in range(n):
        key = rsa.generate_private_key(65537, 2048) if key_type == "rsa" else ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AWS IoT Certificate")]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        der = cert.public_bytes(serialization.Encoding.DER)
        prefix = hashlib.sha256(der).hexdigest()[:10]
        dev = out / f"dev-{i:05d}"
        dev.mkdir(exist_ok=True)
        (dev / f"{prefix}-certificate.pem.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        fmt = serialization.PrivateFormat.TraditionalOpenSSL
        (dev / f"{prefix}-private.pem.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()))
        shutil.copyfile(ROOT, dev / "AmazonRootCA1.pem")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("n", type=int)
    ap.add_argument("--key", choices=["rsa", "ec"], default="rsa")
    args = ap.parse_args()
    generate(Path(args.out), args.n, args.key)


if __name__ == "__main__":
    main()
