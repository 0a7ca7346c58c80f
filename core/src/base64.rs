//! Fast standard base64 (RFC 4648 alphabet, `=` padding) for PEM bodies, in constant time: every character is
//! mapped with arithmetic masks, never a table lookup or a branch on the data (private keys go through here),
//! written so the compiler can vectorise the mapping. `base64ct` stays the reference and the fallback for
//! anything unusual; tests check both agree byte for byte. The WebAssembly build, where size counts more than
//! speed, uses the `base64ct` versions in [`compact`] instead (same results, tested against the fast ones).

/// Characters per PEM line (RFC 7468).
pub(crate) const LINE: usize = 64;
/// Bytes encoded per PEM line.
const LINE_BYTES: usize = LINE / 4 * 3;

/// Length of the wrapped base64 body of `len` bytes with `eol_len`-byte line endings (each line ends with one).
pub(crate) fn wrapped_len(len: usize, eol_len: usize) -> usize {
    let chars = len.div_ceil(3) * 4;
    chars + chars.div_ceil(LINE) * eol_len
}

/// The fast, constant-time versions (every native build).
#[cfg(not(target_arch = "wasm32"))]
mod fast {
    use super::{wrapped_len, LINE, LINE_BYTES};

    /// `0xff` when `v < k`, else `0`: the comparison's 0/1 turned into a mask (no branch), byte-wide so the
    /// compiler maps whole vectors of characters at once.
    #[inline(always)]
    fn lt_mask(v: u8, k: u8) -> u8 {
        0u8.wrapping_sub(u8::from(v < k))
    }

    /// `0xff` when `v == k`, else `0`.
    #[inline(always)]
    fn eq_mask(v: u8, k: u8) -> u8 {
        0u8.wrapping_sub(u8::from(v == k))
    }

    /// The character of a 6-bit value.
    #[inline(always)]
    pub(super) fn encode_6bits(v: u8) -> u8 {
        let mut c = v.wrapping_add(b'A');
        c = c.wrapping_add(!lt_mask(v, 26) & 6);
        c = c.wrapping_sub(!lt_mask(v, 52) & 75);
        c = c.wrapping_sub(!lt_mask(v, 62) & 15);
        c.wrapping_add(eq_mask(v, 63) & 3)
    }

    /// Encode up to [`LINE_BYTES`] bytes as one line of base64 (with padding) into `out`; returns its length.
    #[inline]
    fn encode_line(src: &[u8], out: &mut [u8; LINE]) -> usize {
        let mut chunks = src.chunks_exact(3);
        let mut n = 0;
        for (c, o) in (&mut chunks).zip(out.chunks_exact_mut(4)) {
            let (a, b, d) = (c[0], c[1], c[2]);
            o[0] = a >> 2;
            o[1] = ((a & 3) << 4) | (b >> 4);
            o[2] = ((b & 15) << 2) | (d >> 6);
            o[3] = d & 63;
            n += 4;
        }
        let rest = chunks.remainder();
        let pad = match *rest {
            [a] => {
                out[n] = a >> 2;
                out[n + 1] = (a & 3) << 4;
                n += 2;
                2
            }
            [a, b] => {
                out[n] = a >> 2;
                out[n + 1] = ((a & 3) << 4) | (b >> 4);
                out[n + 2] = (b & 15) << 2;
                n += 3;
                1
            }
            _ => 0,
        };
        for c in out.iter_mut() {
            *c = encode_6bits(*c);
        }
        for c in &mut out[n..n + pad] {
            *c = b'=';
        }
        n + pad
    }

    /// Append `data` as base64 lines of 64 characters, each followed by `eol` (the PEM body layout). The output is
    /// sized once and full lines are encoded in place (no copy or call per line). `out` must have room for
    /// [`wrapped_len`] more bytes when it holds secrets, so it is not reallocated.
    pub(crate) fn encode_wrapped(data: &[u8], eol: &[u8], out: &mut Vec<u8>) {
        let start = out.len();
        out.resize(start + wrapped_len(data.len(), eol.len()), 0);
        let Some(dst) = out.get_mut(start..) else {
            return;
        };
        let mut at = 0;
        let mut last = [0u8; LINE];
        for chunk in data.chunks(LINE_BYTES) {
            let target = dst
                .get_mut(at..at + LINE)
                .and_then(|d| <&mut [u8; LINE]>::try_from(d).ok());
            let n = match target {
                Some(line) if chunk.len() == LINE_BYTES => encode_line(chunk, line),
                _ => {
                    let n = encode_line(chunk, &mut last);
                    if let Some(d) = dst.get_mut(at..at + n) {
                        d.copy_from_slice(&last[..n]);
                    }
                    n
                }
            };
            at += n;
            for &b in eol {
                if let Some(d) = dst.get_mut(at) {
                    *d = b;
                }
                at += 1;
            }
        }
        crate::wipe::wipe_slice(&mut last);
    }

