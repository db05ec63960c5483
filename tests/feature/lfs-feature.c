// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-feature - what does one operation do to large anonymous folios?
 *
 *   lfs-feature --op OP --size SIZE [--count N] [--label TEXT] [-v]
 *
 * Enables only the mTHP size SIZE, faults in N naturally aligned folios of
 * that size with verifiable content, checks that they really are large
 * folios, performs OP and prints exactly one line on stdout:
 *
 *   FEATURE <op>[:<label>] <size> <verdict> <detail>
 *
 * verdict: whole  - the folios stayed whole (order preserved, went out /
 *                   came back as one unit)
 *          split  - it worked, but the folios were split / came back smaller
 *          bypass - it worked, but around the path under test (e.g. a large
 *                   folio went past zswap to the backing device)
 *          small  - (swapin-scattered) every touched page came back as a
 *                   base page
 *          barely - it worked in part (e.g. NUMA balancing moved only
 *                   some of the pages)
 *          broken - data mismatch, error, or a crash of the operation
 *          skip   - could not be tested here (reason in detail)
 * detail is a one-line summary of the evidence: counter deltas and order
 * histograms ("o4x8" = 8 folios of order 4, "o0x16" = 16 small pages).
 *
 * Exit status is 0 whatever the verdict; 2 for a usage error.  Diagnostics
 * go to stderr (more of them with -v).  Runs as root on the kernel under
 * test; the swap ops need an active swap device (the guest script sets one
 * up per run) and say "skip" when /proc/swaps is empty.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/userfaultfd.h>

#include "../lib/lfs.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif
#ifndef MADV_COLD
#define MADV_COLD	20
#endif
#ifndef MADV_FREE
#define MADV_FREE	8
#endif
#ifndef MPOL_DEFAULT
#define MPOL_DEFAULT	0
#endif
#ifndef MPOL_PREFERRED
#define MPOL_PREFERRED	1
#endif
#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE	(1 << 1)
#endif
#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW	_IO(0xAA, 0x00)
#endif

#define KIND		LFS_KIND_TEXT	/* non-zero, compressible (zswap) */
#define KSM_DIR		"/sys/kernel/mm/ksm"
#define ZSWAP_ENABLED	"/sys/module/zswap/parameters/enabled"
#define MAX_SWAPS	16

static struct {
	const char *op;
	const char *label;
	char opname[96];	/* op or op:label, as printed */
	char sizestr[32];
	size_t size;		/* folio size */
	size_t ps;		/* base page size */
	size_t nr;		/* pages per folio */
	size_t npages;		/* pages in the region */
	size_t len;		/* region length */
	int order;
	int count;		/* folios in the region */
	char *base;		/* region (naturally aligned) */
	uint32_t *gen;		/* expected generation per page */
	bool ksm_layout;	/* every folio holds the same content */
	uint64_t seed;
	bool have_cg;
	struct lfs_cg cg;
	int verbose;
	bool printed;
	uint64_t sink;		/* keeps reads from being optimised away */
} C;

/* ------------------------------------------------------------------ */
/* Output                                                             */
/* ------------------------------------------------------------------ */

struct dbuf {
	char s[1536];
	size_t n;
};

static void LFS_PRINTF(2, 3) dadd(struct dbuf *d, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (d->n >= sizeof(d->s) - 1)
		return;
	va_start(ap, fmt);
	r = vsnprintf(d->s + d->n, sizeof(d->s) - d->n, fmt, ap);
	va_end(ap);
	if (r > 0)
		d->n += (size_t)r < sizeof(d->s) - d->n ? (size_t)r :
			sizeof(d->s) - d->n - 1;
}

/* Print the one FEATURE line (only once, only from the main process). */
static void emit(const char *verdict, const char *detail)
{
	char line[2048];
	int n;

	if (C.printed || !lfs_is_main_process())
		return;
	C.printed = true;
	n = snprintf(line, sizeof(line), "FEATURE %s %s %s %s",
		     C.opname, C.sizestr, verdict,
		     detail && *detail ? detail : "-");
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	for (int i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r' || line[i] == '\t')
			line[i] = ' ';
	line[n++] = '\n';
	fflush(stdout);
	(void)!write(STDOUT_FILENO, line, n);
}

static void LFS_PRINTF(2, 3) verdict(const char *v, const char *fmt, ...)
{
	char detail[1600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	emit(v, detail);
}

static void LFS_PRINTF(1, 2) dbg(const char *fmt, ...)
{
	va_list ap;

	if (!C.verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "lfs-feature: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* A crash of the probe is a verdict too: the operation broke. */
static void crash_handler(int sig, siginfo_t *si, void *uc)
{
	char detail[160];

	(void)uc;
	snprintf(detail, sizeof(detail), "probe got signal %d (%s) at %p",
		 sig, sig == SIGBUS ? "SIGBUS" : sig == SIGSEGV ? "SIGSEGV" :
		 "fatal", si ? si->si_addr : NULL);
	emit("broken", detail);
	_exit(0);
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                      */
/* ------------------------------------------------------------------ */

static int read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -1;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r < 0)
		return -1;
	buf[r] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = write(fd, val, strlen(val));
	if (r < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	return 0;
}

static long long read_ll(const char *path)
{
	char buf[64];

	if (read_str(path, buf, sizeof(buf)))
		return -1;
	return atoll(buf);
}

/* Per-size mTHP counter name, e.g. "64kB.swpout" (rotating buffers). */
static const char *mthp(const char *stat)
{
	static char buf[8][LFS_COUNTER_NAME];
	static int i;
	char *b = buf[i++ & 7];

	snprintf(b, LFS_COUNTER_NAME, "%zukB.%s", C.size / 1024, stat);
	return b;
}

/*
 * A /proc/vmstat event, or the same event of our memcg's memory.stat when
 * /proc/vmstat lacks it (kernels built without CONFIG_VM_EVENT_COUNTERS
 * only have the memcg copies; pswpin/pswpout have none).
 */
static const char *dsrc(const struct lfs_delta *d, const char *name)
{
	static char buf[4][LFS_COUNTER_NAME + 8];
	static int i;
	char *b;

	if (lfs_delta_has(d, name))
		return name;
	b = buf[i++ & 3];
	snprintf(b, sizeof(buf[0]), "memcg.%s", name);
	return lfs_delta_has(d, b) ? b : NULL;
}

static bool dhas(const struct lfs_delta *d, const char *name)
{
	return dsrc(d, name) != NULL;
}

static long long dv(const struct lfs_delta *d, const char *name)
{
	const char *n = dsrc(d, name);

	return n ? lfs_delta_get(d, n) : 0;
}

/* Append "short=value" ("(cg)" if from memcg); "short=n/a" if absent. */
static void dcnt(struct dbuf *b, const struct lfs_delta *d, const char *name,
		 const char *shortname)
{
	const char *n = dsrc(d, name);

	if (n)
		dadd(b, " %s=%lld%s", shortname, lfs_delta_get(d, n),
		     strncmp(n, "memcg.", 6) ? "" : "(cg)");
	else
		dadd(b, " %s=n/a", shortname);
}

static void snap(struct lfs_snap *s)
{
	if (lfs_counters_snap(s))
		memset(s, 0, sizeof(*s));
}

/* d = b - a, then free both snapshots. */
static void delta(struct lfs_snap *a, struct lfs_snap *b, struct lfs_delta *d)
{
	memset(d, 0, sizeof(*d));
	if (a->v && b->v && lfs_counters_delta(a, b, d))
		memset(d, 0, sizeof(*d));
	if (C.verbose && d->v)
		lfs_delta_print(stderr, d, "  ");
	lfs_snap_free(a);
	lfs_snap_free(b);
}

/* ------------------------------------------------------------------ */
/* Content                                                            */
/* ------------------------------------------------------------------ */

static size_t page_index(size_t i)
{
	return C.ksm_layout ? i % C.nr : i;
}

static void fill_page(char *base, size_t i)
{
	lfs_fill_page(base + i * C.ps, KIND, C.seed, page_index(i), C.gen[i]);
}

/* Rewrite page 0 of every folio with a new generation. */
static void write_first_pages(char *base, uint32_t gen)
{
	for (int j = 0; j < C.count; j++) {
		size_t i = (size_t)j * C.nr;

		C.gen[i] = gen;
		fill_page(base, i);
	}
}

static bool page_is_zero(const char *p)
{
	const uint64_t *w = (const uint64_t *)p;

	for (size_t k = 0; k < C.ps / sizeof(*w); k++)
		if (w[k])
			return false;
	return true;
}

struct vres {
	long bad;	/* pages with wrong content */
	long zero;	/* all-zero pages (accepted only with allow_zero) */
	char first[200];
};

/* Check every byte of the region at base; returns the bad page count. */
static long verify(const char *base, bool allow_zero, struct vres *r)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < C.npages; i++) {
		const char *p = base + i * C.ps;
		long off;

		if (allow_zero && page_is_zero(p)) {
			r->zero++;
			continue;
		}
		off = lfs_check_page(p, KIND, C.seed, page_index(i), C.gen[i]);
		if (off < 0)
			continue;
		if (!r->bad++)
			snprintf(r->first, sizeof(r->first),
				 "page %zu (folio %zu) off %ld: got 0x%02x want 0x%02x",
				 i, i / C.nr, off, (uint8_t)p[off],
				 lfs_expected_byte(KIND, C.seed, page_index(i),
						   C.gen[i], off));
	}
	return r->bad;
}

/* ------------------------------------------------------------------ */
/* Folio inspection                                                   */
/* ------------------------------------------------------------------ */

/* The folio starting at p is still one folio of the original order. */
static bool folio_whole_at(const char *p)
{
	uint64_t pfn0;

	if (lfs_folio_order_at(p) != C.order)
		return false;
	pfn0 = lfs_pfn_at(p);
	if (!pfn0 || pfn0 % C.nr)
		return false;
	for (size_t i = 1; i < C.nr; i++)
		if (lfs_pfn_at(p + i * C.ps) != pfn0 + i)
			return false;
	return true;
}

static int count_whole(const char *base)
{
	int n = 0;

	for (int j = 0; j < C.count; j++)
		n += folio_whole_at(base + (size_t)j * C.size);
	return n;
}

/* Folios 1..count-1 that are whole (the first one a pass reads is not judged). */
static int count_whole_after_first(const char *base)
{
	int n = 0;

	for (int j = 1; j < C.count; j++)
		n += folio_whole_at(base + (size_t)j * C.size);
	return n;
}

/* First folio that is not whole: its order (-1 not present), or -2. */
static int first_bad_order(const char *base)
{
	for (int j = 0; j < C.count; j++) {
		const char *p = base + (size_t)j * C.size;

		if (!folio_whole_at(p))
			return lfs_folio_order_at(p);
	}
	return -2;
}

/* "o4x8" / "o0x64 swapped=64" etc., of [base, base + rlen). */
static const char *hist_range(const char *base, size_t rlen, char *buf,
			      size_t len)
{
	struct lfs_scan sc;
	size_t n = 0;

	buf[0] = '\0';
	if (lfs_region_scan(base, rlen, &sc)) {
		snprintf(buf, len, "scan-failed");
		return buf;
	}
	for (int o = LFS_NR_ORDERS - 1; o >= 0; o--)
		if (sc.hist[o] && n < len)
			n += snprintf(buf + n, len - n, "%so%dx%ld",
				      n ? "," : "", o, sc.hist[o]);
	if (!n && n < len)
		n += snprintf(buf + n, len - n, "none-mapped");
	if (sc.swapped && n < len)
		n += snprintf(buf + n, len - n, " swapped=%ld", sc.swapped);
	if (sc.none && n < len)
		n += snprintf(buf + n, len - n, " unmapped=%ld", sc.none);
	if (sc.zero && n < len)
		n += snprintf(buf + n, len - n, " zeropage=%ld", sc.zero);
	if (sc.partial && n < len)
		snprintf(buf + n, len - n, " partial=%ld", sc.partial);
	return buf;
}

/* The same, of the whole region. */
static const char *hist(const char *base, char *buf, size_t len)
{
	return hist_range(base, C.len, buf, len);
}

static long swapped_pages(const char *base)
{
	struct lfs_scan sc;

	if (lfs_region_scan(base, C.len, &sc))
		return -1;
	return sc.swapped;
}

/* ------------------------------------------------------------------ */
/* Environment                                                        */
/* ------------------------------------------------------------------ */

static int swap_devices(struct lfs_swapdev *devs)
{
	int n = lfs_swaps(devs, MAX_SWAPS);

	return n < 0 ? 0 : n;
}

static bool need_swap(void)
{
	struct lfs_swapdev devs[MAX_SWAPS];

	if (swap_devices(devs) > 0)
		return true;
	verdict("skip", "no active swap device (/proc/swaps is empty)");
	return false;
}

/* rotational flag of the block device dev (or of its whole disk), or -1 */
static int rotational(dev_t dev)
{
	char path[128];
	long long v;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/queue/rotational",
		 major(dev), minor(dev));
	v = read_ll(path);
	if (v < 0) {
		snprintf(path, sizeof(path),
			 "/sys/dev/block/%u:%u/../queue/rotational",
			 major(dev), minor(dev));
		v = read_ll(path);
	}
	return (int)v;
}

/* "swap=/dev/zram0(partition,rot=0)" for the active swap devices. */
static const char *swap_desc(char *buf, size_t len)
{
	struct lfs_swapdev devs[MAX_SWAPS];
	int n = swap_devices(devs);
	size_t k = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && k < len; i++) {
		struct stat st;
		int rot = -1;

		if (!stat(devs[i].path, &st))
			rot = rotational(S_ISBLK(st.st_mode) ? st.st_rdev :
					 st.st_dev);
		k += snprintf(buf + k, len - k, "%sswap=%.100s(%s,rot=%d)",
			      i ? " " : "", devs[i].path, devs[i].type, rot);
	}
	return buf;
}

