#include "voicelab/sip/error.hpp"

#include <string>

namespace voicelab::sip {
namespace {

class SipCategory final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "voicelab.sip"; }

  [[nodiscard]] std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok:
        return "success";
      case errc::need_more:
        return "need more: the message is not complete yet";
      case errc::keepalive:
        return "keep-alive: only CRLF, no message";
      case errc::truncated:
        return "truncated: the input ends before the message does";
      case errc::bad_start_line:
        return "bad start line: neither a request line nor a status line";
      case errc::bad_version:
        return "bad version: not SIP/2.0";
      case errc::bad_status_code:
        return "bad status code: not three digits in 100..699";
      case errc::bad_line_ending:
        return "bad line ending or control character";
      case errc::bad_header:
        return "bad header line: no token name and colon";
      case errc::bad_header_value:
        return "bad header value for its type";
      case errc::bad_uri:
        return "bad SIP URI";
      case errc::bad_content_length:
        return "bad Content-Length";
      case errc::missing_content_length:
        return "Content-Length missing on a stream transport";
      case errc::missing_header:
        return "a required header is missing";
      case errc::line_too_long:
        return "a header line is longer than the limit";
      case errc::too_many_headers:
        return "more header lines than the limit";
      case errc::headers_too_large:
        return "the header section is larger than the limit";
      case errc::body_too_large:
        return "the body is larger than the limit";
      case errc::message_too_large:
        return "the message is larger than the limit";
      case errc::parser_failed:
        return "the parser failed earlier and was not reset";
      case errc::no_magic_cookie:
        return "the Via branch lacks the z9hG4bK magic cookie";
    }
    return "unknown voicelab.sip error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& sip_category() noexcept {
  static const SipCategory category;
  return category;
}

}  // namespace voicelab::sip
