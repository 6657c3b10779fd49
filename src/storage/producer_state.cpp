#include "storage/producer_state.h"

#include <algorithm>
#include <limits>
#include <string>

#include "storage/batch_builder.h"
#include "storage/wire.h"

namespace gregor::storage {
namespace {

// Kafka's DefaultRecordBatch.incrementSequence: sequences wrap from INT32_MAX to 0.
int32_t IncrementSequence(int32_t seq, int32_t increment) {
  if (seq > std::numeric_limits<int32_t>::max() - increment) {
    return increment - (std::numeric_limits<int32_t>::max() - seq) - 1;
  }
  return seq + increment;
}

bool InSequence(int32_t last_seq, int32_t next_seq) {
  return int64_t{next_seq} == int64_t{last_seq} + 1 ||
         (next_seq == 0 && last_seq == std::numeric_limits<int32_t>::max());
}

int32_t LastSequence(const BatchHeader& h) {
  if (h.base_sequence == kNoSequence) return kNoSequence;
  return IncrementSequence(h.base_sequence, h.last_offset_delta);
}

std::string Describe(const BatchHeader& h, Offset at) {
  return "producer " + std::to_string(h.producer_id.value()) + " epoch " +
         std::to_string(h.producer_epoch.value()) + " sequence " +
         std::to_string(h.base_sequence) + " at offset " + std::to_string(at.value());
}

}  // namespace

std::optional<ControlType> ParseControlType(std::span<const uint8_t> batch) {
  if (batch.size() <= static_cast<size_t>(kBatchHeaderSize)) return std::nullopt;
  BatchHeader h = BatchHeader::Parse(batch);
  if (!h.control() || h.compression() != Compression::kNone || h.record_count < 1) {
    return std::nullopt;
  }
  const uint8_t* p = batch.data() + kBatchHeaderSize;
  const uint8_t* end = batch.data() + batch.size();
  int32_t length = 0, offset_delta = 0, key_length = 0;
  int64_t timestamp_delta = 0;
  if (!ReadVarint(&p, end, &length) || p >= end) return std::nullopt;
  ++p;  // record attributes
  if (!ReadVarlong(&p, end, &timestamp_delta) || !ReadVarint(&p, end, &offset_delta) ||
      !ReadVarint(&p, end, &key_length)) {
    return std::nullopt;
  }
  if (key_length != 4 || end - p < 4) return std::nullopt;
  int16_t type = static_cast<int16_t>(LoadBe16(p + 2));
  if (type == static_cast<int16_t>(ControlType::kAbort)) return ControlType::kAbort;
  if (type == static_cast<int16_t>(ControlType::kCommit)) return ControlType::kCommit;
  return std::nullopt;
}

Result<std::vector<uint8_t>> MakeMarkerBatch(ProducerId producer_id, ProducerEpoch epoch,
                                             ControlType type, int32_t coordinator_epoch,
                                             int64_t timestamp_ms) {
  BatchOptions o;
  o.base_timestamp = timestamp_ms;
  o.control = true;
  o.transactional = true;
  o.producer_id = producer_id;
  o.producer_epoch = epoch;
  o.base_sequence = kNoSequence;
  uint8_t key[4] = {0, 0, 0, 0};
  StoreBe16(key + 2, static_cast<uint16_t>(type));
  uint8_t value[6] = {0, 0, 0, 0, 0, 0};
  StoreBe32(value + 2, static_cast<uint32_t>(coordinator_epoch));
  BatchBuilder builder(o);
  builder.Add(timestamp_ms, std::string_view(reinterpret_cast<const char*>(key), sizeof(key)),
              std::string_view(reinterpret_cast<const char*>(value), sizeof(value)));
  return builder.Build();
}

void ProducerEntry::AddBatch(const BatchMetadata& b) {
  if (batch_count == kBatchesToRetain) {
    batches[head] = b;
    head = static_cast<int8_t>((head + 1) % kBatchesToRetain);
  } else {
    batches[(head + batch_count) % kBatchesToRetain] = b;
    ++batch_count;
  }
}

ProducerEntry* StagedProducerUpdates::Find(ProducerId id) {
  for (auto& [pid, entry] : entries_) {
    if (pid == id) return &entry;
  }
  return nullptr;
}

const ProducerEntry* ProducerStateManager::Find(ProducerId id) const {
  auto it = producers_.find(id);
  return it == producers_.end() ? nullptr : &it->second;
}

Result<std::optional<ProducerStateManager::Duplicate>> ProducerStateManager::Stage(
    const BatchHeader& h, Offset first_offset, AppendOrigin origin,
    std::optional<ControlType> control, int64_t now_ms, StagedProducerUpdates* staged) const {
  ProducerId id = h.producer_id;
  const ProducerEntry* current = staged->Find(id);
  if (current == nullptr) current = Find(id);
  bool client = origin == AppendOrigin::kClient;

  if (h.control()) {
    if (!control.has_value()) {
      return Status(ErrorCode::kInvalidRecord, "control batch without a transaction marker");
    }
  } else if (client && current != nullptr && h.producer_epoch == current->epoch) {
    int32_t last_seq = LastSequence(h);
    for (int i = 0; i < current->batch_count; ++i) {
      const BatchMetadata& b = current->batch(i);
      if (b.first_seq == h.base_sequence && b.last_seq == last_seq) {
        return std::optional<Duplicate>(Duplicate{b.first_offset, b.last_offset});
      }
    }
  }
  if (current != nullptr && h.producer_epoch < current->epoch) {
    return Status(ErrorCode::kInvalidProducerEpoch,
                  Describe(h, first_offset) + ": the producer's epoch here is already " +
                      std::to_string(current->epoch.value()));
  }
  if (client && !h.control()) {
    if (current == nullptr || current->epoch == ProducerEpoch(-1)) {
      if (h.base_sequence != 0) {
        return Status(ErrorCode::kUnknownProducerId,
                      Describe(h, first_offset) +
                          ": no state for this producer here (new, expired or its records "
                          "deleted); a producer starts at sequence 0");
      }
    } else if (h.producer_epoch != current->epoch) {
      if (h.base_sequence != 0) {
        return Status(ErrorCode::kOutOfOrderSequenceNumber,
                      Describe(h, first_offset) + ": a new epoch starts at sequence 0");
      }
    } else if (!InSequence(current->last_seq(), h.base_sequence)) {
      return Status(ErrorCode::kOutOfOrderSequenceNumber,
                    Describe(h, first_offset) + ": expected sequence " +
                        std::to_string(IncrementSequence(current->last_seq(), 1)));
    }
  }
  if (!h.control() && current != nullptr && current->txn_first_offset >= Offset(0) &&
      !h.transactional()) {
    return Status(ErrorCode::kInvalidTxnState,
                  Describe(h, first_offset) +
                      ": a non-transactional batch while the producer's transaction is open");
  }

  Apply(h, first_offset, control, now_ms, staged);
  return std::optional<Duplicate>();
}

void ProducerStateManager::Apply(const BatchHeader& h, Offset first_offset,
                                 std::optional<ControlType> control, int64_t now_ms,
                                 StagedProducerUpdates* staged) const {
  ProducerId id = h.producer_id;
  ProducerEntry* entry = staged->Find(id);
  if (entry == nullptr) {
    const ProducerEntry* current = Find(id);
    staged->entries_.emplace_back(id, current != nullptr ? *current : ProducerEntry{});
    entry = &staged->entries_.back().second;
  }
  if (entry->epoch != h.producer_epoch) {
    entry->epoch = h.producer_epoch;
    entry->ClearBatches();
  }
  entry->last_timestamp = h.max_timestamp;
  entry->last_append_ms = now_ms;
  if (h.control()) {
    entry->coordinator_epoch = 0;  // Gregor's one transaction coordinator never moves
    if (entry->txn_first_offset >= Offset(0)) {
      staged->txns_ended_.emplace_back(id, entry->txn_first_offset);
      if (control == ControlType::kAbort) {
        staged->aborted_.push_back({id, entry->txn_first_offset, first_offset});
      }
      entry->txn_first_offset = Offset(-1);
    }
    return;
  }
  Offset last_offset = first_offset + h.last_offset_delta;
  entry->AddBatch({h.base_sequence, LastSequence(h), first_offset, last_offset, h.max_timestamp});
  if (h.transactional() && entry->txn_first_offset < Offset(0)) {
    entry->txn_first_offset = first_offset;
    staged->txns_started_.emplace_back(first_offset, id);
  }
}

void ProducerStateManager::Commit(StagedProducerUpdates&& staged) {
  for (auto& [id, entry] : staged.entries_) producers_[id] = entry;
  for (const auto& [id, first] : staged.txns_ended_) {
    auto it = open_txns_.find(first);
    if (it != open_txns_.end() && it->second == id) open_txns_.erase(it);
  }
  for (const auto& [first, id] : staged.txns_started_) open_txns_[first] = id;
  for (const AbortedTxn& a : staged.aborted_) aborted_.push_back(a);
}

void ProducerStateManager::Replay(const BatchHeader& h, std::optional<ControlType> control,
                                  int64_t now_ms) {
  if (h.producer_id < ProducerId(0)) return;
  if (h.control() && !control.has_value()) return;  // not a marker: nothing to learn
  // Kafka's replication origin: what is in the log is applied, not judged.
  StagedProducerUpdates staged;
  Apply(h, h.base_offset, control, now_ms, &staged);
  Commit(std::move(staged));
}

std::optional<Offset> ProducerStateManager::first_unstable_offset() const {
  if (open_txns_.empty()) return std::nullopt;
  return open_txns_.begin()->first;
}

std::vector<AbortedTxn> ProducerStateManager::AbortedTransactions(Offset from, Offset upto) const {
  std::vector<AbortedTxn> out;
  auto it = std::lower_bound(aborted_.begin(), aborted_.end(), from,
                             [](const AbortedTxn& a, Offset o) { return a.last_offset < o; });
  for (; it != aborted_.end(); ++it) {
    if (it->first_offset < upto) out.push_back(*it);
  }
  return out;
}

void ProducerStateManager::TruncateHead(Offset log_start) {
  std::erase_if(producers_, [&](const auto& kv) {
    return kv.second.txn_first_offset < Offset(0) && kv.second.last_offset() < log_start;
  });
  std::erase_if(aborted_, [&](const AbortedTxn& a) { return a.last_offset < log_start; });
}

int ProducerStateManager::ExpireProducers(int64_t now_ms, int64_t expiration_ms) {
  return static_cast<int>(std::erase_if(producers_, [&](const auto& kv) {
    return kv.second.txn_first_offset < Offset(0) &&
           now_ms - kv.second.last_append_ms >= expiration_ms;
  }));
}

std::vector<ProducerInfo> ProducerStateManager::ActiveProducers() const {
  std::vector<ProducerInfo> out;
  out.reserve(producers_.size());
  for (const auto& [id, e] : producers_) {
    out.push_back({id, e.epoch, e.last_seq(), e.last_timestamp, e.coordinator_epoch,
                   e.txn_first_offset});
  }
  std::sort(out.begin(), out.end(),
            [](const ProducerInfo& a, const ProducerInfo& b) { return a.producer_id < b.producer_id; });
  return out;
}

void ProducerStateManager::Reset(std::unordered_map<ProducerId, ProducerEntry> producers,
                                 std::vector<AbortedTxn> aborted) {
  producers_ = std::move(producers);
  aborted_ = std::move(aborted);
  open_txns_.clear();
  for (const auto& [id, e] : producers_) {
    if (e.txn_first_offset >= Offset(0)) open_txns_[e.txn_first_offset] = id;
  }
}

}  // namespace gregor::storage
