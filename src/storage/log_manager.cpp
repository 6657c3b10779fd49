#include "storage/log_manager.h"

#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>

#include "base/uuid.h"
#include "storage/file_names.h"

namespace gregor::storage {
namespace {

constexpr char kCleanShutdownFile[] = ".clean_shutdown";
constexpr char kLockFile[] = ".lock";

bool ValidTopicName(const std::string& topic) {
  if (topic.empty() || topic.size() > 249 || topic == "." || topic == "..") return false;
  for (char c : topic) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string HexUuid() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  Uuid id = Uuid::Random();
  for (uint8_t b : id.bytes()) {
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

LogManager::LogManager(const LogManagerOptions& options) : options_(options) {}

LogManager::~LogManager() { (void)Close(); }

Result<std::unique_ptr<LogManager>> LogManager::Open(const LogManagerOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return ErrnoStatus("create " + options.data_dir, ec.value());
  std::unique_ptr<LogManager> m(new LogManager(options));
  GREGOR_ASSIGN_OR_RETURN(m->lock_file_,
                          OpenFile(options.data_dir + "/" + kLockFile, O_RDWR | O_CREAT));
  if (::flock(m->lock_file_.get(), LOCK_EX | LOCK_NB) != 0) {
    return ErrnoStatus(options.data_dir + " is in use by another process", errno);
  }
  FlushScheduler::Options fo;
  fo.clock = options.clock;
  fo.periodic_check_ms = options.flush_check_interval_ms;
  m->flush_scheduler_ = std::make_unique<FlushScheduler>(fo);
  GREGOR_RETURN_IF_ERROR(m->Load());
  m->loaded_ = true;
  if (options.background_thread) {
    m->background_ = std::thread([raw = m.get()] { raw->BackgroundLoop(); });
  }
  return m;
}

PartitionLogOptions LogManager::LogOptions() {
  PartitionLogOptions o;
  o.clock = options_.clock;
  o.io = options_.io;
  FlushScheduler* scheduler = flush_scheduler_.get();
  o.flush_hook = [scheduler](PartitionLog* log) {
    scheduler->RequestSync(log, log->log_end_offset(), nullptr);
  };
  return o;
}

Status LogManager::Load() {
  const std::string& root = options_.data_dir;
  std::string marker = root + "/" + kCleanShutdownFile;
  clean_start_ = ::access(marker.c_str(), F_OK) == 0;
  int64_t started = options_.clock->MonotonicMs();

  std::vector<std::pair<Key, std::string>> found;
  DIR* d = ::opendir(root.c_str());
  if (d == nullptr) return ErrnoStatus("opendir " + root, errno);
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == ".." || name[0] == '.') continue;
    std::string path = root + "/" + name;
    if (EndsWith(name, kDeleteDirSuffix)) {
      dirs_to_delete_.push_back(path);  // a removal interrupted by a restart
      continue;
    }
    if (!std::filesystem::is_directory(path)) continue;
    auto parsed = ParsePartitionDirName(name);
    if (!parsed.has_value() || !ValidTopicName(parsed->first)) {
      spdlog::warn("storage: ignoring {}: not <topic>-<partition>", path);
      continue;
    }
    found.push_back({{parsed->first, parsed->second.value()}, path});
  }
  ::closedir(d);

  // Recovery is I/O bound and independent per partition: a few threads share the list.
  std::vector<std::unique_ptr<PartitionLog>> opened(found.size());
  std::vector<Status> errors(found.size());
  std::atomic<size_t> next{0};
  PartitionLogOptions log_options = LogOptions();
  auto worker = [&] {
    for (size_t i = next++; i < found.size(); i = next++) {
      Result<std::unique_ptr<PartitionLog>> log =
          PartitionLog::Open(found[i].second, options_.default_config, log_options, clean_start_);
      if (log.ok()) {
        opened[i] = std::move(log).value();
      } else {
        errors[i] = log.status();
      }
    }
  };
  int threads =
      std::max(1, std::min<int>(options_.recovery_threads, static_cast<int>(found.size())));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  for (const Status& s : errors) GREGOR_RETURN_IF_ERROR(s);

  std::unique_lock lock(mu_);
  for (size_t i = 0; i < found.size(); ++i) {
    const RecoveryStats& rs = opened[i]->recovery_stats();
    recovery_stats_.segments += rs.segments;
    recovery_stats_.segments_recovered += rs.segments_recovered;
    recovery_stats_.bytes_truncated += rs.bytes_truncated;
    flush_scheduler_->Register(opened[i].get());
    logs_[found[i].first] = std::move(opened[i]);
  }
  lock.unlock();
  // Only now is the marker stale: a crash from here on must trigger recovery.
  if (clean_start_) {
    if (::unlink(marker.c_str()) != 0) return ErrnoStatus("unlink " + marker, errno);
    GREGOR_RETURN_IF_ERROR(FsyncDir(root));
  }
  spdlog::info(
      "storage: opened {} partitions ({} segments) in {} in {} ms; {} shutdown; {} segments "
      "scanned, {} bytes truncated",
      found.size(), recovery_stats_.segments, root, options_.clock->MonotonicMs() - started,
      clean_start_ ? "clean" : "unclean", recovery_stats_.segments_recovered,
      recovery_stats_.bytes_truncated);
  return Status::Ok();
}

Result<PartitionLog*> LogManager::GetOrCreate(const std::string& topic, PartitionId partition,
                                              const LogConfig& config) {
  if (!ValidTopicName(topic) || partition < PartitionId(0)) {
    return Status(ErrorCode::kInvalidTopicException, "invalid topic partition " + topic);
  }
  std::unique_lock lock(mu_);
  if (closed_) return Status(ErrorCode::kKafkaStorageError, "log manager is closed");
  Key key{topic, partition.value()};
  auto it = logs_.find(key);
  if (it != logs_.end()) {
    it->second->UpdateConfig(config);
    return it->second.get();
  }
  std::string dir = options_.data_dir + "/" + PartitionDirName(topic, partition);
  GREGOR_ASSIGN_OR_RETURN(std::unique_ptr<PartitionLog> log,
                          PartitionLog::Open(dir, config, LogOptions(), /*clean_shutdown=*/true));
  GREGOR_RETURN_IF_ERROR(FsyncDir(options_.data_dir));
  PartitionLog* raw = log.get();
  flush_scheduler_->Register(raw);
  logs_[key] = std::move(log);
  return raw;
}

PartitionLog* LogManager::Get(const std::string& topic, PartitionId partition) const {
  std::shared_lock lock(mu_);
  auto it = logs_.find(Key{topic, partition.value()});
  return it == logs_.end() ? nullptr : it->second.get();
}

Status LogManager::RemovePartition(const std::string& topic, PartitionId partition) {
  std::unique_lock lock(mu_);
  auto it = logs_.find(Key{topic, partition.value()});
  if (it == logs_.end()) {
    return Status(ErrorCode::kUnknownTopicOrPartition,
                  topic + "-" + std::to_string(partition.value()));
  }
  std::string from = it->second->dir();
  std::string to = from + "." + HexUuid() + std::string(kDeleteDirSuffix);
  if (::rename(from.c_str(), to.c_str()) != 0) return ErrnoStatus("rename " + from, errno);
  std::unique_ptr<PartitionLog> log = std::move(it->second);
  logs_.erase(it);
  flush_scheduler_->Unregister(log.get());
  log->MarkDeleted();
  graveyard_.push_back(std::move(log));
  lock.unlock();
  Status synced = FsyncDir(options_.data_dir);
  {
    std::lock_guard bg(bg_mu_);
    dirs_to_delete_.push_back(to);
  }
  bg_wake_.notify_one();
  return synced;
}

std::vector<std::pair<std::string, PartitionId>> LogManager::Partitions() const {
  std::shared_lock lock(mu_);
  std::vector<std::pair<std::string, PartitionId>> out;
  for (const auto& [key, log] : logs_) out.emplace_back(key.first, PartitionId(key.second));
  return out;
}

void LogManager::DeleteRemovedDirs() {
  std::vector<std::string> dirs;
  {
    std::lock_guard lock(bg_mu_);
    dirs.swap(dirs_to_delete_);
  }
  for (const std::string& dir : dirs) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (ec) spdlog::warn("storage: deleting {}: {}", dir, ec.message());
  }
}

void LogManager::RunMaintenance() {
  std::vector<PartitionLog*> logs;
  {
    std::shared_lock lock(mu_);
    for (const auto& [key, log] : logs_) logs.push_back(log.get());
  }
  // A log removed meanwhile stays alive in the graveyard and answers with errors.
  for (PartitionLog* log : logs) {
    Result<int32_t> deleted = log->ApplyRetention();
    if (!deleted.ok())
      spdlog::warn("storage: retention of {}: {}", log->dir(), deleted.status().ToString());
    Result<CompactionStats> compacted = log->Compact();
    if (!compacted.ok()) {
      spdlog::warn("storage: compaction of {}: {}", log->dir(), compacted.status().ToString());
    } else if (compacted->segments_rewritten > 0) {
      spdlog::info("storage: compacted {}: {} segments, {} records removed, {} -> {} bytes",
                   log->dir(), compacted->segments_rewritten, compacted->records_removed,
                   compacted->bytes_before, compacted->bytes_after);
    }
    log->DeleteExpiredFiles();
    int expired = log->ExpireProducers(options_.producer_id_expiration_ms);
    if (expired > 0) {
      spdlog::info("storage: {}: forgot {} producer(s) idle for producer.id.expiration.ms",
                   log->dir(), expired);
    }
  }
  DeleteRemovedDirs();
}

void LogManager::BackgroundLoop() {
  int64_t last = options_.clock->MonotonicMs();
  std::unique_lock lock(bg_mu_);
  while (!bg_stop_) {
    bg_wake_.wait_for(lock, std::chrono::milliseconds(
                                std::min<int64_t>(options_.retention_check_interval_ms, 1000)));
    if (bg_stop_) break;
    lock.unlock();
    DeleteRemovedDirs();
    int64_t now = options_.clock->MonotonicMs();
    if (now - last >= options_.retention_check_interval_ms) {
      last = now;
      RunMaintenance();
    }
    lock.lock();
  }
}

Status LogManager::Close() {
  {
    std::unique_lock lock(mu_);
    if (closed_) return Status::Ok();
    closed_ = true;
  }
  {
    std::lock_guard lock(bg_mu_);
    bg_stop_ = true;
  }
  bg_wake_.notify_one();
  if (background_.joinable()) background_.join();
  if (flush_scheduler_ != nullptr) flush_scheduler_->Stop();
  Status first;
  {
    std::shared_lock lock(mu_);
    for (const auto& [key, log] : logs_) {
      Status s = log->Close();
      if (!s.ok() && first.ok()) first = s;
    }
  }
  GREGOR_RETURN_IF_ERROR(first);
  if (!loaded_) return Status::Ok();  // Open failed: no claim about the logs on disk
  std::string marker = options_.data_dir + "/" + kCleanShutdownFile;
  {
    GREGOR_ASSIGN_OR_RETURN(ScopedFd fd, OpenFile(marker, O_WRONLY | O_CREAT | O_TRUNC));
    GREGOR_RETURN_IF_ERROR(options_.io->Fdatasync(fd.get()));
  }
  return FsyncDir(options_.data_dir);
}

}  // namespace gregor::storage
