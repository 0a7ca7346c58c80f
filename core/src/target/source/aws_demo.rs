//! The FreeRTOS / AWS IoT demo header `aws_clientcredential_keys.h`: `keyCLIENT_CERTIFICATE_PEM`,
//! `keyCLIENT_PRIVATE_KEY_PEM`, `keyJITR_DEVICE_CERTIFICATE_AUTHORITY_PEM` and the demos' `democonfigROOT_CA_PEM`,
//! in the `"...\n"\` line style of AWS's converter, but with the `\n` after the END line that the converter drops.

use super::c_string::write_quoted_lines;
use super::{
    blobs, bundle_notes, eol_param, key_format_param, text_for, Blob, CommentStyle, Form,
    HeaderComment, Part, EOL, KEY_FORMAT,
};
use crate::artifact::Artifacts;
use crate::bundle::Bundle;
use crate::encode::{self, Eol, PemStyle};
use crate::error::Result;
use crate::target::{Family, ParamSpec, Params, Target};

/// `aws_clientcredential_keys.h` (or the `democonfig` macros).
pub(crate) struct AwsDemoHeader;

impl Target for AwsDemoHeader {
    fn name(&self) -> &'static str {
        "aws-demo-header"
    }
    fn family(&self) -> Family {
        Family::Source
    }
    fn summary(&self) -> &'static str {
        "aws_clientcredential_keys.h for FreeRTOS/AWS IoT demos (keyCLIENT_CERTIFICATE_PEM, keyCLIENT_PRIVATE_KEY_PEM, root CA)"
    }
    fn params(&self) -> &'static [ParamSpec] {
        const P: [ParamSpec; 3] = [
            ParamSpec {
                name: "macros",
                help: "key (aws_clientcredential_keys.h: keyCLIENT_*) or democonfig (demo_config credentials: democonfigCLIENT_*)",
                default: Some("key"),
            },
            EOL,
            KEY_FORMAT,
        ];
        &P
    }
    fn pack(&self, bundle: &Bundle, params: &Params) -> Result<Artifacts> {
        let t = self.name();
        let democonfig = match params.str_or("macros", "key") {
            "key" => false,
            "democonfig" => true,
            other => {
                return Err(super::unknown_value(
                    t,
                    "macros",
                    other,
                    "key or democonfig",
                ))
            }
        };
        let eol = eol_param(params, t)?;
        let blobs = blobs(bundle, Form::Pem, eol, key_format_param(params, t)?)?;
        let file = if democonfig {
            "demo_config_credentials.h"
        } else {
            "aws_clientcredential_keys.h"
        };
        let guard = if democonfig {
            "DEMO_CONFIG_CREDENTIALS_H"
        } else {
            "AWS_CLIENT_CREDENTIAL_KEYS_H"
        };
        let (cert_macro, key_macro) = if democonfig {
            (
                "democonfigCLIENT_CERTIFICATE_PEM",
                "democonfigCLIENT_PRIVATE_KEY_PEM",
            )
        } else {
            ("keyCLIENT_CERTIFICATE_PEM", "keyCLIENT_PRIVATE_KEY_PEM")
        };
        let root_macro = "democonfigROOT_CA_PEM";
        let find = |part| blobs.iter().find(|b| b.part == part);
        let jitr = if democonfig {
            None
        } else {
            jitr_blob(bundle, eol)?
        };

        let mut entries: Vec<(String, &Blob, String)> = Vec::new();
        let rule = |b: &Blob| {
            format!(
                "{} characters + the literal's NUL; sizeof = {} includes the NUL",
                b.bytes.len(),
                b.bytes.len() + 1
            )
        };
        for (part, name) in [(Part::Cert, cert_macro), (Part::Key, key_macro)] {
            if let Some(b) = find(part) {
                entries.push((name.into(), b, rule(b)));
            }
        }
        if let Some(b) = &jitr {
            entries.push((
                "keyJITR_DEVICE_CERTIFICATE_AUTHORITY_PEM".into(),
                b,
                rule(b),
            ));
        }
        if let Some(b) = find(Part::Root) {
            entries.push((root_macro.into(), b, rule(b)));
        }
        let usage = vec![
            "FreeRTOS passes these strings with sizeof / strlen + 1 to mbedTLS, so the NUL is part of the length.".into(),
            "Macros for pieces the bundle lacks are NULL, as in the FreeRTOS template.".into(),
        ];
        let settings = format!(
            "macros={}, eol={}",
            if democonfig { "democonfig" } else { "key" },
            if eol == Eol::Lf { "lf" } else { "crlf" }
        );
        let mut out = text_for(&blobs);
        HeaderComment::new(file, t, &settings, &entries, &usage, true)
            .write(&mut out, CommentStyle::Block);
        out.push_str(&format!("#ifndef {guard}\n#define {guard}\n"));
        let mut define = |name: &str, what: &str, blob: Option<&Blob>, guarded: bool| {
            out.push_str(&format!("\n/* {what} */\n"));
            if guarded {
                out.push_str(&format!("#ifndef {name}\n"));
            }
            match blob {
                Some(b) => {
                    out.push_str(&format!("#define {name} \\\n"));
                    write_quoted_lines(&mut out, &b.bytes, "\\\n", "\n");
                }
                None => out.push_str(&format!("#define {name} NULL\n")),
            }
            if guarded {
                out.push_str("#endif\n");
            }
        };
        define(
            cert_macro,
            "PEM-encoded client (device) certificate.",
            find(Part::Cert),
            false,
        );
        if !democonfig {
            define(
                "keyJITR_DEVICE_CERTIFICATE_AUTHORITY_PEM",
                "PEM-encoded issuer certificate for Just-in-Time Registration (JITR), or NULL.",
                jitr.as_ref(),
                false,
            );
        }
        define(
            key_macro,
            "PEM-encoded client private key.",
            find(Part::Key),
            false,
        );
        define(
            root_macro,
            "PEM-encoded root CA of the server (kept if demo_config.h defined it first).",
            find(Part::Root),
            true,
        );
        out.push_str(&format!("\n#endif /* {guard} */\n"));
        let mut artifacts =
            super::c_array::single_file(t, file, out, &blobs, "FreeRTOS demo credentials header");
        artifacts.readme = format!(
            "{file} replaces the FreeRTOS demo file of that name. Each PEM ends with \\n after its END line (AWS's \
online converter drops it) and every literal is NUL-terminated."
        );
        artifacts.notes = bundle_notes(bundle);
        Ok(artifacts)
    }
}

/// The CA that issued the device certificate, for JITR: the first intermediate, or the device chain's own root
/// when that is given (and is not the server root).
fn jitr_blob(bundle: &Bundle, eol: Eol) -> Result<Option<Blob<'_>>> {
    let item = bundle.chain().next().or_else(|| {
        bundle
            .chain_root()
            .filter(|r| bundle.server_root().is_some_and(|s| !std::ptr::eq(*r, s)))
    });
    let Some((item, cert)) = item.and_then(|i| i.certificate().map(|c| (i, c))) else {
        return Ok(None);
    };
    let style = PemStyle {
        eol,
        final_newline: true,
    };
    Ok(Some(Blob {
        part: Part::Chain,
        index: 0,
        file: "jitr.crt.pem".into(),
        bytes: zeroize::Zeroizing::new(
            encode::pem(encode::CERTIFICATE, cert.der(), style)?.into_bytes(),
        ),
        form: Form::Pem,
        what: "device certificate's issuing CA (JITR)",
        details: super::Details::Certificate(item, cert),
    }))
}
