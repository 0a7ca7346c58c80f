//! Runs the benchmark's per-device workload in a loop, for profilers (`perf record`, callgrind):
//! `cargo run --release -p certpack --example profile_workload -- [iterations] [testdata dir]`.

use std::path::Path;

use certpack::{Bundle, Input, LoadOptions, Params};

fn main() {
    let mut args = std::env::args().skip(1);
    let iterations: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let dir = args.next().unwrap_or_else(|| "aws/rsa".into());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("testdata folder")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    files.sort();
    let inputs: Vec<Input> = files
        .iter()
        .filter(|p| !p.to_string_lossy().ends_with("public.pem.key"))
        .filter_map(|p| {
            std::fs::read(p)
                .ok()
                .map(|b| Input::from_bytes(p.display().to_string(), b))
        })
        .collect();
    let quectel = Params::new().with("endpoint", "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com");
    let started = std::time::Instant::now();
    let mut total = 0usize;
    for _ in 0..iterations {
        let Ok(bundle) = Bundle::load(&inputs, &LoadOptions::default()) else {
            return;
        };
        for (target, params) in [
            ("der", Params::new()),
            ("c-array", Params::new()),
            ("esp32-at", Params::new()),
            ("quectel", quectel.clone()),
        ] {
            if let Ok(out) = certpack::target::pack(&bundle, target, &params) {
                total += out.files.len();
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{iterations} devices in {secs:.3} s: {:.0} devices/s ({total} files)",
        iterations as f64 / secs
    );
}
