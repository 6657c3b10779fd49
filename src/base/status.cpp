#include "base/status.h"

namespace gregor {

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(ErrorName(code_));
  if (!message_.empty()) {
    out += ": ";
    out += message_;
  }
  return out;
}

}  // namespace gregor
