#include "protocol/api_info.h"

#include "protocol/api_keys.h"

namespace gregor::protocol {

const ApiInfo* FindApi(int16_t key) {
  for (const ApiInfo& api : kApis) {
    if (api.key == key) return &api;
  }
  return nullptr;
}

}  // namespace gregor::protocol
