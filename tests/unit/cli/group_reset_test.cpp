#include "cli/group_reset.h"

#include <gtest/gtest.h>

namespace gregor::cli {
namespace {

std::vector<PartitionOffsets> Partitions() {
  // log start 10, log end 100; committed 50 on p0, nothing on p1; time offset 70 / none.
  return {{{"t", 0}, 10, 100, 50, 70}, {{"t", 1}, 10, 100, -1, -1}};
}

std::vector<int64_t> Targets(ResetSpec spec) {
  auto r = ComputeResets(spec, Partitions());
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<int64_t> out;
  if (r.ok()) {
    for (const auto& x : *r) out.push_back(x.to);
  }
  return out;
}

TEST(GroupResetTest, EarliestAndLatest) {
  EXPECT_EQ(Targets({ResetKind::kEarliest, 0}), (std::vector<int64_t>{10, 10}));
  EXPECT_EQ(Targets({ResetKind::kLatest, 0}), (std::vector<int64_t>{100, 100}));
}

TEST(GroupResetTest, ToOffsetIsClampedToTheLog) {
  EXPECT_EQ(Targets({ResetKind::kToOffset, 42}), (std::vector<int64_t>{42, 42}));
  EXPECT_EQ(Targets({ResetKind::kToOffset, 5}), (std::vector<int64_t>{10, 10}));
  EXPECT_EQ(Targets({ResetKind::kToOffset, 500}), (std::vector<int64_t>{100, 100}));
}

TEST(GroupResetTest, ShiftByMovesTheCommittedOffsetAndNeedsOne) {
  std::vector<PartitionOffsets> p0 = {Partitions()[0]};
  auto r = ComputeResets({ResetKind::kShiftBy, -45}, p0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].from, 50);
  EXPECT_EQ((*r)[0].to, 10);  // 5, clamped to the log start
  r = ComputeResets({ResetKind::kShiftBy, 20}, p0);
  EXPECT_EQ((*r)[0].to, 70);
  r = ComputeResets({ResetKind::kShiftBy, 1}, Partitions());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidRequest);
  EXPECT_NE(r.status().message().find("t-1"), std::string::npos);
}

TEST(GroupResetTest, DatetimeUsesTheFoundOffsetElseTheEnd) {
  EXPECT_EQ(Targets({ResetKind::kToDatetime, 123}), (std::vector<int64_t>{70, 100}));
}

TEST(GroupResetTest, ParseDatetime) {
  EXPECT_EQ(*ParseDatetime("1970-01-01"), 0);
  EXPECT_EQ(*ParseDatetime("1970-01-01T00:00:01Z"), 1000);
  EXPECT_EQ(*ParseDatetime("2024-03-01T12:00:00Z"), 1709294400000);
  EXPECT_EQ(*ParseDatetime("2024-03-01T12:00:00.25Z"), 1709294400250);
  EXPECT_EQ(*ParseDatetime("2024-03-01T14:00:00+02:00"), 1709294400000);
  EXPECT_EQ(*ParseDatetime("2024-03-01T07:00:00-05:00"), 1709294400000);
  EXPECT_EQ(*ParseDatetime("2024-03-01T12:00"), 1709294400000);
  for (const char* bad : {"", "yesterday", "2024-13-01", "2024-03-01T25:00", "2024/03/01",
                          "2024-03-01T12:00:00.12345Z"}) {
    EXPECT_FALSE(ParseDatetime(bad).ok()) << bad;
  }
}

TEST(GroupResetTest, ParseTopicSelector) {
  auto all = ParseTopicSelector("orders");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->first, "orders");
  EXPECT_TRUE(all->second.empty());
  auto some = ParseTopicSelector("orders:0,2");
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(some->second, (std::vector<int32_t>{0, 2}));
  for (const char* bad : {":0", "orders:", "orders:x", "orders:-1", "orders:1,,2"}) {
    EXPECT_FALSE(ParseTopicSelector(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace gregor::cli
