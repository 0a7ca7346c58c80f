//! CP2xx: the server trust anchor is a real root, the right one for the endpoint, and not retired (F1, F11).

use der::oid::AssociatedOid;
use der::Decode;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{ExtendedKeyUsage, SubjectAltName};

use super::known_roots::{self, Cloud, KnownRoot};
use super::{common_name, issuer_common_name, Code, Context, Finding, Severity};
use crate::cert::Certificate;
use crate::item::{Item, Role};

pub(super) const NO_ROOT: Code = Code::new("CP201", Severity::Warning, "no server root CA given");
pub(super) const DEVICE_CA_AS_ROOT: Code = Code::new(
    "CP202",
    Severity::Error,
    "the device's own CA is the only root: it would be used as the server's",
);
pub(super) const INTERMEDIATE_AS_ROOT: Code = Code::new(
    "CP203",
    Severity::Warning,
    "an intermediate CA given as the trust anchor",
);
pub(super) const END_ENTITY_AS_ROOT: Code = Code::new(
    "CP204",
    Severity::Error,
    "a server or other non-CA certificate given as the CA",
);
pub(super) const AWS_ENDPOINT_ROOT: Code = Code::new(
    "CP210",
    Severity::Error,
    "the root does not match the AWS IoT endpoint",
);
pub(super) const AWS_LEGACY_ENDPOINT: Code = Code::new(
    "CP211",
    Severity::Warning,
    "legacy (non-ATS) AWS IoT endpoint",
);
pub(super) const AZURE_ENDPOINT_ROOT: Code = Code::new(
    "CP212",
    Severity::Error,
    "the root does not match the Azure IoT Hub endpoint",
);
pub(super) const ECC_ONLY_AMAZON_ROOT: Code = Code::new(
    "CP213",
    Severity::Warning,
    "only an ECC Amazon root: fails unless the device offers ECDSA suites only",
);
pub(super) const RETIRED_ROOT: Code = Code::new(
    "CP214",
    Severity::Warning,
    "a retired cloud root (Baltimore CyberTrust, VeriSign G5)",
);

const SERVER_AUTH: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");

/// A TLS server certificate: extended key usage serverAuth, or DNS names in subjectAltName.
pub(super) fn looks_like_server(cert: &Certificate) -> bool {
    cert.x509()
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .any(|ext| {
            let value = ext.extn_value.as_bytes();
            if ext.extn_id == ExtendedKeyUsage::OID {
                ExtendedKeyUsage::from_der(value).is_ok_and(|eku| eku.0.contains(&SERVER_AUTH))
            } else if ext.extn_id == SubjectAltName::OID {
                SubjectAltName::from_der(value)
                    .is_ok_and(|san| san.0.iter().any(|n| matches!(n, GeneralName::DnsName(_))))
            } else {
                false
            }
        })
}

/// The cloud an endpoint host name belongs to, from its shape (host names compared without regard to ASCII case).
pub(super) fn cloud_of_endpoint(endpoint: &str) -> Option<Cloud> {
    let host = host_part(endpoint);
    let is = |label: &str, name: &str| label.eq_ignore_ascii_case(name);
    if ends_with_ignoring_case(host, ".amazonaws.com") && host.split('.').any(|l| is(l, "iot")) {
        let mut labels = host.split('.');
        let (first, second) = (labels.next().unwrap_or(""), labels.next().unwrap_or(""));
        let legacy =
            labels.count() == 3 && is(second, "iot") && !ends_with_ignoring_case(first, "-ats");
        return Some(if legacy {
            Cloud::AwsLegacy
        } else {
            Cloud::AwsAts
        });
    }
    if ends_with_ignoring_case(host, ".azure-devices.net")
        || ends_with_ignoring_case(host, ".azure-devices-provisioning.net")
    {
        return Some(Cloud::Azure);
    }
    None
}

