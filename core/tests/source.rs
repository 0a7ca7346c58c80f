//! Source-code targets: reference vectors (`xxd -i`, ESP-IDF `data_file_embed_asm.cmake`) reproduced byte for
//! byte, and the generated C / C++ / Rust compiled and run against the DER/PEM bytes (SHA-256 checked in C).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use certpack::target::source::{c_array, esp_idf, naming, zephyr};
use certpack::{Artifacts, Bundle, ErrorKind, LoadOptions, Params};
use sha2::{Digest, Sha256};

// ---------- helpers ----------

fn td(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(rel)
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(td(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn load(rel: &str) -> Bundle {
    Bundle::load_paths(&[td(rel)], &LoadOptions::default()).unwrap()
}

fn load_files(rels: &[&str]) -> Bundle {
    let paths: Vec<PathBuf> = rels.iter().map(|r| td(r)).collect();
    Bundle::load_paths(&paths, &LoadOptions::default()).unwrap()
}

fn params(list: &[(&str, &str)]) -> Params {
    let mut p = Params::new();
    for (k, v) in list {
        p.set(k, *v);
    }
    p
}

fn pack(bundle: &Bundle, target: &str, list: &[(&str, &str)]) -> Artifacts {
    certpack::target::pack(bundle, target, &params(list))
        .unwrap_or_else(|e| panic!("{target} {list:?}: {e}"))
}

fn file<'a>(a: &'a Artifacts, name: &str) -> &'a [u8] {
    &a.get(name)
        .unwrap_or_else(|| panic!("{} has no {name}: {:?}", a.target, a.files))
        .bytes
}

fn text<'a>(a: &'a Artifacts, name: &str) -> &'a str {
    std::str::from_utf8(file(a, name)).unwrap()
}

fn sha_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn with_nul(bytes: &[u8]) -> Vec<u8> {
    let mut v = bytes.to_vec();
    v.push(0);
    v
}

fn to_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for &b in bytes {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// The AWS RSA bundle's pieces, taken from the testdata files (PEM, exactly as OpenSSL wrote them) and from the
/// decoded bundle (DER), independently of the source writers.
struct Aws {
    bundle: Bundle,
    cert_pem: Vec<u8>,
    key_pem: Vec<u8>,
    root_pem: Vec<u8>,
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
    root_der: Vec<u8>,
}

fn aws_rsa() -> Aws {
    let bundle = load("aws/rsa");
    let cert_der = bundle.leaf().unwrap().certificate().unwrap().der().to_vec();
    let root_der = bundle
        .server_root()
        .unwrap()
        .certificate()
        .unwrap()
        .der()
        .to_vec();
    let key_der = bundle
        .key()
        .unwrap()
        .private_key()
        .unwrap()
        .traditional_der()
        .to_vec();
    // Independent anchors: the AWS certificate ID in the file names, and Amazon Root CA 1's public fingerprint.
    assert!(sha_hex(&cert_der).starts_with("93f1d43d67"));
    assert_eq!(
        sha_hex(&root_der),
        "8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e"
    );
    Aws {
        bundle,
        cert_pem: read("aws/rsa/93f1d43d67-certificate.pem.crt"),
        key_pem: read("aws/rsa/93f1d43d67-private.pem.key"),
        root_pem: read("aws/rsa/AmazonRootCA1.pem"),
        cert_der,
        key_der,
        root_der,
    }
}

// ---------- compile-and-run harness ----------

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A scratch folder with the generated files, where C/C++/Rust programs are built and run.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "certpack-source-{}-{}-{name}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch { dir }
    }
    fn write(&self, rel: &str, bytes: &[u8]) {
        let path = self.dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    fn write_all(&self, a: &Artifacts) {
        for f in &a.files {
            self.write(&f.name, &f.bytes);
        }
    }
    fn run(&self, program: &str, args: &[&str]) -> String {
        let out = Command::new(program)
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{program} {args:?} failed in {}:\n{stdout}\n{}",
            self.dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn have(tool: &str) -> bool {
    let ok = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED: `{tool}` is not installed, so the generated code is not compiled in this test");
    }
    ok
}

/// One thing the C program checks: `data` (a C expression) must hold exactly `want` bytes, `len` (a C expression)
/// must equal their count; compared by length and SHA-256 computed in C.
struct Check {
    name: String,
    data: String,
    len: String,
    want: Vec<u8>,
}

fn check(name: &str, data: &str, len: &str, want: &[u8]) -> Check {
    Check {
        name: name.into(),
        data: data.into(),
        len: len.into(),
        want: want.to_vec(),
    }
}

/// A C program (valid C99 and C++11) with its own SHA-256 that checks every [`Check`] and prints `ok ...` lines.
fn check_program(prelude: &str, checks: &[Check]) -> String {
    let mut calls = String::new();
    for c in checks {
        calls.push_str(&format!(
            "    bad |= check(\"{}\", {}, (unsigned long)({}), {}UL, \"{}\");\n",
            c.name,
            c.data,
            c.len,
            c.want.len(),
            sha_hex(&c.want)
        ));
    }
    format!(
        r#"#include <stdio.h>
#include <string.h>
#include <stdint.h>
{prelude}
static const uint32_t K[64] = {{
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2}};

static uint32_t ror(uint32_t x, int n) {{ return (x >> n) | (x << (32 - n)); }}

/* SHA-256 (FIPS 180-4) of m[0..n) as lowercase hex into out[65]. */
static void sha256_hex(const unsigned char *m, unsigned long n, char out[65]) {{
    uint32_t h[8] = {{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}};
    unsigned long total = ((n + 9 + 63) / 64) * 64, off, p;
    unsigned long long bits = (unsigned long long)n * 8;
    int i;
    for (off = 0; off < total; off += 64) {{
        unsigned char b[64];
        uint32_t w[64], a, bb, c, d, e, f, g, hh, t1, t2;
        for (i = 0; i < 64; i++) {{
            p = off + (unsigned long)i;
            if (p < n) b[i] = m[p];
            else if (p == n) b[i] = 0x80;
            else if (p >= total - 8) b[i] = (unsigned char)(bits >> (8 * (total - 1 - p)));
            else b[i] = 0;
        }}
        for (i = 0; i < 16; i++)
            w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 | (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
        for (i = 16; i < 64; i++)
            w[i] = w[i - 16] + (ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3)) + w[i - 7]
                 + (ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10));
        a = h[0]; bb = h[1]; c = h[2]; d = h[3]; e = h[4]; f = h[5]; g = h[6]; hh = h[7];
        for (i = 0; i < 64; i++) {{
            t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
            t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & bb) ^ (a & c) ^ (bb & c));
            hh = g; g = f; f = e; e = d + t1; d = c; c = bb; bb = a; a = t1 + t2;
        }}
        h[0] += a; h[1] += bb; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }}
    for (i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", (unsigned)((h[i / 4] >> (24 - 8 * (i % 4))) & 0xff));
}}

static int check(const char *name, const void *data, unsigned long len, unsigned long want_len, const char *want_sha) {{
    char got[65];
    if (len != want_len) {{
        printf("FAIL %s: length %lu, want %lu\n", name, len, want_len);
        return 1;
    }}
    sha256_hex((const unsigned char *)data, len, got);
    if (strcmp(got, want_sha) != 0) {{
        printf("FAIL %s: sha256 %s, want %s\n", name, got, want_sha);
        return 1;
    }}
    printf("ok %s %lu %s\n", name, len, got);
    return 0;
}}

int main(void) {{
    int bad = 0;
    bad |= check("sha256-self-test", "abc", 3UL, 3UL, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
{calls}    return bad;
}}
"#
    )
}

