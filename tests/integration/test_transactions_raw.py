"""Transaction APIs at the protocol level, one request at a time: the versions advertised,
the error codes of each refusal (and which versions may see PRODUCER_FENCED), KIP-360
retries, produce verification, and DescribeTransactions / ListTransactions /
DescribeProducers.
"""

import kafka_raw
import kafka_records
from test_idempotence_raw import init_producer_id

INIT_PRODUCER_ID, ADD_PARTITIONS, ADD_OFFSETS, END_TXN, TXN_OFFSET_COMMIT = 22, 24, 25, 26, 28
DESCRIBE_PRODUCERS, DESCRIBE_TRANSACTIONS, LIST_TRANSACTIONS = 61, 65, 66

NONE = 0
UNKNOWN_TOPIC_OR_PARTITION = 3
INVALID_REQUEST = 42
INVALID_PRODUCER_EPOCH = 47
INVALID_TXN_STATE = 48
INVALID_PRODUCER_ID_MAPPING = 49
INVALID_TRANSACTION_TIMEOUT = 50
OPERATION_NOT_ATTEMPTED = 55
PRODUCER_FENCED = 90
TRANSACTIONAL_ID_NOT_FOUND = 105


def add_partitions(conn, version, txn_id, pid, epoch, topics):
    """topics: {name: [partitions]} -> {name: {partition: error}} (v0-2, not flexible)."""
    w = kafka_raw.Writer().string(txn_id).int64(pid).int16(epoch)
    w.array(topics.items(), lambda ww, t: ww.string(t[0]).array(t[1], lambda w3, p: w3.int32(p)))
    r = conn.request(ADD_PARTITIONS, version, w.getvalue())
    r.int32()  # throttle

    def topic(rr):
        name = rr.string()
        return name, dict(rr.array(lambda r3: (r3.int32(), r3.int16())))
    out = dict(r.array(topic))
    r.expect_end()
    return out


def end_txn(conn, version, txn_id, pid, epoch, commit):
    w = kafka_raw.Writer().string(txn_id).int64(pid).int16(epoch).bool(commit)
    r = conn.request(END_TXN, version, w.getvalue())
    r.int32()
    error = r.int16()
    r.expect_end()
    return error


def describe_transactions(conn, ids):
    w = kafka_raw.Writer().array(ids, lambda ww, i: ww.string(i, True), True)
    w.tagged_fields()
    r = conn.request(DESCRIBE_TRANSACTIONS, 0, w.getvalue())
    r.int32()

    def topic(rr):
        t = (rr.string(True), rr.array(lambda r3: r3.int32(), True))
        rr.tagged_fields()
        return t

    def state(rr):
        s = {"error_code": rr.int16(), "transactional_id": rr.string(True),
             "state": rr.string(True), "timeout_ms": rr.int32(), "start_ms": rr.int64(),
             "producer_id": rr.int64(), "producer_epoch": rr.int16(),
             "topics": dict(rr.array(topic, True))}
        rr.tagged_fields()
        return s
    out = r.array(state, True)
    r.tagged_fields()
    r.expect_end()
    return out


def list_transactions(conn, states=(), producer_ids=(), version=0, min_duration=-1):
    w = kafka_raw.Writer().array(states, lambda ww, s: ww.string(s, True), True)
    w.array(producer_ids, lambda ww, p: ww.int64(p), True)
    if version >= 1:
        w.int64(min_duration)
    w.tagged_fields()
    r = conn.request(LIST_TRANSACTIONS, version, w.getvalue())
    r.int32()
    error = r.int16()
    unknown = r.array(lambda rr: rr.string(True), True)

    def state(rr):
        s = (rr.string(True), rr.int64(), rr.string(True))
        rr.tagged_fields()
        return s
    listed = r.array(state, True)
    r.tagged_fields()
    r.expect_end()
    return error, unknown, listed


def describe_producers(conn, topic, partition):
    w = kafka_raw.Writer()
    w.array([(topic, [partition])], lambda ww, t: (ww.string(t[0], True),
             ww.array(t[1], lambda w3, p: w3.int32(p), True), ww.tagged_fields()), True)
    w.tagged_fields()
    r = conn.request(DESCRIBE_PRODUCERS, 0, w.getvalue())
    r.int32()

    def producer(rr):
        p = {"producer_id": rr.int64(), "epoch": rr.int32(), "last_sequence": rr.int32(),
             "last_timestamp": rr.int64(), "coordinator_epoch": rr.int32(),
             "txn_start_offset": rr.int64()}
        rr.tagged_fields()
        return p

    def part(rr):
        p = {"index": rr.int32(), "error_code": rr.int16(), "message": rr.string(True),
             "producers": rr.array(producer, True)}
        rr.tagged_fields()
        return p

    def tp(rr):
        t = (rr.string(True), rr.array(part, True))
        rr.tagged_fields()
        return t
    topics = r.array(tp, True)
    r.tagged_fields()
    r.expect_end()
    return topics[0][1][0]


