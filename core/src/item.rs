//! Items of a bundle: what each decoded object is, by content, and where it came from.

use std::fmt;

use der::{Decode, Reader, SliceReader, Tagged};

use crate::cert::Certificate;
use crate::error::{Error, ErrorKind, Location, Result};
use crate::key::{PrivateKey, PublicKey};

/// The role an item plays in the bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The device (client) certificate.
    Leaf,
    /// A CA certificate between the leaf and a root.
    Intermediate,
    /// A self-signed CA certificate (trust anchor).
    Root,
    /// The device private key.
    PrivateKey,
    /// A public key.
    PublicKey,
}

impl Role {
    /// Stable name: `leaf`, `intermediate`, `root`, `private-key`, `public-key`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Leaf => "leaf",
            Role::Intermediate => "intermediate",
            Role::Root => "root",
            Role::PrivateKey => "private-key",
            Role::PublicKey => "public-key",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A decoded object.
#[derive(Debug, Clone)]
pub enum Content {
    /// An X.509 certificate.
    Certificate(Box<Certificate>),
    /// A private key.
    PrivateKey(PrivateKey),
    /// A public key.
    PublicKey(PublicKey),
}

/// Where an item came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The input's path or name.
    pub path: String,
    /// How it was encoded there: `pem`, `der`, `base64`, `aws-json` or a container name.
    pub encoding: String,
    /// PEM label, JSON field or container entry name, when there is one.
    pub label: Option<String>,
    /// Line (text inputs) where the item starts.
    pub line: Option<usize>,
    /// Index of the item within its input (0-based).
    pub index: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        Ok(())
    }
}

/// One certificate or key of a bundle.
#[derive(Debug, Clone)]
pub struct Item {
    /// Where it came from.
    pub origin: Origin,
    /// What it is.
    pub content: Content,
    /// Its role once the bundle is assembled.
    pub role: Role,
    /// Repairs and remarks about this item.
    pub notes: Vec<String>,
}

impl Item {
    /// The certificate, if this item is one.
    pub fn certificate(&self) -> Option<&Certificate> {
        match &self.content {
            Content::Certificate(c) => Some(c),
            _ => None,
        }
    }
    /// The private key, if this item is one.
    pub fn private_key(&self) -> Option<&PrivateKey> {
        match &self.content {
            Content::PrivateKey(k) => Some(k),
            _ => None,
        }
    }
    /// The public key of this item (a certificate's subject key, a private key's public half, or the key itself).
    pub fn public_key(&self) -> &PublicKey {
        match &self.content {
            Content::Certificate(c) => c.public_key(),
            Content::PrivateKey(k) => k.public_key(),
            Content::PublicKey(p) => p,
        }
    }
}

/// A decoded DER object before it is classified, with the label it was found under.
pub(crate) struct RawObject<'a> {
    pub der: &'a [u8],
    pub label: Option<&'a str>,
    pub headers: &'a [String],
}

/// Length of the first DER TLV in `bytes`, if it is a well-formed SEQUENCE header.
pub(crate) fn first_tlv_len(bytes: &[u8]) -> Option<usize> {
    let mut reader = SliceReader::new(bytes).ok()?;
    let header = der::Header::decode(&mut reader).ok()?;
    if header.tag != der::Tag::Sequence {
        return None;
    }
    let header_len = usize::try_from(reader.position()).ok()?;
    let body = usize::try_from(header.length).ok()?;
    header_len.checked_add(body).filter(|&n| n <= bytes.len())
}

/// Classify a DER object by its content (the label is only a hint). Returns the content and notes.
pub(crate) fn classify(
    raw: &RawObject<'_>,
    passphrase: Option<&str>,
) -> Result<(Content, Vec<String>)> {
    let mut notes = Vec::new();
    if raw
        .headers
        .iter()
        .any(|h| h.to_ascii_uppercase().starts_with("PROC-TYPE") && h.contains("ENCRYPTED"))
    {
        return Err(Error::new(
            ErrorKind::Passphrase,
            "the key uses legacy OpenSSL PEM encryption (Proc-Type: 4,ENCRYPTED), which devices cannot read",
            "convert it to PKCS#8 first: openssl pkcs8 -topk8 -in key.pem -out key-pkcs8.pem (add -nocrypt for a plain key)",
        ));
    }
    let label = raw.label.unwrap_or("");
    let der = raw.der;
    let content = if label == "ENCRYPTED PRIVATE KEY" {
        Content::PrivateKey(PrivateKey::from_encrypted_pkcs8_der(der, passphrase)?)
    } else if let Some(content) = try_labelled(label, der).or_else(|| try_all(der, passphrase)) {
        content?
    } else {
        return Err(unrecognised(label, der));
    };
    let expected = match &content {
        Content::Certificate(_) => &["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"][..],
        Content::PrivateKey(k) => match k.form() {
            crate::key::KeyForm::Pkcs1 => &["RSA PRIVATE KEY"][..],
            crate::key::KeyForm::Sec1 => &["EC PRIVATE KEY"][..],
            crate::key::KeyForm::Pkcs8 => &["PRIVATE KEY"][..],
            crate::key::KeyForm::EncryptedPkcs8 => &["ENCRYPTED PRIVATE KEY"][..],
        },
        Content::PublicKey(_) => &["PUBLIC KEY", "RSA PUBLIC KEY"][..],
    };
    if !label.is_empty() && !expected.contains(&label) {
        notes.push(format!(
            "the block is labelled \"{}\" but contains {}; it is used by its content",
            crate::input::pem::shown_label(label),
            describe(&content)
        ));
    }
    Ok((content, notes))
}

