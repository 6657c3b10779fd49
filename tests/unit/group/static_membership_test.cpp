// KIP-345 static membership: restarts without rebalances, fencing of the old member id.

#include <gtest/gtest.h>

#include "group/group_coordinator.h"
#include "test_util.h"

namespace gregor::group::testing {
namespace {

class StaticMembershipTest : public CoordinatorTest {
 protected:
  JoinRequest StaticJoin(const std::string& member_id, const std::string& instance,
                         std::vector<Protocol> protocols = {}) {
    JoinRequest r = MakeJoin(member_id, std::move(protocols));
    r.group_instance_id = instance;
    r.require_known_member_id = true;
    return r;
  }

  // Two static members, stable in generation 1 (with the initial delay collecting both).
  void TwoStableMembers(std::vector<Protocol> protocols_a = {},
                        std::vector<Protocol> protocols_b = {}) {
    CoordinatorConfig c = DefaultConfig();
    c.initial_rebalance_delay_ms = 100;
    Restart(c);
    auto ja = Join(StaticJoin("", "ia", std::move(protocols_a)));
    auto jb = Join(StaticJoin("", "ib", std::move(protocols_b)));
    Advance(100);  // b arrived during the initial delay, which therefore runs once more
    Advance(100);
    ASSERT_TRUE(ja->done() && jb->done());
    a_ = (*ja)->member_id;
    b_ = (*jb)->member_id;
    ASSERT_EQ((*ja)->leader_id, a_);
    auto sa = Sync(a_, 1, {{a_, Bytes("A")}, {b_, Bytes("B")}}, "g", "ia");
    auto sb = Sync(b_, 1, {}, "g", "ib");
    log_.CompleteAll();
    ASSERT_TRUE(sa->done() && sb->done());
    ASSERT_EQ(gc().StateOf("g"), GroupState::kStable);
  }

