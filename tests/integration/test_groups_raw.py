"""Consumer-group APIs on the wire: every version's shape, Kafka's error codes, bad input.

The encoders and decoders below (FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
LeaveGroup, OffsetCommit, OffsetFetch, OffsetDelete, DescribeGroups, ListGroups,
DeleteGroups) are built on kafka_raw's Writer/Reader and are also used by the other
test_groups_*.py files. Field versions follow Kafka's message definitions.
"""

import time

import pytest

import kafka_raw
from kafka_raw import Writer

FIND_COORDINATOR, JOIN_GROUP, HEARTBEAT, LEAVE_GROUP, SYNC_GROUP = 10, 11, 12, 13, 14
OFFSET_COMMIT, OFFSET_FETCH, DESCRIBE_GROUPS, LIST_GROUPS = 8, 9, 15, 16
DELETE_GROUPS, OFFSET_DELETE = 42, 47

NONE = 0
UNKNOWN_SERVER_ERROR = -1
UNKNOWN_TOPIC_OR_PARTITION = 3
OFFSET_METADATA_TOO_LARGE = 12
ILLEGAL_GENERATION = 22
INCONSISTENT_GROUP_PROTOCOL = 23
INVALID_GROUP_ID = 24
UNKNOWN_MEMBER_ID = 25
INVALID_SESSION_TIMEOUT = 26
REBALANCE_IN_PROGRESS = 27
INVALID_REQUEST = 42
NON_EMPTY_GROUP = 68
GROUP_ID_NOT_FOUND = 69
MEMBER_ID_REQUIRED = 79
FENCED_INSTANCE_ID = 82
GROUP_SUBSCRIBED_TO_TOPIC = 86

# Versions Gregor advertises for the group APIs (README "Supported APIs").
GROUP_API_VERSIONS = {
    OFFSET_COMMIT: (0, 9), OFFSET_FETCH: (0, 9), FIND_COORDINATOR: (0, 6), JOIN_GROUP: (0, 9),
    HEARTBEAT: (0, 4), LEAVE_GROUP: (0, 5), SYNC_GROUP: (0, 5), DESCRIBE_GROUPS: (0, 5),
    LIST_GROUPS: (0, 5), DELETE_GROUPS: (0, 2), OFFSET_DELETE: (0, 0),
}


def flex(key, version):
    return kafka_raw.is_flexible(key, version)


def tags(w, f):
    if f:
        w.tagged_fields()


def end_tags(r, f):
    if f:
        r.tagged_fields()


def subscription(topics, version=0):
    """A ConsumerProtocolSubscription (what Java/librdkafka consumers put in JoinGroup)."""
    w = Writer().int16(version).array(topics, lambda ww, t: ww.string(t)).bytes_(None)
    if version >= 1:
        w.int32(0)  # owned partitions
    return w.getvalue()


# ---- FindCoordinator ---------------------------------------------------------------------

def find_coordinator(conn, version, key="g", key_type=0, keys=None):
    f = flex(FIND_COORDINATOR, version)
    w = Writer()
    if version < 4:
        w.string(key, f)
        if version >= 1:
            w.int8(key_type)
    else:
        w.int8(key_type).array(keys or [key], lambda ww, k: ww.string(k, True), True)
    tags(w, f)
    r = conn.request(FIND_COORDINATOR, version, w.getvalue())
    out = {"throttle_time_ms": r.int32() if version >= 1 else 0}
    if version < 4:
        out["error_code"] = r.int16()
        out["error_message"] = r.string(f) if version >= 1 else None
        out["node_id"], out["host"], out["port"] = r.int32(), r.string(f), r.int32()
    else:
        def coordinator(rr):
            c = {"key": rr.string(True), "node_id": rr.int32(), "host": rr.string(True),
                 "port": rr.int32(), "error_code": rr.int16(), "error_message": rr.string(True)}
            end_tags(rr, True)
            return c
        out["coordinators"] = r.array(coordinator, True)
    end_tags(r, f)
    r.expect_end("FindCoordinator")
    return out


