//! SSO login (spec 5.1) through the core, against the local Fachdienst: hs4 offers SSO through
//! the OpenID Connect provider `scripts/fachdienst-up.sh` starts (panva's oidc-provider). The
//! browser's part (redirects, cookies, the IdP's login form) is done over plain HTTP here.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use support::*;
use tim_client::core::{
    CoreError, KeySharing, LoginToken, NewRoom, Product, ResumeRequest, Rule, Session, SsoStart, StoreLocation,
    TokenLoginRequest, TrustAnchors,
};
use url::Url;

const IDP_USER: &str = "sso-alice";
const IDP_PASSWORD: &str = "alice-idp-pass";

fn hs(base: &str) -> Url {
    Url::parse(base).unwrap()
}

fn start(base: &Url) -> SsoStart<'_> {
    SsoStart {
        homeserver_url: base,
        trust: TrustAnchors::default(),
        identity_provider: None,
    }
}

fn token_login(store: StoreLocation, token: LoginToken, base: &Url) -> TokenLoginRequest<'_> {
    TokenLoginRequest {
        homeserver_url: base,
        store,
        token,
        device_display_name: "core SSO test",
        product: Product::Pro,
        trust: TrustAnchors::default(),
        federation: None,
        key_sharing: KeySharing::AllDevices,
    }
}

/// A browser: follows redirects, keeps cookies (per host, as browsers do: the homeserver and
/// the IdP share 127.0.0.1) and fills in the IdP's login form.
struct Browser {
    http: reqwest::Client,
    cookies: HashMap<String, String>,
}

/// Where a browsing session ended.
enum Outcome {
    /// Redirected to a URL starting with the given prefix (not followed).
    Redirected(Url),
    /// A page that is not a redirect: status and body.
    Page(u16, String),
}

impl Browser {
    fn new() -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser {
            http,
            cookies: HashMap::new(),
        }
    }

    async fn request(&mut self, url: &Url, form: Option<&[(&str, &str)]>) -> reqwest::Response {
        let mut request = match form {
            Some(fields) => {
                let body: String = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields)
                    .finish();
                self.http
                    .post(url.clone())
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body)
            }
            None => self.http.get(url.clone()),
        };
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            request = request.header("cookie", jar.join("; "));
        }
        let response = request.send().await.expect("the server answers");
        for set in response.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap_or_default();
            let pair = set.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                let expired = value.is_empty() || set.to_ascii_lowercase().contains("max-age=0");
                if expired {
                    self.cookies.remove(name.trim());
                } else {
                    self.cookies.insert(name.trim().to_string(), value.to_string());
                }
            }
        }
        response
    }

    /// Follows redirects from `url` until one leads to `stop_at`, or a page comes back. The
    /// IdP's login form is submitted with the given credentials once.
    async fn browse(&mut self, url: &str, stop_at: &str, user: &str, password: &str) -> Outcome {
        let mut url = Url::parse(url).unwrap();
        let mut form: Option<Vec<(&str, &str)>> = None;
        for _ in 0..20 {
            let response = self.request(&url, form.take().as_deref()).await;
            let status = response.status().as_u16();
            if (300..400).contains(&status) {
                let location = response.headers()["location"].to_str().unwrap().to_string();
                url = url.join(&location).unwrap();
                if url.as_str().starts_with(stop_at) {
                    return Outcome::Redirected(url);
                }
                continue;
            }
            let body = response.text().await.unwrap_or_default();
            let is_login_form = status == 200 && body.contains("name=\"password\"");
            if is_login_form && self.cookies.contains_key("_interaction") {
                let action = body
                    .split("action=\"")
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                    .unwrap();
                url = url.join(action).unwrap();
                form = Some(vec![("username", user), ("password", password)]);
                continue;
            }
            return Outcome::Page(status, body);
        }
        panic!("too many redirects");
    }
}

