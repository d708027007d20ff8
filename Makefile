# The README's two commands: `make run` and `make test`. Both install what is missing first.
SHELL := /bin/bash
BUILD ?= build
BUILD_ASAN ?= build-asan
JOBS ?= 2
LISTEN ?= 127.0.0.1:8000
STORE ?= sqlite:./data/conveyor.db

# What `make run` needs: the compiler, CMake and the libraries the binary links (GoogleTest too,
# since configuring the project looks for it).
BUILD_PACKAGES := build-essential cmake ninja-build ccache pkg-config python3 \
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libsqlite3-dev libpq-dev \
  libcurl4-openssl-dev libssl-dev libspdlog-dev libfmt-dev libcli11-dev libre2-dev \
  libgtest-dev libgmock-dev libhowardhinnant-date-dev prometheus-cpp-dev tzdata
# What `make test` needs besides: the micro-benchmarks, the SMTP test server, curl for the
# examples, throwaway PostgreSQL servers (tests/pg_test_server.h, tests/e2e/pg_server.py), what the
# Python client's offline install test needs (venv with its pip, setuptools and wheel from Debian),
# promtool (in `prometheus`) that lints /metrics in tests/e2e/test_metrics.py, and faketime for
# chaos.short's clock step.
TEST_PACKAGES := libbenchmark-dev python3-aiosmtpd curl postgresql faketime \
  python3-venv python3-setuptools python3-wheel openssl chromium prometheus
DEBIAN_PACKAGES := $(BUILD_PACKAGES) $(TEST_PACKAGES)
# Only `make fuzz`/`make test-fuzz` (libFuzzer) need clang and its runtime libraries; `make test`
# replays the harnesses in its g++ ASan build.
FUZZ_PACKAGES := clang libclang-rt-14-dev
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: deps deps-build deps-fuzz web-deps build build-server build-asan run test test-release test-fast test-sanitize bench clean
.PHONY: build-fuzz test-fuzz fuzz docs-transcripts

deps:
	@./scripts/install-deps.sh $(DEBIAN_PACKAGES)

deps-build:
	@./scripts/install-deps.sh $(BUILD_PACKAGES)

deps-fuzz:
	@./scripts/install-deps.sh $(DEBIAN_PACKAGES) $(FUZZ_PACKAGES)

# The docs UI bundles embedded in the binary and the browser-test tools (web/package.json):
# one `npm ci` of the committed lockfile (7 s idle, 25 s on a loaded machine; --omit=dev saved
# nothing measurable, so one install serves both),
# skipped while node_modules is newer than the lockfile. --ignore-scripts: no package's install
# script runs (swagger-ui-dist's would report to a telemetry service).
WEB_STAMP := web/node_modules/.package-lock.json
web-deps: $(WEB_STAMP)
$(WEB_STAMP): web/package-lock.json
	cd web && npm ci --no-audit --no-fund --ignore-scripts
	touch $(WEB_STAMP)

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

# Everything: the binary, the libraries, the test suite and the micro-benchmarks.
build: deps web-deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Only what `make run` runs: the `conveyor` binary, so a first start compiles no test.
build-server: deps-build web-deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target conveyor