fn describe(content: &Content) -> String {
    match content {
        Content::Certificate(_) => "a certificate".into(),
        Content::PrivateKey(k) => format!("a {} private key", k.form().name().to_ascii_uppercase()),
        Content::PublicKey(_) => "a public key".into(),
    }
}

/// The error for a DER object no parser accepts: specific when the label or structure says what it is.
fn unrecognised(label: &str, der: &[u8]) -> Error {
    if let Some(err) = known_unusable(label, der) {
        return err;
    }
    let what = if label.is_empty() {
        "the DER data".to_string()
    } else {
        format!("the \"{}\" block", crate::input::pem::shown_label(label))
    };
    // A labelled block that does not parse as what its label says is a damaged object of that kind.
    let damage = match label {
        "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
            x509_cert::Certificate::from_der(der).err()
        }
        "RSA PRIVATE KEY" => pkcs1::RsaPrivateKey::from_der(der).err(),
        "EC PRIVATE KEY" => sec1::EcPrivateKey::from_der(der).err(),
        "PRIVATE KEY" => pkcs8::PrivateKeyInfo::from_der(der).err(),
        "ENCRYPTED PRIVATE KEY" => pkcs8::EncryptedPrivateKeyInfo::from_der(der).err(),
        "PUBLIC KEY" => spki::SubjectPublicKeyInfoRef::from_der(der).err(),
        "RSA PUBLIC KEY" => pkcs1::RsaPublicKey::from_der(der).err(),
        _ => None,
    };
    if let Some(e) = damage {
        let truncated = first_tlv_len(der).is_none();
        return Error::new(
            ErrorKind::Der,
            format!(
                "{what} is damaged: it does not parse as its label says ({e}){}",
                if truncated {
                    "; its DER is shorter than its header announces, so base64 lines were probably lost"
                } else {
                    ""
                }
            ),
            "the file was damaged or lines were lost while copying: download or export it again",
        );
    }
    Error::new(
        ErrorKind::Der,
        format!("{what} is neither a certificate, a private key nor a public key"),
        "check that this is the file the cloud console gave you; certpack reads X.509 certificates, PKCS#1/SEC1/PKCS#8 keys and SPKI public keys",
    )
}

/// Objects certpack recognises but cannot use: OpenSSH and DSA keys, EC keys with explicit curve parameters.
fn known_unusable(label: &str, der: &[u8]) -> Option<Error> {
    Some(match label {
        "OPENSSH PRIVATE KEY" | "SSH2 ENCRYPTED PRIVATE KEY" => Error::new(
            ErrorKind::UnknownFormat,
            "this is an SSH private key (ssh-keygen), not a TLS device key",
            "use the private key the cloud console gave you with the certificate, or create one with openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256",
        ),
        "DSA PRIVATE KEY" => Error::new(
            ErrorKind::UnsupportedKey,
            "the private key is a DSA key; certpack handles RSA and EC (P-256, P-384) keys",
            "AWS IoT and Azure IoT Hub device keys are RSA or EC P-256: create the key with openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256",
        ),
        "" | "EC PRIVATE KEY" if sec1_with_explicit_parameters(der) => Error::new(
            ErrorKind::UnsupportedKey,
            "the EC private key has explicit curve parameters instead of a named curve",
            "re-export it with a named curve: openssl ec -in key.pem -param_enc named_curve -out key-named.pem",
        ),
        _ => return None,
    })
}

