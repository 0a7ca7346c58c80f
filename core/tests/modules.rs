//! Module targets, integrity values, cloud rules: shared vectors reproduced, SAS vectors, and every family's
//! script driven end to end through the modem simulator (tests/sim).

mod sim;

use base64ct::{Base64, Encoding};
use certpack::cloud::{aws, azure, Cloud};
use certpack::{integrity, Bundle, ErrorKind, LoadOptions, Params};
use serde_json::Value;
use sim::{Family, Modem, World};

const TD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata");
const AWS_HOST: &str = "abc123-ats.iot.eu-west-1.amazonaws.com";
const AZURE_HOST: &str = "myhub.azure-devices.net";
/// 2026-01-01T00:00:00Z: the simulated network time.
const NETWORK_TIME: i64 = 1_767_225_600;
const KEY1: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

const FAMILIES: [&str; 9] = [
    "quectel",
    "simcom-sim7080",
    "simcom-sim7600",
    "ublox",
    "nrf91",
    "esp-at",
    "telit",
    "sequans",
    "sierra-hl78",
];

fn load(paths: &[&str]) -> Bundle {
    let full: Vec<String> = paths.iter().map(|p| format!("{TD}/{p}")).collect();
    Bundle::load_paths(&full, &LoadOptions::default()).expect("testdata loads")
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(format!("{TD}/{path}")).expect("testdata file")
}

fn der_of(path: &str) -> Vec<u8> {
    sim::first_der(&read(path)).expect("a certificate")
}

fn leaf_der(bundle: &Bundle) -> Vec<u8> {
    bundle
        .leaf()
        .and_then(|i| i.certificate())
        .expect("leaf")
        .der()
        .to_vec()
}

fn aws_world(bundle: &Bundle) -> World {
    World {
        host: AWS_HOST.into(),
        ports: vec![8883, 443, 8443],
        network_time: NETWORK_TIME,
        accepted_roots: vec![
            der_of("roots/Amazon_Root_CA_1.crt"),
            der_of("roots/Amazon_Root_CA_3.crt"),
        ],
        registered_leaf: Some(leaf_der(bundle)),
        sas: None,
        alpn: None,
        wifi_joined: false,
        thing: Some("my-thing".into()),
    }
}

fn azure_world(leaf: Option<Vec<u8>>, device: &str) -> World {
    World {
        host: AZURE_HOST.into(),
        ports: vec![8883],
        network_time: NETWORK_TIME,
        accepted_roots: vec![der_of("roots/DigiCert_Global_Root_G2.crt")],
        registered_leaf: leaf,
        sas: Some((
            Base64::decode_vec(KEY1).unwrap_or_default(),
            format!("{AZURE_HOST}/{device}/?api-version=2021-04-12"),
        )),
        alpn: None,
        wifi_joined: false,
        thing: None,
    }
}

fn params(pairs: &[(&str, &str)]) -> Params {
    pairs.iter().fold(Params::new(), |p, (k, v)| p.with(k, *v))
}

fn family_params(target: &str, mut base: Vec<(&'static str, &'static str)>) -> Params {
    if target == "esp-at" {
        base.push(("wifi-ssid", "factory"));
    }
    params(&base)
}

fn steps_json(out: &certpack::Artifacts) -> String {
    String::from_utf8(out.get("steps.json").expect("steps.json").bytes.to_vec()).expect("utf-8")
}

/// Run the target's steps through the simulator; panic with the transcript on failure.
fn drive(target: &str, json: &str, world: World) -> Modem {
    let mut modem = Modem::new(Family::for_target(target), world);
    if let Err(e) = sim::run(json, &mut modem) {
        panic!("{target}: {e}\n{}", modem.log.join("\n"));
    }
    modem
}

fn mutate(json: &str, f: impl FnOnce(&mut Vec<Value>)) -> String {
    let mut doc: Value = serde_json::from_str(json).expect("json");
    let steps = doc["steps"].as_array_mut().expect("steps");
    f(steps);
    serde_json::to_string(&doc).expect("json")
}

/// Every payload in the steps is exactly one of the artifacts (same bytes), and no payload carries a NUL.
fn check_payload_files(target: &str, out: &certpack::Artifacts) {
    let doc: Value = serde_json::from_str(&steps_json(out)).expect("json");
    let mut payloads = 0;
    for step in doc["steps"].as_array().expect("steps") {
        if let Some(b64) = step["payload_base64"].as_str() {
            payloads += 1;
            let bytes = Base64::decode_vec(b64).expect("base64");
            let file = step["payload_file"].as_str().expect("payload_file");
            let artifact = out
                .get(file)
                .unwrap_or_else(|| panic!("{target}: no artifact {file}"));
            assert_eq!(&artifact.bytes[..], &bytes[..], "{target}: {file}");
            if bytes.first() != Some(&0x30) {
                assert!(!bytes.contains(&0), "{target}: NUL in the text {file}");
            }
            assert_eq!(
                artifact.meta.get("size"),
                Some(&bytes.len().to_string()),
                "{target}: {file} size meta"
            );
        }
    }
    assert!(payloads > 0 || target == "nrf91", "{target}: no payloads");
}

