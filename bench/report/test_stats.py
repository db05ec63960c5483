#!/usr/bin/env python3
"""Tests of report.py's statistics: the Student t quantile (standard
library only) against a table, closed forms and numerical integration,
and the Welch t interval on the logs (ratio_ci) and its verdicts.

Usage: python3 bench/report/test_stats.py   (or python3 -m unittest from
this directory). No dependencies; about a second.
"""

import math
import os
import statistics
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402


def t_pdf(x, df):
    return math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)
                    - 0.5 * math.log(df * math.pi)
                    - (df + 1) / 2 * math.log1p(x * x / df))


def t_cdf_simpson(t, df, steps=20000):
    """P(T <= t), t >= 0, by Simpson's rule on the density: independent of
    the incomplete beta function the report uses."""
    h = t / steps
    s = t_pdf(0, df) + t_pdf(t, df)
    s += sum((4 if i % 2 else 2) * t_pdf(i * h, df) for i in range(1, steps))
    return 0.5 + s * h / 3


class TQuantile(unittest.TestCase):
    # t_{0.975} from the usual tables (3 decimals)
    TABLE = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 10: 2.228,
             30: 2.042, 1000: 1.962}

    def test_table_0975(self):
        for df, t in self.TABLE.items():
            self.assertAlmostEqual(report.t_ppf(0.975, df), t, places=3, msg="df=%s" % df)

    def test_closed_forms(self):
        for p in (0.6, 0.9, 0.95, 0.975, 0.995, 0.9995):
            # df = 1 (Cauchy) and df = 2
            self.assertAlmostEqual(report.t_ppf(p, 1), math.tan(math.pi * (p - 0.5)),
                                   delta=1e-9 * max(1, math.tan(math.pi * (p - 0.5))))
            self.assertAlmostEqual(report.t_ppf(p, 2),
                                   (2 * p - 1) / math.sqrt(2 * p * (1 - p)), places=9)
            # df = 4: t = 2 sqrt(q - 1), q = cos(acos(sqrt(a)) / 3) / sqrt(a), a = 4p(1-p)
            a = 4 * p * (1 - p)
            q = math.cos(math.acos(math.sqrt(a)) / 3) / math.sqrt(a)
            self.assertAlmostEqual(report.t_ppf(p, 4), 2 * math.sqrt(q - 1), places=9)

    def test_symmetry_and_normal_limit(self):
        for df in (1, 2.5, 7.3, 40):
            self.assertAlmostEqual(report.t_ppf(0.025, df), -report.t_ppf(0.975, df), places=12)
            self.assertEqual(report.t_ppf(0.5, df), 0.0)
        z = statistics.NormalDist().inv_cdf(0.975)
        self.assertAlmostEqual(report.t_ppf(0.975, 1e7), z, places=6)
        self.assertAlmostEqual(report.t_ppf(0.975, math.inf), z, places=12)

    def test_fractional_df(self):
        # the quantile's CDF by numerical integration is the level
        for df in (1.3, 2.5, 3.7, 4.02, 7.5, 17.9):
            for p in (0.9, 0.975):
                t = report.t_ppf(p, df)
                self.assertAlmostEqual(t_cdf_simpson(t, df), p, places=7,
                                       msg="df=%s p=%s" % (df, p))
        # monotone in df, between its integer neighbours
        for df in (1.5, 2.5, 3.5, 4.5):
            lo, mid, hi = (report.t_ppf(0.975, x) for x in (df + 0.5, df, df - 0.5))
            self.assertTrue(lo < mid < hi, (df, lo, mid, hi))

    def test_bad_arguments(self):
        for p, df in ((0, 3), (1, 3), (0.5, 0), (0.9, -1)):
            with self.assertRaises(ValueError):
                report.t_ppf(p, df)


