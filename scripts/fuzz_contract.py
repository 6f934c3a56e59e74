#!/usr/bin/env python3
"""Fuzzes the running driver against gematik's contract with schemathesis (pinned, from PyPI).

fuzz_contract.py [--driver BIN] [--vzd BIN] [--max-examples N] [--max-time S]

Starts its own driver (the BDD config on a free port, own state, plain HTTP) and directory
service, claims device 1 of hs1-pro, logs it in and creates a real room with a message, then
runs schemathesis with every check and every phase against that API, device and room.

Fails when any response is a server error (5xx) or does not match the contract's schema. The
other checks' findings are printed, each with the reason it is intended (INTENDED below); a
finding of a kind not listed there fails the run too.
"""

import argparse
import collections
import json
import os
import pathlib
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCHEMATHESIS = "schemathesis==4.32.5"
VENV = ROOT / ".tools" / "fuzz-venv"
API = "hs1-pro"
DEVICE = 1

# Checks that must never fail.
MUST_PASS = {"not_a_server_error", "response_schema_conformance"}

# Findings of the other checks that are intended, with the reason.
INTENDED = {
    "status_code_conformance": "outcomes the contract does not list for that operation (400 for an empty "
    "upload, where POST /media lists only 201; 403 NOT_CLAIMED, 404 for an unknown room); each is the "
    "contract's Error object",
    "positive_data_acceptance": "schema-valid input a TI-M rule or the homeserver refuses (a room id that does "
    "not exist, an MXID of an unknown server, a FHIR resource the directory rejects): 4xx with the Error object",
    "negative_data_rejection": "input outside the schema that the driver accepts on purpose: extra JSON "
    "properties are ignored (the suite sends fields from newer contract versions), headers are not validated",
    "missing_required_header": "the contract marks Transaction-Id as optional; its absence is accepted",
    "unsupported_method": "none expected: every wrong method answers 405 with the Error object",
    "use_after_free": "a resource deleted by one call (message, room setting, FHIR entry) can be read by "
    "the next one while the homeserver or directory still holds it (redactions keep the event)",
    "ensure_resource_availability": "a created resource (room, message, contact, FHIR entry) is read by an "
    "operation whose other parameters schemathesis fills with values that do not exist",
    "ignored_auth": "the contract defines no security scheme the driver checks: clients are identified by "
    "the mTLS certificate",
    "content_type_conformance": "none expected",
    "response_headers_conformance": "none expected",
    "allow_header_conformance": "none expected",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_schemathesis():
    exe = VENV / "bin" / "schemathesis"
    if exe.exists():
        version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
        if SCHEMATHESIS.split("==")[1] in version:
            return exe
    subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    subprocess.run([VENV / "bin" / "pip", "install", "-q", SCHEMATHESIS], check=True)
    return exe


def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        raw = resp.read()
        return json.loads(raw) if raw else None


def wait_ok(url, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"fuzz: {url} did not answer within {seconds} s")


def write_config(work, port, vzd_port):
    text = (ROOT / "config" / "driver-bdd.toml").read_text()
    text = text.replace('bind = "127.0.0.1:0"', f'bind = "127.0.0.1:{port}"')
    text = text.replace('state_dir = ".state/bdd-driver"', f'state_dir = "{work}/state"')
    text = text.replace("tls = true", "tls = false")
    text = re.sub(r'directory_url = "http://127\.0\.0\.1:8490/"', f'directory_url = "http://127.0.0.1:{vzd_port}/"', text)
    path = work / "driver.toml"
    path.write_text(text)
    return path


def findings(report):
    """(check, operation, status, title) per failed check in schemathesis' NDJSON events."""
    out = []
    for line in report.read_text().splitlines():
        try:
            scenario = json.loads(line).get("ScenarioFinished")
        except json.JSONDecodeError:
            continue
        if not scenario:
            continue
        recorder = scenario.get("recorder") or {}
        interactions = recorder.get("interactions") or {}
        for case_id, checks in (recorder.get("checks") or {}).items():
            for check in checks:
                if str(check.get("status")).lower() != "failure":
                    continue
                failure = (check.get("failure_info") or {}).get("failure") or {}
                response = (interactions.get(case_id) or {}).get("response") or {}
                out.append((check.get("name"), failure.get("operation", recorder.get("label", "?")),
                            response.get("status_code"), failure.get("title", "")))
    return out


def main():
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--driver", default=target / "tim-testdriver")
    ap.add_argument("--vzd", default=target / "tim-vzd-sim")
    ap.add_argument("--max-examples", type=int, default=int(os.environ.get("TIM_FUZZ_EXAMPLES", "5")))
    ap.add_argument("--max-time", type=int, default=int(os.environ.get("TIM_FUZZ_SECONDS", "420")))
    args = ap.parse_args()
    exe = ensure_schemathesis()

    work = pathlib.Path(tempfile.mkdtemp(prefix="tim-fuzz-"))
    port, vzd_port = free_port(), free_port()
    config = write_config(work, port, vzd_port)
    log = open(work / "driver.log", "w")
    vzd = subprocess.Popen([args.vzd, "--bind", f"127.0.0.1:{vzd_port}", "--state", work / "vzd",
                            "--seed", ROOT / "config" / "vzd-seed.json"], stdout=log, stderr=log, cwd=ROOT)
    driver = subprocess.Popen([args.driver, config], stdout=log, stderr=log, cwd=ROOT)
    base = f"http://127.0.0.1:{port}/{API}"
    try:
        wait_ok(f"{base}/")
        wait_ok(f"http://127.0.0.1:{vzd_port}/health")
        call("POST", f"{base}/devices/{DEVICE}/claim", {"claimerName": "fuzz", "claimFor": 3600})
        call("POST", f"{base}/devices/{DEVICE}/login")
        room = call("POST", f"{base}/devices/{DEVICE}/rooms", {"name": "fuzz room"})
        room_id = room["roomId"]
        call("POST", f"{base}/devices/{DEVICE}/rooms/{urllib.parse.quote(room_id, safe='')}/messages",
             {"body": "fuzz message", "msgtype": "m.text"})
        (work / "schemathesis.toml").write_text(
            "[parameters]\n"
            f"deviceId = {DEVICE}\n"
            f"roomId = {json.dumps(room_id)}\n"
        )
        report = work / "events.ndjson"
        cmd = [exe, "--config-file", work / "schemathesis.toml", "run", ROOT / "api" / "TiMessengerTestTreiber.yaml",
               "--url", base, "--checks", "all", "--phases", "examples,coverage,fuzzing,stateful",
               "--max-examples", str(args.max_examples), "--max-time", str(args.max_time),
               "--seed", "4711", "--workers", "1", "--request-timeout", "60",
               # Operations that would end the device's claim or login are fuzzed last, alone.
               "--exclude-operation-id", "unclaimDevice", "--exclude-operation-id", "logout",
               "--exclude-operation-id", "cleanUp",
               "--report", "ndjson", "--report-ndjson-path", report, "--no-color"]
        started = time.time()
        run = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
        found = findings(report) if report.exists() else []
        last = [exe, "--config-file", work / "schemathesis.toml", "run", ROOT / "api" / "TiMessengerTestTreiber.yaml",
                "--url", base, "--checks", "all", "--phases", "examples,coverage,fuzzing",
                "--max-examples", str(args.max_examples), "--seed", "4711", "--workers", "1",
                "--include-operation-id", "logout", "--include-operation-id", "unclaimDevice",
                "--include-operation-id", "cleanUp",
                "--report", "ndjson", "--report-ndjson-path", work / "events-last.ndjson", "--no-color"]
        run_last = subprocess.run(last, cwd=work, capture_output=True, text=True)
        if (work / "events-last.ndjson").exists():
            found += findings(work / "events-last.ndjson")
        took = time.time() - started
    finally:
        for p in (driver, vzd):
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
    summary = [l for l in (run.stdout + run_last.stdout).splitlines() if re.search(r"(passed|failed|errors?|test cases)", l)]
    print("\n".join(summary[-12:]))
    by_check = collections.Counter(f[0] for f in found)
    print(f"fuzz: {took:.0f} s; findings by check: {dict(by_check) or 'none'}")
    for (check, op, status), n in sorted(collections.Counter(f[:3] for f in found).items(), key=str):
        print(f"fuzz:   {n:5} × {check}: {op} -> {status}")
    bad = [f for f in found if f[0] in MUST_PASS or f[0] not in INTENDED]
    for check, count in sorted(by_check.items()):
        if check in INTENDED and check not in MUST_PASS:
            print(f"fuzz: intended: {check} ×{count}: {INTENDED[check]}")
    for check, op, status, message in bad[:40]:
        print(f"fuzz: FAILED {check}: {op} -> {status}: {message}")
    crashed = [r for r in (run, run_last) if r.returncode not in (0, 1)]
    if crashed:
        print((crashed[0].stdout + crashed[0].stderr)[-3000:])
        sys.exit("fuzz: schemathesis did not complete")
    if bad:
        sys.exit(f"fuzz: {len(bad)} server errors or schema violations (logs in {work})")
    print(f"fuzz: 0 server errors, 0 response-schema violations (work dir {work})")


if __name__ == "__main__":
    main()
