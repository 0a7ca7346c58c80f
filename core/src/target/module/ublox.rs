//! u-blox SARA-R4/R5, LARA-R6, SARA-U2: `AT+USECMNG` imports (answer: MD5 of the stored DER), `AT+USECPRF`
//! security profile, `AT+UMQTT` client.

use super::{
    capabilities, check_quotable, check_size, finish, hex_any_case, nitz_or_set_clock, ranged,
    readme, with_common, Kind, Plan, Support, Upload, GPS_EPOCH,
};
use crate::artifact::Artifacts;
use crate::at::{Script, Step};
use crate::bundle::Bundle;
use crate::encode::Eol;
use crate::error::{Error, ErrorKind, Result};
use crate::integrity;
use crate::target::{Capabilities, Family, ParamSpec, Params, Target};
use crate::wipe::SecretBytes;

/// ubxlib's portable limit for one credential.
const MAX_CREDENTIAL: usize = 8_192;

/// u-blox target.
pub(super) struct Ublox;

const OWN: [ParamSpec; 2] = [
    ParamSpec {
        name: "profile",
        help: "security profile 0-4 (AT+USECPRF)",
        default: Some("0"),
    },
    ParamSpec {
        name: "cert-form",
        help: "certificate upload form: der (accepted by every module, SARA-R4 needs it) or pem",
        default: Some("der"),
    },
];
const PARAMS: [ParamSpec; 15] = with_common(OWN);

fn hex(bytes: &[u8]) -> String {
    crate::cert::hex(bytes)
}

