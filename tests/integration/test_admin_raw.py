"""Admin APIs at versions and fields no client in the test matrix reaches, spoken raw:
CreateTopics v7 (topic ids, effective configs in the response), DeleteTopics v6 by topic id,
DescribeConfigs v4 (types, documentation), IncrementalAlterConfigs v1, DescribeCluster v1
and DescribeLogDirs v4. Encoders for these flexible versions live here, on kafka_raw's
Writer/Reader.
"""

import os
import uuid

from kafka_raw import Reader, Writer  # noqa: F401 (Reader: the type request() returns)

CREATE_TOPICS, DELETE_TOPICS, DESCRIBE_CONFIGS = 19, 20, 32
DESCRIBE_LOG_DIRS, INCREMENTAL_ALTER_CONFIGS, DESCRIBE_CLUSTER = 35, 44, 60
TOPIC, BROKER, BROKER_LOGGER = 2, 4, 8
SET, DELETE, APPEND, SUBTRACT = 0, 1, 2, 3
NONE, UNKNOWN_TOPIC_OR_PARTITION, TOPIC_ALREADY_EXISTS = 0, 3, 36
INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR, INVALID_CONFIG, INVALID_REQUEST = 37, 38, 40, 42
UNKNOWN_TOPIC_ID, MISMATCHED_ENDPOINT_TYPE = 100, 114
ZERO_UUID = bytes(16)

F = True  # every version used here is flexible


def cstr(w, s):
    w.string(s, F)


# -- CreateTopics v7 -------------------------------------------------------------------------

def create_topics(conn, topics, validate_only=False):
    """topics: [(name, partitions, replication_factor, {config: value}, assignments)]."""
    def assignment(w, a):
        index, brokers = a
        w.int32(index).array(brokers, lambda ww, b: ww.int32(b), F).tagged_fields()

    def config(w, kv):
        cstr(w, kv[0])
        cstr(w, kv[1])
        w.tagged_fields()

    def topic(w, t):
        name, partitions, rf, configs, assignments = t
        cstr(w, name)
        w.int32(partitions).int16(rf)
        w.array(assignments, assignment, F)
        w.array(sorted(configs.items()), config, F)
        w.tagged_fields()

    w = Writer().array(topics, topic, F).int32(10000).bool(validate_only).tagged_fields()
    r = conn.request(CREATE_TOPICS, 7, w.getvalue())

    def config_result(rr):
        c = {"name": rr.string(F), "value": rr.string(F), "read_only": rr.bool(),
             "source": rr.int8(), "sensitive": rr.bool()}
        rr.tagged_fields()
        return c

    def result(rr):
        t = {"name": rr.string(F), "topic_id": rr.uuid(), "error_code": rr.int16(),
             "error_message": rr.string(F)}
        t["tags"] = rr.tagged_fields()
        return t

    def result_full(rr):
        t = {"name": rr.string(F), "topic_id": rr.uuid(), "error_code": rr.int16(),
             "error_message": rr.string(F), "num_partitions": rr.int32(),
             "replication_factor": rr.int16(), "configs": rr.array(config_result, F)}
        rr.tagged_fields()
        return t

    r.int32()  # throttle
    out = r.array(result_full, F)
    r.tagged_fields()
    r.expect_end()
    return {t["name"]: t for t in out}


def new_topic(name, partitions=1, rf=1, configs=None, assignments=()):
    return (name, partitions, rf, configs or {}, list(assignments))


def as_bytes(u):
    return u.bytes if isinstance(u, uuid.UUID) else bytes(u)


def test_create_topics_v7_returns_id_and_effective_configs(broker):
    with broker.connect() as c:
        res = create_topics(c, [new_topic("raw.a", 3, 1, {"retention.ms": "5000"}),
                                new_topic("raw.defaults", -1, -1)])
    a = res["raw.a"]
    assert a["error_code"] == NONE, a
    assert as_bytes(a["topic_id"]) != ZERO_UUID
    assert (a["num_partitions"], a["replication_factor"]) == (3, 1)
    configs = {c["name"]: c for c in a["configs"]}
    assert configs["retention.ms"]["value"] == "5000" and configs["retention.ms"]["source"] == 1
    assert configs["segment.bytes"]["source"] == 5  # DEFAULT_CONFIG
    d = res["raw.defaults"]
    assert d["error_code"] == NONE, d
    assert (d["num_partitions"], d["replication_factor"]) == (1, 1)  # num.partitions=1
    md = broker.metadata(version=12, topics=None)
    ids = {t["name"]: t["topic_id"] for t in md["topics"]}
    assert as_bytes(ids["raw.a"]) == as_bytes(a["topic_id"])


