//! Only homeservers of the TI-M federation (gemSpec_TI-Messenger-Client 5.7, chapter 2): "a
//! client connected to a homeserver that is not part of the federation MUST log the user out
//! at once". The federation list is gematik's signed `federationList.jws`; its payload is
//! plain data, read here. Where the list comes from and how its signature is checked lives in
//! [`crate::core::federation`].

use serde::Deserialize;

use crate::core::{CoreError, CoreResult, Rule};

/// The payload of the federation list.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct FederationList {
    pub version: u64,
    #[serde(rename = "domainList")]
    pub domains: Vec<FederationDomain>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct FederationDomain {
    pub domain: String,
    #[serde(rename = "telematikID", default)]
    pub telematik_id: Option<String>,
    #[serde(rename = "isInsurance", default)]
    pub is_insurance: bool,
}

impl FederationList {
    pub fn parse(payload: &[u8]) -> CoreResult<FederationList> {
        serde_json::from_slice(payload)
            .map_err(|e| CoreError::InvalidInput(format!("the federation list is not readable: {e}")))
    }

    /// Whether `server_name` (a homeserver's Matrix server name, port included if it has one)
    /// is a member. Domains compare without regard to case, as DNS names do.
    pub fn lists(&self, server_name: &str) -> bool {
        self.domains.iter().any(|d| d.domain.eq_ignore_ascii_case(server_name))
    }

    /// Refuses a homeserver that is not a member.
    pub fn require_member(&self, server_name: &str) -> CoreResult<()> {
        if self.lists(server_name) {
            Ok(())
        } else {
            Err(Rule::NotInFederation.violated(format!(
                "homeserver {server_name} is not in the TI-M federation list (version {})",
                self.version
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = r#"{"version": 7, "domainList": [
        {"domain": "tim.example.de", "telematikID": "1-abc", "isInsurance": false},
        {"domain": "epa.example.de", "telematikID": "8-kk", "isInsurance": true, "ik": ["108433248"]}]}"#;

    #[test]
    fn a_listed_homeserver_is_a_member_in_any_case() {
        let list = FederationList::parse(LIST.as_bytes()).unwrap();
        assert_eq!(list.version, 7);
        assert!(list.require_member("tim.example.de").is_ok());
        assert!(list.require_member("TIM.Example.DE").is_ok());
        assert!(list.domains[1].is_insurance);
    }

    #[test]
    fn an_unlisted_homeserver_is_refused_by_the_federation_rule() {
        let list = FederationList::parse(LIST.as_bytes()).unwrap();
        for server in ["evil.example.de", "tim.example.de.evil.org", "example.de", ""] {
            match list.require_member(server) {
                Err(CoreError::RuleViolated { rule, .. }) => assert_eq!(rule, Rule::NotInFederation),
                other => panic!("{server}: {other:?}"),
            }
        }
    }

    #[test]
    fn an_unreadable_list_is_bad_input() {
        assert!(matches!(
            FederationList::parse(b"{\"version\": 1}"),
            Err(CoreError::InvalidInput(_))
        ));
        assert!(matches!(
            FederationList::parse(b"<html>"),
            Err(CoreError::InvalidInput(_))
        ));
    }
}
