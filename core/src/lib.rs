//! certpack turns cloud IoT credential bundles (AWS IoT, Azure IoT Hub) into every form an embedded device or
//! module expects, and checks the bundle before anything is flashed.
//!
//! ```no_run
//! use certpack::{Bundle, LoadOptions, Params};
//! let bundle = Bundle::load_paths(&["testdata/aws/rsa"], &LoadOptions::default())?;
//! println!("certificate ID {}", bundle.require_leaf("inspect")?.aws_certificate_id());
//! let files = certpack::target::pack(&bundle, "der", &Params::new())?;
//! # Ok::<(), certpack::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod api;
pub mod artifact;
pub mod at;
mod base64;
#[cfg(feature = "batch")]
pub mod batch;
pub mod build;
pub mod bundle;
pub mod cert;
pub mod check;
pub mod cloud;
pub mod convert;
pub mod encode;
pub mod error;
pub mod input;
pub mod integrity;
pub mod item;
mod json;
pub mod key;
mod name;
pub mod output;
pub mod report;
pub mod target;
pub mod time;
mod wipe;

pub use artifact::{Artifact, Artifacts};
pub use bundle::{Bundle, Skipped};
pub use error::{Error, ErrorKind, Result};
pub use input::{Input, LoadOptions};
pub use item::{Item, Role};
pub use target::Params;

/// certpack's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