  std::string a_, b_;
};

TEST_F(StaticMembershipTest, RestartWithinSessionTimeoutKeepsTheGeneration) {
  TwoStableMembers();
  // b restarts: a new JoinGroup with its instance id and no member id.
  Advance(5000);
  auto jb = Join(StaticJoin("", "ib"));
  EXPECT_FALSE(jb->done());  // answered once the new member id is durable
  EXPECT_EQ(log_.CompleteAll(), 1u);
  ASSERT_TRUE(jb->done());
  EXPECT_EQ((*jb)->error, ErrorCode::kNone);
  EXPECT_EQ((*jb)->generation_id, 1);
  EXPECT_NE((*jb)->member_id, b_);
  EXPECT_EQ((*jb)->leader_id, a_);
  EXPECT_EQ(gc().StateOf("g"), GroupState::kStable);
  EXPECT_EQ(gc().GenerationOf("g"), 1);
  // Its SyncGroup gets the assignment the old id had; the old id is fenced everywhere.
  auto s = Sync((*jb)->member_id, 1, {}, "g", "ib");
  ASSERT_TRUE(s->done());
  EXPECT_EQ((*s)->assignment, Bytes("B"));
  EXPECT_EQ(Heartbeat(b_, 1, "g", "ib"), ErrorCode::kFencedInstanceId);
  EXPECT_EQ((*Sync(b_, 1, {}, "g", "ib"))->error, ErrorCode::kFencedInstanceId);
  EXPECT_EQ(Heartbeat(a_, 1, "g", "ia"), ErrorCode::kNone);
}

TEST_F(StaticMembershipTest, LeaderRestartBeforeV9IsNotToldItLeads) {
  TwoStableMembers();
  auto ja = Join(StaticJoin("", "ia"));
  log_.CompleteAll();
  ASSERT_TRUE(ja->done());
  EXPECT_EQ((*ja)->leader_id, a_);  // the old id: the new one must not run the assignor
  EXPECT_NE((*ja)->member_id, a_);
  EXPECT_TRUE((*ja)->members.empty());
  EXPECT_FALSE((*ja)->skip_assignment);
}

TEST_F(StaticMembershipTest, LeaderRestartFromV9LeadsButSkipsAssignment) {
  TwoStableMembers();
  JoinRequest r = StaticJoin("", "ia");
  r.supports_skip_assignment = true;
  auto ja = Join(r);
  log_.CompleteAll();
  ASSERT_TRUE(ja->done());
  EXPECT_EQ((*ja)->leader_id, (*ja)->member_id);
  EXPECT_TRUE((*ja)->skip_assignment);
  EXPECT_EQ((*ja)->members.size(), 2u);
  EXPECT_EQ(gc().GenerationOf("g"), 1);
}

TEST_F(StaticMembershipTest, ChangingTheSelectedProtocolRebalances) {
  // "range" wins the tie (the leader's order); b coming back with only "roundrobin" leaves
  // "roundrobin" as the only common protocol, so the group must rebalance.
  TwoStableMembers({{"range", {}}, {"roundrobin", {}}}, {{"roundrobin", {}}, {"range", {}}});
  auto jb = Join(StaticJoin("", "ib", {{"roundrobin", {}}}));
  EXPECT_EQ(gc().StateOf("g"), GroupState::kPreparingRebalance);
  EXPECT_EQ(log_.pending(), 0u);  // nothing to store: the rebalance will
  EXPECT_FALSE(jb->done());
  auto ja = Join(StaticJoin(a_, "ia", {{"range", {}}, {"roundrobin", {}}}));
  ASSERT_TRUE(ja->done() && jb->done());
  EXPECT_EQ((*ja)->protocol_name, "roundrobin");
  EXPECT_EQ((*ja)->generation_id, 2);
}

TEST_F(StaticMembershipTest, AnUnsupportedProtocolListIsRejected) {
  TwoStableMembers();
  EXPECT_EQ((*Join(StaticJoin(b_, "ib", {{"roundrobin", {}}})))->error,
            ErrorCode::kInconsistentGroupProtocol);
}

TEST_F(StaticMembershipTest, RestartDuringSyncStartsANewRebalance) {
  TwoStableMembers();
  auto ja = Join(StaticJoin(a_, "ia"));  // leader rejoin: rebalance to generation 2
  auto jb = Join(StaticJoin(b_, "ib"));
  ASSERT_TRUE(ja->done() && jb->done());
  ASSERT_EQ(gc().StateOf("g"), GroupState::kCompletingRebalance);
  auto jb_new = Join(StaticJoin("", "ib"));
  EXPECT_EQ(gc().StateOf("g"), GroupState::kPreparingRebalance);
  EXPECT_FALSE(jb_new->done());
}

TEST_F(StaticMembershipTest, AStaticMemberThatDoesNotRejoinKeepsItsPlaceUntilItsSessionEnds) {
  TwoStableMembers();
  // a (leader) rejoins; b is restarting and misses the whole join phase.
  for (int i = 0; i < 3; ++i) {
    Advance(3000);
    Heartbeat(a_, 1, "g", "ia");
  }
  auto ja = Join(StaticJoin(a_, "ia"));
  Advance(1);
  EXPECT_FALSE(ja->done());
  Advance(1500);  // b's session (10 s) ends before the rebalance timeout (30 s)
  ASSERT_TRUE(ja->done());
  EXPECT_EQ((*ja)->members.size(), 1u);
}

TEST_F(StaticMembershipTest, AWrongMemberIdForAnInstanceIsFenced) {
  TwoStableMembers();
  EXPECT_EQ((*Join(StaticJoin(b_, "ia")))->error, ErrorCode::kFencedInstanceId);
  EXPECT_EQ(Heartbeat(b_, 1, "g", "ia"), ErrorCode::kFencedInstanceId);
  EXPECT_EQ((*Join(StaticJoin("some-id", "unknown-instance")))->error, ErrorCode::kUnknownMemberId);
  CommitRequest c;
  c.group_id = "g";
  c.generation_id = 1;
  c.member_id = b_;
  c.group_instance_id = "ia";
  c.offsets.push_back({{"t", PartitionId(0)}, Offset(5)});
  EXPECT_EQ((*Commit(c))->at(0), ErrorCode::kFencedInstanceId);
}

TEST_F(StaticMembershipTest, LeaveByInstanceIdRemovesTheMember) {
  TwoStableMembers();
  LeaveResult r = gc().LeaveGroup("g", {{"", "ib"}, {"", "nobody"}, {a_, "ib"}});
  ASSERT_EQ(r.members.size(), 3u);
  EXPECT_EQ(r.members[0], ErrorCode::kNone);
  EXPECT_EQ(r.members[1], ErrorCode::kUnknownMemberId);
  EXPECT_EQ(r.members[2], ErrorCode::kUnknownMemberId);  // ib is gone by then
  EXPECT_EQ(gc().StateOf("g"), GroupState::kPreparingRebalance);
}

TEST_F(StaticMembershipTest, FailedStoreRevertsTheReplacement) {
  TwoStableMembers();
  auto jb = Join(StaticJoin("", "ib"));
  log_.CompleteAll(Status(ErrorCode::kKafkaStorageError, "disk"));
  ASSERT_TRUE(jb->done());
  EXPECT_EQ((*jb)->error, ErrorCode::kNotCoordinator);
  EXPECT_EQ(Heartbeat(b_, 1, "g", "ib"), ErrorCode::kNone);  // the old id is still b's
}

}  // namespace
}  // namespace gregor::group::testing
