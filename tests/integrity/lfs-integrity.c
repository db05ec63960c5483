// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-integrity - data integrity test for large anonymous folio swap.
 *
 * Faults in an anonymous region with one mTHP size enabled, fills it
 * with deterministic content, swaps it out (MADV_PAGEOUT, MADV_COLD +
 * memcg reclaim, memcg reclaim, memory.max, or MADV_PAGEOUT followed by
 * zswap shrinker writeback), swaps it back in through one of several
 * paths (sequential/random reads, partial touches, fork + COW,
 * MADV_DONTNEED, munmap, concurrent threads, swapoff) and verifies every
 * byte.  Counter deltas (/proc/vmstat, mTHP stats, memcg, zswap debugfs)
 * are reported per phase and can be checked with --expect* and
 * --require.  The zswap pool limit and the memcg's memory.zswap.max and
 * memory.zswap.writeback can be set for the run.
 *
 * --stress runs several workers doing random sequences of the above on
 * random regions (plus mremap), optionally while swap devices are
 * cycled with swapoff/swapon.
 *
 * Works on an unpatched kernel too: it checks data, and only the
 * --expect* options encode what a given kernel is supposed to do.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <fcntl.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/swap.h>
#include <sys/wait.h>

#include "lfs.h"

#ifndef MADV_COLD
#define MADV_COLD	20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

enum out_mode {
	OUT_PAGEOUT, OUT_COLD, OUT_RECLAIM, OUT_LIMIT, OUT_WRITEBACK, NR_OUT
};
enum in_mode {
	IN_SEQ, IN_RANDOM, IN_PARTIAL, IN_FORKCOW, IN_FORKSEQ, IN_DONTNEED, IN_MUNMAP,
	IN_THREADS, IN_SWAPOFF, IN_SWAPOFF_RACE, IN_WILLNEED, IN_SPARSE, IN_NONE,
	IN_FORKOOM, IN_KSM, IN_KSM_SWAPOFF, IN_FORKWILLNEED, IN_WILLNEEDDONTNEED,
	IN_WILLNEEDSWAPOFF, NR_IN
};

static const char * const out_names[NR_OUT] = {
	"pageout", "cold", "reclaim", "limit", "writeback",
};
static const char * const in_names[NR_IN] = {
	"seq", "random", "partial", "fork-cow", "fork-seq", "dontneed", "munmap",
	"threads", "swapoff", "swapoff-race", "willneed", "sparse", "none",
	"fork-oom", "ksm", "ksm-swapoff", "fork-willneed", "willneed-dontneed",
	"willneed-swapoff",
};

enum expect_op { EXP_EQ, EXP_MIN, EXP_MAX };

struct expect {
	enum expect_op op;
	char name[LFS_COUNTER_NAME + 16];
	char expr[64];
};

#define MAX_EXPECT	64
#define MAX_REQUIRE	16

static struct {
	size_t size;
	size_t mem;
	int kind;
	bool kind_given;
	int out;
	int in;
	int threads;
	int iterations;
	uint64_t seed;
	bool no_thp_setup;
	const char *cgroup;
	const char *json;
	int stress;
	double time;
	bool swap_cycle;
	bool quiet;
	bool allow_noswap;
	long corrupt;
	const char *between;		/* program run between out and in */
	bool ksm;			/* prctl(PR_SET_MEMORY_MERGE) */
	bool sigbus;			/* swap-in may raise SIGBUS */
	bool fail_out;			/* make-it-fail during the out phase */
	bool lockstep;			/* --in threads: a barrier per folio */
	struct expect expect[MAX_EXPECT];
	int nr_expect;
	char *require[MAX_REQUIRE];	/* counters that must exist */
	int nr_require;
	long long zswap_max;		/* memory.zswap.max: -2 unset, -1 max */
	int zswap_writeback;		/* memory.zswap.writeback: -1 unset */
	int pool_percent;		/* zswap max_pool_percent: -1 unset */
	size_t out_stride;		/* --out pageout: every Nth folio */
} opt = {
	.size = 64 << 10,
	.mem = 64 << 20,
	.kind = LFS_KIND_MIXED,
	.out = OUT_PAGEOUT,
	.in = IN_SEQ,
	.threads = 4,
	.iterations = 1,
	.seed = 1,
	.time = 10,
	.zswap_max = -2,
	.out_stride = 1,
	.zswap_writeback = -1,
	.pool_percent = -1,
};

static size_t ps;	/* base page size */

static bool in_ksm_mode(void)
{
	return opt.in == IN_KSM || opt.in == IN_KSM_SWAPOFF;
}

/* ------------------------------------------------------------------ */
/* Result bookkeeping (JSON + exit)                                   */
/* ------------------------------------------------------------------ */

enum phase { PH_FAULT, PH_OUT, PH_IN, PH_VERIFY, NR_PHASES };
static const char * const phase_names[NR_PHASES] = {
	"fault", "out", "in", "verify",
};

static struct {
	struct lfs_delta phase[NR_PHASES];	/* summed over iterations */
	struct lfs_delta total;
	bool have_total;
	struct lfs_scan scan_fault, scan_out, scan_in, scan_final;
	bool have_scan;
	long swapped_pages;
	long mismatched_pages;
	long sigbus_pages;		/* --sigbus: pages that raised SIGBUS */
	long sigbus_large;		/* ... whole swapped-out folios among them */
	long ksm_merged;		/* --in ksm: KSM pages mapped, all copies */
	long ksm_swapped;		/* ... swap entries after swap-out */
	long ksm_runs;			/* ... whole ranges in the first read */
	long ksm_large;			/* ... large folios it mapped */
	unsigned long long bytes_verified;
	char expect_fail[512];
	/* stress mode */
	long stress_ops[16];
	long stress_regions, stress_failed;
	long swap_cycles, swapoff_failed;
} res;

#define NR_STRESS_OPS	12
static const char * const stress_op_names[NR_STRESS_OPS] = {
	"pageout", "cold", "reclaim", "seq", "random", "partial", "fork-cow",
	"dontneed", "munmap", "threads", "mremap", "rewrite",
};

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_delta(FILE *f, const struct lfs_delta *d)
{
	bool first = true;

	fputc('{', f);
	for (int i = 0; i < d->n; i++) {
		if (!d->v[i].val)
			continue;
		fprintf(f, "%s", first ? "" : ",");
		json_str(f, d->v[i].name);
		fprintf(f, ":%lld", d->v[i].val);
		first = false;
	}
	fputc('}', f);
}

static void json_scan(FILE *f, const struct lfs_scan *sc)
{
	fprintf(f, "{\"pages\":%ld,\"present\":%ld,\"swapped\":%ld,"
		"\"none\":%ld,\"zero\":%ld,\"folios\":%ld,\"large\":%ld,"
		"\"partial\":%ld,\"orders\":{", sc->pages, sc->present,
		sc->swapped, sc->none, sc->zero, sc->folios, sc->large,
		sc->partial);
	for (int o = 0, first = 1; o < LFS_NR_ORDERS; o++) {
		if (!sc->hist[o])
			continue;
		fprintf(f, "%s\"%d\":%ld", first ? "" : ",", o, sc->hist[o]);
		first = 0;
	}
	fprintf(f, "}}");
}

static void write_json(const char *verdict, const char *reason)
{
	char buf[32];
	FILE *f;

	if (!opt.json || !lfs_is_main_process())
		return;
	f = fopen(opt.json, "w");
	if (!f) {
		lfs_warn("cannot write %s: %s", opt.json, strerror(errno));
		return;
	}
	fprintf(f, "{\"test\":\"lfs-integrity\",\"params\":{");
	fprintf(f, "\"size\":\"%s\",", lfs_size_str(opt.size, buf));
	fprintf(f, "\"mem\":\"%s\",", lfs_size_str(opt.mem, buf));
	fprintf(f, "\"kind\":\"%s\",\"out\":\"%s\",\"in\":\"%s\",",
		lfs_kind_name(opt.kind), out_names[opt.out], in_names[opt.in]);
	fprintf(f, "\"threads\":%d,\"iterations\":%d,\"seed\":%llu,",
		opt.threads, opt.iterations, (unsigned long long)opt.seed);
	fprintf(f, "\"stress\":%d,\"time\":%g,\"swap_cycle\":%s},",
		opt.stress, opt.time, opt.swap_cycle ? "true" : "false");
	fprintf(f, "\"verdict\":");
	json_str(f, verdict);
	fprintf(f, ",\"reason\":");
	json_str(f, reason);
	fprintf(f, ",\"swapped_pages\":%ld,\"mismatched_pages\":%ld,"
		"\"bytes_verified\":%llu", res.swapped_pages,
		res.mismatched_pages, res.bytes_verified);
	if (in_ksm_mode())
		fprintf(f, ",\"ksm\":{\"merged\":%ld,\"swapped\":%ld,"
			"\"runs\":%ld,\"large\":%ld}", res.ksm_merged,
			res.ksm_swapped, res.ksm_runs, res.ksm_large);
	fprintf(f, ",\"deltas\":{");
	for (int p = 0; p < NR_PHASES; p++) {
		fprintf(f, "\"%s\":", phase_names[p]);
		json_delta(f, &res.phase[p]);
		fprintf(f, ",");
	}
	fprintf(f, "\"total\":");
	json_delta(f, &res.total);
	fprintf(f, "}");
	if (opt.stress) {
		fprintf(f, ",\"stress\":{\"regions\":%ld,\"workers_failed\":%ld,"
			"\"swapoff_cycles\":%ld,\"swapoff_failed\":%ld,\"ops\":{",
			res.stress_regions, res.stress_failed, res.swap_cycles,
			res.swapoff_failed);
		for (int o = 0; o < NR_STRESS_OPS; o++)
			fprintf(f, "%s\"%s\":%ld", o ? "," : "",
				stress_op_names[o], res.stress_ops[o]);
		fprintf(f, "}}");
	}
	if (res.have_scan) {
		fprintf(f, ",\"histograms\":{\"fault\":");
		json_scan(f, &res.scan_fault);
		fprintf(f, ",\"out\":");
		json_scan(f, &res.scan_out);
		fprintf(f, ",\"in\":");
		json_scan(f, &res.scan_in);
		fprintf(f, ",\"final\":");
		json_scan(f, &res.scan_final);
		fprintf(f, "}");
	}
	fprintf(f, "}\n");
	fclose(f);
}

/* Write the JSON report, print RESULT and exit with code. */
static void LFS_PRINTF(2, 3) LFS_NORETURN finish(int code, const char *fmt, ...)
{
	char reason[512] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(reason, sizeof(reason), fmt, ap);
		va_end(ap);
	}
	switch (code) {
	case LFS_EXIT_PASS:
		write_json("pass", reason);
		lfs_pass();
	case LFS_EXIT_SKIP:
		write_json("skip", reason);
		lfs_skip("%s", reason);
	case LFS_EXIT_FAIL:
		write_json("fail", reason);
		lfs_fail("%s", reason);
	default:
		write_json("error", reason);
		lfs_die("%s", reason);
	}
}

#define say(...)	do { if (!opt.quiet) printf(__VA_ARGS__); } while (0)

/* ------------------------------------------------------------------ */
/* Region with per-page expected state                                */
/* ------------------------------------------------------------------ */

enum pstate {
	P_VALID,	/* content is lfs_fill_page(kind, seed, idx, gen[idx]) */
	P_ZERO,		/* dropped with MADV_DONTNEED: reads back zero */
	P_GONE,		/* unmapped: must not be touched */
	P_LOST,		/* --sigbus: swap-in raised SIGBUS; not verified */
};

struct region {
	char *base;
	size_t len;
	size_t npages;
	size_t fpages;		/* pages per folio */
	size_t nfolios;
	int kind;
	uint64_t seed;
	uint32_t *gen;
	uint8_t *state;
	const char *tag;	/* appended to MISMATCH lines ("" or " worker N") */
	const char *op;		/* current operation, for MISMATCH lines */
	unsigned long long *bytes_verified;
};

/* --in ksm: more mappings of the region's pages (see ksm_setup()) */
#define KSM_TWINS	3

static struct {
	char *base;
	size_t *perm;	/* page i holds the content of region page perm[i] */
} twins[KSM_TWINS];

static int mismatch_lines;	/* per process */
#define MAX_MISMATCH_LINES	10

static void region_init(struct region *r, size_t len, int kind, uint64_t seed,
			uint32_t gen)
{
	size_t align = opt.size;
	bool huge = opt.size == lfs_pmd_size() && opt.size > ps;

	memset(r, 0, sizeof(*r));
	r->len = len;
	r->npages = len / ps;
	r->fpages = opt.size / ps;
	r->nfolios = len / opt.size;
	r->kind = kind;
	r->seed = seed;
	r->tag = "";
	r->op = "";
	r->base = lfs_mmap_aligned(len, align, huge);
	r->gen = malloc(r->npages * sizeof(*r->gen));
	r->state = calloc(r->npages, 1);
	if (!r->base || !r->gen || !r->state)
		lfs_die("cannot allocate a %zu byte region", len);
	for (size_t i = 0; i < r->npages; i++)
		r->gen[i] = gen;
}

static void region_free(struct region *r)
{
	munmap(r->base, r->len);
	free(r->gen);
	free(r->state);
	r->base = NULL;
}