static bool zswap_enabled(void)
{
	char buf[16];

	return !read_str(ZSWAP_ENABLED, buf, sizeof(buf)) &&
	       (buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1');
}

static bool need_memcg(void)
{
	if (C.have_cg)
		return true;
	verdict("skip", "no cgroup v2 memory controller");
	return false;
}

/*
 * After MADV_PAGEOUT to an async device, folios stay in the swap cache
 * until writeback ends and reclaim comes back for them; a fault would find
 * them there and not read the device at all.  Reclaim our own memcg (where
 * everything mapped is already swapped out) to drop them.
 */
static void evict_swapcache(void)
{
	lfs_wait_writeback();
	if (C.have_cg)
		lfs_cg_reclaim(&C.cg, C.len, 3);
	lfs_wait_writeback();
}

/*
 * Fallback for lfs_thp_only(): some hugepages-<N>kB directories have no
 * anonymous "enabled" file (order 1 is file/shmem only), which older
 * versions of the shared helper trip over.  Same job: only `size` on
 * "always", every other anon size on "never", restored at exit.
 */
static struct {
	char path[128];
	char mode[16];
} thp_saved[LFS_MAX_THP_SIZES + 1];
static int thp_nsaved;

static void thp_local_restore(void)
{
	if (!lfs_is_main_process())
		return;
	for (int i = 0; i < thp_nsaved; i++)
		write_str(thp_saved[i].path, thp_saved[i].mode);
	thp_nsaved = 0;
}

static int thp_only_local(size_t size)
{
	size_t sizes[LFS_MAX_THP_SIZES];
	int n = lfs_thp_sizes(sizes, LFS_MAX_THP_SIZES), ret;
	char buf[128], *a, *b;
	bool found = false;

	for (int i = 0; i < n; i++) {
		snprintf(thp_saved[thp_nsaved].path, sizeof(thp_saved[0].path),
			 LFS_THP_DIR "/hugepages-%zukB/enabled", sizes[i] >> 10);
		if (read_str(thp_saved[thp_nsaved].path, buf, sizeof(buf)))
			continue;	/* no anon control for this size */
		a = strchr(buf, '[');
		b = a ? strchr(a, ']') : NULL;
		if (!a || !b || b - a - 1 >= (int)sizeof(thp_saved[0].mode))
			continue;
		memcpy(thp_saved[thp_nsaved].mode, a + 1, b - a - 1);
		thp_saved[thp_nsaved].mode[b - a - 1] = '\0';
		found |= sizes[i] == size;
		thp_nsaved++;
	}
	if (!found) {
		errno = ENOENT;
		return -1;
	}
	atexit(thp_local_restore);
	/* "never" everywhere first, so two sizes are never on at once. */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < thp_nsaved; i++) {
			const char *kb = strrchr(thp_saved[i].path, '-') + 1;
			bool me = strtoull(kb, NULL, 10) << 10 == size;

			if (me != (pass == 1))
				continue;
			ret = write_str(thp_saved[i].path,
					me ? "always" : "never");
			if (ret) {
				errno = -ret;
				return -1;
			}
		}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Region setup                                                       */
/* ------------------------------------------------------------------ */

static char *alloc_region(void)
{
	char *p = lfs_mmap_aligned(C.len, C.size, true);

	if (!p) {
		verdict("broken", "mmap of %zu bytes failed: %s", C.len,
			strerror(errno));
		return NULL;
	}
	return p;
}

static void fill_region(char *base)
{
	for (size_t i = 0; i < C.npages; i++)
		fill_page(base, i);
}

/*
 * Fault in the region and check it holds whole folios of the size under
 * test; otherwise print "skip" (the op cannot be tested) and return false.
 */
static bool setup(void)
{
	char h[256];
	int whole;

	C.base = alloc_region();
	if (!C.base)
		return false;
	fill_region(C.base);
	whole = count_whole(C.base);
	dbg("fault-in: %d/%d whole, %s", whole, C.count,
	    hist(C.base, h, sizeof(h)));
	if (whole == C.count)
		return true;
	verdict("skip", "fault-in gave order %d (%d/%d whole; %s)",
		first_bad_order(C.base), whole, C.count,
		hist(C.base, h, sizeof(h)));
	return false;
}

/* Data check with a "broken" verdict on mismatch; true if all is well. */
static bool data_ok(const char *base, const char *when)
{
	struct vres r;

	if (!verify(base, false, &r))
		return true;
	verdict("broken", "data mismatch %s: %ld bad pages, first %s", when,
		r.bad, r.first);
	return false;
}

/* ------------------------------------------------------------------ */
/* Ops                                                                */
/* ------------------------------------------------------------------ */

static void op_fault_in(void)
{
	struct lfs_snap a, b;
	struct lfs_delta d;
	struct dbuf db = { .n = 0 };
	char h[256];
	int whole;

	snap(&a);
	C.base = alloc_region();
	if (!C.base)
		return;
	fill_region(C.base);
	snap(&b);
	delta(&a, &b, &d);
	whole = count_whole(C.base);
	dadd(&db, "%d/%d whole, %s;", whole, C.count,
	     hist(C.base, h, sizeof(h)));
	dcnt(&db, &d, mthp("anon_fault_alloc"), "anon_fault_alloc");
	dcnt(&db, &d, mthp("anon_fault_fallback"), "anon_fault_fallback");
	dcnt(&db, &d, mthp("anon_fault_fallback_charge"), "fallback_charge");
	if (!data_ok(C.base, "after fault-in"))
		return;
	emit(whole == C.count ? "whole" : "split", db.s);
}

/*
 * Shared verdict for "it went to swap": per-size swpout == N with no
 * fallback and no split means the folios went out whole.
 */
static void swapout_verdict(const struct lfs_delta *d, long swapped,
			    const char *how, const char *extra)
{
	struct dbuf db = { .n = 0 };
	long long swpout = dv(d, mthp("swpout"));
	long long fb = dv(d, mthp("swpout_fallback"));
	long long split = dv(d, mthp("split"));

	dadd(&db, "%s: swapped=%ld/%zu pages;", how, swapped, C.npages);
	dcnt(&db, d, mthp("swpout"), "swpout");
	dcnt(&db, d, mthp("swpout_fallback"), "swpout_fallback");
	dcnt(&db, d, mthp("split"), "split");
	dcnt(&db, d, "pswpout", "pswpout");
	if (dv(d, "zswpout"))
		dcnt(&db, d, "zswpout", "zswpout");
	if (dv(d, "swpout_zero"))
		dcnt(&db, d, "swpout_zero", "swpout_zero");
	if (extra && *extra)
		dadd(&db, "; %s", extra);

	if (!data_ok(C.base, "after swap-in of swapped-out folios"))
		return;
	/*
	 * Whole: no fallback, no split, and every page of the region that
	 * went to swap is accounted for by a whole-folio swap-out.
	 */
	if (fb > 0 || split > 0)
		emit("split", db.s);
	else if (swapped <= 0 && swpout <= 0)
		emit("broken", db.s);	/* nothing was swapped out */
	else if (swpout > 0 && swpout * (long long)C.nr >= swapped)
		emit("whole", db.s);
	else
		emit("split", db.s);	/* part went out some other way */
}

static bool pageout(char *base, size_t len)
{
	if (madvise(base, len, MADV_PAGEOUT)) {
		verdict(errno == EINVAL ? "skip" : "broken",
			"madvise(MADV_PAGEOUT): %s", strerror(errno));
		return false;
	}
	return true;
}

static void op_pageout(const char *how)
{
	struct lfs_snap a, b;
	struct lfs_delta d;
	long swapped;
	char h[256], extra[600], sd[300];

	if (!need_swap() || !setup())
		return;
	snap(&a);
	if (!pageout(C.base, C.len))
		return;
	lfs_wait_writeback();
	snap(&b);
	delta(&a, &b, &d);
	swapped = swapped_pages(C.base);
	snprintf(extra, sizeof(extra), "after: %s; %s",
		 hist(C.base, h, sizeof(h)), swap_desc(sd, sizeof(sd)));
	swapout_verdict(&d, swapped, how, extra);
}

static void op_reclaim_memcg(void)
{
	struct lfs_snap a, b;
	struct lfs_delta d;
	long long cur = 0;
	size_t max;
	long swapped;
	int ret;
	char h[256], extra[300];

	if (!need_swap() || !need_memcg() || !setup())
		return;
	if (lfs_cg_read_ll(&C.cg, "memory.current", &cur) || cur <= 0) {
		verdict("skip", "cannot read memory.current");
		return;
	}
	/* Push about half of the region out. */
	max = (size_t)cur > C.len / 2 + C.ps ? (size_t)cur - C.len / 2 : C.ps;
	snap(&a);
	ret = lfs_cg_set_max(&C.cg, max);
	lfs_wait_writeback();
	snap(&b);
	delta(&a, &b, &d);
	swapped = swapped_pages(C.base);
	snprintf(extra, sizeof(extra), "memory.max=%zuK (current was %lldK)%s%s; after: %s",
		 max / 1024, cur / 1024, ret ? " set-max error " : "",
		 ret ? strerror(-ret) : "", hist(C.base, h, sizeof(h)));
	lfs_cg_set_max(&C.cg, 0);
	swapout_verdict(&d, swapped, "memory.max reclaim", extra);
}

static void op_cold(void)
{
	struct lfs_snap a, b;
	struct lfs_delta d;
	long swapped;
	int ret;
	char h[256], extra[300];

	if (!need_swap() || !need_memcg() || !setup())
		return;
	snap(&a);
	if (madvise(C.base, C.len, MADV_COLD)) {
		verdict(errno == EINVAL ? "skip" : "broken",
			"madvise(MADV_COLD): %s", strerror(errno));
		return;
	}
	ret = lfs_cg_reclaim(&C.cg, C.len, 5);
	lfs_wait_writeback();
	snap(&b);
	delta(&a, &b, &d);
	swapped = swapped_pages(C.base);
	snprintf(extra, sizeof(extra), "memory.reclaim=%zuK%s; after: %s",
		 C.len / 1024, ret ? " (EAGAIN: partial)" : "",
		 hist(C.base, h, sizeof(h)));
	swapout_verdict(&d, swapped, "MADV_COLD+memory.reclaim", extra);
}

/*
 * MADV_FREE of half of one folio: split right away / at reclaim?  Returns
 * the number of pages with wrong content (freed pages may read as zero).
 */
static long free_partial(struct dbuf *db)
{
	struct lfs_snap a, b, c;
	struct lfs_delta d1, d2;
	char *p = lfs_mmap_aligned(C.size, C.size, true);
	size_t off = C.size / 4, plen = C.size / 2;
	int o1, o2;
	long bad = 0;

	if (!p || C.nr < 4) {
		dadd(db, "; partial: not run");
		return 0;
	}
	for (size_t i = 0; i < C.nr; i++)
		lfs_fill_page(p + i * C.ps, KIND, C.seed ^ 1, i, 1);
	if (!folio_whole_at(p)) {
		dadd(db, "; partial: fault-in gave order %d",
		     lfs_folio_order_at(p));
		munmap(p, C.size);
		return 0;
	}
	snap(&a);
	if (madvise(p + off, plen, MADV_FREE)) {
		dadd(db, "; partial: MADV_FREE %s", strerror(errno));
		munmap(p, C.size);
		return 0;
	}
	snap(&b);
	o1 = lfs_folio_order_at(p);
	madvise(p + off, plen, MADV_PAGEOUT);
	snap(&c);
	o2 = lfs_folio_order_at(p);
	/* b is shared by both deltas, so do not use delta() (it frees). */
	memset(&d1, 0, sizeof(d1));
	memset(&d2, 0, sizeof(d2));
	if (a.v && b.v)
		lfs_counters_delta(&a, &b, &d1);
	if (b.v && c.v)
		lfs_counters_delta(&b, &c, &d2);
	dadd(db, "; partial (middle half of 1 folio): after MADV_FREE order=%d split=%lld,"
	     " after reclaim order=%d split=%lld lazyfreed=%lld",
	     o1, dv(&d1, mthp("split")), o2, dv(&d2, mthp("split")),
	     dv(&d2, "pglazyfreed"));
	lfs_delta_free(&d1);
	lfs_delta_free(&d2);
	lfs_snap_free(&a);
	lfs_snap_free(&b);
	lfs_snap_free(&c);
	for (size_t i = 0; i < C.nr; i++) {
		const char *q = p + i * C.ps;
		bool freed = i * C.ps >= off && i * C.ps < off + plen;

		if (freed && page_is_zero(q))
			continue;
		if (lfs_check_page(q, KIND, C.seed ^ 1, i, 1) >= 0)
			bad++;
	}
	if (bad)
		dadd(db, "; partial: %ld pages with wrong data", bad);
	munmap(p, C.size);
	return bad;
}

static void op_free(void)
{
	struct lfs_snap a, b;
	struct lfs_delta d;
	struct dbuf db = { .n = 0 };
	struct vres r;
	long long lazy, split, swpout;
	char h[256];

	if (!setup())
		return;
	snap(&a);
	if (madvise(C.base, C.len, MADV_FREE)) {
		verdict(errno == EINVAL ? "skip" : "broken",
			"madvise(MADV_FREE): %s", strerror(errno));
		return;
	}
	/* Reclaim exactly these folios: lazyfree ones are discarded. */
	madvise(C.base, C.len, MADV_PAGEOUT);
	lfs_wait_writeback();
	snap(&b);
	delta(&a, &b, &d);
	lazy = dv(&d, "pglazyfreed");
	split = dv(&d, mthp("split"));
	swpout = dv(&d, mthp("swpout")) + dv(&d, "pswpout");
	dadd(&db, "MADV_FREE+MADV_PAGEOUT: after: %s;", hist(C.base, h, sizeof(h)));
	dadd(&db, " pglazyfreed=%lld/%zu", lazy, C.npages);
	dcnt(&db, &d, mthp("split"), "split");
	dcnt(&db, &d, mthp("swpout"), "swpout");
	dcnt(&db, &d, "pswpout", "pswpout");
	dcnt(&db, &d, "thp_split_pmd", "thp_split_pmd");
	if (verify(C.base, true, &r)) {
		verdict("broken", "data after MADV_FREE is neither the old content nor zero: %ld bad pages, first %s",
			r.bad, r.first);
		return;
	}
	dadd(&db, " discarded=%ld/%zu pages", r.zero, C.npages);
	if (free_partial(&db) > 0)
		emit("broken", db.s);
	else if (split > 0)
		emit("split", db.s);
	else if (swpout > 0)
		emit("bypass", db.s);	/* swapped instead of discarded */
	else if (r.zero == (long)C.npages &&
		 (lazy >= (long long)C.npages || !dhas(&d, "pglazyfreed")))
		emit("whole", db.s);
	else if (r.zero == 0 && lazy == 0)
		verdict("skip", "reclaim discarded nothing: %s", db.s);
	else
		emit("split", db.s);	/* discarded only in part */
}

static void op_zswap_store(void)
{
	struct lfs_snap a, b;
	struct lfs_delta d;
	struct dbuf db = { .n = 0 };
	long long zs, devw, fb, split, szs;
	bool have_szs;
	long swapped;
	char h[256];

	if (!need_swap())
		return;
	if (!zswap_enabled()) {
		verdict("skip", "zswap is not enabled (%s)", ZSWAP_ENABLED);
		return;
	}
	if (!setup())
		return;
	snap(&a);
	if (!pageout(C.base, C.len))
		return;
	lfs_wait_writeback();
	snap(&b);
	delta(&a, &b, &d);
	swapped = swapped_pages(C.base);
	zs = dhas(&d, "zswpout") ? dv(&d, "zswpout") :
	     dv(&d, "zswap.stored_pages");
	/*
	 * Pages written to the backing device: pswpout, or (without vm
	 * event counters) the per-size swpout, which 6.12 counts only for
	 * device writes, never for zswap stores.
	 */
	devw = dhas(&d, "pswpout") ? dv(&d, "pswpout") :
	       dv(&d, mthp("swpout")) * (long long)C.nr;
	fb = dv(&d, mthp("swpout_fallback"));
	split = dv(&d, mthp("split"));
	have_szs = lfs_delta_has(&d, mthp("zswpout"));
	szs = dv(&d, mthp("zswpout"));
	dadd(&db, "swapped=%ld/%zu pages; to zswap %lld/%zu pages, to device %lld;",
	     swapped, C.npages, zs, C.npages, devw);
	dcnt(&db, &d, "zswpout", "zswpout");
	dcnt(&db, &d, "pswpout", "pswpout");
	dcnt(&db, &d, mthp("zswpout"), "mthp_zswpout");
	dcnt(&db, &d, mthp("swpout"), "swpout");
	dcnt(&db, &d, mthp("swpout_fallback"), "swpout_fallback");
	dcnt(&db, &d, mthp("split"), "split");
	dcnt(&db, &d, "zswap.stored_pages", "stored_pages");
	dcnt(&db, &d, "zswpwb", "zswpwb");
	dadd(&db, "; after: %s", hist(C.base, h, sizeof(h)));
	if (!data_ok(C.base, "after zswap load"))
		return;
	if (fb > 0 || split > 0)
		emit("split", db.s);
	else if (zs >= (long long)C.npages && devw == 0 &&
		 (!have_szs || szs >= C.count))
		emit("whole", db.s);
	else if (devw > 0)
		emit("bypass", db.s);
	else if (zs > 0)
		emit("split", db.s);	/* stored, but not as whole folios */
	else
		emit("broken", db.s);	/* nothing went anywhere */
}

/*
 * Read every byte of [base, base + len) in address order, as a program
 * working through its data does.
 */
static void read_sequential(const char *base, size_t len)
{
	const volatile uint64_t *w = (const volatile uint64_t *)base;
	uint64_t sum = 0;

	for (size_t k = 0; k < len / sizeof(*w); k++)
		sum += w[k];
	C.sink += sum;
}

/*
 * The order in which the scattered pass visits the folios: a stride
 * coprime to the count, so that no two faults in a row are in neighbouring
 * folios (for counts above 3).
 */
static int scattered_step(int count)
{
	for (int s = count / 2 + 1; s < count; s++) {
		int a = s, b = count;

		while (b) {
			int t = a % b;

			a = b;
			b = t;
		}
		if (a == 1)
			return s;
	}
	return 1;
}

/* The page a scattered pass touches in folio j: the middle one. */
static char *scattered_page(char *base, int j)
{
	return base + (size_t)j * C.size + (C.nr / 2) * C.ps;
}

/*
 * swapin / zswap-load / swapin-scattered.
 *
 * Sequential: the region is read in address order, every byte. The first
 * folio the pass reaches is reported but not judged: a fault with no swap
 * fault before it in the VMA is no evidence of a pass, and a swap-in
 * policy may read it as base pages.
 *
 * Scattered: one byte in the middle page of each folio, the folios in an
 * order where no two faults in a row are neighbours. "small" means each
 * touched page came back as a base page, which a swap-in policy that
 * avoids reading what is not used chooses here.
 */
static void op_swapin(bool zswap, bool scattered)
{
	struct lfs_snap a, b, c, e;
	struct lfs_delta dout, din;
	struct dbuf db = { .n = 0 };
	long swapped;
	long long swapcached;
	int whole, rest, small = 0, step;
	char h[256], first[256] = "";

	if (!need_swap())
		return;
	if (zswap && !zswap_enabled()) {
		verdict("skip", "zswap is not enabled (%s)", ZSWAP_ENABLED);
		return;
	}
	if (!setup())
		return;
	snap(&a);
	if (!pageout(C.base, C.len))
		return;
	evict_swapcache();
	snap(&b);
	delta(&a, &b, &dout);
	swapped = swapped_pages(C.base);
	swapcached = lfs_meminfo_kb("SwapCached");
	if (swapped <= 0) {
		verdict("skip", "swap-out did not happen (swapped=%ld swpout=%lld fallback=%lld)",
			swapped, dv(&dout, mthp("swpout")),
			dv(&dout, mthp("swpout_fallback")));
		return;
	}
	step = scattered_step(C.count);
	snap(&c);
	if (scattered) {
		for (int k = 0, j = 0; k < C.count; k++, j = (j + step) % C.count)
			(void)*(volatile char *)scattered_page(C.base, j);
	} else {
		read_sequential(C.base, C.len);
	}
	snap(&e);
	delta(&c, &e, &din);
	whole = count_whole(C.base);
	rest = count_whole_after_first(C.base);
	for (int j = 0; j < C.count; j++)
		small += lfs_folio_order_at(scattered_page(C.base, j)) == 0;
	if (!scattered)
		hist_range(C.base, C.size, first, sizeof(first));

	dadd(&db, "out: swapped=%ld/%zu", swapped, C.npages);
	dcnt(&db, &dout, mthp("swpout"), "swpout");
	dcnt(&db, &dout, mthp("swpout_fallback"), "fallback");
	if (zswap)
		dcnt(&db, &dout, "zswpout", "zswpout");
	dcnt(&db, &dout, "pswpout", "pswpout");
	if (scattered)
		dadd(&db, " swapcache=%lldK; in (1 byte/folio, stride %d): %d/%d whole, %d/%d base pages, %s;",
		     swapcached, step, whole, C.count, small, C.count,
		     hist(C.base, h, sizeof(h)));
	else
		dadd(&db, " swapcache=%lldK; in (every byte, in order): first folio %s, then %d/%d whole; %s;",
		     swapcached, first, rest, C.count - 1,
		     hist(C.base, h, sizeof(h)));
	dcnt(&db, &din, mthp("swpin"), "swpin");
	dcnt(&db, &din, mthp("swpin_fallback"), "swpin_fallback");
	dcnt(&db, &din, "pswpin", "pswpin");
	if (zswap || dv(&din, "zswpin"))
		dcnt(&db, &din, "zswpin", "zswpin");
	if (dv(&din, "swpin_zero"))
		dcnt(&db, &din, "swpin_zero", "swpin_zero");
	dcnt(&db, &din, "pgmajfault", "majfault");
	dadd(&db, "; %s", swap_desc(h, sizeof(h)));

	if (!data_ok(C.base, "after swap-in"))
		return;
	if (zswap && dhas(&dout, "zswpout") && dv(&dout, "zswpout") == 0)
		emit("bypass", db.s);	/* never stored in zswap */
	else if (dhas(&din, "pgmajfault") && dv(&din, "pgmajfault") == 0 &&
		 dv(&din, "pswpin") == 0 && dv(&din, "zswpin") == 0 &&
		 dv(&din, "swpin_zero") == 0)
		verdict("skip", "swap-in was served from the swap cache, not the device: %s",
			db.s);
	else if (zswap && dhas(&din, "zswpin") && dv(&din, "zswpin") == 0)
		emit("bypass", db.s);	/* loaded from the backing device */
	else if (scattered)
		emit(whole == C.count ? "whole" : small == C.count ? "small" :
		     "split", db.s);
	else
		emit(rest == C.count - 1 ? "whole" : "split", db.s);
}

/*
 * The shared helper keeps /proc/self/pagemap open; after fork() that fd
 * still reads the parent's page tables.  In the child, reopen it and put
 * the new file on the same descriptor number(s).
 */
static void child_reopen_pagemap(pid_t parent)
{
	char want[64], link[128], path[64];
	int fd;

	snprintf(want, sizeof(want), "/proc/%d/pagemap", (int)parent);
	for (int i = 0; i < 1024; i++) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", i);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, want))
			continue;
		fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && fd != i) {
			dup3(fd, i, O_CLOEXEC);
			close(fd);
		}
	}
}

