# shellcheck shell=bash
# Helpers for scripts that run inside the lfswap guest (scripts/vm.sh).
# Source it: `. "$LFS_ROOT/tests/lib/guest.sh"`.
#
#   swap_on KIND SIZE_MB [PRIO]  KIND: zram | disk | swapfile | brd; sets the
#                                device up, swapon; prints the swap path
#   swap_off_all                 swapoff everything, reset zram, unmount scratch
#   zswap_set on|off [COMPRESSOR] [MAX_POOL_PERCENT]
#   zswap_unit_set SIZE          zswap.unit_size (4K: per page); fails without it
#   zswap_unit_missing           why zswap_unit_set failed, for a message
#   mthp_only SIZE...            SIZE: 4K 16K 32K 64K ... 2M: only these sizes "always"
#   mthp_reset                   the boot defaults: mTHP sizes "never", PMD "inherit", top level "madvise"
#   cg_new NAME                  child memcg under /sys/fs/cgroup; prints its path
#   cg_del NAME
#   vmstat NAME                  one /proc/vmstat value
#   thp_stat SIZE NAME           one per-size counter, e.g. thp_stat 64K swpout
#   log_expect DETECTOR, log_expect_end   a window of expected kernel reports
#
# The raw swap disk is /dev/vda (marked non-rotational here), the ext4
# scratch disk /dev/vdb (mounted at /mnt/scratch for swapfiles).

LFS_ROOT=${LFS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LFS_BIN=${LFS_BIN:-$LFS_ROOT/build/tests}
LFS_RESULTS=${LFS_RESULTS:-/tmp}
THP=/sys/kernel/mm/transparent_hugepage

lfs_die() {
	echo "lfswap-guest: error: $*" >&2
	return 1
}

# "64K" -> 64, "2M" -> 2048 (kB)
size_kb() {
	local s=${1^^}
	case $s in
	*K) echo "${s%K}" ;;
	*M) echo $((${s%M} * 1024)) ;;
	*G) echo $((${s%G} * 1024 * 1024)) ;;
	*) echo $((s / 1024)) ;;
	esac
}

swap_on() {
	local kind=$1 mb=$2 prio=${3:-}
	local dev
	case $kind in
	zram)
		dev=/dev/zram0
		[ -b $dev ] || lfs_die "no $dev (CONFIG_ZRAM)" || return
		echo 1 >/sys/block/zram0/reset
		echo lz4 >/sys/block/zram0/comp_algorithm
		echo "${mb}M" >/sys/block/zram0/disksize
		;;
	disk)
		dev=/dev/vda
		[ -b $dev ] || lfs_die "no swap disk $dev" || return
		echo 0 >/sys/block/vda/queue/rotational
		;;
	swapfile)
		[ -b /dev/vdb ] || lfs_die "no scratch disk /dev/vdb" || return
		echo 0 >/sys/block/vdb/queue/rotational
		mountpoint -q /mnt/scratch || mount -t ext4 /dev/vdb /mnt/scratch || return
		dev=/mnt/scratch/swapfile
		rm -f $dev
		fallocate -l "${mb}M" $dev || dd if=/dev/zero of=$dev bs=1M count="$mb" status=none || return
		chmod 600 $dev
		;;
	brd)
		dev=/dev/ram0
		[ -b $dev ] || lfs_die "no $dev (CONFIG_BLK_DEV_RAM)" || return
		;;
	*) lfs_die "swap_on: unknown kind '$kind' (zram|disk|swapfile|brd)"; return ;;
	esac
	mkswap -q $dev >/dev/null || mkswap $dev >/dev/null || return
	swapon ${prio:+-p "$prio"} $dev || return
	echo $dev
}

swap_off_all() {
	swapoff -a 2>/dev/null
	awk 'NR > 1 { print $1 }' /proc/swaps | while read -r d; do swapoff "$d"; done
	[ -b /dev/zram0 ] && echo 1 >/sys/block/zram0/reset 2>/dev/null
	mountpoint -q /mnt/scratch && { rm -f /mnt/scratch/swapfile; umount /mnt/scratch; }
	return 0
}

zswap_set() {
	local p=/sys/module/zswap/parameters
	case $1 in
	on)
		[ -n "${2:-}" ] && echo "$2" >$p/compressor
		echo zsmalloc >$p/zpool
		[ -n "${3:-}" ] && echo "$3" >$p/max_pool_percent
		echo Y >$p/enabled
		;;
	# On 6.12 any write here creates a zswap pool, and from then on mTHP
	# swap-in is off for the rest of the boot: touch nothing if already off.
	off) [ "$(cat $p/enabled)" = N ] || echo N >$p/enabled ;;
	*) lfs_die "zswap_set on|off [compressor] [max_pool_percent]" ;;
	esac
}

# zswap_unit_set SIZE: zswap.unit_size (4K: page by page); fails on a
# kernel without it
zswap_unit_set() {
	local p=/sys/module/zswap/parameters/unit_size
	[ -e $p ] || return 1
	echo $(($(size_kb "$1") * 1024)) >$p
}

zswap_unit_missing() {
	[ -e /sys/module/zswap/parameters/unit_size ] &&
		echo "writing unit_size failed" ||
		echo "unit_size missing: this kernel has no multi-page zswap units"
}

mthp_only() {
	local want=" " s d
	for s in "$@"; do want+="$(size_kb "$s")kB "; done
	for d in "$THP"/hugepages-*kB; do
		[ -f "$d/enabled" ] || continue	# shmem-only sizes (8kB)
		if [[ $want == *" ${d##*hugepages-} "* ]]; then
			echo always >"$d/enabled"
		else
			echo never >"$d/enabled"
		fi
	done
	echo madvise >$THP/enabled
}

mthp_reset() {
	local d
	for d in "$THP"/hugepages-*kB; do
		[ -f "$d/enabled" ] && echo never >"$d/enabled"
	done
	echo inherit >"$THP/hugepages-2048kB/enabled"
	echo madvise >$THP/enabled
	# lfs-integrity stretches khugepaged's scan interval for a run and
	# restores it at exit; a SIGKILL (timeout -k, an OOM kill) skips that
	echo 10000 >$THP/khugepaged/scan_sleep_millisecs
}

cg_new() {
	local cg=/sys/fs/cgroup/$1
	grep -qw memory /sys/fs/cgroup/cgroup.subtree_control || echo +memory >/sys/fs/cgroup/cgroup.subtree_control
	mkdir -p "$cg" && echo "$cg"
}

cg_del() {
	local cg=/sys/fs/cgroup/$1
	[ -d "$cg" ] || return 0
	while read -r pid; do echo "$pid" >/sys/fs/cgroup/cgroup.procs; done <"$cg/cgroup.procs"
	rmdir "$cg"
}

vmstat() {
	awk -v n="$1" '$1 == n { print $2; f = 1 } END { if (!f) print 0 }' /proc/vmstat
}

thp_stat() {
	cat "$THP/hugepages-$(size_kb "$1")kB/stats/$2" 2>/dev/null || echo 0
}

# log_expect DETECTOR / log_expect_end: a test that injects a fault marks
# the stretch of the kernel log in which that one kind of report is
# expected (scripts/check-log.sh detector names, e.g. swap-io-error);
# check-log.sh counts such lines there instead of failing the run. Any
# other report in the window still fails it.
log_expect() {
	echo "<4>lfswap: expect $1 begin" >/dev/kmsg
}
log_expect_end() {
	echo "<4>lfswap: expect end" >/dev/kmsg
}
