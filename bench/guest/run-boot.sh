#!/bin/bash
# One benchmark boot, inside the guest: every configured (workload, size)
# for one swap backend, on the kernel this guest runs. scripts/bench.sh
# boots baseline and patched alternately and calls this in each.
#
#   run-boot.sh CONF KERNEL ITERATION BACKEND "WORKLOAD:SIZE ..." OUTDIR
#
# CONF is a bench/configs/*.conf file (plain shell variables). For every
# WORKLOAD:SIZE it sets up the backend afresh (a new swap device, zswap
# with its compressor), makes SIZE the only anonymous THP size, runs the
# workload in a memcg below its working set, and writes
# OUTDIR/runs/KERNEL-WORKLOAD-BACKEND-SIZE-iITERATION.json (schema
# lfswap-bench-run/1, see bench/README.md). A failed run is recorded with
# "ok": false and the boot goes on; the exit code is the number of failed
# runs (capped at 100).
set -u
[ $# -eq 6 ] || { echo "usage: run-boot.sh CONF KERNEL ITERATION BACKEND 'WORKLOAD:SIZE ...' OUTDIR" >&2; exit 2; }
conf=$1 kernel=$2 iter=$3 backend=$4 configs=$5 out=$6
. "$LFS_ROOT/tests/lib/guest.sh"
# shellcheck source=/dev/null
. "$conf"
BIN=${LFS_BENCH_BIN:-$LFS_ROOT/build/bench/bin}
G=$LFS_ROOT/bench/guest
Z=/sys/kernel/debug/zswap
mkdir -p "$out/runs" "$out/logs"
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
failed=0

# Swap and zswap for one run, from nothing: fresh slots, empty pool.
backend_up() {
	swap_off_all
	case $backend in
	zram) swap_on zram "$ZRAM_MB" >/dev/null ;;
	disk) swap_on disk "$SWAP_MB" >/dev/null ;;
	swapfile) swap_on swapfile "$SWAP_MB" >/dev/null ;;
	zswap-*)
		swap_on disk "$SWAP_MB" >/dev/null &&
			zswap_set on "${backend#zswap-}" "$ZSWAP_MAX_POOL_PERCENT"
		;;
	*) echo "run-boot.sh: unknown backend '$backend' (zram disk swapfile zswap-<compressor>)" >&2; return 2 ;;
	esac
}

backend_down() {
	case $backend in
	zswap-*) zswap_set off ;;
	esac
	swap_off_all
}

# Every counter a run reports, "name value" per line.
snap() {
	{
		grep -E '^(pswp|zswp|pgmajfault|pgfault|pgscan_|pgsteal_|thp_|swap_ra|workingset_refault_anon|workingset_restore_anon|pgrefill)' /proc/vmstat
		for f in "$THP"/hugepages-*kB/stats/*; do
			[ -f "$f" ] || continue
			d=${f#"$THP"/hugepages-}
			echo "${d%%/*}.${f##*/} $(cat "$f")"
		done
		for f in "$Z"/*; do
			[ -f "$f" ] && echo "zswap.${f##*/} $(cat "$f")"
		done
		awk '{ print "memcg." $1, $2 }' "$cg/memory.stat"
		awk '{ print "cpu." $1, $2 }' "$cg/cpu.stat"
		echo "memcg.events.oom_kill $(awk '$1 == "oom_kill" { print $2 }' "$cg/memory.events")"
		echo "memcg.events.max $(awk '$1 == "max" { print $2 }' "$cg/memory.events")"
	} >"$1" 2>/dev/null
}

