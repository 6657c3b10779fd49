#include "net/server.h"

#include <spdlog/spdlog.h>

#include "base/clock.h"

namespace gregor::net {

namespace asio = boost::asio;
using asio::ip::tcp;

Server::Server(ServerOptions options, FrameHandler& handler)
    : options_(std::move(options)), handler_(handler) {
  int n = std::max(1, options_.num_loops);
  for (int i = 0; i < n; ++i) loops_.push_back(std::make_unique<Loop>());
}

Server::~Server() { Stop(); }

Status Server::Start() {
  GREGOR_CHECK(!started_);
  started_ = true;
  for (const auto& addr : options_.listen) {
    auto acceptor = std::make_unique<tcp::acceptor>(loops_[0]->ioc);
    boost::system::error_code ec;
    tcp::endpoint ep;
    if (addr.host.empty() || addr.host == "::") {
      ep = tcp::endpoint(tcp::v6(), addr.port);
    } else {
      auto ip = asio::ip::make_address(addr.host == "localhost" ? "127.0.0.1" : addr.host, ec);
      if (ec) {
        return Status(ErrorCode::kUnknownServerError,
                      fmt::format("cannot listen on '{}': {}", addr.host, ec.message()));
      }
      ep = tcp::endpoint(ip, addr.port);
    }
    acceptor->open(ep.protocol(), ec);
    if (ec && addr.host.empty()) {  // no IPv6: fall back to IPv4 any
      ep = tcp::endpoint(tcp::v4(), addr.port);
      ec.clear();
      acceptor->open(ep.protocol(), ec);
    }
    if (!ec && ep.protocol() == tcp::v6()) acceptor->set_option(asio::ip::v6_only(false), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor->bind(ep, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status(ErrorCode::kUnknownServerError,
                    fmt::format("cannot listen on {}:{}: {}", addr.host.empty() ? "*" : addr.host,
                                addr.port, ec.message()));
    }
    bound_ports_.push_back(acceptor->local_endpoint().port());
    acceptors_.push_back(std::move(acceptor));
  }
  for (size_t i = 0; i < acceptors_.size(); ++i) Accept(i);
  for (auto& loop : loops_) {
    ScheduleSweep(*loop);
    Loop* l = loop.get();
    l->thread = std::thread([l] {
      auto guard = asio::make_work_guard(l->ioc);
      l->ioc.run();
    });
  }
  return Status::Ok();
}

void Server::Accept(size_t listener) {
  Loop& target = *loops_[next_loop_];
  next_loop_ = (next_loop_ + 1) % loops_.size();
  acceptors_[listener]->async_accept(
      target.ioc, [this, listener, &target](const boost::system::error_code& ec, tcp::socket s) {
        if (ec == asio::error::operation_aborted) return;
        if (!ec) {
          auto conn = std::make_shared<Connection>(target.ioc, std::move(s), handler_,
                                                   options_.limits, next_id_++);
          asio::post(target.ioc, [conn, &target] {
            target.connections.push_back(conn);
            conn->Start();
          });
        } else {
          spdlog::warn("accept failed: {}", ec.message());
        }
        Accept(listener);
      });
}

void Server::ScheduleSweep(Loop& loop) {
  int64_t every = std::clamp<int64_t>(options_.idle_timeout_ms / 4, 10, 1000);
  loop.sweep_timer = loop.sweep_timer ? std::move(loop.sweep_timer)
                                      : std::make_unique<asio::steady_timer>(loop.ioc);
  loop.sweep_timer->expires_after(std::chrono::milliseconds(every));
  loop.sweep_timer->async_wait([this, &loop](const boost::system::error_code& ec) {
    if (ec) return;
    Sweep(loop);
    ScheduleSweep(loop);
  });
}

void Server::Sweep(Loop& loop) {
  int64_t now = SystemClock::Instance().MonotonicMs();
  auto& conns = loop.connections;
  for (size_t i = 0; i < conns.size();) {
    auto c = conns[i].lock();
    if (!c || c->closed()) {
      conns[i] = std::move(conns.back());
      conns.pop_back();
      continue;
    }
    if (c->idle() && now - c->last_activity_ms() > options_.idle_timeout_ms) {
      c->Close(fmt::format("idle for more than {} ms (connections.max.idle.ms)",
                           options_.idle_timeout_ms));
    }
    ++i;
  }
}

void Server::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  // Each loop closes what it owns, then stops itself; loop 0 also owns the acceptors.
  for (size_t i = 0; i < loops_.size(); ++i) {
    Loop* l = loops_[i].get();
    asio::post(l->ioc, [this, l, i] {
      if (i == 0) {
        for (auto& a : acceptors_) {
          boost::system::error_code ec;
          a->close(ec);
        }
      }
      if (l->sweep_timer) l->sweep_timer->cancel();
      for (auto& w : l->connections) {
        if (auto c = w.lock()) c->Close("broker shutting down");
      }
      l->connections.clear();
      l->ioc.stop();
    });
  }
  for (auto& loop : loops_) {
    if (loop->thread.joinable()) loop->thread.join();
  }
}

}  // namespace gregor::net
