//! Per-family command handlers of the simulator (see module-at-commands.md for the behaviour modelled).

use md5::{Digest as _, Md5};
use sha2::Sha256;

use super::{
    args, asctime, cclk, first_der, pem_blocks, upper_hex, xor16, Family, Modem, Pending,
    Published, Reply, Tls,
};

fn ok() -> Reply {
    Reply::Text("OK".into())
}
fn err() -> Reply {
    Reply::Text("ERROR".into())
}
fn text(t: impl Into<String>) -> Reply {
    Reply::Text(t.into())
}
fn prompt(p: &'static str, len: usize, then: Pending) -> Reply {
    Reply::Prompt {
        prompt: p,
        len,
        then,
    }
}
fn num(s: Option<&String>) -> usize {
    s.and_then(|v| v.trim().parse().ok()).unwrap_or(usize::MAX)
}
fn file(store: &'static str, name: &str) -> Pending {
    Pending::File {
        store,
        name: name.to_string(),
        extra: String::new(),
    }
}

pub fn dispatch(m: &mut Modem, line: &str) -> Reply {
    match m.family {
        Family::Quectel => quectel(m, line),
        Family::Sim7080 => sim7080(m, line),
        Family::Sim7600 => sim7600(m, line),
        Family::Ublox => ublox(m, line),
        Family::Nrf91 => nrf91(m, line),
        Family::EspAt => esp_at(m, line),
        Family::Telit => telit(m, line),
        Family::Sequans => sequans(m, line),
        Family::Sierra => sierra(m, line),
    }
}

/// Store received bytes and answer as the family does.
pub fn data(m: &mut Modem, pending: Pending, bytes: &[u8]) -> String {
    match pending {
        Pending::Publish { topic } => {
            m.published.push(Published {
                topic,
                payload: bytes.to_vec(),
            });
            match m.family {
                Family::Quectel => "OK\r\n\r\n+QMTPUBEX: 0,1,0".into(),
                Family::EspAt => "OK\r\n\r\n+MQTTPUB:OK".into(),
                Family::Sequans => "OK\r\n+SQNSMQTTONPUBLISH:0,1".into(),
                _ => "OK".into(),
            }
        }
        Pending::Field { name } => {
            m.set(name, String::from_utf8_lossy(bytes));
            "OK".into()
        }
        Pending::Http => http(m, bytes),
        Pending::File { store, name, extra } => store_file(m, store, &name, &extra, bytes),
    }
}

fn store_file(m: &mut Modem, store: &str, name: &str, extra: &str, bytes: &[u8]) -> String {
    match m.family {
        Family::Quectel => {
            m.put(store, name, bytes.to_vec());
            format!("+QFUPL: {},{:x}\r\nOK", bytes.len(), xor16(bytes))
        }
        Family::Ublox => {
            // The module converts PEM to DER; PEM must be RFC 7468 (64 columns, LF).
            let der = if bytes.first() == Some(&0x30) {
                bytes.to_vec()
            } else {
                let text = String::from_utf8_lossy(bytes);
                let well_formed = !text.contains('\r')
                    && text
                        .lines()
                        .filter(|l| !l.starts_with("-----"))
                        .all(|l| l.len() <= 64)
                    && text.ends_with('\n');
                match pem_blocks(bytes).into_iter().next() {
                    Some((_, der)) if well_formed => der,
                    _ => return "+CME ERROR: USECMNG invalid certificate/key format".into(),
                }
            };
            let md5 = upper_hex(&Md5::digest(&der));
            m.put(store, name, der);
            format!("+USECMNG: 0,{extra},\"{name}\",\"{md5}\"\r\nOK")
        }
        Family::Telit
            if extra == "2"
                && !String::from_utf8_lossy(bytes).contains("BEGIN RSA PRIVATE KEY") =>
        {
            "ERROR".into()
        }
        _ => {
            m.put(store, name, bytes.to_vec());
            "OK".into()
        }
    }
}

// ---------------- Quectel ----------------

