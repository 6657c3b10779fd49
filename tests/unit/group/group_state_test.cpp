#include "group/group_state.h"

#include <gtest/gtest.h>

#include "group/group.h"

namespace gregor::group {
namespace {

using S = GroupState;

TEST(GroupStateTest, TransitionsFollowKafkasTable) {
  const S all[] = {S::kEmpty, S::kPreparingRebalance, S::kCompletingRebalance, S::kStable,
                   S::kDead};
  for (S from : all) {
    EXPECT_EQ(IsValidTransition(from, S::kPreparingRebalance),
              from == S::kEmpty || from == S::kCompletingRebalance || from == S::kStable)
        << GroupStateName(from);
    EXPECT_EQ(IsValidTransition(from, S::kCompletingRebalance), from == S::kPreparingRebalance)
        << GroupStateName(from);
    EXPECT_EQ(IsValidTransition(from, S::kStable), from == S::kCompletingRebalance)
        << GroupStateName(from);
    EXPECT_EQ(IsValidTransition(from, S::kEmpty), from == S::kPreparingRebalance)
        << GroupStateName(from);
    EXPECT_TRUE(IsValidTransition(from, S::kDead)) << GroupStateName(from);
  }
}

TEST(GroupStateTest, NamesAreKafkasAndParseCaseInsensitively) {
  EXPECT_EQ(GroupStateName(S::kCompletingRebalance), "CompletingRebalance");
  EXPECT_EQ(ParseGroupState("stable"), S::kStable);
  EXPECT_EQ(ParseGroupState("PREPARINGREBALANCE"), S::kPreparingRebalance);
  EXPECT_EQ(ParseGroupState("Empty"), S::kEmpty);
  EXPECT_EQ(ParseGroupState("AwaitingSync"), std::nullopt);
  EXPECT_EQ(ParseGroupState(""), std::nullopt);
}

TEST(GroupStateTest, ABadTransitionIsABug) {
  EXPECT_DEATH(
      {
        Group g("g", 0);
        g.TransitionTo(S::kStable, 1);
      },
      "CHECK failed");
}

}  // namespace
}  // namespace gregor::group
