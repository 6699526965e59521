// The loader: the fault timeline, the expectations and the last consistency checks.

#include <algorithm>
#include <map>

#include <fmt/core.h>

#include "loader_internal.hpp"
#include "voicelab/scenario/values.hpp"

namespace voicelab::scenario::detail {
namespace {

struct ActionSpec {
  std::string_view name;
  std::vector<std::string_view> keys;  // besides name, at, when, after, action
};

const std::vector<ActionSpec>& action_specs() {
  static const std::vector<ActionSpec> specs{
      {"node_down", {"node"}},
      {"node_up", {"node"}},
      {"service_down", {"node", "service"}},
      {"service_up", {"node", "service"}},
      {"link_down", {"link"}},
      {"link_up", {"link"}},
      {"link_impair", {"link", "latency", "bandwidth", "loss", "jitter"}},
      {"set_default_load", {"model", "load"}},
      {"set_device_load", {"device", "load"}},
      {"set_callmanager_group", {"callmanager_group", "nodes"}},
      {"set_voice_vlan", {"switch", "ports", "vlan"}},
      {"set_dhcp_option", {"server", "scope", "option", "value"}},
      {"phone_reset", {"phone", "group"}},
      {"phone_power_cycle", {"phone", "group"}},
      {"set_poe_budget", {"switch", "budget_w"}},
  };
  return specs;
}

std::string subject_text(const PhoneSelector& s) {
  switch (s.kind) {
    case PhoneSelector::Kind::phone:
      return s.label;
    case PhoneSelector::Kind::group:
      return "group " + s.label;
    case PhoneSelector::Kind::all:
      return "all phones";
  }
  return "all phones";
}

}  // namespace

std::optional<PhoneSelector> Loader::resolve_selector(Obj& o, bool allow_all,
                                                      std::string_view what) {
  if (o.has("phone") && o.has("group")) {
    error(o.at("group"), fmt::format("{} names either a phone or a group, not both", what), true);
    return std::nullopt;
  }
  if (const json* p = o.get("phone")) {
    auto name = read_string(*p, o.at("phone"));
    if (!name) return std::nullopt;
    if (auto index = s_.find_phone(*name)) {
      return PhoneSelector{PhoneSelector::Kind::phone, *index, s_.phones[*index].device};
    }
    std::vector<std::string> names;
    for (std::size_t i = 0; i < s_.phones.size() && i < 2000; ++i)
      names.push_back(s_.phones[i].device);
    error(o.at("phone"),
          fmt::format("no phone \"{}\"{}: name it by device (\"SEP001122334455\") or MAC", *name,
                      suggestion(*name, names)));
    return std::nullopt;
  }
  if (const json* g = o.get("group")) {
    auto name = read_string(*g, o.at("group"));
    if (!name) return std::nullopt;
    if (auto index = s_.find_group(*name)) {
      return PhoneSelector{PhoneSelector::Kind::group, *index, *name};
    }
    std::vector<std::string> names;
    for (const auto& group : s_.groups) names.push_back(group.name);
    error(o.at("group"), fmt::format("no phone group \"{}\"{}; groups: {}", *name,
                                     suggestion(*name, names), join_names(names)));
    return std::nullopt;
  }
  if (!allow_all) {
    error(o.pointer(), fmt::format("{} needs \"phone\" or \"group\"", what));
    return std::nullopt;
  }
  return PhoneSelector{PhoneSelector::Kind::all, 0, ""};
}

std::optional<std::string> Loader::resolve_node(const json& v, const std::string& pointer,
                                                bool include_servers) {
  auto name = read_string(v, pointer);
  if (!name) return std::nullopt;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < servers_.size(); ++i) {
    const bool is_node = servers_[i].kind == "CUCM node";
    if (!include_servers && !is_node) continue;
    names.push_back(servers_[i].name);
    if (servers_[i].name == *name) return name;
  }
  error(pointer,
        fmt::format("no {} named \"{}\"{}; {}: {}", include_servers ? "server" : "CUCM node", *name,
                    suggestion(*name, names), include_servers ? "servers" : "nodes",
                    join_names(names)));
  return std::nullopt;
}

