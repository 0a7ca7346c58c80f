//! Reading inputs: files, folders and in-memory bytes, sniffed by content (PEM, DER, base64, AWS CLI JSON,
//! device containers), never by file name.

mod aws_json;
pub mod container;
mod files;
#[cfg(feature = "batch")]
pub(crate) use files::ParentFolder;
pub(crate) mod pem;

use std::path::Path;

use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, Location, Result};
use crate::item::{self, Content, Item, Origin, RawObject, Role};

/// Inputs and items larger than this are refused.
pub const MAX_INPUT_BYTES: usize = 1024 * 1024;

/// One input: a name (its path, or `<bytes #N>`) and its bytes (zeroized on drop: it may hold a key).
#[derive(Clone)]
pub struct Input {
    /// Path or display name.
    pub name: String,
    /// Raw content.
    pub bytes: Zeroizing<Vec<u8>>,
    /// True when the input came from expanding a folder: unrecognised files are then skipped with a note.
    pub from_folder: bool,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Input({}, {} bytes)", self.name, self.bytes.len())
    }
}

impl Drop for Input {
    /// Wipe the content a 64-bit word at a time (an input is often a key file; `Zeroizing` alone would clear it
    /// byte by byte, a few microseconds per device in a batch).
    fn drop(&mut self) {
        crate::wipe::wipe_zeroizing(&mut self.bytes);
    }
}

