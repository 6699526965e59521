#include "voicelab/phone/phone.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "engines.hpp"

namespace voicelab::phone {

using detail::FetchOutcome;
using detail::FetchResult;
using detail::Owner;

// --- names --------------------------------------------------------------------------------

std::string_view to_string(StepStatus status) {
  switch (status) {
    case StepStatus::pending:
      return "pending";
    case StepStatus::running:
      return "running";
    case StepStatus::ok:
      return "ok";
    case StepStatus::failed:
      return "failed";
    case StepStatus::skipped:
      return "skipped";
  }
  return "pending";
}

std::string_view step_name(int n) {
  static constexpr std::string_view names[] = {
      "PoE power-up", "Firmware boot",      "Voice VLAN",     "DHCP",       "CTL",
      "ITL",          "Configuration file", "Firmware check", "Dial rules", "TCP to CUCM",
      "SIP REGISTER", "Localization",       "Softkeys",       "Ringtones"};
  if (n < 1 || n > step_count) return {};
  return names[n - 1];
}

std::string_view to_string(PhoneState state) {
  switch (state) {
    case PhoneState::no_power:
      return "no_power";
    case PhoneState::booting:
      return "booting";
    case PhoneState::configuring_vlan:
      return "configuring_vlan";
    case PhoneState::configuring_ip:
      return "configuring_ip";
    case PhoneState::configuring:
      return "configuring";
    case PhoneState::upgrading:
      return "upgrading";
    case PhoneState::registering:
      return "registering";
    case PhoneState::registered:
      return "registered";
    case PhoneState::rejected:
      return "rejected";
    case PhoneState::unprovisioned:
      return "unprovisioned";
    case PhoneState::no_vlan:
      return "no_vlan";
    case PhoneState::no_ip:
      return "no_ip";
    case PhoneState::no_tftp:
      return "no_tftp";
    case PhoneState::config_failed:
      return "config_failed";
    case PhoneState::no_cucm:
      return "no_cucm";
    case PhoneState::network_down:
      return "network_down";
  }
  return "no_power";
}

std::string Endpoint::to_string() const { return address.to_string() + ":" + std::to_string(port); }

std::string format_console_line(const ConsoleLine& line) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(line.at).count();
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%8lld.%03lld ", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return stamp + line.text;
}

namespace {

std::string seconds(Duration d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  char text[32];
  std::snprintf(text, sizeof text, "%lld.%01lld s", static_cast<long long>(ms / 1000),
                static_cast<long long>((ms % 1000) / 100));
  return text;
}

std::string replace_all(std::string text, std::string_view key, std::string_view value) {
  for (auto pos = text.find(key); pos != std::string::npos; pos = text.find(key, pos)) {
    text.replace(pos, key.size(), value);
    pos += value.size();
  }
  return text;
}

std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  });
  return text;
}

}  // namespace

// --- construction -------------------------------------------------------------------------

Phone::Phone(PhoneConfig config, const ModelCatalogue& catalogue, Random& random)
    : config_(std::move(config)), random_(random) {
  const PhoneModel* model = catalogue.find(config_.model);
  if (!model) throw std::invalid_argument("phone: unknown model '" + config_.model + "'");
  if (config_.mac.is_zero()) throw std::invalid_argument("phone: zero MAC address");
  model_ = *model;
  status_.active_load = config_.active_load.empty() ? model_.default_load : config_.active_load;
  status_.inactive_load = config_.inactive_load;
  steps_.resize(step_count);
  for (int n = 1; n <= step_count; ++n) steps_[static_cast<std::size_t>(n - 1)].n = n;
}

Phone::~Phone() = default;

std::string Phone::device_name() const { return "SEP" + config_.mac.to_hex_upper(); }

const StepRecord& Phone::step(int n) const {
  if (n < 1 || n > step_count) throw std::out_of_range("phone: no step " + std::to_string(n));
  return steps_[static_cast<std::size_t>(n - 1)];
}

// --- records ------------------------------------------------------------------------------

StepRecord& Phone::record(int n) { return steps_[static_cast<std::size_t>(n - 1)]; }

void Phone::step_begin(Time now, int n, std::string detail) {
  StepRecord& r = record(n);
  r.status = StepStatus::running;
  r.start = now;
  r.end.reset();
  r.detail = std::move(detail);
  r.boot = boot_;
  emit({EventKind::step_started, now, n, StepStatus::running, status_.state, r.detail});
  log(now, "Step " + std::to_string(n) + " " + std::string(step_name(n)) + ": started" +
               (r.detail.empty() ? std::string{} : " (" + r.detail + ")"));
}

void Phone::step_end(Time now, int n, StepStatus status, std::string detail) {
  StepRecord& r = record(n);
  if (!r.start) r.start = now;
  r.status = status;
  r.end = now;
  r.detail = std::move(detail);
  r.boot = boot_;
  emit({EventKind::step_finished, now, n, status, status_.state, r.detail});
  log(now, "Step " + std::to_string(n) + " " + std::string(step_name(n)) + ": " +
               std::string(to_string(status)) + (r.detail.empty() ? "" : " - " + r.detail));
}

void Phone::skip_steps(Time now, int first, int last, const std::string& detail) {
  for (int n = first; n <= last; ++n) step_end(now, n, StepStatus::skipped, detail);
}

void Phone::reset_steps(int first) {
  for (int n = first; n <= step_count; ++n) {
    StepRecord& r = record(n);
    r = StepRecord{};
    r.n = n;
    r.boot = boot_;
  }
}

void Phone::archive_steps(int first) {
  for (int n = first; n <= step_count; ++n) {
    if (record(n).start || record(n).status != StepStatus::pending) history_.push_back(record(n));
  }
}

void Phone::set_state(Time now, PhoneState state) {
  if (status_.state == state) return;
  log(now,
      "State: " + std::string(to_string(status_.state)) + " -> " + std::string(to_string(state)));
  status_.state = state;
  emit({EventKind::state_changed, now, 0, StepStatus::pending, state, {}});
}

void Phone::set_display(Time now, std::string text) {
  if (status_.display == text) return;
  status_.display = std::move(text);
  emit({EventKind::display_changed, now, 0, StepStatus::pending, status_.state, status_.display});
}

void Phone::log(Time now, std::string text) {
  if (config_.console_limit > 0) {
    if (console_.size() >= config_.console_limit) console_.pop_front();
    console_.push_back({now, text});
  }
  emit({EventKind::console, now, 0, StepStatus::pending, status_.state, std::move(text)});
}

