//! What goes into every Espressif container: the device certificate (with its chain), the private key and the
//! server's root CA, as PEM text (LF, 64 columns, final newline: what OpenSSL and the cloud consoles write) or DER.

use zeroize::Zeroizing;

use crate::bundle::Bundle;
use crate::encode::{self, PemStyle};
use crate::error::{Error, ErrorKind, Result};
use crate::key::{KeyForm, PrivateKey};
use crate::target::{ParamSpec, Params};

/// Encoding of the content inside a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Content {
    Pem,
    Der,
}

impl Content {
    pub(super) fn name(self) -> &'static str {
        match self {
            Content::Pem => "pem",
            Content::Der => "der",
        }
    }
}

/// Which container the private key is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyFormat {
    /// The container it was given in (an encrypted key is written decrypted, as PKCS#8).
    AsGiven,
    /// PKCS#1 for RSA, SEC1 for EC.
    Traditional,
    /// Unencrypted PKCS#8.
    Pkcs8,
}

pub(super) const CONTENT_PEM: ParamSpec = ParamSpec {
    name: "content",
    help: "what each item holds: pem (what Espressif's own bins hold) or der",
    default: Some("pem"),
};
pub(super) const KEY_FORMAT_AS_GIVEN: ParamSpec = ParamSpec {
    name: "key-format",
    help: "private key container: as-given, traditional (PKCS#1 RSA / SEC1 EC) or pkcs8",
    default: Some("as-given"),
};
pub(super) const CHAIN: ParamSpec = ParamSpec {
    name: "chain",
    help: "append the intermediate CA certificates to the device certificate (PEM only)",
    default: Some("true"),
};

/// How to extract the material.
#[derive(Debug, Clone, Copy)]
pub(super) struct Options {
    pub content: Content,
    pub key_format: KeyFormat,
    pub chain: bool,
}

impl Options {
    /// Read `content`, `key-format` and `chain` from `params`, with the target's defaults.
    pub(super) fn from_params(
        target: &str,
        params: &Params,
        content: Content,
        key_format: KeyFormat,
    ) -> Result<Options> {
        let content = match params.get("content") {
            None => content,
            Some("pem") => Content::Pem,
            Some("der") => Content::Der,
            Some(other) => {
                return Err(Error::new(
                    ErrorKind::Target,
                    format!("target {target}: content \"{other}\" is not known"),
                    "use pem or der",
                ))
            }
        };
        let key_format = match params.get("key-format") {
            None => key_format,
            Some("as-given") => KeyFormat::AsGiven,
            Some("traditional") => KeyFormat::Traditional,
            Some("pkcs8") => KeyFormat::Pkcs8,
            Some(other) => {
                return Err(Error::new(
                    ErrorKind::Target,
                    format!("target {target}: key-format \"{other}\" is not known"),
                    "use as-given, traditional or pkcs8",
                ))
            }
        };
        Ok(Options {
            content,
            key_format,
            chain: params.bool_or(target, "chain", true)?,
        })
    }
}

/// The three pieces of a device credential, encoded.
pub(super) struct Material {
    /// Device certificate (PEM: followed by the intermediates when `chain`).
    pub cert: Vec<u8>,
    /// Private key.
    pub key: Zeroizing<Vec<u8>>,
    /// Server root CA.
    pub ca: Vec<u8>,
    /// Choices worth telling the user.
    pub notes: Vec<String>,
}

/// Extract the device certificate, key and server root from `bundle` for `purpose` (e.g. `target esp32-at`).
pub(super) fn extract(bundle: &Bundle, purpose: &str, options: Options) -> Result<Material> {
    let leaf = bundle.require_leaf(purpose)?;
    let key = bundle.require_key(purpose)?;
    let root = bundle.require_root(purpose)?;
    if bundle.key_matches_leaf() == Some(false) {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "the private key does not belong to the device certificate ({})",
                leaf.subject()
            ),
            "give the key file that was downloaded together with this certificate",
        ));
    }
    let style = PemStyle::default();
    let mut notes = Vec::new();
    let chain: Vec<&crate::cert::Certificate> =
        bundle.chain().filter_map(|i| i.certificate()).collect();
    let cert = match options.content {
        Content::Pem => {
            let mut text = leaf.pem_in(style)?.into_owned();
            if options.chain {
                for c in &chain {
                    text.push_str(&c.pem_in(style)?);
                }
                if !chain.is_empty() {
                    notes.push(format!(
                        "the device certificate is followed by {} intermediate CA certificate(s) in the same item (chain=false leaves them out)",
                        chain.len()
                    ));
                }
            } else if !chain.is_empty() {
                notes.push(format!(
                    "{} intermediate CA certificate(s) were left out (chain=false); the server must know them",
                    chain.len()
                ));
            }
            text.into_bytes()
        }
        Content::Der => {
            if !chain.is_empty() {
                notes.push(format!(
                    "DER holds one certificate: the {} intermediate CA certificate(s) were left out; use content=pem to send the chain",
                    chain.len()
                ));
            }
            leaf.der().to_vec()
        }
    };
    let key = key_bytes(key, options)?;
    let ca = match options.content {
        Content::Pem => root.pem_in(style)?.as_bytes().to_vec(),
        Content::Der => root.der().to_vec(),
    };
    let server_root = bundle.server_root().and_then(|i| i.certificate());
    let chain_root = bundle.chain_root().and_then(|i| i.certificate());
    if server_root.is_some() && server_root.map(|c| c.der()) == chain_root.map(|c| c.der()) {
        notes.push(format!(
            "the only root CA given ({}) is the one that issued the device certificate; the CA item must be the root of the SERVER's certificate (AmazonRootCA1.pem for AWS IoT, DigiCert Global Root G2 for Azure IoT Hub): add it if the server is not under this root",
            root.subject()
        ));
    }
    let extra_roots = bundle.roots().count().saturating_sub(1);
    if extra_roots > 0 {
        notes.push(format!(
            "{extra_roots} further root CA certificate(s) were not written; the CA item holds {}",
            root.subject()
        ));
    }
    Ok(Material {
        cert,
        key,
        ca,
        notes,
    })
}

/// The key in the chosen container and content encoding.
fn key_bytes(key: &PrivateKey, options: Options) -> Result<Zeroizing<Vec<u8>>> {
    // The traditional container (PKCS#1 for RSA, SEC1 for EC) or PKCS#8.
    let traditional = match options.key_format {
        KeyFormat::AsGiven => matches!(key.form(), KeyForm::Pkcs1 | KeyForm::Sec1),
        KeyFormat::Traditional => matches!(key.algorithm().family(), "rsa" | "ec"),
        KeyFormat::Pkcs8 => false,
    };
    Ok(match (traditional, options.content) {
        // The key's kept PEM text, shared with the module targets.
        (true, Content::Pem) => key.traditional_pem_in(PemStyle::default())?,
        (true, Content::Der) => key.traditional_der(),
        (false, Content::Pem) => Zeroizing::new(
            encode::pem(encode::PRIVATE_KEY, &key.pkcs8_der(), PemStyle::default())?.into_bytes(),
        ),
        (false, Content::Der) => key.pkcs8_der(),
    })
}