impl Target for Ublox {
    fn name(&self) -> &'static str {
        "ublox"
    }
    fn family(&self) -> Family {
        Family::Module
    }
    fn summary(&self) -> &'static str {
        "u-blox SARA/LARA AT script: AT+USECMNG imports with the expected MD5, USECPRF profile, UMQTT MQTT"
    }
    fn params(&self) -> &'static [ParamSpec] {
        &PARAMS
    }
    fn capabilities(&self) -> Capabilities {
        capabilities(
            Some(GPS_EPOCH),
            "AT+CCLK=\"yy/MM/dd,hh:mm:ss+00\" (or AT+CTZU=1 for network time)",
            false,
        )
    }
    pack_every_file!();

    fn pack_wanted(
        &self,
        bundle: &Bundle,
        params: &Params,
        wanted: &dyn Fn(&str) -> bool,
    ) -> Result<Artifacts> {
        let name = self.name();
        let mut plan = Plan::new(
            bundle,
            params,
            name,
            Support {
                alpn: false,
                password: true,
                rsa_only: false,
            },
        )?;
        let p = ranged(params, name, "profile", 0, 0, 4)?;
        let der = match params.str_or("cert-form", "der") {
            "der" => true,
            "pem" => false,
            other => {
                return Err(Error::new(
                    ErrorKind::Target,
                    format!("target ublox: cert-form \"{other}\" is not known"),
                    "use der or pem",
                ))
            }
        };
        // Certificates: one DER certificate (or RFC 7468 PEM); the key as PKCS#1/SEC1 PEM.
        let mut uploads =
            plan.pem_uploads(Eol::Lf, false, ["ca.pem", "client.pem", "client.key.pem"])?;
        let ders: Vec<Option<Vec<u8>>> = uploads
            .iter()
            .map(|u| match u.kind {
                Kind::Ca => Some(plan.root.der().to_vec()),
                Kind::Cert => match &plan.auth {
                    super::Auth::X509 { leaf, .. } => Some(leaf.der().to_vec()),
                    super::Auth::Sas { .. } => None,
                },
                Kind::Key => None,
            })
            .collect();
        if der {
            for (u, d) in uploads.iter_mut().zip(&ders) {
                if let Some(d) = d {
                    *u = Upload {
                        kind: u.kind,
                        file: u.file.replace(".pem", ".der"),
                        bytes: SecretBytes::new(d.clone()),
                    };
                }
            }
        }
        let mut files = Vec::new();
        // Per upload: its type, its name on the module and the MD5 the module answers with (of the DER).
        let mut imports = Vec::new();
        for (u, d) in uploads.iter().zip(&ders) {
            let len = u.bytes.len();
            check_size(name, &u.file, len, MAX_CREDENTIAL)?;
            let (ty, internal) = match u.kind {
                Kind::Ca => (0, "certpack_ca"),
                Kind::Cert => (1, "certpack_cert"),
                Kind::Key => (2, "certpack_key"),
            };
            let md5 = d.as_deref().map(integrity::usecmng_md5);
            let cmd = format!("AT+USECMNG=0,{ty},\"{internal}\",{len}");
            let mut a = u.artifact().at_command(cmd).meta("internal_name", internal);
            if let Some(m) = &md5 {
                a = a.meta("usecmng_md5", m).meta(
                    "expected_response",
                    format!("+USECMNG: 0,{ty},\"{internal}\",\"{m}\""),
                );
            }
            files.push(a);
            imports.push((ty, internal, md5));
        }
        check_quotable(name, "topic", &plan.topic)?;
        plan.chain_note(false);
        let text = || {
            readme(&plan, "u-blox: AT+USECMNG=0,<type>,\"<name>\",<size> then exactly <size> bytes after >. The module answers with the MD5 of the DER it stores (manifest.json meta usecmng_md5; compare case-insensitively). Certificates are sent as DER by default: SARA-R4 accepts only DER.")
        };
        let script = || {
            let mut s = Script::new(plan.title("u-blox"));
            s.preamble.push(format!(
                "security profile {p}; the MD5 each import prints is over the DER the module stores"
            ));
            s.push(Step::new("ATE0", "echo off"));
            if let Some(apn) = &plan.apn {
                s.push(Step::new(
                    format!("AT+CGDCONT=1,\"IP\",\"{apn}\""),
                    "set the APN",
                ));
            }
            for (u, (ty, internal, md5)) in uploads.iter().zip(&imports) {
                let len = u.bytes.len();
                let cmd = format!("AT+USECMNG=0,{ty},\"{internal}\",{len}");
                let expect = match md5 {
                    Some(m) => format!("\\+USECMNG: 0,{ty},\"{internal}\",\"{}\"", hex_any_case(m)),
                    None => format!("\\+USECMNG: 0,{ty},\"{internal}\",\"[0-9A-Fa-f]{{32}}\""),
                };
                let why = match md5 {
                    Some(m) => format!("import the {} ({len} bytes, {}); expect MD5 {m} (of the DER)", u.description(), if der { "DER" } else { "PEM" }),
                    None => format!("import the {} ({len} bytes, PEM); the MD5 is over the module's own DER form of the key: note it and compare later with AT+USECMNG=4,2,\"{internal}\"", u.description()),
                };
                s.push(
                    Step::new(&cmd, why)
                        .payload(&u.file, &u.bytes, ">", u.secret())
                        .expect(expect)
                        .timeout_ms(20_000),
                );
            }
            let listed: Vec<String> = imports.iter().map(|(_, n, _)| format!("\"{n}\"")).collect();
            s.push(
                Step::new("AT+USECMNG=3", "list the stored credentials")
                    .expect(listed.join("[\\s\\S]*")),
            );
            nitz_or_set_clock(&mut s, &plan);
            let prf =
                |op: &str, why: &str| Step::new(format!("AT+USECPRF={p}{op}"), why.to_string());
            s.push(prf("", "reset the profile to defaults"));
            s.push(prf(
                ",0,3",
                "validate the server: root CA, host name and validity dates",
            ));
            s.push(prf(",1,3", "TLS 1.2 minimum"));
            for (ty, internal, _) in &imports {
                let (op, why) = match ty {
                    0 => (3, "trusted root"),
                    1 => (5, "client certificate"),
                    _ => (6, "client private key"),
                };
                s.push(prf(&format!(",{op},\"{internal}\""), why));
            }
            s.push(prf(
                &format!(",4,\"{}\"", plan.host),
                "expected server host name",
            ));
            s.push(prf(&format!(",10,\"{}\"", plan.host), "SNI"));
            s.push(Step::new(
                format!("AT+UMQTT=0,\"{}\"", plan.client_id),
                "MQTT client id",
            ));
            s.push(Step::new(
                format!("AT+UMQTT=2,\"{}\",{}", plan.host, plan.port),
                "broker and port",
            ));
            if let Some(user) = &plan.username {
                s.push(Step::new(
                    format!(
                        "AT+UMQTT=4,\"{user}\",\"{}\"",
                        plan.password().unwrap_or("")
                    ),
                    "user name and password (Azure)",
                ));
            }
            s.push(Step::new(
                format!("AT+UMQTT=11,1,{p}"),
                "MQTT over TLS with the security profile",
            ));
            s.push(
                Step::new("AT+UMQTTC=1", "connect; +UUMQTTC: 1,0 = connected")
                    .expect("\\+UUMQTTC: 1,0")
                    .timeout_ms(60_000),
            );
            s.push(
                Step::new(
                    format!(
                        "AT+UMQTTC=2,1,0,1,\"{}\",\"{}\"",
                        plan.topic,
                        hex(plan.message.as_bytes()).to_ascii_uppercase()
                    ),
                    "publish the test message (QoS 1, given in hex so any text can be sent)",
                )
                .expect("\\+UMQTTC: 2,1")
                .timeout_ms(30_000),
            );
            s.push(
                Step::new("AT+UMQTTC=0", "disconnect")
                    .expect("\\+UMQTTC: 0,1")
                    .timeout_ms(30_000),
            );
            s
        };
        Ok(finish(name, &plan, files, text, wanted, script))
    }
}
