//! The ESP-AT "PKI bin" written by Espressif's `AtPKI.py generate_bin` (ESP-AT v1.0 – v3.0.0.0).
//!
//! Layout (all little-endian): `F1 F1`, u16 item count, u32 length of what follows; then per item a type byte
//! (1 CA, 2 certificate, 3 key), an ID (0-based per type), u16 content length, the content copied verbatim and
//! `0xFF` padding to a multiple of 4. No NUL, no checksum.

use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, Location, Result};
use crate::input::container::{Decoded, Entry};

/// The two magic bytes at the start of every PKI bin.
pub const MAGIC: [u8; 2] = [0xF1, 0xF1];
/// Bytes of the container header.
pub const HEADER_LEN: usize = 8;
/// Bytes of an item header (type, ID, length).
pub const ITEM_HEADER_LEN: usize = 4;
/// Largest content of one item (the length field is 16 bits).
pub const MAX_CONTENT_LEN: usize = u16::MAX as usize;

/// What an item holds, as AtPKI's `ca|cert|key` argument names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemType {
    /// A CA certificate (type byte `0x01`).
    Ca,
    /// A certificate of this device (type byte `0x02`).
    Cert,
    /// A private key (type byte `0x03`).
    Key,
}

impl ItemType {
    /// The type byte written into the bin.
    pub fn code(self) -> u8 {
        match self {
            ItemType::Ca => 0x01,
            ItemType::Cert => 0x02,
            ItemType::Key => 0x03,
        }
    }
    /// The type for a type byte, if it is one AtPKI writes.
    pub fn from_code(code: u8) -> Option<ItemType> {
        match code {
            0x01 => Some(ItemType::Ca),
            0x02 => Some(ItemType::Cert),
            0x03 => Some(ItemType::Key),
            _ => None,
        }
    }
    /// AtPKI's argument name: `ca`, `cert` or `key`.
    pub fn name(self) -> &'static str {
        match self {
            ItemType::Ca => "ca",
            ItemType::Cert => "cert",
            ItemType::Key => "key",
        }
    }
}

/// One item exactly as stored: the raw type byte (any value survives a round trip), its ID and its content.
#[derive(Clone, PartialEq, Eq)]
pub struct PkiItem {
    /// The type byte (`0x01` CA, `0x02` cert, `0x03` key; ESP-AT v2.2–v3.0 factory bins use `0x02` for all).
    pub type_code: u8,
    /// The ID: 0-based counter per type, what `AT+CIPSSLCCONF`'s `pki_number`/`ca_number` select.
    pub id: u8,
    /// The content, verbatim (PEM text or DER); may be a private key, hence zeroized.
    pub content: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for PkiItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PkiItem(type 0x{:02x}, id {}, {} bytes)",
            self.type_code,
            self.id,
            self.content.len()
        )
    }
}

impl PkiItem {
    /// `cert (type 0x02) id 0, 1062 bytes`: the name `certpack inspect` shows.
    pub fn describe(&self) -> String {
        let kind = ItemType::from_code(self.type_code).map_or("unknown type", ItemType::name);
        format!(
            "{kind} (type 0x{:02x}) id {}, {} bytes",
            self.type_code,
            self.id,
            self.content.len()
        )
    }
    /// Bytes this item takes in the bin: header, content and padding.
    pub fn stored_len(&self) -> usize {
        ITEM_HEADER_LEN + self.content.len() + padding(self.content.len())
    }
}

/// How AtPKI orders the type groups of a bin with mixed types (single-type bins are the same either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum GroupOrder {
    /// Python 3.7+ (insertion-ordered dict): groups in order of first appearance on the command line.
    #[default]
    Python3,
    /// CPython 2.7 (64-bit): the `key` group always last; `ca` and `cert` by first appearance (their dict slots
    /// collide, so insertion order decides).
    Python2,
}

/// A PKI bin: its items in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PkiBin {
    /// The items in the order they are stored.
    pub items: Vec<PkiItem>,
}

/// Padding after `len` content bytes.
fn padding(len: usize) -> usize {
    (4 - len % 4) % 4
}

impl PkiBin {
    /// What `AtPKI.py generate_bin TYPE FILE [TYPE FILE ...]` stores for these arguments: items grouped by type
    /// (group order per `order`), command-line order within a group, IDs counted per type. With `all_type_2` every
    /// item is typed `0x02`, as ESP-AT v2.2–v3.0's build scripts did (IDs still count per argument type).
    pub fn from_args(args: &[(ItemType, &[u8])], order: GroupOrder, all_type_2: bool) -> PkiBin {
        let mut groups: Vec<ItemType> = Vec::new();
        for (kind, _) in args {
            if !groups.contains(kind) {
                groups.push(*kind);
            }
        }
        if order == GroupOrder::Python2 {
            groups.sort_by_key(|k| *k == ItemType::Key);
        }
        let mut items = Vec::with_capacity(args.len());
        for group in groups {
            for (id, (_, content)) in args.iter().filter(|(k, _)| *k == group).enumerate() {
                items.push(PkiItem {
                    type_code: if all_type_2 {
                        ItemType::Cert.code()
                    } else {
                        group.code()
                    },
                    // AtPKI packs the ID into one byte (`& 0xFF`): an ID of 256 would wrap to 0.
                    id: (id & 0xFF) as u8,
                    content: Zeroizing::new(content.to_vec()),
                });
            }
        }
        PkiBin { items }
    }

