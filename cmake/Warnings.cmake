# Warnings as an INTERFACE target, linked PRIVATE, so they never leak to consumers.
add_library(voicelab_warnings INTERFACE)
target_compile_options(voicelab_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough)
