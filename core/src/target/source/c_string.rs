//! PEM as C string literals, one quoted line per PEM line (`"-----BEGIN CERTIFICATE-----\n"`), as a
//! `static const char[]` or a `#define`, with the exact final newline and `\n` or `\r\n` escapes.

use super::naming::{c_escape, lines_with_endings};
use super::{
    blobs, bundle_notes, check_unique, eol_param, key_format_param, text_for, Blob, CommentStyle,
    Form, HeaderComment, Naming, Text, EOL, KEY_FORMAT, NAMES, PREFIX,
};
use crate::artifact::Artifacts;
use crate::bundle::Bundle;
use crate::error::Result;
use crate::target::{Family, ParamSpec, Params, Target};

/// Write `text` as C string literals, one per line of `text`: `"<escaped line>"` followed by `line_end`, or by
/// `last_end` after the last one. Empty text gives `""` and `last_end`.
pub(crate) fn write_quoted_lines(out: &mut Text, text: &[u8], line_end: &str, last_end: &str) {
    let lines = lines_with_endings(text);
    if lines.is_empty() {
        out.push_str("\"\"");
        out.push_str(last_end);
    }
    let count = lines.len();
    let mut escaped = zeroize::Zeroizing::new(String::with_capacity(200));
    for (n, line) in lines.into_iter().enumerate() {
        escaped.clear();
        c_escape(line, &mut escaped);
        out.push('"');
        out.push_str(&escaped);
        out.push('"');
        out.push_str(if n + 1 == count { last_end } else { line_end });
    }
}

/// The `_len` value of a string: its text length, plus one when the NUL is counted.
pub(crate) fn string_len(blob: &Blob, nul: bool) -> usize {
    blob.bytes.len() + usize::from(nul)
}

/// The length rule of a string literal: the literal always ends in a NUL; `_len` counts it only with `nul`.
pub(crate) fn string_len_rule(len_name: &str, blob: &Blob, nul: bool) -> String {
    let text = blob.bytes.len();
    if nul {
        format!(
            "{text} characters + the literal's NUL; {len_name} = {} includes the NUL (mbedTLS: pass it as the length)",
            text + 1
        )
    } else {
        format!(
            "{text} characters + the literal's NUL; {len_name} = {text} = strlen, without the NUL"
        )
    }
}

/// `certs.h`: PEM as C string literals.
pub(crate) struct CString;

const FILE: &str = "certs.h";

impl Target for CString {
    fn name(&self) -> &'static str {
        "c-string"
    }
    fn family(&self) -> Family {
        Family::Source
    }
    fn summary(&self) -> &'static str {
        "certs.h: PEM as C string literals (static const char[] or #define) with _len, \\n or \\r\\n"
    }
    fn params(&self) -> &'static [ParamSpec] {
        const P: [ParamSpec; 8] = [
            ParamSpec {
                name: "style",
                help: "array (static const char name[] = \"...\";) or define (#define NAME \"...\" \\)",
                default: Some("array"),
            },
            ParamSpec {
                name: "nul",
                help: "whether _len counts the literal's terminating NUL (mbedTLS: yes; wolfSSL: no)",
                default: Some("true"),
            },
            ParamSpec {
                name: "static",
                help: "declare the arrays static (style=array)",
                default: Some("true"),
            },
            ParamSpec {
                name: "progmem",
                help: "add PROGMEM to the arrays (style=array; AVR/ESP8266 Arduino)",
                default: Some("false"),
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
        let define = match params.str_or("style", "array") {
            "array" => false,
            "define" => true,
            other => return Err(super::unknown_value(t, "style", other, "array or define")),
        };
        let nul = params.bool_or(t, "nul", true)?;
        let is_static = params.bool_or(t, "static", true)?;
        let progmem = params.bool_or(t, "progmem", false)?;
        let naming = Naming::from_params(params, t)?;
        let eol = eol_param(params, t)?;
        let blobs = blobs(bundle, Form::Pem, eol, key_format_param(params, t)?)?;
        let names: Vec<String> = blobs
            .iter()
            .map(|b| match (define, naming.chosen(b)) {
                (true, None) => naming.c_name(b).to_ascii_uppercase(),
                _ => naming.c_name(b),
            })
            .collect();
        check_unique(t, &names)?;
        let len_names: Vec<String> = names
            .iter()
            .map(|n| {
                if define {
                    format!("{n}_LEN")
                } else {
                    format!("{n}_len")
                }
            })
            .collect();
        let entries: Vec<(String, &Blob, String)> = blobs
            .iter()
            .zip(names.iter().zip(&len_names))
            .map(|(b, (n, l))| (n.clone(), b, string_len_rule(l, b, nul)))
            .collect();
        let first = names.first().cloned().unwrap_or_default();
        let first_len = len_names.first().cloned().unwrap_or_default();
        let usage = vec![
            format!("mbedTLS: mbedtls_x509_crt_parse(&crt, (const unsigned char *){first}, {first_len}){}", if nul { "" } else { " needs the NUL: use strlen + 1 (or nul=true)" }),
            format!("Arduino-ESP32 WiFiClientSecure: client.setCACert({first}) and friends take the string itself"),
        ];
        let settings = format!(
            "style={}, nul={nul}, static={is_static}, progmem={progmem}, eol={}",
            if define { "define" } else { "array" },
            if eol == crate::encode::Eol::Lf {
                "lf"
            } else {
                "crlf"
            }
        );
        let mut out = text_for(&blobs);
        HeaderComment::new(FILE, t, &settings, &entries, &usage, true)
            .write(&mut out, CommentStyle::Block);
        let guard = super::naming::include_guard(FILE);
        out.push_str(&format!("#ifndef {guard}\n#define {guard}\n"));
        if progmem && !define {
            out.push('\n');
            out.push_str(super::c_array::PROGMEM_FALLBACK);
        }
        for ((blob, name), len_name) in blobs.iter().zip(&names).zip(&len_names) {
            out.push('\n');
            let len = string_len(blob, nul);
            if define {
                out.push_str(&format!("#define {name} \\\n"));
                write_quoted_lines(&mut out, &blob.bytes, " \\\n", "\n");
                out.push_str(&format!("#define {len_name} {len}\n"));
            } else {
                let q = if is_static { "static const" } else { "const" };
                let pm = if progmem { " PROGMEM" } else { "" };
                out.push_str(&format!("{q} char {name}[]{pm} =\n"));
                write_quoted_lines(&mut out, &blob.bytes, "\n", ";\n");
                out.push_str(&format!("{q} unsigned int {len_name} = {len};\n"));
            }
        }
        out.push_str(&format!("\n#endif /* {guard} */\n"));
        let mut artifacts = super::c_array::single_file(
            t,
            FILE,
            out,
            &blobs,
            "C header: PEM as C string literals with _len",
        );
        artifacts.readme = format!(
            "certs.h holds each PEM as a C string literal ({}); every literal ends in a NUL, and _len {}.",
            if define { "#define, usable as sizeof(NAME) too" } else { "const char array" },
            if nul { "counts it (strlen + 1, what mbedTLS wants)" } else { "does not count it (= strlen)" }
        );
        artifacts.notes = bundle_notes(bundle);
        Ok(artifacts)
    }
}
