#!/bin/bash
# In the guest: `make bench-zswap-pool`'s runs (see run.sh). For every
# compressor, unit size and iteration: zswap on (zsmalloc) in front of a
# fresh disk area, only the folio size enabled, unit_size set, then
# lfs-zswap-pool on SIZE of the corpus from the iteration's offset, once
# for every read order of READS (seq: in order; random: every page alone,
# at order 0, in a fixed random order). Prints "RESULT comp=C unit=U
# iter=I key=value ..." lines (read=seq|random among the keys).
#
#   guest.sh BIN CORPUS SIZE FOLIO "COMPRESSORS" "UNITS" ITERATIONS ["READS"]
set -u
bin=$1 corpus=$2 size=$3 folio=$4 comps=$5 units=$6 iters=$7 reads=${8:-seq}
. "$LFS_ROOT/tests/lib/guest.sh"
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
echo "zswap-pool: $(uname -r), $(nproc) CPUs"
[ -e /sys/module/zswap/parameters/unit_size ] ||
	echo "zswap-pool: this kernel has no zswap.unit_size: units other than 4K are skipped"
mthp_only "$folio"
swap_on disk 1024 >/dev/null || { echo "zswap-pool: swap_on disk failed"; exit 1; }
failed=0
for i in $(seq 1 "$iters"); do
	# iteration i reads the corpus from (i-1) * SIZE / 4: overlapping
	# windows of one file, each a different mix of the three programs
	off=$(( (i - 1) * $(size_kb "$size") / 4 ))K
	for c in $comps; do
		for u in $units; do
			if [ "$u" != 4K ] && [ ! -e /sys/module/zswap/parameters/unit_size ]; then
				continue
			fi
			for rd in $reads; do
				zswap_set on "$c"
				[ ! -e /sys/module/zswap/parameters/unit_size ] || zswap_unit_set "$u" ||
					{ echo "RESULT comp=$c unit=$u iter=$i read=$rd error=unit_size"; failed=1; zswap_set off; continue; }
				if out=$("$bin" --data "$corpus" --size "$size" --offset "$off" --read "$rd" 2>&1); then
					echo "RESULT comp=$c unit=$u iter=$i $(echo "$out" | tr ' ' '=' | tr '\n' ' ')"
				else
					echo "RESULT comp=$c unit=$u iter=$i read=$rd error=$(echo "$out" | tail -1 | tr ' ' '_')"
					failed=1
				fi
				[ ! -e /sys/module/zswap/parameters/unit_size ] || zswap_unit_set 4K
				zswap_set off
			done
		done
	done
done
swap_off_all
exit $failed
