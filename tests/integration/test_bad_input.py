"""Malformed, hostile and unusual traffic on raw sockets.

For every bad input the broker either answers as specified or closes that connection (each
case asserts which), and then: a connection opened before the bad input still works, a new
connection gets a correct ApiVersions answer, and the process is alive. Also: pipelining keeps
responses in request order, and idle connections are closed after connections.max.idle.ms.
"""

import socket
import ssl
import struct
import threading
import time

import pytest

import kafka_raw
from kafka_raw import API_VERSIONS, METADATA, Writer, encode_request, frame

CLOSE_TIMEOUT_S = 5.0


def int32(v):
    return struct.pack(">i", v)


def tls_client_hello():
    """The first bytes a TLS client sends (a real ClientHello from Python's ssl module)."""
    ctx = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    assert hello[0] == 0x16, hello[:8]  # handshake record
    return hello


def metadata_v12_with_tags(tags_raw):
    """Metadata v12 for all topics whose top-level tagged-field section is `tags_raw`."""
    body = (Writer().uvarint(0)  # topics: null
            .bool(True).bool(False).raw(tags_raw).getvalue())
    return encode_request(METADATA, 12, 7, body)


def request_with_raw_header_tags(tags_raw):
    """ApiVersions v3 whose request-header tagged-field section is `tags_raw`."""
    header = Writer().int16(API_VERSIONS).int16(3).int32(7).string("gregor-it").raw(tags_raw)
    return frame(header.getvalue() + kafka_raw.api_versions_body(3))


# Inputs after which the broker must close the connection without answering.
# Each value: (bytes to send, check peak memory afterwards).
CLOSE_CASES = {
    "garbage-bytes": (b"\xde\xad\xbe\xef" * 16, False),
    "garbage-frame": (frame(b"\xff" * 12), False),
    "http-get": (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/7.88.1\r\n"
                 b"Accept: */*\r\n\r\n", True),
    "tls-client-hello": (None, True),  # filled in below
    "size-minus-1": (int32(-1), False),
    "size-0": (int32(0), False),
    "size-0x7fffffff": (int32(0x7FFFFFFF), True),
    "size-2GiB": (struct.pack(">I", 0x80000000), True),
    "size-just-above-max": (int32(104857600 + 1), True),
    "header-ends-early": (frame(struct.pack(">hh", API_VERSIONS, 0) + b"\x00"), False),
    "client-id-longer-than-frame": (
        frame(struct.pack(">hhih", API_VERSIONS, 0, 7, 30000) + b"abc"), False),
    "unknown-api-key-9999": (encode_request(9999, 0, 7), False),
    "unknown-api-key-minus-1": (encode_request(-1, 0, 7), False),
    "metadata-v99": (encode_request(METADATA, 99, 7, kafka_raw.metadata_body(12)), False),
    "metadata-v-1": (encode_request(METADATA, -1, 7, kafka_raw.metadata_body(0)), False),
    "metadata-body-ends-early": (
        encode_request(METADATA, 1, 7, int32(3) + Writer().string("only-one").getvalue()), False),
    "metadata-string-longer-than-body": (
        encode_request(METADATA, 1, 7, int32(1) + struct.pack(">h", 1000) + b"abc"), False),
    "metadata-negative-string-length": (
        encode_request(METADATA, 1, 7, int32(1) + struct.pack(">h", -7)), False),
    "metadata-v0-null-topics": (encode_request(METADATA, 0, 7, int32(-1)), False),
    "metadata-v1-0x7fffffff-topics": (
        encode_request(METADATA, 1, 7, int32(0x7FFFFFFF) + Writer().string("a").getvalue()),
        True),
    "metadata-v4-missing-auto-create-flag": (
        encode_request(METADATA, 4, 7, int32(1) + Writer().string("t").getvalue()), False),
    "metadata-v12-huge-compact-array": (
        encode_request(METADATA, 12, 7, Writer().uvarint(0xFFFFFFFF).getvalue()), True),
    "metadata-v12-bogus-tag-size": (
        metadata_v12_with_tags(Writer().uvarint(1).uvarint(0).uvarint(1000).raw(b"xy")
                               .getvalue()), False),
    "metadata-v12-huge-tag-count": (
        metadata_v12_with_tags(Writer().uvarint(0x7FFFFFFF).getvalue()), True),
    "metadata-v12-unterminated-varint": (metadata_v12_with_tags(b"\xff\xff\xff"), False),
    "header-v2-bogus-tag-size": (
        request_with_raw_header_tags(Writer().uvarint(1).uvarint(0).uvarint(0x7FFFFFFF)
                                     .getvalue()), True),
}