#[derive(Clone, Copy, PartialEq)]
enum Lang {
    C,
    Cxx,
}

const C_FLAGS: &[&str] = &["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"];
const CXX_FLAGS: &[&str] = &["-x", "c++", "-std=c++11", "-Wall", "-Wextra", "-Werror"];

/// Build `main.c` from `prelude` + `checks` (with `objects` linked in) and run it; every check must print `ok`.
fn compile_and_check(s: &Scratch, lang: Lang, prelude: &str, checks: &[Check], objects: &[&str]) {
    s.write("main.c", check_program(prelude, checks).as_bytes());
    let (compiler, flags) = match lang {
        Lang::C => ("cc", C_FLAGS),
        Lang::Cxx => ("c++", CXX_FLAGS),
    };
    let mut args: Vec<&str> = flags.to_vec();
    args.extend(["-I.", "-c", "main.c", "-o", "main.o"]);
    s.run(compiler, &args);
    let mut link = vec!["main.o"];
    link.extend_from_slice(objects);
    link.extend(["-Wl,-z,noexecstack", "-o", "check"]);
    s.run(compiler, &link);
    let out = s.run("./check", &[]);
    let oks = out.lines().filter(|l| l.starts_with("ok ")).count();
    assert_eq!(oks, checks.len() + 1, "{out}");
}

/// A translation unit that includes `header` and uses nothing must compile without warnings.
fn compile_unused(s: &Scratch, lang: Lang, prelude: &str, header: &str) {
    s.write(
        "unused.c",
        format!("{prelude}#include \"{header}\"\nint main(void) {{ return 0; }}\n").as_bytes(),
    );
    let (compiler, flags) = match lang {
        Lang::C => ("cc", C_FLAGS),
        Lang::Cxx => ("c++", CXX_FLAGS),
    };
    let mut args: Vec<&str> = flags.to_vec();
    args.extend(["-I.", "-c", "unused.c", "-o", "unused.o"]);
    s.run(compiler, &args);
}

// ---------- reference vectors ----------

#[test]
fn xxd_vectors_byte_for_byte() {
    let dir = "vectors/c-arrays";
    let der = read(&format!("{dir}/client.crt.der"));
    let pem = read(&format!("{dir}/certs/client.crt.pem"));
    let key = read(&format!("{dir}/1-device.sec1.key.der"));
    // MANIFEST: cwd = c-arrays/, `xxd -i <path as given>` (and `xxd -i < file` for stdin).
    assert_eq!(
        c_array::xxd_i(Some("client.crt.der"), &der).as_bytes(),
        read(&format!("{dir}/client.crt.der.h"))
    );
    assert_eq!(
        c_array::xxd_i(None, &der).as_bytes(),
        read(&format!("{dir}/client.crt.der.stdin.h"))
    );
    assert_eq!(
        c_array::xxd_i(Some("certs/client.crt.pem"), &pem).as_bytes(),
        read(&format!("{dir}/certs_client.crt.pem.h"))
    );
    assert_eq!(
        c_array::xxd_i(Some("1-device.sec1.key.der"), &key).as_bytes(),
        read(&format!("{dir}/1-device.sec1.key.der.h"))
    );
    // xxd's behaviour at the edges: empty input, exactly one full line.
    assert_eq!(
        c_array::xxd_i(Some("e"), b""),
        "unsigned char e[] = {\n};\nunsigned int e_len = 0;\n"
    );
    assert_eq!(c_array::xxd_i(None, b""), "");
    assert_eq!(
        c_array::xxd_i(None, &[0xab; 12]),
        format!("  {}\n", ["0xab"; 12].join(", "))
    );
}

#[test]
fn esp_idf_embed_vectors_byte_for_byte() {
    let dir = "vectors/espressif/idf_embed";
    let pem = read(&format!("{dir}/certs/aws-root-ca.pem"));
    let der = read(&format!("{dir}/certs/aws-root-ca.der"));
    assert_eq!(
        esp_idf::embed_asm("certs/aws-root-ca.pem", None, &pem, true).as_bytes(),
        read(&format!("{dir}/aws-root-ca.pem.S"))
    );
    assert_eq!(
        esp_idf::embed_asm("certs/aws-root-ca.der", None, &der, false).as_bytes(),
        read(&format!("{dir}/aws-root-ca.der.S"))
    );
    assert_eq!(
        esp_idf::embed_asm(
            "certs/aws-root-ca.pem",
            Some("1-device.cert.pem"),
            &pem,
            true
        )
        .as_bytes(),
        read(&format!("{dir}/digit_name.S"))
    );
    let s = esp_idf::embed_symbols("1-device.cert.pem");
    assert_eq!(s.variable, "_1_device_cert_pem");
    assert_eq!(s.start, "_binary_1_device_cert_pem_start");
    assert_eq!(s.end, "_binary_1_device_cert_pem_end");
    assert_eq!(s.length, "_1_device_cert_pem_length");
    let s = esp_idf::embed_symbols("aws-root-ca.pem");
    assert_eq!(
        (s.variable.as_str(), s.start.as_str()),
        ("aws_root_ca_pem", "_binary_aws_root_ca_pem_start")
    );
}

