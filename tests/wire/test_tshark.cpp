// Captures written by PcapngWriter from frames built by the wire encoders, read back by tshark:
// the encoders' checksums and layouts and the pcapng blocks are judged by an independent
// implementation.

#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"
#include "support/tshark.hpp"
#include "voicelab/wire/arp.hpp"
#include "voicelab/wire/checksum.hpp"
#include "voicelab/wire/ethernet.hpp"
#include "voicelab/wire/ipv4.hpp"
#include "voicelab/wire/pcapng.hpp"
#include "voicelab/wire/tcp.hpp"
#include "voicelab/wire/udp.hpp"

using namespace voicelab::wire;

namespace {

const MacAddress phone_mac = MacAddress::from_u64(0x001122334455);
const MacAddress gateway_mac = MacAddress::from_u64(0x00aabbccddee);
const Ipv4Address phone_ip(10, 1, 1, 5);
const Ipv4Address server_ip(10, 1, 1, 1);

// Builds frames into one reusable buffer, as a host stack would.
class FrameBuilder {
 public:
  std::vector<std::uint8_t> arp(const EthernetHeader& ethernet, const ArpPacket& packet) {
    std::size_t length = link(ethernet);
    length += *encode_arp(rest(length), packet);
    return finish(length);
  }

  std::vector<std::uint8_t> udp(const EthernetHeader& ethernet, Ipv4Header ip,
                                std::uint16_t src_port, std::uint16_t dst_port, Bytes payload) {
    const std::size_t ip_at = link(ethernet);
    ip.protocol = ip_protocol::udp;
    const std::size_t udp_length = *encode_udp(rest(ip_at + Ipv4Header::min_size), ip.src, ip.dst,
                                               src_port, dst_port, payload);
    return finish(ip_at + *encode_ipv4_header(rest(ip_at), ip, udp_length) + udp_length);
  }

  std::vector<std::uint8_t> tcp(const EthernetHeader& ethernet, Ipv4Header ip,
                                const TcpHeader& tcp_header, Bytes payload) {
    const std::size_t ip_at = link(ethernet);
    ip.protocol = ip_protocol::tcp;
    const std::size_t tcp_length =
        *encode_tcp(rest(ip_at + Ipv4Header::min_size), ip.src, ip.dst, tcp_header, payload);
    return finish(ip_at + *encode_ipv4_header(rest(ip_at), ip, tcp_length) + tcp_length);
  }

  // An 802.3 frame: the length field counts LLC/SNAP and `payload`, not the padding.
  std::vector<std::uint8_t> llc_snap(EthernetHeader ethernet, const LlcSnapHeader& snap,
                                     Bytes payload) {
    ethernet.type_or_length = static_cast<std::uint16_t>(LlcSnapHeader::size + payload.size());
    std::size_t length = link(ethernet);
    length += *encode_llc_snap(rest(length), snap);
    std::copy(payload.begin(), payload.end(),
              buffer_.begin() + static_cast<std::ptrdiff_t>(length));
    return finish(length + payload.size());
  }

 private:
  std::size_t link(const EthernetHeader& ethernet) {
    return *encode_ethernet_header(buffer_, ethernet);
  }
  MutableBytes rest(std::size_t from) { return MutableBytes{buffer_}.subspan(from); }
  std::vector<std::uint8_t> finish(std::size_t length) {
    const std::size_t padded = pad_ethernet_frame(buffer_, length);
    return {buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(padded)};
  }

  std::array<std::uint8_t, ethernet_max_frame> buffer_{};
};

std::vector<std::uint8_t> counting_payload(std::size_t length) {
  std::vector<std::uint8_t> payload(length);
  for (std::size_t i = 0; i < length; ++i) payload[i] = static_cast<std::uint8_t>(i * 13 + 1);
  return payload;
}

// A CDP v2 PDU with one Device ID TLV; 16 bytes, an even length, so its checksum is plain
// RFC 1071 (PROTOCOL-NOTES.md, CDP).
std::vector<std::uint8_t> cdp_pdu() {
  std::vector<std::uint8_t> pdu = {2,   180, 0,   0,   0x00, 0x01, 0x00, 0x0c,
                                   'S', 'E', 'P', 'T', 'E',  'S',  'T',  '1'};
  store_be16(pdu.data() + 2, internet_checksum(pdu));
  return pdu;
}

struct Expected {
  std::uint32_t interface_id;
  std::string protocols;  // tshark's frame.protocols
  std::vector<std::uint8_t> frame;
  std::string comment;
};

}  // namespace

