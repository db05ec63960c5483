// SPDX-License-Identifier: GPL-2.0
/*
 * lfswap-stat: what large anonymous folios do in swap, per folio size.
 *
 * Reads the per-size counters of /sys/kernel/mm/transparent_hugepage/
 * hugepages-<size>kB/stats/, the page counts of /proc/vmstat and, with
 * --cgroup, one cgroup v2 memory cgroup's swap counters, and prints them as
 * a table: once (since boot), or every INTERVAL seconds as rates, like
 * vmstat. --json prints one JSON object per sample instead.
 *
 * See docs/lfswap-stat.rst.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIZES	32
#define MAX_COLS	16
#define CELL		32

/* The per-size counters the table shows, as columns. */
struct counter {
	const char *name;	/* the file in hugepages-<size>kB/stats/ */
	const char *head;	/* column heading */
	bool series;		/* added by the large-folio swap series */
	bool gauge;		/* a current value, not an event count */
};

static const struct counter counters[] = {
	{ "nr_anon",			"anon",		false, true  },
	{ "swpout",			"swpout",	false, false },
	{ "swpout_fallback",		"out_fb",	false, false },
	{ "swpout_fallback_lower",	"out_lower",	true,  false },
	{ "zswpout",			"zswpout",	true,  false },
	{ "swpin",			"swpin",	true,  false },
	{ "swpin_fallback",		"in_fb",	true,  false },
	{ "swpin_fallback_charge",	"in_fb_chg",	true,  false },
	{ "zswpin",			"zswpin",	true,  false },
};
#define NR_COUNTERS	(sizeof(counters) / sizeof(counters[0]))

/* Page counts of /proc/vmstat, all in 6.12. */
static const char *const vmstat_names[] = {
	"pswpout", "pswpin", "zswpout", "zswpin", "zswpwb",
	"swpout_zero", "swpin_zero", "thp_swpout", "thp_swpout_fallback",
	"swap_ra", "swap_ra_hit", "pgmajfault",
};
#define NR_VMSTAT	(sizeof(vmstat_names) / sizeof(vmstat_names[0]))

/*
 * A memory cgroup's: memory.stat keys, then files of one value. The last
 * four are bytes (KiB in the table, never rates).
 */
static const char *const memcg_names[] = {
	"zswpout", "zswpin", "zswpwb", "swpout_zero", "swpin_zero",
	"thp_swpout", "thp_swpout_fallback", "pgmajfault", "zswap", "zswapped",
	"memory.swap.current", "memory.zswap.current",
};
#define NR_MEMCG	(sizeof(memcg_names) / sizeof(memcg_names[0]))
#define NR_MEMCG_STAT	(NR_MEMCG - 2)
#define MEMCG_BYTES	(NR_MEMCG - 4)

#define MISSING		(-1LL)

/*
 * zswap's multi-page units (the series' zswap.unit_size): its debugfs
 * counters, shown when the kernel has the parameter. debugfs is root's
 * and may not be mounted: then they are missing, not an error.
 */
static const char *const unit_names[] = {
	"unit_stored", "unit_stored_bytes", "unit_stored_poor",
	"unit_loaded_whole", "unit_loaded_partial",
};
#define NR_UNITS	(sizeof(unit_names) / sizeof(unit_names[0]))

struct sample {
	struct timespec t;
	long long size[MAX_SIZES][NR_COUNTERS];
	char enabled[MAX_SIZES][24];	/* "always", "inherit:madvise", "" */
	long long vm[NR_VMSTAT];
	long long memcg[NR_MEMCG];
	long long unit_size;		/* MISSING: a kernel without units */
	long long units[NR_UNITS];
};

static const char *prog = "lfswap-stat";
static char root[PATH_MAX];	/* prefix of /sys and /proc, for tests */
static char thp_dir[PATH_MAX];
static char cg_dir[PATH_MAX];
static const char *cg_name;	/* as the user gave it, for the output */
static unsigned long size_kb[MAX_SIZES];
static int nr_sizes;
static bool have[NR_COUNTERS];

