# Warnings as an INTERFACE target, linked PRIVATE, so they never leak to consumers.
set(voicelab_warning_flags
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough)
add_library(voicelab_warnings INTERFACE)
target_compile_options(voicelab_warnings INTERFACE ${voicelab_warning_flags})

# Test code copies std::vector buffers around freely; GCC 12 at -O2 then reports
# null-dereference / restrict / array-bounds "potential" problems inside inlined
# libstdc++ (GCC PRs 105329, 105651). Library code keeps all three; ASan/UBSan
# run every test and catch the real thing.
add_library(voicelab_test_warnings INTERFACE)
target_compile_options(voicelab_test_warnings INTERFACE ${voicelab_warning_flags})
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(voicelab_test_warnings INTERFACE
    -Wno-null-dereference -Wno-restrict -Wno-array-bounds -Wno-stringop-overread)
endif()
