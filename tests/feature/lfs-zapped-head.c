// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-zapped-head - reclaim of a partially mapped large folio whose head
 * piece is unmapped, on a swap device that takes no large folio.
 *
 *   lfs-zapped-head [--size SIZE] [--lower SIZE] [--count N]
 *                   [--cgroup NAME] [-v]
 *
 * Enables SIZE (default 64K) and LOWER (default 32K, half of SIZE) as
 * "always", faults in N folios of SIZE in a memcg of its own, with the rest
 * of the process mlocked, MADV_DONTNEEDs the first half of each (the folios
 * stay, partly mapped, on the deferred split queue), clears the accessed
 * bits (clear_refs 1, so that reclaim activates nothing for a reference)
 * and asks memory.reclaim for the region. Needs one swap device without
 * swap clusters (a rotational one) and zswap off.
 *
 * Reclaim splits a folio it meets to LOWER pieces, the unmapped head and
 * the mapped tail. The head gets no swap space (no large range on such a
 * device) and cannot be split further (it is unmapped: one LOWER
 * split_failed), so it goes back to the LRU, which frees it: one
 * activation of LOWER / 4K pages. The tail is split to base pages and
 * written. How many folios reclaim meets before the deferred split
 * shrinker splits them (which frees the unmapped pieces on its own) is not
 * fixed; memory.reclaim is asked for two folios' kept halves at a time, to
 * meet more. Asserts, from the memcg's memory.stat and /proc/vmstat:
 *   pgactivate = LOWER.split_failed * LOWER / 4K  (each head piece put
 *                back once, at its own size, not at the size of the folio
 *                it was cut from; no head piece met: a skip)
 *   pswpout    = N * SIZE / 2 / 4K  (the unmapped half is not written)
 *   every kept page swapped out, then read back byte-exact.
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

#include "../lib/lfs.h"

#define SEED		0x2a77edULL

static void usage(void)
{
	fprintf(stderr, "usage: lfs-zapped-head [--size SIZE] [--lower SIZE] [--count N] [--cgroup NAME] [-v]\n");
	exit(LFS_EXIT_ERROR);
}

static int clear_refs(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -1;
	if (write(fd, "1", 1) != 1)
		ret = -1;
	close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "lower", required_argument, NULL, 'l' },
		{ "count", required_argument, NULL, 'n' },
		{ "cgroup", required_argument, NULL, 'g' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	size_t ps, size = 64 << 10, lower = 0, half;
	const char *cgname = "lfs-zapped-head";
	long long act0, act1, v, expect, heads;
	char name[64];
	struct lfs_snap before, after;
	long bad = 0, swapped = 0;
	int count = 16, c;
	bool verbose = false;
	struct lfs_delta d;
	struct lfs_cg cg;
	char *p;

	lfs_init("lfs-zapped-head");
	ps = lfs_pagesize();
	while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			size = lfs_parse_size(optarg);
			break;
		case 'l':
			lower = lfs_parse_size(optarg);
			break;
		case 'n':
			count = atoi(optarg);
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
	half = size / 2;
	if (!lower)
		lower = half;
	if (!size || size % ps || lower != half || lower <= ps || count < 1)
		usage();

	{
		struct lfs_swapdev dev[4];

		if (lfs_swaps(dev, 4) != 1)
			lfs_skip("needs exactly one active swap device");
	}
	if (lfs_thp_only(size))
		lfs_skip("no mTHP size %zuK", size >> 10);
	if (lfs_thp_set(lower, "always"))
		lfs_skip("no mTHP size %zuK", lower >> 10);

	if (lfs_cg_create(&cg, cgname))
		lfs_skip("no memory cgroup: %s", strerror(errno));
	lfs_cg_enter_mlocked(&cg);

	p = lfs_fault_folios(size, count, SEED);
	for (int i = 0; i < count; i++)
		if (madvise(p + i * size, half, MADV_DONTNEED))
			lfs_die_errno("MADV_DONTNEED");

	if (lfs_counters_snap(&before) ||
	    lfs_cg_stat(&cg, "pgactivate", &act0))
		lfs_die_errno("counters");
	if (clear_refs())
		lfs_skip("clear_refs 1: %s", strerror(errno));
	/*
	 * Everything the memcg holds is this region (the rest is mlocked).
	 * Reclaim it two folios' kept halves at a time: each request is met
	 * by LRU reclaim at a high priority, before the deferred split
	 * shrinker, which would split the folios first (it frees their
	 * unmapped pieces without reclaim seeing them), gets a turn.
	 */
	for (int i = 0; i < 4 * count; i++) {
		long long cur = 0;

		lfs_cg_reclaim(&cg, 2 * half, 1);
		if (!lfs_cg_read_ll(&cg, "memory.current", &cur) &&
		    cur < (long long)ps)
			break;
	}
	lfs_wait_writeback();
	if (lfs_cg_stat(&cg, "pgactivate", &act1) ||
	    lfs_counters_snap(&after) || lfs_counters_delta(&before, &after, &d))
		lfs_die_errno("counters");
	if (verbose)
		lfs_delta_print(stdout, &d, "# ");

	for (int i = 0; i < count; i++)
		for (size_t off = half; off < size; off += ps)
			swapped += lfs_is_swapped(p + i * size + off);
	lfs_check(swapped == (long)(count * half / ps), "%ld of %zu kept pages swapped out",
		  swapped, count * half / ps);
	expect = count * half / ps;
	v = lfs_delta_get(&d, "pswpout");
	lfs_check(v == expect, "pswpout = %lld, expected %lld (the unmapped half not written)",
		  v, expect);
	/*
	 * How many head pieces reclaim met, rather than the deferred split
	 * shrinker (which frees them on its own), is not fixed; each one it
	 * met failed its split to base pages (it is unmapped), once:
	 * <lower>kB.split_failed. Each was put back once, counted at its own
	 * size; counted at the size of the folio it was cut from, pgactivate
	 * is twice that.
	 */
	snprintf(name, sizeof(name), "%zukB.split_failed", lower >> 10);
	if (!lfs_delta_has(&d, name))
		lfs_skip("no %s counter", name);
	heads = lfs_delta_get(&d, name);
	printf("# memcg pgactivate = %lld, %s = %lld\n", act1 - act0, name, heads);
	if (heads == 0)
		lfs_skip("no head piece reached reclaim's split (%s 0): the deferred split shrinker split every folio first",
			 name);
	expect = heads * (long long)(lower / ps);
	lfs_check(act1 - act0 == expect,
		  "memcg pgactivate = %lld, expected %lld (%lld unmapped %zuK head pieces put back once each, at their own size)",
		  act1 - act0, expect, heads, lower >> 10);
	lfs_check(heads <= count, "%s = %lld, at most %d (one per folio)", name,
		  heads, count);

	for (int i = 0; i < count; i++)
		for (size_t off = half; off < size; off += ps) {
			size_t idx = (i * size + off) / ps;
			long at = lfs_check_page(p + i * size + off, LFS_KIND_TEXT, SEED, idx, 1);

			if (at >= 0 && bad++ < 4)
				printf("# page %zu differs at byte %ld\n", idx, at);
		}
	lfs_check(!bad, "%ld kept pages differ after swap-in", bad);

	lfs_delta_free(&d);
	lfs_snap_free(&before);
	lfs_snap_free(&after);
	if (lfs_check_failures())
		lfs_fail("%d check(s) failed", lfs_check_failures());
	lfs_pass();
}
