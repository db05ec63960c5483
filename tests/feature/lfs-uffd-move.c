// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-uffd-move - UFFDIO_MOVE of swapped-out memory whose range swap-in
 * has read into the swap cache as one large folio, not mapped yet.
 *
 *   lfs-uffd-move [--size SIZE] [--mem SIZE] [--cgroup NAME] [-v]
 *
 * Needs one swap device that swap-in reads through the swap cache (a disk,
 * not zram) and zswap off. In the memcg --cgroup (default lfs-uffd-move):
 *
 *  1. Fault in --mem (default 4M) of --size (default 64K) folios, with only
 *     that size enabled, MADV_PAGEOUT them and evict them from the swap
 *     cache (memory.reclaim): every page is a swap entry.
 *  2. MADV_WILLNEED the region and wait (mincore()) until every page is in
 *     the swap cache: swap-in reads each range as one large folio
 *     (<size>kB/stats/swpin rises by the number of folios), and no page
 *     table maps it yet.
 *  3. UFFDIO_MOVE the whole region to a second one, registered with a
 *     userfaultfd, in one call.
 *  4. Read every page of the destination and compare every byte; the
 *     source must be empty (reads as zeros: a fresh anonymous page). The
 *     folios moved with their entries stayed in the swap cache: nothing is
 *     read from the device again (pswpin does not move).
 *
 * UFFDIO_MOVE of a swap entry whose swap-cache folio is large returns
 * -EBUSY (a large folio in the swap cache cannot be split while unmapped),
 * which on 6.12 happens only while reclaim holds the folio. A large folio
 * that swap-in read and no page table maps yet has no rmap or index to
 * update: the entries move, and it stays in the swap cache for the fault
 * at the destination to map. Asserted: the move moved every byte (no
 * -EBUSY), the destination holds the data with no read from the device,
 * the source reads zeros.
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
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "../lib/lfs.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

/* Debian 12's linux-libc-dev (6.1) predates UFFDIO_MOVE (6.8) */
#ifndef UFFDIO_MOVE
#define UFFD_FEATURE_MOVE	(1 << 16)
#define _UFFDIO_MOVE		(0x05)
struct uffdio_move {
	__u64 dst;
	__u64 src;
	__u64 len;
	__u64 mode;
	__s64 move;
};
#define UFFDIO_MOVE		_IOWR(UFFDIO, _UFFDIO_MOVE, struct uffdio_move)
#endif

#define SEED		0x0ff1ce5eULL

static struct lfs_cg cg;

/* pages of [p, p + len) that mincore() reports resident (swap cache too) */
static size_t resident(void *p, size_t len)
{
	size_t ps = lfs_pagesize(), n = 0;
	unsigned char *vec = malloc(len / ps);

	if (!vec)
		lfs_die_errno("malloc");
	if (mincore(p, len, vec))
		lfs_die_errno("mincore");
	for (size_t i = 0; i < len / ps; i++)
		n += vec[i] & 1;
	free(vec);
	return n;
}

