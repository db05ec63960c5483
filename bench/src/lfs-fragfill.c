// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-fragfill - fragment a swap device and keep it fragmented, for the
 * bench-frag "usemem" mode (a workload on a fragmented device).
 *
 *   lfs-fragfill --mem SIZE --size SIZE --ready FILE
 *
 * Faults in --mem of anonymous memory (in folios of --size, when the
 * caller enabled only that mTHP size), writes every page, MADV_PAGEOUTs
 * all of it, waits for the writes, then MADV_DONTNEEDs every other
 * --size chunk: the swap device is left with free holes of --size, none
 * of them part of a free, aligned range of twice that size. Then writes
 * "swapped KB" to FILE and sleeps until it is killed, holding the rest.
 *
 * Exit 2 on usage or setup errors; it never exits on its own otherwise.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>

#include "lfs.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

static void usage(void)
{
	fprintf(stderr, "usage: lfs-fragfill --mem SIZE --size SIZE --ready FILE\n");
	exit(LFS_EXIT_ERROR);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mem", required_argument, NULL, 'm' },
		{ "size", required_argument, NULL, 's' },
		{ "ready", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	size_t ps, len = 0, size = 0;
	const char *ready = NULL;
	long swapped = 0;
	FILE *f;
	char *p;
	int c;

	lfs_init("lfs-fragfill");
	ps = lfs_pagesize();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			len = lfs_parse_size(optarg);
			break;
		case 's':
			size = lfs_parse_size(optarg);
			break;
		case 'r':
			ready = optarg;
			break;
		default:
			usage();
		}
	}
	if (!len || !size || size % ps || len % (2 * size) || !ready || optind != argc)
		usage();
	p = lfs_mmap_aligned(len, 2 * size, false);
	if (!p)
		lfs_die_errno("mmap %zu bytes", len);
	for (size_t i = 0; i < len / ps; i++)
		lfs_fill_page(p + i * ps, LFS_KIND_TEXT, 0xf7a9f111ULL, i, 0);
	if (madvise(p, len, MADV_PAGEOUT))
		lfs_die_errno("MADV_PAGEOUT");
	lfs_wait_writeback();
	for (size_t off = size; off < len; off += 2 * size)
		if (madvise(p + off, size, MADV_DONTNEED))
			lfs_die_errno("MADV_DONTNEED");
	for (size_t off = 0; off < len; off += ps)
		swapped += lfs_is_swapped(p + off);
	f = fopen(ready, "w");
	if (!f || fprintf(f, "swapped_kb %ld\n", swapped * (long)(ps >> 10)) < 0 || fclose(f))
		lfs_die_errno("write %s", ready);
	for (;;)
		pause();
}