def test_create_topics_v7_errors(broker):
    with broker.connect() as c:
        assert create_topics(c, [new_topic("raw.x")])["raw.x"]["error_code"] == NONE
        res = create_topics(c, [
            new_topic("raw.x"),
            new_topic("raw.dup"), new_topic("raw.dup"),
            new_topic("raw.rf", 1, 2),
            new_topic("raw.rf0", 1, 0),
            new_topic("raw.parts", 0, 1),
            new_topic("raw.both", 1, 1, assignments=[(0, [1])]),
            new_topic("raw.gap", -1, -1, assignments=[(0, [1]), (2, [1])]),
            new_topic("raw.cfg", 1, 1, {"segment.bytes": "10"}),
            new_topic("__consumer_offsets", 1, 1),
        ])
    codes = {name: t["error_code"] for name, t in res.items()}
    assert codes == {
        "raw.x": TOPIC_ALREADY_EXISTS,
        "raw.dup": INVALID_REQUEST,
        "raw.rf": INVALID_REPLICATION_FACTOR,
        "raw.rf0": INVALID_REPLICATION_FACTOR,
        "raw.parts": INVALID_PARTITIONS,
        "raw.both": INVALID_REQUEST,
        "raw.gap": 39,  # INVALID_REPLICA_ASSIGNMENT
        "raw.cfg": INVALID_CONFIG,
        "__consumer_offsets": INVALID_REQUEST,
    }
    for t in res.values():
        assert t["error_message"], t
        assert (t["num_partitions"], t["replication_factor"]) == (-1, -1), t
    assert "segment.bytes" in res["raw.cfg"]["error_message"]


def test_create_topics_v7_validate_only(broker):
    with broker.connect() as c:
        res = create_topics(c, [new_topic("raw.dry", 2)], validate_only=True)
    t = res["raw.dry"]
    assert t["error_code"] == NONE and t["num_partitions"] == 2
    assert as_bytes(t["topic_id"]) == ZERO_UUID
    assert broker.metadata(version=12, topics=None)["topics"] == []


# -- DeleteTopics v6 -------------------------------------------------------------------------

def delete_topics(conn, topics):
    """topics: [(name or None, topic id bytes)]."""
    def topic(w, t):
        cstr(w, t[0])
        w.uuid(t[1]).tagged_fields()

    r = conn.request(DELETE_TOPICS, 6, Writer().array(topics, topic, F).int32(10000)
                     .tagged_fields().getvalue())

    def result(rr):
        t = {"name": rr.string(F), "topic_id": as_bytes(rr.uuid()), "error_code": rr.int16(),
             "error_message": rr.string(F)}
        rr.tagged_fields()
        return t

    r.int32()
    out = r.array(result, F)
    r.tagged_fields()
    r.expect_end()
    return out


def test_delete_topics_v6_by_id(broker):
    with broker.connect() as c:
        created = create_topics(c, [new_topic("raw.byid", 2), new_topic("raw.byname")])
        topic_id = as_bytes(created["raw.byid"]["topic_id"])
        res = delete_topics(c, [(None, topic_id), ("raw.byname", ZERO_UUID),
                                (None, uuid.uuid4().bytes), ("raw.other", topic_id),
                                (None, ZERO_UUID)])
    assert res[0] == {"name": "raw.byid", "topic_id": topic_id, "error_code": NONE,
                      "error_message": None}
    assert res[1]["error_code"] == NONE and res[1]["name"] == "raw.byname"
    assert res[2]["error_code"] == UNKNOWN_TOPIC_ID
    assert res[3]["error_code"] == INVALID_REQUEST  # both name and id
    assert res[4]["error_code"] == INVALID_REQUEST  # neither
    assert broker.metadata(version=12, topics=None)["topics"] == []


# -- DescribeConfigs v4 ----------------------------------------------------------------------

