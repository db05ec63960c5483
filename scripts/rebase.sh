#!/bin/bash
# `make rebase VERSION=...`: move the pinned kernel source to another
# Debian linux-source-6.12 version, if the series applies to it.
#   rebase.sh VERSION       VERSION as apt gives it, e.g. 6.12.118-1~deb12u1,
#                           or "newest" for the newest one the archive offers
#   rebase.sh --list        the versions the archive offers
#   rebase.sh --check VERSION   only say whether the series applies (the pin stays)
#
# Downloads the package (no root: apt-get download), extracts it into
# build/rebase/src, applies every patch of the series with `git am`, and:
# - if all apply, writes VERSION into configs/source.pin (the next `make
#   prepare` installs it and builds on it) and prints what upstream changed
#   in the files the series touches;
# - if some do not, leaves the pin alone, and for each such patch prints its
#   hunks that failed (git apply --reject); later patches are still tried on
#   top of what applied, so one run lists every patch that needs work.
# Exit 0 when the pin moved (or already was VERSION), 1 when a patch does
# not apply, 2 for a bad VERSION.
set -eu
. "$(dirname "$0")/lib.sh"

offered() {
	apt-cache madison "$LINUX_SOURCE_PACKAGE" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }'
}

check=0
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
want=${1:-}
case $want in
"") echo "usage: make rebase VERSION=<version>|newest   (make rebase VERSION=list: the offered ones)" >&2; exit 2 ;;
--list | list) offered; exit 0 ;;
esac
command -v apt-get >/dev/null || die "apt-get not found: rebase needs Debian's archive"
# not scripts/deps.sh: it installs the pinned source, which the archive may
# no longer offer (the reason to rebase)
for t in git xz make dpkg-deb; do
	command -v $t >/dev/null || die "rebase needs $t (make deps installs it)"
done
list=$(offered)
[ -n "$list" ] || {
	note "the archive offers no $LINUX_SOURCE_PACKAGE; running apt-get update"
	as_root apt-get update -qq || die "apt-get update failed"
	list=$(offered)
}
[ -n "$list" ] || die "the configured apt sources offer no $LINUX_SOURCE_PACKAGE"
if [ "$want" = newest ]; then
	want=$(printf '%s\n' "$list" | head -1)
	for v in $list; do
		dpkg --compare-versions "$v" gt "$want" && want=$v
	done
fi
printf '%s\n' "$list" | grep -qxF -- "$want" || {
	echo "lfswap: error: $LINUX_SOURCE_PACKAGE $want is not offered by the archive; offered: $(tr '\n' ' ' <<<"$list")" >&2
	exit 2
}
if [ "$want" = "$LINUX_SOURCE_VERSION" ]; then
	note "configs/source.pin already pins $want"
	exit 0
fi
dpkg --compare-versions "$want" lt "$LINUX_SOURCE_VERSION" &&
	note "$want is older than the pinned $LINUX_SOURCE_VERSION: moving back"

# work not exported would not be in the series tried here
old=$(src_dir patched)
stamp=$LFS_BUILD/patched/applied
if [ -d "$old/.git" ] && [ "$(git -C "$old" rev-list --count "$LFS_BASE_TAG..HEAD" 2>/dev/null || echo 0)" != 0 ] &&
	{ [ ! -f "$stamp" ] || [ "$(git -C "$old" rev-parse HEAD)" != "$(sed -n 2p "$stamp")" ]; }; then
	die "$old has commits not exported to the series: run 'make export' first, so that the series tried on $want is yours"
fi

work=$LFS_BUILD/rebase
# a tree an earlier run left to look at (and maybe edited) is kept aside
if [ -d "$work/src" ]; then
	kept=$LFS_BUILD/rebase.old-$(date +%Y%m%d-%H%M%S)
	mv "$work" "$kept"
	note "kept the tree of the last rebase run in $kept"
fi
rm -rf "$work"
mkdir -p "$work/pkg"
note "downloading $LINUX_SOURCE_PACKAGE $want"
(cd "$work" && apt-get download -q "$LINUX_SOURCE_PACKAGE=$want" >download.log 2>&1) ||
	die "apt-get download $LINUX_SOURCE_PACKAGE=$want failed (log: $work/download.log)"
