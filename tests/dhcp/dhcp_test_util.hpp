#pragma once
// Helpers for the DHCP tests: a byte builder for hand-assembled messages, and the reference
// DORA exchange of a Cisco phone assembled byte by byte from the RFC layouts.

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "voicelab/wire/address.hpp"

namespace voicelab::test {

using ByteVector = std::vector<std::uint8_t>;

class Build {
 public:
  Build& u8(unsigned v) {
    out_.push_back(static_cast<std::uint8_t>(v));
    return *this;
  }
  Build& u16(unsigned v) { return u8(v >> 8).u8(v & 0xff); }
  Build& u32(std::uint32_t v) { return u16(v >> 16).u16(v & 0xffff); }
  Build& ip(wire::Ipv4Address a) { return u32(a.to_u32()); }
  Build& raw(std::initializer_list<unsigned> list) {
    for (auto v : list) u8(v);
    return *this;
  }
  Build& raw(const ByteVector& v) {
    out_.insert(out_.end(), v.begin(), v.end());
    return *this;
  }
  Build& text(std::string_view s) {
    out_.insert(out_.end(), s.begin(), s.end());
    return *this;
  }
  Build& zeros(std::size_t n) {
    out_.insert(out_.end(), n, 0);
    return *this;
  }
  Build& pad_to(std::size_t size) {
    if (out_.size() < size) zeros(size - out_.size());
    return *this;
  }
  [[nodiscard]] std::size_t size() const { return out_.size(); }
  [[nodiscard]] const ByteVector& bytes() const { return out_; }
  operator ByteVector() const { return out_; }  // NOLINT(google-explicit-constructor)

 private:
  ByteVector out_;
};

// --- The reference exchange --------------------------------------------------------------------
// A CP-8861 with MAC 00:1b:54:aa:bb:cc on the voice subnet 10.1.100.0/24; the DHCP server is
// 10.1.100.1 on that subnet (not relayed); it offers 10.1.100.10 with router 10.1.100.1, DNS
// 10.0.0.53, domain "voice.lab", a one-day lease and option 150 = 10.0.0.10, 10.0.0.11.
// Layout: RFC 2131 §2 (figure 1: the fixed BOOTP part, 236 bytes, then the magic cookie),
// option formats: RFC 2132 (§3.3 mask, §3.5 router, §3.8 DNS, §3.14 host name, §3.17 domain,
// §9.1 requested address, §9.2 lease time, §9.6 message type, §9.7 server id, §9.8 parameter
// request list, §9.11 T1, §9.12 T2, §9.13 vendor class, §9.14 client id), option 150: RFC 5859
// §3 (code 150, length 4*n, the addresses). Options are in the order voicelab's encoder uses
// (53 first, then ascending); the messages are zero-padded to 300 bytes (RFC 951's BOOTP size).

inline constexpr std::uint32_t reference_xid = 0xa1b2c3d4;
inline const wire::MacAddress reference_mac = wire::MacAddress::from_u64(0x001b54aabbccULL);
inline constexpr std::string_view reference_vendor_class = "Cisco Systems, Inc. IP Phone CP-8861";
inline constexpr std::string_view reference_host_name = "SEP001B54AABBCC";

// The fixed part up to and including the magic cookie.
inline Build bootp_header(unsigned op, std::uint32_t xid, unsigned flags, wire::Ipv4Address ciaddr,
                          wire::Ipv4Address yiaddr, wire::Ipv4Address siaddr,
                          wire::Ipv4Address giaddr) {
  Build b;
  b.u8(op).u8(1).u8(6).u8(0);  // op, htype Ethernet, hlen 6, hops 0
  b.u32(xid);
  b.u16(0).u16(flags);  // secs, flags
  b.ip(ciaddr).ip(yiaddr).ip(siaddr).ip(giaddr);
  b.raw({0x00, 0x1b, 0x54, 0xaa, 0xbb, 0xcc}).zeros(10);  // chaddr (16 bytes)
  b.zeros(64);                                            // sname
  b.zeros(128);                                           // file
  b.raw({0x63, 0x82, 0x53, 0x63});                        // magic cookie 99.130.83.99
  return b;
}

inline ByteVector reference_discover() {
  Build b = bootp_header(1, reference_xid, 0x8000, {}, {}, {}, {});
  b.raw({53, 1, 1});                                      // DHCPDISCOVER
  b.raw({12, 15}).text(reference_host_name);              // host name
  b.raw({55, 7, 1, 66, 6, 3, 15, 150, 35});               // parameter request list
  b.raw({60, 36}).text(reference_vendor_class);           // vendor class identifier
  b.raw({61, 7, 1, 0x00, 0x1b, 0x54, 0xaa, 0xbb, 0xcc});  // client id: type 1 + MAC
  b.u8(255);                                              // end
  return b.pad_to(300);
}

inline ByteVector reference_request() {
  Build b = bootp_header(1, reference_xid, 0x8000, {}, {}, {}, {});
  b.raw({53, 1, 3});  // DHCPREQUEST
  b.raw({12, 15}).text(reference_host_name);
  b.raw({50, 4, 10, 1, 100, 10});  // requested address 10.1.100.10
  b.raw({54, 4, 10, 1, 100, 1});   // server identifier 10.1.100.1
  b.raw({55, 7, 1, 66, 6, 3, 15, 150, 35});
  b.raw({60, 36}).text(reference_vendor_class);
  b.raw({61, 7, 1, 0x00, 0x1b, 0x54, 0xaa, 0xbb, 0xcc});
  b.u8(255);
  return b.pad_to(300);
}

// OFFER (type 2) or ACK (type 5) from the server.
inline ByteVector reference_reply(unsigned type) {
  Build b = bootp_header(2, reference_xid, 0x8000, {}, wire::Ipv4Address{10, 1, 100, 10}, {}, {});
  b.raw({53, 1, type});
  b.raw({1, 4, 255, 255, 255, 0});                        // subnet mask
  b.raw({3, 4, 10, 1, 100, 1});                           // router
  b.raw({6, 4, 10, 0, 0, 53});                            // DNS server
  b.raw({15, 9}).text("voice.lab");                       // domain name
  b.raw({51, 4, 0x00, 0x01, 0x51, 0x80});                 // lease 86400 s
  b.raw({54, 4, 10, 1, 100, 1});                          // server identifier
  b.raw({58, 4, 0x00, 0x00, 0xa8, 0xc0});                 // T1 43200 s
  b.raw({59, 4, 0x00, 0x01, 0x27, 0x50});                 // T2 75600 s
  b.raw({61, 7, 1, 0x00, 0x1b, 0x54, 0xaa, 0xbb, 0xcc});  // client id echoed (RFC 6842)
  b.raw({150, 8, 10, 0, 0, 10, 10, 0, 0, 11});            // TFTP server addresses
  b.u8(255);
  return b.pad_to(300);
}

inline ByteVector reference_offer() { return reference_reply(2); }
inline ByteVector reference_ack() { return reference_reply(5); }

}  // namespace voicelab::test
