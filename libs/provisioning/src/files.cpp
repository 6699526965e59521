#include "voicelab/provisioning/files.hpp"

#include <algorithm>
#include <string>

namespace voicelab::provisioning {
namespace {

tftp::FileContent make_content(std::vector<std::uint8_t> bytes) {
  return std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
}

std::vector<std::uint8_t> to_bytes(const std::string& text) { return {text.begin(), text.end()}; }

// "<prefix>SEP<12 hex><suffix>" -> "SEP<12 hex>", or "" when `path` is not of that form.
std::string_view device_in(std::string_view path, std::string_view prefix,
                           std::string_view suffix) {
  if (path.size() != prefix.size() + 15 + suffix.size()) return {};
  if (!path.starts_with(prefix) || !path.ends_with(suffix)) return {};
  const std::string_view name = path.substr(prefix.size(), 15);
  return is_device_name(name) ? name : std::string_view{};
}

constexpr std::string_view sgn_suffix = ".sgn";

}  // namespace

ConfigFiles::ConfigFiles(const Database& db, std::size_t max_cached_device_files)
    : db_(db), max_cached_device_files_(max_cached_device_files) {}

tftp::FileContent ConfigFiles::lookup(std::string_view path) {
  ++counters_.lookups;
  tftp::FileContent content = find(path);
  if (content) {
    ++counters_.served;
  } else {
    ++counters_.not_found;
  }
  return content;
}

tftp::FileContent ConfigFiles::find(std::string_view path) {
  if (path.ends_with(sgn_suffix)) {
    const std::string_view base = path.substr(0, path.size() - sgn_suffix.size());
    // Only the XML and text files are signed; trust lists are signed already and firmware
    // carries its own signature.
    const std::string_view device = device_in(base, "", ".cnf.xml");
    std::uint64_t generation = 0;
    if (!device.empty()) {
      generation = db_.device_generation(device);
    } else {
      refresh_index();
      const auto it = index_.find(base);
      if (it == index_.end() || it->second.kind == Kind::itl || it->second.kind == Kind::ctl ||
          it->second.kind == Kind::ring_tone || it->second.kind == Kind::load_descriptor ||
          it->second.kind == Kind::load_component) {
        return nullptr;
      }
      generation = db_.shared_generation();
    }
    const tftp::FileContent plain = find(base);
    if (!plain) return nullptr;
    const bool per_device = !device.empty();
    if (const Cached* cached = cached_entry(path, per_device);
        cached != nullptr && cached->generation == generation) {
      ++counters_.cache_hits;
      return cached->content;
    }
    ++counters_.generated;
    auto signed_content = make_content(
        encode_signed_file(path, db_.identity().signing_time, tftp_certificate(db_), *plain));
    store(path, Cached{generation, signed_content}, per_device);
    return signed_content;
  }

  if (const auto device = device_in(path, "", ".cnf.xml"); !device.empty()) {
    return device_file(path, device);
  }
  for (const std::string_view prefix : {"ITL", "CTL"}) {
    const std::string_view device = device_in(path, prefix, ".tlv");
    if (device.empty()) continue;
    if (db_.device(device) == nullptr) return nullptr;
    const Kind kind = prefix == "ITL" ? Kind::itl : Kind::ctl;
    if (kind == Kind::ctl && db_.security_mode() != ClusterSecurityMode::mixed) return nullptr;
    const std::uint64_t generation = db_.shared_generation();
    if (const Cached* cached = cached_entry(path, true);
        cached != nullptr && cached->generation == generation) {
      ++counters_.cache_hits;
      return cached->content;
    }
    ++counters_.generated;
    auto content =
        make_content(kind == Kind::itl ? generate_itl(db_, path) : generate_ctl(db_, path));
    store(path, Cached{generation, content}, true);
    return content;
  }
  refresh_index();
  const auto it = index_.find(path);
  if (it == index_.end()) return nullptr;
  return static_file(path, it->second);
}

tftp::FileContent ConfigFiles::device_file(std::string_view path, std::string_view device_name) {
  const Device* device = db_.device(device_name);
  if (device == nullptr) return nullptr;
  const std::uint64_t generation = db_.device_generation(device_name);
  if (const Cached* cached = cached_entry(path, true);
      cached != nullptr && cached->generation == generation) {
    ++counters_.cache_hits;
    return cached->content;
  }
  ++counters_.generated;
  auto content = make_content(to_bytes(generate_device_config(db_, *device)));
  store(path, Cached{generation, content}, true);
  return content;
}

const ConfigFiles::Cached* ConfigFiles::cached_entry(std::string_view path, bool per_device) const {
  const auto& cache = per_device ? device_cache_ : cache_;
  const auto it = cache.find(path);
  return it == cache.end() ? nullptr : &it->second;
}

void ConfigFiles::store(std::string_view path, Cached entry, bool per_device) {
  if (!per_device) {
    cache_.insert_or_assign(std::string(path), std::move(entry));
    return;
  }
  const auto [it, inserted] = device_cache_.insert_or_assign(std::string(path), std::move(entry));
  if (!inserted) return;
  device_cache_order_.push_back(it->first);
  // Oldest first out: a boot storm's phones each ask once or twice, then never again.
  while (device_cache_.size() > max_cached_device_files_) {
    device_cache_.erase(device_cache_order_.front());
    device_cache_order_.pop_front();
  }
}

tftp::FileContent ConfigFiles::static_file(std::string_view path, const IndexEntry& entry) {
  const std::uint64_t generation = db_.shared_generation();
  const auto cached = cache_.find(path);
  if (cached != cache_.end()) {
    // Firmware depends on its name and size only: never rebuilt while those stay.
    const bool fresh = entry.kind == Kind::load_component
                           ? cached->second.content->size() == entry.size
                           : cached->second.generation == generation;
    if (fresh) {
      ++counters_.cache_hits;
      return cached->second.content;
    }
  }
  ++counters_.generated;
  std::vector<std::uint8_t> bytes = build(path, entry);
  // Unchanged bytes keep the old buffer: transfers in flight and new ones share it.
  if (cached != cache_.end() && *cached->second.content == bytes) {
    cached->second.generation = generation;
    return cached->second.content;
  }
  auto content = make_content(std::move(bytes));
  cache_.insert_or_assign(std::string(path), Cached{generation, content});
  return content;
}

std::vector<std::uint8_t> ConfigFiles::build(std::string_view path, const IndexEntry& entry) {
  switch (entry.kind) {
    case Kind::default_config:
      return to_bytes(generate_default_config(db_));
    case Kind::itl:
      return generate_itl(db_, path);
    case Kind::ctl:
      return generate_ctl(db_, path);
    case Kind::dial_rules:
      return to_bytes(generate_dial_rules(*db_.dial_rules(entry.key)));
    case Kind::softkeys:
      return to_bytes(generate_softkeys(*db_.softkey_template(entry.key)));
    case Kind::locale_tags:
      return to_bytes(generate_locale_tags(*db_.user_locale(entry.key)));
    case Kind::tones:
      return to_bytes(generate_tones(*db_.network_locale(entry.key)));
    case Kind::ring_list:
      return to_bytes(generate_ring_list(*db_.ring_list(entry.key)));
    case Kind::ring_tone:
      return generate_ring_tone(path);
    case Kind::load_descriptor:
      return to_bytes(generate_load_descriptor(*db_.load(entry.key)));
    case Kind::load_component:
      return generate_load_component(path, entry.size);
  }
  return {};
}

void ConfigFiles::refresh_index() {
  if (index_generation_ == db_.shared_generation()) return;
  index_generation_ = db_.shared_generation();
  index_.clear();
  // On a name clash the first entry wins, in this order.
  auto put = [&](std::string name, Kind kind, std::string key, std::uint64_t size = 0) {
    index_.try_emplace(std::move(name), IndexEntry{kind, std::move(key), size});
  };
  put("XMLDefault.cnf.xml", Kind::default_config, {});
  put("ITLFile.tlv", Kind::itl, {});
  if (db_.security_mode() == ClusterSecurityMode::mixed) put("CTLFile.tlv", Kind::ctl, {});
  for (const auto& [name, rules] : db_.all_dial_rules()) {
    put(dial_rules_file_name(rules), Kind::dial_rules, name);
  }
  for (const auto& [name, softkeys] : db_.softkey_templates()) {
    put(softkey_file_name(softkeys), Kind::softkeys, name);
  }
  for (const auto& [name, locale] : db_.user_locales()) {
    put(locale_tags_file_name(locale), Kind::locale_tags, name);
  }
  for (const auto& [name, locale] : db_.network_locales()) {
    put(tones_file_name(locale), Kind::tones, name);
  }
  for (const auto& [name, list] : db_.ring_lists()) {
    put(name, Kind::ring_list, name);
    for (const Ring& ring : list.rings) put(ring.file_name, Kind::ring_tone, ring.file_name);
  }
  for (const auto& [load_id, load] : db_.loads()) {
    put(load_descriptor_file_name(load_id), Kind::load_descriptor, load_id);
    for (const LoadFile& file : load.files) {
      put(file.name, Kind::load_component, file.name, file.size);
    }
  }
  // Drop cached files that are no longer served (a removed load's components, ...).
  std::erase_if(cache_, [&](const auto& item) {
    const std::string_view name = item.first;
    const std::string_view base =
        name.ends_with(sgn_suffix) ? name.substr(0, name.size() - sgn_suffix.size()) : name;
    return !index_.contains(base);
  });
}

std::vector<std::string> ConfigFiles::file_names() {
  refresh_index();
  std::vector<std::string> names;
  names.reserve(index_.size() + 3 * db_.devices().size());
  for (const auto& [name, entry] : index_) names.push_back(name);
  const bool mixed = db_.security_mode() == ClusterSecurityMode::mixed;
  for (const auto& [name, device] : db_.devices()) {
    names.push_back(device_config_file_name(name));
    names.push_back("ITL" + name + ".tlv");
    if (mixed) names.push_back("CTL" + name + ".tlv");
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace voicelab::provisioning
