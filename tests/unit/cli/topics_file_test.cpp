#include "cli/topics_file.h"

#include <gtest/gtest.h>

namespace gregor::cli {
namespace {

Result<std::vector<TopicSpec>> Parse(std::string_view yaml) {
  return ParseTopicsFile(yaml, "topics.yaml");
}

TEST(TopicsFileTest, ParsesTheShapeTeamsWrite) {
  auto r = Parse(R"(
topics:
  - name: user.authenticated
    partitions: 6
    replication-factor: 3
    retention: 7d
  - name: user.profiles
    config:
      cleanup.policy: compact
      min.insync.replicas: 2
)");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  const TopicSpec& a = (*r)[0];
  EXPECT_EQ(a.name, "user.authenticated");
  EXPECT_EQ(a.partitions, 6);
  EXPECT_EQ(a.replication_factor, 3);
  EXPECT_EQ(a.configs, (std::map<std::string, std::string>{{"retention.ms", "604800000"}}));
  const TopicSpec& b = (*r)[1];
  EXPECT_EQ(b.partitions, -1);
  EXPECT_EQ(b.replication_factor, -1);
  EXPECT_EQ(b.configs.at("cleanup.policy"), "compact");
  EXPECT_EQ(b.configs.at("min.insync.replicas"), "2");
}

TEST(TopicsFileTest, DefaultsApplyToEveryTopicAndTopicsOverrideThem) {
  auto r = Parse(R"(
defaults:
  partitions: 3
  replication-factor: 3
  config: {compression.type: zstd}
topics:
  - name: a
  - name: b
    partitions: 12
    config: {compression.type: lz4}
)");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[0].partitions, 3);
  EXPECT_EQ((*r)[0].replication_factor, 3);
  EXPECT_EQ((*r)[0].configs.at("compression.type"), "zstd");
  EXPECT_EQ((*r)[1].partitions, 12);
  EXPECT_EQ((*r)[1].configs.at("compression.type"), "lz4");
}

TEST(TopicsFileTest, RetentionUnits) {
  EXPECT_EQ(*ParseRetention("604800000"), "604800000");
  EXPECT_EQ(*ParseRetention("7d"), "604800000");
  EXPECT_EQ(*ParseRetention("12h"), "43200000");
  EXPECT_EQ(*ParseRetention("30m"), "1800000");
  EXPECT_EQ(*ParseRetention("45s"), "45000");
  EXPECT_EQ(*ParseRetention("500ms"), "500");
  EXPECT_EQ(*ParseRetention("-1"), "-1");
  EXPECT_EQ(*ParseRetention("forever"), "-1");
  EXPECT_EQ(ParseRetention("7 days").status().code(), ErrorCode::kInvalidConfig);
  EXPECT_EQ(ParseRetention("-5").status().code(), ErrorCode::kInvalidConfig);
  EXPECT_EQ(ParseRetention("").status().code(), ErrorCode::kInvalidConfig);
}

TEST(TopicsFileTest, MsConfigsAcceptDurationsAndValuesAreNormalised) {
  auto r = Parse(R"(
topics:
  - name: t
    config:
      segment.ms: 10m
      preallocate: True
      cleanup.policy: [compact, delete]
      message.timestamp.type: LogAppendTime
)");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& c = (*r)[0].configs;
  EXPECT_EQ(c.at("segment.ms"), "600000");
  EXPECT_EQ(c.at("preallocate"), "true");
  EXPECT_EQ(c.at("cleanup.policy"), "compact,delete");
  EXPECT_EQ(c.at("message.timestamp.type"), "LogAppendTime");
  EXPECT_EQ(NormalizeConfigValue("cleanup.policy", " compact , delete "), "compact,delete");
}

TEST(TopicsFileTest, ErrorsNameTheLine) {
  auto r = Parse("topics:\n  - name: a\n    partitons: 3\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidConfig);
  EXPECT_NE(r.status().message().find("topics.yaml:3"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("partitons"), std::string::npos);
}

TEST(TopicsFileTest, Rejects) {
  for (const char* yaml : {
           "topics: [{name: a}, {name: a}]",                                 // listed twice
           "topics: [{partitions: 3}]",                                      // no name
           "topics: [{name: a, partitions: 0}]",                             // not positive
           "topics: [{name: a, partitions: many}]",                          // not a number
           "topics: [{name: a, replication-factor: -1}]",                    // not positive
           "topics: [{name: a, retention: soon}]",                           // bad duration
           "topics: [{name: a, retention: 1d, config: {retention.ms: 5}}]",  // twice
           "topics: [{name: a, config: [x]}]",                               // config not a map
           "topics: {name: a}",                                              // not a list
           "topic: []",            // unknown top-level key
           "topics: [{name: a\n",  // malformed YAML
           "- a\n- b\n",           // not a map
       }) {
    auto r = Parse(yaml);
    EXPECT_FALSE(r.ok()) << yaml;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), ErrorCode::kInvalidConfig) << yaml;
    }
  }
}

TEST(TopicsFileTest, EmptyFileHasNoTopics) {
  auto r = Parse("topics: []\n");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

}  // namespace
}  // namespace gregor::cli
