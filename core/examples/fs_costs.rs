//! What the file system operations of a batch cost on this machine, each alone, in microseconds (one thread, the
//! operation repeated N times relative to an open folder, as `certpack batch` makes them): the part of a device's
//! time no program that writes the same folders can avoid. Prints one JSON object.
//! `cargo run --release -p certpack --example fs_costs -- [FOLDER] [N]` (FOLDER: a new folder made there and removed
//! after, default the temporary folder; N default 20000). On tmpfs it times the kernel alone, on a disk the disk too.

#[cfg(unix)]
fn main() {
    use rustix::fs::{mkdirat, openat, renameat, Mode, OFlags};
    use std::time::Instant;

    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let root = base.join(format!("certpack-fs-costs-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir(&root) {
        eprintln!("fs_costs: {}: {e}", root.display());
        std::process::exit(1);
    }
    let dir = openat(
        rustix::fs::CWD,
        &root,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .unwrap_or_else(|e| fail(e));
    let bytes = [b'a'; 600];
    let mut buf = vec![0u8; 4096];
    let create = OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::CLOEXEC;
    let read = OFlags::RDONLY | OFlags::CLOEXEC;
    let mut results: Vec<(&str, f64)> = Vec::new();
    let mut time = |name: &'static str, op: &mut dyn FnMut(usize)| {
        let started = Instant::now();
        for i in 0..n {
            op(i);
        }
        results.push((name, started.elapsed().as_secs_f64() * 1e6 / n as f64));
    };
    // What entering the kernel costs by itself (glibc does not cache the process id), to tell the cost of a call
    // from the file system's work behind it.
    time("a system call with no work (getpid)", &mut |_| {
        std::hint::black_box(std::process::id());
    });
    time("make a folder", &mut |i| {
        mkdirat(&dir, format!("d{i}"), Mode::from_raw_mode(0o777)).unwrap_or_else(|e| fail(e));
    });
    time("create, write 600 bytes, close", &mut |i| {
        let fd = openat(&dir, format!("d{i}/f"), create, Mode::from_raw_mode(0o666))
            .unwrap_or_else(|e| fail(e));
        rustix::io::write(&fd, &bytes).unwrap_or_else(|e| fail(e));
    });
    time("make a sub-folder", &mut |i| {
        mkdirat(&dir, format!("d{i}/s"), Mode::from_raw_mode(0o777)).unwrap_or_else(|e| fail(e));
    });
    time("create one level down, write 600 bytes, close", &mut |i| {
        let fd = openat(
            &dir,
            format!("d{i}/s/f"),
            create,
            Mode::from_raw_mode(0o666),
        )
        .unwrap_or_else(|e| fail(e));
        rustix::io::write(&fd, &bytes).unwrap_or_else(|e| fail(e));
    });
    time("open, fstat, read, close", &mut |i| {
        let fd = openat(&dir, format!("d{i}/f"), read, Mode::empty()).unwrap_or_else(|e| fail(e));
        let size = rustix::fs::fstat(&fd).map_or(0, |s| s.st_size as usize);
        rustix::io::read(&fd, &mut buf[..size + 1]).unwrap_or_else(|e| fail(e));
    });
    time("open, close", &mut |i| {
        openat(&dir, format!("d{i}/f"), read, Mode::empty()).unwrap_or_else(|e| fail(e));
    });
    time("open a folder, list it, close", &mut |i| {
        let fd = openat(
            &dir,
            format!("d{i}"),
            read | OFlags::DIRECTORY,
            Mode::empty(),
        )
        .unwrap_or_else(|e| fail(e));
        let listing = rustix::fs::Dir::read_from(&fd).unwrap_or_else(|e| fail(e));
        std::hint::black_box(listing.count());
    });
    time("rename a folder", &mut |i| {
        renameat(&dir, format!("d{i}"), &dir, format!("e{i}")).unwrap_or_else(|e| fail(e));
    });
    let _ = std::fs::remove_dir_all(&root);
    let fields: Vec<String> = results
        .iter()
        .map(|(name, us)| format!("\"{name}\": {us:.2}"))
        .collect();
    println!(
        "{{\"folder\": \"{}\", \"repeats\": {n}, \"microseconds\": {{{}}}}}",
        base.display(),
        fields.join(", ")
    );
}

#[cfg(unix)]
fn fail(e: impl std::fmt::Display) -> ! {
    eprintln!("fs_costs: {e}");
    std::process::exit(1)
}

#[cfg(not(unix))]
fn main() {
    eprintln!("fs_costs: Unix only (it times the system calls batch makes there)");
}
