# stardm: plain Makefile (no Kbuild, no autotools).
#   make                 build stardm and the layer libraries into $(B)/
#   make check           every test suite (unit x2 backends under ASan/UBSan,
#                        CLI, fuzz smoke, VM suites where the rig can run)
#   make install DESTDIR=...
#   make deb             Debian packages stardm and libpve-storage-stardm-perl
#                        into $(B)/deb/ (version from the git tree)
#   make layers          no file includes a header of a layer it must not know
#   make mutate          single mutations against the host suites (slow)
#   make soak            lock-free readers against writers (SOAK_SECONDS)
#   make fuzz            libFuzzer on the metadata parser (FUZZ_SECONDS)
#   make fuzz-coverage   line coverage of the parsers reached by its corpus
#   make bench-metadata  commit latency vs one 4 KiB O_DIRECT write+flush
#   make bench           fio + control-plane benchmarks vs LVM in the VM rig
#   make faults          I/O errors and a slow LUN under stardm in the VM rig (also in make check)
#   make soak-vm         longer VM suites: the space suite's flood (1 GiB per VM; not in
#                        make check), 20 migrations in cluster and 6 in handover (make check: 10, 3)
#   make powercut        power cuts replayed at every flush of a workload
#                        (dm-log-writes in the VM rig; POWERCUT_WORKLOAD=...)
CC ?= gcc
B ?= build
PREFIX ?= /usr
SBINDIR ?= /usr/sbin
MANDIR ?= $(PREFIX)/share/man
PERLDIR ?= /usr/share/perl5
UDEVDIR ?= /lib/udev
FUZZ_SECONDS ?= 60
# The version: the newest entry of debian/changelog (the last release),
# and in a git tree a suffix that grows with every commit after it:
# +git<commits>.<hash>, so each commit's packages upgrade the one before.
BASE_VERSION := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
GIT_SNAPSHOT := $(shell git rev-parse --is-inside-work-tree >/dev/null 2>&1 && \
	echo "+git$$(git rev-list --count HEAD).$$(git rev-parse --short=8 HEAD)")
STARDM_VERSION ?= $(BASE_VERSION)$(GIT_SNAPSHOT)

CFLAGS ?= -O2 -g
STD = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla
# HOOKS=1: the test build, with crash injection (core/crash_point.c)
ifeq ($(HOOKS),1)
CFLAGS += -DSTARDM_TEST_HOOKS
endif
ifeq ($(SANITIZE),1)
CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif
ALL_CFLAGS = $(STD) $(CPPFLAGS) $(CFLAGS) -I. -MMD -MP

LIBS_MD = -luring -laio -lpthread
LIBS_CORE = -lblkid -ludev -ldevmapper -ljson-c

