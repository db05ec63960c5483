#!/bin/bash
# `make test-detectors`: prove that every detector of the test harness
# fires. Boots the patched debug kernel (or --flavour kasan) four times:
#  1. tests/detectors-guest.sh plants one kind of kernel report after
#     another (LKDTM: WARNING, refcount overflow, hung task, soft lockup
#     with an RCU stall; written as the kernel prints them: bad page state,
#     bad swap entry, swap I/O error, lockdep; a taint bit) and saves the
#     log of each; scripts/check-log.sh must name the planted detector on
#     each, and stay quiet on the boot log before the first;
#  2. a case of ours that runs a BUG() (LKDTM): with oops=panic the guest
#     must end at once, and the summary must name the suite and the case;
#  3. the same with list corruption (CORRUPT_LIST_ADD, a BUG with
#     BUG_ON_DATA_CORRUPTION);
#  4. a case that hangs (sleep 3600 under a 5 s case limit) must fail as
#     timed out, naming itself, and the suites of the manifest that did not
#     run must be listed as failed.
# Prints TAP and "N passed, N failed"; exits 1 if a check failed.
#   test-detectors.sh [--flavour debug|kasan]
set -eu
. "$(dirname "$0")/lib.sh"

flavour=debug
while [ $# -gt 0 ]; do
	case $1 in
	--flavour) flavour=$2; shift 2 ;;
	*) die "test-detectors.sh: unknown argument $1" ;;
	esac
done
case $flavour in debug | kasan) ;; *) die "test-detectors.sh: unknown flavour '$flavour' (debug|kasan)" ;; esac

"$LFS_ROOT/scripts/deps.sh" all
"$LFS_ROOT/scripts/prepare.sh"
"$LFS_ROOT/scripts/build-kernel.sh" patched "$flavour"
"$LFS_ROOT/scripts/build-tests.sh"

top=$LFS_BUILD/runs/detectors-$(date +%Y%m%d-%H%M%S)
mkdir -p "$top"
n=0 passed=0 failed=0
check() { # check DESCRIPTION COMMAND...: one TAP case
	n=$((n + 1))
	if "${@:2}" >"$top/check.out" 2>&1; then
		echo "ok $n $1"
		passed=$((passed + 1))
	else
		echo "not ok $n $1"
		sed 's/^/# /' "$top/check.out"
		failed=$((failed + 1))
	fi
}
# fires DIR DETECTOR: check-log.sh fails on DIR and names DETECTOR
fires() {
	local out rc=0
	[ -d "$1" ] || { echo "no $1 (the guest did not get that far)"; return 1; }
	out=$("$LFS_ROOT/scripts/check-log.sh" "$1") || rc=$?
	echo "$out" | grep '^lfswap: detector'
	[ "$rc" = 1 ] && echo "$out" | grep -q "^lfswap: detector $2: "
}
quiet() { # quiet DIR: check-log.sh passes on DIR
	[ -d "$1" ] || { echo "no $1"; return 1; }
	"$LFS_ROOT/scripts/check-log.sh" "$1"
}
# guest RUN-DIR VM.SH-ARGS...: boot a guest, record its exit code and time
guest() {
	local dir=$1 t0 rc=0
	shift
	t0=$(date +%s)
	"$LFS_ROOT/scripts/vm.sh" --kernel patched --flavour "$flavour" --cpus 3 --mem 2G --run-dir "$dir" "$@" \
		>"$dir.log" 2>&1 || rc=$?
	echo "$rc" >"$dir.rc"
	echo $(($(date +%s) - t0)) >"$dir.secs"
	note "guest $(basename "$dir"): exit $rc after $(cat "$dir.secs") s"
}

echo "TAP version 13"
# 1. non-fatal reports, one log each
guest "$top/plants" --timeout 900 -- "$LFS_ROOT/tests/detectors-guest.sh"
check "clean boot log: no detector fires" quiet "$top/plants/plant-none"
for d in warning refcount hung-task bad-page bad-swap-entry swap-io-error lockdep taint; do
	check "detector $d fires on its planted report" fires "$top/plants/plant-$d" "$d"
done
check "detector soft-lockup fires on LKDTM SOFTLOCKUP" fires "$top/plants/plant-soft-lockup" soft-lockup
check "detector rcu-stall fires on the same CPU's RCU stall" fires "$top/plants/plant-soft-lockup" rcu-stall
check "vm.sh fails the run (exit 1) on the planted reports" test "$(cat "$top/plants.rc")" = 1

# 2, 3. a BUG() in a case: the guest ends at once and the case is named
manifest=$top/manifest.txt
for p in BUG CORRUPT_LIST_ADD; do
	printf 'planted-%s\t%s\n' "$p" "$p" >>"$manifest"
done
printf 'planted-timeout\t3600\nnever-ran\tcase one\nnever-ran\tcase two\n' >>"$manifest"
for p in BUG CORRUPT_LIST_ADD; do
	d=$top/oops-$p
	guest "$d" --timeout 600 -- /usr/bin/env LFS_PLANT=$p "$LFS_ROOT/tests/run-tests.sh"
	want=oops
	[ "$p" != CORRUPT_LIST_ADD ] || want=list-corruption
	check "$p in a case: detector $want fires" fires "$d" "$want"
	check "$p in a case: the guest ends at once (exit 125, under 300 s)" \
		test "$(cat "$d.rc")" = 125 -a "$(cat "$d.secs")" -lt 300
	LFS_MANIFEST=$manifest "$LFS_ROOT/scripts/tap-summary.sh" "$d" "$(cat "$d.rc")" "planted-$p" >"$d.summary" || true
	check "$p in a case: the summary names the suite and case that were running" \
		grep -q "it was running planted-$p: case 1: .*plant.sh $p" "$d.summary"
done

# 4. a hung case: killed at its limit, named; what did not run is failed
d=$top/timeout
guest "$d" --timeout 600 -- /usr/bin/env LFS_PLANT=timeout "$LFS_ROOT/tests/run-tests.sh"
check "a case over its time limit fails naming itself" grep -q '^not ok 1 3600 (timed out after 5 s)' "$d/tap/planted-timeout.tap"
LFS_MANIFEST=$manifest "$LFS_ROOT/scripts/tap-summary.sh" "$d" "$(cat "$d.rc")" 'planted-timeout|never-ran' >"$d.summary" || true
check "the summary fails the timed-out case" grep -q 'planted-timeout: 3600 (timed out after 5 s)' "$d.summary"
check "the summary lists a suite that did not run as failed, every case counted" \
	grep -q 'never-ran: did not run (2 cases' "$d.summary"
check "the summary's count: 1 passed (the clean kernel log), 3 failed" grep -qx '1 passed, 3 failed, 0 skipped' "$d.summary"

echo "1..$n"
echo "results in $top"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
