"""The durable log through real clients: produce, read back, compare exactly.

Clients: kcat 1.7.1, a librdkafka 2.0.2 C program (clients/rdkafka_roundtrip.c),
confluent-kafka-python 1.7.0 (librdkafka), kafka-python 2.0.2 and kafkajs 2.2.4 (producing
only: its consumer needs consumer groups, which do not exist yet). Consumers use assign(),
never a group. Topics are created by Metadata auto-creation (the producers' first request).

Also on raw sockets (kafka_raw.py, kafka_records.py): Produce v3-11 and Fetch v4-16 round
trips and bad input on the data path (bad CRC, legacy magic, unknown partition, bad acks,
fetch past the end), long polling, and records surviving SIGTERM and kill -9 restarts.
"""

import glob
import json
import os
import struct
import threading
import time

import pytest

import kafka_raw
import kafka_records
from client_tools import (client_exe, consume_partitions, raw_offsets, require_tool, run,
                          run_json)
from gregor_fixture import REPO_ROOT

NODE_DIR = os.path.join(REPO_ROOT, "tests", "integration", "node")
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
DEFAULT_MESSAGE_MAX_BYTES = 1048588  # Kafka's default: 1 MiB + 12 bytes of log overhead

# A one-record batch from librdkafka (null key, no headers, uncompressed) is
# 61 (batch header) + 3 (record length varint) + 8 (record fields around the value) + value
# bytes while the value is shorter than 1 MiB, so this is the largest value that fits the
# default limit exactly: 61 + 3 + 8 + 1048516 = 1048588.
LARGEST_VALUE_AT_DEFAULT_LIMIT = DEFAULT_MESSAGE_MAX_BYTES - 61 - 3 - 8


def ck_producer(broker, **conf):
    from confluent_kafka import Producer

    config = {"bootstrap.servers": broker.bootstrap, "client.id": "gregor-it-ck-producer",
              "enable.idempotence": False, "linger.ms": 5}
    config.update(conf)
    return Producer(config)


class Deliveries:
    """Collects confluent-kafka delivery reports: (error, partition, offset, key, value)."""

    def __init__(self):
        self.reports = []

    def __call__(self, err, msg):
        self.reports.append((err, msg.partition(), msg.offset(), msg.key(), msg.value()))

    def errors(self):
        return [r for r in self.reports if r[0] is not None]


def produce_and_flush(producer, topic, records, timeout=60):
    """records: list of dicts for Producer.produce (partition, key, value, headers, ...).
    Returns the delivery reports in delivery order."""
    dr = Deliveries()
    for r in records:
        producer.produce(topic, on_delivery=dr, **r)
        producer.poll(0)
    left = producer.flush(timeout)
    assert left == 0, f"{left} records still undelivered after {timeout} s"
    assert len(dr.reports) == len(records), (len(dr.reports), len(records))
    return dr.reports


# ---------------------------------------------------------------------------------------------
# kcat

def test_kcat_keys_and_headers_round_trip(broker_factory):
    require_tool("kcat")
    broker = broker_factory(args=["--num.partitions=3"])
    topic = "kcat-rt"
    sent = {}
    for p in range(3):
        lines = [f"key {p}-{j}:value {p}-{j} é 日本 {'x' * (j * 7)}" for j in range(50 + p)]
        sent[p] = lines
        run(["kcat", "-b", broker.bootstrap, "-P", "-t", topic, "-p", str(p), "-K:",
             "-H", "a=b", "-H", f"trace=p{p}", "-X", "acks=all"], input="\n".join(lines) + "\n")

    for p in range(3):
        out = run(["kcat", "-b", broker.bootstrap, "-C", "-t", topic, "-p", str(p), "-o",
                   "beginning", "-e", "-q", "-J"]).stdout
        got = [json.loads(line) for line in out.splitlines() if line.strip()]
        assert len(got) == len(sent[p]), f"partition {p}: {len(got)} records, sent {len(sent[p])}"
        for offset, (line, m) in enumerate(zip(sent[p], got)):
            key, value = line.split(":", 1)
            assert (m["partition"], m["offset"], m["key"], m["payload"]) == (
                p, offset, key, value), m
            assert m["headers"] == ["a", "b", "trace", f"p{p}"], m

        # The same through a format string: offsets, keys, values and headers per line.
        text = run(["kcat", "-b", broker.bootstrap, "-C", "-t", topic, "-p", str(p), "-o",
                    "beginning", "-e", "-q", "-f", r"%p|%o|%k|%s|%h\n"]).stdout
        expected = [f"{p}|{o}|{line.replace(':', '|', 1)}|a=b,trace=p{p}"
                    for o, line in enumerate(sent[p])]
        assert text.splitlines() == expected

    assert raw_offsets(broker, topic, range(3)) == {p: (0, len(sent[p])) for p in range(3)}


