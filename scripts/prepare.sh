#!/bin/bash
# Make build/patched/src (a git tree: pristine pinned source as commit
# tagged lfswap-base, our series applied on branch lfswap with `git am`)
# and build/baseline/src (a worktree at lfswap-base).
#
# It never throws away kernel work: if the tree has uncommitted changes it
# stops; if it has commits the series does not have, they are kept on a
# backup branch before the series is applied again.
set -eu
. "$(dirname "$0")/lib.sh"

src=$(src_dir patched)
stamp=$LFS_BUILD/patched/applied
git_k() { git -C "$src" -c user.name=lfswap -c user.email=lfswap@localhost "$@"; }

extract() {
	[ -f "$LINUX_SOURCE_TARBALL" ] || die "$LINUX_SOURCE_TARBALL missing (run scripts/deps.sh)"
	note "extracting $LINUX_SOURCE_TARBALL ($LINUX_SOURCE_VERSION)"
	rm -rf "$LFS_BUILD/patched/src.new" "$LFS_BUILD/baseline"
	mkdir -p "$LFS_BUILD/patched/src.new"
	tar -xJf "$LINUX_SOURCE_TARBALL" -C "$LFS_BUILD/patched/src.new" --strip-components=1
	git -C "$LFS_BUILD/patched/src.new" init -q -b "$LFS_BRANCH"
	src=$LFS_BUILD/patched/src.new
	git_k config core.abbrev 12
	# Debian's .gitignore ends with a packaging rule ("/*") that hides every
	# top-level path; drop it so new kernel files show in `git status`.
	sed -i '/^# Debian packaging/,$d' "$src/.gitignore"
	git_k add -A
	git_k commit -q -m "Linux $(make -s -C "$src" kernelversion) from Debian $LINUX_SOURCE_PACKAGE $LINUX_SOURCE_VERSION"
	git_k tag "$LFS_BASE_TAG"
	echo "$LINUX_SOURCE_VERSION" >"$LFS_BUILD/patched/src.new/.git/lfswap-source-version"
	# a new pin: keep the old base's objects, so that `git am --3way` of a
	# patch that no longer applies can merge (docs/layout.md)
	if [ -d "$(src_dir patched)/.git" ]; then
		git_k fetch -q "$(src_dir patched)" "refs/tags/$LFS_BASE_TAG:refs/tags/lfswap-prev-base" 2>/dev/null ||
			note "could not keep the old base's objects: git am --3way will not merge"
	fi
	src=$(src_dir patched)
	if [ -d "$src" ]; then
		mv "$src" "$LFS_BUILD/patched/src.old.$$"
		rm -rf "$LFS_BUILD/patched/src.old.$$" &
	fi
	mv "$LFS_BUILD/patched/src.new" "$src"
	rm -f "$stamp"
}

apply_series() {
	local e n=0 head
	head=$(git_k rev-parse HEAD)
	if [ "$head" != "$(git_k rev-parse "$LFS_BASE_TAG")" ] &&
		{ [ ! -f "$stamp" ] || [ "$head" != "$(sed -n 2p "$stamp")" ]; }; then
		local backup
		backup=lfswap-backup-$(date +%Y%m%d-%H%M%S)
		git_k branch "$backup" HEAD
		note "the kernel tree had commits not from the series; kept them on branch $backup (git -C $src log $backup)"
	fi
	git_k checkout -q -B "$LFS_BRANCH" "$LFS_BASE_TAG"
	series_entries >"$LFS_BUILD/patched/series.list"
	while read -r e; do
		n=$((n + 1))
		series_patch "$e" >"$LFS_BUILD/patched/current.patch"
		[ -s "$LFS_BUILD/patched/current.patch" ] || die "series entry $n ($e) is empty (no such message in the mbox?)"
		if ! git_k am -q --keep-cr "$LFS_BUILD/patched/current.patch" >"$LFS_BUILD/patched/am.log" 2>&1; then
			git_k am --abort >/dev/null 2>&1 || true
			cat "$LFS_BUILD/patched/am.log" >&2
			die "patch $n of the series does not apply: $e ($(grep -m1 '^Subject:' "$LFS_BUILD/patched/current.patch" | cut -c10-)) on $LINUX_SOURCE_VERSION"
		fi
	done <"$LFS_BUILD/patched/series.list"
	printf '%s\n%s\n' "$(series_hash)" "$(git_k rev-parse HEAD)" >"$stamp"
	note "applied $n patch(es) on $LFS_BASE_TAG ($LINUX_SOURCE_VERSION)"
}

[ -d "$src/.git" ] && [ "$(cat "$src/.git/lfswap-source-version" 2>/dev/null)" = "$LINUX_SOURCE_VERSION" ] || {
	if [ -d "$src/.git" ] && [ "$(git_k rev-list --count "$LFS_BASE_TAG..HEAD" 2>/dev/null || echo 0)" != 0 ] &&
		{ [ ! -f "$stamp" ] || [ "$(git_k rev-parse HEAD)" != "$(sed -n 2p "$stamp")" ]; }; then
		die "the pinned source changed, but $src has commits not exported to the series; run 'make export' first (or move them away)"
	fi
	extract
}

if [ -n "$(git_k status --porcelain --untracked-files=no)" ]; then
	die "$src has uncommitted changes; commit them and run 'make export', or stash them, before the series is applied again"
fi
if [ ! -f "$stamp" ] || [ "$(sed -n 1p "$stamp")" != "$(series_hash)" ] || [ "$(git_k rev-parse HEAD)" != "$(sed -n 2p "$stamp")" ]; then
	apply_series
fi

base=$(src_dir baseline)
if [ ! -e "$base/.git" ]; then
	rm -rf "$base"
	mkdir -p "$(dirname "$base")"
	git_k worktree prune
	git_k worktree add -q --detach "$base" "$LFS_BASE_TAG"
fi
