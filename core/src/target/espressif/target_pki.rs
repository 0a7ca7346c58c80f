//! ESP-AT v1.0 – v3.0.0.0 targets: one AtPKI bin per credential partition, placed per chip.

use super::atpki::{GroupOrder, ItemType, PkiBin};
use super::material::{self, Content, KeyFormat};
use super::partitions::{self, PkiTable};
use super::{esptool_command, sets, ESP_AT_CLOCK_HINT, SET};
use crate::artifact::{Artifact, Artifacts};
use crate::bundle::Bundle;
use crate::error::{Error, ErrorKind, Result};
use crate::target::{Capabilities, Family, ParamSpec, Params, Target};
use zeroize::Zeroizing;

/// An ESP-AT PKI-bin target for one chip; several flash layouts when the chip has them.
pub(super) struct PkiTarget {
    name: &'static str,
    summary: &'static str,
    /// `(flash-size value, table)`; the first is the default.
    layouts: &'static [(&'static str, &'static PkiTable)],
    params: &'static [ParamSpec],
    clock_hint: &'static str,
}

const QUIRK: ParamSpec = ParamSpec {
    name: "quirk-all-type-2",
    help: "type every item 0x02 like ESP-AT v2.2-v3.0 factory bins (the firmware does not check the type)",
    default: Some("false"),
};

const COMMON: [ParamSpec; 5] = [
    SET,
    material::CONTENT_PEM,
    material::KEY_FORMAT_AS_GIVEN,
    material::CHAIN,
    QUIRK,
];

const WITH_C2_SIZE: [ParamSpec; 6] = [
    COMMON[0],
    COMMON[1],
    COMMON[2],
    COMMON[3],
    COMMON[4],
    ParamSpec {
        name: "flash-size",
        help: "module flash size: 4MB or 2MB (2 MB builds have 4 KiB partitions at other offsets)",
        default: Some("4MB"),
    },
];

const WITH_8266_SIZE: [ParamSpec; 6] = [
    COMMON[0],
    COMMON[1],
    COMMON[2],
    COMMON[3],
    COMMON[4],
    ParamSpec {
        name: "flash-size",
        help: "module flash size: 1MB (4 KiB partitions) or 2MB and larger",
        default: Some("2MB"),
    },
];

/// ESP32 (WROOM-32, WROVER-32, D2WD, SDIO builds).
pub(super) const ESP32_AT: PkiTarget = PkiTarget {
    name: "esp32-at",
    summary:
        "ESP32 ESP-AT v1.0-v3.0: AtPKI bins client_*/mqtt_* (cert, key, CA) with flash offsets",
    layouts: &[("4MB", &partitions::ESP32)],
    params: &COMMON,
    clock_hint: ESP_AT_CLOCK_HINT,
};

/// ESP32-S2.
pub(super) const ESP32S2_AT: PkiTarget = PkiTarget {
    name: "esp32s2-at",
    summary: "ESP32-S2 ESP-AT v2.1-v3.0: AtPKI bins client_*/mqtt_* with flash offsets",
    layouts: &[("4MB", &partitions::ESP32S2)],
    params: &COMMON,
    clock_hint: ESP_AT_CLOCK_HINT,
};

/// ESP32-C3.
pub(super) const ESP32C3_AT: PkiTarget = PkiTarget {
    name: "esp32c3-at",
    summary: "ESP32-C3 ESP-AT v2.2-v3.0: AtPKI bins client_*/mqtt_* with flash offsets",
    layouts: &[("4MB", &partitions::ESP32C3)],
    params: &COMMON,
    clock_hint: ESP_AT_CLOCK_HINT,
};

/// ESP32-C2 (4 MB and 2 MB layouts).
pub(super) const ESP32C2_AT: PkiTarget = PkiTarget {
    name: "esp32c2-at",
    summary: "ESP32-C2 ESP-AT v3.0: AtPKI bins client_*/mqtt_* for 4 MB or 2 MB flash (flash-size)",
    layouts: &[
        ("4MB", &partitions::ESP32C2_4MB),
        ("2MB", &partitions::ESP32C2_2MB),
    ],
    params: &WITH_C2_SIZE,
    clock_hint: "after EVERY boot (ESP32-C2 loses SNTP time on reset) run AT+CIPSNTPCFG=1,0,\"pool.ntp.org\", wait for +TIME_UPDATED, check with AT+CIPSNTPTIME?",
};

