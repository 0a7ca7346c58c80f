//! The CLI never prints a private key: not on stdout, not on stderr, whatever the command (`inspect` text and
//! JSON, `convert`, `pack`, `targets`, errors). Keys only ever go into files under `-o`.

#[path = "../../core/tests/common/keyscan.rs"]
mod keyscan;

mod common;

use std::process::Output;

use certpack::{Bundle, LoadOptions};
use common::{certpack, td, temp_dir};
use keyscan::KeyScan;

fn scan(rel: &str) -> KeyScan {
    let bundle = Bundle::load_paths(&[td(rel)], &LoadOptions::default()).unwrap();
    KeyScan::new(bundle.require_key("test").unwrap())
}

fn assert_no_key(scan: &KeyScan, out: &Output, what: &str) {
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert_eq!(
            scan.found_in(bytes),
            None,
            "{what}: the key is on {stream}:\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

#[test]
fn inspect_never_prints_the_key() {
    for rel in [
        "aws/rsa",
        "aws/ec",
        "azure/x509",
        "aws-cli/create-keys-and-certificate.json",
    ] {
        let scan = scan(rel);
        for args in [vec!["inspect", "--json"], vec!["inspect"]] {
            let mut args = args.clone();
            let path = td(rel);
            args.push(&path);
            let out = certpack(&args);
            assert!(
                out.status.success(),
                "{rel}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(!out.stdout.is_empty());
            assert_no_key(&scan, &out, &format!("{args:?}"));
        }
    }
    // The encrypted key, decrypted with its passphrase, is not printed either.
    let out = certpack(&[
        "inspect",
        "--json",
        "--passphrase-file",
        &td("encrypted/passphrase.txt"),
        &td("encrypted/private.enc.pem"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_no_key(&scan("aws/rsa"), &out, "inspect encrypted");
}

#[test]
fn convert_and_pack_write_keys_only_to_files() {
    for rel in ["aws/rsa", "aws/ec"] {
        let scan = scan(rel);
        for (n, args) in [
            vec!["convert", "--to", "pkcs8", "--pem"],
            vec!["convert", "--to", "pem"],
            vec!["pack", "--target", "pem"],
            vec!["pack", "--target", "der"],
        ]
        .into_iter()
        .enumerate()
        {
            let dir = temp_dir(&format!("{}-{n}", rel.replace('/', "-")));
            let (path, out_dir) = (td(rel), dir.display().to_string());
            let mut args = args.clone();
            args.extend([path.as_str(), "-o", out_dir.as_str()]);
            let out = certpack(&args);
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_no_key(&scan, &out, &format!("{args:?}"));
            // The key did go somewhere: into a file.
            let written = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| std::fs::read(e.unwrap().path()).unwrap())
                .any(|bytes| scan.found_in(&bytes).is_some());
            assert!(written, "{args:?}: no output file holds the key");
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

#[test]
fn errors_about_a_key_never_print_it() {
    let scan = scan("aws/rsa");
    let dir = temp_dir("errors");
    std::fs::create_dir_all(&dir).unwrap();
    let key = std::fs::read_to_string(td("aws/rsa/93f1d43d67-private.pem.key")).unwrap();
    let cases = [
        (
            "keypair-string.json",
            format!("{{\"keyPair\": {}}}", serde_json::to_string(&key).unwrap()),
        ),
        ("damaged.pem", key.replacen('A', "\u{2026}", 2)),
        ("cut.pem", key[..key.len() * 2 / 3].to_string()),
    ];
    for (name, text) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let out = certpack(&["inspect", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(3), "{name}");
        assert_no_key(&scan, &out, name);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
