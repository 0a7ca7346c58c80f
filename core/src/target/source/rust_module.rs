//! A Rust module with the bundle as constants: `CLIENT_CERT_DER: &[u8]`, `CLIENT_CERT_PEM: &[u8]` (NUL-terminated
//! for mbedTLS-based crates by default), `CHAIN_DER: &[&[u8]]`, `CA_CERT_DER`, ... Include it with
//! `include!(concat!(env!("OUT_DIR"), "/certs.rs"))` (see [`crate::build::Embed`]).

use super::naming::rust_escape;
use super::{
    blobs, bundle_notes, eol_param, key_format_param, write_hex, Blob, CommentStyle, Form,
    HeaderComment, Naming, Part, Text, EOL, KEY_FORMAT, PREFIX,
};
use crate::artifact::{Artifact, Artifacts};
use crate::bundle::Bundle;
use crate::encode::Eol;
use crate::error::Result;
use crate::target::{Family, ParamSpec, Params, Target};

/// File name of the module.
pub const MODULE_FILE: &str = "certs.rs";

/// The `certs.rs` module.
pub(crate) struct RustModule;

/// The constant name of a piece without its `_DER`/`_PEM` suffix.
fn base_name(part: Part) -> &'static str {
    match part {
        Part::Cert => "CLIENT_CERT",
        Part::Key => "CLIENT_KEY",
        Part::Chain => "CHAIN",
        Part::Root => "CA_CERT",
    }
}

impl Target for RustModule {
    fn name(&self) -> &'static str {
        "rust"
    }
    fn family(&self) -> Family {
        Family::Source
    }
    fn summary(&self) -> &'static str {
        "certs.rs: pub const CLIENT_CERT_DER/_PEM, CLIENT_KEY_*, CHAIN_*, CA_CERT_* (&[u8]); PEM NUL-terminated for mbedTLS crates"
    }
    fn params(&self) -> &'static [ParamSpec] {
        const P: [ParamSpec; 5] = [
            ParamSpec {
                name: "form",
                help: "both, der or pem",
                default: Some("both"),
            },
            ParamSpec {
                name: "nul",
                help: "end each PEM constant with \\0 (esp-idf-svc X509::pem_until_nul, esp-mbedtls, reqwless need it)",
                default: Some("true"),
            },
            PREFIX,
            EOL,
            KEY_FORMAT,
        ];
        &P
    }
    fn pack(&self, bundle: &Bundle, params: &Params) -> Result<Artifacts> {
        let t = self.name();
        let (der, pem) = match params.str_or("form", "both") {
            "both" => (true, true),
            "der" => (true, false),
            "pem" => (false, true),
            other => return Err(super::unknown_value(t, "form", other, "both, der or pem")),
        };
        let nul = params.bool_or(t, "nul", true)?;
        let naming = Naming::from_params(params, t)?;
        let prefix = naming.prefix().to_ascii_uppercase();
        let eol = eol_param(params, t)?;
        let key_format = key_format_param(params, t)?;
        let der_blobs = if der {
            blobs(bundle, Form::Der, eol, key_format)?
        } else {
            Vec::new()
        };
        let pem_blobs = if pem {
            blobs(bundle, Form::Pem, eol, key_format)?
        } else {
            Vec::new()
        };
        let all: Vec<&Blob> = der_blobs.iter().chain(&pem_blobs).collect();

        let mut entries: Vec<(String, &Blob, String)> = Vec::new();
        for b in &all {
            let name = const_name(&prefix, b);
            let n = b.bytes.len();
            let (symbol, layout) = match (b.form, b.index) {
                (Form::Der, 0) => (name, format!("{n} bytes")),
                (Form::Der, i) => (format!("{name}[{}]", i - 1), format!("{n} bytes")),
                (Form::Pem, _) if nul => {
                    let layout =
                        format!("{n} bytes + NUL; {name}.len() = {} includes the \\0", n + 1);
                    (name, layout)
                }
                (Form::Pem, _) => {
                    let layout = format!("{n} bytes, no NUL; {name}.len() = {n}");
                    (name, layout)
                }
            };
            entries.push((symbol, b, layout));
        }
        let mut usage = vec![
            "include!(concat!(env!(\"OUT_DIR\"), \"/certs.rs\")); (written by certpack::build::Embed)".to_string(),
        ];
        if der {
            usage.push(format!("rustls: CertificateDer::from({prefix}CLIENT_CERT_DER), CertificateDer::from({prefix}CA_CERT_DER)"));
        }
        if pem {
            usage.push(format!(
                "mbedTLS-based crates (esp-idf-svc): X509::pem_until_nul({prefix}CA_CERT_PEM){}",
                if nul { "" } else { " needs nul=true" }
            ));
        }
        let settings = format!(
            "form={}, nul={nul}, eol={}",
            match (der, pem) {
                (true, true) => "both",
                (true, false) => "der",
                _ => "pem",
            },
            if eol == Eol::Lf { "lf" } else { "crlf" }
        );
        let mut out =
            Text::with_capacity(all.iter().map(|b| b.bytes.len() * 8).sum::<usize>() + 8192);
        HeaderComment::new(MODULE_FILE, t, &settings, &entries, &usage, true)
            .write(&mut out, CommentStyle::Lines("//"));
        for part in [Part::Cert, Part::Key, Part::Chain, Part::Root] {
            let ders: Vec<&Blob> = der_blobs.iter().filter(|b| b.part == part).collect();
            if part == Part::Chain && !ders.is_empty() {
                write_chain_der(&mut out, &prefix, &ders);
            } else if let Some(b) = ders.first() {
                write_der(&mut out, &const_name(&prefix, b), b);
            }
            if let Some(b) = pem_blobs.iter().find(|b| b.part == part) {
                write_pem(&mut out, &const_name(&prefix, b), b, nul);
            }
        }
        let mut artifacts = Artifacts::new(t);
        let a = Artifact::new(
            MODULE_FILE,
            out.into_bytes(),
            "Rust module with the certificates and key as constants",
        );
        artifacts.push(if all.iter().any(|b| b.secret()) {
            a.secret()
        } else {
            a
        });
        artifacts.readme = "certs.rs holds each piece as a `pub const NAME: &[u8]`. Include it with \
include!(\"certs.rs\") or let a build script write it (certpack::build::Embed). PEM constants end with \\0 unless \
nul=false (esp-idf-svc X509::pem_until_nul, esp-mbedtls and reqwless need it; rustls-pemfile ignores it)."
            .into();
        artifacts.notes = bundle_notes(bundle);
        Ok(artifacts)
    }
}

