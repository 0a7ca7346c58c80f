//! X.509 certificates: parsing and the identity users match against consoles (AWS certificate ID, fingerprints).

use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};

use der::oid::AssociatedOid;
use der::Decode;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, SubjectKeyIdentifier};

use crate::error::{Error, ErrorKind, Result};
use crate::key::PublicKey;
use crate::time::Timestamp;

/// The two lowercase hex digits of every byte value.
const HEX_PAIRS: [[u8; 2]; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut pairs = [[0; 2]; 256];
    let mut b = 0;
    while b < 256 {
        pairs[b] = [DIGITS[b >> 4], DIGITS[b & 15]];
        b += 1;
    }
    pairs
};

/// The two lowercase hex digits of `b` (the one table behind every hex certpack writes).
#[inline(always)]
pub(crate) fn hex_pair(b: u8) -> [u8; 2] {
    HEX_PAIRS[usize::from(b)]
}

/// SHA-256 of `bytes` as lowercase hex (the hash every manifest and summary lists).
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    // Sized once: collecting the pairs would grow the vector four times for a hash.
    let mut digits = Vec::with_capacity(bytes.len() * 2);
    for &b in bytes {
        digits.extend_from_slice(&hex_pair(b));
    }
    // Hex digits are ASCII.
    String::from_utf8(digits).unwrap_or_default()
}

/// Whether `text` is the lowercase hex of `bytes` (no allocation: known-root lookups run per check).
pub(crate) fn hex_matches(text: &str, bytes: &[u8]) -> bool {
    text.len() == bytes.len() * 2
        && text
            .as_bytes()
            .chunks_exact(2)
            .zip(bytes)
            .all(|(pair, &b)| pair == hex_pair(b))
}

/// A parsed certificate with its DER and identity. Cloning shares the parsed data.
#[derive(Clone)]
pub struct Certificate(Arc<Parsed>);

struct Parsed {
    der: Vec<u8>,
    parsed: x509_cert::Certificate,
    public_key: PublicKey,
    is_ca: bool,
    subject_key_id: Option<Vec<u8>>,
    authority_key_id: Option<Vec<u8>>,
    /// Computed on first use: targets ask for these several times per device.
    sha256: OnceLock<[u8; 32]>,
    subject: OnceLock<String>,
    issuer: OnceLock<String>,
    pem: OnceLock<String>,
}

/// CA certificates parsed recently, by their exact DER. A fleet's devices all carry the same root (and often the
/// same intermediate): it is parsed, hashed, named and PEM-encoded once per process instead of once per device.
/// Public data only; a certificate's parse depends on its bytes alone, so sharing changes no result.
/// Read on every input and certificate of every device, written once per new CA: a read-write lock lets the worker
/// threads look up at the same time.
static RECENT_CAS: RwLock<Vec<Arc<Parsed>>> = RwLock::new(Vec::new());
const RECENT_CAS_KEPT: usize = 16;

fn recent_ca(der: &[u8]) -> Option<Certificate> {
    let recent = RECENT_CAS.read().ok()?;
    recent
        .iter()
        .find(|c| c.der == der)
        .map(|c| Certificate(Arc::clone(c)))
}

/// The recent CA certificate whose PEM ([`Certificate::pem`], once made or kept from an input) is exactly `text`:
/// a file holding that one certificate in OpenSSL's form and nothing else, as a fleet's root file is.
pub(crate) fn recent_ca_by_pem(text: &[u8]) -> Option<Certificate> {
    let recent = RECENT_CAS.read().ok()?;
    recent
        .iter()
        .find(|c| c.pem.get().is_some_and(|pem| pem.as_bytes() == text))
        .map(|c| Certificate(Arc::clone(c)))
}

fn remember_ca(cert: &Certificate) {
    if let Ok(mut recent) = RECENT_CAS.write() {
        if recent.iter().any(|c| c.der == cert.0.der) {
            return;
        }
        if recent.len() >= RECENT_CAS_KEPT {
            recent.remove(0);
        }
        recent.push(Arc::clone(&cert.0));
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Certificate({})", self.subject())
    }
}

