# The README's two commands: `make run` and `make test`. Both install what is missing first.
SHELL := /bin/bash
BUILD ?= build
BUILD_ASAN ?= build-asan
JOBS ?= 2
LISTEN ?= 127.0.0.1:8000
STORE ?= sqlite:./data/conveyor.db

DEBIAN_PACKAGES := build-essential cmake ninja-build ccache pkg-config python3 \
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libsqlite3-dev libpq-dev \
  libcurl4-openssl-dev libssl-dev libspdlog-dev libfmt-dev libcli11-dev \
  libgtest-dev libgmock-dev libbenchmark-dev python3-aiosmtpd curl libre2-dev

# The tests start throwaway PostgreSQL servers (tests/pg_test_server.h, tests/e2e/pg_server.py).
DEBIAN_PACKAGES += postgresql
# libFuzzer harnesses (fuzz/README.md) build with clang and its runtime libraries.
DEBIAN_PACKAGES += clang libclang-rt-14-dev
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: deps build build-asan run test test-fast test-sanitize bench clean
.PHONY: build-fuzz test-fuzz fuzz

deps:
	@./scripts/install-deps.sh $(DEBIAN_PACKAGES)

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

$(BUILD_ASAN)/build.ninja:
	cmake -S . -B $(BUILD_ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCONVEYOR_SANITIZE=ON

build-asan: deps $(BUILD_ASAN)/build.ninja
	cmake --build $(BUILD_ASAN) -j $(JOBS)

run: build
	mkdir -p data
	$(BUILD)/conveyor serve --listen $(LISTEN) --store $(STORE)

# Every test on the release build, then the same suite under ASan+UBSan.
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) test-sanitize
	$(MAKE) test-fuzz

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

test-sanitize: build-asan
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -LE 'e2e-slow'

# Fuzzing: a clang build of our libraries with coverage, ASan and UBSan, and one harness per
# input parser (fuzz/). `make test` replays each corpus and fuzzes a few seconds per harness;
# `make fuzz` runs each for FUZZ_SECONDS and keeps what it finds in $(BUILD_FUZZ)/corpus.
$(BUILD_FUZZ)/build.ninja:
	cmake -S . -B $(BUILD_FUZZ) -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCONVEYOR_FUZZ=ON \
	  -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -gline-tables-only"

build-fuzz: deps $(BUILD_FUZZ)/build.ninja
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

bench: build
	$(BUILD)/conveyor bench

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
