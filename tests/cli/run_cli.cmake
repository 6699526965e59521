# Runs one voicelab command line and checks its exit code and output.
#   cmake -DPROGRAM=<voicelab> [-DARGS=a|b|c] -DEXPECT_EXIT=<n>
#         [-DEXPECT_STDOUT=<regex>] [-DEXPECT_STDERR=<regex>]
#         [-DEXPECT_STDOUT_EXACT=<text, without the final newline>]
#         [-DEXPECT_NO_STDOUT=ON] [-DEXPECT_NO_STDERR=ON] -P run_cli.cmake
# Arguments are separated by `|` (CTest would split a `;` list).
cmake_minimum_required(VERSION 3.25)

string(REPLACE "|" ";" args "${ARGS}")
execute_process(
  COMMAND "${PROGRAM}" ${args}
  RESULT_VARIABLE exit_code
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)

set(failures "")
if(NOT exit_code STREQUAL "${EXPECT_EXIT}")
  string(APPEND failures "  exit code ${exit_code}, expected ${EXPECT_EXIT}\n")
endif()
if(DEFINED EXPECT_STDOUT AND NOT out MATCHES "${EXPECT_STDOUT}")
  string(APPEND failures "  stdout does not match: ${EXPECT_STDOUT}\n")
endif()
if(DEFINED EXPECT_STDERR AND NOT err MATCHES "${EXPECT_STDERR}")
  string(APPEND failures "  stderr does not match: ${EXPECT_STDERR}\n")
endif()
if(DEFINED EXPECT_STDOUT_EXACT AND NOT out STREQUAL "${EXPECT_STDOUT_EXACT}\n")
  string(APPEND failures "  stdout is not exactly: ${EXPECT_STDOUT_EXACT}\n")
endif()
if(EXPECT_NO_STDOUT AND NOT out STREQUAL "")
  string(APPEND failures "  stdout is not empty\n")
endif()
if(EXPECT_NO_STDERR AND NOT err STREQUAL "")
  string(APPEND failures "  stderr is not empty\n")
endif()

if(failures)
  list(JOIN args " " shown)
  message(FATAL_ERROR "voicelab ${shown}\n${failures}--- stdout ---\n${out}--- stderr ---\n${err}")
endif()
