#pragma once
// A bench for the registrar engine: a directory, phones that build their REGISTERs with
// sip::cisco, and helpers that drain the engine's outputs into parsed SIP messages.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "voicelab/cucm/directory.hpp"
#include "voicelab/cucm/registrar.hpp"
#include "voicelab/sip/cisco.hpp"
#include "voicelab/sip/error.hpp"
#include "voicelab/sip/headers.hpp"
#include "voicelab/sip/parser.hpp"
#include "voicelab/wire/random.hpp"

namespace voicelab::test::cucm_bench {

namespace cucm = voicelab::cucm;
namespace sip = voicelab::sip;

inline const wire::Ipv4Address node_ip{10, 10, 10, 11};

// A phone of the lab: MAC 00:41:d2:5a:0f:<n>, address 10.10.20.<n>.
struct Phone {
  wire::MacAddress mac;
  wire::Ipv4Address ip;
  std::uint16_t port = 51534;
  sip::Transport transport = sip::Transport::tcp;
  std::map<std::string, sip::cisco::RegisterParams> lines;  // per DN: ids kept for refreshes

  [[nodiscard]] std::string name() const { return sip::cisco::device_name(mac); }

  // The next REGISTER for `dn`: the first one draws identifiers; later ones keep Call-ID, tags
  // and Contact, take a new branch and CSeq + 1 (what a refresh looks like).
  sip::Message next_register(std::string_view dn, std::uint32_t expires, Random& random) {
    auto [it, fresh] = lines.try_emplace(std::string(dn));
    sip::cisco::RegisterParams& p = it->second;
    if (fresh) {
      p.mac = mac;
      p.phone_ip = ip;
      p.phone_port = port;
      p.transport = transport;
      p.line = std::string(dn);
      p.registrar = node_ip.to_string();
      p.date = "Mon, 24 Nov 2025 06:40:00 GMT";
      sip::cisco::make_register_ids(p, random);
    } else {
      p.branch = sip::cisco::make_branch(random);
      ++p.cseq;
    }
    p.expires = expires;
    return sip::cisco::build_register(p);
  }
};

inline Phone make_phone(std::uint8_t n, sip::Transport transport = sip::Transport::tcp) {
  Phone phone;
  phone.mac = wire::MacAddress::from_u64(0x0041d25a0f00ULL + n);
  phone.ip = wire::Ipv4Address{10, 10, 20, n};
  phone.transport = transport;
  return phone;
}

inline cucm::DirectoryDevice device_for(const Phone& phone, std::vector<std::string> dns,
                                        std::vector<std::string> group = {"cucm1", "cucm2"}) {
  cucm::DirectoryDevice d;
  d.name = phone.name();
  d.model = "Cisco 8861";
  d.description = "Phone " + phone.ip.to_string();
  d.line_dns = std::move(dns);
  d.call_manager_group = std::move(group);
  return d;
}

// What one TCP connection received from the engine.
struct Peer {
  sip::StreamParser parser;
  std::vector<sip::Message> messages;
  std::string raw;  // every byte received, in order
  bool closed = false;
};

struct Bench {
  cucm::MemoryDirectory directory;
  Random random{7};
  Random phone_random{11};
  cucm::Registrar registrar;
  std::map<cucm::ConnectionId, Peer> peers;
  std::vector<cucm::OutgoingDatagram> datagrams;

  explicit Bench(cucm::RegistrarConfig config = {})
      : registrar(std::move(config), directory, random) {}

  // Moves every pending stream command and datagram into `peers` / `datagrams`.
  void drain() {
    while (auto command = registrar.poll_stream()) {
      if (const auto* send = std::get_if<cucm::SendBytes>(&*command)) {
        Peer& peer = peers[send->conn];
        REQUIRE_FALSE(peer.closed);  // nothing may follow a close
        peer.raw.append(send->bytes.begin(), send->bytes.end());
        std::string_view data(reinterpret_cast<const char*>(send->bytes.data()),
                              send->bytes.size());
        while (!data.empty()) {
          std::error_code ec;
          const std::size_t used = peer.parser.put(data, ec);
          data.remove_prefix(used);
          if (ec == sip::errc::need_more) break;
          REQUIRE_FALSE(ec);  // the engine only ever sends well-framed SIP
          peer.messages.push_back(peer.parser.release());
        }
      } else {
        peers[std::get<cucm::CloseConnection>(*command).conn].closed = true;
      }
    }
    while (auto d = registrar.poll_datagram()) datagrams.push_back(std::move(*d));
  }

  std::vector<cucm::RegistrarEvent> events() {
    std::vector<cucm::RegistrarEvent> out;
    while (auto e = registrar.poll_event()) out.push_back(std::move(*e));
    return out;
  }

  // Connects `phone` on `conn` (when not yet connected) and sends `message` over it; returns the
  // messages the engine answered with.
  std::vector<sip::Message> tcp(Time now, cucm::ConnectionId conn, const Phone& phone,
                                const sip::Message& message) {
    if (!peers.contains(conn)) {
      registrar.handle_accepted(now, conn, phone.ip, phone.port);
      peers[conn];
    }
    const std::size_t before = peers[conn].messages.size();
    registrar.handle_bytes(now, conn, sip::serialize(message));
    drain();
    const auto& all = peers[conn].messages;
    return {all.begin() + static_cast<std::ptrdiff_t>(before), all.end()};
  }

  // Sends `payload` from the phone over UDP; returns the datagrams answered, parsed.
  std::vector<sip::Message> udp(Time now, const Phone& phone, std::string_view payload) {
    const std::size_t before = datagrams.size();
    registrar.handle_datagram(now, phone.ip, phone.port, payload);
    drain();
    std::vector<sip::Message> out;
    for (std::size_t i = before; i < datagrams.size(); ++i) {
      CHECK(datagrams[i].address == phone.ip);
      CHECK(datagrams[i].port == phone.port);
      const auto& bytes = datagrams[i].payload;
      auto parsed = sip::parse_message(
          std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
      REQUIRE(parsed);
      out.push_back(std::move(parsed).value());
    }
    return out;
  }
};

inline std::string warning_text(const sip::Message& m) {
  const auto warnings = sip::parse_warnings(m);
  if (!warnings || warnings->empty()) return {};
  return warnings->front().text;
}

}  // namespace voicelab::test::cucm_bench
