//! ESP-IDF embedding: the PEM files for `EMBED_TXTFILES` (or DER for `EMBED_FILES`), the CMake line, and a header
//! with the `extern const uint8_t x_start[] __asm__("_binary_x_start")` declarations whose symbol names match
//! what the build generates, by construction.

use super::naming::make_c_identifier;
use super::{
    blobs, bundle_notes, eol_param, form_param, key_format_param, line_comment, text_for,
    write_hex, Blob, CommentStyle, Form, HeaderComment, Text, EOL, KEY_FORMAT,
};
use crate::artifact::{Artifact, Artifacts};
use crate::bundle::Bundle;
use crate::error::Result;
use crate::target::{Family, ParamSpec, Params, Target};

/// The symbols ESP-IDF's `data_file_embed_asm.cmake` defines for an embedded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedSymbols {
    /// The bare variable (`aws_root_ca_pem`; a leading digit gets `_`), also the address of the first byte.
    pub variable: String,
    /// `_binary_<name>_start`: the first byte.
    pub start: String,
    /// `_binary_<name>_end`: one past the last byte (past the appended NUL for text files).
    pub end: String,
    /// `<variable>_length`: a 32-bit word holding the file size without the NUL.
    pub length: String,
}

/// The symbols for a file embedded under `basename` (the file name without folders, or `VARIABLE_BASENAME`).
/// CMake `MAKE_C_IDENTIFIER` is applied to each whole symbol, so `1-device.cert.pem` gives the variable
/// `_1_device_cert_pem` but `_binary_1_device_cert_pem_start`.
pub fn embed_symbols(basename: &str) -> EmbedSymbols {
    let variable = make_c_identifier(basename);
    EmbedSymbols {
        start: make_c_identifier(&format!("_binary_{basename}_start")),
        end: make_c_identifier(&format!("_binary_{basename}_end")),
        length: format!("{variable}_length"),
        variable,
    }
}

/// Exactly the assembly ESP-IDF's `data_file_embed_asm.cmake` writes for `DATA_FILE=data_file` (echoed in the
/// comment as given), with `VARIABLE_BASENAME=variable_basename` when set, and `FILE_TYPE=TEXT` (`text`: one NUL
/// appended) or `BINARY`: 16 bytes per `.byte` line, then the `_end` label and `<variable>_length: .word <size>`.
pub fn embed_asm(
    data_file: &str,
    variable_basename: Option<&str>,
    bytes: &[u8],
    text: bool,
) -> String {
    let basename =
        variable_basename.unwrap_or_else(|| data_file.rsplit('/').next().unwrap_or(data_file));
    let symbols = embed_symbols(basename);
    let mut out = Text::with_capacity(bytes.len() * 6 + 512);
    out.push_str(&format!("/* * Data converted from {data_file}\n"));
    if text {
        out.push_str(" * (null byte appended)\n");
    }
    out.push_str(" */\n.data\n.section .rodata.embedded\n");
    let label = |out: &mut Text, symbol: &str, comment: Option<&str>| {
        out.push_str(&format!("\n.global {symbol}\n{symbol}:"));
        if let Some(c) = comment {
            out.push_str(&format!(" /* {c} */"));
        }
        out.push('\n');
    };
    label(&mut out, &symbols.variable, None);
    label(&mut out, &symbols.start, Some("for objcopy compatibility"));
    if text {
        let mut data = zeroize::Zeroizing::new(Vec::with_capacity(bytes.len() + 1));
        data.extend_from_slice(bytes);
        data.push(0);
        write_hex(&mut out, &data, 16, ".byte ", "\n", "\n");
    } else {
        write_hex(&mut out, bytes, 16, ".byte ", "\n", "\n");
    }
    label(&mut out, &symbols.end, Some("for objcopy compatibility"));
    out.push('\n');
    label(
        &mut out,
        &symbols.length,
        text.then_some("not including null byte"),
    );
    out.push_str(&format!(".word {}\n", bytes.len()));
    out.as_str().to_string()
}