def txn_batch(pid, epoch, seq, values):
    return kafka_records.encode_batch([(None, v.encode()) for v in values], attributes=0x10,
                                      producer_id=pid, producer_epoch=epoch, base_sequence=seq)


def begin(conn, txn_id):
    r = init_producer_id(conn, 4, transactional_id=txn_id)
    assert r["error_code"] == NONE, r
    return r["producer_id"], r["producer_epoch"]


def test_api_versions_advertise_the_transaction_apis(broker):
    keys = broker.api_versions(version=0)["api_keys"]
    assert keys[INIT_PRODUCER_ID] == (0, 4)
    assert keys[ADD_PARTITIONS] == (0, 3)  # never 4+: the brokers' batched form
    assert keys[ADD_OFFSETS] == (0, 3)
    assert keys[END_TXN] == (0, 3)
    assert keys[TXN_OFFSET_COMMIT] == (0, 3)
    assert keys[DESCRIBE_PRODUCERS] == (0, 0)
    assert keys[DESCRIBE_TRANSACTIONS] == (0, 0)
    assert keys[LIST_TRANSACTIONS] == (0, 1)


def test_init_producer_id_validation_and_kip360_retry(broker):
    with broker.connect() as c:
        assert init_producer_id(c, 4, transactional_id="")["error_code"] == INVALID_REQUEST
        r = init_producer_id(c, 4, transactional_id="t", timeout_ms=900001)
        assert r["error_code"] == INVALID_TRANSACTION_TIMEOUT
        pid, epoch = begin(c, "t")
        assert epoch == 0
        # Re-initialising bumps the epoch; a retry of that call gets the same answer.
        bumped = init_producer_id(c, 3, transactional_id="t", producer_id=pid, producer_epoch=0)
        assert (bumped["producer_id"], bumped["producer_epoch"]) == (pid, 1)
        retry = init_producer_id(c, 3, transactional_id="t", producer_id=pid, producer_epoch=0)
        assert (retry["error_code"], retry["producer_epoch"]) == (NONE, 1)
        # An epoch that is neither the current nor the previous one is fenced, by version.
        stale = dict(transactional_id="t", producer_id=pid, producer_epoch=7)
        assert init_producer_id(c, 3, **stale)["error_code"] == INVALID_PRODUCER_EPOCH
        assert init_producer_id(c, 4, **stale)["error_code"] == PRODUCER_FENCED


def test_fenced_epoch_errors_depend_on_the_version(broker):
    broker.create_topic("fence")
    with broker.connect() as c:
        pid, old = begin(c, "f")
        _, new = begin(c, "f")
        assert new == old + 1
        for version, want in [(0, INVALID_PRODUCER_EPOCH), (1, INVALID_PRODUCER_EPOCH),
                              (2, PRODUCER_FENCED)]:
            got = add_partitions(c, version, "f", pid, old, {"fence": [0]})
            assert got == {"fence": {0: want}}, (version, got)
            assert end_txn(c, version, "f", pid, old, True) == want
        assert end_txn(c, 2, "f", pid + 1000, new, True) == INVALID_PRODUCER_ID_MAPPING
        assert end_txn(c, 2, "nobody", pid, new, True) == INVALID_PRODUCER_ID_MAPPING
        assert end_txn(c, 2, "f", pid, new, True) == INVALID_TXN_STATE  # nothing open


def test_add_partitions_of_unknown_topics(broker):
    broker.create_topic("known")
    with broker.connect() as c:
        pid, epoch = begin(c, "u")
        got = add_partitions(c, 2, "u", pid, epoch, {"known": [0], "missing": [0]})
        assert got == {"known": {0: OPERATION_NOT_ATTEMPTED},
                       "missing": {0: UNKNOWN_TOPIC_OR_PARTITION}}


def test_transactional_produce_needs_the_partition_in_the_transaction(broker):
    broker.create_topic("verify")
    with broker.connect() as c:
        pid, epoch = begin(c, "v")
        r = kafka_raw.produce_one(c, "verify", 0, txn_batch(pid, epoch, 0, ["x"]))
        assert r["error_code"] == INVALID_TXN_STATE, r
        assert add_partitions(c, 2, "v", pid, epoch, {"verify": [0]}) == {"verify": {0: NONE}}
        r = kafka_raw.produce_one(c, "verify", 0, txn_batch(pid, epoch, 0, ["x"]))
        assert r["error_code"] == NONE, r
        assert end_txn(c, 2, "v", pid, epoch, False) == NONE
        # After the abort the transaction is closed: a late write may not reopen it.
        r = kafka_raw.produce_one(c, "verify", 0, txn_batch(pid, epoch, 1, ["late"]))
        assert r["error_code"] == INVALID_TXN_STATE, r
        assert kafka_raw.list_offset(c, "verify", 0, isolation_level=1)["offset"] == 2


