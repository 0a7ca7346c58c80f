//! Cellular and Wi-Fi module targets: the upload payloads (exact bytes, in the form each family accepts), the
//! integrity value each module prints back, and a complete commented AT script (text and JSON steps) that
//! uploads the credentials, binds the TLS context, sets the clock, connects over MQTT and publishes a test
//! message. One file per family; this file holds the parameters and helpers they share.

mod esp_at;
mod nrf91;
mod quectel;
mod sequans;
mod sierra;
mod simcom;
mod telit;
mod ublox;

use zeroize::Zeroizing;

use super::{Capabilities, ParamSpec, Params, Target};
use crate::artifact::{Artifact, Artifacts};
use crate::at::{Script, Step};
use crate::bundle::Bundle;
use crate::cert::Certificate;
use crate::cloud::{self, aws, azure, Cloud};
use crate::encode::{Eol, PemStyle};
use crate::error::{Error, ErrorKind, Result};
use crate::key::KeyAlgorithm;
use crate::time::Timestamp;
use crate::wipe::SecretBytes;

/// The module targets, in listing order.
pub(super) const TARGETS: [&dyn Target; 9] = [
    &quectel::Quectel,
    &simcom::Sim7080,
    &simcom::Sim7600,
    &ublox::Ublox,
    &nrf91::Nrf91,
    &esp_at::EspAt,
    &telit::Telit,
    &sequans::Sequans,
    &sierra::SierraHl78,
];

/// Parameters every module target takes.
pub(crate) const COMMON: [ParamSpec; 13] = [
    ParamSpec { name: "endpoint", help: "broker host name: <prefix>-ats.iot.<region>.amazonaws.com or <hub>.azure-devices.net (required)", default: None },
    ParamSpec { name: "port", help: "broker port (AWS: 8883, or 443 where the module can send ALPN)", default: Some("8883") },
    ParamSpec { name: "client-id", help: "MQTT client id (AWS: first 10 hex digits of the certificate ID; Azure: the device id)", default: None },
    ParamSpec { name: "topic", help: "topic of the test message (Azure: devices/<device>/messages/events/)", default: Some("certpack/test") },
    ParamSpec { name: "message", help: "the test message (families that send it inside an AT string refuse quotes)", default: Some("hello from certpack") },
    ParamSpec { name: "apn", help: "APN to define on the data context (cellular; the network's default when not given)", default: None },
    ParamSpec { name: "ntp-server", help: "NTP server that sets the module clock before TLS", default: Some("pool.ntp.org") },
    ParamSpec { name: "set-time", help: "set the module clock to this UTC time (2025-06-01T12:00:00Z) instead of network time", default: None },
    ParamSpec { name: "device-id", help: "Azure device id (default: from the connection string, or the certificate's CN)", default: None },
    ParamSpec { name: "module-id", help: "Azure module identity id, when the module connects as a module", default: None },
    ParamSpec { name: "connection-string", help: "Azure device connection string: authenticate with a SAS token instead of X.509 (SECRET)", default: None },
    ParamSpec { name: "sas-key", help: "Azure device key (base64): SAS token instead of X.509 (SECRET)", default: None },
    ParamSpec { name: "sas-expiry", help: "SAS token expiry, Unix seconds or 2030-01-01T00:00:00Z (required with SAS)", default: None },
];

/// Concatenate the common parameters with a family's own (for `Target::params`).
pub(crate) const fn with_common<const N: usize, const M: usize>(
    own: [ParamSpec; N],
) -> [ParamSpec; M] {
    let mut out = [COMMON[0]; M];
    let mut i = 0;
    while i < M {
        out[i] = if i < COMMON.len() {
            COMMON[i]
        } else {
            own[i - COMMON.len()]
        };
        i += 1;
    }
    out
}

/// Default of the `topic` parameter.
const DEFAULT_TOPIC: &str = "certpack/test";
/// Default of the `message` parameter.
const DEFAULT_MESSAGE: &str = "hello from certpack";

/// Typical power-on clock of Qualcomm-based cellular modules and u-blox SARA-R4: the GPS epoch 1980-01-06.
pub(crate) const GPS_EPOCH: i64 = 315_964_800;

