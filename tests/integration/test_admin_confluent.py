"""Topic and config administration through librdkafka's admin API (confluent-kafka 1.7.0 on
librdkafka 2.0.2): CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs and
AlterConfigs, with Kafka's error codes for bad input, and the effect of config changes on a
running topic.
"""

import time

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import (AdminClient, ConfigResource, ConfigSource, NewPartitions,
                                   NewTopic)

TIMEOUT_S = 15


def admin_for(broker):
    return AdminClient({"bootstrap.servers": broker.bootstrap, "client.id": "gregor-it-admin"})


def results(futures):
    """{name: None on success or the KafkaError} for a dict of admin futures."""
    out = {}
    for name, f in futures.items():
        try:
            f.result(timeout=TIMEOUT_S)
            out[name] = None
        except KafkaException as e:
            out[name] = e.args[0]
    return out


def create(admin, *topics, validate_only=False):
    return results(admin.create_topics(list(topics), operation_timeout=10, request_timeout=10,
                                       validate_only=validate_only))


def describe_topic_configs(admin, name):
    (f,) = admin.describe_configs([ConfigResource("topic", name)],
                                  request_timeout=10).values()
    return f.result(timeout=TIMEOUT_S)


def topic_partitions(admin):
    md = admin.list_topics(timeout=10)
    return {name: len(t.partitions) for name, t in md.topics.items()}


def assert_error(err, code, text=None):
    assert err is not None, "expected an error"
    assert err.code() == code, f"expected {KafkaError(code).name()}, got {err}"
    if text is not None:
        assert text in err.str(), err.str()


def test_create_describe_delete(broker):
    admin = admin_for(broker)
    res = create(admin, NewTopic("orders", 3, 1, config={"retention.ms": "3600000"}),
                 NewTopic("payments", 1, 1))
    assert res == {"orders": None, "payments": None}
    assert topic_partitions(admin) == {"orders": 3, "payments": 1}
    md = admin.list_topics(timeout=10)
    for p in md.topics["orders"].partitions.values():
        assert p.leader == 1 and p.replicas == [1] and p.isrs == [1], p

    configs = describe_topic_configs(admin, "orders")
    retention = configs["retention.ms"]
    assert retention.value == "3600000"
    assert retention.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    assert not retention.is_default and not retention.is_read_only and not retention.is_sensitive
    # librdkafka asks for synonyms: the override, then the broker default.
    assert list(retention.synonyms) == ["retention.ms", "log.retention.ms"], retention.synonyms
    segment = configs["segment.bytes"]
    assert segment.value == "1073741824" and segment.is_default
    assert segment.source == ConfigSource.DEFAULT_CONFIG.value
    assert list(segment.synonyms) == ["log.segment.bytes"]
    # Every config Kafka documents is listed.
    for name in ("cleanup.policy", "compression.type", "max.message.bytes",
                 "message.timestamp.type", "min.insync.replicas", "retention.bytes",
                 "segment.ms", "unclean.leader.election.enable"):
        assert name in configs, name

    assert results(admin.delete_topics(["orders"], operation_timeout=10)) == {"orders": None}
    assert topic_partitions(admin) == {"payments": 1}
    res = results(admin.delete_topics(["orders"], operation_timeout=10))
    assert_error(res["orders"], KafkaError.UNKNOWN_TOPIC_OR_PART)
    # The name is free again, with a fresh topic.
    assert create(admin, NewTopic("orders", 2, 1)) == {"orders": None}
    assert topic_partitions(admin)["orders"] == 2
    assert "retention.ms" not in {
        k for k, v in describe_topic_configs(admin, "orders").items()
        if v.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value}


