//! Key hygiene: every output file that holds the private key is marked secret (for every target), text files that
//! hold it say so at the top, and manifests, READMEs, reports, notes, errors and `Debug` output never hold it.

#[path = "common/keyscan.rs"]
mod keyscan;

use std::path::{Path, PathBuf};

use certpack::at::{Script, Step};
use certpack::convert::{self, ConvertOptions, Form};
use certpack::encode::PemStyle;
use certpack::target::{self, Params};
use certpack::{Bundle, Input, LoadOptions};
use keyscan::KeyScan;
use zeroize::Zeroizing;

fn td(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(rel)
}

fn load(rel: &str) -> Bundle {
    Bundle::load_paths(&[td(rel)], &LoadOptions::default()).unwrap()
}

/// Bundles with a key of every kind: RSA PKCS#1, EC SEC1, RSA PKCS#8, AWS CLI JSON.
const BUNDLES: &[&str] = &[
    "aws/rsa",
    "aws/ec",
    "azure/x509",
    "aws-cli/create-keys-and-certificate.json",
];

/// Targets that cannot pack these bundles with default parameters, and the parameters they get here. A target
/// that fails for lack of a parameter and is not listed makes `every_file_holding_the_key_is_secret` fail: add it
/// here (with plausible values) rather than skip it.
/// An AWS IoT endpoint for the module targets (they script the MQTT connection to it).
const AWS_ENDPOINT: &[(&str, &str)] =
    &[("endpoint", "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com")];

const PARAMS: &[(&str, &[(&str, &str)])] = &[
    ("quectel", AWS_ENDPOINT),
    ("simcom-sim7080", AWS_ENDPOINT),
    ("simcom-sim7600", AWS_ENDPOINT),
    ("ublox", AWS_ENDPOINT),
    ("nrf91", AWS_ENDPOINT),
    ("esp-at", AWS_ENDPOINT),
    ("telit", AWS_ENDPOINT),
    ("sequans", AWS_ENDPOINT),
    ("sierra-hl78", AWS_ENDPOINT),
];

/// Targets the key-hygiene test may skip, with the reason. Keep this empty unless a target truly cannot run here.
const SKIP: &[(&str, &str)] = &[];

fn params_for(name: &str) -> Params {
    let mut params = Params::new();
    for (target, values) in PARAMS {
        if *target == name {
            for (k, v) in *values {
                params.set(k, *v);
            }
        }
    }
    params
}

/// Every target's artifacts for every bundle (with the bundle's key scanner).
fn packed() -> Vec<(String, String, certpack::Artifacts, KeyScan)> {
    let mut out = Vec::new();
    let mut unparamed = Vec::new();
    for rel in BUNDLES {
        let bundle = load(rel);
        let scan = || KeyScan::new(bundle.require_key("test").unwrap());
        for t in target::all() {
            if SKIP.iter().any(|(name, _)| *name == t.name()) {
                continue;
            }
            match target::pack(&bundle, t.name(), &params_for(t.name())) {
                Ok(artifacts) => {
                    out.push((rel.to_string(), t.name().to_string(), artifacts, scan()))
                }
                Err(e) if e.kind() == certpack::ErrorKind::Target => {
                    unparamed.push(format!("{} ({e})", t.name()))
                }
                // Some targets cannot use some keys (e.g. an RSA-only module and an EC key): that is a check, not
                // a hygiene question.
                Err(_) => {}
            }
        }
    }
    unparamed.dedup();
    assert!(
        unparamed.is_empty(),
        "targets that need parameters: add them to PARAMS in core/tests/key_hygiene.rs:\n{}",
        unparamed.join("\n")
    );
    out
}

