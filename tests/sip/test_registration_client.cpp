// sip::RegistrationClient driven against minimal in-test CUCM nodes: the replies come from the
// sip::cisco builders, the framing from the sip codec, time is explicit and there is no network.
// Each FakeCucm can be up, refuse connections (RST), or swallow them (no SYN-ACK), and answer
// REGISTERs with 200 OK, a rejection, silence, or hostile bytes.

#include <algorithm>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "voicelab/sip/cisco.hpp"
#include "voicelab/sip/error.hpp"
#include "voicelab/sip/headers.hpp"
#include "voicelab/sip/parser.hpp"
#include "voicelab/sip/registration_client.hpp"

namespace voicelab::test {
namespace {

using namespace std::chrono_literals;
using sip::ConnectionId;
using sip::RegistrationEventKind;
using Kind = sip::RegistrationEventKind;

const wire::MacAddress kMac = wire::MacAddress::from_u64(0x0041d25a0f3cULL);
const wire::Ipv4Address kPhoneIp{10, 10, 20, 31};

enum class NodeMode { up, refuse, blackhole };
enum class Answer { ok, reject, silent, garbage };

struct Received {
  Time at{};
  ConnectionId conn = 0;  // 0 over UDP
  sip::Message message;
};

struct FakeCucm {
  sip::RegistrarNode node;
  NodeMode mode = NodeMode::up;
  Answer answer = Answer::ok;
  int reject_code = 403;
  std::uint32_t expires = 120;  // CUCM's SIP station keepalive interval
  int drop_ok = 0;              // lose this many 200 OKs (UDP)
  bool hold = false;            // keep replies until release()
  std::string garbage = "\x16\x03\x01\x02\x01 this is not SIP\r\n\r\n";
  std::vector<Received> received;
  std::map<ConnectionId, sip::StreamParser> conns;

  // REGISTERs received with the given Expires value (or any when nullopt), optionally for one DN.
  [[nodiscard]] std::vector<Received> registers(std::optional<std::uint32_t> with_expires,
                                                std::string_view dn = {}) const {
    std::vector<Received> out;
    for (const auto& r : received) {
      if (r.message.method != "REGISTER") continue;
      const auto e = sip::expires_header(r.message);
      if (with_expires && (!e || *e != *with_expires)) continue;
      if (!dn.empty()) {
        const auto to = sip::to_header(r.message);
        if (!to || to->uri.user != dn) continue;
      }
      out.push_back(r);
    }
    return out;
  }
};

struct Held {
  ConnectionId conn = 0;
  std::string bytes;
};

class Lab {
 public:
  explicit Lab(sip::RegistrationClientConfig config, std::uint64_t seed = 7)
      : random_(seed), client_(config, random_) {
    for (const auto& n : config.nodes) {
      FakeCucm f;
      f.node = n;
      cucm.push_back(std::move(f));
    }
  }

  void start() {
    client_.start(now, kPhoneIp);
    pump();
  }
  void stop() {
    client_.stop(now);
    pump();
  }

  void run_until(Time t) {
    pump();
    for (int guard = 0; guard < 1'000'000; ++guard) {
      const auto next = client_.next_timeout();
      if (!next || *next > t) break;
      now = std::max(now, *next);
      client_.handle_timeout(now);
      pump();
    }
    now = t;
  }
  void run_for(Duration d) { run_until(now + d); }

  // The node closes every connection (service stopped) and refuses new ones.
  void kill(std::size_t i) {
    cucm[i].mode = NodeMode::refuse;
    const auto conns = cucm[i].conns;
    cucm[i].conns.clear();
    for (const auto& [id, parser] : conns) {
      conn_node_.erase(id);
      client_.handle_closed(now, id);
    }
    pump();
  }

  void release(std::size_t i) {
    auto held = std::move(held_[i]);
    held_[i].clear();
    for (const auto& h : held) deliver(i, h.conn, h.bytes);
    pump();
  }

  sip::RegistrationClient& client() { return client_; }
  [[nodiscard]] const std::vector<sip::RegistrationEvent>& events() const { return events_; }
  [[nodiscard]] std::vector<sip::RegistrationEvent> events(Kind kind) const {
    std::vector<sip::RegistrationEvent> out;
    for (const auto& e : events_) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }
  [[nodiscard]] std::string transcript() const {
    std::ostringstream out;
    for (const auto& e : events_) {
      out << std::chrono::duration_cast<std::chrono::milliseconds>(e.at).count() << " ms "
          << sip::to_string(e.kind) << " [" << e.node << "] " << e.line << ' ' << e.status << ' '
          << e.detail << '\n';
    }
    return out.str();
  }

