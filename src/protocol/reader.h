#pragma once

// Reader: decodes Kafka's primitive wire types from a byte span.
//
// Byte order: every fixed-width integer is big-endian. Varints are Protocol Buffers style
// base-128, least significant group first; signed varints are zigzag-encoded.
// Non-flexible (classic) versions: string = int16 length (-1 = null) + UTF-8 bytes;
// bytes = int32 length (-1 = null); array = int32 count (-1 = null).
// Flexible versions (KIP-482) use "compact" forms: uvarint (length + 1), 0 = null.
//
// Errors are sticky: the first failure records a Status and moves the reader to the end,
// so every later read fails too, returns a zero value and allocates nothing. Decoders can
// read a whole struct and check ok() once; they still check before loops and allocations.
// Codes: kCorruptMessage when the bytes end early or a length/varint is malformed;
// kInvalidRequest when well-formed bytes carry a forbidden value (null where the schema
// does not allow it). Nothing read from the wire is trusted: every length and count is
// compared with remaining() before anything is allocated.
//
// The reader borrows its bytes: they must outlive the reader and every span it returns.
// Thread-safety: none; one reader per thread.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/uuid.h"

namespace gregor::protocol {

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> data) : data_(data) {}

  bool ok() const { return status_.ok(); }
  // OK, or the first failure.
  const Status& status() const { return status_; }
  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }

  int8_t ReadInt8();
  int16_t ReadInt16();
  int32_t ReadInt32();
  int64_t ReadInt64();
  uint16_t ReadUint16();
  uint32_t ReadUint32();
  double ReadFloat64();
  // Any non-zero byte is true, as in Kafka.
  bool ReadBool();
  Uuid ReadUuid();

  // Unsigned varint of at most 5 bytes that fits in 32 bits.
  uint32_t ReadUvarint();
  // Zigzag varint (int32) and varlong (int64, at most 10 bytes), as in record batches.
  int32_t ReadVarint();
  int64_t ReadVarlong();

  // int16 length + bytes. ReadString fails with kInvalidRequest on null (-1); any other
  // negative length is kCorruptMessage.
  std::string ReadString();
  std::optional<std::string> ReadNullableString();
  // uvarint (length + 1) + bytes; 0 means null.
  std::string ReadCompactString();
  std::optional<std::string> ReadCompactNullableString();

  // `bytes` fields: int32 length (or compact uvarint length + 1) + bytes. The returned
  // spans view the reader's buffer and live as long as it does.
  std::span<const uint8_t> ReadBytes();
  std::optional<std::span<const uint8_t>> ReadNullableBytes();
  std::span<const uint8_t> ReadCompactBytes();
  std::optional<std::span<const uint8_t>> ReadCompactNullableBytes();

  // Array element counts: -1 for null, otherwise 0 <= count <= remaining() (every element
  // takes at least one byte, so a larger count cannot be honest and is kCorruptMessage).
  // On failure they return 0.
  int32_t ReadArrayLength();
  int32_t ReadCompactArrayLength();

  // The next n bytes, as a view of the buffer (empty span and an error if fewer are left).
  std::span<const uint8_t> ReadRaw(size_t n);
  void Skip(size_t n);

  // Records a failure (if none is recorded yet) and moves to the end of the input.
  void Fail(ErrorCode code, std::string_view message);

 private:
  bool Need(size_t n);
  // Reads the payload of a string/bytes whose length has been decoded (-1 = null).
  std::optional<std::string> StringBody(int64_t length);
  std::optional<std::span<const uint8_t>> BytesBody(int64_t length);
  int32_t CheckCount(int64_t count);

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  Status status_;
};

}  // namespace gregor::protocol
