// The phone's HTTP client: against the server engine through an in-memory connection, and fed
// hand-written responses (split at every byte offset, chunked, delimited by the connection's
// end, interim 100, garbage, limits, timeouts).

#include "voicelab/http/client.hpp"

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "http_test_util.hpp"
#include "voicelab/http/server.hpp"

namespace voicelab::test {
namespace {

using namespace std::chrono_literals;

const http::Endpoint cucm{{10, 1, 1, 11}, 6970};
const http::Endpoint phone{{10, 1, 100, 23}, 50123};

TEST_CASE("The client fetches a file from the server engine, then closes", "[http][client]") {
  tftp::MemoryFileSource files;
  files.add("SEP001122334455.cnf.xml", "<device/>\n");
  http::Server server({}, files);
  http::ClientConfig config;
  config.user_agent = "Cisco-CP8861/12.8.1";
  http::Client client(config);

  SECTION("200") {
    const auto id = client.get(0s, cucm, "SEP001122334455.cnf.xml");
    CHECK(id == 1);
    CHECK(client.busy());
    CHECK_THROWS_AS(client.get(0s, cucm, "x"), std::logic_error);
    pump(client, server, 1ms, phone);
    const auto response = client.take_result();
    REQUIRE(response);
    CHECK(response->ok());
    CHECK(response->status == 200);
    CHECK(response->content_type == "text/xml");
    CHECK(std::string(response->body.begin(), response->body.end()) == "<device/>\n");
    CHECK(response->describe() ==
          "GET http://10.1.1.11:6970/SEP001122334455.cnf.xml: HTTP/1.1 200 OK, 10 bytes");
    CHECK_FALSE(client.busy());
    // The request said Connection: close, so the server closed too.
    CHECK(server.open_connections() == 0);
    CHECK_FALSE(client.next_timeout());
  }
  SECTION("404 is an answer") {
    client.get(0s, cucm, "CTLSEP001122334455.tlv");
    pump(client, server, 1ms, phone);
    const auto response = client.take_result();
    REQUIRE(response);
    CHECK(response->ok());
    CHECK(response->status == 404);
    CHECK(response->status_line() == "HTTP/1.1 404 Not Found");
  }
  SECTION("a name that needs %-encoding") {
    files.add("Desktops/320x212x12/List Of Things.xml", "<l/>");
    client.get(0s, cucm, "Desktops/320x212x12/List Of Things.xml");
    pump(client, server, 1ms, phone);
    CHECK(client.take_result()->status == 200);
  }
  SECTION("split into 7-byte segments both ways") {
    client.get(0s, cucm, "SEP001122334455.cnf.xml");
    pump(client, server, 1ms, phone, 7);
    const auto response = client.take_result();
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->body.size() == 10);
  }
  std::vector<std::string> lines;
  while (auto e = client.poll_event()) lines.push_back(e->describe());
  CHECK(lines.size() == 2);
}

// Feeds `response` to a fresh client in two pieces split at `at`, then optionally closes.
http::Response parse(std::string_view response, std::size_t at, bool close_after = false) {
  http::Client client;
  const auto id = client.get(0s, cucm, "f.xml");
  client.handle_connected(0s, id);
  client.handle_bytes(1ms, id, as_bytes(response.substr(0, at)));
  client.handle_bytes(1ms, id, as_bytes(response.substr(at)));
  if (close_after) client.handle_closed(2ms, id);
  auto result = client.take_result();
  REQUIRE(result);
  return *result;
}

TEST_CASE("Responses parse the same split at every byte offset", "[http][client][parsegrind]") {
  struct Sample {
    std::string text;
    bool close_after;
    unsigned status;
    std::string body;
  };
  const std::vector<Sample> samples = {
      {"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 9\r\n\r\n<device/>", false,
       200, "<device/>"},
      {"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", false, 404, ""},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n<dev\r\n5\r\nice/>\r\n0\r\n\r\n",
       false, 200, "<device/>"},
      {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, 200,
       "ok"},
      {"HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n<device/>", true, 200, "<device/>"},
  };
  for (const auto& sample : samples) {
    INFO(sample.text);
    for (std::size_t at = 0; at <= sample.text.size(); ++at) {
      INFO("split at " << at);
      const auto response = parse(sample.text, at, sample.close_after);
      REQUIRE(response.ok());
      CHECK(response.status == sample.status);
      CHECK(std::string(response.body.begin(), response.body.end()) == sample.body);
    }
  }
}

