//! Single sign-on (5.1; TI-M ePA logs in by SSO only): what a homeserver offers, which
//! identity provider a login uses, and the login token on the redirect back to the client.

use crate::core::{CoreError, CoreResult, Rule};

/// How a homeserver lets users log in (its `GET /login` flows), as a login screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoginOptions {
    pub password: bool,
    /// Whether it takes `m.login.token`, which completes an SSO login.
    pub token: bool,
    /// `None`: no SSO. `Some(empty)`: SSO through the homeserver's one unnamed provider.
    pub sso: Option<Vec<IdentityProvider>>,
}

/// One identity provider a homeserver lists for SSO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityProvider {
    pub id: String,
    pub name: String,
}

/// Which provider a login goes to: the one asked for, which must be listed; without a wish,
/// the only one listed (several need a choice the user makes) or the homeserver's default.
pub fn choose_provider(options: &LoginOptions, wanted: Option<&str>) -> CoreResult<Option<String>> {
    let Some(providers) = &options.sso else {
        return Err(CoreError::RuleViolated {
            rule: Rule::SsoNotOffered,
            message: "the homeserver offers no SSO login".into(),
        });
    };
    if !options.token {
        return Err(CoreError::RuleViolated {
            rule: Rule::SsoNotOffered,
            message: "the homeserver offers SSO but no m.login.token to complete it".into(),
        });
    }
    match (wanted, providers.as_slice()) {
        (Some(id), listed) if listed.iter().any(|p| p.id == id) => Ok(Some(id.to_string())),
        (Some(id), []) => Err(CoreError::InvalidInput(format!(
            "the homeserver names no identity providers, so none can be chosen (asked for '{id}')"
        ))),
        (Some(id), listed) => Err(CoreError::InvalidInput(format!(
            "identity provider '{id}' is not offered; the homeserver lists {}",
            listed.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ")
        ))),
        (None, []) => Ok(None),
        (None, [only]) => Ok(Some(only.id.clone())),
        (None, listed) => Err(CoreError::InvalidInput(format!(
            "the homeserver lists several identity providers; choose one of {}",
            listed.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// What came back on the redirect to the client: the login token, or why there is none.
#[derive(Debug, PartialEq, Eq)]
pub enum Callback {
    Token(String),
    /// The redirect carried no token (the homeserver or the user broke the login off).
    NoToken,
    /// Not the redirect at all (a browser's favicon request, a stray visitor): keep waiting.
    Unrelated,
}

/// Reads the request target of an HTTP request to the loopback redirect (`/path?query`).
pub fn read_callback(target: &str, expected_path: &str) -> Callback {
    let Ok(url) = url::Url::parse(&format!("http://loopback{target}")) else {
        return Callback::Unrelated;
    };
    if url.path() != expected_path {
        return Callback::Unrelated;
    }
    match url.query_pairs().find(|(k, _)| k == "loginToken") {
        Some((_, token)) if !token.is_empty() => Callback::Token(token.into_owned()),
        _ => Callback::NoToken,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offering(ids: &[&str]) -> LoginOptions {
        LoginOptions {
            password: true,
            token: true,
            sso: Some(
                ids.iter()
                    .map(|id| IdentityProvider {
                        id: id.to_string(),
                        name: id.to_uppercase(),
                    })
                    .collect(),
            ),
        }
    }

    #[test]
    fn a_homeserver_without_sso_is_a_rule_outcome() {
        let options = LoginOptions {
            password: true,
            ..Default::default()
        };
        let err = choose_provider(&options, None).unwrap_err();
        assert!(matches!(
            err,
            CoreError::RuleViolated {
                rule: Rule::SsoNotOffered,
                ..
            }
        ));
        let no_token = LoginOptions {
            token: false,
            ..offering(&["a"])
        };
        assert!(choose_provider(&no_token, None).is_err());
    }

    #[test]
    fn the_only_provider_is_taken_and_several_need_a_choice() {
        assert_eq!(choose_provider(&offering(&["idp"]), None).unwrap(), Some("idp".into()));
        assert_eq!(choose_provider(&offering(&[]), None).unwrap(), None);
        assert!(matches!(
            choose_provider(&offering(&["a", "b"]), None),
            Err(CoreError::InvalidInput(_))
        ));
        assert_eq!(
            choose_provider(&offering(&["a", "b"]), Some("b")).unwrap(),
            Some("b".into())
        );
    }

    #[test]
    fn an_unlisted_provider_is_bad_input() {
        let err = choose_provider(&offering(&["a"]), Some("evil")).unwrap_err();
        assert!(matches!(err, CoreError::InvalidInput(m) if m.contains("evil") && m.contains("a")));
        assert!(choose_provider(&offering(&[]), Some("a")).is_err());
    }

    #[test]
    fn the_token_comes_from_the_expected_path_only() {
        assert_eq!(
            read_callback("/sso/abc?loginToken=syl_x%2By&state=1", "/sso/abc"),
            Callback::Token("syl_x+y".into())
        );
        assert_eq!(read_callback("/sso/abc?loginToken=", "/sso/abc"), Callback::NoToken);
        assert_eq!(read_callback("/sso/abc", "/sso/abc"), Callback::NoToken);
        assert_eq!(read_callback("/favicon.ico", "/sso/abc"), Callback::Unrelated);
        assert_eq!(
            read_callback("/sso/other?loginToken=t", "/sso/abc"),
            Callback::Unrelated
        );
        assert_eq!(read_callback("garbage with spaces", "/sso/abc"), Callback::Unrelated);
    }
}
