#pragma once

// Records: the value of a `records` field (Produce request, Fetch / FetchSnapshot response).
//
// Wire format of the field:
//   classic versions:  int32 length (-1 = null), then `length` bytes
//   flexible versions: uvarint (length + 1) (0 = null), then `length` bytes
// The bytes are zero or more record batches (magic 2) or, from old clients, legacy message
// sets (magic 0/1), concatenated. This class does not parse them: validation belongs to the
// handler. A Fetch response may end with a partial batch (it is cut
// at max_bytes); clients discard it.
//
// A Records value is one of:
//   - null;
//   - a view of bytes it does not own (what Decode returns: a view into the request frame,
//     valid only as long as that frame buffer);
//   - owned bytes and file regions, in order (a fetch response sends segment data with
//     sendfile() and may splice down-converted, owned bytes between regions).
// A default-constructed Records is empty and not null.
// Thread-safety: a plain value; copies share file descriptors, never bytes they do not own.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/file_region.h"
#include "protocol/reader.h"
#include "protocol/writer.h"

namespace gregor::protocol {

class Records {
 public:
  Records() = default;

  static Records Null();
  // REQUIRES: `bytes` outlives the returned value and its copies.
  static Records View(std::span<const uint8_t> bytes);
  static Records Owned(std::vector<uint8_t> bytes);

  // Appends a region of a file (sent with sendfile()). Makes a null value non-null.
  void AddFileRegion(FileRegion region);
  // Appends a copy of `bytes` after everything added so far. Makes a null value non-null.
  void AppendOwned(std::span<const uint8_t> bytes);

  bool is_null() const { return null_; }
  bool has_file_regions() const { return has_files_; }
  // Total bytes, including file regions (0 when null).
  size_t size() const;
  // All bytes, contiguous. REQUIRES: !has_file_regions(). Valid until this value is
  // mutated or destroyed (or, for a view, as long as the viewed buffer).
  std::span<const uint8_t> bytes() const;

  // Writes the length (or null marker) then the bytes; file regions are appended to the
  // writer as regions. `compact` selects the flexible-version form.
  void Encode(Writer& w, bool compact) const;
  // Reads the field as a view into the reader's buffer. Errors (truncation, bad length)
  // are recorded in `r`; the result is then empty.
  static Records Decode(Reader& r, bool compact);

  // Same nullness and the same content (file regions compare by file, offset and length).
  bool operator==(const Records& other) const;

 private:
  struct Chunk {
    size_t begin = 0;  // range of owned_ when file is unset
    size_t end = 0;
    std::optional<FileRegion> file;
  };

  // Moves a view into owned_ so that appends keep order.
  void MakeOwned();

  bool null_ = false;
  bool has_files_ = false;
  std::span<const uint8_t> view_;  // the content while chunks_ is empty
  std::vector<uint8_t> owned_;
  std::vector<Chunk> chunks_;
};

}  // namespace gregor::protocol
