//! Fleet batch mode: many devices, one or more targets, one output folder per device and a summary.
//!
//! A fleet is a folder of device folders (the folder name is the device id) or a manifest: CSV with the columns
//! `device_id,inputs[,param:NAME...]` (inputs separated by `;`, relative to the manifest) or JSON Lines with
//! `{"device_id": ..., "inputs": [...], "params": {...}}`. Devices run in parallel; one bad device never stops
//! the fleet. Each device folder is written to a temporary folder and renamed into place, so an interrupted run
//! leaves no half-written device; a re-run leaves alone the folders that already hold exactly what it would write.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::artifact::Artifact;
use crate::bundle::Bundle;
use crate::check::{self, PackOptions, Severity};
use crate::error::{Error, ErrorKind, Result};
use crate::input::{entry_type, Input, LoadOptions, ParentFolder};
use crate::target::{self, Params};
use crate::time::Timestamp;

mod chunks;
mod on_disk;
mod out_dir;
mod summary;
mod workers;
pub use chunks::FleetChunks;
use out_dir::OutDir;
pub use workers::{shared_pool, worker_pool};

/// One device of a fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Device id: the output folder name.
    pub id: String,
    /// Input files or folders.
    pub inputs: Vec<PathBuf>,
    /// Per-device target parameters (override the batch's).
    pub params: Params,
}

/// How to run a batch.
#[derive(Debug, Clone, Default)]
pub struct BatchOptions {
    /// Targets to pack for every device.
    pub targets: Vec<String>,
    /// Parameters for every device (per-device ones win).
    pub params: Params,
    /// Output folder: one sub-folder per device, plus `summary.csv` and `summary.json`.
    pub out_dir: PathBuf,
    /// Passphrase and other load options.
    pub load: LoadOptions,
    /// Write devices whose checks found errors anyway.
    pub force: bool,
    /// Current time for the checks (the core never reads the clock).
    pub now: Option<Timestamp>,
    /// Write only the outputs whose path in the device folder (`<target>/<name>`, e.g. `esp32-at/client_key.bin`)
    /// matches one of these patterns (`*` any characters but `/`, `?` one; a pattern without `/` matches the file
    /// name in every target folder). Empty: every output, with each target's `manifest.json` and `README.txt`.
    pub files: Vec<String>,
}

/// What happened to one device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Outputs written.
    Written,
    /// The device folder of an earlier run already held exactly these outputs, byte for byte; left as it was.
    Unchanged,
    /// Failed; see the error.
    Failed,
}

/// One output file of a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputFile {
    /// Path relative to the device folder (`<target>/<name>`).
    pub name: String,
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
}

/// The outcome for one device.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceResult {
    /// Device id.
    pub device: String,
    /// What happened.
    pub status: Status,
    /// AWS certificate ID of the leaf.
    pub certificate_id: Option<String>,
    /// Leaf expiry, RFC 3339.
    pub expiry: Option<String>,
    /// Codes of the check findings (warnings and errors).
    pub findings: Vec<String>,
    /// Every output with its SHA-256.
    pub outputs: Vec<OutputFile>,
    /// The error, for failed devices.
    pub error: Option<String>,
    /// The error's kind code, for failed devices.
    pub error_kind: Option<&'static str>,
}

/// The outcome of a batch.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Devices written.
    pub written: usize,
    /// Devices skipped as unchanged.
    pub unchanged: usize,
    /// Devices failed.
    pub failed: usize,
    /// Per device, in fleet order.
    pub devices: Vec<DeviceResult>,
}

/// Find the devices of a fleet folder or manifest (CSV or JSON Lines).
pub fn discover(fleet: &Path) -> Result<Vec<Device>> {
    let shown = fleet.display().to_string();
    let meta = fs::metadata(fleet).map_err(|e| Error::from(e).in_path(&shown))?;
    let devices = if meta.is_dir() {
        let mut dirs: Vec<PathBuf> = fs::read_dir(fleet)
            .map_err(|e| Error::from(e).in_path(&shown))?
            .filter_map(|e| e.ok())
            .filter(|e| {
                !e.file_name().as_encoded_bytes().starts_with(b".")
                    && entry_type(e).is_some_and(|t| t.is_dir())
            })
            .map(|e| e.path())
            .collect();
        // All in one folder: ordering the whole paths' bytes orders the names, as `Path`'s slower comparison
        // (component by component) would.
        dirs.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
        dirs.into_iter()
            .map(|p| Device {
                id: file_name(&p),
                inputs: vec![p],
                params: Params::new(),
            })
            .collect()
    } else {
        let text = fs::read_to_string(fleet).map_err(|e| Error::from(e).in_path(&shown))?;
        let base = fleet.parent().unwrap_or(Path::new("."));
        if shown.to_ascii_lowercase().ends_with(".csv") {
            parse_csv(&text, base).map_err(|e| e.in_path(&shown))?
        } else {
            parse_jsonl(&text, base).map_err(|e| e.in_path(&shown))?
        }
    };
    if devices.is_empty() {
        return Err(Error::new(
            ErrorKind::Missing,
            "the fleet has no devices",
            "give a folder of device folders, or a CSV/JSONL manifest with one row per device",
        )
        .in_path(shown));
    }
    unique_ids(&devices).map_err(|e| e.in_path(shown))?;
    Ok(devices)
}

