//! Source-code targets: the bundle as C arrays (`xxd -i` compatible), Arduino PROGMEM data, PEM C strings, the
//! FreeRTOS/AWS demo header, ESP-IDF and PlatformIO embedded files, Zephyr `.inc` files and a Rust module.
//!
//! Every target takes the same pieces from the bundle ([`Part`]: device certificate, private key, chain, server
//! root), writes one combined header (or module) whose comment block names each piece's subject, certificate ID,
//! validity and source file (never key material), and marks every file that holds the key as secret.

pub mod arduino;
pub mod aws_demo;
pub mod c_array;
pub mod c_string;
pub mod esp_idf;
pub mod naming;
pub mod platformio;
pub mod rust_module;
pub mod zephyr;

use std::collections::BTreeMap;
use std::fmt;

use zeroize::Zeroizing;

use super::{ParamSpec, Params, Target};
use crate::bundle::Bundle;
use crate::cert::{hex_pair, Certificate};
use crate::encode::{self, Eol, PemStyle};
use crate::error::{Error, ErrorKind, Result};
use crate::item::Item;

pub(super) const TARGETS: [&dyn Target; 8] = [
    &c_array::CArray,
    &arduino::Arduino,
    &c_string::CString,
    &aws_demo::AwsDemoHeader,
    &esp_idf::EspIdf,
    &platformio::PlatformIo,
    &zephyr::Zephyr,
    &rust_module::RustModule,
];

/// Which credential of the bundle a piece of embedded data holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    /// The device (client) certificate.
    Cert,
    /// The device private key.
    Key,
    /// The intermediate CA certificates (issuing order).
    Chain,
    /// The server's root CA certificate (trust anchor).
    Root,
}

impl Part {
    /// Name used in the `names` parameter: `cert`, `key`, `chain`, `root`.
    pub fn name(self) -> &'static str {
        match self {
            Part::Cert => "cert",
            Part::Key => "key",
            Part::Chain => "chain",
            Part::Root => "root",
        }
    }
    fn parse(name: &str) -> Option<Part> {
        [Part::Cert, Part::Key, Part::Chain, Part::Root]
            .into_iter()
            .find(|p| p.name() == name)
    }
}

/// DER or PEM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Binary DER.
    Der,
    /// PEM text.
    Pem,
}

impl Form {
    /// `der` or `pem`.
    pub fn name(self) -> &'static str {
        match self {
            Form::Der => "der",
            Form::Pem => "pem",
        }
    }
}

/// Private key container written by the source targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyFormat {
    /// PKCS#1 for RSA, SEC1 for EC (what AWS hands out; read by mbedTLS, BearSSL, wolfSSL).
    Traditional,
    /// PKCS#8 `PrivateKeyInfo`.
    Pkcs8,
}

/// One piece of data to embed, with what the generated comment says about it.
pub(crate) struct Blob<'a> {
    pub part: Part,
    /// 1-based position of a DER chain certificate (one blob each); 0 for everything else.
    pub index: usize,
    /// The name the `der`/`pem` targets give these bytes: `client.crt.der`, `client.key.pem`, `chain-1.crt.der`,
    /// `chain.pem`, `ca.crt.der`, ...
    pub file: String,
    pub bytes: Zeroizing<Vec<u8>>,
    pub form: Form,
    /// What it is, e.g. `device certificate`.
    pub what: &'static str,
    /// What the comment lines say about it: subject, certificate ID, validity, source; never key material.
    pub details: Details<'a>,
}

/// The comment lines about a piece, written when the comment is (no text is built for them before).
pub(crate) enum Details<'a> {
    /// A certificate: subject, certificate ID, validity and the file it came from.
    Certificate(&'a Item, &'a Certificate),
    /// The private key: algorithm and container, whether it belongs to the device certificate, its file.
    Key {
        item: &'a Item,
        key: &'a crate::key::PrivateKey,
        container: &'static str,
        matches_leaf: Option<bool>,
    },
    /// The certificates of a PEM chain, numbered in issuing order, each with its certificate lines.
    Chain(Vec<(&'a Item, &'a Certificate)>),
}

