//! Fleet batch mode: failures isolated and reported, re-runs skip unchanged devices, manifests.
#![cfg(feature = "batch")]

use std::fs;
use std::path::{Path, PathBuf};

use certpack::batch::{self, BatchOptions, Status};
use certpack::Params;

fn td(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(rel)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("certpack-batch-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
    }
}

/// A fleet of `n` devices alternating AWS RSA / AWS EC bundles; the devices in `corrupt` get a damaged leaf.
fn fleet(root: &Path, n: usize, corrupt: &[usize]) -> PathBuf {
    let fleet = root.join("fleet");
    for i in 0..n {
        let dir = fleet.join(format!("dev-{i:04}"));
        copy_dir(&td(if i % 2 == 0 { "aws/rsa" } else { "aws/ec" }), &dir);
        if corrupt.contains(&i) {
            let leaf = fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.to_string_lossy().ends_with("certificate.pem.crt"))
                .unwrap();
            let text = fs::read_to_string(&leaf).unwrap();
            fs::write(&leaf, &text[..text.len() / 2]).unwrap();
        }
    }
    fleet
}

fn options(out: &Path) -> BatchOptions {
    BatchOptions {
        targets: vec!["der".into(), "pem".into()],
        params: Params::new(),
        out_dir: out.to_path_buf(),
        ..Default::default()
    }
}