#[test]
fn zephyr_file2hex_layout() {
    let bytes: Vec<u8> = (0u8..10).collect();
    assert_eq!(
        zephyr::file2hex(&bytes),
        "0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,\n0x08, 0x09,\n"
    );
    assert_eq!(
        zephyr::file2hex(&bytes[..8]),
        "0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,\n"
    );
    assert_eq!(zephyr::file2hex(b""), "");
    // The target writes the same layout.
    let aws = aws_rsa();
    let a = pack(&aws.bundle, "zephyr", &[]);
    assert_eq!(text(&a, "ca.crt.der.inc"), zephyr::file2hex(&aws.root_der));
}

#[test]
fn objcopy_and_idf_symbol_names() {
    assert_eq!(
        naming::objcopy_symbol("src/private.pem.key", "start"),
        "_binary_src_private_pem_key_start"
    );
    assert_eq!(
        naming::xxd_name("1-device.sec1.key.der"),
        "__1_device_sec1_key_der"
    );
    assert_eq!(
        naming::make_c_identifier("1-device.cert.pem"),
        "_1_device_cert_pem"
    );
}

// ---------- c-array ----------

#[test]
fn c_array_blocks_are_xxd_of_the_der_and_pem_files() {
    let aws = aws_rsa();
    for form in ["der", "pem"] {
        let files = pack(&aws.bundle, form, &[]);
        let header = pack(
            &aws.bundle,
            "c-array",
            &[
                ("form", form),
                ("const", "false"),
                ("static", "false"),
                ("nul", "false"),
            ],
        );
        let h = text(&header, "certs.h");
        for f in files.files.iter() {
            let block = c_array::xxd_i(Some(&f.name), &f.bytes);
            assert!(h.contains(&block), "certs.h lacks `xxd -i {}`", f.name);
        }
    }
}

#[test]
fn c_array_default_compiles_and_matches() {
    let aws = aws_rsa();
    let a = pack(&aws.bundle, "c-array", &[]);
    assert_eq!(a.files.len(), 1);
    assert!(a.files[0].secret);
    let h = text(&a, "certs.h");
    assert!(h.contains("static const unsigned char client_crt_der[] = {\n  0x30, 0x82,"));
    assert!(h.contains(&format!(
        "static const unsigned int client_crt_der_len = {};",
        aws.cert_der.len()
    )));
    assert!(h.contains(
        "client_crt_der: device certificate, DER, 861 bytes, no NUL; client_crt_der_len = 861"
    ));
    assert!(h.contains("WARNING: this file holds the device PRIVATE KEY (client_key_der)"));
    if !have("cc") {
        return;
    }
    let s = Scratch::new("c-array");
    s.write_all(&a);
    let checks = [
        check(
            "client_crt_der",
            "client_crt_der",
            "client_crt_der_len",
            &aws.cert_der,
        ),
        check(
            "client_crt_der sizeof",
            "client_crt_der",
            "sizeof client_crt_der",
            &aws.cert_der,
        ),
        check(
            "client_key_der",
            "client_key_der",
            "client_key_der_len",
            &aws.key_der,
        ),
        check("ca_crt_der", "ca_crt_der", "ca_crt_der_len", &aws.root_der),
    ];
    compile_and_check(&s, Lang::C, "#include \"certs.h\"\n", &checks, &[]);
    compile_and_check(&s, Lang::Cxx, "#include \"certs.h\"\n", &checks, &[]);
    compile_unused(&s, Lang::C, "", "certs.h");
}

#[test]
fn c_array_pem_progmem_uint8_nul_compiles_and_matches() {
    let aws = aws_rsa();
    let a = pack(
        &aws.bundle,
        "c-array",
        &[
            ("form", "pem"),
            ("progmem", "true"),
            ("type", "uint8_t"),
            ("prefix", "aws_"),
        ],
    );
    let h = text(&a, "certs.h");
    assert!(h.contains("#include <stdint.h>"));
    assert!(h.contains("static const uint8_t aws_client_crt_pem[] PROGMEM = {"));
    assert!(h.contains("1220 bytes + NUL; aws_client_crt_pem_len = 1221 includes the NUL"));
    if !have("cc") {
        return;
    }
    let s = Scratch::new("c-array-pem");
    s.write_all(&a);
    let checks = [
        check(
            "aws_client_crt_pem",
            "aws_client_crt_pem",
            "aws_client_crt_pem_len",
            &with_nul(&aws.cert_pem),
        ),
        check(
            "aws_client_key_pem",
            "aws_client_key_pem",
            "aws_client_key_pem_len",
            &with_nul(&aws.key_pem),
        ),
        check(
            "aws_ca_crt_pem",
            "aws_ca_crt_pem",
            "sizeof aws_ca_crt_pem",
            &with_nul(&aws.root_pem),
        ),
    ];
    // PROGMEM: a stand-in define, as on a host; the header's own fallback is tested without it.
    compile_and_check(
        &s,
        Lang::C,
        "#define PROGMEM\n#include \"certs.h\"\n",
        &checks,
        &[],
    );
    compile_and_check(&s, Lang::Cxx, "#include \"certs.h\"\n", &checks, &[]);
}

#[test]
fn c_array_not_static_not_const_and_chosen_names() {
    let aws = aws_rsa();
    let a = pack(
        &aws.bundle,
        "c-array",
        &[
            ("const", "false"),
            ("static", "false"),
            ("names", "cert:certificate,key:private_key,root:root_ca"),
        ],
    );
    let h = text(&a, "certs.h");
    assert!(h.contains("\nunsigned char certificate[] = {"));
    assert!(h.contains("\nunsigned int root_ca_len = 837;"));
    if !have("cc") {
        return;
    }
    let s = Scratch::new("c-array-names");
    s.write_all(&a);
    let checks = [
        check(
            "certificate",
            "certificate",
            "certificate_len",
            &aws.cert_der,
        ),
        check(
            "private_key",
            "private_key",
            "private_key_len",
            &aws.key_der,
        ),
        check("root_ca", "root_ca", "root_ca_len", &aws.root_der),
    ];
    compile_and_check(&s, Lang::C, "#include \"certs.h\"\n", &checks, &[]);
}

