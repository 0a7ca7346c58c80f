//! Nordic nRF9160 / nRF91x1: `AT%CMNG=0,<tag>,<type>,"<PEM>"` with the PEM inside the quotes (LF only, every
//! line ending in `\n`), written while offline; `AT%CMNG=1` answers with the SHA-256 of the exact text.

use super::{
    capabilities, cclk_check, cclk_set, check_quotable, finish, readme, with_common, Clock, Kind,
    Plan, Support,
};
use crate::artifact::Artifacts;
use crate::at::{Script, Step};
use crate::bundle::Bundle;
use crate::encode::Eol;
use crate::error::{Error, ErrorKind, Result};
use crate::integrity;
use crate::target::{Capabilities, Family, ParamSpec, Params, Target};

/// nRF9160 clock after a power-on reset: 2015-02-01.
const POWER_ON: i64 = 1_422_748_800;

/// nRF91 target.
pub(super) struct Nrf91;

const OWN: [ParamSpec; 2] = [
    ParamSpec { name: "sec-tag", help: "security tag the credentials are stored under (the one your firmware uses)", default: Some("201") },
    ParamSpec { name: "mqtt", help: "slm: connect with the Serial LTE Modem application's AT#XMQTT commands; none: stop after credentials and clock", default: Some("slm") },
];
const PARAMS: [ParamSpec; 15] = with_common(OWN);

impl Target for Nrf91 {
    fn name(&self) -> &'static str {
        "nrf91"
    }
    fn family(&self) -> Family {
        Family::Module
    }
    fn summary(&self) -> &'static str {
        "Nordic nRF91 AT script: AT%CMNG writes (LF PEM inline) with the expected %CMNG SHA-256, clock, SLM MQTT"
    }
    fn params(&self) -> &'static [ParamSpec] {
        &PARAMS
    }
    fn capabilities(&self) -> Capabilities {
        capabilities(
            Some(POWER_ON),
            "network time after registration (AT+CFUN=1), or AT+CCLK=\"yy/MM/dd,hh:mm:ss+00\"",
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
        let tag = params.u32_or(name, "sec-tag", 201)?;
        if tag > 2_147_483_647 {
            return Err(Error::new(
                ErrorKind::Target,
                format!("target nrf91: sec-tag {tag} is reserved by the modem"),
                "use a tag from 0 to 2147483647",
            ));
        }
        let slm = match params.str_or("mqtt", "slm") {
            "slm" => true,
            "none" => false,
            other => {
                return Err(Error::new(
                    ErrorKind::Target,
                    format!("target nrf91: mqtt \"{other}\" is not known"),
                    "use slm or none",
                ))
            }
        };
        let uploads =
            plan.pem_uploads(Eol::Lf, true, ["ca.pem", "client.pem", "client.key.pem"])?;
        let mut files = Vec::new();
        // Per upload: its credential type, its PEM text and the SHA-256 the modem lists.
        let mut writes = Vec::new();
        for u in &uploads {
            let ty = match u.kind {
                Kind::Ca => 0,
                Kind::Cert => 1,
                Kind::Key => 2,
            };
            let text = std::str::from_utf8(&u.bytes).map_err(|_| {
                Error::new(ErrorKind::InvalidArgument, "the PEM text is not UTF-8", "")
            })?;
            let sha = integrity::cmng_sha256(&u.bytes);
            files.push(
                u.artifact()
                    .meta("cmng_sha256", &sha)
                    .meta("sec_tag", tag.to_string())
                    .meta("expected_response", format!("%CMNG: {tag},{ty},\"{sha}\"")),
            );
            writes.push((ty, text, sha));
        }
        if let Some(apn) = &plan.apn {
            check_quotable(name, "APN", apn)?;
        }
        if slm {
            check_quotable(name, "message", &plan.message)?;
        }
        let text = || {
            readme(&plan, "nRF91: the credentials are written inline with AT%CMNG=0 while the modem is offline (AT+CFUN=4). AT%CMNG=1 lists the SHA-256 of the exact text written (manifest.json meta cmng_sha256), CR/LF included, so only LF text gives the documented value. Without the Serial LTE Modem application, use the security tag in your firmware (e.g. CONFIG_MQTT_HELPER_SEC_TAG).")
        };
        let script = || {
            let mut s = Script::new(plan.title("nRF91"));
            s.preamble.push(format!("security tag {tag}. Each AT%CMNG=0 command carries the PEM inside the quotes, with its LF line breaks: send the whole command (all its lines, LF only, never CRLF) and then CR."));
            s.push(Step::new("AT+CFUN=4", "go offline: credentials can be written only while the modem is offline (+CME ERROR: 518 otherwise)").timeout_ms(10_000));
            let mut listing = Vec::new();
            for (u, (ty, text, sha)) in uploads.iter().zip(&writes) {
                s.push(
                    Step::new(
                        format!("AT%CMNG=3,{tag},{ty}"),
                        "delete the old credential (+CME ERROR: 513 = none there, fine)",
                    )
                    .may_fail(),
                );
                s.push(
                    Step::new(
                        format!("AT%CMNG=0,{tag},{ty},\"{text}\""),
                        format!(
                            "write the {} ({} bytes of PEM, LF); the modem will list SHA-256 {sha}",
                            u.description(),
                            u.bytes.len()
                        ),
                    )
                    .timeout_ms(10_000),
                );
                listing.push(format!("%CMNG: {tag},{ty},\"{sha}\""));
            }
            s.push(Step::new(format!("AT%CMNG=1,{tag}"), "list the stored credentials: each SHA-256 must equal the one computed here (a different value means the text was altered, e.g. CRLF)").expect(listing.join("[\\s\\S]*")));
            if let Some(apn) = &plan.apn {
                s.push(Step::new(
                    format!("AT+CGDCONT=0,\"IP\",\"{apn}\""),
                    "set the APN of the default context",
                ));
            }
            s.push(Step::new("AT+CEREG=1", "report network registration"));
            s.push(
                Step::new(
                    "AT+CFUN=1",
                    "go online and wait for registration (+CEREG: 1 home, 5 roaming)",
                )
                .expect("\\+CEREG: [15]\\b")
                .timeout_ms(300_000),
            );
            if let Clock::Set(t) = &plan.clock {
                s.push(Step::new(
                    cclk_set(*t),
                    format!("set the clock to {t} (UTC)"),
                ));
            }
            s.push(cclk_check(plan.min_year).timeout_ms(10_000));
            if slm {
                s.push(Step::new(
                    format!("AT#XMQTTCFG=\"{}\",60,1", plan.client_id),
                    "Serial LTE Modem: MQTT client id, keep-alive, clean session",
                ));
                let (user, pass) = plan.login();
                s.push(
                    Step::new(
                        format!(
                            "AT#XMQTTCON=1,\"{user}\",\"{pass}\",\"{}\",{},{tag}",
                            plan.host, plan.port
                        ),
                        "connect over TLS with the security tag above; #XMQTTEVT: 0,0 = connected",
                    )
                    .expect("#XMQTTEVT: 0,0")
                    .timeout_ms(60_000),
                );
                s.push(
                    Step::new(
                        format!("AT#XMQTTPUB=\"{}\",\"{}\",0,0", plan.topic, plan.message),
                        "publish the test message (QoS 0)",
                    )
                    .timeout_ms(30_000),
                );
                s.push(Step::new("AT#XMQTTCON=0", "disconnect").timeout_ms(30_000));
            }
            s
        };
        Ok(finish(name, &plan, files, text, wanted, script))
    }
}
