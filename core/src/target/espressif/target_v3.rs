//! ESP-AT v3.1.0.0+ target: the credentials as raw PEM blobs in the `mfg_nvs` NVS partition, both as an
//! `AT+SYSMFG` write sequence (run time) and as a partition image (flashing).

use super::material::{self, Content, KeyFormat};
use super::nvs::{NvsEntry, NvsImage, PAGE_SIZE};
use super::partitions::{self, MfgNvs};
use super::sysmfg::{self, SlotSet, CLIENT_SET, MQTT_SET};
use super::{esptool_command, sets, ESP_AT_CLOCK_HINT, SET};
use crate::artifact::{Artifact, Artifacts};
use crate::at::Script;
use crate::bundle::Bundle;
use crate::error::{Error, ErrorKind, Result};
use crate::target::{parse_u32, Capabilities, Family, ParamSpec, Params, Target};

/// The `esp-at-v3` target.
pub(super) struct EspAtV3;

const NAME: &str = "esp-at-v3";

const PARAMS: [ParamSpec; 6] = [
    ParamSpec {
        name: "chip",
        help: "module family, for the mfg_nvs offset: esp32, esp32s2, esp32c3, esp32c2, esp32c2-2mb, esp32c6, esp32c5, esp32c61",
        default: Some("esp32"),
    },
    SET,
    material::KEY_FORMAT_AS_GIVEN,
    material::CHAIN,
    ParamSpec {
        name: "mfg-offset",
        help: "mfg_nvs flash offset, when the partition table differs from the stock one (AT+SYSFLASH? prints it)",
        default: None,
    },
    ParamSpec {
        name: "mfg-size",
        help: "mfg_nvs partition size in bytes (multiple of 4096), with mfg-offset",
        default: None,
    },
];

/// The three files (payloads) and where they go.
const FILES: [(&str, &str); 3] = [
    ("cert.pem", "device certificate"),
    ("key.pem", "device private key"),
    ("ca.pem", "server root CA certificate"),
];

fn slot_sets(names: &[&str]) -> Vec<SlotSet> {
    names
        .iter()
        .map(|n| if *n == "mqtt" { MQTT_SET } else { CLIENT_SET })
        .collect()
}

/// Placement from `chip`, `mfg-offset` and `mfg-size`.
fn placement(params: &Params) -> Result<(MfgNvs, bool)> {
    let chip = params.str_or("chip", "esp32");
    let stock = partitions::mfg_nvs(chip).copied().ok_or_else(|| {
        let known: Vec<&str> = partitions::MFG_NVS.iter().map(|m| m.key).collect();
        Error::new(
            ErrorKind::Target,
            format!("target {NAME}: chip \"{chip}\" is not known"),
            format!("use one of {}", known.join(", ")),
        )
    })?;
    let number = |name: &str| -> Result<Option<u32>> {
        params
            .get(name)
            .map(|v| {
                parse_u32(v).ok_or_else(|| {
                    Error::new(
                        ErrorKind::Target,
                        format!("target {NAME}: {name} must be a number, not \"{v}\""),
                        format!("e.g. --param {name}=0x{:x}", stock.offset),
                    )
                })
            })
            .transpose()
    };
    let offset = number("mfg-offset")?;
    let size = number("mfg-size")?;
    let custom = offset.is_some() || size.is_some();
    let chosen = MfgNvs {
        offset: offset.unwrap_or(stock.offset),
        size: size.unwrap_or(stock.size),
        ..stock
    };
    if chosen.offset % PAGE_SIZE as u32 != 0 || chosen.size % PAGE_SIZE as u32 != 0 {
        return Err(Error::new(
            ErrorKind::Target,
            format!(
                "target {NAME}: mfg_nvs offset 0x{:x} and size {} must be multiples of 4096",
                chosen.offset, chosen.size
            ),
            "copy them from AT+SYSFLASH? (the mfg_nvs line)",
        ));
    }
    Ok((chosen, custom))
}

