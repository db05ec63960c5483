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
import json
import os
import statistics
import sys

import targets
from common import *  # noqa: F401,F403
from model import *  # noqa: F401,F403
from ceilings import *  # noqa: F401,F403
from plots import *  # noqa: F401,F403
from stats import (  # noqa: F401  report.* of test_stats.py, ci-sim.py
    CI_LEVEL, NOT_WORSE, VERDICTS, HIGHER_BETTER, LOWER_BETTER, LOWER_BETTER_SUBSTR,
    is_num, direction, describe, betainc, t_sf, t_ppf,
    geo_ratio, ratio_ci, verdict_of, NA_NOTES, compare, overlap_flag, iterations_to_clear)

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

def units_sides(meta):
    """zswap.unit_size per label when the two sides differ in it (both may
    boot one kernel: configs/zswap-units.conf), else None."""
    u = meta.get("zswap_unit_sizes")
    if isinstance(u, dict) and len(set(u.values())) > 1:
        return u
    return None


def aa_kernel(meta):
    """What both sides booted in an A/A check, else None: meta.json "aa"
    (make bench-aa), or both labels built from one commit (a run made while
    patches/series was empty)."""
    aa = meta.get("aa")
    if units_sides(meta):
        return None
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
    if seed is None and len(meta.get("parts") or []) > 1:
        seed = "per part (%s)" % ", ".join("%s %s" % (p.get("part"), p.get("seed"))
                                           for p in meta["parts"] if isinstance(p, dict))
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


# The most iterations a side a missed target's note looks for
# (iterations_to_clear).
ITERATIONS_MAX = 100


def target_line(tid, target, w, b, a, ak, bv, bk, rule, check, note="", na=None, close=""):
    """One target line: A / B (the ratio of the geometric means), its Welch
    t interval (ratio_ci) and check(interval) (at_least, at_most, ...) for
    the verdict. a, bv: (describe() or None, why-missing or None); a B with
    "exact" is a fixed reference without variance (a one-sample interval
    on A). na: a reason to print the ratio but give no verdict. A line that
    fails says what would close it: where the ratio alone would pass, the
    iterations a side that would clear the interval at the measured
    variance (iterations_to_clear); else close, the target's CLOSE text
    in bench/targets.conf (what the kernel lacks), when it has one."""
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
        n = iterations_to_clear(a[0]["values"], bv[0]["values"], check, den_exact=exact,
                                n_max=ITERATIONS_MAX)
        side = "of %s" % ak if exact else "a side"
        now = "now n=%d" % a[0]["n"] if exact else "now n=%d/%d" % (a[0]["n"], bv[0]["n"])
        more = ("%d iterations %s would just clear it if the geometric means and the "
                "variances of the logs stayed as measured (%s; even odds on a rerun)"
                % (n, side, now)) if n else \
            ("more than %d iterations %s would be needed at the measured variances (%s)"
             % (ITERATIONS_MAX, side, now))
        line["note"] = "; ".join(x for x in (
            "the ratio passes, its interval does not: " + more, line["note"]) if x)
        if not n:
            line["note"] += "; to close it: " + (close or targets.NO_CLOSE)
    elif line["verdict"] == "FAIL":
        line["note"] = "; ".join(x for x in (line["note"], "to close it: " + (close or targets.NO_CLOSE))
                                 if x)
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


# --- report ------------------------------------------------------------------

