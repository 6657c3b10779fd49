#pragma once

// Fakes for the group coordinator tests: an in-memory CoordinatorLog whose durability the
// test controls (appends wait in a queue until CompleteAll), and a harness with a
// ManualClock, the coordinator without its thread, and helpers that capture held answers.

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "group/coordinator_log.h"
#include "group/group_coordinator.h"

namespace gregor::group::testing {

class MemoryLog final : public CoordinatorLog {
 public:
  explicit MemoryLog(int32_t partitions = 1) : partitions_(static_cast<size_t>(partitions)) {}

  int32_t partition_count() const override { return static_cast<int32_t>(partitions_.size()); }

  Result<Offset> Append(int32_t partition, const std::vector<LogRecord>& records,
                        std::function<void(Status)> durable) override {
    std::lock_guard lock(mu_);
    if (append_error_.has_value()) return *append_error_;
    auto& log = partitions_[static_cast<size_t>(partition)];
    Offset base(static_cast<int64_t>(log.size()));
    for (const LogRecord& r : records) log.push_back(r);
    appends_++;
    queued_.push_back(std::move(durable));
    return base;
  }

  Status Replay(int32_t partition, const ReplayFn& fn) override {
    {
      std::unique_lock lock(mu_);
      replay_gate_.wait(lock, [this] { return replay_open_; });
    }
    std::vector<LogRecord> copy;
    {
      std::lock_guard lock(mu_);
      copy = partitions_[static_cast<size_t>(partition)];
    }
    for (size_t i = 0; i < copy.size(); ++i) {
      std::optional<std::span<const uint8_t>> value;
      if (copy[i].value.has_value()) value = std::span<const uint8_t>(*copy[i].value);
      fn(Offset(static_cast<int64_t>(i)), std::span<const uint8_t>(copy[i].key), value);
    }
    return Status::Ok();
  }

  // Runs every queued durability callback with `status`, in append order (as the flush
  // thread would, without the test holding any lock).
  size_t CompleteAll(Status status = Status::Ok()) {
    size_t n = 0;
    while (true) {
      std::function<void(Status)> next;
      {
        std::lock_guard lock(mu_);
        if (queued_.empty()) return n;
        next = std::move(queued_.front());
        queued_.pop_front();
      }
      next(status);
      n++;
    }
  }

  size_t pending() const {
    std::lock_guard lock(mu_);
    return queued_.size();
  }
  size_t appends() const {
    std::lock_guard lock(mu_);
    return appends_;
  }
  std::vector<LogRecord> records(int32_t partition = 0) const {
    std::lock_guard lock(mu_);
    return partitions_[static_cast<size_t>(partition)];
  }
  // Forgets queued callbacks (their coordinator is gone: a restart).
  void DropQueued() {
    std::lock_guard lock(mu_);
    queued_.clear();
  }
  void FailAppends(std::optional<Status> error) {
    std::lock_guard lock(mu_);
    append_error_ = std::move(error);
  }
  // Replay blocks until OpenReplay() (to observe a coordinator while it loads).
  void CloseReplay() {
    std::lock_guard lock(mu_);
    replay_open_ = false;
  }
  void OpenReplay() {
    std::lock_guard lock(mu_);
    replay_open_ = true;
    replay_gate_.notify_all();
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::vector<LogRecord>> partitions_;
  std::deque<std::function<void(Status)>> queued_;
  size_t appends_ = 0;
  std::optional<Status> append_error_;
  bool replay_open_ = true;
  std::condition_variable replay_gate_;
};

// An answer that may arrive later.
template <typename T>
struct Held {
  std::optional<T> value;
  bool done() const { return value.has_value(); }
  const T& operator*() const {
    EXPECT_TRUE(value.has_value()) << "no answer yet";
    return *value;
  }
  const T* operator->() const { return &**this; }
};

inline std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

class CoordinatorTest : public ::testing::Test {
 protected:
  CoordinatorTest() { Restart(); }

