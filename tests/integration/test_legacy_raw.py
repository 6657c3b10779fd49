"""Legacy message sets (magic 0/1) over the raw protocol: Produce v0-2 up-conversion,
Fetch v0-3 down-conversion, ListOffsets v0.

What old clients send and expect: ../shared/reference/client-compat.md (sarama, kafka-go,
kafka-python). Checks are against the bytes on the wire: record batches read back with
Fetch v12, legacy message sets parsed by kafka_records.parse_legacy_set.
"""

import time

import pytest

import kafka_raw
import kafka_records
from client_tools import consume_partitions

TS = 1_700_000_000_000


def produce_legacy(c, topic, records, version=2, partition=0):
    return kafka_raw.produce_one(c, topic, partition, records, version=version)


def latest(c, topic, partition=0):
    return kafka_raw.list_offset(c, topic, partition)["offset"]


def fetch_legacy(c, topic, offset, version=2, partition=0, **kw):
    p = kafka_raw.fetch_one(c, topic, partition, offset, version=version, **kw)
    assert p["error_code"] == kafka_raw.NONE, p
    return p, kafka_records.parse_legacy_set(p["records"] or b"")


def batches(c, topic, partition=0):
    got, _ = kafka_raw.fetch_all_batches(c, topic, partition)
    return got


@pytest.mark.parametrize("magic,version", [(0, 0), (0, 1), (1, 2)])
def test_uncompressed_legacy_produce_is_stored_as_a_record_batch(broker, magic, version):
    topic = f"legacy-plain-{magic}-{version}"
    broker.create_topic(topic)
    msgs = b"".join(kafka_records.encode_legacy_message(k, v, magic=magic, timestamp=TS + i,
                                                        offset=99)
                    for i, (k, v) in enumerate([(b"k0", b"v0"), (None, b"v1"), (b"k2", None)]))
    with broker.connect() as c:
        r = produce_legacy(c, topic, msgs, version=version)
        assert (r["error_code"], r["base_offset"]) == (0, 0), r
        r = produce_legacy(c, topic, kafka_records.encode_legacy_message(b"k3", b"v3", magic=magic),
                           version=version)
        assert (r["error_code"], r["base_offset"]) == (0, 3), r
        got = batches(c, topic)
    assert [b["magic"] for b in got] == [2, 2] and all(b["crc_ok"] for b in got)
    records = [r for b in got for r in b["records"]]
    assert [(r["offset"], r["key"], r["value"]) for r in records] == [
        (0, b"k0", b"v0"), (1, None, b"v1"), (2, b"k2", None), (3, b"k3", b"v3")]
    # Magic 0 has no timestamps (Kafka's NO_TIMESTAMP, -1); magic 1 keeps the client's.
    want = [-1, -1, -1, -1] if magic == 0 else [TS, TS + 1, TS + 2, TS]
    assert [r["timestamp"] for r in records] == want


# Magic-0 lz4 is left out: it used the pre-KIP-57 frame checksum (README, Limits).
@pytest.mark.parametrize("codec,magic", [("gzip", 0), ("snappy", 0), ("gzip", 1), ("snappy", 1),
                                         ("lz4", 1)])
def test_compressed_wrappers_are_up_converted_with_their_codec(broker, codec, magic):
    topic = f"legacy-{codec}-{magic}"
    broker.create_topic(topic)
    w1 = kafka_records.encode_legacy_wrapper(codec, [(b"a", b"1"), (b"b", b"2")], magic=magic,
                                             offset=1)
    w2 = kafka_records.encode_legacy_wrapper(codec, [(None, b"3")], magic=magic, offset=0)
    with broker.connect() as c:
        r = produce_legacy(c, topic, w1 + w2, version=2 if magic else 0)
        assert (r["error_code"], r["base_offset"]) == (0, 0), r
        got = batches(c, topic)
        assert len(got) == 1 and got[0]["codec"] == kafka_records.CODECS[codec], got
        assert got[0]["record_count"] == 3 and got[0]["crc_ok"]
        # Read back down-converted, through a wrapper again.
        _, msgs = fetch_legacy(c, topic, 0, version=2 if magic else 0)
    assert [(m["offset"], m["key"], m["value"]) for m in msgs] == [
        (0, b"a", b"1"), (1, b"b", b"2"), (2, None, b"3")]
    assert all(m["crc_ok"] for m in msgs)
    out = consume_partitions(broker.bootstrap, topic, [0])[0]
    assert [(m["key"], m["value"]) for m in out] == [(b"a", b"1"), (b"b", b"2"), (None, b"3")]


