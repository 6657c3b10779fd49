#!/usr/bin/env bash
# Sets up, builds and runs every test: unit, integration (real clients against the real
# broker), crash tests, then the unit tests again under ASan+UBSan, then the fuzzer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release
jobs=$(nproc)
(cd build/release && ctest --output-on-failure -j "$jobs" --timeout 600)
bash scripts/build.sh asan
(cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
   ctest --output-on-failure -j "$jobs" -L unit --timeout 600)
if [ -f tests/fuzz/CMakeLists.txt ]; then
  # Only what `ctest -L fuzz` runs: the fuzz tree's unit tests would be a third build of them.
  bash scripts/build.sh fuzz --target request_decode_fuzz
  (cd build/fuzz && ctest --output-on-failure -L fuzz --timeout 600)
fi