/// The devices of a list of device folders, in the order given, each folder's name its device id: for callers
/// that already hold the list (from a database, or a selection of a fleet folder) rather than a folder to list.
pub fn devices_in_folders(folders: &[PathBuf]) -> Result<Vec<Device>> {
    if folders.is_empty() {
        return Err(Error::new(
            ErrorKind::Missing,
            "the list of device folders is empty",
            "give at least one device folder",
        ));
    }
    let devices: Vec<Device> = folders
        .iter()
        .map(|folder| Device {
            id: file_name(folder),
            inputs: vec![folder.clone()],
            params: Params::new(),
        })
        .collect();
    unique_ids(&devices)?;
    Ok(devices)
}

/// Refuse two devices with the same id: they would write the same output folder.
fn unique_ids(devices: &[Device]) -> Result<()> {
    let mut ids: Vec<&str> = devices.iter().map(|d| d.id.as_str()).collect();
    ids.sort_unstable();
    match ids.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("device id \"{}\" appears twice", w[0]),
            "give every device a unique id (a device folder's name is its id)",
        )),
        None => Ok(()),
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn parse_csv(text: &str, base: &Path) -> Result<Vec<Device>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let bad = |msg: String| {
        Error::new(ErrorKind::InvalidArgument, msg, "the CSV needs a header row: device_id,inputs[,param:NAME...]; inputs are separated by ';'")
    };
    let headers = reader
        .headers()
        .map_err(|e| bad(format!("the CSV cannot be read ({e})")))?
        .clone();
    let (Some(id_col), Some(in_col)) = (
        headers.iter().position(|h| h == "device_id"),
        headers.iter().position(|h| h == "inputs"),
    ) else {
        return Err(bad("the CSV has no device_id and inputs columns".into()));
    };
    let mut devices = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| bad(format!("row {} cannot be read ({e})", n + 2)))?;
        let mut params = Params::new();
        for (h, v) in headers.iter().zip(record.iter()) {
            if let Some(name) = h.strip_prefix("param:") {
                if !v.is_empty() {
                    params.set(name, v);
                }
            }
        }
        let inputs = record
            .get(in_col)
            .unwrap_or_default()
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|p| base.join(p))
            .collect();
        devices.push(Device {
            id: record.get(id_col).unwrap_or_default().to_string(),
            inputs,
            params,
        });
    }
    Ok(devices)
}

#[derive(Deserialize)]
struct JsonDevice {
    device_id: String,
    inputs: Vec<String>,
    #[serde(default)]
    params: std::collections::BTreeMap<String, serde_json::Value>,
}

fn parse_jsonl(text: &str, base: &Path) -> Result<Vec<Device>> {
    let mut devices = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let d: JsonDevice = serde_json::from_str(line).map_err(|e| {
            Error::new(ErrorKind::Json, format!("line {} is not a device record ({e})", n + 1), "each line must be {\"device_id\": \"...\", \"inputs\": [\"...\"], \"params\": {...}}")
        })?;
        let mut params = Params::new();
        for (k, v) in d.params {
            params.set(
                &k,
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string()),
            );
        }
        devices.push(Device {
            id: d.device_id,
            inputs: d.inputs.iter().map(|p| base.join(p)).collect(),
            params,
        });
    }
    Ok(devices)
}

/// Run the batch over `devices`; `progress` is called once per finished device (from worker threads).
pub fn run(
    devices: &[Device],
    options: &BatchOptions,
    progress: &(dyn Fn(&DeviceResult) + Sync),
) -> Result<Summary> {
    // Never stopped, so every device has its result.
    let results = run_devices(devices, options, progress, &|| true)?;
    finish(results.into_iter().flatten().collect(), options)
}

/// [`run`], stopping early once `stop` is set (a binding's Ctrl-C): devices not started by then are left alone,
/// those under way finish, so each device folder is complete or absent as after a killed run, and no summary is
/// written. `None` when the run stopped before its last device; running it again does the rest and keeps the
/// complete folders.
pub fn run_until(
    devices: &[Device],
    options: &BatchOptions,
    progress: &(dyn Fn(&DeviceResult) + Sync),
    stop: &AtomicBool,
) -> Result<Option<Summary>> {
    let go_on = || !stop.load(Ordering::Relaxed);
    let results = run_devices(devices, options, progress, &go_on)?;
    match results.into_iter().collect::<Option<Vec<_>>>() {
        Some(devices) => finish(devices, options).map(Some),
        None => Ok(None),
    }
}

