//! Every generated file that holds private key material is marked secret (only secret files are wiped on drop,
//! so the flag is what keeps key bytes from lingering in freed memory).

use base64ct::{Base64, Encoding};
use certpack::{Bundle, LoadOptions, Params};

const ENDPOINT: &str = "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com";

fn load(dir: &str) -> Bundle {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/").to_string() + dir;
    Bundle::load_paths(&[path], &LoadOptions::default()).unwrap()
}

/// Fragments of the private part of the key as the targets write it: raw DER, PEM base64 lines, `0xNN` hex.
fn markers(bundle: &Bundle) -> Vec<Vec<u8>> {
    let key = bundle.require_key("test").unwrap();
    let public = [
        bundle.require_leaf("test").unwrap().der().to_vec(),
        key.public_key().spki_der().to_vec(),
    ];
    let is_public = |w: &[u8]| public.iter().any(|p| p.windows(w.len()).any(|x| x == w));
    let mut out = Vec::new();
    for der in [key.traditional_der(), key.pkcs8_der()] {
        // 8-byte windows that are not in the certificate or the public key: the private scalar/exponent.
        let private: Vec<&[u8]> = der[der.len() / 4..]
            .chunks_exact(8)
            .filter(|w| !is_public(w))
            .take(4)
            .collect();
        assert!(!private.is_empty());
        for w in private {
            out.push(w.to_vec());
            let hex: Vec<String> = w[..6].iter().map(|b| format!("0x{b:02x}")).collect();
            out.push(hex.join(", ").into_bytes());
            out.push(hex.join(",").into_bytes());
        }
        // A whole 64-column line of the PEM body (line 2: past the header bytes every key shares).
        let b64 = Base64::encode_string(&der);
        out.push(b64.as_bytes()[64..128].to_vec());
    }
    out
}

#[test]
fn files_with_key_material_are_secret() {
    for dir in ["aws/rsa", "aws/ec"] {
        let bundle = load(dir);
        let markers = markers(&bundle);
        let mut packed = 0;
        for target in certpack::target::all() {
            let mut params = Params::new();
            if target.params().iter().any(|p| p.name == "endpoint") {
                params.set("endpoint", ENDPOINT);
            }
            let Ok(out) = certpack::target::pack(&bundle, target.name(), &params) else {
                continue;
            };
            packed += 1;
            for a in &out.files {
                let holds_key = markers
                    .iter()
                    .any(|m| a.bytes.windows(m.len()).any(|w| w == &m[..]));
                if holds_key {
                    assert!(
                        a.secret,
                        "{dir} {}: {} holds the key",
                        target.name(),
                        a.name
                    );
                }
            }
        }
        assert!(packed >= 20, "{dir}: only {packed} targets packed");
    }
}
