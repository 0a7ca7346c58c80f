//! Inputs the fuzz targets found (fuzz/artifacts/<target>/), kept in testdata/fuzz-regressions/ so that what they
//! revealed stays fixed. See docs/robustness.md.

use std::path::Path;

use certpack::{Bundle, Input, LoadOptions};

fn load(name: &str) -> Bundle {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/fuzz-regressions")
        .join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    Bundle::load(&[Input::from_bytes(name, bytes)], &LoadOptions::default()).unwrap()
}

/// inspect_report: a line of NUL bytes and base64 before a SEC1 key (the JSON-escaped paste of a fuzzed file).
/// The note about the ignored line quoted it raw: NUL bytes went to the terminal, and base64 (which may be key
/// material) was copied into the report.
#[test]
fn inspect_report_fe1ff629_ignored_text_is_described_not_quoted() {
    let bundle = load("inspect_report-fe1ff629.bin");
    let report = certpack::report::inspect(&bundle);
    for out in [
        report.to_text(),
        report.to_json(),
        bundle.notes().join("\n"),
    ] {
        assert!(
            !out.chars().any(|c| c.is_control() && c != '\n'),
            "control characters in: {out:?}"
        );
    }
    let note = bundle
        .notes()
        .iter()
        .find(|n| n.contains("text outside PEM blocks"))
        .expect("a note about the ignored text");
    assert!(note.contains("holds base64, not shown"), "{note}");
}