#[test]
fn bad_devices_are_reported_and_others_complete() {
    let root = scratch("fleet");
    let fleet = fleet(&root, 20, &[3, 17]);
    let out = root.join("out");
    let devices = batch::discover(&fleet).unwrap();
    assert_eq!(devices.len(), 20);
    let summary = batch::run(&devices, &options(&out), &|_| {}).unwrap();
    assert_eq!(
        (summary.written, summary.unchanged, summary.failed),
        (18, 0, 2)
    );
    let failed: Vec<&str> = summary
        .devices
        .iter()
        .filter(|d| d.status == Status::Failed)
        .map(|d| d.device.as_str())
        .collect();
    assert_eq!(failed, ["dev-0003", "dev-0017"]);
    assert!(summary.devices[3]
        .error
        .as_deref()
        .unwrap()
        .contains("certificate.pem.crt"));
    assert_eq!(summary.devices[3].error_kind, Some("pem"));
    assert!(!out.join("dev-0003").exists());
    // Every written output exists with the recorded hash and equals a direct pack.
    let d0 = &summary.devices[0];
    assert!(d0
        .certificate_id
        .as_deref()
        .unwrap()
        .starts_with("93f1d43d67"));
    let der = fs::read(out.join("dev-0000/der/client.crt.der")).unwrap();
    let direct = certpack::Bundle::load_paths(&[td("aws/rsa")], &Default::default()).unwrap();
    assert_eq!(der, direct.require_leaf("t").unwrap().der());
    let csv = fs::read_to_string(out.join("summary.csv")).unwrap();
    assert_eq!(csv.lines().count(), 21);
    assert!(csv.lines().nth(4).unwrap().starts_with("dev-0003,failed,"));
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["failed"], 2);

    // Re-run: everything complete is skipped; fixing a device writes just that one.
    let again = batch::run(&devices, &options(&out), &|_| {}).unwrap();
    assert_eq!((again.written, again.unchanged, again.failed), (0, 18, 2));
    copy_dir(&td("aws/rsa"), &fleet.join("dev-0017"));
    let _ = fs::remove_file(
        fs::read_dir(fleet.join("dev-0017"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().contains("46623c5574-certificate"))
            .unwrap(),
    );
    let _ = fs::remove_file(
        fs::read_dir(fleet.join("dev-0017"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().contains("46623c5574-private"))
            .unwrap(),
    );
    let _ = fs::remove_file(
        fs::read_dir(fleet.join("dev-0017"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().contains("46623c5574-public"))
            .unwrap(),
    );
    let third = batch::run(&devices, &options(&out), &|_| {}).unwrap();
    assert_eq!((third.written, third.unchanged, third.failed), (1, 18, 1));

    // A tampered output is rewritten, not trusted.
    fs::write(out.join("dev-0000/der/client.crt.der"), b"tampered").unwrap();
    let fourth = batch::run(&devices, &options(&out), &|_| {}).unwrap();
    assert_eq!(fourth.devices[0].status, Status::Written);
    assert_eq!(
        fs::read(out.join("dev-0000/der/client.crt.der")).unwrap(),
        der
    );

    // A file that the run would not write (left by hand, or the state file of an earlier certpack) makes the
    // device written again: its folder then holds exactly its outputs.
    let before = files_under(&out.join("dev-0001"));
    fs::write(out.join("dev-0001/der/notes.txt"), b"mine").unwrap();
    fs::write(out.join("dev-0002/.certpack-batch.json"), b"{}").unwrap();
    let fifth = batch::run(&devices, &options(&out), &|_| {}).unwrap();
    assert_eq!((fifth.written, fifth.unchanged, fifth.failed), (2, 17, 1));
    assert_eq!(files_under(&out.join("dev-0001")), before);
    assert_eq!(files_under(&out.join("dev-0002")), before);
    // An unchanged device is packed and checked again: its summary record is the written one's.
    let (a, b) = (&fifth.devices[1], &fourth.devices[1]);
    assert_eq!((a.status, b.status), (Status::Written, Status::Unchanged));
    assert_eq!(
        (&a.certificate_id, &a.expiry, &a.findings, &a.outputs),
        (&b.certificate_id, &b.expiry, &b.findings, &b.outputs)
    );
    let _ = fs::remove_dir_all(&root);
}

/// A device the check refuses fails with the explanation a single checked pack gives (the batch checks with codes
/// only and runs the checks again with their texts when it refuses); forced, it is written and its error code is
/// in the summary.
#[test]
fn a_device_the_check_refuses_is_explained_in_full() {
    let root = scratch("refused");
    let fleet = root.join("fleet");
    copy_dir(&td("aws/rsa"), &fleet.join("dev-0000"));
    copy_dir(&td("check/key-mismatch-rsa"), &fleet.join("dev-0001"));
    let devices = batch::discover(&fleet).unwrap();
    let summary = batch::run(&devices, &options(&root.join("out")), &|_| {}).unwrap();
    assert_eq!((summary.written, summary.failed), (1, 1));
    let refused = &summary.devices[1];
    assert_eq!(refused.error_kind, Some("check-failed"));
    let bundle =
        certpack::Bundle::load_paths(&[fleet.join("dev-0001")], &Default::default()).unwrap();
    let single = certpack::check::pack_checked(&bundle, "der", &Params::new(), &Default::default())
        .unwrap_err()
        .to_string();
    assert_eq!(refused.error.as_deref(), Some(single.as_str()));
    assert!(
        single.contains("CP101 the private key in") && single.contains("does not belong"),
        "{single}"
    );

    let forced = BatchOptions {
        force: true,
        ..options(&root.join("forced"))
    };
    let summary = batch::run(&devices, &forced, &|_| {}).unwrap();
    assert_eq!((summary.written, summary.failed), (2, 0));
    assert_eq!(summary.devices[1].findings, ["CP101"]);
    assert!(summary.devices[0].findings.is_empty());
    let _ = fs::remove_dir_all(&root);
}

#[test]
fn leftovers_of_an_interrupted_run_are_removed() {
    let root = scratch("leftover");
    let fleet = fleet(&root, 2, &[]);
    let out = root.join("out");
    fs::create_dir_all(out.join(".certpack-tmp-dev-0000-999/der")).unwrap();
    fs::write(out.join(".certpack-tmp-dev-0000-999/der/half.der"), b"x").unwrap();
    let summary = batch::run(&batch::discover(&fleet).unwrap(), &options(&out), &|_| {}).unwrap();
    assert_eq!(summary.written, 2);
    let names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with(".certpack")),
        "{names:?}"
    );
    let _ = fs::remove_dir_all(&root);
}

