"""DeleteRecords (key 21) and OffsetForLeaderEpoch (key 23).

DeleteRecords through kafkajs 2.2.4's admin client (deleteTopicRecords, v0-1) and raw at v2
(flexible): the low watermark moves, consumers starting from the earliest offset begin
there, the new log start survives kill -9, and Kafka's errors for an offset past the high
watermark, a compact-only topic and an unknown partition. OffsetForLeaderEpoch is spoken
raw at v0-v4: no client in the matrix sends it (librdkafka 2.0.2 predates KIP-320 there,
kafkajs and kafka-python never do), but newer clients validate positions with it.
"""

import json
import os
import shutil
import subprocess

import pytest

import kafka_raw
import kafka_records
from gregor_fixture import REPO_ROOT
from kafka_raw import Writer
from test_admin_raw import create_topics, new_topic

NODE_DIR = os.path.join(REPO_ROOT, "tests", "integration", "node")
DELETE_RECORDS, OFFSET_FOR_LEADER_EPOCH = 21, 23
POLICY_VIOLATION, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH = 44, 74, 75


def delete_records(conn, topic, partitions, version=2):
    """partitions: {partition: offset}. Returns {partition: (low_watermark, error_code)}."""
    f = version >= 2

    def part(w, kv):
        w.int32(kv[0]).int64(kv[1])
        if f:
            w.tagged_fields()

    def top(w, t):
        w.string(t, f).array(sorted(partitions.items()), part, f)
        if f:
            w.tagged_fields()

    w = Writer().array([topic], top, f).int32(5000)
    if f:
        w.tagged_fields()
    r = conn.request(DELETE_RECORDS, version, w.getvalue())
    r.int32()  # throttle

    def presult(rr):
        out = (rr.int32(), rr.int64(), rr.int16())
        if f:
            rr.tagged_fields()
        return out

    def tresult(rr):
        name = rr.string(f)
        parts = rr.array(presult, f)
        if f:
            rr.tagged_fields()
        return name, parts

    topics = r.array(tresult, f)
    if f:
        r.tagged_fields()
    r.expect_end()
    assert [t[0] for t in topics] == [topic]
    return {p: (low, err) for p, low, err in topics[0][1]}


def offset_for_leader_epoch(conn, topic, partitions, version=4):
    """partitions: [(partition, current_leader_epoch, leader_epoch)].
    Returns {partition: (error_code, leader_epoch, end_offset)}."""
    f = version >= 4

    def part(w, p):
        w.int32(p[0])
        if version >= 2:
            w.int32(p[1])
        w.int32(p[2])
        if f:
            w.tagged_fields()

    def top(w, t):
        w.string(t, f).array(partitions, part, f)
        if f:
            w.tagged_fields()

    w = Writer()
    if version >= 3:
        w.int32(-1)  # replica id: a consumer
    w.array([topic], top, f)
    if f:
        w.tagged_fields()
    r = conn.request(OFFSET_FOR_LEADER_EPOCH, version, w.getvalue())
    if version >= 2:
        r.int32()  # throttle

    def presult(rr):
        err, part_ = rr.int16(), rr.int32()
        epoch = rr.int32() if version >= 1 else None
        end = rr.int64()
        if f:
            rr.tagged_fields()
        return part_, (err, epoch, end)

    def tresult(rr):
        name = rr.string(f)
        parts = rr.array(presult, f)
        if f:
            rr.tagged_fields()
        return name, parts

    topics = r.array(tresult, f)
    if f:
        r.tagged_fields()
    r.expect_end()
    return dict(topics[0][1])


def produce(conn, topic, partition, n):
    batch = kafka_records.encode_batch([(None, b"v%d" % i) for i in range(n)])
    r = kafka_raw.produce_one(conn, topic, partition, batch)
    assert r["error_code"] == 0, r


