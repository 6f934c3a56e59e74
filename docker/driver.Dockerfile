# The test driver, the local directory service (tim-vzd-sim) and push gateway (tim-push-sim),
# built from this repository.
# RUST_IMAGE and BASE_IMAGE default to the public images; docker/local-base-images.sh makes
# local ones from Debian's packages where no registry answers.
ARG RUST_IMAGE=rust:1-bookworm
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${RUST_IMAGE} AS build
WORKDIR /src
COPY docker/extra-ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null 2>&1 || true
# What the build reads (not docs, features or scripts, so editing those keeps the cache).
COPY Cargo.toml Cargo.lock ./
COPY api/ api/
COPY crates/ crates/
COPY src/ src/
COPY tests/ tests/
# Plain RUN (no BuildKit cache mounts: Debian's docker.io builds without buildx). The layer is
# reused while the sources are unchanged; a change rebuilds from scratch (about 10 min on 2 cores).
# One build of the three (one feature set for the workspace: Cargo.toml, resolver).
RUN cargo build --release --locked --workspace --features testdriver \
      --bin tim-testdriver --bin tim-vzd-sim --bin tim-push-sim \
 && install -D target/release/tim-testdriver target/release/tim-vzd-sim target/release/tim-push-sim -t /out \
 && rm -rf target

FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl python3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /out/ /usr/local/bin/
COPY config/ config/
COPY scripts/provision-accounts.py scripts/
COPY certs/README.md certs/
COPY certs/gematik/ certs/gematik/
# The driver's stores and generated dev certificate live in volumes (docker-compose.yml).
VOLUME /app/.state /app/certs
CMD ["tim-testdriver", "config/driver.toml"]
