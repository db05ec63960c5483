// SPDX-License-Identifier: GPL-2.0
/*
 * lfs.c - shared helpers for the lfswap tests.  See lfs.h.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/swap.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "lfs.h"

/* ------------------------------------------------------------------ */
/* Exit helpers and cleanup                                           */
/* ------------------------------------------------------------------ */

const char *lfs_progname = "lfs";
static pid_t lfs_main_pid;

#define LFS_MAX_CHILDREN	256
static volatile pid_t lfs_children[LFS_MAX_CHILDREN];

bool lfs_is_main_process(void)
{
	return lfs_main_pid == 0 || getpid() == lfs_main_pid;
}

void lfs_child_register(pid_t pid)
{
	for (int i = 0; i < LFS_MAX_CHILDREN; i++) {
		if (!lfs_children[i]) {
			lfs_children[i] = pid;
			return;
		}
	}
}

void lfs_child_unregister(pid_t pid)
{
	for (int i = 0; i < LFS_MAX_CHILDREN; i++)
		if (lfs_children[i] == pid)
			lfs_children[i] = 0;
}

static void lfs_kill_children(void)
{
	for (int i = 0; i < LFS_MAX_CHILDREN; i++) {
		pid_t pid = lfs_children[i];

		if (pid <= 0)
			continue;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		lfs_children[i] = 0;
	}
}

static void lfs_cg_remove_all(void);

#define LFS_MAX_CLEANUPS	8
static void (*lfs_cleanups[LFS_MAX_CLEANUPS])(void);

void lfs_cleanup_add(void (*fn)(void))
{
	for (int i = 0; i < LFS_MAX_CLEANUPS; i++) {
		if (!lfs_cleanups[i]) {
			lfs_cleanups[i] = fn;
			return;
		}
	}
}

/*
 * Restores global state.  Only raw syscalls are used on this path so
 * that it can also run from the signal handler.  Children never clean
 * up: the main process owns the settings and the cgroups.
 */
void lfs_cleanup(void)
{
	if (!lfs_is_main_process())
		return;
	lfs_kill_children();
	for (int i = 0; i < LFS_MAX_CLEANUPS; i++)
		if (lfs_cleanups[i])
			lfs_cleanups[i]();
	lfs_thp_restore();
	lfs_cg_remove_all();
}

static void lfs_signal_handler(int sig)
{
	if (lfs_is_main_process()) {
		static const char msg[] = "RESULT: FAIL (interrupted by signal)\n";

		lfs_cleanup();
		/* nothing sensible to do if this write fails */
		(void)!write(STDOUT_FILENO, msg, sizeof(msg) - 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

int lfs_pin_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

void lfs_init(const char *progname)
{
	struct sigaction sa;

	if (progname)
		lfs_progname = progname;
	lfs_main_pid = getpid();
	atexit(lfs_cleanup);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = lfs_signal_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static void lfs_vmsg(FILE *f, const char *tag, const char *fmt, va_list ap,
		     int err)
{
	fprintf(f, "%s: ", tag);
	vfprintf(f, fmt, ap);
	if (err)
		fprintf(f, ": %s", strerror(err));
	fputc('\n', f);
}

static void LFS_NORETURN lfs_exit_with(int code, const char *result,
				       const char *fmt, va_list ap, int err)
{
	if (lfs_is_main_process()) {
		fflush(stderr);
		printf("RESULT: %s (", result);
		vprintf(fmt, ap);
		if (err)
			printf(": %s", strerror(err));
		printf(")\n");
	}
	fflush(stdout);
	exit(code);
}

void lfs_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lfs_vmsg(stdout, "ERROR", fmt, ap, 0);
	va_end(ap);
	if (lfs_is_main_process()) {
		va_start(ap, fmt);
		printf("RESULT: FAIL (error: ");
		vprintf(fmt, ap);
		printf(")\n");
		va_end(ap);
	}
	fflush(stdout);
	exit(LFS_EXIT_ERROR);
}

void lfs_die_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	lfs_vmsg(stdout, "ERROR", fmt, ap, err);
	va_end(ap);
	if (lfs_is_main_process()) {
		va_start(ap, fmt);
		printf("RESULT: FAIL (error: ");
		vprintf(fmt, ap);
		printf(": %s)\n", strerror(err));
		va_end(ap);
	}
	fflush(stdout);
	exit(LFS_EXIT_ERROR);
}

void lfs_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lfs_vmsg(stdout, "SKIP", fmt, ap, 0);
	va_end(ap);
	va_start(ap, fmt);
	lfs_exit_with(LFS_EXIT_SKIP, "SKIP", fmt, ap, 0);
}

void lfs_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lfs_exit_with(LFS_EXIT_FAIL, "FAIL", fmt, ap, 0);
}

void lfs_pass(void)
{
	if (lfs_is_main_process())
		printf("RESULT: PASS\n");
	fflush(stdout);
	exit(LFS_EXIT_PASS);
}

