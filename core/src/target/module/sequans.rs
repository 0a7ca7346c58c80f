//! Sequans Monarch (GM01Q/GM02S; Walter, AVR-IoT Cellular): `AT+SQNSNVW` sized writes into NVRAM slots,
//! `AT+SQNSPCFG` security profile, `AT+SQNSMQTT*` MQTT.

use super::{
    capabilities, eol_param, finish, message_artifact, nitz_or_set_clock, ranged, readme,
    with_common, Kind, Plan, Support, EOL,
};
use crate::artifact::Artifacts;
use crate::at::{Script, Step};
use crate::bundle::Bundle;
use crate::error::Result;
use crate::target::{Capabilities, Family, ParamSpec, Params, Target};

/// Sequans target.
pub(super) struct Sequans;

const OWN: [ParamSpec; 5] = [
    ParamSpec {
        name: "ca-slot",
        help: "NVRAM slot 0-19 of the root CA",
        default: Some("15"),
    },
    ParamSpec {
        name: "cert-slot",
        help: "NVRAM slot of the client certificate",
        default: Some("0"),
    },
    ParamSpec {
        name: "key-slot",
        help: "NVRAM slot of the private key",
        default: Some("0"),
    },
    ParamSpec {
        name: "profile",
        help: "security profile id 1-6 (AT+SQNSPCFG)",
        default: Some("1"),
    },
    EOL,
];
const PARAMS: [ParamSpec; 18] = with_common(OWN);

impl Target for Sequans {
    fn name(&self) -> &'static str {
        "sequans"
    }
    fn family(&self) -> Family {
        Family::Module
    }
    fn summary(&self) -> &'static str {
        "Sequans Monarch AT script: AT+SQNSNVW sized writes, SQNSPCFG profile, SQNSMQTT MQTT"
    }
    fn params(&self) -> &'static [ParamSpec] {
        &PARAMS
    }
    fn capabilities(&self) -> Capabilities {
        capabilities(
            None,
            "AT+CTZU=1 (network time) or AT+CCLK=\"yy/MM/dd,hh:mm:ss+00\"",
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
        let slot = |k: Kind| -> Result<u32> {
            match k {
                Kind::Ca => ranged(params, name, "ca-slot", 15, 0, 19),
                Kind::Cert => ranged(params, name, "cert-slot", 0, 0, 19),
                Kind::Key => ranged(params, name, "key-slot", 0, 0, 19),
            }
        };
        let sp = ranged(params, name, "profile", 1, 1, 6)?;
        let eol = eol_param(params, name, "lf")?;
        let uploads = plan.pem_uploads(eol, true, ["ca.pem", "client.pem", "client.key.pem"])?;
        // Per upload: its namespace, its slot and the command that writes it.
        let mut writes = Vec::new();
        for u in &uploads {
            let ns = if u.kind == Kind::Key {
                "privatekey"
            } else {
                "certificate"
            };
            let n = slot(u.kind)?;
            writes.push((ns, n, format!("AT+SQNSNVW=\"{ns}\",{n},{}", u.bytes.len())));
        }
        let (cert_id, key_id) = if plan.is_x509() {
            (slot(Kind::Cert)?.to_string(), slot(Kind::Key)?.to_string())
        } else {
            (String::new(), String::new())
        };
        let ca_slot = slot(Kind::Ca)?;
        let mut files: Vec<_> = uploads
            .iter()
            .zip(&writes)
            .map(|(u, (_, n, cmd))| u.artifact().at_command(cmd).meta("slot", n.to_string()))
            .collect();
        files.push(message_artifact(&plan));
        let text = || {
            readme(&plan, "Sequans: AT+SQNSNVW=\"certificate\"|\"privatekey\",<slot>,<size> then exactly <size> bytes after >. Sequans echoes no checksum.")
        };
        let script = || {
            let mut s = Script::new(plan.title("Sequans Monarch"));
            s.preamble.push(format!("security profile {sp}; ordinary PEM is sent (some AVR-IoT code uses an unwrapped form: if the connection fails, check your firmware's notes)"));
            s.push(Step::new("ATE0", "echo off"));
            if let Some(apn) = &plan.apn {
                s.push(Step::new(
                    format!("AT+CGDCONT=1,\"IP\",\"{apn}\""),
                    "set the APN",
                ));
            }
            for (u, (ns, n, cmd)) in uploads.iter().zip(&writes) {
                let len = u.bytes.len();
                s.push(
                    Step::new(
                        format!("AT+SQNSNVW=\"{ns}\",{n},0"),
                        "delete the slot first (size 0)",
                    )
                    .may_fail(),
                );
                s.push(
                    Step::new(
                        cmd,
                        format!(
                            "write the {} ({len} bytes, PEM) to {ns} slot {n}",
                            u.description()
                        ),
                    )
                    .payload(&u.file, &u.bytes, ">", u.secret())
                    .timeout_ms(15_000),
                );
            }
            s.push(Step::new("AT+CFUN=1", "radio on"));
            nitz_or_set_clock(&mut s, &plan);
            s.push(Step::new(format!("AT+SQNSPCFG={sp},2,\"\",1,{},{cert_id},{key_id},\"\",\"\"", ca_slot), "TLS 1.2, default cipher suites, verify the server with the CA slot, client certificate and key slots"));
            let (user, pass) = plan.login();
            s.push(Step::new(
                format!(
                    "AT+SQNSMQTTCFG=0,\"{}\",\"{user}\",\"{pass}\",{sp}",
                    plan.client_id
                ),
                "MQTT client id, user name/password (Azure SAS) and the security profile",
            ));
            s.push(
                Step::new(
                    format!("AT+SQNSMQTTCONNECT=0,\"{}\",{},60", plan.host, plan.port),
                    "connect; +SQNSMQTTONCONNECT:0,0 = connected",
                )
                .expect("\\+SQNSMQTTONCONNECT: ?0,0")
                .timeout_ms(60_000),
            );
            s.push(
                Step::new(
                    format!(
                        "AT+SQNSMQTTPUBLISH=0,\"{}\",1,{}",
                        plan.topic,
                        plan.message.len()
                    ),
                    "publish the test message (QoS 1)",
                )
                .payload("message.txt", plan.message.as_bytes(), ">", false)
                .expect("\\+SQNSMQTTONPUBLISH: ?0,")
                .timeout_ms(30_000),
            );
            s.push(Step::new("AT+SQNSMQTTDISCONNECT=0", "disconnect").timeout_ms(30_000));
            s
        };
        Ok(finish(name, &plan, files, text, wanted, script))
    }
}
