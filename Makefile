# decran — top-level build.  `make` builds everything into build/bin/;
# `make test` installs missing Debian packages, builds and runs every test;
# `make run` installs, builds and starts the demo.  `SAN=1` builds with
# ASan+UBSan into build-san/ so the two never share objects.

SAN ?= 0
ifeq ($(SAN),1)
B := build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT := -O1 -g
else
B := build
SANFLAGS :=
OPT := -O2 -g
endif

CC ?= cc
# libmicrohttpd (and the GnuTLS stack it links) is linked into decran-web
# only: the gateway carries no HTTP.
PKGS := sqlite3 libmosquitto libmodbus libcjson libgpiod libical zlib libcrypto
MHD_CFLAGS = $(shell pkg-config --cflags libmicrohttpd 2>/dev/null)
MHD_LIBS = $(shell pkg-config --libs libmicrohttpd 2>/dev/null)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# hal_gpiod.c builds against the libgpiod major version installed (1.6 or 2.x).
GPIOD_MAJOR := $(shell pkg-config --modversion libgpiod 2>/dev/null | cut -d. -f1)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcrypt -lpthread -lm

# 64-bit time_t and file offsets even on 32-bit Pis (Y2038); hardening flags.
CFLAGS := -std=c11 -D_GNU_SOURCE -D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64 \
	$(OPT) -Wall -Wextra -Werror -Wshadow -Wvla -Wformat=2 \
	-fstack-protector-strong -fPIE -D_FORTIFY_SOURCE=2 \
	$(if $(GPIOD_MAJOR),-DDECRAN_GPIOD_MAJOR=$(GPIOD_MAJOR)) \
	-Ilib -Igateway -Idashboard/src -Ifirmware $(SANFLAGS) $(PKG_CFLAGS) $(MHD_CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS := -pie -Wl,-z,relro,-z,now -Wl,--as-needed $(SANFLAGS)

# lib/: shared pure core.  gateway/*.c: gateway adapters shared by the CLI and
# the daemon.  dashboard/src/*.c except decran-web's own wiring (webd.c,
# module and its links to the gateway.  firmware/*.c except main.c:
# relay-box internals.  Each becomes a static archive so unit tests link
# exactly the code the daemons run.
LIB_SRC := $(wildcard lib/*.c)
GW_SRC  := $(wildcard gateway/*.c)
WEBD_SRC := dashboard/src/webd.c
WEB_SRC := $(filter-out $(WEBD_SRC),$(wildcard dashboard/src/*.c))
FW_SRC  := $(filter-out firmware/main.c,$(wildcard firmware/*.c))
CLI_SRC := $(wildcard gateway/cli/*.c)
GWD_SRC := $(wildcard gateway/daemon/*.c)
TEST_SRC := $(wildcard tests/unit/test_*.c)
BENCH_SRC := $(wildcard bench/*.c)
HELPER_SRC := $(wildcard tests/helpers/*.c)

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))
LIBDECRAN := $(B)/lib/libdecran.a
LIBGW := $(B)/lib/libgw.a
LIBFW := $(B)/lib/libfw.a
LIBWEB := $(B)/lib/libweb.a
ARCHIVES := $(LIBFW) $(LIBWEB) $(LIBGW) $(LIBDECRAN)

BINS := $(B)/bin/decran
ifneq ($(GWD_SRC),)
BINS += $(B)/bin/decran-gateway
endif
ifneq ($(wildcard firmware/main.c),)
BINS += $(B)/bin/decran-relay
endif
BINS += $(B)/bin/decran-web
TESTS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(TEST_SRC))
BENCHES := $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRC))
# Test helper programs (e.g. web_host: the dashboard without the daemon).
HELPERS := $(patsubst tests/helpers/%.c,$(B)/tests/helpers/%,$(HELPER_SRC))

.PHONY: all deps test unit run bench clean
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
$(LIBWEB): $(call obj,$(WEB_SRC))
$(ARCHIVES):
	@mkdir -p $(dir $@)
	@rm -f $@
	@$(if $(Q),echo "  AR      $@")
	$(Q)$(AR) rcs $@ $^

$(B)/bin/decran: $(call obj,$(CLI_SRC)) $(ARCHIVES)
$(B)/bin/decran-gateway: $(call obj,$(GWD_SRC)) $(ARCHIVES)
$(B)/bin/decran-relay: $(call obj,firmware/main.c) $(ARCHIVES)
$(B)/bin/decran-web: $(call obj,$(WEBD_SRC)) $(ARCHIVES)
$(BINS):
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(ARCHIVES) $(PKG_LIBS) \
		$(if $(filter %/decran-web,$@),$(MHD_LIBS))

# The libgpiod 2.x path of hal_gpiod.c, against a mock of the 2.x API.
$(B)/obj/tests/unit/test_relay_gpiod2.o: CFLAGS += -Itests/mock/gpiod2

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(ARCHIVES)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(ARCHIVES) $(PKG_LIBS) -lcmocka

$(B)/tests/helpers/%: $(B)/obj/tests/helpers/%.o $(ARCHIVES)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(ARCHIVES) $(PKG_LIBS) $(MHD_LIBS)

$(B)/bench/%: $(B)/obj/bench/%.o $(ARCHIVES)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(ARCHIVES) $(PKG_LIBS)

# The deps check runs first, then the build, then tests/run.sh (unit tests,
# integration tests against a private broker, end-to-end tests).
test: deps
	@$(MAKE) --no-print-directory all
	@B=$(B) SAN=$(SAN) sh tests/run.sh

unit: all
	@B=$(B) SAN=$(SAN) ONLY=unit sh tests/run.sh

run: deps
	@$(MAKE) --no-print-directory all
	@B=$(B) SPEED=$(SPEED) sh tools/demo.sh

bench: all
	@B=$(B) sh bench/run.sh

clean:
	rm -rf build build-san

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
