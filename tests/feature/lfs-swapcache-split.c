// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-swapcache-split - a large folio that swap-in read whole through the
 * swap cache, of which some pages are then unmapped, leaves the swap cache
 * and is queued for the deferred split, and its unmapped pages are freed.
 *
 *   lfs-swapcache-split [--size SIZE] [--mem SIZE] [--cgroup NAME] [-v]
 *
 * Needs exactly one swap device that swap-in reads through the swap cache
 * (a disk or a swapfile, not zram), zswap off, and may swap it off (it
 * turns it on again at the end). In the memcg --cgroup (default
 * lfs-swapcache-split):
 *
 *  1. Fault in --mem (default 4M) of --size (default 64K) folios, with only
 *     that size enabled, MADV_PAGEOUT them and evict them from the swap
 *     cache (memory.reclaim).
 *  2. Read every page in order: every range but the first comes back as
 *     one folio through the swap cache (<size>kB/stats/swpin), mapped whole
 *     and still in the swap cache (a read fault keeps the slots).
 *  3. MADV_DONTNEED the second half of each of those folios: partially
 *     mapped, each must give its swap back and be queued for the deferred
 *     split, as a folio outside the swap cache is (deferred_split_folio()
 *     leaves swap-cache folios to reclaim): split_deferred and
 *     nr_anon_partially_mapped rise by their number.
 *  4. swapoff the device, so that reclaim cannot swap them out.
 *  5. memory.reclaim on the memcg, with no swap: the deferred split
 *     shrinker splits them (<size>kB/stats/split rises by their number) and
 *     the mapped pages are base pages now (the first range's were
 *     all along), and the unmapped halves are freed: memory.current falls
 *     by half of those folios, less at most one per-CPU charge batch (64
 *     pages: a charge in the phase may refill the stock; the drop was 504
 *     of 504 and 448 of 512 pages in two runs). memory.stat anon fell at
 *     the unmap already; the anon LRU sizes move with other pages too.
 *  6. Every byte of the mapped halves reads back; the device goes on again.
 *
 * Without the queueing the folios stay whole with half their pages
 * unmapped and charged until reclaim takes them whole.
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
#include <sys/mman.h>
#include <sys/swap.h>

#include "../lib/lfs.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

#define SEED		0x5b117ca5ULL

static struct lfs_cg cg;
static char swapdev[256];	/* swapped off by us: on again at exit */

/* an lfs cleanup: raw syscalls, it may run from the signal handler */
static void swap_back_on(void)
{
	if (swapdev[0])
		swapon(swapdev, 0);
}

