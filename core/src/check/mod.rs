//! `certpack check`: diagnostics with stable codes that catch known field failures before the device does.
//!
//! Each group of checks lives in its own module and pushes [`Finding`]s; [`run`] runs them all. Codes are stable
//! (`CP` + 3 digits, grouped by hundreds: 1xx key, 2xx roots and endpoint, 3xx time, 4xx algorithms and target,
//! 5xx chain, 6xx file form, 9xx summary), listed in [`CODES`] and documented in docs/checks.md.
//!
//! ```no_run
//! use certpack::check::{self, CheckOptions};
//! use certpack::time::Timestamp;
//! let bundle = certpack::Bundle::load_paths(&["testdata/aws/rsa"], &Default::default())?;
//! let options = CheckOptions { now: Some(Timestamp::parse("2026-01-15")?), ..Default::default() };
//! for finding in check::run(&bundle, &options) {
//!     println!("{} {} {}", finding.severity.name(), finding.code, finding.message);
//! }
//! # Ok::<(), certpack::Error>(())
//! ```

mod algorithms;
mod chain;
mod form;
mod key;
pub mod known_roots;
mod pack;
mod roots;
mod summary;
mod time;
mod verify;

use serde::Serialize;

use crate::bundle::Bundle;
use crate::cert::Certificate;
use crate::item::{Item, Role};
use crate::target::{Capabilities, Target};
use crate::time::Timestamp;

pub use pack::{
    check_for_pack, pack_after_check, pack_checked, pack_checked_wanted, CheckedPack, PackOptions,
};

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

/// A diagnostic code: its stable id, its severity and a short title (the docs/checks.md table row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    /// Stable id, e.g. `CP101`.
    pub id: &'static str,
    /// The severity every finding with this code has.
    pub severity: Severity,
    /// What the code means, in a few words.
    pub title: &'static str,
}

impl Code {
    const fn new(id: &'static str, severity: Severity, title: &'static str) -> Code {
        Code {
            id,
            severity,
            title,
        }
    }
}

/// Every code certpack emits, in code order.
pub const CODES: &[Code] = &[
    key::MISMATCH,
    key::NAMES_SWAPPED,
    key::SEVERAL_KEYS,
    key::SEVERAL_LEAVES,
    key::NOT_CHECKED,
    key::AWS_ID_MISMATCH,
    key::DAMAGED_FILE,
    roots::NO_ROOT,
    roots::DEVICE_CA_AS_ROOT,
    roots::INTERMEDIATE_AS_ROOT,
    roots::END_ENTITY_AS_ROOT,
    roots::AWS_ENDPOINT_ROOT,
    roots::AWS_LEGACY_ENDPOINT,
    roots::AZURE_ENDPOINT_ROOT,
    roots::ECC_ONLY_AMAZON_ROOT,
    roots::RETIRED_ROOT,
    time::NOT_YET_VALID,
    time::NOT_YET_VALID_AT_POWER_ON,
    time::EXPIRED,
    time::EXPIRES_SOON,
    time::FRESHLY_ISSUED,
    algorithms::EC_ON_RSA_ONLY,
    algorithms::P384_UNSUPPORTED,
    algorithms::UNUSUAL_ALGORITHM,
    algorithms::RSA_TOO_LARGE,
    algorithms::RSA_TOO_SMALL,
    algorithms::WAS_ENCRYPTED,
    algorithms::WEAK_SIGNATURE,
    chain::ORDER,
    chain::MISSING_INTERMEDIATE,
    chain::BAD_SIGNATURE,
    chain::NOT_VERIFIED,
    chain::ROOT_IN_CLIENT_CHAIN,
    form::LINE_ENDINGS,
    form::LITERAL_ESCAPES,
    form::FLATTENED,
    form::LINE_WIDTH,
    form::WHITESPACE,
    form::NO_FINAL_NEWLINE,
    form::BOM,
    form::NUL_OR_PADDING,
    form::EXTRA_TEXT,
    form::EC_PARAMETERS,
    form::NO_ARMOUR,
    form::LABEL_MISMATCH,
    form::NAME_SAYS_OTHER_ENCODING,
    summary::ALL_CLEAR,
];

/// Look a code up by its id (`CP101`).
pub fn code(id: &str) -> Option<&'static Code> {
    CODES.iter().find(|c| c.id == id)
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
    /// The input the finding concerns, when there is one (`null` in JSON otherwise).
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
    /// A new finding for `code`, with the code's severity.
    pub fn of(code: Code, message: impl Into<String>, hint: impl Into<String>) -> Finding {
        Finding::new(code.id, code.severity, message, hint)
    }
    /// Attach the input it concerns.
    pub fn in_path(mut self, path: impl Into<String>) -> Finding {
        self.path = Some(path.into());
        self
    }
    /// Set what is wrong and the fix.
    pub fn says(mut self, message: impl Into<String>, hint: impl Into<String>) -> Finding {
        self.message = message.into();
        self.hint = hint.into();
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
            .field("expiry_warning_days", &self.expiry_warning_days)
            .finish()
    }
}

