//! Quectel BG9x / EC2x / EG9x / EG800K: `AT+QFUPL` uploads into UFS (answer `+QFUPL: <size>,<xor16>`),
//! `AT+QSSLCFG` context, `AT+QNTP` clock, `AT+QMT*` MQTT.

use super::{
    capabilities, cclk_check, cclk_set, eol_param, finish, message_artifact, ranged, re_escape,
    readme, with_common, Clock, Plan, Support, EOL, GPS_EPOCH,
};
use crate::artifact::Artifacts;
use crate::at::{Script, Step};
use crate::bundle::Bundle;
use crate::error::Result;
use crate::integrity;
use crate::target::{Capabilities, Family, ParamSpec, Params, Target};

/// Quectel target.
pub(super) struct Quectel;

const OWN: [ParamSpec; 4] = [
    ParamSpec {
        name: "ssl-context",
        help: "SSL context id 0-5 (AT+QSSLCFG)",
        default: Some("0"),
    },
    ParamSpec {
        name: "pdp-context",
        help: "PDP context id 1-16 used for NTP and MQTT",
        default: Some("1"),
    },
    ParamSpec {
        name: "mqtt-client",
        help: "MQTT client index 0-5 (AT+QMTOPEN)",
        default: Some("0"),
    },
    EOL,
];
const PARAMS: [ParamSpec; 17] = with_common(OWN);