// ---------------------------------------------------------------- shared vectors

#[test]
fn integrity_values_equal_every_row_of_the_shared_vectors() {
    let dir = "vectors/module-digests";
    let tsv = String::from_utf8(read(&format!("{dir}/digests.tsv"))).expect("utf-8");
    let mut rows = 0;
    for line in tsv.lines().skip(1).filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let [file, size, qfupl, md5, sha, cert_id] = f[..] else {
            panic!("bad row {line}");
        };
        let bytes = read(&format!("{dir}/{file}"));
        let der = sim::first_der(&bytes).expect("PEM body");
        assert_eq!(bytes.len().to_string(), size, "{file} size");
        assert_eq!(integrity::qfupl_checksum_hex(&bytes), qfupl, "{file} qfupl");
        assert_eq!(integrity::usecmng_md5(&der), md5, "{file} md5");
        assert_eq!(integrity::cmng_sha256(&bytes), sha, "{file} sha256");
        let cert = certpack::cert::Certificate::from_der(&der).expect("certificate");
        assert_eq!(cert.aws_certificate_id(), cert_id, "{file} certificate id");
        rows += 1;
    }
    assert_eq!(rows, 5);
}

#[test]
fn device_verified_values_from_the_reference() {
    // ISRG Root X1 case is not in testdata; these two are printed by real modules (module-at-commands.md 1.2, 4.2).
    let ca1 = read("roots/Amazon_Root_CA_1.crt");
    let mut with_nul = ca1.clone();
    with_nul.push(0);
    assert_eq!(
        format!(
            "{},{}",
            with_nul.len(),
            integrity::qfupl_checksum_hex(&with_nul)
        ),
        "1189,2d13"
    );
    let crlf: Vec<u8> = String::from_utf8(ca1.clone())
        .unwrap()
        .replace('\n', "\r\n")
        .into_bytes();
    assert_eq!(
        format!("{},{}", crlf.len(), integrity::qfupl_checksum_hex(&crlf)),
        "1208,5769"
    );
    assert_eq!(
        integrity::cmng_sha256(&ca1),
        "2C43952EE9E000FF2ACC4E2ED0897C0A72AD5FA72C3D934E81741CBD54F05BD1"
    );
    // Little-endian pairing would give another value: the simulator's independent XOR agrees with ours.
    assert_eq!(sim::xor16(&ca1), integrity::qfupl_checksum(&ca1));
    assert_eq!(
        integrity::usecmng_md5(&der_of("roots/DigiCert_Global_Root_G2.crt")),
        "E4A68AC854AC5242460AFD72481B2A44"
    );
}

// ---------------------------------------------------------------- cloud

/// Vectors computed with Python (hmac, hashlib, urllib.parse.quote(safe="")) and cross-checked with openssl;
/// recorded in docs/cloud.md.
#[test]
fn sas_tokens_equal_the_documented_vectors() {
    let cases = [
        (
            "myhub.azure-devices.net/devices/mydevice",
            KEY1,
            1_767_225_600,
            None,
            "myhub.azure-devices.net%2Fdevices%2Fmydevice\n1767225600",
            "+ZmOunS1LvRS5B0r7uIAFZpXJpT+Av0x2bnD56nb93M=",
            "SharedAccessSignature sr=myhub.azure-devices.net%2Fdevices%2Fmydevice&sig=%2BZmOunS1LvRS5B0r7uIAFZpXJpT%2BAv0x2bnD56nb93M%3D&se=1767225600",
        ),
        (
            "myhub.azure-devices.net/devices/sensor:01@lab/modules/temp",
            KEY1,
            1_798_761_600,
            None,
            "myhub.azure-devices.net%2Fdevices%2Fsensor%3A01%40lab%2Fmodules%2Ftemp\n1798761600",
            "vsjcRr1B8nJpeoSimOUUaSiEgXA/vsXNI8KiEbQDSzs=",
            "SharedAccessSignature sr=myhub.azure-devices.net%2Fdevices%2Fsensor%3A01%40lab%2Fmodules%2Ftemp&sig=vsjcRr1B8nJpeoSimOUUaSiEgXA%2FvsXNI8KiEbQDSzs%3D&se=1798761600",
        ),
        (
            "myhub.azure-devices.net/devices/mydevice",
            "c2VjcmV0LWtleS1mb3ItY2VydHBhY2stdGVzdHMhISE=",
            4_102_444_800,
            Some("device"),
            "myhub.azure-devices.net%2Fdevices%2Fmydevice\n4102444800",
            "2im2tYO8Wk0BS5sHJfogeRcHuc8IuZQzbwRocsKivww=",
            "SharedAccessSignature sr=myhub.azure-devices.net%2Fdevices%2Fmydevice&sig=2im2tYO8Wk0BS5sHJfogeRcHuc8IuZQzbwRocsKivww%3D&se=4102444800&skn=device",
        ),
    ];
    for (uri, key, se, skn, to_sign, sig, token) in cases {
        let t = azure::sas_token(uri, key, se, skn).expect("token");
        assert_eq!(t.string_to_sign, to_sign);
        assert_eq!(t.signature, sig);
        assert_eq!(t.token.as_str(), token);
        assert!(
            !format!("{t:?}").contains(sig),
            "Debug must not print the signature"
        );
    }
}