# ---- JoinGroup / SyncGroup / Heartbeat / LeaveGroup ----------------------------------------

def join_body(version, group, member_id="", protocols=(("range", b"m"),), protocol_type="consumer",
              session_ms=10000, rebalance_ms=10000, instance_id=None, reason=None):
    f = flex(JOIN_GROUP, version)
    w = Writer().string(group, f).int32(session_ms)
    if version >= 1:
        w.int32(rebalance_ms)
    w.string(member_id, f)
    if version >= 5:
        w.string(instance_id, f)
    w.string(protocol_type, f)

    def protocol(ww, p):
        ww.string(p[0], f).bytes_(p[1], f)
        tags(ww, f)
    w.array(protocols, protocol, f)
    if version >= 8:
        w.string(reason, f)
    tags(w, f)
    return w.getvalue()


def decode_join(version, r):
    f = flex(JOIN_GROUP, version)
    out = {"throttle_time_ms": r.int32() if version >= 2 else 0, "error_code": r.int16(),
           "generation_id": r.int32()}
    out["protocol_type"] = r.string(f) if version >= 7 else None
    out["protocol_name"] = r.string(f)
    out["leader"] = r.string(f)
    out["skip_assignment"] = r.bool() if version >= 9 else False
    out["member_id"] = r.string(f)

    def member(rr):
        m = {"member_id": rr.string(f)}
        m["group_instance_id"] = rr.string(f) if version >= 5 else None
        m["metadata"] = rr.bytes_(f)
        end_tags(rr, f)
        return m
    out["members"] = r.array(member, f)
    end_tags(r, f)
    r.expect_end(f"JoinGroup v{version}")
    return out


def join_group(conn, version, group, timeout=15.0, **kw):
    r = conn.request(JOIN_GROUP, version, join_body(version, group, **kw), timeout=timeout)
    return decode_join(version, r)


def join_member(conn, version, group, **kw):
    """Joins, answering MEMBER_ID_REQUIRED with a second JoinGroup as clients do."""
    resp = join_group(conn, version, group, **kw)
    if resp["error_code"] == MEMBER_ID_REQUIRED:
        kw["member_id"] = resp["member_id"]
        resp = join_group(conn, version, group, **kw)
    return resp


def sync_body(version, group, generation, member_id, assignments=(), instance_id=None,
              protocol_type=None, protocol_name=None):
    f = flex(SYNC_GROUP, version)
    w = Writer().string(group, f).int32(generation).string(member_id, f)
    if version >= 3:
        w.string(instance_id, f)
    if version >= 5:
        w.string(protocol_type, f).string(protocol_name, f)

    def assignment(ww, a):
        ww.string(a[0], f).bytes_(a[1], f)
        tags(ww, f)
    w.array(assignments, assignment, f)
    tags(w, f)
    return w.getvalue()


def decode_sync(version, r):
    f = flex(SYNC_GROUP, version)
    out = {"throttle_time_ms": r.int32() if version >= 1 else 0, "error_code": r.int16()}
    if version >= 5:
        out["protocol_type"], out["protocol_name"] = r.string(f), r.string(f)
    out["assignment"] = r.bytes_(f)
    end_tags(r, f)
    r.expect_end(f"SyncGroup v{version}")
    return out


def sync_group(conn, version, group, generation, member_id, timeout=15.0, **kw):
    body = sync_body(version, group, generation, member_id, **kw)
    return decode_sync(version, conn.request(SYNC_GROUP, version, body, timeout=timeout))


def heartbeat(conn, version, group, generation, member_id, instance_id=None):
    f = flex(HEARTBEAT, version)
    w = Writer().string(group, f).int32(generation).string(member_id, f)
    if version >= 3:
        w.string(instance_id, f)
    tags(w, f)
    r = conn.request(HEARTBEAT, version, w.getvalue())
    out = {"throttle_time_ms": r.int32() if version >= 1 else 0, "error_code": r.int16()}
    end_tags(r, f)
    r.expect_end("Heartbeat")
    return out["error_code"]


