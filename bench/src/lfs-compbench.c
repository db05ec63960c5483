// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-compbench - compressor ceiling for zswap/zram-style swap.
 *
 * Compresses a data file unit by unit, every unit independently into a
 * fresh buffer (as zswap and zram do for each page, or each large folio
 * in the patched kernel), and reports compression and decompression
 * speed, compression ratio, the share of all-zero units (never
 * compressed: the swap zeromap / zram same-filled handling) and the
 * share of units zswap would reject as incompressible.
 *
 * What the kernel (6.12, build/patched/src) does, mirrored here:
 *  - zstd: crypto/zstd.c has "#define ZSTD_DEF_LEVEL 3" and zswap
 *    compresses with zstd_get_params(ZSTD_DEF_LEVEL, 0); zram's
 *    backend_zstd.c uses zstd_default_clevel() (ZSTD_CLEVEL_DEFAULT, 3)
 *    with zstd_get_params(level, PAGE_SIZE).  We use ZSTD_compressCCtx()
 *    at level 3, which picks the parameters for the known source size,
 *    as zram does; zswap's "size unknown" parameters give practically
 *    the same output for one page.
 *  - lz4: crypto/lz4.c calls LZ4_compress_default() (acceleration 1);
 *    decompression is LZ4_decompress_safe() in both.
 *  - lz4hc: crypto/lz4hc.c uses LZ4HC_DEFAULT_CLEVEL (9).
 *  - incompressible: mm/zswap.c zswap_compress() gives the compressor a
 *    destination length of PAGE_SIZE (dlen), so a compressor whose output
 *    would exceed PAGE_SIZE fails, and zsmalloc (zs_malloc) returns
 *    -ENOSPC for size > ZS_MAX_ALLOC_SIZE (PAGE_SIZE); both are counted
 *    as reject_compress_poor/fail.  An output of exactly PAGE_SIZE is
 *    stored.  So a unit is "incompressible" when its compressed size is
 *    larger than the unit (applied to every unit size alike).
 *  - zero units: mm/page_io.c swap_writepage() records a folio whose
 *    every byte is zero in the swap zeromap and never hands it to zswap;
 *    zram's page_same_filled() also catches pages of one repeated
 *    machine word (reported as same_filled_units, zero units included).
 *
 * Speeds are in MiB/s (2^20 bytes per second): compression counts input
 * bytes, decompression counts output (= input) bytes.  Single threaded,
 * CLOCK_MONOTONIC.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <lz4.h>
#include <lz4hc.h>
#include <zstd.h>

#include "lfs.h"

#define CB_SCHEMA	"lfswap-compbench/1"
#define CB_ALIGN	(64UL << 10)
#define CB_MIN_UNIT	4096UL
#define CB_MAX_UNIT	(2UL << 20)
#define CB_MAX_UNITS	16
#define CB_MAX_ALGOS	16
#define MIB		1048576.0

enum cb_algo { ALGO_LZ4, ALGO_LZ4HC, ALGO_ZSTD };

struct cb_algo_spec {
	enum cb_algo algo;
	const char *name;
	int level;
};

struct cb_result {
	const char *algo;
	int level;
	size_t unit;
	size_t units;
	size_t zero_units;
	size_t same_units;
	size_t incompressible_units;
	double ratio;
	double ratio_nonzero;
	double compress_mibs;
	double decompress_mibs;
	double compress_s;
	double decompress_s;
	double cpu_share;	/* thread CPU time / wall time, both phases */
	unsigned int compress_passes;
	unsigned int decompress_passes;
};

static const char *prog = "lfs-compbench";

