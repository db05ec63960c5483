"""The Targets sections of the benchmark report: bench/targets.conf (every
target, as data) parsed, and its lines evaluated on one run.

report.py calls sections(R, model, mode, fio_data), R being report.py's
module (its statistics and markdown helpers). bench/frag/report.py reads
the `frag` set with load() alone.
"""

import os
import re

TARGETS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "targets.conf")
RULES = ("at-least", "at-most", "not-worse", "info", "none-worse", "max-pct")
# Old names of the sets, as configs and results of earlier runs say them.
ALIASES = {"issue4": "zswap", "issue6": "swapin"}
# Sets another report evaluates.
ELSEWHERE = ("frag",)
# Sets judged only when asked for (TARGETS=, --targets): their sides are
# not the two kernels (units: both labels boot the patched kernel with
# different zswap.unit_size), so "auto" would judge other runs by them.
EXPLICIT_ONLY = ("units",)


class TargetsError(Exception):
    pass


def load(path=TARGETS_FILE):
    """{set: {"title", "about", "lines": [line dict]}} in file order."""
    sets = {}
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise TargetsError("%s: %s" % (path, e))
    for no, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        where = "%s:%d" % (os.path.relpath(path), no)
        if s.startswith("@set "):
            f = [x.strip() for x in s[len("@set "):].split("|")]
            if len(f) != 3 or not f[0] or f[0] in sets:
                raise TargetsError("%s: want '@set NAME | TITLE | ABOUT' with a new NAME" % where)
            sets[f[0]] = {"title": f[1], "about": f[2], "lines": []}
            continue
        f = [x.strip() for x in s.split("|")]
        if len(f) not in (11, 12):
            raise TargetsError("%s: %d fields, want 11 or 12 (SET | ID | WORKLOADS | BACKENDS | "
                               "A | B | METRIC | RULE | THRESHOLD | NOTES | WHY [| CLOSE])"
                               % (where, len(f)))
        st, tid, ws, bs, a, b, metric, rule, th, notes, why = f[:11]
        if len(f) == 12 and not f[11]:
            raise TargetsError("%s: CLOSE is empty (leave the field out)" % where)
        close = parse_close(f[11] if len(f) == 12 else "", bs, where)
        if st not in sets:
            raise TargetsError("%s: set %r has no @set line before it" % (where, st))
        if rule not in RULES:
            raise TargetsError("%s: rule %r, want one of %s" % (where, rule, ", ".join(RULES)))
        thv = None
        if rule in ("at-least", "at-most", "max-pct"):
            try:
                thv = float(th)
            except ValueError:
                raise TargetsError("%s: rule %s needs a number THRESHOLD, not %r" % (where, rule, th))
        elif th:
            raise TargetsError("%s: rule %s takes no THRESHOLD (%r)" % (where, rule, th))
        if not why:
            raise TargetsError("%s: every target says why (WHY is empty)" % where)
        if any(ln["id"] == tid for ln in sets[st]["lines"]):
            raise TargetsError("%s: id %r twice in set %s" % (where, tid, st))
        sides = []
        for side in (a, b):
            p = side.split()
            if st in ELSEWHERE or (side == "" and rule == "max-pct"):
                sides.append(side)
                continue
            if len(p) != 2 or p[0] not in ("baseline", "patched", "ref"):
                raise TargetsError("%s: side %r, want 'KERNEL SIZE' or 'ref VALUE'" % (where, side))
            if p[0] == "ref":
                try:
                    float(p[1])
                except ValueError:
                    raise TargetsError("%s: 'ref %s': not a number" % (where, p[1]))
            sides.append(side)
        if st not in ELSEWHERE and metric != "primary" and "." not in metric:
            raise TargetsError("%s: METRIC %r, want GROUP.NAME or primary" % (where, metric))
        sets[st]["lines"].append({
            "set": st, "id": tid, "workloads": [x.strip() for x in ws.split(",") if x.strip()],
            "backends": [x.strip() for x in bs.split(",") if x.strip()],
            "a": sides[0], "b": sides[1], "metric": metric, "rule": rule, "threshold": thv,
            "notes": [x.strip() for x in notes.split(",") if x.strip()], "why": why,
            "close": close, "where": where})
    return sets


