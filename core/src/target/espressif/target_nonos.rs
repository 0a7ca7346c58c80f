//! ESP8266 NONOS SDK target: `esp_cert_private_key.bin` and `esp_ca_cert.bin` for `espconn_secure_*_enable`.

use super::esptool_command;
use super::material::{self, Content, KeyFormat};
use super::nonos::{
    Record, SectorImage, CA_RECORD, CERT_RECORD, KEY_RECORD, READ_LIMIT, SECTOR_SIZE,
};
use crate::artifact::{Artifact, Artifacts};
use crate::bundle::Bundle;
use crate::error::{Error, ErrorKind, Result};
use crate::key::KeyAlgorithm;
use crate::target::{Capabilities, Family, ParamSpec, Params, Target};

/// The `esp8266-nonos` target.
pub(super) struct Esp8266Nonos;

const NAME: &str = "esp8266-nonos";

/// Sectors of the largest ESP8266 flash (16 MB).
const MAX_SECTORS: u32 = 0x1000;

/// Sector presets: `(name, CA sector, cert+key sector, bytes available per file)`.
const PRESETS: [(&str, u32, u32, u32); 2] = [
    // The SDK's examples/esp_mqtt_proj (mqtt_config.h); the firmware reads up to 8 KiB from a sector.
    ("app", 0x77, 0x78, READ_LIMIT),
    // NONOS AT firmware v3.x, flash maps 5/6: 4 KiB partitions.
    ("at", 0xFB, 0xFC, 4096),
];

const PARAMS: [ParamSpec; 7] = [
    ParamSpec {
        name: "content",
        help: "what each record holds: der (every SDK version) or pem (SDK 2.2 and later)",
        default: Some("der"),
    },
    ParamSpec {
        name: "key-format",
        help: "private key container: traditional (PKCS#1, every SDK), pkcs8 or as-given",
        default: Some("traditional"),
    },
    material::CHAIN,
    ParamSpec {
        name: "preset",
        help: "sector defaults: app (CA 0x77, cert 0x78, as the SDK's esp_mqtt_proj) or at (NONOS AT firmware: CA 0xFB, cert 0xFC, 4 KiB each)",
        default: Some("app"),
    },
    ParamSpec {
        name: "ca-sector",
        help: "flash sector (address / 4096) of esp_ca_cert.bin, as passed to espconn_secure_ca_enable",
        default: Some("0x77"),
    },
    ParamSpec {
        name: "cert-sector",
        help: "flash sector of esp_cert_private_key.bin, as passed to espconn_secure_cert_req_enable",
        default: Some("0x78"),
    },
    ParamSpec {
        name: "max-size",
        help: "bytes available to each file (the firmware reads at most 8192; NONOS AT partitions are 4096)",
        default: Some("8192"),
    },
];

/// Refuse what the NONOS SDK's mbedTLS (built without ECP) cannot use.
fn require_rsa(bundle: &Bundle) -> Result<()> {
    let hint = "the ESP8266 NONOS SDK cannot do EC: create the device certificate from an RSA 2048 key (AWS IoT console \"Create certificate\" or openssl genrsa 2048), or use an ESP32 target (esp32-at, esp-at-v3), which supports EC";
    if let Some(key) = bundle.key().and_then(|i| i.private_key()) {
        if !matches!(key.algorithm(), KeyAlgorithm::Rsa { .. }) {
            return Err(Error::new(
                ErrorKind::UnsupportedKey,
                format!(
                    "the private key is {}, but the NONOS SDK TLS stack is RSA-only (its mbedTLS is built without EC support)",
                    key.algorithm()
                ),
                hint,
            ));
        }
    }
    if let Some(root) = bundle.server_root().and_then(|i| i.certificate()) {
        let algorithm = root.public_key().algorithm();
        if !matches!(algorithm, KeyAlgorithm::Rsa { .. }) {
            return Err(Error::new(
                ErrorKind::UnsupportedKey,
                format!(
                    "the root CA {} has an {algorithm} key, but the NONOS SDK TLS stack is RSA-only and cannot verify it",
                    root.subject()
                ),
                "use the RSA root of the same service: AmazonRootCA1.pem for AWS IoT, DigiCert Global Root G2 for Azure IoT Hub",
            ));
        }
    }
    Ok(())
}

