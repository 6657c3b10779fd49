#!/usr/bin/env bash
# Configures and builds one build tree. Usage: scripts/build.sh [release|asan|fuzz] [cmake
# --build options, e.g. --target NAME]
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
case "$kind" in
  release) dir=build/release; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) dir=build/asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DGREGOR_SANITIZE=ON -DGREGOR_UNIT_ONLY=ON) ;;
  fuzz) dir=build/fuzz; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DGREGOR_FUZZ=ON -DGREGOR_UNIT_ONLY=ON
                               -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++) ;;
  *) echo "unknown build kind $kind" >&2; exit 2 ;;
esac
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S . -B "$dir" -G Ninja "${flags[@]}"
fi
cmake --build "$dir" --parallel "$(nproc)" "${@:2}"
