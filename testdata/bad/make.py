#!/usr/bin/env python3
"""Write the malformed-input corpus of testdata/bad/ (see README.md there; cases.tsv lists the expected errors).

Usage: python3 testdata/bad/make.py   (then: bash testdata/gen/generate.sh --manifest-only)

Inputs are derived from testdata/aws/ec (leaf, SEC1 key) and testdata/aws/rsa (leaf), plus throw-away keys that
OpenSSL 3 generates here (Ed25519, DSA, EC with explicit parameters, an encrypted PKCS#8 key, a PKCS#12 and a
PKCS#7 bag). OpenSSL's keys and salts are random, so re-running changes those files' bytes, never their kind.
Generated cases too large to commit (`@random:N`) are produced by the test runners; see README.md.
"""

import base64
import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TD = os.path.dirname(HERE)


def read(rel):
    with open(os.path.join(TD, rel), "rb") as f:
        return f.read()


def write(name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def openssl(*args, stdin=None):
    return subprocess.run(["openssl", *args], input=stdin, check=True, capture_output=True).stdout


def pem(label, der, eol="\n"):
    body = base64.b64encode(der).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return eol.join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"]) + eol


def pem_der(text):
    body = "".join(l for l in text.decode().splitlines() if not l.startswith("-----"))
    return base64.b64decode(body)


# --- DER helpers (definite lengths) -------------------------------------------------------------------------------
def tlv(tag, content):
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + content


def seq(*parts):
    return tlv(0x30, b"".join(parts))


def integer(value):
    raw = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big")
    return tlv(0x02, raw)


def octets(data):
    return tlv(0x04, data)


def oid(dotted):
    arcs = [int(a) for a in dotted.split(".")]
    out = bytes([arcs[0] * 40 + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return tlv(0x06, out)


NULL = b"\x05\x00"
PBES2 = "1.2.840.113549.1.5.13"
PBKDF2 = "1.2.840.113549.1.5.12"
SCRYPT = "1.3.6.1.4.1.11591.4.11"
HMAC_SHA256 = "1.2.840.113549.2.9"
AES256_CBC = "2.16.840.1.101.3.4.1.42"


def encrypted_pkcs8(kdf):
    """An EncryptedPrivateKeyInfo (PBES2, AES-256-CBC) whose ciphertext is 64 filler bytes."""
    scheme = seq(oid(PBES2), seq(kdf, seq(oid(AES256_CBC), octets(bytes(range(16))))))
    return seq(scheme, octets(bytes(64)))


def main():
    ec_dir = os.path.join(TD, "aws", "ec")
    rsa_dir = os.path.join(TD, "aws", "rsa")
    ec_leaf_name = next(n for n in os.listdir(ec_dir) if n.endswith("-certificate.pem.crt"))
    ec_key_name = next(n for n in os.listdir(ec_dir) if n.endswith("-private.pem.key"))
    rsa_leaf_name = next(n for n in os.listdir(rsa_dir) if n.endswith("-certificate.pem.crt"))
    leaf = read(f"aws/ec/{ec_leaf_name}")
    key = read(f"aws/ec/{ec_key_name}")
    leaf_der = pem_der(leaf)
    key_der = pem_der(key)
    leaf_text = leaf.decode()
    tmp = tempfile.mkdtemp()
    leaf_path = os.path.join(TD, "aws", "ec", ec_leaf_name)
    key_path = os.path.join(TD, "aws", "ec", ec_key_name)

    # --- not a certificate at all ---------------------------------------------------------------------------------
    write("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(64)))
    write("screenshot.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x00\xc8\x08\x06\x00\x00\x00")
    write("download.zip", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 16 + b"\x0b\x00\x00\x00certificate")
    write("bundle.tar.gz", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(range(200, 256)))
    write("manual.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    write("manual-ascii.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
    write("login-page.html", "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Session expired</body></html>\n")
    write("empty.pem", b"")
    write("whitespace-only.pem", b"  \n\t\r\n   \n")
    write("notes.txt", "my device certificate is attached, see the AWS console\n")
    write("binary-garbage.bin", bytes((i * 73 + 41) % 256 for i in range(300)))
    write("openssl-text-dump.txt", openssl("x509", "-in", leaf_path, "-noout", "-text"))

    # --- PEM damaged by copy and paste ----------------------------------------------------------------------------
    write("curly-quote-in-body.pem", leaf_text.replace("MII", "MI\u201c", 1))
    write("ellipsis-in-body.pem", "\n".join(l if i != 5 else l[:20] + "\u2026" for i, l in enumerate(leaf_text.split("\n"))))
    write("typographic-dashes.pem", leaf_text.replace("-----", "\u2013\u2013\u2013\u2013\u2013"))
    write("em-dash-armour.pem", leaf_text.replace("-----", "\u2014\u2014"))
    lines = leaf_text.split("\n")
    write("bad-base64-char.pem", "\n".join([lines[0], lines[1][:30] + "$" + lines[1][31:]] + lines[2:]))
    url = pem("CERTIFICATE", leaf_der)
    assert "+" in url or "/" in url
    write("base64url-body.pem", url.replace("+", "-").replace("/", "_"))
    write("missing-end.pem", leaf_text.rsplit("-----END", 1)[0])
    write("end-label-mismatch.pem", leaf_text.replace("END CERTIFICATE", "END PRIVATE KEY"))
    write("two-begin-one-end.pem", leaf_text.rsplit("-----END", 1)[0] + leaf_text)
    write("body-line-lost.pem", "\n".join(lines[:3] + lines[4:]))
    write("bad-padding.pem", "\n".join(lines[:-3] + [lines[-3][:-2]] + lines[-2:]))
    write("empty-block.pem", "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    write("nul-in-body.pem", leaf_text.replace("\n", "\n\x00", 2).replace("-----\n\x00", "-----\n", 1))
    write("key-cut-in-half.pem", key[: len(key) // 2])
    write("utf16le-bom.pem", b"\xff\xfe" + leaf_text.encode("utf-16-le"))
    write("utf16be-bom.pem", b"\xfe\xff" + leaf_text.encode("utf-16-be"))
    write("utf16le-no-bom.pem", leaf_text.encode("utf-16-le"))
    write("cp1252-curly-quote.pem", leaf.replace(b"\n", b"\n\x93", 1).replace(b"-----\n\x93", b"-----\n\x93", 1))

    # --- containers certpack does not open ------------------------------------------------------------------------
    p7_pem = openssl("crl2pkcs7", "-nocrl", "-certfile", leaf_path)
    write("bag.p7b", p7_pem)
    write("bag-der.p7b", openssl("crl2pkcs7", "-nocrl", "-certfile", leaf_path, "-outform", "DER"))
    p12 = openssl("pkcs12", "-export", "-in", leaf_path, "-inkey", key_path, "-passout", "pass:1234",
                  "-name", "device")
    write("device.pfx", p12)
    write("device-pfx-base64.txt", base64.b64encode(p12) + b"\n")

    # --- keys certpack cannot use ---------------------------------------------------------------------------------
    legacy = openssl("ec", "-in", key_path, "-aes256", "-passout", "pass:1234")
    write("legacy-encrypted.pem", legacy)
    enc = openssl("pkcs8", "-topk8", "-in", key_path, "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA256", "-iter", "2048",
                  "-passout", "pass:correct horse")
    write("encrypted-no-passphrase.pem", enc)
    write("encrypted-wrong-passphrase.pem", enc)
    salt = octets(b"certpack-bad-salt")
    write("encrypted-pbkdf2-4-billion-iterations.pem",
          pem("ENCRYPTED PRIVATE KEY", encrypted_pkcs8(seq(oid(PBKDF2), seq(salt, integer(0xFFFFFFF0), seq(oid(HMAC_SHA256), NULL))))))
    write("encrypted-scrypt-1tb.pem",
          pem("ENCRYPTED PRIVATE KEY", encrypted_pkcs8(seq(oid(SCRYPT), seq(salt, integer(1 << 30), integer(8), integer(1))))))
    write("ed25519.key", openssl("genpkey", "-algorithm", "ed25519"))
    ec_explicit = openssl("ecparam", "-name", "prime256v1", "-param_enc", "explicit", "-genkey", "-noout")
    write("ec-explicit-params.key", ec_explicit)
    write("ec-explicit-params-pkcs8.key", openssl("pkcs8", "-topk8", "-nocrypt", stdin=ec_explicit))
    dsa_params = os.path.join(tmp, "dsa.params")
    openssl("dsaparam", "-out", dsa_params, "1024")
    write("dsa.key", openssl("gendsa", dsa_params))
    # A SEC1 key with neither curve nor public key (a PKCS#8 inner key taken out of its wrapper).
    write("ec-key-no-curve.key", pem("EC PRIVATE KEY", seq(integer(1), octets(bytes(range(1, 33))))))
    # A SEC1 P-256 key whose private scalar is zero (no public key inside, so certpack must derive it).
    write("ec-key-zero-scalar.key", pem("EC PRIVATE KEY", seq(integer(1), octets(bytes(32)), tlv(0xA0, oid("1.2.840.10045.3.1.7")))))
    write("openssh.key", "-----BEGIN OPENSSH PRIVATE KEY-----\n"
          + base64.b64encode(b"openssh-key-v1\x00" + bytes(range(48))).decode() + "\n-----END OPENSSH PRIVATE KEY-----\n")

    # --- PEM holding nothing usable -------------------------------------------------------------------------------
    csr = openssl("req", "-new", "-key", key_path, "-subj", "/CN=mydevice")
    write("csr-only.pem", csr)
    write("ec-parameters-only.pem", openssl("ecparam", "-name", "prime256v1"))

    # --- JSON -----------------------------------------------------------------------------------------------------
    write("truncated.json", '{\n    "certificateArn": "arn:aws:iot:eu-west-1:123456789012:cert/abc",\n    "certificatePem": "-----BEGIN CERT')
    write("aws-list-certificates.json", '{\n    "certificates": [\n        {\n            "certificateArn": "arn:aws:iot:eu-west-1:123456789012:cert/abc",\n            "status": "ACTIVE"\n        }\n    ]\n}\n')
    write("pem-field-not-text.json", '{"certificatePem": 42, "keyPair": {"PrivateKey": null}}\n')
    write("pem-field-truncated.json", '{"certificatePem": "' + leaf_text[:200].replace("\n", "\\n") + '"}\n')
    write("private-key-field-not-text.json", '{"certificatePem": null, "keyPair": {"PrivateKey": ["-----BEGIN"]}}\n')

    # --- DER ------------------------------------------------------------------------------------------------------
    write("truncated.der", leaf_der[: len(leaf_der) - 17])
    write("trailing-garbage.der", leaf_der + b"\x01\x02garbage")
    write("huge-length.der", b"\x30\x84\x7f\xff\xff\xff" + leaf_der[4:64])
    write("indefinite-length.der", b"\x30\x80" + leaf_der[4:] + b"\x00\x00")
    nested = b"\x05\x00"
    for _ in range(2000):
        nested = seq(nested)
    write("deeply-nested.der", nested)
    write("integer-not-sequence.der", b"\x02\x04\x01\x02\x03\x04")
    write("sequence-of-nothing.der", b"\x30\x00")
    flipped = bytearray(key_der)
    flipped[1] ^= 0x01
    write("key-length-flipped.der", bytes(flipped))
    write("unknown-structure.der", seq(oid("1.2.3.4"), integer(1)))


if __name__ == "__main__":
    main()
