//! `certpack batch`: runs the core batch with a progress bar on a terminal.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use certpack::batch::{self, BatchOptions, Status};
use certpack::time::Timestamp;
use certpack::{Error, ErrorKind, LoadOptions, Params};
use indicatif::{ProgressBar, ProgressStyle};
use zeroize::Zeroizing;

/// Parsed `batch` arguments.
pub struct Args {
    pub fleet: PathBuf,
    pub targets: Vec<String>,
    pub params: Params,
    pub output: PathBuf,
    pub force: bool,
    pub files: Vec<String>,
    pub jobs: Option<usize>,
    pub passphrase: Option<Zeroizing<String>>,
}

pub fn run(args: Args) -> certpack::Result<ExitCode> {
    // The worker threads start while the fleet is listed.
    let pool = batch::worker_pool(args.jobs)?;
    let devices = batch::discover(&args.fleet)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| Timestamp(d.as_secs() as i64))
        .ok();
    let options = BatchOptions {
        targets: args.targets,
        params: args.params,
        out_dir: args.output,
        load: LoadOptions {
            passphrase: args.passphrase,
        },
        force: args.force,
        now,
        files: args.files,
    };
    let on_terminal = std::io::stderr().is_terminal();
    let bar = if on_terminal {
        let bar = ProgressBar::new(devices.len() as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {pos}/{len} devices  {per_sec:0}  ETA {eta}  {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let started = Instant::now();
    let finished = AtomicUsize::new(0);
    // Off a terminal the bar is hidden and not touched: updating it takes a lock and a rate estimate per device.
    let progress = |r: &batch::DeviceResult| {
        finished.fetch_add(1, Ordering::Relaxed);
        if !on_terminal {
            return;
        }
        if r.status == Status::Failed {
            bar.set_message(format!("failed: {}", r.device));
        }
        bar.inc(1);
    };
    let stop = stop_on_signals()?;
    let summary = pool.install(|| batch::run_until(&devices, &options, &progress, &stop))?;
    bar.finish_and_clear();
    let Some(summary) = summary else {
        eprintln!(
            "stopped after {} of {} devices: their folders in {} are complete, the others were not started and no \
             summary was written; run the same command again to finish (it keeps the complete folders)",
            finished.load(Ordering::Relaxed),
            devices.len(),
            options.out_dir.display()
        );
        return Ok(ExitCode::from(STOPPED));
    };
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{} devices: {} written, {} unchanged, {} failed in {:.2} s ({:.0} devices/s); summary in {}",
        summary.devices.len(),
        summary.written,
        summary.unchanged,
        summary.failed,
        secs,
        summary.devices.len() as f64 / secs.max(1e-9),
        options.out_dir.join("summary.csv").display()
    );
    // The first failures on the terminal; all of them are in the summary (a fleet of thousands can fail whole).
    const SHOWN_FAILURES: usize = 20;
    let failed = summary
        .devices
        .iter()
        .filter(|d| d.status == Status::Failed);
    for d in failed.take(SHOWN_FAILURES) {
        eprintln!("failed {}: {}", d.device, d.error.as_deref().unwrap_or(""));
    }
    if summary.failed > SHOWN_FAILURES {
        eprintln!(
            "... and {} more failed devices: see {}",
            summary.failed - SHOWN_FAILURES,
            options.out_dir.join("summary.csv").display()
        );
    }
    let code = if summary.failed > 0 {
        ExitCode::from(7)
    } else {
        ExitCode::SUCCESS
    };
    // The process ends next: the fleet's lists and the idle worker threads go with it. Freeing the lists one by
    // one and waking the threads to stop them took about a millisecond per 1,000 devices. Nothing in them is
    // secret (the key material of each device was wiped when its files were written; the passphrase is in
    // `options`, dropped as usual).
    std::mem::forget((summary, devices, pool));
    Ok(code)
}

/// The exit code of a batch stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
const STOPPED: u8 = 130;

/// A flag that Ctrl-C or SIGTERM sets, so the batch starts no more devices and lets those under way finish; a second
/// signal ends the process at once, as a killed run (folders complete or absent, the temporary ones removed by the
/// next run).
fn stop_on_signals() -> certpack::Result<Arc<AtomicBool>> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag;
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        // The conditional shutdown first: it sees the flag the first signal set only from the second one on.
        flag::register_conditional_shutdown(signal, i32::from(STOPPED), Arc::clone(&stop))
            .and_then(|_| flag::register(signal, Arc::clone(&stop)))
            .map_err(|e| {
                Error::new(
                    ErrorKind::Io,
                    format!("cannot handle Ctrl-C ({e})"),
                    "run the batch from a shell that lets programs handle signals",
                )
            })?;
    }
    Ok(stop)
}