static __attribute__((format(printf, 2, 3), noreturn))
void die(int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/* A path into @buf (PATH_MAX bytes); one too long is an error, not cut. */
static __attribute__((format(printf, 3, 4)))
void xpath(char *buf, int code, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PATH_MAX)
		die(code, "a path longer than %d bytes", PATH_MAX - 1);
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: %s [options] [INTERVAL [COUNT]]\n"
"\n"
"Per-size swap and zswap counters of large anonymous folios (mTHP), from\n"
"/sys/kernel/mm/transparent_hugepage/hugepages-<size>kB/stats/ and\n"
"/proc/vmstat. Without INTERVAL: one table of the counts since boot. With\n"
"INTERVAL (seconds): that table, then every INTERVAL seconds the rates per\n"
"second over the interval; COUNT tables in all, or until interrupted.\n"
"\n"
"  -c, --cgroup PATH  also the swap counters of this cgroup v2 memory cgroup\n"
"                     (a path under /sys/fs/cgroup, or relative to it); the\n"
"                     kernel keeps the per-size counters system-wide only\n"
"  -a, --all          every size in the table, also those never enabled\n"
"                     and without events (--json always has every size)\n"
"  -j, --json         one JSON object per sample, on one line\n"
"  -h, --help         this text\n"
"\n"
"Exit status: 0; 1 when the counters cannot be read (a kernel without\n"
"mTHP, a counter file that is not a number) or the output cannot be\n"
"written; 2 for a bad argument.\n", prog);
}

/* Read a small file whole; false if it does not exist or cannot be read. */
static bool read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;
	bool ok;

	if (!f)
		return false;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	ok = !ferror(f);
	fclose(f);
	return ok;
}

/*
 * A counter as the kernel prints it ("%lu\n"); @gauge: a sum of per-CPU
 * deltas, which can read below 0 for a moment (it then prints a huge
 * number): 0. Anything else that is not a number is an error.
 */
static long long parse_value(const char *text, const char *path, bool gauge)
{
	unsigned long long v;
	const char *p = text;
	char *end;

	if (!isdigit((unsigned char)*p))
		goto bad;
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno || (*end && strcmp(end, "\n")))
		goto bad;
	if (v <= LLONG_MAX)
		return (long long)v;
	if (gauge)
		return 0;
bad:
	die(1, "%s: not a counter value: '%.*s'", path,
	    (int)strcspn(text, "\n"), text);
}

/* The value of a counter file, MISSING if it cannot be read at all. */
static long long read_counter_opt(const char *path)
{
	char buf[64];

	if (!read_file(path, buf, sizeof(buf)))
		return MISSING;
	return parse_value(buf, path, false);
}

/* The value of a counter file, MISSING if there is no such file. */
static long long read_counter(const char *path, bool gauge)
{
	char buf[64];

	if (!read_file(path, buf, sizeof(buf))) {
		if (errno == ENOENT)
			return MISSING;
		die(1, "%s: %s", path, strerror(errno));
	}
	return parse_value(buf, path, gauge);
}

static int cmp_kb(const void *a, const void *b)
{
	const unsigned long *x = a, *y = b;

	return (*x > *y) - (*x < *y);
}

/* The bracketed word of "always [inherit] madvise never", or "". */
static void selected(const char *path, char *out, size_t len)
{
	char buf[256], *l, *r;

	out[0] = '\0';
	if (!read_file(path, buf, sizeof(buf)))
		return;
	l = strchr(buf, '[');
	r = l ? strchr(l, ']') : NULL;
	if (l && r && r > l + 1) {
		*r = '\0';
		snprintf(out, len, "%s", l + 1);
	}
}

/*
 * The anonymous sizes: the hugepages-<size>kB directories with an enabled
 * file. Sizes only shmem can use (8kB on x86-64) have none, and no anon
 * counters; they are not shown. A counter is there if any size has it.
 */
static void find_sizes(void)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t c;
	DIR *d;
	int i;

	xpath(thp_dir, 1, "%s/sys/kernel/mm/transparent_hugepage", root);
	d = opendir(thp_dir);
	if (!d)
		die(1, "%s: %s: this kernel has no transparent huge pages "
		    "(CONFIG_TRANSPARENT_HUGEPAGE), so no large folios to show",
		    thp_dir, strerror(errno));
	while ((de = readdir(d))) {
		unsigned long kb;
		char tail[8];

		if (sscanf(de->d_name, "hugepages-%lukB%7s", &kb, tail) != 1)
			continue;
		xpath(path, 1, "%s/%s/enabled", thp_dir, de->d_name);
		if (access(path, F_OK))
			continue;
		if (nr_sizes == MAX_SIZES)
			die(1, "%s: more than %d folio sizes", thp_dir, MAX_SIZES);
		size_kb[nr_sizes++] = kb;
	}
	closedir(d);
	if (!nr_sizes)
		die(1, "%s has no hugepages-<size>kB directories for anonymous "
		    "memory: this kernel has no multi-size THP (mTHP, Linux 6.8 "
		    "and later), whose per-size counters this tool shows", thp_dir);
	qsort(size_kb, nr_sizes, sizeof(size_kb[0]), cmp_kb);

	for (c = 0; c < NR_COUNTERS; c++)
		for (i = 0; i < nr_sizes && !have[c]; i++) {
			xpath(path, 1, "%s/hugepages-%lukB/stats/%s", thp_dir,
			      size_kb[i], counters[c].name);
			have[c] = !access(path, F_OK);
		}
	if (!have[1])
		die(1, "%s/hugepages-%lukB/stats/swpout: no such counter: this "
		    "kernel has no per-size swap counters (Linux 6.11 and later)",
		    thp_dir, size_kb[0]);
}