TEST_CASE("tshark reads our pcapng and finds nothing wrong", "[wire][pcapng][tshark]") {
  if (voicelab::test::find_tshark().empty()) FAIL(voicelab::test::tshark_missing_advice);

  FrameBuilder build;
  const EthernetHeader to_gateway{gateway_mac, phone_mac, std::nullopt, ethertype::ipv4};
  const EthernetHeader to_phone{phone_mac, gateway_mac, std::nullopt, ethertype::ipv4};
  Ipv4Header up;
  up.src = phone_ip;
  up.dst = server_ip;
  up.identification = 0x1000;
  Ipv4Header down = up;
  down.src = server_ip;
  down.dst = phone_ip;
  down.dont_fragment = true;

  std::vector<Expected> packets;
  const auto add = [&](std::uint32_t interface_id, std::string protocols,
                       std::vector<std::uint8_t> frame, std::string comment = {}) {
    packets.push_back({interface_id, std::move(protocols), std::move(frame), std::move(comment)});
  };

  // ARP
  add(0, "eth:ethertype:arp",
      build.arp({MacAddress::broadcast(), phone_mac, std::nullopt, ethertype::arp},
                {arp_op::request, phone_mac, phone_ip, MacAddress{}, server_ip}),
      "step 4: ARP for the gateway");
  add(1, "eth:ethertype:arp",
      build.arp({phone_mac, gateway_mac, std::nullopt, ethertype::arp},
                {arp_op::reply, gateway_mac, server_ip, phone_mac, phone_ip}));

  // UDP: odd, even and empty payloads
  add(0, "eth:ethertype:ip:udp:data", build.udp(to_gateway, up, 50000, 50001, counting_payload(5)));
  add(1, "eth:ethertype:ip:udp:data",
      build.udp(to_phone, down, 50001, 50000, counting_payload(1001)));
  add(0, "eth:ethertype:ip:udp", build.udp(to_gateway, up, 50000, 50001, {}));
  add(1, "eth:ethertype:ip:udp:data",
      build.udp(to_phone, down, 50001, 50000, counting_payload(1472)));

  // UDP whose checksum computes to zero and goes out as ffff
  {
    auto payload = counting_payload(6);
    std::vector<std::uint8_t> frame;
    for (unsigned word = 0; word <= 0xffff; ++word) {
      store_be16(payload.data() + 4, static_cast<std::uint16_t>(word));
      frame = build.udp(to_gateway, up, 50002, 50003, payload);
      if (load_be16(frame.data() + 14 + 20 + 6) == 0xffff) break;
    }
    REQUIRE(load_be16(frame.data() + 14 + 20 + 6) == 0xffff);
    add(0, "eth:ethertype:ip:udp:data", frame, "UDP checksum computed as 0, sent as ffff");
  }

  // TCP: handshake with MSS, data, FIN, RST
  TcpHeader tcp;
  tcp.src_port = 50010;
  tcp.dst_port = 50020;
  tcp.seq = 1000;
  tcp.window = 64240;
  tcp.flags = tcp_flag::syn;
  tcp.mss = 1460;
  add(0, "eth:ethertype:ip:tcp", build.tcp(to_gateway, up, tcp, {}));
  TcpHeader reply = tcp;
  std::swap(reply.src_port, reply.dst_port);
  reply.seq = 5000;
  reply.ack = 1001;
  reply.flags = tcp_flag::syn | tcp_flag::ack;
  reply.mss = 1400;
  add(1, "eth:ethertype:ip:tcp", build.tcp(to_phone, down, reply, {}));
  tcp.mss.reset();
  tcp.seq = 1001;
  tcp.ack = 5001;
  tcp.flags = tcp_flag::ack;
  add(0, "eth:ethertype:ip:tcp", build.tcp(to_gateway, up, tcp, {}));
  tcp.flags = tcp_flag::psh | tcp_flag::ack;
  add(0, "eth:ethertype:ip:tcp:data", build.tcp(to_gateway, up, tcp, counting_payload(333)),
      "data, odd length");
  tcp.seq = 1001 + 333;
  tcp.flags = tcp_flag::fin | tcp_flag::ack;
  add(0, "eth:ethertype:ip:tcp", build.tcp(to_gateway, up, tcp, {}));
  reply.mss.reset();
  reply.seq = 5001;
  reply.ack = 0;
  reply.flags = tcp_flag::rst;
  reply.window = 0;
  add(1, "eth:ethertype:ip:tcp", build.tcp(to_phone, down, reply, {}));

  // 802.1Q: voice VLAN 100, CoS 5, DSCP EF
  Ipv4Header voice = up;
  voice.dscp = dscp::ef;
  add(0, "eth:ethertype:vlan:ethertype:ip:udp:data",
      build.udp({gateway_mac, phone_mac, VlanTag{100, 5, false}, ethertype::ipv4}, voice, 16384,
                16386, counting_payload(160)));

  // 802.3 with LLC/SNAP: CDP, and IPv4 in RFC 1042 encapsulation
  const EthernetHeader cdp_link{MacAddress::from_u64(0x01000ccccccc), phone_mac, std::nullopt, 0};
  add(1, "eth:llc:cdp", build.llc_snap(cdp_link, {0xaa, 0xaa, 0x03, 0x00000c, 0x2000}, cdp_pdu()));
  {
    std::array<std::uint8_t, 64> inner{};
    const auto payload = counting_payload(7);
    const std::size_t udp_length =
        *encode_udp(MutableBytes{inner}.subspan(20), phone_ip, server_ip, 50004, 50005, payload);
    Ipv4Header ip = up;
    ip.protocol = ip_protocol::udp;
    const std::size_t length = *encode_ipv4_header(inner, ip, udp_length) + udp_length;
    add(1, "eth:llc:ip:udp:data",
        build.llc_snap({gateway_mac, phone_mac, std::nullopt, 0},
                       {0xaa, 0xaa, 0x03, 0x000000, ethertype::ipv4}, Bytes{inner}.first(length)));
  }

  const voicelab::test::TempDir dir{"wire-tshark"};
  const auto capture = dir / "wire.pcapng";
  {
    PcapngWriter writer{capture.string()};
    REQUIRE(writer.add_interface("phone1") == 0);
    REQUIRE(writer.add_interface("access1:Gi1/0/1") == 1);
    std::uint64_t now = 1'000'000'000;
    for (const auto& packet : packets) {
      writer.write_packet(packet.interface_id, now, packet.frame, packet.comment);
      now += 1'234'567;
    }
  }

  voicelab::test::require_clean_capture(capture, packets.size());

  const std::vector<std::string> fields = {"frame.number",
                                           "frame.interface_name",
                                           "frame.comment",
                                           "frame.protocols",
                                           "frame.len",
                                           "frame.time_epoch",
                                           "vlan.id",
                                           "vlan.priority",
                                           "ip.dsfield.dscp",
                                           "arp.opcode",
                                           "udp.length",
                                           "tcp.flags",
                                           "tcp.options.mss_val",
                                           "tcp.len",
                                           "llc.oui",
                                           "llc.cisco_pid",
                                           "llc.type",
                                           "cdp.deviceid",
                                           "cdp.checksum.status"};
  auto args = voicelab::test::checksum_preferences();
  args.insert(args.end(), {"-T", "fields"});
  for (const auto& name : fields) args.insert(args.end(), {"-e", name});
  const auto result = voicelab::test::run_tshark(capture, args);
  INFO("stderr: " << result.errors);
  REQUIRE(result.exit_code == 0);
  const auto rows = voicelab::test::split_fields(result.output);
  REQUIRE(rows.size() == packets.size());
  for (const auto& row : rows) REQUIRE(row.size() == fields.size());

  // What tshark shows for `name` in frame `frame_number` (from 1).
  const auto field = [&](std::size_t frame_number, std::string_view name) {
    const auto column = std::find(fields.begin(), fields.end(), name) - fields.begin();
    return rows.at(frame_number - 1).at(static_cast<std::size_t>(column));
  };

  const char* interface_names[] = {"phone1", "access1:Gi1/0/1"};
  for (std::size_t number = 1; number <= packets.size(); ++number) {
    const auto& packet = packets[number - 1];
    INFO("frame " << number << " of:\n" << result.output);
    CHECK(field(number, "frame.number") == std::to_string(number));
    CHECK(field(number, "frame.interface_name") == interface_names[packet.interface_id]);
    CHECK(field(number, "frame.comment") == packet.comment);
    CHECK(field(number, "frame.protocols") == packet.protocols);
    CHECK(field(number, "frame.len") == std::to_string(packet.frame.size()));
    // Nanosecond timestamps: 1 s + (number - 1) x 1.234567 ms.
    const std::string nanoseconds = std::to_string(1'234'567 * (number - 1));
    CHECK(field(number, "frame.time_epoch") ==
          "1." + std::string(9 - nanoseconds.size(), '0') + nanoseconds);
  }
  CHECK(field(1, "arp.opcode") == "1");   // request
  CHECK(field(2, "arp.opcode") == "2");   // reply
  CHECK(field(3, "udp.length") == "13");  // 8 + 5
  CHECK(field(4, "udp.length") == "1009");
  CHECK(field(5, "udp.length") == "8");
  CHECK(field(8, "tcp.flags") == "0x0002");  // SYN
  CHECK(field(8, "tcp.options.mss_val") == "1460");
  CHECK(field(9, "tcp.flags") == "0x0012");  // SYN, ACK
  CHECK(field(9, "tcp.options.mss_val") == "1400");
  CHECK(field(10, "tcp.flags") == "0x0010");  // ACK
  CHECK(field(11, "tcp.flags") == "0x0018");  // PSH, ACK
  CHECK(field(11, "tcp.len") == "333");
  CHECK(field(12, "tcp.flags") == "0x0011");  // FIN, ACK
  CHECK(field(13, "tcp.flags") == "0x0004");  // RST
  CHECK(field(14, "vlan.id") == "100");
  CHECK(field(14, "vlan.priority") == "5");
  CHECK(field(14, "ip.dsfield.dscp") == "46");    // EF
  CHECK(field(15, "llc.oui") == "12");            // 00-00-0c, Cisco (tshark prints it in decimal)
  CHECK(field(15, "llc.cisco_pid") == "0x2000");  // CDP
  CHECK(field(15, "cdp.deviceid") == "SEPTEST1");
  CHECK(field(15, "cdp.checksum.status") == "1");  // good
  CHECK(field(16, "llc.oui") == "0");              // RFC 1042: the PID is an EtherType
  CHECK(field(16, "llc.type") == "0x0800");
  CHECK(field(16, "udp.length") == "15");
}

