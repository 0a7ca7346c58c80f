//! Output targets. Each family lives in one file and implements [`Target`]; [`all`] lists them. Adding a module
//! family is adding one file and one line to [`all`].

/// `Target::pack` of a target that implements `pack_wanted`: every file, through `pack_wanted` (which may leave out
/// what a caller does not want: a module's AT script, a README text).
macro_rules! pack_every_file {
    () => {
        fn pack(&self, bundle: &Bundle, params: &Params) -> Result<Artifacts> {
            self.pack_wanted(bundle, params, &|_| true)
        }
    };
}

mod basic;
pub mod espressif;
mod module;
pub mod source;

use std::collections::BTreeMap;

use crate::artifact::Artifacts;
use crate::bundle::Bundle;
use crate::error::{Error, ErrorKind, Result};

/// Which group a target belongs to (for listings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Plain DER/PEM files.
    Files,
    /// Espressif flash images and AT payloads.
    Espressif,
    /// Source code embeddings.
    Source,
    /// Cellular/Wi-Fi module AT scripts.
    Module,
}

impl Family {
    /// Stable name.
    pub fn name(self) -> &'static str {
        match self {
            Family::Files => "files",
            Family::Espressif => "espressif",
            Family::Source => "source",
            Family::Module => "module",
        }
    }
}

/// A parameter a target accepts.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// Name, kebab-case (`endpoint`, `client-id`).
    pub name: &'static str,
    /// One line of help.
    pub help: &'static str,
    /// Default value, when there is one.
    pub default: Option<&'static str>,
}

/// What a target's device can use; `check` compares the bundle against it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Capabilities {
    /// The device's TLS stack cannot use EC keys.
    pub rsa_only: bool,
    /// The device cannot use P-384 keys.
    pub no_p384: bool,
    /// Largest RSA key in bits (0: no limit known).
    pub max_rsa_bits: u32,
    /// The device cannot decrypt an encrypted key (always true today: certpack writes keys decrypted).
    pub no_encrypted_keys: bool,
    /// Typical clock at power-on before it is set (Unix seconds), for the "not yet valid" check.
    pub power_on_clock: Option<i64>,
    /// How to set the clock on this device (shown with time findings).
    pub set_clock_hint: &'static str,
}

/// Target parameters: a string map, validated against the target's [`ParamSpec`]s.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(BTreeMap<String, String>);

impl Params {
    /// Empty parameters.
    pub fn new() -> Params {
        Params::default()
    }
    /// Set a parameter (names use `-`; `_` is accepted and normalised).
    pub fn set(&mut self, name: &str, value: impl Into<String>) -> &mut Params {
        self.0.insert(name.replace('_', "-"), value.into());
        self
    }
    /// Builder form of [`Params::set`].
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Params {
        self.set(name, value);
        self
    }
    /// The raw value, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
    /// The value, or `default`.
    pub fn str_or<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        self.get(name).unwrap_or(default)
    }
    /// A required value.
    pub fn require(&self, target: &str, name: &str, example: &str) -> Result<&str> {
        self.get(name).filter(|v| !v.is_empty()).ok_or_else(|| {
            Error::new(
                ErrorKind::Target,
                format!("target {target} needs the parameter {name}"),
                format!("give it, e.g. --{name} {example}"),
            )
        })
    }
    /// A number, or `default`.
    pub fn u32_or(&self, target: &str, name: &str, default: u32) -> Result<u32> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => parse_u32(v).ok_or_else(|| {
                Error::new(
                    ErrorKind::Target,
                    format!("parameter {name} of target {target} must be a number, not \"{v}\""),
                    format!("e.g. --{name} {default}"),
                )
            }),
        }
    }
    /// A yes/no flag, or `default`.
    pub fn bool_or(&self, target: &str, name: &str, default: bool) -> Result<bool> {
        match self.get(name).map(|v| v.to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) if ["1", "true", "yes", "on"].contains(&v.as_str()) => Ok(true),
            Some(v) if ["0", "false", "no", "off"].contains(&v.as_str()) => Ok(false),
            Some(v) => Err(Error::new(
                ErrorKind::Target,
                format!("parameter {name} of target {target} must be true or false, not \"{v}\""),
                "use true or false",
            )),
        }
    }
    /// Iterate over the given parameters.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// Parse decimal or `0x` hexadecimal.
