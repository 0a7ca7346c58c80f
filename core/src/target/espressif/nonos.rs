//! ESP8266 NONOS SDK (and RTOS SDK ≤ 3.x) certificate sectors: `esp_cert_private_key.bin` and `esp_ca_cert.bin`
//! as the SDK's `make_cert.py` / `make_cacert.py` write them.
//!
//! A file is a plain concatenation of records: a 32-byte NUL-padded name, a u16 little-endian length and the
//! content verbatim (PEM or DER). No header, count, alignment or checksum. The firmware reads at most 8 KiB from
//! the configured sector, finds `certificate` / `private_key` by name and takes the first record as the CA.

use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, Location, Result};
use crate::input::container::{Decoded, Entry};

/// Bytes of a record name.
pub const NAME_LEN: usize = 32;
/// Bytes of a record header (name + length).
pub const RECORD_HEADER_LEN: usize = NAME_LEN + 2;
/// Name of the device certificate record (the firmware matches this prefix).
pub const CERT_RECORD: &str = "certificate";
/// Name of the private key record (the firmware matches this prefix).
pub const KEY_RECORD: &str = "private_key";
/// Name `makefile.sh` gives the CA record (the firmware ignores CA record names).
pub const CA_RECORD: &str = "TLS.ca_x509.cer";
/// Flash sector size.
pub const SECTOR_SIZE: u32 = 4096;
/// The firmware refuses reads beyond 8 KiB from the configured sector.
pub const READ_LIMIT: u32 = 8192;
/// Longest content of one record: the 16-bit length, minus `0xFFFF` which the firmware reads as erased flash.
pub const MAX_CONTENT_LEN: usize = 0xFFFE;

/// One record.
#[derive(Clone, PartialEq, Eq)]
pub struct Record {
    /// Name, 1 to 32 bytes of printable ASCII.
    pub name: String,
    /// Content verbatim (may be a private key, hence zeroized).
    pub content: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Record({}, {} bytes)", self.name, self.content.len())
    }
}

impl Record {
    /// A record named `name` holding `content`.
    pub fn new(name: &str, content: &[u8]) -> Record {
        Record {
            name: name.into(),
            content: Zeroizing::new(content.to_vec()),
        }
    }
}

/// The records of one sector file, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SectorImage {
    /// The records.
    pub records: Vec<Record>,
}

fn printable(b: u8) -> bool {
    (0x20..=0x7E).contains(&b)
}

impl SectorImage {
    /// The file's bytes. Names must be 1–32 printable ASCII bytes; content at most 65534 bytes.
    pub fn to_bytes(&self) -> Result<Zeroizing<Vec<u8>>> {
        let total: usize = self
            .records
            .iter()
            .map(|r| RECORD_HEADER_LEN + r.content.len())
            .sum();
        let mut out = Zeroizing::new(Vec::with_capacity(total));
        for r in &self.records {
            if r.name.is_empty() || r.name.len() > NAME_LEN || !r.name.bytes().all(printable) {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!(
                        "the record name \"{}\" must be 1 to {NAME_LEN} printable ASCII characters",
                        r.name.escape_debug()
                    ),
                    "use a short name such as certificate, private_key or TLS.ca_x509.cer",
                ));
            }
            if r.content.len() > MAX_CONTENT_LEN {
                return Err(Error::new(
                    ErrorKind::TooLarge,
                    format!(
                        "the record \"{}\" is {} bytes; a record holds at most {MAX_CONTENT_LEN}",
                        r.name,
                        r.content.len()
                    ),
                    "a certificate or key is a few kilobytes: check that the right file was given",
                ));
            }
            let mut name = [0u8; NAME_LEN];
            name[..r.name.len()].copy_from_slice(r.name.as_bytes());
            out.extend_from_slice(&name);
            out.extend_from_slice(&(r.content.len() as u16).to_le_bytes());
            out.extend_from_slice(&r.content);
        }
        Ok(out)
    }

    /// Read a sector file, or a dump of the sector (records followed by erased `0xFF` flash).
    pub fn parse(bytes: &[u8]) -> Result<SectorImage> {
        let mut records = Vec::new();
        let mut pos = 0;
        while pos < bytes.len() {
            let rest = &bytes[pos..];
            if rest.iter().all(|&b| b == 0xFF) {
                break;
            }
            let header = rest.get(..RECORD_HEADER_LEN).ok_or_else(|| {
                bad(
                    format!(
                        "{} bytes are left after record {}, too few for a 34-byte record header",
                        rest.len(),
                        records.len()
                    ),
                    pos,
                )
            })?;
            let name = record_name(&header[..NAME_LEN]).ok_or_else(|| {
                bad(
                    format!(
                        "record {} has no valid name (printable ASCII padded with NUL)",
                        records.len()
                    ),
                    pos,
                )
            })?;
            let len = usize::from(u16::from_le_bytes([header[NAME_LEN], header[NAME_LEN + 1]]));
            let content = rest
                .get(RECORD_HEADER_LEN..RECORD_HEADER_LEN + len)
                .ok_or_else(|| {
                    bad(
                        format!(
                            "record \"{name}\" declares {len} bytes but only {} follow",
                            rest.len() - RECORD_HEADER_LEN
                        ),
                        pos + NAME_LEN,
                    )
                })?;
            records.push(Record {
                name,
                content: Zeroizing::new(content.to_vec()),
            });
            pos += RECORD_HEADER_LEN + len;
        }
        Ok(SectorImage { records })
    }
}

/// The name in a 32-byte name field: printable ASCII, then only NUL bytes.
fn record_name(field: &[u8]) -> Option<String> {
    let len = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    let (name, pad) = field.split_at(len);
    (!name.is_empty() && name.iter().all(|&b| printable(b)) && pad.iter().all(|&b| b == 0))
        .then(|| name.iter().map(|&b| char::from(b)).collect())
}

fn bad(message: String, at: usize) -> Error {
    Error::new(
        ErrorKind::Container,
        message,
        "the NONOS certificate sector is damaged: generate it again (certpack pack --target esp8266-nonos) or read the sector again",
    )
    .at(Location::Byte(at))
}

/// Container decoder for `certpack inspect`. The format has no magic: it is recognised when the whole file walks
/// as records; a file whose first name field is NUL-padded ASCII but which does not walk is reported as damaged.
pub fn decode_container(bytes: &[u8]) -> Option<Result<Decoded>> {
    let first = bytes.get(..NAME_LEN)?;
    // Without a record name first it is no sector image (PEM text, DER, ...): not walked at all.
    record_name(first)?;
    let nul_padded = first.contains(&0);
    match SectorImage::parse(bytes) {
        Ok(image) if !image.records.is_empty() => Some(Ok(Decoded {
            format: "ESP8266 NONOS SDK certificate sector (make_cert/make_cacert)".into(),
            format_code: "nonos".into(),
            entries: image
                .records
                .into_iter()
                .map(|r| Entry {
                    name: format!("{} ({} bytes)", r.name, r.content.len()),
                    bytes: r.content,
                })
                .collect(),
        })),
        Err(e) if nul_padded => Some(Err(e)),
        _ => None,
    }
}
