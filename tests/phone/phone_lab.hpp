#pragma once
// A one-phone lab in virtual time for the phone engine's tests: the real server engines (DHCP
// server, TFTP server and HTTP 6970 over provisioning::ConfigFiles, the CUCM SIP registrar) and
// a fake access switch that answers the phone's CDP with a VoIP VLAN Reply, all wired to one
// phone::Phone through an in-memory network with a fixed latency. No netsim: the phone's
// commands are carried out here (TCP connects succeed when something listens on the port and
// are refused otherwise; the phone's interface address is what its SetAddress commands say).
//
// Addresses: phone subnet 10.1.100.0/24 (DHCP server and gateway 10.1.100.1), CUCM node
// "cucm1" 10.1.1.11 (TFTP 69, HTTP 6970 when enabled, SIP 5060 TCP).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "voicelab/cdp/cdp.hpp"
#include "voicelab/cucm/directory.hpp"
#include "voicelab/cucm/registrar.hpp"
#include "voicelab/dhcp/server.hpp"
#include "voicelab/dns/responder.hpp"
#include "voicelab/http/server.hpp"
#include "voicelab/phone/phone.hpp"
#include "voicelab/provisioning/database.hpp"
#include "voicelab/provisioning/files.hpp"
#include "voicelab/tftp/server.hpp"
#include "voicelab/wire/random.hpp"

namespace voicelab::test {

using namespace std::chrono_literals;

inline const wire::MacAddress phone_mac = wire::MacAddress::from_u64(0x001122334455);
inline const wire::MacAddress switch_mac = wire::MacAddress::from_u64(0x00aabbcc0001);
inline const wire::Ipv4Address gateway{10, 1, 100, 1};
inline const wire::Ipv4Address cucm_address{10, 1, 1, 11};
inline const wire::Ipv4Address dns_address{10, 1, 1, 53};
inline constexpr const char* device = "SEP001122334455";
inline constexpr const char* load_14 = "sip88xx.14-2-1-0001-14";
inline constexpr const char* load_12 = "sip88xx.12-8-1-0001-455";

struct LabOptions {
  std::optional<std::uint16_t> voice_vlan = 100;  // what the switch answers; nullopt: silence
  bool dhcp_server = true;                        // false: nobody answers DISCOVERs
  bool option150 = true;                          // DHCP gives option 150 (else nothing)
  // Addresses listed before the node in option 150 (servers that do not exist: no answer).
  std::vector<wire::Ipv4Address> dead_tftp_servers;
  // DHCP gives option 66 with this name (resolved by the lab's DNS server to the node) and,
  // with it, option 6.
  std::optional<std::string> option66_name;
  // The configuration names the node by host name (processNodeName "cucm1"), so the phone
  // resolves it through DNS.
  bool node_by_name = false;
  bool http = false;  // the node serves HTTP 6970
  bool device_in_database = true;
  bool device_in_directory = true;   // the registrar knows the device
  std::string phone_load = load_14;  // what the phone runs
  std::string model = "8861";
  std::string device_load;  // the device's phone load override (empty: enterprise default)
  Duration latency = 1ms;
};

// The CUCM database of the lab: one node, one group, one pool, the reference data, and the
// device with line 1001 (when `device_in_database`).
inline void fill_database(provisioning::Database& db, const LabOptions& options) {
  provisioning::add_reference_data(db, "14-2-1-0001-14");
  // A small load so an upgrade moves kilobytes, not megabytes.
  db.put_load(
      {load_14, {{"kern88xx.14-2-1-0001-14.sbn", 3000}, {"rootfs88xx.14-2-1-0001-14.sbn", 7000}}});
  provisioning::Node node;
  node.name = "cucm1";
  node.address = cucm_address;
  node.process_node_by_address = !options.node_by_name;
  db.put_node(node);
  db.put_call_manager_group({"G1", {"cucm1"}});
  provisioning::DevicePool pool;
  pool.name = "Default";
  pool.call_manager_group = "G1";
  pool.user_locale = "English_United_States";
  pool.network_locale = "United_States";
  db.put_device_pool(pool);
  provisioning::DialRules rules;
  rules.name = "LabDialRules";
  rules.patterns = {{"9.......", 0, ""}};
  db.put_dial_rules(rules);
  auto defaults = db.enterprise_defaults();
  defaults.default_call_manager_group = "G1";
  db.set_enterprise_defaults(defaults);
  if (options.device_in_database) {
    provisioning::Device d;
    d.name = device;
    d.model = "Cisco " + options.model;
    d.device_pool = "Default";
    d.softkey_template = "Standard User";
    d.phone_load = options.device_load;
    d.dial_rules = "LabDialRules";
    d.lines = {{"1001", "Alice", "Alice 1001"}};
    db.put_device(d);
  }
}

class PhoneLab {
 public:
  explicit PhoneLab(LabOptions options = {}, phone::PhoneConfig config = default_config(),
                    const phone::ModelCatalogue& catalogue = phone::ModelCatalogue::builtin())
      : options_(std::move(options)),
        random_(7),
        files_(db_),
        dhcp_(dhcp_config(options_)),
        tftp_({}, files_, random_),
        http_(http::ServerConfig{}, files_),
        registrar_(cucm::RegistrarConfig{}, directory_, random_),
        dns_(dns::ResponderConfig{{{"tftp.lab", cucm_address}, {"cucm1", cucm_address}}, 3600}),
        phone_(with_load(std::move(config), options_), catalogue, random_) {
    fill_database(db_, options_);
    if (options_.device_in_directory) {
      directory_.add({device, "Cisco " + options_.model, "lab phone", {"1001"}, {"cucm1"}});
    }
    if (options_.dhcp_server) dhcp_.start(0s);
  }

