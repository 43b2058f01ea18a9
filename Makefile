# The two commands of the README: `make run` and `make test`. Everything else here
# serves them. Builds go to build/release and build/asan.
JOBS      ?= $(shell nproc)
RELEASE   := build/release
ASAN      := build/asan
CMAKE_GEN := -G "Unix Makefiles" -DECHO_WERROR=ON
CTEST     := ctest --output-on-failure --timeout 300 -j $(JOBS)

.PHONY: run test deps build build-asan test-release test-asan install deb test-package clean

run: build
	$(RELEASE)/echo-server $(ARGS)

test: deps
	$(MAKE) test-release
	$(MAKE) test-asan
	$(MAKE) test-package

deps:
	@scripts/install-deps

build: deps
	cmake -S . -B $(RELEASE) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(RELEASE) -j $(JOBS)

build-asan: deps
	cmake -S . -B $(ASAN) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DECHO_SANITIZE=ON >/dev/null
	cmake --build $(ASAN) -j $(JOBS)

test-release: build
	cd $(RELEASE) && $(CTEST)

test-asan: build-asan
	cd $(ASAN) && $(CTEST)

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
