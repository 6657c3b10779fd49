"""A tiny raw Kafka protocol client for protocol-level integration tests.

No Kafka library is involved: requests are framed by hand with `struct`, so tests can send
exactly the bytes they mean (including malformed ones) and see exactly what comes back, or
that nothing comes back and the connection was closed.

Wire format (all integers big-endian; see the Kafka protocol guide and the JSON schemas):
  frame    = int32 size, then `size` bytes
  request  = header v1 (api_key int16, api_version int16, correlation_id int32,
             client_id int16-length nullable string) or header v2 (v1 + tagged fields),
             then the body. v2 is used when the body version is flexible (KIP-482).
  response = header v0 (correlation_id int32) or v1 (+ tagged fields), then the body.
             ApiVersions responses always use header v0, even when the body is flexible.

Implemented: ApiVersions, Metadata, Produce (v3-11), ListOffsets (v1-10), Fetch (v4-16); record
batches are built and parsed by kafka_records.py. Adding an API: write
`<api>_body(version, ...)` with a `Writer` and `decode_<api>(version, reader)` with a `Reader`,
as done below for ApiVersions and Metadata.
Decoders call `Reader.expect_end()` so that trailing bytes are reported, not ignored.
"""

import select
import socket
import struct
import time
import uuid

import kafka_records

# API keys used by the tests.
PRODUCE = 0
FETCH = 1
LIST_OFFSETS = 2
METADATA = 3
API_VERSIONS = 18
CREATE_TOPICS = 19

# Error codes (Kafka's Errors.java).
NONE = 0
OFFSET_OUT_OF_RANGE = 1
CORRUPT_MESSAGE = 2
UNKNOWN_TOPIC_OR_PARTITION = 3
LEADER_NOT_AVAILABLE = 5
MESSAGE_TOO_LARGE = 10
INVALID_TOPIC_EXCEPTION = 17
INVALID_REQUIRED_ACKS = 21
UNSUPPORTED_VERSION = 35
INVALID_REQUEST = 42
UNSUPPORTED_FOR_MESSAGE_FORMAT = 43
UNSUPPORTED_COMPRESSION_TYPE = 76
INVALID_RECORD = 87
UNKNOWN_TOPIC_ID = 100

# ListOffsets special timestamps.
LATEST_TIMESTAMP = -1
EARLIEST_TIMESTAMP = -2
MAX_TIMESTAMP = -3

# First flexible (KIP-482) version of each API key, from Kafka's message definitions.
# Keys 17 (SaslHandshake) and 47 (OffsetDelete) are never flexible.
FIRST_FLEXIBLE_VERSION = {
    0: 9, 1: 12, 2: 6, 3: 9, 4: 4, 5: 2, 6: 6, 7: 3, 8: 8, 9: 6, 10: 3, 11: 6, 12: 4, 13: 4,
    14: 4, 15: 5, 16: 3, 18: 3, 19: 5, 20: 4, 21: 2, 22: 2, 23: 4, 24: 3, 25: 3, 26: 3, 27: 1,
    28: 3, 29: 2, 30: 2, 31: 2, 32: 4, 33: 2, 34: 2, 35: 2, 36: 2, 37: 2, 38: 2, 39: 2, 40: 2,
    41: 2, 42: 2, 43: 2, 44: 1, 48: 1, 49: 1, 53: 1, 54: 1,
}
for _key in range(45, 88):
    if _key not in (47, 48, 49, 53, 54):
        FIRST_FLEXIBLE_VERSION.setdefault(_key, 0)

DEFAULT_CLIENT_ID = "gregor-it"
ZERO_UUID = bytes(16)


def is_flexible(api_key, version):
    first = FIRST_FLEXIBLE_VERSION.get(api_key)
    return first is not None and version >= first


def request_header_version(api_key, version):
    return 2 if is_flexible(api_key, version) else 1


def response_header_version(api_key, version):
    # ApiVersions answers with header v0 at every version so that a client that sent a
    # version the broker does not know can still read the correlation id and error.
    if api_key == API_VERSIONS:
        return 0
    return 1 if is_flexible(api_key, version) else 0


