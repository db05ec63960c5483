// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-memdump - copy the anonymous memory of a running process to a file.
 *
 *   lfs-memdump [--max SIZE] [--raw] PID OUT
 *
 * Used by bench/corpus/capture.sh to build a corpus of realistic page
 * content.  Anonymous mappings are the lines of /proc/PID/maps with no
 * backing file (inode 0): no path, [heap] or [stack] (and named
 * anonymous [anon:...] ones); [vvar], [vdso], [vsyscall] and every
 * file-backed, shared or unreadable mapping are skipped.  Memory is read
 * through /proc/PID/mem with pread(), no ptrace attach.
 *
 * Default (block) mode: what is copied is every 64 KiB virtually aligned
 * block lying wholly inside an anonymous mapping that has at least one
 * page resident or swapped (from /proc/PID/pagemap); its never-touched
 * pages read as zero, as they would be in a 64K mTHP folio.  Blocks keep
 * their virtual alignment in OUT (OUT offset % 64K == address % 64K), so
 * a 16K/64K unit of the file is a real 16K/64K piece of the address
 * space.  Pages of a mapping outside such blocks (mapping edges not 64K
 * aligned) are left out.  If the blocks add up to more than --max, an
 * evenly spread subset of them is taken, so the whole address space is
 * represented rather than its first --max bytes.  A block with an
 * unreadable page is skipped (counted and reported).
 *
 * --raw: copy every anonymous readable mapping whole, in address order,
 * up to --max bytes (never-touched pages read as zero; unreadable pages
 * are skipped).
 *
 * Prints one line on stdout:
 *   "PID comm: N bytes anonymous (Z zero pages, W mappings)"
 * where Z counts all-zero 4 KiB pages of OUT and W the mappings that
 * contributed; details (sampling, skipped pages) go to stderr.
 *
 * Stop the process first (kill -STOP) so the copy is consistent.
 * Permissions: /proc/PID/mem and /proc/PID/pagemap need ptrace access
 * (PTRACE_MODE_ATTACH / READ): root (CAP_SYS_PTRACE) always has it; a
 * normal user has it for processes of the same uid only with
 * kernel.yama.ptrace_scope = 0 (scope 1 allows only descendants of the
 * reader, and the dumped program is not a child of lfs-memdump).
 * Without pagemap access the block mode takes every block as resident.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lfs.h"

#define BLOCK		(64UL << 10)
#define PAGE		4096UL
#define PAGES_PER_BLOCK	(BLOCK / PAGE)

static const char *prog = "lfs-memdump";

struct mapping {
	uint64_t start, end;
	bool used;
};

struct block {
	uint64_t addr;
	int map;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: %s [--max SIZE] [--raw] PID OUT\n"
"\n"
"Copy the anonymous memory (heap, stack, anonymous mmaps) of process PID\n"
"into OUT through /proc/PID/mem.  Stop the process first (kill -STOP).\n"
"\n"
"  --max SIZE   write at most SIZE bytes (default 32M); in block mode an\n"
"               evenly spread subset of the resident 64K blocks is taken\n"
"  --raw        copy whole mappings in address order instead of resident,\n"
"               64K-aligned blocks\n"
"\n"
"Needs ptrace access to PID: root, or same uid with\n"
"kernel.yama.ptrace_scope=0.\n",
		prog);
}

static void write_all(int fd, const void *buf, size_t len, const char *path)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			lfs_die("write %s: %s", path, strerror(errno));
		p += w;
		len -= w;
	}
}

static bool page_is_zero(const unsigned char *p)
{
	const uint64_t *w = (const uint64_t *)p;
	size_t i;

	for (i = 0; i < PAGE / sizeof(*w); i++)
		if (w[i])
			return false;
	return true;
}

static long count_zero_pages(const unsigned char *buf, size_t len)
{
	long z = 0;
	size_t off;

	for (off = 0; off + PAGE <= len; off += PAGE)
		z += page_is_zero(buf + off);
	return z;
}

/* Full pread; returns bytes read (short on error). */
static size_t pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = pread(fd, (char *)buf + got, len - got, off + got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += r;
	}
	return got;
}

