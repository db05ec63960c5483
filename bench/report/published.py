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
        write RES's meta.json, runs/*.json, ceilings/ and corpus manifest,
        with a hash of the settings it ran (boot.conf); a run with a failed
        run or boot is refused
    published.py merge DIR OUT_RES --series ID --config CONF --parts "A B .."
        build a results directory OUT_RES from DIR/*.json.gz of series ID
        and configuration CONF (meta.json: "parts", "parts_missing")
    published.py prune DIR --series ID --config CONF --settings HASH --keep NAME [--force]
        remove the files of another series, or the same part's: what
        publishing part NAME replaces. Files of another configuration or
        settings, a whole run ("all") that a part would replace, or parts
        that a whole run would, are removed only with --force (hours of
        guest time); without it prune refuses and removes nothing.
    published.py settings BOOT_CONF
        print the hash of a run's settings (the configuration's lines of
        its boot.conf, without comments)

Python 3 standard library only.
"""

import argparse
import glob
import gzip
import hashlib
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


def settings_hash(boot_conf):
    """The configuration a run ran, as boot.conf holds it above the lines
    scripts/bench.sh resolves (paths, seed, part), without comments."""
    lines = []
    try:
        with open(boot_conf, encoding="utf-8") as f:
            for line in f:
                if line.strip() == "# resolved by scripts/bench.sh":
                    break
                t = line.strip()
                if t and not t.startswith("#"):
                    lines.append(t)
    except OSError as e:
        die("%s: %s" % (boot_conf, e))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:12]


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
    bad = sorted(n for n, r in runs.items() if not (isinstance(r, dict) and r.get("ok") is True))
    if (bad or meta.get("failed_boots")) and not args.force:
        die("%s: %d failed run(s)%s and %s failed boot(s): not published (finish it with "
            "RESUME=, or publish it anyway with FORCE=1)" % (
                res, len(bad), " (%s ...)" % bad[0] if bad else "", meta.get("failed_boots") or 0))
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
         "settings": settings_hash(os.path.join(res, "boot.conf")),
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
    """Remove what publishing part args.keep replaces; refuse (and remove
    nothing) where it would throw away other published work, unless
    --force."""
    drop, refuse = [], []
    for f in files_of(args.dir):
        d = load(f)
        p = d.get("part")
        if d.get("series_id") != args.series:
            drop.append((f, "series %s" % d.get("series_id")))
        elif p == args.keep:
            drop.append((f, "replaced"))
        elif d.get("config") != args.config:
            refuse.append((f, "configuration %s" % d.get("config")))
        elif d.get("settings") != args.settings:
            refuse.append((f, "other settings of %s (%s)" % (d.get("config"), d.get("settings"))))
        elif args.keep == "all":
            refuse.append((f, "part %s, which a run published whole replaces" % p))
        elif p == "all":
            refuse.append((f, "a run published whole, which a part replaces"))
    if refuse and not args.force:
        die("publishing %s would remove published work of this series: %s; publish with "
            "FORCE=1 to replace it" % (args.keep, "; ".join("%s (%s)" % (os.path.basename(f), w)
                                                             for f, w in refuse)))
    for f, why in drop + refuse:
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
        if not os.path.isfile(os.path.join(out, ".published-merge")):
            die("%s exists and was not made by published.py merge: not removing it" % out)
        shutil.rmtree(out)
    for sub in ("runs", "ceilings", "corpus", "boots"):
        os.makedirs(os.path.join(out, sub))
    open(os.path.join(out, ".published-merge"), "w").close()
    extra = [p for p in got if p not in want and p != "all"]
    if extra:
        die("%s: part(s) %s are not backends of %s (%s): prune them" % (
            args.dir, " ".join(extra), args.config, " ".join(want)))
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
    if len({got[p].get("settings") for p in order}) > 1:
        die("%s: parts of series %s ran different settings of %s: %s" % (
            args.dir, args.series, args.config,
            ", ".join("%s %s" % (p, got[p].get("settings")) for p in order)))
    base["command"] = "make bench-publish CONFIG=%s%s" % (
        args.config, "" if order == ["all"] else " PART=<each part>")
    base["part"] = None
    # the host, guest and kernels of each part, in parts[]; the header shows
    # the first part's and says which differ
    base["parts_differ"] = sorted(k for k in ("host", "guest", "iterations", "kbuild_iterations")
                                  if len({json.dumps(m.get(k), sort_keys=True) for m in metas}) > 1)
    unames = {json.dumps({k: (v or {}).get("uname") for k, v in (m.get("kernels") or {}).items()},
                         sort_keys=True) for m in metas}
    if len(unames) > 1:
        base["parts_differ"].append("kernels")
    cparts = [p for p in order if got[p]["ceilings"]]
    base["ceilings_part"] = (sorted(cparts, key=lambda p_: got[p_]["meta"].get("started") or "")[-1]
                             if cparts else None)
    kparts = [p for p in order if got[p]["corpus"] is not None]
    base["corpus_part"] = (sorted(kparts, key=lambda p_: got[p_]["meta"].get("started") or "")[-1]
                           if kparts else None)
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
                      "host": got[p]["meta"].get("host"),
                      "guest": got[p]["meta"].get("guest"),
                      "settings": got[p].get("settings"),
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
    s.add_argument("--force", action="store_true")
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
    p.add_argument("--settings", required=True)
    p.add_argument("--force", action="store_true")
    h = sub.add_parser("settings")
    h.add_argument("boot_conf")
    args = ap.parse_args(argv)
    if args.cmd == "settings":
        print(settings_hash(args.boot_conf))
        return
    {"save": save, "merge": merge, "prune": prune}[args.cmd](args)


if __name__ == "__main__":
    main()