/// Each device's result in fleet order; `None` for a device not started because `go_on` said no.
fn run_devices(
    devices: &[Device],
    options: &BatchOptions,
    progress: &(dyn Fn(&DeviceResult) + Sync),
    go_on: &(dyn Fn() -> bool + Sync),
) -> Result<Vec<Option<DeviceResult>>> {
    check_options(options)?;
    fs::create_dir_all(&options.out_dir)
        .map_err(|e| Error::from(e).in_path(options.out_dir.display().to_string()))?;
    let out = OutFolder::scan(&options.out_dir)?;
    let shared = target_params(options);
    let fleet = fleet_folder(devices);
    Ok(devices
        .par_iter()
        // A device per task: a worker out of devices takes one more from another's share rather than waiting
        // while that worker finishes a run of them (milliseconds at the end of a batch).
        .with_max_len(1)
        .map(|d| {
            go_on().then(|| {
                let result = run_device(d, options, &shared, &out, fleet.as_ref());
                progress(&result);
                result
            })
        })
        .collect())
}

/// Count the results and write the summary files.
fn finish(devices: Vec<DeviceResult>, options: &BatchOptions) -> Result<Summary> {
    let count = |s: Status| devices.iter().filter(|d| d.status == s).count();
    let summary = Summary {
        written: count(Status::Written),
        unchanged: count(Status::Unchanged),
        failed: count(Status::Failed),
        devices,
    };
    summary::write_summary(&summary, &options.out_dir)?;
    Ok(summary)
}

/// Refuse a batch that could only fail: no target, an unknown target, a file pattern no target writes, a
/// parameter no target takes.
fn check_options(options: &BatchOptions) -> Result<()> {
    if options.targets.is_empty() {
        return Err(Error::new(
            ErrorKind::Target,
            "no target was given",
            "name at least one target (certpack targets lists them)",
        ));
    }
    for name in &options.targets {
        target::find(name)?;
    }
    check_file_patterns(&options.files, &options.targets)?;
    check_params(&options.params, &options.targets)
}

/// One device's outputs in memory (see [`pack_fleet`]).
#[derive(Debug)]
pub struct DeviceOutputs {
    /// Device id.
    pub device: String,
    /// AWS certificate ID of the leaf.
    pub certificate_id: Option<String>,
    /// Leaf expiry, RFC 3339.
    pub expiry: Option<String>,
    /// Codes of the check findings (warnings and errors).
    pub findings: Vec<String>,
    /// The outputs in writing order, named `<target>/<file>` as in a device folder of [`run`]: what the folder
    /// holds, each file's name and bytes, those holding key material marked `secret` and wiped on drop. What
    /// each file is and where it goes is in its target's `manifest.json` and `README.txt` when the file patterns
    /// keep them; the artifacts' descriptions, placements, AT commands and metadata are empty. Empty for a
    /// failed device.
    pub files: Vec<Artifact>,
    /// Why the device failed.
    pub error: Option<Error>,
}

/// What [`run`] writes for each device, returned instead of written: the same checks, the same file selection,
/// manifests and READMEs, byte for byte, without the summary. Devices run in parallel on
/// rayon's threads and one bad device never stops the others; the result is in fleet order. `options.out_dir`
/// is not used.
pub fn pack_fleet(devices: &[Device], options: &BatchOptions) -> Result<Vec<DeviceOutputs>> {
    check_options(options)?;
    Ok(pack_devices(devices, options))
}

/// [`pack_fleet`] with the options already checked.
fn pack_devices(devices: &[Device], options: &BatchOptions) -> Vec<DeviceOutputs> {
    let shared = target_params(options);
    let fleet = fleet_folder(devices);
    devices
        .par_iter()
        // A device per task, as in `run_devices`.
        .with_max_len(1)
        .map(|device| {
            let packed = read_device(device, options, fleet.as_ref()).and_then(|(inputs, own)| {
                pack_outputs(&inputs, options, &TargetParams::new(own, &shared), false)
            });
            match packed {
                Ok(mut p) => {
                    // The manifests and READMEs are written: each file's description and metadata go now, on
                    // the thread that made them. Kept for a whole chunk, their blocks were the allocator's cold
                    // memory for the next one.
                    p.files.iter_mut().for_each(Artifact::keep_contents_only);
                    DeviceOutputs {
                        device: device.id.clone(),
                        certificate_id: p.certificate_id,
                        expiry: p.expiry,
                        findings: p.findings,
                        files: p.files,
                        error: None,
                    }
                }
                Err(error) => DeviceOutputs::failed(device, error),
            }
        })
        .collect()
}

impl DeviceOutputs {
    /// A device that failed with `error`: no files.
    fn failed(device: &Device, error: Error) -> DeviceOutputs {
        DeviceOutputs {
            device: device.id.clone(),
            certificate_id: None,
            expiry: None,
            findings: Vec::new(),
            files: Vec::new(),
            error: Some(error),
        }
    }
}

