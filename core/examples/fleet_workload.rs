//! The in-process core rate for `bench/compare`: reads every device folder of a generated fleet into memory, then
//! runs the reference per-device workload (core/benches/workload/mod.rs) over all of them on ONE thread, and prints
//! `{"devices": N, "seconds": S, "read_seconds": R}`: S the workload alone (`passes` times the fleet, for a longer
//! sample), R the one pass that read the device folders (`Input::read_path`, as `certpack batch` reads a device),
//! so that reading + workload bounds what any in-process use of the core can reach on this machine.
//! `cargo run --release -p certpack --example fleet_workload -- FLEET [passes]`.

#[path = "../benches/workload/mod.rs"]
mod workload;

use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(fleet) = args.next().map(PathBuf::from) else {
        eprintln!("usage: fleet_workload FLEET [passes]");
        std::process::exit(2);
    };
    let passes: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let entries = match std::fs::read_dir(&fleet) {
        Ok(entries) => entries,
        Err(e) => fail(format!("{}: {e}", fleet.display())),
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let started = std::time::Instant::now();
    let devices: Vec<_> = dirs
        .iter()
        .map(|d| {
            certpack::Input::read_path(d).unwrap_or_else(|e| fail(format!("{}: {e}", d.display())))
        })
        .collect();
    let read_seconds = started.elapsed().as_secs_f64();
    // One untimed pass warms caches and proves every device is good.
    for (dir, inputs) in dirs.iter().zip(&devices) {
        if let Err(e) = workload::device(inputs) {
            fail(format!("{}: {e}", dir.display()));
        }
    }
    let started = std::time::Instant::now();
    let mut total = 0usize;
    for _ in 0..passes {
        for inputs in &devices {
            total += workload::device(inputs).map(|o| o.len()).unwrap_or(0);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{{\"devices\": {}, \"seconds\": {seconds}, \"read_seconds\": {read_seconds}, \"bytes\": {total}}}",
        devices.len() * passes
    );
}

fn fail(message: String) -> ! {
    eprintln!("fleet_workload: {message}");
    std::process::exit(1)
}
