// The DNS responder (the lab's server) and resolver (the phone's) with explicit time.

#include <catch2/catch.hpp>

#include "voicelab/dns/resolver.hpp"
#include "voicelab/dns/responder.hpp"

using namespace voicelab;
using namespace voicelab::dns;
using namespace std::chrono_literals;

namespace {

const wire::Ipv4Address dns_a{10, 0, 0, 53};
const wire::Ipv4Address dns_b{10, 0, 0, 54};
const wire::Ipv4Address phone{10, 1, 100, 10};
const wire::Ipv4Address cucm{10, 0, 0, 20};

Responder lab_responder() {
  ResponderConfig config;
  config.hosts = {{"cucm1.voice.lab", cucm},
                  {"tftp.voice.lab", wire::Ipv4Address{10, 0, 0, 10}},
                  {"tftp.voice.lab", wire::Ipv4Address{10, 0, 0, 11}}};
  return Responder(config);
}

Message query(std::string name, std::uint16_t type = rr_type::a, std::uint16_t id = 7) {
  Message m;
  m.id = id;
  m.recursion_desired = true;
  m.questions.push_back({std::move(name), type, rr_class::in});
  return m;
}

// Sends a query to the responder and returns its decoded answer (nullopt: no answer).
std::optional<Message> ask(Responder& responder, const std::vector<std::uint8_t>& bytes) {
  responder.handle_datagram(0s, Datagram{{phone, 50000}, {dns_a, port}, 0, bytes});
  auto out = responder.poll_transmit();
  if (!out) return std::nullopt;
  CHECK(out->destination == dns::Endpoint{phone, 50000});
  CHECK(out->source_port == port);
  auto m = decode_message(out->payload);
  REQUIRE(m.ok());
  return *m;
}

std::optional<Message> ask(Responder& responder, const Message& m) {
  return ask(responder, *encode_message(m));
}

struct ResolverRig {
  explicit ResolverRig(std::vector<wire::Ipv4Address> servers = {dns_a, dns_b})
      : random(3), resolver(ResolverConfig{std::move(servers), 2s, 3, 40000}, random) {}

  std::vector<OutgoingDatagram> sent() {
    std::vector<OutgoingDatagram> out;
    while (auto d = resolver.poll_transmit()) out.push_back(std::move(*d));
    return out;
  }
  std::vector<ResolverEvent> events() {
    std::vector<ResolverEvent> out;
    while (auto e = resolver.poll_event()) out.push_back(std::move(*e));
    return out;
  }
  std::optional<ResolveResult> result() {
    for (auto& e : events()) {
      if (e.kind == ResolverEventKind::completed) return e.result;
    }
    return std::nullopt;
  }
  // Hands the resolver's last query to `responder` and the answer back, from `server`.
  void answer_with(Time now, Responder& responder, const OutgoingDatagram& q,
                   wire::Ipv4Address server) {
    responder.handle_datagram(now, Datagram{{phone, q.source_port}, {server, port}, 0, q.payload});
    auto a = responder.poll_transmit();
    REQUIRE(a);
    resolver.handle_datagram(now,
                             Datagram{{server, port}, {phone, a->destination.port}, 0, a->payload});
  }

  Random random;
  Resolver resolver;
};

}  // namespace

TEST_CASE("the responder answers A queries from its table", "[dns][responder]") {
  auto responder = lab_responder();
  const auto answer = ask(responder, query("cucm1.voice.lab"));
  REQUIRE(answer);
  CHECK(answer->id == 7);
  CHECK(answer->is_response);
  CHECK(answer->authoritative);
  CHECK(answer->recursion_desired);
  CHECK_FALSE(answer->recursion_available);
  CHECK(answer->rcode == Rcode::no_error);
  REQUIRE(answer->answers.size() == 1);
  CHECK(answer->answers[0].address() == cucm);
  CHECK(answer->answers[0].ttl == 3600);
  // The bytes are those of RFC 1035's layout with the answer name compressed to 0xc00c.
  responder.handle_datagram(
      0s, Datagram{{phone, 50000},
                   {dns_a, port},
                   0,
                   *encode_message(query("cucm1.voice.lab", rr_type::a, 0x1234))});
  const auto out = responder.poll_transmit();
  REQUIRE(out);
  CHECK(std::vector<std::uint8_t>(out->payload.end() - 16, out->payload.end()) ==
        std::vector<std::uint8_t>{0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 10, 0, 0, 20});

  SECTION("names are case-insensitive; the question is echoed as asked") {
    const auto mixed = ask(responder, query("CUCM1.Voice.Lab."));
    REQUIRE(mixed);
    REQUIRE(mixed->answers.size() == 1);
    CHECK(mixed->questions[0].name == "CUCM1.Voice.Lab");
  }
  SECTION("several addresses for one name") {
    const auto tftp = ask(responder, query("tftp.voice.lab"));
    REQUIRE(tftp);
    CHECK(tftp->answers.size() == 2);
  }
  SECTION("an unknown name: NXDOMAIN") {
    const auto missing = ask(responder, query("nosuch.voice.lab"));
    REQUIRE(missing);
    CHECK(missing->rcode == Rcode::name_error);
    CHECK(missing->answers.empty());
    CHECK(missing->questions.size() == 1);
    CHECK(responder.counters().name_errors == 1);
  }
  SECTION("a known name, another type: no data") {
    const auto aaaa = ask(responder, query("cucm1.voice.lab", rr_type::aaaa));
    REQUIRE(aaaa);
    CHECK(aaaa->rcode == Rcode::no_error);
    CHECK(aaaa->answers.empty());
  }
  SECTION("failing on purpose: SERVFAIL") {
    responder.set_failing(0s, true);
    const auto failed = ask(responder, query("cucm1.voice.lab"));
    REQUIRE(failed);
    CHECK(failed->rcode == Rcode::server_failure);
    CHECK(failed->answers.empty());
  }
  SECTION("hosts can be added and removed") {
    responder.add_host(0s, "cucm2.voice.lab", wire::Ipv4Address{10, 0, 0, 21});
    CHECK(ask(responder, query("cucm2.voice.lab"))->answers.size() == 1);
    responder.remove_host(0s, "CUCM2.voice.lab");
    CHECK(ask(responder, query("cucm2.voice.lab"))->rcode == Rcode::name_error);
  }
}

