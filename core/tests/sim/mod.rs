//! A modem simulator for the module targets' scripts (test support). It plays the module's side of the dialogue
//! as module-at-commands.md describes it: it reads the JSON steps, answers each command, accepts an upload only
//! when exactly the announced number of bytes arrives, prints the checksum/hash it computes from what it
//! received, and rejects what the family rejects (CRLF in an nRF91 credential, a file over the size limit, a
//! wrong root, SNI off, a 1980 clock). It computes every integrity value with its own code, not certpack's.
#![allow(dead_code)]

mod families;

use std::collections::BTreeMap;

use base64ct::{Base64, Encoding};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The module family being simulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Quectel,
    Sim7080,
    Sim7600,
    Ublox,
    Nrf91,
    EspAt,
    Telit,
    Sequans,
    Sierra,
}

impl Family {
    /// The family for a certpack target name.
    pub fn for_target(name: &str) -> Family {
        match name {
            "quectel" => Family::Quectel,
            "simcom-sim7080" => Family::Sim7080,
            "simcom-sim7600" => Family::Sim7600,
            "ublox" => Family::Ublox,
            "nrf91" => Family::Nrf91,
            "esp-at" => Family::EspAt,
            "telit" => Family::Telit,
            "sequans" => Family::Sequans,
            "sierra-hl78" => Family::Sierra,
            other => panic!("no simulator for {other}"),
        }
    }

    /// Clock after power-on (Unix seconds).
    fn power_on_clock(self) -> i64 {
        match self {
            Family::EspAt => 0,
            Family::Nrf91 => 1_422_748_800,
            _ => 315_964_800,
        }
    }
}

/// The other side of the connection: what the broker accepts.
#[derive(Clone)]
pub struct World {
    /// The broker host name.
    pub host: String,
    /// Port the broker listens on with client certificates.
    pub ports: Vec<u16>,
    /// Network time (NTP/NITZ), Unix seconds.
    pub network_time: i64,
    /// DER of roots that validate the broker's server chain.
    pub accepted_roots: Vec<Vec<u8>>,
    /// DER of the device certificate registered in the cloud (X.509 authentication).
    pub registered_leaf: Option<Vec<u8>>,
    /// Azure SAS: the device key (raw bytes) the hub verifies the token with, and the expected user name.
    pub sas: Option<(Vec<u8>, String)>,
    /// ALPN the broker needs on this port.
    pub alpn: Option<String>,
    /// The module is already on Wi-Fi (ESP-AT).
    pub wifi_joined: bool,
    /// Thing name whose shadow the HTTPS endpoint serves.
    pub thing: Option<String>,
}

/// A message the simulated broker received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub topic: String,
    pub payload: Vec<u8>,
}

/// What the module does with a command line.
pub enum Reply {
    /// Final response text.
    Text(String),
    /// A prompt, then `len` raw bytes (None: read until a terminator the family defines).
    Prompt {
        prompt: &'static str,
        len: usize,
        then: Pending,
    },
}

/// What the bytes after a prompt are for.
#[derive(Debug, Clone)]
pub enum Pending {
    File {
        store: &'static str,
        name: String,
        extra: String,
    },
    Publish {
        topic: String,
    },
    Field {
        name: &'static str,
    },
    Http,
}

/// One simulated module.
pub struct Modem {
    pub family: Family,
    pub world: World,
    /// Module clock, Unix seconds.
    pub clock: i64,
    /// Stored files/credentials: (store, name) -> bytes.
    pub files: BTreeMap<(String, String), Vec<u8>>,
    /// Settings: name -> value.
    pub settings: BTreeMap<String, String>,
    /// Data received after a CONNECT for a family that ends uploads with a pattern.
    pub awaiting_pattern: Option<(Pending, usize, Vec<u8>)>,
    pub online: bool,
    pub connected: bool,
    pub published: Vec<Published>,
    /// Why the last TLS or connect attempt failed.
    pub last_failure: Option<String>,
    /// Transcript.
    pub log: Vec<String>,
}