static void usage(FILE *f)
{
	fprintf(f,
"usage: %s --data FILE [options]\n"
"\n"
"Compress FILE unit by unit (each unit independently, as zswap/zram do)\n"
"and report speed and ratio per algorithm and unit size.\n"
"\n"
"  --data FILE        input data (e.g. a corpus from bench/corpus/capture.sh)\n"
"  --units LIST       unit sizes, default 4K,16K,64K (powers of two, 4K..2M)\n"
"  --algos LIST       algorithms, default lz4,lz4hc,zstd; NAME[:LEVEL] where\n"
"                     lz4 = LZ4_compress_default (level is the acceleration,\n"
"                     default 1), lz4hc default level 9, zstd default level 3\n"
"                     (the 6.12 kernel defaults)\n"
"  --min-time SEC     time each measurement at least this long, at least one\n"
"                     full pass (default 1.0)\n"
"  --max-bytes SIZE   use at most SIZE bytes of FILE (default 64M); the data\n"
"                     used is rounded down to a multiple of 64K (or of the\n"
"                     largest unit)\n"
"  --json OUT         also write results as JSON (schema " CB_SCHEMA ")\n"
"  --label NAME       label stored in the JSON, e.g. native or guest\n"
"                     (default native)\n"
"\n"
"Units: compress_mibs / decompress_mibs are MiB/s (2^20 bytes/s) of\n"
"uncompressed data.  ratio = input bytes / compressed bytes over all\n"
"units; ratio_nonzero excludes all-zero units (which the kernel stores\n"
"without compressing).  incompressible_units: compressed size > unit\n"
"size (zswap rejects those).  same_filled_units: units of one repeated\n"
"8-byte word (zram same-filled; includes the zero units).  cpu%%: thread\n"
"CPU time / wall time while timing; below 90%% other load disturbed the\n"
"measurement (a warning is printed).\n"
"Exit status: 0 ok, 1 decompression mismatch, 2 usage or I/O error.\n",
		prog);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU time of this thread: cpu / wall < 1 means other load interfered. */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_units(const char *arg, size_t *units)
{
	char *s = strdup(arg), *tok, *save = NULL;
	int n = 0;

	if (!s)
		lfs_die("out of memory");
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t u = lfs_parse_size(tok);

		if (!u || (u & (u - 1)) || u < CB_MIN_UNIT || u > CB_MAX_UNIT)
			lfs_die("bad unit '%s': must be a power of two from 4K to 2M", tok);
		if (n == CB_MAX_UNITS)
			lfs_die("too many units (max %d)", CB_MAX_UNITS);
		units[n++] = u;
	}
	free(s);
	if (!n)
		lfs_die("empty --units list");
	return n;
}

static int parse_algos(const char *arg, struct cb_algo_spec *algos)
{
	char *s = strdup(arg), *tok, *save = NULL;
	int n = 0;

	if (!s)
		lfs_die("out of memory");
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct cb_algo_spec a;
		char *colon = strchr(tok, ':');
		int minl, maxl;

		if (colon)
			*colon = '\0';
		if (!strcmp(tok, "lz4")) {
			a = (struct cb_algo_spec){ ALGO_LZ4, "lz4", 1 };
			minl = 1;
			maxl = 65537;
		} else if (!strcmp(tok, "lz4hc")) {
			a = (struct cb_algo_spec){ ALGO_LZ4HC, "lz4hc", 9 };
			minl = 1;
			maxl = LZ4HC_CLEVEL_MAX;
		} else if (!strcmp(tok, "zstd")) {
			a = (struct cb_algo_spec){ ALGO_ZSTD, "zstd", 3 };
			minl = ZSTD_minCLevel();
			maxl = ZSTD_maxCLevel();
		} else {
			lfs_die("unknown algorithm '%s' (known: lz4, lz4hc, zstd)", tok);
		}
		if (colon) {
			char *end;
			long l;

			errno = 0;
			l = strtol(colon + 1, &end, 10);
			if (errno || end == colon + 1 || *end || l < minl || l > maxl)
				lfs_die("bad level '%s' for %s (%d..%d)", colon + 1,
				    a.name, minl, maxl);
			a.level = (int)l;
		}
		if (n == CB_MAX_ALGOS)
			lfs_die("too many algorithms (max %d)", CB_MAX_ALGOS);
		algos[n++] = a;
	}
	free(s);
	if (!n)
		lfs_die("empty --algos list");
	return n;
}

