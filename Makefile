# idnode: a plain Makefile. `make help` lists the targets.
#
#   make                  build idnode, idctl, idbench into build/default/
#   make SANITIZER=address  the same with ASan+UBSan into build/address/
#   make run              install missing packages, build, start Redis + idnode
#   make test             unit + fuzz-corpus replay + integration tests
#   make test-faults      the fault-injection suite alone (docs/faults.md)
#   make bench            benchmarks against redis-benchmark and nginx
#   make fuzz             run every libFuzzer target (FUZZ_SECONDS each)
#   make install          PREFIX=/usr/local DESTDIR= : binaries, systemd units

CC        ?= cc
SANITIZER ?=
V         ?= 0
FUZZ_SECONDS ?= 60

PKGS := libevent libevent_pthreads libevent_openssl hiredis libcares jansson openssl

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wvla \
        -Wcast-align -Wwrite-strings -Wundef -Wnull-dereference
CFLAGS   ?= -O2 -g
ALL_CFLAGS := -std=c11 $(WARN) $(CFLAGS) -D_GNU_SOURCE -I. -MMD -MP \
              $(shell pkg-config --cflags $(PKGS))
LDLIBS   := $(shell pkg-config --libs $(PKGS)) -lresolv -lpthread -lm

ifeq ($(SANITIZER),address)
ALL_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=address,undefined
FLAVOUR    := address
else ifeq ($(SANITIZER),)
FLAVOUR    := default
else
$(error SANITIZER must be empty or 'address')
endif

B := build/$(FLAVOUR)

ifeq ($(V),0)
Q := @
say = @printf '  %-7s %s\n' $(1) $(2);
else
Q :=
say =
endif

