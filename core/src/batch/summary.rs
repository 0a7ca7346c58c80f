//! `summary.json` and `summary.csv`: written directly into a reused buffer that goes to the file every
//! [`FLUSH_AT`] bytes. A fleet's summary runs to megabytes, written while the rest of the run waits for it;
//! `summary.json` is exactly what `serde_json::to_writer_pretty` prints for a [`Summary`] (tested against it).

use std::fs;
use std::io::Write;
use std::path::Path;

use super::{DeviceResult, Status, Summary};
use crate::error::{Error, Result};
use crate::json::{self, Sink};

/// The buffer is written out once it holds this many bytes.
const FLUSH_AT: usize = 1 << 16;

impl Summary {
    /// Write the summary as pretty JSON with a final newline (what `summary.json` holds).
    pub fn write_json(&self, mut out: impl Write) -> std::io::Result<()> {
        let mut buf = Vec::with_capacity(FLUSH_AT + (FLUSH_AT >> 2));
        buf.bytes(b"{\n  \"written\": ");
        json::number(&mut buf, self.written as u64);
        buf.bytes(b",\n  \"unchanged\": ");
        json::number(&mut buf, self.unchanged as u64);
        buf.bytes(b",\n  \"failed\": ");
        json::number(&mut buf, self.failed as u64);
        buf.bytes(b",\n  \"devices\": ");
        // The buffer goes to the file whenever it is full; after a write error the rest is only rendered (the
        // buffer stays small) and the first error is returned.
        let mut written = Ok(());
        json::array(&mut buf, &self.devices, "    ", |buf, device| {
            device_json(buf, device);
            if buf.len() >= FLUSH_AT {
                if written.is_ok() {
                    written = out.write_all(buf);
                }
                buf.clear();
            }
        });
        written?;
        buf.bytes(b"\n}\n");
        out.write_all(&buf)
    }

    /// [`Summary::write_json`] into a string.
    pub fn to_json(&self) -> String {
        let mut json = Vec::new();
        // Writing into memory does not fail, and only `&str` text and escapes go in.
        let _ = self.write_json(&mut json);
        String::from_utf8(json).unwrap_or_default()
    }
}

/// One device's object, at the depth of an entry of `devices`.
fn device_json(out: &mut Vec<u8>, d: &DeviceResult) {
    out.bytes(b"{\n      \"device\": ");
    json::string(out, &d.device);
    out.bytes(b",\n      \"status\": \"");
    out.bytes(status_name(d.status).as_bytes());
    out.bytes(b"\",\n      \"certificate_id\": ");
    optional_string(out, d.certificate_id.as_deref());
    out.bytes(b",\n      \"expiry\": ");
    optional_string(out, d.expiry.as_deref());
    out.bytes(b",\n      \"findings\": ");
    json::array(out, &d.findings, "        ", |out, code| {
        json::string(out, code)
    });
    out.bytes(b",\n      \"outputs\": ");
    json::array(out, &d.outputs, "        ", |out, file| {
        out.bytes(b"{\n          \"name\": ");
        json::string(out, &file.name);
        out.bytes(b",\n          \"sha256\": ");
        json::string(out, &file.sha256);
        out.bytes(b"\n        }");
    });
    out.bytes(b",\n      \"error\": ");
    optional_string(out, d.error.as_deref());
    out.bytes(b",\n      \"error_kind\": ");
    optional_string(out, d.error_kind);
    out.bytes(b"\n    }");
}

fn optional_string(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => json::string(out, text),
        None => out.bytes(b"null"),
    }
}

fn status_name(status: Status) -> &'static str {
    match status {
        Status::Written => "written",
        Status::Unchanged => "unchanged",
        Status::Failed => "failed",
    }
}

