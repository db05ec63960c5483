"""Loading a `make bench` results directory (meta.json, runs/*.json) and
the model of a run: its configurations and their statistics.
"""

import glob
import os

from common import *  # noqa: F401,F403
from stats import *  # noqa: F401,F403

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
        # zswap multi-page units: the share of the pages loaded from zswap
        # that were read alone from their unit (kernels with units only)
        part = c.get("zswap.unit_loaded_partial")
        zin = c.get("zswpin")
        if part is not None and zin:
            out["unit_partial_share"] = part / zin
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
