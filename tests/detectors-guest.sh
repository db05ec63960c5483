#!/bin/bash
# Runs INSIDE the guest for scripts/test-detectors.sh: plants one kind of
# kernel report after another and saves the kernel log each produced in
# $LFS_RESULTS/plant-NAME/dmesg.txt (the log is cleared before each), so
# that the host can run scripts/check-log.sh on each alone. Real reports
# come from LKDTM (CONFIG_LKDTM); the kernel has no trigger for a bad page
# state, a bad swap entry or a lockdep report, so those are planted as the
# kernel prints them, through /dev/kmsg (they test the pattern, not the
# kernel). The soft lockup comes last: LKDTM keeps that CPU spinning.
set -u
R=$LFS_RESULTS
plant=$LFS_ROOT/tests/lib/plant.sh

# wait_log REGEX SECONDS: until the kernel log matches, or the time is up
wait_log() {
	local i
	for ((i = 0; i < $2; i++)); do
		dmesg | grep -qE "$1" && return 0
		sleep 1
	done
	echo "detectors-guest: no '$1' in the kernel log after $2 s" >&2
	return 1
}

# save NAME: the log since the last save, for the host's check-log.sh
save() {
	mkdir -p "$R/plant-$1"
	dmesg >"$R/plant-$1/dmesg.txt"
	dmesg -C
	echo "planted $1: $(grep -c '' "$R/plant-$1/dmesg.txt") log lines"
}

# A clean log first: the boot itself must not fire any detector.
save none

"$plant" WARNING
wait_log 'WARNING:' 10
save warning

"$plant" REFCOUNT_INC_OVERFLOW
wait_log 'refcount_t:' 10
save refcount

echo 5 >/proc/sys/kernel/hung_task_timeout_secs
"$plant" HUNG_TASK &
wait_log 'blocked for more than' 60
save hung-task

echo '<1>BUG: Bad page state in process plant  pfn:12345' >/dev/kmsg
save bad-page

echo '<3>swap_info_get: Bad swap offset entry 04000000' >/dev/kmsg
save bad-swap-entry

echo '<1>Read-error on swap-device (254:0:1234)' >/dev/kmsg
save swap-io-error

echo '<4>WARNING: possible circular locking dependency detected' >/dev/kmsg
save lockdep

# Taint with no message: bit 12 (O, out-of-tree module), written by hand.
echo 4096 >/proc/sys/kernel/tainted
mkdir -p "$R/plant-taint"
: >"$R/plant-taint/dmesg.txt"
cat /proc/sys/kernel/tainted >"$R/plant-taint/tainted"
dmesg -C

# Soft lockup and RCU stall: LKDTM spins with preemption off, forever, on
# the CPU it runs on; with a 5 s watchdog threshold the soft lockup is
# reported after 10 s, and the RCU stall after 5 s.
echo 5 >/proc/sys/kernel/watchdog_thresh
echo 5 >/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout
taskset -c 2 "$plant" SOFTLOCKUP &
wait_log 'soft lockup' 90
wait_log 'rcu: INFO|detected stall' 90
mkdir -p "$R/plant-soft-lockup"
dmesg >"$R/plant-soft-lockup/dmesg.txt"
echo "planted soft-lockup"

# End here, the way guest-init.sh would, but with an immediate reset: a
# CPU that never leaves the spin never reports a quiescent state to RCU,
# and the orderly power-off (sync, unmount, device shutdown) waits for
# one forever. The results share is written through (no cache).
dmesg >"$R/dmesg.txt" 2>&1
cat /proc/sys/kernel/tainted >"$R/tainted"
echo 0 >"$R/exit-code"
echo "LFS-GUEST: exit 0 (reset)"
echo b >/proc/sysrq-trigger