/* Read up to max bytes of path, rounded down to a multiple of align. */
static void *read_data(const char *path, size_t max, size_t align, size_t *len)
{
	struct stat st;
	size_t want, got = 0;
	char *buf;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		lfs_die("cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st))
		lfs_die("cannot stat %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		lfs_die("%s is not a regular file", path);
	want = (size_t)st.st_size < max ? (size_t)st.st_size : max;
	want -= want % align;
	if (!want)
		lfs_die("%s: %lld bytes, need at least %zu", path,
		    (long long)st.st_size, align);
	buf = malloc(want);
	if (!buf)
		lfs_die("cannot allocate %zu bytes", want);
	while (got < want) {
		ssize_t r = read(fd, buf + got, want - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			lfs_die("read %s: %s", path, strerror(errno));
		if (!r)
			lfs_die("%s: file shrank while reading", path);
		got += r;
	}
	close(fd);
	*len = want;
	return buf;
}

static bool unit_is_zero(const unsigned char *p, size_t len)
{
	const unsigned long *w = (const unsigned long *)p;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++)
		if (w[i])
			return false;
	return true;
}

/* zram page_same_filled(): every machine word equal to the first. */
static bool unit_is_same(const unsigned char *p, size_t len)
{
	const unsigned long *w = (const unsigned long *)p;
	size_t i;

	for (i = 1; i < len / sizeof(*w); i++)
		if (w[i] != w[0])
			return false;
	return true;
}

struct cb_ctx {
	ZSTD_CCtx *zc;
	ZSTD_DCtx *zd;
	void *lz4hc_state;
};

static size_t comp_bound(const struct cb_algo_spec *a, size_t unit)
{
	if (a->algo == ALGO_ZSTD)
		return ZSTD_compressBound(unit);
	return LZ4_compressBound((int)unit);
}

/* Compressed size, or 0 on failure. */
static size_t compress_unit(struct cb_ctx *c, const struct cb_algo_spec *a,
			    const void *src, size_t len, void *dst, size_t cap)
{
	size_t r;
	int n;

	switch (a->algo) {
	case ALGO_LZ4:
		n = LZ4_compress_fast(src, dst, (int)len, (int)cap, a->level);
		return n > 0 ? (size_t)n : 0;
	case ALGO_LZ4HC:
		n = LZ4_compress_HC_extStateHC(c->lz4hc_state, src, dst, (int)len,
					       (int)cap, a->level);
		return n > 0 ? (size_t)n : 0;
	case ALGO_ZSTD:
		r = ZSTD_compressCCtx(c->zc, dst, cap, src, len, a->level);
		return ZSTD_isError(r) ? 0 : r;
	}
	return 0;
}

/* Decompressed size, or 0 on failure. */
static size_t decompress_unit(struct cb_ctx *c, const struct cb_algo_spec *a,
			      const void *src, size_t len, void *dst, size_t cap)
{
	size_t r;
	int n;

	switch (a->algo) {
	case ALGO_LZ4:
	case ALGO_LZ4HC:
		n = LZ4_decompress_safe(src, dst, (int)len, (int)cap);
		return n > 0 ? (size_t)n : 0;
	case ALGO_ZSTD:
		r = ZSTD_decompressDCtx(c->zd, dst, cap, src, len);
		return ZSTD_isError(r) ? 0 : r;
	}
	return 0;
}

static void run_one(struct cb_ctx *c, const struct cb_algo_spec *a, size_t unit,
		    const unsigned char *data, size_t len, unsigned char *out,
		    double min_time, struct cb_result *res)
{
	size_t n = len / unit, bound = comp_bound(a, unit), i;
	unsigned long long in_nz = 0, comp_all = 0, comp_nz = 0;
	unsigned char *comp;
	size_t *csize;
	double t, elapsed, cpu0, cpu = 0;
	unsigned int passes;

	memset(res, 0, sizeof(*res));
	res->algo = a->name;
	res->level = a->level;
	res->unit = unit;
	res->units = n;

	comp = malloc(n * bound);
	csize = calloc(n, sizeof(*csize));
	if (!comp || !csize)
		lfs_die("cannot allocate %zu bytes for compressed data", n * bound);
	/* Fault the buffers in outside the timed loops. */
	memset(comp, 0, n * bound);
	memset(out, 0, len);

	/* Compression: full passes until min_time. */
	elapsed = 0;
	passes = 0;
	do {
		cpu0 = cpu_now();
		t = now();
		for (i = 0; i < n; i++) {
			csize[i] = compress_unit(c, a, data + i * unit, unit,
						 comp + i * bound, bound);
			if (!csize[i])
				lfs_die("%s: compression of unit %zu failed", a->name, i);
		}
		elapsed += now() - t;
		cpu += cpu_now() - cpu0;
		passes++;
	} while (elapsed < min_time);
	res->compress_s = elapsed;
	res->compress_passes = passes;
	res->compress_mibs = (double)len * passes / MIB / elapsed;

	for (i = 0; i < n; i++) {
		const unsigned char *p = data + i * unit;

		comp_all += csize[i];
		if (unit_is_zero(p, unit)) {
			res->zero_units++;
		} else {
			in_nz += unit;
			comp_nz += csize[i];
		}
		if (unit_is_same(p, unit))
			res->same_units++;
		if (csize[i] > unit)
			res->incompressible_units++;
	}
	res->ratio = (double)len / comp_all;
	res->ratio_nonzero = comp_nz ? (double)in_nz / comp_nz : 0;

	/* Decompression: first pass verified (verification not timed). */
	elapsed = 0;
	passes = 0;
	do {
		cpu0 = cpu_now();
		t = now();
		for (i = 0; i < n; i++) {
			size_t d = decompress_unit(c, a, comp + i * bound, csize[i],
						   out + i * unit, unit);

			if (d != unit) {
				fprintf(stderr, "%s: %s unit %zu (%zu bytes): decompressed to %zu bytes\n",
					prog, a->name, i, unit, d);
				exit(LFS_EXIT_FAIL);
			}
		}
		elapsed += now() - t;
		cpu += cpu_now() - cpu0;
		if (!passes) {
			for (i = 0; i < n; i++) {
				if (memcmp(out + i * unit, data + i * unit, unit)) {
					fprintf(stderr, "%s: %s unit %zu (%zu bytes): decompressed data differs\n",
						prog, a->name, i, unit);
					exit(LFS_EXIT_FAIL);
				}
			}
			memset(out, 0, len);
		}
		passes++;
	} while (elapsed < min_time);
	res->decompress_s = elapsed;
	res->decompress_passes = passes;
	res->decompress_mibs = (double)len * passes / MIB / elapsed;
	res->cpu_share = cpu / (res->compress_s + res->decompress_s);

	free(csize);
	free(comp);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *v;

		if (strncmp(line, "model name", 10) || !(v = strchr(line, ':')))
			continue;
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		v[strcspn(v, "\n")] = '\0';
		snprintf(buf, len, "%s", v);
		break;
	}
	fclose(f);
}

static void write_json(const char *path, const char *label, const char *data,
		       size_t bytes, double min_time, const struct cb_result *r,
		       int nr)
{
	FILE *f = fopen(path, "w");
	char cpu[256];
	int i;

	if (!f)
		lfs_die("cannot create %s: %s", path, strerror(errno));
	cpu_model(cpu, sizeof(cpu));
	fprintf(f, "{\"schema\":\"%s\",\"label\":", CB_SCHEMA);
	json_str(f, label);
	fprintf(f, ",\"data\":");
	json_str(f, data);
	fprintf(f, ",\"bytes\":%zu,\"min_time\":%.3f,\"speed_unit\":\"MiB/s\",\"cpu\":",
		bytes, min_time);
	json_str(f, cpu);
	fprintf(f, ",\"lz4_version\":\"%s\",\"zstd_version\":\"%s\",\"results\":[",
		LZ4_versionString(), ZSTD_versionString());
	for (i = 0; i < nr; i++) {
		fprintf(f, "%s\n {\"algo\":\"%s\",\"level\":%d,\"unit\":%zu,"
			"\"compress_mibs\":%.1f,\"decompress_mibs\":%.1f,"
			"\"ratio\":%.4f,\"ratio_nonzero\":%.4f,"
			"\"zero_units\":%zu,\"same_filled_units\":%zu,"
			"\"incompressible_units\":%zu,\"units\":%zu,"
			"\"compress_passes\":%u,\"decompress_passes\":%u,"
			"\"cpu_share\":%.3f}",
			i ? "," : "", r[i].algo, r[i].level, r[i].unit,
			r[i].compress_mibs, r[i].decompress_mibs, r[i].ratio,
			r[i].ratio_nonzero, r[i].zero_units, r[i].same_units,
			r[i].incompressible_units, r[i].units,
			r[i].compress_passes, r[i].decompress_passes,
			r[i].cpu_share);
	}
	fprintf(f, "\n]}\n");
	if (ferror(f) | fclose(f))
		lfs_die("write %s failed", path);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "units", required_argument, NULL, 'u' },
		{ "algos", required_argument, NULL, 'a' },
		{ "min-time", required_argument, NULL, 't' },
		{ "max-bytes", required_argument, NULL, 'm' },
		{ "json", required_argument, NULL, 'j' },
		{ "label", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *data_path = NULL, *json_path = NULL, *label = "native";
	const char *units_arg = "4K,16K,64K", *algos_arg = "lz4,lz4hc,zstd";
	struct cb_algo_spec algos[CB_MAX_ALGOS];
	size_t units[CB_MAX_UNITS], max_bytes = 64UL << 20, align = CB_ALIGN;
	size_t len;
	struct cb_result *res;
	struct cb_ctx ctx;
	double min_time = 1.0;
	unsigned char *data, *out;
	int nu, na, i, j, nr = 0, opt, disturbed = 0;
	char *end;

	lfs_init(prog);

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			data_path = optarg;
			break;
		case 'u':
			units_arg = optarg;
			break;
		case 'a':
			algos_arg = optarg;
			break;
		case 't':
			errno = 0;
			min_time = strtod(optarg, &end);
			if (errno || end == optarg || *end || min_time < 0 ||
			    min_time > 3600)
				lfs_die("bad --min-time '%s' (seconds, 0..3600)", optarg);
			break;
		case 'm':
			max_bytes = lfs_parse_size(optarg);
			if (!max_bytes)
				lfs_die("bad --max-bytes '%s'", optarg);
			break;
		case 'j':
			json_path = optarg;
			break;
		case 'l':
			label = optarg;
			if (!*label)
				lfs_die("empty --label");
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return LFS_EXIT_ERROR;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		usage(stderr);
		return LFS_EXIT_ERROR;
	}
	if (!data_path) {
		fprintf(stderr, "%s: --data FILE is required\n", prog);
		usage(stderr);
		return LFS_EXIT_ERROR;
	}
	nu = parse_units(units_arg, units);
	na = parse_algos(algos_arg, algos);
	for (i = 0; i < nu; i++)
		if (units[i] > align)
			align = units[i];

	data = read_data(data_path, max_bytes, align, &len);
	out = malloc(len);
	res = calloc((size_t)nu * na, sizeof(*res));
	ctx.zc = ZSTD_createCCtx();
	ctx.zd = ZSTD_createDCtx();
	ctx.lz4hc_state = malloc(LZ4_sizeofStateHC());
	if (!out || !res || !ctx.zc || !ctx.zd || !ctx.lz4hc_state)
		lfs_die("out of memory");

	printf("data %s: %zu bytes (%.1f MiB), min-time %.2fs, lz4 %s, zstd %s\n",
	       data_path, len, len / MIB, min_time, LZ4_versionString(),
	       ZSTD_versionString());
	printf("%-6s %5s %6s %8s %6s %6s %7s %7s %10s %10s %4s\n", "algo",
	       "level", "unit", "units", "zero%", "incmp%", "ratio", "ratioNZ",
	       "comp MiB/s", "dec MiB/s", "cpu%");
	fflush(stdout);
	for (i = 0; i < na; i++) {
		for (j = 0; j < nu; j++) {
			struct cb_result *r = &res[nr++];
			char ubuf[32];

			run_one(&ctx, &algos[i], units[j], data, len, out,
				min_time, r);
			printf("%-6s %5d %6s %8zu %6.2f %6.2f %7.3f %7.3f %10.1f %10.1f %4.0f\n",
			       r->algo, r->level, lfs_size_str(r->unit, ubuf),
			       r->units, 100.0 * r->zero_units / r->units,
			       100.0 * r->incompressible_units / r->units,
			       r->ratio, r->ratio_nonzero, r->compress_mibs,
			       r->decompress_mibs, 100 * r->cpu_share);
			fflush(stdout);
			if (r->cpu_share < 0.9)
				disturbed++;
		}
	}
	if (disturbed)
		fprintf(stderr, "%s: warning: %d measurement(s) got < 90%% of a CPU (cpu%% column): other load on the machine, speeds are low\n",
			prog, disturbed);
	if (json_path) {
		write_json(json_path, label, data_path, len, min_time, res, nr);
		printf("wrote %s\n", json_path);
	}

	ZSTD_freeCCtx(ctx.zc);
	ZSTD_freeDCtx(ctx.zd);
	free(ctx.lz4hc_state);
	free(res);
	free(out);
	free(data);
	return 0;
}
