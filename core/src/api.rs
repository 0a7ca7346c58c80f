//! The operations the Python and WebAssembly packages expose, as plain data: target listings with their
//! parameters, `check` from plain option values, `pack` that runs `check` first, and outputs with per-file
//! metadata (JSON) next to their bytes. Bindings only convert types; everything they show is decided here, so the
//! CLI, Python and the browser give the same answers.

use serde::Serialize;

use crate::artifact::{Artifact, Artifacts, Flash};
use crate::bundle::Bundle;
use crate::check::{self, CheckOptions, Finding};
use crate::convert::{self, ConvertOptions};
use crate::error::{ErrorKind, Result};
use crate::input::Input;
use crate::report::{self, InspectReport};
use crate::target::{self, Params};
use crate::time::Timestamp;

/// A target parameter, as listed to users.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ParamInfo {
    /// Name, kebab-case (`endpoint`, `client-id`).
    pub name: &'static str,
    /// One line of help.
    pub help: &'static str,
    /// Default value, when there is one.
    pub default: Option<&'static str>,
}

/// A target, as listed to users (`certpack targets --json`, `certpack.targets()`, `targets()` in JS).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TargetInfo {
    /// Name used to pack (`der`, `esp32-at`, ...).
    pub name: &'static str,
    /// Family: `files`, `espressif`, `source` or `module`.
    pub family: &'static str,
    /// One line: what it writes and for which device.
    pub summary: &'static str,
    /// Parameters it accepts.
    pub params: Vec<ParamInfo>,
}

/// Every target with its parameters, in listing order.
pub fn targets() -> Vec<TargetInfo> {
    target::all()
        .into_iter()
        .map(|t| TargetInfo {
            name: t.name(),
            family: t.family().name(),
            summary: t.summary(),
            params: t
                .params()
                .iter()
                .map(|p| ParamInfo {
                    name: p.name,
                    help: p.help,
                    default: p.default,
                })
                .collect(),
        })
        .collect()
}

/// [`targets`] as pretty JSON with a final newline.
pub fn targets_json() -> String {
    to_json(&targets())
}

/// One line saying what an error kind means (for exception docstrings and documentation).
pub fn error_kind_summary(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Io => "A file could not be read or written.",
        ErrorKind::UnknownFormat => {
            "The input is not a format certpack recognises (PEM, DER, AWS CLI JSON or a known container)."
        }
        ErrorKind::Pem => "PEM armour or its base64 body is broken.",
        ErrorKind::Der => {
            "DER/ASN.1 structure is broken or is not the structure its label claims."
        }
        ErrorKind::Json => "JSON input (AWS CLI output) is malformed or lacks the expected fields.",
        ErrorKind::UnsupportedKey => {
            "A key type, curve or size certpack (or the chosen target) cannot handle."
        }
        ErrorKind::Passphrase => "An encrypted key needs a passphrase, or the passphrase is wrong.",
        ErrorKind::TooLarge => "An input or output exceeds a size limit.",
        ErrorKind::Target => "An unknown target, or a target parameter that is missing or invalid.",
        ErrorKind::Missing => "The bundle lacks an item the operation needs.",
        ErrorKind::Container => {
            "A binary container (AtPKI bin, NVS image, NONOS sector) is malformed."
        }
        ErrorKind::CheckFailed => "pack refused because check found errors (override with force).",
        ErrorKind::OutputExists => {
            "An output file exists already, or would overwrite an input."
        }
        ErrorKind::InvalidArgument => "An invalid argument to an API call.",
    }
}

/// An in-memory input without a file name, shown as `<bytes #N>` (`n` counts from 1).
pub fn unnamed_input(n: usize, bytes: impl Into<Vec<u8>>) -> Input {
    Input::from_bytes(format!("<bytes #{n}>"), bytes)
}

/// The inspection report plus where the bundle's parts are among its items.
#[derive(Debug, Clone, Serialize)]
pub struct BundleReport {
    /// Items, certificate ID, key match and notes.
    #[serde(flatten)]
    pub report: InspectReport,
    /// Index (into `items`) of the device certificate.
    pub leaf: Option<usize>,
    /// Index of the private key in use.
    pub key: Option<usize>,
    /// Indices of the intermediates, issuing order.
    pub chain: Vec<usize>,
    /// Indices of the roots: server trust anchors first.
    pub roots: Vec<usize>,
}

/// The report of `bundle` with the positions of leaf, key, chain and roots.
pub fn inspect(bundle: &Bundle) -> BundleReport {
    let position = |item: &crate::item::Item| {
        bundle
            .items()
            .iter()
            .position(|i| std::ptr::eq(i, item))
            .unwrap_or_default()
    };
    BundleReport {
        report: report::inspect(bundle),
        leaf: bundle.leaf_index(),
        key: bundle.key_index(),
        chain: bundle.chain().map(position).collect(),
        roots: bundle.roots().map(position).collect(),
    }
}

