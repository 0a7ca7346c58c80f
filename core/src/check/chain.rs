//! CP5xx: the device's certificate chain is complete, in order, and really signed by the CAs given (F8).

use super::algorithms::weak_hash;
use super::verify::{signed_by, Verified};
use super::{common_name, issuer_common_name, Code, Context, Finding, Severity};
use crate::cert::Certificate;
use crate::item::{Item, Role};

pub(super) const ORDER: Code = Code::new(
    "CP501",
    Severity::Warning,
    "a file lists the device chain out of order",
);
pub(super) const MISSING_INTERMEDIATE: Code = Code::new(
    "CP502",
    Severity::Warning,
    "the device certificate's issuer is missing",
);
pub(super) const BAD_SIGNATURE: Code = Code::new(
    "CP503",
    Severity::Error,
    "a certificate was not signed by the CA given as its issuer",
);
pub(super) const NOT_VERIFIED: Code = Code::new(
    "CP504",
    Severity::Info,
    "a signature certpack cannot verify (algorithm)",
);
pub(super) const ROOT_IN_CLIENT_CHAIN: Code = Code::new(
    "CP505",
    Severity::Warning,
    "the server root sits in the device certificate's file",
);

/// Longest device chain followed (a guard against loops in crafted input).
const MAX_DEPTH: usize = 16;

/// Issued by AWS IoT itself (console, CLI, CreateCertificateFromCsr): the device sends the leaf alone.
pub(super) fn is_aws_issued(cert: &Certificate) -> bool {
    let issuer = cert.issuer_text();
    issuer.contains("Amazon Web Services") && issuer.contains("Amazon.com Inc.")
}

pub(super) fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(leaf) = ctx.bundle.leaf() else {
        return;
    };
    let chain = walk(ctx, leaf, out);
    order(ctx, &chain, out);
    root_in_client_file(ctx, leaf, &chain, out);
}

