#pragma once
// A bench for cucm::Node: a small cluster database, nodes built from it, and one phone's worth of
// clients (tftp::Client, raw HTTP, sip::RegistrationClient) wired to the nodes with zero latency
// and explicit time, the way a driver would: datagrams by destination address and port, TCP
// connections only to ports the node says it listens on (otherwise refused, like a RST), closes
// in both directions. No netsim.

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "voicelab/cucm/node.hpp"
#include "voicelab/provisioning/database.hpp"
#include "voicelab/provisioning/device_config.hpp"
#include "voicelab/provisioning/files.hpp"
#include "voicelab/sip/registration_client.hpp"
#include "voicelab/tftp/client.hpp"
#include "voicelab/wire/random.hpp"

namespace voicelab::test::node_lab {

using namespace std::chrono_literals;

inline constexpr std::string_view device_name = "SEP0041D25A0F3C";
inline const wire::MacAddress device_mac = wire::MacAddress::from_u64(0x0041d25a0f3cULL);
inline const wire::Ipv4Address phone_ip{10, 10, 20, 31};

// Two subscribers in one CallManager group (sub1 first), a publisher outside it, and one
// CP-8861 with two lines in the group's device pool.
inline provisioning::Database cluster_database() {
  using namespace provisioning;
  Database db;
  db.set_identity({"voicelab-node", 1700000000});
  add_reference_data(db, "14-2-1-0001-14");
  db.put_node({"cucm-pub", "Publisher", {10, 10, 10, 10}, {true, true, true, true}, 5060, 5061});
  db.put_node({"cucm-sub1", "Subscriber 1", {10, 10, 10, 11}, {}, 5060, 5061});
  db.put_node({"cucm-sub2", "Subscriber 2", {10, 10, 10, 12}, {}, 5060, 5061});
  db.put_call_manager_group({"CMG-HQ", {"cucm-sub1", "cucm-sub2"}});
  db.put_call_manager_group({"CMG-SUB2", {"cucm-sub2"}});
  db.put_date_time_group({"CMLocal",
                          "M/D/Y",
                          "Pacific Standard/Daylight Time",
                          "America/Los_Angeles",
                          {"10.10.10.1"}});
  db.put_region({"R-HQ", "Headquarters"});
  db.put_device_pool(
      {"DP-HQ", "CMG-HQ", "CMLocal", "R-HQ", "English_United_States", "United_States", 120});
  db.put_device_pool(
      {"DP-SUB2", "CMG-SUB2", "CMLocal", "R-HQ", "English_United_States", "United_States", 120});
  Device phone;
  phone.name = std::string(device_name);
  phone.model = "Cisco 8861";
  phone.description = "Lobby 8861";
  phone.device_pool = "DP-HQ";
  phone.softkey_template = "Standard User";
  phone.lines = {{"1001", "Lobby", "Lobby - 1001"}, {"1002", "Lobby", ""}};
  db.put_device(phone);
  return db;
}

inline std::string text_of(const std::vector<std::uint8_t>& bytes) {
  return {bytes.begin(), bytes.end()};
}

inline wire::Bytes bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// The nodes of a cluster and the clients of one phone, moved by one pump().
class Lab {
 public:
  explicit Lab(const provisioning::Database& db)
      : db_(db), files_(std::make_shared<provisioning::ConfigFiles>(db)) {}

  cucm::Node& add_node(std::string_view name, bool share_files = true) {
    const provisioning::Node* record = db_.node(name);
    REQUIRE(record != nullptr);
    cucm::NodeConfig config = cucm::node_config(*record);
    config.registrar.trace = true;
    if (share_files) {
      nodes.push_back(std::make_unique<cucm::Node>(std::move(config), db_, files_, random_));
    } else {
      nodes.push_back(std::make_unique<cucm::Node>(std::move(config), db_, random_));
    }
    return *nodes.back();
  }

  cucm::Node& node(std::string_view name) { return *nodes.at(index_of(name)); }

  // --- TFTP ---
  tftp::DownloadResult tftp_get(std::string_view node_name, std::string file) {
    if (!tftp_) {
      tftp::ClientConfig config;
      config.blksize = 1468;
      tftp_.emplace(config, random_);
    }
    const auto& n = node(node_name);
    tftp_->start(now, {n.config().address, 69}, std::move(file));
    run_until(now + 120s, [this] { return !tftp_->busy(); });
    auto result = tftp_->take_result();
    REQUIRE(result.has_value());
    return std::move(*result);
  }

