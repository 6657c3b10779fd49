#pragma once

// Writer: encodes Kafka's primitive wire types (byte order and forms as in reader.h) into
// a growable buffer that may also reference file regions, so a Fetch response can send
// segment bytes with sendfile() instead of copying them.
//
// Internally the output is a list of pieces, each a range of the owned buffer or a
// FileRegion, in order. Writing bytes after a file region starts a new buffer piece.
// Thread-safety: none; one writer per thread.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/file_region.h"
#include "base/uuid.h"

namespace gregor::protocol {

class Writer {
 public:
  // Exactly one of `bytes` (non-empty) and `file` is set.
  struct Piece {
    std::span<const uint8_t> bytes;
    const FileRegion* file = nullptr;
  };

  Writer() = default;
  Writer(Writer&&) = default;
  Writer& operator=(Writer&&) = default;
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void WriteInt8(int8_t v);
  void WriteInt16(int16_t v);
  void WriteInt32(int32_t v);
  void WriteInt64(int64_t v);
  void WriteUint16(uint16_t v);
  void WriteUint32(uint32_t v);
  void WriteFloat64(double v);
  void WriteBool(bool v);
  void WriteUuid(const Uuid& v);

  void WriteUvarint(uint32_t v);
  void WriteVarint(int32_t v);
  void WriteVarlong(int64_t v);

  // int16 length + bytes. A string longer than 32767 bytes cannot be encoded in this form;
  // it is cut at 32767 bytes rather than corrupting the stream.
  void WriteString(std::string_view s);
  void WriteNullableString(const std::optional<std::string>& s);
  void WriteCompactString(std::string_view s);
  void WriteCompactNullableString(const std::optional<std::string>& s);

  void WriteBytes(std::span<const uint8_t> b);
  void WriteNullableBytes(const std::optional<std::vector<uint8_t>>& b);
  void WriteCompactBytes(std::span<const uint8_t> b);
  void WriteCompactNullableBytes(const std::optional<std::vector<uint8_t>>& b);

  // Array counts; -1 writes null (int32 -1, or compact 0).
  void WriteArrayLength(int32_t n);
  void WriteCompactArrayLength(int32_t n);

  void WriteRaw(std::span<const uint8_t> b);
  // The region is sent as is; the caller has already accounted for its length in any
  // enclosing size field.
  void AppendFileRegion(const FileRegion& region);
  // Appends everything `other` holds (bytes copied, file regions kept as regions).
  void Append(const Writer& other);

  // Writes a 4-byte placeholder for the frame size. REQUIRES: size() == 0.
  void ReserveSizePrefix();
  // Sets the placeholder to the int32 number of bytes after it.
  // REQUIRES: ReserveSizePrefix() was called.
  void PatchSizePrefix();

  // Total bytes, including file regions.
  size_t size() const { return size_; }
  bool has_file_regions() const { return has_files_; }

  // The output in order. Spans are valid until the writer is mutated or destroyed.
  std::vector<Piece> Pieces() const;
  // The buffer, leaving the writer empty. REQUIRES: !has_file_regions().
  std::vector<uint8_t> TakeBytes();

 private:
  struct Chunk {
    size_t begin = 0;  // range of buf_ when file is unset
    size_t end = 0;
    std::optional<FileRegion> file;
  };

  uint8_t* Grow(size_t n);

  std::vector<uint8_t> buf_;
  std::vector<Chunk> chunks_;
  size_t size_ = 0;
  bool has_files_ = false;
  bool size_prefix_ = false;
};

}  // namespace gregor::protocol
