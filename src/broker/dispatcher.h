#pragma once

// Routes decoded request frames to handlers (DESIGN.md "Flow of a request"): decode the
// header, check the key and version against AllHandlers() (the table ApiVersions
// serves), and call the handler. An unknown key, an unsupported version (other than
// ApiVersions') or a malformed header closes the connection, as Kafka does.

#include "net/connection.h"

namespace gregor::broker {

class Broker;

class Dispatcher final : public net::FrameHandler {
 public:
  // REQUIRES: `broker` outlives the dispatcher.
  explicit Dispatcher(Broker& broker) : broker_(broker) {}
  void OnFrame(const std::shared_ptr<net::Connection>& conn, net::Frame frame,
               uint64_t slot) override;

 private:
  Broker& broker_;
};

}  // namespace gregor::broker
