//! Loading, classification, repair notes and conversions, against OpenSSL's bytes in testdata/vectors/der.

use std::path::{Path, PathBuf};

use certpack::convert::{self, ConvertOptions, Form};
use certpack::encode::{Eol, PemStyle};
use certpack::{Bundle, ErrorKind, Input, LoadOptions, Role};

fn td(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(rel)
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(td(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn load(paths: &[&str]) -> Bundle {
    let paths: Vec<PathBuf> = paths.iter().map(|p| td(p)).collect();
    Bundle::load_paths(&paths, &LoadOptions::default()).unwrap()
}

fn load_bytes(name: &str, bytes: &[u8]) -> certpack::Result<Bundle> {
    Bundle::load(&[Input::from_bytes(name, bytes)], &LoadOptions::default())
}

fn only_file(bundle: &Bundle, form: Form, pem: bool) -> Vec<u8> {
    let options = ConvertOptions {
        form,
        pem,
        style: PemStyle::default(),
    };
    let out = convert::convert(bundle, &options).unwrap();
    assert_eq!(out.files.len(), 1, "{:?}", out.files);
    out.files[0].bytes.to_vec()
}

/// (input, form, pem?, expected OpenSSL output), for both key types.
const OPENSSL_CASES: &[(&str, Form, bool, &str)] = &[
    (
        "rsa2048/client.crt.pem",
        Form::Der,
        false,
        "rsa2048/client.crt.der",
    ),
    (
        "rsa2048/client.pkcs1.key.pem",
        Form::Pkcs1,
        false,
        "rsa2048/client.pkcs1.key.der",
    ),
    (
        "rsa2048/client.pkcs1.key.pem",
        Form::Pkcs8,
        false,
        "rsa2048/client.pkcs8.key.der",
    ),
    (
        "rsa2048/client.pkcs1.key.pem",
        Form::Pkcs8,
        true,
        "rsa2048/client.pkcs8.key.pem",
    ),
    (
        "rsa2048/client.pkcs1.key.pem",
        Form::Spki,
        false,
        "rsa2048/client.spki.pub.der",
    ),
    (
        "rsa2048/client.pkcs1.key.pem",
        Form::Spki,
        true,
        "rsa2048/client.spki.pub.pem",
    ),
    (
        "rsa2048/client.pkcs8.key.pem",
        Form::Pkcs1,
        false,
        "rsa2048/client.pkcs1.key.der",
    ),
    (
        "rsa2048/client.crt.pem",
        Form::Pem,
        false,
        "rsa2048/client.crt.pem",
    ),
    (
        "rsa2048/client.pkcs1.key.der",
        Form::Pem,
        false,
        "rsa2048/client.pkcs1.key.pem",
    ),
    (
        "p256/client.crt.pem",
        Form::Der,
        false,
        "p256/client.crt.der",
    ),
    (
        "p256/client.sec1.key.pem",
        Form::Sec1,
        false,
        "p256/client.sec1.key.der",
    ),
    (
        "p256/client.sec1.key.pem",
        Form::Pkcs8,
        false,
        "p256/client.pkcs8.key.der",
    ),
    (
        "p256/client.sec1.key.pem",
        Form::Pkcs8,
        true,
        "p256/client.pkcs8.key.pem",
    ),
    (
        "p256/client.sec1.key.pem",
        Form::Spki,
        false,
        "p256/client.spki.pub.der",
    ),
    (
        "p256/client.sec1.key.pem",
        Form::Spki,
        true,
        "p256/client.spki.pub.pem",
    ),
    (
        "p256/client.pkcs8.key.der",
        Form::Sec1,
        false,
        "p256/client.sec1.key.der",
    ),
    (
        "p256/client.spki.pub.pem",
        Form::Der,
        false,
        "p256/client.spki.pub.der",
    ),
    (
        "p256/client.sec1.key.der",
        Form::Pem,
        false,
        "p256/client.sec1.key.pem",
    ),
];

#[test]
fn every_conversion_equals_openssl_bytes() {
    for (input, form, pem, expected) in OPENSSL_CASES {
        let rel = format!("vectors/der/{input}");
        let bundle = load_bytes(input, &read(&rel)).unwrap();
        let got = only_file(&bundle, *form, *pem);
        assert_eq!(
            got,
            read(&format!("vectors/der/{expected}")),
            "{input} -> {form:?} pem={pem}"
        );
    }
}

#[test]
fn encrypted_pkcs8_decrypts_to_openssl_bytes() {
    let enc = read("vectors/der/rsa2048/client.pkcs8.enc.pem");
    let options = LoadOptions {
        passphrase: Some(zeroize::Zeroizing::new("correct horse".into())),
    };
    let bundle = Bundle::load(&[Input::from_bytes("enc.pem", enc.clone())], &options).unwrap();
    assert_eq!(
        only_file(&bundle, Form::Pkcs8, false),
        read("vectors/der/rsa2048/client.pkcs8.key.der")
    );
    let wrong = LoadOptions {
        passphrase: Some(zeroize::Zeroizing::new("wrong".into())),
    };
    let err = Bundle::load(&[Input::from_bytes("enc.pem", enc.clone())], &wrong).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Passphrase);
    let err = load_bytes("enc.pem", &enc).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Passphrase);
    assert_eq!(err.path(), Some("enc.pem"));
}

#[test]
fn crlf_pem_output_and_no_final_newline() {
    let bundle = load_bytes("c.pem", &read("vectors/der/p256/client.crt.pem")).unwrap();
    let style = PemStyle {
        eol: Eol::CrLf,
        final_newline: false,
    };
    let out = convert::convert(
        &bundle,
        &ConvertOptions {
            form: Form::Pem,
            pem: true,
            style,
        },
    )
    .unwrap();
    let lf = String::from_utf8(read("vectors/der/p256/client.crt.pem")).unwrap();
    let expected = lf.trim_end().replace('\n', "\r\n");
    assert_eq!(out.files[0].bytes.to_vec(), expected.into_bytes());
}

fn roles(bundle: &Bundle) -> Vec<&'static str> {
    bundle.items().iter().map(|i| i.role.name()).collect()
}

