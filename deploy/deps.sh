#!/usr/bin/env bash
# Installs the Debian 12 packages gridcase needs to build, test and run, when any is missing.
set -euo pipefail
packages=(gcc make pkg-config libzmq3-dev libprotobuf-c-dev protobuf-c-compiler libpq-dev
          libjansson-dev libcmocka-dev postgresql jq clang libclang-rt-14-dev libc6-dev libssl-dev
          python3-zmq python3-protobuf protobuf-compiler libmicrohttpd-dev docker-compose
          postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl postgresql-15-plpgsql-check
          xz-utils prometheus chromium fonts-noto-cjk
          postgresql-15-auto-failover iproute2 pgbackrest
          podman runc netavark aardvark-dns iptables debootstrap curl linux-perf)
# make compose-check runs docker-compose.yml under podman's Docker API: runc (crun 1.8 refuses
# mixed cgroups), netavark with aardvark-dns (the services' names), debootstrap for the base
# images when no registry answers; the Open311 gateway's test speaks HTTP with curl, as its
# documented examples do; make profile records call stacks with perf
# the board's browser test drives chromium from Node.js (tests/board), and its screenshots need
# a font with Chinese characters; a machine that has Node.js and npm from elsewhere keeps them
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y --no-install-recommends "${missing[@]}"; then
    $sudo apt-get update
    $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