fn quectel(m: &mut Modem, line: &str) -> Reply {
    let (cmd, rest) = line.split_once('=').unwrap_or((line, ""));
    let a = args(rest);
    match cmd {
        "AT+QICSGP" => ok(),
        "AT+QIACT" => {
            if m.get("pdp").is_some() {
                err()
            } else {
                m.set("pdp", "1");
                ok()
            }
        }
        "AT+QFDEL" => {
            if m.remove("ufs", &a[0]) {
                ok()
            } else {
                text("+CME ERROR: 405")
            }
        }
        "AT+QFUPL" => {
            if m.file("ufs", &a[0]).is_some() {
                return text("+CME ERROR: 407");
            }
            prompt("CONNECT", num(a.get(1)), file("ufs", &a[0]))
        }
        "AT+QFLST" => {
            let lines: Vec<String> = m
                .files
                .iter()
                .filter(|((s, _), _)| s == "ufs")
                .map(|((_, n), b)| format!("+QFLST: \"UFS:{n}\",{}", b.len()))
                .collect();
            text(format!("{}\r\nOK", lines.join("\r\n")))
        }
        "AT+QNTP" => {
            if m.get("pdp").is_none() {
                return text("OK\r\n\r\n+QNTP: 561");
            }
            m.clock = m.world.network_time;
            text(format!("OK\r\n\r\n+QNTP: 0,\"{}\"", cclk(m.clock)))
        }
        "AT+QSSLCFG" => {
            m.set(
                format!("ssl.{}.{}", a[1], a[0]),
                a.get(2).cloned().unwrap_or_default(),
            );
            ok()
        }
        "AT+QMTCFG" => {
            m.set(format!("mqtt.{}.{}", a[1], a[0]), a[2..].join(","));
            ok()
        }
        "AT+QMTCLOSE" => {
            if m.connected {
                m.connected = false;
                text("OK\r\n\r\n+QMTCLOSE: 0,0")
            } else {
                err()
            }
        }
        "AT+QMTOPEN" => {
            let ctx = m
                .get(&format!("mqtt.{}.ssl", a[0]))
                .and_then(|v| v.strip_prefix("1,"))
                .map(str::to_string);
            let Some(ctx) = ctx else {
                return text(format!("OK\r\n\r\n+QMTOPEN: {},-1", a[0]));
            };
            let s = |k: &str| m.get(&format!("ssl.{ctx}.{k}")).map(str::to_string);
            let f = |m: &Modem, k: Option<String>| k.and_then(|n| m.file("ufs", &n).cloned());
            let (ca, cert, key) = (
                f(m, s("cacert")),
                f(m, s("clientcert")),
                f(m, s("clientkey")),
            );
            let good = m.tls(Tls {
                host: &a[1],
                port: num(a.get(2)) as u16,
                sni: s("sni").as_deref() == Some("1"),
                alpn: None,
                check_dates: s("ignorelocaltime").as_deref() == Some("0"),
                ca: ca.as_deref(),
                cert: if s("seclevel").as_deref() == Some("2") {
                    cert.as_deref()
                } else {
                    None
                },
                key: key.as_deref(),
            });
            m.connected = good;
            text(format!(
                "OK\r\n\r\n+QMTOPEN: {},{}",
                a[0],
                if good { "0" } else { "-1" }
            ))
        }
        "AT+QMTCONN" => {
            let ok_auth = m.connected
                && m.mqtt_auth(
                    &a[1],
                    a.get(2).map_or("", String::as_str),
                    a.get(3).map_or("", String::as_str),
                );
            text(format!(
                "OK\r\n\r\n+QMTCONN: {},0,{}",
                a[0],
                if ok_auth { 0 } else { 5 }
            ))
        }
        "AT+QMTPUBEX" => {
            if !m.connected {
                return err();
            }
            prompt(
                ">",
                num(a.get(5)),
                Pending::Publish {
                    topic: a[4].clone(),
                },
            )
        }
        "AT+QMTDISC" => {
            m.connected = false;
            text(format!("OK\r\n\r\n+QMTDISC: {},0", a[0]))
        }
        _ => err(),
    }
}

// ---------------- SIMCom SIM7080 ----------------

