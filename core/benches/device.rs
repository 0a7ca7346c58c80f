//! The reference per-device workload of the fleet benchmark (see `workload/mod.rs` and docs/performance.md),
//! and its parts: load + key match, the DER/PKCS#8 encodings, the C header, the ESP32-AT bins, the Quectel
//! payloads with checksums, the certificate ID; and, separately, whole targets (`pack der`, `pack quectel`).

use std::hint::black_box;

use certpack::{Bundle, LoadOptions, Params};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

mod workload;

fn bench(c: &mut Criterion) {
    for dir in ["aws/rsa", "aws/ec"] {
        let inputs = workload::inputs(dir);
        workload::assert_same_as_quectel_target(&inputs);
        let mut group = c.benchmark_group(dir.replace('/', "-"));
        group.throughput(Throughput::Elements(1));
        group.bench_function("device workload", |b| {
            b.iter(|| black_box(workload::device(black_box(&inputs)).unwrap().len()))
        });
        group.bench_function("load + key match", |b| {
            b.iter(|| {
                let bundle = Bundle::load(black_box(&inputs), &LoadOptions::default()).unwrap();
                black_box(bundle.key_matches_leaf())
            })
        });
        let bundle = Bundle::load(&inputs, &LoadOptions::default()).unwrap();
        group.bench_function("DER + PKCS#8", |b| {
            b.iter(|| {
                let leaf = bundle.require_leaf("bench").unwrap();
                let key = bundle.require_key("bench").unwrap();
                let root = bundle.require_root("bench").unwrap();
                black_box((
                    leaf.der().to_vec(),
                    key.traditional_der(),
                    root.der().to_vec(),
                    key.pkcs8_der(),
                ))
            })
        });
        group.bench_function("Quectel payloads + checksums", |b| {
            b.iter(|| black_box(workload::quectel_payloads(black_box(&bundle)).unwrap()))
        });
        group.bench_function("certificate ID", |b| {
            b.iter(|| black_box(bundle.require_leaf("bench").unwrap().aws_certificate_id()))
        });
        for (target, params) in [
            ("c-array", Params::new()),
            ("esp32-at", Params::new()),
            ("der", Params::new()),
            ("quectel", workload::quectel_params()),
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
