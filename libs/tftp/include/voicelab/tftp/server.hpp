#pragma once
// The TFTP server of a CUCM node, sans-I/O: read requests on port 69, files from a FileSource,
// RFC 1350 transfers with RFC 2347 option negotiation (blksize RFC 2348, timeout and tsize
// RFC 2349, windowsize RFC 7440), bounded like CUCM's TFTP service.
//
// Ports (the server engine owns a port range). Requests arrive on `listen_port`. Each transfer
// gets a fresh local port, its transfer ID (TID, RFC 1350 §4), drawn with the injected Random
// from [first_transfer_port, last_transfer_port] among the ports not in use; every DATA/OACK of
// the transfer is sent from it. The driver must deliver to this engine every datagram addressed
// to `listen_port` or to any port of the range (a simulated host routes the whole range here; a
// real-socket driver opens a socket for a port the first time the engine sends from it and may
// close it once a transfer_completed / transfer_failed event names that port).
//
// Behaviour:
// - RRQ: the path is checked with check_path() (refused: ERROR 2 access violation), the mode
//   must be octet or netascii (netascii is converted, RFC 1350 / RFC 764: LF -> CR LF,
//   CR -> CR NUL); otherwise ERROR 4. Known options out of range (a decode error) get ERROR 8.
//   Then the request waits for a worker (below); the worker looks the file up (missing: ERROR 1
//   file not found) and starts the transfer.
// - WRQ: ERROR 4 (the server is read-only).
// - Options: blksize is granted up to max_blksize, windowsize up to max_windowsize, timeout as
//   asked (it then replaces retransmit_timeout for this transfer), tsize is answered with the
//   file's size. Any option granted -> OACK, and DATA 1 follows the client's ACK 0; none (or
//   negotiate_options = false) -> DATA 1 at once with 512-byte blocks. Unknown options are
//   ignored (RFC 2347).
// - Transfer: a window of `windowsize` DATA blocks (1 = RFC 1350 lock-step) is sent; an ACK for
//   block n acknowledges every block up to n and the next window starts at n + 1 (RFC 7440). A
//   duplicate ACK (for the block already acknowledged) is counted and ignored: DATA is only ever
//   retransmitted when the timer fires (no Sorcerer's Apprentice, RFC 1123 §4.2.3.1). After
//   `max_retransmits` retransmissions without progress the transfer is abandoned silently.
//   Block numbers wrap from 65535 to 0 for files of more than 65535 blocks.
// - A datagram reaching a transfer's port from another endpoint gets ERROR 5 (unknown transfer
//   ID) from that port; the transfer is not disturbed. Datagrams for a port without a transfer
//   are dropped and counted (`stray`).
// - A retransmitted RRQ (same client endpoint and file) for a request already queued or being
//   served is counted and ignored. An RRQ for another file from the same endpoint replaces the
//   old one.
//
// Maximum Serving Count. Since CUCM 11.5 the TFTP service works requests through five
// connection objects and queues the rest; when the queue reaches the Maximum Serving Count, new
// requests are refused (Cisco TechNote 222878, "Troubleshoot issues when TFTP reaches maximum
// serving count"). Modelled as: at most `workers` transfers at a time (a transfer holds its
// worker until it completes or fails); further requests wait in a FIFO queue of at most
// `max_serving_count` requests; a request arriving when the queue is full is refused with
// ERROR 0 "Server busy ...". Cisco's logs call that refusal a 503; which TFTP error code CUCM
// puts on the wire is not documented there: error code 0 is an assumption. Queued requests
// older than `max_queue_wait` (when set) are dropped when a worker would take them, on the
// assumption that their client has given up.
//
// Errors answering a request (1, 2, 4, 8, busy) are sent from `listen_port` (no transfer, no
// TID exists for them). Malformed datagrams are counted and reported as events; nothing on the
// input path throws (except std::bad_alloc).

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "voicelab/tftp/datagram.hpp"
#include "voicelab/tftp/error.hpp"
#include "voicelab/tftp/file_source.hpp"
#include "voicelab/tftp/packet.hpp"
#include "voicelab/wire/random.hpp"
#include "voicelab/wire/time.hpp"

