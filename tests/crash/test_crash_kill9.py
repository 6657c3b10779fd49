"""kill -9 the broker 50 times under a producer, then check nothing acked was lost.

A librdkafka producer (crash_producer.c: acks=all, idempotence off, unbounded retries,
max.in.flight=1, three partitions, unique sequential values "p<p>-s<n>") writes at a fixed
rate while the harness kill -9s the broker 50 times, each time 50-500 ms (random) after the
broker became ready, and restarts it on the same port and data directory. The producer logs
every delivery report with its produce and report times (CLOCK_MONOTONIC, the same clock as
time.monotonic()). After the last restart the producer runs two more seconds, stops and
flushes. Then every partition is read from offset 0 with raw Fetch requests and every batch
is parsed here (not by a client, which would hide repeated or skipped offsets).

What is asserted, per partition:
  1. The log is well formed: every batch is magic 2 with a valid CRC-32C; batch base offsets
     start at 0 and follow on with no gap and no overlap (each batch starts right after the
     previous one's last offset), so record offsets are exactly 0 .. n-1; n equals the high
     watermark and ListOffsets latest, and the log start is 0. Every value is one the
     producer produced for that partition.
  2. Durability: every acked value (successful delivery report) is in the log at exactly the
     offset its report gave.
  3. Order: the first copies of values appear in production order (max.in.flight=1 means a
     retry can only repeat the oldest unacked request, never overtake it).
  4. Duplicates only across a crash: a value appears more than once only if a kill happened
     between its produce() and its delivery report (the broker wrote it, died before
     answering, and the producer retried), and then at most once more per such kill; every
     extra copy of an acked value sits below its acked offset.
  5. The producer saw no permanent delivery error and nothing was left undelivered (it
     retries through every restart, and the broker is up at the end).
Then a clean SIGTERM restart must leave the log byte-for-byte identical.

Environment: GREGOR_CRASH_SEED fixes the random kill schedule (printed on failure),
GREGOR_CRASH_KILLS the number of kills (default 50).
"""

import bisect
import json
import os
import random
import subprocess
import time

import pytest

import kafka_raw
from gregor_fixture import clean_env

PARTITIONS = 3
RATE = 6000  # records per second, all partitions together
KILLS = int(os.environ.get("GREGOR_CRASH_KILLS", "50"))


def crash_producer_exe():
    d = os.environ.get("GREGOR_CRASH_CLIENTS") or os.path.join(
        os.path.dirname(__file__), "..", "..", "build", "release", "tests", "crash")
    exe = os.path.join(d, "crash_producer")
    if not os.access(exe, os.X_OK):
        pytest.fail(f"{exe} not built (cmake --build <build dir>)", pytrace=False)
    return exe


def read_log(path):
    acked, failed = {}, []
    with open(path) as f:
        for line in f:
            kind, p, seq, x, t_produce, t_report = line.split()
            entry = (int(p), int(seq), int(x), float(t_produce), float(t_report))
            if kind == "A":
                key = (entry[0], entry[1])
                assert key not in acked, f"value {key} acked twice: {acked[key]} and {entry}"
                acked[key] = entry
            else:
                failed.append(entry)
    return acked, failed


def read_partition(broker, topic, p):
    """[(offset, seq)] of every record, checking the batch structure (assertion 1)."""
    with broker.connect(timeout=30) as c:
        batches, hw = kafka_raw.fetch_all_batches(c, topic, p)
        earliest = kafka_raw.list_offset(c, topic, p, kafka_raw.EARLIEST_TIMESTAMP)
        latest = kafka_raw.list_offset(c, topic, p, kafka_raw.LATEST_TIMESTAMP)
    assert earliest["offset"] == 0, earliest
    records = []
    expected_base = 0
    for b in batches:
        assert b["magic"] == 2 and b["crc_ok"], f"partition {p}: bad batch at {b['base_offset']}"
        assert b["base_offset"] == expected_base, (
            f"partition {p}: batch at offset {b['base_offset']}, expected {expected_base} "
            f"({'gap' if b['base_offset'] > expected_base else 'overlap'})")
        assert b["record_count"] == b["last_offset_delta"] + 1
        for r in b["records"]:
            value = r["value"].decode()
            vp, _, seq = value.partition("-s")
            assert vp == f"p{p}", f"partition {p} offset {r['offset']}: foreign value {value}"
            records.append((r["offset"], int(seq)))
        expected_base = b["base_offset"] + b["last_offset_delta"] + 1
    assert [o for o, _ in records] == list(range(len(records))), f"partition {p}: offsets"
    assert len(records) == hw == latest["offset"], (len(records), hw, latest)
    return records, batches


def kills_between(kills, t0, t1):
    """Kills whose [before, after] window overlaps [t0, t1]."""
    return sum(1 for before, after in kills if after >= t0 and before <= t1)


