//! `certpack check`: every test bundle under testdata/check/ yields exactly its codes; clean bundles and the real
//! public roots raise no false alarm; the known-roots table matches the real root files; signatures verify.

use std::collections::BTreeSet;

use certpack::cert::Certificate;
use certpack::check::{self, known_roots, CheckOptions, Finding, PackOptions, Report, Severity};
use certpack::target::{Capabilities, Family, Target};
use certpack::time::Timestamp;
use certpack::{Artifacts, Bundle, Error, ErrorKind, Input, LoadOptions, Params};

const TD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/");
const NOW: &str = "2026-01-15T00:00:00Z";
const ATS: &str = "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com";
const LEGACY: &str = "a1b2c3d4e5f6g7.iot.eu-west-1.amazonaws.com";
const AZURE: &str = "myhub.azure-devices.net";

fn path(rel: &str) -> String {
    format!("{TD}{rel}")
}

fn load(paths: &[&str]) -> Bundle {
    let full: Vec<String> = paths.iter().map(|p| path(p)).collect();
    let options = LoadOptions {
        passphrase: Some(zeroize::Zeroizing::new("correct horse".into())),
    };
    Bundle::load_paths(&full, &options).unwrap_or_else(|e| panic!("{paths:?}: {e}"))
}

fn at(time: &str) -> Option<Timestamp> {
    Some(Timestamp::parse(time).unwrap())
}

fn options() -> CheckOptions {
    CheckOptions {
        now: at(NOW),
        ..Default::default()
    }
}

/// Run the checks and return the set of codes; every finding must carry its code's catalogue severity.
fn codes(bundle: &Bundle, options: &CheckOptions) -> (BTreeSet<&'static str>, Vec<Finding>) {
    let findings = check::run(bundle, options);
    for f in &findings {
        let code = check::code(f.code).unwrap_or_else(|| panic!("{} is not in CODES", f.code));
        assert_eq!(f.severity, code.severity, "{f:?}");
        assert!(!f.message.is_empty() && !f.hint.is_empty(), "{f:?}");
    }
    // Checking with codes only decides the same, and says nothing.
    let bare = check::Checker::codes_only(bundle).run(options);
    let decided = |f: &Finding| (f.code, f.severity);
    assert_eq!(
        bare.iter().map(decided).collect::<Vec<_>>(),
        findings.iter().map(decided).collect::<Vec<_>>()
    );
    for f in &bare {
        assert!(
            f.message.is_empty() && f.hint.is_empty() && f.path.is_none(),
            "{f:?}"
        );
    }
    (findings.iter().map(|f| f.code).collect(), findings)
}

fn assert_codes(what: &str, bundle: &Bundle, options: &CheckOptions, expected: &[&str]) {
    let (got, findings) = codes(bundle, options);
    let expected: BTreeSet<&str> = expected.iter().copied().collect();
    assert_eq!(got, expected, "{what}: {findings:#?}");
}

/// A target that only has capabilities (the real targets are written elsewhere).
struct TestTarget {
    name: &'static str,
    rsa_only: bool,
    no_p384: bool,
    max_rsa_bits: u32,
    power_on_clock: Option<i64>,
}

impl Target for TestTarget {
    fn name(&self) -> &'static str {
        self.name
    }
    fn family(&self) -> Family {
        Family::Module
    }
    fn summary(&self) -> &'static str {
        "test target"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            rsa_only: self.rsa_only,
            no_p384: self.no_p384,
            max_rsa_bits: self.max_rsa_bits,
            no_encrypted_keys: true,
            power_on_clock: self.power_on_clock,
            set_clock_hint: "AT+CCLK=\"yy/MM/dd,hh:mm:ss+00\"",
        }
    }
    fn pack(&self, _: &Bundle, _: &Params) -> certpack::Result<Artifacts> {
        Err(Error::new(ErrorKind::Target, "test target", "none"))
    }
}