namespace voicelab::tftp {

struct ServerConfig {
  std::uint16_t listen_port = 69;
  // The TIDs of transfers (ephemeral range of RFC 6335). Must hold at least `workers` ports
  // other than listen_port.
  std::uint16_t first_transfer_port = 49152;
  std::uint16_t last_transfer_port = 65535;
  // Retransmission timeout when the client did not negotiate `timeout` (assumption: 1 s, the
  // default of tftp-hpa's -T option; Cisco does not document CUCM's).
  Duration retransmit_timeout = 1s;
  // Retransmissions of one window (or of the OACK) without progress before giving up.
  unsigned max_retransmits = 5;
  bool negotiate_options = true;  // false: behave like an RFC 1350-only server
  // The largest blksize granted. Default: the largest block whose DATA fits a 1500-byte
  // Ethernet MTU unfragmented (1500 - 20 IPv4 - 8 UDP - 4 TFTP = 1468); raise it up to 65464
  // when the path allows IP fragments. Larger requests are answered with this value (RFC 2348).
  std::uint16_t max_blksize = 1468;
  std::uint16_t max_windowsize = 64;  // a lab choice: RFC 7440 leaves the bound to the server
  // CUCM's TFTP worker objects and Maximum Serving Count (see above). workers >= 1.
  std::size_t workers = 5;
  std::size_t max_serving_count = 1500;
  std::optional<Duration> max_queue_wait;
};

enum class ServerEventKind {
  transfer_started,    // a worker took the request: OACK or DATA 1 sent from `local_port`
  transfer_completed,  // the last block was acknowledged; `bytes`, `blocks`
  transfer_failed,     // abandoned after retransmissions, or the client sent ERROR; `reason`
  file_not_found,      // ERROR 1 sent
  access_violation,    // ERROR 2 sent; `reason` names the path rule
  request_rejected,    // WRQ or unsupported mode (ERROR 4), bad option value (ERROR 8)
  request_queued,      // every worker busy; `queue_depth` requests now wait
  request_refused,     // queue full: ERROR 0 "server busy" (a 503 in Cisco's logs)
  request_expired,     // a queued request waited longer than max_queue_wait and was dropped
  duplicate_request,   // a retransmitted RRQ for a request queued or in transfer: ignored
  unknown_tid,         // ERROR 5 sent to a stranger on a transfer's port
  malformed,           // an undecodable datagram, or a packet that has no place here; `reason`
};

struct ServerEvent {
  ServerEventKind kind = ServerEventKind::transfer_started;
  Time time{};
  Endpoint client;
  std::string filename;
  std::uint16_t local_port = 0;  // the transfer's TID when there is one
  std::uint64_t bytes = 0;       // file size (started), bytes sent (completed)
  std::uint64_t blocks = 0;      // DATA blocks in the file (completed)
  std::uint16_t blksize = 0;
  std::uint16_t windowsize = 0;
  std::size_t queue_depth = 0;     // requests waiting after this event
  std::size_t active = 0;          // transfers in progress after this event
  std::optional<ErrorCode> error;  // the ERROR code sent (or received, for transfer_failed)
  std::string reason;
  Duration elapsed{};  // completed / failed: since the transfer started

