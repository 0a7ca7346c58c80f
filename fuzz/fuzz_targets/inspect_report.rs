//! The inspection report (text and JSON) on whatever loads: the JSON parses, and neither form prints key material.
#![no_main]

use certpack::report;
use certpack_fuzz::{contains_any, key_markers, load, split_inputs};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let inputs = split_inputs(data);
    let Some(bundle) = load(&inputs) else {
        return;
    };
    let report = report::inspect(&bundle);
    assert_eq!(report.items.len(), bundle.items().len());
    let json = report.to_json();
    let value: serde_json::Value = serde_json::from_str(&json).expect("the report is JSON");
    assert!(value["items"].is_array());
    let text = report.to_text();
    let markers = key_markers(&bundle);
    assert!(!contains_any(json.as_bytes(), &markers), "the JSON report holds the key");
    assert!(!contains_any(text.as_bytes(), &markers), "the text report holds the key");
});