TEST_CASE("the responder rejects what it cannot answer", "[dns][responder]") {
  auto responder = lab_responder();
  SECTION("another opcode: NOTIMP") {
    auto m = query("cucm1.voice.lab");
    m.opcode = 2;
    CHECK(ask(responder, m)->rcode == Rcode::not_implemented);
  }
  SECTION("two questions: FORMERR") {
    auto m = query("cucm1.voice.lab");
    m.questions.push_back({"tftp.voice.lab"});
    CHECK(ask(responder, m)->rcode == Rcode::format_error);
  }
  SECTION("class CHAOS: REFUSED") {
    auto m = query("version.bind");
    m.questions[0].qclass = 3;
    CHECK(ask(responder, m)->rcode == Rcode::refused);
  }
  SECTION("undecodable with a readable header: FORMERR with the query's id") {
    const std::vector<std::uint8_t> bad{0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c};
    const auto answer = ask(responder, bad);
    REQUIRE(answer);
    CHECK(answer->id == 0xbeef);
    CHECK(answer->rcode == Rcode::format_error);
    CHECK(responder.counters().malformed == 1);
    const auto event = responder.poll_event();
    REQUIRE(event);
    CHECK(event->kind == ResponderEventKind::malformed);
  }
  SECTION("shorter than a header: dropped") {
    CHECK_FALSE(ask(responder, std::vector<std::uint8_t>{1, 2, 3}));
  }
  SECTION("a response is never answered") {
    auto m = query("cucm1.voice.lab");
    m.is_response = true;
    CHECK_FALSE(ask(responder, m));
    CHECK(responder.counters().ignored == 1);
  }
}

TEST_CASE("the resolver gets an address", "[dns][resolver]") {
  ResolverRig rig;
  auto responder = lab_responder();
  const auto id = rig.resolver.resolve(0s, "cucm1.voice.lab");
  auto out = rig.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].destination == dns::Endpoint{dns_a, port});
  CHECK(out[0].source_port == 40000);
  const auto q = *decode_message(out[0].payload);
  CHECK(q.recursion_desired);
  CHECK(q.questions.at(0) == Question{"cucm1.voice.lab", rr_type::a, rr_class::in});
  rig.answer_with(10ms, responder, out[0], dns_a);
  const auto result = rig.result();
  REQUIRE(result);
  CHECK(result->query == id);
  CHECK(result->status == ResolveStatus::resolved);
  CHECK(result->addresses == std::vector{cucm});
  CHECK(result->server == dns_a);
  CHECK(result->finished == Time{10ms});
  CHECK(result->describe() == "DNS: cucm1.voice.lab is 10.0.0.20 (from 10.0.0.53) after 1 query");
  CHECK(rig.resolver.pending() == 0);
  CHECK_FALSE(rig.resolver.next_timeout());
}

TEST_CASE("the resolver's retry timeline: servers in order, 2 s each, 3 rounds",
          "[dns][resolver][timing]") {
  ResolverRig rig;
  rig.resolver.resolve(0s, "cucm1.voice.lab");
  std::vector<std::pair<Time, wire::Ipv4Address>> sends;
  for (const auto& d : rig.sent()) sends.emplace_back(0s, d.destination.address);
  while (auto t = rig.resolver.next_timeout()) {
    rig.resolver.handle_timeout(*t);
    for (const auto& d : rig.sent()) sends.emplace_back(*t, d.destination.address);
    if (rig.resolver.pending() == 0) {
      const auto result = rig.result();
      REQUIRE(result);
      CHECK(result->status == ResolveStatus::timed_out);
      CHECK(result->finished == Time{12s});
      CHECK(result->transmissions == 6);
    }
  }
  const std::vector<std::pair<Time, wire::Ipv4Address>> expected{
      {0s, dns_a}, {2s, dns_b}, {4s, dns_a}, {6s, dns_b}, {8s, dns_a}, {10s, dns_b}};
  CHECK(sends == expected);
}

