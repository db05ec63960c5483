#!/bin/bash
# Scan a guest's kernel log for splats: check-log.sh RUN_DIR
# Reads RUN_DIR/dmesg.txt (written by the guest at the end) and the kernel
# lines of RUN_DIR/console.log (which survive a guest that died), plus
# RUN_DIR/tainted. Prints every splat and exits 1 if there is one.
set -eu
run=${1:?usage: check-log.sh RUN_DIR}
pat='BUG:|WARNING:|Oops|general protection fault|KASAN:|UBSAN:|possible circular locking|inconsistent lock state|possible recursive locking|Bad page|soft lockup|hung task|Kernel panic|kernel BUG'

# Only kernel lines: console lines carry the printk timestamp; user output
# of the tests does not and may mention these words.
klog() {
	[ -f "$run/console.log" ] && tr -d '\r' <"$run/console.log" | grep -aE '^\[ *[0-9]+\.[0-9]+\]'
	[ -f "$run/dmesg.txt" ] && grep -aE '^\[ *[0-9]+\.[0-9]+\]' "$run/dmesg.txt"
}

bad=0
hits=$(klog | awk '!seen[$0]++' | grep -naE "$pat" || true)
if [ -n "$hits" ]; then
	bad=1
	echo "lfswap: kernel log of $run shows a splat:"
	# Print each splat with the 40 lines that follow it (the backtrace).
	klog | awk '!seen[$0]++' | awk -v pat="$pat" '
		$0 ~ pat && NR > last { from = NR; last = NR + 40 }
		NR <= last { print "    " $0 }
		NR == last { print "    ..." }'
fi
if [ -f "$run/tainted" ] && [ "$(cat "$run/tainted")" != 0 ]; then
	bad=1
	echo "lfswap: kernel is tainted: /proc/sys/kernel/tainted = $(cat "$run/tainted") (see Documentation/admin-guide/tainted-kernels.rst)"
fi
exit $bad
