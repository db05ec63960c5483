#!/bin/bash
# Print the QEMU accelerator to use: "kvm" if a short probe boot of KERNEL
# under KVM reaches user space, else "tcg". /dev/kvm can exist and still be
# unable to boot a stock kernel (kvm_pvm hangs after the BIOS), so presence
# proves nothing. The answer is cached per host kernel and CPU in
# ~/.cache/lfswap; LFS_ACCEL=kvm|tcg overrides it.
# When run as PID 1 inside the probe guest, it reports and reboots.
if [ $$ = 1 ]; then
	echo LFS-KVM-PROBE-OK
	mount -t proc proc /proc && echo b >/proc/sysrq-trigger
	exit 0
fi
set -eu
. "$(dirname "$0")/lib.sh"
image=${1:?usage: kvm-probe.sh KERNEL_IMAGE}

case ${LFS_ACCEL:-} in kvm | tcg) echo "$LFS_ACCEL"; exit 0 ;; esac
if [ ! -w /dev/kvm ]; then
	echo tcg
	exit 0
fi
cache=${XDG_CACHE_HOME:-$HOME/.cache}/lfswap
key=$(printf '%s %s' "$(uname -r)" "$(grep -m1 'model name' /proc/cpuinfo)" | sha1sum | cut -c1-12)
if [ -f "$cache/accel-$key" ]; then
	cat "$cache/accel-$key"
	exit 0
fi
mkdir -p "$cache"
out=$(timeout -k 2 25 qemu-system-x86_64 -accel kvm -cpu host -m 256M -smp 1 -no-reboot \
	-display none -monitor none -serial stdio -kernel "$image" \
	-append "console=ttyS0 panic=-1 root=/dev/root rootfstype=9p rootflags=trans=virtio,version=9p2000.L ro init=$LFS_ROOT/scripts/kvm-probe.sh" \
	-fsdev "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap" \
	-device "virtio-9p-pci,fsdev=root,mount_tag=/dev/root" </dev/null 2>&1 || true)
case $out in
*LFS-KVM-PROBE-OK*) accel=kvm ;;
*) accel=tcg ;;
esac
echo "$accel" >"$cache/accel-$key"
note "KVM probe: /dev/kvm $([ $accel = kvm ] && echo works || echo 'cannot boot this kernel'); using $accel (cached in $cache/accel-$key)"
echo "$accel"
