#!/bin/bash
# `make bench-frag`: swap slot fragmentation, baseline vs patched, in one
# run. Builds upstream's tools/mm/thp_swap_allocator_test.c from the pinned
# 6.12 source (unchanged), boots the perf flavour of each kernel once and
# runs the test in every mode of bench/frag/guest.sh on a fresh 64 MiB zram
# (100 iterations each: random swap-in, random MADV_DONTNEED of 64K
# ranges, MADV_PAGEOUT of everything) and a churn of our integrity
# checker, then writes a report with the 64K swpout_fallback rate per
# iteration (per 2 s for the churn), plotted; the sys time of swapping
# base pages (the test with no large size enabled); and lfs-usemem's
# throughput and sys time on a disk that lfs-fragfill has fragmented.
#
#   run.sh [--out DIR] [--modes "MODE..."] [--publish]
#   run.sh --report DIR [--publish]   only (re)write DIR's report (and publish it)
#
#   --out DIR      results (default build/bench/frag/<time>)
#   --modes        guest.sh modes, NAME:SIZES:OPTIONS[:DEVICE] with "_" for
#                  a space between options (default: the twelve in the
#                  script: the test's four modes on zram, two on the disk,
#                  one with lower sizes enabled, the unaligned mode with no
#                  large size enabled on each device (what swapping base
#                  pages costs, in sys time), 180 s of our checker's stress
#                  churn on each device (with 32K and 16K enabled too, so
#                  that a fallback need not go to 4K), and lfs-usemem on a
#                  fragmented disk). "-s" on the disk is not
#                  among them: its 64 MiB fill the 64 MiB device, and in
#                  the 40M memcg the test is OOM-killed during warm-up.
#   --publish      copy the report to docs/performance-fragmentation.md, its
#                  plots to docs/performance-fragmentation/, and its table into
#                  docs/performance.md (between the bench-frag markers)
#
# Exit 0 when both boots ran every mode, 1 otherwise (the report says which).
set -eu
. "$(dirname "$0")/../../scripts/lib.sh"

res="" publish=0 report_only=0
churn="--size_64K_--mem_48M_--kind_mixed_--stress_3_--time_180_--no-thp-setup"
modes="aligned:64K:-a aligned-small:64K:-a_-s unaligned:64K: unaligned-small:64K:-s unaligned-small-lower:64K,32K,16K:-s
aligned-disk:64K:-a:disk unaligned-disk:64K::disk
order0:4K: order0-disk:4K::disk
churn:64K,32K,16K:$churn churn-disk:64K,32K,16K:$churn:disk
usemem-disk:64K,32K:--procs_2_--size_96M_--pattern_seq_--passes_2:disk"
while [ $# -gt 0 ]; do
	case $1 in
	--out) res=$2; shift 2 ;;
	--modes) modes=$2; shift 2 ;;
	--publish) publish=1; shift ;;
	--report) res=$2 report_only=1; shift 2 ;;
	-h | --help) sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) die "bench/frag/run.sh: unknown argument $1 (see --help)" ;;
	esac
done
[ "$report_only" = 0 ] || [ -d "$res/boots" ] || die "--report $res: no boots/ there (not a bench-frag run)"
[ -n "$res" ] || res=$LFS_BUILD/bench/frag/$(date +%Y%m%d-%H%M%S)
mkdir -p "$res/boots"
res=$(cd "$res" && pwd)

failed=0
[ "$report_only" = 1 ] || {
	"$LFS_ROOT/scripts/deps.sh" all
	"$LFS_ROOT/scripts/prepare.sh"
	for k in baseline patched; do "$LFS_ROOT/scripts/build-kernel.sh" "$k" perf; done
	"$LFS_ROOT/scripts/build-tests.sh"
	src=$LFS_BUILD/baseline/src/tools/mm/thp_swap_allocator_test.c
	[ -f "$src" ] || die "no $src (scripts/prepare.sh extracts the pinned source)"
	bin=$LFS_BUILD/bench/bin/thp_swap_allocator_test
	mkdir -p "$(dirname "$bin")"
	gcc -O2 -Wall -static -o "$bin" "$src" 2>"$res/build.log" ||
		die "building $src failed (log: $res/build.log)"
	make -s -C "$LFS_ROOT/bench/src" OUT="$(dirname "$bin")" >>"$res/build.log" 2>&1 ||
		die "building bench/src (lfs-usemem, lfs-fragfill) failed (log: $res/build.log)"
}

for k in baseline patched; do
	[ "$report_only" = 0 ] || break
	echo "bench-frag: $k kernel, modes: $modes"
	# shellcheck disable=SC2086
	"$LFS_ROOT/scripts/vm.sh" --kernel "$k" --flavour perf --cpus 2 --mem 2G --timeout 3600 \
		--run-dir "$res/boots/$k" -- "$LFS_ROOT/bench/frag/guest.sh" "$bin" $modes ||
		{ echo "bench-frag: the $k boot failed (exit $?; console: $res/boots/$k/console.log)"; failed=1; }
done
python3 "$LFS_ROOT/bench/frag/report.py" "$res" || failed=1
echo "bench-frag: report $res/report.md"
if [ "$publish" = 1 ]; then
	d=$LFS_ROOT/docs
	mkdir -p "$d/performance-fragmentation"
	rm -f "$d"/performance-fragmentation/frag-*.png
	cp "$res"/plots/frag-*.png "$d/performance-fragmentation/" 2>/dev/null || true
	sid=$(run_series_id "$res/boots/patched")
	{
		echo "<!-- written by make bench-frag-publish from $res -->"
		echo "<!-- series-id: $sid -->"
		sed "s#](plots/#](performance-fragmentation/#" "$res/report.md"
	} >"$d/performance-fragmentation.md"
	# docs/performance.md: the table and the target, between the markers
	python3 - "$d/performance.md" "$res/report.md" "$sid" <<'PY'
import re, sys
doc, rep = sys.argv[1], open(sys.argv[2]).read()
sid = sys.argv[3]
table = rep.split("## Fallback per iteration")[0].split("\n", 1)[1].strip()
table = table.replace("## Target", "#### Target")
block = ("<!-- bench-frag begin -->\n<!-- series-id: " + sid + " -->\n"
         "## Swap slot fragmentation (`make bench-frag`)\n\n"
         + table + "\n\nPlots per iteration: performance-fragmentation.md.\n<!-- bench-frag end -->")
text = open(doc).read()
if "<!-- bench-frag begin -->" in text:
    text = re.sub(r"<!-- bench-frag begin -->.*<!-- bench-frag end -->", lambda m: block, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
open(doc, "w").write(text)
PY
	echo "bench-frag: published to docs/performance-fragmentation.md and docs/performance.md"
fi
exit "$failed"