def test_create_errors(broker):
    admin = admin_for(broker)
    assert create(admin, NewTopic("user.created", 1, 1)) == {"user.created": None}
    res = create(
        admin,
        NewTopic("user.created", 1, 1),
        NewTopic("user_created", 1, 1),
        NewTopic("three-copies", 1, 3),
        NewTopic("bad-config", 1, 1, config={"retention.mss": "1"}),
        NewTopic("bad-value", 1, 1, config={"retention.ms": "soon"}),
        NewTopic("bad-policy", 1, 1, config={"cleanup.policy": "forever"}),
        NewTopic("tiered", 1, 1, config={"remote.storage.enable": "true"}),
        NewTopic("no-partitions", 0, 1),
        NewTopic("x" * 250, 1, 1),
        NewTopic("bad/name", 1, 1),
    )
    assert_error(res["user.created"], KafkaError.TOPIC_ALREADY_EXISTS)
    assert_error(res["user_created"], KafkaError.TOPIC_EXCEPTION, "collides")
    assert_error(res["three-copies"], KafkaError.INVALID_REPLICATION_FACTOR)
    assert_error(res["bad-config"], KafkaError.INVALID_CONFIG, "retention.mss")
    assert_error(res["bad-value"], KafkaError.INVALID_CONFIG, "retention.ms")
    assert_error(res["bad-policy"], KafkaError.INVALID_CONFIG, "cleanup.policy")
    assert_error(res["tiered"], KafkaError.INVALID_CONFIG, "remote.storage.enable")
    assert_error(res["no-partitions"], KafkaError.INVALID_PARTITIONS)
    assert_error(res["x" * 250], KafkaError.TOPIC_EXCEPTION)
    assert_error(res["bad/name"], KafkaError.TOPIC_EXCEPTION)
    assert topic_partitions(admin) == {"user.created": 1}


def test_validate_only_creates_nothing(broker):
    admin = admin_for(broker)
    res = create(admin, NewTopic("dry", 4, 1, config={"cleanup.policy": "compact"}),
                 NewTopic("dry-bad", 1, 1, config={"nope": "1"}), validate_only=True)
    assert res["dry"] is None
    assert_error(res["dry-bad"], KafkaError.INVALID_CONFIG)
    assert topic_partitions(admin) == {}


def test_explicit_replica_assignment(broker):
    admin = admin_for(broker)
    res = create(admin, NewTopic("assigned", 3, replica_assignment=[[1], [1], [1]]),
                 NewTopic("elsewhere", 1, replica_assignment=[[2]]),
                 NewTopic("twice", 1, replica_assignment=[[1, 1]]))
    assert res["assigned"] is None
    assert_error(res["elsewhere"], KafkaError.INVALID_REPLICA_ASSIGNMENT)
    assert_error(res["twice"], KafkaError.INVALID_REPLICA_ASSIGNMENT)
    assert topic_partitions(admin) == {"assigned": 3}


def test_create_partitions(broker):
    admin = admin_for(broker)
    assert create(admin, NewTopic("grow", 2, 1)) == {"grow": None}
    res = results(admin.create_partitions([NewPartitions("grow", 5)], validate_only=True))
    assert res == {"grow": None}
    assert topic_partitions(admin) == {"grow": 2}
    assert results(admin.create_partitions([NewPartitions("grow", 5)])) == {"grow": None}
    assert topic_partitions(admin) == {"grow": 5}
    res = results(admin.create_partitions([NewPartitions("grow", 3)]))
    assert_error(res["grow"], KafkaError.INVALID_PARTITIONS)
    res = results(admin.create_partitions([NewPartitions("grow", 5)]))
    assert_error(res["grow"], KafkaError.INVALID_PARTITIONS)
    res = results(admin.create_partitions([NewPartitions("missing", 5)]))
    assert_error(res["missing"], KafkaError.UNKNOWN_TOPIC_OR_PART)
    res = results(admin.create_partitions([NewPartitions("grow", 6, [[2]])]))
    assert_error(res["grow"], KafkaError.INVALID_REPLICA_ASSIGNMENT)
    # The new partitions take writes.
    p = Producer({"bootstrap.servers": broker.bootstrap})
    delivered = []
    for part in range(5):
        p.produce("grow", b"v", partition=part,
                  on_delivery=lambda err, msg: delivered.append((err, msg.partition())))
    assert p.flush(TIMEOUT_S) == 0
    assert sorted(d[1] for d in delivered) == list(range(5))
    assert all(d[0] is None for d in delivered), delivered


def test_internal_topics_are_protected(broker):
    """__consumer_offsets (created by the first group commit) cannot be created, grown or
    deleted by clients: the group coordinator maps groups to its partitions."""
    admin = admin_for(broker)
    assert create(admin, NewTopic("t", 1, 1)) == {"t": None}
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "g"})
    try:
        c.commit(offsets=[TopicPartition("t", 0, 0)], asynchronous=False)
    finally:
        c.close()
    assert "__consumer_offsets" in admin.list_topics(timeout=10).topics
    res = create(admin, NewTopic("__consumer_offsets", 1, 1))
    assert_error(res["__consumer_offsets"], KafkaError.TOPIC_ALREADY_EXISTS)
    res = results(admin.create_partitions([NewPartitions("__consumer_offsets", 60)]))
    assert_error(res["__consumer_offsets"], KafkaError.INVALID_REQUEST, "internal")
    res = results(admin.delete_topics(["__consumer_offsets"], operation_timeout=10))
    assert_error(res["__consumer_offsets"], KafkaError.TOPIC_EXCEPTION)


