#!/bin/bash
# The series files <-> the kernel tree build/patched/src.
#   series.sh export   write lfswap-base..HEAD of the tree into the series files
#   series.sh verify   apply the series afresh and compare with the tree
#
# Where a patch goes (docs/layout.md): subjects "mm: zswap: ..." are
# messages of the mbox mm/zswap.patch; every other patch is a file
# mm/swap/NNNN-<subject>.patch (NNNN its place in the series).
# patches/series lists them in order; patches/0000-cover-letter.patch keeps
# its text above the "--- generated ---" line and gets the shortlog,
# diffstat and base below it.
set -eu
. "$(dirname "$0")/lib.sh"

src=$(src_dir patched)
git_k() { git -C "$src" -c user.name=lfswap -c user.email=lfswap@localhost "$@"; }
[ -d "$src/.git" ] || die "no kernel tree at $src (make prepare)"

export_series() {
	[ -z "$(git_k status --porcelain --untracked-files=no)" ] ||
		die "$src has uncommitted changes; commit them first (export writes commits)"
	local tmp n=0 zn=0 c subj group last="" file
	tmp=$(mktemp -d)
	mkdir -p "$tmp/mm/swap" "$tmp/patches"
	: >"$tmp/mm/zswap.patch"
	# Keep the header: the comment lines before the first blank line or entry.
	awk '!/^#/ { exit } { print }' "$LFS_ROOT/patches/series" >"$tmp/patches/series"
	for c in $(git_k rev-list --reverse "$LFS_BASE_TAG..HEAD"); do
		n=$((n + 1))
		subj=$(git_k log -1 --format=%s "$c")
		case $subj in
		"mm: zswap:"*) group="mm: zswap" ;;
		*) group="mm: swap" ;;
		esac
		if [ "$group" != "$last" ]; then
			printf '\n# %s\n' "$group" >>"$tmp/patches/series"
			last=$group
		fi
		if [ "$group" = "mm: zswap" ]; then
			zn=$((zn + 1))
			git_k format-patch -1 --stdout --zero-commit --no-signature "$c" >>"$tmp/mm/zswap.patch"
			echo "mm/zswap.patch:$zn" >>"$tmp/patches/series"
		else
			file=mm/swap/$(printf '%04d' "$n")-$(git_k log -1 --format=%f "$c" | cut -c1-52).patch
			git_k format-patch -1 --stdout --zero-commit --no-signature "$c" >"$tmp/$file"
			echo "$file" >>"$tmp/patches/series"
		fi
	done
	# Cover letter: keep the hand-written part, regenerate the rest.
	{
		if [ -f "$LFS_ROOT/patches/0000-cover-letter.patch" ]; then
			sed -n '1,/^--- generated ---$/p' "$LFS_ROOT/patches/0000-cover-letter.patch" | sed '/^--- generated ---$/d'
		else
			printf 'Subject: [PATCH 0/N] mm: large anonymous folios through swap and zswap, whole\n\n'
		fi
		echo "--- generated ---"
		echo
		git_k shortlog --no-merges "$LFS_BASE_TAG..HEAD" | sed '/^$/d'
		echo
		git_k diff --stat=72 "$LFS_BASE_TAG..HEAD" | sed 's/^/ /'
		echo
		echo "base-commit: $LINUX_SOURCE_PACKAGE $LINUX_SOURCE_VERSION (Linux $(make -s -C "$src" kernelversion))"
	} >"$tmp/patches/0000-cover-letter.patch"
	sed -i "s|^Subject: \[PATCH \(v[0-9]* \)\{0,1\}0/[0-9N]*\]|Subject: [PATCH \10/$n]|" "$tmp/patches/0000-cover-letter.patch"

	rm -f "$LFS_ROOT"/mm/swap/*.patch "$LFS_ROOT/mm/zswap.patch"
	mkdir -p "$LFS_ROOT/mm/swap"
	cp "$tmp"/mm/swap/*.patch "$LFS_ROOT/mm/swap/" 2>/dev/null || true
	# Always present (the layout names it), empty while no zswap patch exists.
	cp "$tmp/mm/zswap.patch" "$LFS_ROOT/mm/zswap.patch"
	cp "$tmp/patches/series" "$tmp/patches/0000-cover-letter.patch" "$LFS_ROOT/patches/"
	rm -rf "$tmp"
	# The tree now matches the series: record it so prepare.sh leaves it be.
	printf '%s\n%s\n' "$(series_hash)" "$(git_k rev-parse HEAD)" >"$LFS_BUILD/patched/applied"
	note "exported $n patch(es): $zn to mm/zswap.patch, $((n - zn)) to mm/swap/; series in patches/series"
}

verify_series() {
	local wt=$LFS_BUILD/verify e n=0 want got
	git_k worktree remove --force "$wt" >/dev/null 2>&1 || rm -rf "$wt"
	git_k worktree prune
	git_k worktree add -q --detach "$wt" "$LFS_BASE_TAG"
	series_entries >"$LFS_BUILD/verify.list"
	while read -r e; do
		n=$((n + 1))
		series_patch "$e" | git -C "$wt" -c user.name=lfswap -c user.email=lfswap@localhost am -q --keep-cr >/dev/null 2>&1 ||
			{ git -C "$wt" am --abort >/dev/null 2>&1; die "verify: patch $n ($e) does not apply"; }
	done <"$LFS_BUILD/verify.list"
	got=$(git -C "$wt" rev-parse 'HEAD^{tree}')
	# The tree's state including uncommitted changes to tracked files.
	want=$(GIT_INDEX_FILE=$src/.git/lfswap-verify-index sh -c "git -C '$src' read-tree HEAD && git -C '$src' add -u && git -C '$src' write-tree")
	rm -f "$src/.git/lfswap-verify-index"
	if [ "$got" = "$want" ]; then
		note "verify: a fresh apply of $n patch(es) reproduces $src exactly (tree $got)"
		git_k worktree remove --force "$wt"
	else
		git -C "$src" diff --stat "$got" "$want" >&2 || true
		die "verify: the series does not reproduce $src (differences above; run 'make export'); fresh apply left in $wt"
	fi
}

case ${1:-} in
export) export_series ;;
verify) verify_series ;;
*) die "usage: series.sh export|verify" ;;
esac
