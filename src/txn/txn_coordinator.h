#pragma once

// The transaction coordinator (Kafka's TransactionCoordinator + TransactionStateManager):
// producer ids and epochs of transactional ids (InitProducerId), the partitions and
// offsets of each open transaction (AddPartitionsToTxn, AddOffsetsToTxn,
// TxnOffsetCommit), commit and abort (EndTxn) with the markers they write, timeouts,
// expiry, fencing, and administration (DescribeTransactions, ListTransactions). This node
// coordinates every transactional id; id t's records live in partition PartitionFor(t) of
// __transaction_state (txn_log_format.h). Idempotent producers without a transactional id
// only need ProducerIds().
//
// Durability: a state change is written to the log and takes effect (memory, answer) once
// the flush scheduler's fdatasync covers it. A commit or abort goes: PrepareCommit /
// PrepareAbort durable -> a marker appended to every partition of the transaction and the
// pending offsets handed to the group coordinator, all durable -> CompleteCommit /
// CompleteAbort appended -> EndTxn answered. A crash after the Prepare record replays into
// writing the markers again (a repeated marker is harmless: it closes nothing); a crash
// before it leaves the transaction open, to be aborted by its timeout.
//
// Fencing: InitProducerId for an id bumps its epoch; the abort of a transaction still open
// is written with the new epoch, so partitions refuse the old epoch from then on
// (storage/producer_state.h), and the coordinator refuses it in every request
// (PRODUCER_FENCED). A transaction open longer than its timeout is aborted the same way.
//
// Ordering: requests for one transactional id run one at a time, in arrival order: a
// request that finds a write of the same id in flight waits for it rather than getting
// CONCURRENT_TRANSACTIONS (a transaction's Prepare state still gets it, as in Kafka).
//
// Threading: all methods are thread-safe; one mutex guards every entry (transactions are
// few and their requests short, unlike produce). Callbacks run with that mutex held, on
// the calling thread, the flush thread or the coordinator thread, and must be cheap and
// must not call back into the coordinator (net::Connection::Respond is fine). Completions
// from TxnParticipants (which may come inline) are posted to the coordinator thread, which
// also runs the timers; without it (tests) RunTimers() runs both.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/error_code.h"
#include "base/thread_annotations.h"
#include "base/types.h"
#include "group/coordinator_log.h"
#include "txn/producer_id_manager.h"
#include "txn/txn_log_format.h"
#include "txn/txn_participants.h"
#include "txn/txn_state.h"

namespace gregor::txn {

// Broker configs of the coordinator (Kafka's names in comments).
struct TxnCoordinatorConfig {
  int32_t max_timeout_ms = 900000;                // transaction.max.timeout.ms
  int64_t id_expiration_ms = 604800000;           // transactional.id.expiration.ms
  int64_t abort_check_interval_ms = 10000;        // transaction.abort.timed.out.transaction.cleanup.interval.ms
  int64_t expiration_check_interval_ms = 3600000; // transaction.remove.expired.transaction.cleanup.interval.ms
  int64_t marker_retry_ms = 1000;                 // a failed marker write is retried after this
  bool background_thread = true;                  // false in tests: call RunTimers()
};

struct InitProducerIdResult {
  ErrorCode error = ErrorCode::kNone;
  ProducerId producer_id{-1};
  ProducerEpoch producer_epoch{-1};
};

struct TxnOffsetCommitRequest {
  std::string transactional_id;
  std::string group_id;
  ProducerId producer_id;
  ProducerEpoch producer_epoch;
  int32_t generation_id = -1;  // v3+ (KIP-447); -1 and "" skip the member check
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<std::pair<group::TopicPartition, PendingOffset>> offsets;
};

struct TxnDescription {
  ErrorCode error = ErrorCode::kNone;  // kTransactionalIdNotFound, load errors
  std::string transactional_id;
  TxnState state = TxnState::kEmpty;
  int32_t timeout_ms = 0;
  int64_t start_ms = -1;
  ProducerId producer_id{-1};
  ProducerEpoch producer_epoch{-1};
  std::vector<group::TopicPartition> partitions;
};

struct TxnListing {
  std::string transactional_id;
  ProducerId producer_id{-1};
  TxnState state = TxnState::kEmpty;
};

using ErrorCallback = std::function<void(ErrorCode)>;

class TxnCoordinator {
 public:
  // REQUIRES: every argument outlives the coordinator.
  TxnCoordinator(const TxnCoordinatorConfig& config, group::CoordinatorLog& log,
                 TxnParticipants& participants, ProducerIdManager& producer_ids, Clock& clock);
  // Stop().
  ~TxnCoordinator();
  TxnCoordinator(const TxnCoordinator&) = delete;
  TxnCoordinator& operator=(const TxnCoordinator&) = delete;

