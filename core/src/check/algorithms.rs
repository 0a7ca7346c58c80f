//! CP4xx: key types, curves, sizes and signature algorithms the target (and the cloud) can use (F7).

use super::{Code, Context, Finding, Severity};
use crate::item::Item;
use crate::key::{Curve, KeyAlgorithm, KeyForm};

pub(super) const EC_ON_RSA_ONLY: Code = Code::new(
    "CP401",
    Severity::Error,
    "an EC key or root on a target whose TLS stack is RSA-only",
);
pub(super) const P384_UNSUPPORTED: Code = Code::new(
    "CP402",
    Severity::Error,
    "a P-384 key or root on a target without P-384",
);
pub(super) const UNUSUAL_ALGORITHM: Code = Code::new(
    "CP403",
    Severity::Warning,
    "a device key type embedded stacks and clouds rarely accept",
);
pub(super) const RSA_TOO_LARGE: Code = Code::new(
    "CP404",
    Severity::Error,
    "an RSA key larger than the target supports",
);
pub(super) const RSA_TOO_SMALL: Code = Code::new(
    "CP405",
    Severity::Warning,
    "an RSA device key under 2048 bits",
);
pub(super) const WAS_ENCRYPTED: Code = Code::new(
    "CP406",
    Severity::Info,
    "the key was encrypted; outputs hold it decrypted",
);
pub(super) const WEAK_SIGNATURE: Code = Code::new(
    "CP407",
    Severity::Warning,
    "a certificate signed with SHA-1 or MD5",
);

/// OIDs of signature algorithms that use a broken hash.
pub(super) fn weak_hash(oid: &der::asn1::ObjectIdentifier) -> Option<&'static str> {
    use der::asn1::ObjectIdentifier as Oid;
    const WEAK: [(Oid, &str); 3] = [
        (
            Oid::new_unwrap("1.2.840.113549.1.1.4"),
            "md5WithRSAEncryption",
        ),
        (
            Oid::new_unwrap("1.2.840.113549.1.1.5"),
            "sha1WithRSAEncryption",
        ),
        (Oid::new_unwrap("1.2.840.10045.4.1"), "ecdsa-with-SHA1"),
    ];
    WEAK.iter()
        .find(|(weak, _)| weak == oid)
        .map(|(_, name)| *name)
}

pub(super) fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    // The device's key pair: the private key, or the device certificate's key when no key was given.
    let device: Option<(&Item, &KeyAlgorithm)> = ctx
        .bundle
        .key()
        .or(ctx.bundle.leaf())
        .map(|i| (i, i.public_key().algorithm()));
    if let Some((item, algorithm)) = device {
        device_key(ctx, item, algorithm, out);
    }
    if let Some(key) = ctx
        .bundle
        .key()
        .and_then(|k| k.private_key().map(|p| (k, p)))
    {
        if key.1.form() == KeyForm::EncryptedPkcs8 {
            out.push(ctx.finding(WAS_ENCRYPTED, |f| {
                let why = match ctx.capabilities {
                    Some(c) if c.no_encrypted_keys => format!(
                        "{} cannot decrypt keys, so ",
                        ctx.target_name().unwrap_or("the target")
                    ),
                    _ => String::new(),
                };
                f.says(
                    format!(
                        "the private key was given encrypted (ENCRYPTED PRIVATE KEY); {why}every file certpack writes holds it decrypted"
                    ),
                    "treat the outputs marked secret like the key itself: do not commit them, delete them after flashing",
                )
                .in_path(key.0.origin.path.clone())
            }));
        }
    }
    // The server root: the device verifies the server's chain with it.
    if let Some(root) = ctx.bundle.server_root() {
        if !ctx.is_chain_root(root) {
            target_limits(ctx, root, root.public_key().algorithm(), out);
        }
    }
    for (item, cert) in ctx.certificates() {
        if cert.is_self_issued() {
            continue;
        }
        if let Some(name) = weak_hash(&cert.x509().signature_algorithm.oid) {
            out.push(ctx.finding(WEAK_SIGNATURE, |f| {
                f.says(
                    format!(
                        "{} is signed with {name}: AWS IoT accepts SHA-256/384/512 signatures only, mbedTLS's default certificate profile rejects SHA-1, and certpack does not verify it",
                        ctx.describe(item)
                    ),
                    "issue the certificate again with SHA-256 (openssl ... -sha256; AWS and Azure CAs do so by default)",
                )
                .in_path(item.origin.path.clone())
            }));
        }
    }
}

