// Cost of the SIP codec on what a CUCM node receives most: Cisco REGISTERs (docs/performance.md).
//   sip_stream    1,000 REGISTERs (two lines of 500 phones, ~1 KiB each) back to back on one TCP
//                 stream, fed to one sip::StreamParser in 1,460-byte reads (one MSS each), every
//                 message released; each iteration is the whole stream.
//   sip_datagram  the same REGISTERs, each parsed as one UDP datagram (sip::parse_datagram).
//   sip_lookup    what a registrar reads from a parsed REGISTER: Via, From, To, Call-ID, CSeq,
//                 Contact and Expires through the typed accessors of headers.hpp.
// Reported: messages/s (REGISTERs parsed, or looked through, per wall-clock second) and, for the
// framers, bytes/s.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <benchmark/benchmark.h>

#include "voicelab/sip/cisco.hpp"
#include "voicelab/sip/error.hpp"
#include "voicelab/sip/headers.hpp"
#include "voicelab/sip/parser.hpp"
#include "voicelab/wire/random.hpp"

namespace {

using namespace voicelab;

constexpr std::size_t phones = 500;
constexpr std::size_t mss = 1460;

// Two lines per phone, as a CP-8861 of the lab registers them.
std::vector<std::string> registers() {
  Random random{42};
  std::vector<std::string> out;
  out.reserve(phones * 2);
  for (std::size_t i = 0; i < phones; ++i) {
    for (const char* dn : {"1001", "1002"}) {
      sip::cisco::RegisterParams p;
      p.mac = wire::MacAddress::from_u64(0x0041d25a0000ULL + i);
      p.phone_ip = wire::Ipv4Address{static_cast<std::uint32_t>((10U << 24) + 0x1400U + i)};
      p.phone_port = 51534;
      p.line = dn;
      p.registrar = "10.10.10.11";
      p.date = "Mon, 24 Nov 2025 06:40:00 GMT";
      sip::cisco::make_register_ids(p, random);
      out.push_back(sip::serialize(sip::cisco::build_register(p)));
    }
  }
  return out;
}

void sip_stream(benchmark::State& state) {
  std::string stream;
  for (const auto& m : registers()) stream += m;
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    sip::StreamParser parser;
    for (std::size_t offset = 0; offset < stream.size(); offset += mss) {
      std::string_view data =
          std::string_view(stream).substr(offset, std::min(mss, stream.size() - offset));
      while (!data.empty()) {
        std::error_code ec;
        data.remove_prefix(parser.put(data, ec));
        if (ec == sip::errc::need_more) break;
        if (ec) {
          state.SkipWithError("the stream did not parse");
          return;
        }
        auto message = parser.release();
        benchmark::DoNotOptimize(message);
        ++messages;
      }
    }
    bytes += stream.size();
  }
  state.counters["messages/s"] =
      benchmark::Counter(static_cast<double>(messages), benchmark::Counter::kIsRate);
  state.counters["bytes/s"] =
      benchmark::Counter(static_cast<double>(bytes), benchmark::Counter::kIsRate);
}
BENCHMARK(sip_stream)->Unit(benchmark::kMillisecond)->UseRealTime();

void sip_datagram(benchmark::State& state) {
  const auto all = registers();
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    for (const auto& text : all) {
      auto message = sip::parse_message(text);
      if (!message) {
        state.SkipWithError("a REGISTER did not parse");
        return;
      }
      benchmark::DoNotOptimize(message);
      bytes += text.size();
    }
    messages += all.size();
  }
  state.counters["messages/s"] =
      benchmark::Counter(static_cast<double>(messages), benchmark::Counter::kIsRate);
  state.counters["bytes/s"] =
      benchmark::Counter(static_cast<double>(bytes), benchmark::Counter::kIsRate);
}
BENCHMARK(sip_datagram)->Unit(benchmark::kMillisecond)->UseRealTime();

void sip_lookup(benchmark::State& state) {
  std::vector<sip::Message> parsed;
  for (const auto& text : registers()) parsed.push_back(sip::parse_message(text).value());
  std::uint64_t messages = 0;
  for (auto _ : state) {
    for (const auto& m : parsed) {
      auto via = sip::top_via(m);
      auto from = sip::from_header(m);
      auto to = sip::to_header(m);
      auto call_id = sip::call_id_header(m);
      auto cseq = sip::cseq_header(m);
      auto contacts = sip::parse_contacts(m);
      auto expires = sip::expires_header(m);
      benchmark::DoNotOptimize(via);
      benchmark::DoNotOptimize(from);
      benchmark::DoNotOptimize(to);
      benchmark::DoNotOptimize(call_id);
      benchmark::DoNotOptimize(cseq);
      benchmark::DoNotOptimize(contacts);
      benchmark::DoNotOptimize(expires);
    }
    messages += parsed.size();
  }
  state.counters["messages/s"] =
      benchmark::Counter(static_cast<double>(messages), benchmark::Counter::kIsRate);
}
BENCHMARK(sip_lookup)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