def header_section(meta, model, title, doc_header):
    # the series the run is of (scripts/docs-check.sh compares it with the
    # work tree's); runs from before bench.sh recorded it say "unknown"
    out = ["<!-- series-id: %s -->\n" % (meta.get("series_id") or "unknown")]
    parts, missing = parts_of(meta)
    if missing:
        # scripts/docs-check.sh lists a document with parts still to run
        out.append("<!-- bench-parts-missing: %s: %s -->\n" % (meta.get("config"), " ".join(missing)))
    out.append("# %s\n\n" % title)
    if missing:
        out.append("**Incomplete**: this report has %d of the %d parts of `%s`; "
                   "not run yet on this series: %s (`make bench-publish CONFIG=%s "
                   "PART=<backend>`, one session each or more). Every ratio below "
                   "compares runs of one part, so it stands; the targets and the "
                   "summary cover the parts that are here.\n\n"
                   % (len(parts), len(parts) + len(missing), meta.get("config"),
                      ", ".join("`%s`" % m for m in missing), meta.get("config")))
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
        ("Results", "`%s`" % model.res if not parts else
         ("published run (bench/published/): " if len(parts) == 1 and parts[0].get("part") == "all"
          else "published parts (bench/published/, bench/report/published.py), each a run of its own: ")
         + "; ".join("`%s` %s, %s to %s, %s runs%s" % (
             p.get("part"), "`%s`" % p["results"] if p.get("results") else "",
             p.get("started") or "?", p.get("finished") or "?", p.get("runs", "?"),
             ", resumed %s" % p["resumed"] if p.get("resumed") else "") for p in parts)),
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
        ("Parts differ in", ", ".join(meta.get("parts_differ") or []) +
         " (the values above are the first part's; each part's in meta.json `parts`)"
         if meta.get("parts_differ") else ""),
        ("Ceilings", "measured in the session of part `%s`; the ratios of other parts' "
         "runs to them compare two sessions' measurements (information only)"
         % meta["ceilings_part"] if meta.get("ceilings_part") and len(parts) > 1 else ""),
        ("Corpus", "the one below is part `%s`'s; each part captured its own at its start "
         "(bench/corpus/capture.sh) and ran both kernels on it"
         % meta["corpus_part"] if meta.get("corpus_part") and len(parts) > 1 else ""),
        ("A/A check", "both sides booted %s" % aa_kernel(meta) if aa_kernel(meta) else ""),
        ("zswap.unit_size", "; ".join("`%s` boots ran with %s units" % (k, v)
                                      for k, v in sorted(units_sides(meta).items()))
         + " (both on the kernel the table below names)" if units_sides(meta) else ""),
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


def parts_of(meta):
    """(parts, missing) of a report made from bench/published/: the part
    records of meta.json (one, "all", for a run published whole), and the
    parts of the configuration not run yet; ([], []) for the results
    directory of a run."""
    parts = meta.get("parts") if isinstance(meta.get("parts"), list) else []
    parts = [p for p in parts if isinstance(p, dict)]
    missing = meta.get("parts_missing") if isinstance(meta.get("parts_missing"), list) else []
    return parts, [str(m) for m in missing]


def write_headline(path, meta, model, sum_md, sum_data, t_data):
    """The block README.md shows (scripts/bench.sh --publish puts it between
    its markers): the series id, the run, the verdicts of the summary
    table, the target tallies and the table itself."""
    tally = {v: sum(1 for d in sum_data if d["verdict"] == v) for v in VERDICTS}
    parts, missing = parts_of(meta)
    out = ["<!-- series-id: %s -->\n" % (meta.get("series_id") or "unknown")]
    if missing:
        out.append("<!-- bench-parts-missing: %s: %s -->\n" % (meta.get("config"), " ".join(missing)))
    if len(parts) == 1 and parts[0].get("part") == "all":
        run = "run `%s`, %s" % (parts[0].get("results"), str(parts[0].get("started") or "?")[:10])
    elif parts:
        run = "parts %s of `%s`, %s to %s" % (
            ", ".join(str(p.get("part")) for p in parts), meta.get("config"),
            str(meta.get("started") or "?")[:10], str(meta.get("finished") or "?")[:10])
    else:
        run = "run `%s`, %s" % (os.path.basename(model.res.rstrip("/")),
                                str(meta.get("started") or "?")[:10])
    out.append("Against 6.12, from the latest `make bench-publish` (series `%s`, %s, "
               "%s iterations; docs/performance.md has the rest)%s: of %d "
               "configurations, %s.\n\n" % (
                   meta.get("series_id") or "unknown", run, meta.get("iterations", "?"),
                   "; **incomplete**, not run yet: %s" % ", ".join(missing) if missing else "",
                   len(sum_data), ", ".join("%d %s" % (tally[v], v) for v in VERDICTS if tally[v])))
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
    if units_sides(meta) and tmode == "auto":
        # the sides are two unit sizes: only the units set compares those
        tmode = "units"
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
