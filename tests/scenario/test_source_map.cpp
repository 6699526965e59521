#include <string>

#include <catch2/catch.hpp>

#include "voicelab/scenario/source_map.hpp"

using namespace voicelab::scenario;

namespace {
Position pos(std::uint32_t line, std::uint32_t column) { return Position{line, column}; }
}  // namespace

TEST_CASE("positions of byte offsets", "[source_map]") {
  const std::string text = "ab\ncd\r\nef";
  CHECK(position_of(text, 0) == pos(1, 1));
  CHECK(position_of(text, 1) == pos(1, 2));
  CHECK(position_of(text, 3) == pos(2, 1));
  CHECK(position_of(text, 7) == pos(3, 1));  // after CRLF
  CHECK(position_of(text, 8) == pos(3, 2));
  CHECK(position_of(text, 999) == pos(3, 3));  // clamped to the end
  // Columns count characters: "é" is two bytes, one column.
  const std::string utf8 = "\"\xC3\xA9\": 1";
  CHECK(position_of(utf8, 4) == pos(1, 4));
}

TEST_CASE("every value is indexed by its JSON pointer", "[source_map]") {
  const std::string text =
      "{\n"
      "  \"a\": 1,\n"
      "  \"list\": [10, {\"k\": \"v\"}, [true]],\n"
      "  \"we/ird~key\": {\"x\": null},\n"
      "  \"\\u00e9t\\u00e9\": \"summer\"\n"
      "}\n";
  const auto map = SourceMap::build(text);
  REQUIRE(map.find("") != nullptr);
  CHECK(map.find("")->value == pos(1, 1));
  REQUIRE(map.find("/a") != nullptr);
  CHECK(map.find("/a")->key == pos(2, 3));
  CHECK(map.find("/a")->value == pos(2, 8));
  CHECK(map.find("/list/0")->value == pos(3, 12));
  CHECK_FALSE(map.find("/list/0")->key.has_value());
  CHECK(map.find("/list/1")->value == pos(3, 16));
  CHECK(map.find("/list/1/k")->key == pos(3, 17));
  CHECK(map.find("/list/1/k")->value == pos(3, 22));
  CHECK(map.find("/list/2")->value == pos(3, 28));
  CHECK(map.find("/list/2/0")->value == pos(3, 29));
  CHECK(map.find("/we~1ird~0key/x")->value == pos(4, 23));
  CHECK(map.find("/\xC3\xA9t\xC3\xA9")->value == pos(5, 20));
  CHECK(map.find("/nope") == nullptr);
  CHECK(map.duplicate_keys().empty());
}

TEST_CASE("locate prefers the key when asked and falls back to the nearest ancestor",
          "[source_map]") {
  const std::string text = "{\"phones\": [{\"mac\": \"x\"}]}";
  const auto map = SourceMap::build(text);
  CHECK(map.locate("/phones/0/mac") == pos(1, 21));
  CHECK(map.locate("/phones/0/mac", true) == pos(1, 14));
  CHECK(map.locate("/phones/0/model") == pos(1, 13));  // the object that lacks it
  CHECK(map.locate("/phones/7") == pos(1, 12));
  CHECK(map.locate("/topology/switches/0") == pos(1, 1));
}

TEST_CASE("duplicate keys are reported with both positions", "[source_map]") {
  const std::string text = "{\n  \"seed\": 1,\n  \"seed\": 2\n}";
  const auto map = SourceMap::build(text);
  REQUIRE(map.duplicate_keys().size() == 1);
  const auto& d = map.duplicate_keys().front();
  CHECK(d.pointer == "/seed");
  CHECK(d.first == pos(2, 3));
  CHECK(d.again == pos(3, 3));
  // The later value is the one indexed (nlohmann keeps it too).
  CHECK(map.find("/seed")->value == pos(3, 11));
}

TEST_CASE("malformed or truncated text never breaks the scanner", "[source_map]") {
  const std::string text =
      "{\"a\": [1, 2, {\"b\": \"c\\\"d\\u00e9\\ud83d\\ude00\"}], \"e\": {\"f\": -1.5e3, \"g\": "
      "[[[]]]}}";
  for (std::size_t n = 0; n <= text.size(); ++n) {
    const auto map = SourceMap::build(text.substr(0, n));
    (void)map.locate("/a/2/b");
  }
  for (const char* bad :
       {"", "{", "[", "\"", "{\"a\"", "{\"a\":", "{\"a\" 1}", "{1: 2}", "[1,,2]", "\"\\u12\"",
        "\"\\ud800\\u0041\"", "\xEF\xBB\xBF{\"x\": 1}", "}}}}", "[[[[[["}) {
    const auto map = SourceMap::build(bad);
    (void)map.locate("/x");
  }
  // Deep nesting stops indexing instead of recursing without bound.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const auto map = SourceMap::build(deep);
  CHECK(map.find("/0/0/0") != nullptr);
  // The byte order mark is skipped.
  const auto bom = SourceMap::build("\xEF\xBB\xBF{\"x\": 1}");
  REQUIRE(bom.find("/x") != nullptr);
  CHECK(bom.find("/x")->value == pos(1, 7));  // the mark takes no column
}

TEST_CASE("pointer tokens are escaped", "[source_map]") {
  CHECK(pointer_token("a/b~c") == "a~1b~0c");
  CHECK(pointer_append("/x", "Gi1/0/1") == "/x/Gi1~10~11");
  CHECK(pointer_append("", std::size_t{3}) == "/3");
}
