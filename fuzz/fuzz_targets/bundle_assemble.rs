//! Several arbitrary inputs (split at the separator) loaded together: assembly of leaf, chain, roots and key; the
//! accessors; every check.
#![no_main]

use certpack_fuzz::{exercise, load, run_checks, split_inputs};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let inputs = split_inputs(data);
    if let Some(bundle) = load(&inputs) {
        exercise(&bundle);
        run_checks(&bundle, None);
    }
});
