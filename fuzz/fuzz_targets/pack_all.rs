//! Every target of `target::all()` on whatever loads (new targets join automatically), through `api::pack` with
//! the checks for that target (forced, so files are written even when a check finds an error). One target per
//! execution, so each run stays fast: the one named by `target=` in an optional first line
//! `params: name=value;...`, otherwise one chosen by a hash of the input. The other parameters of that line go to
//! the target when it declares them; targets that need an endpoint get an AWS or an Azure one. Asserts: every
//! finding and error has a fix; a file holding the private key is marked secret; `manifest.json` and
//! `README.txt` never hold the key; the output JSON parses; the codes-only checks find the same codes.
#![no_main]

use certpack::api::{self, CheckRequest, PackOptions};
use certpack::check::{self, CheckOptions};
use certpack::target::{self, Params};
use certpack_fuzz::{check_error, key_scan, load, split_inputs, split_params, NOW};
use libfuzzer_sys::fuzz_target;

const ENDPOINTS: [&str; 2] = [
    "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com",
    "myhub.azure-devices.net",
];

fuzz_target!(|data: &[u8]| {
    let (given, rest) = split_params(data);
    let inputs = split_inputs(rest);
    let Some(bundle) = load(&inputs) else {
        return;
    };
    let scan = key_scan(&bundle);
    let options = PackOptions {
        check: Some(CheckRequest {
            now: Some(NOW.0),
            ..CheckRequest::default()
        }),
        force: true,
    };
    let targets = target::all();
    let chosen = match given.iter().find(|(n, _)| n == "target") {
        Some((_, name)) => targets.iter().find(|t| t.name() == name).copied(),
        None => {
            let hash = data
                .iter()
                .fold(0u32, |h, &b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
            targets.get(hash as usize % targets.len()).copied()
        }
    };
    let Some(t) = chosen else {
        return;
    };
    let declares = |name: &str| t.params().iter().any(|p| p.name == name);
    let mut params = Params::new();
    for (name, value) in given.iter().filter(|(n, _)| declares(n)) {
        params.set(name, value.clone());
    }
    if declares("endpoint") && params.get("endpoint").is_none() {
        params.set("endpoint", ENDPOINTS[data.len() % 2]);
    }
    // The codes-only checks (batch) decide exactly as the checks with texts.
    let check = CheckOptions {
        target: Some(t),
        endpoint: params.get("endpoint").map(str::to_string),
        now: Some(NOW),
        ..CheckOptions::default()
    };
    let decided = |findings: Vec<check::Finding>| -> Vec<(&'static str, check::Severity)> {
        findings.iter().map(|f| (f.code, f.severity)).collect()
    };
    assert_eq!(
        decided(check::Checker::codes_only(&bundle).run(&check)),
        decided(check::Checker::new(&bundle).run(&check)),
        "{}: codes-only checks decided otherwise",
        t.name()
    );
    let output = match api::pack(&bundle, t.name(), &params, &options) {
        Ok(output) => output,
        Err(err) => return check_error(&err, &[]),
    };
    for finding in &output.findings {
        assert!(
            !finding.hint.is_empty(),
            "{}: finding without a fix: {finding:?}",
            t.name()
        );
    }
    let _: serde_json::Value = serde_json::from_str(&output.to_json()).expect("pack output JSON");
    for file in &output.files {
        let holds_key = scan.as_ref().and_then(|s| s.found_in(&file.bytes));
        if matches!(file.name.as_str(), "manifest.json" | "README.txt") {
            assert_eq!(
                holds_key,
                None,
                "{}: {} holds the private key",
                t.name(),
                file.name
            );
        } else if let Some(encoding) = holds_key {
            assert!(
                file.secret,
                "{}: {} holds the private key ({encoding}) but is not secret",
                t.name(),
                file.name
            );
        }
    }
});
