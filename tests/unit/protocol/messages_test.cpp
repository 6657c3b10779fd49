#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "protocol/messages/all.h"
#include "protocol/reader.h"
#include "protocol/writer.h"

namespace gregor::protocol {
namespace {

using Bytes = std::vector<uint8_t>;

template <typename T>
Bytes EncodeBody(const T& msg, int16_t version) {
  Writer w;
  msg.Encode(w, version);
  return w.TakeBytes();
}

template <typename T>
T DecodeBody(const Bytes& bytes, int16_t version) {
  Reader r(bytes);
  T out;
  Status s = out.Decode(r, version);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(r.remaining(), 0u);
  return out;
}

TEST(MetadataRequestTest, V1OneTopicGoldenBytes) {
  MetadataRequest req;
  req.topics.emplace().emplace_back().name = "foo";
  // int32 count 1, then int16 length 3 + "foo".
  const Bytes expected = {0, 0, 0, 1, 0, 3, 'f', 'o', 'o'};
  EXPECT_EQ(EncodeBody(req, 1), expected);
  MetadataRequest back = DecodeBody<MetadataRequest>(expected, 1);
  EXPECT_EQ(back, req);
}

TEST(ApiVersionsRequestTest, V3GoldenBytes) {
  ApiVersionsRequest req;
  req.client_software_name = "gregor";
  req.client_software_version = "1.0";
  // compact strings (uvarint length + 1), then an empty tagged-field section.
  const Bytes expected = {7, 'g', 'r', 'e', 'g', 'o', 'r', 4, '1', '.', '0', 0};
  EXPECT_EQ(EncodeBody(req, 3), expected);
  EXPECT_EQ(DecodeBody<ApiVersionsRequest>(expected, 3), req);
}

}  // namespace
}  // namespace gregor::protocol
