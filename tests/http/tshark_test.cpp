// tshark 4.0 reads the engines' HTTP as HTTP: the client engine fetching a config file (200)
// and a missing CTL file (404) from the server engine, each on its own TCP connection built with
// the wire codecs (three-way handshake, consistent sequence and acknowledgement numbers, FINs)
// and written with PcapngWriter. Port 6970 is not HTTP to tshark by default: decoded with
// `-d tcp.port==6970,http`. No malformed packet, no error-level expert info, no bad checksum.

#include "support/tshark.hpp"

#include <array>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "http_test_util.hpp"
#include "support/temp_dir.hpp"
#include "voicelab/wire/ethernet.hpp"
#include "voicelab/wire/ipv4.hpp"
#include "voicelab/wire/pcapng.hpp"
#include "voicelab/wire/tcp.hpp"

namespace voicelab::test {
namespace {

using namespace std::chrono_literals;

const http::Endpoint cucm{{10, 1, 1, 11}, 6970};
const auto cucm_mac = wire::MacAddress::from_u64(0x005056a1b2c3ULL);
const auto phone_mac = wire::MacAddress::from_u64(0x001122334455ULL);

// One TCP connection written into a capture.
class TcpCapture {
 public:
  TcpCapture(wire::PcapngWriter& writer, std::uint32_t interface, http::Endpoint phone,
             std::uint32_t phone_isn, std::uint32_t cucm_isn, std::uint64_t& clock_ns)
      : writer_(writer),
        interface_(interface),
        phone_(phone),
        p_(phone_isn),
        c_(cucm_isn),
        clock_ns_(clock_ns) {}

  void handshake() {
    using namespace wire::tcp_flag;
    segment(true, syn, {});
    ++p_;
    segment(false, syn | ack, {});
    ++c_;
    segment(true, ack, {});
  }
  // Data from the phone (true) or from CUCM, acknowledged by the other side.
  void data(bool from_phone, wire::Bytes bytes) {
    using namespace wire::tcp_flag;
    segment(from_phone, psh | ack, bytes);
    (from_phone ? p_ : c_) += static_cast<std::uint32_t>(bytes.size());
    segment(!from_phone, ack, {});
  }
  void close() {
    using namespace wire::tcp_flag;
    segment(false, fin | ack, {});
    ++c_;
    segment(true, fin | ack, {});
    ++p_;
    segment(false, ack, {});
  }

 private:
  void segment(bool from_phone, std::uint8_t flags, wire::Bytes payload) {
    const http::Endpoint& from = from_phone ? phone_ : cucm;
    const http::Endpoint& to = from_phone ? cucm : phone_;
    wire::TcpHeader header;
    header.src_port = from.port;
    header.dst_port = to.port;
    header.seq = from_phone ? p_ : c_;
    header.ack = (flags & wire::tcp_flag::ack) != 0 ? (from_phone ? c_ : p_) : 0;
    header.flags = flags;
    header.window = 64240;
    if ((flags & wire::tcp_flag::syn) != 0) header.mss = 1460;
    std::vector<std::uint8_t> frame(14 + 20 + header.size() + payload.size() + 64);
    auto out = wire::MutableBytes{frame};
    const auto tcp_length =
        wire::encode_tcp(out.subspan(34), from.address, to.address, header, payload);
    REQUIRE(tcp_length.ok());
    wire::EthernetHeader ethernet;
    ethernet.src = from_phone ? phone_mac : cucm_mac;
    ethernet.dst = from_phone ? cucm_mac : phone_mac;
    ethernet.type_or_length = wire::ethertype::ipv4;
    REQUIRE(wire::encode_ethernet_header(out, ethernet).ok());
    wire::Ipv4Header ip;
    ip.identification = ++ip_id_;
    ip.dont_fragment = true;
    ip.protocol = wire::ip_protocol::tcp;
    ip.src = from.address;
    ip.dst = to.address;
    REQUIRE(wire::encode_ipv4_header(out.subspan(14), ip, *tcp_length).ok());
    const std::size_t length = wire::pad_ethernet_frame(out, 34 + *tcp_length);
    clock_ns_ += 500'000;
    writer_.write_packet(interface_, clock_ns_, wire::Bytes{frame}.first(length));
  }