#[test]
fn c_array_azure_chain_and_pkcs8() {
    let bundle = load("azure/x509");
    let a = pack(&bundle, "c-array", &[("key-format", "pkcs8")]);
    let h = text(&a, "certs.h");
    assert!(h.contains("chain_1_crt_der: intermediate CA certificate, DER"));
    assert!(h.contains("subject: CN=Azure IoT Hub Intermediate Cert Test Only"));
    assert!(h.contains("RSA 2048, PKCS#8"));
    let pem = pack(
        &bundle,
        "c-array",
        &[("form", "pem"), ("key-format", "pkcs8")],
    );
    if !have("cc") {
        return;
    }
    let der_of = |rel: &str| {
        let b = load_files(&[rel]);
        b.items()[0].certificate().unwrap().der().to_vec()
    };
    let s = Scratch::new("c-array-azure");
    s.write_all(&a);
    let checks = [
        check(
            "client_crt_der",
            "client_crt_der",
            "client_crt_der_len",
            &der_of("azure/x509/device-mydevice.cert.pem"),
        ),
        check(
            "chain_1_crt_der",
            "chain_1_crt_der",
            "chain_1_crt_der_len",
            &der_of("azure/x509/azure-iot-test-only.intermediate.cert.pem"),
        ),
        check(
            "ca_crt_der",
            "ca_crt_der",
            "ca_crt_der_len",
            &der_of("azure/x509/DigiCertGlobalRootG2.crt.pem"),
        ),
    ];
    compile_and_check(&s, Lang::C, "#include \"certs.h\"\n", &checks, &[]);
    let s = Scratch::new("c-array-azure-pem");
    s.write_all(&pem);
    let checks = [
        check(
            "client_key_pem (PKCS#8 file)",
            "client_key_pem",
            "client_key_pem_len",
            &with_nul(&read("azure/x509/device-mydevice.key.pem")),
        ),
        check(
            "chain_pem",
            "chain_pem",
            "chain_pem_len",
            &with_nul(&read(
                "azure/x509/azure-iot-test-only.intermediate.cert.pem",
            )),
        ),
        check(
            "ca_crt_pem",
            "ca_crt_pem",
            "ca_crt_pem_len",
            &with_nul(&read("azure/x509/DigiCertGlobalRootG2.crt.pem")),
        ),
    ];
    compile_and_check(&s, Lang::C, "#include \"certs.h\"\n", &checks, &[]);
}

// ---------- c-string, arduino, aws-demo-header ----------

#[test]
fn c_string_array_and_define_compile_and_match() {
    let aws = aws_rsa();
    let arr = pack(&aws.bundle, "c-string", &[]);
    let h = text(&arr, "certs.h");
    assert!(h.contains(
        "static const char client_crt_pem[] =\n\"-----BEGIN CERTIFICATE-----\\n\"\n\"MIID"
    ));
    assert!(h.contains(
        "\"-----END CERTIFICATE-----\\n\";\nstatic const unsigned int client_crt_pem_len = 1221;"
    ));
    let def = pack(
        &aws.bundle,
        "c-string",
        &[("style", "define"), ("eol", "crlf"), ("nul", "false")],
    );
    let d = text(&def, "certs.h");
    assert!(d.contains("#define CLIENT_CRT_PEM \\\n\"-----BEGIN CERTIFICATE-----\\r\\n\" \\\n"));
    assert!(d.contains("\"-----END CERTIFICATE-----\\r\\n\"\n#define CLIENT_CRT_PEM_LEN 1240\n"));
    if !have("cc") {
        return;
    }
    let s = Scratch::new("c-string");
    s.write_all(&arr);
    let checks = [
        check(
            "client_crt_pem",
            "client_crt_pem",
            "client_crt_pem_len",
            &with_nul(&aws.cert_pem),
        ),
        check(
            "client_key_pem",
            "client_key_pem",
            "client_key_pem_len",
            &with_nul(&aws.key_pem),
        ),
        check(
            "ca_crt_pem strlen+1",
            "ca_crt_pem",
            "strlen(ca_crt_pem) + 1",
            &with_nul(&aws.root_pem),
        ),
    ];
    compile_and_check(&s, Lang::C, "#include \"certs.h\"\n", &checks, &[]);
    compile_unused(&s, Lang::C, "", "certs.h");
    let s = Scratch::new("c-string-define");
    s.write_all(&def);
    let cert = to_crlf(&aws.cert_pem);
    let checks = [
        check(
            "CLIENT_CRT_PEM (crlf)",
            "CLIENT_CRT_PEM",
            "CLIENT_CRT_PEM_LEN",
            &cert,
        ),
        check(
            "CLIENT_CRT_PEM sizeof",
            "CLIENT_CRT_PEM",
            "sizeof CLIENT_CRT_PEM",
            &with_nul(&cert),
        ),
        check(
            "CLIENT_KEY_PEM (crlf)",
            "CLIENT_KEY_PEM",
            "CLIENT_KEY_PEM_LEN",
            &to_crlf(&aws.key_pem),
        ),
        check(
            "CA_CRT_PEM (crlf)",
            "CA_CRT_PEM",
            "CA_CRT_PEM_LEN",
            &to_crlf(&aws.root_pem),
        ),
    ];
    compile_and_check(&s, Lang::C, "#include \"certs.h\"\n", &checks, &[]);
    compile_and_check(&s, Lang::Cxx, "#include \"certs.h\"\n", &checks, &[]);
}

#[test]
fn arduino_raw_strings_and_der_arrays_compile_as_cxx() {
    let aws = aws_rsa();
    let pem = pack(&aws.bundle, "arduino", &[]);
    let h = text(&pem, "certs.h");
    assert!(h.contains(
        "const char client_crt_pem[] PROGMEM = R\"EOF(-----BEGIN CERTIFICATE-----\nMIID"
    ));
    assert!(h.contains(
        "-----END CERTIFICATE-----\n)EOF\";\nconst unsigned int client_crt_pem_len = 1221;"
    ));
    assert!(h.contains("ESP32: client.setCACert(ca_crt_pem); client.setCertificate(client_crt_pem); client.setPrivateKey(client_key_pem);"));
    let quoted = pack(
        &aws.bundle,
        "arduino",
        &[("string", "quoted"), ("eol", "crlf")],
    );
    let der = pack(&aws.bundle, "arduino", &[("form", "der")]);
    assert!(text(&der, "certs.h").contains("const uint8_t client_crt_der[] PROGMEM = {"));
    if !have("c++") {
        return;
    }
    let s = Scratch::new("arduino");
    s.write_all(&pem);
    let checks = [
        check(
            "client_crt_pem",
            "client_crt_pem",
            "client_crt_pem_len",
            &with_nul(&aws.cert_pem),
        ),
        check(
            "client_key_pem",
            "client_key_pem",
            "client_key_pem_len",
            &with_nul(&aws.key_pem),
        ),
        check(
            "ca_crt_pem",
            "ca_crt_pem",
            "sizeof ca_crt_pem",
            &with_nul(&aws.root_pem),
        ),
    ];
    compile_and_check(
        &s,
        Lang::Cxx,
        "#define PROGMEM\n#include \"certs.h\"\n",
        &checks,
        &[],
    );
    compile_unused(&s, Lang::Cxx, "", "certs.h");
    let s = Scratch::new("arduino-quoted");
    s.write_all(&quoted);
    let checks = [check(
        "client_crt_pem crlf",
        "client_crt_pem",
        "client_crt_pem_len",
        &with_nul(&to_crlf(&aws.cert_pem)),
    )];
    compile_and_check(
        &s,
        Lang::Cxx,
        "#define PROGMEM\n#include \"certs.h\"\n",
        &checks,
        &[],
    );
    let s = Scratch::new("arduino-der");
    s.write_all(&der);
    let checks = [
        check(
            "client_crt_der",
            "client_crt_der",
            "client_crt_der_len",
            &aws.cert_der,
        ),
        check(
            "client_key_der",
            "client_key_der",
            "client_key_der_len",
            &aws.key_der,
        ),
        check("ca_crt_der", "ca_crt_der", "ca_crt_der_len", &aws.root_der),
    ];
    compile_and_check(
        &s,
        Lang::Cxx,
        "#define PROGMEM\n#include \"certs.h\"\n",
        &checks,
        &[],
    );
    compile_and_check(&s, Lang::C, "#include \"certs.h\"\n", &checks, &[]);
}