LIB_SRC := $(wildcard core/*.c certs/*.c registry/*.c resolver/*.c ops/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
LIB     := $(B)/libidnode.a

BINS := $(patsubst cmd/%.c,$(B)/%,$(wildcard cmd/*.c))

# The web pages (www/, served on the public HTTP port) and the operator
# dashboard (ops/web/, served at /ops/ on the admin port), compiled into
# idnode by cmd/embed (core/static.h).  The folders are prerequisites
# too: adding or removing a page changes its folder's time.
WWW      := $(shell find www -type f ! -name '.*' ! -name '*~' | LC_ALL=C sort)
WWW_DIRS := $(shell find www -type d)
WWW_GEN  := $(B)/gen/www.c
OPSWEB      := $(shell find ops/web -type f ! -name '.*' ! -name '*~' | \
                 LC_ALL=C sort)
OPSWEB_DIRS := $(shell find ops/web -type d)
OPSWEB_GEN  := $(B)/gen/opsweb.c

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

FUZZ_SRC    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/tests/replay_%)
FUZZ_BIN    := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)

# Keep the objects of chained pattern rules (tests, replays) between runs.
.SECONDARY:

.PHONY: all run test test-unit test-integration test-faults bench fuzz format \
        format-check clean deps help install
all: $(BINS)

help:
	@sed -n '3,11p' Makefile

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	$(call say,AR,$@)$(AR) rcs $@ $^

$(B)/%: $(B)/cmd/%.o $(LIB)
	$(call say,LD,$@)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# embed runs during the build, so it links nothing of the library.
$(B)/embed: $(B)/cmd/embed.o
	$(call say,LD,$@)$(CC) $(LDFLAGS) $^ -o $@

$(WWW_GEN): $(B)/embed $(WWW) $(WWW_DIRS)
	@mkdir -p $(dir $@)
	$(call say,EMBED,www)$(B)/embed $@ static_www www / $(WWW)

$(OPSWEB_GEN): $(B)/embed $(OPSWEB) $(OPSWEB_DIRS)
	@mkdir -p $(dir $@)
	$(call say,EMBED,ops/web)$(B)/embed $@ static_ops ops/web /ops/ $(OPSWEB)

$(B)/gen/%.o: $(B)/gen/%.c
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/idnode: $(B)/gen/www.o $(B)/gen/opsweb.o

$(B)/tests/test_%: $(B)/tests/unit/test_%.o $(LIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

$(B)/tests/replay_%: $(B)/tests/fuzz/%.o $(B)/tests/fuzz/replay.o $(LIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# libFuzzer builds need clang; they get their own object directory.
FUZZ_CFLAGS := -std=c11 -g -O1 -D_GNU_SOURCE -I. \
               -fsanitize=fuzzer,address,undefined \
               $(shell pkg-config --cflags $(PKGS))
build/fuzz/%: tests/fuzz/%.c $(LIB_SRC)
	@mkdir -p build/fuzz
	$(call say,FUZZ,$@)clang $(FUZZ_CFLAGS) $< $(LIB_SRC) $(LDLIBS) -o $@

deps:
	@sh tests/deps.sh

# Packages first, then the build: a parallel make must not start
# compiling before the libraries are installed.
run:
	@sh tests/deps.sh
	@$(MAKE) --no-print-directory all
	@sh tests/run_node.sh $(B)

test: all $(UNIT_BIN) $(FUZZ_REPLAY)
	@sh tests/run.sh $(B)

test-unit: $(UNIT_BIN) $(FUZZ_REPLAY)
	@TIERS="unit fuzz" sh tests/run.sh $(B)

test-integration: all
	@TIERS="integration" sh tests/run.sh $(B)

# The "fault-" groups of the integration tests; `make test` runs them too.
test-faults: all
	@TIERS="faults" sh tests/run.sh $(B)

bench: all
	@sh tests/bench/run.sh $(B)

fuzz: $(FUZZ_BIN)
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

# Installation (docs/operations.md).  Config files already there are kept.
PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
SYSCTLDIR  ?= $(PREFIX)/lib/sysctl.d
DOCDIR     ?= $(PREFIX)/share/doc/idnode
SUBST = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
            -e 's|@DOCDIR@|$(DOCDIR)|g'
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) \
	        $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(SYSCTLDIR) $(DESTDIR)$(DOCDIR) \
	        $(DESTDIR)$(SYSCONFDIR)/logrotate.d
	install -d -m 0750 $(DESTDIR)$(SYSCONFDIR)/idnode
	install -m 0755 $(B)/idnode $(B)/idctl $(DESTDIR)$(BINDIR)
	for u in idnode idnode-redis; do \
	        $(SUBST) ops/$$u.service >$(DESTDIR)$(UNITDIR)/$$u.service && \
	        chmod 0644 $(DESTDIR)$(UNITDIR)/$$u.service || exit 1; done
	install -m 0644 ops/idnode.sysusers $(DESTDIR)$(SYSUSERSDIR)/idnode.conf
	install -m 0644 ops/idnode.sysctl $(DESTDIR)$(SYSCTLDIR)/idnode.conf
	install -m 0644 ops/idnode.logrotate \
	        $(DESTDIR)$(SYSCONFDIR)/logrotate.d/idnode
	install -m 0644 ops/idnode.example.json ops/redis.conf \
	        ops/prometheus.yml ops/idnode-alerts.yml README.md \
	        docs/*.md docs/openapi.yaml $(DESTDIR)$(DOCDIR)
	test -e $(DESTDIR)$(SYSCONFDIR)/idnode/idnode.json || install -m 0640 \
	        ops/idnode.example.json $(DESTDIR)$(SYSCONFDIR)/idnode/idnode.json
	test -e $(DESTDIR)$(SYSCONFDIR)/idnode/redis.conf || install -m 0640 \
	        ops/redis.conf $(DESTDIR)$(SYSCONFDIR)/idnode/redis.conf

FORMAT_FILES = $(shell find core certs registry resolver ops cmd tests \
                 -name '*.[ch]' -not -path '*/corpus/*')
format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
