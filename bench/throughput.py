#!/usr/bin/python3
"""Produce/consume throughput, broker CPU per GB, acks=all against the disk, and end-to-end
latency: Gregor and librdkafka's mock cluster measured in the same run, printed as ratios.

The disk baseline is fio: sequential 64 KiB appends with an fdatasync every 1 MiB, in the
same file system as Gregor's data, alternating with Gregor's acks=all rounds. Throughput and
CPU figures are medians of --rounds alternating rounds. Usage: bench/throughput.py [--records N] [--rounds 3]"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile

from common import BUILD, ROOT, Gregor, Mock, cpu_seconds, kbench

SIZE = 1024
PARTITIONS = 6
# Consume passes over what the broker retains (the mock keeps only a few MB per partition).
PASSES = 5


def fio_baseline():
    d = tempfile.mkdtemp(prefix="fio-", dir=os.path.join(ROOT, "build"))
    try:
        out = subprocess.run(
            ["fio", "--name=seq", f"--directory={d}", "--rw=write", "--bs=64k", "--size=256m",
             "--fdatasync=16", "--ioengine=psync", "--end_fsync=1", "--output-format=json"],
            capture_output=True, text=True, check=True)
    finally:
        subprocess.run(["rm", "-rf", d])
    job = json.loads(out.stdout)["jobs"][0]
    bw = job["write"]["bw_bytes"] / 1e6
    sync = job.get("sync", {}).get("lat_ns", {}).get("percentile", {})
    p99 = sync.get("99.000000", 0) / 1000.0
    return bw, p99


def produce_floor(directory, records, results):
    """The machine's floor for one produced byte (bench/produce_floor.cpp): socket receive,
    + CRC-32C, + page-cache write, in CPU seconds per GB, over as many bytes as a round."""
    out = subprocess.run([os.path.join(BUILD, "bench", "produce_floor"), directory,
                          str(records * SIZE >> 20)], capture_output=True, text=True, check=True)
    recv, crc, write = map(float, out.stdout.split()[1:])
    for key, value in dict(floor_recv=recv, floor_crc=crc, floor_write=write).items():
        results.setdefault(key, []).append(value)


def warm_up(target, name):
    """Creates the topic and lets both sides connect, so no round pays for it."""
    kbench("produce", target.bootstrap, name, 20000, SIZE, 1)


def measure(target, name, records, results):
    """One round: produce `records`, then consume. Keeps every round's figures in lists."""
    before = cpu_seconds(target.pid)
    rps, mbs, _ = map(float, kbench("produce", target.bootstrap, name, records, SIZE, 1)[1:])
    mid = cpu_seconds(target.pid)
    crps, cmbs, _, n = map(float, kbench("consume", target.bootstrap, name, PASSES, PARTITIONS)[1:])
    after = cpu_seconds(target.pid)
    gb = records * SIZE / 1e9
    for key, value in dict(produce_rps=rps, produce_mbs=mbs, consume_rps=crps, consume_mbs=cmbs,
                           produce_cpu_per_gb=(mid - before) / gb,
                           consume_cpu_per_gb=(after - mid) / (n * SIZE / 1e9)).items():
        results.setdefault(key, []).append(value)


