// Round trips and golden bytes of the messages the broker serves first.

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "protocol/messages/all.h"
#include "test_util.h"

namespace gregor::protocol {
namespace {

using testing::Bytes;
using testing::DecodeBody;
using testing::EncodeBody;

Uuid TestUuid(uint8_t seed) {
  std::array<uint8_t, 16> b{};
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(seed + i);
  return Uuid(b);
}

TEST(MetadataRequestTest, V1OneTopicGoldenBytes) {
  MetadataRequest req;
  req.topics.emplace().emplace_back().name = "foo";
  // int32 count 1, then int16 length 3 + "foo".
  const Bytes expected = {0, 0, 0, 1, 0, 3, 'f', 'o', 'o'};
  EXPECT_EQ(EncodeBody(req, 1), expected);
  EXPECT_EQ(DecodeBody<MetadataRequest>(expected, 1), req);
}

TEST(MetadataRequestTest, V9GoldenBytes) {
  MetadataRequest req;
  req.topics.emplace().emplace_back().name = "foo";
  req.allow_auto_topic_creation = false;
  req.include_topic_authorized_operations = true;
  const Bytes expected = {
      0x02,                    // compact array: 1 topic
      0x04, 'f', 'o', 'o', 0,  // compact string "foo", topic's tagged fields
      0,                       // allow_auto_topic_creation
      0,                       // include_cluster_authorized_operations (v8-10)
      1,                       // include_topic_authorized_operations
      0,                       // tagged fields
  };
  EXPECT_EQ(EncodeBody(req, 9), expected);
  EXPECT_EQ(DecodeBody<MetadataRequest>(expected, 9), req);
}

TEST(MetadataRequestTest, NullTopicsMeansAllTopicsFromV1) {
  MetadataRequest all;  // topics = nullopt
  EXPECT_EQ(EncodeBody(all, 1), (Bytes{0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(EncodeBody(all, 9), (Bytes{0x00, 0x01, 0x00, 0x00, 0x00}));
  EXPECT_FALSE(DecodeBody<MetadataRequest>(EncodeBody(all, 12), 12).topics.has_value());
  // v0 cannot carry null: it is written as an empty array (which means "all" in v0).
  EXPECT_EQ(EncodeBody(all, 0), (Bytes{0, 0, 0, 0}));
}

TEST(MetadataRequestTest, V12TopicIdAndNullName) {
  MetadataRequest req;
  MetadataRequest::MetadataRequestTopic& t = req.topics.emplace().emplace_back();
  t.topic_id = TestUuid(1);
  t.name = std::nullopt;
  req.allow_auto_topic_creation = false;
  MetadataRequest back = DecodeBody<MetadataRequest>(EncodeBody(req, 12), 12);
  EXPECT_EQ(back, req);
  // Before v10 there is no topic id and the name is not nullable.
  MetadataRequest v1 = DecodeBody<MetadataRequest>(EncodeBody(req, 1), 1);
  ASSERT_EQ(v1.topics->size(), 1u);
  EXPECT_TRUE((*v1.topics)[0].topic_id.IsZero());
  EXPECT_EQ((*v1.topics)[0].name, "");
}

// A response as `version` can carry it, so that decode(encode(x)) == x.
MetadataResponse SampleMetadataResponse(int16_t version) {
  MetadataResponse resp;
  if (version >= 3) resp.throttle_time_ms = 5;
  MetadataResponse::MetadataResponseBroker& b = resp.brokers.emplace_back();
  b.node_id = 1;
  b.host = "localhost";
  b.port = 9092;
  if (version >= 1) b.rack = "rack-a";
  if (version >= 2) resp.cluster_id = "cluster";
  if (version >= 1) resp.controller_id = 1;
  MetadataResponse::MetadataResponseTopic& t = resp.topics.emplace_back();
  t.error_code = 0;
  t.name = "orders";
  if (version >= 10) t.topic_id = TestUuid(7);
  if (version >= 1) t.is_internal = false;
  for (int32_t p = 0; p < 3; ++p) {
    MetadataResponse::MetadataResponsePartition& part = t.partitions.emplace_back();
    part.partition_index = p;
    part.leader_id = 1;
    if (version >= 7) part.leader_epoch = 3;
    part.replica_nodes = {1};
    part.isr_nodes = {1};
    if (version >= 5) part.offline_replicas = {};
  }
  if (version >= 8) t.topic_authorized_operations = 0x0f;
  if (version >= 8 && version <= 10) resp.cluster_authorized_operations = 0;
  return resp;
}

TEST(MetadataResponseTest, RoundTripAtV0V1V9V12) {
  for (int16_t v : {0, 1, 9, 12}) {
    SCOPED_TRACE(v);
    MetadataResponse resp = SampleMetadataResponse(v);
    Bytes wire = EncodeBody(resp, v);
    EXPECT_EQ(DecodeBody<MetadataResponse>(wire, v), resp);
  }
}

TEST(MetadataResponseTest, V0GoldenPrefix) {
  MetadataResponse resp;
  MetadataResponse::MetadataResponseBroker& b = resp.brokers.emplace_back();
  b.node_id = 1;
  b.host = "h";
  b.port = 9092;
  const Bytes expected = {
      0, 0, 0,    1,     // 1 broker
      0, 0, 0,    1,     // node_id
      0, 1, 'h',         // host
      0, 0, 0x23, 0x84,  // port 9092
      0, 0, 0,    0,     // 0 topics
  };
  EXPECT_EQ(EncodeBody(resp, 0), expected);
}

TEST(ApiVersionsResponseTest, RoundTripV0ToV4) {
  for (int16_t v = 0; v <= 4; ++v) {
    SCOPED_TRACE(v);
    ApiVersionsResponse resp;
    resp.error_code = 0;
    resp.api_keys.push_back({.api_key = 0, .min_version = 0, .max_version = 11});
    resp.api_keys.push_back({.api_key = 18, .min_version = 0, .max_version = 4});
    if (v >= 1) resp.throttle_time_ms = 20;
    if (v >= 3) {
      resp.supported_features.push_back(
          {.name = "metadata.version", .min_version = 1, .max_version = 20});
      resp.finalized_features_epoch = 9;
      resp.finalized_features.push_back(
          {.name = "metadata.version", .max_version_level = 20, .min_version_level = 20});
      resp.zk_migration_ready = true;
    }
    EXPECT_EQ(DecodeBody<ApiVersionsResponse>(EncodeBody(resp, v), v), resp);
  }
}

TEST(ApiVersionsResponseTest, V0GoldenBytes) {
  ApiVersionsResponse resp;
  resp.error_code = 35;
  resp.api_keys.push_back({.api_key = 18, .min_version = 0, .max_version = 4});
  const Bytes expected = {0, 35, 0, 0, 0, 1, 0, 18, 0, 0, 0, 4};
  EXPECT_EQ(EncodeBody(resp, 0), expected);
}

TEST(ApiVersionsRequestTest, V3GoldenBytes) {
  ApiVersionsRequest req;
  req.client_software_name = "gregor";
  req.client_software_version = "1.0";
  // compact strings (uvarint length + 1), then an empty tagged-field section.
  const Bytes expected = {7, 'g', 'r', 'e', 'g', 'o', 'r', 4, '1', '.', '0', 0};
  EXPECT_EQ(EncodeBody(req, 3), expected);
  EXPECT_EQ(DecodeBody<ApiVersionsRequest>(expected, 3), req);
  // v0-v2 have an empty body.
  EXPECT_TRUE(EncodeBody(req, 2).empty());
}

ProduceRequest SampleProduce(const Bytes& batch) {
  ProduceRequest req;
  req.transactional_id = std::nullopt;
  req.acks = -1;
  req.timeout_ms = 30000;
  ProduceRequest::TopicProduceData& t = req.topic_data.emplace_back();
  t.name = "orders";
  ProduceRequest::PartitionProduceData& p = t.partition_data.emplace_back();
  p.index = 2;
  p.records = Records::Owned(batch);
  return req;
}

TEST(ProduceRequestTest, RecordsRoundTripAtV3AndV9AsViewsOfTheFrame) {
  const Bytes batch = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0xaa, 0xbb, 0xcc};
  for (int16_t v : {3, 9}) {
    SCOPED_TRACE(v);
    ProduceRequest req = SampleProduce(batch);
    Bytes wire = EncodeBody(req, v);
    ProduceRequest back = DecodeBody<ProduceRequest>(wire, v);
    EXPECT_EQ(back, req);
    const Records& rec = back.topic_data[0].partition_data[0].records;
    // Zero copy: the decoded records point into the frame.
    EXPECT_GE(rec.bytes().data(), wire.data());
    EXPECT_LE(rec.bytes().data() + rec.size(), wire.data() + wire.size());
  }
}

TEST(ProduceRequestTest, V3Layout) {
  ProduceRequest req = SampleProduce({1, 2});
  const Bytes expected = {
      0xff, 0xff,                                  // transactional_id null
      0xff, 0xff,                                  // acks -1
      0,    0,    0x75, 0x30,                      // timeout 30000
      0,    0,    0,    1,                         // 1 topic
      0,    6,    'o',  'r',  'd', 'e', 'r', 's',  // "orders"
      0,    0,    0,    1,                         // 1 partition
      0,    0,    0,    2,                         // index 2
      0,    0,    0,    2,    1,   2,              // records: int32 length + bytes
  };
  EXPECT_EQ(EncodeBody(req, 3), expected);
}

TEST(ProduceRequestTest, NullRecordsRoundTrip) {
  ProduceRequest req = SampleProduce({});
  req.topic_data[0].partition_data[0].records = Records::Null();
  for (int16_t v : {3, 9}) {
    ProduceRequest back = DecodeBody<ProduceRequest>(EncodeBody(req, v), v);
    EXPECT_TRUE(back.topic_data[0].partition_data[0].records.is_null());
  }
}

// Builds the bytes a peer would receive: pieces in order, each file region replaced by
// `region_content` (which must be exactly as long as the region).
Bytes Receive(const Writer& w, const Bytes& region_content) {
  Bytes out;
  for (const Writer::Piece& p : w.Pieces()) {
    if (p.file) {
      EXPECT_EQ(static_cast<size_t>(p.file->length), region_content.size());
      out.insert(out.end(), region_content.begin(), region_content.end());
    } else {
      out.insert(out.end(), p.bytes.begin(), p.bytes.end());
    }
  }
  EXPECT_EQ(out.size(), w.size());
  return out;
}

FetchResponse SampleFetch(int16_t version, const FileRegion& region) {
  FetchResponse resp;
  if (version >= 1) resp.throttle_time_ms = 0;
  if (version >= 7) resp.session_id = 77;
  FetchResponse::FetchableTopicResponse& t = resp.responses.emplace_back();
  if (version <= 12) t.topic = "orders";
  if (version >= 13) t.topic_id = TestUuid(3);
  FetchResponse::PartitionData& p = t.partitions.emplace_back();
  p.partition_index = 0;
  p.high_watermark = 100;
  if (version >= 4) {
    p.last_stable_offset = 100;
    p.aborted_transactions = std::vector<FetchResponse::AbortedTransaction>{};
  }
  if (version >= 5) p.log_start_offset = 0;
  if (version >= 12) p.current_leader = {.leader_id = 1, .leader_epoch = 4};
  if (version >= 11) p.preferred_read_replica = -1;
  p.records.AddFileRegion(region);
  if (version >= 16) {
    resp.node_endpoints.push_back({.node_id = 1, .host = "localhost", .port = 9092});
  }
  return resp;
}

TEST(FetchResponseTest, FileRegionPieceAtV4V12V16) {
  const Bytes segment_bytes = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 9, 8};
  FileRegion region{std::make_shared<const ScopedFd>(), 4096,
                    static_cast<int64_t>(segment_bytes.size())};
  for (int16_t v : {4, 12, 16}) {
    SCOPED_TRACE(v);
    FetchResponse resp = SampleFetch(v, region);
    Writer w;
    resp.Encode(w, v);
    ASSERT_TRUE(w.has_file_regions());
    size_t regions = 0;
    for (const Writer::Piece& p : w.Pieces()) regions += p.file != nullptr ? 1 : 0;
    EXPECT_EQ(regions, 1u);
    // What the client reads decodes to the same response, with the records' bytes.
    Bytes wire = Receive(w, segment_bytes);
    FetchResponse back = DecodeBody<FetchResponse>(wire, v);
    FetchResponse expected = resp;
    expected.responses[0].partitions[0].records = Records::Owned(segment_bytes);
    EXPECT_EQ(back, expected);
  }
}

}  // namespace
}  // namespace gregor::protocol
