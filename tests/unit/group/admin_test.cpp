// DescribeGroups, ListGroups, DeleteGroups, loading and replay after a restart.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "group/group_coordinator.h"
#include "group/log_format.h"
#include "test_util.h"

namespace gregor::group::testing {
namespace {

class AdminTest : public CoordinatorTest {
 protected:
  void CommitStandalone(const std::string& group, int64_t offset) {
    CommitRequest r;
    r.group_id = group;
    r.offsets.push_back({{"t", PartitionId(0)}, Offset(offset)});
    Commit(r);
    log_.CompleteAll();
  }
};

TEST_F(AdminTest, DescribeShowsMembersAndAssignmentsOfAStableGroup) {
  auto [a, gen] = StableSingleMember();
  std::vector<GroupDescription> d = gc().DescribeGroups({"g", "unknown"});
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].error, ErrorCode::kNone);
  EXPECT_EQ(d[0].state, "Stable");
  EXPECT_EQ(d[0].protocol_type, "consumer");
  EXPECT_EQ(d[0].protocol_name, "range");
  ASSERT_EQ(d[0].members.size(), 1u);
  EXPECT_EQ(d[0].members[0].member_id, a);
  EXPECT_EQ(d[0].members[0].client_id, "client");
  EXPECT_EQ(d[0].members[0].client_host, "/127.0.0.1");
  EXPECT_EQ(d[0].members[0].metadata, Bytes("meta"));
  EXPECT_EQ(d[0].members[0].assignment, Bytes("assigned"));
  EXPECT_EQ(d[1].error, ErrorCode::kNone);
  EXPECT_EQ(d[1].state, "Dead");
  EXPECT_TRUE(d[1].members.empty());
}

TEST_F(AdminTest, DescribeOmitsMetadataWhileRebalancing) {
  auto [a, gen] = StableSingleMember();
  Join(MakeJoin(""));
  std::vector<GroupDescription> d = gc().DescribeGroups({"g"});
  EXPECT_EQ(d[0].state, "PreparingRebalance");
  EXPECT_EQ(d[0].protocol_name, "");
  ASSERT_EQ(d[0].members.size(), 2u);
  EXPECT_TRUE(d[0].members[0].assignment.empty());
}

TEST_F(AdminTest, ListGroupsShowsStatesAndStandaloneGroups) {
  StableSingleMember("consumers");
  CommitStandalone("offsets-only", 3);
  std::vector<GroupOverview> groups;
  ASSERT_EQ(gc().ListGroups(&groups), ErrorCode::kNone);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].group_id, "consumers");
  EXPECT_EQ(groups[0].state, "Stable");
  EXPECT_EQ(groups[0].protocol_type, "consumer");
  EXPECT_EQ(groups[1].group_id, "offsets-only");
  EXPECT_EQ(groups[1].state, "Empty");
  EXPECT_EQ(groups[1].protocol_type, "");
}

TEST_F(AdminTest, DeleteGroupsOnlyDeletesEmptyGroups) {
  StableSingleMember("busy");
  CommitStandalone("idle", 3);
  std::optional<std::vector<ErrorCode>> got;
  gc().DeleteGroups({"busy", "idle", "missing"}, [&](std::vector<ErrorCode> e) { got = e; });
  EXPECT_FALSE(got.has_value());  // waits for the tombstones
  log_.CompleteAll();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, (std::vector<ErrorCode>{ErrorCode::kNonEmptyGroup, ErrorCode::kNone,
                                          ErrorCode::kGroupIdNotFound}));
  EXPECT_EQ(gc().StateOf("idle"), std::nullopt);
  OffsetFetchResult r = gc().FetchOffsets("idle", std::nullopt);
  EXPECT_TRUE(r.offsets.empty());
  Restart();
  EXPECT_EQ(gc().StateOf("idle"), std::nullopt);
  EXPECT_EQ(gc().StateOf("busy"), GroupState::kStable);
}