impl Target for EspAtV3 {
    fn name(&self) -> &'static str {
        NAME
    }
    fn family(&self) -> Family {
        Family::Espressif
    }
    fn summary(&self) -> &'static str {
        "ESP-AT v3.1+: AT+SYSMFG write script (text + JSON) and mfg_nvs.bin NVS image with the cert, key and CA"
    }
    fn params(&self) -> &'static [ParamSpec] {
        &PARAMS
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            no_encrypted_keys: true,
            power_on_clock: Some(0),
            set_clock_hint: ESP_AT_CLOCK_HINT,
            ..Capabilities::default()
        }
    }
    fn pack(&self, bundle: &Bundle, params: &Params) -> Result<Artifacts> {
        let (place, custom) = placement(params)?;
        let set_names = sets(NAME, params)?;
        let options =
            material::Options::from_params(NAME, params, Content::Pem, KeyFormat::AsGiven)?;
        let creds = material::extract(bundle, &format!("target {NAME}"), options)?;
        let contents: [&[u8]; 3] = [&creds.cert, &creds.key, &creds.ca];
        let slots = slot_sets(set_names);

        let mut image = NvsImage::default();
        let mut script = Script::new(format!(
            "ESP-AT v3.1+ ({}): write the device certificate, private key and server root CA with AT+SYSMFG",
            place.label
        ));
        script.preamble = vec![
            "Needs ESP-AT v3.1.0.0 or later (AT+SYSMFG). Older firmware: use the esp32-at style targets (PKI bins).".into(),
            "Each payload is the exact bytes of the named file: PEM text, LF line endings, no NUL.".into(),
        ];
        script.push(sysmfg::probe_step());
        for set in &slots {
            for (slot, (file, _), content) in [set.cert, set.key, set.ca]
                .into_iter()
                .zip(FILES)
                .zip(contents)
                .map(|((s, f), c)| (s, f, c))
            {
                image
                    .entries
                    .push(NvsEntry::blob(slot.namespace, slot.key, content));
                script.push(sysmfg::write_step(slot, file, content, file == "key.pem"));
            }
        }
        let blob_bytes: usize = contents.iter().map(|c| c.len()).sum::<usize>() * slots.len();
        let nvs = image.to_bytes(place.size as usize).map_err(|e| {
            if e.kind() == ErrorKind::TooLarge {
                Error::new(
                    ErrorKind::TooLarge,
                    format!(
                        "the credentials ({blob_bytes} bytes in {} blobs) do not fit the {} bytes of the mfg_nvs partition",
                        image.entries.len(),
                        place.size
                    ),
                    "give the real partition size with --param mfg-size (AT+SYSFLASH? prints it), or write with AT+SYSMFG instead",
                )
            } else {
                e
            }
        })?;

        let mut out = Artifacts::new(NAME);
        for ((file, what), content) in FILES.into_iter().zip(contents) {
            let uses: Vec<String> = slots
                .iter()
                .map(|s| {
                    let slot = match file {
                        "cert.pem" => s.cert,
                        "key.pem" => s.key,
                        _ => s.ca,
                    };
                    format!("{}/{}", slot.namespace, slot.key)
                })
                .collect();
            let first = script
                .steps
                .iter()
                .find(|s| s.payload.as_ref().is_some_and(|p| p.file == file))
                .map(|s| s.command.clone())
                .unwrap_or_default();
            let mut a = Artifact::new(
                file,
                content.to_vec(),
                format!(
                    "{what}, PEM ({} bytes): the AT+SYSMFG payload",
                    content.len()
                ),
            )
            .at_command(first)
            .meta("nvs_keys", uses.join(" "));
            if file == "key.pem" {
                a = a.secret();
            }
            out.push(a);
        }
        out.push(
            Artifact::new(
                "mfg_nvs.bin",
                nvs.to_vec(),
                format!(
                    "mfg_nvs NVS partition image ({} pages) holding the three PEM blobs",
                    place.size as usize / PAGE_SIZE
                ),
            )
            .secret()
            .flash("mfg_nvs", place.offset, place.size),
        );
        out.push(Artifact::new(
            "mfg_nvs.csv",
            generator_csv(&slots),
            "the same image as an esp-idf-nvs-partition-gen CSV (to add factory_param rows and regenerate)",
        ));
        out.push(Artifact::new(
            "sysmfg.txt",
            script.to_text(),
            "AT+SYSMFG commands with exact payload lengths (payload bytes are in the .pem files)",
        ));
        let mut json_script = script.clone();
        json_script.title = format!(
            "{} - SECRET: payload_base64 holds the private key",
            script.title
        );
        out.push(
            Artifact::new(
                "sysmfg.json",
                json_script.to_json(),
                "the AT+SYSMFG steps as JSON with base64 payloads, for a factory script",
            )
            .secret(),
        );
        out.notes = creds.notes;
        if custom {
            out.notes.push(format!(
                "mfg_nvs placement from parameters: offset 0x{:x}, {} bytes",
                place.offset, place.size
            ));
        }
        out.notes.push("flashing mfg_nvs.bin replaces the WHOLE mfg_nvs partition, including the stock factory_param and ble_data namespaces; prefer the AT+SYSMFG script on a stock module".into());
        out.readme = readme(&place, &slots, &script);
        Ok(out)
    }
}

