//! CP1xx: the private key and the device certificate belong together, and nothing is mixed up (F6).

use super::{file_name, Code, Context, Finding, Severity};
use crate::item::{Content, Item, Role};

pub(super) const MISMATCH: Code = Code::new(
    "CP101",
    Severity::Error,
    "the private key does not belong to the device certificate",
);
pub(super) const NAMES_SWAPPED: Code = Code::new(
    "CP102",
    Severity::Warning,
    "a file named like a key holds a certificate, or the reverse",
);
pub(super) const SEVERAL_KEYS: Code =
    Code::new("CP103", Severity::Warning, "more than one private key");
pub(super) const SEVERAL_LEAVES: Code = Code::new(
    "CP104",
    Severity::Warning,
    "more than one device certificate",
);
pub(super) const NOT_CHECKED: Code = Code::new(
    "CP105",
    Severity::Info,
    "key match not checked: the device certificate or the key is missing",
);
pub(super) const AWS_ID_MISMATCH: Code = Code::new(
    "CP106",
    Severity::Warning,
    "the AWS CLI JSON's certificateId is not its certificate's",
);

pub(super) const DAMAGED_FILE: Code = Code::new(
    "CP107",
    Severity::Error,
    "a file named like a certificate or key is empty or holds neither",
);

pub(super) fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let bundle = ctx.bundle;
    let leaf = bundle.leaf().and_then(|i| i.certificate().map(|c| (i, c)));
    let key = bundle.key();
    match (leaf, key) {
        (Some((leaf_item, cert)), Some(key_item)) => {
            if bundle.key_matches_leaf() == Some(false) {
                out.push(ctx.finding(MISMATCH, |f| {
                    let id = cert.aws_certificate_id();
                    let prefix: String = id.chars().take(10).collect();
                    f.says(
                        format!(
                            "the private key in {} does not belong to the device certificate in {} (certificate ID {prefix}...): the TLS handshake fails at CertificateVerify",
                            key_item.origin, leaf_item.origin
                        ),
                        format!(
                            "use the key that was created with this certificate (the AWS console names them {prefix}-certificate.pem.crt and {prefix}-private.pem.key); if that key is lost, create a new certificate (aws iot create-keys-and-certificate --set-as-active) and attach it to the thing and policy"
                        ),
                    )
                    .in_path(key_item.origin.path.clone())
                }));
            }
        }
        (Some((leaf_item, _)), None) => out.push(ctx.finding(NOT_CHECKED, |f| {
            f.says(
                "no private key was given, so whether it belongs to the device certificate was not checked",
                "add the private key file (<id>-private.pem.key from the AWS console, device.key.pem for Azure) to check the pair",
            )
            .in_path(leaf_item.origin.path.clone())
        })),
        (None, Some(key_item)) => out.push(ctx.finding(NOT_CHECKED, |f| {
            f.says(
                "no device certificate was given, so whether the private key belongs to it was not checked",
                "add the device certificate (<id>-certificate.pem.crt from the AWS console) to check the pair",
            )
            .in_path(key_item.origin.path.clone())
        })),
        (None, None) => {}
    }
    several_keys(ctx, out);
    several_leaves(ctx, out);
    swapped_names(ctx, out);
    damaged_files(ctx, out);
    for note in bundle.notes() {
        if note.contains("the JSON's certificateId") {
            out.push(ctx.finding(AWS_ID_MISMATCH, |f| {
                let path = ctx
                    .bundle
                    .items()
                    .iter()
                    .map(|i| i.origin.path.as_str())
                    .find(|p| note.starts_with(&format!("{p}: ")));
                let text = path.map_or(note.as_str(), |p| &note[p.len() + 2..]);
                let f = f.says(
                    text,
                    "use the unedited output of aws iot create-keys-and-certificate, or check the certificate ID in the AWS console (Security > Certificates) against the sha256 that certpack inspect prints",
                );
                match path {
                    Some(p) => f.in_path(p),
                    None => f,
                }
            }));
        }
    }
}

fn several_keys(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let keys: Vec<&Item> = ctx
        .bundle
        .items()
        .iter()
        .filter(|i| matches!(i.content, Content::PrivateKey(_)))
        .collect();
    if keys.len() < 2 {
        return;
    }
    out.push(ctx.finding(SEVERAL_KEYS, |f| {
        let used = ctx
            .bundle
            .key()
            .map(|k| k.origin.to_string())
            .unwrap_or_default();
        let all: Vec<String> = keys.iter().map(|k| k.origin.to_string()).collect();
        let f = f.says(
            format!(
                "{} private keys were given ({}); only the one in {used} is used",
                keys.len(),
                all.join(", ")
            ),
            "give only the private key that belongs to the device certificate; keys from other downloads get mixed up when flashed by name",
        );
        match keys
            .iter()
            .find(|k| ctx.bundle.key().is_none_or(|used| !std::ptr::eq(used, **k)))
        {
            Some(unused) => f.in_path(unused.origin.path.clone()),
            None => f,
        }
    }));
}