void Phone::emit(Event event) { events_.push_back(std::move(event)); }

std::optional<Command> Phone::poll_command() {
  if (commands_.empty()) return std::nullopt;
  auto c = std::move(commands_.front());
  commands_.pop_front();
  return c;
}

std::optional<Event> Phone::poll_event() {
  if (events_.empty()) return std::nullopt;
  auto e = std::move(events_.front());
  events_.pop_front();
  return e;
}

std::string Phone::expand(const std::string& pattern) const {
  std::string out = replace_all(pattern, "{MAC}", config_.mac.to_hex_upper());
  if (engines_ && engines_->config) {
    out = replace_all(std::move(out), "{USER_LOCALE}", engines_->config->user_locale);
    out = replace_all(std::move(out), "{NETWORK_LOCALE}", engines_->config->network_locale);
  }
  if (engines_) out = replace_all(std::move(out), "{LOAD}", engines_->target_load);
  return out;
}

// --- administrative -----------------------------------------------------------------------

void Phone::power_on(Time now, std::string source) {
  if (powered_) return;
  // A new power cycle: what the last one recorded moves to the history.
  archive_steps(1);
  boot_ = 0;
  upgrades_ = 0;
  attempt_ = 0;
  reset_steps(1);
  powered_ = true;
  status_.download_status.clear();
  status_.download_detail.clear();
  boot_ = 1;  // step 1 belongs to the first boot of the cycle; start_boot() counts from 0
  step_begin(now, 1);
  step_end(now, 1, StepStatus::ok, source.empty() ? "powered" : "powered: " + source);
  boot_ = 0;
  start_boot(now);
}

void Phone::power_denied(Time now, std::string reason) {
  if (powered_) return;
  archive_steps(1);
  reset_steps(1);
  step_begin(now, 1);
  step_end(now, 1, StepStatus::failed, reason.empty() ? "no power" : "no power: " + reason);
  set_state(now, PhoneState::no_power);
}

void Phone::power_off(Time now) {
  if (!powered_) return;
  for (auto& r : steps_) {
    if (r.status == StepStatus::running) {
      r.status = StepStatus::failed;
      r.end = now;
      r.detail += r.detail.empty() ? "power lost" : "; power lost";
      emit({EventKind::step_finished, now, r.n, r.status, status_.state, r.detail});
    }
  }
  log(now, "Power lost");
  powered_ = false;
  engines_.reset();
  commands_.clear();  // a power cut: nothing queued leaves the phone any more
  boot_done_at_.reset();
  retry_at_.reset();
  flash_done_at_.reset();
  phase_ = Phase::off;
  clear_network_status();
  set_display(now, "");
  set_state(now, PhoneState::no_power);
}

void Phone::link_down(Time now) {
  if (!link_) return;
  link_ = false;
  if (!powered_) return;
  log(now, "Network port: link down");
  if (phase_ == Phase::booting || phase_ == Phase::flash_write) return;
  for (auto& r : steps_) {
    if (r.status == StepStatus::running) {
      r.status = StepStatus::failed;
      r.end = now;
      r.detail += r.detail.empty() ? "link down" : "; link down";
      emit({EventKind::step_finished, now, r.n, r.status, status_.state, r.detail});
    }
  }
  stop_network(now);
  retry_at_.reset();
  phase_ = Phase::link_down;
  set_state(now, PhoneState::network_down);
}

void Phone::link_up(Time now) {
  if (link_) return;
  link_ = true;
  if (!powered_) return;
  log(now, "Network port: link up");
  if (phase_ != Phase::link_down) return;  // booting: the boot goes on by itself
  reset_steps(3);
  start_vlan(now);
  pump(now);
}

// --- the boot sequence --------------------------------------------------------------------

void Phone::start_boot(Time now) {
  ++boot_;
  status_.boots = boot_;
  engines_ = std::make_unique<detail::Engines>();
  phase_ = Phase::booting;
  set_state(now, PhoneState::booting);
  step_begin(now, 2, "loading " + status_.active_load + " from flash");
  boot_done_at_ = now + model_.boot_time;
}

void Phone::boot_finished(Time now) {
  boot_done_at_.reset();
  step_end(now, 2, StepStatus::ok,
           status_.active_load + " running after " + seconds(model_.boot_time) +
               (boot_ > 1 ? " (boot " + std::to_string(boot_) + ", after upgrade)" : ""));
  if (!link_) {
    phase_ = Phase::link_down;
    set_state(now, PhoneState::network_down);
    return;
  }
  start_vlan(now);
}

void Phone::start_vlan(Time now) {
  phase_ = Phase::vlan;
  set_state(now, PhoneState::configuring_vlan);
  set_display(now, "Configuring VLAN");
  if (!model_.cdp && !model_.lldp_med) {
    step_begin(now, 3);
    step_end(now, 3, StepStatus::skipped, "the model speaks neither CDP nor LLDP-MED");
    start_dhcp(now);
    return;
  }
  auto& e = *engines_;
  if (!e.discovery) {
    cdp::PhoneDiscoveryConfig dc;
    dc.mac = config_.mac;
    dc.platform = model_.platform;
    dc.software_version = status_.active_load;
    dc.cdp = model_.cdp;
    dc.lldp_med = model_.lldp_med;
    dc.power_requested_mw = model_.power_mw;
    if (config_.voice_vlan_wait) dc.voice_vlan_wait = *config_.voice_vlan_wait;
    e.discovery.emplace(std::move(dc), random_);
  }
  e.voice_vlan_learned = false;
  status_.voice_vlan.reset();
  std::string how = model_.cdp && model_.lldp_med ? "CDP and LLDP-MED"
                    : model_.cdp                  ? "CDP"
                                                  : "LLDP-MED";
  step_begin(now, 3, "asking for the voice VLAN over " + how);
  e.discovery->start(now);
}

void Phone::vlan_done(Time now, StepStatus status, std::string detail) {
  step_end(now, 3, status, std::move(detail));
  start_dhcp(now);
}

void Phone::apply_vlan(Time now, std::uint16_t vlan) {
  log(now, "Voice VLAN " + std::to_string(vlan) + ": tagging the IP interface");
  // One tag for every frame the IP interface sends; priority 0 (DHCP, TFTP, HTTP are best
  // effort; the netsim interface has one PCP, so signalling's CoS 3 is not modelled).
  commands_.push_back(SetVlan{wire::VlanTag{vlan, 0, false}});
  status_.voice_vlan = vlan;
  engines_->voice_vlan_learned = true;
}

