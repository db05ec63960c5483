#!/bin/bash
# The kbuild workload, inside the guest: compile the preprocessed kernel
# files of bench/kbuild/prepare.sh with JOBS parallel gcc processes, all in
# the memcg CG. Writes JSON_OUT with elapsed and file count.
#   kbuild.sh INPUT_DIR WORK JOBS CG JSON_OUT
set -u
in=$1 work=$2 jobs=$3 cg=$4 json=$5
[ -f "$in/files" ] || { echo "kbuild.sh: no $in/files (bench/kbuild/prepare.sh makes it)" >&2; exit 2; }
mkdir -p "$work"
echo $$ >"$cg/cgroup.procs" || exit 2
cc=$(cat "$in/cc")
flags=$(cat "$in/flags")
t0=$(date +%s.%N)
# shellcheck disable=SC2086
xargs -P "$jobs" -I{} sh -c "$cc $flags -c -o '$work/{}.o' '$in/{}.i' || exit 255" <"$in/files"
rc=$?
t1=$(date +%s.%N)
n=$(ls "$work"/*.o 2>/dev/null | wc -l)
echo "compiled $n of $(wc -l <"$in/files") files with $jobs jobs (xargs exit $rc)"
awk -v a="$t0" -v b="$t1" -v n="$n" -v j="$jobs" 'BEGIN {
	printf "{\"elapsed_s\": %.3f, \"files\": %d, \"jobs\": %d}\n", b - a, n, j }' >"$json"
[ "$rc" = 0 ] && [ "$n" = "$(wc -l <"$in/files")" ]
