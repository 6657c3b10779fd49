#include "storage/legacy_format.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "storage/compression.h"
#include "storage/wire.h"
#include "test_util.h"

namespace gregor::storage {
namespace {

using testing::DecodeAll;
using testing::MakeBatch;
using testing::TestRecord;
using Str = std::optional<std::string>;

// One legacy message, encoded independently of the code under test.
std::vector<uint8_t> Message(int8_t magic, int64_t offset, int8_t attributes, int64_t ts,
                             const Str& key, const Str& value) {
  size_t body_size = 4 + 1 + 1 + (magic == 1 ? 8 : 0) + 4 + (key ? key->size() : 0) + 4 +
                     (value ? value->size() : 0);
  std::vector<uint8_t> out(12 + body_size);
  StoreBe64(out.data(), static_cast<uint64_t>(offset));
  StoreBe32(out.data() + 8, static_cast<uint32_t>(body_size));
  uint8_t* body = out.data() + 12;
  body[4] = static_cast<uint8_t>(magic);
  body[5] = static_cast<uint8_t>(attributes);
  uint8_t* p = body + 6;
  if (magic == 1) {
    StoreBe64(p, static_cast<uint64_t>(ts));
    p += 8;
  }
  for (const Str* f : {&key, &value}) {
    StoreBe32(p, f->has_value() ? static_cast<uint32_t>((*f)->size()) : 0xFFFFFFFFu);
    p += 4;
    if (f->has_value()) p = std::copy((*f)->begin(), (*f)->end(), p);
  }
  StoreBe32(body, static_cast<uint32_t>(::crc32(0, body + 4, static_cast<uInt>(body_size - 4))));
  return out;
}

// Flips a bit of the last byte (inside the value, so the CRC no longer matches). Not
// inlined: GCC 12's -Wstringop-overflow misreads the copied vector's size when it is.
[[gnu::noinline]] std::vector<uint8_t> FlipLastByte(std::vector<uint8_t> m) {
  m[m.size() - 1] ^= 1;
  return m;
}

std::vector<uint8_t> Cat(std::vector<std::vector<uint8_t>> parts) { return testing::Concat(parts); }

std::vector<uint8_t> Wrapper(int8_t magic, Compression codec, const std::vector<uint8_t>& inner,
                             int64_t offset = 0, int64_t ts = 1000) {
  auto compressed = CompressRecords(codec, inner);
  EXPECT_TRUE(compressed.ok());
  return Message(magic, offset, static_cast<int8_t>(codec), ts, std::nullopt,
                 std::string(compressed->begin(), compressed->end()));
}

struct TopMessage {
  int64_t offset;
  int8_t magic;
  int8_t attributes;
  int64_t timestamp;
};

// The top-level messages of a set (wrappers are not opened).
std::vector<TopMessage> TopLevel(std::span<const uint8_t> set) {
  std::vector<TopMessage> out;
  size_t pos = 0;
  while (pos + 12 <= set.size()) {
    const uint8_t* p = set.data() + pos;
    uint32_t size = LoadBe32(p + 8);
    int8_t magic = static_cast<int8_t>(p[16]);
    int64_t ts = magic == 1 ? static_cast<int64_t>(LoadBe64(p + 18)) : -1;
    out.push_back({static_cast<int64_t>(LoadBe64(p)), magic, static_cast<int8_t>(p[17]), ts});
    pos += 12 + size;
  }
  EXPECT_EQ(pos, set.size());
  return out;
}

// Up-converts and decodes the resulting batch.
std::vector<testing::DecodedRecord> UpAndDecode(std::span<const uint8_t> set,
                                                Compression* codec = nullptr) {
  auto up = UpConvertMessageSet(set);
  EXPECT_TRUE(up.ok()) << up.status().ToString();
  if (!up.ok()) return {};
  EXPECT_TRUE(ValidateBatches(up->batch, ValidateOptions{}).ok());
  if (codec != nullptr) *codec = BatchView(up->batch).header().compression();
  return DecodeAll(up->batch);
}

TEST(LegacyUpConvert, MagicZeroMessagesGetNoTimestamp) {
  auto set = Cat({Message(0, 7, 0, 0, "k0", "v0"), Message(0, 7, 0, 0, std::nullopt, "v1")});
  EXPECT_TRUE(IsLegacyMessageSet(set));
  auto records = UpAndDecode(set);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].offset, Offset(0));  // the client's offsets are not kept
  EXPECT_EQ(records[1].offset, Offset(1));
  EXPECT_EQ(records[0].key, Str("k0"));
  EXPECT_EQ(records[1].key, std::nullopt);
  EXPECT_EQ(records[1].value, Str("v1"));
  EXPECT_EQ(records[0].timestamp, -1);
  EXPECT_EQ(records[1].timestamp, -1);
}

