"""A librdkafka idempotent producer (enable.idempotence=true) writes while the broker is
kill -9'd and restarted under it; after its retries every record is in the log exactly
once, in order.

The producer (clients/rdkafka_idem_producer.c) writes unique sequential values "p<p>-s<n>"
to three partitions at a fixed rate, with up to five requests in flight per partition, and
logs every delivery report. The harness kills the broker KILLS times at random moments
(GREGOR_IDEM_SEED fixes them), restarts it on the same port and data directory, then lets
the producer finish and flush. Without idempotence a batch written just before a kill and
retried after it would appear twice (tests/crash shows that); with it the broker answers
the retry as a duplicate, from producer state rebuilt out of the log tail.

Asserted per partition, from raw Fetch responses (no client to hide anything): the records
are exactly the values s0 .. s<n-1> at offsets 0 .. n-1 - no duplicate, no gap, in order;
every delivery report names the offset where its value is; no delivery failed, nothing was
left undelivered and librdkafka raised no fatal error.
"""

import json
import os
import random
import subprocess
import time

import kafka_raw
from gregor_fixture import clean_env

PARTITIONS = 3
RATE = 4000
KILLS = int(os.environ.get("GREGOR_IDEM_KILLS", "12"))


def read_log(path):
    acked, failed = {}, []
    with open(path) as f:
        for line in f:
            kind, p, seq, x = line.split()
            if kind == "A":
                acked[(int(p), int(seq))] = int(x)
            else:
                failed.append((int(p), int(seq), int(x)))
    return acked, failed


def partition_values(broker, topic, p):
    with broker.connect(timeout=30) as c:
        batches, hw = kafka_raw.fetch_all_batches(c, topic, p)
    values = []
    for b in batches:
        assert b["magic"] == 2 and b["crc_ok"], f"partition {p}: bad batch at {b['base_offset']}"
        for r in b["records"]:
            values.append((r["offset"], r["value"].decode()))
    assert len(values) == hw, (len(values), hw)
    return values


def test_idempotent_producer_survives_kill9_exactly_once_in_order(broker_factory, clients_dir,
                                                                  tmp_path):
    seed = int(os.environ.get("GREGOR_IDEM_SEED", str(time.time_ns() % 1_000_000_007)))
    rng = random.Random(seed)
    broker = broker_factory(args=[f"--num.partitions={PARTITIONS}"])
    topic = "idempotent"
    broker.create_topic(topic)
    log_path, stop_path = tmp_path / "acked.log", tmp_path / "stop"
    exe = os.path.join(clients_dir, "rdkafka_idem_producer")
    with open(tmp_path / "producer.err", "wb") as err:
        producer = subprocess.Popen(
            [exe, broker.bootstrap, topic, str(PARTITIONS), str(RATE), str(log_path),
             str(stop_path)], stdout=subprocess.PIPE, stderr=err, env=clean_env())
    try:
        time.sleep(1.0)
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.1, 0.6))
            broker.kill9()
            broker.restart()
        time.sleep(1.5)
        stop_path.touch()
        out, _ = producer.communicate(timeout=120)
    finally:
        if producer.poll() is None:
            producer.kill()
            producer.wait()
    summary = json.loads(out.decode().strip().splitlines()[-1])
    context = (f"seed {seed} (GREGOR_IDEM_SEED), data in {broker.root}\nproducer: {summary}\n"
               f"producer stderr tail:\n{(tmp_path / 'producer.err').read_text()[-4000:]}")
    assert summary["fatal"] == "", context
    acked, failed = read_log(log_path)
    assert not failed, f"{len(failed)} delivery failures, first {failed[:5]}\n{context}"
    assert summary["undelivered_at_flush"] == 0, context
    assert sum(summary["produced"]) > RATE, context

    for p in range(PARTITIONS):
        values = partition_values(broker, topic, p)
        produced = summary["produced"][p]
        expected = [(s, f"p{p}-s{s}") for s in range(produced)]
        if values != expected:
            dups = len(values) - len({v for _, v in values})
            first_bad = next((i for i, (a, b) in enumerate(zip(values, expected)) if a != b),
                             min(len(values), len(expected)))
            raise AssertionError(
                f"partition {p}: {len(values)} records for {produced} produced, {dups} "
                f"duplicates; first difference at offset {first_bad}: "
                f"{values[first_bad:first_bad + 3]} vs {expected[first_bad:first_bad + 3]}"
                f"\n{context}")
        for s in range(produced):
            assert acked.get((p, s)) == s, f"partition {p}: seq {s} acked at {acked.get((p, s))}"
    print(f"idempotence: seed {seed}, {KILLS} kills, {len(acked)} records exactly once")
