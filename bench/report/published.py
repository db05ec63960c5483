#!/usr/bin/env python3
"""The run records behind docs/performance.md (bench/published/).

A full matrix (bench/configs/full.conf) takes several hours of guest time,
more than one working session, and a session's build/ does not outlive it.
So `make bench-publish` of a configuration may run it in parts, one
backend each (`PART=zram`): every part is a run of its own, both kernels
booted alternately per iteration on one host as in a whole run, so every
ratio and target still compares configurations of one run. Publishing a
part keeps its records here, gzipped JSON, and docs/performance.md is
generated from the records of every part of the current series: the
report sees one results directory with each part's runs, and names the
parts it has and those it lacks (scripts/docs-check.sh lists those).

    published.py save RES OUT.json.gz --part NAME
        write RES's meta.json, runs/*.json, ceilings/ and corpus manifest
    published.py merge DIR OUT_RES --series ID --config CONF --parts "A B .."
        build a results directory OUT_RES from DIR/*.json.gz of series ID
        and configuration CONF (meta.json: "parts", "parts_missing")
    published.py prune DIR --series ID --config CONF [--keep NAME]
        remove the files of another series or configuration (and, with
        --keep all, every part file: a whole run replaces its parts)

Python 3 standard library only.
"""

import argparse
import glob
import gzip
import json
import os
import shutil
import sys

SCHEMA = "lfswap-bench-published/1"


def die(msg):
    sys.stderr.write("published.py: %s\n" % msg)
    sys.exit(1)


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load(path):
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            d = json.load(f)
    except (OSError, ValueError, EOFError) as e:
        die("%s: unreadable: %s" % (path, e))
    if not isinstance(d, dict) or d.get("schema") != SCHEMA:
        die("%s: not a %s file" % (path, SCHEMA))
    return d


def save(args):
    res = args.res.rstrip("/")
    meta_path = os.path.join(res, "meta.json")
    if not os.path.isfile(meta_path):
        die("%s: no meta.json (an unfinished run: finish it with RESUME= first)" % res)
    meta = read_json(meta_path)
    runs = {}
    for f in sorted(glob.glob(os.path.join(res, "runs", "*.json"))):
        runs[os.path.basename(f)] = read_json(f)
    if not runs:
        die("%s: no runs/*.json" % res)
    ceilings = {}
    for f in sorted(glob.glob(os.path.join(res, "ceilings", "*"))):
        if os.path.isfile(f):
            with open(f, encoding="utf-8", errors="replace") as fh:
                ceilings[os.path.basename(f)] = fh.read()
    corpus = None
    cm = os.path.join(res, "corpus", "manifest.json")
    if os.path.isfile(cm):
        corpus = read_json(cm)
    d = {"schema": SCHEMA, "part": args.part, "series_id": meta.get("series_id"),
         "config": meta.get("config"), "results": os.path.basename(res),
         "meta": meta, "runs": runs, "ceilings": ceilings, "corpus": corpus}
    tmp = args.out + ".tmp"
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    # mtime 0: the same records give the same bytes
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
            gz.write(json.dumps(d, sort_keys=True, separators=(",", ":")).encode())
    os.replace(tmp, args.out)
    print("published.py: %s: part %s, %d runs, series %s" % (
        args.out, args.part, len(runs), d["series_id"]))


def files_of(dirpath):
    return sorted(glob.glob(os.path.join(dirpath, "*.json.gz")))


def prune(args):
    for f in files_of(args.dir):
        d = load(f)
        why = None
        if d.get("series_id") != args.series:
            why = "series %s" % d.get("series_id")
        elif d.get("config") != args.config:
            why = "configuration %s" % d.get("config")
        elif args.keep == "all" and d.get("part") != "all":
            why = "part %s of a run now published whole" % d.get("part")
        elif args.keep != "all" and d.get("part") == "all":
            why = "a whole run, now published in parts"
        if why:
            os.remove(f)
            print("published.py: removed %s (%s)" % (f, why))


