# `make bench-overhead`: the end-to-end overhead benchmark (tests/bench/overhead/run.py):
# profbufd against perf record and bpftrace on a busy machine, the highest loss-free
# frequency, and profbufd's memory in a long run and under process churn. Writes
# $(BUILD)/bench-overhead.md (and .json with every raw run). Needs root; takes about
# 8 minutes (BENCH_OVERHEAD_ARGS=--quick: about 1 minute, to check the script).
#
# Included from the top-level Makefile after BUILD, TESTPROGS and DEPS_STAMP are
# defined (prerequisites are expanded when this file is read).

# Tools the benchmark compares against and runs on; only the benchmark needs them,
# so they stay out of `make deps`.
BENCH_PACKAGES := linux-perf bpftrace python3
BENCH_DEPS_STAMP := build/.bench-deps-installed
BENCH_OVERHEAD_ARGS ?=

.PHONY: bench-overhead bench-deps
bench-deps: $(BENCH_DEPS_STAMP)

# Same idempotent scheme as `make deps`: ask dpkg what is missing, install only that.
$(BENCH_DEPS_STAMP): tests/bench/overhead/overhead.mk | $(DEPS_STAMP)
	@missing=$$(for p in $(BENCH_PACKAGES); do \
	    dpkg-query -W -f='$${db:Status-Status}\n' $$p 2>/dev/null | grep -qx installed || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "bench-deps: installing:" $$missing; \
	  if [ "$$(id -u)" != 0 ]; then echo "profbufd: make bench-overhead: installing packages needs root (run: sudo make bench-overhead)" >&2; exit 1; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q --no-install-recommends $$missing || exit 1; \
	fi
	@mkdir -p $(@D) && touch $@

bench-overhead: $(BUILD)/profbufd $(TESTPROGS) $(BENCH_DEPS_STAMP)
	@if [ "$$(id -u)" != 0 ]; then echo "profbufd: make bench-overhead: needs root to load BPF programs (run: sudo make bench-overhead)" >&2; exit 3; fi
	PYTHONDONTWRITEBYTECODE=1 python3 tests/bench/overhead/run.py --build $(BUILD) $(BENCH_OVERHEAD_ARGS)

# The script's own unit tests (parsers, report arithmetic); no privilege needed.
.PHONY: test-bench-overhead
test-bench-overhead: | $(DEPS_STAMP)
	PYTHONDONTWRITEBYTECODE=1 python3 -m unittest discover -s tests/bench/overhead -p 'test_*.py'
