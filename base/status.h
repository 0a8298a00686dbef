// mediawatch/base/status.h
//
// Errors as values. Every fallible function in mediawatch returns a Status or a
// Result<T>; exceptions never cross a folder boundary. Foreign error types
// (CURLcode, UErrorCode, rocksdb::Status, xmlError) are converted to Status
// inside the folder that wraps the library.
//
//   Result<Feed> feed = ParseFeed(body, content_type, url, options);
//   if (!feed.ok()) return feed.status();
//   Use(feed.value());
//
// Thread safety: Status and Result are values; distinct objects may be used
// from different threads freely.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace mw {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller's input (config, CLI, query) is wrong
  kNotFound,
  kParseError,    // untrusted input could not be parsed
  kTooLarge,      // a size, depth or count limit was hit
  kNetworkError,  // transport failure (DNS, connect, TLS, timeout)
  kHttpError,     // the server answered with an error status
  kIoError,       // local file or database I/O failed
  kCorruption,    // stored data is damaged
  kUnsupported,
  kForbidden,  // refused by policy (SSRF guard, robots.txt)
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status ParseError(std::string m) { return {StatusCode::kParseError, std::move(m)}; }
  static Status TooLarge(std::string m) { return {StatusCode::kTooLarge, std::move(m)}; }
  static Status NetworkError(std::string m) { return {StatusCode::kNetworkError, std::move(m)}; }
  static Status HttpError(std::string m) { return {StatusCode::kHttpError, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
  static Status Forbidden(std::string m) { return {StatusCode::kForbidden, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "ParseError: message" (or "OK").
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context: `.
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or an error. Constructing from an OK Status is a programming error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok());
    if (std::get<Status>(v_).ok()) v_ = Status::Internal("Result built from OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // The error, or OK when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  // Precondition: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace mw

// Early return on error: MW_RETURN_IF_ERROR(store->Write(batch));
#define MW_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::mw::Status mw_status_ = (expr);        \
    if (!mw_status_.ok()) return mw_status_; \
  } while (0)
