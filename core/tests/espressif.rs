//! Espressif targets and containers, checked against the reference vectors in testdata/vectors/espressif (outputs of
//! Espressif's own tools: AtPKI.py, make_cert.py / make_cacert.py / makefile.sh, esp-idf-nvs-partition-gen).

use std::collections::BTreeSet;
use std::path::Path;

use certpack::artifact::Artifacts;
use certpack::input::container;
use certpack::target::espressif::atpki::{GroupOrder, ItemType, PkiBin, PkiItem};
use certpack::target::espressif::nonos::{Record, SectorImage};
use certpack::target::espressif::nvs::{crc32, NvsEntry, NvsImage, Value};
use certpack::{Bundle, ErrorKind, Input, LoadOptions, Params};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/vectors/espressif");
const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata");

fn vector(rel: &str) -> Vec<u8> {
    let path = format!("{VECTORS}/{rel}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn testdata(rel: &str) -> String {
    format!("{TESTDATA}/{rel}")
}

fn bundle(paths: &[String]) -> Bundle {
    Bundle::load_paths(paths, &LoadOptions::default()).expect("bundle loads")
}

fn vector_bundle(rels: &[&str]) -> Bundle {
    bundle(
        &rels
            .iter()
            .map(|r| format!("{VECTORS}/{r}"))
            .collect::<Vec<_>>(),
    )
}

fn params(pairs: &[(&str, &str)]) -> Params {
    pairs
        .iter()
        .fold(Params::new(), |p, (k, v)| p.with(k, v.to_string()))
}

fn pack(bundle: &Bundle, target: &str, pairs: &[(&str, &str)]) -> certpack::Result<Artifacts> {
    certpack::target::pack(bundle, target, &params(pairs))
}

fn file<'a>(out: &'a Artifacts, name: &str) -> &'a [u8] {
    &out.get(name)
        .unwrap_or_else(|| panic!("{} has no {name}", out.target))
        .bytes
}

/// The AWS console folder's files by suffix.
fn aws_rsa(suffix: &str) -> String {
    let dir = testdata("aws/rsa");
    let name = std::fs::read_dir(&dir)
        .expect("aws/rsa")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with(suffix))
        .unwrap_or_else(|| panic!("no *{suffix} in {dir}"));
    format!("{dir}/{name}")
}

// ---------------------------------------------------------------------------------------------------------------
// The vector tables: every output file listed in a MANIFEST.txt under vectors/espressif is in exactly one of
// ATPKI, NONOS, NVS or NOT_REPRODUCED (checked by `every_manifest_output_is_accounted_for`).

use GroupOrder::{Python2 as PY2, Python3 as PY3};
use ItemType::{Ca, Cert, Key};

type PkiArgs = &'static [(ItemType, &'static str)];

/// `multi/` arguments: `cert cert_rsa.pem key key_rsa.pem ca ca0.pem ca ca1.der cert cert_ec.pem key key_ec.pem`.
const MIXED: PkiArgs = &[
    (Cert, "multi/cert_rsa.pem"),
    (Key, "multi/key_rsa.pem"),
    (Ca, "multi/ca0.pem"),
    (Ca, "multi/ca1.der"),
    (Cert, "multi/cert_ec.pem"),
    (Key, "multi/key_ec.pem"),
];

/// AtPKI.py generate_bin runs: (output, interpreter, arguments), from the MANIFESTs.
const ATPKI: &[(&str, GroupOrder, PkiArgs)] = &[
    ("rsa_ca/atpki_ca.bin", PY3, &[(Ca, "rsa_ca/ca.crt.pem")]),
    ("rsa_ca/atpki_ca_py2.bin", PY2, &[(Ca, "rsa_ca/ca.crt.pem")]),
    ("rsa_ca/atpki_ca_der.bin", PY3, &[(Ca, "rsa_ca/ca.crt.der")]),
    (
        "rsa_client/atpki_cert.bin",
        PY3,
        &[(Cert, "rsa_client/client.crt.pem")],
    ),
    (
        "rsa_client/atpki_cert_der.bin",
        PY3,
        &[(Cert, "rsa_client/client.crt.der")],
    ),
    (
        "rsa_client/atpki_key_pkcs1.bin",
        PY3,
        &[(Key, "rsa_client/client.pkcs1.key.pem")],
    ),
    (
        "rsa_client/atpki_key_pkcs8.bin",
        PY3,
        &[(Key, "rsa_client/client.pkcs8.key.pem")],
    ),
    (
        "rsa_client/atpki_key_pkcs1_der.bin",
        PY3,
        &[(Key, "rsa_client/client.pkcs1.key.der")],
    ),
    (
        "rsa_client/atpki_key_pkcs1_py2.bin",
        PY2,
        &[(Key, "rsa_client/client.pkcs1.key.pem")],
    ),
    (
        "ec_client/atpki_cert.bin",
        PY3,
        &[(Cert, "ec_client/client.crt.pem")],
    ),
    (
        "ec_client/atpki_key_sec1.bin",
        PY3,
        &[(Key, "ec_client/client.sec1.key.pem")],
    ),
    (
        "ec_client/atpki_key_pkcs8.bin",
        PY3,
        &[(Key, "ec_client/client.pkcs8.key.pem")],
    ),
    (
        "ec_client/atpki_key_sec1_der.bin",
        PY3,
        &[(Key, "ec_client/client.sec1.key.der")],
    ),
    (
        "multi/atpki_two_certs.bin",
        PY3,
        &[(Cert, "multi/cert_rsa.pem"), (Cert, "multi/cert_ec.pem")],
    ),
    ("multi/atpki_mixed_py3.bin", PY3, MIXED),
    ("multi/atpki_mixed_py2.bin", PY2, MIXED),
];

/// make_cert.py / make_cacert.py / makefile.sh outputs: (output, records as (name, input file)) in file order.
const NONOS: &[(&str, &[(&str, &str)])] = &[
    (
        "rsa_ca/nonos/der/esp_ca_cert.bin",
        &[("TLS.ca_x509.cer", "rsa_ca/nonos/der/TLS.ca_x509.cer")],
    ),
    (
        "rsa_ca/nonos/pem/esp_ca_cert.bin",
        &[("TLS.ca_x509.cer", "rsa_ca/nonos/pem/TLS.ca_x509.cer")],
    ),
    (
        // os.listdir() put second_ca.cer first on the machine that made the vector.
        "rsa_ca/nonos/two_cas/esp_ca_cert.bin",
        &[
            ("second_ca.cer", "rsa_ca/nonos/two_cas/second_ca.cer"),
            ("TLS.ca_x509.cer", "rsa_ca/nonos/two_cas/TLS.ca_x509.cer"),
        ],
    ),
    (
        "rsa_client/nonos/der_pkcs1/esp_cert_private_key.bin",
        &[
            ("certificate", "rsa_client/nonos/der_pkcs1/certificate.cer"),
            (
                "private_key",
                "rsa_client/nonos/der_pkcs1/private_key.key_1024",
            ),
        ],
    ),
    (
        "rsa_client/nonos/pem_pkcs1/esp_cert_private_key.bin",
        &[
            ("certificate", "rsa_client/nonos/pem_pkcs1/certificate.cer"),
            (
                "private_key",
                "rsa_client/nonos/pem_pkcs1/private_key.key_1024",
            ),
        ],
    ),
    (
        "rsa_client/nonos/pem_pkcs8/esp_cert_private_key.bin",
        &[
            ("certificate", "rsa_client/nonos/pem_pkcs8/certificate.cer"),
            (
                "private_key",
                "rsa_client/nonos/pem_pkcs8/private_key.key_1024",
            ),
        ],
    ),
    (
        "ec_client/nonos/pem_sec1/esp_cert_private_key.bin",
        &[
            ("certificate", "ec_client/nonos/pem_sec1/certificate.cer"),
            (
                "private_key",
                "ec_client/nonos/pem_sec1/private_key.key_1024",
            ),
        ],
    ),
    (
        "ec_client/nonos/pem_pkcs8/esp_cert_private_key.bin",
        &[
            ("certificate", "ec_client/nonos/pem_pkcs8/certificate.cer"),
            (
                "private_key",
                "ec_client/nonos/pem_pkcs8/private_key.key_1024",
            ),
        ],
    ),
    (
        "nonos_makefile_rsa/work/bin/esp_ca_cert.bin",
        &[("TLS.ca_x509.cer", "nonos_makefile_rsa/work/ca/ca.crt")],
    ),
    (
        // makefile.sh under OpenSSL 3 turns the PKCS#1 key into PKCS#8 (= rsa_client/client.pkcs8.key.pem).
        "nonos_makefile_rsa/work/bin/esp_cert_private_key.bin",
        &[
            ("certificate", "nonos_makefile_rsa/work/client/client.crt"),
            ("private_key", "rsa_client/client.pkcs8.key.pem"),
        ],
    ),
    (
        "nonos_makefile_ec/work/bin/esp_ca_cert.bin",
        &[("TLS.ca_x509.cer", "nonos_makefile_ec/work/ca/ca.crt")],
    ),
    (
        // makefile.sh's "openssl rsa" fails on the EC key and the bin silently lacks the key record.
        "nonos_makefile_ec/work/bin/esp_cert_private_key.bin",
        &[("certificate", "nonos_makefile_ec/work/client/client.crt")],
    ),
];