  static phone::PhoneConfig default_config() {
    phone::PhoneConfig c;
    c.mac = phone_mac;
    return c;
  }

  phone::Phone& phone() { return phone_; }
  provisioning::Database& db() { return db_; }
  cucm::Registrar& registrar() { return registrar_; }
  tftp::Server& tftp_server() { return tftp_; }
  http::Server& http_server() { return http_; }
  [[nodiscard]] Time now() const { return now_; }
  [[nodiscard]] const std::vector<phone::Event>& events() const { return events_; }
  [[nodiscard]] const std::vector<std::string>& requested_files() const { return files_seen_; }
  [[nodiscard]] std::optional<wire::Ipv4Prefix> phone_address() const { return address_; }
  [[nodiscard]] std::optional<wire::VlanTag> phone_vlan() const { return vlan_; }
  [[nodiscard]] const std::vector<std::string>& dns_queries() const { return dns_queries_; }
  [[nodiscard]] const std::vector<std::string>& registrar_log() const { return registrar_log_; }
  [[nodiscard]] int cdp_frames_from_phone() const { return cdp_from_phone_; }
  [[nodiscard]] int set_address_commands() const { return set_address_commands_; }

  // Runs the lab until `end` (or until nothing is left to do).
  void run_until(Time end) {
    drain();
    for (int steps = 0;; ++steps) {
      REQUIRE(steps < 2'000'000);
      std::optional<Time> next;
      auto consider = [&next](std::optional<Time> t) {
        if (t && (!next || *t < *next)) next = t;
      };
      if (!queue_.empty()) consider(queue_.begin()->first.first);
      consider(phone_.next_timeout());
      consider(dhcp_.next_timeout());
      consider(tftp_.next_timeout());
      consider(http_.next_timeout());
      consider(registrar_.next_timeout());
      if (!next || *next > end) break;
      now_ = std::max(now_, *next);
      if (!queue_.empty() && queue_.begin()->first.first <= now_) {
        auto action = std::move(queue_.begin()->second);
        queue_.erase(queue_.begin());
        action();
      } else {
        auto due = [this](std::optional<Time> t) { return t && *t <= now_; };
        if (due(phone_.next_timeout())) phone_.handle_timeout(now_);
        if (due(dhcp_.next_timeout())) dhcp_.handle_timeout(now_);
        if (due(tftp_.next_timeout())) tftp_.handle_timeout(now_);
        if (due(http_.next_timeout())) http_.handle_timeout(now_);
        if (due(registrar_.next_timeout())) registrar_.handle_timeout(now_);
      }
      drain();
    }
    now_ = std::max(now_, end);
  }

