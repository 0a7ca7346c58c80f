//! Private and public keys: recognition of PKCS#1, SEC1, PKCS#8 (plain or encrypted) and SPKI, and conversion
//! between them with the exact bytes OpenSSL writes. Private key bytes live only in zeroizing buffers.

use std::fmt;

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier};
use der::{Decode, Encode};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use pkcs8::{AlgorithmIdentifierRef, PrivateKeyInfo};
use spki::SubjectPublicKeyInfoRef;
use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, Result};

/// OIDs certpack needs to name.
pub(crate) mod oid {
    use der::asn1::ObjectIdentifier as Oid;
    pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
    pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    pub const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
    pub const P384: Oid = Oid::new_unwrap("1.3.132.0.34");
    pub const P521: Oid = Oid::new_unwrap("1.3.132.0.35");
    pub const SECP256K1: Oid = Oid::new_unwrap("1.3.132.0.10");
    pub const ED25519: Oid = Oid::new_unwrap("1.3.101.112");
}

/// An elliptic curve.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Curve {
    /// NIST P-256 (prime256v1, secp256r1): what AWS IoT and most modules use.
    P256,
    /// NIST P-384 (secp384r1): recognised; not every stack supports it.
    P384,
    /// NIST P-521.
    P521,
    /// secp256k1.
    Secp256k1,
    /// Another named curve, by OID.
    Other(String),
}

impl Curve {
    fn from_oid(oid: ObjectIdentifier) -> Curve {
        match oid {
            oid::P256 => Curve::P256,
            oid::P384 => Curve::P384,
            oid::P521 => Curve::P521,
            oid::SECP256K1 => Curve::Secp256k1,
            other => Curve::Other(other.to_string()),
        }
    }
    /// Field size in bits (0 when unknown).
    pub fn bits(&self) -> u32 {
        match self {
            Curve::P256 | Curve::Secp256k1 => 256,
            Curve::P384 => 384,
            Curve::P521 => 521,
            Curve::Other(_) => 0,
        }
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Curve::P256 => f.write_str("P-256"),
            Curve::P384 => f.write_str("P-384"),
            Curve::P521 => f.write_str("P-521"),
            Curve::Secp256k1 => f.write_str("secp256k1"),
            Curve::Other(oid) => write!(f, "curve {oid}"),
        }
    }
}

/// The algorithm of a key, with its size or curve.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// RSA with the modulus size in bits.
    Rsa {
        /// Modulus length in bits.
        bits: u32,
    },
    /// Elliptic-curve key on a named curve.
    Ec {
        /// The curve.
        curve: Curve,
    },
    /// Ed25519.
    Ed25519,
    /// Any other algorithm, by OID.
    Other {
        /// Dotted OID of the algorithm.
        oid: String,
    },
}

impl KeyAlgorithm {
    /// Short stable name: `rsa`, `ec`, `ed25519` or `other`.
    pub fn family(&self) -> &'static str {
        match self {
            KeyAlgorithm::Rsa { .. } => "rsa",
            KeyAlgorithm::Ec { .. } => "ec",
            KeyAlgorithm::Ed25519 => "ed25519",
            KeyAlgorithm::Other { .. } => "other",
        }
    }
    /// Key size in bits (RSA modulus or curve size; 0 when unknown).
    pub fn bits(&self) -> u32 {
        match self {
            KeyAlgorithm::Rsa { bits } => *bits,
            KeyAlgorithm::Ec { curve } => curve.bits(),
            KeyAlgorithm::Ed25519 => 256,
            KeyAlgorithm::Other { .. } => 0,
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyAlgorithm::Rsa { bits } => write!(f, "RSA {bits}"),
            KeyAlgorithm::Ec { curve } => write!(f, "EC {curve}"),
            KeyAlgorithm::Ed25519 => f.write_str("Ed25519"),
            KeyAlgorithm::Other { oid } => write!(f, "algorithm {oid}"),
        }
    }
}

/// The container a private key arrived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyForm {
    /// PKCS#1 `RSAPrivateKey` (`BEGIN RSA PRIVATE KEY`).
    Pkcs1,
    /// SEC1 `ECPrivateKey` (`BEGIN EC PRIVATE KEY`).
    Sec1,
    /// PKCS#8 `PrivateKeyInfo` (`BEGIN PRIVATE KEY`).
    Pkcs8,
    /// PKCS#8 `EncryptedPrivateKeyInfo` (`BEGIN ENCRYPTED PRIVATE KEY`), decrypted with the passphrase given.
    EncryptedPkcs8,
}