dpkg-deb -x "$work"/"$LINUX_SOURCE_PACKAGE"_*.deb "$work/pkg"
tarball=$work/pkg/usr/src/$LINUX_SOURCE_PACKAGE.tar.xz
[ -f "$tarball" ] || die "the package has no $LINUX_SOURCE_PACKAGE.tar.xz"
note "extracting it"
src=$work/src
mkdir -p "$src"
tar -xJf "$tarball" -C "$src" --strip-components=1
rm -rf "$work/pkg" "$work"/*.deb
git_r() { git -C "$src" -c user.name=lfswap -c user.email=lfswap@localhost "$@"; }
git_r init -q -b "$LFS_BRANCH"
git_r config core.abbrev 12
sed -i '/^# Debian packaging/,$d' "$src/.gitignore"
git_r add -A
git_r commit -q -m "Linux $(make -s -C "$src" kernelversion) from Debian $LINUX_SOURCE_PACKAGE $want"
git_r tag "$LFS_BASE_TAG"
# the old base's objects, so that `git am --3way` finds the blobs the
# patches were made against and merges instead of failing
if [ -d "$old/.git" ]; then
	git_r fetch -q "$old" "refs/tags/$LFS_BASE_TAG:refs/tags/lfswap-prev-base" 2>/dev/null ||
		note "could not fetch the old base from $old: patches that do not apply cleanly will not merge"
fi

n=0 bad=0 failed="" merged=""
series_entries >"$work/series.list"
while read -r e; do
	n=$((n + 1))
	series_patch "$e" >"$work/current.patch"
	subject=$(grep -m1 '^Subject:' "$work/current.patch" | cut -c10-)
	if git_r am -q --keep-cr --3way "$work/current.patch" >"$work/am.log" 2>&1; then
		# a three-way merge that went through cleanly is worth a look too
		grep -q "Falling back to patching base and 3-way merge" "$work/am.log" &&
			merged="$merged $n"
		continue
	fi
	bad=$((bad + 1))
	failed="$failed $n"
	echo
	echo "patch $n does not apply on $want: $e"
	echo "  $subject"
	if git_r diff --name-only --diff-filter=U | grep -q .; then
		# the conflicts of the three-way merge, as markers in the files
		git_r diff --diff-filter=U | sed 's/^/  /'
		git_r add -A
		GIT_EDITOR=true git_r am --continue >/dev/null 2>&1 ||
			git_r commit -q --no-verify -m "$subject (conflicts)" || true
	else
		# no merge possible: which hunks, with git apply --reject
		git_r am --abort >/dev/null 2>&1 || true
		git_r apply --reject --whitespace=nowarn "$work/current.patch" >"$work/reject.log" 2>&1 || true
		grep -E '^(error|Rejected|Applying patch)' "$work/reject.log" | sed 's/^/  /'
		find "$src" -name '*.rej' -print0 | sort -z | while IFS= read -r -d '' r; do
			echo "  --- ${r#"$src"/}"
			sed 's/^/  /' "$r"
			rm -f "$r"
		done
		git_r add -A
		git_r commit -q --allow-empty -m "partly applied: $subject"
	fi
	# go on from there, so that later patches are tried too
done <"$work/series.list"

if [ "$bad" -gt 0 ]; then
	echo
	echo "lfswap: $bad of $n patches do not apply on $want (patches:$failed); the pin stays $LINUX_SOURCE_VERSION."
	echo "lfswap: later patches were tried on top of the hunks that applied, so some of the failures may follow from an earlier one."
	echo "lfswap: the tree is $src (branch $LFS_BRANCH; the failing patches are commits 'partly applied: ...')."
	exit 1
fi

# what upstream changed in the files the series touches, old base -> new:
# kept in build/rebase/upstream.diff to read against the patches
files=$(git_r diff --name-only "$LFS_BASE_TAG" HEAD)
if git_r rev-parse -q --verify refs/tags/lfswap-prev-base >/dev/null; then
	# shellcheck disable=SC2086
	git_r diff lfswap-prev-base "$LFS_BASE_TAG" -- $files >"$work/upstream.diff"
	echo "upstream changes between $(cat "$old/.git/lfswap-source-version" 2>/dev/null || echo "the old base") and $want in the files the series touches ($work/upstream.diff):"
	# shellcheck disable=SC2086
	git_r diff --stat lfswap-prev-base "$LFS_BASE_TAG" -- $files | sed 's/^/  /'
else
	echo "no old tree in $old: cannot list what upstream changed in the files the series touches"
fi
[ -z "$merged" ] || echo "patches that needed a three-way merge (check them):$merged"
if [ $check = 1 ]; then
	echo "lfswap: all $n patches apply on $want (--check: configs/source.pin still pins $LINUX_SOURCE_VERSION)."
	rm -rf "$src"
	exit 0
fi
sed -i "s/^LINUX_SOURCE_VERSION=.*/LINUX_SOURCE_VERSION=$want/" "$LFS_ROOT/configs/source.pin"
echo "lfswap: all $n patches apply on $want; configs/source.pin now pins it (was $LINUX_SOURCE_VERSION)."
echo "lfswap: next: make prepare (installs it, extracts it, applies the series), make export (the patches'"
echo "lfswap: offsets and base-commit on $want), make check-series, make test and FLAVOUR=kasan;"
echo "lfswap: the benchmark results and generated documents were made on $LINUX_SOURCE_VERSION: run them again."
rm -rf "$src"
