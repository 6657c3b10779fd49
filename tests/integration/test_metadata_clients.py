"""Real Kafka clients read cluster and topic metadata from gregor.

Clients: kcat 1.7.1 and a C program on librdkafka 2.0.2, confluent-kafka-python 1.7.0 (also
librdkafka), kafka-python 2.0.2 (KafkaAdminClient, KafkaConsumer, KafkaClient), and kafkajs 2.2.4.
Topics are created through Metadata auto-creation, since CreateTopics does not exist yet.
"""

import json
import os
import re
import shutil
import subprocess
import time

import pytest

from gregor_fixture import REPO_ROOT

NODE_DIR = os.path.join(REPO_ROOT, "tests", "integration", "node")
CLIENT_TIMEOUT_S = 60


def run(cmd, timeout=CLIENT_TIMEOUT_S, check=True, **kw):
    """Runs a client program; on failure, the assertion shows its stdout and stderr."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL, **kw)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"{cmd} timed out after {timeout} s\nstdout: {e.stdout}\n"
                             f"stderr: {e.stderr}") from None
    if check and p.returncode != 0:
        raise AssertionError(f"{cmd} exited {p.returncode}\nstdout: {p.stdout}\n"
                             f"stderr: {p.stderr}")
    return p


def require_tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not installed (run scripts/setup.sh)", pytrace=False)
    return path


def kcat_json(broker, *args):
    require_tool("kcat")
    p = run(["kcat", "-b", broker.bootstrap, "-m", "10", "-L", "-J", *args])
    try:
        return json.loads(p.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"kcat -L -J printed no JSON: {p.stdout!r}\n{p.stderr}") from None


def kafkajs_metadata(broker, topics=(), missing=""):
    node = require_tool("node")
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "kafkajs")):
        pytest.fail(f"kafkajs not installed in {NODE_DIR} (run scripts/setup.sh)", pytrace=False)
    p = run([node, os.path.join(NODE_DIR, "kafkajs_metadata.js"), broker.bootstrap,
             ",".join(topics), missing])
    return json.loads(p.stdout)


def raw_cluster_id(broker):
    md = broker.metadata(version=12, topics=None)
    assert md["cluster_id"], f"Metadata v12 has no cluster id: {md}"
    return md["cluster_id"]


def raw_topics(broker):
    """{name: (partition count, topic id)} from Metadata v12 for all topics."""
    md = broker.metadata(version=12, topics=None)
    return {t["name"]: (len(t["partitions"]), t["topic_id"]) for t in md["topics"]}


def assert_single_replica_partitions(topic, partitions, leader_key="leader",
                                     replicas_key="replicas", isr_key="isr", id_key="partition"):
    """Each partition of a client's topic description is led by node 1, replicas = isr = [1]."""
    parts = topic["partitions"]
    assert sorted(p[id_key] for p in parts) == list(range(partitions)), topic
    for p in parts:
        assert p[leader_key] == 1, topic
        assert list(p[replicas_key]) == [1], topic
        assert list(p[isr_key]) == [1], topic


# ---------------------------------------------------------------------------------------------
# kcat

def test_kcat_lists_broker_and_topics(broker_factory):
    broker = broker_factory(args=["--num.partitions=3"])
    broker.create_topic("orders")
    broker.create_topic("events")
    require_tool("kcat")

    text = run(["kcat", "-b", broker.bootstrap, "-m", "10", "-L"]).stdout
    assert re.search(r"^ 1 brokers:$", text, re.M), text
    assert re.search(rf"^  broker 1 at 127\.0\.0\.1:{broker.port}( \(controller\))?$", text,
                     re.M), text
    assert "(controller)" in text, f"broker 1 is not shown as the controller:\n{text}"
    for name in ("orders", "events"):
        assert f'topic "{name}" with 3 partitions:' in text, text
    assert len(re.findall(r"partition \d, leader 1, replicas: 1, isrs: 1$", text, re.M)) == 6, text

    md = kcat_json(broker)
    assert md["brokers"] == [{"id": 1, "name": f"127.0.0.1:{broker.port}"}], md
    assert md["controllerid"] == 1, md
    assert md["originating_broker"]["id"] == 1, md
    topics = {t["topic"]: t for t in md["topics"]}
    assert set(topics) == {"orders", "events"}, md
    for t in topics.values():
        assert "error" not in t, t
        assert sorted(p["partition"] for p in t["partitions"]) == [0, 1, 2], t
        for p in t["partitions"]:
            assert p["leader"] == 1 and p["replicas"] == [{"id": 1}] and p["isrs"] == [{"id": 1}], t