#[test]
fn aws_demo_header_has_final_newline_and_compiles() {
    let aws = aws_rsa();
    let a = pack(&aws.bundle, "aws-demo-header", &[]);
    let h = text(&a, "aws_clientcredential_keys.h");
    assert!(
        h.contains("#define keyCLIENT_CERTIFICATE_PEM \\\n\"-----BEGIN CERTIFICATE-----\\n\"\\\n")
    );
    // AWS's converter drops this last \n; certpack keeps it.
    assert!(h.contains("\"-----END CERTIFICATE-----\\n\"\n\n/* PEM-encoded issuer"));
    assert!(h.contains("#define keyJITR_DEVICE_CERTIFICATE_AUTHORITY_PEM NULL\n"));
    assert!(h.contains("#ifndef democonfigROOT_CA_PEM\n#define democonfigROOT_CA_PEM \\\n"));
    assert!(a.files[0].secret);
    let azure = pack(
        &load("azure/x509"),
        "aws-demo-header",
        &[("key-format", "pkcs8")],
    );
    let az = text(&azure, "aws_clientcredential_keys.h");
    assert!(az.contains(
        "keyJITR_DEVICE_CERTIFICATE_AUTHORITY_PEM: device certificate's issuing CA (JITR)"
    ));
    let demo = pack(&aws.bundle, "aws-demo-header", &[("macros", "democonfig")]);
    assert!(text(&demo, "demo_config_credentials.h")
        .contains("#define democonfigCLIENT_PRIVATE_KEY_PEM \\\n"));
    if !have("cc") {
        return;
    }
    let s = Scratch::new("aws-demo");
    s.write_all(&a);
    let checks = [
        check(
            "keyCLIENT_CERTIFICATE_PEM",
            "keyCLIENT_CERTIFICATE_PEM",
            "sizeof keyCLIENT_CERTIFICATE_PEM",
            &with_nul(&aws.cert_pem),
        ),
        check(
            "keyCLIENT_PRIVATE_KEY_PEM",
            "keyCLIENT_PRIVATE_KEY_PEM",
            "sizeof keyCLIENT_PRIVATE_KEY_PEM",
            &with_nul(&aws.key_pem),
        ),
        check(
            "democonfigROOT_CA_PEM",
            "democonfigROOT_CA_PEM",
            "sizeof democonfigROOT_CA_PEM",
            &with_nul(&aws.root_pem),
        ),
    ];
    compile_and_check(
        &s,
        Lang::C,
        "#include \"aws_clientcredential_keys.h\"\n",
        &checks,
        &[],
    );
    let s = Scratch::new("aws-demo-azure");
    s.write_all(&azure);
    let checks = [check(
        "keyJITR_DEVICE_CERTIFICATE_AUTHORITY_PEM",
        "keyJITR_DEVICE_CERTIFICATE_AUTHORITY_PEM",
        "sizeof keyJITR_DEVICE_CERTIFICATE_AUTHORITY_PEM",
        &with_nul(&read(
            "azure/x509/azure-iot-test-only.intermediate.cert.pem",
        )),
    )];
    compile_and_check(
        &s,
        Lang::C,
        "#include \"aws_clientcredential_keys.h\"\n",
        &checks,
        &[],
    );
}

// ---------- esp-idf, platformio ----------

/// Assemble what ESP-IDF's build generates for each data file (our byte-exact `embed_asm`).
fn assemble_idf(s: &Scratch, a: &Artifacts, data_dir: &str, text: bool) -> Vec<String> {
    let mut objects = Vec::new();
    for f in a.files.iter().filter(|f| f.name.starts_with(data_dir)) {
        let asm = esp_idf::embed_asm(&f.name, None, &f.bytes, text);
        let base = f.name.rsplit('/').next().unwrap();
        s.write(&format!("{base}.S"), asm.as_bytes());
        s.run(
            "cc",
            &["-c", &format!("{base}.S"), "-o", &format!("{base}.o")],
        );
        objects.push(format!("{base}.o"));
    }
    objects
}