    /// The 6-bit value of a base64 character plus one, or 0 when it is not one (branch-free).
    #[inline(always)]
    pub(super) fn decode_6bits(c: u8) -> u8 {
        let upper = c.wrapping_sub(b'A');
        let lower = c.wrapping_sub(b'a');
        let digit = c.wrapping_sub(b'0');
        (lt_mask(upper, 26) & upper.wrapping_add(1)) // A-Z: 1..=26
            | (lt_mask(lower, 26) & lower.wrapping_add(27)) // a-z: 27..=52
            | (lt_mask(digit, 10) & digit.wrapping_add(53)) // 0-9: 53..=62
            | (eq_mask(c, b'+') & 63)
            | (eq_mask(c, b'/') & 64)
    }

    /// One line of 64 characters into 48 bytes, with fixed sizes so the compiler unrolls and vectorises it;
    /// 0xff when every character is a base64 character, 0 otherwise.
    #[inline(always)]
    fn decode_line(
        line: &[u8; LINE],
        values: &mut [u8; LINE],
        decoded: &mut [u8; LINE_BYTES],
    ) -> u8 {
        for (v, &c) in values.iter_mut().zip(line) {
            *v = decode_6bits(c);
        }
        // Every value must be non-zero (a real base64 character).
        let ok = values.iter().fold(0xff, |acc, &v| {
            acc & (0u8.wrapping_sub(v) >> 7).wrapping_neg()
        });
        // Four 6-bit values (each plus one) make 24 bits: one 32-bit load and a few masks.
        for (q, d) in values.chunks_exact(4).zip(decoded.chunks_exact_mut(3)) {
            let w = u32::from_be_bytes([q[0], q[1], q[2], q[3]]).wrapping_sub(0x0101_0101);
            let bits = ((w & 0x3f00_0000) >> 6)
                | ((w & 0x003f_0000) >> 4)
                | ((w & 0x0000_3f00) >> 2)
                | (w & 0x0000_003f);
            let [_, a, b, c] = bits.to_be_bytes();
            d.copy_from_slice(&[a, b, c]);
        }
        ok
    }

    /// Decode canonical padded base64 (no whitespace) into `out`. Returns false, leaving `out` unspecified, for
    /// anything else (wrong length, bad character, misplaced padding, non-zero trailing bits): the caller then asks
    /// `base64ct` for its verdict, so what is accepted and every error stay exactly as before.
    pub(crate) fn decode_strict(b64: &[u8], out: &mut Vec<u8>) -> bool {
        if b64.is_empty() || b64.len() % 4 != 0 {
            return false;
        }
        let pad = b64.iter().rev().take(2).take_while(|&&c| c == b'=').count();
        let (body, _) = b64.split_at(b64.len() - pad);
        let mut values = [0u8; LINE];
        let mut decoded = [0u8; LINE_BYTES];
        // A shorter last line goes through the same code, padded with `A` (a valid character worth zero bits).
        let mut short = [b'A'; LINE];
        let mut ok = 0xffu8;
        let full = body.len() / 4 * 4;
        out.reserve(body.len() / 4 * 3 + 2);
        for block in body[..full].chunks(LINE) {
            let line = match <&[u8; LINE]>::try_from(block) {
                Ok(line) => line,
                Err(_) => {
                    if let Some(start) = short.get_mut(..block.len()) {
                        start.copy_from_slice(block);
                    }
                    &short
                }
            };
            ok &= decode_line(line, &mut values, &mut decoded);
            out.extend_from_slice(&decoded[..block.len() / 4 * 3]);
        }
        let tail = &body[full..];
        let mut t = [0u8; 3];
        for (v, &c) in t.iter_mut().zip(tail) {
            *v = decode_6bits(c);
            ok &= (0u8.wrapping_sub(*v) >> 7).wrapping_neg();
        }
        let [a, b, c] = t.map(|v| v.wrapping_sub(1));
        let bits_ok = match (tail.len(), pad) {
            (0, 0) => true,
            (2, 2) => {
                out.push((a << 2) | (b >> 4));
                b & 15 == 0
            }
            (3, 1) => {
                out.extend_from_slice(&[(a << 2) | (b >> 4), (b << 4) | (c >> 2)]);
                c & 3 == 0
            }
            _ => false,
        };
        crate::wipe::wipe_slice(&mut values);
        crate::wipe::wipe_slice(&mut decoded);
        crate::wipe::wipe_slice(&mut short);
        zeroize::Zeroize::zeroize(&mut t);
        ok == 0xff && bits_ok
    }

