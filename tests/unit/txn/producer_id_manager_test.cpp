// ProducerIdManager: ids never repeat, across reopen and after a crash mid-block, and a
// damaged reservation file is an error rather than a reason to start over.

#include "txn/producer_id_manager.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>

namespace gregor::txn {
namespace {

class ProducerIdManagerTest : public ::testing::Test {
 protected:
  ProducerIdManagerTest() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "gregor-pid-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
  }
  ~ProducerIdManagerTest() override { std::filesystem::remove_all(dir_); }
  std::string File() const { return dir_ + "/producer-id-block"; }
  void Write(const std::string& text) { std::ofstream(File()) << text; }
  std::string dir_;
};

TEST_F(ProducerIdManagerTest, HandsOutIncreasingIdsFromZero) {
  auto m = ProducerIdManager::Open(dir_);
  ASSERT_TRUE(m.ok());
  for (int64_t i = 0; i < 2 * ProducerIdManager::kBlockSize + 3; ++i) {
    auto id = (*m)->Next();
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(*id, ProducerId(i));
  }
}

TEST_F(ProducerIdManagerTest, ReopeningSkipsTheRestOfTheReservedBlock) {
  std::set<int64_t> seen;
  for (int run = 0; run < 3; ++run) {
    auto m = ProducerIdManager::Open(dir_);
    ASSERT_TRUE(m.ok());
    for (int i = 0; i < 10; ++i) {
      auto id = (*m)->Next();
      ASSERT_TRUE(id.ok());
      EXPECT_TRUE(seen.insert(id->value()).second) << id->value();
    }
    // A crash: the manager is dropped without any shutdown step.
  }
  EXPECT_EQ(*seen.begin(), 0);
  EXPECT_EQ(*seen.rbegin(), 2 * ProducerIdManager::kBlockSize + 9);
}

TEST_F(ProducerIdManagerTest, ReservationIsPersistedBeforeTheFirstIdOfABlock) {
  auto m = ProducerIdManager::Open(dir_);
  ASSERT_TRUE((*m)->Next().ok());
  std::ifstream in(File());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "0\n" + std::to_string(ProducerIdManager::kBlockSize) + "\n");
}

TEST_F(ProducerIdManagerTest, MalformedFileIsAnError) {
  for (std::string bad : {"", "0\n", "1\n5\n", "0\n-3\n", "0\nx\n", "0\n12"}) {
    Write(bad);
    auto m = ProducerIdManager::Open(dir_);
    EXPECT_FALSE(m.ok()) << "'" << bad << "'";
  }
  Write("0\n5000\n");
  auto m = ProducerIdManager::Open(dir_);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*(*m)->Next(), ProducerId(5000));
}

}  // namespace
}  // namespace gregor::txn
