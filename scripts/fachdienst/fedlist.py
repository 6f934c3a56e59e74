"""Signs the local federation list the way gematik's registration service does (run by
fachdienst-up.sh): fedlist.py PKI_DIR WWW_DIR DOMAINS_FILE.

synapse-invite-checker only accepts a JWS (alg BP256R1, x5c signer certificate) whose signer
chains via <gematik_ca_baseurl>/ECC/SUB-CA/<issuer CN>.der to a root listed in
<gematik_ca_baseurl>/ECC/ROOT-CA/roots.json, with no switch to skip the check. So this mints
its own brainpoolP256r1 root, sub-CA and signer (kept in PKI_DIR) and writes the signed list
and the CA files into WWW_DIR, which fachdienst-up.sh serves on 127.0.0.1.
"""
import base64, datetime, json, os, sys
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwcrypto import jwk, jws
from jwcrypto.common import json_encode

pki, www, domains_file = sys.argv[1:4]
SUBCA_CN = "TEST-ONLY.TIM-FEDLIST-SUBCA"
now = datetime.datetime.now(datetime.timezone.utc)
pem = lambda k: k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
der = lambda c: c.public_bytes(serialization.Encoding.DER)
b64 = lambda c: base64.b64encode(der(c)).decode()

def key(name):
    p = os.path.join(pki, name + ".key.pem")
    if os.path.exists(p):
        return serialization.load_pem_private_key(open(p, "rb").read(), None)
    k = ec.generate_private_key(ec.BrainpoolP256R1())
    open(p, "wb").write(pem(k))
    return k

def cert(name, cn, k, issuer, issuer_key, ca):
    p = os.path.join(pki, name + ".crt.pem")
    if os.path.exists(p):
        c = x509.load_pem_x509_certificate(open(p, "rb").read())
        if c.not_valid_after_utc > now + datetime.timedelta(days=30):
            return c
    subj = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "local test PKI NOT-VALID"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    b = (x509.CertificateBuilder().subject_name(subj)
         .issuer_name(issuer.subject if issuer else subj)
         .public_key(k.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(days=1))
         .not_valid_after(now + datetime.timedelta(days=3650))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=False,
                        key_encipherment=False, data_encipherment=False, key_agreement=False,
                        key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(k.public_key()), critical=False))
    if issuer is not None:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    c = b.sign(issuer_key, hashes.SHA256())
    open(p, "wb").write(c.public_bytes(serialization.Encoding.PEM))
    return c

root_k, sub_k, sig_k = key("root"), key("subca"), key("signer")
root = cert("root", "TEST-ONLY.TIM-FEDLIST-ROOT", root_k, None, root_k, True)
sub = cert("subca", SUBCA_CN, sub_k, root, root_k, True)
sig = cert("signer", "TEST-ONLY.TIM-FEDLIST-SIGNER", sig_k, sub, sub_k, False)

os.makedirs(os.path.join(www, "ECC", "ROOT-CA"), exist_ok=True)
os.makedirs(os.path.join(www, "ECC", "SUB-CA"), exist_ok=True)
json.dump([{"cert": b64(root), "cn": "TEST-ONLY.TIM-FEDLIST-ROOT", "name": "local test root",
            "next": "", "prev": "", "nva": "", "nvb": "", "ski": ""}],
          open(os.path.join(www, "ECC", "ROOT-CA", "roots.json"), "w"), indent=1)
open(os.path.join(www, "ECC", "SUB-CA", SUBCA_CN.replace(" ", "_") + ".der"), "wb").write(der(sub))

domains = json.load(open(domains_file))
payload = json.dumps({"version": int(now.timestamp()), "domainList": domains}).encode()
j = jws.JWS(payload)
j.allowed_algs = ["BP256R1"]   # brainpool algs are not in jwcrypto's default allow-list
j.add_signature(jwk.JWK.from_pem(pem(sig_k)), alg="BP256R1",
                protected=json_encode({"alg": "BP256R1", "x5c": [b64(sig)], "typ": "JWT"}))
tmp = os.path.join(www, "fedlist.jws.tmp")
open(tmp, "w").write(j.serialize(compact=True))
os.replace(tmp, os.path.join(www, "fedlist.jws"))
# Also where gematik's VZD serves it (a client configures this URL and the TI's roots).
real = os.path.join(www, "tim-provider-services", "FederationList")
os.makedirs(real, exist_ok=True)
tmp = os.path.join(real, "federationList.jws.tmp")
open(tmp, "w").write(j.serialize(compact=True))
os.replace(tmp, os.path.join(real, "federationList.jws"))
print("federation list signed: " + ", ".join(d["domain"] for d in domains))
