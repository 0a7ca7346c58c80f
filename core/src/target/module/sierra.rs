//! Sierra Wireless HL78xx: `AT+KCERTSTORE` / `AT+KPRIVKSTORE` (size, CONNECT, data, EOF pattern),
//! `AT+KSSLCRYPTO`, `AT+KMQTT*` MQTT.

use super::{
    capabilities, check_quotable, eol_param, finish, nitz_or_set_clock, readme, with_common, Kind,
    Plan, Support, EOL,
};
use crate::artifact::Artifacts;
use crate::at::{Script, Step};
use crate::bundle::Bundle;
use crate::error::Result;
use crate::target::{Capabilities, Family, ParamSpec, Params, Target};

/// The end-of-data pattern set with `AT+KPATTERN`.
pub(crate) const EOF_PATTERN: &str = "--EOF--Pattern--";

/// Sierra HL78xx target.
pub(super) struct SierraHl78;

const OWN: [ParamSpec; 2] = [
    ParamSpec {
        name: "cert-index",
        help: "index of the stored root and local certificate and key",
        default: Some("0"),
    },
    EOL,
];
const PARAMS: [ParamSpec; 15] = with_common(OWN);

impl Target for SierraHl78 {
    fn name(&self) -> &'static str {
        "sierra-hl78"
    }
    fn family(&self) -> Family {
        Family::Module
    }
    fn summary(&self) -> &'static str {
        "Sierra HL78xx AT script: AT+KCERTSTORE/KPRIVKSTORE with the EOF pattern, KSSLCRYPTO, KMQTT MQTT"
    }
    fn params(&self) -> &'static [ParamSpec] {
        &PARAMS
    }
    fn capabilities(&self) -> Capabilities {
        capabilities(
            None,
            "AT+CTZU=0 then AT+CCLK=\"yy/MM/dd,hh:mm:ss+00\" from the host",
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
        let idx = params.u32_or(name, "cert-index", 0)?;
        let eol = eol_param(params, name, "lf")?;
        check_quotable(name, "message", &plan.message)?;
        let uploads = plan.pem_uploads(eol, true, ["ca.pem", "client.pem", "client.key.pem"])?;
        // Per upload: the command that deletes the old entry (certificates only) and the one that stores it.
        let stores: Vec<(Option<String>, String)> = uploads
            .iter()
            .map(|u| {
                let len = u.bytes.len();
                match u.kind {
                    Kind::Ca => (
                        Some(format!("AT+KCERTDELETE=0,{idx}")),
                        format!("AT+KCERTSTORE=0,{len},{idx}"),
                    ),
                    Kind::Cert => (
                        Some(format!("AT+KCERTDELETE=1,{idx}")),
                        format!("AT+KCERTSTORE=1,{len},{idx}"),
                    ),
                    Kind::Key => (None, format!("AT+KPRIVKSTORE=0,{len},{idx}")),
                }
            })
            .collect();
        let files = uploads
            .iter()
            .zip(&stores)
            .map(|(u, (_, cmd))| u.artifact().at_command(cmd))
            .collect();
        let text = || {
            readme(&plan, "Sierra HL78xx: AT+KCERTSTORE/AT+KPRIVKSTORE=<type>,<size>,<index>, CONNECT, exactly <size> bytes, then --EOF--Pattern--. The module echoes no checksum. The MQTT lines follow Sierra's KMQTT commands; check them against your firmware's AT guide.")
        };
        let script = || {
            let mut s = Script::new(plan.title("Sierra HL78xx"));
            s.preamble.push(format!("each upload: the command, CONNECT, exactly <size> bytes, then the line {EOF_PATTERN}; index {idx}"));
            s.push(Step::new("ATE0", "echo off"));
            s.push(Step::new(
                format!("AT+KPATTERN=\"{EOF_PATTERN}\""),
                "the end-of-data pattern sent after each upload",
            ));
            if let Some(apn) = &plan.apn {
                s.push(Step::new(
                    format!("AT+KCNXCFG=1,\"GPRS\",\"{apn}\""),
                    "data connection with the APN",
                ));
            }
            for (u, (del, cmd)) in uploads.iter().zip(&stores) {
                let len = u.bytes.len();
                if let Some(d) = del {
                    s.push(
                        Step::new(d, "delete the old certificate (ERROR when there is none)")
                            .may_fail(),
                    );
                }
                s.push(
                    Step::new(
                        cmd,
                        format!(
                            "store the {} ({len} bytes, PEM); no answer until the EOF pattern",
                            u.description()
                        ),
                    )
                    .payload(&u.file, &u.bytes, "CONNECT", u.secret())
                    .expect("")
                    .timeout_ms(15_000),
                );
                s.push(Step::new(EOF_PATTERN, "end of data: the module stores the bytes and answers OK (ERROR if the size differs)").timeout_ms(15_000));
            }
            s.push(
                Step::new("AT+KCERTSTORE?", "list the stored certificates").expect(
                    if plan.is_x509() {
                        "root_cert[\\s\\S]*local_cert"
                    } else {
                        "root_cert"
                    },
                ),
            );
            nitz_or_set_clock(&mut s, &plan);
            s.push(Step::new("AT+KSSLCRYPTO=0,8,1,8192,4,4,3,0", "cipher and certificate selection of TLS profile 0 (the values Zephyr's HL78xx driver uses)"));
            let login = match &plan.username {
                Some(user) => format!(",\"{user}\",\"{}\"", plan.password().unwrap_or("")),
                None => String::new(),
            };
            s.push(Step::new(format!("AT+KMQTTCFG=1,1,\"{}\",{},4,\"{}\",60,1{login}", plan.host, plan.port, plan.client_id), "secure MQTT session (SNI on), MQTT 3.1.1, client id, keep-alive 60 s, clean session (then user name and password for Azure, in the positions Zephyr's HL78xx driver uses); answers the session id").expect("\\+KMQTTCFG: 1"));
            s.push(
                Step::new("AT+KMQTTCNX=1", "connect; +KMQTT_IND: 1,1 = connected")
                    .expect("\\+KMQTT_IND: ?1,1")
                    .timeout_ms(60_000),
            );
            s.push(
                Step::new(
                    format!("AT+KMQTTPUB=1,\"{}\",1,0,\"{}\"", plan.topic, plan.message),
                    "publish the test message (QoS 1)",
                )
                .timeout_ms(30_000),
            );
            s.push(Step::new("AT+KMQTTCLOSE=1", "disconnect").timeout_ms(30_000));
            s
        };
        Ok(finish(name, &plan, files, text, wanted, script))
    }
}
