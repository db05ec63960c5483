// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-swapfile-nonfull - large folios find the free ranges of swap clusters
 * in use on a swapfile whose free clusters cannot take them.
 *
 *   lfs-swapfile-nonfull --drain-swap DEV [--size SIZE] [--good N] [-v]
 *
 * Needs one active swap device: a swapfile of at most 32 swap clusters
 * (64 MiB; then the free cluster list is in address order) whose first
 * N + 1 clusters (default N = 4; cluster 0 holds the header) are one
 * physically contiguous extent, and whose other clusters hold no SIZE range
 * within one extent (tests/run-tests.sh builds it: 60K extents, every 16th
 * block collapsed out of the file). Enables SIZE (default 64K) only, pinned
 * to one CPU:
 *   1. pages out N clusters' worth of SIZE folios (MADV_PAGEOUT): they fill
 *      clusters 1..N, SIZE.swpout = all of them, no fallback;
 *   2. frees every other one (MADV_DONTNEED): clusters 1..N are in use,
 *      each with half of its SIZE ranges free, and every free cluster is
 *      one of the fragmented ones; swap in use is exactly the half kept
 *      (read after swapon and swapoff of --drain-swap DEV, a spare
 *      mkswap'ed area, which drains the per-CPU swap slots caches);
 *   3. pages out as many new SIZE folios as were freed. Each must go to a
 *      freed range of clusters 1..N: SIZE.swpout = all of them,
 *      SIZE.swpout_fallback = 0, pswpout = their pages, and each folio's
 *      swap offset is one of the freed ranges. An allocator that fails as
 *      soon as the first free cluster has no room for SIZE splits them
 *      instead, with swap space of their size free.
 * Every page of the kept and new folios reads back byte-exact.
 *
 * Prints "RESULT: PASS|FAIL|SKIP"; exit 0 pass, 1 fail, 2 error, 4 skip.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "../lib/lfs.h"

#define SEED		0x5f11e5ULL
#define SEED2		0x5f11e6ULL
#define CLUSTER_PAGES	512
#define MAX_EXTENTS	64

static void usage(void)
{
	fprintf(stderr, "usage: lfs-swapfile-nonfull --drain-swap DEV [--size SIZE] [--good N] [-v]\n");
	exit(LFS_EXIT_ERROR);
}

/*
 * Bytes from the start of @path that lie in one physically contiguous run
 * (FIEMAP extents merged as the kernel's add_swap_extent() merges them).
 */
static long long contiguous_head(const char *path, long long want)
{
	size_t sz = sizeof(struct fiemap) + MAX_EXTENTS * sizeof(struct fiemap_extent);
	struct fiemap *fm = calloc(1, sz);
	long long run = 0;
	int fd;

	if (!fm)
		lfs_die_errno("calloc");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		lfs_die_errno("open %s", path);
	fm->fm_start = 0;
	fm->fm_length = want;
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = MAX_EXTENTS;
	if (ioctl(fd, FS_IOC_FIEMAP, fm))
		lfs_die_errno("FS_IOC_FIEMAP %s", path);
	for (unsigned int i = 0; i < fm->fm_mapped_extents; i++) {
		struct fiemap_extent *e = &fm->fm_extents[i];

		if (e->fe_logical != (unsigned long long)run ||
		    (i && e->fe_physical != fm->fm_extents[0].fe_physical + run))
			break;
		run += e->fe_length;
	}
	close(fd);
	free(fm);
	return run;
}

static long check_pages(const char *p, size_t size, int count, int step, uint64_t seed)
{
	size_t ps = lfs_pagesize();
	long bad = 0;

	for (int f = 0; f < count; f += step)
		for (size_t j = 0; j < size / ps; j++) {
			size_t i = f * (size / ps) + j;
			long at = lfs_check_page(p + i * ps, LFS_KIND_TEXT, seed, i, 1);

			if (at >= 0 && bad++ < 4)
				printf("# page %zu differs at byte %ld\n", i, at);
		}
	return bad;
}

static void page_out(char *p, size_t len, struct lfs_delta *d)
{
	struct lfs_snap before, after;

	if (lfs_counters_snap(&before))
		lfs_die_errno("counters");
	if (madvise(p, len, MADV_PAGEOUT))
		lfs_die_errno("MADV_PAGEOUT");
	lfs_wait_writeback();
	if (lfs_counters_snap(&after) || lfs_counters_delta(&before, &after, d))
		lfs_die_errno("counters");
	lfs_snap_free(&before);
	lfs_snap_free(&after);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "good", required_argument, NULL, 'g' },
		{ "drain-swap", required_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	int good = 4, n1, n3, per_cluster, c, placed = 0;
	size_t ps, size = 64 << 10, pages;
	struct lfs_swapdev dev[4];
	const char *drain = NULL;
	long long *off, v, head;
	bool verbose = false;
	struct lfs_delta d1, d3;
	char *p, *q;
	long bad;

	lfs_init("lfs-swapfile-nonfull");
	ps = lfs_pagesize();
	while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			size = lfs_parse_size(optarg);
			break;
		case 'g':
			good = atoi(optarg);
			break;
		case 'D':
			drain = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage();
		}
	}
	if (!size || size % ps || size == ps || CLUSTER_PAGES % (size / ps) ||
	    good < 1 || !drain)
		usage();
	pages = size / ps;
	per_cluster = CLUSTER_PAGES / pages;

	if (lfs_swaps(dev, 4) != 1)
		lfs_skip("needs exactly one active swap device");
	if (strcmp(dev[0].type, "file"))
		lfs_skip("swap device %s is a %s, not a swapfile", dev[0].path, dev[0].type);
	if (dev[0].used_kb)
		lfs_skip("%lld kB already swapped out: needs an idle swapfile", dev[0].used_kb);
	/* /proc/swaps leaves out the header page */
	if ((dev[0].size_kb + 4) / 4 > 32 * CLUSTER_PAGES ||
	    (dev[0].size_kb + 4) / 4 < (good + 2) * CLUSTER_PAGES)
		lfs_skip("swapfile of %lld kB: needs %d to 32 clusters of 2 MiB",
			 dev[0].size_kb + 4, good + 2);
	head = contiguous_head(dev[0].path, (long long)(good + 1) * CLUSTER_PAGES * ps);
	if (head < (long long)(good + 1) * CLUSTER_PAGES * (long long)ps)
		lfs_skip("the first %d MiB of %s are not one physical extent (%lld bytes are)",
			 (good + 1) * 2, dev[0].path, head);
	if (lfs_thp_only(size))
		lfs_skip("no mTHP size %zuK", size >> 10);
	if (lfs_pin_cpu())
		lfs_die_errno("pinning to one CPU");

	/* 1. fill clusters 1..good */
	n1 = good * per_cluster;
	p = lfs_fault_folios(size, n1, SEED);
	page_out(p, n1 * size, &d1);
	off = calloc(n1, sizeof(*off));
	if (!off)
		lfs_die_errno("calloc");
	for (int f = 0; f < n1; f++)
		off[f] = lfs_swap_offset(p + f * size);
	printf("# step 1: %d folios of %zuK: %zukB.swpout %lld, swpout_fallback %lld; offsets %lld..%lld\n",
	       n1, size >> 10, size >> 10, lfs_delta_size_stat(&d1, size, "swpout"),
	       lfs_delta_size_stat(&d1, size, "swpout_fallback"), off[0], off[n1 - 1]);
	v = lfs_delta_size_stat(&d1, size, "swpout");
	lfs_check(v == n1, "step 1: %zukB.swpout = %lld, expected %d (clusters 1..%d take them whole)",
		  size >> 10, v, n1, good);
	for (int f = 0; f < n1; f++)
		if (off[f] < CLUSTER_PAGES || off[f] >= (long long)(good + 1) * CLUSTER_PAGES ||
		    off[f] % pages) {
			lfs_check(false, "step 1: folio %d at swap offset %lld, not a %zuK range of clusters 1..%d",
				  f, off[f], size >> 10, good);
			break;
		}
	if (lfs_check_failures())
		lfs_fail("step 1 did not fill clusters 1..%d: no basis for step 3", good);

	/* 2. free every other folio */
	for (int f = 1; f < n1; f += 2)
		if (madvise(p + f * size, size, MADV_DONTNEED))
			lfs_die_errno("MADV_DONTNEED");
	lfs_swap_drain_caches(drain);
	if (lfs_swaps(dev, 4) != 1)
		lfs_die("/proc/swaps");
	printf("# step 2: freed %d folios; swap in use %lld kB\n", n1 / 2, dev[0].used_kb);
	v = (long long)(n1 - n1 / 2) * (size >> 10);
	if (dev[0].used_kb != v)
		lfs_fail("step 2: swap in use %lld kB, expected %lld (the kept half): no basis for step 3",
			 dev[0].used_kb, v);

	/* 3. as many new folios as were freed */
	n3 = n1 / 2;
	q = lfs_fault_folios(size, n3, SEED2);
	page_out(q, n3 * size, &d3);
	if (verbose)
		lfs_delta_print(stdout, &d3, "# ");
	for (int k = 0; k < n3; k++) {
		long long o = lfs_swap_offset(q + k * size);

		for (int f = 1; f < n1; f += 2)
			if (o == off[f]) {
				placed++;
				break;
			}
	}
	printf("# step 3: %d folios: %zukB.swpout %lld, swpout_fallback %lld, pswpout %lld; %d in freed ranges\n",
	       n3, size >> 10, lfs_delta_size_stat(&d3, size, "swpout"),
	       lfs_delta_size_stat(&d3, size, "swpout_fallback"), lfs_delta_get(&d3, "pswpout"),
	       placed);
	v = lfs_delta_size_stat(&d3, size, "swpout");
	lfs_check(v == n3, "step 3: %zukB.swpout = %lld, expected %d (the freed ranges take them)",
		  size >> 10, v, n3);
	v = lfs_delta_size_stat(&d3, size, "swpout_fallback");
	lfs_check(v == 0, "step 3: %zukB.swpout_fallback = %lld, expected 0", size >> 10, v);
	v = lfs_delta_get(&d3, "pswpout");
	lfs_check(v == (long long)n3 * (long long)pages, "step 3: pswpout = %lld, expected %lld",
		  v, (long long)n3 * (long long)pages);
	lfs_check(placed == n3, "step 3: %d of %d folios in a freed range of clusters 1..%d",
		  placed, n3, good);

	bad = check_pages(p, size, n1, 2, SEED) + check_pages(q, size, n3, 1, SEED2);
	lfs_check(!bad, "%ld pages differ", bad);

	free(off);
	lfs_delta_free(&d1);
	lfs_delta_free(&d3);
	if (lfs_check_failures())
		lfs_fail("%d check(s) failed", lfs_check_failures());
	lfs_pass();
}
