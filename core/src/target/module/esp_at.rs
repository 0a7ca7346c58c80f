//! Espressif ESP-AT (v3.1+): credentials written at run time with `AT+SYSMFG` into the MQTT (or TLS-socket) NVS
//! slots, SNTP clock, then MQTT connect + publish, or an HTTPS device-shadow request over a TLS socket with the
//! exact `AT+CIPSEND` byte count.

use super::{
    capabilities, check_quotable, finish, message_artifact, payload_artifact, readme, with_common,
    yyyy_at_least, Clock, Kind, Plan, Support,
};
use crate::artifact::Artifacts;
use crate::at::{Script, Step};
use crate::bundle::Bundle;
use crate::cloud::{aws, Cloud};
use crate::encode::Eol;
use crate::error::{Error, ErrorKind, Result};
use crate::target::espressif::sysmfg::{self, Slot};
use crate::target::{Capabilities, Family, ParamSpec, Params, Target};

/// ESP-AT target.
pub(super) struct EspAt;

const OWN: [ParamSpec; 5] = [
    ParamSpec {
        name: "wifi-ssid",
        help: "Wi-Fi network to join (otherwise the module must already be connected)",
        default: None,
    },
    ParamSpec {
        name: "wifi-password",
        help: "Wi-Fi password (SECRET: written into the script)",
        default: None,
    },
    ParamSpec {
        name: "protocol",
        help: "mqtt: MQTT connect + publish; https: AWS device shadow over HTTPS (port 8443)",
        default: Some("mqtt"),
    },
    ParamSpec {
        name: "thing-name",
        help: "AWS thing name for protocol=https",
        default: None,
    },
    ParamSpec {
        name: "shadow-update",
        help: "protocol=https: POST this JSON ({\"state\":{...}}) instead of GET",
        default: None,
    },
];
const PARAMS: [ParamSpec; 18] = with_common(OWN);