/// The CSV Espressif's generator takes for the same image.
fn generator_csv(slots: &[SlotSet]) -> String {
    let mut csv = String::from("key,type,encoding,value\n");
    for set in slots {
        for (slot, (file, _)) in [set.cert, set.key, set.ca].into_iter().zip(FILES) {
            csv.push_str(&format!("{},namespace,,\n", slot.namespace));
            csv.push_str(&format!("{},file,binary,{file}\n", slot.key));
        }
    }
    csv
}

fn readme(place: &MfgNvs, slots: &[SlotSet], script: &Script) -> String {
    let mut lines = vec![
        format!(
            "ESP-AT v3.1.0.0 and later keep certificates as raw PEM blobs in the mfg_nvs NVS partition ({}).",
            place.label
        ),
        String::new(),
        "A. At run time, no reflashing (recommended on a stock module): send the commands of sysmfg.txt".into(),
        "   (or drive sysmfg.json from a factory script). After each \">\" send exactly the file's bytes:".into(),
    ];
    for step in &script.steps {
        if let Some(p) = &step.payload {
            lines.push(format!(
                "   {}  <- {} ({} bytes)",
                step.command,
                p.file,
                p.bytes.len()
            ));
        }
    }
    lines.extend([
        String::new(),
        "B. Flash the whole partition (module in download mode; add --port PORT if esptool does not find it):".into(),
        format!(
            "   {}",
            esptool_command(place.esptool_chip, &[(place.offset, "mfg_nvs.bin")])
        ),
        "   This REPLACES all of mfg_nvs, including the stock factory_param (module name, UART, Wi-Fi power)".into(),
        "   and ble_data namespaces. To keep them, add their rows to mfg_nvs.csv and regenerate with Espressif's".into(),
        format!(
            "   generator: python -m esp_idf_nvs_partition_gen generate mfg_nvs.csv mfg_nvs.bin 0x{:x}",
            place.size
        ),
        String::new(),
        "Use them:".into(),
    ]);
    for set in slots {
        lines.push(if set.name == "mqtt" {
            "  MQTT:        AT+MQTTUSERCFG=0,5,\"<client_id>\",\"\",\"\",0,0,\"\"  (scheme 5; keys mqtt_cert, mqtt_key, mqtt_ca)".into()
        } else {
            "  TLS sockets: AT+CIPSSLCCONF=3,0,0  (mutual authentication; keys client_cert.0, client_key.0, client_ca.0)".into()
        });
    }
    lines.extend([
        format!("Certificate dates are checked, so set the clock: {ESP_AT_CLOCK_HINT}"),
        "The mfg_nvs offset is the stock firmware's; AT+SYSFLASH? prints the real one (use mfg-offset/mfg-size).".into(),
    ]);
    lines.join("\n") + "\n"
}