  // Replays the log (on the coordinator thread, or inline without one), resumes the
  // markers of transactions found in a Prepare state, then serves timers. Until loaded,
  // requests get COORDINATOR_LOAD_IN_PROGRESS.
  void Start();
  // Stops the timers; requests get COORDINATOR_NOT_AVAILABLE and held callbacks are
  // dropped. REQUIRES: no request in flight (the network is stopped). Idempotent.
  void Stop();
  bool loaded() const;

  // The __transaction_state partition of `transactional_id`: abs(String.hashCode) % count.
  int32_t PartitionFor(const std::string& transactional_id) const;

  // ---- requests. `expected` is InitProducerId v3+'s producer id and epoch (KIP-360).
  void InitProducerId(const std::string& transactional_id, int32_t timeout_ms,
                      std::optional<std::pair<ProducerId, ProducerEpoch>> expected,
                      std::function<void(InitProducerIdResult)> done);
  // One error for all the partitions (the handler checks that they exist first).
  void AddPartitions(const std::string& transactional_id, ProducerId producer_id,
                     ProducerEpoch epoch, std::vector<group::TopicPartition> partitions,
                     ErrorCallback done);
  void AddOffsets(const std::string& transactional_id, ProducerId producer_id,
                  ProducerEpoch epoch, const std::string& group_id, ErrorCallback done);
  // One error for all the offsets.
  void TxnOffsetCommit(TxnOffsetCommitRequest request, ErrorCallback done);
  void EndTxn(const std::string& transactional_id, ProducerId producer_id, ProducerEpoch epoch,
              bool commit, ErrorCallback done);

  // Produce of a transactional batch: the partition must be in the producer's open
  // transaction with this epoch (Kafka 3.6's verification, KIP-890 part 1), so a late or
  // zombie write cannot open a transaction that nothing will close. kNone,
  // kInvalidProducerEpoch (fenced or stale epoch), kInvalidTxnState (no such open
  // transaction, or the partition was not added), kCoordinatorLoadInProgress.
  ErrorCode VerifyTransactionalProduce(ProducerId producer_id, ProducerEpoch epoch,
                                       const group::TopicPartition& partition);

  // ---- administration
  std::vector<TxnDescription> Describe(const std::vector<std::string>& transactional_ids);
  // States and producer ids filter when non-empty; `min_duration_ms` >= 0 keeps
  // transactions open at least that long. Errors: kCoordinatorLoadInProgress.
  ErrorCode List(const std::vector<TxnState>& states, const std::vector<ProducerId>& producer_ids,
                 int64_t min_duration_ms, std::vector<TxnListing>* out);
  // Whether `group_id` has offsets pending in an open transaction for `partition`
  // (OffsetFetch's require_stable, KIP-447).
  bool HasPendingOffsets(const std::string& group_id, const group::TopicPartition& partition);

  // ---- timers (tests call this after moving their clock)
  void RunTimers();

 private:
  struct Entry;
  using Op = std::function<void()>;
  // Runs `then` under mu_ once the write of `next` for `e` is durable (or failed); memory
  // takes `next` only on success.
  using ThenFn = std::function<void(Status)>;

