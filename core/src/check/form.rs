//! CP6xx: how the input files are written: line endings, escapes, flattening, widths, NUL bytes, extra text,
//! PEM vs DER (F3, F4, F5, F7).
//!
//! certpack repairs all of these when it reads a file and writes clean outputs, so these findings matter when
//! the original file is used as it is (flashed, embedded or uploaded by another tool), and they explain failures
//! already seen with it. They come from the repair notes the loader records (`input/pem.rs`, `input/mod.rs`);
//! the phrases matched here are pinned by tests on `testdata/messy/`.

use super::{file_name, Code, Context, Finding, Severity};

pub(super) const LINE_ENDINGS: Code =
    Code::new("CP601", Severity::Warning, "CR or CRLF line endings");
pub(super) const LITERAL_ESCAPES: Code = Code::new(
    "CP602",
    Severity::Warning,
    "literal \\n escape sequences (PEM copied out of JSON)",
);
pub(super) const FLATTENED: Code = Code::new(
    "CP603",
    Severity::Warning,
    "PEM flattened onto one line or with spaces for line breaks",
);
pub(super) const LINE_WIDTH: Code = Code::new(
    "CP604",
    Severity::Warning,
    "base64 lines not 64 columns wide",
);
pub(super) const WHITESPACE: Code = Code::new(
    "CP605",
    Severity::Warning,
    "spaces or tabs at the start or end of PEM lines",
);
pub(super) const NO_FINAL_NEWLINE: Code = Code::new(
    "CP606",
    Severity::Info,
    "no line break at the end of the file",
);
pub(super) const BOM: Code = Code::new("CP607", Severity::Warning, "a UTF-8 byte-order mark");
pub(super) const NUL_OR_PADDING: Code = Code::new(
    "CP608",
    Severity::Warning,
    "NUL or 0xFF bytes after the data",
);
pub(super) const EXTRA_TEXT: Code = Code::new(
    "CP609",
    Severity::Warning,
    "text or blocks other than certificates and keys",
);
pub(super) const EC_PARAMETERS: Code = Code::new(
    "CP610",
    Severity::Warning,
    "an EC PARAMETERS block before the key",
);
pub(super) const NO_ARMOUR: Code = Code::new(
    "CP611",
    Severity::Warning,
    "base64 without PEM armour (no BEGIN/END lines)",
);
pub(super) const LABEL_MISMATCH: Code = Code::new(
    "CP612",
    Severity::Warning,
    "the PEM label does not match the content",
);
pub(super) const NAME_SAYS_OTHER_ENCODING: Code = Code::new(
    "CP613",
    Severity::Warning,
    "the file name says PEM but the file is DER, or the reverse",
);

/// Which code a loader note maps to.
fn classify(n: &str) -> Option<Code> {
    let code = if n.contains("byte-order mark") {
        BOM
    } else if n.contains("literal \\n escape sequences") {
        LITERAL_ESCAPES
    } else if n.contains("line endings were converted") || n.contains("line endings (CR, LF, CRLF)")
    {
        LINE_ENDINGS
    } else if n.contains("was flattened") {
        FLATTENED
    } else if n.contains("leading or trailing whitespace") {
        WHITESPACE
    } else if n.contains("not 64 columns wide") {
        LINE_WIDTH
    } else if n.contains("does not end with a line break") {
        NO_FINAL_NEWLINE
    } else if (n.contains("text after the last PEM block")
        && (n.contains('\0') || n.contains("\\0")))
        || n.contains("padding bytes (0x00/0xFF)")
    {
        NUL_OR_PADDING
    } else if n.contains("text outside PEM blocks")
        || n.contains("text after the last PEM block")
        || n.contains("certificate signing request")
    {
        EXTRA_TEXT
    } else if n.contains("EC PARAMETERS block") {
        EC_PARAMETERS
    } else if n.contains("base64 without PEM armour") {
        NO_ARMOUR
    } else {
        return None;
    };
    Some(code)
}