/// A run stopped from outside (a binding's Ctrl-C) starts no device after the stop, leaves every device folder it
/// wrote complete, writes no summary, and the next run keeps those folders and does the rest.
#[test]
fn a_stopped_run_leaves_complete_folders_and_the_next_run_finishes() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let root = scratch("stopped");
    let fleet = fleet(&root, 40, &[]);
    let devices = batch::discover(&fleet).unwrap();
    let full = root.join("full");
    batch::run(&devices, &options(&full), &|_| {}).unwrap();

    let out = root.join("out");
    let stop = AtomicBool::new(true);
    let stopped = batch::run_until(&devices, &options(&out), &|_| {}, &stop).unwrap();
    assert!(stopped.is_none(), "stopped before the first device");
    assert_eq!(fs::read_dir(&out).unwrap().count(), 0, "nothing written");

    let stop = AtomicBool::new(false);
    let done = AtomicUsize::new(0);
    let stop_after_three = |_: &batch::DeviceResult| {
        if done.fetch_add(1, Ordering::SeqCst) + 1 == 3 {
            stop.store(true, Ordering::SeqCst);
        }
    };
    let stopped = batch::run_until(&devices, &options(&out), &stop_after_three, &stop).unwrap();
    assert!(stopped.is_none());
    let finished = done.load(Ordering::SeqCst);
    assert!(
        (3..devices.len()).contains(&finished),
        "{finished} devices ran"
    );
    let folders: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(folders.len(), finished, "{folders:?}");
    for name in &folders {
        assert_eq!(tree(&out.join(name)), tree(&full.join(name)), "{name}");
    }

    let summary = batch::run(&devices, &options(&out), &|_| {}).unwrap();
    assert_eq!(summary.unchanged, finished);
    assert_eq!(summary.written, devices.len() - finished);
    // Every device folder as a run that was never stopped writes it (the summaries differ in each status).
    let devices_only = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        tree(dir)
            .into_iter()
            .filter(|(name, _)| !name.starts_with("summary."))
            .collect()
    };
    assert_eq!(devices_only(&out), devices_only(&full));
    let _ = fs::remove_dir_all(&root);
}

#[test]
fn csv_and_jsonl_manifests() {
    let root = scratch("manifest");
    let csv = root.join("fleet.csv");
    let rsa = td("aws/rsa");
    fs::write(
        &csv,
        format!("device_id,inputs,param:eol\nalpha,{0}/93f1d43d67-certificate.pem.crt;{0}/93f1d43d67-private.pem.key,crlf\nbeta,{0}/missing.pem,\n", rsa.display()),
    )
    .unwrap();
    let devices = batch::discover(&csv).unwrap();
    assert_eq!(devices[0].params.get("eol"), Some("crlf"));
    let out = root.join("out");
    let summary = batch::run(&devices, &options(&out), &|_| {}).unwrap();
    assert_eq!((summary.written, summary.failed), (1, 1));
    assert_eq!(summary.devices[1].error_kind, Some("io"));
    let pem = fs::read_to_string(out.join("alpha/pem/client.crt.pem")).unwrap();
    assert!(pem.contains("\r\n"));

    let jsonl = root.join("fleet.jsonl");
    fs::write(&jsonl, format!("{{\"device_id\": \"gamma\", \"inputs\": [\"{0}\"], \"params\": {{\"key-format\": \"pkcs8\"}}}}\n{{\"device_id\": \"delta\", \"inputs\": [\"{0}\"]}}\n", rsa.display())).unwrap();
    let devices = batch::discover(&jsonl).unwrap();
    let summary = batch::run(&devices, &options(&root.join("out2")), &|_| {}).unwrap();
    assert_eq!(summary.written, 2);
    // A device's own parameter applies to it alone; the device without one keeps the batch's (traditional).
    let direct = certpack::Bundle::load_paths(&[&rsa], &Default::default()).unwrap();
    let key = fs::read(root.join("out2/gamma/der/client.key.der")).unwrap();
    assert_eq!(key, direct.require_key("t").unwrap().pkcs8_der().to_vec());
    let key = fs::read(root.join("out2/delta/der/client.key.der")).unwrap();
    assert_eq!(
        key,
        direct.require_key("t").unwrap().traditional_der().to_vec()
    );
    let _ = fs::remove_dir_all(&root);
}