const PLAIN: TestTarget = TestTarget {
    name: "test-plain",
    rsa_only: false,
    no_p384: false,
    max_rsa_bits: 0,
    power_on_clock: None,
};
static RSA_ONLY: TestTarget = TestTarget {
    name: "test-rsa-only",
    rsa_only: true,
    ..PLAIN
};
static NO_P384: TestTarget = TestTarget {
    name: "test-no-p384",
    no_p384: true,
    ..PLAIN
};
static RSA_2048: TestTarget = TestTarget {
    name: "test-rsa-2048",
    max_rsa_bits: 2048,
    ..PLAIN
};
/// 1980-01-06, the GPS epoch cellular modems start at.
static MODEM: TestTarget = TestTarget {
    name: "test-modem",
    power_on_clock: Some(315_964_800),
    ..PLAIN
};

/// (case folder, options, expected codes): the table README.md documents.
fn cases() -> Vec<(&'static str, CheckOptions, &'static [&'static str])> {
    let o = options;
    let with = |f: fn(&mut CheckOptions)| {
        let mut opts = options();
        f(&mut opts);
        opts
    };
    vec![
        ("check/key-mismatch-rsa", o(), &["CP101"]),
        ("check/key-mismatch-ec", o(), &["CP101"]),
        ("check/names-swapped", o(), &["CP102"]),
        ("check/two-keys", o(), &["CP103"]),
        ("check/two-leaves", o(), &["CP104"]),
        ("check/no-key", o(), &["CP105"]),
        ("check/empty-key-file", o(), &["CP105", "CP107"]),
        ("check/aws-json-id-mismatch", o(), &["CP106"]),
        ("check/no-root", o(), &["CP201"]),
        ("check/device-ca-as-root", o(), &["CP202"]),
        ("check/intermediate-as-root", o(), &["CP203"]),
        ("check/server-cert-as-root", o(), &["CP204"]),
        (
            "check/retired-verisign-root",
            with(|o| o.endpoint = Some(ATS.into())),
            &["CP210"],
        ),
        (
            "check/retired-verisign-root",
            with(|o| o.endpoint = Some(LEGACY.into())),
            &["CP211"],
        ),
        (
            "check/azure-baltimore",
            with(|o| {
                o.endpoint = Some(AZURE.into());
                o.now = at("2025-01-01");
            }),
            &["CP212"],
        ),
        ("aws/ec", o(), &["CP213"]),
        ("check/retired-verisign-root", o(), &["CP214"]),
        ("check/not-yet-valid", o(), &["CP301"]),
        (
            "aws/rsa",
            with(|o| o.device_time = at("1980-01-06")),
            &["CP301"],
        ),
        ("aws/rsa", with(|o| o.target = Some(&MODEM)), &["CP302"]),
        ("check/expired", o(), &["CP303"]),
        ("check/expiring-soon", o(), &["CP304"]),
        ("check/fresh-cert", o(), &["CP305", "CP901"]),
        (
            "check/ec-key",
            with(|o| o.target = Some(&RSA_ONLY)),
            &["CP401"],
        ),
        (
            "check/p384-key",
            with(|o| o.target = Some(&NO_P384)),
            &["CP402"],
        ),
        ("check/p521-key", o(), &["CP403"]),
        (
            "check/rsa4096-key",
            with(|o| o.target = Some(&RSA_2048)),
            &["CP404"],
        ),
        ("check/rsa1024-key", o(), &["CP405"]),
        ("check/encrypted-key", o(), &["CP406", "CP901"]),
        ("check/sha1-signed", o(), &["CP407"]),
        ("check/chain-wrong-order", o(), &["CP501"]),
        ("check/missing-intermediate", o(), &["CP502"]),
        ("check/bad-signature", o(), &["CP503"]),
        ("check/pss-signature", o(), &["CP504", "CP901"]),
        ("check/root-in-client-chain", o(), &["CP505"]),
        ("check/crlf", o(), &["CP601"]),
        ("check/json-escaped", o(), &["CP602"]),
        ("check/flattened", o(), &["CP603"]),
        ("check/wrap76", o(), &["CP604"]),
        ("check/trailing-spaces", o(), &["CP605"]),
        ("check/no-final-newline", o(), &["CP606", "CP901"]),
        ("check/bom", o(), &["CP607"]),
        ("check/nul-terminated", o(), &["CP608"]),
        ("check/bag-attributes", o(), &["CP609"]),
        ("check/ec-parameters", o(), &["CP610"]),
        ("check/no-armour", o(), &["CP611"]),
        ("check/label-mismatch", o(), &["CP612"]),
        ("check/der-named-pem", o(), &["CP613"]),
        ("aws/rsa", o(), &["CP901"]),
    ]
}

#[test]
fn every_case_yields_exactly_its_codes() {
    for (case, options, expected) in cases() {
        let bundle = load(&[case]);
        assert_codes(case, &bundle, &options, expected);
    }
}

#[test]
fn every_code_has_a_case() {
    let covered: BTreeSet<&str> = cases()
        .iter()
        .flat_map(|(_, _, codes)| codes.iter().copied())
        .collect();
    let all: BTreeSet<&str> = check::CODES.iter().map(|c| c.id).collect();
    assert_eq!(covered, all);
}

#[test]
fn codes_are_stable_grouped_and_documented() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/checks.md"))
        .expect("docs/checks.md");
    let mut previous = "";
    for code in check::CODES {
        let digits = code.id.strip_prefix("CP").expect(code.id);
        assert!(
            digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()),
            "{}",
            code.id
        );
        assert!(code.id > previous, "CODES out of order at {}", code.id);
        previous = code.id;
        let row = format!(
            "| {} | {} | {} |",
            code.id,
            code.severity.name(),
            code.title
        );
        assert!(
            docs.contains(&row),
            "docs/checks.md lacks the table row {row}"
        );
        assert!(
            docs.contains(&format!("### {} ", code.id)),
            "docs/checks.md lacks a section for {}",
            code.id
        );
    }
}

