//! Lenient PEM scanning: finds every armoured block in a text input, repairing what real files contain
//! (CRLF, BOM, literal `\n`, leading text, flattened lines, odd widths) and recording each repair as a note.

use std::borrow::Cow;

use base64ct::{Base64, Encoding};
use zeroize::Zeroizing;

use crate::base64::LINE;
use crate::wipe::{wipe, SecretBytes};

use crate::error::{Error, ErrorKind, Location, Result};

/// One PEM block found in a text input.
pub struct PemBlock {
    /// The label between `BEGIN ` and the dashes (e.g. `CERTIFICATE`).
    pub label: String,
    /// Decoded body (may be a key: wiped on drop).
    pub der: SecretBytes,
    /// 1-based line of the BEGIN marker (in the normalised text).
    pub line: usize,
    /// RFC 1421 headers (`Proc-Type`, `DEK-Info`) present inside the block.
    pub headers: Vec<String>,
    /// Where the block (BEGIN line to END marker, without the line break after it) sits in the scanned text when
    /// it is in OpenSSL's layout: 64-column lines of canonical base64 (strict decoding refuses any other) and
    /// nothing around the label, so the text is exactly what encoding `der` under `label` gives.
    pub canonical: Option<std::ops::Range<usize>>,
}

/// The result of scanning one text input.
pub struct ScannedText {
    /// The blocks in file order.
    pub blocks: Vec<PemBlock>,
    /// What was repaired or ignored, in words the user can act on.
    pub notes: Vec<String>,
}

/// Line-ending style found in a text.
fn describe_line_endings(text: &str) -> Option<&'static str> {
    let crlf = text.matches("\r\n").count();
    let cr = text.matches('\r').count() - crlf;
    let lf = text.matches('\n').count() - crlf;
    match (crlf > 0, cr > 0, lf > 0) {
        (false, false, _) => None,
        (true, false, false) => Some("CRLF line endings were converted to LF"),
        (false, true, false) => Some("CR (old Mac) line endings were converted to LF"),
        _ => Some("mixed line endings (CR, LF, CRLF) were normalised to LF"),
    }
}

/// A normalised text: the input itself when nothing needed repair, else a repaired copy that is wiped when
/// dropped (the text may hold a private key).
pub struct Normalised<'a>(Cow<'a, str>);

impl std::ops::Deref for Normalised<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Drop for Normalised<'_> {
    fn drop(&mut self) {
        if let Cow::Owned(text) = &mut self.0 {
            wipe(&mut std::mem::take(text).into_bytes());
        }
    }
}

/// Normalise a text input: strip a BOM, turn literal `\n` escapes and CR/CRLF into LF. Returns the text and notes.
pub fn normalise(text: &str) -> (Normalised<'_>, Vec<String>) {
    let mut notes = Vec::new();
    // All of them: a file saved twice by a BOM-writing editor starts with two (normalising must be idempotent).
    let trimmed = text.trim_start_matches('\u{feff}');
    if trimmed.len() < text.len() {
        notes.push("a UTF-8 byte-order mark (BOM) at the start was removed".to_string());
    }
    let text = trimmed;
    let bytes = text.as_bytes();
    let has_escape = bytes.contains(&b'\\')
        && text.contains("-----BEGIN ")
        && (text.contains("\\n") || text.contains("\\r"));
    if !has_escape && !bytes.contains(&b'\r') {
        // Nothing to repair (the common case): no copy.
        return (Normalised(Cow::Borrowed(text)), notes);
    }
    let mut owned = Normalised(Cow::Owned(text.to_string()));
    if has_escape {
        let replaced = owned
            .replace("\\r\\n", "\n")
            .replace("\\n", "\n")
            .replace("\\r", "\n");
        owned = Normalised(Cow::Owned(replaced));
        notes.push(
            "literal \\n escape sequences (as copied out of JSON) were turned into real line breaks".to_string(),
        );
    }
    if let Some(note) = describe_line_endings(&owned) {
        notes.push(note.to_string());
        let replaced = owned.replace("\r\n", "\n").replace('\r', "\n");
        owned = Normalised(Cow::Owned(replaced));
    }
    (owned, notes)
}

