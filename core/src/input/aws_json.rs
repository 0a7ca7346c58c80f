//! The JSON printed by `aws iot create-keys-and-certificate` (and `describe-certificate`).

use serde::Deserialize;
use serde_json::value::RawValue;
use zeroize::Zeroizing;

use super::{LoadOptions, Loaded};
use crate::error::{Error, ErrorKind, Location, Result};
use crate::item::{self, Origin, RawObject};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AwsKeysAndCertificate<'a> {
    certificate_id: Option<String>,
    certificate_pem: Option<String>,
    #[serde(borrow)]
    key_pair: Option<KeyPair<'a>>,
    #[serde(borrow)]
    certificate_description: Option<Box<AwsKeysAndCertificate<'a>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyPair<'a> {
    public_key: Option<String>,
    /// Kept as the raw JSON literal and unescaped by [`json_string`] into one zeroizing buffer: serde_json would
    /// unescape it through an internal scratch buffer that is freed without being zeroized.
    #[serde(borrow)]
    private_key: Option<&'a RawValue>,
}

/// Decode a JSON string literal (with its quotes) into a zeroizing buffer allocated once (the decoded text is never
/// longer than the literal). `None` when it is not a valid string literal.
fn json_string(raw: &str) -> Option<Zeroizing<String>> {
    let body = raw.trim().strip_prefix('"')?.strip_suffix('"')?;
    let mut out = Zeroizing::new(String::with_capacity(body.len()));
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let decoded = match chars.next()? {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let high = hex4(&mut chars)?;
                if (0xd800..0xdc00).contains(&high) {
                    if chars.next()? != '\\' || chars.next()? != 'u' {
                        return None;
                    }
                    let low = hex4(&mut chars)?;
                    if !(0xdc00..0xe000).contains(&low) {
                        return None;
                    }
                    char::from_u32(0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00))?
                } else {
                    char::from_u32(high)?
                }
            }
            _ => return None,
        };
        out.push(decoded);
    }
    Some(out)
}

/// `id` for a message: itself when it has the form of a certificate ID (64 hex digits), else only its length. The
/// field is free text in a hand-edited JSON and may hold anything, a pasted key among others, which a note must
/// never repeat.
fn quoted_id(id: &str) -> String {
    if id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        id.to_string()
    } else {
        format!("(not an ID: {} characters)", id.chars().count())
    }
}

fn hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
    (0..4).try_fold(0u32, |acc, _| Some(acc * 16 + chars.next()?.to_digit(16)?))
}

/// Like [`decode`], but `None` when the text is not JSON at all (e.g. PEM with a stray brace).
pub(super) fn try_decode(name: &str, text: &str, options: &LoadOptions) -> Option<Result<Loaded>> {
    serde_json::from_str::<serde::de::IgnoredAny>(text).ok()?;
    Some(decode(name, text, options))
}

/// Decode AWS CLI JSON into items.
pub(super) fn decode(name: &str, text: &str, options: &LoadOptions) -> Result<Loaded> {
    let mut doc: AwsKeysAndCertificate = serde_json::from_str(text).map_err(|e| {
        // serde_json quotes a mistyped string value in full (`invalid type: string "-----BEGIN ..."`), and that
        // string may be a key: such details are replaced by the position.
        let detail = if e.to_string().contains('"') {
            format!("a value has the wrong type at line {} column {}", e.line(), e.column())
        } else {
            e.to_string()
        };
        Error::new(
            ErrorKind::Json,
            format!("the JSON is malformed or not the AWS CLI's ({detail})"),
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
        if let Some(raw) = kp.private_key.filter(|r| r.get().trim() != "null") {
            let key = json_string(raw.get()).ok_or_else(|| {
                Error::new(
                    ErrorKind::Json,
                    "the JSON field keyPair.PrivateKey is not a text string",
                    "save the output of `aws iot create-keys-and-certificate` unchanged (aws ... > keys.json)",
                )
            })?;
            fields.push(("keyPair.PrivateKey", key));
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
                    "the JSON's certificateId {} is not the SHA-256 of its certificatePem ({}); the JSON was edited or mixed up",
                    quoted_id(&id),
                    cert.aws_certificate_id()
                ));
            }
        }
    }
    Ok(Loaded {
        items,
        notes,
        skipped: None,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::json_string;

    proptest! {
        /// The zeroizing unescaper agrees with serde_json on every string serde_json writes.
        #[test]
        fn json_string_matches_serde_json(text in any::<String>()) {
            let literal = serde_json::to_string(&text).unwrap();
            prop_assert_eq!(json_string(&literal).map(|s| s.to_string()), Some(text));
        }

        /// ... and on escapes serde_json reads but does not write (`\/`, `\uXXXX`, surrogate pairs).
        #[test]
        fn json_string_reads_every_escape(chars in proptest::collection::vec(any::<char>(), 0..20)) {
            let mut literal = String::from("\"");
            for c in &chars {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    literal.push_str(&format!("\\u{unit:04X}"));
                }
            }
            literal.push_str("\\/\"");
            let expected: String = serde_json::from_str(&literal).unwrap();
            prop_assert_eq!(json_string(&literal).map(|s| s.to_string()), Some(expected));
        }
    }

    #[test]
    fn json_string_rejects_broken_literals() {
        for bad in [
            "\"abc",
            "abc\"",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\ud800\"",
            "\"\\ud800\\u0041\"",
            "\"\\",
        ] {
            assert!(json_string(bad).is_none(), "{bad}");
        }
    }
}
