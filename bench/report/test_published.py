#!/usr/bin/env python3
"""Tests of published.py (bench/published/): a configuration published in
parts, merged and reported; what publishing refuses. Made-up data from
make-sample.py. `python3 bench/report/test_published.py` (scripts/test.sh
runs it before the guest)."""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PUB = os.path.join(HERE, "published.py")
SID, CONF = "0123456789ab", "bench/configs/full.conf"


def run(*args, ok=True):
    p = subprocess.run([sys.executable] + list(args), capture_output=True, text=True)
    if ok and p.returncode != 0:
        raise AssertionError("%s: exit %d\n%s%s" % (args, p.returncode, p.stdout, p.stderr))
    return p


class Published(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = tempfile.mkdtemp()
        sample = os.path.join(cls.t, "sample")
        run(os.path.join(HERE, "make-sample.py"), sample, "--iterations", "3")
        cls.parts = {}
        for part in ("zram", "disk", "all"):
            d = os.path.join(cls.t, part)
            shutil.copytree(sample, d)
            m = json.load(open(os.path.join(d, "meta.json")))
            m.update(config=CONF, series_id=SID, part=part, failed_boots=0)
            json.dump(m, open(os.path.join(d, "meta.json"), "w"))
            with open(os.path.join(d, "boot.conf"), "w") as f:
                f.write("ITERATIONS=3\n# resolved by scripts/bench.sh\nPART=%s\n" % part)
            for r in glob.glob(os.path.join(d, "runs", "*.json")):
                rec = json.load(open(r))
                if (part != "all" and rec["backend"] != part) or not rec.get("ok"):
                    os.remove(r)
            if part != "zram":
                shutil.rmtree(os.path.join(d, "ceilings"))
                os.mkdir(os.path.join(d, "ceilings"))
            cls.parts[part] = d
        cls.settings = run(PUB, "settings", os.path.join(cls.parts["zram"], "boot.conf")).stdout.strip()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.t)

    def pubdir(self, name, *parts):
        d = os.path.join(self.t, name)
        os.makedirs(d)
        for p in parts:
            run(PUB, "save", self.parts[p], os.path.join(d, p + ".json.gz"), "--part", p)
        return d

    def prune(self, d, keep, *extra, ok=True):
        return run(PUB, "prune", d, "--series", SID, "--config", CONF,
                   "--settings", self.settings, "--keep", keep, *extra, ok=ok)

    def test_save_is_deterministic(self):
        d = self.pubdir("det", "zram")
        a = open(os.path.join(d, "zram.json.gz"), "rb").read()
        run(PUB, "save", self.parts["zram"], os.path.join(d, "zram.json.gz"), "--part", "zram")
        self.assertEqual(a, open(os.path.join(d, "zram.json.gz"), "rb").read())

    def test_merge_parts_and_report(self):
        d = self.pubdir("two", "zram", "disk")
        out = os.path.join(self.t, "two-merged")
        run(PUB, "merge", d, out, "--series", SID, "--config", CONF, "--parts", "zram disk swapfile")
        meta = json.load(open(os.path.join(out, "meta.json")))
        self.assertEqual([p["part"] for p in meta["parts"]], ["zram", "disk"])
        self.assertEqual(meta["parts_missing"], ["swapfile"])
        self.assertEqual(meta["ceilings_part"], "zram")
        nruns = sum(len(os.listdir(os.path.join(self.parts[p], "runs"))) for p in ("zram", "disk"))
        self.assertEqual(len(os.listdir(os.path.join(out, "runs"))), nruns)
        rep = os.path.join(self.t, "two.md")
        head = os.path.join(self.t, "two-head.md")
        run(os.path.join(HERE, "report.py"), out, "--out", rep, "--headline", head, "--no-plots")
        text = open(rep).read()
        self.assertIn("<!-- series-id: %s -->" % SID, text)
        self.assertIn("<!-- bench-parts-missing: %s: swapfile -->" % CONF, text)
        self.assertIn("**Incomplete**", text)
        self.assertIn("bench-parts-missing", open(head).read())
        # merging again replaces its own directory; not another one
        run(PUB, "merge", d, out, "--series", SID, "--config", CONF, "--parts", "zram disk swapfile")
        other = os.path.join(self.t, "not-a-merge")
        os.makedirs(other)
        p = run(PUB, "merge", d, other, "--series", SID, "--config", CONF, "--parts", "zram disk", ok=False)
        self.assertNotEqual(p.returncode, 0)

    def test_whole_run_is_complete(self):
        d = self.pubdir("whole", "all")
        out = os.path.join(self.t, "whole-merged")
        run(PUB, "merge", d, out, "--series", SID, "--config", CONF, "--parts", "zram disk")
        meta = json.load(open(os.path.join(out, "meta.json")))
        self.assertEqual(meta["parts_missing"], [])

    def test_prune_refuses_and_keeps(self):
        d = self.pubdir("refuse", "zram", "disk")
        # a whole run would replace the parts: refused, nothing removed
        self.assertNotEqual(self.prune(d, "all", ok=False).returncode, 0)
        self.assertEqual(sorted(os.listdir(d)), ["disk.json.gz", "zram.json.gz"])
        # another configuration: refused
        p = run(PUB, "prune", d, "--series", SID, "--config", "bench/configs/default.conf",
                "--settings", self.settings, "--keep", "all", ok=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(len(os.listdir(d)), 2)
        # the same part again: replaced; another series: removed
        self.prune(d, "disk")
        self.assertEqual(os.listdir(d), ["zram.json.gz"])
        p = run(PUB, "prune", d, "--series", "ba9876543210", "--config", CONF,
                "--settings", self.settings, "--keep", "disk")
        self.assertEqual(os.listdir(d), [])
        # --force replaces what was refused
        d2 = self.pubdir("force", "zram")
        self.prune(d2, "all", "--force")
        self.assertEqual(os.listdir(d2), [])

    def test_failed_run_not_saved(self):
        d = os.path.join(self.t, "failed")
        shutil.copytree(self.parts["zram"], d)
        r = sorted(glob.glob(os.path.join(d, "runs", "*.json")))[0]
        rec = json.load(open(r))
        rec["ok"] = False
        json.dump(rec, open(r, "w"))
        out = os.path.join(self.t, "failed.json.gz")
        self.assertNotEqual(run(PUB, "save", d, out, "--part", "zram", ok=False).returncode, 0)
        self.assertFalse(os.path.exists(out))
        run(PUB, "save", d, out, "--part", "zram", "--force")


if __name__ == "__main__":
    unittest.main()
