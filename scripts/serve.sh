#!/usr/bin/env bash
# Sets up, builds and starts the broker with its embedded defaults:
# Kafka protocol on localhost:9092, data in ./data. Extra arguments go to `gregor serve`.
# GREGOR_SKIP_SETUP=1 skips installing dependencies (tests/integration/test_quick_start.py
# runs this script while other tests use the installed node modules).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${GREGOR_SKIP_SETUP:-0}" != 1 ]; then
  bash scripts/setup.sh
fi
bash scripts/build.sh release
exec ./build/release/src/gregor serve "$@"
