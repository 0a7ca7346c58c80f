//! Arduino: PEM as `PROGMEM` raw strings (`R"EOF(...)EOF"`) for `setCACert`/`X509List`, or DER as
//! `const uint8_t x[] PROGMEM` arrays with their `_len` for BearSSL.

use super::c_array::{array_header, preamble, single_file, style_param, ArrayHeader, ArrayStyle};
use super::c_string::{string_len, string_len_rule, write_quoted_lines};
use super::{
    blobs, bundle_notes, check_unique, eol_param, form_param, key_format_param, nul_param,
    text_for, Blob, CommentStyle, Form, HeaderComment, Naming, EOL, KEY_FORMAT, NAMES, PREFIX,
};
use crate::artifact::Artifacts;
use crate::bundle::Bundle;
use crate::encode::Eol;
use crate::error::{Error, ErrorKind, Result};
use crate::target::{Family, ParamSpec, Params, Target};

/// The raw-string delimiter: `R"EOF(` ... `)EOF"`.
const DELIMITER: &str = "EOF";

/// `certs.h` for an Arduino sketch.
pub(crate) struct Arduino;

const FILE: &str = "certs.h";

impl Target for Arduino {
    fn name(&self) -> &'static str {
        "arduino"
    }
    fn family(&self) -> Family {
        Family::Source
    }
    fn summary(&self) -> &'static str {
        "certs.h for Arduino (C++): PEM as PROGMEM raw strings for setCACert/X509List, or DER uint8_t arrays for BearSSL"
    }
    fn params(&self) -> &'static [ParamSpec] {
        const P: [ParamSpec; 11] = [
            ParamSpec {
                name: "form",
                help: "pem (NUL-terminated strings: ESP32 setCACert/setCertificate/setPrivateKey, ESP8266 X509List) or der (BearSSL arrays + _len)",
                default: Some("pem"),
            },
            ParamSpec {
                name: "string",
                help: "form=pem: raw (R\"EOF(...)EOF\") or quoted (\"...\\n\" lines; needed for eol=crlf)",
                default: Some("raw"),
            },
            ParamSpec {
                name: "nul",
                help: "form=pem: whether _len counts the string's NUL",
                default: Some("true"),
            },
            ParamSpec {
                name: "progmem",
                help: "add PROGMEM (keeps the data in flash on AVR/ESP8266; no effect on ESP32)",
                default: Some("true"),
            },
            ParamSpec {
                name: "static",
                help: "declare static (C++ const data is already file-local)",
                default: Some("false"),
            },
            ParamSpec {
                name: "type",
                help: "form=der element type: uint8_t or unsigned-char",
                default: Some("uint8_t"),
            },
            PREFIX,
            NAMES,
            EOL,
            KEY_FORMAT,
            ParamSpec {
                name: "const",
                help: "form=der: declare the arrays const",
                default: Some("true"),
            },
        ];
        &P
    }
    fn pack(&self, bundle: &Bundle, params: &Params) -> Result<Artifacts> {
        let t = self.name();
        let form = form_param(params, t, Form::Pem)?;
        let eol = eol_param(params, t)?;
        let style = style_param(
            params,
            t,
            ArrayStyle {
                is_static: false,
                is_const: true,
                progmem: true,
                uint8: true,
            },
        )?;
        let naming = Naming::from_params(params, t)?;
        let blobs = blobs(bundle, form, eol, key_format_param(params, t)?)?;
        let mut out = match form {
            Form::Der => {
                nul_param(params, t, form, false)?;
                let first = blobs.first().map(|b| naming.c_name(b)).unwrap_or_default();
                let header = ArrayHeader {
                    file: FILE,
                    target: t,
                    style,
                    nul: false,
                    usage: vec![
                        format!("ESP8266 BearSSL: BearSSL::X509List cert({first}, {first}_len); BearSSL::PrivateKey key(key_der, key_der_len);"),
                        "DER has an exact length: never add a NUL or pass sizeof-1.".into(),
                    ],
                };
                let text = array_header(&header, &blobs, &naming)?;
                single_file(
                    t,
                    FILE,
                    text,
                    &blobs,
                    "Arduino header: DER arrays with _len",
                )
            }
            Form::Pem => {
                let raw = match params.str_or("string", "raw") {
                    "raw" => true,
                    "quoted" => false,
                    other => return Err(super::unknown_value(t, "string", other, "raw or quoted")),
                };
                if raw && eol == Eol::CrLf {
                    return Err(Error::new(
                        ErrorKind::Target,
                        "target arduino: a raw string cannot hold CRLF line endings reliably (compilers turn the source's line breaks into \\n)",
                        "add --param string=quoted to get \"...\\r\\n\" lines, or use eol=lf",
                    ));
                }
                let nul = params.bool_or(t, "nul", true)?;
                let text = pem_header(&blobs, &naming, style, raw, nul)?;
                single_file(
                    t,
                    FILE,
                    text,
                    &blobs,
                    "Arduino header: PEM strings with _len",
                )
            }
        };
        out.readme = match form {
            Form::Pem => "certs.h holds each PEM as a NUL-terminated string (in PROGMEM unless progmem=false). \
ESP32: client.setCACert(ca_crt_pem); client.setCertificate(client_crt_pem); client.setPrivateKey(client_key_pem); \
ESP8266 (BearSSL): BearSSL::X509List ca(ca_crt_pem); BearSSL::X509List cert(client_crt_pem); \
BearSSL::PrivateKey key(client_key_pem); client.setTrustAnchors(&ca); client.setClientRSACert(&cert, &key) \
(setClientECCert for EC keys).".into(),
            Form::Der => "certs.h holds each piece as DER in a PROGMEM array with its exact _len, for BearSSL \
(BearSSL::X509List ca(ca_crt_der, ca_crt_der_len)). DER has no NUL.".into(),
        };
        out.notes = bundle_notes(bundle);
        Ok(out)
    }
}