# A missed target whose line in bench/targets.conf says nothing of what
# would close it on its backend.
NO_CLOSE = "not analysed yet (its line in bench/targets.conf has no CLOSE for this backend)"


def parse_close(text, backends, where):
    """CLOSE: "TEXT" for every backend of the line, or "[B1, B2] TEXT
    [B3] TEXT ...", each text for the backends in its brackets (of the
    line's BACKENDS, unless those are "*"). {backend or "*": text}."""
    if not text:
        return {}
    if not text.startswith("["):
        if "[" in text or "]" in text:
            raise TargetsError("%s: CLOSE: brackets only around backends at the start of a text" % where)
        return {"*": text}
    allowed = [x.strip() for x in backends.split(",") if x.strip()]
    out = {}
    parts = re.findall(r"\[([^\[\]]*)\]([^\[\]]*)", text)
    if "".join("[%s]%s" % p for p in parts) != text:
        raise TargetsError("%s: CLOSE: want '[BACKENDS] TEXT [BACKENDS] TEXT ...'" % where)
    for scope, body in parts:
        body = body.strip()
        if not body:
            raise TargetsError("%s: CLOSE: [%s] has no text" % (where, scope))
        for b in (x.strip() for x in scope.split(",")):
            if not b or (allowed != ["*"] and b not in allowed):
                raise TargetsError("%s: CLOSE: [%s]: %r is not one of the line's backends (%s)"
                                   % (where, scope, b, backends))
            if b in out:
                raise TargetsError("%s: CLOSE: backend %s twice" % (where, b))
            out[b] = body
    return out


def close_for(ln, backend):
    """What the line's CLOSE says would close a miss on backend, or ""."""
    return ln["close"].get(backend) or ln["close"].get("*") or ""


# --- notes: what a line adds beside its ratio ---------------------------------

RAND_INFO = ("for information: random page order. Its write phase at 64K swaps "
             "in (a first touch faults in 64K, the other 15 pages are touched "
             "later, mostly after the folio went out; 4K only writes), and a "
             "random pass is read at order 0 by design (no used neighbour), "
             "which is the anti-thrash rule, so no folio size meets these ratios")


def _cm(R, model, w, b, s, k, name, grp="counters"):
    c = model.st(w, b, s, k)
    if not c or not c["n"]:
        return None
    v = c[grp].get(name)
    return v["mean"] if v else None


def note_zswpout(R, model, w, b, s, a_stat, ctx):
    pre = R.size_prefix(s)
    zso = _cm(R, model, w, b, s, R.PATCHED, pre + ".zswpout")
    if a_stat and zso is None:
        # without it nothing says the folios went to zswap and not to the disk
        return "", ("patched %s runs have no %s.zswpout counter (a kernel that does "
                    "not store %s folios in zswap)" % (s, pre, s))
    if a_stat and not zso:
        return "patched %s.zswpout = 0: no %s folio stored whole" % (pre, s), None
    return "", None


def note_baseline_bypass(R, model, w, b, s, a_stat, ctx):
    pre = R.size_prefix(s)
    bpo = _cm(R, model, w, b, s, R.BASE, "pswpout")
    bso = _cm(R, model, w, b, s, R.BASE, pre + ".swpout")
    if bpo is not None and bso:
        return ("baseline pswpout %s pages = %s of %s.swpout x %d"
                % (R.fmt_int(bpo), R.fmt_pct(bpo / (bso * R.folio_pages(s)) * 100, False),
                   pre, R.folio_pages(s))), None
    return "", None


def note_rand_info(R, model, w, b, s, a_stat, ctx):
    return "", RAND_INFO