TEST(LegacyUpConvert, MagicOneKeepsTimestampsKeysAndTombstones) {
  auto set = Cat({Message(1, 0, 0, 5000, "a", "1"), Message(1, 1, 0, 4000, "b", std::nullopt),
                  Message(1, 2, 0, 6000, "", "")});
  auto records = UpAndDecode(set);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].timestamp, 5000);
  EXPECT_EQ(records[1].timestamp, 4000);
  EXPECT_EQ(records[1].value, std::nullopt);
  EXPECT_EQ(records[2].key, Str(""));
  EXPECT_EQ(records[2].value, Str(""));
  auto up = UpConvertMessageSet(set);
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->record_count, 3);
  EXPECT_EQ(BatchView(up->batch).header().max_timestamp, 6000);
}

class LegacyCodecTest : public ::testing::TestWithParam<Compression> {};

TEST_P(LegacyCodecTest, CompressedWrappersAreRecompressedWithTheirCodec) {
  for (int8_t magic : {int8_t{0}, int8_t{1}}) {
    if (magic == 0 && GetParam() == Compression::kLz4) continue;  // pre-KIP-57 checksum
    auto inner1 =
        Cat({Message(magic, 0, 0, 100, "k1", "v1"), Message(magic, 1, 0, 101, "k2", "v2")});
    auto inner2 = Cat({Message(magic, 0, 0, 102, std::nullopt, "v3")});
    auto set = Cat({Wrapper(magic, GetParam(), inner1, 1), Wrapper(magic, GetParam(), inner2, 2)});
    Compression codec = Compression::kNone;
    auto records = UpAndDecode(set, &codec);
    EXPECT_EQ(codec, GetParam());
    ASSERT_EQ(records.size(), 3u) << int{magic};
    EXPECT_EQ(records[0].key, Str("k1"));
    EXPECT_EQ(records[2].value, Str("v3"));
    EXPECT_EQ(records[2].offset, Offset(2));
    EXPECT_EQ(records[1].timestamp, magic == 1 ? 101 : -1);
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, LegacyCodecTest,
                         ::testing::Values(Compression::kGzip, Compression::kSnappy,
                                           Compression::kLz4));

void ExpectCorrupt(std::span<const uint8_t> set, const char* what) {
  auto up = UpConvertMessageSet(set);
  ASSERT_FALSE(up.ok()) << what;
  EXPECT_EQ(up.status().code(), ErrorCode::kCorruptMessage) << what;
}

TEST(LegacyUpConvert, RejectsEachCorruption) {
  auto good = Message(1, 0, 0, 1, "k", "v");
  auto bad_crc = FlipLastByte(good);
  ExpectCorrupt(Cat({good, bad_crc}), "CRC mismatch in the second message");
  auto truncated = Cat({good, good});
  truncated.pop_back();
  ExpectCorrupt(truncated, "truncated last message");
  ExpectCorrupt(std::span<const uint8_t>(good).first(10), "partial header");
  auto oversize = good;
  StoreBe32(oversize.data() + 8, 1000);
  ExpectCorrupt(oversize, "size beyond the set");
  auto undersize = good;
  StoreBe32(undersize.data() + 8, 5);
  ExpectCorrupt(undersize, "size below the fixed fields");
  ExpectCorrupt(Message(3, 0, 0, 1, "k", "v"), "magic 3");
  // A key length running past the message, with a CRC that matches.
  auto long_key = Message(1, 0, 0, 1, "k", "v");
  StoreBe32(long_key.data() + 26, 100);
  StoreBe32(long_key.data() + 12,
            static_cast<uint32_t>(::crc32(0, long_key.data() + 16, long_key.size() - 16)));
  ExpectCorrupt(long_key, "key length past the message");
  auto nested = Wrapper(1, Compression::kGzip, Wrapper(1, Compression::kGzip, good));
  ExpectCorrupt(nested, "compressed message inside a wrapper");
  ExpectCorrupt(Wrapper(1, Compression::kGzip, {}), "wrapper with no inner messages");
  ExpectCorrupt(Message(1, 0, 1, 1, std::nullopt, std::nullopt), "wrapper without a value");
  ExpectCorrupt(Message(1, 0, 1, 1, std::nullopt, "not gzip"), "undecompressable wrapper");
  ExpectCorrupt(Message(1, 0, 4, 1, std::nullopt, "zstd?"), "codec 4 in a legacy message");
  auto bad_inner = FlipLastByte(Message(1, 0, 0, 1, "k", "v"));
  ExpectCorrupt(Wrapper(1, Compression::kSnappy, bad_inner), "inner CRC mismatch");
  EXPECT_EQ(UpConvertMessageSet({}).status().code(), ErrorCode::kInvalidRecord);
}

// Produce payloads come from the network: any mutation of a valid set must give a clean
// answer (a batch, or CORRUPT_MESSAGE), never a crash or a read out of bounds (ASan).
TEST(LegacyUpConvert, MutatedSetsAreConvertedOrRefusedCleanly) {
  auto inner = Cat({Message(1, 0, 0, 1, "k1", "v1"), Message(1, 1, 0, 2, std::nullopt, "v2")});
  std::vector<std::vector<uint8_t>> seeds = {
      Cat({Message(0, 0, 0, 0, "a", "b"), Message(1, 0, 0, 5, "c", std::nullopt)}),
      Wrapper(1, Compression::kGzip, inner), Wrapper(1, Compression::kSnappy, inner),
      Wrapper(1, Compression::kLz4, inner)};
  std::mt19937 rng(7);
  int converted = 0;
  for (int i = 0; i < 4000; ++i) {
    std::vector<uint8_t> set = seeds[static_cast<size_t>(i) % seeds.size()];
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f)
      set[rng() % set.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    if (rng() % 4 == 0) set.resize(rng() % set.size());
    auto up = UpConvertMessageSet(set, 1 << 20);
    if (up.ok()) {
      ++converted;
      EXPECT_TRUE(ValidateBatches(up->batch, ValidateOptions{}).ok());
    } else {
      EXPECT_TRUE(up.status().code() == ErrorCode::kCorruptMessage ||
                  up.status().code() == ErrorCode::kInvalidRecord)
          << up.status().ToString();
    }
  }
  // Most mutations break a CRC; the offset fields are outside it, so some convert.
  EXPECT_GT(converted, 0);
}

// A log-like run of batches at offsets 10.. for the down-conversion tests.
std::vector<uint8_t> Stamped(std::vector<uint8_t> batch, int64_t base) {
  StampOffsets(batch, Offset(base));
  return batch;
}

TEST(LegacyDownConvert, MagicOneUncompressedKeepsOffsetsTimestampsAndDropsHeaders) {
  auto batch = Stamped(MakeBatch({{"k1", "v1", 500, {{"h", "x"}}},
                                  {std::nullopt, "v2", 501, {}},
                                  {"k3", std::nullopt, 502, {}}}),
                       10);
  DownConverter conv(kMagicV1, Offset(11), 1 << 20);
  ASSERT_TRUE(conv.Add(batch).ok());
  auto top = TopLevel(conv.output());
  ASSERT_EQ(top.size(), 2u);  // offset 10 is before the fetch offset
  EXPECT_EQ(top[0].offset, 11);
  EXPECT_EQ(top[1].offset, 12);
  EXPECT_EQ(top[0].magic, 1);
  EXPECT_EQ(top[0].timestamp, 501);
  EXPECT_EQ(conv.next_offset(), Offset(13));
  auto back = UpAndDecode(conv.output());
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].key, std::nullopt);
  EXPECT_EQ(back[1].value, std::nullopt);
  EXPECT_EQ(back[1].key, Str("k3"));
}