def leave_group(conn, version, group, members):
    """members: [(member_id, instance_id)]; v0-2 send the first member id only."""
    f = flex(LEAVE_GROUP, version)
    w = Writer().string(group, f)
    if version < 3:
        w.string(members[0][0], f)
    else:
        def member(ww, m):
            ww.string(m[0], f).string(m[1], f)
            if version >= 5:
                ww.string(None, f)
            tags(ww, f)
        w.array(members, member, f)
    tags(w, f)
    r = conn.request(LEAVE_GROUP, version, w.getvalue())
    out = {"throttle_time_ms": r.int32() if version >= 1 else 0, "error_code": r.int16()}
    if version >= 3:
        def member_resp(rr):
            m = (rr.string(f), rr.string(f), rr.int16())
            end_tags(rr, f)
            return m
        out["members"] = r.array(member_resp, f)
    end_tags(r, f)
    r.expect_end("LeaveGroup")
    return out


# ---- offsets -------------------------------------------------------------------------------

def offset_commit(conn, version, group, offsets, generation=-1, member_id="", instance_id=None,
                  timeout=10.0):
    """offsets: {topic: {partition: (offset, metadata) or offset}} -> {(topic, p): error}."""
    f = flex(OFFSET_COMMIT, version)
    w = Writer().string(group, f)
    if version >= 1:
        w.int32(generation).string(member_id, f)
    if version >= 7:
        w.string(instance_id, f)
    if 2 <= version <= 4:
        w.int64(-1)

    def partition(ww, item):
        p, v = item
        offset, metadata = v if isinstance(v, tuple) else (v, "")
        ww.int32(p).int64(offset)
        if version >= 6:
            ww.int32(-1)
        if version == 1:
            ww.int64(-1)
        ww.string(metadata, f)
        tags(ww, f)

    def topic(ww, item):
        ww.string(item[0], f).array(item[1].items(), partition, f)
        tags(ww, f)
    w.array(offsets.items(), topic, f)
    tags(w, f)
    r = conn.request(OFFSET_COMMIT, version, w.getvalue(), timeout=timeout)
    if version >= 3:
        r.int32()
    out = {}

    def topic_resp(rr):
        name = rr.string(f)

        def part(rp):
            index = rp.int32()
            out[(name, index)] = rp.int16()
            end_tags(rp, f)
        rr.array(part, f)
        end_tags(rr, f)
    r.array(topic_resp, f)
    end_tags(r, f)
    r.expect_end("OffsetCommit")
    return out


def offset_fetch(conn, version, group, topics=None, groups=None):
    """v0-7: one group, topics {name: [partitions]} or None (all, v2+).
    v8+: groups {group: topics or None}. Returns {"error_code", "offsets": {(t, p): dict}}
    (v8+: {group: that})."""
    f = flex(OFFSET_FETCH, version)
    w = Writer()

    def topic(ww, item):
        ww.string(item[0], f).array(item[1], lambda x, p: x.int32(p), f)
        tags(ww, f)
    if version < 8:
        w.string(group, f).array(None if topics is None else topics.items(), topic, f)
    else:
        def grp(ww, item):
            ww.string(item[0], f)
            if version >= 9:
                ww.string(None, f).int32(-1)
            ww.array(None if item[1] is None else item[1].items(), topic, f)
            tags(ww, f)
        w.array((groups or {group: topics}).items(), grp, f)
    if version >= 7:
        w.bool(False)
    tags(w, f)
    r = conn.request(OFFSET_FETCH, version, w.getvalue())
    if version >= 3:
        r.int32()

    def topics_resp(rr, into):
        def t(rt):
            name = rt.string(f)

            def p(rp):
                d = {"offset": None, "leader_epoch": -1}
                index = rp.int32()
                d["offset"] = rp.int64()
                if version >= 5:
                    d["leader_epoch"] = rp.int32()
                d["metadata"] = rp.string(f)
                d["error_code"] = rp.int16()
                end_tags(rp, f)
                into[(name, index)] = d
            rt.array(p, f)
            end_tags(rt, f)
        rr.array(t, f)

    if version < 8:
        out = {"offsets": {}, "error_code": NONE}
        topics_resp(r, out["offsets"])
        if version >= 2:
            out["error_code"] = r.int16()
    else:
        out = {}

        def g(rg):
            gid = rg.string(f)
            out[gid] = {"offsets": {}}
            topics_resp(rg, out[gid]["offsets"])
            out[gid]["error_code"] = rg.int16()
            end_tags(rg, f)
        r.array(g, f)
    end_tags(r, f)
    r.expect_end("OffsetFetch")
    return out