/// ESP8266 with ESP-AT v2.x (RTOS SDK based).
pub(super) const ESP8266_AT: PkiTarget = PkiTarget {
    name: "esp8266-at",
    summary: "ESP8266 ESP-AT v2.x (RTOS SDK): AtPKI bins client_*/mqtt_* for 2 MB+ or 1 MB flash (flash-size)",
    layouts: &[
        ("2MB", &partitions::ESP8266),
        ("4MB", &partitions::ESP8266),
        ("8MB", &partitions::ESP8266),
        ("16MB", &partitions::ESP8266),
        ("1MB", &partitions::ESP8266_1MB),
    ],
    params: &WITH_8266_SIZE,
    clock_hint: ESP_AT_CLOCK_HINT,
};

impl PkiTarget {
    fn layout(&self, params: &Params) -> Result<&'static PkiTable> {
        let Some((default, table)) = self.layouts.first() else {
            return Err(Error::new(
                ErrorKind::Target,
                format!("target {} has no partition table", self.name),
                "",
            ));
        };
        let Some(wanted) = params.get("flash-size") else {
            return Ok(table);
        };
        let normalised = wanted.trim().to_ascii_uppercase().replace(' ', "");
        let normalised = if normalised.ends_with('M') {
            format!("{normalised}B")
        } else if normalised.chars().all(|c| c.is_ascii_digit()) {
            format!("{normalised}MB")
        } else {
            normalised
        };
        self.layouts
            .iter()
            .find(|(size, _)| *size == normalised)
            .map(|(_, table)| *table)
            .ok_or_else(|| {
                let known: Vec<&str> = self.layouts.iter().map(|(s, _)| *s).collect();
                Error::new(
                    ErrorKind::Target,
                    format!("target {}: flash-size \"{wanted}\" is not known", self.name),
                    format!("use one of {} (default {default})", known.join(", ")),
                )
            })
    }
}

impl Target for PkiTarget {
    fn name(&self) -> &'static str {
        self.name
    }
    fn family(&self) -> Family {
        Family::Espressif
    }
    fn summary(&self) -> &'static str {
        self.summary
    }
    fn params(&self) -> &'static [ParamSpec] {
        self.params
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            no_encrypted_keys: true,
            // The ESP32/ESP8266 RTC starts at the Unix epoch on power-on.
            power_on_clock: Some(0),
            set_clock_hint: self.clock_hint,
            ..Capabilities::default()
        }
    }
    pack_every_file!();
    /// The bins are always built; the README text only when `README.txt` is wanted.
    fn pack_wanted(
        &self,
        bundle: &Bundle,
        params: &Params,
        wanted: &dyn Fn(&str) -> bool,
    ) -> Result<Artifacts> {
        let table = self.layout(params)?;
        let options =
            material::Options::from_params(self.name, params, Content::Pem, KeyFormat::AsGiven)?;
        let all_type_2 = params.bool_or(self.name, "quirk-all-type-2", false)?;
        let mut creds = material::extract(bundle, &format!("target {}", self.name), options)?;
        let mut out = Artifacts::new(self.name);
        // Every set holds the same three bins: each is built once, and the last set takes it over.
        let mut built: [Option<Zeroizing<Vec<u8>>>; 3] = [None, None, None];
        // Descriptions, placements, commands and metadata are for manifest.json and README.txt.
        let described = wanted("manifest.json") || wanted("README.txt");
        let sets = sets(self.name, params)?;
        for (n, set) in sets.iter().enumerate() {
            let last_set = n + 1 == sets.len();
            let pieces: [(&str, ItemType, &[u8], bool, &str); 3] = [
                (
                    "cert",
                    ItemType::Cert,
                    &creds.cert,
                    false,
                    "device certificate",
                ),
                ("key", ItemType::Key, &creds.key, true, "device private key"),
                (
                    "ca",
                    ItemType::Ca,
                    &creds.ca,
                    false,
                    "server root CA certificate",
                ),
            ];
            for ((suffix, kind, content, secret, what), slot) in pieces.into_iter().zip(&mut built)
            {
                let name = format!("{set}_{suffix}");
                let part = table.find(&name).ok_or_else(|| {
                    Error::new(
                        ErrorKind::Target,
                        format!("the {} table has no {name} partition", table.label),
                        "choose another set",
                    )
                })?;
                let bin = match slot {
                    Some(bin) => bin,
                    None => slot.insert(build_bin(kind, content, all_type_2)?),
                };
                let file = format!("{name}.bin");
                if bin.len() > part.size as usize {
                    return Err(Error::new(
                        ErrorKind::TooLarge,
                        format!(
                            "{file} is {} bytes but the {name} partition of {} holds {} bytes",
                            bin.len(),
                            table.label,
                            part.size
                        ),
                        if options.content == Content::Pem {
                            "use --param content=der (about 25% smaller), a smaller key (RSA 2048 or EC P-256), or chain=false"
                        } else {
                            "use a smaller key (RSA 2048 or EC P-256) or a smaller certificate"
                        },
                    ));
                }
                let bytes = if last_set {
                    std::mem::take(&mut **bin)
                } else {
                    bin.to_vec()
                };
                let type_code = if all_type_2 { 0x02 } else { kind.code() };
                let mut artifact = if described {
                    let at_command = format!("AT+SYSFLASH=1,\"{name}\",0,{}", bytes.len());
                    Artifact::new(
                        file,
                        bytes,
                        format!(
                            "AtPKI bin: {what}, {} ({} content bytes, type 0x{type_code:02x}, id 0)",
                            match options.content {
                                Content::Pem => "PEM",
                                Content::Der => "DER",
                            },
                            content.len()
                        ),
                    )
                    .flash(name, part.offset, part.size)
                    .at_command(at_command)
                    .meta("content", options.content.name())
                    .meta("item_type", format!("0x{type_code:02x}"))
                    .meta("content_length", content.len().to_string())
                } else {
                    Artifact::new(file, bytes, "")
                };
                if secret {
                    artifact = artifact.secret();
                }
                out.push(artifact);
            }
        }
        for bin in built.iter_mut().flatten() {
            crate::wipe::wipe_zeroizing(bin);
        }
        crate::wipe::wipe_zeroizing(&mut creds.key);
        out.notes = creds.notes;
        if all_type_2 {
            out.notes.push(
                "every item is typed 0x02, like ESP-AT v2.2-v3.0 factory bins (quirk-all-type-2=true)".into(),
            );
        }
        if wanted("README.txt") {
            out.readme = readme(table, &out, self.clock_hint);
        }
        Ok(out)
    }
}

