"""Helpers for tests that drive real client programs against the broker.

run()                 runs a program; on failure the assertion shows its stdout and stderr
run_json()            runs a program that prints one JSON object
require_tool()        a program on PATH, or fails the test saying how to install it
client_exe()          a C client built from clients/*.c
consume_partitions()  reads partitions from the beginning to their end with
                      confluent-kafka-python (librdkafka), by assign(), no consumer group
raw_offsets()         earliest and latest offsets of partitions through raw ListOffsets
"""

import json
import os
import shutil
import subprocess
import time

import pytest

import kafka_raw

CLIENT_TIMEOUT_S = 120
# confluent-kafka-python needs a group.id to make a consumer; it is never joined because
# the tests only assign() (the broker has no group coordinator yet).
UNUSED_GROUP = "gregor-it-unused"


def run(cmd, timeout=CLIENT_TIMEOUT_S, check=True, input=None, **kw):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           input=input, stdin=None if input is not None else subprocess.DEVNULL,
                           **kw)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"{cmd} timed out after {timeout} s\nstdout: {e.stdout}\n"
                             f"stderr: {e.stderr}") from None
    if check and p.returncode != 0:
        raise AssertionError(f"{cmd} exited {p.returncode}\nstdout: {p.stdout[-20000:]}\n"
                             f"stderr: {p.stderr[-20000:]}")
    return p


def run_json(cmd, check=True, **kw):
    """Runs cmd and parses the last line of its stdout as JSON. With check=False a failing
    exit status is returned alongside, so the caller can assert on the summary first."""
    p = run(cmd, check=False, **kw)
    lines = p.stdout.strip().splitlines()
    try:
        out = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        raise AssertionError(f"{cmd} exited {p.returncode} without a JSON summary\n"
                             f"stdout: {p.stdout[-20000:]}\nstderr: {p.stderr[-20000:]}") from None
    if check and p.returncode != 0:
        raise AssertionError(f"{cmd} exited {p.returncode}\nsummary: {out}\n"
                             f"stderr: {p.stderr[-20000:]}")
    return out, p


def require_tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not installed (run scripts/setup.sh)", pytrace=False)
    return path


def client_exe(clients_dir, name):
    exe = os.path.join(clients_dir, name)
    if not os.access(exe, os.X_OK):
        pytest.fail(f"{exe} not built (cmake --build <build dir>)", pytrace=False)
    return exe


def consume_partitions(bootstrap, topic, partitions, timeout=60.0, expect=None, **conf):
    """Reads each partition in `partitions` (ids) from its beginning until end of partition.

    expect: optional {partition: record count}; reading continues until a partition has at
    least that many records and then reaches its end (so records still being made visible
    are not missed). Returns {partition: [record dict]}, each with offset, key, value,
    headers (list of (name, bytes) or None), timestamp_type and timestamp.
    Consume errors fail the test.
    """
    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

    config = {"bootstrap.servers": bootstrap, "group.id": UNUSED_GROUP,
              "client.id": "gregor-it-ck-consumer", "enable.auto.commit": False,
              "enable.auto.offset.store": False, "enable.partition.eof": True,
              "check.crcs": True}
    config.update(conf)
    consumer = Consumer(config)
    out = {p: [] for p in partitions}
    done = set()
    try:
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        deadline = time.monotonic() + timeout
        while len(done) < len(out):
            if time.monotonic() > deadline:
                counts = {p: len(v) for p, v in out.items()}
                raise AssertionError(f"{topic}: end of partitions {sorted(set(out) - done)} not "
                                     f"reached within {timeout} s; have {counts}")
            for m in consumer.consume(10000, 0.5):
                err = m.error()
                if err is not None:
                    if err.code() == KafkaError._PARTITION_EOF:
                        p = m.partition()
                        if expect is None or len(out[p]) >= expect.get(p, 0):
                            done.add(p)
                        continue
                    raise AssertionError(f"{topic}: consume error: {err}")
                ts_type, ts = m.timestamp()
                out[m.partition()].append({
                    "offset": m.offset(), "key": m.key(), "value": m.value(),
                    "headers": m.headers(), "timestamp_type": ts_type, "timestamp": ts})
    finally:
        consumer.close()
    return out


def raw_offsets(broker, topic, partitions):
    """{partition: (earliest, latest)} through raw ListOffsets v7."""
    out = {}
    with broker.connect() as c:
        for p in partitions:
            e = kafka_raw.list_offset(c, topic, p, kafka_raw.EARLIEST_TIMESTAMP)
            l_ = kafka_raw.list_offset(c, topic, p, kafka_raw.LATEST_TIMESTAMP)
            assert e["error_code"] == 0 and l_["error_code"] == 0, (e, l_)
            out[p] = (e["offset"], l_["offset"])
    return out