pub fn parse_u32(text: &str) -> Option<u32> {
    let t = text.trim();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => t.parse().ok(),
    }
}

/// An output target.
pub trait Target: Sync {
    /// Name used on the command line (`esp32-at`, `c-array`, `quectel`, ...).
    fn name(&self) -> &'static str;
    /// Group for listings.
    fn family(&self) -> Family;
    /// One line: what it writes and for which device.
    fn summary(&self) -> &'static str;
    /// Parameters it accepts.
    fn params(&self) -> &'static [ParamSpec] {
        &[]
    }
    /// What the device can use.
    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }
    /// Produce the files.
    fn pack(&self, bundle: &Bundle, params: &Params) -> Result<Artifacts>;
    /// [`Target::pack`] for a caller that keeps only the files `wanted` accepts (by name): a target may leave
    /// out the others where they are costly to build (the module targets' AT script), naming them in
    /// [`Artifacts::left_out`], may leave [`Artifacts::readme`] empty when `README.txt` is not wanted, and may
    /// leave the files' descriptions, placements, AT commands and metadata out when neither `manifest.json` nor
    /// `README.txt` (which show them) is wanted. The files it does build are the same bytes, marked secret the
    /// same way. By default every file is built.
    fn pack_wanted(
        &self,
        bundle: &Bundle,
        params: &Params,
        wanted: &dyn Fn(&str) -> bool,
    ) -> Result<Artifacts> {
        let _ = wanted;
        self.pack(bundle, params)
    }
}

/// Every target, in listing order.
pub fn all() -> Vec<&'static dyn Target> {
    in_order().collect()
}

fn in_order() -> impl Iterator<Item = &'static dyn Target> {
    let families: [&'static [&'static dyn Target]; 4] = [
        &basic::TARGETS,
        &espressif::TARGETS,
        &source::TARGETS,
        &module::TARGETS,
    ];
    families.into_iter().flatten().copied()
}

/// Find a target by name (no list is built: a batch looks targets up several times per device).
pub fn find(name: &str) -> Result<&'static dyn Target> {
    in_order().find(|t| t.name() == name).ok_or_else(|| {
        let names: Vec<&str> = all().iter().map(|t| t.name()).collect();
        Error::new(
            ErrorKind::Target,
            format!("there is no target \"{name}\""),
            format!(
                "choose one of: {} (certpack targets lists them)",
                names.join(", ")
            ),
        )
    })
}

/// Whether `target` takes a parameter called `name`.
pub fn has_param(target: &dyn Target, name: &str) -> bool {
    target.params().iter().any(|p| p.name == name)
}

/// Check `params` against the target's specs: unknown names are an error (a typo must not pass silently).
pub fn validate_params(target: &dyn Target, params: &Params) -> Result<()> {
    for (name, _) in params.iter() {
        if !has_param(target, name) {
            let known: Vec<&str> = target.params().iter().map(|p| p.name).collect();
            let hint = if known.is_empty() {
                format!("target {} takes no parameters", target.name())
            } else {
                format!("known parameters: {}", known.join(", "))
            };
            return Err(Error::new(
                ErrorKind::Target,
                format!("target {} has no parameter \"{name}\"", target.name()),
                hint,
            ));
        }
    }
    Ok(())
}

/// Pack `bundle` for the target named `name`.
pub fn pack(bundle: &Bundle, name: &str, params: &Params) -> Result<Artifacts> {
    pack_wanted(bundle, name, params, &|_| true)
}

/// [`pack`], building only the files `wanted` accepts where a target can leave the others out
/// ([`Target::pack_wanted`]).
pub fn pack_wanted(
    bundle: &Bundle,
    name: &str,
    params: &Params,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<Artifacts> {
    let target = find(name)?;
    validate_params(target, params)?;
    target.pack_wanted(bundle, params, wanted)
}
