#!/usr/bin/env bash
# Makes sure the engine has the two base images gridcase's files name: debian:bookworm-slim
# (deploy/Dockerfile's FROM) and postgres:15-bookworm (GC_POSTGRES_IMAGE's default). Each is
# pulled when a registry answers; only when none does (an offline machine) is a stand-in built
# here: Debian 12 made by debootstrap from the Debian mirror the host's apt uses, and PostgreSQL
# 15 from Debian's packages on it (deploy/images/postgres). An image already present is kept, so
# a second run does nothing. Needs root (debootstrap) only when it builds the Debian stand-in.
# Usage: deploy/images/build.sh   (from the repository root; DOCKER: the engine's CLI, docker)
set -euo pipefail
cd "$(dirname "$0")/../.."
docker=${DOCKER:-docker}
debian=debian:bookworm-slim
postgres=${GC_POSTGRES_IMAGE:-postgres:15-bookworm}

have() { "$docker" image inspect "$1" > /dev/null 2>&1; }
# a registry that does not answer can make a pull wait long: a bounded try
pull() { timeout -k 5 "${GC_PULL_TIMEOUT:-60}" "$docker" pull "$1" > /dev/null 2>&1; }
took() { echo "images: $1 ($(($(date +%s) - $2)) s)"; }

# debootstrap mounts /proc and /sys in its tree while it works: unmounted before the tree is
# removed, and the removal stays on that file system whatever is left mounted
root=""
remove_root() {
    [ -n "$root" ] || return 0
    umount -l "$root/proc" "$root/sys" 2> /dev/null || true
    rm -rf --one-file-system "$root" "$root.log"
    root=""
}
trap remove_root EXIT

build_debian() {
    local t0
    t0=$(date +%s)
    command -v debootstrap > /dev/null ||
        { echo "images: debootstrap is not installed (apt-get install debootstrap)" >&2; return 1; }
    root=$(mktemp -d "${TMPDIR:-/tmp}/gc-debian.XXXXXX")
    # minbase: essential packages and apt (about 120 MB), as the official slim image
    debootstrap --variant=minbase bookworm "$root" > "$root.log" 2>&1 ||
        { tail -n 20 "$root.log" >&2; return 1; }
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
    tar -C "$root" --numeric-owner --one-file-system -c . |
        "$docker" import --change 'CMD ["bash"]' - "$debian" > /dev/null
    remove_root
    took "$debian built by debootstrap" "$t0"
}

if have "$debian"; then echo "images: $debian present"
elif pull "$debian"; then echo "images: $debian pulled"
else build_debian; fi

if have "$postgres"; then echo "images: $postgres present"
elif pull "$postgres"; then echo "images: $postgres pulled"
else
    t0=$(date +%s)
    "$docker" build -q -t "$postgres" deploy/images/postgres > /dev/null
    took "$postgres built from Debian's postgresql-15" "$t0"
fi