/// What a family supports, for [`Plan::new`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Support {
    /// The family can send an ALPN protocol name (needed for AWS MQTT on port 443).
    pub alpn: bool,
    /// The family's MQTT client takes a user name and password (Azure SAS).
    pub password: bool,
    /// The family's key store takes only RSA keys.
    pub rsa_only: bool,
}

/// How the device authenticates.
pub(crate) enum Auth<'a> {
    /// Client certificate and key (AWS, Azure X.509).
    X509 {
        /// The device certificate.
        leaf: &'a Certificate,
        /// Intermediates in issuing order (sent after the leaf where the family takes a chain).
        chain: Vec<&'a Certificate>,
        /// The private key (RSA or EC), uploaded in its traditional form (PKCS#1 `RSA PRIVATE KEY`, SEC1
        /// `EC PRIVATE KEY`).
        key: &'a crate::key::PrivateKey,
    },
    /// Azure SAS token as the MQTT password.
    Sas {
        /// The token.
        token: Zeroizing<String>,
    },
}

/// How the script gets the clock right.
pub(crate) enum Clock {
    /// Network time (NTP or NITZ, per family), from this NTP server where the family uses NTP.
    Network(String),
    /// Set explicitly to this time.
    Set(Timestamp),
}

/// Everything a family needs to write its script: resolved parameters, the chosen root and the credentials.
pub(crate) struct Plan<'a> {
    /// Broker host.
    pub host: String,
    /// Which cloud it is.
    pub cloud: Cloud,
    /// Broker port.
    pub port: u16,
    /// ALPN name required on this port (AWS 443).
    pub alpn: Option<&'static str>,
    /// MQTT client id.
    pub client_id: String,
    /// MQTT user name (Azure), if any.
    pub username: Option<String>,
    /// Test topic.
    pub topic: String,
    /// Test message.
    pub message: String,
    /// APN, if given.
    pub apn: Option<String>,
    /// Clock source.
    pub clock: Clock,
    /// The year the module clock must at least show before TLS (latest notBefore of the certificates used).
    pub min_year: i32,
    /// The server root CA.
    pub root: &'a Certificate,
    /// Client authentication.
    pub auth: Auth<'a>,
    /// Choices made, for the README and the user.
    pub notes: Vec<String>,
}

fn param_error(target: &str, message: String, hint: impl Into<String>) -> Error {
    Error::new(
        ErrorKind::Target,
        format!("target {target}: {message}"),
        hint,
    )
}