def test_kcat_metadata_for_one_topic_auto_creates_it(broker):
    # kcat -L uses a producer handle, which asks for auto-creation (Metadata v4 flag = true).
    deadline = time.monotonic() + 10
    while True:
        md = kcat_json(broker, "-t", "kcat-auto")
        t = {t["topic"]: t for t in md["topics"]}.get("kcat-auto")
        if t and "error" not in t and t["partitions"]:
            break
        assert time.monotonic() < deadline, f"kcat-auto not created: {md}"
        time.sleep(0.1)
    assert [p["partition"] for p in t["partitions"]] == [0], t  # num.partitions defaults to 1
    assert t["partitions"][0]["leader"] == 1, t
    assert "kcat-auto" in raw_topics(broker)


# ---------------------------------------------------------------------------------------------
# librdkafka C program and confluent-kafka-python

def test_rdkafka_c_client(broker_factory, clients_dir):
    exe = os.path.join(clients_dir, "rdkafka_metadata")
    if not os.access(exe, os.X_OK):
        pytest.fail(f"{exe} not built (cmake --build <build dir>)", pytrace=False)
    broker = broker_factory(args=["--num.partitions=4"])
    broker.create_topic("existing")
    out = json.loads(run([exe, broker.bootstrap, "rdkafka-auto", "4"]).stdout)
    assert out["brokers"] == [{"id": 1, "host": "127.0.0.1", "port": broker.port}], out
    assert out["controller_id"] == 1, out
    assert out["cluster_id"] == raw_cluster_id(broker), out
    assert {t["name"] for t in out["all_topics"]} == {"existing", "rdkafka-auto"}, out


def test_confluent_kafka_admin_list_topics(broker_factory):
    from confluent_kafka.admin import AdminClient

    broker = broker_factory(args=["--num.partitions=2"])
    broker.create_topic("ck-topic")
    admin = AdminClient({"bootstrap.servers": broker.bootstrap, "client.id": "gregor-it-ck"})
    md = admin.list_topics(timeout=10)
    assert set(md.brokers) == {1}, md.brokers
    assert (md.brokers[1].host, md.brokers[1].port) == ("127.0.0.1", broker.port)
    assert md.controller_id == 1
    assert md.orig_broker_id == 1
    assert md.cluster_id == raw_cluster_id(broker)
    assert set(md.topics) == {"ck-topic"}, md.topics
    t = md.topics["ck-topic"]
    assert t.error is None, t.error
    assert sorted(t.partitions) == [0, 1]
    for p in t.partitions.values():
        assert p.error is None and p.leader == 1 and p.replicas == [1] and p.isrs == [1], p


# ---------------------------------------------------------------------------------------------
# kafka-python

def test_kafka_python_admin_client(broker_factory):
    from kafka import KafkaAdminClient

    broker = broker_factory(args=["--num.partitions=3"])
    broker.create_topic("kp-admin")
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap, client_id="gregor-it-kp",
                             request_timeout_ms=10000)
    try:
        assert admin.list_topics() == ["kp-admin"]
        (desc,) = admin.describe_topics(["kp-admin"])
        assert desc["error_code"] == 0 and desc["topic"] == "kp-admin", desc
        assert desc["is_internal"] is False
        assert_single_replica_partitions(desc, 3)
        cluster = admin.describe_cluster()
        assert cluster["controller_id"] == 1, cluster
        assert cluster["cluster_id"] == raw_cluster_id(broker), cluster
        assert [(b["node_id"], b["host"], b["port"]) for b in cluster["brokers"]] == [
            (1, "127.0.0.1", broker.port)], cluster
    finally:
        admin.close()


def test_kafka_python_consumer_topics(broker_factory):
    from kafka import KafkaConsumer

    broker = broker_factory(args=["--num.partitions=2"])
    broker.create_topic("kp-a")
    broker.create_topic("kp-b")
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, client_id="gregor-it-kp",
                             request_timeout_ms=11000, session_timeout_ms=10000)
    try:
        assert consumer.topics() == {"kp-a", "kp-b"}
        assert consumer.partitions_for_topic("kp-a") == {0, 1}
    finally:
        consumer.close()