#[test]
fn every_file_holding_the_key_is_secret_for_every_target() {
    let packed = packed();
    let targets: Vec<&str> = packed.iter().map(|(_, t, _, _)| t.as_str()).collect();
    for t in target::all() {
        assert!(
            targets.contains(&t.name()) || SKIP.iter().any(|(n, _)| *n == t.name()),
            "target {} packed none of the test bundles",
            t.name()
        );
    }
    let mut holding = 0;
    for (bundle, target, artifacts, scan) in &packed {
        for file in &artifacts.files {
            if let Some(encoding) = scan.found_in(&file.bytes) {
                holding += 1;
                assert!(
                    file.secret,
                    "{target} on {bundle}: {} holds the private key ({encoding}) but is not marked secret",
                    file.name
                );
            }
        }
    }
    assert!(
        holding >= BUNDLES.len() * 2,
        "the scanner found too few key files ({holding})"
    );
}

#[test]
fn manifest_and_readme_never_hold_the_key() {
    for (bundle, target, artifacts, scan) in packed() {
        for (name, bytes) in artifacts.all_files() {
            if name == "manifest.json" || name == "README.txt" {
                assert_eq!(scan.found_in(&bytes), None, "{target} on {bundle}: {name}");
            }
        }
    }
}

/// PEM and JSON cannot carry a comment; every other text file holding a key must say so in its first lines.
fn is_commentless(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with("-----BEGIN") || t.starts_with('{') || t.starts_with('[')
}

#[test]
fn text_files_holding_the_key_say_so_at_the_top() {
    for (bundle, target, artifacts, scan) in packed() {
        for file in &artifacts.files {
            let Ok(text) = std::str::from_utf8(&file.bytes) else {
                continue;
            };
            if scan.found_in(&file.bytes).is_none() || is_commentless(text) || text.contains('\0') {
                continue;
            }
            let top: String = text
                .lines()
                .take(5)
                .collect::<Vec<_>>()
                .join("\n")
                .to_lowercase();
            assert!(
                top.contains("private key") || top.contains("secret"),
                "{target} on {bundle}: {} holds the key but its first lines do not say so:\n{top}",
                file.name
            );
        }
    }
}

#[test]
fn converted_key_files_are_secret_and_nothing_else_is() {
    for rel in BUNDLES {
        let bundle = load(rel);
        let scan = KeyScan::new(bundle.require_key("t").unwrap());
        for &form in Form::ALL {
            for pem in [false, true] {
                let options = ConvertOptions {
                    form,
                    pem,
                    style: PemStyle::default(),
                };
                let Ok(out) = convert::convert(&bundle, &options) else {
                    continue;
                };
                for file in &out.files {
                    assert_eq!(
                        file.secret,
                        scan.found_in(&file.bytes).is_some(),
                        "{rel} {form:?}: {}",
                        file.name
                    );
                }
                assert_eq!(scan.found_in(out.manifest_json().as_bytes()), None);
            }
        }
    }
}

#[test]
fn debug_output_never_holds_key_material_or_the_passphrase() {
    let passphrase = "correct horse";
    let options = LoadOptions {
        passphrase: Some(Zeroizing::new(passphrase.into())),
    };
    let enc = Bundle::load_paths(&[td("encrypted/private.enc.pem")], &options).unwrap();
    let enc_input = Input::read_path(&td("encrypted/private.enc.pem")).unwrap();
    assert!(!format!("{options:?}").contains(passphrase));
    for rel in BUNDLES {
        let bundle = load(rel);
        let key = bundle.require_key("t").unwrap();
        let scan = KeyScan::new(key);
        let inputs = Input::read_path(&td(rel)).unwrap();
        let pem_out = target::pack(&bundle, "pem", &Params::new()).unwrap();
        let mut script = Script::new("test");
        script.push(Step::new("AT+KEY", "key upload").payload(
            "k.der",
            &key.pkcs8_der(),
            ">",
            true,
        ));
        let texts = [
            format!("{bundle:?}"),
            format!("{:?}", bundle.items()),
            format!("{key:?}"),
            format!("{inputs:?}"),
            format!("{pem_out:?}"),
            format!("{:?}", pem_out.files),
            format!("{script:?}"),
            format!("{:?}", certpack::report::inspect(&bundle)),
            format!("{enc:?}"),
            format!("{enc_input:?}"),
        ];
        for text in &texts {
            assert_eq!(scan.found_in(text.as_bytes()), None, "{rel}: {text}");
            // Debug of a Vec<u8> prints decimal bytes: none of the key's bytes may appear as such a list.
            let der = key.traditional_der();
            let decimal: Vec<String> = der[der.len() / 2..der.len() / 2 + 8]
                .iter()
                .map(|b| b.to_string())
                .collect();
            assert!(
                !text.contains(&decimal.join(", ")),
                "{rel}: decimal bytes in {text}"
            );
            assert!(!text.contains(passphrase));
        }
        assert!(format!("{key:?}").contains("<redacted>"));
    }
}