impl Modem {
    pub fn new(family: Family, world: World) -> Modem {
        Modem {
            family,
            world,
            clock: family.power_on_clock(),
            files: BTreeMap::new(),
            settings: BTreeMap::new(),
            awaiting_pattern: None,
            online: true,
            connected: false,
            published: Vec::new(),
            last_failure: None,
            log: Vec::new(),
        }
    }

    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.settings.insert(key.into(), value.into());
    }
    pub fn get(&self, key: &str) -> Option<&str> {
        self.settings.get(key).map(String::as_str)
    }
    pub fn file(&self, store: &str, name: &str) -> Option<&Vec<u8>> {
        self.files.get(&(store.to_string(), name.to_string()))
    }
    pub fn put(&mut self, store: &str, name: &str, bytes: Vec<u8>) {
        self.files
            .insert((store.to_string(), name.to_string()), bytes);
    }
    pub fn remove(&mut self, store: &str, name: &str) -> bool {
        self.files
            .remove(&(store.to_string(), name.to_string()))
            .is_some()
    }

    /// Check a TLS session as the broker and the module's TLS stack would: clock (when checked), root CA, SNI,
    /// ALPN, client certificate and key. Records the reason on failure.
    pub fn tls(&mut self, tls: Tls<'_>) -> bool {
        let result = self.check_tls(&tls);
        if let Err(why) = &result {
            self.last_failure = Some(why.clone());
            self.log.push(format!("TLS FAILED: {why}"));
        }
        result.is_ok()
    }

    fn check_tls(&self, tls: &Tls<'_>) -> Result<(), String> {
        if tls.host != self.world.host {
            return Err(format!(
                "connecting to {} instead of {}",
                tls.host, self.world.host
            ));
        }
        if !self.world.ports.contains(&tls.port) {
            return Err(format!("the broker does not listen on port {}", tls.port));
        }
        if !tls.sni {
            return Err("SNI is off: the broker cannot route the connection".into());
        }
        if self.world.alpn.as_deref() != tls.alpn && self.world.alpn.is_some() {
            return Err(format!(
                "ALPN {:?} needed, {:?} sent",
                self.world.alpn, tls.alpn
            ));
        }
        let ca = tls.ca.ok_or("no CA certificate configured")?;
        let ca_der = first_der(ca).ok_or("the CA file is not a certificate")?;
        if !self.world.accepted_roots.contains(&ca_der) {
            return Err("the configured root CA does not validate the server's chain".into());
        }
        let mut not_before = vec![not_before(&ca_der)?];
        if let Some(leaf_der) = &self.world.registered_leaf {
            let cert = tls
                .cert
                .ok_or("the broker asks for a client certificate and none is configured")?;
            let sent = first_der(cert).ok_or("the client certificate file is not a certificate")?;
            if &sent != leaf_der {
                return Err("the client certificate is not the one registered in the cloud".into());
            }
            let key = tls.key.ok_or("no client key configured")?;
            if !key_matches(&sent, key) {
                return Err("the private key does not belong to the client certificate".into());
            }
            not_before.push(not_before_of(&sent)?);
        }
        if tls.check_dates {
            if let Some(nb) = not_before.iter().max() {
                if self.clock < *nb {
                    return Err(format!(
                        "certificate not yet valid at the module clock {} (notBefore {})",
                        civil(self.clock),
                        civil(*nb)
                    ));
                }
            }
        }
        Ok(())
    }

    /// Check MQTT CONNECT credentials (Azure user name and SAS password, verified with the device key).
    pub fn mqtt_auth(&mut self, client_id: &str, user: &str, pass: &str) -> bool {
        let result = self.check_auth(client_id, user, pass);
        if let Err(why) = &result {
            self.last_failure = Some(why.clone());
            self.log.push(format!("CONNECT REFUSED: {why}"));
        }
        result.is_ok()
    }

    fn check_auth(&self, client_id: &str, user: &str, pass: &str) -> Result<(), String> {
        if client_id.is_empty() {
            return Err("empty client id".into());
        }
        let Some((key, expected_user)) = &self.world.sas else {
            return Ok(());
        };
        if user != expected_user {
            return Err(format!("user name {user} is not {expected_user}"));
        }
        if pass.is_empty() && self.world.registered_leaf.is_some() {
            return Ok(());
        }
        verify_sas(pass, key, self.clock)
    }

    /// Answer one command line.
    pub fn command(&mut self, line: &str) -> Reply {
        if let Some((pending, len, data)) = self.awaiting_pattern.take() {
            return Reply::Text(self.end_pattern(line, pending, len, data));
        }
        match line {
            "AT" | "ATE0" => return Reply::Text("OK".into()),
            "AT+CCLK?" => return Reply::Text(format!("+CCLK: \"{}\"\r\nOK", cclk(self.clock))),
            _ => {}
        }
        if let Some(v) = line.strip_prefix("AT+CCLK=") {
            return Reply::Text(match parse_cclk(&unquote(v)) {
                Some(t) => {
                    self.clock = t;
                    "OK".into()
                }
                None => "+CME ERROR: 50".into(),
            });
        }
        if line == "AT+CTZU=1" {
            // NITZ arrives once registered (the simulated network sends it).
            self.clock = self.world.network_time;
            return Reply::Text("OK".into());
        }
        if line == "AT+CTZU=0" || line.starts_with("AT+CGDCONT=") {
            return Reply::Text("OK".into());
        }
        families::dispatch(self, line)
    }

    /// Bytes received after a prompt.
    pub fn data(&mut self, pending: Pending, len: usize, bytes: &[u8]) -> String {
        if self.family == Family::Sierra {
            self.awaiting_pattern = Some((pending, len, bytes.to_vec()));
            return String::new();
        }
        families::data(self, pending, bytes)
    }

    fn end_pattern(&mut self, line: &str, pending: Pending, len: usize, data: Vec<u8>) -> String {
        let pattern = self
            .get("pattern")
            .unwrap_or("--EOF--Pattern--")
            .to_string();
        if line != pattern {
            return "ERROR".into();
        }
        if data.len() != len {
            return "ERROR".into();
        }
        families::data(self, pending, &data)
    }
}