BASE_SRC = $(wildcard base/*.c)
MD_SRC = $(wildcard metadata/*.c)
DM_SRC = $(wildcard dm/*.c)
CORE_SRC = $(wildcard core/*.c)
TOOL_SRC = $(wildcard tools/*.c)
UNIT_SRC = $(wildcard tests/unit/*.c)

obj = $(patsubst %.c,$(B)/%.o,$(1))

BASE_LIB = $(B)/libstardm-base.a
MD_LIB = $(B)/libstardm-metadata.a
DM_LIB = $(B)/libstardm-dm.a
CORE_LIB = $(B)/libstardm-core.a
STARDM = $(B)/stardm
UNIT = $(B)/run-unit

all: $(STARDM)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BASE_LIB): $(call obj,$(BASE_SRC))
	$(AR) rcs $@ $^
$(MD_LIB): $(call obj,$(MD_SRC))
	$(AR) rcs $@ $^
$(DM_LIB): $(call obj,$(DM_SRC))
	$(AR) rcs $@ $^
$(CORE_LIB): $(call obj,$(CORE_SRC))
	$(AR) rcs $@ $^

# the version the binary reports, rewritten only when it changes
$(B)/version.h: FORCE
	@mkdir -p $(B)
	@echo '#define STARDM_VERSION "$(STARDM_VERSION)"' >$@.new
	@cmp -s $@.new $@ && rm -f $@.new || mv $@.new $@
$(B)/tools/stardm.o: $(B)/version.h
$(B)/tools/stardm.o: ALL_CFLAGS += -I$(B)

$(STARDM): $(call obj,$(TOOL_SRC)) $(CORE_LIB) $(DM_LIB) $(MD_LIB) $(BASE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_CORE) $(LIBS_MD)

$(UNIT): $(call obj,$(UNIT_SRC)) $(B)/tools/cli_util.o $(B)/tools/cli_errors.o $(CORE_LIB) $(DM_LIB) $(MD_LIB) $(BASE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ -lcunit $(LIBS_CORE) $(LIBS_MD)

$(B)/bench-metadata: $(B)/tests/bench/bench_metadata.o $(MD_LIB) $(BASE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_MD)
$(B)/timeit: $(B)/tools/bench/timeit.o
	$(CC) $(LDFLAGS) -o $@ $^
$(B)/replay-log: $(B)/tests/powercut/replay_log.o
	$(CC) $(LDFLAGS) -o $@ $^

# The CLI tests' LD_PRELOAD shim that makes every libblkid probe fail.
BLKID_FAIL = $(B)/blkid-fail.so
$(BLKID_FAIL): tests/cli/blkid_fail.c
	$(CC) $(STD) -O1 -shared -fPIC $< -o $@

unit: $(UNIT) $(BLKID_FAIL)

# Sanitized build used by make check.
SAN_B = build/san
san:
	$(MAKE) B=$(SAN_B) SANITIZE=1 $(SAN_B)/stardm $(SAN_B)/run-unit $(SAN_B)/blkid-fail.so \
		$(SAN_B)/replay-log

# The VM suites' binary: optimized, with the test hooks.
HOOKS_B = build/hooks
hooks:
	$(MAKE) B=$(HOOKS_B) HOOKS=1 $(HOOKS_B)/stardm

check: all san hooks deb
	tests/run-all $(SAN_B)

vmcheck: hooks deb
	tests/vm/suite $(HOOKS_B)/stardm

FUZZ_B = build/fuzz
$(FUZZ_B)/fuzz_metadata: tests/fuzz/fuzz_metadata.c tests/fuzz/three_vms.h $(MD_SRC) $(BASE_SRC)
	@mkdir -p $(FUZZ_B)
	clang $(STD) -O1 -g -I. -fsanitize=fuzzer,address,undefined \
		tests/fuzz/fuzz_metadata.c $(MD_SRC) $(BASE_SRC) -o $@ -lpthread -luring -laio
$(FUZZ_B)/make_seeds: tests/fuzz/make_seeds.c tests/fuzz/three_vms.h $(MD_SRC) $(BASE_SRC)
	@mkdir -p $(FUZZ_B)
	$(CC) $(STD) -O1 -I. tests/fuzz/make_seeds.c $(MD_SRC) $(BASE_SRC) -o $@ -lpthread -luring -laio
fuzz: $(FUZZ_B)/fuzz_metadata $(FUZZ_B)/make_seeds
	@mkdir -p $(FUZZ_B)/seeds $(FUZZ_B)/corpus
	$(FUZZ_B)/make_seeds $(FUZZ_B)/seeds
	$(FUZZ_B)/fuzz_metadata -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_B)/ $(FUZZ_B)/corpus $(FUZZ_B)/seeds

# Lock-free readers against writers on one LUN file, longer than make check
# runs it (SOAK_SECONDS), on both I/O backends.
SOAK_SECONDS ?= 60
soak: $(UNIT)
	STARDM_IO=uring STARDM_SOAK_SECONDS=$(SOAK_SECONDS) STARDM_UNIT_SUITE=concurrency $(UNIT)
	STARDM_IO=aio STARDM_SOAK_SECONDS=$(SOAK_SECONDS) STARDM_UNIT_SUITE=concurrency $(UNIT)

# Line coverage of the parsers reached by the fuzz corpus (run make fuzz
# first): each input once through a coverage build, then llvm-cov's report.
COV_B = build/fuzzcov
fuzz-coverage: $(FUZZ_B)/make_seeds
	@mkdir -p $(COV_B) $(FUZZ_B)/corpus $(FUZZ_B)/seeds
	$(FUZZ_B)/make_seeds $(FUZZ_B)/seeds
	clang $(STD) -O1 -g -I. -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping \
		tests/fuzz/fuzz_metadata.c $(MD_SRC) $(BASE_SRC) -o $(COV_B)/fuzz_metadata -lpthread -luring -laio
	LLVM_PROFILE_FILE=$(COV_B)/fuzz.profraw $(COV_B)/fuzz_metadata -runs=0 \
		$(FUZZ_B)/corpus $(FUZZ_B)/seeds >/dev/null 2>&1
	llvm-profdata-14 merge -o $(COV_B)/fuzz.profdata $(COV_B)/fuzz.profraw
	llvm-cov-14 report $(COV_B)/fuzz_metadata -instr-profile=$(COV_B)/fuzz.profdata \
		metadata/validate.c metadata/codec_label.c metadata/codec_payload.c metadata/names.c \
		metadata/codec_journal.c

# Which layer includes which: tools -> core -> dm -> metadata (in make check).
layers:
	tests/layers.sh

# Single mutations of the code, each against the host suites (slow: not in
# make check); ends with "N killed, N survived".
mutate:
	tests/mutate/run

bench-metadata: $(B)/bench-metadata
	$(B)/bench-metadata $(BENCH_FILE)

# The benchmark harness in the VM rig (docs/benchmarks.md); BENCH=long for
# the long run.  Results in bench-results/<date>-<mode>/.
BENCH ?= short
bench: all $(B)/bench-metadata $(B)/timeit
	tools/bench/run $(BENCH)

# I/O errors and a slow LUN under stardm in the VM rig (docs/faults.md)
faults: hooks
	tests/vm/run-script tests/vm/ioerr.sh $(HOOKS_B)/stardm
	tests/vm/run-cluster tests/vm/slowlun.sh $(HOOKS_B)/stardm

# The space suite's write flood (not in make check: its time), and the
# cluster and handover suites at their soak sizes (make check runs them
# smaller to stay within its time)
soak-vm: hooks
	STARDM_SPACE_MIB=1024 tests/vm/run-cluster tests/vm/space.sh $(HOOKS_B)/stardm
	STARDM_CLUSTER_MIGRATIONS=20 tests/vm/run-cluster tests/vm/cluster.sh $(HOOKS_B)/stardm
	STARDM_HANDOVER_ROUNDS=6 STARDM_VM_PERL=1 tests/vm/run-cluster tests/vm/handover.sh $(HOOKS_B)/stardm

# Power cuts: tests/powercut/run replays a workload's writes in the VM rig
POWERCUT_WORKLOAD ?= tests/powercut/workload.sh
powercut: all $(B)/replay-log
	tests/powercut/run $(POWERCUT_WORKLOAD)

demo: all
	tools/demo.sh

clang:
	$(MAKE) B=build/clang CC=clang all unit build/clang/timeit build/clang/bench-metadata \
		build/clang/replay-log

install: all
	$(MAKE) install-files
# install-files: the files alone (STARDM=... installs another build, as the
# VM rig's debian nodes do); the Debian packages install the three parts
# through debhelper (debian/rules)
install-files: install-bin install-udev install-plugin
install-bin:
	install -D -m 0755 $(STARDM) $(DESTDIR)$(SBINDIR)/stardm
	install -D -m 0644 docs/stardm.8 $(DESTDIR)$(MANDIR)/man8/stardm.8
install-udev:
	install -D -m 0644 udev/09-stardm-flags.rules $(DESTDIR)$(UDEVDIR)/rules.d/09-stardm-flags.rules
	install -D -m 0644 udev/56-stardm.rules $(DESTDIR)$(UDEVDIR)/rules.d/56-stardm.rules
	install -D -m 0644 udev/69-stardm-lun.rules $(DESTDIR)$(UDEVDIR)/rules.d/69-stardm-lun.rules
	install -D -m 0644 udev/stardm-autoactivate@.service \
	  $(DESTDIR)/lib/systemd/system/stardm-autoactivate@.service
	install -D -m 0644 udev/stardm-monitor@.service \
	  $(DESTDIR)/lib/systemd/system/stardm-monitor@.service
install-plugin:
	install -D -m 0644 plugin/PVE/Storage/Custom/StarDMPlugin.pm \
	  $(DESTDIR)$(PERLDIR)/PVE/Storage/Custom/StarDMPlugin.pm

# Debian packages (debhelper, debian/): the tree's files are copied to
# $(B)/deb/stardm-VERSION with a changelog entry for this version, built
# there, and checked with lintian; the .debs land in $(B)/deb/.
deb:
	debian/make-deb $(B)/deb "$(STARDM_VERSION)"
version:
	@echo "$(STARDM_VERSION)"

clean:
	rm -rf build

.PHONY: FORCE all demo faults soak-vm powercut unit soak layers mutate san hooks check vmcheck fuzz fuzz-coverage bench-metadata bench clang install install-files install-bin install-udev install-plugin deb version clean
-include $(shell find build -path build/deb -prune -o -name '*.d' -print 2>/dev/null)
