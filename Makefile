# hookspool - one plain Makefile.
#
# Every lib/**/*.c goes into build/libhookspool.a, spoolctl's commands
# (tools/admin/*.c) into build/libadmin.a; every tests/unit/test_*.c
# becomes one cmocka binary. The same sources are built twice: a normal
# build (what users run) and an ASan+UBSan build (what `make test` runs the
# unit tests and the sanitizer pass of the integration tests under).

CC      ?= cc
PKGS     = json-c libcurl openssl sqlite3 odbc
CSTD     = -std=c11 -D_GNU_SOURCE
WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2
OPT     ?= -O2 -g
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS  += $(CSTD) $(WARN) $(OPT) -Ilib -Itools $(PKG_CFLAGS)
LDLIBS  += -lfcgi $(PKG_LIBS) -lm
SAN      = -fsanitize=address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=undefined

LIB_SRC  := $(sort $(shell find lib -name '*.c'))
ADM_SRC  := $(sort $(wildcard tools/admin/*.c))
LIB_HDR  := $(sort $(shell find lib tools/admin -name '*.h'))
CGI_SRC  := $(sort $(wildcard cgi-bin/*.c))
TOOL_SRC := $(sort $(wildcard tools/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
HELP_SRC := $(sort $(wildcard tests/helpers/*.c))
UNIT_HDR := $(sort $(wildcard tests/unit/*.h))

LIB_OBJ      := $(LIB_SRC:%.c=build/obj/%.o)
LIB_OBJ_SAN  := $(LIB_SRC:%.c=build/san/%.o)
ADM_OBJ      := $(ADM_SRC:%.c=build/obj/%.o)
ADM_OBJ_SAN  := $(ADM_SRC:%.c=build/san/%.o)
LIBS         := build/libadmin.a build/libhookspool.a
LIBS_SAN     := build/san/libadmin.a build/san/libhookspool.a
CGI_BIN      := $(CGI_SRC:%.c=%.fcgi)
CGI_BIN_SAN  := $(CGI_SRC:%.c=build/san/%.fcgi)
TOOL_BIN     := $(TOOL_SRC:%.c=%)
TOOL_BIN_SAN := $(TOOL_SRC:%.c=build/san/%)
UNIT_BIN     := $(UNIT_SRC:tests/unit/%.c=build/san/unit/%)
HELP_BIN     := $(HELP_SRC:tests/helpers/%.c=build/helpers/%)

.PHONY: all deps run test unit integ bench clean san install
all: $(CGI_BIN) $(TOOL_BIN)

san: $(CGI_BIN_SAN) $(TOOL_BIN_SAN) $(UNIT_BIN) $(HELP_BIN)

build/obj/%.o: %.c $(LIB_HDR)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) -c -o $@ $<

build/san/%.o: %.c $(LIB_HDR)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) $(SAN) -c -o $@ $<

# rm first: two folders may hold files of the same name (sinks/azure/conn.c,
# sinks/sql/conn.c), and `ar r` into an existing archive replaces members
# by name.
build/libhookspool.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	@rm -f $@ && $(AR) rcs $@ $^

build/san/libhookspool.a: $(LIB_OBJ_SAN)
	@mkdir -p $(@D)
	@rm -f $@ && $(AR) rcs $@ $^

build/libadmin.a: $(ADM_OBJ)
	@mkdir -p $(@D)
	@rm -f $@ && $(AR) rcs $@ $^

build/san/libadmin.a: $(ADM_OBJ_SAN)
	@mkdir -p $(@D)
	@rm -f $@ && $(AR) rcs $@ $^

cgi-bin/%.fcgi: cgi-bin/%.c build/libhookspool.a $(LIB_HDR)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) -o $@ $< build/libhookspool.a $(LDLIBS)

build/san/cgi-bin/%.fcgi: cgi-bin/%.c build/san/libhookspool.a $(LIB_HDR)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) $(SAN) -o $@ $< build/san/libhookspool.a $(LDLIBS)

tools/%: tools/%.c $(LIBS) $(LIB_HDR)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) -o $@ $< $(LIBS) $(LDLIBS)

build/san/tools/%: tools/%.c $(LIBS_SAN) $(LIB_HDR)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) $(SAN) -o $@ $< $(LIBS_SAN) $(LDLIBS)

build/san/unit/%: tests/unit/%.c $(LIBS_SAN) $(LIB_HDR) $(UNIT_HDR)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) $(SAN) -Wno-unused-parameter -o $@ $< \
		$(LIBS_SAN) $(LDLIBS) -lcmocka

build/helpers/%: tests/helpers/%.c build/libhookspool.a $(LIB_HDR)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) -o $@ $< build/libhookspool.a $(LDLIBS)

# Installs the Debian packages that are missing (apt-get as root, sudo
# otherwise, or prints the exact command).
deps:
	@scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run.sh

test: deps
	@$(MAKE) --no-print-directory all san
	@tests/run.sh

unit: san
	@tests/run.sh unit

integ: all san
	@tests/run.sh integ

bench: deps
	@$(MAKE) --no-print-directory all
	@bench/run.sh

# What a server needs, nothing of the checkout's source (README,
# "Deployment"). DESTDIR stages a package; PREFIX is where it will live.
PREFIX ?= /usr/lib/hookspool
install: all
	install -d $(DESTDIR)$(PREFIX)/cgi-bin $(DESTDIR)$(PREFIX)/tools \
		$(DESTDIR)$(PREFIX)/lighttpd $(DESTDIR)$(PREFIX)/apache \
		$(DESTDIR)$(PREFIX)/sql/schema
	install -m 755 $(CGI_BIN) $(DESTDIR)$(PREFIX)/cgi-bin/
	install -m 755 $(TOOL_BIN) $(DESTDIR)$(PREFIX)/tools/
	install -m 644 lighttpd/hookspool.conf $(DESTDIR)$(PREFIX)/lighttpd/
	install -m 644 apache/hookspool.conf apache/hookspool-site.conf \
		apache/.htaccess \
		$(DESTDIR)$(PREFIX)/apache/
	install -m 644 sql/schema/*.sql $(DESTDIR)$(PREFIX)/sql/schema/

clean:
	rm -rf build $(CGI_BIN) $(TOOL_BIN)
