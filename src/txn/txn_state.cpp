#include "txn/txn_state.h"

#include <array>

namespace gregor::txn {
namespace {

constexpr std::array<std::string_view, 8> kNames = {
    "Empty",          "Ongoing",       "PrepareCommit", "PrepareAbort",
    "CompleteCommit", "CompleteAbort", "Dead",          "PrepareEpochFence",
};

}  // namespace

std::string_view TxnStateName(TxnState state) {
  return kNames[static_cast<size_t>(static_cast<int8_t>(state))];
}

std::optional<TxnState> ParseTxnStateName(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<TxnState>(i);
  }
  return std::nullopt;
}

std::optional<TxnState> TxnStateFromByte(int8_t b) {
  if (b < 0 || b >= static_cast<int8_t>(kNames.size())) return std::nullopt;
  return static_cast<TxnState>(b);
}

bool IsValidTransition(TxnState from, TxnState to) {
  using S = TxnState;
  switch (to) {
    case S::kEmpty:
      return from == S::kEmpty || from == S::kCompleteCommit || from == S::kCompleteAbort;
    case S::kOngoing:
      return from == S::kOngoing || from == S::kEmpty || from == S::kCompleteCommit ||
             from == S::kCompleteAbort;
    case S::kPrepareCommit:
      return from == S::kOngoing;
    case S::kPrepareAbort:
      return from == S::kOngoing || from == S::kPrepareEpochFence;
    case S::kCompleteCommit:
      return from == S::kPrepareCommit;
    case S::kCompleteAbort:
      return from == S::kPrepareAbort;
    case S::kDead:
      return from == S::kEmpty || from == S::kCompleteCommit || from == S::kCompleteAbort;
    case S::kPrepareEpochFence:
      return from == S::kOngoing;
  }
  return false;
}

}  // namespace gregor::txn