impl Certificate {
    /// Parse a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Certificate> {
        Self::parse(der).unwrap_or_else(|e| {
            Err(Error::new(
                ErrorKind::Der,
                format!("the certificate is not valid DER X.509 ({e})"),
                "the file is damaged or truncated: download the certificate again from the cloud console",
            ))
        })
    }

    /// Parse `der` when it is an X.509 certificate: `Err(why not)` when it is not one at all, `Ok(Err(..))` when
    /// it is one certpack cannot use. A CA certificate seen recently is shared instead of parsed again.
    pub(crate) fn parse(der: &[u8]) -> std::result::Result<Result<Certificate>, der::Error> {
        if let Some(known) = recent_ca(der) {
            return Ok(Ok(known));
        }
        let parsed = x509_cert::Certificate::from_der(der)?;
        let cert = Self::from_parsed(der, parsed);
        if let Ok(cert) = &cert {
            if cert.is_ca() {
                remember_ca(cert);
            }
        }
        Ok(cert)
    }

    /// Build from `der` and its already parsed structure.
    fn from_parsed(der: &[u8], parsed: x509_cert::Certificate) -> Result<Certificate> {
        let tbs = &parsed.tbs_certificate;
        let public_key = PublicKey::from_spki_owned(&tbs.subject_public_key_info)?;
        let mut is_ca = tbs.version == x509_cert::Version::V1 && tbs.subject == tbs.issuer;
        let mut subject_key_id = None;
        let mut authority_key_id = None;
        for ext in tbs.extensions.iter().flatten() {
            let value = ext.extn_value.as_bytes();
            if ext.extn_id == BasicConstraints::OID {
                is_ca = BasicConstraints::from_der(value)
                    .map(|b| b.ca)
                    .unwrap_or(false);
            } else if ext.extn_id == SubjectKeyIdentifier::OID {
                subject_key_id = SubjectKeyIdentifier::from_der(value)
                    .ok()
                    .map(|s| s.0.as_bytes().to_vec());
            } else if ext.extn_id == AuthorityKeyIdentifier::OID {
                authority_key_id = AuthorityKeyIdentifier::from_der(value)
                    .ok()
                    .and_then(|a| a.key_identifier.map(|k| k.as_bytes().to_vec()));
            }
        }
        Ok(Certificate(Arc::new(Parsed {
            der: der.to_vec(),
            parsed,
            public_key,
            is_ca,
            subject_key_id,
            authority_key_id,
            sha256: OnceLock::new(),
            subject: OnceLock::new(),
            issuer: OnceLock::new(),
            pem: OnceLock::new(),
        })))
    }

    /// The DER encoding, exactly as given.
    pub fn der(&self) -> &[u8] {
        &self.0.der
    }
    /// The certificate as PEM the way OpenSSL writes it (`CERTIFICATE`, 64 columns, LF, final line break); encoded
    /// on first use and kept, since several targets upload the same text.
    pub fn pem(&self) -> Result<&str> {
        if let Some(text) = self.0.pem.get() {
            return Ok(text);
        }
        let text = crate::encode::pem(crate::encode::CERTIFICATE, &self.0.der, Default::default())?;
        Ok(self.0.pem.get_or_init(|| text))
    }
    /// Keep `text` as [`Certificate::pem`]: the input's block, which the caller has found to be exactly this
    /// certificate's PEM without the final line break.
    pub(crate) fn keep_pem(&self, text: &str) {
        self.0.pem.get_or_init(|| {
            let mut pem = String::with_capacity(text.len() + 1);
            pem.push_str(text);
            pem.push('\n');
            pem
        });
    }
    /// The PEM text in `style` (the kept [`Certificate::pem`] when that is the style).
    pub(crate) fn pem_in(
        &self,
        style: crate::encode::PemStyle,
    ) -> Result<std::borrow::Cow<'_, str>> {
        if style == crate::encode::PemStyle::default() {
            return self.pem().map(std::borrow::Cow::Borrowed);
        }
        crate::encode::pem(crate::encode::CERTIFICATE, &self.0.der, style)
            .map(std::borrow::Cow::Owned)
    }
    /// The parsed structure, for checks that need more fields.
    pub fn x509(&self) -> &x509_cert::Certificate {
        &self.0.parsed
    }
    /// The subject public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.0.public_key
    }
    /// Subject distinguished name (RFC 4514 string).
    pub fn subject(&self) -> String {
        self.subject_text().to_string()
    }
    /// Issuer distinguished name (RFC 4514 string).
    pub fn issuer(&self) -> String {
        self.issuer_text().to_string()
    }
    /// [`Certificate::subject`], formatted once and lent.
    pub(crate) fn subject_text(&self) -> &str {
        self.0
            .subject
            .get_or_init(|| crate::name::format(&self.0.parsed.tbs_certificate.subject))
    }
    /// [`Certificate::issuer`], formatted once and lent.
    pub(crate) fn issuer_text(&self) -> &str {
        self.0
            .issuer
            .get_or_init(|| crate::name::format(&self.0.parsed.tbs_certificate.issuer))
    }
    /// Serial number as lowercase hex.
    pub fn serial_hex(&self) -> String {
        hex(self.0.parsed.tbs_certificate.serial_number.as_bytes())
    }
    /// Start of validity.
    pub fn not_before(&self) -> Timestamp {
        Timestamp::from_x509(&self.0.parsed.tbs_certificate.validity.not_before)
    }
    /// End of validity.
    pub fn not_after(&self) -> Timestamp {
        Timestamp::from_x509(&self.0.parsed.tbs_certificate.validity.not_after)
    }
    /// Basic constraints say CA (or an X.509 v1 self-issued certificate).
    pub fn is_ca(&self) -> bool {
        self.0.is_ca
    }
    /// Subject equals issuer (the certificate claims to be its own issuer).
    pub fn is_self_issued(&self) -> bool {
        self.0.parsed.tbs_certificate.subject == self.0.parsed.tbs_certificate.issuer
    }
    /// True when `issuer` is named as this certificate's issuer (and key identifiers agree when both are present).
    pub fn is_issued_by(&self, issuer: &Certificate) -> bool {
        if self.0.parsed.tbs_certificate.issuer != issuer.0.parsed.tbs_certificate.subject {
            return false;
        }
        match (&self.0.authority_key_id, &issuer.0.subject_key_id) {
            (Some(aki), Some(ski)) => aki == ski,
            _ => true,
        }
    }
    /// Subject key identifier, if the extension is present.
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.0.subject_key_id.as_deref()
    }
    /// Authority key identifier, if the extension is present.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.0.authority_key_id.as_deref()
    }
    /// SHA-256 of the DER as lowercase hex: the AWS IoT certificate ID and the SHA-256 fingerprint.
    pub fn sha256_hex(&self) -> String {
        hex(self.sha256())
    }
    /// SHA-256 of the DER (computed once).
    pub fn sha256(&self) -> &[u8; 32] {
        self.0
            .sha256
            .get_or_init(|| Sha256::digest(&self.0.der).into())
    }
    /// SHA-1 of the DER as lowercase hex: the Azure/Windows thumbprint and BearSSL fingerprint.
    pub fn sha1_hex(&self) -> String {
        hex(&Sha1::digest(&self.0.der))
    }
    /// The AWS IoT certificate ID (same as [`Certificate::sha256_hex`]).
    pub fn aws_certificate_id(&self) -> String {
        self.sha256_hex()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_hex_matches_agree() {
        let bytes = [0x00, 0x0f, 0xa5, 0xff, 0x10];
        assert_eq!(hex(&bytes), "000fa5ff10");
        assert!(hex_matches("000fa5ff10", &bytes));
        assert!(!hex_matches("000FA5FF10", &bytes));
        assert!(!hex_matches("000fa5ff1", &bytes));
        assert!(!hex_matches("000fa5ff11", &bytes));
        assert!(hex_matches("", &[]));
    }

    fn der_of(path: &str) -> Vec<u8> {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../testdata")
                .join(path),
        )
        .unwrap();
        let (_, der) = pem_rfc7468::decode_vec(text.as_bytes()).unwrap();
        der
    }

    #[test]
    fn a_ca_certificate_seen_before_is_shared_and_a_device_certificate_is_not() {
        let root = der_of("aws/rsa/AmazonRootCA1.pem");
        // The first parse remembers it (or another thread's parse of the same bytes did): later ones share it.
        let first = Certificate::from_der(&root).unwrap();
        assert!(first.is_ca());
        let again = Certificate::from_der(&root).unwrap();
        let third = Certificate::from_der(&root).unwrap();
        assert!(Arc::ptr_eq(&again.0, &third.0));
        assert_eq!(again.der(), &root[..]);

        let leaf = der_of("aws/rsa/93f1d43d67-certificate.pem.crt");
        let one = Certificate::from_der(&leaf).unwrap();
        let two = Certificate::from_der(&leaf).unwrap();
        assert!(!one.is_ca());
        assert!(!Arc::ptr_eq(&one.0, &two.0));
        assert_eq!(one.sha256_hex(), two.sha256_hex());
    }

    #[test]
    fn the_shared_ca_keeps_a_bounded_number_and_other_bytes_never_match() {
        let root = der_of("aws/rsa/AmazonRootCA1.pem");
        let mut damaged = root.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 1; // inside the signature: still parses, different bytes
        let shared = Certificate::from_der(&root).unwrap();
        let other = Certificate::from_der(&damaged).unwrap();
        assert!(!Arc::ptr_eq(&shared.0, &other.0));
        assert_eq!(other.der(), &damaged[..]);
        assert!(RECENT_CAS.read().unwrap().len() <= RECENT_CAS_KEPT);
    }
}
