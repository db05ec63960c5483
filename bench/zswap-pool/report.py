#!/usr/bin/env python3
"""Report of `make bench-zswap-pool` (bench/zswap-pool/run.sh): reads
DIR/results.txt ("RESULT comp=C unit=U iter=I key=value ..." lines from
bench/zswap-pool/guest.sh) and writes DIR/report.md. Exit 1 when a run
failed or read a page back wrong."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "report"))
import stats  # noqa: E402

# The multi-page targets (the goals) that this bench measures:
# 64K units against per-page storage of the same 64K folios, verdict from
# the bound of the 95% interval of the ratio of geometric means.
TARGETS = [
    # (metric, compressor, unit, bound, "max"|"min", label)
    ("pool_per_page", "lz4", "64K", 0.86, "max", "pool per stored page"),
    ("pool_per_page", "zstd", "64K", 0.83, "max", "pool per stored page"),
    ("out_sys_per_page", "lz4", "64K", 0.45, "max", "sys time of the swap-out per page"),
    ("out_sys_per_page", "zstd", "64K", 0.70, "max", "sys time of the swap-out per page"),
    ("in_sys_per_page", "lz4", "64K", 1.0, "max", "sys time of the read, whole units (not slower)"),
    ("in_sys_per_page", "zstd", "64K", 1.0, "max", "sys time of the read, whole units (not slower)"),
]


def size_kb(s):
    return int(s[:-1]) * (1024 if s.endswith("M") else 1)


def main():
    res = sys.argv[1]
    runs, failed = [], []
    if not os.path.exists(os.path.join(res, "results.txt")):
        print(f"bench-zswap-pool: no results in {res} (the boot did not run: see above)", file=sys.stderr)
        return 1
    for line in open(os.path.join(res, "results.txt")):
        kv = dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
        if "error" in kv or int(kv.get("bad_pages", "1")) != 0:
            failed.append(kv)
            continue
        r = {k: kv[k] for k in ("comp", "unit", "iter")}
        # results of before --reads have no read= key: in order
        r["read"] = kv.get("read", "seq")
        for k, v in kv.items():
            if k not in r:
                r[k] = float(v)
        st = r["stored_pages"]
        r["pool_per_page"] = r["pool_total_size"] / st if st > 0 else 0
        r["out_sys_per_page"] = r["pageout_sys_us"] / r["pages"]
        r["in_sys_per_page"] = r["read_sys_us"] / r["pages"]
        r["overhead"] = (r["pool_total_size"] / r["unit_stored_bytes"] - 1) if r.get("unit_stored_bytes", 0) > 0 else None
        runs.append(r)

    def vals(comp, unit, metric, read="seq"):
        return [r[metric] for r in sorted(runs, key=lambda r: int(r["iter"]))
                if r["comp"] == comp and r["unit"] == unit and r["read"] == read and r[metric] > 0]

    def of(c, u, read="seq"):
        return [r for r in runs if r["comp"] == c and r["unit"] == u and r["read"] == read]

    comps = sorted({r["comp"] for r in runs}, key=lambda c: ["lz4", "lz4hc", "zstd", "lzo"].index(c) if c in ["lz4", "lz4hc", "zstd", "lzo"] else 9)
    units = sorted({r["unit"] for r in runs}, key=size_kb)
    sid = open(os.path.join(res, "series-id")).read().strip() if os.path.exists(os.path.join(res, "series-id")) else "?"
    flavour = open(os.path.join(res, "flavour")).read().strip() if os.path.exists(os.path.join(res, "flavour")) else "?"
    n = max((int(r["iter"]) for r in runs), default=0)
    out = ["# zswap pool and CPU per compressor and unit size (`make bench-zswap-pool`)", "",
           f"Series {sid}, {flavour} kernel under QEMU TCG, {n} iteration(s): 64M of the bench corpus "
           "(cc1, python3, sqlite3) in 64K folios, paged out into zswap (zsmalloc, in front of a disk) "
           "with MADV_PAGEOUT and read back in order; every byte checked. Ratios are of geometric means "
           "over the iterations against 4K (per page) on the same windows, with 95% intervals. "
           "CPU times are of the emulated CPU (TCG compresses ~10x slower than hardware): read their ratios.", "",
           "| compressor | unit | pool bytes / page | vs 4K | stream overhead | swap-out sys µs / page | vs 4K | read sys µs / page | vs 4K | units whole / partial in the read |",
           "|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]

    def fmt_ratio(num, den):
        if not num or not den:
            return "-"
        ratio, ci, why = stats.ratio_ci(num, den)
        if ratio is None:
            return "-"
        return f"{ratio:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else f"{ratio:.3f} ({why})"

    for c in comps:
        for u in units:
            pp = vals(c, u, "pool_per_page")
            if not pp:
                continue
            op, ip = vals(c, u, "out_sys_per_page"), vals(c, u, "in_sys_per_page")
            ov = [r["overhead"] for r in of(c, u) if r["overhead"] is not None]
            whole = sum(r.get("unit_loaded_whole", 0) for r in of(c, u))
            part = sum(r.get("unit_loaded_partial", 0) for r in of(c, u))
            base = u == "4K"
            out.append("| {} | {} | {:.0f} | {} | {} | {:.2f} | {} | {:.2f} | {} | {} |".format(
                c, u, sum(pp) / len(pp),
                "1" if base else fmt_ratio(pp, vals(c, "4K", "pool_per_page")),
                f"{100 * sum(ov) / len(ov):.1f}%" if ov else "-",
                sum(op) / len(op), "1" if base else fmt_ratio(op, vals(c, "4K", "out_sys_per_page")),
                sum(ip) / len(ip), "1" if base else fmt_ratio(ip, vals(c, "4K", "in_sys_per_page")),
                "-" if base else f"{whole:.0f} / {part:.0f} pages"))

    if any(r["read"] == "random" for r in runs):
        out += ["", "## Partial reads: every page alone, in random order", "",
                "The same pages out, then read back at order 0 (MADV_NOHUGEPAGE) in a fixed random "
                "order: from a unit, each page read decompresses its unit unless this CPU's copy of "
                "it is the last unit decompressed, the worst case of the per-CPU copy. \"decompressed "
                "/ page read\" is zswap's unit_loaded_partial_bytes (compressed bytes of the units "
                "decompressed for partial reads) per page read; per page (4K) each page's own "
                "stream is decompressed once, about its pool bytes per page.", "",
                "| compressor | unit | read sys µs / page | vs 4K | pages read alone from a unit | decompressed / page read |",
                "|:---|---:|---:|---:|---:|---:|"]
        for c in comps:
            for u in units:
                rr = of(c, u, "random")
                ip = vals(c, u, "in_sys_per_page", "random")
                if not rr or not ip:
                    continue
                base = u == "4K"
                part = sum(r.get("unit_loaded_partial", 0) for r in rr)
                pb = sum(r.get("unit_loaded_partial_bytes", 0) for r in rr)
                pages = sum(r["pages"] for r in rr)
                out.append("| {} | {} | {:.2f} | {} | {} | {} |".format(
                    c, u, sum(ip) / len(ip),
                    "1" if base else fmt_ratio(ip, vals(c, "4K", "in_sys_per_page", "random")),
                    "-" if base else f"{part / pages * 100:.1f}%",
                    "-" if base else f"{pb / pages:.0f} bytes"))

    out += ["", "## Targets (64K units against per page, the same 64K folios)", "",
            "| metric | compressor | ratio | 95% interval | bound | verdict |", "|:---|:---|---:|:---|:---|:---|"]
    for metric, c, u, bound, kind, label in TARGETS:
        num, den = vals(c, u, metric), vals(c, "4K", metric)
        ratio, ci, why = stats.ratio_ci(num, den) if num and den else (None, None, "not run")
        if ratio is None:
            out.append(f"| {label} | {c} | - | - | {kind} {bound} | n.a. ({why}) |")
            continue
        if ci is None:
            verdict = f"n.a. ({why})"
        elif kind == "max":
            verdict = "**PASS**" if ci[1] <= bound else "**FAIL**"
        else:
            verdict = "**PASS**" if ci[0] >= bound else "**FAIL**"
        cis = f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "-"
        out.append(f"| {label} | {c} | {ratio:.3f} | {cis} | {'upper' if kind == 'max' else 'lower'} bound {'<=' if kind == 'max' else '>='} {bound} | {verdict} |")
    out += ["", "The read of the main table and the targets is in order: every 64K range but the region's first comes back as one folio, "
            "its units decompressed straight into it; the first range's pages are read one by one "
            "(\"partial\"). Swap-out throughput and the kernel build with units are measured by "
            "`make bench` (bench/configs), not here."]
    if failed:
        out += ["", "## Failed runs", ""] + [f"- {f}" for f in failed]
    open(os.path.join(res, "report.md"), "w").write("\n".join(out) + "\n")
    print("\n".join(out))
    return 1 if failed or not runs else 0


if __name__ == "__main__":
    sys.exit(main())
