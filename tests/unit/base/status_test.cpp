#include "base/status.h"

#include <gtest/gtest.h>

#include "base/uuid.h"

namespace gregor {
namespace {

Result<int> Half(int v) {
  if (v % 2 != 0) return Status(ErrorCode::kInvalidRequest, "odd");
  return v / 2;
}

Result<int> Quarter(int v) {
  GREGOR_ASSIGN_OR_RETURN(int h, Half(v));
  return Half(h);
}

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ToStringNamesKafkaError) {
  Status s(ErrorCode::kNotCoordinator, "moved");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "NOT_COORDINATOR: moved");
  EXPECT_EQ(static_cast<int16_t>(ErrorCode::kNotCoordinator), 16);
}

TEST(ResultTest, AssignOrReturnPropagatesFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidRequest);
}

TEST(UuidTest, Base64RoundTrip) {
  Uuid u = Uuid::Random();
  EXPECT_FALSE(u.IsZero());
  std::string text = u.ToBase64();
  EXPECT_EQ(text.size(), 22u);
  auto back = Uuid::FromBase64(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, u);
}

TEST(UuidTest, RejectsMalformedBase64) {
  EXPECT_FALSE(Uuid::FromBase64("short").has_value());
  EXPECT_FALSE(Uuid::FromBase64("!!!!!!!!!!!!!!!!!!!!!!").has_value());
}

}  // namespace
}  // namespace gregor
