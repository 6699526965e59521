// tshark 4.0 reads our REGISTER / 100 Trying / 200 OK as SIP: over TCP (after a three-way
// handshake, with consistent sequence and acknowledgement numbers) and over UDP, wrapped in
// Ethernet/IPv4 by the wire codecs and written with PcapngWriter. No malformed packet, no bad
// checksum (verification on), and the dissector sees the method, status codes and the Contact's
// +sip.instance.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "sip_samples.hpp"
#include "support/temp_dir.hpp"
#include "support/tshark.hpp"
#include "voicelab/sip/cisco.hpp"
#include "voicelab/sip/parser.hpp"
#include "voicelab/wire/ethernet.hpp"
#include "voicelab/wire/ipv4.hpp"
#include "voicelab/wire/pcapng.hpp"
#include "voicelab/wire/tcp.hpp"
#include "voicelab/wire/udp.hpp"

namespace voicelab::test {
namespace {

namespace samples = sip_samples;

struct Endpoint {
  wire::MacAddress mac;
  wire::Ipv4Address ip;
  std::uint16_t port;
};

const Endpoint phone_tcp{wire::MacAddress::from_u64(0x0041d25a0f3cULL), {10, 10, 20, 31}, 51534};
const Endpoint phone_udp{wire::MacAddress::from_u64(0x0041d25a0f3cULL), {10, 10, 20, 31}, 5060};
const Endpoint cucm{wire::MacAddress::from_u64(0x005056a1b2c3ULL), {10, 10, 10, 11}, 5060};

wire::Bytes bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

class Capture {
 public:
  explicit Capture(const std::string& path) : writer_(path) {
    interface_ = writer_.add_interface("phone1");
  }

  void tcp(const Endpoint& from, const Endpoint& to, std::uint32_t seq, std::uint32_t ack,
           std::uint8_t flags, std::string_view payload = {}) {
    wire::TcpHeader header;
    header.src_port = from.port;
    header.dst_port = to.port;
    header.seq = seq;
    header.ack = ack;
    header.flags = flags;
    header.window = 64240;
    if ((flags & wire::tcp_flag::syn) != 0) header.mss = 1460;
    std::array<std::uint8_t, 1600> buffer{};
    auto out = wire::MutableBytes{buffer};
    const auto length =
        wire::encode_tcp(out.subspan(34), from.ip, to.ip, header, bytes_of(payload));
    REQUIRE(length.ok());
    finish(buffer, from, to, wire::ip_protocol::tcp, *length);
  }

  void udp(const Endpoint& from, const Endpoint& to, std::string_view payload) {
    std::array<std::uint8_t, 1600> buffer{};
    auto out = wire::MutableBytes{buffer};
    const auto length =
        wire::encode_udp(out.subspan(34), from.ip, to.ip, from.port, to.port, bytes_of(payload));
    REQUIRE(length.ok());
    finish(buffer, from, to, wire::ip_protocol::udp, *length);
  }

  void flush() { writer_.flush(); }

 private:
  void finish(std::array<std::uint8_t, 1600>& buffer, const Endpoint& from, const Endpoint& to,
              std::uint8_t protocol, std::size_t transport_length) {
    auto out = wire::MutableBytes{buffer};
    wire::EthernetHeader ethernet;
    ethernet.src = from.mac;
    ethernet.dst = to.mac;
    ethernet.type_or_length = wire::ethertype::ipv4;
    REQUIRE(wire::encode_ethernet_header(out, ethernet).ok());
    wire::Ipv4Header ip;
    ip.dscp = wire::dscp::cs3;  // SIP signalling
    ip.identification = ++ip_id_;
    ip.dont_fragment = true;
    ip.protocol = protocol;
    ip.src = from.ip;
    ip.dst = to.ip;
    REQUIRE(wire::encode_ipv4_header(out.subspan(14), ip, transport_length).ok());
    const std::size_t length = wire::pad_ethernet_frame(out, 34 + transport_length);
    time_ns_ += 1'000'000;  // 1 ms apart
    writer_.write_packet(interface_, time_ns_, wire::Bytes{buffer}.first(length));
  }

