#pragma once
// The phone's TFTP client, sans-I/O: one download at a time (RFC 1350 read with RFC 2347
// options), and FailoverClient, which walks the phone's list of TFTP servers (DHCP option 150).
//
// Ports. Each download sends from a fresh local port drawn with the injected Random from
// [first_local_port, last_local_port]; the driver must deliver datagrams addressed to that port
// (the OutgoingDatagram's source_port) back to this engine. The server's first answer, from any
// port of the server's address, fixes the server's transfer ID (RFC 1350 §4); a datagram from
// any other endpoint then gets ERROR 5 and is otherwise ignored.
//
// A download:
// - RRQ (mode octet) with the configured options: blksize, timeout and windowsize when set,
//   tsize 0 when `tsize` (RFC 2349). Retransmitted every retransmit_timeout, at most
//   max_retransmits times; then the download fails with `timed_out` and `answered` false.
// - OACK: checked against what was asked (RFC 2347/2348/2349/7440: no unrequested option,
//   blksize and windowsize not above the request, timeout equal to it); accepted -> ACK 0 and
//   the values apply (a negotiated timeout replaces retransmit_timeout); refused -> ERROR 8 and
//   the download fails with `protocol_error`. A tsize above max_file_size -> ERROR 3, `too_large`.
// - DATA 1 instead of an OACK: the server ignored the options; 512-byte blocks, window 1.
// - Each in-order DATA block is kept; an ACK goes out after every `windowsize` blocks and for the
//   last block (shorter than blksize). A duplicate or out-of-order block is answered with an ACK
//   of the last in-order block (RFC 1350 lock-step re-ACK; RFC 7440 window restart). Silence for
//   the retransmission timeout resends the last ACK; after max_retransmits the download fails
//   with `timed_out` (`answered` true).
// - ERROR from the server ends the download: code 1 -> file_not_found, 2 -> access_violation,
//   any other -> server_error, with the server's message.
// - After the final ACK the result is ready at once, and the client keeps "dallying" on that
//   port (RFC 1350 §6) for `dally`: if the final ACK was lost, the server's retransmitted last
//   DATA is ACKed again. A new download may start meanwhile (it uses another port).
// Malformed datagrams are counted and reported as events; nothing on the input path throws
// (except std::bad_alloc).

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "voicelab/tftp/datagram.hpp"
#include "voicelab/tftp/error.hpp"
#include "voicelab/tftp/packet.hpp"
#include "voicelab/wire/random.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::tftp {

struct ClientConfig {
  // Options to ask for (per phone model); unset: not asked.
  std::optional<std::uint16_t> blksize;     // 8..65464
  std::optional<std::uint8_t> timeout;      // 1..255 s
  bool tsize = true;                        // ask for the file size
  std::optional<std::uint16_t> windowsize;  // 1..65535
  // Retransmission timeout while no timeout option is in force (assumption: Cisco does not
  // document the phones' value).
  Duration retransmit_timeout = 3s;
  unsigned max_retransmits = 4;  // of the RRQ, or of an ACK, before giving up
  std::uint16_t first_local_port = 49152;
  std::uint16_t last_local_port = 65535;
  std::uint64_t max_file_size = 64ULL * 1024 * 1024;
  // How long to keep answering a retransmitted last DATA after the final ACK. Unset: three
  // times the download's retransmission timeout.
  std::optional<Duration> dally;
};

enum class DownloadOutcome {
  ok,
  file_not_found,    // ERROR 1 (an answer: no failover)
  access_violation,  // ERROR 2
  server_error,      // any other ERROR from the server (busy, illegal operation, ...)
  timed_out,         // no answer to the RRQ (answered = false) or the server went silent
  protocol_error,    // an OACK we cannot accept, an oversized DATA block, ...
  too_large,         // over max_file_size
};

std::string_view outcome_name(DownloadOutcome outcome) noexcept;

struct DownloadResult {
  DownloadOutcome outcome = DownloadOutcome::ok;
  std::string filename;
  Endpoint server;                      // where the (last) RRQ went
  std::vector<Endpoint> servers_tried;  // in order (FailoverClient: every server asked)
  bool answered = false;                // the server sent at least one packet
  std::vector<std::uint8_t> bytes;      // the file, when ok
  std::optional<ErrorCode> error;       // the server's (or our) ERROR code
  std::string message;                  // the server's ERROR message, or what went wrong
  std::uint64_t blocks = 0;             // DATA blocks received in order
  std::uint16_t blksize = default_block_size;
  std::uint16_t windowsize = 1;
  std::optional<std::uint64_t> tsize;  // from the OACK
  unsigned retransmissions = 0;        // RRQs and ACKs sent again on timeout
  Time started{};
  Time finished{};

  [[nodiscard]] bool ok() const { return outcome == DownloadOutcome::ok; }
  // "SEP001122334455.cnf.xml from 10.1.1.11: 4321 bytes in 9 blocks", "CTLSEP....tlv from
  // 10.1.1.11: File not found (error 1)".
  [[nodiscard]] std::string describe() const;
};

enum class ClientEventKind {
  request_sent,       // RRQ sent; `attempt` 1 for the first
  options_accepted,   // OACK accepted and ACK 0 sent
  download_complete,  // the result is ready (take_result())
  download_failed,    // the result is ready, with its outcome
  failover,           // FailoverClient: `server` did not answer, trying `next_server`
  unknown_tid,        // ERROR 5 sent to a stranger
  malformed,          // an undecodable or unexpected datagram; `reason`
};

