//! Python bindings: type and error conversion only; all logic is in the `certpack` crate.
#![forbid(unsafe_code)]

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// Map a core error to a Python exception (one place).
fn to_py(err: certpack::Error) -> PyErr {
    PyValueError::new_err(format!("[{}] {err}", err.kind().code()))
}

/// Convert every item of the inputs (`(name, bytes)` pairs) into `form`; returns `(file name, bytes)` pairs.
#[pyfunction]
#[pyo3(signature = (inputs, form, pem=false, passphrase=None))]
fn convert<'py>(
    py: Python<'py>,
    inputs: Vec<(String, Vec<u8>)>,
    form: &str,
    pem: bool,
    passphrase: Option<String>,
) -> PyResult<Vec<(String, Bound<'py, PyBytes>)>> {
    let inputs: Vec<certpack::Input> = inputs
        .into_iter()
        .map(|(n, b)| certpack::Input::from_bytes(n, b))
        .collect();
    let options = certpack::LoadOptions {
        passphrase: passphrase.map(zeroize::Zeroizing::new),
    };
    let bundle = certpack::Bundle::load(&inputs, &options).map_err(to_py)?;
    let mut convert = certpack::convert::ConvertOptions::new(
        certpack::convert::Form::parse(form).map_err(to_py)?,
    );
    convert.pem = pem;
    let out = certpack::convert::convert(&bundle, &convert).map_err(to_py)?;
    Ok(out
        .files
        .iter()
        .map(|a| (a.name.clone(), PyBytes::new(py, &a.bytes)))
        .collect())
}

/// The native module `certpack._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", certpack::VERSION)?;
    m.add_function(wrap_pyfunction!(convert, m)?)?;
    Ok(())
}
