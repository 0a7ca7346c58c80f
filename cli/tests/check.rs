//! `certpack check` and the check in `certpack pack`: exit codes, JSON shape, refusal, --force.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{certpack, td};

const NOW: &str = "2026-01-15";

fn check(args: &[&str]) -> Output {
    let mut all = vec!["check", "--now", NOW];
    all.extend_from_slice(args);
    certpack(&all)
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

fn codes(value: &serde_json::Value) -> Vec<String> {
    value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

/// A fresh folder under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("certpack-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn clean_bundle_exits_0_with_the_all_clear() {
    let out = check(&[&td("aws/rsa")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("info    CP901 the TLS material looks right"),
        "{text}"
    );
    assert!(text.ends_with("0 errors, 0 warnings, 1 info\n"), "{text}");
    // Not a terminal: no colours.
    assert!(!text.contains('\x1b'));
}

#[test]
fn json_shape() {
    let out = check(&[&td("check/no-root"), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let value = json(&out);
    let keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["counts", "findings", "worst"]);
    assert_eq!(value["worst"], "warning");
    assert_eq!(
        value["counts"],
        serde_json::json!({"error": 0, "warning": 1, "info": 0})
    );
    let finding = value["findings"][0].as_object().unwrap();
    let mut fields: Vec<&str> = finding.keys().map(String::as_str).collect();
    fields.sort();
    assert_eq!(fields, ["code", "hint", "message", "path", "severity"]);
    assert_eq!(finding["code"], "CP201");
    assert_eq!(finding["severity"], "warning");
    assert!(finding["path"].is_null());
    // A finding about a file carries its path.
    let value = json(&check(&[&td("check/key-mismatch-rsa"), "--json"]));
    assert_eq!(
        value["findings"][0]["path"],
        td("check/key-mismatch-rsa/private.pem.key")
    );
}

#[test]
fn errors_exit_6_and_warnings_only_with_strict() {
    let out = check(&[&td("check/key-mismatch-rsa"), "--json"]);
    assert_eq!(out.status.code(), Some(6));
    let value = json(&out);
    assert_eq!(codes(&value), ["CP101"]);
    assert_eq!(value["worst"], "error");
    // A warning: 0, or 6 with --strict.
    assert_eq!(check(&[&td("aws/ec")]).status.code(), Some(0));
    assert_eq!(check(&[&td("aws/ec"), "--strict"]).status.code(), Some(6));
    // Infos never fail, even with --strict.
    assert_eq!(check(&[&td("aws/rsa"), "--strict"]).status.code(), Some(0));
}

#[test]
fn options_reach_the_checks() {
    let value = json(&check(&[
        &td("aws/rsa"),
        "--device-time",
        "1980-01-06",
        "--json",
    ]));
    assert_eq!(codes(&value), ["CP301"]);
    let value = json(&check(&[
        &td("aws/rsa"),
        "--endpoint",
        "myhub.azure-devices.net",
        "--json",
    ]));
    assert_eq!(codes(&value), ["CP212"]);
    let value = json(&check(&[
        &td("check/expiring-soon"),
        "--expiry-days",
        "10",
        "--json",
    ]));
    assert_eq!(codes(&value), ["CP901"]);
    let value = json(&check(&[&td("check/expiring-soon"), "--json"]));
    assert_eq!(codes(&value), ["CP304"]);
    // --now moves the clock: the expired case is fine in mid-2024.
    let out = certpack(&[
        "check",
        &td("check/expired"),
        "--now",
        "2024-06-01",
        "--json",
    ]);
    assert_eq!(codes(&json(&out)), ["CP901"]);
    // A target is accepted and its name checked.
    let out = check(&[&td("aws/rsa"), "--target", "der", "--json"]);
    assert_eq!(codes(&json(&out)), ["CP901"]);
}

#[test]
fn usage_and_input_errors_keep_their_exit_codes() {
    let out = check(&[&td("aws/rsa"), "--target", "no-such-target"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("error[target]"), "{}", stderr(&out));
    let out = check(&[&td("does-not-exist")]);
    assert_eq!(out.status.code(), Some(3));
    let out = check(&[&td("aws/rsa"), "--device-time", "yesterday"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn pack_refuses_on_a_check_error_and_force_writes() {
    let dir = TempDir::new("pack-refused");
    let out_dir = dir.path().join("out");
    let out = certpack(&[
        "pack",
        &td("check/key-mismatch-rsa"),
        "--target",
        "der",
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("check error CP101"), "{err}");
    assert!(
        err.contains("error[check-failed]: nothing was written"),
        "{err}"
    );
    assert!(!out_dir.exists(), "nothing may be written");
    let out = certpack(&[
        "pack",
        &td("check/key-mismatch-rsa"),
        "--target",
        "der",
        "-o",
        out_dir.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["notes"],
        serde_json::json!([
            "written with force despite check error CP101 (the private key does not belong to the device certificate)"
        ])
    );
}

#[test]
fn pack_prints_warnings_and_writes() {
    let dir = TempDir::new("pack-warning");
    let out = certpack(&[
        "pack",
        &td("aws/ec"),
        "--target",
        "pem",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("check warning CP213"),
        "{}",
        stderr(&out)
    );
    assert!(dir.path().join("client.crt.pem").exists());
    // The endpoint option takes part in pack's check.
    let dir2 = TempDir::new("pack-endpoint");
    let out = certpack(&[
        "pack",
        &td("aws/rsa"),
        "--target",
        "der",
        "--endpoint",
        "myhub.azure-devices.net",
        "-o",
        dir2.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(6));
    assert!(stderr(&out).contains("CP212"), "{}", stderr(&out));
}
