"""`gregor apply -f topics.yaml` end to end: examples/topics.yaml creates exactly its topics
with their partitions and configs (replication factor 3 clamped on one node, with a
warning), a second apply changes nothing, edits are applied as grow / set / reset,
--dry-run changes nothing, and --prune deletes unlisted topics (never internal ones)."""

import json
import os

import yaml
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource

from gregor_fixture import REPO_ROOT
from test_cli_topics import fails, gregor, ok

EXAMPLE = os.path.join(REPO_ROOT, "examples", "topics.yaml")


def expected_from_example():
    """{name: (partitions, {config: value})} as the example file means them."""
    doc = yaml.safe_load(open(EXAMPLE))
    defaults = doc.get("defaults", {})
    units = {"ms": 1, "s": 1000, "m": 60000, "h": 3600000, "d": 86400000}

    def ms(v):
        v = str(v)
        if v == "-1":
            return "-1"
        for suffix in ("ms", "s", "m", "h", "d"):
            if v.endswith(suffix) and v[:-len(suffix)].isdigit():
                return str(int(v[:-len(suffix)]) * units[suffix])
        return v

    out = {}
    for t in doc["topics"]:
        configs = {k: (ms(v) if k.endswith(".ms") else str(v))
                   for k, v in (t.get("config") or {}).items()}
        if "retention" in t:
            configs["retention.ms"] = ms(t["retention"])
        out[t["name"]] = (t.get("partitions", defaults.get("partitions")), configs)
    return out


def cluster_state(broker):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    md = admin.list_topics(timeout=10)
    names = sorted(n for n in md.topics if not n.startswith("__"))
    if not names:
        return {}
    futures = admin.describe_configs([ConfigResource("topic", n) for n in names])
    overrides = {}
    for res, f in futures.items():
        overrides[res.name] = {k: v.value for k, v in f.result(timeout=10).items()
                               if v.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value}
    return {n: (len(md.topics[n].partitions), overrides[n]) for n in names}


def apply(broker, path, *args):
    return gregor(broker, "apply", "-f", path, *args)


def write(tmp_path, text):
    path = tmp_path / "topics.yaml"
    path.write_text(text)
    return str(path)


def test_example_file_creates_exactly_its_topics_then_no_change(broker):
    expected = expected_from_example()
    assert len(expected) >= 15
    for domain in ("user.", "workflow.", "ai.", "tenant.", "system.", "booking."):
        assert any(n.startswith(domain) for n in expected), domain
    assert {"booking.requests", "booking.replies", "booking.requests.dlq"} <= set(expected)

    dry = apply(broker, EXAMPLE, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.strip().endswith(f"dry run: would make {len(expected)} change(s); "
                                       "0 topic(s) unchanged")
    assert cluster_state(broker) == {}

    first = apply(broker, EXAMPLE)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("\ncreate  ") == len(expected), first.stdout
    # One warning about the replication factor of the whole file, not one per topic.
    warnings = [l for l in first.stderr.splitlines() if l.startswith("warning:")]
    assert len(warnings) == 1 and "replication-factor 3" in warnings[0], first.stderr
    assert cluster_state(broker) == expected

    second = apply(broker, EXAMPLE)
    assert second.returncode == 0, second.stderr
    assert second.stdout == f"no changes: {len(expected)} topic(s) up to date\n"
    report = json.loads(apply(broker, EXAMPLE, "-o", "json").stdout)
    assert report["changes"] == [] and report["unchanged"] == len(expected)
    assert report["errors"] == []


def test_edits_are_applied_as_grow_set_and_reset(broker, tmp_path):
    path = write(tmp_path, """
topics:
  - name: orders
    partitions: 2
    retention: 1d
    config: {cleanup.policy: compact}
  - name: payments
""")
    assert apply(broker, path).returncode == 0
    assert cluster_state(broker) == {
        "orders": (2, {"retention.ms": "86400000", "cleanup.policy": "compact"}),
        "payments": (1, {})}

    path = write(tmp_path, """
topics:
  - name: orders
    partitions: 4
    retention: 2d
  - name: payments
    partitions: 1
    config: {segment.ms: 1h}
""")
    report = json.loads(apply(broker, path, "--output", "json").stdout)
    assert report["changes"] == [
        {"action": "grow", "topic": "orders", "from": 2, "to": 4},
        {"action": "set-config", "topic": "orders", "config": "retention.ms",
         "from": "86400000", "to": "172800000"},
        {"action": "reset-config", "topic": "orders", "config": "cleanup.policy",
         "from": "compact", "to": None},
        {"action": "set-config", "topic": "payments", "config": "segment.ms",
         "from": "604800000", "to": "3600000"},
    ]
    assert cluster_state(broker) == {
        "orders": (4, {"retention.ms": "172800000"}),
        "payments": (1, {"segment.ms": "3600000"})}
    assert apply(broker, path).stdout == "no changes: 2 topic(s) up to date\n"

    # Fewer partitions in the file: a warning, never a change.
    shrink = apply(broker, write(tmp_path, "topics: [{name: orders, partitions: 1, "
                                           "retention: 2d}, {name: payments, "
                                           "config: {segment.ms: 1h}}]"))
    assert shrink.returncode == 0
    assert "partitions cannot be removed" in shrink.stderr
    assert cluster_state(broker)["orders"][0] == 4


def test_dry_run_and_prune(broker, tmp_path):
    ok(broker, "topic", "create", "keep")
    ok(broker, "topic", "create", "legacy")
    ok(broker, "topic", "create", "_schemas")
    path = write(tmp_path, "topics: [{name: keep}, {name: fresh}]")

    dry = apply(broker, path, "--prune", "--dry-run")
    assert dry.returncode == 0
    assert "create  fresh" in dry.stdout and "delete  legacy" in dry.stdout, dry.stdout
    assert set(cluster_state(broker)) == {"keep", "legacy", "_schemas"}

    assert "legacy" not in apply(broker, path).stdout  # without --prune nothing is deleted
    assert set(cluster_state(broker)) == {"keep", "legacy", "_schemas", "fresh"}
    out = apply(broker, path, "--prune")
    assert out.returncode == 0 and "delete  legacy" in out.stdout, out.stdout
    assert set(cluster_state(broker)) == {"keep", "fresh", "_schemas"}


def test_bad_files_and_rejected_configs(broker, tmp_path):
    line = fails(broker, "apply", "-f", write(tmp_path, "topics:\n  - name: a\n    partitons: 3\n"),
                 error="INVALID_CONFIG")
    assert "topics.yaml:3" in line and "partitons" in line
    fails(broker, "apply", "-f", str(tmp_path / "missing.yaml"), error="INVALID_CONFIG")
    # A config the broker rejects: the error names the topic; the valid topic is created.
    p = apply(broker, write(tmp_path, "topics: [{name: good}, {name: bad, "
                                      "config: {retention.mss: 5}}]"))
    assert p.returncode == 1
    errors = [l for l in p.stderr.splitlines() if l.startswith("gregor: ")]
    assert len(errors) == 1 and errors[0].startswith("gregor: INVALID_CONFIG: bad: "), p.stderr
    assert set(cluster_state(broker)) == {"good"}


def test_reads_standard_input(broker):
    p = gregor(broker, "apply", "-f", "-", input="topics: [{name: from-stdin, partitions: 2}]\n")
    assert p.returncode == 0, p.stderr
    assert cluster_state(broker) == {"from-stdin": (2, {})}
