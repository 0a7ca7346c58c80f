//! The output folder of a run, open once: device folders and files are made by their names relative to it, so
//! the kernel walks the output folder's own path once per run instead of once per file (on Unix; elsewhere the
//! paths are joined).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// An open output folder.
pub(super) struct OutDir {
    path: PathBuf,
    #[cfg(unix)]
    fd: rustix::fd::OwnedFd,
}

#[cfg(unix)]
impl OutDir {
    /// Open the existing folder `path`.
    pub fn open(path: &Path) -> io::Result<OutDir> {
        use rustix::fs::{Mode, OFlags, CWD};
        let fd = rustix::fs::openat(
            CWD,
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(OutDir {
            path: path.to_path_buf(),
            fd,
        })
    }

    /// Make the folder `rel` (its parent must exist).
    pub fn create_dir(&self, rel: &str) -> io::Result<()> {
        rustix::fs::mkdirat(&self.fd, rel, rustix::fs::Mode::from_raw_mode(0o777))?;
        Ok(())
    }

    /// Write `bytes` to the file `rel`, made or truncated (as `std::fs::write` does).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        use rustix::fs::{Mode, OFlags};
        let fd = rustix::fs::openat(
            &self.fd,
            rel,
            OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o666),
        )?;
        std::fs::File::from(fd).write_all(bytes)
    }

    /// Rename `from` to `to`, both in this folder.
    pub fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        rustix::fs::renameat(&self.fd, from, &self.fd, to)?;
        Ok(())
    }
}

#[cfg(not(unix))]
impl OutDir {
    /// Open the existing folder `path`.
    pub fn open(path: &Path) -> io::Result<OutDir> {
        Ok(OutDir {
            path: path.to_path_buf(),
        })
    }

    /// Make the folder `rel` (its parent must exist).
    pub fn create_dir(&self, rel: &str) -> io::Result<()> {
        std::fs::create_dir(self.path.join(rel))
    }

    /// Write `bytes` to the file `rel`, made or truncated.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        std::fs::File::create(self.path.join(rel))?.write_all(bytes)
    }

    /// Rename `from` to `to`, both in this folder.
    pub fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        std::fs::rename(self.path.join(from), self.path.join(to))
    }
}

impl OutDir {
    /// The whole path of `rel` (for messages and the rare path-based step).
    pub fn join(&self, rel: &str) -> PathBuf {
        self.path.join(rel)
    }
}
