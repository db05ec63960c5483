// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-swapmax-fallback - swap-out of large folios in a memcg that has no
 * swap space left (memory.swap.max 0), with lower sizes enabled.
 *
 *   lfs-swapmax-fallback [--size SIZE] [--count N] [--cgroup NAME] [-v]
 *
 * Enables SIZE (default 64K), SIZE/2 and SIZE/4 as "always" (every lower
 * size a fallback could choose), faults in N folios of SIZE in a memcg of
 * its own with memory.swap.max 0, the rest of the process mlocked, and
 * MADV_PAGEOUTs them (which, unlike memcg reclaim, does not first ask
 * whether the memcg may swap). No swap space can be had at any size, so a
 * split to a smaller huge page size cannot help: each folio must be split
 * once, to base pages, as 6.12 does, and not once per enabled size. Asserts,
 * from /proc/vmstat, the per-size counters and memory.swap.events:
 *   SIZE.swpout_fallback = N, SIZE.swpout_fallback_lower = 0,
 *   swpout_fallback and swpout of SIZE/2 and SIZE/4 = 0,
 *   memory.swap.events fail = N * (1 + SIZE / 4K)  (one failed attempt
 *                             per folio, then one per base page),
 *   pswpout = 0, and every page still reads back byte-exact.
 * Needs an active swap device with free space (the limit is the memcg's).
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

#define SEED		0x5a9ffbULL

static void usage(void)
{
	fprintf(stderr, "usage: lfs-swapmax-fallback [--size SIZE] [--count N] [--cgroup NAME] [-v]\n");
	exit(LFS_EXIT_ERROR);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "cgroup", required_argument, NULL, 'g' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cgname = "lfs-swapmax-fallback";
	size_t ps, size = 64 << 10, len;
	long long fail0, fail1, v, expect;
	struct lfs_snap before, after;
	int count = 8, c;
	bool verbose = false;
	struct lfs_delta d;
	struct lfs_cg cg;
	char name[64];
	long bad = 0;
	char *p;

	lfs_init("lfs-swapmax-fallback");
	ps = lfs_pagesize();
	while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			size = lfs_parse_size(optarg);
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
	/* SIZE/4 must still be a huge page size: 16K and up */
	if (!size || size % ps || size / 4 < 4 * ps || count < 1)
		usage();

	{
		struct lfs_swapdev dev[4];

		if (lfs_swaps(dev, 4) < 1)
			lfs_skip("no active swap device");
	}
	if (lfs_thp_only(size))
		lfs_skip("no mTHP size %zuK", size >> 10);
	if (lfs_thp_set(size / 2, "always") || lfs_thp_set(size / 4, "always"))
		lfs_skip("no mTHP sizes %zuK and %zuK", size >> 11, size >> 12);

	if (lfs_cg_create(&cg, cgname))
		lfs_skip("no memory cgroup: %s", strerror(errno));
	if (lfs_cg_write(&cg, "memory.swap.max", "0"))
		lfs_skip("memory.swap.max: %s", strerror(errno));
	lfs_cg_enter_mlocked(&cg);

	len = count * size;
	p = lfs_fault_folios(size, count, SEED);

	if (lfs_counters_snap(&before) ||
	    lfs_cg_stat_file(&cg, "memory.swap.events", "fail", &fail0))
		lfs_die_errno("counters");
	if (madvise(p, len, MADV_PAGEOUT))
		lfs_die_errno("MADV_PAGEOUT");
	lfs_wait_writeback();
	if (lfs_cg_stat_file(&cg, "memory.swap.events", "fail", &fail1) ||
	    lfs_counters_snap(&after) || lfs_counters_delta(&before, &after, &d))
		lfs_die_errno("counters");
	if (verbose)
		lfs_delta_print(stdout, &d, "# ");
	printf("# %zukB/%zukB/%zukB swpout_fallback %lld/%lld/%lld, memory.swap.events fail %lld\n",
	       size >> 10, size >> 11, size >> 12, lfs_delta_size_stat(&d, size, "swpout_fallback"),
	       lfs_delta_size_stat(&d, size / 2, "swpout_fallback"),
	       lfs_delta_size_stat(&d, size / 4, "swpout_fallback"), fail1 - fail0);

	v = lfs_delta_size_stat(&d, size, "swpout_fallback");
	lfs_check(v == count, "%zukB.swpout_fallback = %lld, expected %d (each folio split once)",
		  size >> 10, v, count);
	snprintf(name, sizeof(name), "%zukB.swpout_fallback_lower", size >> 10);
	if (lfs_delta_has(&d, name)) {
		v = lfs_delta_get(&d, name);
		lfs_check(v == 0, "%s = %lld, expected 0 (no swap space for a smaller size either)",
			  name, v);
	} else {
		printf("# no %s counter (6.12 has none): the lower-size counters below say it\n",
		       name);
	}
	for (size_t s = size / 2; s >= size / 4; s /= 2) {
		v = lfs_delta_size_stat(&d, s, "swpout_fallback");
		lfs_check(v == 0, "%zukB.swpout_fallback = %lld, expected 0 (no %zuK pieces made)",
			  s >> 10, v, s >> 10);
		v = lfs_delta_size_stat(&d, s, "swpout");
		lfs_check(v == 0, "%zukB.swpout = %lld, expected 0", s >> 10, v);
	}
	expect = (long long)count * (1 + size / ps);
	lfs_check(fail1 - fail0 == expect,
		  "memory.swap.events fail = %lld, expected %lld (one per folio, then one per base page)",
		  fail1 - fail0, expect);
	v = lfs_delta_get(&d, "pswpout");
	lfs_check(v == 0, "pswpout = %lld, expected 0 (memory.swap.max 0)", v);

	for (size_t i = 0; i < len / ps; i++) {
		long at = lfs_check_page(p + i * ps, LFS_KIND_TEXT, SEED, i, 1);

		if (at >= 0 && bad++ < 4)
			printf("# page %zu differs at byte %ld\n", i, at);
	}
	lfs_check(!bad, "%ld pages differ", bad);

	lfs_delta_free(&d);
	lfs_snap_free(&before);
	lfs_snap_free(&after);
	if (lfs_check_failures())
		lfs_fail("%d check(s) failed", lfs_check_failures());
	lfs_pass();
}
