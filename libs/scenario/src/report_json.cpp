// report.json (docs/report-format.md), written by hand rather than through a DOM: the key
// order and number formats are part of the format, and a 100,000-phone report must not need a
// gigabyte-sized tree in memory.

#include <fmt/core.h>

#include "report_internal.hpp"
#include "voicelab/scenario/report.hpp"
#include "voicelab/scenario/values.hpp"

namespace voicelab::scenario {
namespace detail {
namespace {

// Decodes one UTF-8 sequence at text[i]; returns its length, or 0 when invalid.
std::size_t utf8_length(std::string_view text, std::size_t i, std::uint32_t* code_point) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  std::size_t len = 0;
  std::uint32_t cp = 0;
  if (b0 < 0x80) {
    *code_point = b0;
    return 1;
  }
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  *code_point = cp;
  return len;
}

}  // namespace

std::vector<const PhoneResult*> listing_order(const RunResult& result, std::size_t max) {
  std::vector<const PhoneResult*> out;
  out.reserve(std::min(max, result.phones.size()));
  for (const auto& p : result.phones) {
    if (out.size() >= max) return out;
    if (p.state != "registered") out.push_back(&p);
  }
  for (const auto& p : result.phones) {
    if (out.size() >= max) return out;
    if (p.state == "registered") out.push_back(&p);
  }
  return out;
}

void write_json_string(std::ostream& out, std::string_view text) {
  out.put('"');
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    switch (c) {
      case '"':
        out << "\\\"";
        ++i;
        continue;
      case '\\':
        out << "\\\\";
        ++i;
        continue;
      case '\n':
        out << "\\n";
        ++i;
        continue;
      case '\r':
        out << "\\r";
        ++i;
        continue;
      case '\t':
        out << "\\t";
        ++i;
        continue;
      default:
        break;
    }
    if (static_cast<unsigned char>(c) < 0x20) {
      out << fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    const std::size_t len = utf8_length(text, i, &cp);
    if (len == 0) {
      out << "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
      continue;
    }
    out.write(text.data() + i, static_cast<std::streamsize>(len));
    i += len;
  }
  out.put('"');
}

std::string xml_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t cp = 0;
    const std::size_t len = utf8_length(text, i, &cp);
    const bool allowed =
        len != 0 && (cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                     (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000);
    if (!allowed) {
      out += '?';
      i += len == 0 ? 1 : len;
      continue;
    }
    out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

}  // namespace detail

namespace {

using detail::write_json_string;

void write_ms_or_null(std::ostream& out, const std::optional<Duration>& d) {
  if (d) {
    out << format_ms(*d);
  } else {
    out << "null";
  }
}

void write_string_or_null(std::ostream& out, std::string_view s) {
  if (s.empty()) {
    out << "null";
  } else {
    write_json_string(out, s);
  }
}

void write_phone(std::ostream& out, const PhoneResult& p) {
  out << "    {\n";
  out << "      \"device\": ";
  write_json_string(out, p.device);
  out << ",\n      \"mac\": ";
  write_json_string(out, p.mac.to_string());
  out << ",\n      \"model\": ";
  write_json_string(out, p.model);
  out << ",\n      \"group\": ";
  write_string_or_null(out, p.group);
  out << ",\n      \"port\": ";
  write_string_or_null(out, p.port);
  out << ",\n      \"state\": ";
  write_json_string(out, p.state);
  out << ",\n      \"ip\": ";
  write_string_or_null(out, p.ip ? p.ip->to_string() : std::string{});
  out << ",\n      \"registered_with\": ";
  write_string_or_null(out, p.registered_with);
  out << ",\n      \"active_load\": ";
  write_json_string(out, p.active_load);
  out << ",\n      \"inactive_load\": ";
  write_json_string(out, p.inactive_load);
  out << ",\n      \"download_status\": ";
  write_json_string(out, p.download_status);
  out << ",\n      \"display\": ";
  write_json_string(out, p.display);
  out << ",\n      \"displays_seen\": [";
  for (std::size_t i = 0; i < p.displays_seen.size(); ++i) {
    if (i != 0) out << ", ";
    write_json_string(out, p.displays_seen[i]);
  }
  out << "],\n      \"registration_time_ms\": ";
  write_ms_or_null(out, p.registration_time);
  out << ",\n      \"steps\": [\n";
  const auto all = steps();
  for (std::size_t i = 0; i < p.steps.size(); ++i) {
    const StepResult& s = p.steps[i];
    out << "        {\"n\": " << all[i].n << ", \"name\": ";
    write_json_string(out, all[i].name);
    out << ", \"status\": ";
    write_json_string(out, to_string(s.status));
    out << ", \"start_ms\": ";
    write_ms_or_null(out, s.start);
    out << ", \"end_ms\": ";
    write_ms_or_null(out, s.end);
    out << ", \"detail\": ";
    write_json_string(out, s.detail);
    out << (i + 1 < p.steps.size() ? "},\n" : "}\n");
  }
  out << "      ]\n    }";
}

}  // namespace

void write_report_json(std::ostream& out, const RunResult& result, const ReportOptions& options) {
  const auto listed = detail::listing_order(result, options.max_phones);
  out << "{\n  \"schema\": ";
  write_json_string(out, report_schema);
  out << ",\n  \"scenario\": ";
  write_json_string(out, result.scenario);
  out << ",\n  \"file\": ";
  write_json_string(out, result.file);
  out << ",\n  \"seed\": " << result.seed;
  out << ",\n  \"result\": " << (result.passed() ? "\"pass\"" : "\"fail\"");
  out << ",\n  \"sim_time_ms\": " << format_ms(result.sim_time);
  out << ",\n  \"wall_time_ms\": " << format_ms(result.wall_time);
  out << ",\n  \"packets\": " << result.packets;
  out << ",\n  \"time_limit_reached\": " << (result.time_limit_reached ? "true" : "false");
  out << ",\n  \"phones_total\": " << result.phones.size();
  out << ",\n  \"phones_listed\": " << listed.size();

  const Aggregate& a = result.aggregate;
  out << ",\n  \"aggregate\": {\n    \"phones\": " << a.phones << ",\n    \"states\": {";
  for (std::size_t i = 0; i < a.states.size(); ++i) {
    out << (i == 0 ? "" : ", ");
    write_json_string(out, a.states[i].first);
    out << ": " << a.states[i].second;
  }
  out << "},\n    \"registration_time_ms\": ";
  if (a.registration_time) {
    const Percentiles& p = *a.registration_time;
    out << "{\"samples\": " << p.samples << ", \"p50\": " << format_ms(p.p50)
        << ", \"p90\": " << format_ms(p.p90) << ", \"p99\": " << format_ms(p.p99)
        << ", \"max\": " << format_ms(p.max) << "}";
  } else {
    out << "null";
  }
  out << "\n  }";

  out << ",\n  \"expectations\": [";
  for (std::size_t i = 0; i < result.expectations.size(); ++i) {
    const auto& e = result.expectations[i];
    out << (i == 0 ? "\n" : ",\n") << "    {\"text\": ";
    write_json_string(out, e.text);
    out << ", \"result\": " << (e.passed ? "\"pass\"" : "\"fail\"") << ", \"detail\": ";
    write_json_string(out, e.detail);
    out << "}";
  }
  out << (result.expectations.empty() ? "]" : "\n  ]");

  out << ",\n  \"events\": [";
  for (std::size_t i = 0; i < result.events.size(); ++i) {
    const auto& e = result.events[i];
    out << (i == 0 ? "\n" : ",\n") << "    {\"at_ms\": " << format_ms(e.at) << ", \"action\": ";
    write_json_string(out, e.action);
    out << ", \"detail\": ";
    write_json_string(out, e.detail);
    out << "}";
  }
  out << (result.events.empty() ? "]" : "\n  ]");

  out << ",\n  \"phones\": [";
  for (std::size_t i = 0; i < listed.size(); ++i) {
    out << (i == 0 ? "\n" : ",\n");
    write_phone(out, *listed[i]);
  }
  out << (listed.empty() ? "]" : "\n  ]");
  out << "\n}\n";
}

}  // namespace voicelab::scenario