impl BundleReport {
    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        to_json(self)
    }
}

/// `check` options as plain values, as a binding receives them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckRequest {
    /// Name of the target the bundle is for.
    pub target: Option<String>,
    /// The cloud endpoint the device connects to.
    pub endpoint: Option<String>,
    /// The device's clock: `2024-05-01`, `2024-05-01T12:00:00Z` or Unix seconds.
    pub device_time: Option<String>,
    /// The current time in Unix seconds (the caller reads the clock; the core never does).
    pub now: Option<i64>,
    /// Warn when a certificate expires within this many days.
    pub expiry_warning_days: Option<u32>,
}

impl CheckRequest {
    /// Resolve the target name and parse the device time.
    pub fn options(&self) -> Result<CheckOptions> {
        Ok(CheckOptions {
            target: self.target.as_deref().map(target::find).transpose()?,
            endpoint: self.endpoint.clone(),
            device_time: self
                .device_time
                .as_deref()
                .map(Timestamp::parse)
                .transpose()?,
            now: self.now.map(Timestamp),
            expiry_warning_days: self.expiry_warning_days,
        })
    }
}

/// Run every check on `bundle`.
pub fn check(bundle: &Bundle, request: &CheckRequest) -> Result<Vec<Finding>> {
    Ok(check::run(bundle, &request.options()?))
}

/// Findings as pretty JSON with a final newline.
pub fn findings_json(findings: &[Finding]) -> String {
    to_json(&findings)
}

/// How `pack` runs `check` first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackOptions {
    /// Run `check` for the target first (its target and endpoint are filled in from the pack).
    pub check: Option<CheckRequest>,
    /// Write even when `check` finds errors.
    pub force: bool,
}

/// Pack `bundle` for the target `name`: check first (when asked), refuse on errors unless forced, then produce
/// the files plus `manifest.json` and `README.txt`, exactly as `certpack pack` writes them.
pub fn pack(bundle: &Bundle, name: &str, params: &Params, options: &PackOptions) -> Result<Output> {
    let Some(request) = &options.check else {
        let artifacts = target::pack(bundle, name, params)?;
        return Ok(Output::with_manifest(artifacts, Vec::new()));
    };
    let checked = check::pack_checked(
        bundle,
        name,
        params,
        &check::PackOptions {
            force: options.force,
            endpoint: request.endpoint.clone(),
            device_time: request
                .device_time
                .as_deref()
                .map(Timestamp::parse)
                .transpose()?,
            now: request.now.map(Timestamp),
            expiry_warning_days: request.expiry_warning_days,
        },
    )?;
    Ok(Output::with_manifest(checked.artifacts, checked.findings))
}

/// Convert every item of `bundle` into one form, exactly as `certpack convert` writes them (no manifest).
pub fn convert(bundle: &Bundle, options: &ConvertOptions) -> Result<Output> {
    let artifacts = convert::convert(bundle, options)?;
    Ok(Output::files_only(artifacts))
}

/// One file to write, with what it is. Its SHA-256 and text flag are worked out when asked for (or when the
/// metadata is serialized), not for every file a caller may never look at.
#[derive(Clone)]
pub struct OutputFile {
    /// Relative path with `/` separators.
    pub name: String,
    /// The exact bytes; wiped on drop when [`OutputFile::secret`].
    pub bytes: Vec<u8>,
    /// SHA-256 of the bytes when it is known already (the manifest needed it).
    known_sha256: Option<String>,
    /// One line: what the file is.
    pub description: String,
    /// True when the file contains private key material.
    pub secret: bool,
    /// Flash placement, for partition images.
    pub flash: Option<Flash>,
    /// The AT command that uploads or uses this file.
    pub at_command: Option<String>,
    /// Further values (integrity values a module echoes, symbol names, ...).
    pub meta: std::collections::BTreeMap<String, String>,
}

/// The serialized form of an [`OutputFile`] (the bindings' JSON), field order as documented.
#[derive(Serialize)]
struct FileInfo<'a> {
    name: &'a str,
    size: usize,
    sha256: String,
    description: &'a str,
    secret: bool,
    text: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    flash: Option<&'a Flash>,
    #[serde(skip_serializing_if = "Option::is_none")]
    at_command: Option<&'a str>,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    meta: &'a std::collections::BTreeMap<String, String>,
}