TEST_CASE("Client failures", "[http][client]") {
  SECTION("connection refused") {
    http::Client client;
    const auto id = client.get(0s, cucm, "f.xml");
    const auto open = client.poll_transmit();
    REQUIRE(open);
    CHECK(open->kind == http::StreamOutput::Kind::open);
    CHECK(open->remote == cucm);
    client.handle_closed(1ms, id);
    CHECK(client.take_result()->outcome == http::ResponseOutcome::connect_failed);
  }
  SECTION("closed in the middle of a body") {
    http::Client client;
    const auto id = client.get(0s, cucm, "f.xml");
    client.handle_connected(0s, id);
    client.handle_bytes(1ms, id, as_bytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
    client.handle_closed(2ms, id);
    const auto r = client.take_result();
    CHECK(r->outcome == http::ResponseOutcome::closed);
    CHECK(r->status == 200);
    CHECK(r->body.empty());
  }
  SECTION("timeout") {
    http::ClientConfig config;
    config.timeout = 5s;
    http::Client client(config);
    const auto id = client.get(0s, cucm, "f.xml");
    client.handle_connected(0s, id);
    CHECK(client.next_timeout() == Time{5s});
    client.handle_timeout(4s);
    CHECK(client.busy());
    client.handle_timeout(5s);
    CHECK(client.take_result()->outcome == http::ResponseOutcome::timed_out);
    bool closed = false;
    while (auto o = client.poll_transmit()) {
      if (o->kind == http::StreamOutput::Kind::close) closed = true;
    }
    CHECK(closed);
  }
  SECTION("garbage") {
    const auto r = parse("SSH-2.0-OpenSSH_9.2\r\n\r\n", 5);
    CHECK(r.outcome == http::ResponseOutcome::bad_response);
  }
  SECTION("body over the limit") {
    http::ClientConfig config;
    config.body_limit = 4;
    http::Client client(config);
    const auto id = client.get(0s, cucm, "f.xml");
    client.handle_connected(0s, id);
    client.handle_bytes(1ms, id, as_bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"));
    CHECK(client.take_result()->outcome == http::ResponseOutcome::too_large);
  }
  SECTION("bytes for another connection are ignored") {
    http::Client client;
    const auto id = client.get(0s, cucm, "f.xml");
    client.handle_connected(0s, id);
    client.handle_bytes(1ms, id + 1, as_bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    CHECK(client.busy());
  }
}

TEST_CASE("The request the client writes", "[http][client]") {
  http::Client client;
  const auto id = client.get(0s, cucm, "English_United_States/mk sccp.jar");
  client.handle_connected(0s, id);
  (void)client.poll_transmit();  // open
  const auto send = client.poll_transmit();
  REQUIRE(send);
  CHECK(std::string(send->bytes.begin(), send->bytes.end()) ==
        "GET /English_United_States/mk%20sccp.jar HTTP/1.1\r\nHost: 10.1.1.11:6970\r\n"
        "Connection: close\r\n\r\n");
  CHECK(http::encode_path("a-b_c.d~e/f") == "a-b_c.d~e/f");
  CHECK(http::encode_path("a?b#c%d") == "a%3Fb%23c%25d");
  CHECK(http::encode_path("\xc3\xa9") == "%C3%A9");
}

}  // namespace
}  // namespace voicelab::test
