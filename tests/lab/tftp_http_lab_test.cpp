// Issue 5 at the network level: TFTP (lossy link, failover to a second server) and HTTP on port
// 6970 over the simulated TCP, with the engines bound by lab::DatagramDriver and
// lab::StreamDriver, captured and read back by tshark.

#include <catch2/catch.hpp>

#include "lab_test_util.hpp"
#include "support/tshark.hpp"
#include "voicelab/http/client.hpp"
#include "voicelab/http/server.hpp"
#include "voicelab/lab/datagram_driver.hpp"
#include "voicelab/lab/stream_driver.hpp"
#include "voicelab/provisioning/database.hpp"
#include "voicelab/provisioning/device_config.hpp"
#include "voicelab/provisioning/files.hpp"
#include "voicelab/tftp/client.hpp"
#include "voicelab/tftp/file_source.hpp"
#include "voicelab/tftp/server.hpp"

using namespace voicelab;
using namespace voicelab::lab;
using namespace voicelab::lab::test;
using voicelab::test::check_capture;
using voicelab::test::require_clean_capture;
using voicelab::test::run_tshark;
using voicelab::test::split_fields;

namespace {

constexpr std::string_view config_file = "SEP001B54AABBCC.cnf.xml";
constexpr std::string_view ctl_file = "CTLSEP001B54AABBCC.tlv";

std::string device_config_xml() {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<device>\n"
         "  <fullConfig>true</fullConfig>\n"
         "  <deviceProtocol>SIP</deviceProtocol>\n"
         "  <devicePool><callManagerGroup><members><member priority=\"0\"><callManager>"
         "<name>cucm1</name><ports><sipPort>5060</sipPort></ports>"
         "<processNodeName>10.0.10.11</processNodeName></callManager></member></members>"
         "</callManagerGroup></devicePool>\n"
         "  <loadInformation>sip88xx.14-2-1-0001-14</loadInformation>\n"
         "</device>\n";
}

// The provisioning helper's device database for one node and one CP-8861: the config server
// then serves the real generated SEP<MAC>.cnf.xml.
provisioning::Database cluster_database() {
  using namespace provisioning;
  Database db;
  add_reference_data(db);
  Node node;
  node.name = "cucm1";
  node.address = ip("10.0.10.11");
  db.put_node(node);
  db.put_call_manager_group({"CMG-Lab", {"cucm1"}});
  DateTimeGroup time_group;
  time_group.name = "CMLocal";
  db.put_date_time_group(time_group);
  db.put_region({"R-Lab", "Lab"});
  DevicePool pool;
  pool.name = "DP-Lab";
  pool.call_manager_group = "CMG-Lab";
  pool.date_time_group = "CMLocal";
  pool.region = "R-Lab";
  db.put_device_pool(pool);
  Device phone;
  phone.name = "SEP001B54AABBCC";
  phone.model = "Cisco 8861";
  phone.device_pool = "DP-Lab";
  phone.lines = {{"1001", "Lab Phone", ""}};
  db.put_device(phone);
  return db;
}

// A CUCM node's file service on one host: TFTP on 69 and the same files over HTTP on 6970.
struct ConfigServerNode {
  ConfigServerNode(TestLab& lab, const std::string& name, std::uint64_t mac_value,
                   std::string_view address, tftp::FileSource& files,
                   tftp::ServerConfig config = {})
      : host(lab.add_server(name, mac_value, address)),
        random(lab.sim().random().fork(mac_value)),
        tftp_server(config, files, random),
        http_server(http::ServerConfig{}, files),
        tftp_driver(host, tftp_server, udp_config(name, {69}), &lab.log()),
        http_driver(host, http_server, tcp_config(name, 6970), &lab.log()) {}
  void open() {
    REQUIRE_FALSE(tftp_driver.open());
    REQUIRE_FALSE(http_driver.open());
  }
  netsim::Host& host;
  Random random;
  tftp::Server tftp_server;
  http::Server http_server;
  DatagramDriver<tftp::Server> tftp_driver;
  StreamDriver<http::Server> http_driver;
};

// A phone with a static address (DHCP is issue 4's business) and its TFTP client.
template <class TftpClient>
struct TftpPhone {
  TftpPhone(TestLab& lab, netsim::Host& phone_host, tftp::ClientConfig config = {})
      : host(phone_host),
        random(lab.sim().random().fork(0x7466747000ULL)),
        client(config, random),
        driver(host, client, udp_config("phone1"), &lab.log()) {
    driver.set_event_handler([this](const tftp::ClientEvent& e) { events.push_back(e); });
  }
  netsim::Host& host;
  Random random;
  TftpClient client;
  DatagramDriver<TftpClient> driver;
  std::vector<tftp::ClientEvent> events;
};

netsim::Host& add_static_phone(TestLab& lab,
                               netsim::LinkParams link = {.latency = std::chrono::microseconds(200),
                                                          .bandwidth_bps = 100'000'000}) {
  HostSpec spec;
  spec.name = "phone1";
  spec.mac = mac(0x001b54aabbccULL);
  spec.address = prefix("10.0.10.50/24");
  spec.gateway = ip("10.0.10.1");
  spec.link = link;
  return lab.add_host(spec);
}

struct LossyResult {
  std::optional<tftp::DownloadResult> result;
  std::uint64_t lost = 0;
  std::uint64_t client_retransmissions = 0;
  std::uint64_t server_retransmissions = 0;
  std::vector<std::uint16_t> server_ports_after;
  std::size_t phone_ports_after = 0;
};

LossyResult lossy_download(std::uint64_t seed, const std::vector<std::uint8_t>& file,
                           bool check_tshark) {
  TestLab lab(seed, "tftp-lossy");
  tftp::MemoryFileSource files;
  files.add(std::string(config_file), file);
  tftp::ServerConfig server_config;
  // At 30% loss each way a DATA/ACK exchange fails about half the time; the defaults (5 server,
  // 4 client retransmissions) would give up on one transfer in several. Ten each make a run of
  // eleven failed exchanges (p ~ 0.0006 per block) the only way to fail.
  server_config.max_retransmits = 10;
  ConfigServerNode server(lab, "tftp1", 0x0050568a0011ULL, "10.0.10.11", files, server_config);
  tftp::ClientConfig client_config;
  client_config.max_retransmits = 10;
  client_config.blksize = 512;  // ask for it, so the transfer starts with an OACK
  TftpPhone<tftp::Client> phone(lab,
                                add_static_phone(lab, {.latency = std::chrono::microseconds(200),
                                                       .bandwidth_bps = 100'000'000,
                                                       .loss = 0.3}),
                                client_config);
  server.open();
  phone.driver.update([](tftp::Client& c, Time now) {
    c.start(now, {ip("10.0.10.11"), 69}, std::string(config_file));
  });
  lab.sim().run_for(10min);

  LossyResult out;
  out.result = phone.client.take_result();
  out.lost = lab.links()[1]->counters().lost;
  out.client_retransmissions = phone.client.counters().retransmissions;
  out.server_retransmissions = server.tftp_server.counters().retransmissions;
  out.server_ports_after = server.tftp_driver.ports().open_ports();
  out.phone_ports_after = phone.driver.ports().open_count();
  if (check_tshark) {
    const auto& capture = lab.capture();
    require_clean_capture(capture);
    const auto rows = split_fields(
        run_tshark(capture, {"-Y", "tftp && frame.interface_name == \"phone1\"", "-T", "fields",
                             "-e", "tftp.opcode", "-e", "tftp.source_file", "-e", "tftp.block"})
            .output);
    REQUIRE_FALSE(rows.empty());
    CHECK(rows.front().at(0) == "1");  // RRQ
    CHECK(rows.front().at(1) == config_file);
    std::set<std::string> blocks;
    for (const auto& row : rows) {
      if (row.at(0) == "3") blocks.insert(row.at(2));
    }
    // 10 240 bytes in 512-byte blocks: 20 full ones and an empty 21st; every one crossed the
    // phone's port at least once.
    CHECK(blocks.size() == 21);
  }
  return out;
}

}  // namespace

