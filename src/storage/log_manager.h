#pragma once

// The partition logs of one data directory:
//   <data dir>/.lock                         flock'ed while a LogManager owns the directory
//   <data dir>/.clean_shutdown               written by Close() after every log was synced
//                                            and closed; removed once the logs are opened
//   <data dir>/<topic>-<partition>/          one PartitionLog each (partition_log.h)
//   <data dir>/<topic>-<partition>.<hex uuid>-delete/   removed partitions, being deleted
//
// On Open, every partition directory is opened on a small pool of threads. Without the
// clean-shutdown marker each partition's tail segment is scanned and cut at the first bad
// batch; with it the scan is skipped. A background thread applies retention and
// compaction every log.retention.check.interval.ms, unlinks removed segment files after
// file.delete.delay.ms and deletes removed partition directories. The manager owns one
// FlushScheduler (one flush thread per data directory).
//
// Threading: all public methods are thread-safe. Get() takes a shared lock and is meant
// for the request path; GetOrCreate() also applies the config and takes an exclusive
// lock. Returned PartitionLog pointers stay valid until the LogManager is destroyed, even
// after RemovePartition (the log then answers every call with an error).

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/file_region.h"
#include "base/status.h"
#include "base/thread_annotations.h"
#include "base/types.h"
#include "storage/file_io.h"
#include "storage/flush_scheduler.h"
#include "storage/partition_log.h"

namespace gregor::storage {

struct LogManagerOptions {
  std::string data_dir;
  Clock* clock = &SystemClock::Instance();  // must outlive the manager
  FileIo* io = FileIo::Default();           // must outlive the manager
  // Config of partitions found on disk, until GetOrCreate supplies theirs.
  LogConfig default_config;
  int recovery_threads = 2;                      // num.recovery.threads.per.data.dir
  int64_t retention_check_interval_ms = 300000;  // log.retention.check.interval.ms
  int64_t flush_check_interval_ms = 1000;        // log.flush.scheduler.interval.ms
  int64_t producer_id_expiration_ms = 86400000;  // producer.id.expiration.ms
  // False in tests: no maintenance thread; call RunMaintenance() instead.
  bool background_thread = true;
};

class LogManager {
 public:
  // Locks the directory (creating it if needed), opens every partition in it, removes
  // the clean-shutdown marker and starts the threads. Errors: kKafkaStorageError (also
  // when another process holds the directory).
  static Result<std::unique_ptr<LogManager>> Open(const LogManagerOptions& options);
  // Close() unless already closed.
  ~LogManager();
  LogManager(const LogManager&) = delete;
  LogManager& operator=(const LogManager&) = delete;

  // The partition's log, created (empty) if absent; an existing log takes `config`.
  // Errors: kKafkaStorageError; kInvalidTopicException for a topic name that cannot be
  // a directory name.
  Result<PartitionLog*> GetOrCreate(const std::string& topic, PartitionId partition,
                                    const LogConfig& config);
  // The partition's log, or nullptr.
  PartitionLog* Get(const std::string& topic, PartitionId partition) const;
  // Deletes the partition: its directory is renamed "<dir>.<uuid>-delete" at once and
  // deleted by the background thread. Errors: kUnknownTopicOrPartition;
  // kKafkaStorageError if the rename fails (the partition then stays).
  Status RemovePartition(const std::string& topic, PartitionId partition);
  std::vector<std::pair<std::string, PartitionId>> Partitions() const;

  FlushScheduler& flush_scheduler() { return *flush_scheduler_; }
  // What opening found, summed over partitions.
  const RecoveryStats& recovery_stats() const { return recovery_stats_; }
  bool opened_after_clean_shutdown() const { return clean_start_; }

  // One pass of retention, compaction, idle-producer expiration and file deletion over
  // every partition.
  void RunMaintenance();

  // Stops the threads, syncs and closes every log, and writes the clean-shutdown marker
  // if all of that succeeded. Errors: the first failure (the marker is then not written).
  Status Close();

 private:
  using Key = std::pair<std::string, int32_t>;

  explicit LogManager(const LogManagerOptions& options);
  Status Load();
  PartitionLogOptions LogOptions();
  void BackgroundLoop();
  void DeleteRemovedDirs();

  const LogManagerOptions options_;
  ScopedFd lock_file_;
  bool loaded_ = false;  // every partition opened: only then may Close() write the marker
  bool clean_start_ = false;
  RecoveryStats recovery_stats_;
  std::unique_ptr<FlushScheduler> flush_scheduler_;

  mutable std::shared_mutex mu_;
  std::map<Key, std::unique_ptr<PartitionLog>> logs_ GUARDED_BY(mu_);
  // Removed logs, kept so that pointers handed out stay valid.
  std::vector<std::unique_ptr<PartitionLog>> graveyard_ GUARDED_BY(mu_);
  bool closed_ GUARDED_BY(mu_) = false;

  std::mutex bg_mu_;
  std::condition_variable bg_wake_;
  bool bg_stop_ GUARDED_BY(bg_mu_) = false;
  std::vector<std::string> dirs_to_delete_ GUARDED_BY(bg_mu_);
  std::thread background_;
};

}  // namespace gregor::storage
