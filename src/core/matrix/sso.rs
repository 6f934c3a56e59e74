//! SSO login (5.1): the homeserver's login flows, the URL that starts SSO, a loopback
//! listener of the core's own for the redirect, and `m.login.token` into a normal session.

use std::time::Duration;

use matrix_sdk::Client;
use matrix_sdk::ruma::api::client::session::get_login_types::v3::LoginType;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

use super::device_file;
use super::errors::from_http;
use super::session::{Session, StoreLocation, login_refused};
use super::stores::build_client;
use super::trust::TrustAnchors;
use crate::core::rules::room_policy::Product;
use crate::core::rules::sso::{Callback, IdentityProvider, LoginOptions, choose_provider, read_callback};
use crate::core::{CoreError, CoreResult, FederationCheck, KeySharing, Mxid};

/// Where to ask for SSO, and through which identity provider.
pub struct SsoStart<'a> {
    pub homeserver_url: &'a Url,
    pub trust: TrustAnchors,
    /// One of [`LoginOptions::sso`]'s ids; `None` when the homeserver lists at most one.
    pub identity_provider: Option<&'a str>,
}

/// The login token from the redirect: single use, valid for minutes. Never logged.
pub struct LoginToken(String);

impl LoginToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }
}

impl std::fmt::Debug for LoginToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginToken(..)")
    }
}

/// Everything an SSO login needs besides the token; as [`super::session::LoginRequest`].
pub struct TokenLoginRequest<'a> {
    pub homeserver_url: &'a Url,
    pub store: StoreLocation,
    pub token: LoginToken,
    pub device_display_name: &'a str,
    pub product: Product,
    pub trust: TrustAnchors,
    /// When set, an account of a homeserver outside the TI-M federation is logged out again.
    pub federation: Option<FederationCheck>,
    pub key_sharing: KeySharing,
}

/// An SSO login waiting for its redirect: open [`PendingSso::url`] in a browser, then
/// [`PendingSso::wait_for_token`].
pub struct PendingSso {
    url: String,
    listener: TcpListener,
    path: String,
}

impl Session {
    /// How the homeserver lets users log in, as a login screen shows it.
    pub async fn login_options(homeserver_url: &Url, trust: &TrustAnchors) -> CoreResult<LoginOptions> {
        let client = bare_client(homeserver_url, trust).await?;
        let flows = client.matrix_auth().get_login_types().await.map_err(from_http)?;
        let mut options = LoginOptions::default();
        for flow in flows.flows {
            match flow {
                LoginType::Password(_) => options.password = true,
                LoginType::Token(_) => options.token = true,
                LoginType::Sso(sso) => {
                    options.sso = Some(
                        sso.identity_providers
                            .into_iter()
                            .map(|p| IdentityProvider { id: p.id, name: p.name })
                            .collect(),
                    )
                }
                _ => {}
            }
        }
        Ok(options)
    }

    /// Starts an SSO login whose redirect comes back to a listener of the core's own on
    /// loopback (the way desktop clients do it).
    pub async fn start_sso(start: SsoStart<'_>) -> CoreResult<PendingSso> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(CoreError::internal)?;
        let port = listener.local_addr().map_err(CoreError::internal)?.port();
        // A path nobody guesses: another local process cannot hand the listener a token.
        let path = format!("/sso/{}", hex::encode(rand::random::<[u8; 16]>()));
        let redirect = Url::parse(&format!("http://127.0.0.1:{port}{path}")).map_err(CoreError::internal)?;
        let url = Self::sso_url(start, &redirect).await?;
        Ok(PendingSso { url, listener, path })
    }

    /// The URL that starts SSO when the redirect goes to the caller's own URL (an app's
    /// registered scheme); the caller hands the token to [`Session::login_with_token`].
    pub async fn sso_url(start: SsoStart<'_>, redirect_url: &Url) -> CoreResult<String> {
        let options = Self::login_options(start.homeserver_url, &start.trust).await?;
        let provider = choose_provider(&options, start.identity_provider)?;
        let client = bare_client(start.homeserver_url, &start.trust).await?;
        client
            .matrix_auth()
            .get_sso_login_url(redirect_url.as_str(), provider.as_deref())
            .await
            .map_err(CoreError::internal)
    }

