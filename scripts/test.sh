#!/bin/bash
# `make test`: build the debug kernel, our tests and the upstream kselftests,
# boot the guest, run tests/run-tests.sh, count the TAP results against
# tests/manifest.txt.
#   test.sh [--kernel patched|baseline] [--flavour debug|kasan]
#           [--only SUITE-REGEX] [--table FILE]
# --flavour kasan runs the whole suite on the KASAN kernel (debug + generic
# KASAN: about 4x the guest time, so every time limit is 4x too). --table
# writes the per-suite results as a markdown document (docs/).
set -eu
. "$(dirname "$0")/lib.sh"

variant=patched flavour=debug only=. table=""
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) variant=$2; shift 2 ;;
	--flavour) flavour=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--table) table=$2; shift 2 ;;
	*) die "test.sh: unknown argument $1" ;;
	esac
done
case $variant in patched | baseline) ;; *) die "test.sh: unknown kernel '$variant' (patched|baseline)" ;; esac
case $flavour in
debug) scale=1 ;;
kasan) scale=4 ;;
perf) die "test.sh: the tests run on the debug or kasan flavour; perf is the benchmarks' kernel (make bench)" ;;
*) die "test.sh: unknown flavour '$flavour' (debug|kasan)" ;;
esac

t0=$(date +%s)
stage() { note "[$(($(date +%s) - t0)) s] $*"; }
stage "installing host packages"
"$LFS_ROOT/scripts/deps.sh" all
"$LFS_ROOT/scripts/docs-check.sh" --self-test >/dev/null || die "scripts/docs-check.sh --self-test failed"
mkdir -p "$LFS_BUILD"
# the benchmark report's own tests: its statistics, the targets' notes
# and bench/targets.conf, and the published parts (a few seconds)
for t in test_stats test_published; do
	python3 "$LFS_ROOT/bench/report/$t.py" >/dev/null 2>"$LFS_BUILD/$t.log" ||
		die "bench/report/$t.py failed (log: $LFS_BUILD/$t.log)"
done
# lfswap-stat against made-up /sys and /proc trees (about 6 s: two 2 s intervals)
make -s -C "$LFS_ROOT/tools/lfswap-stat" OUT="$LFS_BUILD/tests" WERROR=1 check >"$LFS_BUILD/lfswap-stat-test.log" 2>&1 ||
	die "tools/lfswap-stat/test.sh failed (log: $LFS_BUILD/lfswap-stat-test.log)"
# lfswap-enable against a made-up root (a second)
"$LFS_ROOT/tools/lfswap-settings/test.sh" >"$LFS_BUILD/lfswap-settings-test.log" 2>&1 ||
	die "tools/lfswap-settings/test.sh failed (log: $LFS_BUILD/lfswap-settings-test.log)"
stage "preparing the kernel tree"
"$LFS_ROOT/scripts/prepare.sh"
stage "building the $variant $flavour kernel"
"$LFS_ROOT/scripts/build-kernel.sh" "$variant" "$flavour"
stage "building tests"
"$LFS_ROOT/scripts/build-tests.sh"

# 3 vCPUs: the upstream migration test wants at least 2 worker threads plus
# the main one, and skips with fewer.
run=$LFS_BUILD/runs/test-$variant-$flavour-$(date +%Y%m%d-%H%M%S)
stage "running the tests in the guest (run dir $run)"
set +e
"$LFS_ROOT/scripts/vm.sh" --kernel "$variant" --flavour "$flavour" --cpus 3 --mem 2G --timeout $((3600 * scale)) \
	--run-dir "$run" -- "$LFS_ROOT/tests/run-tests.sh" "$only"
vmrc=$?
echo "$vmrc" >"$run/vm-exit-code"
set -e
stage "guest finished (exit $vmrc)"
echo
set +e
"$LFS_ROOT/scripts/tap-summary.sh" "$run" "$vmrc" "$only" | tee "$run/summary.txt"
rc=${PIPESTATUS[0]}
set -e
if [ -n "$table" ]; then
	"$LFS_ROOT/scripts/test-table.sh" "$run" "$variant" >"$table"
	note "wrote $table"
fi
# generated documents of another series: a warning, not a failure
"$LFS_ROOT/scripts/docs-check.sh" --warn
stage "done"
exit "$rc"
