#pragma once

// The classic group coordinator (Kafka's GroupCoordinator + GroupMetadataManager): group
// membership and rebalances (JoinGroup, SyncGroup, Heartbeat, LeaveGroup), committed
// offsets (OffsetCommit, OffsetFetch, OffsetDelete), and administration (DescribeGroups,
// ListGroups, DeleteGroups). This node coordinates every group; group g's records live in
// partition PartitionFor(g) of __consumer_offsets (log_format.h).
//
// Durability: every change that must survive a restart is appended to the coordinator
// log and answered only once the flush scheduler's fdatasync covers it (as acks=all). The
// in-memory state takes a change when it is appended, under the group's lock, so memory
// follows the log's order; a failed sync fails the request (the partition then refuses
// appends, see storage/partition_log.h). On Start the log is replayed to rebuild groups
// (loaded as Stable with their last assignment, or Empty) and offsets; until that
// finishes requests get COORDINATOR_LOAD_IN_PROGRESS (SyncGroup: REBALANCE_IN_PROGRESS,
// Heartbeat: NONE, as Kafka).
//
// Threading: requests arrive on any event-loop thread. Each group has its own mutex;
// every method locks at most one group at a time, so groups never contend with each
// other. The group map has its own shared_mutex, held only to find, add or unlink an
// entry; the only nesting is group lock -> map lock, to unlink a dead group (a request
// that found the entry before then sees kDead and looks again). Held JoinGroup/SyncGroup
// answers are callbacks run
// later on whichever thread completes them: a request thread, the coordinator thread
// (timers) or the flush thread (durability); they must be cheap and thread-safe
// (net::Connection::Respond is). Callbacks run with the group's lock held and must not
// call back into the coordinator. Every held callback is answered exactly once, except
// after Stop().
// Timers (timer_queue.h) run on one coordinator thread started by Start(), or, with
// `background_thread = false`, when a test calls RunDueTimers() after moving its clock.

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/thread_annotations.h"
#include "group/api.h"
#include "group/coordinator_log.h"
#include "group/group.h"
#include "group/timer_queue.h"

namespace gregor::group {

// Broker configs of the coordinator (Kafka's names in comments).
struct CoordinatorConfig {
  int32_t initial_rebalance_delay_ms = 3000;              // group.initial.rebalance.delay.ms
  int32_t min_session_timeout_ms = 6000;                  // group.min.session.timeout.ms
  int32_t max_session_timeout_ms = 1800000;               // group.max.session.timeout.ms
  int32_t max_group_size = 2147483647;                    // group.max.size
  int64_t offsets_retention_ms = 7LL * 24 * 3600 * 1000;  // offsets.retention.minutes
  int64_t offsets_retention_check_interval_ms = 600000;   // offsets.retention.check.interval.ms
  int32_t offset_metadata_max_bytes = 4096;               // offset.metadata.max.bytes
  // How long a new member's first JoinGroup may be held (Kafka's fixed 5 minutes).
  int32_t new_member_join_timeout_ms = 300000;
  bool background_thread = true;  // false in tests: call RunDueTimers()/ExpireOffsets()
};

class GroupCoordinator {
 public:
  // REQUIRES: `log` and `clock` outlive the coordinator.
  GroupCoordinator(const CoordinatorConfig& config, CoordinatorLog& log, Clock& clock);
  // Stop().
  ~GroupCoordinator();
  GroupCoordinator(const GroupCoordinator&) = delete;
  GroupCoordinator& operator=(const GroupCoordinator&) = delete;

  // Replays the log (on the coordinator thread, or inline without one), then serves timers.
  void Start();
  // Stops the timers and refuses requests (COORDINATOR_NOT_AVAILABLE). Held callbacks are
  // dropped unanswered, releasing what they hold (connections). Callbacks of writes still
  // waiting for durability run later as usual. Idempotent.
  // REQUIRES: no request is in flight (the network is stopped).
  void Stop();
  bool loaded() const { return loaded_.load(std::memory_order_acquire); }
  // Started and not stopped (nor failed to load).
  bool active() const { return active_.load(std::memory_order_acquire); }

  // The __consumer_offsets partition of `group_id`: Kafka's abs(String.hashCode) % count.
  int32_t PartitionFor(std::string_view group_id) const;

  // ---- membership. Errors come back in the result, as Kafka error codes.
  void JoinGroup(JoinRequest request, JoinCallback done);
  void SyncGroup(SyncRequest request, SyncCallback done);
  ErrorCode Heartbeat(const HeartbeatRequest& request);
  LeaveResult LeaveGroup(const std::string& group_id, const std::vector<LeavingMember>& members);

  // ---- offsets
  void CommitOffsets(CommitRequest request, CommitCallback done);
  // `partitions` nullopt: every committed offset of the group.
  OffsetFetchResult FetchOffsets(const std::string& group_id,
                                 const std::optional<std::vector<TopicPartition>>& partitions);
  void DeleteOffsets(const std::string& group_id, std::vector<TopicPartition> partitions,
                     OffsetDeleteCallback done);

  // ---- administration
  std::vector<GroupDescription> DescribeGroups(const std::vector<std::string>& group_ids);
  // Errors: kCoordinatorLoadInProgress, kCoordinatorNotAvailable (with no groups).
  ErrorCode ListGroups(std::vector<GroupOverview>* out);
  void DeleteGroups(const std::vector<std::string>& group_ids, DeleteGroupsCallback done);

  // ---- timers (tests drive these with a ManualClock when background_thread is false)
  void RunDueTimers();
  // The periodic pass: removes offsets past offsets.retention.minutes (tombstones) and
  // groups left empty with no offsets.
  void ExpireOffsets();

