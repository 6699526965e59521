#pragma once
// Sample SIP messages for the codec, framing and tshark tests.
//
// The Cisco REGISTER / 100 Trying / 200 OK are built, byte for byte, from the trace described in
// /work/shared/PROTOCOL-NOTES.md ("SIP registration": CP-8851 12.1.1 <-> CUCM 11.5 over TCP):
// its header order, the From tag, Call-ID and Contact formats, Max-Forwards 70, Content-Length 0,
// Expires 3600, and CUCM's numeric To tag, Server, echoed Contact, Supported and Expires 120.
// Values the notes do not quote (the Session-ID value, the X-cisco Supported tokens, the Reason
// text, the order of CUCM's headers) follow voicelab::sip::cisco's documented assumptions.

#include <string>
#include <string_view>
#include <vector>

namespace voicelab::test::sip_samples {

// Phone SEP0041D25A0F3C at 10.10.20.31:51534 registering line 1001 with CUCM 10.10.10.11.
inline constexpr std::string_view phone_ip = "10.10.20.31";
inline constexpr std::string_view cucm_ip = "10.10.10.11";

inline constexpr std::string_view cisco_supported =
    "replaces,join,sdp-anat,norefersub,resource-priority,extended-refer,X-cisco-callinfo,"
    "X-cisco-serviceuri,X-cisco-escapecodes,X-cisco-service-control,X-cisco-srtp-fallback,"
    "X-cisco-monrec,X-cisco-config,X-cisco-sis-7.0.0,X-cisco-xsi-8.5.1";

inline const std::string cisco_contact =
    "<sip:5e1f3a9b-7c2d-4e8f-a1b3-c4d5e6f70819@10.10.20.31:51534;transport=tcp>"
    ";+sip.instance=\"<urn:uuid:00000000-0000-0000-0000-0041d25a0f3c>\""
    ";+u.sip!devicename.ccm.cisco.com=\"SEP0041D25A0F3C\""
    ";+u.sip!model.ccm.cisco.com=\"684\"";

inline const std::string cisco_reason =
    "SIP;cause=200;text=\"cisco-alarm:25 Name=SEP0041D25A0F3C "
    "Load=sip88xx.12-8-1-0001-455 Last=initialized\"";

inline const std::string cisco_register =
    "REGISTER sip:10.10.10.11 SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 10.10.20.31:51534;branch=z9hG4bK4a1c2f0e\r\n"
    "From: <sip:1001@10.10.10.11>;tag=0041d25a0f3c6e1b2d3a-7c5f09e4\r\n"
    "To: <sip:1001@10.10.10.11>\r\n"
    "Call-ID: 0041d25a-0f3c0002-5e8a71b2-3c9d04f6@10.10.20.31\r\n"
    "Max-Forwards: 70\r\n"
    "Session-ID: 9a3b2c1d00105000a0000041d25a0f3c;remote=00000000000000000000000000000000\r\n"
    "Date: Mon, 24 Nov 2025 06:40:00 GMT\r\n"
    "CSeq: 101 REGISTER\r\n"
    "User-Agent: Cisco-CP8861/12.8.1\r\n"
    "Contact: " +
    cisco_contact +
    "\r\n"
    "Supported: " +
    std::string(cisco_supported) +
    "\r\n"
    "Reason: " +
    cisco_reason +
    "\r\n"
    "Content-Length: 0\r\n"
    "Expires: 3600\r\n"
    "\r\n";

inline const std::string cucm_trying =
    "SIP/2.0 100 Trying\r\n"
    "Via: SIP/2.0/TCP 10.10.20.31:51534;branch=z9hG4bK4a1c2f0e\r\n"
    "From: <sip:1001@10.10.10.11>;tag=0041d25a0f3c6e1b2d3a-7c5f09e4\r\n"
    "To: <sip:1001@10.10.10.11>\r\n"
    "Date: Mon, 24 Nov 2025 06:40:00 GMT\r\n"
    "Call-ID: 0041d25a-0f3c0002-5e8a71b2-3c9d04f6@10.10.20.31\r\n"
    "CSeq: 101 REGISTER\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

inline const std::string cucm_ok =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/TCP 10.10.20.31:51534;branch=z9hG4bK4a1c2f0e\r\n"
    "From: <sip:1001@10.10.10.11>;tag=0041d25a0f3c6e1b2d3a-7c5f09e4\r\n"
    "To: <sip:1001@10.10.10.11>;tag=1425238398\r\n"
    "Date: Mon, 24 Nov 2025 06:40:00 GMT\r\n"
    "Call-ID: 0041d25a-0f3c0002-5e8a71b2-3c9d04f6@10.10.20.31\r\n"
    "CSeq: 101 REGISTER\r\n"
    "Server: Cisco-CUCM11.5\r\n"
    "Contact: " +
    cisco_contact +
    ";expires=120\r\n"
    "Supported: X-cisco-srtp-fallback,X-cisco-sis-8.0.0\r\n"
    "Content-Length: 0\r\n"
    "Expires: 120\r\n"
    "\r\n";

// Compact forms, odd spacing around the colon, a folded Via list, two Via headers, a Contact list
// with a quoted display name holding a comma and a reg-id, and a body.
inline const std::string compact_register =
    "REGISTER sip:registrar.example.com;transport=udp SIP/2.0\r\n"
    "v: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnashds7;rport;received=198.51.100.7,\r\n"
    "   SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bKoldproxy\r\n"
    "VIA : SIP / 2.0 / TCP proxy.example.com;branch=z9hG4bKthird\r\n"
    "f: \"Doe, John\" <sip:john@example.com>;tag=a73kszlfl\r\n"
    "t:<sip:john@example.com>\r\n"
    "i: 843817637684230@998sdasdh09\r\n"
    "CSeq:   1826 REGISTER\r\n"
    "m: \"Desk, 1\" <sip:john@192.0.2.10:5060;transport=udp>;expires=600;reg-id=1\r\n"
    "\t;+sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\","
    " sip:john@198.51.100.7;q=0.5\r\n"
    "m: <sips:john@phone.example.com>\r\n"
    "Max-Forwards: 70\r\n"
    "Expires: 7200\r\n"
    "k: path, outbound\r\n"
    "Warning: 399 cucm.example.com \"Quoted, with a \\\"comma\\\"\", 301 10.1.1.1:5060 "
    "\"Moved\"\r\n"
    "c: text/plain\r\n"
    "l: 13\r\n"
    "\r\n"
    "hello, world\n";

// A request with a body that holds CRLFs and a blank line (framing must follow Content-Length,
// not look for another header end). Cisco phones send such a REFER after registering
// (PROTOCOL-NOTES); the body here is made up.
inline const std::string refer_with_body =
    "REFER sip:10.10.10.11 SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 10.10.20.31:51534;branch=z9hG4bK0b1c2d3e\r\n"
    "From: <sip:1001@10.10.10.11>;tag=0041d25a0f3c11112222-33334444\r\n"
    "To: <sip:10.10.10.11>\r\n"
    "Call-ID: 0041d25a-0f3c0003-11223344-55667788@10.10.20.31\r\n"
    "CSeq: 1000 REFER\r\n"
    "Max-Forwards: 70\r\n"
    "Content-Type: application/x-cisco-alarm+xml\r\n"
    "Content-Length: 51\r\n"
    "\r\n"
    "<x-cisco-alarm>\r\n\r\n<Alarm Name=\"LastOutOfService\"/>";

inline std::vector<std::string> all() {
  return {cisco_register, cucm_trying, cucm_ok, compact_register, refer_with_body};
}

}  // namespace voicelab::test::sip_samples
