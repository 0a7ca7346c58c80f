//! End-to-end tests of the `certpack` binary: JSON shape, exit codes, output safety.

mod common;

use std::process::Output;

use common::{certpack, td, temp_dir};

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

#[test]
fn inspect_json_aws_folder() {
    let v = json(&certpack(&["inspect", "--json", &td("aws/rsa")]));
    let roles: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["leaf", "private-key", "public-key", "root"]);
    assert_eq!(v["key_matches_leaf"], true);
    let leaf = &v["items"][0];
    assert!(leaf["sha256"].as_str().unwrap().starts_with("93f1d43d67"));
    assert!(leaf["path"]
        .as_str()
        .unwrap()
        .ends_with("93f1d43d67-certificate.pem.crt"));
    assert_eq!(v["certificate_id"], leaf["sha256"]);
}

#[test]
fn inspect_json_azure_and_cli_json() {
    let v = json(&certpack(&["inspect", "--json", &td("azure/x509")]));
    let roles: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        ["root", "intermediate", "root", "leaf", "private-key"]
    );
    assert_eq!(v["key_matches_leaf"], true);
    let v = json(&certpack(&[
        "inspect",
        "--json",
        &td("aws-cli/create-keys-and-certificate.json"),
    ]));
    assert_eq!(
        v["certificate_id"],
        "bde9ae7304af60f09165e57b26cd096bb35d150155bd27e7411dcdd82cc111f1"
    );
    assert_eq!(v["key_matches_leaf"], true);
}

#[test]
fn key_match_null_without_key() {
    let v = json(&certpack(&[
        "inspect",
        "--json",
        &td("roots/Amazon_Root_CA_1.crt"),
    ]));
    assert_eq!(v["key_matches_leaf"], serde_json::Value::Null);
}

#[test]
fn convert_writes_openssl_bytes_and_protects_outputs() {
    let out_dir = temp_dir("convert");
    let key = td("vectors/der/rsa2048/client.pkcs1.key.pem");
    let run = |force: bool| {
        let mut args = vec![
            "convert",
            &key,
            "--to",
            "pkcs8",
            "-o",
            out_dir.to_str().unwrap(),
        ];
        if force {
            args.push("--force");
        }
        certpack(&args)
    };
    let first = run(false);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let written = std::fs::read(out_dir.join("client.pkcs1.pkcs8.key.der")).unwrap();
    assert_eq!(
        written,
        std::fs::read(td("vectors/der/rsa2048/client.pkcs8.key.der")).unwrap()
    );
    let again = run(false);
    assert_eq!(again.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert!(run(true).status.success());
    let leftovers: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("certpack-tmp"))
        .collect();
    assert!(leftovers.is_empty());
    let _ = std::fs::remove_dir_all(&out_dir);
}

