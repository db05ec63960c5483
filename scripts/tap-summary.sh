#!/bin/bash
# Count the TAP results of a test run:
#   tap-summary.sh RUN_DIR [VM_EXIT_CODE [SUITE-REGEX]]
# Reads RUN_DIR/tap/*.tap and *.rc against tests/manifest.txt (every suite
# and case a run must have) and tests/skips.txt.
#
# - The manifest: lines "SUITE<TAB>CASE"; a result belongs to the first
#   case of its suite not yet taken whose name is the result's description
#   or begins it (a failure may add the reason after the name). Only the
#   suites that SUITE-REGEX selects (default: all) are expected. A case or a
#   suite of the manifest with no result fails ("did not run"), and so does
#   a result the manifest does not list; so passed + failed + skipped is
#   always at least the manifest's count.
# - A skip counts as a skip only when tests/skips.txt lists it with a
#   reason; any other skip is a failure. tests/skips.txt lines are
#   "SUITE-REGEX | CASE-REGEX | REASON"; CASE-REGEX is matched against
#   "DESCRIPTION # SKIP SKIP-REASON" of the TAP line, or "(whole suite)"
#   for a program that exited 4 (KSFT_SKIP) without results.
# - A suite that exited non-zero, died before its plan was complete, or
#   did not finish counts as a failure. The kernel log is a case of its own
#   ("kernel"): a splat or taint (VM exit code 1, check-log.sh), or a guest
#   that timed out (124) or died (125), fails it; the summary then names the
#   suite and case that were running (RUN_DIR/running) and the first suite
#   after which the kernel was tainted (tap/<suite>.taint).
# Prints a table (with each suite's running time from <suite>.secs), the
# skips, the failures, and last "N passed, N failed, N skipped". Exit 0 only
# when nothing failed.
set -eu
. "$(dirname "$0")/lib.sh"
run=${1:?usage: tap-summary.sh RUN_DIR [VM_EXIT_CODE [SUITE-REGEX]]}
vmrc=${2:-0}
only=${3:-.}
skips=$LFS_ROOT/tests/skips.txt
manifest=${LFS_MANIFEST:-$LFS_ROOT/tests/manifest.txt}
[ -f "$manifest" ] || die "$manifest missing: the run cannot be checked for missing suites and cases (scripts/manifest.sh writes it from a run)"
running=""
[ ! -f "$run/running" ] || running=$(head -1 "$run/running")
mkdir -p "$run/tap"
taps=("$run"/tap/*.tap)
[ -e "${taps[0]}" ] || taps=()

# shellcheck disable=SC2016
awk -v vmrc="$vmrc" -v run="$run" -v only="$only" -v running="$running" '
function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
FNR == 1 { kind = FILENAME ~ /skips\.txt$/ ? "skips" : (FILENAME == ARGV[1] ? "manifest" : "tap") }
FNR == 1 && kind == "tap" { suite = FILENAME; sub(/.*\//, "", suite); sub(/\.tap$/, "", suite); if (!(suite in known)) { known[suite] = 1; order[++nsuites] = suite }; hastap[suite] = 1 }
kind == "manifest" {
	if ($0 ~ /^[ \t]*(#|$)/) next
	t = index($0, "\t")
	if (t == 0) { printf "lfswap: %s:%d: want \"SUITE<TAB>CASE\"\n", FILENAME, FNR > "/dev/stderr"; badmanifest = 1; next }
	s = substr($0, 1, t - 1)
	if (s !~ only) next	# the guest selects suites the same way (grep -E)
	if (!(s in known)) { known[s] = 1; order[++nsuites] = s }
	inmanifest[s] = 1
	en[s]++; ename[s, en[s]] = substr($0, t + 1)
	next
}
kind == "skips" {
	if ($0 ~ /^[ \t]*(#|$)/) next
	n = split($0, f, /[ \t]\|[ \t]/)
	if (n < 3 || trim(f[3]) == "") { printf "lfswap: tests/skips.txt:%d: want \"SUITE | CASE-REGEX | REASON\"\n", FNR > "/dev/stderr"; badskips = 1; next }
	ns++; ssuite[ns] = trim(f[1]); scase[ns] = trim(f[2]); sreason[ns] = trim(f[3])
	next
}
/^(not )?ok [0-9]+/ {
	desc = $0
	sub(/^(not )?ok [0-9]+ ?-? ?/, "", desc)
	name = desc
	if (toupper(desc) ~ /# *SKIP/) sub(/ *# *[Ss][Kk][Ii][Pp].*/, "", name)
	if ($0 ~ /^ok/ && toupper(desc) ~ /# *SKIP/) {
		why = desc; sub(/.*# *[Ss][Kk][Ii][Pp] */, "", why)
		r = listed(suite, name " # SKIP " why)
		if (r != "") { skip[suite]++; skiplist[++nskip] = suite ": " name " -- " r }
		else { fail[suite]++; faillist[++nfail] = suite ": " name " -- skipped (\"" why "\") but not listed in tests/skips.txt" }
	} else if ($0 ~ /^ok/) pass[suite]++
	else { fail[suite]++; faillist[++nfail] = suite ": " desc }
	seen[suite]++
	last[suite] = $0
	take(suite, name)
	next
}
/^1\.\.[0-9]+/ { plan[suite] = substr($1, 4) + 0 }
END {
	for (i = 1; i <= nsuites; i++) {
		s = order[i]
		secf = run "/tap/" s ".secs"
		if ((getline secs[s] < secf) <= 0) secs[s] = ""
		if (!(s in hastap)) {
			fail[s] += en[s]
			faillist[++nfail] = s ": did not run (" en[s] " cases" (running != "" ? "; the guest was running " running : "") ")"
			continue
		}
		rcf = run "/tap/" s ".rc"
		if ((getline rc < rcf) <= 0) { fail[s]++; faillist[++nfail] = s ": did not finish (no exit code)" (last[s] != "" ? "; last result: " last[s] : "") }
		else {
			rc += 0
			if (rc == 4 && seen[s] == 0) {
				r = listed(s, "(whole suite)")
				if (r != "") { skip[s]++; skiplist[++nskip] = s ": (whole suite) -- " r; whole[s] = 1 }
				else { fail[s]++; faillist[++nfail] = s ": whole suite skipped (exit 4) but not listed in tests/skips.txt" }
			} else if (rc == 124 || rc == 137) { fail[s]++; faillist[++nfail] = s ": timed out" (secs[s] != "" ? " after " secs[s] " s" : "") (last[s] != "" ? "; last result: " last[s] : "; no result before it") }
			else if (rc != 0 && rc != 4 && fail[s] == 0) { fail[s]++; faillist[++nfail] = s ": exited " rc " with no failed case" }
			if (plan[s] > 0 && seen[s] < plan[s]) { fail[s]++; faillist[++nfail] = s ": " seen[s] " results for a plan of " plan[s] }
			if (seen[s] == 0 && rc == 0) { fail[s]++; faillist[++nfail] = s ": ran no test" }
		}
		if (!(s in inmanifest)) { fail[s]++; faillist[++nfail] = s ": suite not in tests/manifest.txt (" seen[s] " results)"; continue }
		# cases of the manifest without a result, each a failure
		if (s in whole) continue
		miss = 0; first = ""
		for (k = 1; k <= en[s]; k++) if (!((s, k) in used)) { miss++; if (miss <= 3) first = first (miss > 1 ? "; " : "") ename[s, k] }
		if (miss) { fail[s] += miss; faillist[++nfail] = s ": " miss " case(s) of tests/manifest.txt did not run: " first (miss > 3 ? "; ..." : "") }
		for (k = 1; k <= nextra[s]; k++) { fail[s]++; faillist[++nfail] = s ": result not in tests/manifest.txt: " extra[s, k] }
	}
	if (vmrc != 0) {
		fail["kernel"]++; order[++nsuites] = "kernel"
		why = vmrc == 124 ? "timed out" : (vmrc == 125 ? "died (a panic: oops=panic ends the guest at an Oops or BUG)" : "kernel splat or taint")
		faillist[++nfail] = "kernel: guest run failed (exit " vmrc ": " why "; see above)" (vmrc != 1 && running != "" ? "; it was running " running : "")
	} else { pass["kernel"]++; order[++nsuites] = "kernel"; }
	for (i = 1; i <= nsuites; i++) {
		s = order[i]
		if ((getline tv < (run "/tap/" s ".taint")) > 0) { faillist[++nfail] = "kernel: tainted (" tv ") first after suite " s; if (vmrc == 0) fail["kernel"]++; break }
	}
	printf "%-36s %6s %6s %6s %6s\n", "suite", "pass", "fail", "skip", "secs"
	for (i = 1; i <= nsuites; i++) { s = order[i]; printf "%-36s %6d %6d %6d %6s\n", s, pass[s], fail[s], skip[s], secs[s]; P += pass[s]; F += fail[s]; S += skip[s] }
	if (nskip) {
		print ""; print "skipped (reasons from tests/skips.txt):"
		for (i = 1; i <= nskip; i++) if (!(skiplist[i] in nsame)) { nsame[skiplist[i]] = 0; uniq[++nuniq] = skiplist[i] }
		for (i = 1; i <= nskip; i++) nsame[skiplist[i]]++
		for (i = 1; i <= nuniq; i++) print "  " (nsame[uniq[i]] > 1 ? nsame[uniq[i]] " x " : "") uniq[i]
	}
	if (nfail) { print ""; print "FAILED:"; for (i = 1; i <= nfail; i++) print "  " faillist[i] }
	if (badskips || badmanifest) F++
	print ""
	printf "%d passed, %d failed, %d skipped\n", P, F, S
	exit F > 0
}
# take(S, NAME): the first unused case of suite S in the manifest that is
# NAME, or failing that one that begins NAME; else NAME is an extra result.
function take(s, name,   k, best) {
	best = 0
	for (k = 1; k <= en[s]; k++) if (!((s, k) in used) && ename[s, k] == name) { best = k; break }
	if (!best) for (k = 1; k <= en[s]; k++) if (!((s, k) in used) && index(name, ename[s, k]) == 1) { best = k; break }
	if (best) used[s, best] = 1
	else if (s in inmanifest) extra[s, ++nextra[s]] = name
}
function listed(s, name,   i) {
	for (i = 1; i <= ns; i++)
		if (s ~ ("^(" ssuite[i] ")$") && name ~ scase[i]) return sreason[i]
	return ""
}
' "$manifest" "$skips" "${taps[@]}"
