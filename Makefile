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

# ---- Toolchain and flags ---------------------------------------------------
# The environment's (or a distribution's) CC, AR, PKG_CONFIG, CPPFLAGS, CFLAGS
# and LDFLAGS are respected: the project's own flags come first and theirs are
# added after, so `make CFLAGS=-O3` changes the optimisation and keeps the
# warnings and the 64-bit time.  A cross build names its tools:
#   make CC=aarch64-linux-gnu-gcc AR=aarch64-linux-gnu-ar \
#        PKG_CONFIG=aarch64-linux-gnu-pkg-config
PKG_CONFIG ?= pkg-config
CPPFLAGS ?=
CFLAGS ?=
LDFLAGS ?=

# Installed layout (FHS).  The binaries are told these paths at build time
# (lib/paths.h); nothing of the build tree is compiled in.
PREFIX ?= /usr
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DOCDIR ?= $(DATADIR)/doc/decran
SYSCONFDIR ?= /etc
LOCALSTATEDIR ?= /var
RUNSTATEDIR ?= /run
UNITDIR ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
TMPFILESDIR ?= /usr/lib/tmpfiles.d
UDEVRULESDIR ?= /lib/udev/rules.d
DESTDIR ?=
PATH_DEFS := -DDECRAN_SYSCONFDIR='"$(SYSCONFDIR)/decran"' \
	-DDECRAN_RELAY_SYSCONFDIR='"$(SYSCONFDIR)/decran-relay"' \
	-DDECRAN_STATEDIR='"$(LOCALSTATEDIR)/lib/decran"' \
	-DDECRAN_RELAY_STATEDIR='"$(LOCALSTATEDIR)/lib/decran-relay"' \
	-DDECRAN_DATADIR='"$(DATADIR)/decran"' -DDECRAN_RUNDIR='"$(RUNSTATEDIR)/decran"'

# Libraries by pkg-config module.  The relay box's firmware needs only
# RELAY_PKGS; the gateway, the CLI and the tests need all of PKGS.
# libmicrohttpd (and the GnuTLS stack it links) is linked into decran-web
# only: the gateway carries no HTTP.  No libsystemd: lib/sdnotify.c speaks
# the notify protocol (its libraries would cost the relay box 1.5 MB).
RELAY_PKGS := libmosquitto libssl libcrypto libmodbus libcjson libgpiod
PKGS := sqlite3 $(RELAY_PKGS) libical zlib libcrypt libmicrohttpd libqrencode cmocka
# The Debian package that provides each module, named when one is missing.
DEB_sqlite3 := libsqlite3-dev
DEB_libmosquitto := libmosquitto-dev
DEB_libmodbus := libmodbus-dev
DEB_libcjson := libcjson-dev
DEB_libgpiod := libgpiod-dev
DEB_libical := libical-dev
DEB_zlib := zlib1g-dev
DEB_libcrypto := libssl-dev
DEB_libssl := libssl-dev
DEB_libcrypt := libcrypt-dev
DEB_libmicrohttpd := libmicrohttpd-dev
DEB_libqrencode := libqrencode-dev
DEB_cmocka := libcmocka-dev
# `make relay` narrows the set to the firmware's (BUILD_SET, target-specific).
BUILD_SET = all
BUILD_PKGS_all := $(PKGS)
BUILD_PKGS_relay := $(RELAY_PKGS)
PKG_CFLAGS_all := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_CFLAGS_relay := $(shell $(PKG_CONFIG) --cflags $(RELAY_PKGS) 2>/dev/null)
PKG_LIBS_all := $(shell $(PKG_CONFIG) --libs $(filter-out libmicrohttpd cmocka,$(PKGS)) 2>/dev/null)
PKG_LIBS_relay := $(shell $(PKG_CONFIG) --libs $(RELAY_PKGS) 2>/dev/null)
PKG_CFLAGS = $(PKG_CFLAGS_$(BUILD_SET))
PKG_LIBS = $(PKG_LIBS_$(BUILD_SET)) -lpthread -lm
MHD_LIBS := $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null)
# hal_gpiod.c builds against the libgpiod major version installed (1.6 or 2.x).
GPIOD_MAJOR := $(shell $(PKG_CONFIG) --modversion libgpiod 2>/dev/null | cut -d. -f1)