    /// Decode full PEM lines, each 64 base64 characters (no padding) and one `\n`, appending 48 bytes per line
    /// to `out` (reserved beforehand by the caller). False, leaving `out` unspecified, when `text` is not exactly
    /// such lines. One pass over a whole block, scratch wiped once: no per-line call overhead.
    pub(crate) fn decode_full_lines(text: &[u8], out: &mut Vec<u8>) -> bool {
        let mut values = [0u8; LINE];
        let mut decoded = [0u8; LINE_BYTES];
        let mut ok = u8::from(text.len() % (LINE + 1) == 0).wrapping_neg();
        for chunk in text.chunks_exact(LINE + 1) {
            if let (Ok(line), Some(b'\n')) = (<&[u8; LINE]>::try_from(&chunk[..LINE]), chunk.last())
            {
                ok &= decode_line(line, &mut values, &mut decoded);
                out.extend_from_slice(&decoded);
            } else {
                ok = 0;
            }
        }
        crate::wipe::wipe_slice(&mut values);
        crate::wipe::wipe_slice(&mut decoded);
        ok == 0xff
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use fast::{decode_full_lines, decode_strict, encode_wrapped};

/// `base64ct` behind the same two functions: the WebAssembly build's base64 (smaller code, same bytes).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) mod compact {
    use base64ct::{Base64, Encoding};

    use super::{wrapped_len, LINE_BYTES};

    /// As the fast `encode_wrapped`: 64-character lines, each followed by `eol`, appended to `out`.
    pub(crate) fn encode_wrapped(data: &[u8], eol: &[u8], out: &mut Vec<u8>) {
        let start = out.len();
        out.resize(start + wrapped_len(data.len(), eol.len()), 0);
        let mut at = start;
        for chunk in data.chunks(LINE_BYTES) {
            let n = chunk.len().div_ceil(3) * 4;
            if let Some(line) = out.get_mut(at..at + n) {
                let _ = Base64::encode(chunk, line);
            }
            if let Some(end) = out.get_mut(at + n..at + n + eol.len()) {
                end.copy_from_slice(eol);
            }
            at += n + eol.len();
        }
    }

    /// As the fast `decode_strict`: canonical padded base64 only; false (and nothing kept) otherwise.
    pub(crate) fn decode_strict(b64: &[u8], out: &mut Vec<u8>) -> bool {
        if b64.is_empty() || b64.len() % 4 != 0 {
            return false;
        }
        let start = out.len();
        out.resize(start + b64.len() / 4 * 3, 0);
        let decoded = out
            .get_mut(start..)
            .and_then(|dst| Base64::decode(b64, dst).ok().map(|d| d.len()));
        if let Some(rest) = out.get_mut(start + decoded.unwrap_or(0)..) {
            crate::wipe::wipe_slice(rest);
        }
        out.truncate(start + decoded.unwrap_or(0));
        decoded.is_some()
    }

    /// As the fast `decode_full_lines`: 64-character unpadded lines, each followed by `\n`.
    pub(crate) fn decode_full_lines(text: &[u8], out: &mut Vec<u8>) -> bool {
        text.len() % (super::LINE + 1) == 0
            && text.chunks_exact(super::LINE + 1).all(|chunk| {
                chunk.last() == Some(&b'\n')
                    && !chunk.contains(&b'=')
                    && decode_strict(&chunk[..super::LINE], out)
            })
    }
}

#[cfg(target_arch = "wasm32")]
pub(crate) use compact::{decode_full_lines, decode_strict, encode_wrapped};

#[cfg(test)]
mod tests {
    use super::fast::{decode_6bits, encode_6bits};
    use super::*;
    use base64ct::{Base64, Encoding};
    use proptest::prelude::*;

    #[test]
    fn every_character() {
        for v in 0..64u8 {
            let c = encode_6bits(v);
            assert_eq!(decode_6bits(c), v + 1);
        }
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for c in 0..=255u8 {
            let want = alphabet
                .iter()
                .position(|&a| a == c)
                .map_or(0, |p| p as u8 + 1);
            assert_eq!(decode_6bits(c), want, "{c}");
        }
    }

    fn reference_wrapped(data: &[u8], eol: &str) -> Vec<u8> {
        let b64 = Base64::encode_string(data);
        let mut out = Vec::new();
        for line in b64.as_bytes().chunks(LINE) {
            out.extend_from_slice(line);
            out.extend_from_slice(eol.as_bytes());
        }
        out
    }

