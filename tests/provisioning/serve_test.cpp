// ConfigFiles behind the existing servers: a phone's TFTP download sequence against
// tftp::Server (the in-memory network of the TFTP tests), and GETs on the HTTP 6970 engine.

#include <string>

#include <catch2/catch.hpp>

#include "../http/http_test_util.hpp"
#include "../tftp/tftp_test_util.hpp"
#include "provisioning_test_util.hpp"
#include "voicelab/http/server.hpp"
#include "voicelab/provisioning/device_config.hpp"
#include "voicelab/provisioning/files.hpp"
#include "voicelab/provisioning/trust_list.hpp"
#include "voicelab/tftp/client.hpp"
#include "voicelab/tftp/server.hpp"

namespace voicelab::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("A phone's TFTP sequence against ConfigFiles", "[provisioning][serve][tftp]") {
  const auto db = lab_database();
  provisioning::ConfigFiles files{db};
  Random random{7};
  tftp::Server server({}, files, random);
  tftp::ClientConfig phone_config;
  phone_config.blksize = 1468;
  tftp::Client phone(phone_config, random);
  Network network(1, 1ms);
  const wire::Ipv4Address server_address{10, 1, 1, 11};
  network.attach(server_address, server);
  network.attach({10, 1, 100, 23}, phone);

  const auto download = [&](const std::string& name) {
    phone.start(network.now(), {server_address, 69}, name);
    REQUIRE(network.run(network.now() + 600s));
    auto result = phone.take_result();
    REQUIRE(result.has_value());
    return std::move(*result);
  };

  // The order of PROTOCOL-NOTES.md: CTL (absent, non-secure cluster), ITL, the config.
  const auto ctl = download("CTLSEP001122334455.tlv");
  CHECK(ctl.outcome == tftp::DownloadOutcome::file_not_found);
  const auto itl = download("ITLSEP001122334455.tlv");
  REQUIRE(itl.ok());
  CHECK(provisioning::parse_trust_list(itl.bytes).ok());
  const auto cnf = download("SEP001122334455.cnf.xml");
  REQUIRE(cnf.ok());
  CHECK(cnf.tsize == cnf.bytes.size());
  const auto config =
      provisioning::parse_device_config(as_text(cnf.bytes), "CP-8861", "SEP001122334455.cnf.xml");
  REQUIRE(config.ok());
  CHECK(config->call_managers.size() == 3);

  // The firmware: the descriptor, then a component of a megabyte and a half.
  const auto loads = download(config->load_information + ".loads");
  REQUIRE(loads.ok());
  const auto descriptor = provisioning::parse_load_descriptor(as_text(loads.bytes));
  REQUIRE(descriptor.ok());
  const auto& [kernel_name, kernel_size] = descriptor->files[1];
  const auto kernel = download(kernel_name);
  REQUIRE(kernel.ok());
  CHECK(kernel.bytes.size() == kernel_size);
  CHECK(kernel.bytes == provisioning::generate_load_component(kernel_name, kernel_size));
  CHECK(server.counters().files_not_found == 1);
  CHECK(files.counters().served == 4);
}

TEST_CASE("HTTP 6970 serves the same files and answers 404 for the CTL",
          "[provisioning][serve][http]") {
  const auto db = lab_database();
  provisioning::ConfigFiles files{db};
  http::Server server({}, files);
  server.handle_opened(0s, 1, {{10, 1, 100, 23}, 50123});
  server.handle_bytes(
      0s, 1,
      as_bytes("GET /SEP001122334455.cnf.xml HTTP/1.1\r\nHost: 10.1.1.11:6970\r\n"
               "\r\nGET /CTLSEP001122334455.tlv HTTP/1.1\r\nHost: 10.1.1.11\r\n\r\n"));
  const auto out = drain(server, 1).bytes;
  const std::string xml = provisioning::generate_device_config(db, *db.device(golden_device));
  CHECK(out.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(out.find("Content-Length: " + std::to_string(xml.size()) + "\r\n") != std::string::npos);
  CHECK(out.find(xml) != std::string::npos);
  CHECK(out.find("HTTP/1.1 404 Not Found\r\n") != std::string::npos);
}

}  // namespace
}  // namespace voicelab::test