#[test]
fn clean_bundles_yield_no_error() {
    let opts = options();
    assert_codes("aws/rsa", &load(&["aws/rsa"]), &opts, &["CP901"]);
    // The EC download ships Amazon Root CA 3 only: a warning, not an error.
    assert_codes("aws/ec", &load(&["aws/ec"]), &opts, &["CP213"]);
    assert_codes("azure/x509", &load(&["azure/x509"]), &opts, &["CP901"]);
    assert_codes(
        "aws-cli + root",
        &load(&["aws-cli", "roots/Amazon_Root_CA_1.crt"]),
        &opts,
        &["CP901"],
    );
    let ats = CheckOptions {
        endpoint: Some(ATS.into()),
        ..options()
    };
    assert_codes("aws/rsa at ATS", &load(&["aws/rsa"]), &ats, &["CP901"]);
    let azure = CheckOptions {
        endpoint: Some(AZURE.into()),
        ..options()
    };
    assert_codes("azure at hub", &load(&["azure/x509"]), &azure, &["CP901"]);
    // The same bundle for every real target: targets whose clock starts in the past (until set) get CP302.
    for target in certpack::target::all() {
        let with_target = CheckOptions {
            target: Some(target),
            ..options()
        };
        let expected: &[&str] = match target.capabilities().power_on_clock {
            Some(_) => &["CP302"],
            None => &["CP901"],
        };
        assert_codes(target.name(), &load(&["aws/rsa"]), &with_target, expected);
        // No target reports an error on the clean EC and Azure bundles, except an RSA-only one on the EC key.
        for bundle in ["aws/ec", "azure/x509"] {
            let (_, findings) = codes(&load(&[bundle]), &with_target);
            let errors: Vec<&str> = findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .map(|f| f.code)
                .collect();
            let rsa_only_on_ec = target.capabilities().rsa_only && bundle == "aws/ec";
            assert!(
                errors.is_empty() || (rsa_only_on_ec && errors.iter().all(|c| *c == "CP401")),
                "{} on {bundle}: {errors:?}",
                target.name()
            );
        }
    }
}