#[test]
fn connection_string_gives_mqtt_credentials() {
    let cs = azure::ConnectionString::parse(&format!(
        "HostName={AZURE_HOST};DeviceId=mydevice;SharedAccessKey={KEY1}"
    ))
    .expect("valid");
    assert!(cs.notes.is_empty(), "{:?}", cs.notes);
    let sas = azure::sas_token(&cs.resource_uri(), &cs.key, 1_767_225_600, None).expect("token");
    let creds = azure::mqtt_credentials(&cs.host_name, &cs.device_id, None, Some(&sas));
    assert_eq!(creds.client_id, "mydevice");
    assert_eq!(
        creds.username,
        "myhub.azure-devices.net/mydevice/?api-version=2021-04-12"
    );
    assert_eq!(creds.telemetry_topic, "devices/mydevice/messages/events/");
    assert!(creds.password.starts_with(
        "SharedAccessSignature sr=myhub.azure-devices.net%2Fdevices%2Fmydevice&sig=%2BZmO"
    ));
    let module = azure::mqtt_credentials(AZURE_HOST, "d1", Some("m1"), None);
    assert_eq!(
        module.username,
        "myhub.azure-devices.net/d1/m1/?api-version=2021-04-12"
    );
    assert_eq!(module.password.as_str(), "");
    // A pasted connection string where the key belongs is named as such.
    let e = azure::sas_token(
        "h/devices/d",
        &format!("HostName=h;SharedAccessKey={KEY1}"),
        1,
        None,
    )
    .unwrap_err();
    assert!(e.message().contains("connection string"), "{e}");
}

#[test]
fn shadow_request_has_exact_lengths() {
    let get = aws::shadow_request(AWS_HOST, 8443, "my-thing", None, &aws::ShadowAction::Get)
        .expect("get");
    assert_eq!(
        get.text,
        "GET /things/my-thing/shadow HTTP/1.1\r\nHost: abc123-ats.iot.eu-west-1.amazonaws.com:8443\r\nConnection: close\r\n\r\n"
    );
    assert_eq!((get.len(), get.content_length), (110, 0));
    let body = r#"{"state":{"reported":{"temp":21.5,"name":"Küche"}}}"#;
    let post = aws::shadow_request(
        AWS_HOST,
        443,
        "my-thing",
        Some("config"),
        &aws::ShadowAction::Update(body.into()),
    )
    .expect("post");
    // "ü" is two bytes: Content-Length counts bytes, not characters.
    assert_eq!(post.content_length, 52);
    assert_eq!(body.chars().count(), 51);
    assert_eq!(
        post.text,
        format!("POST /things/my-thing/shadow?name=config HTTP/1.1\r\nHost: {AWS_HOST}\r\nContent-Type: application/json\r\nContent-Length: 52\r\nConnection: close\r\n\r\n{body}")
    );
    assert_eq!(post.len(), post.text.len());
    assert_eq!(post.len(), 222);
    assert!(
        aws::shadow_request(AWS_HOST, 8443, "bad thing", None, &aws::ShadowAction::Get).is_err()
    );
    let e = aws::shadow_request(
        AWS_HOST,
        8443,
        "t",
        None,
        &aws::ShadowAction::Update("{\"reported\":{}}".into()),
    )
    .unwrap_err();
    assert!(e.message().contains("state"), "{e}");
}

#[test]
fn cloud_detection() {
    assert!(matches!(Cloud::detect(AWS_HOST), Cloud::Aws(_)));
    assert_eq!(Cloud::detect(AZURE_HOST).name(), "azure");
}

// ---------------------------------------------------------------- every family, end to end

#[test]
fn every_family_passes_the_simulator_with_aws_rsa() {
    let bundle = load(&["aws/rsa"]);
    for target in FAMILIES {
        let out = certpack::target::pack(
            &bundle,
            target,
            &family_params(target, vec![("endpoint", AWS_HOST)]),
        )
        .unwrap_or_else(|e| panic!("{target}: {e}"));
        check_payload_files(target, &out);
        let modem = drive(target, &steps_json(&out), aws_world(&bundle));
        assert_eq!(modem.published.len(), 1, "{target}");
        assert_eq!(modem.published[0].topic, "certpack/test", "{target}");
        assert_eq!(
            modem.published[0].payload, b"hello from certpack",
            "{target}"
        );
        assert!(modem.clock >= NETWORK_TIME, "{target}: clock not set");
        let text = String::from_utf8(out.get("script.txt").unwrap().bytes.to_vec()).unwrap();
        assert!(text.contains("expect:"), "{target}");
        let manifest = out.manifest_json();
        assert!(manifest.contains("\"size\""), "{target}");
    }
}

