//! X.509 certificates: parsing and the identity users match against consoles (AWS certificate ID, fingerprints).

use std::fmt;
use std::sync::OnceLock;

use der::oid::AssociatedOid;
use der::{Decode, Encode};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, SubjectKeyIdentifier};

use crate::error::{Error, ErrorKind, Result};
use crate::key::PublicKey;
use crate::time::Timestamp;

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, &b| {
            s.push(char::from(DIGITS[usize::from(b >> 4)]));
            s.push(char::from(DIGITS[usize::from(b & 15)]));
            s
        })
}

/// A parsed certificate with its DER and identity.
#[derive(Clone)]
pub struct Certificate {
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

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Certificate({})", self.subject())
    }
}

impl Certificate {
    /// Parse a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Certificate> {
        let parsed = x509_cert::Certificate::from_der(der).map_err(|e| {
            Error::new(
                ErrorKind::Der,
                format!("the certificate is not valid DER X.509 ({e})"),
                "the file is damaged or truncated: download the certificate again from the cloud console",
            )
        })?;
        Self::from_parsed(der, parsed)
    }

    /// Build from `der` and its already parsed structure.
    pub(crate) fn from_parsed(der: &[u8], parsed: x509_cert::Certificate) -> Result<Certificate> {
        let tbs = &parsed.tbs_certificate;
        let spki = tbs.subject_public_key_info.to_der().map_err(|e| {
            Error::new(
                ErrorKind::Der,
                format!("the certificate's public key cannot be encoded ({e})"),
                "",
            )
        })?;
        let public_key = PublicKey::from_spki_der(&spki)?;
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
        Ok(Certificate {
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
        })
    }

    /// The DER encoding, exactly as given.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
    /// The certificate as PEM the way OpenSSL writes it (`CERTIFICATE`, 64 columns, LF, final line break); encoded
    /// on first use and kept, since several targets upload the same text.
    pub fn pem(&self) -> Result<&str> {
        if let Some(text) = self.pem.get() {
            return Ok(text);
        }
        let text = crate::encode::pem(crate::encode::CERTIFICATE, &self.der, Default::default())?;
        Ok(self.pem.get_or_init(|| text))
    }
    /// The PEM text in `style` (the kept [`Certificate::pem`] when that is the style).
    pub(crate) fn pem_in(
        &self,
        style: crate::encode::PemStyle,
    ) -> Result<std::borrow::Cow<'_, str>> {
        if style == crate::encode::PemStyle::default() {
            return self.pem().map(std::borrow::Cow::Borrowed);
        }
        crate::encode::pem(crate::encode::CERTIFICATE, &self.der, style)
            .map(std::borrow::Cow::Owned)
    }
    /// The parsed structure, for checks that need more fields.
    pub fn x509(&self) -> &x509_cert::Certificate {
        &self.parsed
    }
    /// The subject public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }
    /// Subject distinguished name (RFC 4514 string).
    pub fn subject(&self) -> String {
        self.subject
            .get_or_init(|| crate::name::format(&self.parsed.tbs_certificate.subject))
            .clone()
    }
    /// Issuer distinguished name (RFC 4514 string).
    pub fn issuer(&self) -> String {
        self.issuer
            .get_or_init(|| crate::name::format(&self.parsed.tbs_certificate.issuer))
            .clone()
    }
    /// Serial number as lowercase hex.
    pub fn serial_hex(&self) -> String {
        hex(self.parsed.tbs_certificate.serial_number.as_bytes())
    }
    /// Start of validity.
    pub fn not_before(&self) -> Timestamp {
        Timestamp::from_x509(&self.parsed.tbs_certificate.validity.not_before)
    }
    /// End of validity.
    pub fn not_after(&self) -> Timestamp {
        Timestamp::from_x509(&self.parsed.tbs_certificate.validity.not_after)
    }
    /// Basic constraints say CA (or an X.509 v1 self-issued certificate).
    pub fn is_ca(&self) -> bool {
        self.is_ca
    }
    /// Subject equals issuer (the certificate claims to be its own issuer).
    pub fn is_self_issued(&self) -> bool {
        self.parsed.tbs_certificate.subject == self.parsed.tbs_certificate.issuer
    }
    /// True when `issuer` is named as this certificate's issuer (and key identifiers agree when both are present).
    pub fn is_issued_by(&self, issuer: &Certificate) -> bool {
        if self.parsed.tbs_certificate.issuer != issuer.parsed.tbs_certificate.subject {
            return false;
        }
        match (&self.authority_key_id, &issuer.subject_key_id) {
            (Some(aki), Some(ski)) => aki == ski,
            _ => true,
        }
    }
    /// Subject key identifier, if the extension is present.
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.subject_key_id.as_deref()
    }
    /// Authority key identifier, if the extension is present.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.authority_key_id.as_deref()
    }
    /// SHA-256 of the DER as lowercase hex: the AWS IoT certificate ID and the SHA-256 fingerprint.
    pub fn sha256_hex(&self) -> String {
        hex(self.sha256.get_or_init(|| Sha256::digest(&self.der).into()))
    }
    /// SHA-1 of the DER as lowercase hex: the Azure/Windows thumbprint and BearSSL fingerprint.
    pub fn sha1_hex(&self) -> String {
        hex(&Sha1::digest(&self.der))
    }
    /// The AWS IoT certificate ID (same as [`Certificate::sha256_hex`]).
    pub fn aws_certificate_id(&self) -> String {
        self.sha256_hex()
    }
}