#[test]
fn aws_console_folder_rsa_and_ec() {
    for (dir, prefix, root) in [
        ("aws/rsa", "93f1d43d67", "Amazon Root CA 1"),
        ("aws/ec", "46623c5574", "Amazon Root CA 3"),
    ] {
        let bundle = load(&[dir]);
        assert_eq!(
            roles(&bundle),
            ["leaf", "private-key", "public-key", "root"],
            "{dir}"
        );
        let leaf = bundle.require_leaf("test").unwrap();
        assert!(leaf.aws_certificate_id().starts_with(prefix));
        assert_eq!(bundle.key_matches_leaf(), Some(true));
        assert!(bundle
            .server_root()
            .unwrap()
            .certificate()
            .unwrap()
            .subject()
            .contains(root));
        assert_eq!(leaf.subject(), "CN=AWS IoT Certificate");
    }
}

#[test]
fn aws_cli_json() {
    let bundle = load(&["aws-cli/create-keys-and-certificate.json"]);
    assert_eq!(roles(&bundle), ["leaf", "private-key", "public-key"]);
    assert_eq!(
        bundle.require_leaf("t").unwrap().aws_certificate_id(),
        "bde9ae7304af60f09165e57b26cd096bb35d150155bd27e7411dcdd82cc111f1"
    );
    assert_eq!(bundle.key_matches_leaf(), Some(true));
    assert!(bundle
        .items()
        .iter()
        .all(|i| i.origin.encoding == "aws-json"));
}

