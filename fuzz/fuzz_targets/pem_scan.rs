//! The PEM normaliser and scanner on arbitrary text: normalisation is idempotent, and every block found re-encodes
//! (RFC 7468, LF and CRLF) to text that scans back to the same label and bytes.
#![no_main]

use certpack::encode::{self, Eol, PemStyle};
use certpack::input::{normalise_text, scan_pem_text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (once, _) = normalise_text(&text);
    let (twice, notes) = normalise_text(&once);
    assert_eq!(*once, *twice, "normalisation is not idempotent");
    assert!(
        notes.is_empty(),
        "normalised text needs repairs again: {notes:?}"
    );
    let Ok(blocks) = scan_pem_text(&text) else {
        return;
    };
    let eol = if data.len().is_multiple_of(2) {
        Eol::Lf
    } else {
        Eol::CrLf
    };
    let style = PemStyle {
        eol,
        final_newline: !data.len().is_multiple_of(3),
    };
    for (label, der) in &blocks {
        // Labels the scanner accepts may still be outside RFC 7468 (e.g. with lowercase or trailing spaces).
        let Ok(pem) = encode::pem(label, der, style) else {
            continue;
        };
        let again = scan_pem_text(&pem).expect("certpack's own PEM scans");
        assert_eq!(again.len(), 1);
        assert_eq!(&again[0].0, label);
        assert_eq!(again[0].1, *der);
    }
});
