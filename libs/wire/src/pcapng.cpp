#include "voicelab/wire/pcapng.hpp"

#include <algorithm>
#include <cerrno>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace voicelab::wire {
namespace {

// Block types and option codes: draft-ietf-opsawg-pcapng, sections 4.1, 4.2, 4.3 and 3.5.
constexpr std::uint32_t block_section_header = 0x0a0d0d0a;
constexpr std::uint32_t block_interface_description = 0x00000001;
constexpr std::uint32_t block_enhanced_packet = 0x00000006;
constexpr std::uint32_t byte_order_magic = 0x1a2b3c4d;
constexpr std::uint16_t version_major = 1;
constexpr std::uint16_t version_minor = 0;
constexpr std::uint64_t section_length_unknown = ~std::uint64_t{0};

constexpr std::uint16_t opt_endofopt = 0;
constexpr std::uint16_t opt_comment = 1;
constexpr std::uint16_t shb_userappl = 4;
constexpr std::uint16_t if_name = 2;
constexpr std::uint16_t if_tsresol = 9;
constexpr std::uint8_t tsresol_nanoseconds = 9;

constexpr std::string_view application_name = "voicelab";
constexpr std::size_t flush_threshold = 64 * 1024;

// An option value is at most 65535 bytes; longer text is cut at a UTF-8 character boundary so
// that the stored value stays valid UTF-8.
std::string_view fit_option_text(std::string_view text) {
  constexpr std::size_t max_length = std::numeric_limits<std::uint16_t>::max();
  if (text.size() <= max_length) return text;
  std::size_t cut = max_length;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
  return text.substr(0, cut);
}

// Appends one block to the buffer, always little-endian, and patches its length when finished.
class BlockBuilder {
 public:
  BlockBuilder(std::vector<std::uint8_t>& buffer, std::uint32_t block_type)
      : buffer_(buffer), start_(buffer.size()) {
    u32(block_type);
    u32(0);  // block total length, patched by finish()
  }

  void u8(std::uint8_t v) { buffer_.push_back(v); }
  void u16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v));
    u8(static_cast<std::uint8_t>(v >> 8));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v));
    u16(static_cast<std::uint16_t>(v >> 16));
  }
  void u64(std::uint64_t v) {
    u32(static_cast<std::uint32_t>(v));
    u32(static_cast<std::uint32_t>(v >> 32));
  }
  void bytes(Bytes data) { buffer_.insert(buffer_.end(), data.begin(), data.end()); }
  void pad_to_32_bits() {
    buffer_.resize(buffer_.size() + (4 - (buffer_.size() - start_) % 4) % 4);
  }

  void option(std::uint16_t code, Bytes value) {
    u16(code);
    u16(static_cast<std::uint16_t>(value.size()));
    bytes(value);
    pad_to_32_bits();
    has_options_ = true;
  }
  void option(std::uint16_t code, std::string_view text) {
    const std::string_view fitted = fit_option_text(text);
    option(code, Bytes{reinterpret_cast<const std::uint8_t*>(fitted.data()), fitted.size()});
  }

  void finish() {
    if (has_options_) {
      u16(opt_endofopt);
      u16(0);
    }
    const auto total_length = static_cast<std::uint32_t>(buffer_.size() - start_ + 4);
    u32(total_length);
    for (std::size_t i = 0; i < 4; ++i) {
      buffer_[start_ + 4 + i] = static_cast<std::uint8_t>(total_length >> (8 * i));
    }
  }

 private:
  std::vector<std::uint8_t>& buffer_;
  std::size_t start_;
  bool has_options_ = false;
};

}  // namespace

PcapngWriter::PcapngWriter() { write_section_header(); }

PcapngWriter::PcapngWriter(const std::string& path) : file_(std::fopen(path.c_str(), "wb")) {
  if (file_ == nullptr) {
    throw std::system_error(errno, std::generic_category(), "cannot create capture " + path);
  }
  // Room for a full chunk plus the largest block, so that steady-state writes never reallocate.
  buffer_.reserve(2 * flush_threshold + 2 * std::numeric_limits<std::uint16_t>::max());
  write_section_header();
}

PcapngWriter::~PcapngWriter() {
  flush();
  if (file_ != nullptr) std::fclose(file_);
}

void PcapngWriter::write_section_header() {
  BlockBuilder block{buffer_, block_section_header};
  block.u32(byte_order_magic);
  block.u16(version_major);
  block.u16(version_minor);
  block.u64(section_length_unknown);
  block.option(shb_userappl, application_name);
  block.finish();
}

std::uint32_t PcapngWriter::add_interface(std::string_view name, std::uint16_t link_type,
                                          std::uint32_t snap_length) {
  BlockBuilder block{buffer_, block_interface_description};
  block.u16(link_type);
  block.u16(0);  // reserved
  block.u32(snap_length);
  if (!name.empty()) block.option(if_name, name);
  const std::uint8_t resolution = tsresol_nanoseconds;
  block.option(if_tsresol, Bytes{&resolution, 1});
  block.finish();
  snap_lengths_.push_back(snap_length);
  maybe_flush();
  return interfaces_++;
}

void PcapngWriter::write_packet(std::uint32_t interface_id, std::uint64_t timestamp_ns, Bytes frame,
                                std::string_view comment) {
  if (interface_id >= interfaces_) {
    throw std::out_of_range("pcapng: packet for undeclared interface " +
                            std::to_string(interface_id));
  }
  const std::uint32_t snap_length = snap_lengths_[interface_id];
  const std::size_t limit =
      snap_length == 0 ? std::numeric_limits<std::uint32_t>::max() : std::size_t{snap_length};
  const Bytes captured = frame.first(std::min(frame.size(), limit));

  BlockBuilder block{buffer_, block_enhanced_packet};
  block.u32(interface_id);
  block.u32(static_cast<std::uint32_t>(timestamp_ns >> 32));
  block.u32(static_cast<std::uint32_t>(timestamp_ns));
  block.u32(static_cast<std::uint32_t>(captured.size()));
  block.u32(static_cast<std::uint32_t>(
      std::min<std::size_t>(frame.size(), std::numeric_limits<std::uint32_t>::max())));
  block.bytes(captured);
  block.pad_to_32_bits();
  if (!comment.empty()) block.option(opt_comment, comment);
  block.finish();
  ++packets_;
  maybe_flush();
}

void PcapngWriter::maybe_flush() {
  if (file_ != nullptr && buffer_.size() >= flush_threshold) flush();
}

void PcapngWriter::flush() {
  if (file_ == nullptr) return;
  if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
    write_failed_ = true;
  }
  buffer_.clear();  // keeps the capacity for the next chunk
  if (std::fflush(file_) != 0) write_failed_ = true;
}

}  // namespace voicelab::wire