#[test]
fn azure_folder_chain_in_issuing_order() {
    let bundle = load(&["azure/x509"]);
    let leaf = bundle.require_leaf("t").unwrap();
    assert_eq!(leaf.subject(), "CN=mydevice");
    let chain: Vec<String> = bundle
        .chain()
        .map(|i| i.certificate().unwrap().subject())
        .collect();
    assert_eq!(chain, ["CN=Azure IoT Hub Intermediate Cert Test Only"]);
    assert!(bundle
        .chain_root()
        .unwrap()
        .certificate()
        .unwrap()
        .subject()
        .contains("Azure IoT Hub CA Cert Test Only"));
    assert!(bundle
        .server_root()
        .unwrap()
        .certificate()
        .unwrap()
        .subject()
        .contains("DigiCert Global Root G2"));
    assert_eq!(bundle.key_matches_leaf(), Some(true));
    assert!(bundle
        .notes()
        .iter()
        .any(|n| n.contains("repeats a certificate")));
}

#[test]
fn key_of_another_device_does_not_match() {
    let bundle = load(&[
        "aws/rsa/93f1d43d67-certificate.pem.crt",
        "aws-cli/create-keys-and-certificate.json",
    ]);
    // The JSON's key matches the JSON's certificate, so that one becomes the leaf; the other is a second leaf.
    assert!(bundle.notes().iter().any(|n| n.contains("second device")));
    let leaf_cert = read("aws/rsa/93f1d43d67-certificate.pem.crt");
    let key_only = load(&["aws-cli/create-keys-and-certificate.json"]);
    let key_pem = certpack::encode::pem(
        "PRIVATE KEY",
        &key_only.require_key("t").unwrap().pkcs8_der(),
        PemStyle::default(),
    )
    .unwrap();
    let mixed = Bundle::load(
        &[
            Input::from_bytes("leaf.pem", leaf_cert),
            Input::from_bytes("key.pem", key_pem),
        ],
        &LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(mixed.key_matches_leaf(), Some(false));
}

/// Every damaged-but-recoverable file yields the same DER as the clean one, with a note saying what was repaired.
#[test]
fn messy_inputs_are_repaired_with_notes() {
    let clean_leaf = load(&["aws/rsa/93f1d43d67-certificate.pem.crt"])
        .require_leaf("t")
        .unwrap()
        .der()
        .to_vec();
    let clean_key = load(&["aws/rsa/93f1d43d67-private.pem.key"])
        .require_key("t")
        .unwrap()
        .pkcs8_der()
        .to_vec();
    let cases: &[(&str, &str)] = &[
        ("crlf", "CRLF line endings"),
        ("bom", "byte-order mark"),
        ("bag-attributes", "text outside PEM blocks"),
        ("trailing-spaces", "trailing whitespace"),
        ("no-final-newline", "does not end with a line break"),
        ("json-escaped", "literal \\n escape"),
        ("one-line-spaces", "flattened"),
        ("wrap76", "not 64 columns"),
    ];
    for (case, note) in cases {
        for (kind, clean) in [("leaf", &clean_leaf), ("key", &clean_key)] {
            let rel = format!("messy/{kind}-{case}.pem");
            let bundle = load(&[&rel]);
            let got = match kind {
                "leaf" => bundle.require_leaf("t").unwrap().der().to_vec(),
                _ => bundle.require_key("t").unwrap().pkcs8_der().to_vec(),
            };
            assert_eq!(&got, clean, "{rel}");
            let notes = bundle.notes().join("\n");
            assert!(
                notes.contains(note),
                "{rel}: expected a note with {note:?}, got:\n{notes}"
            );
        }
    }
}

#[test]
fn der_sniffed_by_content_and_ec_parameters_dropped() {
    let bundle = load(&["messy/leaf-der-named.pem"]);
    assert_eq!(bundle.leaf().unwrap().origin.encoding, "der");
    let bundle = load(&["messy/ec-key-with-params.pem"]);
    assert_eq!(roles(&bundle), ["private-key"]);
    assert!(bundle.notes().iter().any(|n| n.contains("EC PARAMETERS")));
    let bundle = load(&["messy/bundle-key-root-leaf.pem"]);
    assert_eq!(roles(&bundle), ["private-key", "root", "leaf"]);
    assert_eq!(bundle.key_matches_leaf(), Some(true));
}

#[test]
fn real_roots_are_roots() {
    for entry in std::fs::read_dir(td("roots")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "crt") {
            let bundle = Bundle::load_paths(&[&path], &LoadOptions::default()).unwrap();
            assert_eq!(roles(&bundle), [Role::Root.name()], "{}", path.display());
        }
    }
}

