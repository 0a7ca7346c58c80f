//! The AWS CLI JSON loader: the fuzz input as JSON when it starts with `{`, otherwise split at the separator into
//! certificatePem / keyPair.PrivateKey / keyPair.PublicKey strings of a well-formed document (so the fuzzer
//! reaches the escaping and PEM-in-JSON paths without having to learn JSON syntax).
#![no_main]

use certpack::Input;
use certpack_fuzz::{exercise, load, split_inputs};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let json = if data.first() == Some(&b'{') {
        data.to_vec()
    } else {
        let parts: Vec<String> = split_inputs(data)
            .iter()
            .map(|i| String::from_utf8_lossy(&i.bytes).into_owned())
            .collect();
        let field = |n: usize| parts.get(n).cloned().map(serde_json::Value::String);
        let mut doc = serde_json::json!({
            "certificateArn": "arn:aws:iot:eu-west-1:123456789012:cert/0",
            "certificateId": parts.get(3).cloned().unwrap_or_default(),
            "certificatePem": field(0),
            "keyPair": { "PublicKey": field(2), "PrivateKey": field(1) },
        });
        if data.len().is_multiple_of(5) {
            // `aws iot describe-certificate` nests the certificate.
            doc = serde_json::json!({ "certificateDescription": doc });
        }
        serde_json::to_vec_pretty(&doc).expect("serialise")
    };
    let inputs = [Input::from_bytes("keys.json", json)];
    if let Some(bundle) = load(&inputs) {
        exercise(&bundle);
    }
});
