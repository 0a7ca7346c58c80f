//! Telit LE910Cx / ME910 / ME310: `AT#SSLSECDATA` sized writes (PEM), `AT#SSLSECCFG`, `AT#NTP`, `AT#MQ*` MQTT.

use super::{
    capabilities, cclk_check, cclk_set, check_quotable, eol_param, finish, readme, with_common,
    Clock, Kind, Plan, Support, EOL,
};
use crate::artifact::Artifacts;
use crate::at::{Script, Step};
use crate::bundle::Bundle;
use crate::error::Result;
use crate::target::{Capabilities, Family, ParamSpec, Params, Target};

/// Telit target.
pub(super) struct Telit;

const OWN: [ParamSpec; 5] = [
    ParamSpec { name: "ssl-id", help: "SSL socket/context id (AT#SSLEN, AT#SSLSECDATA)", default: Some("1") },
    ParamSpec { name: "pdp-context", help: "PDP context id (AT#SGACT, AT#MQCFG)", default: Some("1") },
    ParamSpec { name: "mqtt-instance", help: "MQTT instance (AT#MQCFG)", default: Some("1") },
    ParamSpec { name: "tls-version-code", help: "if given, AT#SSLSECCFG2=<ssl-id>,<code> (TLS 1.2 is 2 on LE910R1, 3 on ME310: see your manual)", default: None },
    EOL,
];
const PARAMS: [ParamSpec; 18] = with_common(OWN);

impl Target for Telit {
    fn name(&self) -> &'static str {
        "telit"
    }
    fn family(&self) -> Family {
        Family::Module
    }
    fn summary(&self) -> &'static str {
        "Telit LE910/ME910/ME310 AT script: AT#SSLSECDATA sized writes, SSLSECCFG, #NTP, #MQ MQTT (RSA keys only)"
    }
    fn params(&self) -> &'static [ParamSpec] {
        &PARAMS
    }
    fn capabilities(&self) -> Capabilities {
        capabilities(None, "AT#NTP=\"pool.ntp.org\",123,1,10 or AT+CCLK=\"yy/MM/dd,hh:mm:ss+00\" (AT#CCLKMODE=1 for UTC)", true)
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
                rsa_only: true,
            },
        )?;
        let ss = params.u32_or(name, "ssl-id", 1)?;
        let cid = params.u32_or(name, "pdp-context", 1)?;
        let inst = params.u32_or(name, "mqtt-instance", 1)?;
        let eol = eol_param(params, name, "lf")?;
        check_quotable(name, "message", &plan.message)?;
        let uploads = plan.pem_uploads(eol, true, ["ca.pem", "client.pem", "client.key.pem"])?;
        // The data type of each upload and the command that stores it.
        let stores: Vec<(u32, String)> = uploads
            .iter()
            .map(|u| {
                let ty = match u.kind {
                    Kind::Cert => 0,
                    Kind::Ca => 1,
                    Kind::Key => 2,
                };
                (ty, format!("AT#SSLSECDATA={ss},1,{ty},{}", u.bytes.len()))
            })
            .collect();
        let files = uploads
            .iter()
            .zip(&stores)
            .map(|(u, (_, cmd))| u.artifact().at_command(cmd))
            .collect();
        let text = || {
            readme(&plan, "Telit: AT#SSLSECDATA=<ssl-id>,1,<type>,<size> then exactly <size> bytes after >. Types: 0 client certificate, 1 CA, 2 RSA private key. Telit echoes no checksum.")
        };
        let script = || {
            let mut s = Script::new(plan.title("Telit"));
            s.preamble.push(format!("SSL id {ss}, PDP context {cid}, MQTT instance {inst}. The writes give the exact size; if your firmware still waits after the data, it wants Ctrl-Z (0x1A) as well (open question in Telit's documentation)"));
            s.push(Step::new("ATE0", "echo off"));
            if let Some(apn) = &plan.apn {
                s.push(Step::new(
                    format!("AT+CGDCONT={cid},\"IP\",\"{apn}\""),
                    "set the APN",
                ));
            }
            s.push(
                Step::new(
                    format!("AT#SGACT={cid},1"),
                    "activate the data context (ERROR when already active)",
                )
                .may_fail()
                .timeout_ms(150_000),
            );
            s.push(
                Step::new(
                    format!("AT#SSLEN={ss},1"),
                    "enable the SSL context (ERROR when already enabled)",
                )
                .may_fail(),
            );
            for (u, (ty, cmd)) in uploads.iter().zip(&stores) {
                let len = u.bytes.len();
                s.push(
                    Step::new(
                        format!("AT#SSLSECDATA={ss},0,{ty}"),
                        "delete the old entry (ERROR when there is none)",
                    )
                    .may_fail(),
                );
                s.push(
                    Step::new(
                        cmd,
                        format!(
                            "store the {} ({len} bytes, PEM; data type {ty})",
                            u.description()
                        ),
                    )
                    .payload(&u.file, &u.bytes, ">", u.secret())
                    .timeout_ms(15_000),
                );
            }
            match &plan.clock {
                Clock::Network(server) => s.push(
                    Step::new(
                        format!("AT#NTP=\"{server}\",123,1,10"),
                        "set the module clock from NTP",
                    )
                    .expect("#NTP: \\d\\d/")
                    .timeout_ms(15_000),
                ),
                Clock::Set(t) => s.push(Step::new(
                    cclk_set(*t),
                    format!("set the clock to {t} (UTC)"),
                )),
            }
            s.push(Step::new("AT#CCLKMODE=1", "show the clock in UTC"));
            s.push(cclk_check(plan.min_year));
            s.push(Step::new(format!("AT#SSLSECCFG={ss},0,{},1", if plan.is_x509() { 2 } else { 1 }), "cipher suite chosen by the module; verify the server (and present the client certificate); PEM format"));
            if let Some(code) = params.get("tls-version-code") {
                s.push(Step::new(
                    format!("AT#SSLSECCFG2={ss},{code}"),
                    "TLS version (code per module family)",
                ));
            }
            s.push(Step::new(
                format!("AT#MQEN={inst},1"),
                "enable the MQTT client",
            ));
            s.push(Step::new(
                format!("AT#MQCFG={inst},\"{}\",{},{cid},1", plan.host, plan.port),
                "broker, port, data context, SSL on",
            ));
            s.push(Step::new(
                format!("AT#MQCFG2={inst},60,1"),
                "keep-alive 60 s, clean session",
            ));
            let (user, pass) = plan.login();
            s.push(
                Step::new(
                    format!(
                        "AT#MQCONN={inst},\"{}\",\"{user}\",\"{pass}\"",
                        plan.client_id
                    ),
                    "connect",
                )
                .timeout_ms(60_000),
            );
            s.push(
                Step::new(
                    format!(
                        "AT#MQPUBS={inst},\"{}\",0,1,\"{}\"",
                        plan.topic, plan.message
                    ),
                    "publish the test message (QoS 1)",
                )
                .timeout_ms(30_000),
            );
            s.push(Step::new(format!("AT#MQDISC={inst}"), "disconnect").timeout_ms(30_000));
            s
        };
        Ok(finish(name, &plan, files, text, wanted, script))
    }
}
