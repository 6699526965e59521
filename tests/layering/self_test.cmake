# Builds a small libs/ tree with known violations and allowed uses, runs tools/check-layering.sh
# on it, and checks that it fails and names exactly the offending lines.
#   cmake -DBASH=<bash> -DSCRIPT=<check-layering.sh> -DWORK_DIR=<scratch dir> -P self_test.cmake
cmake_minimum_required(VERSION 3.25)

file(REMOVE_RECURSE "${WORK_DIR}")

file(WRITE "${WORK_DIR}/libs/proto/src/engine.cpp" [==[
#include <chrono>
#include <boost/asio.hpp>
#include "boost/asio/ip/tcp.hpp"
#include <sys/socket.h>
// A comment may name std::chrono::steady_clock, time(nullptr) and std::random_device.
/* So may a block comment: system_clock,
   random_device, gettimeofday() */
const char* accept = "*/*"; auto t = std::chrono::system_clock::now();
constexpr long big = 1'000'000; auto s = std::chrono::steady_clock::now();
auto h = std::chrono::high_resolution_clock::now();  // the code before a comment counts
std::random_device rd;
auto a = time(nullptr);
auto b = std::time(0);
auto c = ::time(&t0);
timeval tv; gettimeofday(&tv, nullptr);
timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
Time time() const;
auto d = sim.time(0);
auto e = run_time(nullptr);
const char* text = "steady_clock in a string";
char q = '\''; auto u = std::chrono::utc_clock::now();
]==])
file(WRITE "${WORK_DIR}/libs/proto/include/voicelab/proto/timers.hpp" [==[
#pragma once
#include <chrono>  // durations are fine
using Duration = std::chrono::nanoseconds;  // not std::chrono::steady_clock
]==])
file(WRITE "${WORK_DIR}/libs/realnet/src/driver.cpp" [==[
#include <boost/asio.hpp>
auto now = std::chrono::steady_clock::now();
]==])

execute_process(COMMAND "${BASH}" "${SCRIPT}" "${WORK_DIR}"
                RESULT_VARIABLE exit_code OUTPUT_VARIABLE out ERROR_VARIABLE err)

set(expected_lines 2 3 4 8 9 10 11 12 13 14 15 16 21)
set(failures "")
if(NOT exit_code EQUAL 1)
  string(APPEND failures "  exit code ${exit_code}, expected 1\n")
endif()
string(REGEX MATCHALL "libs/[^:\n]+:[0-9]+:" reported "${out}")
set(wanted "")
foreach(n IN LISTS expected_lines)
  list(APPEND wanted "libs/proto/src/engine.cpp:${n}:")
endforeach()
if(NOT reported STREQUAL wanted)
  string(APPEND failures "  reported: ${reported}\n  expected: ${wanted}\n")
endif()

if(failures)
  message(FATAL_ERROR "check-layering.sh self-test failed\n${failures}--- stdout ---\n${out}--- stderr ---\n${err}")
endif()