#[test]
fn never_overwrites_an_input_even_with_force() {
    let dir = temp_dir("inplace");
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("client.crt.der");
    std::fs::copy(td("vectors/der/p256/client.crt.der"), &input).unwrap();
    let out = certpack(&[
        "convert",
        input.to_str().unwrap(),
        "--to",
        "der",
        "-o",
        dir.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("overwrite an input"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_exit_code_and_message_on_stderr() {
    let dir = temp_dir("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("photo.jpg");
    std::fs::write(&bad, [0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]).unwrap();
    let out = certpack(&["inspect", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("photo.jpg") && stderr.contains("JPEG") && stderr.contains("fix:"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unknown_target_and_param_are_refused() {
    let dir = temp_dir("target");
    let aws = td("aws/rsa");
    let out = certpack(&[
        "pack",
        &aws,
        "--target",
        "nope",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(4));
    let out = certpack(&[
        "pack",
        &aws,
        "--target",
        "der",
        "--param",
        "colour=red",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(4));
    assert!(!dir.exists(), "nothing written on error");
}

#[test]
fn pack_writes_manifest_and_readme() {
    let dir = temp_dir("pack");
    let out = certpack(&[
        "pack",
        &td("aws/ec"),
        "--target",
        "der",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let names: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["client.crt.der", "client.key.der", "ca.crt.der"]);
    assert_eq!(manifest["files"][1]["secret"], true);
    assert!(std::fs::read_to_string(dir.join("README.txt"))
        .unwrap()
        .contains("SECRET"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_has_examples() {
    let out = certpack(&["--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Examples:") && text.contains("Exit codes:"));
}

/// `batch` takes the passphrase of encrypted device keys the ways the other commands do: a factory line keeps it off
/// the command line with `--passphrase-file` or `--passphrase-env`.
#[test]
fn batch_reads_the_passphrase_from_a_file_or_the_environment() {
    let root = temp_dir("batch-passphrase");
    let device = root.join("fleet/d1");
    std::fs::create_dir_all(&device).unwrap();
    for rel in [
        "aws/rsa/93f1d43d67-certificate.pem.crt",
        "aws/rsa/AmazonRootCA1.pem",
        "encrypted/private.enc.pem",
    ] {
        let from = td(rel);
        let name = std::path::Path::new(&from).file_name().unwrap().to_owned();
        std::fs::copy(&from, device.join(name)).unwrap();
    }
    let fleet = root.join("fleet").display().to_string();
    let out = |name: &str| root.join(name).display().to_string();
    let batch = |extra: &[&str], env: Option<(&str, String)>, to: &str| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_certpack"));
        cmd.args(["batch", &fleet, "--target", "der", "-o", to])
            .args(extra);
        if let Some((var, value)) = env {
            cmd.env(var, value);
        }
        cmd.output().expect("run certpack")
    };
    let passphrase = std::fs::read_to_string(td("encrypted/passphrase.txt")).unwrap();
    let passphrase = passphrase.lines().next().unwrap().to_string();

    // Without it the device fails and the summary says how to give it.
    let none = batch(&[], None, &out("none"));
    assert_eq!(none.status.code(), Some(7));
    let summary = std::fs::read_to_string(root.join("none/summary.csv")).unwrap();
    assert!(summary.contains("d1,failed,"), "{summary}");
    assert!(summary.contains("--passphrase-file"), "{summary}");

    let file = batch(
        &["--passphrase-file", &td("encrypted/passphrase.txt")],
        None,
        &out("file"),
    );
    assert!(
        file.status.success(),
        "{}",
        String::from_utf8_lossy(&file.stderr)
    );
    let env = batch(
        &["--passphrase-env", "CERTPACK_TEST_PASSPHRASE"],
        Some(("CERTPACK_TEST_PASSPHRASE", passphrase.clone())),
        &out("env"),
    );
    assert!(
        env.status.success(),
        "{}",
        String::from_utf8_lossy(&env.stderr)
    );
    let plain = batch(&["--passphrase", &passphrase], None, &out("plain"));
    assert!(plain.status.success());
    let key = |dir: &str| std::fs::read(root.join(dir).join("d1/der/client.key.der")).unwrap();
    assert_eq!(key("file"), key("env"));
    assert_eq!(key("file"), key("plain"));
    // The decrypted key is the one of the AWS download the encrypted file was made from.
    let aws =
        certpack::Bundle::load_paths(&[td("aws/rsa")], &certpack::LoadOptions::default()).unwrap();
    assert_eq!(
        key("file"),
        aws.require_key("test").unwrap().traditional_der().to_vec()
    );

    // An unset variable is a usage error before any device runs, naming the variable.
    let unset = batch(
        &["--passphrase-env", "CERTPACK_TEST_UNSET_VARIABLE"],
        None,
        &out("unset"),
    );
    assert_eq!(unset.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unset.stderr).contains("CERTPACK_TEST_UNSET_VARIABLE"));
    assert!(!root.join("unset").exists());
    // Two sources at once are refused.
    let both = batch(
        &[
            "--passphrase",
            "x",
            "--passphrase-env",
            "CERTPACK_TEST_PASSPHRASE",
        ],
        None,
        &out("both"),
    );
    assert_eq!(both.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&root);
}

/// Ctrl-C stops a batch between devices: exit 130 with a message that says what to do, only complete device
/// folders and no summary; the same command again keeps them and writes the rest.
#[cfg(unix)]
#[test]
fn ctrl_c_stops_a_batch_between_devices() {
    use std::path::Path;
    use std::time::{Duration, Instant};

    let root = temp_dir("batch-ctrl-c");
    let fleet = root.join("fleet");
    let n = 300;
    for i in 0..n {
        let device = fleet.join(format!("dev-{i:04}"));
        std::fs::create_dir_all(&device).unwrap();
        for f in std::fs::read_dir(td("aws/ec")).unwrap() {
            let f = f.unwrap().path();
            std::fs::hard_link(&f, device.join(f.file_name().unwrap())).unwrap();
        }
    }
    let out = root.join("out");
    let batch = || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_certpack"));
        cmd.args([
            "batch",
            fleet.to_str().unwrap(),
            "-t",
            "der",
            "-t",
            "esp32-at",
            "-o",
        ])
        .arg(&out)
        .stderr(std::process::Stdio::piped());
        cmd
    };
    let device_folders = |dir: &Path| -> usize {
        std::fs::read_dir(dir).map_or(0, |entries| {
            entries
                .filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .file_name()
                        .to_string_lossy()
                        .starts_with("dev-")
                })
                .count()
        })
    };
    let child = batch().spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while device_folders(&out) == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let stopped = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&stopped.stderr);
    assert_eq!(stopped.status.code(), Some(130), "{stderr}");
    let written = device_folders(&out);
    assert!(
        (1..n).contains(&written),
        "{written} devices written: {stderr}"
    );
    assert!(
        stderr.contains(&format!("stopped after {written} of {n} devices"))
            && stderr.contains("run the same command again"),
        "{stderr}"
    );
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| n.starts_with("dev-")),
        "no summary, no temporary folder: {names:?}"
    );
    let again = batch().output().unwrap();
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{n} devices: {} written, {written} unchanged, 0 failed",
            n - written
        )),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&root);
}
