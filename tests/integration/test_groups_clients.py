"""Consumer groups through kafkajs 2.2.4, kafka-python 2.0.2 and confluent-kafka-python 1.7.0,
and committed offsets that survive a broker restart and kill -9."""

import json
import os
import shutil
import subprocess
import threading
import time

import pytest

from gregor_fixture import REPO_ROOT
import kafka_raw
from test_groups_raw import NONE, offset_commit, offset_fetch, wait_coordinator_loaded

NODE_DIR = os.path.join(REPO_ROOT, "tests", "integration", "node")


def produce(broker, topic, values):
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all"})
    for v in values:
        p.produce(topic, value=v.encode())
    assert p.flush(30) == 0


def kafkajs_group(broker, group, topics, count, timeout_ms=30000):
    node = shutil.which("node")
    if node is None or not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "kafkajs")):
        pytest.fail("node or kafkajs missing (run scripts/setup.sh)", pytrace=False)
    p = subprocess.run([node, os.path.join(NODE_DIR, "kafkajs_group.js"), broker.bootstrap,
                        group, ",".join(topics), str(count), str(timeout_ms)],
                       capture_output=True, text=True, timeout=timeout_ms / 1000 + 60)
    assert p.returncode == 0, f"stdout: {p.stdout}\nstderr: {p.stderr[-4000:]}"
    return json.loads(p.stdout)


@pytest.fixture
def gbroker(broker_factory):
    return wait_coordinator_loaded(broker_factory(
        args=["--group.initial.rebalance.delay.ms=0", "--num.partitions=2"]))


def test_kafkajs_consumer_of_several_topics(gbroker):
    topics = ["notify.orders", "notify.payments", "notify.shipments"]
    for t in topics:
        gbroker.create_topic(t)
        produce(gbroker, t, [f"{t}-{i}" for i in range(20)])
    first = kafkajs_group(gbroker, "notifier", topics, 60)
    assert sorted(m[3] for m in first["messages"]) == sorted(
        f"{t}-{i}" for t in topics for i in range(20))
    d = first["described"]
    assert (d["state"], d["protocolType"], d["protocol"]) == ("Stable", "consumer",
                                                             "RoundRobinAssigner"), d
    assert len(d["members"]) == 1 and d["members"][0]["memberAssignment"] > 0, d
    for t in topics:
        offsets = {p["partition"]: int(p["offset"]) for p in first["committed"][t]}
        by_partition = {}
        for topic, p, o, _ in first["messages"]:
            if topic == t:
                by_partition[p] = max(by_partition.get(p, -1), o)
        # A partition the (sticky) partitioner left empty has no commit: -1.
        assert offsets == {p: by_partition[p] + 1 if p in by_partition else -1
                           for p in offsets}, (t, offsets)
        assert set(by_partition) <= set(offsets), (t, offsets)

    # New records only: the group resumes from its commits.
    for t in topics:
        produce(gbroker, t, [f"{t}-new-{i}" for i in range(5)])
    second = kafkajs_group(gbroker, "notifier", topics, 15)
    assert sorted(m[3] for m in second["messages"]) == sorted(
        f"{t}-new-{i}" for t in topics for i in range(5))


def test_kafka_python_group_consumer_and_admin(gbroker):
    from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

    topic = "kp-topic"
    gbroker.create_topic(topic)
    produce(gbroker, topic, [f"kp-{i}" for i in range(10)])

    def consumer():
        return KafkaConsumer(topic, group_id="kp-group", bootstrap_servers=gbroker.bootstrap,
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             consumer_timeout_ms=15000, session_timeout_ms=10000,
                             heartbeat_interval_ms=1000)

    c = consumer()
    got = []
    for msg in c:
        got.append((msg.partition, msg.offset, msg.value.decode()))
        if len(got) == 6:
            break
    c.commit()
    committed = {p: c.committed(TopicPartition(topic, p)) for p in (0, 1)}
    assert sum(v or 0 for v in committed.values()) == 6, committed
    admin = KafkaAdminClient(bootstrap_servers=gbroker.bootstrap)
    try:
        groups = dict(admin.list_consumer_groups())
        assert groups.get("kp-group") == "consumer", groups
        [desc] = admin.describe_consumer_groups(["kp-group"])
        assert desc.state == "Stable" and desc.protocol_type == "consumer", desc
        assert len(desc.members) == 1, desc
        offsets = admin.list_consumer_group_offsets("kp-group")
        assert {tp.partition: om.offset for tp, om in offsets.items()} == \
            {p: o for p, o in committed.items() if o is not None}, offsets
    finally:
        admin.close()
    c.close()
    c2 = consumer()
    rest = [(m.partition, m.offset, m.value.decode()) for m in c2]
    c2.close()
    assert sorted(v for _, _, v in got + rest) == sorted(f"kp-{i}" for i in range(10))
    assert not set(got) & set(rest)