TEST(LegacyDownConvert, MagicZeroHasNoTimestamps) {
  auto batch = Stamped(MakeBatch({{"k", "v", 500, {}}}), 0);
  DownConverter conv(kMagicV0, Offset(0), 1 << 20);
  ASSERT_TRUE(conv.Add(batch).ok());
  auto top = TopLevel(conv.output());
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].magic, 0);
  EXPECT_EQ(conv.output().size(), 12u + 14u + 2u);
}

TEST_P(LegacyCodecTest, CompressedBatchBecomesOneWrapperWithRelativeInnerOffsets) {
  auto batch = Stamped(
      MakeBatch({{"a", "1", 700, {}}, {"b", "2", 702, {}}, {"c", "3", 701, {}}}, GetParam()), 20);
  DownConverter conv(kMagicV1, Offset(21), 1 << 20);
  ASSERT_TRUE(conv.Add(batch).ok());
  auto top = TopLevel(conv.output());
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].offset, 22);  // the last inner message's absolute offset
  EXPECT_EQ(top[0].attributes & 0x07, static_cast<int>(GetParam()));
  EXPECT_EQ(top[0].timestamp, 702);
  // Inner offsets are relative: 0 and 1 for offsets 21 and 22.
  std::span<const uint8_t> wrapper(conv.output());
  uint32_t value_len = LoadBe32(wrapper.data() + 12 + 4 + 1 + 1 + 8 + 4);
  auto inner = DecompressRecords(GetParam(), wrapper.subspan(wrapper.size() - value_len));
  ASSERT_TRUE(inner.ok());
  auto inner_top = TopLevel(*inner);
  ASSERT_EQ(inner_top.size(), 2u);
  EXPECT_EQ(inner_top[0].offset, 0);
  EXPECT_EQ(inner_top[1].offset, 1);
  Compression codec = Compression::kNone;
  auto back = UpAndDecode(conv.output(), &codec);
  EXPECT_EQ(codec, GetParam());
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].key, Str("b"));
  EXPECT_EQ(back[1].timestamp, 701);
}