static void op_fork_cow(void)
{
	struct {
		long bad;
		int whole;
		char first[200];
		char hist[256];
	} res;
	struct vres r;
	struct dbuf db = { .n = 0 };
	int pfd[2], status, pwhole;
	long swapped;
	char h[256];
	pid_t pid;

	if (!need_swap() || !setup())
		return;
	if (!pageout(C.base, C.len))
		return;
	evict_swapcache();
	swapped = swapped_pages(C.base);
	if (swapped <= 0) {
		verdict("skip", "swap-out did not happen");
		return;
	}
	if (pipe(pfd)) {
		verdict("skip", "pipe: %s", strerror(errno));
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		verdict("broken", "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		close(pfd[0]);
		child_reopen_pagemap(getppid());
		memset(&res, 0, sizeof(res));
		write_first_pages(C.base, 2);
		res.bad = verify(C.base, false, &r);
		snprintf(res.first, sizeof(res.first), "%s", r.first);
		res.whole = count_whole(C.base);
		hist(C.base, res.hist, sizeof(res.hist));
		(void)!write(pfd[1], &res, sizeof(res));
		_exit(0);
	}
	lfs_child_register(pid);
	close(pfd[1]);
	memset(&res, 0, sizeof(res));
	if (read(pfd[0], &res, sizeof(res)) != sizeof(res))
		res.bad = -1;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	lfs_child_unregister(pid);
	if (res.bad < 0 || !WIFEXITED(status)) {
		verdict("broken", "child died (status 0x%x) after writing swapped-out shared folios",
			status);
		return;
	}
	if (res.bad > 0) {
		verdict("broken", "child sees wrong data: %ld bad pages, first %s",
			res.bad, res.first);
		return;
	}
	write_first_pages(C.base, 3);
	if (!data_ok(C.base, "in parent after COW"))
		return;
	pwhole = count_whole(C.base);
	dadd(&db, "swapped=%ld/%zu; child after write: %d/%d whole %s; parent after write: %d/%d whole %s",
	     swapped, C.npages, res.whole, C.count, res.hist, pwhole, C.count,
	     hist(C.base, h, sizeof(h)));
	emit(res.whole == C.count && pwhole == C.count ? "whole" : "split",
	     db.s);
}

static void op_swapoff(void)
{
	struct lfs_swapdev devs[MAX_SWAPS];
	struct dbuf db = { .n = 0 };
	int n, off = 0, on = 0, whole;
	long swapped;
	char h[256], err[200] = "";

	if (!need_swap() || !setup())
		return;
	n = swap_devices(devs);
	if (!pageout(C.base, C.len))
		return;
	evict_swapcache();
	swapped = swapped_pages(C.base);
	if (swapped <= 0) {
		verdict("skip", "swap-out did not happen");
		return;
	}
	for (int i = 0; i < n; i++) {
		if (swapoff(devs[i].path)) {
			snprintf(err, sizeof(err), " swapoff %.100s: %.60s",
				 devs[i].path, strerror(errno));
			continue;
		}
		off++;
	}
	whole = count_whole(C.base);
	hist(C.base, h, sizeof(h));
	for (int i = 0; i < n; i++) {
		int flags = 0;

		if (devs[i].prio >= 0)
			flags = SWAP_FLAG_PREFER |
				((devs[i].prio << SWAP_FLAG_PRIO_SHIFT) &
				 SWAP_FLAG_PRIO_MASK);
		if (swapon(devs[i].path, flags) && errno != EBUSY)
			snprintf(err, sizeof(err), " swapon %.100s: %.60s",
				 devs[i].path, strerror(errno));
		else
			on++;
	}
	dadd(&db, "swapped=%ld/%zu; swapoff %d/%d devices; after: %d/%d whole %s; swapon again %d/%d%s",
	     swapped, C.npages, off, n, whole, C.count, h, on, n, err);
	if (!data_ok(C.base, "after swapoff"))
		return;
	if (off < n) {
		emit("broken", db.s);
		return;
	}
	emit(whole == C.count ? "whole" : "split", db.s);
}

/* Nodes with memory, from /sys/devices/system/node/has_memory ("0-1,3"). */
static int memory_nodes(int *nodes, int max)
{
	char buf[256], *s, *tok, *save = NULL;
	int n = 0;

	if (read_str("/sys/devices/system/node/has_memory", buf, sizeof(buf)))
		return 0;
	for (s = buf; (tok = strtok_r(s, ",", &save)); s = NULL) {
		int lo, hi;

		if (sscanf(tok, "%d-%d", &lo, &hi) != 2)
			hi = lo = atoi(tok);
		for (int i = lo; i <= hi && n < max; i++)
			nodes[n++] = i;
	}
	return n;
}

static long sys_move_pages(unsigned long count, void **pages,
			   const int *nodes, int *status, int flags)
{
	return syscall(SYS_move_pages, 0, count, pages, nodes, status, flags);
}

static void op_migrate(void)
{
	struct lfs_snap a, b;
	struct lfs_delta d;
	struct dbuf db = { .n = 0 };
	int nodes[64], nn, src, dst = -1, whole, on_dst = 0;
	void **pages;
	int *tnodes, *status;
	long ret;
	char h[256];

	nn = memory_nodes(nodes, 64);
	if (nn < 2) {
		verdict("skip", "only %d NUMA node(s) with memory", nn);
		return;
	}
	if (!setup())
		return;
	pages = calloc(C.npages, sizeof(*pages));
	tnodes = calloc(C.npages, sizeof(*tnodes));
	status = calloc(C.npages, sizeof(*status));
	if (!pages || !tnodes || !status) {
		verdict("skip", "out of memory");
		return;
	}
	pages[0] = C.base;
	if (sys_move_pages(1, pages, NULL, status, 0) || status[0] < 0) {
		verdict("skip", "move_pages query: %s",
			status[0] < 0 ? strerror(-status[0]) : strerror(errno));
		return;
	}
	src = status[0];
	for (int i = 0; i < nn; i++)
		if (nodes[i] != src) {
			dst = nodes[i];
			break;
		}
	/* One entry per folio: a large folio migrates as one unit. */
	for (int j = 0; j < C.count; j++) {
		pages[j] = C.base + (size_t)j * C.size;
		tnodes[j] = dst;
	}
	snap(&a);
	ret = sys_move_pages(C.count, pages, tnodes, status, MPOL_MF_MOVE);
	snap(&b);
	delta(&a, &b, &d);
	if (ret < 0) {
		verdict(errno == ENOSYS ? "skip" : "broken",
			"move_pages to node %d: %s", dst, strerror(errno));
		return;
	}
	for (size_t i = 0; i < C.npages; i++)
		pages[i] = C.base + i * C.ps;
	if (!sys_move_pages(C.npages, pages, NULL, status, 0))
		for (size_t i = 0; i < C.npages; i++)
			on_dst += status[i] == dst;
	whole = count_whole(C.base);
	dadd(&db, "node %d->%d: ret=%ld, %d/%zu pages on node %d; after: %d/%d whole %s;",
	     src, dst, ret, on_dst, C.npages, dst, whole, C.count,
	     hist(C.base, h, sizeof(h)));
	dcnt(&db, &d, "pgmigrate_success", "pgmigrate_success");
	dcnt(&db, &d, "pgmigrate_fail", "pgmigrate_fail");
	dcnt(&db, &d, "thp_migration_success", "thp_migration_success");
	dcnt(&db, &d, "thp_migration_split", "thp_migration_split");
	dcnt(&db, &d, mthp("split"), "split");
	if (!data_ok(C.base, "after migration"))
		return;
	if (whole != C.count)
		emit("split", db.s);
	else if (on_dst != (int)C.npages)
		verdict("skip", "pages did not move: %s", db.s);
	else
		emit("whole", db.s);
}

static void op_compaction(void)
{
	struct lfs_snap a, b;
	struct lfs_delta d;
	struct dbuf db = { .n = 0 };
	uint64_t *pfn;
	int whole, moved = 0, ret;
	char h[256];

	if (!setup())
		return;
	pfn = calloc(C.count, sizeof(*pfn));
	if (!pfn) {
		verdict("skip", "out of memory");
		return;
	}
	for (int j = 0; j < C.count; j++)
		pfn[j] = lfs_pfn_at(C.base + (size_t)j * C.size);
	snap(&a);
	ret = write_str("/proc/sys/vm/compact_memory", "1");
	snap(&b);
	delta(&a, &b, &d);
	if (ret) {
		verdict("skip", "write /proc/sys/vm/compact_memory: %s",
			strerror(-ret));
		return;
	}
	for (int j = 0; j < C.count; j++)
		moved += lfs_pfn_at(C.base + (size_t)j * C.size) != pfn[j];
	whole = count_whole(C.base);
	dadd(&db, "%d/%d folios moved; after: %d/%d whole %s;", moved, C.count,
	     whole, C.count, hist(C.base, h, sizeof(h)));
	dcnt(&db, &d, "compact_migrate_scanned", "migrate_scanned");
	dcnt(&db, &d, "compact_isolated", "isolated");
	dcnt(&db, &d, "pgmigrate_success", "pgmigrate_success");
	dcnt(&db, &d, mthp("split"), "split");
	if (!data_ok(C.base, "after compaction"))
		return;
	emit(whole == C.count ? "whole" : "split", db.s);
}

static void op_mlock(void)
{
	struct dbuf db = { .n = 0 };
	struct lfs_swapdev devs[MAX_SWAPS];
	int w1, w2, pr = 0, perr = 0;
	long swapped = 0;
	char h1[256], h2[256];

	if (!setup())
		return;
	if (mlock(C.base, C.len)) {
		verdict("skip", "mlock: %s", strerror(errno));
		return;
	}
	w1 = count_whole(C.base);
	hist(C.base, h1, sizeof(h1));
	if (swap_devices(devs) > 0) {
		pr = madvise(C.base, C.len, MADV_PAGEOUT);
		perr = pr ? errno : 0;
		lfs_wait_writeback();
		swapped = swapped_pages(C.base);
	}
	if (munlock(C.base, C.len)) {
		verdict("broken", "munlock: %s", strerror(errno));
		return;
	}
	w2 = count_whole(C.base);
	hist(C.base, h2, sizeof(h2));
	dadd(&db, "mlocked: %d/%d whole %s; munlocked: %d/%d whole %s",
	     w1, C.count, h1, w2, C.count, h2);
	if (swap_devices(devs) > 0)
		dadd(&db, "; MADV_PAGEOUT on mlocked: %s, swapped=%ld",
		     pr ? strerror(perr) : "ok", swapped);
	else
		dadd(&db, "; MADV_PAGEOUT on mlocked: not run (no swap)");
	if (!data_ok(C.base, "after mlock/munlock"))
		return;
	if (swapped > 0)
		emit("broken", db.s);	/* mlocked pages went to swap */
	else
		emit(w1 == C.count && w2 == C.count ? "whole" : "split", db.s);
}

/* KSM sysfs settings we change, restored at exit. */
static const char *const ksm_knobs[] = { "run", "pages_to_scan",
					 "sleep_millisecs" };
static char ksm_saved[3][32];
static bool ksm_touched;

static void ksm_restore(void)
{
	char path[128];

	if (!ksm_touched || !lfs_is_main_process())
		return;
	for (int i = 2; i >= 0; i--) {
		snprintf(path, sizeof(path), KSM_DIR "/%s", ksm_knobs[i]);
		if (ksm_saved[i][0])
			write_str(path, ksm_saved[i]);
	}
	ksm_touched = false;
}

static long long ksm_get(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), KSM_DIR "/%s", name);
	return read_ll(path);
}

