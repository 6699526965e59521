// cucm::Node and cucm::DatabaseDirectory: a node built from a real provisioning::Database serving
// the phone's files over TFTP and HTTP 6970, registering a phone's two lines through
// sip::RegistrationClient, sending a device of another group to its next node, service stop and
// start, and database changes reaching both the files and the registrar. Explicit time, no
// netsim (node_lab.hpp wires the engines together like a driver would).

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "node_lab.hpp"
#include "voicelab/cucm/database_directory.hpp"
#include "voicelab/cucm/node.hpp"
#include "voicelab/provisioning/device_config.hpp"
#include "voicelab/provisioning/trust_list.hpp"

namespace voicelab::test {
namespace {

using namespace std::chrono_literals;
using namespace node_lab;
using cucm::Component;
using cucm::Service;
using Kind = sip::RegistrationEventKind;
using Ports = std::vector<std::uint16_t>;

bool contains(const std::vector<std::string>& lines, std::string_view needle) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(needle) != std::string::npos; });
}

provisioning::DeviceConfig download_config(Lab& lab, std::string_view node) {
  const auto cnf = lab.tftp_get(node, std::string(device_name) + ".cnf.xml");
  REQUIRE(cnf.ok());
  auto config = provisioning::parse_device_config(text_of(cnf.bytes), "CP-8861",
                                                  std::string(device_name) + ".cnf.xml");
  REQUIRE(config.ok());
  return std::move(config).value();
}

// --- DatabaseDirectory -----------------------------------------------------------------------

TEST_CASE("DatabaseDirectory derives a device from the database", "[cucm][node][directory]") {
  const auto db = cluster_database();
  const cucm::DatabaseDirectory directory(db);
  const cucm::DirectoryDevice* d = directory.find(device_name);
  REQUIRE(d != nullptr);
  CHECK(d->name == device_name);
  CHECK(d->model == "Cisco 8861");
  CHECK(d->description == "Lobby 8861");
  CHECK(d->line_dns == std::vector<std::string>{"1001", "1002"});
  CHECK(d->call_manager_group == std::vector<std::string>{"cucm-sub1", "cucm-sub2"});
  CHECK(directory.find("SEP0041D25A0F3D") == nullptr);
  CHECK(directory.find("sep0041d25a0f3c") == nullptr);  // names are case-sensitive
  CHECK(directory.find("") == nullptr);
  CHECK(directory.cached() == 1);  // unknown names leave nothing behind
  CHECK(directory.find(device_name) == d);
  CHECK(directory.builds() == 1);
}

TEST_CASE("DatabaseDirectory follows database changes one device at a time",
          "[cucm][node][directory]") {
  auto db = cluster_database();
  for (int i = 0; i < 1000; ++i) {
    provisioning::Device extra = *db.device(device_name);
    char name[16];
    std::snprintf(name, sizeof name, "SEP0041D25B%04X", i);
    extra.name = name;
    REQUIRE(provisioning::is_device_name(extra.name));
    db.put_device(extra);
  }
  const cucm::DatabaseDirectory directory(db);
  for (const auto& [name, device] : db.devices()) REQUIRE(directory.find(name) != nullptr);
  const auto built = directory.builds();
  CHECK(built == db.devices().size());

  SECTION("a new line on one device") {
    provisioning::Device phone = *db.device(device_name);
    phone.lines.push_back({"1003", "Lobby", ""});
    db.put_device(phone);
    CHECK(directory.find(device_name)->line_dns ==
          std::vector<std::string>{"1001", "1002", "1003"});
    CHECK(directory.builds() == built + 1);  // only that device was rebuilt
    CHECK(directory.find(device_name)->line_dns.size() == 3);
    CHECK(directory.builds() == built + 1);
  }
  SECTION("a CallManager group edit reaches a device when it is next looked up") {
    db.put_call_manager_group({"CMG-HQ", {"cucm-sub2", "cucm-pub"}});
    CHECK(directory.find(device_name)->call_manager_group ==
          std::vector<std::string>{"cucm-sub2", "cucm-pub"});
    CHECK(directory.builds() == built + 1);  // not one rebuild per device of the database
  }
  SECTION("moving the device to another pool") {
    provisioning::Device phone = *db.device(device_name);
    phone.device_pool = "DP-SUB2";
    db.put_device(phone);
    CHECK(directory.find(device_name)->call_manager_group == std::vector<std::string>{"cucm-sub2"});
  }
  SECTION("a node of the group removed from the database, a dangling pool") {
    REQUIRE(db.remove_node("cucm-sub1"));
    CHECK(directory.find(device_name)->call_manager_group == std::vector<std::string>{"cucm-sub2"});
    provisioning::Device phone = *db.device(device_name);
    phone.device_pool = "no such pool";
    db.put_device(phone);
    CHECK(directory.find(device_name)->call_manager_group.empty());
  }
  SECTION("a removed device is gone, and comes back") {
    const provisioning::Device phone = *db.device(device_name);
    REQUIRE(db.remove_device(device_name));
    CHECK(directory.find(device_name) == nullptr);
    CHECK(directory.cached() == db.devices().size());
    db.put_device(phone);
    REQUIRE(directory.find(device_name) != nullptr);
    CHECK(directory.find(device_name)->line_dns.size() == 2);
  }
}

