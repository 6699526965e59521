// Fuzz target: the input as the bytes of a connection to the HTTP config server (whole, and
// split in two at an offset the input chooses) and as the bytes of a response to the phone's HTTP
// client. Invariants: no crash or out-of-bounds read (ASan/UBSan), no exception, what the server
// answers to the split input is a prefix of what it answers to the whole input, and the client
// always ends with a result once the connection closes.
//
// Only a prefix: Beast parses a start line eagerly, but after a `need_more` it waits for the end
// of the header section before parsing again. So garbage whose first line is complete is refused
// at once when it arrives in one piece, and only once the header section ends (or the header
// limit or the idle timeout is reached) when it arrives in pieces. Complete messages get the same
// answer at every split (tests/http: parsegrind).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "voicelab/http/client.hpp"
#include "voicelab/http/server.hpp"

#define HTTP_FUZZ_CHECK(condition)                                                           \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

namespace {

using namespace voicelab;
using namespace std::chrono_literals;

// Everything the server sends, with "|close" marks.
std::string serve(wire::Bytes first, wire::Bytes second) {
  tftp::MemoryFileSource files;
  files.add("SEP001122334455.cnf.xml", "<device/>");
  http::ServerConfig config;
  config.header_limit = 512;
  config.body_limit = 256;
  http::Server server(config, files);
  server.handle_bytes(0s, 1, first);
  server.handle_bytes(1ms, 1, second);
  std::string out;
  while (auto o = server.poll_transmit()) {
    out.append(o->bytes.begin(), o->bytes.end());
    if (o->kind == http::StreamOutput::Kind::close) out += "|close";
  }
  while (auto e = server.poll_event()) (void)e->describe();
  server.handle_closed(2ms, 1);
  while (server.next_timeout()) server.handle_timeout(*server.next_timeout());
  HTTP_FUZZ_CHECK(server.open_connections() == 0);
  return out;
}

void check_server(wire::Bytes input) {
  const std::string whole = serve(input, {});
  const std::size_t at = input.empty() ? 0 : input[0] % (input.size() + 1);
  const std::string split = serve(input.first(at), input.subspan(at));
  HTTP_FUZZ_CHECK(whole.compare(0, split.size(), split) == 0);
}

void check_client(wire::Bytes input) {
  http::ClientConfig config;
  config.body_limit = 4096;
  http::Client client(config);
  const auto id = client.get(0s, {{10, 1, 1, 11}, 6970}, "SEP001122334455.cnf.xml");
  client.handle_connected(0s, id);
  client.handle_bytes(1ms, id, input);
  client.handle_closed(2ms, id);
  HTTP_FUZZ_CHECK(!client.busy());
  const auto result = client.take_result();
  HTTP_FUZZ_CHECK(result.has_value());
  (void)result->describe();
  while (client.poll_transmit()) {
  }
  while (auto e = client.poll_event()) (void)e->describe();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const wire::Bytes input{data, size};
  check_server(input);
  check_client(input);
  return 0;
}