void Phone::start_dhcp(Time now) {
  auto& e = *engines_;
  phase_ = Phase::dhcp;
  set_state(now, PhoneState::configuring_ip);
  set_display(now, "Configuring IP");
  if (!e.dhcp) {
    dhcp::ClientConfig dc;
    dc.mac = config_.mac;
    dc.interface = 0;
    dc.vendor_class = "Cisco Systems, Inc. IP Phone " + model_.product;
    dc.alternate_tftp_server = config_.alternate_tftp;
    e.dhcp.emplace(std::move(dc), random_);
  }
  step_begin(now, 4, e.remembered ? "INIT-REBOOT with " + e.remembered->to_string() : "DISCOVER");
  e.dhcp->start(now, e.remembered);
}

void Phone::lease_ready(Time now, const dhcp::TftpChoice& choice) {
  auto& e = *engines_;
  if (!e.lease) return;
  const auto& lease = *e.lease;
  status_.tftp_servers = choice.servers;
  std::string detail = lease.prefix().to_string();
  if (!lease.routers.empty()) detail += " gateway " + lease.routers.front().to_string();
  detail += " from " + lease.server_id.to_string() + "; " + choice.describe();
  step_end(now, 4, StepStatus::ok, std::move(detail));
  if (!choice.has_server()) {
    step_begin(now, 5);
    step_end(now, 5, StepStatus::failed,
             "no TFTP server: DHCP gave no option 150, no usable option 66 and no siaddr");
    fail(now, PhoneState::no_tftp, "no TFTP server");
    return;
  }
  start_tftp_phase(now);
}

void Phone::start_tftp_phase(Time now) {
  auto& e = *engines_;
  if (!e.fetcher) e.fetcher.emplace(config_.tftp, config_.http, random_);
  detail::FetcherSettings s;
  s.servers = status_.tftp_servers;
  s.http_first = config_.http_first.value_or(model_.http_first);
  s.http_port = config_.http_port;
  s.tftp_port = config_.tftp_port;
  s.tftp_after_http_404 = config_.tftp_after_http_404;
  e.fetcher->configure(std::move(s));
  set_state(now, PhoneState::configuring);
  set_display(now, "Configuring CM List");
  phase_ = Phase::ctl;
  const auto file = expand(config_.files.ctl);
  step_begin(now, 5, file);
  fetch(now, file);
}

void Phone::fetch(Time now, std::string filename) {
  engines_->fetcher->start(now, std::move(filename));
}

std::string Phone::describe_fetch(const FetchResult& r) {
  return r.filename + (r.via.empty() ? "" : " via " + r.via) + ": " + r.detail;
}

void Phone::on_fetched(Time now, FetchResult r) {
  auto& e = *engines_;
  switch (phase_) {
    case Phase::ctl:
    case Phase::itl: {
      const int n = phase_ == Phase::ctl ? 5 : 6;
      if (r.outcome == FetchOutcome::ok) {
        step_end(now, n, StepStatus::ok,
                 std::string(n == 5 ? "CTL" : "ITL") + " installed, " +
                     std::to_string(r.bytes.size()) + " bytes via " + r.via +
                     (n == 5 ? " (mixed-mode cluster)" : ""));
      } else if (r.outcome == FetchOutcome::not_found) {
        step_end(now, n, StepStatus::ok,
                 n == 5 ? "file not found (non-secure cluster)"
                        : "file not found (no ITL: files are not verified)");
      } else {
        step_end(now, n, StepStatus::failed, describe_fetch(r));
        fail(now,
             r.outcome == FetchOutcome::no_answer ? PhoneState::no_tftp : PhoneState::config_failed,
             describe_fetch(r));
        return;
      }
      if (n == 5) {
        phase_ = Phase::itl;
        const auto file = expand(config_.files.itl);
        step_begin(now, 6, file);
        fetch(now, file);
      } else {
        phase_ = Phase::config;
        const auto file = expand(config_.files.config);
        step_begin(now, 7, file);
        fetch(now, file);
      }
      return;
    }
    case Phase::config:
    case Phase::default_config: {
      const bool is_default = phase_ == Phase::default_config;
      if (r.outcome == FetchOutcome::ok) {
        const std::string_view xml(reinterpret_cast<const char*>(r.bytes.data()), r.bytes.size());
        auto parsed = provisioning::parse_device_config(xml, model_.xml_model, r.filename);
        if (!parsed) {
          step_end(now, 7, StepStatus::failed,
                   r.filename + " unreadable: " + parsed.error().message());
          fail(now, PhoneState::config_failed, r.filename + " unreadable");
          return;
        }
        e.config = std::move(parsed.value());
        e.default_config = is_default || e.config->unprovisioned;
        e.config_file = r.filename;
        e.config_via = r.via;
        after_config(now, r.bytes.size());
        return;
      }
      if (r.outcome == FetchOutcome::not_found && !is_default) {
        log(now, r.filename + " not found; asking for " + config_.files.default_config);
        phase_ = Phase::default_config;
        fetch(now, expand(config_.files.default_config));
        return;
      }
      if (r.outcome == FetchOutcome::not_found) {
        step_end(now, 7, StepStatus::failed,
                 "neither " + expand(config_.files.config) + " nor " + r.filename + " found");
        fail(now, PhoneState::config_failed, "no configuration file");
        return;
      }
      step_end(now, 7, StepStatus::failed, describe_fetch(r));
      fail(now,
           r.outcome == FetchOutcome::no_answer ? PhoneState::no_tftp : PhoneState::config_failed,
           describe_fetch(r));
      return;
    }
    case Phase::load_descriptor: {
      if (r.outcome != FetchOutcome::ok) {
        firmware_failed(now, describe_fetch(r));
        return;
      }
      const std::string_view text(reinterpret_cast<const char*>(r.bytes.data()), r.bytes.size());
      auto parsed = provisioning::parse_load_descriptor(text);
      if (!parsed) {
        firmware_failed(now, r.filename + " unreadable: " + parsed.error().message());
        return;
      }
      if (!parsed->load_id.empty() && parsed->load_id != e.target_load) {
        firmware_failed(now,
                        r.filename + " describes " + parsed->load_id + ", not " + e.target_load);
        return;
      }
      e.load_files = std::move(parsed->files);
      e.load_index = 0;
      e.load_bytes = 0;
      log(now, r.filename + " via " + r.via + ": " + std::to_string(e.load_files.size()) +
                   " component files");
      next_load_file(now);
      return;
    }
    case Phase::load_files: {
      const auto& [name, size] = e.load_files[e.load_index];
      if (r.outcome != FetchOutcome::ok) {
        firmware_failed(now, describe_fetch(r));
        return;
      }
      if (size != 0 && r.bytes.size() != size) {
        firmware_failed(now, name + ": " + std::to_string(r.bytes.size()) +
                                 " bytes, the .loads file says " + std::to_string(size));
        return;
      }
      e.load_bytes += r.bytes.size();
      ++e.load_index;
      next_load_file(now);
      return;
    }
    case Phase::dial_rules: {
      if (r.outcome == FetchOutcome::ok) {
        step_end(now, 9, StepStatus::ok,
                 r.filename + " via " + r.via + ", " + std::to_string(r.bytes.size()) + " bytes");
      } else {
        step_end(now, 9, StepStatus::failed, describe_fetch(r) + " (the phone dials without)");
      }
      start_registration(now);
      return;
    }
    case Phase::files: {
      if (r.outcome == FetchOutcome::ok) {
        e.group_ok.push_back(r.filename);
        e.group_bytes += r.bytes.size();
      } else {
        e.group_problems.push_back(describe_fetch(r));
      }
      ++e.group_index;
      next_in_group(now);
      return;
    }
    default:
      return;  // a result nobody waits for any more
  }
}

