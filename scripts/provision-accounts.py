#!/usr/bin/env python3
"""Registers every device account of a driver config on its (local) homeserver.

Idempotent: existing accounts are left alone. Uses Synapse's shared-secret registration
(HMAC-SHA1), so it only works against homeservers started by scripts/fachdienst-up.sh.
Usage: provision-accounts.py [config/driver.toml]   env: SYNAPSE_SHARED_SECRET
"""
import hashlib, hmac, json, os, sys, tomllib, urllib.error, urllib.request

SECRET = os.environ.get("SYNAPSE_SHARED_SECRET", "tim-test-shared-secret")


def call(url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def register(base, localpart, password, display_name):
    _, n = call(base + "/_synapse/admin/v1/register")
    mac = hmac.new(SECRET.encode(), digestmod=hashlib.sha1)
    mac.update(b"\x00".join([n["nonce"].encode(), localpart.encode(), password.encode(), b"notadmin"]))
    body = {"nonce": n["nonce"], "username": localpart, "password": password, "admin": False,
            "mac": mac.hexdigest()}
    if display_name:
        body["displayname"] = display_name
    status, r = call(base + "/_synapse/admin/v1/register", body)
    if status == 200:
        return "registered"
    if r.get("errcode") == "M_USER_IN_USE":
        return "exists"
    raise SystemExit(f"registering {localpart} at {base} failed: {status} {r}")


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "config/driver.toml"
    config = tomllib.load(open(path, "rb"))
    counts = {}
    for api in config["api"]:
        base = api["homeserver_url"].rstrip("/")
        for d in api.get("device", []):
            local = d["mxid"][1:].split(":", 1)[0]
            result = register(base, local, d["password"], d.get("display_name"))
            counts[result] = counts.get(result, 0) + 1
    print("[provision] accounts: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())), file=sys.stderr)


if __name__ == "__main__":
    main()
