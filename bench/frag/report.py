#!/usr/bin/env python3
"""Report of a bench/frag/run.sh run: upstream's thp_swap_allocator_test on
the baseline and the patched kernel.

Usage: report.py RES [--no-plots]

Reads RES/boots/<kernel>/frag/<mode>/ (output.txt: the test's own lines,
"Iteration N: swpout inc: A, swpout fallback inc: B, ..."; before/after:
counters; sizes, options, rc, time, cputime: "real user sys" seconds; for
a usemem mode, output.txt is lfs-usemem's "key value" summary) and writes
RES/report.md and, with
gnuplot, RES/plots/frag-<mode>.png: the 64K swpout_fallback rate of every
iteration, baseline against patched. Python 3 standard library only.
Exit 0, or 1 if a mode is missing or failed on a kernel.
"""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "guest"))
from mkrun import read_kv as counters  # noqa: E402  "NAME VALUE" lines

KERNELS = ("baseline", "patched")
ITER = re.compile(r"Iteration (\d+): swpout inc: (\d+), swpout fallback inc: (\d+)")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "report"))
import targets  # noqa: E402  bench/targets.conf


def frag_target():
    """(modes, threshold %, why, the line) of the frag set's one line in
    bench/targets.conf: the test's unaligned mode on zram, as upstream runs
    it, and on the disk, where swap-in is 4K on both kernels."""
    try:
        lines = targets.load()["frag"]["lines"]
    except (targets.TargetsError, KeyError) as e:
        sys.exit("bench/frag/report.py: bench/targets.conf: %s" % e)
    ln = [x for x in lines if x["rule"] == "max-pct"]
    if len(ln) != 1:
        sys.exit("bench/frag/report.py: bench/targets.conf: want one max-pct line in set frag")
    return tuple(ln[0]["workloads"]), ln[0]["threshold"], ln[0]["why"], ln[0]


TARGET_MODES, TARGET_PCT, TARGET_WHY, TARGET_LINE = frag_target()


def read(path, default=""):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def load(res):
    data = {}
    for k in KERNELS:
        base = os.path.join(res, "boots", k, "frag")
        if not os.path.isdir(base):
            continue
        for mode in sorted(os.listdir(base)):
            d = os.path.join(base, mode)
            its = []
            for line in read(os.path.join(d, "output.txt")).splitlines():
                m = ITER.search(line)
                if m:
                    its.append((int(m[1]), int(m[2]), int(m[3]), None))
            # a churn mode: 64K counters sampled every 2 s, as intervals
            prev = None
            for line in read(os.path.join(d, "samples")).splitlines():
                p = line.split()
                if len(p) != 4:
                    continue
                cur = (float(p[0]), int(p[1]), int(p[2]), int(p[3]))
                if prev:
                    its.append((cur[0], cur[1] - prev[1], cur[2] - prev[2], cur[3] - prev[3]))
                prev = cur
            b, a = counters(os.path.join(d, "before")), counters(os.path.join(d, "after"))
            delta = {n: a[n] - b.get(n, 0) for n in a}
            t = read(os.path.join(d, "time")).split()
            cpu = [float(x) for x in read(os.path.join(d, "cputime")).split()[:3]]
            # lfs-usemem's "key value" summary
            kv = counters(os.path.join(d, "output.txt"), float) if mode.startswith("usemem") else {}
            data[(k, mode)] = {
                "cpu": dict(zip(("real", "user", "sys"), cpu)) if len(cpu) == 3 else {},
                "usemem": kv,
                "its": its, "delta": delta, "rc": read(os.path.join(d, "rc"), "?"),
                "sizes": read(os.path.join(d, "sizes")), "options": read(os.path.join(d, "options")),
                "device": read(os.path.join(d, "device"), "zram")
                + (f" (memcg {read(os.path.join(d, 'memcg'))})" if os.path.exists(os.path.join(d, "memcg")) else ""),
                "seconds": float(t[1]) - float(t[0]) if len(t) == 2 else None,
            }
    return data


