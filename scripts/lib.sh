# shellcheck shell=bash
# Common settings and helpers for lfswap's host-side scripts.
# Sourced, never run: `. "$(dirname "$0")/lib.sh"`.

LFS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LFS_BUILD=${LFS_BUILD:-$LFS_ROOT/build}
# shellcheck source=../configs/source.pin
. "$LFS_ROOT/configs/source.pin"
LINUX_SOURCE_PACKAGE=linux-source-${LINUX_SOURCE_VERSION%%.*}.$(echo "$LINUX_SOURCE_VERSION" | cut -d. -f2)
LINUX_SOURCE_TARBALL=/usr/src/$LINUX_SOURCE_PACKAGE.tar.xz
LFS_BASE_TAG=lfswap-base
LFS_BRANCH=lfswap
LFS_JOBS=${LFS_JOBS:-$(nproc)}

die() {
	printf 'lfswap: error: %s\n' "$*" >&2
	exit 1
}

note() {
	printf 'lfswap: %s\n' "$*" >&2
}

# Run as root: directly, or through sudo when we are not root.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root for: $* (no sudo found; run as root)"
	fi
}

src_dir() { echo "$LFS_BUILD/$1/src"; }        # $1: patched | baseline
out_dir() { echo "$LFS_BUILD/$1/$2"; }         # $1: variant, $2: debug | perf
kernel_image() { echo "$(out_dir "$1" "$2")/arch/x86/boot/bzImage"; }

# ccache keyed on paths relative to build/, so that build/baseline and
# build/patched (each src/ next to its out dirs) share cache entries.
kmake() {
	local src=$1 out=$2
	shift 2
	CCACHE_BASEDIR=$LFS_BUILD CCACHE_NOHASHDIR=true \
	CCACHE_SLOPPINESS=time_macros,include_file_mtime,include_file_ctime \
	KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 1970' \
	KBUILD_BUILD_USER=lfswap KBUILD_BUILD_HOST=lfswap \
		make -C "$src" O="$out" ARCH=x86_64 CC="ccache gcc" HOSTCC="ccache gcc" \
		-j"$LFS_JOBS" -s "$@"
}

# Series: one entry a line in patches/series, paths relative to the repo
# root; "FILE:N" names the N-th message of an mbox file. '#' starts a comment.
series_entries() {
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$LFS_ROOT/patches/series"
}

# Print entry $1's patch (one git-format-patch message) on stdout.
series_patch() {
	local entry=$1 file n
	file=${entry%%:*}
	[ -f "$LFS_ROOT/$file" ] || die "series entry '$entry': no such file $file"
	if [ "$file" = "$entry" ]; then
		cat "$LFS_ROOT/$file"
	else
		n=${entry##*:}
		awk -v want="$n" '
			/^From [0-9a-f]+ Mon Sep 17 00:00:00 2001$/ { k++ }
			k == want { print }
		' "$LFS_ROOT/$file"
	fi
}

# Hash of the series as the files say it: which patches, in which order, and
# their text. prepare.sh records it with the commit it produced.
series_hash() {
	{ cat "$LFS_ROOT/patches/series"; series_entries | while read -r e; do series_patch "$e"; done; } | sha1sum | cut -c1-40
}

# The series id (`make series-id`): the first 12 digits of series_hash. Each
# run records the id it ran with (RUN_DIR/series-id, a bench run's
# series-id); each generated document names the id of the runs it was made
# from in a `<!-- series-id: ID -->` line, which scripts/docs-check.sh
# compares with the series of the work tree.
series_id() {
	series_hash | cut -c1-12
}

# The id recorded in run directory $1, or "unknown" (a run made before runs
# recorded it).
run_series_id() {
	local id
	id=$(cat "$1/series-id" 2>/dev/null) || id=""
	echo "${id:-unknown}"
}
