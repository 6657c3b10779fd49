"""Offsets and group administration on the wire: OffsetCommit/OffsetFetch at every version,
their errors, DescribeGroups/ListGroups/DeleteGroups, OffsetDelete, and absurd requests.
The encoders live in test_groups_raw.py."""

import pytest

from kafka_raw import Writer
from test_groups_raw import (GROUP_ID_NOT_FOUND, GROUP_SUBSCRIBED_TO_TOPIC, ILLEGAL_GENERATION,
                             JOIN_GROUP, NON_EMPTY_GROUP, NONE, OFFSET_METADATA_TOO_LARGE,
                             UNKNOWN_MEMBER_ID, UNKNOWN_SERVER_ERROR,
                             UNKNOWN_TOPIC_OR_PARTITION, delete_groups, describe_groups,
                             heartbeat, join_member, list_groups, offset_commit, offset_delete,
                             offset_fetch, single_member_group, subscription, sync_group,
                             wait_coordinator_loaded)


@pytest.fixture
def gbroker(broker_factory):
    return wait_coordinator_loaded(broker_factory(
        args=["--group.initial.rebalance.delay.ms=0", "--num.partitions=2"]))


def test_offsets_round_trip_at_every_version(gbroker):
    gbroker.create_topic("ot")
    with gbroker.connect() as c:
        for v in range(0, 10):
            group = f"o-{v}"
            errors = offset_commit(c, v, group, {"ot": {0: (10 + v, f"meta-{v}"), 1: 20}})
            assert errors == {("ot", 0): NONE, ("ot", 1): NONE}, (v, errors)
        for fv in range(0, 8):
            group = f"o-{fv}"
            got = offset_fetch(c, fv, group, {"ot": [0, 1, 5]})
            assert got["error_code"] == NONE
            assert got["offsets"][("ot", 0)]["offset"] == 10 + fv, got
            assert got["offsets"][("ot", 0)]["metadata"] == f"meta-{fv}"
            # Unknown: -1, "" metadata (never null), epoch -1.
            assert got["offsets"][("ot", 5)] == {"offset": -1, "leader_epoch": -1,
                                                  "metadata": "", "error_code": NONE}
            if fv >= 2:
                everything = offset_fetch(c, fv, group, None)["offsets"]
                assert set(everything) == {("ot", 0), ("ot", 1)}, everything
        many = offset_fetch(c, 8, None, groups={"o-8": {"ot": [0]}, "o-9": None, "none": None})
        assert many["o-8"]["offsets"][("ot", 0)]["offset"] == 18
        assert set(many["o-9"]["offsets"]) == {("ot", 0), ("ot", 1)}
        assert many["none"] == {"offsets": {}, "error_code": NONE}
        assert offset_fetch(c, 9, None, groups={"o-9": {"ot": [1]}})["o-9"]["offsets"][
            ("ot", 1)]["offset"] == 20


def test_offset_commit_errors(gbroker):
    gbroker.create_topic("oe")
    with gbroker.connect() as c:
        m, gen = single_member_group(c, "live")
        assert offset_commit(c, 2, "live", {"oe": {0: 1}}, gen, m) == {("oe", 0): NONE}
        assert offset_commit(c, 2, "live", {"oe": {0: 1}}, gen + 1, m) == \
            {("oe", 0): ILLEGAL_GENERATION}
        assert offset_commit(c, 2, "live", {"oe": {0: 1}}, gen, "other") == \
            {("oe", 0): UNKNOWN_MEMBER_ID}
        assert offset_commit(c, 0, "live", {"oe": {0: 1}}) == {("oe", 0): UNKNOWN_MEMBER_ID}
        # A generation of a group this broker does not know: v9 says so, older versions
        # get ILLEGAL_GENERATION.
        assert offset_commit(c, 8, "ghost", {"oe": {0: 1}}, 3, "m") == \
            {("oe", 0): ILLEGAL_GENERATION}
        assert offset_commit(c, 9, "ghost", {"oe": {0: 1}}, 3, "m") == \
            {("oe", 0): GROUP_ID_NOT_FOUND}
        got = offset_commit(c, 8, "s", {"oe": {0: (1, "x" * 4097), 1: (2, "y" * 4096), 9: 1},
                                        "no-such-topic": {0: 1}})
        assert got == {("oe", 0): OFFSET_METADATA_TOO_LARGE, ("oe", 1): NONE,
                       ("oe", 9): UNKNOWN_TOPIC_OR_PARTITION,
                       ("no-such-topic", 0): UNKNOWN_TOPIC_OR_PARTITION}