def offset_delete(conn, group, partitions):
    """partitions: {topic: [p]} -> (error_code, {(t, p): error})."""
    w = Writer().string(group).array(
        partitions.items(),
        lambda ww, item: ww.string(item[0]).array(item[1], lambda x, p: x.int32(p)))
    r = conn.request(OFFSET_DELETE, 0, w.getvalue())
    error, _ = r.int16(), r.int32()
    out = {}

    def t(rt):
        name = rt.string()
        def p(rp):
            index = rp.int32()
            out[(name, index)] = rp.int16()
        rt.array(p)
    r.array(t)
    r.expect_end("OffsetDelete")
    return error, out


# ---- DescribeGroups / ListGroups / DeleteGroups --------------------------------------------

def describe_groups(conn, version, groups, include_ops=False):
    f = flex(DESCRIBE_GROUPS, version)
    w = Writer().array(groups, lambda ww, g: ww.string(g, f), f)
    if version >= 3:
        w.bool(include_ops)
    tags(w, f)
    r = conn.request(DESCRIBE_GROUPS, version, w.getvalue())
    if version >= 1:
        r.int32()

    def member(rr):
        m = {"member_id": rr.string(f)}
        m["group_instance_id"] = rr.string(f) if version >= 4 else None
        m["client_id"], m["client_host"] = rr.string(f), rr.string(f)
        m["metadata"], m["assignment"] = rr.bytes_(f), rr.bytes_(f)
        end_tags(rr, f)
        return m

    def group(rr):
        g = {"error_code": rr.int16(), "group_id": rr.string(f), "state": rr.string(f),
             "protocol_type": rr.string(f), "protocol": rr.string(f),
             "members": rr.array(member, f)}
        g["authorized_operations"] = rr.int32() if version >= 3 else None
        end_tags(rr, f)
        return g
    out = r.array(group, f)
    end_tags(r, f)
    r.expect_end("DescribeGroups")
    return {g["group_id"]: g for g in out}


def list_groups(conn, version, states=(), types=()):
    f = flex(LIST_GROUPS, version)
    w = Writer()
    if version >= 4:
        w.array(states, lambda ww, s: ww.string(s, True), True)
    if version >= 5:
        w.array(types, lambda ww, s: ww.string(s, True), True)
    tags(w, f)
    r = conn.request(LIST_GROUPS, version, w.getvalue())
    if version >= 1:
        r.int32()
    error = r.int16()

    def group(rr):
        g = {"group_id": rr.string(f), "protocol_type": rr.string(f)}
        if version >= 4:
            g["state"] = rr.string(f)
        if version >= 5:
            g["type"] = rr.string(f)
        end_tags(rr, f)
        return g
    groups = r.array(group, f)
    end_tags(r, f)
    r.expect_end("ListGroups")
    return error, {g["group_id"]: g for g in groups}


def delete_groups(conn, version, groups):
    f = flex(DELETE_GROUPS, version)
    w = Writer().array(groups, lambda ww, g: ww.string(g, f), f)
    tags(w, f)
    r = conn.request(DELETE_GROUPS, version, w.getvalue(), timeout=10.0)
    r.int32()

    def result(rr):
        g = (rr.string(f), rr.int16())
        end_tags(rr, f)
        return g
    out = dict(r.array(result, f))
    end_tags(r, f)
    r.expect_end("DeleteGroups")
    return out


def single_member_group(conn, group, version=5, **kw):
    """Joins and syncs one member; returns (member_id, generation)."""
    j = join_member(conn, version, group, **kw)
    assert j["error_code"] == NONE, j
    sync_version = min(version, 5)
    s = sync_group(conn, sync_version, group, j["generation_id"], j["member_id"],
                   assignments=[(j["member_id"], b"assigned")],
                   instance_id=kw.get("instance_id"))
    assert s["error_code"] == NONE, s
    return j["member_id"], j["generation_id"]


