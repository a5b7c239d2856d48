# The two commands of the README: `make demo` runs the product, `make test` runs every test.
# Both install what is missing first (scripts/setup.sh) and are safe to run again.

BUILD      ?= build
ASAN_BUILD ?= build-asan
INSTALL_BUILD ?= build-install
PREFIX     ?= /usr/local
PYTHON     := .venv/bin/python
CMAKE_GEN  := cmake -G Ninja -Wno-dev

.PHONY: setup build build-asan demo test test-unit test-asan test-python install clean

setup:
	@scripts/setup.sh

$(BUILD)/build.ninja: CMakeLists.txt | setup
	@$(CMAKE_GEN) -S . -B $(BUILD) >/dev/null

build: setup $(BUILD)/build.ninja
	@ninja -C $(BUILD) --quiet

$(ASAN_BUILD)/build.ninja: CMakeLists.txt | setup
	@$(CMAKE_GEN) -S . -B $(ASAN_BUILD) -DVS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null

build-asan: setup $(ASAN_BUILD)/build.ninja
	@ninja -C $(ASAN_BUILD) --quiet

demo: build
	@scripts/demo.sh $(BUILD)/voice-sidecar

test-unit: build
	@cd $(BUILD) && ctest --output-on-failure --timeout 300

test-asan: build-asan
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure --timeout 600

test-python: build
	@VS_DAEMON=$(abspath $(BUILD))/voice-sidecar $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration worker/tests clients/python/tests

test: test-unit test-python test-asan

# make install [PREFIX=/usr] [DESTDIR=/tmp/pkg]: a build of the daemon whose bundled worker runs in
# $(PREFIX)/lib/voice-sidecar/venv, put in place by CMake's install rules (the layout is listed in
# CMakeLists.txt). Its own build directory: the development build keeps using .venv.
install: setup
	@$(CMAKE_GEN) -S . -B $(INSTALL_BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) \
	    -DVS_VENV_PYTHON=$(PREFIX)/lib/voice-sidecar/venv/bin/python >/dev/null
	@ninja -C $(INSTALL_BUILD) --quiet voice-sidecar
	@DESTDIR=$(if $(DESTDIR),$(abspath $(DESTDIR))) cmake --install $(INSTALL_BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(INSTALL_BUILD)
