// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-fallback - a large folio that finds no free swap slot range of its
 * own size goes out whole at the next lower enabled size (issue 5).
 *
 *   lfs-fallback --fill SIZE --out SIZE [--lower SIZE[,SIZE...]]
 *                [--count N] [-v]
 *
 * Needs exactly one swap device, empty and small (the suite gives it an
 * 8 MiB zram), and zswap off. Three phases:
 *
 *  1. Fragment: with only --fill enabled, fault in more folios of that
 *     size than the device holds and MADV_PAGEOUT them, which fills the
 *     device (the folios that do not fit are split and stay resident).
 *     Then free (MADV_DONTNEED) every swapped fill folio whose slot range
 *     starts at an odd multiple of its size: the device is left with free
 *     holes of the fill size, none of them part of a free, aligned range
 *     of twice that size.
 *  2. Swap out: enable --out and the --lower sizes ("always"), fault in N
 *     folios of the --out size and MADV_PAGEOUT them. No slot range of
 *     their size is free, so they must be split; with the fallback they go
 *     out as pieces of the largest --lower size a hole can serve (the last
 *     one listed), without it as base pages.
 *  3. Read back every page of both regions and compare every byte.
 *
 * Asserted, with exact counter deltas over phase 2 (sizes descending,
 * L = the last --lower size, P = the --out size):
 *   P.swpout = 0, P.swpout_fallback = N, P.swpout_fallback_lower = N
 *   (0 without --lower); every intermediate --lower size M:
 *   M.swpout_fallback = M.swpout_fallback_lower = N * P / M;
 *   L.swpout = N * P / L and L.swpout_fallback = 0 (with --lower);
 *   pswpout = N * P / 4K (and thp_swpout_fallback = N when P is the PMD
 *   size); every out page holds a swap entry, each L-sized
 *   piece in one aligned, contiguous slot range.
 *
 * Prints "RESULT: PASS|FAIL|SKIP"; exit 0 pass, 1 fail, 2 error, 4 skip.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "../lib/lfs.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

#define MAX_LOWER	8
#define SEED		0x5eedfa11ULL

static bool verbose;
/*
 * First slot of the folio-sized chunk at p if every page of it is swapped
 * to one contiguous slot range aligned to its size, else -1.
 */
static long long whole_range(const char *p, size_t size)
{
	size_t ps = lfs_pagesize(), n = size / ps;
	long long first = lfs_swap_offset(p);

	if (first < 0 || first % (long long)n)
		return -1;
	for (size_t i = 1; i < n; i++)
		if (lfs_swap_offset(p + i * ps) != first + (long long)i)
			return -1;
	return first;
}

static void fill(char *p, size_t len, uint32_t gen)
{
	size_t ps = lfs_pagesize();

	for (size_t i = 0; i < len / ps; i++)
		lfs_fill_page(p + i * ps, LFS_KIND_TEXT, SEED, i, gen);
}

/* Pages that differ from what fill() wrote (skipping freed[] chunks). */
static long verify(const char *p, size_t len, uint32_t gen, size_t chunk,
		   const bool *freed, const char *what)
{
	size_t ps = lfs_pagesize();
	long bad = 0;

	for (size_t i = 0; i < len / ps; i++) {
		long off;

		if (freed && freed[i * ps / chunk])
			continue;
		off = lfs_check_page(p + i * ps, LFS_KIND_TEXT, SEED, i, gen);
		if (off >= 0 && bad++ < 4)
			printf("# %s: page %zu differs at byte %ld\n", what, i, off);
	}
	return bad;
}

static long long swap_used_kb(long long *size_kb)
{
	struct lfs_swapdev dev[2];
	int n = lfs_swaps(dev, 2);

	if (n != 1)
		lfs_die("need exactly one swap device, /proc/swaps lists %d", n);
	*size_kb = dev[0].size_kb;
	return dev[0].used_kb;
}

static void usage(void)
{
	fprintf(stderr, "usage: lfs-fallback --fill SIZE --out SIZE [--lower SIZE[,SIZE...]] [--count N] [-v]\n");
	exit(LFS_EXIT_ERROR);
}

static void enable_only(const size_t *sizes, int n)
{
	size_t all[LFS_MAX_THP_SIZES];
	int nall = lfs_thp_sizes(all, LFS_MAX_THP_SIZES);

	/* Saves the settings for the restore at exit, and disables all. */
	if (lfs_thp_only(lfs_pagesize()))
		lfs_die_errno("disable mTHP");
	for (int i = 0; i < n; i++) {
		bool known = false;

		for (int j = 0; j < nall; j++)
			known |= all[j] == sizes[i];
		if (!known)
			lfs_skip("no mTHP size %zuK on this kernel", sizes[i] >> 10);
		if (lfs_thp_set(sizes[i], "always"))
			lfs_die_errno("enable %zuK", sizes[i] >> 10);
	}
}