fn ends_with_ignoring_case(text: &str, suffix: &str) -> bool {
    text.len() >= suffix.len()
        && text.as_bytes()[text.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

/// The host part of `mqtts://host:8883/path`, lowercase.
pub(super) fn host_of(endpoint: &str) -> String {
    host_part(endpoint).to_ascii_lowercase()
}

/// The host part of `mqtts://user@host:8883/path?query`, as written: after the scheme, before the path or query,
/// after the user, before the port, without the final dots. Byte searches rather than `split_once` and `split`:
/// those add 236 bytes gzipped to the WebAssembly package, which would put it over its budget (docs/wasm.md).
fn host_part(endpoint: &str) -> &str {
    let e = endpoint.trim();
    let bytes = e.as_bytes();
    let e = match bytes.windows(3).position(|w| w == b"://") {
        Some(at) => &e[at + 3..],
        None => e,
    };
    let e = match e.bytes().position(|b| b == b'/' || b == b'?') {
        Some(end) => &e[..end],
        None => e,
    };
    let e = match e.bytes().rposition(|b| b == b'@') {
        Some(at) => &e[at + 1..],
        None => e,
    };
    let e = match e.bytes().position(|b| b == b':') {
        Some(end) => &e[..end],
        None => e,
    };
    e.trim_end_matches('.')
}

/// Whether a server root fits the cloud of the endpoint.
fn fits(cloud: Cloud, known: Option<&KnownRoot>) -> bool {
    match (cloud, known) {
        (Cloud::AwsLegacy, Some(k)) => k.cloud == Cloud::AwsLegacy,
        (cloud, Some(k)) => known_roots::for_cloud(cloud).any(|r| r.name == k.name),
        (_, None) => false,
    }
}

pub(super) fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let has_leaf = ctx.bundle.leaf().is_some();
    let mut reported_ca = false;
    // CA certificates outside the device chain that are not roots: pinned intermediates.
    let device_issuers: Vec<&str> = ctx
        .bundle
        .leaf()
        .into_iter()
        .chain(ctx.bundle.chain())
        .filter_map(|i| i.certificate().map(|c| c.issuer_text()))
        .collect();
    for (item, cert) in ctx.certificates() {
        if item.role == Role::Intermediate && !device_issuers.contains(&cert.subject_text()) {
            reported_ca = true;
            out.push(ctx.finding(INTERMEDIATE_AS_ROOT, |f| {
                f.says(
                    format!(
                        "{} is an intermediate CA (issued by {}), not a root: pinned as the trust anchor it stops working when the server's chain changes (Amazon's 'Server CA 1B' intermediate expired 2025-10-19)",
                        common_name(cert),
                        issuer_common_name(cert)
                    ),
                    root_to_ship(ctx),
                )
                .in_path(item.origin.path.clone())
            }));
        } else if item.role == Role::Leaf
            && !ctx.is_leaf(item)
            && (looks_like_server(cert) || cert.is_self_issued())
        {
            reported_ca = true;
            out.push(ctx.finding(END_ENTITY_AS_ROOT, |f| {
                f.says(
                    format!(
                        "{} is not a CA certificate (basicConstraints CA:FALSE{}): TLS stacks do not accept it as the trust anchor, and a pinned server certificate breaks when it is renewed (Azure's pinned *.azure-devices.net certificate, 2021)",
                        common_name(cert),
                        if looks_like_server(cert) { ", a TLS server certificate" } else { "" }
                    ),
                    root_to_ship(ctx),
                )
                .in_path(item.origin.path.clone())
            }));
        }
    }
    if !has_leaf {
        // A set of roots on its own: only the retired-root check applies.
        retired(ctx, out, &[]);
        return;
    }
    let Some(server_root) = ctx.bundle.server_root() else {
        if !reported_ca {
            out.push(ctx.finding(NO_ROOT, |f| {
                f.says(
                    "no server root CA certificate was given: targets that upload a CA cannot be written, and the device cannot verify the server",
                    root_to_ship(ctx),
                )
            }));
        }
        return;
    };
    if ctx.is_chain_root(server_root) {
        out.push(ctx.finding(DEVICE_CA_AS_ROOT, |f| {
            let name = server_root
                .certificate()
                .map(common_name)
                .unwrap_or_default();
            f.says(
                format!(
                    "the only root given ({name}) is the CA that issued the device certificate, so it would be shipped as the server's root: the server's certificate does not chain to it and the handshake fails"
                ),
                format!(
                    "keep the device CA for registration and the client chain only; {}",
                    root_to_ship(ctx)
                ),
            )
            .in_path(server_root.origin.path.clone())
        }));
        return;
    }
    let covered = endpoint(ctx, server_root, out);
    ecc_only(ctx, out);
    retired(ctx, out, &covered);
}

/// Endpoint checks on the root single-CA targets ship; returns the roots already explained.
fn endpoint<'a>(ctx: &Context<'a>, server_root: &'a Item, out: &mut Vec<Finding>) -> Vec<&'a str> {
    let Some(endpoint) = ctx.options.endpoint.as_deref() else {
        return Vec::new();
    };
    let Some(cloud) = cloud_of_endpoint(endpoint) else {
        return Vec::new();
    };
    let Some(cert) = server_root.certificate() else {
        return Vec::new();
    };
    let mut covered = Vec::new();
    if cloud == Cloud::AwsLegacy {
        covered.push(server_root.origin.path.as_str());
        out.push(ctx.finding(AWS_LEGACY_ENDPOINT, |f| {
            f.says(
                format!("{} is a legacy AWS IoT endpoint (no -ats): it serves a Symantec/VeriSign certificate chain that AWS deprecated", host_of(endpoint)),
                "use your account's ATS endpoint (aws iot describe-endpoint --endpoint-type iot:Data-ATS) with Amazon Root CA 1 (AmazonRootCA1.pem)",
            )
        }));
    }
    if fits(cloud, known_roots::identify(cert)) {
        return covered;
    }
    let code = if cloud == Cloud::Azure {
        AZURE_ENDPOINT_ROOT
    } else {
        AWS_ENDPOINT_ROOT
    };
    covered.push(server_root.origin.path.as_str());
    out.push(ctx.finding(code, |f| {
        let name = ctx.describe(server_root);
        let better: Vec<String> = ctx
            .server_roots()
            .filter(|r| fits(cloud, r.certificate().and_then(known_roots::identify)))
            .map(|r| ctx.describe(r))
            .collect();
        let should = match cloud {
            Cloud::AwsAts => "Amazon Root CA 1 (AmazonRootCA1.pem; Amazon Root CA 3 for ECDSA-only clients)",
            Cloud::AwsLegacy => "VeriSign Class 3 Public Primary G5 (or, better, the ATS endpoint with Amazon Root CA 1)",
            Cloud::Azure => "DigiCert Global Root G2 (plus Microsoft RSA Root Certificate Authority 2017 as backup where the module takes several CAs)",
        };
        let hint = if better.is_empty() {
            format!("ship {should}")
        } else {
            format!(
                "{} is also given, but targets that take one CA write the first root: give it first, or leave {name} out",
                better.join(", ")
            )
        };
        f.says(
            format!(
                "the server root {name} is not a root that {} ({}) chains to: the handshake fails with 'certificate not correctly signed by trusted CA' (mbedTLS -0x2700)",
                host_of(endpoint),
                cloud.name()
            ),
            hint,
        )
        .in_path(server_root.origin.path.clone())
    }));
    covered
}

/// Amazon roots given, and all of them ECC.
fn ecc_only(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let amazon: Vec<(&Item, &KnownRoot)> = ctx
        .server_roots()
        .filter_map(|r| {
            r.certificate()
                .and_then(known_roots::identify)
                .filter(|k| k.cloud == Cloud::AwsAts)
                .map(|k| (r, k))
        })
        .collect();
    if amazon.is_empty() || amazon.iter().any(|(_, k)| !k.is_ec()) {
        return;
    }
    out.push(ctx.finding(ECC_ONLY_AMAZON_ROOT, |f| {
        let names: Vec<&str> = amazon.iter().map(|(_, k)| k.name).collect();
        f.says(
            format!(
                "the only Amazon root given is {} (ECC): AWS IoT presents that chain only when the device negotiates an ECDSA cipher suite; with RSA suites it presents the Amazon Root CA 1 chain",
                names.join(" and ")
            ),
            "add AmazonRootCA1.pem (and give it first for modules that take one CA), unless the device offers ECDSA cipher suites only",
        )
        .in_path(amazon[0].0.origin.path.clone())
    }));
}

/// Known roots that are retired, unless an endpoint finding already explained them.
fn retired(ctx: &Context<'_>, out: &mut Vec<Finding>, covered: &[&str]) {
    for item in ctx.server_roots() {
        if covered.contains(&item.origin.path.as_str()) {
            continue;
        }
        let Some(known) = item.certificate().and_then(known_roots::identify) else {
            continue;
        };
        let (Some(reason), Some(successor)) = (known.retired, known.successor) else {
            continue;
        };
        out.push(ctx.finding(RETIRED_ROOT, |f| {
            let file = known_roots::by_name(successor).map_or("", |s| s.file);
            f.says(
                format!("{} is retired: {reason}", known.name),
                format!("ship {successor} ({file}) instead"),
            )
            .in_path(item.origin.path.clone())
        }));
    }
}

/// What to ship as the server root, from the endpoint or the bundle's cloud.
fn root_to_ship(ctx: &Context<'_>) -> String {
    let cloud = ctx
        .options
        .endpoint
        .as_deref()
        .and_then(cloud_of_endpoint)
        .or_else(|| {
            ctx.bundle
                .leaf()
                .and_then(|l| l.certificate())
                .filter(|c| super::chain::is_aws_issued(c))
                .map(|_| Cloud::AwsAts)
        })
        .or_else(|| {
            // A pinned server certificate names the cloud it was copied from.
            ctx.certificates()
                .filter(|(_, c)| looks_like_server(c))
                .find_map(|(_, c)| cloud_of_endpoint(&common_name(c).replace("CN=*.", "x.")))
        });
    match cloud {
        Some(Cloud::AwsAts) | Some(Cloud::AwsLegacy) => {
            "add the server root: AmazonRootCA1.pem (https://www.amazontrust.com/repository/AmazonRootCA1.pem) for an AWS IoT ATS endpoint".into()
        }
        Some(Cloud::Azure) => {
            "add the server root: DigiCert Global Root G2 (DigiCertGlobalRootG2.crt.pem) for Azure IoT Hub, plus Microsoft RSA Root Certificate Authority 2017 where the module takes several CAs".into()
        }
        None => "add the server's root CA: AmazonRootCA1.pem for AWS IoT (-ats endpoints), DigiCert Global Root G2 for Azure IoT Hub (check with --endpoint HOST)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_classified() {
        let aws = "a1b2c3d4e5-ats.iot.eu-west-1.amazonaws.com";
        assert_eq!(cloud_of_endpoint(aws), Some(Cloud::AwsAts));
        assert_eq!(
            cloud_of_endpoint(&format!("mqtts://{aws}:8883/")),
            Some(Cloud::AwsAts)
        );
        assert_eq!(
            cloud_of_endpoint("A1B2C3D4E5.iot.us-east-1.amazonaws.com"),
            Some(Cloud::AwsLegacy)
        );
        assert_eq!(
            cloud_of_endpoint("data-ats.iot.us-east-1.amazonaws.com"),
            Some(Cloud::AwsAts)
        );
        assert_eq!(
            cloud_of_endpoint("c1.credentials.iot.us-east-1.amazonaws.com"),
            Some(Cloud::AwsAts)
        );
        assert_eq!(
            cloud_of_endpoint("myhub.azure-devices.net"),
            Some(Cloud::Azure)
        );
        assert_eq!(
            cloud_of_endpoint("global.azure-devices-provisioning.net:8883"),
            Some(Cloud::Azure)
        );
        assert_eq!(cloud_of_endpoint("mqtt.example.com"), None);
        assert_eq!(cloud_of_endpoint("s3.amazonaws.com"), None);
    }

    /// The classification as first written: the host cut out with `split`s, lowercased, its labels collected.
    fn cloud_by_lowercase_labels(endpoint: &str) -> Option<Cloud> {
        let e = endpoint.trim();
        let e = e.split_once("://").map_or(e, |(_, rest)| rest);
        let e = e.split(['/', '?']).next().unwrap_or(e);
        let e = e.rsplit_once('@').map_or(e, |(_, host)| host);
        let e = e.split(':').next().unwrap_or(e);
        let host = e.trim_end_matches('.').to_ascii_lowercase();
        let labels: Vec<&str> = host.split('.').collect();
        if host.ends_with(".amazonaws.com") && labels.contains(&"iot") {
            let legacy = labels.len() == 5 && labels[1] == "iot" && !labels[0].ends_with("-ats");
            return Some(if legacy {
                Cloud::AwsLegacy
            } else {
                Cloud::AwsAts
            });
        }
        if host.ends_with(".azure-devices.net") || host.ends_with(".azure-devices-provisioning.net")
        {
            return Some(Cloud::Azure);
        }
        None
    }

    #[test]
    fn endpoints_are_classified_as_the_lowercased_labels_say() {
        let hosts = [
            "a1b2c3d4e5-ats.iot.eu-west-1.amazonaws.com",
            "A1B2C3D4E5-ATS.IOT.EU-WEST-1.AMAZONAWS.COM",
            "a1b2c3d4e5.iot.us-east-1.amazonaws.com.",
            "a1b2c3d4e5.IoT.us-east-1.AmazonAWS.com",
            "x.y.iot.us-east-1.amazonaws.com",
            "iot.amazonaws.com",
            "amazonaws.com",
            ".amazonaws.com",
            "myhub.Azure-Devices.NET",
            "global.azure-devices-provisioning.net",
            "azure-devices.net",
            "mqtt.example.com",
            "",
            "...",
            "h\u{e9}te.iot.eu-west-1.amazonaws.com",
        ];
        for host in hosts {
            for endpoint in [
                host.to_string(),
                format!("  mqtts://{host}:8883/mqtt?x=1 "),
                format!("wss://user:pw@{host}/mqtt"),
                format!("{host}?q=a/b"),
                format!("{host}:x:y"),
                format!("a://b://{host}"),
            ] {
                assert_eq!(
                    cloud_of_endpoint(&endpoint),
                    cloud_by_lowercase_labels(&endpoint),
                    "{endpoint}"
                );
            }
        }
    }
}
