// OffsetCommit / OffsetFetch / OffsetDelete and offset retention.

#include <gtest/gtest.h>

#include "group/group_coordinator.h"
#include "group/log_format.h"
#include "test_util.h"

namespace gregor::group::testing {
namespace {

TopicPartition Tp(const std::string& topic, int32_t p) { return {topic, PartitionId(p)}; }

class OffsetsTest : public CoordinatorTest {
 protected:
  CommitRequest MakeCommit(const std::string& member, int32_t generation,
                           std::vector<std::pair<TopicPartition, int64_t>> offsets,
                           std::string group = "g") {
    CommitRequest r;
    r.group_id = std::move(group);
    r.member_id = member;
    r.generation_id = generation;
    for (auto& [tp, o] : offsets) {
      OffsetCommitEntry e;
      e.partition = tp;
      e.offset = Offset(o);
      r.offsets.push_back(std::move(e));
    }
    return r;
  }

  CommittedOffset Fetched(const std::string& group, const TopicPartition& tp) {
    OffsetFetchResult r = gc().FetchOffsets(group, std::vector<TopicPartition>{tp});
    EXPECT_EQ(r.error, ErrorCode::kNone);
    EXPECT_EQ(r.offsets.size(), 1u);
    return r.offsets.empty() ? CommittedOffset{} : r.offsets[0].second;
  }
};

TEST_F(OffsetsTest, CommitIsAnsweredOnlyOnceDurable) {
  auto [a, gen] = StableSingleMember();
  CommitRequest c = MakeCommit(a, gen, {{Tp("t", 0), 42}});
  c.offsets[0].metadata = "note";
  c.offsets[0].leader_epoch = LeaderEpoch(7);
  auto held = Commit(c);
  EXPECT_FALSE(held->done());
  log_.CompleteAll();
  ASSERT_TRUE(held->done());
  EXPECT_EQ((*held)->at(0), ErrorCode::kNone);
  CommittedOffset got = Fetched("g", Tp("t", 0));
  EXPECT_EQ(got.offset, Offset(42));
  EXPECT_EQ(got.metadata, "note");
  EXPECT_EQ(got.leader_epoch, LeaderEpoch(7));
  EXPECT_EQ(got.commit_timestamp_ms, clock_.NowMs());
}

TEST_F(OffsetsTest, UnknownOffsetsAreMinusOneWithEmptyMetadata) {
  CommittedOffset none = Fetched("no-such-group", Tp("t", 3));
  EXPECT_EQ(none.offset, Offset(-1));
  EXPECT_EQ(none.leader_epoch, LeaderEpoch(-1));
  EXPECT_EQ(none.metadata, "");
  OffsetFetchResult all = gc().FetchOffsets("no-such-group", std::nullopt);
  EXPECT_TRUE(all.offsets.empty());
}

TEST_F(OffsetsTest, NullMetadataIsStoredAsEmpty) {
  auto held = Commit(MakeCommit("", -1, {{Tp("t", 0), 1}}, "standalone"));
  log_.CompleteAll();
  EXPECT_EQ((*held)->at(0), ErrorCode::kNone);
  EXPECT_EQ(Fetched("standalone", Tp("t", 0)).metadata, "");
  EXPECT_EQ(gc().StateOf("standalone"), GroupState::kEmpty);
}

TEST_F(OffsetsTest, CommitsAreAcceptedWhileARebalanceIsPending) {
  auto [a, gen] = StableSingleMember();
  Join(MakeJoin(""));  // another member: PreparingRebalance
  ASSERT_EQ(gc().StateOf("g"), GroupState::kPreparingRebalance);
  auto held = Commit(MakeCommit(a, gen, {{Tp("t", 0), 10}}));
  log_.CompleteAll();
  EXPECT_EQ((*held)->at(0), ErrorCode::kNone);
}

TEST_F(OffsetsTest, CommitsDuringSyncPhaseMustWait) {
  auto j = Join(MakeJoin(""));
  auto held = Commit(MakeCommit((*j)->member_id, 1, {{Tp("t", 0), 10}}));
  EXPECT_EQ((*held)->at(0), ErrorCode::kRebalanceInProgress);
}

TEST_F(OffsetsTest, CommitValidation) {
  auto [a, gen] = StableSingleMember();
  EXPECT_EQ((*Commit(MakeCommit(a, gen + 1, {{Tp("t", 0), 1}})))->at(0),
            ErrorCode::kIllegalGeneration);
  EXPECT_EQ((*Commit(MakeCommit("ghost", gen, {{Tp("t", 0), 1}})))->at(0),
            ErrorCode::kUnknownMemberId);
  // No member id and no generation into a group with members.
  EXPECT_EQ((*Commit(MakeCommit("", -1, {{Tp("t", 0), 1}})))->at(0), ErrorCode::kUnknownMemberId);
  // A generation for a group that does not exist.
  EXPECT_EQ((*Commit(MakeCommit("m", 3, {{Tp("t", 0), 1}}, "nope")))->at(0),
            ErrorCode::kIllegalGeneration);
  CommitRequest v9 = MakeCommit("m", 3, {{Tp("t", 0), 1}}, "nope");
  v9.group_id_not_found_allowed = true;
  EXPECT_EQ((*Commit(v9))->at(0), ErrorCode::kGroupIdNotFound);
  EXPECT_EQ(log_.appends(), 1u);  // only the first generation's assignment
}

TEST_F(OffsetsTest, OversizedMetadataIsRejectedPerPartition) {
  CommitRequest c = MakeCommit("", -1, {{Tp("t", 0), 1}, {Tp("t", 1), 2}}, "s");
  c.offsets[0].metadata = std::string(4097, 'x');
  c.offsets[1].metadata = std::string(4096, 'y');
  auto held = Commit(c);
  log_.CompleteAll();
  ASSERT_TRUE(held->done());
  EXPECT_EQ((*held)->at(0), ErrorCode::kOffsetMetadataTooLarge);
  EXPECT_EQ((*held)->at(1), ErrorCode::kNone);
  EXPECT_EQ(Fetched("s", Tp("t", 0)).offset, Offset(-1));
  EXPECT_EQ(Fetched("s", Tp("t", 1)).offset, Offset(2));
}

TEST_F(OffsetsTest, StorageFailuresSendTheConsumerToTheCoordinatorAgain) {
  auto held = Commit(MakeCommit("", -1, {{Tp("t", 0), 1}}, "s"));
  log_.CompleteAll(Status(ErrorCode::kKafkaStorageError, "fdatasync failed"));
  EXPECT_EQ((*held)->at(0), ErrorCode::kNotCoordinator);
  log_.FailAppends(Status(ErrorCode::kRecordListTooLarge, "too big"));
  EXPECT_EQ((*Commit(MakeCommit("", -1, {{Tp("t", 0), 1}}, "s")))->at(0),
            ErrorCode::kInvalidCommitOffsetSize);
}

TEST_F(OffsetsTest, OffsetsOfAnEmptyGroupExpireAfterRetention) {
  auto [a, gen] = StableSingleMember();
  Commit(MakeCommit(a, gen, {{Tp("t", 0), 5}}));
  log_.CompleteAll();
  gc().LeaveGroup("g", {{a, std::nullopt}});
  ASSERT_EQ(gc().StateOf("g"), GroupState::kEmpty);
  clock_.AdvanceMs(config_.offsets_retention_ms - 1);
  gc().ExpireOffsets();
  EXPECT_EQ(Fetched("g", Tp("t", 0)).offset, Offset(5));
  clock_.AdvanceMs(1);
  gc().ExpireOffsets();
  EXPECT_EQ(Fetched("g", Tp("t", 0)).offset, Offset(-1));
  EXPECT_EQ(gc().StateOf("g"), std::nullopt);
  // Tombstones for the offset and the group are the last records.
  std::vector<LogRecord> records = log_.records();
  ASSERT_GE(records.size(), 2u);
  EXPECT_FALSE(records[records.size() - 1].value.has_value());
  EXPECT_FALSE(records[records.size() - 2].value.has_value());
  log_.CompleteAll();
  Restart();
  EXPECT_EQ(gc().StateOf("g"), std::nullopt);
}

TEST_F(OffsetsTest, OffsetsOfALiveGroupDoNotExpire) {
  auto [a, gen] = StableSingleMember();
  Commit(MakeCommit(a, gen, {{Tp("t", 0), 5}}));
  log_.CompleteAll();
  clock_.AdvanceMs(config_.offsets_retention_ms + 1);
  gc().ExpireOffsets();
  EXPECT_EQ(Fetched("g", Tp("t", 0)).offset, Offset(5));
}

TEST_F(OffsetsTest, StandaloneOffsetsAgeFromTheirOwnCommit) {
  Commit(MakeCommit("", -1, {{Tp("t", 0), 1}}, "s"));
  clock_.AdvanceMs(config_.offsets_retention_ms / 2);
  Commit(MakeCommit("", -1, {{Tp("t", 1), 1}}, "s"));
  log_.CompleteAll();
  clock_.AdvanceMs(config_.offsets_retention_ms / 2);
  gc().ExpireOffsets();
  EXPECT_EQ(Fetched("s", Tp("t", 0)).offset, Offset(-1));
  EXPECT_EQ(Fetched("s", Tp("t", 1)).offset, Offset(1));
}

TEST_F(OffsetsTest, DeleteOffsetsOfAnEmptyGroup) {
  Commit(MakeCommit("", -1, {{Tp("t", 0), 1}, {Tp("t", 1), 2}}, "s"));
  log_.CompleteAll();
  std::optional<OffsetDeleteResult> got;
  gc().DeleteOffsets("s", {Tp("t", 0), Tp("u", 9)}, [&](OffsetDeleteResult r) { got = r; });
  EXPECT_FALSE(got.has_value());
  log_.CompleteAll();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->error, ErrorCode::kNone);
  EXPECT_EQ(got->partitions, (std::vector<ErrorCode>{ErrorCode::kNone, ErrorCode::kNone}));
  EXPECT_EQ(Fetched("s", Tp("t", 0)).offset, Offset(-1));
  EXPECT_EQ(Fetched("s", Tp("t", 1)).offset, Offset(2));
  gc().DeleteOffsets("nope", {Tp("t", 0)}, [&](OffsetDeleteResult r) { got = r; });
  EXPECT_EQ(got->error, ErrorCode::kGroupIdNotFound);
}

TEST_F(OffsetsTest, DeleteOffsetsKeepsTopicsALiveConsumerGroupSubscribes) {
  // ConsumerProtocolSubscription v0: version, topics ["t"], user data null.
  std::vector<uint8_t> subscription = {0, 0, 0, 0, 0, 1, 0, 1, 't', 0xff, 0xff, 0xff, 0xff};
  auto j = Join(MakeJoin("", {{"range", subscription}}));
  std::string a = (*j)->member_id;
  Sync(a, 1, {});
  log_.CompleteAll();
  Commit(MakeCommit(a, 1, {{Tp("t", 0), 1}, {Tp("other", 0), 1}}));
  log_.CompleteAll();
  std::optional<OffsetDeleteResult> got;
  gc().DeleteOffsets("g", {Tp("t", 0), Tp("other", 0)}, [&](OffsetDeleteResult r) { got = r; });
  log_.CompleteAll();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->partitions[0], ErrorCode::kGroupSubscribedToTopic);
  EXPECT_EQ(got->partitions[1], ErrorCode::kNone);
  EXPECT_EQ(Fetched("g", Tp("t", 0)).offset, Offset(1));
  EXPECT_EQ(Fetched("g", Tp("other", 0)).offset, Offset(-1));
}

TEST_F(OffsetsTest, FetchAllReturnsEveryCommittedPartition) {
  Commit(MakeCommit("", -1, {{Tp("b", 1), 11}, {Tp("a", 0), 10}}, "s"));
  log_.CompleteAll();
  OffsetFetchResult r = gc().FetchOffsets("s", std::nullopt);
  ASSERT_EQ(r.offsets.size(), 2u);
  EXPECT_EQ(r.offsets[0].first, Tp("a", 0));
  EXPECT_EQ(r.offsets[1].second.offset, Offset(11));
}

}  // namespace
}  // namespace gregor::group::testing
