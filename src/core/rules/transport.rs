//! TLS to the Fachdienst and the directory (ML-123596): an `https` URL, or plain `http` only to
//! the machine itself (local development, where nothing leaves the host).

use std::net::IpAddr;

use url::{Host, Url};

use crate::core::{CoreError, CoreResult};

/// Refuses a URL that would carry tokens and content in clear over a network. `what` names the
/// service in the error ("homeserver", "directory").
pub fn require_tls(url: &Url, what: &str) -> CoreResult<()> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(CoreError::InvalidInput(format!(
            "the {what} URL {url} is plain http: TI-M needs TLS (https) for every host but this machine"
        ))),
        other => Err(CoreError::InvalidInput(format!(
            "the {what} URL {url} has scheme '{other}'; expected https"
        ))),
    }
}

/// Loopback addresses (127.0.0.0/8, ::1) and `localhost`, which resolves to them.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str) -> CoreResult<()> {
        require_tls(&Url::parse(url).unwrap(), "homeserver")
    }

    #[test]
    fn https_is_always_fine() {
        assert!(check("https://tim.example.de").is_ok());
        assert!(check("https://10.0.0.5:8448").is_ok());
    }

    #[test]
    fn plain_http_only_to_this_machine() {
        for local in [
            "http://127.0.0.1:8008",
            "http://127.0.0.14:8038",
            "http://[::1]:8008",
            "http://localhost:8008",
        ] {
            assert!(check(local).is_ok(), "{local}");
        }
        for remote in [
            "http://tim.example.de",
            "http://10.0.0.5:8008",
            "http://localhost.example.de",
        ] {
            let err = check(remote).unwrap_err();
            assert!(
                matches!(&err, CoreError::InvalidInput(m) if m.contains("plain http")),
                "{remote}: {err}"
            );
        }
    }

    #[test]
    fn other_schemes_are_refused() {
        assert!(matches!(check("ftp://127.0.0.1"), Err(CoreError::InvalidInput(_))));
    }
}
