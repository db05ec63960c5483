// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-rotswap - a swap device without swap clusters (a rotational one)
 * takes no large folio into the swap cache.
 *
 *   lfs-rotswap [--size SIZE] [--mem SIZE] [--cgroup NAME] [-v]
 *
 * Needs exactly one swap device, rotational and fresh (swapon just before),
 * zswap off. A rotational device has no swap clusters: swap-out splits a
 * large folio and hands out slots one at a time, in order. Slots that come
 * out contiguous and aligned all the same must not be read into one large
 * folio through the swap cache: without clusters,
 * swap_page_trans_huge_swapped() looks at one slot of such a folio, so
 * folio_free_swap() could take a dirty one out of the swap cache while its
 * other slots still hold older copies of its pages. In the memcg --cgroup
 * (default lfs-rotswap):
 *
 *  1. With no mTHP size enabled, fault in size/page - 1 pages and, right
 *     after them, --mem (default 2M) of pages at a --size (default 64K)
 *     aligned address, and MADV_PAGEOUT all of it from one CPU: the fresh
 *     device hands out slots in address order, so every --size range of
 *     the region lies on a run of contiguous slots aligned as its address
 *     is (checked from /proc/self/pagemap: a SKIP if not).
 *  2. Evict the swap cache (memory.reclaim), enable only --size, read the
 *     region in order: a pass that the swap-in policy would read in large
 *     folios on a device with clusters.
 *  3. <size>kB.swpin and <size>kB.swpin_fallback stay 0, every page came
 *     from the device (pswpin), every page read back is the page written,
 *     and no page of the region is in a large folio.
 *
 * A kernel that reads such runs whole swaps in every range but the first
 * as a large folio (<size>kB.swpin ranges - 1).
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

#define SEED		0x70751a9eULL

static void usage(void)
{
	fprintf(stderr, "usage: lfs-rotswap [--size SIZE] [--mem SIZE] [--cgroup NAME] [-v]\n");
	exit(LFS_EXIT_ERROR);
}

static long long get(const struct lfs_delta *d, const char *fmt, size_t kb)
{
	char name[64];

	snprintf(name, sizeof(name), fmt, kb);
	return lfs_delta_get(d, name);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "mem", required_argument, NULL, 'm' },
		{ "cgroup", required_argument, NULL, 'g' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	size_t ps, size = 64 << 10, len = 2 << 20, npages, per, kb, pad;
	const char *cgname = "lfs-rotswap";
	struct lfs_snap s0, s1;
	struct lfs_delta din;
	long long swpin, fallback, pswpin, first;
	long bad = 0, large = 0, swapped = 0, runs = 0;
	struct lfs_swapdev dev[2];
	struct lfs_cg cg;
	bool verbose = false;
	char *map, *p;
	int c;

	lfs_init("lfs-rotswap");
	ps = lfs_pagesize();
	while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			size = lfs_parse_size(optarg);
			break;
		case 'm':
			len = lfs_parse_size(optarg);
			break;
		case 'g':
			cgname = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || size < 4 * ps || len < 2 * size || len % size)
		usage();
	npages = len / ps;
	per = size / ps;
	kb = size >> 10;
	pad = per - 1;
	if (lfs_swaps(dev, 2) != 1)
		lfs_die("need exactly one swap device");
	if (dev[0].used_kb)
		lfs_die("the swap device must be fresh (%lld KiB in use)", dev[0].used_kb);
	if (!lfs_thp_size_supported(size))
		lfs_skip("no mTHP size %zuK on this kernel", kb);
	if (lfs_thp_only(ps))
		lfs_die_errno("disable every mTHP size");
	if (lfs_cg_create(&cg, cgname) || lfs_cg_enter(&cg))
		lfs_skip("no memory cgroup: %s", strerror(errno));
	lfs_counters_set_memcg(cg.path);
	if (lfs_pin_cpu())
		lfs_die_errno("sched_setaffinity");

	/* 1: pad pages, then the aligned region, paged out in address order */
	map = lfs_mmap_aligned(len + size, size, false);
	if (!map)
		lfs_die_errno("mmap");
	p = map + size;
	for (size_t i = 0; i < pad; i++)
		lfs_fill_page(p - (pad - i) * ps, LFS_KIND_TEXT, SEED ^ 1, i, 0);
	for (size_t i = 0; i < npages; i++)
		lfs_fill_page(p + i * ps, LFS_KIND_TEXT, SEED, i, 0);
	if (madvise(p - pad * ps, len + pad * ps, MADV_PAGEOUT))
		lfs_die_errno("MADV_PAGEOUT");
	lfs_wait_writeback();
	lfs_cg_reclaim(&cg, len + size, 3);
	for (size_t i = 0; i < npages; i++)
		swapped += lfs_is_swapped(p + i * ps);
	if (swapped != (long)npages)
		lfs_skip("only %ld of %zu pages swapped out", swapped, npages);
	first = lfs_swap_offset(p);
	for (size_t i = 0; i < npages; i++)
		if (lfs_swap_offset(p + i * ps) != first + (long long)i)
			lfs_skip("the region's slots are not contiguous (page %zu at %lld, page 0 at %lld)",
				 i, lfs_swap_offset(p + i * ps), first);
	if (first < 0 || first % per)
		lfs_skip("the region's slots are not aligned to %zuK (page 0 at slot %lld)", kb, first);
	runs = npages / per;
	printf("# phase 1: %zu pages at slots %lld..%lld: %ld aligned runs of %zu contiguous slots\n",
	       npages, first, first + (long long)npages - 1, runs, per);

	/* 2: only --size enabled, read in order */
	if (lfs_thp_only(size))
		lfs_die_errno("enable only %zuK", kb);
	if (lfs_counters_snap(&s0))
		lfs_die_errno("counters");
	for (size_t i = 0; i < npages; i++) {
		long at = lfs_check_page(p + i * ps, LFS_KIND_TEXT, SEED, i, 0);

		if (at >= 0 && bad++ < 4)
			printf("# page %zu differs at byte %ld\n", i, at);
	}
	if (lfs_counters_snap(&s1) || lfs_counters_delta(&s0, &s1, &din))
		lfs_die_errno("counters");
	for (size_t f = 0; f < npages / per; f++)
		large += lfs_folio_order_at(p + f * size) > 0;
	swpin = get(&din, "%zukB.swpin", kb);
	fallback = get(&din, "%zukB.swpin_fallback", kb);
	pswpin = lfs_delta_get(&din, "pswpin");
	printf("# phase 2: %zukB.swpin %lld, %zukB.swpin_fallback %lld, pswpin %lld, %ld of %ld ranges in a large folio\n",
	       kb, swpin, kb, fallback, pswpin, large, runs);
	if (verbose)
		lfs_delta_print(stdout, &din, "# phase 2: ");

	lfs_check(swpin == 0, "no %zuK folio read from a device without swap clusters (%zukB.swpin %lld)",
		  kb, kb, swpin);
	lfs_check(fallback == 0, "no %zuK swap-in tried there (%zukB.swpin_fallback %lld)",
		  kb, kb, fallback);
	lfs_check(large == 0, "no range in a large folio (%ld of %ld)", large, runs);
	lfs_check(pswpin >= (long long)npages, "every page read from the device (pswpin %lld of %zu)",
		  pswpin, npages);
	lfs_check(bad == 0, "every byte read back (%ld pages differ)", bad);
	lfs_delta_free(&din);
	if (lfs_check_failures())
		lfs_fail("%d check(s) failed", lfs_check_failures());
	lfs_pass();
}