    /// Completes an SSO login: the token becomes a session like a password login's (E2EE,
    /// store, resumable after a restart). A refused token, or an account the product may not
    /// use, leaves no session and, where the store directory did not exist before, no store.
    pub async fn login_with_token(req: TokenLoginRequest<'_>) -> CoreResult<Session> {
        crate::core::rules::transport::require_tls(req.homeserver_url, "homeserver")?;
        // Only what this attempt created is removed again: never an existing store (one
        // opened with a mistyped passphrase looks empty, yet holds another login's keys).
        let new_store = !tokio::fs::try_exists(&req.store.dir).await.unwrap_or(true);
        let stored = device_file::read(&req.store).await;
        let store = req.store.clone();
        let result = token_login(req, stored.as_ref().map(|d| (d.user_id.clone(), d.device_id.clone()))).await;
        if result.is_err() && new_store {
            // Nothing of a failed first login stays behind (its key, empty databases).
            if let Err(e) = store.erase().await {
                tracing::warn!(error = %e, "could not remove the store of a failed SSO login");
            }
        }
        result
    }
}

impl PendingSso {
    /// The URL to open in a browser.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Waits for the redirect and answers the browser. A redirect without a token (the
    /// login was broken off) and no redirect within `timeout` are errors.
    pub async fn wait_for_token(self, timeout: Duration) -> CoreResult<LoginToken> {
        let wait = async {
            loop {
                let (stream, _) = self.listener.accept().await.map_err(CoreError::internal)?;
                match answer(stream, &self.path).await {
                    Callback::Token(token) => return Ok(LoginToken(token)),
                    Callback::NoToken => {
                        return Err(CoreError::Unauthorized(
                            "the SSO login was broken off: the redirect carried no login token".into(),
                        ));
                    }
                    Callback::Unrelated => continue,
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.unwrap_or_else(|_| {
            Err(CoreError::Unauthorized(format!(
                "no SSO login completed within {} s",
                timeout.as_secs()
            )))
        })
    }
}

/// Reads one HTTP request from the browser and answers it.
async fn answer(mut stream: TcpStream, path: &str) -> Callback {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    let read = async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
    };
    if tokio::time::timeout(Duration::from_secs(10), read).await.is_err() {
        return Callback::Unrelated;
    }
    let line = String::from_utf8_lossy(&head);
    let target = line.lines().next().and_then(|l| l.split(' ').nth(1)).unwrap_or("");
    let callback = read_callback(target, path);
    let (status, body) = match &callback {
        Callback::Token(_) => (
            "200 OK",
            "Anmeldung abgeschlossen. Sie können dieses Fenster schließen.",
        ),
        Callback::NoToken => ("400 Bad Request", "Anmeldung abgebrochen: kein Login-Token."),
        Callback::Unrelated => ("404 Not Found", "Nicht gefunden."),
    };
    let page = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(page.as_bytes()).await;
    let _ = stream.shutdown().await;
    callback
}

/// A client without a store, for requests before any login.
async fn bare_client(homeserver_url: &Url, trust: &TrustAnchors) -> CoreResult<Client> {
    crate::core::rules::transport::require_tls(homeserver_url, "homeserver")?;
    let mut builder = Client::builder().homeserver_url(homeserver_url.as_str());
    if !trust.is_empty() {
        builder = builder.add_root_certificates(trust.certificates());
    }
    builder.build().await.map_err(CoreError::internal)
}

/// The token login proper. `stored`: the account and device the store already holds.
async fn token_login(req: TokenLoginRequest<'_>, stored: Option<(String, String)>) -> CoreResult<Session> {
    let client = build_client(req.homeserver_url, &req.store, &req.trust, req.key_sharing).await?;
    let mut login = client
        .matrix_auth()
        .login_token(&req.token.0)
        .initial_device_display_name(req.device_display_name);
    if let Some((_, device_id)) = &stored {
        login = login.device_id(device_id);
    }
    login.send().await.map(drop).map_err(login_refused)?;
    let user = Mxid::parse(client.user_id().map(|u| u.as_str()).unwrap_or_default())?;
    // The homeserver made a session; from here on a refusal logs it out again.
    let admitted = async {
        if let Some(federation) = &req.federation {
            federation.require_member(user.server_name()).await?;
        }
        if let Some((stored_user, _)) = &stored {
            if stored_user != user.as_str() {
                return Err(CoreError::InvalidInput(format!(
                    "this store belongs to {stored_user}, the SSO login was {user}: use a store of its own"
                )));
            }
            if !super::relogin::device_keys_on_server(&client).await? {
                return Err(CoreError::Unauthorized(
                    "the store's device was deleted on the homeserver: erase the store, then log in again".into(),
                ));
            }
        }
        Ok(())
    };
    if let Err(e) = admitted.await {
        if let Err(out) = client.matrix_auth().logout().await {
            tracing::warn!(error = %out, "could not end the refused SSO session");
        }
        return Err(e);
    }
    Session::finish_login(client, req.store, req.product).await
}
