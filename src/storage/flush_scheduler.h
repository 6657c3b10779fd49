#pragma once

// Group commit for one data directory: one thread that turns many "tell me when offset X
// of this partition is durable" requests into few fdatasyncs.
//
// A round takes every request queued so far, and for each partition among them runs one
// PartitionLog::Sync, which covers everything appended before it started, so that one
// fdatasync serves every waiter that arrived before it; then it invokes their callbacks.
// Requests arriving during a round wait for the next one, which starts as soon as the
// current round ends. Between rounds the thread also runs the periodic flush (flush.ms,
// flush.messages) of the registered partitions every `periodic_check_ms`.
//
// Threading: RequestSync/Register/Unregister are thread-safe. Callbacks run on the flush
// thread (inline on the caller's thread after Stop) and must be cheap: post the result to
// the caller's own event loop. A callback must not call Unregister or Stop.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "base/thread_annotations.h"
#include "base/types.h"

namespace gregor::storage {

class PartitionLog;

class FlushScheduler {
 public:
  struct Options {
    Clock* clock = &SystemClock::Instance();  // must outlive the scheduler
    int64_t periodic_check_ms = 1000;         // how often flush.ms/flush.messages are checked
  };

  // Starts the flush thread.
  explicit FlushScheduler(const Options& options);
  // Stop().
  ~FlushScheduler();
  FlushScheduler(const FlushScheduler&) = delete;
  FlushScheduler& operator=(const FlushScheduler&) = delete;

  // Calls done(status) once an fdatasync covering every offset below `upto` has
  // completed, or with the error (kKafkaStorageError) that prevented it. `done` may be
  // empty (a flush hint). REQUIRES: `log` outlives the callback; `upto` <= the log end
  // at the time of the call (a waiter for offsets never appended gets kUnknownServerError).
  void RequestSync(PartitionLog* log, Offset upto, std::function<void(Status)> done);

  // Partitions whose flush.ms / flush.messages the thread checks. Unregister waits for a
  // round in progress, so the log may be destroyed once it returns (if no RequestSync for
  // it is pending).
  void Register(PartitionLog* log);
  void Unregister(PartitionLog* log);

  // One pass of the periodic flush over the registered partitions (the thread runs it
  // every periodic_check_ms; tests call it directly).
  void RunPeriodicFlushes();

  // Serves every queued request, then stops the thread. Idempotent.
  void Stop();

  // Rounds completed, for tests and metrics.
  uint64_t rounds() const;

 private:
  struct Waiter {
    Offset upto;
    std::function<void(Status)> done;
  };
  using Batch = std::unordered_map<PartitionLog*, std::vector<Waiter>>;

  void Run();
  static void Serve(Batch& batch);

  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;  // work queued or stop
  std::condition_variable idle_;  // a round ended
  Batch pending_ GUARDED_BY(mu_);
  std::unordered_set<PartitionLog*> registered_ GUARDED_BY(mu_);
  bool busy_ GUARDED_BY(mu_) = false;
  bool stop_ GUARDED_BY(mu_) = false;
  bool stopped_ GUARDED_BY(mu_) = false;
  uint64_t rounds_ GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace gregor::storage