TEST_CASE("the tshark check catches what it is for", "[wire][pcapng][tshark]") {
  if (voicelab::test::find_tshark().empty()) FAIL(voicelab::test::tshark_missing_advice);
  // Guard against a check that passes everything: one frame with a bad UDP checksum and one
  // truncated IPv4 packet must both be reported.
  FrameBuilder build;
  Ipv4Header ip;
  ip.src = phone_ip;
  ip.dst = server_ip;
  auto frame = build.udp({gateway_mac, phone_mac, std::nullopt, ethertype::ipv4}, ip, 50000, 50001,
                         counting_payload(20));
  frame[14 + 20 + 8] ^= 0xff;

  const voicelab::test::TempDir dir{"wire-tshark"};
  const auto capture = dir / "bad.pcapng";
  {
    PcapngWriter writer{capture.string()};
    writer.add_interface("bad");
    writer.write_packet(0, 0, frame);
    writer.write_packet(0, 1, Bytes{frame}.first(30));
  }
  const auto check = voicelab::test::check_capture(capture);
  CHECK(check.tshark.exit_code == 0);
  CHECK(check.packets == 2);
  std::string problems;
  for (const auto& problem : check.problems) problems += problem + '\n';
  INFO(problems);
  CHECK(problems.find("frame 1: bad udp.checksum.status") != std::string::npos);
  CHECK(problems.find("frame 2: malformed") != std::string::npos);
}