// --- the config server -----------------------------------------------------------------------

TEST_CASE("A node serves the phone's files over TFTP and HTTP 6970 from the database",
          "[cucm][node][tftp][http]") {
  const auto db = cluster_database();
  Lab lab(db);
  cucm::Node& node = lab.add_node("cucm-sub1");
  CHECK(node.listening_udp_ports() == Ports{69, 5060});
  CHECK(node.listening_tcp_ports() == Ports{5060, 6970});

  // Non-secure cluster: the CTL request is a "file not found" (TFTP error 1, HTTP 404).
  const auto ctl = lab.tftp_get("cucm-sub1", "CTLSEP0041D25A0F3C.tlv");
  CHECK(ctl.outcome == tftp::DownloadOutcome::file_not_found);
  REQUIRE(ctl.error.has_value());
  CHECK(*ctl.error == tftp::ErrorCode::file_not_found);
  CHECK(static_cast<int>(*ctl.error) == 1);
  const auto itl = lab.tftp_get("cucm-sub1", "ITLSEP0041D25A0F3C.tlv");
  REQUIRE(itl.ok());
  CHECK(provisioning::parse_trust_list(itl.bytes).ok());

  const auto cnf = lab.tftp_get("cucm-sub1", "SEP0041D25A0F3C.cnf.xml");
  REQUIRE(cnf.ok());
  const std::string xml = text_of(cnf.bytes);
  CHECK(xml == provisioning::generate_device_config(db, *db.device(device_name)));
  const auto config = provisioning::parse_device_config(xml, "CP-8861", "SEP0041D25A0F3C.cnf.xml");
  REQUIRE(config.ok());
  REQUIRE(config->call_managers.size() == 2);
  CHECK(config->call_managers[0].name == "cucm-sub1");
  CHECK(config->call_managers[0].address == "10.10.10.11");
  CHECK(config->lines.size() == 2);

  // The same file on 6970, and a 404 where TFTP said error 1.
  const auto http_cnf = lab.http_get("cucm-sub1", "SEP0041D25A0F3C.cnf.xml");
  REQUIRE(http_cnf.has_value());
  CHECK(http_cnf->starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(http_cnf->ends_with("\r\n\r\n" + xml));
  const auto http_ctl = lab.http_get("cucm-sub1", "CTLSEP0041D25A0F3C.tlv");
  REQUIRE(http_ctl.has_value());
  CHECK(http_ctl->starts_with("HTTP/1.1 404 Not Found\r\n"));

  // Logs by component, each line naming the node.
  const auto tftp_log = lab.log(Component::tftp);
  CHECK(contains(tftp_log, "cucm-sub1: "));
  CHECK(contains(tftp_log, "CTLSEP0041D25A0F3C.tlv"));
  const auto http_log = lab.log(Component::http);
  CHECK(contains(http_log, "cucm-sub1: GET /SEP0041D25A0F3C.cnf.xml"));
  CHECK(contains(http_log, "404"));
  CHECK(lab.log(Component::sip).empty());
  CHECK(node.tftp_server()->counters().files_not_found == 1);
  CHECK(node.http_server()->counters().ok == 1);
  CHECK(node.http_server()->counters().not_found == 1);
  CHECK(node.counters().datagrams_dropped == 0);
  CHECK(node.open_connections() == 0);  // both HTTP connections closed (Connection: close)
}

TEST_CASE("Nodes of a cluster share one ConfigFiles; a node may also have its own",
          "[cucm][node][tftp]") {
  const auto db = cluster_database();
  Lab lab(db);
  cucm::Node& sub1 = lab.add_node("cucm-sub1");
  cucm::Node& sub2 = lab.add_node("cucm-sub2");
  cucm::Node& pub = lab.add_node("cucm-pub", false);
  CHECK(&sub1.files() == &sub2.files());
  CHECK(&pub.files() != &sub1.files());
  const auto a = lab.tftp_get("cucm-sub1", "SEP0041D25A0F3C.cnf.xml");
  const auto b = lab.tftp_get("cucm-sub2", "SEP0041D25A0F3C.cnf.xml");
  const auto c = lab.tftp_get("cucm-pub", "SEP0041D25A0F3C.cnf.xml");
  REQUIRE(a.ok());
  CHECK(a.bytes == b.bytes);
  CHECK(a.bytes == c.bytes);                      // the same bytes whoever serves them
  CHECK(sub1.files().counters().generated == 1);  // built once for both subscribers
  CHECK(sub1.files().counters().cache_hits == 1);
  CHECK(pub.files().counters().generated == 1);
}

TEST_CASE("A database change is served as a new SEP<MAC>.cnf.xml", "[cucm][node][tftp]") {
  auto db = cluster_database();
  Lab lab(db);
  lab.add_node("cucm-sub1");
  const auto before = download_config(lab, "cucm-sub1");
  REQUIRE(before.lines.size() == 2);

  provisioning::Device phone = *db.device(device_name);
  phone.lines.push_back({"1003", "Lobby", "Lobby - 1003"});
  db.put_device(phone);
  const auto after = download_config(lab, "cucm-sub1");
  REQUIRE(after.lines.size() == 3);
  CHECK(after.lines[2].dn == "1003");
  CHECK(after.version_stamp != before.version_stamp);
  // Over HTTP too.
  const auto http = lab.http_get("cucm-sub1", "SEP0041D25A0F3C.cnf.xml");
  REQUIRE(http.has_value());
  CHECK(http->find("<name>1003</name>") != std::string::npos);
  // The registrar sees the new line as well.
  CHECK(lab.node("cucm-sub1").directory().find(device_name)->line_dns.size() == 3);
}

// --- registration ----------------------------------------------------------------------------

TEST_CASE("A two-line phone registers through the node with sip::RegistrationClient",
          "[cucm][node][sip]") {
  const auto db = cluster_database();
  Lab lab(db);
  cucm::Node& sub1 = lab.add_node("cucm-sub1");
  cucm::Node& sub2 = lab.add_node("cucm-sub2");
  const auto transport = GENERATE(sip::Transport::tcp, sip::Transport::udp);
  // The phone registers with the nodes its config file names, in that order.
  auto& phone = lab.phone(phone_config(download_config(lab, "cucm-sub1"), transport));
  lab.start_phone();
  lab.run_for(1s);

  REQUIRE(phone.registered());
  CHECK(phone.registered_with()->name == "cucm-sub1");
  CHECK(lab.phone_events_of(Kind::line_registered).size() == 2);
  CHECK(sub1.registrar().binding_count() == 2);
  const cucm::Binding* line2 = sub1.registrar().binding(device_name, "1002");
  REQUIRE(line2 != nullptr);
  CHECK(line2->address == phone_ip);
  CHECK(line2->expires == 120);
  CHECK(line2->transport == transport);
  CHECK(sub1.registrar().phone(device_name).status == cucm::DeviceStatus::registered);
  // No binding on the secondary (the TCP standby only sends Expires: 0 keepalives).
  CHECK(sub2.registrar().binding_count() == 0);
  if (transport == sip::Transport::tcp) {
    CHECK(sub2.registrar().counters().keepalives >= 1);
    CHECK(sub1.open_connections() == 1);
    CHECK(sub2.open_connections() == 1);
  } else {
    CHECK(sub1.open_connections() == 0);
  }

  // The sip log: trace lines and the registrar's events, naming the node.
  const auto log = lab.log(Component::sip);
  CHECK(contains(log, "cucm-sub1: SEP0041D25A0F3C line 1001 registered from 10.10.20.31"));
  CHECK(contains(log, "cucm-sub1: SEP0041D25A0F3C line 1002 registered"));
  // A trace line, its clock left to the log.
  CHECK(contains(log, transport == sip::Transport::tcp
                          ? "cucm-sub1: SIP/TCP in  conn "
                          : "cucm-sub1: SIP/UDP in  from 10.10.20.31"));
  CHECK_FALSE(contains(log, "00:00:"));

  // Refreshes keep it registered past the first grant.
  lab.run_for(10min);
  CHECK(phone.registered());
  CHECK(sub1.registrar().binding_count() == 2);
  CHECK(sub1.registrar().counters().refreshed >= 8);
  CHECK(sub1.registrar().counters().expired == 0);
}

TEST_CASE("A device whose group does not list this node gets 503 and fails over",
          "[cucm][node][sip]") {
  auto db = cluster_database();
  Lab lab(db);
  cucm::Node& sub1 = lab.add_node("cucm-sub1");
  cucm::Node& sub2 = lab.add_node("cucm-sub2");
  // The phone still has the file that names sub1 first; the device has since moved to a pool
  // whose group holds sub2 only.
  auto& phone = lab.phone(phone_config(download_config(lab, "cucm-sub1")));
  provisioning::Device moved = *db.device(device_name);
  moved.device_pool = "DP-SUB2";
  db.put_device(moved);
  lab.start_phone();
  lab.run_for(1s);

  const auto rejected = lab.phone_events_of(Kind::rejected);
  REQUIRE_FALSE(rejected.empty());
  CHECK(rejected.front().node == "cucm-sub1");
  CHECK(rejected.front().status == 503);
  CHECK(lab.phone_events_of(Kind::failover).size() >= 1);
  REQUIRE(phone.registered());
  CHECK(phone.registered_with()->name == "cucm-sub2");
  CHECK(sub2.registrar().binding_count() == 2);
  CHECK(sub1.registrar().binding_count() == 0);
  CHECK(sub1.registrar().counters().rejected >= 1);
  CHECK(contains(lab.log(Component::sip), "Device not in the CallManager group of this node"));
  // The file the phone reads next names sub2 only.
  CHECK(download_config(lab, "cucm-sub1").call_managers.size() == 1);
}

// --- services --------------------------------------------------------------------------------

TEST_CASE("Stopping Cisco TFTP closes 69 and 6970; starting it serves again",
          "[cucm][node][service]") {
  const auto db = cluster_database();
  Lab lab(db);
  cucm::Node& node = lab.add_node("cucm-sub1");
  const auto idle = lab.http_open("cucm-sub1");
  REQUIRE(idle.has_value());
  CHECK(node.open_connections() == 1);

  lab.now = 5s;
  node.stop_service(lab.now, Service::tftp);
  lab.pump();
  CHECK_FALSE(node.service_active(Service::tftp));
  CHECK(node.service_running(Service::call_manager));
  CHECK(node.listening_udp_ports() == Ports{5060});
  CHECK(node.listening_tcp_ports() == Ports{5060});
  CHECK(node.tftp_server() == nullptr);
  CHECK(node.http_server() == nullptr);
  CHECK(lab.http_closed("cucm-sub1", *idle));  // the open 6970 connection was closed
  CHECK(node.open_connections() == 0);
  CHECK(contains(lab.log(Component::tftp), "cucm-sub1: Cisco TFTP stopped (service stopped)"));

  // The phone's request is not answered; a datagram a driver still delivers is dropped.
  const auto lost = lab.tftp_get("cucm-sub1", "SEP0041D25A0F3C.cnf.xml");
  CHECK(lost.outcome == tftp::DownloadOutcome::timed_out);
  CHECK_FALSE(lost.answered);
  CHECK_FALSE(lab.http_get("cucm-sub1", "SEP0041D25A0F3C.cnf.xml").has_value());
  const std::string rrq("\0\1x.xml\0octet\0", 14);
  node.handle_datagram(lab.now, {{phone_ip, 40000}, {node.config().address, 69}, 0, bytes_of(rrq)});
  CHECK(node.counters().datagrams_dropped == 1);
  node.handle_accepted(lab.now, 999, 6970, {phone_ip, 40001});  // a driver that still accepts
  const auto refused = node.poll_transmit();
  REQUIRE(refused.has_value());
  REQUIRE(std::holds_alternative<cucm::CloseConnection>(*refused));
  CHECK(std::get<cucm::CloseConnection>(*refused).conn == 999);
  CHECK(node.counters().connections_refused == 1);

  node.start_service(lab.now, Service::tftp);
  lab.pump();
  CHECK(node.listening_udp_ports() == Ports{69, 5060});
  CHECK(node.listening_tcp_ports() == Ports{5060, 6970});
  CHECK(lab.tftp_get("cucm-sub1", "SEP0041D25A0F3C.cnf.xml").ok());
  CHECK(contains(lab.log(Component::tftp), "cucm-sub1: Cisco TFTP started (service started)"));
}

TEST_CASE("A TFTP transfer in flight stops with the service", "[cucm][node][service]") {
  auto db = cluster_database();
  Lab lab(db);
  cucm::Node& node = lab.add_node("cucm-sub1");
  // A firmware component large enough to be mid-transfer when the service stops.
  tftp::ClientConfig config;
  config.blksize = 512;
  Random random{3};
  tftp::Client client(config, random);
  const auto load = db.load(db.effective_load(*db.device(device_name)));
  REQUIRE(load != nullptr);
  const std::string kernel = load->files.at(1).name;
  client.start(0s, {node.config().address, 69}, kernel);
  std::size_t data_packets = 0;
  for (int step = 0; step < 20; ++step) {  // a few lock-step blocks
    while (auto d = client.poll_transmit()) {
      node.handle_datagram(
          0s, {{phone_ip, d->source_port}, d->destination, 0, wire::Bytes{d->payload}});
    }
    while (auto out = node.poll_transmit()) {
      auto& d = std::get<tftp::OutgoingDatagram>(*out);
      ++data_packets;
      client.handle_datagram(
          0s, {{node.config().address, d.source_port}, d.destination, 0, wire::Bytes{d.payload}});
    }
  }
  REQUIRE(node.tftp_server()->active_transfers() == 1);
  REQUIRE(node.tftp_transfer_ports().size() == 1);
  node.stop_service(1s, Service::tftp);
  CHECK(node.tftp_transfer_ports().empty());
  CHECK_FALSE(node.poll_transmit().has_value());  // nothing more is sent
  CHECK_FALSE(node.next_timeout().has_value());   // and nothing is retransmitted
  CHECK(data_packets >= 10);
}

TEST_CASE("Stopping Cisco CallManager closes SIP; the phone fails over, and back",
          "[cucm][node][service][sip]") {
  const auto db = cluster_database();
  Lab lab(db);
  cucm::Node& sub1 = lab.add_node("cucm-sub1");
  cucm::Node& sub2 = lab.add_node("cucm-sub2");
  auto& phone = lab.phone(phone_config(download_config(lab, "cucm-sub1")));
  lab.start_phone();
  lab.run_for(1s);
  REQUIRE(phone.registered_with()->name == "cucm-sub1");

  sub1.stop_service(lab.now, Service::call_manager);
  lab.pump();
  CHECK(sub1.listening_tcp_ports() == Ports{6970});
  CHECK(sub1.listening_udp_ports() == Ports{69});
  CHECK(sub1.registrar().binding_count() == 0);
  CHECK(sub1.open_connections() == 0);
  CHECK(contains(lab.log(Component::sip), "cucm-sub1: SEP0041D25A0F3C line 1001 unregistered"));
  lab.run_for(1s);
  REQUIRE(phone.registered());
  CHECK(phone.registered_with()->name == "cucm-sub2");
  CHECK(sub2.registrar().binding_count() == 2);
  CHECK(sub1.tftp_server() != nullptr);  // TFTP is another service: still up

  // CallManager back: the phone's probe finds it and the phone falls back.
  sub1.start_service(lab.now, Service::call_manager);
  lab.run_for(2min);
  REQUIRE(phone.registered());
  CHECK(phone.registered_with()->name == "cucm-sub1");
  CHECK(sub1.registrar().binding_count() == 2);
  CHECK(sub2.registrar().binding_count() == 0);
}

TEST_CASE("Node stop and start take every service down and bring the active ones back",
          "[cucm][node][service]") {
  const auto db = cluster_database();
  Lab lab(db);
  cucm::Node& node = lab.add_node("cucm-sub1");
  node.stop_service(0s, Service::call_manager);  // deactivated before the node goes down
  node.stop(1s);
  lab.pump();
  CHECK_FALSE(node.running());
  CHECK(node.listening_udp_ports().empty());
  CHECK(node.listening_tcp_ports().empty());
  CHECK(node.service_active(Service::tftp));  // activation survives the node going down
  CHECK_FALSE(node.service_running(Service::tftp));
  node.start_service(2s, Service::call_manager);  // activated while down: runs at start
  CHECK(node.listening_tcp_ports().empty());
  node.start(3s);
  lab.pump();
  CHECK(node.running());
  CHECK(node.listening_udp_ports() == Ports{69, 5060});
  CHECK(node.listening_tcp_ports() == Ports{5060, 6970});
  CHECK(contains(lab.log(Component::tftp), "Cisco TFTP stopped (node stopped)"));
  CHECK(contains(lab.log(Component::tftp), "Cisco TFTP started (node started)"));
  CHECK(node.counters().service_changes == 4);  // CM down, TFTP down, both up
}

TEST_CASE("A node built with TFTP deactivated listens on SIP only", "[cucm][node][service]") {
  const auto db = cluster_database();
  Random random{1};
  cucm::NodeConfig config = cucm::node_config(*db.node("cucm-sub2"));
  config.services.tftp = false;
  cucm::Node node(config, db, random);
  CHECK(node.listening_udp_ports() == Ports{5060});
  CHECK(node.listening_tcp_ports() == Ports{5060});
  CHECK_FALSE(node.poll_event().has_value());
  config.services = {false, true};
  cucm::Node tftp_only(config, db, random);
  CHECK(tftp_only.listening_udp_ports() == Ports{69});
  CHECK(tftp_only.listening_tcp_ports() == Ports{6970});
  CHECK_FALSE(tftp_only.registrar().running());
  CHECK_FALSE(tftp_only.poll_event().has_value());  // a service never started says nothing
}

TEST_CASE("Node configuration errors", "[cucm][node]") {
  const auto db = cluster_database();
  Random random{1};
  cucm::NodeConfig config = cucm::node_config(*db.node("cucm-sub1"));
  CHECK(config.name == "cucm-sub1");
  CHECK(config.address == wire::Ipv4Address{10, 10, 10, 11});
  auto bad = config;
  bad.name.clear();
  CHECK_THROWS_AS(cucm::Node(bad, db, random), std::invalid_argument);
  bad = config;
  bad.sip_port = 50000;  // inside the TFTP transfer range: datagrams could not be told apart
  CHECK_THROWS_AS(cucm::Node(bad, db, random), std::invalid_argument);
  bad = config;
  bad.http_port = 5060;
  CHECK_THROWS_AS(cucm::Node(bad, db, random), std::invalid_argument);
  bad = config;
  bad.tftp.workers = 0;  // refused by tftp::Server, even when TFTP starts deactivated
  bad.services.tftp = false;
  CHECK_THROWS_AS(cucm::Node(bad, db, random), std::invalid_argument);
  CHECK_THROWS_AS(cucm::Node(config, db, nullptr, random), std::invalid_argument);
  bad = config;
  bad.registrar.node_name = "something else";  // the node's name wins
  const cucm::Node node(bad, db, random);
  CHECK(node.registrar().config().node_name == "cucm-sub1");
}

TEST_CASE("Input for unknown ports and connections is dropped and counted", "[cucm][node]") {
  const auto db = cluster_database();
  Random random{1};
  cucm::Node node(cucm::node_config(*db.node("cucm-sub1")), db, random);
  node.handle_datagram(0s, {{phone_ip, 1234}, {node.config().address, 161}, 0, bytes_of("x")});
  CHECK(node.counters().datagrams_dropped == 1);
  node.handle_bytes(0s, 77, bytes_of("REGISTER"));
  CHECK(node.counters().bytes_ignored == 8);
  node.handle_closed(0s, 77);  // unknown: ignored
  node.handle_accepted(0s, 5, 22, {phone_ip, 1234});
  const auto out = node.poll_transmit();
  REQUIRE(out.has_value());
  CHECK(std::get<cucm::CloseConnection>(*out).conn == 5);
  CHECK_FALSE(node.poll_transmit().has_value());
  CHECK(node.counters().connections_refused == 1);
  CHECK(node.open_connections() == 0);
  // An HTTP peer that closes first: the server's answering close is not passed on (the id may
  // already belong to a new connection).
  node.handle_accepted(0s, 6, 6970, {phone_ip, 1235});
  node.handle_closed(0s, 6);
  CHECK_FALSE(node.poll_transmit().has_value());
  const auto e = node.poll_event();
  REQUIRE(e.has_value());
  CHECK(e->component == Component::http);
  CHECK(std::string(cucm::to_string(e->component)) == "http");
}

}  // namespace
}  // namespace voicelab::test