  // --- HTTP: one request on a fresh connection; what came back until the node closed it or
  // went quiet. nullopt when the connection was refused.
  std::optional<std::string> http_get(std::string_view node_name, std::string_view path) {
    const std::size_t i = index_of(node_name);
    cucm::Node& n = *nodes[i];
    const std::uint64_t conn = next_node_conn_++;
    if (!listening_tcp(n, n.config().http_port)) return std::nullopt;
    n.handle_accepted(now, conn, n.config().http_port, {phone_ip, 50123});
    http_conns_[{i, conn}] = {};
    const std::string request = "GET /" + std::string(path) +
                                " HTTP/1.1\r\nHost: " + n.config().address.to_string() +
                                ":6970\r\nConnection: close\r\n\r\n";
    n.handle_bytes(now, conn, bytes_of(request));
    pump();
    return http_conns_.at({i, conn});
  }
  // Opens an HTTP connection and leaves it idle (to see what a service stop does to it).
  std::optional<std::uint64_t> http_open(std::string_view node_name) {
    const std::size_t i = index_of(node_name);
    cucm::Node& n = *nodes[i];
    if (!listening_tcp(n, n.config().http_port)) return std::nullopt;
    const std::uint64_t conn = next_node_conn_++;
    n.handle_accepted(now, conn, n.config().http_port, {phone_ip, 50124});
    http_conns_[{i, conn}] = {};
    pump();
    return conn;
  }
  [[nodiscard]] bool http_closed(std::string_view node_name, std::uint64_t conn) const {
    return closed_.contains({index_of(node_name), conn});
  }

  // --- SIP ---
  sip::RegistrationClient& phone(sip::RegistrationClientConfig config) {
    sip_.emplace(std::move(config), random_);
    return *sip_;
  }
  void start_phone() {
    sip_->start(now, phone_ip);
    pump();
  }

  // Advances time, firing every engine's timers, until `t` (or `done()` holds).
  template <class Done>
  void run_until(Time t, Done done) {
    pump();
    for (int guard = 0; guard < 1'000'000; ++guard) {
      if (done()) return;
      std::optional<Time> next;
      const auto consider = [&next](std::optional<Time> x) {
        if (x && (!next || *x < *next)) next = x;
      };
      for (const auto& n : nodes) consider(n->next_timeout());
      if (tftp_) consider(tftp_->next_timeout());
      if (sip_) consider(sip_->next_timeout());
      if (!next || *next > t) break;
      now = std::max(now, *next);
      for (auto& n : nodes) n->handle_timeout(now);
      if (tftp_) tftp_->handle_timeout(now);
      if (sip_) sip_->handle_timeout(now);
      pump();
    }
    now = std::max(now, t);
  }
  void run_until(Time t) {
    run_until(t, [] { return false; });
  }
  void run_for(Duration d) { run_until(now + d); }

  // Moves everything every engine has to say until all are quiet.
  void pump() {
    for (int guard = 0; guard < 100'000; ++guard) {
      bool moved = false;
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        while (auto out = nodes[i]->poll_transmit()) {
          moved = true;
          std::visit([&](auto& o) { from_node(i, o); }, *out);
        }
        while (auto e = nodes[i]->poll_event()) {
          moved = true;
          events.push_back(std::move(*e));
        }
      }
      if (tftp_) {
        while (auto d = tftp_->poll_transmit()) {
          moved = true;
          to_node_udp(d->destination, tftp::Endpoint{phone_ip, d->source_port}, d->payload);
        }
        while (tftp_->poll_event()) {
        }
      }
      if (sip_) {
        while (auto e = sip_->poll_event()) {
          moved = true;
          phone_events.push_back(std::move(*e));
        }
        while (auto c = sip_->poll_command()) {
          moved = true;
          std::visit([&](auto& command) { from_phone(command); }, *c);
        }
      }
      if (!moved) return;
    }
    FAIL("the engines never go quiet");
  }

  // Node events of one component, as log lines.
  [[nodiscard]] std::vector<std::string> log(cucm::Component component) const {
    std::vector<std::string> out;
    for (const auto& e : events) {
      if (e.component == component) out.push_back(e.describe());
    }
    return out;
  }
  [[nodiscard]] std::vector<sip::RegistrationEvent> phone_events_of(
      sip::RegistrationEventKind kind) const {
    std::vector<sip::RegistrationEvent> out;
    for (const auto& e : phone_events) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }

  Time now{};
  std::vector<std::unique_ptr<cucm::Node>> nodes;
  std::vector<cucm::NodeEvent> events;
  std::vector<sip::RegistrationEvent> phone_events;
  std::uint64_t refused_connects = 0;
  std::uint64_t lost_datagrams = 0;

 private:
  using NodeConn = std::pair<std::size_t, std::uint64_t>;