/// `PREFIX` + `CLIENT_CERT` + `_DER`/`_PEM`; a DER chain shares one `CHAIN_DER` slice.
fn const_name(prefix: &str, blob: &Blob) -> String {
    format!(
        "{prefix}{}_{}",
        base_name(blob.part),
        blob.form.name().to_ascii_uppercase()
    )
}

fn doc(out: &mut Text, blob: &Blob, extra: &str) {
    out.push_str(&format!(
        "\n/// The {}, {}{extra}.\n",
        blob.what,
        blob.form.name().to_ascii_uppercase()
    ));
}

fn write_der(out: &mut Text, name: &str, blob: &Blob) {
    doc(out, blob, &format!(", {} bytes", blob.bytes.len()));
    out.push_str(&format!("pub const {name}: &[u8] = &[\n"));
    write_hex(out, &blob.bytes, 12, "    ", ",\n", ",\n");
    out.push_str("];\n");
}

fn write_chain_der(out: &mut Text, prefix: &str, blobs: &[&Blob]) {
    out.push_str("\n/// Intermediate CA certificates, DER, issuing order (the device certificate's issuer first).\n");
    out.push_str(&format!("pub const {prefix}CHAIN_DER: &[&[u8]] = &[\n"));
    for b in blobs {
        out.push_str("    &[\n");
        write_hex(out, &b.bytes, 12, "        ", ",\n", ",\n");
        out.push_str("    ],\n");
    }
    out.push_str("];\n");
}

fn write_pem(out: &mut Text, name: &str, blob: &Blob, nul: bool) {
    let n = blob.bytes.len();
    doc(
        out,
        blob,
        &if nul {
            format!(", {n} bytes + NUL")
        } else {
            format!(", {n} bytes, no NUL")
        },
    );
    out.push_str(&format!("pub const {name}: &[u8] = b\"\\\n"));
    let mut escaped = zeroize::Zeroizing::new(String::with_capacity(200));
    for line in super::naming::lines_with_endings(&blob.bytes) {
        escaped.clear();
        rust_escape(line, &mut escaped);
        // A line continuation skips the next line's leading whitespace: keep it as an escape.
        if let Some(rest) = escaped.strip_prefix(' ') {
            out.push_str("\\x20");
            out.push_str(rest);
        } else {
            out.push_str(&escaped);
        }
        out.push_str("\\\n");
    }
    out.push_str(if nul { "\\0\";\n" } else { "\";\n" });
}
