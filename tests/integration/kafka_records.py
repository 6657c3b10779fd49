"""Kafka record batches (magic 2) built and parsed in pure Python, for raw protocol tests.

Batch layout (DefaultRecordBatch; big-endian, 61 header bytes):
  BaseOffset int64 | BatchLength int32 (bytes after this field) | PartitionLeaderEpoch int32 |
  Magic int8 (=2) | CRC uint32 | Attributes int16 | LastOffsetDelta int32 |
  BaseTimestamp int64 | MaxTimestamp int64 | ProducerId int64 | ProducerEpoch int16 |
  BaseSequence int32 | RecordCount int32 | records
The CRC is CRC-32C (Castagnoli) over Attributes .. end, so the broker can stamp BaseOffset and
PartitionLeaderEpoch without recomputing it. Attributes: bits 0-2 codec (0 none, 1 gzip,
2 snappy, 3 lz4, 4 zstd), bit 3 timestamp type, bit 4 transactional, bit 5 control.

Record: varint Length | int8 Attributes | varlong TimestampDelta | varint OffsetDelta |
  varint KeyLength (-1 = null) | Key | varint ValueLength (-1 = null) | Value |
  varint HeaderCount | headers (varint KeyLength, Key, varint ValueLength, Value)
All varints are zig-zag.

Legacy message (magic 0/1), what Produce v0-2 carry and Fetch v0-3 answer with:
  Offset int64 | Size int32 | CRC uint32 (IEEE, over Magic .. end) | Magic int8 | Attributes int8 |
  (magic 1: Timestamp int64) | Key bytes (int32 length) | Value bytes (int32 length)
Attributes: bits 0-2 codec, bit 3 (magic 1) timestamp type. A compressed message is a wrapper
whose value is a compressed set of inner messages (magic 1: inner offsets relative, the
wrapper's offset that of the last inner message).
"""

import struct
import zlib

BATCH_HEADER_SIZE = 61
LOG_OVERHEAD = 12  # BaseOffset + BatchLength
CRC_OFFSET = 17
ATTRIBUTES_OFFSET = 21

CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}


def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C_TABLE = _crc32c_table()


def crc32c(data, crc=0):
    """CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as Kafka's Crc32C."""
    crc ^= 0xFFFFFFFF
    table = _CRC32C_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283  # the standard check value


def zigzag_varint(v):
    """A zig-zag varint (int32 or int64 range)."""
    u = (v << 1) ^ (v >> 63)
    u &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = u & 0x7F
        u >>= 7
        if u:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def read_zigzag_varint(data, pos):
    """Returns (value, new position); raises ValueError on a truncated or over-long varint."""
    shift = 0
    u = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varint")
        b = data[pos]
        pos += 1
        u |= (b & 0x7F) << shift
        if not b & 0x80:
            break
        shift += 7
        if shift > 63:
            raise ValueError("varint longer than 10 bytes")
    return (u >> 1) ^ -(u & 1), pos


def _bytes_field(b):
    if b is None:
        return zigzag_varint(-1)
    return zigzag_varint(len(b)) + b


def encode_record(offset_delta, timestamp_delta, key, value, headers=()):
    """One record; key/value None = null. headers: iterable of (str or bytes key, bytes value)."""
    body = bytearray(b"\x00")  # attributes (unused)
    body += zigzag_varint(timestamp_delta)
    body += zigzag_varint(offset_delta)
    body += _bytes_field(key)
    body += _bytes_field(value)
    headers = list(headers)
    body += zigzag_varint(len(headers))
    for hk, hv in headers:
        hk = hk.encode() if isinstance(hk, str) else hk
        body += zigzag_varint(len(hk)) + hk
        body += _bytes_field(hv)
    return zigzag_varint(len(body)) + bytes(body)


