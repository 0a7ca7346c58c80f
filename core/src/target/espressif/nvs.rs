//! ESP-IDF NVS partition images (format version 2), written exactly as Espressif's generator
//! (`esp-idf-nvs-partition-gen`, what ESP-AT's `mfg_nvs.py` runs) writes them, and read back.
//!
//! A partition is pages of 4096 bytes: a 32-byte header (state, sequence number, version `0xFE`, CRC), a 32-byte
//! entry-state bitmap and 126 entries of 32 bytes. Blobs larger than the room left on a page are split into
//! chunks on consecutive pages and closed by a blob-index entry. CRC32 is zlib's `crc32(data, 0xFFFFFFFF)`.

use std::collections::{BTreeMap, BTreeSet};

use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, Location, Result};
use crate::input::container::{Decoded, Entry};

/// Bytes of one flash page.
pub const PAGE_SIZE: usize = 4096;
/// Bytes of one entry.
const ENTRY_SIZE: usize = 32;
/// Entries per page.
const ENTRIES_PER_PAGE: usize = 126;
/// Offset of the first entry in a page.
const FIRST_ENTRY: usize = 64;
/// Longest key or namespace name (bytes).
pub const MAX_KEY_LEN: usize = 15;
/// Longest string value the generator accepts, including its NUL.
const MAX_STRING_STORED: usize = 4000;
/// Most namespaces a partition can hold (index 0 is the namespace table, 255 is reserved).
const MAX_NAMESPACES: usize = 254;

const STATE_EMPTY: u32 = 0xFFFF_FFFF;
const STATE_ACTIVE: u32 = 0xFFFF_FFFE;
const STATE_FULL: u32 = 0xFFFF_FFFC;
const STATE_FREEING: u32 = 0xFFFF_FFF8;
const VERSION_1: u8 = 0xFF;
const VERSION_2: u8 = 0xFE;
const CHUNK_ANY: u8 = 0xFF;

const TYPE_STR: u8 = 0x21;
const TYPE_BLOB_V1: u8 = 0x41;
const TYPE_BLOB_DATA: u8 = 0x42;
const TYPE_BLOB_INDEX: u8 = 0x48;

/// CRC32 as NVS computes it: zlib's `crc32(data, 0xFFFFFFFF)` (CRC-32 with initial value 0; check value over
/// `"123456789"` is `0xD202D277`).
pub fn crc32(data: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new_with_initial(0xFFFF_FFFF);
    hasher.update(data);
    hasher.finalize()
}

/// A value stored under a key.
#[derive(Clone, PartialEq, Eq)]
pub enum Value {
    /// `u8` (type `0x01`).
    U8(u8),
    /// `i8` (type `0x11`).
    I8(i8),
    /// `u16` (type `0x02`).
    U16(u16),
    /// `i16` (type `0x12`).
    I16(i16),
    /// `u32` (type `0x04`).
    U32(u32),
    /// `i32` (type `0x14`).
    I32(i32),
    /// `u64` (type `0x08`).
    U64(u64),
    /// `i64` (type `0x18`).
    I64(i64),
    /// A string (type `0x21`), stored with a terminating NUL that is not part of the value.
    Str(String),
    /// A blob: certificates and keys (type `0x42` chunks + `0x48` index; `0x41` in version 1 images).
    Blob(Zeroizing<Vec<u8>>),
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Str(s) => write!(f, "Str({} bytes)", s.len()),
            Value::Blob(b) => write!(f, "Blob({} bytes)", b.len()),
            other => f.write_str(&other.describe()),
        }
    }
}

impl Value {
    /// The NVS type byte of a primitive, with its little-endian bytes.
    fn primitive(&self) -> Option<(u8, Vec<u8>)> {
        Some(match self {
            Value::U8(v) => (0x01, v.to_le_bytes().to_vec()),
            Value::I8(v) => (0x11, v.to_le_bytes().to_vec()),
            Value::U16(v) => (0x02, v.to_le_bytes().to_vec()),
            Value::I16(v) => (0x12, v.to_le_bytes().to_vec()),
            Value::U32(v) => (0x04, v.to_le_bytes().to_vec()),
            Value::I32(v) => (0x14, v.to_le_bytes().to_vec()),
            Value::U64(v) => (0x08, v.to_le_bytes().to_vec()),
            Value::I64(v) => (0x18, v.to_le_bytes().to_vec()),
            Value::Str(_) | Value::Blob(_) => return None,
        })
    }