static inline char *page_addr(const struct region *r, size_t i)
{
	return r->base + i * ps;
}

static void write_page(struct region *r, size_t i, uint32_t gen)
{
	lfs_fill_page(page_addr(r, i), r->kind, r->seed, i, gen);
	r->gen[i] = gen;
	r->state[i] = P_VALID;
}

/* Fill all pages in order: the first write of each folio faults it in. */
static void region_fill(struct region *r)
{
	for (size_t i = 0; i < r->npages; i++)
		write_page(r, i, r->gen[i]);
}

static long check_one(const struct region *r, size_t i)
{
	if (r->state[i] == P_ZERO)
		return lfs_check_page(page_addr(r, i), LFS_KIND_ZERO, 0, i, 0);
	return lfs_check_page(page_addr(r, i), r->kind, r->seed, i, r->gen[i]);
}

static void report_mismatch(const struct region *r, size_t i, long off)
{
	uint8_t want, got = ((uint8_t *)page_addr(r, i))[off];
	const char *kname;

	if (r->state[i] == P_ZERO) {
		want = 0;
		kname = "zero(dontneed)";
	} else {
		want = lfs_expected_byte(r->kind, r->seed, i, r->gen[i], off);
		kname = lfs_kind_name(lfs_page_kind(r->kind, i));
	}
	if (mismatch_lines++ >= MAX_MISMATCH_LINES)
		return;
	printf("MISMATCH page %zu offset %ld expected 0x%02x got 0x%02x kind %s"
	       " gen %u op %s%s\n", i, off, want, got, kname, r->gen[i],
	       r->op, r->tag);
}

/* Verify every page that is still mapped; returns the bad page count. */
static long region_verify(struct region *r)
{
	long bad = 0;

	for (size_t i = 0; i < r->npages; i++) {
		long off;

		if (r->state[i] == P_GONE || r->state[i] == P_LOST)
			continue;
		off = check_one(r, i);
		if (r->bytes_verified)
			*r->bytes_verified += ps;
		if (off < 0)
			continue;
		bad++;
		report_mismatch(r, i, off);
	}
	if (bad)
		fflush(stdout);
	return bad;
}

/* Read one word of a page, which is enough to fault it in. */
static inline void touch_read(const struct region *r, size_t i)
{
	(void)*(volatile const uint64_t *)page_addr(r, i);
}

/*
 * --sigbus: a swap-in whose read failed raises SIGBUS (the folio is not
 * uptodate). Touch page i with a handler that jumps back here; returns
 * true if it raised SIGBUS.
 */
static sigjmp_buf sigbus_jmp;

static void sigbus_handler(int sig)
{
	(void)sig;
	siglongjmp(sigbus_jmp, 1);
}

static bool touch_read_sigbus(const struct region *r, size_t i)
{
	struct sigaction sa = { .sa_handler = sigbus_handler }, old;
	bool hit = false;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	if (!sigsetjmp(sigbus_jmp, 1))
		touch_read(r, i);
	else
		hit = true;
	sigaction(SIGBUS, &old, NULL);
	return hit;
}

/* ------------------------------------------------------------------ */
/* Swap devices and zswap parameters (restored at exit)               */
/* ------------------------------------------------------------------ */

/* Swap devices we turned off, to turn back on at cleanup. */
#define MAX_SWAPS	16
static struct lfs_swapdev swaps_off[MAX_SWAPS];

static int do_swapon(const struct lfs_swapdev *d)
{
	int flags = 0;

	if (d->prio >= 0)
		flags = SWAP_FLAG_PREFER |
			((d->prio << SWAP_FLAG_PRIO_SHIFT) & SWAP_FLAG_PRIO_MASK);
	return swapon(d->path, flags);
}

/* Cleanup hook: signal-safe, only syscalls. */
static void swaps_restore(void)
{
	for (int i = 0; i < MAX_SWAPS; i++) {
		if (!swaps_off[i].path[0])
			continue;
		do_swapon(&swaps_off[i]);
		swaps_off[i].path[0] = '\0';
	}
}

static void swaps_restore_once(void)
{
	static bool added;

	if (!added)
		lfs_cleanup_add(swaps_restore);
	added = true;
}

#define ZSWAP_PARAMS	"/sys/module/zswap/parameters/"
#define ZSWAP_DEBUGFS	"/sys/kernel/debug/zswap/"

#define KSM_SYSFS	"/sys/kernel/mm/ksm/"

/* Kernel knobs a run may change (zswap, KSM), restored at exit */
enum {
	ZP_MAX_POOL_PERCENT, ZP_SHRINKER_ENABLED, ZP_KSM_RUN,
	ZP_KSM_PAGES_TO_SCAN, ZP_KSM_SLEEP, NR_ZP
};

static struct {
	const char *path;
	const char *label;
	char old[32];
	size_t len;		/* of old; 0: nothing to restore */
} zparams[NR_ZP] = {
	{ .path = ZSWAP_PARAMS "max_pool_percent", .label = "zswap" },
	{ .path = ZSWAP_PARAMS "shrinker_enabled", .label = "zswap" },
	{ .path = KSM_SYSFS "run", .label = "ksm" },
	{ .path = KSM_SYSFS "pages_to_scan", .label = "ksm" },
	{ .path = KSM_SYSFS "sleep_millisecs", .label = "ksm" },
};

/* Cleanup hook: signal-safe, only syscalls. */
static void zparams_restore(void)
{
	for (int i = 0; i < NR_ZP; i++) {
		int fd;

		if (!zparams[i].len)
			continue;
		fd = open(zparams[i].path, O_WRONLY);
		if (fd >= 0) {
			/* nothing better to do at exit if this fails */
			ssize_t w = write(fd, zparams[i].old, zparams[i].len);

			(void)w;
			close(fd);
		}
		zparams[i].len = 0;
	}
}

/* Set a zswap or KSM knob; the first old value is restored at exit. */
static void zparam_set(int p, const char *val)
{
	static bool added;
	ssize_t len;
	int fd;

	if (!zparams[p].len) {
		fd = open(zparams[p].path, O_RDONLY);
		if (fd < 0)
			finish(LFS_EXIT_ERROR, "cannot read %s: %s",
			       zparams[p].path, strerror(errno));
		len = read(fd, zparams[p].old, sizeof(zparams[p].old) - 1);
		close(fd);
		if (len <= 0)
			finish(LFS_EXIT_ERROR, "cannot read %s", zparams[p].path);
		zparams[p].old[len] = '\0';
		zparams[p].len = strcspn(zparams[p].old, "\n");
		if (!added)
			lfs_cleanup_add(zparams_restore);
		added = true;
	}
	fd = open(zparams[p].path, O_WRONLY);
	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		finish(LFS_EXIT_ERROR, "cannot write %s to %s: %s", val,
		       zparams[p].path, strerror(errno));
	close(fd);
	if (!opt.quiet)
		printf("%s: %s=%s (was %.*s)\n", zparams[p].label,
		       strrchr(zparams[p].path, '/') + 1, val,
		       (int)zparams[p].len, zparams[p].old);
}

/* One zswap debugfs counter, -1 if it cannot be read. */
static long long zswap_debugfs(const char *name)
{
	char path[128], buf[32];
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), ZSWAP_DEBUGFS "%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	return strtoll(buf, NULL, 10);
}

/* ------------------------------------------------------------------ */
/* Swap-out methods                                                   */
/* ------------------------------------------------------------------ */

/*
 * MADV_PAGEOUT of the region, or with --out-stride N of every Nth folio
 * only (the first, the N+1th, ...): the folios between stay resident, so
 * that every swapped-out range has a resident neighbour on each side.
 */
static void set_make_it_fail(int on);

static void out_pageout(struct region *r)
{
	size_t flen = r->fpages * ps;

	for (size_t f = 0; f < r->nfolios; f += opt.out_stride) {
		char *p = r->base + f * flen;
		size_t len = opt.out_stride == 1 ? r->len : flen;
		int ret, err;

		/*
		 * --fail-out: fault injection for the swap-out of this call
		 * only, not for the cgroup file accesses around it.
		 */
		if (opt.fail_out && opt.out == OUT_PAGEOUT)
			set_make_it_fail(1);
		ret = madvise(p, len, MADV_PAGEOUT);
		err = errno;
		if (opt.fail_out && opt.out == OUT_PAGEOUT)
			set_make_it_fail(0);
		/* ENOMEM only means that holes were skipped. */
		if (ret && err != ENOMEM) {
			errno = err;
			lfs_die_errno("madvise(MADV_PAGEOUT)");
		}
		if (opt.out_stride == 1)
			break;
	}
}

static void out_reclaim(struct region *r, const struct lfs_cg *cg)
{
	int ret = lfs_cg_reclaim(cg, r->len, 5);

	if (ret && ret != -EAGAIN) {
		errno = -ret;
		lfs_die_errno("memory.reclaim on %s", cg->path);
	}
}

static void out_cold(struct region *r, const struct lfs_cg *cg)
{
	if (madvise(r->base, r->len, MADV_COLD) && errno != ENOMEM)
		lfs_die_errno("madvise(MADV_COLD)");
	out_reclaim(r, cg);
}

/*
 * Shrinking memory.max below the usage makes the write itself reclaim.
 * The limit is lifted again before swap-in (limit_release()).
 */
static void out_limit(struct region *r, const struct lfs_cg *cg)
{
	int ret = lfs_cg_set_max(cg, r->len / 4);

	if (ret) {
		errno = -ret;
		lfs_die_errno("memory.max on %s", cg->path);
	}
}

static void limit_release(const struct lfs_cg *cg)
{
	int ret = lfs_cg_set_max(cg, 0);

	if (ret) {
		errno = -ret;
		lfs_die_errno("memory.max=max on %s", cg->path);
	}
}

/*
 * mlock every mapping of the process except the region (and its --in ksm
 * twins), so that reclaim in our memcg finds nothing but the region's
 * folios (heap, stack and libraries neither go to swap nor move the
 * counters).  Errors (special mappings) are ignored.  Undone with
 * munlockall().
 */
static void lock_all_but(const struct region *r)
{
	uintptr_t ex[KSM_TWINS + 1][2];
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");
	int nex = 0;

	if (!f)
		return;
	/* the ranges to leave alone, sorted by address */
	for (int k = -1; k < KSM_TWINS; k++) {
		uintptr_t b = (uintptr_t)(k < 0 ? r->base : twins[k].base);
		int j = nex++;

		if (!b) {
			nex--;
			continue;
		}
		for (; j > 0 && ex[j - 1][0] > b; j--) {
			ex[j][0] = ex[j - 1][0];
			ex[j][1] = ex[j - 1][1];
		}
		ex[j][0] = b;
		ex[j][1] = b + r->len;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e, cur;

		if (sscanf(line, "%lx-%lx", &s, &e) != 2)
			continue;
		cur = s;
		for (int j = 0; j < nex; j++) {
			if (ex[j][1] <= cur || ex[j][0] >= e)
				continue;
			if (ex[j][0] > cur)
				mlock((void *)cur, ex[j][0] - cur);
			cur = ex[j][1];
		}
		if (cur < e)
			mlock((void *)cur, e - cur);
	}
	fclose(f);
}

/*
 * After swap-out to an asynchronous device (virtio disk, swapfile) the
 * folios stay in the swap cache until their writeback ends and reclaim
 * comes back for them; a fault would find them there and never read the
 * device. So once writeback is done, reclaim them:
 * - in our memcg, by what its memory.stat says is swap cache, until none
 *   is left (up to 5 rounds), with the rest of the process mlocked:
 *   nothing else of ours goes to swap, so counter deltas stay exact
 *   (--out writeback, the zswap knobs, --cgroup);
 * - without one, the cgroup we are in (in the guest, the root one) by the
 *   region's size.
 * Nothing is reclaimed when there is no swap cache (zram, zswap).
 */
static void evict_swapcache(const struct region *r, const struct lfs_cg *cg)
{
	char line[512], path[600];
	long long before = lfs_meminfo_kb("SwapCached");
	long long cached = 0;
	int rounds = 0;
	FILE *f;

	lfs_wait_writeback();
	if (cg && cg->path[0]) {
		if (!lfs_cg_stat(cg, "swapcached", &cached) && cached > 0)
			lock_all_but(r);
		for (; rounds < 5; rounds++) {
			int ret;

			if (lfs_cg_stat(cg, "swapcached", &cached) || cached <= 0)
				break;
			ret = lfs_cg_reclaim(cg, cached < (long long)r->len ?
					     (size_t)cached : r->len, 1);
			if (ret && ret != -EAGAIN) {
				errno = -ret;
				lfs_die_errno("memory.reclaim on %s", cg->path);
			}
			lfs_wait_writeback();
		}
		munlockall();
		if (!opt.quiet)
			printf("evict-swapcache: SwapCached %lld kB -> %lld kB, "
			       "memcg swapcached %lld kB, %d rounds\n", before,
			       lfs_meminfo_kb("SwapCached"), cached >> 10, rounds);
		return;
	}
	if (lfs_meminfo_kb("SwapCached") == 0) {
		say("evict-swapcache: no swap cache\n");
		return;
	}
	f = fopen("/proc/self/cgroup", "r");
	if (!f)
		return;
	path[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.reclaim",
				 strcmp(line + 3, "/") ? line + 3 : "");
		}
	fclose(f);
	for (int i = 0; path[0] && i < 3; i++) {
		int fd = open(path, O_WRONLY);
		char buf[32];
		int len = snprintf(buf, sizeof(buf), "%zu", r->len);
		ssize_t w;

		if (fd < 0)
			break;
		w = write(fd, buf, len);
		close(fd);
		if (w == len)
			break;
	}
	lfs_wait_writeback();
	if (!opt.quiet)
		printf("evict-swapcache: SwapCached %lld kB -> %lld kB\n", before,
		       lfs_meminfo_kb("SwapCached"));
}