impl<'a> Plan<'a> {
    /// Resolve parameters and credentials for `target`.
    pub fn new(
        bundle: &'a Bundle,
        params: &Params,
        target: &str,
        support: Support,
    ) -> Result<Plan<'a>> {
        let host = cloud::check_host(params.require(
            target,
            "endpoint",
            "abc123-ats.iot.eu-west-1.amazonaws.com",
        )?)?
        .to_ascii_lowercase();
        let cloud = Cloud::detect(&host);
        let port = u16::try_from(params.u32_or(target, "port", 8883)?)
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| {
                param_error(
                    target,
                    "port must be 1 to 65535".into(),
                    "e.g. --param port=8883",
                )
            })?;
        let mut notes = Vec::new();
        let alpn = match &cloud {
            Cloud::Aws(endpoint) => {
                endpoint.require_data_ats()?;
                aws::alpn_for_port(aws::Protocol::Mqtt, port)?
            }
            Cloud::AzureDps => {
                return Err(param_error(target, format!("{host} is the Device Provisioning Service; these scripts connect to an IoT Hub"), "provision the device first and give the assigned hub: --param endpoint=<hub>.azure-devices.net"));
            }
            Cloud::AzureHub { .. } if port != 8883 => {
                return Err(param_error(
                    target,
                    format!("Azure IoT Hub takes MQTT over TLS on port 8883, not {port}"),
                    "use --param port=8883",
                ));
            }
            _ => None,
        };
        if alpn.is_some() && !support.alpn {
            return Err(param_error(
                target,
                format!(
                    "AWS IoT needs ALPN {} on port 443, and this module's script cannot set it",
                    alpn.unwrap_or_default()
                ),
                "use --param port=8883",
            ));
        }
        let sas_given =
            params.get("connection-string").is_some() || params.get("sas-key").is_some();
        let is_azure = matches!(cloud, Cloud::AzureHub { .. });
        if sas_given && !is_azure {
            return Err(param_error(
                target,
                "SAS tokens are for Azure IoT Hub only".into(),
                "remove connection-string/sas-key, or give an <hub>.azure-devices.net endpoint",
            ));
        }
        let (auth, device_id, module_id) = if sas_given {
            if !support.password {
                return Err(param_error(
                    target,
                    "this family's script supports X.509 authentication only".into(),
                    "give the device certificate and key instead of a SAS key",
                ));
            }
            let (auth, device, module, mut sas_notes) = sas_auth(params, target, &host)?;
            notes.append(&mut sas_notes);
            (auth, Some(device), module)
        } else {
            let auth = x509_auth(bundle, target, support)?;
            let device = match (&auth, is_azure) {
                (Auth::X509 { leaf, .. }, true) => Some(params.get("device-id").map(str::to_string).map_or_else(|| common_name(leaf).ok_or_else(|| param_error(target, "the device certificate has no CN to use as the Azure device id".into(), "give --param device-id=<device id>")), Ok)?),
                _ => None,
            };
            (auth, device, params.get("module-id").map(str::to_string))
        };
        let root = choose_root(bundle, &cloud, &auth, &mut notes)?;
        let (client_id, username, topic_default) = match (&cloud, &device_id) {
            (Cloud::AzureHub { .. }, Some(device)) => {
                let creds = azure::mqtt_credentials(&host, device, module_id.as_deref(), None);
                (creds.client_id, Some(creds.username), creds.telemetry_topic)
            }
            _ => {
                let id = match (params.get("client-id"), &auth) {
                    (Some(id), _) => id.to_string(),
                    (None, Auth::X509 { leaf, .. }) => {
                        leaf.sha256_hex().get(..10).unwrap_or_default().to_string()
                    }
                    (None, Auth::Sas { .. }) => {
                        return Err(param_error(
                            target,
                            "no client id".into(),
                            "give --param client-id=<id>",
                        ))
                    }
                };
                (id, None, DEFAULT_TOPIC.to_string())
            }
        };
        if let (Some(given), Cloud::AzureHub { .. }) = (params.get("client-id"), &cloud) {
            if given != client_id {
                return Err(param_error(target, format!("Azure IoT Hub requires the client id {client_id} (the device id), not {given}"), "drop --param client-id, or set device-id"));
            }
        }
        let topic = params.get("topic").map_or(topic_default, str::to_string);
        if is_azure && !topic.starts_with("devices/") {
            return Err(param_error(target, format!("Azure IoT Hub accepts device-to-cloud messages only on devices/<device>/messages/events/, not {topic}"), "drop --param topic"));
        }
        let message = params.str_or("message", DEFAULT_MESSAGE).to_string();
        let apn = params
            .get("apn")
            .filter(|a| !a.is_empty())
            .map(str::to_string);
        let min_year = certificates_min_year(root, &auth);
        let clock = match params.get("set-time") {
            Some(t) => {
                let ts = Timestamp::parse(t)?;
                if year_of(ts) < min_year {
                    return Err(param_error(target, format!("set-time {ts} is before {min_year}, when the certificates in use become valid"), "give the current UTC time"));
                }
                Clock::Set(ts)
            }
            None => Clock::Network(params.str_or("ntp-server", "pool.ntp.org").to_string()),
        };
        for (name, value) in [
            ("client id", client_id.as_str()),
            ("topic", topic.as_str()),
            ("APN", apn.as_deref().unwrap_or("")),
            ("NTP server", params.str_or("ntp-server", "")),
        ] {
            check_quotable(target, name, value)?;
        }
        if let Auth::Sas { token } = &auth {
            check_quotable(target, "SAS token", token)?;
        }
        Ok(Plan {
            host,
            cloud,
            port,
            alpn,
            client_id,
            username,
            topic,
            message,
            apn,
            clock,
            min_year,
            root,
            auth,
            notes,
        })
    }

    /// The cloud's display name.
    pub fn cloud_name(&self) -> &'static str {
        match self.cloud {
            Cloud::Aws(_) => "AWS IoT Core",
            Cloud::AzureHub { .. } => "Azure IoT Hub",
            _ => "MQTT broker",
        }
    }

    /// Script title: family, cloud, endpoint.
    pub fn title(&self, family: &str) -> String {
        format!(
            "{family} -> {} {}:{}",
            self.cloud_name(),
            self.host,
            self.port
        )
    }

    /// The SAS password, if SAS authentication is used.
    pub fn password(&self) -> Option<&str> {
        match &self.auth {
            Auth::Sas { token } => Some(token.as_str()),
            Auth::X509 { .. } => None,
        }
    }

    /// The MQTT user name and password as a command quotes them: empty where there is none (X.509 on AWS).
    pub fn login(&self) -> (&str, &str) {
        (
            self.username.as_deref().unwrap_or(""),
            self.password().unwrap_or(""),
        )
    }

    /// True when a client certificate and key are uploaded.
    pub fn is_x509(&self) -> bool {
        matches!(self.auth, Auth::X509 { .. })
    }

    /// The root certificate as PEM in `eol` with a final line break.
    pub fn root_pem(&self, eol: Eol) -> Result<Vec<u8>> {
        Ok(pem_cert(self.root, eol)?.as_bytes().to_vec())
    }

    /// The client certificate as PEM (`with_chain`: followed by the intermediates), or `None` for SAS.
    pub fn client_pem(&self, eol: Eol, with_chain: bool) -> Result<Option<Vec<u8>>> {
        let Auth::X509 { leaf, chain, .. } = &self.auth else {
            return Ok(None);
        };
        let mut text = pem_cert(leaf, eol)?.into_owned();
        if with_chain {
            for c in chain {
                text.push_str(&pem_cert(c, eol)?);
            }
        }
        Ok(Some(text.into_bytes()))
    }

    /// The private key as PEM (PKCS#1 `RSA PRIVATE KEY` or SEC1 `EC PRIVATE KEY`, no parameters block).
    pub fn key_pem(&self, eol: Eol) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let Auth::X509 { key, .. } = &self.auth else {
            return Ok(None);
        };
        key.traditional_pem_in(PemStyle {
            eol,
            final_newline: true,
        })
        .map(Some)
    }

    /// Note that the chain is (or is not) sent with the client certificate.
    pub fn chain_note(&mut self, sent: bool) {
        if let Auth::X509 { chain, .. } = &self.auth {
            if !chain.is_empty() {
                self.notes.push(if sent {
                    format!("the client certificate file holds the device certificate followed by {} intermediate(s), so the server can build the chain", chain.len())
                } else {
                    format!("only the device certificate is uploaded; this family stores one certificate, so register the {} intermediate(s) with the cloud", chain.len())
                });
            }
        }
    }
}