class WelchLogInterval(unittest.TestCase):
    def test_by_hand(self):
        a, b = [10.0, 11.0, 12.5], [9.0, 9.5, 10.5]
        la, lb = [math.log(x) for x in a], [math.log(x) for x in b]
        va, vb = statistics.variance(la) / 3, statistics.variance(lb) / 3
        df = (va + vb) ** 2 / (va ** 2 / 2 + vb ** 2 / 2)
        d = statistics.fmean(la) - statistics.fmean(lb)
        h = report.t_ppf(0.975, df) * math.sqrt(va + vb)
        r, ci, why = report.ratio_ci(a, b)
        self.assertIsNone(why)
        self.assertAlmostEqual(r, math.exp(d), places=12)
        self.assertAlmostEqual(ci[0], math.exp(d - h), places=12)
        self.assertAlmostEqual(ci[1], math.exp(d + h), places=12)
        self.assertTrue(2 <= df <= 4)

    def test_reciprocal(self):
        a, b = [3.1, 2.9, 3.3, 3.0], [2.0, 2.4, 2.2]
        r, ci, _ = report.ratio_ci(a, b)
        r2, ci2, _ = report.ratio_ci(b, a)
        self.assertAlmostEqual(r * r2, 1.0, places=12)
        self.assertAlmostEqual(ci[0] * ci2[1], 1.0, places=12)
        self.assertAlmostEqual(ci[1] * ci2[0], 1.0, places=12)

    def test_one_side_constant(self):
        # df = n - 1 of the side with variance
        a, b = [5.0, 5.0, 5.0], [4.0, 4.4, 4.2]
        r, ci, why = report.ratio_ci(a, b)
        lb = [math.log(x) for x in b]
        h = report.t_ppf(0.975, 2) * math.sqrt(statistics.variance(lb) / 3)
        self.assertAlmostEqual(math.log(ci[1] / r), h, places=12)

    def test_exact_reference(self):
        a = [0.05, 0.06, 0.055]
        r, ci, why = report.ratio_ci(a, [1.0], den_exact=True)
        la = [math.log(x) for x in a]
        h = report.t_ppf(0.975, 2) * statistics.stdev(la) / math.sqrt(3)
        self.assertAlmostEqual(math.log(ci[1] / r), h, places=12)

    def test_degenerate_and_undefined(self):
        self.assertEqual(report.ratio_ci([2.0, 2.0], [1.0, 1.0]), (2.0, None, "no variance"))
        self.assertEqual(report.ratio_ci([2.0, 0.0, 1.0], [1.0, 1.1]), (None, None, "a value <= 0"))
        self.assertEqual(report.ratio_ci([2.0, -1.0], [1.0, 1.1])[2], "a value <= 0")
        self.assertEqual(report.ratio_ci([2.0], [1.0, 1.1])[2], "n too small")

    def test_compare_verdicts(self):
        def st(vals):
            return report.describe(vals)
        # elapsed_s: lower is better, so the oriented ratio is baseline / patched
        c = report.compare(st([100, 101, 99]), st([80, 81, 79]), "elapsed_s")
        self.assertEqual(c["verdict"], "better")
        self.assertGreater(c["ci"][0], 1)
        c = report.compare(st([100, 101, 99]), st([130, 131, 129]), "elapsed_s")
        self.assertEqual(c["verdict"], "worse")
        c = report.compare(st([100, 101, 99]), st([100.5, 100, 99.5]), "write_mibs")
        self.assertEqual(c["verdict"], "not worse")
        c = report.compare(st([100, 120, 80]), st([100, 90, 115]), "write_mibs")
        self.assertEqual(c["verdict"], "inconclusive")
        c = report.compare(st([100]), st([100, 90]), "write_mibs")
        self.assertEqual(c["verdict"], "n too small")
        c = report.compare(st([0, 2, 1]), st([1, 1, 2]), "pgmajfault")
        self.assertEqual((c["verdict"], c["ci"], c["ratio_of_means"]), ("n.a.", None, "arithmetic"))
        self.assertIn("no log", report.verdict_text(c))
        c = report.compare(st([5, 5]), st([4, 4]), "sys_s")
        self.assertEqual((c["verdict"], c["ci"]), ("n.a.", None))
        self.assertIn("degenerate", report.verdict_text(c))
        c = report.compare(st([0, 0]), st([0, 0]), "pgmajfault")
        self.assertEqual((c["verdict"], c["ratio"]), ("n.a.", None))
        # no direction: a ratio, no interval, no verdict
        c = report.compare(st([3, 4]), st([5, 6]), "pswpout")
        self.assertEqual((c["verdict"], c["ci"]), (None, None))


