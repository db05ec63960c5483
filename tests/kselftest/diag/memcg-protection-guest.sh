#!/bin/bash
# In the guest: test_memcg_low N times (N=30), set up as tests/run-tests.sh
# sets up cgroup-test_memcontrol (boot THP defaults, zswap off, swap on the
# disk, from a directory on the ext4 scratch disk, lo up). BIN=tml (the
# upstream test) or tmlf (a file per child). Prints one LOWDIAG block and
# one TAP line per run. From the host:
#   scripts/vm.sh --kernel patched|baseline --cpus 3 --mem 2G -- env N=30 BIN=tml \
#     "$PWD/tests/kselftest/diag/memcg-protection-guest.sh"
LFS_ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
# shellcheck source=/dev/null
. "$LFS_ROOT/tests/lib/guest.sh"
N=${N:-30}
BIN=${BIN:-tml}
zswap_set off
mthp_reset
echo 0 >/sys/block/vdb/queue/rotational
mount -t ext4 /dev/vdb /mnt/scratch && mkdir -p /mnt/scratch/memcontrol || exit 1
swap_on disk 1024 >/dev/null || exit 1
ip link set lo up
cd /mnt/scratch/memcontrol || exit 1
"$LFS_ROOT/build/diag/$BIN" "$N" 2>&1 | grep -E "LOWDIAG|^ok|^not ok"
swap_off_all
