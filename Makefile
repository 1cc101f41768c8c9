# oms: a multi-channel order management toolkit.
#
#   make            build everything into build/
#   make check      install what is missing, build, run every test twice
#                   (plain and under ASan+UBSan), lint the man pages
#                   and once more on PostgreSQL (t/run-pg)
#   make check-pg   only the PostgreSQL pass, of the files in t/pg.files
#   make test       one quick pass of the tests, no sanitizers
#   make demo       the main job end to end on the bundled data, ending
#                   with the dashboard in demo/dashboard.html
#   make install    PREFIX=/usr/local DESTDIR=
#   make deps       install the Debian packages that are missing
#   make fuzz       build the libFuzzer harnesses (t/fuzz) with clang into
#                   build-fuzz/ and run each FUZZ_TIME seconds (default 60)
#                   from its seed corpus; make fuzz-smoke runs each 5 s

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SHAREDIR ?= $(PREFIX)/share
MANDIR ?= $(SHAREDIR)/man

CC ?= cc
CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Werror
# Programs find share/oms relative to themselves (BINDIR/../share/oms for
# the defaults), then at the path compiled in: see oms_sharedir().
SHAREDIR_REL = $(shell realpath -m --relative-to='$(BINDIR)' '$(SHAREDIR)/oms')
CPPFLAGS += -D_GNU_SOURCE -DOMS_SHAREDIR='"$(SHAREDIR)/oms"' \
	-DOMS_SHAREDIR_REL='"$(SHAREDIR_REL)"' -Ilib
# libpq is not linked: lib/db_pg.c loads it (dlopen) when a PostgreSQL
# database is opened, since its own twenty-odd libraries would slow the
# start of every program.
LDLIBS = -lsqlite3 -ljq -lcsv -lcjson -lm
# Cairo and Pango draw the PDF and PNG documents and labels (lib/draw.c),
# libzint their barcodes.  Their headers are system headers here, so our
# warnings do not fall on them.  They are not linked either: lib/draw.c
# loads them (dlopen) the first time something is drawn, by the sonames
# of the libraries found here, since with glib, fontconfig and X's they
# come to thirty-odd libraries that would slow every program's start.
DRAW_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags \
	pangocairo 2>/dev/null))
CPPFLAGS += $(DRAW_CFLAGS)
soname = $(shell objdump -p "$$($(CC) -print-file-name=$(1))" 2>/dev/null | \
	awk '$$1 == "SONAME" { print $$2 }')
PANGOCAIRO_SONAME := $(call soname,libpangocairo-1.0.so)
ZINT_SONAME := $(call soname,libzint.so)
CPPFLAGS += $(if $(PANGOCAIRO_SONAME),-DOMS_PANGOCAIRO_SONAME='"$(PANGOCAIRO_SONAME)"') \
	$(if $(ZINT_SONAME),-DOMS_ZINT_SONAME='"$(ZINT_SONAME)"')