def test_alter_configs_replaces_overrides(broker):
    admin = admin_for(broker)
    assert create(admin, NewTopic("conf", 1, 1, config={"retention.ms": "1000",
                                                         "segment.bytes": "1048576"})) == {
        "conf": None}
    res = results(admin.alter_configs([ConfigResource(
        "topic", "conf", set_config={"cleanup.policy": "compact", "retention.ms": "5000"})]))
    assert list(res.values()) == [None]
    configs = describe_topic_configs(admin, "conf")
    overrides = {k: v.value for k, v in configs.items()
                 if v.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value}
    # AlterConfigs replaces the whole set: segment.bytes is back to its default.
    assert overrides == {"cleanup.policy": "compact", "retention.ms": "5000"}
    assert configs["segment.bytes"].value == "1073741824"

    bad = results(admin.alter_configs([ConfigResource("topic", "conf",
                                                      set_config={"retention.ms": "-7"})]))
    assert_error(list(bad.values())[0], KafkaError.INVALID_CONFIG)
    bad = results(admin.alter_configs([ConfigResource("topic", "conf",
                                                      set_config={"nope.ms": "1"})]))
    assert_error(list(bad.values())[0], KafkaError.INVALID_CONFIG)
    missing = results(admin.alter_configs([ConfigResource("topic", "missing",
                                                          set_config={"retention.ms": "1"})]))
    assert_error(list(missing.values())[0], KafkaError.UNKNOWN_TOPIC_OR_PART)
    # A failed change leaves the overrides as they were.
    overrides = {k: v.value for k, v in describe_topic_configs(admin, "conf").items()
                 if v.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value}
    assert overrides == {"cleanup.policy": "compact", "retention.ms": "5000"}


def test_broker_configs_are_described_static_ones_read_only(broker_factory):
    broker = broker_factory(args=["--num.partitions=3"])
    admin = admin_for(broker)
    (f,) = admin.describe_configs([ConfigResource("broker", "1")]).values()
    configs = f.result(timeout=TIMEOUT_S)
    assert configs["num.partitions"].value == "3"
    assert configs["num.partitions"].source == ConfigSource.STATIC_BROKER_CONFIG.value
    assert configs["log.retention.ms"].value == "604800000"
    assert configs["log.retention.ms"].source == ConfigSource.DEFAULT_CONFIG.value
    assert configs["num.partitions"].is_read_only
    assert not configs["log.retention.ms"].is_read_only
    res = results(admin.alter_configs([ConfigResource("broker", "1",
                                                      set_config={"num.partitions": "5"})]))
    err = list(res.values())[0]
    assert_error(err, KafkaError.INVALID_REQUEST, "num.partitions")


def test_dynamic_broker_configs(broker):
    """Broker defaults of topic configs change at run time, apply at once to topics without
    an override, and survive a restart; AlterConfigs replaces them all."""
    admin = admin_for(broker)
    assert create(admin, NewTopic("plain", 1, 1),
                  NewTopic("own", 1, 1, config={"max.message.bytes": "500000"})) == {
        "plain": None, "own": None}
    res = results(admin.alter_configs([ConfigResource(
        "broker", "1", set_config={"message.max.bytes": "2000", "log.retention.ms": "3600000"})]))
    assert list(res.values()) == [None]
    described = describe_topic_configs(admin, "plain")
    assert described["max.message.bytes"].value == "2000"
    assert described["retention.ms"].value == "3600000"
    assert described["retention.ms"].source == ConfigSource.DYNAMIC_BROKER_CONFIG.value
    assert describe_topic_configs(admin, "own")["max.message.bytes"].value == "500000"
    (f,) = admin.describe_configs([ConfigResource("broker", "1")]).values()
    bconf = f.result(timeout=TIMEOUT_S)
    assert bconf["message.max.bytes"].value == "2000"
    assert bconf["message.max.bytes"].source == ConfigSource.DYNAMIC_BROKER_CONFIG.value

    p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0, "retries": 0,
                  "compression.type": "none"})

    def send(topic, size):
        out = []
        p.produce(topic, b"x" * size, on_delivery=lambda err, msg: out.append(err))
        p.flush(TIMEOUT_S)
        return out[0]

    err = send("plain", 10000)
    assert err is not None and err.code() == KafkaError.MSG_SIZE_TOO_LARGE, err
    assert send("own", 10000) is None
    # A bad value or a static config is refused and changes nothing.
    res = results(admin.alter_configs([ConfigResource(
        "broker", "1", set_config={"message.max.bytes": "lots"})]))
    assert_error(list(res.values())[0], KafkaError.INVALID_REQUEST, "message.max.bytes")

    broker.kill9()
    broker.restart()
    admin = admin_for(broker)
    assert describe_topic_configs(admin, "plain")["max.message.bytes"].value == "2000"
    # The legacy AlterConfigs replaces every dynamic config: naming one drops the other.
    res = results(admin.alter_configs([ConfigResource(
        "broker", "1", set_config={"log.retention.ms": "7200000"})]))
    assert list(res.values()) == [None]
    described = describe_topic_configs(admin, "plain")
    assert described["retention.ms"].value == "7200000"
    assert described["max.message.bytes"].value == "1048588"
    p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0,
                  "compression.type": "none"})
    assert send("plain", 10000) is None