impl Details<'_> {
    /// Write the lines, each indented by `indent`.
    fn write(&self, comment: &mut Comment<'_>, indent: &str) {
        match self {
            Details::Certificate(item, cert) => write_cert_details(comment, indent, item, cert),
            Details::Key {
                item,
                key,
                container,
                matches_leaf,
            } => {
                comment.line(format_args!("{indent}{}, {container}", key.algorithm()));
                comment.line(format_args!(
                    "{indent}{}",
                    match matches_leaf {
                        Some(true) => "belongs to the device certificate above",
                        Some(false) => "WARNING: does NOT belong to the device certificate",
                        None => "no device certificate to match it against",
                    }
                ));
                comment.line(format_args!(
                    "{indent}source: {}",
                    naming::comment_safe(&item.origin.path)
                ));
            }
            Details::Chain(chain) => {
                let deeper = format!("{indent}    ");
                for (n, (item, cert)) in chain.iter().enumerate() {
                    comment.line(format_args!("{indent}[{}]", n + 1));
                    write_cert_details(comment, &deeper, item, cert);
                }
            }
        }
    }
}

fn write_cert_details(comment: &mut Comment<'_>, indent: &str, item: &Item, cert: &Certificate) {
    comment.line(format_args!(
        "{indent}subject: {}",
        naming::comment_safe(cert.subject_text())
    ));
    comment.line(format_args!(
        "{indent}certificate ID (SHA-256 of the DER): {}",
        cert.sha256_hex()
    ));
    comment.line(format_args!(
        "{indent}valid: {} to {}",
        cert.not_before(),
        cert.not_after()
    ));
    comment.line(format_args!(
        "{indent}source: {}",
        naming::comment_safe(&item.origin.path)
    ));
}

impl Blob<'_> {
    pub fn secret(&self) -> bool {
        self.part == Part::Key
    }
}

impl Drop for Blob<'_> {
    fn drop(&mut self) {
        // 8 bytes per store instead of `Zeroizing`'s one.
        crate::wipe::wipe_zeroizing(&mut self.bytes);
    }
}

/// What the bundle gives for the source targets, in a fixed order: certificate, key, chain, root.
pub(crate) fn blobs(
    bundle: &Bundle,
    form: Form,
    eol: Eol,
    key_format: KeyFormat,
) -> Result<Vec<Blob<'_>>> {
    let style = PemStyle {
        eol,
        final_newline: true,
    };
    let ext = form.name();
    let mut out = Vec::new();
    if let Some((item, cert)) = certificate(bundle.leaf()) {
        out.push(Blob {
            part: Part::Cert,
            index: 0,
            file: format!("client.crt.{ext}"),
            bytes: cert_bytes(cert, form, style)?,
            form,
            what: "device certificate",
            details: Details::Certificate(item, cert),
        });
    }
    if let Some(item) = bundle.key() {
        if let Some(key) = item.private_key() {
            let (der, label, container) = match key_format {
                KeyFormat::Traditional => match key.algorithm().family() {
                    "rsa" => (key.traditional_der(), encode::RSA_PRIVATE_KEY, "PKCS#1"),
                    "ec" => (key.traditional_der(), encode::EC_PRIVATE_KEY, "SEC1"),
                    _ => (key.pkcs8_der(), encode::PRIVATE_KEY, "PKCS#8"),
                },
                KeyFormat::Pkcs8 => (key.pkcs8_der(), encode::PRIVATE_KEY, "PKCS#8"),
            };
            let bytes = match form {
                Form::Der => der,
                Form::Pem => Zeroizing::new(
                    Zeroizing::new(encode::pem(label, &der, style)?)
                        .as_bytes()
                        .to_vec(),
                ),
            };
            out.push(Blob {
                part: Part::Key,
                index: 0,
                file: format!("client.key.{ext}"),
                bytes,
                form,
                what: "device private key",
                details: Details::Key {
                    item,
                    key,
                    container,
                    matches_leaf: bundle.key_matches_leaf(),
                },
            });
        }
    }
    let chain: Vec<(&Item, &Certificate)> = bundle
        .chain()
        .filter_map(|i| i.certificate().map(|c| (i, c)))
        .collect();
    match form {
        Form::Der => {
            for (n, (item, cert)) in chain.iter().enumerate() {
                out.push(Blob {
                    part: Part::Chain,
                    index: n + 1,
                    file: format!("chain-{}.crt.der", n + 1),
                    bytes: Zeroizing::new(cert.der().to_vec()),
                    form,
                    what: "intermediate CA certificate",
                    details: Details::Certificate(item, cert),
                });
            }
        }
        Form::Pem if !chain.is_empty() => {
            let mut bytes = Vec::new();
            for (_, cert) in &chain {
                bytes.extend_from_slice(cert.pem_in(style)?.as_bytes());
            }
            out.push(Blob {
                part: Part::Chain,
                index: 0,
                file: "chain.pem".into(),
                bytes: Zeroizing::new(bytes),
                form,
                what: "intermediate CA certificates, issuing order",
                details: Details::Chain(chain),
            });
        }
        Form::Pem => {}
    }
    if let Some((item, cert)) = certificate(bundle.server_root()) {
        out.push(Blob {
            part: Part::Root,
            index: 0,
            file: format!("ca.crt.{ext}"),
            bytes: cert_bytes(cert, form, style)?,
            form,
            what: "server root CA certificate",
            details: Details::Certificate(item, cert),
        });
    }
    if out.is_empty() {
        return Err(bundle.missing(
            "the bundle has no certificate or key to write",
            "give certpack the certificate and key files (or the folder of the cloud console download)",
        ));
    }
    Ok(out)
}

