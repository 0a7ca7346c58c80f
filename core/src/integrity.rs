//! Integrity values modules print back after an upload, computed in advance so a script can compare:
//! Quectel `+QFUPL` XOR-16 checksum, u-blox `+USECMNG` MD5 of the stored DER, nRF91 `%CMNG=1` SHA-256 of the
//! exact text written. Definitions and module-verified examples: docs/targets/modules.md.

use md5::Md5;
use sha2::{Digest, Sha256};

/// Quectel `+QFUPL: <size>,<checksum>`: XOR of big-endian 16-bit words over the exact bytes uploaded; an odd last
/// byte is the high byte of a final word whose low byte is 0.
pub fn qfupl_checksum(data: &[u8]) -> u16 {
    let words = data.chunks_exact(2);
    let odd = words.remainder().first().map_or(0, |&b| u16::from(b) << 8);
    words.fold(odd, |acc, pair| {
        acc ^ u16::from_be_bytes([pair[0], pair[1]])
    })
}

/// The checksum as the module prints it: lowercase hexadecimal without zero padding (`2d13`, `57`, `1`).
pub fn qfupl_checksum_hex(data: &[u8]) -> String {
    format!("{:x}", qfupl_checksum(data))
}

/// u-blox `+USECMNG: 0,<type>,"<name>","<md5>"`: MD5 of the DER the module stores (it converts PEM to DER first),
/// uppercase hex as SARA-R4 prints it. Pass the certificate's DER, not the PEM text.
pub fn usecmng_md5(der: &[u8]) -> String {
    upper_hex(&Md5::digest(der))
}

/// nRF91 `%CMNG: <tag>,<type>,"<sha256>"`: SHA-256 of the exact bytes written inside the quotes (the PEM text,
/// line endings and final newline included), uppercase hex as the modem prints it.
pub fn cmng_sha256(written: &[u8]) -> String {
    upper_hex(&Sha256::digest(written))
}

fn upper_hex(bytes: &[u8]) -> String {
    crate::cert::hex(bytes).to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_small_buffers() {
        let cases: [(&[u8], &str); 7] = [
            (b"A", "4100"),
            (b"AB", "4142"),
            (b"ABC", "242"),
            (b"ABCD", "206"),
            (b"Hello", "4b09"),
            (&[0, 1, 0], "1"),
            (b"-----BEGIN", "214b"),
        ];
        for (input, printed) in cases {
            assert_eq!(qfupl_checksum_hex(input), printed, "{input:?}");
        }
        assert_eq!(qfupl_checksum(b""), 0);
    }
}
