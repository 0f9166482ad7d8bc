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

SRC_DIRS = src/core src/ether src/ipv4 src/udp src/stack
SRC	= $(foreach d,$(SRC_DIRS),$(wildcard $(d)/*.c))
NETIF_SRC = $(wildcard netif/*/*.c)
TOOL_SRC = $(wildcard tools/erg-*.c)
TOOLCOMMON_SRC = $(wildcard tools/common/*.c)
INTEROP_TESTS = $(sort $(wildcard tests/interop/test_*.sh))
UNIT_SRC = $(wildcard tests/unit/test_*.c)
SIM_SRC = $(wildcard tests/sim/sim_*.c)
FUZZ_SRC = $(wildcard fuzz/fuzz_*.c)
TESTLIB_SRC = $(wildcard tests/lib/*.c)

HOSTLIBS = -lpcap

# ---- release build -------------------------------------------------------

OBJ	= $(SRC:%.c=$(BUILD)/obj/%.o)
NETIF_OBJ = $(NETIF_SRC:%.c=$(BUILD)/obj/%.o)

.PHONY: all test freestanding fuzz coverage lint format bench demo clean \
	deps-test unit sim fuzz-replay
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
$(ABUILD)/tests.list: $(UNIT_BIN) $(SIM_BIN) $(FUZZ_BIN) FORCE
	@mkdir -p $(dir $@) && rm -f $@
	@for b in $(UNIT_BIN) $(SIM_BIN); do \
	    printf 'cmocka\t%s\t%s\n' "$$(basename $$b)" "$$b" >> $@; done
	@for b in $(FUZZ_BIN); do n=$$(basename $$b); t=$${n#fuzz_}; \
	    printf 'plain\t%s-replay\t%s fuzz/corpus/%s\n' "$$n" "$$b" "$$t" \
	    >> $@; done
	@for t in $(INTEROP_TESTS); do \
	    printf 'plain\t%s\tbash %s\n' "interop-$$(basename $$t .sh)" "$$t" \
	    >> $@; done
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

$(FBUILD)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	@printf '  CC      %s\n' $@
	$(Q)$(CC) -nostdinc -isystem $(GCC_INC) $(CPPFLAGS_COMMON) $(WARN) -Os \
	    -ffreestanding -fno-builtin -fno-stack-protector -c $< -o $@

freestanding: $(FOBJ)
	@bash scripts/freestanding-check.sh $(FOBJ)

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

$(BBUILD)/bench_%: bench/bench_%.c $(BUILD)/liberg-netif.a $(BUILD)/liberg.a
	@mkdir -p $(dir $@)
	@printf '  CC      %s\n' $@
	$(Q)$(CC) $(CPPFLAGS_COMMON) -Inetif $(HOSTWARN) -O2 -g $^ -o $@ $(HOSTLIBS)

bench: $(BENCH_BIN) $(FOBJ)
	@rm -f $(BUILD)/bench.jsonl
	@for b in $(BENCH_BIN); do taskset -c 1 $$b $(BUILD)/bench.jsonl || \
	    $$b $(BUILD)/bench.jsonl || exit 1; done
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

$(BUILD)/bin/erg-demo: examples/demo_loop.c $(BUILD)/liberg-netif.a \
    $(BUILD)/liberg.a
	@mkdir -p $(dir $@)
	@printf '  CC      %s\n' $@
	$(Q)$(CC) $(CPPFLAGS_COMMON) -Inetif $(HOSTWARN) $(OPT) $^ -o $@ \
	    $(HOSTLIBS)

all: $(BUILD)/bin/erg-demo

demo:
	@bash scripts/deps.sh build
	@$(MAKE) --no-print-directory all
	@bash scripts/demo.sh $(BUILD)

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
