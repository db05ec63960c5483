#!/bin/bash
# Boot a kernel under QEMU and run a command in it.
#
#   vm.sh [options] [--] COMMAND [ARGS...]   run COMMAND in the guest
#   vm.sh [options] --interactive            a shell in the guest
#
# Options:
#   --kernel patched|baseline|PATH  kernel to boot (default patched)
#   --variant patched|baseline      what the tests take a PATH kernel for
#                                   (LFS_VARIANT in the guest; default custom)
#   --modroot DIR                   a root filesystem holding the PATH kernel's
#                                   lib/modules/<release> (e.g. the chroot
#                                   make deb-check installs the package into):
#                                   the guest loads modules from it, zram and
#                                   brd at boot
#   --flavour debug|perf|kasan      (default debug)
#   --cpus N  --mem SIZE            vCPUs (default 2) and memory (default 2G)
#   --timeout SECONDS               hard limit for the whole guest (default 900)
#   --run-dir DIR                   where results go (default build/runs/<time>-<kernel>)
#   --swap-disk SIZE --scratch-disk SIZE   sizes of the two virtio disks (4G, 2G)
#   --disk-mibs N                   throttle each disk to N MiB/s read and N
#                                   MiB/s write (QEMU block throttling; default
#                                   none: the host page cache, RAM speed)
#
# The guest sees the host's root filesystem read-only (so bash, fio,
# stress-ng and our test programs are there), a writable /tmp, and the run
# directory at /mnt/results ($LFS_RESULTS). Disks: /dev/vda (raw swap disk,
# sparse file), /dev/vdb (ext4 scratch disk for swapfiles); /dev/ram0 (brd)
# and /dev/zram0 are built in. Exit code: the command's; 1 if the kernel log
# shows a splat or taint; 124 on timeout; 125 if the guest died.
set -eu
. "$(dirname "$0")/lib.sh"

variant=patched flavour=debug cpus=2 mem=2G timeout=900 run_dir="" interactive=0 as_variant="" modroot=""
swap_disk=4G scratch_disk=2G disk_mibs=""
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) variant=$2; shift 2 ;;
	--variant) as_variant=$2; shift 2 ;;
	--modroot) modroot=$2; shift 2 ;;
	--flavour) flavour=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--run-dir) run_dir=$2; shift 2 ;;
	--swap-disk) swap_disk=$2; shift 2 ;;
	--scratch-disk) scratch_disk=$2; shift 2 ;;
	--disk-mibs) disk_mibs=$2; shift 2 ;;
	--interactive) interactive=1; shift ;;
	--) shift; break ;;
	-h | --help) sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "vm.sh: unknown option $1 (see --help)" ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || [ "$interactive" = 1 ] || die "vm.sh: no command given (see --help)"

case $as_variant in
"" | patched | baseline) ;;
*) die "vm.sh: --variant takes patched or baseline, not '$as_variant'" ;;
esac
case $variant in
patched | baseline)
	[ -z "$as_variant" ] || die "vm.sh: --variant only goes with --kernel PATH"
	image=$(kernel_image "$variant" "$flavour") ;;
*) image=$variant variant=${as_variant:-custom} ;;
esac
if [ -n "$modroot" ]; then
	[ -d "$modroot/lib/modules" ] || [ -d "$modroot/usr/lib/modules" ] ||
		die "vm.sh: --modroot $modroot has no lib/modules"
	modroot=$(cd "$modroot" && pwd -P)
