// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-zswap-pool - what zswap's pool holds for a region of real memory.
 *
 * Maps SIZE of anonymous memory (2M-aligned, so that every mTHP size the
 * caller enabled fills it with whole folios), copies SIZE bytes of a data
 * file (a corpus of real programs' anonymous memory, bench/corpus/) into
 * it from OFFSET, pages all of it out with MADV_PAGEOUT, reads zswap's
 * debugfs counters, then reads the region back and compares every page
 * with the file. Reports, as "key value" lines:
 *   stored_pages, pool_total_size, unit_stored, unit_stored_bytes,
 *   unit_stored_poor, reject_compress_poor, ... : debugfs deltas over the
 *     MADV_PAGEOUT (unit_* are 0 or missing (-1) without multi-page units)
 *   pageout_sys_us: system CPU time of the MADV_PAGEOUT, in which this
 *     task compresses every page (reclaim runs in its context)
 *   read_sys_us, read_majflt: system CPU time and major faults of reading
 *     the region back, in which this task decompresses
 *   read: seq (in order: the kernel swaps ranges in whole where it would)
 *     or random (--read random: MADV_NOHUGEPAGE first, so that every page
 *     comes back alone, at order 0, in a fixed pseudo-random order: from a
 *     multi-page unit, each such read decompresses the unit unless the
 *     CPU's copy of it is the last one decompressed)
 *   unit_loaded_whole, unit_loaded_partial, unit_loaded_partial_bytes:
 *     debugfs deltas over the read
 *   bad_pages: pages that did not read back as written (must be 0)
 *
 *   lfs-zswap-pool --data FILE --size SIZE [--offset OFFSET] [--read seq|random]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lfs.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define PAGE 4096UL
#define ALIGN_2M (2UL << 20)

static const char *const counters[] = {
	"stored_pages", "pool_total_size", "unit_stored", "unit_stored_bytes",
	"unit_stored_poor", "reject_compress_poor", "reject_compress_fail",
	"reject_alloc_fail", "reject_kmemcache_fail", "pool_limit_hit",
	"unit_loaded_whole", "unit_loaded_whole_bytes", "unit_loaded_partial",
	"unit_loaded_partial_bytes", "decompress_fail",
};
#define NCOUNTERS (sizeof(counters) / sizeof(counters[0]))

static long long zswap_counter(const char *name)
{
	char path[256], buf[64];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/zswap/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = atoll(buf);
	fclose(f);
	return v;
}

static void snap(long long *v)
{
	for (size_t i = 0; i < NCOUNTERS; i++)
		v[i] = zswap_counter(counters[i]);
}

static long long sys_us(struct rusage *ru)
{
	return ru->ru_stime.tv_sec * 1000000LL + ru->ru_stime.tv_usec;
}

static void usage(int rc)
{
	printf("usage: lfs-zswap-pool --data FILE --size SIZE [--offset OFFSET] [--read seq|random]\n");
	exit(rc);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "data", 1, 0, 'd' }, { "size", 1, 0, 's' },
		{ "offset", 1, 0, 'o' }, { "read", 1, 0, 'r' },
		{ "help", 0, 0, 'h' }, { 0 }
	};
	const char *read_mode = "seq";
	size_t *order = NULL, npages, i, j, t;
	unsigned long long x = 88172645463325252ULL;
	const char *data = NULL;
	size_t size = 0, offset = 0, off;
	long long a[NCOUNTERS], b[NCOUNTERS], c[NCOUNTERS], bad = 0;
	struct rusage r0, r1, r2;
	unsigned char *src, *map, *reg;
	struct stat st;
	int fd, opt;

	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'd': data = optarg; break;
		case 's': size = lfs_parse_size(optarg); break;
		case 'o': offset = lfs_parse_size(optarg); break;
		case 'r': read_mode = optarg; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (!data || !size || size % PAGE || offset % PAGE)
		usage(2);
	if (strcmp(read_mode, "seq") && strcmp(read_mode, "random"))
		lfs_die("--read: seq or random, not '%s'", read_mode);
	npages = size / PAGE;
	order = malloc(npages * sizeof(*order));
	if (!order)
		lfs_die("malloc: %s", strerror(errno));
	for (i = 0; i < npages; i++)
		order[i] = i;
	/* a fixed permutation (Fisher-Yates on xorshift64): every run alike */
	for (i = npages - 1; i > 0 && !strcmp(read_mode, "random"); i--) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = x % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	fd = open(data, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		lfs_die("%s: %s", data, strerror(errno));
	if ((size_t)st.st_size < offset + size)
		lfs_die("%s holds %lld bytes, fewer than --offset + --size (%zu)",
			data, (long long)st.st_size, offset + size);
	src = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, offset);
	if (src == MAP_FAILED)
		lfs_die("mmap %s: %s", data, strerror(errno));
	map = mmap(NULL, size + ALIGN_2M, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		lfs_die("mmap: %s", strerror(errno));
	reg = (unsigned char *)(((unsigned long)map + ALIGN_2M - 1) & ~(ALIGN_2M - 1));
	memcpy(reg, src, size);
	/* the data file's page cache is not what is measured: lock it */
	if (mlock(src, size))
		lfs_die("mlock: %s", strerror(errno));

	snap(a);
	getrusage(RUSAGE_SELF, &r0);
	if (madvise(reg, size, MADV_PAGEOUT))
		lfs_die("MADV_PAGEOUT: %s", strerror(errno));
	/* order 0 only, for every fault of the read */
	if (!strcmp(read_mode, "random") && madvise(reg, size, MADV_NOHUGEPAGE))
		lfs_die("MADV_NOHUGEPAGE: %s", strerror(errno));
	getrusage(RUSAGE_SELF, &r1);
	snap(b);
	for (i = 0; i < npages; i++) {
		off = order[i] * PAGE;
		if (memcmp(reg + off, src + off, PAGE))
			bad++;
	}
	getrusage(RUSAGE_SELF, &r2);
	snap(c);

	for (size_t i = 0; i < NCOUNTERS; i++) {
		/* loads are counted over the read, the rest over the pageout */
		int load = !strncmp(counters[i], "unit_loaded", 11) ||
			   !strcmp(counters[i], "decompress_fail");
		long long x = load ? c[i] - b[i] : b[i] - a[i];

		printf("%s %lld\n", counters[i], a[i] < 0 ? -1 : x);
	}
	printf("pageout_sys_us %lld\n", sys_us(&r1) - sys_us(&r0));
	printf("read_sys_us %lld\n", sys_us(&r2) - sys_us(&r1));
	printf("read_majflt %ld\n", r2.ru_majflt - r1.ru_majflt);
	printf("pages %zu\n", npages);
	printf("read %s\n", read_mode);
	printf("bad_pages %lld\n", bad);
	return bad ? 1 : 0;
}
