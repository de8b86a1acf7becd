# ipclab - build, run and test the kit. The README's two commands:
#   make run    set up, build, open ipclab
#   make test   set up, build (also under ASan+UBSan), run the whole test suite
# Other targets: all, grade LESSON=NN, asan, soak, setup, check-python,
# fuzz-replay, clean, install. Fuzzing for longer: scripts/fuzz (docs/fuzzing.md).

# One Python for the whole kit: Debian's, which sees python3-mpi4py and
# python3-sysv-ipc and runs for every user (a pyenv python on PATH does not).
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || command -v python3)
PREFIX ?= /usr/local
DESTDIR ?=
LESSON ?=
JOBS ?= 2

BUILD    := build
BIN      := $(BUILD)/bin
ASAN_BIN := $(BUILD)/asan/bin

CFLAGS   ?= -O2 -g
WARN     := -std=c11 -Wall -Wextra -Werror
CPPFLAGS += -D_GNU_SOURCE -Idemos/common
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer

COMMON_SRC := $(wildcard demos/common/*.c)
COMMON_HDR := $(wildcard demos/common/*.h)
DEMO_SRC   := $(wildcard demos/[0-9]*/*.c)
DEMO_NAMES := $(notdir $(DEMO_SRC:.c=))
vpath %.c $(sort $(dir $(DEMO_SRC)))

DEMOS      := $(addprefix $(BIN)/,$(DEMO_NAMES))
ASAN_DEMOS := $(addprefix $(ASAN_BIN)/,$(DEMO_NAMES))
# demos/common compiled once per build, not once per demo: make test
# builds every demo twice, and compiling the common files into each one
# was most of its build time.
OBJ        := $(BUILD)/obj
ASAN_OBJ   := $(BUILD)/asan/obj
COMMON_OBJ      := $(patsubst demos/common/%.c,$(OBJ)/common/%.o,$(COMMON_SRC))
ASAN_COMMON_OBJ := $(patsubst demos/common/%.c,$(ASAN_OBJ)/common/%.o,$(COMMON_SRC))

