//! SIMCom: SIM7000/SIM7070/SIM7080 (`AT+CFSWFILE` + `CONVERT`, `AT+SM*` MQTT) and SIM7500/SIM7600/A76xx
//! (`AT+CCERTDOWN`, `AT+CMQTT*`). SIMCom echoes no checksum; the script verifies sizes instead.

use super::{
    capabilities, cclk_check, cclk_set, check_size, eol_param, finish, message_artifact,
    payload_artifact, ranged, re_escape, readme, with_common, Clock, Kind, Plan, Support, EOL,
    GPS_EPOCH,
};
use crate::artifact::Artifacts;
use crate::at::{Script, Step};
use crate::bundle::Bundle;
use crate::error::Result;
use crate::target::{Capabilities, Family, ParamSpec, Params, Target};

/// CFSWFILE takes 1 to 10240 bytes per file.
const CFSWFILE_MAX: usize = 10_240;
const CLOCK_HINT: &str =
    "AT+CNTP=\"pool.ntp.org\",0 then AT+CNTP (network time), or AT+CCLK=\"yy/MM/dd,hh:mm:ss+00\"";

/// SIM7000/SIM7070/SIM7080 target.
pub(super) struct Sim7080;
/// SIM7500/SIM7600/A76xx target.
pub(super) struct Sim7600;

const OWN_7080: [ParamSpec; 3] = [
    ParamSpec {
        name: "ssl-context",
        help: "SSL context 0-5 (AT+CSSLCFG; AT+SMSSL uses context + 1)",
        default: Some("0"),
    },
    ParamSpec {
        name: "pdp-context",
        help: "PDP context of AT+CNACT (NTP needs 0 on SIM7080)",
        default: Some("0"),
    },
    EOL,
];
const PARAMS_7080: [ParamSpec; 16] = with_common(OWN_7080);
const OWN_7600: [ParamSpec; 3] = [
    ParamSpec {
        name: "ssl-context",
        help: "SSL context 0-9 (AT+CSSLCFG)",
        default: Some("0"),
    },
    ParamSpec {
        name: "mqtt-client",
        help: "MQTT client index 0-1 (AT+CMQTTACCQ)",
        default: Some("0"),
    },
    EOL,
];
const PARAMS_7600: [ParamSpec; 16] = with_common(OWN_7600);

fn sim_clock(s: &mut Script, plan: &Plan, cid: Option<u32>, success: u32) {
    match &plan.clock {
        Clock::Network(server) => {
            if let Some(cid) = cid {
                s.push(Step::new(
                    format!("AT+CNTPCID={cid}"),
                    "NTP over this data context",
                ));
            }
            s.push(Step::new(
                format!("AT+CNTP=\"{server}\",0"),
                "NTP server, UTC",
            ));
            s.push(Step::new("AT+CNTP", format!("synchronise the clock (the module starts at 1980-01-06); +CNTP: {success} = success")).expect(format!("\\+CNTP: {success}\\b")).timeout_ms(65_000));
        }
        Clock::Set(t) => s.push(Step::new(
            cclk_set(*t),
            format!("set the clock to {t} (UTC)"),
        )),
    }
    s.push(cclk_check(plan.min_year));
}