/// `the "CERTIFICATE" block at line 3` in a note, to tie notes about one block together.
fn block_of(note: &str) -> Option<&str> {
    let start = note.find("the \"")?;
    let end = note[start..].find(" at line ")? + start;
    let digits = note[end + 9..]
        .find(|c: char| !c.is_ascii_digit())
        .map_or(note.len(), |n| end + 9 + n);
    Some(&note[start..digits])
}

/// A note found for a file: its code, the block it is about (if any), and the note text.
struct Found<'a> {
    code: Code,
    path: Option<&'a str>,
    block: Option<&'a str>,
    text: &'a str,
}

pub(super) fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let paths = ctx.input_paths();
    let mut found: Vec<Found<'_>> = Vec::new();
    for note in ctx.bundle.notes() {
        let path = paths
            .iter()
            .filter(|p| note.starts_with(&format!("{p}: ")))
            .max_by_key(|p| p.len())
            .copied();
        let text = path.map_or(note.as_str(), |p| &note[p.len() + 2..]);
        if let Some(code) = classify(text) {
            found.push(Found {
                code,
                path,
                block: block_of(text),
                text,
            });
        }
    }
    // A flattened block also reports whitespace and widths, and a NUL-terminated file has no final line break:
    // report the cause only.
    let flattened: Vec<(Option<&str>, Option<&str>)> = found
        .iter()
        .filter(|f| f.code == FLATTENED)
        .map(|f| (f.path, f.block))
        .collect();
    let nul: Vec<Option<&str>> = found
        .iter()
        .filter(|f| f.code == NUL_OR_PADDING)
        .map(|f| f.path)
        .collect();
    found.retain(|f| {
        !((f.code == WHITESPACE || f.code == LINE_WIDTH) && flattened.contains(&(f.path, f.block)))
            && !(f.code == NO_FINAL_NEWLINE && nul.contains(&f.path))
    });
    // One finding per code and file.
    let mut done: Vec<(&str, Option<&str>)> = Vec::new();
    for f in &found {
        if done.contains(&(f.code.id, f.path)) {
            continue;
        }
        done.push((f.code.id, f.path));
        out.push(ctx.finding(f.code, |bare| {
            let details: Vec<&str> = found
                .iter()
                .filter(|g| g.code.id == f.code.id && g.path == f.path)
                .map(|g| g.text)
                .collect();
            describe(bare, f.path, &details)
        }));
    }
    for item in ctx.bundle.items() {
        for note in &item.notes {
            if note.contains("is labelled") && note.contains("but contains") {
                out.push(ctx.finding(LABEL_MISMATCH, |f| {
                    f.says(
                        format!(
                            "{}{}: {note}; stacks that trust the label (mbedTLS -0x3D00, wolfSSL) fail to parse it",
                            file_name(&item.origin.path),
                            item.origin.line.map(|l| format!(", line {l}")).unwrap_or_default()
                        ),
                        repair_hint(&item.origin.path),
                    )
                    .in_path(item.origin.path.clone())
                }));
            }
        }
    }
    for path in paths {
        let name = file_name(path).to_ascii_lowercase();
        let encodings = ctx.items_from(path).map(|i| i.origin.encoding.as_str());
        let message = if name.ends_with(".pem") && encodings.clone().all(|e| e == "der") {
            "is named .pem but holds binary DER: tools and APIs that go by the name parse it as PEM text and fail (mbedTLS -0x2180)"
        } else if name.ends_with(".der") && encodings.clone().all(|e| e == "pem") {
            "is named .der but holds PEM text: tools and APIs that go by the name parse it as DER and fail (mbedTLS -0x2180)"
        } else {
            continue;
        };
        out.push(ctx.finding(NAME_SAYS_OTHER_ENCODING, |f| {
            f.says(
                format!("{} {message}", file_name(path)),
                format!(
                    "rename the file after its content, or write the encoding the device needs: certpack convert {path} --to der -o <dir> (DER) or --to pem (PEM); certpack pack writes each target's encoding itself"
                ),
            )
            .in_path(path)
        }));
    }
}