# 64-bit time_t and file offsets even on 32-bit Pis (Y2038); hardening flags;
# no build-tree path in the binaries or their debug data (file-prefix-map)
# (_FORTIFY_SOURCE only when the environment does not choose its level).
DC_CPPFLAGS := -D_GNU_SOURCE -D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64 \
	$(if $(findstring _FORTIFY_SOURCE,$(CPPFLAGS) $(CFLAGS)),,-D_FORTIFY_SOURCE=2) \
	$(if $(GPIOD_MAJOR),-DDECRAN_GPIOD_MAJOR=$(GPIOD_MAJOR)) \
	-Ilib -Igateway -Igateway/config -Igateway/drivers -Igateway/store \
	-Idashboard/src -Ifirmware $(PATH_DEFS)
DC_CFLAGS := -std=c11 $(OPT) -Wall -Wextra -Werror -Wshadow -Wvla -Wformat=2 \
	-fstack-protector-strong -fPIE -ffile-prefix-map=$(CURDIR)=. $(SANFLAGS)
ALL_CFLAGS = $(DC_CPPFLAGS) $(CPPFLAGS) $(DC_CFLAGS) $(CFLAGS) $(EXTRA_CFLAGS) $(PKG_CFLAGS)
ALL_LDFLAGS = -pie -Wl,-z,relro,-z,now -Wl,--as-needed $(SANFLAGS) $(LDFLAGS)