  std::vector<FakeCucm> cucm;
  Time now{};
  std::vector<std::pair<Time, sip::Connect>> connects;
  std::vector<std::pair<Time, ConnectionId>> closes;
  std::vector<sip::SendDatagram> datagrams;
  std::vector<std::string> sent;  // every payload the phone sent, in order

 private:
  std::size_t index_of(const sip::RegistrarNode& node) const {
    for (std::size_t i = 0; i < cucm.size(); ++i) {
      if (cucm[i].node == node) return i;
    }
    FAIL("command for an unknown node " << node.name);
    return 0;
  }

  void pump() {
    for (int guard = 0; guard < 100'000; ++guard) {
      while (auto e = client_.poll_event()) events_.push_back(std::move(*e));
      auto command = client_.poll_command();
      if (!command) return;
      std::visit([this](auto& c) { handle(c); }, *command);
    }
    FAIL("the client never stops producing commands");
  }

  void handle(const sip::Connect& c) {
    connects.emplace_back(now, c);
    const std::size_t i = index_of(c.node);
    switch (cucm[i].mode) {
      case NodeMode::up:
        cucm[i].conns.emplace(c.id, sip::StreamParser{});
        conn_node_[c.id] = i;
        client_.handle_connected(now, c.id, static_cast<std::uint16_t>(51000 + c.id));
        break;
      case NodeMode::refuse:
        client_.handle_connect_failed(now, c.id, "connection refused (RST)");
        break;
      case NodeMode::blackhole:
        break;  // no SYN-ACK, no RST: the client's connect timeout decides
    }
  }

  void handle(const sip::Close& c) {
    closes.emplace_back(now, c.id);
    if (const auto it = conn_node_.find(c.id); it != conn_node_.end()) {
      cucm[it->second].conns.erase(c.id);
      conn_node_.erase(it);
    }
  }

  void handle(const sip::SendBytes& s) {
    sent.emplace_back(s.bytes.begin(), s.bytes.end());
    const auto it = conn_node_.find(s.id);
    REQUIRE(it != conn_node_.end());  // the client writes only on connections it has
    const std::size_t i = it->second;
    auto& parser = cucm[i].conns.at(s.id);
    wire::Bytes data{s.bytes};
    std::error_code ec;
    std::string reply;
    while (!data.empty()) {
      const std::size_t used = parser.put(data, ec);
      data = data.subspan(used);
      if (ec == sip::errc::need_more) break;
      REQUIRE_FALSE(ec);  // the phone always sends well-formed SIP
      const auto m = parser.release();
      cucm[i].received.push_back({now, s.id, m});
      reply += answer(cucm[i], m, true);
    }
    if (reply.empty()) return;
    if (cucm[i].hold) {
      held_[i].push_back({s.id, reply});
      return;
    }
    deliver(i, s.id, reply);
  }

  void handle(const sip::SendDatagram& d) {
    datagrams.push_back(d);
    sent.emplace_back(d.payload.begin(), d.payload.end());
    const std::size_t i = index_of(d.node);
    if (cucm[i].mode != NodeMode::up) return;
    auto m = sip::parse_datagram(wire::Bytes{d.payload});
    REQUIRE(m.ok());
    cucm[i].received.push_back({now, 0, *m});
    const std::string reply = answer(cucm[i], *m, false);
    if (reply.empty()) return;
    if (cucm[i].hold) {
      held_[i].push_back({0, reply});
      return;
    }
    deliver(i, 0, reply);
  }

  void deliver(std::size_t i, ConnectionId conn, const std::string& bytes) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(bytes.data());
    if (conn != 0) {
      if (!cucm[i].conns.contains(conn)) return;  // closed meanwhile
      client_.handle_bytes(now, conn, wire::Bytes{p, bytes.size()});
    } else {
      client_.handle_datagram(now, cucm[i].node.address, cucm[i].node.port,
                              wire::Bytes{p, bytes.size()});
    }
  }