static void read_keyed(const char *path, const char *const *names, size_t n,
		       long long *out)
{
	char line[256], name[128], num[64];
	size_t i;
	FILE *f;

	for (i = 0; i < n; i++)
		out[i] = MISSING;
	f = fopen(path, "r");
	if (!f)
		die(1, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %63s", name, num) != 2)
			continue;
		for (i = 0; i < n; i++)
			if (!strcmp(name, names[i]))
				out[i] = parse_value(num, path, false);
	}
	fclose(f);
}

static void take(struct sample *s)
{
	char path[PATH_MAX], top[16], mode[16];
	size_t c;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &s->t);
	xpath(path, 1, "%s/enabled", thp_dir);
	selected(path, top, sizeof(top));
	for (i = 0; i < nr_sizes; i++) {
		xpath(path, 1, "%s/hugepages-%lukB/enabled", thp_dir, size_kb[i]);
		selected(path, mode, sizeof(mode));
		if (!strcmp(mode, "inherit") && top[0])
			snprintf(s->enabled[i], sizeof(s->enabled[i]), "inherit:%s", top);
		else
			snprintf(s->enabled[i], sizeof(s->enabled[i]), "%s", mode);
		for (c = 0; c < NR_COUNTERS; c++) {
			s->size[i][c] = MISSING;
			if (!have[c])
				continue;
			xpath(path, 1, "%s/hugepages-%lukB/stats/%s", thp_dir,
			      size_kb[i], counters[c].name);
			s->size[i][c] = read_counter(path, counters[c].gauge);
		}
	}
	xpath(path, 1, "%s/proc/vmstat", root);
	read_keyed(path, vmstat_names, NR_VMSTAT, s->vm);
	xpath(path, 1, "%s/sys/module/zswap/parameters/unit_size", root);
	s->unit_size = read_counter_opt(path);
	for (c = 0; c < NR_UNITS; c++) {
		s->units[c] = MISSING;
		if (s->unit_size == MISSING)
			continue;
		xpath(path, 1, "%s/sys/kernel/debug/zswap/%s", root, unit_names[c]);
		s->units[c] = read_counter_opt(path);
	}
	if (!cg_dir[0])
		return;
	xpath(path, 1, "%s/memory.stat", cg_dir);
	read_keyed(path, memcg_names, NR_MEMCG_STAT, s->memcg);
	for (c = NR_MEMCG_STAT; c < NR_MEMCG; c++) {
		xpath(path, 1, "%s/%s", cg_dir, memcg_names[c]);
		s->memcg[c] = read_counter(path, true);
	}
}

/* Only the path component "..", not a name that contains two dots. */
static bool has_dotdot(const char *p)
{
	size_t n;

	while (*p) {
		n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += n;
		p += strspn(p, "/");
	}
	return false;
}