fn sim7080(m: &mut Modem, line: &str) -> Reply {
    let (cmd, rest) = line.split_once('=').unwrap_or((line, ""));
    let a = args(rest);
    match cmd {
        "AT+CNCFG" => ok(),
        "AT+CNACT" => {
            if m.get("pdp").is_some() {
                err()
            } else {
                m.set("pdp", "1");
                ok()
            }
        }
        "AT+CFSINIT" => {
            m.set("fs", "1");
            ok()
        }
        "AT+CFSTERM" => {
            m.settings.remove("fs");
            ok()
        }
        "AT+CFSDFILE" => {
            if m.remove("customer", &a[1]) {
                ok()
            } else {
                err()
            }
        }
        "AT+CFSWFILE" => {
            let size = num(a.get(3));
            if m.get("fs").is_none() || a[0] != "3" || size == 0 || size > 10_240 {
                return err();
            }
            prompt("DOWNLOAD", size, file("customer", &a[1]))
        }
        "AT+CFSGFIS" => match m.file("customer", &a[1]) {
            Some(b) => text(format!("+CFSGFIS: {}\r\nOK", b.len())),
            None => err(),
        },
        "AT+CNTPCID" => ok(),
        "AT+CNTP" if !rest.is_empty() => ok(),
        "AT+CNTP" => {
            if m.get("pdp").is_none() {
                return text("OK\r\n\r\n+CNTP: 61");
            }
            m.clock = m.world.network_time;
            text("OK\r\n\r\n+CNTP: 1")
        }
        "AT+CSSLCFG" if a[0] == "CONVERT" => {
            let f = |n: &String| m.file("customer", n).cloned();
            match a[1].as_str() {
                "2" => match f(&a[2]).and_then(|b| first_der(&b)) {
                    Some(der) => {
                        m.put("ssl", &a[2], der);
                        ok()
                    }
                    None => err(),
                },
                "1" => match (f(&a[2]), f(&a[3])) {
                    (Some(c), Some(k))
                        if super::key_matches(&first_der(&c).unwrap_or_default(), &k) =>
                    {
                        m.put("ssl", &a[2], c);
                        m.put("sslkey", &a[2], k);
                        ok()
                    }
                    _ => err(),
                },
                _ => err(),
            }
        }
        "AT+CSSLCFG" => {
            m.set(
                format!("ssl.{}.{}", a[1], a[0].to_ascii_uppercase()),
                a.get(2).cloned().unwrap_or_default(),
            );
            ok()
        }
        "AT+SMCONF" => {
            m.set(format!("sm.{}", a[0]), a[1..].join(","));
            ok()
        }
        "AT+SMSSL" => {
            m.set("sm.ssl", rest);
            ok()
        }
        "AT+SMDISC" => {
            if m.connected {
                m.connected = false;
                ok()
            } else {
                err()
            }
        }
        "AT+SMCONN" => {
            let ssl = args(m.get("sm.ssl").unwrap_or(""));
            let ctx = num(ssl.first()).wrapping_sub(1);
            let url = args(m.get("sm.URL").unwrap_or(""));
            let s = |k: &str| m.get(&format!("ssl.{ctx}.{k}")).map(str::to_string);
            let ca = ssl.get(1).and_then(|n| m.file("ssl", n)).cloned();
            let cert = ssl.get(2).and_then(|n| m.file("ssl", n)).cloned();
            let key = ssl.get(2).and_then(|n| m.file("sslkey", n)).cloned();
            let good = m.tls(Tls {
                host: url.first().map_or("", String::as_str),
                port: num(url.get(1)) as u16,
                sni: s("SNI").is_some_and(|h| h == url[0]),
                alpn: None,
                check_dates: s("IGNORERTCTIME").as_deref() != Some("1"),
                ca: ca.as_deref(),
                cert: cert.as_deref(),
                key: key.as_deref(),
            }) && {
                let id = m.get("sm.CLIENTID").unwrap_or("").to_string();
                let (u, p) = (
                    m.get("sm.USERNAME").unwrap_or("").to_string(),
                    m.get("sm.PASSWORD").unwrap_or("").to_string(),
                );
                m.mqtt_auth(&id, &u, &p)
            };
            m.connected = good;
            if good {
                ok()
            } else {
                err()
            }
        }
        "AT+SMPUB" => {
            if !m.connected {
                return err();
            }
            prompt(
                ">",
                num(a.get(1)),
                Pending::Publish {
                    topic: a[0].clone(),
                },
            )
        }
        _ => err(),
    }
}

// ---------------- SIMCom SIM7600 / A76xx ----------------

