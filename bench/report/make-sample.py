#!/usr/bin/env python3
"""Write a synthetic `make bench` results tree for testing report.py.

Usage: make-sample.py DIR [--iterations N] [--no-ceilings] [--no-corpus]
                          [--seed S] [--matrix default|zswap-large] [--aa]
                          [--no-boots]

The numbers are made up but shaped like the real thing: on the baseline
(6.12) kernel large folios bypass zswap and swap in at order 0 except from
zram, and a swapfile mostly falls back to splitting; on the patched kernel
they go through whole, and the patched kernel has the per-size zswpout,
zswpin, swpin, swpin_fallback and swpin_fallback_charge counters (6.12 has
none of them). One run (patched, iteration 2, usemem-rand, zswap-zstd, 2M;
4K with --matrix zswap-large) is ok=false.

--matrix zswap-large writes the matrix of bench/configs/zswap-large.conf
(zswap-lz4/zstd x 4K/64K x usemem-seq/rand, kbuild at 4K and 64K) with
"targets": "zswap" in meta.json.

Runs are placed into boots as scripts/bench.sh does (per iteration, per
backend, per kernel alternating; usemem shares a boot in a shuffled order,
each kbuild has its own), and carry its records: "boot" (id, position, of,
seed) and "host" (host load); meta.json has "seed" and "boots". One boot
(baseline, iteration 2, disk) ran under host load: other processes used
27% of the CPUs, and its runs are 15% slower. --no-boots leaves these
records out (results from before them).

--aa writes an A/A check (make bench-aa): both labels are the patched
kernel, meta.json has "aa": {"kernel": "patched"}; every difference is
noise.
"""

import argparse
import hashlib
import json
import os
import random

KERNELS = ["baseline", "patched"]
WORKLOADS = ["usemem-seq", "usemem-rand", "kbuild"]
BACKENDS = ["zram", "disk", "swapfile", "zswap-lz4", "zswap-zstd"]
SIZES = ["4K", "16K", "64K", "2M"]
ALL_KB = [16, 32, 64, 128, 256, 512, 1024, 2048]
STATS = ["anon_fault_alloc", "anon_fault_fallback", "swpout",
         "swpout_fallback", "split", "split_failed"]
# only on the patched kernel (6.12 has none of these per-size counters)
NEW_STATS = ["swpin", "zswpout", "zswpin", "swpin_fallback", "swpin_fallback_charge"]
FAILED = ("patched", 2, "usemem-rand", "zswap-zstd", "2M")

BASE_TPUT = {"zram": 180.0, "disk": 42.0, "swapfile": 36.0,
             "zswap-lz4": 150.0, "zswap-zstd": 115.0}
# patched gain on throughput for sizes > 4K
GAIN = {"zram": 0.10, "disk": 0.15, "swapfile": 0.35, "zswap-lz4": 0.45,
        "zswap-zstd": 0.40}
RATIO = {"zswap-lz4": 2.4, "zswap-zstd": 3.3}


def kb(size):
    return {"4K": 4, "16K": 16, "64K": 64, "2M": 2048}[size]


