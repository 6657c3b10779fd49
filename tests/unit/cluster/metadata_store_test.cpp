#include "cluster/metadata_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/fs.h"
#include "cluster/topic_name.h"

namespace gregor::cluster {
namespace {

class MetadataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gregor-meta-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<MetadataStore> Open() {
    auto r = MetadataStore::Open(dir_.string(), NodeId(1));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return std::move(r).value();
  }
  std::filesystem::path dir_;
};

TEST_F(MetadataStoreTest, ClusterIdPersistsAcrossReopen) {
  std::string id = Open()->cluster_id();
  EXPECT_EQ(id.size(), 22u);
  EXPECT_EQ(Open()->cluster_id(), id);
}

TEST_F(MetadataStoreTest, TopicsSurviveReopen) {
  Uuid id;
  {
    auto store = Open();
    auto t = store->CreateTopic("orders", 6, {{"retention.ms", "1000"}});
    ASSERT_TRUE(t.ok());
    id = (*t)->id;
    EXPECT_FALSE(id.IsZero());
  }
  auto store = Open();
  auto t = store->Find("orders");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->partitions, 6);
  EXPECT_EQ(t->id, id);
  EXPECT_EQ(t->configs.at("retention.ms"), "1000");
  EXPECT_EQ(store->FindById(id), t);
}

TEST_F(MetadataStoreTest, DuplicateAndCollidingNamesRejected) {
  auto store = Open();
  ASSERT_TRUE(store->CreateTopic("a.b", 1, {}).ok());
  EXPECT_EQ(store->CreateTopic("a.b", 1, {}).status().code(), ErrorCode::kTopicAlreadyExists);
  EXPECT_EQ(store->CreateTopic("a_b", 1, {}).status().code(), ErrorCode::kInvalidTopicException);
}

TEST_F(MetadataStoreTest, PartitionCountOnlyGrows) {
  auto store = Open();
  ASSERT_TRUE(store->CreateTopic("t", 2, {}).ok());
  EXPECT_EQ(store->SetPartitionCount("t", 2).code(), ErrorCode::kInvalidPartitions);
  EXPECT_TRUE(store->SetPartitionCount("t", 4).ok());
  EXPECT_EQ(Open()->Find("t")->partitions, 4);
}

TEST_F(MetadataStoreTest, DeleteRemovesTopicDurably) {
  auto store = Open();
  ASSERT_TRUE(store->CreateTopic("gone", 1, {}).ok());
  ASSERT_TRUE(store->DeleteTopic("gone").ok());
  EXPECT_EQ(store->DeleteTopic("gone").code(), ErrorCode::kUnknownTopicOrPartition);
  EXPECT_EQ(Open()->Find("gone"), nullptr);
}

TEST_F(MetadataStoreTest, MalformedRegistryIsAStorageError) {
  Open();
  ASSERT_TRUE(WriteFileAtomically((dir_ / "topics.json").string(), "{nope").ok());
  auto r = MetadataStore::Open(dir_.string(), NodeId(1));
  EXPECT_EQ(r.status().code(), ErrorCode::kKafkaStorageError);
}

TEST(TopicNameTest, KafkaRules) {
  EXPECT_TRUE(ValidateTopicName("tenant.onboarding.completed").ok());
  EXPECT_TRUE(ValidateTopicName("A-b_c.9").ok());
  EXPECT_FALSE(ValidateTopicName("").ok());
  EXPECT_FALSE(ValidateTopicName(".").ok());
  EXPECT_FALSE(ValidateTopicName("..").ok());
  EXPECT_FALSE(ValidateTopicName("has space").ok());
  EXPECT_FALSE(ValidateTopicName(std::string(250, 'a')).ok());
  EXPECT_TRUE(ValidateTopicName(std::string(249, 'a')).ok());
}

}  // namespace
}  // namespace gregor::cluster
