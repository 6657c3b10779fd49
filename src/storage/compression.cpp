#include "storage/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "storage/wire.h"

namespace gregor::storage {
namespace {

constexpr uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t kXerialHeaderSize = 16;       // magic + version + compatible version
constexpr size_t kXerialBlockSize = 32 << 10;  // snappy-java's default block

Status Corrupt(const std::string& what) { return Status(ErrorCode::kCorruptMessage, what); }
Status TooBig(size_t max) {
  return Corrupt("decompressed records exceed " + std::to_string(max) + " bytes");
}

Result<std::vector<uint8_t>> InflateGzip(std::span<const uint8_t> in, size_t max) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Corrupt("gzip: inflateInit failed");
  std::vector<uint8_t> out(std::max<size_t>(in.size() * 4, 1024));
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  size_t produced = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (produced == out.size()) {
      if (out.size() >= max) {
        inflateEnd(&zs);
        return TooBig(max);
      }
      out.resize(std::min(out.size() * 2, max));
    }
    zs.next_out = out.data() + produced;
    zs.avail_out = static_cast<uInt>(out.size() - produced);
    rc = inflate(&zs, Z_NO_FLUSH);
    produced = out.size() - zs.avail_out;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) rc = Z_DATA_ERROR;  // truncated stream
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      inflateEnd(&zs);
      return Corrupt("gzip: malformed stream");
    }
  }
  inflateEnd(&zs);
  out.resize(produced);
  return out;
}

Result<std::vector<uint8_t>> DeflateGzip(std::span<const uint8_t> in) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return Status(ErrorCode::kUnknownServerError, "gzip: deflateInit failed");
  }
  std::vector<uint8_t> out(deflateBound(&zs, in.size()) + 32);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  size_t produced = out.size() - zs.avail_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Status(ErrorCode::kUnknownServerError, "gzip: deflate failed");
  out.resize(produced);
  return out;
}

Status AppendRawSnappy(std::span<const uint8_t> block, size_t max, std::vector<uint8_t>* out) {
  const char* src = reinterpret_cast<const char*>(block.data());
  size_t n = 0;
  if (!snappy::GetUncompressedLength(src, block.size(), &n)) return Corrupt("snappy: bad length");
  if (out->size() + n > max) return TooBig(max);
  size_t at = out->size();
  out->resize(at + n);
  if (!snappy::RawUncompress(src, block.size(), reinterpret_cast<char*>(out->data() + at))) {
    return Corrupt("snappy: malformed block");
  }
  return Status::Ok();
}

Result<std::vector<uint8_t>> UncompressSnappy(std::span<const uint8_t> in, size_t max) {
  std::vector<uint8_t> out;
  bool xerial = in.size() >= kXerialHeaderSize && std::memcmp(in.data(), kXerialMagic, 8) == 0;
  if (!xerial) {
    GREGOR_RETURN_IF_ERROR(AppendRawSnappy(in, max, &out));
    return out;
  }
  size_t pos = kXerialHeaderSize;
  while (pos < in.size()) {
    if (in.size() - pos < 4) return Corrupt("snappy: truncated xerial block length");
    uint32_t len = LoadBe32(in.data() + pos);
    pos += 4;
    if (len > in.size() - pos) return Corrupt("snappy: xerial block runs past the input");
    GREGOR_RETURN_IF_ERROR(AppendRawSnappy(in.subspan(pos, len), max, &out));
    pos += len;
  }
  return out;
}

Result<std::vector<uint8_t>> CompressSnappyXerial(std::span<const uint8_t> in) {
  std::vector<uint8_t> out(kXerialHeaderSize);
  std::memcpy(out.data(), kXerialMagic, 8);
  StoreBe32(out.data() + 8, 1);
  StoreBe32(out.data() + 12, 1);
  for (size_t pos = 0; pos < in.size(); pos += kXerialBlockSize) {
    size_t n = std::min(kXerialBlockSize, in.size() - pos);
    std::string block;
    snappy::Compress(reinterpret_cast<const char*>(in.data() + pos), n, &block);
    size_t at = out.size();
    out.resize(at + 4 + block.size());
    StoreBe32(out.data() + at, static_cast<uint32_t>(block.size()));
    std::memcpy(out.data() + at + 4, block.data(), block.size());
  }
  return out;
}