fn certificate(item: Option<&Item>) -> Option<(&Item, &Certificate)> {
    item.and_then(|i| i.certificate().map(|c| (i, c)))
}

fn cert_bytes(cert: &Certificate, form: Form, style: PemStyle) -> Result<Zeroizing<Vec<u8>>> {
    Ok(Zeroizing::new(match form {
        Form::Der => cert.der().to_vec(),
        Form::Pem => cert.pem_in(style)?.as_bytes().to_vec(),
    }))
}

/// Notes every source target adds (a key that does not match, chain layout).
pub(crate) fn bundle_notes(bundle: &Bundle) -> Vec<String> {
    let mut notes = Vec::new();
    if bundle.key_matches_leaf() == Some(false) {
        notes.push("the private key does not belong to the device certificate: the TLS handshake will fail; use the key from the same download".into());
    }
    notes
}

/// How comment lines are written: a C block comment (`/*`, ` * ` lines, ` */`) or line comments starting with a
/// marker (`//`, `#`, `;`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CommentStyle {
    Block,
    Lines(&'static str),
}

/// Comment lines written straight into a text, in one [`CommentStyle`]: no line is built on its own first.
pub(crate) struct Comment<'t> {
    out: &'t mut Text,
    style: CommentStyle,
}

impl<'t> Comment<'t> {
    /// Start a comment (`/*` for a block).
    pub fn open(out: &'t mut Text, style: CommentStyle) -> Comment<'t> {
        if style == CommentStyle::Block {
            out.push_str("/*\n");
        }
        Comment { out, style }
    }
    fn marker(&self) -> &'static str {
        match self.style {
            CommentStyle::Block => " *",
            CommentStyle::Lines(marker) => marker,
        }
    }
    /// A line of text (never empty: use [`Comment::blank`] for an empty line).
    pub fn line(&mut self, text: fmt::Arguments<'_>) {
        self.out.push_str(self.marker());
        self.out.push(' ');
        // Writing into a `Text` cannot fail.
        let _ = fmt::Write::write_fmt(self.out, text);
        self.out.push('\n');
    }
    /// An empty line.
    pub fn blank(&mut self) {
        self.out.push_str(self.marker());
        self.out.push('\n');
    }
    /// End the comment (` */` for a block).
    pub fn close(self) {
        if self.style == CommentStyle::Block {
            self.out.push_str(" */\n");
        }
    }
}

