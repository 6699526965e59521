// Framing: the stream parser (TCP) and datagram parser (UDP). Parsegrind (Beast's
// test/beast/http/basic_parser.cpp idea): every sample, split at every offset or fed a byte at a
// time, gives the message a one-shot parse gives. Truncation at every length, garbage and each
// limit must end in need_more or an error, never a crash (ASan/UBSan watch the reads).

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "sip_samples.hpp"
#include "voicelab/sip/error.hpp"
#include "voicelab/sip/parser.hpp"
#include "voicelab/wire/random.hpp"

namespace voicelab::test {
namespace {

namespace samples = sip_samples;

wire::Bytes bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

sip::Message one_shot(const std::string& text) {
  auto m = sip::parse_message(text);
  INFO("parse error: " << m.error().message());
  REQUIRE(m.ok());
  return std::move(m).value();
}

// Feeds `chunks` in order; collects complete messages; stops at the first hard error.
struct Feed {
  std::vector<sip::Message> messages;
  std::error_code error;  // need_more at the end when the stream simply stopped
};

Feed feed_chunks(sip::StreamParser& parser, const std::vector<std::string_view>& chunks) {
  Feed out;
  out.error = sip::errc::need_more;
  for (auto chunk : chunks) {
    while (!chunk.empty()) {
      std::error_code ec;
      const std::size_t used = parser.put(chunk, ec);
      REQUIRE(used <= chunk.size());
      chunk.remove_prefix(used);
      if (ec == sip::errc::need_more) {
        REQUIRE(chunk.empty());  // need_more consumes everything
        out.error = ec;
        break;
      }
      if (ec) {
        out.error = ec;
        return out;
      }
      REQUIRE(parser.has_message());
      out.messages.push_back(parser.release());
      out.error = sip::errc::need_more;
    }
  }
  return out;
}

TEST_CASE("parsegrind: every sample split at every offset parses identically", "[sip][framing]") {
  for (const auto& text : samples::all()) {
    const sip::Message expected = one_shot(text);
    INFO(text.substr(0, text.find('\r')));
    for (std::size_t split = 0; split <= text.size(); ++split) {
      sip::StreamParser parser;
      const std::string_view all{text};
      const auto feed = feed_chunks(parser, {all.substr(0, split), all.substr(split)});
      INFO("split at " << split);
      REQUIRE(feed.error == sip::errc::need_more);
      REQUIRE(feed.messages.size() == 1);
      REQUIRE(feed.messages[0] == expected);
      REQUIRE(parser.buffered() == 0);
    }
  }
}

TEST_CASE("parsegrind: one byte at a time", "[sip][framing]") {
  for (const auto& text : samples::all()) {
    const sip::Message expected = one_shot(text);
    sip::StreamParser parser;
    std::vector<std::string_view> chunks;
    for (std::size_t i = 0; i < text.size(); ++i)
      chunks.push_back(std::string_view{text}.substr(i, 1));
    const auto feed = feed_chunks(parser, chunks);
    REQUIRE(feed.messages.size() == 1);
    CHECK(feed.messages[0] == expected);
  }
}

TEST_CASE("parsegrind: a stream of all samples with keep-alives between", "[sip][framing]") {
  // RFC 5626 §3.5.1: "\r\n\r\n" ping, "\r\n" pong.
  std::string stream = "\r\n\r\n";
  std::vector<sip::Message> expected;
  for (const auto& text : samples::all()) {
    stream += text;
    stream += "\r\n";  // a pong after each message
    expected.push_back(one_shot(text));
  }
  stream += "\r\n\r\n";  // and a final ping

  for (std::size_t split = 0; split <= stream.size(); ++split) {
    sip::StreamParser parser;
    const std::string_view all{stream};
    const auto feed = feed_chunks(parser, {all.substr(0, split), all.substr(split)});
    INFO("split at " << split);
    REQUIRE(feed.error == sip::errc::need_more);
    REQUIRE(feed.messages == expected);
    // Pongs after the last message cannot be told from half a ping until more arrives: the
    // four pongs between messages count, the final "\r\n" + "\r\n\r\n" counts as a ping and a
    // pending CRLF.
    REQUIRE(parser.pings() == 2);
    REQUIRE(parser.pongs() == expected.size() - 1);
  }
}

TEST_CASE("stream: put stops at the end of a message and waits for release", "[sip][framing]") {
  const std::string two = samples::cucm_trying + samples::cucm_ok;
  sip::StreamParser parser;
  std::error_code ec;
  const std::size_t used = parser.put(two, ec);
  CHECK_FALSE(ec);
  CHECK(used == samples::cucm_trying.size());
  // Not released yet: nothing more is consumed.
  CHECK(parser.put(std::string_view{two}.substr(used), ec) == 0);
  CHECK_FALSE(ec);
  CHECK(parser.release().status_code == 100);
  CHECK(parser.put(std::string_view{two}.substr(used), ec) == samples::cucm_ok.size());
  CHECK_FALSE(ec);
  CHECK(parser.release().status_code == 200);
  CHECK(parser.put(std::string_view{}, ec) == 0);
  CHECK(ec == sip::errc::need_more);
}

TEST_CASE("truncation at every length: need_more on a stream, an error on a datagram",
          "[sip][framing]") {
  for (const auto& text : samples::all()) {
    for (std::size_t length = 0; length < text.size(); ++length) {
      const std::string_view prefix = std::string_view{text}.substr(0, length);
      INFO("length " << length);
      sip::StreamParser parser;
      std::error_code ec;
      REQUIRE(parser.put(prefix, ec) == length);
      REQUIRE(ec == sip::errc::need_more);
      REQUIRE_FALSE(parser.has_message());
      const auto datagram = sip::parse_datagram(bytes_of(prefix));
      REQUIRE_FALSE(datagram.ok());
      REQUIRE((datagram.error() == sip::errc::truncated ||
               (length == 0 && datagram.error() == sip::errc::keepalive)));
    }
  }
}

TEST_CASE("datagram framing rules (RFC 3261 §18.3)", "[sip][framing]") {
  // Content-Length optional on UDP: the body is the rest of the datagram.
  std::string no_length = samples::cucm_ok;
  no_length.erase(no_length.find("Content-Length: 0\r\n"), 19);
  auto m = sip::parse_message(no_length + "tail");
  REQUIRE(m.ok());
  CHECK(m->body == "tail");
  // Bytes beyond Content-Length are discarded.
  m = sip::parse_message(samples::refer_with_body + "EXTRA");
  REQUIRE(m.ok());
  CHECK(m->body.size() == 51);
  // Leading CRLFs are skipped; CRLF alone is a keep-alive.
  CHECK(sip::parse_message("\r\n" + samples::cucm_trying).ok());
  CHECK(sip::parse_message("\r\n\r\n").error() == sip::errc::keepalive);
  CHECK(sip::parse_message("\n").error() == sip::errc::bad_line_ending);
  // The stream, unlike the datagram, requires Content-Length.
  sip::StreamParser parser;
  std::error_code ec;
  parser.put(no_length, ec);
  CHECK(ec == sip::errc::missing_content_length);
  // After an error the parser stays failed until reset().
  CHECK(parser.put(samples::cucm_trying, ec) == 0);
  CHECK(ec == sip::errc::parser_failed);
  parser.reset();
  CHECK(parser.put(samples::cucm_trying, ec) == samples::cucm_trying.size());
  CHECK_FALSE(ec);
}

TEST_CASE("Content-Length errors", "[sip][framing]") {
  const std::string head = "SIP/2.0 200 OK\r\nCSeq: 1 REGISTER\r\n";
  for (const char* bad : {"Content-Length: x\r\n", "Content-Length: -1\r\n", "Content-Length: \r\n",
                          "Content-Length: 1 2\r\n", "Content-Length: 12345678901\r\n",
                          "Content-Length: 0\r\nl: 1\r\n"}) {
    INFO(bad);
    const std::string text = head + bad + "\r\nx";
    CHECK(sip::parse_message(text).error() == sip::errc::bad_content_length);
    sip::StreamParser parser;
    std::error_code ec;
    parser.put(text, ec);
    CHECK(ec == sip::errc::bad_content_length);
  }
  // Duplicates that agree are accepted.
  CHECK(sip::parse_message(head + "Content-Length: 1\r\nl: 1\r\n\r\nx").ok());
  // A body shorter than Content-Length in a datagram.
  CHECK(sip::parse_message(head + "Content-Length: 5\r\n\r\nabc").error() == sip::errc::truncated);
}

std::error_code stream_error(const std::string& text, const sip::Limits& limits = {}) {
  sip::StreamParser parser{limits};
  std::error_code ec;
  parser.put(text, ec);
  return ec;
}
std::error_code datagram_error(const std::string& text, const sip::Limits& limits = {}) {
  const auto m = sip::parse_message(text, limits);
  return m.ok() ? std::error_code{} : m.error();
}

TEST_CASE("each limit is enforced, on streams and datagrams", "[sip][framing][limits]") {
  const sip::Limits limits;
  const std::string start = "OPTIONS sip:x SIP/2.0\r\n";
  const std::string end = "Content-Length: 0\r\n\r\n";

  SECTION("line length") {
    const std::string at_limit =
        start + "X: " + std::string(limits.max_line - 3, 'a') + "\r\n" + end;
    CHECK_FALSE(stream_error(at_limit));
    CHECK_FALSE(datagram_error(at_limit));
    const std::string over = start + "X: " + std::string(limits.max_line - 2, 'a') + "\r\n" + end;
    CHECK(stream_error(over) == sip::errc::line_too_long);
    CHECK(datagram_error(over) == sip::errc::line_too_long);
    // The start line counts too.
    const std::string long_uri =
        "OPTIONS sip:" + std::string(limits.max_line, 'a') + " SIP/2.0\r\n" + end;
    CHECK(stream_error(long_uri) == sip::errc::line_too_long);
  }
  SECTION("header count (continuation lines do not count)") {
    std::string text = start;
    for (std::size_t i = 0; i + 1 < limits.max_header_count; ++i) text += "X: y\r\n folded\r\n";
    CHECK_FALSE(stream_error(text + end));
    CHECK(stream_error(text + "Y: z\r\n" + end) == sip::errc::too_many_headers);
    CHECK(datagram_error(text + "Y: z\r\n" + end) == sip::errc::too_many_headers);
  }
  SECTION("header section size") {
    std::string text = start;
    while (text.size() < limits.max_header_size)
      text += "X-Filler: " + std::string(200, 'f') + "\r\n";
    CHECK(stream_error(text + end) == sip::errc::headers_too_large);
    CHECK(datagram_error(text + end) == sip::errc::headers_too_large);
  }
  SECTION("body size: refused from Content-Length alone, before any body byte") {
    const std::string text =
        start + "Content-Length: " + std::to_string(limits.max_body + 1) + "\r\n\r\n";
    CHECK(stream_error(text) == sip::errc::body_too_large);
    CHECK(datagram_error(text + std::string(limits.max_body + 1, 'b')) ==
          sip::errc::body_too_large);
    const std::string ok = start + "Content-Length: " + std::to_string(limits.max_body) +
                           "\r\n\r\n" + std::string(limits.max_body, 'b');
    CHECK_FALSE(stream_error(ok));
  }
  SECTION("message size") {
    std::string text = start;
    for (int i = 0; i < 40; ++i) text += "X-Filler: " + std::string(200, 'f') + "\r\n";
    text += "Content-Length: " + std::to_string(limits.max_body) + "\r\n\r\n";
    REQUIRE(text.size() + limits.max_body > limits.max_message);
    CHECK(stream_error(text) == sip::errc::message_too_large);
    CHECK(datagram_error(text + std::string(limits.max_body, 'b')) == sip::errc::message_too_large);
  }
  SECTION("custom limits") {
    sip::Limits small;
    small.max_header_count = 3;
    CHECK(stream_error(samples::cisco_register, small) == sip::errc::too_many_headers);
    small = {};
    small.max_header_size = 200;
    CHECK(stream_error(samples::cisco_register, small) == sip::errc::headers_too_large);
    small = {};
    small.max_body = 50;
    CHECK(stream_error(samples::refer_with_body, small) == sip::errc::body_too_large);
  }
}

TEST_CASE("stream keep-alives: pings, pongs and stray line ends", "[sip][framing]") {
  sip::StreamParser parser;
  std::error_code ec;
  CHECK(parser.put("\r\n\r\n\r\n\r\n", ec) == 8);
  CHECK(ec == sip::errc::need_more);
  CHECK(parser.pings() == 2);
  CHECK(parser.put("\r\n", ec) == 2);
  CHECK(parser.pongs() == 0);  // could still become a ping
  parser.put(samples::cucm_trying, ec);
  CHECK_FALSE(ec);
  CHECK(parser.pongs() == 1);
  parser.release();
  parser.put("\r\r", ec);
  CHECK(ec == sip::errc::bad_line_ending);
  parser.reset();
  parser.put("\n", ec);
  CHECK(ec == sip::errc::bad_line_ending);
}

TEST_CASE("garbage never crashes either parser", "[sip][framing][hostile]") {
  Random random{0x5150};
  std::string alphabet = "\r\n :;,<>\"\\/@=?&%[]SIP/2.0REGISTERViaContent-Length0123456789\t";
  alphabet.push_back('\0');
  alphabet.push_back('\xff');
  const auto samples_list = samples::all();
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    if (round % 3 == 0) {
      // Random bytes.
      const std::size_t size = random.below(400);
      for (std::size_t i = 0; i < size; ++i) text.push_back(static_cast<char>(random.below(256)));
    } else {
      // A sample with mutations from a SIP-flavoured alphabet.
      text = samples_list[random.below(samples_list.size())];
      const std::uint64_t edits = 1 + random.below(8);
      for (std::uint64_t e = 0; e < edits; ++e) {
        const std::size_t at = random.below(text.size());
        const char c = alphabet[random.below(alphabet.size())];
        switch (random.below(3)) {
          case 0:
            text[at] = c;
            break;
          case 1:
            text.insert(at, 1, c);
            break;
          default:
            text.erase(at, 1 + random.below(20));
            break;
        }
        if (text.empty()) text = "x";
      }
    }
    // Datagram: whatever the result, a parsed message re-serialises and parses again.
    const auto m = sip::parse_datagram(bytes_of(text));
    if (m) {
      const auto again = sip::parse_message(sip::serialize(*m));
      INFO(text);
      CHECK(again.ok());
    }
    // Stream, split at a random point.
    sip::StreamParser parser;
    const std::size_t split = random.below(text.size() + 1);
    const std::string_view all{text};
    (void)feed_chunks(parser, {all.substr(0, split), all.substr(split)});
  }
}

}  // namespace
}  // namespace voicelab::test