TEST_CASE("TFTP: a 10 KB file over a link with 30% loss each way arrives complete",
          "[lab][tftp][loss]") {
  const auto file = pattern(10 * 1024, 5);
  for (const std::uint64_t seed : {501U, 502U, 503U, 504U, 505U}) {
    INFO("seed " << seed);
    const LossyResult run = lossy_download(seed, file, seed == 501);
    REQUIRE(run.result);
    INFO(run.result->describe());
    CHECK(run.result->ok());
    CHECK(run.result->bytes == file);
    CHECK(run.result->blksize == 512);
    // The loss was real and the engines recovered from it.
    CHECK(run.lost > 10);
    CHECK(run.client_retransmissions + run.server_retransmissions > 5);
    // After the transfer (and the idle sweep) only the listen port is left open.
    CHECK(run.server_ports_after == std::vector<std::uint16_t>{69});
    CHECK(run.phone_ports_after == 0);
  }
}

TEST_CASE("TFTP failover: server 1 powered off, the phone gets the file from server 2",
          "[lab][tftp][failover]") {
  TestLab lab(506, "tftp-failover");
  tftp::MemoryFileSource files;
  files.add(std::string(config_file), device_config_xml());
  ConfigServerNode server1(lab, "tftp1", 0x0050568a0011ULL, "10.0.10.11", files);
  ConfigServerNode server2(lab, "tftp2", 0x0050568a0012ULL, "10.0.10.12", files);
  TftpPhone<tftp::FailoverClient> phone(lab, add_static_phone(lab));
  server1.open();
  server2.open();
  server1.host.set_up(false);

  const std::vector<tftp::Endpoint> servers = {{ip("10.0.10.11"), 69}, {ip("10.0.10.12"), 69}};
  phone.driver.update(
      [&](tftp::FailoverClient& c, Time now) { c.start(now, servers, std::string(config_file)); });
  lab.sim().run_for(60s);

  auto result = phone.client.take_result();
  REQUIRE(result);
  INFO(result->describe());
  CHECK(result->ok());
  CHECK(string_of(result->bytes) == device_config_xml());
  CHECK(result->server == servers[1]);
  CHECK(result->servers_tried == servers);
  const auto failover = std::find_if(phone.events.begin(), phone.events.end(), [](const auto& e) {
    return e.kind == tftp::ClientEventKind::failover;
  });
  REQUIRE(failover != phone.events.end());
  // Five RRQs to server 1, 3 s apart (the client's default timeout), then server 2.
  CHECK(failover->time == 15s);
  CHECK(server2.tftp_server.counters().transfers_completed == 1);
  CHECK(lab.log().contains("phone1", "did not answer"));

  // Server 1 comes back: open() binds port 69 again and it serves.
  server1.host.set_up(true);
  server1.open();
  phone.driver.update(
      [&](tftp::FailoverClient& c, Time now) { c.start(now, servers, std::string(ctl_file)); });
  lab.sim().run_for(30s);
  result = phone.client.take_result();
  REQUIRE(result);
  CHECK(result->outcome == tftp::DownloadOutcome::file_not_found);
  CHECK(result->server == servers[0]);

  const auto& capture = lab.capture();
  require_clean_capture(capture);
  const auto rows =
      split_fields(run_tshark(capture, {"-Y", "tftp && frame.interface_name == \"phone1\"", "-T",
                                        "fields", "-e", "ip.dst", "-e", "tftp.opcode", "-e",
                                        "tftp.source_file", "-e", "tftp.error.code"})
                       .output);
  REQUIRE(rows.size() >= 4);
  // Server 1 was off: its ARP never resolved, so no RRQ reached the wire; server 2 answered.
  CHECK(rows[0] == std::vector<std::string>{"10.0.10.12", "1", std::string(config_file), ""});
  CHECK(rows.back() == std::vector<std::string>{"10.0.10.50", "5", "", "1"});
}

