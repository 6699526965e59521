#include "voicelab/dns/message.hpp"

#include <map>

#include "voicelab/dns/error.hpp"
#include "voicelab/wire/error.hpp"

namespace voicelab::dns {
namespace {

constexpr std::size_t max_name_wire_size = 255;  // including length bytes and the final zero
constexpr std::size_t max_label_size = 63;
constexpr std::size_t min_question_size = 5;  // root name + type + class
constexpr std::size_t min_record_size = 11;   // root name + type, class, ttl, rdlength
constexpr std::uint16_t max_pointer_offset = 0x3fff;

// Reads the name at `offset` of `message`; on success `offset` is just past the name as it
// appears at that place (past the first pointer, if any).
wire::Result<std::string> read_name(wire::Bytes message, std::size_t& offset) {
  std::string name;
  std::size_t position = offset;
  std::size_t segment_start = offset;  // pointers must go strictly before this
  std::size_t wire_size = 1;           // the final zero
  bool jumped = false;
  for (;;) {
    if (position >= message.size()) return wire::errc::truncated;
    const std::uint8_t length = message[position];
    if ((length & 0xc0) == 0xc0) {
      if (position + 1 >= message.size()) return wire::errc::truncated;
      const std::size_t target =
          static_cast<std::size_t>(length & 0x3f) << 8 | message[position + 1];
      if (!jumped) offset = position + 2;
      if (target >= segment_start) return errc::bad_pointer;
      jumped = true;
      segment_start = target;
      position = target;
      continue;
    }
    if ((length & 0xc0) != 0) return errc::bad_label;
    if (length == 0) {
      if (!jumped) offset = position + 1;
      return name;
    }
    wire_size += length + 1U;
    if (wire_size > max_name_wire_size) return errc::name_too_long;
    if (position + 1 + length > message.size()) return wire::errc::truncated;
    const wire::Bytes label = message.subspan(position + 1, length);
    for (auto c : label) {
      if (c == '.') return errc::bad_label;
    }
    if (!name.empty()) name.push_back('.');
    name.append(label.begin(), label.end());
    position += 1U + length;
  }
}

wire::Result<Question> read_question(wire::Bytes message, std::size_t& offset) {
  auto name = read_name(message, offset);
  if (!name) return name.error();
  wire::ByteReader reader(message.subspan(offset));
  Question question;
  question.name = std::move(name).value();
  question.type = reader.u16();
  question.qclass = reader.u16();
  if (!reader.ok()) return wire::errc::truncated;
  offset += reader.position();
  return question;
}

wire::Result<Record> read_record(wire::Bytes message, std::size_t& offset) {
  auto name = read_name(message, offset);
  if (!name) return name.error();
  wire::ByteReader reader(message.subspan(offset));
  Record record;
  record.name = std::move(name).value();
  record.type = reader.u16();
  record.rclass = reader.u16();
  record.ttl = reader.u32();
  const std::uint16_t length = reader.u16();
  const wire::Bytes data = reader.take(length);
  if (!reader.ok()) return wire::errc::truncated;
  if (record.type == rr_type::a && record.rclass == rr_class::in && length != 4) {
    return errc::bad_rdata;
  }
  record.data.assign(data.begin(), data.end());
  offset += reader.position();
  return record;
}

std::vector<std::string_view> split_labels(std::string_view name) {
  std::vector<std::string_view> labels;
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  while (!name.empty()) {
    const auto dot = name.find('.');
    labels.push_back(name.substr(0, dot));
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
    if (name.empty()) labels.emplace_back();  // "a..": an empty label, rejected below
  }
  return labels;
}

class Encoder {
 public:
  std::error_code name(std::string_view text) {
    const auto labels = split_labels(text);
    std::size_t wire_size = 1;
    for (const auto& label : labels) {
      if (label.empty() || label.size() > max_label_size) return errc::bad_label;
      wire_size += label.size() + 1;
    }
    if (wire_size > max_name_wire_size) return errc::name_too_long;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      std::string suffix;
      for (std::size_t j = i; j < labels.size(); ++j) {
        if (j > i) suffix.push_back('.');
        suffix.append(labels[j]);
      }
      if (auto known = offsets_.find(suffix); known != offsets_.end()) {
        u16(static_cast<std::uint16_t>(0xc000 | known->second));
        return {};
      }
      if (out_.size() <= max_pointer_offset) {
        offsets_.emplace(std::move(suffix), static_cast<std::uint16_t>(out_.size()));
      }
      out_.push_back(static_cast<std::uint8_t>(labels[i].size()));
      out_.insert(out_.end(), labels[i].begin(), labels[i].end());
    }
    out_.push_back(0);
    return {};
  }
  void u16(std::uint16_t v) {
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v));
  }
  void bytes(const std::vector<std::uint8_t>& v) { out_.insert(out_.end(), v.begin(), v.end()); }
  std::vector<std::uint8_t>& out() { return out_; }

 private:
  std::vector<std::uint8_t> out_;
  std::map<std::string, std::uint16_t> offsets_;
};

}  // namespace