def test_kafkajs_delete_topic_records(broker_factory):
    node = shutil.which("node")
    if node is None or not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "kafkajs")):
        pytest.fail("node and kafkajs are needed (run scripts/setup.sh)", pytrace=False)
    broker = broker_factory(args=["--num.partitions=2", "--group.initial.rebalance.delay.ms=0"])
    topic = "js.delete.records"
    broker.create_topic(topic)
    p = subprocess.run([node, os.path.join(NODE_DIR, "kafkajs_delete_records.js"),
                        broker.bootstrap, topic],
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, f"kafkajs_delete_records.js exited {p.returncode}\n{p.stderr}"
    out = json.loads(p.stdout)
    assert out["offsets"] == [{"partition": 0, "low": "4", "high": "10"},
                              {"partition": 1, "low": "10", "high": "10"}]
    assert out["past_end"] == {"error": ["OFFSET_OUT_OF_RANGE"]}
    assert out["read"] == [[i, f"v{i}"] for i in range(4, 10)]


def test_delete_records_raw_errors_and_kill9(broker_factory):
    broker = broker_factory(args=["--num.partitions=1"])
    topic = "raw.delete.records"
    broker.create_topic(topic)
    with broker.connect() as c:
        produce(c, topic, 0, 20)
        assert delete_records(c, topic, {0: 7}) == {0: (7, 0)}
        # Never backwards: a lower offset keeps the current log start.
        assert delete_records(c, topic, {0: 3}) == {0: (7, 0)}
        assert delete_records(c, topic, {0: 21}) == {0: (-1, kafka_raw.OFFSET_OUT_OF_RANGE)}
        assert delete_records(c, topic, {0: -5}) == {0: (-1, kafka_raw.OFFSET_OUT_OF_RANGE)}
        assert delete_records(c, topic, {1: 0}) == {
            1: (-1, kafka_raw.UNKNOWN_TOPIC_OR_PARTITION)}
        assert delete_records(c, "no.such.topic", {0: 0}, version=0) == {
            0: (-1, kafka_raw.UNKNOWN_TOPIC_OR_PARTITION)}
        # A fetch below the new start is out of range; from it, records 7.. come back.
        f = kafka_raw.fetch_one(c, topic, 0, 2)
        assert f["error_code"] == kafka_raw.OFFSET_OUT_OF_RANGE, f
        batches, hw = kafka_raw.fetch_all_batches(c, topic, 0, offset=7)
        assert batches and hw == 20, (batches, hw)
        result = create_topics(c, [new_topic("raw.compacted", 1, 1,
                                             {"cleanup.policy": "compact"})])
        assert result["raw.compacted"]["error_code"] == 0
        produce(c, "raw.compacted", 0, 3)
        assert delete_records(c, "raw.compacted", {0: 2}) == {0: (-1, POLICY_VIOLATION)}
    broker.kill9()
    broker.restart()
    with broker.connect() as c:
        assert kafka_raw.list_offset(c, topic, 0, kafka_raw.EARLIEST_TIMESTAMP)["offset"] == 7
        assert kafka_raw.list_offset(c, topic, 0, kafka_raw.LATEST_TIMESTAMP)["offset"] == 20
        assert delete_records(c, topic, {0: -1}, version=1) == {0: (20, 0)}
        assert kafka_raw.list_offset(c, topic, 0, kafka_raw.EARLIEST_TIMESTAMP)["offset"] == 20


@pytest.mark.parametrize("version", [0, 1, 2, 3, 4])
def test_offset_for_leader_epoch(broker, version):
    topic = f"raw.epochs.v{version}"
    broker.create_topic(topic)
    with broker.connect() as c:
        produce(c, topic, 0, 5)
        got = offset_for_leader_epoch(c, topic, [(0, -1, 0), (0, 0, 3), (9, -1, 0)], version)
    # Repeated partitions collapse in the dict; check them one request at a time below.
    assert got[9][0] == kafka_raw.UNKNOWN_TOPIC_OR_PARTITION
    with broker.connect() as c:
        cur = offset_for_leader_epoch(c, topic, [(0, 0, 0)], version)[0]
        later = offset_for_leader_epoch(c, topic, [(0, -1, 7)], version)[0]
        epoch1 = 0 if version >= 1 else None
        assert cur == (0, epoch1, 5)
        assert later == (0, -1 if version >= 1 else None, -1)
        if version >= 2:
            # -1 means the client knows no epoch; anything below 0 is older than ours.
            fenced = offset_for_leader_epoch(c, topic, [(0, -2, 0)], version)[0]
            assert fenced[0] == FENCED_LEADER_EPOCH
            unknown = offset_for_leader_epoch(c, topic, [(0, 5, 0)], version)[0]
            assert unknown[0] == UNKNOWN_LEADER_EPOCH