  wire::PcapngWriter& writer_;
  std::uint32_t interface_;
  http::Endpoint phone_;
  std::uint32_t p_;  // the phone's next sequence number
  std::uint32_t c_;  // CUCM's
  std::uint64_t& clock_ns_;
  std::uint16_t ip_id_ = 0x3000;
};

// tshark's complaints about a capture whose port 6970 is decoded as HTTP.
std::vector<std::string> http_problems(const std::filesystem::path& capture, std::size_t& packets) {
  std::vector<std::string> args = checksum_preferences();
  for (const char* a : {"-d", "tcp.port==6970,http", "-T", "fields", "-E", "occurrence=a", "-E",
                        "aggregator=,", "-e", "frame.number", "-e", "_ws.malformed", "-e",
                        "_ws.expert.severity", "-e", "_ws.expert.message"}) {
    args.emplace_back(a);
  }
  const auto result = run_tshark(capture, args);
  INFO("stderr: " << result.errors);
  REQUIRE(result.exit_code == 0);
  std::vector<std::string> problems;
  packets = 0;
  for (const auto& row : split_fields(result.output)) {
    ++packets;
    REQUIRE(row.size() == 4);
    if (!row[1].empty()) problems.push_back("frame " + row[0] + ": malformed");
    if (row[2].find("8388608") != std::string::npos) {
      problems.push_back("frame " + row[0] + ": " + row[3]);
    }
  }
  return problems;
}

TEST_CASE("tshark decodes engine-made HTTP GET/200 and GET/404 on port 6970", "[http][tshark]") {
  if (find_tshark().empty()) FAIL(tshark_missing_advice);
  const TempDir dir{"http-tshark"};
  const auto path = dir / "http-6970.pcapng";
  std::string config(1800, 'x');  // two segments at 1400 bytes
  config = "<device>" + config + "</device>\n";
  {
    wire::PcapngWriter writer{path.string()};
    const auto interface = writer.add_interface("phone1");
    std::uint64_t clock_ns = 1'700'000'000'000'000'000ULL;
    tftp::MemoryFileSource files;
    files.add("SEP001122334455.cnf.xml", config);
    http::Server server({}, files);
    http::Client client;
    std::uint16_t port = 50123;
    for (const std::string name : {"SEP001122334455.cnf.xml", "CTLSEP001122334455.tlv"}) {
      const http::Endpoint phone{{10, 1, 100, 23}, port++};
      TcpCapture tcp{writer, interface, phone, 0x1000'0000U + port, 0x7000'0000U + port, clock_ns};
      tcp.handshake();
      client.get(0s, cucm, name);
      pump(client, server, 0s, phone, 1400,
           [&](bool from_phone, wire::Bytes bytes) { tcp.data(from_phone, bytes); });
      tcp.close();
      REQUIRE(client.take_result()->ok());
    }
    writer.flush();
  }
  // Per connection: 3 handshake, request + ACK, response segments + ACKs, 3 closing.
  std::size_t packets = 0;
  const auto problems = http_problems(path, packets);
  std::string text;
  for (const auto& p : problems) text += p + "\n";
  INFO(text);
  CHECK(problems.empty());
  CHECK(packets == (3 + 2 + 4 + 3) + (3 + 2 + 2 + 3));
  require_clean_capture(path, packets);  // TCP/IP checksums, as plain TCP

  const auto result =
      run_tshark(path, {"-d", "tcp.port==6970,http", "-Y", "http", "-T", "fields", "-e",
                        "http.request.method", "-e", "http.request.uri", "-e", "http.response.code",
                        "-e", "http.content_type", "-e", "http.content_length"});
  INFO("stderr: " << result.errors);
  REQUIRE(result.exit_code == 0);
  const auto rows = split_fields(result.output);
  REQUIRE(rows.size() == 4);
  for (const auto& row : rows) REQUIRE(row.size() == 5);
  CHECK(rows[0][0] == "GET");
  CHECK(rows[0][1] == "/SEP001122334455.cnf.xml");
  CHECK(rows[1][2] == "200");
  CHECK(rows[1][3] == "text/xml");
  CHECK(rows[1][4] == std::to_string(config.size()));
  CHECK(rows[2][0] == "GET");
  CHECK(rows[2][1] == "/CTLSEP001122334455.tlv");
  CHECK(rows[3][2] == "404");
}

}  // namespace
}  // namespace voicelab::test