/// 1-based line of byte `byte`, counting on from a known (`from`, `line`) earlier in the text.
fn line_from(text: &str, from: usize, line: usize, byte: usize) -> usize {
    let span = text
        .as_bytes()
        .get(from..byte.min(text.len()))
        .unwrap_or_default();
    line + span.iter().filter(|&&b| b == b'\n').count()
}

fn line_of(text: &str, byte: usize) -> usize {
    line_from(text, 0, 1, byte)
}

/// Find `-----BEGIN <label>-----` at or after `from`; returns (start, label, end of marker).
fn find_begin(text: &str, from: usize) -> Option<(usize, String, usize)> {
    let mut search = from;
    while let Some(start) = find_dashed(text, search, "-----BEGIN ") {
        let label_start = start + "-----BEGIN ".len();
        if let Some(label_len) = find_dashed(text, label_start, "-----").map(|at| at - label_start)
        {
            let label = &text[label_start..label_start + label_len];
            if !label.contains('\n') && label.len() <= 64 {
                return Some((start, label.trim().to_string(), label_start + label_len + 5));
            }
        }
        search = label_start;
    }
    None
}

/// Where `needle` (which starts with `-`) first occurs in `text` at or after `from`, as `text[from..].find(needle)`
/// would say (but as an index into `text`): PEM text has few dashes, and looking at each is cheaper than setting up
/// a substring search for every marker.
fn find_dashed(text: &str, from: usize, needle: &str) -> Option<usize> {
    let (bytes, needle) = (text.as_bytes(), needle.as_bytes());
    let mut at = from;
    loop {
        at += bytes.get(at..)?.iter().position(|&b| b == b'-')?;
        if bytes[at..].starts_with(needle) {
            return Some(at);
        }
        at += 1;
    }
}

/// The common case in one pass: a block body in OpenSSL's layout (a line break after the BEGIN marker, lines of
/// 64 base64 characters, a shorter or padded last one, each ending with a line break, then `end_marker`): the
/// layout is checked first, then the full lines are decoded in one pass and the last line after them. Returns the
/// DER and the body's length. Such a body gets no layout note and has no headers; `None`
/// sends anything else through the general path, which finds the same blocks and reports every problem.
fn decode_standard_block(rest: &str, end_marker: &str) -> Option<(SecretBytes, usize)> {
    let bytes = rest.as_bytes();
    if bytes.first() != Some(&b'\n') {
        return None;
    }
    // The full lines (64 characters and a line break, no padding), then a shorter or padded last line, then the
    // END marker.
    let start = 1;
    let mut pos = start;
    while bytes.get(pos + LINE) == Some(&b'\n')
        && bytes[pos] != b'-'
        && bytes[pos + LINE - 1] != b'='
        && !bytes[pos..pos + LINE].contains(&b'\n')
    {
        pos += LINE + 1;
    }
    let full = pos;
    let last = if bytes.get(pos) == Some(&b'-') {
        0
    } else {
        let len = rest.get(pos..)?.find('\n').filter(|&n| n <= LINE)?;
        if len == 0 || len % 4 != 0 {
            return None;
        }
        len
    };
    let end = if last == 0 { pos } else { pos + last + 1 };
    if end == start || !rest.get(end..)?.starts_with(end_marker) {
        return None;
    }
    let mut der = SecretBytes::default();
    let out = der.vec_mut();
    crate::wipe::reserve(
        out,
        (full - start) / (LINE + 1) * (LINE / 4 * 3) + last / 4 * 3,
    );
    if !crate::base64::decode_full_lines(&bytes[start..full], out) {
        return None;
    }
    if last > 0 && !crate::base64::decode_strict(&bytes[pos..pos + last], out) {
        return None;
    }
    Some((der, end))
}

/// Where `marker` first occurs in `rest`. A PEM body holds no `-`, so the first `-` is nearly always the END
/// marker.
fn find_end(rest: &str, marker: &str) -> Option<usize> {
    find_dashed(rest, 0, marker)
}

