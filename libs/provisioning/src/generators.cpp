// The generated files. Element names and their order follow CUCM's own SEP<MAC>.cnf.xml as
// published copies show it (a CUCM 11.x file for a 7821, served verbatim by a public lab
// provisioning server; Wazo's Cisco SIP template taken from a CUCM 8 file; usecallmanager.nz's
// annotated SEPMAC.cnf.xml for 78xx/88xx): see docs/provisioning.md for each element's source.
// Values the lab has no data for are CUCM's defaults as those files show them.

#include <cmath>
#include <numbers>
#include <string>

#include <pugixml.hpp>

#include "digest.hpp"
#include "voicelab/provisioning/files.hpp"
#include "voicelab/provisioning/models.hpp"

namespace voicelab::provisioning {
namespace {

// --- XML helpers ---------------------------------------------------------------------------

pugi::xml_node add(pugi::xml_node parent, const char* name) { return parent.append_child(name); }

pugi::xml_node add(pugi::xml_node parent, const char* name, std::string_view text) {
  pugi::xml_node n = parent.append_child(name);
  // An empty element is written <name></name> as CUCM does (format_no_empty_element_tags needs
  // a node to decide; a pcdata child of length 0 would be dropped, so none is added).
  if (!text.empty()) n.append_child(pugi::node_pcdata).set_value(std::string(text).c_str());
  return n;
}

pugi::xml_node add(pugi::xml_node parent, const char* name, long value) {
  return add(parent, name, std::to_string(value));
}

pugi::xml_node add_bool(pugi::xml_node parent, const char* name, bool value) {
  return add(parent, name, value ? "true" : "false");
}

void attribute(pugi::xml_node node, const char* name, std::string_view value) {
  node.append_attribute(name).set_value(std::string(value).c_str());
}

pugi::xml_document new_document() {
  pugi::xml_document doc;
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version").set_value("1.0");
  decl.append_attribute("encoding").set_value("UTF-8");
  return doc;
}

constexpr unsigned save_flags = pugi::format_indent | pugi::format_no_empty_element_tags;

class StringWriter final : public pugi::xml_writer {
 public:
  void write(const void* data, std::size_t size) override {
    out.append(static_cast<const char*>(data), size);
  }
  std::string out;
};

// Digests the document as it would be written, without building the text.
class DigestWriter final : public pugi::xml_writer {
 public:
  void write(const void* data, std::size_t size) override {
    digest.add(wire::Bytes{static_cast<const std::uint8_t*>(data), size});
  }
  detail::Fnv64 digest;
};

std::string serialize(const pugi::xml_document& doc) {
  StringWriter writer;
  doc.save(writer, "  ", save_flags, pugi::encoding_utf8);
  return std::move(writer.out);
}

std::string braced_uuid(std::string_view kind, std::string_view name) {
  // Appended piece by piece: GCC 12 warns (-Wrestrict, PR 105329) on "{" + std::string + "}".
  std::string key(kind);
  key += ':';
  key += name;
  std::string out = "{";
  out += detail::uuid_from(key);
  out += '}';
  return out;
}

// CUCM's version stamp: "<seconds>-<uuid>" (just the uuid when `signing_time` is 0). The uuid
// is a digest of the file's content, so the stamp changes exactly when the content does.
void stamp(pugi::xml_document& doc, pugi::xml_node stamp_node, std::uint32_t signing_time) {
  const std::string body = serialize(doc);
  const std::string value = signing_time == 0
                                ? detail::uuid_from(body)
                                : std::to_string(signing_time) + "-" + detail::uuid_from(body);
  stamp_node.append_child(pugi::node_pcdata).set_value(value.c_str());
}

std::string process_node_name(const Node& node) {
  return node.process_node_by_address ? node.address.to_string() : node.name;
}

// The node whose web services the phone's URLs point at: the primary of the device's group,
// else the first node of the cluster.
const Node* url_node(const Database& db, const std::vector<const Node*>& group) {
  if (!group.empty()) return group.front();
  return db.nodes().empty() ? nullptr : &db.nodes().begin()->second;
}

void add_call_manager_group(pugi::xml_node parent, const CallManagerGroup* group,
                            const std::vector<const Node*>& nodes, bool tftp_default) {
  pugi::xml_node g = add(parent, "callManagerGroup");
  add(g, "name", group ? std::string_view{group->name} : std::string_view{});
  add_bool(g, "tftpDefault", tftp_default);
  pugi::xml_node members = add(g, "members");
  long priority = 0;
  for (const Node* n : nodes) {
    pugi::xml_node member = add(members, "member");
    attribute(member, "priority", std::to_string(priority++));
    pugi::xml_node cm = add(member, "callManager");
    add(cm, "name", n->name);
    add(cm, "description", n->description.empty() ? n->name : n->description);
    pugi::xml_node ports = add(cm, "ports");
    add(ports, "ethernetPhonePort", 2000);  // SCCP's port, written for SIP phones too
    add(ports, "sipPort", n->sip_port);
    add(ports, "securedSipPort", n->secure_sip_port);
    pugi::xml_node mgcp = add(ports, "mgcpPorts");
    add(mgcp, "listen", 2427);
    add(mgcp, "keepAlive", 2428);
    add(cm, "processNodeName", process_node_name(*n));
  }
}

// <TVS>: the Trust Verification Services of the group's nodes (port 2445).
void add_tvs(pugi::xml_node parent, const std::vector<const Node*>& nodes) {
  pugi::xml_node tvs = add(parent, "TVS");
  pugi::xml_node members = add(tvs, "members");
  long priority = 0;
  for (const Node* n : nodes) {
    if (!n->services.tvs) continue;
    pugi::xml_node member = add(members, "member");
    attribute(member, "priority", std::to_string(priority++));
    add(member, "port", 2445);
    add(member, "address", process_node_name(*n));
  }
}

void add_urls(pugi::xml_node parent, const Node* node) {
  const std::string host = node ? process_node_name(*node) : std::string{};
  auto url = [&](std::string_view path) {
    return host.empty() ? std::string{} : "http://" + host + ":8080/ccmcip/" + std::string(path);
  };
  add(parent, "authenticationURL", url("authenticate.jsp"));
  add(parent, "directoryURL", url("xmldirectory.jsp"));
  add(parent, "idleURL", "");
  add(parent, "informationURL", url("GetTelecasterHelpText.jsp"));
  add(parent, "messagesURL", "");
  add(parent, "proxyServerURL", "");
  add(parent, "servicesURL", url("getservicesmenu.jsp"));
}

void add_sip_profile(pugi::xml_node device, const Database& db, const Device& d,
                     const std::vector<const Node*>& nodes) {
  const std::uint16_t sip_port = nodes.empty() ? std::uint16_t{5060} : nodes.front()->sip_port;
  pugi::xml_node sip = add(device, "sipProfile");
  pugi::xml_node proxies = add(sip, "sipProxies");
  for (const char* proxy : {"backupProxy", "emergencyProxy", "outboundProxy"}) {
    add(proxies, proxy, "USECALLMANAGER");
    add(proxies, (std::string(proxy) + "Port").c_str(), sip_port);
  }
  add_bool(proxies, "registerWithProxy", true);

  pugi::xml_node features = add(sip, "sipCallFeatures");
  add_bool(features, "cnfJoinEnabled", true);
  add(features, "callForwardURI", "x-cisco-serviceuri-cfwdall");
  add(features, "callPickupURI", "x-cisco-serviceuri-pickup");
  add(features, "callPickupListURI", "x-cisco-serviceuri-opickup");
  add(features, "callPickupGroupURI", "x-cisco-serviceuri-gpickup");
  add(features, "meetMeServiceURI", "x-cisco-serviceuri-meetme");
  add(features, "abbreviatedDialURI", "x-cisco-serviceuri-abbrdial");
  add_bool(features, "rfc2543Hold", false);
  add(features, "callHoldRingback", 2);
  add_bool(features, "localCfwdEnable", true);
  add_bool(features, "semiAttendedTransfer", true);
  add(features, "anonymousCallBlock", 2);
  add(features, "callerIdBlocking", 2);
  add(features, "dndControl", 0);
  add_bool(features, "remoteCcEnable", true);
  add_bool(features, "retainForwardInformation", false);

  // The SIP profile's timers (CUCM's "Standard SIP Profile" defaults).
  pugi::xml_node stack = add(sip, "sipStack");
  add(stack, "sipInviteRetx", 6);
  add(stack, "sipRetx", 10);
  add(stack, "timerInviteExpires", 180);
  add(stack, "timerRegisterExpires", 3600);
  add(stack, "timerRegisterDelta", 5);
  add(stack, "timerKeepAliveExpires", 120);
  add(stack, "timerSubscribeExpires", 120);
  add(stack, "timerSubscribeDelta", 5);
  add(stack, "timerT1", 500);
  add(stack, "timerT2", 4000);
  add(stack, "maxRedirects", 70);
  add_bool(stack, "remotePartyID", true);
  add(stack, "userInfo", "None");

  add(sip, "autoAnswerTimer", 1);
  add_bool(sip, "autoAnswerAltBehavior", false);
  add_bool(sip, "autoAnswerOverride", true);
  add_bool(sip, "transferOnhookEnabled", false);
  add_bool(sip, "enableVad", false);
  add(sip, "preferredCodec", "none");
  add(sip, "dtmfAvtPayload", 101);
  add(sip, "dtmfDbLevel", 3);
  add(sip, "dtmfOutofBand", "avt");
  add(sip, "kpml", 3);
  add(sip, "phoneLabel", d.description);
  add(sip, "stutterMsgWaiting", 2);
  add_bool(sip, "callStats", true);
  add(sip, "offhookToFirstDigitTimer", 15000);
  add(sip, "T302Timer", 15000);
  add(sip, "silentPeriodBetweenCallWaitingBursts", 10);
  add_bool(sip, "disableLocalSpeedDialConfig", true);
  add_bool(sip, "poundEndOfDial", false);
  add(sip, "startMediaPort", 16384);
  add(sip, "stopMediaPort", 32766);

  pugi::xml_node lines = add(sip, "sipLines");
  long button = 1;
  for (const Line& line : d.lines) {
    pugi::xml_node l = add(lines, "line");
    attribute(l, "button", std::to_string(button));
    attribute(l, "lineIndex", std::to_string(button));
    ++button;
    add(l, "featureID", 9);  // 9: a line (2 would be a speed dial)
    add(l, "featureLabel", line.label.empty() ? line.dn : line.label);
    add(l, "proxy", "USECALLMANAGER");
    add(l, "port", sip_port);
    add(l, "name", line.dn);
    add(l, "displayName", line.display_name);
    pugi::xml_node auto_answer = add(l, "autoAnswer");
    add(auto_answer, "autoAnswerEnabled", 2);
    add(l, "callWaiting", 3);
    add_bool(l, "sharedLine", false);
    add(l, "messageWaitingLampPolicy", 3);
    add(l, "messageWaitingAMWI", 0);
    add(l, "messagesNumber", "");
    add(l, "ringSettingIdle", 4);
    add(l, "ringSettingActive", 5);
    add(l, "contact", line.dn);
    pugi::xml_node forward = add(l, "forwardCallInfoDisplay");
    add_bool(forward, "callerName", true);
    add_bool(forward, "callerNumber", false);
    add_bool(forward, "redirectedNumber", false);
    add_bool(forward, "dialedNumber", true);
    add(l, "maxNumCalls", 4);
    add(l, "busyTrigger", 2);
  }
  add(sip, "externalNumberMask", "");
  add(sip, "voipControlPort", 5060);
  add(sip, "dscpForAudio", 184);
  add(sip, "ringSettingBusyStationPolicy", 0);
  const DialRules* rules = db.dial_rules(d.dial_rules);
  add(sip, "dialTemplate", rules ? dial_rules_file_name(*rules) : std::string{});
  const SoftkeyTemplate* softkeys = db.softkey_template(d.softkey_template);
  add(sip, "softKeyFile", softkeys ? softkey_file_name(*softkeys) : std::string{});
  add_bool(sip, "alwaysUsePrimeLine", false);
  add_bool(sip, "alwaysUsePrimeLineVoiceMail", false);
}

// --- ring tones ----------------------------------------------------------------------------

// G.711 mu-law encoding of a 16-bit linear sample (ITU-T G.711).
std::uint8_t mulaw(int sample) {
  constexpr int bias = 0x84;
  constexpr int clip = 32635;
  const int sign = sample < 0 ? 0x80 : 0;
  int magnitude = sample < 0 ? -sample : sample;
  if (magnitude > clip) magnitude = clip;
  magnitude += bias;
  int exponent = 7;
  for (int mask = 0x4000; (magnitude & mask) == 0 && exponent > 0; mask >>= 1) --exponent;
  const int mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return static_cast<std::uint8_t>(~(sign | (exponent << 4) | mantissa));
}

// The warble: two tones alternating 20 times a second, pitch set by the file name.
int ring_sample(std::size_t i, double rate, double base) {
  const double t = static_cast<double>(i) / rate;
  const bool high = static_cast<long>(t * 20.0) % 2 == 1;
  const double f = high ? base * 1.25 : base;
  return static_cast<int>(12000.0 * std::sin(2.0 * std::numbers::pi * f * t));
}

}  // namespace

// --- names ---------------------------------------------------------------------------------

std::string device_config_file_name(std::string_view device_name) {
  return std::string(device_name) + ".cnf.xml";
}
std::string dial_rules_file_name(const DialRules& rules) { return rules.name + ".xml"; }
std::string softkey_file_name(const SoftkeyTemplate& softkeys) {
  return "SK" + detail::uuid_from("softkeys:" + softkeys.name) + ".xml";
}
std::string locale_tags_file_name(const UserLocale& locale) { return locale.name + "/tags_file"; }
std::string tones_file_name(const NetworkLocale& locale) { return locale.name + "/g3-tones.xml"; }
std::string load_descriptor_file_name(std::string_view load_id) {
  return std::string(load_id) + ".loads";
}

// --- SEP<MAC>.cnf.xml ----------------------------------------------------------------------

std::string generate_device_config(const Database& db, const Device& d) {
  const DevicePool* pool = db.device_pool(d.device_pool);
  const CallManagerGroup* group = pool ? db.call_manager_group(pool->call_manager_group) : nullptr;
  const std::vector<const Node*> nodes = db.call_manager_nodes(d);
  const DateTimeGroup* dtg = pool ? db.date_time_group(pool->date_time_group) : nullptr;
  const std::string& user_locale_name =
      !d.user_locale.empty() ? d.user_locale : (pool ? pool->user_locale : d.user_locale);
  const std::string& network_locale_name = !d.network_locale.empty()
                                               ? d.network_locale
                                               : (pool ? pool->network_locale : d.network_locale);

  pugi::xml_document doc = new_document();
  pugi::xml_node device = doc.append_child("device");
  // CUCM writes xsi:type without declaring the prefix; the declaration keeps the file
  // namespace-well-formed for XML tools (phones ignore it either way).
  attribute(device, "xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance");
  attribute(device, "xsi:type", "axl:XIPPhone");
  attribute(device, "ctiid", std::to_string(detail::Fnv64{}.add(d.name).value() % 100000 + 1));
  attribute(device, "uuid", braced_uuid("device", d.name));

  add_bool(device, "fullConfig", true);
  add(device, "deviceProtocol", d.protocol);
  add(device, "sshUserId", "");
  add(device, "sshPassword", "");
  add(device, "ipAddressMode", 0);  // IPv4 only
  add_bool(device, "allowAutoConfig", true);
  add(device, "ipPreferenceModeControl", 0);
  pugi::xml_node tz = add(device, "tzdata");
  add(tz, "tzolsonversion", "2023c");
  add(tz, "tzupdater", "tzupdater.jar");

  pugi::xml_node dp = add(device, "devicePool");
  attribute(dp, "uuid", braced_uuid("devicePool", d.device_pool));
  add(dp, "revertPriority", 0);
  add(dp, "name", d.device_pool);
  pugi::xml_node dts = add(dp, "dateTimeSetting");
  attribute(dts, "uuid", braced_uuid("dateTimeGroup", dtg ? dtg->name : std::string{}));
  const DateTimeGroup defaults_dtg{};
  const DateTimeGroup& t = dtg ? *dtg : defaults_dtg;
  add(dts, "name", dtg ? dtg->name : std::string("CMLocal"));
  add(dts, "dateTemplate", t.date_template);
  add(dts, "timeZone", t.time_zone);
  add(dts, "olsonTimeZone", t.olson_time_zone);
  pugi::xml_node ntps = add(dts, "ntps");
  for (const auto& server : t.ntp_servers) {
    pugi::xml_node ntp = add(ntps, "ntp");
    add(ntp, "name", server);
    add(ntp, "ntpMode", "Unicast");
  }
  add_call_manager_group(dp, group, nodes, false);
  pugi::xml_node srst = add(dp, "srstInfo");
  add(srst, "name", "Disable");
  add(srst, "srstOption", "Disable");
  add_bool(srst, "userModifiable", false);
  add_bool(srst, "isSecure", false);
  add(dp, "connectionMonitorDuration", pool ? pool->connection_monitor_duration : 120);

  add_tvs(device, nodes);
  add_sip_profile(device, db, d, nodes);
  add(device, "MissedCallLoggingOption", 1);

  pugi::xml_node common = add(device, "commonProfile");
  const CommonPhoneProfile* profile = db.common_phone_profile(d.common_phone_profile);
  const CommonPhoneProfile default_profile{};
  const CommonPhoneProfile& p = profile ? *profile : default_profile;
  add(common, "phonePassword", p.phone_password);
  add_bool(common, "backgroundImageAccess", p.background_image_access);
  add(common, "callLogBlfEnabled", p.call_log_blf);

  add(device, "loadInformation", db.effective_load(d));
  add(device, "inactiveLoadInformation", "");

  pugi::xml_node vendor = add(device, "vendorConfig");
  add_bool(vendor, "disableSpeaker", false);
  add_bool(vendor, "disableSpeakerAndHeadset", false);
  add(vendor, "pcPort", 0);
  add(vendor, "garp", 1);
  add(vendor, "voiceVlanAccess", 0);
  add(vendor, "spanToPCPort", 1);
  add(vendor, "loggingDisplay", 1);
  add(vendor, "webAccess", 1);  // 1 disables, as in CUCM's own encoding
  add(vendor, "sshAccess", 1);

  pugi::xml_node version_stamp = add(device, "versionStamp");

  if (!user_locale_name.empty()) {
    const UserLocale* ul = db.user_locale(user_locale_name);
    pugi::xml_node locale = add(device, "userLocale");
    add(locale, "name", user_locale_name);
    add(locale, "uid", 1);
    add(locale, "langCode", ul ? ul->lang_code : std::string{});
    add(locale, "version", ul ? ul->version : std::string{});
    add(locale, "winCharSet", ul ? ul->char_set : std::string("utf-8"));
  }
  if (!network_locale_name.empty()) {
    const NetworkLocale* nl = db.network_locale(network_locale_name);
    add(device, "networkLocale", network_locale_name);
    pugi::xml_node info = add(device, "networkLocaleInfo");
    add(info, "name", network_locale_name);
    add(info, "uid", 64);
    add(info, "version", nl ? nl->version : std::string{});
  }
  add(device, "deviceSecurityMode", static_cast<long>(d.security_mode));
  add(device, "idleTimeout", 0);
  add_urls(device, url_node(db, nodes));
  add(device, "dscpForSCCPPhoneConfig", 96);
  add(device, "dscpForSCCPPhoneServices", 0);
  add(device, "dscpForCm2Dvce", 96);
  add(device, "transportLayerProtocol", static_cast<long>(d.transport));
  add(device, "capfAuthMode", 0);
  pugi::xml_node capf_list = add(device, "capfList");
  pugi::xml_node capf = add(capf_list, "capf");
  add(capf, "phonePort", 3804);
  const Node* capf_node = nullptr;
  for (const auto& [name, n] : db.nodes()) {
    if (n.services.capf) {
      capf_node = &n;
      break;
    }
  }
  add(capf, "processNodeName", capf_node ? process_node_name(*capf_node) : std::string{});
  add(device, "certHash", "");
  add_bool(device, "encrConfig", false);

  stamp(doc, version_stamp, db.identity().signing_time);
  return serialize(doc);
}

// --- XMLDefault.cnf.xml --------------------------------------------------------------------

std::string generate_default_config(const Database& db) {
  pugi::xml_document doc = new_document();
  pugi::xml_node root = doc.append_child("Default");
  const CallManagerGroup* group = db.default_call_manager_group();
  std::vector<const Node*> nodes;
  if (group != nullptr) {
    for (const auto& name : group->nodes) {
      if (const Node* n = db.node(name)) nodes.push_back(n);
    }
  }
  add_call_manager_group(root, group, nodes, true);
  add_tvs(root, nodes);
  // One element per model with a default load, named after CUCM's model type:
  // <loadInformation685 model="Cisco 8861">sip88xx.…</loadInformation685>.
  const auto& loads = db.enterprise_defaults().default_loads;
  for (const PhoneModel& model : phone_models()) {
    const auto it = loads.find(model.name);
    if (it == loads.end()) continue;
    const std::string element = "loadInformation" + std::to_string(model.type);
    pugi::xml_node load = add(root, element.c_str(), it->second);
    attribute(load, "model", model.name);
  }
  // Loads keyed by a model the catalog does not know: written without a model type.
  for (const auto& [model, load_id] : loads) {
    if (find_phone_model(model) != nullptr) continue;
    attribute(add(root, "loadInformation", load_id), "model", model);
  }
  const AutoRegistration& autoreg = db.enterprise_defaults().auto_registration;
  // A lab hint, not a CUCM element: whether an unknown phone will be auto-registered (CUCM
  // decides at REGISTER time; the phone cannot know).
  add(root, "autoRegistration", autoreg.enabled && autoreg.sip ? "enabled" : "disabled");
  add_urls(root, nodes.empty() ? url_node(db, nodes) : nodes.front());
  return serialize(doc);
}

// --- dial rules, softkeys, locales, ring lists -----------------------------------------------

std::string generate_dial_rules(const DialRules& rules) {
  pugi::xml_document doc = new_document();
  pugi::xml_node root = doc.append_child("DIALTEMPLATE");
  for (const DialPattern& p : rules.patterns) {
    pugi::xml_node t = add(root, "TEMPLATE");
    attribute(t, "MATCH", p.match);
    attribute(t, "Timeout", std::to_string(p.timeout));
    attribute(t, "User", "Phone");
    if (!p.rewrite.empty()) attribute(t, "Rewrite", p.rewrite);
  }
  return serialize(doc);
}

std::string generate_softkeys(const SoftkeyTemplate& softkeys) {
  pugi::xml_document doc = new_document();
  pugi::xml_node root = doc.append_child("softKeyCfg");
  pugi::xml_node version_stamp = add(root, "versionStamp");
  pugi::xml_node sets = add(root, "softKeySets");
  for (const SoftkeySet& set : softkeys.sets) {
    pugi::xml_node s = add(sets, "softKeySet");
    attribute(s, "id", set.state);
    for (const auto& key : set.keys) attribute(add(s, "softKey"), "keyID", key);
  }
  stamp(doc, version_stamp, 0);
  return serialize(doc);
}

std::string generate_locale_tags(const UserLocale& locale) {
  // A lab stand-in for the locale installer's tags_file: the locale's identity as key=value.
  return "# voicelab user locale\nNAME=" + locale.name + "\nLANG_CODE=" + locale.lang_code +
         "\nVERSION=" + locale.version + "\nCHARSET=" + locale.char_set + "\n";
}

std::string generate_tones(const NetworkLocale& locale) {
  // North American precise tones (dial 350+440 Hz continuous, busy 480+620 Hz 0.5 s on/off,
  // ringback 440+480 Hz 2 s on / 4 s off, reorder 480+620 Hz 0.25 s on/off) for every locale.
  pugi::xml_document doc = new_document();
  pugi::xml_node root = doc.append_child("tones");
  attribute(root, "locale", locale.name);
  struct Part {
    const char* frequency;
    int duration;
  };
  struct Tone {
    const char* type;
    int level;
    std::initializer_list<Part> parts;
  };
  const Tone tones[] = {
      {"InsideDial", -19, {{"350+440", 0}}},
      {"OutsideDial", -19, {{"350+440", 0}}},
      {"Busy", -24, {{"480+620", 500}, {"0", 500}}},
      {"Alerting", -19, {{"440+480", 2000}, {"0", 4000}}},
      {"Reorder", -24, {{"480+620", 250}, {"0", 250}}},
  };
  for (const Tone& tone : tones) {
    pugi::xml_node t = add(root, "tone");
    attribute(t, "type", tone.type);
    for (const Part& part : tone.parts) {
      pugi::xml_node p = add(t, "part");
      attribute(p, "frequency", part.frequency);
      attribute(p, "level", std::to_string(tone.level));
      attribute(p, "duration", std::to_string(part.duration));
    }
  }
  return serialize(doc);
}

std::string generate_ring_list(const RingList& list) {
  pugi::xml_document doc = new_document();
  pugi::xml_node root = doc.append_child("CiscoIPPhoneRingList");
  for (const Ring& ring : list.rings) {
    pugi::xml_node r = add(root, "Ring");
    add(r, "DisplayName", ring.display_name);
    add(r, "FileName", ring.file_name);
  }
  return serialize(doc);
}

std::vector<std::uint8_t> generate_ring_tone(std::string_view file_name) {
  const bool wideband = file_name.ends_with(".rwb");
  const double rate = wideband ? 16000.0 : 8000.0;
  const std::size_t samples = static_cast<std::size_t>(rate * 2);
  // 400..1000 Hz, chosen by the name so each ring sounds different.
  const double base = 400.0 + static_cast<double>(detail::Fnv64{}.add(file_name).value() % 601);
  std::vector<std::uint8_t> out;
  out.reserve(wideband ? samples * 2 : samples);
  for (std::size_t i = 0; i < samples; ++i) {
    const int s = ring_sample(i, rate, base);
    if (wideband) {
      const auto u = static_cast<std::uint16_t>(static_cast<std::int16_t>(s));
      out.push_back(static_cast<std::uint8_t>(u));  // little-endian (an assumption)
      out.push_back(static_cast<std::uint8_t>(u >> 8));
    } else {
      out.push_back(mulaw(s));
    }
  }
  return out;
}

// --- firmware --------------------------------------------------------------------------------

std::string generate_load_descriptor(const FirmwareLoad& load) {
  std::string out = "; " + load_descriptor_file_name(load.load_id) + "\n";
  out += "; voicelab load descriptor: the component files of one platform\n";
  out += "[LOAD]\nLoadId=" + load.load_id + "\nPlatforms=1\n[PLATFORM_1]\n";
  std::size_t n = 1;
  for (const LoadFile& f : load.files) {
    out += "File" + std::to_string(n++) + "=" + f.name + "," + std::to_string(f.size) + "\n";
  }
  return out;
}

std::vector<std::uint8_t> generate_load_component(std::string_view name, std::uint64_t size) {
  std::vector<std::uint8_t> out = detail::expand(detail::Fnv64{}.add(name).value(), size);
  // A recognisable start, as a real image has a header ("voicelab <name>\n").
  const std::string head = "voicelab " + std::string(name) + "\n";
  for (std::size_t i = 0; i < head.size() && i < out.size(); ++i) {
    out[i] = static_cast<std::uint8_t>(head[i]);
  }
  return out;
}

// --- ITL / CTL -------------------------------------------------------------------------------

namespace {

std::vector<const Node*> tftp_nodes(const Database& db) {
  std::vector<const Node*> out;
  for (const auto& [name, n] : db.nodes()) {
    if (n.services.tftp) out.push_back(&n);
  }
  return out;
}

std::string first_node_name(const Database& db) {
  const auto tftp = tftp_nodes(db);
  if (!tftp.empty()) return tftp.front()->name;
  return db.nodes().empty() ? std::string("cucm") : db.nodes().begin()->first;
}

Certificate itl_recovery(const Database& db) {
  return lab_certificate(db.identity().name, "ITLRECOVERY_" + first_node_name(db), "ITLRecovery");
}

}  // namespace

Certificate tftp_certificate(const Database& db) {
  return lab_certificate(db.identity().name, first_node_name(db), "CallManager");
}

std::vector<TrustRecord> itl_records(const Database& db) {
  // Since CUCM 10 the ITL is signed by the ITLRecovery certificate (function SAST); it lists
  // the CallManager certificate of every TFTP server (CCM+TFTP: they sign config files), the
  // TVS certificate of every node running TVS, and the CAPF certificate (Cisco TechNote 116232,
  // "CUCM Security By Default and ITL Operation and Troubleshooting").
  const std::string& cluster = db.identity().name;
  std::vector<TrustRecord> records;
  records.push_back({itl_recovery(db), TrustFunction::sast, {}, std::nullopt});
  for (const auto& [name, n] : db.nodes()) {
    if (n.services.tftp) {
      records.push_back({lab_certificate(cluster, name, "CallManager"),
                         TrustFunction::ccm_tftp,
                         {},
                         std::nullopt});
    }
  }
  for (const auto& [name, n] : db.nodes()) {
    if (n.services.tvs) {
      records.push_back(
          {lab_certificate(cluster, name, "TVS"), TrustFunction::tvs, {}, std::nullopt});
    }
  }
  for (const auto& [name, n] : db.nodes()) {
    if (n.services.capf) {
      records.push_back({lab_certificate(cluster, "CAPF-" + name, "CAPF"),
                         TrustFunction::capf,
                         {},
                         std::nullopt});
    }
  }
  return records;
}

std::vector<TrustRecord> ctl_records(const Database& db) {
  // A tokenless mixed-mode CTL (utils ctl set-cluster mixed-mode): the publisher's CallManager
  // certificate and ITLRecovery as SAST, the CallManager certificate of every node with its
  // address (CCM+TFTP for TFTP servers, CCM otherwise), and CAPF.
  const std::string& cluster = db.identity().name;
  std::vector<TrustRecord> records;
  records.push_back({tftp_certificate(db), TrustFunction::sast, {}, std::nullopt});
  records.push_back({itl_recovery(db), TrustFunction::sast, {}, std::nullopt});
  for (const auto& [name, n] : db.nodes()) {
    records.push_back({lab_certificate(cluster, name, "CallManager"),
                       n.services.tftp ? TrustFunction::ccm_tftp : TrustFunction::ccm, name,
                       n.address});
  }
  for (const auto& [name, n] : db.nodes()) {
    if (n.services.capf) {
      records.push_back(
          {lab_certificate(cluster, "CAPF-" + name, "CAPF"), TrustFunction::capf, name, n.address});
    }
  }
  return records;
}

std::vector<std::uint8_t> generate_itl(const Database& db, std::string_view file_name) {
  return encode_trust_list(file_name, db.identity().signing_time, itl_recovery(db),
                           itl_records(db));
}

std::vector<std::uint8_t> generate_ctl(const Database& db, std::string_view file_name) {
  return encode_trust_list(file_name, db.identity().signing_time, tftp_certificate(db),
                           ctl_records(db));
}

}  // namespace voicelab::provisioning
