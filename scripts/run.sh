#!/bin/bash
# `make run`: build the patched perf kernel, boot it with 64K mTHP and zswap
# (lz4) in front of a disk swap device, run a memory-pressure workload in a
# memcg, and print what happened (tests/workloads/pressure.sh).
#   run.sh [--kernel patched|baseline] [--size 64K] [--mem 512M] [--limit 192M]
set -eu
. "$(dirname "$0")/lib.sh"

variant=patched
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) variant=$2; shift 2 ;;
	--size | --mem | --limit | --compressor) args+=("$1" "$2"); shift 2 ;;
	*) die "run.sh: unknown argument $1" ;;
	esac
done
"$LFS_ROOT/scripts/deps.sh" all
"$LFS_ROOT/scripts/prepare.sh"
"$LFS_ROOT/scripts/build-kernel.sh" "$variant" perf
"$LFS_ROOT/scripts/build-tests.sh"
exec "$LFS_ROOT/scripts/vm.sh" --kernel "$variant" --flavour perf --cpus 2 --mem 2G --timeout 1200 \
	--run-dir "$LFS_BUILD/runs/run-$variant-$(date +%Y%m%d-%H%M%S)" \
	-- "$LFS_ROOT/tests/workloads/pressure.sh" "${args[@]}"