def write(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def noisy(rng, v, rel=0.03):
    return v * rng.gauss(1.0, rel)


def run_obj(rng, kernel, it, wl, backend, size, behaves=None, slow=1.0):
    """behaves: the kernel whose behaviour the run has (an A/A check's
    baseline label behaves as patched); slow: time factor (host load)."""
    large = size != "4K"
    fp = kb(size) // 4
    zs = backend.startswith("zswap-")
    patched = (behaves or kernel) == "patched"
    ws, limit = (768, 256) if wl != "kbuild" else (900, 384)
    passes = 2 if wl == "usemem-seq" else 3
    pages_out = noisy(rng, (ws - limit) * 256 * passes, 0.04)
    if wl == "kbuild":
        pages_out *= 0.3
    pages_in = pages_out * (0.9 if wl != "kbuild" else 0.7)

    # fallback rate at swap-out
    if not large:
        fbr = 0.0
    elif patched:
        fbr = 0.02 if backend != "swapfile" else 0.05
    else:
        fbr = {"zram": 0.25, "disk": 0.3, "swapfile": 0.97}.get(backend, 0.3)
        if size == "2M":
            fbr = min(1.0, fbr + 0.2)
    fbr = min(1.0, max(0.0, noisy(rng, fbr, 0.1)))
    folios = pages_out / fp if large else 0
    swpout = folios * (1 - fbr)
    fallback = folios * fbr
    whole_pages = swpout * fp

    # where pages go
    if zs:
        if patched or not large:
            zswpout = pages_out * 0.97
        else:                           # 6.12: large folios bypass zswap
            zswpout = pages_out - whole_pages
        pswpout = pages_out - zswpout
    else:
        zswpout, pswpout = 0.0, pages_out
    # swap-in
    if not large:
        share = 0.0
    elif patched:
        share = 0.92
    else:
        share = 0.6 if backend == "zram" else 0.0
    if size == "2M" and not patched:
        share = 0.0
    swpin = pages_in * share / fp if large else 0
    zswpin = pages_in * (zswpout / pages_out) if zs else 0.0
    pswpin = pages_in - zswpin
    # whole large swap-ins: from zswap (size.zswpin) or the device (size.swpin)
    zfrac = zswpin / pages_in if pages_in else 0.0
    swpin_z, swpin_d = swpin * zfrac, swpin * (1 - zfrac)
    swpin_fb = noisy(rng, swpin * 0.05) if (large and patched) else 0

    gain = GAIN[backend] if (patched and large) else 0.0
    tput = BASE_TPUT[backend] * (0.55 if wl == "usemem-rand" else 1.0) * (1 + gain)
    if large and not patched and zs:
        tput *= 0.8                     # bypass to the backing disk costs
    tput = noisy(rng, tput) / slow
    mib = ws * passes
    elapsed = mib / tput if wl != "kbuild" else noisy(rng, 1800 * (1 - gain / 4)) * slow
    sys_s = noisy(rng, elapsed * (0.45 if not (patched and large) else 0.38))
    user_s = noisy(rng, elapsed * 0.4 if wl != "kbuild" else 1500)
    metrics = {"elapsed_s": round(elapsed, 2), "user_s": round(user_s, 2),
               "sys_s": round(sys_s, 2)}
    if wl != "kbuild":
        # usemem's own phases: writing is bound by swap-out, and large
        # folios in zswap speed it up most
        metrics["throughput_mibs"] = round(tput, 2)
        metrics["write_mibs"] = round(noisy(rng, tput * 1.3 * (1 + gain)), 2)
        metrics["read_mibs"] = round(noisy(rng, tput * 0.8), 2)
    if zs:
        metrics["zswap_out_mibs"] = round(zswpout * 4096 / 2**20 / elapsed, 2)
        metrics["zswap_in_mibs"] = round(zswpin * 4096 / 2**20 / elapsed, 2)

    scan_k = noisy(rng, pages_out * 1.6)
    scan_d = noisy(rng, pages_out * (0.5 if patched else 0.8))
    eff = 0.62 if patched else 0.5
    c = {"pswpin": pswpin, "pswpout": pswpout, "zswpin": zswpin,
         "zswpout": zswpout, "zswpwb": (noisy(rng, 800) if zs else 0),
         # one fault per order-0 page, one per whole folio, a few file faults
         "pgmajfault": pages_in * (1 - share) + swpin + 12,
         "memcg.pgmajfault": pages_in * (1 - share) + swpin + 6,
         "pgscan_kswapd": scan_k, "pgscan_direct": scan_d,
         "pgsteal_kswapd": scan_k * eff, "pgsteal_direct": scan_d * eff,
         "thp_swpout": swpout if size == "2M" else 0,
         "thp_swpout_fallback": fallback if size == "2M" else 0,
         "thp_split_page": fallback if size == "2M" else 0}
    for k in ALL_KB:
        for s in STATS + (NEW_STATS if patched else []):
            c["%dkB.%s" % (k, s)] = 0
    if large:
        p = "%dkB." % kb(size)
        c[p + "swpout"] = swpout
        c[p + "swpout_fallback"] = fallback
        c[p + "split"] = fallback
        if patched:
            c[p + "swpin"] = swpin_d
            c[p + "zswpin"] = swpin_z
            c[p + "zswpout"] = swpout if zs else 0
            c[p + "swpin_fallback"] = swpin_fb
            c[p + "swpin_fallback_charge"] = swpin_fb * 0.1
        c[p + "anon_fault_alloc"] = ws * 256 / fp
        c[p + "anon_fault_fallback"] = noisy(rng, 20)
    if zs:
        stored = min(zswpout, limit * 256 * 0.4)
        pool = stored * 4096 / noisy(rng, RATIO[backend], 0.02)
        c["zswap.stored_pages_max"] = stored
        c["zswap.pool_total_size_max"] = pool
        c["memcg.zswap_current_max"] = pool * 1.02
    else:
        c["zswap.stored_pages_max"] = 0
        c["zswap.pool_total_size_max"] = 0
        c["memcg.zswap_current_max"] = 0
    c["memcg.swap_current_max"] = (ws - limit) * 2**20 * 1.05
    c = {k: int(round(v)) for k, v in c.items()}

    derived = None
    if rng.random() < 0.7:              # sometimes missing, sometimes partial
        derived = {"compression_ratio": None, "swpout_fallback_rate": None,
                   "reclaim_efficiency": round(eff, 3)}
        if zs and c["zswap.pool_total_size_max"]:
            derived["compression_ratio"] = round(
                c["zswap.stored_pages_max"] * 4096 / c["zswap.pool_total_size_max"], 3)
        if large:
            p = "%dkB." % kb(size)
            tot = c[p + "swpout"] + c[p + "swpout_fallback"]
            derived["swpout_fallback_rate"] = round(
                c[p + "swpout_fallback"] / tot, 4) if tot else None

    lim = "memory.max %dM" % limit
    if zs:
        lim += "; zswap pool charged to it"
    elif backend == "zram":
        lim += "; zram memory outside the memcg (disksize 1G)"
    params = {"procs": 2, "working_set_mib": ws, "memcg_max_mib": limit,
              "effective_limit": lim}
    if wl == "kbuild":
        params = {"jobs": 2, "tree": "linux-6.12 tinyconfig", "memcg_max_mib": limit,
                  "effective_limit": lim}
    obj = {"schema": "lfswap-bench-run/1", "kernel": kernel, "iteration": it,
           "workload": wl, "size": size, "backend": backend, "params": params,
           "ok": True, "error": None, "metrics": metrics, "counters": c,
           "derived": derived, "extra_field_ignored": {"x": 1}}
    if (kernel, it, wl, backend, size) == FAILED:
        obj.update(ok=False, error="guest did not finish within 900 s (timeout)",
                   metrics={}, counters={}, derived=None)
    return obj


def fio(rng):
    res = []
    dev = {"disk": (120.0, 90.0), "zram": (1400.0, 7.0), "brd": (2600.0, 3.0)}
    for d, (bw, lat) in dev.items():
        for rw in ("write", "randwrite", "read", "randread"):
            l = noisy(rng, lat * (1.3 if "rand" in rw else 1.0), 0.05)
            res.append({"device": d, "mode": "lat", "engine": "psync", "iodepth": 1,
                        "rw": rw, "bs": 4096, "bw_mibs": round(4096 / 2**20 / (l / 1e6), 1),
                        "iops": round(1e6 / l), "lat_mean_us": round(l, 1),
                        "lat_p50_us": round(l * 0.9, 1),
                        "lat_p99_us": round(l * 3.2, 1)})
            for bs in (4096, 65536):
                b = noisy(rng, bw * (0.35 if bs == 4096 else 1.0), 0.05)
                res.append({"device": d, "mode": "tput", "engine": "io_uring",
                            "iodepth": 32, "rw": rw, "bs": bs,
                            "bw_mibs": round(b, 1),
                            "iops": round(b * 2**20 / bs),
                            "lat_mean_us": None, "lat_p50_us": None,
                            "lat_p99_us": None})
    return {"schema": "lfswap-fio/1", "kernel": "baseline", "results": res}


def compbench(rng, label):
    slow = 1.0 if label == "native" else 0.3
    base = {("lz4", None): (700, 3500, 2.3), ("lz4hc", 9): (60, 3300, 2.7),
            ("zstd", 1): (420, 1200, 3.1), ("zstd", 3): (300, 1150, 3.3)}
    res = []
    for (algo, lvl), (c, d, r) in base.items():
        for unit in (4096, 65536):
            f = 1.0 if unit == 4096 else 1.15
            units = 262144 // (unit // 4096)
            res.append({"algo": algo, "level": lvl, "unit": unit,
                        "compress_mibs": round(noisy(rng, c * slow * f), 1),
                        "decompress_mibs": round(noisy(rng, d * slow * f), 1),
                        "ratio": round(r * f, 3), "ratio_nonzero": round(r * f * 0.8, 3),
                        "zero_units": int(units * 0.12),
                        "incompressible_units": int(units * 0.03), "units": units})
    return {"schema": "lfswap-compbench/1", "label": label,
            "data": "corpus/heap-dump.bin", "bytes": 2**30, "results": res}


def shuffle(run_seed, name, cfgs):
    """scripts/bench.sh's shuffle(): the boot's seed and its order."""
    seed = int(hashlib.sha256(("%s:%s" % (run_seed, name)).encode()).hexdigest()[:8], 16)
    cfgs = list(cfgs)
    random.Random(seed).shuffle(cfgs)
    return seed, cfgs


# The boot that ran under host load: (kernel, iteration, backend).
LOADED = ("baseline", 2, "disk")


def boots_of(iterations, backends, sizes, kbuild_sizes, run_seed):
    """The boots of scripts/bench.sh's matrix loop, in the order it runs them."""
    out = []
    for it in range(1, iterations + 1):
        korder = KERNELS if it % 2 else KERNELS[::-1]
        for be in backends:
            for k in korder:
                shared = ["%s:%s" % (w, s) for w in WORKLOADS if w != "kbuild" for s in sizes]
                n = "%s-%s-i%d" % (k, be, it)
                seed, order = shuffle(run_seed, n, shared)
                out.append((n, k, it, be, seed, order))
                for s in kbuild_sizes:
                    n = "%s-%s-kbuild-%s-i%d" % (k, be, s, it)
                    seed, order = shuffle(run_seed, n, ["kbuild:" + s])
                    out.append((n, k, it, be, seed, order))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("--no-ceilings", action="store_true")
    ap.add_argument("--no-corpus", action="store_true")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--matrix", choices=("default", "zswap-large"), default="default")
    ap.add_argument("--aa", action="store_true", help="an A/A check: both sides patched")
    ap.add_argument("--no-boots", action="store_true",
                    help="no boot, order or host-load records")
    a = ap.parse_args()
    global FAILED
    backends, sizes, kbuild_sizes = BACKENDS, SIZES, ["64K"]
    config, targets = "bench/configs/default.conf", ""
    if a.matrix == "zswap-large":
        backends, sizes, kbuild_sizes = ["zswap-lz4", "zswap-zstd"], ["4K", "64K"], ["4K", "64K"]
        config, targets = "bench/configs/zswap-large.conf", "zswap"
        FAILED = ("patched", 2, "usemem-rand", "zswap-zstd", "4K")
    if a.aa:
        config, targets = "bench/configs/aa.conf", "none"
    rng = random.Random(a.seed)
    run_seed = rng.randrange(2**32)
    d = a.dir
    kernels = {"baseline": {"uname": "6.12.117-lfswap", "commit": "a1b2c3d4e5f6",
                            "booted": "baseline"},
               "patched": {"uname": "6.12.117-lfswap+", "commit": "0f9e8d7c6b5a",
                           "booted": "patched"}}
    if a.aa:
        kernels["baseline"] = dict(kernels["patched"])
    n, t, boots = 0, 0.0, []
    for name, k, it, be, seed, order in boots_of(a.iterations, backends, sizes,
                                                 kbuild_sizes, run_seed):
        loaded = (k, it, be) == LOADED and not name.count("kbuild")
        elapsed = 40.0 + 25 * len(order)
        host = {"other_cpu": round(0.27 if loaded else abs(rng.gauss(0.015, 0.01)), 4),
                "elapsed_s": elapsed, "ncpu": 2,
                "busy_cpu_s": round(elapsed * 2 * 0.97, 2),
                "boot_cpu_s": round(elapsed * 2 * (0.70 if loaded else 0.95), 2),
                "loadavg_start": [round(2.4 if loaded else 2.0, 2), 1.9, 1.5],
                "loadavg_end": [round(3.1 if loaded else 2.1, 2), 2.0, 1.6]}
        booted = "patched" if a.aa else k
        boots.append({"schema": "lfswap-bench-boot/1", "id": name, "kernel": k,
                      "booted": booted, "iteration": it, "backend": be, "seed": seed,
                      "run_seed": run_seed, "order": order, "exit": 0,
                      "log": "boots/%s.log" % name, "host": host,
                      "started": "2025-01-10T%02d:%02d:%02dZ" % (8 + int(t) // 3600,
                                                                 int(t) // 60 % 60, int(t) % 60)})
        t += elapsed
        for pos, c in enumerate(order):
            wl, sz = c.split(":")
            o = run_obj(rng, k, it, wl, be, sz, behaves=booted, slow=1.15 if loaded else 1.0)
            if not a.no_boots:
                o["boot"] = {"id": name, "position": pos + 1, "of": len(order), "seed": seed,
                             "run_seed": run_seed, "booted": booted}
                o["host"] = host
            write(os.path.join(d, "runs", "%s-%s-%s-%s-i%d.json" % (wl, be, sz, k, it)), o)
            n += 1
    meta = {
        "schema": "lfswap-bench/1", "started": "2025-01-10T08:00:00Z",
        "finished": "2025-01-10T19:42:13Z", "config": config,
        "quick": False, "iterations": a.iterations, "targets": targets,
        "host": {"cpus": 2, "mem_gib": 24, "accel": "tcg"},
        "guest": {"cpus": 2, "mem": "2G"},
        "kernels": kernels,
        "series": ["0001-mm-swap-allocate-large-folio-slots-on-swapfiles.patch",
                   "0002-mm-zswap-store-large-folios-whole.patch",
                   "0003-mm-swap-swap-in-large-folios-from-zswap.patch"],
        "command": "make bench-aa" if a.aa else "make bench"}
    if a.aa:
        meta["aa"] = {"kernel": "patched"}
    if not a.no_boots:
        meta.update(seed=run_seed, boots=boots)
    write(os.path.join(d, "meta.json"), meta)
    if not a.no_ceilings:
        write(os.path.join(d, "ceilings", "fio-summary.json"), fio(rng))
        for label in ("native", "guest"):
            write(os.path.join(d, "ceilings", "compbench-%s.json" % label),
                  compbench(rng, label))
    if not a.no_corpus:
        progs = [("cc1", "cc1 -O2 big.c", "big.c", 180 << 20, 9000),
                 ("python3", "python3 -c 'x=[...]'", "-", 96 << 20, 2100),
                 ("sqlite3", "sqlite3 :memory: < load.sql", "load.sql", 64 << 20, 5200)]
        write(os.path.join(d, "corpus", "manifest.json"), {
            "schema": "lfswap-corpus/1",
            "programs": [{"name": p[0], "command": p[1], "input": p[2],
                          "bytes": p[3], "zero_pages": p[4]} for p in progs],
            "bytes": sum(p[3] for p in progs)})
    print("wrote %d runs to %s%s" % (n, d, " (A/A: both sides patched)" if a.aa else ""))


if __name__ == "__main__":
    main()