    fn from_primitive(kind: u8, data: &[u8; 8]) -> Option<Value> {
        let [a, b, c, d, e, f, g, h] = *data;
        Some(match kind {
            0x01 => Value::U8(a),
            0x11 => Value::I8(i8::from_le_bytes([a])),
            0x02 => Value::U16(u16::from_le_bytes([a, b])),
            0x12 => Value::I16(i16::from_le_bytes([a, b])),
            0x04 => Value::U32(u32::from_le_bytes([a, b, c, d])),
            0x14 => Value::I32(i32::from_le_bytes([a, b, c, d])),
            0x08 => Value::U64(u64::from_le_bytes([a, b, c, d, e, f, g, h])),
            0x18 => Value::I64(i64::from_le_bytes([a, b, c, d, e, f, g, h])),
            _ => return None,
        })
    }

    /// `blob, 1192 bytes`, `i32 115200`, `string, 9 bytes`.
    pub fn describe(&self) -> String {
        match self {
            Value::U8(v) => format!("u8 {v}"),
            Value::I8(v) => format!("i8 {v}"),
            Value::U16(v) => format!("u16 {v}"),
            Value::I16(v) => format!("i16 {v}"),
            Value::U32(v) => format!("u32 {v}"),
            Value::I32(v) => format!("i32 {v}"),
            Value::U64(v) => format!("u64 {v}"),
            Value::I64(v) => format!("i64 {v}"),
            Value::Str(s) => format!("string, {} bytes", s.len()),
            Value::Blob(b) => format!("blob, {} bytes", b.len()),
        }
    }
}

/// One key of an NVS image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NvsEntry {
    /// Namespace name (at most 15 bytes).
    pub namespace: String,
    /// Key (at most 15 bytes).
    pub key: String,
    /// The value.
    pub value: Value,
}

impl NvsEntry {
    /// A blob entry.
    pub fn blob(namespace: &str, key: &str, bytes: &[u8]) -> NvsEntry {
        NvsEntry {
            namespace: namespace.into(),
            key: key.into(),
            value: Value::Blob(Zeroizing::new(bytes.to_vec())),
        }
    }
}

/// The keys of an NVS partition, in the order they are written (= the order of an Espressif generator CSV).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NvsImage {
    /// The entries in write order.
    pub entries: Vec<NvsEntry>,
}

impl NvsImage {
    /// The partition image of `partition_size` bytes (a multiple of 4096, at least 0x3000), byte-identical to
    /// `nvs_partition_gen generate` (version 2) over a CSV that lists these entries in this order, each namespace
    /// row written when its namespace first appears. The last page is left empty, as the generator does.
    ///
    /// Entries of a namespace may come back after another namespace: they are written into their own namespace.
    /// (The generator cannot express that: after a repeated namespace row it keeps writing into the namespace it
    /// created last.) A namespace/key given twice is an `InvalidArgument` error.
    pub fn to_bytes(&self, partition_size: usize) -> Result<Zeroizing<Vec<u8>>> {
        let mut w = Writer::new(partition_size)?;
        let mut namespaces: BTreeMap<&str, u8> = BTreeMap::new();
        let mut current: Option<&str> = None;
        let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
        for entry in &self.entries {
            check_name("namespace", &entry.namespace)?;
            check_name("key", &entry.key)?;
            if !seen.insert((&entry.namespace, &entry.key)) {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!(
                        "the NVS key {}/{} is given twice",
                        entry.namespace, entry.key
                    ),
                    "give each namespace/key once",
                ));
            }
            if current != Some(entry.namespace.as_str()) {
                if !namespaces.contains_key(entry.namespace.as_str()) {
                    if namespaces.len() >= MAX_NAMESPACES {
                        return Err(Error::new(
                            ErrorKind::TooLarge,
                            format!("an NVS partition holds at most {MAX_NAMESPACES} namespaces"),
                            "use fewer namespaces",
                        ));
                    }
                    let index = (namespaces.len() + 1) as u8;
                    w.primitive(0, &entry.namespace, 0x01, &[index])?;
                    namespaces.insert(&entry.namespace, index);
                }
                current = Some(&entry.namespace);
            }
            let ns = namespaces
                .get(entry.namespace.as_str())
                .copied()
                .unwrap_or(0);
            match &entry.value {
                Value::Str(s) => w.string(ns, &entry.key, s)?,
                Value::Blob(b) => w.blob(ns, &entry.key, b)?,
                primitive => {
                    if let Some((kind, bytes)) = primitive.primitive() {
                        w.primitive(ns, &entry.key, kind, &bytes)?;
                    }
                }
            }
        }
        Ok(w.finish(partition_size))
    }

    /// Read an NVS partition image (versions 1 and 2): every written key with its value, blobs reassembled from
    /// their chunks, pages in sequence-number order. Erased and empty entries are skipped; a bad CRC, an entry
    /// running past its page or a blob with missing chunks is a `Container` error.
    pub fn parse(bytes: &[u8]) -> Result<NvsImage> {
        if bytes.is_empty() || bytes.len() % PAGE_SIZE != 0 {
            return Err(Error::new(
                ErrorKind::Container,
                format!(
                    "an NVS image is a whole number of 4096-byte pages; this one is {} bytes",
                    bytes.len()
                ),
                "read the whole partition (esptool.py read_flash <offset> <size> mfg_nvs.bin with the size from AT+SYSFLASH?)",
            ));
        }
        let mut pages = Vec::new();
        for (n, page) in bytes.chunks_exact(PAGE_SIZE).enumerate() {
            let state = u32_at(page, 0);
            if state == STATE_EMPTY {
                continue;
            }
            if ![STATE_ACTIVE, STATE_FULL, STATE_FREEING].contains(&state) {
                return Err(bad(
                    format!("page {n} has the unknown state 0x{state:08x}"),
                    n * PAGE_SIZE,
                ));
            }
            if crc32(&page[4..28]) != u32_at(page, 28) {
                return Err(bad(
                    format!("the header CRC of page {n} does not match"),
                    n * PAGE_SIZE + 28,
                ));
            }
            if ![VERSION_1, VERSION_2].contains(&page[8]) {
                return Err(bad(
                    format!("page {n} has the unknown format version 0x{:02x}", page[8]),
                    n * PAGE_SIZE + 8,
                ));
            }
            pages.push((u32_at(page, 4), n, page));
        }
        pages.sort_by_key(|(seq, n, _)| (*seq, *n));
        let mut raw = Vec::new();
        for (_, n, page) in pages {
            read_page(page, n, &mut raw)?;
        }
        assemble(raw)
    }
}