void Phone::after_config(Time now, std::size_t bytes) {
  auto& e = *engines_;
  const auto& c = *e.config;
  status_.lines.clear();
  for (const auto& line : c.lines) status_.lines.push_back(line.dn);
  std::vector<std::string> cms;
  for (const auto& cm : c.call_managers) cms.push_back(cm.name.empty() ? cm.address : cm.name);
  std::string detail =
      e.config_file + " via " + e.config_via + ", " + std::to_string(bytes) + " bytes: ";
  if (e.default_config) {
    detail += "device not in the database (unprovisioned)";
  } else {
    detail += std::to_string(c.lines.size()) + (c.lines.size() == 1 ? " line" : " lines");
  }
  detail += cms.empty() ? "; no CallManager group" : "; CallManager group " + join(cms);
  step_end(now, 7, StepStatus::ok, std::move(detail));
  start_firmware(now);
}

void Phone::start_firmware(Time now) {
  auto& e = *engines_;
  phase_ = Phase::firmware;
  const std::string configured = e.config->load_information;
  step_begin(now, 8, configured.empty() ? "no load configured" : "configured load " + configured);
  if (configured.empty()) {
    step_end(now, 8, StepStatus::ok,
             "no load in the configuration; keeping " + status_.active_load);
    firmware_done(now);
    return;
  }
  if (configured == status_.active_load) {
    step_end(now, 8, StepStatus::ok, status_.active_load + " is the configured load");
    firmware_done(now);
    return;
  }
  if (upgrades_ >= config_.max_upgrades) {
    step_end(now, 8, StepStatus::failed,
             configured + " still differs from " + status_.active_load + " after " +
                 std::to_string(upgrades_) + " upgrades; not upgrading again");
    firmware_done(now);
    return;
  }
  e.target_load = configured;
  phase_ = Phase::load_descriptor;
  set_state(now, PhoneState::upgrading);
  set_display(now, "Upgrading");
  status_.download_status = "In Progress";
  status_.download_detail = "downloading " + configured;
  log(now,
      "Load " + configured + " differs from the active " + status_.active_load + ": upgrading");
  fetch(now, expand(config_.files.load));
}

void Phone::next_load_file(Time now) {
  auto& e = *engines_;
  phase_ = Phase::load_files;
  if (e.load_index < e.load_files.size()) {
    status_.download_detail = "downloading " + e.target_load + ": file " +
                              std::to_string(e.load_index + 1) + " of " +
                              std::to_string(e.load_files.size());
    fetch(now, e.load_files[e.load_index].first);
    return;
  }
  // Everything is here: write it to the inactive partition, swap, reboot.
  phase_ = Phase::flash_write;
  ++upgrades_;
  const std::string old_load = status_.active_load;
  status_.inactive_load = old_load;
  status_.active_load = e.target_load;
  status_.download_status = "Successful";
  status_.download_detail = e.target_load + ": " + std::to_string(e.load_files.size()) +
                            " files, " + std::to_string(e.load_bytes) + " bytes";
  step_end(now, 8, StepStatus::ok,
           "upgraded " + old_load + " -> " + e.target_load + " (" +
               std::to_string(e.load_files.size()) + " files, " + std::to_string(e.load_bytes) +
               " bytes); rebooting");
  flash_done_at_ = now + config_.flash_write_time;
}

void Phone::firmware_failed(Time now, const std::string& why) {
  status_.download_status = "Failed";
  status_.download_detail = engines_->target_load + ": " + why;
  step_end(now, 8, StepStatus::failed,
           "upgrade to " + engines_->target_load + " failed (" + why + "); keeping " +
               status_.active_load);
  firmware_done(now);
}

void Phone::firmware_done(Time now) {
  auto& e = *engines_;
  if (e.default_config || e.config->lines.empty()) {
    const std::string why = e.default_config ? "unprovisioned: the device is not in the database"
                                             : "unprovisioned: the configuration has no line";
    skip_steps(now, 9, step_count, why);
    phase_ = Phase::done;
    set_display(now, "Unprovisioned");
    set_state(now, PhoneState::unprovisioned);
    return;
  }
  set_state(now, PhoneState::configuring);
  set_display(now, "Configuring CM List");
  phase_ = Phase::dial_rules;
  const auto& file = e.config->dial_rules_file;
  step_begin(now, 9, file);
  if (file.empty()) {
    step_end(now, 9, StepStatus::skipped, "no dial rules in the configuration");
    start_registration(now);
    return;
  }
  fetch(now, file);
}

void Phone::start_registration(Time now) {
  auto& e = *engines_;
  phase_ = Phase::cm_dns;
  set_state(now, PhoneState::registering);
  set_display(now, "Registering");
  e.cm_entries = e.config->call_managers;
  e.cm_nodes.assign(e.cm_entries.size(), std::nullopt);
  e.cm_queries.clear();
  for (std::size_t i = 0; i < e.cm_entries.size(); ++i) {
    const auto& cm = e.cm_entries[i];
    const std::string name = cm.name.empty() ? cm.address : cm.name;
    if (auto a = wire::Ipv4Address::parse(cm.address)) {
      e.cm_nodes[i] = sip::RegistrarNode{name, *a, cm.sip_port};
      continue;
    }
    if (cm.address.empty()) continue;
    ensure_resolver(now);
    e.cm_queries.emplace(e.dns->resolve(now, cm.address), i);
  }
  step_begin(now, 10, e.cm_queries.empty() ? std::string{} : "resolving CallManager names");
  if (e.cm_queries.empty()) launch_registration(now);
}

