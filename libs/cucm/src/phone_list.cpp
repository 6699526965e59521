#include "voicelab/cucm/phone_list.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace voicelab::cucm {

const char* to_string(DeviceStatus status) {
  switch (status) {
    case DeviceStatus::registered:
      return "Registered";
    case DeviceStatus::partially_registered:
      return "Partially Registered";
    case DeviceStatus::unregistered:
      return "Unregistered";
    case DeviceStatus::rejected:
      return "Rejected";
    case DeviceStatus::unknown:
      return "Unknown";
  }
  return "Unknown";
}

std::string render_phone_list(const std::vector<PhoneRow>& rows) {
  constexpr std::size_t columns = 5;
  using Cells = std::array<std::string, columns>;
  const Cells header{"Device Name", "Description", "Status", "IPv4 Address", "Node"};

  std::vector<Cells> cells;
  cells.reserve(rows.size());
  for (const auto& row : rows) {
    cells.push_back(Cells{row.device, row.description, to_string(row.status),
                          row.address ? row.address->to_string() : std::string("-"), row.node});
  }

  std::array<std::size_t, columns> width{};
  for (std::size_t c = 0; c < columns; ++c) width[c] = header[c].size();
  for (const auto& line : cells) {
    for (std::size_t c = 0; c < columns; ++c) width[c] = std::max(width[c], line[c].size());
  }

  std::string out;
  const auto emit = [&](const Cells& line) {
    std::string text;
    for (std::size_t c = 0; c < columns; ++c) {
      if (c > 0) text += "  ";
      text += line[c];
      if (c + 1 < columns) text.append(width[c] - line[c].size(), ' ');
    }
    // Padding of empty trailing cells would leave trailing blanks.
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text;
    out += '\n';
  };

  emit(header);
  Cells rule;
  for (std::size_t c = 0; c < columns; ++c) rule[c] = std::string(width[c], '-');
  emit(rule);
  for (const auto& line : cells) emit(line);
  return out;
}

}  // namespace voicelab::cucm
