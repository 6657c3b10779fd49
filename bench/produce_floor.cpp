// The machine's floor for the broker's share of producing: the CPU that one thread spends to
// take bytes off a loopback TCP socket, check their CRC-32C and write them to a file in the
// data directory, with no protocol at all. It is what any broker that validates batches and
// keeps its log in the page cache must spend per byte produced, measured on this machine in
// the same minutes as the brokers (bench/throughput.py).
//
//   produce_floor DIR MIB -> "floor <recv> <recv+crc> <recv+crc+write>" in CPU seconds per GB
//
// Each stage runs on a fresh connection; a second thread sends MIB MiB in 1 MiB writes, as
// a batching producer does, and only the receiving thread's CPU time (RUSAGE_THREAD) counts.
// The write stage appends to a new file allocated beforehand, as Gregor's segments are, and
// deletes it afterwards.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "base/crc32c.h"

namespace {

constexpr size_t kChunk = 1 << 20;

[[noreturn]] void Die(const char* what) {
  std::perror(what);
  std::exit(1);
}

double ThreadCpuSeconds() {
  rusage r{};
  getrusage(RUSAGE_THREAD, &r);
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

// A connected pair of loopback TCP sockets: {sender, receiver}.
std::pair<int, int> LoopbackPair() {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) Die("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0) Die("bind");
  if (listen(listener, 1) != 0) Die("listen");
  if (getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) Die("getsockname");
  int sender = socket(AF_INET, SOCK_STREAM, 0);
  if (sender < 0 || connect(sender, reinterpret_cast<sockaddr*>(&addr), len) != 0) Die("connect");
  int receiver = accept(listener, nullptr, nullptr);
  if (receiver < 0) Die("accept");
  close(listener);
  return {sender, receiver};
}

enum class Stage { kRecv, kCrc, kWrite };

// CPU seconds per GB of the receiving thread for one stage.
double Measure(Stage stage, const std::string& dir, size_t total) {
  auto [sender, receiver] = LoopbackPair();
  std::thread send_thread([fd = sender, total] {
    std::vector<uint8_t> chunk(kChunk);
    for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<uint8_t>(i * 131);
    for (size_t sent = 0; sent < total;) {
      ssize_t n = send(fd, chunk.data() + sent % kChunk, kChunk - sent % kChunk, 0);
      if (n <= 0) Die("send");
      sent += static_cast<size_t>(n);
    }
    close(fd);
  });
  std::string path = dir + "/produce-floor.bin";
  int file = -1;
  if (stage == Stage::kWrite) {
    file = open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (file < 0) Die("open");
    if (fallocate(file, 0, 0, static_cast<off_t>(total)) != 0) Die("fallocate");
  }
  std::vector<uint8_t> buf(kChunk);
  uint32_t crc = 0;
  size_t got = 0;
  double start = ThreadCpuSeconds();
  while (got < total) {
    ssize_t n = recv(receiver, buf.data(), buf.size(), 0);
    if (n <= 0) Die("recv");
    std::span<const uint8_t> bytes(buf.data(), static_cast<size_t>(n));
    if (stage != Stage::kRecv) crc = gregor::Crc32cExtend(crc, bytes);
    if (stage == Stage::kWrite &&
        pwrite(file, bytes.data(), bytes.size(), static_cast<off_t>(got)) != n) {
      Die("pwrite");
    }
    got += static_cast<size_t>(n);
  }
  double cpu = ThreadCpuSeconds() - start;
  send_thread.join();
  close(receiver);
  if (file >= 0) {
    close(file);
    unlink(path.c_str());
  }
  if (crc == 1) std::fputc(' ', stderr);  // keeps the CRC from being optimised away
  return cpu / (static_cast<double>(total) / 1e9);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: produce_floor DIR MIB\n");
    return 2;
  }
  std::string dir = argv[1];
  size_t total = std::strtoull(argv[2], nullptr, 10) << 20;
  double recv = Measure(Stage::kRecv, dir, total);
  double crc = Measure(Stage::kCrc, dir, total);
  double write = Measure(Stage::kWrite, dir, total);
  std::printf("floor %.3f %.3f %.3f\n", recv, crc, write);
  return 0;
}