# ---------------------------------------------------------------------------------------------
# librdkafka C program: a million records, and every codec

def roundtrip(clients_dir, broker, topic, partitions, count, *options, timeout=240):
    exe = client_exe(clients_dir, "rdkafka_roundtrip")
    out, p = run_json([exe, broker.bootstrap, topic, str(partitions), str(count), *options],
                      check=False, timeout=timeout)
    failures = p.stderr[-6000:]
    assert out["failures"] == 0 and p.returncode == 0, f"{out}\n{failures}"
    return out


def assert_complete_roundtrip(out, count, phase="both"):
    for field in ("delivery_errors", "delivery_duplicates", "delivery_wrong_partition",
                  "delivery_wrong_offset", "duplicates", "missing", "bad_records",
                  "bad_offsets", "extra", "consume_errors"):
        assert out[field] == 0, (field, out)
    if phase in ("both", "produce"):
        assert out["delivered_ok"] == count, out
    if phase in ("both", "consume"):
        assert out["consumed"] == count, out
        for p in out["per_partition"]:
            assert p["consumed_through"] == p["expected"], out


def test_rdkafka_million_records_acks_all(broker_factory, clients_dir):
    broker = broker_factory(args=["--num.partitions=6"])
    count = 1_000_000
    t0 = time.monotonic()
    out = roundtrip(clients_dir, broker, "million", 6, count, "acks=all", "linger.ms=20")
    elapsed = time.monotonic() - t0
    print(f"1M records: produce {out['produce_s']} s, consume {out['consume_s']} s, "
          f"total {elapsed:.1f} s")
    assert_complete_roundtrip(out, count)
    expected = {p: (0, count // 6 + (1 if p < count % 6 else 0)) for p in range(6)}
    assert raw_offsets(broker, "million", range(6)) == expected


def fetch_batches(broker, topic, partition):
    """All batches of a partition through raw Fetch v12."""
    with broker.connect() as c:
        return kafka_raw.fetch_all_batches(c, topic, partition)[0]


@pytest.mark.parametrize("codec", CODECS)
def test_rdkafka_codec_round_trip(broker_factory, clients_dir, codec):
    broker = broker_factory(args=["--num.partitions=3"])
    topic = f"rd-{codec}"
    count = 30_000
    out = roundtrip(clients_dir, broker, topic, 3, count, f"codec={codec}", "value.size=100")
    assert_complete_roundtrip(out, count)
    # The batches are stored as the client compressed them, and served back unchanged.
    for p in range(3):
        batches = fetch_batches(broker, topic, p)
        assert sum(b["record_count"] for b in batches) == count // 3
        assert {b["codec"] for b in batches} == {kafka_records.CODECS[codec]}, \
            f"partition {p}: codecs {[b['codec'] for b in batches]}"
        assert all(b["crc_ok"] and b["magic"] == 2 for b in batches)
        assert max(b["record_count"] for b in batches) > 1, "librdkafka did not batch"


# ---------------------------------------------------------------------------------------------
# kafkajs: every codec (kafkajs has no assign(); read back with librdkafka)

def kafkajs_value(codec, p, s):
    pattern = "abcdefghijklmnopqrstuvwxyz0123456789"
    v = f"js-{codec}-p{p}-s{s}-"
    while len(v) < 64:
        v += pattern[(len(v) + s) % len(pattern)]
    return v


@pytest.mark.parametrize("codec", CODECS)
def test_kafkajs_codec_round_trip(broker_factory, codec):
    node = require_tool("node")
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "kafkajs")):
        pytest.fail(f"kafkajs not installed in {NODE_DIR} (run scripts/setup.sh)", pytrace=False)
    broker = broker_factory(args=["--num.partitions=3"])
    topic = f"js-{codec}"
    count, partitions = 1500, 3
    base_ts = int(time.time() * 1000) - 60_000
    out, _ = run_json([node, os.path.join(NODE_DIR, "kafkajs_produce.js"), broker.bootstrap,
                       topic, codec, str(count), str(partitions), str(base_ts)])

    # Each request carries 250 records, one batch per partition; base offsets follow on.
    next_offset = {p: 0 for p in range(partitions)}
    for i, send in enumerate(out["sends"]):
        first = i * 250
        per_partition = {p: len([j for j in range(first, min(count, first + 250))
                                 if j % partitions == p]) for p in range(partitions)}
        assert sorted(m["partition"] for m in send) == list(range(partitions)), send
        for m in send:
            assert m["errorCode"] == 0, send
            assert int(m["baseOffset"]) == next_offset[m["partition"]], (i, send)
            next_offset[m["partition"]] += per_partition[m["partition"]]

    got = consume_partitions(broker.bootstrap, topic, range(partitions))
    for p in range(partitions):
        expected = [(s, f"js-k{i}".encode(), kafkajs_value(codec, p, s).encode(),
                     [("h", f"v{i}".encode())], base_ts + i)
                    for s, i in enumerate(range(p, count, partitions))]
        actual = [(r["offset"], r["key"], r["value"], r["headers"], r["timestamp"])
                  for r in got[p]]
        assert actual == expected, f"partition {p} differs"
        batches = fetch_batches(broker, topic, p)
        assert {b["codec"] for b in batches} == {kafka_records.CODECS[codec]}, \
            f"partition {p}: codecs {[b['codec'] for b in batches]}"