impl KeyForm {
    /// Stable name: `pkcs1`, `sec1`, `pkcs8`, `encrypted-pkcs8`.
    pub fn name(self) -> &'static str {
        match self {
            KeyForm::Pkcs1 => "pkcs1",
            KeyForm::Sec1 => "sec1",
            KeyForm::Pkcs8 => "pkcs8",
            KeyForm::EncryptedPkcs8 => "encrypted-pkcs8",
        }
    }
}

/// Common names of key algorithms certpack does not handle, for error messages.
fn oid_name(oid: &ObjectIdentifier) -> Option<&'static str> {
    Some(match oid.to_string().as_str() {
        "1.2.840.10040.4.1" => "DSA",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS (an RSA key restricted to PSS)",
        "1.2.840.113549.1.3.1" | "1.2.840.10046.2.1" => "Diffie-Hellman",
        "1.3.101.110" => "X25519",
        "1.3.101.111" => "X448",
        "1.3.101.113" => "Ed448",
        "1.2.156.10197.1.301" => "SM2",
        "1.2.643.7.1.1.1.1" | "1.2.643.7.1.1.1.2" => "GOST R 34.10-2012",
        _ => return None,
    })
}

fn der_error(what: &str, e: der::Error) -> Error {
    Error::new(
        ErrorKind::Der,
        format!("{what} is not valid DER ({e})"),
        "the file is damaged or not what its name says: export it again from the cloud console or with openssl",
    )
}

fn rsa_bits(modulus: &[u8]) -> u32 {
    let start = modulus
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(modulus.len());
    let m = &modulus[start..];
    match m.first() {
        Some(first) => (m.len() as u32 - 1) * 8 + (8 - first.leading_zeros()),
        None => 0,
    }
}

/// A public key as a DER `SubjectPublicKeyInfo`, with its algorithm.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    spki: Vec<u8>,
    algorithm: KeyAlgorithm,
    /// The raw subject public key bits (an EC point uncompressed), computed once for [`PublicKey::same_key`].
    bits: Vec<u8>,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.algorithm)
    }
}

impl PublicKey {
    /// Parse a DER `SubjectPublicKeyInfo`.
    pub fn from_spki_der(der: &[u8]) -> Result<PublicKey> {
        let spki =
            SubjectPublicKeyInfoRef::from_der(der).map_err(|e| der_error("the public key", e))?;
        let encoded = spki.to_der().map_err(|e| der_error("the public key", e))?;
        Self::from_spki(&spki, encoded)
    }

    /// A certificate's `SubjectPublicKeyInfo`, already parsed with it: encoded once, not parsed again.
    pub(crate) fn from_spki_owned(spki: &spki::SubjectPublicKeyInfoOwned) -> Result<PublicKey> {
        use der::referenced::OwnedToRef;
        let encoded = spki.to_der().map_err(|e| der_error("the public key", e))?;
        Self::from_spki(&spki.owned_to_ref(), encoded)
    }

    /// `spki` and its DER encoding.
    fn from_spki(spki: &SubjectPublicKeyInfoRef<'_>, encoded: Vec<u8>) -> Result<PublicKey> {
        Ok(PublicKey {
            algorithm: spki_algorithm(spki)?,
            bits: spki_bits(spki),
            spki: encoded,
        })
    }

    /// Parse a PKCS#1 `RSAPublicKey` (`BEGIN RSA PUBLIC KEY`) and wrap it as SPKI.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<PublicKey> {
        let key =
            pkcs1::RsaPublicKey::from_der(der).map_err(|e| der_error("the RSA public key", e))?;
        let bits = rsa_bits(key.modulus.as_bytes());
        Ok(PublicKey::new(rsa_spki(der)?, KeyAlgorithm::Rsa { bits }))
    }

    /// The DER `SubjectPublicKeyInfo`.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// The algorithm with its size or curve.
    pub fn algorithm(&self) -> &KeyAlgorithm {
        &self.algorithm
    }

    fn new(spki: Vec<u8>, algorithm: KeyAlgorithm) -> PublicKey {
        let bits = key_bits(&spki);
        PublicKey {
            spki,
            algorithm,
            bits,
        }
    }

    /// True when both are the same key (an EC point is compared uncompressed).
    pub fn same_key(&self, other: &PublicKey) -> bool {
        self.algorithm == other.algorithm && self.bits == other.bits
    }
}

