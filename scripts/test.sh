#!/bin/bash
# `make test`: build the debug kernel, our tests and the upstream kselftests,
# boot the guest, run tests/run-tests.sh, count the TAP results.
#   test.sh [--kernel patched|baseline] [--only SUITE-REGEX] [--table FILE]
# --table writes the per-suite results as a markdown document (docs/).
set -eu
. "$(dirname "$0")/lib.sh"

variant=patched only=. table=""
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) variant=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--table) table=$2; shift 2 ;;
	*) die "test.sh: unknown argument $1" ;;
	esac
done

t0=$(date +%s)
stage() { note "[$(($(date +%s) - t0)) s] $*"; }
stage "installing host packages"
"$LFS_ROOT/scripts/deps.sh" all
stage "preparing the kernel tree"
"$LFS_ROOT/scripts/prepare.sh"
stage "building the $variant debug kernel"
"$LFS_ROOT/scripts/build-kernel.sh" "$variant" debug
stage "building tests"
"$LFS_ROOT/scripts/build-tests.sh"

# 3 vCPUs: the upstream migration test wants at least 2 worker threads plus
# the main one, and skips with fewer.
run=$LFS_BUILD/runs/test-$variant-$(date +%Y%m%d-%H%M%S)
stage "running the tests in the guest (run dir $run)"
set +e
"$LFS_ROOT/scripts/vm.sh" --kernel "$variant" --flavour debug --cpus 3 --mem 2G --timeout 3600 \
	--run-dir "$run" -- "$LFS_ROOT/tests/run-tests.sh" "$only"
vmrc=$?
set -e
stage "guest finished (exit $vmrc)"
echo
set +e
"$LFS_ROOT/scripts/tap-summary.sh" "$run" "$vmrc" | tee "$run/summary.txt"
rc=${PIPESTATUS[0]}
set -e
if [ -n "$table" ]; then
	"$LFS_ROOT/scripts/test-table.sh" "$run" "$variant" >"$table"
	note "wrote $table"
fi
stage "done"
exit "$rc"
