// ListOffsets lookups: OffsetForTimestamp and MaxTimestamp.

#include <gtest/gtest.h>

#include "log_fixture.h"

namespace gregor::storage {
namespace {

using testing::MakeBatch;
using testing::TestRecord;

std::vector<uint8_t> WithTimestamps(const std::vector<int64_t>& ts) {
  std::vector<TestRecord> records;
  for (int64_t t : ts) records.push_back({"k", "v", t, {}});
  return MakeBatch(records);
}

class TimestampTest : public testing::LogFixture {
 protected:
  std::optional<std::pair<Offset, int64_t>> Lookup(PartitionLog& log, int64_t ts) {
    auto r = log.OffsetForTimestamp(ts);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::nullopt;
  }
};

TEST_F(TimestampTest, FindsFirstRecordAtOrAfterTimestamp) {
  LogConfig c;
  c.segment_ms = 100;
  auto log = OpenLog(c);
  Append(*log, WithTimestamps({100, 150, 120}));  // offsets 0-2
  Append(*log, WithTimestamps({200, 210}));       // 3-4 (rolls: 210 - 150 > 100)
  Append(*log, WithTimestamps({300}));            // 5
  ASSERT_GE(log->segment_count(), 2);
  using P = std::pair<Offset, int64_t>;
  EXPECT_EQ(Lookup(*log, 50), P(Offset(0), 100));
  EXPECT_EQ(Lookup(*log, 100), P(Offset(0), 100));
  EXPECT_EQ(Lookup(*log, 130), P(Offset(1), 150));
  EXPECT_EQ(Lookup(*log, 150), P(Offset(1), 150));
  EXPECT_EQ(Lookup(*log, 151), P(Offset(3), 200));
  EXPECT_EQ(Lookup(*log, 205), P(Offset(4), 210));
  EXPECT_EQ(Lookup(*log, 300), P(Offset(5), 300));
  EXPECT_EQ(Lookup(*log, 301), std::nullopt);
}

TEST_F(TimestampTest, NeverAnswersBelowLogStart) {
  auto log = OpenLog(LogConfig{});
  Append(*log, WithTimestamps({100, 150, 120}));
  ASSERT_TRUE(log->DeleteRecordsBefore(Offset(2)).ok());
  using P = std::pair<Offset, int64_t>;
  EXPECT_EQ(Lookup(*log, 50), P(Offset(2), 120));
}

TEST_F(TimestampTest, MatchesBruteForceAcrossIndexedSegments) {
  LogConfig c;
  c.index_interval_bytes = 100;
  c.segment_bytes = 2000;
  auto log = OpenLog(c);
  std::vector<int64_t> all;
  uint32_t seed = 1;
  for (int b = 0; b < 100; ++b) {
    std::vector<int64_t> ts;
    for (int i = 0; i < 3; ++i) {
      seed = seed * 1103515245 + 12345;
      ts.push_back(1000 + b * 10 + static_cast<int64_t>(seed % 25));  // mostly increasing
    }
    all.insert(all.end(), ts.begin(), ts.end());
    Append(*log, WithTimestamps(ts));
  }
  ASSERT_GE(log->segment_count(), 4);
  for (int64_t target = 990; target < 2050; target += 7) {
    std::optional<std::pair<Offset, int64_t>> expected;
    for (size_t i = 0; i < all.size(); ++i) {
      if (all[i] >= target) {
        expected = std::make_pair(Offset(static_cast<int64_t>(i)), all[i]);
        break;
      }
    }
    EXPECT_EQ(Lookup(*log, target), expected) << target;
  }
}

TEST_F(TimestampTest, FindsAfterReopen) {
  LogConfig c;
  c.index_interval_bytes = 100;
  {
    auto log = OpenLog(c);
    for (int b = 0; b < 30; ++b) Append(*log, WithTimestamps({1000 + b * 10}));
    ASSERT_TRUE(log->Close().ok());
  }
  auto log = OpenLog(c);
  using P = std::pair<Offset, int64_t>;
  EXPECT_EQ(Lookup(*log, 1155), P(Offset(16), 1160));
}

TEST_F(TimestampTest, MaxTimestampReturnsFirstRecordWithLargestTimestamp) {
  LogConfig c;
  c.segment_bytes = 200;
  auto log = OpenLog(c);
  Append(*log, WithTimestamps({100, 105}));
  Append(*log, WithTimestamps({500, 900, 900}));  // offsets 2-4: first 900 is offset 3
  Append(*log, WithTimestamps({300}));
  Append(*log, WithTimestamps({900}));
  ASSERT_GT(log->segment_count(), 1);
  Result<std::pair<Offset, int64_t>> r = log->MaxTimestamp();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first, Offset(3));
  EXPECT_EQ(r->second, 900);
}

TEST_F(TimestampTest, MaxTimestampOfEmptyLogIsMinusOne) {
  auto log = OpenLog(LogConfig{});
  Result<std::pair<Offset, int64_t>> r = log->MaxTimestamp();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first, Offset(-1));
  EXPECT_EQ(r->second, -1);
}

TEST_F(TimestampTest, LogAppendTimeUsesBrokerTime) {
  LogConfig c;
  c.log_append_time = true;
  auto log = OpenLog(c);
  Append(*log, WithTimestamps({5, 6}));
  int64_t now = clock_.NowMs();
  using P = std::pair<Offset, int64_t>;
  EXPECT_EQ(Lookup(*log, 7), P(Offset(0), now));
  EXPECT_EQ(*log->MaxTimestamp(), P(Offset(0), now));
}

}  // namespace
}  // namespace gregor::storage
