// TxnCoordinator: ending transactions - EndTxn, fencing aborts, the marker round and the
// Complete record.

#include <spdlog/spdlog.h>

#include <limits>
#include <memory>

#include "txn/txn_coordinator.h"
#include "txn/txn_entry.h"

namespace gregor::txn {
namespace {

// One commit or abort: the markers and offset commits it waits for.
struct Round {
  int pending = 1;  // one for the loop that starts them
  Status error;
};

}  // namespace

void TxnCoordinator::EndTxn(const std::string& transactional_id, ProducerId producer_id,
                            ProducerEpoch epoch, bool commit, ErrorCallback done) {
  std::lock_guard lock(mu_);
  if (ErrorCode e = CheckActive(); e != ErrorCode::kNone) return done(e);
  Entry* e = Find(transactional_id);
  if (e == nullptr) return done(ErrorCode::kInvalidProducerIdMapping);
  RunWhenIdle(*e, [this, e, producer_id, epoch, commit, done = std::move(done)]() mutable {
    EndLocked(*e, producer_id, epoch, commit, std::move(done));
  });
}

void TxnCoordinator::EndLocked(Entry& e, ProducerId producer_id, ProducerEpoch epoch,
                               bool commit, ErrorCallback done) {
  if (ErrorCode err = CheckProducer(e, producer_id, epoch); err != ErrorCode::kNone) {
    return done(err);
  }
  switch (e.rec.state) {
    case TxnState::kOngoing:
      break;
    case TxnState::kCompleteCommit:
      return done(commit ? ErrorCode::kNone : ErrorCode::kInvalidTxnState);
    case TxnState::kCompleteAbort:
      return done(commit ? ErrorCode::kInvalidTxnState : ErrorCode::kNone);
    case TxnState::kPrepareCommit:
      return done(commit ? ErrorCode::kConcurrentTransactions : ErrorCode::kInvalidTxnState);
    case TxnState::kPrepareAbort:
      return done(commit ? ErrorCode::kInvalidTxnState : ErrorCode::kConcurrentTransactions);
    case TxnState::kEmpty:
      return done(ErrorCode::kInvalidTxnState);
    case TxnState::kDead:
    case TxnState::kPrepareEpochFence:
      GREGOR_CHECK(false);  // never stored in an entry
  }
  TxnRecord next = e.rec;
  next.last_update_ms = NowMs();
  e.TransitionTo(next, commit ? TxnState::kPrepareCommit : TxnState::kPrepareAbort);
  Write(e, next, [this, &e, done](Status st) {
    if (!st.ok()) return done(ErrorCode::kCoordinatorNotAvailable);  // still Ongoing: retry
    // From here the outcome is decided and survives a crash: a failing marker is retried
    // in the background, and the client is told the transaction ended.
    WriteMarkersLocked(e, [done](Status) { done(ErrorCode::kNone); });
  });
}

void TxnCoordinator::FenceAndAbortLocked(Entry& e, ThenFn done) {
  TxnRecord next = e.rec;
  // Kafka's prepareFenceProducerEpoch: epochs stop one short of the maximum, so this fits.
  if (next.producer_epoch.value() < std::numeric_limits<int16_t>::max()) {
    next.producer_epoch = ProducerEpoch(static_cast<int16_t>(next.producer_epoch.value() + 1));
  }
  next.last_producer_epoch = ProducerEpoch(-1);
  next.last_update_ms = NowMs();
  e.TransitionTo(next, TxnState::kPrepareAbort);
  spdlog::info("transaction {}: fencing producer {} epoch {} and aborting", e.id,
               e.rec.producer_id.value(), e.rec.producer_epoch.value());
  Write(e, next, [this, &e, done](Status st) {
    if (!st.ok()) return done(st);
    WriteMarkersLocked(e, done);
  });
}

void TxnCoordinator::WriteMarkersLocked(Entry& e, ThenFn done) {
  GREGOR_CHECK(e.rec.state == TxnState::kPrepareCommit ||
               e.rec.state == TxnState::kPrepareAbort);
  e.busy = true;
  bool commit = e.rec.state == TxnState::kPrepareCommit;
  storage::ControlType type = commit ? storage::ControlType::kCommit : storage::ControlType::kAbort;
  auto round = std::make_shared<Round>();
  Entry* ep = &e;
  // Runs under mu_ when every marker and offset commit of the round has finished.
  auto finish = [this, ep, round, done]() {
    if (!round->error.ok()) {
      spdlog::warn("transaction {}: writing markers: {}; retrying in {} ms", ep->id,
                   round->error.ToString(), config_.marker_retry_ms);
      ep->retry_at_ms = clock_.MonotonicMs() + config_.marker_retry_ms;
      ep->retry_done = [](Status) {};
      done(round->error);  // the caller answers; the retry answers nobody
      return;
    }
    CompleteLocked(*ep, done);
  };
  // Called once per marker or offset commit, from any thread, possibly inline.
  auto one_done = [this, round, finish](Status st) {
    Post([round, finish, st]() {
      if (!st.ok() && st.code() != ErrorCode::kUnknownTopicOrPartition && round->error.ok()) {
        round->error = st;
      }
      if (--round->pending == 0) finish();
    });
  };
  for (const group::TopicPartition& tp : e.rec.partitions) {
    // Offsets are handed to the group coordinator below; its partition holds no
    // transactional batches of ours to close.
    if (tp.topic == kOffsetsTopic) continue;
    ++round->pending;
    participants_.WriteMarker(tp, e.rec.producer_id, e.rec.producer_epoch, type, one_done);
  }
  if (commit) {
    for (const auto& [group_id, offsets] : e.rec.offsets) {
      if (offsets.empty()) continue;
      ++round->pending;
      participants_.CommitOffsets(group_id, offsets, one_done);
    }
  }
  if (--round->pending == 0) finish();
}

void TxnCoordinator::CompleteLocked(Entry& e, ThenFn done) {
  TxnRecord next = e.rec;
  next.last_update_ms = NowMs();
  e.TransitionTo(next, e.rec.state == TxnState::kPrepareCommit ? TxnState::kCompleteCommit
                                                               : TxnState::kCompleteAbort);
  next.partitions.clear();
  next.offsets.clear();
  Status written = WriteNoWait(e, next);
  if (!written.ok()) {
    // Memory stays Prepare: the round runs again later and then writes Complete.
    e.retry_at_ms = clock_.MonotonicMs() + config_.marker_retry_ms;
    e.retry_done = [](Status) {};
    done(written);
    return;
  }
  e.busy = false;
  e.retry_at_ms = -1;
  done(Status::Ok());
  DrainWaiters(e);
}

void TxnCoordinator::RetryMarkers() {
  int64_t now = clock_.MonotonicMs();
  for (auto& [id, e] : entries_) {
    if (e->retry_at_ms < 0 || now < e->retry_at_ms) continue;
    e->retry_at_ms = -1;
    ThenFn done = std::move(e->retry_done);
    e->retry_done = nullptr;
    WriteMarkersLocked(*e, done ? done : [](Status) {});
  }
}

}  // namespace gregor::txn
