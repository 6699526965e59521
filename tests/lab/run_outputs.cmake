# `voicelab run` on the simulated lab, checked from the outside: exit code and what lands in the
# output folder (DESIGN §6: report.json, timeline.txt, logs/<component>.log, *.pcapng, the
# ladder diagram).
#   cmake -DPROGRAM=<voicelab> -DSCENARIO=<file> -DOUT=<dir> -DEXPECT_EXIT=<n>
#         [-DNO_PCAP=ON] [-DEXPECT_LOGS=a.log|b.log] -P run_outputs.cmake
# OUT is removed first. With NO_PCAP the run gets --no-pcap and must write no capture.
cmake_minimum_required(VERSION 3.25)

file(REMOVE_RECURSE "${OUT}")
set(args run "${SCENARIO}" --out "${OUT}" --quiet)
if(NO_PCAP)
  list(APPEND args --no-pcap)
endif()
execute_process(COMMAND "${PROGRAM}" ${args}
  RESULT_VARIABLE exit_code OUTPUT_VARIABLE out ERROR_VARIABLE err)

set(failures "")
if(NOT exit_code STREQUAL "${EXPECT_EXIT}")
  string(APPEND failures "  exit code ${exit_code}, expected ${EXPECT_EXIT}\n")
endif()
foreach(f report.json timeline.txt ladder.svg)
  if(NOT EXISTS "${OUT}/${f}")
    string(APPEND failures "  ${OUT}/${f} is missing\n")
  endif()
endforeach()
if(EXISTS "${OUT}/report.json")
  file(READ "${OUT}/report.json" report)
  if(NOT report MATCHES "\"schema\": \"voicelab.report/1\"")
    string(APPEND failures "  report.json has no voicelab.report/1 schema\n")
  endif()
endif()
file(GLOB logs "${OUT}/logs/*.log")
if(NOT logs)
  string(APPEND failures "  no logs/*.log\n")
endif()
if(DEFINED EXPECT_LOGS)
  string(REPLACE "|" ";" expected_logs "${EXPECT_LOGS}")
  foreach(f IN LISTS expected_logs)
    if(NOT EXISTS "${OUT}/logs/${f}")
      string(APPEND failures "  logs/${f} is missing\n")
    endif()
  endforeach()
endif()
file(GLOB captures "${OUT}/*.pcapng")
if(NO_PCAP AND captures)
  string(APPEND failures "  --no-pcap, but captures were written: ${captures}\n")
elseif(NOT NO_PCAP AND NOT captures)
  string(APPEND failures "  no *.pcapng\n")
endif()

if(failures)
  list(JOIN args " " shown)
  message(FATAL_ERROR "voicelab ${shown}\n${failures}--- stdout ---\n${out}--- stderr ---\n${err}")
endif()
