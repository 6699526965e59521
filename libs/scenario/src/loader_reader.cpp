// The loader's typed readers and diagnostics.

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/core.h>

#include "loader_internal.hpp"
#include "voicelab/scenario/values.hpp"

namespace voicelab::scenario::detail {

std::string describe(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case json::value_t::string: {
      std::string s = v.get<std::string>();
      if (s.size() > 40) s = s.substr(0, 37) + "...";
      return fmt::format("string {}", json(s).dump());
    }
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return fmt::format("number {}", v.dump());
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    default:
      return "an unreadable value";
  }
}

std::string suggestion(std::string_view wrong, const std::vector<std::string>& candidates) {
  std::size_t best = std::string_view::npos;
  const std::string* best_name = nullptr;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(wrong, c);
    if (d < best) {
      best = d;
      best_name = &c;
    }
  }
  const std::size_t limit = std::max<std::size_t>(1, std::min(wrong.size(), std::size_t{12}) / 3);
  if (best_name != nullptr && best > 0 && best <= limit) {
    return fmt::format(" (did you mean \"{}\"?)", *best_name);
  }
  // An abbreviation: "distrib" for "distribution".
  if (wrong.size() >= 3) {
    for (const auto& c : candidates) {
      if (c.size() > wrong.size() && c.compare(0, wrong.size(), wrong) == 0) {
        return fmt::format(" (did you mean \"{}\"?)", c);
      }
    }
  }
  return "";
}

std::string join_names(const std::vector<std::string>& names, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < limit; ++i) {
    if (i != 0) out += ", ";
    out += names[i];
  }
  if (names.size() > limit) out += ", ...";
  if (names.empty()) out = "none";
  return out;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// ---- Obj ------------------------------------------------------------------------------------

Obj::Obj(Loader& loader, const json* value, std::string pointer,
         std::initializer_list<std::string_view> keys, std::string_view what)
    : Obj(loader, value, std::move(pointer), std::vector<std::string_view>(keys), what) {}

Obj::Obj(Loader& loader, const json* value, std::string pointer,
         const std::vector<std::string_view>& keys, std::string_view what)
    : loader_(loader), value_(value), pointer_(std::move(pointer)) {
  if (value_ == nullptr) return;
  if (!value_->is_object()) {
    loader_.error(pointer_,
                  fmt::format("expected {} (an object), got {}", what, describe(*value_)));
    value_ = nullptr;
    ok_ = false;
    return;
  }
  check_keys(keys, what);
}

Obj::Obj(Loader& loader, const json* value, std::string pointer)
    : loader_(loader),
      value_(value != nullptr && value->is_object() ? value : nullptr),
      pointer_(std::move(pointer)) {}

void Obj::check_keys(const std::vector<std::string_view>& keys, std::string_view what) {
  for (const auto& [key, v] : value_->items()) {
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
    std::vector<std::string> names(keys.begin(), keys.end());
    std::vector<std::string> sorted = names;
    std::sort(sorted.begin(), sorted.end());
    loader_.error(at(key),
                  fmt::format("unknown key \"{}\" in {}{}; expected one of: {}", key, what,
                              suggestion(key, names), join_names(sorted, 64)),
                  true);
  }
}

const json* Obj::get(std::string_view key) const {
  if (value_ == nullptr) return nullptr;
  const auto it = value_->find(key);
  return it == value_->end() ? nullptr : &*it;
}

bool Obj::is_null(std::string_view key) const {
  const json* v = get(key);
  return v != nullptr && v->is_null();
}

void Obj::require(std::string_view key, std::string_view what) {
  if (value_ != nullptr && !has(key)) {
    loader_.error(pointer_, fmt::format("missing required key \"{}\" ({})", key, what));
  }
}

// Reads member `key` with a Loader reader when present (macro: the readers' extra parameters vary).
#define VOICELAB_OBJ_READER(reader, ...) \
  const json* v = get(key);              \
  if (v == nullptr) return std::nullopt; \
  return loader_.reader(*v, at(key) __VA_OPT__(, ) __VA_ARGS__)