#[test]
fn unsafe_device_ids_and_duplicates_are_refused() {
    let root = scratch("ids");
    let csv = root.join("f.csv");
    fs::write(&csv, "device_id,inputs\na,x.pem\na,y.pem\n").unwrap();
    assert_eq!(
        batch::discover(&csv).unwrap_err().kind(),
        certpack::ErrorKind::InvalidArgument
    );
    fs::write(&csv, "device_id,inputs\n../evil,x.pem\n").unwrap();
    let devices = batch::discover(&csv).unwrap();
    let summary = batch::run(&devices, &options(&root.join("out")), &|_| {}).unwrap();
    assert_eq!(summary.devices[0].error_kind, Some("invalid-argument"));
    let _ = fs::remove_dir_all(&root);
}

/// Every file under `dir`, relative, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(
                    p.strip_prefix(base)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn file_patterns_write_only_the_selected_outputs() {
    let root = scratch("files");
    let fleet = fleet(&root, 4, &[]);
    let out = root.join("out");
    let devices = batch::discover(&fleet).unwrap();
    let mut opts = options(&out);
    opts.targets = vec!["der".into(), "esp32-at".into()];
    opts.files = vec![
        "*.der".into(),
        "esp32-at/client_?ey.bin".into(),
        "esp32-at/manifest.json".into(),
    ];
    let summary = batch::run(&devices, &opts, &|_| {}).unwrap();
    assert_eq!((summary.written, summary.failed), (4, 0));
    assert_eq!(
        files_under(&out.join("dev-0000")),
        [
            "der/ca.crt.der",
            "der/client.crt.der",
            "der/client.key.der",
            "esp32-at/client_key.bin",
            "esp32-at/manifest.json",
        ]
    );
    // The summary lists exactly the written files; the manifest describes exactly the bins beside it.
    let listed: Vec<&str> = summary.devices[0]
        .outputs
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(
        listed,
        [
            "der/client.crt.der",
            "der/client.key.der",
            "der/ca.crt.der",
            "esp32-at/client_key.bin",
            "esp32-at/manifest.json"
        ]
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("dev-0000/esp32-at/manifest.json")).unwrap())
            .unwrap();
    let names: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["client_key.bin"]);
    // The bytes are the unfiltered run's.
    let full = root.join("full");
    let mut all = options(&full);
    all.targets = opts.targets.clone();
    batch::run(&devices, &all, &|_| {}).unwrap();
    for name in ["der/client.key.der", "esp32-at/client_key.bin"] {
        assert_eq!(
            fs::read(out.join("dev-0001").join(name)).unwrap(),
            fs::read(full.join("dev-0001").join(name)).unwrap()
        );
    }
    assert_eq!(files_under(&full.join("dev-0000")).len(), 3 + 2 + 6 + 2);

    // The same patterns again: unchanged. Other patterns: written again, with the new selection only.
    let again = batch::run(&devices, &opts, &|_| {}).unwrap();
    assert_eq!((again.written, again.unchanged), (0, 4));
    opts.files = vec!["der/client.crt.der".into()];
    let other = batch::run(&devices, &opts, &|_| {}).unwrap();
    assert_eq!(other.written, 4);
    assert_eq!(files_under(&out.join("dev-0003")), ["der/client.crt.der"]);
}

#[test]
fn a_file_pattern_that_selects_nothing_is_an_error() {
    let root = scratch("files-typo");
    let fleet = fleet(&root, 2, &[]);
    let devices = batch::discover(&fleet).unwrap();
    // A folder the batch does not write: refused before any device runs.
    let out = root.join("out");
    let mut opts = options(&out);
    opts.files = vec!["esp32-at/*.bin".into()];
    let err = batch::run(&devices, &opts, &|_| {}).unwrap_err();
    assert_eq!(err.kind().code(), "invalid-argument");
    assert!(err.to_string().contains("esp32-at/*.bin"), "{err}");
    assert!(!out.exists());
    // A file name no output has: each device fails, naming the outputs it does have.
    opts.files = vec!["der/*.der".into(), "der/client.pem".into()];
    let summary = batch::run(&devices, &opts, &|_| {}).unwrap();
    assert_eq!(summary.failed, 2);
    let error = summary.devices[0].error.as_deref().unwrap();
    assert!(
        error.contains("\"der/client.pem\"") && error.contains("der/client.key.der"),
        "{error}"
    );
    assert!(!out.join("dev-0000").exists());
    // The list names the files a target did not build because no pattern wanted them (a module's AT script).
    opts.targets = vec!["quectel".into()];
    opts.params
        .set("endpoint", "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com");
    opts.files = vec!["quectel/*.pem".into(), "quectel/script.json".into()];
    let summary = batch::run(&devices, &opts, &|_| {}).unwrap();
    let error = summary.devices[0].error.as_deref().unwrap();
    assert!(
        error.contains("quectel/script.txt, quectel/steps.json, quectel/manifest.json"),
        "{error}"
    );
}