/// Non-CA certificates other than the leaf that do not look like server certificates (those are CP204).
fn several_leaves(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let others: Vec<&Item> = ctx
        .certificates()
        .filter(|(item, cert)| {
            item.role == Role::Leaf
                && !ctx.is_leaf(item)
                && !super::roots::looks_like_server(cert)
                && !cert.is_self_issued()
        })
        .map(|(item, _)| item)
        .collect();
    let Some(first) = others.first() else {
        return;
    };
    out.push(ctx.finding(SEVERAL_LEAVES, |f| {
        let used = ctx
            .bundle
            .leaf()
            .map(|l| l.origin.to_string())
            .unwrap_or_default();
        let extra: Vec<String> = others.iter().map(|i| i.origin.to_string()).collect();
        f.says(
            format!(
                "more than one device certificate was given: {} also holds one; only the one in {used} (the one the key belongs to) is used",
                extra.join(", ")
            ),
            "give only the device certificate that belongs to the key; certificates from several console downloads get mixed up",
        )
        .in_path(first.origin.path.clone())
    }));
}

/// A certificate in a file named like a private key, or a private key in a file named like a certificate.
fn swapped_names(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for path in ctx.input_paths() {
        let mut items = ctx.items_from(path);
        let name = file_name(path).to_ascii_lowercase();
        let (named_key, named_cert) = (named_like_key(&name), named_like_certificate(&name));
        let all_certs = items.clone().all(|i| i.certificate().is_some());
        let all_keys = items.all(|i| matches!(i.content, Content::PrivateKey(_)));
        let what = if named_key && all_certs {
            "is named like a private key but holds a certificate"
        } else if named_cert && all_keys {
            "is named like a certificate but holds a private key"
        } else {
            continue;
        };
        out.push(ctx.finding(NAMES_SWAPPED, |f| {
            f.says(
                format!("{} {what}: the certificate and key files were swapped", file_name(path)),
                "rename the files after their content (certpack reads them by content, but module slots and tools that go by name put them in the wrong place: Quectel clientcert must get the certificate, clientkey the key)",
            )
            .in_path(path)
        }));
    }
}

/// Whether a lowercase file name says private key (`<id>-private.pem.key`, `device.key`).
fn named_like_key(name: &str) -> bool {
    name.contains("private") || name.ends_with(".key")
}

/// Whether a lowercase file name says certificate (`<id>-certificate.pem.crt`, `cert.pem`, `ca.cer`).
fn named_like_certificate(name: &str) -> bool {
    !name.contains("key")
        && (name.contains("certificate")
            || name.contains("cert.")
            || name.ends_with(".crt")
            || name.ends_with(".cer"))
}

/// A folder's file that loading skipped (empty, binary junk, another format) although its name says certificate or
/// key: a copy or download cut off or overwritten, usually the very item the bundle then lacks. An error, so that a
/// factory batch stops that device rather than writing it without its certificate or key.
fn damaged_files(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let bundle = ctx.bundle;
    for skipped in bundle.skipped() {
        let name = file_name(&skipped.input).to_ascii_lowercase();
        let (key, certificate) = (named_like_key(&name), named_like_certificate(&name));
        let credential = [".pem", ".der", ".p8", ".pk8"]
            .iter()
            .any(|ext| name.ends_with(ext));
        let what = match (key, certificate) {
            (true, _) => "a private key",
            (false, true) => "a certificate",
            (false, false) if credential => "a certificate or key",
            (false, false) => continue,
        };
        let lacks = match (key, certificate) {
            (true, _) if bundle.key().is_none() => "; the bundle has no private key",
            (false, true) if bundle.leaf().is_none() => "; the bundle has no device certificate",
            _ => "",
        };
        out.push(ctx.finding(DAMAGED_FILE, |f| {
            f.says(
                format!(
                    "{} is named like {what} but was skipped ({}){lacks}",
                    file_name(&skipped.input),
                    skipped.why
                ),
                "replace it with the file it should be (a copy or download was cut off or overwritten: copy or download it again); if it does not belong to the device, remove it",
            )
            .in_path(skipped.input.clone())
        }));
    }
}
