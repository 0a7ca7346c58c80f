//! Pretty JSON written directly, for the few documents certpack writes in bulk (a module's `steps.json`, a batch's
//! `summary.json`, natively a target's `manifest.json`): a sink that counts or writes, and string escaping exactly
//! as `serde_json` does it (`\"`, `\\`, `\b \f \n \r \t`, other control characters as `\u00xx`, nothing else). Each
//! document is tested against `serde_json`'s own output.

pub(crate) trait Sink {
    fn bytes(&mut self, bytes: &[u8]);
    /// `data` as unwrapped padded base64 (never needs escaping).
    fn base64(&mut self, data: &[u8]);
}

/// Counts what would be written.
pub(crate) struct Count(pub usize);

impl Sink for Count {
    fn bytes(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }
    fn base64(&mut self, data: &[u8]) {
        self.0 += crate::base64::wrapped_len(data.len(), 0);
    }
}

impl Sink for Vec<u8> {
    fn bytes(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
    fn base64(&mut self, data: &[u8]) {
        crate::base64::encode_wrapped(data, b"", self);
    }
}

/// `text` as a quoted JSON string.
pub(crate) fn string(out: &mut impl Sink, text: &str) {
    out.bytes(b"\"");
    let bytes = text.as_bytes();
    let needs_escape = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
    let mut plain = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Whole runs of 16 plain characters at a time (the check vectorises; most text has no escapes).
        while let Some(run) = bytes.get(i..i + 16) {
            if run.iter().fold(false, |any, &b| any | needs_escape(b)) {
                break;
            }
            i += 16;
        }
        let Some(&b) = bytes.get(i) else {
            break;
        };
        i += 1;
        let unicode;
        let escaped: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => {
                let [hi, lo] = crate::cert::hex_pair(b);
                unicode = [b'\\', b'u', b'0', b'0', hi, lo];
                &unicode
            }
            _ => continue,
        };
        out.bytes(&bytes[plain..i - 1]);
        out.bytes(escaped);
        plain = i;
    }
    out.bytes(&bytes[plain..]);
    out.bytes(b"\"");
}

/// `n` in decimal.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn number(out: &mut impl Sink, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.bytes(&digits[start..]);
}

/// A pretty JSON array of `items`: `[]` when there is none, otherwise each item on a line of its own after
/// `indent` (two spaces a level), written by `item`, and the closing bracket one level less indented.
pub(crate) fn array<S: Sink, T>(
    out: &mut S,
    items: impl IntoIterator<Item = T>,
    indent: &str,
    mut item: impl FnMut(&mut S, T),
) {
    out.bytes(b"[");
    let mut empty = true;
    for next in items {
        out.bytes(if empty { b"\n" } else { b",\n" });
        out.bytes(indent.as_bytes());
        item(out, next);
        empty = false;
    }
    if !empty {
        out.bytes(b"\n");
        out.bytes(indent.get(2..).unwrap_or_default().as_bytes());
    }
    out.bytes(b"]");
}
