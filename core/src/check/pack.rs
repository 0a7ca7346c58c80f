//! `pack` with checks: run [`run`](super::run) with the target's capabilities and refuse to write on an error
//! finding unless forced. The CLI, Python and JS all go through here, so they refuse the same bundles.

use super::{CheckOptions, Checker, Finding, Severity};
use crate::artifact::Artifacts;
use crate::bundle::Bundle;
use crate::error::{Error, ErrorKind, Result};
use crate::target::{self, Params, Target};
use crate::time::Timestamp;

/// Options of a checked pack.
#[derive(Debug, Clone, Default)]
pub struct PackOptions {
    /// Write even when the check finds errors (the errors are recorded in the manifest's notes).
    pub force: bool,
    /// The cloud endpoint; defaults to the target's `endpoint` parameter when it has one.
    pub endpoint: Option<String>,
    /// The device's clock, when known.
    pub device_time: Option<Timestamp>,
    /// The current time, given by the caller (the CLI passes the system clock, JS `Date.now()`).
    pub now: Option<Timestamp>,
    /// Warn when a certificate expires within this many days (default 30).
    pub expiry_warning_days: Option<u32>,
}

/// What a checked pack produced: the files and every finding (warnings included, for display).
#[derive(Debug, Clone)]
pub struct CheckedPack {
    /// The target's files.
    pub artifacts: Artifacts,
    /// The check's findings, errors first.
    pub findings: Vec<Finding>,
}

/// Run the checks for target `target` (its capabilities, its `endpoint` parameter) without packing.
pub fn check_for_pack(
    bundle: &Bundle,
    target: &str,
    params: &Params,
    options: &PackOptions,
) -> Result<Vec<Finding>> {
    let found = target::find(target)?;
    target::validate_params(found, params)?;
    Ok(check_target(&Checker::new(bundle), found, params, options))
}

/// [`check_for_pack`] for a target already found, its parameters checked, the bundle's own checks already run.
fn check_target(
    checker: &Checker<'_>,
    found: &'static dyn Target,
    params: &Params,
    options: &PackOptions,
) -> Vec<Finding> {
    let check = CheckOptions {
        target: Some(found),
        endpoint: options
            .endpoint
            .clone()
            .or_else(|| params.get("endpoint").map(str::to_string)),
        device_time: options.device_time,
        now: options.now,
        expiry_warning_days: options.expiry_warning_days,
    };
    checker.run(&check)
}

/// Pack after [`check_for_pack`]: refuses with [`ErrorKind::CheckFailed`] when `findings` hold an error and
/// `force` is false; with `force`, the ignored errors are recorded in the artifacts' notes.
pub fn pack_after_check(
    bundle: &Bundle,
    target: &str,
    params: &Params,
    findings: Vec<Finding>,
    force: bool,
) -> Result<CheckedPack> {
    refuse_or_pack(target, findings, force, || {
        target::pack(bundle, target, params)
    })
}

/// Refuse on an error finding unless `force`, else `pack` and record the ignored errors in the notes.
fn refuse_or_pack(
    target: &str,
    findings: Vec<Finding>,
    force: bool,
    pack: impl FnOnce() -> Result<Artifacts>,
) -> Result<CheckedPack> {
    let errors: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    if !errors.is_empty() && !force {
        return Err(refusal(target, &errors));
    }
    let mut artifacts = pack()?;
    for f in &errors {
        let title = super::code(f.code).map_or("", |c| c.title);
        artifacts.notes.push(format!(
            "written with force despite check error {} ({title})",
            f.code
        ));
    }
    Ok(CheckedPack {
        artifacts,
        findings,
    })
}

/// Check, then pack for target `target`, refusing on an error finding unless `options.force`.
///
/// ```no_run
/// use certpack::check::{pack_checked, PackOptions};
/// use certpack::time::Timestamp;
/// let bundle = certpack::Bundle::load_paths(&["testdata/aws/rsa"], &Default::default())?;
/// let options = PackOptions { now: Some(Timestamp::parse("2026-01-15")?), ..Default::default() };
/// let packed = pack_checked(&bundle, "der", &certpack::Params::new(), &options)?;
/// println!("{} files, {} findings", packed.artifacts.files.len(), packed.findings.len());
/// # Ok::<(), certpack::Error>(())
/// ```
pub fn pack_checked(
    bundle: &Bundle,
    target: &str,
    params: &Params,
    options: &PackOptions,
) -> Result<CheckedPack> {
    let found = target::find(target)?;
    pack_checked_wanted(&Checker::new(bundle), found, params, options, &|_| true)
}

/// [`pack_checked`] for one of several targets of a bundle whose own checks `checker` ran once, building only
/// the files `wanted` accepts (by name) where the target can leave the others out ([`Target::pack_wanted`]):
/// what a batch that packs several targets and keeps some files asks for. The target is found once by the
/// caller; its parameters are checked here. With a [`Checker::codes_only`], the findings returned have no
/// texts, but a refusal is explained in full (the checks run again with texts to say why).
pub fn pack_checked_wanted(
    checker: &Checker<'_>,
    target: &'static dyn Target,
    params: &Params,
    options: &PackOptions,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<CheckedPack> {
    target::validate_params(target, params)?;
    let mut findings = check_target(checker, target, params, options);
    let refused = !options.force && findings.iter().any(|f| f.severity == Severity::Error);
    if refused && !checker.has_texts() {
        findings = check_target(&Checker::new(checker.bundle()), target, params, options);
    }
    refuse_or_pack(target.name(), findings, options.force, || {
        target.pack_wanted(checker.bundle(), params, wanted)
    })
}

/// The error for a refused pack: every error finding with the input it concerns; with one finding, its own fix.
fn refusal(target: &str, errors: &[&Finding]) -> Error {
    let force = "to write anyway, force it (--force; force=True in Python; force: true in JS)";
    let list: Vec<String> = errors
        .iter()
        .map(|f| match &f.path {
            Some(path) if !f.message.contains(path.as_str()) => {
                format!("{} {} (in {path})", f.code, f.message)
            }
            _ => format!("{} {}", f.code, f.message),
        })
        .collect();
    let message = format!(
        "nothing was written: the check found {} error{} for target {target}: {}",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" },
        list.join("; ")
    );
    match errors {
        [only] => Error::new(
            ErrorKind::CheckFailed,
            message,
            format!("{}; {force}", only.hint),
        ),
        _ => Error::new(
            ErrorKind::CheckFailed,
            message,
            format!("certpack check PATH... --target {target} shows the fix for each (docs/checks.md explains every code); {force}"),
        ),
    }
}