/// The output folder as a run found it, listed once before any device runs.
struct OutFolder {
    /// The folder, open for the run.
    dir: OutDir,
    /// Names in the folder (leftovers excluded); `None` when it could not be listed.
    earlier: Option<HashSet<String>>,
    /// This process's id, part of the temporary folder names.
    pid: u32,
}

impl OutFolder {
    /// Open and list `out`, removing the temporary and replaced folders of an interrupted earlier run.
    fn scan(out: &Path) -> Result<Self> {
        let dir =
            OutDir::open(out).map_err(|e| Error::from(e).in_path(out.display().to_string()))?;
        let earlier = fs::read_dir(out).ok().map(|entries| {
            let mut names = HashSet::new();
            for e in entries.filter_map(|e| e.ok()) {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with(".certpack-tmp-") || name.starts_with(".certpack-old-") {
                    let _ = fs::remove_dir_all(e.path());
                } else {
                    names.insert(name);
                }
            }
            names
        });
        Ok(OutFolder {
            dir,
            earlier,
            pid: std::process::id(),
        })
    }

    /// Whether an earlier run may have written device `id` (only such a device can be unchanged).
    fn may_hold(&self, id: &str) -> bool {
        self.earlier.as_ref().is_none_or(|names| names.contains(id))
    }
}

fn failed(device: &Device, err: &Error) -> DeviceResult {
    DeviceResult {
        device: device.id.clone(),
        status: Status::Failed,
        certificate_id: None,
        expiry: None,
        findings: Vec::new(),
        outputs: Vec::new(),
        error: Some(err.to_string()),
        error_kind: Some(err.kind().code()),
    }
}

fn run_device(
    device: &Device,
    options: &BatchOptions,
    shared: &[Params],
    out: &OutFolder,
    fleet: Option<&ParentFolder>,
) -> DeviceResult {
    match pack_device(device, options, shared, out, fleet) {
        Ok(result) => result,
        Err(err) => failed(device, &err),
    }
}

fn safe_id(id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id != "."
        && id != ".."
        && !id.starts_with('.')
        && !id.contains(['/', '\\', '\0']);
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("device id \"{id}\" cannot be a folder name"),
            "use letters, digits, '-' and '_' in device ids",
        ))
    }
}

/// A device's inputs, read, and its parameters when it has its own: the batch's, overridden by the device's.
fn read_device(
    device: &Device,
    options: &BatchOptions,
    fleet: Option<&ParentFolder>,
) -> Result<(Vec<Input>, Option<Params>)> {
    safe_id(&device.id)?;
    let read = |p: &Path| match fleet {
        Some(folder) => folder.read_path(p),
        None => Input::read_path(p),
    };
    let mut inputs = Vec::new();
    for p in &device.inputs {
        inputs.extend(read(p)?);
    }
    if device.params.iter().next().is_none() {
        return Ok((inputs, None));
    }
    let mut params = options.params.clone();
    for (k, v) in device.params.iter() {
        params.set(k, v);
    }
    Ok((inputs, Some(params)))
}

/// The folder holding the first device's first input, opened once for a run or a chunk: a fleet folder's device
/// folders all sit in it and are then opened by their names in it ([`ParentFolder`]).
fn fleet_folder(devices: &[Device]) -> Option<ParentFolder> {
    let parent = devices.first()?.inputs.first()?.parent()?;
    Some(ParentFolder::open(parent))
}

/// Each target's parameters for one device.
enum TargetParams<'a> {
    /// The batch's, worked out once per run for each target in order ([`target_params`]): most devices bring no
    /// parameters of their own.
    Shared(&'a [Params]),
    /// The device's own (the batch's overridden by the device's), picked for each target as it is packed.
    Device(Params),
}

impl<'a> TargetParams<'a> {
    fn new(own: Option<Params>, shared: &'a [Params]) -> TargetParams<'a> {
        own.map_or(TargetParams::Shared(shared), TargetParams::Device)
    }
    /// The parameters of the `index`-th target of the batch, `name`.
    fn for_target(
        &self,
        index: usize,
        name: &str,
        target: &dyn target::Target,
    ) -> std::borrow::Cow<'_, Params> {
        match self {
            TargetParams::Shared(list) => match list.get(index) {
                Some(params) => std::borrow::Cow::Borrowed(params),
                None => std::borrow::Cow::Owned(Params::new()),
            },
            TargetParams::Device(params) => {
                std::borrow::Cow::Owned(params_for(name, target, params))
            }
        }
    }
}

/// The batch's parameters for each of its targets, in order (an unknown target gets none: packing it fails).
fn target_params(options: &BatchOptions) -> Vec<Params> {
    options
        .targets
        .iter()
        .map(|name| {
            target::find(name)
                .map(|t| params_for(name, t, &options.params))
                .unwrap_or_default()
        })
        .collect()
}