def test_describe_list_delete(gbroker):
    gbroker.create_topic("dt")
    with gbroker.connect() as c:
        m, gen = single_member_group(c, "busy", version=5, instance_id="inst")
        offset_commit(c, 2, "idle", {"dt": {0: 5}})
        d = describe_groups(c, 5, ["busy", "idle", "unknown"], include_ops=True)
        busy = d["busy"]
        assert (busy["state"], busy["protocol_type"], busy["protocol"]) == \
            ("Stable", "consumer", "range")
        assert busy["authorized_operations"] == (1 << 3) | (1 << 6) | (1 << 8)
        [member] = busy["members"]
        assert member["member_id"] == m and member["group_instance_id"] == "inst"
        assert member["client_id"] == "gregor-it" and member["client_host"] == "/127.0.0.1"
        assert (member["metadata"], member["assignment"]) == (b"m", b"assigned")
        assert d["idle"]["state"] == "Empty" and d["idle"]["members"] == []
        assert d["unknown"]["state"] == "Dead" and d["unknown"]["error_code"] == NONE
        assert describe_groups(c, 0, ["busy"])["busy"]["members"][0]["member_id"] == m

        for v in range(0, 6):
            error, groups = list_groups(c, v)
            assert error == NONE and set(groups) == {"busy", "idle"}, (v, groups)
            assert groups["idle"]["protocol_type"] == ""
            if v >= 4:
                assert groups["busy"]["state"] == "Stable"
        assert set(list_groups(c, 4, states=["empty"])[1]) == {"idle"}
        assert set(list_groups(c, 4, states=["Stable", "Dead"])[1]) == {"busy"}
        assert list_groups(c, 5, types=["classic"])[1]["busy"]["type"] == "classic"
        assert list_groups(c, 5, types=["consumer"])[1] == {}

        assert delete_groups(c, 2, ["busy", "idle", "unknown"]) == {
            "busy": NON_EMPTY_GROUP, "idle": NONE, "unknown": GROUP_ID_NOT_FOUND}
        assert offset_fetch(c, 3, "idle", None)["offsets"] == {}
        assert set(list_groups(c, 0)[1]) == {"busy"}


def test_offset_delete(gbroker):
    gbroker.create_topic("del-a")
    gbroker.create_topic("del-b")
    with gbroker.connect() as c:
        m, gen = single_member_group(c, "od", protocols=[("range", subscription(["del-a"]))])
        assert offset_commit(c, 2, "od", {"del-a": {0: 3}, "del-b": {0: 4}}, gen, m) == \
            {("del-a", 0): NONE, ("del-b", 0): NONE}
        error, parts = offset_delete(c, "od", {"del-a": [0], "del-b": [0], "nope": [0]})
        assert error == NONE
        assert parts == {("del-a", 0): GROUP_SUBSCRIBED_TO_TOPIC, ("del-b", 0): NONE,
                         ("nope", 0): UNKNOWN_TOPIC_OR_PARTITION}
        offsets = offset_fetch(c, 3, "od", None)["offsets"]
        assert set(offsets) == {("del-a", 0)}
        assert offset_delete(c, "missing", {"del-a": [0]}) == (GROUP_ID_NOT_FOUND, {})


def test_absurd_and_malformed_group_requests(gbroker):
    with gbroker.connect() as c:
        # A protocol list claiming two billion entries: malformed, the connection closes
        # (as for any undecodable request) and the broker carries on.
        body = (Writer().string("g").int32(10000).int32(10000).string("").string("consumer")
                .int32(0x7FFFFFFF).getvalue())
        c.send(JOIN_GROUP, 1, body)
        closed, _ = c.wait_closed(5)
        assert closed
    with gbroker.connect() as c:
        # A 30000-byte group id and 900 KiB of member metadata are accepted (Kafka has no
        # limit of its own on either); storing 2 MiB of metadata in the group's record
        # exceeds max.message.bytes, which Kafka reports as UNKNOWN_SERVER_ERROR.
        long_id = "x" * 30000
        j = join_member(c, 5, long_id, protocols=[("range", b"z" * (900 << 10))])
        assert j["error_code"] == NONE
        big = join_member(c, 5, "big", protocols=[("range", b"z" * (2 << 20))])
        assert big["error_code"] == NONE
        s = sync_group(c, 3, "big", big["generation_id"], big["member_id"])
        assert s["error_code"] == UNKNOWN_SERVER_ERROR
        assert heartbeat(c, 3, long_id, j["generation_id"], j["member_id"]) == NONE
    gbroker.check_alive()