/// `summary.csv` and `summary.json` in the output folder, each written into a temporary file and renamed into
/// place.
pub(super) fn write_summary(summary: &Summary, out: &Path) -> Result<()> {
    // The two files are written at the same time: after the devices, nothing else runs in parallel.
    let (csv, json) = rayon::join(
        || write_atomically(out, "summary.csv", |w| write_csv(summary, w)),
        || write_atomically(out, "summary.json", |w| summary.write_json(w)),
    );
    csv.and(json)
}

fn write_csv(summary: &Summary, mut out: impl Write) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(FLUSH_AT + (FLUSH_AT >> 2));
    buf.bytes(b"device,status,certificate_id,expiry,findings,outputs,error\n");
    // The joined fields, built in reused strings.
    let (mut findings, mut outputs) = (String::new(), String::new());
    for d in &summary.devices {
        findings.clear();
        for (i, code) in d.findings.iter().enumerate() {
            if i > 0 {
                findings.push(';');
            }
            findings.push_str(code);
        }
        outputs.clear();
        for (i, o) in d.outputs.iter().enumerate() {
            if i > 0 {
                outputs.push(';');
            }
            outputs.push_str(&o.name);
            outputs.push('=');
            outputs.push_str(&o.sha256);
        }
        let row = [
            d.device.as_str(),
            status_name(d.status),
            d.certificate_id.as_deref().unwrap_or_default(),
            d.expiry.as_deref().unwrap_or_default(),
            &findings,
            &outputs,
            d.error.as_deref().unwrap_or_default(),
        ];
        for (i, field) in row.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            csv_field(&mut buf, field);
        }
        buf.push(b'\n');
        if buf.len() >= FLUSH_AT {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)
}

/// A CSV field, quoted (with its quotes doubled) when it holds a comma, a quote or a line break.
fn csv_field(out: &mut Vec<u8>, field: &str) {
    if !field.contains([',', '"', '\n', '\r']) {
        out.bytes(field.as_bytes());
        return;
    }
    out.push(b'"');
    for (i, part) in field.split('"').enumerate() {
        if i > 0 {
            out.bytes(b"\"\"");
        }
        out.bytes(part.as_bytes());
    }
    out.push(b'"');
}

