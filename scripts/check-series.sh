#!/bin/bash
# `make check-series`: the series is bisectable and checkpatch-clean.
#  - every patch passes scripts/checkpatch.pl --strict with no error,
#    warning or check;
#  - every prefix of the series (0..N patches) builds, for both flavours'
#    configs (debug, which has the most checks, and perf).
# Builds happen in a worktree build/check/src with its own output dirs, so
# the kernels of build/patched and build/baseline are left alone.
# CHECK_FROM=K builds prefixes K..N only (patches 1..K-1 are applied, not
# built): for a series whose first K-1 patches are unchanged since a full
# run. checkpatch always covers every patch.
set -eu
. "$(dirname "$0")/lib.sh"

src=$(src_dir patched)
wt=$LFS_BUILD/check/src
flavours=${CHECK_FLAVOURS:-debug perf}
from=${CHECK_FROM:-0}
git_k() { git -C "$src" "$@"; }

series_entries >"$LFS_BUILD/check.list" || true
n=$(wc -l <"$LFS_BUILD/check.list")
note "checking a series of $n patch(es)"
case $from in
'' | *[!0-9]*) die "CHECK_FROM must be a prefix number, 0..$n (got '$from')" ;;
esac
[ "$from" -le "$n" ] || die "CHECK_FROM=$from: the series has $n patch(es), prefixes 0..$n"

# 1. checkpatch on each patch file, as it would be sent.
bad=0 i=0
while read -r e; do
	i=$((i + 1))
	series_patch "$e" >"$LFS_BUILD/check.patch"
	if ! out=$(cd "$src" && ./scripts/checkpatch.pl --strict --no-signoff --show-types "$LFS_BUILD/check.patch" 2>&1) ||
		echo "$out" | grep -qE '^(ERROR|WARNING|CHECK):'; then
		echo "$out" | grep -E -A4 '^(ERROR|WARNING|CHECK):' >&2
		echo "lfswap: checkpatch: patch $i ($e) is not clean" >&2
		bad=1
	fi
	grep -q '^Signed-off-by: ' "$LFS_BUILD/check.patch" || { echo "lfswap: patch $i ($e) has no Signed-off-by" >&2; bad=1; }
done <"$LFS_BUILD/check.list"
[ "$bad" = 0 ] || die "checkpatch found problems (above)"
note "checkpatch --strict: $n patch(es) clean"

# 2. Every prefix builds: apply one patch at a time in a worktree. A
# worktree of an earlier kernel tree (make prepare extracts a new one when
# the pin moves) points to a repository that is gone: make it again.
wt_ok() {
	local mine theirs
	mine=$(git -C "$wt" rev-parse --path-format=absolute --git-common-dir 2>/dev/null) || return 1
	theirs=$(git_k rev-parse --path-format=absolute --git-common-dir) || return 1
	[ -e "$wt/.git" ] && [ "$mine" = "$theirs" ]
}
if ! wt_ok; then
	[ ! -e "$wt" ] || note "$wt is not a worktree of $src (a kernel tree extracted since): making it again"
	rm -rf "$wt"
	git_k worktree prune
	git_k worktree add -q --detach "$wt" "$LFS_BASE_TAG"
fi
git -C "$wt" checkout -q --detach "$LFS_BASE_TAG"
git -C "$wt" reset -q --hard
for k in $(seq 0 "$n"); do
	if [ "$k" -gt 0 ]; then
		e=$(sed -n "${k}p" "$LFS_BUILD/check.list")
		series_patch "$e" | git -C "$wt" -c user.name=lfswap -c user.email=lfswap@localhost am -q --keep-cr >/dev/null 2>&1 ||
			{ git -C "$wt" am --abort >/dev/null 2>&1; die "patch $k ($e) does not apply"; }
	fi
	[ "$k" -ge "$from" ] || continue
	for f in $flavours; do
		"$LFS_ROOT/scripts/build-kernel.sh" check "$f" 2>/dev/null ||
			die "prefix $k of the series ($([ "$k" = 0 ] && echo 'no patches' || echo "through $e")) does not build ($f); log: $LFS_BUILD/check/$f/build.log"
		note "prefix $k/$n builds ($f)"
	done
done
if [ "$from" = 0 ]; then
	note "check-series: $n patch(es), checkpatch clean, all $((n + 1)) prefixes build"
else
	note "check-series: $n patch(es), checkpatch clean, prefixes $from..$n build (CHECK_FROM=$from: 0..$((from - 1)) not built here)"
fi
