//! Distinguished names as RFC 4514 strings, exactly as `x509-cert` prints them, without its search of the whole
//! OID name database for every attribute: the names of the attribute types certificates use are looked up once.

use std::fmt::Write;
use std::sync::OnceLock;

use der::asn1::{
    Ia5StringRef, ObjectIdentifier, PrintableStringRef, TeletexStringRef, Utf8StringRef,
};
use der::oid::db::DB;
use der::{Encode, Tag, Tagged};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::RdnSequence;

/// Attribute types seen in nearly every certificate name (RFC 4519 / PKCS #9 / RFC 4524).
const COMMON: [&str; 14] = [
    "2.5.4.3",                    // CN
    "2.5.4.6",                    // C
    "2.5.4.10",                   // O
    "2.5.4.11",                   // OU
    "2.5.4.7",                    // L
    "2.5.4.8",                    // ST
    "2.5.4.5",                    // serialNumber
    "2.5.4.9",                    // street
    "2.5.4.4",                    // SN
    "2.5.4.42",                   // givenName
    "2.5.4.97",                   // organizationIdentifier
    "2.5.4.17",                   // postalCode
    "1.2.840.113549.1.9.1",       // emailAddress
    "0.9.2342.19200300.100.1.25", // DC
];

/// The upper-cased shortest database name of each common attribute type (what `x509-cert` prints).
fn common_names() -> &'static [(ObjectIdentifier, Option<String>)] {
    static NAMES: OnceLock<Vec<(ObjectIdentifier, Option<String>)>> = OnceLock::new();
    NAMES.get_or_init(|| {
        COMMON
            .iter()
            .filter_map(|dotted| ObjectIdentifier::new(dotted).ok())
            .map(|oid| (oid, upper_shortest_name(&oid)))
            .collect()
    })
}

/// The shortest of the database's names for `oid` (the first on a tie), upper-cased, as `x509-cert` picks it.
fn upper_shortest_name(oid: &ObjectIdentifier) -> Option<String> {
    let mut best: Option<&str> = None;
    for name in DB.find_names_for_oid(*oid) {
        if best.is_none_or(|b| name.len() < b.len()) {
            best = Some(name);
        }
    }
    best.map(|n| n.to_ascii_uppercase())
}

/// `name` as `x509_cert::name::RdnSequence`'s `Display` writes it.
pub(crate) fn format(name: &RdnSequence) -> String {
    let mut out = String::new();
    for (i, rdn) in name.0.iter().rev().enumerate() {
        if i > 0 {
            out.push(',');
        }
        for (j, atv) in rdn.0.iter().enumerate() {
            if j > 0 {
                out.push('+');
            }
            write_atv(atv, &mut out);
        }
    }
    out
}

fn write_atv(atv: &AttributeTypeAndValue, out: &mut String) {
    let value = match atv.value.tag() {
        Tag::PrintableString => PrintableStringRef::try_from(&atv.value)
            .ok()
            .map(|s| s.as_str()),
        Tag::Utf8String => Utf8StringRef::try_from(&atv.value).ok().map(|s| s.as_str()),
        Tag::Ia5String => Ia5StringRef::try_from(&atv.value).ok().map(|s| s.as_str()),
        Tag::TeletexString => TeletexStringRef::try_from(&atv.value)
            .ok()
            .map(|s| s.as_str()),
        _ => None,
    };
    let key = match common_names().iter().find(|(oid, _)| *oid == atv.oid) {
        Some((_, name)) => name.clone(),
        None => upper_shortest_name(&atv.oid),
    };
    if let (Some(key), Some(value)) = (key, value) {
        out.push_str(&key);
        out.push('=');
        let mut chars = value.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '#' if i == 0 => out.push_str("\\#"),
                ' ' if i == 0 || chars.peek().is_none() => out.push_str("\\ "),
                '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                '\x00'..='\x1f' | '\x7f' => {
                    let _ = write!(out, "\\{:02x}", c as u8);
                }
                _ => out.push(c),
            }
        }
    } else {
        let _ = write!(out, "{}=#", atv.oid);
        if let Ok(der) = atv.value.to_der() {
            for b in der {
                let _ = write!(out, "{b:02x}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use der::Decode;

    #[test]
    fn same_as_x509_cert_for_every_test_certificate() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata");
        let mut stack = vec![std::path::PathBuf::from(root)];
        let mut names = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let bytes = std::fs::read(&path).unwrap();
                let Ok(text) = std::str::from_utf8(&bytes) else {
                    continue;
                };
                for block in text.split("-----BEGIN CERTIFICATE-----").skip(1) {
                    let Some(body) = block.split("-----END CERTIFICATE-----").next() else {
                        continue;
                    };
                    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                    let Ok(der) = <base64ct::Base64 as base64ct::Encoding>::decode_vec(&b64) else {
                        continue;
                    };
                    let Ok(cert) = x509_cert::Certificate::from_der(&der) else {
                        continue;
                    };
                    for name in [&cert.tbs_certificate.subject, &cert.tbs_certificate.issuer] {
                        assert_eq!(super::format(name), name.to_string(), "{}", path.display());
                        names += 1;
                    }
                }
            }
        }
        assert!(names > 200, "only {names} names");
    }
}
