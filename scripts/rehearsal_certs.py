#!/usr/bin/env python3
"""Everything a local rehearsal of gematik's suite with mTLS needs, made with openssl (and
keytool for a Java truststore when it is installed):

    python3 scripts/rehearsal_certs.py [--out DIR] [--config CONFIG]

into DIR (default .state/rehearsal; never committed):
  client-ca.crt/.key   a test client CA (stands in for the "gematik TIM CA")
  client-ca.crl        its CRL (revokes one certificate, revoked.crt, to show the check works)
  client.crt/.key      a client certificate, CN = rehearsal-vendor (the suite's claimerName)
  keystore.p12         that certificate as PKCS#12            -> TIM_KEYSTORE / TIM_KEYSTORE_PW
  truststore.p12       the driver's server certificate         -> TIM_TRUSTSTORE / TIM_TRUSTSTORE_PW
  driver-mtls.toml     CONFIG with mTLS on: client CA, client certificate required, the test
                       CA's CRL and gematik's certs/gematik/tiMessengerTestDriver.crl
  rehearsal.env        the four TIM_* variables, for `source`
The driver's server certificate (CONFIG's tls_cert/tls_key) is made as a self-signed dev
certificate for localhost and 127.0.0.1 when it does not exist yet.
"""

import argparse
import pathlib
import re
import secrets
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
GEMATIK_CRL = ROOT / "certs" / "gematik" / "tiMessengerTestDriver.crl"
CLIENT_CN = "rehearsal-vendor"


def openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def server_certificate(cert: pathlib.Path, key: pathlib.Path) -> None:
    if cert.exists() and key.exists():
        return
    cert.parent.mkdir(parents=True, exist_ok=True)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-days", "825", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert))
    key.chmod(0o600)


def client_pki(out: pathlib.Path) -> None:
    """CA, client and revoked certificates, and the CA's CRL (openssl ca needs a tiny db)."""
    ca_key, ca_crt = out / "client-ca.key", out / "client-ca.crt"
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "825",
            "-subj", "/O=TIM rehearsal/CN=TIM rehearsal client CA",
            "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            "-keyout", str(ca_key), "-out", str(ca_crt))
    db = out / "ca-db"
    shutil.rmtree(db, ignore_errors=True)
    db.mkdir()
    (db / "index.txt").write_text("")
    (db / "crlnumber").write_text("01\n")
    conf = db / "ca.cnf"
    conf.write_text(f"""[ca]
default_ca = rehearsal
[rehearsal]
database = {db}/index.txt
crlnumber = {db}/crlnumber
serial = {db}/serial
new_certs_dir = {db}
certificate = {ca_crt}
private_key = {ca_key}
default_md = sha256
default_days = 825
default_crl_days = 3650
policy = any
unique_subject = no
[any]
commonName = supplied
[client]
extendedKeyUsage = clientAuth
keyUsage = critical,digitalSignature
""")
    for name, serial in (("client", "1001"), ("revoked", "1002")):
        key, csr, crt = out / f"{name}.key", db / f"{name}.csr", out / f"{name}.crt"
        cn = CLIENT_CN if name == "client" else "revoked-vendor"
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={cn}", "-keyout", str(key), "-out", str(csr))
        (db / "serial").write_text(serial + "\n")
        openssl("ca", "-batch", "-config", str(conf), "-extensions", "client", "-notext",
                "-in", str(csr), "-out", str(crt))
    openssl("ca", "-config", str(conf), "-revoke", str(out / "revoked.crt"))
    openssl("ca", "-config", str(conf), "-gencrl", "-out", str(out / "client-ca.crl"))


def stores(out: pathlib.Path, server_cert: pathlib.Path) -> tuple[str, str]:
    keystore_pw, truststore_pw = secrets.token_hex(12), secrets.token_hex(12)
    openssl("pkcs12", "-export", "-name", CLIENT_CN, "-in", str(out / "client.crt"), "-inkey", str(out / "client.key"),
            "-certfile", str(out / "client-ca.crt"), "-passout", f"pass:{keystore_pw}", "-out", str(out / "keystore.p12"))
    truststore = out / "truststore.p12"
    truststore.unlink(missing_ok=True)
    if shutil.which("keytool"):
        # A certificate-only PKCS#12 is a truststore for Java only with keytool's trust marker.
        subprocess.run(["keytool", "-importcert", "-noprompt", "-alias", "tim-driver", "-file", str(server_cert),
                        "-storetype", "pkcs12", "-keystore", str(truststore), "-storepass", truststore_pw],
                       check=True, capture_output=True)
    else:
        print("[rehearsal] keytool not found: truststore.p12 made by openssl (Java may not trust it)", file=sys.stderr)
        openssl("pkcs12", "-export", "-nokeys", "-in", str(server_cert), "-passout", f"pass:{truststore_pw}",
                "-out", str(truststore))
    return keystore_pw, truststore_pw


def mtls_config(config: pathlib.Path, out: pathlib.Path) -> str:
    """CONFIG's text with the mTLS keys set in [server] (paths absolute: the file lives in OUT)."""
    text = config.read_text()
    text = re.sub(r"(?m)^(client_ca|client_cert_required|crls)\s*=.*\n", "", text)
    settings = (
        f'client_ca = "{out / "client-ca.crt"}"\n'
        "client_cert_required = true\n"
        f'crls = ["{out / "client-ca.crl"}", "{GEMATIK_CRL}"]\n'
    )
    text, n = re.subn(r"(?m)^\[server\]\n", "[server]\n" + settings, text, count=1)
    if n != 1:
        raise SystemExit(f"{config}: no [server] table")
    # Relative paths of the original config stay relative to the project root, where make runs.
    return f"# Made by scripts/rehearsal_certs.py from {config}: mTLS on.\n" + text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / ".state" / "rehearsal"))
    parser.add_argument("--config", default=str(ROOT / "config" / "driver.toml"))
    parser.add_argument("--server-cert", help="default: the config's tls_cert")
    parser.add_argument("--server-key", help="default: the config's tls_key")
    args = parser.parse_args()
    out = pathlib.Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    config = pathlib.Path(args.config)
    server_text = config.read_text()
    def configured(key: str, default: str) -> pathlib.Path:
        m = re.search(rf'(?m)^{key}\s*=\s*"([^"]+)"', server_text)
        return ROOT / (m.group(1) if m else default)
    cert = pathlib.Path(args.server_cert) if args.server_cert else configured("tls_cert", "certs/server.crt")
    key = pathlib.Path(args.server_key) if args.server_key else configured("tls_key", "certs/server.key")
    server_certificate(cert, key)
    client_pki(out)
    keystore_pw, truststore_pw = stores(out, cert)
    (out / "driver-mtls.toml").write_text(mtls_config(config, out))
    env = out / "rehearsal.env"
    env.write_text(
        f"export TIM_KEYSTORE={out / 'keystore.p12'}\nexport TIM_KEYSTORE_PW={keystore_pw}\n"
        f"export TIM_TRUSTSTORE={out / 'truststore.p12'}\nexport TIM_TRUSTSTORE_PW={truststore_pw}\n"
    )
    env.chmod(0o600)
    for secret in ("client-ca.key", "client.key", "revoked.key", "keystore.p12"):
        (out / secret).chmod(0o600)
    print(f"[rehearsal] wrote {out}: keystore.p12 (CN={CLIENT_CN}), truststore.p12, driver-mtls.toml, rehearsal.env")
    return 0


if __name__ == "__main__":
    sys.exit(main())
