//! Default flash placement of the credential partitions in Espressif's AT firmware: the secondary partition table
//! (`at_customize.csv`) of ESP-AT v1.0 – v3.0.0.0 per chip, and the `mfg_nvs` partition of ESP-AT v3.1+.
//!
//! Custom builds can move them: `AT+SYSFLASH?` on the device prints the real table.

/// One partition of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// Partition name, e.g. `client_cert`.
    pub name: &'static str,
    /// Subtype in the table (type is always `0x40`); not unique across chips, identify partitions by name.
    pub subtype: u8,
    /// Flash offset in bytes.
    pub offset: u32,
    /// Size in bytes.
    pub size: u32,
}

/// A secondary partition table (`at_customize.csv`) of ESP-AT ≤ v3.0.0.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PkiTable {
    /// Which firmware/module this is, for messages (`ESP32 (ESP-AT v2.x/v3.0)`).
    pub label: &'static str,
    /// The `--chip` argument of esptool.
    pub esptool_chip: &'static str,
    /// The partitions holding credentials and factory data, in table order.
    pub partitions: &'static [Partition],
}

impl PkiTable {
    /// The partition called `name`, if this table has it.
    pub fn find(&self, name: &str) -> Option<&'static Partition> {
        self.partitions.iter().find(|p| p.name == name)
    }
}

const K: u32 = 1024;

const fn p(name: &'static str, subtype: u8, offset: u32, size: u32) -> Partition {
    Partition {
        name,
        subtype,
        offset,
        size,
    }
}

/// ESP32 (module_esp32_default, wrover-32, d2wd, sdio), ESP-AT v1.0 – v3.0.0.0; at_customize at 0x20000.
pub const ESP32: PkiTable = PkiTable {
    label: "ESP32 (ESP-AT v1.0 - v3.0.0.0)",
    esptool_chip: "esp32",
    partitions: &[
        p("ble_data", 1, 0x21000, 12 * K),
        p("server_cert", 2, 0x24000, 8 * K),
        p("server_key", 3, 0x26000, 8 * K),
        p("server_ca", 4, 0x28000, 8 * K),
        p("client_cert", 5, 0x2A000, 8 * K),
        p("client_key", 6, 0x2C000, 8 * K),
        p("client_ca", 7, 0x2E000, 8 * K),
        p("factory_param", 8, 0x30000, 4 * K),
        p("wpa2_cert", 9, 0x31000, 8 * K),
        p("wpa2_key", 10, 0x33000, 8 * K),
        p("wpa2_ca", 11, 0x35000, 8 * K),
        p("mqtt_cert", 12, 0x37000, 8 * K),
        p("mqtt_key", 13, 0x39000, 8 * K),
        p("mqtt_ca", 14, 0x3B000, 8 * K),
    ],
};

/// ESP32-S2, ESP-AT v2.1.0.0 – v3.0.0.0.
pub const ESP32S2: PkiTable = PkiTable {
    label: "ESP32-S2 (ESP-AT v2.1 - v3.0.0.0)",
    esptool_chip: "esp32s2",
    partitions: &[
        p("server_cert", 2, 0x21000, 8 * K),
        p("server_key", 3, 0x23000, 8 * K),
        p("server_ca", 4, 0x25000, 8 * K),
        p("client_cert", 5, 0x27000, 8 * K),
        p("client_key", 6, 0x29000, 8 * K),
        p("client_ca", 7, 0x2B000, 8 * K),
        p("factory_param", 8, 0x2D000, 4 * K),
        p("wpa2_cert", 9, 0x2E000, 8 * K),
        p("wpa2_key", 10, 0x30000, 8 * K),
        p("wpa2_ca", 11, 0x32000, 8 * K),
        p("mqtt_cert", 12, 0x34000, 8 * K),
        p("mqtt_key", 13, 0x36000, 8 * K),
        p("mqtt_ca", 14, 0x38000, 8 * K),
    ],
};

