# newsmeta: the two commands are `make run` and `make test`.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
SEEDS ?= seeds
PORT ?= 50051

.PHONY: all setup build run test bench clean

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

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

# Benchmarks: a Release build in build-bench/, then every part of bench/;
# prints the table of ratios (see README, "Performance").
bench: setup
	bash bench/run.sh

# libFuzzer targets: a clang build with ASan and UBSan in build-fuzz/, each
# target run for FUZZ_SECONDS (default 60); fails on a crash and says where
# the input is (see README, "Hostile input and fuzzing").
.PHONY: fuzz
fuzz: setup
	bash fuzz/run.sh

clean:
	rm -rf $(BUILD_DIR)