/// Pack one device and write its folder, unless an earlier run's folder already holds exactly these files (then
/// it is `unchanged`: every device is packed and checked again, so the summary has today's findings).
fn pack_device(
    device: &Device,
    options: &BatchOptions,
    shared: &[Params],
    out: &OutFolder,
    fleet: Option<&ParentFolder>,
) -> Result<DeviceResult> {
    let (inputs, own) = read_device(device, options, fleet)?;
    let packed = pack_outputs(&inputs, options, &TargetParams::new(own, shared), true)?;
    let unchanged = out.may_hold(&device.id)
        && on_disk::holds_exactly(&out.dir.join(&device.id), &packed.files);
    if !unchanged {
        write_device(&out.dir, &device.id, out.pid, &packed.files)?;
    }
    // Written: each file gives the summary its name and SHA-256, and is dropped (wiped when secret).
    let outputs = packed
        .files
        .into_iter()
        .zip(packed.sha256)
        .map(|(mut a, sha256)| OutputFile {
            sha256: sha256.unwrap_or_else(|| a.sha256_hex()),
            name: std::mem::take(&mut a.name),
        })
        .collect();
    Ok(DeviceResult {
        device: device.id.clone(),
        status: if unchanged {
            Status::Unchanged
        } else {
            Status::Written
        },
        certificate_id: packed.certificate_id,
        expiry: packed.expiry,
        findings: packed.findings,
        outputs,
        error: None,
        error_kind: None,
    })
}

/// What a device folder holds, in memory.
struct Packed {
    certificate_id: Option<String>,
    expiry: Option<String>,
    findings: Vec<String>,
    /// The outputs in writing order, named `<target>/<file>`.
    files: Vec<Artifact>,
    /// `files[i]`'s SHA-256 when it was computed (every file with `hash_all`, else those a manifest lists).
    sha256: Vec<Option<String>>,
}

/// Check and pack every target for one device, keep the files the patterns select and add the selected
/// manifests and READMEs. With `hash_all`, every file is hashed (once: a manifest lists the same values).
fn pack_outputs(
    inputs: &[Input],
    options: &BatchOptions,
    params: &TargetParams<'_>,
    hash_all: bool,
) -> Result<Packed> {
    let bundle = Bundle::load(inputs, &options.load)?;
    let leaf = bundle.leaf().and_then(|l| l.certificate());
    // The summary keeps the codes alone: the checks decide without writing their texts.
    let checker = check::Checker::codes_only(&bundle);
    let mut findings = Vec::new();
    let mut packed = Vec::new();
    let pack_options = PackOptions {
        force: options.force,
        now: options.now,
        ..Default::default()
    };
    for (index, name) in options.targets.iter().enumerate() {
        let target = target::find(name)?;
        let params = params.for_target(index, name, target);
        // Only what the patterns select is built where a target can leave files out (a module's AT script).
        let patterns = patterns_for(&options.files, name);
        let wanted =
            |file: &str| options.files.is_empty() || patterns.iter().any(|(_, p)| p.matches(file));
        let checked =
            check::pack_checked_wanted(&checker, target, &params, &pack_options, &wanted)?;
        findings.extend(
            checked
                .findings
                .iter()
                .filter(|f| f.severity > Severity::Info)
                .map(|f| f.code),
        );
        packed.push(TargetOutputs {
            target: name,
            patterns,
            artifacts: checked.artifacts,
        });
    }
    // Every target sees the bundle's own findings: each code once, turned into text once.
    findings.sort_unstable();
    findings.dedup();
    let findings = findings.into_iter().map(str::to_string).collect();
    let (with_manifest, with_readme) = select_files(&mut packed, &options.files)?;
    // Room for every file and each target's manifest and README: no reallocation of the list per device.
    let room = packed.iter().map(|t| t.artifacts.files.len() + 2).sum();
    let mut files = Vec::with_capacity(room);
    let mut sha256 = Vec::with_capacity(room);
    for (
        (
            TargetOutputs {
                target,
                mut artifacts,
                ..
            },
            manifest,
        ),
        readme,
    ) in packed.into_iter().zip(with_manifest).zip(with_readme)
    {
        let count = artifacts.files.len();
        let hashes: Option<Vec<String>> = (hash_all || manifest).then(|| {
            let sha256 = |file: &Artifact| output_sha256(file, &bundle);
            artifacts.files.iter().map(sha256).collect()
        });
        let manifest =
            manifest.then(|| artifacts.manifest_json_with(hashes.as_deref().unwrap_or_default()));
        let readme = readme.then(|| artifacts.readme_txt());
        for mut a in std::mem::take(&mut artifacts.files) {
            a.name = in_target(target, &a.name);
            files.push(a);
        }
        match hashes {
            Some(hashes) => sha256.extend(hashes.into_iter().map(Some)),
            None => sha256.extend(std::iter::repeat_n(None, count)),
        }
        let extras = [
            (
                manifest,
                "manifest.json",
                "what each file is: size, sha256, placement or command (JSON)",
            ),
            (readme, "README.txt", "how to use these files"),
        ];
        for (text, file, description) in extras {
            if let Some(text) = text {
                let a = Artifact::new(in_target(target, file), text, description);
                sha256.push(hash_all.then(|| a.sha256_hex()));
                files.push(a);
            }
        }
    }
    Ok(Packed {
        certificate_id: leaf.map(|c| c.aws_certificate_id()),
        expiry: leaf.map(|c| c.not_after().rfc3339()),
        findings,
        files,
        sha256,
    })
}

