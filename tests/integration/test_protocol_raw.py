"""ApiVersions v0-v4 and Metadata v0-v12 on the wire, byte for byte (kafka_raw decodes
strictly: a missing field, an extra field or a wrong header version fails the test)."""

import os
import time

import pytest

import kafka_raw
from gregor_fixture import free_port
from kafka_raw import API_VERSIONS, METADATA

ALL_METADATA_VERSIONS = range(0, 13)
UNAUTHORIZED_OPERATIONS = -2147483648  # Kafka's default when operations were not requested


# ---------------------------------------------------------------------------------------------
# ApiVersions

@pytest.mark.parametrize("version", range(0, 5))
def test_api_versions_each_version(broker, version):
    with broker.connect() as c:
        resp = kafka_raw.api_versions(c, version)
    assert resp["error_code"] == 0, resp
    keys = resp["api_keys"]
    assert keys[API_VERSIONS] == (0, 4), keys
    assert keys[METADATA] == (0, 12), keys
    for key, (lo, hi) in keys.items():
        assert 0 <= lo <= hi, f"api key {key}: bad range {lo}..{hi}"
    if version >= 1:
        assert resp["throttle_time_ms"] == 0


def test_api_versions_same_table_at_every_version(broker):
    with broker.connect() as c:
        tables = [kafka_raw.api_versions(c, v)["entries"] for v in range(0, 5)]
    for t in tables[1:]:
        assert sorted(t) == sorted(tables[0])


def test_api_versions_v3_skips_unknown_header_and_body_tags(broker):
    # KIP-482: receivers skip tagged fields they do not know, in the header and in the body.
    body = (kafka_raw.Writer().string("gregor-it", True).string("1.0", True)
            .tagged_fields({7: b"unknown", 300: b""}).getvalue())
    with broker.connect() as c:
        r = c.request(API_VERSIONS, 3, body, header_tags={5: b"\x01\x02\x03"})
        resp = kafka_raw.decode_api_versions(3, r)
    assert resp["error_code"] == 0 and resp["api_keys"][API_VERSIONS] == (0, 4)


def test_api_versions_v3_without_client_software(broker):
    # Empty software name and version (some clients send them): answered, possibly with
    # INVALID_REQUEST as Kafka does, but never by closing the connection.
    body = kafka_raw.Writer().string("", True).string("", True).tagged_fields().getvalue()
    with broker.connect() as c:
        resp = kafka_raw.decode_api_versions(3, c.request(API_VERSIONS, 3, body))
        assert resp["error_code"] in (0, kafka_raw.INVALID_REQUEST), resp
        assert kafka_raw.api_versions(c, 0)["error_code"] == 0


def test_null_client_id_is_accepted(broker):
    with broker.connect() as c:
        resp = kafka_raw.decode_api_versions(1, c.request(API_VERSIONS, 1, client_id=None))
        assert resp["error_code"] == 0
        md = kafka_raw.decode_metadata(
            1, c.request(METADATA, 1, kafka_raw.metadata_body(1, None), client_id=None))
        assert md["brokers"][0]["node_id"] == 1


# ---------------------------------------------------------------------------------------------
# Metadata: brokers, cluster, topics at every version

def check_partitions(topic, count, node_id=1):
    parts = topic["partitions"]
    assert sorted(p["partition_index"] for p in parts) == list(range(count)), topic
    for p in parts:
        assert p["error_code"] == 0, topic
        assert p["leader_id"] == node_id, topic
        assert p["replica_nodes"] == [node_id], topic
        assert p["isr_nodes"] == [node_id], topic
        assert p["offline_replicas"] == [], topic


