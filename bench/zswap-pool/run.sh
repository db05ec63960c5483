#!/bin/bash
# `make bench-zswap-pool`: zswap's pool and CPU time per compressor and
# multi-page unit size (zswap.unit_size), on the bench corpus (the
# anonymous memory of cc1, python3 and sqlite3, bench/corpus/). One boot
# of the patched kernel; for every iteration, compressor and unit size,
# lfs-zswap-pool pages SIZE of the corpus out of 64K folios (FOLIO) with
# MADV_PAGEOUT into zswap and reads it back (bench/zswap-pool/guest.sh).
# The report compares each unit size with 4K (per page) on the same data:
# the pool per stored page, the system CPU time of the swap-out (where the
# task compresses) and of the read (where it decompresses), as ratios of
# geometric means with their 95% intervals, and gives the verdicts of the
# multi-page targets on their bounds. Each configuration is run once per
# read order (--reads): seq reads the region back in order (whole units
# where the kernel swaps a range in whole); random reads every page alone,
# at order 0, in a fixed random order: the partial-read cost of units.
#
#   run.sh [--out DIR] [--flavour perf|debug] [--iterations N]
#          [--compressors "lz4 lz4hc zstd lzo"] [--units "4K 16K 64K"]
#          [--reads "seq random"]
#   run.sh --report DIR   only (re)write DIR's report
#
# The data is a file, so every iteration of a configuration is the same
# work on its window of the corpus (iteration i starts (i-1)/4 of SIZE
# further); the pool figures vary only with the window, the CPU times
# also with the host. Under QEMU TCG the CPU times are of an emulated CPU
# (~10x slower than hardware at compression): their ratios are what to
# read. Exit 0 when every run read every page back right.
set -eu
. "$(dirname "$0")/../../scripts/lib.sh"

res="" flavour=perf iters=3 comps="lz4 lz4hc zstd lzo" units="4K 16K 64K"
size=64M folio=64K report_only=0 reads="seq random"
while [ $# -gt 0 ]; do
	case $1 in
	--out) res=$2; shift 2 ;;
	--flavour) flavour=$2; shift 2 ;;
	--iterations) iters=$2; shift 2 ;;
	--compressors) comps=$2; shift 2 ;;
	--units) units=$2; shift 2 ;;
	--reads) reads=$2; shift 2 ;;
	--report) res=$2 report_only=1; shift 2 ;;
	-h | --help) sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) die "bench/zswap-pool/run.sh: unknown argument $1 (see --help)" ;;
	esac
done
case $flavour in perf | debug) ;; *) die "--flavour: perf or debug, not '$flavour'" ;; esac
case $iters in '' | *[!0-9]* | 0) die "--iterations: a number >= 1, not '$iters'" ;; esac
for r in $reads; do
	case $r in seq | random) ;; *) die "--reads: seq and/or random, not '$r'" ;; esac
done
[ -n "$reads" ] || die "--reads: seq and/or random"

[ "$report_only" = 0 ] || [ -f "$res/results.txt" ] || die "--report $res: no results.txt there (not a bench-zswap-pool run)"
[ -n "$res" ] || res=$LFS_BUILD/bench/zswap-pool/$(date +%Y%m%d-%H%M%S)
mkdir -p "$res"
res=$(cd "$res" && pwd)

rc=0
if [ "$report_only" = 0 ]; then
	"$LFS_ROOT/scripts/deps.sh" all
	"$LFS_ROOT/scripts/prepare.sh"
	"$LFS_ROOT/scripts/build-kernel.sh" patched "$flavour"
	"$LFS_ROOT/scripts/build-tests.sh"
	make -s -C "$LFS_ROOT/bench/src" >"$res/build.log" 2>&1 ||
		die "building bench/src failed (log: $res/build.log)"
	corpus=$LFS_BUILD/bench/corpus/corpus.bin
	[ -f "$corpus" ] || "$LFS_ROOT/bench/corpus/capture.sh" "$LFS_BUILD/bench/corpus" 32M
	# the corpus must hold the last window
	kb=$((${size%M} * 1024))
	need=$(( (kb + (iters - 1) * kb / 4) * 1024 ))
	[ "$(stat -c %s "$corpus")" -ge "$need" ] ||
		die "$corpus holds fewer than $need bytes for $iters iterations of $size; capture more (bench/corpus/capture.sh)"
	echo "bench-zswap-pool: $flavour kernel, $iters iteration(s), compressors: $comps, units: $units, reads: $reads"
	"$LFS_ROOT/scripts/vm.sh" --kernel patched --flavour "$flavour" --cpus 2 --mem 2G --timeout 3600 \
		--run-dir "$res/boot" -- "$LFS_ROOT/bench/zswap-pool/guest.sh" "$LFS_BUILD/bench/bin/lfs-zswap-pool" \
		"$corpus" "$size" "$folio" "$comps" "$units" "$iters" "$reads" || rc=1
	tr -d '\r' <"$res/boot/console.log" | grep '^RESULT ' >"$res/results.txt" || true
	series_hash | cut -c1-12 >"$res/series-id"
	echo "$flavour" >"$res/flavour"
fi
python3 "$LFS_ROOT/bench/zswap-pool/report.py" "$res" || rc=1
echo "bench-zswap-pool: report $res/report.md"
exit $rc