# Peaks of the gauges while the workload runs, sampled every 0.5 s.
sampler() {
	local sp=0 pool=0 zc=0 sc=0 mc=0 v
	while :; do
		v=$(cat "$Z/stored_pages" 2>/dev/null || echo 0); [ "$v" -gt "$sp" ] && sp=$v
		v=$(cat "$Z/pool_total_size" 2>/dev/null || echo 0); [ "$v" -gt "$pool" ] && pool=$v
		v=$(cat "$cg/memory.zswap.current" 2>/dev/null || echo 0); [ "$v" -gt "$zc" ] && zc=$v
		v=$(cat "$cg/memory.swap.current" 2>/dev/null || echo 0); [ "$v" -gt "$sc" ] && sc=$v
		v=$(cat "$cg/memory.current" 2>/dev/null || echo 0); [ "$v" -gt "$mc" ] && mc=$v
		printf 'zswap.stored_pages_max %s\nzswap.pool_total_size_max %s\nmemcg.zswap_current_max %s\nmemcg.swap_current_max %s\nmemcg.memory_current_max %s\n' \
			"$sp" "$pool" "$zc" "$sc" "$mc" >"$1.tmp" && mv "$1.tmp" "$1"
		sleep 0.5
	done
}

run_one() {
	local workload=$1 size=$2 name rc=0 limit t0 t1 spid err=""
	name=$kernel-$workload-$backend-$size-i$iter
	local log=$out/logs/$name.log w=/tmp/bench-$name
	rm -rf "$w" && mkdir -p "$w"
	echo "--- $name"
	if ! backend_up >"$w/setup.log" 2>&1; then
		err="backend setup failed: $(tail -1 "$w/setup.log")"
	fi
	mthp_only "$size"
	cg_del lfswap-bench 2>/dev/null
	cg=$(cg_new lfswap-bench)
	case $workload in
	kbuild) limit=$KBUILD_MEMCG_MAX ;;
	*) limit=$USEMEM_MEMCG_MAX ;;
	esac
	echo "$limit" >"$cg/memory.max"
	sync
	echo 3 >/proc/sys/vm/drop_caches
	snap "$w/before"
	sampler "$w/peaks" &
	spid=$!
	t0=$(date +%s.%N)
	if [ -z "$err" ]; then
		case $workload in
		usemem-seq | usemem-rand)
			timeout "$RUN_TIMEOUT" "$BIN/lfs-usemem" --procs "$USEMEM_PROCS" --size "$USEMEM_SIZE" \
				--pattern "${workload#usemem-}" --data "$USEMEM_DATA" --cgroup "$cg" \
				--json "$w/workload.json" >"$log" 2>&1 || rc=$?
			;;
		kbuild)
			timeout "$RUN_TIMEOUT" "$G/kbuild.sh" "$KBUILD_SRC" "$w/kbuild" "$KBUILD_JOBS" "$cg" >"$log" 2>&1 || rc=$?
			;;
		*) echo "unknown workload $workload" >"$log"; rc=2 ;;
		esac
		[ "$rc" = 0 ] || err="$workload exited $rc ($(grep -m1 -E 'RESULT|ERROR|rror' "$log" || tail -1 "$log"))"
		[ "$rc" = 124 ] && err="$workload timed out after ${RUN_TIMEOUT}s (log: $log)"
	fi
	t1=$(date +%s.%N)
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	snap "$w/after"
	python3 "$G/mkrun.py" --kernel "$kernel" --iteration "$iter" --workload "$workload" \
		--backend "$backend" --size "$size" --elapsed "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" \
		--before "$w/before" --after "$w/after" --peaks "$w/peaks" \
		--workload-json "$w/workload.json" --error "$err" \
		--param "memcg_max=$limit" --param "procs=$USEMEM_PROCS" --param "usemem_size=$USEMEM_SIZE" \
		--param "kbuild_jobs=$KBUILD_JOBS" --param "data=$USEMEM_DATA" \
		--param "zswap_max_pool_percent=$ZSWAP_MAX_POOL_PERCENT" \
		--out "$out/runs/$name.json" || err=${err:-"mkrun.py failed"}
	[ -z "$err" ] || { failed=$((failed + 1)); echo "FAILED $name: $err"; }
	cg_del lfswap-bench
	backend_down
	rm -rf "$w"
}

for c in $configs; do
	run_one "${c%%:*}" "${c#*:}"
done
mthp_reset
exit $((failed > 100 ? 100 : failed))