impl Target for EspAt {
    fn name(&self) -> &'static str {
        "esp-at"
    }
    fn family(&self) -> Family {
        Family::Module
    }
    fn summary(&self) -> &'static str {
        "ESP-AT v3.1+ AT script: AT+SYSMFG writes of the MQTT/TLS slots, SNTP, MQTT publish or HTTPS shadow (exact CIPSEND)"
    }
    fn params(&self) -> &'static [ParamSpec] {
        &PARAMS
    }
    fn capabilities(&self) -> Capabilities {
        capabilities(Some(0), "AT+CIPSNTPCFG=1,0,\"pool.ntp.org\" and wait for +TIME_UPDATED (ESP32-C2 loses it on reset)", false)
    }
    pack_every_file!();

    fn pack_wanted(
        &self,
        bundle: &Bundle,
        params: &Params,
        wanted: &dyn Fn(&str) -> bool,
    ) -> Result<Artifacts> {
        let name = self.name();
        let https = match params.str_or("protocol", "mqtt") {
            "mqtt" => false,
            "https" => true,
            other => {
                return Err(Error::new(
                    ErrorKind::Target,
                    format!("target esp-at: protocol \"{other}\" is not known"),
                    "use mqtt or https",
                ))
            }
        };
        let mut port_params = params.clone();
        if https {
            // The MQTT port rules do not apply; the HTTPS port is checked in https_steps.
            port_params.set("port", "8883");
        }
        let mut plan = Plan::new(
            bundle,
            &port_params,
            name,
            Support {
                alpn: true,
                password: true,
                rsa_only: false,
            },
        )?;
        let uploads =
            plan.pem_uploads(Eol::Lf, true, ["ca.pem", "client.pem", "client.key.pem"])?;
        let slot = |k: Kind| -> Slot {
            match (k, https) {
                (Kind::Ca, false) => sysmfg::MQTT_CA,
                (Kind::Cert, false) => sysmfg::MQTT_CERT,
                (Kind::Key, false) => sysmfg::MQTT_KEY,
                (Kind::Ca, true) => sysmfg::CLIENT_CA,
                (Kind::Cert, true) => sysmfg::CLIENT_CERT,
                (Kind::Key, true) => sysmfg::CLIENT_KEY,
            }
        };
        let mut files: Vec<_> = uploads
            .iter()
            .map(|u| {
                let sl = slot(u.kind);
                u.artifact()
                    .at_command(sysmfg::write_command(sl, u.bytes.len()))
                    .meta("nvs_namespace", sl.namespace)
                    .meta("nvs_key", sl.key)
            })
            .collect();
        let wifi = match params.get("wifi-ssid") {
            Some(ssid) => {
                let pass = params.str_or("wifi-password", "");
                check_quotable(name, "Wi-Fi SSID", ssid)?;
                check_quotable(name, "Wi-Fi password", pass)?;
                Some((ssid, pass))
            }
            None => None,
        };
        let request = if https {
            let request = HttpsRequest::new(&plan, params)?;
            files.push(request.artifact());
            Some(request)
        } else {
            files.extend(mqtt_files(&plan));
            None
        };
        plan.notes.push(format!(
            "credentials go to the NVS slots {} ({}); no reflashing needed",
            uploads
                .iter()
                .map(|u| format!("{}/{}", slot(u.kind).namespace, slot(u.kind).key))
                .collect::<Vec<_>>()
                .join(", "),
            if https {
                "TLS client sockets, set 0"
            } else {
                "MQTT client"
            }
        ));
        let text = || {
            readme(&plan, "ESP-AT: AT+SYSMFG=2,<namespace>,<key>,8,<length> then exactly <length> bytes after >. ESP-AT echoes no checksum.")
        };
        let script = || {
            let mut s = Script::new(plan.title("ESP-AT"));
            s.preamble.push("needs ESP-AT v3.1 or later (AT+SYSMFG); credentials are raw PEM (LF, final newline, no NUL) in the mfg_nvs partition".into());
            s.push(Step::new("ATE0", "echo off"));
            for u in &uploads {
                s.push(sysmfg::write_step(
                    slot(u.kind),
                    &u.file,
                    &u.bytes,
                    u.secret(),
                ));
            }
            s.push(Step::new("AT+CWMODE=1", "Wi-Fi station mode"));
            match wifi {
                Some((ssid, pass)) => {
                    s.push(Step::new(format!("AT+CWJAP=\"{ssid}\",\"{pass}\""), "join the Wi-Fi network").expect("WIFI GOT IP[\\s\\S]*OK").timeout_ms(20_000));
                    if !pass.is_empty() {
                        s.preamble.insert(0, "SECRET: this file contains the Wi-Fi password.".into());
                    }
                }
                None => s.push(Step::new("AT+CWJAP?", "the module must already be on Wi-Fi (join with AT+CWJAP=\"<ssid>\",\"<password>\")").expect("\\+CWJAP:\"")),
            }
            match &plan.clock {
                Clock::Network(server) => s.push(
                    Step::new(
                        format!("AT+CIPSNTPCFG=1,0,\"{server}\""),
                        "enable SNTP (UTC); TLS checks dates, and the clock starts at 1970",
                    )
                    .expect("\\+TIME_UPDATED")
                    .timeout_ms(30_000),
                ),
                Clock::Set(t) => s.push(Step::new(
                    format!("AT+SYSTIMESTAMP={}", t.0),
                    format!("set the clock to {t} (UTC)"),
                )),
            }
            s.push(
                Step::new(
                    "AT+CIPSNTPTIME?",
                    format!("the clock must show {} or later before TLS", plan.min_year),
                )
                .expect(format!(
                    "\\+CIPSNTPTIME:\\w{{3}} \\w{{3}} +\\d+ \\d\\d:\\d\\d:\\d\\d {}",
                    yyyy_at_least(plan.min_year)
                )),
            );
            match &request {
                Some(request) => request.steps(&mut s, &plan),
                None => mqtt_steps(&mut s, &plan),
            }
            s
        };
        Ok(finish(name, &plan, files, text, wanted, script))
    }
}

/// The MQTT payload files: the Azure user name and SAS token (sent with MQTTLONG*), the test message.
fn mqtt_files(plan: &Plan) -> Vec<crate::artifact::Artifact> {
    let mut files = Vec::new();
    if let Some(user) = &plan.username {
        files.push(payload_artifact(
            "username.txt",
            user.as_bytes(),
            "MQTT user name, sent after AT+MQTTLONGUSERNAME",
            false,
        ));
        if let Some(pass) = plan.password() {
            files.push(payload_artifact(
                "password.txt",
                pass.as_bytes(),
                "MQTT password (SAS token), sent after AT+MQTTLONGPASSWORD",
                true,
            ));
        }
    }
    files.push(message_artifact(plan));
    files
}

