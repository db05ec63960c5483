// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-reswap - a page swapped in alone from a large folio's slot range goes
 * back to its own slot when it is swapped out again, so that the range
 * stays whole (issue 5: slot allocation that resists fragmentation).
 *
 *   lfs-reswap [--size SIZE] [--mem SIZE] [--cgroup NAME] [--swap-max
 *              --drain-swap DEV] [-v]
 *
 * Needs exactly one swap device (a disk, an ext4 swapfile or zram: a page
 * read alone from a range that went out whole goes through the swap cache
 * on each, to keep its slot), and zswap off; --size at least 16K. It runs in the
 * memcg --cgroup (default lfs-reswap), whose memory.reclaim evicts what
 * each swap-out leaves in the swap cache once written, so that phase 2
 * finds its pages on the device, not whole in the swap cache. Four phases:
 *
 *  1. Fault in --mem (default 16M) of --size (default 64K) folios, with
 *     only that size enabled, and MADV_PAGEOUT them: every folio must go
 *     out whole, to one aligned slot range (else the test skips).
 *  2. Write one page of each folio (a different page in each, never the
 *     first or last, so no used page is next to any range and large
 *     swap-in does not take the folio whole; swap readahead is off for
 *     the run): each is swapped in alone, while the rest of its range
 *     stays on the device.
 *  3. MADV_PAGEOUT again.
 *  4. Read every page back and compare every byte.
 *
 * Asserted: after phase 3, every page of the region holds a swap entry at
 * the very slot it had after phase 1 (the written pages included), so
 * every range is still whole; pswpout over phase 3 is the number of
 * written pages; no byte differs. 6.12 frees the slot of a page written
 * on swap-in, and gives it another slot on the next swap-out: its old slot
 * is a hole, and the range is not free whole again until every page of
 * it is freed.
 *
 * --swap-max: the same with the memcg's swap half used or more all along
 * (memory.swap.max = twice --mem less the written pages, the rest of the
 * program mlocked, so that the region is what is charged; at the limit
 * itself reclaim would not scan anonymous memory at all, and the swap
 * cache of phase 1 would stay): swap is full for the memcg
 * (mem_cgroup_swap_full()), and a page swapped in must give its slot
 * back, as on 6.12, whatever its range. Asserted: phase 2 lowers
 * memory.swap.current by exactly the written pages; phase 3 swaps out a
 * second region of the quota that leaves, and every page of it goes to
 * swap (slots kept for resident pages would leave no quota for the last
 * of them: memory.swap.events max); every byte of both regions reads
 * back. 6.12 frees an order-0 slot through the per-CPU swap slots cache,
 * which holds up to 64 (SWAP_SLOTS_CACHE_SIZE) freed slots per CPU, still
 * charged to the memcg, until the next batch flushes them: after other
 * order-0 swap-outs had switched that cache on, 192 of the 256 slots came
 * back, every time. --drain-swap DEV (a swap area not in use, mkswap'ed:
 * the harness gives a small zram device) is swapped on and off before
 * swap.current is read: swapoff drains every CPU's slots cache
 * (disable_swap_slots_cache_lock()), and what is still charged then is
 * what the kernel kept.
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

#define SEED		0x7e5a11edULL

static struct lfs_cg cg;

#define PAGE_CLUSTER	"/proc/sys/vm/page-cluster"
static char page_cluster[16];	/* the value to restore at exit, "" if none */

/* an lfs cleanup: raw syscalls, it may run from the signal handler */
static void page_cluster_restore(void)
{
	int fd;

	if (!page_cluster[0] || (fd = open(PAGE_CLUSTER, O_WRONLY)) < 0)
		return;
	/* nothing sensible to do if this write fails */
	(void)!write(fd, page_cluster, strlen(page_cluster));
	close(fd);
}

/*
 * Swap readahead off for the run (vm.page-cluster 0, restored at exit):
 * a readahead window that covers a whole 16K range reads it into one
 * large folio (patch 20), and the written page would then not be swapped
 * in alone.
 */
static void readahead_off(void)
{
	FILE *f = fopen(PAGE_CLUSTER, "r");

	if (!f || !fgets(page_cluster, sizeof(page_cluster), f))
		lfs_die_errno("read %s", PAGE_CLUSTER);
	fclose(f);
	lfs_cleanup_add(page_cluster_restore);
	f = fopen(PAGE_CLUSTER, "w");
	if (!f || fputs("0", f) < 0 || fclose(f))
		lfs_die_errno("write %s", PAGE_CLUSTER);
}

/* Swap out and wait for the writes. */
static void pageout(void *p, size_t len)
{
	if (madvise(p, len, MADV_PAGEOUT))
		lfs_die_errno("MADV_PAGEOUT");
	lfs_wait_writeback();
}

/*
 * Evict the written folios from the swap cache. This may swap out a few
 * pages of the program itself, so no counter is read across it.
 */
static void evict(size_t len)
{
	lfs_cg_reclaim(&cg, len, 3);
}

