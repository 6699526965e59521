#pragma once
// The small value syntaxes of the scenario language: durations ("250ms", "1m30s"), bandwidths
// ("100Mbps") and loss ("0.5%" or 0.005). Parsers return std::nullopt on anything they do not
// fully understand; the loader turns that into a diagnostic that shows the accepted forms.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "voicelab/wire/time.hpp"

namespace voicelab::scenario {

// One or more `<number><unit>` parts, largest unit first, no spaces: "250ms", "30s", "2m",
// "1m30s", "1.5s", "1h", "1d". Units: ns, us (or µs), ms, s, m, h, d. A bare "0" is accepted
// (zero needs no unit); any other number without a unit is refused, being ambiguous. Fractions
// are exact to the nanosecond (extra digits are refused rather than rounded). Negative values
// and values above ~290 years are refused.
std::optional<Duration> parse_duration(std::string_view text);

// The shortest canonical spelling parse_duration() reads back to the same value, largest units
// first: 0 -> "0s", 90s -> "1m30s", 1500ms -> "1.5s", 250us -> "250us".
std::string format_duration(Duration d);

// Milliseconds with microsecond precision and no float rounding, trailing zeros dropped:
// 12'345'678ns -> "12.345", 3ms -> "3", 0 -> "0". Sub-microsecond digits are truncated.
// Negative durations get a leading '-'. This is the number format of report.json.
std::string format_ms(Duration d);

// Seconds with millisecond precision, always three decimals: 12'345'678ns -> "0.012", used by
// timeline.txt and JUnit (time attributes are seconds).
std::string format_seconds(Duration d);

// Bits per second from "<number><unit>" with unit bps, kbps, Mbps, Gbps (k/K, M, G accepted in
// either case before "bps"; also "bit/s" forms such as "Mbit/s"). Fractions allowed ("1.5Mbps").
// Zero is refused: a link without bandwidth cannot carry a frame.
std::optional<std::uint64_t> parse_bandwidth(std::string_view text);

// "1Gbps", "100Mbps", "1.5Mbps", "64kbps", "300bps": the largest unit that keeps it exact-ish
// (up to three decimals).
std::string format_bandwidth(std::uint64_t bits_per_second);

// A percentage "0.5%" / "100%" as a probability 0..1 (nullopt outside 0..100% or malformed).
std::optional<double> parse_percent(std::string_view text);

// Edit distance counting insertions, deletions, substitutions and swaps of two adjacent
// characters (optimal string alignment), for "did you mean" suggestions: "modle" is one edit
// from "model". Short strings only: O(n*m).
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace voicelab::scenario
