//! A profiling loop for `batch::pack_fleet` (what `certpack.pack_fleet` runs under Python) with the options of
//! `bench/compare`: the reference workload's targets, parameters and `--files`. Prints microseconds per device for
//! each pass. `T=der,quectel` / `F='*.der,quectel/*.pem'` (comma-separated) narrow the targets and patterns to
//! measure one target's share; `RAYON_NUM_THREADS=1` for one core, e.g. under
//! `valgrind --tool=callgrind` (instruction counts do not vary with this machine's load, wall times do).
//! `CHUNK=32` packs through `FleetChunks` as the Python binding does.
//! `cargo run --release -p certpack --example pack_fleet_profile -- FLEET [passes]`.

use certpack::batch::{self, BatchOptions};
use certpack::Params;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Each target's parameters in `bench/compare` (as `TARGET.NAME`, so any subset of the targets accepts them).
const PARAMS: [(&str, &str, &str); 3] = [
    (
        "quectel",
        "endpoint",
        "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com",
    ),
    ("esp32-at", "set", "client"),
    ("der", "key-format", "pkcs8"),
];

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(fleet) = args.next().map(std::path::PathBuf::from) else {
        eprintln!("usage: pack_fleet_profile FLEET [passes]");
        std::process::exit(2);
    };
    let passes: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let list = |var: &str, default: &str| -> Vec<String> {
        let text = std::env::var(var).unwrap_or_else(|_| default.to_string());
        text.split(',').map(String::from).collect()
    };
    let targets = list("T", "der,c-array,esp32-at,quectel");
    let mut params = Params::new();
    for (target, name, value) in PARAMS {
        if targets.iter().any(|t| t == target) {
            params.set(&format!("{target}.{name}"), value);
        }
    }
    let options = BatchOptions {
        targets,
        params,
        files: list(
            "F",
            "*.der,c-array/certs.h,esp32-at/*.bin,quectel/*.pem,quectel/manifest.json",
        ),
        ..Default::default()
    };
    let devices = batch::discover(&fleet).unwrap_or_else(|e| fail(e));
    // CHUNK=n packs through `FleetChunks` as the Python binding does (n devices at a time, each chunk freed on
    // a worker); otherwise the whole fleet at once with `pack_fleet`.
    let chunk: Option<usize> = std::env::var("CHUNK").ok().and_then(|c| c.parse().ok());
    for _ in 0..passes {
        let started = std::time::Instant::now();
        let check = |packed: &[batch::DeviceOutputs]| {
            if let Some(bad) = packed.iter().find(|d| d.error.is_some()) {
                fail(format!("{}: {:?}", bad.device, bad.error));
            }
        };
        match chunk {
            Some(chunk) => {
                let chunks = batch::FleetChunks::new(devices.clone(), options.clone(), chunk)
                    .unwrap_or_else(|e| fail(e));
                for packed in chunks {
                    check(&packed);
                    batch::FleetChunks::release(packed);
                }
            }
            None => {
                let packed = batch::pack_fleet(&devices, &options).unwrap_or_else(|e| fail(e));
                check(&packed);
                drop(packed);
            }
        }
        let micros = started.elapsed().as_secs_f64() * 1e6 / devices.len().max(1) as f64;
        println!("{micros:.1} us/device");
    }
}

fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("pack_fleet_profile: {message}");
    std::process::exit(1)
}
