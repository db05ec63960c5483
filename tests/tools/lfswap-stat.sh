#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# lfswap-stat on the booted kernel, in the guest (suite lfswap-stat): after
# 64K folios went through a swap disk and zswap in a memory cgroup, every
# cell it prints equals the sysfs file it reads, on this kernel's counter
# set (all of them with the series; 6.12 lacks six, which it must name).
# TAP on stdout.
set -u
. "$LFS_ROOT/tests/lib/guest.sh"
bin=$LFS_BIN/lfswap-stat
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1: $2"; }
out=$(mktemp -d)
trap 'rm -rf "$out"; cg_del lfswap-stat; zswap_set off; swap_off_all; mthp_reset' EXIT

series="swpout_fallback_lower zswpout swpin swpin_fallback swpin_fallback_charge zswpin"

# 64K folios out to the disk and to zswap, and back, in a memcg: every
# column of the 64K row and the cgroup's counters have something to show.
swap_off_all
mthp_only 64K
swap_on disk 256 >/dev/null || { echo "Bail out! no swap disk"; exit 1; }
cg=$(cg_new lfswap-stat)
(
	echo $BASHPID >"$cg/cgroup.procs"
	"$LFS_BIN/lfs-integrity" --no-thp-setup --size 64K --mem 8M --out pageout --in seq >"$out/disk.txt" 2>&1 &&
		zswap_set on lz4 20 &&
		"$LFS_BIN/lfs-integrity" --no-thp-setup --size 64K --mem 8M --out pageout --in seq >"$out/zswap.txt" 2>&1
) || { echo "Bail out! the workload failed: $(tail -3 "$out"/*.txt)"; exit 1; }
# no more 64K folios (python3 below would make some): nr_anon stays put
mthp_reset

# nr_anon is a gauge that may move while we read (a process freeing
# folios): the tool's value must lie between the files' before and after
gauges() { for d in "$THP"/hugepages-*kB; do [ -f "$d/enabled" ] && echo "${d##*hugepages-} $(cat "$d/stats/nr_anon")"; done; }
gauges >"$out/anon.before"
"$bin" --all --cgroup lfswap-stat --json >"$out/json" 2>"$out/err"
rc=$?
gauges >"$out/anon.after"
"$bin" --all --cgroup lfswap-stat >"$out/table" 2>"$out/table.err"
trc=$?
if [ "$rc" = 0 ] && [ "$trc" = 0 ]; then
	ok "exit 0 (json, table)"
else
	not_ok "exit 0 (json, table)" "rc $rc and $trc: $(cat "$out/err")"
fi

# which counters this kernel has, from sysfs itself (any anonymous size)
missing=""
for c in $series; do
	ls "$THP"/hugepages-*kB/stats/"$c" >/dev/null 2>&1 || missing+="$c "
done
missing=${missing% }
echo "# kernel $(uname -r) ($LFS_VARIANT); per-size counters sysfs lacks: ${missing:-none}"
t="the kernel has the per-size counters of its variant"
case ${LFS_VARIANT:-} in
patched) want="" ;;
baseline) want=$series ;;
*) want="?" ;;
esac
if [ "$missing" = "$want" ]; then
	ok "$t"
else
	not_ok "$t" "LFS_VARIANT '${LFS_VARIANT:-}' should lack '$want', sysfs lacks '$missing'"
fi
t="stderr names exactly the counters sysfs lacks"
if [ -n "$missing" ] && grep -q "lacks the per-size counters $missing (shown as null)" "$out/err"; then
	ok "$t"
elif [ -z "$missing" ] && [ ! -s "$out/err" ]; then
	ok "$t"
else
	not_ok "$t" "sysfs lacks '${missing}', stderr: $(cat "$out/err")"
fi

# every per-size cell, the vmstat line and the cgroup against the files;
# nothing swaps between the reads, so they must be equal
if python3 - "$out/json" "$THP" "$cg" "$missing" "$out" "${LFS_VARIANT:-}" <<'EOF'
import json, os, sys
d = json.load(open(sys.argv[1]))
thp, cg, missing, out, variant = sys.argv[2], sys.argv[3], sys.argv[4].split(), sys.argv[5], sys.argv[6]
def anon(f):
    return {int(k[:-2]): int(v) for k, v in (l.split() for l in open(f"{out}/{f}"))}
