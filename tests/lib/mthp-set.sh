#!/bin/bash
# Set one mTHP size's policy in the lfswap guest, for lfs-integrity
# --between (the size to use from the swap-in on):
#   mthp-set.sh SIZE never|always|madvise|inherit    SIZE: 16K 32K 64K ... 2M
set -eu
# shellcheck source=/dev/null
. "$(dirname "$0")/guest.sh"
usage() { echo "usage: mthp-set.sh SIZE never|always|madvise|inherit" >&2; exit 2; }
[ $# = 2 ] || usage
case $2 in never | always | madvise | inherit) ;; *) usage ;; esac
case ${1^^} in [0-9]*K | [0-9]*M) ;; *) usage ;; esac
f=$THP/hugepages-$(size_kb "$1")kB/enabled
[ -w "$f" ] || { echo "mthp-set.sh: no $f (size $1 not supported)" >&2; exit 1; }
echo "$2" >"$f"