fn pem_cert(cert: &Certificate, eol: Eol) -> Result<std::borrow::Cow<'_, str>> {
    cert.pem_in(PemStyle {
        eol,
        final_newline: true,
    })
}

fn x509_auth<'a>(bundle: &'a Bundle, target: &str, support: Support) -> Result<Auth<'a>> {
    let purpose = format!("target {target} (X.509 authentication)");
    let leaf = bundle.require_leaf(&purpose)?;
    let key = bundle.require_key(&purpose)?;
    if bundle.key_matches_leaf() == Some(false) {
        return Err(Error::new(
            ErrorKind::Missing,
            "the private key does not belong to the device certificate; the module would fail the TLS handshake",
            "give the key that was created with this certificate (same <id> prefix in the AWS download)",
        ));
    }
    match key.algorithm() {
        KeyAlgorithm::Ec { .. } if support.rsa_only => {
            return Err(Error::new(ErrorKind::UnsupportedKey, format!("target {target} stores RSA private keys only, and this key is {}", key.algorithm()), "create the device certificate with an RSA 2048 key (AWS console: Create certificate; Azure: openssl genrsa)"));
        }
        KeyAlgorithm::Rsa { .. } | KeyAlgorithm::Ec { .. } => {}
        other => {
            return Err(Error::new(
                ErrorKind::UnsupportedKey,
                format!("target {target}: modules cannot use a {other} key"),
                "use an RSA 2048 or EC P-256 key",
            ));
        }
    }
    let chain = bundle.chain().filter_map(|i| i.certificate()).collect();
    Ok(Auth::X509 { leaf, chain, key })
}

