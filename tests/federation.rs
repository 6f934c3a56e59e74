//! Only homeservers of the TI-M federation (gemSpec_TI-Messenger-Client 5.7): the core checks
//! the signed federation list the local Fachdienst serves where gematik's VZD does, refuses a
//! login to a homeserver it does not name before sending anything, refuses to resume such a
//! session, and believes no list whose signature or signer chain fails.

mod support;

use std::path::{Path, PathBuf};

use support::*;
use tim_client::core::{CoreError, FederationCheck, Product, ResumeRequest, Rule, Session, TrustAnchors};
use url::Url;

const FEDLIST: &str = "http://127.0.0.1:8480/";

fn fedlist_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".fachdienst/state/fedlist")
}

fn check_at(base: &str, roots: &Path) -> FederationCheck {
    let base = Url::parse(base).unwrap();
    let list = base
        .join("tim-provider-services/FederationList/federationList.jws")
        .unwrap();
    let pem = std::fs::read(roots).unwrap();
    FederationCheck::new(list, base, &pem, &TrustAnchors::default()).expect("federation check")
}

fn local_check() -> FederationCheck {
    check_at(FEDLIST, &fedlist_dir().join("pki/root.crt.pem"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_homeserver_is_used() {
    let list = local_check().list().await.expect("the local list verifies");
    assert!(list.lists(HS1_NAME) && list.lists(HS2_NAME), "{list:?}");
    let admin = admin_token(HS1, HS1_NAME).await;
    let (user, password) = new_account(HS1, HS1_NAME, &admin, "fed-member").await;
    let dir = tempfile::tempdir().unwrap();
    let session = login_checked(HS1, store(dir.path(), "a"), &user, &password, local_check())
        .await
        .expect("a federation member's user logs in");
    session.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_homeserver_missing_from_the_list_is_refused_and_its_session_not_resumed() {
    let admin = admin_token(HS1, HS1_NAME).await;
    let (user, password) = new_account(HS1, HS1_NAME, &admin, "fed-gone").await;
    let dir = tempfile::tempdir().unwrap();
    let served = ServedList::without(dir.path(), HS1_NAME).await;
    let without_hs1 = check_at(&served.url, &fedlist_dir().join("pki/root.crt.pem"));
    let proxy = FaultProxy::start(HS1).await;

    let refused = login_checked(
        &proxy.url,
        store(dir.path(), "a"),
        &user,
        &password,
        without_hs1.clone(),
    )
    .await;
    assert_not_in_federation(refused.map(drop));
    assert_eq!(
        proxy.seen("POST", "/login"),
        0,
        "nothing, the password least of all, went to it"
    );

    // A session from before hs1 left the federation is not resumed, and stays logged out.
    let a_store = store(dir.path(), "b");
    let session = login(HS1, a_store.clone(), &user, &password).await;
    session.logout().await;
    drop(session);
    let hs1 = url_of(HS1);
    let resume = |federation| {
        Session::resume_parked(ResumeRequest {
            homeserver_url: &hs1,
            store: a_store.clone(),
            product: Product::Pro,
            trust: TrustAnchors::default(),
            federation,
            key_sharing: Default::default(),
        })
    };
    assert_not_in_federation(resume(Some(without_hs1)).await.map(drop));
    assert!(
        matches!(resume(Some(local_check())).await, Ok(None)),
        "the refused session is gone from the store"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_that_fails_its_signature_or_chain_is_not_believed() {
    let dir = tempfile::tempdir().unwrap();
    let served = ServedList::tampered(dir.path()).await;
    let tampered = check_at(&served.url, &fedlist_dir().join("pki/root.crt.pem"));
    match tampered.list().await {
        Err(CoreError::Directory { message, .. }) => assert!(message.contains("signature"), "{message}"),
        other => panic!("a changed payload must fail its signature: {other:?}"),
    }
    let other_root = check_at(FEDLIST, &fachdienst_ca());
    match other_root.list().await {
        Err(CoreError::Directory { message, .. }) => assert!(message.contains("trust"), "{message}"),
        other => panic!("a signer outside the pinned roots must be refused: {other:?}"),
    }
    let no_pem = FederationCheck::new(url_of(FEDLIST), url_of(FEDLIST), b"not pem", &TrustAnchors::default());
    assert!(
        matches!(no_pem, Err(CoreError::InvalidInput(_))),
        "bad roots are bad input"
    );
    let plain = FederationCheck::new(
        url_of("http://vzd.example.de/list.jws"),
        url_of(FEDLIST),
        &std::fs::read(fedlist_dir().join("pki/root.crt.pem")).unwrap(),
        &TrustAnchors::default(),
    );
    assert!(
        matches!(plain, Err(CoreError::InvalidInput(_))),
        "plain http to another host is refused"
    );
}

async fn login_checked(
    base: &str,
    store: tim_client::core::StoreLocation,
    user: &tim_client::core::Mxid,
    password: &str,
    federation: FederationCheck,
) -> Result<Session, CoreError> {
    Session::login(tim_client::core::LoginRequest {
        homeserver_url: &url_of(base),
        store,
        user,
        password,
        device_display_name: "federation test",
        product: Product::Pro,
        trust: TrustAnchors::default(),
        federation: Some(federation),
        key_sharing: Default::default(),
    })
    .await
}

fn assert_not_in_federation(outcome: Result<(), CoreError>) {
    match outcome {
        Err(CoreError::RuleViolated { rule, message }) => {
            assert_eq!(rule, Rule::NotInFederation, "{message}");
        }
        other => panic!("expected the federation rule, got {other:?}"),
    }
}

fn url_of(s: &str) -> Url {
    Url::parse(s).unwrap()
}

/// A federation list of the test's own, signed by the local Fachdienst's list PKI (the same
/// tool that signs the real one) and served on a free port.
struct ServedList {
    url: String,
}

impl ServedList {
    async fn without(dir: &Path, missing: &str) -> ServedList {
        let all: Vec<serde_json::Value> =
            serde_json::from_slice(&std::fs::read(fedlist_dir().join("domains.json")).unwrap()).unwrap();
        let kept: Vec<_> = all.into_iter().filter(|d| d["domain"] != missing).collect();
        let www = dir.join("www");
        let domains = dir.join("domains.json");
        std::fs::write(&domains, serde_json::to_vec(&kept).unwrap()).unwrap();
        let status =
            std::process::Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join(".fachdienst/venv/bin/python"))
                .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/fachdienst/fedlist.py"))
                .arg(fedlist_dir().join("pki"))
                .arg(&www)
                .arg(&domains)
                .stdout(std::process::Stdio::null())
                .status()
                .expect("fedlist.py runs");
        assert!(status.success(), "signing a list without {missing}");
        Self::serve(www).await
    }

    /// The real list with another payload under the original signature.
    async fn tampered(dir: &Path) -> ServedList {
        let real = std::fs::read_to_string(fedlist_dir().join("www/fedlist.jws")).unwrap();
        let parts: Vec<&str> = real.trim().split('.').collect();
        let forged = base64_url(br#"{"version": 1, "domainList": [{"domain": "evil.example.org"}]}"#);
        let www = dir.join("tampered");
        let at = www.join("tim-provider-services/FederationList");
        std::fs::create_dir_all(&at).unwrap();
        std::fs::write(
            at.join("federationList.jws"),
            format!("{}.{forged}.{}", parts[0], parts[2]),
        )
        .unwrap();
        copy_dir(&fedlist_dir().join("www/ECC"), &www.join("ECC"));
        Self::serve(www).await
    }

    async fn serve(root: PathBuf) -> ServedList {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
            let path = root.join(uri.path().trim_start_matches('/'));
            async move {
                match std::fs::read(&path) {
                    Ok(bytes) => (axum::http::StatusCode::OK, bytes),
                    Err(_) => (axum::http::StatusCode::NOT_FOUND, Vec::new()),
                }
            }
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        ServedList { url }
    }
}

fn base64_url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
