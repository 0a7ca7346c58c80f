//! Reading inputs: files, folders and in-memory bytes, sniffed by content (PEM, DER, base64, AWS CLI JSON,
//! device containers), never by file name.

mod aws_json;
pub mod container;
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
        let shown = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| {
            Error::new(
                ErrorKind::Io,
                format!("cannot read ({e})"),
                "check the path",
            )
            .in_path(&shown)
        })?;
        if meta.is_dir() {
            let mut entries: Vec<_> = std::fs::read_dir(path)
                .map_err(|e| Error::from(e).in_path(&shown))?
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .filter(|p| {
                    !p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with('.'))
                })
                .collect();
            entries.sort();
            let mut inputs = Vec::with_capacity(entries.len());
            for p in entries {
                let mut input = Self::read_file(&p)?;
                input.from_folder = true;
                inputs.push(input);
            }
            if inputs.is_empty() {
                return Err(Error::new(
                    ErrorKind::Io,
                    "the folder has no files",
                    "point certpack at the folder the cloud console download was unpacked into",
                )
                .in_path(shown));
            }
            Ok(inputs)
        } else {
            Ok(vec![Self::read_file(path)?])
        }
    }

    fn read_file(path: &Path) -> Result<Input> {
        let shown = path.display().to_string();
        let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if len > MAX_INPUT_BYTES as u64 {
            return Err(too_large(len as usize).in_path(shown));
        }
        let bytes = std::fs::read(path).map_err(|e| Error::from(e).in_path(&shown))?;
        Ok(Input {
            name: shown,
            bytes: Zeroizing::new(bytes),
            from_folder: false,
        })
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

/// What loading one input produced: items, and notes about the input as a whole.
pub(crate) struct Loaded {
    pub items: Vec<Item>,
    pub notes: Vec<String>,
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
    if let Some(decoded) = container::decode(bytes) {
        return decode_container(name, decoded?, options);
    }
    if bytes[0] == 0x30 {
        return decode_der(name, bytes, via, passphrase);
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        let (what, hint) = binary_hint(bytes);
        return skip_or_fail(lenient, &what, hint);
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
                label: Some(block.label.clone()),
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
            items.push(new_item(origin, content, item_notes));
        }
        if items.is_empty() {
            return skip_or_fail(
                lenient,
                "the PEM text holds no certificate or key",
                "give certpack the certificate and key files",
            );
        }
        return Ok(Loaded { items, notes });
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
    skip_or_fail(
        lenient,
        "the input is text but holds no PEM block (no \"-----BEGIN ...-----\" line), no AWS CLI JSON and no base64 DER",
        "give certpack the .pem/.crt/.key/.der files the cloud console or openssl wrote",
    )
}

fn skip_or_fail(lenient: bool, what: &str, hint: &str) -> Result<Loaded> {
    if lenient {
        Ok(Loaded {
            items: Vec::new(),
            notes: vec![format!("skipped: {what}")],
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

fn binary_hint(bytes: &[u8]) -> (String, &'static str) {
    let what = |kind: &str| format!("the input is {kind}, not a certificate or key");
    match bytes {
        [0xff, 0xd8, 0xff, ..] => (what("a JPEG image"), "give certpack the .pem/.crt/.key files, not a screenshot"),
        [0x89, b'P', b'N', b'G', ..] => (what("a PNG image"), "give certpack the .pem/.crt/.key files, not a screenshot"),
        [b'P', b'K', 3, 4, ..] => (what("a ZIP archive"), "unzip it first and give certpack the folder (the browser page opens the AWS zip directly)"),
        [0x1f, 0x8b, ..] => (what("gzip-compressed"), "decompress it first (gunzip / tar xzf) and give certpack the files inside"),
        [b'%', b'P', b'D', b'F', ..] => (what("a PDF document"), "give certpack the certificate files themselves"),
        _ => (
            "the input is binary but not DER (it does not start with an ASN.1 SEQUENCE) nor a known device container".to_string(),
            "give certpack PEM or DER certificate and key files, an AtPKI bin, an NVS image or a NONOS cert sector",
        ),
    }
}

/// A text that is nothing but base64 (no armour) and decodes to a DER SEQUENCE.
fn armourless_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() < 16
        || !compact
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c))
    {
        return None;
    }
    use base64ct::Encoding;
    let der = base64ct::Base64::decode_vec(&compact).ok()?;
    (der.first() == Some(&0x30)).then_some(der)
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
    Ok(Loaded { items, notes })
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
    Ok(Loaded { items, notes })
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
