"""The ceilings of a run: fio on the swap devices, the compressors
(compbench), zswap against its compressor, and the corpus.
"""

import glob
import os

from common import *  # noqa: F401,F403
from stats import *  # noqa: F401,F403

# --- ceilings ----------------------------------------------------------------

def fio_sections(res):
    files = sorted(glob.glob(os.path.join(res, "ceilings", "fio-summary*.json")))
    if not files:
        return "fio: not run.\n", []
    out, data = [], []
    for f in files:
        d, note = load_optional(f, "lfswap-fio/")
        name = os.path.relpath(f, res)
        if d is None:
            out.append("fio (`%s`): %s.\n" % (name, note))
            continue
        rs = [r for r in d.get("results") or [] if isinstance(r, dict)]
        data.append({"file": name, "kernel": d.get("kernel"), "results": rs})
        head = "fio (`%s`%s)" % (name, ", kernel %s" % d["kernel"]
                                 if d.get("kernel") else "")
        if not rs:
            out.append(head + ": no results.\n")
            continue
        devs = sorted({str(r.get("device")) for r in rs},
                      key=lambda x: order_key(["disk", "zram", "brd"], x))
        for mode, cols in (("lat", [("lat_mean_us", "mean µs"),
                                    ("lat_p99_us", "p99 µs"),
                                    ("bw_mibs", "MiB/s")]),
                           ("tput", [("bw_mibs", "MiB/s"), ("iops", "IOPS")])):
            mr = [r for r in rs if r.get("mode") == mode]
            if not mr:
                continue
            engines = sorted({str(r.get("engine")) for r in mr if r.get("engine")})
            rowkeys = sorted({(str(r.get("rw")), r.get("bs"), r.get("iodepth"))
                              for r in mr},
                             key=lambda k: (order_key(["write", "randwrite", "read",
                                                       "randread"], k[0]),
                                            k[1] if is_num(k[1]) else 0,
                                            k[2] if is_num(k[2]) else 0))
            headers = ["rw", "bs", "iodepth"]
            for dv in devs:
                headers += ["%s %s" % (dv, c[1]) for c in cols]
            rows = []
            for rk in rowkeys:
                row = [rk[0], fmt_bs(rk[1]), "" if rk[2] is None else rk[2]]
                for dv in devs:
                    m = [r for r in mr if (str(r.get("rw")), r.get("bs"),
                                           r.get("iodepth")) == rk
                         and str(r.get("device")) == dv]
                    for key, _ in cols:
                        row.append(fmt(m[0].get(key)) if m else "")
                rows.append(row)
            title = {"lat": "latency mode", "tput": "throughput mode"}[mode]
            out.append("%s, %s%s:\n\n" % (head, title, " (engine %s)" %
                                          ", ".join(engines) if engines else ""))
            out.append(md_table(headers, rows, ["l", "r", "r"] + ["r"] *
                                (len(headers) - 3)))
            out.append("\n")
    return "".join(out), data