static void op_ksm(void)
{
	struct lfs_snap a, b;
	struct lfs_delta d;
	struct dbuf db = { .n = 0 };
	long long fs0, sh0, sg0, fs, sh = 0, sg = 0;
	double t0;
	int whole;
	char path[128], h[256];

	if (access(KSM_DIR "/run", W_OK)) {
		verdict("skip", "no KSM (%s/run): %s", KSM_DIR, strerror(errno));
		return;
	}
	C.ksm_layout = true;
	if (!setup())
		return;
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), KSM_DIR "/%s", ksm_knobs[i]);
		read_str(path, ksm_saved[i], sizeof(ksm_saved[i]));
	}
	if (madvise(C.base, C.len, MADV_MERGEABLE)) {
		verdict("skip", "madvise(MADV_MERGEABLE): %s", strerror(errno));
		return;
	}
	snap(&a);
	fs0 = ksm_get("full_scans");
	sh0 = ksm_get("pages_shared");
	sg0 = ksm_get("pages_sharing");
	ksm_touched = true;
	atexit(ksm_restore);
	write_str(KSM_DIR "/pages_to_scan", "5000");
	write_str(KSM_DIR "/sleep_millisecs", "10");
	write_str(KSM_DIR "/run", "1");
	t0 = lfs_now();
	for (;;) {
		fs = ksm_get("full_scans");
		sh = ksm_get("pages_shared") - sh0;
		sg = ksm_get("pages_sharing") - sg0;
		if (fs >= fs0 + 2 && (sg > 0 || fs >= fs0 + 4))
			break;
		if (lfs_now() - t0 > 20)
			break;
		usleep(50000);
	}
	snap(&b);
	delta(&a, &b, &d);
	whole = count_whole(C.base);
	dadd(&db, "full_scans +%lld in %.1fs, pages_shared +%lld pages_sharing +%lld; after: %d/%d whole %s;",
	     fs - fs0, lfs_now() - t0, sh, sg, whole, C.count,
	     hist(C.base, h, sizeof(h)));
	dcnt(&db, &d, mthp("split"), "split");
	dcnt(&db, &d, mthp("split_failed"), "split_failed");
	dcnt(&db, &d, "thp_split_page", "thp_split_page");
	if (!data_ok(C.base, "after KSM merge"))
		return;
	madvise(C.base, C.len, MADV_UNMERGEABLE);
	ksm_restore();
	if (!data_ok(C.base, "after MADV_UNMERGEABLE"))
		return;
	if (whole != C.count || dv(&d, mthp("split")) > 0)
		emit("split", db.s);
	else if (sg <= 0)
		verdict("skip", "KSM merged nothing: %s", db.s);
	else
		emit("whole", db.s);
}

