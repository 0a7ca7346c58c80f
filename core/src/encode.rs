//! PEM output with an explicit line ending and final-newline policy (64-column body, RFC 7468).

use pem_rfc7468::LineEnding;

use crate::error::{Error, ErrorKind, Result};

/// Line ending of generated text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Eol {
    /// `\n` (what OpenSSL writes; what nRF91, BearSSL and most stacks want).
    #[default]
    Lf,
    /// `\r\n` (Azure samples, some module consoles).
    CrLf,
}

impl Eol {
    /// The bytes of one line break.
    pub fn as_str(self) -> &'static str {
        match self {
            Eol::Lf => "\n",
            Eol::CrLf => "\r\n",
        }
    }
}

/// How to write PEM text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PemStyle {
    /// Line ending.
    pub eol: Eol,
    /// Whether the text ends with a line break after the END line (OpenSSL: yes).
    pub final_newline: bool,
}

impl Default for PemStyle {
    fn default() -> Self {
        PemStyle {
            eol: Eol::Lf,
            final_newline: true,
        }
    }
}

/// PEM label of a certificate.
pub const CERTIFICATE: &str = "CERTIFICATE";
/// PEM label of a PKCS#1 RSA private key.
pub const RSA_PRIVATE_KEY: &str = "RSA PRIVATE KEY";
/// PEM label of a SEC1 EC private key.
pub const EC_PRIVATE_KEY: &str = "EC PRIVATE KEY";
/// PEM label of an unencrypted PKCS#8 private key.
pub const PRIVATE_KEY: &str = "PRIVATE KEY";
/// PEM label of an SPKI public key.
pub const PUBLIC_KEY: &str = "PUBLIC KEY";

/// Encode `der` as PEM with `label` in `style`.
pub fn pem(label: &str, der: &[u8], style: PemStyle) -> Result<String> {
    if der.is_empty() || !plain_label(label) {
        return pem_reference(label, der, style);
    }
    let eol = style.eol.as_str().as_bytes();
    let boundary = |kind: &str| 5 + kind.len() + label.len() + 5 + eol.len();
    let mut text = Vec::with_capacity(
        boundary("BEGIN ") + crate::base64::wrapped_len(der.len(), eol.len()) + boundary("END "),
    );
    for part in [b"-----BEGIN ".as_slice(), label.as_bytes(), b"-----", eol] {
        text.extend_from_slice(part);
    }
    crate::base64::encode_wrapped(der, eol, &mut text);
    for part in [b"-----END ".as_slice(), label.as_bytes(), b"-----"] {
        text.extend_from_slice(part);
    }
    if style.final_newline {
        text.extend_from_slice(eol);
    }
    // Only ASCII went in: this never fails.
    String::from_utf8(text).map_err(|_| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("cannot encode PEM \"{label}\""),
            "",
        )
    })
}

/// Labels the fast path writes exactly as `pem_rfc7468` does: capitals, digits and single spaces (every label
/// certpack uses). Anything else goes through `pem_rfc7468`, which also rejects what RFC 7468 forbids.
fn plain_label(label: &str) -> bool {
    label
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ')
        && !label.contains("  ")
}

/// `pem` through `pem_rfc7468` (the reference the fast path is tested against).
fn pem_reference(label: &str, der: &[u8], style: PemStyle) -> Result<String> {
    let line_ending = match style.eol {
        Eol::Lf => LineEnding::LF,
        Eol::CrLf => LineEnding::CRLF,
    };
    let mut text = pem_rfc7468::encode_string(label, line_ending, der).map_err(|e| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("cannot encode PEM \"{label}\" ({e})"),
            "",
        )
    })?;
    if !style.final_newline {
        let trimmed = text.trim_end_matches(['\r', '\n']).len();
        text.truncate(trimmed);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles() {
        let lf = pem("X", b"abc", PemStyle::default()).unwrap();
        assert_eq!(lf, "-----BEGIN X-----\nYWJj\n-----END X-----\n");
        let crlf = pem(
            "X",
            b"abc",
            PemStyle {
                eol: Eol::CrLf,
                final_newline: false,
            },
        )
        .unwrap();
        assert_eq!(crlf, "-----BEGIN X-----\r\nYWJj\r\n-----END X-----");
    }

    proptest::proptest! {
        #[test]
        fn fast_path_matches_pem_rfc7468(
            der in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..1500),
            label in proptest::sample::select(vec![CERTIFICATE, RSA_PRIVATE_KEY, EC_PRIVATE_KEY, PRIVATE_KEY, PUBLIC_KEY, "X", "TRUSTED CERTIFICATE", "A  B", "x-y"]),
            crlf: bool,
            final_newline: bool,
        ) {
            let style = PemStyle { eol: if crlf { Eol::CrLf } else { Eol::Lf }, final_newline };
            let fast = pem(label, &der, style).map_err(|e| e.to_string());
            let reference = pem_reference(label, &der, style).map_err(|e| e.to_string());
            proptest::prop_assert_eq!(fast, reference);
        }
    }
}
