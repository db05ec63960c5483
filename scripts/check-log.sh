#!/bin/bash
# Scan a guest's kernel log for splats: check-log.sh RUN_DIR
# Reads RUN_DIR/dmesg.txt (written by the guest at the end) and the kernel
# lines of RUN_DIR/console.log (which survive a guest that died), plus
# RUN_DIR/tainted. Prints one "lfswap: detector NAME: LINE" for every
# detector that fired (the first line it matched), then every splat with
# the lines that follow it, and exits 1 if there is one.
#
# The detectors, in the order they are tried on each line (the first that
# matches names it). scripts/test-detectors.sh plants each kind of report
# in a guest and checks that its detector fires.
set -eu
run=${1:?usage: check-log.sh RUN_DIR}
detectors=(
	# An Oops, a BUG() or BUG_ON(), a fault in the kernel; with
	# oops=panic (scripts/vm.sh) the guest ends right after it.
	"oops|Oops|kernel BUG at|general protection fault|BUG: unable to handle|Unable to handle kernel|invalid opcode:|Kernel panic"
	# list debugging (DEBUG_LIST; a BUG too with BUG_ON_DATA_CORRUPTION)
	"list-corruption|list_(add|del)(_rcu)? corruption|list_[a-z_]+ corruption|hlist.* corruption"
	# refcount_t saturation, underflow, increment on 0
	"refcount|refcount_t: "
	# the page allocator and the page-table walkers on a page in a bad state
	"bad-page|Bad page (state|map|cache)|BUG: Bad rss-counter|bad pte|page dumped because"
	# swap entries that point nowhere (swapfile.c, memory.c)
	"bad-swap-entry|(Bad|Unused) swap (file|offset) entry|unrecognized swap entry"
	# I/O errors on a swap device (page_io.c)
	"swap-io-error|(Read|Write)-error on swap-device|error [-0-9]+ on dio swapfile"
	# hung-task detector: "INFO: task NAME:PID blocked for more than N seconds."
	"hung-task|INFO: task .* blocked for more than|hung_task"
	# RCU CPU stall warnings (Documentation/RCU/stallwarn.rst)
	"rcu-stall|rcu: INFO: .*(detected stall|detected stalls)|rcu_[a-z]+ (self-)?detected stall|rcu_[a-z]+ kthread (starved|timer wakeup didn't happen)|RCU Tasks.*stall"
	"soft-lockup|soft lockup|hard LOCKUP|Watchdog detected hard LOCKUP"
	"lockdep|possible circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|possible irq lock inversion|bad unlock balance|held lock freed|lock held when returning to user space"
	"sanitizer|KASAN:|UBSAN:|KFENCE:|KMSAN:"
	"warning|WARNING:"
	# everything else the kernel calls a bug: "BUG: sleeping function
	# called from invalid context", "BUG: scheduling while atomic", ...
	"bug|BUG:"
)

# Only kernel lines: console lines carry the printk timestamp; user output
# of the tests does not and may mention these words.
klog() {
	[ -f "$run/console.log" ] && tr -d '\r' <"$run/console.log" | grep -aE '^\[ *[0-9]+\.[0-9]+\]'
	[ -f "$run/dmesg.txt" ] && grep -aE '^\[ *[0-9]+\.[0-9]+\]' "$run/dmesg.txt"
	return 0
}

pat=""
for d in "${detectors[@]}"; do pat="$pat${pat:+|}${d#*|}"; done

# A test that injects a fault announces the one report it expects, in the
# kernel log: "lfswap: expect DETECTOR begin" ... "lfswap: expect end"
# (tests/lib/guest.sh: log_expect, log_expect_end). Lines inside such a
# window that only that detector matches are dropped and counted; every
# other detector still fires there.
bad=0
# console.log and dmesg.txt hold the same lines where both have them
# (dmesg.txt also those below the console's loglevel): one copy of each,
# in the order of their timestamps.
klog | awk '!seen[$0]++ { t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t); printf "%s\t%s\n", t, $0 }' |
	sort -s -t"$(printf '\t')" -k1,1n | cut -f2- >"$run/.klog.all.$$" || true
for d in "${detectors[@]}"; do printf '%s\n' "$d"; done >"$run/.detectors.$$"
awk -v cnt="$run/.expected.$$" '
	NR == FNR { name[FNR] = substr($0, 1, index($0, "|") - 1); re[FNR] = substr($0, index($0, "|") + 1); n = FNR; next }
	/lfswap: expect [a-z-]+ begin/ { w = $0; sub(/.*lfswap: expect /, "", w); sub(/ begin.*/, "", w); next }
	/lfswap: expect end/ { w = ""; next }
	{
		if (w != "") {
			for (i = 1; i <= n; i++) if ($0 ~ re[i]) break
			if (i <= n && name[i] == w) { dropped[w]++; next }
		}
		print
	}
	END { for (k in dropped) printf "%s %d\n", k, dropped[k] > cnt }' "$run/.detectors.$$" "$run/.klog.all.$$" >"$run/.klog.$$"
if [ -s "$run/.expected.$$" ]; then
	while read -r d c; do
		echo "lfswap: $c $d line(s) inside the windows where a test expected them (not splats)"
	done <"$run/.expected.$$"
fi
rm -f "$run/.klog.all.$$" "$run/.detectors.$$" "$run/.expected.$$"
if grep -qaE "$pat" "$run/.klog.$$"; then
	bad=1
	# One line per detector that fired: its name and the first line.
	for d in "${detectors[@]}"; do
		printf '%s\n' "$d"
	done | awk -v logf="$run/.klog.$$" '
		{ name[NR] = substr($0, 1, index($0, "|") - 1); re[NR] = substr($0, index($0, "|") + 1); n = NR }
		END {
			while ((getline line < logf) > 0)
				for (i = 1; i <= n; i++)
					if (line ~ re[i]) {
						if (!(i in first)) first[i] = line
						break
					}
			for (i = 1; i <= n; i++)
				if (i in first) printf "lfswap: detector %s: %s\n", name[i], first[i]
		}'
	echo "lfswap: kernel log of $run shows a splat:"
	# Print each splat with the 40 lines that follow it (the backtrace).
	awk -v pat="$pat" '
		$0 ~ pat && NR > last { from = NR; last = NR + 40 }
		NR <= last { print "    " $0 }
		NR == last { print "    ..." }' "$run/.klog.$$"
fi
rm -f "$run/.klog.$$"
if [ -f "$run/tainted" ] && [ "$(cat "$run/tainted")" != 0 ]; then
	bad=1
	t=$(cat "$run/tainted")
	# Documentation/admin-guide/tainted-kernels.rst: bit i is letter i.
	flags=$(awk -v t="$t" 'BEGIN { l = "PFSRMBUDAWCIOELKXTN"; for (i = 0; i < length(l); i++) { if (int(t / 2 ^ i) % 2) s = s substr(l, i + 1, 1) } print s }')
	echo "lfswap: detector taint: /proc/sys/kernel/tainted = $t ($flags; see Documentation/admin-guide/tainted-kernels.rst)"
fi
exit $bad
