#pragma once
// Writers for what `voicelab run` leaves behind: report.json (docs/report-format.md),
// timeline.txt (the 14-step checklist per phone) and JUnit XML. All are deterministic: the same
// RunResult gives the same bytes.

#include <cstddef>
#include <limits>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "voicelab/scenario/result.hpp"

namespace voicelab::scenario {

inline constexpr std::string_view report_schema = "voicelab.report/1";

struct ReportOptions {
  // At most this many phones get an entry in `phones[]` (huge runs): phones whose state is not
  // "registered" come first, in scenario order, then registered ones. The aggregate always
  // covers every phone. `phones_listed` / `phones_total` in the report say what was cut.
  std::size_t max_phones = std::numeric_limits<std::size_t>::max();
};

// report.json: `result` is "pass"/"fail" from RunResult::passed(); times are milliseconds with
// microsecond precision (format_ms). Call finish_run() first.
void write_report_json(std::ostream& out, const RunResult& result,
                       const ReportOptions& options = {});

struct TimelineOptions {
  bool colour = false;  // ANSI colours (for a terminal)
  std::size_t max_phones = std::numeric_limits<std::size_t>::max();  // same order as the report
};

// timeline.txt: a header, one block per phone with its 14 steps (virtual start and end time,
// status, detail), the applied fault events and the expectations.
void write_timeline(std::ostream& out, const RunResult& result,
                    const TimelineOptions& options = {});

struct JunitOptions {
  std::string timestamp = "1970-01-01T00:00:00";  // ISO 8601 without zone (the XSD's pattern)
  std::string hostname = "localhost";
};

// JUnit XML (the Ant/Jenkins dialect as in Windy Road's JUnit.xsd): <testsuites> with one
// <testsuite> per scenario and one <testcase> per expectation; a failed expectation has a
// <failure type="expectation" message="detail">. Characters XML 1.0 cannot carry are replaced
// with '?'.
void write_junit(std::ostream& out, std::span<const RunResult> results,
                 const JunitOptions& options = {});

}  // namespace voicelab::scenario