def fmt_bs(bs):
    if is_num(bs):
        if bs >= MIB and bs % MIB == 0:
            return "%dM" % (bs // MIB)
        if bs >= 1024 and bs % 1024 == 0:
            return "%dK" % (bs // 1024)
    return "" if bs is None else str(bs)


def load_compbench(res):
    out, notes = {}, {}
    for label in ("native", "guest"):
        d, note = load_optional(os.path.join(res, "ceilings",
                                             "compbench-%s.json" % label),
                                "lfswap-compbench/")
        if d is None:
            notes[label] = note
            continue
        rs = [r for r in d.get("results") or [] if isinstance(r, dict)]
        out[label] = {"data": d.get("data"), "bytes": d.get("bytes"), "results": rs}
    return out, notes


def comp_key(r):
    return (str(r.get("algo")), r.get("level"), r.get("unit"))


def frac(a, b):
    if is_num(a) and is_num(b) and b > 0:
        return a / b
    return None


def compbench_section(cb, notes):
    if not cb:
        return "Compressor benchmark: not run.\n"
    out = []
    for label in ("native", "guest"):
        if label in notes:
            out.append("compbench %s: %s.\n\n" % (label, notes[label]))
        elif cb[label].get("data") is not None:
            out.append("compbench %s: data `%s`, %s bytes.\n\n"
                       % (label, cb[label]["data"], fmt_int(cb[label]["bytes"])))
    keys = set()
    for label in cb:
        keys.update(comp_key(r) for r in cb[label]["results"])
    keys = sorted(keys, key=lambda k: (order_key(["lz4", "lz4hc", "zstd"], k[0]),
                                       k[1] if is_num(k[1]) else -1,
                                       k[2] if is_num(k[2]) else 0))
    headers = ["algo", "level", "unit"]
    sides = [l for l in ("native", "guest") if l in cb]
    for l in sides:
        headers += ["%s comp MiB/s" % l, "%s decomp MiB/s" % l, "%s ratio" % l]
    headers += ["ratio (non-zero units)", "zero units", "incompressible units"]
    rows = []
    for k in keys:
        row = [k[0], "" if k[1] is None else k[1], fmt_bs(k[2])]
        found = []
        for l in sides:
            m = [r for r in cb[l]["results"] if comp_key(r) == k]
            r = m[0] if m else {}
            if m:
                found.append(r)
            row += [fmt(r.get("compress_mibs")), fmt(r.get("decompress_mibs")),
                    fmt(r.get("ratio"))]

        def joined(f):
            vals = []
            for r in found:
                v = f(r)
                s = fmt_pct(v * 100, signed=False) if is_num(v) else ""
                if s and s not in vals:
                    vals.append(s)
            return " / ".join(vals)
        rn = []
        for r in found:
            s = fmt(r.get("ratio_nonzero"))
            if s and s not in rn:
                rn.append(s)
        row.append(" / ".join(rn))
        row.append(joined(lambda r: frac(r.get("zero_units"), r.get("units"))))
        row.append(joined(lambda r: frac(r.get("incompressible_units"),
                                         r.get("units"))))
        rows.append(row)
    out.append(md_table(headers, rows, ["l", "r", "r"] + ["r"] * (len(headers) - 3)))
    if len(sides) == 2:
        out.append("\nWhere native and guest data differ, the last three columns "
                   "show native / guest.\n")
    return "".join(out)


def pick_ceiling(cb, algo, unit=PAGE):
    """(side, result) of the compbench entry zswap's algo maps to."""
    for side in ("guest", "native"):
        if side not in cb:
            continue
        rs = [r for r in cb[side]["results"]
              if str(r.get("algo")) == algo and r.get("unit") == unit]
        if not rs:
            continue
        if len(rs) > 1:
            # kernel defaults: zstd level 3 (crypto/zstd.c), lz4 has none
            pref = [r for r in rs if r.get("level") in (None, 3 if algo == "zstd" else 1)]
            rs = pref or sorted(rs, key=lambda r: r.get("level")
                                if is_num(r.get("level")) else 0)
        return side, rs[0]
    return None, None


def zswap_algo(backend):
    """zswap-lz4 -> lz4; zswap-zstd-zram (zswap in front of zram) -> zstd."""
    algo = backend[len("zswap-"):]
    return algo[:-len("-zram")] if algo.endswith("-zram") else algo


def zswap_ceiling_section(model, cb, guest_cpus="the"):
    zcfgs = sorted({k for k in model.configs if k[1].startswith("zswap-")},
                   key=lambda k: (order_key(WORKLOAD_ORDER, k[0]), k[1],
                                  size_key(k[2]), order_key(KERNEL_ORDER, k[3])))
    if not zcfgs:
        return "No zswap configurations in this run.\n", []
    if not cb:
        return "Compressor benchmark not run: no ceiling to compare with.\n", []
    rows, data, sides = [], [], set()
    for k in zcfgs:
        algo = zswap_algo(k[1])
        side, ref = pick_ceiling(cb, algo)
        c = model.configs[k]
        zo = c["metrics"].get("zswap_out_mibs")
        zi = c["metrics"].get("zswap_in_mibs")
        if ref is None:
            rows.append([k[0], k[1], k[2], k[3], fmt(zo and zo["mean"]), "", "",
                         fmt(zi and zi["mean"]), "", "", "no %s at 4K" % algo])
            continue
        sides.add(side)
        cm, dm = ref.get("compress_mibs"), ref.get("decompress_mibs")
        fo = frac(zo["mean"] if zo else None, cm)
        fi = frac(zi["mean"] if zi else None, dm)
        lvl = ref.get("level")
        rows.append([k[0], k[1], k[2], k[3], fmt(zo and zo["mean"]), fmt(cm),
                     fmt_pct(fo * 100, False) if fo is not None else "",
                     fmt(zi and zi["mean"]), fmt(dm),
                     fmt_pct(fi * 100, False) if fi is not None else "",
                     "%s%s" % (side, "" if lvl is None else ", level %s" % lvl)])
        data.append({"workload": k[0], "backend": k[1], "size": k[2],
                     "kernel": k[3], "zswap_out_mibs": zo and zo["mean"],
                     "zswap_in_mibs": zi and zi["mean"],
                     "ceiling_side": side, "ceiling_level": lvl,
                     "ceiling_unit": PAGE, "compress_mibs": cm,
                     "decompress_mibs": dm, "out_fraction": fo, "in_fraction": fi})
    headers = ["workload", "backend", "size", "kernel", "zswap out MiB/s",
               "compress ceiling MiB/s", "out/ceiling", "zswap in MiB/s",
               "decompress ceiling MiB/s", "in/ceiling", "ceiling from"]
    txt = ("Ceiling: compbench %s results for the algorithm at 4096-byte "
           "units (one page per compression call, as zswap does)%s. "
           "compbench runs on one CPU; zswap compresses in every task that "
           "reclaims (the workload's processes and kswapd) on all %s guest "
           "vCPUs, so a fraction above 100%% means compression ran on more "
           "than one CPU at once. zswap out/in MiB/s are zswpout/zswpin pages "
           "over the workload's write/read phase.\n\n"
           % (" and ".join(sorted(sides)) or "guest",
              "" if sides <= {"guest"} else
              "; native numbers are used only where the in-guest run is missing",
              guest_cpus))
    return txt + md_table(headers, rows, ["l", "l", "r", "l"] + ["r"] * 6 + ["l"]), data


def corpus_section(res):
    d, note = load_optional(os.path.join(res, "corpus", "manifest.json"),
                            "lfswap-corpus/")
    if d is None:
        return "Corpus: %s.\n" % note, None
    progs = [p for p in d.get("programs") or [] if isinstance(p, dict)]
    if not progs:
        return "Corpus: manifest has no programs.\n", d
    rows, tb, tz = [], 0, 0
    for p in progs:
        b, z = p.get("bytes"), p.get("zero_pages")
        f = frac(z * PAGE if is_num(z) else None, b)
        if is_num(b):
            tb += b
        if is_num(z):
            tz += z
        rows.append([p.get("name", ""), "`%s`" % p["command"] if p.get("command")
                     else "", p.get("input", "") or "", fmt_int(b), fmt_int(z),
                     fmt_pct(f * 100, False) if f is not None else ""])
    total = d.get("bytes") if is_num(d.get("bytes")) else tb
    f = frac(tz * PAGE, total)
    rows.append(["**total**", "", "", fmt_int(total), fmt_int(tz),
                 fmt_pct(f * 100, False) if f is not None else ""])
    return md_table(["program", "command", "input", "bytes", "zero pages",
                     "zero fraction"], rows,
                    ["l", "l", "l", "r", "r", "r"]), d