#[test]
fn parameters_apply_to_every_target_or_to_one_and_typos_are_refused() {
    let root = scratch("params");
    let fleet = fleet(&root, 2, &[]);
    let devices = batch::discover(&fleet).unwrap();
    let out = root.join("out");
    let mut opts = options(&out);
    opts.targets = vec!["der".into(), "c-array".into()];
    opts.params = Params::new().with("der.key-format", "pkcs8");
    let summary = batch::run(&devices, &opts, &|_| {}).unwrap();
    assert_eq!(summary.written, 2);
    let bundle =
        certpack::Bundle::load_paths(&[fleet.join("dev-0000")], &Default::default()).unwrap();
    let pkcs8 =
        certpack::target::pack(&bundle, "der", &Params::new().with("key-format", "pkcs8")).unwrap();
    let traditional = certpack::target::pack(&bundle, "c-array", &Params::new()).unwrap();
    assert_eq!(
        fs::read(out.join("dev-0000/der/client.key.der")).unwrap(),
        pkcs8.get("client.key.der").unwrap().bytes
    );
    assert_eq!(
        fs::read(out.join("dev-0000/c-array/certs.h")).unwrap(),
        traditional.get("certs.h").unwrap().bytes
    );
    for (name, typo) in [
        ("key-fromat", "key-fromat"),
        ("pem.key-format", "pem.key-format"),
        ("der.endpoint", "der.endpoint"),
    ] {
        opts.params = Params::new().with(name, "pkcs8");
        let err = batch::run(&devices, &opts, &|_| {}).unwrap_err();
        assert_eq!(err.kind().code(), "invalid-argument");
        assert!(
            err.to_string().contains(typo) && err.to_string().contains("key-format"),
            "{err}"
        );
    }
}

/// Every file below `dir`, as `(path relative to dir with '/', bytes)`, sorted.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            for (inner, bytes) in tree(&p) {
                files.push((format!("{name}/{inner}"), bytes));
            }
        } else {
            files.push((name, fs::read(&p).unwrap()));
        }
    }
    files.sort();
    files
}

/// Lowercase hex SHA-256, computed here from the bytes on disk.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn the_summary_and_the_manifests_give_each_file_its_sha256() {
    let root = scratch("hashes");
    let fleet = fleet(&root, 6, &[]);
    let out = root.join("out");
    let mut params = Params::new();
    params.set("endpoint", "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com");
    let opts = BatchOptions {
        targets: ["der", "pem", "c-array", "esp32-at", "quectel"]
            .map(String::from)
            .to_vec(),
        params,
        out_dir: out.clone(),
        ..Default::default()
    };
    let summary = batch::run(&batch::discover(&fleet).unwrap(), &opts, &|_| {}).unwrap();
    assert_eq!(summary.written, 6);
    let on_disk: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    for (d, listed) in summary
        .devices
        .iter()
        .zip(on_disk["devices"].as_array().unwrap())
    {
        let files = tree(&out.join(&d.device));
        let outputs: Vec<(String, String)> = d
            .outputs
            .iter()
            .map(|o| (o.name.clone(), o.sha256.clone()))
            .collect();
        let mut expected: Vec<(String, String)> = files
            .iter()
            .map(|(name, bytes)| (name.clone(), sha256_hex(bytes)))
            .collect();
        let mut sorted = outputs.clone();
        sorted.sort();
        expected.sort();
        // Every file of the folder, each with the SHA-256 of its bytes (the certificates written as DER too,
        // whose hashes come from the certificates).
        assert_eq!(sorted, expected, "{}", d.device);
        let from_json: Vec<(String, String)> = listed["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["name"].as_str().unwrap().into(),
                    o["sha256"].as_str().unwrap().into(),
                )
            })
            .collect();
        assert_eq!(from_json, outputs, "{}", d.device);
        // Each target's manifest.json lists its files with the same values.
        for (name, bytes) in files.iter().filter(|(n, _)| n.ends_with("/manifest.json")) {
            let target = name.trim_end_matches("/manifest.json");
            let manifest: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            for f in manifest["files"].as_array().unwrap() {
                let path = format!("{target}/{}", f["name"].as_str().unwrap());
                let (_, content) = files.iter().find(|(n, _)| *n == path).unwrap();
                assert_eq!(f["sha256"].as_str().unwrap(), sha256_hex(content), "{path}");
            }
        }
    }
    let _ = fs::remove_dir_all(root);
}

