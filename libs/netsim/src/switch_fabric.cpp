#include "voicelab/netsim/switch_fabric.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "voicelab/netsim/simulation.hpp"
#include "voicelab/wire/bytes.hpp"
#include "voicelab/wire/ethernet.hpp"

namespace voicelab::netsim {
namespace {

constexpr std::uint16_t max_vlan = 4094;
constexpr std::size_t vlan_slots = 4096;
constexpr std::size_t min_table_capacity = 16;
constexpr std::size_t dst_offset = 0;
constexpr std::size_t src_offset = 6;
constexpr std::size_t type_offset = 12;
constexpr std::size_t tci_offset = 14;
constexpr std::size_t mac_size = 6;

std::uint64_t load_mac(const std::uint8_t* p) noexcept {
  return (std::uint64_t{wire::load_be16(p)} << 32) | wire::load_be32(p + 2);
}

std::uint64_t mac_key(std::uint16_t vlan, std::uint64_t mac) noexcept {
  return (std::uint64_t{vlan} << 48) | mac;
}

void check_vlan(std::uint16_t vlan, const char* what) {
  if (vlan < 1 || vlan > max_vlan) {
    throw std::invalid_argument(std::string("netsim switch: ") + what + " " + std::to_string(vlan) +
                                " is not a VLAN id (1..4094)");
  }
}

bool bit_set(const std::vector<std::uint64_t>& bits, std::uint16_t vlan) noexcept {
  return ((bits[vlan >> 6] >> (vlan & 63)) & 1) != 0;
}

}  // namespace

// --- MAC table -------------------------------------------------------------------------------

namespace detail {

void MacTable::reserve(std::size_t entries) {
  const std::size_t wanted = std::bit_ceil(std::max(min_table_capacity, entries * 2));
  if (wanted > slots_.size()) rehash(wanted);
}

void MacTable::rehash(std::size_t capacity) {
  std::vector<Entry> old;
  old.swap(slots_);
  slots_.assign(capacity, Entry{});
  mask_ = capacity - 1;
  shift_ = 64 - std::countr_zero(capacity);
  size_ = 0;
  for (const Entry& e : old) {
    if (e.key != 0) insert(e.key) = e;
  }
}

std::size_t MacTable::find(std::uint64_t key) const noexcept {
  if (slots_.empty()) return npos;
  for (std::size_t i = home(key);; i = (i + 1) & mask_) {
    if (slots_[i].key == key) return i;
    if (slots_[i].key == 0) return npos;
  }
}

MacTable::Entry& MacTable::insert(std::uint64_t key) {
  if ((size_ + 1) * 2 > slots_.size()) {
    rehash(std::max(min_table_capacity, slots_.size() * 2));
  }
  std::size_t i = home(key);
  while (slots_[i].key != 0) i = (i + 1) & mask_;
  ++size_;
  slots_[i] = Entry{};
  slots_[i].key = key;
  return slots_[i];
}

void MacTable::erase_at(std::size_t index) noexcept {
  // Backward-shift deletion: pull later members of the probe run into the hole so that no
  // tombstones are needed.
  std::size_t hole = index;
  for (std::size_t i = (index + 1) & mask_; slots_[i].key != 0; i = (i + 1) & mask_) {
    const std::size_t h = home(slots_[i].key);
    // Move slots_[i] into the hole unless its home lies cyclically in (hole, i].
    const bool home_after_hole = ((i - h) & mask_) < ((i - hole) & mask_);
    if (!home_after_hole) {
      slots_[hole] = slots_[i];
      hole = i;
    }
  }
  slots_[hole] = Entry{};
  --size_;
}

}  // namespace detail

// --- ports -------------------------------------------------------------------------------------

class SwitchFabric::FabricPort final : public Port {
 public:
  FabricPort(SwitchFabric& fabric, std::uint32_t index, std::string name)
      : Port(std::move(name)), fabric_(fabric), index_(index) {}
  void on_frame(const FrameRef& frame) override { fabric_.ingress(index_, frame); }
  void on_carrier(bool up) override { fabric_.carrier_changed(index_, up); }

