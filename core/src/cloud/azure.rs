//! Azure IoT Hub: device connection strings (parsed and linted), SAS tokens (HMAC-SHA256 over the URL-encoded
//! resource and the expiry; the caller gives the expiry, the core never reads the clock), and the MQTT client id,
//! user name and password a device uses.

use std::fmt;

use base64ct::{Base64, Encoding};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, Result};

/// The MQTT `api-version` in the user name, as Azure's device SDKs send it.
pub const API_VERSION: &str = "2021-04-12";
/// Host suffixes of IoT Hub (global, China, US Gov, Germany clouds), with the leading dot.
pub const HUB_SUFFIXES: &[&str] = &[
    ".azure-devices.net",
    ".azure-devices.cn",
    ".azure-devices.us",
    ".azure-devices.de",
];
/// Host suffixes of the Device Provisioning Service.
pub const DPS_SUFFIXES: &[&str] = &[
    ".azure-devices-provisioning.net",
    ".azure-devices-provisioning.cn",
    ".azure-devices-provisioning.us",
];
/// Subject CN of the root Azure IoT Hub's server certificates chain to.
pub const ROOT_G2: &str = "DigiCert Global Root G2";
/// Subject CN of the root hubs used before the migration (expired 2025-05-12).
pub const ROOT_BALTIMORE: &str = "Baltimore CyberTrust Root";

/// A parsed device (or module) connection string.
#[derive(Clone)]
pub struct ConnectionString {
    /// `HostName`, e.g. `myhub.azure-devices.net`.
    pub host_name: String,
    /// `DeviceId`.
    pub device_id: String,
    /// `ModuleId`, for a module identity.
    pub module_id: Option<String>,
    /// `SharedAccessKeyName`, for a policy-based string.
    pub key_name: Option<String>,
    /// `SharedAccessKey` (base64), kept in a zeroizing buffer.
    pub key: Zeroizing<String>,
    /// What was repaired or looks unusual (quotes stripped, key length, ...).
    pub notes: Vec<String>,
}

impl fmt::Debug for ConnectionString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ConnectionString({}, {}, <key redacted>)",
            self.host_name, self.device_id
        )
    }
}

fn lint_error(message: impl Into<String>, hint: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidArgument, message, hint)
}

const WHERE: &str =
    "copy the device's Primary connection string from IoT Hub > Devices > <device> in the Azure portal, or run: az iot hub device-identity connection-string show -n <hub> -d <device>";

impl ConnectionString {
    /// Parse and lint `HostName=...;DeviceId=...;SharedAccessKey=...` (optional `ModuleId`,
    /// `SharedAccessKeyName`, `GatewayHostName`). Errors say which field is wrong and where to get a good one.
    pub fn parse(text: &str) -> Result<ConnectionString> {
        let mut notes = Vec::new();
        let mut t = text.trim();
        if t.len() != text.len() {
            notes.push("white space around the connection string was removed".to_string());
        }
        for q in ['"', '\''] {
            if let Some(inner) = t.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
                notes.push("quotes around the connection string were removed".to_string());
                t = inner.trim();
            }
        }
        let (mut host, mut device, mut module, mut key_name, mut key) =
            (None, None, None, None, None);
        for part in t.split(';').filter(|p| !p.trim().is_empty()) {
            let (name, value) = part.split_once('=').ok_or_else(|| {
                lint_error(
                    format!(
                        "the connection string part \"{}\" is not Name=Value",
                        redact(part)
                    ),
                    WHERE,
                )
            })?;
            let value = value.trim().to_string();
            let slot = match name.trim() {
                "HostName" => &mut host,
                "DeviceId" => &mut device,
                "ModuleId" => &mut module,
                "SharedAccessKeyName" => &mut key_name,
                "SharedAccessKey" => &mut key,
                "GatewayHostName" => {
                    notes.push(format!("GatewayHostName={value} is ignored: the device connects to the hub directly"));
                    continue;
                }
                "x509" => {
                    return Err(lint_error(
                        "this connection string is for an X.509 device (x509=true): it has no key to sign a SAS token",
                        "connect with the device certificate and key instead of a SAS token",
                    ))
                }
                other => {
                    return Err(lint_error(
                        format!("the connection string has an unknown field \"{other}\" (names are case-sensitive)"),
                        "the fields are HostName, DeviceId, ModuleId, SharedAccessKeyName and SharedAccessKey",
                    ))
                }
            };
            if slot.is_some() {
                return Err(lint_error(
                    format!("the field {} appears twice", name.trim()),
                    WHERE,
                ));
            }
            *slot = Some(value);
        }
        let host_name = host
            .filter(|h| !h.is_empty())
            .ok_or_else(|| lint_error("the connection string has no HostName", WHERE))?;
        crate::cloud::check_host(&host_name)?;
        if !HUB_SUFFIXES
            .iter()
            .any(|s| host_name.to_ascii_lowercase().ends_with(s))
        {
            notes.push(format!(
                "HostName {host_name} is not an IoT Hub host (<hub>.azure-devices.net)"
            ));
        }
        let device_id = match (device.filter(|d| !d.is_empty()), &key_name) {
            (Some(d), _) => d,
            (None, Some(policy)) => {
                return Err(lint_error(
                    format!("this is a hub-level connection string (policy {policy}), not a device connection string; a device must never hold it"),
                    WHERE,
                ))
            }
            (None, None) => return Err(lint_error("the connection string has no DeviceId", WHERE)),
        };
        let key = Zeroizing::new(key.unwrap_or_default());
        if key.is_empty() {
            return Err(lint_error(
                "the connection string has no SharedAccessKey",
                WHERE,
            ));
        }
        notes.extend(check_key(&key)?);
        Ok(ConnectionString {
            host_name,
            device_id,
            module_id: module.filter(|m| !m.is_empty()),
            key_name,
            key,
            notes,
        })
    }

    /// The resource URI a SAS token for this identity is scoped to (not yet URL-encoded).
    pub fn resource_uri(&self) -> String {
        resource_uri(&self.host_name, &self.device_id, self.module_id.as_deref())
    }
}

