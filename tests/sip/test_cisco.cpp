// The Cisco phone / CUCM registration builders against the trace-derived samples, and the
// formats of the identifiers they draw from the lab's Random.

#include <regex>
#include <string>

#include <catch2/catch.hpp>

#include "sip_samples.hpp"
#include "voicelab/sip/cisco.hpp"
#include "voicelab/sip/headers.hpp"
#include "voicelab/sip/parser.hpp"

namespace voicelab::test {
namespace {

namespace samples = sip_samples;
namespace cisco = sip::cisco;

cisco::RegisterParams sample_params() {
  cisco::RegisterParams p;
  p.mac = wire::MacAddress::from_u64(0x0041d25a0f3cULL);
  p.phone_ip = wire::Ipv4Address{10, 10, 20, 31};
  p.phone_port = 51534;
  p.transport = sip::Transport::tcp;
  p.line = "1001";
  p.registrar = "10.10.10.11";
  p.user_agent = "Cisco-CP8861/12.8.1";
  p.model_id = "684";
  p.cseq = 101;
  p.expires = 3600;
  p.date = "Mon, 24 Nov 2025 06:40:00 GMT";
  p.reason = samples::cisco_reason;
  p.branch = "z9hG4bK4a1c2f0e";
  p.from_tag = "0041d25a0f3c6e1b2d3a-7c5f09e4";
  p.call_id = "0041d25a-0f3c0002-5e8a71b2-3c9d04f6@10.10.20.31";
  p.contact_uuid = "5e1f3a9b-7c2d-4e8f-a1b3-c4d5e6f70819";
  p.session_id = "9a3b2c1d00105000a0000041d25a0f3c;remote=00000000000000000000000000000000";
  return p;
}

cisco::CucmReply sample_reply() {
  cisco::CucmReply reply;
  reply.to_tag = "1425238398";
  reply.date = "Mon, 24 Nov 2025 06:40:00 GMT";
  return reply;
}

TEST_CASE("build_register reproduces the trace-shaped REGISTER byte for byte", "[sip][cisco]") {
  const auto reg = cisco::build_register(sample_params());
  CHECK(sip::serialize(reg) == samples::cisco_register);

  // Without Reason (a refresh) and as a standby keepalive (Expires 0).
  auto p = sample_params();
  p.reason.reset();
  p.expires = 0;
  const auto keepalive = cisco::build_register(p);
  CHECK_FALSE(keepalive.find("Reason"));
  CHECK(keepalive.headers.back().name == "Expires");
  CHECK(keepalive.headers.back().value == "0");

  p.transport = sip::Transport::udp;
  const auto udp = cisco::build_register(p);
  CHECK(sip::top_via(udp)->transport == "UDP");
  CHECK(sip::parse_contacts(udp)->contacts[0].uri.transport() == "udp");
}

TEST_CASE("build_trying and build_register_ok reproduce CUCM's answers", "[sip][cisco]") {
  const auto reg = sip::parse_message(samples::cisco_register).value();
  CHECK(sip::serialize(cisco::build_trying(reg, sample_reply())) == samples::cucm_trying);
  CHECK(sip::serialize(cisco::build_register_ok(reg, sample_reply())) == samples::cucm_ok);

  // A standby node answers Expires 0.
  auto reply = sample_reply();
  reply.expires = 0;
  const auto standby = cisco::build_register_ok(reg, reply);
  CHECK(sip::expires_header(standby).value() == 0);
  CHECK(sip::parse_contacts(standby)->contacts[0].expires() == 0);
}

TEST_CASE("identifiers drawn from Random have the documented shapes", "[sip][cisco]") {
  const auto mac = wire::MacAddress::from_u64(0x0041d25a0f3cULL);
  Random random{7};
  CHECK(std::regex_match(cisco::make_branch(random), std::regex{"z9hG4bK[0-9a-f]{8}"}));
  CHECK(std::regex_match(cisco::make_phone_tag(mac, random),
                         std::regex{"0041d25a0f3c[0-9a-f]{8}-[0-9a-f]{8}"}));
  CHECK(
      std::regex_match(cisco::make_call_id(mac, wire::Ipv4Address{10, 10, 20, 31}, random),
                       std::regex{"0041d25a-0f3c0002-[0-9a-f]{8}-[0-9a-f]{8}@10\\.10\\.20\\.31"}));
  CHECK(
      std::regex_match(cisco::make_contact_uuid(random),
                       std::regex{"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"}));
  CHECK(std::regex_match(cisco::make_session_id(mac, random),
                         std::regex{"[0-9a-f]{8}00105000a0000041d25a0f3c;remote=0{32}"}));
  CHECK(std::regex_match(cisco::make_cucm_tag(random), std::regex{"[1-9][0-9]{0,9}"}));
  CHECK(cisco::instance_id(mac) == "<urn:uuid:00000000-0000-0000-0000-0041d25a0f3c>");
  CHECK(cisco::device_name(mac) == "SEP0041D25A0F3C");

  // Same seed, same REGISTER; another seed, other identifiers.
  auto a = sample_params();
  auto b = sample_params();
  auto c = sample_params();
  Random ra{99};
  Random rb{99};
  Random rc{100};
  cisco::make_register_ids(a, ra);
  cisco::make_register_ids(b, rb);
  cisco::make_register_ids(c, rc);
  CHECK(sip::serialize(cisco::build_register(a)) == sip::serialize(cisco::build_register(b)));
  CHECK(a.branch != c.branch);
  CHECK(a.call_id != c.call_id);
  // Every generated REGISTER parses back to what was built.
  const auto built = cisco::build_register(a);
  CHECK(sip::parse_message(sip::serialize(built)).value() == built);
}

}  // namespace
}  // namespace voicelab::test