/// The comment block at the top of a generated file: what it is, a secret warning when it holds the key
/// (`holds_key`; a header that only declares or includes the key's file says which file is secret), then one
/// entry per embedded piece (`symbol` is the array, macro, constant or file the piece ends up in;
/// `layout` says its exact length and NUL rule).
pub(crate) struct HeaderComment<'h, 'b> {
    file: &'h str,
    target: &'h str,
    settings: &'h str,
    /// `(symbol, piece, layout)` per piece.
    entries: &'h [(String, &'h Blob<'b>, String)],
    usage: &'h [String],
    holds_key: bool,
}

impl<'h, 'b> HeaderComment<'h, 'b> {
    /// The block for `file` of `target`, with the target's `settings` line, one entry per piece and `usage` lines.
    pub fn new(
        file: &'h str,
        target: &'h str,
        settings: &'h str,
        entries: &'h [(String, &'h Blob<'b>, String)],
        usage: &'h [String],
        holds_key: bool,
    ) -> Self {
        HeaderComment {
            file,
            target,
            settings,
            entries,
            usage,
            holds_key,
        }
    }
    /// Write the block into `out`.
    pub fn write(&self, out: &mut Text, style: CommentStyle) {
        let mut c = Comment::open(out, style);
        c.line(format_args!(
            "{}: generated by certpack {} (target {}{}{}).",
            self.file,
            crate::VERSION,
            self.target,
            if self.settings.is_empty() { "" } else { "; " },
            self.settings
        ));
        c.line(format_args!(
            "Do not edit: run certpack again to change it."
        ));
        let secrets = || {
            self.entries
                .iter()
                .filter(|(_, b, _)| b.secret())
                .map(|(s, _, _)| s.as_str())
        };
        if secrets().next().is_some() {
            let names = secrets().collect::<Vec<_>>().join(", ");
            c.blank();
            if self.holds_key {
                c.line(format_args!("WARNING: this file holds the device PRIVATE KEY ({names}). Keep it secret: do not commit it to version"));
                c.line(format_args!(
                    "control, publish it or share it; build it only into this device's firmware."
                ));
            } else {
                c.line(format_args!("Note: {names} refers to the device PRIVATE KEY, whose file must stay secret (do not commit or"));
                c.line(format_args!(
                    "publish it). This file itself holds no key material."
                ));
            }
        }
        for (symbol, blob, layout) in self.entries {
            c.blank();
            c.line(format_args!(
                "{symbol}: {}, {}, {layout}",
                blob.what,
                match blob.form {
                    Form::Der => "DER",
                    Form::Pem => "PEM",
                }
            ));
            blob.details.write(&mut c, "  ");
        }
        if !self.usage.is_empty() {
            c.blank();
            c.line(format_args!("Usage:"));
            for u in self.usage {
                c.line(format_args!("  {u}"));
            }
        }
        c.close();
    }
}

/// Render comment lines as line comments starting with `marker` (`//`, `#`, `;`); an empty line is the bare
/// marker.
pub(crate) fn line_comment(marker: &'static str, lines: &[String], out: &mut Text) {
    let mut c = Comment::open(out, CommentStyle::Lines(marker));
    for line in lines {
        if line.is_empty() {
            c.blank();
        } else {
            c.line(format_args!("{line}"));
        }
    }
    c.close();
}

/// Generated text that may hold key material: wiped when dropped, and when it grows. Only UTF-8 text goes in
/// (`push_str`, `push`, and the ASCII of [`write_hex`]), so the bytes are always valid UTF-8.
pub(crate) struct Text(Vec<u8>);

