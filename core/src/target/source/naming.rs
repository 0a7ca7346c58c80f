//! Naming and escaping shared by the source-code targets: how each tool turns a file name into a symbol
//! (`xxd -i`, CMake `MAKE_C_IDENTIFIER`, GNU `objcopy -I binary`), C string literal escaping and text that is safe
//! inside a generated comment.

use crate::error::{Error, ErrorKind, Result};

/// The variable name `xxd -i PATH` derives from `PATH` exactly as given: every byte that is not an ASCII letter or
/// digit becomes `_`, and a name starting with a digit gets a `__` prefix (`1-device.der` → `__1_device_der`).
pub fn xxd_name(path: &str) -> String {
    let mut name = String::with_capacity(path.len() + 2);
    if path.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        name.push_str("__");
    }
    name.extend(path.bytes().map(alnum_or_underscore));
    name
}

/// CMake `string(MAKE_C_IDENTIFIER)`: every byte outside `[A-Za-z0-9_]` becomes `_`, and a leading digit gets a
/// `_` prefix (`1-device.cert.pem` → `_1_device_cert_pem`).
pub fn make_c_identifier(text: &str) -> String {
    let mut name = String::with_capacity(text.len() + 1);
    if text.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        name.push('_');
    }
    name.extend(text.bytes().map(alnum_or_underscore));
    name
}

/// The symbol GNU `objcopy -I binary PATH` defines: `_binary_<PATH>_<suffix>` with every byte that is not an ASCII
/// letter or digit turned into `_`; `suffix` is `start`, `end` or `size`.
pub fn objcopy_symbol(path: &str, suffix: &str) -> String {
    format!("_binary_{path}_{suffix}")
        .bytes()
        .map(alnum_or_underscore)
        .collect()
}

fn alnum_or_underscore(b: u8) -> char {
    if b.is_ascii_alphanumeric() {
        b as char
    } else {
        '_'
    }
}

/// True for a C (and Rust) identifier made of ASCII letters, digits and `_`, not starting with a digit.
pub fn is_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Check a user-chosen identifier or identifier prefix (`prefix`, `names` parameters).
pub fn check_identifier(target: &str, param: &str, value: &str, allow_empty: bool) -> Result<()> {
    if (allow_empty && value.is_empty()) || is_identifier(value) {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Target,
        format!(
            "parameter {param} of target {target} must be a C identifier (letters, digits, _; not starting with a digit), not \"{value}\""
        ),
        format!("e.g. --param {param}=aws_"),
    ))
}

/// Check a user-chosen file-name prefix: ASCII letters, digits, `_`, `-` and `.` only.
pub fn check_file_prefix(target: &str, value: &str) -> Result<()> {
    if value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && !value.starts_with('.')
    {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Target,
        format!("parameter prefix of target {target} must use only letters, digits, _, - and . (and not start with .), not \"{value}\""),
        "e.g. --param prefix=dev1_",
    ))
}

/// Check a relative folder inside a project (`src/certs`): `/`-separated parts of letters, digits, `_`, `-`, `.`,
/// no `..`, not absolute.
pub fn check_project_dir(target: &str, param: &str, value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        });
    if ok {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Target,
        format!("parameter {param} of target {target} must be a relative folder like src/certs (letters, digits, _, -, . and /; no .. or leading /), not \"{value}\""),
        format!("e.g. --param {param}=src/certs"),
    ))
}

/// The include guard for a header file name: `CERTPACK_` and the name upper-cased with non-alphanumerics as `_`.
pub fn include_guard(file_name: &str) -> String {
    format!(
        "CERTPACK_{}",
        file_name
            .bytes()
            .map(|b| alnum_or_underscore(b).to_ascii_uppercase())
            .collect::<String>()
    )
}

/// Escape one piece of text for the inside of a C string literal: `\n`, `\r`, `\t`, `\"`, `\\`, `\?` (no
/// trigraphs), other control and non-ASCII bytes as three-digit octal escapes (never ambiguous with what follows).
pub fn c_escape(text: &[u8], out: &mut String) {
    for &b in text {
        match b {
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'?' => out.push_str("\\?"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                out.push('\\');
                out.push(char::from(b'0' + (b >> 6)));
                out.push(char::from(b'0' + ((b >> 3) & 7)));
                out.push(char::from(b'0' + (b & 7)));
            }
        }
    }
}

