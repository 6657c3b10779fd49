#include "storage/flush_scheduler.h"

#include <algorithm>
#include <chrono>

#include "storage/partition_log.h"

namespace gregor::storage {

FlushScheduler::FlushScheduler(const Options& options) : options_(options) {
  thread_ = std::thread([this] { Run(); });
}

FlushScheduler::~FlushScheduler() { Stop(); }

void FlushScheduler::RequestSync(PartitionLog* log, Offset upto, std::function<void(Status)> done) {
  std::unique_lock lock(mu_);
  if (stopped_) {
    lock.unlock();
    Batch batch;
    batch[log].push_back({upto, std::move(done)});
    Serve(batch);
    return;
  }
  pending_[log].push_back({upto, std::move(done)});
  // A busy thread looks at pending_ before sleeping again: no wake-up needed.
  if (!busy_) wake_.notify_one();
}

void FlushScheduler::Register(PartitionLog* log) {
  std::lock_guard lock(mu_);
  registered_.insert(log);
}

void FlushScheduler::Unregister(PartitionLog* log) {
  std::unique_lock lock(mu_);
  registered_.erase(log);
  idle_.wait(lock, [this] { return !busy_; });
}

void FlushScheduler::Serve(Batch& batch) {
  for (auto& [log, waiters] : batch) {
    Offset upto = waiters.front().upto;
    for (const Waiter& w : waiters) upto = std::max(upto, w.upto);
    // One Sync covers everything appended before it started, so every waiter here.
    Status status = log->flushed_offset() >= upto ? Status::Ok() : log->Sync();
    Offset flushed = log->flushed_offset();
    for (Waiter& w : waiters) {
      if (!w.done) continue;
      if (status.ok() && flushed < w.upto) {
        w.done(Status(
            ErrorCode::kUnknownServerError,
            "sync requested up to " + std::to_string(w.upto.value()) + ", past the log end"));
      } else {
        w.done(status);
      }
    }
  }
}

void FlushScheduler::RunPeriodicFlushes() {
  std::vector<PartitionLog*> logs;
  {
    std::lock_guard lock(mu_);
    logs.assign(registered_.begin(), registered_.end());
  }
  for (PartitionLog* log : logs) {
    if (log->NeedsPeriodicFlush()) (void)log->Sync();  // a failure marks the log failed
  }
}

void FlushScheduler::Run() {
  std::unique_lock lock(mu_);
  int64_t last_periodic = options_.clock->MonotonicMs();
  while (true) {
    if (pending_.empty() && !stop_) {
      wake_.wait_for(lock, std::chrono::milliseconds(options_.periodic_check_ms),
                     [this] { return !pending_.empty() || stop_; });
    }
    if (!pending_.empty()) {
      Batch batch = std::move(pending_);
      pending_.clear();
      busy_ = true;
      lock.unlock();
      Serve(batch);
      lock.lock();
      busy_ = false;
      rounds_++;
      idle_.notify_all();
      continue;
    }
    if (stop_) break;
    int64_t now = options_.clock->MonotonicMs();
    if (now - last_periodic >= options_.periodic_check_ms) {
      last_periodic = now;
      busy_ = true;
      lock.unlock();
      RunPeriodicFlushes();
      lock.lock();
      busy_ = false;
      idle_.notify_all();
    }
  }
}

void FlushScheduler::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
    wake_.notify_one();
  }
  thread_.join();
  Batch rest;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    rest = std::move(pending_);
    pending_.clear();
  }
  Serve(rest);
}

uint64_t FlushScheduler::rounds() const {
  std::lock_guard lock(mu_);
  return rounds_;
}

}  // namespace gregor::storage