static void set_cgroup(const char *arg)
{
	static const char mnt[] = "/sys/fs/cgroup";
	const char *rel = arg;
	char path[PATH_MAX];
	struct stat st;

	if (arg[0] == '/') {
		if (strncmp(arg, mnt, sizeof(mnt) - 1) ||
		    (arg[sizeof(mnt) - 1] && arg[sizeof(mnt) - 1] != '/'))
			die(2, "--cgroup %s: not under %s (give a path under it, "
			    "or relative to it)", arg, mnt);
		rel = arg + sizeof(mnt) - 1;
	}
	rel += strspn(rel, "/");
	if (has_dotdot(rel))
		die(2, "--cgroup %s: a path under %s without '..'", arg, mnt);
	cg_name = arg;
	xpath(cg_dir, 2, "%s%s%s%s", root, mnt, *rel ? "/" : "", rel);
	if (stat(cg_dir, &st) || !S_ISDIR(st.st_mode))
		die(2, "--cgroup %s: %s is not a directory", arg, cg_dir);
	xpath(path, 2, "%s/cgroup.controllers", cg_dir);
	if (access(path, F_OK))
		die(2, "--cgroup %s: %s is not a cgroup v2 directory (no "
		    "cgroup.controllers; cgroup v1 is not supported)", arg, cg_dir);
	xpath(path, 2, "%s/memory.stat", cg_dir);
	if (access(path, R_OK))
		die(2, "--cgroup %s: %s has no memory.stat: the memory controller "
		    "is not enabled for it (its parent's cgroup.subtree_control)",
		    arg, cg_dir);
	xpath(path, 2, "%s/memory.swap.current", cg_dir);
	if (access(path, R_OK))
		die(2, "--cgroup %s: %s has no memory.swap.current: the root "
		    "cgroup, or a kernel without CONFIG_SWAP; name a child cgroup",
		    arg, cg_dir);
}

static bool size_shown(const struct sample *s, int i, bool all)
{
	size_t c;

	if (all || strcmp(s->enabled[i], "never"))
		return true;
	for (c = 0; c < NR_COUNTERS; c++)
		if (!counters[c].gauge && s->size[i][c] > 0)
			return true;
	return s->size[i][0] > 0;
}

