//! The file system's floor for `bench/compare`: copies the device folders of an existing output (a `certpack
//! batch` output, or the pyca script's) into a new folder the way `certpack batch` writes a device (a temporary
//! folder, its sub-folders created once, every file written, one rename), with no certpack work at all, on the
//! worker threads `certpack batch` uses, and prints `{"devices": N, "files": F, "seconds": S}`. The inputs are read
//! into memory first (not timed). No end-to-end run that writes the same files with the same threads can beat this
//! rate on the same disk. `cargo run --release -p certpack --example write_floor -- FROM TO [threads]`.

use rayon::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

/// One device folder: relative file names (with `/`) and their bytes.
type Device = (String, Vec<(String, Vec<u8>)>);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(from), Some(to)) = (args.first(), args.get(1)) else {
        eprintln!("usage: write_floor FROM TO [threads]");
        std::process::exit(2);
    };
    let threads: Option<usize> = args.get(2).and_then(|t| t.parse().ok());
    // The threads `certpack batch` writes with: one per CPU, each kept on its own.
    let pool = certpack::batch::worker_pool(threads).unwrap_or_else(|e| fail(e.to_string()));
    let devices = read_devices(Path::new(from));
    let files: usize = devices.iter().map(|(_, f)| f.len()).sum();
    let to = PathBuf::from(to);
    if let Err(e) = fs::create_dir(&to) {
        fail(format!(
            "{}: {e} (give a folder that does not exist yet)",
            to.display()
        ));
    }
    let started = std::time::Instant::now();
    pool.install(|| {
        devices.par_iter().with_max_len(1).for_each(|(id, files)| {
            if let Err(e) = write_device(&to, id, files) {
                fail(format!("{id}: {e}"));
            }
        })
    });
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{{\"devices\": {}, \"files\": {files}, \"seconds\": {seconds}}}",
        devices.len()
    );
}

/// Every sub-folder of `from` (hidden ones skipped) with all the files below it.
fn read_devices(from: &Path) -> Vec<Device> {
    let entries = fs::read_dir(from).unwrap_or_else(|e| fail(format!("{}: {e}", from.display())));
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_dir()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    dirs.sort();
    dirs.iter()
        .map(|dir| {
            let mut files = Vec::new();
            collect(dir, "", &mut files);
            let id = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (id, files)
        })
        .collect()
}

fn collect(dir: &Path, prefix: &str, files: &mut Vec<(String, Vec<u8>)>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| fail(format!("{}: {e}", dir.display())));
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let name = format!(
            "{prefix}{}",
            path.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        );
        if path.is_dir() {
            collect(&path, &format!("{name}/"), files);
        } else {
            let bytes =
                fs::read(&path).unwrap_or_else(|e| fail(format!("{}: {e}", path.display())));
            files.push((name, bytes));
        }
    }
}

/// As `certpack batch` writes a device: temporary folder, sub-folders once, the files, one rename.
fn write_device(out: &Path, id: &str, files: &[(String, Vec<u8>)]) -> std::io::Result<()> {
    let tmp = out.join(format!(".tmp-{id}"));
    fs::create_dir(&tmp)?;
    let mut made: Vec<&str> = Vec::new();
    for (name, bytes) in files {
        if let Some((folder, _)) = name.rsplit_once('/') {
            if !made.contains(&folder) {
                fs::create_dir_all(tmp.join(folder))?;
                made.push(folder);
            }
        }
        fs::write(tmp.join(name), bytes)?;
    }
    fs::rename(&tmp, out.join(id))
}

fn fail(message: String) -> ! {
    eprintln!("write_floor: {message}");
    std::process::exit(1);
}