def pct(f, s):
    return 100.0 * f / (f + s) if f + s else float("nan")


def summary(r):
    its = r["its"]
    s = sum(i[1] for i in its)
    f = sum(i[2] for i in its)
    late = its[len(its) // 2:]
    sl, fl = sum(i[1] for i in late), sum(i[2] for i in late)
    lower = r["delta"].get("hugepages-64kB.swpout_fallback_lower")
    if its and all(i[3] is not None for i in its):
        lower = sum(i[3] for i in its)  # a churn: over the same samples as s and f
    return {"n": len(its), "swpout": s, "fallback": f, "pct": pct(f, s),
            "pct_late": pct(fl, sl), "lower": lower,
            # a churn's counters are sampled one after the other, so
            # fallback_lower can run a few ahead of fallback: never below 0
            "to_base_pct": pct(max(0, f - (lower or 0)), s + (lower or 0)) if f + s else float("nan")}


def fmt(v, unit="%"):
    return "-" if v is None or v != v else f"{v:.1f}{unit}"


def ratio(p, b):
    return f"{p / b:.2f}" if p is not None and b else "-"


def order0_section(data, modes):
    out = ["", "## Order-0 cost", "",
           "The unaligned test with no large size enabled: sys time of the test process per",
           "thousand base pages swapped out and in (`pswpout` + `pswpin`), baseline against",
           "patched in this run (ratio < 1: the patched kernel is cheaper).", "",
           "| mode | kernel | pswpout | pswpin | sys | sys ms / 1000 pages | patched / baseline |",
           "|---|---|---:|---:|---:|---:|---:|"]
    for m in [m for m in modes if m.startswith("order0")]:
        per = {}
        for k in KERNELS:
            r = data.get((k, m))
            if not r or not r["cpu"]:
                continue
            o, i = r["delta"].get("pswpout", 0), r["delta"].get("pswpin", 0)
            per[k] = 1e6 * r["cpu"]["sys"] / (o + i) if o + i else None
            rt = ratio(per.get("patched"), per.get("baseline")) if k == "patched" else ""
            out.append(f"| {m} ({r['device']}) | {k} | {o} | {i} | {r['cpu']['sys']:.1f} s | "
                       f"{fmt(per[k], '')} | {rt} |")
    return out


def usemem_section(data, modes, bad):
    out = []
    for m in [m for m in modes if m.startswith("usemem")]:
        rows = {}
        for k in KERNELS:
            r = data.get((k, m))
            if not r:
                bad.append(f"{m} on {k}: no results")
                continue
            if r["rc"] != "0":
                bad.append(f"{m} on {k}: exit {r['rc']}")
            u, dl = r["usemem"], r["delta"]
            rows[k] = {"throughput MiB/s": u.get("throughput_mibs"), "elapsed s": u.get("elapsed_s"),
                       "sys s (children)": u.get("sys_s"),
                       "64K swpout": dl.get("hugepages-64kB.swpout"),
                       "64K swpout_fallback": dl.get("hugepages-64kB.swpout_fallback"),
                       "64K fallback to 32K": dl.get("hugepages-64kB.swpout_fallback_lower"),
                       "32K swpout": dl.get("hugepages-32kB.swpout"),
                       "pswpout": dl.get("pswpout"), "pswpin": dl.get("pswpin")}
        if not rows:
            continue
        r = data.get(("patched", m)) or data.get(("baseline", m))
        out += ["", f"## {m}: lfs-usemem on a fragmented disk", "",
                "A 256 MiB swap area on the disk; lfs-fragfill faults in 192 MiB of 32K folios,",
                "pages them out and frees every other one, and holds the rest: 96 MiB of the device",
                "are free 32K holes with no free, aligned 64K range among them, and 64 MiB are free.",
                "Then lfs-usemem writes its memory and reads it back, on the "
                f"{r['device']}, below its size:",
                f"options `{r['options']}`, sizes {r['sizes']} enabled.", "",
                "| | baseline | patched | patched / baseline |", "|---|---:|---:|---:|"]
        for key in rows[next(iter(rows))]:
            b, p = rows.get("baseline", {}).get(key), rows.get("patched", {}).get(key)
            out.append(f"| {key} | {'-' if b is None else f'{b:g}'} | {'-' if p is None else f'{p:g}'} | "
                       f"{ratio(p, b)} |")
    return out


def plot(res, mode, data, gnuplot):
    pdir = os.path.join(res, "plots")
    os.makedirs(pdir, exist_ok=True)
    files = []
    for k in KERNELS:
        r = data.get((k, mode))
        if not r or not r["its"]:
            continue
        fn = os.path.join(pdir, f"frag-{mode}-{k}.dat")
        with open(fn, "w") as f:
            for n, s, fb, _ in r["its"]:
                if s + fb:
                    f.write(f"{n} {pct(fb, s):.3f}\n")
        files.append((k, fn, "linespoints pt 7 ps 0.4", k))
        # the split-to-4K rate, where the samples have swpout_fallback_lower
        # (a churn on the patched kernel); on the baseline every fallback
        # goes to 4K, so its line above is that rate already
        if k == "patched" and any(i[3] for i in r["its"] if i[3] is not None):
            fn4 = os.path.join(pdir, f"frag-{mode}-{k}-to4k.dat")
            with open(fn4, "w") as f:
                for n, s, fb, lo in r["its"]:
                    if s + fb and lo is not None:
                        f.write(f"{n} {pct(fb - lo, s + lo):.3f}\n")
            files.append((k, fn4, "lines dt 2 lw 2", f"{k}, split to 4K"))
    if not files:
        return None
    png = f"frag-{mode}.png"
    lines = ", ".join(f"'{fn}' using 1:2 with {style} title '{t}'" for k, fn, style, t in files)
    script = (f"set terminal pngcairo size 720,360 font ',10'\nset output '{os.path.join(pdir, png)}'\n"
              f"set title '64K swpout fallback per {'2 s' if mode.startswith('churn') else 'iteration'}, mode {mode}'\n"
              f"set xlabel '{'seconds' if mode.startswith('churn') else 'iteration'}'\nset ylabel 'fallback % of 64K swap-outs'\n"
              "set yrange [0:100]\nset grid\nset key top right\n"
              f"plot {lines}\n")
    p = subprocess.run([gnuplot], input=script, text=True, capture_output=True)
    if p.returncode:
        sys.stderr.write(f"gnuplot failed for {mode}: {p.stderr}\n")
        return None
    return png


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.exit(__doc__)
    res = args[0]
    data = load(res)
    gnuplot = shutil.which("gnuplot") if "--no-plots" not in sys.argv else None
    modes = sorted({m for _, m in data},
                   key=lambda m: (m.startswith("churn"), "disk" in m, not m.startswith("aligned"), len(m), m))
    bad = []
    out = ["# Swap slot fragmentation: 64K swap-out fallback, baseline vs patched", "",
           "Upstream's `tools/mm/thp_swap_allocator_test.c` (pinned 6.12 source, unchanged) on a",
           "fresh 64 MiB swap device per mode, 100 iterations of: random swap-in of 16 MiB (in 4K units,",
           "or 64K units with `-a`), random `MADV_DONTNEED` + refault of 16 MiB in 64K units, and",
           "`MADV_PAGEOUT` of the 60 MiB of 64K folios (`-s`: plus 4 MiB of small folios).",
           "Both kernels are the perf flavour, booted once each in this run (`make bench-frag`).",
           "On zram, a synchronous device, 6.12 swaps a 64K range back in whole when all of it is",
           "swapped, which frees it whole; on the disk, swap-in goes through the swap cache 4K at a",
           "time on both kernels, as on an SSD; there the test runs in a memcg whose memory.max is",
           "below its 64 MiB, so that what it pages out leaves the swap cache (else every 64K folio",
           "would be found whole in the swap cache and never read back).", "",
           "A `churn` mode runs our integrity checker's `--stress` mode instead (random pageout,",
           "swap-in, fork, mremap, MADV_DONTNEED ... by several workers on random regions) and samples",
           "the 64K counters every 2 s; its plot is the rate per 2 s over time, and, dashed, the",
           "patched kernel's rate of 64K folios split to 4K (the rest of its fallbacks went out as",
           "32K or 16K folios; on the baseline every fallback goes to 4K).", "",
           "fallback % = 64K `swpout_fallback` / (`swpout` + `swpout_fallback`), the test's own figure;",
           "\"to 4K\" counts only the folios split to base pages (`swpout_fallback` minus",
           "`swpout_fallback_lower`, a counter of the patched kernel); \"late\" is the second half",
           "(iterations 51-100, or the second half of a churn's samples).", "",
           "The `order0` modes run the unaligned test with no large size enabled: every folio is a",
           "base page, so their sys time is what swapping base pages out and in costs (the",
           "\"order-0 allocation cost\" of issue 5). The `usemem` mode runs lfs-usemem on a disk that",
           "lfs-fragfill has fragmented first (see below).", "",
           "| mode | device | sizes | kernel | 64K swpout | fallback | fallback % | late % | to 4K % | time | sys |",
           "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for m in modes:
        if m.startswith("usemem"):
            continue
        for k in KERNELS:
            r = data.get((k, m))
            if not r:
                bad.append(f"{m} on {k}: no results")
                continue
            if r["rc"] != "0" or (not r["its"] and not m.startswith("order0")):
                bad.append(f"{m} on {k}: exit {r['rc']}, {len(r['its'])} iterations")
            s = summary(r)
            opt = f" `{r['options']}`" if r["options"] else ""
            out.append(f"| {m}{opt} | {r['device']} | {r['sizes']} | {k} | {s['swpout']} | {s['fallback']} | "
                       f"{fmt(s['pct'])} | {fmt(s['pct_late'])} | {fmt(s['to_base_pct'])} | "
                       f"{fmt(r['seconds'], ' s')} | {fmt(r['cpu'].get('sys'), ' s')} |")
    out += order0_section(data, modes) + usemem_section(data, modes, bad)
    out += ["", "## Target", "",
            f"In the test's unaligned mode, 64K swpout_fallback at or under {TARGET_PCT:g}% of 64K "
            f"swap-outs on the patched kernel (bench/targets.conf, set frag: {TARGET_WHY})", ""]
    missed = []
    for tm in TARGET_MODES:
        t, b = data.get(("patched", tm)), data.get(("baseline", tm))
        if t and t["its"]:
            s = summary(t)
            ok = s["pct"] <= TARGET_PCT
            dev = read(os.path.join(res, "boots", "patched", "frag", tm, "device"), "zram")
            if not ok and dev not in missed:
                missed.append(dev)
            base = fmt(summary(b)["pct"]) if b and b["its"] else "-"
            out.append(f"- {tm} ({t['device']}): **{fmt(s['pct'])} {'PASS' if ok else 'FAIL'}** "
                       f"(late {fmt(s['pct_late'])}; baseline {base})")
        else:
            out.append(f"- {tm}: no patched result in this run")
    for dev in missed:
        out += ["", f"What would close it on {dev}: "
                + (targets.close_for(TARGET_LINE, dev) or targets.NO_CLOSE)]
    if gnuplot:
        out += ["", "## Fallback per iteration", ""]
        for m in [m for m in modes if not m.startswith(("order0", "usemem"))]:
            png = plot(res, m, data, gnuplot)
            if png:
                out += [f"![{m}](plots/{png})", ""]
    else:
        out += ["", "(no plots: --no-plots, or gnuplot is not installed)"]
    if bad:
        out += ["", "## Failures", ""] + [f"- {b}" for b in bad]
    with open(os.path.join(res, "report.md"), "w") as f:
        f.write("\n".join(out) + "\n")
    print("\n".join(out))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
