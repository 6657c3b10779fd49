"""Topic metadata stays consistent when the broker is killed (SIGKILL) around CreateTopics,
CreatePartitions, AlterConfigs and DeleteTopics: after a restart, Metadata, topics.json and
the partition directories agree, every listed partition takes writes, and a deleted topic's
data never comes back.

Crash points inside one request are reached two ways: by reproducing on disk the state a
crash between two steps leaves (registry written, directories not yet created or not yet
removed), and by killing the broker at random moments while a client runs admin operations.
"""

import json
import os
import random
import threading
import time

from confluent_kafka import KafkaException, Producer
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

TIMEOUT_S = 15


def admin_for(broker):
    return AdminClient({"bootstrap.servers": broker.bootstrap, "client.id": "gregor-it-crash",
                        "socket.timeout.ms": 2000})


def must(futures):
    for name, f in futures.items():
        f.result(timeout=TIMEOUT_S)


def registry(broker):
    with open(os.path.join(broker.data_dir, "topics.json")) as f:
        doc = json.load(f)
    return {t["name"]: t for t in doc["topics"]}


def partition_dirs(broker):
    """{(topic, partition)} of live partition directories (not those queued for deletion)."""
    out = set()
    for name in os.listdir(broker.data_dir):
        path = os.path.join(broker.data_dir, name)
        if not os.path.isdir(path) or name.endswith("-delete") or "-" not in name:
            continue
        topic, _, part = name.rpartition("-")
        if part.isdigit():
            out.add((topic, int(part)))
    return out


def metadata_topics(broker):
    md = broker.metadata(version=12, topics=None)
    out = {}
    for t in md["topics"]:
        assert t["error_code"] == 0, t
        for p in t["partitions"]:
            assert p["leader_id"] == 1 and p["error_code"] == 0, t
        out[t["name"]] = len(t["partitions"])
    return out


def produce_to_each_partition(broker, topics):
    p = Producer({"bootstrap.servers": broker.bootstrap, "message.timeout.ms": 10000})
    errors = []
    for name, count in topics.items():
        for part in range(count):
            p.produce(name, b"after-restart", partition=part,
                      on_delivery=lambda err, msg: err and errors.append((msg.topic(), err)))
    assert p.flush(TIMEOUT_S) == 0
    assert errors == []


def admin_client_watermarks(broker, topic, partition):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused"})
    try:
        return c.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
    finally:
        c.close()


def assert_consistent(broker):
    """Metadata = registry = directories, and every partition takes writes."""
    reg = registry(broker)
    md = metadata_topics(broker)
    assert md == {name: t["partitions"] for name, t in reg.items()}
    expected_dirs = {(name, p) for name, count in md.items() for p in range(count)}
    deadline = time.monotonic() + 10
    while partition_dirs(broker) != expected_dirs:
        assert time.monotonic() < deadline, (partition_dirs(broker), expected_dirs)
        time.sleep(0.05)
    produce_to_each_partition(broker, md)
    return md


def test_kill_after_each_admin_operation(broker):
    admin = admin_for(broker)
    must(admin.create_topics([NewTopic("c.orders", 2, 1, config={"retention.ms": "90000"}),
                              NewTopic("c.doomed", 3, 1)]))
    broker.kill9()
    broker.restart()
    assert assert_consistent(broker) == {"c.orders": 2, "c.doomed": 3}
    assert registry(broker)["c.orders"]["configs"] == {"retention.ms": "90000"}

    admin = admin_for(broker)
    must(admin.create_partitions([NewPartitions("c.orders", 4)]))
    must(admin.alter_configs([ConfigResource("topic", "c.orders",
                                             set_config={"cleanup.policy": "compact"})]))
    must(admin.delete_topics(["c.doomed"], operation_timeout=10))
    broker.kill9()
    broker.restart()
    assert assert_consistent(broker) == {"c.orders": 4}
    assert registry(broker)["c.orders"]["configs"] == {"cleanup.policy": "compact"}


def test_crash_between_registry_delete_and_directory_removal(broker):
    """DeleteTopics writes the registry first: directories left behind are removed at start,
    and a topic re-created under the same name starts empty."""
    admin = admin_for(broker)
    must(admin.create_topics([NewTopic("c.zombie", 2, 1), NewTopic("c.keep", 1, 1)]))
    produce_to_each_partition(broker, {"c.zombie": 2})
    broker.kill9()
    # The state a crash after the registry write of DeleteTopics leaves.
    path = os.path.join(broker.data_dir, "topics.json")
    with open(path) as f:
        doc = json.load(f)
    doc["topics"] = [t for t in doc["topics"] if t["name"] != "c.zombie"]
    with open(path, "w") as f:
        json.dump(doc, f)
    broker.restart()
    assert assert_consistent(broker) == {"c.keep": 1}
    assert "removed partition c.zombie-0" in broker.stderr_text()

    admin = admin_for(broker)
    must(admin.create_topics([NewTopic("c.zombie", 2, 1)]))
    # No data of the deleted incarnation: the high watermarks are 0.
    low_high = [admin_client_watermarks(broker, "c.zombie", part) for part in range(2)]
    assert low_high == [(0, 0), (0, 0)]


def test_crash_between_registry_write_and_directory_creation(broker):
    """CreateTopics and CreatePartitions write the registry first: missing partition
    directories are created at start."""
    admin = admin_for(broker)
    must(admin.create_topics([NewTopic("c.half", 3, 1)]))
    broker.kill9()
    import shutil
    for part in (1, 2):
        shutil.rmtree(os.path.join(broker.data_dir, f"c.half-{part}"))
    broker.restart()
    assert assert_consistent(broker) == {"c.half": 3}


def test_random_kills_during_admin_operations(broker):
    rng = random.Random(20240611)
    succeeded = [0]
    for round_ in range(8):
        admin = admin_for(broker)
        stop = threading.Event()

        def churn():
            i = 0
            while not stop.is_set():
                name = f"r.t{i % 4}"
                try:
                    ops = [
                        lambda: admin.create_topics([NewTopic(name, rng.randint(1, 3), 1)]),
                        lambda: admin.create_partitions([NewPartitions(name, rng.randint(2, 5))]),
                        lambda: admin.alter_configs([ConfigResource(
                            "topic", name, set_config={"retention.ms": str(rng.randint(1, 9) * 1000)})]),
                        lambda: admin.delete_topics([name], operation_timeout=5),
                    ]
                    for f in ops[rng.randrange(len(ops))]().values():
                        f.result(timeout=5)
                    succeeded[0] += 1
                except (KafkaException, Exception):  # errors are expected around the kill
                    pass
                i += 1

        t = threading.Thread(target=churn, daemon=True)
        t.start()
        time.sleep(rng.uniform(0.05, 0.4))
        broker.kill9()
        stop.set()
        t.join(20)
        broker.restart()
        assert_consistent(broker)
    assert succeeded[0] > 10, "the churn thread hardly ran; the test proves little"
