//! Finds a private key's secret in bytes, in every encoding certpack's outputs use: raw DER, hex (contiguous, or as
//! `0x..` / `\x..` tokens of C arrays and strings) and base64 (PEM, JSON, C string lines), however it is wrapped.
//! Shared by core/tests/key_hygiene.rs and cli/tests/key_output.rs; needs only certpack's public API.

use certpack::key::PrivateKey;

/// The secret integer of a key (RSA private exponent, EC private scalar) and where it sits in each DER encoding.
pub struct KeyScan {
    /// 16-byte windows of the secret.
    windows: Vec<Vec<u8>>,
    /// 12-character base64 chunks that encode only secret bytes, for each DER encoding of the key.
    base64_chunks: Vec<String>,
}

/// (tag, content start, content end) of each TLV inside `der[start..end]` (stops at anything malformed).
fn children(der: &[u8], start: usize, end: usize) -> Vec<(u8, usize, usize)> {
    let mut out = Vec::new();
    let mut pos = start;
    while pos + 2 <= end {
        let (tag, first) = (der[pos], der[pos + 1] as usize);
        let (len, header) = if first < 0x80 {
            (first, 2)
        } else {
            let n = first & 0x7f;
            match der.get(pos + 2..pos + 2 + n) {
                Some(bytes) if n <= 4 => (
                    bytes.iter().fold(0usize, |a, &b| a << 8 | b as usize),
                    2 + n,
                ),
                _ => break,
            }
        };
        if pos + header + len > end {
            break;
        }
        out.push((tag, pos + header, pos + header + len));
        pos += header + len;
    }
    out
}

/// Byte range of the secret integer inside `der` (PKCS#1, SEC1 or PKCS#8 wrapping either).
fn secret_range(der: &[u8]) -> Option<(usize, usize)> {
    let outer = *children(der, 0, der.len()).first()?;
    let fields = children(der, outer.1, outer.2);
    match fields.as_slice() {
        // PKCS#8: version, algorithm, OCTET STRING holding the PKCS#1 / SEC1 key.
        [(0x02, ..), (0x30, ..), (0x04, s, e), ..] => {
            let (a, b) = secret_range(&der[*s..*e])?;
            Some((s + a, s + b))
        }
        // SEC1: version, OCTET STRING private key, ...
        [(0x02, ..), (0x04, s, e), ..] => Some((*s, *e)),
        // PKCS#1: version, n, e, d, ...
        [(0x02, ..), (0x02, ..), (0x02, ..), (0x02, s, e), ..] => Some((*s, *e)),
        _ => None,
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |a, (i, &b)| a | (b as u32) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
        for _ in chunk.len()..3 {
            out.push('=');
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes written as `prefix` + two hex digits (`0x3a`, `\x3a`), in order, ignoring everything between.
fn hex_tokens(text: &str, prefix: &str) -> Vec<u8> {
    text.match_indices(prefix)
        .filter_map(|(i, _)| text.get(i + prefix.len()..i + prefix.len() + 2))
        .filter_map(|h| u8::from_str_radix(h, 16).ok())
        .collect()
}

/// How many different values `items` holds.
fn distinct(items: impl Iterator<Item = u8>) -> usize {
    let mut seen = [false; 256];
    items
        .filter(|&b| !std::mem::replace(&mut seen[b as usize], true))
        .count()
}

/// How many of `bytes` are not printable ASCII.
fn not_text(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| !(0x20..0x7f).contains(*b)).count()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

impl KeyScan {
    /// Scan for `key`'s secret.
    pub fn new(key: &PrivateKey) -> KeyScan {
        KeyScan::try_new(key, usize::MAX).expect("a key with a secret of at least 24 bytes")
    }

    /// Scan for `key`'s secret with at most `max_chunks` base64 chunks per encoding, spread over the secret (4 are
    /// enough for text wrapped at 64 columns). `None` when the secret is shorter than 24 bytes, too uniform to be
    /// recognised (a degenerate test key), or the structure is not PKCS#1, SEC1 or PKCS#8.
    pub fn try_new(key: &PrivateKey, max_chunks: usize) -> Option<KeyScan> {
        let mut windows = Vec::new();
        let mut base64_chunks = Vec::new();
        for der in [key.pkcs8_der(), key.traditional_der()] {
            let (s, e) = secret_range(&der)?;
            if e - s < 24 {
                return None;
            }
            // A window that identifies this key: 16 secret bytes with at least 10 different values (a degenerate
            // secret, e.g. mostly zeros, would match unrelated bytes such as NUL padding) and at least 4 that are
            // not printable ASCII (a fuzzed secret can hold plain words, which a README may also hold).
            let window = (s..=e - 16)
                .map(|at| &der[at..at + 16])
                .find(|w| distinct(w.iter().copied()) >= 10 && not_text(w) >= 4)?;
            windows.push(window.to_vec());
            // base64 characters 4k..4k+4 encode bytes 3k..3k+3: keep distinctive chunks whose bytes are all secret.
            let b64 = base64(&der);
            let first = s.div_ceil(3) * 4;
            let last = e / 3 * 4;
            let starts: Vec<usize> = (first..last.saturating_sub(11))
                .step_by(4)
                .filter(|&at| distinct(b64[at..at + 12].bytes()) >= 8)
                .collect();
            let step = (starts.len() / max_chunks.max(1)).max(1);
            for &at in starts.iter().step_by(step).take(max_chunks) {
                base64_chunks.push(b64[at..at + 12].to_string());
            }
        }
        Some(KeyScan {
            windows,
            base64_chunks,
        })
    }

    /// The encoding in which `bytes` hold the key's secret, if they do.
    pub fn found_in(&self, bytes: &[u8]) -> Option<&'static str> {
        let text = String::from_utf8_lossy(bytes);
        for w in &self.windows {
            if contains(bytes, w) {
                return Some("raw DER");
            }
            let h = hex(w);
            if text.contains(&h) || text.contains(&h.to_uppercase()) {
                return Some("hex");
            }
            for prefix in ["0x", "0X", "\\x"] {
                if contains(&hex_tokens(&text, prefix), w) {
                    return Some("hex tokens");
                }
            }
        }
        if self.base64_chunks.iter().any(|c| text.contains(c.as_str())) {
            return Some("base64");
        }
        None
    }
}
