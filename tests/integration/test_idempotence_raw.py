"""Idempotent produce at the protocol level: InitProducerId and the sequence rules, with
hand-built batches (kafka_records.encode_batch) so every case is exactly one request.

  - InitProducerId v0-v4 hands out distinct producer ids with epoch 0, and never repeats
    one after a restart, clean or kill -9 (the id block is reserved on disk first);
  - a retried batch is a duplicate: success with the original base offset, nothing
    appended; a gap gets OUT_OF_ORDER_SEQUENCE_NUMBER, an older epoch
    INVALID_PRODUCER_EPOCH, a producer the partition does not know with a non-zero
    sequence UNKNOWN_PRODUCER_ID;
  - after kill -9 and restart, a retry of the last batches is still recognised (the
    producer state is rebuilt from the log tail), and after a clean restart too (from the
    snapshot).
"""

import kafka_raw
import kafka_records

INIT_PRODUCER_ID = 22

NONE = 0
INVALID_REQUEST = 42
OUT_OF_ORDER_SEQUENCE_NUMBER = 45
INVALID_PRODUCER_EPOCH = 47
UNKNOWN_PRODUCER_ID = 59


def init_producer_id(conn, version=4, transactional_id=None, timeout_ms=60000,
                     producer_id=-1, producer_epoch=-1):
    flexible = version >= 2
    w = kafka_raw.Writer().string(transactional_id, flexible).int32(timeout_ms)
    if version >= 3:
        w.int64(producer_id).int16(producer_epoch)
    if flexible:
        w.tagged_fields()
    r = conn.request(INIT_PRODUCER_ID, version, w.getvalue())
    out = {"throttle_time_ms": r.int32(), "error_code": r.int16(), "producer_id": r.int64(),
           "producer_epoch": r.int16()}
    if flexible:
        r.tagged_fields()
    r.expect_end("InitProducerId response")
    return out


def batch(pid, epoch, seq, count, tag="v"):
    records = [(b"k", f"{tag}{seq + i}".encode()) for i in range(count)]
    return kafka_records.encode_batch(records, producer_id=pid, producer_epoch=epoch,
                                      base_sequence=seq)


def produce(conn, topic, records, version=8):
    return kafka_raw.produce_one(conn, topic, 0, records, version=version)


def high_watermark(conn, topic):
    return kafka_raw.list_offset(conn, topic, 0)["offset"]


def test_api_versions_advertise_init_producer_id(broker):
    keys = broker.api_versions(version=0)["api_keys"]
    assert keys[INIT_PRODUCER_ID] == (0, 4)


def test_producer_ids_are_distinct_and_never_reused_across_restarts(broker):
    seen = []
    with broker.connect() as c:
        for version in range(5):
            r = init_producer_id(c, version)
            assert r["error_code"] == NONE and r["producer_epoch"] == 0, r
            seen.append(r["producer_id"])
    broker.restart()
    with broker.connect() as c:
        seen.append(init_producer_id(c)["producer_id"])
    broker.kill9()
    broker.start()
    with broker.connect() as c:
        seen.append(init_producer_id(c)["producer_id"])
    assert len(set(seen)) == len(seen), seen
    assert seen == sorted(seen), seen


def test_init_producer_id_needs_both_id_and_epoch(broker):
    with broker.connect() as c:
        r = init_producer_id(c, 3, producer_id=5, producer_epoch=-1)
        assert r["error_code"] == INVALID_REQUEST, r
        # An idempotent producer resetting (KIP-360) gets a fresh id.
        first = init_producer_id(c, 4)
        again = init_producer_id(c, 4, producer_id=first["producer_id"], producer_epoch=0)
        assert again["error_code"] == NONE and again["producer_id"] != first["producer_id"]


def test_sequence_rules(broker):
    broker.create_topic("idem")
    with broker.connect() as c:
        pid = init_producer_id(c)["producer_id"]
        assert produce(c, "idem", batch(pid, 0, 0, 3))["base_offset"] == 0
        assert produce(c, "idem", batch(pid, 0, 3, 2))["base_offset"] == 3
        # Retries of either batch: the original offsets, nothing written.
        for seq, count, base in [(0, 3, 0), (3, 2, 3)]:
            r = produce(c, "idem", batch(pid, 0, seq, count))
            assert r["error_code"] == NONE and r["base_offset"] == base, r
        assert high_watermark(c, "idem") == 5
        # A gap.
        assert produce(c, "idem", batch(pid, 0, 9, 1))["error_code"] == OUT_OF_ORDER_SEQUENCE_NUMBER
        # A newer epoch starts over at 0; the old one is then stale.
        assert produce(c, "idem", batch(pid, 1, 0, 1))["base_offset"] == 5
        assert produce(c, "idem", batch(pid, 0, 5, 1))["error_code"] == INVALID_PRODUCER_EPOCH
        # A producer this partition never saw, continuing a sequence.
        other = init_producer_id(c)["producer_id"]
        assert produce(c, "idem", batch(other, 0, 7, 1))["error_code"] == UNKNOWN_PRODUCER_ID
        assert high_watermark(c, "idem") == 6
        # Produce v3 (the first idempotent version) gets the same answers.
        assert produce(c, "idem", batch(pid, 1, 0, 1), version=3)["base_offset"] == 5


def test_retry_after_kill9_is_still_a_duplicate(broker):
    broker.create_topic("idem-crash")
    with broker.connect() as c:
        pid = init_producer_id(c)["producer_id"]
        for i in range(6):
            assert produce(c, "idem-crash", batch(pid, 0, i * 2, 2))["base_offset"] == i * 2
    broker.kill9()
    broker.start()
    with broker.connect() as c:
        # The last five batches are remembered (the first is not: it is older than five).
        for i in range(1, 6):
            r = produce(c, "idem-crash", batch(pid, 0, i * 2, 2))
            assert r["error_code"] == NONE and r["base_offset"] == i * 2, (i, r)
        assert high_watermark(c, "idem-crash") == 12
        assert produce(c, "idem-crash", batch(pid, 0, 12, 1))["base_offset"] == 12
    broker.restart()  # clean: from the snapshot written on shutdown
    with broker.connect() as c:
        assert produce(c, "idem-crash", batch(pid, 0, 12, 1))["base_offset"] == 12
        assert produce(c, "idem-crash", batch(pid, 0, 14, 1))["error_code"] == \
            OUT_OF_ORDER_SEQUENCE_NUMBER
        assert high_watermark(c, "idem-crash") == 13