/*
 * --swap-max, after phase 2: the written pages must have given their slots
 * back (swap.current was @cur0 after phase 1), and a second region of the
 * quota left then (the region's size and the written pages) must swap out
 * whole within the limit.
 */
static int at_swap_max(char *p, size_t len, size_t nfolios, size_t per,
		       const uint32_t *gen, long long cur0, const char *drain)
{
	size_t ps = lfs_pagesize(), wlen = nfolios * ps, max = 2 * (len - wlen);
	size_t qlen = 0;
	long long cur1, ev0 = 0, ev1 = 0;
	long swapped = 0, bad = 0;
	char *q;

	/* flush the slots freed into the per-CPU swap slots caches */
	lfs_swap_drain_caches(drain);
	if (lfs_cg_read_ll(&cg, "memory.swap.current", &cur1))
		lfs_die_errno("memory.swap.current");
	printf("# phase 2: memory.swap.current %lld -> %lld (max %zu)\n", cur0, cur1, max);
	/* the quota left if the written pages gave their slots back */
	if (cur0 - (long long)wlen < (long long)max)
		qlen = (max - (cur0 - wlen)) / (per * ps) * (per * ps);
	lfs_cg_stat_file(&cg, "memory.swap.events", "max", &ev0);

	/* 3: a second region, the size of the quota left */
	q = lfs_mmap_aligned(qlen, per * ps, false);
	if (!q)
		lfs_die_errno("mmap");
	for (size_t i = 0; i < qlen / ps; i++)
		lfs_fill_page(q + i * ps, LFS_KIND_TEXT, SEED + 1, i, 0);
	pageout(q, qlen);
	evict(qlen);
	for (size_t i = 0; i < qlen / ps; i++)
		swapped += lfs_is_swapped(q + i * ps);
	lfs_cg_stat_file(&cg, "memory.swap.events", "max", &ev1);
	printf("# phase 3: %ld of %zu pages of a second region swapped out, memory.swap.events max +%lld\n",
	       swapped, qlen / ps, ev1 - ev0);

	/* 4: every byte of both */
	for (size_t i = 0; i < len / ps; i++) {
		long off = lfs_check_page(p + i * ps, LFS_KIND_TEXT, SEED, i, gen[i]);

		if (off >= 0 && bad++ < 4)
			printf("# page %zu differs at byte %ld\n", i, off);
	}
	for (size_t i = 0; i < qlen / ps; i++) {
		long off = lfs_check_page(q + i * ps, LFS_KIND_TEXT, SEED + 1, i, 0);

		if (off >= 0 && bad++ < 4)
			printf("# second region page %zu differs at byte %ld\n", i, off);
	}

	lfs_check(cur0 >= (long long)len, "phase 1 charged the whole region to swap (%lld, %zu)",
		  cur0, len);
	lfs_check(cur0 - cur1 == (long long)wlen,
		  "the %zu written pages gave their slots back (swap.current -%lld bytes)",
		  nfolios, cur0 - cur1);
	lfs_check(swapped == (long)(qlen / ps), "the second region swapped out whole (%ld of %zu)",
		  swapped, qlen / ps);
	lfs_check(bad == 0, "every byte read back (%ld pages differ)", bad);
	if (lfs_check_failures())
		lfs_fail("%d check(s) failed", lfs_check_failures());
	lfs_pass();
}

