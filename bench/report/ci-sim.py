#!/usr/bin/env python3
"""Simulate report.py's baseline-vs-patched rule on made-up noise: how
often it flags identical sides (A/A), and what it says of a real loss.
The figures in bench/README.md, "Statistics", come from this script.

Usage: ci-sim.py [--pairs N] [--seed S] [--noise CV] [--report PATH]

Each case draws N pairs of sides with n values each and passes them
through report.py's own describe() and compare() (the verdict of the
workload tables, the overview and the A/A line) on a rate metric
(`write_mibs`, higher is better), and through overlap_flag() (the
min..max rule of earlier reports). Noise: lognormal with sd/mean = CV
(default 0.10) around the side's mean; "normal" cases use normal noise
with the same sd/mean. --report loads another report.py (an older rule)
in place of the one beside this script.
"""

import argparse
import importlib.util
import math
import os
import random
import time

CASES = [
    # (name, n per side, patched mean / baseline mean, noise)
    ("A/A", 3, 1.0, "lognormal"),
    ("A/A", 6, 1.0, "lognormal"),
    ("A/A", 3, 1.0, "normal"),
    ("A/A", 6, 1.0, "normal"),
    ("10% loss", 3, 0.9, "lognormal"),
    ("10% loss", 6, 0.9, "lognormal"),
    ("10% gain", 3, 1 / 0.9, "lognormal"),
]
VERDICTS = ("better", "not worse", "inconclusive", "worse", "n.a.")


def load_report(path):
    spec = importlib.util.spec_from_file_location("report_under_test", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def draw(rng, mean, cv, n, kind):
    if kind == "normal":
        return [rng.gauss(mean, cv * mean) for _ in range(n)]
    sigma = math.sqrt(math.log1p(cv * cv))
    mu = math.log(mean) - sigma * sigma / 2       # the mean is `mean`
    return [rng.lognormvariate(mu, sigma) for _ in range(n)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--noise", type=float, default=0.10, help="sd/mean (default 0.10)")
    ap.add_argument("--report", default=os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "report.py"))
    a = ap.parse_args()
    rep = load_report(a.report)
    print("report: %s; %d pairs a case; noise sd/mean %.2f; metric write_mibs "
          "(higher is better); seed %d" % (a.report, a.pairs, a.noise, a.seed))
    print("%-9s %2s %-9s | %s | %-12s | %s" % (
        "case", "n", "noise", " ".join("%12s" % v for v in VERDICTS),
        "flagged", "min..max rule"))
    for name, n, shift, kind in CASES:
        rng = random.Random("%d|%s|%d|%s|%s" % (a.seed, name, n, shift, kind))
        counts = dict.fromkeys(VERDICTS, 0)
        old = 0
        t0 = time.time()
        for _ in range(a.pairs):
            b = rep.describe(draw(rng, 100.0, a.noise, n, kind))
            p = rep.describe(draw(rng, 100.0 * shift, a.noise, n, kind))
            v = rep.compare(b, p, "write_mibs")["verdict"]
            counts[v if v in counts else "n.a."] += 1
            old += rep.overlap_flag(b, p)
        pct = lambda k: 100.0 * k / a.pairs
        flagged = counts["better"] + counts["worse"]
        print("%-9s %2d %-9s | %s | %5.1f%%       | %5.1f%%   (%.1f s)" % (
            name, n, kind, " ".join("%11.1f%%" % pct(counts[v]) for v in VERDICTS),
            pct(flagged), pct(old), time.time() - t0))


if __name__ == "__main__":
    main()