/// Sector parameters.
struct Sectors {
    ca: u32,
    cert: u32,
    max: u32,
}

fn sectors(params: &Params) -> Result<Sectors> {
    let preset = params.str_or("preset", "app");
    let (_, ca, cert, max) = PRESETS
        .iter()
        .copied()
        .find(|(n, ..)| *n == preset)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Target,
                format!("target {NAME}: preset \"{preset}\" is not known"),
                "use app or at",
            )
        })?;
    let s = Sectors {
        ca: params.u32_or(NAME, "ca-sector", ca)?,
        cert: params.u32_or(NAME, "cert-sector", cert)?,
        max: params.u32_or(NAME, "max-size", max)?,
    };
    if s.ca == 0 || s.cert == 0 || s.ca == s.cert {
        return Err(Error::new(
            ErrorKind::Target,
            format!(
                "target {NAME}: ca-sector 0x{:x} and cert-sector 0x{:x} must be two different non-zero sectors",
                s.ca, s.cert
            ),
            "the firmware rejects sector 0; use e.g. --param ca-sector=0x77 --param cert-sector=0x78",
        ));
    }
    if s.ca >= MAX_SECTORS || s.cert >= MAX_SECTORS {
        return Err(Error::new(
            ErrorKind::Target,
            format!(
                "target {NAME}: sectors 0x{:x} / 0x{:x} are beyond 16 MB of flash",
                s.ca, s.cert
            ),
            "a sector is the flash address divided by 4096 (0x77 for 0x77000)",
        ));
    }
    if s.max == 0 || s.max > READ_LIMIT {
        return Err(Error::new(
            ErrorKind::Target,
            format!(
                "target {NAME}: max-size {} must be 1..{READ_LIMIT} (the firmware reads at most 8 KiB from a sector)",
                s.max
            ),
            "use 8192, or 4096 for NONOS AT firmware partitions",
        ));
    }
    Ok(s)
}

/// Bytes available at `sector` before `other` (the other file) or the limit.
fn room(sector: u32, other: u32, max: u32) -> (u32, Option<u32>) {
    if other > sector && (other - sector) * SECTOR_SIZE < max {
        ((other - sector) * SECTOR_SIZE, Some(other))
    } else {
        (max, None)
    }
}

