//! AWS IoT Core rules: endpoint kinds (ATS vs the retired VeriSign endpoint), which root CA an ATS endpoint
//! needs, which port takes which protocol (and when ALPN is required), and the HTTP device-shadow request with
//! its exact `Content-Length` and total byte count (what `AT+CIPSEND=<n>` must be told).

use crate::error::{Error, ErrorKind, Result};

/// Subject CN of Amazon Root CA 1 (RSA 2048), the root of the ATS chain with RSA cipher suites.
pub const ROOT_CA_1: &str = "Amazon Root CA 1";
/// Subject CN of Amazon Root CA 3 (EC P-256), the root of the ATS chain with ECDSA cipher suites.
pub const ROOT_CA_3: &str = "Amazon Root CA 3";
/// ALPN protocol name for MQTT with a client certificate on port 443.
pub const ALPN_MQTT: &str = "x-amzn-mqtt-ca";
/// ALPN protocol name for HTTPS with a client certificate on port 443.
pub const ALPN_HTTPS: &str = "x-amzn-http-ca";

/// Which kind of AWS IoT endpoint a host name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointKind {
    /// `iot:Data-ATS` (`<prefix>-ats.iot.<region>.amazonaws.com`): Amazon Trust Services roots.
    Ats,
    /// Legacy `iot:Data` (`<prefix>.iot.<region>.amazonaws.com`): VeriSign/Symantec root, no longer supported.
    Legacy,
    /// Another AWS IoT service host (credentials provider, jobs, ...): not an MQTT data endpoint.
    Service,
}

/// An AWS IoT endpoint host name, split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The host name, lowercase.
    pub host: String,
    /// The account-specific prefix (`abc123` of `abc123-ats.iot...`).
    pub prefix: String,
    /// The region (`eu-west-1`).
    pub region: String,
    /// The endpoint kind.
    pub kind: EndpointKind,
}

impl Endpoint {
    /// Parse an AWS IoT host name; `None` when the host is not one.
    pub fn parse(host: &str) -> Option<Endpoint> {
        let host = host.to_ascii_lowercase();
        let base = host
            .strip_suffix(".amazonaws.com")
            .or_else(|| host.strip_suffix(".amazonaws.com.cn"))?;
        let labels: Vec<&str> = base.split('.').collect();
        let iot = labels.iter().rposition(|l| *l == "iot")?;
        let region = labels.get(iot + 1).filter(|_| iot + 2 == labels.len())?;
        let before = labels.get(..iot).filter(|b| !b.is_empty())?;
        let (prefix, kind) = match before {
            [one] => match one.strip_suffix("-ats") {
                Some(p) => (p.to_string(), EndpointKind::Ats),
                None => (one.to_string(), EndpointKind::Legacy),
            },
            [one, "ats"] => (one.to_string(), EndpointKind::Ats),
            other => (other.join("."), EndpointKind::Service),
        };
        Some(Endpoint {
            host: host.clone(),
            prefix,
            region: region.to_string(),
            kind,
        })
    }

    /// Refuse endpoints a device cannot use for MQTT/HTTPS data with a client certificate.
    pub fn require_data_ats(&self) -> Result<()> {
        match self.kind {
            EndpointKind::Ats => Ok(()),
            EndpointKind::Legacy => Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("{} is the legacy VeriSign (iot:Data) endpoint; AWS no longer supports its Symantec root", self.host),
                format!("use the ATS endpoint {}-ats.iot.{}.amazonaws.com (aws iot describe-endpoint --endpoint-type iot:Data-ATS) with Amazon Root CA 1", self.prefix, self.region),
            )),
            EndpointKind::Service => Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("{} is not an AWS IoT data endpoint", self.host),
                "use the endpoint from: aws iot describe-endpoint --endpoint-type iot:Data-ATS",
            )),
        }
    }
}

/// The application protocol spoken over TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// MQTT 3.1.1.
    Mqtt,
    /// HTTPS (device shadow REST API, publish over HTTP).
    Https,
}

/// For a protocol and port with X.509 client authentication: the ALPN name required (`None` on the plain ports
/// 8883/8443), or an error naming the ports AWS IoT accepts.
pub fn alpn_for_port(protocol: Protocol, port: u16) -> Result<Option<&'static str>> {
    match (protocol, port) {
        (Protocol::Mqtt, 8883) | (Protocol::Https, 8443) => Ok(None),
        (Protocol::Mqtt, 443) => Ok(Some(ALPN_MQTT)),
        (Protocol::Https, 443) => Ok(Some(ALPN_HTTPS)),
        (Protocol::Mqtt, p) => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("AWS IoT does not take MQTT with a client certificate on port {p}"),
            format!("use port 8883, or 443 with ALPN {ALPN_MQTT}"),
        )),
        (Protocol::Https, p) => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("AWS IoT does not take HTTPS with a client certificate on port {p}"),
            format!("use port 8443, or 443 with ALPN {ALPN_HTTPS}"),
        )),
    }
}

