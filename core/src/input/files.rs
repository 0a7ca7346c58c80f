//! Reading inputs from disk: one file, or every regular file of a folder.
//!
//! A fleet run reads thousands of small device folders, so each read costs as few system calls as it can: on Unix
//! a folder is opened once and its files are opened relative to it (one path component to look up, not the whole
//! path), and a file whose size is known is read in one call with no extra read to find its end.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use zeroize::Zeroizing;

use super::{too_large, Input, MAX_INPUT_BYTES};
use crate::error::{Error, ErrorKind, Result};

/// Read a file, or every regular file of a folder (sorted by name, hidden files skipped).
pub(super) fn read_path(path: &Path) -> Result<Vec<Input>> {
    read_path_in(None, path)
}

/// A folder opened once, whose entries are then read by their names relative to it: a fleet's folder, so each
/// device folder costs the kernel one path component to look up instead of its whole path. Paths elsewhere, on
/// systems other than Unix, or when the folder cannot be opened, are read by their whole paths.
#[cfg(feature = "batch")]
pub(crate) struct ParentFolder {
    #[cfg(unix)]
    path: std::path::PathBuf,
    #[cfg(unix)]
    fd: Option<rustix::fd::OwnedFd>,
}

#[cfg(feature = "batch")]
impl ParentFolder {
    /// Open `path` (never fails: a folder that cannot be opened leaves every read to its whole path).
    pub fn open(path: &Path) -> ParentFolder {
        // Elsewhere than on Unix every read goes by its whole path: nothing is kept.
        #[cfg(not(unix))]
        let _ = path;
        ParentFolder {
            #[cfg(unix)]
            path: path.to_path_buf(),
            #[cfg(unix)]
            fd: rustix::fs::open(path, folder::DIRECTORY, rustix::fs::Mode::empty()).ok(),
        }
    }

    /// [`read_path`], relative to this folder when `path` is one of its entries.
    pub fn read_path(&self, path: &Path) -> Result<Vec<Input>> {
        #[cfg(unix)]
        if let (Some(fd), Some(name)) = (&self.fd, self.entry_name(path)) {
            use rustix::fd::AsFd;
            return read_path_in(Some((fd.as_fd(), name)), path);
        }
        read_path(path)
    }

    /// The name of `path` in this folder when `path` is this folder's path, a separator and one plain name.
    #[cfg(unix)]
    fn entry_name<'p>(&self, path: &'p Path) -> Option<&'p std::ffi::OsStr> {
        use std::os::unix::ffi::OsStrExt;
        let rest = path
            .as_os_str()
            .as_bytes()
            .strip_prefix(self.path.as_os_str().as_bytes())?
            .strip_prefix(b"/")?;
        let plain = !rest.is_empty() && rest != b"." && rest != b".." && !rest.contains(&b'/');
        plain.then(|| std::ffi::OsStr::from_bytes(rest))
    }
}

/// Where [`folder::read`] opens a folder: by its whole path (`None`), or by its name in an open folder.
#[cfg(unix)]
type At<'a> = Option<(rustix::fd::BorrowedFd<'a>, &'a std::ffi::OsStr)>;
#[cfg(not(unix))]
type At<'a> = Option<std::marker::PhantomData<&'a ()>>;

/// [`read_path`], the folder opened as `at` says.
fn read_path_in(at: At<'_>, path: &Path) -> Result<Vec<Input>> {
    let shown = path.display().to_string();
    let mut inputs = match folder::read(at, path, &shown)? {
        Some(inputs) => inputs,
        None => return Ok(vec![read_file(path)?]),
    };
    if inputs.is_empty() {
        return Err(Error::new(
            ErrorKind::Io,
            "the folder has no files",
            "point certpack at the folder the cloud console download was unpacked into",
        )
        .in_path(shown));
    }
    for input in &mut inputs {
        input.from_folder = true;
    }
    Ok(inputs)
}

/// Read one file by its path.
fn read_file(path: &Path) -> Result<Input> {
    let shown = path.display().to_string();
    match File::open(path) {
        Ok(file) => read_open(file, shown),
        Err(e) => Err(Error::from(e).in_path(shown)),
    }
}