void Phone::ensure_resolver(Time now) {
  auto& e = *engines_;
  if (!e.dns) e.dns.emplace(dns::ResolverConfig{}, random_);
  if (e.lease) e.dns->set_servers(now, e.lease->dns_servers);
}

void Phone::launch_registration(Time now) {
  auto& e = *engines_;
  const auto& c = *e.config;
  std::vector<sip::RegistrarNode> nodes;
  for (const auto& n : e.cm_nodes) {
    if (n) nodes.push_back(*n);
  }
  if (nodes.empty()) {
    step_end(now, 10, StepStatus::failed, "no usable CallManager in the configuration");
    fail(now, PhoneState::no_cucm, "no CallManager to register with");
    return;
  }
  sip::RegistrationClientConfig rc;
  rc.mac = config_.mac;
  rc.model = model_.product;
  rc.load_id = status_.active_load;
  for (const auto& line : c.lines) rc.lines.push_back({line.dn, line.display_name});
  rc.nodes = nodes;
  rc.transport = upper(c.transport) == "UDP" ? sip::Transport::udp : sip::Transport::tcp;
  if (!model_.model_id.empty()) rc.model_id = model_.model_id;
  e.sip.emplace(std::move(rc), random_);
  e.failed_nodes.clear();
  phase_ = Phase::registering;
  if (e.sip->config().transport == sip::Transport::udp) {
    step_end(now, 10, StepStatus::skipped, "SIP over UDP: no TCP connection");
    step_begin(now, 11, "over UDP to " + nodes.front().name);
  }
  e.sip->start(now, e.lease ? e.lease->address : wire::Ipv4Address{});
}

void Phone::on_registration(Time now, const sip::RegistrationEvent& ev) {
  auto& e = *engines_;
  log(now, "SIP " + std::string(sip::to_string(ev.kind)) + (ev.node.empty() ? "" : " " + ev.node) +
               (ev.line.empty() ? "" : " line " + ev.line) +
               (ev.status ? " " + std::to_string(ev.status) : "") +
               (ev.detail.empty() ? "" : ": " + ev.detail));
  using K = sip::RegistrationEventKind;
  switch (ev.kind) {
    case K::connecting:
      if (record(10).status == StepStatus::running) record(10).detail = "connecting to " + ev.node;
      break;
    case K::connect_failed: {
      if (std::find(e.failed_nodes.begin(), e.failed_nodes.end(), ev.node) ==
          e.failed_nodes.end()) {
        e.failed_nodes.push_back(ev.node);
      }
      if (record(10).status == StepStatus::running &&
          e.failed_nodes.size() >= e.sip->config().nodes.size()) {
        step_end(now, 10, StepStatus::failed,
                 "no CallManager accepted a connection: " + join(e.failed_nodes) + " (" +
                     ev.detail + ")");
        set_state(now, PhoneState::no_cucm);
      }
      break;
    }
    case K::registered: {
      e.failed_nodes.clear();
      const auto node = e.sip->registered_with();
      status_.registered_with = node ? node->name : ev.node;
      status_.registered_address = node ? node->address.to_string() : std::string{};
      status_.registration = "Registered with Cisco Unified Communications Manager " +
                             (status_.registered_address.empty() ? status_.registered_with
                                                                 : status_.registered_address);
      if (record(10).status != StepStatus::ok && record(10).status != StepStatus::skipped) {
        step_end(now, 10, StepStatus::ok, "connected to " + status_.registered_with);
      }
      if (record(11).status != StepStatus::running) step_begin(now, 11);
      step_end(
          now, 11, StepStatus::ok,
          std::to_string(e.sip->config().lines.size()) +
              (e.sip->config().lines.size() == 1 ? " line" : " lines") + " registered with " +
              status_.registered_with +
              (status_.registered_address.empty() ? "" : " (" + status_.registered_address + ")"));
      set_state(now, PhoneState::registered);
      const auto& line = e.config->lines.front();
      set_display(now, !line.label.empty()          ? line.label
                       : !line.display_name.empty() ? line.display_name
                                                    : line.dn);
      if (!e.registered_once) {
        e.registered_once = true;
        start_file_step(now, 12);
      }
      break;
    }
    case K::rejected: {
      if (record(11).status != StepStatus::running && record(11).status != StepStatus::ok) {
        step_begin(now, 11);
      }
      step_end(now, 11, StepStatus::failed,
               "REGISTER" + (ev.line.empty() ? std::string{} : " for " + ev.line) +
                   " rejected by " + ev.node + ": " + std::to_string(ev.status) +
                   (ev.detail.empty() ? "" : " " + ev.detail));
      clear_registration();
      set_state(now, PhoneState::rejected);
      set_display(now, "Registration Rejected");
      break;
    }
    case K::failover:
    case K::unregistered:
      if (status_.state == PhoneState::registered && !e.sip->registered()) {
        clear_registration();
        set_state(now, PhoneState::registering);
        set_display(now, "Registering");
      }
      break;
    default:
      break;
  }
}

void Phone::clear_registration() {
  status_.registration = "Not registered";
  status_.registered_with.clear();
  status_.registered_address.clear();
}

void Phone::start_file_step(Time now, int n) {
  auto& e = *engines_;
  const auto& c = *e.config;
  std::vector<std::string> files;
  std::string none;
  if (n == 12) {
    if (!c.network_locale.empty()) {
      for (const auto& p : config_.files.network_locale) files.push_back(expand(p));
    }
    if (!c.user_locale.empty()) {
      for (const auto& p : config_.files.user_locale) files.push_back(expand(p));
    }
    none = "no locale in the configuration: built-in English and tones";
  } else if (n == 13) {
    if (!c.softkey_file.empty()) files.push_back(c.softkey_file);
    none = "no softkey file in the configuration: default softkeys";
  } else {
    for (const auto& p : config_.files.ringtones) files.push_back(expand(p));
    none = "no ring list configured";
  }
  phase_ = Phase::files;
  e.group_step = n;
  e.group_files = std::move(files);
  e.group_index = 0;
  e.group_ok.clear();
  e.group_problems.clear();
  e.group_bytes = 0;
  step_begin(now, n, join(e.group_files));
  if (e.group_files.empty()) {
    step_end(now, n, StepStatus::skipped, none);
    group_finished(now);
    return;
  }
  next_in_group(now);
}

