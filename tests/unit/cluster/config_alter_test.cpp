#include "cluster/config_alter.h"

#include <gtest/gtest.h>

namespace gregor::cluster {
namespace {

using Map = std::map<std::string, std::string>;

Result<Map> Apply(const Map& current, std::vector<ConfigChange> changes,
                  const Map& effective = {}) {
  return ApplyIncrementalConfigChanges(current, changes, effective);
}

TEST(ConfigAlterTest, SetAddsAndDeleteRemovesOverrides) {
  auto r =
      Apply({{"retention.ms", "1000"}}, {{"segment.bytes", AlterConfigOp::kSet, "1048576"},
                                         {"retention.ms", AlterConfigOp::kDelete, std::nullopt}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (Map{{"segment.bytes", "1048576"}}));
}

TEST(ConfigAlterTest, SetNormalisesValues) {
  auto r = Apply({}, {{"preallocate", AlterConfigOp::kSet, " TRUE "},
                      {"cleanup.policy", AlterConfigOp::kSet, "compact, delete"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->at("preallocate"), "true");
  EXPECT_EQ(r->at("cleanup.policy"), "compact,delete");
}

TEST(ConfigAlterTest, UnknownNameIsInvalidConfig) {
  auto r = Apply({}, {{"retention.mss", AlterConfigOp::kSet, "1"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidConfig);
  EXPECT_NE(r.status().message().find("retention.mss"), std::string::npos);
}

TEST(ConfigAlterTest, BadValueIsInvalidConfig) {
  for (auto [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"retention.ms", "soon"},
                                                        {"retention.ms", "-5"},
                                                        {"cleanup.policy", "forever"},
                                                        {"message.timestamp.type", "WallClock"},
                                                        {"min.cleanable.dirty.ratio", "1.5"},
                                                        {"segment.bytes", "3000000000"}}) {
    auto r = Apply({}, {{name, AlterConfigOp::kSet, value}});
    ASSERT_FALSE(r.ok()) << name << "=" << value;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidConfig) << name;
  }
}

TEST(ConfigAlterTest, NullSetIsInvalidConfig) {
  auto r = Apply({}, {{"retention.ms", AlterConfigOp::kSet, std::nullopt}});
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidConfig);
}

TEST(ConfigAlterTest, NameTwiceIsInvalidRequest) {
  auto r = Apply({}, {{"retention.ms", AlterConfigOp::kSet, "1"},
                      {"retention.ms", AlterConfigOp::kDelete, std::nullopt}});
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidRequest);
}

TEST(ConfigAlterTest, AppendStartsFromEffectiveValue) {
  auto r = Apply({}, {{"cleanup.policy", AlterConfigOp::kAppend, "compact"}},
                 {{"cleanup.policy", "delete"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->at("cleanup.policy"), "delete,compact");
  // Appending a present value changes nothing.
  r = Apply({{"cleanup.policy", "delete,compact"}},
            {{"cleanup.policy", AlterConfigOp::kAppend, "delete"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("cleanup.policy"), "delete,compact");
}

TEST(ConfigAlterTest, SubtractRemovesListItems) {
  auto r = Apply({{"cleanup.policy", "delete,compact"}},
                 {{"cleanup.policy", AlterConfigOp::kSubtract, "delete"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->at("cleanup.policy"), "compact");
}

TEST(ConfigAlterTest, AppendToNonListIsInvalidConfig) {
  auto r = Apply({}, {{"retention.ms", AlterConfigOp::kAppend, "1"}});
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidConfig);
}

TEST(ConfigAlterTest, UnknownOperationIsInvalidRequest) {
  auto r = Apply({}, {{"retention.ms", static_cast<AlterConfigOp>(7), "1"}});
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidRequest);
}

TEST(ConfigAlterTest, ConflictingCompactionLagsAreInvalidConfig) {
  auto r = Apply({}, {{"min.compaction.lag.ms", AlterConfigOp::kSet, "1000"},
                      {"max.compaction.lag.ms", AlterConfigOp::kSet, "10"}});
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidConfig);
}

TEST(ConfigAlterTest, RemoteStorageIsRefused) {
  auto r = Apply({}, {{"remote.storage.enable", AlterConfigOp::kSet, "true"}});
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidConfig);
  EXPECT_TRUE(Apply({}, {{"remote.storage.enable", AlterConfigOp::kSet, "false"}}).ok());
}

TEST(ConfigAlterTest, ReplaceKeepsOnlyNonNullEntries) {
  auto r = ReplaceConfigs({{"retention.ms", "5000"}, {"segment.bytes", std::nullopt}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (Map{{"retention.ms", "5000"}}));
  EXPECT_EQ(ReplaceConfigs({{"retention.ms", "1"}, {"retention.ms", "2"}}).status().code(),
            ErrorCode::kInvalidRequest);
  EXPECT_EQ(ReplaceConfigs({{"nope", "1"}}).status().code(), ErrorCode::kInvalidConfig);
}

}  // namespace
}  // namespace gregor::cluster