def describe_configs(conn, resources, synonyms=True, documentation=True):
    """resources: [(type, name, keys or None)] -> [{error_code, ..., configs: {name: {...}}}]"""
    def resource(w, res):
        w.int8(res[0])
        cstr(w, res[1])
        w.array(res[2], lambda ww, k: cstr(ww, k), F)
        w.tagged_fields()

    w = Writer().array(resources, resource, F).bool(synonyms).bool(documentation).tagged_fields()
    r = conn.request(DESCRIBE_CONFIGS, 4, w.getvalue())

    def synonym(rr):
        s = (rr.string(F), rr.string(F), rr.int8())
        rr.tagged_fields()
        return s

    def config(rr):
        c = {"name": rr.string(F), "value": rr.string(F), "read_only": rr.bool(),
             "source": rr.int8(), "sensitive": rr.bool(), "synonyms": rr.array(synonym, F),
             "type": rr.int8(), "doc": rr.string(F)}
        rr.tagged_fields()
        return c

    def result(rr):
        res = {"error_code": rr.int16(), "error_message": rr.string(F), "type": rr.int8(),
               "name": rr.string(F)}
        res["configs"] = {c["name"]: c for c in rr.array(config, F)}
        rr.tagged_fields()
        return res

    r.int32()
    out = r.array(result, F)
    r.tagged_fields()
    r.expect_end()
    return out


def test_describe_configs_v4_types_and_documentation(broker):
    with broker.connect() as c:
        create_topics(c, [new_topic("raw.conf", 1, 1, {"cleanup.policy": "compact"})])
        topic, some, brk, missing, bad_broker = describe_configs(c, [
            (TOPIC, "raw.conf", None), (TOPIC, "raw.conf", ["retention.ms", "nope"]),
            (BROKER, "1", None), (TOPIC, "raw.none", None), (BROKER, "7", None)])
    assert topic["error_code"] == NONE
    policy = topic["configs"]["cleanup.policy"]
    assert policy["value"] == "compact" and policy["source"] == 1 and policy["type"] == 7  # LIST
    assert policy["synonyms"][0] == ("cleanup.policy", "compact", 1)
    assert policy["synonyms"][1] == ("log.cleanup.policy", "delete", 5)
    assert topic["configs"]["retention.ms"]["type"] == 5  # LONG
    assert topic["configs"]["preallocate"]["type"] == 1  # BOOLEAN
    assert topic["configs"]["min.cleanable.dirty.ratio"]["type"] == 6  # DOUBLE
    assert all(cfg["doc"] for cfg in topic["configs"].values())
    assert list(some["configs"]) == ["retention.ms"]
    assert brk["error_code"] == NONE and brk["configs"]["node.id"]["read_only"]
    assert missing["error_code"] == UNKNOWN_TOPIC_OR_PARTITION
    assert bad_broker["error_code"] == INVALID_REQUEST


# -- IncrementalAlterConfigs v1 --------------------------------------------------------------

def incremental_alter(conn, resources, validate_only=False):
    """resources: [(type, name, [(config, op, value)])] -> [(error_code, message)]"""
    def change(w, ch):
        cstr(w, ch[0])
        w.int8(ch[1])
        cstr(w, ch[2])
        w.tagged_fields()

    def resource(w, res):
        w.int8(res[0])
        cstr(w, res[1])
        w.array(res[2], change, F)
        w.tagged_fields()

    w = Writer().array(resources, resource, F).bool(validate_only).tagged_fields()
    r = conn.request(INCREMENTAL_ALTER_CONFIGS, 1, w.getvalue())

    def result(rr):
        res = (rr.int16(), rr.string(F), rr.int8(), rr.string(F))
        rr.tagged_fields()
        return res[:2]

    r.int32()
    out = r.array(result, F)
    r.tagged_fields()
    r.expect_end()
    return out


def overrides(conn, topic):
    (res,) = describe_configs(conn, [(TOPIC, topic, None)], synonyms=False,
                              documentation=False)
    return {n: c["value"] for n, c in res["configs"].items() if c["source"] == 1}