impl Text {
    /// Room for `capacity` bytes up front (growing copies into a new buffer and wipes the old one).
    pub fn with_capacity(capacity: usize) -> Text {
        Text(Vec::with_capacity(capacity))
    }
    #[inline]
    pub fn push_str(&mut self, s: &str) {
        self.push_ascii(s.as_bytes());
    }
    /// Append bytes that are valid UTF-8 on their own (ASCII, or the bytes of a `&str`).
    #[inline]
    fn push_ascii(&mut self, bytes: &[u8]) {
        if self.0.capacity() - self.0.len() < bytes.len() {
            self.grow(bytes.len());
        }
        self.0.extend_from_slice(bytes);
    }
    /// Make room for `more` bytes without letting `Vec` reallocate (which would free the old buffer unwiped).
    #[cold]
    fn grow(&mut self, more: usize) {
        let needed = self.0.len().saturating_add(more);
        let mut grown = Vec::with_capacity(needed.max(1024).saturating_mul(2));
        grown.extend_from_slice(&self.0);
        let mut old = std::mem::replace(&mut self.0, grown);
        crate::wipe::wipe(&mut old);
    }
    /// Make room for `more` bytes up front.
    pub fn reserve(&mut self, more: usize) {
        if self.0.capacity() - self.0.len() < more {
            self.grow(more);
        }
    }
    /// Append `len` zero bytes and return them to be filled in place (callers overwrite the whole region with
    /// ASCII text).
    fn extend_zeroed(&mut self, len: usize) -> &mut [u8] {
        self.reserve(len);
        let start = self.0.len();
        self.0.resize(start + len, 0);
        &mut self.0[start..]
    }
    pub fn push(&mut self, c: char) {
        self.push_str(c.encode_utf8(&mut [0; 4]));
    }
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
    /// The bytes, moved out without a copy (the caller puts them in a secret [`crate::Artifact`] when they hold
    /// key material).
    pub fn into_bytes(mut self) -> Vec<u8> {
        std::mem::take(&mut self.0)
    }
}

impl Drop for Text {
    fn drop(&mut self) {
        crate::wipe::wipe(&mut self.0);
    }
}

impl fmt::Write for Text {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push_str(s);
        Ok(())
    }
}

/// A buffer sized for embedding `blobs` as text (a `0xNN, ` item per byte plus the comment block; it grows when
/// a target needs more).
pub(crate) fn text_for(blobs: &[Blob]) -> Text {
    Text::with_capacity(blobs.iter().map(|b| b.bytes.len() * 25 / 4).sum::<usize>() + 4096)
}

/// Write `bytes` as `0xNN` items, `per_line` per line: each line is `indent`, the items joined by `, `, then
/// `line_end` (`last_end` after the last line). Nothing is written for no bytes.
pub(crate) fn write_hex(
    out: &mut Text,
    bytes: &[u8],
    per_line: usize,
    indent: &str,
    line_end: &str,
    last_end: &str,
) {
    let per_line = per_line.max(1);
    let rows = bytes.len().div_ceil(per_line);
    let Some(last) = rows.checked_sub(1) else {
        return;
    };
    // Exact size: per row the indent and an end; per byte `0xNN`; between items `, `.
    let size =
        rows * indent.len() + last * line_end.len() + last_end.len() + bytes.len() * 6 - rows * 2;
    // The text is written in place into a zeroed region of exactly that size: fixed-size stores per item, no
    // copy per row (the region is in `out`, which wipes itself; no scratch holds key bytes).
    let region = out.extend_zeroed(size);
    let mut rest = region;
    for (n, row) in bytes.chunks(per_line).enumerate() {
        let end = if n == last { last_end } else { line_end };
        let (line, after) = rest.split_at_mut(indent.len() + row.len() * 6 - 2 + end.len());
        rest = after;
        let (head, items) = line.split_at_mut(indent.len());
        copy_short(head, indent.as_bytes());
        // Every item but the row's last is `0xNN, ` (6 bytes); the last is `0xNN` followed by the row's end.
        let (&final_byte, leading) = row.split_last().unwrap_or((&0, &[]));
        let (joined, tail) = items.split_at_mut(leading.len() * 6);
        // Fixed-size array stores (a `copy_from_slice` per item compiles to a call to `memcpy`); every chunk is 6
        // bytes, so the conversion never fails.
        for (&b, item) in leading.iter().zip(joined.chunks_exact_mut(6)) {
            if let Ok(item) = <&mut [u8; 6]>::try_from(item) {
                let [hi, lo] = hex_pair(b);
                *item = [b'0', b'x', hi, lo, b',', b' '];
            }
        }
        let (item, line_end) = tail.split_at_mut(4);
        let [hi, lo] = hex_pair(final_byte);
        item.copy_from_slice(&[b'0', b'x', hi, lo]);
        copy_short(line_end, end.as_bytes());
    }
}