fn sim7600(m: &mut Modem, line: &str) -> Reply {
    let (cmd, rest) = line.split_once('=').unwrap_or((line, ""));
    let a = args(rest);
    match cmd {
        "AT+CCERTDOWN" => {
            if !(a[0].ends_with(".pem") || a[0].ends_with(".der")) {
                return err();
            }
            prompt(">", num(a.get(1)), file("cert", &a[0]))
        }
        "AT+CCERTDELE" => {
            if m.remove("cert", &a[0]) {
                ok()
            } else {
                err()
            }
        }
        "AT+CCERTLIST" => {
            let names: Vec<String> = m
                .files
                .keys()
                .filter(|(s, _)| s == "cert")
                .map(|(_, n)| format!("+CCERTLIST: \"{n}\""))
                .collect();
            text(format!("{}\r\nOK", names.join("\r\n")))
        }
        "AT+CNTP" if !rest.is_empty() => ok(),
        "AT+CNTP" => {
            m.clock = m.world.network_time;
            text("OK\r\n\r\n+CNTP: 0")
        }
        "AT+CSSLCFG" => {
            m.set(
                format!("ssl.{}.{}", a[1], a[0]),
                a.get(2).cloned().unwrap_or_default(),
            );
            ok()
        }
        "AT+CMQTTSTART" => {
            if m.get("mqtt").is_some() {
                return err();
            }
            m.set("mqtt", "1");
            text("OK\r\n\r\n+CMQTTSTART: 0")
        }
        "AT+CMQTTACCQ" => {
            m.set("client", a[1].clone());
            ok()
        }
        "AT+CMQTTSSLCFG" => {
            m.set("mqttssl", a[1].clone());
            ok()
        }
        "AT+CMQTTCONNECT" => {
            let ctx = m.get("mqttssl").unwrap_or("0").to_string();
            let s = |k: &str| m.get(&format!("ssl.{ctx}.{k}")).map(str::to_string);
            let f = |m: &Modem, k: Option<String>| k.and_then(|n| m.file("cert", &n).cloned());
            let (ca, cert, key) = (
                f(m, s("cacert")),
                f(m, s("clientcert")),
                f(m, s("clientkey")),
            );
            let url = a[1].trim_start_matches("tcp://").to_string();
            let (host, port) = url.split_once(':').unwrap_or((&url, "0"));
            let good = m.tls(Tls {
                host,
                port: port.parse().unwrap_or(0),
                sni: s("enableSNI").as_deref() == Some("1"),
                alpn: None,
                check_dates: s("ignorelocaltime").as_deref() == Some("0"),
                ca: ca.as_deref(),
                cert: if s("authmode").as_deref() == Some("2") {
                    cert.as_deref()
                } else {
                    None
                },
                key: key.as_deref(),
            });
            let client = m.get("client").unwrap_or("").to_string();
            let good = good
                && m.mqtt_auth(
                    &client,
                    a.get(4).map_or("", String::as_str),
                    a.get(5).map_or("", String::as_str),
                );
            m.connected = good;
            text(format!(
                "OK\r\n\r\n+CMQTTCONNECT: {},{}",
                a[0],
                if good { 0 } else { 32 }
            ))
        }
        "AT+CMQTTTOPIC" => prompt(">", num(a.get(1)), Pending::Field { name: "topic" }),
        "AT+CMQTTPAYLOAD" => prompt(">", num(a.get(1)), Pending::Field { name: "payload" }),
        "AT+CMQTTPUB" => {
            if !m.connected {
                return err();
            }
            let topic = m.get("topic").unwrap_or("").to_string();
            let payload = m.get("payload").unwrap_or("").as_bytes().to_vec();
            m.published.push(Published { topic, payload });
            text(format!("OK\r\n\r\n+CMQTTPUB: {},0", a[0]))
        }
        "AT+CMQTTDISC" => {
            m.connected = false;
            text(format!("OK\r\n\r\n+CMQTTDISC: {},0", a[0]))
        }
        "AT+CMQTTREL" => ok(),
        "AT+CMQTTSTOP" => text("OK\r\n\r\n+CMQTTSTOP: 0"),
        _ => err(),
    }
}

// ---------------- u-blox ----------------

fn ublox(m: &mut Modem, line: &str) -> Reply {
    let (cmd, rest) = line.split_once('=').unwrap_or((line, ""));
    let a = args(rest);
    match cmd {
        "AT+USECMNG" if a[0] == "0" => {
            let size = num(a.get(3));
            if a[2].len() > 32 || size > 8192 {
                return err();
            }
            prompt(
                ">",
                size,
                Pending::File {
                    store: "sec",
                    name: a[2].clone(),
                    extra: a[1].clone(),
                },
            )
        }
        "AT+USECMNG" if a[0] == "3" => {
            let names: Vec<String> = m
                .files
                .keys()
                .filter(|(s, _)| s == "sec")
                .map(|(_, n)| format!("\"X\",\"{n}\""))
                .collect();
            text(format!("{}\r\nOK", names.join("\r\n")))
        }
        "AT+USECPRF" => {
            if a.len() == 1 {
                let p = format!("prf.{}.", a[0]);
                m.settings.retain(|k, _| !k.starts_with(&p));
            } else {
                m.set(
                    format!("prf.{}.{}", a[0], a[1]),
                    a.get(2).cloned().unwrap_or_default(),
                );
            }
            ok()
        }
        "AT+UMQTT" => {
            m.set(format!("umqtt.{}", a[0]), a[1..].join(","));
            ok()
        }
        "AT+UMQTTC" => match a[0].as_str() {
            "1" => {
                let server = args(m.get("umqtt.2").unwrap_or(""));
                let tls = args(m.get("umqtt.11").unwrap_or(""));
                let p = tls.get(1).cloned().unwrap_or_default();
                let s = |k: &str| m.get(&format!("prf.{p}.{k}")).map(str::to_string);
                let f = |m: &Modem, k: Option<String>| k.and_then(|n| m.file("sec", &n).cloned());
                let (ca, cert, key) = (f(m, s("3")), f(m, s("5")), f(m, s("6")));
                let host = server.first().cloned().unwrap_or_default();
                let good = tls.first().map(String::as_str) == Some("1")
                    && s("4").as_deref() == Some(host.as_str())
                    && m.tls(Tls {
                        host: &host,
                        port: num(server.get(1)) as u16,
                        sni: s("10").as_deref() == Some(host.as_str()),
                        alpn: None,
                        check_dates: s("0").as_deref() == Some("3"),
                        ca: ca.as_deref(),
                        cert: cert.as_deref(),
                        key: key.as_deref(),
                    });
                let auth = args(m.get("umqtt.4").unwrap_or(""));
                let id = m.get("umqtt.0").unwrap_or("").to_string();
                let good = good
                    && m.mqtt_auth(
                        &id,
                        auth.first().map_or("", String::as_str),
                        auth.get(1).map_or("", String::as_str),
                    );
                m.connected = good;
                text(format!(
                    "+UMQTTC: 1,1\r\nOK\r\n\r\n+UUMQTTC: 1,{}",
                    if good { 0 } else { 100 }
                ))
            }
            "2" if m.connected => {
                let payload = if a[3] == "1" {
                    (0..a[5].len() / 2)
                        .filter_map(|i| u8::from_str_radix(&a[5][2 * i..2 * i + 2], 16).ok())
                        .collect()
                } else {
                    a[4].as_bytes().to_vec()
                };
                m.published.push(Published {
                    topic: a[4].clone(),
                    payload,
                });
                text("+UMQTTC: 2,1\r\nOK")
            }
            "0" => {
                m.connected = false;
                text("+UMQTTC: 0,1\r\nOK")
            }
            _ => err(),
        },
        _ => err(),
    }
}

