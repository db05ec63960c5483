/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lfs.h - shared helpers for the lfswap (large folio swap) tests.
 *
 * Everything here is meant to be usable from small single-purpose test
 * programs: error/exit helpers, mTHP sysfs control, counter snapshots
 * (/proc/vmstat, per-size mTHP stats, memcg memory.stat), folio
 * inspection through /proc/self/pagemap + /proc/kpageflags, cgroup v2
 * memcg helpers and a deterministic page content generator/verifier.
 *
 * The tests run as root on the kernel under test.  Functions returning
 * int use 0 for success and -1 (errno set) or a negative errno for
 * failure as documented per function; the lfs_die()/lfs_skip() family
 * never returns.
 */
#ifndef LFS_H
#define LFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* ------------------------------------------------------------------ */
/* Exit codes and error helpers                                       */
/* ------------------------------------------------------------------ */

#define LFS_EXIT_PASS	0	/* all checks passed */
#define LFS_EXIT_FAIL	1	/* data mismatch or failed expectation */
#define LFS_EXIT_ERROR	2	/* usage or setup error */
#define LFS_EXIT_SKIP	4	/* environment makes the test impossible */

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define LFS_PRINTF(a, b)	__attribute__((format(printf, a, b)))
#define LFS_NORETURN		__attribute__((noreturn))

/*
 * Program name used as message prefix (default "lfs").  Set it once in
 * main(); lfs_init() also records the main pid so that the exit helpers
 * only print the final RESULT line and run cleanups in the main process,
 * never in forked children.
 */
void lfs_init(const char *progname);
/*
 * Run the calling thread on one CPU (the one it is on): the folios it
 * faults in then wait in that CPU's LRU batch, which the MADV_PAGEOUT and
 * MADV_COLD of the same thread drain first; on another CPU's batch they
 * are not on the LRU yet, and madvise skips them. -1 with errno set.
 */
int lfs_pin_cpu(void);
extern const char *lfs_progname;
bool lfs_is_main_process(void);

/* "ERROR: msg" + "RESULT: FAIL (error: msg)", cleanup, exit 2. */
void lfs_die(const char *fmt, ...) LFS_PRINTF(1, 2) LFS_NORETURN;
/* Like lfs_die() but appends ": strerror(errno)". */
void lfs_die_errno(const char *fmt, ...) LFS_PRINTF(1, 2) LFS_NORETURN;
/* "SKIP: msg" + "RESULT: SKIP (msg)", cleanup, exit 4. */
void lfs_skip(const char *fmt, ...) LFS_PRINTF(1, 2) LFS_NORETURN;
/* "RESULT: FAIL (msg)", cleanup, exit 1. */
void lfs_fail(const char *fmt, ...) LFS_PRINTF(1, 2) LFS_NORETURN;
/* Prints "RESULT: PASS", cleanup, exit 0. */
void lfs_pass(void) LFS_NORETURN;
/* "WARN: msg" on stderr, continues. */
void lfs_warn(const char *fmt, ...) LFS_PRINTF(1, 2);
/*
 * One assertion of a test: prints "ok: msg" or "FAIL: msg" on stdout and
 * counts the failures, which lfs_check_failures() returns; the test ends
 * with lfs_fail() when there were any, else lfs_pass().
 */
void lfs_check(bool ok, const char *fmt, ...) LFS_PRINTF(2, 3);
int lfs_check_failures(void);

/*
 * Cleanup: lfs_thp_restore() and removal of every cgroup created with
 * lfs_cg_create() happen automatically at exit() and on
 * SIGINT/SIGTERM/SIGHUP (installed by lfs_init()), but only in the main
 * process.  Children registered with lfs_child_register() are SIGKILLed
 * and reaped first so that their cgroups can be removed.
 */
void lfs_cleanup(void);
/*
 * Extra cleanup run by lfs_cleanup() (main process only, after the
 * children are reaped, before THP restore).  It may run in a signal
 * handler: use only async-signal-safe calls.  Up to 8 functions.
 */
void lfs_cleanup_add(void (*fn)(void));
void lfs_child_register(pid_t pid);
void lfs_child_unregister(pid_t pid);

/* ------------------------------------------------------------------ */
/* Sizes                                                              */
/* ------------------------------------------------------------------ */