Result<std::vector<uint8_t>> DecompressLz4(std::span<const uint8_t> in, size_t max) {
  LZ4F_dctx* dctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION))) {
    return Corrupt("lz4: no decompression context");
  }
  std::vector<uint8_t> out(std::max<size_t>(in.size() * 4, 1024));
  size_t produced = 0, consumed = 0;
  Status status;
  while (true) {
    if (produced == out.size()) {
      if (out.size() >= max) {
        status = TooBig(max);
        break;
      }
      out.resize(std::min(out.size() * 2, max));
    }
    size_t room = out.size() - produced;
    size_t dst_size = room;
    size_t src_size = in.size() - consumed;
    size_t hint = LZ4F_decompress(dctx, out.data() + produced, &dst_size, in.data() + consumed,
                                  &src_size, nullptr);
    if (LZ4F_isError(hint)) {
      status = Corrupt(std::string("lz4: ") + LZ4F_getErrorName(hint));
      break;
    }
    produced += dst_size;
    consumed += src_size;
    if (hint == 0) break;  // frame complete
    if (consumed == in.size() && dst_size < room) {
      status = Corrupt("lz4: truncated frame");
      break;
    }
  }
  LZ4F_freeDecompressionContext(dctx);
  if (!status.ok()) return status;
  out.resize(produced);
  return out;
}

Result<std::vector<uint8_t>> CompressLz4(std::span<const uint8_t> in) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;  // what Kafka's Java client writes
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  std::vector<uint8_t> out(LZ4F_compressFrameBound(in.size(), &prefs));
  size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs);
  if (LZ4F_isError(n)) return Status(ErrorCode::kUnknownServerError, "lz4: compress failed");
  out.resize(n);
  return out;
}

Result<std::vector<uint8_t>> DecompressZstd(std::span<const uint8_t> in, size_t max) {
  ZSTD_DStream* ds = ZSTD_createDStream();
  if (ds == nullptr) return Corrupt("zstd: no stream");
  std::vector<uint8_t> out(std::max<size_t>(in.size() * 4, 1024));
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  size_t produced = 0;
  Status status;
  while (true) {
    if (produced == out.size()) {
      if (out.size() >= max) {
        status = TooBig(max);
        break;
      }
      out.resize(std::min(out.size() * 2, max));
    }
    ZSTD_outBuffer dst{out.data() + produced, out.size() - produced, 0};
    size_t rc = ZSTD_decompressStream(ds, &dst, &src);
    if (ZSTD_isError(rc)) {
      status = Corrupt(std::string("zstd: ") + ZSTD_getErrorName(rc));
      break;
    }
    produced += dst.pos;
    if (rc == 0 && src.pos == src.size) break;  // last frame complete
    if (src.pos == src.size && dst.pos < dst.size) {
      status = Corrupt("zstd: truncated frame");
      break;
    }
  }
  ZSTD_freeDStream(ds);
  if (!status.ok()) return status;
  out.resize(produced);
  return out;
}

Result<std::vector<uint8_t>> CompressZstd(std::span<const uint8_t> in) {
  std::vector<uint8_t> out(ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  if (ZSTD_isError(n)) return Status(ErrorCode::kUnknownServerError, "zstd: compress failed");
  out.resize(n);
  return out;
}

}  // namespace

Result<std::vector<uint8_t>> DecompressRecords(Compression codec, std::span<const uint8_t> input,
                                               size_t max_output) {
  switch (codec) {
    case Compression::kNone:
      break;
    case Compression::kGzip:
      return InflateGzip(input, max_output);
    case Compression::kSnappy:
      return UncompressSnappy(input, max_output);
    case Compression::kLz4:
      return DecompressLz4(input, max_output);
    case Compression::kZstd:
      return DecompressZstd(input, max_output);
  }
  return Corrupt("unknown compression codec " + std::to_string(static_cast<int>(codec)));
}

Result<std::vector<uint8_t>> CompressRecords(Compression codec, std::span<const uint8_t> input) {
  switch (codec) {
    case Compression::kNone:
      break;
    case Compression::kGzip:
      return DeflateGzip(input);
    case Compression::kSnappy:
      return CompressSnappyXerial(input);
    case Compression::kLz4:
      return CompressLz4(input);
    case Compression::kZstd:
      return CompressZstd(input);
  }
  return Status(ErrorCode::kUnknownServerError, "CompressRecords: not a compression codec");
}

}  // namespace gregor::storage
