#pragma once
// Result<T>: a value or an error_code. std::expected is C++23; this is the subset we need.

#include <cassert>
#include <optional>
#include <system_error>
#include <utility>

namespace voicelab::wire {

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  template <class E>
    requires std::is_error_code_enum_v<E>
  Result(E e) : error_(make_error_code(e)) {}  // NOLINT(google-explicit-constructor)
  Result(std::error_code ec) : error_(ec) { assert(ec); }  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
  [[nodiscard]] std::error_code error() const noexcept { return error_; }

  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::optional<T> value_;
  std::error_code error_;
};

}  // namespace voicelab::wire
