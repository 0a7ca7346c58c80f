//! The binding-facing API: listings, pack with check, outputs with metadata, over the shared testdata.

use certpack::api::{self, CheckRequest, PackOptions};
use certpack::{Bundle, ErrorKind, LoadOptions, Params};
use sha2::Digest;

fn td(path: &str) -> String {
    format!("{}/../testdata/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn aws_rsa() -> Bundle {
    Bundle::load_paths(&[td("aws/rsa")], &LoadOptions::default()).unwrap()
}

#[test]
fn targets_list_every_registered_target_with_params() {
    let listed = api::targets();
    let names: Vec<&str> = listed.iter().map(|t| t.name).collect();
    let registered: Vec<&str> = certpack::target::all().iter().map(|t| t.name()).collect();
    assert_eq!(names, registered);
    let pem = listed.iter().find(|t| t.name == "pem").unwrap();
    assert_eq!(pem.family, "files");
    let eol = pem.params.iter().find(|p| p.name == "eol").unwrap();
    assert_eq!(eol.default, Some("lf"));
    let json: serde_json::Value = serde_json::from_str(&api::targets_json()).unwrap();
    assert_eq!(json[1]["name"], "pem");
    assert_eq!(json[1]["params"][1]["name"], "eol");
}

#[test]
fn pack_output_is_artifacts_then_manifest_and_readme() {
    let bundle = aws_rsa();
    let artifacts = certpack::target::pack(&bundle, "der", &Params::new()).unwrap();
    let out = api::pack(&bundle, "der", &Params::new(), &PackOptions::default()).unwrap();
    let expected = artifacts.all_files();
    assert_eq!(out.files.len(), expected.len());
    for (file, (name, bytes)) in out.files.iter().zip(&expected) {
        assert_eq!(&file.name, name);
        assert_eq!(file.bytes[..], bytes[..]);
        assert_eq!(file.size(), bytes.len());
    }
    let key = out
        .files
        .iter()
        .find(|f| f.name == "client.key.der")
        .unwrap();
    assert!(key.secret && !key.is_text());
    let readme = out.files.iter().find(|f| f.name == "README.txt").unwrap();
    assert!(readme.is_text() && !readme.secret);
    // Metadata JSON lists the same files in the same order, without bytes.
    let json: serde_json::Value = serde_json::from_str(&out.to_json()).unwrap();
    assert_eq!(json["target"], "der");
    assert_eq!(json["files"][0]["name"], "client.crt.der");
    // Hashes the manifest already needed are reused; the others are computed on serialization: all are the
    // SHA-256 of the bytes.
    for (info, file) in json["files"].as_array().unwrap().iter().zip(&out.files) {
        let fresh = certpack::cert::hex(&sha2::Sha256::digest(&file.bytes));
        assert_eq!(info["sha256"], fresh, "{}", file.name);
        assert_eq!(file.sha256(), fresh);
    }
    assert!(json["files"][0].get("bytes").is_none());
    assert_eq!(json["files"].as_array().unwrap().len(), out.files.len());
}

#[test]
fn pack_with_check_refuses_a_mismatched_key_unless_forced() {
    let bundle = Bundle::load_paths(
        &[
            td("aws/rsa/93f1d43d67-certificate.pem.crt"),
            td("azure/x509/device-mydevice.key.pem"),
        ],
        &LoadOptions::default(),
    )
    .unwrap();
    let options = PackOptions {
        check: Some(CheckRequest {
            now: Some(1_750_000_000),
            ..Default::default()
        }),
        force: false,
    };
    let err = api::pack(&bundle, "pem", &Params::new(), &options).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CheckFailed);
    assert!(err.message().contains("CP101"), "{err}");
    let forced = api::pack(
        &bundle,
        "pem",
        &Params::new(),
        &PackOptions {
            force: true,
            ..options
        },
    )
    .unwrap();
    assert!(forced.findings.iter().any(|f| f.code == "CP101"));
    assert!(forced.files.iter().any(|f| f.name == "client.crt.pem"));
}

#[test]
fn check_request_resolves_target_and_device_time() {
    let bundle = aws_rsa();
    let options = CheckRequest {
        target: Some("der".into()),
        device_time: Some("1980-01-06".into()),
        now: Some(1_750_000_000),
        ..Default::default()
    }
    .options()
    .unwrap();
    assert_eq!(options.target.map(|t| t.name()), Some("der"));
    assert_eq!(options.device_time.map(|t| t.0), Some(315_964_800));
    let unknown = api::check(
        &bundle,
        &CheckRequest {
            target: Some("no-such".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::Target);
    let bad_time = CheckRequest {
        device_time: Some("yesterday".into()),
        ..Default::default()
    }
    .options()
    .unwrap_err();
    assert_eq!(bad_time.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn inspect_reports_positions_of_leaf_key_and_roots() {
    let bundle = Bundle::load_paths(&[td("azure/x509")], &LoadOptions::default()).unwrap();
    let report = api::inspect(&bundle);
    let items = &report.report.items;
    assert_eq!(items[report.leaf.unwrap()].role, "leaf");
    assert_eq!(items[report.key.unwrap()].role, "private-key");
    assert_eq!(report.chain.len(), 1);
    assert_eq!(items[report.chain[0]].role, "intermediate");
    let server_root = &items[report.roots[0]];
    assert_eq!(
        server_root.subject.as_deref(),
        Some("CN=DigiCert Global Root G2,OU=www.digicert.com,O=DigiCert Inc,C=US")
    );
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["leaf"], report.leaf.unwrap());
    assert!(json["items"].is_array() && json["certificate_id"].is_string());
}

#[test]
fn convert_output_has_no_manifest() {
    let bundle = aws_rsa();
    let options = certpack::convert::ConvertOptions::new(certpack::convert::Form::Pkcs8);
    let out = api::convert(&bundle, &options).unwrap();
    assert_eq!(out.files.len(), 1);
    assert!(out.files[0].secret);
    assert_eq!(out.target, "convert-pkcs8");
}

#[test]
fn every_error_kind_has_a_summary_and_unnamed_inputs_are_numbered() {
    for kind in ErrorKind::ALL {
        assert!(api::error_kind_summary(*kind).ends_with('.'));
    }
    assert_eq!(api::unnamed_input(2, b"x".to_vec()).name, "<bytes #2>");
    assert!(api::is_text(b"AT+X\r\n\tok"));
    assert!(!api::is_text(b"a\0b"));
    assert!(!api::is_text(&[0xff, 0xfe]));
}
