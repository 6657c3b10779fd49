"""Consume-transform-produce with kafkajs 2.2.4 transactions (node/kafkajs_txn.js), aborts
injected: read_committed readers see every input record transformed exactly once,
read_uncommitted ones also the aborted output, and the group's committed offsets are the
end of the input.

kafkajs speaks the transaction APIs at v0-v1 (InitProducerId, AddPartitionsToTxn,
AddOffsetsToTxn, TxnOffsetCommit without KIP-447 member fields, EndTxn).
"""

import json
import os
import shutil
import subprocess

import pytest
from confluent_kafka import Consumer, TopicPartition

from test_transactions import ARGS, PARTITIONS, produce_input, read_all

NODE_DIR = os.path.join(os.path.dirname(__file__), "node")


def test_kafkajs_consume_transform_produce_with_aborts(broker_factory):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed (run scripts/setup.sh)", pytrace=False)
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "kafkajs")):
        pytest.fail(f"kafkajs not installed in {NODE_DIR} (run scripts/setup.sh)", pytrace=False)
    broker = broker_factory(args=ARGS)
    for t in ("js-in", "js-out"):
        broker.create_topic(t)
    count = 300
    written = produce_input(broker.bootstrap, "js-in", count, batch_records=10)
    run = subprocess.run([node, os.path.join(NODE_DIR, "kafkajs_txn.js"), broker.bootstrap,
                          "js-in", "js-out", "js-ctp", "js-txn", str(count), "3"],
                         capture_output=True, text=True, timeout=150)
    assert run.returncode == 0, (f"{run.stdout}\n{run.stderr[-4000:]}\n"
                                 f"{broker.stderr_text()[-4000:]}")
    stats = json.loads(run.stdout.strip().splitlines()[-1])
    assert stats["committedRecords"] == count and stats["abortedTxns"] >= 3, stats

    print(f"kafkajs: {stats}")
    committed = read_all(broker.bootstrap, "js-out")
    for q in range(PARTITIONS):
        assert committed[q] == [f"js-out-{v}" for v in written[q]], f"partition {q}"
    everything = read_all(broker.bootstrap, "js-out", isolation="read_uncommitted")
    total = sum(len(v) for v in everything.values())
    assert total == stats["committedRecords"] + stats["abortedRecords"], (total, stats)
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "js-ctp"})
    try:
        got = c.committed([TopicPartition("js-in", q) for q in range(PARTITIONS)], timeout=10)
    finally:
        c.close()
    assert {tp.partition: tp.offset for tp in got} == {q: len(written[q]) for q in written}
