#!/usr/bin/env bash
# Sets up, builds and starts the broker with its embedded defaults:
# Kafka protocol on localhost:9092, data in ./data. Extra arguments go to `gregor serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release
exec ./build/release/gregor serve "$@"
