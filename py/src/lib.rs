//! Python bindings (`certpack._native`): type and error conversion only. Every operation forwards to
//! `certpack::api`; results cross as JSON text plus the exact bytes, and the thin layer in
//! `python/certpack/__init__.py` turns them into Python objects.
#![forbid(unsafe_code)]

use std::ffi::CString;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::RecvTimeoutError;

use certpack::api::{self, CheckRequest, PackOptions};
use certpack::batch::BatchOptions;
use certpack::convert::{ConvertOptions, Form};
use certpack::encode::{Eol, PemStyle};
use certpack::output::{write_files as write_outputs, Guard};
use certpack::{ErrorKind, Input, LoadOptions, Params};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple, PyType};
use zeroize::Zeroizing;

/// mimalloc for the extension's own allocations, as in the CLI (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The exception classes: `CertpackError` and one subclass per [`ErrorKind`], made once at import.
struct Exceptions {
    base: Py<PyType>,
    kinds: Vec<(ErrorKind, Py<PyType>)>,
}

static EXCEPTIONS: PyOnceLock<Exceptions> = PyOnceLock::new();

/// `unknown-format` -> `UnknownFormatError`.
fn class_name(code: &str) -> String {
    let mut name: String = code
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    name.push_str("Error");
    name
}

fn cstring(text: &str) -> PyResult<CString> {
    CString::new(text).map_err(|e| PyException::new_err(e.to_string()))
}

fn make_exceptions(py: Python<'_>) -> PyResult<Exceptions> {
    let base = PyErr::new_type(
        py,
        &cstring("certpack.CertpackError")?,
        Some(&cstring(
            "Any certpack error. Attributes: kind (stable code), message, hint (the fix), path (the input), location.",
        )?),
        Some(&py.get_type::<PyException>()),
        None,
    )?;
    let mut kinds = Vec::new();
    for &kind in ErrorKind::ALL {
        let doc = format!(
            "{} Raised with kind \"{}\".",
            api::error_kind_summary(kind),
            kind.code()
        );
        let class = PyErr::new_type(
            py,
            &cstring(&format!("certpack.{}", class_name(kind.code())))?,
            Some(&cstring(&doc)?),
            Some(base.bind(py)),
            None,
        )?;
        kinds.push((kind, class));
    }
    Ok(Exceptions { base, kinds })
}

/// An exception instance of `class` with `str(e) == text` and the given attributes.
fn exception(class: &Bound<'_, PyType>, text: &str, attributes: &[(&str, Option<&str>)]) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let value = class.call1((text,))?;
        for (name, field) in attributes {
            value.setattr(*name, *field)?;
        }
        Ok(PyErr::from_value(value))
    };
    build().unwrap_or_else(|e| e)
}

/// Map a core error to its Python exception (the one place errors are converted).
fn to_py(py: Python<'_>, err: &certpack::Error) -> PyErr {
    let Some(exceptions) = EXCEPTIONS.get(py) else {
        return PyException::new_err(err.to_string());
    };
    let class = exceptions
        .kinds
        .iter()
        .find(|(k, _)| *k == err.kind())
        .map_or(&exceptions.base, |(_, c)| c);
    let location = err.location().map(|l| l.to_string());
    exception(
        class.bind(py),
        &err.to_string(),
        &[
            ("kind", Some(err.kind().code())),
            ("message", Some(err.message())),
            ("hint", Some(err.hint())),
            ("path", err.path()),
            ("location", location.as_deref()),
        ],
    )
}

/// Run `f`; a core error becomes its exception, and a panic (a certpack bug) becomes a plain `CertpackError`
/// without panic text.
fn guarded<T>(py: Python<'_>, f: impl FnOnce() -> certpack::Result<T>) -> PyResult<T> {
    settle(py, std::panic::catch_unwind(AssertUnwindSafe(f)))
}

/// [`guarded`] with the GIL released while `f` runs (a fleet takes seconds; other Python threads go on).
fn detached<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> certpack::Result<T> + Send,
) -> PyResult<T> {
    settle(
        py,
        py.detach(|| std::panic::catch_unwind(AssertUnwindSafe(f))),
    )
}

fn settle<T>(py: Python<'_>, outcome: std::thread::Result<certpack::Result<T>>) -> PyResult<T> {
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(to_py(py, &err)),
        Err(_) => Err(internal_error(py)),
    }
}

fn internal_error(py: Python<'_>) -> PyErr {
    let message = "certpack hit an internal error (a bug in certpack, not in your files)";
    let Some(exceptions) = EXCEPTIONS.get(py) else {
        return PyException::new_err(message);
    };
    exception(
        exceptions.base.bind(py),
        message,
        &[
            ("kind", Some("internal")),
            ("message", Some(message)),
            (
                "hint",
                Some("please report it with the command and, if you can, the input files"),
            ),
            ("path", None),
            ("location", None),
        ],
    )
}

