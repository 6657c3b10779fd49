#include "base/java_hash.h"

#include <gtest/gtest.h>

namespace gregor {
namespace {

// Expected values from Java's String.hashCode.
TEST(JavaHashTest, StringHashCodeMatchesJava) {
  EXPECT_EQ(JavaStringHashCode(""), 0);
  EXPECT_EQ(JavaStringHashCode("g"), 103);
  EXPECT_EQ(JavaStringHashCode("my-group"), -1906497762);
  EXPECT_EQ(JavaStringHashCode("test-consumer-group"), -1793216381);
}

TEST(JavaHashTest, Utf8IsHashedAsUtf16Units) {
  // U+00FC is one UTF-16 unit; U+1F600 is the surrogate pair D83D DE00.
  EXPECT_EQ(JavaStringHashCode("\xc3\xbc"), 0xFC);
  EXPECT_EQ(JavaStringHashCode("\xf0\x9f\x98\x80"), 31 * 0xD83D + 0xDE00);
  // An invalid byte counts as one unit of its own value.
  EXPECT_EQ(JavaStringHashCode("\xff"), 0xFF);
}

TEST(JavaHashTest, CoordinatorPartitionIsAbsHashModuloPartitions) {
  EXPECT_EQ(CoordinatorPartitionFor("my-group", 50), 1906497762 % 50);
  EXPECT_EQ(CoordinatorPartitionFor("", 50), 0);
  EXPECT_EQ(CoordinatorPartitionFor("anything", 1), 0);
  // "polygenelubricants" hashes to INT32_MIN, which Kafka's Utils.abs maps to 0.
  EXPECT_EQ(JavaStringHashCode("polygenelubricants"), INT32_MIN);
  EXPECT_EQ(CoordinatorPartitionFor("polygenelubricants", 7), 0);
}

}  // namespace
}  // namespace gregor
