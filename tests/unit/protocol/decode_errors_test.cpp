// Each way a decoder can be fed bad bytes, one case each. None may crash, read out of
// bounds, or allocate memory in proportion to a length it was told rather than has seen.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "protocol/api_keys.h"
#include "protocol/messages/all.h"
#include "test_util.h"

// Records the largest single allocation while `g_track` is set, to prove that a huge count
// or length on the wire is rejected before anything is reserved for it. Sanitizer builds
// keep their own allocator (and its new/delete checks), so there the size is not tracked.
#if defined(__SANITIZE_ADDRESS__)
#define GREGOR_TRACK_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GREGOR_TRACK_ALLOCATIONS 0
#endif
#endif
#ifndef GREGOR_TRACK_ALLOCATIONS
#define GREGOR_TRACK_ALLOCATIONS 1
#endif

namespace {
std::atomic<bool> g_track{false};
std::atomic<size_t> g_largest{0};
}  // namespace

#if GREGOR_TRACK_ALLOCATIONS
void* operator new(size_t n) {
  if (g_track.load(std::memory_order_relaxed) && n > g_largest.load()) g_largest = n;
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) std::abort();  // Gregor code does not throw
  return p;
}
// GCC pairs its builtin idea of operator new with these and warns about free(); both halves
// are replaced here, so the pairing is right.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

namespace gregor::protocol {
namespace {

using testing::Bytes;
using testing::DecodeStatus;
using testing::EncodeBody;

class LargestAllocation {
 public:
  LargestAllocation() {
    g_largest = 0;
    g_track = true;
  }
  ~LargestAllocation() { g_track = false; }
  size_t bytes() const { return g_largest.load(); }
};

template <typename T>
void ExpectEveryTruncationFails(const T& msg, int16_t version) {
  const Bytes wire = EncodeBody(msg, version);
  ASSERT_FALSE(wire.empty());
  for (size_t n = 0; n < wire.size(); ++n) {
    Bytes prefix(wire.begin(), wire.begin() + static_cast<ptrdiff_t>(n));
    Status s = DecodeStatus<T>(prefix, version);
    EXPECT_EQ(s.code(), ErrorCode::kCorruptMessage) << "prefix of " << n << " bytes";
  }
  EXPECT_TRUE(DecodeStatus<T>(wire, version).ok());
}

MetadataResponse SampleMetadata() {
  MetadataResponse resp;
  resp.brokers.push_back({.node_id = 1, .host = "h", .port = 9092, .rack = "r"});
  resp.cluster_id = "c";
  MetadataResponse::MetadataResponseTopic& t = resp.topics.emplace_back();
  t.name = "t";
  t.partitions.push_back({.partition_index = 0, .leader_id = 1, .replica_nodes = {1, 2}});
  return resp;
}

TEST(DecodeErrorsTest, TruncationAtEveryByteOfMetadataResponse) {
  for (int16_t v : {0, 1, 9, 12}) {
    SCOPED_TRACE(v);
    ExpectEveryTruncationFails(SampleMetadata(), v);
  }
}

TEST(DecodeErrorsTest, TruncationAtEveryByteOfProduceRequest) {
  ProduceRequest req;
  req.transactional_id = "tx";
  ProduceRequest::PartitionProduceData& p =
      req.topic_data.emplace_back().partition_data.emplace_back();
  p.records = Records::Owned({1, 2, 3, 4});
  for (int16_t v : {3, 9}) {
    SCOPED_TRACE(v);
    ExpectEveryTruncationFails(req, v);
  }
}

TEST(DecodeErrorsTest, TruncationAtEveryByteOfTaggedFields) {
  ApiVersionsResponse resp;
  resp.supported_features.push_back({.name = "f", .min_version = 0, .max_version = 1});
  resp.zk_migration_ready = true;
  ExpectEveryTruncationFails(resp, 3);
}

TEST(DecodeErrorsTest, AbsurdArrayCountFailsWithoutAllocating) {
  const Bytes wire = {0x7f, 0xff, 0xff, 0xff, 0, 1, 'a'};
  LargestAllocation alloc;
  Status s = DecodeStatus<MetadataRequest>(wire, 1);
  EXPECT_EQ(s.code(), ErrorCode::kCorruptMessage);
  EXPECT_LT(alloc.bytes(), 1024u);
}

TEST(DecodeErrorsTest, AbsurdCompactArrayCountFailsWithoutAllocating) {
  const Bytes wire = {0xff, 0xff, 0xff, 0xff, 0x07, 0, 0};
  LargestAllocation alloc;
  Status s = DecodeStatus<MetadataRequest>(wire, 9);
  EXPECT_EQ(s.code(), ErrorCode::kCorruptMessage);
  EXPECT_LT(alloc.bytes(), 1024u);
}

TEST(DecodeErrorsTest, AbsurdPrimitiveArrayCountFailsWithoutAllocating) {
  // MetadataResponse v0 partition replica_nodes claims 0x10000000 int32s.
  const Bytes wire = {0,    0, 0, 0,           // no brokers
                      0,    0, 0, 1,           // one topic
                      0,    0, 0, 1, 't',      // error_code, name
                      0,    0, 0, 1,           // one partition
                      0,    0, 0, 0, 0,   0,   // error_code, partition_index
                      0,    0, 0, 0,           // leader_id
                      0x10, 0, 0, 0, 0,   0};  // replica_nodes: 2^28 elements claimed
  LargestAllocation alloc;
  Status s = DecodeStatus<MetadataResponse>(wire, 0);
  EXPECT_EQ(s.code(), ErrorCode::kCorruptMessage);
  EXPECT_LT(alloc.bytes(), 1024u);
}

TEST(DecodeErrorsTest, AbsurdStringLengthFailsWithoutAllocating) {
  const Bytes wire = {0, 0, 0, 1, 0x7f, 0xff, 'a'};
  LargestAllocation alloc;
  EXPECT_EQ(DecodeStatus<MetadataRequest>(wire, 1).code(), ErrorCode::kCorruptMessage);
  EXPECT_LT(alloc.bytes(), 1024u);
}

TEST(DecodeErrorsTest, AbsurdRecordsLengthFails) {
  // ProduceRequest v3: null txn id, acks, timeout, 1 topic "t", 1 partition, records 2^31-1.
  const Bytes wire = {0xff, 0xff, 0, 1, 0, 0, 0, 0, 0,    0,    0,    1,    0, 1, 't',
                      0,    0,    0, 1, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 1, 2};
  LargestAllocation alloc;
  EXPECT_EQ(DecodeStatus<ProduceRequest>(wire, 3).code(), ErrorCode::kCorruptMessage);
  EXPECT_LT(alloc.bytes(), 1024u);
}

TEST(DecodeErrorsTest, NegativeStringLengthOtherThanMinusOneFails) {
  const Bytes wire = {0, 0, 0, 1, 0xff, 0xfe, 'a', 'b'};
  EXPECT_EQ(DecodeStatus<MetadataRequest>(wire, 1).code(), ErrorCode::kCorruptMessage);
}

TEST(DecodeErrorsTest, NegativeArrayCountOtherThanMinusOneFails) {
  const Bytes wire = {0xff, 0xff, 0xff, 0xfe};
  EXPECT_EQ(DecodeStatus<MetadataRequest>(wire, 1).code(), ErrorCode::kCorruptMessage);
}

TEST(DecodeErrorsTest, CompactStringLengthOverflowFails) {
  // ApiVersionsRequest v3 client_software_name: uvarint 0xffffffff (length 2^32 - 2).
  const Bytes wire = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x00};
  EXPECT_EQ(DecodeStatus<ApiVersionsRequest>(wire, 3).code(), ErrorCode::kCorruptMessage);
}

TEST(DecodeErrorsTest, CompactLengthVarintTooLongFails) {
  const Bytes wire = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x01, 0x00};
  EXPECT_EQ(DecodeStatus<ApiVersionsRequest>(wire, 3).code(), ErrorCode::kCorruptMessage);
}