impl Input {
    /// An in-memory input.
    pub fn from_bytes(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Input {
        Input {
            name: name.into(),
            bytes: Zeroizing::new(bytes.into()),
            from_folder: false,
        }
    }

    /// Read a file, or every regular file of a folder (sorted by name, hidden files skipped).
    pub fn read_path(path: &Path) -> Result<Vec<Input>> {
        files::read_path(path)
    }
}

/// The type of a folder entry, a link followed to its target (the type comes with the listing: only links, or
/// a listing that gives none, need a look at the file itself).
#[cfg(any(not(unix), feature = "batch"))]
pub(crate) fn entry_type(entry: &std::fs::DirEntry) -> Option<std::fs::FileType> {
    match entry.file_type() {
        Ok(t) if !t.is_symlink() => Some(t),
        _ => std::fs::metadata(entry.path()).ok().map(|m| m.file_type()),
    }
}

fn too_large(len: usize) -> Error {
    Error::new(
        ErrorKind::TooLarge,
        format!("the input is {len} bytes; certpack refuses inputs over {MAX_INPUT_BYTES} bytes (1 MiB)"),
        "give certpack the certificate and key files themselves; a device bundle is a few kilobytes",
    )
}

/// Options for loading.
#[derive(Default, Clone)]
pub struct LoadOptions {
    /// Passphrase for encrypted PKCS#8 keys.
    pub passphrase: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for LoadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadOptions")
            .field(
                "passphrase",
                &self.passphrase.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Normalise a text input as loading does (BOM, literal `\n` escapes, CR/CRLF to LF), returning the text and the
/// repair notes. Exposed for the fuzz targets and property tests; not part of the stable API.
#[doc(hidden)]
pub fn normalise_text(text: &str) -> (Zeroizing<String>, Vec<String>) {
    let (normalised, notes) = pem::normalise(text);
    (Zeroizing::new(normalised.to_string()), notes)
}

/// Normalise and scan a text input for PEM blocks as loading does, returning each block's label and decoded bytes.
/// Exposed for the fuzz targets and property tests; not part of the stable API.
#[doc(hidden)]
pub fn scan_pem_text(text: &str) -> Result<Vec<(String, Zeroizing<Vec<u8>>)>> {
    let (text, _) = pem::normalise(text);
    let scanned = pem::scan(&text)?;
    Ok(scanned
        .blocks
        .into_iter()
        .map(|b| (b.label, Zeroizing::new(b.der.to_vec())))
        .collect())
}

/// Hand a block's text to the certificate or key it holds when it is exactly the PEM certpack writes for it (the
/// block is in OpenSSL's layout and its label is the one certpack would give): outputs then copy the text instead
/// of encoding the DER again.
fn keep_canonical_text(content: &Content, label: &str, der: &[u8], text: &str) {
    match content {
        Content::Certificate(cert) if label == crate::encode::CERTIFICATE => cert.keep_pem(text),
        Content::PrivateKey(key) => key.keep_traditional_pem(label, der, text),
        _ => {}
    }
}

/// What loading one input produced: items, and notes about the input as a whole.
pub(crate) struct Loaded {
    pub items: Vec<Item>,
    pub notes: Vec<String>,
    /// Why a folder's file was skipped as neither certificate nor key (empty, binary junk, another format).
    pub skipped: Option<String>,
}

/// Decode one input into items.
pub(crate) fn load_input(input: &Input, options: &LoadOptions) -> Result<Loaded> {
    decode(&input.name, &input.bytes, "", options, input.from_folder)
        .map_err(|e| e.in_path(input.name.clone()))
}

fn decode(
    name: &str,
    bytes: &[u8],
    via: &str,
    options: &LoadOptions,
    lenient: bool,
) -> Result<Loaded> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(too_large(bytes.len()));
    }
    let passphrase = options.passphrase.as_ref().map(|p| p.as_str());
    let trimmed = trim_ascii(bytes);
    if trimmed.is_empty() {
        return skip_or_fail(
            lenient,
            "the input is empty",
            "give the certificate or key file itself (it was 0 bytes or only whitespace)",
        );
    }
    if via.is_empty() {
        if let Some(cert) = crate::cert::recent_ca_by_pem(bytes) {
            return Ok(canonical_ca_file(name, cert));
        }
    }
    if let Some(decoded) = container::decode(bytes) {
        return decode_container(name, decoded?, options);
    }
    if bytes[0] == 0x30 {
        return decode_der(name, bytes, via, passphrase);
    }
    if let Some((what, hint)) = known_other_format(bytes) {
        return skip_or_fail(lenient, &what, hint);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) if find_bytes(bytes, b"-----BEGIN ").is_some() => return Err(not_utf8(bytes, e)),
        Err(_) => {
            let (what, hint) = binary_hint(bytes);
            return skip_or_fail(lenient, &what, hint);
        }
    };
    let json = text.trim_start_matches('\u{feff}').trim_start();
    if json.starts_with('{') {
        if !json.contains("-----BEGIN ") {
            return aws_json::decode(name, json, options);
        }
        if let Some(loaded) = aws_json::try_decode(name, json, options) {
            return loaded;
        }
    }
    let (text, mut notes) = pem::normalise(text);
    if text.contains("-----BEGIN ") {
        let scanned = pem::scan(&text)?;
        if scanned.blocks.is_empty() && json.starts_with('{') {
            // Not JSON (try_decode said so) and no PEM block either: the JSON error is the useful one.
            return aws_json::decode(name, json, options);
        }
        notes.extend(scanned.notes);
        if !text.ends_with('\n') {
            notes.push(
                "the file does not end with a line break; outputs end with exactly one".into(),
            );
        }
        let mut items = Vec::new();
        for (index, block) in scanned.blocks.iter().enumerate() {
            let origin = Origin {
                path: name.to_string(),
                encoding: if via.is_empty() {
                    "pem".to_string()
                } else {
                    format!("{via}pem")
                },
                label: Some(pem::shown_label(&block.label).into_owned()),
                line: Some(block.line),
                index,
            };
            match block.label.as_str() {
                "EC PARAMETERS" => {
                    notes.push(format!("the EC PARAMETERS block at line {} was dropped (it is not a key; modems such as the nRF91 reject a key written with it)", block.line));
                    continue;
                }
                "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => {
                    notes.push(format!("the certificate signing request at line {} was ignored (a CSR is not used on the device)", block.line));
                    continue;
                }
                "PKCS7" | "CMS" => {
                    return Err(Error::new(
                        ErrorKind::UnknownFormat,
                        "this is a PKCS#7 certificate bag, which certpack does not open",
                        "extract the certificates first: openssl pkcs7 -print_certs -in file.p7b -out chain.pem",
                    )
                    .at(Location::Line(block.line)));
                }
                _ => {}
            }
            if block.der.len() > MAX_INPUT_BYTES {
                return Err(too_large(block.der.len()).at(Location::Line(block.line)));
            }
            let der = match block.label.as_str() {
                // OpenSSL "trusted certificate": the certificate followed by trust settings.
                "TRUSTED CERTIFICATE" => {
                    &block.der[..item::first_tlv_len(&block.der).unwrap_or(block.der.len())]
                }
                _ => &block.der[..],
            };
            let raw = RawObject {
                der,
                label: Some(&block.label),
                headers: &block.headers,
            };
            let (content, item_notes) =
                item::classify(&raw, passphrase).map_err(|e| item::locate(e, &origin))?;
            if let Some(range) = block.canonical.clone() {
                keep_canonical_text(&content, &block.label, der, &text[range]);
            }
            items.push(new_item(origin, content, item_notes));
        }
        if items.is_empty() {
            let only = |pred: fn(&str) -> bool| {
                !scanned.blocks.is_empty() && scanned.blocks.iter().all(|b| pred(&b.label))
            };
            let (what, hint) = if only(|l| l.ends_with("CERTIFICATE REQUEST")) {
                (
                    "the PEM text holds only a certificate signing request (CSR), no certificate or key",
                    "a CSR is what you send to the CA: give certpack the certificate it issued and the private key the CSR was made with",
                )
            } else if only(|l| l == "EC PARAMETERS") {
                (
                    "the PEM text holds only EC PARAMETERS (the name of the curve), not the key itself",
                    "give certpack the file with \"BEGIN EC PRIVATE KEY\" or \"BEGIN PRIVATE KEY\"",
                )
            } else {
                (
                    "the PEM text holds no certificate or key",
                    "give certpack the certificate and key files",
                )
            };
            return skip_or_fail(lenient, what, hint);
        }
        return Ok(Loaded {
            items,
            notes,
            skipped: None,
        });
    }
    if let Some(der) = armourless_base64(&text) {
        let mut loaded = decode_der(name, &der, "base64-", passphrase)?;
        loaded.notes.insert(
            0,
            "the input is base64 without PEM armour (no BEGIN/END lines); it was decoded as such"
                .into(),
        );
        return Ok(loaded);
    }
    if has_typographic_armour(&text) {
        return Err(Error::new(
            ErrorKind::Pem,
            "the BEGIN/END lines use typographic dashes (– or —) instead of five ASCII hyphens (-----)",
            "the text went through a word processor, chat or web page: download the original file again (or retype each dash run as -----)",
        ));
    }
    if text.contains("Certificate:") && text.contains("Subject Public Key Info:") {
        return skip_or_fail(
            lenient,
            "the input is OpenSSL's text description of a certificate (openssl x509 -text -noout), not the certificate itself",
            "write the certificate itself: openssl x509 -in cert.pem -out cert-only.pem (without -noout), or use the file the cloud console gave you",
        );
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
    {
        let (what, hint) = binary_hint(bytes);
        return skip_or_fail(lenient, &what, hint);
    }
    skip_or_fail(
        lenient,
        "the input is text but holds no PEM block (no \"-----BEGIN ...-----\" line), no AWS CLI JSON and no base64 DER",
        "give certpack the .pem/.crt/.key/.der files the cloud console or openssl wrote",
    )
}