def wait_coordinator_loaded(broker, timeout=10.0):
    """The coordinator replays __consumer_offsets on a thread of its own after start; until
    then group requests get COORDINATOR_LOAD_IN_PROGRESS (clients retry). Raw tests wait."""
    deadline = time.monotonic() + timeout
    with broker.connect() as c:
        while time.monotonic() < deadline:
            if list_groups(c, 0)[0] == NONE:
                return broker
            time.sleep(0.01)
    raise AssertionError("the group coordinator did not finish loading")


@pytest.fixture
def gbroker(broker_factory):
    return wait_coordinator_loaded(broker_factory(
        args=["--group.initial.rebalance.delay.ms=0", "--num.partitions=2"]))


# =============================================================================================
# Tests

def test_api_versions_advertise_the_group_apis(broker):
    keys = broker.api_versions(3)["api_keys"]
    for key, versions in GROUP_API_VERSIONS.items():
        assert keys.get(key) == versions, (key, keys.get(key))


@pytest.mark.parametrize("version", range(0, 7))
def test_find_coordinator_every_version(gbroker, version):
    with gbroker.connect() as c:
        resp = find_coordinator(c, version, key="some-group", keys=["a", "b"])
    if version < 4:
        assert resp["error_code"] == NONE, resp
        assert (resp["node_id"], resp["host"], resp["port"]) == (1, "127.0.0.1", gbroker.port)
    else:
        assert [c["key"] for c in resp["coordinators"]] == ["a", "b"]
        for co in resp["coordinators"]:
            assert (co["error_code"], co["node_id"], co["port"]) == (NONE, 1, gbroker.port), co


def test_find_coordinator_key_types(gbroker):
    with gbroker.connect() as c:
        assert find_coordinator(c, 2, key="txn-id", key_type=1)["node_id"] == 1
        share = find_coordinator(c, 6, key_type=2, keys=["s"])["coordinators"][0]
        assert share["error_code"] == INVALID_REQUEST and share["error_message"], share
        assert find_coordinator(c, 3, key_type=7)["error_code"] == INVALID_REQUEST