def test_incremental_alter_configs(broker):
    with broker.connect() as c:
        create_topics(c, [new_topic("raw.inc", 1, 1, {"retention.ms": "1000"})])
        res = incremental_alter(c, [(TOPIC, "raw.inc", [
            ("segment.bytes", SET, "1048576"), ("retention.ms", DELETE, None),
            ("cleanup.policy", APPEND, "compact")])])
        assert res == [(NONE, None)]
        assert overrides(c, "raw.inc") == {"segment.bytes": "1048576",
                                           "cleanup.policy": "delete,compact"}
        assert incremental_alter(c, [(TOPIC, "raw.inc", [
            ("cleanup.policy", SUBTRACT, "delete")])]) == [(NONE, None)]
        assert overrides(c, "raw.inc")["cleanup.policy"] == "compact"

        # validate_only changes nothing.
        assert incremental_alter(c, [(TOPIC, "raw.inc", [("segment.bytes", SET, "2097152")])],
                                 validate_only=True) == [(NONE, None)]
        assert overrides(c, "raw.inc")["segment.bytes"] == "1048576"

        bad = incremental_alter(c, [
            (TOPIC, "raw.inc", [("segment.bytes", SET, "tiny")]),
            (TOPIC, "raw.inc", [("no.such.config", SET, "1")]),
            (TOPIC, "raw.inc", [("retention.ms", APPEND, "5")]),
            (TOPIC, "raw.inc", [("retention.ms", SET, "5"), ("retention.ms", DELETE, None)]),
            (TOPIC, "raw.none", [("retention.ms", SET, "5")]),
            (BROKER, "1", [("num.partitions", SET, "3")]),
            (BROKER_LOGGER, "1", [("root", SET, "LOUD")]),
            (BROKER_LOGGER, "1", [("root", SET, "DEBUG")]),
            (BROKER_LOGGER, "1", [("root", SET, "INFO")]),
        ])
    codes = [code for code, _ in bad]
    assert codes == [INVALID_CONFIG, INVALID_CONFIG, INVALID_CONFIG, INVALID_REQUEST,
                     UNKNOWN_TOPIC_OR_PARTITION, INVALID_REQUEST, INVALID_CONFIG, NONE, NONE]
    assert "num.partitions" in bad[5][1]
    with broker.connect() as c:
        assert overrides(c, "raw.inc") == {"segment.bytes": "1048576", "cleanup.policy": "compact"}


def test_incremental_alter_dynamic_broker_configs(broker):
    """The cluster default ("") and the broker id address the same dynamic configs; list
    configs take APPEND/SUBTRACT; topics without an override follow at once."""
    def topic_value(c, name):
        (res,) = describe_configs(c, [(TOPIC, "raw.dyn", [name])])
        return res["configs"][name]

    with broker.connect() as c:
        create_topics(c, [new_topic("raw.dyn", 1, 1)])
        assert incremental_alter(c, [(BROKER, "", [
            ("log.cleanup.policy", APPEND, "compact"), ("log.segment.bytes", SET, "2097152")])]
        ) == [(NONE, None)]
        assert topic_value(c, "cleanup.policy")["value"] == "delete,compact"
        assert topic_value(c, "segment.bytes")["value"] == "2097152"
        assert incremental_alter(c, [(BROKER, "1", [("log.segment.bytes", DELETE, None)])]) == [
            (NONE, None)]
        assert topic_value(c, "segment.bytes")["value"] == "1073741824"
        assert topic_value(c, "cleanup.policy")["value"] == "delete,compact"
        # validate_only changes nothing; bad values, static configs and other brokers fail.
        assert incremental_alter(c, [(BROKER, "", [("log.retention.ms", SET, "5")])],
                                 validate_only=True) == [(NONE, None)]
        assert topic_value(c, "retention.ms")["value"] == "604800000"
        bad = incremental_alter(c, [
            (BROKER, "", [("log.retention.ms", SET, "soon")]),
            (BROKER, "", [("listeners", SET, "PLAINTEXT://:1")]),
            (BROKER, "", [("log.retention.ms", APPEND, "5")]),
            (BROKER, "9", [("log.retention.ms", SET, "5")]),
        ])
        assert [code for code, _ in bad] == [INVALID_REQUEST, INVALID_REQUEST, INVALID_CONFIG,
                                             INVALID_REQUEST], bad
        assert "listeners" in bad[1][1]
        assert incremental_alter(c, [(BROKER, "", [("log.cleanup.policy", SUBTRACT, "compact")])]
                                 ) == [(NONE, None)]
        assert topic_value(c, "cleanup.policy")["value"] == "delete"


# -- DescribeCluster v1 ----------------------------------------------------------------------

def describe_cluster(conn, endpoint_type=1, include_ops=False):
    r = conn.request(DESCRIBE_CLUSTER, 1, Writer().bool(include_ops).int8(endpoint_type)
                     .tagged_fields().getvalue())

    def broker_entry(rr):
        b = (rr.int32(), rr.string(F), rr.int32(), rr.string(F))
        rr.tagged_fields()
        return b

    out = {"throttle": r.int32(), "error_code": r.int16(), "error_message": r.string(F),
           "endpoint_type": r.int8(), "cluster_id": r.string(F), "controller_id": r.int32(),
           "brokers": r.array(broker_entry, F), "ops": r.int32()}
    r.tagged_fields()
    r.expect_end()
    return out


