#pragma once

// Where Kafka's coordinators keep an id: partition Utils.abs(id.hashCode()) % n of their
// internal topic (__consumer_offsets for a group, __transaction_state for a transactional
// id), computed as Java does, so ids land on the partitions Kafka would use.

#include <cstdint>
#include <string_view>

namespace gregor {

// Java's String.hashCode of `utf8` decoded to UTF-16 code units. An invalid UTF-8 byte
// counts as one unit (Java would see U+FFFD; no Java client can send such an id).
int32_t JavaStringHashCode(std::string_view utf8);

// Utils.abs(JavaStringHashCode(id)) % partitions; Utils.abs maps INT32_MIN to 0.
// REQUIRES: partitions > 0.
int32_t CoordinatorPartitionFor(std::string_view id, int32_t partitions);

}  // namespace gregor