/// Parameters of one TLS connection attempt.
pub struct Tls<'a> {
    pub host: &'a str,
    pub port: u16,
    pub sni: bool,
    pub alpn: Option<&'a str>,
    pub check_dates: bool,
    pub ca: Option<&'a [u8]>,
    pub cert: Option<&'a [u8]>,
    pub key: Option<&'a [u8]>,
}

/// Run JSON steps (`Script::to_json`) against `modem`. Returns the transcript, or the failing step and why.
pub fn run(json: &str, modem: &mut Modem) -> Result<Vec<String>, String> {
    let doc: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("steps.json is not JSON: {e}"))?;
    let steps = doc["steps"].as_array().ok_or("steps.json has no steps")?;
    for (n, step) in steps.iter().enumerate() {
        let command = step["command"].as_str().ok_or("step without command")?;
        let expect = step["expect"].as_str().ok_or("step without expect")?;
        let may_fail = step["may_fail"].as_bool().unwrap_or(false);
        let payload = match step["payload_base64"].as_str() {
            Some(b64) => {
                let bytes = Base64::decode_vec(b64).map_err(|_| format!("step {n}: bad base64"))?;
                let declared = step["payload_length"].as_u64().unwrap_or(0) as usize;
                if declared != bytes.len() {
                    return Err(format!(
                        "step {n}: payload_length {declared} but {} bytes",
                        bytes.len()
                    ));
                }
                Some((bytes, step["prompt"].as_str().unwrap_or("").to_string()))
            }
            None => None,
        };
        modem.log.push(format!("> {command}"));
        let response = match (modem.command(command), payload) {
            (Reply::Prompt { prompt, len, then }, Some((bytes, step_prompt))) => {
                if prompt != step_prompt {
                    return Err(format!("step {n} {command}: module prompted {prompt:?}, the step waits for {step_prompt:?}"));
                }
                if bytes.len() != len {
                    return Err(format!(
                        "step {n} {command}: the module expects exactly {len} bytes after {prompt:?}, the step sends {}",
                        bytes.len()
                    ));
                }
                modem.log.push(format!("> <{} bytes>", bytes.len()));
                modem.data(then, len, &bytes)
            }
            (Reply::Prompt { prompt, .. }, None) => {
                return Err(format!(
                    "step {n} {command}: module prompted {prompt:?} but the step sends no data"
                ));
            }
            (Reply::Text(t), Some(_)) => {
                return Err(format!("step {n} {command}: the step sends data but the module answered {t:?} without a prompt"));
            }
            (Reply::Text(t), None) => t,
        };
        modem.log.push(format!("< {response}"));
        let matched = regex::Regex::new(expect)
            .map_err(|e| format!("step {n}: expect is not a valid regex: {e}"))?
            .is_match(&response);
        if !matched {
            if may_fail && response.contains("ERROR") {
                continue;
            }
            return Err(format!(
                "step {n} {command}: expected /{expect}/, the module answered {response:?} ({})",
                modem.last_failure.clone().unwrap_or_default()
            ));
        }
    }
    Ok(modem.log.clone())
}

// ---- helpers: AT argument parsing, PEM/DER, time ----

/// Split `a,"b,c",3` into `["a", "b,c", "3"]` (quotes removed).
pub fn args(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

pub fn unquote(s: &str) -> String {
    s.trim().trim_matches('"').to_string()
}

/// The DER of the first certificate in `bytes` (PEM or DER).
pub fn first_der(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.first() == Some(&0x30) {
        return Some(bytes.to_vec());
    }
    pem_blocks(bytes).into_iter().next().map(|(_, der)| der)
}

/// All PEM blocks: (label, DER).
pub fn pem_blocks(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    let mut label: Option<String> = None;
    let mut body = String::new();
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        if let Some(l) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|r| r.strip_suffix("-----"))
        {
            label = Some(l.to_string());
            body.clear();
        } else if line.starts_with("-----END ") {
            if let (Some(l), Ok(der)) = (label.take(), Base64::decode_vec(&body)) {
                out.push((l, der));
            }
        } else if label.is_some() {
            body.push_str(line.trim());
        }
    }
    out
}

