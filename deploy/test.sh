#!/usr/bin/env bash
# Installs what is missing, configures, builds (warnings are errors) and runs every test.
# Exit status is non-zero on any failure. Idempotent; run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/setup.sh

jobs=${RTPX_JOBS:-$(nproc)}

# 1. The optimised build CI ships (-Werror): unit tests, fuzz-corpus replays, black-box CLI tests.
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$jobs"
ctest --preset ci -j "$jobs" --timeout 600

# 2. The same tests under AddressSanitizer + UndefinedBehaviorSanitizer, so every parser meets its
#    fuzz corpus and malformed fixtures with memory errors made fatal. RTPX_SKIP_ASAN=1 skips it.
# The sanitizer pass runs every unit, fuzz-replay and loopback test again. The network-namespace
# end-to-end tests (integration.*: whole processes, real peers, seconds of RTP each) and the
# million-flow table test ran in the optimised pass above; under ASan they would take most of the
# CI budget for little more coverage, so they are left out here (RTPX_ASAN_ALL=1 keeps them).
asan_exclude='^integration\.|^FlowTable\.HoldsAMillionFlows$'
if [ "${RTPX_ASAN_ALL:-0}" = 1 ]; then asan_exclude='^$'; fi

if [ "${RTPX_SKIP_ASAN:-0}" != 1 ]; then
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --preset asan -j "$jobs" --timeout 900 -E "$asan_exclude"
fi