TEST_CASE("resolver outcomes other than an address", "[dns][resolver]") {
  auto responder = lab_responder();
  SECTION("NXDOMAIN ends the lookup at once") {
    ResolverRig rig;
    rig.resolver.resolve(0s, "nosuch.voice.lab");
    rig.answer_with(5ms, responder, rig.sent().at(0), dns_a);
    const auto result = rig.result();
    REQUIRE(result);
    CHECK(result->status == ResolveStatus::name_error);
    CHECK(result->transmissions == 1);
  }
  SECTION("SERVFAIL moves on to the next server immediately") {
    ResolverRig rig;
    auto failing = lab_responder();
    failing.set_failing(0s, true);
    rig.resolver.resolve(0s, "cucm1.voice.lab");
    rig.answer_with(5ms, failing, rig.sent().at(0), dns_a);
    const auto retry = rig.sent();
    REQUIRE(retry.size() == 1);
    CHECK(retry[0].destination.address == dns_b);
    rig.answer_with(10ms, responder, retry[0], dns_b);
    const auto result = rig.result();
    REQUIRE(result);
    CHECK(result->status == ResolveStatus::resolved);
    CHECK(result->server == dns_b);
  }
  SECTION("every server failing: server failure") {
    ResolverRig rig({dns_a});
    auto failing = lab_responder();
    failing.set_failing(0s, true);
    rig.resolver.resolve(0s, "cucm1.voice.lab");
    for (int i = 0; i < 3; ++i)
      rig.answer_with(Time{std::chrono::milliseconds(i)}, failing, rig.sent().at(0), dns_a);
    const auto result = rig.result();
    REQUIRE(result);
    CHECK(result->status == ResolveStatus::server_failure);
    CHECK(result->transmissions == 3);
  }
  SECTION("no servers, or a name that cannot be asked") {
    ResolverRig rig(std::vector<wire::Ipv4Address>{});
    rig.resolver.resolve(0s, "cucm1.voice.lab");
    CHECK(rig.sent().empty());
    CHECK(rig.result()->status == ResolveStatus::no_servers);
    ResolverRig other;
    other.resolver.resolve(0s, "bad..name");
    CHECK(other.result()->status == ResolveStatus::bad_name);
  }
  SECTION("cancelled: nothing more") {
    ResolverRig rig;
    const auto id = rig.resolver.resolve(0s, "cucm1.voice.lab");
    rig.resolver.cancel(1s, id);
    CHECK_FALSE(rig.resolver.next_timeout());
    rig.events();
    rig.resolver.handle_timeout(10s);
    CHECK(rig.sent().size() == 1);
    CHECK(rig.events().empty());
  }
}

TEST_CASE("the resolver ignores answers that are not for its lookup", "[dns][resolver]") {
  ResolverRig rig;
  auto responder = lab_responder();
  rig.resolver.resolve(0s, "cucm1.voice.lab");
  const auto q = rig.sent().at(0);
  responder.handle_datagram(0s, Datagram{{phone, q.source_port}, {dns_a, port}, 0, q.payload});
  const auto a = *responder.poll_transmit();
  auto deliver = [&](wire::Ipv4Address from, std::uint16_t from_port, std::uint16_t to_port,
                     std::vector<std::uint8_t> bytes) {
    rig.resolver.handle_datagram(1ms, Datagram{{from, from_port}, {phone, to_port}, 0, bytes});
  };
  deliver(dns_b, port, 40000, a.payload);  // a server it did not ask yet
  deliver(dns_a, 5353, 40000, a.payload);  // not from port 53
  deliver(dns_a, port, 40001, a.payload);  // not to its port
  auto wrong_id = a.payload;
  wrong_id.at(1) ^= 0xff;
  deliver(dns_a, port, 40000, wrong_id);   // unknown id
  deliver(dns_a, port, 40000, {1, 2, 3});  // garbage
  CHECK(rig.resolver.pending() == 1);
  CHECK(rig.resolver.counters().ignored == 4);
  CHECK(rig.resolver.counters().malformed == 1);
  deliver(dns_a, port, 40000, a.payload);
  CHECK(rig.resolver.pending() == 0);
}

TEST_CASE("a random local port when none is configured", "[dns][resolver]") {
  Random random(99);
  Resolver resolver(ResolverConfig{{dns_a}}, random);
  CHECK(resolver.local_port() >= 49152);
  Random same(99);
  CHECK(Resolver(ResolverConfig{{dns_a}}, same).local_port() == resolver.local_port());
  CHECK_THROWS_AS(Resolver(ResolverConfig{{dns_a}, 0s}, random), std::invalid_argument);
}