$(BUILD_ASAN)/build.ninja:
	cmake -S . -B $(BUILD_ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCONVEYOR_SANITIZE=ON

build-asan: deps web-deps $(BUILD_ASAN)/build.ninja
	cmake --build $(BUILD_ASAN) -j $(JOBS)

run: build-server
	mkdir -p data
	$(BUILD)/conveyor serve --listen $(LISTEN) --store $(STORE)

# Every test once: under ASan+UBSan wherever the sanitizers can see (the unit, integration and
# end-to-end suites, on the sanitized `conveyor` binary), and on the release binary only where
# they cannot or it would be too slow to mean anything (RELEASE_LABELS: the browser tests, which
# test the pages, and the hostile-client flood). The sanitized run includes the fuzz harnesses,
# replaying their corpus and mutating it briefly (fuzz/replay_main.cc). Running the whole suite
# on both builds, and a third (clang, libFuzzer) build for 5 s of fuzzing per harness, took CI
# over an hour on 2 cores; `make test-release` and `make test-fuzz` still run those.
RELEASE_LABELS := e2e-slow|browser
test: deps build-server
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L '$(RELEASE_LABELS)'
	$(MAKE) test-sanitize

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

test-sanitize: build-asan
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -LE '$(RELEASE_LABELS)'

# Fuzzing: a clang build of our libraries with coverage, ASan and UBSan, and one harness per
# input parser (fuzz/). `make test` replays each corpus and fuzzes a few seconds per harness;
# `make fuzz` runs each for FUZZ_SECONDS and keeps what it finds in $(BUILD_FUZZ)/corpus.
$(BUILD_FUZZ)/build.ninja:
	cmake -S . -B $(BUILD_FUZZ) -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCONVEYOR_FUZZ=ON \
	  -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -gline-tables-only"

build-fuzz: deps-fuzz web-deps $(BUILD_FUZZ)/build.ninja
	cmake --build $(BUILD_FUZZ) --target fuzz_all -j $(JOBS)

# One harness at a time: each uses a whole core.
test-fuzz: build-fuzz
	cd $(BUILD_FUZZ) && ctest --output-on-failure -L fuzz

fuzz: build-fuzz
	@mkdir -p $(BUILD_FUZZ)/logs; for bin in $(BUILD_FUZZ)/fuzz/*_fuzzer; do \
	  name=$$(basename $$bin _fuzzer); log=$(BUILD_FUZZ)/logs/$$name.log; \
	  echo "== $$name: $(FUZZ_SECONDS) s, log in $$log"; \
	  if FUZZ_CORPUS=$(abspath $(BUILD_FUZZ))/corpus fuzz/run_fuzzer.sh $$bin $$name \
	      $(FUZZ_SECONDS) >$$log 2>&1; then grep -E '^#[0-9]+[[:space:]]+DONE' $$log || true; \
	  else tail -n 80 $$log; exit 1; fi; \
	done

# The chaos suite (tests/chaos/run_chaos.py, docs/operations.md "Chaos suite"): every fault,
# CHAOS_ROUNDS rounds each, on both stores, against the release binary. The clock step needs
# libfaketime (Debian `faketime`); the full disk needs root to mount a tmpfs.
.PHONY: chaos
CHAOS_PACKAGES := faketime
CHAOS_ROUNDS ?= 5
chaos: deps build-server
	@./scripts/install-deps.sh $(CHAOS_PACKAGES)
	CONVEYOR_BIN=$(abspath $(BUILD))/conveyor python3 tests/chaos/run_chaos.py \
	  --rounds $(CHAOS_ROUNDS) --store both

bench: build-server
	$(BUILD)/conveyor bench

# Rewrites the transcripts of docs/api.md with the answers of the binary already built in
# $(BUILD) (it builds nothing): scripts/api_transcripts.py says how the page is read.
docs-transcripts:
	python3 scripts/api_transcripts.py --bin $(BUILD)/conveyor --doc docs/api.md

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)

# A .deb of the release binary with its systemd unit and env file (CPack; Depends found by
# dpkg-shlibdeps, which needs `file`): $(BUILD)/packages/conveyor_<version>_amd64.deb.
# docs/operations.md, "Installing". The packaging.deb test of `make test` builds one too.
PACKAGE_PACKAGES := dpkg-dev file
DEBIAN_PACKAGES += $(PACKAGE_PACKAGES)
.PHONY: package
package: build-server
	@./scripts/install-deps.sh $(PACKAGE_PACKAGES)
	cd $(BUILD) && cpack --config CPackConfig.cmake

# The soak (issue 14; not in CI, nor in `make test`): `conveyor serve` under steady submit and
# process load for SOAK_MINUTES with retention on, sampled every 10 s; soak.csv and PNGs into
# docs/soak/ and a verdict (docs/operations.md, "Soak"). SOAK_STORE=postgres soaks a throwaway
# PostgreSQL; SOAK_ARGS passes more (--rate, --no-retention, ...). gnuplot-nox draws the plots
# (tests/soak/soak_plot.py says why not matplotlib).
SOAK_MINUTES ?= 30
SOAK_STORE ?= sqlite
SOAK_ARGS ?=
SOAK_PACKAGES := gnuplot-nox postgresql
.PHONY: soak
soak: build-server
	@./scripts/install-deps.sh $(SOAK_PACKAGES)
	/usr/bin/python3 tests/soak/soak.py --bin $(BUILD)/conveyor --store $(SOAK_STORE) \
	  --minutes $(SOAK_MINUTES) --out docs/soak $(SOAK_ARGS)

# Conveyor against graphile-worker, pg-boss and BullMQ in one run (issue 15; not in CI, nor in
# `make test`): bench/peers/run_peers.py prints a ratio table per workload; method and figures in
# docs/performance.md. The peers come from bench/peers/package-lock.json (Node 20, as web-deps:
# not installed here); PostgreSQL and Redis from Debian. PEERS_JOBS=2000 is a smoke run of about a
# minute; the default is the full run for a quiet machine. PEERS_ARGS passes more (--systems, ...).
PEERS_JOBS ?= 100000
PEERS_REPS ?= 2
PEERS_ARGS ?=
PEERS_PACKAGES := redis-server postgresql
PEERS_STAMP := bench/peers/node_modules/.package-lock.json
.PHONY: bench-peers
$(PEERS_STAMP): bench/peers/package-lock.json
	cd bench/peers && npm ci --no-audit --no-fund --ignore-scripts
	touch $(PEERS_STAMP)
bench-peers: build-server $(PEERS_STAMP)
	@./scripts/install-deps.sh $(PEERS_PACKAGES)
	python3 bench/peers/run_peers.py --jobs $(PEERS_JOBS) --reps $(PEERS_REPS) \
	  --bin $(abspath $(BUILD))/conveyor $(PEERS_ARGS)

# What one PostgreSQL spends per job as nodes are added (docs/scaling.md): CPU, WAL bytes,
# commits, connections, dead tuples, for a burn-down by 1, 2 and 3 nodes on a throwaway server.
CAPACITY_JOBS ?= 100000
CAPACITY_NODES ?= 1,2,3
.PHONY: bench-capacity
bench-capacity: build-server
	@./scripts/install-deps.sh postgresql
	python3 bench/peers/pg_capacity.py --bin $(abspath $(BUILD))/conveyor \
	  --jobs $(CAPACITY_JOBS) --nodes $(CAPACITY_NODES)