std::optional<std::size_t> Loader::resolve_link(const json& v, const std::string& pointer) {
  auto name = read_string(v, pointer);
  if (!name) return std::nullopt;
  for (std::size_t i = 0; i < s_.links.size(); ++i) {
    const Link& l = s_.links[i];
    if (l.name == *name || l.a.to_string() == *name || l.b.to_string() == *name) return i;
  }
  error(pointer, fmt::format("no link \"{}\"{}; links: {} (or name one end, \"switch:port\")",
                             *name, suggestion(*name, link_names()), join_names(link_names())));
  return std::nullopt;
}

void Loader::read_timeline() {
  s_.index();
  Obj root(*this, &root_, "");
  const json* entries = root.array("timeline");
  if (entries == nullptr) return;
  std::vector<std::string> action_names;
  for (const auto& spec : action_specs()) action_names.emplace_back(spec.name);

  for (std::size_t i = 0; i < entries->size(); ++i) {
    const std::string tp = pointer_append("/timeline", i);
    const json& j = (*entries)[i];
    if (!expect_object(j, tp)) continue;
    // The allowed keys depend on the action: read it first.
    std::optional<std::string> action;
    const ActionSpec* spec = nullptr;
    if (const auto a = j.find("action"); a != j.end()) {
      action = read_string(*a, pointer_append(tp, "action"));
      if (action) {
        for (const auto& s : action_specs()) {
          if (s.name == *action) spec = &s;
        }
        if (spec == nullptr) {
          error(pointer_append(tp, "action"),
                fmt::format("unknown action \"{}\"{}; actions: {}", *action,
                            suggestion(*action, action_names), join_names(action_names, 64)));
        }
      }
    } else {
      error(tp, fmt::format("missing required key \"action\" (one of: {})",
                            join_names(action_names, 64)));
    }
    std::vector<std::string_view> keys{"name", "at", "when", "after", "action"};
    if (spec != nullptr) {
      keys.insert(keys.end(), spec->keys.begin(), spec->keys.end());
    } else {
      // Unknown action: accept every action key so that only the action itself is reported.
      for (const auto& s : action_specs()) keys.insert(keys.end(), s.keys.begin(), s.keys.end());
    }
    Obj o(*this, &j, tp, keys,
          spec != nullptr ? fmt::format("a {} action", spec->name) : "a timeline entry");
    if (spec == nullptr) continue;

    TimelineEntry entry;
    entry.source = tp;
    entry.action_name = *action;
    entry.name = o.str("name").value_or("");
    // When.
    if (o.has("at") == o.has("when")) {
      error(
          tp,
          "a timeline entry needs exactly one of \"at\" (a virtual time) and \"when\" (an event)");
    }
    if (auto at = o.duration("at")) {
      entry.at = *at;
      if (*at > s_.time_limit) {
        error(o.at("at"), fmt::format("at {} is after the time_limit {}: it would never happen",
                                      format_duration(*at), format_duration(s_.time_limit)));
      }
      if (o.has("after"))
        error(o.at("after"), "\"after\" goes with \"when\"; with \"at\" add it to the time", true);
    }
    if (auto after = o.duration("after")) entry.after = *after;
    if (const json* w = o.object("when")) {
      Obj wo(*this, w, o.at("when"),
             {"phone", "group", "event", "state", "step", "status", "count"}, "an event trigger");
      EventTrigger trigger;
      auto subject = resolve_selector(wo, false, "a trigger");
      const auto event = wo.choice("event", {"registered", "state", "step"}).value_or("registered");
      if (event == "state") {
        trigger.event = EventTrigger::Event::state;
        wo.require("state", "the phone state it waits for");
        if (auto st = wo.str("state")) {
          if (!is_phone_state(*st)) {
            std::vector<std::string> states(phone_states().begin(), phone_states().end());
            error(wo.at("state"), fmt::format("unknown phone state \"{}\"{}; states: {}", *st,
                                              suggestion(*st, states), join_names(states, 64)));
          }
          trigger.state = *st;
        }
      } else if (event == "step") {
        trigger.event = EventTrigger::Event::step;
        wo.require("step", "the step number (1-14) or name");
      } else {
        trigger.event = EventTrigger::Event::registered;
      }
      if (const json* st = wo.get("step")) {
        const std::string text =
            st->is_number_integer() ? st->dump() : (st->is_string() ? st->get<std::string>() : "");
        if (auto n = find_step(text)) {
          trigger.step = *n;
        } else {
          std::vector<std::string> names;
          for (const auto& s : steps()) names.emplace_back(s.name);
          error(wo.at("step"),
                fmt::format("expected a step number 1 to 14 or a step name ({}), got {}",
                            join_names(names, 64), describe(*st)));
        }
        if (event != "step") error(wo.at("step"), "\"step\" goes with \"event\": \"step\"", true);
      }
      if (auto status = wo.choice("status", {"ok", "failed", "skipped"})) {
        trigger.step_status = *parse_step_status(*status);
        if (event != "step")
          error(wo.at("status"), "\"status\" goes with \"event\": \"step\"", true);
      }
      if (wo.has("state") && event != "state")
        error(wo.at("state"), "\"state\" goes with \"event\": \"state\"", true);
      if (auto count = wo.integer("count", 1, std::numeric_limits<std::int64_t>::max())) {
        if (!subject || subject->kind != PhoneSelector::Kind::group) {
          error(wo.at("count"), "\"count\" goes with \"group\"", true);
        } else if (static_cast<std::size_t>(*count) > s_.groups[subject->index].count) {
          error(wo.at("count"),
                fmt::format("count {} is more than the {} phones of group {}", *count,
                            s_.groups[subject->index].count, subject->label));
        } else {
          trigger.count = static_cast<std::size_t>(*count);
        }
      }
      if (subject) {
        trigger.subject = *subject;
        entry.when = trigger;
      }
    }

    // What.
    const std::string& a = *action;
    const auto node_of = [&](bool include_servers) -> std::optional<std::string> {
      o.require("node", include_servers ? "a CUCM node, DHCP or DNS server" : "a CUCM node");
      if (const json* n = o.get("node")) return resolve_node(*n, o.at("node"), include_servers);
      return std::nullopt;
    };
    if (a == "node_down" || a == "node_up") {
      if (auto node = node_of(true)) entry.action = NodeAction{*node, a == "node_up"};
    } else if (a == "service_down" || a == "service_up") {
      auto node = node_of(true);
      o.require("service", "callmanager, tftp, dhcp or dns");
      auto service = o.choice("service", {"callmanager", "tftp", "dhcp", "dns"});
      if (node && service) {
        ServiceAction sa{*node, Service::callmanager, a == "service_up"};
        std::string kind;
        for (const auto& h : servers_) {
          if (h.name == *node) kind = h.kind;
        }
        if (*service == "callmanager" || *service == "tftp") {
          sa.service = *service == "tftp" ? Service::tftp : Service::callmanager;
          if (kind != "CUCM node") {
            error(o.at("service"), fmt::format("{} is a {}: the {} service runs on CUCM nodes",
                                               *node, kind, *service));
          } else if (!sa.up) {
            const CucmNode* n = s_.cucm.find_node(*node);
            const bool runs = sa.service == Service::tftp ? n->tftp : n->callmanager;
            if (!runs)
              warning(o.at("service"),
                      fmt::format("{} does not run {} at the start", *node, *service));
          }
        } else if (*service == "dhcp") {
          sa.service = Service::dhcp;
          if (kind != "DHCP server")
            error(o.at("service"), fmt::format("{} is a {}, not a DHCP server", *node, kind));
        } else {
          sa.service = Service::dns;
          if (kind != "DNS server")
            error(o.at("service"), fmt::format("{} is a {}, not a DNS server", *node, kind));
        }
        entry.action = sa;
      }
    } else if (a == "link_down" || a == "link_up" || a == "link_impair") {
      o.require("link", "a link name or one of its ends, \"switch:port\"");
      std::optional<std::size_t> link;
      if (const json* l = o.get("link")) link = resolve_link(*l, o.at("link"));
      if (a == "link_impair") {
        LinkImpairAction li;
        li.latency = o.duration("latency");
        li.bandwidth_bps = o.bandwidth("bandwidth");
        li.loss = o.loss("loss");
        li.jitter = o.duration("jitter");
        if (!o.has("latency") && !o.has("bandwidth") && !o.has("loss") && !o.has("jitter")) {
          error(tp, "link_impair changes latency, bandwidth, loss or jitter: give at least one");
        }
        if (link) {
          li.link = *link;
          entry.action = li;
        }
      } else if (link) {
        entry.action = LinkAction{*link, a == "link_up"};
      }
    } else if (a == "set_default_load") {
      o.require("model", "the phone model, e.g. \"8861\"");
      o.require("load", "the load id, e.g. \"sip88xx.12-8-1-0001-455\"");
      std::optional<std::string> model;
      std::optional<std::string> load;
      if (const json* m = o.get("model")) model = read_model(*m, o.at("model"));
      if (const json* l = o.get("load")) load = read_load_id(*l, o.at("load"));
      if (model && load) entry.action = SetDefaultLoadAction{*model, *load};
    } else if (a == "set_device_load") {
      o.require("device", "the device name, e.g. \"SEP001122334455\"");
      o.require("load", "the load id, or null for the model's default");
      std::optional<std::string> device = o.str("device");
      if (device && device_index_.count(*device) == 0) {
        std::vector<std::string> names;
        for (const auto& d : s_.cucm.database.devices) names.push_back(d.name);
        error(o.at("device"), fmt::format("no device \"{}\"{} in the database", *device,
                                          suggestion(*device, names)));
        device.reset();
      }
      SetDeviceLoadAction sl;
      bool ok = true;
      if (const json* l = o.get("load"); l != nullptr && !l->is_null()) {
        sl.load = read_load_id(*l, o.at("load"));
        ok = sl.load.has_value();
      }
      if (device && ok) {
        sl.device = *device;
        entry.action = sl;
      }
    } else if (a == "set_callmanager_group") {
      o.require("callmanager_group", "the group's name");
      o.require("nodes", "its new nodes, highest priority first");
      auto group = o.str("callmanager_group");
      if (group && s_.cucm.database.find_cm_group(*group) == nullptr) {
        std::vector<std::string> names;
        for (const auto& g : s_.cucm.database.cm_groups) names.push_back(g.name);
        error(o.at("callmanager_group"),
              fmt::format("no CallManager group \"{}\"{}; groups: {}", *group,
                          suggestion(*group, names), join_names(names)));
        group.reset();
      }
      std::vector<std::string> nodes;
      bool ok = true;
      if (const json* list = o.array("nodes")) {
        if (list->empty() || list->size() > 3) {
          error(o.at("nodes"),
                fmt::format("a CallManager group has 1 to 3 nodes, got {}", list->size()));
          ok = false;
        }
        for (std::size_t k = 0; k < list->size(); ++k) {
          auto node = resolve_node((*list)[k], pointer_append(o.at("nodes"), k), false);
          if (node) {
            nodes.push_back(*node);
          } else {
            ok = false;
          }
        }
      } else {
        ok = false;
      }
      if (group && ok) entry.action = SetCmGroupAction{*group, nodes};
    } else if (a == "set_voice_vlan") {
      o.require("switch", "the switch whose ports change");
      o.require("vlan", "the new voice VLAN, or null for none");
      std::optional<std::size_t> sw;
      if (const json* j2 = o.get("switch")) sw = resolve_switch(*j2, o.at("switch"));
      SetVoiceVlanAction sv;
      bool ok = sw.has_value();
      if (sw) {
        sv.switch_index = *sw;
        const Switch& s = s_.switches[*sw];
        if (const json* list = o.array("ports")) {
          for (std::size_t k = 0; k < list->size(); ++k) {
            const std::string kp = pointer_append(o.at("ports"), k);
            auto port = read_string((*list)[k], kp);
            if (!port) {
              ok = false;
              continue;
            }
            const auto index = s.find_port(*port);
            if (!index) {
              error(kp, fmt::format("switch {} has no port \"{}\"", s.name, *port));
              ok = false;
            } else if (s.ports[*index].mode != PortMode::access) {
              error(kp, fmt::format("port {}:{} is a trunk: voice VLANs are for access ports",
                                    s.name, *port));
              ok = false;
            } else {
              sv.ports.push_back(*index);
            }
          }
        }
        if (const json* v = o.get("vlan"); v != nullptr && !v->is_null()) {
          sv.vlan = read_vlan(*v, o.at("vlan"));
          if (!sv.vlan) {
            ok = false;
          } else if (!s.has_vlan(*sv.vlan)) {
            error(o.at("vlan"), fmt::format("VLAN {} is not defined on {}", *sv.vlan, s.name));
            ok = false;
          }
        }
      }
      if (ok) entry.action = sv;
    } else if (a == "set_dhcp_option") {
      o.require("server", "the DHCP server");
      o.require("option", "the option number: 3, 6, 15, 42, 66 or 150");
      o.require("value", "the new value, or null to stop sending it");
      SetDhcpOptionAction so;
      bool ok = true;
      const DhcpServer* server = nullptr;
      if (auto name = o.str("server")) {
        for (const auto& d : s_.dhcp_servers) {
          if (d.name == *name) server = &d;
        }
        if (server == nullptr) {
          std::vector<std::string> names;
          for (const auto& d : s_.dhcp_servers) names.push_back(d.name);
          error(o.at("server"), fmt::format("no DHCP server \"{}\"{}; DHCP servers: {}", *name,
                                            suggestion(*name, names), join_names(names)));
        }
      }
      ok = server != nullptr;
      if (server != nullptr) {
        so.server = server->name;
        std::vector<std::string> scope_names;
        for (const auto& sc : server->scopes) scope_names.push_back(sc.name);
        if (auto scope = o.str("scope")) {
          if (std::find(scope_names.begin(), scope_names.end(), *scope) == scope_names.end()) {
            error(o.at("scope"),
                  fmt::format("{} has no scope \"{}\"{}; scopes: {}", server->name, *scope,
                              suggestion(*scope, scope_names), join_names(scope_names)));
            ok = false;
          }
          so.scope = scope.value_or("");
        } else if (!o.has("scope")) {
          if (scope_names.size() == 1) {
            so.scope = scope_names.front();
          } else {
            error(tp, fmt::format("{} has {} scopes ({}): say which with \"scope\"", server->name,
                                  scope_names.size(), join_names(scope_names)));
            ok = false;
          }
        } else {
          ok = false;
        }
      }
      const auto option = o.integer("option", 1, 254);
      if (option && *option != 3 && *option != 6 && *option != 15 && *option != 42 &&
          *option != 66 && *option != 150) {
        error(o.at("option"),
              fmt::format("option {} cannot be changed: use 3, 6, 15, 42, 66 or 150", *option));
        ok = false;
      }
      ok = ok && option.has_value();
      if (ok) {
        so.option = static_cast<int>(*option);
        const json* v = o.get("value");
        if (v == nullptr) {
          ok = false;
        } else if (v->is_null()) {
          so.remove = true;
        } else if (so.option == 15 || so.option == 66) {
          so.text = read_string(*v, o.at("value"));
          ok = so.text.has_value();
        } else if (v->is_string()) {
          auto address = read_ipv4(*v, o.at("value"));
          if (address) so.addresses.push_back(*address);
          ok = address.has_value();
        } else if (v->is_array()) {
          auto list = o.ipv4_list("value");
          if (list) so.addresses = *list;
          ok = list.has_value();
          if (ok && so.option == 3 && so.addresses.size() != 1) {
            error(o.at("value"), "option 3 (router) takes one address");
            ok = false;
          }
        } else {
          error(o.at("value"),
                fmt::format("expected an address or a list of addresses for option {}, got {}",
                            so.option, describe(*v)));
          ok = false;
        }
      }
      if (ok) entry.action = so;
    } else if (a == "phone_reset" || a == "phone_power_cycle") {
      if (auto selector = resolve_selector(o, true, "a phone action")) {
        entry.action = PhoneRestartAction{*selector, a == "phone_power_cycle"};
      }
    } else if (a == "set_poe_budget") {
      o.require("switch", "the switch");
      o.require("budget_w", "the new PoE budget in watts");
      std::optional<std::size_t> sw;
      if (const json* j2 = o.get("switch")) sw = resolve_switch(*j2, o.at("switch"));
      auto budget = o.number("budget_w", 0.0, 100000.0);
      if (sw && budget) entry.action = SetPoeBudgetAction{*sw, *budget};
    }
    s_.timeline.push_back(std::move(entry));
  }
}