# ---------------------------------------------------------------------------------------------
# kafka-python: offsets_for_times, beginning_offsets, end_offsets

def test_kafka_python_offsets_for_times(broker_factory):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    broker = broker_factory(args=["--num.partitions=2"])
    topic = "kp-times"
    base = int(time.time() * 1000) - 3_600_000
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, client_id="gregor-it-kp",
                             acks="all", linger_ms=0, request_timeout_ms=10000)
    try:
        # Partition 0: ten records, one batch each, timestamps base, base+1000, ...
        for i in range(10):
            md = producer.send(topic, value=f"t{i}".encode(), key=b"k", partition=0,
                               timestamp_ms=base + 1000 * i).get(timeout=10)
            assert (md.partition, md.offset) == (0, i)
        # Partition 1: timestamps out of order, in two batches of two records.
        for pair in ((5000, 1000), (3000, 7000)):
            futures = [producer.send(topic, value=f"u{ts}".encode(), partition=1,
                                     timestamp_ms=base + ts) for ts in pair]
            producer.flush(10)
            for f in futures:
                assert f.get(timeout=10).partition == 1
    finally:
        producer.close(10)

    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, client_id="gregor-it-kp",
                             group_id=None, enable_auto_commit=False,
                             request_timeout_ms=11000, session_timeout_ms=10000)
    tp0, tp1 = TopicPartition(topic, 0), TopicPartition(topic, 1)
    try:
        assert consumer.beginning_offsets([tp0, tp1]) == {tp0: 0, tp1: 0}
        assert consumer.end_offsets([tp0, tp1]) == {tp0: 10, tp1: 4}

        def lookup(tp, ts):
            r = consumer.offsets_for_times({tp: ts})[tp]
            return None if r is None else (r.offset, r.timestamp)

        assert lookup(tp0, 0) == (0, base)
        assert lookup(tp0, base) == (0, base)
        assert lookup(tp0, base + 1) == (1, base + 1000)
        assert lookup(tp0, base + 1500) == (2, base + 2000)
        assert lookup(tp0, base + 9000) == (9, base + 9000)
        assert lookup(tp0, base + 9001) is None
        # Kafka answers with the first offset whose timestamp is >= the target, in log order.
        assert lookup(tp1, base + 500) == (0, base + 5000)
        assert lookup(tp1, base + 2000) == (0, base + 5000)
        assert lookup(tp1, base + 5000) == (0, base + 5000)
        assert lookup(tp1, base + 5001) == (3, base + 7000)
        assert lookup(tp1, base + 7001) is None
    finally:
        consumer.close()

    # ListOffsets -3 (v7+): the record with the largest timestamp.
    with broker.connect() as c:
        for p, (offset, ts) in ((0, (9, base + 9000)), (1, (3, base + 7000))):
            r = kafka_raw.list_offset(c, topic, p, kafka_raw.MAX_TIMESTAMP, version=7)
            assert (r["error_code"], r["offset"], r["timestamp"]) == (0, offset, ts), r


