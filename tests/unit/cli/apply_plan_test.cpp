#include "cli/apply_plan.h"

#include <gtest/gtest.h>

namespace gregor::cli {
namespace {

TopicSpec Spec(std::string name, int32_t partitions, int32_t rf,
               std::map<std::string, std::string> configs = {}) {
  return {std::move(name), partitions, rf, std::move(configs)};
}

CurrentTopic Current(int32_t partitions, std::map<std::string, std::string> overrides = {},
                     std::map<std::string, std::string> effective = {}) {
  CurrentTopic c{partitions, 1, overrides, effective};
  for (const auto& [k, v] : overrides) c.effective[k] = v;
  return c;
}

TEST(ApplyPlanTest, CreatesMissingTopicsAndClampsReplicationFactor) {
  auto plan =
      PlanApply({Spec("a", 6, 3, {{"retention.ms", "1000"}}), Spec("b", -1, -1)}, {}, 1, false);
  ASSERT_EQ(plan.changes.size(), 2u);
  EXPECT_EQ(plan.changes[0].kind, ChangeKind::kCreate);
  ASSERT_EQ(plan.creates.size(), 2u);
  EXPECT_EQ(plan.creates[0].partitions, 6);
  EXPECT_EQ(plan.creates[0].replication_factor, 1);
  EXPECT_EQ(plan.creates[0].configs.at("retention.ms"), "1000");
  EXPECT_EQ(plan.creates[1].partitions, -1);
  EXPECT_EQ(plan.creates[1].replication_factor, -1);
  ASSERT_EQ(plan.warnings.size(), 1u);
  EXPECT_NE(plan.warnings[0].find("replication-factor 3"), std::string::npos);
  EXPECT_NE(plan.warnings[0].find("using 1"), std::string::npos);
}

TEST(ApplyPlanTest, ReplicationFactorWithinClusterIsKept) {
  auto plan = PlanApply({Spec("a", 1, 3)}, {}, 3, false);
  EXPECT_EQ(plan.creates[0].replication_factor, 3);
  EXPECT_TRUE(plan.warnings.empty());
}

TEST(ApplyPlanTest, UpToDateTopicIsUnchanged) {
  auto plan = PlanApply({Spec("a", 3, 1, {{"retention.ms", "1000"}})},
                        {{"a", Current(3, {{"retention.ms", "1000"}})}}, 1, false);
  EXPECT_TRUE(plan.changes.empty());
  EXPECT_EQ(plan.unchanged_topics, 1);
}

TEST(ApplyPlanTest, ValueEqualToDefaultNeedsNoOverride) {
  auto plan = PlanApply({Spec("a", -1, -1, {{"cleanup.policy", "delete"}})},
                        {{"a", Current(3, {}, {{"cleanup.policy", "delete"}})}}, 1, false);
  EXPECT_TRUE(plan.changes.empty());
}

TEST(ApplyPlanTest, GrowsButNeverShrinks) {
  auto plan = PlanApply({Spec("a", 6, -1), Spec("b", 2, -1)},
                        {{"a", Current(3)}, {"b", Current(4)}}, 1, false);
  ASSERT_EQ(plan.changes.size(), 1u);
  EXPECT_EQ(plan.changes[0].kind, ChangeKind::kGrow);
  EXPECT_EQ(plan.grows, (std::vector<std::pair<std::string, int32_t>>{{"a", 6}}));
  ASSERT_EQ(plan.warnings.size(), 1u);
  EXPECT_NE(plan.warnings[0].find("cannot be removed"), std::string::npos);
}

TEST(ApplyPlanTest, AlignsConfigs) {
  auto plan = PlanApply({Spec("a", -1, -1, {{"retention.ms", "2000"}, {"segment.ms", "60000"}})},
                        {{"a", Current(1, {{"retention.ms", "1000"}, {"cleanup.policy", "compact"}},
                                       {{"segment.ms", "604800000"}})}},
                        1, false);
  ASSERT_EQ(plan.changes.size(), 3u);
  EXPECT_EQ(plan.changes[0].kind, ChangeKind::kSetConfig);
  EXPECT_EQ(plan.changes[0].config, "retention.ms");
  EXPECT_EQ(plan.changes[0].from, "1000");
  EXPECT_EQ(plan.changes[0].to, "2000");
  EXPECT_EQ(plan.changes[1].config, "segment.ms");
  EXPECT_EQ(plan.changes[2].kind, ChangeKind::kResetConfig);
  EXPECT_EQ(plan.changes[2].config, "cleanup.policy");
  // AlterConfigs replaces every override: the complete desired set is sent.
  ASSERT_EQ(plan.config_updates.size(), 1u);
  EXPECT_EQ(plan.config_updates[0].second, (std::map<std::string, std::string>{
                                               {"retention.ms", "2000"}, {"segment.ms", "60000"}}));
  EXPECT_EQ(DescribeChange(plan.changes[0]), "retention.ms 1000 -> 2000");
  EXPECT_EQ(DescribeChange(plan.changes[2]), "cleanup.policy compact -> (default)");
}

TEST(ApplyPlanTest, PruneDeletesOnlyUnlistedNonInternalTopics) {
  std::map<std::string, CurrentTopic> current = {{"a", Current(1)},
                                                 {"old", Current(1)},
                                                 {"__consumer_offsets", Current(50)},
                                                 {"_schemas", Current(1)}};
  auto plan = PlanApply({Spec("a", -1, -1)}, current, 1, false);
  EXPECT_TRUE(plan.changes.empty());
  plan = PlanApply({Spec("a", -1, -1)}, current, 1, true);
  ASSERT_EQ(plan.changes.size(), 1u);
  EXPECT_EQ(plan.changes[0].kind, ChangeKind::kDelete);
  EXPECT_EQ(plan.deletes, std::vector<std::string>{"old"});
}

TEST(ApplyPlanTest, ChangesAreOrderedCreateGrowConfigDelete) {
  auto plan = PlanApply({Spec("z-new", 1, -1), Spec("a", 2, -1, {{"retention.ms", "5"}})},
                        {{"a", Current(1)}, {"gone", Current(1)}}, 1, true);
  ASSERT_EQ(plan.changes.size(), 4u);
  EXPECT_EQ(plan.changes[0].kind, ChangeKind::kCreate);
  EXPECT_EQ(plan.changes[1].kind, ChangeKind::kGrow);
  EXPECT_EQ(plan.changes[2].kind, ChangeKind::kSetConfig);
  EXPECT_EQ(plan.changes[3].kind, ChangeKind::kDelete);
}

TEST(ApplyPlanTest, ExistingReplicationFactorMismatchIsAWarning) {
  CurrentTopic c = Current(1);
  c.replication_factor = 1;
  auto plan = PlanApply({Spec("a", -1, 2)}, {{"a", c}}, 3, false);
  EXPECT_TRUE(plan.changes.empty());
  ASSERT_EQ(plan.warnings.size(), 1u);
  EXPECT_NE(plan.warnings[0].find("does not change it"), std::string::npos);
}

}  // namespace
}  // namespace gregor::cli
