#include "protocol/header.h"

#include "protocol/api_keys.h"

namespace gregor::protocol {

namespace {

constexpr int16_t kControlledShutdownKey = 7;
constexpr int16_t kApiVersionsKey = 18;

bool IsFlexible(int16_t api_key, int16_t api_version) {
  const ApiInfo* api = FindApi(api_key);
  return api != nullptr && api_version >= api->lowest_version &&
         api_version >= api->first_flexible_version;
}

}  // namespace

int16_t RequestHeaderVersion(int16_t api_key, int16_t api_version) {
  if (api_key == kControlledShutdownKey && api_version == 0) return 0;
  return IsFlexible(api_key, api_version) ? 2 : 1;
}

int16_t ResponseHeaderVersion(int16_t api_key, int16_t api_version) {
  if (api_key == kApiVersionsKey) return 0;
  return IsFlexible(api_key, api_version) ? 1 : 0;
}

Status DecodeRequestHeader(Reader& r, RequestHeader& out) {
  Reader peek = r;
  const int16_t api_key = peek.ReadInt16();
  const int16_t api_version = peek.ReadInt16();
  if (!peek.ok()) {
    r.Fail(ErrorCode::kCorruptMessage, "request header truncated");
    return r.status();
  }
  return out.Decode(r, RequestHeaderVersion(api_key, api_version));
}

}  // namespace gregor::protocol
