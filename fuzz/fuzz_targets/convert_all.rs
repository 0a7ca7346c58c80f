//! Every `convert::Form` (DER and PEM, one PEM style per input) on whatever loads; every file written must load
//! back to an object of the bundle (same certificate DER, same private key, same public key).
#![no_main]

use certpack::convert::{self, ConvertOptions, Form};
use certpack::encode::{Eol, PemStyle};
use certpack::item::Content;
use certpack::{Bundle, Input};
use certpack_fuzz::{check_error, load, options, split_inputs};
use libfuzzer_sys::fuzz_target;

fn same_object(a: &Content, b: &Content) -> bool {
    match (a, b) {
        (Content::Certificate(x), Content::Certificate(y)) => x.der() == y.der(),
        (Content::PrivateKey(x), Content::PrivateKey(y)) => x.pkcs8_der() == y.pkcs8_der(),
        (Content::PublicKey(x), Content::PublicKey(y)) => x.spki_der() == y.spki_der(),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let inputs = split_inputs(data);
    let Some(bundle) = load(&inputs) else {
        return;
    };
    let style = PemStyle {
        eol: if data.len().is_multiple_of(2) {
            Eol::Lf
        } else {
            Eol::CrLf
        },
        final_newline: !data.len().is_multiple_of(3),
    };
    for &form in Form::ALL {
        for pem in [false, true] {
            let options_ = ConvertOptions { form, pem, style };
            let artifacts = match convert::convert(&bundle, &options_) {
                Ok(a) => a,
                Err(err) => {
                    check_error(&err, &[]);
                    continue;
                }
            };
            for file in &artifacts.files {
                let input = [Input::from_bytes(file.name.clone(), file.bytes.to_vec())];
                let again = Bundle::load(&input, &options(false)).unwrap_or_else(|e| {
                    panic!("{form:?} pem={pem}: {} does not load: {e}", file.name)
                });
                assert_eq!(again.items().len(), 1, "{}", file.name);
                let item = &again.items()[0];
                let found = bundle.items().iter().any(|orig| {
                    same_object(&orig.content, &item.content)
                        || (form == Form::Spki
                            && orig.public_key().spki_der() == item.public_key().spki_der())
                });
                assert!(
                    found,
                    "{form:?} pem={pem}: {} is not an object of the bundle",
                    file.name
                );
                let is_key = matches!(item.content, Content::PrivateKey(_));
                assert_eq!(file.secret, is_key, "{}: secret flag", file.name);
            }
        }
    }
});
