//! PlatformIO (platform-espressif32): the data files, the `board_build.embed_txtfiles` lines, and a header whose
//! symbols match the framework: `arduino` runs `objcopy` on the path as written (`_binary_src_certs_x_pem_start`),
//! `espidf` runs ESP-IDF's script on the base name (`_binary_x_pem_start`) and also needs the files in
//! `src/CMakeLists.txt`.

use super::esp_idf::{data_files, embed_symbols, extern_header, Embedded, FILE_PREFIX};
use super::naming::{check_file_prefix, check_project_dir, make_c_identifier, objcopy_symbol};
use super::{
    blobs, bundle_notes, eol_param, form_param, key_format_param, line_comment, Form, Text, EOL,
    KEY_FORMAT,
};
use crate::artifact::{Artifact, Artifacts};
use crate::bundle::Bundle;
use crate::error::Result;
use crate::target::{Family, ParamSpec, Params, Target};

/// PlatformIO project files.
pub(crate) struct PlatformIo;

impl Target for PlatformIo {
    fn name(&self) -> &'static str {
        "platformio"
    }
    fn family(&self) -> Family {
        Family::Source
    }
    fn summary(&self) -> &'static str {
        "PlatformIO (ESP32): data files, board_build.embed_txtfiles lines and include/certs.h with the symbols of framework=arduino or espidf"
    }
    fn params(&self) -> &'static [ParamSpec] {
        const P: [ParamSpec; 6] = [
            ParamSpec {
                name: "framework",
                help: "arduino (objcopy: symbols from the path) or espidf (ESP-IDF script: symbols from the file name)",
                default: Some("arduino"),
            },
            ParamSpec {
                name: "form",
                help: "pem (embed_txtfiles: NUL appended) or der (embed_files)",
                default: Some("pem"),
            },
            ParamSpec {
                name: "dir",
                help: "folder of the data files relative to the project (platformio.ini) folder",
                default: Some("src/certs"),
            },
            FILE_PREFIX,
            EOL,
            KEY_FORMAT,
        ];
        &P
    }
    fn pack(&self, bundle: &Bundle, params: &Params) -> Result<Artifacts> {
        let t = self.name();
        let espidf = match params.str_or("framework", "arduino") {
            "arduino" => false,
            "espidf" => true,
            other => {
                return Err(super::unknown_value(
                    t,
                    "framework",
                    other,
                    "arduino or espidf",
                ))
            }
        };
        let form = form_param(params, t, Form::Pem)?;
        let dir = params.str_or("dir", "src/certs");
        check_project_dir(t, "dir", dir)?;
        let prefix = params.str_or("prefix", "");
        check_file_prefix(t, prefix)?;
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
                let path = format!("{dir}/{name}");
                let variable = make_c_identifier(&name);
                let (sym_start, sym_end) = if espidf {
                    let s = embed_symbols(&name);
                    (s.start, s.end)
                } else {
                    (objcopy_symbol(&path, "start"), objcopy_symbol(&path, "end"))
                };
                Embedded {
                    blob: b,
                    path,
                    c_start: format!("{variable}_start"),
                    c_end: format!("{variable}_end"),
                    sym_start,
                    sym_end,
                }
            })
            .collect();
        let key = if text {
            "board_build.embed_txtfiles"
        } else {
            "board_build.embed_files"
        };
        let framework = if espidf { "espidf" } else { "arduino" };
        let settings = format!("framework={framework}, form={}, {key}", form.name());
        let header = extern_header("certs.h", t, &settings, &files, &blobs, text);
        let mut out = Artifacts::new(t);
        data_files(&files, &mut out);
        out.push(Artifact::new(
            "include/certs.h",
            header.into_bytes(),
            format!("extern declarations with the {framework} framework's symbol names"),
        ));
        out.push(Artifact::new(
            "platformio.ini.example",
            ini_example(&files, key, framework).into_bytes(),
            format!("the {key} lines for your [env] section"),
        ));
        if espidf {
            out.push(Artifact::new(
                "src/CMakeLists.txt.example",
                cmake_example(&files, text).into_bytes(),
                "src/CMakeLists.txt listing the same files (ESP-IDF links them from there)",
            ));
        }
        out.readme = format!(
            "Copy the folders into your PlatformIO project and add the lines of platformio.ini.example to your [env] \
section{}. include/certs.h declares the files with the symbol names the {framework} framework generates: {}. {}",
            if espidf { "; with framework = espidf also list the files in src/CMakeLists.txt (see src/CMakeLists.txt.example)" } else { "" },
            if espidf {
                "the file name only (_binary_<name>_start)"
            } else {
                "objcopy's name of the path as written in platformio.ini (_binary_<path>_start)"
            },
            if text {
                "embed_txtfiles appends a NUL: end - start includes it, as mbedTLS requires for PEM."
            } else {
                "embed_files embeds the bytes verbatim: end - start is the exact DER length."
            }
        );
        out.notes = bundle_notes(bundle);
        Ok(out)
    }
}

fn ini_example(files: &[Embedded<'_>], key: &str, framework: &str) -> Text {
    let mut out = Text::with_capacity(1024);
    line_comment(
        ";",
        &[
            format!(
                "Generated by certpack {}: add to your [env:...] section.",
                crate::VERSION
            ),
            format!("Symbols as declared in include/certs.h need framework = {framework}."),
        ],
        &mut out,
    );
    out.push_str(&format!("{key} =\n"));
    for f in files {
        out.push_str(&format!("  {}\n", f.path));
    }
    out
}

fn cmake_example(files: &[Embedded<'_>], text: bool) -> Text {
    let mut out = Text::with_capacity(1024);
    line_comment(
        "#",
        &[format!(
            "Generated by certpack {}: src/CMakeLists.txt for framework = espidf.",
            crate::VERSION
        )],
        &mut out,
    );
    out.push_str("FILE(GLOB_RECURSE app_sources ${CMAKE_SOURCE_DIR}/src/*.*)\n");
    out.push_str("idf_component_register(SRCS ${app_sources}\n");
    let kind = if text {
        "EMBED_TXTFILES"
    } else {
        "EMBED_FILES"
    };
    for (n, f) in files.iter().enumerate() {
        let lead = if n == 0 {
            format!("                       {kind} ")
        } else {
            " ".repeat(24 + kind.len())
        };
        out.push_str(&format!("{lead}\"${{CMAKE_SOURCE_DIR}}/{}\"", f.path));
        out.push_str(if n + 1 == files.len() { ")\n" } else { "\n" });
    }
    out
}
