//! Distinguished names as RFC 4514 strings, exactly as `x509-cert` prints them, without its search of the whole
//! OID name database for every attribute: the types certificates use have their names here, in a table.

use std::fmt::Write;

use der::asn1::{
    Ia5StringRef, ObjectIdentifier, PrintableStringRef, TeletexStringRef, Utf8StringRef,
};
use der::{Encode, Tag, Tagged};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::RdnSequence;

/// Attribute types seen in nearly every certificate name (RFC 4519 / PKCS #9 / RFC 4524) with the name
/// `x509-cert` prints for each: the shortest of the OID database's names, upper-cased (a test holds every entry
/// to the database). Any other type goes through `x509-cert`'s own formatting, so the database is linked once.
const COMMON: [(ObjectIdentifier, &str); 13] = [
    (ObjectIdentifier::new_unwrap("2.5.4.3"), "CN"),
    (ObjectIdentifier::new_unwrap("2.5.4.6"), "C"),
    (ObjectIdentifier::new_unwrap("2.5.4.10"), "O"),
    (ObjectIdentifier::new_unwrap("2.5.4.11"), "OU"),
    (ObjectIdentifier::new_unwrap("2.5.4.7"), "L"),
    (ObjectIdentifier::new_unwrap("2.5.4.8"), "ST"),
    (ObjectIdentifier::new_unwrap("2.5.4.5"), "SERIALNUMBER"),
    (ObjectIdentifier::new_unwrap("2.5.4.9"), "STREET"),
    (ObjectIdentifier::new_unwrap("2.5.4.4"), "SN"),
    (ObjectIdentifier::new_unwrap("2.5.4.42"), "GIVENNAME"),
    (ObjectIdentifier::new_unwrap("2.5.4.17"), "POSTALCODE"),
    (
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1"),
        "EMAIL",
    ),
    (
        ObjectIdentifier::new_unwrap("0.9.2342.19200300.100.1.25"),
        "DC",
    ),
];

/// `name` as `x509_cert::name::RdnSequence`'s `Display` writes it.
pub(crate) fn format(name: &RdnSequence) -> String {
    // Room for every value with its key and separators (escapes are rare): one allocation for most names.
    let room = name
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .map(|atv| atv.value.value().len() + 8)
        .sum();
    let mut out = String::with_capacity(room);
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

/// One attribute as `x509_cert`'s `AttributeTypeAndValue` `Display` writes it (`CN=device 1`).
pub(crate) fn format_atv(atv: &AttributeTypeAndValue) -> String {
    let mut out = String::new();
    write_atv(atv, &mut out);
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
    let Some(key) = COMMON
        .iter()
        .find(|(oid, _)| *oid == atv.oid)
        .map(|(_, k)| k)
    else {
        // A rare attribute type: `x509-cert` looks its name up in the OID database.
        let _ = write!(out, "{atv}");
        return;
    };
    if let Some(value) = value {
        out.push_str(key);
        out.push('=');
        // Most values need no escape: copied whole.
        let plain = !value.starts_with(['#', ' '])
            && !value.ends_with(' ')
            && !value.bytes().any(|b| {
                matches!(
                    b,
                    b'"' | b'+' | b',' | b';' | b'<' | b'>' | b'\\' | 0x00..=0x1f | 0x7f
                )
            });
        if plain {
            out.push_str(value);
            return;
        }
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
    use der::oid::db::DB;
    use der::Decode;

    #[test]
    fn common_names_are_the_databases_shortest() {
        for (oid, name) in super::COMMON {
            let shortest = DB
                .find_names_for_oid(oid)
                .reduce(|best, n| if n.len() < best.len() { n } else { best })
                .map(|n| n.to_ascii_uppercase());
            assert_eq!(shortest.as_deref(), Some(name), "{oid}");
        }
    }

    #[test]
    fn same_as_x509_cert_for_every_common_and_a_rare_type() {
        use std::str::FromStr;
        let text = "CN=\\#dev\\,ice\\ ,C=DE,O=Acme+OU=Ops,L=Berlin,ST=BE,serialNumber=42,street=Main 1,SN=Doe,\
                    givenName=Jo,postalCode=10115,emailAddress=a@b.example,DC=example,\
                    2.5.4.97=#0c09564154444531323334,1.3.6.1.4.1.311.60.2.1.3=#13024445";
        let name = x509_cert::name::RdnSequence::from_str(text).unwrap();
        assert_eq!(super::format(&name), name.to_string());
        assert!(name.to_string().contains("EMAIL=a@b.example"));
        // Values copied whole and values escaped character by character, side by side.
        for text in [
            "CN=\\ lead,O=trail\\ ,OU=a\\\"b\\;c\\<d\\>e\\+f\\\\g,L=Z\u{fc}rich",
            "CN=in#side,O=mid dle,OU=\\#,L=\\ ,ST=x",
            "CN=AWS IoT Certificate",
        ] {
            let name = x509_cert::name::RdnSequence::from_str(text).unwrap();
            assert_eq!(super::format(&name), name.to_string(), "{text}");
        }
    }

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
