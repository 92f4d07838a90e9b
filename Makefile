# newsmeta: the two commands are `make run` and `make test`.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
SEEDS ?= seeds
PORT ?= 50051

.PHONY: all setup build run test test-asan test-tsan bench clean

all: build

setup:
	@bash tools/setup.sh

$(BUILD_DIR)/CMakeCache.txt: | setup
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: setup $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Serves seeds/ on port 50051 in the foreground; Ctrl-C or SIGTERM stops it.
run: build
	exec $(BUILD_DIR)/server/newsmeta-server --seeds $(SEEDS) --port $(PORT)

# Every test: the normal suite, then the suite under AddressSanitizer + UBSan
# (make test-asan), then the concurrency tests under ThreadSanitizer (make
# test-tsan); any failure fails it. README, "Sanitizers", has what each runs
# and how long each took from a clean clone on 2 cores.
test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)
	$(MAKE) test-asan
	$(MAKE) test-tsan

# Sanitizer trees: -O1 with line tables only, so they build quicker than the
# RelWithDebInfo one and still give file:line in reports; asserts stay on.
ASAN_DIR ?= build-asan
TSAN_DIR ?= build-tsan
SANITIZER_CMAKE = -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1"
SUPPRESSIONS = $(CURDIR)/tests/sanitizers
# Debian's gRPC, protobuf and Abseil are not instrumented: ASan's container
# overflow checks need every writer of a std::vector instrumented, so they are
# off (they report vectors the libraries grew); leaks are checked at exit.
ASAN_ENV = ASAN_OPTIONS=detect_container_overflow=0:detect_leaks=1 \
  LSAN_OPTIONS=suppressions=$(SUPPRESSIONS)/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
TSAN_ENV = TSAN_OPTIONS=suppressions=$(SUPPRESSIONS)/tsan.supp:halt_on_error=1:second_deadlock_stack=1:history_size=4
# ASan runs everything that runs our C++ code (the npm-only checks are left
# out); TSan the domain tests that run threads over shared state: reload
# during queries and streams, the watcher and the reloader (README,
# "Sanitizers", says why the gRPC ones are not among them).
ASAN_EXCLUDE = ^(Polyglot\.BufLintAndBreaking|Deploy\..*)$$
TSAN_TESTS = ^(ConcurrencyTest|CatalogReloaderTest|SeedWatcherTest|FileBytesTest|IncrementalConcurrencyTest)\.

$(ASAN_DIR)/CMakeCache.txt: | setup
	cmake -S . -B $(ASAN_DIR) $(SANITIZER_CMAKE) -DNEWSMETA_SANITIZE=address,undefined

$(TSAN_DIR)/CMakeCache.txt: | setup
	cmake -S . -B $(TSAN_DIR) $(SANITIZER_CMAKE) -DNEWSMETA_SANITIZE=thread

test-asan: setup $(ASAN_DIR)/CMakeCache.txt
	cmake --build $(ASAN_DIR) -j $(JOBS)
	$(ASAN_ENV) ctest --test-dir $(ASAN_DIR) --output-on-failure -j $(JOBS) \
	  -E '$(ASAN_EXCLUDE)'

test-tsan: setup $(TSAN_DIR)/CMakeCache.txt
	cmake --build $(TSAN_DIR) -j $(JOBS) --target newsmeta_unit_tests
	$(TSAN_ENV) ctest --test-dir $(TSAN_DIR) --output-on-failure -j $(JOBS) \
	  -R '$(TSAN_TESTS)'

# Benchmarks: a Release build in build-bench/, then every part of bench/;
# prints the table of ratios (see README, "Performance").
bench: setup
	bash bench/run.sh

# Soak: the load test's 16 mixed clients, every answer checked, against the
# real server for SOAK_SECONDS (default 600) while the seeds are reloaded
# every 2 s; prints requests served, errors, reloads and peak RSS, and fails
# on any error or memory growth (see README, "Load and faults").
SOAK_SECONDS ?= 600
.PHONY: soak
soak: build
	NEWSMETA_SERVER=$(abspath $(BUILD_DIR))/server/newsmeta-server \
	NEWSMETA_CLIENT=$(abspath $(BUILD_DIR))/client/newsmeta-client \
	NEWSMETA_GEN_SEEDS=$(abspath $(BUILD_DIR))/tools/newsmeta-gen-seeds \
	NEWSMETA_SOURCE_DIR=$(CURDIR) NEWSMETA_BUILD_DIR=$(abspath $(BUILD_DIR)) \
	SOAK_SECONDS=$(SOAK_SECONDS) \
	  /usr/bin/python3 tests/load/load_test.py SoakTest

# libFuzzer targets: a clang build with ASan and UBSan in build-fuzz/, each
# target run for FUZZ_SECONDS (default 60); fails on a crash and says where
# the input is (see README, "Hostile input and fuzzing").
.PHONY: fuzz
fuzz: setup
	bash fuzz/run.sh

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR)
