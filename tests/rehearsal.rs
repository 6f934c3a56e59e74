//! The files `scripts/rehearsal_certs.py` makes for a local rehearsal with mTLS work as gematik's
//! suite uses them: the PKCS#12 keystore (TIM_KEYSTORE) gets through the driver's handshake,
//! a client without a certificate and a revoked one are refused there, and the truststore
//! (TIM_TRUSTSTORE) holds the driver's server certificate. Clients are curl and keytool, as
//! close to the suite's Java stack as this machine gets. No homeserver is needed.

use std::path::{Path, PathBuf};
use std::process::Command;

use tim_client::testdriver::{Driver, DriverConfig};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn env_value(env: &str, key: &str) -> String {
    env.lines()
        .find_map(|l| l.strip_prefix(&format!("export {key}=")))
        .unwrap_or_else(|| panic!("{key} missing in rehearsal.env"))
        .to_string()
}

/// curl's HTTP status for `url` (000: no HTTP answer, e.g. a refused handshake).
fn curl_status(dir: &Path, url: &str, cert: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert"])
        .arg(dir.join("server.crt"))
        .args(cert)
        .arg(url)
        .output()
        .expect("curl runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn the_rehearsal_keystore_gets_through_and_a_client_without_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let made = Command::new("python3")
        .arg(root().join("scripts/rehearsal_certs.py"))
        .arg("--out")
        .arg(d)
        .arg("--config")
        .arg(root().join("config/driver-bdd.toml"))
        .arg("--server-cert")
        .arg(d.join("server.crt"))
        .arg("--server-key")
        .arg(d.join("server.key"))
        .output()
        .expect("python3 runs");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));

    let mut config = DriverConfig::load(&d.join("driver-mtls.toml")).expect("the generated config loads");
    assert!(config.server.client_ca.is_some() && config.server.client_cert_required);
    assert_eq!(config.server.crls.len(), 2, "the test CA's CRL and gematik's");
    config.server.state_dir = d.join("state");
    config.server.tls_cert = d.join("server.crt");
    config.server.tls_key = d.join("server.key");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "https://127.0.0.1:{}/hs1-pro/devices",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(Driver::build(config).expect("driver builds").run_on(listener));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let env = std::fs::read_to_string(d.join("rehearsal.env")).unwrap();
    let keystore = format!(
        "{}:{}",
        env_value(&env, "TIM_KEYSTORE"),
        env_value(&env, "TIM_KEYSTORE_PW")
    );
    let dir_ = d.to_path_buf();
    let (with, without, revoked) = tokio::task::spawn_blocking(move || {
        (
            curl_status(&dir_, &url, &["--cert-type", "P12", "--cert", &keystore]),
            curl_status(&dir_, &url, &[]),
            curl_status(
                &dir_,
                &url,
                &[
                    "--cert",
                    dir_.join("revoked.crt").to_str().unwrap(),
                    "--key",
                    dir_.join("revoked.key").to_str().unwrap(),
                ],
            ),
        )
    })
    .await
    .unwrap();
    assert_eq!(with, "200", "the keystore's certificate must get through");
    assert_eq!(without, "000", "no certificate: refused at the handshake");
    assert_eq!(revoked, "000", "a revoked certificate: refused at the handshake");

    if which("keytool") {
        let list = Command::new("keytool")
            .args(["-list", "-v", "-keystore", &env_value(&env, "TIM_TRUSTSTORE")])
            .args(["-storepass", &env_value(&env, "TIM_TRUSTSTORE_PW")])
            .output()
            .expect("keytool runs");
        let list = String::from_utf8_lossy(&list.stdout);
        let fingerprint = Command::new("openssl")
            .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
            .arg(d.join("server.crt"))
            .output()
            .expect("openssl runs");
        let fingerprint = String::from_utf8_lossy(&fingerprint.stdout);
        let fingerprint = fingerprint.trim().rsplit('=').next().unwrap();
        assert!(list.contains("trustedCertEntry"), "{list}");
        assert!(
            list.contains(fingerprint),
            "the truststore holds the server certificate: {list}"
        );
    }
}

fn which(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}
