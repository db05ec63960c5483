#!/bin/bash
# The ceilings boot, inside the guest: fio on each swap device before any
# mkswap (bench/guest/ceilings-fio.sh), then the compressors on the corpus
# (lfs-compbench): the fastest zswap could compress and decompress here.
#   ceilings.sh BOOT_CONF     results in $LFS_RESULTS/ceilings/
set -u
# Exported, so ceilings-fio.sh sees the FIO_* settings.
set -a
# shellcheck source=/dev/null
. "$1"
set +a
out=$LFS_RESULTS/ceilings
mkdir -p "$out"
rc=0
"$LFS_ROOT/bench/guest/ceilings-fio.sh" "$out" || rc=1
"$LFS_BENCH_BIN/lfs-compbench" --data "$USEMEM_DATA" --units "$COMPBENCH_UNITS" --algos "$COMPBENCH_ALGOS" \
	--max-bytes "$COMPBENCH_BYTES" --label guest --json "$out/compbench-guest.json" || rc=1
exit $rc
