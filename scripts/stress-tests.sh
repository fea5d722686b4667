#!/usr/bin/env bash
# npm run test:stress: the whole suite, twice at once, for several rounds. Two copies of the working tree
# (each a clone with the uncommitted changes, node_modules shared through a symlink) run `npm test` at once,
# so both cores are contended by two suites; a round passes when both do. It prints, for each run, its
# status, its duration and the runner's summary, and the load average while it ran (other work on the
# machine counts: note it). docs/testing.md records how it was run and what it gave.
#
#   scripts/stress-tests.sh                   # 3 rounds of 2 copies
#   ROUNDS=5 COPIES=3 scripts/stress-tests.sh
#   KEEP=1 scripts/stress-tests.sh            # keep the copies and every run's full output
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
COPIES=${COPIES:-2}
root=$(pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/stress-tests.XXXXXX")
failed=0
cleanup() {
  # A failed run keeps everything, for its full output.
  if [ "${KEEP:-}" = 1 ] || [ "$failed" != 0 ]; then echo "kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Copies of the working tree as `git status` shows it: a clone at HEAD (a git repository, as the tests that ask
# git what it ignores need), with the modified, deleted and untracked files laid over it.
head=$(git rev-parse HEAD)
for c in $(seq 1 "$COPIES"); do
  copy="$work/copy-$c"
  git clone -q --shared --no-checkout "$root" "$copy"
  git -C "$copy" checkout -q --detach "$head"
  git ls-files -z --modified --others --exclude-standard | while IFS= read -r -d '' f; do
    [ -e "$f" ] && printf '%s\0' "$f"
  done | xargs -0 -r cp --parents -t "$copy"
  git ls-files -z --deleted | (cd "$copy" && xargs -0 -r rm -f)
  ln -s "$root/node_modules" "$copy/node_modules"
done

# The 1-minute load average every 5 s while a round runs: its mean and peak are reported.
sample_load() {
  while :; do
    cut -d' ' -f1 /proc/loadavg
    sleep 5
  done
}

summary() { grep -E '^# (tests|pass|fail|cancelled|skipped) ' "$1" | tr '\n' ' ' | sed 's/# //g'; }

for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r of $ROUNDS: $COPIES copies of npm test at once; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  sample_load >"$work/load-$r" &
  sampler=$!
  pids=()
  for c in $(seq 1 "$COPIES"); do
    (
      cd "$work/copy-$c"
      start=$(date +%s)
      status=0
      npm test >"$work/run-$r-$c.log" 2>&1 || status=$?
      echo "$status $(($(date +%s) - start))" >"$work/result-$r-$c"
    ) &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  kill "$sampler"
  wait "$sampler" 2>/dev/null || true
  load=$(awk '{ s += $1; if ($1 > m) m = $1 } END { if (NR) printf "mean %.2f, peak %.2f over %d samples", s / NR, m, NR }' "$work/load-$r")
  for c in $(seq 1 "$COPIES"); do
    read -r status seconds <"$work/result-$r-$c"
    verdict=PASS
    if [ "$status" != 0 ]; then
      verdict=FAIL
      failed=$((failed + 1))
    fi
    echo "round $r copy $c: $verdict in ${seconds} s ($(summary "$work/run-$r-$c.log"))"
    if [ "$status" != 0 ]; then
      grep -A14 -E '^\s*not ok' "$work/run-$r-$c.log" | head -80 || true
      echo "   full output: $work/run-$r-$c.log"
    fi
  done
  echo "round $r load average (1 min): $load"
done
echo "== $((ROUNDS * COPIES)) runs, $failed failed"
[ "$failed" = 0 ]