/// ESP32-C3, ESP-AT v2.2.0.0_esp32c3 – v3.0.0.0; at_customize at 0x1E000.
pub const ESP32C3: PkiTable = PkiTable {
    label: "ESP32-C3 (ESP-AT v2.2 - v3.0.0.0)",
    esptool_chip: "esp32c3",
    partitions: &[
        p("ble_data", 1, 0x1F000, 24 * K),
        p("server_cert", 2, 0x25000, 8 * K),
        p("server_key", 3, 0x27000, 8 * K),
        p("server_ca", 4, 0x29000, 8 * K),
        p("client_cert", 5, 0x2B000, 8 * K),
        p("client_key", 6, 0x2D000, 8 * K),
        p("client_ca", 7, 0x2F000, 8 * K),
        p("factory_param", 8, 0x31000, 4 * K),
        p("wpa2_cert", 9, 0x32000, 8 * K),
        p("wpa2_key", 10, 0x34000, 8 * K),
        p("wpa2_ca", 11, 0x36000, 8 * K),
        p("mqtt_cert", 12, 0x38000, 8 * K),
        p("mqtt_key", 13, 0x3A000, 8 * K),
        p("mqtt_ca", 14, 0x3C000, 8 * K),
    ],
};

/// ESP32-C2 with 4 MB flash, ESP-AT v3.0.0.0 (subtypes renumbered).
pub const ESP32C2_4MB: PkiTable = PkiTable {
    label: "ESP32-C2 4 MB (ESP-AT v3.0.0.0)",
    esptool_chip: "esp32c2",
    partitions: &[
        p("server_cert", 1, 0x1F000, 8 * K),
        p("server_key", 2, 0x21000, 8 * K),
        p("server_ca", 3, 0x23000, 8 * K),
        p("client_cert", 4, 0x25000, 8 * K),
        p("client_key", 5, 0x27000, 8 * K),
        p("client_ca", 6, 0x29000, 8 * K),
        p("factory_param", 7, 0x2B000, 4 * K),
        p("wpa2_cert", 8, 0x2C000, 8 * K),
        p("wpa2_key", 9, 0x2E000, 8 * K),
        p("wpa2_ca", 10, 0x30000, 8 * K),
        p("mqtt_cert", 11, 0x32000, 8 * K),
        p("mqtt_key", 12, 0x34000, 8 * K),
        p("mqtt_ca", 13, 0x36000, 8 * K),
        p("ble_data", 14, 0x38000, 24 * K),
    ],
};

/// ESP32-C2 with 2 MB flash, ESP-AT v3.0.0.0: 4 KiB credential partitions; at_customize at 0x1A000.
pub const ESP32C2_2MB: PkiTable = PkiTable {
    label: "ESP32-C2 2 MB (ESP-AT v3.0.0.0)",
    esptool_chip: "esp32c2",
    partitions: &[
        p("factory_param", 1, 0x1B000, 4 * K),
        p("server_cert", 2, 0x1C000, 4 * K),
        p("server_key", 3, 0x1D000, 4 * K),
        p("server_ca", 4, 0x1E000, 4 * K),
        p("client_cert", 5, 0x1F000, 4 * K),
        p("client_key", 6, 0x20000, 4 * K),
        p("client_ca", 7, 0x21000, 4 * K),
        p("wpa2_cert", 8, 0x22000, 4 * K),
        p("wpa2_key", 9, 0x23000, 4 * K),
        p("wpa2_ca", 10, 0x24000, 4 * K),
        p("mqtt_cert", 11, 0x25000, 4 * K),
        p("mqtt_key", 12, 0x26000, 4 * K),
        p("mqtt_ca", 13, 0x27000, 4 * K),
        p("ble_data", 14, 0x28000, 8 * K),
    ],
};