/// One embedded file: its path in the project, its symbols, and the C names the header gives them.
pub(crate) struct Embedded<'a> {
    pub blob: &'a Blob<'a>,
    /// Path as written in the build configuration (`certs/client.crt.pem`, `src/certs/client.crt.pem`).
    pub path: String,
    /// C names of the start and end arrays (`client_crt_pem_start`).
    pub c_start: String,
    pub c_end: String,
    /// Linker symbols.
    pub sym_start: String,
    pub sym_end: String,
}

/// The header with the `extern` declarations for `files`; `text` says whether the build appends a NUL.
pub(crate) fn extern_header(
    file: &str,
    target: &str,
    settings: &str,
    files: &[Embedded<'_>],
    blobs: &[Blob],
    text: bool,
) -> Text {
    let entries: Vec<(String, &Blob, String)> = files
        .iter()
        .map(|f| {
            let n = f.blob.bytes.len();
            let layout = if text {
                format!(
                    "file {}, {n} bytes; the build appends a NUL, so {} - {} = {} includes it",
                    f.path,
                    f.c_end,
                    f.c_start,
                    n + 1
                )
            } else {
                format!(
                    "file {}, {n} bytes, no NUL; {} - {} = {n}",
                    f.path, f.c_end, f.c_start
                )
            };
            (f.c_start.clone(), f.blob, layout)
        })
        .collect();
    let find = |part| {
        files
            .iter()
            .find(|f| f.blob.part == part)
            .map_or("...", |f| f.c_start.as_str())
    };
    let usage = if text {
        vec![
            format!(
                "esp-mqtt: .broker.verification.certificate = (const char *){},",
                find(super::Part::Root)
            ),
            format!(
                "          .credentials.authentication.certificate = (const char *){},",
                find(super::Part::Cert)
            ),
            format!(
                "          .credentials.authentication.key = (const char *){}",
                find(super::Part::Key)
            ),
            "esp-tls / mbedTLS buffers: pass end - start as the length (it includes the NUL mbedTLS needs for PEM).".into(),
        ]
    } else {
        vec!["esp-tls: .cacert_buf = x_start, .cacert_bytes = x_end - x_start (DER: exact length, no NUL).".into()]
    };
    let mut out = text_for(blobs);
    HeaderComment::new(file, target, settings, &entries, &usage, false)
        .write(&mut out, CommentStyle::Block);
    let guard = super::naming::include_guard(file);
    out.push_str(&format!(
        "#ifndef {guard}\n#define {guard}\n\n#include <stdint.h>\n"
    ));
    for f in files {
        out.push_str(&format!(
            "\nextern const uint8_t {}[] __asm__(\"{}\");\nextern const uint8_t {}[] __asm__(\"{}\");\n",
            f.c_start, f.sym_start, f.c_end, f.sym_end
        ));
    }
    out.push_str(&format!("\n#endif /* {guard} */\n"));
    out
}

/// The data files themselves (the key marked secret).
pub(crate) fn data_files(files: &[Embedded<'_>], out: &mut Artifacts) {
    for f in files {
        let a = Artifact::new(
            f.path.clone(),
            f.blob.bytes.to_vec(),
            format!(
                "{}, {}",
                f.blob.what,
                f.blob.form.name().to_ascii_uppercase()
            ),
        );
        out.push(if f.blob.secret() { a.secret() } else { a });
    }
}

pub(crate) const DIR: ParamSpec = ParamSpec {
    name: "dir",
    help: "folder of the data files inside the component (main/), as written in CMakeLists.txt",
    default: Some("certs"),
};
pub(crate) const FILE_PREFIX: ParamSpec = ParamSpec {
    name: "prefix",
    help: "prefix for the data file names (and so the symbols), e.g. dev1_",
    default: Some(""),
};

/// ESP-IDF component files.
pub(crate) struct EspIdf;

impl Target for EspIdf {
    fn name(&self) -> &'static str {
        "esp-idf"
    }
    fn family(&self) -> Family {
        Family::Source
    }
    fn summary(&self) -> &'static str {
        "ESP-IDF: PEM files for EMBED_TXTFILES (or DER for EMBED_FILES), the CMake line and certs.h with the _binary_*_start/_end symbols"
    }
    fn params(&self) -> &'static [ParamSpec] {
        const P: [ParamSpec; 5] = [
            ParamSpec {
                name: "form",
                help: "pem (EMBED_TXTFILES: NUL appended, for mbedTLS/esp-tls/esp-mqtt) or der (EMBED_FILES)",
                default: Some("pem"),
            },
            DIR,
            FILE_PREFIX,
            EOL,
            KEY_FORMAT,
        ];
        &P
    }
    fn pack(&self, bundle: &Bundle, params: &Params) -> Result<Artifacts> {
        let t = self.name();
        let form = form_param(params, t, Form::Pem)?;
        let dir = params.str_or("dir", "certs");
        super::naming::check_project_dir(t, "dir", dir)?;
        let prefix = params.str_or("prefix", "");
        super::naming::check_file_prefix(t, prefix)?;
        let blobs = blobs(
            bundle,
            form,
            eol_param(params, t)?,
            key_format_param(params, t)?,
        )?;
        let text = form == Form::Pem;
        let files: Vec<Embedded<'_>> = blobs
            .iter()
            .map(|b| {
                let name = format!("{prefix}{}", b.file);
                let symbols = embed_symbols(&name);
                Embedded {
                    blob: b,
                    path: format!("{dir}/{name}"),
                    c_start: format!("{}_start", symbols.variable),
                    c_end: format!("{}_end", symbols.variable),
                    sym_start: symbols.start,
                    sym_end: symbols.end,
                }
            })
            .collect();
        let kind = if text {
            "EMBED_TXTFILES"
        } else {
            "EMBED_FILES"
        };
        let settings = format!("form={}, {kind}", form.name());
        let header = extern_header("certs.h", t, &settings, &files, &blobs, text);
        let mut out = Artifacts::new(t);
        data_files(&files, &mut out);
        out.push(Artifact::new(
            "certs.h",
            header.into_bytes(),
            "extern declarations of the embedded files (put next to your sources)",
        ));
        out.push(Artifact::new(
            "CMakeLists.txt.example",
            cmake_example(&files, kind, text).into_bytes(),
            format!("the idf_component_register(... {kind} ...) call for main/CMakeLists.txt"),
        ));
        out.readme = format!(
            "Copy {dir}/ and certs.h into your component folder (main/) and add the {kind} list from \
CMakeLists.txt.example to its idf_component_register(). ESP-IDF names the symbols after the file's base name \
(folders dropped), which certs.h declares. {}",
            if text {
                "EMBED_TXTFILES appends a NUL: end - start includes it, as mbedTLS requires for PEM."
            } else {
                "EMBED_FILES embeds the bytes verbatim: end - start is the exact DER length."
            }
        );
        out.notes = bundle_notes(bundle);
        Ok(out)
    }
}

fn cmake_example(files: &[Embedded<'_>], kind: &str, text: bool) -> Text {
    let mut out = Text::with_capacity(1024);
    line_comment(
        "#",
        &[
            format!(
                "Generated by certpack {}: embed the certificates in main/CMakeLists.txt.",
                crate::VERSION
            ),
            format!("Add the {kind} list to your existing idf_component_register() call."),
        ],
        &mut out,
    );
    out.push_str(
        "idf_component_register(SRCS \"main.c\"\n                       INCLUDE_DIRS \".\"\n",
    );
    for (n, f) in files.iter().enumerate() {
        let lead = if n == 0 {
            format!("                       {kind} ")
        } else {
            " ".repeat(24 + kind.len())
        };
        out.push_str(&format!("{lead}\"{}\"", f.path));
        out.push_str(if n + 1 == files.len() { ")\n" } else { "\n" });
    }
    out.push_str("# or, after idf_component_register():\n");
    for f in files {
        out.push_str(&format!(
            "# target_add_binary_data(${{COMPONENT_LIB}} \"{}\" {})\n",
            f.path,
            if text { "TEXT" } else { "BINARY" }
        ));
    }
    out
}
