#!/usr/bin/python3
"""Transactional produce throughput for commits of 1, 100 and 10,000 records (issue 6),
next to the idempotent producer's throughput on the same broker in the same run.

A librdkafka transactional producer (bench/kbench.c `txn`) writes --size-byte records to
one partition and commits every N records; each commit costs the broker three fdatasync
rounds (EndTxn's PrepareCommit record, the markers, and, shared with the next request,
AddPartitionsToTxn's record), so small transactions are bounded by the disk's sync latency
and large ones approach the idempotent producer's rate.

Usage: bench/idempotence_transactions.py [--size BYTES] [--seconds S]"""
import argparse

from common import Gregor, kbench

# (records per commit, records to write): sized for a few seconds each on a laptop disk.
PLAN = [(1, 300), (100, 20000), (10000, 200000)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies the record counts")
    args = ap.parse_args()

    gregor = Gregor("--num.partitions=1")
    rows = []
    try:
        kbench("produce", gregor.bootstrap, "warmup", 20000, args.size, -1, "idempotent")
        idem = float(kbench("produce", gregor.bootstrap, "idem", int(200000 * args.scale),
                            args.size, -1, "idempotent")[1])
        for per_txn, count in PLAN:
            count = max(per_txn, int(count * args.scale))
            _, rps, cps, secs = kbench("txn", gregor.bootstrap, f"txn-{per_txn}", count,
                                       args.size, per_txn)
            rows.append((per_txn, count, float(rps), float(cps), float(secs)))
    finally:
        gregor.stop()

    print(f"records of {args.size} B, one partition, acks=all (fdatasync before each answer)")
    print(f"idempotent producer, no transactions: {idem:10.0f} rec/s")
    print(f"{'records/commit':>15} {'records':>9} {'rec/s':>10} {'commits/s':>10} "
          f"{'of idempotent':>14}")
    for per_txn, count, rps, cps, _ in rows:
        print(f"{per_txn:>15} {count:>9} {rps:>10.0f} {cps:>10.1f} {rps / idem:>14.3f}")


if __name__ == "__main__":
    main()
