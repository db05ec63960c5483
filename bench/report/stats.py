"""Statistics of lfswap's benchmark report: per-configuration description,
the ratio of geometric means with its Welch t interval, and the verdict of
a baseline-vs-patched comparison (bench/README.md, "Statistics").

report.py re-exports every name here (test_stats.py and ci-sim.py use them
as report.*). Python 3 standard library only.
"""

import math
import statistics

# Baseline vs patched (bench/README.md, "Statistics"): the ratio of the
# geometric means, oriented so that > 1 is better for the patched kernel,
# Welch's t interval on the logs of the values for it (ratio_ci) and a
# verdict from its bounds.
CI_LEVEL = 0.95
NOT_WORSE = 0.97                # "not worse": lower bound at least this
# n.a.: n >= 2 a side but no interval (a value <= 0, or no variance)
VERDICTS = ("better", "not worse", "worse", "inconclusive", "n too small", "n.a.")

# Direction of "better". Exact names first, then substrings.
HIGHER_BETTER = {"compression_ratio", "reclaim_efficiency",
                 "swapin_pages_per_majfault"}
LOWER_BETTER = {"elapsed_s", "user_s", "sys_s", "pgmajfault",
                "pgscan_direct", "pgsteal_direct", "zswpwb",
                "swpout_fallback_rate", "fallback_rate", "splits",
                "thp_split_page", "thp_swpout_fallback"}
LOWER_BETTER_SUBSTR = ("fallback", ".split", "majfault", "latency", "lat_")


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) \
        and not (isinstance(v, float) and (math.isnan(v) or math.isinf(v)))


def direction(name):
    """'higher', 'lower' or None (unknown) for a metric or counter name."""
    if name in HIGHER_BETTER:
        return "higher"
    if name in LOWER_BETTER:
        return "lower"
    if name.startswith("throughput") or name.endswith("_mibs"):
        return "higher"
    if any(s in name for s in LOWER_BETTER_SUBSTR):
        return "lower"
    return None


def describe(values, n_loaded=0):
    """n, mean, sd, min, max and the values themselves (for the interval);
    n_loaded: how many of the runs behind them were under host load."""
    vals = [v for v in values if is_num(v)]
    if not vals:
        return None
    n = len(vals)
    return {"n": n,
            "mean": statistics.fmean(vals),
            "sd": statistics.stdev(vals) if n >= 2 else None,
            "min": min(vals), "max": max(vals), "values": vals,
            "n_loaded": n_loaded}


# Student's t quantile, standard library only: the regularized incomplete
# beta function by its continued fraction (modified Lentz), the t
# distribution's tail from it, and the quantile by bisection on the tail.
# Any df > 0, fractional too (Welch's df is). Checked against the table
# values and closed forms in test_stats.py beside this file.

def _beta_cf(a, b, x):
    """The continued fraction of I_x(a, b) (Numerical Recipes' betacf)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 100000):
        m2 = 2 * m
        for num in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                    -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            return h
    raise ArithmeticError("incomplete beta: no convergence (a=%g, b=%g, x=%g)" % (a, b, x))


def betainc(a, b, x, y=None):
    """The regularized incomplete beta function I_x(a, b); y = 1 - x when
    the caller has it without cancellation."""
    y = 1.0 - x if y is None else y
    if x <= 0.0:
        return 0.0
    if y <= 0.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log(y))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_cf(a, b, x) / a
    return 1.0 - front * _beta_cf(b, a, y) / b


def t_sf(t, df):
    """P(T > t) for Student's t with df degrees of freedom (df > 0)."""
    if t < 0:
        return 1.0 - t_sf(-t, df)
    tt = t * t
    # I_x(df/2, 1/2) at x = df / (df + t^2), 1 - x computed apart
    return 0.5 * betainc(df / 2.0, 0.5, df / (df + tt), tt / (df + tt))


def t_ppf(p, df):
    """The p quantile of Student's t with df > 0 degrees of freedom."""
    if not 0.0 < p < 1.0 or not df > 0:
        raise ValueError("t_ppf(%r, %r)" % (p, df))
    if p < 0.5:
        return -t_ppf(1.0 - p, df)
    if p == 0.5:
        return 0.0
    if math.isinf(df) or df > 1e10:
        return statistics.NormalDist().inv_cdf(p)
    tail = 1.0 - p
    lo, hi = 0.0, 1.0
    while t_sf(hi, df) > tail:
        lo, hi = hi, hi * 2.0
        if hi > 1e300:
            return math.inf
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if t_sf(mid, df) > tail:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-13 * hi:
            break
    return (lo + hi) / 2.0


_ci_cache = {}


def geo_ratio(num, den):
    """The ratio of the geometric means, None when a value is <= 0."""
    if not num or not den or min(num) <= 0 or min(den) <= 0:
        return None
    return math.exp(statistics.fmean(map(math.log, num)) -
                    statistics.fmean(map(math.log, den)))


def ratio_ci(num, den, den_exact=False):
    """The ratio of the geometric means of num and den and its Welch t
    interval at CI_LEVEL: (ratio, (lo, hi) or None, why). On the logs of
    the values: the difference of the mean logs, its standard error
    sqrt(s_a^2/n_a + s_b^2/n_b), Welch-Satterthwaite's df and Student's t
    quantile; exponentiated, so the interval is multiplicative and the one
    of den/num is 1/the one of num/den. den_exact: den is a fixed
    reference (one value, no variance), a one-sample interval on num.
    Without an interval, why says why: "n too small" (fewer than 2 values
    a side), "a value <= 0" (no log: ratio None) or "no variance" (every
    value equal on each side: the interval would be the point)."""
    num, den = tuple(num), tuple(den)
    key = (num, den, den_exact)
    if key in _ci_cache:
        return _ci_cache[key]
    out = _ratio_ci(num, den, den_exact)
    _ci_cache[key] = out
    return out