fn not_before(der: &[u8]) -> Result<i64, String> {
    not_before_of(der)
}

fn not_before_of(der: &[u8]) -> Result<i64, String> {
    use x509_cert::der::Decode;
    let cert =
        x509_cert::Certificate::from_der(der).map_err(|e| format!("not a certificate: {e}"))?;
    Ok(cert
        .tbs_certificate
        .validity
        .not_before
        .to_unix_duration()
        .as_secs() as i64)
}

/// Whether the key file (PEM or DER) belongs to the certificate.
fn key_matches(cert_der: &[u8], key: &[u8]) -> bool {
    let inputs = vec![
        certpack::Input::from_bytes("cert.der", cert_der.to_vec()),
        certpack::Input::from_bytes("key", key.to_vec()),
    ];
    certpack::Bundle::load(&inputs, &certpack::LoadOptions::default())
        .ok()
        .and_then(|b| b.key_matches_leaf())
        .unwrap_or(false)
}

/// Verify an Azure SAS token with the device key: signature, and expiry after the module clock.
fn verify_sas(token: &str, key: &[u8], now: i64) -> Result<(), String> {
    let rest = token
        .strip_prefix("SharedAccessSignature ")
        .ok_or("the password is not a SAS token")?;
    let fields: BTreeMap<&str, &str> = rest
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .collect();
    let (sr, sig, se) = match (fields.get("sr"), fields.get("sig"), fields.get("se")) {
        (Some(a), Some(b), Some(c)) => (*a, *b, *c),
        _ => return Err("the SAS token lacks sr, sig or se".into()),
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(|_| "bad key")?;
    mac.update(format!("{sr}\n{se}").as_bytes());
    let expected = Base64::encode_string(&mac.finalize().into_bytes())
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    if sig != expected {
        return Err("the SAS signature is wrong".into());
    }
    let expiry: i64 = se.parse().map_err(|_| "se is not a number")?;
    if expiry <= now {
        return Err("the SAS token has expired".into());
    }
    Ok(())
}

/// Days since 1970-01-01 -> (year, month, day).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day, hour, minute, second).
pub fn parts(t: i64) -> (i64, i64, i64, i64, i64, i64) {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    (y, m, d, s / 3600, s % 3600 / 60, s % 60)
}

pub fn civil(t: i64) -> String {
    let (y, m, d, h, mi, s) = parts(t);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `yy/MM/dd,hh:mm:ss+00`.
pub fn cclk(t: i64) -> String {
    let (y, m, d, h, mi, s) = parts(t);
    format!("{:02}/{m:02}/{d:02},{h:02}:{mi:02}:{s:02}+00", y % 100)
}

/// Parse `yy/MM/dd,hh:mm:ss±zz` (2-digit years 70..99 are 19xx).
pub fn parse_cclk(text: &str) -> Option<i64> {
    let (date, time) = text.split_once(',')?;
    let d: Vec<i64> = date
        .split('/')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let time = time.get(..8)?;
    let t: Vec<i64> = time
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    if d.len() != 3 || t.len() != 3 {
        return None;
    }
    let year = if d[0] >= 70 { 1900 + d[0] } else { 2000 + d[0] };
    Some(days_from_civil(year, d[1], d[2]) * 86_400 + t[0] * 3600 + t[1] * 60 + t[2])
}

/// asctime-style, as ESP-AT prints `+CIPSNTPTIME:`.
pub fn asctime(t: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, m, d, h, mi, s) = parts(t);
    let wd = DAYS[t.div_euclid(86_400).rem_euclid(7) as usize];
    format!(
        "{wd} {} {d:>2} {h:02}:{mi:02}:{s:02} {y}",
        MONTHS[(m - 1) as usize]
    )
}

/// Quectel's XOR-16, written independently of certpack: big-endian pairs, odd byte high.
pub fn xor16(data: &[u8]) -> u16 {
    let mut sum = 0u16;
    let mut i = 0;
    while i < data.len() {
        let hi = data[i] as u16;
        let lo = if i + 1 < data.len() {
            data[i + 1] as u16
        } else {
            0
        };
        sum ^= (hi << 8) | lo;
        i += 2;
    }
    sum
}

pub fn upper_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