#[test]
fn real_roots_raise_no_false_alarm() {
    let mut files: Vec<String> = std::fs::read_dir(path("roots"))
        .unwrap()
        .chain(std::fs::read_dir(path("check/roots-extra")).unwrap())
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".crt") || p.ends_with(".pem"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 10);
    for file in &files {
        let bundle = Bundle::load_paths(&[file], &LoadOptions::default()).unwrap();
        let expected: &[&str] = if file.contains("Baltimore") {
            &["CP214", "CP303"] // retired, and expired on 2025-05-12
        } else if file.contains("VeriSign") {
            &["CP214"] // retired with the legacy AWS endpoints
        } else {
            &[]
        };
        assert_codes(file, &bundle, &options(), expected);
        // Before its expiry Baltimore is only retired.
        let early = CheckOptions {
            now: at("2025-01-01"),
            ..Default::default()
        };
        let expected: &[&str] = if file.contains("Baltimore") || file.contains("VeriSign") {
            &["CP214"]
        } else {
            &[]
        };
        assert_codes(file, &bundle, &early, expected);
    }
    // All ten together.
    let all: Vec<&str> = files.iter().map(String::as_str).collect();
    let bundle = Bundle::load_paths(&all, &LoadOptions::default()).unwrap();
    assert_codes("all roots", &bundle, &options(), &["CP214", "CP303"]);
    // Each current root as the server root of a device bundle of its cloud, with the endpoint.
    for (root, device, endpoint) in [
        ("Amazon_Root_CA_1.crt", "aws/rsa", ATS),
        ("Amazon_Root_CA_2.crt", "aws/rsa", ATS),
        (
            "Starfield_Services_Root_Certificate_Authority_-_G2.crt",
            "aws/rsa",
            ATS,
        ),
        (
            "DigiCert_Global_Root_G2.crt",
            "check/missing-intermediate",
            AZURE,
        ),
        (
            "Microsoft_RSA_Root_Certificate_Authority_2017.crt",
            "azure/x509",
            AZURE,
        ),
    ] {
        let root_path = files.iter().find(|f| f.ends_with(root)).unwrap();
        let device_files: Vec<String> = std::fs::read_dir(path(device))
            .unwrap()
            .map(|e| e.unwrap().path().display().to_string())
            .filter(|p| !p.contains("Root"))
            .collect();
        let mut inputs: Vec<&str> = vec![root_path];
        inputs.extend(device_files.iter().map(String::as_str));
        let bundle = Bundle::load_paths(&inputs, &LoadOptions::default()).unwrap();
        let opts = CheckOptions {
            endpoint: Some(endpoint.into()),
            ..options()
        };
        let (_, findings) = codes(&bundle, &opts);
        assert!(
            findings.iter().all(|f| f.severity < Severity::Error),
            "{root}: {findings:#?}"
        );
    }
}

fn cert(rel: &str) -> Certificate {
    let bundle = load(&[rel]);
    bundle.items()[0].certificate().unwrap().clone()
}

#[test]
fn known_roots_table_matches_the_real_files() {
    let files = [
        ("roots/Amazon_Root_CA_1.crt", "Amazon Root CA 1"),
        ("roots/Amazon_Root_CA_2.crt", "Amazon Root CA 2"),
        ("roots/Amazon_Root_CA_3.crt", "Amazon Root CA 3"),
        ("roots/Amazon_Root_CA_4.crt", "Amazon Root CA 4"),
        (
            "check/roots-extra/Starfield_Services_Root_Certificate_Authority_-_G2.crt",
            "Starfield Services Root Certificate Authority - G2",
        ),
        (
            "check/roots-extra/VeriSign-Class-3-Public-Primary-G5.pem",
            "VeriSign Class 3 Public Primary Certification Authority - G5",
        ),
        (
            "roots/DigiCert_Global_Root_G2.crt",
            "DigiCert Global Root G2",
        ),
        (
            "roots/Baltimore_CyberTrust_Root.crt",
            "Baltimore CyberTrust Root",
        ),
        (
            "roots/Microsoft_RSA_Root_Certificate_Authority_2017.crt",
            "Microsoft RSA Root Certificate Authority 2017",
        ),
        (
            "roots/Microsoft_ECC_Root_Certificate_Authority_2017.crt",
            "Microsoft ECC Root Certificate Authority 2017",
        ),
    ];
    assert_eq!(files.len(), known_roots::KNOWN_ROOTS.len());
    for (file, name) in files {
        let c = cert(file);
        let known = known_roots::identify(&c).unwrap_or_else(|| panic!("{file} not identified"));
        assert_eq!(known.name, name);
        assert_eq!(known.sha256, c.sha256_hex());
        assert_eq!(known.sha1, c.sha1_hex());
        assert_eq!(known.not_before, c.not_before().rfc3339(), "{name}");
        assert_eq!(known.not_after, c.not_after().rfc3339(), "{name}");
        assert_eq!(known.key, c.public_key().algorithm().to_string(), "{name}");
        assert!(c.subject().contains(name), "{name}: {}", c.subject());
        if let Some(successor) = known.successor {
            assert!(known_roots::by_name(successor).is_some_and(|s| s.retired.is_none()));
        }
        // Every root's self-signature verifies (SHA-1 ones are not checked).
        let expected = if file.contains("Baltimore") || file.contains("VeriSign") {
            None
        } else {
            Some(true)
        };
        assert_eq!(check::signature_valid(&c, &c), expected, "{name}");
    }
    // The Azure thumbprints users pin (field-failures.md appendix C).
    let g2 = known_roots::by_name("DigiCert Global Root G2").unwrap();
    assert_eq!(g2.sha1, "df3c24f9bfd666761b268073fe06d1cc8d4f82a4");
}

