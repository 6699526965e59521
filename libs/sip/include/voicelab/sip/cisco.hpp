#pragma once
// Builders for the registration exchange of a Cisco SIP phone with CUCM: the phone's REGISTER
// and CUCM's 100 Trying and 200 OK, in the header order and formats of a real trace.
//
// Source: the "SIP registration" section of PROTOCOL-NOTES.md, which quotes a real trace
// (CP-8851 firmware 12.1.1 <-> CUCM 11.5, TCP). Per item below:
//   [trace]      seen in that trace (order, format);
//   [assumption] not in the quoted trace: our best guess, to confirm against a capture.
// No clock is read: the Date header value is passed in. Identifiers come from the lab's Random.

#include <cstdint>
#include <optional>
#include <string>

#include "voicelab/sip/message.hpp"
#include "voicelab/sip/transaction.hpp"
#include "voicelab/wire/address.hpp"
#include "voicelab/wire/random.hpp"

namespace voicelab::sip::cisco {

// --- identifiers ----------------------------------------------------------------------------

// "z9hG4bK" + 8 lower-case hex digits. [trace: `branch=z9hG4bK` + 8 hex]
std::string make_branch(Random& random);
// MAC (12 lower-case hex) + 8 hex + "-" + 8 hex. [trace: `tag=<MAC 12 hex><8 hex>-<8 hex>`;
// lower case is an assumption]
std::string make_phone_tag(const wire::MacAddress& mac, Random& random);
// "<first 8 hex of MAC>-<last 4 hex of MAC><index as 4 hex>-<8 hex>-<8 hex>@<phone ip>".
// [trace: with index 0002 for the registration; what the index counts (line? dialog?) is an
// assumption, so it is a parameter]
std::string make_call_id(const wire::MacAddress& mac, const wire::Ipv4Address& phone_ip,
                         Random& random, std::uint16_t index = 2);
// A random UUID in 8-4-4-4-12 lower-case hex: the user part of the phone's Contact.
// [trace: `<sip:<uuid>@<phone ip>:<port>;transport=tcp>`; the UUID's version bits are an
// assumption (we set none: Cisco's look random)]
std::string make_contact_uuid(Random& random);
// "<urn:uuid:00000000-0000-0000-0000-<mac lower>>". [trace]
std::string instance_id(const wire::MacAddress& mac);
// "SEP" + MAC upper-case hex. [trace]
std::string device_name(const wire::MacAddress& mac);
// RFC 7989 Session-ID of a REGISTER: `<local uuid>;remote=<32 zeros>` with a local UUID of
// 8 random hex + "00105000a000" + the MAC. [assumption: the trace shows a Session-ID header but
// the notes do not quote its value; this is the shape Cisco endpoints are believed to use, and
// the all-zero remote UUID is RFC 7989's "null" value for an unknown peer]
std::string make_session_id(const wire::MacAddress& mac, Random& random);
// CUCM's To tag: a decimal number (1..2^31-1). [trace: "a numeric To tag"; the range is an
// assumption]
std::string make_cucm_tag(Random& random);

// --- REGISTER ---------------------------------------------------------------------------------

// [assumption: the trace's Supported lists these six tokens then "a list of X-cisco-* tokens";
// the X-cisco tokens here are a plausible list, not the quoted one]
inline constexpr const char* default_phone_supported =
    "replaces,join,sdp-anat,norefersub,resource-priority,extended-refer,X-cisco-callinfo,"
    "X-cisco-serviceuri,X-cisco-escapecodes,X-cisco-service-control,X-cisco-srtp-fallback,"
    "X-cisco-monrec,X-cisco-config,X-cisco-sis-7.0.0,X-cisco-xsi-8.5.1";

struct RegisterParams {
  wire::MacAddress mac;
  wire::Ipv4Address phone_ip;
  std::uint16_t phone_port = 0;  // the phone's ephemeral source port [trace]
  Transport transport = Transport::tcp;
  std::string line = "1001";  // the DN, user part of From/To [trace]
  std::string registrar;      // CUCM node as written in the URIs (its IP address) [trace]
  std::string user_agent = "Cisco-CP8861/12.8.1";  // [trace format; version from the brief]
  // +u.sip!model.ccm.cisco.com. "684" is what the CP-8851 trace carries [trace]; which id each
  // model sends is not confirmed, so the phone role passes it from its model table.
  std::string model_id = "684";
  std::uint32_t cseq = 101;           // [assumption: phones start at 101]
  std::uint32_t expires = 3600;       // [trace: 3600 to the primary, 0 to a standby node]
  std::string date;                   // the Date header value, e.g. "Mon, 24 Nov 2025 06:40:00 GMT"
  std::optional<std::string> reason;  // the Reason header of the first REGISTER, when set
  std::string supported = default_phone_supported;

  // Identifiers (fill with make_register_ids() or by hand; a refresh keeps call_id, from_tag,
  // contact_uuid and session_id and takes a new branch and cseq + 1).
  std::string branch;
  std::string from_tag;
  std::string call_id;
  std::string contact_uuid;
  std::string session_id;
};

// Fills branch, from_tag, call_id, contact_uuid and session_id from `random`, in that order.
void make_register_ids(RegisterParams& params, Random& random);

// The phone's REGISTER. Request-URI `sip:<registrar>` [assumption: RFC 3261 §10.2, the trace's
// request line is not quoted]. Headers in the trace's order: Via, From, To, Call-ID,
// Max-Forwards (70), Session-ID, Date, CSeq, User-Agent, Contact, Supported, Reason (only when
// set; its place between Supported and Content-Length is an assumption), Content-Length (0),
// Expires. Contact: `<sip:<uuid>@<ip>:<port>;transport=tcp|udp>` with +sip.instance,
// +u.sip!devicename.ccm.cisco.com and +u.sip!model.ccm.cisco.com, all quoted [trace].
Message build_register(const RegisterParams& params);

// --- CUCM's answers ---------------------------------------------------------------------------

struct CucmReply {
  std::string server = "Cisco-CUCM11.5";  // [trace]
  std::string to_tag;                     // numeric (make_cucm_tag) [trace]
  // The SIP station keepalive interval for the primary (120), 0 to a standby registration
  // [trace].
  std::uint32_t expires = 120;
  std::string date;  // Date header value; omitted when empty [assumption: CUCM sends Date]
  std::string supported = "X-cisco-srtp-fallback,X-cisco-sis-8.0.0";  // [trace]
};

// 100 Trying: Via, From, To (no tag), Date, Call-ID, CSeq, Content-Length.
// [assumption: the trace says CUCM sends 100 Trying; its headers are not quoted]
Message build_trying(const Message& register_request, const CucmReply& reply);

// 200 OK: Via, From, To (with the numeric tag), Date, Call-ID, CSeq, Server, Contact (each of the
// request's contacts echoed with `;expires=<expires>`), Supported, Content-Length, Expires.
// [trace: the tag, Server, the echoed Contact, Supported and Expires; the order and the expires
// parameter on the echoed Contact are assumptions]
Message build_register_ok(const Message& register_request, const CucmReply& reply);

}  // namespace voicelab::sip::cisco
