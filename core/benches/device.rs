//! The reference per-device workload of the fleet benchmark (docs/performance.md), and its parts:
//! load leaf + key + root PEM, check the key matches, certificate/key/root DER, PKCS#8 key, one C header with the
//! three arrays, the ESP32-AT bins, the Quectel payloads with checksums, and the certificate ID.

use std::hint::black_box;
use std::path::Path;

use certpack::{Bundle, Input, LoadOptions, Params};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn inputs(dir: &str) -> Vec<Input> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .filter(|p| !p.to_string_lossy().ends_with("public.pem.key"))
        .map(|p| Input::from_bytes(p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

fn quectel_params() -> Params {
    Params::new().with("endpoint", "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com")
}

/// The whole reference workload for one device; returns the number of output bytes.
fn workload(inputs: &[Input], quectel: &Params) -> usize {
    let bundle = Bundle::load(inputs, &LoadOptions::default()).unwrap();
    assert_eq!(bundle.key_matches_leaf(), Some(true));
    let leaf = bundle.require_leaf("bench").unwrap();
    let key = bundle.require_key("bench").unwrap();
    let root = bundle.require_root("bench").unwrap();
    let mut total =
        leaf.der().len() + key.traditional_der().len() + root.der().len() + key.pkcs8_der().len();
    total += leaf.aws_certificate_id().len();
    for (target, params) in [
        ("c-array", Params::new()),
        ("esp32-at", Params::new()),
        ("quectel", quectel.clone()),
    ] {
        let out = certpack::target::pack(&bundle, target, &params).unwrap();
        total += out.files.iter().map(|f| f.bytes.len()).sum::<usize>();
    }
    total
}

fn bench(c: &mut Criterion) {
    let quectel = quectel_params();
    for dir in ["aws/rsa", "aws/ec"] {
        let inputs = inputs(dir);
        let mut group = c.benchmark_group(dir.replace('/', "-"));
        group.throughput(Throughput::Elements(1));
        group.bench_function("device workload", |b| {
            b.iter(|| black_box(workload(black_box(&inputs), &quectel)))
        });
        group.bench_function("load + key match", |b| {
            b.iter(|| {
                let bundle = Bundle::load(black_box(&inputs), &LoadOptions::default()).unwrap();
                black_box(bundle.key_matches_leaf())
            })
        });
        let bundle = Bundle::load(&inputs, &LoadOptions::default()).unwrap();
        for (target, params) in [
            ("der", Params::new()),
            ("c-array", Params::new()),
            ("esp32-at", Params::new()),
            ("quectel", quectel.clone()),
        ] {
            group.bench_function(format!("pack {target}"), |b| {
                b.iter(|| black_box(certpack::target::pack(&bundle, target, &params).unwrap()))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
