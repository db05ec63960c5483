"""Shared constants and small helpers of lfswap's benchmark report (kernel,
backend and size names and orders, number and markdown formatting).
"""

import json
import math
import os
import sys

from stats import CI_LEVEL, NOT_WORSE, is_num  # noqa: F401

# --- editable constants ------------------------------------------------------

DEFAULT_TITLE = "lfswap benchmark report"

EMULATION_NOTE = (
    "Absolute times are QEMU TCG emulation times, not hardware times; what "
    "the report stands on are baseline/patched ratios measured in one run "
    "and the counter values."
)

# A run is "under host load" when processes other than its boot's QEMU
# used more than this share of the host's CPUs during the boot
# (scripts/bench.sh measures it per boot).
HOST_LOAD_MAX = 0.10

STATS_NOTE = (
    "Baseline vs patched: the ratio of the geometric means, oriented so that "
    "> 1 is better for the patched kernel (baseline / patched for times, "
    "patched / baseline for rates), with a %d%% Welch t interval on the logs "
    "of the values (Welch-Satterthwaite df, Student t quantile), "
    "exponentiated. Verdict: better when the lower bound is > 1, not worse "
    "when it is >= %.2f, worse when the upper bound is < 1, inconclusive "
    "otherwise; n too small with fewer than 2 ok runs a side; n.a. when a "
    "value is <= 0 (no log) or every value is equal on each side (no "
    "variance). The method, and how often it flags noise at 3 runs a side, "
    "are in bench/README.md, \"Statistics\"; the A/A check measures it on "
    "this machine. Diff %% is (patched - baseline) / baseline of the "
    "arithmetic means."
    % (CI_LEVEL * 100, NOT_WORSE))

BASE, PATCHED = "baseline", "patched"
PAGE = 4096
MIB = 1024 * 1024

KERNEL_ORDER = [BASE, PATCHED]
BACKEND_ORDER = ["zram", "disk", "swapfile", "zswap-lz4", "zswap-zstd",
                 "zswap-lz4-zram", "zswap-zstd-zram"]
WORKLOAD_ORDER = ["usemem-seq", "usemem-rand", "kbuild"]
METRIC_ORDER = ["throughput_mibs", "elapsed_s", "user_s", "sys_s",
                "write_mibs", "read_mibs", "zswap_out_mibs", "zswap_in_mibs"]

# Gap rules (fractions).
GAP_MOSTLY_SPLIT = 0.5      # fallback rate above this: "mostly split"
GAP_SOME_SPLIT = 0.05       # above this: "some fallback"
GAP_BYPASS = 0.1            # zswpout below this share of large-folio pages
GAP_ORDER0_IN = 0.1         # large swap-in below this share: "order-0"
GAP_WHOLE_IN = 0.9          # above this: "whole"

PLOT_COLOURS = {BASE: "#4472c4", PATCHED: "#ed7d31"}
SERIES_COLOURS = ["#4472c4", "#ed7d31", "#70ad47", "#a5a5a5", "#ffc000"]


# --- small helpers -----------------------------------------------------------

def die(msg, code=2):
    sys.stderr.write("report.py: %s\n" % msg)
    sys.exit(code)


def warn(msg):
    sys.stderr.write("report.py: warning: %s\n" % msg)


def order_key(order, v):
    try:
        return (0, order.index(v), "")
    except ValueError:
        return (1, 0, str(v))


def size_bytes(s):
    """'4K' -> 4096, '2M' -> 2097152, None if unparsable."""
    if not isinstance(s, str) or not s:
        return None
    s = s.strip().upper().rstrip("B")
    mult = {"K": 1024, "M": MIB, "G": 1024 * MIB}
    try:
        if s[-1] in mult:
            return int(float(s[:-1]) * mult[s[-1]])
        return int(s)
    except ValueError:
        return None


def size_key(s):
    b = size_bytes(s)
    return (0, b, "") if b is not None else (1, 0, str(s))


def size_prefix(size):
    """Per-size counter prefix: '64K' -> '64kB', '2M' -> '2048kB'; None for 4K."""
    b = size_bytes(size)
    if b is None or b <= PAGE:
        return None
    return "%dkB" % (b // 1024)


def folio_pages(size):
    b = size_bytes(size)
    return max(1, b // PAGE) if b else 1


def fmt(v, digits=3):
    """Human number: ints for big values, a few significant digits below."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if not is_num(v):
        return ""
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 1000:
        return "%d" % round(v)
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.*g" % (digits, v)


def fmt_int(v):
    if not is_num(v):
        return ""
    return "%d" % round(v)


def fmt_pct(v, signed=True):
    if not is_num(v):
        return ""
    return ("%+.1f%%" if signed else "%.1f%%") % v


def md_cell(v):
    s = "" if v is None else str(v)
    return s.replace("|", "\\|").replace("\n", " ")


def md_table(headers, rows, align=None):
    out = ["| " + " | ".join(md_cell(h) for h in headers) + " |"]
    if align is None:
        align = ["l"] + ["r"] * (len(headers) - 1)
    seps = {"l": ":---", "r": "---:", "c": ":---:"}
    out.append("|" + "|".join(seps[a] for a in align) + "|")
    for r in rows:
        out.append("| " + " | ".join(md_cell(c) for c in r) + " |")
    return "\n".join(out) + "\n"


def clean_json(x):
    """Replace non-finite floats (not valid JSON) by null, recursively."""
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    if isinstance(x, dict):
        return {str(k): clean_json(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean_json(v) for v in x]
    return x


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_optional(path, schema_prefix):
    """(data, note). data None when missing or unusable; note says why."""
    if not os.path.exists(path):
        return None, "not run"
    try:
        d = load_json(path)
    except (OSError, ValueError) as e:
        warn("%s: %s" % (path, e))
        return None, "unreadable (%s)" % e.__class__.__name__
    if not isinstance(d, dict):
        return None, "invalid (not a JSON object)"
    sch = d.get("schema")
    if isinstance(sch, str) and not sch.startswith(schema_prefix):
        warn("%s: unexpected schema %r" % (path, sch))
    return d, None


# --- statistics, formatted --------------------------------------------------------------

def fmt_ratio(r):
    return "%.3f" % r if is_num(r) else ("inf" if r == math.inf else "")


def ratio_text(c):
    """'1.047 [0.981, 1.120]': the oriented ratio and its interval."""
    if c is None or c["ratio"] is None:
        return ""
    if not c["ci"]:
        return fmt_ratio(c["ratio"])
    return "%s [%s, %s]" % (fmt_ratio(c["ratio"]), fmt_ratio(c["ci"][0]),
                            fmt_ratio(c["ci"][1]))


def verdict_text(c):
    if c is None:
        return ""
    v = c["verdict"]
    if v == "n too small":
        t = "n too small (n=%d/%d)" % (c["n_baseline"], c["n_patched"])
    elif v == "n.a." and c.get("note"):
        t = "n.a. (%s)" % c["note"]
    elif v is None:
        t = "n.a."
    elif v in ("better", "worse"):
        t = "**%s**" % v
    else:
        t = v
    return t + (" (host load)" if c["host_load"] else "")


def mean_sd(s):
    if not s:
        return ""
    if s["sd"] is None:
        return fmt(s["mean"])
    return "%s ± %s" % (fmt(s["mean"]), fmt(s["sd"]))
