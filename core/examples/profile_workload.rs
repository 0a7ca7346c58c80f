//! Runs the benchmark's per-device workload (core/benches/workload/mod.rs) in a loop, for profilers
//! (`perf record`, `valgrind --tool=callgrind`):
//! `cargo run --release -p certpack --example profile_workload -- [iterations] [testdata dir] [workload|load|TARGET]`.
//! `load` profiles loading + key match alone; a target name (`quectel`, `esp32-at`, ...) packing that target alone,
//! on a bundle loaded once.

#[path = "../benches/workload/mod.rs"]
mod workload;

fn main() {
    let mut args = std::env::args().skip(1);
    let iterations: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let dir = args.next().unwrap_or_else(|| "aws/rsa".into());
    let what = args.next().unwrap_or_else(|| "workload".into());
    let inputs = workload::inputs(&dir);
    let quectel = workload::quectel_params();
    let bundle = certpack::Bundle::load(&inputs, &Default::default()).expect("bundle");
    let started = std::time::Instant::now();
    let mut total = 0usize;
    for _ in 0..iterations {
        total += match what.as_str() {
            "workload" => workload::device(&inputs).map(|o| o.len()).unwrap_or(0),
            "load" => certpack::Bundle::load(&inputs, &Default::default())
                .map(|b| usize::from(b.key_matches_leaf() == Some(true)))
                .unwrap_or(0),
            "quectel" => certpack::target::pack(&bundle, "quectel", &quectel)
                .map(|a| a.files.len())
                .unwrap_or(0),
            target => certpack::target::pack(&bundle, target, &Default::default())
                .map(|a| a.files.len())
                .unwrap_or(0),
        };
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{iterations} x {what} in {secs:.3} s: {:.0}/s, {:.1} us each ({total} bytes/files)",
        iterations as f64 / secs,
        secs * 1e6 / iterations as f64
    );
}
