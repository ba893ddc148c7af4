# profbufd — one Makefile drives everything.
#
#   make deps      install every Debian package needed to build, test and run
#   make           build build/profbufd
#   make run       build, then profile this machine (ARGS, default --duration 30s)
#   make test      build and run every test (unit + end-to-end; e2e needs root)
#   make bench     build and run the benchmarks
#   make deb       build build/profbufd_<version>_<arch>.deb
#   make bench-overhead   profbufd vs perf record vs bpftrace, end to end (root)
#   make bench-web        what the web page and the Pyroscope push cost (root)
#   make fuzz      fuzz every parser of outside input (FUZZ_SECONDS each, default 60)
#   make fuzz-regress     replay the fuzzers' committed corpus once (part of make test)
#   make clean
#
#   make test SANITIZE=thread|address   unit tests under TSan / ASan
#
# Sources are found by wildcard: every userspace/**/*.cpp except main.cpp goes into
# the library, every tests/userspace/**/*_test.cpp into the unit-test binary,
# every tests/e2e/**/*_test.cpp into the end-to-end binary, tests/bench/*.cpp into
# the benchmark binary.

VERSION := 0.1.0

# Build on every core by default; the test runs themselves stay sequential
# (see `test`).
ifeq ($(MAKELEVEL),0)
  MAKEFLAGS += -j$(shell nproc)
endif

# Packages needed to build, test and run. One per line in the recipe below.
DEB_PACKAGES := \
	bpftool clang llvm libbpf-dev libelf-dev libdw-dev libdebuginfod-dev liblzma-dev zlib1g-dev pkg-config \
	g++ make nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev \
	golang-go libcpp-httplib-dev libsystemd-dev prometheus lintian dpkg-dev fakeroot \
	systemd python3 python3.11 python3.11-dbg \
	libc6-dbg linux-perf zstd bzip2 xz-utils nodejs debuginfod \
	libcurl4-openssl-dev npm chromium chromium-driver protobuf-compiler libprotobuf-dev \
	podman runc busybox-static libclang-rt-14-dev \
	systemd-container debootstrap curl procps
# Satisfied by a command on PATH as well as by the Debian package of that name: a
# machine whose Node.js comes from elsewhere (nodesource) has an npm that Debian's
# npm package would conflict with.
DEB_COMMANDS := npm

SANITIZE ?=
ifeq ($(SANITIZE),)
  BUILD ?= build
  SAN_FLAGS :=
else ifeq ($(SANITIZE),thread)
  BUILD ?= build/tsan
  SAN_FLAGS := -fsanitize=thread
else ifeq ($(SANITIZE),address)
  BUILD ?= build/asan
  SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all
else
  $(error SANITIZE must be thread or address, not '$(SANITIZE)')
endif

CXX ?= g++
CLANG ?= clang
BPFTOOL ?= bpftool
GEN := build/gen
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

CXXFLAGS ?= -O2 -g
CXXFLAGS += -std=c++20 -Wall -Wextra -Werror -fno-omit-frame-pointer $(SAN_FLAGS) \
	-Iuserspace -Ibpf -I$(GEN) -MMD -MP -DPROFBUFD_VERSION='"$(VERSION)"'
LDFLAGS += $(SAN_FLAGS)
LDLIBS := -lbpf -ldw -ldebuginfod -lelf -llzma -lz -lcpp-httplib -lcurl -lsystemd -lpthread

LIB_SRCS := $(shell find userspace -name '*.cpp' ! -name main.cpp | sort)
UNIT_SRCS := $(shell find tests/userspace -name '*_test.cpp' 2>/dev/null | sort)
E2E_SRCS := $(shell find tests/e2e -name '*.cpp' 2>/dev/null | sort)
BENCH_SRCS := $(shell find tests/bench -name '*.cpp' 2>/dev/null | sort)
# Small programs the tests build and run (workloads, ELF fixtures); one binary each.
TESTPROG_SRCS := $(shell find tests/programs -name '*.c' -o -name '*.cpp' 2>/dev/null | sort)