  // CUCM's answer to one request, as bytes (over UDP only the final response is returned: the
  // 100 Trying adds nothing to what is tested there).
  static std::string answer(FakeCucm& f, const sip::Message& request, bool tcp) {
    if (request.method != "REGISTER") return {};
    sip::cisco::CucmReply reply;
    reply.to_tag = "1425238398";
    reply.date = "Mon, 24 Nov 2025 06:40:00 GMT";
    switch (f.answer) {
      case Answer::silent:
        return {};
      case Answer::garbage:
        return f.garbage;
      case Answer::reject: {
        auto m = sip::make_response(request, f.reject_code, "Forbidden");
        m.set("To", std::string(*m.get("To")) + ";tag=" + reply.to_tag);
        m.add("Warning", "399 " + f.node.name + " \"Unknown device\"");
        m.add("Content-Length", "0");
        return sip::serialize(m);
      }
      case Answer::ok:
        break;
    }
    const auto asked = sip::expires_header(request);
    reply.expires = asked && *asked == 0 ? 0 : f.expires;
    std::string out;
    if (tcp) out = sip::serialize(sip::cisco::build_trying(request, reply));
    if (!tcp && f.drop_ok > 0) {
      --f.drop_ok;
      return {};
    }
    return out + sip::serialize(sip::cisco::build_register_ok(request, reply));
  }

