// Properties every generated message must have, at every version it supports.

#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocol/api_keys.h"
#include "protocol/messages/all.h"
#include "test_util.h"

namespace gregor::protocol {
namespace {

using testing::Bytes;
using testing::EncodeBody;

// Encoding a default value, decoding it and encoding again gives the same bytes; every
// strict prefix of those bytes fails to decode; the dispatch table decodes it too.
template <typename T>
void CheckMessage(std::string_view name) {
  SCOPED_TRACE(std::string(name));
  for (int16_t v = T::kLowestVersion; v <= T::kHighestVersion; ++v) {
    SCOPED_TRACE(v);
    const Bytes wire = EncodeBody(T(), v);
    Reader r(wire);
    T back;
    Status s = back.Decode(r, v);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(r.remaining(), 0u);
    EXPECT_EQ(EncodeBody(back, v), wire);
    for (size_t n = 0; n < wire.size(); ++n) {
      Bytes prefix(wire.begin(), wire.begin() + static_cast<ptrdiff_t>(n));
      Reader pr(prefix);
      T partial;
      EXPECT_FALSE(partial.Decode(pr, v).ok()) << "prefix of " << n;
    }
    if constexpr (T::kApiKey >= 0) {
      Reader any(wire);
      Status d = name.ends_with("Request") ? DecodeAnyRequest(T::kApiKey, v, any)
                                           : DecodeAnyResponse(T::kApiKey, v, any);
      EXPECT_TRUE(d.ok()) << d.ToString();
    }
  }
  Reader r(Bytes{});
  T out;
  EXPECT_EQ(out.Decode(r, T::kHighestVersion + 1).code(), ErrorCode::kUnsupportedVersion);
}

TEST(AllMessagesTest, DefaultValuesRoundTripAtEveryVersion) {
  size_t count = 0;
#define GREGOR_CHECK_MESSAGE(Name) \
  CheckMessage<Name>(#Name);       \
  ++count;
  GREGOR_PROTOCOL_FOR_EACH_MESSAGE(GREGOR_CHECK_MESSAGE)
#undef GREGOR_CHECK_MESSAGE
  EXPECT_EQ(count, 180u);
}

TEST(AllMessagesTest, EveryApiKeyHasRequestAndResponseOfTheSameRange) {
  for (const ApiInfo& api : kApis) {
    for (int16_t v = api.lowest_version; v <= api.highest_version; ++v) {
      // An empty input is either a valid empty body or a clean failure, never a crash.
      Reader r(Bytes{});
      (void)DecodeAnyRequest(api.key, v, r);
      Reader r2(Bytes{});
      (void)DecodeAnyResponse(api.key, v, r2);
    }
    Reader r(Bytes{});
    EXPECT_EQ(DecodeAnyRequest(api.key, api.highest_version + 1, r).code(),
              ErrorCode::kUnsupportedVersion);
  }
}

}  // namespace
}  // namespace gregor::protocol
