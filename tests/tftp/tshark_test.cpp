// tshark 4.0 reads what the engines put on the wire as TFTP: a real exchange between the client
// and server engines (RRQ with blksize/tsize/timeout, OACK, ACK 0, DATA, ACK, and an ERROR for a
// missing CTL file), wrapped in Ethernet/IPv4/UDP by the wire codecs and written with
// PcapngWriter. No malformed packet, no bad checksum, and the dissector sees the fields we meant.

#include "support/tshark.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"
#include "tftp_test_util.hpp"
#include "voicelab/tftp/client.hpp"
#include "voicelab/tftp/server.hpp"
#include "voicelab/wire/ethernet.hpp"
#include "voicelab/wire/ipv4.hpp"
#include "voicelab/wire/pcapng.hpp"
#include "voicelab/wire/udp.hpp"

namespace voicelab::test {
namespace {

using namespace std::chrono_literals;

const wire::Ipv4Address server_ip{10, 1, 1, 11};
const wire::Ipv4Address phone_ip{10, 1, 100, 23};
const auto server_mac = wire::MacAddress::from_u64(0x005056a1b2c3ULL);
const auto phone_mac = wire::MacAddress::from_u64(0x001122334455ULL);

// Writes every datagram of a Network into a pcapng file as Ethernet/IPv4/UDP.
class UdpCapture {
 public:
  explicit UdpCapture(const std::string& path) : writer_(path) {
    interface_ = writer_.add_interface("tftp-lab");
  }

  void write(const WireDatagram& d) {
    std::vector<std::uint8_t> frame(14 + 20 + 8 + d.payload.size() + 64);
    auto out = wire::MutableBytes{frame};
    const auto udp_length = wire::encode_udp(out.subspan(34), d.from.address, d.to.address,
                                             d.from.port, d.to.port, d.payload);
    REQUIRE(udp_length.ok());
    wire::EthernetHeader ethernet;
    ethernet.src = d.from.address == server_ip ? server_mac : phone_mac;
    ethernet.dst = d.from.address == server_ip ? phone_mac : server_mac;
    ethernet.type_or_length = wire::ethertype::ipv4;
    REQUIRE(wire::encode_ethernet_header(out, ethernet).ok());
    wire::Ipv4Header ip;
    ip.identification = ++ip_id_;
    ip.protocol = wire::ip_protocol::udp;
    ip.src = d.from.address;
    ip.dst = d.to.address;
    REQUIRE(wire::encode_ipv4_header(out.subspan(14), ip, *udp_length).ok());
    const std::size_t length = wire::pad_ethernet_frame(out, 34 + *udp_length);
    writer_.write_packet(interface_, static_cast<std::uint64_t>(d.sent.count()),
                         wire::Bytes{frame}.first(length));
  }
  void flush() { writer_.flush(); }

 private:
  wire::PcapngWriter writer_;
  std::uint32_t interface_ = 0;
  std::uint16_t ip_id_ = 0x2000;
};

TEST_CASE("tshark decodes an engine-made TFTP exchange without malformed packets",
          "[tftp][tshark]") {
  if (find_tshark().empty()) FAIL(tshark_missing_advice);
  const TempDir dir{"tftp-tshark"};
  const auto path = dir / "tftp.pcapng";
  std::size_t datagrams = 0;
  {
    UdpCapture capture{path.string()};
    tftp::MemoryFileSource files;
    files.add("SEP001122334455.cnf.xml", pattern_file(3000));
    Random random{42};
    Network network{43, 1ms};
    network.on_send = [&](const WireDatagram& d) {
      capture.write(d);
      ++datagrams;
    };
    tftp::Server server({}, files, random);
    tftp::ClientConfig phone;
    phone.blksize = 1428;
    phone.timeout = 3;
    tftp::Client client(phone, random);
    network.attach(server_ip, server);
    network.attach(phone_ip, client);

    client.start(0s, {server_ip, 69}, "CTLSEP001122334455.tlv");
    REQUIRE(network.run(10s));
    REQUIRE(client.take_result()->outcome == tftp::DownloadOutcome::file_not_found);
    client.start(network.now(), {server_ip, 69}, "SEP001122334455.cnf.xml");
    REQUIRE(network.run(network.now() + 10s));
    REQUIRE(client.take_result()->ok());
    capture.flush();
  }
  // RRQ, ERROR; RRQ, OACK, ACK 0, DATA 1..3, ACK 1..3.
  REQUIRE(datagrams == 11);
  require_clean_capture(path, 11);

  const auto result = run_tshark(path, {"-Y", "tftp",
                                        "-T", "fields",
                                        "-E", "occurrence=a",
                                        "-E", "aggregator=|",
                                        "-e", "tftp.opcode",
                                        "-e", "tftp.source_file",
                                        "-e", "tftp.option.name",
                                        "-e", "tftp.option.value",
                                        "-e", "tftp.block",
                                        "-e", "tftp.error.code",
                                        "-e", "tftp.error.message"});
  INFO("stderr: " << result.errors);
  REQUIRE(result.exit_code == 0);
  const auto rows = split_fields(result.output);
  REQUIRE(rows.size() == 11);
  for (const auto& row : rows) REQUIRE(row.size() == 7);
  CHECK(rows[0][0] == "1");
  CHECK(rows[0][1] == "CTLSEP001122334455.tlv");
  CHECK(rows[1][0] == "5");
  CHECK(rows[1][5] == "1");
  CHECK(rows[1][6] == "File not found");
  CHECK(rows[2][0] == "1");
  CHECK(rows[2][1] == "SEP001122334455.cnf.xml");
  CHECK(rows[2][2] == "blksize|tsize|timeout");
  CHECK(rows[2][3] == "1428|0|3");
  CHECK(rows[3][0] == "6");
  CHECK(rows[3][2] == "blksize|tsize|timeout");
  CHECK(rows[3][3] == "1428|3000|3");
  CHECK(rows[4][0] == "4");
  CHECK(rows[4][4] == "0");
  const std::vector<std::string> tail = {"3", "4", "3", "4", "3", "4"};
  for (std::size_t i = 0; i < tail.size(); ++i) {
    CHECK(rows[5 + i][0] == tail[i]);
    CHECK(rows[5 + i][4] == std::to_string(1 + i / 2));
  }
}

}  // namespace
}  // namespace voicelab::test
