// PartitionCoordinatorLog on real partition logs and the flush scheduler.

#include "group/coordinator_log.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <future>

#include "group/log_format.h"
#include "storage/flush_scheduler.h"
#include "storage/partition_log.h"

namespace gregor::group {
namespace {

class CoordinatorLogTest : public ::testing::Test {
 protected:
  CoordinatorLogTest() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "gregor-group-XXXXXX").string();
    GREGOR_CHECK(::mkdtemp(tmpl.data()) != nullptr);
    dir_ = tmpl;
  }
  ~CoordinatorLogTest() override {
    flusher_.Stop();
    logs_.clear();
    std::filesystem::remove_all(dir_);
  }

  // Opens `n` partitions of __consumer_offsets (as the broker's opener would).
  Result<std::vector<storage::PartitionLog*>> Open(int n) {
    opens_++;
    std::vector<storage::PartitionLog*> out;
    for (int p = 0; p < n; ++p) {
      storage::LogConfig config;
      config.cleanup_compact = true;
      config.cleanup_delete = false;
      auto log = storage::PartitionLog::Open(dir_ + "/__consumer_offsets-" + std::to_string(p),
                                             config, {}, /*clean_shutdown=*/true);
      if (!log.ok()) return log.status();
      out.push_back(log->get());
      logs_.push_back(std::move(log).value());
    }
    return out;
  }

  std::unique_ptr<PartitionCoordinatorLog> MakeLog(int partitions, bool open_now) {
    std::vector<storage::PartitionLog*> logs;
    if (open_now) logs = *Open(partitions);
    return std::make_unique<PartitionCoordinatorLog>(
        partitions, std::move(logs), [this, partitions] { return Open(partitions); }, flusher_,
        clock_);
  }

  std::string dir_;
  ManualClock clock_;
  storage::FlushScheduler flusher_{storage::FlushScheduler::Options{}};
  std::vector<std::unique_ptr<storage::PartitionLog>> logs_;
  int opens_ = 0;
};

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST_F(CoordinatorLogTest, AppendIsDurableBeforeTheCallbackAndReplaysInOrder) {
  auto log = MakeLog(2, /*open_now=*/true);
  std::promise<Status> durable;
  auto first = log->Append(1, {{Bytes("k1"), Bytes("v1")}, {Bytes("k2"), std::nullopt}},
                           [&](Status s) { durable.set_value(s); });
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, Offset(0));
  EXPECT_TRUE(durable.get_future().get().ok());
  EXPECT_GE(logs_[1]->flushed_offset(), Offset(2));
  std::promise<Status> second_done;
  auto second =
      log->Append(1, {{Bytes("k1"), Bytes("v1b")}}, [&](Status s) { second_done.set_value(s); });
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, Offset(2));
  EXPECT_TRUE(second_done.get_future().get().ok());

  std::vector<std::tuple<int64_t, std::string, std::optional<std::string>>> seen;
  ASSERT_TRUE(log->Replay(1,
                          [&](Offset o, auto key, auto value) {
                            std::optional<std::string> v;
                            if (value) v = std::string(value->begin(), value->end());
                            seen.emplace_back(o.value(), std::string(key->begin(), key->end()), v);
                          })
                  .ok());
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0],
            std::make_tuple(int64_t{0}, std::string("k1"), std::optional<std::string>("v1")));
  EXPECT_EQ(std::get<2>(seen[1]), std::nullopt);  // a tombstone
  EXPECT_EQ(std::get<2>(seen[2]), "v1b");
  int others = 0;
  ASSERT_TRUE(log->Replay(0, [&](Offset, auto, auto) { others++; }).ok());
  EXPECT_EQ(others, 0);
}

TEST_F(CoordinatorLogTest, TheTopicIsCreatedOnFirstWriteOnly) {
  auto log = MakeLog(3, /*open_now=*/false);
  EXPECT_EQ(log->partition_count(), 3);
  int seen = 0;
  ASSERT_TRUE(log->Replay(2, [&](Offset, auto, auto) { seen++; }).ok());
  EXPECT_EQ(opens_, 0);  // replaying a topic that does not exist creates nothing
  std::promise<Status> done;
  ASSERT_TRUE(
      log->Append(2, {{Bytes("k"), Bytes("v")}}, [&](Status s) { done.set_value(s); }).ok());
  EXPECT_TRUE(done.get_future().get().ok());
  std::promise<Status> again;
  ASSERT_TRUE(
      log->Append(0, {{Bytes("k"), Bytes("v")}}, [&](Status s) { again.set_value(s); }).ok());
  EXPECT_TRUE(again.get_future().get().ok());
  EXPECT_EQ(opens_, 1);
  EXPECT_EQ(logs_.size(), 3u);
}

TEST_F(CoordinatorLogTest, OversizedBatchesAreRefusedWithoutACallback) {
  auto log = MakeLog(1, /*open_now=*/true);
  bool called = false;
  std::vector<uint8_t> huge(2 << 20, 'x');
  auto r = log->Append(0, {{Bytes("k"), huge}}, [&](Status) { called = true; });
  EXPECT_EQ(r.status().code(), ErrorCode::kMessageTooLarge);
  flusher_.Stop();
  EXPECT_FALSE(called);
}

TEST_F(CoordinatorLogTest, RecordsWrittenByTheCoordinatorDecode) {
  auto log = MakeLog(1, /*open_now=*/true);
  std::promise<Status> done;
  CommittedOffset v{Offset(9), LeaderEpoch(1), "m", 5};
  ASSERT_TRUE(log->Append(0,
                          {{EncodeOffsetKey({"g", {"t", PartitionId(0)}}), EncodeOffsetValue(v)}},
                          [&](Status s) { done.set_value(s); })
                  .ok());
  EXPECT_TRUE(done.get_future().get().ok());
  ASSERT_TRUE(log->Replay(0,
                          [&](Offset, auto key, auto value) {
                            auto k = DecodeKey(*key);
                            ASSERT_TRUE(k.ok());
                            EXPECT_EQ(std::get<OffsetKey>(*k).group, "g");
                            auto d = DecodeOffsetValue(*value);
                            ASSERT_TRUE(d.ok());
                            EXPECT_EQ(d->offset, Offset(9));
                          })
                  .ok());
}

}  // namespace
}  // namespace gregor::group
