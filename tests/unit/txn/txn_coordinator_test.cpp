// TxnCoordinator on an in-memory log and fake participants, with a ManualClock: each
// request's answers per state, the commit/abort round, fencing, timeouts, expiry, replay.

#include "txn/txn_coordinator.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "txn_test_util.h"

namespace gregor::txn {
namespace {

using testing::FakeLog;
using testing::FakeParticipants;
using TP = group::TopicPartition;

class TxnCoordinatorTest : public ::testing::Test {
 protected:
  TxnCoordinatorTest() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "gregor-txn-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    ids_ = std::move(ProducerIdManager::Open(dir_)).value();
    config_.background_thread = false;
    config_.abort_check_interval_ms = 100;
    config_.marker_retry_ms = 50;
    Restart();
  }
  ~TxnCoordinatorTest() override {
    coordinator_.reset();
    std::filesystem::remove_all(dir_);
  }
  // A new coordinator on the same log (a broker restart: what was in flight is lost).
  void Restart() {
    coordinator_.reset();
    log_.DropPending();
    participants_.DropPending();
    coordinator_ = std::make_unique<TxnCoordinator>(config_, log_, participants_, *ids_, clock_);
    coordinator_->Start();
  }
  TxnCoordinator& c() { return *coordinator_; }

  // Runs the request, then releases durability and completions until it is answered.
  InitProducerIdResult Init(const std::string& id, std::optional<std::pair<int64_t, int16_t>>
                                                       expected = std::nullopt,
                            int32_t timeout_ms = 60000) {
    std::optional<InitProducerIdResult> got;
    std::optional<std::pair<ProducerId, ProducerEpoch>> e;
    if (expected) e = {ProducerId(expected->first), ProducerEpoch(expected->second)};
    c().InitProducerId(id, timeout_ms, e, [&](InitProducerIdResult r) { got = r; });
    Settle();
    EXPECT_TRUE(got.has_value());
    return got.value_or(InitProducerIdResult{});
  }
  ErrorCode Await(const std::function<void(ErrorCallback)>& request) {
    std::optional<ErrorCode> got;
    request([&](ErrorCode e) { got = e; });
    Settle();
    EXPECT_TRUE(got.has_value());
    return got.value_or(ErrorCode::kUnknownServerError);
  }
  ErrorCode Add(const std::string& id, const InitProducerIdResult& p, std::vector<TP> tps) {
    return Await([&](ErrorCallback done) {
      c().AddPartitions(id, p.producer_id, p.producer_epoch, tps, done);
    });
  }
  ErrorCode End(const std::string& id, const InitProducerIdResult& p, bool commit) {
    return Await([&](ErrorCallback done) {
      c().EndTxn(id, p.producer_id, p.producer_epoch, commit, done);
    });
  }
  // Releases log durability, marker and commit completions until nothing is pending.
  void Settle() {
    for (int i = 0; i < 20; ++i) {
      log_.Sync();
      participants_.Complete();
      c().RunTimers();
      if (log_.pending() == 0 && participants_.pending() == 0) return;
    }
  }
  TxnState StateOf(const std::string& id) {
    auto d = c().Describe({id});
    return d[0].error == ErrorCode::kNone ? d[0].state : TxnState::kDead;
  }

