# The local TI-M Fachdienst of `make run`: four federating Synapse homeservers with
# synapse-invite-checker (pinned from PyPI by scripts/fachdienst-up.sh) and the signed
# federation list, and the OpenID Connect provider (oidc-provider from npm) of the SSO
# homeserver hs4. Runs with the host's network, so every URL is the one of `make run`.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl openssl python3 python3-venv nodejs npm \
 && rm -rf /var/lib/apt/lists/*
COPY docker/extra-ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null 2>&1 || true
WORKDIR /app
COPY scripts/ scripts/
ENV SYNAPSE_VENV=/opt/synapse-venv SYNAPSE_STATE=/state
RUN FACHDIENST_INSTALL_ONLY=1 bash scripts/fachdienst-up.sh 4
VOLUME /state
# Starts (or resumes, state kept in /state) all four, then follows their logs.
CMD ["bash", "-c", "bash scripts/fachdienst-up.sh 4 && exec tail -n 0 -F /state/hs1/homeserver.log /state/hs2/homeserver.log /state/hs3/homeserver.log /state/hs4/homeserver.log"]
HEALTHCHECK --interval=5s --timeout=3s --start-period=180s \
  CMD curl -fs http://127.0.0.1:8008/health && curl -fs http://127.0.0.1:8018/health \
   && curl -fs http://127.0.0.1:8028/health && curl -fs http://127.0.0.1:8038/health \
   && curl -fs http://127.0.0.1:8480/ >/dev/null \
   && curl -fs http://127.0.0.1:8492/.well-known/openid-configuration >/dev/null || exit 1