std::string to_string(Rcode rcode) {
  switch (rcode) {
    case Rcode::no_error:
      return "NOERROR";
    case Rcode::format_error:
      return "FORMERR";
    case Rcode::server_failure:
      return "SERVFAIL";
    case Rcode::name_error:
      return "NXDOMAIN";
    case Rcode::not_implemented:
      return "NOTIMP";
    case Rcode::refused:
      return "REFUSED";
  }
  return "RCODE" + std::to_string(static_cast<unsigned>(rcode));
}

Record Record::a(std::string name, wire::Ipv4Address address, std::uint32_t ttl) {
  Record record;
  record.name = std::move(name);
  record.ttl = ttl;
  record.data.resize(4);
  wire::store_be32(record.data.data(), address.to_u32());
  return record;
}

std::optional<wire::Ipv4Address> Record::address() const {
  if (type != rr_type::a || rclass != rr_class::in || data.size() != 4) return std::nullopt;
  return wire::Ipv4Address{wire::load_be32(data.data())};
}

std::string canonical_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string result(name);
  for (auto& c : result) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return result;
}

wire::Result<Message> decode_message(wire::Bytes payload) {
  wire::ByteReader reader(payload);
  Message message;
  message.id = reader.u16();
  const std::uint16_t flags = reader.u16();
  const std::size_t questions = reader.u16();
  const std::size_t answers = reader.u16();
  const std::size_t authorities = reader.u16();
  const std::size_t additionals = reader.u16();
  if (!reader.ok()) return wire::errc::truncated;
  message.is_response = (flags & 0x8000) != 0;
  message.opcode = static_cast<std::uint8_t>((flags >> 11) & 0x0f);
  message.authoritative = (flags & 0x0400) != 0;
  message.truncated = (flags & 0x0200) != 0;
  message.recursion_desired = (flags & 0x0100) != 0;
  message.recursion_available = (flags & 0x0080) != 0;
  message.rcode = static_cast<Rcode>(flags & 0x0f);

  // Absurd counts fail here, before any allocation sized by them.
  const std::size_t records = answers + authorities + additionals;
  if (questions * min_question_size + records * min_record_size > reader.remaining()) {
    return wire::errc::truncated;
  }
  std::size_t offset = header_size;
  message.questions.reserve(questions);
  for (std::size_t i = 0; i < questions; ++i) {
    auto question = read_question(payload, offset);
    if (!question) return question.error();
    message.questions.push_back(std::move(question).value());
  }
  auto read_section = [&](std::size_t count, std::vector<Record>& out) -> std::error_code {
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      auto record = read_record(payload, offset);
      if (!record) return record.error();
      out.push_back(std::move(record).value());
    }
    return {};
  };
  if (auto ec = read_section(answers, message.answers)) return ec;
  if (auto ec = read_section(authorities, message.authorities)) return ec;
  if (auto ec = read_section(additionals, message.additionals)) return ec;
  return message;
}

wire::Result<std::vector<std::uint8_t>> encode_message(const Message& message) {
  constexpr std::size_t max_count = 0xffff;
  if (message.questions.size() > max_count || message.answers.size() > max_count ||
      message.authorities.size() > max_count || message.additionals.size() > max_count) {
    return errc::too_many_records;
  }
  Encoder encoder;
  encoder.u16(message.id);
  std::uint16_t flags = 0;
  if (message.is_response) flags |= 0x8000;
  flags = static_cast<std::uint16_t>(flags | (message.opcode & 0x0f) << 11);
  if (message.authoritative) flags |= 0x0400;
  if (message.truncated) flags |= 0x0200;
  if (message.recursion_desired) flags |= 0x0100;
  if (message.recursion_available) flags |= 0x0080;
  flags = static_cast<std::uint16_t>(flags | (static_cast<unsigned>(message.rcode) & 0x0f));
  encoder.u16(flags);
  encoder.u16(static_cast<std::uint16_t>(message.questions.size()));
  encoder.u16(static_cast<std::uint16_t>(message.answers.size()));
  encoder.u16(static_cast<std::uint16_t>(message.authorities.size()));
  encoder.u16(static_cast<std::uint16_t>(message.additionals.size()));
  for (const auto& question : message.questions) {
    if (auto ec = encoder.name(question.name)) return ec;
    encoder.u16(question.type);
    encoder.u16(question.qclass);
  }
  for (const auto* section : {&message.answers, &message.authorities, &message.additionals}) {
    for (const auto& record : *section) {
      if (record.data.size() > 0xffff) return errc::bad_rdata;
      if (auto ec = encoder.name(record.name)) return ec;
      encoder.u16(record.type);
      encoder.u16(record.rclass);
      encoder.u32(record.ttl);
      encoder.u16(static_cast<std::uint16_t>(record.data.size()));
      encoder.bytes(record.data);
    }
  }
  return std::move(encoder.out());
}

}  // namespace voicelab::dns
