#pragma once

// Status and Result<T>: errors as values (no exceptions in Gregor code).
// A Status is a Kafka ErrorCode plus a human-readable message. The message goes to
// the log, and into a response's ErrorMessage field where the API has one.
// Thread-safety: plain values; distinct objects may be used from distinct threads.

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "base/check.h"
#include "base/error_code.h"

namespace gregor {

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == ErrorCode::kNone; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "NOT_COORDINATOR: <message>" (or "OK").
  std::string ToString() const;

 private:
  ErrorCode code_ = ErrorCode::kNone;
  std::string message_;
};

// A T, or the Status saying why there is none. Shaped like absl::StatusOr.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    GREGOR_CHECK(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }
  // REQUIRES: ok().
  T& value() & {
    GREGOR_CHECK(ok());
    return std::get<T>(v_);
  }
  const T& value() const& {
    GREGOR_CHECK(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    GREGOR_CHECK(ok());
    return std::get<T>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace gregor

#define GREGOR_CONCAT_INNER_(a, b) a##b
#define GREGOR_CONCAT_(a, b) GREGOR_CONCAT_INNER_(a, b)

#define GREGOR_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::gregor::Status gregor_status_ = (expr);        \
    if (!gregor_status_.ok()) return gregor_status_; \
  } while (0)

#define GREGOR_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

#define GREGOR_ASSIGN_OR_RETURN(lhs, expr) \
  GREGOR_ASSIGN_OR_RETURN_IMPL_(GREGOR_CONCAT_(gregor_result_, __LINE__), lhs, expr)