/// ESP8266 AT v2.x (esp-at release/v2.x_esp8266, RTOS SDK), 2 MB+ flash map; at_customize at 0xF0000.
/// Subtypes collide (factory_param and wpa2_cert are both 8).
pub const ESP8266: PkiTable = PkiTable {
    label: "ESP8266 2 MB+ (ESP-AT v2.x for ESP8266)",
    esptool_chip: "esp8266",
    partitions: &[
        p("factory_param", 8, 0xF1000, 4 * K),
        p("server_cert", 2, 0xF2000, 8 * K),
        p("server_key", 3, 0xF4000, 8 * K),
        p("server_ca", 4, 0xF6000, 8 * K),
        p("client_cert", 5, 0xF8000, 8 * K),
        p("client_key", 6, 0xFA000, 8 * K),
        p("client_ca", 7, 0xFC000, 8 * K),
        p("wpa2_cert", 8, 0xFE000, 8 * K),
        p("wpa2_key", 9, 0x100000, 8 * K),
        p("wpa2_ca", 10, 0x102000, 8 * K),
        p("mqtt_cert", 11, 0x104000, 8 * K),
        p("mqtt_key", 12, 0x106000, 8 * K),
        p("mqtt_ca", 13, 0x108000, 8 * K),
    ],
};

/// ESP8266 AT v2.x with 1 MB flash: 4 KiB partitions, no server_* or wpa2_*; at_customize at 0x18000.
pub const ESP8266_1MB: PkiTable = PkiTable {
    label: "ESP8266 1 MB (ESP-AT v2.x for ESP8266)",
    esptool_chip: "esp8266",
    partitions: &[
        p("factory_param", 8, 0x19000, 4 * K),
        p("client_cert", 5, 0x1A000, 4 * K),
        p("client_key", 6, 0x1B000, 4 * K),
        p("client_ca", 7, 0x1C000, 4 * K),
        p("mqtt_cert", 11, 0x1D000, 4 * K),
        p("mqtt_key", 12, 0x1E000, 4 * K),
        p("mqtt_ca", 13, 0x1F000, 4 * K),
    ],
};

/// Where the `mfg_nvs` partition of ESP-AT v3.1+ sits on one module family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MfgNvs {
    /// The `chip` parameter value (`esp32`, `esp32c2-2mb`, ...).
    pub key: &'static str,
    /// Modules, for messages.
    pub label: &'static str,
    /// The `--chip` argument of esptool.
    pub esptool_chip: &'static str,
    /// Flash offset in bytes.
    pub offset: u32,
    /// Partition size in bytes.
    pub size: u32,
}

const fn m(
    key: &'static str,
    label: &'static str,
    esptool_chip: &'static str,
    offset: u32,
    size: u32,
) -> MfgNvs {
    MfgNvs {
        key,
        label,
        esptool_chip,
        offset,
        size,
    }
}

/// `mfg_nvs` placement per module family (ESP-AT default branch; data/nvs).
pub const MFG_NVS: &[MfgNvs] = &[
    m(
        "esp32",
        "ESP32 (default, WROVER-32, D2WD, SDIO)",
        "esp32",
        0x21000,
        112 * K,
    ),
    m("esp32s2", "ESP32-S2", "esp32s2", 0x21000, 112 * K),
    m(
        "esp32c3",
        "ESP32-C3 (default, SPI)",
        "esp32c3",
        0x1F000,
        124 * K,
    ),
    m("esp32c2", "ESP32-C2 4 MB", "esp32c2", 0x1F000, 124 * K),
    m(
        "esp32c2-2mb",
        "ESP32-C2 2 MB (incl. -ble, -g2)",
        "esp32c2",
        0x1B000,
        60 * K,
    ),
    m("esp32c6", "ESP32-C6", "esp32c6", 0x1F000, 124 * K),
    m("esp32c5", "ESP32-C5", "esp32c5", 0x31000, 124 * K),
    m("esp32c61", "ESP32-C61", "esp32c61", 0x31000, 124 * K),
];

/// The `mfg_nvs` placement for a `chip` parameter value.
pub fn mfg_nvs(key: &str) -> Option<&'static MfgNvs> {
    MFG_NVS.iter().find(|m| m.key == key)
}
