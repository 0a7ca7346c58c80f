//! CP9xx: when the TLS material is all fine, say so and point at the usual causes outside TLS.

use super::known_roots::{self, Cloud};
use super::roots::cloud_of_endpoint;
use super::{Code, Context, Finding, Severity};

pub(super) const ALL_CLEAR: Code = Code::new(
    "CP901",
    Severity::Info,
    "the TLS material is fine: look elsewhere",
);

/// Adds CP901 when a complete bundle (device certificate, key, server root) has no error and no warning.
pub(super) fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    if out.iter().any(|f| f.severity > Severity::Info) {
        return;
    }
    let bundle = ctx.bundle;
    let (Some(leaf), Some(_key), Some(root)) = (
        bundle.leaf().and_then(|l| l.certificate()),
        bundle.key(),
        bundle.server_root().and_then(|r| r.certificate()),
    ) else {
        return;
    };
    out.push(ctx.finding(ALL_CLEAR, |f| {
        let certs: Vec<_> = ctx.certificates().map(|(_, c)| c).collect();
        let from = certs.iter().map(|c| c.not_before()).max();
        let until = certs.iter().map(|c| c.not_after()).min();
        let known = known_roots::identify(root);
        let root_name = known.map_or_else(|| super::common_name(root), |k| k.name.to_string());
        let valid = match (from, until) {
            (Some(from), Some(until)) => format!(", all certificates valid from {from} to {until}"),
            _ => String::new(),
        };
        let cloud = ctx
            .options
            .endpoint
            .as_deref()
            .and_then(cloud_of_endpoint)
            .or(known.map(|k| k.cloud));
        let id = leaf.aws_certificate_id();
        let hint = match cloud {
            Some(Cloud::AwsAts) | Some(Cloud::AwsLegacy) => format!(
                "if the device still cannot connect, look outside TLS: the certificate must be ACTIVE and attached to the thing and to a policy that allows iot:Connect for the client ID used (aws iot describe-certificate --certificate-id {id}; aws iot list-principal-policies --principal <certificateArn>); the client ID must not be connected elsewhere (each new connection drops the old one); SNI must be on and carry the endpoint from aws iot describe-endpoint --endpoint-type iot:Data-ATS; port 8883 (443 needs ALPN x-amzn-mqtt-ca)"
            ),
            Some(Cloud::Azure) => format!(
                "if the device still cannot connect, look outside TLS: the device must exist in the hub with this certificate's thumbprint ({}) or with its CA verified, the MQTT client ID must be the device ID (= the certificate's CN for CA-signed devices) and the username <hub>.azure-devices.net/<device-id>/?api-version=2021-04-12; TLS 1.2 with SNI on port 8883",
                leaf.sha1_hex()
            ),
            None => "if the device still cannot connect, look outside TLS: the certificate must be registered and active in the cloud with a policy allowing the connection, the client ID unique, SNI on, and the port right".into(),
        };
        f.says(
            format!(
                "the TLS material looks right: the key belongs to the device certificate (ID {}...), the server root is {root_name}{valid}",
                id.chars().take(10).collect::<String>()
            ),
            hint,
        )
    }));
}
