//! Certificate signature verification: RSA PKCS#1 v1.5 and ECDSA on P-256/P-384, with SHA-256/384/512.

use der::{Decode, Reader, SliceReader};
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::{BigUint, Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256, Sha384, Sha512};
use spki::SubjectPublicKeyInfoRef;

use crate::cert::Certificate;
use crate::item::first_tlv_len;
use crate::key::{Curve, KeyAlgorithm};

/// The outcome of checking one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Verified {
    /// The issuer's key made the signature.
    Valid,
    /// The signature does not verify with the issuer's key.
    Invalid,
    /// certpack cannot check this combination (named, e.g. `RSASSA-PSS`).
    Unsupported(String),
}

#[derive(Clone, Copy)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => Sha256::digest(data).to_vec(),
            Hash::Sha384 => Sha384::digest(data).to_vec(),
            Hash::Sha512 => Sha512::digest(data).to_vec(),
        }
    }
    fn pkcs1v15(self) -> Pkcs1v15Sign {
        match self {
            Hash::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
            Hash::Sha384 => Pkcs1v15Sign::new::<Sha384>(),
            Hash::Sha512 => Pkcs1v15Sign::new::<Sha512>(),
        }
    }
}

/// Whether `issuer`'s key made `child`'s signature.
pub(super) fn signed_by(child: &Certificate, issuer: &Certificate) -> Verified {
    let Some(tbs) = tbs_bytes(child.der()) else {
        return Verified::Invalid;
    };
    let Some(signature) = child.x509().signature.as_bytes() else {
        return Verified::Invalid;
    };
    let oid = child.x509().signature_algorithm.oid.to_string();
    let (family, hash) = match oid.as_str() {
        "1.2.840.113549.1.1.11" => ("rsa", Hash::Sha256),
        "1.2.840.113549.1.1.12" => ("rsa", Hash::Sha384),
        "1.2.840.113549.1.1.13" => ("rsa", Hash::Sha512),
        "1.2.840.10045.4.3.2" => ("ec", Hash::Sha256),
        "1.2.840.10045.4.3.3" => ("ec", Hash::Sha384),
        "1.2.840.10045.4.3.4" => ("ec", Hash::Sha512),
        other => return Verified::Unsupported(signature_name(other)),
    };
    let digest = hash.digest(tbs);
    let key = issuer.public_key();
    match (family, key.algorithm()) {
        ("rsa", KeyAlgorithm::Rsa { .. }) => verify_rsa(key.spki_der(), hash, &digest, signature),
        ("ec", KeyAlgorithm::Ec { curve }) => {
            verify_ecdsa(key.spki_der(), curve, &digest, signature)
        }
        // An RSA signature cannot come from an EC key, nor the reverse.
        _ => Verified::Invalid,
    }
}

fn verify_rsa(spki: &[u8], hash: Hash, digest: &[u8], signature: &[u8]) -> Verified {
    let Some(bits) = SubjectPublicKeyInfoRef::from_der(spki)
        .ok()
        .and_then(|s| s.subject_public_key.as_bytes())
    else {
        return Verified::Invalid;
    };
    let Ok(pkcs1) = pkcs1::RsaPublicKey::from_der(bits) else {
        return Verified::Invalid;
    };
    // Accept CA keys up to 16384 bits (the rsa crate's default limit is 4096).
    let key = RsaPublicKey::new_with_max_size(
        BigUint::from_bytes_be(pkcs1.modulus.as_bytes()),
        BigUint::from_bytes_be(pkcs1.public_exponent.as_bytes()),
        16_384,
    )
    .or_else(|_| RsaPublicKey::from_pkcs1_der(bits));
    match key {
        Ok(key) => match key.verify(hash.pkcs1v15(), digest, signature) {
            Ok(()) => Verified::Valid,
            Err(_) => Verified::Invalid,
        },
        Err(_) => Verified::Unsupported("an RSA issuer key certpack cannot use".into()),
    }
}

fn verify_ecdsa(spki: &[u8], curve: &Curve, digest: &[u8], signature: &[u8]) -> Verified {
    use p256::pkcs8::DecodePublicKey;
    let ok = match curve {
        Curve::P256 => {
            let (Ok(key), Ok(sig)) = (
                p256::ecdsa::VerifyingKey::from_public_key_der(spki),
                p256::ecdsa::Signature::from_der(signature),
            ) else {
                return Verified::Invalid;
            };
            key.verify_prehash(digest, &sig).is_ok()
        }
        Curve::P384 => {
            let (Ok(key), Ok(sig)) = (
                p384::ecdsa::VerifyingKey::from_public_key_der(spki),
                p384::ecdsa::Signature::from_der(signature),
            ) else {
                return Verified::Invalid;
            };
            key.verify_prehash(digest, &sig).is_ok()
        }
        other => return Verified::Unsupported(format!("ECDSA on {other}")),
    };
    if ok {
        Verified::Valid
    } else {
        Verified::Invalid
    }
}

/// The exact bytes of `tbsCertificate` inside a certificate's DER (what the signature covers).
fn tbs_bytes(cert_der: &[u8]) -> Option<&[u8]> {
    let mut reader = SliceReader::new(cert_der).ok()?;
    let _outer = der::Header::decode(&mut reader).ok()?;
    let start = usize::try_from(reader.position()).ok()?;
    let rest = cert_der.get(start..)?;
    let len = first_tlv_len(rest)?;
    rest.get(..len)
}

fn signature_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.10" => "RSASSA-PSS".into(),
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption".into(),
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption".into(),
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1".into(),
        "1.3.101.112" => "Ed25519".into(),
        "1.3.101.113" => "Ed448".into(),
        other => format!("signature algorithm {other}"),
    }
}