/// NVS generator outputs: (output, partition size, CSV).
const NVS: &[(&str, usize, &str)] = &[
    (
        "mfg_nvs/minimal/mfg_min.bin",
        0x3000,
        "mfg_nvs/minimal/mfg_min.csv",
    ),
    (
        "mfg_nvs/certpack_v3/mfg_nvs.bin",
        0x1c000,
        "mfg_nvs/certpack_v3/mfg_nvs.csv",
    ),
    (
        "mfg_nvs/certpack_v3/mfg_nvs_c2_2mb.bin",
        0xf000,
        "mfg_nvs/certpack_v3/mfg_nvs_client.csv",
    ),
    (
        "mfg_nvs/certpack_edge/edge.bin",
        0x9000,
        "mfg_nvs/certpack_edge/edge.csv",
    ),
];

/// Outputs reproduced byte for byte by the source-code targets, and the test that does it.
const REPRODUCED_BY_SOURCE_TARGETS: &[(&str, &str)] = &[
    (
        "idf_embed/aws-root-ca.pem.S",
        "core/tests/source.rs esp_idf_embed_vectors_byte_for_byte",
    ),
    (
        "idf_embed/aws-root-ca.der.S",
        "core/tests/source.rs esp_idf_embed_vectors_byte_for_byte",
    ),
    (
        "idf_embed/digit_name.S",
        "core/tests/source.rs esp_idf_embed_vectors_byte_for_byte",
    ),
    (
        "nonos_makefile_rsa/work/include/cert.h",
        "nonos_makefile_xxd_headers below",
    ),
    (
        "nonos_makefile_rsa/work/include/private_key.h",
        "nonos_makefile_xxd_headers below",
    ),
    (
        "nonos_makefile_ec/work/include/cert.h",
        "nonos_makefile_xxd_headers below",
    ),
];

/// Outputs listed in the MANIFESTs that no test reproduces, and why.
const NOT_REPRODUCED: &[(&str, &str)] = &[
    ("nonos_makefile_ec/work/include/private_key.h", "0-byte file left by makefile.sh after openssl failed on the EC key (tool failure)"),
    ("rsa_client/nonos/py3_attempt/esp_cert_private_key.bin", "0-byte file left by make_cert.py crashing under Python 3 (tool failure); see py3_attempt_output_is_empty_and_not_a_container"),
];

/// makefile.sh's `include/*.h`: `xxd -i` of the certificate PEM and of the key as PKCS#8 PEM (OpenSSL 3 turns the
/// PKCS#1 input into PKCS#8), variables renamed `default_certificate` / `default_private_key`.
#[test]
fn nonos_makefile_xxd_headers() {
    use certpack::target::source::c_array::xxd_i;
    for case in ["nonos_makefile_rsa", "nonos_makefile_ec"] {
        let dir = format!("{VECTORS}/{case}/work");
        let cert = std::fs::read(format!("{dir}/client.crt")).expect("client.crt");
        let expected = std::fs::read_to_string(format!("{dir}/include/cert.h")).expect("cert.h");
        assert_eq!(
            xxd_i(Some("default_certificate"), &cert),
            expected,
            "{case} cert.h"
        );
    }
    let dir = format!("{VECTORS}/nonos_makefile_rsa/work");
    let bundle = certpack::Bundle::load_paths(&[format!("{dir}/client.key")], &Default::default())
        .expect("key");
    let key = bundle.require_key("test").expect("key");
    let pem = certpack::encode::pem(
        certpack::encode::PRIVATE_KEY,
        &key.pkcs8_der(),
        Default::default(),
    )
    .expect("pem");
    let expected =
        std::fs::read_to_string(format!("{dir}/include/private_key.h")).expect("private_key.h");
    assert_eq!(xxd_i(Some("default_private_key"), pem.as_bytes()), expected);
}

// ---------------------------------------------------------------------------------------------------------------
// Vector bookkeeping.

