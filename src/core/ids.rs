//! Matrix user IDs as the TI-M rules need them: parsed once at the boundary.

use std::fmt;

use crate::core::CoreError;

/// A syntactically valid Matrix user ID (`@localpart:server.name[:port]`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mxid(String);

impl Mxid {
    /// Parses `@local:server`; the server part keeps an explicit port.
    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        let raw = raw.trim();
        let rest = raw
            .strip_prefix('@')
            .ok_or_else(|| CoreError::InvalidInput(format!("'{raw}' is not an MXID: it must start with '@'")))?;
        match rest.split_once(':') {
            Some((local, server)) if !local.is_empty() && !server.is_empty() && !raw.contains(char::is_whitespace) => {
                Ok(Self(raw.to_string()))
            }
            _ => Err(CoreError::InvalidInput(format!(
                "'{raw}' is not an MXID of the form @local:server"
            ))),
        }
    }

    /// A login name as users type it: a full MXID, or a bare localpart of the account's own
    /// homeserver `server_name` (the suite's basicAuth sends either).
    pub fn from_login_name(name: &str, server_name: &str) -> Result<Self, CoreError> {
        let name = name.trim();
        if name.starts_with('@') {
            Self::parse(name)
        } else {
            Self::parse(&format!("@{name}:{server_name}"))
        }
    }

    /// Everything before the first `:`, without the `@`.
    pub fn localpart(&self) -> &str {
        self.0[1..].split_once(':').map(|(l, _)| l).unwrap_or_default()
    }

    /// Everything after the first `:` (server name including a port).
    pub fn server_name(&self) -> &str {
        self.0.split_once(':').map(|(_, s)| s).unwrap_or_default()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Mxid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_name_is_a_full_mxid_or_a_localpart_of_the_own_server() {
        assert_eq!(
            Mxid::from_login_name("@bob:127.0.0.12", "127.0.0.11").unwrap().as_str(),
            "@bob:127.0.0.12"
        );
        assert_eq!(
            Mxid::from_login_name("alice", "127.0.0.11").unwrap().as_str(),
            "@alice:127.0.0.11"
        );
        assert!(Mxid::from_login_name("two words", "127.0.0.11").is_err());
    }

    #[test]
    fn server_name_keeps_the_port() {
        let id = Mxid::parse("@alice:localhost:8448").unwrap();
        assert_eq!(id.localpart(), "alice");
        assert_eq!(id.server_name(), "localhost:8448");
    }

    #[test]
    fn rejects_ids_without_sigil_server_or_localpart() {
        for bad in ["alice:hs", "@alice", "@:hs", "@alice:", "", "@a b:hs"] {
            assert!(Mxid::parse(bad).is_err(), "{bad} must be rejected");
        }
    }
}