def merge(args):
    want = args.parts.split()
    got = {}
    for f in files_of(args.dir):
        d = load(f)
        if d.get("series_id") != args.series or d.get("config") != args.config:
            continue
        p = d.get("part")
        if p in got:
            die("%s: part %s published twice" % (f, p))
        got[p] = d
    if not got:
        die("%s: no published part of series %s and configuration %s" % (
            args.dir, args.series, args.config))
    order = [p for p in want if p in got] + sorted(p for p in got if p not in want)
    missing = [] if "all" in got else [p for p in want if p not in got]
    out = args.out_res.rstrip("/")
    if os.path.exists(out):
        shutil.rmtree(out)
    for sub in ("runs", "ceilings", "corpus", "boots"):
        os.makedirs(os.path.join(out, sub))
    metas = [got[p]["meta"] for p in order]
    for p in order:
        for name, rec in got[p]["runs"].items():
            path = os.path.join(out, "runs", name)
            if os.path.exists(path):
                die("part %s: run %s is in another part too" % (p, name))
            with open(path, "w", encoding="utf-8") as f:
                json.dump(rec, f, indent=1)
    # the ceilings and the corpus: of the latest part that measured them
    for p in sorted(order, key=lambda p_: got[p_]["meta"].get("started") or ""):
        if got[p]["ceilings"]:
            for name in os.listdir(os.path.join(out, "ceilings")):
                os.remove(os.path.join(out, "ceilings", name))
            for name, text in got[p]["ceilings"].items():
                with open(os.path.join(out, "ceilings", name), "w", encoding="utf-8") as f:
                    f.write(text)
        if got[p]["corpus"] is not None:
            with open(os.path.join(out, "corpus", "manifest.json"), "w", encoding="utf-8") as f:
                json.dump(got[p]["corpus"], f, indent=1)
    base = dict(metas[0])
    base["started"] = min(m.get("started") or "" for m in metas) or None
    base["finished"] = max(m.get("finished") or "" for m in metas) or None
    base["boots"] = [b for m in metas for b in (m.get("boots") or [])]
    base["failed_boots"] = sum(m.get("failed_boots") or 0 for m in metas)
    base["seed"] = None if len(metas) > 1 else metas[0].get("seed")
    base["resumed"] = None
    base["parts"] = [{"part": p, "results": got[p].get("results"),
                      "started": got[p]["meta"].get("started"),
                      "finished": got[p]["meta"].get("finished"),
                      "resumed": got[p]["meta"].get("resumed"),
                      "seed": got[p]["meta"].get("seed"),
                      "runs": len(got[p]["runs"]),
                      "failed_boots": got[p]["meta"].get("failed_boots"),
                      "kernels": got[p]["meta"].get("kernels"),
                      "lfswap_commit": got[p]["meta"].get("lfswap_commit")}
                     for p in order]
    base["parts_missing"] = missing
    with open(os.path.join(out, "meta.json"), "w", encoding="utf-8") as f:
        json.dump(base, f, indent=1)
    print("published.py: %s: parts %s%s" % (
        out, " ".join(order), "; not run yet: " + " ".join(missing) if missing else ""))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("save")
    s.add_argument("res")
    s.add_argument("out")
    s.add_argument("--part", required=True)
    m = sub.add_parser("merge")
    m.add_argument("dir")
    m.add_argument("out_res")
    m.add_argument("--series", required=True)
    m.add_argument("--config", required=True)
    m.add_argument("--parts", required=True)
    p = sub.add_parser("prune")
    p.add_argument("dir")
    p.add_argument("--series", required=True)
    p.add_argument("--config", required=True)
    p.add_argument("--keep", required=True)
    args = ap.parse_args(argv)
    {"save": save, "merge": merge, "prune": prune}[args.cmd](args)


if __name__ == "__main__":
    main()
