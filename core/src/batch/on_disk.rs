//! Whether a device folder of an earlier run already holds what this run writes for the device: then the device
//! is `unchanged` and its folder is left as it is. Nothing but the folder itself is compared (no state file).

use std::fs;
use std::path::Path;

use crate::artifact::Artifact;
use crate::wipe::SecretBytes;

/// Whether `dir` holds exactly `files` (named `<target>/<file>`): a file at each name with the same bytes, and
/// nothing else: no other file, no folder that holds none of them, no link. A missing, changed or extra file (a
/// file pattern dropped since, a state file of an earlier certpack) means the folder is to be written again.
pub(super) fn holds_exactly(dir: &Path, files: &[Artifact]) -> bool {
    let mut found = 0;
    holds_only(dir, "", files, &mut found) && found == files.len()
}

/// Whether every entry of `dir` (at `prefix` in the device folder) is one of `files` with its bytes, or a folder
/// of them; counts the files met in `found`.
fn holds_only(dir: &Path, prefix: &str, files: &[Artifact], found: &mut usize) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    for entry in entries {
        let Ok(entry) = entry else {
            return false;
        };
        let (Ok(name), Ok(kind)) = (entry.file_name().into_string(), entry.file_type()) else {
            return false;
        };
        let path = format!("{prefix}{name}");
        if kind.is_dir() {
            let folder = path + "/";
            let expected = files.iter().any(|f| f.name.starts_with(&folder));
            if !expected || !holds_only(&entry.path(), &folder, files, found) {
                return false;
            }
        } else if kind.is_file() {
            let Some(file) = files.iter().find(|f| f.name == path) else {
                return false;
            };
            // An output may be a key file: read into a buffer wiped on drop.
            let same = fs::read(entry.path())
                .map(SecretBytes::new)
                .is_ok_and(|bytes| *bytes == file.bytes[..]);
            if !same {
                return false;
            }
            *found += 1;
        } else {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::holds_exactly;
    use crate::artifact::Artifact;
    use std::fs;
    use std::path::PathBuf;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("certpack-on-disk-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("der")).unwrap();
        fs::write(dir.join("der/client.crt.der"), b"cert").unwrap();
        fs::write(dir.join("der/client.key.der"), b"key").unwrap();
        dir
    }

    fn outputs() -> Vec<Artifact> {
        vec![
            Artifact::new("der/client.crt.der", b"cert".to_vec(), ""),
            Artifact::new("der/client.key.der", b"key".to_vec(), "").secret(),
        ]
    }

    #[test]
    fn only_the_same_files_with_the_same_bytes_count() {
        let dir = scratch("same");
        assert!(holds_exactly(&dir, &outputs()));
        // One file fewer in this run (a narrower file pattern): the folder holds one too many.
        assert!(!holds_exactly(&dir, &outputs()[..1]));
        // One file more in this run: missing from the folder.
        let mut more = outputs();
        more.push(Artifact::new("esp32-at/client_ca.bin", b"ca".to_vec(), ""));
        assert!(!holds_exactly(&dir, &more));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn changed_extra_or_odd_entries_do_not_count() {
        let changed = scratch("changed");
        fs::write(changed.join("der/client.key.der"), b"kez").unwrap();
        assert!(!holds_exactly(&changed, &outputs()));

        let state = scratch("state");
        fs::write(state.join(".certpack-batch.json"), b"{}").unwrap();
        assert!(!holds_exactly(&state, &outputs()));

        let folder = scratch("folder");
        fs::create_dir(folder.join("quectel")).unwrap();
        assert!(!holds_exactly(&folder, &outputs()));

        let missing =
            std::env::temp_dir().join(format!("certpack-on-disk-{}-missing", std::process::id()));
        assert!(!holds_exactly(&missing, &outputs()));
        for dir in [changed, state, folder] {
            let _ = fs::remove_dir_all(dir);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_does_not_count_even_to_the_same_bytes() {
        let dir = scratch("link");
        let elsewhere = dir.with_extension("target");
        fs::write(&elsewhere, b"cert").unwrap();
        fs::remove_file(dir.join("der/client.crt.der")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.join("der/client.crt.der")).unwrap();
        assert!(!holds_exactly(&dir, &outputs()));
        let _ = fs::remove_dir_all(&dir);
        let _ = fs::remove_file(elsewhere);
    }
}
