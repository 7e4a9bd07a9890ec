# attune: `make demo` trains the demo experiment, `make test` runs the suite.
# Each installs the Debian packages it needs first (as root; skipped when present).

BUILD_DIR ?= build
JOBS ?= $(shell nproc)
EXPERIMENT ?= experiments/sst2_transformer.yaml

# Build and run: LibTorch 1.13 with the threaded OpenBLAS (Debian's default
# reference BLAS makes LibTorch's CPU matmuls ~35x slower), the config, CLI,
# JSON, Unicode and gzip libraries, SQLite and PostgreSQL clients (sweeps).
BUILD_PACKAGES := cmake make g++ pkg-config libtorch-dev libopenblas0-pthread libyaml-cpp-dev libfmt-dev \
                  libcli11-dev nlohmann-json3-dev libutf8proc-dev zlib1g-dev libsqlite3-dev libpqxx-dev libgloo-dev \
                  libprotobuf-dev protobuf-compiler
# Tests also compare against Python's PyTorch, scikit-learn and SciPy (metrics),
# pandas and Optuna (sweeps: results tables, samplers, pruners), and start a
# real PostgreSQL server.
TEST_PACKAGES := $(BUILD_PACKAGES) libgtest-dev python3-torch python3-sklearn python3-scipy python3-pandas python3-optuna postgresql \
                 clang-format git
BENCH_PACKAGES := $(BUILD_PACKAGES) python3-torch
# One format for the C++ (.clang-format); Debian 12's clang-format is version 14.
FORMAT_PACKAGES := clang-format git

.PHONY: all deps test-deps bench-deps format-deps configure test-configure build demo test bench clean test-asan fuzz asan-build \
        format format-check

all: build

deps:
	@scripts/install-deps.sh $(BUILD_PACKAGES)

test-deps:
	@scripts/install-deps.sh $(TEST_PACKAGES)

bench-deps:
	@scripts/install-deps.sh $(BENCH_PACKAGES)

format-deps:
	@scripts/install-deps.sh $(FORMAT_PACKAGES)

# `make format` rewrites the files that differ from .clang-format;
# `make format-check` (run by CI) lists them and fails.
format: format-deps
	scripts/format.sh

format-check: format-deps
	scripts/format.sh --check

# A first configure for the demo or the bench builds no tests (GoogleTest may
# not be installed yet); one that exists is kept as it is.
$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DATTUNE_BUILD_TESTS=OFF

configure: $(BUILD_DIR)/CMakeCache.txt

# `make test` configures every time, with the tests: whatever ran before it
# (a demo's configure without GoogleTest), the whole suite is built and run,
# and CMake stops if GoogleTest cannot be found.
test-configure:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DATTUNE_BUILD_TESTS=ON

# Each step after the packages it needs, also under `make -j`.
build: deps
	$(MAKE) configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target attune wsd_scheduler

demo: build
	$(BUILD_DIR)/attune train $(EXPERIMENT)

test: test-deps
	$(MAKE) test-configure
	cmake --build $(BUILD_DIR) -j $(JOBS)
	cd $(BUILD_DIR) && ctest --output-on-failure --no-tests=error -j $(JOBS)

bench: bench-deps
	$(MAKE) configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target attune bench_bert_load bench_train_dump bench_encoder_stack bench_data_prep bench_attention
	python3 bench/run.py $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)

# Sanitizers: a second build with clang, ASan + UBSan (and libFuzzer coverage).
ASAN_DIR ?= build-asan
FUZZ_SECONDS ?= 600
SANITIZER_PACKAGES := $(TEST_PACKAGES) clang libclang-rt-14-dev
# Leaks are checked too, but for two inside libpq and LibTorch (see the file).
ASAN_ENV := ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan-suppressions.txt:print_suppressions=0 \
            UBSAN_OPTIONS=print_stacktrace=1

asan-build:
	@scripts/install-deps.sh $(SANITIZER_PACKAGES)
	CC=clang CXX=clang++ cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATTUNE_SANITIZE=ON
	cmake --build $(ASAN_DIR) -j $(JOBS)

test-asan: asan-build
	cd $(ASAN_DIR) && $(ASAN_ENV) ctest --output-on-failure -j $(JOBS)

fuzz: asan-build
	JOBS=$(JOBS) scripts/fuzz.sh $(ASAN_DIR) $(FUZZ_SECONDS)
