# Conveyor in a container: a build stage makes the .deb (`make package`'s CPack), the runtime
# stage installs it on a slim Debian 12 with only the shared libraries its Depends name
# (dpkg-shlibdeps found them), and runs it as a non-root user. docs/operations.md, "Installing".
#
#   docker build -t conveyor .
#   docker run -p 8000:8000 conveyor        # SQLite in the volume /var/lib/conveyor/data
#   docker compose up --build               # PostgreSQL + an API node + 2 workers (compose.yaml)

FROM debian:12 AS build
# The Makefile's BUILD_PACKAGES without ccache (one build, nothing to cache); GoogleTest stays
# because configuring the project looks for it. nodejs and npm fetch the docs UI bundles that
# the binary embeds; dpkg-dev and file let CPack compute the package's dependencies.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config python3 \
      libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libsqlite3-dev libpq-dev \
      libcurl4-openssl-dev libssl-dev libspdlog-dev libfmt-dev libcli11-dev libre2-dev \
      libgtest-dev libgmock-dev libhowardhinnant-date-dev prometheus-cpp-dev \
      nodejs npm dpkg-dev file ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The npm install first, so a source change does not repeat it. As `make web-deps`: the committed
# lockfile, no install scripts; --omit=dev: the browser-test tools are not needed to build.
COPY web/package.json web/package-lock.json web/
RUN cd web && npm ci --omit=dev --no-audit --no-fund --ignore-scripts
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build build --target conveyor -j "$(nproc)" \
 && cd build && cpack --config CPackConfig.cmake

FROM debian:12-slim
# The package pulls the libraries the binary links; curl answers HEALTHCHECK; tzdata serves
# cron schedules' time zones; ca-certificates lets webhooks and http jobs verify TLS.
COPY --from=build /src/build/packages/conveyor_*.deb /tmp/
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      /tmp/conveyor_*.deb curl tzdata ca-certificates \
 && rm -rf /var/lib/apt/lists/* /tmp/conveyor_*.deb \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/conveyor --create-home \
      --shell /usr/sbin/nologin conveyor
USER conveyor
WORKDIR /var/lib/conveyor
VOLUME /var/lib/conveyor
# Beyond loopback the API checks API keys (docs/security.md): create one with
#   docker exec <container> conveyor keys create --name admin --scopes admin
# The store: DATABASE_URL (PostgreSQL) when set, else the default sqlite:./data/conveyor.db,
# that is /var/lib/conveyor/data/conveyor.db in the volume (artifacts and inputs beside it).
ENV CONVEYOR_LISTEN=0.0.0.0:8000
EXPOSE 8000
# /health answers without touching the store; compose's checks use /ready (store reachable).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8000/health || exit 1
# SIGTERM (docker stop) is the clean stop: running jobs get 10 s, SQLite is checkpointed.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/conveyor"]
CMD ["serve"]
