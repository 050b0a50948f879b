#!/usr/bin/env bash
# Installs what is missing, configures, builds (warnings are errors) and runs every test.
# Exit status is non-zero on any failure. Idempotent; run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/setup.sh

preset=${RTPX_TEST_PRESET:-ci}
jobs=${RTPX_JOBS:-$(nproc)}
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$jobs"
ctest --preset "$preset" -j "$jobs" --timeout 600
