#!/bin/bash
# In the guest (scripts/vm.sh): upstream's swap slot fragmentation test,
# tools/mm/thp_swap_allocator_test.c of the pinned 6.12 source, in each
# mode on a fresh 64 MiB swap device, as its header prescribes (64K
# "always", PMD "never"; zswap off). Per mode, its output and the per-size
# counters before and after go to $LFS_RESULTS/frag/<mode>/.
#
#   guest.sh BIN MODES...     MODE: NAME:SIZES:OPTIONS[:DEVICE]: the
#                             enabled sizes, the test's options ("_" for a
#                             space) and the device: zram (default; a
#                             synchronous device, so 6.12 swaps in 64K
#                             whole where it can) or disk (the first 64 MiB
#                             of the virtio disk, non-rotational: swap-in
#                             through the swap cache, 4K at a time, on both
#                             kernels; the test runs in a memcg with
#                             memory.max $FRAG_DISK_MEMCG_MAX, default 40M,
#                             so that what it pages out leaves the swap
#                             cache and is read back from the disk, not
#                             found whole in the swap cache), e.g.
#                             "aligned-small:64K:-a_-s"
#                             "unaligned-disk:64K::disk"
#                             A NAME that starts with "churn" runs our
#                             integrity checker with OPTIONS instead (its
#                             --stress mode), and samples the 64K
#                             counters every 2 s into samples: the
#                             fallback rate over time under a long churn.
#                             A NAME that starts with "usemem" runs
#                             lfs-usemem with OPTIONS on a fragmented
#                             device: DEVICE "disk" is then 256 MiB, of
#                             which lfs-fragfill first fills 192 MiB with
#                             32K folios and frees every other one (96
#                             MiB of free 32K holes, no free 64K range
#                             among them), and lfs-usemem's children run
#                             in a memcg with memory.max
#                             $FRAG_USEMEM_MEMCG_MAX (default 48M).
#                             SIZES "4K" enables no large size (the
#                             order-0 modes: what swap-out of base pages
#                             costs). Every mode's real, user and sys
#                             time go to cputime.
set -u
bin=$1
shift
# lfs-fragfill and lfs-usemem (bench/src) are built next to BIN
LFS_BENCH_BIN=${LFS_BENCH_BIN:-$(dirname "$bin")}
. "$LFS_ROOT/tests/lib/guest.sh"
THPD=/sys/kernel/mm/transparent_hugepage
failed=0
counters() {
	local d
	grep -E '^(pswpout|pswpin|thp_swpout|thp_swpout_fallback) ' /proc/vmstat
	for d in "$THPD"/hugepages-*kB/stats; do
		for f in swpout swpout_fallback swpout_fallback_lower split swpin swpin_fallback; do
			[ -r "$d/$f" ] && echo "$(basename "$(dirname "$d")").$f $(cat "$d/$f")"
		done
	done
}
# "SECONDS SWPOUT SWPOUT_FALLBACK SWPOUT_FALLBACK_LOWER" of 64K every 2 s
sampler() {
	local st=$THPD/hugepages-64kB/stats t0=$EPOCHREALTIME a b c
	trap 'exit 0' TERM
	while :; do
		read -r a <"$st/swpout"
		read -r b <"$st/swpout_fallback"
		c=0
		[ -r "$st/swpout_fallback_lower" ] && read -r c <"$st/swpout_fallback_lower"
		echo "$(awk -v a="$EPOCHREALTIME" -v b="$t0" 'BEGIN { printf "%.1f", a - b }') $a $b $c" >>"$1"
		sleep 2
	done
}
for m in "$@"; do
	name=${m%%:*} rest=${m#*:}
	sizes=${rest%%:*} opts=${rest#*:}
	dev=zram
	case $opts in *:*) dev=${opts#*:} opts=${opts%%:*} ;; esac
	opts=${opts//_/ }
	out=$LFS_RESULTS/frag/$name
	mkdir -p "$out"
	swap_off_all
	zswap_set off
	case $dev in
	zram) swap_on zram 64 >/dev/null ;;
	# mkswap's block count: a 64 MiB swap area at the head of the disk
	disk)
		mb=64
		case $name in usemem*) mb=256 ;; esac
		echo 0 >/sys/block/vda/queue/rotational && mkswap -q /dev/vda $((mb * 1024)) >/dev/null && swapon /dev/vda
		;;
	*) false ;;
	esac || { echo "FAILED $name: swap on $dev"; failed=$((failed + 1)); continue; }
	# shellcheck disable=SC2086
	mthp_only ${sizes//,/ }
	echo never >"$THPD/hugepages-2048kB/enabled"
	echo "$opts" >"$out/options"
	echo "$sizes" >"$out/sizes"
	echo "$dev" >"$out/device"
	fpid=""
	case $name in
	usemem*)
		rm -f /tmp/fragfill.ready
		mthp_only 32K
		"$LFS_BENCH_BIN/lfs-fragfill" --mem 192M --size 32K --ready /tmp/fragfill.ready >"$out/fragfill.txt" 2>&1 &
		fpid=$!
		for _ in $(seq 600); do
			[ -s /tmp/fragfill.ready ] || ! kill -0 "$fpid" 2>/dev/null && break
			sleep 1
		done
		cp /tmp/fragfill.ready "$out/fragfill" 2>/dev/null ||
			{ echo "FAILED $name: lfs-fragfill (see $out/fragfill.txt)"; failed=$((failed + 1)); kill "$fpid" 2>/dev/null; wait "$fpid"; continue; }
		grep '' /proc/swaps >"$out/swaps"
		# shellcheck disable=SC2086
		mthp_only ${sizes//,/ }
		echo never >"$THPD/hugepages-2048kB/enabled"
		;;
	esac
	counters >"$out/before"
	TIMEFORMAT='%R %U %S'
	t0=$EPOCHREALTIME
	case $name in
	churn*)
		sampler "$out/samples" &
		spid=$!
		# shellcheck disable=SC2086
		{ time "$LFS_BIN/lfs-integrity" $opts >"$out/output.txt" 2>&1; } 2>"$out/cputime"
		rc=$?
		kill "$spid"
		wait "$spid" 2>/dev/null
		;;
	usemem*)
		cg_del lfs-frag 2>/dev/null
		cg=$(cg_new lfs-frag)
		echo "${FRAG_USEMEM_MEMCG_MAX:-48M}" >"$cg/memory.max"
		echo "${FRAG_USEMEM_MEMCG_MAX:-48M}" >"$out/memcg"
		# shellcheck disable=SC2086
		{ time "$LFS_BENCH_BIN/lfs-usemem" --data random --cgroup "$cg" $opts >"$out/output.txt" 2>&1; } 2>"$out/cputime"
		rc=$?
		cg_del lfs-frag
		kill "$fpid"
		wait "$fpid" 2>/dev/null
		;;
	*)
		if [ "$dev" = disk ]; then
			cg_del lfs-frag 2>/dev/null
			cg=$(cg_new lfs-frag)
			echo "${FRAG_DISK_MEMCG_MAX:-40M}" >"$cg/memory.max"
			echo "${FRAG_DISK_MEMCG_MAX:-40M}" >"$out/memcg"
			# shellcheck disable=SC2016,SC2086
			{ time bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' - "$cg" "$bin" $opts >"$out/output.txt" 2>&1; } 2>"$out/cputime"
			rc=$?
			cg_del lfs-frag
		else
			# shellcheck disable=SC2086
			{ time "$bin" $opts >"$out/output.txt" 2>&1; } 2>"$out/cputime"
			rc=$?
		fi
		;;
	esac
	t1=$EPOCHREALTIME
	counters >"$out/after"
	echo "$rc" >"$out/rc"
	echo "$t0 $t1" >"$out/time"
	echo "--- $name ($dev, $sizes, options '$opts'): exit $rc, $(grep -c '^Iteration' "$out/output.txt") iterations, $(tail -1 "$out/output.txt")"
	[ "$rc" = 0 ] || failed=$((failed + 1))
	swap_off_all
done
mthp_reset
exit "$failed"