fn check_name(what: &str, name: &str) -> Result<()> {
    if name.is_empty() || name.len() > MAX_KEY_LEN || name.contains('\0') {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("the NVS {what} \"{name}\" must be 1 to {MAX_KEY_LEN} bytes without NUL"),
            format!("choose a shorter {what}"),
        ));
    }
    Ok(())
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    match bytes.get(at..at + 4) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    match bytes.get(at..at + 2) {
        Some(&[a, b]) => u16::from_le_bytes([a, b]),
        _ => 0,
    }
}

fn bad(message: String, at: usize) -> Error {
    Error::new(
        ErrorKind::Container,
        message,
        "the NVS image is damaged: generate it again (certpack pack --target esp-at-v3) or read the partition again",
    )
    .at(Location::Byte(at))
}

/// The page-by-page writer, mirroring the generator's page filling rules.
struct Writer {
    pages: Vec<Vec<u8>>,
    /// Entries used on the current page.
    entry_num: usize,
    /// Bytes of the partition still available for new pages (the reserved last page excluded).
    budget: usize,
    size: usize,
}

impl Writer {
    fn new(size: usize) -> Result<Writer> {
        if size % PAGE_SIZE != 0 || size < 3 * PAGE_SIZE {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("an NVS partition must be a multiple of 4096 bytes and at least 0x3000; {size} bytes was given"),
                "use the partition size from the partition table (AT+SYSFLASH? prints it)",
            ));
        }
        let mut w = Writer {
            pages: Vec::new(),
            entry_num: 0,
            budget: size - PAGE_SIZE,
            size,
        };
        w.new_page()?;
        Ok(w)
    }

    fn new_page(&mut self) -> Result<()> {
        if let Some(page) = self.pages.last_mut() {
            if u32_at(page, 0) == STATE_ACTIVE {
                page[..4].copy_from_slice(&STATE_FULL.to_le_bytes());
            }
        }
        if self.budget == 0 {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!(
                    "the data does not fit the {} bytes ({} pages, the last one kept empty) of the NVS partition",
                    self.size,
                    self.size / PAGE_SIZE
                ),
                "give a larger partition size, or store fewer or smaller values",
            ));
        }
        self.budget -= PAGE_SIZE;
        let mut page = vec![0xFF; PAGE_SIZE];
        page[..4].copy_from_slice(&STATE_ACTIVE.to_le_bytes());
        page[4..8].copy_from_slice(&(self.pages.len() as u32).to_le_bytes());
        page[8] = VERSION_2;
        let crc = crc32(&page[4..28]);
        page[28..32].copy_from_slice(&crc.to_le_bytes());
        self.pages.push(page);
        self.entry_num = 0;
        Ok(())
    }

    /// Write `data` at the current entry and mark `entries` entries written.
    fn put(&mut self, data: &[u8], entries: usize) {
        let start = FIRST_ENTRY + ENTRY_SIZE * self.entry_num;
        if let Some(page) = self.pages.last_mut() {
            if let Some(slot) = page.get_mut(start..start + data.len()) {
                slot.copy_from_slice(data);
            }
            for _ in 0..entries {
                let bit = self.entry_num * 2;
                if let Some(byte) = page.get_mut(32 + bit / 8) {
                    *byte &= !(1u8 << (bit % 8));
                }
                self.entry_num += 1;
            }
        }
    }

    fn header(ns: u8, kind: u8, span: u8, chunk: u8, key: &str, data: [u8; 8]) -> [u8; 32] {
        let mut e = [0xFF; 32];
        e[0] = ns;
        e[1] = kind;
        e[2] = span;
        e[3] = chunk;
        e[8..24].fill(0);
        e[8..8 + key.len()].copy_from_slice(key.as_bytes());
        e[24..32].copy_from_slice(&data);
        let mut covered = Vec::with_capacity(28);
        covered.extend_from_slice(&e[0..4]);
        covered.extend_from_slice(&e[8..32]);
        e[4..8].copy_from_slice(&crc32(&covered).to_le_bytes());
        e
    }

    fn sized(len: usize, data_crc: u32) -> [u8; 8] {
        let mut d = [0xFF; 8];
        d[0..2].copy_from_slice(&(len as u16).to_le_bytes());
        d[4..8].copy_from_slice(&data_crc.to_le_bytes());
        d
    }

    fn primitive(&mut self, ns: u8, key: &str, kind: u8, value: &[u8]) -> Result<()> {
        if self.entry_num >= ENTRIES_PER_PAGE {
            self.new_page()?;
        }
        let mut data = [0xFF; 8];
        data[..value.len()].copy_from_slice(value);
        let e = Self::header(ns, kind, 1, CHUNK_ANY, key, data);
        self.put(&e, 1);
        Ok(())
    }

    fn string(&mut self, ns: u8, key: &str, value: &str) -> Result<()> {
        let mut data = value.as_bytes().to_vec();
        data.push(0);
        let entries = data.len().div_ceil(ENTRY_SIZE);
        // The generator refuses a string entry that would fill a page to the last entry, even on a new page.
        if data.len() > MAX_STRING_STORED || entries + 1 >= ENTRIES_PER_PAGE {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!(
                    "the NVS string \"{key}\" is {} bytes; a string entry holds at most {} bytes",
                    data.len() - 1,
                    (ENTRIES_PER_PAGE - 2) * ENTRY_SIZE - 1
                ),
                "store it as a blob",
            ));
        }
        if self.entry_num + entries + 1 >= ENTRIES_PER_PAGE {
            self.new_page()?;
        }
        let e = Self::header(
            ns,
            TYPE_STR,
            (entries + 1) as u8,
            CHUNK_ANY,
            key,
            Self::sized(data.len(), crc32(&data)),
        );
        self.put(&e, 1);
        self.put(&data, entries);
        Ok(())
    }

    fn blob(&mut self, ns: u8, key: &str, data: &[u8]) -> Result<()> {
        if self.entry_num >= ENTRIES_PER_PAGE {
            self.new_page()?;
        }
        let mut offset = 0;
        let mut chunks: usize = 0;
        loop {
            let tailroom = (ENTRIES_PER_PAGE - self.entry_num - 1) * ENTRY_SIZE;
            let chunk = &data[offset..offset + tailroom.min(data.len() - offset)];
            if chunks >= usize::from(CHUNK_ANY) {
                return Err(Error::new(
                    ErrorKind::TooLarge,
                    format!(
                        "the NVS blob \"{key}\" ({} bytes) needs more than 254 chunks",
                        data.len()
                    ),
                    "store a smaller value",
                ));
            }
            let entries = chunk.len().div_ceil(ENTRY_SIZE);
            let e = Self::header(
                ns,
                TYPE_BLOB_DATA,
                (entries + 1) as u8,
                chunks as u8,
                key,
                Self::sized(chunk.len(), crc32(chunk)),
            );
            self.put(&e, 1);
            self.put(chunk, entries);
            chunks += 1;
            offset += chunk.len();
            let remaining = data.len() - offset;
            if remaining > 0 || tailroom - chunk.len() < ENTRY_SIZE {
                self.new_page()?;
            }
            if remaining == 0 {
                break;
            }
        }
        let mut index = [0xFF; 8];
        index[0..4].copy_from_slice(&(data.len() as u32).to_le_bytes());
        index[4] = chunks as u8;
        index[5] = 0;
        let e = Self::header(ns, TYPE_BLOB_INDEX, 1, CHUNK_ANY, key, index);
        self.put(&e, 1);
        Ok(())
    }

    fn finish(self, size: usize) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(size));
        for page in &self.pages {
            out.extend_from_slice(page);
        }
        out.resize(size, 0xFF);
        out
    }
}

