#include "cluster/dynamic_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace gregor::cluster {
namespace {

const std::vector<ConfigDef>& BrokerDefs() {
  static const std::vector<ConfigDef> defs = {
      {"log.retention.ms", ConfigType::kLong, "604800000", "Time retention.", -1, {}},
      {"log.cleanup.policy", ConfigType::kList, "delete", "Cleanup.", {}, {}, {"delete", "compact"}},
      {"num.partitions", ConfigType::kInt, "1", "Partitions.", 1, {}},
      {"listeners", ConfigType::kString, "PLAINTEXT://:9092", "Listeners."},
  };
  return defs;
}

class DynamicConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gregor-dynamic-config-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(DynamicConfigTest, OnlyTopicDefaultsAreDynamic) {
  ConfigSet broker(BrokerDefs());
  EXPECT_TRUE(IsDynamicBrokerConfig(broker, "log.retention.ms"));
  EXPECT_TRUE(IsDynamicBrokerConfig(broker, "log.cleanup.policy"));
  EXPECT_FALSE(IsDynamicBrokerConfig(broker, "num.partitions"));
  EXPECT_FALSE(IsDynamicBrokerConfig(broker, "listeners"));
  EXPECT_FALSE(IsDynamicBrokerConfig(broker, "no.such.config"));
  EXPECT_FALSE(IsDynamicBrokerConfig(broker, ""));
}

TEST_F(DynamicConfigTest, NormaliseNamesEveryStaticConfigAndRejectsBadValues) {
  ConfigSet broker(BrokerDefs());
  auto ok = NormalizeDynamicBrokerConfigs(broker, {{"log.retention.ms", " 5000 "}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->at("log.retention.ms"), "5000");

  auto fixed = NormalizeDynamicBrokerConfigs(
      broker, {{"listeners", "x"}, {"num.partitions", "2"}, {"log.retention.ms", "1"}});
  ASSERT_FALSE(fixed.ok());
  EXPECT_EQ(fixed.status().code(), ErrorCode::kInvalidRequest);
  EXPECT_NE(fixed.status().message().find("listeners, num.partitions"), std::string::npos)
      << fixed.status().message();

  auto bad = NormalizeDynamicBrokerConfigs(broker, {{"log.retention.ms", "soon"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidRequest);
  auto bad_list = NormalizeDynamicBrokerConfigs(broker, {{"log.cleanup.policy", "shred"}});
  EXPECT_FALSE(bad_list.ok());
}

TEST_F(DynamicConfigTest, AppliedAsDynamicOverStaticValues) {
  ConfigSet broker(BrokerDefs());
  ASSERT_TRUE(broker.Set("log.retention.ms", "1000", ConfigSource::kFlag).ok());
  ConfigSet effective = WithDynamicConfigs(broker, {{"log.retention.ms", "2000"}});
  EXPECT_EQ(effective.GetLong("log.retention.ms"), 2000);
  EXPECT_EQ(effective.SourceOf("log.retention.ms"), ConfigSource::kDynamic);
  EXPECT_EQ(broker.GetLong("log.retention.ms"), 1000);
}

TEST_F(DynamicConfigTest, SaveAndLoadRoundTrip) {
  auto empty = LoadDynamicBrokerConfigs(dir_.string());
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  std::map<std::string, std::string> configs = {{"log.retention.ms", "5000"},
                                                {"log.cleanup.policy", "compact"}};
  ASSERT_TRUE(SaveDynamicBrokerConfigs(dir_.string(), configs).ok());
  auto loaded = LoadDynamicBrokerConfigs(dir_.string());
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(*loaded, configs);
}

TEST_F(DynamicConfigTest, CorruptFileIsAStorageError) {
  std::ofstream(dir_ / "broker-configs.json") << "{\"configs\": [1, 2";
  auto loaded = LoadDynamicBrokerConfigs(dir_.string());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), ErrorCode::kKafkaStorageError);
}

}  // namespace
}  // namespace gregor::cluster
