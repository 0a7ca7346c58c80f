//! The inspection report: what every item is, its identity, the key match and the repair notes. Serialises to
//! the JSON that `certpack inspect --json`, Python and JS all return.

use serde::Serialize;

use crate::bundle::Bundle;
use crate::item::{Content, Item};

/// One item as reported.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ItemReport {
    /// Input path or name.
    pub path: String,
    /// `leaf`, `intermediate`, `root`, `private-key` or `public-key`.
    pub role: &'static str,
    /// How it was encoded in the input (`pem`, `der`, `aws-json`, ...).
    pub encoding: String,
    /// PEM label, JSON field or container entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Line where it starts (text inputs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Key algorithm with size or curve (`RSA 2048`, `EC P-256`).
    pub key_algorithm: String,
    /// Private key container (`pkcs1`, `sec1`, `pkcs8`, `encrypted-pkcs8`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_form: Option<&'static str>,
    /// Certificate subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Certificate issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Serial number, hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// Validity start, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
    /// Validity end, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_after: Option<String>,
    /// SHA-256 of the certificate DER (= AWS certificate ID).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// SHA-1 of the certificate DER (Azure thumbprint).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha1: Option<String>,
    /// Basic constraints CA flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_ca: Option<bool>,
    /// Repairs and remarks.
    pub notes: Vec<String>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct InspectReport {
    /// Every item, in input order.
    pub items: Vec<ItemReport>,
    /// AWS IoT certificate ID of the leaf.
    pub certificate_id: Option<String>,
    /// Whether the private key belongs to the leaf (`null` when either is missing).
    pub key_matches_leaf: Option<bool>,
    /// Assembly notes and repairs.
    pub notes: Vec<String>,
}

fn item_report(item: &Item) -> ItemReport {
    let cert = item.certificate();
    ItemReport {
        path: item.origin.path.clone(),
        role: item.role.name(),
        encoding: item.origin.encoding.clone(),
        label: item.origin.label.clone(),
        line: item.origin.line,
        key_algorithm: item.public_key().algorithm().to_string(),
        key_form: match &item.content {
            Content::PrivateKey(k) => Some(k.form().name()),
            _ => None,
        },
        subject: cert.map(|c| c.subject()),
        issuer: cert.map(|c| c.issuer()),
        serial: cert.map(|c| c.serial_hex()),
        not_before: cert.map(|c| c.not_before().rfc3339()),
        not_after: cert.map(|c| c.not_after().rfc3339()),
        sha256: cert.map(|c| c.sha256_hex()),
        sha1: cert.map(|c| c.sha1_hex()),
        is_ca: cert.map(|c| c.is_ca()),
        notes: item.notes.clone(),
    }
}

/// Build the report for `bundle`.
pub fn inspect(bundle: &Bundle) -> InspectReport {
    InspectReport {
        items: bundle.items().iter().map(item_report).collect(),
        certificate_id: bundle.certificate_id(),
        key_matches_leaf: bundle.key_matches_leaf(),
        notes: bundle.notes().to_vec(),
    }
}

impl InspectReport {
    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into());
        s.push('\n');
        s
    }

    /// A readable text table.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (n, item) in self.items.iter().enumerate() {
            let mut at = item.line.map(|l| format!(":{l}")).unwrap_or_default();
            // Items read out of a device container (encoding `atpki:pem`, ...): name the entry.
            if let Some(entry) = item.label.as_ref().filter(|_| item.encoding.contains(':')) {
                at = format!(" [{entry}]{at}");
            }
            out.push_str(&format!(
                "[{}] {:<12} {}{} ({})\n",
                n + 1,
                item.role,
                item.path,
                at,
                item.encoding
            ));
            let field = |out: &mut String, name: &str, value: &Option<String>| {
                if let Some(v) = value {
                    out.push_str(&format!("      {name:<11} {v}\n"));
                }
            };
            field(&mut out, "subject", &item.subject);
            field(&mut out, "issuer", &item.issuer);
            field(
                &mut out,
                "valid",
                &item
                    .not_before
                    .as_ref()
                    .map(|b| format!("{b} .. {}", item.not_after.clone().unwrap_or_default())),
            );
            field(&mut out, "serial", &item.serial);
            field(
                &mut out,
                "key",
                &Some(match item.key_form {
                    Some(form) => format!("{} ({form})", item.key_algorithm),
                    None => item.key_algorithm.clone(),
                }),
            );
            field(&mut out, "sha256", &item.sha256);
            field(&mut out, "sha1", &item.sha1);
            for note in &item.notes {
                out.push_str(&format!("      note        {note}\n"));
            }
        }
        out.push('\n');
        if let Some(id) = &self.certificate_id {
            out.push_str(&format!("certificate ID   {id}\n"));
        }
        out.push_str(&format!(
            "key matches leaf {}\n",
            match self.key_matches_leaf {
                Some(true) => "yes",
                Some(false) => "NO - the private key does not belong to the device certificate",
                None => "unknown (certificate or key missing)",
            }
        ));
        if !self.notes.is_empty() {
            out.push_str("\nnotes:\n");
            for note in &self.notes {
                out.push_str(&format!("  - {note}\n"));
            }
        }
        out
    }
}