#[test]
fn notes_and_reports_never_quote_key_text() {
    // A certificate followed by an EC key whose BEGIN line was lost: the key's base64 is "text after the last
    // block" and must not be quoted in the note (a SEC1 key's first line holds most of the private scalar).
    let key_pem = std::fs::read_to_string(td("aws/ec/46623c5574-private.pem.key")).unwrap();
    let leaf = std::fs::read_to_string(td("aws/ec/46623c5574-certificate.pem.crt")).unwrap();
    let without_begin: String = key_pem.lines().skip(1).map(|l| format!("{l}\n")).collect();
    let key = load("aws/ec").require_key("t").unwrap().clone();
    let scan = KeyScan::new(&key);
    // ... or whose BEGIN line lost its dashes and line break, so the label runs into the first body line.
    let begin_damaged = key_pem.replacen(
        "-----BEGIN EC PRIVATE KEY-----\n",
        "BEGIN EC PRIVATE KEY-----",
        1,
    );
    for text in [
        format!("{leaf}{without_begin}"),
        format!("{without_begin}{leaf}"),
        format!("{begin_damaged}{leaf}"),
    ] {
        let bundle = Bundle::load(
            &[Input::from_bytes("mixed.pem", text)],
            &LoadOptions::default(),
        )
        .unwrap();
        let report = certpack::report::inspect(&bundle);
        for out in [
            report.to_text(),
            report.to_json(),
            bundle.notes().join("\n"),
        ] {
            assert_eq!(scan.found_in(out.as_bytes()), None, "{out}");
        }
        assert!(
            bundle
                .notes()
                .iter()
                .any(|n| n.contains("holds base64, not shown")),
            "{:?}",
            bundle.notes()
        );
    }
}

#[test]
fn errors_never_quote_key_text() {
    let key_pem = std::fs::read_to_string(td("aws/rsa/93f1d43d67-private.pem.key")).unwrap();
    let key = load("aws/rsa").require_key("t").unwrap().clone();
    let scan = KeyScan::new(&key);
    let escaped = serde_json::to_string(&key_pem).unwrap();
    let cases = [
        // A key where the JSON wants an object, a number, a list.
        format!("{{\"keyPair\": {escaped}}}"),
        format!("{{\"certificateDescription\": {escaped}}}"),
        format!("{{\"certificatePem\": [{escaped}]}}"),
        // A key with one damaged character, and one cut short.
        key_pem.replacen('A', "\u{201c}", 3),
        key_pem[..key_pem.len() / 2].to_string(),
        key_pem.replace("-----END RSA PRIVATE KEY-----", ""),
    ];
    for text in cases {
        let err = Bundle::load(
            &[Input::from_bytes("bad.json", text.clone())],
            &LoadOptions::default(),
        )
        .unwrap_err();
        let shown = format!("{err} {err:?}");
        assert_eq!(scan.found_in(shown.as_bytes()), None, "{shown}");
    }
}

#[test]
fn core_and_cli_forbid_unsafe_code() {
    for file in ["core/src/lib.rs", "cli/src/main.rs"] {
        let source =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(file))
                .unwrap();
        assert!(
            source.contains("#![forbid(unsafe_code)]"),
            "{file} lacks #![forbid(unsafe_code)]"
        );
    }
}