/// Write `out/name` through `out/.name.certpack-tmp` and a rename.
fn write_atomically(
    out: &Path,
    name: &str,
    fill: impl FnOnce(&mut fs::File) -> std::io::Result<()>,
) -> Result<()> {
    let path = out.join(name);
    let tmp = out.join(format!(".{name}.certpack-tmp"));
    let write = || -> std::io::Result<()> {
        let mut file = fs::File::create(&tmp)?;
        fill(&mut file)?;
        fs::rename(&tmp, &path)
    };
    write().map_err(|e| Error::from(e).in_path(path.display().to_string()))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::{DeviceResult, OutputFile, Status, Summary};
    use super::write_csv;

    /// What `summary.json` held when serde_json wrote it: the reference.
    fn reference(summary: &Summary) -> String {
        serde_json::to_string_pretty(summary).unwrap() + "\n"
    }

    /// The CSV as the former writer built it, field by field.
    fn reference_csv(summary: &Summary) -> String {
        let field = |s: &str| {
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        let mut csv = String::from("device,status,certificate_id,expiry,findings,outputs,error\n");
        for d in &summary.devices {
            let outputs: Vec<String> = d
                .outputs
                .iter()
                .map(|o| format!("{}={}", o.name, o.sha256))
                .collect();
            let status = serde_json::to_value(d.status).unwrap();
            let row = [
                d.device.clone(),
                status.as_str().unwrap().to_string(),
                d.certificate_id.clone().unwrap_or_default(),
                d.expiry.clone().unwrap_or_default(),
                d.findings.join(";"),
                outputs.join(";"),
                d.error.clone().unwrap_or_default(),
            ];
            let row: Vec<String> = row.iter().map(|f| field(f)).collect();
            csv.push_str(&row.join(","));
            csv.push('\n');
        }
        csv
    }

    fn csv(summary: &Summary) -> String {
        let mut out = Vec::new();
        write_csv(summary, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Text with every character class a field can meet: quotes, backslashes, control characters, separators,
    /// non-ASCII.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z0-9/._-]{0,12}",
            any::<String>(),
            proptest::collection::vec(
                prop_oneof![
                    Just('"'),
                    Just('\\'),
                    Just(','),
                    Just(';'),
                    Just('='),
                    Just('\n'),
                    Just('\r'),
                    Just('\u{7f}'),
                    Just('é'),
                    (0u8..0x20).prop_map(char::from),
                    proptest::char::range('a', 'c'),
                ],
                0..12
            )
            .prop_map(|chars| chars.into_iter().collect()),
        ]
    }

    fn device() -> impl Strategy<Value = DeviceResult> {
        (
            text(),
            prop_oneof![
                Just(Status::Written),
                Just(Status::Unchanged),
                Just(Status::Failed)
            ],
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::collection::vec(text(), 0..3),
            proptest::collection::vec((text(), text()), 0..4),
            proptest::option::of(text()),
            proptest::option::of(prop_oneof![Just("io"), Just("target")]),
        )
            .prop_map(
                |(device, status, certificate_id, expiry, findings, outputs, error, error_kind)| {
                    DeviceResult {
                        device,
                        status,
                        certificate_id,
                        expiry,
                        findings,
                        outputs: outputs
                            .into_iter()
                            .map(|(name, sha256)| OutputFile { name, sha256 })
                            .collect(),
                        error,
                        error_kind,
                    }
                },
            )
    }

    fn summary(devices: Vec<DeviceResult>) -> Summary {
        let count = |s: Status| devices.iter().filter(|d| d.status == s).count();
        Summary {
            written: count(Status::Written),
            unchanged: count(Status::Unchanged),
            failed: count(Status::Failed),
            devices,
        }
    }

    proptest! {
        #[test]
        fn json_is_serde_json_pretty(devices in proptest::collection::vec(device(), 0..4)) {
            let summary = summary(devices);
            prop_assert_eq!(summary.to_json(), reference(&summary));
        }

        #[test]
        fn csv_quotes_what_needs_quoting(devices in proptest::collection::vec(device(), 0..4)) {
            let summary = summary(devices);
            prop_assert_eq!(csv(&summary), reference_csv(&summary));
        }
    }

    /// A writer that takes `room` bytes, then fails as a full disk does.
    struct FullDisk {
        room: usize,
        taken: usize,
    }

    impl std::io::Write for FullDisk {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if self.taken + bytes.len() > self.room {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::StorageFull,
                    "no space left",
                ));
            }
            self.taken += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A full disk is reported, for both files, whatever the summary's size.
    #[test]
    fn a_full_disk_is_an_error() {
        let summary = long_summary(2_000);
        let full = || FullDisk {
            room: 100_000,
            taken: 0,
        };
        let err = summary.write_json(full()).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::StorageFull);
        let err = write_csv(&summary, full()).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::StorageFull);
    }

    fn long_summary(n: usize) -> Summary {
        let devices = (0..n)
            .map(|n| DeviceResult {
                device: format!("dev-{n:05}"),
                status: Status::Written,
                certificate_id: Some(format!("{n:064x}")),
                expiry: Some("2049-12-31T23:59:59Z".into()),
                findings: vec!["CP302".into()],
                outputs: (0..11)
                    .map(|i| OutputFile {
                        name: format!("target/file-{i}.bin"),
                        sha256: format!("{:064x}", n * 11 + i),
                    })
                    .collect(),
                error: None,
                error_kind: None,
            })
            .collect();
        summary(devices)
    }

    /// A fleet large enough that both files go out in several pieces.
    #[test]
    fn long_summaries_are_written_whole() {
        let summary = long_summary(2_000);
        assert_eq!(summary.to_json(), reference(&summary));
        assert_eq!(csv(&summary), reference_csv(&summary));
    }
}