  // A fresh coordinator on the same log (a broker restart), loaded inline.
  void Restart(CoordinatorConfig config = DefaultConfig()) {
    coordinator_.reset();
    log_.DropQueued();
    config.background_thread = false;
    config_ = config;
    coordinator_ = std::make_unique<GroupCoordinator>(config_, log_, clock_);
    coordinator_->Start();
  }

  static CoordinatorConfig DefaultConfig() {
    CoordinatorConfig c;
    c.initial_rebalance_delay_ms = 0;
    return c;
  }

  GroupCoordinator& gc() { return *coordinator_; }

  JoinRequest MakeJoin(const std::string& member_id, std::vector<Protocol> protocols = {},
                       std::string group = "g") {
    JoinRequest r;
    r.group_id = std::move(group);
    r.member_id = member_id;
    r.client_id = "client";
    r.client_host = "/127.0.0.1";
    r.session_timeout_ms = 10000;
    r.rebalance_timeout_ms = 30000;
    r.protocol_type = "consumer";
    r.protocols = protocols.empty() ? std::vector<Protocol>{{"range", Bytes("meta")}} : protocols;
    return r;
  }

  std::shared_ptr<Held<JoinResult>> Join(JoinRequest r) {
    auto held = std::make_shared<Held<JoinResult>>();
    gc().JoinGroup(std::move(r), [held](JoinResult res) {
      EXPECT_FALSE(held->done()) << "JoinGroup answered twice";
      held->value = std::move(res);
    });
    return held;
  }

  std::shared_ptr<Held<SyncResult>> Sync(
      const std::string& member_id, int32_t generation,
      std::vector<std::pair<std::string, std::vector<uint8_t>>> assignments = {},
      std::string group = "g", std::optional<std::string> instance = std::nullopt) {
    SyncRequest r;
    r.group_id = std::move(group);
    r.member_id = member_id;
    r.generation_id = generation;
    r.group_instance_id = std::move(instance);
    r.assignments = std::move(assignments);
    auto held = std::make_shared<Held<SyncResult>>();
    gc().SyncGroup(std::move(r), [held](SyncResult res) {
      EXPECT_FALSE(held->done()) << "SyncGroup answered twice";
      held->value = std::move(res);
    });
    return held;
  }

  ErrorCode Heartbeat(const std::string& member_id, int32_t generation, std::string group = "g",
                      std::optional<std::string> instance = std::nullopt) {
    return gc().Heartbeat({std::move(group), generation, member_id, std::move(instance)});
  }

  std::shared_ptr<Held<std::vector<ErrorCode>>> Commit(CommitRequest r) {
    auto held = std::make_shared<Held<std::vector<ErrorCode>>>();
    gc().CommitOffsets(std::move(r), [held](std::vector<ErrorCode> res) {
      EXPECT_FALSE(held->done()) << "OffsetCommit answered twice";
      held->value = std::move(res);
    });
    return held;
  }

  // A member that joined alone and completed the first generation's sync: {id, generation}.
  std::pair<std::string, int32_t> StableSingleMember(std::string group = "g") {
    auto j = Join(MakeJoin("", {}, group));
    EXPECT_TRUE(j->done());
    EXPECT_EQ(j->value->error, ErrorCode::kNone);
    std::string id = (*j)->member_id;
    auto s = Sync(id, (*j)->generation_id, {{id, Bytes("assigned")}}, group);
    log_.CompleteAll();
    EXPECT_TRUE(s->done());
    return {id, (*j)->generation_id};
  }

  void Advance(int64_t ms) {
    clock_.AdvanceMs(ms);
    gc().RunDueTimers();
  }

  ManualClock clock_;
  MemoryLog log_;
  CoordinatorConfig config_;
  std::unique_ptr<GroupCoordinator> coordinator_;
};

}  // namespace gregor::group::testing
