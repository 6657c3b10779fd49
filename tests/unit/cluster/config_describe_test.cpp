#include "cluster/config_describe.h"

#include <gtest/gtest.h>

#include "cluster/topic_config.h"

namespace gregor::cluster {
namespace {

// A broker config table with the synonyms the topic configs refer to.
const std::vector<ConfigDef>& BrokerDefs() {
  static const std::vector<ConfigDef> defs = {
      {"log.retention.ms", ConfigType::kLong, "604800000", "Time retention.", -1, {}},
      {"log.segment.bytes", ConfigType::kInt, "1073741824", "Segment size.", 14, {}},
      {"sasl.password", ConfigType::kPassword, "", "A secret."},
      {"num.partitions", ConfigType::kInt, "1", "Partitions.", 1, {}},
  };
  return defs;
}

const DescribedConfig& Get(const std::vector<DescribedConfig>& all, std::string_view name) {
  for (const auto& c : all) {
    if (c.name == name) return c;
  }
  static DescribedConfig none;
  ADD_FAILURE() << "no config " << name;
  return none;
}

TEST(ConfigDescribeTest, EveryTopicConfigIsListedSortedWithTypeAndDoc) {
  ConfigSet broker(BrokerDefs());
  auto all = DescribeTopicConfigs(broker, {});
  EXPECT_EQ(all.size(), TopicConfigDefs().size());
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].name, all[i].name);
  for (const auto& c : all) {
    EXPECT_FALSE(c.doc.empty()) << c.name;
    EXPECT_NE(c.type, KafkaConfigType::kUnknown) << c.name;
    EXPECT_FALSE(c.read_only) << c.name;
    ASSERT_FALSE(c.synonyms.empty()) << c.name;
    EXPECT_EQ(c.value, c.synonyms.front().value) << c.name;
  }
  EXPECT_EQ(Get(all, "retention.ms").type, KafkaConfigType::kLong);
  EXPECT_EQ(Get(all, "cleanup.policy").type, KafkaConfigType::kList);
}

TEST(ConfigDescribeTest, DefaultComesFromBrokerSynonym) {
  ConfigSet broker(BrokerDefs());
  const auto c = Get(DescribeTopicConfigs(broker, {}), "retention.ms");
  EXPECT_EQ(c.value, "604800000");
  EXPECT_EQ(c.source, KafkaConfigSource::kDefault);
  ASSERT_EQ(c.synonyms.size(), 1u);
  EXPECT_EQ(c.synonyms[0].name, "log.retention.ms");
}

TEST(ConfigDescribeTest, StaticBrokerValueIsTheSource) {
  ConfigSet broker(BrokerDefs());
  ASSERT_TRUE(broker.Set("log.retention.ms", "1000", ConfigSource::kFile).ok());
  const auto c = Get(DescribeTopicConfigs(broker, {}), "retention.ms");
  EXPECT_EQ(c.value, "1000");
  EXPECT_EQ(c.source, KafkaConfigSource::kStaticBroker);
  ASSERT_EQ(c.synonyms.size(), 2u);
  EXPECT_EQ(c.synonyms[1].source, KafkaConfigSource::kDefault);
}

TEST(ConfigDescribeTest, OverrideWinsAndListsAllSynonyms) {
  ConfigSet broker(BrokerDefs());
  ASSERT_TRUE(broker.Set("log.retention.ms", "1000", ConfigSource::kFlag).ok());
  const auto c = Get(DescribeTopicConfigs(broker, {{"retention.ms", "5"}}), "retention.ms");
  EXPECT_EQ(c.value, "5");
  EXPECT_EQ(c.source, KafkaConfigSource::kDynamicTopic);
  ASSERT_EQ(c.synonyms.size(), 3u);
  EXPECT_EQ(c.synonyms[0].name, "retention.ms");
  EXPECT_EQ(c.synonyms[1].value, "1000");
  EXPECT_EQ(c.synonyms[2].value, "604800000");
}

TEST(ConfigDescribeTest, ConfigWithoutBrokerSynonymUsesKafkaDefault) {
  ConfigSet broker(BrokerDefs());
  const auto c = Get(DescribeTopicConfigs(broker, {}), "min.compaction.lag.ms");
  EXPECT_EQ(c.value, "0");
  EXPECT_EQ(c.source, KafkaConfigSource::kDefault);
}

TEST(ConfigDescribeTest, BrokerConfigsAreReadOnlyAndPasswordsWithheld) {
  ConfigSet broker(BrokerDefs());
  ASSERT_TRUE(broker.Set("sasl.password", "hunter2", ConfigSource::kFile).ok());
  ASSERT_TRUE(broker.Set("num.partitions", "3", ConfigSource::kEnvironment).ok());
  auto all = DescribeBrokerConfigs(broker);
  EXPECT_EQ(all.size(), BrokerDefs().size());
  const auto secret = Get(all, "sasl.password");
  EXPECT_TRUE(secret.sensitive);
  EXPECT_FALSE(secret.value.has_value());
  for (const auto& s : secret.synonyms) EXPECT_FALSE(s.value.has_value());
  const auto parts = Get(all, "num.partitions");
  EXPECT_TRUE(parts.read_only);
  EXPECT_EQ(parts.value, "3");
  EXPECT_EQ(parts.source, KafkaConfigSource::kStaticBroker);
}

}  // namespace
}  // namespace gregor::cluster