  Random random_;
  sip::RegistrationClient client_;
  std::vector<sip::RegistrationEvent> events_;
  std::map<ConnectionId, std::size_t> conn_node_;
  std::map<std::size_t, std::vector<Held>> held_;
};

sip::RegistrationClientConfig make_config(std::size_t lines = 2,
                                          sip::Transport transport = sip::Transport::tcp) {
  sip::RegistrationClientConfig c;
  c.mac = kMac;
  c.model = "CP-8861";
  c.load_id = "sip88xx.12-8-1-0001-455";
  const char* dns[] = {"1001", "1002", "1003"};
  for (std::size_t i = 0; i < lines; ++i) c.lines.push_back({dns[i], "Line " + std::to_string(i)});
  c.nodes.push_back({"cucm1", wire::Ipv4Address{10, 10, 10, 11}, 5060});
  c.nodes.push_back({"cucm2", wire::Ipv4Address{10, 10, 10, 12}, 5060});
  c.transport = transport;
  return c;
}

// Element i, or a test failure (not undefined behaviour) when the client produced fewer.
template <class V>
auto nth(const V& v, std::size_t i) {
  REQUIRE(i < v.size());
  return v[i];
}

std::string header(const sip::Message& m, std::string_view name) {
  const auto v = m.get(name);
  return v ? std::string(*v) : std::string();
}

std::uint32_t cseq_of(const sip::Message& m) {
  const auto c = sip::cseq_header(m);
  REQUIRE(c.ok());
  return c->number;
}

std::string registered_node(Lab& lab) {
  const auto node = lab.client().registered_with();
  return node ? node->name : std::string("<not registered>");
}

bool has_event(const Lab& lab, Kind kind, std::string_view node = {}) {
  for (const auto& e : lab.events()) {
    if (e.kind == kind && (node.empty() || e.node == node)) return true;
  }
  return false;
}

// --- registration -----------------------------------------------------------------------------

TEST_CASE("two-line phone registers both lines over TCP, line 1 first, Cisco-style",
          "[sip][registration_client]") {
  Lab lab(make_config(2));
  lab.cucm[0].hold = true;  // CUCM answers only when the test says so
  lab.start();

  REQUIRE(lab.connects.size() == 1);
  CHECK(nth(lab.connects, 0).second.node.name == "cucm1");
  CHECK(lab.client().state() == sip::ClientState::registering);
  // Line 2 waits for line 1's 200 OK.
  REQUIRE(lab.cucm[0].received.size() == 1);
  CHECK(sip::to_header(lab.cucm[0].received[0].message)->uri.user == "1001");

  lab.run_until(10ms);
  lab.release(0);  // 100 Trying + 200 OK for 1001 -> the REGISTER for 1002 goes out
  REQUIRE(lab.cucm[0].received.size() == 2);
  CHECK(sip::to_header(lab.cucm[0].received[1].message)->uri.user == "1002");
  CHECK_FALSE(lab.client().registered());
  lab.run_until(20ms);
  lab.release(0);
  INFO(lab.transcript());
  REQUIRE(lab.client().registered());
  REQUIRE(lab.client().registered_with());
  CHECK(registered_node(lab) == "cucm1");

  const auto& first = lab.cucm[0].received[0].message;
  const auto& second = lab.cucm[0].received[1].message;
  const std::uint16_t port = static_cast<std::uint16_t>(51000 + nth(lab.connects, 0).second.id);
  CHECK(first.request_uri == "sip:10.10.10.11");
  CHECK(header(first, "Via")
            .starts_with("SIP/2.0/TCP 10.10.20.31:" + std::to_string(port) + ";branch=z9hG4bK"));
  CHECK(header(first, "From").starts_with("<sip:1001@10.10.10.11>;tag=0041d25a0f3c"));
  CHECK(header(first, "Expires") == "3600");
  CHECK(header(first, "User-Agent") == "Cisco-CP8861/12.8.1");
  CHECK(header(first, "Date") == "Mon, 24 Nov 2025 06:40:00 GMT");
  CHECK(header(first, "Reason").find("Load=sip88xx.12-8-1-0001-455") != std::string::npos);
  CHECK_FALSE(second.find("Reason"));  // only the first REGISTER reports the loads
  const auto contact = sip::parse_contacts(first);
  REQUIRE(contact.ok());
  REQUIRE(contact->contacts.size() == 1);
  const auto& c = contact->contacts[0];
  CHECK(c.uri.host == "10.10.20.31");
  CHECK(c.uri.port == port);
  CHECK(c.uri.transport() == "tcp");
  CHECK(c.param("+sip.instance") == "<urn:uuid:00000000-0000-0000-0000-0041d25a0f3c>");
  CHECK(c.param("+u.sip!devicename.ccm.cisco.com") == "SEP0041D25A0F3C");
  CHECK(c.param("+u.sip!model.ccm.cisco.com") == "684");
  // One device, one Contact; one registration dialog per line.
  CHECK(sip::parse_contacts(second)->contacts[0].uri.user == c.uri.user);
  CHECK(header(first, "Call-ID") != header(second, "Call-ID"));
  CHECK(cseq_of(first) == 101);
  CHECK(cseq_of(second) == 101);
  CHECK(lab.cucm[0].received[0].conn == lab.cucm[0].received[1].conn);  // one TCP connection

  const auto& lines = lab.client().lines();
  REQUIRE(lines.size() == 2);
  for (const auto& line : lines) {
    CHECK(line.state == sip::LineState::registered);
    CHECK(line.node == "cucm1");
    CHECK(line.last_status == 200);
  }
  CHECK(lines[1].expires_at == 20ms + 120s);
  CHECK(lines[1].refresh_at == 20ms + 115s);
  const auto registered_lines = lab.events(Kind::line_registered);
  REQUIRE(registered_lines.size() == 2);
  CHECK(registered_lines[0].line == "1001");
  CHECK(registered_lines[1].line == "1002");
  CHECK(lab.events(Kind::registered).size() == 1);
  CHECK(nth(lab.events(Kind::registered), 0).detail.find("all 2 lines") != std::string::npos);

  // Registered with the primary, the phone keeps a standby connection to the secondary and
  // sends it REGISTER Expires: 0 as a keepalive.
  REQUIRE(lab.connects.size() == 2);
  CHECK(nth(lab.connects, 1).second.node.name == "cucm2");
  REQUIRE(lab.cucm[1].registers(0u).size() == 1);
  CHECK(sip::to_header(nth(lab.cucm[1].registers(0u), 0).message)->uri.user == "1001");
  CHECK(lab.client().standby_node() == 1u);
  CHECK(has_event(lab, Kind::standby, "cucm2"));
  CHECK(lab.cucm[1].registers(3600u).empty());
}

TEST_CASE("UDP with a lost 200 OK: Timer E retransmits after T1, then success",
          "[sip][registration_client]") {
  Lab lab(make_config(1, sip::Transport::udp));
  lab.cucm[0].drop_ok = 1;
  lab.start();
  CHECK(lab.connects.empty());  // no connections over UDP
  REQUIRE(lab.cucm[0].received.size() == 1);
  lab.run_until(499ms);
  CHECK_FALSE(lab.client().registered());
  CHECK(lab.cucm[0].received.size() == 1);
  lab.run_until(500ms);  // Timer E = T1
  INFO(lab.transcript());
  REQUIRE(lab.cucm[0].received.size() == 2);
  CHECK(lab.cucm[0].received[1].at == 500ms);
  // A retransmission is the same request: same branch, same CSeq.
  CHECK(sip::serialize(lab.cucm[0].received[0].message) ==
        sip::serialize(lab.cucm[0].received[1].message));
  REQUIRE(lab.client().registered());
  CHECK(registered_node(lab) == "cucm1");
  const auto& reg = lab.cucm[0].received[0].message;
  CHECK(header(reg, "Via").starts_with("SIP/2.0/UDP 10.10.20.31:5060;branch=z9hG4bK"));
  CHECK(sip::parse_contacts(reg)->contacts[0].uri.transport() == "udp");
  REQUIRE_FALSE(lab.datagrams.empty());
  CHECK(nth(lab.datagrams, 0).source_port == 5060);
  CHECK(nth(lab.datagrams, 0).node.name == "cucm1");
}

TEST_CASE("UDP to a silent primary: Timer E doubles to T2, Timer F fails over at 64*T1",
          "[sip][registration_client]") {
  Lab lab(make_config(1, sip::Transport::udp));
  lab.cucm[0].answer = Answer::silent;
  lab.start();
  lab.run_until(31s);
  CHECK_FALSE(lab.client().registered());
  lab.run_until(33s);
  INFO(lab.transcript());
  std::vector<Time> sent;
  for (const auto& r : lab.cucm[0].received) sent.push_back(r.at);
  const std::vector<Time> expected = {0ms,     500ms,   1500ms,  3500ms,  7500ms, 11500ms,
                                      15500ms, 19500ms, 23500ms, 27500ms, 31500ms};
  CHECK(sent == expected);
  const auto timeouts = lab.events(Kind::timeout);
  REQUIRE(timeouts.size() == 1);
  CHECK(timeouts[0].at == 32s);
  CHECK(timeouts[0].node == "cucm1");
  REQUIRE(lab.client().registered());
  CHECK(registered_node(lab) == "cucm2");
  CHECK(nth(lab.events(Kind::registered), 0).at == 32s);
}

TEST_CASE("rejection by node 1 fails over to node 2", "[sip][registration_client]") {
  Lab lab(make_config(2));
  lab.cucm[0].answer = Answer::reject;
  lab.start();
  lab.run_until(1s);
  INFO(lab.transcript());
  const auto rejected = lab.events(Kind::rejected);
  REQUIRE(rejected.size() == 1);
  CHECK(rejected[0].node == "cucm1");
  CHECK(rejected[0].line == "1001");
  CHECK(rejected[0].status == 403);
  CHECK(rejected[0].detail.find("Unknown device") != std::string::npos);
  const auto failover = lab.events(Kind::failover);
  REQUIRE(failover.size() == 1);
  CHECK(failover[0].node == "cucm1");
  CHECK(failover[0].detail.find("trying cucm2") != std::string::npos);
  // The rejecting node's connection is closed, the secondary takes every line.
  REQUIRE_FALSE(lab.closes.empty());
  CHECK(nth(lab.closes, 0).second == nth(lab.connects, 0).second.id);
  REQUIRE(lab.client().registered());
  CHECK(registered_node(lab) == "cucm2");
  CHECK(lab.cucm[1].registers(3600u, "1001").size() == 1);
  CHECK(lab.cucm[1].registers(3600u, "1002").size() == 1);
  CHECK(lab.client().counters().rejections == 1);

  // The primary keeps rejecting: probing it every 30 s does not move the phone.
  lab.run_until(100s);
  CHECK(registered_node(lab) == "cucm2");
  CHECK_FALSE(has_event(lab, Kind::fallback));
  CHECK(lab.cucm[0].registers(0u).size() == 3);  // probes at 30, 60, 90 s
}

// --- failover and fallback --------------------------------------------------------------------

TEST_CASE("connect failure of node 1 moves to node 2 within the modelled timers",
          "[sip][registration_client]") {
  SECTION("RST: at once") {
    Lab lab(make_config(2));
    lab.cucm[0].mode = NodeMode::refuse;
    lab.start();
    INFO(lab.transcript());
    REQUIRE(lab.client().registered());
    CHECK(registered_node(lab) == "cucm2");
    const auto failed = lab.events(Kind::connect_failed);
    REQUIRE(failed.size() == 1);
    CHECK(failed[0].node == "cucm1");
    CHECK(failed[0].detail.find("refused") != std::string::npos);
    CHECK(nth(lab.events(Kind::registered), 0).at == 0ms);
  }
  SECTION("no answer to the SYN: after connect_timeout (5 s)") {
    Lab lab(make_config(2));
    lab.cucm[0].mode = NodeMode::blackhole;
    lab.start();
    lab.run_until(4999ms);
    CHECK_FALSE(lab.client().registered());
    CHECK(lab.client().state() == sip::ClientState::connecting);
    lab.run_until(5s);
    INFO(lab.transcript());
    REQUIRE(lab.client().registered());
    CHECK(registered_node(lab) == "cucm2");
    CHECK(nth(lab.events(Kind::connect_failed), 0).at == 5s);
    // The abandoned connect is closed so that the driver stops trying.
    REQUIRE_FALSE(lab.closes.empty());
    CHECK(nth(lab.closes, 0) == std::make_pair(Time{5s}, nth(lab.connects, 0).second.id));
  }
}

TEST_CASE("the registered node closes its connection: failover onto the open standby",
          "[sip][registration_client]") {
  Lab lab(make_config(2));
  lab.start();
  lab.run_until(50s);
  REQUIRE(registered_node(lab) == "cucm1");
  REQUIRE(lab.client().standby_node() == 1u);
  const std::size_t connects_before = lab.connects.size();
  lab.kill(0);
  INFO(lab.transcript());
  REQUIRE(lab.client().registered());
  CHECK(registered_node(lab) == "cucm2");
  CHECK(lab.connects.size() == connects_before);  // no new connection: the standby one is used
  CHECK(nth(lab.events(Kind::registered), lab.events(Kind::registered).size() - 1).at == 50s);
  CHECK(lab.cucm[1].registers(3600u).size() == 2);
}

TEST_CASE("registered on the secondary, the primary returns: fallback, secondary dropped",
          "[sip][registration_client]") {
  Lab lab(make_config(2));
  lab.cucm[0].mode = NodeMode::refuse;
  lab.start();
  REQUIRE(registered_node(lab) == "cucm2");

  // Probes of the primary every 30 s; it is back at 45 s, so the probe at 60 s succeeds.
  lab.run_until(45s);
  CHECK(registered_node(lab) == "cucm2");
  std::size_t probes = 0;
  for (const auto& [at, c] : lab.connects) probes += c.node.name == "cucm1" && at > 0s;
  CHECK(probes == 1);  // at 30 s, refused
  lab.cucm[0].mode = NodeMode::up;
  lab.run_until(59s);
  CHECK(registered_node(lab) == "cucm2");
  lab.run_until(61s);
  INFO(lab.transcript());
  REQUIRE(lab.client().registered());
  CHECK(registered_node(lab) == "cucm1");
  const auto fallback = lab.events(Kind::fallback);
  REQUIRE(fallback.size() == 1);
  CHECK(fallback[0].at == 60s);
  CHECK(fallback[0].node == "cucm1");

  // At the primary: the probe (Expires: 0, line 1), then both lines with Expires: 3600.
  const auto& at_primary = lab.cucm[0].received;
  REQUIRE(at_primary.size() == 3);
  CHECK(header(at_primary[0].message, "Expires") == "0");
  CHECK(sip::to_header(at_primary[1].message)->uri.user == "1001");
  CHECK(header(at_primary[1].message, "Expires") == "3600");
  CHECK(sip::to_header(at_primary[2].message)->uri.user == "1002");

  // At the secondary: each line's binding removed with Expires: 0 in its own dialog...
  for (const char* dn : {"1001", "1002"}) {
    const auto registered = lab.cucm[1].registers(3600u, dn);
    const auto dropped = lab.cucm[1].registers(0u, dn);
    REQUIRE(registered.size() == 1);
    REQUIRE(dropped.size() == 1);
    CHECK(dropped[0].at == 60s);
    CHECK(header(dropped[0].message, "Call-ID") == header(registered[0].message, "Call-ID"));
    CHECK(cseq_of(dropped[0].message) == cseq_of(registered[0].message) + 1);
  }
  CHECK(lab.events(Kind::unregistered).size() == 2);
  // ... and its connection stays open as the standby (the phone's hot standby socket).
  CHECK(lab.client().standby_node() == 1u);
  for (const auto& [at, id] : lab.closes) {
    CHECK(id != lab.cucm[1].received[0].conn);
  }
  const auto& lines = lab.client().lines();
  CHECK(lines[0].node == "cucm1");
  CHECK(lines[1].node == "cucm1");
}

TEST_CASE("every node fails: wait retry_delay, then start again from the primary",
          "[sip][registration_client]") {
  Lab lab(make_config(1));
  lab.cucm[0].mode = NodeMode::refuse;
  lab.cucm[1].mode = NodeMode::refuse;
  lab.start();
  INFO(lab.transcript());
  CHECK(lab.client().state() == sip::ClientState::retry_wait);
  REQUIRE(lab.events(Kind::failover).size() == 2);
  const std::string detail = nth(lab.events(Kind::failover), 1).detail;
  CHECK(detail.find("starting again with cucm1") != std::string::npos);
  CHECK(detail.ends_with("in 30 s"));
  CHECK(lab.client().next_timeout() == 30s);
  lab.cucm[0].mode = NodeMode::up;
  lab.run_until(29s);
  CHECK(lab.connects.size() == 2);
  lab.run_until(30s);
  REQUIRE(lab.client().registered());
  CHECK(registered_node(lab) == "cucm1");
  CHECK(nth(lab.connects, 2).first == 30s);
}

// --- refresh and stop -------------------------------------------------------------------------

TEST_CASE("refresh happens before expiry: 115 s for CUCM's 120 s, same dialog",
          "[sip][registration_client]") {
  Lab lab(make_config(1));
  lab.start();
  lab.run_until(240s);
  INFO(lab.transcript());
  const auto regs = lab.cucm[0].registers(3600u);
  REQUIRE(regs.size() == 3);
  CHECK(regs[0].at == 0s);
  CHECK(regs[1].at == 115s);
  CHECK(regs[2].at == 230s);
  for (std::size_t i = 0; i < regs.size(); ++i) {
    CHECK(header(regs[i].message, "Call-ID") == header(regs[0].message, "Call-ID"));
    CHECK(header(regs[i].message, "From") == header(regs[0].message, "From"));
    CHECK(cseq_of(regs[i].message) == 101 + i);
  }
  CHECK(sip::top_via(regs[1].message)->branch() != sip::top_via(regs[0].message)->branch());
  CHECK(header(regs[1].message, "Date") == "Mon, 24 Nov 2025 06:41:55 GMT");
  CHECK(lab.events(Kind::refresh).size() == 2);
  CHECK(lab.client().lines()[0].expires_at == 230s + 120s);
  CHECK(lab.client().counters().refreshes == 2);
  // The standby keepalive follows the same period.
  const auto keepalives = lab.cucm[1].registers(0u);
  REQUIRE(keepalives.size() == 3);
  CHECK(keepalives[1].at == 115s);
  CHECK(keepalives[2].at == 230s);
}

TEST_CASE("a short grant is refreshed at half its length", "[sip][registration_client]") {
  Lab lab(make_config(1));
  lab.cucm[0].expires = 8;  // not more than twice the 5 s delta
  lab.start();
  lab.run_until(10s);
  const auto regs = lab.cucm[0].registers(3600u);
  REQUIRE(regs.size() == 3);
  CHECK(regs[1].at == 4s);
  CHECK(regs[2].at == 8s);
}

TEST_CASE("stop() sends Expires: 0 for every line, then closes", "[sip][registration_client]") {
  Lab lab(make_config(2));
  lab.start();
  lab.run_until(10s);
  REQUIRE(lab.client().registered());
  lab.stop();
  INFO(lab.transcript());
  for (const char* dn : {"1001", "1002"}) {
    const auto reg = lab.cucm[0].registers(3600u, dn);
    const auto unreg = lab.cucm[0].registers(0u, dn);
    REQUIRE(reg.size() == 1);
    REQUIRE(unreg.size() == 1);
    CHECK(unreg[0].at == 10s);
    CHECK(header(unreg[0].message, "Call-ID") == header(reg[0].message, "Call-ID"));
    CHECK(cseq_of(unreg[0].message) == 102);
  }
  // Both connections (registered node and standby) are closed, the state is final.
  std::vector<ConnectionId> closed;
  for (const auto& [at, id] : lab.closes) closed.push_back(id);
  CHECK(std::count(closed.begin(), closed.end(), nth(lab.connects, 0).second.id) == 1);
  CHECK(std::count(closed.begin(), closed.end(), nth(lab.connects, 1).second.id) == 1);
  CHECK(lab.client().state() == sip::ClientState::stopped);
  CHECK_FALSE(lab.client().registered());
  CHECK_FALSE(lab.client().registered_with());
  CHECK_FALSE(lab.client().next_timeout());
  const auto unregistered = lab.events(Kind::unregistered);
  REQUIRE(unregistered.size() == 3);
  CHECK(unregistered[0].line == "1001");
  CHECK(unregistered[1].line == "1002");
  CHECK(unregistered[2].line.empty());
  for (const auto& line : lab.client().lines()) CHECK(line.state == sip::LineState::unregistered);

  // It can start again.
  lab.start();
  CHECK(lab.client().registered());
}

TEST_CASE("stop() while still connecting just closes", "[sip][registration_client]") {
  Lab lab(make_config(1));
  lab.cucm[0].mode = NodeMode::blackhole;
  lab.start();
  lab.run_until(1s);
  lab.stop();
  CHECK(lab.client().state() == sip::ClientState::stopped);
  REQUIRE(lab.closes.size() == 1);
  CHECK(nth(lab.closes, 0).second == nth(lab.connects, 0).second.id);
  CHECK(lab.cucm[0].received.empty());
}

// --- hostile input ----------------------------------------------------------------------------

TEST_CASE("hostile bytes from the server do not crash and fail that node",
          "[sip][registration_client]") {
  SECTION("TCP: not SIP") {
    Lab lab(make_config(2));
    lab.cucm[0].answer = Answer::garbage;
    lab.start();
    INFO(lab.transcript());
    REQUIRE(lab.events(Kind::protocol_error).size() == 1);
    CHECK(nth(lab.events(Kind::protocol_error), 0).node == "cucm1");
    CHECK(nth(lab.closes, 0).second == nth(lab.connects, 0).second.id);
    REQUIRE(lab.client().registered());
    CHECK(registered_node(lab) == "cucm2");
  }
  SECTION("TCP: a Content-Length beyond every limit") {
    Lab lab(make_config(1));
    lab.cucm[0].answer = Answer::garbage;
    lab.cucm[0].garbage = "SIP/2.0 200 OK\r\nContent-Length: 999999999\r\n\r\n";
    lab.start();
    CHECK(lab.events(Kind::protocol_error).size() == 1);
    CHECK(registered_node(lab) == "cucm2");
  }
  SECTION("TCP: a header line longer than 8 KiB") {
    Lab lab(make_config(1));
    lab.cucm[0].answer = Answer::garbage;
    lab.cucm[0].garbage = "SIP/2.0 200 OK\r\nX: " + std::string(20000, 'a') + "\r\n\r\n";
    lab.start();
    CHECK(lab.events(Kind::protocol_error).size() == 1);
    CHECK(registered_node(lab) == "cucm2");
  }
  SECTION("TCP: bytes that never end a header section: Timer F") {
    Lab lab(make_config(1));
    lab.cucm[0].answer = Answer::garbage;
    lab.cucm[0].garbage = "SIP/2.0 200 OK\r\nVia: x";
    lab.start();
    lab.run_until(32s);
    CHECK(lab.events(Kind::timeout).size() == 1);
    CHECK(registered_node(lab) == "cucm2");
  }
  SECTION("UDP: a datagram that is not SIP") {
    Lab lab(make_config(1, sip::Transport::udp));
    lab.cucm[0].answer = Answer::garbage;
    lab.start();
    CHECK(lab.events(Kind::protocol_error).size() == 1);
    CHECK(registered_node(lab) == "cucm2");
  }
  SECTION("random bytes, 300 seeds") {
    for (std::uint64_t seed = 1; seed <= 300; ++seed) {
      Random noise(seed * 7919);
      Lab lab(make_config(2, seed % 2 ? sip::Transport::tcp : sip::Transport::udp), seed);
      lab.cucm[0].answer = Answer::garbage;
      std::string bytes(noise.below(3000), '\0');
      for (auto& b : bytes) b = static_cast<char>(noise.below(256));
      // Half the time, behind a plausible status line.
      if (noise.chance(0.5)) bytes = "SIP/2.0 200 OK\r\n" + bytes;
      lab.cucm[0].garbage = bytes;
      lab.start();
      lab.run_until(100s);
      INFO("seed " << seed << '\n' << lab.transcript());
      REQUIRE(lab.client().registered());
      CHECK(registered_node(lab) == "cucm2");
    }
  }
}

TEST_CASE("a 200 OK granting 0 s counts as a rejection", "[sip][registration_client]") {
  Lab lab(make_config(1));
  lab.cucm[0].expires = 0;
  lab.start();
  INFO(lab.transcript());
  CHECK(lab.events(Kind::rejected).size() == 1);
  REQUIRE(lab.client().registered());
  CHECK(registered_node(lab) == "cucm2");
}

// --- determinism and configuration --------------------------------------------------------------

TEST_CASE("identifiers come from the Random handed in", "[sip][registration_client]") {
  auto run = [](std::uint64_t seed) {
    Lab lab(make_config(2), seed);
    lab.start();
    lab.run_until(300s);
    return lab.sent;
  };
  const auto a = run(11);
  CHECK(a == run(11));
  const auto b = run(12);
  REQUIRE(a.size() == b.size());
  CHECK(nth(a, 0) != nth(b, 0));  // Call-ID, tag, branch, Contact UUID differ
}

TEST_CASE("configuration errors throw", "[sip][registration_client]") {
  Random random(1);
  auto c = make_config(1);
  c.lines.clear();
  CHECK_THROWS_AS(sip::RegistrationClient(c, random), std::invalid_argument);
  c = make_config(1);
  c.nodes.clear();
  CHECK_THROWS_AS(sip::RegistrationClient(c, random), std::invalid_argument);
  c = make_config(1);
  c.timers.t1 = 0ms;
  CHECK_THROWS_AS(sip::RegistrationClient(c, random), std::invalid_argument);
  sip::RegistrationClient client(make_config(1), random);
  client.start(0ms, kPhoneIp);
  CHECK_THROWS_AS(client.start(0ms, kPhoneIp), std::logic_error);
}

}  // namespace
}  // namespace voicelab::test