static void usage(void)
{
	fprintf(stderr, "usage: lfs-uffd-move [--size SIZE] [--mem SIZE] [--cgroup NAME] [-v]\n");
	exit(LFS_EXIT_ERROR);
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
	size_t ps, size = 64 << 10, len = 4 << 20, npages, nfolios, swapped = 0, res = 0;
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_MOVE };
	struct uffdio_register reg = { 0 };
	struct uffdio_move mv = { 0 };
	const char *cgname = "lfs-uffd-move";
	struct lfs_snap before, after, s3, s4;
	struct lfs_swapdev dev[2];
	long bad = 0, nonzero = 0;
	bool verbose = false;
	char name[64], *p, *q;
	struct lfs_delta d, d4;
	long long swpin, reread = -1;
	int c, uffd, rc, err;

	lfs_init("lfs-uffd-move");
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
	if (optind != argc || size < 4 * ps || len < size || len % size)
		usage();
	npages = len / ps;
	nfolios = len / size;
	if (lfs_swaps(dev, 2) != 1)
		lfs_die("need exactly one swap device");
	if (!lfs_thp_size_supported(size))
		lfs_skip("no mTHP size %zuK on this kernel", size >> 10);
	if (lfs_thp_only(size))
		lfs_die_errno("enable only %zuK", size >> 10);
	if (lfs_cg_create(&cg, cgname) || lfs_cg_enter(&cg))
		lfs_skip("no memory cgroup: %s", strerror(errno));
	if (lfs_pin_cpu())
		lfs_die_errno("sched_setaffinity");

	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		lfs_skip("no userfaultfd: %s", strerror(errno));
	if (ioctl(uffd, UFFDIO_API, &api))
		lfs_skip("no UFFD_FEATURE_MOVE: %s", strerror(errno));

	/* 1: fault in, swap out whole, evict from the swap cache */
	p = lfs_mmap_aligned(len, size, false);
	q = lfs_mmap_aligned(len, size, false);
	if (!p || !q)
		lfs_die_errno("mmap");
	for (size_t i = 0; i < npages; i++)
		lfs_fill_page(p + i * ps, LFS_KIND_TEXT, SEED, i, 0);
	if (madvise(p, len, MADV_PAGEOUT))
		lfs_die_errno("MADV_PAGEOUT");
	lfs_wait_writeback();
	lfs_cg_reclaim(&cg, len, 3);
	for (size_t i = 0; i < npages; i++)
		swapped += lfs_is_swapped(p + i * ps);
	printf("# phase 1: %zu of %zu pages swapped out, %zu in the swap cache\n",
	       swapped, npages, resident(p, len));
	if (swapped != npages || resident(p, len))
		lfs_skip("not every page swapped out and evicted (%zu of %zu)", swapped, npages);

	/* 2: read the region into the swap cache, not mapped */
	if (lfs_counters_snap(&before))
		lfs_die_errno("counters");
	if (madvise(p, len, MADV_WILLNEED))
		lfs_die_errno("MADV_WILLNEED");
	for (int t = 0; t < 1000 && (res = resident(p, len)) < npages; t++)
		usleep(10000);
	if (lfs_counters_snap(&after) || lfs_counters_delta(&before, &after, &d))
		lfs_die_errno("counters");
	snprintf(name, sizeof(name), "%zukB.swpin", size >> 10);
	swpin = lfs_delta_get(&d, name);
	if (verbose)
		lfs_delta_print(stdout, &d, "# phase 2: ");
	printf("# phase 2: MADV_WILLNEED: %zu of %zu pages in the swap cache, %s %lld of %zu\n",
	       res, npages, name, swpin, nfolios);
	if (!swpin)
		lfs_skip("MADV_WILLNEED read no %zuK folio (no large swap-in through the swap cache)",
			 size >> 10);

	/* 3: move it all */
	reg.range.start = (unsigned long)q;
	reg.range.len = len;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		lfs_die_errno("UFFDIO_REGISTER");
	mv.dst = (unsigned long)q;
	mv.src = (unsigned long)p;
	mv.len = len;
	rc = ioctl(uffd, UFFDIO_MOVE, &mv);
	err = rc ? errno : 0;
	printf("# phase 3: UFFDIO_MOVE of %zu bytes: %s, moved %lld\n", len,
	       rc ? strerror(err) : "ok", (long long)mv.move);

	/* 4: every byte where it went; nothing left behind */
	if (!rc) {
		for (size_t i = 0; i < npages; i++) {
			if (i == 0 && lfs_counters_snap(&s3))
				lfs_die_errno("counters");
			long off = lfs_check_page(q + i * ps, LFS_KIND_TEXT, SEED, i, 0);

			if (off >= 0 && bad++ < 4)
				printf("# page %zu differs at byte %ld\n", i, off);
		}
		if (lfs_counters_snap(&s4) || lfs_counters_delta(&s3, &s4, &d4))
			lfs_die_errno("counters");
		reread = lfs_delta_get(&d4, "pswpin");
		if (verbose)
			lfs_delta_print(stdout, &d4, "# phase 4: ");
		printf("# phase 4: destination read: pswpin %lld\n", reread);
		lfs_delta_free(&d4);
		lfs_snap_free(&s3);
		lfs_snap_free(&s4);
		for (size_t i = 0; i < len; i += sizeof(long))
			nonzero += *(long *)(p + i) != 0;
	}

	lfs_check(res == npages, "MADV_WILLNEED read every page into the swap cache (%zu of %zu)",
		  res, npages);
	lfs_check(swpin == (long long)nfolios, "as %zu %zuK folios (%s %lld)", nfolios,
		  size >> 10, name, swpin);
	lfs_check(rc == 0 && mv.move == (long long)len, "UFFDIO_MOVE moved all %zu bytes (%s, %lld)",
		  len, rc ? strerror(err) : "ok", (long long)mv.move);
	lfs_check(!rc && bad == 0, "every byte at the destination (%ld pages differ)", bad);
	lfs_check(!rc && nonzero == 0, "the source reads zeros (%ld words not)", nonzero);
	lfs_check(reread == 0, "the destination came from the swap cache (pswpin %lld)", reread);
	lfs_delta_free(&d);
	lfs_snap_free(&before);
	lfs_snap_free(&after);
	if (lfs_check_failures())
		lfs_fail("%d check(s) failed", lfs_check_failures());
	lfs_pass();
}