/// `ECPrivateKey ::= SEQUENCE { version INTEGER, privateKey OCTET STRING, parameters [0] ECParameters, ... }`
/// whose parameters are a SEQUENCE (explicit curve) rather than an OID (named curve).
fn sec1_with_explicit_parameters(der: &[u8]) -> bool {
    let Ok(fields) = der::asn1::SequenceOf::<der::asn1::AnyRef<'_>, 4>::from_der(der) else {
        return false;
    };
    let mut fields = fields.iter();
    matches!(
        (fields.next(), fields.next(), fields.next()),
        (Some(version), Some(key), Some(params))
            if version.tag() == der::Tag::Integer
                && key.tag() == der::Tag::OctetString
                && params.tag().is_context_specific()
                && params.value().first() == Some(&0x30)
    )
}

/// The structure the label names, when it fits (nearly every PEM block): the others need not be tried. The
/// structures are told apart by their first fields, so one that fits is the one [`try_all`] would find.
fn try_labelled(label: &str, der: &[u8]) -> Option<Result<Content>> {
    match label {
        "EC PRIVATE KEY" => sec1::EcPrivateKey::from_der(der)
            .ok()
            .map(|key| PrivateKey::from_sec1_key(key, None).map(Content::PrivateKey)),
        "PRIVATE KEY" if pkcs8::PrivateKeyInfo::from_der(der).is_ok() => {
            Some(PrivateKey::from_pkcs8_der(der).map(Content::PrivateKey))
        }
        "RSA PRIVATE KEY" if pkcs1::RsaPrivateKey::from_der(der).is_ok() => {
            Some(PrivateKey::from_pkcs1_der(der).map(Content::PrivateKey))
        }
        _ => None,
    }
}

/// Try each structure in turn; `None` if none fits. An error means a structure fitted but its content is unusable.
fn try_all(der: &[u8], passphrase: Option<&str>) -> Option<Result<Content>> {
    if let Ok(cert) = Certificate::parse(der) {
        return Some(cert.map(|c| Content::Certificate(Box::new(c))));
    }
    if pkcs8::PrivateKeyInfo::from_der(der).is_ok() {
        return Some(PrivateKey::from_pkcs8_der(der).map(Content::PrivateKey));
    }
    if pkcs8::EncryptedPrivateKeyInfo::from_der(der).is_ok() {
        return Some(
            PrivateKey::from_encrypted_pkcs8_der(der, passphrase).map(Content::PrivateKey),
        );
    }
    if pkcs1::RsaPrivateKey::from_der(der).is_ok() {
        return Some(PrivateKey::from_pkcs1_der(der).map(Content::PrivateKey));
    }
    if sec1::EcPrivateKey::from_der(der).is_ok() {
        return Some(PrivateKey::from_sec1_der(der).map(Content::PrivateKey));
    }
    if spki::SubjectPublicKeyInfoRef::from_der(der).is_ok() {
        return Some(PublicKey::from_spki_der(der).map(Content::PublicKey));
    }
    if pkcs1::RsaPublicKey::from_der(der).is_ok() {
        return Some(PublicKey::from_pkcs1_der(der).map(Content::PublicKey));
    }
    if looks_like_pkcs7(der) {
        return Some(Err(Error::new(
            ErrorKind::UnknownFormat,
            "this is a PKCS#7 certificate bag (.p7b/.p7c), which certpack does not open",
            "extract the certificates first: openssl pkcs7 -inform DER -print_certs -in file.p7b -out chain.pem",
        )));
    }
    if looks_like_pkcs12(der) {
        return Some(Err(Error::new(
            ErrorKind::UnknownFormat,
            "this is a PKCS#12 (.pfx/.p12) archive, which certpack does not open",
            "extract it first: openssl pkcs12 -in device.pfx -nodes -out bundle.pem, then give certpack bundle.pem",
        )));
    }
    None
}

/// `ContentInfo ::= SEQUENCE { contentType OID (signedData 1.2.840.113549.1.7.2), content [0] ... }`.
fn looks_like_pkcs7(der: &[u8]) -> bool {
    const SIGNED_DATA: [u8; 11] = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02,
    ];
    der.windows(SIGNED_DATA.len())
        .take(6)
        .any(|w| w == SIGNED_DATA)
}

fn looks_like_pkcs12(der: &[u8]) -> bool {
    // PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, ... }
    der.len() > 8
        && der.windows(3).take(8).any(|w| w == [0x02, 0x01, 0x03])
        && der.windows(11).any(|w| {
            w == [
                0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
            ]
        })
}

/// Attach the origin's path and line to an error from classification.
pub(crate) fn locate(err: Error, origin: &Origin) -> Error {
    let err = err.in_path(origin.path.clone());
    match origin.line {
        Some(line) => err.at(Location::Line(line)),
        None => err,
    }
}
