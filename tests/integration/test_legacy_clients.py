"""Real clients that predate record batches, from Debian: segmentio/kafka-go 0.2.1 (Produce v2
with magic-1 message sets, Fetch v2, consumer groups with OffsetCommit v2 / OffsetFetch v1)
and Shopify/sarama 1.22.1 with Config.Version 0.10.2.0 (Produce v2, Fetch v3, JoinGroup v1)
and 2.0.0 (record batches, for comparison). Each writes and reads back exactly what was
written, resumes from its committed offsets, and exchanges records with librdkafka
(confluent-kafka-python) in both directions.

The Go programs are in go/ and built on first use (go_clients.py).
"""

import pytest

from client_tools import consume_partitions, run
from go_clients import go_client, parse_lines

KAFKAGO_FIELDS = ("offset", "key", "value")
SARAMA_FIELDS = ("offset", "key", "value", "headers")


def kafkago(broker, topic, *args, timeout=90):
    exe = go_client("kafkago_roundtrip")
    return run([exe, "-brokers", broker.bootstrap, "-topic", topic, "-timeout", "60s", *args],
               timeout=timeout)


def sarama(broker, topic, version, *args, timeout=90):
    exe = go_client("sarama_roundtrip")
    return run([exe, "-brokers", broker.bootstrap, "-topic", topic, "-version", version,
                "-timeout", "60s", *args], timeout=timeout)


def expected(n, prefix="value-", start=0):
    return [(f"k{i}", f"{prefix}{i}") for i in range(start, start + n)]


@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4"])
def test_kafkago_writer_and_group_reader_round_trip_and_resume(broker, codec):
    topic = f"kgo-{codec}"
    broker.create_topic(topic)
    p = kafkago(broker, topic, "produce", "-n", "250", "-codec", codec, "-batch", "50")
    assert "produced 250" in p.stdout
    # A group reader commits each message; a second one in the same group resumes after it.
    got = parse_lines(kafkago(broker, topic, "consume", "-n", "100", "-group", "g").stdout,
                      KAFKAGO_FIELDS)
    assert [(r["key"], r["value"]) for r in got] == expected(100)
    assert [r["offset"] for r in got] == list(range(100))
    kafkago(broker, topic, "produce", "-n", "50", "-prefix", "more-", "-codec", codec)
    got = parse_lines(kafkago(broker, topic, "consume", "-n", "200", "-group", "g").stdout,
                      KAFKAGO_FIELDS)
    assert [(r["key"], r["value"]) for r in got] == expected(150, start=100) + expected(
        50, prefix="more-")
    assert [r["offset"] for r in got] == list(range(100, 300))
    # What kafka-go wrote reads back identically through librdkafka (Fetch v4+).
    out = consume_partitions(broker.bootstrap, topic, [0])[0]
    assert [(m["key"].decode(), m["value"].decode()) for m in out] == expected(250) + expected(
        50, prefix="more-")


@pytest.mark.parametrize("version", ["0.10.2.0", "2.0.0"])
def test_sarama_sync_producer_and_consumer_group_round_trip_and_resume(broker, version):
    topic = f"sarama-{version}"
    broker.create_topic(topic)
    headers = version == "2.0.0"  # magic 0/1 cannot carry headers
    args = ["-headers"] if headers else []
    assert "produced 120" in sarama(broker, topic, version, "produce", "-n", "120",
                                    "-codec", "gzip", *args).stdout
    got = parse_lines(sarama(broker, topic, version, "consume", "-n", "120", "-group", "sg").stdout,
                      SARAMA_FIELDS)
    assert [(r["key"], r["value"]) for r in got] == expected(120)
    assert [r["offset"] for r in got] == list(range(120))
    assert [r["headers"] for r in got] == [f"h={i}" if headers else "" for i in range(120)]
    sarama(broker, topic, version, "produce", "-n", "30", "-prefix", "more-", *args)
    got = parse_lines(sarama(broker, topic, version, "consume", "-n", "30", "-group", "sg").stdout,
                      SARAMA_FIELDS)
    assert [(r["key"], r["value"]) for r in got] == expected(30, prefix="more-")
    assert [r["offset"] for r in got] == list(range(120, 150))


def test_librdkafka_writes_old_clients_read(broker):
    from confluent_kafka import Producer

    topic = "modern-to-old"
    broker.create_topic(topic)
    p = Producer({"bootstrap.servers": broker.bootstrap, "compression.type": "lz4",
                  "linger.ms": 5})
    for i in range(200):
        p.produce(topic, key=f"k{i}".encode(), value=f"value-{i}".encode(), partition=0,
                  headers=[("dropped", b"for old clients")])
    assert p.flush(30) == 0
    got = parse_lines(kafkago(broker, topic, "consume", "-n", "200").stdout, KAFKAGO_FIELDS)
    assert [(r["key"], r["value"]) for r in got] == expected(200)
    assert [r["offset"] for r in got] == list(range(200))
    got = parse_lines(sarama(broker, topic, "0.10.2.0", "consume", "-n", "200", "-group",
                             "old").stdout, SARAMA_FIELDS)
    assert [(r["key"], r["value"], r["headers"]) for r in got] == [
        (k, v, "") for k, v in expected(200)]


def test_old_clients_write_librdkafka_reads(broker):
    topic = "old-to-modern"
    broker.create_topic(topic)
    kafkago(broker, topic, "produce", "-n", "100", "-codec", "snappy")
    sarama(broker, topic, "0.10.2.0", "produce", "-n", "100", "-prefix", "sarama-",
           "-codec", "lz4")
    out = consume_partitions(broker.bootstrap, topic, [0])[0]
    assert [(m["key"].decode(), m["value"].decode()) for m in out] == expected(100) + expected(
        100, prefix="sarama-")
    assert [m["offset"] for m in out] == list(range(200))
    # Magic-1 messages carry the client's CreateTime (type 1), kept by the up-conversion.
    assert all(m["timestamp_type"] == 1 and m["timestamp"] > 0 for m in out)
