#include "protocol/header.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "protocol/api_keys.h"
#include "test_util.h"

namespace gregor::protocol {
namespace {

using testing::Bytes;
using testing::EncodeBody;

constexpr int16_t kProduce = 0;
constexpr int16_t kMetadata = 3;
constexpr int16_t kControlledShutdown = 7;
constexpr int16_t kApiVersions = 18;

TEST(HeaderVersionTest, RequestHeaderFollowsFlexibleVersions) {
  EXPECT_EQ(RequestHeaderVersion(kMetadata, 8), 1);
  EXPECT_EQ(RequestHeaderVersion(kMetadata, 9), 2);
  EXPECT_EQ(RequestHeaderVersion(kProduce, 9), 2);
  EXPECT_EQ(RequestHeaderVersion(kApiVersions, 2), 1);
  EXPECT_EQ(RequestHeaderVersion(kApiVersions, 3), 2);
}

TEST(HeaderVersionTest, ControlledShutdownV0UsesHeaderV0) {
  EXPECT_EQ(RequestHeaderVersion(kControlledShutdown, 0), 0);
  EXPECT_EQ(RequestHeaderVersion(kControlledShutdown, 1), 1);
  EXPECT_EQ(RequestHeaderVersion(kControlledShutdown, 3), 2);
}

TEST(HeaderVersionTest, UnknownKeyOrOldVersionUsesV1) {
  EXPECT_EQ(RequestHeaderVersion(999, 5), 1);
  EXPECT_EQ(RequestHeaderVersion(-1, 0), 1);
  EXPECT_EQ(RequestHeaderVersion(kMetadata, -3), 1);
}

TEST(HeaderVersionTest, NewerVersionOfAFlexibleApiStaysFlexible) {
  // A client newer than us sends ApiVersions v5 with header v2 (flexible is "3+").
  EXPECT_EQ(RequestHeaderVersion(kApiVersions, 5), 2);
}

TEST(HeaderVersionTest, ResponseHeader) {
  EXPECT_EQ(ResponseHeaderVersion(kMetadata, 8), 0);
  EXPECT_EQ(ResponseHeaderVersion(kMetadata, 9), 1);
  for (int16_t v = 0; v <= 5; ++v) EXPECT_EQ(ResponseHeaderVersion(kApiVersions, v), 0);
  EXPECT_EQ(ResponseHeaderVersion(999, 1), 0);
}

TEST(RequestHeaderTest, V2GoldenBytesKeepAnInt16ClientId) {
  RequestHeader h;
  h.request_api_key = kMetadata;
  h.request_api_version = 12;
  h.correlation_id = 7;
  h.client_id = "ab";
  const Bytes expected = {0, 3, 0, 12, 0, 0, 0, 7, 0, 2, 'a', 'b', 0};
  EXPECT_EQ(EncodeBody(h, 2), expected);
  Reader r(expected);
  RequestHeader out;
  ASSERT_TRUE(DecodeRequestHeader(r, out).ok());
  EXPECT_EQ(out, h);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(RequestHeaderTest, V1HasNoTaggedFields) {
  const Bytes wire = {0, 3, 0, 1, 0, 0, 0, 9, 0xff, 0xff, 0xaa};  // null client id, body 0xaa
  Reader r(wire);
  RequestHeader out;
  ASSERT_TRUE(DecodeRequestHeader(r, out).ok());
  EXPECT_EQ(out.correlation_id, 9);
  EXPECT_FALSE(out.client_id.has_value());
  EXPECT_EQ(r.remaining(), 1u);  // the body is left for the body decoder
}

TEST(RequestHeaderTest, V0HasNoClientId) {
  const Bytes wire = {0, 7, 0, 0, 0, 0, 0, 1, 0, 0, 0, 5};
  Reader r(wire);
  RequestHeader out;
  ASSERT_TRUE(DecodeRequestHeader(r, out).ok());
  EXPECT_EQ(out.request_api_key, kControlledShutdown);
  EXPECT_EQ(r.remaining(), 4u);
}

TEST(RequestHeaderTest, TruncatedHeaderFails) {
  for (const Bytes& wire : {Bytes{}, Bytes{0, 3, 0}, Bytes{0, 3, 0, 9, 0, 0}}) {
    Reader r(wire);
    RequestHeader out;
    EXPECT_EQ(DecodeRequestHeader(r, out).code(), ErrorCode::kCorruptMessage);
  }
}

TEST(ResponseHeaderTest, V1AddsTaggedFields) {
  ResponseHeader h;
  h.correlation_id = 258;
  EXPECT_EQ(EncodeBody(h, 0), (Bytes{0, 0, 1, 2}));
  EXPECT_EQ(EncodeBody(h, 1), (Bytes{0, 0, 1, 2, 0}));
}

TEST(ApiKeysTest, TableCoversEveryKeyInOrder) {
  ASSERT_EQ(kApis.size(), 88u);
  for (size_t i = 0; i < kApis.size(); ++i) {
    EXPECT_EQ(kApis[i].key, static_cast<int16_t>(i));
    EXPECT_EQ(FindApi(kApis[i].key), &kApis[i]);
  }
  EXPECT_EQ(FindApi(88), nullptr);
  EXPECT_EQ(FindApi(-1), nullptr);
  const ApiInfo* metadata = FindApi(kMetadata);
  ASSERT_NE(metadata, nullptr);
  EXPECT_EQ(metadata->name, "Metadata");
  EXPECT_EQ(metadata->lowest_version, 0);
  EXPECT_EQ(metadata->highest_version, 12);
  EXPECT_EQ(metadata->first_flexible_version, 9);
  EXPECT_EQ(FindApi(17)->first_flexible_version, INT16_MAX);  // SaslHandshake
  EXPECT_TRUE(FindApi(26)->latest_unstable);                  // EndTxn v5
}

}  // namespace
}  // namespace gregor::protocol