#[test]
fn pack_fleet_returns_what_run_writes() {
    let root = scratch("in-memory");
    let fleet = fleet(&root, 6, &[4]);
    let devices = batch::discover(&fleet).unwrap();
    let mut params = Params::new();
    params.set("endpoint", "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com");
    params.set("der.key-format", "pkcs8");
    for files in [
        vec![],
        vec![
            "*.der".to_string(),
            "c-array/certs.h".into(),
            "quectel/*.pem".into(),
            "quectel/manifest.json".into(),
        ],
    ] {
        let opts = BatchOptions {
            targets: vec![
                "der".into(),
                "c-array".into(),
                "esp32-at".into(),
                "quectel".into(),
            ],
            params: params.clone(),
            out_dir: root.join(format!("out-{}", files.len())),
            files,
            ..Default::default()
        };
        let summary = batch::run(&devices, &opts, &|_| {}).unwrap();
        let packed = batch::pack_fleet(&devices, &opts).unwrap();
        assert_eq!(packed.len(), devices.len());
        for (written, memory) in summary.devices.iter().zip(&packed) {
            assert_eq!(written.device, memory.device);
            assert_eq!(written.certificate_id, memory.certificate_id);
            assert_eq!(written.expiry, memory.expiry);
            assert_eq!(written.findings, memory.findings);
            if written.status == Status::Failed {
                let error = memory
                    .error
                    .as_ref()
                    .expect("the same device fails in memory");
                assert_eq!(Some(error.to_string()), written.error);
                assert!(memory.files.is_empty());
                continue;
            }
            assert!(memory.error.is_none());
            // The same files in the same order as the summary lists them, byte for byte what is on disk.
            let names: Vec<&str> = memory.files.iter().map(|f| f.name.as_str()).collect();
            let listed: Vec<&str> = written.outputs.iter().map(|o| o.name.as_str()).collect();
            assert_eq!(names, listed);
            let mut in_memory: Vec<(String, Vec<u8>)> = memory
                .files
                .iter()
                .map(|f| (f.name.clone(), f.bytes.clone()))
                .collect();
            in_memory.sort();
            assert_eq!(in_memory, tree(&opts.out_dir.join(&written.device)));
            // Key material stays marked as secret (wiped on drop).
            assert!(memory
                .files
                .iter()
                .filter(|f| f.name.ends_with("client.key.der") || f.name.ends_with("user_key.pem"))
                .all(|f| f.secret));
        }
        assert_eq!(
            packed.iter().filter(|d| d.error.is_some()).count(),
            summary.failed
        );
    }
    // The options are checked before any device runs.
    let bad = BatchOptions {
        targets: vec!["der".into()],
        files: vec!["esp32-at/*.bin".into()],
        ..Default::default()
    };
    let err = batch::pack_fleet(&devices, &bad).unwrap_err();
    assert_eq!(err.kind(), certpack::ErrorKind::InvalidArgument);
}