/// One input: a path (file or folder), or bytes with an optional name.
#[derive(FromPyObject)]
enum Source<'py> {
    Named(Option<String>, Bound<'py, PyBytes>),
    Path(PathBuf),
}

/// A loaded bundle (wrapped by `certpack.Bundle`).
#[pyclass(module = "certpack._native", name = "Bundle", frozen)]
struct PyBundle {
    inner: certpack::Bundle,
}

/// What `pack` or `convert` produced (wrapped by `certpack.Artifacts`). Kept on the Rust side: the metadata
/// becomes JSON and the files become `bytes` only when Python asks for them; secret files are wiped on drop.
#[pyclass(module = "certpack._native", name = "Output", frozen)]
struct PyOutput {
    inner: api::Output,
}

#[pymethods]
impl PyOutput {
    /// Everything but the bytes, as JSON (`files[i]` describes `data()[i]`).
    fn info_json(&self) -> String {
        self.inner.to_json()
    }

    /// Every file's bytes, in writing order.
    fn data<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyBytes>> {
        self.inner
            .files
            .iter()
            .map(|f| PyBytes::new(py, &f.bytes))
            .collect()
    }

    /// Every file's name, in writing order.
    fn names(&self) -> Vec<String> {
        self.inner.files.iter().map(|f| f.name.clone()).collect()
    }
}

#[pymethods]
impl PyBundle {
    /// The inspection report (items, certificate ID, key match, notes, positions) as JSON.
    fn report_json(&self) -> String {
        api::inspect(&self.inner).to_json()
    }

    /// The AWS IoT certificate ID of the leaf.
    fn certificate_id(&self) -> Option<String> {
        self.inner.certificate_id()
    }

    /// Whether the private key belongs to the leaf.
    fn key_matches_leaf(&self) -> Option<bool> {
        self.inner.key_matches_leaf()
    }

    /// Run every check; findings as JSON.
    #[pyo3(signature = (target=None, endpoint=None, device_time=None, now=None, expiry_warning_days=None))]
    fn check_json(
        &self,
        py: Python<'_>,
        target: Option<String>,
        endpoint: Option<String>,
        device_time: Option<String>,
        now: Option<i64>,
        expiry_warning_days: Option<u32>,
    ) -> PyResult<String> {
        let request = CheckRequest {
            target,
            endpoint,
            device_time,
            now,
            expiry_warning_days,
        };
        guarded(py, || {
            api::check(&self.inner, &request).map(|f| api::findings_json(&f))
        })
    }

    /// Pack for `target`; with `check`, refuse on check errors unless `force`.
    #[pyo3(signature = (target, params, check, force, now=None, device_time=None))]
    #[allow(clippy::too_many_arguments)]
    fn pack(
        &self,
        py: Python<'_>,
        target: &str,
        params: Vec<(String, String)>,
        check: bool,
        force: bool,
        now: Option<i64>,
        device_time: Option<String>,
    ) -> PyResult<PyOutput> {
        let p = params_of(params);
        let options = PackOptions {
            check: check.then(|| CheckRequest {
                now,
                device_time,
                ..Default::default()
            }),
            force,
        };
        guarded(py, || api::pack(&self.inner, target, &p, &options)).map(|inner| PyOutput { inner })
    }

    /// Convert every item into `form`.
    #[pyo3(signature = (form, pem, crlf, final_newline))]
    fn convert(
        &self,
        py: Python<'_>,
        form: &str,
        pem: bool,
        crlf: bool,
        final_newline: bool,
    ) -> PyResult<PyOutput> {
        guarded(py, || {
            let options = ConvertOptions {
                form: Form::parse(form)?,
                pem,
                style: PemStyle {
                    eol: if crlf { Eol::CrLf } else { Eol::Lf },
                    final_newline,
                },
            };
            api::convert(&self.inner, &options)
        })
        .map(|inner| PyOutput { inner })
    }
}

/// Load a bundle from paths (files or folders) and `(name or None, bytes)` pairs.
#[pyfunction]
#[pyo3(signature = (sources, passphrase=None))]
fn load(
    py: Python<'_>,
    sources: Vec<Source<'_>>,
    passphrase: Option<String>,
) -> PyResult<PyBundle> {
    guarded(py, || {
        let mut inputs = Vec::new();
        for (n, source) in sources.iter().enumerate() {
            match source {
                Source::Path(path) => inputs.extend(Input::read_path(path)?),
                Source::Named(Some(name), bytes) => {
                    inputs.push(Input::from_bytes(name.as_str(), bytes.as_bytes()))
                }
                Source::Named(None, bytes) => {
                    inputs.push(api::unnamed_input(n + 1, bytes.as_bytes()))
                }
            }
        }
        let options = LoadOptions {
            passphrase: passphrase.map(Zeroizing::new),
        };
        certpack::Bundle::load(&inputs, &options).map(|inner| PyBundle { inner })
    })
}

