# cckm-mock in a container. Not built on the development machines (they run no Docker engine);
# kept minimal so that it is easy to check by eye.
#
#   docker build -t cckm-mock .
#   docker run --rm -p 8443:8443 cckm-mock serve --fixtures /fixtures/docs-examples.json

# ---- build: Debian 12 with Swift, plus the two C libraries' headers
FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmicrohttpd-dev libgnutls28-dev libsqlite3-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
RUN swift build -c release --static-swift-stdlib --product cckm-mock \
    && cp "$(swift build -c release --show-bin-path)/cckm-mock" /cckm-mock

# ---- run: Debian 12 slim with the runtime libraries only
FROM debian:12-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmicrohttpd12 libsqlite3-0 curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --create-home cckm
COPY --from=build /cckm-mock /usr/local/bin/cckm-mock
COPY fixtures /fixtures
USER cckm
WORKDIR /data
# Listen on every interface inside the container; keep the store, the signing key and the
# certificate in the (mountable) /data. Add -e CCKM_MOCK_TLS_SAN=<host name> for clients that verify.
ENV CCKM_MOCK_HOST=0.0.0.0 \
    CCKM_MOCK_PORT=8443 \
    CCKM_MOCK_DATA=/data
EXPOSE 8443
HEALTHCHECK --interval=10s --timeout=2s --start-period=2s \
    CMD curl -fsSk https://127.0.0.1:8443/__admin/health || exit 1
ENTRYPOINT ["cckm-mock"]
CMD ["serve"]
