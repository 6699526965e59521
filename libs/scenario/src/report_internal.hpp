#pragma once
// Shared by the report writers.

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "voicelab/scenario/result.hpp"

namespace voicelab::scenario::detail {

// The phones a listing shows, at most `max`: phones not registered first (they are what a reader
// looks for), then registered ones, each part in result order.
std::vector<const PhoneResult*> listing_order(const RunResult& result, std::size_t max);

// `text` as a JSON string literal: quotes, backslashes and control characters escaped, UTF-8
// kept, invalid UTF-8 bytes replaced by U+FFFD.
void write_json_string(std::ostream& out, std::string_view text);

// `text` with every character XML 1.0 cannot carry (most C0 controls, U+FFFE/U+FFFF, invalid
// UTF-8) replaced by '?'.
std::string xml_safe(std::string_view text);

}  // namespace voicelab::scenario::detail