def note_faults_4k(R, model, w, b, s, a_stat, ctx):
    f4 = _cm(R, model, w, b, "4K", R.PATCHED, "majfault_per_gib_swapin", "computed")
    ppf = _cm(R, model, w, b, "4K", R.PATCHED, "swapin_pages_per_majfault", "computed")
    if f4 is None:
        return "", None
    return ("patched 4K: %s faults/GiB (%s pages per fault with readahead)"
            % (R.fmt_int(f4), "%.1f" % ppf if ppf is not None else "n.a.")), None


def note_pages_in(R, model, w, b, s, a_stat, ctx):
    def swapped_in(k):
        v = _cm(R, model, w, b, s, k, "pswpin"), _cm(R, model, w, b, s, k, "zswpin")
        if v[0] is None:
            return None
        return v[0] + (v[1] or 0)
    p, q = swapped_in(R.PATCHED), swapped_in(R.BASE)
    if p is not None and q:
        return "pages swapped in, patched / baseline: %.2f" % (p / q), None
    return "", None


def note_swapin_share(R, model, w, b, s, a_stat, ctx):
    sw = _cm(R, model, w, b, s, R.PATCHED, R.size_prefix(s) + ".swpin")
    pin = _cm(R, model, w, b, s, R.PATCHED, "pswpin")
    if sw is not None and pin:
        return ("patched: %s of the pages swapped in came in %s folios"
                % (R.fmt_pct(sw * R.folio_pages(s) / pin * 100, False), s)), None
    return "", None


def fio_read(fio_data, device, bs):
    """fio read MiB/s of DEVICE at block size BS: (depth-1 psync, io_uring
    depth 32), None where not measured. The swapfile lives on the second
    disk, which fio does not measure: the swap disk's figure stands in."""
    dev = "disk" if device == "swapfile" else device
    out = {}
    for d in fio_data or []:
        for r in d.get("results") or []:
            if str(r.get("device")) == dev and r.get("rw") == "read" \
                    and r.get("bs") == bs and isinstance(r.get("bw_mibs"), (int, float)):
                out[r.get("mode")] = r["bw_mibs"]
    return out.get("lat"), out.get("tput")


def note_fio(R, model, w, b, s, a_stat, ctx):
    lat, tput = fio_read(ctx.get("fio"), b, R.size_bytes(s))
    if lat is None or not a_stat:
        return "", None
    return ("fio read %s: %s MiB/s at depth 1, %s at depth 32; patched reads at %s "
            "of the depth-1 figure" % (s, R.fmt(lat), R.fmt(tput) if tput is not None
                                       else "n.a.", R.fmt_pct(a_stat["mean"] / lat * 100,
                                                              False))), None


NOTES = {"zswpout": note_zswpout, "baseline-bypass": note_baseline_bypass,
         "rand-info": note_rand_info, "faults-4K": note_faults_4k,
         "pages-in": note_pages_in, "swapin-share": note_swapin_share, "fio": note_fio}


def check_notes(sets):
    for st in sets.values():
        for ln in st["lines"]:
            for n in ln["notes"]:
                if n not in NOTES and ln["set"] not in ELSEWHERE:
                    raise TargetsError("%s: note %r unknown (%s)" % (ln["where"], n,
                                                                     ", ".join(sorted(NOTES))))


# --- evaluation ----------------------------------------------------------------

def stat(R, model, w, b, s, k, group, name):
    """(describe() or None, why-missing or None)."""
    c = model.st(w, b, s, k)
    if not c:
        return None, "no %s %s %s run on %s" % (w, b, s, k)
    if c["n"] == 0:
        return None, "every %s %s %s run on %s failed" % (w, b, s, k)
    v = c[group].get(name)
    if not v:
        return None, "no %s in the %s %s %s runs on %s" % (name, w, b, s, k)
    return v, None


def rule_of(R, ln):
    """(text, check): check(ci) -> True (PASS), False (FAIL), None."""
    th, metric = ln["threshold"], ln["metric"].split(".", 1)[-1]
    if ln["rule"] == "at-least":
        return "lower bound >= %.3g" % th, R.at_least(th)
    if ln["rule"] == "at-most":
        return "upper bound <= %.4g" % th, R.at_most(th)
    if ln["rule"] == "not-worse":
        if R.direction(metric) == "lower":
            return R.NOT_WORSE_LOWER
        return R.NOT_WORSE_HIGHER
    return R.INFO