def corrupt_sets():
    good = kafka_records.encode_legacy_message(b"k", b"v")
    bad_crc = bytearray(good)
    bad_crc[-1] ^= 1
    nested = kafka_records.encode_legacy_message(
        None, kafka_records.legacy_compress("gzip", kafka_records.encode_legacy_wrapper(
            "gzip", [(b"k", b"v")])), attributes=1)
    bad_inner = kafka_records.encode_legacy_message(
        None, kafka_records.legacy_compress("gzip", bytes(bad_crc)), attributes=1)
    too_long = bytearray(good)
    too_long[8:12] = (len(good) + 10).to_bytes(4, "big")
    return {
        "crc of the second message": good + bytes(bad_crc),
        "truncated": (good + good)[:-3],
        "size beyond the set": bytes(too_long),
        "compressed inside compressed": nested,
        "corrupt inner message": bad_inner,
        "wrapper that is not gzip": kafka_records.encode_legacy_message(None, b"junk",
                                                                        attributes=1),
    }


@pytest.mark.parametrize("name", list(corrupt_sets()))
def test_corrupt_legacy_set_is_refused_and_nothing_is_appended(broker, name):
    topic = "legacy-corrupt"
    broker.create_topic(topic)
    with broker.connect() as c:
        for version in (0, 2):
            r = produce_legacy(c, topic, corrupt_sets()[name], version=version)
            assert r["error_code"] == kafka_raw.CORRUPT_MESSAGE, (name, r)
            assert r["base_offset"] == -1, r
        assert latest(c, topic) == 0
        r = produce_legacy(c, topic, kafka_records.encode_legacy_message(b"k", b"fine"))
        assert (r["error_code"], r["base_offset"]) == (0, 0), r


def test_produce_v3_still_refuses_legacy_magic(broker):
    topic = "legacy-v3"
    broker.create_topic(topic)
    with broker.connect() as c:
        r = produce_legacy(c, topic, kafka_records.encode_legacy_message(b"k", b"v"), version=3)
        assert r["error_code"] == kafka_raw.CORRUPT_MESSAGE, r  # INVALID_RECORD before v8
        assert latest(c, topic) == 0


@pytest.mark.parametrize("version,magic", [(0, 0), (1, 0), (2, 1), (3, 1)])
def test_fetch_v0_to_v3_down_converts_record_batches(broker, version, magic):
    topic = f"legacy-down-{version}"
    broker.create_topic(topic)
    plain = kafka_records.encode_batch(
        [(b"k0", b"v0", [("h", b"dropped")], 0), (None, b"v1", (), 5), (b"k2", None, (), 7)],
        base_timestamp=TS)
    with broker.connect() as c:
        assert kafka_raw.produce_one(c, topic, 0, plain)["error_code"] == 0
        p, msgs = fetch_legacy(c, topic, 0, version=version)
        assert p["high_watermark"] == 3
        assert [(m["offset"], m["magic"], m["key"], m["value"]) for m in msgs] == [
            (0, magic, b"k0", b"v0"), (1, magic, None, b"v1"), (2, magic, b"k2", None)]
        assert all(m["crc_ok"] and m["codec"] == 0 for m in msgs)
        want_ts = [TS, TS + 5, TS + 7] if magic == 1 else [None] * 3
        assert [m["timestamp"] for m in msgs] == want_ts
        # From the middle of the batch: the records before the fetch offset are left out.
        _, msgs = fetch_legacy(c, topic, 1, version=version)
        assert [m["offset"] for m in msgs] == [1, 2]
        # At the high watermark: nothing, no error.
        p, msgs = fetch_legacy(c, topic, 3, version=version)
        assert msgs == [] and p["records"] == b""
        p = kafka_raw.fetch_one(c, topic, 0, 10, version=version)
        assert p["error_code"] == kafka_raw.OFFSET_OUT_OF_RANGE, p