@pytest.mark.parametrize("version", ALL_METADATA_VERSIONS)
def test_metadata_each_version(broker_factory, version):
    broker = broker_factory(args=["--num.partitions=3"])
    broker.create_topic("md-one")
    broker.create_topic("md-two")
    ids = {t["name"]: t["topic_id"] for t in broker.metadata(12)["topics"]}
    cluster_id = broker.metadata(12)["cluster_id"]

    md = broker.metadata(version, topics=None)
    assert md["throttle_time_ms"] == 0
    assert md["brokers"] == [{"node_id": 1, "host": "127.0.0.1", "port": broker.port,
                              "rack": None}], md
    if version >= 1:
        assert md["controller_id"] == 1, md
    if version >= 2:
        assert md["cluster_id"] == cluster_id and md["cluster_id"], md
    if 8 <= version <= 10:
        assert md["cluster_authorized_operations"] == UNAUTHORIZED_OPERATIONS, md
    assert sorted(t["name"] for t in md["topics"]) == ["md-one", "md-two"], md
    for t in md["topics"]:
        assert t["error_code"] == 0, t
        assert t["is_internal"] is False, t
        check_partitions(t, 3)
        if version >= 10:
            assert t["topic_id"] == ids[t["name"]], t
        if version >= 8:
            assert t["topic_authorized_operations"] == UNAUTHORIZED_OPERATIONS, t


def test_topic_ids_are_nonzero_and_distinct(broker):
    for name in ("id-a", "id-b", "id-c"):
        broker.create_topic(name)
    md = broker.metadata(12)
    ids = [t["topic_id"] for t in md["topics"]]
    assert len(ids) == 3 and all(i.int != 0 for i in ids), md
    assert len(set(ids)) == 3, md
    for v in (10, 11, 12):
        assert {t["name"]: t["topic_id"] for t in broker.metadata(v)["topics"]} == {
            t["name"]: t["topic_id"] for t in md["topics"]}


def test_cluster_id_is_a_kafka_style_id(broker):
    # Kafka cluster ids are a UUID in URL-safe base64 without padding (22 characters).
    cid = broker.metadata(2)["cluster_id"]
    assert cid and len(cid) <= 64, cid
    assert all(c.isalnum() or c in "-_" for c in cid), cid


def test_node_id_and_advertised_address(broker_factory):
    port = free_port()
    broker = broker_factory(node_id=7, args=[
        f"--advertised.listeners=PLAINTEXT://advertised.example:{port}"], advertise=False)
    broker.create_topic("where")
    for v in (0, 1, 9, 12):
        md = broker.metadata(v)
        assert [(b["node_id"], b["host"], b["port"]) for b in md["brokers"]] == [
            (7, "advertised.example", port)], md
        if v >= 1:
            assert md["controller_id"] == 7
        check_partitions(kafka_raw.topic_by_name(md, "where"), 1, node_id=7)


# ---------------------------------------------------------------------------------------------
# Metadata: which topics a request selects

def test_v0_empty_list_means_all_topics(broker):
    broker.create_topic("t1")
    with broker.connect() as c:
        md = kafka_raw.decode_metadata(0, c.request(METADATA, 0, kafka_raw.Writer().int32(0)
                                                    .getvalue()))
    assert [t["name"] for t in md["topics"]] == ["t1"]


@pytest.mark.parametrize("version", [1, 4, 9, 12])
def test_v1_plus_empty_list_means_no_topics_and_null_means_all(broker, version):
    broker.create_topic("t1")
    assert broker.metadata(version, topics=[])["topics"] == []
    assert [t["name"] for t in broker.metadata(version, topics=None)["topics"]] == ["t1"]


def test_existing_and_missing_topics_in_one_request(broker):
    broker.create_topic("here")
    md = broker.metadata(4, topics=["here", "not-here"], allow_auto_topic_creation=False)
    by_name = {t["name"]: t for t in md["topics"]}
    assert by_name["here"]["error_code"] == 0
    assert by_name["not-here"]["error_code"] == kafka_raw.UNKNOWN_TOPIC_OR_PARTITION
    assert by_name["not-here"]["partitions"] == []
    md12 = broker.metadata(12, topics=["not-here"], allow_auto_topic_creation=False)
    (t,) = md12["topics"]
    assert t["error_code"] == kafka_raw.UNKNOWN_TOPIC_OR_PARTITION and t["topic_id"].int == 0