# lib/: shared pure core.  gateway/{config,drivers,store}/*.c and gateway/*.c:
# the gateway's modules shared by the CLI, the daemon and decran-web.
# dashboard/src/*.c except decran-web's own wiring (webd.c): the dashboard
# module and its links to the gateway.  firmware/*.c except main.c:
# relay-box internals.  Each becomes a static archive so unit tests link
# exactly the code the daemons run.
LIB_SRC := $(wildcard lib/*.c)
GW_SRC  := $(wildcard gateway/*.c gateway/config/*.c gateway/drivers/*.c gateway/store/*.c)
WEBD_SRC := dashboard/src/webd.c
WEB_SRC := $(filter-out $(WEBD_SRC),$(wildcard dashboard/src/*.c))
FW_SRC  := $(filter-out firmware/main.c,$(wildcard firmware/*.c))
# What of lib/ the firmware may carry: not the calendars (libical).
RELAY_LIB_SRC := $(filter-out lib/calendar_ics.c,$(LIB_SRC))
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
LIBWEB := $(B)/lib/libweb.a
ARCHIVES := $(LIBFW) $(LIBWEB) $(LIBGW) $(LIBDECRAN)
LIBRELAYCORE := $(B)/lib/librelaycore.a
RELAY_ARCHIVES := $(LIBFW) $(LIBRELAYCORE)

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
FUZZERS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))

.PHONY: all bins relay check-libs deps test unit run bench clean install fuzz fuzzers
.SECONDARY:
all: $(BINS) $(TESTS) $(BENCHES) $(HELPERS)

# The programs alone (what the Debian packages ship).
bins: $(BINS)

# The firmware alone, with only its libraries (a relay box's build).
relay: BUILD_SET = relay
relay: $(B)/bin/decran-relay

deps:
	@sh tools/deps.sh

# Every pkg-config module the build needs, with the Debian package of each
# one missing; run before the first compilation.
rparen := )
check-libs:
	@missing=""; for m in $(BUILD_PKGS_$(BUILD_SET)); do \
		$(PKG_CONFIG) --exists $$m 2>/dev/null || missing="$$missing $$m"; done; \
	[ -z "$$missing" ] || { for m in $$missing; do \
		case $$m in $(foreach m,$(PKGS),$(m)$(rparen) deb=$(DEB_$(m));;) esac; \
		echo "missing library: pkg-config module $$m ($(PKG_CONFIG)); Debian package $$deb" >&2; \
		done; echo "install them (make deps, or apt-get install ...), then retry" >&2; exit 1; }

# Quiet by default ("CC file"); V=1 shows whole command lines.
Q := $(if $(filter 1,$(V)),,@)

# A build for other install paths (PREFIX=/usr/local...) recompiles: the
# paths are in the objects.
PATHS_STAMP := $(B)/paths.stamp
ifneq ($(file <$(PATHS_STAMP)),$(PATH_DEFS))
$(shell mkdir -p $(B))
$(file >$(PATHS_STAMP),$(PATH_DEFS))
endif

$(B)/obj/%.o: %.c $(PATHS_STAMP) | check-libs
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIBDECRAN): $(call obj,$(LIB_SRC))
$(LIBGW): $(call obj,$(GW_SRC))
$(LIBFW): $(call obj,$(FW_SRC))
$(LIBWEB): $(call obj,$(WEB_SRC))
$(LIBRELAYCORE): $(call obj,$(RELAY_LIB_SRC))
$(ARCHIVES) $(LIBRELAYCORE):
	@mkdir -p $(dir $@)
	@rm -f $@
	@$(if $(Q),echo "  AR      $@")
	$(Q)$(AR) rcs $@ $^

$(B)/bin/decran: $(call obj,$(CLI_SRC)) $(ARCHIVES)
$(B)/bin/decran-gateway: $(call obj,$(GWD_SRC)) $(ARCHIVES)
$(B)/bin/decran-web: $(call obj,$(WEBD_SRC)) $(ARCHIVES)
$(filter-out %/decran-relay,$(BINS)):
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(ARCHIVES) $(PKG_LIBS) \
		$(if $(filter %/decran-web,$@),$(MHD_LIBS))
# The firmware links only its own libraries, whatever else is installed.
$(B)/bin/decran-relay: $(call obj,firmware/main.c) $(RELAY_ARCHIVES)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(RELAY_ARCHIVES) $(PKG_LIBS_relay)

# The libgpiod 2.x path of hal_gpiod.c, against a mock of the 2.x API.
$(B)/obj/tests/unit/test_relay_gpiod2.o: CFLAGS += -Itests/mock/gpiod2

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(ARCHIVES)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(ARCHIVES) $(PKG_LIBS) -lcmocka

$(B)/tests/helpers/%: $(B)/obj/tests/helpers/%.o $(ARCHIVES)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(ARCHIVES) $(PKG_LIBS) $(MHD_LIBS)

$(B)/bench/%: $(B)/obj/bench/%.o $(ARCHIVES)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(ARCHIVES) $(PKG_LIBS)

# libFuzzer targets: tests/fuzz/fuzz_X.c links the archives built with
# FUZZ=1 (build-fuzz/).  The web target also takes dashboard/src/web_params.c's
# includes (libmicrohttpd's header).
$(B)/fuzz/%: $(B)/obj/tests/fuzz/%.o $(ARCHIVES)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $< $(ARCHIVES) $(PKG_LIBS)

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
# target replaying its corpus, the Debian packages installed and run in a
# fresh Debian 12 root: tools/package-test.sh).
test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory fuzzers
	@B=$(B) SAN=$(SAN) sh tests/run.sh

unit: all
	@B=$(B) SAN=$(SAN) ONLY=unit sh tests/run.sh

# The demo needs no test tool (no Chromium, no Node): only these sets.
run:
	@sh tools/deps.sh relay build run
	@$(MAKE) --no-print-directory all
	@B=$(B) SPEED=$(SPEED) sh tools/demo.sh

bench: all
	@B=$(B) sh bench/run.sh

clean:
	rm -rf build build-san build-fuzz

# ---- Install (FHS) -------------------------------------------------------------
# `make install DESTDIR=... PREFIX=/usr`: every program with its unit, system
# users, directories, example configuration, data and docs (docs/install.md).
# install-relay is the relay box's share alone (after `make relay`).
INSTALL ?= install
I_DIR := $(INSTALL) -d -m 0755
I_BIN := $(INSTALL) -m 0755
I_DATA := $(INSTALL) -m 0644
D := $(DESTDIR)
.PHONY: install-gateway install-relay install-web

install: install-gateway install-relay install-web

install-gateway: $(B)/bin/decran $(B)/bin/decran-gateway
	$(I_DIR) $(D)$(BINDIR) $(D)$(SYSCONFDIR)/decran $(D)$(SYSCONFDIR)/mosquitto/conf.d \
		$(D)$(DATADIR)/decran/profiles \
		$(D)$(DOCDIR)/examples $(D)$(MANDIR)/man1 $(D)$(MANDIR)/man8 $(D)$(UNITDIR) \
		$(D)$(SYSUSERSDIR) $(D)$(TMPFILESDIR)
	$(I_BIN) $(B)/bin/decran $(B)/bin/decran-gateway $(D)$(BINDIR)/
	$(I_DATA) dist/gateway.json dist/rules.json $(D)$(SYSCONFDIR)/decran/
	$(I_DATA) dist/mosquitto-decran.conf $(D)$(SYSCONFDIR)/mosquitto/conf.d/decran.conf
	$(I_DATA) gateway/profiles/*.json $(D)$(DATADIR)/decran/profiles/
	$(I_DATA) README.md docs/*.md $(D)$(DOCDIR)/
	$(I_DATA) gateway/energy.example.json $(filter-out %/web.json,$(wildcard gateway/demo/*)) \
		$(D)$(DOCDIR)/examples/
	$(I_DATA) dist/man/decran.1 $(D)$(MANDIR)/man1/
	$(I_DATA) dist/man/decran-gateway.8 $(D)$(MANDIR)/man8/
	$(I_DATA) dist/decran-gateway.service $(D)$(UNITDIR)/
	$(I_DATA) dist/sysusers-decran.conf $(D)$(SYSUSERSDIR)/decran.conf
	$(I_DATA) dist/tmpfiles-decran.conf $(D)$(TMPFILESDIR)/decran.conf

# The dashboard's process and its assets (the gateway serves no page).
install-web: $(B)/bin/decran-web
	$(I_DIR) $(D)$(BINDIR) $(D)$(SYSCONFDIR)/decran $(D)$(DATADIR)/decran/dashboard \
		$(D)$(UNITDIR) $(D)$(SYSUSERSDIR) $(D)$(TMPFILESDIR) $(D)$(MANDIR)/man8 \
		$(D)$(DATADIR)/doc/decran-web/examples
	$(I_BIN) $(B)/bin/decran-web $(D)$(BINDIR)/
	$(I_DATA) dist/web.json $(D)$(SYSCONFDIR)/decran/
	$(I_DATA) $(wildcard dashboard/*.html dashboard/*.css dashboard/*.js) \
		$(D)$(DATADIR)/decran/dashboard/
	$(I_DATA) dist/decran-web.service $(D)$(UNITDIR)/
	$(I_DATA) dist/sysusers-decran-web.conf $(D)$(SYSUSERSDIR)/decran-web.conf
	$(I_DATA) dist/tmpfiles-decran-web.conf $(D)$(TMPFILESDIR)/decran-web.conf
	$(I_DATA) dist/man/decran-web.8 $(D)$(MANDIR)/man8/
	$(I_DATA) gateway/demo/web.json $(D)$(DATADIR)/doc/decran-web/examples/

install-relay: $(B)/bin/decran-relay
	$(I_DIR) $(D)$(BINDIR) $(D)$(SYSCONFDIR)/decran-relay $(D)$(UNITDIR) $(D)$(SYSUSERSDIR) \
		$(D)$(TMPFILESDIR) $(D)$(UDEVRULESDIR) $(D)$(MANDIR)/man8 \
		$(D)$(DATADIR)/doc/decran-relay
	$(I_BIN) $(B)/bin/decran-relay $(D)$(BINDIR)/
	$(I_DATA) firmware/decran-relay.json.example \
		$(D)$(SYSCONFDIR)/decran-relay/decran-relay.json
	$(I_DATA) dist/decran-relay.service $(D)$(UNITDIR)/
	$(I_DATA) dist/sysusers-decran-relay.conf $(D)$(SYSUSERSDIR)/decran-relay.conf
	$(I_DATA) dist/tmpfiles-decran-relay.conf $(D)$(TMPFILESDIR)/decran-relay.conf
	$(I_DATA) dist/60-decran-relay-gpio.rules $(D)$(UDEVRULESDIR)/
	$(I_DATA) dist/man/decran-relay.8 $(D)$(MANDIR)/man8/
	$(I_DATA) firmware/README.md docs/protocol.md $(D)$(DATADIR)/doc/decran-relay/

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

# ---- Debian packages -------------------------------------------------------
# `make deb`: decran-gateway, decran-web and decran-relay built by the Debian
# toolchain (dpkg-buildpackage -b) from a copy of the tree in $(B)/deb, so
# nothing lands beside the source; then lintian, which must report no error.
# `make package-test` installs them into a fresh Debian 12 root and runs
# them there (tools/package-test.sh, docs/install.md); make test runs it too
# (tests/run.sh, suite "package").
DEBS_DIR := $(B)/deb
.PHONY: deb package-test
deb:
	@sh tools/deps.sh package
	rm -rf $(DEBS_DIR) && mkdir -p $(DEBS_DIR)/src
	tar --exclude=./build --exclude=./build-san --exclude=./.git --exclude=./run \
		--exclude=node_modules --exclude=__pycache__ -cf - . | tar -C $(DEBS_DIR)/src -xf -
	cd $(DEBS_DIR)/src && dpkg-buildpackage -b -us -uc $(if $(DEB_JOBS),-j$(DEB_JOBS))
	lintian --fail-on error --suppress-tags-from-file debian/lintian-suppressed \
		$(DEBS_DIR)/*.changes

package-test:
	@sh tools/deps.sh package package-test
	@B=$(B) ONLY=package sh tests/run.sh

# Cross builds for the Pi (arm64, armhf) in Debian roots of their own, unit
# tests under qemu-user (tools/cross-test.sh, docs/install.md).
.PHONY: cross-test
cross-test:
	@sh tools/deps.sh cross
	@B=$(B) sh tools/cross-test.sh