/// A `BEGIN ` right after a typographic dash: armour whose `-----` a word processor or web page replaced.
fn has_typographic_armour(text: &str) -> bool {
    text.match_indices("BEGIN ").any(|(i, _)| {
        text[..i]
            .trim_end_matches(' ')
            .chars()
            .next_back()
            .is_some_and(is_typographic_dash)
    })
}

/// Dashes a word processor or web page substitutes for `-` (hyphen, en and em dash, minus sign...).
fn is_typographic_dash(c: char) -> bool {
    matches!(
        c,
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{fe58}' | '\u{fe63}' | '\u{ff0d}'
    )
}

/// First position of `needle` in `haystack`.
fn find_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// PEM text that is not UTF-8: a byte from a Windows code page (curly quote, dash) or a damaged file.
fn not_utf8(bytes: &[u8], e: std::str::Utf8Error) -> Error {
    let at = e.valid_up_to();
    let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    let byte = bytes.get(at).copied().unwrap_or_default();
    Error::new(
        ErrorKind::Pem,
        format!("the PEM text is not UTF-8: byte 0x{byte:02x} at offset {at} is not ASCII (a curly quote or dash from a Windows code page, or damage)"),
        "the text was altered (pasted through a word processor, e-mail or web page): download the original file again",
    )
    .at(Location::Line(line))
}

fn skip_or_fail(lenient: bool, what: &str, hint: &str) -> Result<Loaded> {
    if lenient {
        Ok(Loaded {
            items: Vec::new(),
            notes: vec![format!("skipped: {what}")],
            skipped: Some(what.to_string()),
        })
    } else {
        Err(Error::new(ErrorKind::UnknownFormat, what, hint))
    }
}

fn trim_ascii(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &bytes[start..end]
}

