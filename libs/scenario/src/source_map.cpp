#include "voicelab/scenario/source_map.hpp"

#include <string>
#include <unordered_map>

namespace voicelab::scenario {

Position position_of(std::string_view text, std::size_t offset) {
  if (offset > text.size()) offset = text.size();
  Position p{1, 1};
  for (std::size_t i = 0; i < offset; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++p.line;
      p.column = 1;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      // part of a CRLF line ending: the '\n' does the counting
    } else if ((c & 0xC0) != 0x80) {
      ++p.column;  // UTF-8 continuation bytes do not start a character
    }
  }
  return p;
}

std::string pointer_token(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string pointer_append(std::string_view pointer, std::string_view key) {
  std::string out{pointer};
  out += '/';
  out += pointer_token(key);
  return out;
}

std::string pointer_append(std::string_view pointer, std::size_t index) {
  std::string out{pointer};
  out += '/';
  out += std::to_string(index);
  return out;
}

// A recursive descent over the text that only records where values start. Positions are computed
// incrementally (line and column advance with the cursor) so the scan stays linear.
class SourceScanner {
 public:
  SourceScanner(std::string_view text, SourceMap& map) : text_(text), map_(map) {}

  void run() {
    // A UTF-8 byte order mark is not part of the document (nlohmann skips it too).
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") {
      i_ = 3;
    }
    skip_ws();
    std::string root;
    value(root, std::nullopt, 0);
  }

 private:
  static constexpr int max_depth = 512;

  [[nodiscard]] bool at_end() const { return i_ >= text_.size(); }
  [[nodiscard]] char peek() const { return at_end() ? '\0' : text_[i_]; }

  void advance() {
    if (at_end()) return;
    const auto c = static_cast<unsigned char>(text_[i_]);
    if (c == '\n') {
      ++pos_.line;
      pos_.column = 1;
    } else if (c == '\r' && i_ + 1 < text_.size() && text_[i_ + 1] == '\n') {
      // CRLF: counted at the '\n'
    } else if ((c & 0xC0) != 0x80) {
      ++pos_.column;
    }
    ++i_;
  }

  void skip_ws() {
    while (!at_end()) {
      const char c = text_[i_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      advance();
    }
  }

  // Reads a string (cursor on the opening quote) and decodes it; false on malformed input.
  bool string(std::string& out) {
    if (peek() != '"') return false;
    advance();
    while (!at_end()) {
      const char c = text_[i_];
      if (c == '"') {
        advance();
        return true;
      }
      if (c == '\\') {
        advance();
        if (at_end()) return false;
        const char e = text_[i_];
        advance();
        switch (e) {
          case '"':
          case '\\':
          case '/':
            out += e;
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            auto cp = hex4();
            if (!cp) return false;
            if (*cp >= 0xD800 && *cp <= 0xDBFF) {
              // a surrogate pair: "\uD83D\uDE00"
              if (peek() != '\\') return false;
              advance();
              if (peek() != 'u') return false;
              advance();
              const auto low = hex4();
              if (!low || *low < 0xDC00 || *low > 0xDFFF) return false;
              cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
            }
            append_utf8(out, *cp);
            break;
          }
          default:
            return false;
        }
        continue;
      }
      out += c;
      advance();
    }
    return false;
  }

  std::optional<std::uint32_t> hex4() {
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      if (at_end()) return std::nullopt;
      const char c = text_[i_];
      std::uint32_t d = 0;
      if (c >= '0' && c <= '9') {
        d = static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        d = static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        d = static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return std::nullopt;
      }
      v = v * 16 + d;
      advance();
    }
    return v;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // Literals and numbers: consumed up to the next structural character.
  bool scalar() {
    const std::size_t start = i_;
    while (!at_end()) {
      const char c = text_[i_];
      if (c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
          c == ':' || c == '"' || c == '{' || c == '[') {
        break;
      }
      advance();
    }
    return i_ > start;
  }

  bool value(const std::string& pointer, std::optional<Position> key, int depth) {
    if (at_end()) return false;
    map_.entries_.insert_or_assign(pointer, SourceMap::Entry{key, pos_});
    const char c = peek();
    if (c == '{' || c == '[') {
      if (depth >= max_depth) return false;
      return c == '{' ? object(pointer, depth + 1) : array(pointer, depth + 1);
    }
    if (c == '"') {
      std::string ignored;
      return string(ignored);
    }
    return scalar();
  }

  bool object(const std::string& pointer, int depth) {
    advance();  // '{'
    skip_ws();
    if (peek() == '}') {
      advance();
      return true;
    }
    std::unordered_map<std::string, Position> seen;
    while (true) {
      skip_ws();
      const Position key_pos = pos_;
      std::string key;
      if (!string(key)) return false;
      skip_ws();
      if (peek() != ':') return false;
      advance();
      skip_ws();
      const std::string child = pointer_append(pointer, key);
      if (auto [it, inserted] = seen.emplace(key, key_pos); !inserted) {
        map_.duplicates_.push_back({child, it->second, key_pos});
      }
      if (!value(child, key_pos, depth)) return false;
      skip_ws();
      if (peek() == ',') {
        advance();
        continue;
      }
      if (peek() == '}') {
        advance();
        return true;
      }
      return false;
    }
  }

  bool array(const std::string& pointer, int depth) {
    advance();  // '['
    skip_ws();
    if (peek() == ']') {
      advance();
      return true;
    }
    for (std::size_t index = 0;; ++index) {
      skip_ws();
      if (!value(pointer_append(pointer, index), std::nullopt, depth)) return false;
      skip_ws();
      if (peek() == ',') {
        advance();
        continue;
      }
      if (peek() == ']') {
        advance();
        return true;
      }
      return false;
    }
  }

  std::string_view text_;
  SourceMap& map_;
  std::size_t i_ = 0;
  Position pos_{1, 1};
};

SourceMap SourceMap::build(std::string_view text) {
  SourceMap map;
  SourceScanner{text, map}.run();
  return map;
}

const SourceMap::Entry* SourceMap::find(std::string_view pointer) const {
  const auto it = entries_.find(pointer);
  return it == entries_.end() ? nullptr : &it->second;
}

std::optional<Position> SourceMap::locate(std::string_view pointer, bool prefer_key) const {
  std::string_view p = pointer;
  while (true) {
    if (const Entry* e = find(p)) {
      if (prefer_key && e->key && p.size() == pointer.size()) return e->key;
      return e->value;
    }
    if (p.empty()) return std::nullopt;
    const auto slash = p.rfind('/');
    if (slash == std::string_view::npos) return std::nullopt;
    p = p.substr(0, slash);
  }
}

}  // namespace voicelab::scenario
