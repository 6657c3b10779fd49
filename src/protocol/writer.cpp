#include "protocol/writer.h"

#include <bit>
#include <cstring>

#include "base/check.h"

namespace gregor::protocol {

namespace {

constexpr size_t kMaxInt16String = 32767;

}  // namespace

uint8_t* Writer::Grow(size_t n) {
  const size_t old = buf_.size();
  buf_.resize(old + n);
  if (chunks_.empty() || chunks_.back().file) {
    chunks_.push_back(Chunk{old, old, std::nullopt});
  }
  chunks_.back().end += n;
  size_ += n;
  return buf_.data() + old;
}

void Writer::WriteInt8(int8_t v) { *Grow(1) = static_cast<uint8_t>(v); }

void Writer::WriteUint16(uint16_t v) {
  uint8_t* p = Grow(2);
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

void Writer::WriteInt16(int16_t v) { WriteUint16(static_cast<uint16_t>(v)); }

void Writer::WriteUint32(uint32_t v) {
  uint8_t* p = Grow(4);
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

void Writer::WriteInt32(int32_t v) { WriteUint32(static_cast<uint32_t>(v)); }

void Writer::WriteInt64(int64_t v) {
  const uint64_t u = static_cast<uint64_t>(v);
  uint8_t* p = Grow(8);
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(u >> (56 - 8 * i));
}

void Writer::WriteFloat64(double v) { WriteInt64(std::bit_cast<int64_t>(v)); }

void Writer::WriteBool(bool v) { WriteInt8(v ? 1 : 0); }

void Writer::WriteUuid(const Uuid& v) { WriteRaw(v.bytes()); }

void Writer::WriteUvarint(uint32_t v) {
  while (v >= 0x80) {
    WriteInt8(static_cast<int8_t>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  WriteInt8(static_cast<int8_t>(v));
}

void Writer::WriteVarint(int32_t v) {
  const uint32_t u = static_cast<uint32_t>(v);
  WriteUvarint((u << 1) ^ static_cast<uint32_t>(v >> 31));
}

void Writer::WriteVarlong(int64_t v) {
  uint64_t u = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  while (u >= 0x80) {
    WriteInt8(static_cast<int8_t>((u & 0x7f) | 0x80));
    u >>= 7;
  }
  WriteInt8(static_cast<int8_t>(u));
}

void Writer::WriteString(std::string_view s) {
  if (s.size() > kMaxInt16String) s = s.substr(0, kMaxInt16String);
  WriteInt16(static_cast<int16_t>(s.size()));
  WriteRaw({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

void Writer::WriteNullableString(const std::optional<std::string>& s) {
  if (!s) {
    WriteInt16(-1);
  } else {
    WriteString(*s);
  }
}

void Writer::WriteCompactString(std::string_view s) {
  WriteUvarint(static_cast<uint32_t>(s.size() + 1));
  WriteRaw({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

void Writer::WriteCompactNullableString(const std::optional<std::string>& s) {
  if (!s) {
    WriteUvarint(0);
  } else {
    WriteCompactString(*s);
  }
}

void Writer::WriteBytes(std::span<const uint8_t> b) {
  WriteInt32(static_cast<int32_t>(b.size()));
  WriteRaw(b);
}

void Writer::WriteNullableBytes(const std::optional<std::vector<uint8_t>>& b) {
  if (!b) {
    WriteInt32(-1);
  } else {
    WriteBytes(*b);
  }
}

void Writer::WriteCompactBytes(std::span<const uint8_t> b) {
  WriteUvarint(static_cast<uint32_t>(b.size() + 1));
  WriteRaw(b);
}

void Writer::WriteCompactNullableBytes(const std::optional<std::vector<uint8_t>>& b) {
  if (!b) {
    WriteUvarint(0);
  } else {
    WriteCompactBytes(*b);
  }
}

void Writer::WriteArrayLength(int32_t n) { WriteInt32(n < 0 ? -1 : n); }

void Writer::WriteCompactArrayLength(int32_t n) {
  WriteUvarint(n < 0 ? 0 : static_cast<uint32_t>(n) + 1);
}

void Writer::WriteRaw(std::span<const uint8_t> b) {
  if (b.empty()) return;
  std::memcpy(Grow(b.size()), b.data(), b.size());
}

void Writer::AppendFileRegion(const FileRegion& region) {
  if (region.length <= 0) return;
  chunks_.push_back(Chunk{0, 0, region});
  size_ += static_cast<size_t>(region.length);
  has_files_ = true;
}

void Writer::Append(const Writer& other) {
  GREGOR_CHECK(&other != this);
  for (const Chunk& c : other.chunks_) {
    if (c.file) {
      AppendFileRegion(*c.file);
    } else {
      WriteRaw(std::span<const uint8_t>(other.buf_).subspan(c.begin, c.end - c.begin));
    }
  }
}

void Writer::ReserveSizePrefix() {
  GREGOR_CHECK(size_ == 0);
  WriteInt32(0);
  size_prefix_ = true;
}

void Writer::PatchSizePrefix() {
  GREGOR_CHECK(size_prefix_ && buf_.size() >= 4);
  const uint32_t n = static_cast<uint32_t>(size_ - 4);
  for (int i = 0; i < 4; ++i) buf_[i] = static_cast<uint8_t>(n >> (24 - 8 * i));
}

std::vector<Writer::Piece> Writer::Pieces() const {
  std::vector<Piece> out;
  out.reserve(chunks_.size());
  for (const Chunk& c : chunks_) {
    if (c.file) {
      out.push_back(Piece{{}, &*c.file});
    } else if (c.end > c.begin) {
      out.push_back(
          Piece{std::span<const uint8_t>(buf_).subspan(c.begin, c.end - c.begin), nullptr});
    }
  }
  return out;
}

std::vector<uint8_t> Writer::TakeBytes() {
  GREGOR_CHECK(!has_files_);
  std::vector<uint8_t> out = std::move(buf_);
  buf_.clear();
  chunks_.clear();
  size_ = 0;
  size_prefix_ = false;
  return out;
}

}  // namespace gregor::protocol