def side_stat(R, model, w, b, side, metric):
    """(label, (describe() or None, why or None)) of one side of a line."""
    k, s = side.split()
    if k == "ref":
        v = float(s)
        return "reference %s" % s, ({"n": 1, "mean": v, "sd": None, "min": None, "max": None,
                                      "values": [v], "exact": True}, None)
    group, name = metric.split(".", 1)
    return "%s %s" % (k, s), stat(R, model, w, b, s, k, group, name)


def present(model, w, b, side):
    k, s = side.split()
    return k == "ref" or (w, b, s, k) in model.configs


def line_rows(R, model, ln, explicit, ctx):
    """The evaluated lines (R.target_line dicts) of one target."""
    ws = ln["workloads"] if ln["workloads"] != ["*"] else model.workloads
    bs = ln["backends"]
    if bs == ["*"]:
        bs = sorted({k[1] for k in model.configs}, key=lambda x: R.order_key(R.BACKEND_ORDER, x))
    out = []
    rule_text, check = rule_of(R, ln)
    for b in bs:
        for w in ws:
            if not (present(model, w, b, ln["a"]) or present(model, w, b, ln["b"])):
                continue
            ak, a = side_stat(R, model, w, b, ln["a"], ln["metric"])
            bk, bv = side_stat(R, model, w, b, ln["b"], ln["metric"])
            s = ln["a"].split()[1]
            notes, na = [], info_text(ln) if ln["rule"] == "info" else None
            for n in ln["notes"]:
                t, why = NOTES[n](R, model, w, b, s, a[0], ctx)
                if t:
                    notes.append(t)
                if why:
                    na = why
            out.append(R.target_line(ln["id"], target_text(ln), w, b, a, ak, bv, bk,
                                     rule_text, check, "; ".join(notes), na, close_for(ln, b)))
    if not out and explicit:
        out.append(R.target_line(ln["id"], target_text(ln), ", ".join(ln["workloads"]),
                             ", ".join(ln["backends"]), (None, "no run of this target's "
                                                         "configurations"), ln["a"],
                             (None, None), ln["b"], rule_text, check))
    return out


def info_text(ln):
    """The note of a line for information: its WHY."""
    w = ln["why"].rstrip(".")
    return w[0].lower() + w[1:] if w.lower().startswith("for information") else \
        "for information: " + w[0].lower() + w[1:]


def target_text(ln):
    return "%s, %s / %s" % (ln["metric"].split(".", 1)[-1], ln["a"], ln["b"])


def none_worse_row(R, model, ln):
    """The matrix rule: every configuration run on both kernels, none worse
    on the metric (its primary one for "primary")."""
    worse, n, judged, worse_b = [], 0, 0, []
    for e in model.comparisons():
        if ln["workloads"] != ["*"] and e["workload"] not in ln["workloads"]:
            continue
        if ln["backends"] != ["*"] and e["backend"] not in ln["backends"]:
            continue
        name = e["primary_metric"] if ln["metric"] == "primary" else ln["metric"].split(".", 1)[1]
        grp = "metrics" if ln["metric"] == "primary" else ln["metric"].split(".", 1)[0]
        c = (e.get(grp) or {}).get(name)
        if not c:
            continue
        n += 1
        if c["verdict"] in ("better", "not worse", "worse", "inconclusive"):
            judged += 1
        if c["verdict"] == "worse":
            worse.append("%s %s %s %s" % (e["workload"], e["backend"], e["size"],
                                          R.ratio_text(c)))
            if e["backend"] not in worse_b:
                worse_b.append(e["backend"])
    verdict = "n.a." if not judged else ("FAIL" if worse else "PASS")
    note = ("%d of %d configurations have an interval; worse: %s" % (judged, n, "; ".join(worse))
            if worse else "%d of %d configurations have an interval; none worse" % (judged, n))
    if worse:
        note += "; to close it: " + " ".join(
            "%s: %s" % (b, close_for(ln, b) or NO_CLOSE) for b in worse_b)
    return {"id": ln["id"], "target": "every configuration: %s, patched / baseline, none worse"
            % ("primary metric" if ln["metric"] == "primary" else ln["metric"]),
            "workload": "*", "backend": "*", "a": None, "b": None,
            "a_label": "patched *", "b_label": "baseline *", "matrix": n, "ratio": None,
            "ratio_of_means": None, "ci": None,
            "rule": "no verdict \"worse\" (upper bound of the oriented ratio < 1)",
            "verdict": verdict, "note": note, "host_load": False}


