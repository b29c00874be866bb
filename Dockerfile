# cckm-mock in a container: `docker run --rm -p 8443:8443 IMAGE` serves the Thales docs' example jobs
# on https://127.0.0.1:8443 (admin/admin).
#
#   docker build -t cckm-mock --build-arg SOURCE_URL=<this repository's URL> .
#   docker run --rm -p 8443:8443 cckm-mock
#   docker run --rm -p 8443:8443 -e CCKM_MOCK_ADMIN_TOKEN=some-secret cckm-mock serve --fixtures demo
#
# scripts/test-image builds this file with podman on every CI run and runs the image as the README
# says (health check, TLS, a volume, a clean stop and a restart). With no registry reachable there,
# it passes local stand-ins for the two base images through SWIFT_IMAGE and DEBIAN_IMAGE; nothing
# else differs from a user's build.

# Fully qualified and pinned: podman and buildah refuse short names.
ARG SWIFT_IMAGE=docker.io/library/swift:6.3.1-bookworm
ARG DEBIAN_IMAGE=docker.io/library/debian:12.12-slim

# ---- build: the release binary with the Swift runtime linked in
FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmicrohttpd-dev libgnutls28-dev libsqlite3-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The manifest first: editing a source file does not fetch the dependencies again.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
# The build plugin that refuses an import across the layers runs in every build, this one too.
COPY Plugins ./Plugins
# The manifest declares the test targets, and SwiftPM refuses a package whose targets have no folder,
# so the tests come along (about 1 MB); only the server is built.
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product cckm-mock \
    && install -D --strip "$(swift build -c release --static-swift-stdlib --show-bin-path)/cckm-mock" /out/cckm-mock

# ---- run: Debian 12 slim with the C libraries only
FROM ${DEBIAN_IMAGE}
ARG VERSION=0.1.0
ARG SOURCE_URL=unknown
LABEL org.opencontainers.image.title="cckm-mock" \
      org.opencontainers.image.description="A local stand-in for the CCKM job API of a Thales CipherTrust Manager" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.licenses="MIT"
COPY packaging/runtime-packages /tmp/runtime-packages
RUN apt-get update \
    && grep -v '^#' /tmp/runtime-packages | xargs apt-get install -y --no-install-recommends \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /tmp/runtime-packages \
    && useradd --system --uid 10001 --user-group --home-dir /data --create-home cckm
COPY --from=build /out/cckm-mock /usr/local/bin/cckm-mock
COPY LICENSE /usr/share/doc/cckm-mock/LICENSE
USER 10001:10001
WORKDIR /data
# Every interface inside the container; the store, the signing key and the certificate in /data
# (mount a volume to keep them). Add -e CCKM_MOCK_TLS_SAN=<host name> for clients that verify by
# name, or fetch the certificate from /__admin/tls/cert.pem; add -e CCKM_MOCK_ALLOW_HOST=<name> when
# other containers call it by a network name (only its own host names are served).
ENV CCKM_MOCK_HOST=0.0.0.0 \
    CCKM_MOCK_PORT=8443 \
    CCKM_MOCK_DATA=/data
EXPOSE 8443
VOLUME /data
# `cckm-mock health` reads the same CCKM_MOCK_* variables (scheme, port): no curl in the image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["cckm-mock", "health"]
ENTRYPOINT ["cckm-mock"]
CMD ["serve", "--fixtures", "docs-examples"]
