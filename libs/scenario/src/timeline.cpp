// timeline.txt: the 14-step checklist per phone, in virtual time. The same renderer serves the
// file (no colour) and a terminal (ANSI colour).

#include <algorithm>

#include <fmt/core.h>

#include "report_internal.hpp"
#include "voicelab/scenario/report.hpp"
#include "voicelab/scenario/values.hpp"

namespace voicelab::scenario {
namespace {

struct Palette {
  bool on = false;
  [[nodiscard]] std::string paint(std::string_view text, std::string_view code) const {
    if (!on) return std::string{text};
    return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
  }
  [[nodiscard]] std::string bold(std::string_view t) const { return paint(t, "1"); }
  [[nodiscard]] std::string dim(std::string_view t) const { return paint(t, "2"); }
  [[nodiscard]] std::string green(std::string_view t) const { return paint(t, "32"); }
  [[nodiscard]] std::string red(std::string_view t) const { return paint(t, "31"); }
  [[nodiscard]] std::string yellow(std::string_view t) const { return paint(t, "33"); }
  [[nodiscard]] std::string verdict(bool pass) const {
    return pass ? paint("PASS", "1;32") : paint("FAIL", "1;31");
  }
  [[nodiscard]] std::string status(StepStatus s) const {
    const std::string text = fmt::format("{:<8}", to_string(s));
    switch (s) {
      case StepStatus::ok:
        return green(text);
      case StepStatus::failed:
        return red(text);
      case StepStatus::skipped:
        return yellow(text);
      case StepStatus::pending:
        return dim(text);
    }
    return text;
  }
  [[nodiscard]] std::string state(std::string_view s) const {
    return s == "registered" ? paint(s, "1;32") : paint(s, "1;31");
  }
};

std::string time_cell(const std::optional<Time>& t) {
  return t ? format_seconds(*t) + "s" : std::string{"-"};
}

std::size_t title_width() {
  std::size_t w = 0;
  for (const auto& s : steps()) w = std::max(w, s.title.size());
  return w;
}

}  // namespace

void write_timeline(std::ostream& out, const RunResult& result, const TimelineOptions& options) {
  const Palette c{options.colour};
  const auto listed = detail::listing_order(result, options.max_phones);
  const bool pass = result.passed();
  std::size_t registered = 0;
  for (const auto& p : result.phones) {
    if (p.state == "registered") ++registered;
  }

  out << c.bold(fmt::format("voicelab run: {}", result.scenario)) << "  seed " << result.seed
      << "  " << c.verdict(pass) << "\n";
  if (!result.file.empty()) out << "file " << result.file << "\n";
  out << fmt::format("simulated {}s{}, wall {} ms, {} packets, {} phone{} ({} registered)\n",
                     format_seconds(result.sim_time),
                     result.time_limit_reached ? " (time limit reached)" : "",
                     format_ms(result.wall_time), result.packets, result.phones.size(),
                     result.phones.size() == 1 ? "" : "s", registered);
  if (const auto& rt = result.aggregate.registration_time) {
    out << fmt::format("registration time p50 {}s, p90 {}s, p99 {}s, max {}s\n",
                       format_seconds(rt->p50), format_seconds(rt->p90), format_seconds(rt->p99),
                       format_seconds(rt->max));
  }

  const std::size_t tw = title_width();
  for (const PhoneResult* p : listed) {
    out << "\n"
        << c.bold(p->device) << "  " << p->model << "  " << (p->port.empty() ? "-" : p->port)
        << "  " << c.state(p->state);
    if (p->ip) out << "  " << p->ip->to_string();
    if (!p->registered_with.empty()) out << "  -> " << p->registered_with;
    if (p->registration_time) out << "  in " << format_seconds(*p->registration_time) << "s";
    out << "\n";
    out << c.dim(fmt::format("   {:>2} {:<{}} {:>10} {:>10}  {:<8} {}", "#", "step", tw, "start",
                             "end", "status", "detail"))
        << "\n";
    const auto all = steps();
    for (std::size_t i = 0; i < p->steps.size(); ++i) {
      const StepResult& s = p->steps[i];
      out << fmt::format("   {:>2} {:<{}} {:>10} {:>10}  ", all[i].n, all[i].title, tw,
                         time_cell(s.start), time_cell(s.end))
          << c.status(s.status);
      if (!s.detail.empty()) out << " " << s.detail;
      out << "\n";
    }
    out << fmt::format("   display \"{}\"  active {}  inactive {}", p->display,
                       p->active_load.empty() ? "-" : p->active_load,
                       p->inactive_load.empty() ? "-" : p->inactive_load);
    if (!p->download_status.empty()) out << "  download " << p->download_status;
    out << "\n";
  }
  if (listed.size() < result.phones.size()) {
    out << fmt::format("\n({} more phones not shown)\n", result.phones.size() - listed.size());
  }

  if (!result.events.empty()) {
    out << "\n" << c.bold("events") << "\n";
    for (const auto& e : result.events) {
      out << fmt::format("  {:>10}  {}  {}\n", format_seconds(e.at) + "s", e.action, e.detail);
    }
  }
  out << "\n" << c.bold("expectations") << "\n";
  if (result.expectations.empty()) out << "  (none)\n";
  for (const auto& e : result.expectations) {
    out << "  " << c.verdict(e.passed) << "  " << e.text;
    if (!e.detail.empty()) out << "\n        " << e.detail;
    out << "\n";
  }
}

}  // namespace voicelab::scenario
