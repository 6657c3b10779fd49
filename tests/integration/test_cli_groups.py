"""`gregor group list|describe|reset-offsets` and `gregor consume --group` end to end: lag per
partition and in total, members and assignments of a live group (a confluent-kafka
consumer), resets by earliest/latest/offset/shift/datetime, and the refusal to reset a group
that still has members."""

import json
import threading
import time

import pytest
from confluent_kafka import Consumer

from test_cli_topics import fails, ok

BROKER_ARGS = ["--group.initial.rebalance.delay.ms=0"]


@pytest.fixture
def broker(broker_factory):
    return broker_factory(args=BROKER_ARGS)


def describe(broker, group):
    (d,) = json.loads(ok(broker, "group", "describe", group, "-o", "json"))
    return d


def committed(broker, group):
    return {(p["topic"], p["partition"]): p["committed"] for p in describe(broker, group)["partitions"]}


def fill(broker, topic, partitions, per_partition, start=0):
    for p in range(partitions):
        lines = "".join(f"{p}-{i}\n" for i in range(start, start + per_partition))
        ok(broker, "produce", topic, "--partition", str(p), input=lines)


def test_consume_with_group_commits_and_lag(broker):
    ok(broker, "topic", "create", "work", "-p", "3")
    fill(broker, "work", 3, 4)
    out = ok(broker, "consume", "work", "--group", "billing", "--from-beginning", "-e",
             timeout=60)
    assert sorted(out.splitlines()) == sorted(f"{p}-{i}" for p in range(3) for i in range(4))
    # Resuming from the committed offsets: nothing new.
    assert ok(broker, "consume", "work", "--group", "billing", "-e", timeout=60) == ""

    assert ok(broker, "group", "list") == (
        "GROUP    STATE  TYPE\n"
        "billing  Empty  consumer\n")
    assert json.loads(ok(broker, "group", "list", "-o", "json")) == [
        {"group": "billing", "state": "Empty", "simple": False}]

    fill(broker, "work", 1, 5, start=4)  # 5 more on partition 0
    d = describe(broker, "billing")
    assert d["state"] == "Empty" and d["members"] == [] and d["total_lag"] == 5
    assert [(p["partition"], p["committed"], p["log_end"], p["lag"]) for p in d["partitions"]] == [
        (0, 4, 9, 5), (1, 4, 4, 0), (2, 4, 4, 0)]
    text = ok(broker, "group", "describe", "billing")
    assert text.startswith("Group: billing\nState: Empty"), text
    assert "TOPIC  PARTITION  COMMITTED  LOG-END  LAG  MEMBER-ID" in text
    assert "work           0          4        9    5  -" in text, text
    assert text.endswith("Total lag: 5\n")

    fails(broker, "group", "describe", "nobody", error="GROUP_ID_NOT_FOUND")
    fails(broker, "consume", "work", "--group", "billing", "--offset", "3",
          error="INVALID_REQUEST")


def test_reset_offsets(broker):
    ok(broker, "topic", "create", "jobs", "-p", "2")
    fill(broker, "jobs", 2, 10)
    ok(broker, "consume", "jobs", "--group", "workers", "--from-beginning", "-e", timeout=60)
    assert committed(broker, "workers") == {("jobs", 0): 10, ("jobs", 1): 10}

    out = ok(broker, "group", "reset-offsets", "workers", "--topic", "jobs", "--to-earliest")
    assert out == ("TOPIC  PARTITION  OLD  NEW\n"
                   "jobs           0   10    0\n"
                   "jobs           1   10    0\n")
    assert committed(broker, "workers") == {("jobs", 0): 0, ("jobs", 1): 0}
    assert describe(broker, "workers")["total_lag"] == 20

    ok(broker, "group", "reset-offsets", "workers", "--topic", "jobs:1", "--shift-by", "7")
    ok(broker, "group", "reset-offsets", "workers", "--topic", "jobs:0", "--to-offset", "99")
    assert committed(broker, "workers") == {("jobs", 0): 10, ("jobs", 1): 7}

    dry = json.loads(ok(broker, "group", "reset-offsets", "workers", "--all-topics",
                        "--to-latest", "--dry-run", "-o", "json"))
    assert dry == {"group": "workers", "dry_run": True, "offsets": [
        {"topic": "jobs", "partition": 0, "from": 10, "to": 10},
        {"topic": "jobs", "partition": 1, "from": 7, "to": 10}]}
    assert committed(broker, "workers")[("jobs", 1)] == 7

    # --to-datetime: everything is older than now + 1 h (-> log end), newer than 2001.
    ok(broker, "group", "reset-offsets", "workers", "--all-topics", "--to-datetime",
       "2001-01-01T00:00:00Z")
    assert committed(broker, "workers") == {("jobs", 0): 0, ("jobs", 1): 0}
    future = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    ok(broker, "group", "reset-offsets", "workers", "--all-topics", "--to-datetime", future)
    assert committed(broker, "workers") == {("jobs", 0): 10, ("jobs", 1): 10}

    fails(broker, "group", "reset-offsets", "workers", "--topic", "jobs", error="INVALID_REQUEST")
    fails(broker, "group", "reset-offsets", "workers", "--to-latest", error="INVALID_REQUEST")
    fails(broker, "group", "reset-offsets", "workers", "--topic", "jobs:5", "--to-latest",
          error="UNKNOWN_TOPIC_OR_PARTITION")


def test_live_group_is_described_and_not_reset(broker):
    ok(broker, "topic", "create", "live", "-p", "2")
    fill(broker, "live", 2, 3)
    assigned = threading.Event()
    stop = threading.Event()

    def member():
        c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "live-group",
                      "client.id": "member-one", "auto.offset.reset": "earliest",
                      "session.timeout.ms": 10000,
                      "on_commit": lambda err, parts: None})
        c.subscribe(["live"], on_assign=lambda consumer, parts: assigned.set())
        while not stop.is_set():
            c.poll(0.1)
        c.close()

    t = threading.Thread(target=member, daemon=True)
    t.start()
    try:
        assert assigned.wait(30), "the confluent consumer was never assigned"
        deadline = time.monotonic() + 20
        while True:
            d = describe(broker, "live-group")
            if d["state"] == "Stable" and d["members"] and d["members"][0]["assignment"]:
                break
            assert time.monotonic() < deadline, d
            time.sleep(0.2)
        (m,) = d["members"]
        assert m["client_id"] == "member-one"
        assert sorted((a["topic"], a["partition"]) for a in m["assignment"]) == [
            ("live", 0), ("live", 1)]
        assert all(p["member_id"] == m["member_id"] for p in d["partitions"]), d
        text = ok(broker, "group", "describe", "live-group")
        assert "member-one" in text and "live:0,1" in text, text

        line = fails(broker, "group", "reset-offsets", "live-group", "--topic", "live",
                     "--to-earliest", error="NON_EMPTY_GROUP")
        assert "Stable" in line
    finally:
        stop.set()
        t.join(30)
    # Once the member left, the reset is allowed.
    deadline = time.monotonic() + 20
    while describe(broker, "live-group")["members"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    ok(broker, "group", "reset-offsets", "live-group", "--topic", "live", "--to-earliest")