#[test]
fn esp_idf_header_links_against_the_generated_embed_assembly() {
    let aws = aws_rsa();
    let a = pack(&aws.bundle, "esp-idf", &[]);
    assert_eq!(file(&a, "certs/client.crt.pem"), &aws.cert_pem[..]);
    assert_eq!(file(&a, "certs/client.key.pem"), &aws.key_pem[..]);
    assert_eq!(file(&a, "certs/ca.crt.pem"), &aws.root_pem[..]);
    assert!(a.get("certs/client.key.pem").unwrap().secret);
    assert!(!a.get("certs.h").unwrap().secret);
    let h = text(&a, "certs.h");
    assert!(h.contains(
        "extern const uint8_t client_crt_pem_start[] __asm__(\"_binary_client_crt_pem_start\");"
    ));
    assert!(h.contains("client_key_pem_start refers to the device PRIVATE KEY"));
    let cmake = text(&a, "CMakeLists.txt.example");
    assert!(cmake.contains("EMBED_TXTFILES \"certs/client.crt.pem\"\n"));
    let der = pack(
        &aws.bundle,
        "esp-idf",
        &[("form", "der"), ("dir", "creds"), ("prefix", "dev1_")],
    );
    assert!(
        text(&der, "CMakeLists.txt.example").contains("EMBED_FILES \"creds/dev1_client.crt.der\"")
    );
    assert!(text(&der, "certs.h")
        .contains("dev1_client_crt_der_end[] __asm__(\"_binary_dev1_client_crt_der_end\")"));
    if !have("cc") {
        return;
    }
    let s = Scratch::new("esp-idf");
    s.write_all(&a);
    let objects = assemble_idf(&s, &a, "certs/", true);
    let span = |n: &str| format!("{n}_end - {n}_start");
    let checks = [
        check(
            "client_crt_pem (EMBED_TXTFILES)",
            "client_crt_pem_start",
            &span("client_crt_pem"),
            &with_nul(&aws.cert_pem),
        ),
        check(
            "client_key_pem",
            "client_key_pem_start",
            &span("client_key_pem"),
            &with_nul(&aws.key_pem),
        ),
        check(
            "ca_crt_pem",
            "ca_crt_pem_start",
            &span("ca_crt_pem"),
            &with_nul(&aws.root_pem),
        ),
    ];
    let objs: Vec<&str> = objects.iter().map(String::as_str).collect();
    compile_and_check(&s, Lang::C, "#include \"certs.h\"\n", &checks, &objs);
    let s = Scratch::new("esp-idf-der");
    s.write_all(&der);
    let objects = assemble_idf(&s, &der, "creds/", false);
    let checks = [
        check(
            "dev1_client_crt_der (EMBED_FILES)",
            "dev1_client_crt_der_start",
            &span("dev1_client_crt_der"),
            &aws.cert_der,
        ),
        check(
            "dev1_ca_crt_der",
            "dev1_ca_crt_der_start",
            &span("dev1_ca_crt_der"),
            &aws.root_der,
        ),
    ];
    let objs: Vec<&str> = objects.iter().map(String::as_str).collect();
    compile_and_check(&s, Lang::C, "#include \"certs.h\"\n", &checks, &objs);
}

#[test]
fn platformio_arduino_symbols_match_real_objcopy() {
    let aws = aws_rsa();
    let a = pack(&aws.bundle, "platformio", &[]);
    let ini = text(&a, "platformio.ini.example");
    assert!(ini.contains("board_build.embed_txtfiles =\n  src/certs/client.crt.pem\n  src/certs/client.key.pem\n  src/certs/ca.crt.pem\n"));
    let h = text(&a, "include/certs.h");
    assert!(h.contains("__asm__(\"_binary_src_certs_client_crt_pem_start\")"));
    assert!(a.get("src/certs/client.key.pem").unwrap().secret);
    if !have("cc") || !have("objcopy") {
        return;
    }
    let s = Scratch::new("pio-arduino");
    s.write_all(&a);
    // What platform-espressif32's _embed_files.py does for embed_txtfiles: append a NUL to the file, then run
    // `objcopy --input-target binary ... <path as written in platformio.ini>` from the project folder.
    let mut objects = Vec::new();
    for (n, f) in a
        .files
        .iter()
        .filter(|f| f.name.starts_with("src/certs/"))
        .enumerate()
    {
        s.write(&f.name, &with_nul(&f.bytes));
        let obj = format!("embed{n}.o");
        s.run(
            "objcopy",
            &[
                "--input-target",
                "binary",
                "--output-target",
                "elf64-x86-64",
                "--binary-architecture",
                "i386:x86-64",
                "--rename-section",
                ".data=.rodata.embedded,alloc,load,readonly,data,contents",
                &f.name,
                &obj,
            ],
        );
        objects.push(obj);
    }
    if !cfg!(all(target_arch = "x86_64", target_os = "linux")) {
        eprintln!("SKIPPED: the objcopy link check is written for x86-64 Linux");
        return;
    }
    let span = |n: &str| format!("{n}_end - {n}_start");
    let checks = [
        check(
            "client_crt_pem",
            "client_crt_pem_start",
            &span("client_crt_pem"),
            &with_nul(&aws.cert_pem),
        ),
        check(
            "client_key_pem",
            "client_key_pem_start",
            &span("client_key_pem"),
            &with_nul(&aws.key_pem),
        ),
        check(
            "ca_crt_pem",
            "ca_crt_pem_start",
            &span("ca_crt_pem"),
            &with_nul(&aws.root_pem),
        ),
    ];
    let objs: Vec<&str> = objects.iter().map(String::as_str).collect();
    compile_and_check(
        &s,
        Lang::C,
        "#include \"include/certs.h\"\n",
        &checks,
        &objs,
    );
    compile_and_check(
        &s,
        Lang::Cxx,
        "#include \"include/certs.h\"\n",
        &checks,
        &objs,
    );
}

#[test]
fn platformio_espidf_uses_base_names_and_cmake() {
    let aws = aws_rsa();
    let a = pack(&aws.bundle, "platformio", &[("framework", "espidf")]);
    let h = text(&a, "include/certs.h");
    assert!(h.contains(
        "extern const uint8_t client_crt_pem_start[] __asm__(\"_binary_client_crt_pem_start\");"
    ));
    let cmake = text(&a, "src/CMakeLists.txt.example");
    assert!(cmake.contains("EMBED_TXTFILES \"${CMAKE_SOURCE_DIR}/src/certs/client.crt.pem\""));
    if !have("cc") {
        return;
    }
    let s = Scratch::new("pio-espidf");
    s.write_all(&a);
    let objects = assemble_idf(&s, &a, "src/certs/", true);
    let checks = [check(
        "ca_crt_pem",
        "ca_crt_pem_start",
        "ca_crt_pem_end - ca_crt_pem_start",
        &with_nul(&aws.root_pem),
    )];
    let objs: Vec<&str> = objects.iter().map(String::as_str).collect();
    compile_and_check(
        &s,
        Lang::C,
        "#include \"include/certs.h\"\n",
        &checks,
        &objs,
    );
}

// ---------- zephyr ----------