class DecodeError(Exception):
    """The bytes received do not decode as the expected message."""


class ConnectionClosed(Exception):
    """The peer closed the connection (EOF or reset)."""


class ResponseTimeout(Exception):
    """No complete frame arrived within the timeout."""


class Writer:
    """Appends Kafka primitive types to a byte buffer."""

    def __init__(self):
        self.buf = bytearray()

    def raw(self, data):
        self.buf += data
        return self

    def int8(self, v):
        self.buf += struct.pack(">b", v)
        return self

    def bool(self, v):
        return self.int8(1 if v else 0)

    def int16(self, v):
        self.buf += struct.pack(">h", v)
        return self

    def int32(self, v):
        self.buf += struct.pack(">i", v)
        return self

    def uint32(self, v):
        self.buf += struct.pack(">I", v)
        return self

    def int64(self, v):
        self.buf += struct.pack(">q", v)
        return self

    def uvarint(self, v):
        assert v >= 0
        while True:
            b = v & 0x7F
            v >>= 7
            if v:
                self.buf.append(b | 0x80)
            else:
                self.buf.append(b)
                return self

    def varint(self, v):
        return self.uvarint((v << 1) ^ (v >> 63))

    def uuid(self, v):
        if isinstance(v, uuid.UUID):
            v = v.bytes
        assert len(v) == 16
        self.buf += v
        return self

    def string(self, s, flexible=False):
        """A (nullable) string: int16 length, or uvarint length+1 when flexible; None = null."""
        if s is None:
            return self.uvarint(0) if flexible else self.int16(-1)
        data = s.encode() if isinstance(s, str) else bytes(s)
        if flexible:
            self.uvarint(len(data) + 1)
        else:
            self.int16(len(data))
        self.buf += data
        return self

    def bytes_(self, b, flexible=False):
        if b is None:
            return self.uvarint(0) if flexible else self.int32(-1)
        if flexible:
            self.uvarint(len(b) + 1)
        else:
            self.int32(len(b))
        self.buf += b
        return self

    def array(self, items, write_item, flexible=False):
        """A (nullable) array; write_item(writer, item) encodes one element; None = null."""
        if items is None:
            return self.uvarint(0) if flexible else self.int32(-1)
        items = list(items)
        if flexible:
            self.uvarint(len(items) + 1)
        else:
            self.int32(len(items))
        for item in items:
            write_item(self, item)
        return self

    def tagged_fields(self, fields=None):
        """A tagged-field section: {tag: payload bytes}, written in ascending tag order."""
        fields = fields or {}
        self.uvarint(len(fields))
        for tag in sorted(fields):
            self.uvarint(tag)
            self.uvarint(len(fields[tag]))
            self.buf += fields[tag]
        return self

    def getvalue(self):
        return bytes(self.buf)