fn sas_auth(
    params: &Params,
    target: &str,
    host: &str,
) -> Result<(Auth<'static>, String, Option<String>, Vec<String>)> {
    let expiry_text = params.require(target, "sas-expiry", "2030-01-01T00:00:00Z")?;
    let expiry = Timestamp::parse(expiry_text)?.0;
    let (device, module, key, key_name, notes) = match params.get("connection-string") {
        Some(cs) => {
            let parsed = azure::ConnectionString::parse(cs)?;
            if !parsed.host_name.eq_ignore_ascii_case(host) {
                return Err(param_error(
                    target,
                    format!(
                        "the connection string is for {}, but the endpoint is {host}",
                        parsed.host_name
                    ),
                    format!("use --param endpoint={}", parsed.host_name),
                ));
            }
            let notes = parsed.notes.clone();
            (
                parsed.device_id.clone(),
                parsed.module_id.clone(),
                parsed.key.clone(),
                parsed.key_name.clone(),
                notes,
            )
        }
        None => {
            let key = Zeroizing::new(
                params
                    .require(target, "sas-key", "<base64 key>")?
                    .to_string(),
            );
            let notes = azure::check_key(&key)?;
            let device = params.require(target, "device-id", "mydevice")?.to_string();
            (
                device,
                params.get("module-id").map(str::to_string),
                key,
                None,
                notes,
            )
        }
    };
    check_quotable(target, "device id", &device)?;
    let resource = azure::resource_uri(host, &device, module.as_deref());
    let sas = azure::sas_token(&resource, &key, expiry, key_name.as_deref())?;
    Ok((Auth::Sas { token: sas.token }, device, module, notes))
}

/// The subject CN of `cert`, if it has one.
pub(crate) fn common_name(cert: &Certificate) -> Option<String> {
    cert.subject_text()
        .split(',')
        .find_map(|part| part.trim().strip_prefix("CN=").map(str::to_string))
}

fn has_cn(cert: &Certificate, cn: &str) -> bool {
    common_name(cert).as_deref() == Some(cn)
}

/// Pick the server root for the endpoint from the bundle's roots.
fn choose_root<'a>(
    bundle: &'a Bundle,
    cloud: &Cloud,
    auth: &Auth<'_>,
    notes: &mut Vec<String>,
) -> Result<&'a Certificate> {
    let roots: Vec<&Certificate> = bundle.roots().filter_map(|i| i.certificate()).collect();
    let find = |cn: &str| roots.iter().find(|c| has_cn(c, cn)).copied();
    match cloud {
        Cloud::Aws(_) => {
            if let Some(ca1) = find(aws::ROOT_CA_1) {
                return Ok(ca1);
            }
            let ec_key = matches!(auth, Auth::X509 { key, .. } if matches!(key.algorithm(), KeyAlgorithm::Ec { .. }));
            match find(aws::ROOT_CA_3) {
                Some(ca3) if ec_key => {
                    notes.push("Amazon Root CA 1 is not in the bundle, so Amazon Root CA 3 (ECC) is uploaded: it validates the server only when the module negotiates an ECDSA cipher suite; add AmazonRootCA1.pem if the connection fails".into());
                    Ok(ca3)
                }
                _ => Err(bundle.missing("the endpoint is an AWS IoT ATS endpoint, which these modules validate with Amazon Root CA 1, and the bundle does not have it", "add AmazonRootCA1.pem (https://www.amazontrust.com/repository/AmazonRootCA1.pem) to the inputs")),
            }
        }
        Cloud::AzureHub { .. } => find(azure::ROOT_G2).ok_or_else(|| {
            let baltimore = if find(azure::ROOT_BALTIMORE).is_some() { " (Baltimore CyberTrust Root is there, but Azure moved away from it and it expired 2025-05-12)" } else { "" };
            bundle.missing(format!("Azure IoT Hub's server chain ends at DigiCert Global Root G2, and the bundle does not have it{baltimore}"), "add DigiCertGlobalRootG2.crt.pem (https://cacerts.digicert.com/DigiCertGlobalRootG2.crt.pem) to the inputs")
        }),
        _ => {
            let root = bundle.server_root().and_then(|i| i.certificate()).ok_or_else(|| bundle.missing("the module needs the broker's root CA, and the bundle has none", "add the root CA certificate that issued the broker's server certificate"))?;
            notes.push(format!("the endpoint is not AWS IoT or Azure IoT Hub; the bundle's root {} is uploaded as the server root", common_name(root).unwrap_or_else(|| root.subject())));
            Ok(root)
        }
    }
}