#[test]
fn every_family_passes_with_azure_x509_and_the_chain() {
    let bundle = load(&[
        "azure/x509/device-mydevice.cert.pem",
        "azure/x509/device-mydevice.key.pem",
        "azure/x509/azure-iot-test-only.intermediate.cert.pem",
        "azure/x509/azure-iot-test-only.root.ca.cert.pem",
        "azure/x509/DigiCertGlobalRootG2.crt.pem",
    ]);
    for target in FAMILIES {
        let out = certpack::target::pack(
            &bundle,
            target,
            &family_params(target, vec![("endpoint", AZURE_HOST)]),
        )
        .unwrap_or_else(|e| panic!("{target}: {e}"));
        check_payload_files(target, &out);
        let world = azure_world(Some(leaf_der(&bundle)), "mydevice");
        let modem = drive(target, &steps_json(&out), world);
        assert_eq!(
            modem.published[0].topic, "devices/mydevice/messages/events/",
            "{target}"
        );
        assert!(
            out.notes.iter().any(|n| n.contains("intermediate")),
            "{target}: {:?}",
            out.notes
        );
    }
}

#[test]
fn every_family_passes_with_azure_sas() {
    let bundle = load(&["azure/x509/DigiCertGlobalRootG2.crt.pem"]);
    let cs = format!("HostName={AZURE_HOST};DeviceId=dev-7;SharedAccessKey={KEY1}");
    for target in FAMILIES {
        let p = family_params(
            target,
            vec![
                ("endpoint", AZURE_HOST),
                ("sas-expiry", "2030-01-01T00:00:00Z"),
            ],
        )
        .with("connection-string", cs.clone());
        let out =
            certpack::target::pack(&bundle, target, &p).unwrap_or_else(|e| panic!("{target}: {e}"));
        assert!(
            out.get("steps.json").unwrap().secret,
            "{target}: the token makes the steps secret"
        );
        assert!(out.get("script.txt").unwrap().secret, "{target}");
        assert!(
            String::from_utf8(out.get("script.txt").unwrap().bytes.to_vec())
                .unwrap()
                .starts_with("# "),
            "{target}"
        );
        let modem = drive(target, &steps_json(&out), azure_world(None, "dev-7"));
        assert_eq!(
            modem.published[0].topic, "devices/dev-7/messages/events/",
            "{target}"
        );
    }
}

#[test]
fn aws_ec_bundle_uses_root_ca_3_with_a_note() {
    let bundle = load(&["aws/ec"]);
    for target in FAMILIES {
        let result = certpack::target::pack(
            &bundle,
            target,
            &family_params(target, vec![("endpoint", AWS_HOST)]),
        );
        if target == "telit" {
            assert_eq!(result.unwrap_err().kind(), ErrorKind::UnsupportedKey);
            continue;
        }
        let out = result.unwrap_or_else(|e| panic!("{target}: {e}"));
        assert!(
            out.notes.iter().any(|n| n.contains("Amazon Root CA 3")),
            "{target}"
        );
        drive(target, &steps_json(&out), aws_world(&bundle));
    }
}

