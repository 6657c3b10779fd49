// Tagged fields (KIP-482): written only when not default, in tag order, skipped when unknown.

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "protocol/messages/all.h"
#include "test_util.h"

namespace gregor::protocol {
namespace {

using testing::Bytes;
using testing::DecodeBody;
using testing::DecodeStatus;
using testing::EncodeBody;

TEST(TaggedFieldsTest, KnownTagGoldenBytes) {
  ApiVersionsResponse resp;
  resp.finalized_features_epoch = 5;
  const Bytes expected = {
      0,    0,                       // error_code
      0x01,                          // api_keys: empty compact array
      0,    0,    0, 0,              // throttle_time_ms
      0x01,                          // one tagged field
      0x01, 0x08,                    // tag 1, 8 bytes
      0,    0,    0, 0, 0, 0, 0, 5,  // finalized_features_epoch
  };
  EXPECT_EQ(EncodeBody(resp, 3), expected);
  EXPECT_EQ(DecodeBody<ApiVersionsResponse>(expected, 3), resp);
}

TEST(TaggedFieldsTest, DefaultValuesAreNotWritten) {
  ApiVersionsResponse resp;  // every tagged field at its default
  EXPECT_EQ(EncodeBody(resp, 3), (Bytes{0, 0, 0x01, 0, 0, 0, 0, 0x00}));
  FetchRequest fetch;
  fetch.replica_state = {.replica_id = -1, .replica_epoch = -1};  // == default
  Bytes wire = EncodeBody(fetch, 15);
  EXPECT_EQ(wire.back(), 0x00);  // empty top-level tagged section
}

TEST(TaggedFieldsTest, TagsAreWrittenInAscendingOrder) {
  ApiVersionsResponse resp;
  resp.zk_migration_ready = true;     // tag 3
  resp.finalized_features_epoch = 1;  // tag 1
  Bytes wire = EncodeBody(resp, 3);
  // ... throttle_time_ms, then 2 tags: tag 1 (8 bytes) before tag 3 (1 byte).
  const Bytes tail = {0x02, 0x01, 0x08, 0, 0, 0, 0, 0, 0, 0, 1, 0x03, 0x01, 0x01};
  ASSERT_GE(wire.size(), tail.size());
  EXPECT_EQ(Bytes(wire.end() - static_cast<ptrdiff_t>(tail.size()), wire.end()), tail);
}

TEST(TaggedFieldsTest, NullableStringAndStructTagsRoundTrip) {
  FetchRequest req;
  req.cluster_id = "abc";                                     // tag 0, default null
  req.replica_state = {.replica_id = 2, .replica_epoch = 7};  // tag 1 (v15+)
  req.max_wait_ms = 500;
  FetchRequest::FetchTopic& t = req.topics.emplace_back();
  t.topic_id = Uuid(std::array<uint8_t, 16>{1, 2, 3});
  FetchRequest::FetchPartition& p = t.partitions.emplace_back();
  p.partition = 3;
  p.replica_directory_id = Uuid(std::array<uint8_t, 16>{9});  // nested tag 0 (v17+)
  req.rack_id = "r1";
  req.replica_id = -1;  // v15+ carries it in replica_state instead
  EXPECT_EQ(DecodeBody<FetchRequest>(EncodeBody(req, 17), 17), req);
}

TEST(TaggedFieldsTest, NestedStructTagsRoundTrip) {
  FetchResponse resp;
  FetchResponse::PartitionData& p = resp.responses.emplace_back().partitions.emplace_back();
  p.diverging_epoch = {.epoch = 3, .end_offset = 42};  // tag 0
  p.snapshot_id = {.end_offset = 10, .epoch = 1};      // tag 2
  EXPECT_EQ(DecodeBody<FetchResponse>(EncodeBody(resp, 12), 12), resp);
}

TEST(TaggedFieldsTest, UnknownTopLevelTagIsSkipped) {
  const Bytes wire = {
      0x01,                    // client_software_name ""
      0x01,                    // client_software_version ""
      0x01,                    // one tagged field
      0x2a, 0x02, 0xde, 0xad,  // tag 42, 2 bytes
  };
  ApiVersionsRequest req = DecodeBody<ApiVersionsRequest>(wire, 3);
  EXPECT_EQ(req, ApiVersionsRequest());
}

TEST(TaggedFieldsTest, UnknownTagInNestedStructIsSkipped) {
  Bytes wire = {0x02};                                                   // one topic
  for (int i = 0; i < 16; ++i) wire.push_back(static_cast<uint8_t>(i));  // topic_id
  const Bytes rest = {
      0x04, 'f',  'o',  'o',   // name
      0x01, 0x05, 0x01, 0xff,  // topic's tags: tag 5, 1 byte
      0x01,                    // allow_auto_topic_creation
      0x00,                    // include_topic_authorized_operations
      0x00,                    // no top-level tags
  };
  wire.insert(wire.end(), rest.begin(), rest.end());
  MetadataRequest req = DecodeBody<MetadataRequest>(wire, 12);
  ASSERT_TRUE(req.topics.has_value());
  ASSERT_EQ(req.topics->size(), 1u);
  EXPECT_EQ((*req.topics)[0].name, "foo");
}

TEST(TaggedFieldsTest, TagOfALaterVersionIsTreatedAsUnknown) {
  // replica_state is tag 1 from v15; at v12 the tag must be skipped, not parsed.
  FetchRequest plain;
  Bytes v12 = EncodeBody(plain, 12);
  // Replace the empty top-level tag section by one holding replica_state as v15 writes it.
  ASSERT_EQ(v12.back(), 0x00);
  v12.pop_back();
  const Bytes tags = {0x01, 0x01, 0x0d, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 7, 0};
  v12.insert(v12.end(), tags.begin(), tags.end());
  FetchRequest back = DecodeBody<FetchRequest>(v12, 12);
  EXPECT_EQ(back.replica_state, FetchRequest::ReplicaState());
}

TEST(TaggedFieldsTest, TagSizeBeyondInputFails) {
  const Bytes wire = {0x01, 0x01, 0x01, 0x2a, 0x09, 0xde};
  EXPECT_EQ(DecodeStatus<ApiVersionsRequest>(wire, 3).code(), ErrorCode::kCorruptMessage);
}

TEST(TaggedFieldsTest, KnownTagWithShortPayloadFails) {
  // tag 1 (finalized_features_epoch, int64) with a 2-byte payload.
  const Bytes wire = {0, 0, 0x01, 0, 0, 0, 0, 0x01, 0x01, 0x02, 0, 5};
  EXPECT_EQ(DecodeStatus<ApiVersionsResponse>(wire, 3).code(), ErrorCode::kCorruptMessage);
}

TEST(TaggedFieldsTest, HugeTagCountFailsFast) {
  const Bytes wire = {0x01, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f};
  EXPECT_EQ(DecodeStatus<ApiVersionsRequest>(wire, 3).code(), ErrorCode::kCorruptMessage);
}

}  // namespace
}  // namespace gregor::protocol
