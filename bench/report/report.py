#!/usr/bin/env python3
"""lfswap benchmark report: statistics, baseline vs patched comparison,
markdown report, gnuplot PNGs and a machine-readable summary.json.

Usage: report.py RES [--out RES/report.md] [--plots RES/plots]
                     [--title TITLE] [--doc-header FILE] [--no-plots]
                     [--targets auto|none|SET,...] [--exclude-host-load]

RES is a results directory written by `make bench` (see README.md beside
this file for the layout).  Python 3 standard library only; plots need
gnuplot (Debian: gnuplot-nox) and are skipped, with a note, without it.

Exit status: 0 ok; 2 bad input (no RES/runs/, invalid meta.json, no run
files); 3 report written but at least one gnuplot call failed.
"""

import argparse
import datetime
import glob
import json
import math
import os
import shutil
import statistics
import subprocess
import sys

import targets
from stats import (  # noqa: F401  report.* of test_stats.py, ci-sim.py
    CI_LEVEL, NOT_WORSE, VERDICTS, HIGHER_BETTER, LOWER_BETTER, LOWER_BETTER_SUBSTR,
    is_num, direction, describe, betainc, t_sf, t_ppf,
    geo_ratio, ratio_ci, verdict_of, NA_NOTES, compare, overlap_flag)

# --- editable constants ------------------------------------------------------

DEFAULT_TITLE = "lfswap benchmark report"

EMULATION_NOTE = (
    "Absolute times are QEMU TCG emulation times, not hardware times; what "
    "the report stands on are baseline/patched ratios measured in one run "
    "and the counter values."
)

# A run is "under host load" when processes other than its boot's QEMU
# used more than this share of the host's CPUs during the boot
# (scripts/bench.sh measures it per boot).
HOST_LOAD_MAX = 0.10

STATS_NOTE = (
    "Baseline vs patched: the ratio of the geometric means, oriented so that "
    "> 1 is better for the patched kernel (baseline / patched for times, "
    "patched / baseline for rates), with a %d%% Welch t interval on the logs "
    "of the values (Welch-Satterthwaite df, Student t quantile), "
    "exponentiated. Verdict: better when the lower bound is > 1, not worse "
    "when it is >= %.2f, worse when the upper bound is < 1, inconclusive "
    "otherwise; n too small with fewer than 2 ok runs a side; n.a. when a "
    "value is <= 0 (no log) or every value is equal on each side (no "
    "variance). The method, and how often it flags noise at 3 runs a side, "
    "are in bench/README.md, \"Statistics\"; the A/A check measures it on "
    "this machine. Diff %% is (patched - baseline) / baseline of the "
    "arithmetic means."
    % (CI_LEVEL * 100, NOT_WORSE))

BASE, PATCHED = "baseline", "patched"
PAGE = 4096
MIB = 1024 * 1024

KERNEL_ORDER = [BASE, PATCHED]
BACKEND_ORDER = ["zram", "disk", "swapfile", "zswap-lz4", "zswap-zstd",
                 "zswap-lz4-zram", "zswap-zstd-zram"]
WORKLOAD_ORDER = ["usemem-seq", "usemem-rand", "kbuild"]
METRIC_ORDER = ["throughput_mibs", "elapsed_s", "user_s", "sys_s",
                "write_mibs", "read_mibs", "zswap_out_mibs", "zswap_in_mibs"]

# Gap rules (fractions).
GAP_MOSTLY_SPLIT = 0.5      # fallback rate above this: "mostly split"
GAP_SOME_SPLIT = 0.05       # above this: "some fallback"
GAP_BYPASS = 0.1            # zswpout below this share of large-folio pages
GAP_ORDER0_IN = 0.1         # large swap-in below this share: "order-0"
GAP_WHOLE_IN = 0.9          # above this: "whole"

PLOT_COLOURS = {BASE: "#4472c4", PATCHED: "#ed7d31"}
SERIES_COLOURS = ["#4472c4", "#ed7d31", "#70ad47", "#a5a5a5", "#ffc000"]


# --- small helpers -----------------------------------------------------------

def die(msg, code=2):
    sys.stderr.write("report.py: %s\n" % msg)
    sys.exit(code)


def warn(msg):
    sys.stderr.write("report.py: warning: %s\n" % msg)


def order_key(order, v):
    try:
        return (0, order.index(v), "")
    except ValueError:
        return (1, 0, str(v))


def size_bytes(s):
    """'4K' -> 4096, '2M' -> 2097152, None if unparsable."""
    if not isinstance(s, str) or not s:
        return None
    s = s.strip().upper().rstrip("B")
    mult = {"K": 1024, "M": MIB, "G": 1024 * MIB}
    try:
        if s[-1] in mult:
            return int(float(s[:-1]) * mult[s[-1]])
        return int(s)
    except ValueError:
        return None


def size_key(s):
    b = size_bytes(s)
    return (0, b, "") if b is not None else (1, 0, str(s))