#[test]
fn signatures_verify_and_tampering_is_caught() {
    let root = cert("azure/x509/azure-iot-test-only.root.ca.cert.pem");
    let intermediate = cert("azure/x509/azure-iot-test-only.intermediate.cert.pem");
    let device = cert("azure/x509/device-mydevice.cert.pem");
    assert_eq!(check::signature_valid(&device, &intermediate), Some(true));
    assert_eq!(check::signature_valid(&intermediate, &root), Some(true));
    assert_eq!(check::signature_valid(&device, &root), Some(false));
    let standin = cert("gen/aws-standin-ca.pem");
    for leaf in ["aws/rsa", "aws/ec"] {
        let b = load(&[leaf]);
        let leaf_cert = b.leaf().unwrap().certificate().unwrap();
        assert_eq!(
            check::signature_valid(leaf_cert, &standin),
            Some(true),
            "{leaf}"
        );
    }
    // ECDSA P-256/SHA-256 (Amazon Root CA 3) signed by the wrong key.
    let root3 = cert("roots/Amazon_Root_CA_3.crt");
    let root4 = cert("roots/Amazon_Root_CA_4.crt");
    assert_eq!(check::signature_valid(&root3, &root4), Some(false));
    assert_eq!(check::signature_valid(&root3, &root), Some(false));
    // Flip one bit of the device certificate's signature: CP503.
    let mut der = device.der().to_vec();
    let last = der.len() - 1;
    der[last] ^= 1;
    let tampered = Certificate::from_der(&der).unwrap();
    assert_eq!(
        check::signature_valid(&tampered, &intermediate),
        Some(false)
    );
    let inputs = [
        Input::from_bytes("device.der", der),
        Input::from_bytes("intermediate.der", intermediate.der().to_vec()),
        Input::from_bytes(
            "key.pem",
            std::fs::read(path("azure/x509/device-mydevice.key.pem")).unwrap(),
        ),
        Input::from_bytes(
            "root.pem",
            std::fs::read(path("roots/DigiCert_Global_Root_G2.crt")).unwrap(),
        ),
    ];
    let bundle = Bundle::load(&inputs, &LoadOptions::default()).unwrap();
    assert_codes("tampered", &bundle, &options(), &["CP503"]);
}