void lfs_warn(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	lfs_vmsg(stderr, "WARN", fmt, ap, 0);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Small file helpers                                                 */
/* ------------------------------------------------------------------ */

/* Write a string with one write(); returns 0 or -errno.  Signal-safe. */
static int write_str(const char *path, const char *val)
{
	size_t len = strlen(val);
	int fd, ret = 0;
	ssize_t n;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

/* Read a whole (small) file into buf, NUL terminated.  Length or -1. */
static ssize_t read_file(const char *path, char *buf, size_t len)
{
	ssize_t n, total = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((size_t)total < len - 1) {
		n = read(fd, buf + total, len - 1 - total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		total += n;
	}
	close(fd);
	buf[total] = '\0';
	return total;
}

/* ------------------------------------------------------------------ */
/* Sizes                                                              */
/* ------------------------------------------------------------------ */

size_t lfs_pagesize(void)
{
	static size_t ps;

	if (!ps) {
		ps = (size_t)sysconf(_SC_PAGESIZE);
		if (ps > 65536)
			lfs_die("page size %zu is not supported", ps);
	}
	return ps;
}

size_t lfs_parse_size(const char *s)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return 0;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return 0;
	switch (toupper((unsigned char)*end)) {
	case 'G':
		v <<= 10;
		/* fall through */
	case 'M':
		v <<= 10;
		/* fall through */
	case 'K':
		v <<= 10;
		end++;
		if (toupper((unsigned char)*end) == 'I')
			end++;
		if (toupper((unsigned char)*end) == 'B')
			end++;
		break;
	case 'B':
		end++;
		break;
	default:
		break;
	}
	if (*end)
		return 0;
	return (size_t)v;
}

const char *lfs_size_str(size_t size, char *buf)
{
	if (size && !(size & ((1UL << 30) - 1)))
		sprintf(buf, "%zuG", size >> 30);
	else if (size && !(size & ((1UL << 20) - 1)))
		sprintf(buf, "%zuM", size >> 20);
	else if (size && !(size & ((1UL << 10) - 1)))
		sprintf(buf, "%zuK", size >> 10);
	else
		sprintf(buf, "%zu", size);
	return buf;
}

int lfs_size_order(size_t size)
{
	size_t nr = size / lfs_pagesize();
	int order = 0;

	if (!nr || (nr & (nr - 1)))
		return -1;
	while ((1UL << order) < nr)
		order++;
	return order;
}

double lfs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------ */
/* mTHP sysfs control                                                 */
/* ------------------------------------------------------------------ */

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * All hugepages-<N>kB directories, or with anon_only only those with an
 * anonymous "enabled" file (newer kernels list shmem-only sizes too).
 */
static int thp_dirs(size_t *sizes, int max, bool anon_only)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(LFS_THP_DIR);
	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		unsigned long kb;
		char tail[8];

		char path[300];

		if (sscanf(de->d_name, "hugepages-%lukB%7s", &kb, tail) != 1)
			continue;
		snprintf(path, sizeof(path), LFS_THP_DIR "/%s/enabled",
			 de->d_name);
		if (anon_only && access(path, F_OK))
			continue;
		sizes[n++] = kb << 10;
	}
	closedir(d);
	qsort(sizes, n, sizeof(*sizes), cmp_size);
	return n;
}

int lfs_thp_sizes(size_t *sizes, int max)
{
	return thp_dirs(sizes, max, true);
}

bool lfs_thp_size_supported(size_t size)
{
	size_t sizes[LFS_MAX_THP_SIZES];
	int n = lfs_thp_sizes(sizes, LFS_MAX_THP_SIZES);

	if (size == lfs_pagesize())
		return true;
	for (int i = 0; i < n; i++)
		if (sizes[i] == size)
			return true;
	return false;
}

size_t lfs_pmd_size(void)
{
	char buf[64];

	if (read_file(LFS_THP_DIR "/hpage_pmd_size", buf, sizeof(buf)) <= 0)
		return 0;
	return strtoull(buf, NULL, 10);
}

static void thp_enabled_path(size_t size, char *path, size_t len)
{
	snprintf(path, len, LFS_THP_DIR "/hugepages-%zukB/enabled", size >> 10);
}

/* Extract the [selected] word of a sysfs mode file. */
static int parse_mode(const char *buf, char *out, size_t len)
{
	const char *a = strchr(buf, '['), *b;

	if (!a || !(b = strchr(a, ']')) || (size_t)(b - a) > len)
		return -1;
	memcpy(out, a + 1, b - a - 1);
	out[b - a - 1] = '\0';
	return 0;
}

