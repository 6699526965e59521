# voicelab_library(<name> SOURCES ... DEPS ...)
#   A library under libs/<name>: target voicelab_<name>, alias voicelab::<name>,
#   public headers in include/voicelab/<name>/.
function(voicelab_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(voicelab_${name} STATIC ${ARG_SOURCES})
  add_library(voicelab::${name} ALIAS voicelab_${name})
  target_include_directories(voicelab_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(voicelab_${name} PUBLIC ${ARG_DEPS} PRIVATE voicelab_warnings)
endfunction()

# voicelab_test(<name> SOURCES ... DEPS ...)
#   A Catch2 test executable in <build>/bin; each TEST_CASE becomes its own CTest entry.
function(voicelab_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} voicelab_catch_main voicelab_test_warnings)
  target_compile_definitions(${name} PRIVATE VOICELAB_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  catch_discover_tests(${name} TEST_PREFIX "${name}: " PROPERTIES LABELS "${ARG_LABELS}")
endfunction()
