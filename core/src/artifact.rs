//! The common output model: every target produces [`Artifacts`], a list of named files with metadata, plus the
//! `manifest.json` and `README.txt` that say what each file is and where it goes.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::cert::hex;

/// One output file.
#[derive(Clone, Serialize)]
pub struct Artifact {
    /// Relative path with `/` separators, e.g. `client_cert.bin` or `include/certs.h`.
    pub name: String,
    /// The exact bytes (zeroized on drop: may contain a key).
    #[serde(skip)]
    pub bytes: Zeroizing<Vec<u8>>,
    /// One line: what the file is.
    pub description: String,
    /// True when the file contains private key material.
    pub secret: bool,
    /// Flash placement, for partition images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flash: Option<Flash>,
    /// The AT command that uploads or uses this file, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_command: Option<String>,
    /// Further values: integrity values a module echoes, symbol names, ...
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub meta: BTreeMap<String, String>,
}

impl std::fmt::Debug for Artifact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Artifact({}, {} bytes{})",
            self.name,
            self.bytes.len(),
            if self.secret { ", secret" } else { "" }
        )
    }
}

/// Where a partition image is flashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flash {
    /// Partition name.
    pub partition: String,
    /// Flash offset in bytes.
    pub offset: u32,
    /// Partition size in bytes.
    pub size: u32,
}

impl Artifact {
    /// A new artifact; mark secrets with [`Artifact::secret`].
    pub fn new(
        name: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
        description: impl Into<String>,
    ) -> Artifact {
        Artifact {
            name: name.into(),
            bytes: Zeroizing::new(bytes.into()),
            description: description.into(),
            secret: false,
            flash: None,
            at_command: None,
            meta: BTreeMap::new(),
        }
    }
    /// Mark as containing private key material.
    pub fn secret(mut self) -> Artifact {
        self.secret = true;
        self
    }
    /// Set where it is flashed.
    pub fn flash(mut self, partition: impl Into<String>, offset: u32, size: u32) -> Artifact {
        self.flash = Some(Flash {
            partition: partition.into(),
            offset,
            size,
        });
        self
    }
    /// Set the AT command that uploads it.
    pub fn at_command(mut self, command: impl Into<String>) -> Artifact {
        self.at_command = Some(command.into());
        self
    }
    /// Add a metadata value.
    pub fn meta(mut self, key: impl Into<String>, value: impl Into<String>) -> Artifact {
        self.meta.insert(key.into(), value.into());
        self
    }
    /// SHA-256 of the bytes, lowercase hex.
    pub fn sha256_hex(&self) -> String {
        hex(&Sha256::digest(&self.bytes[..]))
    }
}

/// What a target produced.
#[derive(Debug, Clone, Serialize)]
pub struct Artifacts {
    /// The target's name.
    pub target: String,
    /// The files, in a stable order.
    pub files: Vec<Artifact>,
    /// How to use the files: becomes `README.txt`.
    #[serde(skip)]
    pub readme: String,
    /// Remarks for the user (choices made, defaults applied).
    pub notes: Vec<String>,
}

#[derive(Serialize)]
struct ManifestFile<'a> {
    name: &'a str,
    size: usize,
    sha256: String,
    description: &'a str,
    secret: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    flash: &'a Option<Flash>,
    #[serde(skip_serializing_if = "Option::is_none")]
    at_command: &'a Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    meta: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
struct Manifest<'a> {
    certpack_version: &'static str,
    target: &'a str,
    files: Vec<ManifestFile<'a>>,
    notes: &'a [String],
}

impl Artifacts {
    /// An empty set for `target`.
    pub fn new(target: impl Into<String>) -> Artifacts {
        Artifacts {
            target: target.into(),
            files: Vec::new(),
            readme: String::new(),
            notes: Vec::new(),
        }
    }
    /// Add a file.
    pub fn push(&mut self, artifact: Artifact) {
        self.files.push(artifact);
    }
    /// Find a file by name.
    pub fn get(&self, name: &str) -> Option<&Artifact> {
        self.files.iter().find(|a| a.name == name)
    }
    /// `manifest.json`: each file's name, size, sha256 and placement or command. Deterministic (no timestamps).
    pub fn manifest_json(&self) -> String {
        let manifest = Manifest {
            certpack_version: crate::VERSION,
            target: &self.target,
            files: self
                .files
                .iter()
                .map(|a| ManifestFile {
                    name: &a.name,
                    size: a.bytes.len(),
                    sha256: a.sha256_hex(),
                    description: &a.description,
                    secret: a.secret,
                    flash: &a.flash,
                    at_command: &a.at_command,
                    meta: &a.meta,
                })
                .collect(),
            notes: &self.notes,
        };
        let mut text = serde_json::to_string_pretty(&manifest).unwrap_or_else(|_| "{}".into());
        text.push('\n');
        text
    }
    /// `README.txt`: the target's instructions followed by the file list.
    pub fn readme_txt(&self) -> String {
        let mut text = format!("certpack {} - target {}\n\n", crate::VERSION, self.target);
        if !self.readme.is_empty() {
            text.push_str(self.readme.trim_end());
            text.push_str("\n\n");
        }
        text.push_str("Files:\n");
        for a in &self.files {
            text.push_str(&format!(
                "  {}  ({} bytes{}) - {}\n",
                a.name,
                a.bytes.len(),
                if a.secret {
                    ", SECRET: contains the private key"
                } else {
                    ""
                },
                a.description
            ));
            if let Some(flash) = &a.flash {
                text.push_str(&format!(
                    "      flash at 0x{:x} (partition {}, {} bytes)\n",
                    flash.offset, flash.partition, flash.size
                ));
            }
            if let Some(cmd) = &a.at_command {
                text.push_str(&format!("      {cmd}\n"));
            }
        }
        if !self.notes.is_empty() {
            text.push_str("\nNotes:\n");
            for n in &self.notes {
                text.push_str(&format!("  - {n}\n"));
            }
        }
        text
    }
    /// Every file to write: the artifacts, then `manifest.json` and `README.txt`.
    pub fn all_files(&self) -> Vec<(String, Zeroizing<Vec<u8>>)> {
        let mut out: Vec<(String, Zeroizing<Vec<u8>>)> = self
            .files
            .iter()
            .map(|a| (a.name.clone(), a.bytes.clone()))
            .collect();
        out.push((
            "manifest.json".into(),
            Zeroizing::new(self.manifest_json().into_bytes()),
        ));
        out.push((
            "README.txt".into(),
            Zeroizing::new(self.readme_txt().into_bytes()),
        ));
        out
    }
}
