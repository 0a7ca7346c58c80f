//! testdata/bad/: every malformed input gives the error kind cases.tsv names, names the input, and says how to
//! fix it. The Python and JS suites run the same cases.tsv.

use std::path::{Path, PathBuf};

use certpack::{Bundle, ErrorKind, Input, LoadOptions};
use zeroize::Zeroizing;

fn bad_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/bad")
}

/// One row of cases.tsv.
struct Case {
    file: String,
    kind: String,
    passphrase: Option<String>,
    why: String,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(bad_dir().join("cases.tsv")).expect("cases.tsv");
    let mut rows = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    assert_eq!(
        rows.next(),
        Some("file\tkind\tpassphrase\twhy"),
        "cases.tsv header"
    );
    rows.map(|row| {
        let cols: Vec<&str> = row.split('\t').collect();
        assert_eq!(
            cols.len(),
            4,
            "cases.tsv row needs 4 tab-separated columns: {row:?}"
        );
        Case {
            file: cols[0].to_string(),
            kind: cols[1].to_string(),
            passphrase: Some(cols[2]).filter(|p| !p.is_empty()).map(str::to_string),
            why: cols[3].to_string(),
        }
    })
    .collect()
}

/// `@random:N`: N bytes of xorshift32 (seed 2463534242; x ^= x << 13; x ^= x >> 17; x ^= x << 5; each step's
/// low byte), the generator README.md specifies for every runtime.
fn generated(spec: &str) -> Option<Vec<u8>> {
    let n: usize = spec.strip_prefix("@random:")?.parse().ok()?;
    let mut x: u32 = 2_463_534_242;
    Some(
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x & 0xff) as u8
            })
            .collect(),
    )
}

fn bytes_of(case: &Case) -> Vec<u8> {
    if case.file.starts_with('@') {
        return generated(&case.file).unwrap_or_else(|| panic!("unknown generator {}", case.file));
    }
    std::fs::read(bad_dir().join(&case.file)).unwrap_or_else(|e| panic!("{}: {e}", case.file))
}

fn options(case: &Case) -> LoadOptions {
    LoadOptions {
        passphrase: case.passphrase.clone().map(Zeroizing::new),
    }
}

/// What is wrong with the outcome of loading one case, if anything.
fn problem(case: &Case, name: &str, result: certpack::Result<Bundle>) -> Option<String> {
    let err = match result {
        Ok(bundle) => {
            return Some(format!(
                "loaded without error ({} items)",
                bundle.items().len()
            ))
        }
        Err(err) => err,
    };
    let mut problems = Vec::new();
    if err.kind().code() != case.kind {
        problems.push(format!(
            "kind {} instead of {}",
            err.kind().code(),
            case.kind
        ));
    }
    if err.path() != Some(name) {
        problems.push(format!("names {:?} instead of {name:?}", err.path()));
    }
    if err.message().trim().is_empty() {
        problems.push("empty message".into());
    }
    if err.hint().trim().is_empty() {
        problems.push("empty hint".into());
    }
    (!problems.is_empty()).then(|| format!("{} -- error was: {err}", problems.join("; ")))
}