int lfs_thp_get(size_t size, char *out, size_t len)
{
	char path[256], buf[256];

	thp_enabled_path(size, path, sizeof(path));
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	if (parse_mode(buf, out, len)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int lfs_thp_set(size_t size, const char *mode)
{
	char path[256];
	int ret;

	thp_enabled_path(size, path, sizeof(path));
	ret = write_str(path, mode);
	if (ret) {
		errno = -ret;
		return -1;
	}
	return 0;
}

/* Saved settings; paths are precomputed so restore is signal-safe. */
static struct {
	char path[128];
	char mode[16];
} thp_saved[LFS_MAX_THP_SIZES + 2];
static volatile int thp_nr_saved;

static int thp_save(void)
{
	size_t sizes[LFS_MAX_THP_SIZES];
	int n, nr = 0;

	if (thp_nr_saved)
		return 0;
	n = lfs_thp_sizes(sizes, LFS_MAX_THP_SIZES);
	for (int i = 0; i < n; i++) {
		thp_enabled_path(sizes[i], thp_saved[nr].path,
				 sizeof(thp_saved[nr].path));
		if (lfs_thp_get(sizes[i], thp_saved[nr].mode,
				sizeof(thp_saved[nr].mode)))
			return -1;
		nr++;
	}
	/* The top-level switch is what "inherit" sizes follow. */
	{
		char buf[256];

		snprintf(thp_saved[nr].path, sizeof(thp_saved[nr].path),
			 LFS_THP_DIR "/enabled");
		if (read_file(thp_saved[nr].path, buf, sizeof(buf)) >= 0 &&
		    !parse_mode(buf, thp_saved[nr].mode,
				sizeof(thp_saved[nr].mode)))
			nr++;
	}
	/* khugepaged's scan interval (lfs_khugepaged_sleep() stretches it). */
	{
		char buf[sizeof(thp_saved[0].mode)];

		snprintf(thp_saved[nr].path, sizeof(thp_saved[nr].path),
			 LFS_THP_DIR "/khugepaged/scan_sleep_millisecs");
		if (read_file(thp_saved[nr].path, buf, sizeof(buf)) > 0) {
			buf[strcspn(buf, "\n")] = '\0';
			snprintf(thp_saved[nr].mode, sizeof(thp_saved[nr].mode),
				 "%s", buf);
			nr++;
		}
	}
	thp_nr_saved = nr;
	return 0;
}

void lfs_thp_restore(void)
{
	for (int i = 0; i < thp_nr_saved; i++)
		write_str(thp_saved[i].path, thp_saved[i].mode);
}

int lfs_thp_only(size_t size)
{
	size_t sizes[LFS_MAX_THP_SIZES];
	bool found = size == lfs_pagesize();
	int n;

	n = lfs_thp_sizes(sizes, LFS_MAX_THP_SIZES);
	if (!n) {
		if (found)
			return 0;	/* no THP at all: 4K is the only size */
		errno = ENOENT;
		return -1;
	}
	for (int i = 0; i < n; i++)
		if (sizes[i] == size)
			found = true;
	if (!found) {
		errno = EINVAL;
		return -1;
	}
	if (thp_save())
		return -1;
	/* Disable first so that two sizes are never enabled at once. */
	for (int i = 0; i < n; i++)
		if (sizes[i] != size && lfs_thp_set(sizes[i], "never"))
			return -1;
	if (size != lfs_pagesize() && lfs_thp_set(size, "always"))
		return -1;
	return 0;
}

int lfs_khugepaged_sleep(void)
{
	if (thp_save())
		return -1;
	return write_str(LFS_THP_DIR "/khugepaged/scan_sleep_millisecs",
			 "3600000");
}

/* ------------------------------------------------------------------ */
/* Counters                                                           */
/* ------------------------------------------------------------------ */

static char counter_memcg[256];

void lfs_counters_set_memcg(const char *cgpath)
{
	if (!cgpath)
		counter_memcg[0] = '\0';
	else
		snprintf(counter_memcg, sizeof(counter_memcg), "%s", cgpath);
}

static int snap_add(struct lfs_snap *s, const char *name, long long val)
{
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 512;
		struct lfs_counter *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	snprintf(s->v[s->n].name, LFS_COUNTER_NAME, "%s", name);
	s->v[s->n].val = val;
	s->n++;
	return 0;
}

/* Add "key value" lines of a file, with an optional unit suffix. */
static int snap_add_kv_file(struct lfs_snap *s, const char *path,
			    const char *prefix)
{
	char line[256], name[LFS_COUNTER_NAME * 2];
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char key[128];
		long long val;

		/* meminfo has "Key:  123 kB", the others "key 123" */
		if (sscanf(line, "%127[^: ]%*[: ]%lld", key, &val) != 2)
			continue;
		snprintf(name, sizeof(name), "%s%s", prefix, key);
		if (snap_add(s, name, val)) {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

/* Add a file containing one number (missing/unreadable files are skipped). */
static int snap_add_value_file(struct lfs_snap *s, const char *path,
			       const char *name)
{
	char buf[64];
	char *end;
	long long val;

	if (read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	if (!strncmp(buf, "max", 3))
		return 0;
	val = strtoll(buf, &end, 0);
	if (end == buf)
		return 0;
	return snap_add(s, name, val);
}

/* Add every single-number file of a directory as <prefix><file>. */
static int snap_add_dir(struct lfs_snap *s, const char *dir, const char *prefix)
{
	char path[1024], name[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		snprintf(name, sizeof(name), "%s%s", prefix, de->d_name);
		if (snap_add_value_file(s, path, name)) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

static int cmp_counter(const void *a, const void *b)
{
	return strcmp(((const struct lfs_counter *)a)->name,
		      ((const struct lfs_counter *)b)->name);
}

int lfs_counters_snap(struct lfs_snap *s)
{
	size_t sizes[LFS_MAX_THP_SIZES];
	char dir[512], prefix[64];
	int n;

	memset(s, 0, sizeof(*s));
	if (snap_add_kv_file(s, "/proc/vmstat", ""))
		goto err;
	snap_add_kv_file(s, "/proc/meminfo", "meminfo.");

	n = thp_dirs(sizes, LFS_MAX_THP_SIZES, false);
	for (int i = 0; i < n; i++) {
		snprintf(dir, sizeof(dir), LFS_THP_DIR "/hugepages-%zukB/stats",
			 sizes[i] >> 10);
		snprintf(prefix, sizeof(prefix), "%zukB.", sizes[i] >> 10);
		if (snap_add_dir(s, dir, prefix))
			goto err;
	}

	if (snap_add_dir(s, "/sys/kernel/debug/zswap", "zswap."))
		goto err;

	if (counter_memcg[0]) {
		static const char * const files[] = {
			"memory.current", "memory.swap.current",
			"memory.zswap.current", "memory.peak",
		};

		snprintf(dir, sizeof(dir), "%s/memory.stat", counter_memcg);
		snap_add_kv_file(s, dir, "memcg.");
		snprintf(dir, sizeof(dir), "%s/memory.events", counter_memcg);
		snap_add_kv_file(s, dir, "memcg.events.");
		snprintf(dir, sizeof(dir), "%s/memory.swap.events",
			 counter_memcg);
		snap_add_kv_file(s, dir, "memcg.swap.events.");
		for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
			snprintf(dir, sizeof(dir), "%s/%s", counter_memcg,
				 files[i]);
			snprintf(prefix, sizeof(prefix), "memcg.%s", files[i]);
			if (snap_add_value_file(s, dir, prefix))
				goto err;
		}
	}
	qsort(s->v, s->n, sizeof(*s->v), cmp_counter);
	return 0;
err:
	lfs_snap_free(s);
	return -1;
}

void lfs_snap_free(struct lfs_snap *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static const struct lfs_counter *find_counter(const struct lfs_counter *v,
					      int n, const char *name)
{
	struct lfs_counter key;

	snprintf(key.name, sizeof(key.name), "%s", name);
	return bsearch(&key, v, n, sizeof(*v), cmp_counter);
}

long long lfs_snap_get(const struct lfs_snap *s, const char *name, bool *found)
{
	const struct lfs_counter *c = find_counter(s->v, s->n, name);

	if (found)
		*found = c != NULL;
	return c ? c->val : 0;
}

int lfs_counters_delta(const struct lfs_snap *a, const struct lfs_snap *b,
		       struct lfs_delta *d)
{
	memset(d, 0, sizeof(*d));
	d->v = calloc(b->n ? b->n : 1, sizeof(*d->v));
	if (!d->v)
		return -1;
	d->cap = b->n;
	for (int i = 0; i < b->n; i++) {
		const struct lfs_counter *c = find_counter(a->v, a->n,
							   b->v[i].name);

		d->v[d->n] = b->v[i];
		d->v[d->n].val -= c ? c->val : 0;
		d->n++;
	}
	return 0;
}

int lfs_delta_add(const struct lfs_delta *a, const struct lfs_delta *b,
		  struct lfs_delta *d)
{
	int i = 0, j = 0;

	memset(d, 0, sizeof(*d));
	d->v = calloc(a->n + b->n + 1, sizeof(*d->v));
	if (!d->v)
		return -1;
	d->cap = a->n + b->n;
	/* Both are sorted by name: merge. */
	while (i < a->n || j < b->n) {
		int c;

		if (i == a->n)
			c = 1;
		else if (j == b->n)
			c = -1;
		else
			c = strcmp(a->v[i].name, b->v[j].name);
		if (c < 0) {
			d->v[d->n++] = a->v[i++];
		} else if (c > 0) {
			d->v[d->n++] = b->v[j++];
		} else {
			d->v[d->n] = a->v[i++];
			d->v[d->n++].val += b->v[j++].val;
		}
	}
	return 0;
}

void lfs_delta_free(struct lfs_delta *d)
{
	free(d->v);
	memset(d, 0, sizeof(*d));
}

int lfs_delta_find(const struct lfs_delta *d, const char *name, long long *val)
{
	const struct lfs_counter *c = find_counter(d->v, d->n, name);

	if (!c)
		return -1;
	if (val)
		*val = c->val;
	return 0;
}

long long lfs_delta_get(const struct lfs_delta *d, const char *name)
{
	long long v = 0;

	lfs_delta_find(d, name, &v);
	return v;
}

bool lfs_delta_has(const struct lfs_delta *d, const char *name)
{
	return !lfs_delta_find(d, name, NULL);
}

void lfs_swap_drain_caches(const char *spare)
{
	if (swapon(spare, 0))
		lfs_die_errno("swapon %s (to drain the swap slots caches)", spare);
	if (swapoff(spare))
		lfs_die_errno("swapoff %s", spare);
}

long long lfs_delta_size_stat(const struct lfs_delta *d, size_t size, const char *stat)
{
	char name[64];

	snprintf(name, sizeof(name), "%zukB.%s", size >> 10, stat);
	if (!lfs_delta_has(d, name))
		lfs_skip("no %s counter", name);
	return lfs_delta_get(d, name);
}

void lfs_delta_print(FILE *f, const struct lfs_delta *d, const char *prefix)
{
	for (int i = 0; i < d->n; i++)
		if (d->v[i].val)
			fprintf(f, "%sdelta %s %lld\n", prefix ? prefix : "",
				d->v[i].name, d->v[i].val);
}

/* ------------------------------------------------------------------ */
/* Folio inspection                                                   */
/* ------------------------------------------------------------------ */

static int pagemap_fd = -1;
static pid_t pagemap_pid;
static int kpageflags_fd = -1;

static int open_once(int *fd, const char *path)
{
	if (*fd < 0)
		*fd = open(path, O_RDONLY | O_CLOEXEC);
	return *fd;
}

/* Read n pagemap entries starting at the page containing addr. */
static int pagemap_read(const void *addr, uint64_t *ents, size_t n)
{
	size_t off = (uintptr_t)addr / lfs_pagesize() * sizeof(uint64_t);
	size_t want = n * sizeof(uint64_t), got = 0;

	/*
	 * /proc/self/pagemap opened before a fork() still shows the
	 * parent's mm: reopen it in the child.
	 */
	if (pagemap_fd >= 0 && pagemap_pid != getpid()) {
		close(pagemap_fd);
		pagemap_fd = -1;
	}
	if (open_once(&pagemap_fd, "/proc/self/pagemap") < 0)
		return -1;
	pagemap_pid = getpid();
	while (got < want) {
		ssize_t r = pread(pagemap_fd, (char *)ents + got, want - got,
				  off + got);

		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return -1;
		}
		got += r;
	}
	return 0;
}

/* Read n kpageflags words starting at pfn; returns the count read. */
static ssize_t kpf_read(uint64_t pfn, uint64_t *flags, size_t n)
{
	ssize_t r;

	if (open_once(&kpageflags_fd, "/proc/kpageflags") < 0)
		return -1;
	do {
		r = pread(kpageflags_fd, flags, n * sizeof(uint64_t),
			  pfn * sizeof(uint64_t));
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	return r / sizeof(uint64_t);
}

int lfs_pagemap_entry(const void *addr, uint64_t *ent)
{
	return pagemap_read(addr, ent, 1);
}

uint64_t lfs_pfn_at(const void *addr)
{
	uint64_t ent;

	if (lfs_pagemap_entry(addr, &ent) || !(ent & PM_PRESENT))
		return 0;
	return ent & PM_PFN_MASK;
}

int lfs_kpageflags(uint64_t pfn, uint64_t *flags)
{
	return kpf_read(pfn, flags, 1) == 1 ? 0 : -1;
}

bool lfs_is_swapped(const void *addr)
{
	uint64_t ent;

	return !lfs_pagemap_entry(addr, &ent) && (ent & PM_SWAP) &&
	       !(ent & PM_PRESENT);
}

long long lfs_swap_offset(const void *addr)
{
	uint64_t ent;

	if (lfs_pagemap_entry(addr, &ent))
		lfs_die_errno("pagemap");
	if (!(ent & PM_SWAP))
		return -1;
	return (long long)((ent & PM_PFN_MASK) >> 5);
}

bool lfs_is_present(const void *addr)
{
	uint64_t ent;

	return !lfs_pagemap_entry(addr, &ent) && (ent & PM_PRESENT);
}

#define KPF(bit)	(1ULL << (bit))
#define LFS_MAX_FOLIO	(1UL << (LFS_NR_ORDERS - 1))

/*
 * Find head pfn and order of the folio containing pfn.  Large folios are
 * naturally aligned in pfn space and have exactly one head followed by
 * tails, so walk back to the head and count the tails after it.
 */
static int folio_of(uint64_t pfn, uint64_t flags, uint64_t *headp, int *orderp)
{
	uint64_t buf[512];
	uint64_t head = pfn;
	size_t nr = 1;

	*headp = pfn;
	*orderp = 0;
	if (!(flags & (KPF(KPF_COMPOUND_HEAD) | KPF(KPF_COMPOUND_TAIL))))
		return 0;

	if (flags & KPF(KPF_COMPOUND_TAIL)) {
		bool found = false;

		while (!found && pfn - head < LFS_MAX_FOLIO && head > 0) {
			size_t chunk = 512;
			ssize_t got;

			if (chunk > head)
				chunk = head;
			got = kpf_read(head - chunk, buf, chunk);
			if (got != (ssize_t)chunk)
				return -1;
			for (ssize_t i = chunk - 1; i >= 0; i--) {
				head--;
				if (buf[i] & KPF(KPF_COMPOUND_HEAD)) {
					found = true;
					break;
				}
				if (!(buf[i] & KPF(KPF_COMPOUND_TAIL)))
					return -1;	/* raced with a split */
			}
		}
		if (!found)
			return -1;
	}

	/* Count the tails following the head. */
	for (;;) {
		ssize_t got = kpf_read(head + nr, buf, 512);
		ssize_t i;

		if (got <= 0)
			break;
		for (i = 0; i < got; i++) {
			if (!(buf[i] & KPF(KPF_COMPOUND_TAIL)))
				break;
			nr++;
		}
		if (i < got || nr >= LFS_MAX_FOLIO)
			break;
	}
	*headp = head;
	*orderp = 0;
	while ((1UL << *orderp) < nr && *orderp < LFS_NR_ORDERS - 1)
		(*orderp)++;
	return 0;
}

int lfs_folio_order_at(const void *addr)
{
	uint64_t ent, pfn, flags, head;
	int order;

	if (lfs_pagemap_entry(addr, &ent) || !(ent & PM_PRESENT))
		return -1;
	pfn = ent & PM_PFN_MASK;
	if (!pfn || lfs_kpageflags(pfn, &flags))
		return 0;	/* PFN hidden (not root): cannot tell */
	if (folio_of(pfn, flags, &head, &order))
		return 0;
	return order;
}

/* Open-addressing set of folios seen during a scan. */
struct folio_ent {
	uint64_t head;		/* 0: empty slot */
	int order;
	long mapped;		/* pages of it mapped in the range */
};

struct folio_set {
	struct folio_ent *e;
	size_t mask;
};

static struct folio_ent *folio_set_get(struct folio_set *fs, uint64_t head)
{
	size_t i = lfs_mix64(head) & fs->mask;

	while (fs->e[i].head && fs->e[i].head != head)
		i = (i + 1) & fs->mask;
	return &fs->e[i];
}

int lfs_region_scan(const void *addr, size_t len, struct lfs_scan *sc)
{
	size_t ps = lfs_pagesize(), npages = len / ps, cap = 16;
	const char *base = addr;
	struct folio_set fs;
	uint64_t *ents;
	/* Last folio found, to avoid walking kpageflags for each page. */
	uint64_t last_head = 0, last_end = 0;
	struct folio_ent *last = NULL;

	memset(sc, 0, sizeof(*sc));
	sc->pages = npages;
	ents = malloc(npages * sizeof(*ents) + 1);
	if (!ents)
		return -1;
	if (npages && pagemap_read(base, ents, npages)) {
		free(ents);
		return -1;
	}
	while (cap < 2 * npages)
		cap <<= 1;
	fs.mask = cap - 1;
	fs.e = calloc(cap, sizeof(*fs.e));
	if (!fs.e) {
		free(ents);
		return -1;
	}

	for (size_t i = 0; i < npages; i++) {
		uint64_t ent = ents[i], pfn, flags, head;
		int order;

		if (!(ent & PM_PRESENT)) {
			if (ent & PM_SWAP)
				sc->swapped++;
			else
				sc->none++;
			continue;
		}
		sc->present++;
		pfn = ent & PM_PFN_MASK;
		if (last && pfn >= last_head && pfn < last_end) {
			last->mapped++;
			continue;
		}
		if (!pfn || lfs_kpageflags(pfn, &flags)) {
			flags = 0;
		} else if (flags & KPF(KPF_ZERO_PAGE)) {
			sc->zero++;
			continue;
		}
		if (!pfn || folio_of(pfn, flags, &head, &order)) {
			/* unknown pfn or raced with a split: count as small */
			head = pfn ? pfn : ~(uint64_t)i;
			order = 0;
		}
		last = folio_set_get(&fs, head);
		if (!last->head) {
			last->head = head;
			last->order = order;
		}
		last->mapped++;
		last_head = head;
		last_end = head + (1UL << order);
	}

	for (size_t i = 0; i < cap; i++) {
		struct folio_ent *e = &fs.e[i];

		if (!e->head)
			continue;
		sc->hist[e->order]++;
		sc->folios++;
		if (e->order > 0) {
			sc->large++;
			if (e->mapped < (1L << e->order))
				sc->partial++;
		}
	}
	free(fs.e);
	free(ents);
	return 0;
}

long lfs_order_histogram(const void *addr, size_t len, long *hist)
{
	struct lfs_scan sc;

	if (lfs_region_scan(addr, len, &sc))
		return -1;
	memcpy(hist, sc.hist, sizeof(sc.hist));
	return sc.folios;
}

void lfs_scan_print(FILE *f, const char *label, const struct lfs_scan *sc)
{
	char buf[32];

	for (int o = 0; o < LFS_NR_ORDERS; o++)
		if (sc->hist[o])
			fprintf(f, "%s: %ld folios of order %d (%s)\n", label,
				sc->hist[o], o,
				lfs_size_str(lfs_pagesize() << o, buf));
	fprintf(f, "%s: pages=%ld present=%ld swapped=%ld none=%ld zero=%ld "
		"folios=%ld large=%ld partial=%ld\n", label, sc->pages,
		sc->present, sc->swapped, sc->none, sc->zero, sc->folios,
		sc->large, sc->partial);
}

/* ------------------------------------------------------------------ */
/* Swap                                                               */
/* ------------------------------------------------------------------ */

int lfs_swaps(struct lfs_swapdev *devs, int max)
{
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/swaps", "re");

	if (!f)
		return -1;
	/* Skip the header line. */
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return 0;
	}
	while (n < max && fgets(line, sizeof(line), f)) {
		struct lfs_swapdev *d = &devs[n];

		if (sscanf(line, "%255s %31s %lld %lld %d", d->path, d->type,
			   &d->size_kb, &d->used_kb, &d->prio) == 5)
			n++;
	}
	fclose(f);
	return n;
}

/* ------------------------------------------------------------------ */
/* cgroup v2                                                          */
/* ------------------------------------------------------------------ */

#define LFS_MAX_CGROUPS	64
static char cg_registered[LFS_MAX_CGROUPS][256];
/* cgroup.procs of the cgroup we started in, for moving back. */
static char cg_home_procs[300];

static void cg_register(const char *path)
{
	for (int i = 0; i < LFS_MAX_CGROUPS; i++) {
		if (!cg_registered[i][0]) {
			snprintf(cg_registered[i], sizeof(cg_registered[i]),
				 "%s", path);
			return;
		}
	}
}

static void cg_unregister(const char *path)
{
	for (int i = 0; i < LFS_MAX_CGROUPS; i++)
		if (!strcmp(cg_registered[i], path))
			cg_registered[i][0] = '\0';
}

static void cg_save_home(void)
{
	char buf[512], *p;

	if (cg_home_procs[0])
		return;
	snprintf(cg_home_procs, sizeof(cg_home_procs),
		 LFS_CGROOT "/cgroup.procs");
	if (read_file("/proc/self/cgroup", buf, sizeof(buf)) <= 0)
		return;
	/* cgroup v2 line: "0::/some/path" */
	p = strstr(buf, "0::");
	if (!p)
		return;
	p += 3;
	p[strcspn(p, "\n")] = '\0';
	if (strcmp(p, "/"))
		snprintf(cg_home_procs, sizeof(cg_home_procs),
			 LFS_CGROOT "%.200s/cgroup.procs", p);
}

int lfs_cg_leave(void)
{
	int ret;

	cg_save_home();
	ret = write_str(cg_home_procs, "0");
	if (ret)
		ret = write_str(LFS_CGROOT "/cgroup.procs", "0");
	return ret;
}

/* rmdir with retries: exiting members leave the cgroup asynchronously. */
static void cg_rmdir(const char *path)
{
	for (int i = 0; i < 50; i++) {
		if (!rmdir(path) || errno == ENOENT)
			return;
		if (errno != EBUSY)
			return;
		usleep(20000);
	}
}

static void lfs_cg_remove_all(void)
{
	bool any = false;

	for (int i = 0; i < LFS_MAX_CGROUPS; i++)
		any |= cg_registered[i][0] != '\0';
	if (!any)
		return;
	if (cg_home_procs[0] && write_str(cg_home_procs, "0"))
		write_str(LFS_CGROOT "/cgroup.procs", "0");
	for (int i = 0; i < LFS_MAX_CGROUPS; i++) {
		if (!cg_registered[i][0])
			continue;
		cg_rmdir(cg_registered[i]);
		cg_registered[i][0] = '\0';
	}
}

int lfs_cg_create(struct lfs_cg *cg, const char *name)
{
	char buf[512];
	int ret;

	cg_save_home();
	memset(cg, 0, sizeof(*cg));
	snprintf(cg->path, sizeof(cg->path), LFS_CGROOT "/%s", name);

	if (read_file(LFS_CGROOT "/cgroup.controllers", buf, sizeof(buf)) < 0)
		return -1;
	if (!strstr(buf, "memory")) {
		errno = ENODEV;
		return -1;
	}
	if (read_file(LFS_CGROOT "/cgroup.subtree_control", buf,
		      sizeof(buf)) < 0)
		return -1;
	if (!strstr(buf, "memory")) {
		ret = write_str(LFS_CGROOT "/cgroup.subtree_control", "+memory");
		if (ret) {
			errno = -ret;
			return -1;
		}
	}
	if (mkdir(cg->path, 0755)) {
		if (errno != EEXIST)
			return -1;
	} else {
		cg->created = true;
		cg_register(cg->path);
	}
	return 0;
}

int lfs_cg_attach(const struct lfs_cg *cg, pid_t pid)
{
	char path[300], val[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->path);
	snprintf(val, sizeof(val), "%d", (int)pid);
	return write_str(path, val);
}

int lfs_cg_enter(const struct lfs_cg *cg)
{
	int ret;

	cg_save_home();
	ret = lfs_cg_attach(cg, 0);
	if (!ret)
		lfs_counters_set_memcg(cg->path);
	return ret;
}

int lfs_cg_write(const struct lfs_cg *cg, const char *file, const char *val)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/%s", cg->path, file);
	return write_str(path, val);
}

int lfs_cg_read_ll(const struct lfs_cg *cg, const char *file, long long *val)
{
	char path[300], buf[64];

	snprintf(path, sizeof(path), "%s/%s", cg->path, file);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	if (!strncmp(buf, "max", 3))
		*val = -1;
	else
		*val = strtoll(buf, NULL, 10);
	return 0;
}

int lfs_cg_stat(const struct lfs_cg *cg, const char *key, long long *val)
{
	return lfs_cg_stat_file(cg, "memory.stat", key, val);
}

int lfs_cg_stat_file(const struct lfs_cg *cg, const char *file,
		     const char *key, long long *val)
{
	char path[300], line[256], k[128];
	long long v;
	FILE *f;
	int ret = -1;

	snprintf(path, sizeof(path), "%s/%s", cg->path, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %lld", k, &v) == 2 && !strcmp(k, key)) {
			*val = v;
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

int lfs_cg_reclaim(const struct lfs_cg *cg, size_t bytes, int tries)
{
	char val[32];
	int ret = -EINVAL;

	snprintf(val, sizeof(val), "%zu", bytes);
	for (int i = 0; i < tries; i++) {
		ret = lfs_cg_write(cg, "memory.reclaim", val);
		if (ret != -EAGAIN && ret != -EINTR)
			break;
	}
	return ret;
}

int lfs_cg_set_max(const struct lfs_cg *cg, size_t bytes)
{
	char val[32];

	if (!bytes)
		return lfs_cg_write(cg, "memory.max", "max");
	snprintf(val, sizeof(val), "%zu", bytes);
	return lfs_cg_write(cg, "memory.max", val);
}

int lfs_cg_set_zswap_max(const struct lfs_cg *cg, size_t bytes)
{
	char val[32];

	if (bytes == (size_t)-1)
		return lfs_cg_write(cg, "memory.zswap.max", "max");
	snprintf(val, sizeof(val), "%zu", bytes);
	return lfs_cg_write(cg, "memory.zswap.max", val);
}

int lfs_cg_set_zswap_writeback(const struct lfs_cg *cg, bool on)
{
	return lfs_cg_write(cg, "memory.zswap.writeback", on ? "1" : "0");
}

void lfs_cg_remove(struct lfs_cg *cg)
{
	char buf[512], *p;

	/* Leave it if we are a member (rmdir would fail with EBUSY). */
	if (read_file("/proc/self/cgroup", buf, sizeof(buf)) > 0 &&
	    (p = strstr(buf, "0::"))) {
		p += 3;
		p[strcspn(p, "\n")] = '\0';
		if (!strcmp(cg->path + strlen(LFS_CGROOT), p))
			lfs_cg_leave();
	}
	if (!strcmp(counter_memcg, cg->path))
		lfs_counters_set_memcg(NULL);
	if (cg->created) {
		cg_rmdir(cg->path);
		cg_unregister(cg->path);
		cg->created = false;
	}
}

/* ------------------------------------------------------------------ */
/* Page content                                                       */
/* ------------------------------------------------------------------ */

static const char * const kind_names[LFS_NR_KINDS] = {
	[LFS_KIND_ZERO]		= "zero",
	[LFS_KIND_TEXT]		= "text",
	[LFS_KIND_RANDOM]	= "random",
	[LFS_KIND_PATTERN]	= "pattern",
	[LFS_KIND_SAME]		= "same",
	[LFS_KIND_MIXED]	= "mixed",
};

const char *lfs_kind_name(enum lfs_kind kind)
{
	return (unsigned int)kind < LFS_NR_KINDS ? kind_names[kind] : "?";
}

int lfs_kind_parse(const char *name)
{
	for (int i = 0; i < LFS_NR_KINDS; i++)
		if (!strcmp(name, kind_names[i]))
			return i;
	return -1;
}

uint64_t lfs_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void lfs_rng_seed(struct lfs_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t lfs_rng_next(struct lfs_rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return lfs_mix64(r->s);
}

uint64_t lfs_rng_below(struct lfs_rng *r, uint64_t n)
{
	return lfs_rng_next(r) % n;
}

enum lfs_kind lfs_page_kind(enum lfs_kind kind, size_t page_index)
{
	static const enum lfs_kind mix[] = {
		LFS_KIND_ZERO, LFS_KIND_TEXT, LFS_KIND_RANDOM,
		LFS_KIND_PATTERN, LFS_KIND_SAME,
	};

	if (kind != LFS_KIND_MIXED)
		return kind;
	return mix[lfs_mix64(page_index ^ 0x6c66735f6d6978ULL) % ARRAY_SIZE(mix)];
}

/* Per-page key: everything the content depends on. */
static uint64_t page_key(enum lfs_kind kind, uint64_t seed, size_t idx,
			 uint32_t gen)
{
	return lfs_mix64(lfs_mix64(seed) ^ lfs_mix64(idx * 0x100000001b3ULL +
						     ((uint64_t)gen << 8) + kind));
}

/*
 * Phrases for the text kind.  Whole phrases (not single words) are
 * picked so that lz4 finds long matches within one page, which gives
 * roughly the 2.5-3x ratio of ordinary text.
 */
static const char * const text_phrases[] = {
	"the quick brown fox jumps over the lazy dog",
	"large folios are swapped out as a whole",
	"memory pressure", "of the kernel", "in the swap cache",
	"and then", "when the page is read back",
	"a folio of sixteen pages", "it was the best of times",
	"it was the worst of times", "under memory pressure the system",
	"reclaim", "writes", "compressed data", "to the zram device",
	"nothing", "every byte must match", "after a fork",
	"the child process", "the parent", "copy on write", "mapping",
	"of anonymous memory", "is", "was", "will be", "not", "never",
	"sometimes", "with", "without", "for a while",
};

static void fill_text(char *p, size_t len, uint64_t key)
{
	struct lfs_rng r;
	size_t off = 0;

	lfs_rng_seed(&r, key);
	while (off < len) {
		uint64_t x = lfs_rng_next(&r);
		const char *w = text_phrases[x % ARRAY_SIZE(text_phrases)];
		size_t wl = strlen(w);
		char sep = (x >> 32) % 11 == 0 ? '.' : ((x >> 40) % 7 ? ' ' : ',');

		for (size_t i = 0; i < wl && off < len; i++)
			p[off++] = w[i];
		if (off < len)
			p[off++] = sep;
		if (sep == '.' && off < len)
			p[off++] = (x >> 48) & 1 ? '\n' : ' ';
	}
}

static void fill_random(uint64_t *w, size_t nwords, uint64_t key)
{
	struct lfs_rng r;

	lfs_rng_seed(&r, key);
	for (size_t i = 0; i < nwords; i++)
		w[i] = lfs_rng_next(&r);
}

static void fill_pattern(uint8_t *p, size_t len, uint64_t key)
{
	uint8_t pat[64];
	size_t plen = 8 + key % 57;	/* 8..64 bytes */
	struct lfs_rng r;

	lfs_rng_seed(&r, key);
	for (size_t i = 0; i < plen; i++)
		pat[i] = lfs_rng_next(&r);
	for (size_t i = 0; i < len; i++)
		p[i] = pat[i % plen];
}

static uint64_t same_word(uint64_t key)
{
	/* Never zero: a zero word would make the page a zero page. */
	return key | 1;
}

void lfs_fill_page(void *p, enum lfs_kind kind, uint64_t seed,
		   size_t page_index, uint32_t gen)
{
	size_t ps = lfs_pagesize();
	uint64_t key, *w = p;
	uint8_t *b = p;

	kind = lfs_page_kind(kind, page_index);
	key = page_key(kind, seed, page_index, gen);

	switch (kind) {
	case LFS_KIND_ZERO:
	default:
		memset(p, 0, ps);
		return;
	case LFS_KIND_SAME:
		for (size_t i = 0; i < ps / 8; i++)
			w[i] = same_word(key);
		return;
	case LFS_KIND_TEXT:
		fill_text((char *)b + 16, ps - 16, key);
		break;
	case LFS_KIND_RANDOM:
		fill_random(w + 2, ps / 8 - 2, key);
		break;
	case LFS_KIND_PATTERN:
		fill_pattern(b + 16, ps - 16, key);
		break;
	}
	/* Header: identifies the page, its generation and the kind. */
	w[0] = page_index;
	((uint32_t *)p)[2] = gen;
	((uint32_t *)p)[3] = (uint32_t)(lfs_mix64(seed) & 0xffffff00) | kind;
}

/*
 * The expected content is generated on the stack (at most 64K on any
 * supported architecture), which keeps this thread-safe without
 * per-thread allocations.
 */
#define LFS_MAX_PAGE	65536

long lfs_check_page(const void *p, enum lfs_kind kind, uint64_t seed,
		    size_t page_index, uint32_t gen)
{
	size_t ps = lfs_pagesize();
	const uint64_t *w = p;
	const uint8_t *b = p;
	uint8_t exp[LFS_MAX_PAGE] __attribute__((aligned(8)));

	kind = lfs_page_kind(kind, page_index);

	/* Fast paths that need no generated copy. */
	if (kind == LFS_KIND_ZERO || kind == LFS_KIND_SAME) {
		uint64_t want = 0;

		if (kind == LFS_KIND_SAME)
			want = same_word(page_key(kind, seed, page_index, gen));
		for (size_t i = 0; i < ps / 8; i++) {
			if (w[i] == want)
				continue;
			for (size_t j = 0; j < 8; j++)
				if (b[i * 8 + j] != ((const uint8_t *)&want)[j])
					return i * 8 + j;
		}
		return -1;
	}

	lfs_fill_page(exp, kind, seed, page_index, gen);
	if (!memcmp(exp, p, ps))
		return -1;
	for (size_t i = 0; i < ps; i++)
		if (exp[i] != b[i])
			return i;
	return -1;
}

uint8_t lfs_expected_byte(enum lfs_kind kind, uint64_t seed,
			  size_t page_index, uint32_t gen, size_t off)
{
	uint8_t exp[LFS_MAX_PAGE] __attribute__((aligned(8)));

	lfs_fill_page(exp, kind, seed, page_index, gen);
	return exp[off % lfs_pagesize()];
}

/* ------------------------------------------------------------------ */
/* Memory helpers                                                     */
/* ------------------------------------------------------------------ */

void *lfs_mmap_aligned(size_t len, size_t align, bool hugepage)
{
	size_t ps = lfs_pagesize();
	uintptr_t start, aligned;
	char *p;

	if (align < ps)
		align = ps;
	p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	start = (uintptr_t)p;
	aligned = (start + align - 1) & ~(uintptr_t)(align - 1);
	/* Trim the unaligned head and the unused tail. */
	if (aligned > start)
		munmap(p, aligned - start);
	if (aligned + len < start + len + align)
		munmap((void *)(aligned + len), start + len + align -
		       (aligned + len));
	if (hugepage)
		madvise((void *)aligned, len, MADV_HUGEPAGE);
	return (void *)aligned;
}

void lfs_cg_enter_mlocked(const struct lfs_cg *cg)
{
	struct lfs_snap snap;

	if (lfs_counters_snap(&snap))
		lfs_die_errno("counters");
	lfs_snap_free(&snap);
	if (mlockall(MCL_CURRENT))
		lfs_die_errno("mlockall");
	if (lfs_cg_enter(cg))
		lfs_die_errno("enter %s", cg->path);
}

char *lfs_fault_folios(size_t size, int count, uint64_t seed)
{
	size_t ps = lfs_pagesize(), len = count * size;
	long hist[LFS_NR_ORDERS] = { 0 };
	char *p = lfs_mmap_aligned(len, size, size >= lfs_pmd_size());

	if (!p)
		lfs_die_errno("mmap");
	for (size_t i = 0; i < len / ps; i++)
		lfs_fill_page(p + i * ps, LFS_KIND_TEXT, seed, i, 1);
	if (lfs_order_histogram(p, len, hist) < 0)
		lfs_die_errno("scan");
	if (hist[lfs_size_order(size)] != count)
		lfs_skip("only %ld of %d folios are %zuK", hist[lfs_size_order(size)],
			 count, size >> 10);
	return p;
}

void lfs_touch(void *p, size_t len, size_t chunk)
{
	volatile char *c = p;

	if (!chunk)
		chunk = lfs_pagesize();
	for (size_t off = 0; off < len; off += chunk)
		c[off] = 1;
}

/* ------------------------------------------------------------------ */
/* /proc/meminfo                                                      */
/* ------------------------------------------------------------------ */

long long lfs_meminfo_kb(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = atoll(line + kl + 1);
			break;
		}
	fclose(f);
	return v;
}

void lfs_wait_writeback(void)
{
	for (int i = 0; i < 200 && lfs_meminfo_kb("Writeback") > 0; i++)
		usleep(50000);
}

/* ------------------------------------------------------------------ */
/* Checks and size lists                                              */
/* ------------------------------------------------------------------ */

static int check_failures;

void lfs_check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		check_failures++;
}

int lfs_check_failures(void)
{
	return check_failures;
}

int lfs_parse_size_list(char *s, size_t *sizes, int max)
{
	int n = 0;

	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		if (n == max || !(sizes[n] = lfs_parse_size(tok)))
			return -1;
		n++;
	}
	return n;
}