static double seconds(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

/* A rate that shows a single event over a long interval too. */
static void fmt_rate(char *buf, double r)
{
	if (r == 0)
		snprintf(buf, CELL, "0");
	else if (r < 0.01)
		snprintf(buf, CELL, "<0.01");
	else if (r < 100)
		snprintf(buf, CELL, "%.2f", r);
	else
		snprintf(buf, CELL, "%.0f", r);
}

/*
 * One cell: the count since boot, or with @dt > 0 the rate per second
 * since the last sample (a gauge stays its value). "-" where the kernel
 * lacks the counter, or where it went down (it was reset: a cgroup made
 * again under the same name).
 */
static void cell(char *buf, long long now, long long before, bool gauge,
		 double dt)
{
	if (now == MISSING || (dt > 0 && !gauge && (before == MISSING || now < before)))
		snprintf(buf, CELL, "-");
	else if (dt <= 0 || gauge)
		snprintf(buf, CELL, "%lld", now);
	else
		fmt_rate(buf, (now - before) / dt);
}

/* A path or name for the table: bytes that are not printable as \xNN. */
static void print_name(const char *s)
{
	for (; *s; s++) {
		unsigned char ch = *s;

		if (isprint(ch) && ch != '\\')
			putchar(ch);
		else
			printf("\\x%02x", ch);
	}
}

static void print_table(const struct sample *s, const struct sample *prev,
			bool all)
{
	static char cells[MAX_SIZES + 1][MAX_COLS][CELL];
	double dt = prev ? seconds(&prev->t, &s->t) : 0;
	int width[MAX_COLS] = { 0 }, rows = 0, i, col, r;
	char buf[CELL];
	size_t c;

	/* the rows of cells first, to size each column to its widest */
	snprintf(cells[0][0], CELL, "size");
	snprintf(cells[0][1], CELL, "enabled");
	for (c = 0; c < NR_COUNTERS; c++)
		snprintf(cells[0][2 + c], CELL, "%s", counters[c].head);
	rows = 1;
	for (i = 0; i < nr_sizes; i++) {
		if (!size_shown(s, i, all))
			continue;
		if (size_kb[i] >= 1024 && !(size_kb[i] % 1024))
			snprintf(cells[rows][0], CELL, "%luM", size_kb[i] / 1024);
		else
			snprintf(cells[rows][0], CELL, "%luK", size_kb[i]);
		snprintf(cells[rows][1], CELL, "%s", s->enabled[i][0] ? s->enabled[i] : "?");
		for (c = 0; c < NR_COUNTERS; c++)
			cell(cells[rows][2 + c], s->size[i][c],
			     prev ? prev->size[i][c] : 0, counters[c].gauge, dt);
		rows++;
	}
	for (r = 0; r < rows; r++)
		for (col = 0; col < 2 + (int)NR_COUNTERS; col++)
			if ((int)strlen(cells[r][col]) > width[col])
				width[col] = strlen(cells[r][col]);

	if (prev)
		printf("\nper second over the last %.1f s (anon: folios now)\n", dt);
	else
		printf("since boot (anon: folios now)\n");
	for (r = 0; r < rows; r++) {
		printf("%-*s %-*s", width[0], cells[r][0], width[1], cells[r][1]);
		for (col = 2; col < 2 + (int)NR_COUNTERS; col++)
			printf(" %*s", width[col], cells[r][col]);
		printf("\n");
	}
	printf("pages:");
	for (c = 0; c < NR_VMSTAT; c++) {
		cell(buf, s->vm[c], prev ? prev->vm[c] : 0, false, dt);
		printf(" %s %s", vmstat_names[c], buf);
	}
	printf("\n");
	if (s->unit_size != MISSING) {
		bool none = true;

		printf("zswap units (unit_size %lld):", s->unit_size);
		for (c = 0; c < NR_UNITS; c++) {
			cell(buf, s->units[c], prev ? prev->units[c] : 0, false,
			     dt);
			none &= s->units[c] == MISSING;
			printf(" %s %s", unit_names[c], buf);
		}
		printf("%s\n", none ? " (zswap's debugfs counters: as root, with debugfs at /sys/kernel/debug)" : "");
	}
	if (!cg_dir[0])
		return;
	printf("cgroup ");
	print_name(cg_name);
	printf(" (the kernel counts per size system-wide only):\n ");
	for (c = 0; c < NR_MEMCG; c++) {
		if (c >= MEMCG_BYTES) {
			if (s->memcg[c] == MISSING)
				snprintf(buf, CELL, "-");
			else
				snprintf(buf, CELL, "%lldK", s->memcg[c] / 1024);
		} else {
			cell(buf, s->memcg[c], prev ? prev->memcg[c] : 0, false, dt);
		}
		printf(" %s %s", memcg_names[c], buf);
	}
	printf("\n");
}

/* The length of the valid UTF-8 sequence at @s, 0 if it is not one. */
static int utf8_len(const unsigned char *s)
{
	int n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlong forms, UTF-16 surrogates, above U+10FFFF */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

/* A JSON string; a byte that is not valid UTF-8 becomes U+FFFD. */
static void json_str(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	int n;

	putchar('"');
	while (*s) {
		n = utf8_len(s);
		if (!n) {
			printf("\\ufffd");
			s++;
		} else if (n > 1) {
			fwrite(s, 1, n, stdout);
			s += n;
		} else {
			if (*s == '"' || *s == '\\')
				printf("\\%c", *s);
			else if (*s < 0x20 || *s == 0x7f)
				printf("\\u%04x", *s);
			else
				putchar(*s);
			s++;
		}
	}
	putchar('"');
}

/*
 * "name": a gauge's value (bytes for the cgroup's sizes), or an event
 * counter's {"count", "delta", "per_s"}, delta and per_s null in the
 * sample since boot and where the counter went down (reset); null where
 * the kernel lacks it.
 */
static void json_value(const char *name, long long now, long long before,
		       bool gauge, const struct sample *prev, double dt,
		       bool *first)
{
	printf("%s\"%s\":", *first ? "" : ",", name);
	*first = false;
	if (now == MISSING)
		printf("null");
	else if (gauge)
		printf("%lld", now);
	else if (!prev || before == MISSING || now < before || dt <= 0)
		printf("{\"count\":%lld,\"delta\":null,\"per_s\":null}", now);
	else
		printf("{\"count\":%lld,\"delta\":%lld,\"per_s\":%.3f}", now,
		       now - before, (now - before) / dt);
}

static void print_json(const struct sample *s, const struct sample *prev,
		       const char *kernel)
{
	double dt = prev ? seconds(&prev->t, &s->t) : 0;
	bool first;
	size_t c;
	int i;

	printf("{\"kernel\":");
	json_str(kernel);
	printf(",\"time\":%ld,\"interval_s\":", (long)time(NULL));
	if (prev)
		printf("%.3f", dt);
	else
		printf("null");
	printf(",\"missing\":[");
	for (c = 0, first = true; c < NR_COUNTERS; c++)
		if (!have[c]) {
			printf("%s\"%s\"", first ? "" : ",", counters[c].name);
			first = false;
		}
	printf("],\"sizes\":[");
	for (i = 0; i < nr_sizes; i++) {
		printf("%s{\"size_kb\":%lu,\"enabled\":", i ? "," : "", size_kb[i]);
		if (s->enabled[i][0])
			json_str(s->enabled[i]);
		else
			printf("null");
		printf(",\"counters\":{");
		for (c = 0, first = true; c < NR_COUNTERS; c++)
			json_value(counters[c].name, s->size[i][c],
				   prev ? prev->size[i][c] : 0, counters[c].gauge,
				   prev, dt, &first);
		printf("}}");
	}
	printf("],\"vmstat\":{");
	for (c = 0, first = true; c < NR_VMSTAT; c++)
		json_value(vmstat_names[c], s->vm[c], prev ? prev->vm[c] : 0,
			   false, prev, dt, &first);
	printf("},\"zswap_units\":");
	if (s->unit_size == MISSING) {
		printf("null");
	} else {
		printf("{\"unit_size\":%lld,\"counters\":{", s->unit_size);
		for (c = 0, first = true; c < NR_UNITS; c++)
			json_value(unit_names[c], s->units[c],
				   prev ? prev->units[c] : 0, false, prev, dt,
				   &first);
		printf("}}");
	}
	if (cg_dir[0]) {
		printf(",\"cgroup\":{\"path\":");
		json_str(cg_name);
		printf(",\"counters\":{");
		for (c = 0, first = true; c < NR_MEMCG; c++)
			json_value(memcg_names[c], s->memcg[c],
				   prev ? prev->memcg[c] : 0, c >= MEMCG_BYTES,
				   prev, dt, &first);
		printf("}}");
	}
	printf("}\n");
}

/* Digits only: no sign, no blanks, no suffix; 1 to @max. */
static unsigned long parse_count(const char *arg, const char *what,
				 unsigned long max)
{
	unsigned long v;
	const char *p;

	for (p = arg; isdigit((unsigned char)*p); p++)
		;
	errno = 0;
	v = *arg && !*p ? strtoul(arg, NULL, 10) : 0;
	if (errno || !v || v > max)
		die(2, "%s '%s': a whole number from 1 to %lu (see --help)",
		    what, arg, max);
	return v;
}

static void flush_or_die(void)
{
	if (fflush(stdout) || ferror(stdout))
		die(1, "writing the output: %s", strerror(errno ? errno : EIO));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cgroup", required_argument, NULL, 'c' },
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct sample a, b;
	struct sample *cur = &a, *prev = &b, *tmp;
	unsigned long interval = 0, count = 0, n;
	bool all = false, json = false, missing = false;
	const char *cgroup = NULL, *env;
	char kernel[sizeof(((struct utsname *)0)->release)];
	struct utsname uts;
	size_t c;
	int opt;

	env = getenv("LFSWAP_STAT_ROOT");
	if (env && *env)
		snprintf(root, sizeof(root), "%s", env);
	while ((opt = getopt_long(argc, argv, "c:ajh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			cgroup = optarg;
			break;
		case 'a':
			all = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			flush_or_die();
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind > 2)
		die(2, "too many arguments: INTERVAL [COUNT] (see --help)");
	if (optind < argc)
		interval = parse_count(argv[optind], "INTERVAL", 86400);
	if (optind + 1 < argc)
		count = parse_count(argv[optind + 1], "COUNT", 1000000000);
	if (cgroup)
		set_cgroup(cgroup);
	find_sizes();

	uname(&uts);
	snprintf(kernel, sizeof(kernel), "%s", uts.release);
	if (root[0]) {
		char path[PATH_MAX];

		xpath(path, 1, "%s/proc/sys/kernel/osrelease", root);
		if (read_file(path, kernel, sizeof(kernel)))
			kernel[strcspn(kernel, "\n")] = '\0';
	}
	for (c = 0; c < NR_COUNTERS; c++)
		missing |= !have[c];
	if (missing) {
		fprintf(stderr, "%s: kernel %s lacks the per-size counters", prog, kernel);
		for (c = 0; c < NR_COUNTERS; c++)
			if (!have[c])
				fprintf(stderr, " %s", counters[c].name);
		fprintf(stderr, " (shown as %s): the large-folio swap series adds "
			"swpout_fallback_lower, zswpout, swpin, swpin_fallback, "
			"swpin_fallback_charge and zswpin; nr_anon is in Linux 6.12 "
			"and later\n", json ? "null" : "-");
	}

	if (!json)
		printf("lfswap-stat: kernel %s\n", kernel);
	take(cur);
	if (json)
		print_json(cur, NULL, kernel);
	else
		print_table(cur, NULL, all);
	flush_or_die();
	for (n = 1; interval && (!count || n < count); n++) {
		struct timespec ts = { .tv_sec = (time_t)interval };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
		tmp = prev;
		prev = cur;
		cur = tmp;
		take(cur);
		if (json)
			print_json(cur, prev, kernel);
		else
			print_table(cur, prev, all);
		flush_or_die();
	}
	return 0;
}