fn pem_header(
    blobs: &[Blob],
    naming: &Naming,
    style: ArrayStyle,
    raw: bool,
    nul: bool,
) -> Result<super::Text> {
    let t = "arduino";
    let names: Vec<String> = blobs.iter().map(|b| naming.c_name(b)).collect();
    check_unique(t, &names)?;
    let entries: Vec<(String, &Blob, String)> = blobs
        .iter()
        .zip(&names)
        .map(|(b, n)| (n.clone(), b, string_len_rule(&format!("{n}_len"), b, nul)))
        .collect();
    let find = |part| {
        blobs
            .iter()
            .zip(&names)
            .find(|(b, _)| b.part == part)
            .map_or("...", |(_, n)| n.as_str())
    };
    let usage = vec![
        format!(
            "ESP32: client.setCACert({}); client.setCertificate({}); client.setPrivateKey({});",
            find(super::Part::Root),
            find(super::Part::Cert),
            find(super::Part::Key)
        ),
        format!(
            "ESP8266 BearSSL: BearSSL::X509List ca({}); (PROGMEM strings are fine there)",
            find(super::Part::Root)
        ),
    ];
    let settings = format!(
        "form=pem, string={}, nul={nul}, progmem={}, static={}",
        if raw { "raw" } else { "quoted" },
        style.progmem,
        style.is_static
    );
    let mut out = text_for(blobs);
    HeaderComment::new(FILE, t, &settings, &entries, &usage, true)
        .write(&mut out, CommentStyle::Block);
    let guard = super::naming::include_guard(FILE);
    out.push_str(&format!("#ifndef {guard}\n#define {guard}\n"));
    preamble(
        &ArrayStyle {
            uint8: false,
            ..style
        },
        &mut out,
    );
    let q = if style.is_static {
        "static const"
    } else {
        "const"
    };
    let pm = if style.progmem { " PROGMEM" } else { "" };
    for (blob, name) in blobs.iter().zip(&names) {
        out.push('\n');
        if raw {
            let text = std::str::from_utf8(&blob.bytes).ok().filter(|s| {
                s.is_ascii() && !s.contains(&format!("){DELIMITER}\"")) && !s.contains('\r')
            });
            let Some(text) = text else {
                return Err(Error::new(
                    ErrorKind::Target,
                    format!(
                        "target arduino: {} cannot be written as a raw string",
                        blob.file
                    ),
                    "use --param string=quoted",
                ));
            };
            out.push_str(&format!("{q} char {name}[]{pm} = R\"{DELIMITER}("));
            out.push_str(text);
            out.push_str(&format!("){DELIMITER}\";\n"));
        } else {
            out.push_str(&format!("{q} char {name}[]{pm} =\n"));
            write_quoted_lines(&mut out, &blob.bytes, "\n", ";\n");
        }
        out.push_str(&format!(
            "{q} unsigned int {name}_len = {};\n",
            string_len(blob, nul)
        ));
    }
    out.push_str(&format!("\n#endif /* {guard} */\n"));
    Ok(out)
}
