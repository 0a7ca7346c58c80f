//! Writing outputs safely: atomically (temp file + rename), never over an input, never over an existing file
//! without `--force`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};

/// Canonical paths of the inputs, to refuse writing over them.
pub struct Guard {
    inputs: Vec<PathBuf>,
    force: bool,
}

impl Guard {
    /// Protect `inputs` (files or folders; every file inside a folder is protected).
    pub fn new(inputs: &[PathBuf], force: bool) -> Guard {
        let mut protected = Vec::new();
        for p in inputs {
            if let Ok(c) = fs::canonicalize(p) {
                if c.is_dir() {
                    if let Ok(entries) = fs::read_dir(&c) {
                        protected.extend(entries.filter_map(|e| e.ok()).map(|e| e.path()));
                    }
                }
                protected.push(c);
            }
        }
        Guard {
            inputs: protected,
            force,
        }
    }

    fn check(&self, target: &Path) -> Result<()> {
        let shown = target.display().to_string();
        let canonical = target
            .parent()
            .and_then(|d| fs::canonicalize(d).ok())
            .map(|d| d.join(target.file_name().unwrap_or_default()));
        if let Some(c) = canonical {
            if self.inputs.contains(&c) {
                return Err(Error::new(
                    ErrorKind::OutputExists,
                    "this output would overwrite an input file",
                    "choose another output folder with -o",
                )
                .in_path(shown));
            }
        }
        if target.exists() && !self.force {
            return Err(Error::new(
                ErrorKind::OutputExists,
                "the output file exists already",
                "choose an empty folder with -o, or pass --force to replace it",
            )
            .in_path(shown));
        }
        Ok(())
    }
}

/// Write every file under `dir` (created if needed). All names are checked before anything is written.
pub fn write_files(
    dir: &Path,
    files: &[(String, zeroize::Zeroizing<Vec<u8>>)],
    guard: &Guard,
) -> Result<Vec<PathBuf>> {
    fs::create_dir_all(dir).map_err(|e| Error::from(e).in_path(dir.display().to_string()))?;
    let mut targets = Vec::new();
    for (name, _) in files {
        if name.split('/').any(|part| part == ".." || part.is_empty()) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("refusing the output name \"{name}\""),
                "output names must stay inside the output folder",
            ));
        }
        let path = dir.join(name);
        guard.check(&path)?;
        targets.push(path);
    }
    for ((_, bytes), path) in files.iter().zip(&targets) {
        write_atomic(path, bytes)?;
    }
    Ok(targets)
}

/// Write `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let shown = path.display().to_string();
    let parent = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| Error::from(e).in_path(&shown))?;
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = parent.join(format!(".{file_name}.certpack-tmp-{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(Error::from(e).in_path(shown));
    }
    Ok(())
}