class Reader:
    """Reads Kafka primitive types from bytes; every read is bounds-checked (DecodeError)."""

    def __init__(self, data):
        self.data = bytes(data)
        self.pos = 0

    def remaining(self):
        return len(self.data) - self.pos

    def _take(self, n, what):
        if n < 0 or self.pos + n > len(self.data):
            raise DecodeError(
                f"{what}: need {n} bytes at offset {self.pos}, have {self.remaining()}")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def _unpack(self, fmt, n, what):
        return struct.unpack(fmt, self._take(n, what))[0]

    def int8(self, what="int8"):
        return self._unpack(">b", 1, what)

    def bool(self, what="bool"):
        v = self.int8(what)
        if v not in (0, 1):
            raise DecodeError(f"{what}: bool byte {v}")
        return v == 1

    def int16(self, what="int16"):
        return self._unpack(">h", 2, what)

    def int32(self, what="int32"):
        return self._unpack(">i", 4, what)

    def int64(self, what="int64"):
        return self._unpack(">q", 8, what)

    def uvarint(self, what="uvarint"):
        shift = 0
        value = 0
        for _ in range(5):
            b = self._take(1, what)[0]
            value |= (b & 0x7F) << shift
            if not b & 0x80:
                return value
            shift += 7
        raise DecodeError(f"{what}: uvarint longer than 5 bytes")

    def uuid(self, what="uuid"):
        return uuid.UUID(bytes=self._take(16, what))

    def string(self, flexible=False, what="string"):
        if flexible:
            n = self.uvarint(what) - 1
        else:
            n = self.int16(what)
        if n < 0:
            if n != -1:
                raise DecodeError(f"{what}: bad string length {n}")
            return None
        try:
            return self._take(n, what).decode()
        except UnicodeDecodeError as e:
            raise DecodeError(f"{what}: not UTF-8: {e}") from None

    def bytes_(self, flexible=False, what="bytes"):
        n = (self.uvarint(what) - 1) if flexible else self.int32(what)
        if n < 0:
            if n != -1:
                raise DecodeError(f"{what}: bad bytes length {n}")
            return None
        return self._take(n, what)

    def array(self, read_item, flexible=False, what="array"):
        """A (nullable) array; read_item(reader) decodes one element. Returns a list or None."""
        n = (self.uvarint(what) - 1) if flexible else self.int32(what)
        if n < 0:
            if n != -1:
                raise DecodeError(f"{what}: bad array count {n}")
            return None
        if n > self.remaining():
            raise DecodeError(f"{what}: array count {n} exceeds the {self.remaining()} bytes left")
        return [read_item(self) for _ in range(n)]

    def tagged_fields(self, what="tagged fields"):
        """Reads a tagged-field section, returning {tag: payload bytes}."""
        out = {}
        last = -1
        for _ in range(self.uvarint(what)):
            tag = self.uvarint(what + " tag")
            if tag <= last:
                raise DecodeError(f"{what}: tag {tag} not ascending after {last}")
            last = tag
            size = self.uvarint(what + " size")
            out[tag] = self._take(size, f"{what} tag {tag}")
        return out

    def expect_end(self, what="message"):
        if self.remaining():
            raise DecodeError(
                f"{what}: {self.remaining()} trailing bytes at offset {self.pos}: "
                f"{self.data[self.pos:self.pos + 32].hex()}")


def frame(payload):
    """Prefixes payload with its int32 size."""
    return struct.pack(">i", len(payload)) + payload


def encode_request(api_key, version, correlation_id, body=b"", client_id=DEFAULT_CLIENT_ID,
                   header_version=None, header_tags=None):
    """A complete request frame (size prefix included)."""
    if header_version is None:
        header_version = request_header_version(api_key, version)
    w = Writer().int16(api_key).int16(version).int32(correlation_id)
    if header_version >= 1:
        w.string(client_id)  # client_id stays a non-compact string even in header v2.
    if header_version >= 2:
        w.tagged_fields(header_tags)
    w.raw(body)
    return frame(w.getvalue())