  // Acting on the phone directly (power, link): call, then drain.
  void power_on(Time at, std::string source = "PoE 802.3at class 4") {
    run_until(at);
    phone_.power_on(now_, std::move(source));
    drain();
  }

  void drain() {
    for (bool busy = true; busy;) {
      busy = false;
      while (auto c = phone_.poll_command()) {
        busy = true;
        carry_out(std::move(*c));
      }
      while (auto e = phone_.poll_event()) {
        busy = true;
        events_.push_back(std::move(*e));
      }
      while (auto out = dhcp_.poll_transmit()) {
        busy = true;
        deliver_to_phone(
            {gateway, 67},
            {out->broadcast ? wire::Ipv4Address::broadcast() : out->destination.address,
             out->destination.port},
            std::move(out->payload));
      }
      while (dhcp_.poll_event()) {
      }
      while (auto out = dns_.poll_transmit()) {
        busy = true;
        deliver_to_phone({dns_address, 53}, {out->destination.address, out->destination.port},
                         std::move(out->payload));
      }
      while (auto ev = dns_.poll_event()) dns_queries_.push_back(ev->name);
      while (auto out = tftp_.poll_transmit()) {
        busy = true;
        deliver_to_phone({cucm_address, out->source_port},
                         {out->destination.address, out->destination.port},
                         std::move(out->payload));
      }
      while (auto ev = tftp_.poll_event()) {
        if (ev->kind == tftp::ServerEventKind::transfer_started ||
            ev->kind == tftp::ServerEventKind::file_not_found) {
          files_seen_.push_back("tftp:" + ev->filename);
        }
      }
      while (auto out = http_.poll_transmit()) {
        busy = true;
        server_stream(out->connection, out->kind == http::StreamOutput::Kind::close,
                      std::move(out->bytes), Server::http);
      }
      while (auto ev = http_.poll_event()) {
        if (ev->kind == http::ServerEventKind::served ||
            ev->kind == http::ServerEventKind::not_found) {
          files_seen_.push_back("http:" + ev->path);
        }
      }
      while (auto cmd = registrar_.poll_stream()) {
        busy = true;
        if (auto* s = std::get_if<cucm::SendBytes>(&*cmd)) {
          server_stream(s->conn, false, std::move(s->bytes), Server::sip);
        } else if (auto* c = std::get_if<cucm::CloseConnection>(&*cmd)) {
          server_stream(c->conn, true, {}, Server::sip);
        }
      }
      while (auto ev = registrar_.poll_event()) registrar_log_.push_back(ev->describe());
      while (registrar_.poll_trace()) {
      }
    }
  }

 private:
  enum class Server { http, sip };
  struct Connection {
    Server server;
    std::uint64_t server_id = 0;
    std::uint16_t local_port = 0;
  };

  static dhcp::ServerConfig dhcp_config(const LabOptions& options) {
    dhcp::ServerConfig c;
    c.interfaces = {{0, wire::Ipv4Prefix{gateway, 24}}};
    dhcp::Pool pool;
    pool.name = "voice";
    pool.subnet = {{10, 1, 100, 0}, 24};
    pool.range = {{10, 1, 100, 100}, {10, 1, 100, 199}};
    pool.options.set_routers({gateway});
    if (options.option150) {
      auto servers = options.dead_tftp_servers;
      servers.push_back(cucm_address);
      pool.options.set_tftp_server_addresses(servers);
    }
    if (options.option66_name) pool.options.set_tftp_server_name(*options.option66_name);
    if (options.option66_name || options.node_by_name) pool.options.set_dns_servers({dns_address});
    c.pools = {pool};
    return c;
  }