/*
 * MADV_PAGEOUT, then make the zswap shrinker write entries back to the
 * swap device: with shrinker_enabled=Y, memory.reclaim on the memcg
 * (which has nothing else on its LRUs: the rest of the process is
 * mlocked meanwhile) scans the zswap LRU down to priority 0.  Up to 10
 * rounds, until half of the region's pages were written back.  Needs
 * memory.zswap.writeback=1 (the default).
 */
static void out_writeback(struct region *r, const struct lfs_cg *cg)
{
	long long wb0 = zswap_debugfs("written_back_pages"), wb = wb0;
	long long stored;
	int i;

	out_pageout(r);
	lfs_wait_writeback();
	stored = zswap_debugfs("stored_pages");
	lock_all_but(r);
	zparam_set(ZP_SHRINKER_ENABLED, "Y");
	for (i = 1; i <= 10; i++) {
		int ret;

		/* --fail-out: fault injection for the writeback only */
		if (opt.fail_out)
			set_make_it_fail(1);
		ret = lfs_cg_reclaim(cg, r->len, 1);
		if (opt.fail_out)
			set_make_it_fail(0);
		if (ret && ret != -EAGAIN) {
			errno = -ret;
			lfs_die_errno("memory.reclaim on %s", cg->path);
		}
		wb = zswap_debugfs("written_back_pages");
		if (wb0 >= 0 && wb - wb0 >= (long long)r->npages / 2)
			break;
		if (wb0 < 0 && i == 3)
			break;	/* no debugfs: cannot tell, 3 rounds */
	}
	munlockall();
	if (!opt.quiet)
		printf("writeback: zswap stored_pages %lld -> %lld, "
		       "written_back_pages +%lld after %d memory.reclaim "
		       "rounds\n", stored, zswap_debugfs("stored_pages"),
		       wb - wb0, i > 10 ? 10 : i);
}

static void do_out(struct region *r, int mode, const struct lfs_cg *cg)
{
	switch (mode) {
	case OUT_PAGEOUT:
		out_pageout(r);
		break;
	case OUT_COLD:
		out_cold(r, cg);
		break;
	case OUT_RECLAIM:
		out_reclaim(r, cg);
		break;
	case OUT_LIMIT:
		out_limit(r, cg);
		break;
	case OUT_WRITEBACK:
		out_writeback(r, cg);
		break;
	}
	evict_swapcache(r, cg);
}

/* ------------------------------------------------------------------ */
/* Swap-in methods                                                    */
/* ------------------------------------------------------------------ */

static void in_seq(struct region *r)
{
	for (size_t i = 0; i < r->npages; i++) {
		if (r->state[i] == P_GONE || r->state[i] == P_LOST)
			continue;
		if (!opt.sigbus) {
			touch_read(r, i);
		} else if (touch_read_sigbus(r, i)) {
			r->state[i] = P_LOST;
			res.sigbus_pages++;
		}
	}
	/* folios every page of which raised SIGBUS */
	for (size_t f = 0; opt.sigbus && r->fpages > 1 && f < r->nfolios; f++) {
		size_t k;

		for (k = 0; k < r->fpages; k++)
			if (r->state[f * r->fpages + k] != P_LOST)
				break;
		if (k == r->fpages)
			res.sigbus_large++;
	}
}

/* 0..n-1 in random order (Fisher-Yates); the caller frees it */
static size_t *random_order(size_t n, struct lfs_rng *rng)
{
	size_t *perm = malloc(n * sizeof(*perm));

	if (!perm)
		lfs_die("out of memory");
	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = lfs_rng_below(rng, i), t = perm[i - 1];

		perm[i - 1] = perm[j];
		perm[j] = t;
	}
	return perm;
}

static void in_random(struct region *r, struct lfs_rng *rng)
{
	size_t *perm = random_order(r->npages, rng);

	for (size_t i = 0; i < r->npages; i++)
		if (r->state[perm[i]] != P_GONE)
			touch_read(r, perm[i]);
	free(perm);
}

/*
 * One page per folio; which one rotates with the folio index so that
 * faults hit the head, the middle and the tail of folios.
 */
static void in_partial(struct region *r)
{
	for (size_t f = 0; f < r->nfolios; f++) {
		size_t i = f * r->fpages + (f * 7) % r->fpages;

		if (r->state[i] != P_GONE)
			touch_read(r, i);
	}
}

/*
 * One page per folio, as --in partial, but the folios in random order: a
 * task touching scattered pages of its memory, which reads little of each
 * swapped-out range it faults in.
 */
static void in_sparse(struct region *r, struct lfs_rng *rng)
{
	size_t *perm = random_order(r->nfolios, rng);

	for (size_t k = 0; k < r->nfolios; k++) {
		size_t f = perm[k], i = f * r->fpages + (f * 7) % r->fpages;

		if (r->state[i] != P_GONE)
			touch_read(r, i);
	}
	free(perm);
}

/* Pages of folio f written in fork-cow: half of them, two patterns. */
static bool cow_page(const struct region *r, size_t i)
{
	size_t f = i / r->fpages, j = i % r->fpages;

	if (r->fpages == 1)
		return !(f & 1);
	return (f & 1) ? !(j & 1) : j < r->fpages / 2;
}

/*
 * The child writes gen+1 into half the pages of each folio and checks
 * all its pages; the parent, after the child exited, checks that its
 * own copy still has the old content, then writes the same pages.
 * With @seq each process first reads the region in order, so that the
 * shared swap entries are swapped in by a sequential pass (as large
 * folios, through the swap cache) before the writes copy them.
 * Returns the number of bad pages (child and parent).
 */
static long in_forkcow(struct region *r, bool seq)
{
	long bad = 0;
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		lfs_die_errno("fork");
	if (!pid) {
		const char *op = r->op;

		if (seq)
			in_seq(r);
		for (size_t i = 0; i < r->npages; i++)
			if (r->state[i] != P_GONE && cow_page(r, i))
				write_page(r, i, r->gen[i] + 1);
		r->op = "fork-cow(child)";
		bad = region_verify(r);
		r->op = op;
		fflush(stdout);
		_exit(bad ? 1 : 0);
	}
	lfs_child_register(pid);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	lfs_child_unregister(pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		printf("MISMATCH fork-cow child failed (status 0x%x)%s\n",
		       status, r->tag);
		bad++;
	}
	if (seq)
		in_seq(r);
	bad += region_verify(r);
	for (size_t i = 0; i < r->npages; i++)
		if (r->state[i] != P_GONE && cow_page(r, i))
			write_page(r, i, r->gen[i] + 1);
	bad += region_verify(r);
	return bad;
}

/*
 * --fail-out: the kernel's fault injection (failslab, fail_page_alloc or
 * fail_zswap_decompress with task-filter=Y, set up by the caller) fails
 * what runs in our context while MADV_PAGEOUT runs (the swap-out, zswap's
 * stores and the writes) or, with --out writeback, while memory.reclaim
 * makes the zswap shrinker write entries back (their decompression).
 */
static void set_make_it_fail(int on)
{
	int fd = open("/proc/self/make-it-fail", O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, on ? "1" : "0", 1) != 1)
		finish(LFS_EXIT_ERROR, "/proc/self/make-it-fail: %s "
		       "(CONFIG_FAULT_INJECTION)", strerror(errno));
	close(fd);
}

/* Stress workers that verified no byte (run_stress()). */
static int stress_idle;

/* The memcg of the run, for the swap-in modes that change its limits. */
static const struct lfs_cg *in_cg;

static void set_oom_score_adj(const char *v)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, v, strlen(v)) != (ssize_t)strlen(v))
		lfs_die_errno("oom_score_adj = %s", v);
	close(fd);
}

static void cg_set(const struct lfs_cg *cg, const char *file, long long v)
{
	char buf[32];
	int ret;

	if (v < 0)
		snprintf(buf, sizeof(buf), "max");
	else
		snprintf(buf, sizeof(buf), "%lld", v);
	ret = lfs_cg_write(cg, file, buf);
	if (ret) {
		errno = -ret;
		lfs_die_errno("%s = %s on %s", file, buf, cg->path);
	}
}

/*
 * fork-oom: a child shares every swap entry of the region and is OOM-killed
 * in the middle of swapping it in.  Our memcg gets memory.max = current +
 * len/4 and memory.swap.max = swap.current, so nothing new may go to swap;
 * the child (oom_score_adj 1000, we take -1000 and stay) reads each page and
 * writes it.  Each write copies a page of a folio still shared with us, the
 * copies have nowhere to go, and a charge fails: the child is OOM-killed
 * with swap-in folios in the swap cache and the rest of its entries not
 * swapped in yet.  The child must die of SIGKILL after some pages and
 * before the last (a shared counter says how far it got); the caller
 * counts kills with memcg.events.oom_kill and asks for large swap-ins
 * (in.<size>.swpin or .zswpin) in that phase.  The limits are lifted and our copy, whose
 * entries the child shared, is verified whole by the verify phase; the
 * harness checks afterwards that no swap entry was left behind.
 */
