//! The constants the build script embedded are exactly the bundle's bytes: PEM = the files plus a NUL, DER = the
//! files' base64 bodies decoded here (independently of certpack), with the known certificate IDs.

use build_embed::certs::*;
use sha2::{Digest, Sha256};

fn testdata(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../testdata/aws/rsa/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The DER inside a one-block PEM file (plain base64 decoding of the lines between the armour).
fn pem_body(pem: &[u8]) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let text = std::str::from_utf8(pem).unwrap();
    let (mut out, mut acc, mut bits) = (Vec::new(), 0u32, 0);
    for line in text.lines().filter(|l| !l.starts_with("-----")) {
        for c in line.bytes().filter(|&c| c != b'=') {
            let v = ALPHABET.iter().position(|&a| a == c).unwrap() as u32;
            acc = (acc << 6) | v;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
            }
        }
    }
    out
}

fn with_nul(bytes: &[u8]) -> Vec<u8> {
    let mut v = bytes.to_vec();
    v.push(0);
    v
}

#[test]
fn pem_constants_are_the_files_with_a_nul() {
    assert_eq!(
        CLIENT_CERT_PEM,
        &with_nul(&testdata("93f1d43d67-certificate.pem.crt"))[..]
    );
    assert_eq!(
        CLIENT_KEY_PEM,
        &with_nul(&testdata("93f1d43d67-private.pem.key"))[..]
    );
    assert_eq!(CA_CERT_PEM, &with_nul(&testdata("AmazonRootCA1.pem"))[..]);
}

#[test]
fn der_constants_are_the_decoded_files() {
    assert_eq!(
        CLIENT_CERT_DER,
        &pem_body(&testdata("93f1d43d67-certificate.pem.crt"))[..]
    );
    assert_eq!(
        CLIENT_KEY_DER,
        &pem_body(&testdata("93f1d43d67-private.pem.key"))[..]
    );
    assert_eq!(CA_CERT_DER, &pem_body(&testdata("AmazonRootCA1.pem"))[..]);
    // The AWS certificate ID (its prefix names the files) and Amazon Root CA 1's published fingerprint.
    assert!(sha256_hex(CLIENT_CERT_DER).starts_with("93f1d43d67"));
    assert_eq!(
        sha256_hex(CA_CERT_DER),
        "8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e"
    );
}