    /// The bin's bytes. Fails (`TooLarge`) where AtPKI would silently write a corrupt bin: content over
    /// 65535 bytes or more than 65535 items.
    pub fn to_bytes(&self) -> Result<Zeroizing<Vec<u8>>> {
        let count = u16::try_from(self.items.len()).map_err(|_| {
            Error::new(
                ErrorKind::TooLarge,
                format!(
                    "a PKI bin holds at most {} items; {} were given",
                    u16::MAX,
                    self.items.len()
                ),
                "split the items over several bins",
            )
        })?;
        let mut body_len = 0usize;
        for (n, item) in self.items.iter().enumerate() {
            if item.content.len() > MAX_CONTENT_LEN {
                return Err(Error::new(
                    ErrorKind::TooLarge,
                    format!(
                        "PKI item {n} is {} bytes; the 16-bit length field of a PKI bin allows at most {MAX_CONTENT_LEN}",
                        item.content.len()
                    ),
                    "a certificate or key is a few kilobytes: check that the right file was given",
                ));
            }
            body_len += item.stored_len();
        }
        let body_len_u32 = u32::try_from(body_len).map_err(|_| {
            Error::new(
                ErrorKind::TooLarge,
                format!("the PKI bin would be {body_len} bytes, over the 32-bit length field"),
                "split the items over several bins",
            )
        })?;
        let mut out = Zeroizing::new(Vec::with_capacity(HEADER_LEN + body_len));
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&body_len_u32.to_le_bytes());
        for item in &self.items {
            out.push(item.type_code);
            out.push(item.id);
            // Checked above: the content fits 16 bits.
            out.extend_from_slice(&(item.content.len() as u16).to_le_bytes());
            out.extend_from_slice(&item.content);
            out.extend(std::iter::repeat_n(0xFF, padding(item.content.len())));
        }
        Ok(out)
    }

    /// Read a PKI bin. Accepts a partition dump (the bin followed by erased `0xFF` flash); anything else after
    /// the declared length, or a count/length that does not match the items, is a `Container` error.
    pub fn parse(bytes: &[u8]) -> Result<PkiBin> {
        let header = bytes.get(..HEADER_LEN).ok_or_else(|| {
            malformed(
                format!(
                    "the PKI bin is {} bytes, shorter than its 8-byte header",
                    bytes.len()
                ),
                0,
            )
        })?;
        if header[..2] != MAGIC {
            return Err(malformed(
                "the file does not start with the PKI bin magic F1 F1".to_string(),
                0,
            ));
        }
        let count = usize::from(u16::from_le_bytes([header[2], header[3]]));
        let declared = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let available = bytes.len() - HEADER_LEN;
        if declared > available {
            return Err(malformed(
                format!(
                    "the header declares {declared} bytes of items but only {available} follow: the bin is truncated"
                ),
                4,
            ));
        }
        let end = HEADER_LEN + declared;
        if let Some(stray) = bytes[end..].iter().position(|&b| b != 0xFF) {
            return Err(malformed(
                format!(
                    "{} bytes follow the declared end of the bin and they are not erased flash (0xFF)",
                    bytes.len() - end
                ),
                end + stray,
            ));
        }
        let mut items = Vec::with_capacity(count.min(declared / ITEM_HEADER_LEN));
        let mut pos = HEADER_LEN;
        while pos < end {
            let Some(h) = bytes
                .get(pos..pos + ITEM_HEADER_LEN)
                .filter(|_| pos + ITEM_HEADER_LEN <= end)
            else {
                return Err(malformed(
                    format!("item {} starts {} bytes before the end of the bin, too short for its 4-byte header", items.len(), end - pos),
                    pos,
                ));
            };
            let len = usize::from(u16::from_le_bytes([h[2], h[3]]));
            let stored = ITEM_HEADER_LEN + len + padding(len);
            if pos + stored > end {
                return Err(malformed(
                    format!(
                        "item {} declares {len} content bytes, which run past the end of the bin",
                        items.len()
                    ),
                    pos + 2,
                ));
            }
            items.push(PkiItem {
                type_code: h[0],
                id: h[1],
                content: Zeroizing::new(
                    bytes[pos + ITEM_HEADER_LEN..pos + ITEM_HEADER_LEN + len].to_vec(),
                ),
            });
            pos += stored;
        }
        if items.len() != count {
            return Err(malformed(
                format!(
                    "the header says {count} items but the bin holds {}",
                    items.len()
                ),
                2,
            ));
        }
        Ok(PkiBin { items })
    }
}

fn malformed(message: String, at: usize) -> Error {
    Error::new(
        ErrorKind::Container,
        message,
        "the PKI bin is damaged: generate it again (certpack pack --target esp32-at) or read the partition again",
    )
    .at(Location::Byte(at))
}

/// Container decoder for `certpack inspect`: recognises the `F1 F1` magic.
pub fn decode_container(bytes: &[u8]) -> Option<Result<Decoded>> {
    if !bytes.starts_with(&MAGIC) {
        return None;
    }
    Some(PkiBin::parse(bytes).map(|bin| {
        Decoded {
            format: "ESP-AT PKI bin (AtPKI)".into(),
            format_code: "atpki".into(),
            entries: bin
                .items
                .into_iter()
                .map(|item| Entry {
                    name: item.describe(),
                    bytes: item.content,
                })
                .collect(),
        }
    }))
}
