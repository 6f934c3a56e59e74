//! mTLS of the driver: with a client CA configured, the handshake requires a certificate from
//! that CA, a revoked one (CRL) is refused, and the certificate's CN becomes `claimerCn`.
//! No homeserver is needed: claiming a device does not log in.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CertifiedIssuer, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyIdMethod, KeyPair, KeyUsagePurpose, RevokedCertParams, SerialNumber,
};
use tim_client::testdriver::{Driver, DriverConfig};

struct Pki {
    dir: PathBuf,
    good: reqwest::Identity,
    revoked: reqwest::Identity,
    other: reqwest::Identity,
}

fn client_cert(ca: &CertifiedIssuer<'_, KeyPair>, cn: &str, serial: u64) -> reqwest::Identity {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.serial_number = Some(SerialNumber::from(serial));
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, ca).unwrap();
    reqwest::Identity::from_pem(format!("{}{}", cert.pem(), key.serialize_pem()).as_bytes()).unwrap()
}

fn make_pki() -> Pki {
    let dir = std::env::temp_dir().join(format!("tim-mtls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.distinguished_name.push(DnType::CommonName, "test TIM CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    std::fs::write(dir.join("client-ca.crt"), ca.pem()).unwrap();
    let crl = CertificateRevocationListParams {
        this_update: rcgen::date_time_ymd(2025, 1, 1),
        next_update: rcgen::date_time_ymd(2035, 1, 1),
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: vec![RevokedCertParams {
            serial_number: SerialNumber::from(7u64),
            revocation_time: rcgen::date_time_ymd(2025, 6, 1),
            reason_code: None,
            invalidity_date: None,
        }],
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&ca)
    .unwrap();
    std::fs::write(dir.join("ca.crl"), crl.der()).unwrap();
    Pki {
        good: client_cert(&ca, "vendor test client", 42),
        revoked: client_cert(&ca, "revoked client", 7),
        other: client_cert(&ca, "other vendor", 43),
        dir,
    }
}

fn config(dir: &Path) -> DriverConfig {
    let devices: String = (1..=3)
        .map(|i| {
            format!("[[api.device]]\nid = {i}\nname = \"d{i}\"\nmxid = \"@u{i}:localhost:8448\"\npassword = \"p\"\n")
        })
        .collect();
    let text = format!(
        "[server]\nbind = \"127.0.0.1:0\"\nstate_dir = \"{d}/state\"\ntls_cert = \"{d}/server.crt\"\ntls_key = \"{d}/server.key\"\n\
         client_ca = \"{d}/client-ca.crt\"\ncrls = [\"{d}/ca.crl\"]\n\n[[api]]\nprefix = \"api\"\nkind = \"pro-client\"\n\
         homeserver_name = \"localhost:8448\"\nhomeserver_url = \"http://127.0.0.1:8008\"\n{devices}",
        d = dir.display()
    );
    let path = dir.join("driver.toml");
    std::fs::write(&path, text).unwrap();
    DriverConfig::load(&path).unwrap()
}

fn client(identity: Option<reqwest::Identity>) -> reqwest::Client {
    let mut b = reqwest::Client::builder().tls_danger_accept_invalid_certs(true);
    if let Some(id) = identity {
        b = b.identity(id);
    }
    b.build().unwrap()
}

#[tokio::test]
async fn mtls_requires_a_valid_client_certificate_and_reports_its_cn() {
    let pki = make_pki();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("https://127.0.0.1:{}/api", listener.local_addr().unwrap().port());
    let driver = Driver::build(config(&pki.dir)).unwrap();
    tokio::spawn(driver.run_on(listener));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    assert!(
        client(None).get(format!("{base}/devices")).send().await.is_err(),
        "no certificate must be refused"
    );
    assert!(
        client(Some(pki.revoked))
            .get(format!("{base}/devices"))
            .send()
            .await
            .is_err(),
        "revoked certificate must be refused"
    );

    let good = client(Some(pki.good));
    let claimed: serde_json::Value = good
        .post(format!("{base}/devices/1/claim"))
        .json(&serde_json::json!({"claimerName": "vendor test client", "claimFor": 120}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(claimed["claimerCn"], "vendor test client", "{claimed}");
    assert_eq!(claimed["deviceStatus"], "claimed");

    // Another client certificate can neither take, use nor release the device.
    let other = client(Some(pki.other));
    let status = |r: reqwest::Response| r.status().as_u16();
    let claim = serde_json::json!({"claimerName": "other vendor", "claimFor": 120});
    let taken = other
        .post(format!("{base}/devices/1/claim"))
        .json(&claim)
        .send()
        .await
        .unwrap();
    assert_eq!(status(taken), 409, "already claimed");
    let used = other.post(format!("{base}/devices/1/login")).send().await.unwrap();
    assert_eq!(status(used), 403, "claimed with another certificate");
    let released = other.post(format!("{base}/devices/1/unclaim")).send().await.unwrap();
    let code = released.status().as_u16();
    let body: serde_json::Value = released.json().await.unwrap();
    assert_eq!(
        (code, body["errorCode"].as_str()),
        (403, Some("WRONG_CLAIMER")),
        "{body}"
    );
    let mine = good.post(format!("{base}/devices/1/unclaim")).send().await.unwrap();
    assert_eq!(status(mine), 200, "the holder releases it");
    let _ = std::fs::remove_dir_all(&pki.dir);
}