fn year_of(ts: Timestamp) -> i32 {
    ts.rfc3339()
        .get(..4)
        .and_then(|y| y.parse().ok())
        .unwrap_or(1970)
}

/// The latest notBefore year among the certificates the module validates or presents.
fn certificates_min_year(root: &Certificate, auth: &Auth<'_>) -> i32 {
    let mut year = year_of(root.not_before());
    if let Auth::X509 { leaf, chain, .. } = auth {
        for c in std::iter::once(*leaf).chain(chain.iter().copied()) {
            year = year.max(year_of(c.not_before()));
        }
    }
    year.max(2000)
}

/// Refuse values that cannot go inside a quoted AT string parameter.
pub(crate) fn check_quotable(target: &str, what: &str, value: &str) -> Result<()> {
    if value.contains('"') || value.contains('\r') || value.contains('\n') {
        return Err(param_error(target, format!("the {what} contains a quote or line break, which cannot be sent inside an AT string"), format!("choose a {what} without \" and line breaks")));
    }
    Ok(())
}

/// Regular expression for a two-digit number in `lo..=hi`.
fn two_digits(lo: i32, hi: i32) -> String {
    let (lt, lu, ht, hu) = (lo / 10, lo % 10, hi / 10, hi % 10);
    if lt == ht {
        return format!("{lt}[{lu}-{hu}]");
    }
    let mut alts = vec![format!("{lt}[{lu}-9]")];
    if lt + 1 < ht {
        alts.push(format!("[{}-{}][0-9]", lt + 1, ht - 1));
    }
    alts.push(format!("{ht}[0-{hu}]"));
    format!("(?:{})", alts.join("|"))
}

/// Regex for a two-digit year (`yy` as in `+CCLK: "yy/MM/dd,...`) from `min_year` to 2069; 70..99 read as 19xx.
pub(crate) fn yy_at_least(min_year: i32) -> String {
    two_digits((min_year - 2000).clamp(0, 69), 69)
}

/// Regex for a four-digit year from `min_year` to 2099.
pub(crate) fn yyyy_at_least(min_year: i32) -> String {
    format!("20{}", two_digits((min_year - 2000).clamp(0, 99), 99))
}

/// `AT+CCLK="yy/MM/dd,hh:mm:ss+00"` (3GPP 27.007, UTC).
pub(crate) fn cclk_set(ts: Timestamp) -> String {
    let t = ts.rfc3339();
    let part = |a: usize, b: usize| t.get(a..b).unwrap_or("00").to_string();
    format!(
        "AT+CCLK=\"{}/{}/{},{}+00\"",
        part(2, 4),
        part(5, 7),
        part(8, 10),
        part(11, 19)
    )
}

/// The `AT+CCLK?` step that stops the script when the clock is still at its power-on value.
pub(crate) fn cclk_check(min_year: i32) -> Step {
    Step::new(
        "AT+CCLK?",
        format!("the clock must show {min_year} or later before TLS, or certificate validity checks fail (a 1980/1970 clock is the typical cause of an opaque TLS error)"),
    )
    .expect(format!("\\+CCLK: \"{}/", yy_at_least(min_year)))
}

/// A payload file with its size and integrity values as metadata.
pub(crate) fn payload_artifact(
    name: &str,
    bytes: &[u8],
    description: &str,
    secret: bool,
) -> Artifact {
    let a = Artifact::new(name, bytes.to_vec(), description).meta("size", bytes.len().to_string());
    if secret {
        a.secret()
    } else {
        a
    }
}

