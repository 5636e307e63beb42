#!/usr/bin/env bash
# Operator trial (needs root, for a small tmpfs): meldpunt's data directory AND its log on a
# 24 MB file system, 8 clients reporting through the API until the disk is full, then space
# freed again. Prints what was acknowledged, refused and lost, and how long until writes
# worked again. The test suite covers the same without root (tests/it/storage_faults.rs).
#
#   cargo build --release && sudo scripts/trial-full-disk.sh [target/release/meldpunt]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-target/release/meldpunt}")
[ "$(id -u)" = 0 ] || { echo "run as root (mounts a tmpfs)"; exit 1; }
mnt=$(mktemp -d /tmp/meldpunt-small-disk.XXXXXX)
mount -t tmpfs -o size=24m tmpfs "$mnt"
# Ballast that the trial removes to "free space" once the disk is full.
dd if=/dev/zero of="$mnt/ballast" bs=1M count=4 status=none
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() { kill "${pid:-0}" 2>/dev/null || true; sleep 0.5; umount "$mnt" 2>/dev/null || true; rm -rf "$mnt"; }
trap cleanup EXIT
"$bin" --data-dir "$mnt/data" org import >/dev/null
token=$("$bin" --data-dir "$mnt/data" token add --org GM0363 --name trial 2>/dev/null)
MELDPUNT_METRICS_TOKEN=trial MELDPUNT_PUBLIC_URL="http://127.0.0.1:$port" \
  "$bin" --data-dir "$mnt/data" serve --listen "127.0.0.1:$port" >>"$mnt/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
python3 - "$port" "$token" "$mnt" <<'PY'
import json, os, sys, threading, time, urllib.request, urllib.error
port, token, mnt = sys.argv[1], sys.argv[2], sys.argv[3]
base = f"http://127.0.0.1:{port}"
lock = threading.Lock()
acked, refused, other, health_fail = [], [0], [0], [0]
stop = threading.Event()
def post(n):
    body = json.dumps({"links": [{"url": f"https://www.tiktok.com/@proef/video/{7_500_000_000_000_000_000 + n}"}],
        "categorie": "call_to_gather", "urgentie": "high", "onderbouwing": "Proef: schijf vol " + "x" * 200,
        "namens": "De burgemeester van Amsterdam"}).encode()
    req = urllib.request.Request(f"{base}/api/v1/meldingen", data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": f"trial-{n}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, None
    except Exception:
        return 0, None
def client(c):
    n = c * 10_000_000
    while not stop.is_set():
        n += 1
        status, doc = post(n)
        with lock:
            if status == 201: acked.append(doc["referentie"])
            elif status == 503: refused[0] += 1
            else: other[0] += 1
threads = [threading.Thread(target=client, args=(c,)) for c in range(8)]
for t in threads: t.start()
def healthy():
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as r: return r.status == 200
    except Exception: return False
t0 = time.time()
while time.time() - t0 < 120:
    time.sleep(0.5)
    if not healthy(): health_fail[0] += 1
    with lock:
        if refused[0] >= 200: break
stop.set()
for t in threads: t.join()
print(f"until full: {len(acked)} acknowledged, {refused[0]} answered 503, {other[0]} other answers, "
      f"/healthz failed {health_fail[0]} times")
# Free space: remove the filler the disk is full of (here: nothing but meldpunt's own files,
# so make room by removing a ballast file written at the start of the trial).
os.remove(os.path.join(mnt, "ballast"))
t1 = time.time()
n = 99_000_000
while True:
    n += 1
    status, doc = post(n)
    if status == 201:
        acked.append(doc["referentie"]); break
    if time.time() - t1 > 60: print("still failing after 60 s"); break
    time.sleep(0.05)
print(f"writes again {time.time() - t1:.2f} s after space was freed")
lost = 0
for ref in acked:
    req = urllib.request.Request(f"{base}/api/v1/meldingen/{ref}", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            lost += r.status != 200
    except urllib.error.HTTPError:
        lost += 1
print(f"{len(acked)} acknowledged, {lost} lost")
req = urllib.request.Request(f"{base}/metrics", headers={"Authorization": "Bearer trial"})
with urllib.request.urlopen(req, timeout=10) as r:
    for line in r.read().decode().splitlines():
        if line.startswith(("meldpunt_storage_failures_total", "meldpunt_log_write_failures_total")):
            print(line)
PY
kill "$pid"; wait "$pid" 2>/dev/null || true
echo "ERROR lines in the log: $(grep -c 'storage writes are failing' "$mnt/serve.log" || true)"
"$bin" --data-dir "$mnt/data" audit verify