class WhatWouldCloseIt(unittest.TestCase):
    """A missed target says what would close it: iterations_to_clear where
    only the interval misses, the CLOSE text of bench/targets.conf else."""

    A = [1.10, 1.40, 0.85, 1.30, 0.95, 1.20]
    B = [1.00, 0.80, 1.15, 0.85, 1.10, 0.95]

    def test_iterations_to_clear(self):
        check = report.at_least(1.0)
        ratio, ci, _ = report.ratio_ci(self.A, self.B)
        self.assertGreater(ratio, 1.0)
        self.assertFalse(check(ci))          # the ratio passes, the interval not
        n = report.iterations_to_clear(self.A, self.B, check)
        self.assertIsNotNone(n)
        self.assertGreater(n, len(self.A))
        # at n (the same means and variances) the interval clears, at n - 1 not
        la, lb = [math.log(v) for v in self.A], [math.log(v) for v in self.B]
        d = statistics.fmean(la) - statistics.fmean(lb)
        sa, sb = statistics.variance(la), statistics.variance(lb)

        def lo(k):
            se2 = (sa + sb) / k
            df = se2 * se2 / ((sa / k) ** 2 / (k - 1) + (sb / k) ** 2 / (k - 1))
            return math.exp(d - report.t_ppf(0.975, df) * math.sqrt(se2))
        self.assertGreaterEqual(lo(n), 1.0)
        self.assertLess(lo(n - 1), 1.0)
        # a ratio below the threshold is never cleared; a fixed reference
        self.assertIsNone(report.iterations_to_clear(self.B, self.A, check, n_max=500))
        self.assertIsNotNone(report.iterations_to_clear(self.A, [1.0], report.at_least(1.02),
                                                        den_exact=True))
        self.assertIsNone(report.iterations_to_clear([2.0, 2.0], [1.0, 1.0], check))
        # sides of unequal n: the larger n on both sides may already clear it
        a12 = self.A * 2
        self.assertTrue(check(report.ratio_ci(a12, self.B * 2)[1]))
        self.assertFalse(check(report.ratio_ci(a12, self.B)[1]))
        self.assertEqual(report.iterations_to_clear(a12, self.B, check), 12)

    def test_target_line_notes(self):
        a, b = report.describe(self.A), report.describe(self.B)
        ln = report.target_line("t", "x", "w", "b", (a, None), "A", (b, None), "B",
                                "lower bound >= 1", report.at_least(1.0))
        self.assertEqual(ln["verdict"], "FAIL")
        self.assertIn("iterations a side would just clear it", ln["note"])
        self.assertIn("(now n=6/6; even odds on a rerun)", ln["note"])
        self.assertNotIn("to close it", ln["note"])
        ln = report.target_line("t", "x", "w", "b", (b, None), "A", (a, None), "B",
                                "lower bound >= 1", report.at_least(1.0), close="do X")
        self.assertEqual(ln["verdict"], "FAIL")
        self.assertIn("to close it: do X", ln["note"])
        ln = report.target_line("t", "x", "w", "b", (b, None), "A", (a, None), "B",
                                "lower bound >= 1", report.at_least(1.0))
        self.assertIn("to close it: " + report.targets.NO_CLOSE, ln["note"])

    def test_targets_conf_close(self):
        import tempfile
        import targets
        line = ("s | t | usemem-seq | zram | patched 64K | baseline 64K | metrics.read_mibs | "
                "at-least | 1.0 | | why")
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "t.conf")
            for tail, close in (("", {}), (" | what it lacks", {"*": "what it lacks"})):
                with open(p, "w") as f:
                    f.write("@set s | T | about\n" + line + tail + "\n")
                self.assertEqual(targets.load(p)["s"]["lines"][0]["close"], close)
            for tail, want in ((" | [zram] fix a", {"zram": "fix a"}),):
                with open(p, "w") as f:
                    f.write("@set s | T | about\n" + line + tail + "\n")
                ln = targets.load(p)["s"]["lines"][0]
                self.assertEqual(ln["close"], want)
                self.assertEqual(targets.close_for(ln, "zram"), "fix a")
                self.assertEqual(targets.close_for(ln, "disk"), "")
            for bad in (" | ", " | a | b", " | [disk] not a backend of the line", " | [zram]",
                        " | [zram] a [zram] b", " | text [zram] b", " | [zram] a ] b"):
                with open(p, "w") as f:
                    f.write("@set s | T | about\n" + line + bad + "\n")
                self.assertRaises(targets.TargetsError, targets.load, p)
        # the file itself parses, and the frag target says what would close it
        frag = targets.load()["frag"]["lines"][0]
        self.assertTrue(targets.close_for(frag, "disk"))
        self.assertEqual(targets.close_for(frag, "zram"), "")


if __name__ == "__main__":
    unittest.main()