/// Show only the name of a `Name=Value` part (the value may be a key).
fn redact(part: &str) -> String {
    match part.split_once('=') {
        Some((n, _)) => format!("{n}=..."),
        None if part.len() > 12 => format!("{}...", part.get(..12).unwrap_or("")),
        None => part.to_string(),
    }
}

/// Check a base64 shared access key: it must decode, and Azure keys are 16 to 64 bytes (32 when generated).
/// Returns notes for unusual but usable keys.
pub fn check_key(key_base64: &str) -> Result<Vec<String>> {
    let decoded = decode_key(key_base64)?;
    let n = decoded.len();
    if !(16..=64).contains(&n) {
        return Err(lint_error(
            format!("the SharedAccessKey decodes to {n} bytes; Azure keys are 16 to 64 bytes"),
            "copy the whole key (it ends with '=' when generated by Azure); do not paste the connection string in its place",
        ));
    }
    Ok(if n == 32 || n == 64 {
        Vec::new()
    } else {
        vec![format!(
            "the SharedAccessKey is {n} bytes; keys Azure generates are 32 bytes"
        )]
    })
}

fn decode_key(key_base64: &str) -> Result<Zeroizing<Vec<u8>>> {
    let k = key_base64.trim();
    if k.contains("SharedAccessKey=") || k.contains("HostName=") {
        return Err(lint_error(
            "a connection string was given where the base64 key is expected",
            "give only the value after SharedAccessKey=, or give the whole string as the connection string",
        ));
    }
    Base64::decode_vec(k).map(Zeroizing::new).map_err(|_| {
        lint_error(
            "the SharedAccessKey is not valid base64 (standard alphabet with '=' padding)",
            "copy the key again without line breaks or spaces; it is used base64-decoded, never as text",
        )
    })
}

/// The resource URI of a device (`<host>/devices/<device>`) or module (`.../modules/<module>`) identity.
pub fn resource_uri(host: &str, device: &str, module: Option<&str>) -> String {
    match module {
        Some(m) => format!("{host}/devices/{device}/modules/{m}"),
        None => format!("{host}/devices/{device}"),
    }
}

/// Percent-encode everything except the RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`), upper-case hex:
/// what Python's `urllib.parse.quote(s, safe="")` and the Azure samples produce for IoT Hub names.
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A SAS token with the values that went into it (for firmware test vectors).
#[derive(Clone)]
pub struct SasToken {
    /// `sr`: the URL-encoded resource URI.
    pub resource: String,
    /// `se`: expiry, Unix seconds.
    pub expiry: i64,
    /// The signed text: `<sr>` + `\n` + `<se>`.
    pub string_to_sign: String,
    /// base64 HMAC-SHA256 of the string to sign with the base64-decoded key (before URL-encoding).
    pub signature: String,
    /// The complete `SharedAccessSignature sr=...&sig=...&se=...[&skn=...]` (the MQTT password).
    pub token: Zeroizing<String>,
}