  // For tests and tools: the group's state, or nullopt when it does not exist.
  std::optional<GroupState> StateOf(const std::string& group_id);
  std::optional<int32_t> GenerationOf(const std::string& group_id);

 private:
  struct Entry {
    Entry(const std::string& group_id, int64_t now_ms) : id(group_id), group(group_id, now_ms) {}
    const std::string id;  // == group.id(), readable without the lock
    std::mutex mu;
    Group group GUARDED_BY(mu);
  };
  using EntryPtr = std::shared_ptr<Entry>;
  // Called with the group's lock held, once the records are durable (or failed).
  using DurableFn = std::function<void(Group&, Status)>;

  // ---- lookup (group_coordinator.cpp)
  EntryPtr FindEntry(std::string_view group_id);
  EntryPtr GetOrCreateEntry(const std::string& group_id);
  std::vector<EntryPtr> AllEntries();
  // Marks the group dead and unlinks it from the map (no records written).
  void RemoveGroupLocked(Entry& entry) REQUIRES(entry.mu);
  // kCoordinatorNotAvailable when stopped, kCoordinatorLoadInProgress while loading.
  ErrorCode CheckActive() const;
  int64_t NowMs() const { return clock_.NowMs(); }
  int64_t MonoMs() const { return clock_.MonotonicMs(); }

  // ---- persistence (group_coordinator.cpp)
  // Appends `records` to the group's partition; `done` runs once durable, or at once when
  // the append fails. Returns the append error (already passed to `done`).
  Status AppendLocked(const EntryPtr& entry, const std::vector<LogRecord>& records, DurableFn done)
      REQUIRES(entry->mu);
  // The group's metadata record with these assignments (members missing from the map get
  // their current assignment).
  LogRecord GroupMetadataRecord(const Group& group,
                                const std::map<std::string, std::vector<uint8_t>>* assignments);
  void StoreGroupLocked(const EntryPtr& entry,
                        const std::map<std::string, std::vector<uint8_t>>* assignments,
                        DurableFn done) REQUIRES(entry->mu);

  // ---- timers (group_coordinator.cpp)
  void RunTimerThread();
  void FireTimer(const TimerEntry& timer);
  // Sets the member's deadline to now + `timeout_ms`, arming a timer if needed.
  void ScheduleMemberDeadline(Group& group, Member& member, int64_t timeout_ms);
  void ScheduleJoinDeadline(Group& group, int64_t delay_ms);
  void OnMemberTimer(const EntryPtr& entry, const TimerEntry& timer) REQUIRES(entry->mu);

  // ---- loading (loader.cpp)
  // Replays every partition of the log into groups_. Errors: those of CoordinatorLog::Replay.
  Status Load();

  // ---- rebalance (join.cpp)
  void JoinNewMemberLocked(const EntryPtr& entry, JoinRequest& request, JoinCallback& done)
      REQUIRES(entry->mu);
  void JoinCurrentMemberLocked(const EntryPtr& entry, JoinRequest& request, JoinCallback& done)
      REQUIRES(entry->mu);
  void AddMemberAndRebalance(Group& group, JoinRequest& request, std::string member_id,
                             JoinCallback done);
  void UpdateMemberAndRebalance(Group& group, Member& member, JoinRequest& request,
                                JoinCallback done);
  void UpdateStaticMemberAndRebalance(const EntryPtr& entry, JoinRequest& request,
                                      const std::string& old_id, const std::string& new_id,
                                      JoinCallback done) REQUIRES(entry->mu);
  void MaybePrepareRebalance(Group& group, std::string_view reason);
  void PrepareRebalance(Group& group, std::string_view reason);
  // Completes the join if every member rejoined (never during the initial delay).
  void MaybeCompleteJoin(const EntryPtr& entry) REQUIRES(entry->mu);
  void CompleteJoin(const EntryPtr& entry) REQUIRES(entry->mu);
  void OnJoinTimer(const EntryPtr& entry, uint64_t token) REQUIRES(entry->mu);
  JoinResult CurrentGenerationResult(const Group& group, const std::string& member_id,
                                     bool with_members) const;

  // ---- membership (membership.cpp)
  // Answers the member's held callbacks (UNKNOWN_MEMBER_ID), removes it, and rebalances or
  // completes the join as the state requires.
  void RemoveMemberAndUpdateGroup(const EntryPtr& entry, const std::string& member_id,
                                  std::string_view reason) REQUIRES(entry->mu);
  void SetAndPropagateAssignment(Group& group,
                                 const std::map<std::string, std::vector<uint8_t>>& assignments);
  void ResetAndPropagateAssignmentError(Group& group, ErrorCode error);

  // ---- offsets (offsets.cpp)
  void CommitLocked(const EntryPtr& entry, CommitRequest& request, CommitCallback& done)
      REQUIRES(entry->mu);
  // Removes the offsets and the group if it is left empty; writes their tombstones.
  // Returns the number of offsets removed.
  size_t ExpireGroupLocked(const EntryPtr& entry, int64_t now_ms) REQUIRES(entry->mu);

  const CoordinatorConfig config_;
  CoordinatorLog& log_;
  Clock& clock_;
  TimerQueue timers_;
  std::thread thread_;
  std::atomic<bool> loaded_{false};
  std::atomic<bool> active_{false};
  std::atomic<bool> started_{false};

  std::shared_mutex map_mu_;
  std::unordered_map<std::string, EntryPtr> groups_ GUARDED_BY(map_mu_);
};

}  // namespace gregor::group
