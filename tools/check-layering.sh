#!/usr/bin/env bash
# Enforces the sans-I/O rule (docs/architecture.md): code under libs/ never touches a socket and
# never reads a clock or an entropy source; time is handed in as voicelab::Time, randomness comes
# from the lab's seeded generator. Only libs/realnet/ (the real-network drivers) is exempt.
#
#   tools/check-layering.sh [ROOT]   ROOT defaults to the repository this script is in
#
# Prints every offending FILE:LINE and exits 1; exits 0 when the tree is clean. Comments are
# ignored, so a comment may name what it must not use. <chrono> itself is allowed (durations).
set -euo pipefail

root=${1:-"$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"}
if [[ ! -d "$root/libs" ]]; then
  echo "check-layering: no libs/ directory under $root" >&2
  exit 2
fi
cd "$root"

mapfile -d '' files < <(find libs -path libs/realnet -prune -o -type f \
  \( -name '*.hpp' -o -name '*.cpp' -o -name '*.h' -o -name '*.hh' -o -name '*.cc' \
     -o -name '*.cxx' -o -name '*.ipp' -o -name '*.inl' \) -print0 | sort -z)
((${#files[@]})) || { echo "check-layering: no source files under $root/libs" >&2; exit 2; }

# POSIX awk (mawk or gawk). Strips /* */ and // comments, then matches each rule on the code.
awk '
  BEGIN {
    id = "(^|[^[:alnum:]_])"  # start of an identifier
    n = 0
    rule[++n] = "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]boost/asio"; why[n] = "Boost.Asio (sockets and timers belong in libs/realnet)"
    rule[++n] = "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"](sys/socket|netinet/[^>\"]*|arpa/inet)\\.h"; why[n] = "socket API"
    rule[++n] = id "(system|steady|high_resolution|utc|tai|gps|file)_clock([^[:alnum:]_]|$)"; why[n] = "a clock (engines are handed `now`)"
    rule[++n] = id "random_device([^[:alnum:]_]|$)"; why[n] = "std::random_device (use the seeded generator of the lab)"
    rule[++n] = id "(gettimeofday|clock_gettime|timespec_get)[[:space:]]*\\("; why[n] = "a clock (engines are handed `now`)"
    rule[++n] = "std::time[[:space:]]*\\("; why[n] = "a clock (engines are handed `now`)"
    rule[++n] = "(^|[^[:alnum:]_.>:])(::)?time[[:space:]]*\\([[:space:]]*(NULL|nullptr|0|&)"; why[n] = "a clock (engines are handed `now`)"
  }
  FNR == 1 { in_block = 0 }
  {
    # The code of this line: comments and the contents of string and character literals blanked
    # (so that "*/*" or "http://" cannot hide code), except in an #include line.
    code = ""
    len = length($0)
    for (p = 1; p <= len; p++) {
      c = substr($0, p, 1); c2 = substr($0, p, 2)
      if (in_block) {
        if (c2 == "*/") { in_block = 0; p++ }
        continue
      }
      if (c2 == "//") break
      if (c2 == "/*") { in_block = 1; p++; code = code " "; continue }
      if (c == "\047" && substr($0, p - 1, 3) ~ /^[[:xdigit:]]\047[[:xdigit:]]$/ &&
          substr($0, p - 2, 2) != "u8") {
        code = code c  # a C++14 digit separator between two digits
        continue
      }
      if ((c == "\"" || c == "\047") && $0 !~ /^[[:space:]]*#[[:space:]]*include/) {
        for (p++; p <= len && substr($0, p, 1) != c; p++)
          if (substr($0, p, 1) == "\\") p++
        code = code c c
        continue
      }
      code = code c
    }
    for (i = 1; i <= n; i++) {
      if (code ~ rule[i]) {
        printf "%s:%d: %s: %s\n", FILENAME, FNR, why[i], $0
        bad++
        break
      }
    }
  }
  END {
    if (bad) {
      printf "check-layering: %d violation(s) of the sans-I/O rule; only libs/realnet/ may do I/O or read clocks\n", bad
      exit 1
    }
  }
' "${files[@]}"
echo "check-layering: ${#files[@]} files under libs/ checked, no clock or socket use outside libs/realnet/"
