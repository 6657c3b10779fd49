// ComputeLag, the consumer-protocol subscription reader and the group -> partition map.

#include "group/lag.h"

#include <gtest/gtest.h>

#include "group/consumer_protocol.h"
#include "test_util.h"

namespace gregor::group::testing {
namespace {

TEST(LagTest, LagIsLogEndMinusCommitted) {
  std::vector<std::pair<TopicPartition, CommittedOffset>> committed = {
      {{"t", PartitionId(0)}, {Offset(90)}},
      {{"t", PartitionId(1)}, {Offset(120)}},  // beyond the end: the log was truncated
      {{"gone", PartitionId(0)}, {Offset(5)}},
      {{"t", PartitionId(2)}, {Offset(-1)}},
  };
  auto lag = ComputeLag(committed, [](const TopicPartition& tp) -> std::optional<Offset> {
    if (tp.topic == "gone") return std::nullopt;
    return Offset(100);
  });
  ASSERT_EQ(lag.size(), 4u);
  EXPECT_EQ(lag[0].lag, 10);
  EXPECT_EQ(lag[0].log_end, Offset(100));
  EXPECT_EQ(lag[1].lag, 0);
  EXPECT_EQ(lag[2].lag, -1);
  EXPECT_EQ(lag[2].log_end, Offset(-1));
  EXPECT_EQ(lag[3].lag, -1);
}

TEST(ConsumerProtocolTest, SubscribedTopicsOfEveryMember) {
  Group g("g", 0);
  auto member = [](std::string id, std::vector<uint8_t> metadata) {
    Member m;
    m.id = std::move(id);
    m.protocol_type = "consumer";
    m.protocols = {{"range", std::move(metadata)}};
    return m;
  };
  // v1 subscriptions: version 1, topics, user data (null), owned partitions (empty).
  g.Add(member("a", {0, 1, 0, 0, 0, 1, 0, 1, 'x', 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}));
  g.Add(member("b", {0, 1, 0, 0, 0, 2, 0, 1, 'y', 0, 1, 'x', 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}));
  g.TransitionTo(GroupState::kPreparingRebalance, 0);
  g.InitNextGeneration(0);
  auto topics = SubscribedTopics(g);
  ASSERT_TRUE(topics.has_value());
  EXPECT_EQ(*topics, (std::set<std::string>{"x", "y"}));
  g.Add(member("c", {0, 1, 0, 0}));  // truncated
  EXPECT_EQ(SubscribedTopics(g), std::nullopt);
}

TEST(PartitionForStandaloneTest, MatchesKafkasJavaHashCode) {
  // Expected values computed from Java's String.hashCode: abs(hash) % 50.
  ManualClock clock;
  MemoryLog log(50);
  GroupCoordinator gc({}, log, clock);
  EXPECT_EQ(gc.PartitionFor("my-group"), 12);             // hash -1906497762
  EXPECT_EQ(gc.PartitionFor("test-consumer-group"), 31);  // hash -1793216381
  EXPECT_EQ(gc.PartitionFor(""), 0);
  EXPECT_EQ(gc.PartitionFor("g"), 3);
  EXPECT_EQ(gc.PartitionFor("console-consumer-12345"), 6);
  EXPECT_EQ(gc.PartitionFor("gr\xc3\xbcppe"), 12);           // U+00FC: one UTF-16 unit
  EXPECT_EQ(gc.PartitionFor("\xf0\x9f\x98\x80-group"), 43);  // U+1F600: a surrogate pair
}

}  // namespace
}  // namespace gregor::group::testing
