#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write one benchmark run as JSON (schema lfswap-bench-run/1).

scripts/bench.sh runs it on the host for every raw/NAME directory that
run-boot.sh wrote in the guest: run.env (what ran, its parameters and
error), the counter snapshots taken before and after the workload ("name
value" lines), the peaks the sampler saw, and the workload's own JSON
(lfs-usemem --json, or kbuild.sh's). Counters are deltas over the run;
*_max are peaks; a few gauges are reported as their end value.

    mkrun.py RAW_DIR OUT.json [--boot BOOT.json --config WORKLOAD:SIZE]

--boot adds the boot's record (boots/NAME.json, scripts/bench.sh): "boot"
(its id, the run's position in it, the shuffle's seed, the kernel booted)
and "host" (the host load around the boot). With --boot and --config, a
RAW_DIR without run.env (the boot ended before the run) becomes a failed
run.
"""
import argparse
import json
import os

PAGE = 4096
# Gauges: reported as their value after the run, not as a delta.
GAUGES = ("zswap.stored_pages", "zswap.pool_total_size", "zswap.same_filled_pages",
          "memcg.anon", "memcg.zswap", "memcg.zswapped", "memcg.file")


def read_kv(path, conv=int):
    """"NAME VALUE" lines of path as {NAME: conv(VALUE)}, skipping others."""
    d = {}
    try:
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) == 2:
                    try:
                        d[p[0]] = conv(p[1])
                    except ValueError:
                        pass
    except OSError:
        pass
    return d


def size_kb(size):
    n = int(size[:-1])
    return n * 1024 if size.endswith("M") else n


def read_env(path):
    env, params = {}, {}
    with open(path) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            if k.startswith("param."):
                params[k[6:]] = v
            elif k:
                env[k] = v
    return env, params


def boot_fields(path, config):
    """("boot", "host") of a run from its boot's record; ({}, {}) without."""
    if not path:
        return {}, {}
    with open(path) as f:
        b = json.load(f)
    order = b.get("order") or []
    boot = {"id": b.get("id"), "position": order.index(config) + 1 if config in order else None,
            "of": len(order), "seed": b.get("seed"), "run_seed": b.get("run_seed"),
            "booted": b.get("booted")}
    return boot, b.get("host") or {}


def write(path, run):
    with open(path, "w") as f:
        json.dump(run, f, indent=1, sort_keys=True)


def main():
    ap = argparse.ArgumentParser(description="raw run directory -> run JSON")
    ap.add_argument("raw", help="raw/NAME directory written by run-boot.sh")
    ap.add_argument("out", help="run JSON to write")
    ap.add_argument("--boot", help="the boot's record, boots/NAME.json")
    ap.add_argument("--config", help="WORKLOAD:SIZE of this run in the boot's order")
    args = ap.parse_args()
    boot, host = boot_fields(args.boot, args.config)
    if not os.path.exists(os.path.join(args.raw, "run.env")):
        if not (args.boot and args.config):
            ap.error("%s has no run.env (a run the boot never reached needs --boot and --config)"
                     % args.raw)
        with open(args.boot) as f:
            b = json.load(f)
        w, _, size = args.config.partition(":")
        write(args.out, {"schema": "lfswap-bench-run/1", "kernel": b["kernel"],
                         "iteration": b["iteration"], "workload": w, "backend": b["backend"],
                         "size": size, "params": {}, "ok": False,
                         "error": "the boot ended before this run (log: %s)" % b.get("log"),
                         "metrics": {}, "counters": {}, "derived": {}, "boot": boot, "host": host})
        return 0
    env, params = read_env(os.path.join(args.raw, "run.env"))
    a = argparse.Namespace(
        kernel=env["kernel"], iteration=int(env["iteration"]), workload=env["workload"],
        backend=env["backend"], size=env["size"],
        elapsed=float(env["t1"]) - float(env["t0"]) if "t0" in env else float(env["elapsed"]),
        error=env.get("error", ""), uname=env.get("uname", ""),
        before=os.path.join(args.raw, "before"), after=os.path.join(args.raw, "after"),
        peaks=os.path.join(args.raw, "peaks"), workload_json=os.path.join(args.raw, "workload.json"),
        out=args.out)

    before, after = read_kv(a.before), read_kv(a.after)
    counters = {}
    for k, v in after.items():
        if k in GAUGES:
            counters[k + "_end"] = v
        else:
            counters[k] = v - before.get(k, 0)
    counters.update(read_kv(a.peaks))

    wl = {}
    if os.path.exists(a.workload_json):
        with open(a.workload_json) as f:
            wl = json.load(f)

    params.update({k: wl[k] for k in ("procs", "size_mib", "pattern", "data_mib", "passes") if k in wl})
    if a.workload.startswith("kbuild"):
        for k in ("procs", "usemem_size", "data"):
            params.pop(k, None)
        params.update({k: wl[k] for k in ("files", "jobs") if k in wl})
    else:
        params.pop("kbuild_jobs", None)
        params["working_set_mib"] = wl.get("procs", 0) * wl.get("size_mib", 0)
    if a.backend.startswith("zswap"):
        params["effective_limit"] = ("memory.max %s holds the workload and the zswap pool, "
                                     "which memory.zswap.max caps at %.0f MiB"
                                     % (params.get("memcg_max"), int(params.get("zswap_memcg_max", 0)) / 2**20))
    elif a.backend == "zram":
        params["effective_limit"] = ("memory.max %s holds the workload only; zram's "
                                     "compressed memory is not charged to the memcg" % params.get("memcg_max"))
    else:
        params.pop("zswap_max_pool_percent", None)
        params.pop("zswap_memcg_max", None)
        params["effective_limit"] = "memory.max %s holds the workload only" % params.get("memcg_max")

    # Time: the workload's own clock when it has one, else the wall clock
    # around it; CPU time of everything in the memcg (cpu.stat).
    m = {"elapsed_s": wl.get("elapsed_s", a.elapsed),
         "user_s": counters.get("cpu.user_usec", 0) / 1e6,
         "sys_s": counters.get("cpu.system_usec", 0) / 1e6}
    for k in ("write_s", "read_s", "write_mibs", "read_mibs", "throughput_mibs"):
        if k in wl:
            m[k] = wl[k]
    if a.backend.startswith("zswap"):
        if wl.get("write_s"):
            m["zswap_out_mibs"] = counters.get("zswpout", 0) * PAGE / 2**20 / wl["write_s"]
        if wl.get("read_s"):
            m["zswap_in_mibs"] = counters.get("zswpin", 0) * PAGE / 2**20 / wl["read_s"]

    kb = "%dkB" % size_kb(a.size)
    d = {}
    sp, pool = counters.get("zswap.stored_pages_max", 0), counters.get("zswap.pool_total_size_max", 0)
    d["compression_ratio"] = round(sp * PAGE / pool, 3) if pool else None
    out_, fb = counters.get(kb + ".swpout", 0), counters.get(kb + ".swpout_fallback", 0)
    d["swpout_fallback_rate"] = round(fb / (out_ + fb), 4) if (out_ + fb) else None
    # Large swap-in, from the per-size counters of a kernel that has them
    # (6.12 has none): swpin = folios read whole from the swap device,
    # zswpin = folios loaded whole from zswap, swpin_fallback = attempts
    # that fell back to smaller folios (_charge: the memcg charge failed).
    fp = max(1, size_kb(a.size) // (PAGE // 1024))
    lin = [counters.get(kb + "." + k) for k in ("swpin", "zswpin")]
    sfb = counters.get(kb + ".swpin_fallback")
    if fp > 1 and (any(v is not None for v in lin) or sfb is not None):
        whole = sum(v or 0 for v in lin)
        d["swpin_fallback_rate"] = round((sfb or 0) / (whole + (sfb or 0)), 4) if whole + (sfb or 0) else None
        tin = counters.get("pswpin", 0) + counters.get("zswpin", 0)
        d["large_swpin_share"] = round(whole * fp / tin, 4) if tin else None
    # Major faults per GiB swapped in (pswpin and zswpin are disjoint page
    # counts); the memcg's own count when there is one.
    mf = counters.get("memcg.pgmajfault", counters.get("pgmajfault"))
    tin = counters.get("pswpin", 0) + counters.get("zswpin", 0)
    d["majfault_per_gib_swapin"] = round(mf / (tin * PAGE / 2**30), 1) if (tin and mf is not None) else None
    # The memcg's own counts: on 6.12 /proc/vmstat pgscan_direct/pgsteal_direct
    # leave out memcg-limit reclaim (they count root reclaim only).
    scan = counters.get("memcg.pgscan", 0)
    steal = counters.get("memcg.pgsteal", 0)
    d["reclaim_efficiency"] = round(steal / scan, 4) if scan else None

    err = a.error or None
    if not err and not all(k in after for k in ("pswpout", "cpu.usage_usec", "memcg.anon")):
        err = "counter snapshot incomplete (%s has no pswpout, cpu.* or memcg.* lines)" % a.after
    if not err and wl.get("bad_pages"):
        err = "%d pages read back wrong" % wl["bad_pages"]
    if not err and counters.get("memcg.events.oom_kill"):
        err = "OOM kill in the memcg"
    run = {"schema": "lfswap-bench-run/1", "kernel": a.kernel, "uname": a.uname,
           "iteration": a.iteration, "workload": a.workload, "size": a.size,
           "backend": a.backend, "params": params, "ok": err is None, "error": err,
           "metrics": m, "counters": counters, "derived": d}
    if boot:
        run.update(boot=boot, host=host)
    write(a.out, run)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