/// Finish a target's output: payload files, then `script.txt` and `steps.json`, each rendered only when `wanted`.
/// The script's steps are built (`script` called) only when one of the two is, and the README text (`readme`)
/// only when `README.txt` is: a batch that keeps only the payloads builds neither.
pub(crate) fn finish(
    target: &str,
    plan: &Plan,
    files: Vec<Artifact>,
    readme: impl FnOnce() -> String,
    wanted: &dyn Fn(&str) -> bool,
    script: impl FnOnce() -> Script,
) -> Artifacts {
    let mut out = Artifacts::new(target);
    out.files = files;
    if wanted("README.txt") {
        out.readme = readme();
    }
    out.notes = plan.notes.clone();
    let (text_wanted, json_wanted) = (wanted("script.txt"), wanted("steps.json"));
    if !text_wanted {
        out.left_out.push("script.txt".into());
    }
    if !json_wanted {
        out.left_out.push("steps.json".into());
    }
    if !(text_wanted || json_wanted) {
        return out;
    }
    let mut script = script();
    let already = script.preamble.iter().any(|l| l.starts_with("SECRET"));
    let text_secret = already
        || plan.password().is_some()
        || script
            .steps
            .iter()
            .any(|s| s.command.contains("PRIVATE KEY"));
    if text_secret && !already {
        script.preamble.insert(0, "SECRET: this file contains the private key or a SAS token. Keep it off shared drives and out of version control.".into());
    }
    if text_wanted {
        let text = Artifact::new(
            "script.txt",
            script.to_text(),
            "the AT script: commands with the expected response next to each",
        );
        out.push(if text_secret { text.secret() } else { text });
    }
    if json_wanted {
        let json_secret = text_secret || script.has_secret();
        if json_secret {
            script.title = format!("{} (SECRET: contains key material)", script.title);
        }
        let json = Artifact::new("steps.json", script.to_json(), "the same steps as JSON (command, payload base64, expect regex, timeout) for a factory script");
        out.push(if json_secret { json.secret() } else { json });
    }
    out
}

/// The README text shared by all families, after the family's own lines.
pub(crate) fn readme(plan: &Plan, family_lines: &str) -> String {
    format!(
        "{family_lines}\n\nscript.txt lists every command with the response to expect; steps.json has the same steps for a \
factory script (send `command` + CR; after `prompt`, send the payload bytes exactly; read until `expect` matches \
(regular expression search) or `timeout_ms` passes; an ERROR is acceptable only where `may_fail` is true).\n\
Server root: {} (chosen for {}). The clock must read {} or later before TLS.",
        common_name(plan.root).unwrap_or_else(|| plan.root.subject()),
        plan.host,
        plan.min_year
    )
}

/// Capabilities shared by module families: keys are written decrypted; the rest per family.
pub(crate) fn capabilities(
    power_on_clock: Option<i64>,
    set_clock_hint: &'static str,
    rsa_only: bool,
) -> Capabilities {
    Capabilities {
        rsa_only,
        no_p384: false,
        max_rsa_bits: 0,
        no_encrypted_keys: true,
        power_on_clock,
        set_clock_hint,
    }
}

/// What an uploaded credential is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The server root CA.
    Ca,
    /// The client certificate (and chain).
    Cert,
    /// The client private key.
    Key,
}

/// One credential to upload: the file name on the module (and in the output folder) and the exact bytes.
pub(crate) struct Upload {
    /// What it is.
    pub kind: Kind,
    /// File name (module side and output folder).
    pub file: String,
    /// The exact bytes (wiped when dropped: one may be the key).
    pub bytes: SecretBytes,
}

impl Upload {
    /// True for the private key.
    pub fn secret(&self) -> bool {
        self.kind == Kind::Key
    }
    /// One line describing the file.
    pub fn description(&self) -> &'static str {
        match self.kind {
            Kind::Ca => "server root CA certificate",
            Kind::Cert => "device certificate",
            Kind::Key => "device private key",
        }
    }
    /// The payload artifact with its size.
    pub fn artifact(&self) -> Artifact {
        payload_artifact(&self.file, &self.bytes, self.description(), self.secret())
    }
}

