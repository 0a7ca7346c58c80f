//! Example crate: the device credentials, embedded at build time by `certpack::build::Embed` (see `build.rs`).
//!
//! `certs` holds `CLIENT_CERT_DER`, `CLIENT_CERT_PEM`, `CLIENT_KEY_DER`, `CLIENT_KEY_PEM`, `CA_CERT_DER` and
//! `CA_CERT_PEM` (`&[u8]`; the PEM constants end with a NUL for mbedTLS-based crates).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// The generated module (`OUT_DIR/certs.rs`).
pub mod certs {
    include!(concat!(env!("OUT_DIR"), "/certs.rs"));
}