  static phone::PhoneConfig with_load(phone::PhoneConfig c, const LabOptions& options) {
    if (c.active_load.empty()) c.active_load = options.phone_load;
    if (c.model == phone::PhoneConfig{}.model) c.model = options.model;
    return c;
  }

  void later(std::function<void()> action) {
    queue_.emplace(std::make_pair(now_ + options_.latency, sequence_++), std::move(action));
  }

  wire::Ipv4Address phone_ip() const {
    return address_ ? address_->address : wire::Ipv4Address::any();
  }

  void deliver_to_phone(phone::Endpoint from, phone::Endpoint to,
                        std::vector<std::uint8_t> payload) {
    later([this, from, to, payload = std::move(payload)] {
      phone_.handle_datagram(now_, {from, to, payload});
      drain();
    });
  }

  void carry_out(phone::Command command) {
    if (auto* f = std::get_if<phone::SendFrame>(&command)) return switch_frame(f->frame);
    if (auto* a = std::get_if<phone::SetAddress>(&command)) {
      address_ = a->address;
      ++set_address_commands_;
      return;
    }
    if (auto* v = std::get_if<phone::SetVlan>(&command)) {
      vlan_ = v->vlan;
      return;
    }
    if (auto* d = std::get_if<phone::SendDatagram>(&command)) return phone_datagram(*d);
    if (auto* c = std::get_if<phone::TcpConnect>(&command)) return phone_connect(*c);
    if (auto* s = std::get_if<phone::TcpSend>(&command)) {
      auto it = connections_.find(s->id);
      if (it == connections_.end()) return;
      const auto conn = it->second;
      later([this, conn, bytes = std::move(s->bytes)] {
        if (conn.server == Server::http) {
          http_.handle_bytes(now_, conn.server_id, bytes);
        } else {
          registrar_.handle_bytes(now_, conn.server_id, wire::Bytes(bytes));
        }
        drain();
      });
      return;
    }
    if (auto* x = std::get_if<phone::TcpClose>(&command)) {
      auto it = connections_.find(x->id);
      if (it == connections_.end()) return;
      const auto conn = it->second;
      by_server_.erase({conn.server, conn.server_id});
      connections_.erase(it);
      later([this, conn] {
        if (conn.server == Server::http) {
          http_.handle_closed(now_, conn.server_id);
        } else {
          registrar_.handle_closed(now_, conn.server_id);
        }
        drain();
      });
    }
  }

  void switch_frame(const std::vector<std::uint8_t>& frame) {
    auto decoded = cdp::decode_frame(frame);
    if (!decoded) return;  // LLDP: this switch speaks CDP only
    ++cdp_from_phone_;
    if (!options_.voice_vlan) return;
    cdp::Pdu pdu;
    pdu.device_id = "access1";
    pdu.port_id = "GigabitEthernet1/0/1";
    pdu.capabilities = cdp::capability::l2_switch | cdp::capability::igmp;
    pdu.platform = "cisco WS-C3850-48P";
    pdu.native_vlan = 10;
    pdu.voip_vlan_reply = cdp::VoipVlan{1, *options_.voice_vlan, {}};
    auto reply = cdp::encode_frame(pdu, switch_mac);
    REQUIRE(reply.ok());
    later([this, bytes = std::move(reply.value())] {
      phone_.handle_frame(now_, bytes);
      drain();
    });
  }

