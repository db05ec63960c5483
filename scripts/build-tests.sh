#!/bin/bash
# Build the test programs: ours (tests/ -> build/tests) and the upstream
# kselftests we run (from the patched tree of the pinned source, against its
# UAPI headers -> build/kselftest).
set -eu
. "$(dirname "$0")/lib.sh"

src=$(src_dir patched)
hdr=$LFS_BUILD/kselftest/usr
ks=$LFS_BUILD/kselftest
mkdir -p "$ks/mm" "$ks/cgroup"

make -s -C "$LFS_ROOT/tests" OUT="$LFS_BUILD/tests" >"$LFS_BUILD/tests-build.log" 2>&1 || {
	cat "$LFS_BUILD/tests-build.log" >&2
	die "building tests/ failed (log: $LFS_BUILD/tests-build.log)"
}

make -s -C "$LFS_ROOT/tools/lfswap-stat" OUT="$LFS_BUILD/tests" WERROR=1 >>"$LFS_BUILD/tests-build.log" 2>&1 || {
	cat "$LFS_BUILD/tests-build.log" >&2
	die "building tools/lfswap-stat failed (log: $LFS_BUILD/tests-build.log)"
}

# UAPI headers of this tree (make headers_install needs no .config).
if [ ! -f "$hdr/include/linux/mman.h" ] || [ "$src/.git/HEAD" -nt "$hdr/include/linux/mman.h" ]; then
	make -s -C "$src" ARCH=x86_64 O="$ks/hdr-build" INSTALL_HDR_PATH="$hdr" headers_install >"$ks/headers.log" 2>&1 ||
		die "headers_install failed (log: $ks/headers.log)"
fi

# Built by the upstream Makefile. CC must be one word: the Makefile runs
# check_config.sh $(CC), which takes only its first argument as the compiler
# ("ccache" alone finds no liburing, and cow silently loses its 106 io_uring
# cases). /usr/lib/ccache/gcc is ccache under gcc's name.
# The mm tests of the pinned tree that touch swapped or large anonymous
# memory (tests/run-tests.sh says how each is run); uffd-unit-tests is
# built below, from a patched copy of uffd-common.c.
mm_tests="cow madv_populate migration ksm_functional_tests mlock2-tests soft-dirty
	mkdirty pagemap_ioctl transhuge-stress mremap_dontunmap gup_longterm ksm_tests
	mlock-random-test"
mmdir=$src/tools/testing/selftests/mm
cc=gcc
[ ! -x /usr/lib/ccache/gcc ] || cc=/usr/lib/ccache/gcc
rm -f "$mmdir/local_config.h" "$mmdir/local_config.mk"
targets=""
for t in $mm_tests; do targets="$targets $ks/mm/$t"; done
# khugepaged.c of 6.12.117 uses KSFT_SKIP without including kselftest.h
# (a stable backport slip): force-include it rather than patch the test.
ksft_h="-include $src/tools/testing/selftests/kselftest.h"
# shellcheck disable=SC2086
make -s -C "$mmdir" OUTPUT="$ks/mm" KHDR_INCLUDES="-isystem $hdr/include" \
	EXTRA_CFLAGS="$ksft_h" CC="$cc" $targets >"$ks/mm.log" 2>&1 || {
	tail -30 "$ks/mm.log" >&2
	die "building mm kselftests failed (log: $ks/mm.log)"
}
# liburing-dev is a dependency (scripts/deps.sh): without it cow skips its
# io_uring cases at build time, and the count would differ between hosts.
grep -q LOCAL_CONFIG_HAVE_LIBURING "$mmdir/local_config.h" ||
	die "the mm selftests found no liburing (is liburing-dev installed? $mmdir/local_config.h says: $(cat "$mmdir/local_config.h"))"