static void op_mremap(void)
{
	struct dbuf db = { .n = 0 };
	char *resv, *dst1, *dst2, h1[256], h2[256];
	size_t rlen = C.len + 3 * C.size;
	int w1, w2;

	if (!setup())
		return;
	resv = mmap(NULL, rlen, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (resv == MAP_FAILED) {
		verdict("skip", "mmap reservation: %s", strerror(errno));
		return;
	}
	dst1 = (char *)(((uintptr_t)resv + C.size - 1) & ~(uintptr_t)(C.size - 1));
	if (mremap(C.base, C.len, C.len, MREMAP_MAYMOVE | MREMAP_FIXED,
		   dst1) == MAP_FAILED) {
		verdict("broken", "mremap to aligned %p: %s", dst1,
			strerror(errno));
		return;
	}
	C.base = dst1;
	w1 = count_whole(C.base);
	hist(C.base, h1, sizeof(h1));
	if (!data_ok(C.base, "after aligned mremap"))
		return;
	/* Now to an address that is off by one base page. */
	resv = mmap(NULL, rlen, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (resv == MAP_FAILED) {
		verdict("skip", "mmap reservation: %s", strerror(errno));
		return;
	}
	dst2 = (char *)(((uintptr_t)resv + C.size - 1) &
			~(uintptr_t)(C.size - 1)) + C.ps;
	if (mremap(C.base, C.len, C.len, MREMAP_MAYMOVE | MREMAP_FIXED,
		   dst2) == MAP_FAILED) {
		verdict("broken", "mremap to unaligned %p: %s", dst2,
			strerror(errno));
		return;
	}
	C.base = dst2;
	w2 = count_whole(C.base);
	hist(C.base, h2, sizeof(h2));
	if (!data_ok(C.base, "after unaligned mremap"))
		return;
	dadd(&db, "aligned: %d/%d whole %s; unaligned (+%zuK): %d/%d whole %s",
	     w1, C.count, h1, C.ps / 1024, w2, C.count, h2);
	emit(w1 == C.count && w2 == C.count ? "whole" : "split", db.s);
}

static int uffd_open(void)
{
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);

		if (dev < 0)
			return -1;
		fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
		close(dev);
	}
	return fd;
}

