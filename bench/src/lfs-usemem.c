// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-usemem - a usemem-like memory pressure workload for the lfswap
 * benchmarks (after vm-scalability's usemem).
 *
 * N processes each map SIZE bytes of anonymous memory, write all of it
 * (sequentially or in a random page order) with content taken from a
 * data file, wait for each other, then read every page back in the same
 * kind of order and compare it with what was written.  Run it in a memcg
 * whose memory.max is below N * SIZE and the kernel has to swap the
 * memory out while it is written and in while it is read.
 *
 * The data file (a corpus of real programs' anonymous memory, see
 * bench/corpus/) is loaded by the parent before anything else and locked
 * (mlock), so its pages never compete with the working set; the children
 * share them copy-on-write without being charged for them when the
 * parent stays outside the measured memcg (--cgroup moves only the
 * children in).
 *
 * Prints a "key value" summary and, with --json, writes it as JSON:
 * elapsed, write/read phase times, MiB/s, user and system CPU time of
 * the children.  Exit 0 on success, 1 if a page read back differs,
 * 2 on usage or setup errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lfs.h"

#define PAGE	4096UL

static struct {
	int procs;
	size_t size;
	bool random;
	const char *data;
	size_t data_max;
	const char *cgroup;
	const char *json;
	uint64_t seed;
	int passes;
} opt = {
	.procs = 2,
	.size = 256UL << 20,
	.data = "corpus",
	.data_max = 16UL << 20,
	.seed = 1,
	.passes = 1,
};

/* Shared between the parent and the children. */
struct shared {
	pthread_barrier_t start, written, done;
	double t_start, t_written, t_done;
	long long bad_pages;
	char bad_msg[256];
};

static unsigned char *data;
static size_t data_len;

static void usage(int rc)
{
	printf("usage: lfs-usemem [options]\n"
	       "  --procs N        processes (default 2)\n"
	       "  --size SIZE      memory per process (default 256M)\n"
	       "  --pattern seq|rand  page order of writes and reads (default seq)\n"
	       "  --data FILE|random|zero  page content: pages of FILE (a corpus),\n"
	       "                   or the labelled extremes random bytes / all zero\n"
	       "  --data-max SIZE  use at most this much of FILE (default 16M)\n"
	       "  --cgroup DIR     move the children into this cgroup (v2 directory)\n"
	       "  --passes N       read-back passes (default 1)\n"
	       "  --seed N         random order seed (default 1)\n"
	       "  --json FILE      write the summary as JSON\n");
	exit(rc);
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "procs", 1, 0, 'n' }, { "size", 1, 0, 's' },
		{ "pattern", 1, 0, 'p' }, { "data", 1, 0, 'd' },
		{ "data-max", 1, 0, 'm' }, { "cgroup", 1, 0, 'c' },
		{ "passes", 1, 0, 'P' }, { "seed", 1, 0, 'S' },
		{ "json", 1, 0, 'j' }, { "help", 0, 0, 'h' }, { 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'n': opt.procs = atoi(optarg); break;
		case 's': opt.size = lfs_parse_size(optarg); break;
		case 'p':
			if (!strcmp(optarg, "seq"))
				opt.random = false;
			else if (!strcmp(optarg, "rand"))
				opt.random = true;
			else
				lfs_die("--pattern: seq or rand, not '%s'", optarg);
			break;
		case 'd': opt.data = optarg; break;
		case 'm': opt.data_max = lfs_parse_size(optarg); break;
		case 'c': opt.cgroup = optarg; break;
		case 'P': opt.passes = atoi(optarg); break;
		case 'S': opt.seed = strtoull(optarg, NULL, 0); break;
		case 'j': opt.json = optarg; break;
		case 'h': usage(0); break;
		default: usage(LFS_EXIT_ERROR);
		}
	}
	if (optind != argc)
		lfs_die("unexpected argument '%s'", argv[optind]);
	if (opt.procs < 1 || opt.procs > 256)
		lfs_die("--procs must be 1..256");
	if (!opt.size || opt.size % PAGE)
		lfs_die("--size must be a multiple of 4K");
	if (opt.passes < 1)
		lfs_die("--passes must be >= 1");
	if (!opt.data_max || opt.data_max % PAGE)
		lfs_die("--data-max must be a multiple of 4K");
}

