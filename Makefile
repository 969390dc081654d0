# conv_fdw/Makefile
#
# Builds the conv_fdw extension with PGXS.  "make sim" builds the vendor
# simulator used by the tests (test/sim/conv-sim).

MODULE_big = conv_fdw
OBJS = \
	$(WIN32RES) \
	src/conv_fdw.o \
	src/option.o \
	src/vendor.o \
	src/vendor_execvision.o \
	src/vendor_voicegain.o \
	src/vendor_siro.o \
	src/vendor_ccai.o \
	src/vendor_cresta.o \
	src/planner.o \
	src/pager.o \
	src/scan.o \
	src/modify.o \
	src/http.o \
	src/decode.o \
	src/import.o \
	src/ratelimit.o \
	src/prefetch.o \
	src/sync.o \
	src/worker.o \
	src/localcopy.o

EXTENSION = conv_fdw
# The install script lives in sql/ next to the pg_regress inputs; PGXS
# installs it under its base name, and REGRESS below names test files only.
DATA = sql/conv_fdw--1.0.sql
PGFILEDESC = "conv_fdw - foreign data wrapper for conversation-intelligence APIs"

REGRESS = extension sim_helpers execvision execvision_pushdown voicegain siro ccai cresta

JSONC_CFLAGS := $(shell pkg-config --cflags json-c)

PG_CPPFLAGS = -I$(srcdir)/src $(JSONC_CFLAGS)
# PostgreSQL's own headers (bufpage.h, ilist.h) trip -Wunused-parameter;
# the vendor descriptors leave trailing fields of table rows zero.
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers
SHLIB_LINK += -lcurl -ljson-c

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The simulator has its own Makefile; it is not part of the installed
# extension.
.PHONY: sim
sim:
	$(MAKE) -C test/sim

# The pg_regress test names, for scripts/test.sh (which runs pg_regress
# against its scratch cluster itself).
.PHONY: print-regress
print-regress:
	@echo $(REGRESS)

# PGXS tracks no header dependencies: every object depends on the headers.
$(OBJS): src/conv_fdw.h src/vendor.h
