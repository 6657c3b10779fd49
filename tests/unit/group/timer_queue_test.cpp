#include "group/timer_queue.h"

#include <gtest/gtest.h>

#include <thread>

namespace gregor::group {
namespace {

TEST(TimerQueueTest, TakesDueEntriesEarliestFirst) {
  TimerQueue q;
  q.Schedule({30, TimerKind::kJoin, "c"});
  q.Schedule({10, TimerKind::kJoin, "a"});
  q.Schedule({20, TimerKind::kJoin, "b"});
  EXPECT_EQ(q.NextDeadline(), 10);
  EXPECT_TRUE(q.TakeDue(9).empty());
  auto due = q.TakeDue(20);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].group_id, "a");
  EXPECT_EQ(due[1].group_id, "b");
  EXPECT_EQ(q.size(), 1u);
}

TEST(TimerQueueTest, WaitReturnsWhenAnEntryIsDueOrStopped) {
  TimerQueue q;
  SystemClock& clock = SystemClock::Instance();
  q.Schedule({clock.MonotonicMs() + 5, TimerKind::kOffsetExpiry});
  EXPECT_TRUE(q.WaitForDue(clock));
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    q.Stop();
  });
  q.TakeDue(clock.MonotonicMs());
  EXPECT_FALSE(q.WaitForDue(clock));
  stopper.join();
}

}  // namespace
}  // namespace gregor::group
