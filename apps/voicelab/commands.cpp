#include "commands.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <stdexcept>
#include <system_error>

#include <fmt/core.h>

#include "voicelab/scenario/loader.hpp"
#include "voicelab/scenario/report.hpp"
#include "voicelab/scenario/values.hpp"

namespace voicelab::cli {
namespace fs = std::filesystem;

namespace {

// Phones shown on a terminal; the files have them all (unless --report-phones).
constexpr std::size_t terminal_phones = 20;

std::tm utc(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return tm;
}

struct Loaded {
  std::string path;
  scenario::Scenario scenario;
};

// Loads every input; prints every diagnostic; false when any input has an error.
bool load_all(const std::vector<std::string>& inputs, Console& console,
              std::vector<Loaded>& loaded) {
  std::vector<std::string> problems;
  const auto files = expand_inputs(inputs, problems);
  bool ok = problems.empty();
  for (const auto& p : problems) console.err << p << "\n";
  for (const auto& file : files) {
    auto result = scenario::load_scenario_file(file);
    for (const auto& d : result.diagnostics) console.err << d.to_string() << "\n";
    if (!result.ok()) {
      ok = false;
      continue;
    }
    loaded.push_back({file, std::move(*result.scenario)});
  }
  if (files.empty() && problems.empty()) {
    console.err << "voicelab: no scenario given\n";
    ok = false;
  }
  return ok;
}

}  // namespace

std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs,
                                       std::vector<std::string>& problems) {
  std::vector<std::string> files;
  for (const auto& input : inputs) {
    std::error_code ec;
    if (fs::is_directory(input, ec)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::directory_iterator(input, ec)) {
        if (entry.path().extension() == ".json" && !entry.is_directory())
          found.push_back(entry.path().string());
      }
      if (ec) {
        problems.push_back(fmt::format("{}: cannot read the directory: {}", input, ec.message()));
        continue;
      }
      std::sort(found.begin(), found.end());
      if (found.empty())
        problems.push_back(fmt::format("{}: no *.json scenario in this directory", input));
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(input, ec)) {
      files.push_back(input);
    } else {
      problems.push_back(fmt::format("{}: cannot read: no such file or directory", input));
    }
  }
  return files;
}

int validate_files(const std::vector<std::string>& inputs, bool quiet, Console& console) {
  std::vector<std::string> problems;
  const auto files = expand_inputs(inputs, problems);
  bool ok = problems.empty();
  for (const auto& p : problems) console.err << p << "\n";
  for (const auto& file : files) {
    const auto result = scenario::load_scenario_file(file);
    for (const auto& d : result.diagnostics) console.err << d.to_string() << "\n";
    if (!result.ok()) {
      ok = false;
      continue;
    }
    if (!quiet) {
      const auto& s = *result.scenario;
      console.out << fmt::format(
          "{}: ok ({}: {} switch{}, {} phone{}, {} timeline event{}, {} expectation{})\n", file,
          s.name, s.switches.size(), s.switches.size() == 1 ? "" : "es", s.phones.size(),
          s.phones.size() == 1 ? "" : "s", s.timeline.size(), s.timeline.size() == 1 ? "" : "s",
          s.expectations.size(), s.expectations.size() == 1 ? "" : "s");
    }
  }
  return ok ? exit_code::ok : exit_code::usage;
}

std::string default_output_dir(const std::string& scenario_name,
                               std::chrono::system_clock::time_point when,
                               const std::string& base) {
  const std::tm tm = utc(when);
  return (fs::path(base) / fmt::format("{}-{:04}{:02}{:02}-{:02}{:02}{:02}", scenario_name,
                                       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                                       tm.tm_min, tm.tm_sec))
      .string();
}