#[test]
fn integrity_meta_matches_the_vectors() {
    let bundle = load(&["aws/rsa"]);
    let p = params(&[("endpoint", AWS_HOST)]);
    let q = certpack::target::pack(&bundle, "quectel", &p).unwrap();
    let ca = q.get("cacert.pem").unwrap();
    assert_eq!(
        &ca.bytes[..],
        &read("vectors/module-digests/AmazonRootCA1.pem")[..]
    );
    assert_eq!(ca.meta["qfupl_checksum"], "2d13");
    assert_eq!(ca.meta["expected_response"], "+QFUPL: 1188,2d13");
    let q_crlf =
        certpack::target::pack(&bundle, "quectel", &p.clone().with("eol", "crlf")).unwrap();
    assert_eq!(
        &q_crlf.get("cacert.pem").unwrap().bytes[..],
        &read("vectors/module-digests/AmazonRootCA1.crlf.pem")[..]
    );
    assert_eq!(
        q_crlf.get("cacert.pem").unwrap().meta["expected_response"],
        "+QFUPL: 1208,5769"
    );
    drive("quectel", &steps_json(&q_crlf), aws_world(&bundle));
    let n = certpack::target::pack(&bundle, "nrf91", &p).unwrap();
    assert_eq!(
        n.get("ca.pem").unwrap().meta["cmng_sha256"],
        "2C43952EE9E000FF2ACC4E2ED0897C0A72AD5FA72C3D934E81741CBD54F05BD1"
    );
    let u = certpack::target::pack(&bundle, "ublox", &p).unwrap();
    let ca_der = u.get("ca.der").unwrap();
    assert_eq!(&ca_der.bytes[..], &der_of("roots/Amazon_Root_CA_1.crt")[..]);
    assert_eq!(
        ca_der.meta["usecmng_md5"],
        "43C6BFAEECFEAD2F18C6886830FCC8E6"
    );
    let u_pem =
        certpack::target::pack(&bundle, "ublox", &p.clone().with("cert-form", "pem")).unwrap();
    assert_eq!(
        u_pem.get("ca.pem").unwrap().meta["usecmng_md5"],
        "43C6BFAEECFEAD2F18C6886830FCC8E6"
    );
    drive("ublox", &steps_json(&u_pem), aws_world(&bundle));
    // The key is PKCS#1 PEM even when the input key is PKCS#8 (Azure sample key).
    let az = load(&["azure/x509"]);
    let qa = certpack::target::pack(&az, "quectel", &params(&[("endpoint", AZURE_HOST)])).unwrap();
    let key = String::from_utf8(qa.get("user_key.pem").unwrap().bytes.to_vec()).unwrap();
    assert!(key.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
    assert!(qa.get("user_key.pem").unwrap().secret);
}

#[test]
fn esp_at_https_shadow_sends_the_exact_cipsend_count() {
    let bundle = load(&["aws/rsa"]);
    let p = params(&[
        ("endpoint", AWS_HOST),
        ("protocol", "https"),
        ("thing-name", "my-thing"),
        ("wifi-ssid", "factory"),
        ("shadow-update", r#"{"state":{"reported":{"fw":"1.0"}}}"#),
    ]);
    let out = certpack::target::pack(&bundle, "esp-at", &p).expect("https");
    let req = out.get("shadow-request.http").unwrap();
    assert_eq!(req.meta["content_length"], "35");
    assert_eq!(req.meta["cipsend_length"], req.bytes.len().to_string());
    let json = steps_json(&out);
    assert!(json.contains(&format!("\"AT+CIPSEND={}\"", req.bytes.len())));
    let modem = drive("esp-at", &json, aws_world(&bundle));
    assert_eq!(
        modem.published[0].payload,
        br#"{"state":{"reported":{"fw":"1.0"}}}"#
    );
    // One byte too few in the announced count: the module waits for a byte that never comes.
    let short = mutate(&json, |steps| {
        for s in steps.iter_mut() {
            if let Some(c) = s["command"]
                .as_str()
                .filter(|c| c.starts_with("AT+CIPSEND="))
            {
                let n: usize = c["AT+CIPSEND=".len()..].parse().unwrap();
                s["command"] = Value::from(format!("AT+CIPSEND={}", n - 1));
            }
        }
    });
    let e = sim::run(&short, &mut Modem::new(Family::EspAt, aws_world(&bundle))).unwrap_err();
    assert!(e.contains("expects exactly"), "{e}");
}

#[test]
fn esp_at_on_port_443_sends_alpn() {
    let bundle = load(&["aws/rsa"]);
    let out = certpack::target::pack(
        &bundle,
        "esp-at",
        &params(&[("endpoint", AWS_HOST), ("port", "443"), ("wifi-ssid", "x")]),
    )
    .unwrap();
    let mut world = aws_world(&bundle);
    world.alpn = Some("x-amzn-mqtt-ca".into());
    drive("esp-at", &steps_json(&out), world.clone());
    // The same script without the ALPN step fails like the module would.
    let no_alpn = mutate(&steps_json(&out), |steps| {
        steps.retain(|s| !s["command"].as_str().unwrap().starts_with("AT+MQTTALPN"))
    });
    assert!(sim::run(&no_alpn, &mut Modem::new(Family::EspAt, world)).is_err());
    // Modules whose scripts cannot set ALPN refuse port 443.
    let e = certpack::target::pack(
        &bundle,
        "quectel",
        &params(&[("endpoint", AWS_HOST), ("port", "443")]),
    )
    .unwrap_err();
    assert!(e.hint().contains("8883"), "{e}");
}

// ---------------------------------------------------------------- what the simulator rejects

#[test]
fn seed_case_sim7080_with_a_1980_clock_fails_at_smconn() {
    let bundle = load(&["aws/rsa"]);
    let out = certpack::target::pack(
        &bundle,
        "simcom-sim7080",
        &params(&[("endpoint", AWS_HOST)]),
    )
    .unwrap();
    let no_clock = mutate(&steps_json(&out), |steps| {
        steps.retain(|s| {
            let c = s["command"].as_str().unwrap();
            !(c.starts_with("AT+CNTP") || c == "AT+CCLK?")
        })
    });
    let mut modem = Modem::new(Family::Sim7080, aws_world(&bundle));
    let e = sim::run(&no_clock, &mut modem).unwrap_err();
    assert!(
        e.contains("AT+SMCONN") && e.contains("not yet valid"),
        "{e}"
    );
    assert!(e.contains("1980-01-06"), "{e}");
    // The script's own clock check stops earlier, at AT+CCLK?, with the reason in the comment.
    let no_ntp = mutate(&steps_json(&out), |steps| {
        steps.retain(|s| !s["command"].as_str().unwrap().starts_with("AT+CNTP"))
    });
    let e = sim::run(
        &no_ntp,
        &mut Modem::new(Family::Sim7080, aws_world(&bundle)),
    )
    .unwrap_err();
    assert!(e.contains("AT+CCLK?"), "{e}");
}

#[test]
fn quectel_sizeof_nul_and_wrong_counts_are_caught() {
    let bundle = load(&["aws/rsa"]);
    let json = steps_json(
        &certpack::target::pack(&bundle, "quectel", &params(&[("endpoint", AWS_HOST)])).unwrap(),
    );
    // The C sizeof() mistake: 1189 announced and sent (PEM + NUL). The module answers +QFUPL: 1189,2d13.
    let with_nul = mutate(&json, |steps| {
        let s = steps
            .iter_mut()
            .find(|s| s["command"] == "AT+QFUPL=\"cacert.pem\",1188,60")
            .unwrap();
        let mut bytes = Base64::decode_vec(s["payload_base64"].as_str().unwrap()).unwrap();
        bytes.push(0);
        s["command"] = Value::from("AT+QFUPL=\"cacert.pem\",1189,60");
        s["payload_base64"] = Value::from(Base64::encode_string(&bytes));
        s["payload_length"] = Value::from(1189);
    });
    let e = sim::run(
        &with_nul,
        &mut Modem::new(Family::Quectel, aws_world(&bundle)),
    )
    .unwrap_err();
    assert!(e.contains("+QFUPL: 1189,2d13"), "{e}");
    // Announced size one more than the bytes sent.
    let wrong = json.replace(
        "AT+QFUPL=\\\"cacert.pem\\\",1188,60",
        "AT+QFUPL=\\\"cacert.pem\\\",1189,60",
    );
    assert_ne!(wrong, json);
    let e = sim::run(&wrong, &mut Modem::new(Family::Quectel, aws_world(&bundle))).unwrap_err();
    assert!(
        e.contains("expects exactly 1189 bytes") && e.contains("sends 1188"),
        "{e}"
    );
}

#[test]
fn quectel_without_sni_or_with_the_wrong_root_gets_qmtopen_minus_one() {
    let bundle = load(&["aws/rsa"]);
    let json = steps_json(
        &certpack::target::pack(&bundle, "quectel", &params(&[("endpoint", AWS_HOST)])).unwrap(),
    );
    let no_sni = mutate(&json, |steps| {
        steps.retain(|s| !s["command"].as_str().unwrap().contains("\"sni\""))
    });
    let e = sim::run(
        &no_sni,
        &mut Modem::new(Family::Quectel, aws_world(&bundle)),
    )
    .unwrap_err();
    assert!(e.contains("+QMTOPEN: 0,-1") && e.contains("SNI"), "{e}");
    let mut world = aws_world(&bundle);
    world.accepted_roots = vec![der_of("roots/DigiCert_Global_Root_G2.crt")];
    let e = sim::run(&json, &mut Modem::new(Family::Quectel, world)).unwrap_err();
    assert!(e.contains("root CA"), "{e}");
}

#[test]
fn nrf91_rejects_crlf_and_lists_the_documented_sha() {
    let bundle = load(&["aws/rsa"]);
    let out = certpack::target::pack(
        &bundle,
        "nrf91",
        &params(&[("endpoint", AWS_HOST), ("sec-tag", "16842753")]),
    )
    .unwrap();
    let json = steps_json(&out);
    assert!(json.contains("%CMNG: 16842753,0,\\\"2C43952EE9E000FF2ACC4E2ED0897C0A72AD5FA72C3D934E81741CBD54F05BD1\\\""));
    let crlf = mutate(&json, |steps| {
        let s = steps
            .iter_mut()
            .find(|s| {
                s["command"]
                    .as_str()
                    .unwrap()
                    .starts_with("AT%CMNG=0,16842753,0,")
            })
            .unwrap();
        s["command"] = Value::from(s["command"].as_str().unwrap().replace('\n', "\r\n"));
    });
    let e = sim::run(&crlf, &mut Modem::new(Family::Nrf91, aws_world(&bundle))).unwrap_err();
    assert!(e.contains("+CME ERROR: 527"), "{e}");
    // Writing while online is refused (518).
    let online = mutate(&json, |steps| steps.retain(|s| s["command"] != "AT+CFUN=4"));
    let e = sim::run(&online, &mut Modem::new(Family::Nrf91, aws_world(&bundle))).unwrap_err();
    assert!(e.contains("518"), "{e}");
    // The key write is in the script text, so the script is secret and says so first.
    let text = String::from_utf8(out.get("script.txt").unwrap().bytes.to_vec()).unwrap();
    assert!(out.get("script.txt").unwrap().secret);
    assert!(
        text.lines().nth(1).unwrap().starts_with("# SECRET"),
        "{text}"
    );
}

#[test]
fn sim7080_refuses_a_file_over_10240_bytes() {
    let bundle = load(&["aws/rsa"]);
    let json = steps_json(
        &certpack::target::pack(
            &bundle,
            "simcom-sim7080",
            &params(&[("endpoint", AWS_HOST)]),
        )
        .unwrap(),
    );
    let big = mutate(&json, |steps| {
        let s = steps
            .iter_mut()
            .find(|s| {
                s["command"]
                    .as_str()
                    .unwrap()
                    .starts_with("AT+CFSWFILE=3,\"cacert.pem\"")
            })
            .unwrap();
        let bytes = vec![b'A'; 10_241];
        s["command"] = Value::from("AT+CFSWFILE=3,\"cacert.pem\",0,10241,10000");
        s["payload_base64"] = Value::from(Base64::encode_string(&bytes));
        s["payload_length"] = Value::from(10_241);
    });
    let e = sim::run(&big, &mut Modem::new(Family::Sim7080, aws_world(&bundle))).unwrap_err();
    assert!(e.contains("without a prompt") && e.contains("ERROR"), "{e}");
}

#[test]
fn sierra_needs_the_eof_pattern_and_the_exact_size() {
    let bundle = load(&["aws/rsa"]);
    let json = steps_json(
        &certpack::target::pack(&bundle, "sierra-hl78", &params(&[("endpoint", AWS_HOST)]))
            .unwrap(),
    );
    let no_pattern = mutate(&json, |steps| {
        steps.retain(|s| s["command"] != "--EOF--Pattern--")
    });
    assert!(sim::run(
        &no_pattern,
        &mut Modem::new(Family::Sierra, aws_world(&bundle))
    )
    .is_err());
}

// ---------------------------------------------------------------- errors that say what to do

#[test]
fn errors_name_the_fix() {
    let rsa = load(&["aws/rsa"]);
    let e = certpack::target::pack(
        &rsa,
        "quectel",
        &params(&[("endpoint", "abc123.iot.eu-west-1.amazonaws.com")]),
    )
    .unwrap_err();
    assert!(
        e.hint().contains("abc123-ats.iot.eu-west-1.amazonaws.com"),
        "{e}"
    );
    let e = certpack::target::pack(
        &rsa,
        "quectel",
        &params(&[("endpoint", "global.azure-devices-provisioning.net")]),
    )
    .unwrap_err();
    assert!(e.message().contains("Provisioning"), "{e}");
    let e = certpack::target::pack(&rsa, "quectel", &params(&[])).unwrap_err();
    assert!(
        e.hint().contains("--endpoint") || e.hint().contains("endpoint"),
        "{e}"
    );
    let e = certpack::target::pack(
        &rsa,
        "quectel",
        &params(&[("endpoint", "mqtts://x.example.com:8883")]),
    )
    .unwrap_err();
    assert!(e.hint().contains("x.example.com"), "{e}");
    // Cert and key without Amazon Root CA 1.
    let no_root = Bundle::load_paths(
        &[
            format!("{TD}/aws/rsa/93f1d43d67-certificate.pem.crt"),
            format!("{TD}/aws/rsa/93f1d43d67-private.pem.key"),
        ],
        &LoadOptions::default(),
    )
    .unwrap();
    let e =
        certpack::target::pack(&no_root, "ublox", &params(&[("endpoint", AWS_HOST)])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Missing);
    assert!(e.hint().contains("AmazonRootCA1.pem"), "{e}");
    // Azure endpoint with only the Amazon root.
    let e =
        certpack::target::pack(&rsa, "nrf91", &params(&[("endpoint", AZURE_HOST)])).unwrap_err();
    assert!(e.message().contains("DigiCert Global Root G2"), "{e}");
    // Key of another device.
    let mixed = Bundle::load_paths(
        &[
            format!("{TD}/aws/rsa/93f1d43d67-certificate.pem.crt"),
            format!("{TD}/aws/ec/46623c5574-private.pem.key"),
            format!("{TD}/aws/rsa/AmazonRootCA1.pem"),
        ],
        &LoadOptions::default(),
    )
    .unwrap();
    let e =
        certpack::target::pack(&mixed, "quectel", &params(&[("endpoint", AWS_HOST)])).unwrap_err();
    assert!(e.message().contains("does not belong"), "{e}");
    // SAS without an expiry; a message with quotes where it goes inside an AT string; unknown parameter.
    let g2 = load(&["azure/x509/DigiCertGlobalRootG2.crt.pem"]);
    let e = certpack::target::pack(
        &g2,
        "quectel",
        &params(&[
            ("endpoint", AZURE_HOST),
            ("sas-key", KEY1),
            ("device-id", "d"),
        ]),
    )
    .unwrap_err();
    assert!(e.message().contains("sas-expiry"), "{e}");
    let e = certpack::target::pack(
        &rsa,
        "telit",
        &params(&[("endpoint", AWS_HOST), ("message", "{\"a\":1}")]),
    )
    .unwrap_err();
    assert!(e.message().contains("quote"), "{e}");
    let e = certpack::target::pack(
        &rsa,
        "quectel",
        &params(&[("endpoint", AWS_HOST), ("ssl-ctx", "1")]),
    )
    .unwrap_err();
    assert!(e.hint().contains("ssl-context"), "{e}");
    // Context ids out of the module's range.
    let e = certpack::target::pack(
        &rsa,
        "quectel",
        &params(&[("endpoint", AWS_HOST), ("ssl-context", "6")]),
    )
    .unwrap_err();
    assert!(e.hint().contains("0 to 5"), "{e}");
    // set-time before the certificate is valid.
    let e = certpack::target::pack(
        &rsa,
        "quectel",
        &params(&[("endpoint", AWS_HOST), ("set-time", "1980-01-06")]),
    )
    .unwrap_err();
    assert!(e.message().contains("2024"), "{e}");
}

#[test]
fn set_time_replaces_network_time() {
    let bundle = load(&["aws/rsa"]);
    for target in FAMILIES {
        let out = certpack::target::pack(
            &bundle,
            target,
            &family_params(
                target,
                vec![("endpoint", AWS_HOST), ("set-time", "2026-03-01T10:00:00Z")],
            ),
        )
        .unwrap();
        let mut world = aws_world(&bundle);
        world.network_time = 315_964_800; // no usable network time: only the explicit set can pass
        let modem = drive(target, &steps_json(&out), world);
        if target != "nrf91" {
            assert_eq!(modem.clock, 1_772_359_200, "{target}");
        }
    }
}

#[test]
fn capabilities_per_family() {
    let clock = |t: &str| {
        certpack::target::find(t)
            .unwrap()
            .capabilities()
            .power_on_clock
    };
    assert_eq!(clock("quectel"), Some(315_964_800));
    assert_eq!(clock("simcom-sim7080"), Some(315_964_800));
    assert_eq!(clock("nrf91"), Some(1_422_748_800));
    assert_eq!(clock("esp-at"), Some(0));
    assert_eq!(clock("telit"), None);
    assert!(
        certpack::target::find("telit")
            .unwrap()
            .capabilities()
            .rsa_only
    );
    for t in FAMILIES {
        let c = certpack::target::find(t).unwrap().capabilities();
        assert!(c.no_encrypted_keys && !c.set_clock_hint.is_empty(), "{t}");
    }
}

#[test]
fn outputs_are_deterministic() {
    let bundle = load(&["aws/rsa"]);
    for target in FAMILIES {
        let p = family_params(target, vec![("endpoint", AWS_HOST)]);
        let a = certpack::target::pack(&bundle, target, &p)
            .unwrap()
            .all_files();
        let b = certpack::target::pack(&bundle, target, &p)
            .unwrap()
            .all_files();
        assert_eq!(a.len(), b.len());
        for ((n1, b1), (n2, b2)) in a.iter().zip(&b) {
            assert_eq!((n1, &b1[..]), (n2, &b2[..]), "{target}");
        }
    }
}

#[test]
fn a_caller_that_wants_only_the_payloads_gets_the_same_bytes_without_the_script() {
    for bundle_dir in ["aws/rsa", "aws/ec"] {
        let bundle = load(&[bundle_dir]);
        for target in FAMILIES {
            let p = family_params(target, vec![("endpoint", AWS_HOST)]);
            let Ok(full) = certpack::target::pack(&bundle, target, &p) else {
                // An RSA-only module and an EC key: refused either way.
                assert!(certpack::target::pack_wanted(&bundle, target, &p, &|_| false).is_err());
                continue;
            };
            let script = |f: &str| f == "script.txt" || f == "steps.json";
            let lean =
                certpack::target::pack_wanted(&bundle, target, &p, &|f: &str| !script(f)).unwrap();
            let kept: Vec<(&str, &[u8], bool)> = full
                .files
                .iter()
                .filter(|a| !script(&a.name))
                .map(|a| (a.name.as_str(), &a.bytes[..], a.secret))
                .collect();
            let built: Vec<(&str, &[u8], bool)> = lean
                .files
                .iter()
                .map(|a| (a.name.as_str(), &a.bytes[..], a.secret))
                .collect();
            assert_eq!(built, kept, "{target} {bundle_dir}");
            assert_eq!(lean.left_out, ["script.txt", "steps.json"], "{target}");
            assert!(full.left_out.is_empty());
            assert_eq!((&lean.readme, &lean.notes), (&full.readme, &full.notes));
            // The payloads' descriptions, commands and integrity values (the manifest) are the same too.
            let mut trimmed = full.clone();
            trimmed.files.retain(|a| !script(&a.name));
            assert_eq!(lean.manifest_json(), trimmed.manifest_json(), "{target}");
            // Wanting one of the two builds exactly that one, with the same bytes.
            let json_only =
                certpack::target::pack_wanted(&bundle, target, &p, &|f: &str| f != "script.txt")
                    .unwrap();
            assert_eq!(json_only.left_out, ["script.txt"]);
            assert_eq!(
                json_only.get("steps.json").map(|a| &a.bytes),
                full.get("steps.json").map(|a| &a.bytes),
                "{target}"
            );
        }
    }
}