# ---------------------------------------------------------------------------------------------
# Record size limits

def produce_one_value(producer, topic, value, key=None):
    reports = produce_and_flush(producer, topic, [{"partition": 0, "key": key, "value": value}])
    return reports[0]


def test_largest_record_at_default_message_max_bytes(broker):
    from confluent_kafka import KafkaError

    topic = "big-default"
    broker.create_topic(topic)
    producer = ck_producer(broker, **{"message.max.bytes": 4_000_000,
                                      "batch.size": 4_000_000, "linger.ms": 0})
    ok_value = bytes((i * 7) % 251 for i in range(LARGEST_VALUE_AT_DEFAULT_LIMIT))
    err, p, offset, _, _ = produce_one_value(producer, topic, ok_value)
    assert err is None, f"a batch of exactly message.max.bytes was refused: {err}"
    assert (p, offset) == (0, 0)

    # One byte more, and a whole MiB of value, exceed the default limit.
    for size in (LARGEST_VALUE_AT_DEFAULT_LIMIT + 1, 1 << 20):
        err, _, _, _, _ = produce_one_value(producer, topic, b"y" * size)
        assert err is not None and err.code() == KafkaError.MSG_SIZE_TOO_LARGE, \
            f"value of {size} bytes: {err}"
    assert raw_offsets(broker, topic, [0]) == {0: (0, 1)}, "a refused record was appended"

    # The partition still takes records, and the big one reads back intact.
    err, _, offset, _, _ = produce_one_value(producer, topic, b"small")
    assert (err, offset) == (None, 1)
    got = consume_partitions(broker.bootstrap, topic, [0])[0]
    assert [(r["offset"], r["value"]) for r in got] == [(0, ok_value), (1, b"small")]

    # KIP-74: a fetch whose partition limit is smaller than the first batch still gets it.
    with broker.connect() as c:
        r = kafka_raw.fetch_one(c, topic, 0, 0, partition_max_bytes=1000, max_bytes=1000)
        batches, _ = kafka_records.parse_batches(r["records"] or b"")
        assert batches and batches[0]["base_offset"] == 0
        assert len(batches[0]["raw"]) == DEFAULT_MESSAGE_MAX_BYTES
        assert batches[0]["records"][0]["value"] == ok_value


def test_one_mib_record_with_raised_message_max_bytes(broker_factory):
    from confluent_kafka import KafkaError

    limit = 2 * 1024 * 1024
    broker = broker_factory(args=[f"--message.max.bytes={limit}"])
    topic = "big-raised"
    broker.create_topic(topic)
    producer = ck_producer(broker, **{"message.max.bytes": 8_000_000,
                                      "batch.size": 8_000_000, "linger.ms": 0})
    mib = bytes((i * 13) % 256 for i in range(1 << 20))
    err, _, offset, _, _ = produce_one_value(producer, topic, mib, key=b"one-mib")
    assert (err, offset) == (None, 0)
    err, _, _, _, _ = produce_one_value(producer, topic, b"z" * limit)
    assert err is not None and err.code() == KafkaError.MSG_SIZE_TOO_LARGE, err
    got = consume_partitions(broker.bootstrap, topic, [0])[0]
    assert [(r["offset"], r["key"], r["value"]) for r in got] == [(0, b"one-mib", mib)]


# ---------------------------------------------------------------------------------------------
# Null keys, empty values, tombstones

NULLS_AND_EMPTIES = [
    (None, b"value"),        # null key
    (b"", b"value"),         # empty key
    (b"key", b""),           # empty value
    (b"key", None),          # tombstone
    (None, None),            # null key and null value
    (b"", b""),              # empty key and empty value
    (b"k\x00ey", b"v\x00\xff"),  # bytes that are not text
]


