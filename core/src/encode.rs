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
}