TEST_F(AdminTest, RestartRebuildsGroupsAndOffsetsFromTheLog) {
  auto [a, gen] = StableSingleMember();
  CommitRequest c;
  c.group_id = "g";
  c.member_id = a;
  c.generation_id = gen;
  c.offsets.push_back({{"t", PartitionId(0)}, Offset(100), LeaderEpoch(3), "m0"});
  c.offsets.push_back({{"t", PartitionId(1)}, Offset(200)});
  Commit(c);
  log_.CompleteAll();
  CommitStandalone("s", 7);
  Restart();
  EXPECT_EQ(gc().StateOf("g"), GroupState::kStable);
  EXPECT_EQ(gc().GenerationOf("g"), gen);
  std::vector<GroupDescription> d = gc().DescribeGroups({"g"});
  ASSERT_EQ(d[0].members.size(), 1u);
  EXPECT_EQ(d[0].members[0].member_id, a);
  EXPECT_EQ(d[0].members[0].assignment, Bytes("assigned"));
  // The member resumes without rejoining.
  EXPECT_EQ(Heartbeat(a, gen), ErrorCode::kNone);
  OffsetFetchResult r = gc().FetchOffsets("g", std::nullopt);
  ASSERT_EQ(r.offsets.size(), 2u);
  EXPECT_EQ(r.offsets[0].second.offset, Offset(100));
  EXPECT_EQ(r.offsets[0].second.leader_epoch, LeaderEpoch(3));
  EXPECT_EQ(r.offsets[0].second.metadata, "m0");
  EXPECT_EQ(r.offsets[1].second.offset, Offset(200));
  EXPECT_EQ(gc().FetchOffsets("s", std::nullopt).offsets.at(0).second.offset, Offset(7));
}

TEST_F(AdminTest, ALoadedMemberThatNeverReturnsExpires) {
  auto [a, gen] = StableSingleMember();
  Restart();
  Advance(10001);
  EXPECT_EQ(gc().StateOf("g"), GroupState::kEmpty);
}

TEST_F(AdminTest, UnreadableRecordsAreSkippedOnReplay) {
  CommitStandalone("s", 7);
  // Garbage a client could have produced: unknown key version, truncated value, null key.
  (void)log_.Append(0, {{{0, 9, 'z', 'z'}, Bytes("x")}}, [](Status) {});
  std::vector<uint8_t> key = EncodeOffsetKey({"s", {"t", PartitionId(1)}});
  (void)log_.Append(0, {{key, std::vector<uint8_t>{0, 3, 0}}}, [](Status) {});
  log_.DropQueued();
  Restart();
  EXPECT_EQ(gc().FetchOffsets("s", std::nullopt).offsets.size(), 1u);
}

TEST_F(AdminTest, RequestsWhileLoadingGetLoadErrors) {
  CommitStandalone("s", 7);
  coordinator_.reset();
  log_.CloseReplay();
  CoordinatorConfig c = DefaultConfig();
  c.background_thread = true;
  coordinator_ = std::make_unique<GroupCoordinator>(c, log_, clock_);
  EXPECT_EQ((*Join(MakeJoin("")))->error, ErrorCode::kCoordinatorNotAvailable);  // not started
  coordinator_->Start();
  EXPECT_EQ((*Join(MakeJoin("")))->error, ErrorCode::kCoordinatorLoadInProgress);
  EXPECT_EQ((*Sync("m", 1))->error, ErrorCode::kRebalanceInProgress);
  EXPECT_EQ(Heartbeat("m", 1), ErrorCode::kNone);
  EXPECT_EQ(gc().FetchOffsets("s", std::nullopt).error, ErrorCode::kCoordinatorLoadInProgress);
  std::vector<GroupOverview> groups;
  EXPECT_EQ(gc().ListGroups(&groups), ErrorCode::kCoordinatorLoadInProgress);
  EXPECT_EQ(gc().DescribeGroups({"s"})[0].error, ErrorCode::kCoordinatorLoadInProgress);
  log_.OpenReplay();
  for (int i = 0; i < 1000 && !gc().loaded(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(gc().loaded());
  EXPECT_EQ(gc().FetchOffsets("s", std::nullopt).offsets.size(), 1u);
  coordinator_->Stop();
  EXPECT_EQ((*Join(MakeJoin("")))->error, ErrorCode::kCoordinatorNotAvailable);
}

}  // namespace
}  // namespace gregor::group::testing
