#!/usr/bin/python3
"""Idempotent-producer throughput as a ratio to the plain producer, both acks=all, against
one Gregor in one run (issue 6 target: at least 95 %).

Two comparisons, each over --rounds rounds into fresh topics, alternating which producer
goes first, taking the ratio of the medians (so drift of the machine hits both sides):

  broker cost   one partition, the plain producer limited to one request in flight
                (max.in.flight=1): both sides then pipeline exactly alike, and the ratio is
                what the broker's sequence checks cost (a hash lookup and a five-entry scan
                per batch under the partition lock, plus the snapshot at segment roll).
                The data directory is in RAM (/dev/shm) unless --on-disk: with one request
                in flight each round trip waits for an fdatasync, whose latency on this VM
                swings tenfold from one second to the next (strace shows both producers
                cause the same writes and syncs), which would drown the broker's cost.
  defaults      --partitions partitions, both producers with librdkafka's defaults. The
                idempotent one is capped by the client: librdkafka 2.0.2 compares the
                number of in-flight *messages* of a partition with the five-request window
                (rdkafka_broker.c, rktp_msgs_inflight), so a partition has one request in
                flight at a time, each waiting for its fdatasync (acks=all), while the plain
                producer keeps many in flight and shares fdatasyncs among them.

Usage: bench/idempotence.py [--records N] [--size BYTES] [--rounds R] [--partitions P]"""
import argparse
import os
import statistics
import tempfile

from common import Gregor, kbench


def compare(gregor, tag, records, size, rounds, plain_extra):
    plain, idem = [], []
    for r in range(rounds):
        order = [("plain", plain, plain_extra), ("idem", idem, ("idempotent",))]
        if r % 2:
            order.reverse()
        for name, out, extra in order:
            rps = float(kbench("produce", gregor.bootstrap, f"{tag}-{name}-{r}", records, size,
                               -1, *extra)[1])
            out.append(rps)
    return statistics.median(plain), statistics.median(idem), plain, idem


def report(title, p, i, plain, idem, target):
    print(title)
    print(f"  plain      median {p:>10.0f} rec/s  runs {[round(x) for x in plain]}")
    print(f"  idempotent median {i:>10.0f} rec/s  runs {[round(x) for x in idem]}")
    print(f"  idempotent / plain = {i / p:.3f}{target}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=200000)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--partitions", type=int, default=6)
    ap.add_argument("--on-disk", action="store_true",
                    help="keep the broker-cost comparison's data on disk, not in /dev/shm")
    args = ap.parse_args()

    ram = None if args.on_disk or not os.path.isdir("/dev/shm") else tempfile.mkdtemp(
        prefix="gregor-bench-", dir="/dev/shm")
    one = Gregor("--num.partitions=1", data_dir=ram)
    try:
        kbench("produce", one.bootstrap, "warmup", args.records // 10, args.size, -1)
        cost = compare(one, "one", args.records, args.size, args.rounds,
                       ("max.in.flight=1",))
    finally:
        one.stop()
    many = Gregor(f"--num.partitions={args.partitions}")
    try:
        kbench("produce", many.bootstrap, "warmup", args.records // 10, args.size, -1)
        defaults = compare(many, "many", args.records, args.size, args.rounds, ())
    finally:
        many.stop()

    print(f"records {args.records} x {args.size} B, acks=all, {args.rounds} rounds")
    where = "data on disk" if ram is None else "data in /dev/shm"
    report(f"broker cost (1 partition, one request in flight on both sides, {where}):", *cost,
           " (target >= 0.95)")
    report(f"client defaults ({args.partitions} partitions; librdkafka 2.0.2 allows the "
           "idempotent producer one request in flight per partition):", *defaults, "")


if __name__ == "__main__":
    main()