def medians(results):
    for key, values in list(results.items()):
        if isinstance(values, list):
            results[key] = statistics.median(values)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=500000)
    ap.add_argument("--latency-seconds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    g, m = {}, {}
    gregor = Gregor(f"--num.partitions={PARTITIONS}")
    mock = Mock("bench", PARTITIONS)
    try:
        warm_up(gregor, "bench")
        warm_up(mock, "bench")
        # Rounds alternate between the two so that a noisy moment hits both; medians.
        for _ in range(args.rounds):
            produce_floor(gregor.dir, args.records, g)
            measure(gregor, "bench", args.records, g)
            measure(mock, "bench", args.records, m)
        medians(g)
        medians(m)
        # The acks=1 rounds leave up to GBs of dirty pages; write them back first so that
        # neither fio nor Gregor's acks=all rounds and latency run pay for them.
        os.sync()
        # acks=all against fio, alternating too: the disk's speed drifts within minutes.
        fio_runs, all_runs = [], []
        for r in range(args.rounds):
            fio_runs.append(fio_baseline())
            all_runs.append(float(kbench("produce", gregor.bootstrap, f"bench-all-{r}",
                                         args.records, SIZE, -1)[2]))
        fio_mbs = statistics.median(f[0] for f in fio_runs)
        fio_p99_us = statistics.median(f[1] for f in fio_runs)
        mbs = g["acks_all_mbs"] = statistics.median(all_runs)
        g["acks_all_ratio"] = statistics.median(a / f[0] for a, f in zip(all_runs, fio_runs))
        rate = max(100, min(int(mbs * 1e6 / SIZE / 2), 5000))
        p50, p99, p999, _ = map(int, kbench("latency", gregor.bootstrap, "lat", rate, args.latency_seconds, -1)[1:])
        g.update(lat_rate=rate, p50=p50, p99=p99, p999=p999)
        mp50, mp99, mp999, _ = map(int, kbench("latency", mock.bootstrap, "bench", rate, args.latency_seconds, -1)[1:])
        m.update(p50=mp50, p99=mp99, p999=mp999)
    finally:
        gregor.stop()
        mock.stop()

    def row(label, gv, mv, unit, higher_better=True):
        ratio = (gv / mv) if higher_better else (mv / gv if gv else 0)
        print(f"{label:<34}{gv:>12.1f}{mv:>12.1f}  {unit:<10} ratio {ratio:5.2f}")

    print(f"{'':<34}{'gregor':>12}{'mock':>12}")
    row("produce acks=1 (records/s)", g["produce_rps"], m["produce_rps"], "rec/s")
    row("produce acks=1 (MB/s)", g["produce_mbs"], m["produce_mbs"], "MB/s")
    row("consume (records/s)", g["consume_rps"], m["consume_rps"], "rec/s")
    row("consume (MB/s)", g["consume_mbs"], m["consume_mbs"], "MB/s")
    row("broker CPU s per GB produced", g["produce_cpu_per_gb"], m["produce_cpu_per_gb"], "s/GB", False)
    row("broker CPU s per GB consumed", g["consume_cpu_per_gb"], m["consume_cpu_per_gb"], "s/GB", False)
    print(f"floor for a produced byte on this machine (CPU s/GB, one thread, no protocol):"
          f" socket receive {g['floor_recv']:.3f}, + CRC-32C {g['floor_crc']:.3f},"
          f" + page-cache write {g['floor_write']:.3f}")
    # The write stage swings with the VM's memory (it deletes its file each round), so the
    # ratios use receive + CRC, which is steady.
    print(f"  gregor's produce CPU is {g['produce_cpu_per_gb'] / g['floor_crc']:.2f}x receive + CRC;"
          f" the target, half the mock's, is {m['produce_cpu_per_gb'] / 2:.3f} s/GB"
          f" ({m['produce_cpu_per_gb'] / 2 / g['floor_crc']:.2f}x receive + CRC alone)")
    print(f"acks=all produce: {g['acks_all_mbs']:.1f} MB/s; fio 64KiB+fdatasync/1MiB: {fio_mbs:.1f} MB/s"
          f" (medians of {args.rounds} alternating rounds); median ratio {g['acks_all_ratio']:.2f}"
          " (target >= 0.80)")
    print(f"latency at {g['lat_rate']} rec/s, acks=all: gregor p50 {g['p50']} us, p99 {g['p99']} us,"
          f" p99.9 {g['p999']} us; mock p50 {m['p50']} us, p99 {m['p99']} us, p99.9 {m['p999']} us")
    print(f"disk fdatasync p99 {fio_p99_us:.0f} us; gregor p99 - fdatasync p99 ="
          f" {(g['p99'] - fio_p99_us) / 1000:.2f} ms (target <= 1 ms)")


if __name__ == "__main__":
    main()
