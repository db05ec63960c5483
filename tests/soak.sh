#!/bin/bash
# The soak, run INSIDE the guest: tests/soak.sh SECONDS [SEGMENT-SECONDS]
# (scripts/soak.sh, `make soak DURATION=...`, boots the guest with it; the
# `soak` suite of tests/run-tests.sh runs a few minutes of it).
#
# SECONDS / SEGMENT-SECONDS segments (at least one) of SEGMENT-SECONDS
# (default 300) each, plus their setup, the swap device rotating over zram, the virtio disk and an ext4 swapfile and
# the folio size over 64K, 16K, 2M and 32K. In each, lfs-integrity's stress
# mode runs 3 workers, each in a memcg of its own, over random operations
# (MADV_PAGEOUT/COLD, memory.reclaim, partial and full swap-in, fork + COW,
# MADV_DONTNEED, munmap, threads, mremap, rewrites), with swapoff/swapon
# cycles and every anonymous mapping KSM-mergeable (--ksm, ksmd running),
# while a second loop here changes, every 2 s, one of: zswap on (lz4 or
# zstd) or off, a worker's memory.high (12M to unlimited: reclaim and
# throttling, never an OOM kill, which memory.max would bring while
# swapoff has taken the swap away), its
# memory.zswap.writeback, NUMA balancing on or off, a compaction of all
# memory. Every worker checks every byte of its regions after each
# operation. Prints one line per segment and at the end
#   soak: N segments, S s, B bytes verified, F failed segments
# Exit 0 only if no segment failed (the kernel log is checked by the host).
set -u
. "$LFS_ROOT/tests/lib/guest.sh"
total=${1:?usage: soak.sh SECONDS [SEGMENT-SECONDS]}
seg=${2:-300}
out=$LFS_RESULTS/soak
mkdir -p "$out"

echo 1 >/sys/kernel/mm/ksm/run
echo 1000 >/sys/kernel/mm/ksm/pages_to_scan
echo 20 >/sys/kernel/mm/ksm/sleep_millisecs

# chaos CGROUP-PREFIX WORKERS: the second loop (killed at the segment's end)
chaos() {
	local cg=$1 w=$2 n=0 c
	local highs=(12M 16M 24M 32M max)
	while sleep 2; do
		n=$((n + 1))
		c=/sys/fs/cgroup/$cg-w$((RANDOM % w))
		case $((RANDOM % 6)) in
		0) if [ $((RANDOM % 2)) = 0 ]; then zswap_set on lz4; else zswap_set on zstd; fi ;;
		1) zswap_set off ;;
		2) [ -d "$c" ] && echo "${highs[$((RANDOM % ${#highs[@]}))]}" >"$c/memory.high" 2>/dev/null ;;
		3) [ -d "$c" ] && echo $((RANDOM % 2)) >"$c/memory.zswap.writeback" 2>/dev/null ;;
		4) echo $((RANDOM % 2)) >/proc/sys/kernel/numa_balancing ;;
		5) echo 1 >/proc/sys/vm/compact_memory ;;
		esac
	done
}

# zram keeps one zsmalloc pool for the whole soak: swapoff between
# segments, no reset. On 6.12 with DEBUG_VM, resetting zram0 and setting
# it up again after zswap made a pool warns "kmem_cache of name
# 'zs_handle-zram0' already exists": zswap's zsmalloc caches were merged
# into zram0's (same size and flags), so the reset leaves a cache of that
# name behind, and the new pool names its cache the same (zram up, zswap
# on, swapoff, reset, disksize: the warning at the first try, on the
# patched kernel; no patch touches zram, zsmalloc or slab). The swap
# paths are the same.
soak_swap_off() {
	swapoff -a 2>/dev/null
	awk 'NR > 1 { print $1 }' /proc/swaps | while read -r d; do swapoff "$d"; done
	mountpoint -q /mnt/scratch && { rm -f /mnt/scratch/swapfile; umount /mnt/scratch; }
	return 0
}
soak_swap_on() {
	# reuse only the device a segment before this one set up (1 GiB)
	if [ "$1" = zram ] && [ -b /dev/zram0 ] &&
		[ "$(cat /sys/block/zram0/disksize)" = $((1024 << 20)) ]; then
		mkswap -q /dev/zram0 >/dev/null && swapon /dev/zram0
	else
		swap_on "$1" 1024 >/dev/null
	fi
}

devs=(zram disk swapfile)
sizes=(64K 16K 2M 32K)
t0=$(date +%s)
nseg=$((total / seg))
[ "$nseg" -ge 1 ] || nseg=1
i=0 bytes=0 failed=0
while [ "$i" -lt "$nseg" ]; do
	t=$seg
	dev=${devs[$((i % 3))]} size=${sizes[$((i % 4))]}
	soak_swap_off
	zswap_set off
	soak_swap_on "$dev" || { echo "soak: segment $i: swap_on $dev failed"; failed=$((failed + 1)); break; }
	chaos "lfs-soak-$i" 3 &
	cpid=$!
	"$LFS_BIN/lfs-integrity" --stress 3 --size "$size" --mem 96M --kind mixed --time "$t" \
		--swap-cycle --ksm --cgroup "lfs-soak-$i" >"$out/segment-$i.txt" 2>&1
	rc=$?
	kill "$cpid" 2>/dev/null
	wait "$cpid" 2>/dev/null
	b=$(awk '/^stress: bytes_verified/ { print $3 }' "$out/segment-$i.txt")
	bytes=$((bytes + ${b:-0}))
	k=/sys/kernel/mm/ksm
	echo "soak: segment $i: $dev $size, ${t} s: $(grep -m1 '^RESULT' "$out/segment-$i.txt") (${b:-0} bytes verified; $(grep -c '^stress: op' "$out/segment-$i.txt") op kinds; ksm: $(cat $k/full_scans) full scans, $(cat $k/pages_sharing) pages sharing, $(vmstat ksm_swpin_copy) swap-in copies; $(grep -m1 "^stress: swapoff_cycles" "$out/segment-$i.txt" | cut -d" " -f2-3))"
	if [ "$rc" != 0 ]; then
		failed=$((failed + 1))
		grep -E 'MISMATCH|worker|RESULT' "$out/segment-$i.txt" | head -20
	fi
	i=$((i + 1))
done
zswap_set off
swap_off_all
echo 0 >/proc/sys/kernel/numa_balancing
echo 2 >/sys/kernel/mm/ksm/run
echo "soak: $i segments, $(($(date +%s) - t0)) s, $bytes bytes verified, $failed failed segments"
[ "$failed" = 0 ] && [ "$i" -gt 0 ]