/* Base page size (sysconf), cached. */
size_t lfs_pagesize(void);

/*
 * Parse "65536", "64K", "64k", "64KB", "2M", "1G".  Returns 0 for an
 * invalid string (0 is never a meaningful size here).
 */
size_t lfs_parse_size(const char *s);
#define parse_size(s)	lfs_parse_size(s)

/*
 * Parse a comma-separated list of sizes ("32K,16K") into sizes[]; the
 * string is modified.  Returns the count, or -1 for an invalid size or
 * more than max of them.
 */
int lfs_parse_size_list(char *s, size_t *sizes, int max);

/* Format a size as "4K", "64K", "2M", "1G" or plain bytes.  buf >= 32. */
const char *lfs_size_str(size_t size, char *buf);

/* Order of a folio size (size / pagesize must be a power of two). */
int lfs_size_order(size_t size);

/* Current monotonic time in seconds. */
double lfs_now(void);

/* ------------------------------------------------------------------ */
/* mTHP sysfs control                                                 */
/* ------------------------------------------------------------------ */

#define LFS_THP_DIR	"/sys/kernel/mm/transparent_hugepage"
#define LFS_MAX_THP_SIZES	32

/*
 * Fill sizes[] (ascending, bytes) with the supported anonymous mTHP
 * sizes, i.e. the hugepages-<N>kB directories that have an "enabled"
 * file (newer kernels also list shmem-only sizes, without one).
 * Returns the count (0: no THP).
 */
int lfs_thp_sizes(size_t *sizes, int max);
/* True for the base page size or a listed mTHP size. */
bool lfs_thp_size_supported(size_t size);
/* hpage_pmd_size, or 0 if THP is not available. */
size_t lfs_pmd_size(void);

/*
 * Make size the only enabled anonymous THP size: "always" for size,
 * "never" for every other size (size == pagesize: "never" everywhere).
 * The previous per-size values (and the top-level enabled value) are
 * saved on the first call and restored by lfs_thp_restore(), which
 * also runs at exit.  Returns 0, or -1 with errno set.
 */
int lfs_thp_only(size_t size);
/* Write mode ("always", "never", "madvise", "inherit") for one size. */
int lfs_thp_set(size_t size, const char *mode);
/* Read the current mode for one size into buf ("always", ...). */
int lfs_thp_get(size_t size, char *buf, size_t len);
void lfs_thp_restore(void);
/*
 * Keep khugepaged asleep (an hour between scans) until lfs_thp_restore():
 * the write wakes it for one scan right away, then it sleeps.  For a test
 * that counts the large folios swap-in left: a collapse of a range it
 * swapped in page by page would change them.  Returns 0 or -1 (errno).
 */
int lfs_khugepaged_sleep(void);

/* ------------------------------------------------------------------ */
/* Counters                                                           */
/* ------------------------------------------------------------------ */

/*
 * A snapshot holds named counters:
 *   <vmstat name>            every /proc/vmstat line, e.g. "pswpout"
 *   <N>kB.<file>             every hugepages-<N>kB/stats/<file> (all
 *                            sizes, including shmem-only ones),
 *                            e.g. "64kB.swpout", "2048kB.split"
 *   memcg.<key>              memory.stat of the counter memcg, if set
 *   memcg.memory.current     and a few other memcg files (memory.current,
 *   memcg.memory.swap.current memory.swap.current, memory.zswap.current)
 *   meminfo.<Key>            /proc/meminfo values in kB (SwapFree, ...)
 *   zswap.<file>             files in /sys/kernel/debug/zswap if readable
 * Counters are kept sorted by name.
 */
#define LFS_COUNTER_NAME	64

struct lfs_counter {
	char name[LFS_COUNTER_NAME];
	long long val;
};

struct lfs_snap {
	int n;
	int cap;
	struct lfs_counter *v;
};

struct lfs_delta {
	int n;
	int cap;
	struct lfs_counter *v;
};

/*
 * Memcg (absolute cgroup directory, e.g. "/sys/fs/cgroup/foo") whose
 * memory.stat is included in snapshots; NULL to stop.  lfs_cg_enter()
 * sets it automatically to the entered cgroup.
 */
void lfs_counters_set_memcg(const char *cgpath);