fn device_key(ctx: &Context<'_>, item: &Item, algorithm: &KeyAlgorithm, out: &mut Vec<Finding>) {
    let unusual = |what: &dyn Fn() -> String| {
        ctx.finding(UNUSUAL_ALGORITHM, |f| {
            f.says(
                format!("the device has {}: AWS IoT, Azure IoT Hub and most embedded TLS stacks (mbedTLS builds, BearSSL, modem firmware) accept RSA 2048 or EC P-256 device keys", what()),
                "create the device key as EC P-256 (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256) or RSA 2048, and a certificate for it",
            )
            .in_path(item.origin.path.clone())
        })
    };
    match algorithm {
        KeyAlgorithm::Ec {
            curve: Curve::P256 | Curve::P384,
        } => {}
        KeyAlgorithm::Rsa { bits } => {
            if *bits < 2048 {
                out.push(ctx.finding(RSA_TOO_SMALL, |f| {
                    f.says(
                        format!("the device key is RSA {bits}: AWS IoT refuses to register it ('The key in the certificate is not valid') and 2048 bits is the minimum for device keys"),
                        "create an RSA 2048 (or EC P-256) key and a certificate for it",
                    )
                    .in_path(item.origin.path.clone())
                }));
            }
        }
        KeyAlgorithm::Ec { curve } => out.push(unusual(&|| format!("an EC key on {curve}"))),
        KeyAlgorithm::Ed25519 => out.push(unusual(&|| "an Ed25519 key".to_string())),
        KeyAlgorithm::Other { oid } => out.push(unusual(&|| format!("a key of algorithm {oid}"))),
    }
    target_limits(ctx, item, algorithm, out);
}

/// The target's capability limits for a key (the device's or the server root's).
fn target_limits(ctx: &Context<'_>, item: &Item, algorithm: &KeyAlgorithm, out: &mut Vec<Finding>) {
    let Some(caps) = ctx.capabilities else {
        return;
    };
    // For the texts: the target, whether the key is the server root's, and how to name the key.
    let subject = || {
        let is_root = item.certificate().is_some() && !ctx.is_leaf(item);
        let what = if is_root {
            format!("the server root {}", ctx.describe(item))
        } else {
            "the device key".to_string()
        };
        (ctx.target_name().unwrap_or("the target"), is_root, what)
    };
    let path = || item.origin.path.clone();
    match algorithm {
        KeyAlgorithm::Ec { curve } if caps.rsa_only => out.push(ctx.finding(EC_ON_RSA_ONLY, |f| {
            let (target, is_root, what) = subject();
            let hint = if is_root {
                "ship an RSA root instead: AmazonRootCA1.pem for AWS IoT, DigiCert Global Root G2 for Azure"
            } else {
                "create an RSA 2048 key and certificate for this device (AWS: aws iot create-keys-and-certificate gives RSA 2048), or choose a target whose TLS stack supports EC"
            };
            f.says(
                format!("{what} is EC {curve}, but {target}'s TLS stack is RSA-only (mbedTLS -0x3C80 PK_UNKNOWN_PK_ALG)"),
                hint,
            )
            .in_path(path())
        })),
        KeyAlgorithm::Ec { curve: Curve::P384 } if caps.no_p384 => {
            out.push(ctx.finding(P384_UNSUPPORTED, |f| {
                let (target, is_root, what) = subject();
                let hint = if is_root {
                    "ship a P-256 or RSA root instead (Amazon Root CA 3 is P-256, Amazon Root CA 1 RSA 2048)"
                } else {
                    "create the device key on P-256 (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256) and a certificate for it"
                };
                f.says(
                    format!("{what} is EC P-384, which {target} does not support (mbedTLS -0x3A00 PK_UNKNOWN_NAMED_CURVE)"),
                    hint,
                )
                .in_path(path())
            }))
        }
        KeyAlgorithm::Rsa { bits } if caps.max_rsa_bits > 0 && *bits > caps.max_rsa_bits => {
            out.push(ctx.finding(RSA_TOO_LARGE, |f| {
                let (target, is_root, what) = subject();
                let hint = if is_root {
                    "ship a root with a smaller key: Amazon Root CA 1 and DigiCert Global Root G2 are RSA 2048".to_string()
                } else {
                    format!(
                        "create an RSA key of at most {} bits (or an EC P-256 key if {target} supports EC) and a certificate for it",
                        caps.max_rsa_bits
                    )
                };
                f.says(
                    format!(
                        "{what} is RSA {bits}, but {target} handles RSA keys up to {} bits",
                        caps.max_rsa_bits
                    ),
                    hint,
                )
                .in_path(path())
            }))
        }
        _ => {}
    }
}