impl fmt::Debug for SasToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SasToken(sr={}, se={}, <signature redacted>)",
            self.resource, self.expiry
        )
    }
}

/// Sign a SAS token for `resource_uri` (not URL-encoded; it is encoded here) with the base64 `key`, valid until
/// `expiry` (Unix seconds, chosen by the caller), optionally naming the policy `key_name` (`skn`).
pub fn sas_token(
    resource_uri: &str,
    key_base64: &str,
    expiry: i64,
    key_name: Option<&str>,
) -> Result<SasToken> {
    if expiry <= 0 {
        return Err(lint_error(
            format!("the SAS expiry {expiry} is not a time in the future"),
            "give the expiry as Unix seconds (e.g. now + 3600) or as 2030-01-01T00:00:00Z",
        ));
    }
    let key = decode_key(key_base64)?;
    let resource = url_encode(resource_uri);
    let string_to_sign = format!("{resource}\n{expiry}");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key)
        .map_err(|_| lint_error("the SAS key cannot be used as an HMAC key", "check the key"))?;
    mac.update(string_to_sign.as_bytes());
    let signature = Base64::encode_string(&mac.finalize().into_bytes());
    let mut token = format!(
        "SharedAccessSignature sr={resource}&sig={}&se={expiry}",
        url_encode(&signature)
    );
    if let Some(name) = key_name {
        token.push_str(&format!("&skn={}", url_encode(name)));
    }
    Ok(SasToken {
        resource,
        expiry,
        string_to_sign,
        signature,
        token: Zeroizing::new(token),
    })
}

/// What a device sends in MQTT CONNECT to IoT Hub.
#[derive(Clone)]
pub struct MqttCredentials {
    /// Client id: the device id (`<device>/<module>` for a module identity).
    pub client_id: String,
    /// User name: `<host>/<client id>/?api-version=2021-04-12`.
    pub username: String,
    /// Password: the SAS token, or empty for X.509 authentication.
    pub password: Zeroizing<String>,
    /// The device-to-cloud telemetry topic.
    pub telemetry_topic: String,
}

impl fmt::Debug for MqttCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MqttCredentials({}, {})", self.client_id, self.username)
    }
}

/// MQTT credentials for a device (or module) on `host`; `sas` is `None` for X.509 authentication.
pub fn mqtt_credentials(
    host: &str,
    device: &str,
    module: Option<&str>,
    sas: Option<&SasToken>,
) -> MqttCredentials {
    let client_id = match module {
        Some(m) => format!("{device}/{m}"),
        None => device.to_string(),
    };
    let telemetry_topic = match module {
        Some(m) => format!("devices/{device}/modules/{m}/messages/events/"),
        None => format!("devices/{device}/messages/events/"),
    };
    MqttCredentials {
        username: format!("{host}/{client_id}/?api-version={API_VERSION}"),
        client_id,
        password: sas.map_or_else(|| Zeroizing::new(String::new()), |s| s.token.clone()),
        telemetry_topic,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_quote_safe_empty() {
        assert_eq!(
            url_encode("a.b-c_d~e/f:g@h +"),
            "a.b-c_d~e%2Ff%3Ag%40h%20%2B"
        );
    }

    #[test]
    fn lint() {
        let ok = ConnectionString::parse(
            " \"HostName=myhub.azure-devices.net;DeviceId=dev1;SharedAccessKey=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\" ",
        )
        .unwrap();
        assert_eq!(
            (ok.host_name.as_str(), ok.device_id.as_str()),
            ("myhub.azure-devices.net", "dev1")
        );
        assert_eq!(ok.notes.len(), 2, "{:?}", ok.notes);
        assert!(!format!("{ok:?}").contains("AAEC"));
        let hub = ConnectionString::parse(
            "HostName=myhub.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        )
        .unwrap_err();
        assert!(hub.message().contains("hub-level"), "{hub}");
        let bad_key = ConnectionString::parse(
            "HostName=h.azure-devices.net;DeviceId=d;SharedAccessKey=not base64!",
        )
        .unwrap_err();
        assert!(bad_key.message().contains("base64"), "{bad_key}");
        let short =
            ConnectionString::parse("HostName=h.azure-devices.net;DeviceId=d;SharedAccessKey=AAEC")
                .unwrap_err();
        assert!(short.message().contains("3 bytes"), "{short}");
        let unknown =
            ConnectionString::parse("Hostname=h.azure-devices.net;DeviceId=d;SharedAccessKey=AAEC")
                .unwrap_err();
        assert!(unknown.message().contains("Hostname"), "{unknown}");
    }
}