/// Formats people give certpack by mistake, recognised by their first bytes (even when they happen to be valid
/// UTF-8): images, archives, documents, web pages and UTF-16 text.
fn known_other_format(bytes: &[u8]) -> Option<(String, &'static str)> {
    let what = |kind: &str| format!("the input is {kind}, not a certificate or key");
    let head = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let head = trim_ascii(&head[..head.len().min(64)]).to_ascii_lowercase();
    let utf16 = |lo: usize| {
        bytes.len() >= 8
            && (0..4).all(|i| bytes[2 * i + lo] == 0 && bytes[2 * i + 1 - lo].is_ascii_graphic())
    };
    Some(match bytes {
        [0xff, 0xd8, 0xff, ..] => (what("a JPEG image"), "give certpack the .pem/.crt/.key files, not a screenshot"),
        [0x89, b'P', b'N', b'G', ..] => (what("a PNG image"), "give certpack the .pem/.crt/.key files, not a screenshot"),
        [b'P', b'K', 3, 4, ..] => (what("a ZIP archive"), "unzip it first and give certpack the folder (the browser page opens the AWS zip directly)"),
        [0x1f, 0x8b, ..] => (what("gzip-compressed"), "decompress it first (gunzip / tar xzf) and give certpack the files inside"),
        [b'%', b'P', b'D', b'F', ..] => (what("a PDF document"), "give certpack the certificate files themselves"),
        [0xff, 0xfe, ..] | [0xfe, 0xff, ..] => (what("UTF-16 text (as Windows Notepad \"Unicode\" or PowerShell > saves it)"), UTF16_HINT),
        _ if utf16(1) || utf16(0) => (what("UTF-16 text without a byte-order mark"), UTF16_HINT),
        _ if head.starts_with(b"<!doctype html") || head.starts_with(b"<html") => (
            what("an HTML web page (a saved login or error page)"),
            "download the certificate files again from the cloud console (the link may have expired) and give certpack those",
        ),
        _ => return None,
    })
}

const UTF16_HINT: &str = "save it as UTF-8 or ASCII: iconv -f UTF-16 -t UTF-8 in.pem > out.pem, or in PowerShell Get-Content in.pem | Set-Content -Encoding ascii out.pem";

fn binary_hint(bytes: &[u8]) -> (String, &'static str) {
    known_other_format(bytes).unwrap_or_else(|| {
        (
            "the input is binary but not DER (it does not start with an ASN.1 SEQUENCE) nor a known device container".to_string(),
            "give certpack PEM or DER certificate and key files, an AtPKI bin, an NVS image or a NONOS cert sector",
        )
    })
}

/// A text that is nothing but base64 (no armour) and decodes to a DER SEQUENCE. Both copies may hold a key, so
/// they are pre-sized zeroizing buffers.
fn armourless_base64(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let mut compact = Zeroizing::new(String::with_capacity(text.len()));
    compact.extend(text.chars().filter(|c| !c.is_whitespace()));
    if compact.len() < 16
        || !compact
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c))
    {
        return None;
    }
    use base64ct::Encoding;
    let mut der = Zeroizing::new(vec![0u8; compact.len() / 4 * 3 + 3]);
    let len = base64ct::Base64::decode(compact.as_bytes(), &mut der[..])
        .ok()?
        .len();
    der.truncate(len);
    (der.first() == Some(&0x30)).then_some(der)
}

/// What decoding a PEM file gives when it holds exactly the canonical PEM of a CA certificate seen recently (a
/// fleet's root file, read once per device): the item the PEM path would make, without scanning the text again.
fn canonical_ca_file(name: &str, cert: crate::cert::Certificate) -> Loaded {
    let origin = Origin {
        path: name.to_string(),
        encoding: "pem".to_string(),
        label: Some(crate::encode::CERTIFICATE.to_string()),
        line: Some(1),
        index: 0,
    };
    Loaded {
        items: vec![new_item(
            origin,
            Content::Certificate(Box::new(cert)),
            Vec::new(),
        )],
        notes: Vec::new(),
        skipped: None,
    }
}