std::optional<std::string> Obj::str(std::string_view key, bool allow_empty) {
  VOICELAB_OBJ_READER(read_string, allow_empty);
}
std::optional<std::string> Obj::name(std::string_view key) { VOICELAB_OBJ_READER(read_name); }
std::optional<std::int64_t> Obj::integer(std::string_view key, std::int64_t min, std::int64_t max) {
  VOICELAB_OBJ_READER(read_integer, min, max);
}
std::optional<double> Obj::number(std::string_view key, double min, double max) {
  VOICELAB_OBJ_READER(read_number, min, max);
}
std::optional<bool> Obj::boolean(std::string_view key) { VOICELAB_OBJ_READER(read_bool); }
std::optional<Duration> Obj::duration(std::string_view key, bool allow_zero) {
  VOICELAB_OBJ_READER(read_duration, allow_zero);
}
std::optional<wire::Ipv4Address> Obj::ipv4(std::string_view key) { VOICELAB_OBJ_READER(read_ipv4); }
std::optional<wire::MacAddress> Obj::mac(std::string_view key) { VOICELAB_OBJ_READER(read_mac); }
std::optional<std::uint16_t> Obj::vlan(std::string_view key) { VOICELAB_OBJ_READER(read_vlan); }
std::optional<std::string> Obj::choice(std::string_view key,
                                       std::initializer_list<std::string_view> options) {
  VOICELAB_OBJ_READER(read_choice, options);
}
std::optional<std::uint64_t> Obj::bandwidth(std::string_view key) {
  VOICELAB_OBJ_READER(read_bandwidth);
}
std::optional<double> Obj::loss(std::string_view key) { VOICELAB_OBJ_READER(read_loss); }

#undef VOICELAB_OBJ_READER

