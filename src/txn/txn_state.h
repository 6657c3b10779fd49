#pragma once

// The state of one transactional id (Kafka's TransactionState), with the byte each state
// has in __transaction_state records and the name DescribeTransactions/ListTransactions
// use.
//
//   kEmpty (0)          No transaction open; after InitProducerId.
//                       InitProducerId: bump the epoch (or a new producer id when it is
//                       exhausted) -> kEmpty. AddPartitionsToTxn/AddOffsetsToTxn ->
//                       kOngoing. TxnOffsetCommit: INVALID_TXN_STATE. EndTxn:
//                       INVALID_TXN_STATE. Expiry (transactional.id.expiration.ms) -> kDead.
//   kOngoing (1)        A transaction is open on the listed partitions.
//                       InitProducerId (another instance): fence - bump the epoch and abort
//                       (-> kPrepareEpochFence -> kPrepareAbort), answering
//                       CONCURRENT_TRANSACTIONS so the new instance retries.
//                       AddPartitionsToTxn/AddOffsetsToTxn -> kOngoing (more partitions).
//                       TxnOffsetCommit: offsets stay pending. EndTxn -> kPrepareCommit or
//                       kPrepareAbort. Timeout (transaction.timeout.ms) -> fence and abort.
//   kPrepareCommit (2)  The commit is decided (durable); markers are being written.
//   kPrepareAbort (3)   The abort is decided; markers are being written.
//                       Both: EndTxn with the same decision, AddPartitionsToTxn and
//                       InitProducerId: CONCURRENT_TRANSACTIONS (clients retry); EndTxn with
//                       the other decision: INVALID_TXN_STATE. Markers written ->
//                       kCompleteCommit / kCompleteAbort.
//   kCompleteCommit (4)
//   kCompleteAbort (5)  The last transaction finished. Like kEmpty, except that EndTxn with
//                       the same decision is a retry and answers NONE.
//   kDead (6)           The id expired; its record is a tombstone. Nothing leaves it.
//   kPrepareEpochFence (7)  In memory only: the epoch was bumped to fence a producer and the
//                       abort follows (-> kPrepareAbort).

#include <cstdint>
#include <optional>
#include <string_view>

namespace gregor::txn {

enum class TxnState : int8_t {
  kEmpty = 0,
  kOngoing = 1,
  kPrepareCommit = 2,
  kPrepareAbort = 3,
  kCompleteCommit = 4,
  kCompleteAbort = 5,
  kDead = 6,
  kPrepareEpochFence = 7,
};

// Kafka's names: "Empty", "Ongoing", "PrepareCommit", ..., "PrepareEpochFence".
std::string_view TxnStateName(TxnState state);
std::optional<TxnState> ParseTxnStateName(std::string_view name);
// The state with this record byte, or nullopt.
std::optional<TxnState> TxnStateFromByte(int8_t b);

// Kafka's validPreviousStates: whether `to` may follow `from`.
bool IsValidTransition(TxnState from, TxnState to);

// A transaction is open (its partitions' last stable offsets may be held back).
inline bool IsInTransaction(TxnState s) {
  return s == TxnState::kOngoing || s == TxnState::kPrepareCommit ||
         s == TxnState::kPrepareAbort || s == TxnState::kPrepareEpochFence;
}

}  // namespace gregor::txn