impl Target for Sim7080 {
    fn name(&self) -> &'static str {
        "simcom-sim7080"
    }
    fn family(&self) -> Family {
        Family::Module
    }
    fn summary(&self) -> &'static str {
        "SIMCom SIM7000/SIM7070/SIM7080 AT script: AT+CFSWFILE uploads, CSSLCFG CONVERT, CNTP, SM* MQTT"
    }
    fn params(&self) -> &'static [ParamSpec] {
        &PARAMS_7080
    }
    fn capabilities(&self) -> Capabilities {
        capabilities(Some(GPS_EPOCH), CLOCK_HINT, false)
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
        let cid = params.u32_or(name, "pdp-context", 0)?;
        let eol = eol_param(params, name, "lf")?;
        let uploads = plan.pem_uploads(eol, true, ["cacert.pem", "client.pem", "clientkey.pem"])?;
        for u in &uploads {
            check_size(name, &u.file, u.bytes.len(), CFSWFILE_MAX)?;
        }
        let mut files: Vec<_> = uploads
            .iter()
            .map(|u| {
                let len = u.bytes.len();
                u.artifact()
                    .at_command(format!("AT+CFSWFILE=3,\"{}\",0,{len},10000", u.file))
                    .meta("expected_response", format!("+CFSGFIS: {len}"))
            })
            .collect();
        files.push(message_artifact(&plan));
        let text = || {
            readme(&plan, "SIMCom SIM7080: AT+CFSWFILE writes each file into /customer/ (exact size, at most 10240 bytes); AT+CSSLCFG=\"CONVERT\" loads them; AT+CFSGFIS confirms the size (SIMCom echoes no checksum).")
        };
        let script = || {
            let mut s = Script::new(plan.title("SIMCom SIM7080"));
            s.preamble.push(format!("files go to /customer/ (directory index 3); SSL context {ctx}; AT+SMCONN answers only OK or ERROR"));
            s.push(Step::new("ATE0", "echo off"));
            if let Some(apn) = &plan.apn {
                s.push(Step::new(
                    format!("AT+CNCFG={cid},1,\"{apn}\""),
                    "set the APN of the data context",
                ));
            }
            s.push(
                Step::new(
                    format!("AT+CNACT={cid},1"),
                    "activate the data context (ERROR when already active)",
                )
                .may_fail()
                .timeout_ms(30_000),
            );
            s.push(
                Step::new(
                    "AT+CFSINIT",
                    "open the file system buffer (ERROR when already open)",
                )
                .may_fail(),
            );
            for u in &uploads {
                let len = u.bytes.len();
                s.push(
                    Step::new(
                        format!("AT+CFSDFILE=3,\"{}\"", u.file),
                        "delete an old copy (ERROR when there is none)",
                    )
                    .may_fail(),
                );
                let cmd = format!("AT+CFSWFILE=3,\"{}\",0,{len},10000", u.file);
                s.push(Step::new(&cmd, format!("write the {} ({len} bytes) to /customer/; send the bytes within 10 s of DOWNLOAD", u.description())).payload(&u.file, &u.bytes, "DOWNLOAD", u.secret()).timeout_ms(15_000));
                s.push(
                    Step::new(
                        format!("AT+CFSGFIS=3,\"{}\"", u.file),
                        "the stored size must equal the bytes sent",
                    )
                    .expect(format!("\\+CFSGFIS: {len}\\b")),
                );
            }
            s.push(Step::new("AT+CFSTERM", "close the file system buffer"));
            sim_clock(&mut s, &plan, Some(cid), 1);
            let c = |k: &str, v: String, why: &str| {
                Step::new(format!("AT+CSSLCFG=\"{k}\",{ctx},{v}"), why.to_string())
            };
            s.push(c("SSLVERSION", "3".into(), "TLS 1.2"));
            s.push(c(
                "IGNORERTCTIME",
                "0".into(),
                "check certificate dates against the clock set above",
            ));
            s.push(c(
                "SNI",
                format!("\"{}\"", plan.host),
                "send SNI with the endpoint name (AWS and Azure need it)",
            ));
            let file = |k: Kind| {
                uploads
                    .iter()
                    .find(|u| u.kind == k)
                    .map(|u| u.file.as_str())
            };
            if let Some(ca) = file(Kind::Ca) {
                s.push(
                    Step::new(
                        format!("AT+CSSLCFG=\"CONVERT\",2,\"{ca}\""),
                        "load the root CA into the SSL store (2 = CA list)",
                    )
                    .timeout_ms(10_000),
                );
            }
            if let (Some(cert), Some(key)) = (file(Kind::Cert), file(Kind::Key)) {
                s.push(Step::new(format!("AT+CSSLCFG=\"CONVERT\",1,\"{cert}\",\"{key}\""), "load the client certificate and key (1 = certificate + key); ERROR here usually means the key does not match").timeout_ms(10_000));
            }
            s.push(Step::new(
                format!("AT+SMCONF=\"URL\",\"{}\",{}", plan.host, plan.port),
                "broker",
            ));
            s.push(Step::new(
                format!("AT+SMCONF=\"CLIENTID\",\"{}\"", plan.client_id),
                "MQTT client id",
            ));
            s.push(Step::new("AT+SMCONF=\"KEEPTIME\",60", "keep-alive 60 s"));
            s.push(Step::new("AT+SMCONF=\"CLEANSS\",1", "clean session"));
            if let Some(user) = &plan.username {
                s.push(Step::new(
                    format!("AT+SMCONF=\"USERNAME\",\"{user}\""),
                    "Azure user name",
                ));
                s.push(Step::new(
                    format!(
                        "AT+SMCONF=\"PASSWORD\",\"{}\"",
                        plan.password().unwrap_or("")
                    ),
                    "SAS token (empty for X.509)",
                ));
            }
            s.push(Step::new(format!("AT+SMSSL={},\"{}\",\"{}\"", ctx + 1, file(Kind::Ca).unwrap_or(""), file(Kind::Cert).unwrap_or("")), "MQTT over TLS with SSL context above (index = context + 1), CA and the CONVERTed client certificate"));
            s.push(
                Step::new(
                    "AT+SMDISC",
                    "drop a connection left from an earlier run (ERROR when none)",
                )
                .may_fail()
                .timeout_ms(10_000),
            );
            s.push(Step::new("AT+SMCONN", "connect. A bare ERROR is any TLS or MQTT failure: check AT+CCLK?, the root CA, SNI, CONVERT and the policy").timeout_ms(60_000));
            s.push(
                Step::new(
                    format!("AT+SMPUB=\"{}\",{},1,0", plan.topic, plan.message.len()),
                    "publish the test message (QoS 1)",
                )
                .payload("message.txt", plan.message.as_bytes(), ">", false)
                .timeout_ms(30_000),
            );
            s.push(Step::new("AT+SMDISC", "disconnect").timeout_ms(10_000));
            s
        };
        Ok(finish(name, &plan, files, text, wanted, script))
    }
}

