//! Assembling loaded items into a bundle: leaf, chain in issuing order, roots, key; and what is missing.

use crate::error::{Error, ErrorKind, Result};
use crate::input::{self, Input, LoadOptions};
use crate::item::{Content, Item, Role};

/// A device credential bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    items: Vec<Item>,
    leaf: Option<usize>,
    chain: Vec<usize>,
    roots: Vec<usize>,
    chain_root: Option<usize>,
    key: Option<usize>,
    notes: Vec<String>,
    skipped: Vec<Skipped>,
}

/// A file of a folder that loading skipped as neither certificate nor key: often the very certificate or key,
/// emptied or damaged by a copy, which is why an error about a missing item names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The input's name (its path).
    pub input: String,
    /// Why it was skipped (`the input is empty`, ...).
    pub why: String,
}

impl Bundle {
    /// Load and assemble a bundle from inputs.
    pub fn load(inputs: &[Input], options: &LoadOptions) -> Result<Bundle> {
        if inputs.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "no input was given",
                "name the certificate and key files, or the folder holding them",
            ));
        }
        let mut items = Vec::new();
        let mut notes = Vec::new();
        let mut skipped = Vec::new();
        for input in inputs {
            let loaded = input::load_input(input, options)?;
            if let Some(why) = loaded.skipped {
                skipped.push(Skipped {
                    input: input.name.clone(),
                    why,
                });
            }
            notes.extend(
                loaded
                    .notes
                    .into_iter()
                    .map(|n| format!("{}: {n}", input.name)),
            );
            items.extend(loaded.items);
        }
        Ok(Bundle {
            skipped,
            ..Self::assemble(items, notes)
        })
    }

    /// Load from file or folder paths.
    pub fn load_paths<P: AsRef<std::path::Path>>(
        paths: &[P],
        options: &LoadOptions,
    ) -> Result<Bundle> {
        let mut inputs = Vec::new();
        for p in paths {
            inputs.extend(Input::read_path(p.as_ref())?);
        }
        Self::load(&inputs, options)
    }

    /// Assign roles and order from already decoded items.
    pub fn assemble(mut items: Vec<Item>, mut notes: Vec<String>) -> Bundle {
        dedupe(&mut items, &mut notes);
        let keys: Vec<usize> = indices(&items, |i| matches!(i.content, Content::PrivateKey(_)));
        let certs: Vec<usize> = indices(&items, |i| i.certificate().is_some());
        // The leaf: the certificate the key belongs to; otherwise the first non-CA certificate.
        let matching = |k: usize| {
            certs
                .iter()
                .copied()
                .find(|&c| items[c].public_key().same_key(items[k].public_key()))
        };
        let (leaf, key) = match keys.iter().find_map(|&k| matching(k).map(|c| (c, k))) {
            Some((c, k)) => (Some(c), Some(k)),
            None => (
                certs.iter().copied().find(|&c| items[c].role == Role::Leaf),
                keys.first().copied(),
            ),
        };
        if let Some(l) = leaf {
            if items[l].role != Role::Leaf {
                notes.push(format!(
                    "{} is marked as a CA but the private key belongs to it, so it is used as the device certificate",
                    items[l].origin
                ));
                items[l].role = Role::Leaf;
            }
        }
        let other_leaves: Vec<usize> = certs
            .iter()
            .copied()
            .filter(|&c| Some(c) != leaf && items[c].role == Role::Leaf)
            .collect();
        for &c in &other_leaves {
            notes.push(format!(
                "{} is a second device (non-CA) certificate; only one is used",
                items[c].origin
            ));
        }
        if keys.len() > 1 {
            notes.push(format!(
                "{} private keys were given; only one is used",
                keys.len()
            ));
        }
        // Chain: follow issuers from the leaf through the CA certificates.
        let mut chain = Vec::new();
        let mut chain_root = None;
        if let Some(l) = leaf {
            let mut current = l;
            while let Some(next) = certs.iter().copied().find(|&c| {
                c != current && !chain.contains(&c) && c != l && items[c].role != Role::Leaf && {
                    let (child, parent) = (items[current].certificate(), items[c].certificate());
                    matches!((child, parent), (Some(ch), Some(p)) if ch.is_issued_by(p))
                }
            }) {
                if items[next].role == Role::Root {
                    chain_root = Some(next);
                    break;
                }
                chain.push(next);
                current = next;
            }
        }
        for &c in &certs {
            if items[c].role == Role::Intermediate && !chain.contains(&c) {
                if leaf.is_some() {
                    notes.push(format!(
                        "{} is a CA certificate that does not issue the device certificate's chain",
                        items[c].origin
                    ));
                }
                chain.push(c);
            }
        }
        // Server trust anchors first; the root of the device's own chain last.
        let mut roots: Vec<usize> = certs
            .iter()
            .copied()
            .filter(|&c| items[c].role == Role::Root && Some(c) != chain_root)
            .collect();
        roots.extend(chain_root);
        let bundle = Bundle {
            items,
            leaf,
            chain,
            roots,
            chain_root,
            key,
            notes,
            skipped: Vec::new(),
        };
        bundle.with_missing_notes()
    }

    fn with_missing_notes(mut self) -> Bundle {
        if self.leaf.is_none() {
            self.notes
                .push("no device (leaf) certificate was found".into());
        }
        if self.key.is_none() {
            self.notes.push("no private key was found".into());
        }
        if self.roots.is_empty() {
            self.notes.push("no root CA certificate was found (the server's root, e.g. AmazonRootCA1.pem or DigiCert Global Root G2)".into());
        }
        self
    }

    /// All items in input order.
    pub fn items(&self) -> &[Item] {
        &self.items
    }
    /// The device certificate.
    pub fn leaf(&self) -> Option<&Item> {
        self.leaf.map(|i| &self.items[i])
    }
    /// Intermediates in issuing order (the leaf's issuer first).
    pub fn chain(&self) -> impl Iterator<Item = &Item> {
        self.chain.iter().map(|&i| &self.items[i])
    }
    /// Root certificates: server trust anchors first, then the root of the device's own chain (if given).
    pub fn roots(&self) -> impl Iterator<Item = &Item> {
        self.roots.iter().map(|&i| &self.items[i])
    }
    /// The root that issues the device certificate's chain (the device CA registered in the cloud), if given.
    pub fn chain_root(&self) -> Option<&Item> {
        self.chain_root.map(|i| &self.items[i])
    }
    /// The server's trust anchor: the first root that is not the device chain's own root (falling back to it).
    pub fn server_root(&self) -> Option<&Item> {
        self.roots().next()
    }
    /// The private key in use.
    pub fn key(&self) -> Option<&Item> {
        self.key.map(|i| &self.items[i])
    }
    /// Index of the leaf in [`Bundle::items`].
    pub fn leaf_index(&self) -> Option<usize> {
        self.leaf
    }
    /// Index of the key in [`Bundle::items`].
    pub fn key_index(&self) -> Option<usize> {
        self.key
    }
    /// Assembly notes and repairs, prefixed by input.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }
    /// Whether the private key belongs to the leaf certificate; `None` when either is missing.
    pub fn key_matches_leaf(&self) -> Option<bool> {
        let (leaf, key) = (self.leaf()?, self.key()?);
        Some(leaf.public_key().same_key(key.public_key()))
    }
    /// The AWS IoT certificate ID of the leaf (SHA-256 of its DER, lowercase hex); `None` without a leaf.
    pub fn certificate_id(&self) -> Option<String> {
        self.leaf()
            .and_then(|l| l.certificate())
            .map(|c| c.aws_certificate_id())
    }

    /// Inputs of a folder that were skipped as neither certificate nor key, in input order.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// The leaf, or an error saying it is needed for `purpose`.
    pub fn require_leaf(&self, purpose: &str) -> Result<&crate::cert::Certificate> {
        self.leaf().and_then(|i| i.certificate()).ok_or_else(|| {
            self.missing(
                format!("{purpose} needs the device certificate, and the bundle has none"),
                "add the device certificate (e.g. <id>-certificate.pem.crt) to the inputs",
            )
        })
    }
    /// The private key, or an error saying it is needed for `purpose`.
    pub fn require_key(&self, purpose: &str) -> Result<&crate::key::PrivateKey> {
        self.key().and_then(|i| i.private_key()).ok_or_else(|| {
            self.missing(
                format!("{purpose} needs the private key, and the bundle has none"),
                "add the private key (e.g. <id>-private.pem.key) to the inputs",
            )
        })
    }
    /// The first root, or an error saying it is needed for `purpose`.
    pub fn require_root(&self, purpose: &str) -> Result<&crate::cert::Certificate> {
        self.roots().next().and_then(|i| i.certificate()).ok_or_else(|| {
            self.missing(
                format!("{purpose} needs the server's root CA certificate, and the bundle has none"),
                "add the root CA (AmazonRootCA1.pem for AWS IoT, DigiCert Global Root G2 for Azure IoT Hub)",
            )
        })
    }

    /// A [`ErrorKind::Missing`] error saying `message` and how to fix it (`hint`), naming the inputs loading
    /// skipped: a device folder whose key file was emptied or damaged by a copy lacks its key, and the fix is
    /// that file, not another one.
    pub fn missing(&self, message: impl Into<String>, hint: &str) -> Error {
        let mut message = message.into();
        match self.skipped.as_slice() {
            [] => Error::new(ErrorKind::Missing, message, hint),
            [only] => {
                message.push_str(&format!("; this input was skipped: {}", only.why));
                Error::new(ErrorKind::Missing, message, format!("replace this file with the one it should be (it is empty, damaged or another kind of file: copy or download it again), or {hint}"))
                    .in_path(only.input.clone())
            }
            several => {
                let list: Vec<String> = several
                    .iter()
                    .map(|s| format!("{} ({})", s.input, s.why))
                    .collect();
                message.push_str(&format!("; these inputs were skipped: {}", list.join("; ")));
                Error::new(ErrorKind::Missing, message, format!("replace the skipped files with the ones they should be (empty, damaged or other kinds of files: copy or download them again), or {hint}"))
            }
        }
    }
}

fn indices(items: &[Item], pred: impl Fn(&Item) -> bool) -> Vec<usize> {
    items
        .iter()
        .enumerate()
        .filter(|(_, i)| pred(i))
        .map(|(n, _)| n)
        .collect()
}

/// Drop exact duplicates (the same certificate given twice), with a note.
fn dedupe(items: &mut Vec<Item>, notes: &mut Vec<String>) {
    let repeats = |i: usize| {
        items[i].certificate().is_some_and(|cert| {
            items[..i]
                .iter()
                .any(|earlier| earlier.certificate().is_some_and(|e| e.der() == cert.der()))
        })
    };
    let drop: Vec<bool> = (0..items.len()).map(repeats).collect();
    if !drop.contains(&true) {
        return;
    }
    let mut n = 0;
    items.retain(|item| {
        let repeated = drop[n];
        n += 1;
        if repeated {
            notes.push(format!(
                "{} repeats a certificate given earlier; the copy was dropped",
                item.origin
            ));
        }
        !repeated
    });
}