/* Take a snapshot (allocates; free with lfs_snap_free()). 0 or -1. */
int lfs_counters_snap(struct lfs_snap *s);
void lfs_snap_free(struct lfs_snap *s);
/* Value of a counter in a snapshot; *found (may be NULL) tells if it exists. */
long long lfs_snap_get(const struct lfs_snap *s, const char *name, bool *found);

/*
 * d = b - a for every counter present in b.  A counter missing from a
 * is taken as 0 (e.g. a memcg created between the snapshots).  Returns
 * 0 or -1.  Free with lfs_delta_free().
 */
int lfs_counters_delta(const struct lfs_snap *a, const struct lfs_snap *b,
		       struct lfs_delta *d);
/* d = a + b (union), used to add up phases. */
int lfs_delta_add(const struct lfs_delta *a, const struct lfs_delta *b,
		  struct lfs_delta *d);
void lfs_delta_free(struct lfs_delta *d);
/* Delta of a counter; 0 if it does not exist. */
long long lfs_delta_get(const struct lfs_delta *d, const char *name);
/* True if the counter exists (in the later snapshot). */
bool lfs_delta_has(const struct lfs_delta *d, const char *name);
/* The delta of per-size counter "<size>kB.<stat>"; lfs_skip() if it does not exist. */
long long lfs_delta_size_stat(const struct lfs_delta *d, size_t size, const char *stat);
/* 0 and *val if the counter exists, -1 otherwise. */
int lfs_delta_find(const struct lfs_delta *d, const char *name, long long *val);
/*
 * Print nonzero deltas one per line: "<prefix>delta <name> <value>"
 * (prefix may be NULL or e.g. "  ").  Gauge-like counters (nr_*,
 * meminfo.*, memcg byte sizes) are printed too when they changed.
 */
void lfs_delta_print(FILE *f, const struct lfs_delta *d, const char *prefix);

/* ------------------------------------------------------------------ */
/* Folio inspection (pagemap + kpageflags, root required)             */
/* ------------------------------------------------------------------ */

#define KPF_ANON		12
#define KPF_SWAPCACHE		13
#define KPF_COMPOUND_HEAD	15
#define KPF_COMPOUND_TAIL	16
#define KPF_HUGE		17
#define KPF_NOPAGE		20
#define KPF_THP			22
#define KPF_ZERO_PAGE		24

#define PM_PFN_MASK		((1ULL << 55) - 1)
#define PM_SOFT_DIRTY		(1ULL << 55)
#define PM_MMAP_EXCLUSIVE	(1ULL << 56)
#define PM_FILE			(1ULL << 61)
#define PM_SWAP			(1ULL << 62)
#define PM_PRESENT		(1ULL << 63)

/* Orders 0..LFS_NR_ORDERS-1 are tracked (covers PUD-less x86/arm64). */
#define LFS_NR_ORDERS		13

/* Raw pagemap entry of addr.  0 or -1. */
int lfs_pagemap_entry(const void *addr, uint64_t *ent);
/* PFN mapped at addr, 0 if not present (or PFNs hidden: not root). */
uint64_t lfs_pfn_at(const void *addr);
/* Raw /proc/kpageflags word for pfn.  0 or -1. */
int lfs_kpageflags(uint64_t pfn, uint64_t *flags);
/* Swap entry present at addr (pagemap bit 62). */
bool lfs_is_swapped(const void *addr);
/* Swap offset of the entry at addr (bits 5-54 of pagemap), -1 if the page
 * is not swapped; dies if pagemap cannot be read. */
long long lfs_swap_offset(const void *addr);
bool lfs_is_present(const void *addr);

/*
 * Order of the folio mapped at addr: -1 if nothing is present (swapped
 * out, never touched or unmapped), 0 for a small page, otherwise the
 * order of the large folio containing the page.  The zero page and the
 * huge zero page report 0 / their order as well; use lfs_region_scan()
 * to tell them apart.
 */
int lfs_folio_order_at(const void *addr);

struct lfs_scan {
	long pages;		/* pages in the range */
	long present;		/* pages with a present PTE/PMD */
	long swapped;		/* pages with a swap (or migration) entry */
	long none;		/* neither present nor swapped */
	long zero;		/* present pages mapping the (huge) zero page */
	long folios;		/* distinct folios mapped (sum of hist[]) */
	long large;		/* distinct large folios (order > 0) */
	long partial;		/* large folios not fully mapped in range */
	long hist[LFS_NR_ORDERS];	/* distinct mapped folios by order */
};