/// `dst.copy_from_slice(src)` for the few bytes of an indent or a line end, without a call to `memcpy` per row.
#[inline(always)]
fn copy_short(dst: &mut [u8], src: &[u8]) {
    match (dst, src) {
        ([], []) => {}
        ([d], [s]) => *d = *s,
        ([d0, d1], [s0, s1]) => (*d0, *d1) = (*s0, *s1),
        ([d0, d1, d2], [s0, s1, s2]) => (*d0, *d1, *d2) = (*s0, *s1, *s2),
        ([d0, d1, d2, d3], [s0, s1, s2, s3]) => (*d0, *d1, *d2, *d3) = (*s0, *s1, *s2, *s3),
        (dst, src) => dst.copy_from_slice(src),
    }
}

// ---- parameters shared by the source targets ----

pub(crate) const EOL: ParamSpec = ParamSpec {
    name: "eol",
    help: "line ending inside the PEM text: lf, or crlf (Azure samples)",
    default: Some("lf"),
};
pub(crate) const KEY_FORMAT: ParamSpec = ParamSpec {
    name: "key-format",
    help: "private key container: traditional (PKCS#1 for RSA, SEC1 for EC) or pkcs8",
    default: Some("traditional"),
};
pub(crate) const PREFIX: ParamSpec = ParamSpec {
    name: "prefix",
    help: "prefix for every generated name, e.g. aws_ (a C identifier)",
    default: Some(""),
};
pub(crate) const NAMES: ParamSpec = ParamSpec {
    name: "names",
    help: "exact names instead of the defaults, e.g. cert:certificate,key:private_key,root:root_ca (chain too)",
    default: None,
};

/// `der` or `pem` from the `form` parameter.
pub(crate) fn form_param(params: &Params, target: &str, default: Form) -> Result<Form> {
    match params.str_or("form", default.name()) {
        "der" => Ok(Form::Der),
        "pem" => Ok(Form::Pem),
        other => Err(unknown_value(target, "form", other, "der or pem")),
    }
}

/// The `eol` parameter.
pub(crate) fn eol_param(params: &Params, target: &str) -> Result<Eol> {
    match params.str_or("eol", "lf") {
        "lf" => Ok(Eol::Lf),
        "crlf" => Ok(Eol::CrLf),
        other => Err(unknown_value(target, "eol", other, "lf or crlf")),
    }
}

/// The `key-format` parameter.
pub(crate) fn key_format_param(params: &Params, target: &str) -> Result<KeyFormat> {
    match params.str_or("key-format", "traditional") {
        "traditional" => Ok(KeyFormat::Traditional),
        "pkcs8" => Ok(KeyFormat::Pkcs8),
        other => Err(unknown_value(
            target,
            "key-format",
            other,
            "traditional or pkcs8",
        )),
    }
}

/// An error for a parameter value that is not one of `choices`.
pub(crate) fn unknown_value(target: &str, param: &str, value: &str, choices: &str) -> Error {
    Error::new(
        ErrorKind::Target,
        format!("target {target}: {param} \"{value}\" is not known"),
        format!("use {choices}"),
    )
}

/// The `nul` parameter (default `default`); DER never takes a NUL.
pub(crate) fn nul_param(params: &Params, target: &str, form: Form, default: bool) -> Result<bool> {
    let nul = params.bool_or(target, "nul", default && form == Form::Pem)?;
    if nul && form == Form::Der {
        return Err(Error::new(
            ErrorKind::Target,
            format!("target {target}: nul=true with form=der would put a byte after the DER, which BearSSL and mbedTLS's DER parser reject"),
            "drop nul for DER (DER has an exact length), or use form=pem when the parser needs a NUL-terminated string",
        ));
    }
    Ok(nul)
}