/// Read an open file: sized from the handle (the buffer is allocated once, so no copy of a key is left behind in
/// freed memory, unless the file grows while it is read), refused before reading when over [`MAX_INPUT_BYTES`].
/// `shown` names it in errors.
fn read_open(mut file: File, shown: String) -> Result<Input> {
    let io = |e: std::io::Error| Error::from(e).in_path(&shown);
    let len = file.metadata().map_err(io)?.len();
    if len > MAX_INPUT_BYTES as u64 {
        return Err(too_large(len as usize).in_path(shown));
    }
    let len = len as usize;
    // One byte more than the size asked for: a read that stops at the size is the end of the file, with no
    // second read to find out. A short read, or a file that grew, is read on to its end.
    let mut bytes = Zeroizing::new(vec![0u8; len + 1]);
    let mut filled = 0;
    loop {
        let n = match file.read(&mut bytes[filled..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io(e)),
        };
        filled += n;
        if n == 0 || filled == len {
            break;
        }
        if filled == bytes.len() {
            // The file grew while being read: read on (one byte over the limit tells a file that is too large).
            bytes.truncate(filled);
            (&mut file)
                .take((MAX_INPUT_BYTES + 1 - filled.min(MAX_INPUT_BYTES)) as u64)
                .read_to_end(&mut bytes)
                .map_err(io)?;
            filled = bytes.len();
            break;
        }
    }
    bytes.truncate(filled);
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(too_large(bytes.len()).in_path(shown));
    }
    Ok(Input {
        name: shown,
        bytes,
        from_folder: false,
    })
}

/// The error for a path that can be neither listed nor read.
fn unreadable(e: impl std::fmt::Display, shown: &str) -> Error {
    Error::new(
        ErrorKind::Io,
        format!("cannot read ({e})"),
        "check the path",
    )
    .in_path(shown)
}

/// Unix: the folder is opened once, listed through its descriptor and its files opened relative to it.
#[cfg(unix)]
mod folder {
    use std::path::Path;

    use rustix::fs::{Dir, FileType, Mode, OFlags};
    use rustix::io::Errno;

    use super::{read_open, unreadable, At, Error, Input, Result};

    /// How a folder is opened for listing.
    pub(super) const DIRECTORY: OFlags = OFlags::RDONLY
        .union(OFlags::DIRECTORY)
        .union(OFlags::CLOEXEC);

    /// The folder's regular files (hidden ones skipped, links followed), sorted by name; `None` when `path` is not
    /// a folder. The folder is opened by its name in an open folder when `at` gives one.
    pub(super) fn read(at: At<'_>, path: &Path, shown: &str) -> Result<Option<Vec<Input>>> {
        let opened = match at {
            Some((parent, name)) => rustix::fs::openat(parent, name, DIRECTORY, Mode::empty()),
            None => rustix::fs::open(path, DIRECTORY, Mode::empty()),
        };
        let fd = match opened {
            Ok(fd) => fd,
            Err(Errno::NOTDIR) => return Ok(None),
            Err(e) => return not_listed(path, shown, e),
        };
        let mut dir = Dir::new(fd).map_err(|e| io_error(e, shown))?;
        let mut names = Vec::new();
        while let Some(entry) = dir.read() {
            let entry = entry.map_err(|e| io_error(e, shown))?;
            let name = entry.file_name().to_bytes();
            if name.starts_with(b".") {
                continue;
            }
            let regular = match entry.file_type() {
                FileType::RegularFile => true,
                // A link is followed to its target; a listing that gives no type needs a look at the file.
                FileType::Symlink | FileType::Unknown => {
                    let dir_fd = dir.fd().map_err(|e| io_error(e, shown))?;
                    rustix::fs::statat(dir_fd, entry.file_name(), rustix::fs::AtFlags::empty())
                        .is_ok_and(|st| {
                            FileType::from_raw_mode(st.st_mode) == FileType::RegularFile
                        })
                }
                _ => false,
            };
            if regular {
                names.push(entry.file_name().to_owned());
            }
        }
        names.sort();
        let dir_fd = dir.fd().map_err(|e| io_error(e, shown))?;
        let mut inputs = Vec::with_capacity(names.len());
        for name in names {
            let file_shown = entry_shown(shown, name.to_bytes());
            let file = rustix::fs::openat(
                dir_fd,
                &name,
                OFlags::RDONLY | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| io_error(e, &file_shown))?;
            inputs.push(read_open(file.into(), file_shown)?);
        }
        Ok(Some(inputs))
    }