/// A file's SHA-256 as hex. A certificate of the bundle written as DER (`der`'s `client.crt.der` and
/// `ca.crt.der`) takes the certificate's own: computed once, for a fleet's root once per process.
fn output_sha256(file: &Artifact, bundle: &Bundle) -> String {
    let certificate = bundle
        .items()
        .iter()
        .filter_map(|item| item.certificate())
        .find(|c| c.der() == file.bytes.as_slice());
    match certificate {
        Some(c) => c.sha256_hex(),
        None => file.sha256_hex(),
    }
}

/// `<target>/<file>`, a file's path in a device folder, allocated once at its size.
fn in_target(target: &str, file: &str) -> String {
    let mut path = String::with_capacity(target.len() + 1 + file.len());
    path.push_str(target);
    path.push('/');
    path.push_str(file);
    path
}

/// One target's outputs for a device, with the file patterns that can select them (see [`patterns_for`]).
struct TargetOutputs<'a> {
    target: &'a str,
    patterns: Vec<(usize, FilePattern<'a>)>,
    artifacts: crate::artifact::Artifacts,
}

/// Keep the outputs `patterns` select (all when there are none): drop the others from each target's artifacts, so
/// a target's `manifest.json` and `README.txt` describe exactly the files written beside them. Returns, per target,
/// whether its `manifest.json` and its `README.txt` are wanted. A pattern that selects nothing is an error: it
/// is almost certainly mistyped, and a fleet written without the files it was meant to hold is worse than none.
fn select_files(
    packed: &mut [TargetOutputs<'_>],
    patterns: &[String],
) -> Result<(Vec<bool>, Vec<bool>)> {
    if patterns.is_empty() {
        return Ok((vec![true; packed.len()], vec![true; packed.len()]));
    }
    let mut used = vec![false; patterns.len()];
    // Decide every file first (the error lists them all), then drop the unwanted ones.
    let keep: Vec<(Vec<bool>, bool, bool)> = packed
        .iter()
        .map(|t| {
            let mut wanted = |file: &str| {
                let mut any = false;
                for &(i, pattern) in &t.patterns {
                    if pattern.matches(file) {
                        used[i] = true;
                        any = true;
                    }
                }
                any
            };
            let files = t.artifacts.files.iter().map(|a| wanted(&a.name)).collect();
            (files, wanted("manifest.json"), wanted("README.txt"))
        })
        .collect();
    if let Some((pattern, _)) = patterns.iter().zip(&used).find(|(_, used)| !**used) {
        let outputs: Vec<String> = packed
            .iter()
            .flat_map(
                |TargetOutputs {
                     target, artifacts, ..
                 }| {
                    let built = artifacts.files.iter().map(|a| a.name.as_str());
                    let left_out = artifacts.left_out.iter().map(String::as_str);
                    built
                        .chain(left_out)
                        .chain(["manifest.json", "README.txt"])
                        .map(move |name| format!("{target}/{name}"))
                },
            )
            .collect();
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("the file pattern \"{pattern}\" matches none of this device's outputs"),
            format!(
                "patterns match <target>/<file> or a bare file name; the outputs are: {}",
                outputs.join(", ")
            ),
        ));
    }
    let (mut manifests, mut readmes) = (Vec::new(), Vec::new());
    for (t, (files, manifest, readme)) in packed.iter_mut().zip(keep) {
        let mut wanted = files.into_iter();
        t.artifacts.files.retain(|_| wanted.next().unwrap_or(false));
        manifests.push(manifest);
        readmes.push(readme);
    }
    Ok((manifests, readmes))
}

/// Refuse, before any device runs, a file pattern that is empty or names a target folder the batch does not write.
fn check_file_patterns(patterns: &[String], targets: &[String]) -> Result<()> {
    for pattern in patterns {
        let known = targets
            .iter()
            .any(|t| FilePattern::for_target(pattern, t).is_some());
        if pattern.is_empty() || pattern.ends_with('/') || !known {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("the file pattern \"{pattern}\" selects no output of the targets {}", targets.join(", ")),
                "write <target>/<file> with one of the batch's targets (e.g. esp32-at/client_*.bin) or a bare file name (e.g. *.der)",
            ));
        }
    }
    Ok(())
}