#[test]
fn target_capabilities_apply_to_the_key_and_the_server_root() {
    let rsa_only = CheckOptions {
        target: Some(&RSA_ONLY),
        ..options()
    };
    // aws/ec: EC key and the ECC Amazon Root CA 3 both fail on an RSA-only stack.
    let (codes_ec, findings) = codes(&load(&["aws/ec"]), &rsa_only);
    assert_eq!(codes_ec, BTreeSet::from(["CP213", "CP401"]));
    assert_eq!(findings.iter().filter(|f| f.code == "CP401").count(), 2);
    // Root CA 4 (P-384) as the server root on a target without P-384.
    let no_p384 = CheckOptions {
        target: Some(&NO_P384),
        ..options()
    };
    let bundle = load(&["check/no-root", "roots/Amazon_Root_CA_4.crt"]);
    assert_codes(
        "Root CA 4, no P-384",
        &bundle,
        &no_p384,
        &["CP213", "CP402"],
    );
    // Amazon Root CA 2 (RSA 4096) on an RSA-2048 target.
    let rsa_2048 = CheckOptions {
        target: Some(&RSA_2048),
        ..options()
    };
    let bundle = load(&["check/no-root", "roots/Amazon_Root_CA_2.crt"]);
    assert_codes("Root CA 2 on RSA 2048", &bundle, &rsa_2048, &["CP404"]);
    // The power-on clock is a warning with the target's command; a given device time overrides it.
    let modem = CheckOptions {
        target: Some(&MODEM),
        ..options()
    };
    let (_, findings) = codes(&load(&["aws/rsa"]), &modem);
    assert!(findings[0].message.contains("1980-01-06"), "{findings:?}");
    assert!(findings[0].hint.contains("AT+CCLK="), "{findings:?}");
    assert!(
        findings[0].hint.contains("2024-01-01T00:00:00Z"),
        "{findings:?}"
    );
    let set = CheckOptions {
        device_time: at("2025-06-01"),
        ..modem.clone()
    };
    assert_codes(
        "modem with clock set",
        &load(&["aws/rsa"]),
        &set,
        &["CP901"],
    );
    // The encrypted key on a target that cannot decrypt: still info, naming the target.
    let (_, findings) = codes(&load(&["check/encrypted-key"]), &modem);
    let cp406 = findings.iter().find(|f| f.code == "CP406").unwrap();
    assert!(
        cp406.message.contains("test-modem cannot decrypt"),
        "{cp406:?}"
    );
}

#[test]
fn time_findings_name_dates() {
    let (_, findings) = codes(&load(&["check/expiring-soon"]), &options());
    assert_eq!(
        findings[0].message,
        "the device certificate (CN=AWS IoT Certificate) expires on 2026-02-01T00:00:00Z, in 17 days"
    );
    // A shorter window: no warning.
    let short = CheckOptions {
        expiry_warning_days: Some(10),
        ..options()
    };
    assert_codes(
        "10 days",
        &load(&["check/expiring-soon"]),
        &short,
        &["CP901"],
    );
    // The all-clear message gives the window in which the whole bundle is valid.
    let (_, findings) = codes(&load(&["aws/rsa"]), &options());
    assert!(findings[0]
        .message
        .contains("all certificates valid from 2024-01-01T00:00:00Z to 2038-01-17T00:00:00Z"));
    // Without a clock, no time finding at all (the core never reads the clock).
    let none = CheckOptions::default();
    assert_codes("no clock", &load(&["check/expired"]), &none, &["CP901"]);
}

#[test]
fn pack_refuses_on_error_unless_forced() {
    let bundle = load(&["check/key-mismatch-rsa"]);
    let opts = PackOptions {
        now: at(NOW),
        ..Default::default()
    };
    let err = check::pack_checked(&bundle, "der", &Params::new(), &opts).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CheckFailed);
    assert!(err.message().contains("CP101"), "{err}");
    let forced = PackOptions {
        force: true,
        ..opts.clone()
    };
    let packed = check::pack_checked(&bundle, "der", &Params::new(), &forced).unwrap();
    assert_eq!(packed.artifacts.files.len(), 3);
    assert_eq!(
        packed.artifacts.notes,
        ["written with force despite check error CP101 (the private key does not belong to the device certificate)"]
    );
    // Clean: written, the files equal a plain pack, the all-clear is reported.
    let clean = load(&["aws/rsa"]);
    let packed = check::pack_checked(&clean, "pem", &Params::new(), &opts).unwrap();
    let plain = certpack::target::pack(&clean, "pem", &Params::new()).unwrap();
    assert_eq!(packed.artifacts.all_files(), plain.all_files());
    assert_eq!(packed.findings[0].code, "CP901");
    // The endpoint takes part: an Azure endpoint refuses the AWS bundle.
    let azure = PackOptions {
        endpoint: Some(AZURE.into()),
        ..opts.clone()
    };
    let err = check::pack_checked(&clean, "der", &Params::new(), &azure).unwrap_err();
    assert!(err.message().contains("CP212"), "{err}");
    // Unknown targets and parameters fail as before, before any check.
    let err = check::pack_checked(&clean, "nope", &Params::new(), &opts).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Target);
}