    /// How the entry `name` of the folder shown as `shown` is shown: `folder.join(name).display()`, written into
    /// one string.
    pub(super) fn entry_shown(shown: &str, name: &[u8]) -> String {
        let name = String::from_utf8_lossy(name);
        let mut text = String::with_capacity(shown.len() + 1 + name.len());
        text.push_str(shown);
        if !shown.is_empty() && !shown.ends_with('/') {
            text.push('/');
        }
        text.push_str(&name);
        text
    }

    /// A path that cannot be opened as a folder: the listing's error for a folder, `None` (read it as a file) for
    /// anything else that exists, the reason it cannot be read otherwise.
    fn not_listed(path: &Path, shown: &str, listing: Errno) -> Result<Option<Vec<Input>>> {
        match std::fs::metadata(path) {
            Err(e) => Err(unreadable(e, shown)),
            Ok(meta) if meta.is_dir() => Err(io_error(listing, shown)),
            Ok(_) => Ok(None),
        }
    }

    fn io_error(e: Errno, shown: &str) -> Error {
        Error::from(std::io::Error::from(e)).in_path(shown)
    }
}

/// Elsewhere: the folder is listed and its files opened by their paths.
#[cfg(not(unix))]
mod folder {
    use std::path::Path;

    use super::{read_file, unreadable, At, Error, Input, Result};

