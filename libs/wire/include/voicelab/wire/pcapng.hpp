#pragma once
// A pcapng writer (draft-ietf-opsawg-pcapng): one Section Header Block, one Interface Description
// Block per capture point (if_name, if_tsresol = nanoseconds), Enhanced Packet Blocks with an
// optional opt_comment. Timestamps are virtual time, so captures are reproducible byte for byte.

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "voicelab/wire/bytes.hpp"

namespace voicelab::wire {

namespace linktype {
inline constexpr std::uint16_t ethernet = 1;
}

class PcapngWriter {
 public:
  // Writes into memory; take the bytes with `data()`.
  PcapngWriter();
  // Writes to a file, created or truncated. Throws std::system_error if it cannot be opened
  // (a configuration error at start-up, never on the packet path).
  explicit PcapngWriter(const std::string& path);
  ~PcapngWriter();
  PcapngWriter(const PcapngWriter&) = delete;
  PcapngWriter& operator=(const PcapngWriter&) = delete;

  // Declares a capture point and returns its interface id for write_packet().
  std::uint32_t add_interface(std::string_view name, std::uint16_t link_type = linktype::ethernet,
                              std::uint32_t snap_length = 0);

  // Appends one packet captured at `timestamp_ns` on `interface_id`; `comment` (UTF-8) becomes
  // the packet's opt_comment when not empty. A frame longer than the interface's non-zero
  // snap_length is stored cut to it (original length kept). Throws std::out_of_range for an
  // interface id that add_interface() did not return (a programming error).
  void write_packet(std::uint32_t interface_id, std::uint64_t timestamp_ns, Bytes frame,
                    std::string_view comment = {});

  // Pushes buffered bytes to the file (no-op in memory). Also done by the destructor.
  void flush();

  [[nodiscard]] const std::vector<std::uint8_t>& data() const { return buffer_; }  // memory mode
  [[nodiscard]] std::uint32_t interface_count() const { return interfaces_; }
  [[nodiscard]] std::uint64_t packet_count() const { return packets_; }
  // True once writing to the file failed (disk full, ...): the capture on disk is incomplete.
  [[nodiscard]] bool write_failed() const { return write_failed_; }

 private:
  void write_section_header();
  void maybe_flush();

  std::vector<std::uint8_t> buffer_;
  std::FILE* file_ = nullptr;
  std::uint32_t interfaces_ = 0;
  std::uint64_t packets_ = 0;
  std::vector<std::uint32_t> snap_lengths_;  // per interface; 0 = no limit
  bool write_failed_ = false;
};

}  // namespace voicelab::wire
