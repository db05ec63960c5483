#!/bin/bash
# Write the manifest of a test run: manifest.sh RUN_DIR > tests/manifest.txt
# One line "SUITE<TAB>CASE" for every TAP result of RUN_DIR/tap/*.tap, in
# the order of the run (suites in the order they ran). tap-summary.sh then
# fails a run that lacks a suite or case of it, or has one it does not
# list. Regenerate it from a run that passed whenever suites or cases are
# added or removed, and review the diff: it is the list of what `make test`
# checks. A run with failures or unlisted skips is refused. A case whose
# description carries measured numbers is kept by the prefix that
# tests/manifest-prefixes.txt gives it (tap-summary.sh matches a result
# whose description begins with a case's name).
set -eu
. "$(dirname "$0")/lib.sh"
run=${1:?usage: manifest.sh RUN_DIR > tests/manifest.txt}
[ -d "$run/tap" ] && [ -f "$run/vm-exit-code" ] || die "$run is not a finished make test run (no tap/ or vm-exit-code)"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
	echo "# Every suite and case a full \`make test\` run must have, as SUITE<TAB>CASE;"
	echo "# written by scripts/manifest.sh from run $(basename "$run") (series $(series_hash | cut -c1-12))."
	echo "# scripts/tap-summary.sh fails a run that lacks one of these or has one more."
	# suites in the order they ran: by the modification time of their .rc
	# (run directories hold no blanks)
	# shellcheck disable=SC2045
	for rc in $(ls -tr "$run"/tap/*.rc); do
		s=$(basename "$rc" .rc)
		[ -f "$run/tap/$s.tap" ] || continue
		awk -v s="$s" '/^(not )?ok [0-9]+/ {
			d = $0; sub(/^(not )?ok [0-9]+ ?-? ?/, "", d); sub(/ *# *[Ss][Kk][Ii][Pp].*/, "", d)
			printf "%s\t%s\n", s, d }' "$run/tap/$s.tap"
	done
} | sed -E "$(awk -F'\t' '!/^#/ && NF == 2 { printf "s/^(%s\t%s) .*/\\1/;", $1, $2 }' "$LFS_ROOT/tests/manifest-prefixes.txt")" >"$tmp"
# The run must pass against its own manifest (no failure, no unlisted skip).
LFS_MANIFEST=$tmp "$LFS_ROOT/scripts/tap-summary.sh" "$run" "$(cat "$run/vm-exit-code")" >"$tmp.summary" || {
	sed -n '/^FAILED:/,$p' "$tmp.summary" >&2
	rm -f "$tmp.summary"
	die "$run did not pass: write the manifest from a run that passed"
}
rm -f "$tmp.summary"
cat "$tmp"
