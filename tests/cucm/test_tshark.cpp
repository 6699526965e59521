// tshark 4.0 reads what the registrar puts on the wire: every REGISTER of a UDP exchange and the
// engine's answers (100 Trying, 200 OK, 404 / 403 / 503 with Warning, 503 with Retry-After),
// wrapped in Ethernet/IPv4/UDP by the wire codecs. No malformed packet, no bad checksum, and the
// dissector reads the status codes, the Warning and the Retry-After.

#include <array>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "harness.hpp"
#include "support/temp_dir.hpp"
#include "support/tshark.hpp"
#include "voicelab/wire/ethernet.hpp"
#include "voicelab/wire/ipv4.hpp"
#include "voicelab/wire/pcapng.hpp"
#include "voicelab/wire/udp.hpp"

namespace voicelab::test {
namespace {

using namespace cucm_bench;

const wire::MacAddress node_mac = wire::MacAddress::from_u64(0x005056a1b2c3ULL);

class UdpCapture {
 public:
  explicit UdpCapture(const std::string& path) : writer_(path) {
    interface_ = writer_.add_interface("cucm1");
  }

  void add(wire::MacAddress src_mac, wire::Ipv4Address src, std::uint16_t src_port,
           wire::MacAddress dst_mac, wire::Ipv4Address dst, std::uint16_t dst_port,
           wire::Bytes payload) {
    std::array<std::uint8_t, 1600> buffer{};
    auto out = wire::MutableBytes{buffer};
    const auto length = wire::encode_udp(out.subspan(34), src, dst, src_port, dst_port, payload);
    REQUIRE(length.ok());
    wire::EthernetHeader ethernet;
    ethernet.src = src_mac;
    ethernet.dst = dst_mac;
    ethernet.type_or_length = wire::ethertype::ipv4;
    REQUIRE(wire::encode_ethernet_header(out, ethernet).ok());
    wire::Ipv4Header ip;
    ip.dscp = wire::dscp::cs3;
    ip.identification = ++ip_id_;
    ip.protocol = wire::ip_protocol::udp;
    ip.src = src;
    ip.dst = dst;
    REQUIRE(wire::encode_ipv4_header(out.subspan(14), ip, *length).ok());
    const std::size_t frame = wire::pad_ethernet_frame(out, 34 + *length);
    time_ns_ += 1'000'000;
    writer_.write_packet(interface_, time_ns_, wire::Bytes{buffer}.first(frame));
  }

  void flush() { writer_.flush(); }

 private:
  wire::PcapngWriter writer_;
  std::uint32_t interface_ = 0;
  std::uint16_t ip_id_ = 0x2000;
  std::uint64_t time_ns_ = 1'700'000'000'000'000'000ULL;
};

TEST_CASE("tshark decodes the registrar's answers without a malformed packet", "[cucm][tshark]") {
  if (find_tshark().empty()) FAIL(tshark_missing_advice);
  cucm::RegistrarConfig config;
  config.max_new_registrations_per_second = 1;
  config.date_epoch = 1763966400;
  Bench bench(config);
  Phone ok = make_phone(90, sip::Transport::udp);
  Phone unknown = make_phone(91, sip::Transport::udp);
  Phone wrong_line = make_phone(92, sip::Transport::udp);
  Phone wrong_node = make_phone(93, sip::Transport::udp);
  Phone throttled = make_phone(94, sip::Transport::udp);
  bench.directory.add(device_for(ok, {"9000"}));
  bench.directory.add(device_for(wrong_line, {"9200"}));
  bench.directory.add(device_for(wrong_node, {"9300"}, {"cucm7"}));
  bench.directory.add(device_for(throttled, {"9400"}));

  const TempDir dir{"cucm-tshark"};
  const auto path = dir / "registrar-udp.pcapng";
  {
    UdpCapture capture{path.string()};
    const auto exchange = [&](Phone& phone, const std::string& dn) {
      const std::string request = sip::serialize(phone.next_register(dn, 3600, bench.phone_random));
      capture.add(phone.mac, phone.ip, phone.port, node_mac, node_ip, 5060,
                  {reinterpret_cast<const std::uint8_t*>(request.data()), request.size()});
      const std::size_t before = bench.datagrams.size();
      bench.registrar.handle_datagram(1s, phone.ip, phone.port, request);
      bench.drain();
      for (std::size_t i = before; i < bench.datagrams.size(); ++i) {
        const auto& d = bench.datagrams[i];
        capture.add(node_mac, node_ip, 5060, phone.mac, d.address, d.port, d.payload);
      }
    };
    exchange(ok, "9000");
    exchange(unknown, "9100");
    exchange(wrong_line, "9999");
    exchange(wrong_node, "9300");
    exchange(throttled, "9400");
    capture.flush();
  }
  require_clean_capture(path, 15);

  const auto result =
      run_tshark(path, {"-Y", "sip.Status-Line", "-T", "fields", "-E", "occurrence=f", "-e",
                        "sip.Status-Code", "-e", "sip.Warning", "-e", "sip.Retry-After"});
  INFO("stderr: " << result.errors);
  REQUIRE(result.exit_code == 0);
  const auto rows = split_fields(result.output);
  REQUIRE(rows.size() == 10);
  std::vector<std::string> finals;
  for (std::size_t i = 1; i < rows.size(); i += 2) {
    CHECK(rows[i - 1].at(0) == "100");
    finals.push_back(rows[i].at(0));
  }
  CHECK(finals == std::vector<std::string>{"200", "404", "403", "503", "503"});
  CHECK(rows[3].at(1) == "399 cucm1 \"Unable to find device/user in database\"");
  CHECK(rows[9].at(2) == "10");
}

}  // namespace
}  // namespace voicelab::test
