#include "protocol/records.h"

#include <algorithm>
#include <utility>

#include "base/check.h"

namespace gregor::protocol {

Records Records::Null() {
  Records r;
  r.null_ = true;
  return r;
}

Records Records::View(std::span<const uint8_t> bytes) {
  Records r;
  r.view_ = bytes;
  return r;
}

Records Records::Owned(std::vector<uint8_t> bytes) {
  Records r;
  const size_t n = bytes.size();
  r.owned_ = std::move(bytes);
  if (n > 0) r.chunks_.push_back(Chunk{0, n, std::nullopt});
  return r;
}

void Records::MakeOwned() {
  if (chunks_.empty() && !view_.empty()) {
    owned_.assign(view_.begin(), view_.end());
    chunks_.push_back(Chunk{0, owned_.size(), std::nullopt});
  }
  view_ = {};
}

void Records::AddFileRegion(FileRegion region) {
  MakeOwned();
  null_ = false;
  if (region.length <= 0) return;
  chunks_.push_back(Chunk{0, 0, std::move(region)});
  has_files_ = true;
}

void Records::AppendOwned(std::span<const uint8_t> bytes) {
  MakeOwned();
  null_ = false;
  if (bytes.empty()) return;
  const size_t old = owned_.size();
  owned_.insert(owned_.end(), bytes.begin(), bytes.end());
  if (!chunks_.empty() && !chunks_.back().file && chunks_.back().end == old) {
    chunks_.back().end = owned_.size();
  } else {
    chunks_.push_back(Chunk{old, owned_.size(), std::nullopt});
  }
}

size_t Records::size() const {
  if (chunks_.empty()) return view_.size();
  size_t n = 0;
  for (const Chunk& c : chunks_) {
    n += c.file ? static_cast<size_t>(c.file->length) : c.end - c.begin;
  }
  return n;
}

std::span<const uint8_t> Records::bytes() const {
  GREGOR_CHECK(!has_files_);
  if (chunks_.empty()) return view_;
  // Without file regions the owned chunks cover owned_ in order, back to back.
  return owned_;
}

void Records::Encode(Writer& w, bool compact) const {
  if (null_) {
    if (compact) {
      w.WriteUvarint(0);
    } else {
      w.WriteInt32(-1);
    }
    return;
  }
  const size_t n = size();
  if (compact) {
    w.WriteUvarint(static_cast<uint32_t>(n + 1));
  } else {
    w.WriteInt32(static_cast<int32_t>(n));
  }
  if (chunks_.empty()) {
    w.WriteRaw(view_);
    return;
  }
  for (const Chunk& c : chunks_) {
    if (c.file) {
      w.AppendFileRegion(*c.file);
    } else {
      w.WriteRaw(std::span<const uint8_t>(owned_).subspan(c.begin, c.end - c.begin));
    }
  }
}

Records Records::Decode(Reader& r, bool compact) {
  std::optional<std::span<const uint8_t>> b =
      compact ? r.ReadCompactNullableBytes() : r.ReadNullableBytes();
  if (!r.ok()) return Records();
  if (!b) return Null();
  return View(*b);
}

bool Records::operator==(const Records& other) const {
  if (null_ != other.null_ || size() != other.size()) return false;
  if (!has_files_ && !other.has_files_) {
    std::span<const uint8_t> a = bytes();
    std::span<const uint8_t> b = other.bytes();
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }
  if (chunks_.size() != other.chunks_.size()) return false;
  for (size_t i = 0; i < chunks_.size(); ++i) {
    const Chunk& x = chunks_[i];
    const Chunk& y = other.chunks_[i];
    if (x.file.has_value() != y.file.has_value()) return false;
    if (x.file) {
      if (x.file->file != y.file->file || x.file->offset != y.file->offset ||
          x.file->length != y.file->length) {
        return false;
      }
    } else if (!std::equal(owned_.begin() + x.begin, owned_.begin() + x.end,
                           other.owned_.begin() + y.begin, other.owned_.begin() + y.end)) {
      return false;
    }
  }
  return true;
}

}  // namespace gregor::protocol
