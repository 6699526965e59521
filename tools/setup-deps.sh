#!/usr/bin/env bash
# Installs the Debian 12 (bookworm) packages voicelab needs to build, test and benchmark.
# Idempotent: installs only what is missing, and runs `apt-get update` only then.
#
#   tools/setup-deps.sh            install what is missing (as root, or through sudo)
#   tools/setup-deps.sh --dry-run  only print what would be installed
set -euo pipefail

# The one list of the project's system dependencies.
PACKAGES=(
  build-essential      # g++ 12, make, libc headers
  cmake                # >= 3.25 (bookworm: 3.25.1), for presets version 6 and workflows
  ninja-build
  pkg-config
  libboost1.81-dev     # Asio/Beast, for the real-network drivers only
  libpugixml-dev       # generated phone configuration (SEP<MAC>.cnf.xml)
  libfmt-dev
  nlohmann-json3-dev   # scenarios and reports
  python3-jsonschema   # tests validate scenarios/*.json against docs/scenario.schema.json
  libxml2-utils        # xmllint: tests validate the JUnit XML reports against an XSD
  catch2               # Catch2 v2 (unit tests)
  libcli11-dev         # command line of apps/voicelab
  libbenchmark-dev     # Google Benchmark, for tools/bench
  tshark               # tests check the pcapng captures with it
  clang                # fuzz targets (libFuzzer)
  libclang-rt-14-dev   # clang's sanitizer and libFuzzer runtimes
  clang-format         # the code style in .clang-format
)

usage() {
  echo "usage: $0 [--dry-run]" >&2
}

dry_run=0
for arg in "$@"; do
  case "$arg" in
    --dry-run | -n) dry_run=1 ;;
    -h | --help)
      sed -n '2,7s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
    *)
      echo "setup-deps: unknown argument: $arg" >&2
      usage
      exit 2
      ;;
  esac
done

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-deps: this script needs a Debian 12 (bookworm) system with dpkg and apt-get" >&2
  exit 1
fi

is_installed() {
  local status
  status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
  [[ "$status" == *" ok installed" ]]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  is_installed "$pkg" || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  echo "setup-deps: all dependencies present"
  exit 0
fi

if ((dry_run)); then
  echo "setup-deps: would install ${missing[*]}"
  exit 0
fi
echo "setup-deps: installing ${missing[*]}"

if ((EUID == 0)); then
  as_root=(env)
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo env)
else
  echo "setup-deps: installing packages needs root: run this script as root, or install sudo" >&2
  exit 1
fi
as_root+=(DEBIAN_FRONTEND=noninteractive)

# tshark's post-install asks whether non-root users may capture packets: answer it beforehand.
for pkg in "${missing[@]}"; do
  if [[ "$pkg" == tshark ]]; then
    echo "wireshark-common wireshark-common/install-setuid boolean false" |
      "${as_root[@]}" debconf-set-selections
  fi
done

"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
echo "setup-deps: installed ${missing[*]}"
