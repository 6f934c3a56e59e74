//! How a command gets its session: the store's live session, a password login or SSO.

use std::time::Duration;

use tim_client::core::{LoginRequest, LoginToken, ResumeRequest, Session, SsoStart, StoreLocation, TokenLoginRequest};

use crate::Args;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const DEVICE_NAME: &str = "tim-client CLI";

fn store(args: &Args) -> Result<StoreLocation> {
    let passphrase = std::env::var("TIM_STORE_PASSPHRASE").map_err(|_| "TIM_STORE_PASSPHRASE is not set")?;
    Ok(StoreLocation {
        dir: args.store.clone(),
        passphrase,
    })
}

/// The store's live session when it has one (`true`), else a password login (`false`).
pub(crate) async fn open(args: &Args) -> Result<(Session, bool)> {
    let resumed = Session::resume(ResumeRequest {
        homeserver_url: &args.homeserver,
        store: store(args)?,
        product: args.product,
        trust: args.trust.clone(),
        federation: args.federation.clone(),
        key_sharing: args.key_sharing,
    })
    .await?;
    match resumed {
        Some(session) => Ok((session, true)),
        None => Ok((password_login(args).await?, false)),
    }
}

pub(crate) async fn password_login(args: &Args) -> Result<Session> {
    let user = args.user.as_ref().ok_or("--user is needed for a password login")?;
    let password = std::env::var("TIM_PASSWORD").map_err(|_| "TIM_PASSWORD is not set")?;
    Ok(Session::login(LoginRequest {
        homeserver_url: &args.homeserver,
        store: store(args)?,
        user,
        password: &password,
        device_display_name: DEVICE_NAME,
        product: args.product,
        trust: args.trust.clone(),
        federation: args.federation.clone(),
        key_sharing: args.key_sharing,
    })
    .await?)
}

/// Prints the URL to open and waits for the identity provider's redirect to this machine.
pub(crate) async fn sso_login(args: &Args, idp: Option<&str>, wait: u64) -> Result<Session> {
    let store = store(args)?;
    let pending = Session::start_sso(SsoStart {
        homeserver_url: &args.homeserver,
        trust: args.trust.clone(),
        identity_provider: idp,
    })
    .await?;
    println!("Open this URL in a browser to log in:\n{}", pending.url());
    let token: LoginToken = pending.wait_for_token(Duration::from_secs(wait)).await?;
    Ok(Session::login_with_token(TokenLoginRequest {
        homeserver_url: &args.homeserver,
        store,
        token,
        device_display_name: DEVICE_NAME,
        product: args.product,
        trust: args.trust.clone(),
        federation: args.federation.clone(),
        key_sharing: args.key_sharing,
    })
    .await?)
}
