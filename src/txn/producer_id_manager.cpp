#include "txn/producer_id_manager.h"

#include <charconv>
#include <filesystem>

#include "base/fs.h"

namespace gregor::txn {
namespace {

constexpr char kFileName[] = "producer-id-block";
constexpr std::string_view kVersionLine = "0\n";

}  // namespace

Result<std::unique_ptr<ProducerIdManager>> ProducerIdManager::Open(const std::string& data_dir) {
  std::string path = data_dir + "/" + kFileName;
  int64_t reserved_end = 0;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    Result<std::string> text = ReadFile(path);
    if (!text.ok()) return text.status();
    std::string_view rest(text.value());
    bool ok = rest.size() > kVersionLine.size() && rest.substr(0, 2) == kVersionLine;
    if (ok) {
      rest.remove_prefix(kVersionLine.size());
      auto [ptr, err] = std::from_chars(rest.data(), rest.data() + rest.size(), reserved_end);
      ok = err == std::errc() && ptr != rest.data() && reserved_end >= 0 &&
           std::string_view(ptr, rest.data() + rest.size() - ptr) == "\n";
    }
    if (!ok) {
      return Status(ErrorCode::kKafkaStorageError,
                    path + " is malformed; refusing to allocate producer ids that may repeat");
    }
  }
  return std::unique_ptr<ProducerIdManager>(new ProducerIdManager(path, reserved_end));
}

Result<ProducerId> ProducerIdManager::Next() {
  std::lock_guard lock(mu_);
  if (next_ >= reserved_end_) {
    int64_t end = next_ + kBlockSize;
    GREGOR_RETURN_IF_ERROR(
        WriteFileAtomically(path_, std::string(kVersionLine) + std::to_string(end) + "\n"));
    reserved_end_ = end;
  }
  return ProducerId(next_++);
}

}  // namespace gregor::txn
