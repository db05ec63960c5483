#!/bin/bash
# Switch a fault on in the lfswap guest, for lfs-integrity --between:
#   fault.sh make-it-fail DEV   every I/O to /dev/DEV fails from now on
#                               (fail_make_request; the caller set its rates)
#   fault.sh task-fail          the calling process (our parent) is subject
#                               to fail_page_alloc/failslab with task-filter
set -eu
case ${1:-} in
make-it-fail) echo 1 >"/sys/block/${2:?usage: fault.sh make-it-fail DEV}/make-it-fail" ;;
task-fail) echo 1 >"/proc/$PPID/make-it-fail" ;;
*) echo "usage: fault.sh make-it-fail DEV | task-fail" >&2; exit 2 ;;
esac
