#!/usr/bin/env bash
# Runs one GoogleTest binary and ends with a plain summary line
# ("<name>: N passed, N failed, N skipped") that CI tooling reads.
# The exit status is the binary's own.
set -u -o pipefail
bin=$1
filter=${2:-*}
name=$(basename "$bin")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$bin" --gtest_filter="$filter" --gtest_color=no 2>&1 | tee "$log"
rc=$?
awk -v name="$name" '
  /^\[  PASSED  \] [0-9]+ test/  { passed = $4 }
  /^\[  SKIPPED \] [0-9]+ test/  { skipped = $4 }
  /^\[  FAILED  \] [0-9]+ test/  { failed = $4 }
  END { printf "%s: %d passed, %d failed, %d skipped\n", name, passed, failed, skipped }
' "$log"
exit $rc