def test_fetch_v2_keeps_compression_and_bounds_the_answer(broker):
    topic = "legacy-bounds"
    broker.create_topic(topic)
    big = b"x" * 1000
    with broker.connect() as c:
        for i in range(5):
            r = produce_legacy(c, topic, kafka_records.encode_legacy_message(b"k%d" % i, big))
            assert r["error_code"] == 0, r
        w = kafka_records.encode_legacy_wrapper("gzip", [(b"z1", big), (b"z2", big)], offset=1)
        assert produce_legacy(c, topic, w)["error_code"] == 0
        # partition_max_bytes below one message still returns the first message whole.
        _, msgs = fetch_legacy(c, topic, 0, partition_max_bytes=10)
        assert [m["offset"] for m in msgs] == [0]
        _, msgs = fetch_legacy(c, topic, 0, partition_max_bytes=2500)
        assert [m["offset"] for m in msgs] == [0, 1]
        # Fetch v3's request-level max_bytes bounds the whole answer too.
        _, msgs = fetch_legacy(c, topic, 0, version=3, max_bytes=2500)
        assert [m["offset"] for m in msgs] == [0, 1]
        _, msgs = fetch_legacy(c, topic, 5)
        assert [(m["offset"], m["key"], m["codec"]) for m in msgs] == [(5, b"z1", 1), (6, b"z2", 1)]


def test_log_append_time_topic(broker_factory):
    broker = broker_factory(args=["--log.message.timestamp.type=LogAppendTime"])
    topic = "legacy-lat"
    broker.create_topic(topic)
    before = int(time.time() * 1000)
    with broker.connect() as c:
        r = kafka_raw.produce_one(c, topic, 0, kafka_records.encode_legacy_message(
            b"k", b"v", timestamp=1000), version=2)
        assert r["error_code"] == 0 and r["log_append_time_ms"] >= before, r
        w = kafka_records.encode_legacy_wrapper("snappy", [(b"a", b"1"), (b"b", b"2")],
                                                timestamp=1000)
        assert produce_legacy(c, topic, w)["error_code"] == 0
        _, msgs = fetch_legacy(c, topic, 0)
        _, msgs0 = fetch_legacy(c, topic, 0, version=0)
    assert [m["key"] for m in msgs] == [b"k", b"a", b"b"]
    # The broker's time, flagged LogAppendTime (attribute bit 3), on messages and wrappers.
    assert msgs[0]["timestamp"] >= before and msgs[0]["attributes"] & 0x08
    assert msgs[1]["wrapper_timestamp"] >= before
    assert all(m["magic"] == 0 and m["timestamp"] is None for m in msgs0)


def test_fetch_v0_to_v3_never_returns_control_batches(broker):
    from confluent_kafka import Producer

    topic = "legacy-txn"
    broker.create_topic(topic)
    p = Producer({"bootstrap.servers": broker.bootstrap, "transactional.id": "legacy-txn"})
    p.init_transactions(30)
    for commit in (True, False, True):
        p.begin_transaction()
        p.produce(topic, key=b"k", value=b"committed" if commit else b"aborted", partition=0)
        p.flush(30)
        (p.commit_transaction if commit else p.abort_transaction)(30)
    with broker.connect() as c:
        kinds = [b["attributes"] & 0x20 for b in batches(c, topic)]
        assert kinds.count(0x20) == 3, kinds  # three markers in the log
        for version in range(4):
            _, msgs = fetch_legacy(c, topic, 0, version=version)
            # Old versions have no isolation level: aborted data is read (as Kafka serves it),
            # markers never.
            assert [(m["offset"], m["value"]) for m in msgs] == [
                (0, b"committed"), (2, b"aborted"), (4, b"committed")], (version, msgs)


def test_list_offsets_v0(broker):
    topic = "legacy-offsets"
    broker.create_topic(topic)
    with broker.connect() as c:
        for i in range(3):
            assert produce_legacy(c, topic, kafka_records.encode_legacy_message(
                None, b"v", timestamp=TS + 1000 * i))["error_code"] == 0

        def v0(ts, n=1):
            r = kafka_raw.list_offsets(c, 0, {topic: {0: ts}}, max_num_offsets=n)
            p = r["topics"][topic][0]
            assert p["error_code"] == 0, p
            return p["old_style_offsets"]

        assert v0(-1) == [3]
        assert v0(-2) == [0]
        assert v0(-1, 2) == [3, 0]
        assert v0(-1, 0) == []
        assert v0(TS + 1000) == [1]
        assert v0(TS + 10_000) == [3]
        r = kafka_raw.list_offsets(c, 0, {"no-such-topic": {0: -1}})
        assert r["topics"]["no-such-topic"][0]["error_code"] == kafka_raw.UNKNOWN_TOPIC_OR_PARTITION
