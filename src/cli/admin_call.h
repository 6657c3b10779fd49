#pragma once

// One librdkafka admin request, for the AdminClient implementation files: owns its options
// and reply queue, and waits for the reply while watching the handle's fatal errors.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "cli/kafka_handle.h"

namespace gregor::cli {

// Owns the objects of one admin request: its options and reply queue, and the reply.
class AdminCall {
 public:
  AdminCall(KafkaHandle& h, rd_kafka_admin_op_t op, bool validate_only)
      : h_(h),
        queue_(rd_kafka_queue_new(h.get())),
        options_(rd_kafka_AdminOptions_new(h.get(), op)) {
    char errstr[256];
    int timeout = h.options().timeout_ms;
    rd_kafka_AdminOptions_set_request_timeout(options_, timeout, errstr, sizeof(errstr));
    if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS ||
        op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS) {
      rd_kafka_AdminOptions_set_operation_timeout(options_, timeout, errstr, sizeof(errstr));
    }
    if (validate_only) rd_kafka_AdminOptions_set_validate_only(options_, 1, errstr, sizeof(errstr));
  }
  ~AdminCall() {
    if (event_ != nullptr) rd_kafka_event_destroy(event_);
    rd_kafka_AdminOptions_destroy(options_);
    rd_kafka_queue_destroy(queue_);
  }
  AdminCall(const AdminCall&) = delete;
  AdminCall& operator=(const AdminCall&) = delete;

  rd_kafka_AdminOptions_t* options() { return options_; }
  rd_kafka_queue_t* queue() { return queue_; }

  // Waits for the reply. Errors: the request's own error (not the per-item ones).
  Result<rd_kafka_event_t*> Wait() {
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(h_.options().timeout_ms + 1000);
    while (event_ == nullptr) {
      event_ = rd_kafka_queue_poll(queue_, std::min(200, std::max(1, RemainingMs(deadline))));
      if (event_ != nullptr) break;
      h_.Poll(0);
      if (auto fatal = h_.fatal_error()) return *fatal;
      if (RemainingMs(deadline) == 0) {
        return Status(ErrorCode::kRequestTimedOut,
                      fmt::format("no answer from {} within {} ms", h_.options().bootstrap,
                                  h_.options().timeout_ms));
      }
    }
    rd_kafka_resp_err_t err = rd_kafka_event_error(event_);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* text = rd_kafka_event_error_string(event_);
      return RdkafkaStatus(err, text ? text : "");
    }
    return event_;
  }

 private:
  KafkaHandle& h_;
  rd_kafka_queue_t* queue_;
  rd_kafka_AdminOptions_t* options_;
  rd_kafka_event_t* event_ = nullptr;
};

}  // namespace gregor::cli
