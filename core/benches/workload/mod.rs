//! The reference per-device workload of the fleet benchmark (issue 9, docs/performance.md), shared by the
//! criterion bench and the profiling example: load leaf + key + root PEM, check the key matches, produce the
//! certificate / key / root DER, the PKCS#8 key, ONE C header with the three arrays (`c-array`), the ESP32-AT
//! bins (`esp32-at` with `set=client`: `client_cert`, `client_key`, `client_ca`, the bins the pyca/cryptography
//! script and `bench/compare`'s batch write), the Quectel upload payloads with their `+QFUPL` checksums, and the
//! certificate ID.

#![allow(dead_code)]

use std::path::Path;

use certpack::{integrity, Bundle, Error, ErrorKind, Input, LoadOptions, Params, Result};
use zeroize::Zeroizing;

/// The allocator certpack's programs run with (cli/src/main.rs, py/src/lib.rs), so the benchmarks measure the
/// core as it ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The device's three PEM inputs (certificate, private key, root) from a testdata folder, as a fleet device
/// folder holds them (the AWS download's public key file is not part of the workload).
pub fn inputs(dir: &str) -> Vec<Input> {
    device_inputs(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata")
            .join(dir),
    )
}

/// The same from any device folder (a generated fleet's, for `bench/compare`).
pub fn device_inputs(dir: &Path) -> Vec<Input> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| !p.to_string_lossy().ends_with("public.pem.key"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            Input::from_bytes(p.display().to_string(), bytes)
        })
        .collect()
}

/// One Quectel upload: the file name on the module, the exact bytes and the `+QFUPL` checksum it echoes.
pub struct Upload {
    pub file: &'static str,
    pub bytes: Zeroizing<Vec<u8>>,
    pub checksum: String,
}

/// What the workload produces for one device.
pub struct Outputs {
    pub cert_der: Vec<u8>,
    pub key_der: Zeroizing<Vec<u8>>,
    pub root_der: Vec<u8>,
    pub key_pkcs8: Zeroizing<Vec<u8>>,
    pub c_header: certpack::Artifacts,
    pub esp32_at: certpack::Artifacts,
    pub quectel: Vec<Upload>,
    pub certificate_id: String,
}

impl Outputs {
    /// Total bytes produced (so nothing is optimised away).
    pub fn len(&self) -> usize {
        self.cert_der.len()
            + self.key_der.len()
            + self.root_der.len()
            + self.key_pkcs8.len()
            + [&self.c_header, &self.esp32_at]
                .iter()
                .flat_map(|a| &a.files)
                .map(|f| f.bytes.len())
                .sum::<usize>()
            + self
                .quectel
                .iter()
                .map(|u| u.bytes.len() + u.checksum.len())
                .sum::<usize>()
            + self.certificate_id.len()
    }
}

/// The Quectel payloads (`cacert.pem`, `client.pem`, `user_key.pem`: LF PEM, as the `quectel` target uploads
/// them) with their checksums.
pub fn quectel_payloads(bundle: &Bundle) -> Result<Vec<Upload>> {
    let leaf = bundle.require_leaf("bench")?;
    let key = bundle.require_key("bench")?;
    let root = bundle.require_root("bench")?;
    // Certificates as PEM through the kept text (`Certificate::pem`), as the targets do.
    let mut client = leaf.pem()?.to_string();
    for c in bundle.chain().filter_map(|i| i.certificate()) {
        client.push_str(c.pem()?);
    }
    let key_pem = key.traditional_pem()?;
    let payloads = [
        (
            "cacert.pem",
            Zeroizing::new(root.pem()?.as_bytes().to_vec()),
        ),
        ("client.pem", Zeroizing::new(client.into_bytes())),
        ("user_key.pem", Zeroizing::new(key_pem.as_bytes().to_vec())),
    ];
    Ok(payloads
        .into_iter()
        .map(|(file, bytes)| Upload {
            file,
            checksum: integrity::qfupl_checksum_hex(&bytes),
            bytes,
        })
        .collect())
}

/// The whole reference workload for one device.
pub fn device(inputs: &[Input]) -> Result<Outputs> {
    let bundle = Bundle::load(inputs, &LoadOptions::default())?;
    if bundle.key_matches_leaf() != Some(true) {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "the key does not match the certificate",
            "",
        ));
    }
    let leaf = bundle.require_leaf("bench")?;
    let key = bundle.require_key("bench")?;
    let root = bundle.require_root("bench")?;
    Ok(Outputs {
        cert_der: leaf.der().to_vec(),
        key_der: key.traditional_der(),
        root_der: root.der().to_vec(),
        key_pkcs8: key.pkcs8_der(),
        c_header: certpack::target::pack(&bundle, "c-array", &Params::new())?,
        // The bins alone, as batch's `--files 'esp32-at/*.bin'` and the pyca script make them (no README text,
        // placements or descriptions for a manifest).
        esp32_at: certpack::target::pack_wanted(
            &bundle,
            "esp32-at",
            &Params::new().with("set", "client"),
            &|file| file.ends_with(".bin"),
        )?,
        quectel: quectel_payloads(&bundle)?,
        certificate_id: leaf.aws_certificate_id(),
    })
}

/// Parameters of the separate `pack quectel` bench (the whole AT script).
pub fn quectel_params() -> Params {
    Params::new().with("endpoint", "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com")
}

/// Check that the workload's Quectel payloads are exactly what the `quectel` target uploads (bytes and
/// checksums), so the bench measures the real work.
pub fn assert_same_as_quectel_target(inputs: &[Input]) {
    let bundle = Bundle::load(inputs, &LoadOptions::default()).expect("bundle");
    let packed = certpack::target::pack(&bundle, "quectel", &quectel_params()).expect("quectel");
    for u in quectel_payloads(&bundle).expect("payloads") {
        let file = packed.get(u.file).expect("payload file");
        assert_eq!(&file.bytes[..], &u.bytes[..], "{}", u.file);
        assert_eq!(
            file.meta.get("qfupl_checksum"),
            Some(&u.checksum),
            "{}",
            u.file
        );
    }
}