/// The raw subject public key bits (RSA: `RSAPublicKey` DER; EC: the SEC1 point), for comparison.
fn key_bits(spki: &[u8]) -> Vec<u8> {
    SubjectPublicKeyInfoRef::from_der(spki)
        .map(|s| spki_bits(&s))
        .unwrap_or_default()
}

/// [`key_bits`] of an already parsed `SubjectPublicKeyInfo`.
fn spki_bits(spki: &SubjectPublicKeyInfoRef<'_>) -> Vec<u8> {
    spki.subject_public_key
        .as_bytes()
        .map(normalise_point)
        .unwrap_or_default()
}

/// Decompress an EC point when possible, so compressed and uncompressed forms compare equal.
fn normalise_point(bits: &[u8]) -> Vec<u8> {
    if matches!(bits.first(), Some(2) | Some(3)) {
        if bits.len() == 33 {
            if let Ok(pk) = p256::PublicKey::from_sec1_bytes(bits) {
                return pk.to_encoded_point(false).as_bytes().to_vec();
            }
        }
        if bits.len() == 49 {
            if let Ok(pk) = p384::PublicKey::from_sec1_bytes(bits) {
                return pk.to_encoded_point(false).as_bytes().to_vec();
            }
        }
    }
    bits.to_vec()
}

fn spki_algorithm(spki: &SubjectPublicKeyInfoRef<'_>) -> Result<KeyAlgorithm> {
    Ok(match spki.algorithm.oid {
        oid::RSA_ENCRYPTION => {
            let bits = spki.subject_public_key.as_bytes().unwrap_or_default();
            let key = pkcs1::RsaPublicKey::from_der(bits)
                .map_err(|e| der_error("the RSA public key", e))?;
            KeyAlgorithm::Rsa {
                bits: rsa_bits(key.modulus.as_bytes()),
            }
        }
        oid::EC_PUBLIC_KEY => KeyAlgorithm::Ec {
            curve: curve_of(&spki.algorithm)?,
        },
        oid::ED25519 => KeyAlgorithm::Ed25519,
        other => KeyAlgorithm::Other {
            oid: other.to_string(),
        },
    })
}

fn curve_of(alg: &AlgorithmIdentifierRef<'_>) -> Result<Curve> {
    match alg.parameters_oid() {
        Ok(oid) => Ok(Curve::from_oid(oid)),
        Err(_) => Err(Error::new(
            ErrorKind::UnsupportedKey,
            "the EC key has explicit curve parameters instead of a named curve",
            "re-export it with a named curve: openssl ec -in key.pem -param_enc named_curve -out key-named.pem",
        )),
    }
}

fn rsa_spki(pkcs1_public: &[u8]) -> Result<Vec<u8>> {
    let spki = SubjectPublicKeyInfoRef {
        algorithm: AlgorithmIdentifierRef {
            oid: oid::RSA_ENCRYPTION,
            parameters: Some(AnyRef::NULL),
        },
        subject_public_key: BitStringRef::from_bytes(pkcs1_public)
            .map_err(|e| der_error("the RSA public key", e))?,
    };
    spki.to_der()
        .map_err(|e| der_error("the RSA public key", e))
}

fn ec_spki(curve_oid: ObjectIdentifier, point: &[u8]) -> Result<Vec<u8>> {
    let curve = AnyRef::from(&curve_oid);
    let spki = SubjectPublicKeyInfoRef {
        algorithm: AlgorithmIdentifierRef {
            oid: oid::EC_PUBLIC_KEY,
            parameters: Some(curve),
        },
        subject_public_key: BitStringRef::from_bytes(point)
            .map_err(|e| der_error("the EC public key", e))?,
    };
    spki.to_der().map_err(|e| der_error("the EC public key", e))
}

/// A private key. Holds its unencrypted PKCS#8 and traditional (PKCS#1 / SEC1) encodings in zeroizing buffers.
/// `Debug` never prints key material.
#[derive(Clone)]
pub struct PrivateKey {
    algorithm: KeyAlgorithm,
    form: KeyForm,
    pkcs8: Zeroizing<Vec<u8>>,
    traditional: Option<Zeroizing<Vec<u8>>>,
    public: PublicKey,
    /// [`PrivateKey::traditional_pem`], encoded once when first asked for (targets and module scripts share it).
    traditional_pem: std::sync::OnceLock<Zeroizing<String>>,
}

