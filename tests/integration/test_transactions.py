"""Transactions with librdkafka (the C client, and confluent-kafka-python on the same
library): exactly-once consume-transform-produce with aborts injected, isolation levels,
open transactions, fencing of zombies, timeouts, and a coordinator restart.

Readers are confluent-kafka consumers assigned to every partition from offset 0 and read to
the end; read_committed ones must drop aborted records (from the aborted-transaction ranges
the broker returns) and stop at the last stable offset.
"""

import json
import os
import subprocess
import time

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

import kafka_raw

PARTITIONS = 3
ARGS = [f"--num.partitions={PARTITIONS}", "--group.initial.rebalance.delay.ms=0"]


def read_all(bootstrap, topic, partitions=PARTITIONS, isolation="read_committed", timeout=20):
    """{partition: [value, ...]} of everything readable at this isolation level."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "reader", "enable.auto.commit": False,
                  "isolation.level": isolation, "enable.partition.eof": True})
    try:
        c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        out = {p: [] for p in range(partitions)}
        at_end = set()
        deadline = time.monotonic() + timeout
        while len(at_end) < partitions:
            assert time.monotonic() < deadline, f"{topic}: not at the end after {timeout} s: {out}"
            m = c.poll(0.2)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add(m.partition())
                    continue
                raise KafkaException(m.error())
            at_end.discard(m.partition())
            out[m.partition()].append(m.value().decode())
        return out
    finally:
        c.close()


def produce_input(bootstrap, topic, count, batch_records=10000):
    """count records "v<i>" keyed "k<i>", round robin over the partitions, at most
    batch_records per batch; returns {partition: [values in order]}."""
    p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True,
                  "batch.num.messages": batch_records})
    written = {q: [] for q in range(PARTITIONS)}
    for i in range(count):
        q = i % PARTITIONS
        p.produce(topic, key=f"k{i}", value=f"v{i}", partition=q)
        written[q].append(f"v{i}")
    assert p.flush(30) == 0
    return written


def transactional_producer(bootstrap, txn_id, **extra):
    conf = {"bootstrap.servers": bootstrap, "transactional.id": txn_id, "linger.ms": 5}
    conf.update(extra)
    p = Producer(conf)
    p.init_transactions(30)
    return p


def test_consume_transform_produce_with_aborts_is_exactly_once(broker_factory, clients_dir):
    broker = broker_factory(args=ARGS)
    for t in ("in", "out"):
        broker.create_topic(t)
    count = 600
    written = produce_input(broker.bootstrap, "in", count)
    exe = os.path.join(clients_dir, "rdkafka_txn_ctp")
    run = subprocess.run([exe, broker.bootstrap, "in", "out", "ctp", "ctp-txn", str(count), "3"],
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr[-4000:]}\n{broker.stderr_text()[-4000:]}"
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["committed_records"] == count and summary["aborted_txns"] >= 2, summary

    # read_committed: every input record transformed exactly once, in input order.
    committed = read_all(broker.bootstrap, "out")
    for q in range(PARTITIONS):
        assert committed[q] == [f"out-{v}" for v in written[q]], f"partition {q}"
    # read_uncommitted also sees what the aborted transactions wrote.
    everything = read_all(broker.bootstrap, "out", isolation="read_uncommitted")
    total = sum(len(v) for v in everything.values())
    assert total == summary["committed_records"] + summary["aborted_records"], (total, summary)
    for q in range(PARTITIONS):
        assert set(everything[q]) == set(committed[q])
    # The group's committed offsets are the transactions': the end of the input.
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "ctp"})
    try:
        got = c.committed([TopicPartition("in", q) for q in range(PARTITIONS)], timeout=10)
    finally:
        c.close()
    assert {tp.partition: tp.offset for tp in got} == {q: len(written[q]) for q in written}
    # The broker told read_committed fetches which ranges were aborted.
    with broker.connect() as conn:
        aborted = [a for q in range(PARTITIONS)
                   for a in kafka_raw.fetch_one(conn, "out", q, 0, isolation_level=1)
                   ["aborted_transactions"] or []]
    assert aborted, "no aborted transactions reported to a read_committed fetch"


def test_open_transaction_is_invisible_until_commit(broker):
    broker.create_topic("open")
    p = transactional_producer(broker.bootstrap, "opener")
    p.begin_transaction()
    for i in range(5):
        p.produce("open", value=f"t{i}", partition=0)
    assert p.flush(10) == 0
    plain = Producer({"bootstrap.servers": broker.bootstrap})
    plain.produce("open", value="after", partition=0)
    assert plain.flush(10) == 0

    assert read_all(broker.bootstrap, "open", 1)[0] == []
    assert read_all(broker.bootstrap, "open", 1, "read_uncommitted")[0] == \
        [f"t{i}" for i in range(5)] + ["after"]
    with broker.connect() as conn:
        lso = kafka_raw.list_offsets(conn, 2, {"open": {0: -1}}, isolation_level=1)
        hw = kafka_raw.list_offsets(conn, 2, {"open": {0: -1}}, isolation_level=0)
    assert lso["topics"]["open"][0]["offset"] == 0
    assert hw["topics"]["open"][0]["offset"] == 6

    p.commit_transaction(30)
    assert read_all(broker.bootstrap, "open", 1)[0] == [f"t{i}" for i in range(5)] + ["after"]


def test_aborted_records_are_dropped_by_read_committed(broker):
    broker.create_topic("mixed")
    p = transactional_producer(broker.bootstrap, "mixer")
    for n, commit in enumerate([True, False, True, False, False, True]):
        p.begin_transaction()
        for i in range(3):
            p.produce("mixed", value=f"{n}-{i}", partition=0)
        assert p.flush(10) == 0
        if commit:
            p.commit_transaction(30)
        else:
            p.abort_transaction(30)
    want = [f"{n}-{i}" for n in (0, 2, 5) for i in range(3)]
    assert read_all(broker.bootstrap, "mixed", 1)[0] == want
    assert len(read_all(broker.bootstrap, "mixed", 1, "read_uncommitted")[0]) == 18


def test_compaction_drops_aborted_records_and_keeps_committed_values(broker_factory):
    broker = broker_factory(args=ARGS + ["--log.retention.check.interval.ms=100"])
    topic = "compacted.txn"
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1, config={"cleanup.policy": "compact",
                                                       "segment.ms": "100"})])[topic].result(10)
    p = transactional_producer(broker.bootstrap, "compactor")

    def transaction(records, commit):
        p.begin_transaction()
        for key, value in records:
            p.produce(topic, key=key, value=value, partition=0)
        assert p.flush(10) == 0
        (p.commit_transaction if commit else p.abort_transaction)(30)
        time.sleep(0.2)  # past segment.ms: the next batch starts a new segment

    transaction([("k", "v1")], True)
    transaction([("k", "aborted"), ("j", "aborted")], False)  # must not supersede k=v1
    transaction([("j", "committed")], True)
    plain = Producer({"bootstrap.servers": broker.bootstrap})
    plain.produce(topic, key="x", value="last", partition=0)  # the transactions' segments close
    assert plain.flush(10) == 0
    before = read_all(broker.bootstrap, topic, 1, "read_uncommitted")[0]
    assert before.count("aborted") in (0, 2), before  # compaction may already have run
    deadline = time.monotonic() + 20
    while "aborted" in (got := read_all(broker.bootstrap, topic, 1, "read_uncommitted")[0]):
        assert time.monotonic() < deadline, f"aborted records still there: {got}"
        time.sleep(0.2)
    assert got == ["v1", "committed", "last"]
    assert read_all(broker.bootstrap, topic, 1)[0] == ["v1", "committed", "last"]


def test_zombie_producer_is_fenced(broker):
    broker.create_topic("zombie")
    old = transactional_producer(broker.bootstrap, "zz")
    old.begin_transaction()
    old.produce("zombie", value="zombie-1", partition=0)
    assert old.flush(10) == 0
    # A new instance with the same transactional id takes over: the old transaction is
    # aborted and the old producer fenced.
    new = transactional_producer(broker.bootstrap, "zz")
    new.begin_transaction()
    new.produce("zombie", value="new-1", partition=0)
    new.commit_transaction(30)
    with pytest.raises(KafkaException) as fenced:
        old.produce("zombie", value="zombie-2", partition=0)
        old.flush(10)
        old.commit_transaction(10)
    assert fenced.value.args[0].fatal(), fenced.value
    assert read_all(broker.bootstrap, "zombie", 1)[0] == ["new-1"]


def test_transaction_past_its_timeout_is_aborted(broker_factory):
    broker = broker_factory(
        args=ARGS + ["--transaction.abort.timed.out.transaction.cleanup.interval.ms=200"])
    broker.create_topic("slow")
    p = transactional_producer(broker.bootstrap, "slowpoke", **{"transaction.timeout.ms": 1500})
    p.begin_transaction()
    p.produce("slow", value="late", partition=0)
    assert p.flush(10) == 0
    deadline = time.monotonic() + 10
    with broker.connect() as conn:
        while True:
            lso = kafka_raw.list_offsets(conn, 2, {"slow": {0: -1}}, isolation_level=1)
            if lso["topics"]["slow"][0]["offset"] > 0:
                break
            assert time.monotonic() < deadline, "the timed-out transaction was never aborted"
            time.sleep(0.1)
    with pytest.raises(KafkaException):
        p.commit_transaction(10)
    assert read_all(broker.bootstrap, "slow", 1)[0] == []
    assert read_all(broker.bootstrap, "slow", 1, "read_uncommitted")[0] == ["late"]


def test_transactions_survive_kill9(broker_factory):
    broker = broker_factory(args=ARGS)
    broker.create_topic("durable")
    p = transactional_producer(broker.bootstrap, "durable-txn")
    p.begin_transaction()
    p.produce("durable", value="committed", partition=0)
    p.commit_transaction(30)
    p.begin_transaction()
    p.produce("durable", value="open", partition=0)
    assert p.flush(10) == 0
    broker.kill9()
    broker.start()
    # The committed transaction stays committed; the open one stays invisible, and a new
    # instance of the producer fences and aborts it, after which reads go past it.
    assert read_all(broker.bootstrap, "durable", 1)[0] == ["committed"]
    again = transactional_producer(broker.bootstrap, "durable-txn")
    again.begin_transaction()
    again.produce("durable", value="after-restart", partition=0)
    again.commit_transaction(30)
    assert read_all(broker.bootstrap, "durable", 1)[0] == ["committed", "after-restart"]
    assert read_all(broker.bootstrap, "durable", 1, "read_uncommitted")[0] == \
        ["committed", "open", "after-restart"]
