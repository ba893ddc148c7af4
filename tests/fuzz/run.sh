#!/usr/bin/env bash
# Runs the libFuzzer targets of build/fuzz (see tests/fuzz/fuzz.mk).
#
#   run.sh fuzz SECONDS DIR [a,b,...]    fuzz each target for SECONDS
#   run.sh regress 0 DIR [a,b,...]       replay each committed input once
#
# One line per target: "<name>: <runs> runs in <s> s (<execs/s>), cov <edges>,
# ft <features>, corpus <n>" then a summary; the exit status is 1 when any
# target crashed, leaked, hung or ran out of memory. Their reports stay in
# DIR/logs/<name>.log, reproducers in DIR/artifacts/<name>/.
#
# FUZZ_PARALLEL=N runs N targets at once (default 1), e.g. one per CPU in CI;
# their lines are printed in target order once all have ended.
set -u -o pipefail
mode=$1 seconds=$2 dir=$3 only=${4:-}
parallel=${FUZZ_PARALLEL:-1}
here=$(cd "$(dirname "$0")" && pwd)
failed=() total_runs=0

targets() {
  if [ -n "$only" ]; then tr ',' '\n' <<<"$only"; return; fi
  for src in "$here"/*_fuzz.cpp; do basename "$src" _fuzz.cpp; done
}

# The numbers of libFuzzer's -print_final_stats=1 block and its last status line.
summarize() {
  local name=$1 log=$2 secs=$3 runs
  runs=$(awk '/stat::number_of_executed_units:/ { print $2 }' "$log")
  awk -v name="$name" -v secs="$secs" -v runs="${runs:-0}" '
    / cov: / { for (i = 1; i < NF; i++) { if ($i == "cov:") cov = $(i + 1); if ($i == "ft:") ft = $(i + 1); if ($i == "corp:") corp = $(i + 1) } }
    END { printf "%s: %d runs in %d s (%d execs/s), cov %s, ft %s, corpus %s\n", name, runs, secs, (secs > 0 ? runs / secs : 0), cov, ft, corp }' "$log"
}

run_one() {
  local name=$1 bin=$dir/$1 seeds=$here/corpus/$1
  local work=$dir/corpus/$name art=$dir/artifacts/$name/ log=$dir/logs/$name.log
  mkdir -p "$work" "$art" "$dir/logs" "$seeds"
  local flags=(-print_final_stats=1 -artifact_prefix="$art" -rss_limit_mb=2048 -timeout=10
               -max_len=65536)
  local start=$SECONDS
  if [ "$mode" = fuzz ]; then
    # New inputs go to the first directory (build/), never into the repository.
    "$bin" "${flags[@]}" -max_total_time="$seconds" "$work" "$seeds" >"$log" 2>&1
  else
    "$bin" "${flags[@]}" -runs=0 "$seeds" >"$log" 2>&1
  fi
  local rc=$?
  summarize "$name" "$log" $((SECONDS - start))
  if [ $rc -ne 0 ]; then
    echo "$name: FAILED (exit $rc); the report:"
    grep -E -A12 '^==[0-9]+==ERROR|runtime error|^SUMMARY|Test unit written|ALARM|out-of-memory' "$log" | head -40
  fi
  return $rc
}

# Each target in the background, at most $parallel at once; its lines go to
# DIR/logs/<name>.out and its status to DIR/logs/<name>.rc.
for name in $(targets); do
  [ -x "$dir/$name" ] || { echo "run.sh: $dir/$name is not built" >&2; exit 2; }
done
mkdir -p "$dir/logs"
for name in $(targets); do
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n; done
  (run_one "$name" >"$dir/logs/$name.out"; echo $? >"$dir/logs/$name.rc") &
done
wait
for name in $(targets); do
  cat "$dir/logs/$name.out"
  [ "$(cat "$dir/logs/$name.rc")" = 0 ] || failed+=("$name")
  runs=$(awk '/stat::number_of_executed_units:/ { print $2 }' "$dir/logs/$name.log")
  total_runs=$((total_runs + ${runs:-0}))
done
echo "fuzz $mode: $(targets | wc -l) targets, $total_runs runs, ${#failed[@]} failed${failed[*]:+: ${failed[*]}}"
[ ${#failed[@]} -eq 0 ]