/// One AtPKI bin holding `content`; the intermediate copy inside the `PkiBin` is wiped fast.
fn build_bin(kind: ItemType, content: &[u8], all_type_2: bool) -> Result<Zeroizing<Vec<u8>>> {
    let mut pki = PkiBin::from_args(&[(kind, content)], GroupOrder::Python3, all_type_2);
    let bin = pki.to_bytes();
    for item in &mut pki.items {
        crate::wipe::wipe_zeroizing(&mut item.content);
    }
    bin
}

fn readme(table: &PkiTable, out: &Artifacts, clock_hint: &str) -> String {
    let placements: Vec<(u32, &str)> = out
        .files
        .iter()
        .filter_map(|a| a.flash.as_ref().map(|f| (f.offset, a.name.as_str())))
        .collect();
    let mut lines = vec![format!(
        "ESP-AT PKI bins for {}, in the format of Espressif's AtPKI.py generate_bin.",
        table.label
    )];
    if table.esptool_chip != "esp8266" {
        lines.push(
            "ESP-AT v3.1.0.0 and later have no PKI partitions: use --target esp-at-v3 for those."
                .into(),
        );
    }
    lines.extend([
        String::new(),
        "Flash them (module in download mode; add --port PORT if esptool does not find it):".into(),
        format!("  {}", esptool_command(table.esptool_chip, &placements)),
        String::new(),
        "Or write them at run time, per bin: erase, then send exactly the bin's bytes after \">\":"
            .into(),
    ]);
    for a in &out.files {
        if let Some(f) = &a.flash {
            lines.push(format!(
                "  AT+SYSFLASH=0,\"{p}\"  then  AT+SYSFLASH=1,\"{p}\",0,{}  ({})",
                a.bytes.len(),
                a.name,
                p = f.partition,
            ));
        }
    }
    lines.extend([
        String::new(),
        "Use them:".into(),
        "  TLS sockets: AT+CIPSSLCCONF=3,0,0  (mutual authentication, pki_number 0, ca_number 0)".into(),
        "  MQTT:        AT+MQTTUSERCFG=0,5,\"<client_id>\",\"\",\"\",0,0,\"\"  (scheme 5: verify the server, send the client certificate)".into(),
        format!("Certificate dates are checked, so set the clock: {clock_hint}"),
        "The offsets are the stock firmware's; a custom build may differ: AT+SYSFLASH? prints the partition table.".into(),
    ]);
    lines.join("\n") + "\n"
}
