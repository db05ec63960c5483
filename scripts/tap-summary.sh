#!/bin/bash
# Count the TAP results of a test run: tap-summary.sh RUN_DIR [VM_EXIT_CODE]
# Reads RUN_DIR/tap/*.tap and *.rc. A skip counts as a skip only when
# tests/skips.txt lists it with a reason; any other skip is a failure. A
# suite that exited non-zero, died before its plan was complete, or did
# not finish counts as a failure. A kernel splat (vm exit code 1 with a
# check-log report) or a guest that died counts as one failure too.
# tests/skips.txt lines are "SUITE-REGEX | CASE-REGEX | REASON"; CASE-REGEX
# is matched against "DESCRIPTION # SKIP SKIP-REASON" of the TAP line, or
# "(whole suite)" for a program that exited 4 (KSFT_SKIP) without results.
# Prints a table (with each suite's running time from <suite>.secs), the
# skips, the failures (a timed-out suite with its time and last result),
# and last "N passed, N failed, N skipped". Exit 0 only when nothing
# failed.
set -eu
. "$(dirname "$0")/lib.sh"
run=${1:?usage: tap-summary.sh RUN_DIR [VM_EXIT_CODE]}
vmrc=${2:-0}
skips=$LFS_ROOT/tests/skips.txt

awk -v vmrc="$vmrc" -v run="$run" '
function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
FNR == 1 && FILENAME ~ /skips\.txt$/ { inskips = 1 }
FNR == 1 && FILENAME !~ /skips\.txt$/ { inskips = 0; suite = FILENAME; sub(/.*\//, "", suite); sub(/\.tap$/, "", suite); order[++nsuites] = suite }
inskips {
	if ($0 ~ /^[ \t]*(#|$)/) next
	n = split($0, f, /[ \t]\|[ \t]/)
	if (n < 3 || trim(f[3]) == "") { printf "lfswap: tests/skips.txt:%d: want \"SUITE | CASE-REGEX | REASON\"\n", FNR > "/dev/stderr"; badskips = 1; next }
	ns++; ssuite[ns] = trim(f[1]); scase[ns] = trim(f[2]); sreason[ns] = trim(f[3])
	next
}
/^(not )?ok [0-9]+/ {
	desc = $0
	sub(/^(not )?ok [0-9]+ ?-? ?/, "", desc)
	if ($0 ~ /^ok/ && toupper(desc) ~ /# *SKIP/) {
		why = desc; sub(/.*# *[Ss][Kk][Ii][Pp] */, "", why); name = desc; sub(/ *# *[Ss][Kk][Ii][Pp].*/, "", name)
		r = listed(suite, name " # SKIP " why)
		if (r != "") { skip[suite]++; skiplist[++nskip] = suite ": " name " -- " r }
		else { fail[suite]++; faillist[++nfail] = suite ": " name " -- skipped (\"" why "\") but not listed in tests/skips.txt" }
	} else if ($0 ~ /^ok/) pass[suite]++
	else { fail[suite]++; faillist[++nfail] = suite ": " desc }
	seen[suite]++
	last[suite] = $0
	next
}
/^1\.\.[0-9]+/ { plan[suite] = substr($1, 4) + 0 }
END {
	for (i = 1; i <= nsuites; i++) {
		s = order[i]
		secf = run "/tap/" s ".secs"
		if ((getline secs[s] < secf) <= 0) secs[s] = ""
		rcf = run "/tap/" s ".rc"
		if ((getline rc < rcf) <= 0) { fail[s]++; faillist[++nfail] = s ": did not finish (no exit code)"; continue }
		rc += 0
		if (rc == 4 && seen[s] == 0) {
			r = listed(s, "(whole suite)")
			if (r != "") { skip[s]++; skiplist[++nskip] = s ": (whole suite) -- " r }
			else { fail[s]++; faillist[++nfail] = s ": whole suite skipped (exit 4) but not listed in tests/skips.txt" }
		} else if (rc == 124 || rc == 137) { fail[s]++; faillist[++nfail] = s ": timed out" (secs[s] != "" ? " after " secs[s] " s" : "") (last[s] != "" ? "; last result: " last[s] : "; no result before it") }
		else if (rc != 0 && rc != 4 && fail[s] == 0) { fail[s]++; faillist[++nfail] = s ": exited " rc " with no failed case" }
		if (plan[s] > 0 && seen[s] < plan[s]) { fail[s]++; faillist[++nfail] = s ": " seen[s] " results for a plan of " plan[s] }
		if (seen[s] == 0 && rc == 0) { fail[s]++; faillist[++nfail] = s ": ran no test" }
	}
	if (vmrc != 0) { fail["kernel"]++; order[++nsuites] = "kernel"; faillist[++nfail] = "kernel: guest run failed (exit " vmrc "): kernel splat, taint, timeout or crash; see above" }
	else { pass["kernel"]++; order[++nsuites] = "kernel"; }
	printf "%-36s %6s %6s %6s %6s\n", "suite", "pass", "fail", "skip", "secs"
	for (i = 1; i <= nsuites; i++) { s = order[i]; printf "%-36s %6d %6d %6d %6s\n", s, pass[s], fail[s], skip[s], secs[s]; P += pass[s]; F += fail[s]; S += skip[s] }
	if (nskip) {
		print ""; print "skipped (reasons from tests/skips.txt):"
		for (i = 1; i <= nskip; i++) if (!(skiplist[i] in nsame)) { nsame[skiplist[i]] = 0; uniq[++nuniq] = skiplist[i] }
		for (i = 1; i <= nskip; i++) nsame[skiplist[i]]++
		for (i = 1; i <= nuniq; i++) print "  " (nsame[uniq[i]] > 1 ? nsame[uniq[i]] " x " : "") uniq[i]
	}
	if (nfail) { print ""; print "FAILED:"; for (i = 1; i <= nfail; i++) print "  " faillist[i] }
	if (badskips) F++
	print ""
	printf "%d passed, %d failed, %d skipped\n", P, F, S
	exit F > 0
}
function listed(s, name,   i) {
	for (i = 1; i <= ns; i++)
		if (s ~ ("^(" ssuite[i] ")$") && name ~ scase[i]) return sreason[i]
	return ""
}
' "$skips" "$run"/tap/*.tap
