"""Topic and config administration through kafkajs 2.2.4's admin client: createTopics,
createPartitions, alterConfigs, describeConfigs (with synonyms and configNames), deleteTopics,
and the kafkajs error types for Kafka's error codes. The scenario is node/kafkajs_admin.js.
"""

import json
import os
import shutil
import subprocess

import pytest

from gregor_fixture import REPO_ROOT

NODE_DIR = os.path.join(REPO_ROOT, "tests", "integration", "node")


def run_scenario(broker):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node not installed (run scripts/setup.sh)", pytrace=False)
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "kafkajs")):
        pytest.fail(f"kafkajs not installed in {NODE_DIR} (run scripts/setup.sh)", pytrace=False)
    p = subprocess.run([node, os.path.join(NODE_DIR, "kafkajs_admin.js"), broker.bootstrap],
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, f"kafkajs_admin.js exited {p.returncode}\n{p.stdout}\n{p.stderr}"
    return json.loads(p.stdout)


def test_kafkajs_admin_scenario(broker):
    out = run_scenario(broker)
    assert out["create"] == {"ok": True}
    assert out["create_again"] == {"ok": False}, "kafkajs reports an existing topic as false"
    assert out["create_rf3"] == {"error": ["INVALID_REPLICATION_FACTOR"]}
    assert out["create_bad_config"] == {"error": ["INVALID_CONFIG"]}
    assert out["create_bad_name"] == {"error": ["INVALID_TOPIC_EXCEPTION"]}
    assert out["validate_only"] == {"ok": True}
    assert out["grow"] == {"ok": None}
    assert out["shrink"] == {"error": ["INVALID_PARTITIONS"]}
    assert out["alter"]["ok"]["resources"][0]["errorCode"] == 0
    assert out["alter_bad"] == {"error": ["INVALID_CONFIG"]}
    assert out["overrides"] == {"ok": {"cleanup.policy": "compact", "retention.ms": "3600000"}}
    assert out["describe_some"] == {"ok": [
        {"name": "retention.ms", "value": "3600000", "source": 1,
         "synonyms": ["retention.ms", "log.retention.ms"]},
        {"name": "segment.bytes", "value": "1073741824", "source": 5,
         "synonyms": ["log.segment.bytes"]},
    ]}
    assert out["metadata"] == {"ok": {"js.bookings": 5, "js.replies": 1}}
    assert out["delete"] == {"ok": None}
    assert out["listed"] == {"ok": ["js.bookings"]}
    assert out["delete_missing"] == {"error": ["UNKNOWN_TOPIC_OR_PARTITION"]}
    # validate_only created nothing.
    md = broker.metadata(version=1, topics=None)
    assert sorted(t["name"] for t in md["topics"]) == ["js.bookings"]