/// (case dir, section, file, sha256) for every hash line of every MANIFEST.txt.
fn manifest_lines() -> Vec<(String, bool, String, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![Path::new(VECTORS).to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("vector dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.file_name().is_some_and(|n| n == "MANIFEST.txt") {
                let case = dir
                    .strip_prefix(VECTORS)
                    .expect("under vectors")
                    .to_string_lossy()
                    .trim_start_matches('/')
                    .to_string();
                let text = std::fs::read_to_string(&path).expect("manifest");
                let mut output = false;
                for line in text.lines() {
                    if line.starts_with("######## sha256 of OUTPUT") {
                        output = true;
                    } else if line.starts_with("######## sha256 of INPUT") {
                        output = false;
                    } else if let Some((hash, name)) = line.split_once("  ") {
                        if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                            out.push((case.clone(), output, name.to_string(), hash.to_string()));
                        }
                    }
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn manifest_hashes_match_the_files() {
    let lines = manifest_lines();
    assert!(
        lines.len() > 90,
        "found only {} MANIFEST lines",
        lines.len()
    );
    for (case, _, name, hash) in &lines {
        let rel = if case.is_empty() {
            name.clone()
        } else {
            format!("{case}/{name}")
        };
        let digest = Sha256::digest(vector(&rel));
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(&hex, hash, "{rel}");
    }
}

#[test]
fn every_manifest_output_is_accounted_for() {
    let outputs: BTreeSet<String> = manifest_lines()
        .into_iter()
        .filter(|(_, output, ..)| *output)
        .map(|(case, _, name, _)| format!("{case}/{name}"))
        .collect();
    let mut covered: Vec<&str> = Vec::new();
    covered.extend(ATPKI.iter().map(|(o, ..)| *o));
    covered.extend(NONOS.iter().map(|(o, _)| *o));
    covered.extend(NVS.iter().map(|(o, ..)| *o));
    covered.extend(NOT_REPRODUCED.iter().map(|(o, _)| *o));
    covered.extend(REPRODUCED_BY_SOURCE_TARGETS.iter().map(|(o, _)| *o));
    let covered_set: BTreeSet<String> = covered.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        covered.len(),
        covered_set.len(),
        "an output is listed twice"
    );
    assert_eq!(outputs, covered_set);
    assert_eq!(ATPKI.len() + NONOS.len() + NVS.len(), 16 + 12 + 4);
}

// ---------------------------------------------------------------------------------------------------------------
// AtPKI.

#[test]
fn atpki_vectors_byte_for_byte() {
    for (output, order, args) in ATPKI {
        let inputs: Vec<(ItemType, Vec<u8>)> = args.iter().map(|(k, f)| (*k, vector(f))).collect();
        let refs: Vec<(ItemType, &[u8])> = inputs.iter().map(|(k, b)| (*k, b.as_slice())).collect();
        let bin = PkiBin::from_args(&refs, *order, false);
        let bytes = bin.to_bytes().expect("encodes");
        assert_eq!(*bytes, vector(output), "{output}");
        assert_eq!(
            PkiBin::parse(&vector(output)).expect("parses"),
            bin,
            "{output}"
        );
    }
}

#[test]
fn atpki_group_order_python3_vs_python2() {
    let py3 = PkiBin::parse(&vector("multi/atpki_mixed_py3.bin")).unwrap();
    let py2 = PkiBin::parse(&vector("multi/atpki_mixed_py2.bin")).unwrap();
    let layout = |b: &PkiBin| -> Vec<(u8, u8, usize)> {
        b.items
            .iter()
            .map(|i| (i.type_code, i.id, i.content.len()))
            .collect()
    };
    // cert_rsa 1062, cert_ec 782, key_rsa 1675, key_ec 227, ca0 1192, ca1 839.
    assert_eq!(
        layout(&py3),
        [
            (2, 0, 1062),
            (2, 1, 782),
            (3, 0, 1675),
            (3, 1, 227),
            (1, 0, 1192),
            (1, 1, 839)
        ]
    );
    assert_eq!(
        layout(&py2),
        [
            (2, 0, 1062),
            (2, 1, 782),
            (1, 0, 1192),
            (1, 1, 839),
            (3, 0, 1675),
            (3, 1, 227)
        ]
    );
    // Python 2: ca before cert when ca comes first on the command line; key always last.
    let x: &[u8] = b"x";
    let b = PkiBin::from_args(&[(Key, x), (Ca, x), (Cert, x)], PY2, false);
    let types: Vec<u8> = b.items.iter().map(|i| i.type_code).collect();
    assert_eq!(types, [1, 2, 3]);
    let b = PkiBin::from_args(&[(Key, x), (Ca, x), (Cert, x)], PY3, false);
    let types: Vec<u8> = b.items.iter().map(|i| i.type_code).collect();
    assert_eq!(types, [3, 1, 2]);
}

#[test]
fn atpki_quirk_types_every_item_2() {
    let ca = vector("rsa_ca/ca.crt.pem");
    let bin = PkiBin::from_args(&[(Ca, &ca)], PY3, true)
        .to_bytes()
        .unwrap();
    let reference = vector("rsa_ca/atpki_ca.bin");
    assert_eq!(bin[8], 0x02);
    assert_eq!(reference[8], 0x01);
    assert_eq!(bin[..8], reference[..8]);
    assert_eq!(bin[9..], reference[9..]);
}

#[test]
fn atpki_refuses_content_over_16_bits() {
    let big = vec![b'A'; 65_536];
    let err = PkiBin::from_args(&[(Cert, &big)], PY3, false)
        .to_bytes()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    assert!(err.message().contains("65536") && err.message().contains("65535"));
    let ok = vec![b'A'; 65_535];
    assert_eq!(
        PkiBin::from_args(&[(Cert, &ok)], PY3, false)
            .to_bytes()
            .unwrap()
            .len(),
        8 + 4 + 65_535 + 1
    );
}

#[test]
fn atpki_parse_rejects_damage_and_accepts_a_partition_dump() {
    let good = vector("multi/atpki_two_certs.bin");
    let mut dump = good.clone();
    dump.resize(8192, 0xFF);
    assert_eq!(PkiBin::parse(&dump).unwrap(), PkiBin::parse(&good).unwrap());
    let truncated = &good[..good.len() - 1];
    let err = PkiBin::parse(truncated).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Container);
    assert!(err.message().contains("truncated"), "{}", err.message());
    let mut wrong_count = good.clone();
    wrong_count[2] = 3;
    assert!(PkiBin::parse(&wrong_count)
        .unwrap_err()
        .message()
        .contains("says 3 items but the bin holds 2"));
    let mut stray = good.clone();
    stray.extend_from_slice(b"\xff\x00");
    assert_eq!(
        PkiBin::parse(&stray).unwrap_err().kind(),
        ErrorKind::Container
    );
}

/// The bundle made of a vector case's inputs: client cert, key, and the test CA as the (only) root.
fn rsa_vector_bundle(key: &str) -> Bundle {
    vector_bundle(&["rsa_client/client.crt.pem", key, "rsa_ca/ca.crt.pem"])
}

#[test]
fn esp32_at_reproduces_atpki_vectors_from_a_bundle() {
    let b = rsa_vector_bundle("rsa_client/client.pkcs1.key.pem");
    let out = pack(&b, "esp32-at", &[("set", "client")]).unwrap();
    assert_eq!(
        file(&out, "client_cert.bin"),
        vector("rsa_client/atpki_cert.bin")
    );
    assert_eq!(
        file(&out, "client_key.bin"),
        vector("rsa_client/atpki_key_pkcs1.bin")
    );
    assert_eq!(file(&out, "client_ca.bin"), vector("rsa_ca/atpki_ca.bin"));
    assert_eq!(out.files.len(), 3);

    let der = pack(&b, "esp32-at", &[("set", "client"), ("content", "der")]).unwrap();
    assert_eq!(
        file(&der, "client_cert.bin"),
        vector("rsa_client/atpki_cert_der.bin")
    );
    assert_eq!(
        file(&der, "client_key.bin"),
        vector("rsa_client/atpki_key_pkcs1_der.bin")
    );
    assert_eq!(
        file(&der, "client_ca.bin"),
        vector("rsa_ca/atpki_ca_der.bin")
    );

    let pkcs8 = pack(&b, "esp32-at", &[("set", "mqtt"), ("key-format", "pkcs8")]).unwrap();
    assert_eq!(
        file(&pkcs8, "mqtt_key.bin"),
        vector("rsa_client/atpki_key_pkcs8.bin")
    );
    let given8 = rsa_vector_bundle("rsa_client/client.pkcs8.key.pem");
    let as_given = pack(&given8, "esp32-at", &[("set", "client")]).unwrap();
    assert_eq!(
        file(&as_given, "client_key.bin"),
        vector("rsa_client/atpki_key_pkcs8.bin")
    );
    let traditional = pack(&given8, "esp32-at", &[("key-format", "traditional")]).unwrap();
    assert_eq!(
        file(&traditional, "client_key.bin"),
        vector("rsa_client/atpki_key_pkcs1.bin")
    );
}

#[test]
fn esp32_at_reproduces_ec_vectors_from_a_bundle() {
    let b = vector_bundle(&[
        "ec_client/client.crt.pem",
        "ec_client/client.sec1.key.pem",
        "rsa_ca/ca.crt.pem",
    ]);
    let out = pack(&b, "esp32c3-at", &[]).unwrap();
    assert_eq!(
        file(&out, "client_cert.bin"),
        vector("ec_client/atpki_cert.bin")
    );
    assert_eq!(
        file(&out, "mqtt_key.bin"),
        vector("ec_client/atpki_key_sec1.bin")
    );
    let der = pack(&b, "esp32c3-at", &[("content", "der")]).unwrap();
    assert_eq!(
        file(&der, "client_key.bin"),
        vector("ec_client/atpki_key_sec1_der.bin")
    );
    let pkcs8 = pack(&b, "esp32c3-at", &[("key-format", "pkcs8")]).unwrap();
    assert_eq!(
        file(&pkcs8, "client_key.bin"),
        vector("ec_client/atpki_key_pkcs8.bin")
    );
}

/// (target, params, [(file, offset, size)]).
type PlacementCase = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [(&'static str, u32, u32)],
);

#[test]
fn pki_targets_place_bins_per_chip() {
    let b = rsa_vector_bundle("rsa_client/client.pkcs1.key.pem");
    let cases: &[PlacementCase] = &[
        (
            "esp32-at",
            &[],
            &[
                ("client_cert.bin", 0x2A000, 8192),
                ("client_key.bin", 0x2C000, 8192),
                ("client_ca.bin", 0x2E000, 8192),
                ("mqtt_cert.bin", 0x37000, 8192),
                ("mqtt_key.bin", 0x39000, 8192),
                ("mqtt_ca.bin", 0x3B000, 8192),
            ],
        ),
        (
            "esp32s2-at",
            &[],
            &[
                ("client_cert.bin", 0x27000, 8192),
                ("client_key.bin", 0x29000, 8192),
                ("client_ca.bin", 0x2B000, 8192),
                ("mqtt_cert.bin", 0x34000, 8192),
                ("mqtt_key.bin", 0x36000, 8192),
                ("mqtt_ca.bin", 0x38000, 8192),
            ],
        ),
        (
            "esp32c3-at",
            &[("set", "client")],
            &[
                ("client_cert.bin", 0x2B000, 8192),
                ("client_key.bin", 0x2D000, 8192),
                ("client_ca.bin", 0x2F000, 8192),
            ],
        ),
        (
            "esp32c2-at",
            &[],
            &[
                ("client_cert.bin", 0x25000, 8192),
                ("client_key.bin", 0x27000, 8192),
                ("client_ca.bin", 0x29000, 8192),
                ("mqtt_cert.bin", 0x32000, 8192),
                ("mqtt_key.bin", 0x34000, 8192),
                ("mqtt_ca.bin", 0x36000, 8192),
            ],
        ),
        (
            "esp32c2-at",
            &[("flash-size", "2MB")],
            &[
                ("client_cert.bin", 0x1F000, 4096),
                ("client_key.bin", 0x20000, 4096),
                ("client_ca.bin", 0x21000, 4096),
                ("mqtt_cert.bin", 0x25000, 4096),
                ("mqtt_key.bin", 0x26000, 4096),
                ("mqtt_ca.bin", 0x27000, 4096),
            ],
        ),
        (
            "esp8266-at",
            &[("set", "mqtt")],
            &[
                ("mqtt_cert.bin", 0x104000, 8192),
                ("mqtt_key.bin", 0x106000, 8192),
                ("mqtt_ca.bin", 0x108000, 8192),
            ],
        ),
        (
            "esp8266-at",
            &[("flash-size", "1MB")],
            &[
                ("client_cert.bin", 0x1A000, 4096),
                ("client_key.bin", 0x1B000, 4096),
                ("client_ca.bin", 0x1C000, 4096),
                ("mqtt_cert.bin", 0x1D000, 4096),
                ("mqtt_key.bin", 0x1E000, 4096),
                ("mqtt_ca.bin", 0x1F000, 4096),
            ],
        ),
    ];
    for (target, p, expected) in cases {
        let out = pack(&b, target, p).unwrap();
        let got: Vec<(&str, u32, u32)> = out
            .files
            .iter()
            .map(|a| {
                let f = a.flash.as_ref().expect("placed");
                (a.name.as_str(), f.offset, f.size)
            })
            .collect();
        assert_eq!(&got, expected, "{target} {p:?}");
        let mut cmd = String::from("esptool.py --chip ");
        cmd.push_str(match *target {
            "esp32-at" => "esp32",
            "esp32s2-at" => "esp32s2",
            "esp32c3-at" => "esp32c3",
            "esp32c2-at" => "esp32c2",
            _ => "esp8266",
        });
        cmd.push_str(" write_flash");
        for (name, offset, _) in expected.iter() {
            cmd.push_str(&format!(" 0x{offset:x} {name}"));
        }
        assert!(out.readme.contains(&cmd), "{target}: {cmd}\n{}", out.readme);
        for a in &out.files {
            let partition = a.name.trim_end_matches(".bin");
            assert_eq!(
                a.at_command.as_deref(),
                Some(format!("AT+SYSFLASH=1,\"{partition}\",0,{}", a.bytes.len()).as_str())
            );
            assert_eq!(a.bytes.len() % 4, 0);
            assert_eq!(a.secret, partition.ends_with("_key"));
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// NONOS.

#[test]
fn nonos_vectors_byte_for_byte() {
    for (output, records) in NONOS {
        let image = SectorImage {
            records: records
                .iter()
                .map(|(name, input)| Record::new(name, &vector(input)))
                .collect(),
        };
        assert_eq!(*image.to_bytes().unwrap(), vector(output), "{output}");
        assert_eq!(
            SectorImage::parse(&vector(output)).unwrap(),
            image,
            "{output}"
        );
    }
}

#[test]
fn esp8266_nonos_reproduces_vectors_from_a_bundle() {
    let b = rsa_vector_bundle("rsa_client/client.pkcs1.key.pem");
    let der = pack(&b, "esp8266-nonos", &[]).unwrap();
    assert_eq!(
        file(&der, "esp_cert_private_key.bin"),
        vector("rsa_client/nonos/der_pkcs1/esp_cert_private_key.bin")
    );
    assert_eq!(
        file(&der, "esp_ca_cert.bin"),
        vector("rsa_ca/nonos/der/esp_ca_cert.bin")
    );
    let pem = pack(&b, "esp8266-nonos", &[("content", "pem")]).unwrap();
    assert_eq!(
        file(&pem, "esp_cert_private_key.bin"),
        vector("rsa_client/nonos/pem_pkcs1/esp_cert_private_key.bin")
    );
    assert_eq!(
        file(&pem, "esp_ca_cert.bin"),
        vector("rsa_ca/nonos/pem/esp_ca_cert.bin")
    );
    let pkcs8 = pack(
        &b,
        "esp8266-nonos",
        &[("content", "pem"), ("key-format", "pkcs8")],
    )
    .unwrap();
    assert_eq!(
        file(&pkcs8, "esp_cert_private_key.bin"),
        vector("rsa_client/nonos/pem_pkcs8/esp_cert_private_key.bin")
    );
    // What the SDK's makefile.sh makes under OpenSSL 3 from its own inputs.
    let work = vector_bundle(&[
        "nonos_makefile_rsa/work/ca.crt",
        "nonos_makefile_rsa/work/client.crt",
        "nonos_makefile_rsa/work/client.key",
    ]);
    let made = pack(
        &work,
        "esp8266-nonos",
        &[("content", "pem"), ("key-format", "pkcs8")],
    )
    .unwrap();
    assert_eq!(
        file(&made, "esp_cert_private_key.bin"),
        vector("nonos_makefile_rsa/work/bin/esp_cert_private_key.bin")
    );
    assert_eq!(
        file(&made, "esp_ca_cert.bin"),
        vector("nonos_makefile_rsa/work/bin/esp_ca_cert.bin")
    );
}

#[test]
fn esp8266_nonos_placement_sdk_calls_and_readme() {
    let b = bundle(&[testdata("aws/rsa")]);
    let out = pack(&b, "esp8266-nonos", &[]).unwrap();
    let ca = out.get("esp_ca_cert.bin").unwrap();
    let cert = out.get("esp_cert_private_key.bin").unwrap();
    assert_eq!(
        ca.flash.as_ref().map(|f| (f.offset, f.size)),
        Some((0x77000, 4096))
    );
    assert_eq!(
        cert.flash.as_ref().map(|f| (f.offset, f.size)),
        Some((0x78000, 8192))
    );
    assert!(cert.secret && !ca.secret);
    assert_eq!(
        ca.meta.get("sdk_call").map(String::as_str),
        Some("espconn_secure_ca_enable(0x01, 0x77);")
    );
    assert_eq!(
        cert.meta.get("sdk_call").map(String::as_str),
        Some("espconn_secure_cert_req_enable(0x01, 0x78);")
    );
    assert!(out.readme.contains(
        "esptool.py --chip esp8266 write_flash 0x77000 esp_ca_cert.bin 0x78000 esp_cert_private_key.bin"
    ));
    assert!(out.readme.contains("espconn_secure_ca_enable(0x01, 0x77);"));
    assert!(out
        .readme
        .contains("espconn_secure_cert_req_enable(0x01, 0x78);"));

    let at = pack(&b, "esp8266-nonos", &[("preset", "at")]).unwrap();
    let cert = at.get("esp_cert_private_key.bin").unwrap();
    assert_eq!(
        cert.flash.as_ref().map(|f| (f.offset, f.size)),
        Some((0xFC000, 4096))
    );
    assert!(at.readme.contains("espconn_secure_ca_enable(0x01, 0xfb);"));
    let moved = pack(
        &b,
        "esp8266-nonos",
        &[("ca-sector", "0x3B"), ("cert-sector", "60")],
    )
    .unwrap();
    assert!(moved
        .readme
        .contains("write_flash 0x3b000 esp_ca_cert.bin 0x3c000 esp_cert_private_key.bin"));
    let same = pack(
        &b,
        "esp8266-nonos",
        &[("ca-sector", "0x40"), ("cert-sector", "0x40")],
    );
    assert_eq!(same.unwrap_err().kind(), ErrorKind::Target);
}

#[test]
fn esp8266_nonos_refuses_ec() {
    let b = vector_bundle(&[
        "ec_client/client.crt.pem",
        "ec_client/client.sec1.key.pem",
        "rsa_ca/ca.crt.pem",
    ]);
    let err = pack(&b, "esp8266-nonos", &[]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnsupportedKey);
    assert!(err.message().contains("EC P-256"), "{}", err.message());
    assert!(err.message().contains("RSA-only"), "{}", err.message());
    let aws_ec = pack(&bundle(&[testdata("aws/ec")]), "esp8266-nonos", &[]).unwrap_err();
    assert_eq!(aws_ec.kind(), ErrorKind::UnsupportedKey);
    // An RSA device with an EC server root (Amazon Root CA 3) cannot verify the server either.
    let root3 = bundle(&[
        aws_rsa("-certificate.pem.crt"),
        aws_rsa("-private.pem.key"),
        testdata("roots/Amazon_Root_CA_3.crt"),
    ]);
    let err = pack(&root3, "esp8266-nonos", &[]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnsupportedKey);
    assert!(err.message().contains("Amazon Root CA 3") && err.message().contains("RSA-only"));
    assert!(err.hint().contains("AmazonRootCA1.pem"));
}

#[test]
fn py3_attempt_output_is_empty_and_not_a_container() {
    let empty = vector("rsa_client/nonos/py3_attempt/esp_cert_private_key.bin");
    assert!(empty.is_empty());
    assert!(container::decode(&empty).is_none());
    assert_eq!(SectorImage::parse(&empty).unwrap(), SectorImage::default());
}

// ---------------------------------------------------------------------------------------------------------------
// NVS / esp-at-v3.

/// The entries a generator CSV describes (the subset of CSV syntax the vectors use). Like the generator, a
/// namespace row naming an existing namespace does not switch back to it: later rows stay in the namespace created
/// last (esp-idf-nvs-partition-gen 0.3.0 uses its namespace count as the index).
fn csv_entries(csv_rel: &str) -> NvsImage {
    let dir = Path::new(csv_rel)
        .parent()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let text = String::from_utf8(vector(csv_rel)).unwrap();
    let mut namespace = String::new();
    let mut created = BTreeSet::new();
    let mut entries = Vec::new();
    for line in text.lines().skip(1) {
        let mut parts = line.splitn(4, ',');
        let (key, kind, encoding, value) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap_or(""),
        );
        let value = match (kind, encoding) {
            ("namespace", _) => {
                if created.insert(key.to_string()) {
                    namespace = key.to_string();
                }
                continue;
            }
            ("file", "binary") => Value::Blob(Zeroizing::new(vector(&format!("{dir}/{value}")))),
            ("data", "string") => Value::Str(value.to_string()),
            ("data", "hex2bin") => Value::Blob(Zeroizing::new(
                (0..value.len() / 2)
                    .map(|i| u8::from_str_radix(&value[2 * i..2 * i + 2], 16).unwrap())
                    .collect(),
            )),
            ("data", "u8") => Value::U8(value.parse().unwrap()),
            ("data", "i8") => Value::I8(value.parse().unwrap()),
            ("data", "u16") => Value::U16(value.parse().unwrap()),
            ("data", "i16") => Value::I16(value.parse().unwrap()),
            ("data", "u32") => Value::U32(value.parse().unwrap()),
            ("data", "i32") => Value::I32(value.parse().unwrap()),
            ("data", "u64") => Value::U64(value.parse().unwrap()),
            ("data", "i64") => Value::I64(value.parse().unwrap()),
            other => panic!("unexpected CSV row {other:?}"),
        };
        entries.push(NvsEntry {
            namespace: namespace.clone(),
            key: key.to_string(),
            value,
        });
    }
    NvsImage { entries }
}

#[test]
fn nvs_crc_is_zlib_crc32_continued_from_all_ones() {
    assert_eq!(crc32(b"123456789"), 0xD202_D277);
    // The worked example of the format document: header CRC of mfg_min.bin page 0.
    let image = vector("mfg_nvs/minimal/mfg_min.bin");
    assert_eq!(crc32(&image[4..28]), 0xB9BA_2D84);
}

#[test]
fn nvs_vectors_byte_for_byte() {
    for (output, size, csv) in NVS {
        let image = csv_entries(csv);
        assert!(!image.entries.is_empty());
        let bytes = image.to_bytes(*size).unwrap();
        let reference = vector(output);
        assert_eq!(bytes.len(), reference.len(), "{output}");
        if let Some(at) = bytes.iter().zip(&reference).position(|(a, b)| a != b) {
            panic!("{output}: first difference at byte 0x{at:x}");
        }
        assert_eq!(NvsImage::parse(&reference).unwrap(), image, "{output}");
    }
}

#[test]
fn esp_at_v3_reproduces_generator_images_from_a_bundle() {
    let b = rsa_vector_bundle("rsa_client/client.pkcs1.key.pem");
    let out = pack(&b, "esp-at-v3", &[]).unwrap();
    assert_eq!(
        file(&out, "mfg_nvs.bin"),
        vector("mfg_nvs/certpack_v3/mfg_nvs.bin")
    );
    assert_eq!(
        file(&out, "mfg_nvs.csv"),
        vector("mfg_nvs/certpack_v3/mfg_nvs.csv")
    );
    assert_eq!(
        file(&out, "cert.pem"),
        vector("mfg_nvs/certpack_v3/cert.pem")
    );
    assert_eq!(file(&out, "key.pem"), vector("mfg_nvs/certpack_v3/key.pem"));
    assert_eq!(file(&out, "ca.pem"), vector("mfg_nvs/certpack_v3/ca.pem"));
    let nvs = out.get("mfg_nvs.bin").unwrap();
    assert_eq!(
        nvs.flash.as_ref().map(|f| (f.offset, f.size)),
        Some((0x21000, 0x1C000))
    );
    assert!(nvs.secret);
    assert!(out
        .readme
        .contains("esptool.py --chip esp32 write_flash 0x21000 mfg_nvs.bin"));

    let c2 = pack(
        &b,
        "esp-at-v3",
        &[("chip", "esp32c2-2mb"), ("set", "client")],
    )
    .unwrap();
    assert_eq!(
        file(&c2, "mfg_nvs.bin"),
        vector("mfg_nvs/certpack_v3/mfg_nvs_c2_2mb.bin")
    );
    assert_eq!(
        file(&c2, "mfg_nvs.csv"),
        vector("mfg_nvs/certpack_v3/mfg_nvs_client.csv")
    );
    assert!(c2
        .readme
        .contains("esptool.py --chip esp32c2 write_flash 0x1b000 mfg_nvs.bin"));
    let custom = pack(
        &b,
        "esp-at-v3",
        &[
            ("chip", "esp32c3"),
            ("mfg-offset", "0x40000"),
            ("mfg-size", "0x6000"),
        ],
    )
    .unwrap();
    let f = custom.get("mfg_nvs.bin").unwrap();
    assert_eq!(
        f.flash.as_ref().map(|f| (f.offset, f.size)),
        Some((0x40000, 0x6000))
    );
    assert_eq!(f.bytes.len(), 0x6000);
    assert!(custom
        .readme
        .contains("esptool.py --chip esp32c3 write_flash 0x40000 mfg_nvs.bin"));
}

#[test]
fn esp_at_v3_sysmfg_script_has_exact_lengths() {
    let b = bundle(&[testdata("aws/rsa")]);
    let out = pack(&b, "esp-at-v3", &[]).unwrap();
    // Raw PEM exactly as AWS wrote it: no NUL, LF.
    let cert = std::fs::read(aws_rsa("-certificate.pem.crt")).unwrap();
    let key = std::fs::read(aws_rsa("-private.pem.key")).unwrap();
    let ca = std::fs::read(testdata("aws/rsa/AmazonRootCA1.pem")).unwrap();
    assert_eq!(file(&out, "cert.pem"), cert);
    assert_eq!(file(&out, "key.pem"), key);
    assert_eq!(file(&out, "ca.pem"), ca);
    assert_eq!(ca.len(), 1188);
    for f in ["cert.pem", "key.pem", "ca.pem"] {
        let bytes = file(&out, f);
        assert!(!bytes.contains(&0) && !bytes.contains(&b'\r'));
        assert_eq!(bytes.last(), Some(&b'\n'));
    }
    let text = String::from_utf8(file(&out, "sysmfg.txt").to_vec()).unwrap();
    let expected = [
        format!(
            "AT+SYSMFG=2,\"client_cert\",\"client_cert.0\",8,{}\n",
            cert.len()
        ),
        format!(
            "AT+SYSMFG=2,\"client_key\",\"client_key.0\",8,{}\n",
            key.len()
        ),
        "AT+SYSMFG=2,\"client_ca\",\"client_ca.0\",8,1188\n".to_string(),
        format!("AT+SYSMFG=2,\"mqtt_cert\",\"mqtt_cert\",8,{}\n", cert.len()),
        format!("AT+SYSMFG=2,\"mqtt_key\",\"mqtt_key\",8,{}\n", key.len()),
        "AT+SYSMFG=2,\"mqtt_ca\",\"mqtt_ca\",8,1188\n".to_string(),
    ];
    let mut at = 0;
    for line in &expected {
        let found = text[at..]
            .find(line.as_str())
            .unwrap_or_else(|| panic!("{line} in\n{text}"));
        at += found + line.len();
    }
    assert!(text.starts_with("# ESP-AT v3.1+"));
    assert!(
        !text.contains("PRIVATE KEY"),
        "the text script must not contain the key"
    );
    assert!(!out.get("sysmfg.txt").unwrap().secret);

    let json: serde_json::Value = serde_json::from_slice(file(&out, "sysmfg.json")).unwrap();
    assert!(out.get("sysmfg.json").unwrap().secret);
    assert!(json["title"].as_str().unwrap().contains("SECRET"));
    let steps = json["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 7);
    assert_eq!(steps[0]["command"], "AT+SYSMFG?");
    use base64ct::Encoding;
    for (step, (bytes, name)) in steps[1..].iter().zip(
        [(&cert, "cert.pem"), (&key, "key.pem"), (&ca, "ca.pem")]
            .iter()
            .cycle(),
    ) {
        assert_eq!(step["payload_file"], *name);
        assert_eq!(step["payload_length"], bytes.len());
        assert_eq!(step["prompt"], ">");
        let payload =
            base64ct::Base64::decode_vec(step["payload_base64"].as_str().unwrap()).unwrap();
        assert_eq!(&payload, *bytes);
    }
    // The image holds the same blobs under the documented namespaces/keys.
    let image = NvsImage::parse(file(&out, "mfg_nvs.bin")).unwrap();
    let listing: Vec<(String, String, usize)> = image
        .entries
        .iter()
        .map(|e| match &e.value {
            Value::Blob(b) => (e.namespace.clone(), e.key.clone(), b.len()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        listing,
        [
            ("client_cert".into(), "client_cert.0".into(), cert.len()),
            ("client_key".into(), "client_key.0".into(), key.len()),
            ("client_ca".into(), "client_ca.0".into(), 1188),
            ("mqtt_cert".into(), "mqtt_cert".into(), cert.len()),
            ("mqtt_key".into(), "mqtt_key".into(), key.len()),
            ("mqtt_ca".into(), "mqtt_ca".into(), 1188),
        ]
    );
}

#[test]
fn damaged_pem_inputs_become_clean_lf_payloads() {
    // CRLF, BOM and no-final-newline copies of the AWS files give the bytes AWS wrote.
    let b = bundle(&[
        testdata("messy/leaf-crlf.pem"),
        testdata("messy/key-no-final-newline.pem"),
        testdata("aws/rsa/AmazonRootCA1.pem"),
    ]);
    let out = pack(&b, "esp-at-v3", &[("set", "mqtt")]).unwrap();
    assert_eq!(
        file(&out, "cert.pem"),
        std::fs::read(aws_rsa("-certificate.pem.crt")).unwrap()
    );
    assert_eq!(
        file(&out, "key.pem"),
        std::fs::read(aws_rsa("-private.pem.key")).unwrap()
    );
    let pki = pack(&b, "esp32-at", &[("set", "client")]).unwrap();
    let item = &PkiBin::parse(file(&pki, "client_cert.bin")).unwrap().items[0];
    assert!(!item.content.contains(&b'\r'));
}

#[test]
fn nvs_parse_rejects_damage() {
    let good = vector("mfg_nvs/minimal/mfg_min.bin");
    let mut bad_crc = good.clone();
    bad_crc[0x90] ^= 1; // inside the blob data
    let err = NvsImage::parse(&bad_crc).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Container);
    assert!(
        err.message().contains("data CRC of \"client_ca.0\""),
        "{}",
        err.message()
    );
    let err = NvsImage::parse(&good[..4096 * 2 + 1]).unwrap_err();
    assert!(err.message().contains("4096-byte pages"));
    let mut bad_header = good.clone();
    bad_header[5] = 1;
    assert!(NvsImage::parse(&bad_header)
        .unwrap_err()
        .message()
        .contains("header CRC of page 0"));
}

// ---------------------------------------------------------------------------------------------------------------
// Size limits.

/// The rsa_client certificate with a 9000-byte private extension: a real-looking certificate too big for a slot.
fn oversized_bundle() -> Bundle {
    use der::{Decode, Encode};
    let mut cert = x509_cert::Certificate::from_der(&vector("rsa_client/client.crt.der")).unwrap();
    cert.tbs_certificate
        .extensions
        .get_or_insert_with(Vec::new)
        .push(x509_cert::ext::Extension {
            extn_id: der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1"),
            critical: false,
            extn_value: der::asn1::OctetString::new(vec![0x41; 9000]).unwrap(),
        });
    let der = cert.to_der().unwrap();
    Bundle::load(
        &[
            Input::from_bytes("big.der", der),
            Input::from_bytes("key.pem", vector("rsa_client/client.pkcs1.key.pem")),
            Input::from_bytes("ca.pem", vector("rsa_ca/ca.crt.pem")),
        ],
        &LoadOptions::default(),
    )
    .unwrap()
}

#[test]
fn too_large_errors_name_both_sizes() {
    let big = oversized_bundle();
    let pem_len = certpack::encode::pem(
        "CERTIFICATE",
        big.leaf().unwrap().certificate().unwrap().der(),
        Default::default(),
    )
    .unwrap()
    .len();
    let bin_len = 8 + 4 + pem_len + (4 - pem_len % 4) % 4;
    let err = pack(&big, "esp32-at", &[]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    assert_eq!(
        err.message(),
        format!("client_cert.bin is {bin_len} bytes but the client_cert partition of ESP32 (ESP-AT v1.0 - v3.0.0.0) holds 8192 bytes")
    );
    assert!(err.hint().contains("content=der"));

    let err = pack(&big, "esp8266-nonos", &[]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    assert!(
        err.message().contains("esp_cert_private_key.bin is ")
            && err.message().contains("only 8192 bytes fit"),
        "{}",
        err.message()
    );

    let b = rsa_vector_bundle("rsa_client/client.pkcs1.key.pem");
    // 2805 bytes of PEM records do not fit a 2048-byte sector budget.
    let err = pack(
        &b,
        "esp8266-nonos",
        &[("content", "pem"), ("max-size", "2048")],
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    assert!(
        err.message()
            .contains("is 2805 bytes but only 2048 bytes fit"),
        "{}",
        err.message()
    );
    // cert+key at 0x78 and the CA at 0x79: the cert+key file may use only one sector.
    let err = pack(
        &big,
        "esp8266-nonos",
        &[("cert-sector", "0x78"), ("ca-sector", "0x79")],
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    assert!(
        err.message()
            .contains("only 4096 bytes fit before sector 0x79, which holds the other file"),
        "{}",
        err.message()
    );

    // Both credential sets (2 x 3929 bytes) do not fit three pages, one of which stays empty.
    let err = pack(&b, "esp-at-v3", &[("mfg-size", "0x3000")]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    assert!(
        err.message().contains("7858 bytes") && err.message().contains("12288 bytes"),
        "{}",
        err.message()
    );
    assert!(pack(
        &b,
        "esp-at-v3",
        &[("mfg-size", "0x3000"), ("set", "client")]
    )
    .is_ok());
    assert_eq!(
        pack(&b, "esp-at-v3", &[("mfg-size", "0x3001")])
            .unwrap_err()
            .kind(),
        ErrorKind::Target
    );
}

#[test]
fn parameters_are_checked() {
    let b = rsa_vector_bundle("rsa_client/client.pkcs1.key.pem");
    for (target, p) in [
        ("esp32-at", ("content", "text")),
        ("esp32-at", ("set", "server")),
        ("esp32-at", ("flash-size", "2MB")),
        ("esp32c2-at", ("flash-size", "8MB")),
        ("esp32-at", ("key-format", "pkcs12")),
        ("esp-at-v3", ("chip", "esp8266")),
        ("esp-at-v3", ("content", "der")),
        ("esp8266-nonos", ("preset", "rtos")),
        ("esp8266-nonos", ("max-size", "9000")),
    ] {
        let err = pack(&b, target, &[p]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Target, "{target} {p:?}: {err}");
        assert!(!err.hint().is_empty());
    }
    for value in ["2MB", "2mb", "2M", "2"] {
        let out = pack(&b, "esp32c2-at", &[("flash-size", value)]).unwrap();
        assert_eq!(out.files[0].flash.as_ref().unwrap().size, 4096, "{value}");
    }
}

#[test]
fn missing_items_and_mismatched_keys_are_refused() {
    let no_key = vector_bundle(&["rsa_client/client.crt.pem", "rsa_ca/ca.crt.pem"]);
    for target in ["esp32-at", "esp-at-v3", "esp8266-nonos"] {
        assert_eq!(
            pack(&no_key, target, &[]).unwrap_err().kind(),
            ErrorKind::Missing
        );
    }
    let no_root = vector_bundle(&[
        "rsa_client/client.crt.pem",
        "rsa_client/client.pkcs1.key.pem",
    ]);
    assert_eq!(
        pack(&no_root, "esp32-at", &[]).unwrap_err().kind(),
        ErrorKind::Missing
    );
    let wrong = bundle(&[
        aws_rsa("-certificate.pem.crt"),
        format!("{VECTORS}/rsa_client/client.pkcs1.key.pem"),
        testdata("aws/rsa/AmazonRootCA1.pem"),
    ]);
    let err = pack(&wrong, "esp32-at", &[]).unwrap_err();
    assert!(
        err.message().contains("does not belong"),
        "{}",
        err.message()
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Decoders (certpack inspect).

#[test]
fn container_decoders_list_entries() {
    let d = container::decode(&vector("multi/atpki_mixed_py3.bin"))
        .unwrap()
        .unwrap();
    assert_eq!(d.format_code, "atpki");
    let names: Vec<&str> = d.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "cert (type 0x02) id 0, 1062 bytes",
            "cert (type 0x02) id 1, 782 bytes",
            "key (type 0x03) id 0, 1675 bytes",
            "key (type 0x03) id 1, 227 bytes",
            "ca (type 0x01) id 0, 1192 bytes",
            "ca (type 0x01) id 1, 839 bytes",
        ]
    );
    assert_eq!(*d.entries[5].bytes, vector("multi/ca1.der"));

    let d = container::decode(&vector("mfg_nvs/minimal/mfg_min.bin"))
        .unwrap()
        .unwrap();
    assert_eq!(d.format_code, "nvs");
    assert_eq!(d.entries.len(), 1);
    assert_eq!(
        d.entries[0].name,
        "client_ca/client_ca.0 (blob, 1192 bytes)"
    );
    assert_eq!(*d.entries[0].bytes, vector("rsa_ca/ca.crt.pem"));

    let d = container::decode(&vector(
        "rsa_client/nonos/pem_pkcs1/esp_cert_private_key.bin",
    ))
    .unwrap()
    .unwrap();
    assert_eq!(d.format_code, "nonos");
    let names: Vec<&str> = d.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        ["certificate (1062 bytes)", "private_key (1675 bytes)"]
    );

    // Plain certificate files are not mistaken for containers.
    for plain in [
        "rsa_ca/ca.crt.pem",
        "rsa_ca/ca.crt.der",
        "rsa_client/client.pkcs1.key.der",
        "multi/key_ec.pem",
    ] {
        assert!(container::decode(&vector(plain)).is_none(), "{plain}");
    }
    for messy in std::fs::read_dir(testdata("messy")).unwrap().flatten() {
        let bytes = std::fs::read(messy.path()).unwrap();
        assert!(
            container::decode(&bytes).is_none(),
            "{}",
            messy.path().display()
        );
    }
}

#[test]
fn inspect_reads_certificates_out_of_containers() {
    let mixed = vector_bundle(&["multi/atpki_mixed_py3.bin"]);
    let certs = mixed
        .items()
        .iter()
        .filter(|i| i.certificate().is_some())
        .count();
    let keys = mixed
        .items()
        .iter()
        .filter(|i| i.private_key().is_some())
        .count();
    // ca0.pem and ca1.der are the same certificate: the copy is dropped.
    assert_eq!((certs, keys), (3, 2));
    assert!(mixed
        .items()
        .iter()
        .all(|i| i.origin.encoding.starts_with("atpki:")));
    let labels: Vec<&str> = mixed
        .items()
        .iter()
        .filter_map(|i| i.origin.label.as_deref())
        .collect();
    assert!(labels.contains(&"key (type 0x03) id 1, 227 bytes"));
    let text = certpack::report::inspect(&mixed).to_text();
    assert!(text.contains("[key (type 0x03) id 1, 227 bytes]"), "{text}");
    assert!(text.contains("read as ESP-AT PKI bin (AtPKI)"), "{text}");

    // Everything the targets write reads back as the same credential.
    let source = bundle(&[testdata("aws/rsa")]);
    let leaf = source.leaf().unwrap().certificate().unwrap().der().to_vec();
    let key = source.key().unwrap().private_key().unwrap().pkcs8_der();
    for (target, p, files) in [
        (
            "esp32-at",
            vec![],
            vec!["client_cert.bin", "client_key.bin", "client_ca.bin"],
        ),
        (
            "esp32-at",
            vec![("content", "der"), ("quirk-all-type-2", "true")],
            vec!["mqtt_cert.bin", "mqtt_key.bin", "mqtt_ca.bin"],
        ),
        ("esp-at-v3", vec![], vec!["mfg_nvs.bin"]),
        (
            "esp8266-nonos",
            vec![],
            vec!["esp_cert_private_key.bin", "esp_ca_cert.bin"],
        ),
        (
            "esp8266-nonos",
            vec![("content", "pem")],
            vec!["esp_cert_private_key.bin", "esp_ca_cert.bin"],
        ),
    ] {
        let out = pack(&source, target, &p).unwrap();
        let inputs: Vec<Input> = files
            .iter()
            .map(|f| Input::from_bytes(*f, file(&out, f).to_vec()))
            .collect();
        let back = Bundle::load(&inputs, &LoadOptions::default()).unwrap();
        assert_eq!(
            back.leaf().unwrap().certificate().unwrap().der(),
            leaf,
            "{target}"
        );
        assert_eq!(
            back.key().unwrap().private_key().unwrap().pkcs8_der(),
            key,
            "{target}"
        );
        assert_eq!(
            back.server_root().unwrap().certificate().unwrap().subject(),
            "CN=Amazon Root CA 1,O=Amazon,C=US",
            "{target}"
        );
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Registration, end to end.

#[test]
fn targets_are_registered_with_capabilities() {
    let names: Vec<&str> = certpack::target::all()
        .iter()
        .filter(|t| t.family() == certpack::target::Family::Espressif)
        .map(|t| t.name())
        .collect();
    assert_eq!(
        names,
        [
            "esp32-at",
            "esp32s2-at",
            "esp32c3-at",
            "esp32c2-at",
            "esp8266-at",
            "esp-at-v3",
            "esp8266-nonos"
        ]
    );
    let nonos = certpack::target::find("esp8266-nonos")
        .unwrap()
        .capabilities();
    assert!(nonos.rsa_only && nonos.no_p384);
    assert!(nonos.set_clock_hint.contains("sntp_init"));
    for name in ["esp32-at", "esp32c2-at", "esp-at-v3"] {
        let caps = certpack::target::find(name).unwrap().capabilities();
        assert!(!caps.rsa_only);
        assert_eq!(caps.power_on_clock, Some(0));
        assert!(caps.set_clock_hint.contains("AT+CIPSNTPCFG=1,0,"), "{name}");
    }
    assert!(certpack::target::find("esp32c2-at")
        .unwrap()
        .capabilities()
        .set_clock_hint
        .contains("EVERY boot"));
}

#[test]
fn every_target_packs_the_aws_console_folder() {
    let b = bundle(&[testdata("aws/rsa")]);
    for name in [
        "esp32-at",
        "esp32s2-at",
        "esp32c3-at",
        "esp32c2-at",
        "esp8266-at",
        "esp-at-v3",
        "esp8266-nonos",
    ] {
        let out = certpack::target::pack(&b, name, &Params::new()).unwrap();
        assert_eq!(out.target, name);
        assert!(out.readme.contains("esptool.py --chip "), "{name}");
        let manifest: serde_json::Value = serde_json::from_str(&out.manifest_json()).unwrap();
        assert_eq!(manifest["files"].as_array().unwrap().len(), out.files.len());
        for a in &out.files {
            let holds_key = a.bytes.windows(11).any(|w| w == b"PRIVATE KEY")
                || a.name.contains("key")
                || a.name == "mfg_nvs.bin"
                || a.name == "sysmfg.json";
            assert_eq!(a.secret, holds_key, "{name}: {}", a.name);
        }
        let files = out.all_files();
        assert!(files.iter().any(|(n, _)| n == "README.txt"));
        // Deterministic.
        let again = certpack::target::pack(&b, name, &Params::new()).unwrap();
        assert_eq!(again.all_files(), files);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Properties.

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn pki_item() -> impl Strategy<Value = PkiItem> {
        (
            any::<u8>(),
            any::<u8>(),
            proptest::collection::vec(any::<u8>(), 0..300),
        )
            .prop_map(|(type_code, id, content)| PkiItem {
                type_code,
                id,
                content: Zeroizing::new(content),
            })
    }

    fn name() -> impl Strategy<Value = String> {
        "[a-z_][a-z0-9_.]{0,14}"
    }

    fn nvs_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<u8>().prop_map(Value::U8),
            any::<i8>().prop_map(Value::I8),
            any::<u16>().prop_map(Value::U16),
            any::<i16>().prop_map(Value::I16),
            any::<u32>().prop_map(Value::U32),
            any::<i32>().prop_map(Value::I32),
            any::<u64>().prop_map(Value::U64),
            any::<i64>().prop_map(Value::I64),
            "[ -~]{0,300}".prop_map(Value::Str),
            proptest::collection::vec(any::<u8>(), 0..9000)
                .prop_map(|b| Value::Blob(Zeroizing::new(b))),
        ]
    }

    fn nvs_image() -> impl Strategy<Value = NvsImage> {
        proptest::collection::vec(
            (
                proptest::sample::select(vec!["client_cert", "mqtt_ca", "factory_param", "x"]),
                name(),
                nvs_value(),
            ),
            0..12,
        )
        .prop_map(|raw| {
            let mut seen = BTreeSet::new();
            NvsImage {
                entries: raw
                    .into_iter()
                    .filter(|(ns, key, _)| seen.insert((ns.to_string(), key.clone())))
                    .map(|(ns, key, value)| NvsEntry {
                        namespace: ns.to_string(),
                        key,
                        value,
                    })
                    .collect(),
            }
        })
    }

    fn record() -> impl Strategy<Value = Record> {
        (
            "[ -~]{1,32}",
            proptest::collection::vec(any::<u8>(), 0..500),
        )
            .prop_map(|(name, content)| Record::new(&name, &content))
    }

    proptest! {
        #[test]
        fn atpki_round_trip(items in proptest::collection::vec(pki_item(), 0..8)) {
            let bin = PkiBin { items };
            let bytes = bin.to_bytes().unwrap();
            prop_assert_eq!(bytes.len() % 4, 0);
            prop_assert_eq!(PkiBin::parse(&bytes).unwrap(), bin.clone());
            let decoded = container::decode(&bytes).unwrap().unwrap();
            prop_assert_eq!(decoded.entries.len(), bin.items.len());
        }

        #[test]
        fn atpki_from_args_groups_and_counts(
            args in proptest::collection::vec((0u8..3, proptest::collection::vec(any::<u8>(), 0..40)), 1..10),
            py2 in any::<bool>(),
        ) {
            let kinds = [Ca, Cert, Key];
            let refs: Vec<(ItemType, &[u8])> = args.iter().map(|(k, c)| (kinds[*k as usize], c.as_slice())).collect();
            let bin = PkiBin::from_args(&refs, if py2 { PY2 } else { PY3 }, false);
            prop_assert_eq!(PkiBin::parse(&bin.to_bytes().unwrap()).unwrap(), bin.clone());
            for kind in kinds {
                let ids: Vec<u8> = bin.items.iter().filter(|i| i.type_code == kind.code()).map(|i| i.id).collect();
                let expected: Vec<u8> = (0..ids.len() as u8).collect();
                prop_assert_eq!(ids, expected);
                let contents: Vec<&[u8]> = bin.items.iter().filter(|i| i.type_code == kind.code()).map(|i| i.content.as_slice()).collect();
                let given: Vec<&[u8]> = refs.iter().filter(|(k, _)| *k == kind).map(|(_, c)| *c).collect();
                prop_assert_eq!(contents, given);
            }
        }

        #[test]
        fn nvs_round_trip(image in nvs_image(), pages in 3usize..40) {
            match image.to_bytes(pages * 4096) {
                Ok(bytes) => {
                    prop_assert_eq!(bytes.len(), pages * 4096);
                    prop_assert_eq!(NvsImage::parse(&bytes).unwrap(), image);
                }
                Err(e) => prop_assert_eq!(e.kind(), ErrorKind::TooLarge),
            }
        }

        #[test]
        fn nonos_round_trip(records in proptest::collection::vec(record(), 0..6)) {
            let image = SectorImage { records };
            let bytes = image.to_bytes().unwrap();
            prop_assert_eq!(SectorImage::parse(&bytes).unwrap(), image.clone());
            let mut dump = bytes.to_vec();
            dump.resize(bytes.len() + 100, 0xFF);
            prop_assert_eq!(SectorImage::parse(&dump).unwrap(), image);
        }

        #[test]
        fn decoders_never_panic_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..9000)) {
            let _ = container::decode(&bytes);
            let _ = PkiBin::parse(&bytes);
            let _ = NvsImage::parse(&bytes);
            let _ = SectorImage::parse(&bytes);
            let mut magic = vec![0xF1, 0xF1];
            magic.extend_from_slice(&bytes);
            let _ = container::decode(&magic);
        }

        /// Entries with consistent CRCs but inconsistent fields (type, span, chunk index, sizes) must give errors,
        /// never panics or endless loops.
        #[test]
        fn nvs_parse_survives_crc_valid_nonsense(
            image in nvs_image(),
            edits in proptest::collection::vec((0usize..3, 0usize..126, 0usize..8, any::<u8>()), 1..6),
        ) {
            let Ok(bytes) = image.to_bytes(8 * 4096) else { return Ok(()); };
            let mut bytes = bytes.to_vec();
            for (page, entry, field, value) in edits {
                let at = page * 4096 + 64 + entry * 32;
                let offset = [0, 1, 2, 3, 24, 25, 28, 29][field];
                bytes[at + offset] = value;
                let mut covered = bytes[at..at + 4].to_vec();
                covered.extend_from_slice(&bytes[at + 8..at + 32]);
                let crc = crc32(&covered).to_le_bytes();
                bytes[at + 4..at + 8].copy_from_slice(&crc);
            }
            let _ = NvsImage::parse(&bytes);
            let _ = container::decode(&bytes);
        }

        #[test]
        fn decoders_never_panic_on_damaged_vectors(
            which in 0usize..6,
            edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..12),
            cut in any::<usize>(),
        ) {
            let source = [
                "multi/atpki_mixed_py2.bin",
                "mfg_nvs/minimal/mfg_min.bin",
                "mfg_nvs/certpack_edge/edge.bin",
                "rsa_ca/nonos/two_cas/esp_ca_cert.bin",
                "rsa_client/nonos/der_pkcs1/esp_cert_private_key.bin",
                "mfg_nvs/certpack_v3/mfg_nvs_c2_2mb.bin",
            ][which];
            let mut bytes = vector(source);
            for (at, value) in edits {
                let n = bytes.len();
                bytes[at % n] = value;
            }
            let _ = container::decode(&bytes);
            let _ = NvsImage::parse(&bytes);
            let shorter = &bytes[..cut % (bytes.len() + 1)];
            let _ = container::decode(shorter);
            let _ = Bundle::load(&[Input::from_bytes("x.bin", bytes.clone())], &LoadOptions::default());
        }
    }
}

/// A batch that keeps only the bins gets the same bins and manifest, without the README text being written.
#[test]
fn pki_targets_build_the_readme_only_when_it_is_wanted() {
    for dir in ["aws/rsa", "aws/ec"] {
        let bundle = bundle(&[testdata(dir)]);
        for target in ["esp32-at", "esp32c3-at", "esp8266-at"] {
            let full = certpack::target::pack(&bundle, target, &Params::new()).unwrap();
            let lean =
                certpack::target::pack_wanted(&bundle, target, &Params::new(), &|f: &str| {
                    f != "README.txt"
                })
                .unwrap();
            let files = |a: &Artifacts| -> Vec<(String, Vec<u8>, bool)> {
                a.files
                    .iter()
                    .map(|f| (f.name.clone(), f.bytes.to_vec(), f.secret))
                    .collect()
            };
            assert_eq!(files(&lean), files(&full), "{target} {dir}");
            assert_eq!(lean.manifest_json(), full.manifest_json(), "{target} {dir}");
            assert!(
                lean.readme.is_empty() && !full.readme.is_empty(),
                "{target}"
            );
            let with_readme =
                certpack::target::pack_wanted(&bundle, target, &Params::new(), &|_| true).unwrap();
            assert_eq!(with_readme.readme, full.readme, "{target} {dir}");
        }
    }
}