/// `bare`, a finding of one code for one file, with its text from the loader's notes `details`.
fn describe(bare: Finding, path: Option<&str>, details: &[&str]) -> Finding {
    let file = path.map_or("an input", file_name);
    let blocks = {
        let list: Vec<&str> = details.iter().filter_map(|d| block_of(d)).collect();
        if list.is_empty() {
            "a PEM block".to_string()
        } else {
            list.join(", ")
        }
    };
    let message = match bare.code {
        "CP601" => {
            let kind = if details.iter().any(|d| d.contains("mixed")) {
                "mixed CR/LF/CRLF"
            } else if details.iter().any(|d| d.starts_with("CR (")) {
                "CR (old Mac)"
            } else {
                "CRLF (Windows)"
            };
            format!("{file} has {kind} line endings: modules that store the text as sent (nRF91 %CMNG, Quectel QFUPL, u-blox USECMNG) get other bytes and hashes, and BearSSL's PEM parser fails")
        }
        "CP602" => format!("{file} holds literal \\n escape sequences instead of line breaks (PEM copied out of JSON): every PEM parser rejects the file as it is"),
        "CP603" => format!("{file}: {blocks} is flattened (header, body and footer not on lines of their own, or spaces for line breaks): mbedTLS (-0x2180), u-blox (USECMNG invalid format) and nRF91 (+CME ERROR: 527) reject it"),
        "CP604" => format!("{file}: the base64 lines of {blocks} are not 64 columns wide: strict PEM parsers and some modem firmware reject them"),
        "CP605" => format!("{file}: {blocks} has spaces or tabs at the start or end of its lines: mbedTLS rejects PEM lines with trailing spaces"),
        "CP606" => format!("{file} does not end with a line break: tools that expect '-----END ...-----' followed by a newline (ESP-IDF gen_crt_bundle.py, AWS CertificateConfigurator) drop or cut the last line"),
        "CP607" => format!("{file} starts with a UTF-8 byte-order mark (a Windows editor wrote it): device PEM parsers do not skip it"),
        "CP608" => {
            let padding = details
                .iter()
                .find(|d| d.contains("padding bytes"))
                .and_then(|d| d.split(' ').next())
                .map_or("NUL".to_string(), |n| format!("{n} NUL/0xFF"));
            format!("{file} ends with {padding} byte(s) after the data (a C string's terminator, sizeof() instead of strlen(), or a padded flash dump): uploaded or embedded as is, the size counts them (Quectel QFUPL 1189 instead of 1188) and wolfSSL and DER parsers reject them; only in-memory PEM for mbedTLS needs a NUL, and targets add it where they need it")
        }
        "CP609" => format!("{file} holds more than certificates and keys ({}): modules that take the file as it is (nRF91 %CMNG, u-blox USECMNG, Quectel) reject it", printable(&details.join("; "))),
        "CP610" => format!("{file} has an EC PARAMETERS block before the key (openssl ecparam -genkey output): the nRF91 modem and other stacks reject the key written with it"),
        "CP611" => format!("{file} is base64 without PEM armour (no -----BEGIN/END----- lines): PEM parsers do not find it, DER parsers need it decoded"),
        _ => format!("{file}: {}", printable(&details.join("; "))),
    };
    let finding = bare.says(
        message,
        path.map_or_else(|| repair_hint("FILE"), repair_hint),
    );
    match path {
        Some(p) => finding.in_path(p),
        None => finding,
    }
}

/// Control characters from file text shown as escapes (a note can quote a few characters of the input).
fn printable(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn repair_hint(path: &str) -> String {
    format!(
        "certpack's outputs are already repaired (LF, 64 columns, one final line break, nothing else); to fix the file itself: certpack convert {path} --to pem -o fixed/"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_names_are_found() {
        assert_eq!(
            block_of("the \"CERTIFICATE\" block at line 12 was flattened (header...)"),
            Some("the \"CERTIFICATE\" block at line 12")
        );
        assert_eq!(block_of("CRLF line endings were converted to LF"), None);
    }
}
