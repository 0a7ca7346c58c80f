//! WebAssembly bindings: type and error conversion only; all logic is in the `certpack` crate.
#![forbid(unsafe_code)]

use wasm_bindgen::prelude::*;

/// Map a core error to a JS `Error` carrying `kind` and `hint` (one place).
fn to_js(err: certpack::Error) -> JsValue {
    let e = js_sys::Error::new(&err.to_string());
    e.set_name("CertpackError");
    let _ = js_sys::Reflect::set(&e, &"kind".into(), &err.kind().code().into());
    let _ = js_sys::Reflect::set(&e, &"hint".into(), &err.hint().into());
    let _ = js_sys::Reflect::set(
        &e,
        &"path".into(),
        &err.path().map(JsValue::from).unwrap_or(JsValue::NULL),
    );
    e.into()
}

/// certpack's version.
#[wasm_bindgen]
pub fn version() -> String {
    certpack::VERSION.to_string()
}

/// Convert one input file (`name`, `bytes`) into `form` (der, pem, pkcs1, pkcs8, sec1, spki); returns the first
/// output's bytes.
#[wasm_bindgen(js_name = convertOne)]
pub fn convert_one(name: &str, bytes: &[u8], form: &str) -> Result<Vec<u8>, JsValue> {
    let bundle = certpack::Bundle::load(
        &[certpack::Input::from_bytes(name, bytes)],
        &Default::default(),
    )
    .map_err(to_js)?;
    let options = certpack::convert::ConvertOptions::new(
        certpack::convert::Form::parse(form).map_err(to_js)?,
    );
    let out = certpack::convert::convert(&bundle, &options).map_err(to_js)?;
    Ok(out
        .files
        .first()
        .map(|a| a.bytes.to_vec())
        .unwrap_or_default())
}
