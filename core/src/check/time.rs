//! CP3xx: every certificate is valid at the device's clock and now, and does not expire soon (F2, F11).

use super::{
    date, known_roots, Code, Context, Finding, Severity, DAY, DEFAULT_EXPIRY_WARNING_DAYS,
};
use crate::cert::Certificate;
use crate::item::{Item, Role};
use crate::time::Timestamp;

pub(super) const NOT_YET_VALID: Code = Code::new(
    "CP301",
    Severity::Error,
    "a certificate is not yet valid at the device clock (or now)",
);
pub(super) const NOT_YET_VALID_AT_POWER_ON: Code = Code::new(
    "CP302",
    Severity::Warning,
    "not yet valid at the target's power-on clock: set the clock before TLS",
);
pub(super) const EXPIRED: Code = Code::new("CP303", Severity::Error, "a certificate has expired");
pub(super) const EXPIRES_SOON: Code = Code::new(
    "CP304",
    Severity::Warning,
    "a certificate expires within the warning window",
);
pub(super) const FRESHLY_ISSUED: Code = Code::new(
    "CP305",
    Severity::Info,
    "the device certificate was issued less than 2 days ago",
);

/// How recent a device certificate counts as freshly issued.
const FRESH: i64 = 2 * DAY;

pub(super) fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let certs: Vec<(&Item, &Certificate)> = ctx.certificates().collect();
    if certs.is_empty() {
        return;
    }
    let options = ctx.options;
    let power_on = ctx.capabilities.and_then(|c| c.power_on_clock);
    match (options.device_time, options.now) {
        (Some(clock), _) => not_yet_valid(ctx, &certs, clock, Clock::Device, out),
        (None, Some(now)) => not_yet_valid(ctx, &certs, now, Clock::Now, out),
        (None, None) => {}
    }
    if let (None, Some(clock)) = (options.device_time, power_on) {
        not_yet_valid(ctx, &certs, Timestamp(clock), Clock::PowerOn, out);
    }
    // Expiry against the later of now and the device clock (a device clock in the future is a question too).
    let reference = match (options.now, options.device_time) {
        (Some(now), Some(device)) => Some(now.max(device)),
        (now, device) => now.or(device),
    };
    let Some(reference) = reference else {
        return;
    };
    let window = i64::from(
        options
            .expiry_warning_days
            .unwrap_or(DEFAULT_EXPIRY_WARNING_DAYS),
    ) * DAY;
    for &(item, cert) in &certs {
        let end = cert.not_after();
        if end < reference {
            out.push(ctx.finding(EXPIRED, |f| {
                f.says(
                    format!(
                        "{} expired on {} ({} days before {})",
                        ctx.describe(item),
                        end,
                        reference.0.saturating_sub(end.0) / DAY,
                        date(reference)
                    ),
                    renew_hint(ctx, item, cert, true),
                )
                .in_path(item.origin.path.clone())
            }));
        } else if end.0.saturating_sub(reference.0) <= window {
            out.push(ctx.finding(EXPIRES_SOON, |f| {
                f.says(
                    format!(
                        "{} expires on {}, in {} days",
                        ctx.describe(item),
                        end,
                        end.0.saturating_sub(reference.0) / DAY
                    ),
                    renew_hint(ctx, item, cert, false),
                )
                .in_path(item.origin.path.clone())
            }));
        }
    }
    if let (Some(now), Some(leaf)) = (options.now, ctx.bundle.leaf()) {
        if let Some(cert) = leaf.certificate() {
            let age = now.0.saturating_sub(cert.not_before().0);
            if (0..FRESH).contains(&age) {
                out.push(ctx.finding(FRESHLY_ISSUED, |f| {
                    f.says(
                        format!(
                            "the device certificate became valid {} hours ago ({}): a device whose clock lags behind rejects it as not yet valid",
                            age / 3600,
                            cert.not_before()
                        ),
                        format!(
                            "make sure the device clock is synchronised before the TLS handshake: {}",
                            clock_hint(ctx)
                        ),
                    )
                    .in_path(leaf.origin.path.clone())
                }));
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Clock {
    /// `device_time` was given.
    Device,
    /// No device time: the device is assumed to have the right time.
    Now,
    /// The target's typical clock at power-on.
    PowerOn,
}

/// One finding listing every certificate that starts after `clock`, with the time from which all are valid.
fn not_yet_valid(
    ctx: &Context<'_>,
    certs: &[(&Item, &Certificate)],
    clock: Timestamp,
    kind: Clock,
    out: &mut Vec<Finding>,
) {
    let early: Vec<&(&Item, &Certificate)> = certs
        .iter()
        .filter(|(_, c)| c.not_before() > clock)
        .collect();
    let Some(latest) = early.iter().max_by_key(|(_, c)| c.not_before()) else {
        return;
    };
    let code = match kind {
        Clock::Device | Clock::Now => NOT_YET_VALID,
        Clock::PowerOn => NOT_YET_VALID_AT_POWER_ON,
    };
    out.push(ctx.finding(code, |f| {
        let valid_from = latest.1.not_before();
        let list: Vec<String> = early
            .iter()
            .map(|(i, c)| format!("{} from {}", ctx.describe(i), date(c.not_before())))
            .collect();
        let count = if early.len() == 1 {
            "1 certificate is".to_string()
        } else {
            format!("{} certificates are", early.len())
        };
        let (message, hint) = match kind {
            Clock::Device => (
                format!("at the device clock {clock}, {count} not yet valid: {}", list.join(", ")),
                format!(
                    "set the device clock to {valid_from} or later before the TLS handshake: {}",
                    clock_hint(ctx)
                ),
            ),
            Clock::Now => (
                format!("{count} not valid yet (now is {clock}): {}", list.join(", ")),
                format!(
                    "the certificate was issued with a clock in the future, or this computer's clock is wrong: check the date, wait until {valid_from}, or issue the certificate again"
                ),
            ),
            Clock::PowerOn => (
                format!(
                    "{} starts with its clock at {} until it is set; then {count} not yet valid ({})",
                    ctx.target_name().unwrap_or("the target"),
                    date(clock),
                    list.join(", ")
                ),
                format!(
                    "set the clock to {valid_from} or later before the TLS handshake: {} (check with --device-time to see a given clock)",
                    clock_hint(ctx)
                ),
            ),
        };
        f.says(message, hint).in_path(latest.0.origin.path.clone())
    }));
}

/// How to set the clock on the target, or a generic recipe.
pub(super) fn clock_hint(ctx: &Context<'_>) -> String {
    match (ctx.target_name(), ctx.capabilities.map(|c| c.set_clock_hint)) {
        (Some(name), Some(hint)) if !hint.is_empty() => format!("on {name}: {hint}"),
        _ => "synchronise it with SNTP (ESP-IDF esp_sntp, esp-at AT+CIPSNTPCFG) or the network time (cellular AT+CTZU=1 / AT+CCLK), and wait for it before connecting".into(),
    }
}

fn renew_hint(ctx: &Context<'_>, item: &Item, cert: &Certificate, expired: bool) -> String {
    let deadline = if expired {
        String::new()
    } else {
        format!(" before {}", date(cert.not_after()))
    };
    if let Some(known) = known_roots::identify(cert) {
        let instead = known.successor.unwrap_or("the current root for the endpoint (AWS IoT: Amazon Root CA 1; Azure IoT Hub: DigiCert Global Root G2)");
        return if expired {
            format!(
                "ship {instead} instead: devices that trust only {} cannot connect any more",
                known.name
            )
        } else {
            format!("ship {instead} as well, and update the devices in the field{deadline}")
        };
    }
    if ctx.is_leaf(item) {
        return format!("issue a new device certificate and register it{deadline} (AWS: aws iot create-keys-and-certificate --set-as-active, or register one signed by your CA; Azure: issue one from your verified CA), then flash it");
    }
    match item.role {
        Role::Root | Role::Intermediate => format!(
            "get the renewed CA certificate from its issuer, re-issue the certificates under it and update the devices{deadline}"
        ),
        _ => format!("renew the certificate{deadline}"),
    }
}
