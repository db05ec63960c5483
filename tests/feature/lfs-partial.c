// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-partial - what reclaim does with a partially mapped large folio
 * (issue 5): its unmapped pages should be freed without I/O, and what
 * stays mapped swapped out in the largest pieces that fit.
 *
 *   lfs-partial --size SIZE --keep K [--lower SIZE[,SIZE...]] [--count N]
 *               [--pageout] [--cgroup NAME] [-v]
 *
 * Enables SIZE and the --lower sizes ("always"), faults in N folios of
 * SIZE in a memcg of its own, with the rest of the process mlocked, and
 * MADV_DONTNEEDs all but the first K bytes of each (the folios stay, partly
 * mapped, on the deferred split queue). Then memory.reclaim asks for the
 * whole region. Needs one swap device and zswap off.
 *
 * With --pageout, MADV_PAGEOUT of the first K bytes of each folio instead
 * (nothing is unmapped, and no memory.reclaim): the range covers the
 * folio in part, so madvise splits it; the pages in the range should go
 * out in the largest pieces that fit, and the rest stay resident, in
 * large folios of that size. The same assertions, and also: every page
 * past K is resident, in a folio of L (4K with no such L).
 *
 * Prints the counter deltas and asserts:
 *   pswpout = N * K / 4K        (the unmapped pages are not written)
 *   L.swpout = N * K / L        where L is the largest --lower size that
 *                               divides K (none: K went out as 4K pages)
 *   every kept page swapped out, then read back byte-exact.
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

#define MAX_LOWER	8
#define SEED		0x9a47a1ULL

static void usage(void)
{
	fprintf(stderr, "usage: lfs-partial --size SIZE --keep K [--lower SIZE[,SIZE...]] [--count N] [--pageout] [--cgroup NAME] [-v]\n");
	exit(LFS_EXIT_ERROR);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "keep", required_argument, NULL, 'k' },
		{ "lower", required_argument, NULL, 'l' },
		{ "count", required_argument, NULL, 'n' },
		{ "cgroup", required_argument, NULL, 'g' },
		{ "pageout", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	size_t ps, size = 0, keep = 0, lower[MAX_LOWER], best = 0, len;
	const char *cgname = "lfs-partial";
	int nlower = 0, count = 16, c;
	struct lfs_snap before, after;
	bool verbose = false;
	struct lfs_delta d;
	long long v, expect;
	struct lfs_cg cg;
	char name[64];
	long bad = 0, swapped = 0, rest = 0;
	bool pageout = false;
	char *p;

	lfs_init("lfs-partial");
	ps = lfs_pagesize();
	while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			size = lfs_parse_size(optarg);
			break;
		case 'k':
			keep = lfs_parse_size(optarg);
			break;
		case 'l':
			nlower = lfs_parse_size_list(optarg, lower, MAX_LOWER);
			if (nlower < 0)
				usage();
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 'g':
			cgname = optarg;
			break;
		case 'p':
			pageout = true;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage();
		}
	}
	if (!size || !keep || keep >= size || keep % ps || count < 1)
		usage();
	for (int i = 0; i < nlower; i++)
		if (lower[i] < size && keep % lower[i] == 0 && lower[i] > best)
			best = lower[i];

	{
		struct lfs_swapdev dev[4];

		if (lfs_swaps(dev, 4) < 1)
			lfs_skip("no active swap device");
	}
	if (lfs_thp_only(size))
		lfs_skip("no mTHP size %zuK", size >> 10);
	for (int i = 0; i < nlower; i++)
		if (lfs_thp_set(lower[i], "always"))
			lfs_skip("no mTHP size %zuK", lower[i] >> 10);

	if (lfs_cg_create(&cg, cgname))
		lfs_skip("no memory cgroup: %s", strerror(errno));
	lfs_cg_enter_mlocked(&cg);

	len = count * size;
	p = lfs_fault_folios(size, count, SEED);
	for (int i = 0; i < count && !pageout; i++)
		if (madvise(p + i * size + keep, size - keep, MADV_DONTNEED))
			lfs_die_errno("MADV_DONTNEED");

	if (lfs_counters_snap(&before))
		lfs_die_errno("counters");
	if (pageout) {
		for (int i = 0; i < count; i++)
			if (madvise(p + i * size, keep, MADV_PAGEOUT))
				lfs_die_errno("MADV_PAGEOUT");
	} else {
		/* Everything the memcg holds is this region (the rest is mlocked). */
		lfs_cg_reclaim(&cg, len, 5);
	}
	lfs_wait_writeback();
	if (lfs_counters_snap(&after) || lfs_counters_delta(&before, &after, &d))
		lfs_die_errno("counters");
	if (verbose)
		lfs_delta_print(stdout, &d, "# ");

	for (int i = 0; i < count; i++)
		for (size_t off = 0; off < keep; off += ps)
			swapped += lfs_is_swapped(p + i * size + off);
	lfs_check(swapped == (long)(count * keep / ps), "%ld of %zu kept pages swapped out",
	      swapped, count * keep / ps);
	expect = count * keep / ps;
	v = lfs_delta_get(&d, "pswpout");
	lfs_check(v == expect, "pswpout = %lld, expected %lld (the unmapped pages not written)",
	      v, expect);
	snprintf(name, sizeof(name), "%zukB.split", size >> 10);
	printf("# %s = %lld\n", name, lfs_delta_get(&d, name));
	if (best) {
		expect = count * (keep / best);
		snprintf(name, sizeof(name), "%zukB.swpout", best >> 10);
		v = lfs_delta_get(&d, name);
		lfs_check(v == expect, "%s = %lld, expected %lld (kept part swapped in %zuK pieces)",
		      name, v, expect, best >> 10);
	}

	for (int i = 0; i < count; i++)
		for (size_t off = 0; off < keep; off += ps) {
			size_t idx = (i * size + off) / ps;
			long at = lfs_check_page(p + i * size + off, LFS_KIND_TEXT, SEED, idx, 1);

			if (at >= 0 && bad++ < 4)
				printf("# page %zu differs at byte %ld\n", idx, at);
		}
	lfs_check(!bad, "%ld kept pages differ after swap-in", bad);

	if (pageout) {
		int want = best ? lfs_size_order(best) : 0;

		for (int i = 0; i < count; i++)
			for (size_t off = keep; off < size; off += ps) {
				size_t idx = (i * size + off) / ps;

				rest += lfs_folio_order_at(p + i * size + off) == want &&
					lfs_check_page(p + i * size + off, LFS_KIND_TEXT,
						       SEED, idx, 1) < 0;
			}
		lfs_check(rest == (long)(count * (size - keep) / ps),
			  "%ld of %zu pages past the range resident in %zuK folios, unchanged",
			  rest, count * (size - keep) / ps, best ? best >> 10 : ps >> 10);
	}

	lfs_delta_free(&d);
	lfs_snap_free(&before);
	lfs_snap_free(&after);
	if (lfs_check_failures())
		lfs_fail("%d check(s) failed", lfs_check_failures());
	lfs_pass();
}
