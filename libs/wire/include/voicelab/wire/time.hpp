#pragma once
// Time as every engine sees it: nanoseconds since the lab started. Engines are handed `now`;
// nothing below the drivers reads a clock.

#include <chrono>

namespace voicelab {

using Duration = std::chrono::nanoseconds;
using Time = std::chrono::nanoseconds;  // since the start of the lab

using namespace std::chrono_literals;

}  // namespace voicelab