static bool is_anon(const char *perms, unsigned long long inode,
		    const char *path)
{
	if (perms[0] != 'r' || perms[3] != 'p' || inode)
		return false;
	if (!*path || !strcmp(path, "[heap]") || !strcmp(path, "[stack]") ||
	    !strncmp(path, "[anon:", 6))
		return true;
	/* [vvar], [vdso], [vsyscall], [uprobes], /dev/zero, memfd, ... */
	return false;
}

static int read_maps(pid_t pid, struct mapping **out)
{
	char path[64], line[4096];
	struct mapping *m = NULL;
	int n = 0, cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		lfs_die("cannot open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, off, inode;
		char perms[8], dev[16], name[4096] = "";
		int k;

		k = sscanf(line, "%llx-%llx %7s %llx %15s %llu %4095[^\n]", &start,
			   &end, perms, &off, dev, &inode, name);
		if (k < 6)
			continue;
		if (k == 7) {
			char *s = name;

			while (*s == ' ')
				s++;
			memmove(name, s, strlen(s) + 1);
		}
		if (!is_anon(perms, inode, name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			m = realloc(m, cap * sizeof(*m));
			if (!m)
				lfs_die("out of memory");
		}
		m[n].start = start;
		m[n].end = end;
		m[n].used = false;
		n++;
	}
	fclose(f);
	*out = m;
	return n;
}

static void read_comm(pid_t pid, char *comm, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	snprintf(comm, len, "?");
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(comm, len, f))
		comm[strcspn(comm, "\n")] = '\0';
	fclose(f);
}

static char proc_state(pid_t pid)
{
	char path[64], buf[1024], *p;
	char st = '?';
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return st;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && p[1] == ' ')
		st = p[2];
	fclose(f);
	return st;
}

/*
 * Collect the 64K blocks wholly inside anonymous mappings that have a
 * page present or swapped.  pm < 0: pagemap unavailable, take all.
 */
static size_t collect_blocks(int pm, struct mapping *m, int nm,
			     struct block **out, uint64_t *edge_pages)
{
	struct block *b = NULL;
	size_t n = 0, cap = 0;
	uint64_t *ent;
	int i;

