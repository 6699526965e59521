#include "voicelab/sip/cisco.hpp"

#include <string_view>
#include <utility>

#include "voicelab/sip/headers.hpp"
#include "voicelab/sip/uri.hpp"

namespace voicelab::sip::cisco {
namespace {

constexpr std::string_view hex_digits = "0123456789abcdef";

// The low `digits` nibbles of `value` in lower-case hex.
std::string hex(std::uint64_t value, int digits) {
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = hex_digits[value & 0xf];
    value >>= 4;
  }
  return out;
}

std::string mac_hex(const wire::MacAddress& mac) { return hex(mac.to_u64(), 12); }

std::string upper(std::string s) {
  for (auto& c : s) {
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

Param quoted(std::string name, std::string value) {
  return Param{std::move(name), std::move(value), true};
}

}  // namespace

std::string make_branch(Random& random) {
  return std::string(magic_cookie) + hex(random.next(), 8);
}

std::string make_phone_tag(const wire::MacAddress& mac, Random& random) {
  return mac_hex(mac) + hex(random.next(), 8) + '-' + hex(random.next(), 8);
}

std::string make_call_id(const wire::MacAddress& mac, const wire::Ipv4Address& phone_ip,
                         Random& random, std::uint16_t index) {
  const std::string m = mac_hex(mac);
  std::string out = m.substr(0, 8) + '-' + m.substr(8, 4) + hex(index, 4) + '-' +
                    hex(random.next(), 8) + '-' + hex(random.next(), 8) + '@';
  out += phone_ip.to_string();
  return out;
}

std::string make_contact_uuid(Random& random) {
  const std::uint64_t a = random.next();
  const std::uint64_t b = random.next();
  return hex(a >> 32, 8) + '-' + hex(a >> 16, 4) + '-' + hex(a, 4) + '-' + hex(b >> 48, 4) + '-' +
         hex(b, 12);
}

std::string instance_id(const wire::MacAddress& mac) {
  return "<urn:uuid:00000000-0000-0000-0000-" + mac_hex(mac) + '>';
}

std::string device_name(const wire::MacAddress& mac) { return "SEP" + upper(mac_hex(mac)); }

std::string make_session_id(const wire::MacAddress& mac, Random& random) {
  return hex(random.next(), 8) + "00105000a000" + mac_hex(mac) +
         ";remote=00000000000000000000000000000000";
}

std::string make_cucm_tag(Random& random) {
  return std::to_string(1 + random.below(0x7ffffffeULL));
}

void make_register_ids(RegisterParams& params, Random& random) {
  params.branch = make_branch(random);
  params.from_tag = make_phone_tag(params.mac, random);
  params.call_id = make_call_id(params.mac, params.phone_ip, random);
  params.contact_uuid = make_contact_uuid(random);
  params.session_id = make_session_id(params.mac, random);
}

Message build_register(const RegisterParams& p) {
  const bool tcp = is_reliable(p.transport);
  const std::string ip = p.phone_ip.to_string();

  Via via;
  via.transport = tcp ? "TCP" : "UDP";
  via.host = ip;
  via.port = p.phone_port;
  via.params.push_back(Param{"branch", p.branch, false});

  NameAddress aor;
  aor.uri.user = p.line;
  aor.uri.host = p.registrar;
  NameAddress from = aor;
  from.params.push_back(Param{"tag", p.from_tag, false});

  NameAddress contact;
  contact.uri.user = p.contact_uuid;
  contact.uri.host = ip;
  contact.uri.port = p.phone_port;
  contact.uri.params.push_back(Param{"transport", std::string(tcp ? "tcp" : "udp"), false});
  contact.params.push_back(quoted("+sip.instance", instance_id(p.mac)));
  contact.params.push_back(quoted("+u.sip!devicename.ccm.cisco.com", device_name(p.mac)));
  contact.params.push_back(quoted("+u.sip!model.ccm.cisco.com", p.model_id));

  Message m = Message::request("REGISTER", "sip:" + p.registrar);
  m.add("Via", via.to_string());
  m.add("From", from.to_string());
  m.add("To", aor.to_string());
  m.add("Call-ID", p.call_id);
  m.add("Max-Forwards", "70");
  m.add("Session-ID", p.session_id);
  m.add("Date", p.date);
  m.add("CSeq", CSeq{p.cseq, "REGISTER"}.to_string());
  m.add("User-Agent", p.user_agent);
  m.add("Contact", contact.to_string());
  m.add("Supported", p.supported);
  if (p.reason) m.add("Reason", *p.reason);
  m.add("Content-Length", "0");
  m.add("Expires", std::to_string(p.expires));
  return m;
}

namespace {

// Via, From, To (To tag added when given), Date, Call-ID, CSeq.
Message cucm_response(const Message& request, int code, std::string reason, const CucmReply& reply,
                      bool tag) {
  const Message base = make_response(request, code, std::move(reason));
  Message m = Message::response(base.status_code, base.reason);
  for (const auto& h : base.headers) {
    if (h.name == "Via" || h.name == "From") m.headers.push_back(h);
  }
  if (const auto to = base.get("To")) {
    std::string value(*to);
    if (tag && !reply.to_tag.empty()) value += ";tag=" + reply.to_tag;
    m.add("To", std::move(value));
  }
  if (!reply.date.empty()) m.add("Date", reply.date);
  if (const auto call_id = base.get("Call-ID")) m.add("Call-ID", std::string(*call_id));
  if (const auto cseq = base.get("CSeq")) m.add("CSeq", std::string(*cseq));
  return m;
}

}  // namespace

Message build_trying(const Message& register_request, const CucmReply& reply) {
  Message m = cucm_response(register_request, 100, "Trying", reply, false);
  m.add("Content-Length", "0");
  return m;
}

Message build_register_ok(const Message& register_request, const CucmReply& reply) {
  Message m = cucm_response(register_request, 200, "OK", reply, true);
  m.add("Server", reply.server);
  // Echo each contact with the granted expiry. A contact that does not parse is echoed as is.
  for (const auto element : register_request.values("Contact")) {
    auto contact = parse_name_address(element);
    if (!contact) {
      m.add("Contact", std::string(element));
      continue;
    }
    std::erase_if(contact->params, [](const Param& p) { return p.name == "expires"; });
    contact->params.push_back(Param{"expires", std::to_string(reply.expires), false});
    m.add("Contact", contact->to_string());
  }
  m.add("Supported", reply.supported);
  m.add("Content-Length", "0");
  m.add("Expires", std::to_string(reply.expires));
  return m;
}

}  // namespace voicelab::sip::cisco
