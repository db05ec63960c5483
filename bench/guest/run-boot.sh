#!/bin/bash
# One benchmark boot, inside the guest: every configured (workload, size)
# for one swap backend, on the kernel this guest runs, in the order given.
# scripts/bench.sh boots baseline and patched alternately, shuffles the
# configurations of each boot and records the order on the host.
#
#   run-boot.sh CONF KERNEL ITERATION BACKEND "WORKLOAD:SIZE ..." OUTDIR
#
# CONF is a bench/configs/*.conf file (plain shell variables). KERNEL is
# the side's label (an A/A check boots one kernel under both labels; the
# run records uname). For every WORKLOAD:SIZE it sets up the backend
# afresh (a new swap device, zswap with its compressor), makes SIZE the
# only anonymous THP size, runs the workload in a memcg below its working
# set, and writes
# OUTDIR/raw/KERNEL-WORKLOAD-BACKEND-SIZE-iITERATION/ (counter snapshots,
# peaks, the workload's JSON, run.env), which scripts/bench.sh turns into a
# run JSON with bench/guest/mkrun.py. A failed run is recorded with its
# error and the boot goes on; the exit code is the number of failed
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
mkdir -p "$out/raw" "$out/logs"
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
uname=$(uname -r)
: "${USEMEM_DATA_MAX:=8M}"
failed=0

# zswap-lz4 -> lz4, zswap-zstd-zram -> zstd
zswap_compressor() {
	local c=${backend#zswap-}
	echo "${c%-zram}"
}

# Swap and zswap for one run, from nothing: fresh slots, empty pool.
backend_up() {
	swap_off_all
	case $backend in
	zram) swap_on zram "$ZRAM_MB" >/dev/null ;;
	disk) swap_on disk "$SWAP_MB" >/dev/null ;;
	swapfile) swap_on swapfile "$SWAP_MB" >/dev/null ;;
	# zswap in front of zram: what distributions that use zram and zswap
	# together run (zswap writes back to zram)
	zswap-*-zram)
		swap_on zram "$ZRAM_MB" >/dev/null &&
			zswap_set on "$(zswap_compressor)" "$ZSWAP_MAX_POOL_PERCENT" && unit_up
		;;
	zswap-*)
		swap_on disk "$SWAP_MB" >/dev/null &&
			zswap_set on "$(zswap_compressor)" "$ZSWAP_MAX_POOL_PERCENT" && unit_up
		;;
	*) echo "run-boot.sh: unknown backend '$backend' (zram disk swapfile zswap-<compressor> zswap-<compressor>-zram)" >&2; return 2 ;;
	esac
}

# zswap.unit_size of this side: ZSWAP_UNIT_SIZES="LABEL:SIZE ..." in the
# configuration (configs/zswap-units.conf: both labels boot the patched
# kernel, with 4K and 64K units); none: the kernel's setting is left.
unit_size() {
	local e
	for e in ${ZSWAP_UNIT_SIZES:-}; do
		[ "${e%%:*}" != "$kernel" ] || { echo "${e#*:}"; return; }
	done
}

unit_up() {
	local u
	u=$(unit_size)
	[ -n "$u" ] || return 0
	zswap_unit_set "$u" || { echo "zswap unit_size $u: $(zswap_unit_missing)"; return 1; }
}

backend_down() {
	case $backend in
	zswap-*)
		[ -z "$(unit_size)" ] || zswap_unit_set 4K
		zswap_set off
		;;
	esac
	swap_off_all
}

