# `make fuzz`: coverage-guided fuzzing (libFuzzer, clang) of every parser that
# reads input from outside profbufd; one target per tests/fuzz/<name>_fuzz.cpp,
# built as build/fuzz/<name>. Each runs FUZZ_SECONDS (default 60) under ASan and
# UBSan, starting from its seed corpus tests/fuzz/corpus/<name>/; what it finds
# goes to build/fuzz/corpus/<name>/ (new inputs) and build/fuzz/artifacts/<name>/
# (crashes, leaks, timeouts). A crash reproducer is committed into the seed
# corpus beside a unit test of the fix.
#
# `make fuzz-regress`: every committed input once through its target, no
# fuzzing; part of `make test`.
#
# FUZZ_TARGETS=name1,name2 narrows both to some targets.
#
# Included from the top-level Makefile after CORE_LIB_SRCS, LDLIBS, GEN and
# DEPS_STAMP are defined. The library is compiled again with clang and the
# sanitizers, into build/fuzz/obj (the fuzzing runtime needs clang's coverage
# instrumentation in the code it explores).

FUZZ_CXX ?= clang++
FUZZ_DIR ?= build/fuzz
# -O1 for fuzzing; `make test` replays the corpus with -O0 into its own directory
# (build/fuzz-regress): a cold clang+ASan build of the library is about 40% faster
# so, and one pass over the corpus needs no speed.
FUZZ_OPT ?= -O1
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CXXFLAGS := -std=c++20 $(FUZZ_OPT) -g -fno-omit-frame-pointer -Wall -Wextra -Werror \
	$(FUZZ_SAN) -fsanitize=fuzzer-no-link -Iuserspace -Ibpf -I$(GEN) -MMD -MP \
	-DPROFBUFD_VERSION='"$(VERSION)"'

FUZZ_SRCS := $(sort $(wildcard tests/fuzz/*_fuzz.cpp))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%_fuzz.cpp=$(FUZZ_DIR)/%)
# app/ only wires the stages together and reads no input of its own (and uses
# C++20 that clang 14 lacks: lambdas capturing structured bindings).
FUZZ_LIB_SRCS := $(filter-out userspace/app/%,$(CORE_LIB_SRCS))
FUZZ_LIB_OBJS := $(FUZZ_LIB_SRCS:%.cpp=$(FUZZ_DIR)/obj/%.o)
FUZZ_LIB := $(FUZZ_DIR)/libprofbufd.a
FUZZ_TARGETS ?=

$(FUZZ_DIR)/obj/%.o: %.cpp | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -c $< -o $@

# The web page's files (the HTTP server links them): data, compiled without
# instrumentation, as there is nothing in them to explore.
FUZZ_LIB_OBJS += $(FUZZ_DIR)/obj/$(GEN)/web_assets.o
$(FUZZ_DIR)/obj/$(GEN)/web_assets.o: $(GEN)/web_assets.cpp
	@mkdir -p $(@D)
	$(FUZZ_CXX) -std=c++20 -O0 -Iuserspace -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BINS): $(FUZZ_DIR)/%: $(FUZZ_DIR)/obj/tests/fuzz/%_fuzz.o $(FUZZ_LIB)
	$(FUZZ_CXX) $(FUZZ_SAN) -fsanitize=fuzzer $^ $(LDLIBS) -o $@

.PHONY: fuzz fuzz-build fuzz-regress
fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	tests/fuzz/run.sh fuzz $(FUZZ_SECONDS) $(FUZZ_DIR) $(FUZZ_TARGETS)

fuzz-regress: $(FUZZ_BINS)
	tests/fuzz/run.sh regress 0 $(FUZZ_DIR) $(FUZZ_TARGETS)

-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)