def test_kill9_under_acks_all_producer_loses_nothing_acked(broker_factory, tmp_path):
    seed = int(os.environ.get("GREGOR_CRASH_SEED", str(time.time_ns() % 1_000_000_007)))
    rng = random.Random(seed)
    broker = broker_factory(args=[f"--num.partitions={PARTITIONS}"])
    topic = "crash"
    broker.create_topic(topic)
    log_path, stop_path = tmp_path / "acked.log", tmp_path / "stop"
    with open(tmp_path / "producer.err", "wb") as err:
        producer = subprocess.Popen(
            [crash_producer_exe(), broker.bootstrap, topic, str(PARTITIONS), str(RATE),
             str(log_path), str(stop_path)],
            stdout=subprocess.PIPE, stderr=err, env=clean_env())
    context = f"seed {seed} (GREGOR_CRASH_SEED), data in {broker.root}"
    kills = []  # (monotonic time before kill, after the process was reaped)
    runs = [time.monotonic()]  # start times of broker runs
    try:
        time.sleep(1.0)
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.05, 0.5))
            before = time.monotonic()
            broker.kill9()
            kills.append((before, time.monotonic()))
            broker.restart()
            runs.append(time.monotonic())
        time.sleep(2.0)
        stop_path.touch()
        out, _ = producer.communicate(timeout=90)
    finally:
        if producer.poll() is None:
            producer.kill()
            producer.wait()
    summary = json.loads(out.decode().strip().splitlines()[-1])
    producer_err = (tmp_path / "producer.err").read_text()[-4000:]
    context += f"\nproducer: {summary}\nproducer stderr tail:\n{producer_err}"

    acked, failed = read_log(log_path)
    stats = []
    for p in range(PARTITIONS):
        records, batches = read_partition(broker, topic, p)  # 1.
        produced = summary["produced"][p]
        by_offset = dict(records)
        copies = {}
        for offset, seq in records:
            assert seq < produced, f"partition {p} offset {offset}: seq {seq} never produced"
            copies.setdefault(seq, []).append(offset)

        mine = {seq: e for (pp, seq), e in acked.items() if pp == p}
        for seq, (_, _, offset, t_produce, t_report) in sorted(mine.items()):
            # 2. The acked value is at its acked offset.
            assert by_offset.get(offset) == seq, (
                f"partition {p}: seq {seq} acked at offset {offset}, log has "
                f"{by_offset.get(offset)} there\n{context}")
            # 4. Extra copies only across a kill, at most one per kill, below the acked one.
            n = len(copies[seq])
            if n > 1:
                k = kills_between(kills, t_produce, t_report)
                assert k >= 1 and n <= 1 + k, (
                    f"partition {p}: seq {seq} appears {n} times at {copies[seq]} but "
                    f"{k} kills happened between its produce and its ack\n{context}")
                assert max(copies[seq]) == offset, (
                    f"partition {p}: seq {seq} has a copy above its acked offset {offset}: "
                    f"{copies[seq]}\n{context}")

        # 3. First copies in production order.
        first_seen = []
        seen = set()
        for _, seq in records:
            if seq not in seen:
                seen.add(seq)
                first_seen.append(seq)
        assert first_seen == sorted(first_seen), f"partition {p}: out of order\n{context}"

        dup_records = len(records) - len(seen)
        stats.append((p, produced, len(records), dup_records, len(batches)))

    # 5. Every produced value was delivered in the end.
    assert not failed, f"{len(failed)} permanent delivery errors, first {failed[:5]}\n{context}"
    assert summary["undelivered_at_flush"] == 0 and summary["failed"] == 0, context
    assert len(acked) == sum(summary["produced"]), context

    # The kills really happened under load: acks arrived in most broker runs.
    ack_times = sorted(e[4] for e in acked.values())
    ends = [before for before, _ in kills] + [float("inf")]
    runs_with_acks = sum(1 for start, end in zip(runs, ends)
                         if bisect.bisect_left(ack_times, start) <
                         bisect.bisect_left(ack_times, end))
    print(f"crash: seed {seed}, {len(kills)} kills, acked {len(acked)}, "
          f"runs with acks {runs_with_acks}/{len(runs)}, per partition "
          f"(p, produced, log records, duplicate records, batches): {stats}")
    assert runs_with_acks >= len(runs) // 2, (
        f"only {runs_with_acks} of {len(runs)} broker runs acknowledged anything\n{context}")

    # A clean restart leaves the recovered log unchanged.
    before = [read_partition(broker, topic, p)[1] for p in range(PARTITIONS)]
    broker.restart()
    after = [read_partition(broker, topic, p)[1] for p in range(PARTITIONS)]
    assert [[b["raw"] for b in bs] for bs in before] == [[b["raw"] for b in bs] for bs in after]

