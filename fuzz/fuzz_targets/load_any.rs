//! `Bundle::load` on arbitrary bytes as one input, without and (when the error asks for one) with a passphrase:
//! content sniffing, PEM repair, DER, base64, AWS JSON, every registered device-container decoder, classification.
#![no_main]

use certpack::report;
use certpack::Input;
use certpack_fuzz::{exercise, load};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let inputs = [Input::from_bytes("fuzz.bin", data)];
    if let Some(bundle) = load(&inputs) {
        exercise(&bundle);
        let _ = report::inspect(&bundle);
    }
});
