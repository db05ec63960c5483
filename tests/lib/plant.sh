#!/bin/bash
# Plant a kernel fault in the lfswap guest: plant.sh TYPE, TYPE one of
# LKDTM's crash types (CONFIG_LKDTM, /sys/kernel/debug/provoke-crash), e.g.
# WARNING, BUG, HUNG_TASK, SOFTLOCKUP, REFCOUNT_INC_OVERFLOW,
# CORRUPT_LIST_ADD. For scripts/test-detectors.sh, which proves that the
# kernel-log check and the runner catch each kind of report; never run by
# `make test` itself.
set -u
t=${1:?usage: plant.sh LKDTM-TYPE}
d=/sys/kernel/debug/provoke-crash/DIRECT
[ -w $d ] || { echo "plant.sh: no $d (a kernel without CONFIG_LKDTM)" >&2; exit 2; }
echo "$t" >$d
