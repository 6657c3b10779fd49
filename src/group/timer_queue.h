#pragma once

// The group coordinator's timers: session expiry of members, expiry of pending (KIP-394)
// members, join deadlines of rebalances and the periodic offset-expiry check. One min-heap
// of deadlines, served by one coordinator thread (or by a test, with a ManualClock).
//
// Entries are never cancelled: whoever fires one checks it against the group's current
// state (a member's armed deadline, a group's join token) and ignores a stale entry. This
// keeps heartbeats cheap: a heartbeat only moves the member's deadline, and the entry that
// fires at the old deadline re-arms itself at the new one.
//
// Threading: all methods are thread-safe. Schedule() wakes the waiting thread only when
// the new entry is due before everything queued.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/thread_annotations.h"

namespace gregor::group {

enum class TimerKind {
  kMemberSession,  // group_id + member_id; deadline_ms must equal Member::armed_deadline_ms
  kPendingMember,  // group_id + member_id: a MEMBER_ID_REQUIRED member that never rejoined
  kJoin,           // group_id + token: Group::join_token when scheduled
  kOffsetExpiry,   // the periodic offsets.retention.check.interval.ms pass
};

struct TimerEntry {
  int64_t deadline_ms = 0;  // Clock::MonotonicMs
  TimerKind kind = TimerKind::kOffsetExpiry;
  std::string group_id;
  std::string member_id;
  uint64_t token = 0;
};

class TimerQueue {
 public:
  void Schedule(TimerEntry entry);
  // Removes and returns every entry due at `now_ms`, earliest first.
  std::vector<TimerEntry> TakeDue(int64_t now_ms);
  std::optional<int64_t> NextDeadline() const;
  size_t size() const;

  // Blocks until an entry is due by `clock` (real time passes while waiting) or Stop().
  // Returns false once stopped.
  bool WaitForDue(const Clock& clock);
  void Stop();

 private:
  struct Later {
    bool operator()(const TimerEntry& a, const TimerEntry& b) const {
      return a.deadline_ms > b.deadline_ms;
    }
  };

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::priority_queue<TimerEntry, std::vector<TimerEntry>, Later> heap_ GUARDED_BY(mu_);
  bool stopped_ GUARDED_BY(mu_) = false;
};

}  // namespace gregor::group