impl Target for Quectel {
    fn name(&self) -> &'static str {
        "quectel"
    }
    fn family(&self) -> Family {
        Family::Module
    }
    fn summary(&self) -> &'static str {
        "Quectel BG9x/EC2x/EG9x AT script: AT+QFUPL uploads with the expected +QFUPL checksum, QSSLCFG, QNTP, QMT MQTT"
    }
    fn params(&self) -> &'static [ParamSpec] {
        &PARAMS
    }
    fn capabilities(&self) -> Capabilities {
        capabilities(
            Some(GPS_EPOCH),
            "AT+QNTP=1,\"pool.ntp.org\",123,1 (network time) or AT+CCLK=\"yy/MM/dd,hh:mm:ss+00\"",
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
        let ctx = ranged(params, name, "ssl-context", 0, 0, 5)?;
        let pdp = ranged(params, name, "pdp-context", 1, 1, 16)?;
        let cl = ranged(params, name, "mqtt-client", 0, 0, 5)?;
        let eol = eol_param(params, name, "lf")?;
        let uploads = plan.pem_uploads(eol, true, ["cacert.pem", "client.pem", "user_key.pem"])?;
        let sums: Vec<String> = uploads
            .iter()
            .map(|u| integrity::qfupl_checksum_hex(&u.bytes))
            .collect();
        let mut files: Vec<_> = uploads
            .iter()
            .zip(&sums)
            .map(|(u, sum)| {
                let len = u.bytes.len();
                u.artifact()
                    .meta("qfupl_checksum", sum)
                    .meta("expected_response", format!("+QFUPL: {len},{sum}"))
                    .at_command(format!("AT+QFUPL=\"{}\",{len},60", u.file))
            })
            .collect();
        files.push(message_artifact(&plan));
        let text = || {
            readme(&plan, "Quectel: upload with AT+QFUPL after CONNECT, exactly the number of bytes announced (no NUL). Each upload is answered with +QFUPL: <size>,<checksum>; the expected values are in manifest.json (meta qfupl_checksum).")
        };
        let script = || {
            let mut s = Script::new(plan.title("Quectel"));
            s.preamble.push(format!("SSL context {ctx}, PDP context {pdp}, MQTT client {cl}; QSSLCFG settings are not kept over a reboot: re-run the QSSLCFG lines after every power-up"));
            s.push(Step::new(
                "ATE0",
                "echo off, so responses are easy to match",
            ));
            if let Some(apn) = &plan.apn {
                s.push(Step::new(
                    format!("AT+QICSGP={pdp},1,\"{apn}\",\"\",\"\",0"),
                    "define the data context with the APN",
                ));
            }
            s.push(
                Step::new(
                    format!("AT+QIACT={pdp}"),
                    "activate the data context (ERROR when it is already active)",
                )
                .may_fail()
                .timeout_ms(150_000),
            );
            for (u, sum) in uploads.iter().zip(&sums) {
                let len = u.bytes.len();
                s.push(Step::new(format!("AT+QFDEL=\"{}\"", u.file), "delete the old file first: QFUPL does not overwrite (+CME ERROR: 405 = no such file, fine)").may_fail());
                s.push(
                    Step::new(format!("AT+QFUPL=\"{}\",{len},60", u.file), format!("upload the {} ({len} bytes, {}); the module echoes the size and its XOR-16 checksum", u.description(), if eol == crate::encode::Eol::Lf { "PEM, LF" } else { "PEM, CRLF" }))
                        .payload(&u.file, &u.bytes, "CONNECT", u.secret())
                        .expect(format!("\\+QFUPL: {len},{sum}\\s+OK"))
                        .timeout_ms(65_000),
                );
            }
            let listing: Vec<String> = uploads
                .iter()
                .map(|u| {
                    format!(
                        "\\+QFLST: \"(?:UFS:)?{}\",{}",
                        re_escape(&u.file),
                        u.bytes.len()
                    )
                })
                .collect();
            s.push(Step::new("AT+QFLST=\"*\"", "confirm the stored files and sizes (the +QFUPL line can be missed by a short timeout)").expect(listing.join("[\\s\\S]*")));
            match &plan.clock {
                Clock::Network(server) => s.push(Step::new(format!("AT+QNTP={pdp},\"{server}\",123,1"), "set the clock from NTP (the module starts at 1980-01-06); +QNTP: 0 means success").expect("\\+QNTP: 0,").timeout_ms(125_000)),
                Clock::Set(t) => s.push(Step::new(cclk_set(*t), format!("set the clock to {t} (UTC)"))),
            }
            s.push(cclk_check(plan.min_year));
            let seclevel = if plan.is_x509() { 2 } else { 1 };
            let cfg = |k: &str, v: String, why: &str| {
                Step::new(format!("AT+QSSLCFG=\"{k}\",{ctx},{v}"), why.to_string())
            };
            s.push(cfg("sslversion", "3".into(), "TLS 1.2"));
            s.push(cfg(
                "ciphersuite",
                "0XFFFF".into(),
                "all cipher suites the module supports",
            ));
            s.push(cfg(
                "seclevel",
                seclevel.to_string(),
                if seclevel == 2 {
                    "verify the server and present the client certificate"
                } else {
                    "verify the server (SAS: no client certificate)"
                },
            ));
            for u in &uploads {
                let key = match u.kind {
                    super::Kind::Ca => "cacert",
                    super::Kind::Cert => "clientcert",
                    super::Kind::Key => "clientkey",
                };
                s.push(cfg(
                    key,
                    format!("\"{}\"", u.file),
                    &format!("bind {} to the context", u.file),
                ));
            }
            s.push(cfg(
                "ignorelocaltime",
                "0".into(),
                "check certificate dates against the clock set above (default 1 hides a wrong clock)",
            ));
            s.push(cfg(
                "sni",
                "1".into(),
                "send SNI (off by default; AWS and Azure need it)",
            ));
            s.push(Step::new(
                format!("AT+QMTCFG=\"version\",{cl},4"),
                "MQTT 3.1.1",
            ));
            s.push(Step::new(
                format!("AT+QMTCFG=\"ssl\",{cl},1,{ctx}"),
                "MQTT over TLS with SSL context above",
            ));
            s.push(
                Step::new(
                    format!("AT+QMTCLOSE={cl}"),
                    "close a connection left open from an earlier run (+QMTOPEN: x,2 otherwise)",
                )
                .may_fail()
                .timeout_ms(30_000),
            );
            s.push(Step::new(format!("AT+QMTOPEN={cl},\"{}\",{}", plan.host, plan.port), "open the TLS connection. +QMTOPEN: 0,-1 is any TLS failure: check clock, root CA, SNI and key").expect(format!("\\+QMTOPEN: {cl},0")).timeout_ms(120_000));
            let conn = match (&plan.username, plan.password()) {
                (Some(user), Some(pass)) => format!(
                    "AT+QMTCONN={cl},\"{}\",\"{user}\",\"{pass}\"",
                    plan.client_id
                ),
                (Some(user), None) => {
                    format!("AT+QMTCONN={cl},\"{}\",\"{user}\",\"\"", plan.client_id)
                }
                _ => format!("AT+QMTCONN={cl},\"{}\"", plan.client_id),
            };
            s.push(Step::new(conn, "MQTT CONNECT; +QMTCONN: <client>,0,0 = accepted (a CONNACK code in the last field otherwise: check the policy / device id)").expect(format!("\\+QMTCONN: {cl},0,0")).timeout_ms(60_000));
            s.push(
                Step::new(
                    format!(
                        "AT+QMTPUBEX={cl},1,1,0,\"{}\",{}",
                        plan.topic,
                        plan.message.len()
                    ),
                    "publish the test message (QoS 1)",
                )
                .payload("message.txt", plan.message.as_bytes(), ">", false)
                .expect(format!("\\+QMTPUBEX: {cl},1,0"))
                .timeout_ms(30_000),
            );
            s.push(
                Step::new(format!("AT+QMTDISC={cl}"), "disconnect")
                    .expect(format!("\\+QMTDISC: {cl},0"))
                    .timeout_ms(30_000),
            );
            s
        };
        Ok(finish(name, &plan, files, text, wanted, script))
    }
}
