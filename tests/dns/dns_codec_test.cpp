// DNS codec: messages hand-assembled from RFC 1035 §4.1 (header, question, resource record,
// compression pointers), round trips and hostile input.

#include <catch2/catch.hpp>

#include "voicelab/dns/error.hpp"
#include "voicelab/dns/message.hpp"
#include "voicelab/wire/error.hpp"
#include "voicelab/wire/random.hpp"

using namespace voicelab;
using namespace voicelab::dns;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// cucm1.voice.lab as labels (RFC 1035 §3.1): 5 "cucm1" 5 "voice" 3 "lab" 0.
const Bytes qname{5, 'c', 'u', 'c', 'm', '1', 5, 'v', 'o', 'i', 'c', 'e', 3, 'l', 'a', 'b', 0};

// Query: id 0x1234, RD, one question A/IN.
const Bytes reference_query =
    concat({{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}, qname, {0, 1, 0, 1}});

// Answer: QR AA RD, NOERROR, the question again, one A record whose name is a pointer to the
// question's name at offset 12 (0xc00c), TTL 3600, 10.0.0.20.
const Bytes reference_answer =
    concat({{0x12, 0x34, 0x85, 0x00, 0, 1, 0, 1, 0, 0, 0, 0},
            qname,
            {0, 1, 0, 1},
            {0xc0, 0x0c, 0, 1, 0, 1, 0x00, 0x00, 0x0e, 0x10, 0, 4, 10, 0, 0, 20}});

// NXDOMAIN: QR AA RD, rcode 3, the question, no answer.
const Bytes reference_nxdomain =
    concat({{0x12, 0x34, 0x85, 0x03, 0, 1, 0, 0, 0, 0, 0, 0}, qname, {0, 1, 0, 1}});

Message must_decode(const Bytes& bytes) {
  auto m = decode_message(bytes);
  INFO(m.error().message());
  REQUIRE(m.ok());
  return *m;
}

}  // namespace

TEST_CASE("the reference query and answer decode", "[dns][codec]") {
  const auto query = must_decode(reference_query);
  CHECK(query.id == 0x1234);
  CHECK_FALSE(query.is_response);
  CHECK(query.recursion_desired);
  CHECK(query.opcode == 0);
  REQUIRE(query.questions.size() == 1);
  CHECK(query.questions[0] == Question{"cucm1.voice.lab", rr_type::a, rr_class::in});

  const auto answer = must_decode(reference_answer);
  CHECK(answer.is_response);
  CHECK(answer.authoritative);
  CHECK_FALSE(answer.recursion_available);
  CHECK(answer.rcode == Rcode::no_error);
  REQUIRE(answer.answers.size() == 1);
  CHECK(answer.answers[0].name == "cucm1.voice.lab");  // through the pointer
  CHECK(answer.answers[0].ttl == 3600);
  CHECK(answer.answers[0].address() == wire::Ipv4Address{10, 0, 0, 20});

  const auto nxdomain = must_decode(reference_nxdomain);
  CHECK(nxdomain.rcode == Rcode::name_error);
  CHECK(nxdomain.answers.empty());
  CHECK(to_string(nxdomain.rcode) == "NXDOMAIN");
}

TEST_CASE("the encoder reproduces the reference bytes, compressing names", "[dns][codec]") {
  Message query;
  query.id = 0x1234;
  query.recursion_desired = true;
  query.questions.push_back({"cucm1.voice.lab"});
  CHECK(*encode_message(query) == reference_query);

  Message answer = query;
  answer.is_response = true;
  answer.authoritative = true;
  answer.answers.push_back(Record::a("cucm1.voice.lab", wire::Ipv4Address{10, 0, 0, 20}, 3600));
  CHECK(*encode_message(answer) == reference_answer);

  for (const auto& bytes : {reference_query, reference_answer, reference_nxdomain}) {
    CHECK(*encode_message(must_decode(bytes)) == bytes);
  }
}

TEST_CASE("a suffix is compressed against an earlier name", "[dns][codec]") {
  Message m;
  m.is_response = true;
  m.questions.push_back({"cucm1.voice.lab"});
  m.answers.push_back(Record::a("tftp.voice.lab", wire::Ipv4Address{10, 0, 0, 10}, 60));
  const auto bytes = *encode_message(m);
  // 4 "tftp" then a pointer to "voice.lab" at offset 12 + 6 = 18.
  const Bytes expected_name{4, 't', 'f', 't', 'p', 0xc0, 18};
  CHECK(Bytes(bytes.begin() + 33, bytes.begin() + 40) == expected_name);
  CHECK(must_decode(bytes) == m);
}

