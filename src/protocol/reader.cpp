#include "protocol/reader.h"

#include <array>
#include <bit>
#include <cstring>
#include <string>

namespace gregor::protocol {

void Reader::Fail(ErrorCode code, std::string_view message) {
  if (status_.ok()) {
    status_ = Status(code, std::string(message) + " at byte " + std::to_string(pos_));
  }
  pos_ = data_.size();
}

bool Reader::Need(size_t n) {
  if (n <= remaining()) return true;
  if (status_.ok()) {
    Fail(ErrorCode::kCorruptMessage,
         "truncated: need " + std::to_string(n) + " bytes, have " + std::to_string(remaining()));
  }
  return false;
}

int8_t Reader::ReadInt8() {
  if (!Need(1)) return 0;
  return static_cast<int8_t>(data_[pos_++]);
}

int16_t Reader::ReadInt16() { return static_cast<int16_t>(ReadUint16()); }

uint16_t Reader::ReadUint16() {
  if (!Need(2)) return 0;
  uint16_t v = static_cast<uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
  pos_ += 2;
  return v;
}

uint32_t Reader::ReadUint32() {
  if (!Need(4)) return 0;
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | data_[pos_ + i];
  pos_ += 4;
  return v;
}

int32_t Reader::ReadInt32() { return static_cast<int32_t>(ReadUint32()); }

int64_t Reader::ReadInt64() {
  if (!Need(8)) return 0;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | data_[pos_ + i];
  pos_ += 8;
  return static_cast<int64_t>(v);
}

double Reader::ReadFloat64() { return std::bit_cast<double>(ReadInt64()); }

bool Reader::ReadBool() { return ReadInt8() != 0; }

Uuid Reader::ReadUuid() {
  std::array<uint8_t, 16> bytes{};
  std::span<const uint8_t> raw = ReadRaw(16);
  if (!raw.empty()) std::memcpy(bytes.data(), raw.data(), bytes.size());
  return Uuid(bytes);
}

uint32_t Reader::ReadUvarint() {
  uint32_t value = 0;
  // 5 groups of 7 bits cover 32 bits; the 5th group may only use its low 4 bits.
  for (int i = 0; i < 5; ++i) {
    if (!Need(1)) return 0;
    const uint8_t b = data_[pos_++];
    if (i == 4 && (b & 0xf0) != 0) {
      Fail(ErrorCode::kCorruptMessage, "uvarint does not fit in 32 bits");
      return 0;
    }
    value |= static_cast<uint32_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) return value;
  }
  return value;  // unreachable: the 5th byte has no continuation bit
}

int32_t Reader::ReadVarint() {
  const uint32_t raw = ReadUvarint();
  return static_cast<int32_t>((raw >> 1) ^ (~(raw & 1) + 1));
}

int64_t Reader::ReadVarlong() {
  uint64_t raw = 0;
  // 10 groups of 7 bits cover 64 bits; the 10th group may only use its lowest bit.
  for (int i = 0; i < 10; ++i) {
    if (!Need(1)) return 0;
    const uint8_t b = data_[pos_++];
    if (i == 9 && (b & 0xfe) != 0) {
      Fail(ErrorCode::kCorruptMessage, "varlong does not fit in 64 bits");
      return 0;
    }
    raw |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) break;
  }
  return static_cast<int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
}

std::optional<std::string> Reader::StringBody(int64_t length) {
  std::optional<std::span<const uint8_t>> body = BytesBody(length);
  if (!body) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(body->data()), body->size());
}

std::optional<std::span<const uint8_t>> Reader::BytesBody(int64_t length) {
  if (!ok()) return std::span<const uint8_t>();
  if (length == -1) return std::nullopt;
  if (length < 0) {
    Fail(ErrorCode::kCorruptMessage, "negative length " + std::to_string(length));
    return std::span<const uint8_t>();
  }
  return ReadRaw(static_cast<size_t>(length));
}

std::optional<std::string> Reader::ReadNullableString() { return StringBody(ReadInt16()); }

std::optional<std::string> Reader::ReadCompactNullableString() {
  return StringBody(static_cast<int64_t>(ReadUvarint()) - 1);
}

std::string Reader::ReadString() {
  std::optional<std::string> s = ReadNullableString();
  if (!s) {
    Fail(ErrorCode::kInvalidRequest, "null string in a non-nullable field");
    return {};
  }
  return std::move(*s);
}

std::string Reader::ReadCompactString() {
  std::optional<std::string> s = ReadCompactNullableString();
  if (!s) {
    Fail(ErrorCode::kInvalidRequest, "null string in a non-nullable field");
    return {};
  }
  return std::move(*s);
}

std::optional<std::span<const uint8_t>> Reader::ReadNullableBytes() {
  return BytesBody(ReadInt32());
}

std::optional<std::span<const uint8_t>> Reader::ReadCompactNullableBytes() {
  return BytesBody(static_cast<int64_t>(ReadUvarint()) - 1);
}

std::span<const uint8_t> Reader::ReadBytes() {
  std::optional<std::span<const uint8_t>> b = ReadNullableBytes();
  if (!b) {
    Fail(ErrorCode::kInvalidRequest, "null bytes in a non-nullable field");
    return {};
  }
  return *b;
}

std::span<const uint8_t> Reader::ReadCompactBytes() {
  std::optional<std::span<const uint8_t>> b = ReadCompactNullableBytes();
  if (!b) {
    Fail(ErrorCode::kInvalidRequest, "null bytes in a non-nullable field");
    return {};
  }
  return *b;
}

int32_t Reader::CheckCount(int64_t count) {
  if (!ok()) return 0;
  if (count == -1) return -1;
  if (count < 0) {
    Fail(ErrorCode::kCorruptMessage, "negative array length " + std::to_string(count));
    return 0;
  }
  // Every element takes at least one byte on the wire.
  if (static_cast<uint64_t>(count) > remaining()) {
    Fail(ErrorCode::kCorruptMessage, "array length " + std::to_string(count) + " exceeds the " +
                                         std::to_string(remaining()) + " bytes left");
    return 0;
  }
  return static_cast<int32_t>(count);
}

int32_t Reader::ReadArrayLength() { return CheckCount(ReadInt32()); }

int32_t Reader::ReadCompactArrayLength() {
  return CheckCount(static_cast<int64_t>(ReadUvarint()) - 1);
}

std::span<const uint8_t> Reader::ReadRaw(size_t n) {
  if (!Need(n)) return {};
  std::span<const uint8_t> out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

void Reader::Skip(size_t n) {
  if (Need(n)) pos_ += n;
}

}  // namespace gregor::protocol
