#pragma once

// One client connection: framing (int32 size prefix, bounded by
// socket.request.max.bytes), request pipelining with in-order responses, zero-copy
// sends (writev for memory, sendfile for file regions), idle tracking.
//
// Threading: a connection lives on one event loop (its io_context, one thread). Reads,
// frame delivery and writes happen there. Respond()/Skip()/Close() may be called from
// any thread; calls from other threads are posted to the loop.
// Lifetime: shared_ptr because Asio operations in flight keep it alive.

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "net/asio.h"
#include "protocol/writer.h"

namespace gregor::net {

class Connection;

// An allocator whose value-initialisation is default-initialisation: growing a byte
// buffer that a socket read is about to fill does not memset it first.
template <typename T>
struct UninitializedAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <typename U>
  UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
using FrameBuffer = std::vector<uint8_t, UninitializedAllocator<uint8_t>>;

// A request frame without its size prefix. Request views (e.g. produce records) point
// into it; it stays alive as long as any holder of the shared_ptr. The request owns it
// exclusively, so a handler may modify bytes in place (Produce stamps batch offsets).
using Frame = std::shared_ptr<FrameBuffer>;

// Receives complete frames on the connection's loop thread. The handler must
// eventually call Respond(slot, ...) or Skip(slot) exactly once per frame (or Close()).
class FrameHandler {
 public:
  virtual ~FrameHandler() = default;
  virtual void OnFrame(const std::shared_ptr<Connection>& conn, Frame frame, uint64_t slot) = 0;
};

struct ConnectionLimits {
  int32_t max_request_bytes = 100 * 1024 * 1024;
  int32_t max_queued_requests = 500;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // REQUIRES: `socket` was opened on `loop`; `handler` outlives the connection.
  Connection(boost::asio::io_context& loop, boost::asio::ip::tcp::socket socket,
             FrameHandler& handler, ConnectionLimits limits, uint64_t id);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Start();
  // Completes slot `slot` with an encoded response frame (size prefix included).
  void Respond(uint64_t slot, protocol::Writer response);
  // Completes slot `slot` with no response (acks=0 produce).
  void Skip(uint64_t slot);
  // Closes the socket; pending responses are dropped. Logs `reason`.
  void Close(const std::string& reason);

  boost::asio::io_context::executor_type executor() { return executor_; }
  bool closed() const { return closed_; }
  uint64_t id() const { return id_; }
  const std::string& peer() const { return peer_; }
  // Monotonic ms of the last read or write; used by the loop's idle sweep.
  int64_t last_activity_ms() const { return last_activity_ms_; }
  bool idle() const { return pending_.empty() && !reading_frame_body_; }

 private:
  struct Pending {
    bool done = false;
    bool skip = false;
    protocol::Writer response;
    std::vector<protocol::Writer::Piece> pieces;
    size_t piece = 0;  // next piece to send
    int64_t sent = 0;  // bytes of that piece already sent
  };

  void ReadMore();
  void OnRead(const boost::system::error_code& ec, size_t n);
  void ParseFrames();
  void Deliver(FrameBuffer frame);
  void ReadFrameBody();
  void Complete(uint64_t slot, bool skip, protocol::Writer response);
  void PumpWrites();
  // Sends as much of `p` as the socket takes. Returns 1 done, 0 would block, -1 error.
  int SendPending(Pending& p);
  void Touch();

  boost::asio::ip::tcp::socket socket_;
  boost::asio::io_context::executor_type executor_;
  FrameHandler& handler_;
  const ConnectionLimits limits_;
  const uint64_t id_;
  std::string peer_;

  FrameBuffer rbuf_;
  size_t rlen_ = 0;
  FrameBuffer big_frame_;  // a frame larger than rbuf_, read straight into place
  size_t big_have_ = 0;
  bool reading_frame_body_ = false;
  bool read_paused_ = false;
  bool read_in_flight_ = false;

  std::deque<Pending> pending_;
  uint64_t head_slot_ = 0;  // slot of pending_.front()
  uint64_t next_slot_ = 0;
  bool waiting_writable_ = false;
  bool closed_ = false;
  int64_t last_activity_ms_ = 0;
};

}  // namespace gregor::net