struct ClientEvent {
  ClientEventKind kind = ClientEventKind::request_sent;
  Time time{};
  Endpoint server;
  std::optional<Endpoint> next_server;  // failover
  Endpoint peer;                        // unknown_tid / malformed: who sent it
  std::string filename;
  unsigned attempt = 0;
  DownloadOutcome outcome = DownloadOutcome::ok;
  std::uint64_t bytes = 0;
  std::string reason;

  [[nodiscard]] std::string describe() const;
};

struct ClientCounters {
  std::uint64_t downloads = 0;
  std::uint64_t completed = 0;
  std::uint64_t failed = 0;
  std::uint64_t retransmissions = 0;
  std::uint64_t duplicate_blocks = 0;  // DATA already received (answered with an ACK)
  std::uint64_t dally_acks = 0;        // final ACKs sent again while dallying
  std::uint64_t unknown_tid = 0;
  std::uint64_t malformed = 0;
  std::uint64_t stray = 0;  // datagrams for a port that is no longer ours
};

class Client {
 public:
  // `random` must outlive the client. Throws std::invalid_argument for an empty local port range
  // or a non-positive retransmit_timeout.
  Client(ClientConfig config, Random& random);

  // Starts downloading `filename` from `server` (usually port 69). Throws std::logic_error when
  // a download is in progress, std::invalid_argument for an empty filename or one with a NUL.
  void start(Time now, Endpoint server, std::string filename);
  [[nodiscard]] bool busy() const { return download_.has_value(); }
  // The result of the last download, once (after download_complete / download_failed).
  std::optional<DownloadResult> take_result();

  void handle_datagram(Time now, const Datagram& in);
  void handle_timeout(Time now);  // harmless when early
  [[nodiscard]] std::optional<Time> next_timeout() const;
  std::optional<OutgoingDatagram> poll_transmit();
  std::optional<ClientEvent> poll_event();

  [[nodiscard]] const ClientCounters& counters() const { return counters_; }
  [[nodiscard]] const ClientConfig& config() const { return config_; }

 private:
  enum class State { requesting, receiving };
  struct Download {
    State state = State::requesting;
    Endpoint server;
    std::string filename;
    std::uint16_t local_port = 0;
    std::optional<Endpoint> tid;
    TransferOptions asked;
    std::uint16_t blksize = default_block_size;
    std::uint16_t windowsize = 1;
    Duration timeout{};
    std::optional<std::uint64_t> tsize;
    std::vector<std::uint8_t> bytes;
    std::uint64_t blocks = 0;  // received in order
    unsigned since_ack = 0;    // blocks received since the last ACK
    unsigned retries = 0;
    unsigned retransmissions = 0;
    Time started{};
    Time deadline{};
  };
  struct Dally {
    std::uint16_t local_port = 0;
    Endpoint tid;
    std::uint16_t last_block = 0;
    Time until{};
  };

  void send(const Endpoint& to, std::uint16_t from_port, std::vector<std::uint8_t> payload);
  void send_request();
  void send_ack(std::uint16_t block);
  void handle_oack(Time now, const OptionAck& oack);
  void handle_data(Time now, const Data& data);
  void fail(Time now, DownloadOutcome outcome, std::string message,
            std::optional<ErrorCode> error = std::nullopt);
  void complete(Time now);
  void abort_with(Time now, DownloadOutcome outcome, ErrorCode code, std::string message);

  ClientConfig config_;
  Random& random_;
  std::optional<Download> download_;
  std::optional<Dally> dally_;
  std::optional<DownloadResult> result_;
  std::deque<OutgoingDatagram> transmits_;
  std::deque<ClientEvent> events_;
  ClientCounters counters_;
};

// The phone's walk down its TFTP server list: the download goes to the first server; when a
// server does not answer (the download ends `timed_out`, whether the RRQ went unanswered or the
// server fell silent mid-transfer), the same file is requested from the next server, in order.
// Any answer ends the walk, success or not: a file-not-found (or access violation, busy, ...)
// from a server that answered is that file's result, not a reason to ask another server.
// The result of the last server asked is returned, with `servers_tried` listing every server.
class FailoverClient {
 public:
  FailoverClient(ClientConfig config, Random& random);

  // Throws std::invalid_argument for an empty list, std::logic_error when busy.
  void start(Time now, std::vector<Endpoint> servers, std::string filename);
  [[nodiscard]] bool busy() const { return active_; }
  std::optional<DownloadResult> take_result();

  void handle_datagram(Time now, const Datagram& in);
  void handle_timeout(Time now);
  [[nodiscard]] std::optional<Time> next_timeout() const { return client_.next_timeout(); }
  std::optional<OutgoingDatagram> poll_transmit() { return client_.poll_transmit(); }
  std::optional<ClientEvent> poll_event();

  [[nodiscard]] const ClientCounters& counters() const { return client_.counters(); }

 private:
  void pump(Time now);

  Client client_;
  std::vector<Endpoint> servers_;
  std::size_t index_ = 0;
  std::string filename_;
  bool active_ = false;
  std::vector<Endpoint> tried_;
  std::optional<DownloadResult> result_;
  std::deque<ClientEvent> events_;
};

}  // namespace voicelab::tftp