TEST(LegacyDownConvert, ZstdIsServedUncompressed) {
  auto batch = Stamped(MakeBatch({{"a", "1", 1, {}}, {"b", "2", 2, {}}}, Compression::kZstd), 0);
  DownConverter conv(kMagicV1, Offset(0), 1 << 20);
  ASSERT_TRUE(conv.Add(batch).ok());
  auto top = TopLevel(conv.output());
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].attributes & 0x07, 0);
}

TEST(LegacyDownConvert, ControlBatchesNeverReachAnOldClient) {
  BatchOptions marker;
  marker.control = true;
  marker.transactional = true;
  marker.producer_id = ProducerId(5);
  marker.producer_epoch = ProducerEpoch(0);
  BatchBuilder b(marker);
  b.Add(0, std::string_view("\0\0\0\0", 4), std::string_view("\0\0\0\0\0\0", 6));
  auto control = b.Build();
  ASSERT_TRUE(control.ok());
  auto data = Stamped(MakeBatch({{"k", "v", 1, {}}}), 0);
  auto all = Cat({data, Stamped(*control, 1), Stamped(MakeBatch({{"k2", "v2", 2, {}}}), 2)});
  DownConverter conv(kMagicV1, Offset(0), 1 << 20);
  ASSERT_TRUE(conv.Add(all).ok());
  auto top = TopLevel(conv.output());
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].offset, 0);
  EXPECT_EQ(top[1].offset, 2);
  EXPECT_EQ(conv.next_offset(), Offset(3));
}

TEST(LegacyDownConvert, OutputIsBoundedButHoldsAtLeastOneMessage) {
  auto batch = Stamped(testing::MakeSimpleBatch(10, 1, std::string(100, 'x')), 0);
  DownConverter tiny(kMagicV1, Offset(0), 10);
  ASSERT_TRUE(tiny.Add(batch).ok());
  EXPECT_EQ(TopLevel(tiny.output()).size(), 1u);
  EXPECT_TRUE(tiny.full());
  EXPECT_EQ(tiny.next_offset(), Offset(1));
  DownConverter some(kMagicV1, Offset(0), 400);
  ASSERT_TRUE(some.Add(batch).ok());
  EXPECT_LE(some.output().size(), 400u);
  EXPECT_EQ(TopLevel(some.output()).size(), 2u);
  DownConverter none(kMagicV1, Offset(0), 10, /*min_one=*/false);
  ASSERT_TRUE(none.Add(batch).ok());
  EXPECT_TRUE(none.output().empty());
  // A partial batch at the end of a read is left alone.
  DownConverter partial(kMagicV1, Offset(0), 1 << 20);
  ASSERT_TRUE(partial.Add(std::span<const uint8_t>(batch).first(batch.size() - 1)).ok());
  EXPECT_TRUE(partial.output().empty());
}

}  // namespace
}  // namespace gregor::storage
