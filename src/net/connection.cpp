#include "net/connection.h"

#include <spdlog/spdlog.h>
#include <sys/sendfile.h>
#include <sys/uio.h>

#include "base/clock.h"

namespace gregor::net {
namespace {

constexpr size_t kReadBufferBytes = 64 * 1024;
constexpr int kMaxIov = 64;

int32_t ReadBigEndian32(const uint8_t* p) {
  return static_cast<int32_t>((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
                              (uint32_t{p[2]} << 8) | uint32_t{p[3]});
}

}  // namespace

Connection::Connection(boost::asio::io_context& loop, boost::asio::ip::tcp::socket socket,
                       FrameHandler& handler, ConnectionLimits limits, uint64_t id)
    : socket_(std::move(socket)),
      executor_(loop.get_executor()),
      handler_(handler),
      limits_(limits),
      id_(id),
      rbuf_(kReadBufferBytes) {
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  peer_ = ec ? "unknown" : ep.address().to_string() + ":" + std::to_string(ep.port());
}

void Connection::Start() {
  boost::system::error_code ec;
  socket_.set_option(boost::asio::ip::tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);
  Touch();
  ReadMore();
}

void Connection::Touch() { last_activity_ms_ = SystemClock::Instance().MonotonicMs(); }

void Connection::Close(const std::string& reason) {
  if (!executor_.running_in_this_thread()) {
    boost::asio::post(executor_, [self = shared_from_this(), reason] { self->Close(reason); });
    return;
  }
  if (closed_) return;
  closed_ = true;
  spdlog::info("connection {} from {} closed: {}", id_, peer_, reason);
  boost::system::error_code ec;
  socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  pending_.clear();
}

void Connection::ReadMore() {
  if (closed_ || read_in_flight_) return;
  if (static_cast<int32_t>(pending_.size()) >= limits_.max_queued_requests) {
    read_paused_ = true;  // resumed by PumpWrites once responses drain
    return;
  }
  read_paused_ = false;
  read_in_flight_ = true;
  socket_.async_read_some(
      boost::asio::buffer(rbuf_.data() + rlen_, rbuf_.size() - rlen_),
      [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
        self->read_in_flight_ = false;
        self->OnRead(ec, n);
      });
}

void Connection::OnRead(const boost::system::error_code& ec, size_t n) {
  if (closed_) return;
  if (ec) {
    Close(ec == boost::asio::error::eof ? "client closed the connection" : ec.message());
    return;
  }
  Touch();
  rlen_ += n;
  ParseFrames();
}

void Connection::ParseFrames() {
  size_t pos = 0;
  while (!closed_ && rlen_ - pos >= 4) {
    int32_t size = ReadBigEndian32(rbuf_.data() + pos);
    if (size <= 0 || size > limits_.max_request_bytes) {
      Close(fmt::format("request size {} outside 1..{} (socket.request.max.bytes)", size,
                        limits_.max_request_bytes));
      return;
    }
    size_t have = rlen_ - pos - 4;
    if (have >= static_cast<size_t>(size)) {
      const uint8_t* begin = rbuf_.data() + pos + 4;
      Deliver(FrameBuffer(begin, begin + size));
      pos += 4 + static_cast<size_t>(size);
      continue;
    }
    if (static_cast<size_t>(size) + 4 > rbuf_.size()) {
      // Larger than the read buffer: allocate exactly, read the rest straight into it.
      big_frame_.resize(static_cast<size_t>(size));
      std::memcpy(big_frame_.data(), rbuf_.data() + pos + 4, have);
      big_have_ = have;
      rlen_ = 0;
      ReadFrameBody();
      return;
    }
    break;
  }
  if (closed_) return;
  if (pos > 0) {
    std::memmove(rbuf_.data(), rbuf_.data() + pos, rlen_ - pos);
    rlen_ -= pos;
  }
  ReadMore();
}

void Connection::ReadFrameBody() {
  reading_frame_body_ = true;
  boost::asio::async_read(
      socket_, boost::asio::buffer(big_frame_.data() + big_have_, big_frame_.size() - big_have_),
      [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
        self->reading_frame_body_ = false;
        if (self->closed_) return;
        if (ec) {
          self->Close(ec == boost::asio::error::eof ? "client closed mid-frame" : ec.message());
          return;
        }
        (void)n;
        self->Touch();
        self->Deliver(std::move(self->big_frame_));
        self->big_frame_ = {};
        self->big_have_ = 0;
        self->ReadMore();
      });
}

void Connection::Deliver(FrameBuffer frame) {
  uint64_t slot = next_slot_++;
  pending_.emplace_back();
  handler_.OnFrame(shared_from_this(),
                   std::make_shared<FrameBuffer>(std::move(frame)), slot);
}

void Connection::Respond(uint64_t slot, protocol::Writer response) {
  Complete(slot, false, std::move(response));
}

void Connection::Skip(uint64_t slot) { Complete(slot, true, protocol::Writer()); }

void Connection::Complete(uint64_t slot, bool skip, protocol::Writer response) {
  if (!executor_.running_in_this_thread()) {
    boost::asio::post(executor_,
                      [self = shared_from_this(), slot, skip, r = std::move(response)]() mutable {
                        self->Complete(slot, skip, std::move(r));
                      });
    return;
  }
  if (closed_ || slot < head_slot_ || slot - head_slot_ >= pending_.size()) return;
  Pending& p = pending_[slot - head_slot_];
  p.done = true;
  p.skip = skip;
  p.response = std::move(response);
  if (!skip) p.pieces = p.response.Pieces();
  if (slot == head_slot_ && !waiting_writable_) PumpWrites();
}

int Connection::SendPending(Pending& p) {
  int fd = socket_.native_handle();
  while (p.piece < p.pieces.size()) {
    const protocol::Writer::Piece& piece = p.pieces[p.piece];
    if (piece.file != nullptr) {
      off_t off = piece.file->offset + p.sent;
      size_t left = static_cast<size_t>(piece.file->length - p.sent);
      ssize_t n = ::sendfile(fd, piece.file->file->get(), &off, left);
      if (n < 0) return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
      if (n == 0) return -1;  // file shorter than promised: cannot complete the frame
      p.sent += n;
      if (p.sent == piece.file->length) {
        ++p.piece;
        p.sent = 0;
      }
      continue;
    }
    // Gather consecutive memory pieces into one writev.
    iovec iov[kMaxIov];
    int cnt = 0;
    for (size_t i = p.piece; i < p.pieces.size() && cnt < kMaxIov; ++i) {
      if (p.pieces[i].file != nullptr) break;
      size_t skip = (i == p.piece) ? static_cast<size_t>(p.sent) : 0;
      iov[cnt].iov_base = const_cast<uint8_t*>(p.pieces[i].bytes.data() + skip);
      iov[cnt].iov_len = p.pieces[i].bytes.size() - skip;
      ++cnt;
    }
    ssize_t n = ::writev(fd, iov, cnt);
    if (n < 0) return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
    size_t left = static_cast<size_t>(n);
    while (left > 0) {
      size_t rest = p.pieces[p.piece].bytes.size() - static_cast<size_t>(p.sent);
      if (left >= rest) {
        left -= rest;
        ++p.piece;
        p.sent = 0;
      } else {
        p.sent += static_cast<int64_t>(left);
        left = 0;
      }
    }
    // Skip empty memory pieces.
    while (p.piece < p.pieces.size() && p.pieces[p.piece].file == nullptr &&
           p.pieces[p.piece].bytes.empty()) {
      ++p.piece;
    }
  }
  return 1;
}

void Connection::PumpWrites() {
  while (!closed_ && !pending_.empty() && pending_.front().done) {
    Pending& p = pending_.front();
    if (!p.skip) {
      int r = SendPending(p);
      if (r < 0) {
        Close(fmt::format("write failed: {}", std::strerror(errno)));
        return;
      }
      if (r == 0) {
        waiting_writable_ = true;
        socket_.async_wait(boost::asio::ip::tcp::socket::wait_write,
                           [self = shared_from_this()](const boost::system::error_code& ec) {
                             self->waiting_writable_ = false;
                             if (ec) {
                               self->Close(ec.message());
                               return;
                             }
                             self->PumpWrites();
                           });
        return;
      }
      Touch();
    }
    pending_.pop_front();
    ++head_slot_;
  }
  if (read_paused_) ReadMore();
}

}  // namespace gregor::net
