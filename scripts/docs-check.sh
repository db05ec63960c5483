#!/bin/bash
# `make docs-check`: list each generated document that was not made from the
# work tree's series (`make series-id`). A generated document carries one
# `<!-- series-id: ID -->` line per part made from a run (its generator writes
# the id the run recorded, scripts/lib.sh run_series_id); a document with a
# part of another series, or with none (made before documents recorded one),
# is listed with the command that regenerates it.
#   docs-check.sh [--warn | --self-test]
# Exit 1 if anything is listed; with --warn (what `make test` uses) the list
# is printed as warnings and the exit is 0. --self-test checks this script on
# made-up documents (`make test` runs it first).
set -eu
. "$(dirname "$0")/lib.sh"

warn=0
case ${1:-} in
"") ;;
--warn) warn=1 ;;
--self-test)
	t=$(mktemp -d)
	trap 'rm -rf "$t"' EXIT
	cur=$(series_id)
	mkdir "$t/docs"
	printf '<!-- series-id: %s -->\n# ok\n' "$cur" >"$t/docs/performance.md"
	printf '<!-- series-id: 0123456789ab -->\n# old\n' >"$t/docs/feature-matrix.md"
	printf '# none\n' >"$t/docs/baseline-tests.md"
	printf '<!-- series-id: %s -->\nx\n<!-- series-id: 0123456789ab -->\n' "$cur" >"$t/docs/performance-fragmentation.md"
	printf '# hand-written, quoting `<!-- series-id: 0123456789ab -->`\n' >"$t/docs/testing.md"
	printf 'an id quoted: `<!-- series-id: 0123456789ab -->`\n<!-- bench-headline begin -->\n<!-- series-id: %s -->\n<!-- bench-parts-missing: bench/configs/full.conf: disk swapfile -->\n<!-- bench-headline end -->\n' "$cur" >"$t/README.md"
	set +e
	out=$(DOCS_ROOT=$t "$0" 2>&1); rc=$?
	wout=$(DOCS_ROOT=$t "$0" --warn 2>&1); wrc=$?
	rm "$t/docs/feature-matrix.md" "$t/docs/baseline-tests.md" "$t/docs/performance-fragmentation.md"
	sed -i '/bench-parts-missing/d' "$t/README.md"
	okout=$(DOCS_ROOT=$t "$0" 2>&1); okrc=$?
	set -e
	fail() { printf 'docs-check self-test: %s\n--- output:\n%s\n' "$1" "$out" >&2; exit 1; }
	[ "$rc" = 1 ] || fail "exit $rc with stale documents, not 1"
	[ "$wrc" = 0 ] || fail "exit $wrc with --warn, not 0"
	[ "$(grep -c '^  docs/' <<<"$out")" = 3 ] || fail "not 3 documents listed"
	grep -q '^  README.md: incomplete, parts not run yet on this series: disk swapfile; regenerate: make bench-publish CONFIG=bench/configs/full.conf PART=' <<<"$out" ||
		fail "a report with parts missing not listed"
	grep -q '^  docs/feature-matrix.md: series 0123456789ab;' <<<"$out" || fail "an old id not listed"
	grep -q '^  docs/baseline-tests.md: no series id' <<<"$out" || fail "a document without an id not listed"
	grep -q "^  docs/performance-fragmentation.md: series .*0123456789ab" <<<"$out" || fail "a mixed document not listed"
	! grep -q 'docs/performance.md\|docs/testing.md' <<<"$out" || fail "a current or hand-written document listed"
	[ "$okrc" = 0 ] || fail "exit $okrc with every document current"
	echo "docs-check self-test: ok"
	exit 0 ;;
*) die "docs-check.sh: unknown argument $1 (usage: docs-check.sh [--warn | --self-test])" ;;
esac

# The generated documents, and what regenerates each.
regen() {
	case $1 in
	docs/performance.md) echo "make bench-publish" ;;
	docs/performance-fragmentation.md) echo "make bench-frag-publish" ;;
	docs/performance-*.md) echo "an issue's report from one make bench CONFIG=...; fold it into docs/performance.md or remove it" ;;
	docs/feature-matrix.md) echo "make feature-matrix" ;;
	docs/baseline-tests.md) echo "make baseline-table" ;;
	README.md) echo "make bench-publish (its figures, between the bench-headline markers)" ;;
	*) return 1 ;;
	esac
}

cur=$(series_id)
n=0 stale=0 out=""
# DOCS_ROOT: another tree's docs/ (the self-test's)
cd "${DOCS_ROOT:-$LFS_ROOT}"
for f in README.md docs/*.md; do
	[ -f "$f" ] || continue
	how=$(regen "$f") || continue
	n=$((n + 1))
	# the id lines generators write, each a line of its own
	ids=$(sed -n 's/^<!-- series-id: \([0-9a-z]*\) -->$/\1/p' "$f" | sort -u | tr '\n' ' ')
	ids=${ids% }
	# a report made from published parts lists those not run yet
	# (<!-- bench-parts-missing: CONFIG: PART... -->)
	missing=$(sed -n 's/^<!-- bench-parts-missing: \(.*\) -->$/\1/p' "$f" | head -1)
	if [ -z "$ids" ]; then
		why="no series id (made before documents recorded one)"
	elif [ "$ids" != "$cur" ]; then
		why="series ${ids// /, }"
	elif [ -n "$missing" ]; then
		why="incomplete, parts not run yet on this series: ${missing#*: }"
		how="make bench-publish CONFIG=${missing%%: *} PART=<each of them>"
	else
		continue
	fi
	stale=$((stale + 1))
	out+="  $f: $why; regenerate: $how"$'\n'
done

if [ "$stale" = 0 ]; then
	echo "docs-check: all $n generated documents are of series $cur"
	exit 0
fi
if [ "$warn" = 1 ]; then
	printf 'lfswap: warning: %d of %d generated documents are not of series %s, or incomplete (make docs-check):\n%s' \
		"$stale" "$n" "$cur" "$out" >&2
	exit 0
fi
printf 'docs-check: %d of %d generated documents are not of series %s, or incomplete (make series-id):\n%s' \
	"$stale" "$n" "$cur" "$out"
exit 1