/*
 * Walk [addr, addr+len) and classify every page.  A large folio is
 * counted once in hist[] however many of its pages are mapped in the
 * range; if only some of its pages are mapped in the range it is also
 * counted in ->partial (e.g. PTE-mapped after a partial swap-in, or a
 * folio straddling the range end).  Zero pages are counted in ->zero
 * only.  Returns 0 or -1.
 */
int lfs_region_scan(const void *addr, size_t len, struct lfs_scan *sc);

/* hist[0..LFS_NR_ORDERS-1] as above; returns number of folios or -1. */
long lfs_order_histogram(const void *addr, size_t len, long *hist);

/* Print "<label>: N folios of order K" per nonzero order + summary line. */
void lfs_scan_print(FILE *f, const char *label, const struct lfs_scan *sc);

/* ------------------------------------------------------------------ */
/* Swap                                                               */
/* ------------------------------------------------------------------ */

struct lfs_swapdev {
	char path[256];
	char type[32];
	long long size_kb;
	long long used_kb;
	int prio;
};

/* Parse /proc/swaps; returns number of active devices (<= max) or -1. */
int lfs_swaps(struct lfs_swapdev *devs, int max);
/*
 * swapon and swapoff @spare (a mkswap'ed area not in use): swapoff drains
 * every CPU's swap slots cache, whose slots /proc/swaps and
 * memory.swap.current still count as used. Dies on failure.
 */
void lfs_swap_drain_caches(const char *spare);

/* ------------------------------------------------------------------ */
/* cgroup v2 memcg helpers                                            */
/* ------------------------------------------------------------------ */

#define LFS_CGROOT	"/sys/fs/cgroup"

struct lfs_cg {
	char path[256];		/* absolute directory */
	bool created;		/* we mkdir'ed it (so we rmdir it) */
};

/*
 * Create LFS_CGROOT/<name> (an existing one is reused and not removed),
 * enabling +memory in the root's cgroup.subtree_control first.  The
 * cgroup is registered for removal at exit (main process only).
 * Returns 0 or -1 (errno); LFS_EXIT_SKIP is advisable on ENOENT (no
 * cgroup2 mounted) or when the memory controller is unavailable.
 */
int lfs_cg_create(struct lfs_cg *cg, const char *name);
/* Move the calling process in; also sets it as the counter memcg. */
int lfs_cg_enter(const struct lfs_cg *cg);
/*
 * Lock the process's memory as it is now (mlockall(MCL_CURRENT), after one
 * counter snapshot so that what snapshots allocate is locked too) and enter
 * cg: what the memcg then holds is only what the caller faults in next.
 * Dies on failure.
 */
void lfs_cg_enter_mlocked(const struct lfs_cg *cg);
/* Move the calling process back to where it was (or to the root). */
int lfs_cg_leave(void);
/* Move another process in. */
int lfs_cg_attach(const struct lfs_cg *cg, pid_t pid);
/* Write a string to a cgroup file; returns 0 or -errno. */
int lfs_cg_write(const struct lfs_cg *cg, const char *file, const char *val);
/* Read a cgroup file's first value as a number ("max" -> -1). */
int lfs_cg_read_ll(const struct lfs_cg *cg, const char *file, long long *val);
/* memory.stat key lookup. 0 or -1. */
int lfs_cg_stat(const struct lfs_cg *cg, const char *key, long long *val);
/* The same for a KEY VALUE file of the memcg (memory.events, ...). */
int lfs_cg_stat_file(const struct lfs_cg *cg, const char *file,
		     const char *key, long long *val);
/*
 * Write memory.reclaim = bytes, retrying up to tries times while the
 * kernel answers EAGAIN (it could not reclaim the whole amount; that is
 * normal).  Returns 0 when a write succeeded, else -errno of the last.
 */