#[test]
fn every_bad_case_gives_its_error_kind_names_the_file_and_says_how_to_fix_it() {
    let mut failures = Vec::new();
    for case in cases() {
        let input = Input::from_bytes(case.file.clone(), bytes_of(&case));
        let result = Bundle::load(&[input], &options(&case));
        if let Some(p) = problem(&case, &case.file, result) {
            failures.push(format!("{} ({}): {p}", case.file, case.why));
        }
        if !case.file.starts_with('@') {
            // The same through the file system: the error names the path as given.
            let path = bad_dir().join(&case.file);
            let result = Bundle::load_paths(&[&path], &options(&case));
            if let Some(p) = problem(&case, &path.display().to_string(), result) {
                failures.push(format!("{} by path: {p}", case.file));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} bad cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_is_complete_and_well_formed() {
    let cases = cases();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let codes: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
    let mut listed = Vec::new();
    for case in &cases {
        assert!(
            codes.contains(&case.kind.as_str()),
            "{}: unknown kind {}",
            case.file,
            case.kind
        );
        assert!(!case.why.trim().is_empty(), "{}: no why", case.file);
        assert!(!listed.contains(&case.file), "{} listed twice", case.file);
        listed.push(case.file.clone());
        if !case.file.starts_with('@') {
            let len = std::fs::metadata(bad_dir().join(&case.file))
                .unwrap_or_else(|e| panic!("{}: {e}", case.file))
                .len();
            assert!(
                len <= 16 * 1024,
                "{} is {len} bytes: keep committed cases small",
                case.file
            );
        }
    }
    for entry in std::fs::read_dir(bad_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !["README.md", "cases.tsv", "make.py"].contains(&name.as_str()) {
            assert!(
                listed.contains(&name),
                "{name} is in testdata/bad but not in cases.tsv"
            );
        }
    }
}

#[test]
fn random_generator_is_the_documented_one() {
    // The first bytes README.md quotes, so the Python and JS runners can check their generator.
    let bytes = generated("@random:8").unwrap();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, "637aa07ee1eaf23d");
    assert_eq!(generated("@random:2097152").unwrap().len(), 2 * 1024 * 1024);
}

#[test]
fn typographic_dash_detection_is_limited_to_armour() {
    // Prose that merely mentions BEGIN next to an en dash is skipped in a folder, not taken for broken PEM.
    let dir = std::env::temp_dir().join(format!("certpack-bad-notes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let leaf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/aws/ec/46623c5574-certificate.pem.crt");
    std::fs::copy(&leaf, dir.join("device.pem.crt")).unwrap();
    std::fs::write(
        dir.join("notes.txt"),
        "Copy everything from BEGIN to END \u{2013} including the dashes.\n",
    )
    .unwrap();
    let bundle = Bundle::load_paths(&[&dir], &LoadOptions::default()).unwrap();
    assert_eq!(bundle.items().len(), 1);
    assert!(
        bundle
            .notes()
            .iter()
            .any(|n| n.contains("notes.txt") && n.contains("skipped")),
        "{:?}",
        bundle.notes()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_item_names_the_folder_files_that_were_skipped() {
    // A copy that emptied the key file, or random bytes in its place: the folder still loads (the file is
    // skipped), and the error for the missing key names that file and says to replace it.
    let dir = std::env::temp_dir().join(format!("certpack-bad-skipped-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let aws = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/aws/ec");
    std::fs::copy(
        aws.join("46623c5574-certificate.pem.crt"),
        dir.join("46623c5574-certificate.pem.crt"),
    )
    .unwrap();
    let key = dir.join("46623c5574-private.pem.key");
    std::fs::write(&key, b"").unwrap();
    let bundle = Bundle::load_paths(&[&dir], &LoadOptions::default()).unwrap();
    assert_eq!(bundle.skipped().len(), 1);
    let err = bundle.require_key("target esp32-at").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Missing);
    assert_eq!(err.path(), Some(key.display().to_string().as_str()));
    assert!(
        err.message().contains("skipped: the input is empty"),
        "{err}"
    );
    assert!(err.hint().starts_with("replace this file"), "{err}");
    assert!(err.hint().contains("add the private key"), "{err}");

    // Two skipped files: both are listed, the error concerns no single one.
    std::fs::write(dir.join("notes.bin"), [0xffu8, 0x00, 0x13, 0x37]).unwrap();
    let bundle = Bundle::load_paths(&[&dir], &LoadOptions::default()).unwrap();
    let err = bundle.require_key("target der").unwrap_err();
    assert_eq!(err.path(), None);
    for name in [
        "46623c5574-private.pem.key (the input is empty)",
        "notes.bin (",
    ] {
        assert!(err.message().contains(name), "{err}");
    }
    assert!(err.hint().starts_with("replace the skipped files"), "{err}");

    // Nothing skipped: the plain message, as before.
    std::fs::remove_file(dir.join("notes.bin")).unwrap();
    std::fs::remove_file(&key).unwrap();
    let bundle = Bundle::load_paths(&[&dir], &LoadOptions::default()).unwrap();
    let err = bundle.require_key("target der").unwrap_err();
    assert_eq!(err.path(), None);
    assert!(err.hint().starts_with("add the private key"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