/// A login token for the IdP user, caught on its way to a redirect URL of the test's own.
async fn login_token_for(user: &str, password: &str) -> Result<String, Outcome> {
    let base = hs(HS4);
    let redirect = Url::parse("http://127.0.0.1:9/sso-test-callback").unwrap();
    let url = Session::sso_url(start(&base), &redirect).await.expect("SSO URL");
    match Browser::new().browse(&url, redirect.as_str(), user, password).await {
        Outcome::Redirected(back) => Ok(back
            .query_pairs()
            .find(|(k, _)| k == "loginToken")
            .map(|(_, v)| v.into_owned())
            .expect("a login token on the redirect")),
        page => Err(page),
    }
}

#[tokio::test]
async fn a_full_sso_login_is_a_normal_session_that_resumes_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let base = hs(HS4);
    let pending = Session::start_sso(start(&base)).await.expect("SSO starts");
    assert!(pending.url().contains("/login/sso/redirect"), "{}", pending.url());
    let url = pending.url().to_string();
    let waiting = tokio::spawn(pending.wait_for_token(Duration::from_secs(60)));
    // The browser ends at the core's loopback listener, which answers with a page.
    match Browser::new().browse(&url, "never", IDP_USER, IDP_PASSWORD).await {
        Outcome::Page(200, body) => assert!(body.contains("Anmeldung abgeschlossen"), "{body}"),
        Outcome::Page(status, body) => panic!("the login ended on {status}: {body}"),
        Outcome::Redirected(url) => panic!("unexpected redirect to {url}"),
    }
    let token = waiting.await.unwrap().expect("the token came back");
    let store = store(dir.path(), "sso");
    let session = Session::login_with_token(token_login(store.clone(), token, &base))
        .await
        .expect("the token logs in");
    assert_eq!(session.user_id().as_str(), format!("@{IDP_USER}:{HS4_NAME}"));
    let device = session.device_id().expect("a device");

    // E2EE as after a password login: an encrypted room, a message sent and read back.
    let room = session
        .rooms()
        .create(NewRoom {
            name: "SSO".into(),
            ..Default::default()
        })
        .await
        .expect("room");
    let body = format!("after SSO {}", hex(4));
    session.messages().send(&room.room_id, text(&body)).await.expect("send");
    wait_readable(&session, &room.room_id, &body).await;

    // A restart resumes the same device from the store, without the IdP.
    drop(session);
    let resumed = Session::resume(ResumeRequest {
        homeserver_url: &base,
        store: store.clone(),
        product: Product::Pro,
        trust: TrustAnchors::default(),
        federation: None,
        key_sharing: KeySharing::AllDevices,
    })
    .await
    .expect("resume")
    .expect("the SSO session is in the store");
    assert_eq!(resumed.device_id().as_deref(), Some(device.as_str()));
    wait_readable(&resumed, &room.room_id, &body).await;
    resumed
        .erase(tim_client::core::DeviceOnServer::LogOut)
        .await
        .expect("wipe");
}

#[tokio::test]
async fn a_wrong_idp_password_brings_no_token_and_leaves_no_store() {
    let dir = tempfile::tempdir().unwrap();
    let base = hs(HS4);
    let pending = Session::start_sso(start(&base)).await.expect("SSO starts");
    let url = pending.url().to_string();
    match Browser::new().browse(&url, "never", IDP_USER, "not-the-password").await {
        Outcome::Page(status, body) => {
            assert_eq!(status, 401, "{body}");
            assert!(body.contains("Passwort falsch"), "{body}");
        }
        Outcome::Redirected(url) => panic!("a wrong password went on to {url}"),
    }
    let err = pending
        .wait_for_token(Duration::from_secs(2))
        .await
        .expect_err("no token without the right password");
    assert!(matches!(err, CoreError::Unauthorized(_)), "{err}");
    assert!(!store(dir.path(), "sso").dir.exists(), "no store before a token");
}