void Loader::read_expectations() {
  Obj root(*this, &root_, "");
  const json* list = root.array("expect");
  if (list == nullptr) return;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string ep = pointer_append("/expect", i);
    Obj o(*this, &(*list)[i], ep,
          {"text", "phone", "group", "state", "registered_with", "step", "status", "detail",
           "before", "display_seen", "active_load", "inactive_load", "count", "registration_time"},
          "an expectation");
    if (!o.ok()) continue;
    Expectation e;
    e.source = ep;
    auto subject = resolve_selector(o, true, "an expectation");
    if (!subject) continue;
    e.subject = *subject;
    const std::size_t selected = s_.select(e.subject).count;
    std::vector<std::string> states(phone_states().begin(), phone_states().end());
    const auto check_state = [&](const std::string& st, const std::string& pointer, bool at_key) {
      if (is_phone_state(st)) return true;
      error(pointer,
            fmt::format("unknown phone state \"{}\"{}; states: {}", st, suggestion(st, states),
                        join_names(states, 64)),
            at_key);
      return false;
    };
    std::vector<std::string> parts;
    const std::string who = subject_text(e.subject);
    const bool one = e.subject.kind == PhoneSelector::Kind::phone;
    const std::string every =
        one ? who
            : (e.subject.kind == PhoneSelector::Kind::all ? "every phone"
                                                          : "every phone of " + who);

    if (auto st = o.str("state")) {
      if (check_state(*st, o.at("state"), false)) {
        e.state = *st;
        parts.push_back(fmt::format("{} is {}", every, *st));
      }
    }
    if (const json* n = o.get("registered_with")) {
      if (auto node = resolve_node(*n, o.at("registered_with"), false)) {
        e.registered_with = *node;
        parts.push_back(fmt::format("{} registered with {}", every, *node));
      }
    }
    if (const json* st = o.get("step")) {
      const std::string text =
          st->is_number_integer() ? st->dump() : (st->is_string() ? st->get<std::string>() : "");
      StepCheck check;
      if (auto n = find_step(text)) {
        check.n = *n;
      } else {
        std::vector<std::string> names;
        for (const auto& s : steps()) names.emplace_back(s.name);
        error(o.at("step"),
              fmt::format("expected a step number 1 to 14 or a step name ({}), got {}",
                          join_names(names, 64), describe(*st)));
      }
      if (auto status = o.choice("status", {"ok", "failed", "skipped", "pending"}))
        check.status = parse_step_status(*status);
      check.detail = o.str("detail");
      check.before = o.duration("before");
      if (!o.has("status") && !o.has("detail")) check.status = StepStatus::ok;
      if (check.before && *check.before > s_.time_limit) {
        warning(o.at("before"),
                fmt::format("before {} is after the time_limit {}", format_duration(*check.before),
                            format_duration(s_.time_limit)));
      }
      if (check.n != 0) {
        std::string t = fmt::format("{}: step {} ({})", every, check.n,
                                    steps()[static_cast<std::size_t>(check.n - 1)].name);
        if (check.status) t += fmt::format(" {}", to_string(*check.status));
        if (check.detail) t += fmt::format(", detail contains \"{}\"", *check.detail);
        if (check.before) t += fmt::format(", done by {}", format_duration(*check.before));
        parts.push_back(std::move(t));
        e.step = check;
      }
    } else {
      for (const auto key : {"status", "detail", "before"}) {
        if (o.has(key)) error(o.at(key), fmt::format("\"{}\" goes with \"step\"", key), true);
      }
    }
    if (auto d = o.str("display_seen")) {
      e.display_seen = *d;
      parts.push_back(fmt::format("{} showed \"{}\"", every, *d));
    }
    if (const json* l = o.get("active_load")) {
      if (auto load = read_load_id(*l, o.at("active_load"))) {
        e.active_load = *load;
        parts.push_back(fmt::format("{} runs {}", every, *load));
      }
    }
    if (const json* l = o.get("inactive_load")) {
      if (l->is_string() && l->get<std::string>().empty()) {
        e.inactive_load = "";
        parts.push_back(fmt::format("{} has no inactive load", every));
      } else if (auto load = read_load_id(*l, o.at("inactive_load"))) {
        e.inactive_load = *load;
        parts.push_back(fmt::format("{} keeps {} as inactive load", every, *load));
      }
    }
    if (const json* counts = o.object("count")) {
      if (counts->empty()) error(o.at("count"), "expected at least one state to count");
      std::vector<std::string> count_parts;
      for (const auto& [state, value] : counts->items()) {
        const std::string cp = pointer_append(o.at("count"), state);
        if (!check_state(state, cp, true)) continue;
        CountBound bound;
        if (value.is_object()) {
          Obj bo(*this, &value, cp, {"min", "max"}, "a count range");
          const auto min = bo.integer("min", 0, std::numeric_limits<std::int64_t>::max());
          const auto max = bo.integer("max", 0, std::numeric_limits<std::int64_t>::max());
          if (!bo.has("min") && !bo.has("max")) error(cp, "expected \"min\", \"max\" or both");
          if (min) bound.min = static_cast<std::uint64_t>(*min);
          if (max) bound.max = static_cast<std::uint64_t>(*max);
          if (bound.min > bound.max) {
            error(cp, fmt::format("min {} is above max {}", bound.min, bound.max));
            continue;
          }
        } else if (auto exact =
                       read_integer(value, cp, 0, std::numeric_limits<std::int64_t>::max())) {
          bound.min = bound.max = static_cast<std::uint64_t>(*exact);
        } else {
          continue;
        }
        if (bound.min > selected) {
          error(cp, fmt::format("expects at least {} {} but only {} phones are selected ({})",
                                bound.min, state, selected, who));
          continue;
        }
        if (bound.min == bound.max) {
          count_parts.push_back(fmt::format("{} {}", bound.min, state));
        } else if (bound.max == UINT64_MAX) {
          count_parts.push_back(fmt::format("at least {} {}", bound.min, state));
        } else if (bound.min == 0) {
          count_parts.push_back(fmt::format("at most {} {}", bound.max, state));
        } else {
          count_parts.push_back(fmt::format("{} to {} {}", bound.min, bound.max, state));
        }
        e.counts.emplace_back(state, bound);
      }
      if (!count_parts.empty()) {
        std::string joined;
        for (const auto& c : count_parts) joined += (joined.empty() ? "" : ", ") + c;
        parts.push_back(fmt::format("{}: {}", who, joined));
      }
    }
    if (const json* rt = o.object("registration_time")) {
      Obj ro(*this, rt, o.at("registration_time"), {"p50", "p90", "p99", "max"},
             "registration time bounds");
      RegistrationTimeBounds b;
      b.p50 = ro.duration("p50");
      b.p90 = ro.duration("p90");
      b.p99 = ro.duration("p99");
      b.max = ro.duration("max");
      if (rt->empty())
        error(o.at("registration_time"), "expected at least one of p50, p90, p99, max");
      std::string t = fmt::format("{}: registration time", who);
      bool first = true;
      for (const auto& [label, value] :
           {std::pair{"p50", b.p50}, {"p90", b.p90}, {"p99", b.p99}, {"max", b.max}}) {
        if (!value) continue;
        t += fmt::format("{} {} <= {}", first ? "" : ",", label, format_duration(*value));
        first = false;
      }
      e.registration_time = b;
      parts.push_back(std::move(t));
    }
    if (!o.has("state") && !o.has("registered_with") && !o.has("step") && !o.has("display_seen") &&
        !o.has("active_load") && !o.has("inactive_load") && !o.has("count") &&
        !o.has("registration_time") && !o.has("status") && !o.has("detail") && !o.has("before")) {
      error(ep,
            "an expectation needs something to check: state, registered_with, step, display_seen, "
            "active_load, inactive_load, count or registration_time");
      continue;
    }
    if (auto text = o.str("text")) {
      e.text = *text;
    } else {
      for (const auto& p : parts) e.text += (e.text.empty() ? "" : "; ") + p;
    }
    if (selected == 0 && e.subject.kind == PhoneSelector::Kind::all &&
        (e.state || e.registered_with || e.step)) {
      warning(ep, "the scenario has no phone: this expectation holds trivially");
    }
    s_.expectations.push_back(std::move(e));
  }
}

