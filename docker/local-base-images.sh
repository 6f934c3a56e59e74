#!/usr/bin/env bash
# Base images for docker-compose.yml when no container registry answers (as on a closed test
# machine): a Debian bookworm root file system made by debootstrap from Debian's own package
# mirror, imported as $BASE_TAG, and a Rust build image $RUST_TAG on top of it that carries
# this machine's Rust toolchain (rustc --print sysroot; docs and sources left out). Prints the
# build arguments for docker-compose. Does nothing for an image that exists already.
#   BASE_TAG=tim-local/debian:bookworm-slim  RUST_TAG=tim-local/rust:bookworm
#   DEBIAN_MIRROR=http://deb.debian.org/debian
set -euo pipefail
cd "$(dirname "$0")/.."
BASE_TAG="${BASE_TAG:-tim-local/debian:bookworm-slim}"
RUST_TAG="${RUST_TAG:-tim-local/rust:bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
WORK=.state/docker-base
log() { printf '[local-base-images] %s\n' "$*" >&2; }

if ! docker image inspect "$BASE_TAG" >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || { log "installing debootstrap"; bash scripts/apt-install.sh debootstrap; }
  log "debootstrap bookworm (minbase) from $MIRROR"
  rm -rf "$WORK/rootfs" && mkdir -p "$WORK"
  debootstrap --variant=minbase bookworm "$WORK/rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log" >&2; exit 1; }
  # As in the official slim image: no apt caches, no docs.
  rm -rf "$WORK/rootfs/var/cache/apt/archives/"*.deb "$WORK/rootfs/var/lib/apt/lists/"* "$WORK/rootfs/usr/share/doc/"*
  tar -C "$WORK/rootfs" -c . | docker import - "$BASE_TAG" >/dev/null
  rm -rf "$WORK/rootfs"
  log "imported $BASE_TAG"
fi

if ! docker image inspect "$RUST_TAG" >/dev/null 2>&1; then
  sysroot="$(rustc --print sysroot)"
  ctx="$WORK/rust"
  rm -rf "$ctx" && mkdir -p "$ctx"
  log "packing the Rust toolchain $(rustc --version | cut -d' ' -f2) from $sysroot"
  tar -C "$sysroot" --exclude=./share/doc --exclude=./share/man --exclude=./lib/rustlib/src \
    --exclude=./lib/rustlib/rustc-src -cf "$ctx/toolchain.tar" .
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $BASE_TAG
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates gcc g++ libc6-dev make perl pkg-config \
 && rm -rf /var/lib/apt/lists/*
ADD toolchain.tar /usr/local/rust/
ENV PATH=/usr/local/rust/bin:/usr/local/cargo/bin:\$PATH CARGO_HOME=/usr/local/cargo
DOCKERFILE
  docker build --network host -q -t "$RUST_TAG" "$ctx" >/dev/null
  rm -rf "$ctx"
  log "built $RUST_TAG"
fi
echo "BASE_IMAGE=$BASE_TAG"
echo "RUST_IMAGE=$RUST_TAG"
