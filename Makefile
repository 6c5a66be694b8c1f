# gridcase build. `make` builds every daemon and gridctl into $(BUILD)/bin.
# `make check` runs every test (plain build, then an ASan/UBSan build of the same tests).
# `make demo` runs a scripted demo day; `make up` / `make down` start and stop the local stack.

CC      ?= gcc
BUILD   ?= build
SAN     ?=
PKGS    := libzmq libprotobuf-c libpq jansson libmicrohttpd libcrypto
CFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -g -O2 \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -I$(BUILD)/gen -Icommon $(SAN)
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
LDFLAGS := $(SAN)

PROTOS   := $(wildcard proto/*.proto)
GEN_C    := $(patsubst proto/%.proto,$(BUILD)/gen/%.pb-c.c,$(PROTOS))
GEN_H    := $(GEN_C:.c=.h)
COMMON_C := $(wildcard common/*.c)
LIB_OBJ  := $(patsubst %.c,$(BUILD)/obj/%.o,$(COMMON_C)) $(GEN_C:.c=.o)
LIB      := $(BUILD)/libgridcase.a

DAEMONS  := intake routing escalation stats board open311
BINS     := $(DAEMONS:%=$(BUILD)/bin/gc-%) $(BUILD)/bin/gridctl
UNIT_C   := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_C))

.PHONY: all deps check lint unit sqltest integration schema-check asan-check fuzz bench bench-smoke bench-large profile chaos soak up down demo clean board-check monitoring-check compose-check failover netfaults
.SECONDARY: $(GEN_C) $(GEN_H)

all: $(BINS)

$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: proto/%.proto $(PROTOS)
	@mkdir -p $(BUILD)/gen
	@echo "  PROTOC $<"
	@protoc-c --proto_path=proto --c_out=$(BUILD)/gen $<

$(BUILD)/gen/%.pb-c.o: $(BUILD)/gen/%.pb-c.c $(GEN_H)
	@echo "  CC     $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.c $(GEN_H) $(wildcard common/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC     $<"
	@$(CC) $(CFLAGS) -I$(dir $<) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@ar rcs $@ $^

# Each daemon: every .c in its folder, linked with the common library.
define daemon_rule
$(BUILD)/bin/gc-$(1): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard services/$(1)/*.c)) $(LIB)
	@mkdir -p $(BUILD)/bin
	@echo "  LINK   $$@"
	@$(CC) $(LDFLAGS) $$^ -o $$@ $(LDLIBS)
endef
$(foreach d,$(DAEMONS),$(eval $(call daemon_rule,$(d))))

# gc-board carries its page: every file of services/board/www/, compiled in (embed.sh).
BOARD_WWW := $(wildcard services/board/www/*)
$(BUILD)/gen/board_assets.c: services/board/embed.sh $(BOARD_WWW)
	@mkdir -p $(BUILD)/gen
	@echo "  EMBED  services/board/www"
	@services/board/embed.sh $(BOARD_WWW) > $@
$(BUILD)/gen/board_assets.o: $(BUILD)/gen/board_assets.c services/board/board_assets.h
	@$(CC) $(CFLAGS) -Iservices/board -c $< -o $@
$(BUILD)/bin/gc-board: $(BUILD)/gen/board_assets.o

$(BUILD)/bin/gridctl: $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tools/gridctl/*.c)) $(LIB)
	@mkdir -p $(BUILD)/bin
	@echo "  LINK   $@"
	@$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

# Unit tests: tests/unit/test_NAME.c, linked with the common library. A test of a daemon's
# module names it in TEST_OBJ_test_NAME.
TEST_OBJ_test_stats_fold := $(BUILD)/obj/services/stats/stats_fold.o
TEST_OBJ_test_board_store := $(BUILD)/obj/services/board/board_store.o
TEST_OBJ_test_open311 := $(BUILD)/obj/services/open311/open311_parse.o \
                         $(BUILD)/obj/services/open311/open311_write.o
.SECONDEXPANSION:
$(BUILD)/tests/%: tests/unit/%.c $(LIB) $$(TEST_OBJ_$$*)
	@mkdir -p $(BUILD)/tests
	@echo "  LINK   $@"
	@$(CC) $(CFLAGS) -Iservices/stats -Iservices/board -Iservices/open311 $< $(TEST_OBJ_$*) -o $@ $(LIB) $(LDLIBS) -lcmocka

# Test tools: small programs the integration tests use to speak raw protocol or make load.
TEST_TOOLS := $(BUILD)/bin/gc-rawsend $(BUILD)/bin/gc-load
$(BUILD)/bin/gc-%: tests/tools/gc_%.c $(LIB)
	@mkdir -p $(BUILD)/bin
	@echo "  LINK   $@"
	@$(CC) $(CFLAGS) $< -o $@ $(LIB) $(LDLIBS)

# The chaos run (tests/chaos): a load that retries like real clients while daemons are killed.
CHAOS_TOOLS := $(BUILD)/bin/gc-chaos-report $(BUILD)/bin/gc-chaos-dept
$(BUILD)/bin/gc-chaos-%: tests/chaos/chaos_%.c $(LIB)
	@mkdir -p $(BUILD)/bin
	@echo "  LINK   $@"
	@$(CC) $(CFLAGS) $< -o $@ $(LIB) $(LDLIBS)

# make soak MINUTES=N: a steady load, memory, descriptors and latency per minute.
SOAK_TOOLS := $(BUILD)/bin/gc-soak-load $(BUILD)/bin/gc-chaos-dept
$(BUILD)/bin/gc-soak-load: tests/soak/soak_load.c $(LIB)
	@mkdir -p $(BUILD)/bin
	@echo "  LINK   $@"
	@$(CC) $(CFLAGS) $< -o $@ $(LIB) $(LDLIBS)
MINUTES ?= 30
soak: all $(SOAK_TOOLS)
	@tests/soak/run.sh $(BUILD)/bin $(MINUTES)

# make failover: the stack on a primary and its synchronous standby under pg_auto_failover
# (deploy/ha, each machine in a network namespace: needs root), the chaos run's load, and the
# primary killed, frozen and cut off in turn. SHORT=1: fewer cases (make check).
SHORT ?= 0
failover: all $(CHAOS_TOOLS)
	@FAILOVER_SHORT=$(SHORT) tests/failover/run.sh $(BUILD)/bin

# make netfaults: the stack, the departments and the reporters in network namespaces of their own,
# on links shaped by tc netem (loss, delay, a slow link, cuts, flapping; needs root).
# SHORT=1: shorter runs (make check).
netfaults: all $(CHAOS_TOOLS)
	@NETFAULTS_SHORT=$(SHORT) tests/netfaults/run.sh $(BUILD)/bin

# make chaos CASES=N SECONDS=S
CASES ?= 2000
SECONDS ?= 120
chaos: all $(CHAOS_TOOLS)
	@CHAOS_CASES=$(CASES) CHAOS_SECONDS=$(SECONDS) tests/chaos/run.sh $(BUILD)/bin

# Benchmarks (tests/bench): programs that print figures, never pass/fail on speed. A benchmark
# of a daemon's module links that module's objects.
BENCH_BIN := $(BUILD)/bin/gc-bench-escalation $(BUILD)/bin/gc-bench-load \
             $(BUILD)/bin/gc-bench-open311
$(BUILD)/bin/gc-bench-escalation: tests/bench/bench_escalation.c \
        $(BUILD)/obj/services/escalation/escalator.o $(LIB)
	@mkdir -p $(BUILD)/bin
	@echo "  LINK   $@"
	@$(CC) $(CFLAGS) -Iservices/escalation $^ -o $@ $(LDLIBS)

# The Open311 gateway's posts/s and GET latency over plain HTTP (tests/bench/bench_open311.c).
$(BUILD)/bin/gc-bench-open311: tests/bench/bench_open311.c $(LIB)
	@mkdir -p $(BUILD)/bin
	@echo "  LINK   $@"
	@$(CC) $(CFLAGS) -pthread $< -o $@ $(LIB) $(LDLIBS)

# The load generator: tests/bench/load_*.c (threads: reporters, departments, stats, closer).
BENCH_LOAD_C := $(wildcard tests/bench/load_*.c)
$(BUILD)/bin/gc-bench-load: $(BENCH_LOAD_C) tests/bench/load.h $(LIB)
	@mkdir -p $(BUILD)/bin
	@echo "  LINK   $@"
	@$(CC) $(CFLAGS) -pthread $(BENCH_LOAD_C) -o $@ $(LIB) $(LDLIBS)

# libFuzzer (clang), with ASan and UBSan, over every decoder that reads from a socket: intake's
# requests (fuzz_intake), the department socket's messages (fuzz_dept) and the Open311 gateway's
# HTTP parsers and writer (fuzz_open311). `make fuzz` runs each
# in turn for FUZZ_SECONDS (`make fuzz SECONDS=N` says the same), seeded from
# tests/fuzz/corpus/NAME; the inputs it finds stay in $(BUILD)/fuzz/corpus/NAME.
ifeq ($(origin SECONDS),command line)
FUZZ_SECONDS := $(SECONDS)
endif
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := intake dept open311
FUZZ_SRC_intake := services/intake/intake_decode.c
FUZZ_SRC_dept := services/routing/dept_decode.c
FUZZ_SRC_open311 := services/open311/open311_parse.c services/open311/open311_write.c
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(FUZZ_SRC_$$*) $(COMMON_C) $(GEN_C) \
        $(wildcard common/*.h services/*/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZ   $@"
	@clang -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -Wall -Wextra -Werror \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -I$(BUILD)/gen -Icommon \
	    $(addprefix -I,$(sort $(dir $(FUZZ_SRC_$*)))) $< $(FUZZ_SRC_$*) $(COMMON_C) $(GEN_C) -o $@ $(LDLIBS)

fuzz: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
	    echo "# fuzz_$$t: $(FUZZ_SECONDS) s"; \
	    mkdir -p $(BUILD)/fuzz/corpus/$$t; \
	    $(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 \
	        $(BUILD)/fuzz/corpus/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

deps:
	@deploy/deps.sh

# Source rules no compiler checks: every SQL statement is a constant, values are parameters;
# code shown in proto/README.md equals the tested file it is cut from (readme_snippets.py);
# plpgsql_check over every PL/pgSQL function of the migrated schema (tests/sql/run.sh).
lint: all
	@python3 tests/lint/sql_literals.py
	@tests/lint/timeouts.sh
	@tests/sql/run.sh $(BUILD)/bin lint
	@python3 tests/lint/readme_snippets.py

# pgTAP tests of the PL/pgSQL functions (tests/sql/t_*.sql) on a private cluster.
sqltest: all
	@tests/sql/run.sh $(BUILD)/bin test

# The schema's source against the migration chain it replaced, and gridctl migrate's rules.
schema-check: all
	@tests/schema/run.sh $(BUILD)/bin

unit: $(UNIT_BIN)
	@failed=0; for t in $(UNIT_BIN); do echo "# $$t"; $$t || failed=1; done; exit $$failed

integration: all $(TEST_TOOLS)
	@tests/integration/run.sh $(BUILD)/bin

# The board's page in a real browser: Debian's chromium driven by playwright-core (npm, from the
# lock file) against a stack of its own; screenshots under var/board/.
board-check: all
	@tests/board/run.sh $(BUILD)/bin

# deploy/monitoring with Prometheus' own tools, and a real Prometheus scraping a stack.
monitoring-check: all
	@tests/monitoring/run.sh $(BUILD)/bin

# docker-compose.yml for real (tests/compose): the images built (the base images stand-ins when
# no registry answers), the stack brought up by deploy/README.md's own commands under podman's
# Docker API, and a case's life, hardening, kill -9, down/up, backup and restore, stop proven
# from the host. The engine's storage (var/compose) keeps the images for the next run.
compose-check: all
	@tests/compose/run.sh $(BUILD)/bin

# The same unit and integration tests against an AddressSanitizer + UBSan build.
asan-check:
	$(MAKE) BUILD=build/asan SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" unit integration

check: deps
	@if command -v docker-compose >/dev/null 2>&1; then \
	    docker-compose config -q && echo "# docker-compose.yml: valid (docker-compose config)"; \
	else echo "# SKIP docker-compose.yml validation: docker-compose is not installed (make deps installs it)"; fi
	$(MAKE) all lint unit sqltest schema-check integration board-check monitoring-check bench-smoke
	$(MAKE) compose-check
	$(MAKE) chaos CASES=400 SECONDS=25
	$(MAKE) failover SHORT=1
	$(MAKE) netfaults SHORT=1
	$(MAKE) asan-check
	$(MAKE) fuzz FUZZ_SECONDS=10
	@echo "make check: all green"

# make bench: the full-size run (figures in var/bench/latest.json). bench-smoke: the same
# programs at a tiny size, to prove in make check that they work.
# deps runs first and the build in a sub-make: the flags above are read from pkg-config when
# make starts, before deps has installed the libraries on a fresh machine.
bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@tests/bench/run.sh $(BUILD)/bin

bench-smoke: all $(BENCH_BIN)
	@GC_BENCH_SMOKE=1 tests/bench/run.sh $(BUILD)/bin

# make bench with ten million cases of history stored first (var/bench-large/latest.json, set
# beside var/bench/latest.json: run make bench first)
bench-large: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@GC_BENCH_FILL_CASES=$${GC_BENCH_FILL_CASES:-10000000} tests/bench/run.sh $(BUILD)/bin

# where the time goes under make bench's load (perf, wait events, pg_stat_statements):
# make profile [LOAD=intake|end_to_end|latency]
profile: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@tests/bench/profile.sh $(BUILD)/bin $(or $(LOAD),intake)

up: deps
	@$(MAKE) --no-print-directory all
	@deploy/stack.sh up $(BUILD)/bin

down:
	@deploy/stack.sh down

demo: deps
	@$(MAKE) --no-print-directory all
	@deploy/demo.sh $(BUILD)/bin

clean:
	rm -rf build