static void usage(void)
{
	fprintf(stderr, "usage: lfs-swapcache-split [--size SIZE] [--mem SIZE] [--cgroup NAME] [-v]\n");
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
	size_t ps, size = 64 << 10, len = 4 << 20, npages, nfolios, per, kb;
	const char *cgname = "lfs-swapcache-split";
	struct lfs_snap s0, s1, s2, s3;
	struct lfs_delta din, dout, dsplit;
	long long swpin, deferred, partial, split, freed;
	long order0 = 0;
	long whole = 0, bad = 0, swapped = 0;
	struct lfs_swapdev dev[2];
	bool verbose = false;
	char *p;
	int c;

	lfs_init("lfs-swapcache-split");
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
	nfolios = len / size;
	per = size / ps;
	kb = size >> 10;
	if (lfs_swaps(dev, 2) != 1)
		lfs_die("need exactly one swap device");
	if (!lfs_thp_size_supported(size))
		lfs_skip("no mTHP size %zuK on this kernel", size >> 10);
	if (lfs_thp_only(size))
		lfs_die_errno("enable only %zuK", size >> 10);
	if (lfs_cg_create(&cg, cgname) || lfs_cg_enter(&cg))
		lfs_skip("no memory cgroup: %s", strerror(errno));
	lfs_counters_set_memcg(cg.path);
	if (lfs_pin_cpu())
		lfs_die_errno("sched_setaffinity");

	/* 1: fault in, swap out whole, evict from the swap cache */
	p = lfs_mmap_aligned(len, size, false);
	if (!p)
		lfs_die_errno("mmap");
	for (size_t i = 0; i < npages; i++)
		lfs_fill_page(p + i * ps, LFS_KIND_TEXT, SEED, i, 0);
	if (madvise(p, len, MADV_PAGEOUT))
		lfs_die_errno("MADV_PAGEOUT");
	lfs_wait_writeback();
	lfs_cg_reclaim(&cg, len, 3);
	for (size_t i = 0; i < npages; i++)
		swapped += lfs_is_swapped(p + i * ps);
	if (swapped != (long)npages)
		lfs_skip("only %ld of %zu pages swapped out", swapped, npages);

	/* 2: read it all in order */
	if (lfs_counters_snap(&s0))
		lfs_die_errno("counters");
	for (size_t i = 0; i < npages; i++)
		bad += lfs_check_page(p + i * ps, LFS_KIND_TEXT, SEED, i, 0) >= 0;
	for (size_t f = 0; f < nfolios; f++)
		whole += lfs_folio_order_at(p + f * size) == lfs_size_order(size);
	if (lfs_counters_snap(&s1) || lfs_counters_delta(&s0, &s1, &din))
		lfs_die_errno("counters");
	swpin = get(&din, "%zukB.swpin", kb);
	printf("# phase 2: %ld of %zu %zuK folios mapped whole, %zukB.swpin %lld\n",
	       whole, nfolios, kb, kb, swpin);
	if (!swpin)
		lfs_skip("no %zuK folio swapped in (no large swap-in through the swap cache)", kb);

	/* 3: unmap the second half of every folio */
	for (size_t f = 0; f < nfolios; f++)
		if (madvise(p + f * size + size / 2, size / 2, MADV_DONTNEED))
			lfs_die_errno("MADV_DONTNEED");

	if (lfs_counters_snap(&s2) || lfs_counters_delta(&s1, &s2, &dout))
		lfs_die_errno("counters");
	deferred = get(&dout, "%zukB.split_deferred", kb);
	partial = get(&dout, "%zukB.nr_anon_partially_mapped", kb);
	printf("# phase 3: after MADV_DONTNEED of half of each folio: %zukB.split_deferred %lld, %zukB.nr_anon_partially_mapped %lld\n",
	       kb, deferred, kb, partial);

	/* 4: no swap for the reclaim below */
	snprintf(swapdev, sizeof(swapdev), "%s", dev[0].path);
	lfs_cleanup_add(swap_back_on);
	if (swapoff(swapdev))
		lfs_die_errno("swapoff %s", swapdev);

	/* 5: reclaim with no swap: the deferred split shrinker */
	lfs_cg_reclaim(&cg, len, 3);
	if (lfs_counters_snap(&s3) || lfs_counters_delta(&s2, &s3, &dsplit))
		lfs_die_errno("counters");
	split = get(&dsplit, "%zukB.split", kb);
	freed = -lfs_delta_get(&dsplit, "memcg.memory.current");
	if (verbose) {
		lfs_delta_print(stdout, &din, "# phase 2: ");
		lfs_delta_print(stdout, &dout, "# phase 3: ");
		lfs_delta_print(stdout, &dsplit, "# phase 5: ");
	}
	for (size_t f = 0; f < nfolios; f++)
		order0 += lfs_folio_order_at(p + f * size) == 0;
	printf("# phase 5: memory.reclaim: %zukB.split %lld, %ld of %zu folios' first pages base pages, memory.current %+lld bytes\n",
	       kb, split, order0, nfolios, -freed);

	/* 6: every byte still mapped */
	for (size_t f = 0; f < nfolios; f++)
		for (size_t i = 0; i < per / 2; i++) {
			size_t pg = f * per + i;

			if (lfs_check_page(p + pg * ps, LFS_KIND_TEXT, SEED, pg, 0) >= 0 &&
			    bad++ < 4)
				printf("# page %zu differs\n", pg);
		}
	if (swapon(swapdev, 0))
		lfs_die_errno("swapon %s", swapdev);
	swapdev[0] = 0;

	lfs_check(whole >= 1 && swpin == whole,
		  "the pass in order swapped in whole folios (%ld mapped whole, swpin %lld)",
		  whole, swpin);
	lfs_check(deferred == whole, "each partially mapped folio queued (split_deferred %lld of %ld)",
		  deferred, whole);
	lfs_check(partial == whole, "nr_anon_partially_mapped +%ld (%lld)", whole, partial);
	lfs_check(split >= whole, "the shrinker split them (split %lld of %ld)", split, whole);
	lfs_check(order0 == (long)nfolios, "every folio split to base pages (%ld of %zu)",
		  order0, nfolios);
	lfs_check(freed >= (long long)(whole * size / 2 - 64 * ps),
		  "their unmapped halves were freed (memory.current -%lld bytes, at least %zu less a charge batch)",
		  freed, whole * size / 2);
	lfs_check(bad == 0, "every byte read back (%ld pages differ)", bad);
	lfs_delta_free(&din);
	lfs_delta_free(&dout);
	lfs_delta_free(&dsplit);
	if (lfs_check_failures())
		lfs_fail("%d check(s) failed", lfs_check_failures());
	lfs_pass();
}
