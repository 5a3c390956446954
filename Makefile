# decran — top-level build.  `make` builds everything into build/bin/;
# `make test` installs missing Debian packages, builds and runs every test;
# `make run` installs, builds and starts the demo.  `SAN=1` builds with
# ASan+UBSan into build-san/ so the two never share objects.

SAN ?= 0
FUZZ ?= 0
ifeq ($(FUZZ),1)
# libFuzzer targets (tests/fuzz/): clang, every object instrumented for
# coverage, ASan and UBSan; only the targets' own objects link libFuzzer.
B := build-fuzz
CC := clang
# (clang also flags vsnprintf(fmt) inside printf-like helpers, which GCC's
# -Wformat=2 leaves to their callers: that one warning stays off here.)
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Wno-format-nonliteral
OPT := -O1 -g
else ifeq ($(SAN),1)
B := build-san
# float-cast-overflow: not in GCC's "undefined" group, and a double from the
# network turned into an integer is exactly what a decoder must not get wrong.
SANFLAGS := -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
OPT := -O1 -g
else
B := build
SANFLAGS :=
OPT := -O2 -g
endif

CC ?= cc
# libmicrohttpd: headers only; gateway/mhd_load.c loads the library when the
# dashboard starts (it links GnuTLS: megabytes a gateway without dashboard
# should not carry).
PKGS := sqlite3 libmosquitto libmodbus libcjson libgpiod libical libsystemd zlib libcrypto
MHD_CFLAGS = $(shell pkg-config --cflags libmicrohttpd 2>/dev/null)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcrypt -lpthread -lm -ldl

# 64-bit time_t and file offsets even on 32-bit Pis (Y2038); hardening flags.
CFLAGS := -std=c11 -D_GNU_SOURCE -D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64 \
	$(OPT) -Wall -Wextra -Werror -Wshadow -Wvla -Wformat=2 \
	-fstack-protector-strong -fPIE -D_FORTIFY_SOURCE=2 \
	-Ilib -Igateway -Ifirmware $(SANFLAGS) $(PKG_CFLAGS) $(MHD_CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS := -pie -Wl,-z,relro,-z,now -Wl,--as-needed $(SANFLAGS)

# lib/: shared pure core.  gateway/*.c: gateway adapters shared by the CLI and
# the daemon.  firmware/*.c except main.c: relay-box internals.  Each becomes
# a static archive so unit tests link exactly the code the daemons run.
LIB_SRC := $(wildcard lib/*.c)
GW_SRC  := $(wildcard gateway/*.c)
FW_SRC  := $(filter-out firmware/main.c,$(wildcard firmware/*.c))
CLI_SRC := $(wildcard gateway/cli/*.c)
GWD_SRC := $(wildcard gateway/daemon/*.c)
TEST_SRC := $(wildcard tests/unit/test_*.c)
BENCH_SRC := $(wildcard bench/*.c)
HELPER_SRC := $(wildcard tests/helpers/*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))
LIBDECRAN := $(B)/lib/libdecran.a
LIBGW := $(B)/lib/libgw.a
LIBFW := $(B)/lib/libfw.a
ARCHIVES := $(LIBFW) $(LIBGW) $(LIBDECRAN)

BINS := $(B)/bin/decran
ifneq ($(GWD_SRC),)
BINS += $(B)/bin/decran-gateway
endif
ifneq ($(wildcard firmware/main.c),)
BINS += $(B)/bin/decran-relay
endif
TESTS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(TEST_SRC))
BENCHES := $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRC))
# Test helper programs (e.g. web_host: the dashboard without the daemon).
HELPERS := $(patsubst tests/helpers/%.c,$(B)/tests/helpers/%,$(HELPER_SRC))
FUZZERS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))

.PHONY: all deps test unit run bench clean fuzz fuzzers
.SECONDARY:
all: $(BINS) $(TESTS) $(BENCHES) $(HELPERS)

deps:
	@sh tools/deps.sh

# Quiet by default ("CC file"); V=1 shows whole command lines.
Q := $(if $(filter 1,$(V)),,@)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIBDECRAN): $(call obj,$(LIB_SRC))
$(LIBGW): $(call obj,$(GW_SRC))
$(LIBFW): $(call obj,$(FW_SRC))
$(ARCHIVES):
	@mkdir -p $(dir $@)
	@rm -f $@
	@$(if $(Q),echo "  AR      $@")
	$(Q)$(AR) rcs $@ $^

$(B)/bin/decran: $(call obj,$(CLI_SRC)) $(ARCHIVES)
$(B)/bin/decran-gateway: $(call obj,$(GWD_SRC)) $(ARCHIVES)
$(B)/bin/decran-relay: $(call obj,firmware/main.c) $(ARCHIVES)
$(BINS):
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(ARCHIVES) $(PKG_LIBS)

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(ARCHIVES)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(ARCHIVES) $(PKG_LIBS) -lcmocka

$(B)/tests/helpers/%: $(B)/obj/tests/helpers/%.o $(ARCHIVES)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(ARCHIVES) $(PKG_LIBS)

$(B)/bench/%: $(B)/obj/bench/%.o $(ARCHIVES)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(ARCHIVES) $(PKG_LIBS)

# libFuzzer targets: tests/fuzz/fuzz_X.c links the archives built with
# FUZZ=1 (build-fuzz/).  The web target also takes gateway/web_params.c's
# includes (libmicrohttpd's header).
$(B)/fuzz/%: $(B)/obj/tests/fuzz/%.o $(ARCHIVES)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $< $(ARCHIVES) $(PKG_LIBS)

fuzzers:
	@$(MAKE) --no-print-directory FUZZ=1 build-fuzz/fuzzers.stamp

build-fuzz/fuzzers.stamp: $(FUZZERS)
	@touch $@

# make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="csv rules"]: fuzz each target in
# turn for that long, growing its corpus in build-fuzz/corpus/ (the seeds in
# tests/fuzz/corpus/ stay as committed).  Crashes land in build-fuzz/crashes/.
fuzz: fuzzers
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGETS="$(FUZZ_TARGETS)" sh tests/fuzz/run.sh fuzz

# The deps check runs first, then the build, then tests/run.sh (unit tests,
# integration tests against a private broker, end-to-end tests, every fuzz
# target replaying its corpus).
test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory fuzzers
	@B=$(B) SAN=$(SAN) sh tests/run.sh

unit: all
	@B=$(B) SAN=$(SAN) ONLY=unit sh tests/run.sh

run: deps
	@$(MAKE) --no-print-directory all
	@B=$(B) SPEED=$(SPEED) sh tools/demo.sh

bench: all
	@B=$(B) sh bench/run.sh

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