fn is_base64_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='
}

/// Scan a normalised text for PEM blocks. `had_text` becomes true when the input contained a BEGIN marker.
pub fn scan(text: &str) -> Result<ScannedText> {
    let mut blocks = Vec::new();
    let mut notes = Vec::new();
    let mut pos = 0;
    // Lines are counted on from the previous block, not from the start of the text each time.
    let mut counted = (0, 1);
    while let Some((start, label, body_start)) = find_begin(text, pos) {
        let line = line_from(text, counted.0, counted.1, start);
        counted = (start, line);
        let stray = text[pos..start].trim();
        if !stray.is_empty() {
            notes.push(format!(
                "text outside PEM blocks before line {line} was ignored ({})",
                describe_stray(stray)
            ));
        }
        let end_marker = format!("-----END {label}-----");
        if let Some((der, body_len)) = decode_standard_block(&text[body_start..], &end_marker) {
            let end = body_start + body_len + end_marker.len();
            // `-----BEGIN ` + label + `-----`: no blanks around the label.
            let plain_begin = body_start - start == label.len() + 16;
            blocks.push(PemBlock {
                canonical: plain_begin.then_some(start..end),
                label,
                der,
                line,
                headers: Vec::new(),
            });
            pos = end;
            continue;
        }
        // Past the common case, the label goes into messages: as they may show it.
        let shown = shown_label(&label);
        let Some(rel_end) = find_end(&text[body_start..], &end_marker) else {
            return Err(Error::new(
                ErrorKind::Pem,
                format!("the PEM block \"{shown}\" has no matching \"-----END {shown}-----\" line"),
                "the file is truncated or was pasted incompletely: copy the whole block, up to and including its END line",
            )
            .at(Location::Line(line)));
        };
        let body_end = body_start + rel_end;
        let body = &text[body_start..body_end];
        if let Some(next) = body.find("-----BEGIN ") {
            return Err(Error::new(
                ErrorKind::Pem,
                format!(
                    "the PEM block \"{shown}\" has no END line before the next BEGIN line (line {})",
                    line_of(text, body_start + next)
                ),
                "a block lost its END line while copying: add the missing \"-----END ...-----\" line or download the original file again",
            )
            .at(Location::Line(line)));
        }
        let (der, headers) = decode_body(body, &shown, text, body_start)?;
        check_layout(body, &shown, line, &mut notes);
        blocks.push(PemBlock {
            label,
            der,
            line,
            headers,
            canonical: None,
        });
        pos = body_end + end_marker.len();
    }
    let tail = text[pos..].trim();
    if !blocks.is_empty() && !tail.is_empty() {
        notes.push(format!(
            "text after the last PEM block was ignored ({})",
            describe_stray(tail)
        ));
    }
    Ok(ScannedText { blocks, notes })
}

/// How a note shows ignored text: its start, unless it holds base64, which may be a key that lost its
/// BEGIN/END line and must not be copied into notes, reports or logs.
fn describe_stray(stray: &str) -> String {
    let first = stray.lines().next().unwrap_or_default().trim();
    if may_be_key_material(first) {
        "it holds base64, not shown: a block whose BEGIN or END line was lost?".to_string()
    } else {
        // Control characters (NUL padding, escape sequences) are shown escaped, not printed to the terminal.
        let shown: String = first
            .chars()
            .take(40)
            .flat_map(char::escape_debug)
            .collect();
        format!("starts with \"{shown}\"")
    }
}

/// Whether `text` holds a run of 12 base64 characters, which may be key material (e.g. a key whose BEGIN line lost
/// its dashes, so its first body line follows the label): such text is described, never quoted. No PEM label has
/// such a run ("CERTIFICATE" is 11 characters).
fn may_be_key_material(text: &str) -> bool {
    text.split(|c: char| !is_base64_char(c))
        .any(|run| run.len() >= 12)
}

