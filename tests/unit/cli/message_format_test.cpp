#include "cli/message_format.h"

#include <gtest/gtest.h>

namespace gregor::cli {
namespace {

ConsumedRecord Sample() {
  ConsumedRecord r;
  r.topic = "orders";
  r.partition = 2;
  r.offset = 41;
  r.timestamp = 1700000000000;
  r.key = "k1";
  r.value = "hello";
  r.headers = {{"a", "1"}, {"b", std::nullopt}};
  return r;
}

TEST(MessageFormatTest, DefaultIsValuePerLine) {
  auto f = MessageFormat::Parse("%s\\n");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->Render(Sample()), "hello\n");
}

TEST(MessageFormatTest, EveryToken) {
  auto f = MessageFormat::Parse("%t/%p@%o %T %k=%v [%h] %S %K 100%%\\t.");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->Render(Sample()), "orders/2@41 1700000000000 k1=hello [a=1,b=] 5 2 100%\t.");
}

TEST(MessageFormatTest, NullKeyAndValuePrintNothing) {
  ConsumedRecord r = Sample();
  r.key.reset();
  r.value.reset();
  auto f = MessageFormat::Parse("<%k|%s|%K|%S>");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->Render(r), "<||-1|-1>");
}

TEST(MessageFormatTest, BadSpecsAreErrors) {
  for (const char* spec : {"%x", "%", "abc\\"}) {
    auto f = MessageFormat::Parse(spec);
    EXPECT_FALSE(f.ok()) << spec;
    if (!f.ok()) {
      EXPECT_EQ(f.status().code(), ErrorCode::kInvalidRequest);
    }
  }
  // Unknown escapes stay as written.
  auto f = MessageFormat::Parse("a\\qb");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->Render(Sample()), "a\\qb");
}

}  // namespace
}  // namespace gregor::cli