void Phone::next_in_group(Time now) {
  auto& e = *engines_;
  if (e.group_index < e.group_files.size()) {
    fetch(now, e.group_files[e.group_index]);
    return;
  }
  if (e.group_problems.empty()) {
    step_end(now, e.group_step, StepStatus::ok,
             join(e.group_ok) + " (" + std::to_string(e.group_bytes) + " bytes)");
  } else {
    step_end(now, e.group_step, StepStatus::failed, join(e.group_problems, "; "));
  }
  group_finished(now);
}

void Phone::group_finished(Time now) {
  auto& e = *engines_;
  if (e.group_step < step_count) {
    start_file_step(now, e.group_step + 1);
    return;
  }
  phase_ = Phase::done;
  log(now, "Start-up complete");
}

// --- failures and restarts ----------------------------------------------------------------

void Phone::fail(Time now, PhoneState state, const std::string& why) {
  phase_ = Phase::failed;
  set_state(now, state);
  if (config_.retry_interval > Duration::zero()) {
    retry_at_ = now + config_.retry_interval;
    log(now, why + "; starting over in " + seconds(config_.retry_interval));
  } else {
    log(now, why);
  }
}

void Phone::retry(Time now) {
  retry_at_.reset();
  ++attempt_;
  log(now, "Starting over from DHCP (attempt " + std::to_string(attempt_ + 1) + ")");
  restart_network(now);
}

// Drops everything above the link (IP address, downloads, registration) and runs the start-up
// again from DHCP, keeping the voice VLAN and the remembered address.
void Phone::restart_network(Time now) {
  auto& e = *engines_;
  retry_at_.reset();
  e.remembered = e.lease ? std::optional(e.lease->address) : e.remembered;
  close_connections();
  e.sip.reset();
  e.fetcher.reset();
  e.dns.reset();
  e.tftp_query.reset();
  e.cm_queries.clear();
  e.config.reset();
  e.registered_once = false;
  if (e.dhcp) e.dhcp->stop(now);
  e.lease.reset();
  clear_network_status();
  commands_.push_back(SetAddress{});
  reset_steps(4);
  start_dhcp(now);
}

void Phone::stop_network(Time now) {
  if (!engines_) return;
  auto& e = *engines_;
  if (e.discovery) e.discovery->stop(now);
  e.remembered = e.lease ? std::optional(e.lease->address) : e.remembered;
  if (e.dhcp) e.dhcp->stop(now);
  close_connections();
  e.sip.reset();
  e.fetcher.reset();
  e.dns.reset();
  e.tftp_query.reset();
  e.cm_queries.clear();
  e.lease.reset();
  e.config.reset();
  e.registered_once = false;
  clear_network_status();
  commands_.push_back(SetAddress{});
  commands_.push_back(SetVlan{});
}

// The engines owning these connections are being dropped: tell the driver to close them (a
// driver whose link is down just forgets them) rather than leave them open behind the phone.
void Phone::close_connections() {
  auto& e = *engines_;
  for (const auto& [id, owner] : e.connections) commands_.push_back(TcpClose{id});
  e.connections.clear();
  e.by_owner.clear();
}

void Phone::clear_network_status() {
  status_.ipv4.reset();
  status_.gateway.reset();
  status_.voice_vlan.reset();
  status_.tftp_servers.clear();
  clear_registration();
}

void Phone::reboot(Time now) {
  flash_done_at_.reset();
  log(now, "Rebooting into " + status_.active_load + " (inactive: " + status_.inactive_load + ")");
  stop_network(now);
  archive_steps(2);
  reset_steps(2);
  start_boot(now);
}

// --- I/O ----------------------------------------------------------------------------------

ConnectionId Phone::open_connection(Owner owner, std::uint64_t inner) {
  const ConnectionId id = next_connection_++;
  engines_->connections.emplace(id, std::make_pair(owner, inner));
  engines_->by_owner.emplace(std::make_pair(owner, inner), id);
  return id;
}

std::optional<ConnectionId> Phone::connection_of(Owner owner, std::uint64_t inner) const {
  auto it = engines_->by_owner.find({owner, inner});
  if (it == engines_->by_owner.end()) return std::nullopt;
  return it->second;
}

void Phone::forget_connection(ConnectionId id) {
  auto it = engines_->connections.find(id);
  if (it == engines_->connections.end()) return;
  engines_->by_owner.erase(it->second);
  engines_->connections.erase(it);
}

void Phone::handle_frame(Time now, wire::Bytes frame) {
  if (!powered_ || !link_ || !engines_ || !engines_->discovery) return;
  engines_->discovery->handle_frame(now, frame);
  pump(now);
}

void Phone::handle_datagram(Time now, const Datagram& d) {
  if (!powered_ || !link_ || !engines_) return;
  auto& e = *engines_;
  if (d.destination.port == 68) {
    if (e.dhcp) {
      e.dhcp->handle_datagram(now, dhcp::Datagram{{d.source.address, d.source.port},
                                                  {d.destination.address, d.destination.port},
                                                  0,
                                                  d.payload});
    }
  } else if (e.dns && d.source.port == 53 && d.destination.port == e.dns->local_port()) {
    e.dns->handle_datagram(now, dns::Datagram{{d.source.address, d.source.port},
                                              {d.destination.address, d.destination.port},
                                              0,
                                              d.payload});
  } else if (e.sip && e.sip->config().transport == sip::Transport::udp &&
             d.destination.port == e.sip->config().udp_port) {
    e.sip->handle_datagram(now, d.source.address, d.source.port, d.payload);
  } else if (e.fetcher) {
    e.fetcher->handle_datagram(now, tftp::Datagram{{d.source.address, d.source.port},
                                                   {d.destination.address, d.destination.port},
                                                   0,
                                                   d.payload});
  }
  pump(now);
}