#[test]
fn zephyr_inc_and_ncs_compile_and_match() {
    let aws = aws_rsa();
    let der = pack(&aws.bundle, "zephyr", &[]);
    let pem = pack(&aws.bundle, "zephyr", &[("form", "pem")]);
    let ncs = pack(&aws.bundle, "zephyr", &[("form", "ncs")]);
    assert!(der.get("client.key.der.inc").unwrap().secret);
    assert!(!der.get("certs.h").unwrap().secret);
    assert!(text(&pem, "client.crt.pem.inc").ends_with("0x0a, 0x00,\n"));
    let ca = text(&ncs, "ca-cert.pem");
    assert!(ca.starts_with("\"-----BEGIN CERTIFICATE-----\\n\"\n\"MIID"));
    assert!(ca.ends_with("\"-----END CERTIFICATE-----\\n\"\n"));
    assert!(ncs.get("private-key.pem").unwrap().secret);
    assert!(text(&ncs, "certs.h")
        .contains("static const unsigned char ca_certificate[] = {\n#include \"ca-cert.pem\"\n};"));
    if !have("cc") {
        return;
    }
    for (a, checks) in [
        (
            &der,
            vec![
                check(
                    "client_crt_der",
                    "client_crt_der",
                    "sizeof client_crt_der",
                    &aws.cert_der,
                ),
                check(
                    "client_key_der",
                    "client_key_der",
                    "sizeof client_key_der",
                    &aws.key_der,
                ),
                check(
                    "ca_crt_der",
                    "ca_crt_der",
                    "sizeof ca_crt_der",
                    &aws.root_der,
                ),
            ],
        ),
        (
            &pem,
            vec![check(
                "client_crt_pem",
                "client_crt_pem",
                "sizeof client_crt_pem",
                &with_nul(&aws.cert_pem),
            )],
        ),
        (
            &ncs,
            vec![
                check(
                    "device_certificate",
                    "device_certificate",
                    "sizeof device_certificate",
                    &with_nul(&aws.cert_pem),
                ),
                check(
                    "private_key",
                    "private_key",
                    "sizeof private_key",
                    &with_nul(&aws.key_pem),
                ),
                check(
                    "ca_certificate",
                    "ca_certificate",
                    "sizeof ca_certificate",
                    &with_nul(&aws.root_pem),
                ),
            ],
        ),
    ] {
        let s = Scratch::new("zephyr");
        s.write_all(a);
        compile_and_check(&s, Lang::C, "#include \"certs.h\"\n", &checks, &[]);
    }
}

// ---------- rust ----------

fn rustc() -> String {
    std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into())
}

/// Compile `certs.rs` into a program that compares each constant with the expected bytes on disk.
fn run_rust_module(name: &str, module: &[u8], consts: &[(&str, Vec<u8>)]) {
    let compiler = rustc();
    if !have(&compiler) {
        return;
    }
    let s = Scratch::new(name);
    s.write("certs.rs", module);
    let mut main = String::from(
        "include!(\"certs.rs\");\nfn check(name: &str, got: &[u8], path: &str) {\n    let want = std::fs::read(path).unwrap();\n    assert!(got == &want[..], \"{name} differs\");\n    println!(\"ok {name} {}\", got.len());\n}\nfn main() {\n",
    );
    for (n, (expr, want)) in consts.iter().enumerate() {
        s.write(&format!("want/{n}"), want);
        main.push_str(&format!("    check(\"{expr}\", {expr}, \"want/{n}\");\n"));
    }
    main.push_str("}\n");
    s.write("main.rs", main.as_bytes());
    s.run(
        &compiler,
        &[
            "--edition",
            "2021",
            "-D",
            "warnings",
            "main.rs",
            "-o",
            "main",
        ],
    );
    let out = s.run("./main", &[]);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("ok ")).count(),
        consts.len(),
        "{out}"
    );
}

#[test]
fn rust_module_compiles_and_matches() {
    let aws = aws_rsa();
    let a = pack(&aws.bundle, "rust", &[]);
    let m = text(&a, "certs.rs");
    assert!(a.files[0].secret);
    assert!(m.contains("pub const CLIENT_CERT_DER: &[u8] = &[\n    0x30, 0x82,"));
    assert!(
        m.contains("pub const CLIENT_CERT_PEM: &[u8] = b\"\\\n-----BEGIN CERTIFICATE-----\\n\\\n")
    );
    assert!(m.contains("-----END CERTIFICATE-----\\n\\\n\\0\";\n"));
    run_rust_module(
        "rust-aws",
        file(&a, "certs.rs"),
        &[
            ("CLIENT_CERT_DER", aws.cert_der.clone()),
            ("CLIENT_CERT_PEM", with_nul(&aws.cert_pem)),
            ("CLIENT_KEY_DER", aws.key_der.clone()),
            ("CLIENT_KEY_PEM", with_nul(&aws.key_pem)),
            ("CA_CERT_DER", aws.root_der.clone()),
            ("CA_CERT_PEM", with_nul(&aws.root_pem)),
        ],
    );
    // Azure: a DER chain slice, CRLF PEM without NUL, a prefix.
    let bundle = load("azure/x509");
    let a = pack(
        &bundle,
        "rust",
        &[
            ("eol", "crlf"),
            ("nul", "false"),
            ("prefix", "az_"),
            ("key-format", "pkcs8"),
        ],
    );
    let inter = read("azure/x509/azure-iot-test-only.intermediate.cert.pem");
    let inter_der = load_files(&["azure/x509/azure-iot-test-only.intermediate.cert.pem"]).items()
        [0]
    .certificate()
    .unwrap()
    .der()
    .to_vec();
    run_rust_module(
        "rust-azure",
        file(&a, "certs.rs"),
        &[
            (
                "AZ_CLIENT_CERT_PEM",
                to_crlf(&read("azure/x509/device-mydevice.cert.pem")),
            ),
            (
                "AZ_CLIENT_KEY_PEM",
                to_crlf(&read("azure/x509/device-mydevice.key.pem")),
            ),
            (
                "AZ_CLIENT_CERT_DER",
                bundle.leaf().unwrap().certificate().unwrap().der().to_vec(),
            ),
            (
                "AZ_CLIENT_KEY_DER",
                bundle
                    .key()
                    .unwrap()
                    .private_key()
                    .unwrap()
                    .pkcs8_der()
                    .to_vec(),
            ),
            ("AZ_CHAIN_DER[0]", inter_der),
            ("AZ_CHAIN_PEM", to_crlf(&inter)),
            (
                "AZ_CA_CERT_DER",
                bundle
                    .server_root()
                    .unwrap()
                    .certificate()
                    .unwrap()
                    .der()
                    .to_vec(),
            ),
            (
                "AZ_CA_CERT_PEM",
                to_crlf(&read("azure/x509/DigiCertGlobalRootG2.crt.pem")),
            ),
        ],
    );
}

// ---------- build.rs API ----------