fi
[ -f "$image" ] || die "no kernel at $image; build it first (make kernel, or scripts/build-kernel.sh $variant $flavour)"
# The guest sees the host's root filesystem, but mounts tmpfs over these
# (scripts/guest-init.sh): a repository or build directory below one of
# them would be invisible in the guest.
for d in "$LFS_ROOT" "$LFS_BUILD"; do
	case $(cd "$d" && pwd -P)/ in
	/tmp/* | /var/tmp/* | /run/* | /root/* | /mnt/*)
		die "$d is below /tmp, /var/tmp, /run, /root or /mnt, which the guest mounts over; clone the repository (or set LFS_BUILD) elsewhere, e.g. under /work or /home" ;;
	esac
done
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (scripts/deps.sh run installs qemu-system-x86)"

[ -n "$run_dir" ] || run_dir=$LFS_BUILD/runs/$(date +%Y%m%d-%H%M%S)-$$-$variant-$flavour
mkdir -p "$run_dir"
run_dir=$(cd "$run_dir" && pwd)
rm -f "$run_dir/exit-code" "$run_dir/dmesg.txt" "$run_dir/tainted" "$run_dir/console.log"
# the series this run is of (run_series_id), for the documents made from it
series_id >"$run_dir/series-id"

# The command: a path inside the repo or anywhere on the host works as is
# (same filesystem in the guest); make relative paths absolute.
if [ $# -gt 0 ] && [ -e "$1" ]; then
	set -- "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" "${@:2}"
	# The guest mounts tmpfs over these; bring such a command along.
	case $1 in
	/tmp/* | /var/tmp/* | /run/* | /root/* | /mnt/*)
		mkdir -p "$run_dir/cmd"
		cp "$1" "$run_dir/cmd/"
		set -- "/mnt/results/cmd/$(basename "$1")" "${@:2}"
		;;
	esac
fi
{
	printf 'LFS_ROOT=%q\nLFS_BIN=%q\nLFS_VARIANT=%q\nLFS_FLAVOUR=%q\n' "$LFS_ROOT" "$LFS_BUILD/tests" "$variant" "$flavour"
	printf 'LFS_MODROOT=%q\n' "${modroot:+1}"
	printf 'LFS_INTERACTIVE=%q\nLFS_ROWS=%q\nLFS_COLS=%q\nTERM=%q\n' "$interactive" "$(tput lines 2>/dev/null || echo 24)" "$(tput cols 2>/dev/null || echo 80)" "${TERM:-linux}"
	printf 'LFS_CMD=('
	printf '%q ' "$@"
	printf ')\n'
} >"$run_dir/job.env"

# Guest disks: fresh sparse files for every run, removed afterwards.
disks=$run_dir/.disks
mkdir -p "$disks"
rm -f "$disks/swap.img" "$disks/scratch.img"
truncate -s "$swap_disk" "$disks/swap.img"
truncate -s "$scratch_disk" "$disks/scratch.img"
mkfs.ext4 -q -F -L lfscratch "$disks/scratch.img" >/dev/null 2>&1 || die "mkfs.ext4 failed on $disks/scratch.img"

accel=$("$LFS_ROOT/scripts/kvm-probe.sh" "$image")
accel_opt=(-accel kvm)
if [ "$accel" = tcg ]; then
	accel_opt=(-accel tcg,thread=multi)
	# Under TCG the guest's TSC is the host's, but calibrating it against
	# emulated timers on a busy host goes wrong by several times, and the
	# fast clock then reports false soft lockups. Tell it the host's rate.
	if grep -qw constant_tsc /proc/cpuinfo; then
		khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
		[ -z "$khz" ] || extra_cmdline="tsc_early_khz=$khz tsc=reliable"
	fi
fi

# pci=noacpi: evaluating the ACPI _PRT for each virtio device costs ~20 s
# of boot under TCG with lockdep; the BIOS's PIRQ table does the same job.
# watchdog_thresh=60: soft lockups are reported after 120 s, not 20 s; a
# lockdep kernel under TCG compressing a 2M folio can take longer than 20 s.
# rcupdate.rcu_cpu_stall_timeout=60: RCU stall warnings after 60 s, not 21
# s, for the same reason. oops=panic: an Oops or BUG ends the guest at once
# (panic=-1 reboots, -no-reboot ends QEMU) instead of leaving the task dead
# with its locks held and the other CPUs spinning in soft lockups until the
# guest's time limit; the run directory's "running" file names the suite
# and case. numa_balancing=disable: the guest's two nodes would otherwise
# turn NUMA balancing on, whose hinting faults and migrations move the
# tests' folios between nodes at times no test controls; a test that wants
# it turns it on (/proc/sys/kernel/numa_balancing).
# LFS_CMDLINE_EXTRA adds to the kernel command line.
throttle=""
if [ -n "$disk_mibs" ]; then
	case $disk_mibs in
	*[!0-9]* | 0) die "vm.sh: --disk-mibs wants a positive whole number of MiB/s, not '$disk_mibs'" ;;
	esac
	throttle=",throttling.bps-read=$((disk_mibs * 1048576)),throttling.bps-write=$((disk_mibs * 1048576))"
fi
cmdline="console=ttyS0 loglevel=5 panic=-1 oops=panic watchdog_thresh=60 rcupdate.rcu_cpu_stall_timeout=60 mitigations=off numa=fake=2 numa_balancing=disable pci=noacpi ${LFS_CMDLINE_EXTRA:-} ${extra_cmdline:-}"
cmdline="$cmdline root=/dev/root rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=512000,cache=loose ro"
cmdline="$cmdline init=$LFS_ROOT/scripts/guest-init.sh"
qemu=(qemu-system-x86_64 "${accel_opt[@]}" -machine pc -cpu max,pdpe1gb=off -smp "$cpus" -m "$mem" -no-reboot
	-kernel "$image" -append "$cmdline"
	-fsdev "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap"
	-device "virtio-9p-pci,fsdev=root,mount_tag=/dev/root"
	-fsdev "local,id=res,path=$run_dir,security_model=none,multidevs=remap"
	-device "virtio-9p-pci,fsdev=res,mount_tag=lfsresults"
	${modroot:+-fsdev "local,id=mods,path=$modroot,security_model=none,readonly=on,multidevs=remap"}
	${modroot:+-device "virtio-9p-pci,fsdev=mods,mount_tag=lfsmodroot"}
	-drive "file=$disks/swap.img,format=raw,if=none,id=swapdisk,cache=unsafe,discard=unmap$throttle"
	-device "virtio-blk-pci,drive=swapdisk,serial=lfswap-swap"
	-drive "file=$disks/scratch.img,format=raw,if=none,id=scratchdisk,cache=unsafe,discard=unmap$throttle"
	-device "virtio-blk-pci,drive=scratchdisk,serial=lfswap-scratch")

if [ "$interactive" = 1 ]; then
	"${qemu[@]}" -nographic -serial mon:stdio 2>&1 | tee "$run_dir/console.log"
else
	note "booting $variant/$flavour kernel ($accel, $cpus vCPUs, $mem), run dir $run_dir"
	set +e
	timeout -k 10 "$timeout" "${qemu[@]}" -display none -monitor none -serial stdio </dev/null 2>&1 |
		tee "$run_dir/console.log"
	qrc=${PIPESTATUS[0]}
	set -e
fi
rm -rf "$disks"

rc=0
if [ ! -f "$run_dir/exit-code" ]; then
	if [ "${qrc:-0}" = 124 ] || [ "${qrc:-0}" = 137 ]; then
		echo "lfswap: guest timed out after $timeout s; console log: $run_dir/console.log" >&2
		rc=124
	else
		echo "lfswap: guest died before the command finished (qemu exit ${qrc:-?}); console log: $run_dir/console.log" >&2
		rc=125
	fi
else
	rc=$(cat "$run_dir/exit-code")
fi
if ! "$LFS_ROOT/scripts/check-log.sh" "$run_dir" >&2; then
	[ "$rc" != 0 ] || rc=1
	echo "lfswap: failing the run: kernel splat or taint (full log: $run_dir/console.log, $run_dir/dmesg.txt)" >&2
fi
[ "$interactive" = 1 ] || note "guest command exit code: $rc (run dir $run_dir)"
exit "$rc"
