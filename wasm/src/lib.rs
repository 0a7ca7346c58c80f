//! WebAssembly bindings: type and error conversion only. Every operation forwards to `certpack::api`; results
//! cross as JSON parsed into plain JS objects plus the exact bytes as `Uint8Array`s.
#![forbid(unsafe_code)]

use certpack::api::{self, CheckRequest, PackOptions};
use certpack::convert::{ConvertOptions, Form};
use certpack::encode::{Eol, PemStyle};
use certpack::{ErrorKind, Input, LoadOptions, Params};
use js_sys::{Array, Object, Reflect, Uint8Array, JSON};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** The stable code of a certpack error (`err.kind`). */
export type ErrorKind = "io" | "unknown-format" | "pem" | "der" | "json" | "unsupported-key" | "passphrase"
  | "too-large" | "target" | "missing" | "container" | "check-failed" | "output-exists" | "invalid-argument";

/** What every certpack function throws: a JS `Error` named `CertpackError`. */
export interface CertpackError extends Error {
  name: "CertpackError";
  /** Stable code to branch on. */
  kind: ErrorKind;
  /** How to fix it. */
  hint: string;
  /** What is wrong, without the input name and fix (`message` has all three). */
  detail: string;
  /** The input it concerns (its name), or null. */
  path: string | null;
  /** Where in that input (`line 3`, `byte 17`), or null. */
  location: string | null;
}

/** One input file. */
export interface InputFile {
  /** File name (shown in errors and notes; never used to guess the format). */
  name: string;
  /** The file's bytes. */
  bytes: Uint8Array;
  /** True for files found in a folder or zip: files that are not certificates or keys are then skipped with a note. */
  fromFolder?: boolean;
}

/** A parameter a target accepts. */
export interface ParamInfo { name: string; help: string; default: string | null; }

/** An output target, as `certpack targets` lists it. */
export interface TargetInfo {
  name: string;
  /** `files`, `espressif`, `source` or `module`. */
  family: string;
  summary: string;
  params: ParamInfo[];
}

/** One item of a bundle, as `certpack inspect --json` reports it. */
export interface ItemReport {
  path: string;
  role: "leaf" | "intermediate" | "root" | "private-key" | "public-key";
  encoding: string;
  label?: string;
  line?: number;
  key_algorithm: string;
  key_form?: string;
  subject?: string;
  issuer?: string;
  serial?: string;
  /** RFC 3339 UTC. */
  not_before?: string;
  /** RFC 3339 UTC. */
  not_after?: string;
  /** SHA-256 of the DER: the AWS certificate ID. */
  sha256?: string;
  /** SHA-1 of the DER: the Azure thumbprint. */
  sha1?: string;
  is_ca?: boolean;
  notes: string[];
}

/** The inspection report with the positions (indices into `items`) of the bundle's parts. */
export interface BundleReport {
  items: ItemReport[];
  certificate_id: string | null;
  key_matches_leaf: boolean | null;
  notes: string[];
  leaf: number | null;
  key: number | null;
  chain: number[];
  roots: number[];
}

/** One `check` diagnostic. */
export interface Finding {
  code: string;
  severity: "error" | "warning" | "info";
  message: string;
  hint: string;
  path?: string;
}

/** Options of `check`. */
export interface CheckOptions {
  target?: string;
  endpoint?: string;
  /** The device's clock: `2024-05-01`, `2024-05-01T12:00:00Z`, or Unix seconds. */
  deviceTime?: string | number;
  /** The current time in milliseconds: pass `Date.now()` (certpack never reads the clock). */
  now?: number;
  expiryWarningDays?: number;
}

/** Options of `pack`. */
export interface PackOptions {
  /** Run `check` first and refuse on errors (default true). */
  check?: boolean;
  /** Write even when `check` finds errors. */
  force?: boolean;
  /** The current time in milliseconds: pass `Date.now()`. */
  now?: number;
  deviceTime?: string | number;
}

/** Options of `convert` (PEM text shape, as `certpack convert`). */
export interface ConvertOptions { pem?: boolean; crlf?: boolean; finalNewline?: boolean; }

/** One output file. */
export interface OutputFile {
  name: string;
  /** The exact bytes, identical to the CLI's. */
  bytes: Uint8Array;
  size: number;
  sha256: string;
  description: string;
  /** Contains private key material. */
  secret: boolean;
  /** UTF-8 text worth previewing. */
  text: boolean;
  flash?: { partition: string; offset: number; size: number };
  at_command?: string;
  meta?: Record<string, string>;
}