#[test]
fn build_embed_generates_the_rust_target_and_fails_with_certpacks_error() {
    use certpack::build::Embed;
    let aws = aws_rsa();
    let module = Embed::new(td("aws/rsa")).require_key().generate().unwrap();
    assert_eq!(
        &module.text[..],
        file(&pack(&aws.bundle, "rust", &[]), "certs.rs")
    );
    assert_eq!(module.inputs.len(), 4, "{:?}", module.inputs);
    let s = Scratch::new("embed");
    let path = Embed::new(td("aws/ec"))
        .param("form", "der")
        .file_name("ec.rs")
        .write_to(&s.dir)
        .unwrap();
    assert!(std::fs::read_to_string(path)
        .unwrap()
        .contains("pub const CLIENT_KEY_DER"));
    // A key from another download: refused, saying which files and what to do.
    let err = Embed::new(td("aws/rsa/93f1d43d67-certificate.pem.crt"))
        .input(td("aws/ec/46623c5574-private.pem.key"))
        .generate()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CheckFailed);
    assert!(
        err.to_string()
            .contains("46623c5574-private.pem.key does not belong to the device certificate"),
        "{err}"
    );
    assert!(err.hint().contains("same <id> prefix"));
    let err = Embed::new(td("aws/rsa/AmazonRootCA1.pem"))
        .require_key()
        .generate()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Missing);
    let err = Embed::new(td("no-such-folder")).generate().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(err.to_string().contains("no-such-folder"), "{err}");
}

// ---------- secrets, determinism, errors ----------

const ALL: &[&str] = &[
    "c-array",
    "arduino",
    "c-string",
    "aws-demo-header",
    "esp-idf",
    "platformio",
    "zephyr",
    "rust",
];

/// Key material in the forms the generators write it: a base64 line, hex bytes (C, Rust, .inc), escaped text.
fn key_fragments(aws: &Aws) -> Vec<String> {
    let line = std::str::from_utf8(&aws.key_pem)
        .unwrap()
        .lines()
        .nth(5)
        .unwrap()
        .to_string();
    let hex: Vec<String> = aws.key_der[240..246]
        .iter()
        .map(|b| format!("0x{b:02x}"))
        .collect();
    vec![line, hex.join(", ")]
}

#[test]
fn key_material_only_in_secret_files_and_never_in_comments() {
    let aws = aws_rsa();
    let fragments = key_fragments(&aws);
    for target in ALL {
        let a = pack(&aws.bundle, target, &[]);
        assert!(
            a.files.iter().any(|f| f.secret),
            "{target} marks no file secret"
        );
        for f in &a.files {
            let t = String::from_utf8_lossy(&f.bytes);
            let holds = fragments.iter().any(|k| t.contains(k.as_str()));
            assert_eq!(
                holds, f.secret,
                "{target}/{}: holds key = {holds}, secret = {}",
                f.name, f.secret
            );
            // The leading comment block never holds key material.
            let comment: String = t
                .lines()
                .take_while(|l| l.starts_with("/*") || l.starts_with(" *") || l.starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            assert!(
                fragments.iter().all(|k| !comment.contains(k.as_str())),
                "{target}/{}",
                f.name
            );
            if f.secret && (f.name.ends_with(".h") || f.name.ends_with(".rs")) {
                assert!(
                    comment.contains("PRIVATE KEY"),
                    "{target}/{} has no secret warning",
                    f.name
                );
            }
        }
        // README and manifest carry no key either.
        for (name, bytes) in a.all_files() {
            if name == "README.txt" || name == "manifest.json" {
                let t = String::from_utf8_lossy(&bytes);
                assert!(
                    fragments.iter().all(|k| !t.contains(k.as_str())),
                    "{target}/{name}"
                );
            }
        }
    }
}

#[test]
fn outputs_are_deterministic_and_listed() {
    let aws = aws_rsa();
    let listed: Vec<&str> = certpack::target::all().iter().map(|t| t.name()).collect();
    for target in ALL {
        assert!(listed.contains(target), "{target} is not registered");
        let a = pack(&aws.bundle, target, &[]);
        let b = pack(&load("aws/rsa"), target, &[]);
        assert_eq!(a.all_files(), b.all_files(), "{target}");
    }
}

#[test]
fn bundle_without_key_writes_no_secret() {
    let bundle = load_files(&[
        "aws/rsa/93f1d43d67-certificate.pem.crt",
        "aws/rsa/AmazonRootCA1.pem",
    ]);
    for target in ALL {
        let a = pack(&bundle, target, &[]);
        assert!(a.files.iter().all(|f| !f.secret), "{target}");
    }
    let a = pack(&bundle, "aws-demo-header", &[]);
    assert!(text(&a, "aws_clientcredential_keys.h")
        .contains("#define keyCLIENT_PRIVATE_KEY_PEM NULL\n"));
}

#[test]
fn clear_errors_for_bad_parameters() {
    let aws = aws_rsa();
    let err = |target: &str, list: &[(&str, &str)]| {
        certpack::target::pack(&aws.bundle, target, &params(list)).unwrap_err()
    };
    let e = err("c-array", &[("nul", "true")]);
    assert_eq!(e.kind(), ErrorKind::Target);
    assert!(
        e.to_string().contains("BearSSL") && e.hint().contains("form=pem"),
        "{e}"
    );
    let e = err("arduino", &[("eol", "crlf")]);
    assert!(e.hint().contains("string=quoted"), "{e}");
    let e = err("c-array", &[("prefix", "1x")]);
    assert!(e.to_string().contains("C identifier"), "{e}");
    let e = err("c-array", &[("names", "cert:a,root:a")]);
    assert!(e.to_string().contains("both be named a"), "{e}");
    let e = err("c-array", &[("names", "leaf:a")]);
    assert!(e.hint().contains("names=cert:"), "{e}");
    let e = err("platformio", &[("dir", "../certs")]);
    assert!(e.to_string().contains("relative folder"), "{e}");
    let e = err("esp-idf", &[("prefix", "a/b")]);
    assert!(e.to_string().contains("prefix"), "{e}");
    let e = err("platformio", &[("framework", "zephyr")]);
    assert!(e.hint().contains("arduino or espidf"), "{e}");
    let e = err("zephyr", &[("form", "der"), ("nul", "true")]);
    assert!(e.to_string().contains("nul=true with form=der"), "{e}");
    let e = err("rust", &[("static", "true")]);
    assert!(e.to_string().contains("has no parameter \"static\""), "{e}");
    let public_only = load_files(&["aws/rsa/93f1d43d67-public.pem.key"]);
    let e = certpack::target::pack(&public_only, "c-array", &Params::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Missing);
}