/// Follow issuers from the leaf by name, verifying each signature; returns the chain (leaf first).
fn walk<'a>(ctx: &Context<'a>, leaf: &'a Item, out: &mut Vec<Finding>) -> Vec<&'a Item> {
    let mut chain: Vec<&'a Item> = vec![leaf];
    let mut current = leaf;
    while chain.len() < MAX_DEPTH {
        let Some(cert) = current.certificate() else {
            break;
        };
        if cert.is_self_issued() {
            break;
        }
        let issuer_name = &cert.x509().tbs_certificate.issuer;
        let candidates: Vec<(&'a Item, &'a Certificate)> = ctx
            .certificates()
            .filter(|(item, c)| {
                !chain.iter().any(|done| std::ptr::eq(*done, *item))
                    && &c.x509().tbs_certificate.subject == issuer_name
            })
            .collect();
        if candidates.is_empty() {
            if std::ptr::eq(current, leaf) && !is_aws_issued(cert) {
                missing_issuer(ctx, leaf, cert, out);
            }
            break;
        }
        let results: Vec<(&'a Item, Verified)> = candidates
            .iter()
            .map(|(item, issuer)| (*item, signed_by(cert, issuer)))
            .collect();
        if let Some((next, _)) = results.iter().find(|(_, r)| *r == Verified::Valid) {
            chain.push(next);
            current = next;
            continue;
        }
        if let Some((next, Verified::Unsupported(what))) = results
            .iter()
            .find(|(_, r)| matches!(r, Verified::Unsupported(_)))
        {
            if weak_hash(&cert.x509().signature_algorithm.oid).is_none() {
                out.push(ctx.finding(NOT_VERIFIED, |f| {
                    f.says(
                        format!(
                            "the signature of {} by {} was not verified: certpack checks RSA PKCS#1 v1.5 and ECDSA P-256/P-384 with SHA-256/384/512, and this one is {what}",
                            ctx.describe(current),
                            ctx.describe(next)
                        ),
                        format!(
                            "verify it with openssl: openssl verify -partial_chain -CAfile {} {}",
                            super::file_name(&next.origin.path),
                            super::file_name(&current.origin.path)
                        ),
                    )
                    .in_path(current.origin.path.clone())
                }));
            }
            chain.push(next);
            current = next;
            continue;
        }
        let Some((issuer_item, _)) = results.first() else {
            break;
        };
        out.push(ctx.finding(BAD_SIGNATURE, |f| {
            f.says(
                format!(
                    "{} names {} as its issuer, and a CA of that name is given in {}, but its key did not sign the certificate: it is a different CA with the same name (a test CA generated again?)",
                    ctx.describe(current),
                    issuer_common_name(cert),
                    issuer_item.origin
                ),
                "use the CA certificate that really issued it (the one registered with the cloud), or issue the device certificate again from this CA",
            )
            .in_path(current.origin.path.clone())
        }));
        break;
    }
    chain
}

fn missing_issuer(ctx: &Context<'_>, leaf: &Item, cert: &Certificate, out: &mut Vec<Finding>) {
    out.push(ctx.finding(MISSING_INTERMEDIATE, |f| {
        f.says(
            format!(
                "the device certificate is issued by {}, which is not in the bundle: unless that CA itself is registered with the cloud, the server cannot build the chain (Azure: 401002 'None of the intermediate CAs were found'; AWS: JITP/JITR does not trigger)",
                issuer_common_name(cert)
            ),
            format!(
                "add the certificate of {} (the intermediate CA) to the inputs; the device sends it after its own certificate",
                issuer_common_name(cert)
            ),
        )
        .in_path(leaf.origin.path.clone())
    }));
}

/// Within each input file, the device chain's certificates must appear leaf first, then issuer by issuer.
fn order(ctx: &Context<'_>, chain: &[&Item], out: &mut Vec<Finding>) {
    let position = |item: &Item| chain.iter().position(|c| std::ptr::eq(*c, item));
    for path in ctx.input_paths() {
        let in_file = ctx
            .items_from(path)
            .filter_map(|i| position(i).map(|p| (i, p)));
        let mut last = None;
        if in_file
            .clone()
            .all(|(_, p)| last.replace(p).is_none_or(|l| l < p))
        {
            continue;
        }
        let in_file: Vec<(&Item, usize)> = in_file.collect();
        out.push(ctx.finding(ORDER, |f| {
            let names = |items: &mut dyn Iterator<Item = &Item>| -> String {
                items
                    .filter_map(|i| i.certificate().map(common_name))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut sorted = in_file.clone();
            sorted.sort_by_key(|(_, p)| *p);
            f.says(
                format!(
                    "{path} lists the device chain as {}: the device certificate must come first, then each issuer (the server and AWS JITP/Azure reject other orders)",
                    names(&mut in_file.iter().map(|(i, _)| *i))
                ),
                format!(
                    "reorder the file to {} (certpack's outputs are already in this order)",
                    names(&mut sorted.iter().map(|(i, _)| *i))
                ),
            )
            .in_path(path)
        }));
    }
}

/// A root that is not part of the device chain, in the same file as the device certificate.
fn root_in_client_file(ctx: &Context<'_>, leaf: &Item, chain: &[&Item], out: &mut Vec<Finding>) {
    for item in ctx.items_from(&leaf.origin.path) {
        let in_chain = chain.iter().any(|c| std::ptr::eq(*c, item));
        if item.role == Role::Root && !in_chain {
            out.push(ctx.finding(ROOT_IN_CLIENT_CHAIN, |f| {
                f.says(
                    format!(
                        "{} holds the device certificate and the server root {}: a stack that loads this file as the client certificate chain sends the server's root to the server (AWS CRT: 'PEM has greater than expected depth')",
                        leaf.origin.path,
                        ctx.describe(item)
                    ),
                    "keep the server root in its own file (certpack pack writes it separately as the CA)",
                )
                .in_path(leaf.origin.path.clone())
            }));
        }
    }
}