/** What `pack` or `convert` produced (`pack` includes `manifest.json` and `README.txt`). */
export interface Output {
  target: string;
  files: OutputFile[];
  readme: string;
  notes: string[];
  findings: Finding[];
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `CheckOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "CheckOptions")]
    pub type CheckOptionsArg;
    /// `PackOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "PackOptions")]
    pub type PackOptionsArg;
    /// `ConvertOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "ConvertOptions")]
    pub type ConvertOptionsArg;
    /// Target parameters in TypeScript.
    #[wasm_bindgen(typescript_type = "Record<string, string | number | boolean>")]
    pub type ParamsArg;
}

/// Map a core error to a JS `Error` carrying `kind`, `hint`, `detail`, `path` and `location` (the one place).
fn to_js(err: certpack::Error) -> JsValue {
    let e = js_sys::Error::new(&err.to_string());
    e.set_name("CertpackError");
    let location = err.location().map(|l| l.to_string());
    let fields: [(&str, Option<&str>); 5] = [
        ("kind", Some(err.kind().code())),
        ("hint", Some(err.hint())),
        ("detail", Some(err.message())),
        ("path", err.path()),
        ("location", location.as_deref()),
    ];
    for (name, value) in fields {
        let value = value.map_or(JsValue::NULL, JsValue::from);
        let _ = Reflect::set(&e, &name.into(), &value);
    }
    e.into()
}

/// A malformed argument from JS (wrong type of a field), as a `CertpackError` of kind `invalid-argument`.
fn bad_argument(what: &str, expected: &str) -> JsValue {
    to_js(certpack::Error::new(
        ErrorKind::InvalidArgument,
        format!("{what} must be {expected}"),
        "see the TypeScript types in certpack_wasm.d.ts",
    ))
}