def test_null_key_empty_value_and_tombstone_stay_distinct(broker):
    topic = "nulls"
    broker.create_topic(topic)
    producer = ck_producer(broker, **{"acks": "all", "linger.ms": 50})
    reports = produce_and_flush(producer, topic,
                                [{"partition": 0, "key": k, "value": v}
                                 for k, v in NULLS_AND_EMPTIES])
    assert [r[0] for r in reports] == [None] * len(NULLS_AND_EMPTIES), reports

    got = consume_partitions(broker.bootstrap, topic, [0])[0]
    assert [(r["key"], r["value"]) for r in got] == NULLS_AND_EMPTIES
    assert [r["offset"] for r in got] == list(range(len(NULLS_AND_EMPTIES)))

    # On the wire: a null is length -1, an empty one length 0.
    records = [rec for b in fetch_batches(broker, topic, 0) for rec in b["records"]]
    assert [(r["key"], r["value"]) for r in records] == NULLS_AND_EMPTIES


# ---------------------------------------------------------------------------------------------
# acks=0 and acks=1

@pytest.mark.parametrize("acks", ["0", "1"])
def test_acks_0_and_1_read_back(broker_factory, acks):
    broker = broker_factory(args=["--num.partitions=3"])
    topic = f"acks-{acks}"
    broker.create_topic(topic)
    count = 3000
    producer = ck_producer(broker, acks=acks)
    records = [{"partition": i % 3, "key": f"k{i}".encode(),
                "value": f"acks{acks}-p{i % 3}-s{i // 3}".encode()} for i in range(count)]
    reports = produce_and_flush(producer, topic, records)
    assert not [r for r in reports if r[0] is not None], [r for r in reports if r[0]][:5]
    if acks == "1":
        for _, p, offset, _, value in reports:
            assert value == f"acks1-p{p}-s{offset}".encode(), (p, offset, value)

    expect = {p: count // 3 for p in range(3)}
    got = consume_partitions(broker.bootstrap, topic, range(3), expect=expect)
    for p in range(3):
        assert [(r["offset"], r["value"]) for r in got[p]] == [
            (s, f"acks{acks}-p{p}-s{s}".encode()) for s in range(count // 3)], f"partition {p}"


# ---------------------------------------------------------------------------------------------
# Long polling

def test_long_poll_consumer_receives_record_produced_later(broker):
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    topic = "long-poll"
    broker.create_topic(topic)
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "gregor-it-unused",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 10000,
                         "fetch.min.bytes": 1})
    try:
        consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        assert consumer.poll(1.0) is None  # the partition is empty; a fetch is now waiting
        produced_at = []

        def produce_later():
            time.sleep(1.0)
            producer = ck_producer(broker, acks="all")
            produced_at.append(time.monotonic())
            produce_and_flush(producer, topic, [{"partition": 0, "value": b"wake up"}])

        t = threading.Thread(target=produce_later)
        t.start()
        msg = None
        deadline = time.monotonic() + 60
        while msg is None and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None and msg.error() is not None:
                raise AssertionError(f"consume error: {msg.error()}")
        arrived = time.monotonic()
        t.join()
        assert msg is not None, "the record produced 1 s later never arrived"
        assert (msg.offset(), msg.value()) == (0, b"wake up")
        print(f"long poll: record arrived {arrived - produced_at[0]:.3f} s after produce")
    finally:
        consumer.close()


def test_long_poll_raw_fetch_is_woken_by_produce(broker):
    topic = "long-poll-raw"
    broker.create_topic(topic)
    max_wait_ms = 20000
    with broker.connect(timeout=30) as waiter, broker.connect() as producer:
        cid = waiter.send(kafka_raw.FETCH, 12, kafka_raw.fetch_body(
            12, {topic: {0: 0}}, max_wait_ms=max_wait_ms, min_bytes=1))
        # The fetch waits: no answer while the partition stays empty.
        assert waiter.is_open(wait=1.0), "connection closed while the fetch waited"
        assert waiter.buffered() == 0, "the fetch was answered before any record existed"
        batch = kafka_records.encode_batch([(b"k", b"late record")])
        produced = time.monotonic()
        r = kafka_raw.produce_one(producer, topic, 0, batch, acks=1)
        assert (r["error_code"], r["base_offset"]) == (0, 0), r
        resp = kafka_raw.decode_fetch(12, waiter.recv_response(kafka_raw.FETCH, 12, cid,
                                                                 timeout=max_wait_ms / 1000 + 10))
        woken_after = time.monotonic() - produced
    p = resp["topics"][topic][0]
    assert p["error_code"] == 0 and p["high_watermark"] == 1, p
    batches, _ = kafka_records.parse_batches(p["records"] or b"")
    assert [r["value"] for b in batches for r in b["records"]] == [b"late record"]
    # Answered because of the append, not because max_wait_ms ran out (wide margin).
    assert woken_after < max_wait_ms / 2000, f"answered {woken_after:.1f} s after the produce"


# ---------------------------------------------------------------------------------------------
# Raw Produce / Fetch / ListOffsets

def latest(conn, topic, partition=0):
    r = kafka_raw.list_offset(conn, topic, partition, kafka_raw.LATEST_TIMESTAMP)
    assert r["error_code"] == 0, r
    return r["offset"]


def test_raw_produce_every_version_and_fetch_every_version(broker):
    topic = "raw-rt"
    md_topic = broker.create_topic(topic, version=12)
    topic_id = md_topic["topic_id"]
    expected = []
    with broker.connect() as c:
        for v in range(3, 12):
            recs = [(f"v{v}-k{i}".encode(), f"produce v{v} record {i}".encode(),
                     [("ver", str(v).encode())], i * 10) for i in range(3)]
            r = kafka_raw.produce_one(c, topic, 0, kafka_records.encode_batch(recs), version=v)
            assert r["error_code"] == 0, (v, r)
            assert r["base_offset"] == len(expected), (v, r)
            if v >= 5:
                assert r["log_start_offset"] == 0, (v, r)
            if v >= 8:
                assert r["record_errors"] == [] and r["error_message"] is None, (v, r)
            expected += [(len(expected) + i, k, val, h) for i, (k, val, h, _) in enumerate(recs)]

        for fv in range(4, 17):
            for isolation in (0, 1):
                resp = kafka_raw.fetch(c, fv, {topic: {0: 0}}, isolation_level=isolation,
                                       topic_ids={topic: topic_id})
                assert resp["error_code"] == 0 and resp["session_id"] == 0, (fv, resp)
                key = topic_id if fv >= 13 else topic
                p = resp["topics"][key][0]
                assert p["error_code"] == 0, (fv, p)
                assert p["high_watermark"] == len(expected), (fv, p)
                assert p["last_stable_offset"] == len(expected), (fv, p)
                if fv >= 5:
                    assert p["log_start_offset"] == 0, (fv, p)
                if fv >= 11:
                    assert p["preferred_read_replica"] == -1, (fv, p)
                assert not p["aborted_transactions"], (fv, p)
                batches, partial = kafka_records.parse_batches(p["records"] or b"")
                assert partial == 0 and len(batches) == 9, (fv, len(batches), partial)
                assert all(b["crc_ok"] for b in batches), fv
                got = [(r["offset"], r["key"], r["value"], r["headers"])
                       for b in batches for r in b["records"]]
                assert got == expected, fv

        # ListOffsets at every version agrees on earliest and latest.
        for lv in range(1, 9):
            for ts, want in ((kafka_raw.EARLIEST_TIMESTAMP, 0),
                             (kafka_raw.LATEST_TIMESTAMP, len(expected))):
                r = kafka_raw.list_offset(c, topic, 0, ts, version=lv)
                assert (r["error_code"], r["offset"]) == (0, want), (lv, ts, r)


def test_raw_produce_bad_crc_is_refused_and_nothing_appended(broker):
    topic = "raw-crc"
    broker.create_topic(topic)
    with broker.connect() as c:
        good = kafka_records.encode_batch([(b"k", b"first")])
        assert kafka_raw.produce_one(c, topic, 0, good)["error_code"] == 0
        bad = bytearray(kafka_records.encode_batch([(b"k", b"corrupted")]))
        bad[-3] ^= 0x5A  # flip bits inside the value: CRC no longer matches
        r = kafka_raw.produce_one(c, topic, 0, bytes(bad), version=8)
        assert r["error_code"] == kafka_raw.CORRUPT_MESSAGE, r
        assert r["base_offset"] == -1, r
        wrong_crc = kafka_records.encode_batch([(b"k", b"x")], crc=0x12345678)
        r = kafka_raw.produce_one(c, topic, 0, wrong_crc, version=8)
        assert r["error_code"] == kafka_raw.CORRUPT_MESSAGE, r
        assert latest(c, topic) == 1, "a batch with a bad CRC was appended"
        # The partition still takes a good batch, at the next offset.
        r = kafka_raw.produce_one(c, topic, 0, kafka_records.encode_batch([(b"k", b"after")]))
        assert (r["error_code"], r["base_offset"]) == (0, 1), r
        assert latest(c, topic) == 2
    values = [r["value"] for b in fetch_batches(broker, topic, 0) for r in b["records"]]
    assert values == [b"first", b"after"]


def test_raw_produce_legacy_magic_is_refused(broker):
    # Produce v3+ may carry only magic-2 batches; Kafka answers INVALID_RECORD
    # (ProduceRequest.validateRecords: "... only allowed to contain record batches with
    # magic version 2").
    topic = "raw-magic"
    broker.create_topic(topic)
    with broker.connect() as c:
        for magic in (0, 1):
            legacy = kafka_records.encode_legacy_message(b"k", b"old format", magic=magic)
            r = kafka_raw.produce_one(c, topic, 0, legacy, version=8)
            assert r["error_code"] == kafka_raw.INVALID_RECORD, (magic, r)
            assert r["base_offset"] == -1, r
        assert latest(c, topic) == 0
        r = kafka_raw.produce_one(c, topic, 0, kafka_records.encode_batch([(None, b"v2")]))
        assert (r["error_code"], r["base_offset"]) == (0, 0), r


def test_raw_produce_two_batches_for_one_partition_is_refused(broker):
    # Produce v3+ must carry exactly one batch per partition (Kafka: INVALID_RECORD).
    topic = "raw-two"
    broker.create_topic(topic)
    two = (kafka_records.encode_batch([(None, b"a")]) +
           kafka_records.encode_batch([(None, b"b")]))
    with broker.connect() as c:
        r = kafka_raw.produce_one(c, topic, 0, two, version=8)
        assert r["error_code"] == kafka_raw.INVALID_RECORD, r
        assert latest(c, topic) == 0


def test_raw_produce_zstd_below_v7_is_refused(broker):
    # zstd needs Produce v7+ (KIP-110): Kafka's ProduceRequest.validateRecords answers
    # UNSUPPORTED_COMPRESSION_TYPE before anything looks inside the batch, so the payload here
    # need not be real zstd.
    topic = "raw-zstd-old"
    broker.create_topic(topic)
    zstd = kafka_records.CODECS["zstd"]
    with broker.connect() as c:
        for v in (3, 6):
            r = kafka_raw.produce_one(c, topic, 0, kafka_records.encode_batch(
                [(None, b"not really zstd")], attributes=zstd), version=v)
            assert r["error_code"] == kafka_raw.UNSUPPORTED_COMPRESSION_TYPE, (v, r)
        assert latest(c, topic) == 0


def test_raw_produce_unknown_partition_and_topic(broker):
    topic = "raw-unknown"
    broker.create_topic(topic)
    batch = kafka_records.encode_batch([(None, b"nowhere")])
    with broker.connect() as c:
        for p in (1, 7, -1):
            r = kafka_raw.produce_one(c, topic, p, batch, version=8)
            assert r["error_code"] == kafka_raw.UNKNOWN_TOPIC_OR_PARTITION, (p, r)
        # One request, a good and an unknown partition: each answered on its own.
        resp = kafka_raw.produce(c, 8, {topic: {0: batch, 3: batch}})
        parts = resp["topics"][topic]
        assert parts[0]["error_code"] == 0 and parts[0]["base_offset"] == 0, parts
        assert parts[3]["error_code"] == kafka_raw.UNKNOWN_TOPIC_OR_PARTITION, parts
        # Produce does not create topics.
        r = kafka_raw.produce_one(c, "raw-never-created", 0, batch, version=8)
        assert r["error_code"] == kafka_raw.UNKNOWN_TOPIC_OR_PARTITION, r
        assert latest(c, topic) == 1
    assert "raw-never-created" not in {t["name"] for t in broker.metadata(1)["topics"]}


def test_raw_produce_invalid_required_acks(broker):
    topic = "raw-acks"
    broker.create_topic(topic)
    with broker.connect() as c:
        for acks in (2, -2, 5):
            r = kafka_raw.produce_one(c, topic, 0, kafka_records.encode_batch([(None, b"a")]),
                                      acks=acks, version=8)
            assert r["error_code"] == kafka_raw.INVALID_REQUIRED_ACKS, (acks, r)
        assert latest(c, topic) == 0


def test_raw_fetch_out_of_range(broker):
    topic = "raw-range"
    broker.create_topic(topic)
    with broker.connect() as c:
        r = kafka_raw.produce_one(c, topic, 0, kafka_records.encode_batch(
            [(None, b"a"), (None, b"b")]))
        assert r["error_code"] == 0
        at_end = kafka_raw.fetch_one(c, topic, 0, 2)
        assert at_end["error_code"] == 0 and at_end["high_watermark"] == 2, at_end
        assert not at_end["records"], at_end
        for offset in (3, 1000, -1):
            p = kafka_raw.fetch_one(c, topic, 0, offset)
            assert p["error_code"] == kafka_raw.OFFSET_OUT_OF_RANGE, (offset, p)
        p = kafka_raw.fetch_one(c, topic, 5, 0)
        assert p["error_code"] == kafka_raw.UNKNOWN_TOPIC_OR_PARTITION, p


# ---------------------------------------------------------------------------------------------
# Restarts

def _append_and_check(broker, topic, partition, expected_offset):
    producer = ck_producer(broker, acks="all")
    (err, p, offset, _, _), = produce_and_flush(
        producer, topic, [{"partition": partition, "value": b"after restart"}])
    assert (err, p, offset) == (None, partition, expected_offset)


def _log_tails(broker, topic):
    """(file size, end of the last whole batch found by walking batch lengths) per .log file."""
    tails = []
    for d in glob.glob(os.path.join(broker.data_dir, f"{topic}-*")):
        for path in glob.glob(os.path.join(d, "*.log")):
            with open(path, "rb") as f:
                data = f.read()
            pos = 0
            while pos + 12 <= len(data):
                length = struct.unpack_from(">i", data, pos + 8)[0]
                if length <= 0 or pos + 12 + length > len(data):
                    break
                pos += 12 + length
            tails.append((len(data), pos))
    return tails


@pytest.mark.parametrize("how", ["sigterm", "kill9"])
def test_acked_records_survive_restart(broker_factory, clients_dir, how):
    broker = broker_factory(args=["--num.partitions=3"])
    topic = f"restart-{how}"
    count = 150_000
    out = roundtrip(clients_dir, broker, topic, 3, count, "acks=all", "phase=produce")
    assert_complete_roundtrip(out, count, "produce")
    ts = str(out["timestamp_base"])
    # preallocate (the default): the active segments run on into allocated zeros...
    assert any(size > end for size, end in _log_tails(broker, topic))
    if how == "sigterm":
        broker.restart()  # asserts exit code 0
    else:
        broker.kill9()
        broker.restart()
    # ...which a clean shutdown cuts, and so does recovery after kill -9.
    assert all(size == end for size, end in _log_tails(broker, topic))
    assert raw_offsets(broker, topic, range(3)) == {p: (0, count // 3) for p in range(3)}
    out = roundtrip(clients_dir, broker, topic, 3, count, "phase=consume", f"timestamp.base={ts}")
    assert_complete_roundtrip(out, count, "consume")
    _append_and_check(broker, topic, 1, count // 3)

    # And again, after records were appended to the recovered log.
    broker.kill9()
    broker.restart()
    assert raw_offsets(broker, topic, range(3)) == {
        p: (0, count // 3 + (1 if p == 1 else 0)) for p in range(3)}
    got = consume_partitions(broker.bootstrap, topic, [1])[1]
    assert len(got) == count // 3 + 1 and got[-1]["value"] == b"after restart"