impl Serialize for OutputFile {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        FileInfo {
            name: &self.name,
            size: self.bytes.len(),
            sha256: self.sha256(),
            description: &self.description,
            secret: self.secret,
            text: self.is_text(),
            flash: self.flash.as_ref(),
            at_command: self.at_command.as_deref(),
            meta: &self.meta,
        }
        .serialize(serializer)
    }
}

impl std::fmt::Debug for OutputFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OutputFile({}, {} bytes)", self.name, self.bytes.len())
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if self.secret {
            crate::wipe::wipe(&mut self.bytes);
        }
    }
}

impl OutputFile {
    /// A file that holds no key (a manifest, a README).
    fn public(name: &str, bytes: Vec<u8>, description: &str) -> OutputFile {
        OutputFile {
            name: name.to_string(),
            bytes,
            known_sha256: None,
            description: description.to_string(),
            secret: false,
            flash: None,
            at_command: None,
            meta: Default::default(),
        }
    }

    /// An artifact's file, its contents moved over (not copied), with its SHA-256 when already computed.
    fn of_artifact(a: &mut Artifact, known_sha256: Option<String>) -> OutputFile {
        OutputFile {
            name: std::mem::take(&mut a.name),
            bytes: std::mem::take(&mut a.bytes),
            known_sha256,
            description: std::mem::take(&mut a.description),
            secret: a.secret,
            flash: a.flash.take(),
            at_command: a.at_command.take(),
            meta: std::mem::take(&mut a.meta),
        }
    }

    /// Size in bytes.
    pub fn size(&self) -> usize {
        self.bytes.len()
    }

    /// SHA-256 of the bytes, lowercase hex.
    pub fn sha256(&self) -> String {
        self.known_sha256
            .clone()
            .unwrap_or_else(|| crate::cert::sha256_hex(&self.bytes))
    }

    /// True when the file is UTF-8 text without control characters other than tab, CR and LF (worth previewing).
    pub fn is_text(&self) -> bool {
        is_text(&self.bytes)
    }
}

/// True for UTF-8 text without control characters other than tab, CR and LF.
pub fn is_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok()
        && !bytes
            .iter()
            .any(|&b| (b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n')) || b == 0x7f)
}

/// Everything a `pack` or `convert` produced: the files in writing order, with metadata, and the findings.
#[derive(Debug, Clone, Serialize)]
pub struct Output {
    /// Target name (`der`, `esp32-at`, `convert-pkcs8`, ...).
    pub target: String,
    /// The files, in the order the CLI writes them.
    pub files: Vec<OutputFile>,
    /// How to use the files (the target's part of `README.txt`).
    pub readme: String,
    /// Remarks (choices made, defaults applied, items skipped).
    pub notes: Vec<String>,
    /// What `check` found before packing (empty when it did not run).
    pub findings: Vec<Finding>,
}

impl Output {
    /// The artifacts followed by `manifest.json` and `README.txt` (what `certpack pack` writes).
    pub fn with_manifest(artifacts: Artifacts, findings: Vec<Finding>) -> Output {
        // Each file hashed once: the manifest lists the same SHA-256 values as the files.
        let hashes: Vec<String> = artifacts.files.iter().map(Artifact::sha256_hex).collect();
        let manifest = artifacts.manifest_json_with(&hashes).into_bytes();
        let readme = artifacts.readme_txt().into_bytes();
        let mut out = Output::from_artifacts(artifacts, hashes.into_iter().map(Some).collect());
        out.files.push(OutputFile::public(
            "manifest.json",
            manifest,
            "what each file is: size, sha256, placement or command (JSON)",
        ));
        out.files.push(OutputFile::public(
            "README.txt",
            readme,
            "how to use these files",
        ));
        out.findings = findings;
        out
    }

    /// The artifacts only (what `certpack convert` writes).
    pub fn files_only(artifacts: Artifacts) -> Output {
        let unknown = vec![None; artifacts.files.len()];
        Output::from_artifacts(artifacts, unknown)
    }

    /// The files of `artifacts` (moved, with their `sha256` in file order) and their texts.
    fn from_artifacts(mut artifacts: Artifacts, sha256: Vec<Option<String>>) -> Output {
        Output {
            files: artifacts
                .files
                .iter_mut()
                .zip(sha256)
                .map(|(a, sha256)| OutputFile::of_artifact(a, sha256))
                .collect(),
            target: artifacts.target,
            readme: artifacts.readme,
            notes: artifacts.notes,
            findings: Vec::new(),
        }
    }

    /// Everything but the bytes, as pretty JSON with a final newline (`files[i]` describes `self.files[i]`).
    pub fn to_json(&self) -> String {
        to_json(self)
    }
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into());
    text.push('\n');
    text
}
