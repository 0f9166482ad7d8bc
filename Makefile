# erg: the one build entry point. GNU make.
#
#   make               build/liberg.a, build/liberg-netif.a, tools, examples
#   make test          everything that proves erg works (TESTING.md), with
#                      AddressSanitizer + UndefinedBehaviorSanitizer
#   make freestanding  src/ built -ffreestanding; symbols checked
#   make fuzz          AFL++ campaign: make fuzz TARGET=ipv4 SECONDS=600
#   make coverage      line coverage of src/ reached by the tests
#   make lint | format | bench | demo | clean

CC	?= cc
ifeq ($(origin CC),default)
CC	= gcc
endif
AR	?= ar
BUILD	?= build
# make V=1 shows every command.
V	?= 0
Q	:= $(if $(filter 1,$(V)),,@)

WARN	= -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	  -Wmissing-prototypes -Wpointer-arith -Wvla
CPPFLAGS_COMMON = -Iinclude
OPT	?= -O2 -g
CFLAGS_SRC = $(WARN) $(OPT) -ffreestanding -fno-builtin-printf
HOSTWARN = -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE
SAN	= -fsanitize=address,undefined -fno-sanitize-recover=all \
	  -fno-omit-frame-pointer

SRC_DIRS = src/core src/ether src/ipv4 src/udp src/tcp src/tls src/dns src/dhcp src/stack
SRC	= $(foreach d,$(SRC_DIRS),$(wildcard $(d)/*.c))
NETIF_SRC = $(wildcard netif/*/*.c)
TOOL_SRC = $(wildcard tools/erg-*.c)
TOOLCOMMON_SRC = $(wildcard tools/common/*.c)
INTEROP_TESTS = $(sort $(wildcard tests/interop/test_*.sh))
UNIT_SRC = $(wildcard tests/unit/test_*.c)
SIM_SRC = $(wildcard tests/sim/sim_*.c)
FUZZ_SRC = $(wildcard fuzz/fuzz_*.c)
TESTLIB_SRC = $(wildcard tests/lib/*.c)

# BearSSL: src/tls (liberg) calls it; libpcap: the pcap drivers.
HOSTLIBS = -lbearssl -lpcap

# ---- release build -------------------------------------------------------

OBJ	= $(SRC:%.c=$(BUILD)/obj/%.o)
NETIF_OBJ = $(NETIF_SRC:%.c=$(BUILD)/obj/%.o)

.PHONY: all test freestanding fuzz coverage lint format bench demo clean \
	deps-test unit sim fuzz-replay install uninstall
all: $(BUILD)/liberg.a $(BUILD)/liberg-netif.a

$(BUILD)/obj/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	@printf '  CC      %s\n' $@
	$(Q)$(CC) $(CPPFLAGS_COMMON) $(CFLAGS_SRC) -MMD -MP -c $< -o $@

$(BUILD)/obj/netif/%.o: netif/%.c
	@mkdir -p $(dir $@)
	@printf '  CC      %s\n' $@
	$(Q)$(CC) $(CPPFLAGS_COMMON) -Inetif $(HOSTWARN) $(OPT) -MMD -MP -c $< -o $@

$(BUILD)/liberg.a: $(OBJ)
	@mkdir -p $(dir $@)
	@printf '  AR      %s\n' $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/liberg-netif.a: $(NETIF_OBJ)
	@mkdir -p $(dir $@)
	@printf '  AR      %s\n' $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# ---- sanitizer build for tests -------------------------------------------

ABUILD	= $(BUILD)/asan
AOBJ	= $(SRC:%.c=$(ABUILD)/%.o)
ANETIF_OBJ = $(NETIF_SRC:%.c=$(ABUILD)/%.o)
ATESTLIB_OBJ = $(TESTLIB_SRC:%.c=$(ABUILD)/%.o)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(ABUILD)/bin/%)
SIM_BIN	= $(SIM_SRC:tests/sim/%.c=$(ABUILD)/bin/%)
FUZZ_BIN = $(FUZZ_SRC:fuzz/%.c=$(ABUILD)/bin/%)
ACFLAGS	= $(WARN) -O1 -g $(SAN) $(COVFLAGS)

$(ABUILD)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	@printf '  CC      %s\n' $@
	$(Q)$(CC) $(CPPFLAGS_COMMON) $(ACFLAGS) -MMD -MP -c $< -o $@

$(ABUILD)/netif/%.o: netif/%.c
	@mkdir -p $(dir $@)
	@printf '  CC      %s\n' $@
	$(Q)$(CC) $(CPPFLAGS_COMMON) -Inetif $(HOSTWARN) -O1 -g $(SAN) -MMD -MP -c $< -o $@

$(ABUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	@printf '  CC      %s\n' $@
	$(Q)$(CC) $(CPPFLAGS_COMMON) -Inetif -Itests -Itests/vectors $(HOSTWARN) \
	    -O1 -g $(SAN) -MMD -MP -c $< -o $@

$(ABUILD)/fuzz/%.o: fuzz/%.c
	@mkdir -p $(dir $@)
	@printf '  CC      %s\n' $@
	$(Q)$(CC) $(CPPFLAGS_COMMON) -Inetif -Ifuzz $(HOSTWARN) -O1 -g $(SAN) \
	    -MMD -MP -c $< -o $@

$(ABUILD)/liberg.a: $(AOBJ)
	@printf '  AR      %s\n' $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(ABUILD)/liberg-netif.a: $(ANETIF_OBJ)
	@mkdir -p $(dir $@)
	@printf '  AR      %s\n' $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

ALIBS	= $(ABUILD)/liberg-netif.a $(ABUILD)/liberg.a

$(ABUILD)/bin/test_%: $(ABUILD)/tests/unit/test_%.o $(ATESTLIB_OBJ) $(ALIBS)
	@mkdir -p $(dir $@)
	@printf '  CC      %s\n' $@
	$(Q)$(CC) $(SAN) $(COVFLAGS) $^ -o $@ -lcmocka $(HOSTLIBS)

$(ABUILD)/bin/sim_%: $(ABUILD)/tests/sim/sim_%.o $(ATESTLIB_OBJ) $(ALIBS)
	@mkdir -p $(dir $@)
	@printf '  CC      %s\n' $@
	$(Q)$(CC) $(SAN) $(COVFLAGS) $^ -o $@ -lcmocka $(HOSTLIBS)

$(ABUILD)/bin/fuzz_%: $(ABUILD)/fuzz/fuzz_%.o $(ABUILD)/fuzz/replay_main.o \
    $(ALIBS)
	@mkdir -p $(dir $@)
	@printf '  CC      %s\n' $@
	$(Q)$(CC) $(SAN) $(COVFLAGS) $^ -o $@ $(HOSTLIBS)

# The list tests/run.sh reads: kind, name, command.
# The tools with the sanitizers, for the interop tests.
ATOOL_BIN = $(TOOL_SRC:tools/%.c=$(ABUILD)/bin/%)
ATOOLCOMMON_OBJ = $(TOOLCOMMON_SRC:%.c=$(ABUILD)/%.o)

$(ABUILD)/tools/%.o: tools/%.c
	@mkdir -p $(dir $@)
	@printf '  CC      %s\n' $@
	$(Q)$(CC) $(CPPFLAGS_COMMON) -Inetif -Itools $(HOSTWARN) -O1 -g $(SAN) \
	    -MMD -MP -c $< -o $@

$(ABUILD)/bin/erg-%: $(ABUILD)/tools/erg-%.o $(ATOOLCOMMON_OBJ) $(ALIBS)
	@mkdir -p $(dir $@)
	@printf '  LD      %s\n' $@
	$(Q)$(CC) $(SAN) $(COVFLAGS) $^ -o $@ $(HOSTLIBS)

$(ABUILD)/tests.list: $(UNIT_BIN) $(SIM_BIN) $(FUZZ_BIN) $(ATOOL_BIN) FORCE
	@mkdir -p $(dir $@) && rm -f $@
	@for b in $(UNIT_BIN) $(SIM_BIN); do \
	    printf 'cmocka\t%s\t%s\n' "$$(basename $$b)" "$$b" >> $@; done
	@for b in $(FUZZ_BIN); do n=$$(basename $$b); t=$${n#fuzz_}; \
	    printf 'plain\t%s-replay\t%s fuzz/corpus/%s\n' "$$n" "$$b" "$$t" \
	    >> $@; done
	@for t in $(INTEROP_TESTS); do \
	    printf 'plain\t%s\tERG_BUILD=$(BUILD) ERG_TOOLS_BIN=$(ABUILD)/bin bash %s\n' \
	    "interop-$$(basename $$t .sh)" "$$t" \
	    >> $@; done
	@printf 'plain\tinstall\tbash tests/install/test_install.sh\n' >> $@
	@printf 'plain\tfreestanding\t$(MAKE) --no-print-directory freestanding\n' >> $@

FORCE:

test:
	@bash scripts/deps.sh test
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory $(ABUILD)/tests.list
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    bash tests/run.sh $(ABUILD)/tests.list

# ---- freestanding check ----------------------------------------------------

FBUILD	= $(BUILD)/freestanding
FOBJ	= $(SRC:%.c=$(FBUILD)/%.o)
GCC_INC	:= $(shell $(CC) -print-file-name=include)
# BearSSL's headers, seen without the rest of /usr/include: links to
# them, plus a <string.h> that declares only the four mem functions
# (bearssl_hash.h includes it; nothing else from it is used).
BEARSSL_INC ?= /usr/include
FINC	= $(FBUILD)/include

$(FINC)/bearssl.h:
	@mkdir -p $(FINC)
	$(Q)ln -sf $(BEARSSL_INC)/bearssl.h $(FINC)/bearssl.h
	$(Q)ln -sfn $(BEARSSL_INC)/bearssl $(FINC)/bearssl
	$(Q)printf '%s\n' '/* freestanding stand-in: the mem functions only */' \
	    '#include "$(CURDIR)/src/core/core_mem.h"' > $(FINC)/string.h

$(FBUILD)/src/%.o: src/%.c | $(FINC)/bearssl.h
	@mkdir -p $(dir $@)
	@printf '  CC      %s\n' $@
	$(Q)$(CC) -nostdinc -isystem $(GCC_INC) -isystem $(FINC) \
	    $(CPPFLAGS_COMMON) $(WARN) -Os \
	    -ffreestanding -fno-builtin -fno-stack-protector -MMD -MP -c $< -o $@

freestanding: $(FOBJ)
	@bash scripts/freestanding-check.sh --allow-for '*/tls/*' '^br_' \
	    $(FOBJ)

# ---- fuzzing -----------------------------------------------------------------
# scripts/fuzz.sh builds the AFL++ harness (fuzz/fuzz_TARGET.c with
# fuzz/afl_main.c and src/, by afl-clang-fast) and runs the campaign.

TARGET	?= stack
SECONDS	?= 600

fuzz:
	@bash scripts/deps.sh fuzz
	@bash scripts/fuzz.sh $(TARGET) $(SECONDS)

# ---- benchmarks (BENCH.md) --------------------------------------------------

BBUILD	= $(BUILD)/bench
BENCH_SRC = $(wildcard bench/bench_*.c)
BENCH_BIN = $(BENCH_SRC:bench/%.c=$(BBUILD)/%)

# Each bench/bench_NAME.c is one program (bench/bench_util.h: what they
# share), built at -O2 against the -O2 libraries, run pinned to CPU 1
# (BENCH.md: single-threaded workloads on a noisy machine), falling back to
# unpinned only where taskset cannot run at all.
$(BBUILD)/bench_%: bench/bench_%.c bench/bench_util.h \
    tests/vectors/tls/tls_vectors.h $(BUILD)/liberg-netif.a \
    $(BUILD)/liberg.a
	@mkdir -p $(dir $@)
	@printf '  CC      %s\n' $@
	$(Q)$(CC) $(CPPFLAGS_COMMON) -Inetif $(HOSTWARN) -O2 -g \
	    $(filter-out %.h,$^) -o $@ $(HOSTLIBS)

bench: $(BENCH_BIN) $(FOBJ)
	@rm -f $(BUILD)/bench.jsonl
	@pin='taskset -c 1'; $$pin true 2>/dev/null || pin=; \
	for b in $(BENCH_BIN); do $$pin $$b $(BUILD)/bench.jsonl || exit 1; done
	@bash bench/code_size.sh $(BUILD)/bench.jsonl $(FOBJ)
	@{ echo '['; sed '$$!s/$$/,/' $(BUILD)/bench.jsonl; echo ']'; } \
	    > $(BUILD)/bench.json && rm -f $(BUILD)/bench.jsonl
	@echo "bench: figures written to $(BUILD)/bench.json"

# ---- tools (build/bin/erg-*) ------------------------------------------------

TOOL_BIN = $(TOOL_SRC:tools/%.c=$(BUILD)/bin/%)
TOOLCOMMON_OBJ = $(TOOLCOMMON_SRC:%.c=$(BUILD)/obj/%.o)

$(BUILD)/obj/tools/%.o: tools/%.c
	@mkdir -p $(dir $@)
	@printf '  CC      %s\n' $@
	$(Q)$(CC) $(CPPFLAGS_COMMON) -Inetif -Itools $(HOSTWARN) $(OPT) -MMD -MP \
	    -c $< -o $@

$(BUILD)/bin/erg-%: $(BUILD)/obj/tools/erg-%.o $(TOOLCOMMON_OBJ) \
    $(BUILD)/liberg-netif.a $(BUILD)/liberg.a
	@mkdir -p $(dir $@)
	@printf '  LD      %s\n' $@
	$(Q)$(CC) $^ -o $@ $(HOSTLIBS)

all: $(TOOL_BIN)

# ---- demo and examples --------------------------------------------------------

$(BUILD)/bin/erg-demo: examples/demo_loop.c tests/vectors/tls/tls_vectors.h \
    $(BUILD)/liberg-netif.a $(BUILD)/liberg.a
	@mkdir -p $(dir $@)
	@printf '  CC      %s\n' $@
	$(Q)$(CC) $(CPPFLAGS_COMMON) -Inetif $(HOSTWARN) $(OPT) \
	    $(filter-out %.h,$^) -o $@ \
	    $(HOSTLIBS)

all: $(BUILD)/bin/erg-demo

demo:
	@bash scripts/deps.sh demo
	@$(MAKE) --no-print-directory all
	@bash scripts/demo.sh $(BUILD)

# ---- install -----------------------------------------------------------------
# make install PREFIX=/usr/local DESTDIR=/tmp/stage (and make uninstall)
#
#   $(LIBDIR)        liberg.a (the freestanding core), liberg-netif.a (the
#                    Unix drivers), and both as shared libraries for hosted
#                    programs: liberg.so.$(ERG_VERSION) with soname
#                    liberg.so.$(ERG_SOMAJOR), and liberg-netif.so.* (which
#                    needs liberg.so and libpcap)
#   $(INCLUDEDIR)/erg/             the public headers, include/erg/*.h
#   $(INCLUDEDIR)/erg/netif/NAME/  the driver headers, netif/NAME/erg_*.h
#   $(PKGCONFIGDIR)  erg.pc and erg-netif.pc (from pkgconfig/*.pc.in)
#
# erg-netif.pc adds -I$(INCLUDEDIR)/erg/netif, so that a program includes a
# driver exactly as in this tree (-Inetif): #include "loop/erg_loop.h".
#
# The shared libraries are built from their own -fPIC objects under
# $(BUILD)/pic and export exactly the functions (and objects) that the
# installed headers name; everything else stays internal (a version script,
# $(BUILD)/pic/*.map), and linked with -z defs (no unresolved symbol).
# tests/install/test_install.sh checks both, and that liberg.so needs
# nothing but libc's mem* functions (liberg-netif.so: libc, libpcap and
# liberg.so). `make all` builds the shared libraries too.

ERG_VERSION = 0.1.0
ERG_SOMAJOR = $(firstword $(subst ., ,$(ERG_VERSION)))
PREFIX	?= /usr/local
LIBDIR	?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
INSTALL	?= install
NM	?= nm

PBUILD	= $(BUILD)/pic
POBJ	= $(SRC:%.c=$(PBUILD)/%.o)
PNETIF_OBJ = $(NETIF_SRC:%.c=$(PBUILD)/%.o)
PUB_HDR	= $(wildcard include/erg/*.h)
NETIF_HDR = $(wildcard netif/*/erg_*.h)
SHLIB	= $(BUILD)/liberg.so.$(ERG_VERSION)
SHLIB_NETIF = $(BUILD)/liberg-netif.so.$(ERG_VERSION)

$(PBUILD)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	@printf '  CC      %s\n' $@
	$(Q)$(CC) $(CPPFLAGS_COMMON) $(CFLAGS_SRC) -fPIC -MMD -MP -c $< -o $@

$(PBUILD)/netif/%.o: netif/%.c
	@mkdir -p $(dir $@)
	@printf '  CC      %s\n' $@
	$(Q)$(CC) $(CPPFLAGS_COMMON) -Inetif $(HOSTWARN) $(OPT) -fPIC -MMD -MP \
	    -c $< -o $@

# $(call erg_export_map,HEADERS,OBJECTS): writes $@, a version script that
# exports every global symbol of OBJECTS whose name appears in HEADERS
# (preprocessed, so names in comments do not count) and hides the rest.
define erg_export_map
@mkdir -p $(dir $@)
@printf '  MAP     %s\n' $@
$(Q)for h in $(1); do \
    $(CC) $(CPPFLAGS_COMMON) -Inetif -E -P -x c $$h || exit 1; \
done > $@.i
$(Q)grep -oE '\<erg_[A-Za-z0-9_]+' $@.i | sort -u > $@.names
$(Q){ echo '{'; echo '  global:'; \
    $(NM) -g --defined-only $(2) | awk 'NF == 3 { print $$3 }' | \
    sort -u | comm -12 - $@.names | sed 's/.*/    &;/'; \
    echo '  local: *;'; echo '};'; } > $@.tmp
$(Q)rm -f $@.i $@.names && mv $@.tmp $@
endef

$(PBUILD)/liberg.map: $(POBJ) $(PUB_HDR)
	$(call erg_export_map,$(PUB_HDR),$(POBJ))

$(PBUILD)/liberg-netif.map: $(PNETIF_OBJ) $(NETIF_HDR)
	$(call erg_export_map,$(NETIF_HDR),$(PNETIF_OBJ))

$(SHLIB): $(POBJ) $(PBUILD)/liberg.map
	@printf '  LD      %s\n' $@
	$(Q)$(CC) -shared -Wl,-soname,liberg.so.$(ERG_SOMAJOR) \
	    -Wl,--version-script,$(PBUILD)/liberg.map -Wl,-z,defs $(LDFLAGS) \
	    $(POBJ) -lbearssl -o $@
	$(Q)ln -sf $(notdir $@) $(BUILD)/liberg.so.$(ERG_SOMAJOR)
	$(Q)ln -sf $(notdir $@) $(BUILD)/liberg.so

$(SHLIB_NETIF): $(PNETIF_OBJ) $(PBUILD)/liberg-netif.map $(SHLIB)
	@printf '  LD      %s\n' $@
	$(Q)$(CC) -shared -Wl,-soname,liberg-netif.so.$(ERG_SOMAJOR) \
	    -Wl,--version-script,$(PBUILD)/liberg-netif.map -Wl,-z,defs \
	    $(LDFLAGS) $(PNETIF_OBJ) $(SHLIB) $(HOSTLIBS) -o $@
	$(Q)ln -sf $(notdir $@) $(BUILD)/liberg-netif.so.$(ERG_SOMAJOR)
	$(Q)ln -sf $(notdir $@) $(BUILD)/liberg-netif.so

all: $(SHLIB) $(SHLIB_NETIF)

# pkgconfig/NAME.pc.in -> $(BUILD)/pkgconfig/NAME.pc, made afresh by every
# install (PREFIX and the directories may differ from the last one).
# Directories under PREFIX are written relative to ${prefix}.
ERG_PC_SED = -e 's|@prefix@|$(PREFIX)|g' \
	-e 's|@libdir@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|g' \
	-e 's|@includedir@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|g' \
	-e 's|@version@|$(ERG_VERSION)|g'

install: $(BUILD)/liberg.a $(BUILD)/liberg-netif.a $(SHLIB) $(SHLIB_NETIF)
	@mkdir -p $(BUILD)/pkgconfig
	$(Q)for pc in erg erg-netif; do \
	    sed $(ERG_PC_SED) pkgconfig/$$pc.pc.in > $(BUILD)/pkgconfig/$$pc.pc \
	    || exit 1; done
	@printf '  INSTALL %s\n' '$(DESTDIR)$(LIBDIR)'
	$(Q)$(INSTALL) -d '$(DESTDIR)$(LIBDIR)' '$(DESTDIR)$(PKGCONFIGDIR)'
	$(Q)$(INSTALL) -m 644 $(BUILD)/liberg.a $(BUILD)/liberg-netif.a \
	    $(SHLIB) $(SHLIB_NETIF) '$(DESTDIR)$(LIBDIR)/'
	$(Q)for l in liberg liberg-netif; do \
	    ln -sf $$l.so.$(ERG_VERSION) \
	        '$(DESTDIR)$(LIBDIR)'/$$l.so.$(ERG_SOMAJOR) && \
	    ln -sf $$l.so.$(ERG_VERSION) '$(DESTDIR)$(LIBDIR)'/$$l.so || \
	    exit 1; done
	@printf '  INSTALL %s\n' '$(DESTDIR)$(INCLUDEDIR)/erg'
	$(Q)$(INSTALL) -d '$(DESTDIR)$(INCLUDEDIR)/erg'
	$(Q)$(INSTALL) -m 644 $(PUB_HDR) '$(DESTDIR)$(INCLUDEDIR)/erg/'
	$(Q)for h in $(NETIF_HDR); do \
	    d='$(DESTDIR)$(INCLUDEDIR)'/erg/$${h%/*}; \
	    $(INSTALL) -d "$$d" && $(INSTALL) -m 644 $$h "$$d/" || exit 1; \
	done
	@printf '  INSTALL %s\n' '$(DESTDIR)$(PKGCONFIGDIR)'
	$(Q)$(INSTALL) -m 644 $(BUILD)/pkgconfig/erg.pc \
	    $(BUILD)/pkgconfig/erg-netif.pc '$(DESTDIR)$(PKGCONFIGDIR)/'

# Removes what install put there: every header under $(INCLUDEDIR)/erg
# (erg's own directory), whatever drivers the installed copy had.
uninstall:
	@printf '  RM      %s\n' '$(DESTDIR)$(PREFIX)'
	$(Q)for l in liberg liberg-netif; do \
	    rm -f '$(DESTDIR)$(LIBDIR)'/$$l.a '$(DESTDIR)$(LIBDIR)'/$$l.so \
	        '$(DESTDIR)$(LIBDIR)'/$$l.so.$(ERG_SOMAJOR) \
	        '$(DESTDIR)$(LIBDIR)'/$$l.so.$(ERG_VERSION) || exit 1; done
	$(Q)rm -f '$(DESTDIR)$(PKGCONFIGDIR)/erg.pc' \
	    '$(DESTDIR)$(PKGCONFIGDIR)/erg-netif.pc'
	$(Q)rm -f '$(DESTDIR)$(INCLUDEDIR)'/erg/*.h \
	    '$(DESTDIR)$(INCLUDEDIR)'/erg/netif/*/erg_*.h
	$(Q)for d in '$(DESTDIR)$(INCLUDEDIR)'/erg/netif/*/ \
	    '$(DESTDIR)$(INCLUDEDIR)/erg/netif' '$(DESTDIR)$(INCLUDEDIR)/erg'; do \
	    if [ -d "$$d" ]; then rmdir "$$d" 2>/dev/null || true; fi; done

# ---- end of install ----------------------------------------------------------

# ---- coverage ----------------------------------------------------------------

coverage:
	@bash scripts/deps.sh coverage
	@$(MAKE) --no-print-directory BUILD=build/cov COVFLAGS=--coverage test
	@gcovr --root . --filter 'src/' --object-directory build/cov/asan \
	    --print-summary build/cov/asan | tail -n 40

# ---- style -------------------------------------------------------------------

# Every C file of the project except generated test vectors.
FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null | \
	grep -v '^tests/vectors/')

lint:
	@bash scripts/deps.sh lint
	clang-tidy --quiet $(SRC) $(NETIF_SRC) -- $(CPPFLAGS_COMMON) -Inetif \
	    -std=c11 -D_GNU_SOURCE
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --inline-suppr $(CPPFLAGS_COMMON) -Inetif src netif
	clang-format --dry-run --Werror --style=file $(FORMAT_FILES)

format:
	@bash scripts/deps.sh lint
	clang-format -i --style=file $(FORMAT_FILES)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
