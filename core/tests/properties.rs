//! Property tests (proptest): PEM <-> DER round trips under every PEM style, the loader never panics on random
//! bytes or on damaged real files (and its errors always name the input and say how to fix it), and text
//! normalisation is idempotent.

use std::path::Path;

use certpack::convert::{self, ConvertOptions, Form};
use certpack::encode::{self, Eol, PemStyle};
use certpack::input::{normalise_text, scan_pem_text};
use certpack::item::Content;
use certpack::{Bundle, Input, LoadOptions};
use proptest::prelude::*;

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata")
            .join(rel),
    )
    .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Real inputs: certificates and keys of every container, as PEM, DER and JSON.
const FILES: &[&str] = &[
    "aws/rsa/93f1d43d67-certificate.pem.crt",
    "aws/rsa/93f1d43d67-private.pem.key",
    "aws/rsa/93f1d43d67-public.pem.key",
    "aws/rsa/AmazonRootCA1.pem",
    "aws/ec/46623c5574-certificate.pem.crt",
    "aws/ec/46623c5574-private.pem.key",
    "aws/ec/AmazonRootCA3.pem",
    "azure/x509/device-mydevice.key.pem",
    "azure/x509/device-mydevice-full-chain.cert.pem",
    "aws-cli/create-keys-and-certificate.json",
    "vectors/der/rsa2048/client.crt.der",
    "vectors/der/rsa2048/client.pkcs1.key.der",
    "vectors/der/p256/client.sec1.key.der",
    "vectors/der/p256/client.pkcs8.key.der",
    "vectors/der/p256/client.spki.pub.der",
    "encrypted/private.enc.pem",
    "messy/bundle-key-root-leaf.pem",
];

const STYLES: [PemStyle; 4] = [
    PemStyle {
        eol: Eol::Lf,
        final_newline: true,
    },
    PemStyle {
        eol: Eol::Lf,
        final_newline: false,
    },
    PemStyle {
        eol: Eol::CrLf,
        final_newline: true,
    },
    PemStyle {
        eol: Eol::CrLf,
        final_newline: false,
    },
];

fn load(name: &str, bytes: &[u8]) -> certpack::Result<Bundle> {
    Bundle::load(&[Input::from_bytes(name, bytes)], &LoadOptions::default())
}

/// The bytes that identify an item: certificate DER, private key PKCS#8, or SPKI.
fn identity(content: &Content) -> Vec<u8> {
    match content {
        Content::Certificate(c) => c.der().to_vec(),
        Content::PrivateKey(k) => k.pkcs8_der().to_vec(),
        Content::PublicKey(p) => p.spki_der().to_vec(),
    }
}

/// Loading either works or fails with an error that names the input and says how to fix it; it never panics.
fn load_checked(name: &str, bytes: &[u8]) -> Option<Bundle> {
    match load(name, bytes) {
        Ok(bundle) => Some(bundle),
        Err(err) => {
            assert_eq!(err.path(), Some(name), "{err}");
            assert!(!err.message().is_empty(), "{err:?}");
            assert!(!err.hint().is_empty(), "no fix in: {err}");
            None
        }
    }
}

/// Every object of the unencrypted real files, with its PEM label.
fn objects() -> Vec<(&'static str, Vec<u8>)> {
    let mut out = Vec::new();
    for file in FILES.iter().filter(|f| !f.starts_with("encrypted/")) {
        for item in load(file, &read(file)).unwrap().items() {
            let label = match &item.content {
                Content::Certificate(_) => encode::CERTIFICATE,
                Content::PrivateKey(_) => encode::PRIVATE_KEY,
                Content::PublicKey(_) => encode::PUBLIC_KEY,
            };
            out.push((label, identity(&item.content)));
        }
    }
    out
}

#[test]
fn pem_der_round_trip_of_every_real_object_in_every_style() {
    let objects = objects();
    assert!(objects.len() >= 15);
    for (label, der) in &objects {
        for style in STYLES {
            let pem = encode::pem(label, der, style).unwrap();
            let bundle = load("x.pem", pem.as_bytes()).unwrap();
            assert_eq!(bundle.items().len(), 1);
            assert_eq!(
                identity(&bundle.items()[0].content),
                *der,
                "{label} {style:?}"
            );
            // ... and the DER itself loads to the same object.
            let bundle = load("x.der", der).unwrap();
            assert_eq!(identity(&bundle.items()[0].content), *der, "{label} as DER");
        }
    }
}

