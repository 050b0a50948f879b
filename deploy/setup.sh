#!/usr/bin/env bash
# Installs every Debian package that rtpx's build, tests and demo need. Idempotent: packages already
# present are not touched, and apt-get runs only when something is missing.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev clang-format clang-tidy
  # libraries (see ../shared/ARCHITECTURE.md for who may use what)
  libdpdk-dev libsrtp2-dev libipsec-mb-dev libhwloc-dev hwloc libspdlog-dev libfmt-dev libssl-dev
  libpcap-dev libexpected-dev libcli11-dev nlohmann-json3-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcpp-httplib-dev
  # tools and real peers used by tests, the demo and comparisons
  tshark iproute2 python3 sip-tester baresip kamailio rtpengine-daemon gnuplot-nox
)

if [ "$(id -u)" -ne 0 ]; then
  echo "deploy/setup.sh: must run as root (it installs Debian packages)" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer it so the install never blocks.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