# Every counter a run reports, "name value" per line, in one awk: a fork
# costs ~0.1 s under TCG and a run takes two snapshots.
snap() {
	awk -v thp="$THP/hugepages-" -v z="$Z/" -v cg="$cg/" '
	FILENAME == "/proc/vmstat" {
		if ($1 ~ /^(pswp|zswp|pgmajfault|pgfault|pgscan_|pgsteal_|thp_|swap_ra|workingset_refault_anon|workingset_restore_anon|pgrefill)/)
			print $1, $2
		next
	}
	index(FILENAME, thp) == 1 {	# .../hugepages-64kB/stats/swpout -> 64kB.swpout
		n = split(substr(FILENAME, length(thp) + 1), p, "/")
		print p[1] "." p[n], $1
		next
	}
	index(FILENAME, z) == 1 { print "zswap." substr(FILENAME, length(z) + 1), $1; next }
	FILENAME == cg "memory.stat" { print "memcg." $1, $2; next }
	FILENAME == cg "cpu.stat" { print "cpu." $1, $2; next }
	FILENAME == cg "memory.events" && ($1 == "oom_kill" || $1 == "max") { print "memcg.events." $1, $2 }
	' "${snap_files[@]}" "$cg/memory.stat" "$cg/cpu.stat" "$cg/memory.events" >"$1"
}
# Only files that exist: Debian's awk (mawk) stops at the first file it
# cannot open, and $Z exists only once zswap was set up.
snap_files() {
	shopt -s nullglob
	snap_files=(/proc/vmstat "$THP"/hugepages-*kB/stats/*)
	[ -d "$Z" ] && snap_files+=("$Z"/*)
	shopt -u nullglob
}

# Peaks of the gauges while the workload runs, sampled every 0.5 s with
# shell builtins only (no forks but sleep).
sampler() {
	local f i v
	# A kill lands between commands, never in the middle of a write.
	trap 'exit 0' TERM
	local -a files=("$Z/stored_pages" "$Z/pool_total_size" "$cg/memory.zswap.current" "$cg/memory.swap.current" "$cg/memory.current")
	local -a names=(zswap.stored_pages_max zswap.pool_total_size_max memcg.zswap_current_max memcg.swap_current_max memcg.memory_current_max)
	local -a max=(0 0 0 0 0)
	while :; do
		for i in 0 1 2 3 4; do
			f=${files[$i]}
			v=0
			[ -r "$f" ] && read -r v <"$f"
			[ "$v" -gt "${max[$i]}" ] 2>/dev/null && max[i]=$v
		done
		# Rewritten in place: the reader runs after this loop is killed.
		for i in 0 1 2 3 4; do echo "${names[$i]} ${max[$i]}"; done >"$1"
		sleep 0.5
	done
}

run_one() {
	local workload=$1 size=$2 name rc=0 limit zlimit t0 t1 spid err=""
	name=$kernel-$workload-$backend-$size-i$iter
	# Raw material only, straight into the results: scripts/bench.sh turns
	# it into runs/NAME.json on the host (bench/guest/mkrun.py), because
	# python3 and every fork cost time under TCG.
	local log=$out/logs/$name.log w=$out/raw/$name
	mkdir -p "$w"
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
	# zswap's pool is charged to the memcg: without a zswap limit, 4K pages
	# of compressible data fill memory.max with compressed copies and the
	# workload stalls (6.12 writes back too slowly to make room).
	zlimit=max
	case $backend in
	zswap-*)
		zlimit=$(($(numfmt --from=iec "$limit") * ZSWAP_MEMCG_PERCENT / 100))
		echo "$zlimit" >"$cg/memory.zswap.max"
		;;
	esac
	echo 3 >/proc/sys/vm/drop_caches
	snap_files
	snap "$w/before"
	: >"$w/peaks"
	sampler "$w/peaks" &
	spid=$!
	t0=$EPOCHREALTIME
	if [ -z "$err" ]; then
		case $workload in
		usemem-seq | usemem-rand)
			timeout "$RUN_TIMEOUT" "$BIN/lfs-usemem" --procs "$USEMEM_PROCS" --size "$USEMEM_SIZE" \
				--pattern "${workload#usemem-}" --data "$USEMEM_DATA" --data-max "$USEMEM_DATA_MAX" \
				--cgroup "$cg" --json "$w/workload.json" >"$log" 2>&1 || rc=$?
			;;
		kbuild)
			timeout "$RUN_TIMEOUT" "$G/kbuild.sh" "$KBUILD_SRC" "/tmp/kbuild-$name" "$KBUILD_JOBS" "$cg" \
				"$w/workload.json" >"$log" 2>&1 || rc=$?
			rm -rf "/tmp/kbuild-$name"
			;;
		*) echo "unknown workload $workload" >"$log"; rc=2 ;;
		esac
		[ "$rc" = 0 ] || err="$workload exited $rc ($(grep -m1 -E 'RESULT|ERROR|rror' "$log" || tail -1 "$log"))"
		[ "$rc" = 124 ] && err="$workload timed out after ${RUN_TIMEOUT}s (log: $log)"
	fi
	t1=$EPOCHREALTIME
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	snap "$w/after"
	{
		echo "kernel=$kernel"; echo "iteration=$iter"; echo "workload=$workload"
		echo "backend=$backend"; echo "size=$size"; echo "uname=$uname"
		echo "t0=$t0"; echo "t1=$t1"
		echo "error=$err"
		echo "param.memcg_max=$limit"; echo "param.zswap_memcg_max=$zlimit"
		echo "param.procs=$USEMEM_PROCS"; echo "param.usemem_size=$USEMEM_SIZE"
		echo "param.kbuild_jobs=$KBUILD_JOBS"; echo "param.data=${USEMEM_DATA##*/}"
		echo "param.zswap_max_pool_percent=$ZSWAP_MAX_POOL_PERCENT"
		[ -z "$(unit_size)" ] || echo "param.zswap_unit_size=$(unit_size)"
	} >"$w/run.env"
	[ -z "$err" ] || { failed=$((failed + 1)); echo "FAILED $name: $err"; }
	cg_del lfswap-bench
	backend_down
}

for c in $configs; do
	run_one "${c%%:*}" "${c#*:}"
done
mthp_reset
exit $((failed > 100 ? 100 : failed))
