//! Every target of `target::all()` with default parameters on whatever loads (new targets join automatically):
//! packing, checks for that target, manifest and README; a file holding the private key is marked secret, and
//! manifest.json / README.txt never hold it.
#![no_main]

use certpack::target::{self, Params};
use certpack_fuzz::{check_error, contains_any, key_markers, load, run_checks, split_inputs};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let inputs = split_inputs(data);
    let Some(bundle) = load(&inputs) else {
        return;
    };
    let markers = key_markers(&bundle);
    for t in target::all() {
        run_checks(&bundle, Some(t));
        let artifacts = match target::pack(&bundle, t.name(), &Params::new()) {
            Ok(a) => a,
            Err(err) => {
                check_error(&err, &[]);
                continue;
            }
        };
        for file in &artifacts.files {
            if contains_any(&file.bytes, &markers) {
                assert!(file.secret, "{}: {} holds the private key but is not secret", t.name(), file.name);
            }
        }
        let manifest = artifacts.manifest_json();
        let _: serde_json::Value = serde_json::from_str(&manifest).expect("manifest.json is JSON");
        assert!(!contains_any(manifest.as_bytes(), &markers), "{}: manifest holds the key", t.name());
        assert!(
            !contains_any(artifacts.readme_txt().as_bytes(), &markers),
            "{}: README holds the key",
            t.name()
        );
        let files = artifacts.all_files();
        assert_eq!(files.len(), artifacts.files.len() + 2);
    }
});