/// What an HTTP shadow request does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShadowAction {
    /// `GET`: read the shadow document.
    Get,
    /// `POST` with this JSON body (`{"state":{...}}`), sent byte for byte.
    Update(String),
    /// `DELETE`: delete the shadow.
    Delete,
}

/// A complete HTTP/1.1 request, ready to send over a TLS socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The request text: request line, headers (CRLF line endings), blank line, body.
    pub text: String,
    /// The body length in bytes (the `Content-Length` value; 0 when there is no body).
    pub content_length: usize,
}

impl HttpRequest {
    /// Total bytes on the wire: what `AT+CIPSEND=<n>` (or any sized socket send) must be told.
    pub fn len(&self) -> usize {
        self.text.len()
    }
    /// True when the request is empty (never, for a built request).
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

/// Build the HTTP request for the device shadow of `thing` (the classic shadow, or the named shadow `shadow`) on
/// `host:port`. The `Host` header carries the port unless it is 443. The body of an update is checked to be a
/// JSON object with a `state` member and is sent exactly as given.
pub fn shadow_request(
    host: &str,
    port: u16,
    thing: &str,
    shadow: Option<&str>,
    action: &ShadowAction,
) -> Result<HttpRequest> {
    check_name("thing name", thing, 128)?;
    if let Some(name) = shadow {
        check_name("shadow name", name, 64)?;
    }
    let path = match shadow {
        Some(name) => format!("/things/{thing}/shadow?name={name}"),
        None => format!("/things/{thing}/shadow"),
    };
    let host_header = if port == 443 {
        host.to_string()
    } else {
        format!("{host}:{port}")
    };
    let (method, body) = match action {
        ShadowAction::Get => ("GET", None),
        ShadowAction::Delete => ("DELETE", None),
        ShadowAction::Update(body) => {
            check_update_body(body)?;
            ("POST", Some(body.as_str()))
        }
    };
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: {host_header}\r\n");
    if let Some(b) = body {
        text.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    text.push_str("Connection: close\r\n\r\n");
    text.push_str(body.unwrap_or(""));
    Ok(HttpRequest {
        text,
        content_length: body.map_or(0, str::len),
    })
}

fn check_name(what: &str, name: &str, max: usize) -> Result<()> {
    let valid = |b: u8| b.is_ascii_alphanumeric() || b == b':' || b == b'_' || b == b'-';
    if name.is_empty() || name.len() > max || !name.bytes().all(valid) {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("\"{name}\" is not a valid AWS IoT {what}"),
            format!("use 1 to {max} characters from a-z, A-Z, 0-9, ':', '_' and '-'"),
        ));
    }
    Ok(())
}

fn check_update_body(body: &str) -> Result<()> {
    let parsed: serde_json::Value = serde_json::from_str(body).map_err(|e| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("the shadow update body is not valid JSON ({e})"),
            r#"give a JSON document such as {"state":{"reported":{"online":true}}}"#,
        )
    })?;
    if parsed.get("state").is_none() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "the shadow update body has no \"state\" member, so AWS IoT rejects it",
            r#"wrap the values: {"state":{"reported":{...}}} or {"state":{"desired":{...}}}"#,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_kinds() {
        let e = Endpoint::parse("abc123-ats.iot.eu-west-1.amazonaws.com").unwrap();
        assert_eq!(
            (e.prefix.as_str(), e.region.as_str(), e.kind),
            ("abc123", "eu-west-1", EndpointKind::Ats)
        );
        let legacy = Endpoint::parse("abc123.iot.eu-west-1.amazonaws.com").unwrap();
        assert_eq!(legacy.kind, EndpointKind::Legacy);
        let err = legacy.require_data_ats().unwrap_err();
        assert!(err
            .hint()
            .contains("abc123-ats.iot.eu-west-1.amazonaws.com"));
        let cn = Endpoint::parse("abc123.ats.iot.cn-north-1.amazonaws.com.cn").unwrap();
        assert_eq!(cn.kind, EndpointKind::Ats);
        let creds = Endpoint::parse("c1.credentials.iot.us-east-1.amazonaws.com").unwrap();
        assert_eq!(creds.kind, EndpointKind::Service);
        assert!(Endpoint::parse("s3.amazonaws.com").is_none());
        assert!(Endpoint::parse("example.com").is_none());
    }

    #[test]
    fn ports() {
        assert_eq!(alpn_for_port(Protocol::Mqtt, 8883).unwrap(), None);
        assert_eq!(
            alpn_for_port(Protocol::Mqtt, 443).unwrap(),
            Some("x-amzn-mqtt-ca")
        );
        assert_eq!(alpn_for_port(Protocol::Https, 8443).unwrap(), None);
        assert_eq!(
            alpn_for_port(Protocol::Https, 443).unwrap(),
            Some("x-amzn-http-ca")
        );
        assert!(alpn_for_port(Protocol::Mqtt, 1883).is_err());
        assert!(alpn_for_port(Protocol::Https, 8883).is_err());
    }
}
