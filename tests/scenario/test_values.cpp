#include <catch2/catch.hpp>

#include "voicelab/scenario/values.hpp"

using namespace voicelab;
using namespace voicelab::scenario;

TEST_CASE("durations parse in every documented form", "[values]") {
  CHECK(parse_duration("250ms") == 250ms);
  CHECK(parse_duration("30s") == 30s);
  CHECK(parse_duration("2m") == 120s);
  CHECK(parse_duration("1m30s") == 90s);
  CHECK(parse_duration("1.5s") == 1500ms);
  CHECK(parse_duration("1h") == 3600s);
  CHECK(parse_duration("1d") == 86400s);
  CHECK(parse_duration("1d2h3m4s5ms6us7ns") ==
        Duration{86400'000'000'000 + 7200'000'000'000 + 180'000'000'000 + 4'000'000'000 +
                 5'000'000 + 6'000 + 7});
  CHECK(parse_duration("500us") == 500us);
  CHECK(parse_duration("500\xC2\xB5s") == 500us);  // micro sign
  CHECK(parse_duration("500\xCE\xBCs") == 500us);  // Greek mu
  CHECK(parse_duration("10ns") == 10ns);
  CHECK(parse_duration("0") == 0s);
  CHECK(parse_duration("0s") == 0s);
  CHECK(parse_duration("0.000000001s") == 1ns);
}

TEST_CASE("durations refuse what they cannot read exactly", "[values]") {
  for (const char* bad :
       {"", "30", "-1s", "1.s", ".5s", "1 s", "30 sec", "1s1s", "30s1m", "1ms1m", "5x",
        "1.0000000001s", "0.5ns", "1e3ms", "s", "99999999999d", "+1s", "1m 30s"}) {
    INFO(bad);
    CHECK_FALSE(parse_duration(bad).has_value());
  }
}

TEST_CASE("durations format canonically and read back", "[values]") {
  CHECK(format_duration(0s) == "0s");
  CHECK(format_duration(250ms) == "250ms");
  CHECK(format_duration(90s) == "1m30s");
  CHECK(format_duration(1500ms) == "1.5s");
  CHECK(format_duration(250us) == "250us");
  CHECK(format_duration(1ns) == "1ns");
  CHECK(format_duration(86400s + 3600s) == "1d1h");
  CHECK(format_duration(61500ms) == "1m1.5s");
  for (auto d : {Duration{1}, Duration{999}, Duration{1'000'001}, Duration{59'999'999'999},
                 Duration{3'600'000'000'001}, Duration{123'456'789'012'345}}) {
    INFO(d.count());
    CHECK(parse_duration(format_duration(d)) == d);
  }
}

TEST_CASE("milliseconds and seconds format without floating point", "[values]") {
  CHECK(format_ms(0ns) == "0");
  CHECK(format_ms(3ms) == "3");
  CHECK(format_ms(Duration{12'345'678}) == "12.345");
  CHECK(format_ms(Duration{12'300'000}) == "12.3");
  CHECK(format_ms(Duration{999}) == "0");  // below a microsecond
  CHECK(format_ms(Duration{-1'500'000}) == "-1.5");
  CHECK(format_ms(Duration{123'456'789'000'000}) == "123456789");
  CHECK(format_seconds(Duration{12'345'678}) == "0.012");
  CHECK(format_seconds(90s) == "90.000");
}

TEST_CASE("bandwidths", "[values]") {
  CHECK(parse_bandwidth("1Gbps") == 1'000'000'000U);
  CHECK(parse_bandwidth("100Mbps") == 100'000'000U);
  CHECK(parse_bandwidth("1.5Mbps") == 1'500'000U);
  CHECK(parse_bandwidth("64kbps") == 64'000U);
  CHECK(parse_bandwidth("64Kbps") == 64'000U);
  CHECK(parse_bandwidth("2Mbit/s") == 2'000'000U);
  CHECK(parse_bandwidth("300bps") == 300U);
  for (const char* bad : {"", "0Mbps", "1.5", "fast", "1 Gbps", "1Tbps", "1.0001bps", "-1Mbps"}) {
    INFO(bad);
    CHECK_FALSE(parse_bandwidth(bad).has_value());
  }
  CHECK(format_bandwidth(1'000'000'000) == "1Gbps");
  CHECK(format_bandwidth(1'500'000) == "1.5Mbps");
  CHECK(format_bandwidth(64'000) == "64kbps");
  CHECK(format_bandwidth(300) == "300bps");
  CHECK(parse_bandwidth(format_bandwidth(2'048'000)) == 2'048'000U);
}

TEST_CASE("percentages and edit distance", "[values]") {
  CHECK(parse_percent("0.5%") == Approx(0.005));
  CHECK(parse_percent("100%") == Approx(1.0));
  CHECK(parse_percent("0%") == Approx(0.0));
  CHECK_FALSE(parse_percent("101%").has_value());
  CHECK_FALSE(parse_percent("5").has_value());
  CHECK_FALSE(parse_percent("%").has_value());
  CHECK(edit_distance("vlna", "vlan") == 1);  // a transposition counts once
  CHECK(edit_distance("modle", "model") == 1);
  CHECK(edit_distance("abc", "ca") == 3);
  CHECK(edit_distance("acess1", "access1") == 1);
  CHECK(edit_distance("", "abc") == 3);
}
