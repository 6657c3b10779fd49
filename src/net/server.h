#pragma once

// The network server: N event loops (one thread each), listeners accepting on loop 0
// and spreading connections round-robin, an idle sweep per loop closing connections
// silent for longer than connections.max.idle.ms, and an orderly Stop().

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "net/asio.h"
#include "net/connection.h"

namespace gregor::net {

struct ServerOptions {
  struct Address {
    std::string host;   // "" = every interface (dual-stack where available)
    uint16_t port = 0;  // 0 = any free port
  };
  std::vector<Address> listen;
  int num_loops = 1;
  int64_t idle_timeout_ms = 600000;
  ConnectionLimits limits;
};

class Server {
 public:
  // REQUIRES: `handler` outlives the server.
  Server(ServerOptions options, FrameHandler& handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every listener and starts the loops. Errors: kUnknownServerError with the
  // bind error (address in use, bad host).
  Status Start();
  // Stops accepting, closes every connection, joins the loop threads. Idempotent.
  void Stop();

  // Actual ports, in listener order (useful when configured with port 0).
  std::vector<uint16_t> bound_ports() const { return bound_ports_; }
  size_t num_loops() const { return loops_.size(); }
  boost::asio::io_context& loop(size_t i) { return loops_[i]->ioc; }

 private:
  struct Loop {
    boost::asio::io_context ioc{1};
    std::unique_ptr<boost::asio::steady_timer> sweep_timer;
    std::vector<std::weak_ptr<Connection>> connections;  // touched only on this loop
    std::thread thread;
  };

  void Accept(size_t listener);
  void ScheduleSweep(Loop& loop);
  void Sweep(Loop& loop);

  ServerOptions options_;
  FrameHandler& handler_;
  std::vector<std::unique_ptr<Loop>> loops_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  std::vector<uint16_t> bound_ports_;
  std::atomic<uint64_t> next_id_{1};
  size_t next_loop_ = 0;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace gregor::net
