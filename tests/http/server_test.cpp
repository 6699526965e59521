// The HTTP config server engine fed with request bytes: status codes, headers, keep-alive,
// pipelining, limits, and "parsegrind" (every request split at every byte offset gives the same
// answer, as Beast's own test/beast/http/basic_parser.cpp does for the parser).

#include "voicelab/http/server.hpp"

#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "http_test_util.hpp"

namespace voicelab::test {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;

const std::string config_xml =
    "<device><deviceProtocol>SIP</deviceProtocol><devicePool><name>Default</name></devicePool>"
    "</device>\n";

class Fixture {
 public:
  explicit Fixture(http::ServerConfig config = {}) : server(std::move(config), files) {
    files.add("SEP001122334455.cnf.xml", config_xml);
    files.add("ITLSEP001122334455.tlv", "\x01\x02\x03"s);
    files.add("English_United_States/be-sccp.jar", "jar");
  }

  ConnectionOutput send(std::string_view request, http::ConnectionId id = 1, Time now = 0s) {
    server.handle_bytes(now, id, as_bytes(request));
    return drain(server, id);
  }

  tftp::MemoryFileSource files;
  http::Server server;
};

std::string ok_xml(bool close = false) {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: " +
         std::to_string(config_xml.size()) + "\r\n" + (close ? "Connection: close\r\n" : "") +
         "\r\n";
}

const std::string get_config =
    "GET /SEP001122334455.cnf.xml HTTP/1.1\r\nHost: 10.1.1.11:6970\r\n\r\n";
const std::string not_found_response =
    "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\n"
    "404 Not Found\n";

TEST_CASE("GET of a config file: 200, text/xml, exact Content-Length and body", "[http][server]") {
  Fixture f;
  f.server.handle_opened(0s, 1, {{10, 1, 100, 23}, 50123});
  const auto out = f.send(get_config);
  CHECK(out.bytes == ok_xml() + config_xml);
  CHECK_FALSE(out.closed);
  const auto e = events(f.server);
  REQUIRE(e.size() == 1);
  CHECK(e[0].kind == http::ServerEventKind::served);
  CHECK(e[0].describe() == "GET /SEP001122334455.cnf.xml from 10.1.100.23: 200 OK, " +
                               std::to_string(config_xml.size()) + " bytes");
  CHECK(f.server.counters().ok == 1);
}

TEST_CASE("HEAD gives the GET headers without a body", "[http][server]") {
  Fixture f;
  const auto out = f.send("HEAD /SEP001122334455.cnf.xml HTTP/1.1\r\nHost: 10.1.1.11:6970\r\n\r\n");
  CHECK(out.bytes == ok_xml());
}

TEST_CASE("Content-Type follows the extension", "[http][server]") {
  Fixture f;
  f.files.add("SEP001122334455.cnf.xml.sgn", "signed");
  f.files.add("Upper.XML", "<x/>");
  const auto type_of = [&](const std::string& path) {
    const auto out = f.send("HEAD /" + path + " HTTP/1.1\r\nHost: h\r\n\r\n");
    const auto at = out.bytes.find("Content-Type: ");
    REQUIRE(at != std::string::npos);
    return out.bytes.substr(at + 14, out.bytes.find("\r\n", at) - at - 14);
  };
  CHECK(type_of("SEP001122334455.cnf.xml") == "text/xml");
  CHECK(type_of("Upper.XML") == "text/xml");
  CHECK(type_of("SEP001122334455.cnf.xml.sgn") == "application/octet-stream");
  CHECK(type_of("ITLSEP001122334455.tlv") == "application/octet-stream");
}

TEST_CASE("A missing file is 404 where TFTP says file not found; the connection stays",
          "[http][server]") {
  Fixture f;
  const auto out = f.send("GET /CTLSEP001122334455.tlv HTTP/1.1\r\nHost: 10.1.1.11:6970\r\n\r\n");
  CHECK(out.bytes == not_found_response);
  CHECK_FALSE(out.closed);
  CHECK(events(f.server).at(0).describe() ==
        "GET /CTLSEP001122334455.tlv from 0.0.0.0: 404 Not Found");
  // HEAD of a missing file: the same headers, no body.
  CHECK(f.send("HEAD /nope.xml HTTP/1.1\r\nHost: h\r\n\r\n").bytes ==
        not_found_response.substr(0, not_found_response.size() - 14));
}

TEST_CASE("Keep-alive: two requests on one connection", "[http][server]") {
  Fixture f;
  CHECK(f.send(get_config).bytes == ok_xml() + config_xml);
  CHECK(f.send("GET /CTLSEP001122334455.tlv HTTP/1.1\r\nHost: h\r\n\r\n").bytes ==
        not_found_response);
  CHECK(f.server.open_connections() == 1);
  CHECK(f.server.counters().requests == 2);
}

TEST_CASE("Pipelined requests are answered in order", "[http][server]") {
  Fixture f;
  const auto out = f.send(get_config + "GET /CTLSEP001122334455.tlv HTTP/1.1\r\nHost: h\r\n\r\n" +
                          "HEAD /SEP001122334455.cnf.xml HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(out.bytes == ok_xml() + config_xml + not_found_response + ok_xml());
}

TEST_CASE("Connection: close is honoured, and bytes after it are ignored", "[http][server]") {
  Fixture f;
  const auto out = f.send(
      "GET /SEP001122334455.cnf.xml HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n" + get_config);
  CHECK(out.bytes == ok_xml(true) + config_xml);
  CHECK(out.closed);
  CHECK(f.server.counters().requests == 1);
  CHECK(f.server.counters().ignored_after_close == get_config.size());
  CHECK(f.server.open_connections() == 0);
}

TEST_CASE("HTTP/1.0 closes unless it asks for keep-alive", "[http][server]") {
  Fixture f;
  auto out = f.send("GET /SEP001122334455.cnf.xml HTTP/1.0\r\n\r\n", 1);
  CHECK(out.bytes == ok_xml(true) + config_xml);
  CHECK(out.closed);
  out = f.send("GET /SEP001122334455.cnf.xml HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 2);
  CHECK(out.bytes.find("Connection: keep-alive\r\n") != std::string::npos);
  CHECK_FALSE(out.closed);
}

TEST_CASE("Other methods are 405 with Allow", "[http][server]") {
  Fixture f;
  for (const std::string method : {"POST", "PUT", "DELETE", "OPTIONS", "PATCH", "BREW"}) {
    INFO(method);
    const auto out = f.send(method +
                            " /SEP001122334455.cnf.xml HTTP/1.1\r\nHost: h\r\n"
                            "Content-Length: 0\r\n\r\n");
    CHECK(out.bytes.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0) == 0);
    CHECK(out.bytes.find("Allow: GET, HEAD\r\n") != std::string::npos);
    CHECK_FALSE(out.closed);
  }
  CHECK(f.server.counters().method_not_allowed == 6);
}

TEST_CASE("Traversal in the target is 403, like TFTP's access violation", "[http][server][path]") {
  Fixture f;
  f.files.add("etc/passwd", "root:x:0:0");
  for (const std::string target : {
           "/../etc/passwd",
           "/%2e%2e/etc/passwd",
           "/%2E%2E%2Fetc%2Fpasswd",
           "/..%2fetc/passwd",
           "//etc/passwd",
           "/English_United_States/../../etc/passwd",
           "/..%5c..%5cwindows%5cwin.ini",
           "/C:/Windows/win.ini",
           "/SEP001122334455.cnf.xml%00.jpg",
           "/./etc/passwd",
           "/etc//passwd",
           "http://10.1.1.11:6970/../etc/passwd",
       }) {
    INFO(target);
    const auto out = f.send("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(out.bytes.rfind("HTTP/1.1 403 Forbidden\r\n", 0) == 0);
    CHECK_FALSE(out.closed);
  }
  CHECK(f.files.lookups() == 0);
  // An absolute-form target to an allowed file is served.
  CHECK(f.send("GET http://10.1.1.11:6970/SEP001122334455.cnf.xml HTTP/1.1\r\nHost: h\r\n\r\n")
            .bytes == ok_xml() + config_xml);
  // A query string is ignored; %-escapes are decoded.
  CHECK(f.send("GET /English_United_States/be%2Dsccp.jar?x=1 HTTP/1.1\r\nHost: h\r\n\r\n")
            .bytes.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
}

TEST_CASE("Garbage is 400 and the connection closes", "[http][server][hostile]") {
  for (const std::string& garbage : {
           "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"s,  // a TLS ClientHello
           "HELLO\r\n\r\n"s,
           "GET\r\n\r\n"s,
           "GET /SEP001122334455.cnf.xml HTTP/1.1\r\nHost h\r\n\r\n"s,  // no colon
           "GET /SEP001122334455.cnf.xml HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n"s,
           "GET /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"s,
           "GET /SEP001122334455.cnf.xml HTTP/1.1\r\n\r\n"s,            // HTTP/1.1 without Host
           "GET SEP001122334455.cnf.xml HTTP/1.1\r\nHost: h\r\n\r\n"s,  // not origin-form
           "GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n"s,
           "GET /%4 HTTP/1.1\r\nHost: h\r\n\r\n"s,
           "\0\0\0\0\r\n\r\n"s,
       }) {
    INFO(garbage);
    Fixture f;
    const auto out = f.send(garbage + get_config);
    CHECK(out.bytes.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
    CHECK(out.bytes.find("Connection: close\r\n") != std::string::npos);
    CHECK(out.closed);
    CHECK(out.closes == 1);
    CHECK(f.server.counters().bad_requests == 1);
    CHECK(f.server.open_connections() == 0);
  }
}

TEST_CASE("Header and body limits", "[http][server][hostile]") {
  http::ServerConfig config;
  config.header_limit = 1024;
  config.body_limit = 100;
  SECTION("a header section over the limit, complete") {
    Fixture f{config};
    const auto out =
        f.send("GET /x HTTP/1.1\r\nHost: h\r\nX-Pad: " + std::string(2000, 'a') + "\r\n\r\n");
    CHECK(out.bytes.rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0) == 0);
    CHECK(out.closed);
  }
  SECTION("a header section that never ends") {
    Fixture f{config};
    ConnectionOutput out;
    for (int i = 0; i < 100 && !out.closed; ++i) {
      out = f.send((i == 0 ? "GET /x HTTP/1.1\r\n" : "") + std::string("X-Pad-") +
                   std::to_string(i) + ": aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
      if (i == 0) CHECK(out.bytes.empty());
    }
    CHECK(out.bytes.rfind("HTTP/1.1 431", 0) == 0);
    CHECK(out.closed);
  }
  SECTION("a body over the limit") {
    Fixture f{config};
    const auto out =
        f.send("GET /x HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n" + std::string(101, 'b'));
    CHECK(out.bytes.rfind("HTTP/1.1 413 Payload Too Large\r\n", 0) == 0);
    CHECK(out.closed);
  }
  SECTION("a body within the limit is read and ignored") {
    Fixture f{config};
    const auto out =
        f.send("GET /SEP001122334455.cnf.xml HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n" +
               std::string(100, 'b') + get_config);
    CHECK(out.bytes == ok_xml() + config_xml + ok_xml() + config_xml);
  }
}

TEST_CASE("Parsegrind: a request split at every byte offset gives the same answer",
          "[http][server][parsegrind]") {
  const std::vector<std::string> samples = {
      get_config,
      "HEAD /SEP001122334455.cnf.xml HTTP/1.1\r\nHost: 10.1.1.11:6970\r\n\r\n",
      "GET /CTLSEP001122334455.tlv HTTP/1.1\r\nHost: h\r\nUser-Agent: Cisco-CP8861\r\n\r\n",
      get_config + "GET /ITLSEP001122334455.tlv HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
      "GET /SEP001122334455.cnf.xml HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello" +
          get_config,
      "GET /SEP001122334455.cnf.xml HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\n\r\n",
      "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi",
      "GET /%2e%2e/etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET /x HTTP/1.1\r\nHost h\r\n\r\n",  // garbage: 400 at every split too
  };
  for (const auto& sample : samples) {
    INFO(sample);
    Fixture whole;
    const auto expected = whole.send(sample);
    REQUIRE_FALSE(expected.bytes.empty());
    for (std::size_t at = 0; at <= sample.size(); ++at) {
      Fixture f;
      f.server.handle_bytes(0s, 7, as_bytes(std::string_view{sample}.substr(0, at)));
      f.server.handle_bytes(0s, 7, as_bytes(std::string_view{sample}.substr(at)));
      INFO("split at " << at);
      CHECK(drain(f.server, 7) == expected);
    }
    // And byte by byte.
    Fixture f;
    for (char c : sample) f.server.handle_bytes(0s, 7, as_bytes(std::string_view{&c, 1}));
    CHECK(drain(f.server, 7) == expected);
  }
}

TEST_CASE("Idle connections are closed; the peer's close is acknowledged", "[http][server]") {
  http::ServerConfig config;
  config.idle_timeout = 30s;
  Fixture f{config};
  f.send(get_config, 1, 0s);
  f.send("GET /x HTTP/1.1\r\n", 2, 10s);  // a request that never completes
  CHECK(f.server.next_timeout() == Time{30s});
  f.server.handle_timeout(29s);
  CHECK(f.server.open_connections() == 2);
  f.server.handle_timeout(30s);
  CHECK(drain(f.server, 1).closed);
  CHECK(f.server.open_connections() == 1);
  f.server.handle_timeout(40s);
  CHECK(f.server.open_connections() == 0);
  CHECK_FALSE(f.server.next_timeout());

  f.send(get_config, 3, 50s);
  f.server.handle_closed(51s, 3);
  CHECK(drain(f.server, 3).closed);
  CHECK(f.server.open_connections() == 0);
  bool peer_closed = false;
  for (const auto& e : events(f.server)) {
    if (e.kind == http::ServerEventKind::peer_closed) peer_closed = true;
  }
  CHECK(peer_closed);
}

TEST_CASE("target_path decodes and strips", "[http][server][path]") {
  CHECK(http::target_path("/a/b%20c.xml?x=1") == "a/b c.xml");
  CHECK(http::target_path("/a#frag") == "a");
  CHECK(http::target_path("/") == "");
  CHECK(http::target_path("HTTP://h:6970/a") == "a");
  CHECK(http::target_path("http://h") == "");
  CHECK(http::target_path("/%2F") == "/");
  CHECK_FALSE(http::target_path("a"));
  CHECK_FALSE(http::target_path("*"));
  CHECK_FALSE(http::target_path(""));
  CHECK_FALSE(http::target_path("/%"));
  CHECK_FALSE(http::target_path("/%4"));
  CHECK_FALSE(http::target_path("/%g0"));
}

}  // namespace
}  // namespace voicelab::test