# libpq, the PostgreSQL driver's (lib/db_pg.c), from libpq-dev.
CPPFLAGS += -isystem $(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
LDFLAGS += -Wl,--as-needed

ifeq ($(SAN),1)
B = build-san
CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
else
B = build
endif

# Debian packages the build, the tests and the demo need.
DEBS = gcc make libc6-dev pkg-config libsqlite3-dev sqlite3 libjq-dev \
	libcsv-dev libcjson-dev bats bats-support bats-assert mandoc tzdata jq \
	poppler-utils zbar-tools nodejs zsh fish valgrind
# clang and its libFuzzer, for make fuzz (t/fuzz, t/9340-fuzz.bats).
DEBS += clang
# Debian's chromium renders the HTML report in a test (t/6600), and
# python3 reads the screenshot it takes.
DEBS += chromium python3
# OpenSSL's HMAC signs webhooks (oms-events-webhook), and curl posts them.
DEBS += libssl-dev curl
# libpq, for a database on PostgreSQL (lib/db_pg.c).
DEBS += libpq-dev
# Slips, pick lists and labels are drawn with cairo and pango (PDF, PNG)
# and libzint (the barcodes); fontconfig finds a font for each script of
# a customer's name among these: Noto (Latin, Greek, Cyrillic, Arabic,
# Hebrew, Indic, Thai and the rest), Noto CJK (Chinese, Japanese, Korean)
# and DejaVu.  ZXing-C++ reads back in t/4150 the
# symbols zbar cannot: PDF417, MaxiCode, Data Matrix.
DEBS += libcairo2-dev libpango1.0-dev libzint-dev fonts-dejavu-core \
	fonts-noto-core fonts-noto-cjk zxing-cpp-tools
# The PostgreSQL server is for the tests only: make check runs the suite
# against a throwaway one (t/run-pg), and where it cannot be installed
# that pass says it is skipped, so it is installed on its own, a
# failure no stop.
PG_DEBS = postgresql
# Not in Debian: a ZPL renderer, to prove the ZPL labels scan (t/4100).
NPMS = zpl-renderer-js@3.4.0

PROGS = $(patsubst cmd/%.c,%,$(wildcard cmd/*.c))
LIBSRC = $(wildcard lib/*.c)
LIBOBJ = $(patsubst lib/%.c,$(B)/lib/%.o,$(LIBSRC))
UNITS = $(patsubst t/unit/%.c,$(B)/t/%,$(wildcard t/unit/*.c))
MANS = $(wildcard man/*.[1-8])

all: $(addprefix $(B)/bin/,$(PROGS)) $(UNITS)

# Each object depends on the headers it includes, and on no other.
$(B)/lib/%.o: lib/%.c
	@mkdir -p $(@D) $(B)/dep
	@echo "  CC      $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -std=c11 -MMD -MP \
		-MF $(B)/dep/lib-$*.d -c -o $@ $<

$(B)/liboms.a: $(LIBOBJ)
	@rm -f $@
	@echo "  AR      $@"
	@$(AR) rcs $@ $(LIBOBJ)

$(B)/bin/%: cmd/%.c $(B)/liboms.a
	@mkdir -p $(@D) $(B)/dep
	@echo "  LD      $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -std=c11 -MMD -MP \
		-MF $(B)/dep/bin-$*.d $(LDFLAGS) -o $@ $< $(B)/liboms.a $(LDLIBS)

$(B)/t/%: t/unit/%.c $(B)/liboms.a
	@mkdir -p $(@D) $(B)/dep
	@echo "  LD      $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -std=c11 -MMD -MP \
		-MF $(B)/dep/t-$*.d $(LDFLAGS) -o $@ $< $(B)/liboms.a $(LDLIBS)

# The programs that sign (and their unit test) link OpenSSL's libcrypto.
$(B)/bin/oms-events-webhook $(B)/t/webhook: LDLIBS += -lcrypto

-include $(wildcard $(B)/dep/*.d)

deps:
	@missing=; for p in $(DEBS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed$$' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		echo "make deps: installing$$missing"; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
			--no-install-recommends $$missing; \
	fi
	@missing=; for p in $(PG_DEBS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed$$' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		echo "make deps: installing$$missing"; \
		{ $$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
			--no-install-recommends $$missing; } || \
			echo "make deps: could not install$$missing:" \
			"the PostgreSQL pass of make check will say it is skipped"; \
	fi
	@for p in $(NPMS); do \
		npm ls -g "$${p%@*}" >/dev/null 2>&1 && continue; \
		sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		command -v npm >/dev/null || { \
			echo "make deps: installing npm"; \
			DEBIAN_FRONTEND=noninteractive $$sudo apt-get install \
				-y -qq --no-install-recommends npm; } || exit 1; \
		echo "make deps: installing $$p from npm"; \
		$$sudo npm install -g --no-fund --no-audit --loglevel=error "$$p" \
			>/dev/null || echo "make deps: could not install $$p:" \
			"the tests that render ZPL will say they are skipped"; \
	done

# One pass: unit tests, man page lint, bats.
test: all
	@t/run $(B)

# The two SQLite passes and the PostgreSQL one (plain build only: CI's
# time goes to the sanitizers on SQLite), in two lanes at once (t/check,
# which deals the PostgreSQL files so that the lanes end together);
# each runs whatever another gives, and any failing fails make check.
check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory all SAN=1
	@t/check build build-san

# The PostgreSQL pass alone: the files of t/pg.files against a
# throwaway server.
check-pg: all
	@t/run-pg $(B)

demo: deps
	@$(MAKE) --no-print-directory all
	@share/oms/demo/demo.sh $(B)/bin

# Fuzzing (t/fuzz/*.c): the library built again with clang, instrumented
# for libFuzzer and under ASan and UBSan; t/fuzz/run runs each harness
# from its seed corpus (t/fuzz/corpus/NAME) and prints its figures.
FUZZ_CC = clang
FUZZ_TIME = 60
FUZZ_B = build-fuzz
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN)
FUZZ_NAMES = $(patsubst t/fuzz/%.c,%,$(wildcard t/fuzz/*.c))
FUZZ_OBJ = $(patsubst lib/%.c,$(FUZZ_B)/lib/%.o,$(LIBSRC))

$(FUZZ_B)/lib/%.o: lib/%.c
	@mkdir -p $(@D) $(FUZZ_B)/dep
	@echo "  CC      $@"
	@$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
		-std=c11 -MMD -MP -MF $(FUZZ_B)/dep/lib-$*.d -c -o $@ $<

$(FUZZ_B)/liboms.a: $(FUZZ_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	@$(AR) rcs $@ $(FUZZ_OBJ)

$(FUZZ_B)/fuzz/%: t/fuzz/%.c $(FUZZ_B)/liboms.a
	@mkdir -p $(@D) $(FUZZ_B)/dep
	@echo "  LD      $@"
	@$(FUZZ_CC) $(CPPFLAGS) -It/fuzz $(FUZZ_CFLAGS) -fsanitize=fuzzer \
		-DFUZZ_SHARE='"$(CURDIR)/share/oms"' -std=c11 -MMD -MP \
		-MF $(FUZZ_B)/dep/fuzz-$*.d -o $@ $< $(FUZZ_B)/liboms.a $(LDLIBS)

-include $(wildcard $(FUZZ_B)/dep/*.d)

fuzz-build: $(addprefix $(FUZZ_B)/fuzz/,$(FUZZ_NAMES))

fuzz: fuzz-build
	@t/fuzz/run $(FUZZ_B) $(FUZZ_TIME) $(FUZZ_NAMES)

fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_TIME=5

clean-fuzz:
	rm -rf $(FUZZ_B)

clean: clean-fuzz

.PHONY: clean-fuzz fuzz fuzz-build fuzz-smoke

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR)/oms \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(SHAREDIR)/bash-completion/completions \
		$(DESTDIR)$(SHAREDIR)/zsh/vendor-completions \
		$(DESTDIR)$(SHAREDIR)/fish/vendor_completions.d
	install -m 755 $(addprefix $(B)/bin/,$(PROGS)) $(DESTDIR)$(BINDIR)
	cp -R share/oms/. $(DESTDIR)$(SHAREDIR)/oms/
	for m in $(MANS); do \
		install -m 644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}; done
	for p in $(PROGS); do \
		install -m 644 completions/bash/$$p \
			$(DESTDIR)$(SHAREDIR)/bash-completion/completions/$$p; \
		install -m 644 completions/zsh/_$$p \
			$(DESTDIR)$(SHAREDIR)/zsh/vendor-completions/_$$p; \
		install -m 644 completions/fish/$$p.fish \
			$(DESTDIR)$(SHAREDIR)/fish/vendor_completions.d/$$p.fish; \
	done

clean:
	rm -rf build build-san

.PHONY: all check check-pg clean demo deps install test
.DELETE_ON_ERROR:
