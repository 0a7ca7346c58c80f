//! Zephyr: `.inc` files in the layout of Zephyr's `file2hex.py` (what `generate_inc_file_for_target` writes),
//! used as `{ #include "x.inc" }`, or the nRF Connect SDK "quoted PEM" includes (`ca-cert.pem`,
//! `client-cert.pem`, `private-key.pem`), plus `certs.h` declaring the arrays.

use super::c_string::write_quoted_lines;
use super::{
    blobs, bundle_notes, check_unique, eol_param, key_format_param, nul_param, text_for, write_hex,
    Blob, CommentStyle, Form, HeaderComment, Naming, Part, Text, EOL, KEY_FORMAT, NAMES, PREFIX,
};
use crate::artifact::{Artifact, Artifacts};
use crate::bundle::Bundle;
use crate::error::Result;
use crate::target::{Family, ParamSpec, Params, Target};

/// Exactly what Zephyr's `scripts/build/file2hex.py FILE` prints: lines of up to 8 bytes as `0xNN, `, every line
/// (the last one too) ending with a comma; no braces, no length; nothing for an empty file.
pub fn file2hex(bytes: &[u8]) -> String {
    let mut out = Text::with_capacity(bytes.len() * 6 + 16);
    write_hex(&mut out, bytes, 8, "", ",\n", ",\n");
    out.as_str().to_string()
}

/// Which include files to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `<file>.inc` hex lists (DER or PEM bytes).
    Inc(Form),
    /// nRF Connect SDK quoted PEM lines.
    Ncs,
}

/// Zephyr / nRF Connect SDK include files.
pub(crate) struct Zephyr;

impl Target for Zephyr {
    fn name(&self) -> &'static str {
        "zephyr"
    }
    fn family(&self) -> Family {
        Family::Source
    }
    fn summary(&self) -> &'static str {
        "Zephyr .inc files (file2hex layout, DER by default) or nRF Connect SDK quoted-PEM includes, with certs.h"
    }
    fn params(&self) -> &'static [ParamSpec] {
        const P: [ParamSpec; 6] = [
            ParamSpec {
                name: "form",
                help: "der (.inc, Zephyr's default TLS credential format), pem (.inc; needs CONFIG_MBEDTLS_PEM_CERTIFICATE_FORMAT) or ncs (nRF Connect SDK ca-cert.pem/client-cert.pem/private-key.pem)",
                default: Some("der"),
            },
            ParamSpec {
                name: "nul",
                help: "form=pem: end the .inc with 0x00 so sizeof() includes the NUL mbedTLS needs",
                default: Some("true"),
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
        let layout = match params.str_or("form", "der") {
            "der" => Layout::Inc(Form::Der),
            "pem" => Layout::Inc(Form::Pem),
            "ncs" => Layout::Ncs,
            other => return Err(super::unknown_value(t, "form", other, "der, pem or ncs")),
        };
        let form = match layout {
            Layout::Inc(f) => f,
            Layout::Ncs => Form::Pem,
        };
        let nul = match layout {
            Layout::Inc(f) => nul_param(params, t, f, true)?,
            Layout::Ncs => true,
        };
        let naming = Naming::from_params(params, t)?;
        let blobs = blobs(
            bundle,
            form,
            eol_param(params, t)?,
            key_format_param(params, t)?,
        )?;
        let includes: Vec<String> = blobs
            .iter()
            .map(|b| match layout {
                Layout::Inc(_) => format!("{}.inc", b.file),
                Layout::Ncs => ncs_file(b.part).to_string(),
            })
            .collect();
        let names: Vec<String> = blobs
            .iter()
            .map(|b| match layout {
                Layout::Inc(_) => naming.c_name(b),
                Layout::Ncs => naming
                    .chosen(b)
                    .unwrap_or_else(|| format!("{}{}", naming.prefix(), ncs_name(b.part))),
            })
            .collect();
        check_unique(t, &names)?;

        let mut out = Artifacts::new(t);
        for (blob, include) in blobs.iter().zip(&includes) {
            let mut text = text_for(std::slice::from_ref(blob));
            if blob.secret() {
                // A comment is valid where the file is #included (an array initializer or a string).
                text.push_str("/* SECRET: the device private key, written by certpack. Keep this file out of version control. */\n");
            }
            match layout {
                Layout::Inc(_) if nul => {
                    let mut data =
                        zeroize::Zeroizing::new(Vec::with_capacity(blob.bytes.len() + 1));
                    data.extend_from_slice(&blob.bytes);
                    data.push(0);
                    write_hex(&mut text, &data, 8, "", ",\n", ",\n");
                }
                Layout::Inc(_) => write_hex(&mut text, &blob.bytes, 8, "", ",\n", ",\n"),
                Layout::Ncs => write_quoted_lines(&mut text, &blob.bytes, "\n", "\n"),
            }
            let a = Artifact::new(
                include.clone(),
                text.into_bytes(),
                format!(
                    "{}, {} as an include for a C array",
                    blob.what,
                    form.name().to_ascii_uppercase()
                ),
            );
            out.push(if blob.secret() { a.secret() } else { a });
        }

        let entries: Vec<(String, &Blob, String)> = blobs
            .iter()
            .zip(names.iter().zip(&includes))
            .map(|(b, (n, inc))| {
                let len = b.bytes.len();
                let layout = if nul {
                    format!(
                        "{inc}; {len} bytes + NUL; sizeof({n}) = {} includes the NUL",
                        len + 1
                    )
                } else {
                    format!("{inc}; {len} bytes, no NUL; sizeof({n}) = {len}")
                };
                (n.clone(), b, layout)
            })
            .collect();
        let tag = |part| {
            match part {
            Part::Cert => "TLS_CREDENTIAL_PUBLIC_CERTIFICATE (TLS_CREDENTIAL_SERVER_CERTIFICATE in older Zephyr)",
            Part::Key => "TLS_CREDENTIAL_PRIVATE_KEY",
            Part::Chain | Part::Root => "TLS_CREDENTIAL_CA_CERTIFICATE",
        }
        };
        let mut usage: Vec<String> = blobs
            .iter()
            .zip(&names)
            .map(|(b, n)| {
                format!(
                    "tls_credential_add(TAG, {}, {n}, sizeof({n}));",
                    tag(b.part)
                )
            })
            .collect();
        if layout == Layout::Ncs {
            usage = vec!["nRF91: modem_key_mgmt_write(SEC_TAG, MODEM_KEY_MGMT_CRED_TYPE_CA_CHAIN, ca_certificate, sizeof(ca_certificate) - 1) and friends, as in the nRF Connect SDK samples.".into()];
        } else if form == Form::Pem {
            usage.push("PEM needs CONFIG_MBEDTLS_PEM_CERTIFICATE_FORMAT=y and the NUL inside sizeof() (nul=true).".into());
        }
        let settings = match layout {
            Layout::Inc(f) => format!("form={}, nul={nul}", f.name()),
            Layout::Ncs => "form=ncs".into(),
        };
        let mut header = text_for(&blobs);
        HeaderComment::new("certs.h", t, &settings, &entries, &usage, false)
            .write(&mut header, CommentStyle::Block);
        let guard = super::naming::include_guard("certs.h");
        header.push_str(&format!("#ifndef {guard}\n#define {guard}\n"));
        for (name, include) in names.iter().zip(&includes) {
            header.push_str(&format!(
                "\nstatic const unsigned char {name}[] = {{\n#include \"{include}\"\n}};\n"
            ));
        }
        header.push_str(&format!("\n#endif /* {guard} */\n"));
        let a = Artifact::new(
            "certs.h",
            header.into_bytes(),
            "the arrays, each filled from its include file",
        );
        out.push(a);
        out.readme = match layout {
            Layout::Inc(_) => format!(
                "Put the .inc files and certs.h in your application's source (or include) folder; the .inc files \
are what generate_inc_file_for_target(app <file> <file>.inc) would write from the {} files. {}",
                form.name(),
                if nul { "Each .inc ends with 0x00, so sizeof() includes the NUL mbedTLS needs for PEM." } else { "sizeof() is the exact DER length." }
            ),
            Layout::Ncs => "ca-cert.pem, client-cert.pem and private-key.pem are C string lines, not PEM files: put \
them in the folder the nRF Connect SDK sample includes them from (e.g. CONFIG_MQTT_HELPER_CERTIFICATES_FOLDER). \
The arrays get the literal's NUL; sizeof() includes it. The chain (if any) is in chain-cert.pem: append it to \
client-cert.pem when the server needs the intermediates from the device.".into(),
        };
        out.notes = bundle_notes(bundle);
        Ok(out)
    }
}

fn ncs_file(part: Part) -> &'static str {
    match part {
        Part::Cert => "client-cert.pem",
        Part::Key => "private-key.pem",
        Part::Chain => "chain-cert.pem",
        Part::Root => "ca-cert.pem",
    }
}

fn ncs_name(part: Part) -> &'static str {
    match part {
        Part::Cert => "device_certificate",
        Part::Key => "private_key",
        Part::Chain => "chain_certificate",
        Part::Root => "ca_certificate",
    }
}
