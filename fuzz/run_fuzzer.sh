#!/bin/sh
# run_fuzzer.sh BINARY NAME SECONDS: replays fuzz/corpus/NAME and fuzz/regressions/NAME, then
# fuzzes for SECONDS with fuzz/dicts/NAME.dict when there is one. New inputs go to
# $FUZZ_CORPUS/NAME (default: a temp dir), crash artifacts to a temp dir that is kept, and
# printed, when the run fails; nothing is written into the repository. Exit status: libFuzzer's
# (non-zero on a crash, a leak, a timeout or an out-of-memory).
set -eu
bin=$1 name=$2 seconds=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/conveyor-fuzz-$name-XXXXXX")
corpus=${FUZZ_CORPUS:-$work}/$name
mkdir -p "$corpus" "$work/artifacts"
# The HTTP harness's SQLite store: tmpfs when there is one (an fsync per submitted job).
store_tmp=$work
[ -d /dev/shm ] && [ -w /dev/shm ] && store_tmp=$(mktemp -d /dev/shm/conveyor-fuzz-XXXXXX)
set -- -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/"
[ -f "$here/dicts/$name.dict" ] && set -- "$@" -dict="$here/dicts/$name.dict"
set -- "$@" "$corpus" "$here/corpus/$name"
[ -d "$here/regressions/$name" ] && set -- "$@" "$here/regressions/$name"
status=0
CONVEYOR_FUZZ_TMP=$store_tmp "$bin" "$@" || status=$?
[ "$store_tmp" != "$work" ] && rm -rf "$store_tmp"
if [ "$status" -ne 0 ]; then
  echo "run_fuzzer.sh: $name failed (exit $status); crash inputs kept in $work/artifacts" >&2
  ls -l "$work/artifacts" >&2
  exit "$status"
fi
rm -rf "$work"