# Library sources that include a header generated from bpf/ (see "C++" below).
BPF_LIB_SRCS := $(shell grep -l -E '^\#include "([a-z_]+\.skel|min_core_btf)\.h"' $(LIB_SRCS) /dev/null)
CORE_LIB_SRCS := $(filter-out $(BPF_LIB_SRCS),$(LIB_SRCS))
CORE_LIB_OBJS := $(CORE_LIB_SRCS:%.cpp=$(BUILD)/obj/%.o) $(BUILD)/obj/$(GEN)/web_assets.o
BPF_LIB_OBJS := $(BPF_LIB_SRCS:%.cpp=$(BUILD)/obj/%.o)
UNIT_OBJS := $(UNIT_SRCS:%.cpp=$(BUILD)/obj/%.o)
E2E_OBJS := $(E2E_SRCS:%.cpp=$(BUILD)/obj/%.o)
BENCH_OBJS := $(BENCH_SRCS:%.cpp=$(BUILD)/obj/%.o)
# lib*.c are shared libraries the programs link (lib*.so); *_nofp.c are built
# optimized and without frame pointers, as distributions build their packages.
TESTLIB_SRCS := $(filter tests/programs/lib%,$(TESTPROG_SRCS))
TESTLIBS := $(patsubst tests/programs/%.c,$(BUILD)/tests/programs/%.so,$(TESTLIB_SRCS))
TESTPROGS := $(patsubst tests/programs/%,$(BUILD)/tests/programs/%, \
	$(basename $(filter-out $(TESTLIB_SRCS),$(TESTPROG_SRCS)))) $(TESTLIBS)

