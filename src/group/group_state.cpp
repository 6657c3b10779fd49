#include "group/group_state.h"

#include <array>
#include <cctype>

namespace gregor::group {
namespace {

constexpr std::array<GroupState, 5> kAll = {GroupState::kEmpty, GroupState::kPreparingRebalance,
                                            GroupState::kCompletingRebalance, GroupState::kStable,
                                            GroupState::kDead};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view GroupStateName(GroupState state) {
  switch (state) {
    case GroupState::kEmpty:
      return "Empty";
    case GroupState::kPreparingRebalance:
      return "PreparingRebalance";
    case GroupState::kCompletingRebalance:
      return "CompletingRebalance";
    case GroupState::kStable:
      return "Stable";
    case GroupState::kDead:
      return "Dead";
  }
  return "Unknown";
}

std::optional<GroupState> ParseGroupState(std::string_view name) {
  for (GroupState s : kAll) {
    if (EqualsIgnoreCase(name, GroupStateName(s))) return s;
  }
  return std::nullopt;
}

bool IsValidTransition(GroupState from, GroupState to) {
  switch (to) {
    case GroupState::kEmpty:
      return from == GroupState::kPreparingRebalance;
    case GroupState::kPreparingRebalance:
      return from == GroupState::kEmpty || from == GroupState::kCompletingRebalance ||
             from == GroupState::kStable;
    case GroupState::kCompletingRebalance:
      return from == GroupState::kPreparingRebalance;
    case GroupState::kStable:
      return from == GroupState::kCompletingRebalance;
    case GroupState::kDead:
      return true;  // from any state, Dead included (removal is idempotent)
  }
  return false;
}

}  // namespace gregor::group
