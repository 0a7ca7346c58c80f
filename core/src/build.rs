//! Build-script API: embed a credential bundle in a Rust crate at build time.
//!
//! ```no_run
//! // build.rs, inside fn main()  (with `certpack` under [build-dependencies])
//! certpack::build::Embed::new("certs/").require_key().write_module();
//! ```
//! ```ignore
//! // src/main.rs
//! include!(concat!(env!("OUT_DIR"), "/certs.rs"));
//! // CLIENT_CERT_DER, CLIENT_CERT_PEM, CLIENT_KEY_DER, ..., CA_CERT_DER: &[u8]
//! ```
//!
//! [`Embed::write_module`] reads the bundle, writes the module of the `rust` target to `OUT_DIR`, prints
//! `cargo:rerun-if-changed` for every input, and on a bad bundle stops the build with certpack's own message
//! (what is wrong, in which file, and how to fix it).

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, Result};
use crate::input::{Input, LoadOptions};
use crate::target::source::rust_module::MODULE_FILE;
use crate::target::Params;
use crate::Bundle;

/// Embeds a bundle folder (or files) as a Rust module; see the module documentation.
#[derive(Debug, Clone)]
pub struct Embed {
    inputs: Vec<PathBuf>,
    params: Params,
    passphrase_env: Option<String>,
    require_leaf: bool,
    require_key: bool,
    require_root: bool,
    file_name: String,
}

/// What [`Embed::generate`] produced: the module text and the files it was read from.
pub struct Module {
    /// The Rust source (zeroized on drop: it holds the key when the bundle has one).
    pub text: Zeroizing<Vec<u8>>,
    /// Every file read, in order (for `cargo:rerun-if-changed`).
    pub inputs: Vec<String>,
    /// Remarks from loading and packing.
    pub notes: Vec<String>,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Module({} bytes, inputs {:?})",
            self.text.len(),
            self.inputs
        )
    }
}

impl Embed {
    /// Embed the bundle at `path`: a folder (every file in it) or one file. Relative paths are relative to the
    /// crate's folder, where cargo runs build scripts.
    pub fn new(path: impl AsRef<Path>) -> Embed {
        Embed {
            inputs: vec![path.as_ref().to_path_buf()],
            params: Params::new(),
            passphrase_env: None,
            require_leaf: false,
            require_key: false,
            require_root: false,
            file_name: MODULE_FILE.into(),
        }
    }
    /// Read one more file or folder.
    pub fn input(mut self, path: impl AsRef<Path>) -> Embed {
        self.inputs.push(path.as_ref().to_path_buf());
        self
    }
    /// Set a parameter of the `rust` target (`form`, `nul`, `prefix`, `eol`, `key-format`).
    pub fn param(mut self, name: &str, value: impl Into<String>) -> Embed {
        self.params.set(name, value);
        self
    }
    /// Read the passphrase of an encrypted key from this environment variable (and rebuild when it changes).
    pub fn passphrase_env(mut self, variable: impl Into<String>) -> Embed {
        self.passphrase_env = Some(variable.into());
        self
    }
    /// Fail the build when the bundle has no device certificate.
    pub fn require_leaf(mut self) -> Embed {
        self.require_leaf = true;
        self
    }
    /// Fail the build when the bundle has no private key.
    pub fn require_key(mut self) -> Embed {
        self.require_key = true;
        self
    }
    /// Fail the build when the bundle has no server root CA.
    pub fn require_root(mut self) -> Embed {
        self.require_root = true;
        self
    }
    /// Name of the module file in `OUT_DIR` (default `certs.rs`).
    pub fn file_name(mut self, name: impl Into<String>) -> Embed {
        self.file_name = name.into();
        self
    }

    /// Load the bundle and build the module text, without printing or writing anything. A key that does not
    /// belong to the certificate is an error here (the firmware could never connect).
    pub fn generate(&self) -> Result<Module> {
        let mut options = LoadOptions::default();
        if let Some(var) = &self.passphrase_env {
            options.passphrase = std::env::var(var).ok().map(Zeroizing::new);
        }
        let mut inputs = Vec::new();
        for path in &self.inputs {
            inputs.extend(Input::read_path(path)?);
        }
        let names: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
        let bundle = Bundle::load(&inputs, &options)?;
        let purpose = "embedding the bundle";
        if self.require_leaf {
            bundle.require_leaf(purpose)?;
        }
        if self.require_key {
            bundle.require_key(purpose)?;
        }
        if self.require_root {
            bundle.require_root(purpose)?;
        }
        if bundle.key_matches_leaf() == Some(false) {
            return Err(Error::new(
                ErrorKind::CheckFailed,
                format!(
                    "the private key {} does not belong to the device certificate {}",
                    bundle.key().map_or("", |k| k.origin.path.as_str()),
                    bundle.leaf().map_or("", |l| l.origin.path.as_str())
                ),
                "use the key downloaded together with this certificate (same <id> prefix in the AWS console download)",
            ));
        }
        let mut artifacts = crate::target::pack(&bundle, "rust", &self.params)?;
        let text = artifacts
            .files
            .iter_mut()
            .find(|a| a.name == MODULE_FILE)
            .map(|a| Zeroizing::new(std::mem::take(&mut a.bytes)))
            .ok_or_else(|| Error::new(ErrorKind::Target, "the rust target wrote no module", ""))?;
        let mut notes: Vec<String> = bundle.notes().to_vec();
        notes.append(&mut artifacts.notes);
        Ok(Module {
            text,
            inputs: names,
            notes,
        })
    }

    /// Write the module into `dir`; returns its path.
    pub fn write_to(&self, dir: impl AsRef<Path>) -> Result<PathBuf> {
        let module = self.generate()?;
        let path = dir.as_ref().join(&self.file_name);
        std::fs::write(&path, &module.text[..])
            .map_err(|e| Error::from(e).in_path(path.display().to_string()))?;
        Ok(path)
    }

    /// For build scripts: print `cargo:rerun-if-changed` for every input, write the module to `OUT_DIR`, and
    /// return its path, or the error.
    pub fn try_write_module(&self) -> Result<PathBuf> {
        for path in &self.inputs {
            println!("cargo:rerun-if-changed={}", path.display());
        }
        if let Some(var) = &self.passphrase_env {
            println!("cargo:rerun-if-env-changed={var}");
        }
        let out_dir = std::env::var_os("OUT_DIR").ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArgument,
                "OUT_DIR is not set: write_module() runs inside a cargo build script",
                "call it from build.rs, or use Embed::write_to(dir) elsewhere",
            )
        })?;
        let module = self.generate()?;
        for input in &module.inputs {
            println!("cargo:rerun-if-changed={input}");
        }
        for note in &module.notes {
            println!("cargo:warning=certpack: {note}");
        }
        let path = Path::new(&out_dir).join(&self.file_name);
        std::fs::write(&path, &module.text[..])
            .map_err(|e| Error::from(e).in_path(path.display().to_string()))?;
        Ok(path)
    }

    /// For build scripts: like [`Embed::try_write_module`], but a failure stops the build with certpack's message
    /// on stderr (`error: <file>: <what is wrong> (fix: <what to do>)`) and exit status 1.
    pub fn write_module(&self) -> PathBuf {
        match self.try_write_module() {
            Ok(path) => path,
            Err(e) => {
                eprintln!("error: certpack could not embed the bundle: {e}");
                std::process::exit(1)
            }
        }
    }
}
