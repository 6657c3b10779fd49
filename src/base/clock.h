#pragma once

// Time sources. Code that needs time takes a Clock& so tests can inject a ManualClock
// instead of sleeping. Thread-safety: SystemClock is stateless; ManualClock is atomic.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace gregor {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock milliseconds since the Unix epoch (record timestamps, retention).
  virtual int64_t NowMs() const = 0;
  // Monotonic milliseconds, for timeouts.
  virtual int64_t MonotonicMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  int64_t MonotonicMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  static SystemClock& Instance() {
    static SystemClock clock;
    return clock;
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  int64_t NowMs() const override { return now_.load(); }
  int64_t MonotonicMs() const override { return now_.load(); }
  void AdvanceMs(int64_t d) { now_ += d; }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace gregor