std::optional<std::vector<wire::Ipv4Address>> Obj::ipv4_list(std::string_view key) {
  const json* v = array(key);
  if (v == nullptr) return std::nullopt;
  std::vector<wire::Ipv4Address> out;
  bool ok = true;
  for (std::size_t i = 0; i < v->size(); ++i) {
    auto a = loader_.read_ipv4((*v)[i], pointer_append(at(key), i));
    if (a) {
      out.push_back(*a);
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::uint16_t>> Obj::vlan_list(std::string_view key) {
  const json* v = array(key);
  if (v == nullptr) return std::nullopt;
  std::vector<std::uint16_t> out;
  bool ok = true;
  for (std::size_t i = 0; i < v->size(); ++i) {
    auto id = loader_.read_vlan((*v)[i], pointer_append(at(key), i));
    if (id) {
      out.push_back(*id);
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::string>> Obj::str_list(std::string_view key) {
  const json* v = array(key);
  if (v == nullptr) return std::nullopt;
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < v->size(); ++i) {
    auto s = loader_.read_string((*v)[i], pointer_append(at(key), i));
    if (s) {
      out.push_back(std::move(*s));
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

const json* Obj::array(std::string_view key) {
  const json* v = get(key);
  if (v == nullptr) return nullptr;
  return loader_.expect_array(*v, at(key)) ? v : nullptr;
}

const json* Obj::object(std::string_view key) {
  const json* v = get(key);
  if (v == nullptr) return nullptr;
  return loader_.expect_object(*v, at(key)) ? v : nullptr;
}

// ---- Loader: diagnostics --------------------------------------------------------------------

void Loader::error(std::string_view pointer, std::string message, bool at_key) {
  ++errors_;
  if (errors_ > options_.max_errors) {
    ++dropped_;
    return;
  }
  diagnostics_.push_back(Diagnostic{Severity::error, file_, std::string{pointer},
                                    map_.locate(pointer, at_key), std::move(message)});
}

void Loader::warning(std::string_view pointer, std::string message, bool at_key) {
  if (diagnostics_.size() >= options_.max_errors * 2) return;
  diagnostics_.push_back(Diagnostic{Severity::warning, file_, std::string{pointer},
                                    map_.locate(pointer, at_key), std::move(message)});
}

// ---- Loader: readers ------------------------------------------------------------------------

bool Loader::expect_array(const json& v, const std::string& pointer) {
  if (v.is_array()) return true;
  error(pointer, fmt::format("expected an array, got {}", describe(v)));
  return false;
}

bool Loader::expect_object(const json& v, const std::string& pointer) {
  if (v.is_object()) return true;
  error(pointer, fmt::format("expected an object, got {}", describe(v)));
  return false;
}

std::optional<std::string> Loader::read_string(const json& v, const std::string& pointer,
                                               bool allow_empty) {
  if (!v.is_string()) {
    error(pointer, fmt::format("expected a string, got {}", describe(v)));
    return std::nullopt;
  }
  std::string s = v.get<std::string>();
  if (s.empty() && !allow_empty) {
    error(pointer, "expected a non-empty string");
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> Loader::read_name(const json& v, const std::string& pointer) {
  auto s = read_string(v, pointer);
  if (!s) return std::nullopt;
  if (!valid_name(*s)) {
    error(pointer,
          fmt::format("invalid name \"{}\": use 1 to 64 letters, digits, '.', '_' or '-'", *s));
    return std::nullopt;
  }
  return s;
}

std::optional<std::int64_t> Loader::read_integer(const json& v, const std::string& pointer,
                                                 std::int64_t min, std::int64_t max) {
  std::optional<std::int64_t> value;
  if (v.is_number_integer()) {
    if (v.is_number_unsigned() &&
        v.get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      value = std::numeric_limits<std::int64_t>::max();
    } else {
      value = v.get<std::int64_t>();
    }
  } else if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9e15) {
      error(pointer,
            fmt::format("expected an integer, got {}: write it without a fraction", describe(v)));
    } else {
      error(pointer, fmt::format("expected an integer, got {}", describe(v)));
    }
    return std::nullopt;
  } else {
    error(pointer, fmt::format("expected an integer, got {}", describe(v)));
    return std::nullopt;
  }
  if (*value < min || *value > max) {
    error(pointer, fmt::format("{} is out of range: expected {} to {}", *value, min, max));
    return std::nullopt;
  }
  return value;
}

std::optional<double> Loader::read_number(const json& v, const std::string& pointer, double min,
                                          double max) {
  if (!v.is_number()) {
    error(pointer, fmt::format("expected a number, got {}", describe(v)));
    return std::nullopt;
  }
  const double d = v.get<double>();
  if (!(d >= min && d <= max)) {
    error(pointer, fmt::format("{} is out of range: expected {} to {}", v.dump(), min, max));
    return std::nullopt;
  }
  return d;
}

std::optional<bool> Loader::read_bool(const json& v, const std::string& pointer) {
  if (!v.is_boolean()) {
    error(pointer, fmt::format("expected true or false, got {}", describe(v)));
    return std::nullopt;
  }
  return v.get<bool>();
}

std::optional<Duration> Loader::read_duration(const json& v, const std::string& pointer,
                                              bool allow_zero) {
  constexpr std::string_view forms = "a duration such as \"250ms\", \"30s\", \"2m\" or \"1m30s\"";
  if (!v.is_string()) {
    if (v.is_number()) {
      error(pointer, fmt::format("expected {}, got {}: durations need a unit", forms, describe(v)));
    } else {
      error(pointer, fmt::format("expected {}, got {}", forms, describe(v)));
    }
    return std::nullopt;
  }
  const auto d = parse_duration(v.get<std::string>());
  if (!d) {
    error(pointer,
          fmt::format("expected {} (units ns, us, ms, s, m, h, d), got {}", forms, describe(v)));
    return std::nullopt;
  }
  if (!allow_zero && d->count() == 0) {
    error(pointer, "expected a duration greater than zero");
    return std::nullopt;
  }
  return d;
}

std::optional<wire::Ipv4Address> Loader::read_ipv4(const json& v, const std::string& pointer) {
  if (v.is_string()) {
    if (auto a = wire::Ipv4Address::parse(v.get<std::string>())) return *a;
  }
  error(pointer,
        fmt::format("expected an IPv4 address such as \"10.1.1.10\", got {}", describe(v)));
  return std::nullopt;
}

std::optional<wire::Ipv4Prefix> Loader::read_prefix(const json& v, const std::string& pointer) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s.find('/') != std::string::npos) {
      if (auto p = wire::Ipv4Prefix::parse(s)) return *p;
    }
  }
  error(pointer,
        fmt::format("expected an IPv4 address with prefix length such as \"10.100.0.1/24\", got {}",
                    describe(v)));
  return std::nullopt;
}

std::optional<wire::MacAddress> Loader::read_mac(const json& v, const std::string& pointer) {
  if (v.is_string()) {
    if (auto m = wire::MacAddress::parse(v.get<std::string>())) {
      if (m->is_multicast() || m->is_zero()) {
        error(pointer, fmt::format("{} cannot be a phone's MAC address: it is {}", m->to_string(),
                                   m->is_zero() ? "all zeros" : "a multicast/broadcast address"));
        return std::nullopt;
      }
      return *m;
    }
  }
  error(pointer, fmt::format("expected a MAC address such as \"00:11:22:33:44:55\", "
                             "\"0011.2233.4455\" or \"001122334455\", got {}",
                             describe(v)));
  return std::nullopt;
}

std::optional<std::uint16_t> Loader::read_vlan(const json& v, const std::string& pointer) {
  if (!v.is_number_integer()) {
    error(pointer, fmt::format("expected a VLAN id (an integer 1 to 4094), got {}", describe(v)));
    return std::nullopt;
  }
  const bool in_range = v.is_number_unsigned()
                            ? v.get<std::uint64_t>() >= 1 && v.get<std::uint64_t>() <= 4094
                            : v.get<std::int64_t>() >= 1 && v.get<std::int64_t>() <= 4094;
  if (!in_range) {
    error(pointer, fmt::format("VLAN {} is out of range: expected 1 to 4094", v.dump()));
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(v.get<std::int64_t>());
}

std::optional<std::string> Loader::read_choice(const json& v, const std::string& pointer,
                                               std::initializer_list<std::string_view> options) {
  std::vector<std::string> names(options.begin(), options.end());
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (std::find(names.begin(), names.end(), s) != names.end()) return s;
    error(pointer, fmt::format("\"{}\" is not one of: {}{}", s, join_names(names, 64),
                               suggestion(s, names)));
    return std::nullopt;
  }
  error(pointer, fmt::format("expected one of {}, got {}", join_names(names, 64), describe(v)));
  return std::nullopt;
}

std::optional<std::uint64_t> Loader::read_bandwidth(const json& v, const std::string& pointer) {
  if (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() > 0) {
    return static_cast<std::uint64_t>(v.get<std::int64_t>());
  }
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > 0) return v.get<std::uint64_t>();
  if (v.is_string()) {
    if (auto b = parse_bandwidth(v.get<std::string>())) return b;
  }
  error(pointer, fmt::format("expected a bandwidth above zero such as \"100Mbps\", \"1.5Mbps\", "
                             "\"1Gbps\" or a number of bits per second, got {}",
                             describe(v)));
  return std::nullopt;
}

std::optional<double> Loader::read_loss(const json& v, const std::string& pointer) {
  if (v.is_number()) {
    const double d = v.get<double>();
    if (d >= 0.0 && d <= 1.0) return d;
    error(pointer, fmt::format("loss {} is out of range: a probability is 0 to 1 (or write a "
                               "percentage such as \"0.5%\")",
                               v.dump()));
    return std::nullopt;
  }
  if (v.is_string()) {
    if (auto p = parse_percent(v.get<std::string>())) return p;
  }
  error(pointer, fmt::format("expected a loss probability 0 to 1 or a percentage such as \"0.5%\", "
                             "got {}",
                             describe(v)));
  return std::nullopt;
}

std::optional<std::string> Loader::read_dn(const json& v, const std::string& pointer) {
  if (v.is_number_integer()) {
    error(pointer, fmt::format("expected a directory number as a string (\"{}\"), got {}", v.dump(),
                               describe(v)));
    return std::nullopt;
  }
  auto s = read_string(v, pointer);
  if (!s) return std::nullopt;
  const bool ok = s->size() <= 24 && std::all_of(s->begin(), s->end(), [](char c) {
                    return (c >= '0' && c <= '9') || c == '*' || c == '#' || c == '+';
                  });
  if (!ok) {
    error(pointer,
          fmt::format("\"{}\" is not a directory number: use digits (and *, #, +), at most "
                      "24 characters",
                      *s));
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> Loader::read_model(const json& v, const std::string& pointer) {
  auto s = read_string(v, pointer);
  if (!s) return std::nullopt;
  if (const PhoneModel* m = find_phone_model(*s)) return std::string{m->product};
  std::vector<std::string> names;
  for (const auto& m : phone_models()) names.emplace_back(m.number);
  error(pointer, fmt::format("unknown phone model \"{}\"{}; known models: {}", *s,
                             suggestion(*s, names), join_names(names, 64)));
  return std::nullopt;
}

std::optional<std::string> Loader::read_load_id(const json& v, const std::string& pointer) {
  auto s = read_string(v, pointer);
  if (!s) return std::nullopt;
  const auto dot = s->find('.');
  const bool ok = dot != std::string::npos && dot > 0 && dot + 1 < s->size() && s->size() <= 64 &&
                  std::all_of(s->begin(), s->end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
                  });
  if (!ok) {
    error(pointer, fmt::format("\"{}\" is not a load id: expected <family>.<version> such as "
                               "\"sip88xx.12-8-1-0001-455\"",
                               *s));
    return std::nullopt;
  }
  return s;
}

}  // namespace voicelab::scenario::detail