  [[nodiscard]] std::size_t index_of(std::string_view name) const {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i]->name() == name) return i;
    }
    FAIL("no node " << name);
    return 0;
  }
  std::optional<std::size_t> node_at(wire::Ipv4Address address) const {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i]->config().address == address) return i;
    }
    return std::nullopt;
  }
  static bool listening_tcp(const cucm::Node& n, std::uint16_t port) {
    const auto ports = n.listening_tcp_ports();
    return std::find(ports.begin(), ports.end(), port) != ports.end();
  }
  static bool listening_udp(const cucm::Node& n, std::uint16_t port) {
    const auto ports = n.listening_udp_ports();
    if (std::find(ports.begin(), ports.end(), port) != ports.end()) return true;
    const auto transfers = n.tftp_transfer_ports();
    return std::find(transfers.begin(), transfers.end(), port) != transfers.end();
  }

  void to_node_udp(tftp::Endpoint to, tftp::Endpoint from, const std::vector<std::uint8_t>& p) {
    const auto i = node_at(to.address);
    // A host whose service is down does not answer (the driver closed the socket).
    if (!i || !listening_udp(*nodes[*i], to.port)) {
      ++lost_datagrams;
      return;
    }
    nodes[*i]->handle_datagram(now, tftp::Datagram{from, to, 0, wire::Bytes{p}});
  }

  // --- node -> phone ---
  void from_node(std::size_t i, tftp::OutgoingDatagram& d) {
    REQUIRE(d.destination.address == phone_ip);
    const tftp::Endpoint from{nodes[i]->config().address, d.source_port};
    if (d.source_port == nodes[i]->config().sip_port) {
      REQUIRE(sip_.has_value());
      sip_->handle_datagram(now, from.address, from.port, wire::Bytes{d.payload});
    } else {
      REQUIRE(tftp_.has_value());
      tftp_->handle_datagram(now, tftp::Datagram{from, d.destination, 0, wire::Bytes{d.payload}});
    }
  }
  void from_node(std::size_t i, cucm::SendBytes& s) {
    const NodeConn key{i, s.conn};
    REQUIRE_FALSE(closed_.contains(key));  // nothing after a close
    if (const auto it = http_conns_.find(key); it != http_conns_.end()) {
      it->second.append(s.bytes.begin(), s.bytes.end());
      return;
    }
    const auto it = phone_conn_.find(key);
    REQUIRE(it != phone_conn_.end());
    sip_->handle_bytes(now, it->second, wire::Bytes{s.bytes});
  }
  void from_node(std::size_t i, cucm::CloseConnection& c) {
    const NodeConn key{i, c.conn};
    REQUIRE_FALSE(closed_.contains(key));
    closed_.insert(key);
    // The driver carried the close out: the peer sees a FIN, the node hears the end.
    if (const auto it = phone_conn_.find(key); it != phone_conn_.end()) {
      const sip::ConnectionId id = it->second;
      phone_conn_.erase(it);
      node_conn_.erase(id);
      sip_->handle_closed(now, id);
    }
    nodes[i]->handle_closed(now, c.conn);
  }

  // --- phone -> node ---
  void from_phone(const sip::Connect& c) {
    const auto i = node_at(c.node.address);
    if (!i || !listening_tcp(*nodes[*i], c.node.port)) {
      ++refused_connects;
      sip_->handle_connect_failed(now, c.id, "connection refused (RST)");
      return;
    }
    const std::uint64_t conn = next_node_conn_++;
    node_conn_[c.id] = {*i, conn};
    phone_conn_[{*i, conn}] = c.id;
    nodes[*i]->handle_accepted(now, conn, c.node.port,
                               {phone_ip, static_cast<std::uint16_t>(51000 + c.id)});
    sip_->handle_connected(now, c.id, static_cast<std::uint16_t>(51000 + c.id));
  }
  void from_phone(const sip::SendBytes& s) {
    const auto it = node_conn_.find(s.id);
    REQUIRE(it != node_conn_.end());
    nodes[it->second.first]->handle_bytes(now, it->second.second, wire::Bytes{s.bytes});
  }
  void from_phone(const sip::Close& c) {
    const auto it = node_conn_.find(c.id);
    if (it == node_conn_.end()) return;  // never connected
    const NodeConn key = it->second;
    node_conn_.erase(it);
    phone_conn_.erase(key);
    closed_.insert(key);
    nodes[key.first]->handle_closed(now, key.second);
  }
  void from_phone(const sip::SendDatagram& d) {
    to_node_udp({d.node.address, d.node.port}, {phone_ip, d.source_port}, d.payload);
  }

  const provisioning::Database& db_;
  Random random_{7};
  std::shared_ptr<provisioning::ConfigFiles> files_;
  std::optional<tftp::Client> tftp_;
  std::optional<sip::RegistrationClient> sip_;
  std::uint64_t next_node_conn_ = 1;
  std::map<NodeConn, std::string> http_conns_;
  std::map<sip::ConnectionId, NodeConn> node_conn_;
  std::map<NodeConn, sip::ConnectionId> phone_conn_;
  std::set<NodeConn> closed_;
};

// The phone side of a registration, its nodes taken from the config file the phone downloaded.
inline sip::RegistrationClientConfig phone_config(const provisioning::DeviceConfig& config,
                                                  sip::Transport transport = sip::Transport::tcp) {
  sip::RegistrationClientConfig c;
  c.mac = device_mac;
  c.model = "CP-8861";
  c.load_id = config.load_information;
  for (const auto& line : config.lines) c.lines.push_back({line.dn, line.display_name});
  for (const auto& cm : config.call_managers) {
    const auto address = wire::Ipv4Address::parse(cm.address);
    REQUIRE(address.ok());
    c.nodes.push_back({cm.name, *address, cm.sip_port});
  }
  c.transport = transport;
  return c;
}

}  // namespace voicelab::test::node_lab