/// A PEM label as messages and reports show it: itself, unless it may be key material (a damaged or forged BEGIN
/// line), which is never copied into notes, errors or reports.
pub(crate) fn shown_label(label: &str) -> std::borrow::Cow<'_, str> {
    if may_be_key_material(label) {
        "<base64, not shown>".into()
    } else {
        label.into()
    }
}

/// Decode the base64 body of one block; RFC 1421 headers (`Proc-Type: ...`) are returned separately. `label` is
/// for messages, as [`shown_label`] gives it.
fn decode_body(
    body: &str,
    label: &str,
    text: &str,
    body_offset: usize,
) -> Result<(SecretBytes, Vec<String>)> {
    if let Some(der) = decode_plain_body(body.as_bytes()) {
        return Ok((der, Vec::new()));
    }
    let mut headers = Vec::new();
    let mut b64 = Zeroizing::new(String::with_capacity(body.len()));
    let mut offset = body_offset;
    for raw_line in body.split_inclusive('\n') {
        let line = raw_line.trim();
        if line.contains(':') && b64.is_empty() {
            headers.push(line.to_string());
        } else {
            for (i, c) in line.char_indices() {
                if is_base64_char(c) {
                    b64.push(c);
                } else if !c.is_whitespace() {
                    let at = line_of(text, offset + raw_line.find(line).unwrap_or(0) + i);
                    return Err(Error::new(
                        ErrorKind::Pem,
                        format!("the \"{label}\" block contains the character {c:?}, which is not base64"),
                        "the text was altered (curly quotes, ellipsis or markup from a web page or chat): download the original file again",
                    )
                    .at(Location::Line(at)));
                }
            }
        }
        offset += raw_line.len();
    }
    if b64.is_empty() {
        return Err(Error::new(
            ErrorKind::Pem,
            format!("the \"{label}\" block is empty"),
            "copy the whole block, including the base64 lines between BEGIN and END",
        )
        .at(Location::Line(line_of(text, body_offset))));
    }
    // Decode into a zeroizing buffer of the largest possible size (base64 is at least 4/3 of its data).
    let mut der = Zeroizing::new(vec![0u8; b64.len() / 4 * 3 + 3]);
    let len = Base64::decode(b64.as_bytes(), &mut der[..]).map(|d| d.len()).map_err(|_| {
        Error::new(
            ErrorKind::Pem,
            format!(
                "the base64 body of the \"{label}\" block does not decode ({} characters; a multiple of 4 with '=' padding is expected)",
                b64.len()
            ),
            "the block is truncated or lines were lost while copying: download the original file again",
        )
        .at(Location::Line(line_of(text, body_offset)))
    })?;
    let mut der = std::mem::take(&mut *der);
    der.truncate(len);
    Ok((SecretBytes::new(der), headers))
}

/// The common case, decoded fast: an ASCII body without headers, only base64 characters and whitespace,
/// canonical padding. `None` sends anything else through the general path (same results, same errors).
fn decode_plain_body(body: &[u8]) -> Option<SecretBytes> {
    if body.contains(&b':') {
        return None;
    }
    let mut b64 = Vec::with_capacity(body.len());
    for &b in body {
        if b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=') {
            b64.push(b);
        } else if !matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
            wipe(&mut b64);
            return None;
        }
    }
    let mut der = Vec::with_capacity(b64.len() / 4 * 3 + 3);
    let ok = crate::base64::decode_strict(&b64, &mut der);
    wipe(&mut b64);
    let der = SecretBytes::new(der);
    ok.then_some(der)
}

/// The layout OpenSSL writes: the body starts and ends with a line break, every line is 64 base64 characters
/// except a shorter last one, nothing else (no blank lines, spaces or headers). Such a body gets no layout note.
fn is_standard_layout(body: &[u8]) -> bool {
    let Some(inner) = body.strip_prefix(b"\n").and_then(|b| b.strip_suffix(b"\n")) else {
        return false;
    };
    let base64_or_break =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'\n');
    if inner.is_empty() || !inner.iter().all(|&b| base64_or_break(b)) {
        return false;
    }
    let mut lines = inner.split(|&b| b == b'\n').peekable();
    while let Some(l) = lines.next() {
        let last = lines.peek().is_none();
        if l.is_empty() || l.len() > 64 || (!last && l.len() != 64) {
            return false;
        }
    }
    true
}