TEST_CASE("every truncation fails cleanly", "[dns][codec][hostile]") {
  for (const auto& bytes : {reference_query, reference_answer, reference_nxdomain}) {
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      const Bytes prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      INFO("length " << n);
      CHECK_FALSE(decode_message(prefix).ok());
    }
  }
}

TEST_CASE("compression pointers cannot loop or point forward", "[dns][codec][hostile]") {
  const Bytes header{0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0};
  SECTION("a pointer to itself") {
    CHECK(decode_message(concat({header, {0xc0, 0x0c, 0, 1, 0, 1}})).error() == errc::bad_pointer);
  }
  SECTION("a pointer forward") {
    CHECK(decode_message(concat({header, {0xc0, 0x0e, 0, 1, 0, 1, 0}})).error() ==
          errc::bad_pointer);
  }
  SECTION("two names pointing at each other") {
    // Question name at 12: "a" then a pointer to 18; at 18: "b" then a pointer back to 12.
    auto bytes = concat({header, {1, 'a', 0xc0, 18, 0, 1}, {1, 'b', 0xc0, 12}});
    CHECK(decode_message(bytes).error() == errc::bad_pointer);
  }
  SECTION("a pointer cut in half") {
    CHECK(decode_message(concat({header, {0xc0}})).error() == wire::errc::truncated);
  }
}

TEST_CASE("malformed names, counts and records", "[dns][codec][hostile]") {
  const Bytes header{0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0};
  SECTION("reserved label bits") {
    CHECK(decode_message(concat({header, {0x41, 'a', 0, 0, 1, 0, 1}})).error() == errc::bad_label);
  }
  SECTION("a dot inside a label") {
    CHECK(decode_message(concat({header, {3, 'a', '.', 'b', 0, 0, 1, 0, 1}})).error() ==
          errc::bad_label);
  }
  SECTION("a name over 255 bytes") {
    Bytes name;
    for (int i = 0; i < 5; ++i) {
      name.push_back(63);
      name.insert(name.end(), 63, 'x');
    }
    name.push_back(0);
    CHECK(decode_message(concat({header, name, {0, 1, 0, 1}})).error() == errc::name_too_long);
  }
  SECTION("counts far beyond the bytes") {
    const Bytes absurd{0, 1, 0x81, 0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    CHECK(decode_message(absurd).error() == wire::errc::truncated);
  }
  SECTION("an A record of 5 bytes") {
    const Bytes bad = concat({{0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0},
                              {0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 5, 1, 2, 3, 4, 5}});
    CHECK(decode_message(bad).error() == errc::bad_rdata);
  }
  SECTION("names the encoder refuses") {
    Message m;
    m.questions.push_back({"a..b"});
    CHECK(encode_message(m).error() == errc::bad_label);
    m.questions[0].name = std::string(64, 'x') + ".lab";
    CHECK(encode_message(m).error() == errc::bad_label);
    std::string long_name;
    for (int i = 0; i < 5; ++i) long_name += std::string(60, 'y') + ".";
    m.questions[0].name = long_name;
    CHECK(encode_message(m).error() == errc::name_too_long);
    m.questions[0].name = "lab.";  // a final dot is fine
    CHECK(must_decode(*encode_message(m)).questions[0].name == "lab");
  }
}

TEST_CASE("random garbage never crashes the DNS decoder", "[dns][codec][hostile]") {
  Random random(53);
  for (int round = 0; round < 5000; ++round) {
    Bytes bytes(random.below(120));
    for (auto& b : bytes) b = static_cast<std::uint8_t>(random.next());
    if (bytes.size() >= 12 && random.chance(0.7)) {
      // Small counts, so the sections are actually parsed.
      for (std::size_t i = 4; i < 12; i += 2) {
        bytes[i] = 0;
        bytes[i + 1] = static_cast<std::uint8_t>(random.below(3));
      }
    }
    auto m = decode_message(bytes);
    if (m) {
      auto once = encode_message(*m);
      REQUIRE(once.ok());
      CHECK(must_decode(*once) == *m);
    }
  }
}

TEST_CASE("names compare case-insensitively", "[dns][codec]") {
  CHECK(canonical_name("CUCM1.Voice.LAB.") == "cucm1.voice.lab");
  CHECK(canonical_name("") == "");
}

TEST_CASE("every voicelab.dns error has a message", "[dns][codec]") {
  for (int v = 0; v <= static_cast<int>(errc::too_many_records); ++v) {
    const std::error_code ec = static_cast<errc>(v);
    CHECK(std::string(ec.category().name()) == "voicelab.dns");
    CHECK(ec.message() != "unknown voicelab.dns error");
  }
}