impl Target for Esp8266Nonos {
    fn name(&self) -> &'static str {
        NAME
    }
    fn family(&self) -> Family {
        Family::Espressif
    }
    fn summary(&self) -> &'static str {
        "ESP8266 NONOS SDK: esp_cert_private_key.bin + esp_ca_cert.bin (make_cert/make_cacert format, RSA only)"
    }
    fn params(&self) -> &'static [ParamSpec] {
        &PARAMS
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            rsa_only: true,
            no_p384: true,
            no_encrypted_keys: true,
            // Whether the SDK's mbedTLS checks certificate dates is not documented; no power-on clock is claimed.
            power_on_clock: None,
            set_clock_hint: "set the time with SNTP before espconn_secure_connect: sntp_setservername(0, \"pool.ntp.org\"); sntp_init(); wait until sntp_get_current_timestamp() is non-zero",
            ..Capabilities::default()
        }
    }
    fn pack(&self, bundle: &Bundle, params: &Params) -> Result<Artifacts> {
        let s = sectors(params)?;
        require_rsa(bundle)?;
        let options =
            material::Options::from_params(NAME, params, Content::Der, KeyFormat::Traditional)?;
        let creds = material::extract(bundle, &format!("target {NAME}"), options)?;
        let cert_file = SectorImage {
            records: vec![
                Record::new(CERT_RECORD, &creds.cert),
                Record::new(KEY_RECORD, &creds.key),
            ],
        }
        .to_bytes()?;
        let ca_file = SectorImage {
            records: vec![Record::new(CA_RECORD, &creds.ca)],
        }
        .to_bytes()?;
        let ca_call = format!("espconn_secure_ca_enable(0x01, 0x{:x});", s.ca);
        let cert_call = format!("espconn_secure_cert_req_enable(0x01, 0x{:x});", s.cert);
        let mut out = Artifacts::new(NAME);
        for (file, bytes, sector, other, call, what, secret) in [
            (
                "esp_ca_cert.bin",
                &ca_file,
                s.ca,
                s.cert,
                &ca_call,
                "server root CA (record TLS.ca_x509.cer)",
                false,
            ),
            (
                "esp_cert_private_key.bin",
                &cert_file,
                s.cert,
                s.ca,
                &cert_call,
                "device certificate and private key (records certificate, private_key)",
                true,
            ),
        ] {
            let (limit, before) = room(sector, other, s.max);
            if bytes.len() > limit as usize {
                let why = match before {
                    Some(o) => format!("before sector 0x{o:x}, which holds the other file"),
                    None => format!("(max-size) from sector 0x{sector:x}"),
                };
                return Err(Error::new(
                    ErrorKind::TooLarge,
                    format!(
                        "{file} is {} bytes but only {limit} bytes fit {why}",
                        bytes.len()
                    ),
                    if options.content == Content::Pem {
                        "use content=der (smaller), a 2048-bit RSA key, or sectors further apart"
                    } else {
                        "use a 2048-bit RSA key, or sectors further apart"
                    },
                ));
            }
            let mut a = Artifact::new(
                file,
                bytes.to_vec(),
                format!(
                    "NONOS cert sector: {what}, {}",
                    options.content.name().to_ascii_uppercase()
                ),
            )
            .flash(file.trim_end_matches(".bin"), sector * SECTOR_SIZE, limit)
            .meta("sdk_call", call.as_str())
            .meta("sector", format!("0x{sector:x}"))
            .meta("content", options.content.name());
            if secret {
                a = a.secret();
            }
            out.push(a);
        }
        out.notes = creds.notes;
        if options.content == Content::Pem {
            out.notes
                .push("PEM records need NONOS SDK 2.2 or later (mbedTLS); SDK 2.0-2.1 (axTLS) need content=der".into());
        }
        out.readme = format!(
            "ESP8266 NONOS SDK certificate sectors (the format of the SDK's make_cert.py / make_cacert.py), {} content.\n\
The NONOS TLS stack is RSA-only.\n\n\
Flash them (module in download mode; add --port PORT if esptool does not find it):\n  {}\n\n\
In the application, before espconn_secure_connect():\n  {ca_call}        /* CA from 0x{:x} */\n  {cert_call}  /* certificate + key from 0x{:x} */\n\
(level 0x01 = client; the second argument is the flash sector = address / 4096.)\n\
The firmware reads at most 8 KiB from each sector and takes the first record of the CA sector as the CA.\n{}",
            options.content.name().to_ascii_uppercase(),
            esptool_command(
                "esp8266",
                &[
                    (s.ca * SECTOR_SIZE, "esp_ca_cert.bin"),
                    (s.cert * SECTOR_SIZE, "esp_cert_private_key.bin"),
                ]
            ),
            s.ca * SECTOR_SIZE,
            s.cert * SECTOR_SIZE,
            if (s.ca, s.cert) == (0xFB, 0xFC) {
                "NONOS AT firmware v3.x (flash maps 5 and 6) reads these two sectors itself; its partitions are 4 KiB.\n"
            } else {
                ""
            },
        );
        Ok(out)
    }
}