void Loader::final_checks() {
  // Phones in a voice VLAN nobody routes get no lease.
  for (const auto vlan : voice_vlans_in_use()) {
    bool routed = false;
    for (const auto& sw : s_.switches) routed = routed || sw.find_svi(vlan) != nullptr;
    if (!routed && !s_.phones.empty()) {
      warning("/topology",
              fmt::format("no SVI routes voice VLAN {}: phones there get no DHCP relay", vlan));
    }
  }
  // Helper addresses that are no DHCP server.
  for (const auto& sw : s_.switches) {
    for (std::size_t k = 0; k < sw.svis.size(); ++k) {
      for (const auto& helper : sw.svis[k].helper_addresses) {
        const bool known =
            std::any_of(s_.dhcp_servers.begin(), s_.dhcp_servers.end(),
                        [&](const DhcpServer& d) { return d.host.address.address == helper; });
        if (!known) {
          warning(sw.source.empty() ? "/topology" : pointer_append(sw.source + "/svis", k),
                  fmt::format("helper address {} of {} VLAN {} is no DHCP server of the scenario",
                              helper.to_string(), sw.name, sw.svis[k].vlan));
        }
      }
    }
  }
  if (std::none_of(s_.cucm.nodes.begin(), s_.cucm.nodes.end(),
                   [](const CucmNode& n) { return n.tftp; }) &&
      !s_.cucm.nodes.empty()) {
    warning("/cucm/nodes", "no node runs the TFTP service: phones get no configuration file");
  }
}

}  // namespace voicelab::scenario::detail