void Phone::handle_connected(Time now, ConnectionId id, std::uint16_t local_port) {
  if (!powered_ || !engines_) return;
  auto it = engines_->connections.find(id);
  if (it == engines_->connections.end()) return;
  const auto [owner, inner] = it->second;
  if (owner == Owner::http) {
    if (engines_->fetcher) engines_->fetcher->handle_connected(now, inner);
  } else if (engines_->sip) {
    engines_->sip->handle_connected(now, inner, local_port);
    if (record(10).status == StepStatus::running) {
      std::string node = "?";
      if (const auto active = engines_->sip->active_node()) {
        const auto& n = engines_->sip->config().nodes[*active];
        node = n.name + " " + n.address.to_string() + ":" + std::to_string(n.port);
      }
      step_end(now, 10, StepStatus::ok,
               "TCP " + (status_.ipv4 ? status_.ipv4->address.to_string() : std::string("?")) +
                   ":" + std::to_string(local_port) + " -> " + node);
      if (status_.state == PhoneState::no_cucm) set_state(now, PhoneState::registering);
      step_begin(now, 11);
    }
  }
  pump(now);
}

void Phone::handle_connect_failed(Time now, ConnectionId id, std::string reason) {
  if (!powered_ || !engines_) return;
  auto it = engines_->connections.find(id);
  if (it == engines_->connections.end()) return;
  const auto [owner, inner] = it->second;
  forget_connection(id);
  if (owner == Owner::http) {
    if (engines_->fetcher) engines_->fetcher->handle_closed(now, inner);
  } else if (engines_->sip) {
    engines_->sip->handle_connect_failed(now, inner, std::move(reason));
  }
  pump(now);
}

void Phone::handle_bytes(Time now, ConnectionId id, wire::Bytes bytes) {
  if (!powered_ || !engines_) return;
  auto it = engines_->connections.find(id);
  if (it == engines_->connections.end()) return;
  const auto [owner, inner] = it->second;
  if (owner == Owner::http) {
    if (engines_->fetcher) engines_->fetcher->handle_bytes(now, inner, bytes);
  } else if (engines_->sip) {
    engines_->sip->handle_bytes(now, inner, bytes);
  }
  pump(now);
}

void Phone::handle_closed(Time now, ConnectionId id) {
  if (!powered_ || !engines_) return;
  auto it = engines_->connections.find(id);
  if (it == engines_->connections.end()) return;
  const auto [owner, inner] = it->second;
  forget_connection(id);
  if (owner == Owner::http) {
    if (engines_->fetcher) engines_->fetcher->handle_closed(now, inner);
  } else if (engines_->sip) {
    engines_->sip->handle_closed(now, inner);
  }
  pump(now);
}