    proptest! {
        #[test]
        fn encode_matches_base64ct(data in proptest::collection::vec(any::<u8>(), 0..700), crlf: bool) {
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut out = Vec::new();
            encode_wrapped(&data, eol.as_bytes(), &mut out);
            prop_assert_eq!(out.len(), wrapped_len(data.len(), eol.len()));
            prop_assert_eq!(out, reference_wrapped(&data, eol));
        }

        #[test]
        fn unwrapped_matches_base64ct(data in proptest::collection::vec(any::<u8>(), 0..700)) {
            // Every line but the last encodes a multiple of 3 bytes, so no padding falls between lines.
            let mut out = Vec::new();
            encode_wrapped(&data, b"", &mut out);
            prop_assert_eq!(out, Base64::encode_string(&data).into_bytes());
        }

        #[test]
        fn decode_matches_base64ct(data in proptest::collection::vec(any::<u8>(), 1..700)) {
            let b64 = Base64::encode_string(&data);
            let mut out = Vec::new();
            prop_assert!(decode_strict(b64.as_bytes(), &mut out));
            prop_assert_eq!(out, data);
        }

        #[test]
        fn accepts_only_what_base64ct_accepts(
            data in proptest::collection::vec(any::<u8>(), 1..60),
            at in any::<usize>(),
            with in prop::sample::select(b"A=+/_-9 \n\x80z".to_vec()),
            cut in 0usize..3,
        ) {
            let mut b64 = Base64::encode_string(&data).into_bytes();
            let at = at % b64.len();
            b64[at] = with;
            b64.truncate(b64.len() - cut);
            let mut out = Vec::new();
            if decode_strict(&b64, &mut out) {
                let text = String::from_utf8(b64).unwrap();
                prop_assert_eq!(Base64::decode_vec(&text).ok(), Some(out));
            }
        }
    }

    proptest! {
        /// Whole-block decoding of full lines: the data for well-formed lines, and the same verdict as the
        /// reference (`base64ct` per line, no padding, a line break after each) for damaged ones.
        #[test]
        fn full_lines_decode_like_the_reference(
            lines in 0usize..6,
            seed in proptest::collection::vec(any::<u8>(), 48 * 6),
            at in any::<usize>(),
            with in prop::sample::select(b"A=+/_-9 \n\r\x80".to_vec()),
            damage: bool,
        ) {
            let data = &seed[..lines * 48];
            let mut text = reference_wrapped(data, "\n");
            if damage && !text.is_empty() {
                let at = at % text.len();
                text[at] = with;
            }
            let (mut fast, mut compact) = (Vec::new(), Vec::new());
            let fast_ok = decode_full_lines(&text, &mut fast);
            let compact_ok = compact::decode_full_lines(&text, &mut compact);
            prop_assert_eq!(fast_ok, compact_ok);
            if !damage {
                prop_assert!(fast_ok);
                prop_assert_eq!(&fast[..], data);
            }
            if fast_ok {
                prop_assert_eq!(fast, compact);
            }
        }
    }

    proptest! {
        #[test]
        fn compact_agrees_with_fast(
            data in proptest::collection::vec(any::<u8>(), 0..300),
            crlf: bool,
            at in any::<usize>(),
            with in prop::sample::select(b"A=+/_-9 \n\x80z".to_vec()),
            cut in 0usize..3,
        ) {
            let eol: &[u8] = if crlf { b"\r\n" } else { b"" };
            let (mut fast, mut small) = (b"x".to_vec(), b"x".to_vec());
            encode_wrapped(&data, eol, &mut fast);
            compact::encode_wrapped(&data, eol, &mut small);
            prop_assert_eq!(&fast, &small);
            let mut b64 = Base64::encode_string(&data).into_bytes();
            if !b64.is_empty() {
                let at = at % b64.len();
                b64[at] = with;
                b64.truncate(b64.len() - cut);
            }
            let (mut fast, mut small) = (Vec::new(), Vec::new());
            let (ok_fast, ok_small) = (decode_strict(&b64, &mut fast), compact::decode_strict(&b64, &mut small));
            prop_assert_eq!(ok_fast, ok_small);
            if ok_fast {
                prop_assert_eq!(fast, small);
            }
        }
    }

    #[test]
    fn trailing_bits_and_padding() {
        let mut out = Vec::new();
        for bad in ["QR==", "QUJ=", "Q===", "QQ=A", "=QQQ", "QQ", "QUJDRA=", ""] {
            assert!(!decode_strict(bad.as_bytes(), &mut out), "{bad}");
        }
        out.clear();
        for bad in ["QR==", "QUJ=", "Q===", "QQ=A", "=QQQ", "QQ", "QUJDRA=", ""] {
            assert!(!compact::decode_strict(bad.as_bytes(), &mut out), "{bad}");
            assert!(out.is_empty(), "{bad}");
        }
        assert!(decode_strict(b"QQ==", &mut out));
        assert_eq!(out, b"A");
    }
}
