//! C byte arrays in the exact layout of `xxd -i` (12 bytes per line, two-space indent, `0x%02x`, a `_len`
//! variable), with the options firmware needs: `const`, `static`, `PROGMEM`, `uint8_t`, a chosen name and an
//! explicit NUL terminator.

use std::fmt::Write as _;

use super::{
    blobs, bundle_notes, check_unique, eol_param, form_param, key_format_param, len_rule,
    nul_param, text_for, write_hex, Blob, CommentStyle, Form, HeaderComment, Naming, Text, EOL,
    KEY_FORMAT, NAMES, PREFIX,
};
use crate::artifact::{Artifact, Artifacts};
use crate::bundle::Bundle;
use crate::error::Result;
use crate::target::{Family, ParamSpec, Params, Target};

/// Exactly what `xxd -i` prints: `name_source` is the path as given on its command line (the variable name is
/// derived from it, see [`super::naming::xxd_name`]); `None` is the stdin case, which prints the byte lines only.
pub fn xxd_i(name_source: Option<&str>, bytes: &[u8]) -> String {
    let mut out = Text::with_capacity(bytes.len() * 6 + 128);
    match name_source {
        Some(path) => write_array(
            &mut out,
            &super::naming::xxd_name(path),
            bytes,
            &ArrayStyle::xxd(),
        ),
        None => write_hex(&mut out, bytes, 12, "  ", ",\n", "\n"),
    }
    out.as_str().to_string()
}

/// Declaration options of a C array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrayStyle {
    /// `static` (internal linkage: the header can be included by several files).
    pub is_static: bool,
    /// `const` (the data stays in flash instead of being copied to RAM).
    pub is_const: bool,
    /// `PROGMEM` after the name (AVR/ESP8266 Arduino: keep it in flash).
    pub progmem: bool,
    /// `uint8_t` instead of `unsigned char` (needs `<stdint.h>`).
    pub uint8: bool,
}

impl ArrayStyle {
    /// The style of `xxd -i`: plain `unsigned char` / `unsigned int`, no qualifiers.
    pub fn xxd() -> ArrayStyle {
        ArrayStyle {
            is_static: false,
            is_const: false,
            progmem: false,
            uint8: false,
        }
    }
    fn qualifiers(&self) -> &'static str {
        match (self.is_static, self.is_const) {
            (true, true) => "static const ",
            (true, false) => "static ",
            (false, true) => "const ",
            (false, false) => "",
        }
    }
}

/// `<qualifiers> unsigned char NAME[] = { ... };` and `<qualifiers> unsigned int NAME_len = N;`, as `xxd -i`
/// lays them out.
pub(crate) fn write_array(out: &mut Text, name: &str, bytes: &[u8], style: &ArrayStyle) {
    let q = style.qualifiers();
    out.push_str(q);
    out.push_str(if style.uint8 {
        "uint8_t "
    } else {
        "unsigned char "
    });
    out.push_str(name);
    out.push_str(if style.progmem {
        "[] PROGMEM = {\n"
    } else {
        "[] = {\n"
    });
    write_hex(out, bytes, 12, "  ", ",\n", "\n");
    out.push_str("};\n");
    out.push_str(q);
    out.push_str("unsigned int ");
    out.push_str(name);
    let _ = writeln!(out, "_len = {};", bytes.len());
}

/// The `#include`s and the `PROGMEM` fallback a header of arrays in `style` needs.
pub(crate) fn preamble(style: &ArrayStyle, out: &mut Text) {
    if style.uint8 || style.progmem {
        out.push('\n');
    }
    if style.uint8 {
        out.push_str("#include <stdint.h>\n");
    }
    if style.progmem {
        out.push_str(PROGMEM_FALLBACK);
    }
}

/// Takes `PROGMEM` from the Arduino core when there is one, and makes it empty elsewhere (host tests, ESP-IDF).
pub(crate) const PROGMEM_FALLBACK: &str =
    "#if defined(ARDUINO)\n#include <Arduino.h>\n#endif\n#ifndef PROGMEM\n#define PROGMEM\n#endif\n";

/// What a header of arrays needs to know.
pub(crate) struct ArrayHeader<'a> {
    pub file: &'a str,
    pub target: &'a str,
    pub style: ArrayStyle,
    pub nul: bool,
    pub usage: Vec<String>,
}

/// One header with an array and a `_len` per piece, under the comment block.
pub(crate) fn array_header(h: &ArrayHeader<'_>, blobs: &[Blob], naming: &Naming) -> Result<Text> {
    let names: Vec<String> = blobs.iter().map(|b| naming.c_name(b)).collect();
    check_unique(h.target, &names)?;
    let settings = format!(
        "form={}, nul={}, const={}, static={}, progmem={}, type={}",
        blobs.first().map_or("der", |b| b.form.name()),
        h.nul,
        h.style.is_const,
        h.style.is_static,
        h.style.progmem,
        if h.style.uint8 {
            "uint8_t"
        } else {
            "unsigned-char"
        }
    );
    let entries: Vec<(String, &Blob, String)> = blobs
        .iter()
        .zip(&names)
        .map(|(b, n)| {
            let len = b.bytes.len() + usize::from(h.nul);
            (n.clone(), b, len_rule(n, len, h.nul))
        })
        .collect();
    let mut out = text_for(blobs);
    HeaderComment::new(h.file, h.target, &settings, &entries, &h.usage, true)
        .write(&mut out, CommentStyle::Block);
    let guard = super::naming::include_guard(h.file);
    let _ = write!(out, "#ifndef {guard}\n#define {guard}\n");
    preamble(&h.style, &mut out);
    for (blob, name) in blobs.iter().zip(&names) {
        out.push('\n');
        if h.nul {
            let mut data = zeroize::Zeroizing::new(Vec::with_capacity(blob.bytes.len() + 1));
            data.extend_from_slice(&blob.bytes);
            data.push(0);
            write_array(&mut out, name, &data, &h.style);
        } else {
            write_array(&mut out, name, &blob.bytes, &h.style);
        }
    }
    let _ = write!(out, "\n#endif /* {guard} */\n");
    Ok(out)
}

