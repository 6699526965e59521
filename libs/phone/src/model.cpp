#include "voicelab/phone/model.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <utility>

namespace voicelab::phone {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

PhoneModel make(std::string name, std::string model_id, std::string prefix, std::string version,
                Duration boot, std::uint32_t power_mw) {
  PhoneModel m;
  m.name = std::move(name);
  m.model_id = std::move(model_id);
  m.load_prefix = std::move(prefix);
  m.default_load = m.load_prefix + "." + version;
  m.boot_time = boot;
  m.power_mw = power_mw;
  return m;
}

}  // namespace

std::string_view load_family(std::string_view load_id) {
  const auto dot = load_id.find('.');
  return dot == std::string_view::npos ? load_id : load_id.substr(0, dot);
}

ModelCatalogue ModelCatalogue::builtin() {
  // Ids and prefixes: see model.hpp. Boot times and power: assumptions (model.hpp).
  ModelCatalogue c;
  c.add(make("7841", "622", "sip78xx", "14-2-1-0001-14", 30s, 5'000));
  c.add(make("7861", "623", "sip78xx", "14-2-1-0001-14", 30s, 5'500));
  c.add(make("8841", "683", "sip88xx", "14-2-1-0001-14", 45s, 6'500));
  c.add(make("8845", "36224", "sip8845_65", "14-2-1-0001-14", 55s, 8'500));
  c.add(make("8851", "684", "sip88xx", "14-2-1-0001-14", 45s, 7'500));
  c.add(make("8861", "685", "sip88xx", "14-2-1-0001-14", 45s, 9'000));
  c.add(make("8865", "36225", "sip8845_65", "14-2-1-0001-14", 55s, 11'000));
  c.add(make("9861", "", "PHONEOS", "3-2-1-0003-28", 60s, 9'500));
  return c;
}

void ModelCatalogue::add(PhoneModel model) {
  if (model.name.empty()) throw std::invalid_argument("phone model: empty name");
  if (model.load_prefix.empty() && model.default_load.empty()) {
    throw std::invalid_argument("phone model " + model.name + ": no load prefix or default load");
  }
  if (model.load_prefix.empty()) model.load_prefix = std::string(load_family(model.default_load));
  if (model.default_load.empty()) model.default_load = model.load_prefix + ".1-0-0-0001-1";
  if (model.product.empty()) model.product = "CP-" + model.name;
  if (model.platform.empty()) model.platform = "Cisco IP Phone " + model.name;
  if (model.xml_model.empty()) model.xml_model = "Cisco " + model.name;
  if (model.boot_time < Duration::zero()) {
    throw std::invalid_argument("phone model " + model.name + ": negative boot time");
  }
  auto key = lower(model.name);
  models_.insert_or_assign(std::move(key), std::move(model));
}

const PhoneModel* ModelCatalogue::find(std::string_view name) const {
  const auto key = lower(name);
  if (auto it = models_.find(key); it != models_.end()) return &it->second;
  for (const auto& [k, m] : models_) {
    if (lower(m.product) == key || lower(m.xml_model) == key || lower(m.platform) == key) return &m;
  }
  return nullptr;
}

std::vector<std::string> ModelCatalogue::names() const {
  std::vector<std::string> out;
  out.reserve(models_.size());
  for (const auto& [k, m] : models_) out.push_back(m.name);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace voicelab::phone