class KafkaConnection:
    """One blocking TCP connection to a broker, with timeouts on every read.

    Responses are read in order; `request()` sends one request and reads its response.
    For pipelining, call `send()` repeatedly and then `recv_response()` for each.
    """

    def __init__(self, host, port, timeout=5.0, client_id=DEFAULT_CLIENT_ID):
        self.host = host
        self.port = port
        self.client_id = client_id
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buf = bytearray()
        self._next_correlation_id = 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def next_correlation_id(self):
        cid = self._next_correlation_id
        self._next_correlation_id += 1
        return cid

    def send_raw(self, data):
        self.sock.sendall(data)

    def shutdown_write(self):
        self.sock.shutdown(socket.SHUT_WR)

    def send(self, api_key, version, body=b"", correlation_id=None, **header):
        """Sends one request; returns its correlation id."""
        if correlation_id is None:
            correlation_id = self.next_correlation_id()
        header.setdefault("client_id", self.client_id)
        self.send_raw(encode_request(api_key, version, correlation_id, body, **header))
        return correlation_id

    def _fill(self, n, deadline):
        while len(self._buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ResponseTimeout(
                    f"timed out waiting for {n} bytes, have {len(self._buf)}")
            ready, _, _ = select.select([self.sock], [], [], left)
            if not ready:
                continue
            try:
                chunk = self.sock.recv(1 << 16)
            except (ConnectionResetError, BrokenPipeError) as e:
                raise ConnectionClosed(f"connection reset ({e})") from None
            if not chunk:
                raise ConnectionClosed(f"EOF after {len(self._buf)} buffered bytes")
            self._buf += chunk

    def recv_frame(self, timeout=5.0):
        """Reads one size-prefixed frame; returns its payload."""
        deadline = time.monotonic() + timeout
        self._fill(4, deadline)
        size = struct.unpack(">i", self._buf[:4])[0]
        if size < 0:
            raise DecodeError(f"negative response frame size {size}")
        self._fill(4 + size, deadline)
        payload = bytes(self._buf[4:4 + size])
        del self._buf[:4 + size]
        return payload

    def recv_response(self, api_key, version, correlation_id, timeout=5.0):
        """Reads the next response, checks its correlation id and returns a Reader on its body."""
        r = Reader(self.recv_frame(timeout))
        got = r.int32("response correlation_id")
        if got != correlation_id:
            raise DecodeError(
                f"api {api_key} v{version}: correlation id {got}, expected {correlation_id}")
        if response_header_version(api_key, version) >= 1:
            r.tagged_fields("response header tagged fields")
        return r

    def request(self, api_key, version, body=b"", timeout=5.0, **header):
        cid = self.send(api_key, version, body, **header)
        return self.recv_response(api_key, version, cid, timeout)

    def wait_closed(self, timeout=5.0):
        """Waits for the peer to close. Returns (closed, unexpected bytes received meanwhile)."""
        deadline = time.monotonic() + timeout
        got = bytearray(self._buf)
        self._buf.clear()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False, bytes(got)
            ready, _, _ = select.select([self.sock], [], [], left)
            if not ready:
                continue
            try:
                chunk = self.sock.recv(1 << 16)
            except (ConnectionResetError, BrokenPipeError):
                return True, bytes(got)
            if not chunk:
                return True, bytes(got)
            got += chunk

    def buffered(self):
        """Bytes received but not yet consumed by recv_frame()."""
        return len(self._buf)

    def is_open(self, wait=0.0):
        """True if the peer has not closed the connection (and sent nothing) within `wait` s."""
        closed, data = self.wait_closed(wait)
        if data:
            self._buf[:0] = data
        return not closed


# ---------------------------------------------------------------------------------------------
# ApiVersions (key 18)

def api_versions_body(version, software_name="gregor-it", software_version="1.0"):
    if version < 3:
        return b""
    return (Writer().string(software_name, True).string(software_version, True)
            .tagged_fields().getvalue())


def decode_api_versions(version, r):
    """Decodes an ApiVersions response body. Returns a dict; api_keys maps key -> (min, max)."""
    flexible = version >= 3
    out = {"error_code": r.int16("error_code")}

    def entry(rr):
        e = (rr.int16("api_key"), rr.int16("min_version"), rr.int16("max_version"))
        if flexible:
            rr.tagged_fields("api_key tagged fields")
        return e

    entries = r.array(entry, flexible, "api_keys")
    if entries is None:
        raise DecodeError("ApiVersions: null api_keys")
    out["entries"] = entries
    out["api_keys"] = {k: (lo, hi) for k, lo, hi in entries}
    if len(out["api_keys"]) != len(entries):
        raise DecodeError(f"ApiVersions: duplicate api keys in {entries}")
    if version >= 1:
        out["throttle_time_ms"] = r.int32("throttle_time_ms")
    if flexible:
        out["tagged_fields"] = r.tagged_fields("ApiVersions tagged fields")
    r.expect_end(f"ApiVersions v{version} response")
    return out


def api_versions(conn, version=0, timeout=5.0):
    r = conn.request(API_VERSIONS, version, api_versions_body(version), timeout=timeout)
    return decode_api_versions(version, r)


# ---------------------------------------------------------------------------------------------
# Metadata (key 3)

def metadata_body(version, topics=None, allow_auto_topic_creation=True,
                  include_cluster_authorized_operations=False,
                  include_topic_authorized_operations=False):
    """topics: list of names, or None for all topics (encoded as an empty array in v0, where
    an empty list means all topics, and as a null array from v1)."""
    flexible = version >= 9
    w = Writer()
    if topics is None and version == 0:
        topics = []

    def topic(ww, name):
        if version >= 10:
            ww.uuid(ZERO_UUID)
        ww.string(name, flexible)
        if flexible:
            ww.tagged_fields()

    w.array(topics, topic, flexible)
    if version >= 4:
        w.bool(allow_auto_topic_creation)
    if 8 <= version <= 10:
        w.bool(include_cluster_authorized_operations)
    if version >= 8:
        w.bool(include_topic_authorized_operations)
    if flexible:
        w.tagged_fields()
    return w.getvalue()


def decode_metadata(version, r):
    """Decodes a Metadata response body of any version 0-12 into plain dicts."""
    flexible = version >= 9
    out = {"throttle_time_ms": r.int32("throttle_time_ms") if version >= 3 else 0}

    def broker(rr):
        b = {"node_id": rr.int32("node_id"), "host": rr.string(flexible, "host"),
             "port": rr.int32("port"), "rack": None}
        if version >= 1:
            b["rack"] = rr.string(flexible, "rack")
        if flexible:
            rr.tagged_fields("broker tagged fields")
        return b

    def int32_array(what):
        return lambda rr: rr.array(lambda x: x.int32(what), flexible, what)

    def partition(rr):
        p = {"error_code": rr.int16("partition error_code"),
             "partition_index": rr.int32("partition_index"),
             "leader_id": rr.int32("leader_id"), "leader_epoch": -1}
        if version >= 7:
            p["leader_epoch"] = rr.int32("leader_epoch")
        p["replica_nodes"] = int32_array("replica_nodes")(rr)
        p["isr_nodes"] = int32_array("isr_nodes")(rr)
        p["offline_replicas"] = int32_array("offline_replicas")(rr) if version >= 5 else []
        if flexible:
            rr.tagged_fields("partition tagged fields")
        return p

    def topic(rr):
        t = {"error_code": rr.int16("topic error_code"), "name": rr.string(flexible, "topic name"),
             "topic_id": None, "is_internal": False}
        if version >= 10:
            t["topic_id"] = rr.uuid("topic_id")
        if version >= 1:
            t["is_internal"] = rr.bool("is_internal")
        t["partitions"] = rr.array(partition, flexible, "partitions")
        if version >= 8:
            t["topic_authorized_operations"] = rr.int32("topic_authorized_operations")
        if flexible:
            rr.tagged_fields("topic tagged fields")
        return t

    out["brokers"] = r.array(broker, flexible, "brokers")
    out["cluster_id"] = r.string(flexible, "cluster_id") if version >= 2 else None
    out["controller_id"] = r.int32("controller_id") if version >= 1 else None
    out["topics"] = r.array(topic, flexible, "topics")
    if 8 <= version <= 10:
        out["cluster_authorized_operations"] = r.int32("cluster_authorized_operations")
    if flexible:
        out["tagged_fields"] = r.tagged_fields("Metadata tagged fields")
    r.expect_end(f"Metadata v{version} response")
    if out["brokers"] is None or out["topics"] is None:
        raise DecodeError("Metadata: null brokers or topics array")
    return out


def metadata(conn, version, topics=None, allow_auto_topic_creation=True, timeout=5.0, **kw):
    body = metadata_body(version, topics, allow_auto_topic_creation, **kw)
    return decode_metadata(version, conn.request(METADATA, version, body, timeout=timeout))


def topic_by_name(md, name):
    for t in md["topics"]:
        if t["name"] == name:
            return t
    return None


# ---------------------------------------------------------------------------------------------
# Produce (key 0), versions 0-11 (v0-2 may carry legacy magic 0/1 message sets)

def produce_body(version, topics, acks=-1, timeout_ms=10000, transactional_id=None):
    """topics: {name: {partition: records bytes or None}} (dict order is kept)."""
    assert 0 <= version <= 11, version
    flexible = version >= 9
    w = Writer()
    if version >= 3:
        w.string(transactional_id, flexible)
    w.int16(acks).int32(timeout_ms)

    def partition(ww, item):
        index, records = item
        ww.int32(index).bytes_(records, flexible)
        if flexible:
            ww.tagged_fields()

    def topic(ww, item):
        name, parts = item
        ww.string(name, flexible).array(parts.items(), partition, flexible)
        if flexible:
            ww.tagged_fields()

    w.array(topics.items(), topic, flexible)
    if flexible:
        w.tagged_fields()
    return w.getvalue()


def decode_produce(version, r):
    """Decodes a Produce response: {"topics": {name: {partition: {...}}}, "throttle_time_ms"}."""
    flexible = version >= 9

    def record_error(rr):
        e = {"batch_index": rr.int32("batch_index"),
             "message": rr.string(flexible, "batch_index_error_message")}
        if flexible:
            rr.tagged_fields("record error tagged fields")
        return e

    def partition(rr):
        p = {"index": rr.int32("index"), "error_code": rr.int16("error_code"),
             "base_offset": rr.int64("base_offset"), "log_append_time_ms": -1,
             "log_start_offset": -1, "record_errors": [], "error_message": None}
        if version >= 2:
            p["log_append_time_ms"] = rr.int64("log_append_time_ms")
        if version >= 5:
            p["log_start_offset"] = rr.int64("log_start_offset")
        if version >= 8:
            p["record_errors"] = rr.array(record_error, flexible, "record_errors")
            p["error_message"] = rr.string(flexible, "error_message")
        if flexible:
            p["tagged_fields"] = rr.tagged_fields("partition tagged fields")
        return p

    def topic(rr):
        name = rr.string(flexible, "topic name")
        parts = rr.array(partition, flexible, "partition_responses")
        if flexible:
            rr.tagged_fields("topic tagged fields")
        return name, {p["index"]: p for p in parts}

    topics = r.array(topic, flexible, "responses")
    out = {"topics": dict(topics), "throttle_time_ms": 0}
    if version >= 1:
        out["throttle_time_ms"] = r.int32("throttle_time_ms")
    if flexible:
        out["tagged_fields"] = r.tagged_fields("Produce tagged fields")
    r.expect_end(f"Produce v{version} response")
    return out


def produce(conn, version, topics, acks=-1, timeout_ms=10000, timeout=15.0, **kw):
    """Sends a Produce request and decodes the answer (acks=0 gets none: use conn.send)."""
    body = produce_body(version, topics, acks, timeout_ms, **kw)
    return decode_produce(version, conn.request(PRODUCE, version, body, timeout=timeout))


def produce_one(conn, topic, partition, records, version=8, acks=-1, **kw):
    """Produces one partition's records; returns that partition's response dict."""
    resp = produce(conn, version, {topic: {partition: records}}, acks=acks, **kw)
    return resp["topics"][topic][partition]


# ---------------------------------------------------------------------------------------------
# ListOffsets (key 2), versions 0-10 (v0 answers with an array of offsets)

def list_offsets_body(version, topics, isolation_level=0, replica_id=-1, timeout_ms=5000,
                      max_num_offsets=1):
    """topics: {name: {partition: timestamp}}."""
    assert 0 <= version <= 10, version
    flexible = version >= 6
    w = Writer().int32(replica_id)
    if version >= 2:
        w.int8(isolation_level)

    def partition(ww, item):
        index, timestamp = item
        ww.int32(index)
        if version >= 4:
            ww.int32(-1)  # current leader epoch: unknown
        ww.int64(timestamp)
        if version == 0:
            ww.int32(max_num_offsets)
        if flexible:
            ww.tagged_fields()

    def topic(ww, item):
        name, parts = item
        ww.string(name, flexible).array(parts.items(), partition, flexible)
        if flexible:
            ww.tagged_fields()

    w.array(topics.items(), topic, flexible)
    if version >= 10:
        w.int32(timeout_ms)
    if flexible:
        w.tagged_fields()
    return w.getvalue()


def decode_list_offsets(version, r):
    """{"topics": {name: {partition: {error_code, timestamp, offset, leader_epoch}}}}."""
    flexible = version >= 6
    out = {"throttle_time_ms": r.int32("throttle_time_ms") if version >= 2 else 0}

    def partition(rr):
        if version == 0:
            return {"index": rr.int32("partition_index"), "error_code": rr.int16("error_code"),
                    "old_style_offsets": rr.array(lambda r3: r3.int64("offset"),
                                                  what="old_style_offsets")}
        p = {"index": rr.int32("partition_index"), "error_code": rr.int16("error_code"),
             "timestamp": rr.int64("timestamp"), "offset": rr.int64("offset"),
             "leader_epoch": -1}
        if version >= 4:
            p["leader_epoch"] = rr.int32("leader_epoch")
        if flexible:
            rr.tagged_fields("partition tagged fields")
        return p

    def topic(rr):
        name = rr.string(flexible, "topic name")
        parts = rr.array(partition, flexible, "partitions")
        if flexible:
            rr.tagged_fields("topic tagged fields")
        return name, {p["index"]: p for p in parts}

    out["topics"] = dict(r.array(topic, flexible, "topics"))
    if flexible:
        out["tagged_fields"] = r.tagged_fields("ListOffsets tagged fields")
    r.expect_end(f"ListOffsets v{version} response")
    return out


def list_offsets(conn, version, topics, isolation_level=0, timeout=5.0, **kw):
    body = list_offsets_body(version, topics, isolation_level, **kw)
    return decode_list_offsets(version, conn.request(LIST_OFFSETS, version, body,
                                                     timeout=timeout))


def list_offset(conn, topic, partition, timestamp=LATEST_TIMESTAMP, version=7,
                isolation_level=0):
    """One partition's ListOffsets answer (dict with error_code, offset, timestamp)."""
    resp = list_offsets(conn, version, {topic: {partition: timestamp}}, isolation_level)
    return resp["topics"][topic][partition]


# ---------------------------------------------------------------------------------------------
# Fetch (key 1), versions 0-16 (v0-3 answer with legacy magic 0/1 message sets)

def fetch_body(version, topics, max_wait_ms=0, min_bytes=1, max_bytes=0x7FFFFFFF,
               isolation_level=0, partition_max_bytes=1 << 20, topic_ids=None):
    """topics: {name: {partition: fetch offset}}; from v13 topics are sent by id, taken from
    topic_ids {name: uuid.UUID}. No fetch session (id 0, epoch -1)."""
    assert 0 <= version <= 16, version
    flexible = version >= 12
    w = Writer()
    if version <= 14:
        w.int32(-1)  # replica id: a consumer
    w.int32(max_wait_ms).int32(min_bytes)
    if version >= 3:
        w.int32(max_bytes)
    if version >= 4:
        w.int8(isolation_level)
    if version >= 7:
        w.int32(0).int32(-1)  # session id, session epoch

    def partition(ww, item):
        index, offset = item
        ww.int32(index)
        if version >= 9:
            ww.int32(-1)  # current leader epoch
        ww.int64(offset)
        if version >= 12:
            ww.int32(-1)  # last fetched epoch
        if version >= 5:
            ww.int64(-1)  # log start offset (followers only)
        ww.int32(partition_max_bytes)
        if flexible:
            ww.tagged_fields()

    def topic(ww, item):
        name, parts = item
        if version >= 13:
            ww.uuid(topic_ids[name])
        else:
            ww.string(name, flexible)
        ww.array(parts.items(), partition, flexible)
        if flexible:
            ww.tagged_fields()

    w.array(topics.items(), topic, flexible)
    if version >= 7:
        w.array([], None, flexible)  # forgotten topics
    if version >= 11:
        w.string("", flexible)  # rack id
    if flexible:
        w.tagged_fields()
    return w.getvalue()


def decode_fetch(version, r):
    """{"error_code", "session_id", "topics": {name or uuid: {partition: {...}}}}; each
    partition has error_code, high_watermark, last_stable_offset, log_start_offset,
    aborted_transactions, preferred_read_replica and records (bytes or None)."""
    flexible = version >= 12
    out = {"throttle_time_ms": r.int32("throttle_time_ms") if version >= 1 else 0,
           "error_code": 0, "session_id": 0}
    if version >= 7:
        out["error_code"] = r.int16("error_code")
        out["session_id"] = r.int32("session_id")

    def aborted(rr):
        a = (rr.int64("producer_id"), rr.int64("first_offset"))
        if flexible:
            rr.tagged_fields("aborted transaction tagged fields")
        return a

    def partition(rr):
        p = {"index": rr.int32("partition_index"), "error_code": rr.int16("error_code"),
             "high_watermark": rr.int64("high_watermark"), "last_stable_offset": -1,
             "log_start_offset": -1, "preferred_read_replica": -1, "aborted_transactions": None}
        if version >= 4:
            p["last_stable_offset"] = rr.int64("last_stable_offset")
        if version >= 5:
            p["log_start_offset"] = rr.int64("log_start_offset")
        if version >= 4:
            p["aborted_transactions"] = rr.array(aborted, flexible, "aborted_transactions")
        if version >= 11:
            p["preferred_read_replica"] = rr.int32("preferred_read_replica")
        p["records"] = rr.bytes_(flexible, "records")
        if flexible:
            p["tagged_fields"] = rr.tagged_fields("partition tagged fields")
        return p

    def topic(rr):
        key = rr.uuid("topic_id") if version >= 13 else rr.string(flexible, "topic")
        parts = rr.array(partition, flexible, "partitions")
        if flexible:
            rr.tagged_fields("topic tagged fields")
        return key, {p["index"]: p for p in parts}

    out["topics"] = dict(r.array(topic, flexible, "responses"))
    if flexible:
        out["tagged_fields"] = r.tagged_fields("Fetch tagged fields")
    r.expect_end(f"Fetch v{version} response")
    return out


def fetch(conn, version, topics, timeout=None, **kw):
    body = fetch_body(version, topics, **kw)
    if timeout is None:
        timeout = kw.get("max_wait_ms", 0) / 1000.0 + 10.0
    return decode_fetch(version, conn.request(FETCH, version, body, timeout=timeout))


def fetch_one(conn, topic, partition, offset, version=12, **kw):
    """One partition's Fetch answer (by name, so version <= 12)."""
    resp = fetch(conn, version, {topic: {partition: offset}}, **kw)
    assert resp["error_code"] == NONE, resp
    return resp["topics"][topic][partition]


def fetch_all_batches(conn, topic, partition, offset=0, max_bytes=64 << 20):
    """Every batch of a partition from `offset` to the high watermark, parsed by
    kafka_records.parse_batches (Fetch v12, as many requests as needed). Returns
    (batches, high watermark of the last answer)."""
    batches = []
    while True:
        p = fetch_one(conn, topic, partition, offset, max_bytes=max_bytes,
                      partition_max_bytes=max_bytes)
        assert p["error_code"] == NONE, p
        got, _partial = kafka_records.parse_batches(p["records"] or b"")
        batches += got
        if got:
            offset = got[-1]["base_offset"] + got[-1]["last_offset_delta"] + 1
        if not got or offset >= p["high_watermark"]:
            return batches, p["high_watermark"]


# ---------------------------------------------------------------------------------------------
# Readiness

def try_api_versions(host, port, timeout=1.0):
    """One connect + ApiVersions v0 round trip. Returns the decoded response, or None if the
    port does not accept connections yet. Other failures raise."""
    try:
        conn = KafkaConnection(host, port, timeout=timeout)
    except (ConnectionRefusedError, socket.timeout):
        return None
    with conn:
        return api_versions(conn, 0, timeout=timeout)