fn field(object: &JsValue, name: &str) -> JsValue {
    if object.is_object() {
        Reflect::get(object, &name.into()).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// A string, number or boolean as text (`None` for undefined/null).
fn text(value: &JsValue, name: &str) -> Result<Option<String>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if let Some(n) = value.as_f64() {
        return Ok(Some(format!("{n}")));
    }
    if let Some(b) = value.as_bool() {
        return Ok(Some(b.to_string()));
    }
    value
        .as_string()
        .map(Some)
        .ok_or_else(|| bad_argument(name, "a string"))
}

fn opt_string(object: &JsValue, name: &str) -> Result<Option<String>, JsValue> {
    text(&field(object, name), name)
}

fn opt_number(object: &JsValue, name: &str) -> Result<Option<f64>, JsValue> {
    let value = field(object, name);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .as_f64()
        .filter(|n| n.is_finite())
        .map(Some)
        .ok_or_else(|| bad_argument(name, "a finite number"))
}

fn opt_bool(object: &JsValue, name: &str, default: bool) -> Result<bool, JsValue> {
    let value = field(object, name);
    if value.is_undefined() || value.is_null() {
        return Ok(default);
    }
    value
        .as_bool()
        .ok_or_else(|| bad_argument(name, "true or false"))
}

/// Milliseconds (`Date.now()`) to Unix seconds.
fn now_seconds(object: &JsValue) -> Result<Option<i64>, JsValue> {
    Ok(opt_number(object, "now")?.map(|ms| (ms / 1000.0).floor() as i64))
}

fn parse_json(text: &str) -> Result<JsValue, JsValue> {
    JSON::parse(text)
}

/// The output's metadata as a JS object, each file with its `bytes`.
fn output_to_js(out: &api::Output) -> Result<JsValue, JsValue> {
    let value = parse_json(&out.to_json())?;
    let files = Array::from(&field(&value, "files"));
    for (n, file) in out.files.iter().enumerate() {
        let bytes = Uint8Array::from(&file.bytes[..]);
        Reflect::set(&files.get(n as u32), &"bytes".into(), &bytes)?;
    }
    Ok(value)
}

/// certpack's version.
#[wasm_bindgen]
pub fn version() -> String {
    certpack::VERSION.to_string()
}

/// Every output target with its parameters, in listing order (new targets appear here by themselves).
#[wasm_bindgen(unchecked_return_type = "TargetInfo[]")]
pub fn targets() -> Result<JsValue, JsValue> {
    parse_json(&api::targets_json())
}

/// Every error kind code (`err.kind` values).
#[wasm_bindgen(js_name = errorKinds, unchecked_return_type = "ErrorKind[]")]
pub fn error_kinds() -> Array {
    ErrorKind::ALL
        .iter()
        .map(|k| JsValue::from(k.code()))
        .collect()
}

/// A device credential bundle: leaf certificate, chain, roots and private key, roles assigned by content.
#[wasm_bindgen]
pub struct Bundle {
    inner: certpack::Bundle,
}

#[wasm_bindgen]
impl Bundle {
    /// Load a bundle from files (`{name, bytes, fromFolder?}`); `passphrase` decrypts an encrypted PKCS#8 key.
    /// Throws a `CertpackError`.
    pub fn load(
        #[wasm_bindgen(unchecked_param_type = "InputFile[]")] files: Array,
        passphrase: Option<String>,
    ) -> Result<Bundle, JsValue> {
        let mut inputs = Vec::new();
        for file in files.iter() {
            let name =
                opt_string(&file, "name")?.ok_or_else(|| bad_argument("name", "a string"))?;
            let bytes = field(&file, "bytes");
            if !bytes.is_instance_of::<Uint8Array>() {
                return Err(bad_argument("bytes", "a Uint8Array"));
            }
            let mut input = Input::from_bytes(name, Uint8Array::from(bytes).to_vec());
            input.from_folder = opt_bool(&file, "fromFolder", false)?;
            inputs.push(input);
        }
        let options = LoadOptions {
            passphrase: passphrase.map(Zeroizing::new),
        };
        certpack::Bundle::load(&inputs, &options)
            .map(|inner| Bundle { inner })
            .map_err(to_js)
    }

    /// Items (role, subject, validity, certificate ID, notes), key match and the positions of leaf, key,
    /// chain and roots.
    #[wasm_bindgen(unchecked_return_type = "BundleReport")]
    pub fn inspect(&self) -> Result<JsValue, JsValue> {
        parse_json(&api::inspect(&self.inner).to_json())
    }

    /// Run every check (for `options.target` and `options.endpoint` when given); errors first.
    #[wasm_bindgen(unchecked_return_type = "Finding[]")]
    pub fn check(&self, options: Option<CheckOptionsArg>) -> Result<JsValue, JsValue> {
        let options = JsValue::from(options);
        let request = CheckRequest {
            target: opt_string(&options, "target")?,
            endpoint: opt_string(&options, "endpoint")?,
            device_time: opt_string(&options, "deviceTime")?,
            now: now_seconds(&options)?,
            expiry_warning_days: opt_number(&options, "expiryWarningDays")?.map(|d| d as u32),
        };
        let findings = api::check(&self.inner, &request).map_err(to_js)?;
        parse_json(&api::findings_json(&findings))
    }

    /// The files for `target` plus `manifest.json` and `README.txt`, byte-identical to `certpack pack`.
    /// Runs `check` first and throws a `CertpackError` of kind `check-failed` on errors unless `options.force`.
    #[wasm_bindgen(unchecked_return_type = "Output")]
    pub fn pack(
        &self,
        target: &str,
        params: Option<ParamsArg>,
        options: Option<PackOptionsArg>,
    ) -> Result<JsValue, JsValue> {
        let options = JsValue::from(options);
        let mut p = Params::new();
        if let Some(params) = params.map(JsValue::from).filter(JsValue::is_object) {
            for entry in Object::entries(&Object::from(params)).iter() {
                let pair = Array::from(&entry);
                let name = pair.get(0).as_string().unwrap_or_default();
                if let Some(value) = text(&pair.get(1), &name)? {
                    p.set(&name, value);
                }
            }
        }
        let pack_options = PackOptions {
            check: opt_bool(&options, "check", true)?
                .then(|| -> Result<CheckRequest, JsValue> {
                    Ok(CheckRequest {
                        now: now_seconds(&options)?,
                        device_time: opt_string(&options, "deviceTime")?,
                        ..Default::default()
                    })
                })
                .transpose()?,
            force: opt_bool(&options, "force", false)?,
        };
        let out = api::pack(&self.inner, target, &p, &pack_options).map_err(to_js)?;
        output_to_js(&out)
    }

    /// Every item in one form (`der`, `pem`, `pkcs1`, `pkcs8`, `sec1`, `spki`), byte-identical to
    /// `certpack convert`.
    #[wasm_bindgen(unchecked_return_type = "Output")]
    pub fn convert(
        &self,
        form: &str,
        options: Option<ConvertOptionsArg>,
    ) -> Result<JsValue, JsValue> {
        let options = JsValue::from(options);
        let options = ConvertOptions {
            form: Form::parse(form).map_err(to_js)?,
            pem: opt_bool(&options, "pem", false)?,
            style: PemStyle {
                eol: if opt_bool(&options, "crlf", false)? {
                    Eol::CrLf
                } else {
                    Eol::Lf
                },
                final_newline: opt_bool(&options, "finalNewline", true)?,
            },
        };
        let out = api::convert(&self.inner, &options).map_err(to_js)?;
        output_to_js(&out)
    }
}