def test_describe_cluster_v1(broker):
    with broker.connect() as c:
        out = describe_cluster(c, include_ops=True)
        controllers = describe_cluster(c, endpoint_type=2)
    md = broker.metadata(version=12, topics=None)
    assert out["error_code"] == NONE
    assert out["cluster_id"] == md["cluster_id"]
    assert out["controller_id"] == 1
    assert out["brokers"] == [(1, "127.0.0.1", broker.port, None)]
    assert out["ops"] > 0 and out["ops"] & (1 << 8)  # DESCRIBE
    assert controllers["error_code"] == MISMATCHED_ENDPOINT_TYPE


# -- DescribeLogDirs v4 ----------------------------------------------------------------------

def describe_log_dirs(conn, topics=None):
    def topic(w, t):
        cstr(w, t[0])
        w.array(t[1], lambda ww, p: ww.int32(p), F).tagged_fields()

    r = conn.request(DESCRIBE_LOG_DIRS, 4, Writer().array(topics, topic, F).tagged_fields()
                     .getvalue())

    def partition(rr):
        p = {"partition": rr.int32(), "size": rr.int64(), "lag": rr.int64(), "future": rr.bool()}
        rr.tagged_fields()
        return p

    def topic_entry(rr):
        t = (rr.string(F), rr.array(partition, F))
        rr.tagged_fields()
        return t

    def result(rr):
        res = {"error_code": rr.int16(), "log_dir": rr.string(F),
               "topics": dict(rr.array(topic_entry, F)), "total": rr.int64(),
               "usable": rr.int64()}
        rr.tagged_fields()
        return res

    r.int32()
    top_error = r.int16()
    out = r.array(result, F)
    r.tagged_fields()
    r.expect_end()
    assert top_error == NONE
    return out


def test_describe_log_dirs_v4(broker):
    from confluent_kafka import Producer
    with broker.connect() as c:
        create_topics(c, [new_topic("raw.dirs", 2), new_topic("raw.other", 1)])
    p = Producer({"bootstrap.servers": broker.bootstrap})
    for _ in range(10):
        p.produce("raw.dirs", b"x" * 100, partition=1)
    assert p.flush(10) == 0
    with broker.connect() as c:
        (everything,) = describe_log_dirs(c)
        (some,) = describe_log_dirs(c, [("raw.dirs", [1, 7]), ("raw.none", [0])])
    assert everything["error_code"] == NONE
    assert os.path.realpath(everything["log_dir"]) == os.path.realpath(broker.data_dir)
    assert everything["total"] > 0 and 0 <= everything["usable"] <= everything["total"]
    assert set(everything["topics"]) == {"raw.dirs", "raw.other"}
    sizes = {p["partition"]: p["size"] for p in everything["topics"]["raw.dirs"]}
    assert sizes[0] == 0 and sizes[1] > 1000, sizes
    assert list(some["topics"]) == ["raw.dirs"]
    assert [p["partition"] for p in some["topics"]["raw.dirs"]] == [1]


def test_concurrent_incremental_alters_all_take_effect(broker_factory):
    """Each request's changes are computed from the topic's current overrides under the
    broker's admin lock: concurrent requests on different connections (and event loops)
    must not lose each other's changes."""
    import threading
    broker = broker_factory(args=["--num.network.threads=4"])
    names = ["retention.ms", "segment.ms", "segment.bytes", "delete.retention.ms",
             "file.delete.delay.ms", "flush.ms", "index.interval.bytes", "max.message.bytes"]
    values = {n: str(100000 + i) for i, n in enumerate(names)}
    with broker.connect() as c:
        create_topics(c, [new_topic("raw.race")])
    for round_ in range(5):
        with broker.connect() as c:
            incremental_alter(c, [(TOPIC, "raw.race", [(n, DELETE, None) for n in names])])
        barrier = threading.Barrier(len(names))
        errors = []

        def one(name):
            try:
                with broker.connect() as conn:
                    barrier.wait(10)
                    res = incremental_alter(conn, [(TOPIC, "raw.race",
                                                    [(name, SET, values[name])])])
                    if res != [(NONE, None)]:
                        errors.append((name, res))
            except Exception as e:  # surfaced below
                errors.append((name, repr(e)))

        threads = [threading.Thread(target=one, args=(n,)) for n in names]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert errors == []
        with broker.connect() as c:
            assert overrides(c, "raw.race") == values, f"round {round_}"
