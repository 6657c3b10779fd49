"""`gregor produce` and `gregor consume` end to end: keys, headers, partitions, start
offsets, formats, JSON lines, and interoperation with another client (confluent-kafka)."""

import json

from confluent_kafka import Producer

from test_cli_topics import fails, ok


def consume(broker, topic, *args):
    return ok(broker, "consume", topic, "--exit-at-end", *args)


def test_produce_then_consume_with_keys_and_headers(broker):
    ok(broker, "topic", "create", "events", "-p", "1")
    ok(broker, "produce", "events", "--key-separator", ":", "-H", "source=cli", "-H", "v=2",
       input="user-1:signed up\nuser-2:logged in\nno key here\n:empty key\n")
    out = consume(broker, "events", "--from-beginning", "--format", "%o|%k|%s|%h\\n")
    assert out.splitlines() == [
        "0|user-1|signed up|source=cli,v=2",
        "1|user-2|logged in|source=cli,v=2",
        "2||no key here|source=cli,v=2",
        "3||empty key|source=cli,v=2",
    ]
    lines = [json.loads(l) for l in
             consume(broker, "events", "--from-beginning", "-o", "json").splitlines()]
    assert [(r["offset"], r["key"], r["value"]) for r in lines] == [
        (0, "user-1", "signed up"), (1, "user-2", "logged in"), (2, None, "no key here"),
        (3, "", "empty key")]
    assert lines[0]["headers"] == {"source": "cli", "v": "2"}
    assert lines[0]["topic"] == "events" and lines[0]["partition"] == 0
    assert lines[0]["timestamp"] > 1_600_000_000_000


def test_default_format_and_start_offsets(broker):
    ok(broker, "topic", "create", "nums", "-p", "1")
    ok(broker, "produce", "nums", input="".join(f"{i}\n" for i in range(10)))
    assert consume(broker, "nums", "--from-beginning") == "".join(f"{i}\n" for i in range(10))
    assert consume(broker, "nums", "--offset", "7") == "7\n8\n9\n"
    assert consume(broker, "nums", "--offset", "-2") == "8\n9\n"
    assert consume(broker, "nums", "--offset", "earliest", "--max-messages", "3") == "0\n1\n2\n"
    assert consume(broker, "nums") == ""  # default: only new records
    fails(broker, "consume", "nums", "--offset", "soon", error="INVALID_REQUEST")


def test_partitions(broker):
    ok(broker, "topic", "create", "parts", "-p", "3")
    for p in range(3):
        ok(broker, "produce", "parts", "--partition", str(p), input=f"to-{p}\n")
    assert consume(broker, "parts", "--from-beginning", "-p", "2") == "to-2\n"
    out = consume(broker, "parts", "--from-beginning", "--format", "%p:%s\\n")
    assert sorted(out.splitlines()) == ["0:to-0", "1:to-1", "2:to-2"]
    fails(broker, "consume", "parts", "-p", "9", error="UNKNOWN_TOPIC_OR_PARTITION")
    fails(broker, "produce", "parts", "--partition", "9", input="x\n",
          error="UNKNOWN_TOPIC_OR_PARTITION")


def test_missing_topic(broker_factory):
    broker = broker_factory(args=["--auto.create.topics.enable=false"])
    fails(broker, "consume", "nope", "-e", error="UNKNOWN_TOPIC_OR_PARTITION")
    fails(broker, "produce", "nope", input="x\n", error="UNKNOWN_TOPIC_OR_PARTITION")


def test_json_summary_of_produce(broker):
    ok(broker, "topic", "create", "summary")
    out = ok(broker, "produce", "summary", "-o", "json", input="a\nb\nc\n")
    assert json.loads(out) == {"topic": "summary", "records": 3}


def test_interoperates_with_another_client(broker):
    ok(broker, "topic", "create", "interop", "-p", "1")
    p = Producer({"bootstrap.servers": broker.bootstrap})
    p.produce("interop", key=b"k", value=b"from confluent", headers=[("h", b"1")])
    assert p.flush(10) == 0
    assert consume(broker, "interop", "--from-beginning", "--format", "%k %s %h\\n") == (
        "k from confluent h=1\n")

    ok(broker, "produce", "interop", "-k", "=", input="k2=from gregor\n")
    # kafka-python without a group: assign and seek, nothing committed.
    from kafka import KafkaConsumer, TopicPartition as KpPartition
    c = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=None,
                      enable_auto_commit=False, consumer_timeout_ms=10000)
    try:
        tp = KpPartition("interop", 0)
        c.assign([tp])
        c.seek(tp, 1)
        msg = next(c)
        assert (msg.key, msg.value, msg.offset) == (b"k2", b"from gregor", 1)
    finally:
        c.close()


def test_compression_codecs(broker):
    ok(broker, "topic", "create", "codecs", "-p", "1")
    for codec in ("gzip", "snappy", "lz4", "zstd"):
        ok(broker, "produce", "codecs", "--compression", codec, input=f"{codec}\n")
    assert consume(broker, "codecs", "--from-beginning") == "gzip\nsnappy\nlz4\nzstd\n"