// ---------------- nRF91 ----------------

fn nrf91(m: &mut Modem, line: &str) -> Reply {
    let (cmd, rest) = line.split_once('=').unwrap_or((line, ""));
    match cmd {
        "AT+CFUN" if rest == "4" => {
            m.online = false;
            ok()
        }
        "AT+CFUN" if rest == "1" => {
            m.online = true;
            m.clock = m.world.network_time;
            text("OK\r\n+CEREG: 1")
        }
        "AT+CEREG" => ok(),
        "AT%CMNG" => {
            let (op, rest) = rest.split_once(',').unwrap_or((rest, ""));
            match op {
                "0" => {
                    if m.online {
                        return text("+CME ERROR: 518");
                    }
                    let (tag, rest) = rest.split_once(',').unwrap_or(("", ""));
                    let (ty, content) = rest.split_once(',').unwrap_or(("", ""));
                    let Some(content) = content.strip_prefix('"').and_then(|c| c.strip_suffix('"'))
                    else {
                        return err();
                    };
                    // LF only; every line, the last included, ends with \n; types 0/1 must be certificates.
                    let lf_only = !content.contains('\r') && content.ends_with('\n');
                    let parses = match ty {
                        "0" | "1" => {
                            pem_blocks(content.as_bytes())
                                .iter()
                                .all(|(l, _)| l == "CERTIFICATE")
                                && !pem_blocks(content.as_bytes()).is_empty()
                        }
                        _ => !pem_blocks(content.as_bytes()).is_empty(),
                    };
                    if !lf_only || !parses {
                        return text("+CME ERROR: 527");
                    }
                    if m.file(&format!("tag{tag}"), ty).is_some() {
                        return text("+CME ERROR: 519");
                    }
                    m.put(&format!("tag{tag}"), ty, content.as_bytes().to_vec());
                    ok()
                }
                "1" => {
                    let store = format!("tag{rest}");
                    let lines: Vec<String> = m
                        .files
                        .iter()
                        .filter(|((s, _), _)| *s == store)
                        .map(|((_, ty), b)| {
                            format!("%CMNG: {rest},{ty},\"{}\"", upper_hex(&Sha256::digest(b)))
                        })
                        .collect();
                    text(format!("{}\r\nOK", lines.join("\r\n")))
                }
                "3" => {
                    if m.online {
                        return text("+CME ERROR: 518");
                    }
                    let (tag, ty) = rest.split_once(',').unwrap_or(("", ""));
                    if m.remove(&format!("tag{tag}"), ty) {
                        ok()
                    } else {
                        text("+CME ERROR: 513")
                    }
                }
                _ => err(),
            }
        }
        "AT#XMQTTCFG" => {
            m.set("client", args(rest)[0].clone());
            ok()
        }
        "AT#XMQTTCON" => {
            let a = args(rest);
            if a[0] == "0" {
                m.connected = false;
                return ok();
            }
            let store = format!("tag{}", a.get(5).cloned().unwrap_or_default());
            let f = |ty: &str| m.file(&store, ty).cloned();
            let (ca, cert, key) = (f("0"), f("1"), f("2"));
            let good = m.tls(Tls {
                host: &a[3],
                port: num(a.get(4)) as u16,
                sni: true,
                alpn: None,
                check_dates: true,
                ca: ca.as_deref(),
                cert: cert.as_deref(),
                key: key.as_deref(),
            });
            let client = m.get("client").unwrap_or("").to_string();
            let good = good && m.mqtt_auth(&client, &a[1], &a[2]);
            m.connected = good;
            text(format!(
                "OK\r\n#XMQTTEVT: 0,{}",
                if good { "0" } else { "-113" }
            ))
        }
        "AT#XMQTTPUB" => {
            let a = args(rest);
            if !m.connected {
                return err();
            }
            m.published.push(Published {
                topic: a[0].clone(),
                payload: a[1].as_bytes().to_vec(),
            });
            ok()
        }
        _ => err(),
    }
}

// ---------------- ESP-AT ----------------