std::optional<Time> Phone::next_timeout() const {
  std::optional<Time> next;
  auto consider = [&next](std::optional<Time> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  if (!powered_) return std::nullopt;
  consider(boot_done_at_);
  consider(flash_done_at_);
  consider(retry_at_);
  if (engines_) {
    const auto& e = *engines_;
    if (e.discovery) consider(e.discovery->next_timeout());
    if (e.dhcp) consider(e.dhcp->next_timeout());
    if (e.dns) consider(e.dns->next_timeout());
    if (e.fetcher) consider(e.fetcher->next_timeout());
    if (e.sip) consider(e.sip->next_timeout());
  }
  return next;
}

void Phone::handle_timeout(Time now) {
  if (!powered_) return;
  if (boot_done_at_ && *boot_done_at_ <= now) boot_finished(now);
  if (flash_done_at_ && *flash_done_at_ <= now) reboot(now);
  if (retry_at_ && *retry_at_ <= now) retry(now);
  if (engines_) {
    auto& e = *engines_;
    auto due = [now](std::optional<Time> t) { return t && *t <= now; };
    if (e.discovery && due(e.discovery->next_timeout())) e.discovery->handle_timeout(now);
    if (e.dhcp && due(e.dhcp->next_timeout())) e.dhcp->handle_timeout(now);
    if (e.dns && due(e.dns->next_timeout())) e.dns->handle_timeout(now);
    if (e.fetcher && due(e.fetcher->next_timeout())) e.fetcher->handle_timeout(now);
    if (e.sip && due(e.sip->next_timeout())) e.sip->handle_timeout(now);
  }
  pump(now);
}

// --- plumbing: sub-engine outputs and events ----------------------------------------------

// Each pump_* handles at most one event (a reaction may replace or drop engines) and says
// whether it did anything; pump() repeats until every engine is quiet.
void Phone::pump(Time now) {
  for (int guard = 0; guard < 100'000; ++guard) {
    if (!engines_) return;
    bool progress = pump_discovery(now);
    progress = pump_dhcp(now) || progress;
    progress = pump_dns(now) || progress;
    progress = pump_fetcher(now) || progress;
    progress = pump_sip(now) || progress;
    if (!progress) return;
  }
  throw std::logic_error("phone: event loop does not settle");
}

bool Phone::pump_discovery(Time now) {
  auto& e = *engines_;
  if (!e.discovery) return false;
  bool progress = false;
  while (auto frame = e.discovery->poll_transmit()) {
    commands_.push_back(SendFrame{std::move(*frame)});
    progress = true;
  }
  auto ev = e.discovery->poll_event();
  if (!ev) return progress;
  log(now, ev->describe());
  using K = cdp::DiscoveryEventKind;
  const bool waiting = phase_ == Phase::vlan;
  switch (ev->kind) {
    case K::voice_vlan_learned:
    case K::voice_vlan_changed: {
      if (!ev->vlan) break;
      apply_vlan(now, *ev->vlan);
      if (waiting) {
        vlan_done(now, StepStatus::ok,
                  "voice VLAN " + std::to_string(*ev->vlan) + " from " + ev->source);
      } else if (phase_ != Phase::link_down && phase_ != Phase::booting) {
        // Moving to another VLAN means another subnet: the address is worthless there.
        record(3).status = StepStatus::ok;
        record(3).detail =
            "voice VLAN " + std::to_string(*ev->vlan) + " from " + ev->source + " (learned late)";
        record(3).end = now;
        log(now, "Voice VLAN now " + std::to_string(*ev->vlan) + ": starting over from DHCP");
        restart_network(now);
      }
      break;
    }
    case K::no_voice_vlan:
      if (waiting) {
        vlan_done(now, StepStatus::failed,
                  "no voice VLAN offered" +
                      (ev->detail.empty() ? std::string{} : " (" + ev->detail + ")") +
                      "; continuing untagged in the access VLAN");
      }
      break;
    default:
      break;
  }
  return true;
}

bool Phone::pump_dhcp(Time now) {
  auto& e = *engines_;
  if (!e.dhcp) return false;
  bool progress = false;
  while (auto out = e.dhcp->poll_transmit()) {
    commands_.push_back(SendDatagram{{out->destination.address, out->destination.port},
                                     out->source_port,
                                     out->broadcast,
                                     std::move(out->payload)});
    progress = true;
  }
  auto ev = e.dhcp->poll_event();
  if (!ev) return progress;
  using K = dhcp::ClientEventKind;
  if (ev->kind != K::ignored && ev->kind != K::state_changed) log(now, ev->describe());
  switch (ev->kind) {
    case K::lease_acquired:
    case K::lease_renewed: {
      if (!ev->lease) break;
      const bool changed = !e.lease || e.lease->address != ev->lease->address ||
                           e.lease->prefix() != ev->lease->prefix();
      e.lease = ev->lease;
      e.remembered = ev->lease->address;
      if (changed || ev->kind == K::lease_acquired) {
        status_.ipv4 = e.lease->prefix();
        status_.gateway =
            e.lease->routers.empty() ? std::nullopt : std::optional(e.lease->routers.front());
        commands_.push_back(SetAddress{status_.ipv4, status_.gateway});
        if (e.discovery) e.discovery->set_address(now, e.lease->address);
        if (e.dns) e.dns->set_servers(now, e.lease->dns_servers);
      }
      break;
    }
    case K::tftp_name_pending: {
      if (phase_ != Phase::dhcp) break;
      ensure_resolver(now);
      e.tftp_query = e.dns->resolve(now, ev->tftp.name);
      record(4).detail = "option 66 " + ev->tftp.name + ": resolving";
      break;
    }
    case K::tftp_servers_chosen:
      if (phase_ == Phase::dhcp) lease_ready(now, ev->tftp);
      break;
    case K::gave_up:
      if (phase_ == Phase::dhcp && record(4).status == StepStatus::running) {
        step_end(now, 4, StepStatus::failed,
                 "no answer after " + std::to_string(ev->attempt) + " " +
                     (ev->message_type ? dhcp::to_string(*ev->message_type) : "DISCOVER") +
                     "s; still trying");
        const bool discovery = model_.cdp || model_.lldp_med;
        set_state(now,
                  discovery && !e.voice_vlan_learned ? PhoneState::no_vlan : PhoneState::no_ip);
      }
      break;
    case K::lease_expired:
      if (phase_ != Phase::dhcp) {
        log(now, "Lease expired: starting over from DHCP");
        e.lease.reset();
        e.remembered.reset();
        restart_network(now);
      }
      break;
    default:
      break;
  }
  return true;
}

bool Phone::pump_dns(Time now) {
  auto& e = *engines_;
  if (!e.dns) return false;
  bool progress = false;
  while (auto out = e.dns->poll_transmit()) {
    commands_.push_back(SendDatagram{{out->destination.address, out->destination.port},
                                     out->source_port,
                                     false,
                                     std::move(out->payload)});
    progress = true;
  }
  auto ev = e.dns->poll_event();
  if (!ev) return progress;
  if (ev->kind != dns::ResolverEventKind::completed || !ev->result) {
    if (ev->kind != dns::ResolverEventKind::sent) log(now, ev->describe());
    return true;
  }
  const auto& result = *ev->result;
  log(now, result.describe());
  const std::optional<wire::Ipv4Address> address =
      result.status == dns::ResolveStatus::resolved && !result.addresses.empty()
          ? std::optional(result.addresses.front())
          : std::nullopt;
  if (e.tftp_query && *e.tftp_query == ev->query) {
    e.tftp_query.reset();
    if (e.dhcp) e.dhcp->resolve_tftp_name(now, address);
    return true;
  }
  if (auto it = e.cm_queries.find(ev->query); it != e.cm_queries.end()) {
    const std::size_t index = it->second;
    e.cm_queries.erase(it);
    const auto& cm = e.cm_entries[index];
    if (address) {
      e.cm_nodes[index] =
          sip::RegistrarNode{cm.name.empty() ? cm.address : cm.name, *address, cm.sip_port};
    }
    if (e.cm_queries.empty() && phase_ == Phase::cm_dns) launch_registration(now);
  }
  return true;
}

bool Phone::pump_fetcher(Time now) {
  auto& e = *engines_;
  if (!e.fetcher) return false;
  bool progress = false;
  while (auto out = e.fetcher->poll_datagram()) {
    commands_.push_back(SendDatagram{{out->destination.address, out->destination.port},
                                     out->source_port,
                                     false,
                                     std::move(out->payload)});
    progress = true;
  }
  while (auto out = e.fetcher->poll_stream()) {
    progress = true;
    switch (out->kind) {
      case http::StreamOutput::Kind::open:
        commands_.push_back(TcpConnect{open_connection(Owner::http, out->connection),
                                       {out->remote.address, out->remote.port}});
        break;
      case http::StreamOutput::Kind::send:
        if (auto id = connection_of(Owner::http, out->connection)) {
          commands_.push_back(TcpSend{*id, std::move(out->bytes)});
        }
        break;
      case http::StreamOutput::Kind::close:
        if (auto id = connection_of(Owner::http, out->connection)) {
          commands_.push_back(TcpClose{*id});
          forget_connection(*id);
        }
        break;
    }
  }
  while (auto line = e.fetcher->poll_log()) {
    log(now, std::move(*line));
    progress = true;
  }
  if (auto r = e.fetcher->take_result()) {
    on_fetched(now, std::move(*r));
    return true;
  }
  return progress;
}

bool Phone::pump_sip(Time now) {
  auto& e = *engines_;
  if (!e.sip) return false;
  bool progress = false;
  while (auto command = e.sip->poll_command()) {
    progress = true;
    if (auto* c = std::get_if<sip::Connect>(&*command)) {
      commands_.push_back(
          TcpConnect{open_connection(Owner::sip, c->id), {c->node.address, c->node.port}});
    } else if (auto* s = std::get_if<sip::SendBytes>(&*command)) {
      if (auto id = connection_of(Owner::sip, s->id)) {
        commands_.push_back(TcpSend{*id, std::move(s->bytes)});
      }
    } else if (auto* x = std::get_if<sip::Close>(&*command)) {
      if (auto id = connection_of(Owner::sip, x->id)) {
        commands_.push_back(TcpClose{*id});
        forget_connection(*id);
      }
    } else if (auto* d = std::get_if<sip::SendDatagram>(&*command)) {
      commands_.push_back(SendDatagram{
          {d->node.address, d->node.port}, d->source_port, false, std::move(d->payload)});
    }
  }
  auto ev = e.sip->poll_event();
  if (!ev) return progress;
  on_registration(now, *ev);
  return true;
}

}  // namespace voicelab::phone
