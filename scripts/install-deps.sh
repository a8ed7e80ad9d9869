#!/usr/bin/env bash
# Installs the Debian 12 packages pgark needs that are missing. Usage:
#   scripts/install-deps.sh [build|demo|test]   (default: test, the superset)
# Idempotent: installs nothing when everything is present. Uses sudo when not root.
set -euo pipefail

profile=${1:-test}
build_pkgs=(g++ cmake ninja-build pkg-config git
  libpq-dev libcurl4-openssl-dev libssl-dev libzstd-dev libxxhash-dev nlohmann-json3-dev
  libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev libtinyxml2-dev libsystemd-dev
  libhowardhinnant-date-dev prometheus-cpp-dev libcpp-httplib-dev
  libgtest-dev libgmock-dev)
pg_pkgs=(postgresql-15 postgresql-client-15 postgresql-contrib zstd util-linux procps)
test_pkgs=(swift-proxy swift-account swift-container swift-object memcached prometheus curl python3 awscli jq time
  clang-14 libclang-rt-14-dev clang-format)

case "$profile" in
  build) pkgs=("${build_pkgs[@]}") ;;
  demo) pkgs=("${build_pkgs[@]}" "${pg_pkgs[@]}") ;;
  test) pkgs=("${build_pkgs[@]}" "${pg_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "usage: $0 [build|demo|test]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
echo "install-deps: done"
