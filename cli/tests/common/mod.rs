//! Helpers shared by the CLI's integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// A path under `testdata/`, as the text a command line takes.
pub fn td(rel: &str) -> String {
    format!("{}/../testdata/{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// Run the `certpack` binary; its output goes to pipes, so there are no colours (NO_COLOR is cleared so that the
/// environment running the tests cannot change that either).
pub fn certpack(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_certpack"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("run certpack")
}

/// A folder under the system temp dir for this test process, removed first if an earlier run left it.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("certpack-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}