# ---------------------------------------------------------------------------------------------
# Metadata: auto-creation

def _names(broker):
    return sorted(t["name"] for t in broker.metadata(1, topics=None)["topics"])


def _first_answer_creates(broker, version, name):
    md = broker.metadata(version, topics=[name], allow_auto_topic_creation=True)
    (t,) = md["topics"]
    # Kafka answers LEADER_NOT_AVAILABLE while the new topic gets its leader; a single node
    # may answer with the finished topic at once.
    assert t["error_code"] in (0, kafka_raw.LEADER_NOT_AVAILABLE), t
    assert len(broker.create_topic(name)["partitions"]) == 1


@pytest.mark.parametrize("version", ALL_METADATA_VERSIONS)
def test_auto_create_when_allowed(broker, version):
    # v0-v3 have no flag and imply "allowed"; v4+ carry allow_auto_topic_creation.
    _first_answer_creates(broker, version, f"auto-v{version}")
    assert _names(broker) == [f"auto-v{version}"]


@pytest.mark.parametrize("version", [4, 8, 9, 12])
def test_no_auto_create_when_the_request_says_no(broker, version):
    md = broker.metadata(version, topics=["nope"], allow_auto_topic_creation=False)
    (t,) = md["topics"]
    assert t["error_code"] == kafka_raw.UNKNOWN_TOPIC_OR_PARTITION, t
    assert _names(broker) == []


@pytest.mark.parametrize("version", [0, 1, 4, 12])
def test_no_auto_create_when_disabled_by_config(broker_factory, version):
    broker = broker_factory(args=["--auto.create.topics.enable=false"])
    md = broker.metadata(version, topics=["nope"], allow_auto_topic_creation=True)
    (t,) = md["topics"]
    assert t["error_code"] == kafka_raw.UNKNOWN_TOPIC_OR_PARTITION, t
    assert _names(broker) == []


def test_num_partitions_applies_to_auto_created_topics(broker_factory):
    broker = broker_factory(args=["--num.partitions=8"])
    check_partitions(broker.create_topic("eight"), 8)


@pytest.mark.parametrize("name", [
    ".", "..", "../escape", "a/b", "has space", "semi;colon", "caf\u00e9",
    pytest.param("x" * 250, id="250-chars"),
])
def test_invalid_topic_names_are_not_created(broker, name):
    md = broker.metadata(4, topics=[name], allow_auto_topic_creation=True)
    (t,) = md["topics"]
    assert t["error_code"] == kafka_raw.INVALID_TOPIC_EXCEPTION, t
    assert t["partitions"] == [], t
    assert _names(broker) == []
    # Nothing was written outside the data directory.
    assert sorted(os.listdir(broker.root)) == ["data"] + sorted(
        f"stderr.{i}.log" for i in range(1, broker.runs + 1))


def test_longest_legal_topic_name(broker):
    name = "L" * 249
    broker.create_topic(name)
    assert _names(broker) == [name]


def test_concurrent_auto_create_of_one_topic(broker):
    # Many connections asking for the same new topic at once create it exactly once.
    conns = [broker.connect() for _ in range(8)]
    try:
        body = kafka_raw.metadata_body(4, ["race"], True)
        cids = [c.send(METADATA, 4, body) for c in conns]
        for c, cid in zip(conns, cids):
            (t,) = kafka_raw.decode_metadata(4, c.recv_response(METADATA, 4, cid))["topics"]
            assert t["error_code"] in (0, kafka_raw.LEADER_NOT_AVAILABLE), t
    finally:
        for c in conns:
            c.close()
    time.sleep(0.1)
    md = broker.metadata(12, ["race"], allow_auto_topic_creation=False)
    (t,) = md["topics"]
    assert t["error_code"] == 0
    check_partitions(t, 1)
    assert _names(broker) == ["race"]
