//! The JSON printed by `aws iot create-keys-and-certificate` (and `describe-certificate`).

use serde::Deserialize;
use zeroize::Zeroizing;

use super::{LoadOptions, Loaded};
use crate::error::{Error, ErrorKind, Location, Result};
use crate::item::{self, Origin, RawObject};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AwsKeysAndCertificate {
    certificate_id: Option<String>,
    certificate_pem: Option<String>,
    key_pair: Option<KeyPair>,
    certificate_description: Option<Box<AwsKeysAndCertificate>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyPair {
    public_key: Option<String>,
    private_key: Option<Zeroizing<String>>,
}

/// Like [`decode`], but `None` when the text is not JSON at all (e.g. PEM with a stray brace).
pub(super) fn try_decode(name: &str, text: &str, options: &LoadOptions) -> Option<Result<Loaded>> {
    serde_json::from_str::<serde::de::IgnoredAny>(text).ok()?;
    Some(decode(name, text, options))
}

/// Decode AWS CLI JSON into items.
pub(super) fn decode(name: &str, text: &str, options: &LoadOptions) -> Result<Loaded> {
    let mut doc: AwsKeysAndCertificate = serde_json::from_str(text).map_err(|e| {
        Error::new(
            ErrorKind::Json,
            format!("the JSON is malformed or not the AWS CLI's ({e})"),
            "save the output of `aws iot create-keys-and-certificate` unchanged (aws ... > keys.json)",
        )
        .at(Location::Line(e.line().max(1)))
    })?;
    if let Some(inner) = doc.certificate_description.take() {
        // `aws iot describe-certificate` nests the certificate.
        doc.certificate_pem = doc.certificate_pem.or(inner.certificate_pem);
        doc.certificate_id = doc.certificate_id.or(inner.certificate_id);
    }
    let passphrase = options.passphrase.as_ref().map(|p| p.as_str());
    let mut fields: Vec<(&str, Zeroizing<String>)> = Vec::new();
    if let Some(pem) = doc.certificate_pem.take() {
        fields.push(("certificatePem", Zeroizing::new(pem)));
    }
    if let Some(kp) = doc.key_pair.take() {
        if let Some(k) = kp.private_key {
            fields.push(("keyPair.PrivateKey", k));
        }
        if let Some(p) = kp.public_key {
            fields.push(("keyPair.PublicKey", Zeroizing::new(p)));
        }
    }
    if fields.is_empty() {
        return Err(Error::new(
            ErrorKind::Json,
            "the JSON has none of the fields certificatePem, keyPair.PrivateKey, keyPair.PublicKey",
            "give certpack the JSON printed by `aws iot create-keys-and-certificate`",
        ));
    }
    let mut items = Vec::new();
    let mut notes = vec!["read as AWS CLI JSON".to_string()];
    for (field, value) in fields {
        let (text, _) = super::pem::normalise(&value);
        let scanned = super::pem::scan(&text).map_err(|e| {
            Error::new(
                e.kind(),
                format!("field {field}: {}", e.message()),
                e.hint().to_string(),
            )
        })?;
        notes.extend(scanned.notes.into_iter().map(|n| format!("{field}: {n}")));
        for block in &scanned.blocks {
            let origin = Origin {
                path: name.to_string(),
                encoding: "aws-json".into(),
                label: Some(field.to_string()),
                line: None,
                index: items.len(),
            };
            let raw = RawObject {
                der: &block.der,
                label: Some(&block.label),
                headers: &block.headers,
            };
            let (content, item_notes) = item::classify(&raw, passphrase).map_err(|e| {
                Error::new(
                    e.kind(),
                    format!("field {field}: {}", e.message()),
                    e.hint().to_string(),
                )
            })?;
            items.push(super::new_item(origin, content, item_notes));
        }
    }
    if let Some(id) = doc.certificate_id {
        if let Some(cert) = items.iter().find_map(|i| i.certificate()) {
            if !id.eq_ignore_ascii_case(&cert.aws_certificate_id()) {
                notes.push(format!(
                    "the JSON's certificateId {id} is not the SHA-256 of its certificatePem ({}); the JSON was edited or mixed up",
                    cert.aws_certificate_id()
                ));
            }
        }
    }
    Ok(Loaded { items, notes })
}