  std::string dir_;
  std::unique_ptr<ProducerIdManager> ids_;
  ManualClock clock_;
  FakeLog log_;
  FakeParticipants participants_;
  TxnCoordinatorConfig config_;
  std::unique_ptr<TxnCoordinator> coordinator_;
};

TEST_F(TxnCoordinatorTest, InitProducerIdAllocatesThenBumpsTheEpoch) {
  InitProducerIdResult a = Init("a");
  EXPECT_EQ(a.error, ErrorCode::kNone);
  EXPECT_EQ(a.producer_epoch, ProducerEpoch(0));
  InitProducerIdResult again = Init("a");
  EXPECT_EQ(again.producer_id, a.producer_id);
  EXPECT_EQ(again.producer_epoch, ProducerEpoch(1));
  EXPECT_NE(Init("b").producer_id, a.producer_id);
  EXPECT_EQ(StateOf("a"), TxnState::kEmpty);
}

TEST_F(TxnCoordinatorTest, AnswersWaitForDurabilityAndFailuresChangeNothing) {
  std::optional<InitProducerIdResult> got;
  c().InitProducerId("a", 60000, std::nullopt, [&](InitProducerIdResult r) { got = r; });
  EXPECT_FALSE(got.has_value());
  log_.Sync(Status(ErrorCode::kKafkaStorageError, "fdatasync"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->error, ErrorCode::kCoordinatorNotAvailable);
  EXPECT_EQ(StateOf("a"), TxnState::kDead);  // unknown: never became durable
}

TEST_F(TxnCoordinatorTest, RejectsBadTimeoutsAndIds) {
  EXPECT_EQ(Init("a", std::nullopt, 900001).error, ErrorCode::kInvalidTransactionTimeout);
  EXPECT_EQ(Init("a", std::nullopt, 0).error, ErrorCode::kInvalidTransactionTimeout);
  EXPECT_EQ(Init("").error, ErrorCode::kInvalidRequest);
}

TEST_F(TxnCoordinatorTest, CommitWritesMarkersAndOffsetsThenCompletes) {
  InitProducerIdResult p = Init("t");
  ASSERT_EQ(Add("t", p, {{"x", PartitionId(0)}, {"x", PartitionId(1)}}), ErrorCode::kNone);
  EXPECT_EQ(StateOf("t"), TxnState::kOngoing);
  ASSERT_EQ(Await([&](ErrorCallback done) {
              c().AddOffsets("t", p.producer_id, p.producer_epoch, "g", done);
            }),
            ErrorCode::kNone);
  TxnOffsetCommitRequest o;
  o.transactional_id = "t";
  o.group_id = "g";
  o.producer_id = p.producer_id;
  o.producer_epoch = p.producer_epoch;
  o.offsets.push_back({{"in", PartitionId(0)}, PendingOffset{Offset(42)}});
  ASSERT_EQ(Await([&](ErrorCallback done) { c().TxnOffsetCommit(o, done); }), ErrorCode::kNone);
  EXPECT_TRUE(c().HasPendingOffsets("g", {"in", PartitionId(0)}));

  std::optional<ErrorCode> ended;
  c().EndTxn("t", p.producer_id, p.producer_epoch, true, [&](ErrorCode e) { ended = e; });
  log_.Sync();  // PrepareCommit durable: now the markers go out
  EXPECT_EQ(StateOf("t"), TxnState::kPrepareCommit);
  ASSERT_EQ(participants_.markers.size(), 2u);  // not to __consumer_offsets
  for (const auto& m : participants_.markers) {
    EXPECT_EQ(m.partition.topic, "x");
  }
  EXPECT_FALSE(ended.has_value());
  participants_.Complete();
  c().RunTimers();
  ASSERT_EQ(ended, ErrorCode::kNone);
  EXPECT_EQ(StateOf("t"), TxnState::kCompleteCommit);
  ASSERT_EQ(participants_.commits.size(), 1u);
  EXPECT_EQ(participants_.commits[0].first, "g");
  EXPECT_EQ(participants_.commits[0].second.at({"in", PartitionId(0)}).offset, Offset(42));
  EXPECT_FALSE(c().HasPendingOffsets("g", {"in", PartitionId(0)}));
  // A retried commit is answered as done; an abort now is refused.
  EXPECT_EQ(End("t", p, true), ErrorCode::kNone);
  EXPECT_EQ(End("t", p, false), ErrorCode::kInvalidTxnState);
}

TEST_F(TxnCoordinatorTest, AbortDropsPendingOffsets) {
  InitProducerIdResult p = Init("t");
  ASSERT_EQ(Add("t", p, {{"x", PartitionId(0)}}), ErrorCode::kNone);
  ASSERT_EQ(Await([&](ErrorCallback done) {
              c().AddOffsets("t", p.producer_id, p.producer_epoch, "g", done);
            }),
            ErrorCode::kNone);
  TxnOffsetCommitRequest o{"t", "g", p.producer_id, p.producer_epoch};
  o.offsets.push_back({{"in", PartitionId(0)}, PendingOffset{Offset(5)}});
  ASSERT_EQ(Await([&](ErrorCallback done) { c().TxnOffsetCommit(o, done); }), ErrorCode::kNone);
  ASSERT_EQ(End("t", p, false), ErrorCode::kNone);
  EXPECT_EQ(StateOf("t"), TxnState::kCompleteAbort);
  EXPECT_TRUE(participants_.commits.empty());
  ASSERT_EQ(participants_.markers.size(), 1u);
  EXPECT_EQ(participants_.markers[0].type, storage::ControlType::kAbort);
}

TEST_F(TxnCoordinatorTest, TxnOffsetCommitNeedsAddOffsetsAndAValidMember) {
  InitProducerIdResult p = Init("t");
  ASSERT_EQ(Add("t", p, {{"x", PartitionId(0)}}), ErrorCode::kNone);
  TxnOffsetCommitRequest o{"t", "g", p.producer_id, p.producer_epoch};
  o.offsets.push_back({{"in", PartitionId(0)}, PendingOffset{Offset(5)}});
  EXPECT_EQ(Await([&](ErrorCallback done) { c().TxnOffsetCommit(o, done); }),
            ErrorCode::kInvalidTxnState);
  ASSERT_EQ(Await([&](ErrorCallback done) {
              c().AddOffsets("t", p.producer_id, p.producer_epoch, "g", done);
            }),
            ErrorCode::kNone);
  o.generation_id = 3;
  o.member_id = "m";
  participants_.member_error = ErrorCode::kIllegalGeneration;
  EXPECT_EQ(Await([&](ErrorCallback done) { c().TxnOffsetCommit(o, done); }),
            ErrorCode::kIllegalGeneration);
  TxnOffsetCommitRequest stale = o;
  stale.producer_epoch = ProducerEpoch(p.producer_epoch.value() - 1);
  EXPECT_EQ(Await([&](ErrorCallback done) { c().TxnOffsetCommit(stale, done); }),
            ErrorCode::kInvalidProducerEpoch);
}

TEST_F(TxnCoordinatorTest, RequestsOfOneIdWaitForTheWriteInFlight) {
  InitProducerIdResult p = Init("t");
  std::vector<ErrorCode> answers;
  c().AddPartitions("t", p.producer_id, p.producer_epoch, {{"x", PartitionId(0)}},
                    [&](ErrorCode e) { answers.push_back(e); });
  c().AddPartitions("t", p.producer_id, p.producer_epoch, {{"x", PartitionId(1)}},
                    [&](ErrorCode e) { answers.push_back(e); });
  EXPECT_EQ(log_.pending(), 1u);  // the second waits, rather than CONCURRENT_TRANSACTIONS
  Settle();
  EXPECT_EQ(answers, (std::vector<ErrorCode>{ErrorCode::kNone, ErrorCode::kNone}));
  EXPECT_EQ(c().Describe({"t"})[0].partitions.size(), 2u);
}

TEST_F(TxnCoordinatorTest, NewInstanceFencesAndAbortsTheOpenTransaction) {
  InitProducerIdResult old = Init("t");
  ASSERT_EQ(Add("t", old, {{"x", PartitionId(0)}}), ErrorCode::kNone);
  // The new instance is told to retry while the old transaction is aborted...
  EXPECT_EQ(Init("t").error, ErrorCode::kConcurrentTransactions);
  ASSERT_EQ(participants_.markers.size(), 1u);
  EXPECT_EQ(participants_.markers[0].type, storage::ControlType::kAbort);
  EXPECT_EQ(participants_.markers[0].epoch, ProducerEpoch(old.producer_epoch.value() + 1));
  EXPECT_EQ(StateOf("t"), TxnState::kCompleteAbort);
  // ... and then gets a newer epoch; the old instance is fenced everywhere.
  InitProducerIdResult fresh = Init("t");
  EXPECT_EQ(fresh.producer_epoch, ProducerEpoch(old.producer_epoch.value() + 2));
  EXPECT_EQ(End("t", old, true), ErrorCode::kProducerFenced);
  EXPECT_EQ(Add("t", old, {{"x", PartitionId(0)}}), ErrorCode::kProducerFenced);
  EXPECT_EQ(c().VerifyTransactionalProduce(old.producer_id, old.producer_epoch,
                                           {"x", PartitionId(0)}),
            ErrorCode::kInvalidProducerEpoch);
}

TEST_F(TxnCoordinatorTest, TransactionPastItsTimeoutIsAbortedWithABumpedEpoch) {
  InitProducerIdResult p = Init("t", std::nullopt, 1000);
  ASSERT_EQ(Add("t", p, {{"x", PartitionId(0)}}), ErrorCode::kNone);
  clock_.AdvanceMs(999);
  Settle();
  EXPECT_EQ(StateOf("t"), TxnState::kOngoing);
  clock_.AdvanceMs(101);
  Settle();
  EXPECT_EQ(StateOf("t"), TxnState::kCompleteAbort);
  ASSERT_EQ(participants_.markers.size(), 1u);
  EXPECT_EQ(participants_.markers[0].epoch, ProducerEpoch(1));
  EXPECT_EQ(End("t", p, true), ErrorCode::kProducerFenced);
}

TEST_F(TxnCoordinatorTest, FailedMarkersAreRetriedAndHoldTheTransactionInPrepare) {
  InitProducerIdResult p = Init("t");
  ASSERT_EQ(Add("t", p, {{"x", PartitionId(0)}}), ErrorCode::kNone);
  std::optional<ErrorCode> ended;
  c().EndTxn("t", p.producer_id, p.producer_epoch, true, [&](ErrorCode e) { ended = e; });
  log_.Sync();
  participants_.Complete(Status(ErrorCode::kKafkaStorageError, "disk"));
  c().RunTimers();
  EXPECT_EQ(ended, ErrorCode::kNone);  // the decision is durable
  EXPECT_EQ(StateOf("t"), TxnState::kPrepareCommit);
  EXPECT_EQ(Add("t", p, {{"x", PartitionId(0)}}), ErrorCode::kConcurrentTransactions);
  clock_.AdvanceMs(50);
  c().RunTimers();  // the retry
  ASSERT_EQ(participants_.markers.size(), 2u);
  participants_.Complete();
  c().RunTimers();
  EXPECT_EQ(StateOf("t"), TxnState::kCompleteCommit);
}

TEST_F(TxnCoordinatorTest, DeletedPartitionsAreSkipped) {
  InitProducerIdResult p = Init("t");
  ASSERT_EQ(Add("t", p, {{"gone", PartitionId(0)}}), ErrorCode::kNone);
  std::optional<ErrorCode> ended;
  c().EndTxn("t", p.producer_id, p.producer_epoch, false, [&](ErrorCode e) { ended = e; });
  log_.Sync();
  participants_.Complete(Status(ErrorCode::kUnknownTopicOrPartition, "deleted"));
  c().RunTimers();
  EXPECT_EQ(ended, ErrorCode::kNone);
  EXPECT_EQ(StateOf("t"), TxnState::kCompleteAbort);
}

TEST_F(TxnCoordinatorTest, EndTxnAnswersPerState) {
  InitProducerIdResult p = Init("t");
  EXPECT_EQ(End("t", p, true), ErrorCode::kInvalidTxnState);  // Empty
  EXPECT_EQ(Await([&](ErrorCallback done) {
              c().EndTxn("nobody", p.producer_id, p.producer_epoch, true, done);
            }),
            ErrorCode::kInvalidProducerIdMapping);
  InitProducerIdResult other = p;
  other.producer_id = ProducerId(p.producer_id.value() + 99);
  EXPECT_EQ(End("t", other, true), ErrorCode::kInvalidProducerIdMapping);
}

TEST_F(TxnCoordinatorTest, VerifiesTransactionalProduce) {
  InitProducerIdResult p = Init("t");
  TP x0{"x", PartitionId(0)};
  EXPECT_EQ(c().VerifyTransactionalProduce(p.producer_id, p.producer_epoch, x0),
            ErrorCode::kInvalidTxnState);
  ASSERT_EQ(Add("t", p, {x0}), ErrorCode::kNone);
  EXPECT_EQ(c().VerifyTransactionalProduce(p.producer_id, p.producer_epoch, x0), ErrorCode::kNone);
  EXPECT_EQ(c().VerifyTransactionalProduce(p.producer_id, p.producer_epoch, {"x", PartitionId(1)}),
            ErrorCode::kInvalidTxnState);
  EXPECT_EQ(c().VerifyTransactionalProduce(ProducerId(12345), ProducerEpoch(0), x0),
            ErrorCode::kInvalidTxnState);
  ASSERT_EQ(End("t", p, true), ErrorCode::kNone);
  EXPECT_EQ(c().VerifyTransactionalProduce(p.producer_id, p.producer_epoch, x0),
            ErrorCode::kInvalidTxnState);
}

TEST_F(TxnCoordinatorTest, Kip360RetryGetsTheSameEpochAndStaleOnesAreFenced) {
  InitProducerIdResult p = Init("t");
  InitProducerIdResult bumped = Init("t", std::pair<int64_t, int16_t>{p.producer_id.value(), 0});
  EXPECT_EQ(bumped.producer_epoch, ProducerEpoch(1));
  InitProducerIdResult retry = Init("t", std::pair<int64_t, int16_t>{p.producer_id.value(), 0});
  EXPECT_EQ(retry.error, ErrorCode::kNone);
  EXPECT_EQ(retry.producer_epoch, ProducerEpoch(1));
  EXPECT_EQ(Init("t", std::pair<int64_t, int16_t>{p.producer_id.value(), 5}).error,
            ErrorCode::kProducerFenced);
  EXPECT_EQ(Init("t", std::pair<int64_t, int16_t>{p.producer_id.value() + 1, 1}).error,
            ErrorCode::kProducerFenced);
}

TEST_F(TxnCoordinatorTest, ExhaustedEpochRotatesTheProducerId) {
  InitProducerIdResult p = Init("t");
  for (int i = 0; i < 32765; ++i) ASSERT_EQ(Init("t").error, ErrorCode::kNone);
  InitProducerIdResult last = Init("t");
  EXPECT_EQ(last.producer_id, p.producer_id);
  EXPECT_EQ(last.producer_epoch, ProducerEpoch(32766));
  InitProducerIdResult rotated = Init("t");
  EXPECT_NE(rotated.producer_id, p.producer_id);
  EXPECT_EQ(rotated.producer_epoch, ProducerEpoch(0));
  // A retry of the rotating call (by the old id and its exhausted epoch) gets the same answer.
  InitProducerIdResult retry =
      Init("t", std::pair<int64_t, int16_t>{p.producer_id.value(), 32766});
  EXPECT_EQ(retry.producer_id, rotated.producer_id);
  EXPECT_EQ(retry.producer_epoch, ProducerEpoch(0));
}

TEST_F(TxnCoordinatorTest, ReplayRestoresStateAndFinishesADecidedCommit) {
  InitProducerIdResult p = Init("t");
  ASSERT_EQ(Add("t", p, {{"x", PartitionId(0)}}), ErrorCode::kNone);
  InitProducerIdResult q = Init("open");
  ASSERT_EQ(Add("open", q, {{"y", PartitionId(0)}}), ErrorCode::kNone);
  c().EndTxn("t", p.producer_id, p.producer_epoch, true, [](ErrorCode) {});
  log_.Sync();  // PrepareCommit durable; then the broker dies before any marker
  ASSERT_EQ(participants_.markers.size(), 1u);
  participants_.markers.clear();
  Restart();
  EXPECT_EQ(StateOf("open"), TxnState::kOngoing);
  ASSERT_EQ(participants_.markers.size(), 1u);  // written again
  EXPECT_EQ(participants_.markers[0].type, storage::ControlType::kCommit);
  Settle();
  EXPECT_EQ(StateOf("t"), TxnState::kCompleteCommit);
  EXPECT_EQ(c().VerifyTransactionalProduce(q.producer_id, q.producer_epoch, {"y", PartitionId(0)}),
            ErrorCode::kNone);
}

TEST_F(TxnCoordinatorTest, IdleIdsExpire) {
  config_.id_expiration_ms = 1000;
  config_.expiration_check_interval_ms = 100;
  Restart();
  Init("t");
  clock_.AdvanceMs(1000);
  Settle();
  EXPECT_EQ(StateOf("t"), TxnState::kDead);
  ASSERT_FALSE(log_.records().empty());
  EXPECT_FALSE(log_.records().back().value.has_value());  // a tombstone
  Restart();
  EXPECT_EQ(StateOf("t"), TxnState::kDead);
}

TEST_F(TxnCoordinatorTest, ListFiltersByStateProducerAndDuration) {
  InitProducerIdResult a = Init("a");
  Init("b");
  ASSERT_EQ(Add("a", a, {{"x", PartitionId(0)}}), ErrorCode::kNone);
  std::vector<TxnListing> out;
  ASSERT_EQ(c().List({TxnState::kOngoing}, {}, -1, &out), ErrorCode::kNone);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].transactional_id, "a");
  out.clear();
  ASSERT_EQ(c().List({}, {a.producer_id}, -1, &out), ErrorCode::kNone);
  EXPECT_EQ(out.size(), 1u);
  out.clear();
  clock_.AdvanceMs(500);
  ASSERT_EQ(c().List({}, {}, 1000, &out), ErrorCode::kNone);
  EXPECT_TRUE(out.empty());
  ASSERT_EQ(c().List({}, {}, 400, &out), ErrorCode::kNone);
  EXPECT_EQ(out.size(), 1u);
}

TEST_F(TxnCoordinatorTest, StoppedCoordinatorRefuses) {
  c().Stop();
  EXPECT_EQ(Init("a").error, ErrorCode::kCoordinatorNotAvailable);
}

}  // namespace
}  // namespace gregor::txn