/// Decode binary input: one or more concatenated DER objects, possibly padded with 0x00/0xFF.
fn decode_der(name: &str, bytes: &[u8], via: &str, passphrase: Option<&str>) -> Result<Loaded> {
    let mut items = Vec::new();
    let mut notes = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        if rest.iter().all(|&b| b == 0 || b == 0xff) {
            notes.push(format!(
                "{} padding bytes (0x00/0xFF) after the DER data were ignored",
                rest.len()
            ));
            break;
        }
        let Some(len) = item::first_tlv_len(rest) else {
            return Err(Error::new(
                ErrorKind::Der,
                if pos == 0 {
                    "the DER data is truncated or malformed: its ASN.1 header does not fit the file".to_string()
                } else {
                    format!("{} bytes after the DER object are not another DER object", rest.len())
                },
                "the file is damaged or was cut short: export it again (openssl x509 -outform DER / openssl pkey -outform DER)",
            )
            .at(Location::Byte(pos)));
        };
        let origin = Origin {
            path: name.to_string(),
            encoding: format!("{via}der"),
            label: None,
            line: None,
            index: items.len(),
        };
        let raw = RawObject {
            der: &rest[..len],
            label: None,
            headers: &[],
        };
        let (content, item_notes) =
            item::classify(&raw, passphrase).map_err(|e| e.at(Location::Byte(pos)))?;
        items.push(new_item(origin, content, item_notes));
        pos += len;
    }
    Ok(Loaded {
        items,
        notes,
        skipped: None,
    })
}

fn decode_container(
    name: &str,
    decoded: container::Decoded,
    options: &LoadOptions,
) -> Result<Loaded> {
    let mut items = Vec::new();
    let mut notes = vec![format!("read as {}", decoded.format)];
    for entry in decoded.entries {
        let via = format!("{}:", decoded.format_code);
        let mut loaded = decode(name, &entry.bytes, &via, options, true).map_err(|e| {
            Error::new(
                e.kind(),
                format!("{}: {}", entry.name, e.message()),
                e.hint().to_string(),
            )
        })?;
        for item in &mut loaded.items {
            item.origin.label = Some(entry.name.clone());
            item.origin.index = items.len();
        }
        notes.extend(
            loaded
                .notes
                .into_iter()
                .map(|n| format!("{}: {n}", entry.name)),
        );
        items.extend(loaded.items);
    }
    Ok(Loaded {
        items,
        notes,
        skipped: None,
    })
}

fn new_item(origin: Origin, content: Content, notes: Vec<String>) -> Item {
    let role = match &content {
        Content::Certificate(c) if c.is_ca() && c.is_self_issued() => Role::Root,
        Content::Certificate(c) if c.is_ca() => Role::Intermediate,
        Content::Certificate(_) => Role::Leaf,
        Content::PrivateKey(_) => Role::PrivateKey,
        Content::PublicKey(_) => Role::PublicKey,
    };
    Item {
        origin,
        content,
        role,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a decode gave, comparable: each item's origin, role, notes and DER, the input's notes and skip reason.
    fn outline(loaded: &Loaded) -> String {
        let items: Vec<String> = loaded
            .items
            .iter()
            .map(|i| {
                let der = match &i.content {
                    Content::Certificate(c) => c.der().to_vec(),
                    Content::PrivateKey(k) => k.pkcs8_der().to_vec(),
                    Content::PublicKey(k) => k.spki_der().to_vec(),
                };
                format!("{:?} {:?} {:?} {der:02x?}", i.origin, i.role, i.notes)
            })
            .collect();
        format!("{items:?} {:?} {:?}", loaded.notes, loaded.skipped)
    }

    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()) {
            if entry.is_dir() {
                files(&entry, out);
            } else {
                out.push(entry);
            }
        }
    }

    /// A file that is exactly a recent CA certificate's canonical PEM is decoded from that certificate; every
    /// testdata file decodes the same the second time (when its CA, if any, is known) as the first.
    #[test]
    fn a_known_ca_file_decodes_as_the_pem_path_would() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata");
        let mut all = Vec::new();
        files(&root, &mut all);
        all.sort();
        let options = LoadOptions {
            passphrase: Some(Zeroizing::new("correct horse".into())),
        };
        let mut shortcuts = 0;
        for path in &all {
            let bytes = std::fs::read(path).unwrap();
            let name = path.display().to_string();
            let first = decode(&name, &bytes, "", &options, true);
            let known = crate::cert::recent_ca_by_pem(&bytes).is_some();
            let second = decode(&name, &bytes, "", &options, true);
            match (first, second) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(outline(&a), outline(&b), "{name}");
                    shortcuts += usize::from(known);
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{name}"),
                (a, b) => panic!("{name}: {:?} then {:?}", a.is_ok(), b.is_ok()),
            }
        }
        // The public roots and every bundle's root file take the shortcut.
        assert!(shortcuts >= 10, "{shortcuts}");
    }
}