 private:
  SwitchFabric& fabric_;
  std::uint32_t index_;
};

namespace {
std::vector<std::string> default_interface_names(std::size_t count) {
  std::vector<std::string> names;
  names.reserve(count);
  for (std::size_t i = 1; i <= count; ++i) names.push_back("Gi1/0/" + std::to_string(i));
  return names;
}
}  // namespace

SwitchFabric::SwitchFabric(Simulation& sim, std::string name, std::size_t port_count,
                           Options options)
    : SwitchFabric(sim, std::move(name), default_interface_names(port_count), options) {}

SwitchFabric::SwitchFabric(Simulation& sim, std::string name,
                           std::vector<std::string> interface_names, Options options)
    : sim_(sim),
      name_(std::move(name)),
      options_(options),
      interface_names_(std::move(interface_names)) {
  ports_.reserve(interface_names_.size());
  for (std::size_t i = 0; i < interface_names_.size(); ++i) {
    ports_.push_back(std::make_unique<FabricPort>(*this, static_cast<std::uint32_t>(i),
                                                  name_ + ":" + interface_names_[i]));
  }
  state_.resize(interface_names_.size());
  macs_.reserve(options_.mac_table_reserve);
}

SwitchFabric::~SwitchFabric() = default;

Port& SwitchFabric::port(std::size_t index) {
  check_port(index);
  return *ports_[index];
}

const std::string& SwitchFabric::interface_name(std::size_t index) const {
  check_port(index);
  return interface_names_[index];
}

std::optional<std::size_t> SwitchFabric::find_port(std::string_view name) const {
  for (std::size_t i = 0; i < ports_.size(); ++i) {
    if (interface_names_[i] == name || ports_[i]->name() == name) return i;
  }
  return std::nullopt;
}

void SwitchFabric::check_port(std::size_t port) const {
  if (port >= ports_.size()) {
    throw std::out_of_range("netsim switch " + name_ + ": no port index " + std::to_string(port));
  }
}

// --- configuration -----------------------------------------------------------------------------

void SwitchFabric::configure(std::size_t port, const SwitchPortConfig& config) {
  check_port(port);
  if (config.mode == SwitchPortMode::access) {
    check_vlan(config.access_vlan, "access VLAN");
    if (config.voice_vlan != 0) check_vlan(config.voice_vlan, "voice VLAN");
  } else {
    check_vlan(config.native_vlan, "native VLAN");
    for (auto v : config.allowed_vlans) check_vlan(v, "allowed VLAN");
  }
  PortState& st = state_[port];
  const bool enabled_before = st.config.enabled;
  st.config = config;
  st.config.enabled = enabled_before;  // applied through set_enabled below
  st.allowed.clear();
  if (config.mode == SwitchPortMode::trunk && !config.allowed_vlans.empty()) {
    st.allowed.assign(vlan_slots / 64, 0);
    for (auto v : config.allowed_vlans) st.allowed[v >> 6] |= std::uint64_t{1} << (v & 63);
  }
  members_dirty_ = true;
  flush_mac_table(port);
  set_enabled(port, config.enabled);
}

const SwitchPortConfig& SwitchFabric::config(std::size_t port) const {
  check_port(port);
  return state_[port].config;
}

void SwitchFabric::set_enabled(std::size_t port, bool enabled) {
  check_port(port);
  PortState& st = state_[port];
  st.config.enabled = enabled;
  Link* link = ports_[port]->link();
  if (link != nullptr && link->up() != enabled) link->set_up(enabled);  // reports via on_carrier
  update_oper_state(static_cast<std::uint32_t>(port));
}

bool SwitchFabric::port_up(std::size_t port) const {
  check_port(port);
  return state_[port].oper_up;
}

bool SwitchFabric::carries_vlan(std::size_t port, std::uint16_t vlan) const {
  check_port(port);
  if (vlan < 1 || vlan > max_vlan) return false;
  return egress_encoding(state_[port], vlan) != 0;
}

void SwitchFabric::carrier_changed(std::uint32_t port, bool up) {
  if (up && !state_[port].config.enabled) {
    // A shut port does not bring its link up.
    Link* link = ports_[port]->link();
    if (link != nullptr) link->set_up(false);
    return;
  }
  update_oper_state(port);
}

void SwitchFabric::update_oper_state(std::uint32_t port) {
  PortState& st = state_[port];
  const bool up = st.config.enabled && ports_[port]->carrier();
  if (up == st.oper_up) return;
  st.oper_up = up;
  if (!up) flush_mac_table(port);
  if (control_ != nullptr) control_->on_port_state(port, up);
}

// --- VLAN membership ---------------------------------------------------------------------------

std::uint16_t SwitchFabric::classify(const PortState& st, bool tagged,
                                     std::uint16_t vid) const noexcept {
  const SwitchPortConfig& c = st.config;
  if (c.mode == SwitchPortMode::access) {
    if (!tagged || vid == 0) return c.access_vlan;
    if (c.voice_vlan != 0 && vid == c.voice_vlan) return c.voice_vlan;
    return 0;
  }
  const std::uint16_t vlan = (!tagged || vid == 0) ? c.native_vlan : vid;
  if (vlan > max_vlan) return 0;  // VID 4095 is reserved
  if (!st.allowed.empty() && !bit_set(st.allowed, vlan)) return 0;
  return vlan;
}

int SwitchFabric::egress_encoding(const PortState& st, std::uint16_t vlan) noexcept {
  const SwitchPortConfig& c = st.config;
  if (c.mode == SwitchPortMode::access) {
    if (vlan == c.access_vlan) return 1;
    if (c.voice_vlan != 0 && vlan == c.voice_vlan) return 2;
    return 0;
  }
  if (!st.allowed.empty() && !bit_set(st.allowed, vlan)) return 0;
  return vlan == c.native_vlan ? 1 : 2;
}

void SwitchFabric::rebuild_vlan_members() {
  if (vlan_members_.empty()) vlan_members_.resize(vlan_slots);
  for (auto& members : vlan_members_) members.clear();
  all_vlan_trunks_.clear();
  for (std::uint32_t i = 0; i < state_.size(); ++i) {
    const PortState& st = state_[i];
    if (st.span_destination) continue;
    const SwitchPortConfig& c = st.config;
    if (c.mode == SwitchPortMode::access) {
      vlan_members_[c.access_vlan].push_back(i);
      if (c.voice_vlan != 0 && c.voice_vlan != c.access_vlan) {
        vlan_members_[c.voice_vlan].push_back(i);
      }
    } else if (st.allowed.empty()) {
      all_vlan_trunks_.push_back(i);
    } else {
      for (std::uint16_t v = 1; v <= max_vlan; ++v) {
        if (bit_set(st.allowed, v)) vlan_members_[v].push_back(i);
      }
    }
  }
  members_dirty_ = false;
}

// --- forwarding --------------------------------------------------------------------------------

// One received frame on its way out: the original and, built on first need, its re-encodings.
struct SwitchFabric::Egress {
  const FrameRef& original;
  bool tagged;
  std::uint16_t tci;   // as received (tagged only)
  std::uint16_t vlan;  // classified VLAN
  FrameRef untagged_copy;
  FrameRef tagged_copy;
};

bool SwitchFabric::is_control_address(const std::uint8_t* dst) noexcept {
  if ((dst[0] & 1) == 0) return false;
  static constexpr std::uint8_t cisco[mac_size] = {0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc};
  static constexpr std::uint8_t ieee[5] = {0x01, 0x80, 0xc2, 0x00, 0x00};
  if (std::memcmp(dst, cisco, mac_size) == 0) return true;
  return std::memcmp(dst, ieee, 5) == 0 && dst[5] <= 0x0f;
}

bool SwitchFabric::expired(const detail::MacTable::Entry& e) const noexcept {
  return !e.is_static && options_.mac_aging.count() > 0 &&
         sim_.now() - e.last_seen >= options_.mac_aging;
}

void SwitchFabric::ingress(std::uint32_t in, const FrameRef& frame) {
  PortState& st = state_[in];
  const std::size_t size = frame.size();
  ++st.counters.rx_frames;
  st.counters.rx_bytes += size;
  if (!st.oper_up || st.span_destination || size < wire::ethernet_header_size) {
    ++st.counters.rx_discards;
    return;
  }
  for (std::uint32_t target : st.span_targets) transmit(target, frame);
  const std::uint8_t* d = frame.bytes().data();
  if (is_control_address(d + dst_offset)) {
    ++st.counters.control_rx;
    if (control_ != nullptr) control_->on_control_frame(in, frame);
    return;
  }
  const bool tagged = wire::load_be16(d + type_offset) == wire::ethertype::vlan;
  std::uint16_t tci = 0;
  if (tagged) {
    if (size < wire::ethernet_header_size + wire::vlan_tag_size) {
      ++st.counters.rx_discards;
      return;
    }
    tci = wire::load_be16(d + tci_offset);
  }
  const std::uint16_t vlan = classify(st, tagged, static_cast<std::uint16_t>(tci & 0x0fff));
  if (vlan == 0) {
    ++st.counters.rx_vlan_drops;
    return;
  }
  if ((d[src_offset] & 1) == 0) learn(mac_key(vlan, load_mac(d + src_offset)), in);

  Egress egress{frame, tagged, tci, vlan, {}, {}};
  if ((d[dst_offset] & 1) == 0) {
    const std::size_t at = macs_.find(mac_key(vlan, load_mac(d + dst_offset)));
    if (at != detail::MacTable::npos) {
      const auto& entry = macs_.at(at);
      if (!expired(entry)) {
        if (entry.port == in) {
          ++counters_.filtered;
          return;
        }
        ++counters_.unicast_forwarded;
        send(entry.port, egress);
        return;
      }
      macs_.erase_at(at);
      ++counters_.mac_aged;
    }
  }

  // Flood: merge the VLAN's member list with the all-VLAN trunks, in port order.
  if (members_dirty_) rebuild_vlan_members();
  ++counters_.flooded;
  const auto& members = vlan_members_[vlan];
  auto m = members.begin();
  auto t = all_vlan_trunks_.begin();
  while (m != members.end() || t != all_vlan_trunks_.end()) {
    std::uint32_t out;
    if (t == all_vlan_trunks_.end() || (m != members.end() && *m < *t)) {
      out = *m++;
    } else {
      out = *t++;
    }
    if (out != in && state_[out].oper_up) send(out, egress);
  }
}

void SwitchFabric::learn(std::uint64_t key, std::uint32_t port) {
  const std::size_t at = macs_.find(key);
  if (at != detail::MacTable::npos) {
    auto& e = macs_.at(at);
    if (e.is_static) return;
    if (e.port != port) {
      if (!expired(e)) ++counters_.mac_moves;
      e.port = port;
    }
    e.last_seen = sim_.now();
    return;
  }
  if (macs_.size() + 1 > macs_.slots().size() / 2) {
    // About to grow: purge expired entries first, and still grow unless that freed a good part,
    // so that a table full of live entries is not swept again on the next insert.
    const std::size_t aged = macs_.erase_if([this](const auto& e) { return expired(e); });
    counters_.mac_aged += aged;
    if (aged < macs_.slots().size() / 8) macs_.reserve(macs_.slots().size());
  }
  auto& e = macs_.insert(key);
  e.port = port;
  e.last_seen = sim_.now();
  ++counters_.mac_learned;
}

void SwitchFabric::send(std::uint32_t out, Egress& egress) {
  PortState& st = state_[out];
  const int encoding = egress_encoding(st, egress.vlan);
  if (encoding == 0 || !st.oper_up) {
    ++st.counters.tx_discards;
    return;
  }
  const FrameRef& original = egress.original;
  const std::size_t size = original.size();
  const std::uint8_t* src = original.bytes().data();
  if (encoding == 1) {
    if (!egress.tagged) {
      transmit(out, original);
      return;
    }
    if (!egress.untagged_copy) {
      // Pop the tag; pad back to the 60-byte minimum as a switch does.
      FrameRef copy = sim_.frames().allocate();
      std::uint8_t* p = copy.storage().data();
      std::memcpy(p, src, type_offset);
      std::memcpy(p + type_offset, src + type_offset + wire::vlan_tag_size,
                  size - type_offset - wire::vlan_tag_size);
      std::size_t length = size - wire::vlan_tag_size;
      if (length < wire::ethernet_min_frame) {
        std::memset(p + length, 0, wire::ethernet_min_frame - length);
        length = wire::ethernet_min_frame;
      }
      copy.resize(length);
      egress.untagged_copy = std::move(copy);
    }
    transmit(out, egress.untagged_copy);
    return;
  }
  // Tagged with the frame's VLAN; priority and DEI kept from the received tag, else 0.
  const auto tci =
      static_cast<std::uint16_t>((egress.tagged ? (egress.tci & 0xf000) : 0) | egress.vlan);
  if (egress.tagged && egress.tci == tci) {
    transmit(out, original);
    return;
  }
  if (!egress.tagged_copy) {
    if (!egress.tagged && size + wire::vlan_tag_size > frame_capacity) {
      ++st.counters.tx_discards;
      return;
    }
    FrameRef copy = sim_.frames().allocate();
    std::uint8_t* p = copy.storage().data();
    if (egress.tagged) {
      std::memcpy(p, src, size);
      wire::store_be16(p + tci_offset, tci);
      copy.resize(size);
    } else {
      std::memcpy(p, src, type_offset);
      wire::store_be16(p + type_offset, wire::ethertype::vlan);
      wire::store_be16(p + tci_offset, tci);
      std::memcpy(p + type_offset + wire::vlan_tag_size, src + type_offset, size - type_offset);
      copy.resize(size + wire::vlan_tag_size);
    }
    egress.tagged_copy = std::move(copy);
  }
  transmit(out, egress.tagged_copy);
}

void SwitchFabric::transmit(std::uint32_t out, const FrameRef& frame) {
  PortState& st = state_[out];
  ++st.counters.tx_frames;
  st.counters.tx_bytes += frame.size();
  if (st.span_destination) ++st.counters.span_tx;
  ports_[out]->transmit(frame);
  for (std::uint32_t target : st.span_targets) transmit(target, frame);
}

void SwitchFabric::send_control(std::size_t port, FrameRef frame) {
  check_port(port);
  PortState& st = state_[port];
  if (!st.config.enabled || !frame) {
    ++st.counters.tx_discards;
    return;
  }
  ++st.counters.control_tx;
  transmit(static_cast<std::uint32_t>(port), frame);
}

// --- SPAN --------------------------------------------------------------------------------------

std::size_t SwitchFabric::add_span_session(SpanSession session) {
  check_port(session.destination);
  for (auto s : session.sources) {
    check_port(s);
    if (s == session.destination) {
      throw std::invalid_argument("netsim switch " + name_ +
                                  ": a SPAN destination cannot be one of its sources");
    }
  }
  for (std::size_t i = 0; i < state_.size(); ++i) {
    if (i == session.destination && state_[i].span_destination) {
      throw std::invalid_argument("netsim switch " + name_ + ": port " + interface_names_[i] +
                                  " is already a SPAN destination");
    }
  }
  for (const auto& other : span_sessions_) {
    if (!other) continue;
    for (auto s : session.sources) {
      if (s == other->destination) {
        throw std::invalid_argument("netsim switch " + name_ +
                                    ": a SPAN destination cannot be a source");
      }
    }
    for (auto s : other->sources) {
      if (s == session.destination) {
        throw std::invalid_argument("netsim switch " + name_ +
                                    ": a SPAN source cannot be a destination");
      }
    }
  }
  span_sessions_.push_back(std::move(session));
  rebuild_span();
  return span_sessions_.size() - 1;
}

void SwitchFabric::remove_span_session(std::size_t id) {
  if (id >= span_sessions_.size() || !span_sessions_[id]) return;
  span_sessions_[id].reset();
  rebuild_span();
}

void SwitchFabric::rebuild_span() {
  for (auto& st : state_) {
    st.span_targets.clear();
    st.span_destination = false;
  }
  for (const auto& session : span_sessions_) {
    if (!session) continue;
    const auto dest = static_cast<std::uint32_t>(session->destination);
    state_[dest].span_destination = true;
    for (auto s : session->sources) {
      auto& targets = state_[s].span_targets;
      if (std::find(targets.begin(), targets.end(), dest) == targets.end()) {
        targets.push_back(dest);
      }
    }
  }
  for (const auto& session : span_sessions_) {
    if (session) flush_mac_table(session->destination);
  }
  members_dirty_ = true;
}

// --- MAC table API -----------------------------------------------------------------------------

std::optional<std::size_t> SwitchFabric::lookup_mac(std::uint16_t vlan,
                                                    wire::MacAddress mac) const {
  const std::size_t at = macs_.find(mac_key(vlan, mac.to_u64()));
  if (at == detail::MacTable::npos) return std::nullopt;
  const auto& e = macs_.slots()[at];
  if (expired(e)) return std::nullopt;
  return e.port;
}

void SwitchFabric::add_static_mac(std::uint16_t vlan, wire::MacAddress mac, std::size_t port) {
  check_port(port);
  check_vlan(vlan, "VLAN");
  const std::uint64_t key = mac_key(vlan, mac.to_u64());
  std::size_t at = macs_.find(key);
  auto& e = at != detail::MacTable::npos ? macs_.at(at) : macs_.insert(key);
  e.port = static_cast<std::uint32_t>(port);
  e.is_static = true;
  e.last_seen = sim_.now();
}

void SwitchFabric::flush_mac_table() {
  macs_.erase_if([](const auto& e) { return !e.is_static; });
}

void SwitchFabric::flush_mac_table(std::size_t port) {
  check_port(port);
  if (macs_.size() == 0) return;
  macs_.erase_if([port](const auto& e) { return !e.is_static && e.port == port; });
}

std::size_t SwitchFabric::age_mac_table() {
  const std::size_t n = macs_.erase_if([this](const auto& e) { return expired(e); });
  counters_.mac_aged += n;
  return n;
}

std::vector<MacTableEntry> SwitchFabric::mac_table() const {
  std::vector<MacTableEntry> rows;
  rows.reserve(macs_.size());
  for (const auto& e : macs_.slots()) {
    if (e.key == 0 || expired(e)) continue;
    MacTableEntry row;
    row.vlan = static_cast<std::uint16_t>(e.key >> 48);
    row.mac = wire::MacAddress::from_u64(e.key & 0xffffffffffffULL);
    row.port = e.port;
    row.is_static = e.is_static;
    row.age = e.is_static ? Duration{0} : sim_.now() - e.last_seen;
    rows.push_back(row);
  }
  std::sort(rows.begin(), rows.end(), [](const MacTableEntry& a, const MacTableEntry& b) {
    return a.vlan != b.vlan ? a.vlan < b.vlan : a.mac < b.mac;
  });
  return rows;
}

std::size_t SwitchFabric::mac_table_size() const {
  std::size_t n = 0;
  for (const auto& e : macs_.slots()) {
    if (e.key != 0 && !expired(e)) ++n;
  }
  return n;
}

const SwitchPortCounters& SwitchFabric::port_counters(std::size_t port) const {
  check_port(port);
  return state_[port].counters;
}

}  // namespace voicelab::netsim