#[tokio::test]
async fn a_replayed_or_made_up_login_token_is_refused_and_leaves_no_store() {
    let dir = tempfile::tempdir().unwrap();
    let base = hs(HS4);
    let token = match login_token_for(IDP_USER, IDP_PASSWORD).await {
        Ok(token) => token,
        Err(Outcome::Page(status, body)) => panic!("no token: {status} {body}"),
        Err(Outcome::Redirected(url)) => panic!("no token: redirected to {url}"),
    };
    let first = Session::login_with_token(token_login(store(dir.path(), "first"), LoginToken::new(&token), &base))
        .await
        .expect("the token works once");
    for (name, token) in [("replayed", token.clone()), ("made-up", format!("syl_{}", hex(16)))] {
        let store = store(dir.path(), name);
        let err = Session::login_with_token(token_login(store.clone(), LoginToken::new(token), &base))
            .await
            .expect_err(name);
        assert!(matches!(err, CoreError::Unauthorized(_)), "{name}: {err}");
        assert!(
            !store.dir.exists(),
            "{name}: the failed login left {}",
            store.dir.display()
        );
    }
    // A store that existed before the attempt is never removed by its failure.
    let existing = store(dir.path(), "existing");
    std::fs::create_dir_all(&existing.dir).unwrap();
    std::fs::write(existing.dir.join("keep.me"), b"x").unwrap();
    let made_up = LoginToken::new(format!("syl_{}", hex(16)));
    Session::login_with_token(token_login(existing.clone(), made_up, &base))
        .await
        .expect_err("made-up token");
    assert!(existing.dir.join("keep.me").exists(), "an existing store stays");
    first
        .erase(tim_client::core::DeviceOnServer::LogOut)
        .await
        .expect("wipe");
}

#[tokio::test]
async fn the_login_screen_shows_what_each_homeserver_offers() {
    let trust = TrustAnchors::default();
    let with_sso = Session::login_options(&hs(HS4), &trust).await.expect("hs4 flows");
    assert!(with_sso.password && with_sso.token);
    let providers = with_sso.sso.expect("hs4 offers SSO");
    assert!(providers.iter().any(|p| p.name == "TI-M test IdP"), "{providers:?}");

    let without = Session::login_options(&hs(HS1), &trust).await.expect("hs1 flows");
    assert!(without.password);
    assert_eq!(without.sso, None);
    let hs1 = hs(HS1);
    let err = Session::start_sso(start(&hs1)).await.err().expect("no SSO on hs1");
    assert!(
        matches!(
            err,
            CoreError::RuleViolated {
                rule: Rule::SsoNotOffered,
                ..
            }
        ),
        "{err}"
    );

    let hs4 = hs(HS4);
    let unknown = SsoStart {
        identity_provider: Some("oidc-nobody"),
        ..start(&hs4)
    };
    let err = Session::start_sso(unknown).await.err().expect("unknown IdP");
    assert!(matches!(err, CoreError::InvalidInput(_)), "{err}");
}

#[tokio::test]
async fn a_redirect_without_a_token_breaks_the_login_off() {
    let base = hs(HS4);
    let pending = Session::start_sso(start(&base)).await.expect("SSO starts");
    let redirect = Url::parse(pending.url())
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "redirectUrl")
        .map(|(_, v)| v.into_owned())
        .expect("the loopback redirect");
    let waiting = tokio::spawn(pending.wait_for_token(Duration::from_secs(30)));
    // A stray request first (it is not the redirect: the listener keeps waiting).
    let origin = Url::parse(&redirect).unwrap().join("/favicon.ico").unwrap();
    assert_eq!(http().get(origin).send().await.unwrap().status(), 404);
    let answer = http().get(format!("{redirect}?error=cancelled")).send().await.unwrap();
    assert_eq!(answer.status(), 400);
    let err = waiting.await.unwrap().expect_err("no token");
    assert!(matches!(err, CoreError::Unauthorized(m) if m.contains("broken off")));
}
