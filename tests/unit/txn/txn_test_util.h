#pragma once

// Fakes for the transaction coordinator's tests: an in-memory coordinator log whose
// durability the test releases, and participants that record markers and offset commits
// and complete them when told.

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "group/coordinator_log.h"
#include "txn/txn_participants.h"

namespace gregor::txn::testing {

class FakeLog : public group::CoordinatorLog {
 public:
  struct Record {
    std::vector<uint8_t> key;
    std::optional<std::vector<uint8_t>> value;
  };

  int32_t partition_count() const override { return 1; }
  Result<Offset> Append(int32_t partition, const std::vector<group::LogRecord>& records,
                        std::function<void(Status)> durable) override {
    (void)partition;
    if (fail_appends) return Status(ErrorCode::kKafkaStorageError, "append failed");
    Offset first(static_cast<int64_t>(records_.size()));
    for (const auto& r : records) records_.push_back({r.key, r.value});
    pending_.push_back(std::move(durable));
    return first;
  }
  Status Replay(int32_t partition, const ReplayFn& fn) override {
    (void)partition;
    for (size_t i = 0; i < records_.size(); ++i) {
      std::optional<std::span<const uint8_t>> value;
      if (records_[i].value) value = std::span<const uint8_t>(*records_[i].value);
      fn(Offset(static_cast<int64_t>(i)), std::span<const uint8_t>(records_[i].key), value);
    }
    return Status::Ok();
  }

  // Completes every pending durability callback with `status`.
  void Sync(Status status = Status::Ok()) {
    while (!pending_.empty()) {
      auto fn = std::move(pending_.front());
      pending_.pop_front();
      fn(status);
    }
  }
  size_t pending() const { return pending_.size(); }
  // A crash: callbacks in flight are never called.
  void DropPending() { pending_.clear(); }
  const std::vector<Record>& records() const { return records_; }
  // Drops records after the first `n` (a crash lost them).
  void Truncate(size_t n) { records_.resize(n); }

  bool fail_appends = false;

 private:
  std::vector<Record> records_;
  std::deque<std::function<void(Status)>> pending_;
};

class FakeParticipants : public TxnParticipants {
 public:
  struct Marker {
    group::TopicPartition partition;
    ProducerId producer;
    ProducerEpoch epoch;
    storage::ControlType type;
  };

  void WriteMarker(const group::TopicPartition& partition, ProducerId producer,
                   ProducerEpoch epoch, storage::ControlType type,
                   std::function<void(Status)> done) override {
    markers.push_back({partition, producer, epoch, type});
    pending_.push_back(std::move(done));
  }
  void CommitOffsets(const std::string& group_id,
                     const std::map<group::TopicPartition, PendingOffset>& offsets,
                     std::function<void(Status)> done) override {
    commits.push_back({group_id, offsets});
    pending_.push_back(std::move(done));
  }
  ErrorCode ValidateGroupMember(const std::string&, int32_t, const std::string&,
                                const std::optional<std::string>&) override {
    return member_error;
  }
  int32_t OffsetsPartitionFor(const std::string&) override { return 7; }

  // Completes the pending markers and commits with `status`.
  void Complete(Status status = Status::Ok()) {
    while (!pending_.empty()) {
      auto fn = std::move(pending_.front());
      pending_.pop_front();
      fn(status);
    }
  }
  size_t pending() const { return pending_.size(); }
  // A crash: callbacks in flight are never called.
  void DropPending() { pending_.clear(); }

  std::vector<Marker> markers;
  std::vector<std::pair<std::string, std::map<group::TopicPartition, PendingOffset>>> commits;
  ErrorCode member_error = ErrorCode::kNone;

 private:
  std::deque<std::function<void(Status)>> pending_;
};

}  // namespace gregor::txn::testing
