//! Espressif targets: ESP-AT PKI bins (ESP-AT ≤ v3.0), ESP-AT v3.1+ `mfg_nvs` + `AT+SYSMFG`, ESP8266 NONOS cert
//! sectors. One file per container format (`atpki`, `nvs`, `nonos`), the per-chip tables in `partitions`, and one
//! file per kind of target.

pub mod atpki;
mod material;
pub mod nonos;
pub mod nvs;
pub mod partitions;
pub mod sysmfg;
mod target_nonos;
mod target_pki;
mod target_v3;

use super::{ParamSpec, Params, Target};
use crate::error::{Error, ErrorKind, Result};

/// The Espressif targets, in listing order.
pub(crate) const TARGETS: [&dyn Target; 7] = [
    &target_pki::ESP32_AT,
    &target_pki::ESP32S2_AT,
    &target_pki::ESP32C3_AT,
    &target_pki::ESP32C2_AT,
    &target_pki::ESP8266_AT,
    &target_v3::EspAtV3,
    &target_nonos::Esp8266Nonos,
];

/// Which credential sets to write: TLS client sockets, the MQTT client, or both.
pub(crate) const SET: ParamSpec = ParamSpec {
    name: "set",
    help:
        "which ESP-AT slots to fill: client (AT+CIPSSLCCONF sockets), mqtt (AT+MQTTUSERCFG) or both",
    default: Some("both"),
};

/// The `set` parameter: `["client"]`, `["mqtt"]` or `["client", "mqtt"]`.
fn sets(target: &str, params: &Params) -> Result<&'static [&'static str]> {
    match params.str_or("set", "both") {
        "both" => Ok(&["client", "mqtt"]),
        "client" => Ok(&["client"]),
        "mqtt" => Ok(&["mqtt"]),
        other => Err(Error::new(
            ErrorKind::Target,
            format!("target {target}: set \"{other}\" is not known"),
            "use client, mqtt or both",
        )),
    }
}

/// `esptool.py --chip esp32 write_flash 0x2a000 client_cert.bin ...`.
fn esptool_command(chip: &str, placements: &[(u32, &str)]) -> String {
    let mut cmd = format!("esptool.py --chip {chip} write_flash");
    for (offset, file) in placements {
        cmd.push_str(&format!(" 0x{offset:x} {file}"));
    }
    cmd
}

/// Hint for setting the clock of ESP-AT firmware (certificate dates are checked).
const ESP_AT_CLOCK_HINT: &str = "before connecting run AT+CIPSNTPCFG=1,0,\"pool.ntp.org\", wait for +TIME_UPDATED, check with AT+CIPSNTPTIME?";
