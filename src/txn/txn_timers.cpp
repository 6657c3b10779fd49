// TxnCoordinator: start and stop, loading __transaction_state, and the timers - aborting
// timed-out transactions, expiring idle transactional ids, retrying failed markers.

#include <spdlog/spdlog.h>

#include <chrono>

#include "txn/txn_coordinator.h"
#include "txn/txn_entry.h"

namespace gregor::txn {

void TxnCoordinator::Start() {
  {
    std::lock_guard lock(mu_);
    if (started_) return;
    started_ = true;
    last_abort_check_ms_ = last_expiration_check_ms_ = clock_.MonotonicMs();
  }
  if (config_.background_thread) {
    thread_ = std::thread([this] { RunThread(); });
    return;
  }
  Status loaded = Load();
  std::lock_guard lock(mu_);
  if (!loaded.ok()) {
    spdlog::error("transaction coordinator: loading __transaction_state: {}", loaded.ToString());
    return;
  }
  loaded_ = true;
  ResumeAfterLoad();
}

void TxnCoordinator::Stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    for (auto& [id, e] : entries_) e->waiters.clear();
  }
  {
    std::lock_guard lock(post_mu_);
    thread_stop_ = true;
    posted_.clear();
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

Status TxnCoordinator::Load() {
  // Replayed without the lock (requests meanwhile get COORDINATOR_LOAD_IN_PROGRESS), into
  // the latest record of each id; a tombstone removes the id.
  int64_t started = clock_.MonotonicMs();
  size_t records = 0;
  std::unordered_map<std::string, TxnRecord> latest;
  for (int32_t p = 0; p < log_.partition_count(); ++p) {
    GREGOR_RETURN_IF_ERROR(log_.Replay(
        p, [&](Offset offset, std::optional<std::span<const uint8_t>> key,
               std::optional<std::span<const uint8_t>> value) {
          ++records;
          if (!key.has_value()) return;
          Result<std::string> id = DecodeTxnKey(*key);
          if (!id.ok()) {
            spdlog::warn("transaction coordinator: skipping the record at {}: {}",
                         offset.value(), id.status().ToString());
            return;
          }
          if (!value.has_value()) {
            latest.erase(*id);
            return;
          }
          Result<TxnRecord> rec = DecodeTxnValue(*value);
          if (!rec.ok()) {
            spdlog::warn("transaction coordinator: skipping the record of {} at {}: {}", *id,
                         offset.value(), rec.status().ToString());
            return;
          }
          latest[*id] = std::move(rec).value();
        }));
  }
  std::lock_guard lock(mu_);
  for (auto& [id, rec] : latest) {
    auto e = std::make_unique<Entry>(id, PartitionFor(id));
    Apply(*e, rec);
    entries_[id] = std::move(e);
  }
  spdlog::info("transaction coordinator: loaded {} transactional id(s) from {} record(s) in {} ms",
               entries_.size(), records, clock_.MonotonicMs() - started);
  return Status::Ok();
}

void TxnCoordinator::ResumeAfterLoad() {
  // A commit or abort was decided but maybe not carried out: write its markers again.
  for (auto& [id, e] : entries_) {
    if (e->rec.state == TxnState::kPrepareCommit || e->rec.state == TxnState::kPrepareAbort) {
      spdlog::info("transaction {}: completing the {} found on load", id,
                   TxnStateName(e->rec.state));
      WriteMarkersLocked(*e, [](Status) {});
    }
  }
}

void TxnCoordinator::RunTimers() {
  RunPosted();
  std::lock_guard lock(mu_);
  RunTimersLocked();
}

void TxnCoordinator::RunTimersLocked() {
  if (!loaded_ || stopped_) return;
  int64_t now = clock_.MonotonicMs();
  RetryMarkers();
  if (now - last_abort_check_ms_ >= config_.abort_check_interval_ms) {
    last_abort_check_ms_ = now;
    AbortTimedOut();
  }
  if (now - last_expiration_check_ms_ >= config_.expiration_check_interval_ms) {
    last_expiration_check_ms_ = now;
    ExpireIds();
  }
}

void TxnCoordinator::AbortTimedOut() {
  int64_t now = NowMs();
  for (auto& [id, e] : entries_) {
    const TxnRecord& r = e->rec;
    if (e->busy || r.state != TxnState::kOngoing || now - r.start_ms < r.timeout_ms) continue;
    spdlog::info("transaction {}: open for {} ms, past its timeout of {} ms", id,
                 now - r.start_ms, r.timeout_ms);
    FenceAndAbortLocked(*e, [](Status) {});
  }
}

void TxnCoordinator::ExpireIds() {
  int64_t now = NowMs();
  std::vector<std::string> gone;
  for (auto& [id, e] : entries_) {
    if (e->busy || !e->waiters.empty()) continue;
    if (!e->persisted) {
      gone.push_back(id);  // its first InitProducerId failed; nothing to remove on disk
      continue;
    }
    const TxnRecord& r = e->rec;
    bool idle = r.state == TxnState::kEmpty || r.state == TxnState::kCompleteCommit ||
                r.state == TxnState::kCompleteAbort;
    if (!idle || now - r.last_update_ms < config_.id_expiration_ms) continue;
    // Kafka's transactional.id.expiration.ms: write the tombstone, then forget the id.
    Entry* ep = e.get();
    ep->busy = true;
    std::vector<group::LogRecord> tombstone = {{EncodeTxnKey(id), std::nullopt}};
    std::string key = id;
    Result<Offset> appended = log_.Append(ep->partition, tombstone, [this, key](Status st) {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      Entry* cur = Find(key);
      if (cur == nullptr) return;
      cur->busy = false;
      if (!st.ok()) {
        DrainWaiters(*cur);
        return;
      }
      auto it = by_producer_.find(cur->rec.producer_id);
      if (it != by_producer_.end() && it->second == key) by_producer_.erase(it);
      if (!cur->waiters.empty()) {
        // Requests arrived meanwhile: they find the id gone, as the log now says.
        cur->rec = TxnRecord{};
        cur->persisted = false;
        DrainWaiters(*cur);
        return;
      }
      entries_.erase(key);
      spdlog::info("transaction {}: expired after transactional.id.expiration.ms", key);
    });
    if (!appended.ok()) ep->busy = false;
  }
  for (const std::string& id : gone) entries_.erase(id);
}

void TxnCoordinator::RunThread() {
  Status loaded = Load();
  {
    std::lock_guard lock(mu_);
    if (!loaded.ok()) {
      spdlog::error("transaction coordinator: loading __transaction_state: {}; transactional "
                    "requests get COORDINATOR_LOAD_IN_PROGRESS",
                    loaded.ToString());
    } else {
      loaded_ = true;
      ResumeAfterLoad();
    }
  }
  int64_t tick = std::min<int64_t>({config_.abort_check_interval_ms, config_.marker_retry_ms, 1000});
  std::unique_lock lock(post_mu_);
  while (!thread_stop_) {
    wake_.wait_for(lock, std::chrono::milliseconds(tick),
                   [this] { return thread_stop_ || !posted_.empty(); });
    if (thread_stop_) break;
    lock.unlock();
    RunTimers();
    lock.lock();
  }
}

}  // namespace gregor::txn
