//! The inspection reports (`report::inspect` text and JSON, and `api::inspect` as the bindings return it) on
//! whatever loads: the JSON parses, and no form holds key material.
#![no_main]

use certpack::{api, report};
use certpack_fuzz::{key_scan, load, split_inputs};
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
    let api_json = api::inspect(&bundle).to_json();
    let _: serde_json::Value = serde_json::from_str(&api_json).expect("api::inspect is JSON");
    if let Some(scan) = key_scan(&bundle) {
        for (what, out) in [("JSON", &json), ("text", &text), ("api JSON", &api_json)] {
            assert_eq!(
                scan.found_in(out.as_bytes()),
                None,
                "the {what} report holds the key"
            );
        }
    }
});