def size_prefix(size):
    """Per-size counter prefix: '64K' -> '64kB', '2M' -> '2048kB'; None for 4K."""
    b = size_bytes(size)
    if b is None or b <= PAGE:
        return None
    return "%dkB" % (b // 1024)


def folio_pages(size):
    b = size_bytes(size)
    return max(1, b // PAGE) if b else 1


def fmt(v, digits=3):
    """Human number: ints for big values, a few significant digits below."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if not is_num(v):
        return ""
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 1000:
        return "%d" % round(v)
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.*g" % (digits, v)


def fmt_int(v):
    if not is_num(v):
        return ""
    return "%d" % round(v)


def fmt_pct(v, signed=True):
    if not is_num(v):
        return ""
    return ("%+.1f%%" if signed else "%.1f%%") % v


def md_cell(v):
    s = "" if v is None else str(v)
    return s.replace("|", "\\|").replace("\n", " ")


def md_table(headers, rows, align=None):
    out = ["| " + " | ".join(md_cell(h) for h in headers) + " |"]
    if align is None:
        align = ["l"] + ["r"] * (len(headers) - 1)
    seps = {"l": ":---", "r": "---:", "c": ":---:"}
    out.append("|" + "|".join(seps[a] for a in align) + "|")
    for r in rows:
        out.append("| " + " | ".join(md_cell(c) for c in r) + " |")
    return "\n".join(out) + "\n"


def clean_json(x):
    """Replace non-finite floats (not valid JSON) by null, recursively."""
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    if isinstance(x, dict):
        return {str(k): clean_json(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean_json(v) for v in x]
    return x


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_optional(path, schema_prefix):
    """(data, note). data None when missing or unusable; note says why."""
    if not os.path.exists(path):
        return None, "not run"
    try:
        d = load_json(path)
    except (OSError, ValueError) as e:
        warn("%s: %s" % (path, e))
        return None, "unreadable (%s)" % e.__class__.__name__
    if not isinstance(d, dict):
        return None, "invalid (not a JSON object)"
    sch = d.get("schema")
    if isinstance(sch, str) and not sch.startswith(schema_prefix):
        warn("%s: unexpected schema %r" % (path, sch))
    return d, None


# --- statistics --------------------------------------------------------------

def fmt_ratio(r):
    return "%.3f" % r if is_num(r) else ("inf" if r == math.inf else "")


def ratio_text(c):
    """'1.047 [0.981, 1.120]': the oriented ratio and its interval."""
    if c is None or c["ratio"] is None:
        return ""
    if not c["ci"]:
        return fmt_ratio(c["ratio"])
    return "%s [%s, %s]" % (fmt_ratio(c["ratio"]), fmt_ratio(c["ci"][0]),
                            fmt_ratio(c["ci"][1]))


def verdict_text(c):
    if c is None:
        return ""
    v = c["verdict"]
    if v == "n too small":
        t = "n too small (n=%d/%d)" % (c["n_baseline"], c["n_patched"])
    elif v == "n.a." and c.get("note"):
        t = "n.a. (%s)" % c["note"]
    elif v is None:
        t = "n.a."
    elif v in ("better", "worse"):
        t = "**%s**" % v
    else:
        t = v
    return t + (" (host load)" if c["host_load"] else "")


def mean_sd(s):
    if not s:
        return ""
    if s["sd"] is None:
        return fmt(s["mean"])
    return "%s ± %s" % (fmt(s["mean"]), fmt(s["sd"]))


# --- loading -----------------------------------------------------------------

class Run:
    def __init__(self, path, d):
        self.path = path
        self.d = d
        self.kernel = str(d.get("kernel") or "?")
        self.workload = str(d.get("workload") or "?")
        self.backend = str(d.get("backend") or "?")
        self.size = str(d.get("size") or "?")
        it = d.get("iteration")
        self.iteration = it if is_num(it) else None
        self.ok = d.get("ok") is True
        self.error = d.get("error")
        self.params = d.get("params") if isinstance(d.get("params"), dict) else {}
        self.metrics = self._nums(d.get("metrics"))
        self.counters = self._nums(d.get("counters"))
        self.derived = self._nums(d.get("derived"))
        self.computed = self._compute()
        # Where the run sat in its boot and the host load around that boot
        # (scripts/bench.sh); runs from before it recorded them have neither.
        self.boot = d.get("boot") if isinstance(d.get("boot"), dict) else {}
        self.host = d.get("host") if isinstance(d.get("host"), dict) else {}
        oc = self.host.get("other_cpu")
        self.other_cpu = oc if is_num(oc) else None
        self.loaded = self.other_cpu is not None and self.other_cpu > HOST_LOAD_MAX

    @staticmethod
    def _nums(x):
        if not isinstance(x, dict):
            return {}
        return {k: v for k, v in x.items() if is_num(v)}

    def _compute(self):
        """Per-run values derived from counters; run's own 'derived' wins."""
        c, out = self.counters, {}
        pre = size_prefix(self.size)
        if pre:
            so = c.get(pre + ".swpout")
            fb = c.get(pre + ".swpout_fallback")
            if so is not None and fb is not None and so + fb > 0:
                out["fallback_rate"] = fb / (so + fb)
        if "swpout_fallback_rate" in self.derived:
            out["fallback_rate"] = self.derived["swpout_fallback_rate"]
        # Large swap-in (per-size swpin/zswpin/swpin_fallback of kernels
        # that have them; 6.12 has none): whole folios from the device
        # (swpin) and from zswap (zswpin) are disjoint.
        if pre:
            lin = [c.get(pre + "." + k) for k in ("swpin", "zswpin")]
            sfb = c.get(pre + ".swpin_fallback")
            if any(v is not None for v in lin) or sfb is not None:
                whole = sum(v or 0 for v in lin)
                if whole + (sfb or 0) > 0:
                    out["swpin_fallback_rate"] = (sfb or 0) / (whole + (sfb or 0))
                tin = (c.get("pswpin") or 0) + (c.get("zswpin") or 0)
                if tin > 0:
                    out["large_swpin_share"] = whole * folio_pages(self.size) / tin
        for k in ("swpin_fallback_rate", "large_swpin_share"):
            if k in self.derived:
                out[k] = self.derived[k]
        # Major faults per GiB swapped in: the memcg's own count if any
        # (pgmajfault also counts file faults of the rest of the guest).
        mf = c.get("memcg.pgmajfault", c.get("pgmajfault"))
        tin = (c.get("pswpin") or 0) + (c.get("zswpin") or 0)
        if mf is not None and tin > 0:
            out["majfault_per_gib_swapin"] = mf / (tin * PAGE / (1024 * MIB))
            out["swapin_pages_per_majfault"] = tin / mf if mf else None
            if out["swapin_pages_per_majfault"] is None:
                del out["swapin_pages_per_majfault"]
        if "majfault_per_gib_swapin" in self.derived:
            out["majfault_per_gib_swapin"] = self.derived["majfault_per_gib_swapin"]
        # thp_split_page counts PMD-size splits, <size>.split every order's
        # (so for 2M both count the same splits: take one)
        tsp = c.get("thp_split_page")
        ssp = c.get(pre + ".split") if pre else None
        if size_bytes(self.size) == 2 * MIB:
            parts = [tsp if tsp is not None else ssp]
        else:
            parts = [tsp, ssp]
        parts = [p for p in parts if p is not None]
        if parts:
            out["splits"] = sum(parts)
        scan = [c.get("pgscan_kswapd"), c.get("pgscan_direct")]
        steal = [c.get("pgsteal_kswapd"), c.get("pgsteal_direct")]
        if any(v is not None for v in scan) and any(v is not None for v in steal):
            sc = sum(v for v in scan if v is not None)
            st = sum(v for v in steal if v is not None)
            if sc > 0:
                out["reclaim_efficiency"] = st / sc
        if "reclaim_efficiency" in self.derived:
            out["reclaim_efficiency"] = self.derived["reclaim_efficiency"]
        sp, ps = c.get("zswap.stored_pages_max"), c.get("zswap.pool_total_size_max")
        if sp and ps:
            out["compression_ratio"] = sp * PAGE / ps
        if "compression_ratio" in self.derived:
            out["compression_ratio"] = self.derived["compression_ratio"]
        if ps is not None:
            out["zswap_pool_peak_mib"] = ps / MIB
        z = c.get("memcg.zswap_current_max")
        if z is not None:
            out["memcg_zswap_peak_mib"] = z / MIB
        s = c.get("memcg.swap_current_max")
        if s is not None:
            out["memcg_swap_peak_mib"] = s / MIB
        return out

    @property
    def cfg(self):
        return (self.workload, self.backend, self.size, self.kernel)


def load_meta(res):
    path = os.path.join(res, "meta.json")
    if not os.path.isfile(path):
        die("%s: missing (is %s a `make bench` results directory?)" % (path, res))
    try:
        meta = load_json(path)
    except (OSError, ValueError) as e:
        die("%s: invalid JSON: %s" % (path, e))
    if not isinstance(meta, dict):
        die("%s: invalid: not a JSON object" % path)
    sch = meta.get("schema")
    if not (isinstance(sch, str) and sch.startswith("lfswap-bench/")):
        die("%s: invalid: schema is %r, expected 'lfswap-bench/1'" % (path, sch))
    return meta


def load_runs(res):
    rdir = os.path.join(res, "runs")
    if not os.path.isdir(rdir):
        die("%s: no runs/ directory" % res)
    files = sorted(glob.glob(os.path.join(rdir, "*.json")))
    if not files:
        die("%s: no run files (*.json)" % rdir)
    runs, bad = [], []
    for f in files:
        try:
            d = load_json(f)
            if not isinstance(d, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as e:
            warn("%s: %s" % (f, e))
            bad.append((f, str(e)))
            continue
        runs.append(Run(f, d))
    return runs, bad


# --- model -------------------------------------------------------------------

class Model:
    def __init__(self, res, meta, runs, bad, exclude_loaded=False):
        self.res, self.meta, self.runs, self.bad = res, meta, runs, bad
        self.exclude_loaded = exclude_loaded
        self.ok_runs = [r for r in runs if r.ok]
        self.failed = [r for r in runs if not r.ok]
        # runs under host load: kept and their verdicts marked, or with
        # --exclude-host-load left out of every statistic (and listed)
        self.loaded = [r for r in self.ok_runs if r.loaded]
        self.excluded = self.loaded if exclude_loaded else []
        self.configs = {}   # (w,b,s,k) -> stats dict
        by = {}
        for r in runs:
            by.setdefault(r.cfg, []).append(r)
        for key, rs in by.items():
            ok = [r for r in rs if r.ok and not (exclude_loaded and r.loaded)]
            self.configs[key] = self._stats(key, ok, sum(1 for r in rs if not r.ok))
        self.workloads = sorted({k[0] for k in self.configs},
                                key=lambda w: order_key(WORKLOAD_ORDER, w))
        self.kernels = sorted({k[3] for k in self.configs},
                              key=lambda k: order_key(KERNEL_ORDER, k))

    @staticmethod
    def _stats(key, ok, nfail):
        def group(attr):
            names = set()
            for r in ok:
                names.update(getattr(r, attr))
            return {n: describe([getattr(r, attr).get(n) for r in ok],
                                sum(1 for r in ok if r.loaded and n in getattr(r, attr)))
                    for n in sorted(names)}
        limits = []
        for r in ok:
            v = r.params.get("effective_limit")
            if v is not None and str(v) not in limits:
                limits.append(str(v))
        return {"workload": key[0], "backend": key[1], "size": key[2],
                "kernel": key[3], "n": len(ok), "n_failed": nfail,
                "n_loaded": sum(1 for r in ok if r.loaded),
                "iterations": sorted(r.iteration for r in ok
                                     if r.iteration is not None),
                "metrics": group("metrics"), "counters": group("counters"),
                "derived": group("derived"), "computed": group("computed"),
                "effective_limit": "; ".join(limits) if len(limits) > 1
                else (limits[0] if limits else None)}

    def cells(self, workload):
        """(backend, size) pairs of a workload, ordered."""
        s = {(k[1], k[2]) for k in self.configs if k[0] == workload}
        return sorted(s, key=lambda bs: (order_key(BACKEND_ORDER, bs[0]),
                                         size_key(bs[1])))

    def st(self, w, b, s, k):
        return self.configs.get((w, b, s, k))

    def value(self, w, b, s, k, group, name):
        c = self.st(w, b, s, k)
        if not c:
            return None
        return c[group].get(name)

    def primary_metric(self, workload):
        for k, c in self.configs.items():
            if k[0] == workload and c["metrics"].get("throughput_mibs"):
                return "throughput_mibs"
        return "elapsed_s"

    def comparisons(self):
        out = []
        for w in self.workloads:
            for b, s in self.cells(w):
                bs, ps = self.st(w, b, s, BASE), self.st(w, b, s, PATCHED)
                if not bs or not ps:
                    continue
                entry = {"workload": w, "backend": b, "size": s,
                         "primary_metric": self.primary_metric(w)}
                for grp in ("metrics", "computed", "counters"):
                    names = sorted(set(bs[grp]) | set(ps[grp]))
                    entry[grp] = {}
                    for n in names:
                        c = compare(bs[grp].get(n), ps[grp].get(n), n)
                        # all-zero counters (other sizes' stats) say nothing
                        if c and not (grp == "counters" and
                                      bs[grp][n]["max"] == 0 == ps[grp][n]["max"]
                                      and bs[grp][n]["min"] == 0 == ps[grp][n]["min"]):
                            entry[grp][n] = c
                out.append(entry)
        return out

    def comparison(self, w, b, s, group, name):
        return compare(self.value(w, b, s, BASE, group, name),
                       self.value(w, b, s, PATCHED, group, name), name)


# --- ceilings ----------------------------------------------------------------

def fio_sections(res):
    files = sorted(glob.glob(os.path.join(res, "ceilings", "fio-summary*.json")))
    if not files:
        return "fio: not run.\n", []
    out, data = [], []
    for f in files:
        d, note = load_optional(f, "lfswap-fio/")
        name = os.path.relpath(f, res)
        if d is None:
            out.append("fio (`%s`): %s.\n" % (name, note))
            continue
        rs = [r for r in d.get("results") or [] if isinstance(r, dict)]
        data.append({"file": name, "kernel": d.get("kernel"), "results": rs})
        head = "fio (`%s`%s)" % (name, ", kernel %s" % d["kernel"]
                                 if d.get("kernel") else "")
        if not rs:
            out.append(head + ": no results.\n")
            continue
        devs = sorted({str(r.get("device")) for r in rs},
                      key=lambda x: order_key(["disk", "zram", "brd"], x))
        for mode, cols in (("lat", [("lat_mean_us", "mean µs"),
                                    ("lat_p99_us", "p99 µs"),
                                    ("bw_mibs", "MiB/s")]),
                           ("tput", [("bw_mibs", "MiB/s"), ("iops", "IOPS")])):
            mr = [r for r in rs if r.get("mode") == mode]
            if not mr:
                continue
            engines = sorted({str(r.get("engine")) for r in mr if r.get("engine")})
            rowkeys = sorted({(str(r.get("rw")), r.get("bs"), r.get("iodepth"))
                              for r in mr},
                             key=lambda k: (order_key(["write", "randwrite", "read",
                                                       "randread"], k[0]),
                                            k[1] if is_num(k[1]) else 0,
                                            k[2] if is_num(k[2]) else 0))
            headers = ["rw", "bs", "iodepth"]
            for dv in devs:
                headers += ["%s %s" % (dv, c[1]) for c in cols]
            rows = []
            for rk in rowkeys:
                row = [rk[0], fmt_bs(rk[1]), "" if rk[2] is None else rk[2]]
                for dv in devs:
                    m = [r for r in mr if (str(r.get("rw")), r.get("bs"),
                                           r.get("iodepth")) == rk
                         and str(r.get("device")) == dv]
                    for key, _ in cols:
                        row.append(fmt(m[0].get(key)) if m else "")
                rows.append(row)
            title = {"lat": "latency mode", "tput": "throughput mode"}[mode]
            out.append("%s, %s%s:\n\n" % (head, title, " (engine %s)" %
                                          ", ".join(engines) if engines else ""))
            out.append(md_table(headers, rows, ["l", "r", "r"] + ["r"] *
                                (len(headers) - 3)))
            out.append("\n")
    return "".join(out), data


def fmt_bs(bs):
    if is_num(bs):
        if bs >= MIB and bs % MIB == 0:
            return "%dM" % (bs // MIB)
        if bs >= 1024 and bs % 1024 == 0:
            return "%dK" % (bs // 1024)
    return "" if bs is None else str(bs)


def load_compbench(res):
    out, notes = {}, {}
    for label in ("native", "guest"):
        d, note = load_optional(os.path.join(res, "ceilings",
                                             "compbench-%s.json" % label),
                                "lfswap-compbench/")
        if d is None:
            notes[label] = note
            continue
        rs = [r for r in d.get("results") or [] if isinstance(r, dict)]
        out[label] = {"data": d.get("data"), "bytes": d.get("bytes"), "results": rs}
    return out, notes


def comp_key(r):
    return (str(r.get("algo")), r.get("level"), r.get("unit"))


def frac(a, b):
    if is_num(a) and is_num(b) and b > 0:
        return a / b
    return None


def compbench_section(cb, notes):
    if not cb:
        return "Compressor benchmark: not run.\n"
    out = []
    for label in ("native", "guest"):
        if label in notes:
            out.append("compbench %s: %s.\n\n" % (label, notes[label]))
        elif cb[label].get("data") is not None:
            out.append("compbench %s: data `%s`, %s bytes.\n\n"
                       % (label, cb[label]["data"], fmt_int(cb[label]["bytes"])))
    keys = set()
    for label in cb:
        keys.update(comp_key(r) for r in cb[label]["results"])
    keys = sorted(keys, key=lambda k: (order_key(["lz4", "lz4hc", "zstd"], k[0]),
                                       k[1] if is_num(k[1]) else -1,
                                       k[2] if is_num(k[2]) else 0))
    headers = ["algo", "level", "unit"]
    sides = [l for l in ("native", "guest") if l in cb]
    for l in sides:
        headers += ["%s comp MiB/s" % l, "%s decomp MiB/s" % l, "%s ratio" % l]
    headers += ["ratio (non-zero units)", "zero units", "incompressible units"]
    rows = []
    for k in keys:
        row = [k[0], "" if k[1] is None else k[1], fmt_bs(k[2])]
        found = []
        for l in sides:
            m = [r for r in cb[l]["results"] if comp_key(r) == k]
            r = m[0] if m else {}
            if m:
                found.append(r)
            row += [fmt(r.get("compress_mibs")), fmt(r.get("decompress_mibs")),
                    fmt(r.get("ratio"))]

        def joined(f):
            vals = []
            for r in found:
                v = f(r)
                s = fmt_pct(v * 100, signed=False) if is_num(v) else ""
                if s and s not in vals:
                    vals.append(s)
            return " / ".join(vals)
        rn = []
        for r in found:
            s = fmt(r.get("ratio_nonzero"))
            if s and s not in rn:
                rn.append(s)
        row.append(" / ".join(rn))
        row.append(joined(lambda r: frac(r.get("zero_units"), r.get("units"))))
        row.append(joined(lambda r: frac(r.get("incompressible_units"),
                                         r.get("units"))))
        rows.append(row)
    out.append(md_table(headers, rows, ["l", "r", "r"] + ["r"] * (len(headers) - 3)))
    if len(sides) == 2:
        out.append("\nWhere native and guest data differ, the last three columns "
                   "show native / guest.\n")
    return "".join(out)


def pick_ceiling(cb, algo, unit=PAGE):
    """(side, result) of the compbench entry zswap's algo maps to."""
    for side in ("guest", "native"):
        if side not in cb:
            continue
        rs = [r for r in cb[side]["results"]
              if str(r.get("algo")) == algo and r.get("unit") == unit]
        if not rs:
            continue
        if len(rs) > 1:
            # kernel defaults: zstd level 3 (crypto/zstd.c), lz4 has none
            pref = [r for r in rs if r.get("level") in (None, 3 if algo == "zstd" else 1)]
            rs = pref or sorted(rs, key=lambda r: r.get("level")
                                if is_num(r.get("level")) else 0)
        return side, rs[0]
    return None, None


def zswap_algo(backend):
    """zswap-lz4 -> lz4; zswap-zstd-zram (zswap in front of zram) -> zstd."""
    algo = backend[len("zswap-"):]
    return algo[:-len("-zram")] if algo.endswith("-zram") else algo


def zswap_ceiling_section(model, cb, guest_cpus="the"):
    zcfgs = sorted({k for k in model.configs if k[1].startswith("zswap-")},
                   key=lambda k: (order_key(WORKLOAD_ORDER, k[0]), k[1],
                                  size_key(k[2]), order_key(KERNEL_ORDER, k[3])))
    if not zcfgs:
        return "No zswap configurations in this run.\n", []
    if not cb:
        return "Compressor benchmark not run: no ceiling to compare with.\n", []
    rows, data, sides = [], [], set()
    for k in zcfgs:
        algo = zswap_algo(k[1])
        side, ref = pick_ceiling(cb, algo)
        c = model.configs[k]
        zo = c["metrics"].get("zswap_out_mibs")
        zi = c["metrics"].get("zswap_in_mibs")
        if ref is None:
            rows.append([k[0], k[1], k[2], k[3], fmt(zo and zo["mean"]), "", "",
                         fmt(zi and zi["mean"]), "", "", "no %s at 4K" % algo])
            continue
        sides.add(side)
        cm, dm = ref.get("compress_mibs"), ref.get("decompress_mibs")
        fo = frac(zo["mean"] if zo else None, cm)
        fi = frac(zi["mean"] if zi else None, dm)
        lvl = ref.get("level")
        rows.append([k[0], k[1], k[2], k[3], fmt(zo and zo["mean"]), fmt(cm),
                     fmt_pct(fo * 100, False) if fo is not None else "",
                     fmt(zi and zi["mean"]), fmt(dm),
                     fmt_pct(fi * 100, False) if fi is not None else "",
                     "%s%s" % (side, "" if lvl is None else ", level %s" % lvl)])
        data.append({"workload": k[0], "backend": k[1], "size": k[2],
                     "kernel": k[3], "zswap_out_mibs": zo and zo["mean"],
                     "zswap_in_mibs": zi and zi["mean"],
                     "ceiling_side": side, "ceiling_level": lvl,
                     "ceiling_unit": PAGE, "compress_mibs": cm,
                     "decompress_mibs": dm, "out_fraction": fo, "in_fraction": fi})
    headers = ["workload", "backend", "size", "kernel", "zswap out MiB/s",
               "compress ceiling MiB/s", "out/ceiling", "zswap in MiB/s",
               "decompress ceiling MiB/s", "in/ceiling", "ceiling from"]
    txt = ("Ceiling: compbench %s results for the algorithm at 4096-byte "
           "units (one page per compression call, as zswap does)%s. "
           "compbench runs on one CPU; zswap compresses in every task that "
           "reclaims (the workload's processes and kswapd) on all %s guest "
           "vCPUs, so a fraction above 100%% means compression ran on more "
           "than one CPU at once. zswap out/in MiB/s are zswpout/zswpin pages "
           "over the workload's write/read phase.\n\n"
           % (" and ".join(sorted(sides)) or "guest",
              "" if sides <= {"guest"} else
              "; native numbers are used only where the in-guest run is missing",
              guest_cpus))
    return txt + md_table(headers, rows, ["l", "l", "r", "l"] + ["r"] * 6 + ["l"]), data


def corpus_section(res):
    d, note = load_optional(os.path.join(res, "corpus", "manifest.json"),
                            "lfswap-corpus/")
    if d is None:
        return "Corpus: %s.\n" % note, None
    progs = [p for p in d.get("programs") or [] if isinstance(p, dict)]
    if not progs:
        return "Corpus: manifest has no programs.\n", d
    rows, tb, tz = [], 0, 0
    for p in progs:
        b, z = p.get("bytes"), p.get("zero_pages")
        f = frac(z * PAGE if is_num(z) else None, b)
        if is_num(b):
            tb += b
        if is_num(z):
            tz += z
        rows.append([p.get("name", ""), "`%s`" % p["command"] if p.get("command")
                     else "", p.get("input", "") or "", fmt_int(b), fmt_int(z),
                     fmt_pct(f * 100, False) if f is not None else ""])
    total = d.get("bytes") if is_num(d.get("bytes")) else tb
    f = frac(tz * PAGE, total)
    rows.append(["**total**", "", "", fmt_int(total), fmt_int(tz),
                 fmt_pct(f * 100, False) if f is not None else ""])
    return md_table(["program", "command", "input", "bytes", "zero pages",
                     "zero fraction"], rows,
                    ["l", "l", "l", "r", "r", "r"]), d


# --- per workload ------------------------------------------------------------

def workload_summary(model, w):
    pm = model.primary_metric(w)
    metrics = [pm] + (["sys_s"] if pm != "sys_s" else [])
    headers = ["backend", "size", "n b/p"]
    for m in metrics:
        headers += ["%s baseline" % m, "%s patched" % m, "diff %",
                    "ratio [%d%% CI]" % (CI_LEVEL * 100), "verdict"]
    rows = []
    tally = dict.fromkeys(VERDICTS + ("host load",), 0)
    for b, s in model.cells(w):
        bs, ps = model.st(w, b, s, BASE), model.st(w, b, s, PATCHED)
        row = [b, s, "%s/%s" % (bs["n"] if bs else "-", ps["n"] if ps else "-")]
        for i, m in enumerate(metrics):
            bm = bs and bs["metrics"].get(m)
            pmv = ps and ps["metrics"].get(m)
            c = compare(bm, pmv, m)
            row += [mean_sd(bm), mean_sd(pmv),
                    fmt_pct(c["diff_pct"]) if c else "", ratio_text(c), verdict_text(c)]
            if i == 0 and c and c["verdict"]:
                tally[c["verdict"]] += 1
                tally["host load"] += c["host_load"]
        rows.append(row)
    al = ["l", "r", "r"] + ["r", "r", "r", "r", "l"] * len(metrics)
    return pm, md_table(headers, rows, al), tally


def summary_section(model):
    """(markdown, data): per workload, a backend x size table of patched /
    baseline on its primary metric, oriented (> 1: patched better), with
    the interval and the verdict: what a user reads first."""
    out, data = [], []
    for w in model.workloads:
        pm = model.primary_metric(w)
        cells = model.cells(w)
        sizes = sorted({s for _, s in cells}, key=size_key)
        backends = sorted({b for b, _ in cells}, key=lambda b: order_key(BACKEND_ORDER, b))
        rows = []
        for b in backends:
            row = [b]
            for s in sizes:
                c = model.comparison(w, b, s, "metrics", pm)
                if not c:
                    row.append("")
                    continue
                v = c["verdict"] or "n.a."
                row.append("%s %s" % (ratio_text(c) or "n.a.",
                                      "**%s**" % v if v in ("better", "worse") else v))
                data.append({"workload": w, "backend": b, "size": s, "metric": pm,
                             "ratio": c["ratio"], "ci": c["ci"], "verdict": c["verdict"]})
            rows.append(row)
        if rows:
            out.append("**%s** (%s, %s):\n\n" % (
                w, pm, "baseline / patched" if direction(pm) == "lower"
                else "patched / baseline"))
            out.append(md_table(["backend"] + sizes, rows, ["l"] + ["r"] * len(sizes)))
            out.append("\n")
    return "".join(out), data


# Per-size counters of kernels with large-folio zswap and swap-in (6.12 has
# none of them); the counters tables show them only when a run has them.
NEW_SIZE_STATS = ["zswpout", "zswpin", "swpin", "swpin_fallback",
                  "swpin_fallback_charge"]


def present_size_stats(model, w):
    """NEW_SIZE_STATS that some config of workload w has for its own size."""
    out = []
    for stat in NEW_SIZE_STATS:
        for k, c in model.configs.items():
            pre = size_prefix(k[2])
            if k[0] == w and pre and (pre + "." + stat) in c["counters"]:
                out.append(stat)
                break
    return out


def workload_counters(model, w):
    extra = present_size_stats(model, w)
    headers = ["backend", "size", "kernel", "pswpout", "pswpin", "zswpout",
               "zswpin", "size.swpout", "size.swpout_fallback", "fallback rate"] + \
        ["size." + x for x in extra] + [
               "splits", "pgmajfault", "reclaim eff.", "comp. ratio",
               "zswap pool peak MiB", "memcg zswap peak MiB", "effective limit"]
    rows, limits = [], []

    def limit_ref(text):
        # long free-form texts: number them, list them under the table
        if not text:
            return ""
        if text not in limits:
            limits.append(text)
        return "L%d" % (limits.index(text) + 1)
    for b, s in model.cells(w):
        pre = size_prefix(s)
        for k in model.kernels:
            c = model.st(w, b, s, k)
            if not c:
                continue
            if c["n"] == 0:
                rows.append([b, s, k] + ["(all runs failed)"] + [""] * (13 + len(extra)))
                continue

            def cm(name, grp="counters"):
                v = c[grp].get(name)
                return v["mean"] if v else None
            fr = cm("fallback_rate", "computed")
            rows.append([
                b, s, k, fmt_int(cm("pswpout")), fmt_int(cm("pswpin")),
                fmt_int(cm("zswpout")), fmt_int(cm("zswpin")),
                fmt_int(cm(pre + ".swpout")) if pre else "-",
                fmt_int(cm(pre + ".swpout_fallback")) if pre else "-",
                (fmt_pct(fr * 100, False) if fr is not None else "") if pre else "-"] +
                [fmt_int(cm(pre + "." + x)) if pre else "-" for x in extra] + [
                fmt_int(cm("splits", "computed")), fmt_int(cm("pgmajfault")),
                fmt(cm("reclaim_efficiency", "computed")),
                fmt(cm("compression_ratio", "computed")),
                fmt(cm("zswap_pool_peak_mib", "computed")),
                fmt(cm("memcg_zswap_peak_mib", "computed")),
                limit_ref(c["effective_limit"])])
    al = ["l", "r", "l"] + ["r"] * (13 + len(extra)) + ["l"]
    note = ("Means over ok iterations. pswp*/zswp* and pgmajfault are pages; "
            "size.swpout/_fallback%s are folios of the row's size (`16kB.`, "
            "`64kB.`, `2048kB.` counters; `-` for 4K); fallback rate = "
            "fallback / (swpout + fallback); splits = thp_split_page + "
            "size.split (for 2M only thp_split_page, which counts them); "
            "reclaim eff. = pgsteal / pgscan (kswapd + direct); comp. ratio = "
            "zswap stored pages × 4096 / pool size at the peak unless the run "
            "reports its own; peaks are the highest sampled values.\n\n"
            % ("".join(" and size." + x for x in extra)))
    foot = "".join("- L%d: %s\n" % (i + 1, t) for i, t in enumerate(limits))
    return note + md_table(headers, rows, al) + \
        ("\nEffective limits:\n\n" + foot if foot else "")


# --- gaps --------------------------------------------------------------------

def gap_findings(c, backend, size):
    """Rule-based one-liners for one config's stats. Returns (numbers, text)."""
    pre = size_prefix(size)
    fp = folio_pages(size)

    def cm(name, grp="counters"):
        v = c[grp].get(name)
        return v["mean"] if v else None
    so, fb = cm(pre + ".swpout"), cm(pre + ".swpout_fallback")
    si, zsi = cm(pre + ".swpin"), cm(pre + ".zswpin")
    sfb, sfc = cm(pre + ".swpin_fallback"), cm(pre + ".swpin_fallback_charge")
    pso, psi = cm("pswpout"), cm("pswpin")
    zo, zi = cm("zswpout"), cm("zswpin")
    fr = cm("fallback_rate", "computed")
    nums = {"swpout": so, "swpout_fallback": fb, "fallback_rate": fr,
            "swpin": si, "pswpout": pso, "pswpin": psi, "zswpout": zo,
            "zswpin": zi, "zswpwb": cm("zswpwb"), "size_zswpin": zsi,
            "swpin_fallback": sfb, "swpin_fallback_charge": sfc}
    f = []
    if (pso or 0) + (zo or 0) == 0 and not so and not fb:
        return nums, ["no swap-out"]
    if fr is not None:
        if fr > GAP_MOSTLY_SPLIT:
            f.append("mostly split at swap-out (fallback %s)" % fmt_pct(fr * 100, False))
        elif fr > GAP_SOME_SPLIT:
            f.append("some fallback at swap-out (%s)" % fmt_pct(fr * 100, False))
        else:
            f.append("swapped out whole (fallback %s)" % fmt_pct(fr * 100, False))
    elif so is None and fb is None:
        f.append("no %s.swpout counters" % (pre or size))
    if backend.startswith("zswap-") and so:
        # Where did the whole large folios go? A kernel with a per-size
        # zswpout counter says it; 6.12 has none, but there zswap_store()
        # refuses large folios, so each of them is written to the disk:
        # pswpout covers swpout x pages per folio. zswpout alone cannot
        # tell (small folios of the same workload go to zswap too).
        big = so * fp
        zso = cm(pre + ".zswpout")
        if zso is not None:
            share = zso * fp / big if big else 0.0
            if share < GAP_BYPASS:
                f.append("%s folios bypass zswap: %s.zswpout=%s of %s.swpout=%s"
                         % (size, pre, fmt_int(zso), pre, fmt_int(so)))
            elif share < GAP_WHOLE_IN:
                f.append("%s of whole %s folios stored in zswap (%s.zswpout=%s of %s.swpout=%s)"
                         % (fmt_pct(share * 100, False), size, pre, fmt_int(zso), pre, fmt_int(so)))
            else:
                f.append("%s folios stored in zswap whole (%s.zswpout=%s of %s.swpout=%s)"
                         % (size, pre, fmt_int(zso), pre, fmt_int(so)))
        elif (pso or 0) >= (1 - GAP_BYPASS) * big:
            f.append("%s folios bypass zswap to the disk: %s.swpout=%s folios (%s pages) "
                     "and pswpout=%s pages; no per-size zswpout counter, zswpout=%s pages "
                     "are small folios" % (size, pre, fmt_int(so), fmt_int(big),
                                           fmt_int(pso or 0), fmt_int(zo or 0)))
        else:
            f.append("some %s folios reached zswap: pswpout=%s < %s.swpout x %d=%s"
                     % (size, fmt_int(pso or 0), pre, fp, fmt_int(big)))
    elif backend.startswith("zswap-") and not so and fb and zo:
        f.append("all %s folios split before zswap (zswpout=%s pages)"
                 % (size, fmt_int(zo)))
    tin = (psi or 0) + (zi or 0)
    if tin > 0 and si is None and zsi is None:
        # 6.12 has no per-size swpin counter: the order of swap-in is not
        # measured by this run (docs/feature-matrix.md probes it).
        f.append("swap-in order not counted (no %s.swpin in this kernel)" % pre)
    elif tin > 0:
        # whole large folios: swpin (from the device) + the per-size zswpin
        # (from zswap) of kernels that count it
        share = ((si or 0) + (zsi or 0)) * fp / tin
        what = "%s.swpin=%s" % (pre, fmt_int(si or 0))
        if zsi is not None:
            what += " + %s.zswpin=%s" % (pre, fmt_int(zsi))
        if share < GAP_ORDER0_IN:
            f.append("swap-in is order-0: %s vs pswpin+zswpin=%s pages"
                     % (what, fmt_int(tin)))
        elif share < GAP_WHOLE_IN:
            f.append("partly large swap-in: %s of swapped-in pages as %s folios"
                     % (fmt_pct(min(share, 1) * 100, False), size))
        else:
            f.append("swap-in whole as %s folios" % size)
    if sfb:
        f.append("large swap-in fell back %s times (%s.swpin_fallback; %s of them "
                 "memcg charge)" % (fmt_int(sfb), pre, fmt_int(sfc or 0)))
    if backend.startswith("zswap-") and cm("zswpwb"):
        f.append("zswap wrote back %s pages" % fmt_int(cm("zswpwb")))
    return nums, f


def gaps_section(model):
    out, data = [], []
    headers = ["workload", "backend", "size", "swpout", "fallback", "rate",
               "zswpout", "pswpout", "swpin", "pswpin", "zswpin", "findings"]
    for k in model.kernels:
        rows = []
        for w in model.workloads:
            for b, s in model.cells(w):
                if folio_pages(s) <= 1 or size_prefix(s) is None:
                    continue
                c = model.st(w, b, s, k)
                if not c or c["n"] == 0:
                    continue
                nums, f = gap_findings(c, b, s)
                data.append({"kernel": k, "workload": w, "backend": b,
                             "size": s, "numbers": nums, "findings": f})
                rows.append([w, b, s, fmt_int(nums["swpout"]),
                             fmt_int(nums["swpout_fallback"]),
                             fmt_pct(nums["fallback_rate"] * 100, False)
                             if nums["fallback_rate"] is not None else "",
                             fmt_int(nums["zswpout"]), fmt_int(nums["pswpout"]),
                             fmt_int(nums["swpin"]), fmt_int(nums["pswpin"]),
                             fmt_int(nums["zswpin"]), "; ".join(f)])
        if rows:
            out.append("### %s kernel\n\n" % k)
            out.append(md_table(headers, rows, ["l", "l", "r"] + ["r"] * 8 + ["l"]))
            out.append("\n")
    if not out:
        return "No configurations with large folios (size > 4K).\n", data
    intro = ("Rule-based, from the means of the counters of ok runs, for every "
             "configuration with a large-folio size. swpout, fallback and swpin "
             "are the per-size counters of the row's size (folios); zswpout, "
             "pswpout, pswpin, zswpin are pages. Rules: fallback / (swpout + "
             "fallback) > %d%% → mostly split; on zswap, (zswpout − fallback × "
             "pages per folio) < %d%% of swpout × pages per folio → bypass; (swpin + the "
             "per-size zswpin where the kernel has it) × pages per folio < %d%% "
             "of pswpin + zswpin → order-0 swap-in.\n\n"
             % (GAP_MOSTLY_SPLIT * 100, GAP_BYPASS * 100, GAP_ORDER0_IN * 100))
    return intro + "".join(out), data


# --- A/A check, order and host load ----------------------------------------

def aa_kernel(meta):
    """What both sides booted in an A/A check, else None: meta.json "aa"
    (make bench-aa), or both labels built from one commit (a run made while
    patches/series was empty)."""
    aa = meta.get("aa")
    if isinstance(aa, dict) and aa.get("kernel"):
        ks = meta.get("kernels") or {}
        k = ks.get(PATCHED) if isinstance(ks.get(PATCHED), dict) else {}
        return "the %s kernel%s" % (aa["kernel"], " (%s, commit %s)" % (
            k.get("uname"), k.get("commit")) if k.get("commit") else "")
    ks = meta.get("kernels") or {}
    b, p = ks.get(BASE), ks.get(PATCHED)
    if isinstance(b, dict) and isinstance(p, dict) and b.get("commit") \
            and (b.get("commit"), b.get("uname")) == (p.get("commit"), p.get("uname")):
        return "one build (%s, commit %s)" % (b.get("uname"), b["commit"])
    return None


def aa_count(model, metric_of):
    """For the A/A line: (flagged rows, N with an interval, n too small,
    n.a. (n >= 2 a side, no interval), flagged by the old min..max rule)
    over every configuration run on both sides, metric_of(workload) the
    metric."""
    rows, n, small, na, old = [], 0, 0, 0, 0
    for w in model.workloads:
        m = metric_of(w)
        for b, s in model.cells(w):
            bs, ps = model.st(w, b, s, BASE), model.st(w, b, s, PATCHED)
            bm, pm = bs and bs["metrics"].get(m), ps and ps["metrics"].get(m)
            c = compare(bm, pm, m)
            if c is None or c["verdict"] is None:
                continue
            if c["verdict"] == "n too small":
                small += 1
                continue
            if c["verdict"] == "n.a.":
                na += 1
                continue
            n += 1
            old += overlap_flag(bm, pm)
            if c["verdict"] in ("better", "worse"):
                rows.append({"workload": w, "backend": b, "size": s, "metric": m,
                             "ratio": c["ratio"], "ci": c["ci"], "verdict": c["verdict"],
                             "host_load": c["host_load"], "text": [w, b, s, m, ratio_text(c),
                                                                   verdict_text(c)]})
    return rows, n, small, na, old


def aa_line(k, n):
    return "A/A: %d of %d configurations get a verdict other than " \
        "inconclusive/not worse" % (k, n)


def aa_section(model, meta):
    """(markdown or None, data): the A/A check's count of verdicts that
    are not noise."""
    who = aa_kernel(meta)
    if not who:
        return None, None
    prim, n, small, na, old = aa_count(model, model.primary_metric)
    sysr, ns, smalls, nas, olds = aa_count(model, lambda w: "sys_s")
    data = {"kernel": who, "line": aa_line(len(prim), n),
            "primary": {"flagged": len(prim), "n": n, "n_too_small": small,
                        "n_a": na, "flagged_by_min_max_rule": old},
            "sys_s": {"flagged": len(sysr), "n": ns, "n_too_small": smalls,
                      "n_a": nas, "flagged_by_min_max_rule": olds},
            "rows": [{k: v for k, v in r.items() if k != "text"} for r in prim + sysr]}
    out = ["Both sides booted %s: \"baseline\" and \"patched\" only label "
           "the boots, which alternate as in any run, so every difference in "
           "this report is noise. Each configuration's verdict comes from the "
           "rule above.\n\n" % who,
           "**%s** (primary metric; %s). On `sys_s`: %d of %d. The min..max rule "
           "of earlier reports flags %d of %d on the primary metric and %d of %d "
           "on `sys_s`.\n\n"
           % (aa_line(len(prim), n),
              ", ".join(x for x in (
                  "%d more with n too small" % small if small else "none with n too small",
                  "%d n.a. (no interval: a value <= 0 or no variance)" % na if na else "")
                  if x),
              len(sysr), ns, old, n, olds, ns)]
    if prim or sysr:
        out.append(md_table(["workload", "backend", "size", "metric",
                             "ratio [%d%% CI]" % (CI_LEVEL * 100), "verdict"],
                            [r["text"] for r in prim + sysr],
                            ["l", "l", "r", "l", "r", "l"]))
    return "".join(out), data


def order_text(model, meta):
    """The header's line on the order of the runs in their boots."""
    pos = [r for r in model.runs if is_num(r.boot.get("position"))]
    if not pos:
        return "fixed (these runs carry no `boot` record)"
    shared = {r.boot.get("id") for r in pos if (r.boot.get("of") or 0) > 1}
    seed = meta.get("seed")
    return ("shuffled per boot (%d boot%s of more than one run); run seed %s, each "
            "boot's seed and order in meta.json `boots`, each run's place in "
            "its `boot.position`" % (len(shared), "" if len(shared) == 1 else "s",
                                     seed if seed is not None else "?"))


def host_load_section(model):
    """(markdown, data): the host load per boot and the runs under it."""
    rec = [r for r in model.runs if r.other_cpu is not None]
    data = {"threshold": HOST_LOAD_MAX, "runs_recorded": len(rec),
            "runs": len(model.runs), "excluded": model.exclude_loaded,
            "boots": [], "flagged_runs": [os.path.relpath(r.path, model.res)
                                          for r in model.runs if r.loaded]}
    if not rec:
        return ("Not recorded: these runs carry no `host` record (scripts/bench.sh "
                "did not measure it yet); no run is flagged.\n"), data
    boots = {}
    for r in rec:
        bid = r.boot.get("id") or os.path.basename(r.path)
        e = boots.setdefault(bid, {"id": bid, "kernel": r.kernel,
                                   "booted": r.boot.get("booted"),
                                   "other_cpu": r.other_cpu,
                                   "loadavg_start": r.host.get("loadavg_start"),
                                   "loadavg_end": r.host.get("loadavg_end"),
                                   "elapsed_s": r.host.get("elapsed_s"), "runs": []})
        e["runs"].append(r)
    vals = sorted(e["other_cpu"] for e in boots.values())
    flagged = sorted((e for e in boots.values() if e["other_cpu"] > HOST_LOAD_MAX),
                     key=lambda e: -e["other_cpu"])
    top = max(boots.values(), key=lambda e: e["other_cpu"])
    nrun = sum(len(e["runs"]) for e in flagged)
    nok = sum(1 for e in flagged for r in e["runs"] if r.ok)
    out = ["Per boot, scripts/bench.sh reads the busy time of all host CPUs "
           "(/proc/stat) and the CPU time of the boot's own processes (QEMU, "
           "vm.sh and its helpers: the shell's reaped children) at its start and "
           "end: other CPU = (busy - the boot's) / (elapsed x CPUs). A run is "
           "under host load when its boot's figure is above %d%%. %d boots: "
           "median %s, highest %s (%s).%s\n\n"
           % (HOST_LOAD_MAX * 100, len(vals), fmt_pct(statistics.median(vals) * 100, False),
              fmt_pct(top["other_cpu"] * 100, False), top["id"],
              " %d runs carry no record." % (len(model.runs) - len(rec))
              if len(rec) < len(model.runs) else "")]
    if not flagged:
        out.append("No run was under host load.\n")
    else:
        out.append("**%d of %d boots, %d runs (%d ok) under host load.** %s\n\n" % (
            len(flagged), len(vals), nrun, nok,
            "They are left out of every statistic (`--exclude-host-load`)."
            if model.exclude_loaded else
            "They stay in the statistics; every verdict that rests on one is "
            "marked \"(host load)\" (`report.py --exclude-host-load` leaves them out)."))
        rows = []
        for e in flagged:
            la = lambda v: "%s" % v[0] if isinstance(v, list) and v else "?"
            rows.append([e["id"], e["kernel"], fmt_pct(e["other_cpu"] * 100, False),
                         "%s -> %s" % (la(e["loadavg_start"]), la(e["loadavg_end"])),
                         fmt(e["elapsed_s"]),
                         ", ".join("%s %s %s (%s/%s)" % (r.workload, r.size,
                                                        "ok" if r.ok else "failed",
                                                        r.boot.get("position", "?"),
                                                        r.boot.get("of", "?"))
                                   for r in sorted(e["runs"], key=lambda r:
                                                   r.boot.get("position") or 0))])
        out.append(md_table(["boot", "kernel", "other CPU", "loadavg (1 min)",
                             "boot s", "runs (position/of)"], rows,
                            ["l", "l", "r", "l", "r", "l"]))
    data["boots"] = [{k: v for k, v in e.items() if k != "runs"} for e in
                     sorted(boots.values(), key=lambda e: e["id"])]
    return "".join(out), data


# --- targets ------------------------------------------------------------------
# The targets are data (bench/targets.conf); targets.py parses and evaluates
# them with the helpers below.

def side_text(k, s, v):
    if not v:
        return "%s %s: n.a." % (k, s)
    return "%s %s: %s (n=%d)" % (k, s, mean_sd(v), v["n"])


def targets_table(lines):
    """The markdown table of a Targets section: one row per target line."""
    rows = []
    for i, ln in enumerate(lines):
        a = ln["a"] and {"n": ln["a"]["n"], "mean": ln["a"]["mean"], "sd": ln["a"]["sd"]}
        b = ln["b"] and {"n": ln["b"]["n"], "mean": ln["b"]["mean"], "sd": ln["b"]["sd"]}
        ci = "[%s, %s]" % (fmt_ratio(ln["ci"][0]), fmt_ratio(ln["ci"][1])) \
            if ln["ci"] else "n.a."
        if ln.get("matrix") is not None:
            # the matrix rule: every configuration run on both kernels
            sides = ["patched, %d configurations" % ln["matrix"], "baseline, the same"]
        else:
            sides = [side_text(*ln["a_label"].split(" ", 1), a),
                     side_text(*ln["b_label"].split(" ", 1), b)]
        rows.append([i + 1, ln["target"], ln["workload"], ln["backend"]] + sides + [
                     "%.3g" % ln["ratio"] if ln["ratio"] is not None else "n.a.", ci,
                     ln["rule"], ("**%s**" % ln["verdict"] if ln["verdict"] != "n.a."
                                  else "n.a.") + (" (host load)" if ln["host_load"] else ""),
                     ln["note"]])
    return md_table(["#", "target", "workload", "backend", "A", "B", "A / B",
                     "%d%% CI" % (CI_LEVEL * 100), "rule", "verdict", "note"], rows,
                    ["r", "l", "l", "l", "l", "l", "r", "r", "l", "l", "l"])


# The pass/fail rules of the Targets sections, each from the bound of the
# ratio's interval on the side of its claim: check(ci) -> PASS (True),
# FAIL (False) or no verdict (None).
def at_least(th):
    """A / B is at least th: its lower bound is."""
    return lambda ci: ci[0] >= th


def at_most(th):
    """A / B is at most th: its upper bound is."""
    return lambda ci: ci[1] <= th


# "Not worse" (the comparisons' rule): the ratio oriented so that > 1 is
# better has its lower bound >= NOT_WORSE; for A / B where lower is
# better that is an upper bound of 1 / NOT_WORSE on A / B.
NOT_WORSE_HIGHER = ("not worse: lower bound >= %.2f" % NOT_WORSE, at_least(NOT_WORSE))
NOT_WORSE_LOWER = ("not worse: upper bound <= 1/%.2f = %.3f" % (NOT_WORSE, 1 / NOT_WORSE),
                   at_most(1 / NOT_WORSE))
INFO = ("for information", lambda ci: None)


def target_line(tid, target, w, b, a, ak, bv, bk, rule, check, note="", na=None):
    """One target line: A / B (the ratio of the geometric means), its Welch
    t interval (ratio_ci) and check(interval) (at_least, at_most, ...) for
    the verdict. a, bv: (describe() or None, why-missing or None); a B with
    "exact" is a fixed reference without variance (a one-sample interval
    on A). na: a reason to print the ratio but give no verdict."""
    keys = ("n", "mean", "sd", "min", "max")
    line = {"id": tid, "target": target, "workload": w, "backend": b,
            "a": a[0] and {k: a[0][k] for k in keys},
            "b": bv[0] and {k: bv[0][k] for k in keys},
            "a_label": ak, "b_label": bk, "ratio": None, "ratio_of_means": None,
            "ci": None, "rule": rule, "verdict": "n.a.", "note": note,
            "host_load": bool((a[0] and a[0].get("n_loaded")) or
                              (bv[0] and bv[0].get("n_loaded")))}
    why = a[1] or bv[1]
    if why:
        line["note"] = "; ".join(x for x in (why, note) if x)
        return line
    if not bv[0]["mean"]:
        line["note"] = "; ".join(x for x in ("%s is 0" % bk, note) if x)
        return line
    exact = bool(bv[0].get("exact"))
    ratio, ci, why = ratio_ci(a[0]["values"], bv[0]["values"], den_exact=exact)
    if ratio is None:
        # a value <= 0: the ratio of the arithmetic means, no interval
        ratio, kind = a[0]["mean"] / bv[0]["mean"], "arithmetic"
    else:
        kind = "geometric"
    line.update(ratio=ratio, ratio_of_means=kind, ci=list(ci) if ci else None)
    ok = check(ci) if ci else None
    if ci is None and not na:
        reason = "n too small for an interval (n=%d%s)" % (
            a[0]["n"], "" if exact else "/%d" % bv[0]["n"]) if why == "n too small" \
            else NA_NOTES.get(why, why)
        if kind == "arithmetic":
            reason += "; the ratio is of the arithmetic means"
        line["note"] = "; ".join(x for x in (reason, line["note"]) if x)
    line["verdict"] = "n.a." if (ok is None or na) else ("PASS" if ok else "FAIL")
    if line["verdict"] == "FAIL" and check((ratio, ratio)):
        # the point estimate would pass; the interval does not show it
        line["note"] = "; ".join(x for x in (
            "the ratio passes, its interval does not", line["note"]) if x)
    if na:
        line["note"] = "; ".join(x for x in (na, line["note"]) if x)
    return line


def targets_counter_rows(model, lines, size="64K", ref="4K"):
    pre = size_prefix(size)
    keys = []   # both sizes on both kernels of every (workload, backend)
    for ln in lines:
        for s in (size, ref):
            for k in (BASE, PATCHED):
                key = (ln["workload"], ln["backend"], s, k)
                if key not in keys:
                    keys.append(key)
    keys.sort(key=lambda k: (order_key(WORKLOAD_ORDER, k[0]), order_key(BACKEND_ORDER, k[1]),
                             size_key(k[2]), order_key(KERNEL_ORDER, k[3])))
    rows = []
    for (w, b, s, k) in keys:
        c = model.st(w, b, s, k)
        if not c or not c["n"]:
            rows.append([w, b, s, k, "0 (failed)" if c else "0 (no run)"] + ["n.a."] * 20)
            continue

        def cm(name, grp="counters"):
            v = c[grp].get(name)
            return v["mean"] if v else None

        def ps(stat):
            if s == ref:
                return "-"
            v = cm("%s.%s" % (size_prefix(s) or pre, stat))
            return "n.a." if v is None else fmt_int(v)
        mf = cm("memcg.pgmajfault")
        if mf is None:
            mf = cm("pgmajfault")
        tp = cm("throughput_mibs", "metrics")
        rows.append([
            w, b, s, k, str(c["n"]),
            fmt(cm("write_mibs", "metrics")) or "n.a.",
            fmt(tp) if tp is not None else (fmt(cm("elapsed_s", "metrics")) + " s"
                                            if cm("elapsed_s", "metrics") is not None else "n.a."),
            mean_sd(c["metrics"].get("sys_s")) or "n.a.",
            fmt_int(cm("pswpout")), fmt_int(cm("pswpin")),
            fmt_int(cm("zswpout")), fmt_int(cm("zswpin")),
            ps("swpout"), ps("swpout_fallback"), ps("zswpout"), ps("zswpin"),
            ps("swpin"), ps("swpin_fallback"), ps("swpin_fallback_charge"),
            fmt_int(mf) or "n.a.",
            fmt_int(cm("majfault_per_gib_swapin", "computed")) or "n.a.",
            fmt(cm("swapin_pages_per_majfault", "computed")) or "n.a.",
            fmt(cm("compression_ratio", "computed")) or "n.a.",
            fmt_int(cm("zswpwb")) or "0",
            fmt(cm("memcg_zswap_peak_mib", "computed")) or "n.a."])
    return rows


def targets_runs_note(model, lines, size="64K", ref="4K"):
    """The runs behind the zswap set's lines, as a table."""
    pre = size_prefix(size)
    return ("\nThe runs behind these lines (means over ok iterations; pages "
            "unless said; `%s.*` are %s folios, `-` at %s, n.a. where the "
            "kernel has no such counter; majfault = memcg.pgmajfault; comp. "
            "ratio = zswap stored pages x 4096 / pool size at the peak):\n\n"
            % (pre, size, ref)) + md_table(
        ["workload", "backend", "size", "kernel", "n", "write MiB/s",
         "throughput MiB/s (kbuild: elapsed)", "sys s", "pswpout", "pswpin", "zswpout", "zswpin",
         pre + ".swpout", pre + ".swpout_fallback", pre + ".zswpout", pre + ".zswpin",
         pre + ".swpin", pre + ".swpin_fallback", pre + ".swpin_fallback_charge",
         "majfault", "majfault / GiB in", "pages in / majfault", "comp. ratio",
         "zswpwb", "memcg zswap peak MiB"],
        targets_counter_rows(model, lines, size, ref), ["l", "l", "r", "l"] + ["r"] * 21)


def targets_mode(res, meta, cli, sets):
    """The target sets to show (targets.parse_mode): --targets, else meta.json
    "targets" (from the config's TARGETS), else a TARGETS= line of
    RES/boot.conf, else auto."""
    v = cli
    if v is None and isinstance(meta.get("targets"), str):
        v = meta["targets"]
    if v is None:
        try:
            with open(os.path.join(res, "boot.conf"), encoding="utf-8") as f:
                for line in f:
                    line = line.split("#", 1)[0].strip()
                    if line.startswith("TARGETS="):
                        v = line[len("TARGETS="):].strip().strip("\"'")
        except OSError:
            pass
    try:
        return targets.parse_mode(v, sets)
    except targets.TargetsError as e:
        if cli is not None:
            die("--targets: %s" % e)
        warn("TARGETS=%r: %s; using auto" % (v, e))
        return "auto"


# --- plots -------------------------------------------------------------------

class Plotter:
    def __init__(self, plots_dir, rel, enabled):
        self.dir, self.rel = plots_dir, rel
        self.gnuplot = shutil.which("gnuplot") if enabled else None
        self.failed = []
        self.made = []
        self.terminal = None
        self.note = None
        if not enabled:
            self.note = "Plots disabled (--no-plots)."
        elif not self.gnuplot:
            self.note = ("Plots not generated: gnuplot not found "
                         "(Debian: `apt-get install gnuplot-nox`).")
        else:
            os.makedirs(self.dir, exist_ok=True)
            p = subprocess.run([self.gnuplot, "-e", "set terminal pngcairo"],
                               capture_output=True, text=True)
            self.terminal = "pngcairo" if p.returncode == 0 and not p.stderr.strip() \
                else "png"

    @property
    def on(self):
        return self.gnuplot is not None

    def term(self, w=1100, h=500):
        if self.terminal == "pngcairo":
            return ("set terminal pngcairo size %d,%d noenhanced font 'sans,10'"
                    % (w, h))
        return "set terminal png size %d,%d noenhanced" % (w, h)

    def run(self, name, dat_rows, dat_header, gp_body, w=1100, h=500):
        """Write NAME.dat / NAME.gp, call gnuplot; returns markdown image or ''."""
        if not self.on:
            return ""
        dat = os.path.join(self.dir, name + ".dat")
        gp = os.path.join(self.dir, name + ".gp")
        with open(dat, "w", encoding="utf-8") as f:
            f.write("# " + "\t".join(dat_header) + "\n")
            for r in dat_rows:
                f.write("\t".join(r) + "\n")
        script = "\n".join([
            "# generated by bench/report/report.py; re-plot: cd %s && gnuplot %s.gp"
            % ("<plots dir>", name),
            self.term(w, h),
            "set output '%s.png'" % name,
            "set datafile separator '\\t'",
            "set datafile missing '?'",
            gp_body.replace("DAT", "'%s.dat'" % name), ""])
        with open(gp, "w", encoding="utf-8") as f:
            f.write(script)
        p = subprocess.run([self.gnuplot, name + ".gp"], cwd=self.dir,
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.stderr.write("report.py: gnuplot failed on %s (exit %d):\n%s\n"
                             % (gp, p.returncode, p.stderr.rstrip()))
            self.failed.append(gp)
            return "*(plot %s failed: gnuplot error, see `%s`)*\n" % (name, gp)
        if p.stderr.strip():
            warn("gnuplot %s: %s" % (gp, p.stderr.strip()))
        self.made.append(os.path.join(self.dir, name + ".png"))
        return "![%s](%s/%s.png)\n" % (name, self.rel, name)


def num_s(v):
    return "?" if not is_num(v) else "%.6g" % v


def plot_metric(pl, model, w, metric):
    cells = model.cells(w)
    rows = []
    for b, s in cells:
        r = ["%s %s" % (b, s)]
        for k in (BASE, PATCHED):
            v = model.value(w, b, s, k, "metrics", metric)
            r += [num_s(v["mean"]), num_s(v["min"]), num_s(v["max"])] if v \
                else ["?", "?", "?"]
        rows.append(r)
    if all(x == "?" for r in rows for x in r[1:]):
        return ""
    ylabel = {"throughput_mibs": "MiB/s", "elapsed_s": "seconds",
              "sys_s": "seconds", "user_s": "seconds"}.get(metric, metric)
    better = direction(metric)
    body = "\n".join([
        "set title \"%s: %s (mean; error bars min..max over iterations%s)\""
        % (w, metric, "; %s is better" % better if better else ""),
        "set style data histogram",
        "set style histogram errorbars gap 1 lw 1",
        "set style fill solid 0.85 border -1",
        "set boxwidth 0.9",
        "set key outside top center horizontal",
        "set grid ytics",
        "set ylabel '%s'" % ylabel,
        "set yrange [0:*]",
        "set xtics rotate by 35 right" if len(cells) > 6 else "set xtics nomirror",
        "set bmargin %d" % (6 if len(cells) > 6 else 3),
        "plot DAT using 2:3:4:xtic(1) title 'baseline' lc rgb '%s', \\\n"
        "     '' using 5:6:7 title 'patched' lc rgb '%s'"
        % (PLOT_COLOURS[BASE], PLOT_COLOURS[PATCHED])])
    return pl.run("%s-%s" % (w, metric), rows,
                  ["config", "baseline_mean", "baseline_min", "baseline_max",
                   "patched_mean", "patched_min", "patched_max"], body)


def plot_counters(pl, model, w):
    """Two panels (baseline above, patched below) sharing the x axis: per
    (backend, size>4K) cluster, pages out whole, pages out split, zswpout,
    pswpout."""
    rows, vals, have = [], [], {BASE: False, PATCHED: False}
    for b, s in model.cells(w):
        pre, fp = size_prefix(s), folio_pages(s)
        if not pre:
            continue
        row = ["%s %s" % (b, s)]
        for k in (BASE, PATCHED):
            c = model.st(w, b, s, k)
            if not c or c["n"] == 0:
                row += ["?"] * 4
                continue

            def cm(n):
                v = c["counters"].get(n)
                return v["mean"] if v else None
            so, fb = cm(pre + ".swpout"), cm(pre + ".swpout_fallback")
            ser = [so * fp if so is not None else None,
                   fb * fp if fb is not None else None,
                   cm("zswpout"), cm("pswpout")]
            pos = [v for v in ser if is_num(v) and v > 0]
            vals += pos
            have[k] = have[k] or bool(pos)
            row += [num_s(v) if is_num(v) and v > 0 else "?" for v in ser]
        rows.append(row)
    if not rows or not vals:
        return ""
    logy = max(vals) / min(vals) > 100
    if logy:
        lo = 10 ** math.floor(math.log10(min(vals)))
        hi = 10 ** math.ceil(math.log10(max(vals) * 1.05))
        yr = "set logscale y\nset yrange [%g:%g]" % (lo, hi)
    else:
        yr = "set yrange [0:%g]" % (max(vals) * 1.08)
    titles = ["out whole (size.swpout x folio pages)",
              "split (fallback x folio pages)", "zswpout", "pswpout"]

    def panel(k, first_col, labels):
        cols = []
        for i in range(4):
            u = "%d%s" % (first_col + i, ":xtic(1)" if labels and i == 0 else "")
            cols.append("%s using %s title '%s' lc rgb '%s'"
                        % ("DAT" if i == 0 else "''", u, titles[i],
                           SERIES_COLOURS[i]))
        return "\n".join([
            "set label 1 '%s' at graph 0.005, graph 0.95 left front" % k,
            "plot " + ", \\\n     ".join(cols)])
    # A kernel with no bars at all (a workload run on one kernel only)
    # gets no panel: gnuplot cannot draw a panel without a valid point.
    if have[BASE] and have[PATCHED]:
        panels = ["set tmargin at screen 0.88", "set bmargin at screen 0.53",
                  "unset xtics", panel(BASE, 2, False), "unset key",
                  "set tmargin at screen 0.51", "set bmargin at screen 0.16",
                  "set xtics rotate by 35 right nomirror", panel(PATCHED, 6, True)]
    else:
        k = BASE if have[BASE] else PATCHED
        panels = ["set tmargin at screen 0.88", "set bmargin at screen 0.16",
                  "set xtics rotate by 35 right nomirror",
                  panel(k, 2 if k == BASE else 6, True)]
    body = "\n".join([
        "set style data histogram",
        "set style histogram clustered gap 1",
        "set style fill solid 0.85 border -1",
        "set boxwidth 0.9",
        "set grid ytics",
        "set ylabel '4K pages%s'" % (" (log scale)" if logy else ""),
        yr.replace("\\n", "\n"),
        "set lmargin 12",
        "set rmargin 2",
        "set multiplot title \"%s: where swapped-out pages went "
        "(means of ok runs; 4K pages; a missing bar is 0)\"" % w,
        "set key at screen 0.5, screen 0.935 center top horizontal maxcols 4 width -12 "
        "samplen 2",
    ] + panels + ["unset multiplot"])
    return pl.run("%s-counters" % w, rows,
                  ["config"] + ["%s_%s" % (k, n) for k in (BASE, PATCHED)
                                for n in ("whole_pages", "fallback_pages",
                                          "zswpout", "pswpout")],
                  body, h=760)


# --- report ------------------------------------------------------------------

def header_section(meta, model, title, doc_header):
    # the series the run is of (scripts/docs-check.sh compares it with the
    # work tree's); runs from before bench.sh recorded it say "unknown"
    out = ["<!-- series-id: %s -->\n# %s\n\n" % (meta.get("series_id") or "unknown", title)]
    if doc_header:
        out.append(doc_header.rstrip() + "\n\n")
    st, fi = meta.get("started"), meta.get("finished")
    dur = ""
    try:
        a = datetime.datetime.fromisoformat(str(st).replace("Z", "+00:00"))
        b = datetime.datetime.fromisoformat(str(fi).replace("Z", "+00:00"))
        dur = " (%s)" % str(b - a).split(".")[0]
    except (ValueError, TypeError):
        pass
    host, guest = meta.get("host") or {}, dict(meta.get("guest") or {})
    # disk_mibs: QEMU throttling of the guest's disks (DISK_MIBS), if any
    dm = guest.pop("disk_mibs", "")
    guest["disks"] = ("throttled to %s MiB/s read and write" % dm) if dm \
        else "unthrottled (host page cache)"

    def kv(d):
        return ", ".join("%s %s" % (k, v) for k, v in d.items()) \
            if isinstance(d, dict) else str(d)
    lines = [
        ("Results", "`%s`" % model.res),
        ("Series", "`%s` (`make series-id`)" % (meta.get("series_id") or "unknown")),
        ("Command", "`%s`" % meta["command"] if meta.get("command") else ""),
        ("Config", "`%s`%s" % (meta.get("config"), " (quick)" if meta.get("quick")
                               else "") if meta.get("config") else ""),
        ("Started / finished", "%s / %s%s%s" % (
            st or "?", fi or "?", dur,
            "; interrupted, resumed %s (scripts/bench.sh --resume)" % meta["resumed"]
            if meta.get("resumed") else "")),
        ("Iterations", str(meta.get("iterations", "?")) + (
            "; kernel builds %s" % meta["kbuild_iterations"]
            if meta.get("kbuild_iterations", meta.get("iterations")) != meta.get("iterations") else "")),
        ("Host", kv(host)),
        ("Guest", kv(guest)),
        ("Runs", "%d files: %d ok, %d failed%s; %d under host load%s" % (
            len(model.runs) + len(model.bad), len(model.ok_runs),
            len(model.failed), ", %d unreadable" % len(model.bad)
            if model.bad else "", len(model.loaded),
            " (left out)" if model.exclude_loaded and model.loaded else "")),
        ("Order", order_text(model, meta)),
        ("A/A check", "both sides booted %s" % aa_kernel(meta) if aa_kernel(meta) else ""),
    ]
    out.append(md_table(["", ""], [[a, b] for a, b in lines if b], ["l", "l"]))
    out.append("\n" + EMULATION_NOTE + "\n\n")
    ks = meta.get("kernels") or {}
    if isinstance(ks, dict) and ks:
        rows = [[k, (v or {}).get("uname", ""), "`%s`" % (v or {})["commit"]
                 if (v or {}).get("commit") else ""]
                for k, v in sorted(ks.items(),
                                   key=lambda kv_: order_key(KERNEL_ORDER, kv_[0]))
                if isinstance(v, dict) or v is None]
        out.append(md_table(["kernel", "uname", "commit"], rows, ["l", "l", "l"]))
        out.append("\n")
    series = meta.get("series")
    if isinstance(series, list) and series:
        out.append("<details><summary>Patch series (%d patches)</summary>\n\n"
                   % len(series))
        out.extend("%d. %s\n" % (i + 1, p) for i, p in enumerate(series))
        out.append("\n</details>\n\n")
    out.append(STATS_NOTE + "\n\n")
    return "".join(out)


def write_headline(path, meta, model, sum_md, sum_data, t_data):
    """The block README.md shows (scripts/bench.sh --publish puts it between
    its markers): the series id, the run, the verdicts of the summary
    table, the target tallies and the table itself."""
    tally = {v: sum(1 for d in sum_data if d["verdict"] == v) for v in VERDICTS}
    out = ["<!-- series-id: %s -->\n" % (meta.get("series_id") or "unknown"),
           "Against 6.12, from the latest `make bench-publish` (series `%s`, run "
           "`%s`, %s, %s iterations; docs/performance.md has the rest): of %d "
           "configurations, %s.\n\n" % (
               meta.get("series_id") or "unknown", os.path.basename(model.res.rstrip("/")),
               str(meta.get("started") or "?")[:10], meta.get("iterations", "?"),
               len(sum_data), ", ".join("%d %s" % (tally[v], v) for v in VERDICTS if tally[v]))]
    for d in t_data:
        t = {v: sum(1 for x in d["lines"] if x["verdict"] == v) for v in ("PASS", "FAIL", "n.a.")}
        out.append("Targets, %s: %d PASS, %d FAIL, %d n.a.\n\n" % (
            d["title"], t["PASS"], t["FAIL"], t["n.a."]))
    out.append(sum_md)
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write("".join(out))
    except OSError as e:
        die("--headline: %s" % e)


def build(args):
    res = args.res.rstrip("/") or "/"
    if not os.path.isdir(res):
        die("%s: not a directory" % res)
    meta = load_meta(res)
    runs, bad = load_runs(res)
    model = Model(res, meta, runs, bad, args.exclude_host_load)
    out_path = args.out or os.path.join(res, "report.md")
    plots_dir = args.plots or os.path.join(res, "plots")
    rel = os.path.relpath(os.path.abspath(plots_dir),
                          os.path.dirname(os.path.abspath(out_path)))
    rel = rel.replace(os.sep, "/")
    doc_header = None
    if args.doc_header:
        try:
            with open(args.doc_header, encoding="utf-8") as f:
                doc_header = f.read()
        except OSError as e:
            die("--doc-header: %s" % e)
    pl = Plotter(plots_dir, rel, not args.no_plots)

    md = [header_section(meta, model, args.title, doc_header)]

    # overview of the primary metric
    per_wl = {}
    for w in model.workloads:
        per_wl[w] = workload_summary(model, w)
    ov = []
    for w in model.workloads:
        pm, _, t = per_wl[w]
        ov.append([w, pm, len(model.cells(w))] + [t[v] for v in VERDICTS] +
                  [t["host load"]])
    sum_md, sum_data = summary_section(model)
    if sum_md:
        md.append("## Summary: %s\n\n" % (
            "A/A check, both sides %s" % aa_kernel(meta) if aa_kernel(meta)
            else "the series against 6.12"))
        md.append("Per workload, backend and folio size: the ratio on the workload's "
                  "primary metric, oriented so that > 1 is better for the patched "
                  "kernel, its %d%% interval and the verdict (the rule below, "
                  "\"Statistics\"). A configuration counts against the series "
                  "only when it is \"worse\" (the upper bound below 1); "
                  "\"inconclusive\": this run cannot tell.\n\n" % (CI_LEVEL * 100)
                  + sum_md + "\n")
    md.append("## Overview\n\n")
    md.append("Verdicts on the primary metric, one per configuration run on both "
              "kernels (rule above; \"host load\": of them, how many rest on a "
              "run under host load).\n\n")
    md.append(md_table(["workload", "primary metric", "configs"] + list(VERDICTS) +
                       ["host load"], ov))
    md.append("\n")
    aa_md, aa_data = aa_section(model, meta)
    if aa_md:
        md.append("## A/A check\n\n" + aa_md + "\n")

    try:
        tsets = targets.load()
        targets.check_notes(tsets)
    except targets.TargetsError as e:
        die("bench/targets.conf: %s" % e)
    tmode = targets_mode(res, meta, args.targets, tsets)
    if aa_kernel(meta) and args.targets is None:
        # both sides are one kernel: a target has nothing to judge
        tmode = "none"
    fio_md, fio_data = fio_sections(res)
    t_data = []
    for title, t_md, data in targets.sections(sys.modules[__name__], model, tmode,
                                              fio_data, tsets):
        md.append("## Targets: %s\n\n" % title + t_md + "\n")
        t_data.append(data)

    md.append("## Ceilings\n\n### Block devices (fio)\n\n")
    md.append(fio_md + "\n")
    md.append("### Compressors (compbench)\n\n")
    cb, cb_notes = load_compbench(res)
    md.append(compbench_section(cb, cb_notes) + "\n")

    md.append("## zswap vs its ceiling\n\n")
    zc_md, zc_data = zswap_ceiling_section(
        model, cb, ((meta.get("guest") or {}).get("cpus") if isinstance(meta, dict) else None) or "the")
    md.append(zc_md + "\n")

    md.append("## Corpus\n\n")
    corp_md, corp = corpus_section(res)
    md.append(corp_md + "\n")

    for w in model.workloads:
        pm, table, _ = per_wl[w]
        md.append("## Workload %s\n\n" % w)
        params = {}
        for r in model.ok_runs:
            if r.workload == w:
                for k, v in r.params.items():
                    if k != "effective_limit":
                        params.setdefault(k, [])
                        if v not in params[k]:
                            params[k].append(v)
        if params:
            md.append("Parameters: " + ", ".join(
                "%s=%s" % (k, "/".join(str(x) for x in v))
                for k, v in params.items()) + ".\n\n")
        md.append("Primary metric: `%s` (%s is better).\n\n"
                  % (pm, direction(pm) or "?"))
        md.append(table + "\n")
        if pl.on:
            for m in (pm, "sys_s") if pm != "sys_s" else (pm,):
                img = plot_metric(pl, model, w, m)
                if img:
                    md.append(img + "\n")
        md.append("### %s counters\n\n" % w)
        md.append(workload_counters(model, w) + "\n")
        if pl.on:
            img = plot_counters(pl, model, w)
            if img:
                md.append(img + "\n")

    md.append("## Gaps\n\n")
    gaps_md, gaps_data = gaps_section(model)
    md.append(gaps_md + "\n")

    md.append("## Host load\n\n")
    hl_md, hl_data = host_load_section(model)
    md.append(hl_md + "\n")

    md.append("## Failures\n\n")
    if not model.failed and not model.bad:
        md.append("None: every run reported ok.\n\n")
    else:
        rows = [[os.path.basename(r.path), r.workload, r.backend, r.size,
                 r.kernel, "" if r.iteration is None else r.iteration,
                 str(r.error) if r.error is not None else "(no error given)"]
                for r in sorted(model.failed, key=lambda r: (r.cfg, r.iteration or 0))]
        rows += [[os.path.basename(f), "", "", "", "", "", "unreadable: " + e]
                 for f, e in model.bad]
        md.append("Excluded from all statistics.\n\n")
        md.append(md_table(["file", "workload", "backend", "size", "kernel",
                            "iteration", "error"], rows,
                           ["l", "l", "l", "r", "l", "r", "l"]))
        md.append("\n")

    if pl.note:
        md.append("## Plots\n\n" + pl.note + "\n\n")
    elif pl.failed:
        md.append("## Plots\n\n%d plot(s) failed: %s\n\n"
                  % (len(pl.failed), ", ".join("`%s`" % f for f in pl.failed)))

    md.append("---\nGenerated by `bench/report/report.py` on %s.\n"
              % datetime.datetime.now(datetime.timezone.utc)
              .strftime("%Y-%m-%dT%H:%M:%SZ"))

    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("".join(md))

    summary = {
        "schema": "lfswap-bench-summary/1",
        "generated": datetime.datetime.now(datetime.timezone.utc)
        .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "results": os.path.abspath(res),
        "meta": meta,
        "statistics_rule": {
            "ratio": "of the geometric means, > 1 better for patched (baseline/patched "
                     "for lower-is-better, patched/baseline otherwise); of the "
                     "arithmetic means, without an interval, when a value is <= 0 "
                     "(ratio_of_means says which)",
            "interval": "Welch t on the logs: exp(mean log A - mean log B +- t(df) * "
                        "sqrt(var log A / nA + var log B / nB)), df Welch-Satterthwaite, "
                        "t the Student quantile; a fixed reference: one-sample t",
            "level": CI_LEVEL,
            "verdicts": {"better": "lower > 1", "not worse": "lower >= %.2f" % NOT_WORSE,
                         "worse": "upper < 1", "inconclusive": "otherwise",
                         "n too small": "n < 2 on a side",
                         "n.a.": "n >= 2 a side but no interval: a value <= 0 (no "
                                 "log) or no variance on either side (degenerate)"},
            "host_load_max": HOST_LOAD_MAX},
        "aa": aa_data,
        "host_load": hl_data,
        "runs": {"total": len(runs) + len(bad), "ok": len(model.ok_runs),
                 "failed": len(model.failed), "unreadable": len(bad)},
        "configs": [model.configs[k] for k in sorted(
            model.configs, key=lambda k: (order_key(WORKLOAD_ORDER, k[0]),
                                          order_key(BACKEND_ORDER, k[1]),
                                          size_key(k[2]),
                                          order_key(KERNEL_ORDER, k[3])))],
        "comparisons": model.comparisons(),
        "zswap_vs_ceiling": zc_data,
        "gaps": gaps_data,
        "targets": t_data,
        "summary": sum_data,
        "ceilings": {"fio": fio_data, "compbench": cb},
        "corpus": corp,
        "failures": [{"file": os.path.relpath(r.path, res), "workload": r.workload,
                      "backend": r.backend, "size": r.size, "kernel": r.kernel,
                      "iteration": r.iteration, "error": r.error}
                     for r in model.failed] +
                    [{"file": os.path.relpath(f, res), "error": "unreadable: " + e}
                     for f, e in bad],
        "plots": [os.path.relpath(p, res) for p in pl.made],
    }
    if args.headline:
        write_headline(args.headline, meta, model, sum_md, sum_data, t_data)
    with open(os.path.join(res, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(clean_json(summary), f, indent=1, allow_nan=False)
        f.write("\n")

    if aa_data:
        print(aa_data["line"])
    print("report: %s" % out_path)
    print("summary: %s" % os.path.join(res, "summary.json"))
    if pl.on:
        print("plots: %d in %s" % (len(pl.made), plots_dir))
    elif pl.note:
        print(pl.note)
    if pl.failed:
        die("%d gnuplot call(s) failed: %s" % (len(pl.failed), ", ".join(pl.failed)),
            3)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("res", metavar="RES", help="results directory of `make bench`")
    ap.add_argument("--out", help="markdown report (default RES/report.md)")
    ap.add_argument("--plots", help="plot directory (default RES/plots)")
    ap.add_argument("--title", default=DEFAULT_TITLE)
    ap.add_argument("--doc-header", metavar="FILE",
                    help="markdown inserted right under the title")
    ap.add_argument("--no-plots", action="store_true", help="skip gnuplot")
    ap.add_argument("--headline", metavar="FILE",
                    help="also write the short block README.md shows (summary "
                    "table, verdict and target tallies) to FILE")
    ap.add_argument("--targets", metavar="SETS",
                    help="the Targets sections: auto (each set of bench/targets.conf "
                    "whose runs are there), none, or set names (zswap, swapin, v2; "
                    "comma-separated); default: the config's TARGETS, else auto")
    ap.add_argument("--exclude-host-load", action="store_true",
                    help="leave runs under host load (other CPU > %d%%%%) out of "
                    "the statistics instead of marking their verdicts"
                    % (HOST_LOAD_MAX * 100))
    build(ap.parse_args(argv))


if __name__ == "__main__":
    main()