def test_kafka_python_client_bootstrap(broker_factory):
    # KafkaClient infers the broker version by sending ApiVersions v0 and Metadata v0 back to
    # back on one connection; both answers must come, in order.
    from kafka import KafkaClient, TopicPartition

    broker = broker_factory()
    broker.create_topic("kp-boot")
    client = KafkaClient(bootstrap_servers=broker.bootstrap, client_id="gregor-it-kp",
                         request_timeout_ms=10000)
    try:
        assert client.config["api_version"] >= (0, 10, 0), client.config["api_version"]
        future = client.cluster.request_update()
        client.poll(future=future, timeout_ms=10000)
        assert future.succeeded(), future.exception
        brokers = client.cluster.brokers()
        assert [(b.nodeId, b.host, b.port) for b in brokers] == [(1, "127.0.0.1", broker.port)]
        assert client.cluster.topics() == {"kp-boot"}
        assert client.cluster.partitions_for_topic("kp-boot") == {0}
        assert client.cluster.leader_for_partition(TopicPartition("kp-boot", 0)) == 1
    finally:
        client.close()


# ---------------------------------------------------------------------------------------------
# kafkajs

def test_kafkajs_admin(broker_factory):
    broker = broker_factory(args=["--num.partitions=2"])
    broker.create_topic("js-a")
    broker.create_topic("js-b")
    out = kafkajs_metadata(broker, topics=["js-a"], missing="js-missing")

    assert out["cluster"] == {"brokers": [{"nodeId": 1, "host": "127.0.0.1", "port": broker.port}],
                              "controller": 1, "clusterId": raw_cluster_id(broker)}, out
    assert [t["name"] for t in out["requested"]] == ["js-a"], out
    assert_single_replica_partitions(out["requested"][0], 2, isr_key="isr", id_key="partitionId")
    for p in out["requested"][0]["partitions"]:
        assert p["partitionErrorCode"] == 0 and p["offlineReplicas"] == [], p
    assert sorted(t["name"] for t in out["all"]) == ["js-a", "js-b"], out
    assert sorted(out["listed"]) == ["js-a", "js-b"], out
    # The kafkajs admin asks with allow_auto_topic_creation = false.
    assert out["missing_error"] == "UNKNOWN_TOPIC_OR_PARTITION", out
    assert "js-missing" not in raw_topics(broker)


# ---------------------------------------------------------------------------------------------
# Persistence across restarts

def _snapshot(broker):
    return raw_cluster_id(broker), raw_topics(broker)


def test_cluster_id_and_topics_survive_restart(broker_factory):
    broker = broker_factory(args=["--num.partitions=3"])
    broker.create_topic("keep-1")
    broker.create_topic("keep-2")
    cluster_id, topics = _snapshot(broker)
    assert set(topics) == {"keep-1", "keep-2"}
    for count, topic_id in topics.values():
        assert count == 3
        assert topic_id is not None and topic_id.int != 0, topics
    assert topics["keep-1"][1] != topics["keep-2"][1], "two topics share a topic id"
    js_before = kafkajs_metadata(broker)["cluster"]["clusterId"]
    assert js_before == cluster_id

    broker.restart()
    assert _snapshot(broker) == (cluster_id, topics)
    assert kafkajs_metadata(broker)["cluster"]["clusterId"] == cluster_id
    md = kcat_json(broker)
    assert sorted(t["topic"] for t in md["topics"]) == ["keep-1", "keep-2"], md

    # A restart with a different num.partitions does not change existing topics.
    broker.restart(args=["--num.partitions=5"])
    assert _snapshot(broker) == (cluster_id, topics)
    assert len(broker.create_topic("after-restart")["partitions"]) == 5


def test_cluster_id_and_topics_survive_kill9(broker):
    broker.create_topic("durable")
    before = _snapshot(broker)
    broker.kill9()
    broker.start()
    assert _snapshot(broker) == before


def test_fresh_data_dirs_get_different_cluster_ids(broker_factory):
    a = broker_factory()
    b = broker_factory()
    assert raw_cluster_id(a) != raw_cluster_id(b)
