// Committed offsets: OffsetCommit, OffsetFetch, OffsetDelete and retention (Kafka's
// doCommitOffsets, getOffsets, handleDeleteOffsets and cleanupGroupMetadata).

#include <spdlog/spdlog.h>

#include "group/consumer_protocol.h"
#include "group/group_coordinator.h"
#include "group/log_format.h"
#include "group/store_errors.h"

namespace gregor::group {
namespace {

LogRecord OffsetRecord(const std::string& group, const TopicPartition& tp,
                       const CommittedOffset& value) {
  return {EncodeOffsetKey({group, tp}), EncodeOffsetValue(value)};
}

LogRecord OffsetTombstone(const std::string& group, const TopicPartition& tp) {
  return {EncodeOffsetKey({group, tp}), std::nullopt};
}

}  // namespace

void GroupCoordinator::CommitOffsets(CommitRequest request, CommitCallback done) {
  auto all = [&](ErrorCode e) { done(std::vector<ErrorCode>(request.offsets.size(), e)); };
  if (ErrorCode e = CheckActive(); e != ErrorCode::kNone) return all(e);
  for (int attempt = 0; attempt < 3; ++attempt) {
    EntryPtr entry = FindEntry(request.group_id);
    if (!entry) {
      if (request.generation_id >= 0) {
        // A member of a generation that this coordinator does not know.
        return all(request.group_id_not_found_allowed ? ErrorCode::kGroupIdNotFound
                                                      : ErrorCode::kIllegalGeneration);
      }
      // Kafka used only as an offset store: the group exists for its offsets.
      entry = GetOrCreateEntry(request.group_id);
    }
    std::lock_guard lock(entry->mu);
    if (entry->group.Is(GroupState::kDead)) continue;  // removed meanwhile: look again
    CommitLocked(entry, request, done);
    return;
  }
  all(ErrorCode::kCoordinatorNotAvailable);
}

void GroupCoordinator::CommitLocked(const EntryPtr& entry, CommitRequest& request,
                                    CommitCallback& done) {
  Group& g = entry->group;
  ErrorCode e =
      request.transactional
          ? (g.Is(GroupState::kDead) ? ErrorCode::kCoordinatorNotAvailable : ErrorCode::kNone)
          : g.ValidateOffsetCommit(request.generation_id, request.member_id,
                                   request.group_instance_id);
  if (e != ErrorCode::kNone) return done(std::vector<ErrorCode>(request.offsets.size(), e));
  if (Member* m = g.Find(request.member_id)) {
    ScheduleMemberDeadline(g, *m, m->session_timeout_ms);  // a commit shows it is alive
  }
  auto errors = std::make_shared<std::vector<ErrorCode>>(request.offsets.size(), ErrorCode::kNone);
  std::vector<LogRecord> records;
  std::vector<size_t> written;
  std::vector<CommittedOffset> values;
  int64_t now = NowMs();
  for (size_t i = 0; i < request.offsets.size(); ++i) {
    OffsetCommitEntry& o = request.offsets[i];
    if (o.metadata.has_value() &&
        o.metadata->size() > static_cast<size_t>(config_.offset_metadata_max_bytes)) {
      (*errors)[i] = ErrorCode::kOffsetMetadataTooLarge;
      continue;
    }
    CommittedOffset v;
    v.offset = o.offset;
    v.leader_epoch = o.leader_epoch;
    v.metadata = o.metadata.value_or("");
    v.commit_timestamp_ms = o.commit_timestamp_ms >= 0 ? o.commit_timestamp_ms : now;
    records.push_back(OffsetRecord(g.id(), o.partition, v));
    written.push_back(i);
    values.push_back(std::move(v));
  }
  if (records.empty()) return done(std::move(*errors));
  Status appended =
      AppendLocked(entry, records, [errors, written, done = std::move(done)](Group&, Status st) {
        if (!st.ok()) {
          for (size_t i : written) (*errors)[i] = StoreOffsetsError(st);
        }
        done(std::move(*errors));
      });
  if (!appended.ok()) return;
  // Memory takes the commit in log order (appends of one group happen under its lock);
  // the answer waits for the fdatasync.
  for (size_t k = 0; k < written.size(); ++k) {
    g.offsets()[request.offsets[written[k]].partition] = std::move(values[k]);
  }
}

OffsetFetchResult GroupCoordinator::FetchOffsets(
    const std::string& group_id, const std::optional<std::vector<TopicPartition>>& partitions) {
  OffsetFetchResult result;
  if (ErrorCode e = CheckActive(); e != ErrorCode::kNone) {
    result.error = e;
    return result;
  }
  EntryPtr entry = FindEntry(group_id);
  if (!entry) {
    // An unknown group has no offsets: -1 for each partition asked for, no error.
    if (partitions.has_value()) {
      for (const TopicPartition& tp : *partitions) result.offsets.push_back({tp, {}});
    }
    return result;
  }
  std::lock_guard lock(entry->mu);
  const auto& offsets = entry->group.offsets();
  if (!partitions.has_value()) {
    result.offsets.assign(offsets.begin(), offsets.end());
    return result;
  }
  for (const TopicPartition& tp : *partitions) {
    auto it = offsets.find(tp);
    result.offsets.push_back({tp, it == offsets.end() ? CommittedOffset{} : it->second});
  }
  return result;
}

void GroupCoordinator::DeleteOffsets(const std::string& group_id,
                                     std::vector<TopicPartition> partitions,
                                     OffsetDeleteCallback done) {
  OffsetDeleteResult result;
  if (ErrorCode e = CheckActive(); e != ErrorCode::kNone) {
    result.error = e;
    return done(std::move(result));
  }
  EntryPtr entry = FindEntry(group_id);
  if (!entry) {
    result.error = ErrorCode::kGroupIdNotFound;
    return done(std::move(result));
  }
  std::lock_guard lock(entry->mu);
  Group& g = entry->group;
  result.partitions.assign(partitions.size(), ErrorCode::kNone);
  if (g.Is(GroupState::kDead)) {
    result.error = ErrorCode::kGroupIdNotFound;
    result.partitions.clear();
    return done(std::move(result));
  }
  if (!g.Is(GroupState::kEmpty)) {
    // A live consumer group keeps the offsets of topics it consumes; other protocols
    // cannot be inspected, so their offsets stay while they have members.
    std::optional<std::set<std::string>> topics = SubscribedTopics(g);
    if (g.protocol_type() != kConsumerProtocolType) {
      result.error = ErrorCode::kNonEmptyGroup;
      result.partitions.clear();
      return done(std::move(result));
    }
    for (size_t i = 0; i < partitions.size(); ++i) {
      if (topics.has_value() && topics->count(partitions[i].topic)) {
        result.partitions[i] = ErrorCode::kGroupSubscribedToTopic;
      }
    }
  }
  std::vector<LogRecord> records;
  std::vector<size_t> deleted;
  for (size_t i = 0; i < partitions.size(); ++i) {
    if (result.partitions[i] != ErrorCode::kNone) continue;
    deleted.push_back(i);
    if (g.offsets().erase(partitions[i])) records.push_back(OffsetTombstone(g.id(), partitions[i]));
  }
  bool remove_group = g.Is(GroupState::kEmpty) && g.offsets().empty();
  if (records.empty()) return done(std::move(result));
  if (remove_group) records.push_back({EncodeGroupKey({g.id()}), std::nullopt});
  auto shared = std::make_shared<OffsetDeleteResult>(std::move(result));
  (void)AppendLocked(entry, records, [shared, deleted, done](Group&, Status st) {
    if (!st.ok()) {
      for (size_t i : deleted) shared->partitions[i] = StoreOffsetsError(st);
    }
    done(std::move(*shared));
  });
  if (remove_group) RemoveGroupLocked(*entry);
}

void GroupCoordinator::ExpireOffsets() {
  if (CheckActive() != ErrorCode::kNone) return;
  int64_t now = NowMs();
  size_t removed = 0;
  for (const EntryPtr& entry : AllEntries()) {
    std::lock_guard lock(entry->mu);
    if (!entry->group.Is(GroupState::kDead)) removed += ExpireGroupLocked(entry, now);
  }
  if (removed > 0) spdlog::info("group coordinator: expired {} committed offset(s)", removed);
}

size_t GroupCoordinator::ExpireGroupLocked(const EntryPtr& entry, int64_t now_ms) {
  Group& g = entry->group;
  const int64_t retention = config_.offsets_retention_ms;
  std::vector<TopicPartition> expired;
  auto collect = [&](auto base_of, const std::set<std::string>* keep_topics) {
    for (const auto& [tp, v] : g.offsets()) {
      if (keep_topics != nullptr && keep_topics->count(tp.topic)) continue;
      if (base_of(v) + retention <= now_ms) expired.push_back(tp);
    }
  };
  if (!g.protocol_type().has_value()) {
    // Standalone consumers: each offset ages from its own commit.
    collect([](const CommittedOffset& v) { return v.commit_timestamp_ms; }, nullptr);
  } else if (g.Is(GroupState::kEmpty)) {
    // KIP-211: a group's offsets age from the moment it became empty.
    int64_t since = g.state_timestamp_ms();
    collect(
        [since](const CommittedOffset& v) { return since >= 0 ? since : v.commit_timestamp_ms; },
        nullptr);
  } else if (g.Is(GroupState::kStable)) {
    // A stable consumer group: offsets of topics it no longer subscribes to age from commit.
    if (auto topics = SubscribedTopics(g)) {
      collect([](const CommittedOffset& v) { return v.commit_timestamp_ms; }, &*topics);
    }
  }
  std::vector<LogRecord> records;
  for (const TopicPartition& tp : expired) {
    g.offsets().erase(tp);
    records.push_back(OffsetTombstone(g.id(), tp));
  }
  bool remove_group = g.Is(GroupState::kEmpty) && g.offsets().empty();
  if (remove_group) records.push_back({EncodeGroupKey({g.id()}), std::nullopt});
  if (!records.empty()) {
    (void)AppendLocked(entry, records, [](Group& group, Status st) {
      if (!st.ok()) {
        spdlog::warn("group {}: writing expiry tombstones: {}", group.id(), st.ToString());
      }
    });
  }
  if (remove_group) {
    spdlog::info("group {}: removed (empty, no committed offsets left)", g.id());
    RemoveGroupLocked(*entry);
  }
  return expired.size();
}

}  // namespace gregor::group