#[test]
fn converted_files_load_back_to_the_same_objects_in_every_style() {
    for file in FILES.iter().filter(|f| !f.starts_with("encrypted/")) {
        let bundle = load(file, &read(file)).unwrap();
        let originals: Vec<Vec<u8>> = bundle
            .items()
            .iter()
            .map(|i| identity(&i.content))
            .collect();
        let spkis: Vec<Vec<u8>> = bundle
            .items()
            .iter()
            .map(|i| i.public_key().spki_der().to_vec())
            .collect();
        for &form in Form::ALL {
            for style in STYLES {
                for pem in [false, true] {
                    let Ok(out) = convert::convert(&bundle, &ConvertOptions { form, pem, style })
                    else {
                        continue;
                    };
                    for artifact in &out.files {
                        let again = load(&artifact.name, &artifact.bytes).unwrap();
                        let id = identity(&again.items()[0].content);
                        let expected = if form == Form::Spki {
                            &spkis
                        } else {
                            &originals
                        };
                        assert!(
                            expected.contains(&id),
                            "{file} -> {form:?} {style:?} pem={pem}: {}",
                            artifact.name
                        );
                        if artifact.name.ends_with(".pem") {
                            let text = std::str::from_utf8(&artifact.bytes).unwrap();
                            assert_eq!(
                                text.contains('\r'),
                                style.eol == Eol::CrLf,
                                "{}",
                                artifact.name
                            );
                            assert_eq!(
                                text.ends_with('\n'),
                                style.final_newline,
                                "{}",
                                artifact.name
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn normalisation_is_idempotent_on_known_tricky_texts() {
    for text in [
        "\u{feff}\u{feff}-----BEGIN X-----",
        "\\\\n-----BEGIN \\r\\r\\n",
        "\r\r\n\n\r",
        "\u{feff}\\n-----BEGIN ",
    ] {
        let (once, _) = normalise_text(text);
        let (twice, notes) = normalise_text(&once);
        assert_eq!(*once, *twice, "{text:?}");
        assert!(notes.is_empty(), "{text:?}: {notes:?}");
    }
}

/// A PEM label certpack writes or reads.
fn label() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        encode::CERTIFICATE,
        encode::PRIVATE_KEY,
        encode::RSA_PRIVATE_KEY,
        encode::EC_PRIVATE_KEY,
        encode::PUBLIC_KEY,
        "ENCRYPTED PRIVATE KEY",
        "X509 CRL",
    ])
}

/// Text made of the pieces normalisation acts on, mixed with ordinary characters.
fn pemish_text() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "\r",
        "\n",
        "\r\n",
        "\\n",
        "\\r",
        "\\r\\n",
        "\\",
        "\u{feff}",
        "-----BEGIN ",
        "-----END ",
        "-----",
        "CERTIFICATE",
        "MIIB",
        "abc+/=",
        " ",
        "\t",
        "é",
        "\u{2013}",
    ]);
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

/// One way real files get damaged.
#[derive(Debug, Clone)]
enum Damage {
    FlipBit(usize, u8),
    Truncate(usize),
    InsertCrLf(usize),
    AllLfToCrLf,
    InsertByte(usize, u8),
    DeleteRange(usize, usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Damage::FlipBit(at, bit)),
        any::<usize>().prop_map(Damage::Truncate),
        any::<usize>().prop_map(Damage::InsertCrLf),
        Just(Damage::AllLfToCrLf),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Damage::InsertByte(at, b)),
        (any::<usize>(), 1usize..64).prop_map(|(at, n)| Damage::DeleteRange(at, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, damage: &Damage) {
    let len = bytes.len().max(1);
    match *damage {
        Damage::FlipBit(at, bit) => {
            if let Some(b) = bytes.get_mut(at % len) {
                *b ^= 1 << bit;
            }
        }
        Damage::Truncate(at) => bytes.truncate(at % len),
        Damage::InsertCrLf(at) => {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, *b"\r\n");
        }
        Damage::AllLfToCrLf => {
            let mut out = Vec::with_capacity(bytes.len() * 2);
            for &b in bytes.iter() {
                if b == b'\n' {
                    out.push(b'\r');
                }
                out.push(b);
            }
            *bytes = out;
        }
        Damage::InsertByte(at, b) => bytes.insert(at % (bytes.len() + 1), b),
        Damage::DeleteRange(at, n) => {
            let start = at % len;
            let end = (start + n).min(bytes.len());
            if start < end {
                bytes.drain(start..end);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any bytes under any label and style scan back to exactly those bytes and that label.
    #[test]
    fn pem_encoding_scans_back(der in prop::collection::vec(any::<u8>(), 1..2048), label in label(), style in 0usize..4) {
        let pem = encode::pem(label, &der, STYLES[style]).unwrap();
        let blocks = scan_pem_text(&pem).unwrap();
        prop_assert_eq!(blocks.len(), 1);
        prop_assert_eq!(blocks[0].0.as_str(), label);
        prop_assert_eq!(&blocks[0].1[..], &der[..]);
    }

    /// Several blocks in one text, each in its own style, come back in order.
    #[test]
    fn concatenated_pem_blocks_scan_back_in_order(
        blocks in prop::collection::vec((prop::collection::vec(any::<u8>(), 1..300), label(), 0usize..4), 1..5)
    ) {
        let mut text = String::new();
        for (der, label, style) in &blocks {
            text.push_str(&encode::pem(label, der, STYLES[*style]).unwrap());
            text.push('\n');
        }
        let scanned = scan_pem_text(&text).unwrap();
        prop_assert_eq!(scanned.len(), blocks.len());
        for ((der, label, _), (got_label, got_der)) in blocks.iter().zip(&scanned) {
            prop_assert_eq!(got_label.as_str(), *label);
            prop_assert_eq!(&got_der[..], &der[..]);
        }
    }

    /// The loader never panics on random bytes, and every error names the input and has a fix.
    #[test]
    fn loader_never_panics_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        load_checked("random.bin", &bytes);
    }

    /// ... nor on random bytes that start like DER, PEM or JSON.
    #[test]
    fn loader_never_panics_on_random_bytes_behind_a_familiar_start(
        start in prop::sample::select(vec![&b"\x30\x82"[..], b"\x30\x81", b"-----BEGIN CERTIFICATE-----\n", b"{\"certificatePem\": \"", b"\xef\xbb\xbf"]),
        rest in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut bytes = start.to_vec();
        bytes.extend(rest);
        load_checked("familiar.bin", &bytes);
    }

    /// Damaged real files (bit flips, truncation, CR/LF insertion, inserted and deleted bytes) never panic the
    /// loader, and its errors always name the file and say how to fix it.
    #[test]
    fn loader_never_panics_on_damaged_real_files(
        file in prop::sample::select(FILES.to_vec()),
        damages in prop::collection::vec(damage(), 1..4),
    ) {
        let mut bytes = read(file);
        for d in &damages {
            apply(&mut bytes, d);
        }
        load_checked(file, &bytes);
    }

    /// Line-ending damage is repaired: a PEM file with CRLF line endings loads to the same objects.
    #[test]
    fn crlf_pem_files_load_to_the_same_objects(file in prop::sample::select(FILES.iter().copied().filter(|f| f.ends_with(".pem") || f.ends_with(".crt") || f.ends_with(".key")).filter(|f| !f.starts_with("encrypted/")).collect::<Vec<_>>())) {
        let clean = read(file);
        let mut crlf = clean.clone();
        apply(&mut crlf, &Damage::AllLfToCrLf);
        let ids = |b: &Bundle| b.items().iter().map(|i| identity(&i.content)).collect::<Vec<_>>();
        prop_assert_eq!(ids(&load(file, &clean).unwrap()), ids(&load(file, &crlf).unwrap()));
    }

    /// Normalisation is idempotent: normalised text needs no further repair and does not change again.
    #[test]
    fn normalisation_is_idempotent(text in pemish_text()) {
        let (once, _) = normalise_text(&text);
        let (twice, notes) = normalise_text(&once);
        prop_assert_eq!(&*once, &*twice);
        prop_assert!(notes.is_empty(), "normalised text needs repairs again: {:?}", notes);
        prop_assert!(!once.contains('\r'));
    }

    /// ... also on arbitrary Unicode text.
    #[test]
    fn normalisation_is_idempotent_on_any_text(text in any::<String>()) {
        let (once, _) = normalise_text(&text);
        let (twice, notes) = normalise_text(&once);
        prop_assert_eq!(&*once, &*twice);
        prop_assert!(notes.is_empty(), "{:?}", notes);
    }
}
