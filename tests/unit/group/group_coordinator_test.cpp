// Rebalance state machine: JoinGroup, SyncGroup, Heartbeat, LeaveGroup, timeouts.

#include "group/group_coordinator.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace gregor::group::testing {
namespace {

class GroupCoordinatorTest : public CoordinatorTest {};

TEST_F(GroupCoordinatorTest, FirstMemberLeadsGenerationOne) {
  auto j = Join(MakeJoin(""));
  ASSERT_TRUE(j->done());
  EXPECT_EQ(j->value->error, ErrorCode::kNone);
  EXPECT_EQ((*j)->generation_id, 1);
  EXPECT_EQ((*j)->leader_id, (*j)->member_id);
  EXPECT_EQ((*j)->protocol_name, "range");
  EXPECT_EQ((*j)->protocol_type, "consumer");
  ASSERT_EQ((*j)->members.size(), 1u);
  EXPECT_EQ((*j)->members[0].metadata, Bytes("meta"));
  EXPECT_TRUE((*j)->member_id.starts_with("client-"));
  EXPECT_EQ(gc().StateOf("g"), GroupState::kCompletingRebalance);
}

TEST_F(GroupCoordinatorTest, MemberIdRequiredOnlyWhenTheVersionAsks) {
  JoinRequest r = MakeJoin("");
  r.require_known_member_id = true;
  auto first = Join(r);
  ASSERT_TRUE(first->done());
  EXPECT_EQ((*first)->error, ErrorCode::kMemberIdRequired);
  ASSERT_FALSE((*first)->member_id.empty());
  EXPECT_EQ(gc().StateOf("g"), GroupState::kEmpty);  // a pending member is not a member

  r.member_id = (*first)->member_id;
  auto second = Join(r);
  ASSERT_TRUE(second->done());
  EXPECT_EQ((*second)->error, ErrorCode::kNone);
  EXPECT_EQ((*second)->member_id, (*first)->member_id);
}

TEST_F(GroupCoordinatorTest, StaticMembersSkipMemberIdRequired) {
  JoinRequest r = MakeJoin("");
  r.require_known_member_id = true;
  r.group_instance_id = "instance-1";
  auto j = Join(r);
  ASSERT_TRUE(j->done());
  EXPECT_EQ((*j)->error, ErrorCode::kNone);
  EXPECT_TRUE((*j)->member_id.starts_with("instance-1-"));
}

TEST_F(GroupCoordinatorTest, PendingMemberExpiresAfterSessionTimeout) {
  JoinRequest r = MakeJoin("");
  r.require_known_member_id = true;
  auto first = Join(r);
  Advance(r.session_timeout_ms + 1);
  r.member_id = (*first)->member_id;
  auto again = Join(r);
  ASSERT_TRUE(again->done());
  EXPECT_EQ((*again)->error, ErrorCode::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, SyncAnswersAfterTheAssignmentIsDurable) {
  auto j = Join(MakeJoin(""));
  std::string id = (*j)->member_id;
  auto s = Sync(id, 1, {{id, Bytes("p0,p1")}});
  EXPECT_FALSE(s->done());
  EXPECT_EQ(gc().StateOf("g"), GroupState::kCompletingRebalance);
  EXPECT_EQ(log_.CompleteAll(), 1u);
  ASSERT_TRUE(s->done());
  EXPECT_EQ((*s)->error, ErrorCode::kNone);
  EXPECT_EQ((*s)->assignment, Bytes("p0,p1"));
  EXPECT_EQ((*s)->protocol_name, "range");
  EXPECT_EQ(gc().StateOf("g"), GroupState::kStable);
  // Once stable, SyncGroup answers at once with the stored assignment.
  auto again = Sync(id, 1);
  ASSERT_TRUE(again->done());
  EXPECT_EQ((*again)->assignment, Bytes("p0,p1"));
}

TEST_F(GroupCoordinatorTest, SecondMemberRebalancesAndFollowerGetsNoMetadata) {
  auto [a, gen] = StableSingleMember();
  auto jb = Join(MakeJoin("", {{"range", Bytes("b-meta")}}));
  EXPECT_FALSE(jb->done());
  EXPECT_EQ(gc().StateOf("g"), GroupState::kPreparingRebalance);
  EXPECT_EQ(Heartbeat(a, gen), ErrorCode::kRebalanceInProgress);
  auto ja = Join(MakeJoin(a));
  ASSERT_TRUE(ja->done());
  ASSERT_TRUE(jb->done());
  EXPECT_EQ((*ja)->generation_id, 2);
  EXPECT_EQ((*jb)->generation_id, 2);
  EXPECT_EQ((*ja)->leader_id, a);
  EXPECT_EQ((*jb)->leader_id, a);
  EXPECT_EQ((*ja)->members.size(), 2u);
  EXPECT_TRUE((*jb)->members.empty());
}

TEST_F(GroupCoordinatorTest, MembersTheLeaderOmitsGetAnEmptyAssignment) {
  auto [a, gen] = StableSingleMember();
  auto jb = Join(MakeJoin(""));
  auto ja = Join(MakeJoin(a));
  std::string b = (*jb)->member_id;
  auto sb = Sync(b, 2);
  auto sa = Sync(a, 2, {{a, Bytes("everything")}, {"ghost", Bytes("x")}});
  log_.CompleteAll();
  ASSERT_TRUE(sa->done());
  ASSERT_TRUE(sb->done());
  EXPECT_EQ((*sa)->assignment, Bytes("everything"));
  EXPECT_EQ((*sb)->error, ErrorCode::kNone);
  EXPECT_TRUE((*sb)->assignment.empty());
}

TEST_F(GroupCoordinatorTest, InconsistentProtocolsAreRejected) {
  StableSingleMember();
  JoinRequest other_type = MakeJoin("");
  other_type.protocol_type = "connect";
  EXPECT_EQ((*Join(other_type))->error, ErrorCode::kInconsistentGroupProtocol);
  EXPECT_EQ((*Join(MakeJoin("", {{"roundrobin", Bytes("")}})))->error,
            ErrorCode::kInconsistentGroupProtocol);
  JoinRequest no_protocols = MakeJoin("", {}, "fresh");
  no_protocols.protocols.clear();
  EXPECT_EQ((*Join(no_protocols))->error, ErrorCode::kInconsistentGroupProtocol);
  JoinRequest no_type = MakeJoin("", {}, "fresh");
  no_type.protocol_type = "";
  EXPECT_EQ((*Join(no_type))->error, ErrorCode::kInconsistentGroupProtocol);
}

TEST_F(GroupCoordinatorTest, ProtocolIsTheOneMostMembersPrefer) {
  auto ja = Join(MakeJoin("", {{"range", {}}, {"roundrobin", {}}}));
  std::string a = (*ja)->member_id;
  auto sa = Sync(a, 1, {});
  log_.CompleteAll();
  auto jb = Join(MakeJoin("", {{"roundrobin", {}}, {"range", {}}}));
  auto jc = Join(MakeJoin("", {{"roundrobin", {}}, {"sticky", {}}, {"range", {}}}));
  auto ja2 = Join(MakeJoin(a, {{"range", {}}, {"roundrobin", {}}}));
  ASSERT_TRUE(ja2->done());
  EXPECT_EQ((*ja2)->protocol_name, "roundrobin");
}

TEST_F(GroupCoordinatorTest, SessionTimeoutOutsideBoundsIsInvalid) {
  JoinRequest r = MakeJoin("");
  r.session_timeout_ms = 5999;
  EXPECT_EQ((*Join(r))->error, ErrorCode::kInvalidSessionTimeout);
  r.session_timeout_ms = 1800001;
  EXPECT_EQ((*Join(r))->error, ErrorCode::kInvalidSessionTimeout);
  r.session_timeout_ms = -1;
  EXPECT_EQ((*Join(r))->error, ErrorCode::kInvalidSessionTimeout);
  EXPECT_EQ(gc().StateOf("g"), std::nullopt);
}

TEST_F(GroupCoordinatorTest, EmptyGroupIdIsInvalid) {
  EXPECT_EQ((*Join(MakeJoin("", {}, "")))->error, ErrorCode::kInvalidGroupId);
  EXPECT_EQ(Heartbeat("m", 1, ""), ErrorCode::kInvalidGroupId);
  EXPECT_EQ((*Sync("m", 1, {}, ""))->error, ErrorCode::kInvalidGroupId);
  EXPECT_EQ(gc().LeaveGroup("", {{"m", std::nullopt}}).error, ErrorCode::kInvalidGroupId);
}

TEST_F(GroupCoordinatorTest, HeartbeatErrorsByState) {
  EXPECT_EQ(Heartbeat("nobody", 1), ErrorCode::kUnknownMemberId);
  auto j = Join(MakeJoin(""));
  std::string a = (*j)->member_id;
  EXPECT_EQ(Heartbeat(a, 1), ErrorCode::kNone);  // CompletingRebalance
  EXPECT_EQ(Heartbeat(a, 0), ErrorCode::kIllegalGeneration);
  EXPECT_EQ(Heartbeat("other", 1), ErrorCode::kUnknownMemberId);
  Sync(a, 1, {});
  log_.CompleteAll();
  EXPECT_EQ(Heartbeat(a, 1), ErrorCode::kNone);  // Stable
}

TEST_F(GroupCoordinatorTest, SyncGroupErrors) {
  auto [a, gen] = StableSingleMember();
  EXPECT_EQ((*Sync("ghost", gen))->error, ErrorCode::kUnknownMemberId);
  EXPECT_EQ((*Sync(a, gen + 1))->error, ErrorCode::kIllegalGeneration);
  EXPECT_EQ((*Sync(a, gen, {}, "no-such-group"))->error, ErrorCode::kUnknownMemberId);
  SyncRequest wrong;
  wrong.group_id = "g";
  wrong.member_id = a;
  wrong.generation_id = gen;
  wrong.protocol_name = "roundrobin";
  std::optional<SyncResult> got;
  gc().SyncGroup(wrong, [&](SyncResult r) { got = r; });
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->error, ErrorCode::kInconsistentGroupProtocol);
  Join(MakeJoin(""));  // PreparingRebalance
  EXPECT_EQ((*Sync(a, gen))->error, ErrorCode::kRebalanceInProgress);
}

TEST_F(GroupCoordinatorTest, SessionExpiryRemovesMemberAndRebalances) {
  auto [a, gen] = StableSingleMember();
  auto jb = Join(MakeJoin(""));
  auto ja = Join(MakeJoin(a));
  std::string b = (*jb)->member_id;
  auto sa = Sync(a, 2, {});
  auto sb = Sync(b, 2);
  log_.CompleteAll();
  ASSERT_EQ(gc().StateOf("g"), GroupState::kStable);
  // a keeps heartbeating, b goes silent.
  for (int i = 0; i < 3; ++i) {
    Advance(3000);
    EXPECT_EQ(Heartbeat(a, 2), ErrorCode::kNone);
  }
  EXPECT_EQ(gc().StateOf("g"), GroupState::kStable);
  Advance(1500);  // 10.5 s after b's last sign of life
  EXPECT_EQ(gc().StateOf("g"), GroupState::kPreparingRebalance);
  EXPECT_EQ(Heartbeat(a, 2), ErrorCode::kRebalanceInProgress);
  EXPECT_EQ(Heartbeat(b, 2), ErrorCode::kUnknownMemberId);
  auto ja3 = Join(MakeJoin(a));
  ASSERT_TRUE(ja3->done());
  EXPECT_EQ((*ja3)->generation_id, 3);
  EXPECT_EQ((*ja3)->members.size(), 1u);
}

TEST_F(GroupCoordinatorTest, HeartbeatsKeepAMemberAliveBeyondItsFirstDeadline) {
  auto [a, gen] = StableSingleMember();
  for (int i = 0; i < 10; ++i) {
    Advance(9000);
    ASSERT_EQ(Heartbeat(a, gen), ErrorCode::kNone) << i;
  }
  EXPECT_EQ(gc().StateOf("g"), GroupState::kStable);
}

TEST_F(GroupCoordinatorTest, MembersThatDoNotRejoinAreDroppedAtTheRebalanceTimeout) {
  auto [a, gen] = StableSingleMember();
  auto jb = Join(MakeJoin(""));
  EXPECT_FALSE(jb->done());
  // a keeps heartbeating (REBALANCE_IN_PROGRESS) but never rejoins.
  for (int i = 0; i < 9; ++i) {
    Advance(3000);
    EXPECT_EQ(Heartbeat(a, gen), ErrorCode::kRebalanceInProgress);
  }
  Advance(3001);  // past a's rebalance timeout of 30 s
  ASSERT_TRUE(jb->done());
  EXPECT_EQ((*jb)->generation_id, 2);
  EXPECT_EQ((*jb)->leader_id, (*jb)->member_id);
  EXPECT_EQ((*jb)->members.size(), 1u);
  EXPECT_EQ(Heartbeat(a, gen), ErrorCode::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, InitialDelayCollectsMembersIntoOneGeneration) {
  CoordinatorConfig c = DefaultConfig();
  c.initial_rebalance_delay_ms = 3000;
  Restart(c);
  auto ja = Join(MakeJoin(""));
  Advance(2000);
  auto jb = Join(MakeJoin(""));
  Advance(1500);  // the first delay ended, but b arrived during it: wait once more
  EXPECT_FALSE(ja->done());
  auto jc = Join(MakeJoin(""));
  Advance(3000);  // c arrived during the second delay: a third one
  EXPECT_FALSE(ja->done());
  Advance(3000);
  ASSERT_TRUE(ja->done());
  ASSERT_TRUE(jb->done());
  ASSERT_TRUE(jc->done());
  EXPECT_EQ((*ja)->generation_id, 1);
  EXPECT_EQ((*jc)->generation_id, 1);
  EXPECT_EQ((*ja)->members.size(), 3u);
}

TEST_F(GroupCoordinatorTest, LeaveGroupRebalancesAndTheLastLeaveEmptiesTheGroup) {
  auto [a, gen] = StableSingleMember();
  auto jb = Join(MakeJoin(""));
  auto ja = Join(MakeJoin(a));
  std::string b = (*jb)->member_id;
  Sync(a, 2, {});
  Sync(b, 2);
  log_.CompleteAll();
  LeaveResult r = gc().LeaveGroup("g", {{b, std::nullopt}, {"nobody", std::nullopt}});
  EXPECT_EQ(r.error, ErrorCode::kNone);
  ASSERT_EQ(r.members.size(), 2u);
  EXPECT_EQ(r.members[0], ErrorCode::kNone);
  EXPECT_EQ(r.members[1], ErrorCode::kUnknownMemberId);
  EXPECT_EQ(gc().StateOf("g"), GroupState::kPreparingRebalance);
  r = gc().LeaveGroup("g", {{a, std::nullopt}});
  EXPECT_EQ(r.members[0], ErrorCode::kNone);
  EXPECT_EQ(gc().StateOf("g"), GroupState::kEmpty);
  EXPECT_EQ(gc().GenerationOf("g"), 3);
  EXPECT_EQ(gc().LeaveGroup("nope", {{a, std::nullopt}}).members[0], ErrorCode::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, LeaderLeavingHandsLeadershipToARejoinedMember) {
  auto [a, gen] = StableSingleMember();
  auto jb = Join(MakeJoin(""));
  auto ja = Join(MakeJoin(a));
  ASSERT_TRUE(ja->done());
  // The leader a leaves; b rejoins and completes the next generation as leader.
  std::string b = (*jb)->member_id;
  auto sa = Sync(a, 2, {});
  log_.CompleteAll();
  gc().LeaveGroup("g", {{a, std::nullopt}});
  auto jb2 = Join(MakeJoin(b));
  ASSERT_TRUE(jb2->done());
  EXPECT_EQ((*jb2)->leader_id, b);
  EXPECT_EQ((*jb2)->generation_id, 3);
}

TEST_F(GroupCoordinatorTest, LeaderRejoiningAStableGroupForcesARebalance) {
  auto [a, gen] = StableSingleMember();
  auto ja = Join(MakeJoin(a));
  ASSERT_TRUE(ja->done());
  EXPECT_EQ((*ja)->generation_id, gen + 1);
}

TEST_F(GroupCoordinatorTest, FollowerRejoiningUnchangedGetsTheCurrentGeneration) {
  auto [a, gen] = StableSingleMember();
  auto jb = Join(MakeJoin(""));
  Join(MakeJoin(a));
  std::string b = (*jb)->member_id;
  Sync(a, 2, {});
  Sync(b, 2);
  log_.CompleteAll();
  auto again = Join(MakeJoin(b));
  ASSERT_TRUE(again->done());
  EXPECT_EQ((*again)->generation_id, 2);
  EXPECT_EQ(gc().StateOf("g"), GroupState::kStable);
}

TEST_F(GroupCoordinatorTest, DuplicateJoinWhileHeldAnswersTheFirst) {
  auto [a, gen] = StableSingleMember();
  auto jb = Join(MakeJoin(""));
  std::string b_id;
  auto ja1 = Join(MakeJoin(a));
  ASSERT_TRUE(ja1->done());
  // Rebalance again: b joins-held; then b sends a second JoinGroup.
  b_id = (*jb)->member_id;
  Sync(a, 2, {});
  Sync(b_id, 2);
  log_.CompleteAll();
  auto first = Join(MakeJoin(b_id, {{"range", Bytes("changed")}}));
  EXPECT_FALSE(first->done());
  auto second = Join(MakeJoin(b_id, {{"range", Bytes("changed")}}));
  ASSERT_TRUE(first->done());
  EXPECT_EQ((*first)->error, ErrorCode::kRebalanceInProgress);
  EXPECT_FALSE(second->done());
}

TEST_F(GroupCoordinatorTest, GroupMaxSizeRejectsNewMembers) {
  CoordinatorConfig c = DefaultConfig();
  c.max_group_size = 1;
  Restart(c);
  StableSingleMember();
  auto j = Join(MakeJoin(""));
  ASSERT_TRUE(j->done());
  EXPECT_EQ((*j)->error, ErrorCode::kGroupMaxSizeReached);
}

TEST_F(GroupCoordinatorTest, FailedAssignmentStoreSendsMembersBackToJoin) {
  auto j = Join(MakeJoin(""));
  std::string a = (*j)->member_id;
  auto s = Sync(a, 1, {{a, Bytes("x")}});
  log_.CompleteAll(Status(ErrorCode::kKafkaStorageError, "disk"));
  ASSERT_TRUE(s->done());
  EXPECT_EQ((*s)->error, ErrorCode::kNotCoordinator);
  EXPECT_EQ(gc().StateOf("g"), GroupState::kPreparingRebalance);
}

TEST_F(GroupCoordinatorTest, ANewMemberStuckInJoinIsDroppedAfterTheJoinTimeout) {
  // a's long rebalance timeout keeps the join open longer than a new member may wait.
  JoinRequest ra = MakeJoin("");
  ra.session_timeout_ms = 1800000;
  ra.rebalance_timeout_ms = 600000;
  auto ja = Join(ra);
  std::string a = (*ja)->member_id;
  Sync(a, 1, {});
  log_.CompleteAll();
  auto jb = Join(MakeJoin(""));
  Advance(config_.new_member_join_timeout_ms - 1);
  EXPECT_FALSE(jb->done());
  Advance(2);
  ASSERT_TRUE(jb->done());
  EXPECT_EQ((*jb)->error, ErrorCode::kUnknownMemberId);
  EXPECT_EQ(gc().StateOf("g"), GroupState::kPreparingRebalance);
}

}  // namespace
}  // namespace gregor::group::testing
