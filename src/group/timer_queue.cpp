#include "group/timer_queue.h"

#include <algorithm>
#include <chrono>

namespace gregor::group {

void TimerQueue::Schedule(TimerEntry entry) {
  std::lock_guard lock(mu_);
  bool earliest = heap_.empty() || entry.deadline_ms < heap_.top().deadline_ms;
  heap_.push(std::move(entry));
  if (earliest) wake_.notify_one();
}

std::vector<TimerEntry> TimerQueue::TakeDue(int64_t now_ms) {
  std::lock_guard lock(mu_);
  std::vector<TimerEntry> due;
  while (!heap_.empty() && heap_.top().deadline_ms <= now_ms) {
    due.push_back(heap_.top());
    heap_.pop();
  }
  return due;
}

std::optional<int64_t> TimerQueue::NextDeadline() const {
  std::lock_guard lock(mu_);
  if (heap_.empty()) return std::nullopt;
  return heap_.top().deadline_ms;
}

size_t TimerQueue::size() const {
  std::lock_guard lock(mu_);
  return heap_.size();
}

bool TimerQueue::WaitForDue(const Clock& clock) {
  std::unique_lock lock(mu_);
  while (!stopped_) {
    if (heap_.empty()) {
      wake_.wait(lock);
      continue;
    }
    int64_t wait_ms = heap_.top().deadline_ms - clock.MonotonicMs();
    if (wait_ms <= 0) return true;
    // Waits at most a second at a time, so a clock that is not steady_clock cannot stall us.
    wake_.wait_for(lock, std::chrono::milliseconds(std::min<int64_t>(wait_ms, 1000)));
  }
  return false;
}

void TimerQueue::Stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  wake_.notify_all();
}

}  // namespace gregor::group