/* A userfaultfd with write-protect faults, or -1 (after a "skip" verdict). */
static int uffd_wp_open(void)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP };
	int fd = uffd_open();

	if (fd < 0) {
		verdict("skip", "userfaultfd unavailable: %s", strerror(errno));
		return -1;
	}
	if (ioctl(fd, UFFDIO_API, &api) ||
	    !(api.features & UFFD_FEATURE_PAGEFAULT_FLAG_WP)) {
		verdict("skip", "userfaultfd write-protect unsupported (%s)",
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Register the region for write-protect faults and write-protect all of it;
 * *wp is left describing the region, mode WP. False after a verdict.
 */
static bool uffd_wp_protect_region(int fd, struct uffdio_writeprotect *wp)
{
	struct uffdio_register reg;

	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)C.base;
	reg.range.len = C.len;
	reg.mode = UFFDIO_REGISTER_MODE_WP;
	if (ioctl(fd, UFFDIO_REGISTER, &reg)) {
		verdict("skip", "UFFDIO_REGISTER(WP) on anon: %s",
			strerror(errno));
		return false;
	}
	if (!(reg.ioctls & (1ULL << _UFFDIO_WRITEPROTECT))) {
		verdict("skip", "UFFDIO_WRITEPROTECT not offered for this range");
		return false;
	}
	memset(wp, 0, sizeof(*wp));
	wp->range = reg.range;
	wp->mode = UFFDIO_WRITEPROTECT_MODE_WP;
	if (ioctl(fd, UFFDIO_WRITEPROTECT, wp)) {
		verdict("broken", "UFFDIO_WRITEPROTECT(WP): %s", strerror(errno));
		return false;
	}
	return true;
}

static void op_uffd(void)
{
	struct uffdio_writeprotect wp;
	struct uffdio_range range;
	struct dbuf db = { .n = 0 };
	int fd, w1, w2, w3;
	char h1[256], h2[256], h3[256];

	fd = uffd_wp_open();
	if (fd < 0)
		return;
	if (!setup() || !uffd_wp_protect_region(fd, &wp))
		return;
	w1 = count_whole(C.base);
	hist(C.base, h1, sizeof(h1));
	/* Reading is fine while write-protected; never write here. */
	if (!data_ok(C.base, "while write-protected"))
		return;
	wp.mode = 0;
	if (ioctl(fd, UFFDIO_WRITEPROTECT, &wp)) {
		verdict("broken", "UFFDIO_WRITEPROTECT(un-WP): %s",
			strerror(errno));
		return;
	}
	w2 = count_whole(C.base);
	hist(C.base, h2, sizeof(h2));
	range = wp.range;
	if (ioctl(fd, UFFDIO_UNREGISTER, &range)) {
		verdict("broken", "UFFDIO_UNREGISTER: %s", strerror(errno));
		return;
	}
	close(fd);
	write_first_pages(C.base, 2);
	w3 = count_whole(C.base);
	hist(C.base, h3, sizeof(h3));
	if (!data_ok(C.base, "after un-protect and write"))
		return;
	dadd(&db, "protected: %d/%d whole %s; unprotected: %d/%d whole %s; written: %d/%d whole %s",
	     w1, C.count, h1, w2, C.count, h2, w3, C.count, h3);
	emit(w1 == C.count && w2 == C.count && w3 == C.count ? "whole" :
	     "split", db.s);
}

/* ------------------------------------------------------------------ */
/* Folios that came back from swap, and the bits swap must keep        */
/* ------------------------------------------------------------------ */

/*
 * Swap the region out (MADV_PAGEOUT, then reclaim of our memcg so that no
 * folio stays in the swap cache) and return the swapped page count, or a
 * verdict and -1.
 */
static long swap_region_out(void)
{
	long swapped;

	if (!pageout(C.base, C.len))
		return -1;
	evict_swapcache();
	swapped = swapped_pages(C.base);
	if (swapped <= 0) {
		verdict("skip", "swap-out did not happen (swapped=%ld)", swapped);
		return -1;
	}
	return swapped;
}

#define NUMA_SYSCTL	"/proc/sys/kernel/numa_balancing"
static char numa_saved[16];

static void numa_restore(void)
{
	if (numa_saved[0] && lfs_is_main_process())
		write_str(NUMA_SYSCTL, numa_saved);
	numa_saved[0] = '\0';
}

/* Pages of the region on node nid (a move_pages() query), or -1. */
static long pages_on_node(int nid)
{
	void **pages = calloc(C.npages, sizeof(*pages));
	int *status = calloc(C.npages, sizeof(*status));
	long n = -1;

	if (pages && status) {
		for (size_t i = 0; i < C.npages; i++)
			pages[i] = C.base + i * C.ps;
		if (!sys_move_pages(C.npages, pages, NULL, status, 0)) {
			n = 0;
			for (size_t i = 0; i < C.npages; i++)
				n += status[i] == nid;
		}
	}
	free(pages);
	free(status);
	return n;
}

/*
 * NUMA balancing of folios that came back from swap: swap the region out,
 * read it back in order with a preferred-node policy on the node the probe
 * does not run on, then turn NUMA balancing on and keep reading until its
 * hinting faults have moved the pages to the probe's node (30 s at most).
 * Whole: the folios that came back whole are still whole on the new node.
 */
static void op_numa(void)
{
	struct lfs_snap a, b, c, d;
	struct lfs_delta din, dnb;
	struct dbuf db = { .n = 0 };
	int nodes[64], nn, here, there = -1, whole_in, whole;
	unsigned int cpu, node;
	unsigned long mask;
	long swapped, remote, local = 0;
	cpu_set_t set;
	double t0, secs;
	char h1[256], h2[256], buf[16];

	nn = memory_nodes(nodes, 64);
	if (nn < 2) {
		verdict("skip", "only %d NUMA node(s) with memory", nn);
		return;
	}
	if (read_str(NUMA_SYSCTL, buf, sizeof(buf))) {
		verdict("skip", "no %s (CONFIG_NUMA_BALANCING off)", NUMA_SYSCTL);
		return;
	}
	if (!need_swap())
		return;
	if (syscall(SYS_getcpu, &cpu, &node, NULL)) {
		verdict("skip", "getcpu: %s", strerror(errno));
		return;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		verdict("skip", "sched_setaffinity to CPU %u: %s", cpu,
			strerror(errno));
		return;
	}
	here = (int)node;
	for (int i = 0; i < nn; i++)
		if (nodes[i] != here && nodes[i] < 64) {
			there = nodes[i];
			break;
		}
	if (there < 0) {
		verdict("skip", "no node with memory besides node %d", here);
		return;
	}
	if (!setup())
		return;
	swapped = swap_region_out();
	if (swapped < 0)
		return;
	mask = 1UL << there;
	if (syscall(SYS_set_mempolicy, MPOL_PREFERRED, &mask,
		    sizeof(mask) * 8)) {
		verdict("skip", "set_mempolicy(MPOL_PREFERRED, node %d): %s",
			there, strerror(errno));
		return;
	}
	snap(&a);
	read_sequential(C.base, C.len);
	snap(&b);
	delta(&a, &b, &din);
	syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0);
	whole_in = count_whole(C.base);
	hist(C.base, h1, sizeof(h1));
	remote = pages_on_node(there);

	snprintf(numa_saved, sizeof(numa_saved), "%s", buf);
	atexit(numa_restore);
	if (write_str(NUMA_SYSCTL, "1")) {
		verdict("skip", "cannot enable %s", NUMA_SYSCTL);
		return;
	}
	snap(&c);
	t0 = lfs_now();
	do {
		read_sequential(C.base, C.len);
		local = pages_on_node(here);
	} while (local < (long)C.npages && lfs_now() - t0 < 30);
	secs = lfs_now() - t0;
	snap(&d);
	delta(&c, &d, &dnb);
	numa_restore();
	whole = count_whole(C.base);
	hist(C.base, h2, sizeof(h2));

	dadd(&db, "cpu %u on node %d; swapped=%ld/%zu; swap-in (every byte, preferred node %d): %ld/%zu pages on node %d, %d/%d whole %s;",
	     cpu, here, swapped, C.npages, there, remote, C.npages, there,
	     whole_in, C.count, h1);
	dcnt(&db, &din, mthp("swpin"), "swpin");
	dadd(&db, "; NUMA balancing %.0f s: %ld/%zu pages on node %d, %d/%d whole %s;",
	     secs, local, C.npages, here, whole, C.count, h2);
	dcnt(&db, &dnb, "numa_hint_faults", "hint_faults");
	dcnt(&db, &dnb, "numa_pages_migrated", "numa_pages_migrated");
	dcnt(&db, &dnb, "pgmigrate_fail", "pgmigrate_fail");
	dcnt(&db, &dnb, mthp("split"), "split");
	if (!data_ok(C.base, "after NUMA balancing"))
		return;
	if (whole_in == 0)
		verdict("skip", "no folio came back from swap whole: %s", db.s);
	else if (remote <= 0 || local <= 0 ||
		 dv(&dnb, "numa_pages_migrated") <= 0)
		verdict("skip", "NUMA balancing moved no page: %s", db.s);
	else
		emit(whole >= whole_in && local == (long)C.npages ? "whole" :
		     whole < whole_in ? "split" : "barely", db.s);
}