def test_confluent_kafka_commit_and_list_groups(gbroker):
    from confluent_kafka import Consumer, TopicPartition
    from confluent_kafka.admin import AdminClient

    topic = "ck-topic"
    gbroker.create_topic(topic)
    produce(gbroker, topic, [f"ck-{i}" for i in range(8)])
    c = Consumer({"bootstrap.servers": gbroker.bootstrap, "group.id": "ck-group",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe([topic])
    seen = 0
    deadline = time.monotonic() + 30
    while seen < 8 and time.monotonic() < deadline:
        m = c.poll(1.0)
        if m is not None and not m.error():
            seen += 1
            c.commit(message=m, asynchronous=False)
    assert seen == 8
    parts = c.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)], timeout=10)
    assert sum(p.offset for p in parts if p.offset >= 0) == 8, parts
    admin = AdminClient({"bootstrap.servers": gbroker.bootstrap})
    groups = {g.id: g for g in admin.list_groups(timeout=10)}
    assert groups["ck-group"].state == "Stable" and groups["ck-group"].protocol_type == \
        "consumer", groups["ck-group"].__dict__
    assert len(groups["ck-group"].members) == 1
    c.close()


def committed_offsets(broker, group, topic, partitions):
    with broker.connect() as conn:
        for _ in range(100):
            got = offset_fetch(conn, 7, group, {topic: list(partitions)})
            if got["error_code"] == NONE:
                return {p: got["offsets"][(topic, p)]["offset"] for p in partitions}
            time.sleep(0.05)  # COORDINATOR_LOAD_IN_PROGRESS just after a start
    raise AssertionError(f"offsets of {group} not readable: {got}")


def test_committed_offsets_survive_restart_and_kill9(gbroker):
    topic = "durable"
    gbroker.create_topic(topic)
    with gbroker.connect() as c:
        assert offset_commit(c, 8, "g1", {topic: {0: (42, "m"), 1: 7}}) == \
            {(topic, 0): NONE, (topic, 1): NONE}
    gbroker.restart()
    assert committed_offsets(gbroker, "g1", topic, (0, 1)) == {0: 42, 1: 7}
    with gbroker.connect() as c:
        got = offset_fetch(c, 7, "g1", {topic: [0]})["offsets"][(topic, 0)]
        assert got["metadata"] == "m"
        assert offset_commit(c, 8, "g1", {topic: {0: 43}}) == {(topic, 0): NONE}
    gbroker.kill9()
    gbroker.start()
    assert committed_offsets(gbroker, "g1", topic, (0, 1)) == {0: 43, 1: 7}


def test_acknowledged_commits_survive_kill9_under_load(gbroker):
    """Commits racing a kill -9: every commit the broker acknowledged is still there after
    the restart (the answer waits for the fdatasync), from several committers at once."""
    topic = "hammer"
    gbroker.create_topic(topic)
    acked = {}
    stop = threading.Event()

    def committer(group):
        n = 0
        try:
            with kafka_raw.KafkaConnection(gbroker.host, gbroker.port, timeout=5) as c:
                while not stop.is_set():
                    n += 1
                    if offset_commit(c, 8, group, {topic: {0: n}}) == {(topic, 0): NONE}:
                        acked[group] = n
        except (OSError, kafka_raw.ConnectionClosed, kafka_raw.ResponseTimeout,
                kafka_raw.DecodeError):
            pass  # the broker died under us

    threads = [threading.Thread(target=committer, args=(f"h{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    gbroker.kill9()
    stop.set()
    for t in threads:
        t.join(10)
    assert len(acked) == 4 and all(v > 10 for v in acked.values()), acked
    gbroker.start()
    for group, n in acked.items():
        assert committed_offsets(gbroker, group, topic, (0,))[0] >= n, (group, n)