def encode_batch(records, base_timestamp=1_700_000_000_000, base_offset=0, attributes=0,
                 producer_id=-1, producer_epoch=-1, base_sequence=-1, partition_leader_epoch=-1,
                 magic=2, record_count=None, last_offset_delta=None, crc=None):
    """A magic-2 batch of uncompressed records.

    records: list of (key, value) or (key, value, headers) or (key, value, headers, ts_delta).
    The overrides (magic, record_count, last_offset_delta, crc) exist to build bad batches;
    by default they are computed correctly.
    """
    encoded = bytearray()
    max_ts_delta = 0
    for i, rec in enumerate(records):
        key, value = rec[0], rec[1]
        headers = rec[2] if len(rec) > 2 else ()
        ts_delta = rec[3] if len(rec) > 3 else 0
        max_ts_delta = max(max_ts_delta, ts_delta)
        encoded += encode_record(i, ts_delta, key, value, headers)
    count = len(records) if record_count is None else record_count
    lod = (len(records) - 1) if last_offset_delta is None else last_offset_delta
    after_crc = struct.pack(">hiqqqhii", attributes, lod, base_timestamp,
                            base_timestamp + max_ts_delta, producer_id, producer_epoch,
                            base_sequence, count) + bytes(encoded)
    if crc is None:
        crc = crc32c(after_crc)
    batch_length = 4 + 1 + 4 + len(after_crc)  # leader epoch + magic + crc + rest
    return (struct.pack(">qiib", base_offset, batch_length, partition_leader_epoch, magic)
            + struct.pack(">I", crc) + after_crc)


def encode_legacy_message(key, value, magic=1, timestamp=1_700_000_000_000, offset=0,
                          attributes=0):
    """One magic 0/1 message, as a one-entry message set."""
    body = struct.pack(">bb", magic, attributes)
    if magic == 1:
        body += struct.pack(">q", timestamp)
    for b in (key, value):
        body += struct.pack(">i", -1) if b is None else struct.pack(">i", len(b)) + b
    msg = struct.pack(">I", zlib.crc32(body)) + body
    return struct.pack(">qi", offset, len(msg)) + msg


def parse_batches(data):
    """Splits a Fetch response's records into batch headers (dicts, with the raw bytes).

    A trailing partial batch (allowed in Fetch responses) is reported in the second return
    value as its byte count. Records are decoded only for uncompressed batches.
    """
    batches = []
    pos = 0
    while len(data) - pos >= LOG_OVERHEAD:
        base_offset, length = struct.unpack_from(">qi", data, pos)
        end = pos + LOG_OVERHEAD + length
        if length < BATCH_HEADER_SIZE - LOG_OVERHEAD or end > len(data):
            break
        raw = data[pos:end]
        (leader_epoch, magic, crc, attributes, lod, base_ts, max_ts, pid, pepoch, bseq,
         count) = struct.unpack_from(">ibIhiqqqhii", raw, LOG_OVERHEAD)
        b = {"base_offset": base_offset, "batch_length": length, "leader_epoch": leader_epoch,
             "magic": magic, "crc": crc, "crc_ok": crc32c(raw[ATTRIBUTES_OFFSET:]) == crc,
             "attributes": attributes, "codec": attributes & 7,
             "last_offset_delta": lod, "base_timestamp": base_ts, "max_timestamp": max_ts,
             "producer_id": pid, "producer_epoch": pepoch, "base_sequence": bseq,
             "record_count": count, "raw": raw, "records": None}
        if magic == 2 and b["codec"] == 0:
            b["records"] = decode_records(raw[BATCH_HEADER_SIZE:], base_offset, base_ts, count)
        batches.append(b)
        pos = end
    return batches, len(data) - pos


