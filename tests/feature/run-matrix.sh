#!/bin/bash
# Run the large-folio feature probes inside the lfswap guest.
#
#   run-matrix.sh [SIZE...]        (default: 64K 2M)
#
# Runs build/tests/lfs-feature for every operation and size with a suitable
# swap setup, prints the FEATURE lines and writes them to
# $LFS_RESULTS/feature.txt (first line "# kernel: ..."); the probes' stderr
# goes to $LFS_RESULTS/feature.log.  scripts/feature-matrix.sh turns two such
# files (baseline, patched) into docs/feature-matrix.md.
#
# Order matters on 6.12: once a zswap pool exists, do_swap_page() never
# again swaps in large folios in that boot (zswap_never_enabled()).  A pool
# is created by enabling zswap, but also by writing "N" to its "enabled"
# parameter or setting its compressor/zpool while it was never set up; so
# nothing here touches /sys/module/zswap before the zswap rows, which run
# last.
#
# Environment: LFS_FEATURE_COUNT (folios per probe, default 8),
# LFS_FEATURE_TIMEOUT (seconds per probe, default 120).
set -u

LFS_ROOT=${LFS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=SCRIPTDIR/../lib/guest.sh
. "$LFS_ROOT/tests/lib/guest.sh"

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(64K 2M)
COUNT=${LFS_FEATURE_COUNT:-8}
TMO=${LFS_FEATURE_TIMEOUT:-120}
PROBE=$LFS_BIN/lfs-feature
OUT=$LFS_RESULTS/feature.txt
LOG=$LFS_RESULTS/feature.log
SWAP_MB=1024

# Device-independent rows, run with zram as the swap device.
BASIC_OPS="fault-in reclaim-memcg pageout cold free fork-cow swapoff migrate compaction mlock ksm mremap uffd
	numa shmem soft-dirty uffd-wp-swap"
DEVICES="zram disk swapfile brd"

if [ ! -x "$PROBE" ]; then
	echo "run-matrix: no $PROBE (make -C $LFS_ROOT tests)" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "run-matrix: must run as root (in the guest)" >&2
	exit 2
fi
mkdir -p "$LFS_RESULTS"

# "# kernel: <uname -r> (<variant>/<flavour>) series HEAD <sha> <subject>"
kernel_line() {
	local src head=""
	src=$LFS_ROOT/build/${LFS_VARIANT:-patched}/src
	if command -v git >/dev/null && [ -d "$src/.git" ]; then
		head=$(git -c safe.directory='*' -C "$src" log -1 --format='%h %s' 2>/dev/null)
	fi
	printf '# kernel: %s (%s/%s)%s\n' "$(uname -r)" "${LFS_VARIANT:-unknown}" \
		"${LFS_FLAVOUR:-unknown}" "${head:+ series HEAD $head}"
}

{
	kernel_line
	printf '# date: %s; cpus %s; mem %s kB; numa nodes with memory: %s\n' \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(nproc)" \
		"$(awk '/MemTotal/ { print $2 }' /proc/meminfo)" \
		"$(cat /sys/devices/system/node/has_memory 2>/dev/null || echo '?')"
} >"$OUT"
: >"$LOG"
cat "$OUT"

# Print a FEATURE line, to stdout and the results file.
record() {
	echo "$*" | tee -a "$OUT"
}

# probe OP SIZE [LABEL]: run one probe; a crash or timeout is a verdict too.
probe() {
	local op=$1 size=$2 label=${3:-} name out rc line
	name=$op${label:+:$label}
	echo "=== $name $size" >>"$LOG"
	out=$(timeout -k 5 "$TMO" "$PROBE" --op "$op" --size "$size" --count "$COUNT" \
		${label:+--label "$label"} 2>>"$LOG")
	rc=$?
	line=$(printf '%s\n' "$out" | grep -m1 '^FEATURE ')
	if [ -n "$line" ]; then
		record "$line"
	elif [ $rc = 124 ] || [ $rc = 137 ]; then
		record "FEATURE $name $size broken probe timed out after ${TMO}s (rc $rc)"
	else
		record "FEATURE $name $size broken probe exited with rc $rc and no verdict"
	fi
	printf '%s\n' "$out" | grep -v '^FEATURE ' >>"$LOG"
}

# skip_ops "OPS" LABEL REASON: record a skip for each op and size.
skip_ops() {
	local op size
	for op in $1; do
		for size in "${SIZES[@]}"; do
			record "FEATURE $op${2:+:$2} $size skip $3"
		done
	done
}

# Turn zswap off only if it is on (see the header: writing N creates a pool).
zswap_off_if_on() {
	case $(cat /sys/module/zswap/parameters/enabled 2>/dev/null) in
	Y | y | 1) zswap_set off ;;
	esac
}

setup_swap() {
	local kind=$1 dev
	swap_off_all
	zswap_off_if_on 2>/dev/null
	if ! dev=$(swap_on "$kind" "$SWAP_MB" 2>>"$LOG"); then
		echo "run-matrix: swap_on $kind failed" >>"$LOG"
		return 1
	fi
	echo "--- swap $kind: $dev" >>"$LOG"
	cat /proc/swaps >>"$LOG"
	return 0
}

# 1. Device-independent operations (zram as the swap device).
if setup_swap zram; then
	for op in $BASIC_OPS; do
		for size in "${SIZES[@]}"; do
			probe "$op" "$size"
		done
	done
else
	skip_ops "$BASIC_OPS" "" "swap setup (zram) failed in the guest"
fi

# 2. Swap-out and swap-in on each kind of device.
for kind in $DEVICES; do
	if setup_swap "$kind"; then
		for size in "${SIZES[@]}"; do
			probe swapout "$size" "$kind"
			probe swapin "$size" "$kind"
			probe swapin-scattered "$size" "$kind"
		done
	else
		skip_ops "swapout swapin swapin-scattered" "$kind" "swap setup ($kind) failed in the guest"
	fi
done

# 3. zswap (lz4) in front of the swap disk: last, see the header.
if setup_swap disk && zswap_set on lz4 2>>"$LOG"; then
	grep -H . /sys/module/zswap/parameters/* >>"$LOG" 2>/dev/null
	for size in "${SIZES[@]}"; do
		probe zswap-store "$size"
		probe zswap-load "$size"
	done
else
	skip_ops "zswap-store zswap-load" "" "zswap (lz4) in front of disk could not be set up"
fi

zswap_off_if_on 2>/dev/null
swap_off_all
echo "run-matrix: $(grep -c '^FEATURE ' "$OUT") results in $OUT" >&2
exit 0
