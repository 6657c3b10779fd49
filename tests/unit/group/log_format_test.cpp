#include "group/log_format.h"

#include <gtest/gtest.h>

namespace gregor::group {
namespace {

TEST(LogFormatTest, OffsetKeyAndValueRoundTrip) {
  OffsetKey key{"grp", {"topic", PartitionId(7)}};
  auto decoded = DecodeKey(EncodeOffsetKey(key));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  const auto* k = std::get_if<OffsetKey>(&*decoded);
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->group, "grp");
  EXPECT_EQ(k->partition, key.partition);

  CommittedOffset v{Offset(12345), LeaderEpoch(4), "meta", 1700000000000};
  auto back = DecodeOffsetValue(EncodeOffsetValue(v));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->offset, v.offset);
  EXPECT_EQ(back->leader_epoch, v.leader_epoch);
  EXPECT_EQ(back->metadata, "meta");
  EXPECT_EQ(back->commit_timestamp_ms, v.commit_timestamp_ms);
}

TEST(LogFormatTest, OffsetLayoutIsKafkas) {
  // Key v1: version, group, topic, partition.
  std::vector<uint8_t> key = EncodeOffsetKey({"g", {"t", PartitionId(2)}});
  EXPECT_EQ(key, (std::vector<uint8_t>{0, 1, 0, 1, 'g', 0, 1, 't', 0, 0, 0, 2}));
  // Value v3: version, offset, leader epoch, metadata, commit timestamp.
  std::vector<uint8_t> value = EncodeOffsetValue({Offset(5), LeaderEpoch(-1), "", 9});
  EXPECT_EQ(value, (std::vector<uint8_t>{0,    3,    0, 0, 0, 0, 0, 0, 0, 5, 0xff, 0xff,
                                         0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0,    9}));
}

TEST(LogFormatTest, OlderOffsetValueVersionsDecode) {
  // v1: offset, metadata, commit timestamp, expire timestamp (no leader epoch).
  std::vector<uint8_t> v1 = {0, 1, 0, 0, 0, 0, 0, 0, 0, 8, 0, 2, 'h', 'i', 0,
                             0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0,   0,   4};
  auto d = DecodeOffsetValue(v1);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->offset, Offset(8));
  EXPECT_EQ(d->leader_epoch, LeaderEpoch(-1));
  EXPECT_EQ(d->metadata, "hi");
  EXPECT_EQ(d->commit_timestamp_ms, 3);
}

TEST(LogFormatTest, GroupValueRoundTrip) {
  GroupRecord g;
  g.protocol_type = "consumer";
  g.generation = 9;
  g.protocol = "range";
  g.leader = "m1";
  g.current_state_timestamp_ms = 77;
  g.members.push_back({"m1", "static-1", "client", "/127.0.0.1", 30000, 10000, {1, 2}, {3}});
  g.members.push_back({"m2", std::nullopt, "client", "/10.0.0.2", 60000, 45000, {}, {}});
  auto key = DecodeKey(EncodeGroupKey({"grp"}));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(std::get<GroupKey>(*key).group, "grp");
  auto d = DecodeGroupValue(EncodeGroupValue(g));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->protocol_type, "consumer");
  EXPECT_EQ(d->generation, 9);
  EXPECT_EQ(d->protocol, "range");
  EXPECT_EQ(d->leader, "m1");
  EXPECT_EQ(d->current_state_timestamp_ms, 77);
  ASSERT_EQ(d->members.size(), 2u);
  EXPECT_EQ(d->members[0].group_instance_id, "static-1");
  EXPECT_EQ(d->members[0].subscription, (std::vector<uint8_t>{1, 2}));
  EXPECT_EQ(d->members[0].assignment, (std::vector<uint8_t>{3}));
  EXPECT_EQ(d->members[1].group_instance_id, std::nullopt);
  EXPECT_EQ(d->members[1].rebalance_timeout_ms, 60000);
  EXPECT_EQ(d->members[1].session_timeout_ms, 45000);
}

TEST(LogFormatTest, EmptyGroupHasNullProtocolAndLeader) {
  GroupRecord g;
  g.generation = 3;
  auto d = DecodeGroupValue(EncodeGroupValue(g));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->protocol, std::nullopt);
  EXPECT_EQ(d->leader, std::nullopt);
  EXPECT_TRUE(d->members.empty());
}

TEST(LogFormatTest, UnknownKeyVersionIsAnError) {
  auto d = DecodeKey(std::vector<uint8_t>{0, 3, 0, 0});
  EXPECT_EQ(d.status().code(), ErrorCode::kCorruptMessage);
  EXPECT_EQ(DecodeKey(std::vector<uint8_t>{0xff, 0xff}).status().code(),
            ErrorCode::kCorruptMessage);
}

TEST(LogFormatTest, TruncatedKeyIsAnError) {
  std::vector<uint8_t> key = EncodeOffsetKey({"g", {"t", PartitionId(2)}});
  key.pop_back();
  EXPECT_EQ(DecodeKey(key).status().code(), ErrorCode::kCorruptMessage);
  EXPECT_EQ(DecodeKey(std::vector<uint8_t>{0}).status().code(), ErrorCode::kCorruptMessage);
}

TEST(LogFormatTest, TrailingBytesAreAnError) {
  std::vector<uint8_t> key = EncodeGroupKey({"g"});
  key.push_back(0);
  EXPECT_EQ(DecodeKey(key).status().code(), ErrorCode::kCorruptMessage);
  std::vector<uint8_t> value = EncodeOffsetValue({});
  value.push_back(1);
  EXPECT_EQ(DecodeOffsetValue(value).status().code(), ErrorCode::kCorruptMessage);
}

TEST(LogFormatTest, UnknownValueVersionIsAnError) {
  std::vector<uint8_t> value = EncodeOffsetValue({});
  value[1] = 4;  // flexible v4 is not read
  EXPECT_EQ(DecodeOffsetValue(value).status().code(), ErrorCode::kCorruptMessage);
  std::vector<uint8_t> group = EncodeGroupValue({});
  group[1] = 9;
  EXPECT_EQ(DecodeGroupValue(group).status().code(), ErrorCode::kCorruptMessage);
}

TEST(LogFormatTest, GroupValueWithAnAbsurdMemberCountIsAnError) {
  std::vector<uint8_t> group = EncodeGroupValue({});
  // The member count is the last 4 bytes: claim two billion members.
  group[group.size() - 4] = 0x7f;
  EXPECT_EQ(DecodeGroupValue(group).status().code(), ErrorCode::kCorruptMessage);
}

}  // namespace
}  // namespace gregor::group