/// Artifacts holding one header; secret when any piece is the key.
pub(crate) fn single_file(
    target: &str,
    file: &str,
    text: Text,
    blobs: &[Blob],
    description: &str,
) -> Artifacts {
    let mut out = Artifacts::new(target);
    let artifact = Artifact::new(file, text.into_bytes(), description);
    out.push(if blobs.iter().any(Blob::secret) {
        artifact.secret()
    } else {
        artifact
    });
    out
}

/// Read `const`, `static`, `progmem` and `type`.
pub(crate) fn style_param(
    params: &Params,
    target: &str,
    defaults: ArrayStyle,
) -> Result<ArrayStyle> {
    Ok(ArrayStyle {
        is_static: params.bool_or(target, "static", defaults.is_static)?,
        is_const: params.bool_or(target, "const", defaults.is_const)?,
        progmem: params.bool_or(target, "progmem", defaults.progmem)?,
        uint8: match params.str_or(
            "type",
            if defaults.uint8 {
                "uint8_t"
            } else {
                "unsigned-char"
            },
        ) {
            "unsigned-char" => false,
            "uint8_t" => true,
            other => {
                return Err(super::unknown_value(
                    target,
                    "type",
                    other,
                    "unsigned-char or uint8_t",
                ))
            }
        },
    })
}

/// `certs.h`: every piece as an `xxd -i` style array.
pub(crate) struct CArray;

const FILE: &str = "certs.h";

impl Target for CArray {
    fn name(&self) -> &'static str {
        "c-array"
    }
    fn family(&self) -> Family {
        Family::Source
    }
    fn summary(&self) -> &'static str {
        "certs.h: xxd -i style C arrays + _len (DER by default; const/static/PROGMEM/uint8_t/NUL options)"
    }
    fn params(&self) -> &'static [ParamSpec] {
        const P: [ParamSpec; 10] = [
            ParamSpec {
                name: "form",
                help: "der, or pem (the PEM text as bytes)",
                default: Some("der"),
            },
            ParamSpec {
                name: "nul",
                help: "append a NUL byte (counted in _len); pem only: mbedTLS needs it, wolfSSL must not get it",
                default: Some("true for pem, false for der"),
            },
            ParamSpec {
                name: "const",
                help: "declare the arrays const (kept in flash)",
                default: Some("true"),
            },
            ParamSpec {
                name: "static",
                help: "declare the arrays static (header can be included from several .c files)",
                default: Some("true"),
            },
            ParamSpec {
                name: "progmem",
                help: "add PROGMEM (AVR/ESP8266 Arduino)",
                default: Some("false"),
            },
            ParamSpec {
                name: "type",
                help: "element type: unsigned-char (as xxd) or uint8_t",
                default: Some("unsigned-char"),
            },
            PREFIX,
            NAMES,
            EOL,
            KEY_FORMAT,
        ];
        &P
    }
    fn pack(&self, bundle: &Bundle, params: &Params) -> Result<Artifacts> {
        let t = self.name();
        let form = form_param(params, t, Form::Der)?;
        let nul = nul_param(params, t, form, true)?;
        let style = style_param(
            params,
            t,
            ArrayStyle {
                is_static: true,
                is_const: true,
                progmem: false,
                uint8: false,
            },
        )?;
        let naming = Naming::from_params(params, t)?;
        let blobs = blobs(
            bundle,
            form,
            eol_param(params, t)?,
            key_format_param(params, t)?,
        )?;
        let first = blobs.first().map(|b| naming.c_name(b)).unwrap_or_default();
        let usage = match (form, nul) {
            (Form::Der, _) => vec![
                format!("mbedTLS: mbedtls_x509_crt_parse_der(&crt, {first}, {first}_len); keys: mbedtls_pk_parse_key(..., key, key_len, ...)"),
                format!("BearSSL, wolfSSL (SSL_FILETYPE_ASN1): the array and its _len, e.g. ({first}, {first}_len)"),
            ],
            (Form::Pem, true) => vec![format!(
                "mbedTLS: mbedtls_x509_crt_parse(&crt, {first}, {first}_len); _len includes the NUL, as mbedTLS requires for PEM"
            )],
            (Form::Pem, false) => vec![format!(
                "wolfSSL: wolfSSL_CTX_load_verify_buffer(ctx, {first}, {first}_len, SSL_FILETYPE_PEM); not for mbedTLS (needs nul=true)"
            )],
        };
        let header = ArrayHeader {
            file: FILE,
            target: t,
            style,
            nul,
            usage,
        };
        let text = array_header(&header, &blobs, &naming)?;
        let mut out = single_file(
            t,
            FILE,
            text,
            &blobs,
            "C header: one array and _len per certificate/key",
        );
        out.readme = format!(
            "certs.h holds each piece as a C array in xxd -i layout with its _len ({}). Include it from one .c/.cpp \
file (or several: the arrays are {}). With const=false static=false type=unsigned-char nul=false each array block is \
exactly what `xxd -i {}` prints for the file the {} target writes.",
            if nul { "_len includes the NUL" } else { "no NUL" },
            if style.is_static { "static" } else { "not static: include it from exactly one file" },
            blobs.first().map_or("client.crt.der", |b| b.file.as_str()),
            form.name(),
        );
        out.notes = bundle_notes(bundle);
        Ok(out)
    }
}
