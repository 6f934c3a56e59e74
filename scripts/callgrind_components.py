"""Breaks a callgrind profile of the core's deliveries down by component (issue 32).

Usage: callgrind_components.py CALLGRIND_OUT ROUNDS [THREAD_FILE ...]
(with thread files, CALLGRIND_OUT only names the run; the threads' costs are summed)
Self cost (instructions executed in a function's own code) summed by the crate or library the
function belongs to: these add up to the total. Then the inclusive cost of the steps of one
delivery (sending, the sync that receives it, the stores, the event cache, our own code),
which overlap, with how often the costliest calls ran. With the per-thread files of
`--separate-threads=yes`, each thread's share: every session syncs on a thread of its own, so
the sending and the receiving side show apart. All per delivery.
"""
import re
import subprocess
import sys
from collections import defaultdict

LINE = re.compile(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$")
CRATE = re.compile(r"([a-z_][a-z0-9_]*)::")

# Library groups by the first crate path in a symbol; C code by its name.
GROUPS = [
    ("vodozemac + curve25519/ed25519 (crypto primitives)", ("vodozemac", "curve25519_dalek", "ed25519_dalek", "x25519_dalek", "sha2", "aes", "hmac", "hkdf", "pbkdf2", "chacha20poly1305", "ctr", "cbc")),
    ("matrix-sdk-crypto (Olm machine, stores' crypto side)", ("matrix_sdk_crypto",)),
    ("matrix-sdk-base (sync response processing)", ("matrix_sdk_base",)),
    ("matrix-sdk (client, event cache, send queue, tasks)", ("matrix_sdk", "matrix_sdk_common", "matrix_sdk_ui", "eyeball", "eyeball_im", "imbl")),
    ("matrix-sdk-sqlite + store encryption", ("matrix_sdk_sqlite", "matrix_sdk_store_encryption", "rusqlite", "deadpool", "deadpool_sync", "rmp_serde", "rmp")),
    ("SQLite (C)", ()),
    ("ruma (events, identifiers, serde)", ("ruma", "ruma_common", "ruma_events", "ruma_client_api", "ruma_html")),
    ("serde / serde_json", ("serde", "serde_json", "serde_core")),
    ("HTTP + TLS (reqwest, hyper, h2, rustls)", ("reqwest", "hyper", "hyper_util", "h2", "http", "rustls", "ring", "aws_lc_rs", "tokio_rustls", "url", "idna")),
    ("tokio runtime", ("tokio", "futures_util", "futures_core", "futures_channel", "async_channel", "event_listener")),
    ("tim-client (our core)", ("tim_client",)),
    ("allocator, memcpy, libc", ()),
]


def annotate(paths, inclusive):
    """Costs per function, summed over the given files (one per thread, or one for all)."""
    total, costs = 0, defaultdict(int)
    for path in [paths] if isinstance(paths, str) else paths:
        args = ["callgrind_annotate", "--threshold=100", path]
        if inclusive:
            args.insert(1, "--inclusive=yes")
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            m = LINE.match(line)
            if not m:
                continue
            cost = int(m.group(1).replace(",", ""))
            if "PROGRAM TOTALS" in m.group(2):
                total += cost
            else:
                costs[m.group(2)] += cost
    return total, [(cost, symbol) for symbol, cost in costs.items()]


def group_of(symbol):
    name = symbol.split(" [", 1)[0]
    name = name.split(":", 1)[1] if re.match(r"^(\?\?\?|[^:]*\.(rs|c|h|S)):", name) else name
    if re.search(r"\bsqlite3", name):
        return "SQLite (C)"
    if re.search(r"\b(malloc|free|realloc|calloc|memcpy|memmove|memset|memcmp|_int_|__libc|cfree|strlen)", name) or "libc.so" in symbol:
        return "allocator, memcpy, libc"
    m = CRATE.search(name)
    crate = m.group(1) if m else ""
    for label, crates in GROUPS:
        if crate in crates:
            return label
    return "other (std, other crates)"


STEPS = [
    ("send: Messages::send (core, whole)", r"tim_client::core::matrix::messages::Messages::send\b"),
    ("send: room key sharing (share_room_key)", r"share_room_key"),
    ("send: encrypt the event", r"encrypt_room_event"),
    ("send: send queue", r"matrix_sdk::send_queue::"),
    ("sync: process a response (matrix-sdk-base receive_sync_response)", r"receive_sync_response"),
    ("sync: crypto part (receive_sync_changes)", r"receive_sync_changes"),
    ("sync: Olm account rebuilt from its pickle (Account::deep_clone)", r"Account::deep_clone$"),
    ("  of it: one-time keys' public keys (x25519 base point)", r"EdwardsPoint::mul_base_clamped$"),
    ("sync: decrypt room events", r"decrypt_room_event"),
    ("crypto store: save changes", r"SqliteCryptoStore.*save_changes|save_changes"),
    ("state store: save changes", r"SqliteStateStore.*save_changes"),
    ("event cache: handle a room update", r"event_cache"),
    ("key backup: upload task", r"backups"),
    ("latest event / room info", r"latest_event"),
    ("push rules / notifications", r"push|notification"),
    ("message callback (Messages::watch)", r"message_watch"),
]


def calls_to(paths, pattern):
    """How often functions matching pattern were called (callgrind's calls= lines)."""
    total = 0
    for path in paths:
        names, callee = {}, None
        with open(path, errors="replace") as f:
            for line in f:
                m = re.match(r"(c?)fn=\((\d+)\)(?: (.*))?", line.rstrip("\n"))
                if m:
                    # Names are given once, at a function's first mention, as caller or callee.
                    if m.group(3):
                        names[m.group(2)] = m.group(3)
                    callee = names.get(m.group(2), "") if m.group(1) else None
                elif line.startswith("calls=") and callee is not None:
                    if re.search(pattern, callee):
                        total += int(line.split("=", 1)[1].split()[0])
                    callee = None
    return total


def per_thread(paths, rounds):
    print("\nper thread (the sync threads are the sessions'; largest first):")
    marks = [("sync processing", r"receive_sync_response"), ("send queue", r"matrix_sdk::send_queue::"),
             ("decrypt", r"decrypt_room_event"), ("account rebuilt", r"Account::deep_clone$")]
    found = []
    for path in paths:
        total, inclusive = annotate(path, inclusive=True)
        parts = []
        for label, pattern in marks:
            top = max((c for c, sym in inclusive if re.search(pattern, sym.split(" [", 1)[0])), default=0)
            parts.append(f"{label} {top / rounds / 1e6:.2f} M")
        found.append((total, path, parts))
    for total, path, parts in sorted(found, reverse=True):
        if total:
            print(f"  {path.rsplit('-', 1)[-1]:>4}: {total / rounds / 1e6:7.2f} M  ({', '.join(parts)})")


def main():
    path, rounds = sys.argv[1], int(sys.argv[2])
    threads = sys.argv[3:]
    total, rows = annotate(threads or path, inclusive=False)
    groups = defaultdict(int)
    for cost, symbol in rows:
        groups[group_of(symbol)] += cost
    print(f"instructions per delivery: {total / rounds / 1e6:.2f} M (total {total:,} over {rounds})")
    print("\nself cost by component (adds up to the total):")
    for label, cost in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<56} {cost / rounds / 1e6:8.2f} M  {100 * cost / max(total, 1):5.1f} %")
    _, inclusive = annotate(threads or path, inclusive=True)
    print("\ninclusive cost of delivery steps (overlapping; largest matching function):")
    for label, pattern in STEPS:
        costs = [c for c, s in inclusive if re.search(pattern, s.split(" [", 1)[0])]
        top = max(costs, default=0)
        print(f"  {label:<56} {top / rounds / 1e6:8.2f} M  {100 * top / max(total, 1):5.1f} %")
    clones = calls_to(threads or [path], r"Account::deep_clone$")
    print(f"\nOlm account rebuilds (Account::deep_clone): {clones / rounds:.1f} per delivery")
    if threads:
        per_thread(threads, rounds)


if __name__ == "__main__":
    main()