TEST(DecodeErrorsTest, NullStringWhereVersionForbidsItFails) {
  // MetadataRequestTopic.name is nullable only from v10.
  const Bytes wire = {0, 0, 0, 1, 0xff, 0xff};
  EXPECT_EQ(DecodeStatus<MetadataRequest>(wire, 1).code(), ErrorCode::kInvalidRequest);
}

TEST(DecodeErrorsTest, NullArrayWhereVersionForbidsItFails) {
  // MetadataRequest.topics is nullable only from v1.
  const Bytes wire = {0xff, 0xff, 0xff, 0xff};
  EXPECT_EQ(DecodeStatus<MetadataRequest>(wire, 0).code(), ErrorCode::kInvalidRequest);
  EXPECT_TRUE(DecodeStatus<MetadataRequest>(wire, 1).ok());
}

TEST(DecodeErrorsTest, NullRecordsWhereVersionForbidsItAreAccepted) {
  // Records are nullable in every ProduceRequest version; a null decodes as null.
  ProduceRequest req;
  req.topic_data.emplace_back().partition_data.emplace_back().records = Records::Null();
  ProduceRequest back = testing::DecodeBody<ProduceRequest>(EncodeBody(req, 9), 9);
  EXPECT_TRUE(back.topic_data[0].partition_data[0].records.is_null());
}

TEST(DecodeErrorsTest, VersionOutsideTheSchemaRangeIsUnsupported) {
  const Bytes wire = {0, 0, 0, 0};
  EXPECT_EQ(DecodeStatus<MetadataRequest>(wire, 13).code(), ErrorCode::kUnsupportedVersion);
  EXPECT_EQ(DecodeStatus<MetadataRequest>(wire, -1).code(), ErrorCode::kUnsupportedVersion);
}

TEST(DecodeErrorsTest, UnknownApiKeyIsInvalidRequest) {
  const Bytes wire = {0};
  Reader r(wire);
  EXPECT_EQ(DecodeAnyRequest(1000, 0, r).code(), ErrorCode::kInvalidRequest);
  Reader r2(wire);
  EXPECT_EQ(DecodeAnyRequest(-1, 0, r2).code(), ErrorCode::kInvalidRequest);
}

TEST(NullableStructTest, MarkerByteRoundTrip) {
  ConsumerGroupHeartbeatResponse resp;
  EXPECT_EQ(EncodeBody(resp, 0).back(), 0x00);  // tags
  Bytes null_wire = EncodeBody(resp, 0);
  EXPECT_EQ(null_wire[null_wire.size() - 2], 0xff);  // assignment: -1 = null
  resp.assignment.emplace().topic_partitions.push_back({.partitions = {1, 2}});
  ConsumerGroupHeartbeatResponse back =
      testing::DecodeBody<ConsumerGroupHeartbeatResponse>(EncodeBody(resp, 0), 0);
  EXPECT_EQ(back, resp);
}

TEST(DecodeErrorsTest, ErrorInsideNestedStructStopsDecoding) {
  // Second topic's name is truncated.
  const Bytes wire = {0, 0, 0, 2, 0, 1, 'a', 0, 5, 'b'};
  Reader r(wire);
  MetadataRequest req;
  EXPECT_EQ(req.Decode(r, 1).code(), ErrorCode::kCorruptMessage);
  EXPECT_EQ(r.remaining(), 0u);
}

}  // namespace
}  // namespace gregor::protocol