  // A log line in the spirit of the CUCM TFTP service traces, e.g.
  // "Request for SEP001122334455.cnf.xml from 10.1.100.23: sent 4321 bytes in 9 blocks".
  [[nodiscard]] std::string describe() const;
};

struct ServerCounters {
  std::uint64_t requests = 0;  // RRQ and WRQ received (duplicates included)
  std::uint64_t transfers_started = 0;
  std::uint64_t transfers_completed = 0;
  std::uint64_t transfers_failed = 0;
  std::uint64_t files_not_found = 0;
  std::uint64_t access_violations = 0;
  std::uint64_t rejected = 0;  // WRQ, bad mode, bad options
  std::uint64_t queued = 0;
  std::uint64_t refused = 0;  // server busy
  std::uint64_t expired = 0;
  std::uint64_t duplicate_requests = 0;
  std::uint64_t duplicate_acks = 0;   // ignored, never answered with DATA
  std::uint64_t retransmissions = 0;  // DATA and OACK packets sent again on timeout
  std::uint64_t unknown_tid = 0;
  std::uint64_t malformed = 0;
  std::uint64_t stray = 0;         // datagrams for a port without a transfer
  std::uint64_t data_packets = 0;  // DATA packets sent, retransmissions included
  std::uint64_t bytes_sent = 0;    // DATA payload bytes, retransmissions included
};

class Server {
 public:
  // `files` and `random` must outlive the server. Throws std::invalid_argument for a
  // configuration that cannot work (no worker, a transfer port range smaller than `workers`).
  Server(ServerConfig config, FileSource& files, Random& random);

  void handle_datagram(Time now, const Datagram& in);
  // Retransmits and abandons what is due at `now`; harmless when called early.
  void handle_timeout(Time now);
  [[nodiscard]] std::optional<Time> next_timeout() const;
  std::optional<OutgoingDatagram> poll_transmit();
  std::optional<ServerEvent> poll_event();

  [[nodiscard]] const ServerCounters& counters() const { return counters_; }
  [[nodiscard]] std::size_t active_transfers() const { return transfers_.size(); }
  [[nodiscard]] std::size_t queued_requests() const { return queue_.size(); }
  // The ports of the transfers in progress (the TIDs the driver must route here).
  [[nodiscard]] std::vector<std::uint16_t> transfer_ports() const;
  [[nodiscard]] const ServerConfig& config() const { return config_; }

 private:
  struct Pending {
    Endpoint client;
    Request request;
    Time arrived{};
  };
  struct Transfer {
    Endpoint client;
    std::uint16_t port = 0;
    std::string filename;
    FileContent content;
    std::uint16_t blksize = default_block_size;
    std::uint16_t windowsize = 1;
    Duration timeout{};
    std::uint64_t total_blocks = 0;  // size / blksize + 1
    std::optional<OptionAck> oack;   // set while waiting for ACK 0
    std::uint64_t acked = 0;         // blocks acknowledged (absolute count)
    std::uint64_t sent = 0;          // highest block sent (absolute)
    unsigned retries = 0;
    Time started{};
    Time deadline{};
  };

  void handle_request(Time now, const Datagram& in, Request request);
  void handle_transfer_datagram(Time now, const Datagram& in, Transfer& transfer);
  void start_next(Time now);
  void start(Time now, Pending pending);
  void send_window(Transfer& transfer, bool retransmission);
  void arm(Transfer& transfer, Time deadline);
  void finish(Time now, Transfer& transfer, ServerEventKind kind, std::string reason,
              std::optional<ErrorCode> error = std::nullopt);
  void reply_error(const Endpoint& to, std::uint16_t from_port, ErrorCode code,
                   std::string_view message);
  std::optional<std::uint16_t> allocate_port();
  ServerEvent event(ServerEventKind kind, Time now, const Endpoint& client,
                    std::string_view filename) const;
  void emit(ServerEvent event);

  ServerConfig config_;
  FileSource& files_;
  Random& random_;
  std::map<std::uint16_t, Transfer> transfers_;           // by TID
  std::map<Endpoint, std::uint16_t> transfer_by_client_;  // client endpoint -> TID
  std::deque<Pending> queue_;
  std::set<Endpoint> queued_clients_;  // who is in queue_, to spot retransmitted requests fast
  std::set<std::pair<Time, std::uint16_t>> deadlines_;  // (deadline, TID)
  std::deque<OutgoingDatagram> transmits_;
  std::deque<ServerEvent> events_;
  ServerCounters counters_;
};

}  // namespace voicelab::tftp
