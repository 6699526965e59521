#include "voicelab/lab/log.hpp"

#include <cstdio>
#include <fstream>
#include <system_error>

namespace voicelab::lab {

Log::ComponentId Log::component(std::string_view name) {
  if (const auto it = ids_.find(std::string(name)); it != ids_.end()) return it->second;
  const auto id = static_cast<ComponentId>(names_.size());
  names_.emplace_back(name);
  ids_.emplace(names_.back(), id);
  return id;
}

std::optional<Log::ComponentId> Log::find_component(std::string_view name) const {
  const auto it = ids_.find(std::string(name));
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

void Log::write(Time time, ComponentId component, std::string text) {
  entries_.push_back({time, component, std::move(text)});
}

void Log::write(Time time, std::string_view component_name, std::string text) {
  write(time, component(component_name), std::move(text));
}

std::vector<std::string_view> Log::lines(std::string_view component_name) const {
  std::vector<std::string_view> out;
  const auto id = find_component(component_name);
  if (!id) return out;
  for (const auto& e : entries_) {
    if (e.component == *id) out.emplace_back(e.text);
  }
  return out;
}

bool Log::contains(std::string_view component_name, std::string_view needle) const {
  for (const auto line : lines(component_name)) {
    if (line.find(needle) != std::string_view::npos) return true;
  }
  return false;
}

std::string Log::format_time(Time time) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(time).count();
  char buffer[48];
  const long long whole = us / 1'000'000;
  const long long fraction = (us < 0 ? -us : us) % 1'000'000;
  std::snprintf(buffer, sizeof buffer, "%5lld.%06lld", whole, fraction);
  std::string text(buffer);
  if (text.size() < 12) text.insert(0, 12 - text.size(), ' ');
  return text;
}

std::string Log::render(ComponentId component_id) const {
  std::string out;
  for (const auto& e : entries_) {
    if (e.component != component_id) continue;
    out += format_time(e.time);
    out += ' ';
    out += e.text;
    out += '\n';
  }
  return out;
}

std::string Log::file_name(std::string_view component_name) {
  std::string name(component_name);
  for (char& c : name) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    if (!safe) c = '_';
  }
  // "." and ".." would name directories.
  // (Built by appending: GCC 12 gives a false -Wrestrict for std::string::insert here.)
  std::string file;
  if (name.empty() || name == "." || name == "..") file.push_back('_');
  file.append(name).append(".log");
  return file;
}

std::vector<std::filesystem::path> Log::write_files(const std::filesystem::path& dir) const {
  std::filesystem::create_directories(dir);
  // One pass to bucket the entries, so a lab with many components stays linear.
  std::vector<std::vector<std::uint32_t>> by_component(names_.size());
  for (std::uint32_t i = 0; i < entries_.size(); ++i) {
    by_component[entries_[i].component].push_back(i);
  }
  std::vector<std::filesystem::path> written;
  std::unordered_map<std::string, int> taken;  // file names already used
  for (ComponentId id = 0; id < names_.size(); ++id) {
    if (by_component[id].empty()) continue;
    std::string name = file_name(names_[id]);
    // Two names that differ only in replaced characters ("a:b", "a/b") must not overwrite.
    if (const int n = taken[name]++; n > 0) {
      std::string renamed = name.substr(0, name.size() - 4);
      renamed.append("-").append(std::to_string(n + 1)).append(".log");
      name = std::move(renamed);
    }
    std::string text;
    for (const auto index : by_component[id]) {
      const Entry& e = entries_[index];
      text += format_time(e.time);
      text += ' ';
      text += e.text;
      text += '\n';
    }
    const auto path = dir / name;
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(text.data(), static_cast<std::streamsize>(text.size()));
    file.close();
    if (!file) {
      throw std::system_error(std::make_error_code(std::errc::io_error),
                              "cannot write " + path.string());
    }
    written.push_back(path);
  }
  return written;
}

void Log::clear() { entries_.clear(); }

}  // namespace voicelab::lab
