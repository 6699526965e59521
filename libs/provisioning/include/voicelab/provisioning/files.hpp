#pragma once
// The files a CUCM node's TFTP service (port 69) and its HTTP face (port 6970) serve, generated
// on demand from a Database, and the FileSource that serves them by name.
//
// Names (case-sensitive, as on CUCM's TFTP service, which serves from a Linux file system and
// its own cache of generated files; a phone asking "sep001122334455.cnf.xml" gets "not found"):
//   SEP<MAC>.cnf.xml           a device of the database generate_device_config() XMLDefault.cnf.xml
//   always                                         generate_default_config() ITLFile.tlv,
//   ITLSEP<MAC>.tlv   always / a device of the database          generate_itl() CTLFile.tlv,
//   CTLSEP<MAC>.tlv   mixed-mode cluster only (else not found)   generate_ctl() <name>.xml SIP dial
//   rules <name>                          generate_dial_rules() SK<uuid>.xml               a
//   softkey template                             generate_softkeys() <user locale>/tags_file    a
//   user locale                                  generate_locale_tags() <network
//   locale>/g3-tones.xml  a network locale                           generate_tones() <ring list
//   file>           Ringlist.xml, DistinctiveRingList.xml, ...     generate_ring_list() <ring file>
//   every file a ring list names                   generate_ring_tone() <load id>.loads a firmware
//   load                                generate_load_descriptor() <component>                every
//   file a load lists                        generate_load_component() <any of the XML/text files
//   above>.sgn   the signed variant                encode_signed_file()
// docs/provisioning.md describes every format and where its facts come from.

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "voicelab/provisioning/database.hpp"
#include "voicelab/provisioning/trust_list.hpp"
#include "voicelab/tftp/file_source.hpp"

namespace voicelab::provisioning {

// File names.
std::string device_config_file_name(std::string_view device_name);  // "SEP….cnf.xml"
std::string dial_rules_file_name(const DialRules& rules);           // "<name>.xml"
std::string softkey_file_name(const SoftkeyTemplate& softkeys);     // "SK<uuid>.xml"
std::string locale_tags_file_name(const UserLocale& locale);        // "<name>/tags_file"
std::string tones_file_name(const NetworkLocale& locale);           // "<name>/g3-tones.xml"
std::string load_descriptor_file_name(std::string_view load_id);    // "<load id>.loads"

// Generators. Each is a pure function of its inputs: the same database gives the same bytes.
std::string generate_device_config(const Database& db, const Device& device);
std::string generate_default_config(const Database& db);
std::string generate_dial_rules(const DialRules& rules);
std::string generate_softkeys(const SoftkeyTemplate& softkeys);
std::string generate_locale_tags(const UserLocale& locale);
std::string generate_tones(const NetworkLocale& locale);
std::string generate_ring_list(const RingList& list);
// A ring tone: 2 s of 8 kHz mu-law (16000 bytes) for ".raw", 2 s of 16 kHz 16-bit linear
// (64000 bytes) for the wideband ".rwb"; a warbling two-tone ring, deterministic.
std::vector<std::uint8_t> generate_ring_tone(std::string_view file_name);
std::string generate_load_descriptor(const FirmwareLoad& load);
// `size` bytes of deterministic content seeded by the name (a stand-in for a signed image).
std::vector<std::uint8_t> generate_load_component(std::string_view name, std::uint64_t size);

// The certificates the cluster's files use (lab stand-ins, trust_list.hpp): the CallManager
// certificate of each TFTP node signs config files, ITLRecovery (SAST) signs the ITL, and in
// mixed mode the SAST token signs the CTL.
Certificate tftp_certificate(const Database& db);  // of the first node running TFTP
std::vector<TrustRecord> itl_records(const Database& db);
std::vector<TrustRecord> ctl_records(const Database& db);
std::vector<std::uint8_t> generate_itl(const Database& db, std::string_view file_name);
std::vector<std::uint8_t> generate_ctl(const Database& db, std::string_view file_name);

struct ConfigFilesCounters {
  std::uint64_t lookups = 0;
  std::uint64_t served = 0;
  std::uint64_t not_found = 0;
  std::uint64_t generated = 0;   // files built (first request, or after a change)
  std::uint64_t cache_hits = 0;  // served from a file built earlier
};

// Serves the files above from `db` (which must outlive it) to tftp::Server and http::Server.
// A generated file is kept and served again until the database changes in a way that affects
// it: a device's SEP<MAC>.cnf.xml is rebuilt when Database::device_generation() moves (its own
// record or any shared record changed), every other file when shared_generation() moves and
// its bytes differ; firmware components, the largest files, are built once per name and size
// and shared by every transfer (tftp::FileContent). Files named after a device (SEP<MAC>.*,
// ITLSEP/CTLSEP<MAC>.tlv) are kept for the last `max_cached_device_files` devices asked about,
// so a 100,000-phone boot storm does not hold every phone's file at once. Not thread-safe, like
// the engines.
class ConfigFiles final : public tftp::FileSource {
 public:
  explicit ConfigFiles(const Database& db, std::size_t max_cached_device_files = 4096);

  tftp::FileContent lookup(std::string_view path) override;

  // Every name lookup() serves now (device and static files, not the .sgn variants), sorted.
  [[nodiscard]] std::vector<std::string> file_names();
  [[nodiscard]] const ConfigFilesCounters& counters() const { return counters_; }

 private:
  enum class Kind {
    default_config,
    itl,
    ctl,
    dial_rules,
    softkeys,
    locale_tags,
    tones,
    ring_list,
    ring_tone,
    load_descriptor,
    load_component,
  };
  struct IndexEntry {
    Kind kind;
    std::string key;  // the record's name, or the file's own name
    std::uint64_t size = 0;
  };
  struct Cached {
    std::uint64_t generation = 0;
    tftp::FileContent content;
  };

  tftp::FileContent find(std::string_view path);
  tftp::FileContent device_file(std::string_view path, std::string_view device_name);
  tftp::FileContent static_file(std::string_view path, const IndexEntry& entry);
  const Cached* cached_entry(std::string_view path, bool per_device) const;
  void store(std::string_view path, Cached entry, bool per_device);
  std::vector<std::uint8_t> build(std::string_view path, const IndexEntry& entry);
  void refresh_index();

  const Database& db_;
  std::map<std::string, IndexEntry, std::less<>> index_;
  std::uint64_t index_generation_ = ~std::uint64_t{0};
  std::map<std::string, Cached, std::less<>> cache_;
  std::map<std::string, Cached, std::less<>> device_cache_;
  std::deque<std::string> device_cache_order_;  // insertion order, for eviction
  std::size_t max_cached_device_files_;
  ConfigFilesCounters counters_;
};

}  // namespace voicelab::provisioning
