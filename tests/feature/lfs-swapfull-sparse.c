// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-swapfull-sparse - scattered swap-ins of large folios while swap is
 * more than half full.
 *
 *   lfs-swapfull-sparse --drain-swap DEV [--size SIZE] [--count N]
 *                       [--device PATH] [-v]
 *
 * Enables SIZE (default 64K) only, faults in N (default 64) folios of SIZE,
 * and a ballast of SIZE folios that, paged out with them, keeps more than
 * half of the swap space in use (vm_swap_full()) to the end of the test.
 * Both are paged out (MADV_PAGEOUT); then one page of each of the N folios
 * is read, the folios in random order (a task touching scattered pages).
 * Freeing the slot of one page of a range that went out whole leaves a hole
 * no large folio can use until the rest of the range is freed too; with
 * swap this full such holes soon leave no free range for the next large
 * folio. So each fault must read its range whole and free all its slots,
 * not one. Asserts, from /proc/vmstat, the per-size counters and
 * /proc/swaps:
 *   SIZE.swpin = N, SIZE.swpin_fallback = 0, pswpin = N * SIZE / 4K,
 *   swap in use fell by exactly N * SIZE (every range freed whole; read
 *   after swapon and swapoff of --drain-swap DEV, a spare mkswap'ed area:
 *   6.12 frees the slots of a swap-in one by one through the per-CPU
 *   swap slots cache, which holds up to 64 freed slots per CPU still
 *   counted in use until swapoff drains it; without the drain, 3840 of
 *   4096 kB showed, with two CPUs, on zram),
 *   swap still more than half full at the end,
 *   and every page of the N folios and of the ballast reads back
 *   byte-exact.
 * Needs one active swap device that frees the swap cache of what
 * MADV_PAGEOUT writes at once (zram: a synchronous device; on a disk the
 * pages stay in the swap cache and are not read back), --device: that
 * one, or the test skips,
 * with nothing else swapped out, of at most 1 GiB (the ballast is sized
 * from it).
 *
 * Prints "RESULT: PASS|FAIL|SKIP"; exit 0 pass, 1 fail, 2 error, 4 skip.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "../lib/lfs.h"

#define SEED		0x5f0115ULL
#define BALLAST_SEED	0xba11a5ULL

static void usage(void)
{
	fprintf(stderr, "usage: lfs-swapfull-sparse --drain-swap DEV [--size SIZE] [--count N] [--device PATH] [-v]\n");
	exit(LFS_EXIT_ERROR);
}

/* kB of swap in use and in total, over every active device */
static void swap_use(long long *used, long long *total)
{
	struct lfs_swapdev dev[4];
	int n = lfs_swaps(dev, 4);

	if (n < 0)
		lfs_die_errno("/proc/swaps");
	*used = *total = 0;
	for (int i = 0; i < n; i++) {
		*used += dev[i].used_kb;
		*total += dev[i].size_kb;
	}
}