DEPS_STAMP := build/.deps-installed
BPF_SRCS := $(sort $(wildcard bpf/*.bpf.c))
BPF_HDRS := $(wildcard bpf/*.h)
BPF_OBJS := $(BPF_SRCS:bpf/%.bpf.c=$(GEN)/%.bpf.o)
SKELS := $(BPF_SRCS:bpf/%.bpf.c=$(GEN)/%.skel.h)

.PHONY: all deps run test test-unit test-profbuf test-e2e bench clean testprogs
.DEFAULT_GOAL := all

all: $(BUILD)/profbufd

# --- dependencies ----------------------------------------------------------------
# Idempotent: asks dpkg what is missing and installs only that. apt-get update runs
# only when something is missing. Needs root (CI runs as root; users run sudo make).
deps: $(DEPS_STAMP)
$(DEPS_STAMP): Makefile
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    case " $(DEB_COMMANDS) " in *" $$p "*) command -v $$p >/dev/null && continue;; esac; \
	    dpkg-query -W -f='$${db:Status-Status}\n' $$p 2>/dev/null | grep -qx installed || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing:" $$missing; \
	  if [ "$$(id -u)" != 0 ]; then echo "profbufd: make deps: installing packages needs root (run: sudo make deps)" >&2; exit 1; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q --no-install-recommends $$missing || exit 1; \
	fi
	@mkdir -p $(@D) && touch $@

# --- BPF: vmlinux.h, one object and skeleton per bpf/*.bpf.c ----------------------
# Every bpf/<kind>.bpf.c is one profile kind's program; each becomes
# $(GEN)/<kind>.skel.h (struct profbufd_<kind>_bpf) by the two pattern rules below.
$(GEN)/vmlinux.h: | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@test -r /sys/kernel/btf/vmlinux || { echo "profbufd: build: /sys/kernel/btf/vmlinux is missing: this kernel has no BTF (build on a kernel with CONFIG_DEBUG_INFO_BTF=y)" >&2; exit 1; }
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

# How every BPF object is compiled, the profile kinds' and the benchmarks'.
BPF_CFLAGS = -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(GEN) -Ibpf -Wall -Werror
$(GEN)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(GEN)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(GEN)/%.skel.h: $(GEN)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name profbufd_$*_bpf > $@.tmp && mv $@.tmp $@

# BPF programs of the benchmarks (tests/bench/bpf/<name>.bpf.c): their
# skeletons are $(GEN)/bench/<name>.skel.h (struct profbufd_bench_<name>_bpf).
BENCH_BPF_SKELS := $(patsubst tests/bench/bpf/%.bpf.c,$(GEN)/bench/%.skel.h,$(wildcard tests/bench/bpf/*.bpf.c))
$(GEN)/bench/%.bpf.o: tests/bench/bpf/%.bpf.c $(BPF_HDRS) $(GEN)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
$(GEN)/bench/%.skel.h: $(GEN)/bench/%.bpf.o
	$(BPFTOOL) gen skeleton $< name profbufd_bench_$*_bpf > $@.tmp && mv $@.tmp $@

# The kernel types the BPF objects relocate against, cut out of this kernel's BTF
# (BTFGen), with the size and CRC-32 of the BTF it came from. At run time, on the
# same kernel, libbpf reads these few bytes instead of parsing all of
# /sys/kernel/btf/vmlinux (about 9 MB of peak RSS); on any other kernel it
# falls back to the full BTF. See userspace/capture/core_btf.h.
MIN_BTF_H := $(GEN)/min_core_btf.h
$(GEN)/profbufd.min.btf: $(BPF_OBJS)
	$(BPFTOOL) gen min_core_btf /sys/kernel/btf/vmlinux $@ $^
$(MIN_BTF_H): $(GEN)/profbufd.min.btf bpf/min_btf_header.py
	python3 bpf/min_btf_header.py /sys/kernel/btf/vmlinux $< > $@.tmp && mv $@.tmp $@

# --- the web page: profbufd's own files and the vendored flame graph ---------------
# embed.py fetches each package of vendor.lock once with `npm pack` into
# build/vendor/, refuses it unless its SHA-512 is the one the lock records, and
# writes every file served under / and /ui/ into one generated source (see
# userspace/http/web_assets.h).
WEB_DIR := userspace/http/web
WEB_PAGE := $(sort $(wildcard $(WEB_DIR)/page/*))
$(GEN)/web_assets.cpp: $(WEB_DIR)/vendor.lock $(WEB_DIR)/embed.py $(WEB_PAGE) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	python3 $(WEB_DIR)/embed.py $(WEB_DIR)/vendor.lock $(WEB_DIR)/page build/vendor $@

# --- C++ ---------------------------------------------------------------------------
# Two libraries: libprofbufd_bpf.a holds the few sources that include a header
# generated from bpf/ (a skeleton, the minimized BTF) and so need clang and bpftool;
# libprofbufd.a holds everything else. The unit tests link only libprofbufd.a, so
# they build without clang, bpftool or a BTF kernel.
$(BUILD)/obj/%.o: %.cpp | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) -c $< -o $@
$(BPF_LIB_OBJS): | $(SKELS) $(MIN_BTF_H)

$(BUILD)/libprofbufd.a: $(CORE_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/libprofbufd_bpf.a: $(BPF_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# The two archives refer to each other (kinds register in the core, attach in BPF).
ALL_LIBS := -Wl,--start-group $(BUILD)/libprofbufd_bpf.a $(BUILD)/libprofbufd.a -Wl,--end-group

$(BUILD)/profbufd: $(BUILD)/obj/userspace/main.o $(BUILD)/libprofbufd.a $(BUILD)/libprofbufd_bpf.a
	$(CXX) $(LDFLAGS) $< $(ALL_LIBS) $(LDLIBS) -o $@

# Pyroscope's push messages (tests/proto/push.proto), as protoc generates them:
# the tests decode what the push sink sends with real protobuf code. Generated
# code is compiled without -Werror: its warnings are not ours to fix.
PROTO_CC := $(GEN)/proto/push.pb.cc
PROTO_OBJ := $(BUILD)/obj/$(GEN)/proto/push.pb.o
$(PROTO_CC): tests/proto/push.proto | $(DEPS_STAMP)
	@mkdir -p $(@D)
	protoc --proto_path=tests/proto --cpp_out=$(@D) $<
$(PROTO_OBJ): $(PROTO_CC)
	@mkdir -p $(@D)
	$(CXX) -O1 -std=c++20 -I$(GEN)/proto -c $< -o $@
TEST_CXXFLAGS = -I$(GEN)/proto
# The tests' own sources are compiled without optimization (the library they
# test stays -O2): at -O2 they were three quarters of a cold build's compile
# time (1490 of 1990 CPU seconds), and take half as long at -O0. Sanitizer
# builds keep their flags as they are.
TEST_OPT ?= $(if $(SANITIZE),,-O0)
$(UNIT_OBJS) $(E2E_OBJS): $(PROTO_CC)
$(UNIT_OBJS) $(E2E_OBJS): CXXFLAGS += $(TEST_CXXFLAGS) $(TEST_OPT)
PROTOBUF_LIBS := $(shell pkg-config --libs protobuf 2>/dev/null || echo -lprotobuf)

$(BUILD)/unit_tests: $(UNIT_OBJS) $(PROTO_OBJ) $(BUILD)/libprofbufd.a
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) $(PROTOBUF_LIBS) -lgmock -lgtest -lgtest_main -o $@

# ProfBuf's own tests, linked without the rest of the library: CI runs them under
# ThreadSanitizer without building everything else with it.
PROFBUF_TEST_OBJS := $(filter $(BUILD)/obj/tests/userspace/core/profbuf%,$(UNIT_OBJS))
$(BUILD)/profbuf_tests: $(PROFBUF_TEST_OBJS) $(BUILD)/obj/userspace/core/profbuf.o
	$(CXX) $(LDFLAGS) $^ -lpthread -lgmock -lgtest -lgtest_main -o $@

$(BUILD)/e2e_tests: $(E2E_OBJS) $(PROTO_OBJ) $(BUILD)/libprofbufd.a $(BUILD)/libprofbufd_bpf.a
	$(CXX) $(LDFLAGS) $(E2E_OBJS) $(PROTO_OBJ) $(ALL_LIBS) $(LDLIBS) $(PROTOBUF_LIBS) -lgtest -lgtest_main -o $@

$(BENCH_OBJS): | $(BENCH_BPF_SKELS)
$(BUILD)/benchmarks: $(BENCH_OBJS) $(BUILD)/libprofbufd.a $(BUILD)/libprofbufd_bpf.a
	$(CXX) $(LDFLAGS) $(BENCH_OBJS) $(ALL_LIBS) $(LDLIBS) -lbenchmark -lbenchmark_main -o $@

# Test programs: built at -O0 with frame pointers, so that every function, leaf or not,
# has a frame from its first instruction on (gcc -O1 still omits frames in leaf and
# shrink-wrapped functions) and symbols, so stacks are walkable and
# symbolizable; position-independent (PIE) as Debian builds everything.
$(BUILD)/tests/programs/%: tests/programs/%.c Makefile | $(DEPS_STAMP)
	@mkdir -p $(@D)
	gcc -O0 -g -fno-omit-frame-pointer -fPIE -pie -pthread $< -o $@
# The exec pair: non-PIE, so both programs' code is at the same addresses.
$(BUILD)/tests/programs/exec_%: tests/programs/exec_%.c Makefile | $(DEPS_STAMP)
	@mkdir -p $(@D)
	gcc -O0 -g -fno-omit-frame-pointer -no-pie -fno-pie $< -o $@
# The fake interpreters that include the hostile one.
$(BUILD)/tests/programs/python3.9-fake $(BUILD)/tests/programs/python3.11-mislaid: \
	tests/programs/python3.11-hostile.c
# The unwinder's fixtures: -O2 without frame pointers (and without the
# optimizations that merge or remove frames on purpose), linking their library
# from their own directory.
NOFP_CFLAGS := -O2 -g -fomit-frame-pointer -fno-optimize-sibling-calls -fno-inline
$(BUILD)/tests/programs/lib%.so: tests/programs/lib%.c tests/programs/*.h Makefile | $(DEPS_STAMP)
	@mkdir -p $(@D)
	gcc $(NOFP_CFLAGS) -fPIC -shared $< -o $@
$(BUILD)/tests/programs/%_nofp: tests/programs/%_nofp.c $(TESTLIBS) Makefile | $(DEPS_STAMP)
	@mkdir -p $(@D)
	gcc $(NOFP_CFLAGS) -fPIE -pie $< -o $@ -L$(BUILD)/tests/programs -lunwind_fixture \
		-Wl,-rpath,'$$ORIGIN'

$(BUILD)/tests/programs/%: tests/programs/%.cpp Makefile | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CXX) -std=c++20 -O0 -g -fno-omit-frame-pointer -fPIE -pie -pthread $< -o $@

testprogs: $(TESTPROGS)

# --- running -----------------------------------------------------------------------
# GTEST_FILTER narrows both binaries, e.g. make test SANITIZE=thread GTEST_FILTER='ProfBuf*'
GTEST_FILTER ?= *

# Unit tests first, then end-to-end, one after the other (never in parallel: the
# end-to-end tests measure sampling rates and must not compete with other tests).
test:
	$(MAKE) test-unit
	$(MAKE) fuzz-regress FUZZ_OPT=-O0 FUZZ_DIR=$(BUILD)/fuzz-regress
	$(MAKE) test-e2e
	$(if $(SANITIZE),,$(MAKE) test-packaging)
	$(MAKE) test-bench-overhead

# The unit (systemd-analyze verify/security) and the package (lintian, dpkg);
# then the package under a real systemd, booted in systemd-nspawn from a Debian 12
# root that debootstrap builds once into build/nspawn-root.
.PHONY: test-packaging
test-packaging: deb $(BUILD)/tests/programs/sandbox_probe
	tests/packaging/run.sh $(BUILD) $(VERSION)
	tests/packaging/systemd_boot.sh $(BUILD) $(DEB_FILE) $(BUILD)/tests/programs/sandbox_probe

test-unit: $(BUILD)/unit_tests $(TESTPROGS)
	PROFBUFD_BUILD=$(BUILD) tests/run-gtest.sh $(BUILD)/unit_tests '$(GTEST_FILTER)'
	PYTHONDONTWRITEBYTECODE=1 python3 -m unittest discover -s tests/userspace/http/web -p 'test_*.py'
	PYTHONDONTWRITEBYTECODE=1 python3 -m unittest discover -s tests/bench/soak -p 'test_*.py'

test-profbuf: $(BUILD)/profbuf_tests
	tests/run-gtest.sh $(BUILD)/profbuf_tests '$(GTEST_FILTER)'

# End-to-end tests load the real BPF program. Without root or BTF they skip with the
# reason; with CI=true (or PROFBUFD_REQUIRE_BPF=1) such a skip is a failure.
test-e2e: $(BUILD)/e2e_tests $(BUILD)/profbufd $(TESTPROGS)
	PROFBUFD_BUILD=$(BUILD) tests/run-gtest.sh $(BUILD)/e2e_tests '$(GTEST_FILTER)'

# The main job: profile the whole machine, writing profiles into the current
# directory. Needs root (CAP_BPF + CAP_PERFMON).
ARGS ?= --duration 30s
run: $(BUILD)/profbufd
	$(BUILD)/profbufd $(ARGS)

bench: $(BUILD)/benchmarks
	$(BUILD)/benchmarks $(BENCH_ARGS)

# What the page and the push cost (root): the README's figures for them.
.PHONY: bench-web
bench-web: $(BUILD)/profbufd $(TESTPROGS)
	python3 tests/bench/web_cost.py --build $(BUILD) -- $(WEB_ARGS)

# How many frames are named on Debian's programs (root); COMPARE=OLD/profbufd
# runs an older build on the same mix first.
.PHONY: bench-names
bench-names: $(BUILD)/profbufd $(TESTPROGS)
	python3 tests/bench/frame_names.py --build $(BUILD) $(if $(COMPARE),--compare $(COMPARE))

# What Python frames cost in BPF, and how complete they are (root): the README's figures.
.PHONY: bench-python
bench-python: $(BUILD)/profbufd
	python3 tests/bench/python_cost.py --build $(BUILD)

# What the allocs profile's uprobes cost per malloc, against bcc's memleak (root).
.PHONY: bench-heap
bench-heap: $(BUILD)/profbufd $(TESTPROGS)
	python3 tests/bench/heap_cost.py --build $(BUILD)

# What the block, mutex and threadcreate kinds cost on their storms, beside perf
# record (and bpftrace) on the same tracepoints; writes build/bench-kinds.md (root).
.PHONY: bench-kinds
# Its peers (perf, bpftrace) come from bench-deps (tests/bench/overhead/overhead.mk).
bench-kinds: $(BUILD)/profbufd $(TESTPROGS) bench-deps
	PYTHONDONTWRITEBYTECODE=1 python3 tests/bench/kinds_cost.py --build $(BUILD)

# An hour at 999 Hz under process churn and Debian's programs restarted every
# minute, with /metrics and /debug/pprof/profile pulled (root): RSS, fds,
# threads, map memory and lost samples every 10 s, plotted to build/soak/soak.svg,
# the goals in build/soak/soak.md. SOAK_ARGS='--seconds 600' for a shorter one.
.PHONY: soak
soak: $(BUILD)/profbufd $(TESTPROGS)
	PYTHONDONTWRITEBYTECODE=1 python3 tests/bench/soak/soak.py --build $(BUILD) $(SOAK_ARGS)

clean:
	rm -rf build

include packaging/deb.mk
include tests/bench/overhead/overhead.mk
include tests/fuzz/fuzz.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