def test_config_change_takes_effect_at_once(broker):
    """max.message.bytes lowered on a live topic rejects a batch that was accepted before."""
    admin = admin_for(broker)
    assert create(admin, NewTopic("limits", 1, 1)) == {"limits": None}
    p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0,
                  "compression.type": "none"})

    def send(size):
        out = []
        p.produce("limits", b"x" * size, on_delivery=lambda err, msg: out.append(err))
        p.flush(TIMEOUT_S)
        return out[0]

    assert send(10000) is None
    res = results(admin.alter_configs([ConfigResource("topic", "limits",
                                                      set_config={"max.message.bytes": "2000"})]))
    assert list(res.values()) == [None]
    err = send(10000)
    assert err is not None and err.code() == KafkaError.MSG_SIZE_TOO_LARGE, err
    assert send(100) is None


def test_min_insync_replicas_refuses_acks_all(broker):
    """One node is one in-sync replica: a topic asking for two refuses acks=all writes with
    NOT_ENOUGH_REPLICAS (acks=1 still works), until the config is lowered on the live topic."""
    admin = admin_for(broker)
    assert create(admin, NewTopic("guarded", 1, 1, config={"min.insync.replicas": "2"})) == {
        "guarded": None}

    def send(acks):
        # NOT_ENOUGH_REPLICAS is retriable; no retries so the error surfaces at once.
        p = Producer({"bootstrap.servers": broker.bootstrap, "acks": acks, "retries": 0,
                      "enable.idempotence": False, "message.timeout.ms": 10000})
        out = []
        p.produce("guarded", b"v", on_delivery=lambda err, msg: out.append(err))
        p.flush(TIMEOUT_S)
        return out[0]

    err = send("all")
    assert err is not None and err.code() == KafkaError.NOT_ENOUGH_REPLICAS, err
    assert send("1") is None
    res = results(admin.alter_configs([ConfigResource("topic", "guarded",
                                                      set_config={"min.insync.replicas": "1"})]))
    assert list(res.values()) == [None]
    assert send("all") is None
    # Exactly the two accepted records were appended; the refused one left nothing behind.
    md = admin.list_topics("guarded", timeout=10)
    assert md.topics["guarded"].error is None
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "guarded-check"})
    try:
        low, high = c.get_watermark_offsets(TopicPartition("guarded", 0), timeout=10)
    finally:
        c.close()
    assert (low, high) == (0, 2)


def test_delete_disabled(broker_factory):
    broker = broker_factory(args=["--delete.topic.enable=false"])
    admin = admin_for(broker)
    assert create(admin, NewTopic("keep", 1, 1)) == {"keep": None}
    res = results(admin.delete_topics(["keep"], operation_timeout=10))
    # librdkafka 2.0.2 sends DeleteTopics v1; Kafka answers INVALID_REQUEST below v3 (the
    # TOPIC_DELETION_DISABLED code only exists from v3).
    assert_error(res["keep"], KafkaError.INVALID_REQUEST)
    assert topic_partitions(admin) == {"keep": 1}


def test_delete_removes_data_directories(broker):
    import os
    admin = admin_for(broker)
    assert create(admin, NewTopic("gone", 3, 1)) == {"gone": None}
    assert sorted(d for d in os.listdir(broker.data_dir) if d.startswith("gone-")) == [
        "gone-0", "gone-1", "gone-2"]
    assert results(admin.delete_topics(["gone"], operation_timeout=10)) == {"gone": None}
    deadline = time.monotonic() + 10
    while any(d.startswith("gone-") for d in os.listdir(broker.data_dir)):
        assert time.monotonic() < deadline, os.listdir(broker.data_dir)
        time.sleep(0.05)