/// Every target with its parameters, as JSON.
#[pyfunction]
fn targets_json() -> String {
    api::targets_json()
}

/// Write `files` under `directory` atomically, never over one of `inputs`, nor over existing files unless `force`.
#[pyfunction]
fn write_files(
    py: Python<'_>,
    directory: PathBuf,
    files: Vec<(String, Bound<'_, PyBytes>)>,
    inputs: Vec<PathBuf>,
    force: bool,
) -> PyResult<Vec<PathBuf>> {
    let files: Vec<(String, Zeroizing<Vec<u8>>)> = files
        .iter()
        .map(|(name, bytes)| (name.clone(), Zeroizing::new(bytes.as_bytes().to_vec())))
        .collect();
    guarded(py, || {
        write_outputs(&directory, &files, &Guard::new(&inputs, force))
    })
}

/// Run a fleet batch (docs/batch.md) with the worker threads of the core and the GIL released; returns the
/// summary as JSON. Ctrl-C (or any exception a signal handler raises) stops it: devices under way finish, no other
/// starts, no summary is written, and the exception is raised; running the batch again does the rest.
#[pyfunction]
#[pyo3(signature = (fleet, targets, out_dir, params, force, passphrase=None, now=None, files=Vec::new()))]
#[allow(clippy::too_many_arguments)]
fn batch(
    py: Python<'_>,
    fleet: FleetSource,
    targets: Vec<String>,
    out_dir: PathBuf,
    params: Vec<(String, String)>,
    force: bool,
    passphrase: Option<String>,
    now: Option<i64>,
    files: Vec<String>,
) -> PyResult<String> {
    let devices = detached(py, || fleet.devices())?;
    let pool = detached(py, certpack::batch::shared_pool)?;
    let options = BatchOptions {
        out_dir,
        ..batch_options(targets, params, force, passphrase, now, files)
    };
    let stop = AtomicBool::new(false);
    let (done, mut outcome) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let run =
                || pool.install(|| certpack::batch::run_until(&devices, &options, &|_| {}, &stop));
            // The receiver waits until this is sent, so it cannot have gone.
            let _ = done.send(std::panic::catch_unwind(AssertUnwindSafe(run)));
        });
        // Python runs signal handlers on its main thread only: wait here with the GIL released and look for one
        // every 50 ms (the receiver goes into the wait and comes back, as a borrowed one could not).
        let mut interrupted = None;
        loop {
            let received;
            (outcome, received) = py.detach(move || {
                let received = outcome.recv_timeout(std::time::Duration::from_millis(50));
                (outcome, received)
            });
            match received {
                Ok(result) => {
                    if let Some(err) = interrupted {
                        return Err(err);
                    }
                    return match settle(py, result)? {
                        Some(summary) => Ok(summary.to_json()),
                        None => Err(internal_error(py)),
                    };
                }
                Err(RecvTimeoutError::Timeout) => {
                    if interrupted.is_none() {
                        if let Err(err) = py.check_signals() {
                            stop.store(true, Ordering::Relaxed);
                            interrupted = Some(err);
                        }
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return Err(internal_error(py)),
            }
        }
    })
}

/// Where a fleet's devices are: a fleet folder or manifest to read, or the device folders themselves.
#[derive(FromPyObject)]
enum FleetSource {
    Path(PathBuf),
    Folders(Vec<PathBuf>),
}

impl FleetSource {
    fn devices(&self) -> certpack::Result<Vec<certpack::batch::Device>> {
        match self {
            FleetSource::Path(path) => certpack::batch::discover(path),
            FleetSource::Folders(folders) => certpack::batch::devices_in_folders(folders),
        }
    }
}

/// A fleet packed in memory chunk by chunk ([`certpack::batch::FleetChunks`]): iterating gives, per chunk, a list
/// of per-device tuples `(device, certificate_id, expiry, findings, error, {path: bytes})`, `error` being the
/// exception. The next chunk packs on the core's worker threads while Python handles the current one.
#[pyclass(module = "certpack._native", name = "Fleet", frozen)]
struct PyFleet {
    /// The number of devices, kept apart so `len()` never waits for the lock a packing chunk holds.
    devices: usize,
    chunks: std::sync::Mutex<certpack::batch::FleetChunks>,
    /// The file names of the last device and the tuple of interned Python strings made of them: every device
    /// of a fleet has the same names in the same order, so devices share one tuple instead of each building a
    /// dict.
    names: std::sync::Mutex<(Vec<String>, Option<Py<PyTuple>>)>,
}

