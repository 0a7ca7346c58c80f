//! Lenient PEM scanning: finds every armoured block in a text input, repairing what real files contain
//! (CRLF, BOM, literal `\n`, leading text, flattened lines, odd widths) and recording each repair as a note.

use base64ct::{Base64, Encoding};
use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, Location, Result};

/// One PEM block found in a text input.
pub struct PemBlock {
    /// The label between `BEGIN ` and the dashes (e.g. `CERTIFICATE`).
    pub label: String,
    /// Decoded body.
    pub der: Zeroizing<Vec<u8>>,
    /// 1-based line of the BEGIN marker (in the normalised text).
    pub line: usize,
    /// RFC 1421 headers (`Proc-Type`, `DEK-Info`) present inside the block.
    pub headers: Vec<String>,
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

/// Normalise a text input: strip a BOM, turn literal `\n` escapes and CR/CRLF into LF. Returns the text and notes.
///
/// The text may hold a private key, so every copy is a pre-sized zeroizing buffer (no reallocation leaves a stray
/// copy behind).
pub fn normalise(text: &str) -> (Zeroizing<String>, Vec<String>) {
    let mut notes = Vec::new();
    // All of them: a file saved twice by a BOM-writing editor starts with two (normalising must be idempotent).
    let text = match text.trim_start_matches('\u{feff}') {
        rest if rest.len() < text.len() => {
            notes.push("a UTF-8 byte-order mark (BOM) at the start was removed".to_string());
            rest
        }
        _ => text,
    };
    let mut owned = Zeroizing::new(String::with_capacity(text.len()));
    if text.contains("-----BEGIN ") && (text.contains("\\n") || text.contains("\\r")) {
        // Literal `\r\n` (four characters), `\n` and `\r` (two characters) become one line break.
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if let Some(escape) = ["\\r\\n", "\\n", "\\r"]
                .iter()
                .find(|e| rest.starts_with(**e))
            {
                owned.push('\n');
                rest = &rest[escape.len()..];
            } else {
                owned.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        notes.push(
            "literal \\n escape sequences (as copied out of JSON) were turned into real line breaks".to_string(),
        );
    } else {
        owned.push_str(text);
    }
    if let Some(note) = describe_line_endings(&owned) {
        notes.push(note.to_string());
        let mut lf = Zeroizing::new(String::with_capacity(owned.len()));
        let mut chars = owned.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\r' {
                chars.next_if_eq(&'\n');
                lf.push('\n');
            } else {
                lf.push(c);
            }
        }
        owned = lf;
    }
    (owned, notes)
}

fn line_of(text: &str, byte: usize) -> usize {
    text.as_bytes()[..byte.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Find `-----BEGIN <label>-----` at or after `from`; returns (start, label, end of marker).
fn find_begin(text: &str, from: usize) -> Option<(usize, String, usize)> {
    let mut search = from;
    while let Some(rel) = text[search..].find("-----BEGIN ") {
        let start = search + rel;
        let label_start = start + "-----BEGIN ".len();
        if let Some(label_len) = text[label_start..].find("-----") {
            let label = &text[label_start..label_start + label_len];
            if !label.contains('\n') && label.len() <= 64 {
                return Some((start, label.trim().to_string(), label_start + label_len + 5));
            }
        }
        search = label_start;
    }
    None
}

fn is_base64_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='
}

/// Scan a normalised text for PEM blocks. `had_text` becomes true when the input contained a BEGIN marker.
pub fn scan(text: &str) -> Result<ScannedText> {
    let mut blocks = Vec::new();
    let mut notes = Vec::new();
    let mut pos = 0;
    // Line numbers are counted incrementally (blocks come in order), so scanning stays linear in the input.
    let (mut counted_to, mut counted_line) = (0, 1);
    while let Some((start, label, body_start)) = find_begin(text, pos) {
        counted_line += text.as_bytes()[counted_to..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        counted_to = start;
        let line = counted_line;
        let stray = text[pos..start].trim();
        if !stray.is_empty() {
            notes.push(format!(
                "text outside PEM blocks before line {line} was ignored ({})",
                describe_stray(stray)
            ));
        }
        let end_marker = format!("-----END {label}-----");
        let Some(rel_end) = text[body_start..].find(&end_marker) else {
            return Err(Error::new(
                ErrorKind::Pem,
                format!("the PEM block \"{label}\" has no matching \"{end_marker}\" line"),
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
                    "the PEM block \"{label}\" has no END line before the next BEGIN line (line {})",
                    line_of(text, body_start + next)
                ),
                "a block lost its END line while copying: add the missing \"-----END ...-----\" line or download the original file again",
            )
            .at(Location::Line(line)));
        }
        let (der, headers) = decode_body(body, &label, text, body_start)?;
        check_layout(body, &label, line, &mut notes);
        blocks.push(PemBlock {
            label,
            der,
            line,
            headers,
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

/// How a note shows ignored text: its start, unless it looks like base64, which may be a key that lost its
/// BEGIN/END line and must not be copied into notes, reports or logs.
fn describe_stray(stray: &str) -> String {
    let first = stray.lines().next().unwrap_or_default().trim();
    let base64ish = first.len() >= 16 && first.chars().all(is_base64_char);
    if base64ish {
        "it looks like base64, not shown: a block whose BEGIN or END line was lost?".to_string()
    } else {
        let shown: String = first.chars().take(40).collect();
        format!("starts with \"{shown}\"")
    }
}

/// Decode the base64 body of one block; RFC 1421 headers (`Proc-Type: ...`) are returned separately.
fn decode_body(
    body: &str,
    label: &str,
    text: &str,
    body_offset: usize,
) -> Result<(Zeroizing<Vec<u8>>, Vec<String>)> {
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
    der.truncate(len);
    Ok((der, headers))
}

/// Record non-standard layout: flattened PEM, trailing whitespace, lines not 64 columns.
fn check_layout(body: &str, label: &str, line: usize, notes: &mut Vec<String>) {
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
