#!/bin/bash
# PID 1 of the lfswap guest. The root filesystem is the host's, read-only
# over 9p; the run directory of the host is mounted at /mnt/results and
# holds job.env (what to run). Writes exit-code, dmesg.txt and tainted
# there, then reboots, which ends QEMU (-no-reboot).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=${TERM:-linux} LANG=C.UTF-8

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
for d in /tmp /var/tmp /run /root /mnt /var/lib/stress-ng; do
	[ -d "$d" ] && mount -t tmpfs -o mode=1777 tmpfs "$d"
done
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t debugfs debugfs /sys/kernel/debug
mkdir -p /mnt/results /mnt/scratch
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 lfsresults /mnt/results || {
	echo "LFS-GUEST: cannot mount the results share" >&2
	echo o >/proc/sysrq-trigger
}
ln -sf /proc/self/fd /dev/fd 2>/dev/null
hostname lfswap-guest 2>/dev/null

# Power off (sysrq o), then reset (sysrq b, which ends QEMU with
# -no-reboot) if still up. The waits are bash's own read with a timeout on
# a FIFO made beforehand: a process forked while the kernel powers off
# (sleep, as before) can get a CPU that is already stopped, and the
# kernel warns about the IPI to it (native_smp_send_reschedule) with a
# lockdep report from printk under the runqueue lock, in a log that must
# stay clean.
power_off() {
	local w=/tmp/lfs-poweroff-wait
	[ -p $w ] || mkfifo $w
	echo o >/proc/sysrq-trigger
	read -rt 5 <>$w
	echo b >/proc/sysrq-trigger
	read -rt 10 <>$w
}

# A guest that reset instead of ending QEMU must not run the job again.
if [ -f /mnt/results/exit-code ]; then
	echo "LFS-GUEST: job already ran (reset loop?); powering off"
	power_off
fi
# shellcheck source=/dev/null
. /mnt/results/job.env
export LFS_RESULTS=/mnt/results LFS_ROOT LFS_BIN LFS_VARIANT LFS_FLAVOUR

# A kernel whose modules live in another root filesystem (vm.sh --modroot,
# the chroot a packaged kernel was installed into): modprobe from there,
# for the kernel's own requests (kernel.modprobe) and for the tests; the
# disks' driver, zram and brd loaded now, as the tests' kernels have them
# built in (and no udev runs here to load them).
if [ "${LFS_MODROOT:-}" = 1 ]; then
	mkdir -p /mnt/modroot /tmp/lfs-sbin
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro lfsmodroot /mnt/modroot ||
		echo "LFS-GUEST: cannot mount the modules share" >&2
	printf '#!/bin/sh\nexec /sbin/modprobe -d /mnt/modroot "$@"\n' >/tmp/lfs-sbin/modprobe
	chmod 755 /tmp/lfs-sbin/modprobe
	echo /tmp/lfs-sbin/modprobe >/proc/sys/kernel/modprobe
	export PATH=/tmp/lfs-sbin:$PATH
	for m in virtio_blk "zram num_devices=1" "brd rd_nr=1 rd_size=524288"; do
		# shellcheck disable=SC2086
		/tmp/lfs-sbin/modprobe $m || echo "LFS-GUEST: cannot load $m from the modules share" >&2
	done
	udevadm settle 2>/dev/null || sleep 1
fi
echo "LFS-GUEST: $(uname -r) up in $(cut -d' ' -f1 /proc/uptime) s; running ${LFS_CMD[*]}"
cd /tmp || exit 1

if [ "${LFS_INTERACTIVE:-0}" = 1 ]; then
	stty rows "${LFS_ROWS:-24}" cols "${LFS_COLS:-80}" </dev/ttyS0 2>/dev/null
	echo "lfswap guest ($LFS_VARIANT/$LFS_FLAVOUR kernel $(uname -r)). 'exit' powers off."
	setsid -c bash -l </dev/ttyS0 >/dev/ttyS0 2>&1
	rc=$?
else
	"${LFS_CMD[@]}"
	rc=$?
fi

dmesg >/mnt/results/dmesg.txt 2>&1
cat /proc/sys/kernel/tainted >/mnt/results/tainted
echo "$rc" >/mnt/results/exit-code
sync
umount /mnt/results
echo "LFS-GUEST: exit $rc"
# Power off (ACPI), which ends QEMU; reset as a fallback (-no-reboot).
power_off
