#!/bin/bash
# `make soak DURATION=60m`: the soak (tests/soak.sh) on the patched debug
# kernel (FLAVOUR=kasan for the KASAN one) for DURATION (a number of
# seconds, or Ns, Nm, Nh). Prints each segment, then
#   soak: N segments, S s, B bytes verified, F failed segments
# and fails on a failed segment, a kernel splat or taint, or a guest that
# did not finish. Results: build/runs/soak-<time>/.
#   soak.sh [--flavour debug|kasan] DURATION [SEGMENT-SECONDS]
set -eu
. "$(dirname "$0")/lib.sh"
flavour=debug
[ "${1:-}" != --flavour ] || { flavour=$2; shift 2; }
case $flavour in debug | kasan) ;; *) die "soak.sh: unknown flavour '$flavour' (debug|kasan)" ;; esac
d=${1:-60m}
case $d in
*[!0-9smh]* | "" | [smh]*) die "soak.sh: DURATION is a number of seconds, or Ns, Nm, Nh; not '$d'" ;;
*h) secs=$((${d%h} * 3600)) ;;
*m) secs=$((${d%m} * 60)) ;;
*s) secs=${d%s} ;;
*) secs=$d ;;
esac
[ "$secs" -ge 30 ] || die "soak.sh: DURATION must be at least 30 s"
seg=${2:-300}
"$LFS_ROOT/scripts/deps.sh" all
"$LFS_ROOT/scripts/prepare.sh"
"$LFS_ROOT/scripts/build-kernel.sh" patched "$flavour"
"$LFS_ROOT/scripts/build-tests.sh"
run=$LFS_BUILD/runs/soak-$(date +%Y%m%d-%H%M%S)
note "soak of $secs s on the patched $flavour kernel (run dir $run)"
set +e
"$LFS_ROOT/scripts/vm.sh" --kernel patched --flavour "$flavour" --cpus 3 --mem 2G \
	--timeout $((secs + 900)) --run-dir "$run" -- "$LFS_ROOT/tests/soak.sh" "$secs" "$seg" | grep -a '^soak:'
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 0 ] || die "soak failed (exit $rc; log: $run/console.log, segments: $run/soak/)"
note "soak passed: $(grep -a '^soak: [0-9]* segments' "$run/console.log" | tr -d '\r')"