  ErrorCode CheckActive() const REQUIRES(mu_);
  // Runs `op` under mu_ on the coordinator thread (or in RunTimers()); dropped after Stop.
  void Post(Op op);
  void RunPosted();
  void Apply(Entry& e, const TxnRecord& next) REQUIRES(mu_);
  Entry* Find(const std::string& id) REQUIRES(mu_);
  // Runs `op` now if no write of `e` is in flight, else after it.
  void RunWhenIdle(Entry& e, Op op) REQUIRES(mu_);
  void DrainWaiters(Entry& e) REQUIRES(mu_);
  void Write(Entry& e, const TxnRecord& next, ThenFn then) REQUIRES(mu_);
  // Appends `next` and applies it at once, without waiting for durability (Complete
  // records: losing one replays into writing the markers again). Errors: the append's.
  Status WriteNoWait(Entry& e, const TxnRecord& next) REQUIRES(mu_);
  int64_t NowMs() const { return clock_.NowMs(); }

  // The per-request logic, run when the entry is idle.
  void InitLocked(Entry& e, int32_t timeout_ms,
                  std::optional<std::pair<ProducerId, ProducerEpoch>> expected,
                  std::function<void(InitProducerIdResult)> done) REQUIRES(mu_);
  void AddLocked(Entry& e, ProducerId producer_id, ProducerEpoch epoch,
                 std::vector<group::TopicPartition> partitions, std::optional<std::string> group,
                 ErrorCallback done) REQUIRES(mu_);
  void OffsetCommitLocked(Entry& e, TxnOffsetCommitRequest request, ErrorCallback done)
      REQUIRES(mu_);
  // Producer id / epoch checks shared by AddPartitions, AddOffsets, TxnOffsetCommit, EndTxn.
  ErrorCode CheckProducer(const Entry& e, ProducerId producer_id, ProducerEpoch epoch) const
      REQUIRES(mu_);

  // ---- ending transactions (txn_end.cpp)
  void EndLocked(Entry& e, ProducerId producer_id, ProducerEpoch epoch, bool commit,
                 ErrorCallback done) REQUIRES(mu_);
  // Bumps the epoch and aborts the open transaction (fencing; timeouts). `done` runs when the
  // abort completed (or failed).
  void FenceAndAbortLocked(Entry& e, ThenFn done) REQUIRES(mu_);
  // From a durable Prepare record: markers and offsets, then the Complete record.
  void WriteMarkersLocked(Entry& e, ThenFn done) REQUIRES(mu_);
  void CompleteLocked(Entry& e, ThenFn done) REQUIRES(mu_);

  // ---- loading and timers (txn_load.cpp)
  Status Load();
  void ResumeAfterLoad() REQUIRES(mu_);
  void RunTimersLocked() REQUIRES(mu_);
  void AbortTimedOut() REQUIRES(mu_);
  void ExpireIds() REQUIRES(mu_);
  void RetryMarkers() REQUIRES(mu_);
  void RunThread();

  const TxnCoordinatorConfig config_;
  group::CoordinatorLog& log_;
  TxnParticipants& participants_;
  ProducerIdManager& producer_ids_;
  Clock& clock_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<Entry>> entries_ GUARDED_BY(mu_);
  // Producer id -> transactional id, for VerifyTransactionalProduce.
  std::unordered_map<ProducerId, std::string> by_producer_ GUARDED_BY(mu_);
  bool loaded_ GUARDED_BY(mu_) = false;
  bool stopped_ GUARDED_BY(mu_) = false;
  bool started_ GUARDED_BY(mu_) = false;
  int64_t last_abort_check_ms_ GUARDED_BY(mu_) = 0;
  int64_t last_expiration_check_ms_ GUARDED_BY(mu_) = 0;

  std::mutex post_mu_;  // never held while taking mu_
  std::deque<Op> posted_ GUARDED_BY(post_mu_);
  bool thread_stop_ GUARDED_BY(post_mu_) = false;
  std::condition_variable wake_;  // with post_mu_: work posted or stop
  std::thread thread_;
};

}  // namespace gregor::txn
