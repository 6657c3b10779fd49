#include "storage/producer_snapshot.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/crc32c.h"
#include "storage/file_io.h"
#include "storage/file_names.h"
#include "storage/wire.h"

namespace gregor::storage {
namespace {

constexpr size_t kHeaderSize = 2 + 4;
constexpr size_t kProducerFixedSize = 8 + 2 + 4 + 8 + 8 + 8 + 1;
constexpr size_t kBatchSize = 4 + 4 + 8 + 8 + 8;
constexpr size_t kAbortedSize = 8 + 8 + 8;

class Out {
 public:
  void U8(uint8_t v) { b_.push_back(v); }
  void U16(uint16_t v) { Put(v, 2); }
  void U32(uint32_t v) { Put(v, 4); }
  void U64(uint64_t v) { Put(v, 8); }
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  std::vector<uint8_t>& bytes() { return b_; }

 private:
  void Put(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) b_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  std::vector<uint8_t> b_;
};

class In {
 public:
  explicit In(std::span<const uint8_t> b) : b_(b) {}
  bool Has(size_t n) const { return b_.size() - pos_ >= n; }
  uint8_t U8() { return b_[pos_++]; }
  uint16_t U16() { return static_cast<uint16_t>(Get(2)); }
  uint32_t U32() { return static_cast<uint32_t>(Get(4)); }
  int64_t I64() { return static_cast<int64_t>(Get(8)); }
  bool done() const { return pos_ == b_.size(); }

 private:
  uint64_t Get(int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | b_[pos_++];
    return v;
  }
  std::span<const uint8_t> b_;
  size_t pos_ = 0;
};

Status Corrupt(const std::string& why) {
  return Status(ErrorCode::kCorruptMessage, "producer snapshot: " + why);
}

}  // namespace

std::vector<uint8_t> EncodeProducerSnapshot(const ProducerStateManager& state) {
  Out out;
  out.U16(static_cast<uint16_t>(kSnapshotVersion));
  out.U32(0);  // CRC, patched below
  out.U32(static_cast<uint32_t>(state.producers().size()));
  for (const auto& [id, e] : state.producers()) {
    out.I64(id.value());
    out.U16(static_cast<uint16_t>(e.epoch.value()));
    out.U32(static_cast<uint32_t>(e.coordinator_epoch));
    out.I64(e.txn_first_offset.value());
    out.I64(e.last_timestamp);
    out.I64(e.last_append_ms);
    out.U8(static_cast<uint8_t>(e.batch_count));
    for (int i = 0; i < e.batch_count; ++i) {
      const BatchMetadata& b = e.batch(i);
      out.U32(static_cast<uint32_t>(b.first_seq));
      out.U32(static_cast<uint32_t>(b.last_seq));
      out.I64(b.first_offset.value());
      out.I64(b.last_offset.value());
      out.I64(b.max_timestamp);
    }
  }
  out.U32(static_cast<uint32_t>(state.aborted().size()));
  for (const AbortedTxn& a : state.aborted()) {
    out.I64(a.producer_id.value());
    out.I64(a.first_offset.value());
    out.I64(a.last_offset.value());
  }
  std::vector<uint8_t>& bytes = out.bytes();
  uint32_t crc = Crc32c(std::span<const uint8_t>(bytes).subspan(kHeaderSize));
  StoreBe32(bytes.data() + 2, crc);
  return std::move(bytes);
}

Status DecodeProducerSnapshot(std::span<const uint8_t> bytes, ProducerStateManager* state) {
  In in(bytes);
  if (!in.Has(kHeaderSize + 4)) return Corrupt("truncated header");
  int16_t version = static_cast<int16_t>(in.U16());
  if (version != kSnapshotVersion) return Corrupt("unknown version " + std::to_string(version));
  uint32_t crc = in.U32();
  if (Crc32c(bytes.subspan(kHeaderSize)) != crc) return Corrupt("CRC mismatch");
  uint32_t producers = in.U32();
  if (producers > bytes.size() / kProducerFixedSize) return Corrupt("bad producer count");
  std::unordered_map<ProducerId, ProducerEntry> entries;
  entries.reserve(producers);
  for (uint32_t i = 0; i < producers; ++i) {
    if (!in.Has(kProducerFixedSize)) return Corrupt("truncated producer");
    ProducerId id(in.I64());
    ProducerEntry e;
    e.epoch = ProducerEpoch(static_cast<int16_t>(in.U16()));
    e.coordinator_epoch = static_cast<int32_t>(in.U32());
    e.txn_first_offset = Offset(in.I64());
    e.last_timestamp = in.I64();
    e.last_append_ms = in.I64();
    int count = in.U8();
    if (count > kBatchesToRetain) return Corrupt("too many batches");
    if (!in.Has(kBatchSize * static_cast<size_t>(count))) return Corrupt("truncated batches");
    for (int b = 0; b < count; ++b) {
      BatchMetadata m;
      m.first_seq = static_cast<int32_t>(in.U32());
      m.last_seq = static_cast<int32_t>(in.U32());
      m.first_offset = Offset(in.I64());
      m.last_offset = Offset(in.I64());
      m.max_timestamp = in.I64();
      e.AddBatch(m);
    }
    if (!entries.emplace(id, e).second) return Corrupt("producer listed twice");
  }
  if (!in.Has(4)) return Corrupt("truncated aborted count");
  uint32_t aborted_count = in.U32();
  if (!in.Has(kAbortedSize * size_t{aborted_count})) return Corrupt("truncated aborted list");
  std::vector<AbortedTxn> aborted;
  aborted.reserve(aborted_count);
  for (uint32_t i = 0; i < aborted_count; ++i) {
    AbortedTxn a;
    a.producer_id = ProducerId(in.I64());
    a.first_offset = Offset(in.I64());
    a.last_offset = Offset(in.I64());
    if (!aborted.empty() && a.last_offset < aborted.back().last_offset) {
      return Corrupt("aborted transactions out of order");
    }
    aborted.push_back(a);
  }
  if (!in.done()) return Corrupt("trailing bytes");
  state->Reset(std::move(entries), std::move(aborted));
  return Status::Ok();
}

std::string SnapshotPath(const std::string& dir, Offset offset) {
  return SegmentPath(dir, offset, kSnapshotSuffix);
}

std::vector<Offset> ListSnapshots(const std::string& dir) {
  std::vector<Offset> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (struct dirent* e = ::readdir(d)) {
    if (auto offset = ParseSegmentName(e->d_name, kSnapshotSuffix)) out.push_back(*offset);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Status WriteProducerSnapshot(const std::string& dir, Offset offset,
                             const ProducerStateManager& state) {
  std::vector<uint8_t> bytes = EncodeProducerSnapshot(state);
  std::string path = SnapshotPath(dir, offset);
  std::string tmp = path + ".tmp";
  {
    GREGOR_ASSIGN_OR_RETURN(ScopedFd fd, OpenFile(tmp, O_WRONLY | O_CREAT | O_TRUNC));
    GREGOR_RETURN_IF_ERROR(FileIo::Default()->PwriteAll(fd.get(), bytes, 0));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoStatus("rename " + tmp, errno);
  std::vector<Offset> all = ListSnapshots(dir);
  for (size_t i = 0; i + kSnapshotsToKeep < all.size(); ++i) {
    ::unlink(SnapshotPath(dir, all[i]).c_str());
  }
  return Status::Ok();
}

}  // namespace gregor::storage