/// Escape one piece of text for the inside of a Rust byte string literal (`b"..."`): `\n`, `\r`, `\t`, `\"`, `\\`,
/// `\0`, other bytes outside printable ASCII as `\xNN`.
pub fn rust_escape(text: &[u8], out: &mut String) {
    for &b in text {
        match b {
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0 => out.push_str("\\0"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let [hi, lo] = crate::cert::hex_pair(b);
                out.push_str("\\x");
                out.push(char::from(hi));
                out.push(char::from(lo));
            }
        }
    }
}

/// Split text into lines, each keeping its line ending (`\n` or `\r\n`); a last line without ending is kept too.
pub fn lines_with_endings(text: &[u8]) -> Vec<&[u8]> {
    text.split_inclusive(|&b| b == b'\n').collect()
}

/// Text from a certificate or a path made safe for any generated comment (C block or line comment, Rust, CMake,
/// INI): printable ASCII is kept, except that `/*` and `*/` get a space between and `??` becomes `?\?` (no
/// trigraph); control characters and non-ASCII become `<U+XXXX>`, so nothing in the input can end the comment,
/// add a line or hide text (no bidirectional controls).
pub fn comment_safe(text: &str) -> std::borrow::Cow<'_, str> {
    // Most text (a path, a subject) is printable ASCII with nothing to escape: used as it is. Without a `*` or a
    // `?` it cannot hold `*/`, `/*` or `??`, which one pass over the bytes tells (the compiler vectorises it).
    let bytes = text.as_bytes();
    let unusual = bytes.iter().fold(false, |any, &b| {
        any | !(b' '..=b'~').contains(&b) | (b == b'*') | (b == b'?')
    });
    let plain = !unusual
        || (bytes.iter().all(|b| (b' '..=b'~').contains(b))
            && !bytes
                .windows(2)
                .any(|pair| matches!(pair, [b'*', b'/'] | [b'/', b'*'] | [b'?', b'?'])));
    if plain {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(escape_comment(text))
    }
}

/// [`comment_safe`] character by character.
fn escape_comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev = '\0';
    for c in text.chars() {
        match c {
            '/' if prev == '*' => out.push_str(" /"),
            '*' if prev == '/' => out.push_str(" *"),
            '?' if prev == '?' => out.push_str("\\?"),
            ' '..='~' => out.push(c),
            _ => out.push_str(&format!("<U+{:04X}>", c as u32)),
        }
        prev = c;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(xxd_name("certs/client.crt.pem"), "certs_client_crt_pem");
        assert_eq!(xxd_name("1-device.sec1.key.der"), "__1_device_sec1_key_der");
        assert_eq!(xxd_name("é"), "__");
        assert_eq!(make_c_identifier("1-device.cert.pem"), "_1_device_cert_pem");
        assert_eq!(make_c_identifier("aws-root-ca.pem"), "aws_root_ca_pem");
        assert_eq!(
            objcopy_symbol("src/certs/ca.crt.pem", "start"),
            "_binary_src_certs_ca_crt_pem_start"
        );
        assert!(is_identifier("_a1") && !is_identifier("1a") && !is_identifier("a-b"));
        assert_eq!(include_guard("certs.h"), "CERTPACK_CERTS_H");
    }

    #[test]
    fn escapes() {
        let mut s = String::new();
        c_escape(b"a\"b\\c??=\r\n\x01\xff", &mut s);
        assert_eq!(s, "a\\\"b\\\\c\\?\\?=\\r\\n\\001\\377");
        let mut r = String::new();
        rust_escape(b"a\"\\\0\r\n\x7f", &mut r);
        assert_eq!(r, "a\\\"\\\\\\0\\r\\n\\x7f");
        assert_eq!(
            comment_safe("CN=x*/ int y; /*\u{202e}??/"),
            "CN=x* / int y; / *<U+202E>?\\?/"
        );
        // The copy of text with nothing to escape gives what escaping each character gives.
        let alphabet = ["*", "/", "?", "a", " ", "~", "\t", "\u{7f}", "é"];
        let mut texts = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = texts
                .iter()
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(longer);
        }
        for text in &texts {
            assert_eq!(comment_safe(text), escape_comment(text), "{text:?}");
        }
        assert_eq!(
            lines_with_endings(b"a\r\nb\nc"),
            vec![&b"a\r\n"[..], b"b\n", b"c"]
        );
    }
}