  void phone_datagram(const phone::SendDatagram& d) {
    const phone::Endpoint from{phone_ip(), d.source_port};
    if (d.destination.port == 67) {
      later([this, from, payload = d.payload, broadcast = d.broadcast, to = d.destination] {
        dhcp_.handle_datagram(now_, {{from.address, from.port},
                                     {broadcast ? wire::Ipv4Address::broadcast() : to.address, 67},
                                     0,
                                     payload});
        drain();
      });
      return;
    }
    if (d.destination.address == dns_address && d.destination.port == 53) {
      later([this, from, payload = d.payload, to = d.destination] {
        dns_.handle_datagram(now_, {{from.address, from.port}, {to.address, to.port}, 0, payload});
        drain();
      });
      return;
    }
    if (d.destination.address == cucm_address) {
      later([this, from, payload = d.payload, to = d.destination] {
        tftp_.handle_datagram(now_, {{from.address, from.port}, {to.address, to.port}, 0, payload});
        drain();
      });
    }
  }

  void phone_connect(const phone::TcpConnect& c) {
    const bool http_port = c.remote.port == 6970 && options_.http;
    const bool sip_port = c.remote.port == 5060;
    const bool listening = c.remote.address == cucm_address && (http_port || sip_port);
    const auto id = c.id;
    if (!listening) {
      later([this, id] {
        phone_.handle_connect_failed(now_, id, "connection refused");
        drain();
      });
      return;
    }
    Connection conn{http_port ? Server::http : Server::sip, next_server_id_++, next_port_++};
    connections_.emplace(id, conn);
    by_server_.emplace(std::make_pair(conn.server, conn.server_id), id);
    later([this, id, conn, ip = phone_ip()] {
      if (conn.server == Server::http) {
        http_.handle_opened(now_, conn.server_id, {ip, conn.local_port});
      } else {
        registrar_.handle_accepted(now_, conn.server_id, ip, conn.local_port);
      }
      phone_.handle_connected(now_, id, conn.local_port);
      drain();
    });
  }

  void server_stream(std::uint64_t server_id, bool close, std::vector<std::uint8_t> bytes,
                     Server server) {
    auto it = by_server_.find({server, server_id});
    if (it == by_server_.end()) {
      // The phone already closed its side.
      if (close) {
        later([this, server, server_id] {
          if (server == Server::http) http_.handle_closed(now_, server_id);
          drain();
        });
      }
      return;
    }
    const auto id = it->second;
    if (close) {
      by_server_.erase(it);
      connections_.erase(id);
      later([this, id, server, server_id] {
        phone_.handle_closed(now_, id);
        if (server == Server::http) http_.handle_closed(now_, server_id);
        drain();
      });
      return;
    }
    later([this, id, bytes = std::move(bytes)] {
      phone_.handle_bytes(now_, id, bytes);
      drain();
    });
  }

  LabOptions options_;
  Random random_;
  provisioning::Database db_;
  provisioning::ConfigFiles files_;
  cucm::MemoryDirectory directory_;
  dhcp::Server dhcp_;
  tftp::Server tftp_;
  http::Server http_;
  cucm::Registrar registrar_;
  dns::Responder dns_;
  phone::Phone phone_;

  Time now_{};
  std::uint64_t sequence_ = 0;
  std::map<std::pair<Time, std::uint64_t>, std::function<void()>> queue_;
  std::map<phone::ConnectionId, Connection> connections_;
  std::map<std::pair<Server, std::uint64_t>, phone::ConnectionId> by_server_;
  std::uint64_t next_server_id_ = 1;
  std::uint16_t next_port_ = 50000;
  std::optional<wire::Ipv4Prefix> address_;
  std::optional<wire::VlanTag> vlan_;
  std::vector<phone::Event> events_;
  std::vector<std::string> files_seen_;
  std::vector<std::string> dns_queries_;
  std::vector<std::string> registrar_log_;
  int cdp_from_phone_ = 0;
  int set_address_commands_ = 0;
};

// The step numbers in the order their step_started events came.
inline std::vector<int> started_steps(const std::vector<phone::Event>& events) {
  std::vector<int> out;
  for (const auto& e : events) {
    if (e.kind == phone::EventKind::step_started) out.push_back(e.step);
  }
  return out;
}

inline std::vector<std::string> display_messages(const std::vector<phone::Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    if (e.kind == phone::EventKind::display_changed) out.push_back(e.text);
  }
  return out;
}

}  // namespace voicelab::test