impl Target for Sim7600 {
    fn name(&self) -> &'static str {
        "simcom-sim7600"
    }
    fn family(&self) -> Family {
        Family::Module
    }
    fn summary(&self) -> &'static str {
        "SIMCom SIM7500/SIM7600/A76xx AT script: AT+CCERTDOWN uploads, CSSLCFG (SNI on), CNTP, CMQTT MQTT"
    }
    fn params(&self) -> &'static [ParamSpec] {
        &PARAMS_7600
    }
    fn capabilities(&self) -> Capabilities {
        capabilities(Some(GPS_EPOCH), CLOCK_HINT, false)
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
        let ctx = ranged(params, name, "ssl-context", 0, 0, 9)?;
        let cl = ranged(params, name, "mqtt-client", 0, 0, 1)?;
        let eol = eol_param(params, name, "lf")?;
        let uploads =
            plan.pem_uploads(eol, true, ["cacert.pem", "clientcert.pem", "clientkey.pem"])?;
        let mut files: Vec<_> = uploads
            .iter()
            .map(|u| {
                u.artifact()
                    .at_command(format!("AT+CCERTDOWN=\"{}\",{}", u.file, u.bytes.len()))
            })
            .collect();
        files.push(payload_artifact(
            "topic.txt",
            plan.topic.as_bytes(),
            "the topic, sent after AT+CMQTTTOPIC",
            false,
        ));
        files.push(message_artifact(&plan));
        let text = || {
            readme(&plan, "SIMCom SIM7600/A76xx: AT+CCERTDOWN takes the exact byte count, then the raw PEM after >. SIMCom echoes no checksum; AT+CCERTLIST confirms the names.")
        };
        let script = || {
            let mut s = Script::new(plan.title("SIMCom SIM7600/A76xx"));
            s.preamble.push(format!(
                "SSL context {ctx}, MQTT client {cl}; certificate names must end in .pem or .der"
            ));
            s.push(Step::new("ATE0", "echo off"));
            if let Some(apn) = &plan.apn {
                s.push(Step::new(
                    format!("AT+CGDCONT=1,\"IP\",\"{apn}\""),
                    "set the APN",
                ));
            }
            for u in &uploads {
                let len = u.bytes.len();
                s.push(
                    Step::new(
                        format!("AT+CCERTDELE=\"{}\"", u.file),
                        "delete an old copy (ERROR when there is none)",
                    )
                    .may_fail(),
                );
                let cmd = format!("AT+CCERTDOWN=\"{}\",{len}", u.file);
                s.push(
                    Step::new(
                        &cmd,
                        format!("download the {} ({len} bytes)", u.description()),
                    )
                    .payload(&u.file, &u.bytes, ">", u.secret())
                    .timeout_ms(15_000),
                );
            }
            let names: Vec<String> = uploads.iter().map(|u| re_escape(&u.file)).collect();
            s.push(
                Step::new("AT+CCERTLIST", "the three files must be listed")
                    .expect(names.join("[\\s\\S]*")),
            );
            sim_clock(&mut s, &plan, None, 0);
            let c = |k: &str, v: String, why: &str| {
                Step::new(format!("AT+CSSLCFG=\"{k}\",{ctx},{v}"), why.to_string())
            };
            s.push(c("sslversion", "3".into(), "TLS 1.2"));
            s.push(c(
                "authmode",
                if plan.is_x509() { "2" } else { "1" }.into(),
                if plan.is_x509() {
                    "verify the server and present the client certificate"
                } else {
                    "verify the server"
                },
            ));
            for u in &uploads {
                let k = match u.kind {
                    Kind::Ca => "cacert",
                    Kind::Cert => "clientcert",
                    Kind::Key => "clientkey",
                };
                s.push(c(k, format!("\"{}\"", u.file), &format!("use {}", u.file)));
            }
            s.push(c(
                "ignorelocaltime",
                "0".into(),
                "check certificate dates against the clock set above",
            ));
            s.push(c(
                "enableSNI",
                "1".into(),
                "send SNI (default 0; AWS and Azure need it)",
            ));
            s.push(
                Step::new(
                    "AT+CMQTTSTART",
                    "start the MQTT service (ERROR when already started)",
                )
                .expect("\\+CMQTTSTART: 0")
                .may_fail()
                .timeout_ms(15_000),
            );
            s.push(Step::new(
                format!("AT+CMQTTACCQ={cl},\"{}\",1", plan.client_id),
                "acquire a client with this client id, over TLS (1)",
            ));
            s.push(Step::new(
                format!("AT+CMQTTSSLCFG={cl},{ctx}"),
                "bind the SSL context",
            ));
            let auth = match (&plan.username, plan.password()) {
                (Some(u), p) => format!(",\"{u}\",\"{}\"", p.unwrap_or("")),
                _ => String::new(),
            };
            s.push(Step::new(format!("AT+CMQTTCONNECT={cl},\"tcp://{}:{}\",60,1{auth}", plan.host, plan.port), "connect; +CMQTTCONNECT: <client>,0 = success (32 handshake fail, 33 no certificate, 34 TLS session failed)").expect(format!("\\+CMQTTCONNECT: {cl},0\\b")).timeout_ms(60_000));
            s.push(
                Step::new(
                    format!("AT+CMQTTTOPIC={cl},{}", plan.topic.len()),
                    "set the topic",
                )
                .payload("topic.txt", plan.topic.as_bytes(), ">", false),
            );
            s.push(
                Step::new(
                    format!("AT+CMQTTPAYLOAD={cl},{}", plan.message.len()),
                    "set the message",
                )
                .payload("message.txt", plan.message.as_bytes(), ">", false),
            );
            s.push(
                Step::new(format!("AT+CMQTTPUB={cl},1,60"), "publish (QoS 1)")
                    .expect(format!("\\+CMQTTPUB: {cl},0\\b"))
                    .timeout_ms(60_000),
            );
            s.push(
                Step::new(format!("AT+CMQTTDISC={cl},120"), "disconnect")
                    .expect(format!("\\+CMQTTDISC: {cl},0\\b"))
                    .timeout_ms(30_000),
            );
            s.push(Step::new(format!("AT+CMQTTREL={cl}"), "release the client"));
            s.push(
                Step::new("AT+CMQTTSTOP", "stop the MQTT service")
                    .expect("\\+CMQTTSTOP: 0")
                    .timeout_ms(15_000),
            );
            s
        };
        Ok(finish(name, &plan, files, text, wanted, script))
    }
}
