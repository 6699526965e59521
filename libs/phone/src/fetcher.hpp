#pragma once
// How the phone gets one file from the config server: HTTP (TCP 6970) from the first server
// when the model does it, TFTP down the server list (tftp::FailoverClient) otherwise or when
// HTTP did not work. One file at a time.
//
// HTTP outcomes: 200 is the file; 404 is an answer ("not found", no TFTP unless
// tftp_after_http_404); another status, a refused or timed-out connection, a broken response
// -> the same file over TFTP. A server whose HTTP connection failed or timed out is not asked
// over HTTP again by this fetcher (a phone does not wait for a dead port file after file).

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "voicelab/http/client.hpp"
#include "voicelab/tftp/client.hpp"
#include "voicelab/wire/address.hpp"
#include "voicelab/wire/random.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::phone::detail {

enum class FetchOutcome {
  ok,
  not_found,  // a server answered: no such file
  no_answer,  // no server answered (or none configured)
  failed,     // a server answered with another error
};

struct FetchResult {
  FetchOutcome outcome = FetchOutcome::ok;
  std::string filename;
  std::vector<std::uint8_t> bytes;
  std::string via;     // "HTTP 10.1.1.11:6970", "TFTP 10.1.1.11"
  std::string detail;  // what happened, for step details and the console
  wire::Ipv4Address server;
};

struct FetcherSettings {
  std::vector<wire::Ipv4Address> servers;
  bool http_first = true;
  std::uint16_t http_port = 6970;
  std::uint16_t tftp_port = 69;
  bool tftp_after_http_404 = false;
};

class Fetcher {
 public:
  Fetcher(const tftp::ClientConfig& tftp, const http::ClientConfig& http, Random& random);

  void configure(FetcherSettings settings);
  [[nodiscard]] const FetcherSettings& settings() const { return settings_; }
  // Starts fetching `filename`; the result is ready when take_result() returns it (possibly at
  // once, when there is no server). Throws std::logic_error when busy.
  void start(Time now, std::string filename);
  [[nodiscard]] bool busy() const { return active_; }
  std::optional<FetchResult> take_result();

  void handle_datagram(Time now, const tftp::Datagram& in);
  void handle_connected(Time now, http::ConnectionId id);
  void handle_bytes(Time now, http::ConnectionId id, wire::Bytes bytes);
  void handle_closed(Time now, http::ConnectionId id);
  void handle_timeout(Time now);
  [[nodiscard]] std::optional<Time> next_timeout() const;

  std::optional<tftp::OutgoingDatagram> poll_datagram() { return tftp_.poll_transmit(); }
  std::optional<http::StreamOutput> poll_stream() { return http_.poll_transmit(); }
  // Console lines (requests, answers, fallbacks).
  std::optional<std::string> poll_log();

 private:
  void start_tftp(Time now);
  void check(Time now);
  void finish(FetchResult result);

  FetcherSettings settings_;
  tftp::FailoverClient tftp_;
  http::Client http_;
  std::set<wire::Ipv4Address> http_dead_;
  bool active_ = false;
  bool over_http_ = false;
  std::string filename_;
  std::string http_note_;  // why HTTP did not deliver, for the detail
  std::optional<FetchResult> result_;
  std::deque<std::string> log_;
};

}  // namespace voicelab::phone::detail
