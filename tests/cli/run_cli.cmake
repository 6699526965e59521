# Runs one voicelab command line and checks its exit code and output.
#   cmake -DPROGRAM=<voicelab> [-DARGS=a|b|c] -DEXPECT_EXIT=<n>
#         [-DEXPECT_STDOUT=<regex>] [-DEXPECT_STDERR=<regex>]
#         [-DEXPECT_STDOUT_EXACT=<text, without the final newline>]
#         [-DEXPECT_NO_STDOUT=ON] [-DEXPECT_NO_STDERR=ON]
#         [-DUNEXPECTED_STDERR=<regex>] [-DEXPECT_NO_PATH=<path>] [-DEXPECT_PATH=<path>]
#         [-DREMOVE_BEFORE=<path>] [-DWORKING_DIRECTORY=<dir>] -P run_cli.cmake
# EXPECT_NO_PATH is removed before the run and must still not exist after it; EXPECT_PATH is
# removed before the run and must exist after it; REMOVE_BEFORE is only removed.
# Arguments are separated by `|` (CTest would split a `;` list).
cmake_minimum_required(VERSION 3.25)

string(REPLACE "|" ";" args "${ARGS}")
foreach(path IN ITEMS "${EXPECT_NO_PATH}" "${EXPECT_PATH}" "${REMOVE_BEFORE}")
  if(NOT path STREQUAL "")
    file(REMOVE_RECURSE "${path}")
  endif()
endforeach()
if(NOT DEFINED WORKING_DIRECTORY)
  set(WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
endif()
execute_process(
  COMMAND "${PROGRAM}" ${args}
  WORKING_DIRECTORY "${WORKING_DIRECTORY}"
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
if(DEFINED UNEXPECTED_STDERR AND err MATCHES "${UNEXPECTED_STDERR}")
  string(APPEND failures "  stderr matches what it must not: ${UNEXPECTED_STDERR}\n")
endif()
if(DEFINED EXPECT_NO_PATH AND EXISTS "${EXPECT_NO_PATH}")
  string(APPEND failures "  ${EXPECT_NO_PATH} exists: the command created it\n")
endif()
if(DEFINED EXPECT_PATH AND NOT EXISTS "${EXPECT_PATH}")
  string(APPEND failures "  ${EXPECT_PATH} does not exist: the command did not create it\n")
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
