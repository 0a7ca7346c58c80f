//! ESP-AT v3.1+ `AT+SYSMFG` writes: certificates as binary NVS values in the `mfg_nvs` partition at run time.

use crate::at::Step;

/// An NVS namespace/key pair the ESP-AT firmware reads a credential from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// NVS namespace, e.g. `client_cert`.
    pub namespace: &'static str,
    /// NVS key, e.g. `client_cert.0` (MQTT uses the namespace name as key).
    pub key: &'static str,
}

/// TLS client sockets, PKI set 0 (`AT+CIPSSLCCONF` index 0).
pub const CLIENT_CERT: Slot = Slot {
    namespace: "client_cert",
    key: "client_cert.0",
};
/// TLS client key, set 0.
pub const CLIENT_KEY: Slot = Slot {
    namespace: "client_key",
    key: "client_key.0",
};
/// TLS client CA, set 0.
pub const CLIENT_CA: Slot = Slot {
    namespace: "client_ca",
    key: "client_ca.0",
};
/// MQTT client certificate (one set; key named like the namespace).
pub const MQTT_CERT: Slot = Slot {
    namespace: "mqtt_cert",
    key: "mqtt_cert",
};
/// MQTT client key.
pub const MQTT_KEY: Slot = Slot {
    namespace: "mqtt_key",
    key: "mqtt_key",
};
/// MQTT CA.
pub const MQTT_CA: Slot = Slot {
    namespace: "mqtt_ca",
    key: "mqtt_ca",
};

/// One `AT+SYSMFG=2,...` write step: type 8 (binary), exactly `bytes.len()` raw bytes after `>`.
pub fn write_step(slot: Slot, file: &str, bytes: &[u8], secret: bool) -> Step {
    Step::new(
        write_command(slot, bytes.len()),
        format!(
            "write {file} ({} bytes, binary) to NVS {}/{}",
            bytes.len(),
            slot.namespace,
            slot.key
        ),
    )
    .payload(file, bytes, ">", secret)
    .timeout_ms(10_000)
}

/// The `AT+SYSMFG` command that writes `len` bytes into `slot` (the payload follows after `>`).
pub fn write_command(slot: Slot, len: usize) -> String {
    format!(
        "AT+SYSMFG=2,\"{}\",\"{}\",8,{len}",
        slot.namespace, slot.key
    )
}

/// The three slots one TLS client reads: certificate, key and CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotSet {
    /// `client` or `mqtt`.
    pub name: &'static str,
    /// Where the device certificate goes.
    pub cert: Slot,
    /// Where the private key goes.
    pub key: Slot,
    /// Where the server's root CA goes.
    pub ca: Slot,
}

/// TLS client sockets (`AT+CIPSSLCCONF=3,0,0` selects PKI set 0 and CA 0).
pub const CLIENT_SET: SlotSet = SlotSet {
    name: "client",
    cert: CLIENT_CERT,
    key: CLIENT_KEY,
    ca: CLIENT_CA,
};

/// The MQTT client (`AT+MQTTUSERCFG` scheme 5 with cert_key_ID 0 and CA_ID 0).
pub const MQTT_SET: SlotSet = SlotSet {
    name: "mqtt",
    cert: MQTT_CERT,
    key: MQTT_KEY,
    ca: MQTT_CA,
};

/// `AT+SYSMFG?`: lists the namespaces; `ERROR` means the firmware predates AT+SYSMFG (ESP-AT < v3.1).
pub fn probe_step() -> Step {
    Step::new(
        "AT+SYSMFG?",
        "list the mfg_nvs namespaces (ERROR here: the firmware is older than ESP-AT v3.1 and has no AT+SYSMFG; use the PKI-bin targets such as esp32-at)",
    )
    .expect("OK")
}