impl Drop for PrivateKey {
    /// Wipe the encodings a 64-bit word at a time (`Zeroizing` alone clears them byte by byte, on every key of
    /// every device of a batch).
    fn drop(&mut self) {
        crate::wipe::wipe_zeroizing(&mut self.pkcs8);
        if let Some(traditional) = &mut self.traditional {
            crate::wipe::wipe_zeroizing(traditional);
        }
        if let Some(pem) = self.traditional_pem.get_mut() {
            let mut bytes = std::mem::take(&mut **pem).into_bytes();
            crate::wipe::wipe(&mut bytes);
        }
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PrivateKey({}, {}, <redacted>)",
            self.algorithm,
            self.form.name()
        )
    }
}

impl PrivateKey {
    /// The algorithm with its size or curve.
    pub fn algorithm(&self) -> &KeyAlgorithm {
        &self.algorithm
    }
    /// The container the key arrived in.
    pub fn form(&self) -> KeyForm {
        self.form
    }
    /// The matching public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }
    /// Unencrypted PKCS#8 `PrivateKeyInfo` DER, byte-identical to `openssl pkcs8 -topk8 -nocrypt -outform DER`.
    pub fn pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        self.pkcs8.clone()
    }
    /// PKCS#1 `RSAPrivateKey` DER (RSA keys only), as `openssl rsa -traditional -outform DER` writes it.
    pub fn pkcs1_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        match (&self.algorithm, &self.traditional) {
            (KeyAlgorithm::Rsa { .. }, Some(der)) => Ok(der.clone()),
            _ => Err(Error::new(
                ErrorKind::UnsupportedKey,
                format!(
                    "PKCS#1 is an RSA key format, but this key is {}",
                    self.algorithm
                ),
                "use --to sec1 or --to pkcs8 for an EC key",
            )),
        }
    }
    /// SEC1 `ECPrivateKey` DER with curve and public key (EC keys only), as `openssl ec -outform DER` writes it.
    pub fn sec1_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        match (&self.algorithm, &self.traditional) {
            (KeyAlgorithm::Ec { .. }, Some(der)) => Ok(der.clone()),
            _ => Err(Error::new(
                ErrorKind::UnsupportedKey,
                format!(
                    "SEC1 is an EC key format, but this key is {}",
                    self.algorithm
                ),
                "use --to pkcs1 or --to pkcs8 for an RSA key",
            )),
        }
    }
    /// The traditional encoding (PKCS#1 for RSA, SEC1 for EC), or PKCS#8 for other algorithms.
    pub fn traditional_der(&self) -> Zeroizing<Vec<u8>> {
        self.traditional
            .clone()
            .unwrap_or_else(|| self.pkcs8.clone())
    }
    /// The PEM label of [`PrivateKey::traditional_der`]: `RSA PRIVATE KEY`, `EC PRIVATE KEY`, or `PRIVATE KEY`.
    pub fn traditional_label(&self) -> &'static str {
        match (&self.algorithm, &self.traditional) {
            (KeyAlgorithm::Rsa { .. }, Some(_)) => crate::encode::RSA_PRIVATE_KEY,
            (KeyAlgorithm::Ec { .. }, Some(_)) => crate::encode::EC_PRIVATE_KEY,
            _ => crate::encode::PRIVATE_KEY,
        }
    }
    /// [`PrivateKey::traditional_der`] as PEM under [`PrivateKey::traditional_label`] (LF, final newline),
    /// encoded on first use and kept (wiped with the key).
    pub fn traditional_pem(&self) -> Result<&str> {
        if let Some(text) = self.traditional_pem.get() {
            return Ok(text);
        }
        let text = Zeroizing::new(self.encode_traditional(Default::default())?);
        Ok(self.traditional_pem.get_or_init(|| text))
    }
    /// Keep `text` as [`PrivateKey::traditional_pem`] when it is that PEM without the final line break: `text` is an
    /// input block in OpenSSL's layout (canonical base64, 64 columns), so it is when its label is
    /// [`PrivateKey::traditional_label`] and its DER `der` is [`PrivateKey::traditional_der`].
    pub(crate) fn keep_traditional_pem(&self, label: &str, der: &[u8], text: &str) {
        let traditional = self.traditional.as_deref().unwrap_or(&self.pkcs8);
        if label != self.traditional_label() || traditional[..] != *der {
            return;
        }
        self.traditional_pem.get_or_init(|| {
            let mut pem = Zeroizing::new(String::with_capacity(text.len() + 1));
            pem.push_str(text);
            pem.push('\n');
            pem
        });
    }
    /// [`PrivateKey::traditional_pem`] in `style`, as bytes to hand on: the kept text when `style` is the
    /// default (as [`crate::cert::Certificate`] does for its PEM), encoded otherwise.
    pub(crate) fn traditional_pem_in(
        &self,
        style: crate::encode::PemStyle,
    ) -> Result<Zeroizing<Vec<u8>>> {
        if style == crate::encode::PemStyle::default() {
            return Ok(Zeroizing::new(self.traditional_pem()?.as_bytes().to_vec()));
        }
        Ok(Zeroizing::new(self.encode_traditional(style)?.into_bytes()))
    }
    fn encode_traditional(&self, style: crate::encode::PemStyle) -> Result<String> {
        crate::encode::pem(
            self.traditional_label(),
            self.traditional.as_deref().unwrap_or(&self.pkcs8),
            style,
        )
    }
    /// The key in the container it arrived in (an encrypted key comes back decrypted, as PKCS#8).
    pub fn original_der(&self) -> Zeroizing<Vec<u8>> {
        match self.form {
            KeyForm::Pkcs1 | KeyForm::Sec1 => self.traditional_der(),
            KeyForm::Pkcs8 | KeyForm::EncryptedPkcs8 => self.pkcs8_der(),
        }
    }

    /// Parse an unencrypted PKCS#8 `PrivateKeyInfo`.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<PrivateKey> {
        Self::from_pkcs8_with_form(der, KeyForm::Pkcs8)
    }

    fn from_pkcs8_with_form(der: &[u8], form: KeyForm) -> Result<PrivateKey> {
        let info =
            PrivateKeyInfo::from_der(der).map_err(|e| der_error("the PKCS#8 private key", e))?;
        match info.algorithm.oid {
            oid::RSA_ENCRYPTION => {
                let mut key = Self::from_pkcs1_der(info.private_key)?;
                key.form = form;
                Ok(key)
            }
            oid::EC_PUBLIC_KEY => {
                let curve_oid = info.algorithm.parameters_oid().map_err(|_| {
                    Error::new(
                        ErrorKind::UnsupportedKey,
                        "the EC key has explicit curve parameters instead of a named curve",
                        "re-export it with a named curve: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.p8.pem after openssl ec -param_enc named_curve",
                    )
                })?;
                let mut key = Self::from_sec1_parts(info.private_key, Some(curve_oid))?;
                key.form = form;
                Ok(key)
            }
            other => {
                let algorithm = if other == oid::ED25519 {
                    KeyAlgorithm::Ed25519
                } else {
                    KeyAlgorithm::Other {
                        oid: other.to_string(),
                    }
                };
                let named = match oid_name(&other) {
                    Some(name) => format!("{name} ({algorithm})"),
                    None => algorithm.to_string(),
                };
                Err(Error::new(
                    ErrorKind::UnsupportedKey,
                    format!("the private key is {named}; certpack handles RSA and EC (P-256, P-384) keys"),
                    "AWS IoT and Azure IoT Hub device keys are RSA or EC P-256: create the key with openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256",
                ))
            }
        }
    }

    /// Parse a PKCS#1 `RSAPrivateKey`.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<PrivateKey> {
        let key =
            pkcs1::RsaPrivateKey::from_der(der).map_err(|e| der_error("the RSA private key", e))?;
        let bits = rsa_bits(key.modulus.as_bytes());
        let public = pkcs1::RsaPublicKey {
            modulus: key.modulus,
            public_exponent: key.public_exponent,
        }
        .to_der()
        .map_err(|e| der_error("the RSA public key", e))?;
        let pkcs1 = Zeroizing::new(
            key.to_der()
                .map_err(|e| der_error("the RSA private key", e))?,
        );
        let info = PrivateKeyInfo::new(
            AlgorithmIdentifierRef {
                oid: oid::RSA_ENCRYPTION,
                parameters: Some(AnyRef::NULL),
            },
            &pkcs1,
        );
        let pkcs8 = Zeroizing::new(
            info.to_der()
                .map_err(|e| der_error("the RSA private key", e))?,
        );
        Ok(PrivateKey {
            algorithm: KeyAlgorithm::Rsa { bits },
            form: KeyForm::Pkcs1,
            pkcs8,
            traditional: Some(pkcs1),
            public: PublicKey::new(rsa_spki(&public)?, KeyAlgorithm::Rsa { bits }),
            traditional_pem: Default::default(),
        })
    }

    /// Parse a SEC1 `ECPrivateKey` (which must name its curve).
    pub fn from_sec1_der(der: &[u8]) -> Result<PrivateKey> {
        Self::from_sec1_parts(der, None)
    }

    fn from_sec1_parts(der: &[u8], outer_curve: Option<ObjectIdentifier>) -> Result<PrivateKey> {
        let key =
            sec1::EcPrivateKey::from_der(der).map_err(|e| der_error("the EC private key", e))?;
        Self::from_sec1_key(key, outer_curve)
    }

    /// A SEC1 `ECPrivateKey` already parsed (the curve from its parameters, else `outer_curve`).
    pub(crate) fn from_sec1_key(
        key: sec1::EcPrivateKey<'_>,
        outer_curve: Option<ObjectIdentifier>,
    ) -> Result<PrivateKey> {
        let inner_curve = key.parameters.and_then(|p| p.named_curve());
        let curve_oid = inner_curve.or(outer_curve).ok_or_else(|| {
            Error::new(
                ErrorKind::UnsupportedKey,
                "the EC private key does not say which curve it is on",
                "export it again with its parameters: openssl ec -in key.pem -out key-full.pem",
            )
        })?;
        let curve = Curve::from_oid(curve_oid);
        let point: Vec<u8> = match key.public_key {
            Some(p) => p.to_vec(),
            None => derive_point(&curve, key.private_key)?,
        };
        // SEC1 as `openssl ec -outform DER`: curve parameters and public key included.
        let sec1 = Zeroizing::new(
            sec1::EcPrivateKey {
                private_key: key.private_key,
                parameters: Some(sec1::EcParameters::NamedCurve(curve_oid)),
                public_key: Some(&point),
            }
            .to_der()
            .map_err(|e| der_error("the EC private key", e))?,
        );
        // PKCS#8 as `openssl pkcs8 -topk8`: the inner ECPrivateKey keeps the public key but not the curve.
        let inner = Zeroizing::new(
            sec1::EcPrivateKey {
                private_key: key.private_key,
                parameters: None,
                public_key: Some(&point),
            }
            .to_der()
            .map_err(|e| der_error("the EC private key", e))?,
        );
        let curve_any = AnyRef::from(&curve_oid);
        let info = PrivateKeyInfo::new(
            AlgorithmIdentifierRef {
                oid: oid::EC_PUBLIC_KEY,
                parameters: Some(curve_any),
            },
            &inner,
        );
        let pkcs8 = Zeroizing::new(
            info.to_der()
                .map_err(|e| der_error("the EC private key", e))?,
        );
        let algorithm = KeyAlgorithm::Ec { curve };
        Ok(PrivateKey {
            algorithm: algorithm.clone(),
            form: KeyForm::Sec1,
            pkcs8,
            traditional: Some(sec1),
            public: PublicKey {
                spki: ec_spki(curve_oid, &point)?,
                algorithm,
                bits: normalise_point(&point),
            },
            traditional_pem: Default::default(),
        })
    }

    /// Decrypt a PKCS#8 `EncryptedPrivateKeyInfo` with `passphrase`.
    pub fn from_encrypted_pkcs8_der(der: &[u8], passphrase: Option<&str>) -> Result<PrivateKey> {
        let info = pkcs8::EncryptedPrivateKeyInfo::from_der(der)
            .map_err(|e| der_error("the encrypted private key", e))?;
        let Some(passphrase) = passphrase else {
            return Err(Error::new(
                ErrorKind::Passphrase,
                "the private key is encrypted and no passphrase was given",
                "pass the passphrase (--passphrase, --passphrase-file or --passphrase-env on the CLI; passphrase= in Python)",
            ));
        };
        check_kdf_cost(&info.encryption_algorithm)?;
        // Decrypt in place in a zeroizing buffer, so no plain copy of the key is ever allocated.
        let mut buffer = Zeroizing::new(info.encrypted_data.to_vec());
        let plain = info
            .encryption_algorithm
            .decrypt_in_place(passphrase, &mut buffer[..])
            .map_err(|e| {
                Error::new(
                    ErrorKind::Passphrase,
                    format!("the private key could not be decrypted with the passphrase given ({e})"),
                    "check the passphrase (Azure test scripts use \"1234\"); supported: PBES2 with PBKDF2 or scrypt and AES-CBC",
                )
            })?;
        Self::from_pkcs8_with_form(plain, KeyForm::EncryptedPkcs8).map_err(|e| {
            if e.kind() == ErrorKind::Der {
                Error::new(
                    ErrorKind::Passphrase,
                    "the private key could not be decrypted with the passphrase given",
                    "check the passphrase",
                )
            } else {
                e
            }
        })
    }
}