/// Names of generated symbols: `prefix` + a per-piece default, or the exact `names` the user chose.
pub(crate) struct Naming {
    prefix: String,
    names: BTreeMap<Part, String>,
}

impl Naming {
    /// Read `prefix` and `names` (both checked to be C identifiers).
    pub fn from_params(params: &Params, target: &str) -> Result<Naming> {
        let prefix = params.str_or("prefix", "").to_string();
        naming::check_identifier(target, "prefix", &prefix, true)?;
        let mut names = BTreeMap::new();
        for entry in params
            .get("names")
            .unwrap_or("")
            .split(',')
            .filter(|e| !e.is_empty())
        {
            let (part, name) = entry.split_once(':').unwrap_or((entry, ""));
            let part = Part::parse(part.trim()).ok_or_else(|| {
                Error::new(
                    ErrorKind::Target,
                    format!("target {target}: names entry \"{entry}\" does not start with cert:, key:, chain: or root:"),
                    "e.g. --param names=cert:certificate,key:private_key,root:root_ca",
                )
            })?;
            naming::check_identifier(target, "names", name.trim(), false)?;
            names.insert(part, name.trim().to_string());
        }
        Ok(Naming { prefix, names })
    }
    /// The user's exact name for a piece (with `_<n>` for the n-th DER chain certificate), if one was given.
    pub fn chosen(&self, blob: &Blob) -> Option<String> {
        self.names.get(&blob.part).map(|n| {
            if blob.index > 0 {
                format!("{n}_{}", blob.index)
            } else {
                n.clone()
            }
        })
    }
    /// The C name of a piece: the chosen name, or `prefix` + the `xxd -i` name of its file (`client_crt_der`).
    pub fn c_name(&self, blob: &Blob) -> String {
        self.chosen(blob)
            .unwrap_or_else(|| format!("{}{}", self.prefix, naming::xxd_name(&blob.file)))
    }
    /// The prefix alone.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
}

/// Fail when two pieces would get the same name (e.g. the same name chosen twice in `names`).
pub(crate) fn check_unique(target: &str, names: &[String]) -> Result<()> {
    for (i, a) in names.iter().enumerate() {
        if names[i + 1..].contains(a) {
            return Err(Error::new(
                ErrorKind::Target,
                format!("target {target}: two pieces would both be named {a}"),
                "give each of cert, key, chain and root its own name in the names parameter",
            ));
        }
    }
    Ok(())
}

/// The length rule stated next to the array `array`: the exact count, and whether `{array}_len` includes the NUL.
pub(crate) fn len_rule(array: &str, len: usize, nul: bool) -> String {
    if nul {
        format!(
            "{} bytes + NUL; {array}_len = {len} includes the NUL (pass it to mbedTLS as is)",
            len - 1
        )
    } else {
        format!("{len} bytes, no NUL; {array}_len = {len}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `write_hex` against the obvious formatting, for row widths below, at and above its scratch row.
    #[test]
    fn write_hex_layout() {
        let bytes: Vec<u8> = (0..=255u8).chain(0..40).collect();
        for per_line in [1, 7, 8, 12, 16, 17, 40, 1000] {
            for len in [0, 1, 11, 12, 13, 33, bytes.len()] {
                let data = &bytes[..len];
                let mut out = Text::with_capacity(0);
                write_hex(&mut out, data, per_line, "  ", ",\n", "\n");
                let rows: Vec<String> = data
                    .chunks(per_line)
                    .map(|row| {
                        let items: Vec<String> = row.iter().map(|b| format!("0x{b:02x}")).collect();
                        format!("  {}", items.join(", "))
                    })
                    .collect();
                let want = if rows.is_empty() {
                    String::new()
                } else {
                    rows.join(",\n") + "\n"
                };
                assert_eq!(out.as_str(), want, "per_line {per_line}, {len} bytes");
            }
        }
    }
}