def peak_memory_kib(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key = line.split(":")[0]
            if key in ("VmPeak", "VmHWM"):
                out[key] = int(line.split()[1])
    return out


def send_ignoring_reset(conn, data):
    try:
        conn.send_raw(data)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the broker may close before it has read everything; that is allowed


def assert_broker_healthy(broker, witness):
    """The connection opened before the bad input and a brand new one both still work."""
    broker.check_alive()
    resp = kafka_raw.api_versions(witness, 0)
    assert resp["error_code"] == 0 and resp["api_keys"][API_VERSIONS] == (0, 4), resp
    md = kafka_raw.metadata(witness, 1)
    assert md["brokers"][0]["node_id"] == 1, md
    with broker.connect() as fresh:
        resp = kafka_raw.api_versions(fresh, 0)
        assert resp["error_code"] == 0 and resp["api_keys"][API_VERSIONS] == (0, 4), resp
    broker.check_alive()


def assert_closed(conn, what):
    closed, data = conn.wait_closed(CLOSE_TIMEOUT_S)
    assert not data, f"{what}: expected the connection closed, got bytes {data[:64]!r}"
    assert closed, f"{what}: connection still open after {CLOSE_TIMEOUT_S} s"


@pytest.mark.parametrize("case", sorted(CLOSE_CASES))
def test_bad_input_closes_connection(broker, case):
    data, check_memory = CLOSE_CASES[case]
    if data is None:
        data = tls_client_hello()
    with broker.connect() as witness:
        kafka_raw.api_versions(witness, 0)
        before = peak_memory_kib(broker.pid)
        stderr_before = len(broker.stderr_text())
        with broker.connect() as bad:
            send_ignoring_reset(bad, data)
            assert_closed(bad, case)
        assert_broker_healthy(broker, witness)
        if check_memory:
            after = peak_memory_kib(broker.pid)
            # A frame size or array count taken at face value would reserve gigabytes.
            assert after["VmPeak"] - before["VmPeak"] < 256 * 1024, (before, after)
            assert after["VmHWM"] - before["VmHWM"] < 64 * 1024, (before, after)
        if case.startswith("unknown-api-key") or case.startswith("metadata-v"):
            # A log line says why the connection was closed (for 9999: naming the key).
            must_contain = "9999" if case == "unknown-api-key-9999" else ""
            deadline = time.monotonic() + 2.0
            while True:
                logged = broker.stderr_text()[stderr_before:]
                if logged.strip() and must_contain in logged:
                    break
                assert time.monotonic() < deadline, (
                    f"{case}: no log line {must_contain!r} when closing the connection; "
                    f"logged: {logged!r}")
                time.sleep(0.02)


@pytest.mark.parametrize("case", ["partial-size", "partial-header", "partial-body"])
def test_truncated_frame_then_eof_closes(broker, case):
    full = encode_request(METADATA, 1, 7, kafka_raw.metadata_body(1, ["a", "b", "c"]))
    cut = {"partial-size": 2, "partial-header": 7, "partial-body": len(full) - 3}[case]
    with broker.connect() as witness:
        kafka_raw.api_versions(witness, 0)
        with broker.connect() as bad:
            bad.send_raw(full[:cut])
            time.sleep(0.05)
            bad.shutdown_write()
            assert_closed(bad, case)
        assert_broker_healthy(broker, witness)


def test_abrupt_reset_mid_frame(broker):
    with broker.connect() as witness:
        kafka_raw.api_versions(witness, 0)
        s = socket.create_connection((broker.host, broker.port))
        s.sendall(encode_request(METADATA, 1, 7, kafka_raw.metadata_body(1))[:9])
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()  # RST
        time.sleep(0.1)
        assert_broker_healthy(broker, witness)


def test_many_bad_connections_in_a_row(broker):
    hello = tls_client_hello()
    with broker.connect() as witness:
        kafka_raw.api_versions(witness, 0)
        for i in range(200):
            with broker.connect() as bad:
                send_ignoring_reset(bad, [hello, int32(-1), encode_request(9999, 0, i)][i % 3])
                assert_closed(bad, f"bad connection {i}")
        assert_broker_healthy(broker, witness)


def test_frame_larger_than_configured_socket_request_max_bytes(broker_factory):
    broker = broker_factory(args=["--socket.request.max.bytes=1000"])
    with broker.connect() as witness:
        kafka_raw.api_versions(witness, 0)
        with broker.connect() as bad:
            send_ignoring_reset(bad, int32(1001) + b"\x00" * 1001)
            assert_closed(bad, "1001-byte frame with max 1000")
        # A request up to the limit is fine: Metadata v1 for topics whose names fill ~990 bytes.
        names = [f"t{i:03d}" for i in range(140)]
        req = encode_request(METADATA, 1, 9, kafka_raw.metadata_body(1, names))
        assert len(req) - 4 <= 1000, len(req)
        with broker.connect() as ok:
            ok.send_raw(req)
            md = kafka_raw.decode_metadata(1, ok.recv_response(METADATA, 1, 9))
            assert len(md["topics"]) == 140
        assert_broker_healthy(broker, witness)


# ---------------------------------------------------------------------------------------------
# ApiVersions with a version the broker does not know

@pytest.mark.parametrize("version", [5, 99, 32767, -1])
def test_unsupported_api_versions_version_gets_v0_error_body(broker, version):
    with broker.connect() as c:
        cid = c.send(API_VERSIONS, version, kafka_raw.api_versions_body(3), correlation_id=4242,
                     header_version=2 if version >= 3 else 1)
        payload = c.recv_frame()
        r = kafka_raw.Reader(payload)
        assert r.int32("correlation id") == 4242 == cid, payload.hex()
        # Response header v0 and a v0 body: error_code, int32 array count, (key, min, max)...
        resp = kafka_raw.decode_api_versions(0, r)
        assert resp["error_code"] == kafka_raw.UNSUPPORTED_VERSION, resp
        assert resp["api_keys"].get(API_VERSIONS) == (0, 4), resp
        # Clients retry on the same connection with a version from that range.
        ok = kafka_raw.api_versions(c, 0)
        assert ok["error_code"] == 0 and ok["api_keys"][METADATA] == (0, 12), ok
        ok = kafka_raw.api_versions(c, 4)
        assert ok["error_code"] == 0, ok
    broker.check_alive()


# ---------------------------------------------------------------------------------------------
# Pipelining

def _pipeline_requests(n):
    """n (api_key, version, correlation id, body) mixing every ApiVersions and Metadata version,
    with correlation ids that are not sequential (negative, zero, large)."""
    out = []
    for i in range(n):
        cid = [-(i + 1), 0x7FFFFFFF - i, i * 7919, -0x80000000 + i][i % 4] if i else 0
        if i % 2:
            v = i % 5
            out.append((API_VERSIONS, v, cid, kafka_raw.api_versions_body(v)))
        else:
            v = (i // 2) % 13
            out.append((METADATA, v, cid, kafka_raw.metadata_body(v, None)))
    return out


def _decode(api_key, version, reader):
    if api_key == API_VERSIONS:
        return kafka_raw.decode_api_versions(version, reader)
    return kafka_raw.decode_metadata(version, reader)


def test_pipelined_requests_answered_in_order(broker):
    broker.create_topic("pipe")
    reqs = _pipeline_requests(50)
    with broker.connect() as c:
        c.send_raw(b"".join(encode_request(k, v, cid, body) for k, v, cid, body in reqs))
        for k, v, cid, _ in reqs:
            resp = _decode(k, v, c.recv_response(k, v, cid))
            if k == METADATA:
                assert [t["name"] for t in resp["topics"]] == ["pipe"], resp
            else:
                assert resp["error_code"] == 0
        assert c.is_open(0.1)


def test_kafka_python_style_probe(broker):
    # kafka-python sends ApiVersions v0 and Metadata v0 in one write and expects both answers.
    with broker.connect() as c:
        c.send_raw(encode_request(API_VERSIONS, 0, 1) +
                   encode_request(METADATA, 0, 2, kafka_raw.metadata_body(0, None)))
        assert kafka_raw.decode_api_versions(0, c.recv_response(API_VERSIONS, 0, 1))[
            "error_code"] == 0
        assert kafka_raw.decode_metadata(0, c.recv_response(METADATA, 0, 2))["brokers"]


def test_requests_split_across_many_writes(broker):
    # Frames arrive in arbitrary pieces: byte by byte, and several frames in one segment.
    reqs = _pipeline_requests(6)
    data = b"".join(encode_request(k, v, cid, body) for k, v, cid, body in reqs)
    with broker.connect() as c:
        for i in range(0, 64):
            c.send_raw(data[i:i + 1])
            time.sleep(0.001)
        c.send_raw(data[64:])
        for k, v, cid, _ in reqs:
            _decode(k, v, c.recv_response(k, v, cid))


def test_responses_before_a_bad_request_are_delivered(broker):
    # Three good requests then an unknown API key in one write: three answers, then close.
    good = [(API_VERSIONS, 0, 11, b""), (METADATA, 1, 12, kafka_raw.metadata_body(1)),
            (API_VERSIONS, 3, 13, kafka_raw.api_versions_body(3))]
    with broker.connect() as c:
        c.send_raw(b"".join(encode_request(k, v, cid, b) for k, v, cid, b in good) +
                   encode_request(9999, 0, 14))
        for k, v, cid, _ in good:
            _decode(k, v, c.recv_response(k, v, cid))
        assert_closed(c, "after the unknown API key")
    broker.check_alive()


def test_many_pipelined_requests_with_a_slow_reader(broker):
    # The client writes 3000 requests while not reading for a while: the broker must apply
    # backpressure (stop reading) rather than drop, reorder or buffer without bound.
    n = 3000
    reqs = _pipeline_requests(n)
    with broker.connect(timeout=30) as c:
        errors = []

        def writer():
            try:
                for k, v, cid, body in reqs:
                    c.send_raw(encode_request(k, v, cid, body))
            except OSError as e:
                errors.append(e)

        t = threading.Thread(target=writer, daemon=True)
        t.start()
        time.sleep(1.0)
        for k, v, cid, _ in reqs:
            _decode(k, v, c.recv_response(k, v, cid, timeout=10))
        t.join(10)
        assert not errors, errors
    broker.check_alive()


def test_many_concurrent_connections(broker):
    conns = [broker.connect() for _ in range(100)]
    try:
        cids = [c.send(API_VERSIONS, 2) for c in conns]
        for c, cid in zip(conns, cids):
            assert kafka_raw.decode_api_versions(2, c.recv_response(API_VERSIONS, 2, cid))[
                "error_code"] == 0
    finally:
        for c in conns:
            c.close()
    broker.check_alive()


# ---------------------------------------------------------------------------------------------
# Idle connections

def test_idle_connection_closed_after_connections_max_idle_ms(broker_factory):
    broker = broker_factory(args=["--connections.max.idle.ms=500"])
    with broker.connect() as idle, broker.connect() as silent, broker.connect() as partial, \
            broker.connect() as busy:
        kafka_raw.api_versions(idle, 0)
        partial.send_raw(encode_request(METADATA, 1, 1, kafka_raw.metadata_body(1))[:6])
        start = time.monotonic()
        assert idle.is_open(0.3), "closed well before connections.max.idle.ms"
        # A connection that keeps sending is never idle.
        while time.monotonic() - start < 2.0:
            assert kafka_raw.api_versions(busy, 0)["error_code"] == 0
            time.sleep(0.15)
        for name, c in (("idle", idle), ("silent", silent), ("partial frame", partial)):
            closed, data = c.wait_closed(3.0)
            assert closed and not data, f"{name} connection not closed after being idle"
        assert kafka_raw.api_versions(busy, 0)["error_code"] == 0
    broker.check_alive()


def test_idle_close_is_not_early(broker_factory):
    broker = broker_factory(args=["--connections.max.idle.ms=1500"])
    with broker.connect() as c:
        kafka_raw.api_versions(c, 0)
        start = time.monotonic()
        closed, _ = c.wait_closed(6.0)
        elapsed = time.monotonic() - start
    assert closed, "idle connection never closed"
    assert elapsed >= 1.4, f"closed after {elapsed:.2f} s, before connections.max.idle.ms"