# ipclab itself: tui/*.c with Lua 5.4 and ncursesw from pkg-config.
TUI_SRC  := $(wildcard tui/*.c)
TUI_HDR  := $(wildcard tui/*.h)
TUI_PKGS := lua5.4 ncursesw
TUI_CPPFLAGS = -D_GNU_SOURCE -Itui $(shell pkg-config --cflags $(TUI_PKGS))
TUI_LIBS = $(shell pkg-config --libs $(TUI_PKGS))
# The screen cuts strings to fit on purpose: snprintf truncation is not a bug there.
TUI_WARN := $(WARN) -Wno-format-truncation
TUI_OBJ      := $(patsubst tui/%.c,$(OBJ)/tui/%.o,$(TUI_SRC))
ASAN_TUI_OBJ := $(patsubst tui/%.c,$(ASAN_OBJ)/tui/%.o,$(TUI_SRC))

# Fuzz targets (docs/fuzzing.md): tests/fuzz/fuzz_NAME.c, each an
# LLVMFuzzerTestOneInput. build/fuzz/NAME is it with libFuzzer (clang, for
# scripts/fuzz); build/fuzz/replay/NAME is it with tests/fuzz/replay.c as
# main and the sanitizers of the asan build (for make test: it feeds every
# file of tests/fuzz/corpus/NAME and tests/fuzz/regressions/NAME once).
# The trace, sigmask, sockdiag and unixdiag targets link ipclab's parsers; the others the demos'
# common code (some include a demo's own file: see tests/fuzz/fuzz.h).
FUZZ_CC     ?= clang
FUZZ_DIR    := tests/fuzz
FUZZ_NAMES  := $(patsubst $(FUZZ_DIR)/fuzz_%.c,%,$(wildcard $(FUZZ_DIR)/fuzz_*.c))
FUZZ_BIN    := $(BUILD)/fuzz
REPLAY_BIN  := $(BUILD)/fuzz/replay
FUZZ_TUI    := tui/traceline.c tui/text.c tui/sigmask.c tui/sockdiag.c tui/unixdiag.c
FUZZ_DEPS   := $(FUZZ_DIR)/fuzz.h $(FUZZ_DIR)/fuzzlib.c $(COMMON_SRC) $(COMMON_HDR) \
               $(DEMO_SRC) $(FUZZ_TUI) tui/ipclab.h tui/sockets.h tui/unixsocks.h
FUZZ_CPPFLAGS := $(CPPFLAGS) -Itui -I$(FUZZ_DIR)
fuzz_links   = $(FUZZ_DIR)/fuzzlib.c $(if $(filter trace sigmask sockdiag unixdiag,$(1)),$(FUZZ_TUI),$(COMMON_SRC))
# The replay build links the asan build's objects of the same files.
replay_links = $(FUZZ_DIR)/fuzzlib.c $(if $(filter trace sigmask sockdiag unixdiag,$(1)),$(patsubst tui/%.c,$(ASAN_OBJ)/tui/%.o,$(FUZZ_TUI)),$(ASAN_COMMON_OBJ))

export PYTHON
export IPCLAB_ROOT := $(CURDIR)

.PHONY: all asan run test grade soak setup setup-run setup-grade setup-test check-python clean install fuzz-replay fuzz-replay-build
.DELETE_ON_ERROR:
# Objects kept: without this make deletes those of demos/common (made by chaining) after each build.
.SECONDARY: $(COMMON_OBJ) $(ASAN_COMMON_OBJ)

all: $(DEMOS) $(BIN)/ipclab

asan: $(ASAN_DEMOS) $(ASAN_BIN)/ipclab

# ipclab: tui/*.c, one object each (so that make -j compiles them side by side).
$(BIN)/ipclab: $(TUI_OBJ) | $(BIN)
	$(CC) $(CFLAGS) -o $@ $(TUI_OBJ) $(LDFLAGS) $(TUI_LIBS)

$(ASAN_BIN)/ipclab: $(ASAN_TUI_OBJ) | $(ASAN_BIN)
	$(CC) $(SANFLAGS) -o $@ $(ASAN_TUI_OBJ) $(LDFLAGS) $(TUI_LIBS)

$(OBJ)/tui/%.o: tui/%.c $(TUI_HDR) | $(OBJ)/tui
	$(CC) $(TUI_WARN) $(CFLAGS) $(TUI_CPPFLAGS) -c -o $@ $<

$(ASAN_OBJ)/tui/%.o: tui/%.c $(TUI_HDR) | $(ASAN_OBJ)/tui
	$(CC) $(TUI_WARN) $(SANFLAGS) $(TUI_CPPFLAGS) -c -o $@ $<

# Each demo is one file linked with every object of demos/common (all of
# them, not an archive's pick: trace.c's constructor must run in every
# program, traced calls or not).
$(BIN)/%: %.c $(COMMON_OBJ) $(COMMON_HDR) | $(BIN)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -o $@ $< $(COMMON_OBJ) $(LDFLAGS)

$(ASAN_BIN)/%: %.c $(ASAN_COMMON_OBJ) $(COMMON_HDR) | $(ASAN_BIN)
	$(CC) $(WARN) $(SANFLAGS) $(CPPFLAGS) -o $@ $< $(ASAN_COMMON_OBJ) $(LDFLAGS)

$(OBJ)/common/%.o: demos/common/%.c $(COMMON_HDR) | $(OBJ)/common
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

$(ASAN_OBJ)/common/%.o: demos/common/%.c $(COMMON_HDR) | $(ASAN_OBJ)/common
	$(CC) $(WARN) $(SANFLAGS) $(CPPFLAGS) -c -o $@ $<

$(BIN) $(ASAN_BIN) $(FUZZ_BIN) $(REPLAY_BIN) $(OBJ)/tui $(ASAN_OBJ)/tui $(OBJ)/common $(ASAN_OBJ)/common:
	mkdir -p $@

$(FUZZ_BIN)/%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_DEPS) | $(FUZZ_BIN)
	$(FUZZ_CC) $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  $(FUZZ_CPPFLAGS) -o $@ $< $(call fuzz_links,$*)

$(REPLAY_BIN)/%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_DIR)/replay.c $(FUZZ_DEPS) $(ASAN_COMMON_OBJ) $(ASAN_TUI_OBJ) | $(REPLAY_BIN)
	$(CC) $(WARN) $(SANFLAGS) $(FUZZ_CPPFLAGS) -o $@ $< $(FUZZ_DIR)/replay.c $(call replay_links,$*)

fuzz-replay-build: $(addprefix $(REPLAY_BIN)/,$(FUZZ_NAMES))

# Every corpus and regression input through its target once, and a short
# fixed-seed pass of the Python parsers (seconds; tests/fuzz.bats does the
# same in make test).
fuzz-replay: fuzz-replay-build
	@set -e; for t in $(FUZZ_NAMES); do \
	  $(REPLAY_BIN)/$$t $(FUZZ_DIR)/corpus/$$t \
	    $$(test -d $(FUZZ_DIR)/regressions/$$t && echo $(FUZZ_DIR)/regressions/$$t); \
	done
	$(PYTHON) $(FUZZ_DIR)/fuzz_python.py --seed 1 --iterations 50000

# Set-up for one purpose: only the packages that command needs, named
# with what they are for (scripts/setup). `make setup` installs them all.
setup:
	@scripts/setup all
setup-run setup-grade setup-test:
	@scripts/setup $(@:setup-%=%)

check-python:
	@scripts/check-python

# On a terminal: ipclab's lesson menu. Without one (a pipe, CI): the tour
# of every lesson in plain text (ipclab tour). make run LESSON=01 SCENARIO=empty-pipe
# opens that scenario (headless without a terminal). On screen, a failed
# check or a process killed with k is the user's business: make says
# nothing of it (ipclab's status 1).
run: setup-run all check-python
	@if [ -n "$(SCENARIO)" ] && [ -t 0 ] && [ -t 1 ]; then \
	  $(BIN)/ipclab run "$(or $(LESSON),01)/$(SCENARIO)"; s=$$?; [ $$s -le 1 ]; \
	elif [ -n "$(SCENARIO)" ]; then $(BIN)/ipclab run "$(or $(LESSON),01)/$(SCENARIO)" --headless; \
	elif [ -t 0 ] && [ -t 1 ]; then $(BIN)/ipclab; else $(BIN)/ipclab tour $(LESSON); fi

# The suite in two passes, each test once: the tests whose compiled code
# meets hostile input or is ipclab's own engine, screen and signal handling
# (tagged "asan": docs/conventions.md) on the sanitizer build, every other
# test on the normal build (which plays every scenario, grades every
# exercise and runs every demo). Set-up first, then everything is built
# $(JOBS) at a time.
# $(JOBS) test files side by side, each file's tests one after the other:
# bats 1.8 runs a file's own tests side by side through a semaphore that
# polls with "sleep 1", idle up to a second a test (a third of make test).
# The longest files of each pass first, so that the two workers end together.
LONG_TESTS := tests/grading.bats tests/exercises.bats tests/scenarios.bats tests/ipclab-screen.bats
TESTS      := $(LONG_TESTS) $(filter-out $(LONG_TESTS),$(sort $(wildcard tests/*.bats)))
ASAN_LONG_TESTS := tests/ipclab-engine.bats tests/ipclab-screen.bats tests/soak.bats \
                   tests/05-unix-sockets.bats tests/08-shared-memory.bats
ASAN_TESTS := $(ASAN_LONG_TESTS) $(filter-out $(ASAN_LONG_TESTS),\
                $(sort $(shell grep -l '^\# bats test_tags=.*asan' tests/*.bats)))
BATS_RUN    = bats --jobs $(JOBS) --no-parallelize-within-files
test: setup-test
	$(MAKE) --no-print-directory -j$(JOBS) all asan fuzz-replay-build
	@$(MAKE) --no-print-directory check-python
	IPCLAB_BIN=$(BIN) $(BATS_RUN) --timing --filter-tags '!asan' $(TESTS)
	IPCLAB_BIN=$(ASAN_BIN) $(BATS_RUN) --timing --filter-tags asan $(ASAN_TESTS)

# An exercise that fails is the learner's business, not make's: the
# grading said so, and make adds no "Error 1" (status 0). Grading that
# could not run (status 2: a bad LESSON, no bats) is make's error.
# scripts/grade itself exits 1 when an exercise fails, for scripts and CI.
grade: setup-grade all check-python
	@scripts/grade $(LESSON); s=$$?; [ $$s -le 1 ]

# Scenarios played over and over with random kills (docs/reliability.md):
# make soak RUNS=1000 SEED=1130, or LESSON=08 for one lesson's, JOBS=2 for fewer side by side.
RUNS ?= 100
soak: setup-grade all check-python
	$(PYTHON) scripts/soak --runs $(RUNS) $(if $(SEED),--seed $(SEED)) $(if $(LESSON),--lesson $(LESSON)) $(if $(JOBS),--jobs $(JOBS))

clean:
	rm -rf $(BUILD)

# ipclab and the demos side by side in libexec (ipclab finds the demos in
# its own folder), the lessons and peers in share (found relative to the binary).
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/ipclab \
	  $(DESTDIR)$(PREFIX)/share/ipclab $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(DEMOS) $(BIN)/ipclab $(DESTDIR)$(PREFIX)/libexec/ipclab/
	ln -sf ../libexec/ipclab/ipclab $(DESTDIR)$(PREFIX)/bin/ipclab
	cp -R python_peers lessons slides docs $(DESTDIR)$(PREFIX)/share/ipclab/
	# A pristine copy: ipclab reset takes skeletons from it (no git here).
	install -d $(DESTDIR)$(PREFIX)/share/ipclab/.pristine
	cp -R lessons $(DESTDIR)$(PREFIX)/share/ipclab/.pristine/
	install -m 644 tui/ipclab.1 $(DESTDIR)$(PREFIX)/share/man/man1/ipclab.1