@pytest.mark.parametrize("version", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
def test_join_sync_heartbeat_leave_at_every_join_version(gbroker, version):
    group = f"g-v{version}"
    sync_v, hb_v, leave_v = min(version, 5), min(version, 4), min(version, 5)
    with gbroker.connect() as c:
        first = join_group(c, version, group)
        if version >= 4:
            # KIP-394: a new member gets its id first, and only from v4.
            assert first["error_code"] == MEMBER_ID_REQUIRED and first["member_id"], first
            first = join_group(c, version, group, member_id=first["member_id"])
        assert first["error_code"] == NONE, first
        member = first["member_id"]
        assert first["generation_id"] == 1 and first["leader"] == member, first
        assert first["protocol_name"] == "range"
        assert [m["metadata"] for m in first["members"]] == [b"m"]
        if version >= 7:
            assert first["protocol_type"] == "consumer"
        s = sync_group(c, sync_v, group, 1, member, assignments=[(member, b"mine")])
        assert (s["error_code"], s["assignment"]) == (NONE, b"mine"), s
        if sync_v >= 5:
            assert (s["protocol_type"], s["protocol_name"]) == ("consumer", "range")
        assert heartbeat(c, hb_v, group, 1, member) == NONE
        assert heartbeat(c, hb_v, group, 7, member) == ILLEGAL_GENERATION
        assert heartbeat(c, hb_v, group, 1, "stranger") == UNKNOWN_MEMBER_ID
        left = leave_group(c, leave_v, group, [(member, None)])
        assert left["error_code"] == NONE, left
        if leave_v >= 3:
            assert left["members"] == [(member, None, NONE)]
        assert describe_groups(c, 5, [group])[group]["state"] == "Empty"


def test_a_second_member_makes_the_first_rejoin(gbroker):
    with gbroker.connect() as a, gbroker.connect() as b:
        ma, gen = single_member_group(a, "two")
        b.send(JOIN_GROUP, 3, join_body(3, "two", protocols=[("range", b"b")]))
        time.sleep(0.2)
        assert heartbeat(a, 3, "two", gen, ma) == REBALANCE_IN_PROGRESS
        ja = join_group(a, 3, "two", member_id=ma, protocols=[("range", b"a")])
        jb = decode_join(3, b.recv_response(JOIN_GROUP, 3, 1))
        assert ja["generation_id"] == jb["generation_id"] == gen + 1
        assert ja["leader"] == jb["leader"] == ma
        assert sorted(m["metadata"] for m in ja["members"]) == [b"a", b"b"]
        assert jb["members"] == []
        # The follower's SyncGroup waits for the leader's; the leader omits it: empty.
        b.send(SYNC_GROUP, 3, sync_body(3, "two", gen + 1, jb["member_id"]))
        sa = sync_group(a, 3, "two", gen + 1, ma, assignments=[(ma, b"all")])
        sb = decode_sync(3, b.recv_response(SYNC_GROUP, 3, 2))
        assert (sa["assignment"], sb["error_code"], sb["assignment"]) == (b"all", NONE, b"")


def test_inconsistent_protocols(gbroker):
    with gbroker.connect() as c:
        single_member_group(c, "typed")
        # Another protocol type (e.g. a Kafka Connect worker) or no common assignor.
        assert join_group(c, 3, "typed", protocol_type="connect")["error_code"] == \
            INCONSISTENT_GROUP_PROTOCOL
        assert join_group(c, 3, "typed", protocols=[("sticky", b"")])["error_code"] == \
            INCONSISTENT_GROUP_PROTOCOL
        assert join_group(c, 3, "fresh", protocols=[])["error_code"] == \
            INCONSISTENT_GROUP_PROTOCOL
        assert join_group(c, 3, "fresh2", protocol_type="")["error_code"] == \
            INCONSISTENT_GROUP_PROTOCOL
        # v5 SyncGroup naming another protocol than the group's.
        m, gen = single_member_group(c, "named")
        s = sync_group(c, 5, "named", gen, m, protocol_type="consumer", protocol_name="sticky")
        assert s["error_code"] == INCONSISTENT_GROUP_PROTOCOL


def test_invalid_session_timeouts_and_group_ids(gbroker):
    with gbroker.connect() as c:
        for ms in (0, 5999, 1800001, -1, 0x7FFFFFFF):
            assert join_group(c, 5, "t", session_ms=ms)["error_code"] == INVALID_SESSION_TIMEOUT
        assert join_group(c, 5, "")["error_code"] == INVALID_GROUP_ID
        assert heartbeat(c, 3, "", 1, "m") == INVALID_GROUP_ID
        assert sync_group(c, 3, "", 1, "m")["error_code"] == INVALID_GROUP_ID
        assert leave_group(c, 1, "", [("m", None)])["error_code"] == INVALID_GROUP_ID
        assert heartbeat(c, 0, "nonexistent", 1, "m") == UNKNOWN_MEMBER_ID
        assert sync_group(c, 0, "nonexistent", 1, "m")["error_code"] == UNKNOWN_MEMBER_ID


def test_static_member_rejoin_fences_the_old_id(gbroker):
    with gbroker.connect() as c:
        old, gen = single_member_group(c, "static", version=5, instance_id="i-1")
        again = join_group(c, 5, "static", instance_id="i-1")
        assert again["error_code"] == NONE, again
        assert again["generation_id"] == gen and again["member_id"] != old, again
        assert heartbeat(c, 3, "static", gen, old, instance_id="i-1") == FENCED_INSTANCE_ID
        assert heartbeat(c, 3, "static", gen, again["member_id"], instance_id="i-1") == NONE
        s = sync_group(c, 3, "static", gen, again["member_id"], instance_id="i-1")
        assert (s["error_code"], s["assignment"]) == (NONE, b"assigned"), s