fn mqtt_steps(s: &mut Script, plan: &Plan) {
    let scheme = if plan.is_x509() { 5 } else { 3 };
    s.push(Step::new(
        format!(
            "AT+MQTTUSERCFG=0,{scheme},\"{}\",\"\",\"\",0,0,\"\"",
            plan.client_id
        ),
        if scheme == 5 {
            "MQTT over TLS: verify the server and present the client certificate (scheme 5)"
        } else {
            "MQTT over TLS: verify the server (scheme 3)"
        },
    ));
    if let Some(user) = &plan.username {
        s.push(
            Step::new(
                format!("AT+MQTTLONGUSERNAME=0,{}", user.len()),
                "the Azure user name (too long for MQTTUSERCFG)",
            )
            .payload("username.txt", user.as_bytes(), ">", false),
        );
        if let Some(pass) = plan.password() {
            s.push(
                Step::new(
                    format!("AT+MQTTLONGPASSWORD=0,{}", pass.len()),
                    "the SAS token as password",
                )
                .payload("password.txt", pass.as_bytes(), ">", true),
            );
        }
    }
    s.push(Step::new(format!("AT+MQTTSNI=0,\"{}\"", plan.host), "SNI"));
    if let Some(alpn) = plan.alpn {
        s.push(Step::new(
            format!("AT+MQTTALPN=0,1,\"{alpn}\""),
            "ALPN: AWS IoT takes MQTT on port 443 only with it",
        ));
    }
    s.push(Step::new(
        "AT+MQTTCONNCFG=0,60,0,\"\",\"\",0,0",
        "keep-alive 60 s, clean session",
    ));
    s.push(
        Step::new(
            format!("AT+MQTTCONN=0,\"{}\",{},1", plan.host, plan.port),
            "connect; +MQTTCONNECTED:0 = connected",
        )
        .expect("\\+MQTTCONNECTED:0")
        .timeout_ms(30_000),
    );
    s.push(
        Step::new(
            format!(
                "AT+MQTTPUBRAW=0,\"{}\",{},1,0",
                plan.topic,
                plan.message.len()
            ),
            "publish the test message (QoS 1)",
        )
        .payload("message.txt", plan.message.as_bytes(), ">", false)
        .expect("\\+MQTTPUB:OK")
        .timeout_ms(30_000),
    );
    s.push(Step::new("AT+MQTTCLEAN=0", "disconnect"));
}

/// The AWS IoT device shadow request of `protocol=https`, checked before anything is built.
struct HttpsRequest {
    port: u16,
    alpn: Option<&'static str>,
    request: aws::HttpRequest,
}

impl HttpsRequest {
    fn new(plan: &Plan, params: &Params) -> Result<HttpsRequest> {
        if !matches!(plan.cloud, Cloud::Aws(_)) || !plan.is_x509() {
            return Err(Error::new(
                ErrorKind::Target,
                "target esp-at: protocol=https is the AWS IoT device shadow with a client certificate",
                "use an AWS -ats endpoint, or protocol=mqtt",
            ));
        }
        let port = u16::try_from(params.u32_or("esp-at", "port", 8443)?).unwrap_or(0);
        let alpn = aws::alpn_for_port(aws::Protocol::Https, port)?;
        let thing = params.require("esp-at", "thing-name", "my-thing")?;
        let action = match params.get("shadow-update") {
            Some(body) => aws::ShadowAction::Update(body.to_string()),
            None => aws::ShadowAction::Get,
        };
        let request = aws::shadow_request(&plan.host, port, thing, None, &action)?;
        Ok(HttpsRequest {
            port,
            alpn,
            request,
        })
    }

    /// The request as a payload file.
    fn artifact(&self) -> crate::artifact::Artifact {
        let request = &self.request;
        payload_artifact(
            "shadow-request.http",
            request.text.as_bytes(),
            "the HTTP shadow request (CRLF headers), sent after AT+CIPSEND",
            false,
        )
        .meta("content_length", request.content_length.to_string())
        .meta("cipsend_length", request.len().to_string())
    }

    fn steps(&self, s: &mut Script, plan: &Plan) {
        let (port, request) = (self.port, &self.request);
        s.push(Step::new("AT+CIPSSLCCONF=3,0,0", "TLS sockets: verify the server and present the client certificate (auth mode 3, PKI set 0, CA set 0)"));
        s.push(Step::new(format!("AT+CIPSSLCSNI=\"{}\"", plan.host), "SNI"));
        if let Some(a) = self.alpn {
            s.push(Step::new(
                format!("AT+CIPSSLCALPN=1,\"{a}\""),
                "ALPN: AWS IoT takes HTTPS on port 443 only with it",
            ));
        }
        s.push(
            Step::new(
                format!("AT+CIPSTART=\"SSL\",\"{}\",{port}", plan.host),
                "open the TLS connection",
            )
            .expect("CONNECT[\\s\\S]*OK")
            .timeout_ms(30_000),
        );
        s.push(
            Step::new(
                format!("AT+CIPSEND={}", request.len()),
                format!(
                    "send the HTTP request: {} bytes in all (headers + {} bytes of body), exactly",
                    request.len(),
                    request.content_length
                ),
            )
            .payload("shadow-request.http", request.text.as_bytes(), ">", false)
            .expect("SEND OK[\\s\\S]*HTTP/1\\.1 200")
            .timeout_ms(20_000),
        );
        s.push(
            Step::new(
                "AT+CIPCLOSE",
                "close the connection (ERROR when the server closed it already)",
            )
            .may_fail(),
        );
    }
}
