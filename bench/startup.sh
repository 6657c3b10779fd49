#!/usr/bin/env bash
# Start-up time and idle memory of the broker.
#
# Starts `gregor serve` on an empty temporary data directory N times and measures the time from
# exec to the first successful ApiVersions v0 round trip (median and p90), then the idle
# resident set size (VmRSS, 1 s after ready) with no client and with one connected client.
#
# Usage: bench/startup.sh [N]        (default 20)
# Env:   GREGOR_BIN   broker binary (default build/release/src/gregor)
#        RSS_RUNS     fresh brokers to measure RSS on, the largest value is reported (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-20}
bin=${GREGOR_BIN:-build/release/src/gregor}
if [ ! -x "$bin" ]; then
  echo "startup.sh: $bin not found; build it first (bash scripts/build.sh release)" >&2
  exit 1
fi

exec /usr/bin/python3 - "$bin" "$runs" "${RSS_RUNS:-3}" <<'EOF'
import os, shutil, signal, statistics, subprocess, sys, tempfile, time
sys.path.insert(0, "tests/integration")
import kafka_raw
from gregor_fixture import clean_env, free_port

binary, runs, rss_runs = os.path.abspath(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
READY_TARGET_MS, RSS_TARGET_MIB = 20.0, 15.0


def spawn(root):
    port = free_port()
    data = os.path.join(root, "data")
    os.mkdir(data)
    err = open(os.path.join(root, "stderr.log"), "wb")
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [binary, "serve", f"--listeners=PLAINTEXT://127.0.0.1:{port}", f"--log.dirs={data}",
         "--node.id=1"],
        stdin=subprocess.DEVNULL, stdout=err, stderr=err, env=clean_env())
    return proc, port, t0


def wait_ready(proc, port, root, timeout=10.0):
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            break
        try:
            resp = kafka_raw.try_api_versions("127.0.0.1", port, timeout=1.0)
        except (OSError, kafka_raw.ConnectionClosed, kafka_raw.DecodeError):
            resp = None
        if resp is not None and resp["error_code"] == 0:
            return time.perf_counter()
        time.sleep(0.0002)
    sys.exit(f"broker not ready (exit {proc.poll()}):\n"
             + open(os.path.join(root, "stderr.log"), errors="replace").read())


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = "timeout"
    if code != 0:
        sys.exit(f"broker exited {code} after SIGTERM")


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(p / 100 * len(xs) + 0.5)) - 1))]


ready_ms = []
for _ in range(runs):
    root = tempfile.mkdtemp(prefix="gregor-bench-")
    try:
        proc, port, t0 = spawn(root)
        ready_ms.append((wait_ready(proc, port, root) - t0) * 1000)
        stop(proc)
    finally:
        shutil.rmtree(root, ignore_errors=True)

rss_idle, rss_client = [], []
for _ in range(rss_runs):
    root = tempfile.mkdtemp(prefix="gregor-bench-")
    try:
        proc, port, _ = spawn(root)
        wait_ready(proc, port, root)
        time.sleep(1.0)
        rss_idle.append(rss_mib(proc.pid))
        with kafka_raw.KafkaConnection("127.0.0.1", port) as c:
            kafka_raw.api_versions(c, 3)
            kafka_raw.metadata(c, 12)
            time.sleep(1.0)
            rss_client.append(rss_mib(proc.pid))
        stop(proc)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def verdict(ok):
    return "ok" if ok else "MISSED"


med, p90 = statistics.median(ready_ms), percentile(ready_ms, 90)
print(f"gregor start-up: {runs} runs of {binary}")
print(f"{'metric':<34}{'median':>10}{'p90':>10}{'max':>10}   target")
print(f"{'exec -> first ApiVersions (ms)':<34}{med:>10.1f}{p90:>10.1f}{max(ready_ms):>10.1f}"
      f"   < {READY_TARGET_MS:.0f} ms (p90) {verdict(p90 < READY_TARGET_MS)}")
print(f"{'idle RSS, no client (MiB)':<34}{statistics.median(rss_idle):>10.1f}{'':>10}"
      f"{max(rss_idle):>10.1f}   < {RSS_TARGET_MIB:.0f} MiB (max) "
      f"{verdict(max(rss_idle) < RSS_TARGET_MIB)}")
print(f"{'idle RSS, 1 client (MiB)':<34}{statistics.median(rss_client):>10.1f}{'':>10}"
      f"{max(rss_client):>10.1f}   < {RSS_TARGET_MIB:.0f} MiB (max) "
      f"{verdict(max(rss_client) < RSS_TARGET_MIB)}")
EOF
