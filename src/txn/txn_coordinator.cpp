// TxnCoordinator: lifecycle, the per-id request queue, and the requests that only add to an
// open transaction (InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit),
// plus the read-only ones. Ending transactions is txn_end.cpp; loading and timers are
// txn_timers.cpp.

#include "txn/txn_coordinator.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "base/java_hash.h"
#include "txn/txn_entry.h"

namespace gregor::txn {
namespace {

// Kafka's TransactionMetadata.isEpochExhausted: the last two epochs are kept back so that a
// fence (one more bump) always fits.
bool IsEpochExhausted(ProducerEpoch epoch) {
  return epoch.value() >= std::numeric_limits<int16_t>::max() - 1;
}

}  // namespace

TxnCoordinator::TxnCoordinator(const TxnCoordinatorConfig& config, group::CoordinatorLog& log,
                               TxnParticipants& participants, ProducerIdManager& producer_ids,
                               Clock& clock)
    : config_(config),
      log_(log),
      participants_(participants),
      producer_ids_(producer_ids),
      clock_(clock) {}

TxnCoordinator::~TxnCoordinator() { Stop(); }

bool TxnCoordinator::loaded() const {
  std::lock_guard lock(mu_);
  return loaded_;
}

int32_t TxnCoordinator::PartitionFor(const std::string& transactional_id) const {
  return CoordinatorPartitionFor(transactional_id, log_.partition_count());
}

ErrorCode TxnCoordinator::CheckActive() const {
  if (stopped_) return ErrorCode::kCoordinatorNotAvailable;
  if (!loaded_) return ErrorCode::kCoordinatorLoadInProgress;
  return ErrorCode::kNone;
}

void TxnCoordinator::Post(Op op) {
  {
    std::lock_guard lock(post_mu_);
    if (thread_stop_) return;
    posted_.push_back(std::move(op));
  }
  wake_.notify_one();
}

void TxnCoordinator::RunPosted() {
  std::deque<Op> ops;
  {
    std::lock_guard lock(post_mu_);
    ops.swap(posted_);
  }
  if (ops.empty()) return;
  std::lock_guard lock(mu_);
  for (Op& op : ops) {
    if (stopped_) return;
    op();
  }
}

TxnCoordinator::Entry* TxnCoordinator::Find(const std::string& id) {
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : it->second.get();
}

void TxnCoordinator::RunWhenIdle(Entry& e, Op op) {
  // While a failed marker round waits for its retry the entry stays in its Prepare state,
  // which every request answers at once (CONCURRENT_TRANSACTIONS and the like) without
  // writing: no reason to hold them.
  if (e.busy && e.retry_at_ms < 0) {
    e.waiters.push_back(std::move(op));
  } else {
    op();
  }
}

void TxnCoordinator::DrainWaiters(Entry& e) {
  while (!e.busy && !e.waiters.empty()) {
    Op op = std::move(e.waiters.front());
    e.waiters.pop_front();
    op();
  }
}

void TxnCoordinator::Apply(Entry& e, const TxnRecord& next) {
  if (e.rec.producer_id != next.producer_id) {
    auto it = by_producer_.find(e.rec.producer_id);
    if (it != by_producer_.end() && it->second == e.id) by_producer_.erase(it);
  }
  if (next.producer_id >= ProducerId(0)) by_producer_[next.producer_id] = e.id;
  e.rec = next;
  e.persisted = true;
}

void TxnCoordinator::Write(Entry& e, const TxnRecord& next, ThenFn then) {
  GREGOR_CHECK(!e.busy);
  e.busy = true;
  std::vector<group::LogRecord> records;
  records.push_back({EncodeTxnKey(e.id), EncodeTxnValue(next)});
  Entry* ep = &e;
  Result<Offset> appended =
      log_.Append(e.partition, records, [this, ep, next, then](Status st) {
        std::lock_guard lock(mu_);
        if (stopped_) return;
        ep->busy = false;
        if (st.ok()) {
          Apply(*ep, next);
        } else {
          spdlog::warn("transaction {}: writing __transaction_state: {}", ep->id, st.ToString());
        }
        then(st);
        DrainWaiters(*ep);
      });
  if (!appended.ok()) {
    spdlog::warn("transaction {}: appending to __transaction_state: {}", e.id,
                 appended.status().ToString());
    e.busy = false;
    then(appended.status());
  }
}

Status TxnCoordinator::WriteNoWait(Entry& e, const TxnRecord& next) {
  std::vector<group::LogRecord> records;
  records.push_back({EncodeTxnKey(e.id), EncodeTxnValue(next)});
  std::string id = e.id;
  Result<Offset> appended = log_.Append(e.partition, records, [id](Status st) {
    if (!st.ok()) spdlog::warn("transaction {}: syncing __transaction_state: {}", id, st.ToString());
  });
  if (!appended.ok()) return appended.status();
  Apply(e, next);
  return Status::Ok();
}

ErrorCode TxnCoordinator::CheckProducer(const Entry& e, ProducerId producer_id,
                                        ProducerEpoch epoch) const {
  if (!e.persisted || producer_id != e.rec.producer_id) {
    return ErrorCode::kInvalidProducerIdMapping;
  }
  if (epoch != e.rec.producer_epoch) return ErrorCode::kProducerFenced;
  return ErrorCode::kNone;
}

// ---- InitProducerId

void TxnCoordinator::InitProducerId(const std::string& transactional_id, int32_t timeout_ms,
                                    std::optional<std::pair<ProducerId, ProducerEpoch>> expected,
                                    std::function<void(InitProducerIdResult)> done) {
  std::lock_guard lock(mu_);
  auto fail = [&done](ErrorCode e) { done({e, ProducerId(-1), ProducerEpoch(-1)}); };
  if (ErrorCode e = CheckActive(); e != ErrorCode::kNone) return fail(e);
  if (transactional_id.empty()) return fail(ErrorCode::kInvalidRequest);
  if (timeout_ms <= 0 || timeout_ms > config_.max_timeout_ms) {
    return fail(ErrorCode::kInvalidTransactionTimeout);
  }
  Entry* e = Find(transactional_id);
  if (e == nullptr) {
    auto fresh = std::make_unique<Entry>(transactional_id, PartitionFor(transactional_id));
    e = fresh.get();
    entries_[transactional_id] = std::move(fresh);
  }
  RunWhenIdle(*e, [this, e, timeout_ms, expected, done = std::move(done)]() mutable {
    InitLocked(*e, timeout_ms, expected, std::move(done));
  });
}

void TxnCoordinator::InitLocked(Entry& e, int32_t timeout_ms,
                                std::optional<std::pair<ProducerId, ProducerEpoch>> expected,
                                std::function<void(InitProducerIdResult)> done) {
  auto fail = [&done](ErrorCode err) { done({err, ProducerId(-1), ProducerEpoch(-1)}); };
  const TxnRecord& cur = e.rec;
  // Kafka's isValidProducerId: a new id, the current producer id, or a retry of the call
  // that rotated it.
  if (expected.has_value() && e.persisted && cur.producer_epoch != ProducerEpoch(-1) &&
      expected->first != cur.producer_id &&
      !(expected->first == cur.last_producer_id && IsEpochExhausted(expected->second))) {
    return fail(ErrorCode::kProducerFenced);
  }
  switch (cur.state) {
    case TxnState::kPrepareCommit:
    case TxnState::kPrepareAbort:
      return fail(ErrorCode::kConcurrentTransactions);
    case TxnState::kOngoing:
      // Another instance took over: fence the old one by aborting with a bumped epoch. The
      // new instance retries on CONCURRENT_TRANSACTIONS and gets the next epoch.
      FenceAndAbortLocked(e, [done](Status st) {
        done({st.ok() ? ErrorCode::kConcurrentTransactions : ErrorCode::kCoordinatorNotAvailable,
              ProducerId(-1), ProducerEpoch(-1)});
      });
      return;
    case TxnState::kEmpty:
    case TxnState::kCompleteCommit:
    case TxnState::kCompleteAbort:
      break;
    case TxnState::kDead:
    case TxnState::kPrepareEpochFence:
      GREGOR_CHECK(false);  // never stored in an entry
  }
  TxnRecord next = cur;
  if (!e.persisted || cur.producer_epoch == ProducerEpoch(-1) ||
      IsEpochExhausted(cur.producer_epoch)) {
    // A new id, or the epochs of this producer id ran out: a new producer id.
    Result<ProducerId> id = producer_ids_.Next();
    if (!id.ok()) return fail(ErrorCode::kCoordinatorNotAvailable);
    next.last_producer_id = e.persisted ? cur.producer_id : ProducerId(-1);
    next.last_producer_epoch = e.persisted ? cur.producer_epoch : ProducerEpoch(-1);
    next.producer_id = *id;
    next.producer_epoch = ProducerEpoch(0);
  } else if (!expected.has_value() || expected->second == cur.producer_epoch) {
    next.last_producer_epoch = cur.producer_epoch;
    next.producer_epoch = ProducerEpoch(static_cast<int16_t>(cur.producer_epoch.value() + 1));
  } else if (expected->second == cur.last_producer_epoch) {
    // A retry of the InitProducerId that made the current epoch (KIP-360): same answer.
    return done({ErrorCode::kNone, cur.producer_id, cur.producer_epoch});
  } else {
    return fail(ErrorCode::kProducerFenced);
  }
  next.timeout_ms = timeout_ms;
  next.partitions.clear();
  next.offsets.clear();
  next.start_ms = -1;
  next.last_update_ms = NowMs();
  if (e.persisted) e.TransitionTo(next, TxnState::kEmpty);
  next.state = TxnState::kEmpty;
  Write(e, next, [next, done](Status st) {
    if (!st.ok()) return done({ErrorCode::kCoordinatorNotAvailable, ProducerId(-1), ProducerEpoch(-1)});
    done({ErrorCode::kNone, next.producer_id, next.producer_epoch});
  });
}

// ---- AddPartitionsToTxn, AddOffsetsToTxn

void TxnCoordinator::AddPartitions(const std::string& transactional_id, ProducerId producer_id,
                                   ProducerEpoch epoch,
                                   std::vector<group::TopicPartition> partitions,
                                   ErrorCallback done) {
  std::lock_guard lock(mu_);
  if (ErrorCode e = CheckActive(); e != ErrorCode::kNone) return done(e);
  Entry* e = Find(transactional_id);
  if (e == nullptr) return done(ErrorCode::kInvalidProducerIdMapping);
  RunWhenIdle(*e, [this, e, producer_id, epoch, partitions = std::move(partitions),
                   done = std::move(done)]() mutable {
    AddLocked(*e, producer_id, epoch, std::move(partitions), std::nullopt, std::move(done));
  });
}

void TxnCoordinator::AddOffsets(const std::string& transactional_id, ProducerId producer_id,
                                ProducerEpoch epoch, const std::string& group_id,
                                ErrorCallback done) {
  std::lock_guard lock(mu_);
  if (ErrorCode e = CheckActive(); e != ErrorCode::kNone) return done(e);
  Entry* e = Find(transactional_id);
  if (e == nullptr) return done(ErrorCode::kInvalidProducerIdMapping);
  std::vector<group::TopicPartition> partitions = {
      {kOffsetsTopic, PartitionId(participants_.OffsetsPartitionFor(group_id))}};
  RunWhenIdle(*e, [this, e, producer_id, epoch, partitions = std::move(partitions), group_id,
                   done = std::move(done)]() mutable {
    AddLocked(*e, producer_id, epoch, std::move(partitions), group_id, std::move(done));
  });
}

void TxnCoordinator::AddLocked(Entry& e, ProducerId producer_id, ProducerEpoch epoch,
                               std::vector<group::TopicPartition> partitions,
                               std::optional<std::string> group, ErrorCallback done) {
  if (ErrorCode err = CheckProducer(e, producer_id, epoch); err != ErrorCode::kNone) {
    return done(err);
  }
  if (e.rec.state == TxnState::kPrepareCommit || e.rec.state == TxnState::kPrepareAbort) {
    return done(ErrorCode::kConcurrentTransactions);
  }
  TxnRecord next = e.rec;
  if (next.state != TxnState::kOngoing) {
    next.partitions.clear();
    next.offsets.clear();
    next.start_ms = NowMs();
  }
  size_t before = next.partitions.size();
  next.partitions.insert(partitions.begin(), partitions.end());
  if (group.has_value()) next.offsets.try_emplace(*group);
  if (e.rec.state == TxnState::kOngoing && next.partitions.size() == before &&
      next.offsets.size() == e.rec.offsets.size()) {
    return done(ErrorCode::kNone);  // nothing new: no write
  }
  next.last_update_ms = NowMs();
  e.TransitionTo(next, TxnState::kOngoing);
  Write(e, next, [done](Status st) {
    done(st.ok() ? ErrorCode::kNone : ErrorCode::kCoordinatorNotAvailable);
  });
}

// ---- TxnOffsetCommit

void TxnCoordinator::TxnOffsetCommit(TxnOffsetCommitRequest request, ErrorCallback done) {
  std::lock_guard lock(mu_);
  if (ErrorCode e = CheckActive(); e != ErrorCode::kNone) return done(e);
  Entry* e = Find(request.transactional_id);
  if (e == nullptr) return done(ErrorCode::kInvalidProducerIdMapping);
  RunWhenIdle(*e, [this, e, request = std::move(request), done = std::move(done)]() mutable {
    OffsetCommitLocked(*e, std::move(request), std::move(done));
  });
}

void TxnCoordinator::OffsetCommitLocked(Entry& e, TxnOffsetCommitRequest request,
                                        ErrorCallback done) {
  ErrorCode err = CheckProducer(e, request.producer_id, request.producer_epoch);
  // TxnOffsetCommit predates PRODUCER_FENCED: a stale epoch is INVALID_PRODUCER_EPOCH.
  if (err == ErrorCode::kProducerFenced) err = ErrorCode::kInvalidProducerEpoch;
  if (err != ErrorCode::kNone) return done(err);
  if (e.rec.state != TxnState::kOngoing || !e.rec.offsets.contains(request.group_id)) {
    // AddOffsetsToTxn for this group must come first.
    return done(ErrorCode::kInvalidTxnState);
  }
  if (request.generation_id >= 0 || !request.member_id.empty() ||
      request.group_instance_id.has_value()) {
    err = participants_.ValidateGroupMember(request.group_id, request.generation_id,
                                            request.member_id, request.group_instance_id);
    if (err != ErrorCode::kNone) return done(err);
  }
  TxnRecord next = e.rec;
  auto& offsets = next.offsets[request.group_id];
  for (auto& [tp, o] : request.offsets) offsets[tp] = std::move(o);
  next.last_update_ms = NowMs();
  e.TransitionTo(next, TxnState::kOngoing);
  Write(e, next, [done](Status st) {
    done(st.ok() ? ErrorCode::kNone : ErrorCode::kCoordinatorNotAvailable);
  });
}

// ---- produce verification and administration

ErrorCode TxnCoordinator::VerifyTransactionalProduce(ProducerId producer_id, ProducerEpoch epoch,
                                                     const group::TopicPartition& partition) {
  std::lock_guard lock(mu_);
  // Produce has no "load in progress": Kafka's verification answers the retriable
  // NOT_ENOUGH_REPLICAS while its coordinator is unavailable.
  if (CheckActive() != ErrorCode::kNone) return ErrorCode::kNotEnoughReplicas;
  auto it = by_producer_.find(producer_id);
  Entry* e = it == by_producer_.end() ? nullptr : Find(it->second);
  if (e == nullptr) return ErrorCode::kInvalidTxnState;
  if (epoch < e->rec.producer_epoch) return ErrorCode::kInvalidProducerEpoch;
  if (epoch != e->rec.producer_epoch || e->rec.state != TxnState::kOngoing ||
      !e->rec.partitions.contains(partition)) {
    return ErrorCode::kInvalidTxnState;
  }
  return ErrorCode::kNone;
}

std::vector<TxnDescription> TxnCoordinator::Describe(const std::vector<std::string>& ids) {
  std::lock_guard lock(mu_);
  std::vector<TxnDescription> out;
  ErrorCode active = CheckActive();
  for (const std::string& id : ids) {
    TxnDescription& d = out.emplace_back();
    d.transactional_id = id;
    Entry* e = active == ErrorCode::kNone ? Find(id) : nullptr;
    if (active != ErrorCode::kNone) {
      d.error = active;
    } else if (e == nullptr || !e->persisted) {
      d.error = ErrorCode::kTransactionalIdNotFound;
    } else {
      d.state = e->rec.state;
      d.timeout_ms = e->rec.timeout_ms;
      d.start_ms = e->rec.start_ms;
      d.producer_id = e->rec.producer_id;
      d.producer_epoch = e->rec.producer_epoch;
      d.partitions.assign(e->rec.partitions.begin(), e->rec.partitions.end());
    }
  }
  return out;
}

ErrorCode TxnCoordinator::List(const std::vector<TxnState>& states,
                               const std::vector<ProducerId>& producer_ids,
                               int64_t min_duration_ms, std::vector<TxnListing>* out) {
  std::lock_guard lock(mu_);
  if (ErrorCode e = CheckActive(); e != ErrorCode::kNone) return e;
  int64_t now = NowMs();
  for (const auto& [id, e] : entries_) {
    const TxnRecord& r = e->rec;
    if (!e->persisted) continue;
    if (!states.empty() && std::find(states.begin(), states.end(), r.state) == states.end()) {
      continue;
    }
    if (!producer_ids.empty() &&
        std::find(producer_ids.begin(), producer_ids.end(), r.producer_id) == producer_ids.end()) {
      continue;
    }
    if (min_duration_ms >= 0 && (r.start_ms < 0 || now - r.start_ms < min_duration_ms ||
                                 !IsInTransaction(r.state))) {
      continue;
    }
    out->push_back({id, r.producer_id, r.state});
  }
  std::sort(out->begin(), out->end(), [](const TxnListing& a, const TxnListing& b) {
    return a.transactional_id < b.transactional_id;
  });
  return ErrorCode::kNone;
}

bool TxnCoordinator::HasPendingOffsets(const std::string& group_id,
                                       const group::TopicPartition& partition) {
  std::lock_guard lock(mu_);
  for (const auto& [id, e] : entries_) {
    if (!IsInTransaction(e->rec.state)) continue;
    auto it = e->rec.offsets.find(group_id);
    if (it != e->rec.offsets.end() && it->second.contains(partition)) return true;
  }
  return false;
}

}  // namespace gregor::txn