    /// The folder's regular files (hidden ones skipped, links followed), sorted by name; `None` when `path` is not
    /// a folder.
    pub(super) fn read(_: At<'_>, path: &Path, shown: &str) -> Result<Option<Vec<Input>>> {
        let entries = match std::fs::read_dir(path) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => return Ok(None),
            Err(listing) => {
                return match std::fs::metadata(path) {
                    Err(e) => Err(unreadable(e, shown)),
                    Ok(meta) if meta.is_dir() => Err(Error::from(listing).in_path(shown)),
                    Ok(_) => Ok(None),
                }
            }
        };
        let mut paths: Vec<_> = entries
            .filter_map(|e| e.ok())
            .filter(|e| !e.file_name().as_encoded_bytes().starts_with(b"."))
            .filter(|e| crate::input::entry_type(e).is_some_and(|t| t.is_file()))
            .map(|e| e.path())
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|p| read_file(p))
            .collect::<Result<_>>()
            .map(Some)
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    /// A fresh folder under the system's temporary folder, removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let path =
                std::env::temp_dir().join(format!("certpack-files-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            Scratch(path)
        }

        fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
            let path = self.0.join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn names(inputs: &[Input]) -> Vec<String> {
        inputs
            .iter()
            .map(|i| {
                Path::new(&i.name)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    }

    #[test]
    fn a_folder_gives_its_regular_files_sorted_hidden_ones_and_folders_skipped() {
        let dir = Scratch::new("listing");
        dir.write("b.pem", b"second");
        dir.write("a.pem", b"first");
        dir.write(".hidden.pem", b"hidden");
        dir.write("empty.txt", b"");
        std::fs::create_dir(dir.0.join("sub")).unwrap();
        std::fs::write(dir.0.join("sub").join("c.pem"), b"nested").unwrap();
        let inputs = read_path(&dir.0).unwrap();
        assert_eq!(names(&inputs), ["a.pem", "b.pem", "empty.txt"]);
        assert_eq!(&inputs[0].bytes[..], b"first");
        assert_eq!(&inputs[1].bytes[..], b"second");
        assert!(inputs[2].bytes.is_empty());
        assert!(inputs.iter().all(|i| i.from_folder));
        assert_eq!(inputs[0].name, dir.0.join("a.pem").display().to_string());
    }

    #[cfg(unix)]
    #[test]
    fn links_are_followed_to_files_and_dangling_links_and_linked_folders_skipped() {
        let dir = Scratch::new("links");
        let target = dir.write("real.pem", b"real");
        std::fs::create_dir(dir.0.join("folder")).unwrap();
        std::os::unix::fs::symlink(&target, dir.0.join("link.pem")).unwrap();
        std::os::unix::fs::symlink(dir.0.join("gone"), dir.0.join("dangling.pem")).unwrap();
        std::os::unix::fs::symlink(dir.0.join("folder"), dir.0.join("to-folder")).unwrap();
        let inputs = read_path(&dir.0).unwrap();
        assert_eq!(names(&inputs), ["link.pem", "real.pem"]);
        assert_eq!(&inputs[0].bytes[..], b"real");
        // A link to a folder given as the path is the folder.
        let through_link = read_path(&dir.0.join("to-folder")).unwrap_err();
        assert!(
            through_link.to_string().contains("has no files"),
            "{through_link}"
        );
    }

    #[test]
    fn a_file_is_read_whole_whatever_its_size() {
        let dir = Scratch::new("sizes");
        for len in [0usize, 1, 4095, 4096, 4097, 65_537, MAX_INPUT_BYTES] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let path = dir.write("f.bin", &bytes);
            let inputs = read_path(&path).unwrap();
            assert_eq!(inputs.len(), 1);
            assert!(!inputs[0].from_folder);
            assert_eq!(&inputs[0].bytes[..], &bytes[..], "{len} bytes");
        }
    }

    #[test]
    fn refusals_name_the_path_and_say_what_to_do() {
        let dir = Scratch::new("refusals");
        let big = dir.write("big.pem", &vec![b'A'; MAX_INPUT_BYTES + 1]);
        let err = read_path(&big).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TooLarge);
        assert!(err.to_string().contains("big.pem"), "{err}");

        let empty = Scratch::new("empty-folder");
        let err = read_path(&empty.0).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
        assert!(err.to_string().contains("has no files"), "{err}");

        let missing = dir.0.join("no-such-file.pem");
        let err = read_path(&missing).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
        let text = err.to_string();
        assert!(
            text.contains("no-such-file.pem") && text.contains("cannot read"),
            "{text}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_entry_is_shown_as_its_joined_path_is() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let names: [&[u8]; 3] = [b"cert.pem", b"caf\xc3\xa9.pem", b"bad\xff\xfe.pem"];
        for folder in ["fleet/dev-1", "fleet/dev-1/", "/", ".", "dev", "f\u{e9}e"] {
            for bytes in [folder.as_bytes(), b"not\xc3utf8"] {
                let path = Path::new(OsStr::from_bytes(bytes));
                let shown = path.display().to_string();
                for name in names {
                    let joined = path.join(OsStr::from_bytes(name)).display().to_string();
                    assert_eq!(folder::entry_shown(&shown, name), joined);
                }
            }
        }
    }

    #[cfg(feature = "batch")]
    #[test]
    fn a_parent_folder_reads_its_entries_as_their_whole_paths_do() {
        let fleet = Scratch::new("parent");
        for device in ["dev-1", "dev-2"] {
            std::fs::create_dir(fleet.0.join(device)).unwrap();
            std::fs::write(fleet.0.join(device).join("cert.pem"), device).unwrap();
            std::fs::write(fleet.0.join(device).join("key.pem"), b"key").unwrap();
        }
        let other = Scratch::new("parent-other");
        other.write("root.pem", b"root");
        let parent = ParentFolder::open(&fleet.0);
        for path in [
            fleet.0.join("dev-1"),
            fleet.0.join("dev-2"),
            fleet.0.join("dev-1").join("cert.pem"),
            other.0.clone(),
            fleet.0.join("dev-2").join("..").join("dev-1"),
        ] {
            let (relative, whole) = (parent.read_path(&path).unwrap(), read_path(&path).unwrap());
            let summary = |inputs: &[Input]| -> Vec<(String, Vec<u8>, bool)> {
                inputs
                    .iter()
                    .map(|i| (i.name.clone(), i.bytes.to_vec(), i.from_folder))
                    .collect()
            };
            assert_eq!(summary(&relative), summary(&whole), "{}", path.display());
        }
        let missing = parent.read_path(&fleet.0.join("dev-3")).unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::Io);
        assert!(missing.to_string().contains("dev-3"), "{missing}");
        #[cfg(unix)]
        {
            assert_eq!(
                parent.entry_name(&fleet.0.join("dev-1")),
                Some("dev-1".as_ref())
            );
            for not_an_entry in [
                fleet.0.clone(),
                fleet.0.join("dev-1").join("cert.pem"),
                fleet.0.join(".."),
                fleet.0.join("."),
                other.0.clone(),
            ] {
                assert_eq!(
                    parent.entry_name(&not_an_entry),
                    None,
                    "{}",
                    not_an_entry.display()
                );
            }
            // A folder whose name starts with the parent's is not inside it.
            let sibling = PathBuf::from(format!("{}x", fleet.0.display())).join("dev-1");
            assert_eq!(parent.entry_name(&sibling), None);
        }
    }
}