before, after = anon("anon.before"), anon("anon.after")
assert d["missing"] == missing, (d["missing"], missing)
kbs = sorted(int(e[len("hugepages-"):-2]) for e in os.listdir(thp)
             if e.startswith("hugepages-") and os.path.exists(f"{thp}/{e}/enabled"))
assert [s["size_kb"] for s in d["sizes"]] == kbs, [s["size_kb"] for s in d["sizes"]]
checked = 0
for s in d["sizes"]:
    for name, v in s["counters"].items():
        p = f"{thp}/hugepages-{s['size_kb']}kB/stats/{name}"
        if name in missing:
            assert v is None and not os.path.exists(p), (p, v)
            continue
        if name == "nr_anon":
            lo, hi = sorted((before[s["size_kb"]], after[s["size_kb"]]))
            assert lo <= v <= hi, (p, v, lo, hi)
        else:
            want = int(open(p).read())
            assert v["count"] == want, (p, v, want)
        checked += 1
c64 = next(s for s in d["sizes"] if s["size_kb"] == 64)["counters"]
assert c64["swpout"]["count"] > 0, "no 64K folio reached the disk whole"
vm = dict(l.split() for l in open("/proc/vmstat"))
for name in ("pswpout", "pswpin", "zswpout", "zswpin", "thp_swpout"):
    assert d["vmstat"][name]["count"] == int(vm[name]), (name, d["vmstat"][name], vm[name])
st = dict(l.split() for l in open(f"{cg}/memory.stat"))
cc = d["cgroup"]["counters"]
assert cc["zswpout"]["count"] == int(st["zswpout"]), (cc["zswpout"], st["zswpout"])
# 6.12's zswap stores no large folio (they go to the disk); the series' does
if variant == "patched":
    assert c64["zswpout"]["count"] > 0 and cc["zswpout"]["count"] > 0, (c64["zswpout"], cc["zswpout"])
assert cc["pgmajfault"]["count"] == int(st["pgmajfault"])
assert cc["memory.swap.current"] == int(open(f"{cg}/memory.swap.current").read())
# zswap's multi-page units: the parameter and debugfs counters of the
# series' zswap, null on 6.12
u, pu = d["zswap_units"], "/sys/module/zswap/parameters/unit_size"
if variant == "patched":
    assert os.path.exists(pu), "the series' kernel has no zswap.unit_size"
if os.path.exists(pu):
    assert u is not None and u["unit_size"] == int(open(pu).read()), u
    for name, v in u["counters"].items():
        want = int(open(f"/sys/kernel/debug/zswap/{name}").read())
        assert v["count"] == want, (name, v, want)
else:
    assert u is None, u
print(f"# {checked} per-size cells equal their sysfs files; 64K swpout {c64['swpout']['count']}, "
      f"cgroup zswpout {cc['zswpout']['count']}")
EOF
then ok "every cell equals its sysfs file (json)"; else not_ok "every cell equals its sysfs file (json)" "see above"; fi

# the table: the 64K row carries the same values as the JSON (but for
# anon, a gauge read at another moment)
row=$(awk '$1 == "64K" { $3 = ""; $1 = $1; print; exit }' "$out/table")
want=$(python3 -c "
import json
d = json.load(open('$out/json'))
s = next(s for s in d['sizes'] if s['size_kb'] == 64)
c = s['counters']
print(' '.join(['64K', s['enabled'], ''] + ['-' if v is None else str(v['count']) for k, v in c.items() if k != 'nr_anon']))")
if [ "$row" = "$want" ]; then
	echo "# 64K: $row"
	ok "table 64K row equals the JSON"
else
	not_ok "table 64K row equals the JSON" "'$row', json says '$want'"
fi

echo "1..$n"
[ "$failed" = 0 ]
