#pragma once

// A PartitionLog in a temp dir with a ManualClock, shared by the maintenance tests.

#include <gtest/gtest.h>

#include "storage/partition_log.h"
#include "test_util.h"

namespace gregor::storage::testing {

class LogFixture : public ::testing::Test {
 protected:
  std::unique_ptr<PartitionLog> OpenLog(const LogConfig& config, bool clean = true) {
    PartitionLogOptions o;
    o.clock = &clock_;
    o.io = &io_;
    auto log = PartitionLog::Open(dir_.Sub("t-0"), config, o, clean);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }
  AppendInfo Append(PartitionLog& log, std::vector<uint8_t> payload) {
    Result<AppendInfo> r = log.Append(payload);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : AppendInfo{};
  }
  std::vector<std::string> FilesWithSuffix(const std::string& suffix) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_.Sub("t-0"))) {
      std::string name = e.path().filename().string();
      if (name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
        out.push_back(name);
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  TempDir dir_;
  ManualClock clock_;
  FaultyFileIo io_;
};

}  // namespace gregor::storage::testing