  wire::PcapngWriter writer_;
  std::uint32_t interface_ = 0;
  std::uint16_t ip_id_ = 0x1000;
  std::uint64_t time_ns_ = 1'700'000'000'000'000'000ULL;
};

// What tshark says about the SIP packets: frame, method, status code, contact parameters.
std::vector<std::vector<std::string>> sip_fields(const std::filesystem::path& capture) {
  const auto result = run_tshark(capture, {"-Y", "sip",
                                           "-T", "fields",
                                           "-E", "occurrence=a",
                                           "-E", "aggregator=|",
                                           "-e", "frame.number",
                                           "-e", "sip.Method",
                                           "-e", "sip.Status-Code",
                                           "-e", "sip.contact.parameter",
                                           "-e", "sip.Via.transport",
                                           "-e", "sip.CSeq.seq"});
  INFO("stderr: " << result.errors);
  REQUIRE(result.exit_code == 0);
  return split_fields(result.output);
}

void check_sip_rows(const std::vector<std::vector<std::string>>& rows,
                    const std::string& transport) {
  REQUIRE(rows.size() == 3);
  for (const auto& row : rows) REQUIRE(row.size() == 6);
  CHECK(rows[0][1] == "REGISTER");
  CHECK(rows[0][3].find("+sip.instance=\"<urn:uuid:00000000-0000-0000-0000-0041d25a0f3c>\"") !=
        std::string::npos);
  CHECK(rows[0][3].find("+u.sip!devicename.ccm.cisco.com=\"SEP0041D25A0F3C\"") !=
        std::string::npos);
  CHECK(rows[0][3].find("+u.sip!model.ccm.cisco.com=\"684\"") != std::string::npos);
  CHECK(rows[1][2] == "100");
  CHECK(rows[2][2] == "200");
  CHECK(rows[2][3].find("expires=120") != std::string::npos);
  for (const auto& row : rows) {
    CHECK(row[4] == transport);
    CHECK(row[5] == "101");
  }
}

TEST_CASE("tshark decodes REGISTER, 100 Trying and 200 OK over TCP", "[sip][tshark]") {
  if (find_tshark().empty()) FAIL(tshark_missing_advice);
  const TempDir dir{"sip-tshark"};
  const auto path = dir / "sip-tcp.pcapng";
  {
    Capture capture{path.string()};
    using namespace wire::tcp_flag;
    const std::string& reg = samples::cisco_register;
    const std::string& trying = samples::cucm_trying;
    const std::string& ok = samples::cucm_ok;
    const auto size = [](const std::string& s) { return static_cast<std::uint32_t>(s.size()); };
    const std::uint32_t phone_isn = 0x3a1b0000;
    const std::uint32_t cucm_isn = 0x7c2e0000;
    std::uint32_t p = phone_isn + 1;  // the phone's next sequence number
    std::uint32_t c = cucm_isn + 1;   // CUCM's
    capture.tcp(phone_tcp, cucm, phone_isn, 0, syn);
    capture.tcp(cucm, phone_tcp, cucm_isn, p, syn | ack);
    capture.tcp(phone_tcp, cucm, p, c, ack);
    capture.tcp(phone_tcp, cucm, p, c, psh | ack, reg);
    p += size(reg);
    capture.tcp(cucm, phone_tcp, c, p, ack);
    capture.tcp(cucm, phone_tcp, c, p, psh | ack, trying);
    c += size(trying);
    capture.tcp(cucm, phone_tcp, c, p, psh | ack, ok);
    c += size(ok);
    capture.tcp(phone_tcp, cucm, p, c, ack);
    capture.flush();
  }
  require_clean_capture(path, 8);
  check_sip_rows(sip_fields(path), "TCP");
}

TEST_CASE("tshark decodes REGISTER, 100 Trying and 200 OK over UDP", "[sip][tshark]") {
  if (find_tshark().empty()) FAIL(tshark_missing_advice);
  // The same exchange built for UDP by the builders.
  sip::cisco::RegisterParams params;
  params.mac = phone_udp.mac;
  params.phone_ip = phone_udp.ip;
  params.phone_port = phone_udp.port;
  params.transport = sip::Transport::udp;
  params.registrar = cucm.ip.to_string();
  params.date = "Mon, 24 Nov 2025 06:40:00 GMT";
  Random random{2025};
  sip::cisco::make_register_ids(params, random);
  const auto reg = sip::cisco::build_register(params);
  sip::cisco::CucmReply reply;
  reply.to_tag = sip::cisco::make_cucm_tag(random);
  reply.date = params.date;

  const TempDir dir{"sip-tshark"};
  const auto path = dir / "sip-udp.pcapng";
  {
    Capture capture{path.string()};
    capture.udp(phone_udp, cucm, sip::serialize(reg));
    capture.udp(cucm, phone_udp, sip::serialize(sip::cisco::build_trying(reg, reply)));
    capture.udp(cucm, phone_udp, sip::serialize(sip::cisco::build_register_ok(reg, reply)));
    capture.flush();
  }
  require_clean_capture(path, 3);
  check_sip_rows(sip_fields(path), "UDP");
}

}  // namespace
}  // namespace voicelab::test