/// Default for [`CheckOptions::expiry_warning_days`].
pub const DEFAULT_EXPIRY_WARNING_DAYS: u32 = 30;

/// Run every check; findings sorted by severity (errors first), then code, then path.
pub fn run(bundle: &Bundle, options: &CheckOptions) -> Vec<Finding> {
    Checker::new(bundle).run(options)
}

/// A bundle with the findings of the checks that look at the bundle alone (the key, the chain, the files' form)
/// already made: they do not depend on the target, the endpoint or the clock, so checking one bundle for several
/// targets (a batch device) runs them once. [`Checker::run`] adds the rest for one set of options.
#[derive(Debug, Clone)]
pub struct Checker<'a> {
    bundle: &'a Bundle,
    bundle_findings: Vec<Finding>,
    texts: bool,
}

impl<'a> Checker<'a> {
    /// Run the checks of `bundle` that need no options.
    pub fn new(bundle: &'a Bundle) -> Checker<'a> {
        Checker::with_texts(bundle, true)
    }

    /// A checker whose findings hold only their code and severity: message and hint empty, no path. The checks
    /// decide the same, without writing what they found: for callers that keep the codes alone (a batch's
    /// summary), where the texts would be most of the checks' work.
    pub fn codes_only(bundle: &'a Bundle) -> Checker<'a> {
        Checker::with_texts(bundle, false)
    }

    fn with_texts(bundle: &'a Bundle, texts: bool) -> Checker<'a> {
        let options = CheckOptions::default();
        let ctx = Context::new(bundle, &options, texts);
        let mut bundle_findings = Vec::new();
        key::check(&ctx, &mut bundle_findings);
        chain::check(&ctx, &mut bundle_findings);
        form::check(&ctx, &mut bundle_findings);
        Checker {
            bundle,
            bundle_findings,
            texts,
        }
    }

    /// The bundle being checked.
    pub fn bundle(&self) -> &'a Bundle {
        self.bundle
    }

    /// Whether findings carry their message, hint and path (see [`Checker::codes_only`]).
    pub fn has_texts(&self) -> bool {
        self.texts
    }

    /// Every finding for `options`, sorted like [`run`]'s: the bundle's own and those of the roots, the clock and
    /// the algorithms for the target and endpoint given.
    pub fn run(&self, options: &CheckOptions) -> Vec<Finding> {
        let ctx = Context::new(self.bundle, options, self.texts);
        let mut findings = self.bundle_findings.clone();
        roots::check(&ctx, &mut findings);
        time::check(&ctx, &mut findings);
        algorithms::check(&ctx, &mut findings);
        // Each code belongs to one group, so the order the groups run in does not change the sorted list.
        summary::check(&ctx, &mut findings);
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.code.cmp(b.code))
                .then(a.path.cmp(&b.path))
        });
        findings
    }
}

/// Whether `issuer`'s key made `child`'s signature: `Some(true)` or `Some(false)`, or `None` when certpack cannot
/// verify that algorithm (it checks RSA PKCS#1 v1.5 and ECDSA P-256/P-384 with SHA-256/384/512).
pub fn signature_valid(child: &Certificate, issuer: &Certificate) -> Option<bool> {
    match verify::signed_by(child, issuer) {
        verify::Verified::Valid => Some(true),
        verify::Verified::Invalid => Some(false),
        verify::Verified::Unsupported(_) => None,
    }
}

/// The worst severity among `findings`.
pub fn worst(findings: &[Finding]) -> Option<Severity> {
    findings.iter().map(|f| f.severity).max()
}

/// How many findings of each severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Errors.
    pub error: usize,
    /// Warnings.
    pub warning: usize,
    /// Infos.
    pub info: usize,
}

/// The result of a check as `certpack check --json`, Python and JS report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Every finding, errors first.
    pub findings: Vec<Finding>,
    /// The worst severity (`null` when there is no finding).
    pub worst: Option<Severity>,
    /// Findings per severity.
    pub counts: Counts,
}

impl Report {
    /// A report of `findings`.
    pub fn new(findings: Vec<Finding>) -> Report {
        let mut counts = Counts::default();
        for f in &findings {
            match f.severity {
                Severity::Error => counts.error += 1,
                Severity::Warning => counts.warning += 1,
                Severity::Info => counts.info += 1,
            }
        }
        Report {
            worst: worst(&findings),
            findings,
            counts,
        }
    }

    /// Pretty JSON with a final newline: `{"findings": [{code, severity, message, hint, path}], "worst", "counts"}`.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into());
        s.push('\n');
        s
    }

    /// Readable text, one block per finding and a count line; `color` adds ANSI colours (for terminals).
    pub fn to_text(&self, color: bool) -> String {
        let paint = |code: &str, text: &str| {
            if color {
                format!("\x1b[{code}m{text}\x1b[0m")
            } else {
                text.to_string()
            }
        };
        let mut out = String::new();
        for f in &self.findings {
            let sev = match f.severity {
                Severity::Error => paint("1;31", "error  "),
                Severity::Warning => paint("1;33", "warning"),
                Severity::Info => paint("1;36", "info   "),
            };
            out.push_str(&format!("{sev} {} {}\n", paint("1", f.code), f.message));
            if let Some(path) = &f.path {
                out.push_str(&format!("              in:  {path}\n"));
            }
            out.push_str(&format!("              fix: {}\n", f.hint));
        }
        let plural = |n: usize, word: &str| {
            if n == 1 {
                format!("{n} {word}")
            } else {
                format!("{n} {word}s")
            }
        };
        if !self.findings.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!(
            "{}, {}, {}\n",
            plural(self.counts.error, "error"),
            plural(self.counts.warning, "warning"),
            plural(self.counts.info, "info")
        ));
        out
    }
}

