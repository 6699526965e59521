#include "voicelab/dhcp/tftp_choice.hpp"

#include <algorithm>
#include <cctype>

namespace voicelab::dhcp {
namespace {

std::string trimmed(std::string_view text) {
  auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return std::string{text};
}

std::string join(const std::vector<wire::Ipv4Address>& addresses) {
  std::string text;
  for (const auto& address : addresses) {
    if (!text.empty()) text += ", ";
    text += address.to_string();
  }
  return text;
}

TftpChoice from_siaddr_or_none(TftpChoice choice) {
  choice.servers.clear();
  if (!choice.siaddr.is_any()) {
    choice.source = TftpSource::siaddr;
    choice.servers.push_back(choice.siaddr);
  } else {
    choice.source = TftpSource::none;
  }
  return choice;
}

}  // namespace

std::string to_string(TftpSource source) {
  switch (source) {
    case TftpSource::none:
      return "none";
    case TftpSource::alternate:
      return "alternate TFTP server";
    case TftpSource::option150:
      return "option 150";
    case TftpSource::option66_address:
      return "option 66 (address)";
    case TftpSource::option66_name:
      return "option 66 (host name)";
    case TftpSource::siaddr:
      return "siaddr";
  }
  return "unknown";
}

std::string TftpChoice::describe() const {
  std::string text;
  switch (source) {
    case TftpSource::none:
      text = "no TFTP server";
      break;
    case TftpSource::option66_name:
      text = "option 66 host name " + name;
      if (resolution == TftpResolution::pending) text += ": waiting for DNS";
      if (resolution == TftpResolution::resolved) text += " resolved to " + join(servers);
      return text;
    default:
      text = "TFTP from " + to_string(source) + ": " + join(servers);
      break;
  }
  if (resolution == TftpResolution::failed) {
    text += " (option 66 host name " + name + " did not resolve)";
  }
  return text;
}

TftpChoice choose_tftp_servers(const std::optional<wire::Ipv4Address>& alternate,
                               const Options& options, wire::Ipv4Address siaddr) {
  TftpChoice choice;
  choice.siaddr = siaddr;
  if (alternate && !alternate->is_any()) {
    choice.source = TftpSource::alternate;
    choice.servers.push_back(*alternate);
    return choice;
  }
  auto list = options.tftp_server_addresses();
  std::erase_if(list, [](const wire::Ipv4Address& a) { return a.is_any(); });
  if (!list.empty()) {
    choice.source = TftpSource::option150;
    choice.servers = std::move(list);
    return choice;
  }
  if (auto name = options.tftp_server_name()) {
    auto text = trimmed(*name);
    if (!text.empty()) {
      if (auto address = wire::Ipv4Address::parse(text); address && !address->is_any()) {
        choice.source = TftpSource::option66_address;
        choice.servers.push_back(*address);
        return choice;
      }
      choice.source = TftpSource::option66_name;
      choice.name = std::move(text);
      choice.resolution = TftpResolution::pending;
      return choice;
    }
  }
  return from_siaddr_or_none(std::move(choice));
}

TftpChoice complete_tftp_resolution(TftpChoice choice,
                                    const std::optional<wire::Ipv4Address>& resolved) {
  if (choice.resolution != TftpResolution::pending) return choice;
  if (resolved && !resolved->is_any()) {
    choice.servers = {*resolved};
    choice.resolution = TftpResolution::resolved;
    return choice;
  }
  choice.resolution = TftpResolution::failed;
  return from_siaddr_or_none(std::move(choice));
}

}  // namespace voicelab::dhcp