/// Whether `pattern` selects the output `<target>/<file>`: a pattern with `/` is matched against that whole path
/// component by component, one without against the file name alone.
#[cfg(test)]
fn file_pattern_matches(pattern: &str, target: &str, file: &str) -> bool {
    FilePattern::for_target(pattern, target).is_some_and(|p| p.matches(file))
}

/// A file pattern that can select outputs of one target, its target component already matched: each target's
/// patterns are found once per device (before the target packs, which builds only what they select), then only
/// the file part is matched against each output.
#[derive(Clone, Copy)]
enum FilePattern<'a> {
    /// A pattern without `/`: matched against the file name alone.
    Name(&'a str),
    /// The components after `<target>/`: matched against the file's path in the target folder.
    Path(&'a str),
}

impl<'a> FilePattern<'a> {
    /// `pattern` for outputs of `target`: `None` when its target component does not match.
    fn for_target(pattern: &'a str, target: &str) -> Option<FilePattern<'a>> {
        match pattern.split_once('/') {
            None => Some(FilePattern::Name(pattern)),
            Some((folder, rest)) => {
                wildcard(folder.as_bytes(), target.as_bytes()).then_some(FilePattern::Path(rest))
            }
        }
    }

    /// Whether this pattern selects `file` (a path in the target folder).
    fn matches(self, file: &str) -> bool {
        match self {
            FilePattern::Name(pattern) => {
                let name = file.rsplit_once('/').map_or(file, |(_, name)| name);
                wildcard(pattern.as_bytes(), name.as_bytes())
            }
            FilePattern::Path(rest) => {
                // Split as bytes: `str::split` sets up a searcher per call, and this runs per file per pattern.
                let slash = |b: &u8| *b == b'/';
                let (mut parts, mut path) =
                    (rest.as_bytes().split(slash), file.as_bytes().split(slash));
                loop {
                    match (parts.next(), path.next()) {
                        (Some(p), Some(c)) if wildcard(p, c) => {}
                        (None, None) => return true,
                        _ => return false,
                    }
                }
            }
        }
    }
}

/// The patterns of `patterns` that can select outputs of `target`, with their index in `patterns`.
fn patterns_for<'a>(patterns: &'a [String], target: &str) -> Vec<(usize, FilePattern<'a>)> {
    patterns
        .iter()
        .enumerate()
        .filter_map(|(i, p)| FilePattern::for_target(p, target).map(|p| (i, p)))
        .collect()
}

/// Shell-style matching of one path component: `*` any run of characters, `?` exactly one (output names are
/// ASCII), anything else itself.
fn wildcard(pattern: &[u8], text: &[u8]) -> bool {
    // The usual shapes first: a literal name, or `*` and a literal suffix (`*.der`).
    let literal = |p: &[u8]| !p.iter().any(|&c| c == b'*' || c == b'?');
    match pattern.split_first() {
        Some((b'*', suffix)) if literal(suffix) => text.ends_with(suffix),
        _ if literal(pattern) => pattern == text,
        _ => wildcard_backtracking(pattern, text),
    }
}

/// [`wildcard`] for any pattern: greedy with backtracking to the last `*` only, linear in practice, never
/// exponential.
fn wildcard_backtracking(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// The parameters `target` knows, from the merged set (a batch may serve targets with different parameters):
/// `NAME` for every target that has it, then `TARGET.NAME` for that target alone (e.g. `der.key-format=pkcs8`
/// while the other targets keep theirs).
fn params_for(name: &str, target: &dyn target::Target, params: &Params) -> Params {
    let mut out = Params::new();
    for (k, v) in params.iter() {
        if !k.contains('.') && target::has_param(target, k) {
            out.set(k, v);
        }
    }
    for (k, v) in params.iter() {
        if let Some((t, k)) = k.split_once('.') {
            if t == name && target::has_param(target, k) {
                out.set(k, v);
            }
        }
    }
    out
}

/// Refuse a parameter none of the batch's targets knows: silently ignored, a mistyped `key-fromat` would write a
/// whole fleet in the wrong form.
fn check_params(params: &Params, targets: &[String]) -> Result<()> {
    let knows = |t: &str, k: &str| target::find(t).is_ok_and(|t| target::has_param(t, k));
    for (k, _) in params.iter() {
        let known = match k.split_once('.') {
            Some((t, k)) => targets.iter().any(|n| n == t) && knows(t, k),
            None => targets.iter().any(|t| knows(t, k)),
        };
        if !known {
            let mut names: Vec<&str> = targets
                .iter()
                .filter_map(|t| target::find(t).ok())
                .flat_map(|t| t.params().iter().map(|p| p.name))
                .collect();
            names.sort_unstable();
            names.dedup();
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("no target of this batch ({}) has the parameter {k}", targets.join(", ")),
                format!(
                    "use one of: {} (as NAME=VALUE for every target that has it, or TARGET.NAME=VALUE for one)",
                    names.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// Write a device folder through a temporary folder and renames. Each folder is created once (not once per file).
fn write_device(out: &OutDir, id: &str, pid: u32, files: &[Artifact]) -> Result<()> {
    let tmp = format!(".certpack-tmp-{id}-{pid}");
    let io =
        |e: std::io::Error, rel: &str| Error::from(e).in_path(out.join(rel).display().to_string());
    if let Err(e) = out.create_dir(&tmp) {
        // A leftover with this process id (every run starts by removing leftovers): clear it, try once more.
        if e.kind() != std::io::ErrorKind::AlreadyExists {
            return Err(io(e, &tmp));
        }
        let _ = fs::remove_dir_all(out.join(&tmp));
        out.create_dir(&tmp).map_err(|e| io(e, &tmp))?;
    }
    let mut made: Vec<&str> = Vec::new();
    // `<tmp>/<path in the device folder>`, one buffer for every folder and file.
    let mut path = format!("{tmp}/");
    let in_tmp = path.len();
    for file in files {
        if let Some((folder, _)) = file.name.rsplit_once('/') {
            // Each folder on the way once (an output may sit a few folders down).
            for (end, _) in folder.match_indices('/').chain([(folder.len(), "")]) {
                let part = &folder[..end];
                if made.contains(&part) {
                    continue;
                }
                path.truncate(in_tmp);
                path.push_str(part);
                match out.create_dir(&path) {
                    Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                        return Err(io(e, &path))
                    }
                    _ => made.push(part),
                }
            }
        }
        path.truncate(in_tmp);
        path.push_str(&file.name);
        out.write(&path, &file.bytes).map_err(|e| io(e, &path))?;
    }
    // A new device moves into place in one rename; an earlier folder of the device (the rename fails on a
    // non-empty folder) is moved aside first and deleted after.
    match out.rename(&tmp, id) {
        Ok(()) => Ok(()),
        Err(e) if !out.join(id).exists() => Err(io(e, id)),
        Err(_) => {
            let old = format!(".certpack-old-{id}-{pid}");
            out.rename(id, &old).map_err(|e| io(e, id))?;
            out.rename(&tmp, id).map_err(|e| io(e, id))?;
            let _ = fs::remove_dir_all(out.join(&old));
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{file_pattern_matches, wildcard, wildcard_backtracking};

    #[test]
    fn wildcards_match_like_the_shell() {
        let yes = [
            ("*", ""),
            ("*", "client_key.bin"),
            ("client_*.bin", "client_.bin"),
            ("client_*.bin", "client_cert.bin"),
            ("?lient*", "client"),
            ("a*b*c", "aXbYbZc"),
            ("*.pem", "a.pem.pem"),
            ("**x", "x"),
        ];
        for (p, t) in yes {
            assert!(wildcard(p.as_bytes(), t.as_bytes()), "{p} {t}");
        }
        let no = [
            ("?", ""),
            ("*.pem", "a.pem.bin"),
            ("a*b*c", "aXbYbZ"),
            ("client", "client_"),
            ("x", ""),
        ];
        for (p, t) in no {
            assert!(!wildcard(p.as_bytes(), t.as_bytes()), "{p} {t}");
        }
        // The shortcuts for literal names and `*suffix` agree with the general matcher.
        let patterns = [
            "",
            "*",
            "*.der",
            "cert.der",
            "*der",
            "*.pem.pem",
            "a",
            "?",
            "*?",
        ];
        let texts = [
            "",
            "der",
            ".der",
            "cert.der",
            "cert.der.bin",
            "a.pem.pem",
            "a",
            "ab",
        ];
        for p in patterns {
            for t in texts {
                assert_eq!(
                    wildcard(p.as_bytes(), t.as_bytes()),
                    wildcard_backtracking(p.as_bytes(), t.as_bytes()),
                    "{p:?} {t:?}"
                );
            }
        }
    }

    #[test]
    fn patterns_match_whole_paths_or_file_names() {
        assert!(file_pattern_matches("*.der", "der", "client.crt.der"));
        assert!(file_pattern_matches(
            "certs.h",
            "platformio",
            "include/certs.h"
        ));
        assert!(file_pattern_matches(
            "platformio/include/*.h",
            "platformio",
            "include/certs.h"
        ));
        assert!(file_pattern_matches("*/*.der", "der", "ca.crt.der"));
        // `*` never crosses a folder.
        assert!(!file_pattern_matches(
            "platformio/*.h",
            "platformio",
            "include/certs.h"
        ));
        assert!(!file_pattern_matches("der/*.der", "esp32-at", "x.der"));
        assert!(!file_pattern_matches("der", "der", "client.crt.der"));
    }
}