# Three mm tests are built from a patched copy with the upstream flags; the
# checks are untouched (tests/kselftest/*.patch say why):
# - split_huge_page_test creates its page-cache test files with one write()
#   per byte: 4 MiB of syscalls per order, ~150 s each under TCG on a debug
#   kernel, 9 orders; the patch writes the same bytes at once.
# - khugepaged waits 3 s for two full khugepaged scans; under TCG that was
#   not always enough (collapse_max_ptes_swap timed out once in CI); the
#   patch waits up to 60 s.
# - mremap_test maps its 40MB destination preamble over a range it never
#   checked is free; the non-PIE binary's brk heap, placed anywhere in the
#   1GB above it, is sometimes there (EEXIST, a failure with no mremap
#   done); the patch checks the preamble's range with the destination's.
for t in split_huge_page_test:one-write khugepaged:tcg-timing mremap_test:preamble-check; do
	name=${t%%:*} extra=""
	[ "$name" != khugepaged ] || extra=$ksft_h
	p=$LFS_ROOT/tests/kselftest/$name-${t#*:}.patch
	patch -s -o "$ks/mm/$name.c" "$mmdir/$name.c" "$p" || die "$p does not apply to $mmdir/$name.c"
	# shellcheck disable=SC2086
	$cc -Wall -O2 -U_FORTIFY_SOURCE -no-pie -D_GNU_SOURCE= $extra -I "$src" -I "$mmdir" -isystem "$hdr/include" \
		-isystem "$src/tools/include/uapi" -o "$ks/mm/$name" "$ks/mm/$name.c" "$mmdir/vm_util.c" \
		"$mmdir/thp_settings.c" -lrt -lpthread -lm >>"$ks/mm.log" 2>&1 || die "building $name failed (log: $ks/mm.log)"
done

# uffd-unit-tests: its monitor thread unregisters a range after
# UFFD_EVENT_REMOVE and then fails on a fault that queued itself in between
# (fails on the unpatched 6.12 kernel too); built with uffd-common.c from a
# patched copy that wakes such a fault (tests/kselftest/
# uffd-unit-tests-remove-race.patch says why). Same flags as upstream.
patch -s -o "$ks/mm/uffd-common.c" "$mmdir/uffd-common.c" \
	"$LFS_ROOT/tests/kselftest/uffd-unit-tests-remove-race.patch" ||
	die "tests/kselftest/uffd-unit-tests-remove-race.patch does not apply to $mmdir"
# shellcheck disable=SC2086
$cc -Wall -O2 -U_FORTIFY_SOURCE -no-pie -D_GNU_SOURCE= -I "$src" -I "$mmdir" $ksft_h -isystem "$hdr/include" \
	-isystem "$src/tools/include/uapi" -o "$ks/mm/uffd-unit-tests" "$mmdir/uffd-unit-tests.c" \
	"$ks/mm/uffd-common.c" "$mmdir/vm_util.c" "$mmdir/thp_settings.c" -lrt -lpthread -lm >>"$ks/mm.log" 2>&1 ||
	die "building uffd-unit-tests failed (log: $ks/mm.log)"

# test_zswap's test_no_kmem_bypass gives its child 10 s to touch ~1.1 GiB and
# kswapd 2 s to move 20% of RAM into zswap: not always enough under TCG on a
# loaded 2-core host (it failed once in CI). tests/kselftest/
# test_zswap-tcg-timing.patch waits longer and prints why it fails; the
# check is untouched. Built from a patched copy with the upstream flags.
cgdir=$src/tools/testing/selftests/cgroup
patch -s -o "$ks/cgroup/test_zswap.c" "$cgdir/test_zswap.c" \
	"$LFS_ROOT/tests/kselftest/test_zswap-tcg-timing.patch" ||
	die "tests/kselftest/test_zswap-tcg-timing.patch does not apply to $cgdir"
# shellcheck disable=SC2086
$cc -Wall -pthread -isystem "$hdr/include" -I "$cgdir" -I "$src/tools/testing/selftests" \
	-o "$ks/cgroup/test_zswap" "$ks/cgroup/test_zswap.c" "$cgdir/cgroup_util.c" >"$ks/cgroup.log" 2>&1 ||
	die "building test_zswap failed (log: $ks/cgroup.log)"
# test_memcontrol (memory.max/high/low/min, OOM events, swap limits), with
# upstream's flags, from a patched copy: test_memcg_high_sync fails on the
# unpatched 6.12 kernel in the guest too, and is reported as a skip; the
# page-cache children of test_memcg_low/min/reclaim read a file each
# instead of racing on the size of a shared one
# (tests/kselftest/test_memcontrol-known.patch).
patch -s -o "$ks/cgroup/test_memcontrol.c" "$cgdir/test_memcontrol.c" \
	"$LFS_ROOT/tests/kselftest/test_memcontrol-known.patch" ||
	die "tests/kselftest/test_memcontrol-known.patch does not apply to $cgdir"
$cc -Wall -pthread -isystem "$hdr/include" -I "$cgdir" -I "$src/tools/testing/selftests" \
	-o "$ks/cgroup/test_memcontrol" "$ks/cgroup/test_memcontrol.c" "$cgdir/cgroup_util.c" >>"$ks/cgroup.log" 2>&1 ||
	die "building test_memcontrol failed (log: $ks/cgroup.log)"
# selftests/zram: shell scripts, copied as they are.
mkdir -p "$ks/zram"
cp "$src"/tools/testing/selftests/zram/*.sh "$ks/zram/"
note "built tests: $LFS_BUILD/tests, $ks/{mm,cgroup}"
