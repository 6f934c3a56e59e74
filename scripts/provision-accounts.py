#!/usr/bin/env python3
"""Registers every device account of a driver config on its (local) homeserver.

Idempotent: existing accounts are left alone. Uses Synapse's shared-secret registration
(HMAC-SHA1), so it only works against homeservers started by scripts/fachdienst-up.sh.
The accounts of org-admin APIs are the homeserver's org admins (its admin rights, 5.7); an
existing one is promoted with the homeserver's own admin account.
Usage: provision-accounts.py [config/driver.toml]   env: SYNAPSE_SHARED_SECRET,
SYNAPSE_ADMIN_PASSWORD
"""
import hashlib, hmac, json, os, sys, tomllib, urllib.error, urllib.request

SECRET = os.environ.get("SYNAPSE_SHARED_SECRET", "tim-test-shared-secret")
ADMIN_PASSWORD = os.environ.get("SYNAPSE_ADMIN_PASSWORD", "admin-pass")


def call(url, body=None, method=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    req = urllib.request.Request(url, data=data, method=method or ("POST" if data else "GET"),
                                 headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def register(base, localpart, password, display_name, admin=False):
    _, n = call(base + "/_synapse/admin/v1/register")
    mac = hmac.new(SECRET.encode(), digestmod=hashlib.sha1)
    mac.update(b"\x00".join([n["nonce"].encode(), localpart.encode(), password.encode(),
                             b"admin" if admin else b"notadmin"]))
    body = {"nonce": n["nonce"], "username": localpart, "password": password, "admin": admin,
            "mac": mac.hexdigest()}
    if display_name:
        body["displayname"] = display_name
    status, r = call(base + "/_synapse/admin/v1/register", body)
    if status == 200:
        return "registered"
    if r.get("errcode") == "M_USER_IN_USE":
        return "exists"
    raise SystemExit(f"registering {localpart} at {base} failed: {status} {r}")


def promote(base, mxid):
    """Gives an existing account the homeserver's admin rights (idempotent)."""
    status, r = call(base + "/_matrix/client/v3/login",
                     {"type": "m.login.password", "identifier": {"type": "m.id.user", "user": "admin"},
                      "password": ADMIN_PASSWORD})
    if status != 200:
        raise SystemExit(f"admin login at {base} failed: {status} {r}")
    token = r["access_token"]
    status, r = call(f"{base}/_synapse/admin/v2/users/{mxid}", {"admin": True}, "PUT", token)
    call(base + "/_matrix/client/v3/logout", {}, "POST", token)
    if status not in (200, 201):
        raise SystemExit(f"promoting {mxid} failed: {status} {r}")


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "config/driver.toml"
    config = tomllib.load(open(path, "rb"))
    counts = {}
    for api in config["api"]:
        base = api["homeserver_url"].rstrip("/")
        for d in api.get("device", []):
            local = d["mxid"][1:].split(":", 1)[0]
            org_admin = api.get("kind") == "org-admin"
            result = register(base, local, d["password"], d.get("display_name"), org_admin)
            if org_admin and result == "exists":
                promote(base, d["mxid"])
            counts[result] = counts.get(result, 0) + 1
    print("[provision] accounts: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())), file=sys.stderr)


if __name__ == "__main__":
    main()