def _ratio_ci(num, den, den_exact):
    if not num or not den or min(num + den) <= 0:
        return None, None, "a value <= 0"
    la, lb = [math.log(v) for v in num], [math.log(v) for v in den]
    d = statistics.fmean(la) - statistics.fmean(lb)
    ratio = math.exp(d)
    if len(num) < 2 or (not den_exact and len(den) < 2):
        return ratio, None, "n too small"
    ci = _welch(d, statistics.variance(la), len(la),
                0.0 if den_exact else statistics.variance(lb), len(lb))
    return (ratio, ci, None) if ci else (ratio, None, "no variance")


def _welch(d, sa, na, sb, nb):
    """The Welch t interval at CI_LEVEL of a difference d of mean logs,
    exponentiated: sa, sb the variances of the logs of the two sides, na,
    nb their sizes (sb 0 for a fixed reference). None without variance."""
    va, vb = sa / na, sb / nb
    se2 = va + vb
    if se2 == 0.0:
        return None
    df = se2 * se2 / (va * va / (na - 1) + (vb * vb / (nb - 1) if vb else 0.0))
    half = t_ppf(1.0 - (1.0 - CI_LEVEL) / 2.0, df) * math.sqrt(se2)
    return (math.exp(d - half), math.exp(d + half))


def iterations_to_clear(num, den, check, den_exact=False, n_max=100):
    """What would close a target whose ratio clears its rule while its
    interval does not: the number of iterations a side (of num alone with
    den_exact) at which check(interval) would pass, were the geometric
    means and the variances of the logs the ones measured: the interval
    would then just clear it, so a rerun with that many clears it about
    half the time. None when the interval is not computable or n_max
    iterations would not do."""
    num, den = tuple(num), tuple(den)
    if len(num) < 2 or (not den_exact and len(den) < 2) or min(num + den) <= 0:
        return None
    la, lb = [math.log(v) for v in num], [math.log(v) for v in den]
    d = statistics.fmean(la) - statistics.fmean(lb)
    sa = statistics.variance(la)
    sb = 0.0 if den_exact else statistics.variance(lb)
    if sa + sb == 0.0:
        return None
    # from the larger side's n: with sides of unequal n (failed runs, runs
    # left out under host load) that n on both may already do
    for n in range(max(len(num), 0 if den_exact else len(den)), n_max + 1):
        if check(_welch(d, sa, n, sb, n)):
            return n
    return None


def verdict_of(ci, n_a, n_b):
    """The verdict of an oriented ratio (> 1: patched better) from its
    interval; the rules are tried in this order. No interval with n >= 2
    a side (a value <= 0, no variance: ratio_ci's why) is "n.a."."""
    if n_a < 2 or n_b < 2:
        return "n too small"
    if ci is None:
        return "n.a."
    lo, hi = ci
    if lo > 1.0:
        return "better"
    if lo >= NOT_WORSE:
        return "not worse"
    if hi < 1.0:
        return "worse"
    return "inconclusive"


# Why a comparison with n >= 2 a side has no interval, for the reader.
NA_NOTES = {"a value <= 0": "a value <= 0: no log, no interval",
            "no variance": "no variance on either side: degenerate, no interval"}


def compare(bs, ps, name):
    """Compare two describe() results. Returns a dict or None."""
    if not bs or not ps:
        return None
    b, p = bs["mean"], ps["mean"]
    if b != 0:
        diff = (p - b) / abs(b) * 100.0
    elif p == 0:
        diff = 0.0
    else:
        diff = None
    d = direction(name)
    # > 1: better for the patched kernel; without a direction, patched /
    # baseline, and no interval: it would serve no verdict (most counters)
    num, den, of = (bs, ps, "baseline / patched") if d == "lower" \
        else (ps, bs, "patched / baseline")
    if d:
        ratio, ci, why = ratio_ci(num["values"], den["values"])
    else:
        ratio, ci, why = geo_ratio(num["values"], den["values"]), None, None
    kind = "geometric"
    if ratio is None:
        # a value <= 0: no geometric mean; the ratio of the arithmetic
        # means, when there is one, for information
        ratio = num["mean"] / den["mean"] if den["mean"] > 0 and num["mean"] >= 0 else None
        kind = "arithmetic" if ratio is not None else None
    note = None
    if d is None:
        v, ci = None, None
    else:
        v = verdict_of(ci, bs["n"], ps["n"])
        note = NA_NOTES.get(why) if v == "n.a." else None
    return {"baseline_mean": b, "patched_mean": p, "diff_pct": diff,
            "n_baseline": bs["n"], "n_patched": ps["n"],
            "direction": d, "ratio": ratio, "ratio_of": of,
            "ratio_of_means": kind,
            "ci": list(ci) if ci else None, "verdict": v, "note": note,
            "host_load": bool(bs.get("n_loaded") or ps.get("n_loaded"))}


def overlap_flag(bs, ps):
    """The rule this report used before (lkp-tests): the [min, max] ranges
    do not overlap, n >= 2 a side. Only for the A/A section's comparison."""
    return bs["n"] >= 2 and ps["n"] >= 2 and \
        (bs["max"] < ps["min"] or ps["max"] < bs["min"])
