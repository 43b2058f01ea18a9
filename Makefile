# The two commands of the README: `make run` and `make test`. Everything else here
# serves them. Builds go to build/release and build/asan.
JOBS      ?= $(shell nproc)
RELEASE   := build/release
ASAN      := build/asan
FUZZ      := build/fuzz
CMAKE_GEN := -G "Unix Makefiles" -DECHO_WERROR=ON
CTEST     := ctest --output-on-failure --timeout 300 -j $(JOBS)

.PHONY: run test deps build build-asan test-release test-asan install deb test-package clean \
        build-fuzz fuzz test-fuzz

run: build
	$(RELEASE)/echo-server $(ARGS)

test: deps
	$(MAKE) test-release
	$(MAKE) test-asan
	$(MAKE) test-package
	$(MAKE) test-fuzz

deps:
	@scripts/install-deps

build: deps
	cmake -S . -B $(RELEASE) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(RELEASE) -j $(JOBS)

# clang, where the release build has GCC: two compilers' warnings, a sanitized build
# in about half GCC's time, and libFuzzer, so the short fuzz run of `make test` uses
# this build's parsers instead of compiling them a third time.
ASAN_GEN := -DCMAKE_BUILD_TYPE=Debug -DECHO_SANITIZE=ON -DECHO_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-14
build-asan: deps
	cmake -S . -B $(ASAN) $(CMAKE_GEN) $(ASAN_GEN) >/dev/null
	cmake --build $(ASAN) -j $(JOBS)
	cmake --build $(ASAN) --target fuzzers -j $(JOBS)

test-release: build
	rm -f $(RELEASE)/skipped-tests.log
	cd $(RELEASE) && $(CTEST)
	@tests/report-skips $(RELEASE)

test-asan: build-asan
	rm -f $(ASAN)/skipped-tests.log
	cd $(ASAN) && $(CTEST)
	@tests/report-skips $(ASAN)

# libFuzzer targets (fuzz/): clang with ASan and UBSan, in their own build directory.
# -O1 with line tables, as OSS-Fuzz builds: reports keep file:line, and the build takes
# a good part less than -O2 -g, which the short run in `make test` cannot win back.
FUZZ_OPT := -O1 -gline-tables-only -DNDEBUG
build-fuzz: deps
	cmake -S . -B $(FUZZ) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$(FUZZ_OPT)" \
	      -DCMAKE_CXX_COMPILER=clang++-14 -DECHO_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
	cmake --build $(FUZZ) --target fuzzers -j $(JOBS)

# Each target for FUZZ_SECONDS on its seeds; what it learns is kept in build/fuzz/work
# and read again by the next `make fuzz`.
FUZZ_SECONDS ?= 60
fuzz: build-fuzz
	fuzz/run-all $(FUZZ) $(FUZZ)/work -max_total_time=$(FUZZ_SECONDS)

# The short run `make test` does: 5 s each from the committed seeds alone, so it
# takes the same time on every run; any finding fails it. The sanitized test build's
# fuzzers (unoptimised, so fewer runs than `make fuzz`), one per core.
test-fuzz: build-asan
	rm -rf $(ASAN)/short-run
	FUZZ_JOBS=$(JOBS) fuzz/run-all $(ASAN) $(ASAN)/short-run -max_total_time=5

# Into /usr/local by default; PREFIX=/opt/echo or DESTDIR=... as usual.
PREFIX ?= /usr/local
install: build
	cmake --install $(RELEASE) --prefix $(PREFIX)

# The release build packaged under /usr (CPack); the unit is written for that prefix.
deb: build
	cd $(RELEASE) && cpack -G DEB

test-package: deb
	tests/package/check-deb $(RELEASE)

clean:
	rm -rf build