#[test]
fn bad_inputs_get_typed_located_errors() {
    let leaf = read("aws/rsa/93f1d43d67-certificate.pem.crt");
    let der = load(&["aws/rsa/93f1d43d67-certificate.pem.crt"])
        .require_leaf("t")
        .unwrap()
        .der()
        .to_vec();
    let curly = String::from_utf8(leaf.clone())
        .unwrap()
        .replacen("MII", "MI\u{201c}", 1);
    let truncated_pem = &leaf[..leaf.len() / 2];
    let cases: Vec<(&str, Vec<u8>, ErrorKind)> = vec![
        (
            "photo.jpg",
            vec![0xff, 0xd8, 0xff, 0xe0, 0, 0x10],
            ErrorKind::UnknownFormat,
        ),
        ("empty.pem", Vec::new(), ErrorKind::UnknownFormat),
        ("cut.der", der[..der.len() - 10].to_vec(), ErrorKind::Der),
        ("curly.pem", curly.into_bytes(), ErrorKind::Pem),
        ("cut.pem", truncated_pem.to_vec(), ErrorKind::Pem),
        ("big.bin", vec![0x30; 2 * 1024 * 1024], ErrorKind::TooLarge),
        (
            "notes.txt",
            b"hello, this is my certificate".to_vec(),
            ErrorKind::UnknownFormat,
        ),
        (
            "bad.json",
            b"{\"certificatePem\": 12".to_vec(),
            ErrorKind::Json,
        ),
    ];
    for (name, bytes, kind) in cases {
        let err = load_bytes(name, &bytes).unwrap_err();
        assert_eq!(err.kind(), kind, "{name}: {err}");
        assert_eq!(err.path(), Some(name));
        assert!(!err.hint().is_empty(), "{name}: no hint");
    }
    let err = load_bytes(
        "curly.pem",
        String::from_utf8(leaf)
            .unwrap()
            .replacen("MII", "MI\u{201c}", 1)
            .as_bytes(),
    )
    .unwrap_err();
    assert_eq!(err.location(), Some(certpack::error::Location::Line(2)));
}

#[test]
fn debug_never_prints_key_material() {
    let bundle = load(&["aws/rsa"]);
    let text = format!("{bundle:?}");
    assert!(text.contains("<redacted>"));
    let key_der = bundle.require_key("t").unwrap().pkcs1_der().unwrap();
    let hex_start: String = key_der[7..15].iter().map(|b| format!("{b:02x}")).collect();
    assert!(!text.contains(&hex_start));
    assert!(!text.contains("MII"));
}

#[test]
fn read_path_lists_a_folder_reads_a_file_and_names_a_missing_path() {
    let folder = Input::read_path(&td("aws/rsa")).unwrap();
    assert!(folder.len() >= 3 && folder.iter().all(|i| i.from_folder));
    let mut names: Vec<&str> = folder.iter().map(|i| i.name.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        folder.iter().map(|i| i.name.as_str()).collect::<Vec<_>>()
    );

    let one = &folder[0];
    let file = Input::read_path(Path::new(&one.name)).unwrap();
    assert_eq!(file.len(), 1);
    assert!(!file[0].from_folder);
    assert_eq!(&file[0].bytes[..], &one.bytes[..]);

    let missing = td("aws/no-such-thing");
    let err = Input::read_path(&missing).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    let text = err.to_string();
    assert!(
        text.contains("no-such-thing") && text.contains("cannot read"),
        "{text}"
    );
}
