#include "base/config.h"

#include <gtest/gtest.h>

namespace gregor {
namespace {

const std::vector<ConfigDef>& Defs() {
  static const std::vector<ConfigDef> defs = {
      {"num.partitions", ConfigType::kInt, "1", "", 1, 100},
      {"auto.create.topics.enable", ConfigType::kBool, "true", ""},
      {"cleanup.policy", ConfigType::kList, "delete", "", {}, {}, {"delete", "compact"}},
      {"retention.ms", ConfigType::kLong, "604800000", "", -1, {}},
  };
  return defs;
}

TEST(ConfigSetTest, DefaultsApplyUntilSet) {
  ConfigSet set(Defs());
  EXPECT_EQ(set.GetInt("num.partitions"), 1);
  EXPECT_EQ(set.SourceOf("num.partitions"), ConfigSource::kDefault);
  ASSERT_TRUE(set.Set("num.partitions", " 6 ", ConfigSource::kFlag).ok());
  EXPECT_EQ(set.GetInt("num.partitions"), 6);
  EXPECT_EQ(set.SourceOf("num.partitions"), ConfigSource::kFlag);
}

TEST(ConfigSetTest, UnknownKeyIsNamedInError) {
  ConfigSet set(Defs());
  Status s = set.Set("no.such.key", "1", ConfigSource::kFlag);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidConfig);
  EXPECT_NE(s.message().find("no.such.key"), std::string::npos);
}

TEST(ConfigSetTest, BadValuesRejected) {
  ConfigSet set(Defs());
  EXPECT_FALSE(set.Set("num.partitions", "abc", ConfigSource::kFlag).ok());
  EXPECT_FALSE(set.Set("num.partitions", "0", ConfigSource::kFlag).ok());
  EXPECT_FALSE(set.Set("num.partitions", "101", ConfigSource::kFlag).ok());
  EXPECT_FALSE(set.Set("auto.create.topics.enable", "yes", ConfigSource::kFlag).ok());
  EXPECT_FALSE(set.Set("cleanup.policy", "delete,shred", ConfigSource::kFlag).ok());
  EXPECT_TRUE(set.Set("cleanup.policy", "compact, delete", ConfigSource::kFlag).ok());
  EXPECT_EQ(set.GetString("cleanup.policy"), "compact,delete");
  EXPECT_FALSE(set.Set("retention.ms", "-2", ConfigSource::kFlag).ok());
}

TEST(DurationTest, SuffixesAndPlainMilliseconds) {
  EXPECT_EQ(*ParseDurationMs("7d"), 604800000);
  EXPECT_EQ(*ParseDurationMs("12h"), 43200000);
  EXPECT_EQ(*ParseDurationMs("30m"), 1800000);
  EXPECT_EQ(*ParseDurationMs("45s"), 45000);
  EXPECT_EQ(*ParseDurationMs("250ms"), 250);
  EXPECT_EQ(*ParseDurationMs("1000"), 1000);
  EXPECT_FALSE(ParseDurationMs("7 weeks").ok());
  EXPECT_FALSE(ParseDurationMs("d").ok());
}

}  // namespace
}  // namespace gregor
