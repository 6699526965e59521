// Capture comments: which registration step a captured frame belongs to, and what it is
// ("step 4: DHCP DISCOVER", "step 7: TFTP DATA block 3 (SEP001122334455.cnf.xml)",
// "step 11: SIP REGISTER line 1001"). Decided from the frame itself (protocol, port, file name
// in a TFTP RRQ or HTTP GET, SIP method) and, where the frame alone cannot say (ARP, DNS, TCP
// segments without payload), from the step the phone is in. The notes of a phone's TFTP and
// HTTP transfers are kept per phone-side port, so DATA blocks and responses name their file.

#include <cstdio>
#include <string>
#include <string_view>

#include "runner_lab.hpp"
#include "voicelab/wire/ethernet.hpp"
#include "voicelab/wire/ipv4.hpp"
#include "voicelab/wire/tcp.hpp"
#include "voicelab/wire/udp.hpp"

namespace voicelab::lab::detail {

namespace {

constexpr std::uint16_t cdp_protocol_id = 0x2000;
constexpr std::uint8_t ip_udp = 17;
constexpr std::uint8_t ip_tcp = 6;

std::string_view as_text(wire::Bytes b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

const char* dhcp_type_name(int type) {
  switch (type) {
    case 1:
      return "DISCOVER";
    case 2:
      return "OFFER";
    case 3:
      return "REQUEST";
    case 4:
      return "DECLINE";
    case 5:
      return "ACK";
    case 6:
      return "NAK";
    case 7:
      return "RELEASE";
    case 8:
      return "INFORM";
    default:
      return "message";
  }
}

// BOOTP: chaddr at offset 28; the options after the magic cookie at 236.
struct DhcpInfo {
  wire::MacAddress chaddr;
  int type = 0;
};
std::optional<DhcpInfo> parse_dhcp(wire::Bytes p) {
  if (p.size() < 240) return std::nullopt;
  DhcpInfo info;
  std::array<std::uint8_t, 6> mac{};
  for (std::size_t i = 0; i < 6; ++i) mac[i] = p[28 + i];
  info.chaddr = wire::MacAddress(mac);
  for (std::size_t i = 240; i < p.size();) {
    const std::uint8_t code = p[i];
    if (code == 0) {
      ++i;
      continue;
    }
    if (code == 255 || i + 1 >= p.size()) break;
    const std::size_t len = p[i + 1];
    if (code == 53 && len >= 1 && i + 2 < p.size()) info.type = p[i + 2];
    i += 2 + len;
  }
  return info;
}

// The first name of a DNS message (the question), dotted.
std::string dns_question(wire::Bytes p) {
  std::string name;
  for (std::size_t i = 12; i < p.size();) {
    const std::size_t len = p[i];
    if (len == 0 || len > 63 || i + 1 + len > p.size()) break;
    if (!name.empty()) name += '.';
    name.append(as_text(p.subspan(i + 1, len)));
    i += 1 + len;
  }
  return name;
}

// A SIP message's label, or empty when it is not part of a registration (no REGISTER CSeq).
std::string sip_label(wire::Bytes payload) {
  const std::string_view text = as_text(payload);
  const auto eol = text.find("\r\n");
  const std::string_view first = text.substr(0, eol);
  const auto cseq = text.find("\nCSeq:");
  if (cseq == std::string_view::npos) return {};
  const auto cseq_end = text.find('\n', cseq + 1);
  if (text.substr(cseq, cseq_end - cseq).find("REGISTER") == std::string_view::npos) return {};
  std::string line;
  auto to = text.find("\nTo:");
  if (to == std::string_view::npos) to = text.find("\nt:");
  if (to != std::string_view::npos) {
    const auto sip = text.find("sip:", to);
    const auto at = sip == std::string_view::npos ? sip : text.find('@', sip);
    if (at != std::string_view::npos && at - sip < 40)
      line = std::string(text.substr(sip + 4, at - sip - 4));
  }
  std::string label;
  if (starts_with(first, "SIP/2.0 ")) {
    label = "SIP " + std::string(first.substr(8));
  } else {
    label = "SIP REGISTER";
  }
  if (!line.empty()) label += " line " + line;
  const auto expires = text.find("\nExpires: 0\r");
  if (expires != std::string_view::npos) label += " (Expires 0)";
  return label;
}

std::string tcp_flags(const wire::TcpHeader& h) {
  if (h.has(wire::tcp_flag::syn) && h.has(wire::tcp_flag::ack)) return "SYN-ACK";
  if (h.has(wire::tcp_flag::syn)) return "SYN";
  if (h.has(wire::tcp_flag::rst)) return "RST";
  if (h.has(wire::tcp_flag::fin)) return "FIN";
  return "ACK";
}

}  // namespace

std::int64_t Lab::phone_by_mac(wire::MacAddress mac) const {
  const auto it = mac_to_phone_.find(mac.to_u64());
  return it == mac_to_phone_.end() ? -1 : static_cast<std::int64_t>(it->second);
}

std::int64_t Lab::phone_by_ip(wire::Ipv4Address ip) const {
  const auto it = ip_to_phone_.find(ip.to_u32());
  return it == ip_to_phone_.end() ? -1 : static_cast<std::int64_t>(it->second);
}

int Lab::step_of_file(const PhoneSlot& p, std::string_view file) const {
  if (starts_with(file, "CTL")) return 5;
  if (starts_with(file, "ITL")) return 6;
  if (ends_with(file, ".cnf.xml") || ends_with(file, ".cnf.xml.sgn")) return 7;
  if (ends_with(file, ".loads")) return 8;
  if (file.find('/') != std::string_view::npos) return 12;  // <locale>/tags_file, g3-tones.xml
  if (starts_with(file, "SK") && ends_with(file, ".xml")) return 13;
  for (const auto& r : ringlist_names_) {
    if (file == r) return 14;
  }
  if (ends_with(file, ".raw") || ends_with(file, ".rwb")) return 14;
  // Dial rules (named by the configuration) and firmware components: the step in progress.
  return p.current_step;
}

std::string Lab::annotate(wire::Bytes frame, std::int64_t known) {
  std::int64_t phone = -1;
  std::string note = describe_frame(frame, known, phone);
  if (!note.empty() && (known < 0 || phone != known)) {
    note += " [" + phones_[static_cast<std::size_t>(phone)]->spec->device + "]";
  }
  return note;
}

std::string Lab::describe_frame(wire::Bytes frame, std::int64_t known, std::int64_t& phone) {
  const auto eth = wire::decode_ethernet(frame);
  if (!eth) return {};
  const auto& h = eth->header;
  std::int64_t idx = known;
  const auto by_l2 = [&] {
    if (idx < 0) idx = phone_by_mac(h.src);
    if (idx < 0) idx = phone_by_mac(h.dst);
  };
  int step = 0;
  std::string what;

  if (h.is_8023_length()) {
    const auto llc = wire::decode_llc_snap(eth->payload);
    if (!llc || llc->header.protocol_id != cdp_protocol_id) return {};
    by_l2();
    if (idx < 0) return {};
    step = 3;
    what = phones_[static_cast<std::size_t>(idx)]->spec->mac == h.src ? "CDP from the phone"
                                                                      : "CDP from the switch";
  } else if (h.type_or_length == wire::ethertype::lldp) {
    by_l2();
    if (idx < 0) return {};
    step = 3;
    what = phones_[static_cast<std::size_t>(idx)]->spec->mac == h.src ? "LLDP-MED from the phone"
                                                                      : "LLDP from the switch";
  } else if (h.type_or_length == wire::ethertype::arp) {
    // By the phone's own MAC only: a phone's port also carries the other phones' flooded ARP
    // requests, and switch port MACs do not send ARP.
    const auto own = [this](wire::MacAddress mac) {
      const std::int64_t i = phone_by_mac(mac);
      return i >= 0 && phones_[static_cast<std::size_t>(i)]->spec->mac == mac ? i : -1;
    };
    idx = own(h.src);
    if (idx < 0) idx = own(h.dst);
    if (idx < 0) return {};
    step = phones_[static_cast<std::size_t>(idx)]->current_step;
    what = "ARP";
  } else if (h.type_or_length == wire::ethertype::ipv4) {
    const auto ip = wire::decode_ipv4(eth->payload, false);
    if (!ip) return {};
    const auto src = ip->header.src;
    const auto dst = ip->header.dst;
    // Which end is the phone: by address where it has one, else by MAC on its own port.
    bool phone_is_src = false;
    if (const std::int64_t s = phone_by_ip(src); s >= 0 && (idx < 0 || s == idx)) {
      idx = s;
      phone_is_src = true;
    } else if (const std::int64_t d = phone_by_ip(dst); d >= 0 && (idx < 0 || d == idx)) {
      idx = d;
    }
    if (ip->header.protocol == ip_udp) {
      const auto udp = wire::decode_udp(ip->payload, src, dst, false);
      if (!udp) return {};
      const auto sport = udp->header.src_port;
      const auto dport = udp->header.dst_port;
      if ((sport == 67 || sport == 68) && (dport == 67 || dport == 68)) {
        const auto info = parse_dhcp(udp->payload);
        if (!info) return {};
        idx = phone_by_mac(info->chaddr);
        if (idx < 0) return {};
        step = 4;
        what = std::string("DHCP ") + dhcp_type_name(info->type);
      } else if (sport == 53 || dport == 53) {
        if (idx < 0) return {};
        step = phones_[static_cast<std::size_t>(idx)]->current_step;
        what =
            std::string(dport == 53 ? "DNS query " : "DNS response ") + dns_question(udp->payload);
      } else if (sport == 5060 || dport == 5060) {
        if (idx < 0) return {};
        what = sip_label(udp->payload);
        if (what.empty()) return {};
        step = 11;
      } else {
        if (idx < 0) return {};
        PhoneSlot& p = *phones_[static_cast<std::size_t>(idx)];
        const std::uint16_t phone_port = phone_is_src ? sport : dport;
        const auto payload = udp->payload;
        if (payload.size() < 2) return {};
        const int opcode = payload[0] << 8 | payload[1];
        if (dport == 69 && (opcode == 1 || opcode == 2)) {
          const std::string_view rest = as_text(payload.subspan(2));
          const std::string file(rest.substr(0, rest.find('\0')));
          step = step_of_file(p, file);
          p.udp_notes[phone_port] = {step, file};
          what = "TFTP RRQ " + file;
        } else {
          const auto it = p.udp_notes.find(phone_port);
          if (it == p.udp_notes.end()) return {};
          step = it->second.step;
          const std::string& file = it->second.what;
          char buf[64];
          switch (opcode) {
            case 3:
            case 4:
              if (payload.size() < 4) return {};
              std::snprintf(buf, sizeof buf, "TFTP %s block %u", opcode == 3 ? "DATA" : "ACK",
                            static_cast<unsigned>(payload[2] << 8 | payload[3]));
              what = std::string(buf) + " (" + file + ")";
              break;
            case 5: {
              const std::string_view rest = payload.size() > 4 ? as_text(payload.subspan(4)) : "";
              what =
                  "TFTP ERROR " + std::string(rest.substr(0, rest.find('\0'))) + " (" + file + ")";
              break;
            }
            case 6:
              what = "TFTP OACK (" + file + ")";
              break;
            default:
              return {};
          }
        }
      }
    } else if (ip->header.protocol == ip_tcp) {
      const auto tcp = wire::decode_tcp(ip->payload, src, dst, false);
      if (!tcp || idx < 0) return {};
      PhoneSlot& p = *phones_[static_cast<std::size_t>(idx)];
      const auto& th = tcp->header;
      const std::uint16_t phone_port = phone_is_src ? th.src_port : th.dst_port;
      const std::uint16_t server_port = phone_is_src ? th.dst_port : th.src_port;
      const std::string_view text = as_text(tcp->payload);
      if (server_port == 5060) {
        if (!tcp->payload.empty()) {
          what = sip_label(tcp->payload);
          if (what.empty()) return {};
          step = 11;
        } else {
          const auto node = ip_to_node_.find((phone_is_src ? dst : src).to_u32());
          const std::string peer = node == ip_to_node_.end() ? "CUCM" : node->second;
          const std::string flags = tcp_flags(th);
          step = flags == "SYN" || flags == "SYN-ACK" || p.current_step == 10 ? 10 : 11;
          what = "TCP " + flags + (phone_is_src ? " to " : " from ") + peer + " (SIP)";
        }
      } else {
        // HTTP 6970 (and any other TCP the phone does): notes per phone-side port.
        if (starts_with(text, "GET /")) {
          const auto end = text.find(' ', 5);
          const std::string file(text.substr(5, end == std::string_view::npos ? 0 : end - 5));
          step = step_of_file(p, file);
          p.tcp_notes[phone_port] = {step, file};
          what = "HTTP GET /" + file;
        } else {
          const auto it = p.tcp_notes.find(phone_port);
          const std::string file = it == p.tcp_notes.end() ? std::string() : it->second.what;
          step = it == p.tcp_notes.end() ? p.current_step : it->second.step;
          if (starts_with(text, "HTTP/1.")) {
            const auto eol = text.find("\r\n");
            what = std::string(text.substr(0, std::min<std::size_t>(eol, 40)));
          } else if (!text.empty()) {
            what = "HTTP data";
          } else {
            what = "TCP " + tcp_flags(th);
          }
          what += file.empty() ? " (HTTP)" : " (HTTP " + file + ")";
        }
      }
    } else {
      return {};
    }
  } else {
    return {};
  }
  if (step <= 0 || idx < 0) return {};
  phone = idx;
  return "step " + std::to_string(step) + ": " + what;
}

}  // namespace voicelab::lab::detail
