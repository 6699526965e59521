#include <set>
#include <string>
#include <system_error>

#include <catch2/catch.hpp>

#include "voicelab/wire/error.hpp"

using voicelab::wire::errc;
using voicelab::wire::wire_category;

TEST_CASE("wire errors: category name and one distinct message per value", "[wire][error]") {
  CHECK(std::string(wire_category().name()) == "voicelab.wire");
  const errc all[] = {errc::ok,          errc::truncated,        errc::bad_length,
                      errc::bad_version, errc::bad_checksum,     errc::bad_value,
                      errc::unsupported, errc::buffer_too_small, errc::bad_text};
  std::set<std::string> messages;
  for (errc e : all) {
    const std::error_code code = make_error_code(e);
    CHECK(&code.category() == &wire_category());
    CHECK(!code.message().empty());
    messages.insert(code.message());
  }
  CHECK(messages.size() == std::size(all));
  CHECK(std::error_code(errc::truncated) == errc::truncated);
  CHECK(std::error_code(errc::truncated) != errc::bad_length);
  CHECK_FALSE(std::error_code(errc::ok));
  CHECK(std::error_code(errc::bad_text));
  CHECK(wire_category().message(999).find("999") != std::string::npos);
}
