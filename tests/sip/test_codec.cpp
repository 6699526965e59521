// SIP message codec: start lines, header names (compact forms), folding, list headers, typed
// header values, URIs, the serializer, and the error category.

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "sip_samples.hpp"
#include "voicelab/sip/error.hpp"
#include "voicelab/sip/headers.hpp"
#include "voicelab/sip/message.hpp"
#include "voicelab/sip/parser.hpp"
#include "voicelab/sip/uri.hpp"

namespace voicelab::test {
namespace {

namespace samples = sip_samples;

sip::Message parse_ok(const std::string& text) {
  auto m = sip::parse_message(text);
  INFO("parse error: " << m.error().message());
  REQUIRE(m.ok());
  return std::move(m).value();
}

std::error_code parse_error(const std::string& text) {
  auto m = sip::parse_message(text);
  return m.ok() ? std::error_code{} : m.error();
}

template <class T>
T ok(wire::Result<T> r) {
  INFO("error: " << r.error().message());
  REQUIRE(r.ok());
  return std::move(r).value();
}

TEST_CASE("Cisco REGISTER: start line, header order and every typed value", "[sip][codec]") {
  const auto m = parse_ok(samples::cisco_register);
  CHECK(m.is_request());
  CHECK(m.method == "REGISTER");
  CHECK(m.request_uri == "sip:10.10.10.11");
  CHECK(m.body.empty());

  // Original order kept, as in the trace.
  std::vector<std::string> names;
  for (const auto& h : m.headers) names.push_back(h.name);
  CHECK(names == std::vector<std::string>{"Via", "From", "To", "Call-ID", "Max-Forwards",
                                          "Session-ID", "Date", "CSeq", "User-Agent", "Contact",
                                          "Supported", "Reason", "Content-Length", "Expires"});

  const auto via = ok(sip::top_via(m));
  CHECK(via.protocol_name == "SIP");
  CHECK(via.protocol_version == "2.0");
  CHECK(via.transport == "TCP");
  CHECK(via.host == "10.10.20.31");
  CHECK(via.port == 51534);
  CHECK(via.sent_by() == "10.10.20.31:51534");
  CHECK(via.branch() == "z9hG4bK4a1c2f0e");
  CHECK_FALSE(via.has_rport());

  const auto from = ok(sip::from_header(m));
  CHECK(from.display_name.empty());
  CHECK(from.uri.user == "1001");
  CHECK(from.uri.host == "10.10.10.11");
  CHECK(from.tag() == "0041d25a0f3c6e1b2d3a-7c5f09e4");
  const auto to = ok(sip::to_header(m));
  CHECK_FALSE(to.tag().has_value());
  CHECK(to.uri.to_string() == "sip:1001@10.10.10.11");

  CHECK(ok(sip::call_id_header(m)) == "0041d25a-0f3c0002-5e8a71b2-3c9d04f6@10.10.20.31");
  CHECK(ok(sip::cseq_header(m)) == sip::CSeq{101, "REGISTER"});
  CHECK(ok(sip::max_forwards_header(m)) == 70);
  CHECK(ok(sip::expires_header(m)) == 3600);
  CHECK(m.get("User-Agent") == "Cisco-CP8861/12.8.1");
  CHECK(m.get("date") == "Mon, 24 Nov 2025 06:40:00 GMT");  // comma kept: not a list header
  CHECK(m.values("Supported").size() == 15);
  CHECK(m.values("Supported").front() == "replaces");

  const auto contacts = ok(sip::parse_contacts(m));
  CHECK_FALSE(contacts.star);
  REQUIRE(contacts.contacts.size() == 1);
  const auto& c = contacts.contacts[0];
  CHECK(c.uri.user == "5e1f3a9b-7c2d-4e8f-a1b3-c4d5e6f70819");
  CHECK(c.uri.host == "10.10.20.31");
  CHECK(c.uri.port == 51534);
  CHECK(c.uri.transport() == "tcp");
  CHECK(c.param("+sip.instance") == "<urn:uuid:00000000-0000-0000-0000-0041d25a0f3c>");
  CHECK(c.param("+u.sip!devicename.ccm.cisco.com") == "SEP0041D25A0F3C");
  CHECK(c.param("+u.sip!model.ccm.cisco.com") == "684");
  CHECK(c.params.size() == 3);
  CHECK(c.params[0].quoted);
  CHECK_FALSE(c.expires().has_value());
  // The Contact re-serialises to exactly what the phone sent.
  CHECK(c.to_string() == samples::cisco_contact);
}

TEST_CASE("CUCM 100 Trying and 200 OK", "[sip][codec]") {
  const auto trying = parse_ok(samples::cucm_trying);
  CHECK(trying.is_response());
  CHECK(trying.status_code == 100);
  CHECK(trying.reason == "Trying");

  const auto m = parse_ok(samples::cucm_ok);
  CHECK(m.status_code == 200);
  CHECK(m.reason == "OK");
  CHECK(ok(sip::to_header(m)).tag() == "1425238398");
  CHECK(m.get("Server") == "Cisco-CUCM11.5");
  CHECK(ok(sip::expires_header(m)) == 120);
  const auto contacts = ok(sip::parse_contacts(m));
  REQUIRE(contacts.contacts.size() == 1);
  CHECK(contacts.contacts[0].expires() == 120);
  CHECK(contacts.contacts[0].param("+u.sip!model.ccm.cisco.com") == "684");
  CHECK(m.values("Supported") ==
        std::vector<std::string_view>{"X-cisco-srtp-fallback", "X-cisco-sis-8.0.0"});
}

TEST_CASE("compact forms, folding, multi-value Via and Contact, quoted commas", "[sip][codec]") {
  const auto m = parse_ok(samples::compact_register);
  CHECK(m.request_uri == "sip:registrar.example.com;transport=udp");
  CHECK(m.body == "hello, world\n");

  // Compact and odd-case names are stored under their full names, order kept.
  REQUIRE(m.headers.size() >= 4);
  CHECK(m.headers[0].name == "Via");
  CHECK(m.headers[1].name == "Via");
  CHECK(m.headers[2].name == "From");
  CHECK(m.headers[3].name == "To");
  CHECK(m.find("i") == m.find("Call-ID"));
  CHECK(m.get("call-id") == "843817637684230@998sdasdh09");
  CHECK(m.count("v") == 2);
  CHECK(m.count("Contact") == 2);
  CHECK(m.get("Content-Type") == "text/plain");
  CHECK(m.values("k") == std::vector<std::string_view>{"path", "outbound"});

  // The folded Via header holds two values; with the next header, three.
  const auto vias = ok(sip::parse_vias(m));
  REQUIRE(vias.size() == 3);
  CHECK(vias[0].sent_by() == "192.0.2.10:5060");
  CHECK(vias[0].has_rport());
  CHECK_FALSE(vias[0].rport().has_value());
  CHECK(vias[0].received() == "198.51.100.7");
  CHECK(vias[1].host == "[2001:db8::9]");
  CHECK(vias[1].port == 5070);
  CHECK(vias[1].branch() == "z9hG4bKoldproxy");
  CHECK(vias[2].transport == "TCP");
  CHECK(vias[2].host == "proxy.example.com");
  CHECK_FALSE(vias[2].port.has_value());

  const auto from = ok(sip::from_header(m));
  CHECK(from.display_name == "Doe, John");
  CHECK(from.tag() == "a73kszlfl");

  // Contact: folded header params, a comma inside a quoted display name, an addr-spec whose
  // `;q=` is a header parameter, and a second Contact header.
  const auto contacts = ok(sip::parse_contacts(m));
  REQUIRE(contacts.contacts.size() == 3);
  const auto& desk = contacts.contacts[0];
  CHECK(desk.display_name == "Desk, 1");
  CHECK(desk.expires() == 600);
  CHECK(desk.param("reg-id") == "1");
  CHECK(desk.param("+sip.instance") == "<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>");
  CHECK(desk.uri.transport() == "udp");
  CHECK(contacts.contacts[1].uri.to_string() == "sip:john@198.51.100.7");
  CHECK(contacts.contacts[1].param("q") == "0.5");
  CHECK(contacts.contacts[2].uri.scheme == "sips");

  const auto warnings = ok(sip::parse_warnings(m));
  REQUIRE(warnings.size() == 2);
  CHECK(warnings[0].code == 399);
  CHECK(warnings[0].agent == "cucm.example.com");
  CHECK(warnings[0].text == "Quoted, with a \"comma\"");
  CHECK(warnings[0].to_string() == R"(399 cucm.example.com "Quoted, with a \"comma\"")");
  CHECK(warnings[1].agent == "10.1.1.1:5060");
  CHECK(ok(sip::cseq_header(m)) == sip::CSeq{1826, "REGISTER"});
  CHECK(ok(sip::expires_header(m)) == 7200);
}

TEST_CASE("header folding: continuation lines become one space", "[sip][codec]") {
  const auto m = parse_ok(
      "OPTIONS sip:a@b SIP/2.0\r\n"
      "Subject: I know you're there,\r\n"
      "         pick up the phone\r\n"
      "\t  and talk to me!\r\n"
      "X-Empty:\r\n"
      "Content-Length: 0\r\n\r\n");
  CHECK(m.get("s") == "I know you're there, pick up the phone and talk to me!");
  CHECK(m.get("X-Empty") == "");
  // A continuation with no header before it is malformed.
  CHECK(parse_error("OPTIONS sip:a@b SIP/2.0\r\n  folded: x\r\n\r\n") == sip::errc::bad_header);
}

TEST_CASE("split_list honours quotes, escapes and angle brackets", "[sip][codec]") {
  using V = std::vector<std::string_view>;
  CHECK(sip::split_list("a, b ,c") == V{"a", "b", "c"});
  CHECK(sip::split_list("\"x, y\" <sip:a@b>, <sip:c@d;p=1,2>") ==
        V{"\"x, y\" <sip:a@b>", "<sip:c@d;p=1,2>"});
  CHECK(sip::split_list(R"("a\", b" <sip:x@y>, z)") == V{R"("a\", b" <sip:x@y>)", "z"});
  CHECK(sip::split_list(" , ,") == V{});
  CHECK(sip::split_list("\"unterminated, still one") == V{"\"unterminated, still one"});
}

TEST_CASE("star Contact and Contact errors", "[sip][codec]") {
  auto m = sip::Message::request("REGISTER", "sip:10.10.10.11");
  m.add("Contact", "*");
  auto contacts = ok(sip::parse_contacts(m));
  CHECK(contacts.star);
  CHECK(contacts.contacts.empty());
  m.add("m", "<sip:a@b>");
  CHECK(sip::parse_contacts(m).error() == sip::errc::bad_header_value);

  CHECK(sip::parse_name_address("<sip:a@b").error() == sip::errc::bad_header_value);
  CHECK(sip::parse_name_address("\"open <sip:a@b>").error() == sip::errc::bad_header_value);
  CHECK(sip::parse_name_address("<sip:a@b>;=x").error() == sip::errc::bad_header_value);
  CHECK(sip::parse_name_address("<sip:a@b>;p=\"open").error() == sip::errc::bad_header_value);
  CHECK(sip::parse_name_address("<http://x>").error() == sip::errc::bad_uri);
  CHECK(sip::parse_name_address("Bob Smith <sip:b@c>")->display_name == "Bob Smith");
  CHECK(sip::parse_contacts(sip::Message::request("REGISTER", "sip:x"))->contacts.empty());
}

TEST_CASE("Via, CSeq, Warning and number errors", "[sip][codec]") {
  CHECK(sip::parse_via("SIP/2.0/UDP").error() == sip::errc::bad_header_value);
  CHECK(sip::parse_via("SIP/2.0 host").error() == sip::errc::bad_header_value);
  CHECK(sip::parse_via("SIP/2.0/UDP host:99999").error() == sip::errc::bad_header_value);
  CHECK(sip::parse_via("SIP/2.0/UDP 1.2.3.999").error() == sip::errc::bad_header_value);
  CHECK(sip::parse_via("SIP/2.0/UDP h;branch=\"q\"").error() == sip::errc::bad_header_value);
  CHECK(sip::parse_via("SIP/2.0/UDP h;rport=x").error() == sip::errc::bad_header_value);
  CHECK(sip::parse_via("SIP/2.0/UDP h;received=not_a_host").error() == sip::errc::bad_header_value);
  CHECK(sip::parse_via("SIP/2.0/UDP [::1").error() == sip::errc::bad_header_value);
  CHECK(sip::parse_via("SIP/2.0/UDP h ; rport = 5062")->rport() == 5062);
  CHECK(sip::parse_via("SIP/2.0/UDP h;received=2001:db8::1")->received() == "2001:db8::1");

  CHECK(sip::parse_cseq("2147483648 REGISTER").error() == sip::errc::bad_header_value);
  CHECK(sip::parse_cseq("1REGISTER").error() == sip::errc::bad_header_value);
  CHECK(sip::parse_cseq("1 REGISTER x").error() == sip::errc::bad_header_value);
  CHECK(sip::parse_cseq("-1 REGISTER").error() == sip::errc::bad_header_value);
  CHECK(sip::parse_cseq("2147483647 OPTIONS")->number == 2147483647U);

  CHECK(sip::parse_warning("39 a \"t\"").error() == sip::errc::bad_header_value);
  // A code with leading zeros keeps its three digits (found by fuzz_sip_message).
  CHECK(sip::parse_warning("018 a \"t\"")->to_string() == "018 a \"t\"");
  CHECK(sip::parse_warning("399 a t").error() == sip::errc::bad_header_value);
  CHECK(sip::parse_warning("399 a \"t\" junk").error() == sip::errc::bad_header_value);

  CHECK(sip::parse_delta_seconds("0").value() == 0U);
  CHECK(sip::parse_delta_seconds("4294967295").value() == 4294967295U);
  CHECK(sip::parse_delta_seconds("99999999999999999999999").value() == 4294967295U);
  CHECK(sip::parse_delta_seconds("").error() == sip::errc::bad_header_value);
  CHECK(sip::parse_delta_seconds("12a").error() == sip::errc::bad_header_value);

  const auto empty = sip::Message::request("REGISTER", "sip:x");
  CHECK(sip::top_via(empty).error() == sip::errc::missing_header);
  CHECK(sip::cseq_header(empty).error() == sip::errc::missing_header);
  CHECK(sip::from_header(empty).error() == sip::errc::missing_header);
  CHECK(sip::expires_header(empty).error() == sip::errc::missing_header);
}

TEST_CASE("SIP URIs", "[sip][uri]") {
  const auto uri =
      ok(sip::parse_uri("SIP:alice:secret@Example.COM:5070;transport=TCP;lr?subject=x&h=%20"));
  CHECK(uri.scheme == "sip");
  CHECK(uri.user == "alice");
  CHECK(uri.password == "secret");
  CHECK(uri.host == "Example.COM");
  CHECK(uri.port == 5070);
  CHECK(uri.transport() == "tcp");
  CHECK(uri.param("lr") == "");
  CHECK_FALSE(uri.param("maddr").has_value());
  REQUIRE(uri.headers.size() == 2);
  CHECK(uri.headers[1] == std::pair<std::string, std::string>{"h", "%20"});
  CHECK(uri.to_string() == "sip:alice:secret@Example.COM:5070;transport=TCP;lr?subject=x&h=%20");

  CHECK(ok(sip::parse_uri("sips:[2001:db8::1]:5061")).port == 5061);
  CHECK(ok(sip::parse_uri("sip:+1-212-555-1212;phone-context=x@gw.example.com;user=phone")).user ==
        "+1-212-555-1212;phone-context=x");
  CHECK(ok(sip::parse_uri("sip:10.10.10.11")).user.empty());

  for (const char* bad : {"",
                          "sip:",
                          "sip:@host",
                          "tel:+1234",
                          "http://x",
                          "sip:host:",
                          "sip:host:65536",
                          "sip:host:-1",
                          "sip:ho st",
                          "sip:a@b@c",
                          "sip:%zz@host",
                          "sip:user%4@host",
                          "sip:1.2.3.4.5",
                          "sip:256.1.1.1",
                          "sip:-host",
                          "sip:host-",
                          "sip:a..b",
                          "sip:[::1",
                          "sip:[::1]x",
                          "sip:[zz]",
                          "sip:host;",
                          "sip:host;a b",
                          "sip:host?",
                          "sip:host?x",
                          "sip:host?=v",
                          "sip:h<o>st",
                          "sip:a\"b@h"}) {
    INFO(bad);
    CHECK(sip::parse_uri(bad).error() == sip::errc::bad_uri);
  }
}

TEST_CASE("start line errors", "[sip][codec]") {
  const std::string tail = "\r\nContent-Length: 0\r\n\r\n";
  CHECK(parse_error("REGISTER sip:x SIP/3.0" + tail) == sip::errc::bad_version);
  CHECK(parse_error("SIP/2.1 200 OK" + tail) == sip::errc::bad_version);
  CHECK(parse_error("REGISTER sip:x HTTP/1.1" + tail) == sip::errc::bad_start_line);
  CHECK(parse_error("REGISTER  sip:x SIP/2.0" + tail) == sip::errc::bad_start_line);
  CHECK(parse_error("REGISTER sip:x" + tail) == sip::errc::bad_start_line);
  CHECK(parse_error("REG(ISTER sip:x SIP/2.0" + tail) == sip::errc::bad_start_line);
  CHECK(parse_error("REGISTER sip:@x SIP/2.0" + tail) == sip::errc::bad_uri);
  CHECK(parse_error("REGISTER nocolon SIP/2.0" + tail) == sip::errc::bad_uri);
  CHECK(parse_error("SIP/2.0 99 Low" + tail) == sip::errc::bad_status_code);
  CHECK(parse_error("SIP/2.0 700 High" + tail) == sip::errc::bad_status_code);
  CHECK(parse_error("SIP/2.0 2000 OK" + tail) == sip::errc::bad_status_code);
  CHECK(parse_error("SIP/2.0 2x0 OK" + tail) == sip::errc::bad_status_code);
  CHECK(parse_error("SIP/2.0" + tail) == sip::errc::bad_start_line);
  CHECK(parse_error("OPTIONS sip:x SIP/2.0\r\nNoColon\r\n\r\n") == sip::errc::bad_header);
  CHECK(parse_error("OPTIONS sip:x SIP/2.0\r\n: empty\r\n\r\n") == sip::errc::bad_header);
  CHECK(parse_error("OPTIONS sip:x SIP/2.0\r\nA(b): c\r\n\r\n") == sip::errc::bad_header);
  CHECK(parse_error(std::string("OPTIONS sip:x SIP/2.0\r\nA: \0\r\n\r\n", 32)) ==
        sip::errc::bad_line_ending);
  CHECK(parse_error("OPTIONS sip:x SIP/2.0\nA: b\r\n\r\n") == sip::errc::bad_line_ending);
  CHECK(parse_error("OPTIONS sip:x SIP/2.0\r\nA: b\rc\r\n\r\n") == sip::errc::bad_line_ending);

  // Accepted: lower-case version, a status line without reason, a tel: Request-URI.
  CHECK(parse_ok("OPTIONS sip:x sip/2.0" + tail).method == "OPTIONS");
  CHECK(parse_ok("SIP/2.0 200" + tail).reason.empty());
  CHECK(parse_ok("SIP/2.0 404 Not   Found here" + tail).reason == "Not   Found here");
  CHECK(parse_ok("INVITE tel:+1-201-555-0123 SIP/2.0" + tail).request_uri == "tel:+1-201-555-0123");
}

TEST_CASE("serializer: canonical CRLF form, Content-Length computed", "[sip][codec]") {
  // Canonical messages re-serialise byte for byte.
  for (const auto& text : {samples::cisco_register, samples::cucm_trying, samples::cucm_ok,
                           samples::refer_with_body}) {
    CHECK(sip::serialize(parse_ok(text)) == text);
  }
  // A compact, folded message comes out with full names, unfolded values and a right length;
  // parsing that gives the same message.
  const auto compact = parse_ok(samples::compact_register);
  const std::string canonical = sip::serialize(compact);
  CHECK(canonical.find("\r\nCall-ID: 843817637684230@998sdasdh09\r\n") != std::string::npos);
  CHECK(canonical.find("\r\nContent-Length: 13\r\n") != std::string::npos);
  CHECK(canonical.find("\r\n ") == std::string::npos);  // no folding left
  CHECK(parse_ok(canonical) == compact);

  auto m = sip::Message::request("MESSAGE", "sip:a@b");
  m.add("Via", "SIP/2.0/UDP h;branch=z9hG4bK1");
  m.body = "twelve bytes";
  CHECK(sip::serialize(m) ==
        "MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
        "Content-Length: 12\r\n\r\ntwelve bytes");
  m.add("l", "999").add("Content-Length", "5");
  CHECK(sip::serialize(m) ==
        "MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
        "Content-Length: 12\r\n\r\ntwelve bytes");

  m.set("v", "SIP/2.0/TCP x;branch=z9hG4bK2");
  CHECK(m.count("Via") == 1);
  CHECK(m.remove("content-length") == 2);
  CHECK(m.headers.size() == 1);
}

TEST_CASE("make_response copies Via, From, To, Call-ID and CSeq", "[sip][codec]") {
  const auto request = parse_ok(samples::compact_register);
  const auto response = sip::make_response(request, 200, "OK");
  CHECK(response.status_code == 200);
  std::vector<std::string> names;
  for (const auto& h : response.headers) names.push_back(h.name);
  CHECK(names == std::vector<std::string>{"Via", "Via", "From", "To", "Call-ID", "CSeq"});
  CHECK(sip::parse_vias(response)->size() == 3);
}

TEST_CASE("voicelab.sip error category names every value", "[sip][error]") {
  CHECK(std::string(sip::sip_category().name()) == "voicelab.sip");
  for (int v = 0; v <= static_cast<int>(sip::errc::no_magic_cookie); ++v) {
    const std::error_code ec = static_cast<sip::errc>(v);
    INFO(v);
    CHECK(ec.category() == sip::sip_category());
    CHECK(ec.message().find("unknown") == std::string::npos);
  }
  CHECK(std::error_code(sip::errc::need_more).message() !=
        std::error_code(sip::errc::truncated).message());
}

}  // namespace
}  // namespace voicelab::test
