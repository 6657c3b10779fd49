#!/usr/bin/python3
"""Consumer groups: how long a 10-member group takes to stabilise after an 11th member joins
(group.initial.rebalance.delay.ms=0), and offset-commit throughput (one consumer committing
synchronously after every message, and ten doing so at once), each against Gregor and
against librdkafka's mock cluster in the same run, printed as ratios, with the disk's
fdatasync rate as the baseline for durable commits.

Gregor answers a commit only after an fdatasync covers it; the mock keeps commits in memory.
Targets (issue 4): rebalance at least as fast as the mock; ten committers at least five
times one committer's rate on Gregor (group commit); one committer at least 80 % of the
disk's fdatasync rate. Usage: bench/groups.py [--slices 10] [--rounds 5]

The one committer, the ten committers and the disk baseline take turns in 0.5 s slices
(groups_bench commit): on a shared disk the fdatasync rate drifts by 10x within a minute,
so only figures from the same minutes can be compared.

librdkafka's mock cluster elects a leader only when its join window ends (session.timeout.ms
minus 1 s, here 5 s) and restarts the window when a member's JoinGroup misses it, so its
rebalance times come in steps of about 5 s; they are the reference the issue asks for."""
import argparse
import os
import subprocess

from common import BUILD, Gregor, Mock, kbench

GROUPS_BENCH = os.path.join(BUILD, "bench", "groups_bench")
TOPIC = "groups"
PARTITIONS = 10
MEMBERS = 10
PRELOAD = 1000000  # records (100 bytes) spread over the partitions, enough for the commits


def groups_bench(*args, timeout=600):
    out = subprocess.run([GROUPS_BENCH, *map(str, args)], capture_output=True, text=True,
                         timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"groups_bench {' '.join(map(str, args))} failed: {out.stderr.strip()}")
    return out.stdout.split()


def measure(target, slices, rounds, disk_dir=None):
    # Keyless records spread per record (not per batch, librdkafka's sticky default), so
    # that each of the ten committers' partitions has enough of them.
    kbench("produce", target.bootstrap, TOPIC, PRELOAD, 100, 1, "sticky.partitioning.linger.ms=0")
    r = {}
    ms, lo, hi, timeouts = groups_bench("rebalance", target.bootstrap, TOPIC, PARTITIONS,
                                        MEMBERS, rounds, timeout=rounds * 200)[1:]
    r["rebalance_ms"], r["rebalance_min"], r["rebalance_max"] = float(ms), float(lo), float(hi)
    if timeouts != "0":
        print(f"warning: {target.bootstrap}: {timeouts} of {rounds} rebalance round(s) did not "
              "settle within 60 s and are left out")
    args = ["commit", target.bootstrap, TOPIC, slices] + ([disk_dir] if disk_dir else [])
    out = groups_bench(*args)
    for label, n in (("commit1", 1), ("commit10", 10)):
        i = out.index(label)
        rate, p50, p99, exhausted = out[i + 1:i + 5]
        r[label], r[f"{label}_p50"], r[f"{label}_p99"] = float(rate), int(p50), int(p99)
        if exhausted != "0":
            print(f"warning: {target.bootstrap}: consumers reached the end of a partition with "
                  f"{n} committer(s); the rate is a lower bound")
    if disk_dir:
        i = out.index("disk")
        r["disk"], r["disk_pre"] = float(out[i + 1]), float(out[i + 2])
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--slices", type=int, default=10,
                    help="rounds of 0.5 s slices: 1 committer, 10 committers, disk")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    gregor = Gregor(f"--num.partitions={PARTITIONS}", "--group.initial.rebalance.delay.ms=0")
    mock = Mock(TOPIC, PARTITIONS)
    try:
        g = measure(gregor, args.slices, args.rounds, disk_dir=gregor.dir)
        m = measure(mock, args.slices, args.rounds)
    finally:
        gregor.stop()
        mock.stop()

    print(f"{'':<44}{'gregor':>12}{'mock':>12}")

    def row(label, gv, mv, unit, higher_better=True):
        ratio = (gv / mv if mv else 0) if higher_better else (mv / gv if gv else 0)
        print(f"{label:<44}{gv:>12.1f}{mv:>12.1f}  {unit:<10} ratio {ratio:5.2f}")

    row(f"rebalance, {MEMBERS} members + 1 (median ms)", g["rebalance_ms"], m["rebalance_ms"],
        "ms", higher_better=False)
    row("  fastest round (ms)", g["rebalance_min"], m["rebalance_min"], "ms", False)
    row("  slowest round (ms)", g["rebalance_max"], m["rebalance_max"], "ms", False)
    row("commits/s, 1 sync committer", g["commit1"], m["commit1"], "commits/s")
    row("  latency p50 (us)", g["commit1_p50"], m["commit1_p50"], "us", False)
    row("  latency p99 (us)", g["commit1_p99"], m["commit1_p99"], "us", False)
    row("commits/s, 10 sync committers", g["commit10"], m["commit10"], "commits/s")
    row("  latency p50 (us)", g["commit10_p50"], m["commit10_p50"], "us", False)
    row("  latency p99 (us)", g["commit10_p99"], m["commit10_p99"], "us", False)
    print()
    disk, disk_pre = g["disk"], g["disk_pre"]
    print(f"disk: {disk:.0f} fdatasync/s after 128-byte appends, {disk_pre:.0f} after 128-byte "
          "writes into a preallocated file (Gregor's data directory, in slices between "
          "Gregor's commit slices)")
    print(f"mock: 10 committers / 1 committer = "
          f"{m['commit10'] / m['commit1'] if m['commit1'] else 0:.2f}x (commits in memory)")
    scale = g["commit10"] / g["commit1"] if g["commit1"] else 0
    vs_disk = g["commit1"] / disk if disk else 0
    speed = m["rebalance_ms"] / g["rebalance_ms"] if g["rebalance_ms"] else 0
    print(f"target rebalance no slower than the mock:       {speed:5.2f}x  "
          f"{'met' if speed >= 1 else 'NOT met'}")
    print(f"target 10 committers >= 5x one committer:       {scale:5.2f}x  "
          f"{'met' if scale >= 5 else 'NOT met'}")
    print(f"target 1 committer >= 80% of fdatasync rate:    {vs_disk * 100:5.1f}%  "
          f"{'met' if vs_disk >= 0.8 else 'NOT met'} (appending)")
    vs_pre = g["commit1"] / disk_pre if disk_pre else 0
    print(f"  against the preallocated file's rate:          {vs_pre * 100:5.1f}%  "
          f"{'met' if vs_pre >= 0.8 else 'NOT met'}")
    # A broker that cost nothing but the fdatasync would still wait for the client's own
    # round trip, which the mock (commits in memory) measures: one commit takes at least
    # 1/disk + 1/mock seconds.
    ceiling = 1 / (1 / disk + 1 / m["commit1"]) if disk and m["commit1"] else 0
    print(f"  client-bound ceiling, 1/(1/disk + 1/mock): {ceiling:.0f} commits/s = "
          f"{ceiling / disk * 100 if disk else 0:.0f}% of the disk; Gregor reaches "
          f"{g['commit1'] / ceiling * 100 if ceiling else 0:.0f}% of it")


if __name__ == "__main__":
    main()