static long check_pages(const char *p, size_t len, uint64_t seed, const char *what)
{
	size_t ps = lfs_pagesize();
	long bad = 0;

	for (size_t i = 0; i < len / ps; i++) {
		long at = lfs_check_page(p + i * ps, LFS_KIND_TEXT, seed, i, 1);

		if (at >= 0 && bad++ < 4)
			printf("# %s page %zu differs at byte %ld\n", what, i, at);
	}
	return bad;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "device", required_argument, NULL, 'd' },
		{ "drain-swap", required_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	long long used0, total, used1, used2, v, expect;
	size_t ps, size = 64 << 10, len, blen;
	struct lfs_snap before, after;
	struct lfs_swapdev dev[4];
	int count = 64, nballast, c;
	const char *device = NULL, *drain = NULL;
	bool verbose = false;
	struct lfs_delta d;
	struct lfs_rng rng;
	size_t *perm;
	char *p, *b;
	long bad;

	lfs_init("lfs-swapfull-sparse");
	ps = lfs_pagesize();
	while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			size = lfs_parse_size(optarg);
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 'd':
			device = optarg;
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
	if (!size || size % ps || size == ps || count < 1 || !drain)
		usage();

	if (lfs_swaps(dev, 4) != 1)
		lfs_skip("needs exactly one active swap device");
	if (device && strcmp(dev[0].path, device))
		lfs_skip("swap device %s, not %s", dev[0].path, device);
	swap_use(&used0, &total);
	if (total > (1LL << 20))
		lfs_skip("swap device of %lld kB: at most 1 GiB (the ballast fills half)", total);
	if (used0)
		lfs_skip("%lld kB already swapped out: the ballast needs an idle device", used0);
	if (lfs_thp_only(size))
		lfs_skip("no mTHP size %zuK", size >> 10);

	/*
	 * The ballast: half the device and 1 MiB more, in folios of SIZE, so
	 * that after the N folios come back whole more than half of it is
	 * still in use. The N folios must fit beside it.
	 */
	nballast = (int)(((total / 2 + 1024) * 1024 + size - 1) / size);
	len = count * size;
	blen = nballast * size;
	if ((long long)(blen + len) / 1024 > total - 1024)
		lfs_skip("swap device of %lld kB too small for %d folios of %zuK beside its ballast",
			 total, count, size >> 10);

	b = lfs_fault_folios(size, nballast, BALLAST_SEED);
	p = lfs_fault_folios(size, count, SEED);
	if (madvise(b, blen, MADV_PAGEOUT) || madvise(p, len, MADV_PAGEOUT))
		lfs_die_errno("MADV_PAGEOUT");
	lfs_wait_writeback();
	for (size_t i = 0; i < len / ps; i++)
		if (!lfs_is_swapped(p + i * ps))
			lfs_skip("page %zu of the folios was not swapped out", i);
	lfs_swap_drain_caches(drain);
	swap_use(&used1, &total);
	printf("# swap %lld of %lld kB in use after paging out %d + %d folios of %zuK\n",
	       used1, total, nballast, count, size >> 10);
	if (used1 * 2 <= total + (long long)len / 512)
		lfs_skip("swap %lld of %lld kB in use: not enough to stay more than half full",
			 used1, total);

	lfs_rng_seed(&rng, SEED);
	perm = calloc(count, sizeof(*perm));
	if (!perm)
		lfs_die_errno("calloc");
	for (int i = 0; i < count; i++)
		perm[i] = i;
	for (int i = count - 1; i > 0; i--) {
		size_t j = lfs_rng_below(&rng, i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}

	if (lfs_counters_snap(&before))
		lfs_die_errno("counters");
	for (int k = 0; k < count; k++) {
		size_t f = perm[k], i = f * (size / ps) + (f * 7) % (size / ps);

		if (lfs_check_page(p + i * ps, LFS_KIND_TEXT, SEED, i, 1) >= 0)
			lfs_check(false, "page %zu (folio %zu) differs after its swap-in", i, f);
	}
	if (lfs_counters_snap(&after) || lfs_counters_delta(&before, &after, &d))
		lfs_die_errno("counters");
	lfs_swap_drain_caches(drain);
	swap_use(&used2, &total);
	if (verbose)
		lfs_delta_print(stdout, &d, "# ");
	printf("# %zukB swpin %lld, swpin_fallback %lld, pswpin %lld; swap in use %lld -> %lld of %lld kB\n",
	       size >> 10, lfs_delta_size_stat(&d, size, "swpin"),
	       lfs_delta_size_stat(&d, size, "swpin_fallback"),
	       lfs_delta_get(&d, "pswpin"), used1, used2, total);

	v = lfs_delta_size_stat(&d, size, "swpin");
	lfs_check(v == count, "%zukB.swpin = %lld, expected %d (each range read whole)",
		  size >> 10, v, count);
	v = lfs_delta_size_stat(&d, size, "swpin_fallback");
	lfs_check(v == 0, "%zukB.swpin_fallback = %lld, expected 0", size >> 10, v);
	expect = (long long)len / ps;
	v = lfs_delta_get(&d, "pswpin");
	lfs_check(v == expect, "pswpin = %lld, expected %lld", v, expect);
	lfs_check(used1 - used2 == (long long)len / 1024,
		  "swap in use fell by %lld kB, expected %zu (every range freed whole)",
		  used1 - used2, len / 1024);
	lfs_check(used2 * 2 > total,
		  "swap %lld of %lld kB in use at the end: no longer more than half full",
		  used2, total);

	bad = check_pages(p, len, SEED, "folio");
	lfs_check(!bad, "%ld pages of the folios differ", bad);
	bad = check_pages(b, blen, BALLAST_SEED, "ballast");
	lfs_check(!bad, "%ld pages of the ballast differ", bad);

	free(perm);
	lfs_delta_free(&d);
	lfs_snap_free(&before);
	lfs_snap_free(&after);
	if (lfs_check_failures())
		lfs_fail("%d check(s) failed", lfs_check_failures());
	lfs_pass();
}
