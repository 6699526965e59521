#include "fetcher.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace voicelab::phone::detail {

Fetcher::Fetcher(const tftp::ClientConfig& tftp, const http::ClientConfig& http, Random& random)
    : tftp_(tftp, random), http_(http) {}

void Fetcher::configure(FetcherSettings settings) { settings_ = std::move(settings); }

void Fetcher::start(Time now, std::string filename) {
  if (active_) throw std::logic_error("phone fetcher: a fetch is in progress");
  active_ = true;
  filename_ = std::move(filename);
  http_note_.clear();
  result_.reset();
  if (settings_.servers.empty()) {
    finish({FetchOutcome::no_answer, filename_, {}, {}, "no TFTP server to ask", {}});
    return;
  }
  const auto first = settings_.servers.front();
  if (settings_.http_first && !http_dead_.contains(first)) {
    over_http_ = true;
    http_.get(now, {first, settings_.http_port}, filename_);
    return;
  }
  start_tftp(now);
}

std::optional<FetchResult> Fetcher::take_result() {
  auto r = std::move(result_);
  result_.reset();
  return r;
}

void Fetcher::start_tftp(Time now) {
  over_http_ = false;
  std::vector<tftp::Endpoint> servers;
  servers.reserve(settings_.servers.size());
  for (const auto& a : settings_.servers) servers.push_back({a, settings_.tftp_port});
  tftp_.start(now, std::move(servers), filename_);
  check(now);
}

void Fetcher::finish(FetchResult result) {
  active_ = false;
  result_ = std::move(result);
}

void Fetcher::check(Time now) {
  while (auto e = http_.poll_event()) {
    if (e->kind != http::ClientEventKind::request_sent) log_.push_back("GHTTP " + e->text);
  }
  while (auto e = tftp_.poll_event()) {
    // Per-block events are not produced by the client; every TFTP event is worth a line.
    log_.push_back("TFTP " + e->describe());
  }
  if (auto r = http_.take_result()) {
    const std::string via = "HTTP " + r->server.to_string();
    if (r->ok() && r->status == 200) {
      return finish({FetchOutcome::ok, filename_, std::move(r->body), via,
                     r->status_line() + ", " + std::to_string(r->body.size()) + " bytes",
                     r->server.address});
    }
    if (r->ok() && r->status == 404 && !settings_.tftp_after_http_404) {
      return finish({FetchOutcome::not_found,
                     filename_,
                     {},
                     via,
                     "file not found (" + r->status_line() + ")",
                     r->server.address});
    }
    if (!r->ok() && (r->outcome == http::ResponseOutcome::connect_failed ||
                     r->outcome == http::ResponseOutcome::timed_out)) {
      http_dead_.insert(r->server.address);
    }
    http_note_ = r->ok() ? r->status_line() : std::string(http::outcome_name(r->outcome));
    log_.push_back("GHTTP " + filename_ + " from " + r->server.to_string() + ": " + http_note_ +
                   "; trying TFTP");
    start_tftp(now);
    return;
  }
  if (auto r = tftp_.take_result()) {
    const std::string via = "TFTP " + r->server.address.to_string();
    std::string prefix = http_note_.empty() ? std::string{} : "HTTP " + http_note_ + ", then ";
    FetchOutcome outcome = FetchOutcome::failed;
    std::string detail;
    switch (r->outcome) {
      case tftp::DownloadOutcome::ok:
        outcome = FetchOutcome::ok;
        detail = std::to_string(r->bytes.size()) + " bytes";
        break;
      case tftp::DownloadOutcome::file_not_found:
        outcome = FetchOutcome::not_found;
        detail = "file not found";
        break;
      case tftp::DownloadOutcome::timed_out:
        outcome = r->answered ? FetchOutcome::failed : FetchOutcome::no_answer;
        detail = r->answered ? "TFTP server stopped answering" : "no answer from ";
        if (!r->answered) {
          for (std::size_t i = 0; i < r->servers_tried.size(); ++i) {
            if (i != 0) detail += ", ";
            detail += r->servers_tried[i].address.to_string();
          }
        }
        break;
      default:
        detail = r->describe();
        break;
    }
    finish({outcome, filename_, std::move(r->bytes), via, prefix + detail, r->server.address});
  }
}

void Fetcher::handle_datagram(Time now, const tftp::Datagram& in) {
  tftp_.handle_datagram(now, in);
  check(now);
}

void Fetcher::handle_connected(Time now, http::ConnectionId id) {
  http_.handle_connected(now, id);
  check(now);
}

void Fetcher::handle_bytes(Time now, http::ConnectionId id, wire::Bytes bytes) {
  http_.handle_bytes(now, id, bytes);
  check(now);
}

void Fetcher::handle_closed(Time now, http::ConnectionId id) {
  http_.handle_closed(now, id);
  check(now);
}

void Fetcher::handle_timeout(Time now) {
  if (auto t = http_.next_timeout(); t && *t <= now) http_.handle_timeout(now);
  if (auto t = tftp_.next_timeout(); t && *t <= now) tftp_.handle_timeout(now);
  check(now);
}

std::optional<Time> Fetcher::next_timeout() const {
  auto a = http_.next_timeout();
  auto b = tftp_.next_timeout();
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

std::optional<std::string> Fetcher::poll_log() {
  if (log_.empty()) return std::nullopt;
  auto line = std::move(log_.front());
  log_.pop_front();
  return line;
}

}  // namespace voicelab::phone::detail