#[pymethods]
impl PyFleet {
    /// Find the devices of `fleet` (a fleet folder or manifest, or a list of device folders), check the options
    /// (an unknown target, pattern or parameter raises here) and start packing the first `chunk` devices.
    #[new]
    #[pyo3(signature = (fleet, targets, params, force, passphrase=None, now=None, files=Vec::new(), chunk=32))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        fleet: FleetSource,
        targets: Vec<String>,
        params: Vec<(String, String)>,
        force: bool,
        passphrase: Option<String>,
        now: Option<i64>,
        files: Vec<String>,
        chunk: usize,
    ) -> PyResult<PyFleet> {
        guarded(py, || {
            let devices = fleet.devices()?;
            let options = batch_options(targets, params, force, passphrase, now, files);
            let chunks = certpack::batch::FleetChunks::new(devices, options, chunk)?;
            Ok(PyFleet {
                devices: chunks.devices(),
                chunks: std::sync::Mutex::new(chunks),
                names: Default::default(),
            })
        })
    }

    fn __len__(&self) -> usize {
        self.devices
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// The next chunk's devices, waiting for it with the GIL released.
    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Vec<Bound<'py, PyTuple>>>> {
        let Some(chunk) = detached(py, || Ok(self.lock().next()))? else {
            return Ok(None);
        };
        let mut names = self
            .names
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let devices = chunk
            .iter()
            .map(|d| {
                let (known, shared) = &mut *names;
                let same = known.len() == d.files.len()
                    && known.iter().zip(&d.files).all(|(k, f)| *k == f.name);
                let file_names = match shared {
                    Some(tuple) if same => tuple.bind(py).clone(),
                    // A failed device has no files: the fleet's names stay for the next one.
                    _ if d.files.is_empty() => PyTuple::empty(py),
                    _ => {
                        let tuple = PyTuple::new(
                            py,
                            d.files.iter().map(|f| PyString::intern(py, &f.name)),
                        )?;
                        *known = d.files.iter().map(|f| f.name.clone()).collect();
                        *shared = Some(tuple.clone().unbind());
                        tuple
                    }
                };
                let contents =
                    PyTuple::new(py, d.files.iter().map(|f| PyBytes::new(py, &f.bytes)))?;
                let error = d.error.as_ref().map(|e| to_py(py, e).into_value(py));
                (
                    &d.device,
                    &d.certificate_id,
                    &d.expiry,
                    &d.findings,
                    error,
                    file_names,
                    contents,
                )
                    .into_pyobject(py)
            })
            .collect::<PyResult<Vec<_>>>()?;
        certpack::batch::FleetChunks::release(chunk);
        Ok(Some(devices))
    }
}

impl PyFleet {
    /// The chunks; a panic while packing (raised as an internal error) leaves them usable.
    fn lock(&self) -> std::sync::MutexGuard<'_, certpack::batch::FleetChunks> {
        self.chunks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The options `batch` and `Fleet` take from Python (no output folder: `batch` adds its own).
fn batch_options(
    targets: Vec<String>,
    params: Vec<(String, String)>,
    force: bool,
    passphrase: Option<String>,
    now: Option<i64>,
    files: Vec<String>,
) -> BatchOptions {
    BatchOptions {
        targets,
        params: params_of(params),
        load: LoadOptions {
            passphrase: passphrase.map(Zeroizing::new),
        },
        force,
        now: now.map(certpack::time::Timestamp),
        files,
        ..Default::default()
    }
}

fn params_of(pairs: Vec<(String, String)>) -> Params {
    let mut params = Params::new();
    for (name, value) in pairs {
        params.set(&name, value);
    }
    params
}

/// The native module `certpack._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    // A panic is caught and reported as CertpackError; the default hook would print its text.
    std::panic::set_hook(Box::new(|_| {}));
    let exceptions = EXCEPTIONS.get_or_try_init(py, || make_exceptions(py))?;
    m.add("__version__", certpack::VERSION)?;
    m.add("CertpackError", exceptions.base.clone_ref(py))?;
    let by_kind = PyDict::new(py);
    for (kind, class) in &exceptions.kinds {
        m.add(class_name(kind.code()).as_str(), class.clone_ref(py))?;
        by_kind.set_item(kind.code(), class.clone_ref(py))?;
    }
    m.add("ERROR_KINDS", by_kind)?;
    m.add_class::<PyBundle>()?;
    m.add_class::<PyOutput>()?;
    m.add_class::<PyFleet>()?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(targets_json, m)?)?;
    m.add_function(wrap_pyfunction!(write_files, m)?)?;
    m.add_function(wrap_pyfunction!(batch, m)?)?;
    Ok(())
}
