#pragma once
// Where a JSON value sits in its text. nlohmann/json 3.11 keeps no positions, so SourceMap scans
// the text once itself and indexes every value by its JSON pointer (RFC 6901).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace voicelab::scenario {

// 1-based line and column. Columns count characters (UTF-8 code points), a tab counts as one.
struct Position {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  friend bool operator==(const Position&, const Position&) = default;
};

// The position of byte `offset` of `text` (an offset past the end gives the position after the
// last character). Lines end at '\n'; a '\r' before it is part of the line ending.
Position position_of(std::string_view text, std::size_t offset);

// Escapes one reference token for a JSON pointer: '~' -> "~0", '/' -> "~1".
std::string pointer_token(std::string_view key);
// "/a/b" + "c/d" -> "/a/b/c~1d".
std::string pointer_append(std::string_view pointer, std::string_view key);
std::string pointer_append(std::string_view pointer, std::size_t index);

class SourceMap {
 public:
  struct Entry {
    std::optional<Position> key;  // the member name's opening quote (object members only)
    Position value;               // the first character of the value
  };
  struct DuplicateKey {
    std::string pointer;  // of the later occurrence, which is the one nlohmann keeps
    Position first;       // key of the first occurrence
    Position again;       // key of the later occurrence
  };

  SourceMap() = default;

  // Scans `text`. Never throws on malformed JSON and never reads out of bounds: it indexes what
  // it could read before the first syntax error (callers parse with nlohmann first, which
  // reports that error with its byte offset). Nesting deeper than 512 levels is not indexed.
  static SourceMap build(std::string_view text);

  // The entry of `pointer` ("" is the whole document), if that value exists in the text.
  [[nodiscard]] const Entry* find(std::string_view pointer) const;

  // Where to point a reader at for a problem with `pointer`: the key for `prefer_key` when the
  // value is an object member, else the value. Falls back to the nearest existing ancestor, so a
  // missing member points at the object that should hold it.
  [[nodiscard]] std::optional<Position> locate(std::string_view pointer,
                                               bool prefer_key = false) const;

  // Members that appear twice in one object. JSON allows it, nlohmann keeps the last one,
  // and a scenario almost certainly means something else: the loader reports them.
  [[nodiscard]] const std::vector<DuplicateKey>& duplicate_keys() const { return duplicates_; }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
  std::vector<DuplicateKey> duplicates_;

  friend class SourceScanner;
};

}  // namespace voicelab::scenario