def judgeable(R, model, st):
    """auto: a set is shown when one of its judged lines has both sides."""
    for ln in st["lines"]:
        if ln["rule"] == "info":
            continue
        if ln["rule"] == "none-worse":
            if any(e for e in model.comparisons()):
                return True
            continue
        ws = ln["workloads"] if ln["workloads"] != ["*"] else model.workloads
        for w in ws:
            for b in ln["backends"]:
                if present(model, w, b, ln["a"]) and present(model, w, b, ln["b"]):
                    return True
    return False


def parse_mode(v, sets):
    """auto | none | SET[,SET...]: the sets a report shows. Unknown names
    raise TargetsError."""
    v = (v or "auto").strip().lower()
    if v in ("auto", "none"):
        return v
    names = []
    for x in v.split(","):
        x = ALIASES.get(x.strip(), x.strip())
        if x not in sets or x in ELSEWHERE:
            raise TargetsError("unknown target set %r (auto, none, %s)" % (
                x, ", ".join(n for n in sets if n not in ELSEWHERE)))
        names.append(x)
    return ",".join(names)


def sections(R, model, mode, fio_data, sets=None):
    """[(title, markdown, data)] of the sets mode asks for."""
    sets = sets if sets is not None else load()
    check_notes(sets)
    if mode == "none":
        return []
    if mode == "auto":
        chosen = [n for n, st in sets.items() if n not in ELSEWHERE + EXPLICIT_ONLY
                  and judgeable(R, model, st)]
        explicit = False
    else:
        chosen, explicit = mode.split(","), True
    out = []
    ctx = {"fio": fio_data}
    for name in chosen:
        st = sets[name]
        lines = []
        for ln in st["lines"]:
            if ln["rule"] == "none-worse":
                lines.append(none_worse_row(R, model, ln))
            else:
                lines.extend(line_rows(R, model, ln, explicit, ctx))
        if not lines:
            continue
        tally = {v: sum(1 for x in lines if x["verdict"] == v) for v in ("PASS", "FAIL", "n.a.")}
        md = [st["about"] + "\n\n",
              "One line per target of the set `%s` in bench/targets.conf (its WHY says why "
              "each is there) and per workload and backend of the run. Each ratio is A / B "
              "as written, of the geometric means over the ok iterations, with its %d%% "
              "Welch t interval on the logs (against a fixed reference, a one-sample "
              "interval). A line passes when the bound on the side of its claim clears the "
              "threshold (the lower bound for \"at least\", the upper for \"at most\"; \"not "
              "worse\": the ratio oriented so that > 1 is better has its lower bound >= "
              "%.2f), and fails otherwise, also when only the ratio would pass (the note "
              "says so). n.a.: a run or counter is missing, fewer than 2 ok runs a side, or "
              "a line for information.\n\n" % (name, R.CI_LEVEL * 100, R.NOT_WORSE),
              "**%d PASS, %d FAIL, %d n.a.**\n\n" % (tally["PASS"], tally["FAIL"], tally["n.a."]),
              R.targets_table(lines)]
        if name == "zswap":
            md.append(R.targets_runs_note(model, lines))
        out.append((st["title"], "".join(md), {"set": name, "title": st["title"],
                                                 "mode": mode, "emitted": True,
                                                 "lines": lines}))
    return out