impl<'a> Plan<'a> {
    /// The PEM uploads (CA, then client certificate and key for X.509) with these file names.
    pub fn pem_uploads(
        &mut self,
        eol: Eol,
        with_chain: bool,
        names: [&str; 3],
    ) -> Result<Vec<Upload>> {
        let mut out = vec![Upload {
            kind: Kind::Ca,
            file: names[0].into(),
            bytes: SecretBytes::new(self.root_pem(eol)?),
        }];
        if let Some(cert) = self.client_pem(eol, with_chain)? {
            out.push(Upload {
                kind: Kind::Cert,
                file: names[1].into(),
                bytes: SecretBytes::new(cert),
            });
        }
        if let Some(mut key) = self.key_pem(eol)? {
            out.push(Upload {
                kind: Kind::Key,
                file: names[2].into(),
                bytes: SecretBytes::new(std::mem::take(&mut *key)),
            });
        }
        self.chain_note(with_chain);
        Ok(out)
    }
}

/// The test message as an artifact (it is a sized payload in most scripts).
pub(crate) fn message_artifact(plan: &Plan) -> Artifact {
    payload_artifact(
        "message.txt",
        plan.message.as_bytes(),
        "the test message published at the end of the script",
        false,
    )
}

/// Upper/lower-case-insensitive regex for a hex string (JavaScript has no inline `(?i)`).
pub(crate) fn hex_any_case(hex: &str) -> String {
    hex.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase())
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Clock steps for families that take network time (NITZ) automatically: enable time-zone/time updates, or set
/// the time explicitly; then check it.
pub(crate) fn nitz_or_set_clock(s: &mut Script, plan: &Plan) {
    match &plan.clock {
        Clock::Network(_) => s.push(Step::new("AT+CTZU=1", "take the time from the network (NITZ) once registered; if the check below fails, the network sends no time: re-create the script with --param set-time=<now>")),
        Clock::Set(t) => {
            s.push(Step::new("AT+CTZU=0", "do not let the network overwrite the time set next"));
            s.push(Step::new(cclk_set(*t), format!("set the clock to {t} (UTC)")));
        }
    }
    s.push(cclk_check(plan.min_year).timeout_ms(10_000));
}

/// Escape `text` for use inside a regular expression.
pub(crate) fn re_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Parse the `eol` parameter.
pub(crate) fn eol_param(params: &Params, target: &str, default: &str) -> Result<Eol> {
    match params.str_or("eol", default) {
        "lf" => Ok(Eol::Lf),
        "crlf" => Ok(Eol::CrLf),
        other => Err(param_error(
            target,
            format!("eol \"{other}\" is not known"),
            "use lf or crlf",
        )),
    }
}

/// The `eol` parameter spec.
pub(crate) const EOL: ParamSpec = ParamSpec {
    name: "eol",
    help: "line ending of the uploaded PEM files: lf or crlf",
    default: Some("lf"),
};

/// A numeric parameter that must lie in `min..=max` (context ids, slots, profiles).
pub(crate) fn ranged(
    params: &Params,
    target: &str,
    name: &str,
    default: u32,
    min: u32,
    max: u32,
) -> Result<u32> {
    let v = params.u32_or(target, name, default)?;
    if v < min || v > max {
        return Err(param_error(
            target,
            format!("{name} {v} is out of range"),
            format!("use {min} to {max}"),
        ));
    }
    Ok(v)
}

/// Refuse a payload over the family's size limit, naming the sizes.
pub(crate) fn check_size(target: &str, file: &str, len: usize, max: usize) -> Result<()> {
    if len > max {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!(
                "target {target}: {file} is {len} bytes, over the module's limit of {max} bytes"
            ),
            "use a shorter chain (upload only the certificate the module needs) or a smaller key",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_patterns() {
        assert_eq!(yy_at_least(2024), "(?:2[4-9]|[3-5][0-9]|6[0-9])");
        assert_eq!(yyyy_at_least(2024), "20(?:2[4-9]|[3-8][0-9]|9[0-9])");
        assert_eq!(yy_at_least(2065), "6[5-9]");
        assert_eq!(
            cclk_set(Timestamp::parse("2025-06-01T12:34:56Z").unwrap()),
            "AT+CCLK=\"25/06/01,12:34:56+00\""
        );
    }
}
