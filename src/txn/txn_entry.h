#pragma once

// TxnCoordinator's record of one transactional id (internal to txn/).

#include <deque>
#include <functional>
#include <string>

#include "txn/txn_coordinator.h"

namespace gregor::txn {

struct TxnCoordinator::Entry {
  Entry(std::string transactional_id, int32_t log_partition)
      : id(std::move(transactional_id)), partition(log_partition) {}

  const std::string id;
  const int32_t partition;  // of __transaction_state
  TxnRecord rec;            // as durable in the log (or as loaded)
  // A write, or a commit/abort round, is in flight; requests wait in `waiters`.
  bool busy = false;
  // The log has a record of this id (a new id has none until its first InitProducerId).
  bool persisted = false;
  std::deque<Op> waiters;
  // A marker round that failed, to retry at `retry_at_ms` (monotonic).
  ThenFn retry_done;
  int64_t retry_at_ms = -1;

  // Kafka's transitions, checked: a bad one is a bug in the coordinator.
  void TransitionTo(TxnRecord& next, TxnState to) const {
    GREGOR_CHECK(IsValidTransition(rec.state, to));
    next.state = to;
  }
};

}  // namespace gregor::txn
