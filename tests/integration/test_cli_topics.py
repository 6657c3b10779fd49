"""`gregor topic ...` end to end against a running broker: list, describe, create, delete,
alter-config and add-partitions, in text and JSON, with the one-line `gregor: ERROR_NAME:`
failures and exit codes (0 ok, 1 failed, 2 usage)."""

import json
import subprocess
import time

import pytest

from gregor_fixture import clean_env


def gregor(broker, *args, input=None, timeout=30, bootstrap=True):
    cmd = [broker.binary, *args]
    if bootstrap:
        cmd += ["--bootstrap-server", broker.bootstrap]
    try:
        return subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout,
                              env=clean_env())
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"{cmd} timed out; stderr: {e.stderr}") from None


def ok(broker, *args, **kw):
    p = gregor(broker, *args, **kw)
    assert p.returncode == 0, f"gregor {' '.join(args)} exited {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p.stdout


def fails(broker, *args, error, **kw):
    """Runs a command that must fail with exit 1 and exactly one `gregor: ERROR:` line."""
    p = gregor(broker, *args, **kw)
    assert p.returncode == 1, f"expected exit 1, got {p.returncode}\n{p.stdout}\n{p.stderr}"
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith(f"gregor: {error}: "), p.stderr
    return lines[0]


def test_list_create_describe_delete(broker):
    assert ok(broker, "topic", "list") == "no topics\n"
    assert json.loads(ok(broker, "topic", "list", "-o", "json")) == []

    out = ok(broker, "topic", "create", "orders", "--partitions", "3",
             "--config", "cleanup.policy=compact", "--retention", "7d")
    assert out == "created topic orders\n"
    ok(broker, "topic", "create", "payments", "refunds")  # broker defaults, two at once

    assert ok(broker, "topic", "list") == (
        "NAME      PARTITIONS  REPLICAS\n"
        "orders             3         1\n"
        "payments           1         1\n"
        "refunds            1         1\n")
    assert json.loads(ok(broker, "topic", "list", "--output", "json")) == [
        {"name": "orders", "partitions": 3, "replication_factor": 1},
        {"name": "payments", "partitions": 1, "replication_factor": 1},
        {"name": "refunds", "partitions": 1, "replication_factor": 1},
    ]

    text = ok(broker, "topic", "describe", "orders")
    assert text.startswith("Topic: orders\nPartitions: 3  Replication factor: 1\n"), text
    assert "cleanup.policy  compact    DYNAMIC_TOPIC_CONFIG" in text, text
    assert "retention.ms    604800000  DYNAMIC_TOPIC_CONFIG" in text, text
    assert "PARTITION  LEADER  REPLICAS  ISR  LOG-START  HIGH-WATERMARK" in text, text

    (desc,) = json.loads(ok(broker, "topic", "describe", "orders", "-o", "json"))
    assert desc["name"] == "orders" and desc["partition_count"] == 3
    assert desc["configs"] == {
        "cleanup.policy": {"value": "compact", "source": "DYNAMIC_TOPIC_CONFIG"},
        "retention.ms": {"value": "604800000", "source": "DYNAMIC_TOPIC_CONFIG"}}
    assert [(p["partition"], p["leader"], p["replicas"], p["isr"], p["high_watermark"])
            for p in desc["partitions"]] == [(0, 1, [1], [1], 0), (1, 1, [1], [1], 0),
                                             (2, 1, [1], [1], 0)]
    (full,) = json.loads(ok(broker, "topic", "describe", "payments", "--all-configs", "-o",
                            "json"))
    assert full["configs"]["segment.bytes"] == {"value": "1073741824", "source": "DEFAULT_CONFIG"}

    assert ok(broker, "topic", "delete", "payments", "refunds") == (
        "deleted topic payments\ndeleted topic refunds\n")
    assert [t["name"] for t in json.loads(ok(broker, "topic", "list", "-o", "json"))] == [
        "orders"]


def test_create_errors(broker):
    ok(broker, "topic", "create", "user.created")
    line = fails(broker, "topic", "create", "user.created", error="TOPIC_ALREADY_EXISTS")
    assert "user.created" in line
    assert ok(broker, "topic", "create", "user.created", "--if-not-exists") == (
        "topic user.created already exists\n")
    fails(broker, "topic", "create", "user_created", error="INVALID_TOPIC_EXCEPTION")
    fails(broker, "topic", "create", "bad name", error="INVALID_TOPIC_EXCEPTION")
    fails(broker, "topic", "create", "rf", "-r", "3", error="INVALID_REPLICATION_FACTOR")
    line = fails(broker, "topic", "create", "cfg", "-c", "retention.mss=1", error="INVALID_CONFIG")
    assert "retention.mss" in line
    fails(broker, "topic", "create", "cfg", "-c", "retention.ms=soon", error="INVALID_CONFIG")
    fails(broker, "topic", "create", "cfg", "-c", "novalue", error="INVALID_REQUEST")
    fails(broker, "topic", "create", "cfg", "--retention", "7 days", error="INVALID_CONFIG")
    assert ok(broker, "topic", "create", "dry", "--dry-run") == "would create topic dry\n"
    assert [t["name"] for t in json.loads(ok(broker, "topic", "list", "-o", "json"))] == [
        "user.created"]