int run_scenarios(const RunArgs& args, const RunnerFactory& factory, Console& console,
                  const Clocks& clocks) {
  // 1. Everything is validated before anything runs or is created.
  std::vector<Loaded> loaded;
  if (!load_all(args.inputs, console, loaded)) return exit_code::usage;

  std::map<std::string, std::string> names;
  for (const auto& l : loaded) {
    const auto [it, inserted] = names.emplace(l.scenario.name, l.path);
    if (!inserted) {
      console.err << fmt::format(
          "voicelab run: {} and {} are both named \"{}\": their outputs would collide\n",
          it->second, l.path, l.scenario.name);
      return exit_code::usage;
    }
  }
  std::vector<std::optional<std::size_t>> ladder(loaded.size());
  if (args.ladder) {
    for (std::size_t i = 0; i < loaded.size(); ++i) {
      ladder[i] = loaded[i].scenario.find_phone(*args.ladder);
      if (!ladder[i]) {
        console.err << fmt::format(
            "voicelab run: --ladder {}: scenario {} ({}) has no such phone\n", *args.ladder,
            loaded[i].scenario.name, loaded[i].path);
        return exit_code::usage;
      }
    }
  }

  // 2. A lab to run them on.
  std::unique_ptr<scenario::Runner> runner = factory ? factory() : nullptr;
  if (!runner) {
    console.err << "voicelab run: runner not available: this build of voicelab has no simulated "
                   "lab wired in "
                   "yet, so scenarios cannot run (`voicelab validate` checks them)\n";
    return exit_code::internal;
  }

  // 3. Output folders (and the JUnit file), all before the first run.
  const auto started = clocks.wall();
  std::vector<fs::path> out_dirs;
  for (const auto& l : loaded) {
    fs::path dir;
    if (args.out) {
      dir = loaded.size() == 1 ? fs::path(*args.out) : fs::path(*args.out) / l.scenario.name;
    } else {
      dir = default_output_dir(l.scenario.name, started);
      std::error_code ec;
      for (int n = 2; fs::exists(dir, ec); ++n)
        dir = default_output_dir(l.scenario.name, started) + fmt::format("-{}", n);
    }
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) {
      console.err << fmt::format("voicelab run: cannot create the output folder {}: {}\n",
                                 dir.string(), ec ? ec.message() : "not a directory");
      return exit_code::usage;
    }
    out_dirs.push_back(dir);
  }
  std::ofstream junit;
  if (args.junit) {
    const fs::path parent = fs::path(*args.junit).parent_path();
    std::error_code ec;
    if (!parent.empty()) fs::create_directories(parent, ec);
    junit.open(*args.junit, std::ios::binary | std::ios::trunc);
    if (!junit) {
      console.err << fmt::format("voicelab run: cannot write the JUnit file {}\n", *args.junit);
      return exit_code::usage;
    }
  }

  // 4. Run.
  std::vector<scenario::RunResult> results;
  bool all_passed = true;
  const std::size_t listed = args.report_phones.value_or(std::numeric_limits<std::size_t>::max());
  for (std::size_t i = 0; i < loaded.size(); ++i) {
    const auto& sc = loaded[i].scenario;
    if (!args.quiet)
      console.out << fmt::format("{}: running {} -> {}\n", loaded[i].path, sc.name,
                                 out_dirs[i].string());
    scenario::RunOptions options;
    options.seed = args.seed.value_or(sc.seed);
    options.out_dir = out_dirs[i];
    options.pcap = !args.no_pcap;
    options.quiet = args.quiet;
    options.ladder_phone = ladder[i];
    const auto t0 = clocks.steady();
    scenario::RunResult result = runner->run(sc, options);
    result.wall_time = std::chrono::duration_cast<Duration>(clocks.steady() - t0);
    result.scenario = sc.name;
    result.file = loaded[i].path;
    result.seed = options.seed;
    scenario::finish_run(sc, result);

    {
      std::ofstream report(out_dirs[i] / "report.json", std::ios::binary | std::ios::trunc);
      scenario::write_report_json(report, result, {listed});
      std::ofstream timeline(out_dirs[i] / "timeline.txt", std::ios::binary | std::ios::trunc);
      scenario::write_timeline(timeline, result, {false, listed});
      if (!report || !timeline) {
        throw std::runtime_error(
            fmt::format("cannot write the reports into {}", out_dirs[i].string()));
      }
    }
    if (!args.quiet) {
      scenario::write_timeline(console.out, result,
                               {console.colour, std::min(listed, terminal_phones)});
      console.out << fmt::format(
          "{}: {} ({} of {} expectations met) -> {}\n\n", sc.name,
          result.passed() ? "pass" : "FAIL",
          std::count_if(result.expectations.begin(), result.expectations.end(),
                        [](const auto& e) { return e.passed; }),
          result.expectations.size(), out_dirs[i].string());
    }
    all_passed = all_passed && result.passed();
    results.push_back(std::move(result));
  }
  if (args.junit) {
    const std::tm tm = utc(started);
    scenario::JunitOptions options;
    options.timestamp = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900,
                                    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    scenario::write_junit(junit, results, options);
    if (!junit.flush())
      throw std::runtime_error(fmt::format("cannot write the JUnit file {}", *args.junit));
  }
  return all_passed ? exit_code::ok : exit_code::failed;
}

}  // namespace voicelab::cli
