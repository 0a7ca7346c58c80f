//! The one error type of certpack, with a stable machine-readable [`ErrorKind`].
//!
//! Every error names the input it concerns (when there is one), where in it, what is wrong and how to fix it.
//! Bindings map [`ErrorKind::code`] once each: Python to an exception class, JS to `err.kind`.

use std::fmt;

/// What went wrong, as a stable code that scripts can branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A file could not be read or written.
    Io,
    /// The input is not a format certpack recognises (not PEM, DER, JSON or a known container).
    UnknownFormat,
    /// PEM armour or its base64 body is broken.
    Pem,
    /// DER/ASN.1 structure is broken or is not the structure its label claims.
    Der,
    /// JSON input (AWS CLI output) is malformed or lacks the expected fields.
    Json,
    /// A key type, curve or size certpack (or the chosen target) cannot handle.
    UnsupportedKey,
    /// An encrypted key needs a passphrase, or the passphrase is wrong.
    Passphrase,
    /// An input or output exceeds a size limit.
    TooLarge,
    /// An unknown target, or a target parameter that is missing or invalid.
    Target,
    /// The bundle lacks an item the operation needs (e.g. no private key for a target that uploads one).
    Missing,
    /// A binary container (AtPKI bin, NVS image, NONOS sector) is malformed.
    Container,
    /// `pack` refused because `check` found errors (override with `force`).
    CheckFailed,
    /// An output file exists already, or would overwrite an input.
    OutputExists,
    /// An invalid argument to an API call.
    InvalidArgument,
}

impl ErrorKind {
    /// Every kind, for documentation and binding tests.
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::Io,
        ErrorKind::UnknownFormat,
        ErrorKind::Pem,
        ErrorKind::Der,
        ErrorKind::Json,
        ErrorKind::UnsupportedKey,
        ErrorKind::Passphrase,
        ErrorKind::TooLarge,
        ErrorKind::Target,
        ErrorKind::Missing,
        ErrorKind::Container,
        ErrorKind::CheckFailed,
        ErrorKind::OutputExists,
        ErrorKind::InvalidArgument,
    ];

    /// The stable, kebab-case code of this kind (`"pem"`, `"unsupported-key"`, ...).
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Io => "io",
            ErrorKind::UnknownFormat => "unknown-format",
            ErrorKind::Pem => "pem",
            ErrorKind::Der => "der",
            ErrorKind::Json => "json",
            ErrorKind::UnsupportedKey => "unsupported-key",
            ErrorKind::Passphrase => "passphrase",
            ErrorKind::TooLarge => "too-large",
            ErrorKind::Target => "target",
            ErrorKind::Missing => "missing",
            ErrorKind::Container => "container",
            ErrorKind::CheckFailed => "check-failed",
            ErrorKind::OutputExists => "output-exists",
            ErrorKind::InvalidArgument => "invalid-argument",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Where in an input the problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// 1-based line of a text input.
    Line(usize),
    /// 0-based byte offset into a binary input (or into the DER of one PEM block).
    Byte(usize),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Byte(n) => write!(f, "byte {n}"),
        }
    }
}

/// A certpack error: kind, message, the fix, and the input it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    hint: String,
    path: Option<String>,
    location: Option<Location>,
}

/// Result alias used across certpack.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error of `kind` saying what is wrong (`message`) and what to do (`hint`).
    pub fn new(kind: ErrorKind, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            hint: hint.into(),
            path: None,
            location: None,
        }
    }

    /// Attach the input this error concerns (kept if one is set already).
    pub fn in_path(mut self, path: impl Into<String>) -> Self {
        if self.path.is_none() {
            self.path = Some(path.into());
        }
        self
    }

    /// Attach where in the input the problem is (kept if one is set already).
    pub fn at(mut self, location: Location) -> Self {
        if self.location.is_none() {
            self.location = Some(location);
        }
        self
    }

    /// The stable kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// What is wrong, in one sentence.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// How to fix it.
    pub fn hint(&self) -> &str {
        &self.hint
    }
    /// The input file (or `<bytes #N>` for in-memory input) this error concerns.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }
    /// Where in that input.
    pub fn location(&self) -> Option<Location> {
        self.location
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.path {
            write!(f, "{path}: ")?;
        }
        if let Some(loc) = &self.location {
            write!(f, "{loc}: ")?;
        }
        write!(f, "{}", self.message)?;
        if !self.hint.is_empty() {
            write!(f, " (fix: {})", self.hint)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::new(
            ErrorKind::Io,
            e.to_string(),
            "check that the path exists and is readable/writable",
        )
    }
}