fn esp_at(m: &mut Modem, line: &str) -> Reply {
    let (cmd, rest) = line.split_once('=').unwrap_or((line, ""));
    let a = args(rest);
    match cmd {
        "AT+SYSMFG" if a[0] == "2" => {
            if a[3] != "8" {
                return err();
            }
            prompt(
                ">",
                num(a.get(4)),
                file("nvs", &format!("{}/{}", a[1], a[2])),
            )
        }
        "AT+CWMODE" => ok(),
        "AT+CWJAP?" => text(if m.world.wifi_joined {
            "+CWJAP:\"net\",\"00:00:00:00:00:00\",1,-50\r\nOK"
        } else {
            "No AP\r\nOK"
        }),
        "AT+CWJAP" => {
            m.world.wifi_joined = true;
            text("WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK")
        }
        "AT+CIPSNTPCFG" => {
            if !m.world.wifi_joined {
                return text("OK");
            }
            m.clock = m.world.network_time;
            text("OK\r\n+TIME_UPDATED")
        }
        "AT+SYSTIMESTAMP" => {
            m.clock = rest.parse().unwrap_or(0);
            ok()
        }
        "AT+CIPSNTPTIME?" => text(format!("+CIPSNTPTIME:{}\r\nOK", asctime(m.clock))),
        "AT+MQTTUSERCFG" => {
            m.set("mqtt.scheme", a[1].clone());
            m.set("mqtt.client", a[2].clone());
            m.set("mqtt.user", a[3].clone());
            m.set("mqtt.pass", a[4].clone());
            ok()
        }
        "AT+MQTTLONGUSERNAME" => prompt(">", num(a.get(1)), Pending::Field { name: "mqtt.user" }),
        "AT+MQTTLONGPASSWORD" => prompt(">", num(a.get(1)), Pending::Field { name: "mqtt.pass" }),
        "AT+MQTTSNI" => {
            m.set("mqtt.sni", a[1].clone());
            ok()
        }
        "AT+MQTTALPN" => {
            m.set("mqtt.alpn", a[2].clone());
            ok()
        }
        "AT+MQTTCONNCFG" => ok(),
        "AT+MQTTCONN" => {
            let scheme = m.get("mqtt.scheme").unwrap_or("1").to_string();
            let nvs = |k: &str| m.file("nvs", k).cloned();
            let (ca, cert, key) = (
                nvs("mqtt_ca/mqtt_ca"),
                nvs("mqtt_cert/mqtt_cert"),
                nvs("mqtt_key/mqtt_key"),
            );
            let alpn = m.get("mqtt.alpn").map(str::to_string);
            let good = (scheme == "3" || scheme == "5")
                && m.tls(Tls {
                    host: &a[1],
                    port: num(a.get(2)) as u16,
                    sni: m.get("mqtt.sni") == Some(a[1].as_str()),
                    alpn: alpn.as_deref(),
                    check_dates: true,
                    ca: ca.as_deref(),
                    cert: if scheme == "5" { cert.as_deref() } else { None },
                    key: key.as_deref(),
                });
            let (id, u, p) = (
                m.get("mqtt.client").unwrap_or("").to_string(),
                m.get("mqtt.user").unwrap_or("").to_string(),
                m.get("mqtt.pass").unwrap_or("").to_string(),
            );
            let good = good && m.mqtt_auth(&id, &u, &p);
            m.connected = good;
            text(if good {
                format!(
                    "+MQTTCONNECTED:0,{scheme},\"{}\",\"{}\",\"\",1\r\n\r\nOK",
                    a[1], a[2]
                )
            } else {
                "+MQTTDISCONNECTED:0\r\nERROR".into()
            })
        }
        "AT+MQTTPUBRAW" => {
            if !m.connected {
                return err();
            }
            prompt(
                ">",
                num(a.get(2)),
                Pending::Publish {
                    topic: a[1].clone(),
                },
            )
        }
        "AT+MQTTCLEAN" => {
            m.connected = false;
            ok()
        }
        "AT+CIPSSLCCONF" => {
            m.set("tls.auth", a[0].clone());
            ok()
        }
        "AT+CIPSSLCSNI" => {
            m.set("tls.sni", a[0].clone());
            ok()
        }
        "AT+CIPSSLCALPN" => {
            m.set("tls.alpn", a[1].clone());
            ok()
        }
        "AT+CIPSTART" => {
            let nvs = |k: &str| m.file("nvs", k).cloned();
            let (ca, cert, key) = (
                nvs("client_ca/client_ca.0"),
                nvs("client_cert/client_cert.0"),
                nvs("client_key/client_key.0"),
            );
            let alpn = m.get("tls.alpn").map(str::to_string);
            let good = a[0] == "SSL"
                && m.get("tls.auth") == Some("3")
                && m.tls(Tls {
                    host: &a[1],
                    port: num(a.get(2)) as u16,
                    sni: m.get("tls.sni") == Some(a[1].as_str()),
                    alpn: alpn.as_deref(),
                    check_dates: true,
                    ca: ca.as_deref(),
                    cert: cert.as_deref(),
                    key: key.as_deref(),
                });
            m.connected = good;
            text(if good {
                "CONNECT\r\n\r\nOK"
            } else {
                "ERROR\r\nCLOSED"
            })
        }
        "AT+CIPSEND" => {
            if !m.connected {
                return err();
            }
            prompt(">", num(a.first()), Pending::Http)
        }
        "AT+CIPCLOSE" => {
            if m.connected {
                m.connected = false;
                text("CLOSED\r\n\r\nOK")
            } else {
                err()
            }
        }
        _ => err(),
    }
}

