//! `certpack check`: diagnostics with stable codes that catch known field failures before the device does.
//!
//! Each check lives in its own module and pushes [`Finding`]s; [`run`] runs them all. Codes are stable
//! (`CP` + number) and documented in docs/checks.md.

use serde::Serialize;

use crate::bundle::Bundle;
use crate::target::Target;
use crate::time::Timestamp;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For information; nothing to fix.
    Info,
    /// Likely to cause trouble; fix unless you know why not.
    Warning,
    /// Will fail on the device; `pack` refuses unless forced.
    Error,
}

impl Severity {
    /// Stable name: `info`, `warning`, `error`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable code, e.g. `CP101`.
    pub code: &'static str,
    /// Severity.
    pub severity: Severity,
    /// What is wrong, in one line.
    pub message: String,
    /// The concrete fix.
    pub hint: String,
    /// The input the finding concerns, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl Finding {
    /// A new finding.
    pub fn new(
        code: &'static str,
        severity: Severity,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Finding {
        Finding {
            code,
            severity,
            message: message.into(),
            hint: hint.into(),
            path: None,
        }
    }
    /// Attach the input it concerns.
    pub fn in_path(mut self, path: impl Into<String>) -> Finding {
        self.path = Some(path.into());
        self
    }
}

/// What to check against.
#[derive(Clone, Default)]
pub struct CheckOptions {
    /// The target the bundle is for (its capabilities and typical power-on clock).
    pub target: Option<&'static dyn Target>,
    /// The cloud endpoint the device connects to (picks the right root).
    pub endpoint: Option<String>,
    /// The device's clock, when known (otherwise the target's power-on clock is assumed where it has one).
    pub device_time: Option<Timestamp>,
    /// The current time, given by the caller (the core never reads the clock).
    pub now: Option<Timestamp>,
    /// Warn when a certificate expires within this many days (default 30).
    pub expiry_warning_days: Option<u32>,
}

impl std::fmt::Debug for CheckOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckOptions")
            .field("target", &self.target.map(|t| t.name()))
            .field("endpoint", &self.endpoint)
            .field("device_time", &self.device_time)
            .field("now", &self.now)
            .finish()
    }
}

/// Run every check; findings sorted by severity (errors first), then code.
pub fn run(bundle: &Bundle, options: &CheckOptions) -> Vec<Finding> {
    let mut findings = Vec::new();
    key_match(bundle, &mut findings);
    let _ = options;
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.code.cmp(b.code)));
    findings
}

/// The worst severity among `findings`.
pub fn worst(findings: &[Finding]) -> Option<Severity> {
    findings.iter().map(|f| f.severity).max()
}

fn key_match(bundle: &Bundle, findings: &mut Vec<Finding>) {
    if bundle.key_matches_leaf() == Some(false) {
        let path = bundle
            .key()
            .map(|k| k.origin.path.clone())
            .unwrap_or_default();
        findings.push(
            Finding::new(
                "CP101",
                Severity::Error,
                "the private key does not belong to the device certificate",
                "use the private key downloaded together with this certificate (same <id> prefix in the AWS console download)",
            )
            .in_path(path),
        );
    }
}