	ent = malloc(PAGES_PER_BLOCK * 1024 * sizeof(*ent));
	if (!ent)
		lfs_die("out of memory");
	*edge_pages = 0;
	for (i = 0; i < nm; i++) {
		uint64_t first = (m[i].start + BLOCK - 1) & ~(BLOCK - 1);
		uint64_t last = m[i].end & ~(BLOCK - 1);
		uint64_t a, chunk = BLOCK * 1024;

		if (last <= first) {
			*edge_pages += (m[i].end - m[i].start) / PAGE;
			continue;
		}
		*edge_pages += (first - m[i].start + m[i].end - last) / PAGE;
		for (a = first; a < last; a += chunk) {
			uint64_t len = last - a < chunk ? last - a : chunk;
			size_t np = len / PAGE, got = 0, k;

			if (pm >= 0)
				got = pread_full(pm, ent, np * sizeof(*ent),
						 a / PAGE * sizeof(*ent)) / sizeof(*ent);
			for (k = 0; k < np; k += PAGES_PER_BLOCK) {
				bool keep = pm < 0;
				size_t j;

				for (j = k; !keep && j < k + PAGES_PER_BLOCK; j++)
					keep = j >= got ||
					       (ent[j] & (PM_PRESENT | PM_SWAP));
				if (!keep)
					continue;
				if (n == cap) {
					cap = cap ? cap * 2 : 1024;
					b = realloc(b, cap * sizeof(*b));
					if (!b)
						lfs_die("out of memory");
				}
				b[n].addr = a + k * PAGE;
				b[n].map = i;
				n++;
			}
		}
	}
	free(ent);
	*out = b;
	return n;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "max", required_argument, NULL, 'm' },
		{ "raw", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	size_t max = 32UL << 20, written = 0;
	unsigned char *buf;
	struct mapping *maps;
	char path[64], comm[64], *end;
	long zero_pages = 0, unreadable = 0;
	int opt, nm, mem, out, pm, i, used = 0;
	bool raw = false;
	const char *outpath;
	long pidl;
	pid_t pid;

	lfs_init(prog);

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			max = lfs_parse_size(optarg);
			if (!max)
				lfs_die("bad --max '%s'", optarg);
			break;
		case 'r':
			raw = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return LFS_EXIT_ERROR;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return LFS_EXIT_ERROR;
	}
	errno = 0;
	pidl = strtol(argv[optind], &end, 10);
	if (errno || *end || pidl <= 0 || pidl > 0x7fffffff)
		lfs_die("bad PID '%s'", argv[optind]);
	pid = (pid_t)pidl;
	outpath = argv[optind + 1];
	if (sysconf(_SC_PAGESIZE) != (long)PAGE)
		lfs_die("only 4 KiB base pages are supported");

	read_comm(pid, comm, sizeof(comm));
	nm = read_maps(pid, &maps);
	if (proc_state(pid) != 'T' && proc_state(pid) != 't')
		fprintf(stderr, "%s: warning: process %d (%s) is not stopped; the copy may be inconsistent\n",
			prog, pid, comm);

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	mem = open(path, O_RDONLY);
	if (mem < 0)
		lfs_die("cannot open %s: %s (need root, or same uid and kernel.yama.ptrace_scope=0)",
		    path, strerror(errno));
	out = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0)
		lfs_die("cannot create %s: %s", outpath, strerror(errno));
	buf = malloc(BLOCK);
	if (!buf)
		lfs_die("out of memory");

	if (raw) {
		for (i = 0; i < nm && written < max; i++) {
			uint64_t a;
			bool any = false;

			for (a = maps[i].start; a < maps[i].end && written < max;
			     a += PAGE) {
				if (pread_full(mem, buf, PAGE, a) != PAGE) {
					unreadable++;
					continue;
				}
				write_all(out, buf, PAGE, outpath);
				zero_pages += page_is_zero(buf);
				written += PAGE;
				any = true;
			}
			used += any;
		}
	} else {
		struct block *blocks;
		uint64_t edge, bi, keep, taken = 0;
		size_t nb;

		snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
		pm = open(path, O_RDONLY);
		if (pm < 0)
			fprintf(stderr, "%s: warning: cannot open %s (%s): taking every block as resident\n",
				prog, path, strerror(errno));
		nb = collect_blocks(pm, maps, nm, &blocks, &edge);
		keep = max / BLOCK;
		if (keep > nb)
			keep = nb;
		for (bi = 0; bi < nb; bi++) {
			/* Evenly spread: exactly keep of the nb blocks. */
			if ((bi + 1) * keep / nb == bi * keep / nb)
				continue;
			if (pread_full(mem, buf, BLOCK, blocks[bi].addr) != BLOCK) {
				size_t off;

				for (off = 0; off < BLOCK; off += PAGE)
					if (pread_full(mem, buf, PAGE,
						       blocks[bi].addr + off) != PAGE)
						unreadable++;
				continue;
			}
			write_all(out, buf, BLOCK, outpath);
			zero_pages += count_zero_pages(buf, BLOCK);
			written += BLOCK;
			taken++;
			maps[blocks[bi].map].used = true;
		}
		for (i = 0; i < nm; i++)
			used += maps[i].used;
		fprintf(stderr, "%s: %d: %" PRIu64 " of %zu resident 64K blocks (%.1f MiB) taken from %d anonymous mappings; %" PRIu64 " pages at unaligned mapping edges left out\n",
			prog, pid, taken, nb, nb * (double)BLOCK / (1 << 20), nm,
			edge);
		free(blocks);
		if (pm >= 0)
			close(pm);
	}
	if (unreadable)
		fprintf(stderr, "%s: warning: %ld unreadable pages skipped%s\n",
			prog, unreadable, raw ? "" : " (with their 64K blocks)");
	if (close(out))
		lfs_die("write %s: %s", outpath, strerror(errno));
	close(mem);
	free(buf);
	free(maps);
	if (!written)
		lfs_die("no anonymous memory read from process %d (%s)", pid, comm);

	printf("%d %s: %zu bytes anonymous (%ld zero pages, %d mappings)\n",
	       pid, comm, written, zero_pages, used);
	return 0;
}