/// An entry as found on a page, before blobs are assembled.
enum Raw {
    Namespace {
        name: String,
        index: u8,
    },
    Value {
        ns: u8,
        key: String,
        value: Value,
    },
    Chunk {
        ns: u8,
        key: String,
        chunk: u8,
        data: Vec<u8>,
        at: usize,
    },
    Index {
        ns: u8,
        key: String,
        size: usize,
        count: u8,
        start: u8,
        at: usize,
    },
}

fn read_page(page: &[u8], n: usize, out: &mut Vec<Raw>) -> Result<()> {
    let base = n * PAGE_SIZE;
    let mut i = 0;
    while i < ENTRIES_PER_PAGE {
        let state = (page[32 + i / 4] >> ((i % 4) * 2)) & 0b11;
        if state != 0b10 {
            i += 1;
            continue;
        }
        let at = FIRST_ENTRY + i * ENTRY_SIZE;
        let e = &page[at..at + ENTRY_SIZE];
        let mut covered = Vec::with_capacity(28);
        covered.extend_from_slice(&e[0..4]);
        covered.extend_from_slice(&e[8..32]);
        if crc32(&covered) != u32_at(e, 4) {
            return Err(bad(
                format!("the CRC of entry {i} on page {n} does not match"),
                base + at + 4,
            ));
        }
        let (ns, kind, span, chunk) = (e[0], e[1], usize::from(e[2]), e[3]);
        if span == 0 || i + span > ENTRIES_PER_PAGE {
            return Err(bad(
                format!("entry {i} on page {n} spans {span} entries, past the end of its page"),
                base + at + 2,
            ));
        }
        let key_bytes = &e[8..24];
        let key_len = key_bytes.iter().position(|&b| b == 0).unwrap_or(16);
        let key = String::from_utf8_lossy(&key_bytes[..key_len]).into_owned();
        let mut data8 = [0u8; 8];
        data8.copy_from_slice(&e[24..32]);
        match kind {
            TYPE_STR | TYPE_BLOB_V1 | TYPE_BLOB_DATA => {
                let size = usize::from(u16_at(e, 24));
                let data_at = at + ENTRY_SIZE;
                if size > (span - 1) * ENTRY_SIZE {
                    return Err(bad(
                        format!("entry \"{key}\" on page {n} declares {size} bytes but spans only {} data entries", span - 1),
                        base + at + 24,
                    ));
                }
                let data = page[data_at..data_at + size].to_vec();
                if crc32(&data) != u32_at(e, 28) {
                    return Err(bad(
                        format!("the data CRC of \"{key}\" on page {n} does not match"),
                        base + data_at,
                    ));
                }
                out.push(match kind {
                    TYPE_STR => {
                        let text = data.strip_suffix(&[0]).unwrap_or(&data);
                        Raw::Value {
                            ns,
                            key,
                            value: Value::Str(String::from_utf8_lossy(text).into_owned()),
                        }
                    }
                    TYPE_BLOB_V1 => Raw::Value {
                        ns,
                        key,
                        value: Value::Blob(Zeroizing::new(data)),
                    },
                    _ => Raw::Chunk {
                        ns,
                        key,
                        chunk,
                        data,
                        at: base + at,
                    },
                });
            }
            TYPE_BLOB_INDEX => out.push(Raw::Index {
                ns,
                key,
                size: u32_at(e, 24) as usize,
                count: e[28],
                start: e[29],
                at: base + at,
            }),
            _ => match Value::from_primitive(kind, &data8) {
                Some(Value::U8(index)) if ns == 0 => out.push(Raw::Namespace { name: key, index }),
                Some(value) => out.push(Raw::Value { ns, key, value }),
                None => {
                    return Err(bad(
                        format!("entry {i} on page {n} has the unknown type 0x{kind:02x}"),
                        base + at + 1,
                    ))
                }
            },
        }
        i += span;
    }
    Ok(())
}

