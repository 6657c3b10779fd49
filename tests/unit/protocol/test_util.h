#pragma once

// Helpers shared by the protocol tests: encode to bytes, decode from bytes.

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "protocol/reader.h"
#include "protocol/writer.h"

namespace gregor::protocol::testing {

using Bytes = std::vector<uint8_t>;

template <typename T>
Bytes EncodeBody(const T& msg, int16_t version) {
  Writer w;
  msg.Encode(w, version);
  return w.TakeBytes();
}

// Decodes all of `bytes`, expecting success.
template <typename T>
T DecodeBody(const Bytes& bytes, int16_t version) {
  Reader r(bytes);
  T out;
  Status s = out.Decode(r, version);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(r.remaining(), 0u);
  return out;
}

// The status of decoding `bytes` as a T.
template <typename T>
Status DecodeStatus(const Bytes& bytes, int16_t version) {
  Reader r(bytes);
  T out;
  return out.Decode(r, version);
}

}  // namespace gregor::protocol::testing