def decode_records(data, base_offset, base_timestamp, count):
    """Decodes `count` uncompressed records into dicts (offset, timestamp, key, value, headers)."""
    out = []
    pos = 0
    for _ in range(count):
        length, pos = read_zigzag_varint(data, pos)
        end = pos + length
        if length < 1 or end > len(data):
            raise ValueError(f"record length {length} runs past the batch")
        p = pos + 1  # attributes
        ts_delta, p = read_zigzag_varint(data, p)
        off_delta, p = read_zigzag_varint(data, p)

        def field(p):
            n, p = read_zigzag_varint(data, p)
            if n < 0:
                return None, p
            return bytes(data[p:p + n]), p + n

        key, p = field(p)
        value, p = field(p)
        nh, p = read_zigzag_varint(data, p)
        headers = []
        for _ in range(nh):
            hk, p = field(p)
            hv, p = field(p)
            headers.append((hk.decode(), hv))
        if p != end:
            raise ValueError(f"record ends at {p}, expected {end}")
        out.append({"offset": base_offset + off_delta, "timestamp": base_timestamp + ts_delta,
                    "key": key, "value": value, "headers": headers})
        pos = end
    if pos != len(data):
        raise ValueError(f"{len(data) - pos} bytes after the last record")
    return out


def legacy_compress(codec, data):
    """Compresses an inner message set: gzip, raw snappy, or an LZ4 frame."""
    if codec == "gzip":
        import gzip
        return gzip.compress(data)
    if codec == "snappy":
        import snappy
        return snappy.compress(data)
    if codec == "lz4":
        import lz4.frame
        return lz4.frame.compress(data)
    raise ValueError(codec)


def legacy_decompress(codec_id, data):
    if codec_id == 1:
        import gzip
        return gzip.decompress(data)
    if codec_id == 2:
        import snappy
        if data.startswith(b"\x82SNAPPY\x00"):  # xerial framing, as Java clients write
            out, pos = bytearray(), 16
            while pos < len(data):
                (n,) = struct.unpack_from(">i", data, pos)
                out += snappy.decompress(data[pos + 4:pos + 4 + n])
                pos += 4 + n
            return bytes(out)
        return snappy.decompress(data)
    if codec_id == 3:
        import lz4.frame
        return lz4.frame.decompress(data)
    raise ValueError(f"codec {codec_id}")


def encode_legacy_wrapper(codec, messages, magic=1, timestamp=1_700_000_000_000, offset=0):
    """A compressed wrapper message around `messages` ((key, value) pairs), whose inner
    offsets are 0..n-1 as clients write them."""
    inner = b"".join(encode_legacy_message(k, v, magic=magic, timestamp=timestamp, offset=i)
                     for i, (k, v) in enumerate(messages))
    return encode_legacy_message(None, legacy_compress(codec, inner), magic=magic,
                                 timestamp=timestamp, offset=offset,
                                 attributes=CODECS[codec])


def parse_legacy_set(data, _inner=False):
    """Decodes a legacy message set into message dicts (offset, magic, attributes, codec,
    timestamp, key, value, crc_ok); wrappers are opened, their messages given absolute
    offsets and the wrapper's codec. A trailing partial message is ignored."""
    out, pos = [], 0
    while len(data) - pos >= 12:
        offset, size = struct.unpack_from(">qi", data, pos)
        if pos + 12 + size > len(data):
            break
        body = data[pos + 12:pos + 12 + size]
        pos += 12 + size
        (crc, magic, attributes) = struct.unpack_from(">Ibb", body, 0)
        p = 6
        ts = None
        if magic == 1:
            (ts,) = struct.unpack_from(">q", body, p)
            p += 8
        fields = []
        for _ in range(2):
            (n,) = struct.unpack_from(">i", body, p)
            p += 4
            fields.append(None if n < 0 else bytes(body[p:p + n]))
            p += max(n, 0)
        m = {"offset": offset, "magic": magic, "attributes": attributes,
             "codec": attributes & 7, "timestamp": ts, "key": fields[0], "value": fields[1],
             "crc_ok": zlib.crc32(body[4:]) == crc}
        if m["codec"] == 0:
            out.append(m)
            continue
        inner = parse_legacy_set(legacy_decompress(m["codec"], m["value"]), _inner=True)
        last = inner[-1]["offset"] if inner else 0
        for im in inner:
            if magic == 1:
                im["offset"] = offset - last + im["offset"]
            im["codec"] = m["codec"]
            im["wrapper_timestamp"] = ts
            out.append(im)
    return out