/// The AWS IoT HTTPS shadow endpoint: parse the request exactly (Content-Length must equal the body length).
fn http(m: &mut Modem, bytes: &[u8]) -> String {
    let answer = |status: &str, body: &str| {
        let resp = format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len());
        format!(
            "Recv {} bytes\r\n\r\nSEND OK\r\n\r\n+IPD,{}:{resp}",
            bytes.len(),
            resp.len()
        )
    };
    let text = String::from_utf8_lossy(bytes).to_string();
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return answer("400 Bad Request", "{\"message\":\"incomplete request\"}");
    };
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let header = |k: &str| headers.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let host_ok =
        header("host").is_some_and(|h| h.split(':').next() == Some(m.world.host.as_str()));
    let length_ok = match header("content-length") {
        Some(n) => n.parse::<usize>().ok() == Some(body.len()),
        None => body.is_empty(),
    };
    let thing = m.world.thing.clone().unwrap_or_default();
    let path_ok =
        request_line.split(' ').nth(1) == Some(format!("/things/{thing}/shadow").as_str());
    if !(host_ok && length_ok && path_ok && request_line.ends_with(" HTTP/1.1")) {
        return answer("400 Bad Request", "{\"message\":\"bad request\"}");
    }
    if request_line.starts_with("POST ") {
        m.published.push(Published {
            topic: format!("$aws/things/{thing}/shadow/update"),
            payload: body.as_bytes().to_vec(),
        });
    }
    answer("200 OK", "{\"state\":{},\"version\":1}")
}

// ---------------- Telit ----------------

fn telit(m: &mut Modem, line: &str) -> Reply {
    let (cmd, rest) = line.split_once('=').unwrap_or((line, ""));
    let a = args(rest);
    match cmd {
        "AT#SGACT" => ok(),
        "AT#SSLEN" => ok(),
        "AT#SSLSECDATA" => match a[1].as_str() {
            "0" => {
                if m.remove("sec", &a[2]) {
                    ok()
                } else {
                    err()
                }
            }
            "1" => prompt(
                ">",
                num(a.get(3)),
                Pending::File {
                    store: "sec",
                    name: a[2].clone(),
                    extra: a[2].clone(),
                },
            ),
            _ => err(),
        },
        "AT#NTP" => {
            m.clock = m.world.network_time;
            text(format!(
                "#NTP: {}\r\nOK",
                cclk(m.clock).get(..17).unwrap_or("")
            ))
        }
        "AT#CCLKMODE" => ok(),
        "AT#SSLSECCFG" => {
            m.set("auth", a[2].clone());
            ok()
        }
        "AT#SSLSECCFG2" => ok(),
        "AT#MQEN" => ok(),
        "AT#MQCFG" => {
            m.set("mq.host", a[1].clone());
            m.set("mq.port", a[2].clone());
            m.set("mq.ssl", a.get(4).cloned().unwrap_or_default());
            ok()
        }
        "AT#MQCFG2" => ok(),
        "AT#MQCONN" => {
            let (host, port) = (
                m.get("mq.host").unwrap_or("").to_string(),
                num(m.settings.get("mq.port")) as u16,
            );
            let f = |t: &str| m.file("sec", t).cloned();
            let (ca, cert, key) = (f("1"), f("0"), f("2"));
            let auth = m.get("auth").unwrap_or("0").to_string();
            let good = m.get("mq.ssl") == Some("1")
                && m.tls(Tls {
                    host: &host,
                    port,
                    sni: true,
                    alpn: None,
                    check_dates: true,
                    ca: ca.as_deref(),
                    cert: if auth == "2" { cert.as_deref() } else { None },
                    key: key.as_deref(),
                })
                && m.mqtt_auth(&a[1], &a[2], &a[3]);
            m.connected = good;
            if good {
                ok()
            } else {
                err()
            }
        }
        "AT#MQPUBS" => {
            if !m.connected {
                return err();
            }
            m.published.push(Published {
                topic: a[1].clone(),
                payload: a[4].as_bytes().to_vec(),
            });
            ok()
        }
        "AT#MQDISC" => ok(),
        _ => err(),
    }
}

// ---------------- Sequans ----------------