int lfs_cg_reclaim(const struct lfs_cg *cg, size_t bytes, int tries);
/* memory.max: bytes, or 0 for "max".  Returns 0 or -errno. */
int lfs_cg_set_max(const struct lfs_cg *cg, size_t bytes);
/* memory.zswap.max: bytes, or (size_t)-1 for "max". 0 or -errno. */
int lfs_cg_set_zswap_max(const struct lfs_cg *cg, size_t bytes);
/* memory.zswap.writeback 0/1.  0 or -errno. */
int lfs_cg_set_zswap_writeback(const struct lfs_cg *cg, bool on);
/* Leave it if we are in it and rmdir it if we created it. */
void lfs_cg_remove(struct lfs_cg *cg);

/* ------------------------------------------------------------------ */
/* Page content                                                       */
/* ------------------------------------------------------------------ */

enum lfs_kind {
	LFS_KIND_ZERO,		/* all zero */
	LFS_KIND_TEXT,		/* English-like text, compresses ~3x */
	LFS_KIND_RANDOM,	/* incompressible */
	LFS_KIND_PATTERN,	/* repeating 8..64 byte pattern per page */
	LFS_KIND_SAME,		/* one repeated 8-byte word (same-filled) */
	LFS_KIND_MIXED,		/* kind chosen per page from its index */
	LFS_NR_KINDS,
};

const char *lfs_kind_name(enum lfs_kind kind);
/* -1 for an unknown name. */
int lfs_kind_parse(const char *name);
/*
 * Concrete kind of a page: kind itself unless LFS_KIND_MIXED, which
 * picks one of zero/text/random/pattern/same from the page index only
 * (not the seed), so every folio of 4+ pages holds several kinds.
 */
enum lfs_kind lfs_page_kind(enum lfs_kind kind, size_t page_index);

/*
 * Fill one base page at p.  Content is a pure function of
 * (kind, seed, page_index, gen).  Non-zero kinds except "same" start
 * with a 16-byte header { u64 page_index, u32 gen, u32 tag } so that
 * misplaced or stale pages are detected; "same" encodes index/gen/seed
 * in the repeated word itself.
 */
void lfs_fill_page(void *p, enum lfs_kind kind, uint64_t seed,
		   size_t page_index, uint32_t gen);
/* Offset of the first wrong byte, or -1 if the page is as expected. */
long lfs_check_page(const void *p, enum lfs_kind kind, uint64_t seed,
		    size_t page_index, uint32_t gen);
/* Expected byte at off (for mismatch reports). */
uint8_t lfs_expected_byte(enum lfs_kind kind, uint64_t seed,
			  size_t page_index, uint32_t gen, size_t off);

/* Small PRNG helpers (splitmix64) usable by tests. */
uint64_t lfs_mix64(uint64_t x);
struct lfs_rng {
	uint64_t s;
};
void lfs_rng_seed(struct lfs_rng *r, uint64_t seed);
uint64_t lfs_rng_next(struct lfs_rng *r);
/* Uniform in [0, n) (n > 0). */
uint64_t lfs_rng_below(struct lfs_rng *r, uint64_t n);

/* ------------------------------------------------------------------ */
/* Memory helpers                                                     */
/* ------------------------------------------------------------------ */

/*
 * mmap an anonymous private region of len bytes aligned to align
 * (over-allocate and trim).  Returns NULL on failure (not MAP_FAILED).
 * MADV_HUGEPAGE is applied when hugepage is true (callers pass true for
 * the PMD size).  Unmap with munmap(p, len).
 */
void *lfs_mmap_aligned(size_t len, size_t align, bool hugepage);

/*
 * Map count folios of size bytes (aligned, MADV_HUGEPAGE at the PMD size),
 * fill every page with text of (seed, page index, gen 1), and check that
 * each is one folio of that size: lfs_skip() if not (the allocation fell
 * back), lfs_die() if the mapping or the page scan fails.  The caller has
 * made size the only enabled mTHP size.
 */
char *lfs_fault_folios(size_t size, int count, uint64_t seed);

/* Touch (write 1 byte) the first page of every chunk-sized block. */
void lfs_touch(void *p, size_t len, size_t chunk);

/* ------------------------------------------------------------------ */
/* /proc/meminfo                                                      */
/* ------------------------------------------------------------------ */

/* One /proc/meminfo value in kB ("SwapCached", "Writeback"), -1 if none. */
long long lfs_meminfo_kb(const char *key);
/* Wait (up to 10 s) until no page is under writeback. */
void lfs_wait_writeback(void);

#endif /* LFS_H */