fn assemble(raw: Vec<Raw>) -> Result<NvsImage> {
    let mut names: BTreeMap<u8, String> = BTreeMap::new();
    let mut chunks: BTreeMap<(u8, &str, u8), &[u8]> = BTreeMap::new();
    for r in &raw {
        match r {
            Raw::Namespace { name, index } => {
                names.insert(*index, name.clone());
            }
            Raw::Chunk {
                ns,
                key,
                chunk,
                data,
                ..
            } => {
                chunks.insert((*ns, key.as_str(), *chunk), data.as_slice());
            }
            _ => {}
        }
    }
    let name = |ns: u8| names.get(&ns).cloned().unwrap_or_else(|| format!("#{ns}"));
    let mut used: BTreeSet<(u8, &str, u8)> = BTreeSet::new();
    let mut entries = Vec::new();
    for r in &raw {
        match r {
            Raw::Value { ns, key, value } => entries.push(NvsEntry {
                namespace: name(*ns),
                key: key.clone(),
                value: value.clone(),
            }),
            Raw::Index {
                ns,
                key,
                size,
                count,
                start,
                at,
            } => {
                let mut data = Zeroizing::new(Vec::with_capacity((*size).min(1 << 20)));
                for c in 0..*count {
                    let id = (*ns, key.as_str(), start.wrapping_add(c));
                    let Some(chunk) = chunks.get(&id) else {
                        return Err(bad(
                            format!("blob \"{}/{key}\" is missing its chunk {}", name(*ns), id.2),
                            *at,
                        ));
                    };
                    used.insert(id);
                    data.extend_from_slice(chunk);
                }
                if data.len() != *size {
                    return Err(bad(
                        format!(
                            "blob \"{}/{key}\" declares {size} bytes but its chunks hold {}",
                            name(*ns),
                            data.len()
                        ),
                        *at,
                    ));
                }
                entries.push(NvsEntry {
                    namespace: name(*ns),
                    key: key.clone(),
                    value: Value::Blob(data),
                });
            }
            Raw::Namespace { .. } | Raw::Chunk { .. } => {}
        }
    }
    for r in &raw {
        if let Raw::Chunk {
            ns, key, chunk, at, ..
        } = r
        {
            if !used.contains(&(*ns, key.as_str(), *chunk)) {
                return Err(bad(
                    format!(
                        "chunk {chunk} of blob \"{}/{key}\" has no blob index entry",
                        name(*ns)
                    ),
                    *at,
                ));
            }
        }
    }
    Ok(NvsImage { entries })
}