/* Fault in len bytes of size-sized folios; fail unless most are whole. */
static char *fault_folios(size_t len, size_t size, uint32_t gen, const char *what)
{
	char *p = lfs_mmap_aligned(len, size, size >= lfs_pmd_size());
	long hist[LFS_NR_ORDERS] = { 0 };
	int order = lfs_size_order(size);
	long want = len / size;

	if (!p)
		lfs_die_errno("mmap %s", what);
	fill(p, len, gen);
	if (lfs_order_histogram(p, len, hist) < 0)
		lfs_die_errno("scan %s", what);
	if (verbose)
		printf("# %s: %ld of %ld folios of order %d\n", what, hist[order], want, order);
	if (hist[order] < want * 9 / 10)
		lfs_skip("%s: only %ld of %ld folios are %zuK (memory too fragmented)",
			 what, hist[order], want, size >> 10);
	return p;
}

static const char *sz(size_t size, char *buf)
{
	snprintf(buf, 32, "%zukB", size >> 10);
	return buf;
}

static long long dget(const struct lfs_delta *d, size_t size, const char *file)
{
	char name[64], b[32];

	snprintf(name, sizeof(name), "%s.%s", sz(size, b), file);
	return lfs_delta_get(d, name);
}

static bool has(const struct lfs_delta *d, size_t size, const char *file)
{
	char name[64], b[32];

	snprintf(name, sizeof(name), "%s.%s", sz(size, b), file);
	return lfs_delta_has(d, name);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fill", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "lower", required_argument, NULL, 'l' },
		{ "count", required_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	size_t ps, fill_size = 0, out_size = 0, lower[MAX_LOWER], enabled[MAX_LOWER + 1];
	long long size_kb, used_kb, expect;
	int nlower = 0, count = 4, c;
	struct lfs_snap before, after;
	struct lfs_delta d;
	size_t flen, olen, last;
	char *f, *o, b1[32];
	bool *freed;
	long holes = 0, bad;

	lfs_init("lfs-fallback");
	ps = lfs_pagesize();
	while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			fill_size = lfs_parse_size(optarg);
			break;
		case 'o':
			out_size = lfs_parse_size(optarg);
			break;
		case 'l':
			nlower = lfs_parse_size_list(optarg, lower, MAX_LOWER);
			if (nlower < 0)
				usage();
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage();
		}
	}
	if (!fill_size || !out_size || fill_size >= out_size || count < 1)
		usage();
	for (int i = 0; i < nlower; i++)
		if (!lower[i] || lower[i] >= (i ? lower[i - 1] : out_size))
			usage();
	last = nlower ? lower[nlower - 1] : ps;

	used_kb = swap_used_kb(&size_kb);
	if (used_kb)
		lfs_die("the swap device is not empty (%lld of %lld kB used)", used_kb, size_kb);
	printf("# swap device: %lld kB; fill %zuK, out %d x %zuK, lower %s\n",
	       size_kb, fill_size >> 10, count, out_size >> 10,
	       nlower ? lfs_size_str(last, b1) : "none");

	/* 1. Fill the device with fill-sized folios, then punch holes. */
	enabled[0] = fill_size;
	enable_only(enabled, 1);
	flen = ((size_t)size_kb * 1024 * 5 / 4 + fill_size - 1) / fill_size * fill_size;
	f = fault_folios(flen, fill_size, 1, "fill");
	if (madvise(f, flen, MADV_PAGEOUT))
		lfs_die_errno("MADV_PAGEOUT (fill)");
	lfs_wait_writeback();
	used_kb = swap_used_kb(&size_kb);
	/* Fewer free slots than a fill folio: no free range of any size. */
	if (size_kb - used_kb >= (long long)(fill_size >> 10))
		lfs_die("the fill did not fill the device: %lld of %lld kB used",
			used_kb, size_kb);
	freed = calloc(flen / fill_size, sizeof(*freed));
	if (!freed)
		lfs_die_errno("calloc");
	for (size_t i = 0; i < flen / fill_size; i++) {
		long long first = whole_range(f + i * fill_size, fill_size);

		if (first < 0 || !((first / (long long)(fill_size / ps)) & 1))
			continue;
		if (madvise(f + i * fill_size, fill_size, MADV_DONTNEED))
			lfs_die_errno("MADV_DONTNEED");
		freed[i] = true;
		holes++;
	}
	used_kb = swap_used_kb(&size_kb);
	printf("# fill: %zu folios, %ld holes of %zuK punched, %lld of %lld kB used\n",
	       flen / fill_size, holes, fill_size >> 10, used_kb, size_kb);
	if (holes < (long)(count * out_size / fill_size))
		lfs_die("only %ld holes of %zuK, %zu needed", holes, fill_size >> 10,
			count * out_size / fill_size);

	/* 2. Swap out count out-sized folios with out and the lower sizes on. */
	enabled[0] = out_size;
	for (int i = 0; i < nlower; i++)
		enabled[i + 1] = lower[i];
	enable_only(enabled, nlower + 1);
	olen = count * out_size;
	o = fault_folios(olen, out_size, 2, "out");
	if (lfs_counters_snap(&before))
		lfs_die_errno("counters");
	if (madvise(o, olen, MADV_PAGEOUT))
		lfs_die_errno("MADV_PAGEOUT (out)");
	lfs_wait_writeback();
	if (lfs_counters_snap(&after) || lfs_counters_delta(&before, &after, &d))
		lfs_die_errno("counters");
	if (verbose)
		lfs_delta_print(stdout, &d, "# ");

	lfs_check(has(&d, out_size, "swpout_fallback_lower"),
	      "%s.swpout_fallback_lower exists (a kernel with the lower-order fallback)",
	      sz(out_size, b1));
	lfs_check(dget(&d, out_size, "swpout") == 0, "%s.swpout = %lld, expected 0",
	      sz(out_size, b1), dget(&d, out_size, "swpout"));
	lfs_check(dget(&d, out_size, "swpout_fallback") == count,
	      "%s.swpout_fallback = %lld, expected %d", sz(out_size, b1),
	      dget(&d, out_size, "swpout_fallback"), count);
	expect = nlower ? count : 0;
	lfs_check(dget(&d, out_size, "swpout_fallback_lower") == expect,
	      "%s.swpout_fallback_lower = %lld, expected %lld", sz(out_size, b1),
	      dget(&d, out_size, "swpout_fallback_lower"), expect);
	for (int i = 0; i + 1 < nlower; i++) {
		expect = count * (out_size / lower[i]);
		lfs_check(dget(&d, lower[i], "swpout_fallback") == expect,
		      "%s.swpout_fallback = %lld, expected %lld", sz(lower[i], b1),
		      dget(&d, lower[i], "swpout_fallback"), expect);
		lfs_check(dget(&d, lower[i], "swpout_fallback_lower") == expect,
		      "%s.swpout_fallback_lower = %lld, expected %lld", sz(lower[i], b1),
		      dget(&d, lower[i], "swpout_fallback_lower"), expect);
	}
	if (nlower) {
		expect = count * (out_size / last);
		lfs_check(dget(&d, last, "swpout") == expect, "%s.swpout = %lld, expected %lld",
		      sz(last, b1), dget(&d, last, "swpout"), expect);
		lfs_check(dget(&d, last, "swpout_fallback") == 0,
		      "%s.swpout_fallback = %lld, expected 0", sz(last, b1),
		      dget(&d, last, "swpout_fallback"));
	}
	if (out_size == lfs_pmd_size())
		lfs_check(lfs_delta_get(&d, "thp_swpout_fallback") == count,
		      "thp_swpout_fallback = %lld, expected %d",
		      lfs_delta_get(&d, "thp_swpout_fallback"), count);
	expect = olen / ps;
	lfs_check(lfs_delta_get(&d, "pswpout") == expect, "pswpout = %lld, expected %lld",
	      lfs_delta_get(&d, "pswpout"), expect);
	{
		long pieces = 0, whole = 0, swapped = 0;

		for (size_t off = 0; off < olen; off += ps)
			swapped += lfs_swap_offset(o + off) >= 0;
		for (size_t off = 0; off < olen; off += last) {
			pieces++;
			whole += whole_range(o + off, last) >= 0;
		}
		lfs_check(swapped == (long)(olen / ps), "%ld of %zu out pages hold a swap entry",
		      swapped, olen / ps);
		lfs_check(whole == pieces, "%ld of %ld %zuK pieces in one aligned slot range",
		      whole, pieces, last >> 10);
	}
	lfs_delta_free(&d);
	lfs_snap_free(&before);
	lfs_snap_free(&after);

	/* 3. Every byte of both regions. */
	bad = verify(o, olen, 2, out_size, NULL, "out");
	lfs_check(!bad, "out: %ld of %zu pages differ after swap-in", bad, olen / ps);
	bad = verify(f, flen, 1, fill_size, freed, "fill");
	lfs_check(!bad, "fill: %ld pages differ after swap-in", bad);

	munmap(o, olen);
	munmap(f, flen);
	free(freed);
	if (lfs_check_failures())
		lfs_fail("%d check(s) failed", lfs_check_failures());
	lfs_pass();
}