fn sequans(m: &mut Modem, line: &str) -> Reply {
    let (cmd, rest) = line.split_once('=').unwrap_or((line, ""));
    let a = args(rest);
    match cmd {
        "AT+SQNSNVW" => {
            let store = if a[0] == "privatekey" { "key" } else { "cert" };
            match num(a.get(2)) {
                0 => {
                    m.remove(store, &a[1]);
                    ok()
                }
                n if n <= 16_384 => prompt(">", n, file(store, &a[1])),
                _ => err(),
            }
        }
        "AT+CFUN" => ok(),
        "AT+SQNSPCFG" => {
            m.set(format!("sp.{}", a[0]), rest);
            ok()
        }
        "AT+SQNSMQTTCFG" => {
            m.set("mqtt", rest);
            ok()
        }
        "AT+SQNSMQTTCONNECT" => {
            let cfg = args(m.get("mqtt").unwrap_or(""));
            let sp = args(
                m.get(&format!("sp.{}", cfg.get(4).cloned().unwrap_or_default()))
                    .unwrap_or(""),
            );
            let (ca, cert, key) = (
                sp.get(4).and_then(|s| m.file("cert", s)).cloned(),
                sp.get(5).and_then(|s| m.file("cert", s)).cloned(),
                sp.get(6).and_then(|s| m.file("key", s)).cloned(),
            );
            let good = sp.get(3).map(String::as_str) == Some("1")
                && m.tls(Tls {
                    host: &a[1],
                    port: num(a.get(2)) as u16,
                    sni: true,
                    alpn: None,
                    check_dates: true,
                    ca: ca.as_deref(),
                    cert: cert.as_deref(),
                    key: key.as_deref(),
                })
                && m.mqtt_auth(&cfg[1], &cfg[2], &cfg[3]);
            m.connected = good;
            text(format!(
                "OK\r\n+SQNSMQTTONCONNECT:0,{}",
                if good { "0" } else { "-1" }
            ))
        }
        "AT+SQNSMQTTPUBLISH" => {
            if !m.connected {
                return err();
            }
            prompt(
                ">",
                num(a.get(3)),
                Pending::Publish {
                    topic: a[1].clone(),
                },
            )
        }
        "AT+SQNSMQTTDISCONNECT" => ok(),
        _ => err(),
    }
}

// ---------------- Sierra HL78xx ----------------

fn sierra(m: &mut Modem, line: &str) -> Reply {
    let (cmd, rest) = line.split_once('=').unwrap_or((line, ""));
    let a = args(rest);
    match cmd {
        "AT+KPATTERN" => {
            m.set("pattern", a[0].clone());
            ok()
        }
        "AT+KCNXCFG" => ok(),
        "AT+KCERTDELETE" => {
            let store = if a[0] == "0" { "root" } else { "local" };
            if m.remove(store, &a[1]) {
                ok()
            } else {
                err()
            }
        }
        "AT+KCERTSTORE" => {
            let store = if a[0] == "0" { "root" } else { "local" };
            prompt("CONNECT", num(a.get(1)), file(store, &a[2]))
        }
        "AT+KPRIVKSTORE" => prompt("CONNECT", num(a.get(1)), file("key", &a[2])),
        "AT+KCERTSTORE?" => {
            let mut lines: Vec<String> = m
                .files
                .keys()
                .filter(|(s, _)| s != "key")
                .map(|(s, n)| format!("+KCERTSTORE: {}_cert,{n},1", s))
                .collect();
            lines.sort_by_key(|l| !l.contains("root_cert"));
            text(format!("{}\r\nOK", lines.join("\r\n")))
        }
        "AT+KSSLCRYPTO" => ok(),
        "AT+KMQTTCFG" => {
            m.set("mqtt", rest);
            text("+KMQTTCFG: 1\r\nOK")
        }
        "AT+KMQTTCNX" => {
            let cfg = args(m.get("mqtt").unwrap_or(""));
            let f = |s: &str| m.file(s, "0").cloned();
            let (ca, cert, key) = (f("root"), f("local"), f("key"));
            let good = cfg[0] == "1"
                && m.tls(Tls {
                    host: &cfg[2],
                    port: num(cfg.get(3)) as u16,
                    sni: cfg[1] == "1",
                    alpn: None,
                    check_dates: true,
                    ca: ca.as_deref(),
                    cert: cert.as_deref(),
                    key: key.as_deref(),
                })
                && m.mqtt_auth(
                    &cfg[5],
                    cfg.get(8).map_or("", String::as_str),
                    cfg.get(9).map_or("", String::as_str),
                );
            m.connected = good;
            text(format!("OK\r\n+KMQTT_IND: 1,{}", if good { 1 } else { 0 }))
        }
        "AT+KMQTTPUB" => {
            if !m.connected {
                return err();
            }
            m.published.push(Published {
                topic: a[1].clone(),
                payload: a[4].as_bytes().to_vec(),
            });
            ok()
        }
        "AT+KMQTTCLOSE" => ok(),
        _ => err(),
    }
}
