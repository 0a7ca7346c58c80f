//! Helpers shared by the certpack fuzz targets: turning one fuzz input into inputs, loading with and without the
//! passphrase, exercising a bundle, and the invariants every error and every output must keep.
//!
//! The targets panic (and libFuzzer reports a crash) when certpack panics, runs out of memory, or breaks one of
//! these invariants: an error without a message, a fix or the input's name; a converted file that does not load
//! back to the same object; a file holding the private key that is not marked secret.

use certpack::check::{self, CheckOptions};
use certpack::time::Timestamp;
use certpack::{Bundle, Error, ErrorKind, Input, LoadOptions};
use zeroize::Zeroizing;

/// Separates inputs inside one fuzz input (`bundle_assemble`, `aws_json`); `seed.sh` writes the same bytes.
pub const SPLIT: &[u8] = b"\n--certpack-fuzz-next-input--\n";

/// The passphrase of `testdata/encrypted` and the vectors, so seeded encrypted keys decrypt.
pub const PASSPHRASE: &str = "correct horse";

/// 2030-01-01T00:00:00Z: a fixed "now" for checks (fuzzing must be deterministic).
pub const NOW: Timestamp = Timestamp(1_893_456_000);

/// Load options without or with [`PASSPHRASE`].
pub fn options(passphrase: bool) -> LoadOptions {
    LoadOptions {
        passphrase: passphrase.then(|| Zeroizing::new(PASSPHRASE.to_string())),
    }
}

/// Split `data` at [`SPLIT`] into at most 8 named inputs.
pub fn split_inputs(data: &[u8]) -> Vec<Input> {
    let mut parts = Vec::new();
    let mut rest = data;
    while parts.len() < 7 {
        match find(rest, SPLIT) {
            Some(at) => {
                parts.push(&rest[..at]);
                rest = &rest[at + SPLIT.len()..];
            }
            None => break,
        }
    }
    parts.push(rest);
    parts
        .into_iter()
        .enumerate()
        .map(|(n, bytes)| Input::from_bytes(format!("input-{n}.pem"), bytes))
        .collect()
}

/// First position of `needle` in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Every error says what is wrong, how to fix it, and (for load errors) which input it concerns.
pub fn check_error(err: &Error, inputs: &[Input]) {
    assert!(
        !err.message().is_empty(),
        "error without a message: {err:?}"
    );
    assert!(!err.hint().is_empty(), "error without a fix: {err}");
    if !inputs.is_empty() {
        let path = err
            .path()
            .unwrap_or_else(|| panic!("load error without the input's name: {err}"));
        assert!(
            inputs.iter().any(|i| i.name == path),
            "error names {path}, which is not an input: {err}"
        );
    }
}

/// Load `inputs` as certpack does; when the only problem is a missing passphrase, load again with it. Every
/// error is checked with [`check_error`].
pub fn load(inputs: &[Input]) -> Option<Bundle> {
    match Bundle::load(inputs, &options(false)) {
        Ok(bundle) => Some(bundle),
        Err(err) => {
            check_error(&err, inputs);
            if err.kind() != ErrorKind::Passphrase {
                return None;
            }
            match Bundle::load(inputs, &options(true)) {
                Ok(bundle) => Some(bundle),
                Err(err) => {
                    check_error(&err, inputs);
                    None
                }
            }
        }
    }
}

/// Touch every accessor and check that roles and indices agree.
pub fn exercise(bundle: &Bundle) {
    let items = bundle.items();
    if let Some(leaf) = bundle.leaf() {
        let cert = leaf.certificate().expect("the leaf is a certificate");
        let _ = (
            cert.subject(),
            cert.issuer(),
            cert.serial_hex(),
            cert.sha1_hex(),
        );
        let _ = (cert.not_before().rfc3339(), cert.not_after().rfc3339());
        assert!(bundle.leaf_index().is_some_and(|i| i < items.len()));
    }
    for item in bundle.chain().chain(bundle.roots()) {
        assert!(
            item.certificate().is_some(),
            "chain and roots hold certificates"
        );
    }
    if let Some(key) = bundle.key() {
        let key = key.private_key().expect("the key is a private key");
        let _ = (key.pkcs8_der(), key.traditional_der(), key.original_der());
        let _ = (key.pkcs1_der(), key.sec1_der());
    }
    let _ = (
        bundle.chain_root(),
        bundle.server_root(),
        bundle.key_matches_leaf(),
    );
    for result in [
        bundle.require_leaf("fuzz").map(|_| ()),
        bundle.require_key("fuzz").map(|_| ()),
        bundle.require_root("fuzz").map(|_| ()),
    ] {
        if let Err(err) = result {
            check_error(&err, &[]);
        }
    }
    let _ = format!("{bundle:?}");
}

/// Run every check for `target` (or none) and require a fix on every finding.
pub fn run_checks(bundle: &Bundle, target: Option<&'static dyn certpack::target::Target>) {
    let options = CheckOptions {
        target,
        now: Some(NOW),
        ..CheckOptions::default()
    };
    for finding in check::run(bundle, &options) {
        assert!(
            !finding.message.is_empty() && !finding.hint.is_empty(),
            "{finding:?}"
        );
    }
}

/// The key-material scanner of the key-hygiene tests (raw DER, hex, `0x..` tokens, base64 however wrapped).
#[allow(dead_code)]
#[path = "../../core/tests/common/keyscan.rs"]
mod keyscan;
pub use keyscan::KeyScan;

/// A scanner for the bundle's private key (4 base64 chunks per encoding keeps it fast), when it has a key with a
/// secret long enough to recognise. `None` as well when one of the bundle's certificates carries pieces of that
/// secret itself (the fuzzer copies bytes between inputs): a file holding that certificate is not a leak.
pub fn key_scan(bundle: &Bundle) -> Option<KeyScan> {
    let scan = KeyScan::try_new(bundle.key()?.private_key()?, 4)?;
    let in_a_certificate = bundle
        .items()
        .iter()
        .filter_map(|item| item.certificate())
        .any(|cert| {
            scan.found_in(cert.der()).is_some()
                || cert
                    .pem()
                    .is_ok_and(|pem| scan.found_in(pem.as_bytes()).is_some())
        });
    (!in_a_certificate).then_some(scan)
}

/// An optional first line `params: name=value;name=value` of a fuzz input, and the rest.
pub fn split_params(data: &[u8]) -> (Vec<(String, String)>, &[u8]) {
    let Some(rest) = data.strip_prefix(b"params:") else {
        return (Vec::new(), data);
    };
    let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let line = String::from_utf8_lossy(&rest[..end]);
    let params = line
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    (params, rest.get(end + 1..).unwrap_or_default())
}