/// True when `page` starts with a valid NVS page header.
fn valid_header(page: &[u8]) -> bool {
    page.len() >= 32
        && [STATE_ACTIVE, STATE_FULL, STATE_FREEING].contains(&u32_at(page, 0))
        && crc32(&page[4..28]) == u32_at(page, 28)
}

/// Container decoder for `certpack inspect`: recognises an image whose pages carry valid NVS headers, and lists
/// its string and blob values (numbers are not certificates and are left out).
pub fn decode_container(bytes: &[u8]) -> Option<Result<Decoded>> {
    let first = u32_at(bytes, 0);
    if bytes.len() < PAGE_SIZE
        || ![STATE_EMPTY, STATE_ACTIVE, STATE_FULL, STATE_FREEING].contains(&first)
        || !bytes.chunks(PAGE_SIZE).any(valid_header)
    {
        return None;
    }
    Some(NvsImage::parse(bytes).map(|image| {
        Decoded {
            format: "ESP-IDF NVS partition image (ESP-AT mfg_nvs)".into(),
            format_code: "nvs".into(),
            entries: image
                .entries
                .into_iter()
                .filter_map(|e| {
                    let name = format!("{}/{} ({})", e.namespace, e.key, e.value.describe());
                    match e.value {
                        Value::Blob(bytes) => Some(Entry { name, bytes }),
                        Value::Str(text) => Some(Entry {
                            name,
                            bytes: Zeroizing::new(text.into_bytes()),
                        }),
                        _ => None,
                    }
                })
                .collect(),
        }
    }))
}