/// What every check module sees: the bundle, the options and the target's capabilities.
pub(crate) struct Context<'a> {
    pub bundle: &'a Bundle,
    pub options: &'a CheckOptions,
    pub capabilities: Option<Capabilities>,
    /// Whether findings get their texts ([`Checker::codes_only`] when not).
    texts: bool,
}

impl<'a> Context<'a> {
    fn new(bundle: &'a Bundle, options: &'a CheckOptions, texts: bool) -> Context<'a> {
        Context {
            bundle,
            options,
            capabilities: options.target.map(|t| t.capabilities()),
            texts,
        }
    }

    /// A finding of `code`, given its message, hint and path by `describe` unless the checker keeps codes only:
    /// what a check found is decided outside `describe`, what it says inside.
    pub fn finding(&self, code: Code, describe: impl FnOnce(Finding) -> Finding) -> Finding {
        let bare = Finding::of(code, String::new(), String::new());
        if self.texts {
            describe(bare)
        } else {
            bare
        }
    }

    /// The target's name, if one was given.
    pub fn target_name(&self) -> Option<&'static str> {
        self.options.target.map(|t| t.name())
    }

    /// Every certificate item with its certificate, in input order.
    pub fn certificates(&self) -> impl Iterator<Item = (&'a Item, &'a Certificate)> {
        self.bundle
            .items()
            .iter()
            .filter_map(|i| i.certificate().map(|c| (i, c)))
    }

    /// The paths of the inputs that gave items, each once, in input order.
    pub fn input_paths(&self) -> Vec<&'a str> {
        let mut paths: Vec<&'a str> = Vec::new();
        for item in self.bundle.items() {
            if !paths.contains(&item.origin.path.as_str()) {
                paths.push(&item.origin.path);
            }
        }
        paths
    }

    /// The items that came from the input `path`, in input order.
    pub fn items_from<'p>(&self, path: &'p str) -> impl Iterator<Item = &'a Item> + Clone + 'p
    where
        'a: 'p,
    {
        self.bundle
            .items()
            .iter()
            .filter(move |i| i.origin.path == path)
    }

    /// Whether `item` is the bundle's device certificate.
    pub fn is_leaf(&self, item: &Item) -> bool {
        self.bundle.leaf().is_some_and(|l| std::ptr::eq(l, item))
    }

    /// Whether `item` is the root of the device's own chain.
    pub fn is_chain_root(&self, item: &Item) -> bool {
        self.bundle
            .chain_root()
            .is_some_and(|r| std::ptr::eq(r, item))
    }

    /// The roots the device trusts the server with: every root except the device chain's own root.
    pub fn server_roots(&self) -> impl Iterator<Item = &'a Item> + '_ {
        self.bundle.roots().filter(|r| !self.is_chain_root(r))
    }

    /// How the user knows `item`: a known root's name, or the role and common name.
    pub fn describe(&self, item: &Item) -> String {
        let Some(cert) = item.certificate() else {
            return match item.role {
                Role::PrivateKey => "the private key".into(),
                _ => "the public key".into(),
            };
        };
        if let Some(known) = known_roots::identify(cert) {
            return known.name.to_string();
        }
        let name = common_name(cert);
        if self.is_leaf(item) {
            format!("the device certificate ({name})")
        } else {
            match item.role {
                Role::Root if self.is_chain_root(item) => format!("the device CA root ({name})"),
                Role::Root => format!("the root CA ({name})"),
                Role::Intermediate => format!("the intermediate CA ({name})"),
                _ => format!("the certificate ({name})"),
            }
        }
    }
}

/// The subject's common name as `CN=...`, or the whole subject when it has none.
pub(crate) fn common_name(cert: &Certificate) -> String {
    cn_of(&cert.x509().tbs_certificate.subject).unwrap_or_else(|| cert.subject())
}

/// The issuer's common name as `CN=...`, or the whole issuer name when it has none.
pub(crate) fn issuer_common_name(cert: &Certificate) -> String {
    cn_of(&cert.x509().tbs_certificate.issuer).unwrap_or_else(|| cert.issuer())
}

fn cn_of(name: &x509_cert::name::Name) -> Option<String> {
    let cn = der::asn1::ObjectIdentifier::new_unwrap("2.5.4.3");
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == cn)
        .map(crate::name::format_atv)
}

/// A day in seconds.
pub(crate) const DAY: i64 = 86_400;

/// `YYYY-MM-DD` of a timestamp (for messages).
pub(crate) fn date(t: Timestamp) -> String {
    t.date()
}

/// The file name part of an origin path.
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}
