//! Plain files: DER blobs and normalised PEM, named by role.

use super::{Family, ParamSpec, Params, Target};
use crate::artifact::{Artifact, Artifacts};
use crate::bundle::Bundle;
use crate::encode::{self, Eol, PemStyle};
use crate::error::{Error, ErrorKind, Result};

pub(super) const TARGETS: [&dyn Target; 2] = [&DerFiles, &PemFiles];

const KEY_FORMAT: ParamSpec = ParamSpec {
    name: "key-format",
    help: "private key container: traditional (PKCS#1 for RSA, SEC1 for EC) or pkcs8",
    default: Some("traditional"),
};

/// A private key encoding and its PEM label.
type KeyDer = (zeroize::Zeroizing<Vec<u8>>, &'static str);

fn key_der(bundle: &Bundle, params: &Params, target: &str) -> Result<Option<KeyDer>> {
    let Some(key) = bundle.key().and_then(|i| i.private_key()) else {
        return Ok(None);
    };
    Ok(Some(match params.str_or("key-format", "traditional") {
        "traditional" => (key.traditional_der(), key.traditional_label()),
        "pkcs8" => (key.pkcs8_der(), encode::PRIVATE_KEY),
        other => {
            return Err(Error::new(
                ErrorKind::Target,
                format!("target {target}: key-format \"{other}\" is not known"),
                "use traditional or pkcs8",
            ))
        }
    }))
}

/// DER files for stacks that load binary certificates (BearSSL, SPIFFS/LittleFS uploads, Zephyr default).
struct DerFiles;

impl Target for DerFiles {
    fn name(&self) -> &'static str {
        "der"
    }
    fn family(&self) -> Family {
        Family::Files
    }
    fn summary(&self) -> &'static str {
        "DER files: client.crt.der, client.key.der, ca.crt.der (+ chain): for BearSSL, SPIFFS/LittleFS, Zephyr"
    }
    fn params(&self) -> &'static [ParamSpec] {
        &[KEY_FORMAT]
    }
    fn pack(&self, bundle: &Bundle, params: &Params) -> Result<Artifacts> {
        let mut out = Artifacts::new(self.name());
        if let Some(leaf) = bundle.leaf().and_then(|i| i.certificate()) {
            out.push(Artifact::new(
                "client.crt.der",
                leaf.der(),
                "device certificate, DER",
            ));
        }
        if let Some((der, _)) = key_der(bundle, params, self.name())? {
            out.push(
                Artifact::new("client.key.der", der.to_vec(), "device private key, DER").secret(),
            );
        }
        for (n, item) in bundle.chain().enumerate() {
            if let Some(c) = item.certificate() {
                out.push(Artifact::new(
                    format!("chain-{}.crt.der", n + 1),
                    c.der(),
                    "intermediate CA certificate, DER",
                ));
            }
        }
        if let Some(root) = bundle.server_root().and_then(|i| i.certificate()) {
            out.push(Artifact::new(
                "ca.crt.der",
                root.der(),
                "server root CA certificate, DER",
            ));
        }
        if out.files.is_empty() {
            return Err(bundle.missing(
                "the bundle has no certificate or key to write",
                "give certpack the certificate and key files",
            ));
        }
        out.readme = "DER (binary) files. Upload them to the device file system or load them with a DER-capable API \
(BearSSL X509List/PrivateKey with the length, mbedTLS x509_crt_parse_der, Zephyr tls_credential_add)."
            .into();
        Ok(out)
    }
}

/// Normalised PEM files with a chosen line ending and final newline.
struct PemFiles;

impl Target for PemFiles {
    fn name(&self) -> &'static str {
        "pem"
    }
    fn family(&self) -> Family {
        Family::Files
    }
    fn summary(&self) -> &'static str {
        "normalised PEM files (LF or CRLF, exact final newline, 64 columns): client.crt.pem, client.key.pem, ca.crt.pem"
    }
    fn params(&self) -> &'static [ParamSpec] {
        const P: [ParamSpec; 3] = [
            KEY_FORMAT,
            ParamSpec {
                name: "eol",
                help: "line ending: lf or crlf",
                default: Some("lf"),
            },
            ParamSpec {
                name: "final-newline",
                help: "end each file with a line break",
                default: Some("true"),
            },
        ];
        &P
    }
    fn pack(&self, bundle: &Bundle, params: &Params) -> Result<Artifacts> {
        let eol = match params.str_or("eol", "lf") {
            "lf" => Eol::Lf,
            "crlf" => Eol::CrLf,
            other => {
                return Err(Error::new(
                    ErrorKind::Target,
                    format!("target pem: eol \"{other}\" is not known"),
                    "use lf or crlf",
                ))
            }
        };
        let style = PemStyle {
            eol,
            final_newline: params.bool_or(self.name(), "final-newline", true)?,
        };
        let mut out = Artifacts::new(self.name());
        let cert_pem = |der: &[u8]| encode::pem(encode::CERTIFICATE, der, style);
        if let Some(leaf) = bundle.leaf().and_then(|i| i.certificate()) {
            out.push(Artifact::new(
                "client.crt.pem",
                cert_pem(leaf.der())?,
                "device certificate, PEM",
            ));
        }
        if let Some((der, label)) = key_der(bundle, params, self.name())? {
            out.push(
                Artifact::new(
                    "client.key.pem",
                    encode::pem(label, &der, style)?,
                    "device private key, PEM",
                )
                .secret(),
            );
        }
        let chain: Vec<String> = bundle
            .chain()
            .filter_map(|i| i.certificate())
            .map(|c| cert_pem(c.der()))
            .collect::<Result<_>>()?;
        if !chain.is_empty() {
            out.push(Artifact::new(
                "chain.pem",
                join_pem(&chain, style),
                "intermediate CA certificates, issuing order",
            ));
        }
        if let Some(root) = bundle.server_root().and_then(|i| i.certificate()) {
            out.push(Artifact::new(
                "ca.crt.pem",
                cert_pem(root.der())?,
                "server root CA certificate, PEM",
            ));
        }
        if out.files.is_empty() {
            return Err(bundle.missing(
                "the bundle has no certificate or key to write",
                "give certpack the certificate and key files",
            ));
        }
        out.readme = format!(
            "PEM files with {} line endings{}.",
            if eol == Eol::Lf { "LF" } else { "CRLF" },
            if style.final_newline {
                " and a final line break"
            } else {
                " and no final line break"
            }
        );
        Ok(out)
    }
}

/// Concatenate PEM blocks; blocks written without a final newline are still separated by one.
fn join_pem(blocks: &[String], style: PemStyle) -> String {
    let mut text = blocks.join(if style.final_newline {
        ""
    } else {
        style.eol.as_str()
    });
    if !style.final_newline {
        let t = text.trim_end_matches(['\r', '\n']).len();
        text.truncate(t);
    }
    text
}