/// Record non-standard layout: flattened PEM, trailing whitespace, lines not 64 columns. `label` is for messages, as
/// [`shown_label`] gives it.
fn check_layout(body: &str, label: &str, line: usize, notes: &mut Vec<String>) {
    if !is_standard_layout(body.as_bytes()) {
        check_layout_general(body, label, line, notes);
    }
}

fn check_layout_general(body: &str, label: &str, line: usize, notes: &mut Vec<String>) {
    let lines: Vec<&str> = body
        .split('\n')
        .map(|l| l.trim_end_matches([' ', '\t']))
        .filter(|l| !l.trim().is_empty() && !l.contains(':'))
        .collect();
    let blank = [' ', '\t'];
    if !body.trim_start_matches(blank).starts_with('\n')
        || !body.trim_end_matches(blank).ends_with('\n')
        || lines.iter().any(|l| l.trim().contains(' '))
    {
        notes.push(format!(
            "the \"{label}\" block at line {line} was flattened (header, body and footer not on lines of their own, or spaces for line breaks); it was re-wrapped"
        ));
    }
    if body
        .split('\n')
        .any(|l| l != l.trim_end_matches([' ', '\t']) || l.starts_with([' ', '\t']))
    {
        notes.push(format!(
            "the \"{label}\" block at line {line} has leading or trailing whitespace on its lines; it was removed"
        ));
    }
    let widths_ok = lines
        .iter()
        .enumerate()
        .all(|(i, l)| l.trim().len() == 64 || (i + 1 == lines.len() && l.trim().len() <= 64));
    if !widths_ok {
        notes.push(format!(
            "the \"{label}\" block at line {line} has base64 lines that are not 64 columns wide; outputs are re-wrapped at 64"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The fast layout check only skips bodies the general check has nothing to say about.
        #[test]
        fn standard_layout_gets_no_note(parts in proptest::collection::vec(
            prop::sample::select(vec![
                "\n",
                "MIIDQTCCAimgAwIBAgITBmyfz5m/jAo54vB4ikPmljZbyjANBgkqhkiG9w0BAQsF",
                "MIIDQTCCAimgAwIBAgITBmyfz5m/jAo54vB4ikPmljZbyjANBgkqhkiG9w0BAQs",
                "AA==", " ", "\t", ":", "\u{b}", "\u{a0}", "-",
            ]),
            0..8,
        )) {
            let body: String = parts.concat();
            let mut notes = Vec::new();
            check_layout_general(&body, "X", 1, &mut notes);
            if is_standard_layout(body.as_bytes()) {
                prop_assert!(notes.is_empty(), "{:?}: {:?}", body, notes);
            }
        }
    }

    proptest! {
        /// The one-pass decoder of OpenSSL-layout bodies agrees with the general path wherever it answers.
        #[test]
        fn dashed_markers_are_found_where_str_find_finds_them(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec!["-", "--", "-----", "-----BEGIN ", "-----END X-----", "A", "\n", "é", "BEGIN "]),
                0..12,
            ),
            from in any::<usize>(),
        ) {
            let text: String = pieces.concat();
            let from = from % (text.len() + 1);
            prop_assume!(text.is_char_boundary(from));
            for needle in ["-----BEGIN ", "-----", "-----END X-----"] {
                prop_assert_eq!(find_dashed(&text, from, needle), text[from..].find(needle).map(|n| from + n));
            }
        }

        #[test]
        fn standard_block_same_as_general_path(
            data in proptest::collection::vec(any::<u8>(), 0..200),
            insert in proptest::sample::select(vec!["", "\n", " ", "=", "-", "A", ":", "\t", "AA==", "\n\n"]),
            at in any::<usize>(),
        ) {
            let b64 = Base64::encode_string(&data);
            let mut body = String::from("\n");
            for line in b64.as_bytes().chunks(64) {
                body.push_str(std::str::from_utf8(line).unwrap());
                body.push('\n');
            }
            let at = at % (body.len() + 1);
            body.insert_str(at, insert);
            let marker = "-----END X-----";
            let rest = format!("{body}{marker}\n");
            if let Some((der, len)) = decode_standard_block(&rest, marker) {
                prop_assert_eq!(find_end(&rest, marker), Some(len));
                let (general, headers) = decode_body(&rest[..len], "X", &rest, 0).unwrap();
                prop_assert_eq!(&general[..], &der[..]);
                prop_assert!(headers.is_empty());
                let mut notes = Vec::new();
                check_layout_general(&rest[..len], "X", 1, &mut notes);
                prop_assert!(notes.is_empty(), "{:?}", notes);
            } else {
                prop_assert!(!insert.is_empty() || data.is_empty(), "a plain body must take the fast path");
            }
        }
    }

    proptest! {
        /// A block marked canonical is exactly what certpack's PEM encoder writes for its label and DER (so the text
        /// can stand in for encoding again); an encoder's output is always marked.
        #[test]
        fn canonical_blocks_are_the_encoders_text(
            data in proptest::collection::vec(any::<u8>(), 1..300),
            label in proptest::sample::select(vec!["CERTIFICATE", "RSA PRIVATE KEY", "EC PRIVATE KEY"]),
            insert in proptest::sample::select(vec!["", "\n", " ", "=", "A", "AA==", "\n\n", "  "]),
            at in any::<usize>(),
        ) {
            let encoded = crate::encode::pem(label, &data, Default::default()).unwrap();
            let block = |text: &str| scan(text).ok().and_then(|s| s.blocks.into_iter().next());
            let plain = block(&encoded).unwrap();
            prop_assert_eq!(plain.canonical.clone().map(|r| &encoded[r]), Some(encoded.trim_end()));
            let mut text = encoded.clone();
            let at = at % (text.len() + 1);
            text.insert_str(at, insert);
            if let Some(found) = block(&text) {
                if let Some(range) = found.canonical {
                    let again = crate::encode::pem(&found.label, &found.der, Default::default()).unwrap();
                    prop_assert_eq!(format!("{}\n", &text[range]), again);
                }
            }
        }
    }

    #[test]
    fn end_marker_found_past_other_dashes() {
        assert_eq!(
            find_end("\nAB\n-----END X-----", "-----END X-----"),
            Some(4)
        );
        assert_eq!(
            find_end("\nA-B\n-----END X-----", "-----END X-----"),
            Some(5)
        );
        assert_eq!(find_end("\nAB\n", "-----END X-----"), None);
    }

    #[test]
    fn labels_are_shown_unless_they_hold_base64() {
        for label in [
            "CERTIFICATE",
            "TRUSTED CERTIFICATE",
            "ENCRYPTED PRIVATE KEY",
            "OPENSSH PRIVATE KEY",
            "X509 CRL",
        ] {
            assert_eq!(shown_label(label), label);
        }
        assert_eq!(shown_label("MIIEowIBAAKCAQEAuK8r"), "<base64, not shown>");
    }

    /// A BEGIN line whose label is a key's first base64 line: no note or error repeats it.
    #[test]
    fn a_label_of_base64_is_not_repeated() {
        let secret = "MIIEowIBAAKCAQEAuK8rwh/eKTEYeTtzB+CqPchi";
        for body in ["\nAAAA\n", "\n\n", "\nA&A\n", "\nAAAA AAA\n", " AAAA "] {
            let text = format!("-----BEGIN {secret}-----{body}-----END {secret}-----\n");
            let said = match scan(&text) {
                Ok(scanned) => scanned.notes.join("\n"),
                Err(e) => format!("{} {}", e.message(), e.hint()),
            };
            assert!(!said.contains("uK8rwh"), "{body:?}: {said}");
        }
        let text = format!("-----BEGIN {secret}-----\nAAAA\n");
        let Err(e) = scan(&text) else {
            panic!("a block without its END line is an error")
        };
        assert!(!e.message().contains("uK8rwh"), "{}", e.message());
    }
}