static long in_forkoom(struct region *r)
{
	long long cur, swp, max0, swpmax0;
	volatile size_t *done;
	char adj0[16] = "0";
	int status, fd;
	pid_t pid, w;
	size_t n;

	if (!in_cg || !in_cg->path[0])
		finish(LFS_EXIT_ERROR, "--in fork-oom needs a memcg (--cgroup)");
	if (lfs_cg_read_ll(in_cg, "memory.current", &cur) ||
	    lfs_cg_read_ll(in_cg, "memory.swap.current", &swp) ||
	    lfs_cg_read_ll(in_cg, "memory.max", &max0) ||
	    lfs_cg_read_ll(in_cg, "memory.swap.max", &swpmax0))
		finish(LFS_EXIT_ERROR, "cannot read memory.{current,max} or "
		       "memory.swap.{current,max} of %s (swap accounting?)",
		       in_cg->path);
	fd = open("/proc/self/oom_score_adj", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t k = read(fd, adj0, sizeof(adj0) - 1);

		adj0[k > 0 ? k : 0] = '\0';
		adj0[strcspn(adj0, "\n")] = '\0';
		close(fd);
	}
	/* The child's progress: pages it read and wrote before it died. */
	done = mmap(NULL, sizeof(*done), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (done == MAP_FAILED)
		lfs_die_errno("mmap (shared counter)");
	*done = 0;
	set_oom_score_adj("-1000");
	cg_set(in_cg, "memory.swap.max", swp);
	cg_set(in_cg, "memory.max", cur + (long long)r->len / 4);
	say("fork-oom: memory.max %lld memory.swap.max %lld\n",
	    cur + (long long)r->len / 4, swp);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		lfs_die_errno("fork");
	if (!pid) {
		/* Never outlive the parent (it restores the limits). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(2);
		set_oom_score_adj("1000");
		for (size_t i = 0; i < r->npages; i++) {
			if (r->state[i] == P_GONE)
				continue;
			(void)*(volatile char *)page_addr(r, i);
			*(volatile char *)page_addr(r, i) ^= 0;
			(*done)++;
		}
		_exit(0);
	}
	lfs_child_register(pid);
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	lfs_child_unregister(pid);
	cg_set(in_cg, "memory.max", max0);
	cg_set(in_cg, "memory.swap.max", swpmax0);
	set_oom_score_adj(adj0);
	n = *done;
	munmap((void *)done, sizeof(*done));
	if (w < 0)
		lfs_die_errno("waitpid (fork-oom child)");
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
		printf("MISMATCH fork-oom: the child was not OOM-killed (status 0x%x)%s\n",
		       status, r->tag);
		return 1;
	}
	/* Killed in the middle: after some pages, before the last. */
	if (!n || n >= r->npages) {
		printf("MISMATCH fork-oom: the child was killed after %zu of %zu pages, "
		       "not in the middle%s\n", n, r->npages, r->tag);
		return 1;
	}
	say("fork-oom: the child was killed (SIGKILL) after %zu of %zu pages\n",
	    n, r->npages);
	return 0;
}

/* Drop the second half of each folio (odd folios when 1 page each). */
static void in_dontneed(struct region *r)
{
	size_t first = r->fpages / 2, n = r->fpages - first;

	for (size_t f = 0; f < r->nfolios; f++) {
		size_t i = f * r->fpages + first;

		if (r->fpages == 1) {
			if (!(f & 1))
				continue;
			i = f;
		}
		if (madvise(page_addr(r, i), n * ps, MADV_DONTNEED) &&
		    errno != ENOMEM)
			lfs_die_errno("madvise(MADV_DONTNEED)");
		for (size_t k = i; k < i + n; k++)
			if (r->state[k] != P_GONE)
				r->state[k] = P_ZERO;
	}
}

/*
 * Unmap the last quarter of every other folio.  The stride grows for
 * huge regions of small folios to stay well below vm.max_map_count.
 */
static void in_munmap(struct region *r)
{
	size_t n = r->fpages / 4 ? r->fpages / 4 : 1;
	size_t stride = 2 * ((r->nfolios / 2 + 7999) / 8000);

	if (stride < 2)
		stride = 2;
	for (size_t f = 1; f < r->nfolios; f += stride) {
		size_t i = (f + 1) * r->fpages - n;

		if (munmap(page_addr(r, i), n * ps)) {
			lfs_warn("munmap: %s (stopping at folio %zu)",
				 strerror(errno), f);
			break;
		}
		for (size_t k = i; k < i + n; k++)
			r->state[k] = P_GONE;
	}
}

struct thread_arg {
	struct region *r;
	pthread_barrier_t *barrier;
	int id;
	int nr;
	bool lockstep;
	long bad;
};

/*
 * Thread t faults pages t, t+N, ... so all threads hit the same folios.
 * With --lockstep they wait for each other at the end of every folio: all
 * of them fault the same folio at once, and none enters the next one
 * before every page of this one is mapped, so that the swap-in policy
 * sees the same evidence (a mapped neighbour) as a sequential pass would.
 * Without it a thread may run ahead into the next range, which is then
 * read or not read whole depending on timing.
 */
static void *in_thread(void *p)
{
	struct thread_arg *a = p;
	struct region *r = a->r;

	pthread_barrier_wait(a->barrier);
	if (a->lockstep) {
		for (size_t f = 0; f < r->nfolios; f++) {
			size_t end = (f + 1) * r->fpages;

			for (size_t i = f * r->fpages + a->id; i < end; i += a->nr)
				if (r->state[i] != P_GONE)
					touch_read(r, i);
			pthread_barrier_wait(a->barrier);
		}
	} else {
		for (size_t i = a->id; i < r->npages; i += a->nr)
			if (r->state[i] != P_GONE)
				touch_read(r, i);
	}
	/* Then check them concurrently as well. */
	for (size_t i = a->id; i < r->npages; i += a->nr) {
		if (r->state[i] != P_GONE && check_one(r, i) >= 0)
			a->bad++;
	}
	return NULL;
}

static long in_threads(struct region *r, int nr, bool lockstep)
{
	struct thread_arg args[64];
	pthread_t tids[64];
	pthread_barrier_t barrier;
	long bad = 0;

	if (nr > 64)
		nr = 64;
	pthread_barrier_init(&barrier, NULL, nr);
	for (int t = 0; t < nr; t++) {
		args[t] = (struct thread_arg){ r, &barrier, t, nr, lockstep, 0 };
		if (pthread_create(&tids[t], NULL, in_thread, &args[t]))
			lfs_die("pthread_create failed");
	}
	for (int t = 0; t < nr; t++) {
		pthread_join(tids[t], NULL);
		bad += args[t].bad;
	}
	pthread_barrier_destroy(&barrier);
	/* Per-byte reports come from the full verify that follows. */
	return bad;
}

/*
 * swapoff every active swap device, which brings every swapped page of
 * every process back in (from zswap or the device), then swapon them
 * again with their priorities.  A failure is a setup error: the data
 * was not tested.
 */
static void in_swapoff(void)
{
	struct lfs_swapdev devs[MAX_SWAPS];
	int n = lfs_swaps(devs, MAX_SWAPS), err;

	if (n <= 0)
		finish(LFS_EXIT_ERROR, "--in swapoff: no active swap device");
	swaps_restore_once();
	for (int i = 0; i < n; i++) {
		swaps_off[i] = devs[i];
		if (!swapoff(devs[i].path))
			continue;
		err = errno;
		swaps_off[i].path[0] = '\0';
		swaps_restore();
		finish(LFS_EXIT_ERROR, "swapoff %s: %s", devs[i].path,
		       strerror(err));
	}
	if (!opt.quiet)
		printf("swapoff: %d device%s off, zswap stored_pages %lld\n",
		       n, n == 1 ? "" : "s", zswap_debugfs("stored_pages"));
	for (int i = 0; i < n; i++) {
		if (do_swapon(&swaps_off[i]))
			finish(LFS_EXIT_ERROR, "swapon %s again: %s",
			       swaps_off[i].path, strerror(errno));
		swaps_off[i].path[0] = '\0';
	}
}

struct race_arg {
	struct region *r;
	int nr;
};

static void *swapoff_race_faults(void *p)
{
	struct race_arg *a = p;

	in_threads(a->r, a->nr, false);
	return NULL;
}

/*
 * swapoff while --threads threads fault the region in (as --in threads
 * does): swapoff's unuse walk and the faults race for the same entries,
 * and for the folios that either reads into the swap cache.
 */
static void in_swapoff_race(struct region *r, int nr)
{
	struct race_arg a = { r, nr };
	pthread_t tid;

	if (pthread_create(&tid, NULL, swapoff_race_faults, &a))
		lfs_die("pthread_create failed");
	in_swapoff();
	pthread_join(tid, NULL);
}

/*
 * MADV_WILLNEED over the region (the kernel reads every swapped page into
 * the swap cache, without waiting), then a sequential read: the faults
 * find the pages in the swap cache and read nothing themselves.
 */
static void in_willneed(struct region *r)
{
	if (madvise(r->base, r->npages * ps, MADV_WILLNEED))
		lfs_die_errno("madvise(MADV_WILLNEED)");
	in_seq(r);
}

/*
 * willneed-swapoff: MADV_WILLNEED over the region reads every range into
 * one large folio in the swap cache, not mapped yet, then swapoff maps
 * every page, one at a time: it cannot map those folios whole, and should
 * map copies of their pages rather than read them again (every page read
 * from swap once: in.pswpin=pages).
 */
static void in_willneedswapoff(struct region *r)
{
	if (madvise(r->base, r->npages * ps, MADV_WILLNEED))
		lfs_die_errno("madvise(MADV_WILLNEED)");
	in_swapoff();
}

/*
 * --in ksm, ksm-swapoff: swap entries shared by mappings that do not agree
 * on the anon_vma and index of their page. KSM_TWINS more mappings hold
 * the region's pages, each in another order (a random permutation); KSM
 * merges the copies of every page into one KSM page, which reclaim swaps
 * out, so that all of its PTEs share one swap entry. The slots follow the
 * order in which reclaim found the KSM pages: one mapping's PTEs cover
 * runs of contiguous, aligned entries, which a large swap-in can read into
 * one folio, and the other mappings' PTEs point into the same runs in
 * another order. The mapping with the most such runs is read first, in
 * order; then (ksm) the others are read in order, or (ksm-swapoff)
 * swapoff brings their pages in. A mapping that finds a page in a folio
 * read for another mapping, at another index, must map a copy of it (the
 * kernel's ksm_swpin_copy), never the folio itself.
 */
#define KPF_KSM		21
#define KSM_MERGE_SECONDS	300

/* Mapping m: the region (0) or twin m-1. */
static char *ksm_map(const struct region *r, int m)
{
	return m ? twins[m - 1].base : r->base;
}

/*
 * Pages of the four mappings that are swapped out, or (!swapped) merged:
 * a KSM page, and for a twin's page the very page that the region maps
 * for the same data.
 */
static long ksm_count(const struct region *r, bool swapped)
{
	long n = 0;

	for (int m = 0; m <= KSM_TWINS; m++) {
		for (size_t i = 0; i < r->npages; i++) {
			char *p = ksm_map(r, m) + i * ps;
			uint64_t pfn, flags;

			if (swapped) {
				n += lfs_is_swapped(p);
				continue;
			}
			pfn = lfs_pfn_at(p);
			if (!pfn || lfs_kpageflags(pfn, &flags) ||
			    !(flags & (1ULL << KPF_KSM)))
				continue;
			if (m && lfs_pfn_at(page_addr(r, twins[m - 1].perm[i])) != pfn)
				continue;
			n++;
		}
	}
	return n;
}

/*
 * Fill the twins, let ksmd merge every page of the four mappings, then
 * stop it, so that nothing changes the mappings behind the test's back.
 */
static void ksm_setup(struct region *r, struct lfs_rng *rng)
{
	bool huge = opt.size == lfs_pmd_size() && opt.size > ps;
	long want = (long)r->npages * (KSM_TWINS + 1);
	char buf[32];
	double t0;

	if (access(KSM_SYSFS "run", W_OK))
		finish(LFS_EXIT_SKIP, "%srun: %s (no KSM)", KSM_SYSFS,
		       strerror(errno));
	for (int k = 0; k < KSM_TWINS; k++) {
		twins[k].base = lfs_mmap_aligned(r->len, opt.size, huge);
		if (!twins[k].base)
			lfs_die("cannot allocate a %zu byte region", r->len);
		twins[k].perm = random_order(r->npages, rng);
		for (size_t i = 0; i < r->npages; i++)
			memcpy(twins[k].base + i * ps,
			       page_addr(r, twins[k].perm[i]), ps);
	}
	for (int m = 0; m <= KSM_TWINS; m++)
		if (madvise(ksm_map(r, m), r->len, MADV_MERGEABLE))
			lfs_die_errno("madvise(MADV_MERGEABLE)");
	snprintf(buf, sizeof(buf), "%ld", want);
	zparam_set(ZP_KSM_PAGES_TO_SCAN, buf);
	zparam_set(ZP_KSM_SLEEP, "20");
	zparam_set(ZP_KSM_RUN, "1");
	t0 = lfs_now();
	while ((res.ksm_merged = ksm_count(r, false)) < want &&
	       lfs_now() - t0 < KSM_MERGE_SECONDS)
		usleep(200 * 1000);
	zparam_set(ZP_KSM_RUN, "0");
	say("ksm: %ld of %ld pages merged in %.1f s\n", res.ksm_merged, want,
	    lfs_now() - t0);
	if (res.ksm_merged < want)
		finish(LFS_EXIT_ERROR, "ksmd merged %ld of %ld pages in %d s",
		       res.ksm_merged, want, KSM_MERGE_SECONDS);
}

/*
 * After the swap-out: reclaim again until every page of the four mappings
 * is swapped out (the KSM pages are charged once, and reclaim may have
 * stopped short), and none is left in the swap cache, where a fault would
 * find it without reading, and map it in all four without a copy.
 */
static void ksm_out_rest(struct region *r, const struct lfs_cg *cg)
{
	long want = (long)r->npages * (KSM_TWINS + 1);
	long long cached = 0;

	for (int i = 0; i < 10; i++) {
		res.ksm_swapped = ksm_count(r, true);
		if (res.ksm_swapped >= want)
			break;
		/* evict_swapcache() unlocked everything */
		lock_all_but(r);
		out_reclaim(r, cg);
		evict_swapcache(r, cg);
	}
	munlockall();
	lfs_cg_stat(cg, "swapcached", &cached);
	say("ksm: %ld of %ld pages of the four mappings swapped out, "
	    "swapcached %lld\n", res.ksm_swapped, want, cached);
	if (res.ksm_swapped < want || cached)
		finish(LFS_EXIT_ERROR, "ksm: %ld of %ld pages swapped out, %lld "
		       "bytes left in the swap cache", res.ksm_swapped, want,
		       cached);
}

/* Aligned folio-sized runs of contiguous swap entries in mapping m */
static long ksm_whole_runs(const struct region *r, int m)
{
	long runs = 0;

	for (size_t f = 0; f < r->nfolios; f++) {
		char *p = ksm_map(r, m) + f * r->fpages * ps;
		long long o = lfs_swap_offset(p);
		size_t k = 1;

		if (o < 0 || o % (long long)r->fpages)
			continue;
		while (k < r->fpages && lfs_swap_offset(p + k * ps) == o + (long long)k)
			k++;
		runs += k == r->fpages;
	}
	return runs;
}

static void ksm_read(const struct region *r, int m)
{
	for (size_t i = 0; i < r->npages; i++)
		(void)*(volatile const uint64_t *)(ksm_map(r, m) + i * ps);
}

/* Returns the bad pages of the twins; the region is verified after. */
static long in_ksm(struct region *r, bool swapoff)
{
	long runs[KSM_TWINS + 1], bad = 0;
	int first = 0;

	for (int m = 0; m <= KSM_TWINS; m++) {
		runs[m] = ksm_whole_runs(r, m);
		if (runs[m] > runs[first])
			first = m;
	}
	res.ksm_runs = runs[first];
	say("ksm: whole ranges: region %ld, twins %ld %ld %ld; mapping %d first\n",
	    runs[0], runs[1], runs[2], runs[3], first);
	/*
	 * The first whole range read in order has no used neighbour: two at
	 * least, or the case tests nothing (the slots depend on the order in
	 * which reclaim found the KSM pages).
	 */
	if (runs[first] < 2)
		finish(LFS_EXIT_ERROR, "ksm: no mapping has two whole ranges of "
		       "swap entries (%ld): nothing to test", runs[first]);
	ksm_read(r, first);
	{
		struct lfs_scan sc;

		if (lfs_region_scan(ksm_map(r, first), r->len, &sc))
			lfs_die("cannot scan mapping %d", first);
		res.ksm_large = sc.large;
		say("ksm: mapping %d read: %ld large folios\n", first, sc.large);
	}
	if (swapoff) {
		in_swapoff();
	} else {
		for (int m = 0; m <= KSM_TWINS; m++)
			if (m != first)
				ksm_read(r, m);
	}
	for (int k = 0; k < KSM_TWINS; k++) {
		for (size_t i = 0; i < r->npages; i++) {
			size_t src = twins[k].perm[i];
			long off = lfs_check_page(twins[k].base + i * ps,
						  r->kind, r->seed, src,
						  r->gen[src]);

			*r->bytes_verified += ps;
			if (off < 0)
				continue;
			bad++;
			if (mismatch_lines++ < MAX_MISMATCH_LINES)
				printf("MISMATCH twin %d page %zu (region page %zu) offset %ld op %s\n",
				       k, i, src, off, r->op);
		}
		munmap(twins[k].base, r->len);
		free(twins[k].perm);
		twins[k].base = NULL;
	}
	return bad;
}

/*
 * fork-willneed: after fork, the child drops the second half of every folio
 * (MADV_DONTNEED), and the parent asks for its whole region
 * (MADV_WILLNEED), which reads every range into one large folio in the
 * swap cache, not mapped yet. Then the child reads what it kept: its
 * ranges are no longer mapped as they were, so it cannot map those folios
 * whole, while the parent still can. Then the parent reads its region in
 * order. The folios should stay for the parent: every page read from swap
 * once (in.pswpin=pages), every range mapped whole by the parent.
 */
static long in_forkwillneed(struct region *r)
{
	size_t half = r->fpages / 2;
	int up[2], down[2], status;
	long bad = 0;
	pid_t pid;
	char c;

	if (half < 1)
		finish(LFS_EXIT_ERROR, "--in fork-willneed needs --size of two pages or more");
	if (pipe(up) || pipe(down))
		lfs_die_errno("pipe");
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		lfs_die_errno("fork");
	if (!pid) {
		close(up[0]);
		close(down[1]);
		for (size_t f = 0; f < r->nfolios; f++) {
			size_t first = f * r->fpages + half;

			if (madvise(page_addr(r, first), (r->fpages - half) * ps,
				    MADV_DONTNEED))
				_exit(2);
			for (size_t i = first; i < (f + 1) * r->fpages; i++)
				r->state[i] = P_GONE;
		}
		if (write(up[1], "d", 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(2);
		in_seq(r);
		r->op = "fork-willneed(child)";
		bad = region_verify(r);
		fflush(stdout);
		_exit(bad ? 1 : 0);
	}
	lfs_child_register(pid);
	/* a child that exits early ends the read with EOF, not a hang */
	close(up[1]);
	close(down[0]);
	if (read(up[0], &c, 1) != 1)
		lfs_die("fork-willneed: the child did not get ready");
	if (madvise(r->base, r->len, MADV_WILLNEED))
		lfs_die_errno("madvise(MADV_WILLNEED)");
	if (write(down[1], "g", 1) != 1)
		lfs_die_errno("write to the child");
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	lfs_child_unregister(pid);
	close(up[0]);
	close(down[1]);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		printf("MISMATCH fork-willneed child failed (status 0x%x)%s\n",
		       status, r->tag);
		bad++;
	}
	in_seq(r);
	return bad;
}

/*
 * willneed-dontneed: MADV_WILLNEED reads every range of the region into one
 * large folio in the swap cache, not mapped yet; then MADV_DONTNEED drops
 * the second half of every range, and the first halves are read in order.
 * Their ranges are no longer mapped whole, so no fault can map those
 * folios whole, and the entries are not shared: each fault should map a
 * copy of its page from the folio, as 6.12 maps the order-0 pages that
 * readahead left in the swap cache: every page read from swap once
 * (in.pswpin=pages).
 */
static void in_willneeddontneed(struct region *r)
{
	size_t half = r->fpages / 2;

	if (half < 1)
		finish(LFS_EXIT_ERROR, "--in willneed-dontneed needs --size of two pages or more");
	if (madvise(r->base, r->len, MADV_WILLNEED))
		lfs_die_errno("madvise(MADV_WILLNEED)");
	for (size_t f = 0; f < r->nfolios; f++) {
		size_t first = f * r->fpages + half;

		if (madvise(page_addr(r, first), (r->fpages - half) * ps,
			    MADV_DONTNEED))
			lfs_die_errno("madvise(MADV_DONTNEED)");
		for (size_t i = first; i < (f + 1) * r->fpages; i++)
			r->state[i] = P_GONE;
	}
	in_seq(r);
}

/* Returns bad pages found during the swap-in itself (fork-cow). */
static long do_in(struct region *r, int mode, struct lfs_rng *rng)
{
	switch (mode) {
	case IN_SEQ:
		in_seq(r);
		break;
	case IN_RANDOM:
		in_random(r, rng);
		break;
	case IN_PARTIAL:
		in_partial(r);
		break;
	case IN_SPARSE:
		in_sparse(r, rng);
		break;
	case IN_FORKCOW:
		return in_forkcow(r, false);
	case IN_FORKSEQ:
		return in_forkcow(r, true);
	case IN_DONTNEED:
		in_dontneed(r);
		break;
	case IN_MUNMAP:
		in_munmap(r);
		break;
	case IN_THREADS:
		in_threads(r, opt.threads, opt.lockstep);
		break;
	case IN_SWAPOFF:
		in_swapoff();
		/*
		 * --sigbus: swapoff leaves a poison marker where it could
		 * not read a page; a read of it raises SIGBUS
		 */
		if (opt.sigbus)
			in_seq(r);
		break;
	case IN_SWAPOFF_RACE:
		in_swapoff_race(r, opt.threads);
		break;
	case IN_WILLNEED:
		in_willneed(r);
		break;
	case IN_FORKOOM:
		return in_forkoom(r);
	case IN_KSM:
	case IN_KSM_SWAPOFF:
		return in_ksm(r, mode == IN_KSM_SWAPOFF);
	case IN_FORKWILLNEED:
		return in_forkwillneed(r);
	case IN_WILLNEEDDONTNEED:
		in_willneeddontneed(r);
		break;
	case IN_WILLNEEDSWAPOFF:
		in_willneedswapoff(r);
		break;
	case IN_NONE:
		break;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Expectations                                                       */
/* ------------------------------------------------------------------ */

static long long kw_folios, kw_pages;

static int lookup_value(const char *name, long long *v);
static bool expr_checking;	/* add_expect(): syntax only, no values yet */

/*
 * factor := number | "folios" | "pages" | "folio_pages" | "swapped" | NAME
 * NAME (starting with a letter) is any counter lookup_value() knows.
 * "swapped" is the number of pages seen swapped out after the out phase,
 * so "swapped/folio_pages" is the number of folios that went out whole
 * (MADV_PAGEOUT skips the few folios still in a per-CPU LRU batch).
 */
static int parse_factor(const char **s, long long *v)
{
	char *end;

	while (**s == ' ')
		(*s)++;
	if (!strncmp(*s, "folio_pages", 11)) {
		/* 1 before the sizes are known: argument syntax checks divide */
		*v = kw_folios ? kw_pages / kw_folios : 1;
		*s += 11;
	} else if (!strncmp(*s, "swapped", 7) && !isalnum((unsigned char)(*s)[7]) &&
		   (*s)[7] != '_') {
		*v = res.swapped_pages;
		*s += 7;
	} else if (isalpha((unsigned char)**s) && strncmp(*s, "folios", 6) &&
		   strncmp(*s, "pages", 5)) {
		/* any other name: a counter's delta (0 if it never moved) */
		char name[128];
		size_t n = strspn(*s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.");

		if (n >= sizeof(name))
			return -1;
		memcpy(name, *s, n);
		name[n] = '\0';
		*s += n;
		if (expr_checking || lookup_value(name, v))
			*v = expr_checking ? 1 : 0;
	} else if (!strncmp(*s, "folios", 6)) {
		*v = kw_folios;
		*s += 6;
	} else if (!strncmp(*s, "pages", 5)) {
		*v = kw_pages;
		*s += 5;
	} else {
		*v = strtoll(*s, &end, 0);
		if (end == *s)
			return -1;
		*s = end;
	}
	while (**s == ' ')
		(*s)++;
	return 0;
}

/* term := factor (('*'|'/') factor)* */
static int parse_term(const char **s, long long *v)
{
	long long w;

	if (parse_factor(s, v))
		return -1;
	while (**s == '*' || **s == '/') {
		char op = *(*s)++;

		if (parse_factor(s, &w))
			return -1;
		if (op == '*')
			*v *= w;
		else if (w)
			*v /= w;
		else
			return -1;
	}
	return 0;
}

/* expr := term (('+'|'-') term)*   e.g. "folios*2", "pages-16", "0" */
static int eval_expr(const char *s, long long *v)
{
	long long w;

	if (parse_term(&s, v))
		return -1;
	while (*s == '+' || *s == '-') {
		char op = *s++;

		if (parse_term(&s, &w))
			return -1;
		*v = op == '+' ? *v + w : *v - w;
	}
	return *s ? -1 : 0;
}

static int add_expect(enum expect_op op, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct expect *e;
	long long dummy;

	if (!eq || eq == arg || opt.nr_expect == MAX_EXPECT)
		return -1;
	e = &opt.expect[opt.nr_expect];
	e->op = op;
	snprintf(e->name, sizeof(e->name), "%.*s", (int)(eq - arg), arg);
	snprintf(e->expr, sizeof(e->expr), "%s", eq + 1);
	/* Syntax check now (names evaluate to 1 here). */
	expr_checking = true;
	if (eval_expr(e->expr, &dummy)) {
		expr_checking = false;
		return -1;
	}
	expr_checking = false;
	opt.nr_expect++;
	return 0;
}

/*
 * Name space: synthetic names, "<phase>.<counter>" for one phase
 * (fault, out, in, verify) or a counter name for the total delta.
 */
static int lookup_value(const char *name, long long *v)
{
	if (!strcmp(name, "swapped_pages")) {
		*v = res.swapped_pages;
		return 0;
	}
	if (!strcmp(name, "folios")) {
		*v = kw_folios;
		return 0;
	}
	if (!strcmp(name, "pages")) {
		*v = kw_pages;
		return 0;
	}
	if (!strcmp(name, "resident_large_folios")) {
		*v = res.scan_in.large;
		return 0;
	}
	if (!strcmp(name, "mismatched_pages")) {
		*v = res.mismatched_pages;
		return 0;
	}
	if (!strcmp(name, "sigbus_pages")) {
		*v = res.sigbus_pages;
		return 0;
	}
	if (!strcmp(name, "sigbus_folios")) {
		*v = res.sigbus_large;
		return 0;
	}
	if (!strcmp(name, "ksm_merged")) {
		*v = res.ksm_merged;
		return 0;
	}
	if (!strcmp(name, "ksm_swapped")) {
		*v = res.ksm_swapped;
		return 0;
	}
	if (!strcmp(name, "ksm_runs")) {
		*v = res.ksm_runs;
		return 0;
	}
	if (!strcmp(name, "ksm_large")) {
		*v = res.ksm_large;
		return 0;
	}
	for (int p = 0; p < NR_PHASES; p++) {
		size_t l = strlen(phase_names[p]);

		if (!strncmp(name, phase_names[p], l) && name[l] == '.')
			return lfs_delta_find(&res.phase[p], name + l + 1, v);
	}
	return lfs_delta_find(&res.total, name, v);
}

/* Returns the number of failed expectations. */
/* Does an --expect/--expect-min/--expect-max name counter NAME? */
static bool expects(const char *name)
{
	for (int i = 0; i < opt.nr_expect; i++)
		if (!strcmp(opt.expect[i].name, name))
			return true;
	return false;
}

static int check_expectations(void)
{
	static const char * const opname[] = { "==", ">=", "<=" };
	int failed = 0;

	for (int i = 0; i < opt.nr_require; i++) {
		size_t l = strlen(res.expect_fail);
		long long dummy;

		if (!lookup_value(opt.require[i], &dummy)) {
			say("REQUIRE ok %s\n", opt.require[i]);
			continue;
		}
		printf("EXPECT FAIL %s: counter does not exist (--require)\n",
		       opt.require[i]);
		failed++;
		snprintf(res.expect_fail + l, sizeof(res.expect_fail) - l,
			 "%s%s", l ? "," : "", opt.require[i]);
	}
	for (int i = 0; i < opt.nr_expect; i++) {
		struct expect *e = &opt.expect[i];
		long long got, want;
		bool ok;

		eval_expr(e->expr, &want);
		if (lookup_value(e->name, &got)) {
			printf("EXPECT FAIL %s: got missing want %s%lld "
			       "(counter does not exist)\n", e->name,
			       e->op == EXP_EQ ? "" : opname[e->op], want);
			ok = false;
		} else {
			ok = e->op == EXP_EQ ? got == want :
			     e->op == EXP_MIN ? got >= want : got <= want;
			if (ok)
				say("EXPECT ok %s: got %lld want %s%lld\n",
				    e->name, got,
				    e->op == EXP_EQ ? "" : opname[e->op], want);
			else
				printf("EXPECT FAIL %s: got %lld want %s%lld\n",
				       e->name, got,
				       e->op == EXP_EQ ? "" : opname[e->op],
				       want);
		}
		if (!ok) {
			size_t l = strlen(res.expect_fail);

			failed++;
			snprintf(res.expect_fail + l,
				 sizeof(res.expect_fail) - l, "%s%s",
				 l ? "," : "", e->name);
		}
	}
	return failed;
}

/* ------------------------------------------------------------------ */
/* Single run                                                         */
/* ------------------------------------------------------------------ */

/*
 * --between PROG[,ARG...]: run PROG (searched in PATH) with its arguments
 * (no shell), as a child of this process (so it can name us as its
 * parent), and stop the run unless it exits 0.
 */
static void run_between(void)
{
	char *argv[16], *copy = strdup(opt.between), *save = NULL;
	int argc = 0, status;
	pid_t pid;

	if (!copy)
		lfs_die("out of memory");
	for (char *t = strtok_r(copy, ",", &save); t && argc < 15;
	     t = strtok_r(NULL, ",", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	if (!argc)
		finish(LFS_EXIT_ERROR, "%s", "--between: no program");
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		lfs_die_errno("fork");
	if (!pid) {
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		finish(LFS_EXIT_ERROR, "--between %s failed (status 0x%x)",
		       opt.between, status);
	say("between: %s done\n", opt.between);
	free(copy);
}

static void snap(struct lfs_snap *s)
{
	if (lfs_counters_snap(s))
		lfs_die("cannot read counters");
}

/* Add the delta b - a to *acc. */
static void accumulate(struct lfs_delta *acc, const struct lfs_snap *a,
		       const struct lfs_snap *b)
{
	struct lfs_delta d, sum;

	if (lfs_counters_delta(a, b, &d) || lfs_delta_add(acc, &d, &sum))
		lfs_die("out of memory");
	lfs_delta_free(&d);
	lfs_delta_free(acc);
	*acc = sum;
}

static void scan(struct region *r, const char *label, struct lfs_scan *sc)
{
	if (lfs_region_scan(r->base, r->len, sc))
		lfs_die_errno("pagemap scan (needs root for PFNs)");
	if (!opt.quiet)
		lfs_scan_print(stdout, label, sc);
}

static void print_phase(const char *name, const struct lfs_delta *d)
{
	char prefix[32];

	if (opt.quiet)
		return;
	printf("phase %s\n", name);
	snprintf(prefix, sizeof(prefix), "%s ", name);
	lfs_delta_print(stdout, d, prefix);
}

/* Test of the test: flip one byte in n mapped pages. */
static void corrupt_pages(struct region *r, struct lfs_rng *rng, long n)
{
	for (long k = 0; k < n * 100 && n > 0; k++) {
		size_t i = lfs_rng_below(rng, r->npages);

		if (r->state[i] == P_GONE)
			continue;
		page_addr(r, i)[lfs_rng_below(rng, ps)] ^= 0x40;
		n--;
	}
}

static bool need_memcg(int out)
{
	return out == OUT_COLD || out == OUT_RECLAIM || out == OUT_LIMIT ||
	       out == OUT_WRITEBACK || opt.in == IN_FORKOOM ||
	       opt.zswap_max != -2 ||
	       opt.zswap_writeback >= 0;
}

/* Create and enter the memcg; SKIP if the environment has none. */
static void setup_memcg(struct lfs_cg *cg, const char *name)
{
	if (lfs_cg_create(cg, name)) {
		if (errno == ENOENT || errno == ENODEV)
			finish(LFS_EXIT_SKIP, "no cgroup2 memory controller at %s",
			       LFS_CGROOT);
		finish(LFS_EXIT_ERROR, "cannot create cgroup %s: %s", name,
		       strerror(errno));
	}
	if (lfs_cg_enter(cg))
		finish(LFS_EXIT_ERROR, "cannot enter cgroup %s", cg->path);
	say("memcg: %s\n", cg->path);
	if (opt.zswap_max != -2 &&
	    lfs_cg_set_zswap_max(cg, opt.zswap_max < 0 ? (size_t)-1 :
				 (size_t)opt.zswap_max))
		finish(LFS_EXIT_ERROR, "cannot set memory.zswap.max on %s",
		       cg->path);
	if (opt.zswap_writeback >= 0 &&
	    lfs_cg_set_zswap_writeback(cg, opt.zswap_writeback))
		finish(LFS_EXIT_ERROR, "cannot set memory.zswap.writeback on %s",
		       cg->path);
	if (opt.zswap_max != -2 || opt.zswap_writeback >= 0)
		say("memcg: memory.zswap.max %lld memory.zswap.writeback %d "
		    "(-1: max / unchanged)\n", opt.zswap_max < 0 ? -1 :
		    opt.zswap_max, opt.zswap_writeback);
}

static int run_single(void)
{
	struct lfs_snap s0, s1, s2, s3, s4;
	struct lfs_cg cg = { .path = "" };
	bool memcg = need_memcg(opt.out) || opt.cgroup;
	struct region r;
	struct lfs_rng rng;
	long bad = 0;
	double t;

	lfs_rng_seed(&rng, opt.seed);
	if (memcg) {
		char name[64];

		if (!opt.cgroup) {
			snprintf(name, sizeof(name), "lfs-integrity-%d",
				 (int)getpid());
			opt.cgroup = strdup(name);
		}
		setup_memcg(&cg, opt.cgroup);
	}

	snap(&s0);
	t = lfs_now();
	region_init(&r, opt.mem, opt.kind, opt.seed, 0);
	r.bytes_verified = &res.bytes_verified;
	r.op = "fill";
	region_fill(&r);
	snap(&s1);
	accumulate(&res.phase[PH_FAULT], &s0, &s1);
	say("time fault %.3f\n", lfs_now() - t);
	scan(&r, "fault-in", &res.scan_fault);
	res.have_scan = true;
	lfs_snap_free(&s1);
	if (in_ksm_mode())
		ksm_setup(&r, &rng);

	for (int it = 0; it < opt.iterations; it++) {
		if (opt.iterations > 1)
			say("iteration %d\n", it);

		snap(&s1);
		t = lfs_now();
		/* only the four mappings go to swap (ksm_out_rest() unlocks) */
		if (in_ksm_mode())
			lock_all_but(&r);
		do_out(&r, opt.out, &cg);
		if (in_ksm_mode())
			ksm_out_rest(&r, &cg);
		snap(&s2);
		accumulate(&res.phase[PH_OUT], &s1, &s2);
		say("time out %.3f\n", lfs_now() - t);
		scan(&r, "after-out", &res.scan_out);
		res.swapped_pages += res.scan_out.swapped;
		say("swapped %ld of %zu pages\n", res.scan_out.swapped,
		    r.npages);
		if (!res.scan_out.swapped)
			lfs_warn("nothing was swapped out in this pass");
		if (opt.out == OUT_LIMIT)
			limit_release(&cg);
		if (opt.between)
			run_between();

		lfs_snap_free(&s2);
		snap(&s2);
		t = lfs_now();
		r.op = in_names[opt.in];
		in_cg = &cg;
		bad += do_in(&r, opt.in, &rng);
		snap(&s3);
		accumulate(&res.phase[PH_IN], &s2, &s3);
		say("time in %.3f\n", lfs_now() - t);
		scan(&r, "after-in", &res.scan_in);

		if (opt.corrupt)
			corrupt_pages(&r, &rng, opt.corrupt);

		t = lfs_now();
		r.op = "verify";
		bad += region_verify(&r);
		snap(&s4);
		accumulate(&res.phase[PH_VERIFY], &s3, &s4);
		say("time verify %.3f\n", lfs_now() - t);

		lfs_snap_free(&s1);
		lfs_snap_free(&s2);
		lfs_snap_free(&s3);
		lfs_snap_free(&s4);

		/*
		 * Later iterations swap the same folios again; rewrite a
		 * quarter of the folios so that both clean (still in swap
		 * cache) and dirty folios go out.
		 */
		if (it + 1 < opt.iterations) {
			for (size_t i = 0; i < r.npages; i++)
				if ((i / r.fpages) % 4 == (size_t)it % 4 &&
				    r.state[i] != P_GONE)
					write_page(&r, i, r.gen[i] + 1);
		}
	}
	scan(&r, "final", &res.scan_final);

	snap(&s4);
	if (lfs_counters_delta(&s0, &s4, &res.total))
		lfs_die("out of memory");
	res.have_total = true;
	lfs_snap_free(&s0);
	lfs_snap_free(&s4);

	for (int p = 0; p < NR_PHASES; p++)
		print_phase(phase_names[p], &res.phase[p]);
	print_phase("total", &res.total);

	region_free(&r);
	if (memcg)
		lfs_cg_remove(&cg);
	return bad;
}

/* ------------------------------------------------------------------ */
/* Stress mode                                                        */
/* ------------------------------------------------------------------ */

/*
 * --ksm: every anonymous mapping of this process is mergeable (the KSM
 * daemon still has to run: /sys/kernel/mm/ksm/run).
 */
static void ksm_merge_any(void)
{
#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#endif
	if (opt.ksm && prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0))
		finish(LFS_EXIT_SKIP, "prctl(PR_SET_MEMORY_MERGE): %s (no KSM?)",
		       strerror(errno));
}

enum stress_op {
	OP_PAGEOUT, OP_COLD, OP_RECLAIM, OP_SEQ, OP_RANDOM, OP_PARTIAL,
	OP_FORKCOW, OP_DONTNEED, OP_MUNMAP, OP_THREADS, OP_MREMAP,
	OP_REWRITE, NR_OPS
};

#define op_names stress_op_names
_Static_assert(NR_OPS == NR_STRESS_OPS, "stress op names");

/* Shared with the parent through a MAP_SHARED mapping. */
struct wstats {
	long ops[NR_OPS];
	long regions;
	long bad_pages;
	unsigned long long bytes_verified;
	int done;
};

static struct wstats *wstats;

/*
 * Move the region to a new address, run by run so that holes left by
 * munmap stay holes.  Half of the time the new address is misaligned by
 * one page, which makes PMD-mapped folios PTE-mapped.
 */
static void region_mremap(struct region *r, struct lfs_rng *rng)
{
	size_t off = lfs_rng_below(rng, 2) ? ps : 0;
	size_t rlen = r->len + opt.size;
	char *res_base, *nb;
	size_t i = 0;

	if (opt.size == ps)
		off = 0;
	res_base = lfs_mmap_aligned(rlen, opt.size, false);
	if (!res_base)
		lfs_die_errno("mmap (mremap target)");
	nb = res_base + off;
	while (i < r->npages) {
		size_t j = i;
		bool gone = r->state[i] == P_GONE;

		while (j < r->npages && (r->state[j] == P_GONE) == gone)
			j++;
		if (gone) {
			munmap(nb + i * ps, (j - i) * ps);
		} else if (mremap(r->base + i * ps, (j - i) * ps, (j - i) * ps,
				  MREMAP_MAYMOVE | MREMAP_FIXED,
				  nb + i * ps) == MAP_FAILED) {
			lfs_die_errno("mremap");
		}
		i = j;
	}
	/* Trim what is left of the reservation around the new region. */
	if (off)
		munmap(res_base, off);
	munmap(nb + r->len, rlen - off - r->len);
	/* The old range is entirely gone now (holes were holes). */
	r->base = nb;
}

/* Rewrite a random subset of pages with a new generation. */
static void region_rewrite(struct region *r, struct lfs_rng *rng)
{
	uint32_t gen = lfs_rng_next(rng);

	for (size_t i = 0; i < r->npages; i++)
		if (r->state[i] != P_GONE && lfs_rng_below(rng, 3) == 0)
			write_page(r, i, gen);
}

static void LFS_NORETURN worker(int id, double deadline, struct lfs_cg *cg)
{
	struct wstats *ws = &wstats[id];
	size_t maxf = opt.mem / opt.stress / opt.size;
	struct lfs_rng rng;
	char tag[32];

	lfs_rng_seed(&rng, opt.seed * 1000003 + id);
	snprintf(tag, sizeof(tag), " worker %d", id);
	ksm_merge_any();
	if (cg && lfs_cg_enter(cg)) {
		printf("worker %d: cannot enter %s\n", id, cg->path);
		cg = NULL;
	}

	while (lfs_now() < deadline) {
		size_t nf = 1 + lfs_rng_below(&rng, maxf);
		int kind = opt.kind_given ? opt.kind :
			   (int)lfs_rng_below(&rng, LFS_NR_KINDS);
		int nops = 4 + lfs_rng_below(&rng, 8);
		struct region r;

		region_init(&r, nf * opt.size, kind, lfs_rng_next(&rng),
			    lfs_rng_next(&rng));
		r.tag = tag;
		r.bytes_verified = &ws->bytes_verified;
		r.op = "fill";
		region_fill(&r);
		ws->regions++;
		for (int k = 0; k < nops && lfs_now() < deadline; k++) {
			int op = lfs_rng_below(&rng, NR_OPS);
			long bad = 0;

			/* Swap out half of the time so swap-ins find swap. */
			if (lfs_rng_below(&rng, 2))
				op = lfs_rng_below(&rng, 3);
			if (!cg && (op == OP_COLD || op == OP_RECLAIM))
				op = OP_PAGEOUT;
			r.op = op_names[op];
			switch (op) {
			case OP_PAGEOUT:
				out_pageout(&r);
				break;
			case OP_COLD:
				out_cold(&r, cg);
				break;
			case OP_RECLAIM:
				out_reclaim(&r, cg);
				break;
			case OP_SEQ:
				in_seq(&r);
				break;
			case OP_RANDOM:
				in_random(&r, &rng);
				break;
			case OP_PARTIAL:
				in_partial(&r);
				break;
			case OP_FORKCOW:
				bad += in_forkcow(&r, false);
				break;
			case OP_DONTNEED:
				in_dontneed(&r);
				break;
			case OP_MUNMAP:
				in_munmap(&r);
				break;
			case OP_THREADS:
				in_threads(&r, 2 + lfs_rng_below(&rng, 3), false);
				break;
			case OP_MREMAP:
				region_mremap(&r, &rng);
				break;
			case OP_REWRITE:
				region_rewrite(&r, &rng);
				break;
			}
			ws->ops[op]++;
			bad += region_verify(&r);
			if (bad) {
				ws->bad_pages += bad;
				printf("worker %d: %ld bad pages after %s\n",
				       id, bad, op_names[op]);
				fflush(stdout);
				_exit(LFS_EXIT_FAIL);
			}
		}
		region_free(&r);
	}
	ws->done = 1;
	fflush(stdout);
	_exit(LFS_EXIT_PASS);
}

struct cycle_stats {
	long cycles;
	long swapoff_failed;
	long swapon_failed;
};

/* One swapoff/swapon cycle of a random active device. */
static void swap_cycle_once(struct lfs_rng *rng, struct cycle_stats *cs)
{
	struct lfs_swapdev devs[MAX_SWAPS];
	int n = lfs_swaps(devs, MAX_SWAPS);
	struct lfs_swapdev *d;

	if (n <= 0)
		return;
	d = &devs[lfs_rng_below(rng, n)];
	swaps_off[0] = *d;
	if (swapoff(d->path)) {
		/* ENOMEM (no room to swap in) or EBUSY are expected. */
		swaps_off[0].path[0] = '\0';
		cs->swapoff_failed++;
		say("swapoff %s: %s\n", d->path, strerror(errno));
		return;
	}
	usleep(100000 + lfs_rng_below(rng, 400000));
	if (do_swapon(d)) {
		cs->swapon_failed++;
		lfs_warn("swapon %s: %s (retrying at exit)", d->path,
			 strerror(errno));
		return;
	}
	swaps_off[0].path[0] = '\0';
	cs->cycles++;
}

static int run_stress(void)
{
	struct lfs_cg cgs[64];
	pid_t pids[64];
	bool have_cg = true;
	struct cycle_stats cs = { 0 };
	struct lfs_snap s0, s1;
	long tot_ops[NR_OPS] = { 0 }, tot_regions = 0;
	struct lfs_rng rng;
	double deadline;
	int failed = 0;

	if (opt.stress > 64)
		finish(LFS_EXIT_ERROR, "--stress: at most 64 workers");
	if (opt.mem / opt.stress < opt.size)
		finish(LFS_EXIT_ERROR, "--mem/%d is smaller than --size",
		       opt.stress);
	wstats = mmap(NULL, opt.stress * sizeof(*wstats),
		      PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (wstats == MAP_FAILED)
		lfs_die_errno("mmap");
	memset(wstats, 0, opt.stress * sizeof(*wstats));
	swaps_restore_once();
	lfs_rng_seed(&rng, opt.seed);

	for (int i = 0; i < opt.stress && have_cg; i++) {
		char name[96];

		if (opt.cgroup)
			snprintf(name, sizeof(name), "%s-w%d", opt.cgroup, i);
		else
			snprintf(name, sizeof(name), "lfs-integrity-%d-w%d",
				 (int)getpid(), i);
		if (lfs_cg_create(&cgs[i], name)) {
			lfs_warn("no memcg (%s): reclaim ops become pageout",
				 strerror(errno));
			have_cg = false;
		}
	}

	snap(&s0);
	deadline = lfs_now() + opt.time;
	fflush(stdout);
	fflush(stderr);
	for (int i = 0; i < opt.stress; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			lfs_die_errno("fork");
		if (!pids[i])
			worker(i, deadline, have_cg ? &cgs[i] : NULL);
		lfs_child_register(pids[i]);
	}

	while (opt.swap_cycle && lfs_now() < deadline) {
		swap_cycle_once(&rng, &cs);
		usleep(200000);
	}
	swaps_restore();

	for (int i = 0; i < opt.stress; i++) {
		int status;

		while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
			;
		lfs_child_unregister(pids[i]);
		if (WIFEXITED(status) && !WEXITSTATUS(status))
			continue;
		failed++;
		if (WIFSIGNALED(status))
			printf("worker %d: killed by signal %d\n", i,
			       WTERMSIG(status));
		else
			printf("worker %d: exit status %d\n", i,
			       WEXITSTATUS(status));
	}
	snap(&s1);
	if (lfs_counters_delta(&s0, &s1, &res.total))
		lfs_die("out of memory");
	res.have_total = true;
	lfs_snap_free(&s0);
	lfs_snap_free(&s1);

	for (int i = 0; i < opt.stress; i++) {
		for (int o = 0; o < NR_OPS; o++)
			tot_ops[o] += wstats[i].ops[o];
		tot_regions += wstats[i].regions;
		res.bytes_verified += wstats[i].bytes_verified;
		res.mismatched_pages += wstats[i].bad_pages;
		if (!wstats[i].bytes_verified)
			stress_idle++;
	}
	memcpy(res.stress_ops, tot_ops, sizeof(tot_ops));
	res.stress_regions = tot_regions;
	res.stress_failed = failed;
	res.swap_cycles = cs.cycles;
	res.swapoff_failed = cs.swapoff_failed;
	for (int o = 0; o < NR_OPS; o++)
		printf("stress: op %s %ld\n", op_names[o], tot_ops[o]);
	printf("stress: regions %ld\n", tot_regions);
	printf("stress: bytes_verified %llu\n", res.bytes_verified);
	printf("stress: swapoff_cycles %ld swapoff_failed %ld "
	       "swapon_failed %ld\n", cs.cycles, cs.swapoff_failed,
	       cs.swapon_failed);
	printf("stress: workers %d failed %d idle %d\n", opt.stress, failed,
	       stress_idle);
	print_phase("total", &res.total);

	for (int i = 0; i < opt.stress && have_cg; i++)
		lfs_cg_remove(&cgs[i]);
	if (cs.swapon_failed)
		finish(LFS_EXIT_ERROR, "swapon failed %ld times",
		       cs.swapon_failed);
	return failed;
}

/* ------------------------------------------------------------------ */
/* Main                                                               */
/* ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: lfs-integrity [options]\n"
"  --size SIZE        folio size to test: 4K, 16K, ... 2M (default 64K);\n"
"                     only this mTHP size is enabled during the test, and\n"
"                     (without --stress) khugepaged sleeps through it;\n"
"                     --no-thp-setup leaves both alone\n"
"  --mem SIZE         region size (default 64M), a multiple of --size\n"
"  --kind KIND        zero|text|random|pattern|same|mixed (default mixed)\n"
"  --out MODE         pageout|cold|reclaim|limit|writeback (default pageout);\n"
"                     writeback: MADV_PAGEOUT, then the zswap shrinker\n"
"                     (shrinker_enabled=Y for the run) writes entries back\n"
"                     to the device through memory.reclaim on the memcg\n"
"  --out-stride N     with --out pageout: page out every Nth folio only,\n"
"                     leaving the others resident (default 1: all)\n"
"  --in MODE          seq|random|partial|fork-cow|fork-seq|dontneed|munmap|\n"
"                     threads|swapoff|swapoff-race|willneed|sparse|none|\n"
"                     fork-oom|ksm|ksm-swapoff|fork-willneed|\n"
"                     willneed-dontneed|willneed-swapoff\n"
"                     (default seq); fork-seq: fork-cow, each process reading the\n"
"                     region in order before it writes (shared entries);\n"
"                     swapoff: swapoff every swap device (everything comes\n"
"                     back in), swapon again; swapoff-race: the same while\n"
"                     --threads threads fault the region in; willneed:\n"
"                     MADV_WILLNEED of the region, then a sequential read;\n"
"                     sparse: one page of each folio, folios in random order;\n"
"                     fork-oom: a child sharing the entries is OOM-killed\n"
"                     in the middle of swapping them in and writing them\n"
"                     (memcg limits: see the source); needs a memcg;\n"
"                     ksm: three more mappings hold the region's pages in\n"
"                     other orders, KSM merges all four copies of each\n"
"                     page before swap-out (the entries are shared), the\n"
"                     mapping whose entries form the most whole ranges is\n"
"                     read first, then the others; ksm-swapoff: swapoff\n"
"                     instead of the later reads; both need --out reclaim,\n"
"                     cold or limit (MADV_PAGEOUT skips shared pages);\n"
"                     values ksm_merged, ksm_swapped (pages of the four\n"
"                     mappings), ksm_runs (whole ranges of the first) and\n"
"                     ksm_large (large folios it mapped);\n"
"                     fork-willneed: after fork the child drops half of\n"
"                     every folio, the parent's MADV_WILLNEED reads the\n"
"                     region, the child reads its halves, then the parent\n"
"                     reads the region in order;\n"
"                     willneed-dontneed: MADV_WILLNEED of the region, then\n"
"                     MADV_DONTNEED of the second half of every folio, then\n"
"                     the first halves are read in order;\n"
"                     willneed-swapoff: MADV_WILLNEED of the region, then\n"
"                     swapoff (as --in swapoff)\n"
"  --threads N        threads for --in threads, swapoff-race (default 4)\n"
"  --lockstep         --in threads: the threads wait for each other at the\n"
"                     end of every folio (all fault the same folio at once;\n"
"                     none runs ahead into the next range)\n"
"  --iterations N     swap-out/in/verify rounds (default 1)\n"
"  --seed N           content and order seed (default 1)\n"
"  --no-thp-setup     leave the mTHP sysfs settings alone\n"
"  --cgroup NAME      memcg to run in (default lfs-integrity-<pid> for\n"
"                     cold/reclaim/limit/writeback or a --zswap-max or\n"
"                     --zswap-writeback knob; none for pageout)\n"
"  --zswap-max SIZE|max      memory.zswap.max of the memcg (0 allowed)\n"
"  --zswap-writeback 0|1     memory.zswap.writeback of the memcg\n"
"  --zswap-pool-percent N    zswap max_pool_percent for the run (0: every\n"
"                     store hits the pool limit); restored at exit\n"
"  --expect NAME=V    total delta of NAME must equal V\n"
"  --expect-min NAME=V, --expect-max NAME=V   lower/upper bounds\n"
"                     NAME: a counter (pswpout, 64kB.swpout, memcg.zswpout,\n"
"                     memcg.memory.zswap.current, zswap.stored_pages and\n"
"                     the other files of /sys/kernel/debug/zswap, ...),\n"
"                     <phase>.<counter> with phase fault|out|in|verify,\n"
"                     or swapped_pages, folios, pages, resident_large_folios,\n"
"                     mismatched_pages.  V: expression of numbers and the\n"
"                     keywords folios, pages, folio_pages and swapped (pages\n"
"                     seen swapped out) with + - * /, e.g. folios*2 or\n"
"                     64kB.swpout=swapped/folio_pages; a name starting with\n"
"                     a letter is that counter's delta (swpout_zero); a\n"
"                     counter that does not exist fails the expectation\n"
"  --require NAME[,NAME...]  fail (exit 1) unless these counters exist,\n"
"                     e.g. 64kB.zswpout,64kB.zswpin\n"
"  --json FILE        write a JSON report\n"
"  --stress N         N workers doing random operations ...\n"
"  --time SECONDS     ... for this long (default 10)\n"
"  --swap-cycle       ... while swapoff/swapon cycles the swap devices\n"
"  --allow-noswap     run even if no swap device is active\n"
"  --corrupt N        flip a byte in N pages before verifying (tests the test)\n"
"  --between PROG[,ARG...]  run PROG (in PATH) with ARGs (no shell) after swap-out,\n"
"                     before swap-in (fault injection: make the swap device\n"
"                     fail reads); the run stops unless it exits 0\n"
"  --fail-out         (--out pageout) mark this process for fault injection\n"
"                     (make-it-fail) while MADV_PAGEOUT runs; (--out\n"
"                     writeback) while its memory.reclaim makes zswap write\n"
"                     entries back (the caller sets up failslab,\n"
"                     fail_page_alloc or fail_zswap_decompress with\n"
"                     task-filter)\n"
"  --sigbus           (--in seq, willneed, swapoff) a page whose swap-in\n"
"                     raises SIGBUS (swapoff: whose read after swapoff\n"
"                     does, as swapoff could not read it) is counted\n"
"                     (sigbus_pages; sigbus_folios: folios lost whole) and\n"
"                     not verified; every other page is\n"
"  --ksm              make every anonymous mapping KSM-mergeable\n"
"                     (PR_SET_MEMORY_MERGE; each stress worker too)\n"
"  --quiet            only print problems and the result\n"
"  --help             this text\n"
"Exit: 0 pass, 1 mismatch, failed expectation, or nothing swapped out\n"
"      (unless an expectation names swapped_pages), 2 usage/setup error,\n"
"      4 skipped (no swap, unsupported size, no memcg).\n");
}

static int parse_name(const char *arg, const char * const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(arg, names[i]))
			return i;
	return -1;
}

enum {
	O_NO_THP = 256, O_EXPECT, O_EXPECT_MIN, O_EXPECT_MAX, O_SWAP_CYCLE,
	O_ALLOW_NOSWAP, O_CORRUPT, O_BETWEEN, O_SIGBUS, O_KSM, O_REQUIRE, O_ZSWAP_MAX, O_ZSWAP_WB,
	O_POOL_PERCENT,
	O_OUT_STRIDE, O_FAIL_OUT, O_LOCKSTEP,
};

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "mem", required_argument, NULL, 'm' },
		{ "kind", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ "in", required_argument, NULL, 'i' },
		{ "threads", required_argument, NULL, 't' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'S' },
		{ "no-thp-setup", no_argument, NULL, O_NO_THP },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "expect", required_argument, NULL, O_EXPECT },
		{ "expect-min", required_argument, NULL, O_EXPECT_MIN },
		{ "expect-max", required_argument, NULL, O_EXPECT_MAX },
		{ "json", required_argument, NULL, 'j' },
		{ "stress", required_argument, NULL, 'W' },
		{ "time", required_argument, NULL, 'T' },
		{ "swap-cycle", no_argument, NULL, O_SWAP_CYCLE },
		{ "allow-noswap", no_argument, NULL, O_ALLOW_NOSWAP },
		{ "corrupt", required_argument, NULL, O_CORRUPT },
		{ "between", required_argument, NULL, O_BETWEEN },
		{ "sigbus", no_argument, NULL, O_SIGBUS },
		{ "ksm", no_argument, NULL, O_KSM },
		{ "require", required_argument, NULL, O_REQUIRE },
		{ "zswap-max", required_argument, NULL, O_ZSWAP_MAX },
		{ "zswap-writeback", required_argument, NULL, O_ZSWAP_WB },
		{ "zswap-pool-percent", required_argument, NULL, O_POOL_PERCENT },
		{ "out-stride", required_argument, NULL, O_OUT_STRIDE },
		{ "fail-out", no_argument, NULL, O_FAIL_OUT },
		{ "lockstep", no_argument, NULL, O_LOCKSTEP },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			opt.size = lfs_parse_size(optarg);
			if (!opt.size || opt.size % ps ||
			    lfs_size_order(opt.size) < 0)
				lfs_die("bad --size %s", optarg);
			break;
		case 'm':
			opt.mem = lfs_parse_size(optarg);
			if (!opt.mem)
				lfs_die("bad --mem %s", optarg);
			break;
		case 'k':
			opt.kind = lfs_kind_parse(optarg);
			if (opt.kind < 0)
				lfs_die("bad --kind %s", optarg);
			opt.kind_given = true;
			break;
		case 'o':
			opt.out = parse_name(optarg, out_names, NR_OUT);
			if (opt.out < 0)
				lfs_die("bad --out %s", optarg);
			break;
		case O_OUT_STRIDE:
			opt.out_stride = strtoul(optarg, NULL, 0);
			if (opt.out_stride < 1)
				lfs_die("bad --out-stride %s (1 or more)", optarg);
			break;
		case 'i':
			opt.in = parse_name(optarg, in_names, NR_IN);
			if (opt.in < 0)
				lfs_die("bad --in %s", optarg);
			break;
		case 't':
			opt.threads = atoi(optarg);
			if (opt.threads < 1 || opt.threads > 64)
				lfs_die("bad --threads %s (1..64)", optarg);
			break;
		case 'n':
			opt.iterations = atoi(optarg);
			if (opt.iterations < 1)
				lfs_die("bad --iterations %s", optarg);
			break;
		case 'S':
			opt.seed = strtoull(optarg, NULL, 0);
			break;
		case O_NO_THP:
			opt.no_thp_setup = true;
			break;
		case 'c':
			opt.cgroup = optarg;
			break;
		case O_EXPECT:
		case O_EXPECT_MIN:
		case O_EXPECT_MAX:
			if (add_expect(c == O_EXPECT ? EXP_EQ :
				       c == O_EXPECT_MIN ? EXP_MIN : EXP_MAX,
				       optarg))
				lfs_die("bad expectation '%s' (NAME=EXPR)",
					optarg);
			break;
		case 'j':
			opt.json = optarg;
			break;
		case 'W':
			opt.stress = atoi(optarg);
			if (opt.stress < 1)
				lfs_die("bad --stress %s", optarg);
			break;
		case 'T':
			opt.time = atof(optarg);
			if (opt.time <= 0)
				lfs_die("bad --time %s", optarg);
			break;
		case O_SWAP_CYCLE:
			opt.swap_cycle = true;
			break;
		case O_ALLOW_NOSWAP:
			opt.allow_noswap = true;
			break;
		case O_BETWEEN:
			opt.between = optarg;
			break;
		case O_FAIL_OUT:
			opt.fail_out = true;
			break;
		case O_LOCKSTEP:
			opt.lockstep = true;
			break;
		case O_SIGBUS:
			opt.sigbus = true;
			break;
		case O_KSM:
			opt.ksm = true;
			break;
		case O_CORRUPT:
			opt.corrupt = atol(optarg);
			break;
		case O_REQUIRE: {
			char *list = strdup(optarg), *save = NULL, *tok;

			for (tok = strtok_r(list, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (opt.nr_require == MAX_REQUIRE)
					lfs_die("at most %d --require names",
						MAX_REQUIRE);
				opt.require[opt.nr_require++] = tok;
			}
			break;
		}
		case O_ZSWAP_MAX:
			if (!strcmp(optarg, "max")) {
				opt.zswap_max = -1;
			} else if (!strcmp(optarg, "0")) {
				opt.zswap_max = 0;
			} else {
				opt.zswap_max = lfs_parse_size(optarg);
				if (!opt.zswap_max)
					lfs_die("bad --zswap-max %s", optarg);
			}
			break;
		case O_ZSWAP_WB:
			if (strcmp(optarg, "0") && strcmp(optarg, "1"))
				lfs_die("bad --zswap-writeback %s (0|1)", optarg);
			opt.zswap_writeback = atoi(optarg);
			break;
		case O_POOL_PERCENT: {
			char *end;

			opt.pool_percent = strtol(optarg, &end, 10);
			if (end == optarg || *end || opt.pool_percent < 0 ||
			    opt.pool_percent > 100)
				lfs_die("bad --zswap-pool-percent %s (0..100)",
					optarg);
			break;
		}
		case 'q':
			opt.quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			lfs_die("bad usage");
		}
	}
	if (optind < argc)
		lfs_die("unexpected argument '%s'", argv[optind]);
	if (opt.mem % opt.size)
		lfs_die("--mem must be a multiple of --size");
	if (opt.out_stride > 1 && opt.out != OUT_PAGEOUT)
		lfs_die("--out-stride needs --out pageout");
	if (opt.swap_cycle && !opt.stress)
		lfs_die("--swap-cycle needs --stress");
	if (opt.sigbus && ((opt.in != IN_SEQ && opt.in != IN_WILLNEED &&
			    opt.in != IN_SWAPOFF) || opt.stress))
		lfs_die("--sigbus works with --in seq, willneed or swapoff in a single run");
	if (opt.stress && (opt.zswap_max != -2 || opt.zswap_writeback >= 0))
		lfs_die("--zswap-max/--zswap-writeback are for single runs");
}

int main(int argc, char **argv)
{
	char sbuf[32], mbuf[32];
	struct lfs_swapdev devs[MAX_SWAPS];
	int nswap, failed_exp;
	long long swap_free_kb = 0;
	long bad;

	/* Line buffering keeps output ordered with forked children. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	lfs_init("lfs-integrity");
	ps = lfs_pagesize();
	parse_args(argc, argv);

	printf("lfs-integrity: size=%s mem=%s kind=%s out=%s in=%s\n",
	       lfs_size_str(opt.size, sbuf), lfs_size_str(opt.mem, mbuf),
	       lfs_kind_name(opt.kind), out_names[opt.out], in_names[opt.in]);
	say("params: seed=%llu iterations=%d threads=%d stress=%d time=%g "
	    "swap_cycle=%d kernel_pagesize=%zu\n",
	    (unsigned long long)opt.seed, opt.iterations, opt.threads,
	    opt.stress, opt.time, opt.swap_cycle, ps);
	kw_folios = opt.mem / opt.size;
	kw_pages = opt.mem / ps;

	if (geteuid())
		finish(LFS_EXIT_SKIP, "must run as root");
	nswap = lfs_swaps(devs, MAX_SWAPS);
	if (nswap <= 0 && !opt.allow_noswap)
		finish(LFS_EXIT_SKIP, "no swap enabled");
	/* Without swap, shrinking memory.max would OOM-kill us. */
	if (nswap <= 0 && opt.out == OUT_LIMIT && !opt.stress)
		finish(LFS_EXIT_SKIP, "--out limit needs swap");
	for (int i = 0; i < nswap; i++) {
		say("swap: %s type=%s size=%lldkB used=%lldkB prio=%d\n",
		    devs[i].path, devs[i].type, devs[i].size_kb,
		    devs[i].used_kb, devs[i].prio);
		swap_free_kb += devs[i].size_kb - devs[i].used_kb;
	}
	/*
	 * The data may not fit: fine for pageout/reclaim (less is swapped),
	 * but shrinking memory.max without room in swap OOM-kills us.
	 */
	if (nswap > 0 && (unsigned long long)swap_free_kb << 10 < opt.mem) {
		if (opt.out == OUT_LIMIT && !opt.stress)
			finish(LFS_EXIT_SKIP, "--out limit needs %s of free swap",
			       mbuf);
		lfs_warn("free swap (%lldkB) is smaller than --mem",
			 swap_free_kb);
	}

	if (opt.lockstep && opt.in != IN_THREADS)
		finish(LFS_EXIT_ERROR, "%s", "--lockstep needs --in threads");
	if (opt.fail_out && opt.out != OUT_PAGEOUT && opt.out != OUT_WRITEBACK)
		finish(LFS_EXIT_ERROR, "%s", "--fail-out needs --out pageout or writeback");
	if (in_ksm_mode() && (opt.out == OUT_PAGEOUT || opt.out == OUT_WRITEBACK ||
			      opt.iterations != 1 || opt.stress ||
			      (opt.kind != LFS_KIND_TEXT && opt.kind != LFS_KIND_RANDOM)))
		finish(LFS_EXIT_ERROR, "--in %s needs --out reclaim, cold or limit, "
		       "--kind text or random (every page different), one "
		       "iteration, no --stress", in_names[opt.in]);
	if (!opt.no_thp_setup) {
		if (!lfs_thp_size_supported(opt.size))
			finish(LFS_EXIT_SKIP, "mTHP size %s not supported",
			       sbuf);
		if (lfs_thp_only(opt.size))
			finish(LFS_EXIT_ERROR, "cannot set up mTHP size %s: %s",
			       sbuf, strerror(errno));
		/*
		 * A single run counts the large folios swap-in left; keep
		 * khugepaged from collapsing ranges under it. The stress
		 * mode wants khugepaged in the mix.
		 */
		if (!opt.stress && lfs_khugepaged_sleep())
			finish(LFS_EXIT_ERROR, "cannot set khugepaged/scan_sleep_millisecs: %s",
			       strerror(errno));
	}

	if (opt.pool_percent >= 0) {
		char val[16];

		snprintf(val, sizeof(val), "%d", opt.pool_percent);
		zparam_set(ZP_MAX_POOL_PERCENT, val);
	}

	ksm_merge_any();
	if (opt.stress)
		bad = run_stress();
	else
		bad = run_single();
	if (!opt.stress)
		res.mismatched_pages = bad;

	failed_exp = check_expectations();
	if (bad && !opt.stress) {
		if (mismatch_lines > MAX_MISMATCH_LINES)
			printf("MISMATCH %d more lines suppressed\n",
			       mismatch_lines - MAX_MISMATCH_LINES);
		printf("MISMATCH total %ld pages\n", bad);
		finish(LFS_EXIT_FAIL, "%ld pages mismatched", bad);
	}
	if (bad)
		finish(LFS_EXIT_FAIL, "%ld of %d workers failed", bad,
		       opt.stress);
	if (failed_exp)
		finish(LFS_EXIT_FAIL, "expectation failed: %s",
		       res.expect_fail);
	/*
	 * A stress worker that verified no byte in the whole run made no
	 * progress (a soak segment once passed with 0 bytes verified by all
	 * three while the guest reported a soft lockup and hung tasks).
	 */
	if (opt.stress && stress_idle)
		finish(LFS_EXIT_FAIL, "%d of %d workers verified nothing in %g s "
		       "(no progress)", stress_idle, opt.stress, opt.time);
	/*
	 * A case that swapped nothing out tested no swap path: it fails
	 * unless it says what it expected of swapped_pages.
	 */
	if (!opt.stress && !res.swapped_pages && !expects("swapped_pages"))
		finish(LFS_EXIT_FAIL, "%s", "nothing was swapped out (the case "
		       "tested no swap; --expect swapped_pages=0 if that is "
		       "the point)");
	finish(LFS_EXIT_PASS, "%s", "");
}