def test_describe_and_list_transactions_and_producers(broker):
    broker.create_topic("described")
    with broker.connect() as c:
        pid, epoch = begin(c, "d")
        assert add_partitions(c, 2, "d", pid, epoch, {"described": [0]}) == \
            {"described": {0: NONE}}
        assert kafka_raw.produce_one(c, "described", 0,
                                     txn_batch(pid, epoch, 0, ["a", "b"]))["error_code"] == NONE
        [d] = describe_transactions(c, ["d"])
        assert d["error_code"] == NONE and d["state"] == "Ongoing", d
        assert (d["producer_id"], d["producer_epoch"], d["timeout_ms"]) == (pid, epoch, 60000)
        assert d["topics"] == {"described": [0]} and d["start_ms"] > 0
        [missing] = describe_transactions(c, ["nope"])
        assert missing["error_code"] == TRANSACTIONAL_ID_NOT_FOUND

        p = describe_producers(c, "described", 0)
        assert p["error_code"] == NONE
        assert [(x["producer_id"], x["epoch"], x["last_sequence"], x["txn_start_offset"])
                for x in p["producers"]] == [(pid, epoch, 1, 0)]

        error, unknown, listed = list_transactions(c, ["Ongoing", "Bogus"])
        assert (error, unknown, listed) == (NONE, ["Bogus"], [("d", pid, "Ongoing")])
        assert list_transactions(c, producer_ids=[pid + 1])[2] == []
        # v1: only transactions open for at least the given time.
        assert list_transactions(c, version=1, min_duration=3_600_000)[2] == []

        assert end_txn(c, 2, "d", pid, epoch, True) == NONE
        [d] = describe_transactions(c, ["d"])
        assert d["state"] == "CompleteCommit" and d["topics"] == {}
        assert list_transactions(c, ["CompleteCommit"])[2] == [("d", pid, "CompleteCommit")]
        assert describe_producers(c, "described", 0)["producers"][0]["txn_start_offset"] == -1


OFFSET_FETCH = 9
UNSTABLE_OFFSET_COMMIT = 88


def add_offsets(conn, txn_id, pid, epoch, group):
    w = kafka_raw.Writer().string(txn_id).int64(pid).int16(epoch).string(group)
    r = conn.request(ADD_OFFSETS, 0, w.getvalue())
    r.int32()
    error = r.int16()
    r.expect_end()
    return error


def txn_offset_commit(conn, txn_id, group, pid, epoch, topic, partition, offset):
    """TxnOffsetCommit v0 for one partition; returns its error."""
    w = kafka_raw.Writer().string(txn_id).string(group).int64(pid).int16(epoch)
    w.array([topic], lambda ww, t: ww.string(t).array(
        [partition], lambda w3, p: w3.int32(p).int64(offset).string(None)))
    r = conn.request(TXN_OFFSET_COMMIT, 0, w.getvalue())
    r.int32()
    [(_, [(_, error)])] = r.array(lambda rr: (rr.string(), rr.array(lambda r3: (r3.int32(),
                                                                                 r3.int16()))))
    r.expect_end()
    return error


def offset_fetch_stable(conn, group, topic, partition):
    """OffsetFetch v7 with require_stable; returns (offset, error) of the partition."""
    w = kafka_raw.Writer().string(group, True)
    w.array([topic], lambda ww, t: (ww.string(t, True),
                                    ww.array([partition], lambda w3, p: w3.int32(p), True),
                                    ww.tagged_fields()), True)
    w.bool(True).tagged_fields()
    r = conn.request(OFFSET_FETCH, 7, w.getvalue())
    r.int32()

    def part(rr):
        p = (rr.int32(), rr.int64(), rr.int32(), rr.string(True), rr.int16())
        rr.tagged_fields()
        return p

    def tp(rr):
        t = (rr.string(True), rr.array(part, True))
        rr.tagged_fields()
        return t
    [(_, [(_, offset, _, _, error)])] = r.array(tp, True)
    r.int16()
    r.tagged_fields()
    r.expect_end()
    return offset, error


def test_offsets_become_committed_only_when_the_transaction_commits(broker):
    broker.create_topic("src")
    with broker.connect() as c:
        pid, epoch = begin(c, "o")
        for n, (offset, commit) in enumerate([(10, False), (20, True)]):
            assert add_offsets(c, "o", pid, epoch, "grp") == NONE
            assert txn_offset_commit(c, "o", "grp", pid, epoch, "src", 0, offset) == NONE
            # Pending: require_stable readers are told to wait.
            assert offset_fetch_stable(c, "grp", "src", 0) == (-1, UNSTABLE_OFFSET_COMMIT)
            assert end_txn(c, 2, "o", pid, epoch, commit) == NONE
            assert offset_fetch_stable(c, "grp", "src", 0) == (20 if commit else -1, NONE), n
        # A stale epoch cannot commit offsets.
        assert txn_offset_commit(c, "o", "grp", pid, epoch - 1, "src", 0, 5) == \
            INVALID_PRODUCER_EPOCH