static void usage(void)
{
	fprintf(stderr, "usage: lfs-reswap [--size SIZE] [--mem SIZE] [--cgroup NAME] [--swap-max --drain-swap DEV] [-v]\n");
	exit(LFS_EXIT_ERROR);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "mem", required_argument, NULL, 'm' },
		{ "cgroup", required_argument, NULL, 'g' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "swap-max", no_argument, NULL, 'x' },
		{ "drain-swap", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	size_t ps, size = 64 << 10, len = 16 << 20, npages, nfolios, per;
	long long *slot, pswpout, swap_cur0 = 0;
	long whole = 0, moved = 0, notswapped = 0, bad = 0, order0 = 0;
	struct lfs_snap before, after;
	struct lfs_swapdev dev[2];
	bool verbose = false, swap_max = false;
	struct lfs_delta d;
	const char *cgname = "lfs-reswap", *drain = NULL;
	uint32_t *gen;
	char *p;
	int c;

	lfs_init("lfs-reswap");
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
		case 'x':
			swap_max = true;
			break;
		case 'D':
			drain = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || size < 4 * ps || len < size || len % size ||
	    swap_max != !!drain)
		usage();
	if (lfs_swaps(dev, 2) != 1)
		lfs_die("need exactly one swap device");
	if (!lfs_thp_size_supported(size))
		lfs_skip("no mTHP size %zuK on this kernel", size >> 10);
	if (lfs_thp_only(size))
		lfs_die_errno("enable only %zuK", size >> 10);
	if (lfs_cg_create(&cg, cgname) || lfs_cg_enter(&cg))
		lfs_skip("no memory cgroup: %s", strerror(errno));
	/* every written page must be on the LRU for the second MADV_PAGEOUT */
	if (lfs_pin_cpu())
		lfs_die_errno("sched_setaffinity");
	readahead_off();
	npages = len / ps;
	nfolios = len / size;
	per = size / ps;
	slot = calloc(npages, sizeof(*slot));
	gen = calloc(npages, sizeof(*gen));
	if (!slot || !gen)
		lfs_die_errno("calloc");

	if (swap_max) {
		char max[32];

		snprintf(max, sizeof(max), "%zu", 2 * (len - nfolios * ps));
		if (lfs_cg_write(&cg, "memory.swap.max", max))
			lfs_skip("cannot set memory.swap.max (cgroup v1?)");
		/*
		 * only the region is charged to the memcg's swap: the rest is
		 * locked, stdout's buffer included (allocated by this printf)
		 */
		printf("# memory.swap.max %zu, the rest of the program mlocked\n",
		       2 * (len - nfolios * ps));
		fflush(stdout);
		if (mlockall(MCL_CURRENT))
			lfs_die_errno("mlockall");
	}

	/* 1: fault in, swap out whole */
	p = lfs_mmap_aligned(len, size, size >= lfs_pmd_size());
	if (!p)
		lfs_die_errno("mmap");
	for (size_t i = 0; i < npages; i++)
		lfs_fill_page(p + i * ps, LFS_KIND_TEXT, SEED, i, 0);
	pageout(p, len);
	evict(len);
	for (size_t f = 0; f < nfolios; f++) {
		long long first = lfs_swap_offset(p + f * size);
		bool ok = first >= 0 && first % (long long)per == 0;

		for (size_t i = 0; i < per; i++) {
			slot[f * per + i] = lfs_swap_offset(p + f * size + i * ps);
			ok &= slot[f * per + i] == first + (long long)i;
		}
		whole += ok;
	}
	printf("# phase 1: %ld of %zu %zuK folios swapped out whole\n", whole, nfolios, size >> 10);
	if (swap_max && lfs_cg_read_ll(&cg, "memory.swap.current", &swap_cur0))
		lfs_die_errno("memory.swap.current");
	if (whole < (long)nfolios)
		lfs_skip("only %ld of %zu folios went out whole (device too small or fragmented?)",
			 whole, nfolios);

	/*
	 * 2: write one page of each folio, a different one in each, never
	 * the first or the last: with no used page next to its range, the
	 * kernel swaps the page in alone (order 0), not the whole folio.
	 */
	for (size_t f = 0; f < nfolios; f++) {
		size_t i = f * per + 1 + (f * 7 + 3) % (per - 2);

		gen[i] = 1;
		lfs_fill_page(p + i * ps, LFS_KIND_TEXT, SEED, i, 1);
		order0 += lfs_folio_order_at(p + i * ps) == 0;
	}
	printf("# phase 2: %zu pages written, %ld of them swapped in as base pages\n",
	       nfolios, order0);
	if (swap_max) {
		lfs_check(order0 == (long)nfolios,
			  "every written page swapped in alone (%ld of %zu)",
			  order0, nfolios);
		return at_swap_max(p, len, nfolios, per, gen, swap_cur0, drain);
	}

	/* 3: swap out again */
	if (lfs_counters_snap(&before))
		lfs_die_errno("counters");
	pageout(p, len);
	if (lfs_counters_snap(&after) || lfs_counters_delta(&before, &after, &d))
		lfs_die_errno("counters");
	evict(len);
	for (size_t i = 0; i < npages; i++) {
		long long now = lfs_swap_offset(p + i * ps);

		if (now < 0) {
			notswapped++;
		} else if (now != slot[i]) {
			if (moved++ < 4)
				printf("# page %zu (%s): slot %lld, was %lld\n", i,
				       gen[i] ? "written" : "untouched", now, slot[i]);
		}
	}
	pswpout = lfs_delta_get(&d, "pswpout");
	if (verbose)
		lfs_delta_print(stdout, &d, "# phase 3: ");
	printf("# phase 3: %ld pages not swapped, %ld in another slot, pswpout %lld\n",
	       notswapped, moved, pswpout);

	/* 4: every byte */
	for (size_t i = 0; i < npages; i++) {
		long off = lfs_check_page(p + i * ps, LFS_KIND_TEXT, SEED, i, gen[i]);

		if (off >= 0 && bad++ < 4)
			printf("# page %zu differs at byte %ld\n", i, off);
	}

	lfs_check(notswapped == 0, "every page swapped out again (%ld not)", notswapped);
	lfs_check(moved == 0, "every page back in its own slot, every range whole (%ld moved)", moved);
	lfs_check(pswpout == (long long)nfolios, "pswpout = %zu written pages (%lld)", nfolios, pswpout);
	lfs_check(bad == 0, "every byte read back (%ld pages differ)", bad);
	lfs_delta_free(&d);
	lfs_snap_free(&before);
	lfs_snap_free(&after);
	if (lfs_check_failures())
		lfs_fail("%d check(s) failed", lfs_check_failures());
	lfs_pass();
}
