#pragma once

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Kafka record
// batches (magic 2). Uses the SSE4.2 crc32 instruction when the CPU has it (checked once,
// at first use) and a portable slicing-by-8 table walk otherwise. Both give identical
// results; tests compare them. Thread-safety: pure functions.

#include <cstdint>
#include <span>

namespace gregor {

// CRC-32C of `data`. Crc32c("123456789") == 0xE3069283.
uint32_t Crc32c(std::span<const uint8_t> data);

// The CRC-32C of A||data, given crc == Crc32c(A). Crc32cExtend(0, data) == Crc32c(data).
uint32_t Crc32cExtend(uint32_t crc, std::span<const uint8_t> data);

namespace crc32c_internal {
// The two implementations, exposed so tests can compare them. Both take and return a
// finished CRC value, like Crc32cExtend.
uint32_t ExtendPortable(uint32_t crc, std::span<const uint8_t> data);
// REQUIRES: HardwareAvailable().
uint32_t ExtendHardware(uint32_t crc, std::span<const uint8_t> data);
bool HardwareAvailable();
}  // namespace crc32c_internal

}  // namespace gregor