TEST_CASE("HTTP 6970 over simulated TCP: the config file, and 404 for the CTL file",
          "[lab][http]") {
  TestLab lab(507, "http-6970");
  const provisioning::Database db = cluster_database();
  provisioning::ConfigFiles files(db);
  ConfigServerNode cucm(lab, "cucm1", 0x0050568a0011ULL, "10.0.10.11", files);
  lab.add_router();
  HostSpec phone_spec;
  phone_spec.name = "phone1";
  phone_spec.mac = mac(0x001b54aabbccULL);
  phone_spec.port = netsim::SwitchPortConfig::access(1, voice_vlan);
  phone_spec.tag = wire::VlanTag{voice_vlan, 3};
  phone_spec.address = prefix("10.1.100.20/24");
  phone_spec.gateway = ip("10.1.100.1");
  netsim::Host& phone_host = lab.add_host(phone_spec);
  http::ClientConfig client_config;
  client_config.user_agent = "Cisco-CP8861/14.2.1";
  http::Client client(client_config);
  StreamDriver<http::Client> phone(phone_host, client, tcp_config("phone1"), &lab.log());
  std::vector<http::Response> responses;
  phone.set_event_handler([&](const http::ClientEvent& e) {
    if (e.kind != http::ClientEventKind::request_sent) responses.push_back(*client.take_result());
  });
  cucm.open();
  REQUIRE_FALSE(phone.open());

  const tftp::Endpoint server{ip("10.0.10.11"), 6970};
  phone.update(
      [&](http::Client& c, Time now) { return c.get(now, server, std::string(ctl_file)); });
  lab.sim().run_for(5s);
  phone.update(
      [&](http::Client& c, Time now) { return c.get(now, server, std::string(config_file)); });
  lab.sim().run_for(5s);

  REQUIRE(responses.size() == 2);
  CHECK(responses[0].ok());
  CHECK(responses[0].status == 404);
  CHECK(responses[1].ok());
  CHECK(responses[1].status == 200);
  CHECK(responses[1].content_type == "text/xml");
  const std::string body = string_of(responses[1].body);
  CHECK(body == provisioning::generate_device_config(db, *db.device("SEP001B54AABBCC")));
  const auto parsed = provisioning::parse_device_config(body, "CP-8861", config_file);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->call_managers.size() == 1);
  CHECK(parsed->call_managers[0].address == "10.0.10.11");
  CHECK(parsed->load_information == "sip88xx.14-2-1-0001-14");
  CHECK(cucm.http_server.counters().not_found == 1);
  CHECK(cucm.http_server.counters().ok == 1);
  // Both connections are gone on both sides (FIN both ways, TIME-WAIT on the closer aside).
  CHECK(phone.transport().connection_count() == 0);
  CHECK(cucm.http_driver.transport().connection_count() == 0);
  CHECK(cucm.http_driver.transport().counters().accepted == 2);
  CHECK(lab.log().contains("cucm1", "404"));

  // One file holding several taps would show every TCP segment once per tap, which tshark's TCP
  // reassembly reports as overlapping data (malformed): check each capture point on its own.
  for (const auto* point : {"cucm1", "router"}) {
    INFO("capture point " << point);
    require_clean_capture(lab.capture_of(point));
  }
  const auto capture = lab.capture_of("phone1");
  require_clean_capture(capture);
  const auto http_rows = split_fields(
      run_tshark(capture, {"-d", "tcp.port==6970,http", "-Y", "http", "-T", "fields", "-e",
                           "ip.src", "-e", "http.request.method", "-e", "http.request.uri", "-e",
                           "http.response.code", "-e", "vlan.id"})
          .output);
  REQUIRE(http_rows.size() == 4);
  CHECK(http_rows[0] ==
        std::vector<std::string>{"10.1.100.20", "GET", "/" + std::string(ctl_file), "", "100"});
  CHECK(http_rows[1] == std::vector<std::string>{"10.0.10.11", "", "", "404", "100"});
  CHECK(http_rows[2] ==
        std::vector<std::string>{"10.1.100.20", "GET", "/" + std::string(config_file), "", "100"});
  CHECK(http_rows[3] == std::vector<std::string>{"10.0.10.11", "", "", "200", "100"});
  // tshark 4.0 finds this HTTP even without the decode-as, through its TCP heuristic for HTTP
  // (http_tcp, enabled by default); with the heuristic off only the decode-as finds it, so the
  // decode-as alone is enough.
  const auto heuristic_off = run_tshark(capture, {"--disable-heuristic", "http_tcp", "-Y", "http",
                                                  "-T", "fields", "-e", "frame.number"});
  REQUIRE(heuristic_off.exit_code == 0);
  CHECK(split_fields(heuristic_off.output).empty());
  const auto decode_as_only =
      run_tshark(capture, {"--disable-heuristic", "http_tcp", "-d", "tcp.port==6970,http", "-Y",
                           "http", "-T", "fields", "-e", "frame.number"});
  REQUIRE(decode_as_only.exit_code == 0);
  CHECK(split_fields(decode_as_only.output).size() == 4);
}
