//! Espressif targets: ESP-AT PKI bins, ESP-AT v3 `mfg_nvs` + `AT+SYSMFG`, ESP8266 NONOS cert sectors.

pub mod sysmfg;
