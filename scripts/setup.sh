#!/usr/bin/env bash
# Installs everything Gregor needs to build and test on Debian 12. Idempotent: packages
# already present are skipped, and apt is not touched when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # build
  cmake ninja-build g++ pkg-config python3 clang libclang-rt-14-dev
  # libraries
  libboost-dev libfmt-dev libspdlog-dev nlohmann-json3-dev libyaml-cpp-dev libcli11-dev
  libzstd-dev liblz4-dev libsnappy-dev zlib1g-dev libssl-dev librdkafka-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # real clients used by the integration tests and benchmarks
  kcat python3-kafka python3-confluent-kafka python3-pytest python3-yaml
  python3-snappy python3-lz4
  # Go clients that predate record batches, built in GOPATH mode from Debian's sources
  golang-go golang-github-segmentio-kafka-go-dev golang-github-shopify-sarama-dev
  # tools used by tests and benchmarks
  procps fio
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js and npm: any installation will do (some images ship a vendor build that
# conflicts with Debian's npm package); Debian's when there is none.
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages for the integration tests, exactly as pinned in the lockfile.
if [ -f tests/integration/node/package-lock.json ]; then
  lock=tests/integration/node/package-lock.json
  stamp=tests/integration/node/node_modules/.gregor-lock-stamp
  if [ ! -f "$stamp" ] || ! cmp -s "$lock" "$stamp"; then
    (cd tests/integration/node && npm ci --no-audit --no-fund --loglevel=error)
    cp "$lock" "$stamp"
  fi
fi