/* The content source: data_len bytes (a multiple of PAGE) at data. */
static void load_data(void)
{
	struct stat st;
	size_t off = 0;
	int fd;

	data_len = opt.data_max;
	data = mmap(NULL, data_len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (data == MAP_FAILED)
		lfs_die_errno("mmap %zu bytes for the data", data_len);
	/* Never large folios: these pages are not under test. */
	madvise(data, data_len, MADV_NOHUGEPAGE);
	if (!strcmp(opt.data, "zero")) {
		memset(data, 0, data_len);
	} else if (!strcmp(opt.data, "random")) {
		struct lfs_rng r;

		lfs_rng_seed(&r, opt.seed ^ 0x5eed);
		for (size_t i = 0; i < data_len / 8; i++)
			((uint64_t *)data)[i] = lfs_rng_next(&r);
	} else {
		fd = open(opt.data, O_RDONLY);
		if (fd < 0)
			lfs_die_errno("open data file %s", opt.data);
		if (fstat(fd, &st))
			lfs_die_errno("stat %s", opt.data);
		if ((size_t)st.st_size < PAGE)
			lfs_die("data file %s is smaller than a page", opt.data);
		if ((size_t)st.st_size < data_len)
			data_len = st.st_size & ~(PAGE - 1);
		while (off < data_len) {
			ssize_t n = read(fd, data + off, data_len - off);

			if (n <= 0)
				lfs_die_errno("read %s", opt.data);
			off += n;
		}
		close(fd);
	}
	/* Fault every page in, then keep it resident. */
	for (size_t i = 0; i < data_len; i += PAGE)
		data[i] = data[i];
	if (mlock(data, data_len))
		lfs_warn("mlock of the data failed (%s); it may be swapped too",
			 strerror(errno));
}

/* Data page used for page i of process p. */
static const unsigned char *src_page(int p, size_t i)
{
	size_t npages = data_len / PAGE;

	return data + ((i * 7 + (size_t)p * 131) % npages) * PAGE;
}

static void make_order(uint32_t *order, size_t n, uint64_t seed)
{
	struct lfs_rng r;

	for (size_t i = 0; i < n; i++)
		order[i] = i;
	if (!opt.random)
		return;
	lfs_rng_seed(&r, seed);
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = lfs_rng_below(&r, i + 1);
		uint32_t t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
}

static void child(int p, struct shared *sh)
{
	size_t npages = opt.size / PAGE;
	uint32_t *order;
	unsigned char *mem;

	order = malloc(npages * sizeof(*order));
	if (!order)
		lfs_die("out of memory for the page order");
	make_order(order, npages, opt.seed + p);
	mem = lfs_mmap_aligned(opt.size, 2UL << 20, false);
	if (!mem)
		lfs_die_errno("mmap %zu bytes", opt.size);

	pthread_barrier_wait(&sh->start);
	for (size_t k = 0; k < npages; k++) {
		size_t i = order[k];

		memcpy(mem + i * PAGE, src_page(p, i), PAGE);
	}
	pthread_barrier_wait(&sh->written);
	for (int pass = 0; pass < opt.passes; pass++) {
		if (pass)
			make_order(order, npages, opt.seed + p + pass * 1000);
		for (size_t k = 0; k < npages; k++) {
			size_t i = order[k];

			if (memcmp(mem + i * PAGE, src_page(p, i), PAGE) &&
			    __atomic_fetch_add(&sh->bad_pages, 1, __ATOMIC_RELAXED) == 0)
				snprintf(sh->bad_msg, sizeof(sh->bad_msg),
					 "process %d page %zu (offset %#zx) differs from what was written",
					 p, i, i * PAGE);
		}
	}
	pthread_barrier_wait(&sh->done);
	munmap(mem, opt.size);
	_exit(0);
}

static double tv(struct timeval t)
{
	return t.tv_sec + t.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	pthread_barrierattr_t ba;
	struct shared *sh;
	struct rusage ru;
	double total_mib, wr_s, rd_s, el_s;
	struct lfs_cg cg = { 0 };
	int status, failed = 0;
	FILE *j;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lfs_init("lfs-usemem");
	parse_args(argc, argv);
	load_data();

	if (opt.cgroup) {
		if (strlen(opt.cgroup) >= sizeof(cg.path))
			lfs_die("--cgroup path too long");
		strcpy(cg.path, opt.cgroup);
		if (access(cg.path, F_OK))
			lfs_die_errno("cgroup %s", cg.path);
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		lfs_die_errno("mmap shared");
	memset(sh, 0, sizeof(*sh));
	pthread_barrierattr_init(&ba);
	pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
	pthread_barrier_init(&sh->start, &ba, opt.procs + 1);
	pthread_barrier_init(&sh->written, &ba, opt.procs + 1);
	pthread_barrier_init(&sh->done, &ba, opt.procs + 1);

	for (int p = 0; p < opt.procs; p++) {
		pid_t pid = fork();

		if (pid < 0)
			lfs_die_errno("fork");
		if (!pid) {
			if (opt.cgroup && lfs_cg_attach(&cg, getpid()))
				lfs_die_errno("joining cgroup %s", cg.path);
			child(p, sh);
		}
		lfs_child_register(pid);
	}
	pthread_barrier_wait(&sh->start);
	sh->t_start = lfs_now();
	pthread_barrier_wait(&sh->written);
	sh->t_written = lfs_now();
	pthread_barrier_wait(&sh->done);
	sh->t_done = lfs_now();
	for (int p = 0; p < opt.procs; p++) {
		pid_t pid = wait(&status);

		if (pid < 0)
			lfs_die_errno("wait");
		lfs_child_unregister(pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}
	getrusage(RUSAGE_CHILDREN, &ru);

	total_mib = (double)opt.procs * opt.size / (1 << 20);
	wr_s = sh->t_written - sh->t_start;
	rd_s = sh->t_done - sh->t_written;
	el_s = sh->t_done - sh->t_start;
	printf("procs %d\nsize_mib %.0f\npattern %s\ndata %s\ndata_mib %.1f\n",
	       opt.procs, (double)opt.size / (1 << 20), opt.random ? "rand" : "seq",
	       opt.data, (double)data_len / (1 << 20));
	printf("elapsed_s %.3f\nwrite_s %.3f\nread_s %.3f\n", el_s, wr_s, rd_s);
	printf("write_mibs %.1f\nread_mibs %.1f\nthroughput_mibs %.1f\n",
	       total_mib / wr_s, total_mib * opt.passes / rd_s,
	       total_mib * (1 + opt.passes) / el_s);
	printf("user_s %.3f\nsys_s %.3f\nbad_pages %lld\n",
	       tv(ru.ru_utime), tv(ru.ru_stime), sh->bad_pages);
	if (opt.json) {
		j = fopen(opt.json, "w");
		if (!j)
			lfs_die_errno("open %s", opt.json);
		fprintf(j, "{\"procs\": %d, \"size_mib\": %.0f, \"pattern\": \"%s\", "
			"\"data_mib\": %.1f, \"passes\": %d,\n"
			" \"elapsed_s\": %.3f, \"write_s\": %.3f, \"read_s\": %.3f,\n"
			" \"write_mibs\": %.2f, \"read_mibs\": %.2f, \"throughput_mibs\": %.2f,\n"
			" \"user_s\": %.3f, \"sys_s\": %.3f, \"bad_pages\": %lld}\n",
			opt.procs, (double)opt.size / (1 << 20), opt.random ? "rand" : "seq",
			(double)data_len / (1 << 20), opt.passes, el_s, wr_s, rd_s,
			total_mib / wr_s, total_mib * opt.passes / rd_s,
			total_mib * (1 + opt.passes) / el_s,
			tv(ru.ru_utime), tv(ru.ru_stime), sh->bad_pages);
		fclose(j);
	}
	if (failed)
		lfs_die("%d of %d processes failed", failed, opt.procs);
	if (sh->bad_pages)
		lfs_fail("%lld pages read back wrong; first: %s", sh->bad_pages, sh->bad_msg);
	lfs_pass();
}