static char shmem_path[128], shmem_saved[16];

static void shmem_restore(void)
{
	if (shmem_saved[0] && lfs_is_main_process())
		write_str(shmem_path, shmem_saved);
	shmem_saved[0] = '\0';
}

/*
 * Shared anonymous memory (shmem) of the size under test through swap:
 * hugepages-<size>/shmem_enabled set to "always" for the probe, the region
 * mapped MAP_SHARED | MAP_ANONYMOUS, swapped out (MADV_PAGEOUT) and read
 * back in order. Whole: every folio went out at its size and came back
 * whole.
 */
static void op_shmem(void)
{
	struct lfs_snap a, b, c, d;
	struct lfs_delta dout, din;
	struct dbuf db = { .n = 0 };
	char buf[128], *o, *e, *resv, *p, h0[256], h1[256], h2[256];
	int whole0, whole;
	long long swpout, written;

	if (!need_swap())
		return;
	snprintf(shmem_path, sizeof(shmem_path),
		 LFS_THP_DIR "/hugepages-%zukB/shmem_enabled", C.size >> 10);
	if (read_str(shmem_path, buf, sizeof(buf))) {
		verdict("skip", "no %s", shmem_path);
		return;
	}
	o = strchr(buf, '[');
	e = o ? strchr(o, ']') : NULL;
	if (!o || !e || e - o - 1 >= (int)sizeof(shmem_saved)) {
		verdict("skip", "cannot parse %s: %s", shmem_path, buf);
		return;
	}
	memcpy(shmem_saved, o + 1, e - o - 1);
	shmem_saved[e - o - 1] = '\0';
	atexit(shmem_restore);
	if (write_str(shmem_path, "always")) {
		verdict("skip", "cannot set %s to always", shmem_path);
		return;
	}
	resv = mmap(NULL, C.len + C.size, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (resv == MAP_FAILED) {
		verdict("skip", "mmap reservation: %s", strerror(errno));
		return;
	}
	p = (char *)(((uintptr_t)resv + C.size - 1) & ~(uintptr_t)(C.size - 1));
	p = mmap(p, C.len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED) {
		verdict("broken", "mmap(MAP_SHARED | MAP_ANONYMOUS): %s",
			strerror(errno));
		return;
	}
	C.base = p;
	fill_region(C.base);
	whole0 = count_whole(C.base);
	hist(C.base, h0, sizeof(h0));
	if (whole0 != C.count) {
		verdict("skip", "shmem fault-in gave %d/%d whole folios (%s)",
			whole0, C.count, h0);
		return;
	}
	snap(&a);
	if (!pageout(C.base, C.len))
		return;
	evict_swapcache();
	snap(&b);
	delta(&a, &b, &dout);
	hist(C.base, h1, sizeof(h1));
	swpout = dv(&dout, mthp("swpout"));
	written = dv(&dout, "pswpout") + dv(&dout, "zswpout");
	snap(&c);
	read_sequential(C.base, C.len);
	snap(&d);
	delta(&c, &d, &din);
	whole = count_whole(C.base);
	hist(C.base, h2, sizeof(h2));

	dadd(&db, "%s=always; out: mapped after %s;", shmem_path + strlen(LFS_THP_DIR) + 1, h1);
	dcnt(&db, &dout, mthp("swpout"), "swpout");
	dcnt(&db, &dout, mthp("swpout_fallback"), "fallback");
	dcnt(&db, &dout, mthp("split"), "split");
	dcnt(&db, &dout, "pswpout", "pswpout");
	dadd(&db, "; in (every byte, in order): %d/%d whole %s;", whole,
	     C.count, h2);
	dcnt(&db, &din, mthp("swpin"), "swpin");
	dcnt(&db, &din, "pswpin", "pswpin");
	dcnt(&db, &din, "pgmajfault", "majfault");
	if (!data_ok(C.base, "after shmem swap-in"))
		return;
	if (written <= 0)
		verdict("skip", "nothing went to swap: %s", db.s);
	else if (dv(&din, "pswpin") + dv(&din, "zswpin") == 0)
		verdict("skip", "swap-in was served from the swap cache, not the device: %s",
			db.s);
	else
		emit(swpout >= C.count && whole == C.count ? "whole" : "split",
		     db.s);
}

/* Pages whose pagemap bit differs from want[]: lost (want set) and extra. */
static void pagemap_bits(uint64_t bit, const bool *want, long *lost,
			 long *extra)
{
	*lost = *extra = 0;
	for (size_t i = 0; i < C.npages; i++) {
		uint64_t ent = 0;
		bool set = !lfs_pagemap_entry(C.base + i * C.ps, &ent) &&
			   (ent & bit);

		*lost += want[i] && !set;
		*extra += !want[i] && set;
	}
}

/*
 * Soft-dirty bits across swap: clear them (clear_refs 4), write every page
 * of the even folios, swap out, read back in order. Each written page must
 * show soft-dirty on its swap entry and after swap-in (pagemap bit 55);
 * bits on pages that were not written are allowed (soft-dirty may be set
 * more often than needed) and counted. Whole: the folios came back whole.
 */
static void op_soft_dirty(void)
{
	struct lfs_snap a, b;
	struct lfs_delta din;
	struct dbuf db = { .n = 0 };
	long swapped, lost0, extra0, lost1, extra1, lost2, extra2, nwant = 0;
	int whole0, whole, rest;
	bool *want;
	char h[256];
	int ret;

	if (!need_swap() || !setup())
		return;
	want = calloc(C.npages, sizeof(*want));
	if (!want) {
		verdict("skip", "out of memory");
		return;
	}
	ret = write_str("/proc/self/clear_refs", "4");
	if (ret) {
		verdict("skip", "clear_refs 4 (soft-dirty): %s", strerror(-ret));
		return;
	}
	for (int j = 0; j < C.count; j += 2)
		for (size_t i = (size_t)j * C.nr; i < (size_t)(j + 1) * C.nr; i++) {
			C.gen[i] = 2;
			fill_page(C.base, i);
			want[i] = true;
			nwant++;
		}
	pagemap_bits(PM_SOFT_DIRTY, want, &lost0, &extra0);
	if (lost0 == nwant) {
		verdict("skip", "no soft-dirty bit after a write (CONFIG_MEM_SOFT_DIRTY off?)");
		return;
	}
	whole0 = count_whole(C.base);
	swapped = swap_region_out();
	if (swapped < 0)
		return;
	pagemap_bits(PM_SOFT_DIRTY, want, &lost1, &extra1);
	snap(&a);
	read_sequential(C.base, C.len);
	snap(&b);
	delta(&a, &b, &din);
	whole = count_whole(C.base);
	rest = count_whole_after_first(C.base);
	pagemap_bits(PM_SOFT_DIRTY, want, &lost2, &extra2);

	dadd(&db, "written %ld/%zu pages (even folios), %d/%d whole; soft-dirty lost/extra: written %ld/%ld, swapped (swapped=%ld) %ld/%ld, swapped in %ld/%ld; in (every byte, in order): %d/%d whole %s;",
	     nwant, C.npages, whole0, C.count, lost0, extra0, swapped, lost1,
	     extra1, lost2, extra2, whole, C.count, hist(C.base, h, sizeof(h)));
	dcnt(&db, &din, mthp("swpin"), "swpin");
	dcnt(&db, &din, "pswpin", "pswpin");
	if (!data_ok(C.base, "after swap-in"))
		return;
	if (lost0 || lost1 || lost2)
		emit("broken", db.s);
	else
		emit(rest == C.count - 1 ? "whole" : "split", db.s);
}

#ifndef PM_UFFD_WP
#define PM_UFFD_WP	(1ULL << 57)
#endif

/*
 * userfaultfd write-protection across swap: protect the region, swap it
 * out, read it back in order. Every page must stay protected, on its swap
 * entry and after swap-in (pagemap bit 57); then the protection is lifted
 * and every folio written. Whole: the folios came back whole.
 */
static void op_uffd_wp_swap(void)
{
	struct uffdio_writeprotect wp;
	struct lfs_snap a, b;
	struct lfs_delta din;
	struct dbuf db = { .n = 0 };
	long swapped, lost0, extra0, lost1, extra1, lost2, extra2;
	int fd, whole, rest;
	bool *want;
	char h[256];

	if (!need_swap())
		return;
	fd = uffd_wp_open();
	if (fd < 0)
		return;
	if (!setup())
		return;
	want = calloc(C.npages, sizeof(*want));
	if (!want) {
		verdict("skip", "out of memory");
		return;
	}
	for (size_t i = 0; i < C.npages; i++)
		want[i] = true;
	if (!uffd_wp_protect_region(fd, &wp))
		return;
	pagemap_bits(PM_UFFD_WP, want, &lost0, &extra0);
	if (lost0 == (long)C.npages) {
		verdict("skip", "pagemap shows no uffd-wp bit on protected pages");
		return;
	}
	swapped = swap_region_out();
	if (swapped < 0)
		return;
	pagemap_bits(PM_UFFD_WP, want, &lost1, &extra1);
	snap(&a);
	read_sequential(C.base, C.len);
	snap(&b);
	delta(&a, &b, &din);
	whole = count_whole(C.base);
	rest = count_whole_after_first(C.base);
	hist(C.base, h, sizeof(h));
	pagemap_bits(PM_UFFD_WP, want, &lost2, &extra2);
	wp.mode = 0;
	if (ioctl(fd, UFFDIO_WRITEPROTECT, &wp)) {
		verdict("broken", "UFFDIO_WRITEPROTECT(un-WP): %s",
			strerror(errno));
		return;
	}
	close(fd);
	write_first_pages(C.base, 2);

	dadd(&db, "uffd-wp missing: protected %ld/%zu, swapped (swapped=%ld) %ld, swapped in %ld; in (every byte, in order): %d/%d whole %s;",
	     lost0, C.npages, swapped, lost1, lost2, whole, C.count, h);
	dcnt(&db, &din, mthp("swpin"), "swpin");
	dcnt(&db, &din, mthp("swpin_fallback"), "swpin_fallback");
	dcnt(&db, &din, "pswpin", "pswpin");
	if (!data_ok(C.base, "after un-protect and write"))
		return;
	if (lost0 || lost1 || lost2)
		emit("broken", db.s);
	else
		emit(rest == C.count - 1 ? "whole" : "split", db.s);
}

/* ------------------------------------------------------------------ */
/* main                                                               */
/* ------------------------------------------------------------------ */

static const char *const ops[] = {
	"fault-in", "reclaim-memcg", "pageout", "cold", "free", "swapout",
	"zswap-store", "swapin", "zswap-load", "fork-cow", "swapoff",
	"migrate", "compaction", "mlock", "ksm", "mremap", "uffd",
	"swapin-scattered", "numa", "shmem", "soft-dirty", "uffd-wp-swap",
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lfs-feature --op OP --size SIZE [--count N] [--label TEXT] [-v]\n"
		"  Prints one line: FEATURE <op>[:<label>] <size> <whole|split|bypass|broken|skip> <detail>\n"
		"  OP:");
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		fprintf(f, " %s", ops[i]);
	fprintf(f, "\n  SIZE: an mTHP size such as 64K or 2M; N: folios (default 8)\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "op", required_argument, NULL, 'o' },
		{ "size", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "label", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa;
	const char *sizearg = NULL;
	bool known = false;
	char cgname[64];
	int c;

	C.count = 8;
	while ((c = getopt_long(argc, argv, "o:s:n:l:vh", lo, NULL)) != -1) {
		switch (c) {
		case 'o':
			C.op = optarg;
			break;
		case 's':
			sizearg = optarg;
			break;
		case 'n':
			C.count = atoi(optarg);
			break;
		case 'l':
			C.label = optarg;
			break;
		case 'v':
			C.verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return LFS_EXIT_ERROR;
		}
	}
	if (!C.op || !sizearg || optind != argc || C.count < 1 ||
	    C.count > 4096) {
		usage(stderr);
		return LFS_EXIT_ERROR;
	}
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		known |= !strcmp(C.op, ops[i]);
	C.ps = lfs_pagesize();
	C.size = lfs_parse_size(sizearg);
	if (!known || !C.size || C.size % C.ps ||
	    (C.size & (C.size - 1))) {
		fprintf(stderr, "lfs-feature: bad %s\n", known ? "--size" : "--op");
		usage(stderr);
		return LFS_EXIT_ERROR;
	}
	if (C.label && *C.label)
		snprintf(C.opname, sizeof(C.opname), "%s:%s", C.op, C.label);
	else
		snprintf(C.opname, sizeof(C.opname), "%s", C.op);
	lfs_size_str(C.size, C.sizestr);
	C.nr = C.size / C.ps;
	C.order = lfs_size_order(C.size);
	C.npages = C.nr * C.count;
	C.len = C.size * C.count;
	C.seed = 0x1f5f0110ULL ^ C.size;

	lfs_init("lfs-feature");
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = crash_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	C.gen = calloc(C.npages, sizeof(*C.gen));
	if (!C.gen) {
		verdict("skip", "out of memory");
		return 0;
	}
	for (size_t i = 0; i < C.npages; i++)
		C.gen[i] = 1;

	if (geteuid() != 0) {
		verdict("skip", "needs root (sysfs, pagemap PFNs)");
		return 0;
	}
	if (C.size == C.ps) {
		verdict("skip", "%s is the base page size", C.sizestr);
		return 0;
	}
	if (!lfs_thp_size_supported(C.size)) {
		verdict("skip", "no mTHP size %s (no %s/hugepages-%zukB)",
			C.sizestr, LFS_THP_DIR, C.size / 1024);
		return 0;
	}
	if (lfs_thp_only(C.size) && thp_only_local(C.size)) {
		verdict("skip", "cannot enable only mTHP size %s: %s",
			C.sizestr, strerror(errno));
		return 0;
	}
	/*
	 * "madvise" rather than "always": only our MADV_HUGEPAGE regions get
	 * folios of this size, not the heap/stack of the probe itself, so the
	 * per-size counters count our folios only.
	 */
	if (lfs_thp_set(C.size, "madvise"))
		dbg("cannot set %s to madvise, staying on always", C.sizestr);
	/* Our own memcg (no limit), so that reclaim targets only us. */
	snprintf(cgname, sizeof(cgname), "lfs-feature-%d", (int)getpid());
	if (!lfs_cg_create(&C.cg, cgname) && !lfs_cg_enter(&C.cg))
		C.have_cg = true;
	dbg("op %s size %s count %d memcg %s", C.opname, C.sizestr, C.count,
	    C.have_cg ? C.cg.path : "none");

	if (!strcmp(C.op, "fault-in"))
		op_fault_in();
	else if (!strcmp(C.op, "reclaim-memcg"))
		op_reclaim_memcg();
	else if (!strcmp(C.op, "pageout"))
		op_pageout("MADV_PAGEOUT");
	else if (!strcmp(C.op, "swapout"))
		op_pageout("MADV_PAGEOUT");
	else if (!strcmp(C.op, "cold"))
		op_cold();
	else if (!strcmp(C.op, "free"))
		op_free();
	else if (!strcmp(C.op, "zswap-store"))
		op_zswap_store();
	else if (!strcmp(C.op, "swapin"))
		op_swapin(false, false);
	else if (!strcmp(C.op, "swapin-scattered"))
		op_swapin(false, true);
	else if (!strcmp(C.op, "zswap-load"))
		op_swapin(true, false);
	else if (!strcmp(C.op, "fork-cow"))
		op_fork_cow();
	else if (!strcmp(C.op, "swapoff"))
		op_swapoff();
	else if (!strcmp(C.op, "migrate"))
		op_migrate();
	else if (!strcmp(C.op, "compaction"))
		op_compaction();
	else if (!strcmp(C.op, "mlock"))
		op_mlock();
	else if (!strcmp(C.op, "ksm"))
		op_ksm();
	else if (!strcmp(C.op, "mremap"))
		op_mremap();
	else if (!strcmp(C.op, "uffd"))
		op_uffd();
	else if (!strcmp(C.op, "numa"))
		op_numa();
	else if (!strcmp(C.op, "shmem"))
		op_shmem();
	else if (!strcmp(C.op, "soft-dirty"))
		op_soft_dirty();
	else if (!strcmp(C.op, "uffd-wp-swap"))
		op_uffd_wp_swap();

	if (!C.printed)
		verdict("broken", "probe reached no verdict");
	ksm_restore();
	return 0;
}