def test_delete_errors(broker):
    fails(broker, "topic", "delete", "nope", error="UNKNOWN_TOPIC_OR_PARTITION")
    assert ok(broker, "topic", "delete", "nope", "--if-exists") == ""
    fails(broker, "topic", "describe", "nope", error="UNKNOWN_TOPIC_OR_PARTITION")


def test_alter_config(broker):
    ok(broker, "topic", "create", "conf", "-c", "retention.ms=1000", "-c", "segment.ms=60000")
    out = ok(broker, "topic", "alter-config", "conf", "--set", "retention.ms=2000",
             "--set", "cleanup.policy=compact", "--delete", "segment.ms")
    assert out.splitlines() == [
        "topic conf:",
        "CONFIG          OLD               NEW",
        "cleanup.policy  delete (default)  compact",
        "retention.ms    1000              2000",
        "segment.ms      60000             (default)",
    ], out
    (desc,) = json.loads(ok(broker, "topic", "describe", "conf", "-o", "json"))
    assert {k: v["value"] for k, v in desc["configs"].items()} == {
        "cleanup.policy": "compact", "retention.ms": "2000"}

    assert ok(broker, "topic", "alter-config", "conf", "--set", "retention.ms=2000") == (
        "topic conf: no changes\n")
    dry = json.loads(ok(broker, "topic", "alter-config", "conf", "-s", "retention.ms=5",
                        "--dry-run", "-o", "json"))
    assert dry == {"topic": "conf", "dry_run": True,
                   "changes": [{"config": "retention.ms", "old": "2000", "new": "5"}]}
    (desc,) = json.loads(ok(broker, "topic", "describe", "conf", "-o", "json"))
    assert desc["configs"]["retention.ms"]["value"] == "2000"

    fails(broker, "topic", "alter-config", "conf", "-s", "cleanup.policy=sometimes",
          error="INVALID_CONFIG")
    fails(broker, "topic", "alter-config", "missing", "-s", "retention.ms=1",
          error="UNKNOWN_TOPIC_OR_PARTITION")
    fails(broker, "topic", "alter-config", "conf", error="INVALID_REQUEST")


def test_add_partitions(broker):
    ok(broker, "topic", "create", "grow", "-p", "2")
    assert ok(broker, "topic", "add-partitions", "grow", "-p", "5") == (
        "topic grow: now has 5 partitions\n")
    (desc,) = json.loads(ok(broker, "topic", "describe", "grow", "-o", "json"))
    assert desc["partition_count"] == 5
    fails(broker, "topic", "add-partitions", "grow", "-p", "3", error="INVALID_PARTITIONS")


def test_unreachable_cluster_fails_fast(broker_factory):
    broker = broker_factory(start=False)  # its port is free: nothing listens there
    started = time.monotonic()
    line = fails(broker, "topic", "list", error="NETWORK_EXCEPTION")
    assert broker.bootstrap in line
    assert time.monotonic() - started < 8, "should not wait for the whole timeout"


@pytest.mark.parametrize("args", [
    ["--help"], ["topic", "--help"], ["topic", "list", "--help"], ["topic", "describe", "--help"],
    ["topic", "create", "--help"], ["topic", "delete", "--help"],
    ["topic", "alter-config", "--help"], ["topic", "add-partitions", "--help"],
    ["produce", "--help"], ["consume", "--help"], ["apply", "--help"], ["group", "--help"],
    ["group", "list", "--help"], ["group", "describe", "--help"],
    ["group", "reset-offsets", "--help"],
])
def test_help_everywhere(broker_factory, args):
    broker = broker_factory(start=False)
    p = gregor(broker, *args, bootstrap=False)
    assert p.returncode == 0, p.stderr
    assert "Usage:" in p.stdout and "-h,--help" in p.stdout, p.stdout


@pytest.mark.parametrize("args", [[], ["topic"], ["topic", "create"], ["bogus"],
                                  ["topic", "list", "--output", "yaml"],
                                  ["consume", "t", "--max-messages", "-3"]])
def test_usage_errors_exit_2(broker_factory, args):
    broker = broker_factory(start=False)
    p = gregor(broker, *args, bootstrap=False)
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
