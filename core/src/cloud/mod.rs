//! Cloud-side rules: which cloud an endpoint belongs to, Azure SAS tokens and connection strings, AWS endpoint
//! and port rules and the HTTP shadow request. Pure functions: the caller passes every time value in.

pub mod aws;
pub mod azure;

use crate::error::{Error, ErrorKind, Result};

/// The cloud an endpoint host name belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cloud {
    /// AWS IoT Core.
    Aws(aws::Endpoint),
    /// Azure IoT Hub (`<hub>.azure-devices.net` and the sovereign-cloud suffixes).
    AzureHub {
        /// The hub name (first label of the host).
        hub: String,
    },
    /// Azure IoT Hub Device Provisioning Service (`*.azure-devices-provisioning.net`).
    AzureDps,
    /// Any other MQTT broker.
    Other,
}

impl Cloud {
    /// Classify a host name already checked with [`check_host`].
    pub fn detect(host: &str) -> Cloud {
        let lower = host.to_ascii_lowercase();
        if let Some(endpoint) = aws::Endpoint::parse(&lower) {
            return Cloud::Aws(endpoint);
        }
        if azure::DPS_SUFFIXES.iter().any(|s| lower.ends_with(s)) {
            return Cloud::AzureDps;
        }
        if let Some(hub) = azure::HUB_SUFFIXES
            .iter()
            .find_map(|s| lower.strip_suffix(s))
            .filter(|hub| !hub.is_empty() && !hub.contains('.'))
        {
            return Cloud::AzureHub {
                hub: hub.to_string(),
            };
        }
        Cloud::Other
    }

    /// Short stable name: `aws`, `azure`, `azure-dps`, `other`.
    pub fn name(&self) -> &'static str {
        match self {
            Cloud::Aws(_) => "aws",
            Cloud::AzureHub { .. } => "azure",
            Cloud::AzureDps => "azure-dps",
            Cloud::Other => "other",
        }
    }
}

/// Check that `host` is a bare host name (no scheme, port, path, spaces or quotes) and return it trimmed.
pub fn check_host(host: &str) -> Result<&str> {
    let h = host.trim();
    // Letters, digits, '-' and '.' alone (the usual case) cannot hold a scheme, a port or a path.
    let plain = h
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if plain && !h.is_empty() {
        return Ok(h);
    }
    let bad = |why: &str, fix: String| {
        Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("the endpoint \"{h}\" {why}"),
            fix,
        ))
    };
    if h.is_empty() {
        return bad(
            "is empty",
            "give the host name, e.g. abc123-ats.iot.eu-west-1.amazonaws.com".into(),
        );
    }
    if let Some((scheme, rest)) = h.split_once("://") {
        return bad(
            &format!("starts with the scheme {scheme}://"),
            format!(
                "give the bare host name: {}",
                rest.split(['/', ':']).next().unwrap_or(rest)
            ),
        );
    }
    if let Some((name, port)) = h.split_once(':') {
        return bad(
            "contains a port",
            format!("give the host {name} and the port separately (port parameter {port})"),
        );
    }
    if h.contains('/') {
        return bad(
            "contains a path",
            format!(
                "give only the host name: {}",
                h.split('/').next().unwrap_or(h)
            ),
        );
    }
    if !plain {
        return bad(
            "contains characters a host name cannot have (spaces, quotes, ...)",
            "copy the host name exactly from the cloud console (letters, digits, '-' and '.')"
                .into(),
        );
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_clouds() {
        assert_eq!(
            Cloud::detect("abc123-ats.iot.eu-west-1.amazonaws.com").name(),
            "aws"
        );
        assert_eq!(
            Cloud::detect("myhub.azure-devices.net"),
            Cloud::AzureHub {
                hub: "myhub".into()
            }
        );
        assert_eq!(
            Cloud::detect("global.azure-devices-provisioning.net"),
            Cloud::AzureDps
        );
        assert_eq!(Cloud::detect("broker.example.com"), Cloud::Other);
    }

    #[test]
    fn host_shape() {
        assert_eq!(check_host(" a.example.com ").unwrap(), "a.example.com");
        for bad in [
            "mqtts://a.example.com",
            "a.example.com:8883",
            "a.example.com/x",
            "a b",
            "",
        ] {
            assert!(check_host(bad).is_err(), "{bad}");
        }
    }
}