/// Largest PBKDF2 iteration count certpack runs (OpenSSL writes 2048; OWASP's 2023 advice is at most 1.3 million).
/// Fuzz builds use a small limit so that each run stays fast.
pub const MAX_PBKDF2_ITERATIONS: u32 = if cfg!(fuzzing) { 20_000 } else { 10_000_000 };
/// Largest scrypt memory (128 * N * r bytes) certpack allocates (OpenSSL's default N=16384, r=8 needs 16 MiB).
pub const MAX_SCRYPT_MEMORY: u64 = if cfg!(fuzzing) { 1 << 20 } else { 256 << 20 };
/// Largest scrypt work (memory times the parallelisation p) certpack runs.
pub const MAX_SCRYPT_WORK: u64 = if cfg!(fuzzing) { 4 << 20 } else { 1 << 30 };

/// Refuse key-derivation settings that would take minutes or gigabytes (a damaged or hostile file), before
/// deriving anything.
fn check_kdf_cost(scheme: &pkcs8::pkcs5::EncryptionScheme<'_>) -> Result<()> {
    let Some(kdf) = scheme.pbes2().map(|p| &p.kdf) else {
        return Ok(());
    };
    let refused = |what: String| {
        Error::new(
            ErrorKind::UnsupportedKey,
            format!("the encrypted private key asks for {what}, which certpack refuses (a damaged or hostile file)"),
            "re-encrypt the key with usual settings: openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key.p8.pem, or decrypt it first (-nocrypt)",
        )
    };
    if let Some(p) = kdf.pbkdf2() {
        if p.iteration_count > MAX_PBKDF2_ITERATIONS {
            return Err(refused(format!(
                "{} PBKDF2 iterations (limit {MAX_PBKDF2_ITERATIONS})",
                p.iteration_count
            )));
        }
    }
    if let Some(s) = kdf.scrypt() {
        let memory = 128u64
            .saturating_mul(s.cost_parameter)
            .saturating_mul(u64::from(s.block_size));
        let work = memory.saturating_mul(u64::from(s.parallelization));
        if memory > MAX_SCRYPT_MEMORY || work > MAX_SCRYPT_WORK {
            return Err(refused(format!(
                "scrypt with N={}, r={}, p={} ({} MiB of memory, limit {} MiB; work limit {} MiB)",
                s.cost_parameter,
                s.block_size,
                s.parallelization,
                memory >> 20,
                MAX_SCRYPT_MEMORY >> 20,
                MAX_SCRYPT_WORK >> 20
            )));
        }
    }
    Ok(())
}

fn derive_point(curve: &Curve, scalar: &[u8]) -> Result<Vec<u8>> {
    let bad = || {
        Error::new(
            ErrorKind::Der,
            format!("the {curve} private key scalar is not valid"),
            "the key is damaged: export it again",
        )
    };
    match curve {
        Curve::P256 => {
            let sk = p256::SecretKey::from_slice(scalar).map_err(|_| bad())?;
            Ok(sk.public_key().to_encoded_point(false).as_bytes().to_vec())
        }
        Curve::P384 => {
            let sk = p384::SecretKey::from_slice(scalar).map_err(|_| bad())?;
            Ok(sk.public_key().to_encoded_point(false).as_bytes().to_vec())
        }
        other => Err(Error::new(
            ErrorKind::UnsupportedKey,
            format!("the EC key on {other} has no public key inside and certpack cannot derive it"),
            "export the key again with its public part: openssl ec -in key.pem -out key-full.pem",
        )),
    }
}
