#pragma once
// The lab's log sink: lines with a virtual timestamp, grouped by component ("dhcp1", "phone1",
// "router:relay"). Drivers write their engine's events here (the engine's describe() text) and
// their own I/O trouble (a failed send, a refused bind); the runner turns each component into
// logs/<component>.log.
//
// One Log per lab. Entries are kept in the order they were written, which is virtual-time order
// when they are written as the simulation runs. Component names are interned once, so an entry
// costs its text and 16 bytes. Nothing here reads a clock.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "voicelab/wire/time.hpp"

namespace voicelab::lab {

class Log {
 public:
  using ComponentId = std::uint32_t;

  struct Entry {
    Time time{};
    ComponentId component = 0;
    std::string text;
  };

  // The id of `name`, created on first use. Names are case-sensitive and may hold any character
  // (file_name() makes them safe for a file system).
  ComponentId component(std::string_view name);
  [[nodiscard]] std::optional<ComponentId> find_component(std::string_view name) const;
  // Precondition: `id` came from component().
  [[nodiscard]] const std::string& component_name(ComponentId id) const { return names_.at(id); }
  [[nodiscard]] std::size_t component_count() const { return names_.size(); }

  void write(Time time, ComponentId component, std::string text);
  void write(Time time, std::string_view component, std::string text);

  [[nodiscard]] const std::vector<Entry>& entries() const { return entries_; }
  // The texts written for one component, in order (empty for an unknown name). For tests.
  [[nodiscard]] std::vector<std::string_view> lines(std::string_view component) const;
  // Whether some line of `component` contains `needle`.
  [[nodiscard]] bool contains(std::string_view component, std::string_view needle) const;

  // The content of a component's log file: one "<time> <text>\n" line per entry, time as
  // format_time() gives it.
  [[nodiscard]] std::string render(ComponentId component) const;
  // Seconds since the start of the lab with microsecond precision, right-aligned in 12
  // characters: "    4.000123". Virtual time, so runs with one seed give identical logs.
  [[nodiscard]] static std::string format_time(Time time);
  // "<component>.log" with every character outside [A-Za-z0-9._-] replaced by '_', so
  // "access1:Gi1/0/1" becomes "access1_Gi1_0_1.log".
  [[nodiscard]] static std::string file_name(std::string_view component);
  // Writes every component that has entries to <dir>/<file_name(component)>, creating `dir`.
  // Returns the files written. Throws std::filesystem::filesystem_error or std::system_error when
  // a file cannot be written (the runner reports it; this is not on any packet path).
  std::vector<std::filesystem::path> write_files(const std::filesystem::path& dir) const;

  void clear();  // entries only; component ids stay valid

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, ComponentId> ids_;
  std::vector<Entry> entries_;
};

}  // namespace voicelab::lab
