// The ladder diagram of one phone (`voicelab run --ladder PHONE`, else the first phone):
// every frame its host sends or receives that belongs to its registration, as an arrow between
// the phone and the switch, DHCP, DNS and CUCM columns, labelled with the capture comment.
// Written as ladder.svg; it does not need captures (the host's frame trace feeds it).

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "runner_lab.hpp"
#include "voicelab/wire/ethernet.hpp"
#include "voicelab/wire/ipv4.hpp"
#include "voicelab/wire/udp.hpp"

namespace voicelab::lab::detail {

namespace {

constexpr std::size_t max_ladder_rows = 600;

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Frames that only carry a transfer along (acknowledgements, middle blocks) make the ladder
// unreadable without saying anything new; the capture has them.
bool worth_a_row(std::string_view what) {
  if (starts_with(what, "ARP") || starts_with(what, "TCP ACK") || starts_with(what, "HTTP data") ||
      starts_with(what, "TFTP ACK")) {
    return false;
  }
  if (starts_with(what, "TFTP DATA block ")) return starts_with(what, "TFTP DATA block 1 ");
  return true;
}

}  // namespace

void Lab::start_ladder() {
  if (phones_.empty()) return;
  const std::size_t k = options_.ladder_phone.value_or(0);
  if (k >= phones_.size()) return;
  ladder_phone_ = k;
  for (const auto& [ip, name] : ip_to_node_) ip_names_[ip] = name;
  for (const auto& d : sc_.dhcp_servers) ip_names_[d.host.address.address.to_u32()] = d.name;
  for (const auto& d : sc_.dns.servers) ip_names_[d.host.address.address.to_u32()] = d.name;
  const PhoneSlot& p = *phones_[k];
  ladder_columns_ = {p.spec->device, sc_.switches[p.switch_index].name};
  ladder_column_of_ = {{ladder_columns_[0], 0}, {ladder_columns_[1], 1}};
  p.host->set_trace([this](bool tx, std::size_t, wire::Bytes frame) { record_ladder(tx, frame); });
}

void Lab::record_ladder(bool tx, wire::Bytes frame) {
  if (!ladder_phone_ || ladder_.size() > max_ladder_rows) return;
  const auto k = static_cast<std::int64_t>(*ladder_phone_);
  std::int64_t phone = -1;
  std::string note = describe_frame(frame, k, phone);
  if (note.empty() || phone != k) return;
  const auto colon = note.find(": ");
  if (!worth_a_row(std::string_view(note).substr(colon + 2))) return;

  // The peer's column: the switch for link-local protocols, else the other IP end by name.
  std::string peer = ladder_columns_[1];
  if (const auto eth = wire::decode_ethernet(frame);
      eth && !eth->header.is_8023_length() && eth->header.type_or_length == wire::ethertype::ipv4) {
    if (const auto ip = wire::decode_ipv4(eth->payload, false)) {
      const wire::Ipv4Address other = tx ? ip->header.dst : ip->header.src;
      bool dhcp = false;
      if (ip->header.protocol == 17) {
        if (const auto udp = wire::decode_udp(ip->payload, ip->header.src, ip->header.dst, false)) {
          dhcp = udp->header.src_port == 67 || udp->header.dst_port == 67;
        }
      }
      if (dhcp) {
        // Relayed: the phone talks to the relay (broadcasts), the server is behind it.
        peer = sc_.dhcp_servers.empty() ? "DHCP" : sc_.dhcp_servers.front().name + " (relayed)";
      } else if (const auto it = ip_names_.find(other.to_u32()); it != ip_names_.end()) {
        peer = it->second;
      } else {
        peer = other.to_string();
      }
    }
  }
  auto [it, added] = ladder_column_of_.emplace(peer, ladder_columns_.size());
  if (added) ladder_columns_.push_back(peer);
  LadderRow row;
  row.at = sim_.now();
  row.from = tx ? 0 : it->second;
  row.to = tx ? it->second : 0;
  row.label = std::move(note);
  ladder_.push_back(std::move(row));
}

void Lab::write_ladder() const {
  if (!ladder_phone_) return;
  constexpr int time_width = 100, column_width = 230, top = 60, row_height = 24;
  const int columns = static_cast<int>(ladder_columns_.size());
  const int rows = static_cast<int>(ladder_.size());
  const int width = time_width + column_width * columns;
  const int height = top + row_height * (rows + 2);
  const auto x_of = [&](std::size_t column) {
    return time_width + column_width * static_cast<int>(column) + column_width / 2;
  };
  std::ofstream out(options_.out_dir / "ladder.svg", std::ios::binary | std::ios::trunc);
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                "font-family=\"monospace\" font-size=\"11\">\n",
                width, height);
  out << buf;
  out << "<title>" << xml_escape(sc_.name) << ": " << xml_escape(ladder_columns_[0])
      << "</title>\n<defs><marker id=\"arrow\" markerWidth=\"8\" markerHeight=\"8\" refX=\"8\" "
         "refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\"/></marker></defs>\n"
         "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  for (std::size_t c = 0; c < ladder_columns_.size(); ++c) {
    const int x = x_of(c);
    std::snprintf(buf, sizeof buf,
                  "<text x=\"%d\" y=\"30\" text-anchor=\"middle\" font-weight=\"bold\">", x);
    out << buf << xml_escape(ladder_columns_[c]) << "</text>\n";
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%d\" y1=\"40\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n", x, x,
                  height - 10);
    out << buf;
  }
  for (int r = 0; r < rows; ++r) {
    const LadderRow& row = ladder_[static_cast<std::size_t>(r)];
    const int y = top + row_height * (r + 1);
    const int x1 = x_of(row.from);
    const int x2 = x_of(row.to);
    std::snprintf(buf, sizeof buf, "<text x=\"4\" y=\"%d\">%s</text>\n", y,
                  Log::format_time(row.at).c_str());
    out << buf;
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\" "
                  "marker-end=\"url(#arrow)\"/>\n",
                  x1, y, x2, y);
    out << buf;
    std::snprintf(buf, sizeof buf, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\">",
                  x1 < x2 ? x1 + 6 : x1 - 6, y - 4, x1 < x2 ? "start" : "end");
    out << buf << xml_escape(row.label) << "</text>\n";
  }
  if (ladder_.size() > max_ladder_rows) {
    out << "<text x=\"4\" y=\"" << height - 4 << "\">(the ladder stops here)</text>\n";
  }
  out << "</svg>\n";
  if (!out) throw std::runtime_error("cannot write ladder.svg");
}

}  // namespace voicelab::lab::detail
