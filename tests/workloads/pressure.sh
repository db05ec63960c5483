#!/bin/bash
# The `make run` workload, inside the guest: 64K mTHP on, zswap (lz4) in
# front of the virtio swap disk, a memcg whose memory.max is well below the
# working set; lfs-integrity fills the memory (reclaim pushes it out as it
# goes), pages the rest out and reads every byte back. Prints a table of
# what happened to the folios.
#   pressure.sh [--size 64K] [--mem 512M] [--limit 192M] [--compressor lz4]
set -u
. "$LFS_ROOT/tests/lib/guest.sh"

size=64K mem=512M limit=192M comp=lz4
while [ $# -gt 0 ]; do
	case $1 in
	--size) size=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--limit) limit=$2; shift 2 ;;
	--compressor) comp=$2; shift 2 ;;
	*) echo "pressure.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
kb=$(size_kb "$size")
Z=/sys/kernel/debug/zswap

snap() {	# snap FILE: every counter we report, "name value" lines
	{
		grep -E '^(pswpin|pswpout|zswpin|zswpout|zswpwb|pgmajfault|thp_swpout|thp_swpout_fallback|thp_split_page|pgsteal_direct|pgsteal_kswapd|pgscan_direct|pgscan_kswapd) ' /proc/vmstat
		for f in "$THP"/hugepages-*kB/stats/*; do
			[ -f "$f" ] || continue
			d=${f#"$THP"/hugepages-}
			echo "${d%%/*}.${f##*/} $(cat "$f")"
		done
		for f in stored_pages pool_total_size reject_compress_fail reject_compress_poor reject_alloc_fail reject_reclaim_fail pool_limit_hit written_back_pages; do
			[ -f "$Z/$f" ] && echo "zswap.$f $(cat "$Z/$f")"
		done
	} >"$1"
}
get() { awk -v n="$2" '$1 == n { print $2; f = 1 } END { if (!f) print 0 }' "$1"; }
delta() { echo $(($(get "$2" "$3") - $(get "$1" "$3"))); }

swap_off_all
mthp_only "$size"
swap_on disk 2048 >/dev/null || exit 1
zswap_set on "$comp" 20 || exit 1
cg=$(cg_new lfswap-run)
echo "$limit" >"$cg/memory.max"
echo $$ >"$cg/cgroup.procs"

echo "workload: ${size} mTHP, zswap $comp (max_pool_percent 20) over /dev/vda, memcg memory.max=$limit, working set $mem"
snap /tmp/before
"$LFS_BIN/lfs-integrity" --no-thp-setup --size "$size" --mem "$mem" --kind mixed --out pageout --in seq >/tmp/integrity.out 2>&1
rc=$?
snap /tmp/after
zcur=$(cat "$cg/memory.zswap.current" 2>/dev/null || echo 0)
echo $$ >/sys/fs/cgroup/cgroup.procs

verdict=$(grep -m1 '^RESULT:' /tmp/integrity.out || echo "RESULT: none (exit $rc)")
printf '\n%-34s %14s\n' "counter (delta over the workload)" "value"
printf '%-34s %14s\n' "----------------------------------" "--------------"
for s in "$THP"/hugepages-*kB; do
	s=${s##*hugepages-}
	for c in swpout swpout_fallback swpout_fallback_lower split zswpout zswpin swpin swpin_fallback swpin_fallback_charge; do
		[ -f "$THP/hugepages-$s/stats/$c" ] || continue
		v=$(delta /tmp/before /tmp/after "$s.$c")
		[ "$v" != 0 ] || [ "$s" = "${kb}kB" ] && printf '%-34s %14s\n' "$s $c" "$v"
	done
done
for c in pswpout pswpin zswpout zswpin zswpwb thp_split_page pgmajfault; do
	printf '%-34s %14s\n' "$c" "$(delta /tmp/before /tmp/after "$c")"
done
# The pool at its fullest: after the swap-out phase of the checker
# (its per-phase deltas of the zswap debugfs counters).
phase_sum() {	# phase_sum COUNTER: before + fault + out deltas
	awk -v c="$1" -v b="$(get /tmp/before "$1")" '
		($1 == "fault" || $1 == "out") && $2 == "delta" && $3 == c { s += $4 }
		END { print b + s }' /tmp/integrity.out
}
stored=$(phase_sum zswap.stored_pages)
pool=$(phase_sum zswap.pool_total_size)
printf '%-34s %14s\n' "zswap stored pages (after out)" "$stored"
printf '%-34s %14s\n' "zswap pool bytes (after out)" "$pool"
if [ "$pool" -gt 0 ]; then
	printf '%-34s %14s\n' "zswap compression ratio" "$(awk -v s="$stored" -v p="$pool" 'BEGIN { printf "%.2f", s * 4096 / p }')"
else
	printf '%-34s %14s\n' "zswap compression ratio" "n/a (pool empty)"
fi
printf '%-34s %14s\n' "zswap rejects: compress fail/poor" "$(delta /tmp/before /tmp/after zswap.reject_compress_fail)/$(delta /tmp/before /tmp/after zswap.reject_compress_poor)"
printf '%-34s %14s\n' "zswap rejects: alloc/limit" "$(delta /tmp/before /tmp/after zswap.reject_alloc_fail)/$(delta /tmp/before /tmp/after zswap.pool_limit_hit)"
printf '%-34s %14s\n' "memory.zswap.current (end)" "$zcur"
echo
echo "fault-in: $(grep -m1 "^fault-in: .*($size)" /tmp/integrity.out | sed 's/^fault-in: //') and $(grep -m1 '^fault-in: .*(4K)' /tmp/integrity.out | sed 's/^fault-in: //' || echo 'no 4K folios'); ${size} fallbacks for the memcg charge: $(delta /tmp/before /tmp/after "${kb}kB.anon_fault_fallback_charge")"
echo
echo "integrity: $verdict (every byte of $mem verified; checker output: $LFS_RESULTS/integrity.out)"
cp /tmp/integrity.out "$LFS_RESULTS/integrity.out"
cp /tmp/before /tmp/after "$LFS_RESULTS/"
echo
echo "lfswap-stat --cgroup lfswap-run: the same counters since boot, per size (docs/lfswap-stat.rst)"
"$LFS_BIN/lfswap-stat" --cgroup lfswap-run || echo "lfswap-stat failed (exit $?)"
cg_del lfswap-run
swap_off_all
[ "$rc" = 0 ]
