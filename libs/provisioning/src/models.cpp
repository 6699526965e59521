#include "voicelab/provisioning/models.hpp"

#include <array>
#include <cctype>

namespace voicelab::provisioning {
namespace {

constexpr std::array<PhoneModel, 12> models{{
    {"Cisco 7811", "7811", 36213, "sip78xx"},
    {"Cisco 7821", "7821", 621, "sip78xx"},
    {"Cisco 7832", "7832", 36247, "sip7832"},
    {"Cisco 7841", "7841", 622, "sip78xx"},
    {"Cisco 7861", "7861", 623, "sip78xx"},
    {"Cisco 8811", "8811", 36217, "sip88xx"},
    {"Cisco 8832", "8832", 36258, "sip8832"},
    {"Cisco 8841", "8841", 683, "sip88xx"},
    {"Cisco 8845", "8845", 36224, "sip8845_65"},
    {"Cisco 8851", "8851", 684, "sip88xx"},
    {"Cisco 8861", "8861", 685, "sip88xx"},
    {"Cisco 8865", "8865", 36225, "sip8845_65"},
}};

bool digit(char c) { return c >= '0' && c <= '9'; }

bool equal_ci(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::span<const PhoneModel> phone_models() noexcept { return models; }

std::string_view model_number(std::string_view any) noexcept {
  // The number is the last word that starts with a digit ("CP-8861" has it after the dash).
  std::size_t end = any.size();
  while (end > 0 && any[end - 1] == ' ') --end;
  std::size_t start = end;
  while (start > 0 && any[start - 1] != ' ' && any[start - 1] != '-') --start;
  const std::string_view word = any.substr(start, end - start);
  if (word.empty() || !digit(word.front())) return {};
  return word;
}

const PhoneModel* find_phone_model(std::string_view any) noexcept {
  for (const auto& m : models) {
    if (equal_ci(any, m.name)) return &m;
  }
  const std::string_view number = model_number(any);
  bool all_digits = !number.empty();
  std::uint32_t value = 0;
  for (char c : number) {
    if (!digit(c) || value > 100000000U) {
      all_digits = false;
      break;
    }
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  for (const auto& m : models) {
    if (equal_ci(number, m.number)) return &m;
    // A bare model type ("685") only when the whole text is that number.
    if (all_digits && number.size() == any.size() && value == m.type) return &m;
  }
  return nullptr;
}

}  // namespace voicelab::provisioning