#[test]
fn fleet_chunks_give_what_pack_fleet_gives() {
    let root = scratch("chunks");
    let fleet = fleet(&root, 7, &[2, 5]);
    let devices = batch::discover(&fleet).unwrap();
    let mut params = Params::new();
    params.set("endpoint", "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com");
    let opts = BatchOptions {
        targets: vec!["esp32-at".into(), "quectel".into()],
        params,
        files: vec!["esp32-at/*.bin".into(), "quectel/manifest.json".into()],
        ..Default::default()
    };
    let whole: Vec<Outline> = batch::pack_fleet(&devices, &opts)
        .unwrap()
        .iter()
        .map(outline)
        .collect();
    assert_eq!(whole.iter().filter(|d| d.1.is_some()).count(), 2);
    // Every chunk size, 0 counting as 1, gives the devices in fleet order, chunk by chunk.
    for chunk in [0, 1, 3, 7, 100] {
        let chunks = batch::FleetChunks::new(devices.clone(), opts.clone(), chunk).unwrap();
        assert_eq!(chunks.devices(), 7);
        let (mut sizes, mut got) = (Vec::new(), Vec::new());
        for packed in chunks {
            sizes.push(packed.len());
            got.extend(packed.iter().map(outline));
            batch::FleetChunks::release(packed);
        }
        assert_eq!(got, whole, "chunk {chunk}");
        let expected: Vec<usize> = match chunk {
            0 | 1 => vec![1; 7],
            3 => vec![3, 3, 1],
            _ => vec![7],
        };
        assert_eq!(sizes, expected, "chunk {chunk}");
    }
    // Stopping early leaves nothing waiting: the chunk packing in the background is dropped when it is done.
    let mut chunks = batch::FleetChunks::new(devices.clone(), opts.clone(), 2).unwrap();
    assert_eq!(chunks.next().map(|c| c.len()), Some(2));
    drop(chunks);
    // The options are checked before any device runs.
    let bad = BatchOptions {
        targets: vec!["quectel".into()],
        files: vec!["esp32-at/*.bin".into()],
        ..Default::default()
    };
    let err = batch::FleetChunks::new(devices, bad, 4).err().unwrap();
    assert_eq!(err.kind(), certpack::ErrorKind::InvalidArgument);
}

/// A device's id, error and files, comparable across packings.
type Outline = (String, Option<String>, Vec<(String, Vec<u8>)>);

fn outline(d: &batch::DeviceOutputs) -> Outline {
    let files = d
        .files
        .iter()
        .map(|f| (f.name.clone(), f.bytes.clone()))
        .collect();
    (
        d.device.clone(),
        d.error.as_ref().map(|e| e.to_string()),
        files,
    )
}

#[test]
fn a_list_of_device_folders_is_packed_as_its_fleet_folder_is() {
    let root = scratch("folders");
    let fleet = fleet(&root, 5, &[1]);
    let opts = BatchOptions {
        targets: vec!["der".into(), "esp32-at".into()],
        ..Default::default()
    };
    // In the order given, each folder's name its id: the same devices as the listed fleet, reversed.
    let mut folders: Vec<PathBuf> = (0..5).map(|i| fleet.join(format!("dev-{i:04}"))).collect();
    folders.reverse();
    let devices = batch::devices_in_folders(&folders).unwrap();
    let ids: Vec<&str> = devices.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(
        ids,
        ["dev-0004", "dev-0003", "dev-0002", "dev-0001", "dev-0000"]
    );
    let mut listed: Vec<Outline> = batch::pack_fleet(&batch::discover(&fleet).unwrap(), &opts)
        .unwrap()
        .iter()
        .map(outline)
        .collect();
    listed.reverse();
    let given: Vec<Outline> = batch::pack_fleet(&devices, &opts)
        .unwrap()
        .iter()
        .map(outline)
        .collect();
    assert_eq!(given, listed);
    assert!(given[3].1.is_some(), "dev-0001 is the damaged one");
    // Folders of different parents, one given with a trailing separator.
    let other = root.join("elsewhere");
    copy_dir(&td("aws/ec"), &other.join("dev-x"));
    let mixed = [fleet.join("dev-0000"), other.join("dev-x/")];
    let packed = batch::pack_fleet(&batch::devices_in_folders(&mixed).unwrap(), &opts).unwrap();
    assert_eq!(packed[1].device, "dev-x");
    assert!(packed.iter().all(|d| d.error.is_none()));
    // An empty list, and two folders of the same name, are refused before anything runs.
    let empty = batch::devices_in_folders(&[]).unwrap_err();
    assert_eq!(empty.kind(), certpack::ErrorKind::Missing);
    let twice = [fleet.join("dev-0000"), other.join("dev-0000")];
    let err = batch::devices_in_folders(&twice).unwrap_err();
    assert_eq!(err.kind(), certpack::ErrorKind::InvalidArgument);
    assert!(err.to_string().contains("dev-0000"), "{err}");
    let _ = fs::remove_dir_all(&root);
}