/// A batch device checks its bundle once and then each target: one `Checker` asked for several targets, clocks
/// and endpoints, in turn, gives each exactly what a fresh check gives, for every bundle under testdata/check/.
#[test]
fn one_checker_serves_every_target() {
    let variants: Vec<CheckOptions> = ["esp32-at", "quectel", "nrf91", "der"]
        .iter()
        .map(|name| CheckOptions {
            target: Some(certpack::target::find(name).unwrap()),
            ..options()
        })
        .chain([
            CheckOptions {
                endpoint: Some(ATS.into()),
                ..options()
            },
            CheckOptions {
                endpoint: Some(AZURE.into()),
                device_time: at("1980-01-06T00:00:00Z"),
                ..options()
            },
        ])
        .collect();
    let mut with_findings = 0;
    for entry in std::fs::read_dir(path("check")).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy();
        let bundle = load(&[&format!("check/{name}")]);
        let checker = check::Checker::new(&bundle);
        for opts in &variants {
            let fresh = check::run(&bundle, opts);
            assert_eq!(checker.run(opts), fresh, "{}: {opts:?}", dir.display());
            with_findings += usize::from(fresh.iter().any(|f| f.severity > Severity::Info));
        }
    }
    assert!(with_findings > 100, "{with_findings}");
}

#[test]
fn report_json_shape() {
    let findings = check::run(&load(&["check/no-root"]), &options());
    let report = Report::new(findings);
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["worst"], "warning");
    assert_eq!(
        json["counts"],
        serde_json::json!({"error": 0, "warning": 1, "info": 0})
    );
    let finding = &json["findings"][0];
    let keys: BTreeSet<&str> = finding
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(["code", "severity", "message", "hint", "path"])
    );
    assert_eq!(finding["code"], "CP201");
    assert_eq!(finding["severity"], "warning");
    assert!(finding["path"].is_null());
    let text = report.to_text(false);
    assert!(
        text.starts_with("warning CP201 no server root CA certificate was given"),
        "{text}"
    );
    assert!(text.ends_with("0 errors, 1 warning, 0 infos\n"), "{text}");
    assert!(!text.contains('\x1b'));
    assert!(report.to_text(true).contains("\x1b[1;33mwarning\x1b[0m"));
}

#[test]
fn every_testdata_input_checks_without_panicking() {
    for dir in [
        "aws/rsa",
        "aws/ec",
        "azure/x509",
        "aws-cli",
        "messy",
        "roots",
        "check/roots-extra",
    ] {
        for entry in std::fs::read_dir(path(dir)).unwrap() {
            let p = entry.unwrap().path();
            if let Ok(bundle) = Bundle::load_paths(&[&p], &LoadOptions::default()) {
                let findings = check::run(&bundle, &options());
                assert!(findings.iter().all(|f| f.code.starts_with("CP")));
            }
        }
    }
}

#[test]
fn extreme_clocks_do_not_panic() {
    let bundle = load(&["azure/x509"]);
    for t in [i64::MIN, -1, 0, i64::MAX] {
        for modem in [None, Some(&MODEM as &'static dyn Target)] {
            let opts = CheckOptions {
                now: Some(Timestamp(t)),
                device_time: Some(Timestamp(t)),
                target: modem,
                expiry_warning_days: Some(u32::MAX),
                ..Default::default()
            };
            let _ = check::run(&bundle, &opts);
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Damaged certificates (one byte changed anywhere) either fail to load or check without panicking.
    #[test]
    fn damaged_chains_check_without_panicking(index in 0usize..4096, value: u8) {
        static CHAIN: std::sync::OnceLock<(Vec<u8>, Vec<u8>)> = std::sync::OnceLock::new();
        let (device, intermediate) = CHAIN.get_or_init(|| {
            let bundle = load(&["aws/rsa"]);
            let device = bundle.leaf().unwrap().certificate().unwrap().der().to_vec();
            (device, cert("gen/aws-standin-ca.pem").der().to_vec())
        });
        for (n, der) in [device.clone(), intermediate.clone()].into_iter().enumerate() {
            let mut damaged = der;
            let at = index % damaged.len();
            damaged[at] = value;
            let (a, b) = if n == 0 { (damaged, intermediate.clone()) } else { (device.clone(), damaged) };
            let inputs = [Input::from_bytes("a.der", a), Input::from_bytes("b.der", b)];
            if let Ok(bundle) = Bundle::load(&inputs, &LoadOptions::default()) {
                let _ = check::run(&bundle, &options());
            }
        }
    }
}
