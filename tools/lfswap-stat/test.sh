#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# lfswap-stat's own tests, on the host, against made-up /sys and /proc trees
# (LFSWAP_STAT_ROOT): a kernel with the series, 6.12 without it, kernels
# without mTHP or THP, rates over an interval, a memory cgroup, and bad
# arguments. TAP on stdout; exit 1 if a case failed.
#   test.sh BINARY
set -u
bin=${1:?usage: test.sh BINARY}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1: $2"; }
check() {	# check NAME CONDITION-COMMAND... : ok if the command succeeds
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else not_ok "$name" "failed: $*"; fi
}

series="swpout_fallback_lower zswpout swpin swpin_fallback swpin_fallback_charge zswpin"
base="nr_anon swpout swpout_fallback"

# mktree DIR WITH-SERIES(0|1): sizes 16K (always), 64K (inherit), 2M (never)
# with counter values derived from size and name, so every cell is known.
mktree() {
	local d=$1 with=$2 kb c i v
	local thp=$d/sys/kernel/mm/transparent_hugepage
	mkdir -p "$thp" "$d/proc/sys/kernel"
	echo "6.12.117-test" >"$d/proc/sys/kernel/osrelease"
	echo "always [madvise] never" >"$thp/enabled"
	for kb in 16 64 2048; do
		mkdir -p "$thp/hugepages-${kb}kB/stats"
		case $kb in
		16) echo "[always] inherit madvise never" ;;
		64) echo "always [inherit] madvise never" ;;
		2048) echo "always inherit madvise [never]" ;;
		esac >"$thp/hugepages-${kb}kB/enabled"
		i=1
		for c in $base $series split shmem_alloc; do
			if [ "$with" = 0 ] && [[ " $series " == *" $c "* ]]; then
				i=$((i + 1))
				continue
			fi
			v=$((kb * 100 + i))
			[ "$kb" != 2048 ] || v=0
			echo "$v" >"$thp/hugepages-${kb}kB/stats/$c"
			i=$((i + 1))
		done
	done
	# a size only shmem uses (8kB on x86-64): no enabled file, no anon counters
	mkdir -p "$thp/hugepages-8kB/stats"
	for c in swpout swpout_fallback split shmem_alloc; do echo 5 >"$thp/hugepages-8kB/stats/$c"; done
	cat >"$d/proc/vmstat" <<-EOF
	nr_free_pages 1000
	pswpin 11
	pswpout 12
	zswpin 13
	zswpout 14
	zswpwb 15
	swpin_zero 16
	swpout_zero 17
	thp_swpout 18
	thp_swpout_fallback 19
	swap_ra 20
	swap_ra_hit 21
	pgmajfault 22
	EOF
	local cg=$d/sys/fs/cgroup/work
	mkdir -p "$cg" "$d/sys/fs/cgroup/v1like"
	echo "anon 4096" >"$d/sys/fs/cgroup/memory.stat"
	cat >"$cg/memory.stat" <<-EOF
	anon 1048576
	zswap 8192
	zswapped 16384
	zswpin 31
	zswpout 32
	zswpwb 33
	swpin_zero 34
	swpout_zero 35
	thp_swpout 36
	thp_swpout_fallback 37
	pgmajfault 38
	EOF
	echo "memory" >"$cg/cgroup.controllers"
	echo "memory" >"$d/sys/fs/cgroup/cgroup.controllers"
	mkdir -p "$d/sys/fs/cgroup/a..b" "$d/sys/fs/cgroup/nomem"
	echo "" >"$d/sys/fs/cgroup/nomem/cgroup.controllers"
	cp "$cg/memory.stat" "$d/sys/fs/cgroup/a..b/"
	echo "memory" >"$d/sys/fs/cgroup/a..b/cgroup.controllers"
	echo 0 >"$d/sys/fs/cgroup/a..b/memory.swap.current"
	echo 65536 >"$cg/memory.swap.current"
	echo 8192 >"$cg/memory.zswap.current"
	[ "$with" = 1 ] || return 0
	# zswap's multi-page units: the parameter, and its debugfs counters
	mkdir -p "$d/sys/module/zswap/parameters" "$d/sys/kernel/debug/zswap"
	echo 65536 >"$d/sys/module/zswap/parameters/unit_size"
	i=41
	for c in unit_stored unit_stored_bytes unit_stored_poor unit_loaded_whole unit_loaded_partial; do
		echo $i >"$d/sys/kernel/debug/zswap/$c"
		i=$((i + 1))
	done
}

run() {	# run ROOT ARGS...: stdout to $tmp/out, stderr to $tmp/err, rc to $rc
	LFSWAP_STAT_ROOT=$1 "$bin" "${@:2}" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# a table row: "size enabled values..." with single spaces
row() { awk -v s="$1" '$1 == s { $1 = $1; print }' "$tmp/out" | head -1; }

# --- a kernel with the series
mktree "$tmp/series" 1
run "$tmp/series"
check "series: exit 0" test "$rc" = 0
check "series: nothing on stderr" test ! -s "$tmp/err"
check "series: names the kernel" grep -qx "lfswap-stat: kernel 6.12.117-test" "$tmp/out"
check "series: 16K row, every counter exact" test "$(row 16K)" = "16K always 1601 1602 1603 1604 1605 1606 1607 1608 1609"
check "series: 64K row, every counter exact" test "$(row 64K)" = "64K inherit:madvise 6401 6402 6403 6404 6405 6406 6407 6408 6409"
check "series: 2M (never, no events) not shown" test -z "$(row 2M)"
check "series: 8K (shmem only) not shown" test -z "$(row 8K)"
check "series: page counts exact" grep -qx "pages: pswpout 12 pswpin 11 zswpout 14 zswpin 13 zswpwb 15 swpout_zero 17 swpin_zero 16 thp_swpout 18 thp_swpout_fallback 19 swap_ra 20 swap_ra_hit 21 pgmajfault 22" "$tmp/out"
check "series: zswap units line exact" grep -qx "zswap units (unit_size 65536): unit_stored 41 unit_stored_bytes 42 unit_stored_poor 43 unit_loaded_whole 44 unit_loaded_partial 45" "$tmp/out"
# the parameter without debugfs (not root, or not mounted): '-', and why
mktree "$tmp/nodebugfs" 1
rm -r "$tmp/nodebugfs/sys/kernel/debug"
run "$tmp/nodebugfs"
check "units without debugfs: exit 0, nothing on stderr" test "$rc" = 0 -a ! -s "$tmp/err"
check "units without debugfs: '-' and the reason" grep -qx "zswap units (unit_size 65536): unit_stored - unit_stored_bytes - unit_stored_poor - unit_loaded_whole - unit_loaded_partial - (zswap's debugfs counters: as root, with debugfs at /sys/kernel/debug)" "$tmp/out"
run "$tmp/series" --all
check "series --all: 2M shown" test "$(row 2M)" = "2M never 0 0 0 0 0 0 0 0 0"

run "$tmp/series" --json
check "series --json: exit 0, one line" test "$rc" = 0 -a "$(wc -l <"$tmp/out")" = 1
if python3 - "$tmp/out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["kernel"] == "6.12.117-test" and d["interval_s"] is None
assert d["missing"] == [], d["missing"]
names = ["nr_anon", "swpout", "swpout_fallback", "swpout_fallback_lower", "zswpout",
         "swpin", "swpin_fallback", "swpin_fallback_charge", "zswpin"]
assert [s["size_kb"] for s in d["sizes"]] == [16, 64, 2048]   # every size, never 8kB
assert [s["enabled"] for s in d["sizes"]] == ["always", "inherit:madvise", "never"]
for s in d["sizes"][:2]:
    c = s["counters"]
    assert list(c) == names, list(c)
    assert c["nr_anon"] == s["size_kb"] * 100 + 1
    for i, n in enumerate(names[1:], 2):
        assert c[n] == {"count": s["size_kb"] * 100 + i, "delta": None, "per_s": None}, (n, c[n])
assert d["vmstat"]["pswpout"]["count"] == 12 and d["vmstat"]["pgmajfault"]["count"] == 22
assert "cgroup" not in d
u = d["zswap_units"]
assert u["unit_size"] == 65536, u
assert list(u["counters"]) == ["unit_stored", "unit_stored_bytes", "unit_stored_poor",
                               "unit_loaded_whole", "unit_loaded_partial"], u
for i, n in enumerate(u["counters"], 41):
    assert u["counters"][n] == {"count": i, "delta": None, "per_s": None}, (n, u["counters"][n])
EOF
then ok "series --json: every value exact"; else not_ok "series --json: every value exact" "see above"; fi

# --- 6.12 without the series: the six counters are missing, named once
mktree "$tmp/stock" 0
run "$tmp/stock"
check "6.12: exit 0" test "$rc" = 0
check "6.12: stderr names exactly the missing counters" \
	grep -q "lacks the per-size counters swpout_fallback_lower zswpout swpin swpin_fallback swpin_fallback_charge zswpin (" "$tmp/err"
check "6.12: 64K row, '-' where missing" test "$(row 64K)" = "64K inherit:madvise 6401 6402 6403 - - - - - -"
check "6.12: no zswap units line" bash -c "! grep -q '^zswap units' '$tmp/out'"
run "$tmp/stock" --json
if python3 - "$tmp/out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["missing"] == ["swpout_fallback_lower", "zswpout", "swpin", "swpin_fallback",
                        "swpin_fallback_charge", "zswpin"], d["missing"]
c = d["sizes"][1]["counters"]
assert c["swpin"] is None and c["swpout"]["count"] == 6402
assert d["zswap_units"] is None   # no zswap.unit_size on 6.12
EOF
then ok "6.12 --json: missing listed, null values"; else not_ok "6.12 --json: missing listed, null values" "see above"; fi

# --- no mTHP, no THP: a clear error, exit 1
mkdir -p "$tmp/nomthp/sys/kernel/mm/transparent_hugepage" "$tmp/nomthp/proc"
run "$tmp/nomthp"
check "no mTHP: exit 1" test "$rc" = 1
check "no mTHP: says so" grep -q "no multi-size THP (mTHP" "$tmp/err"
check "no mTHP: nothing on stdout" test ! -s "$tmp/out"
mkdir -p "$tmp/nothp/proc"
run "$tmp/nothp"
check "no THP: exit 1, says so" test "$rc" = 1
check "no THP: names the option" grep -q "CONFIG_TRANSPARENT_HUGEPAGE" "$tmp/err"

# --- a memory cgroup
run "$tmp/series" --cgroup work
check "cgroup: exit 0" test "$rc" = 0
check "cgroup: its counters exact, bytes in KiB" grep -qx "  zswpout 32 zswpin 31 zswpwb 33 swpout_zero 35 swpin_zero 34 thp_swpout 36 thp_swpout_fallback 37 pgmajfault 38 zswap 8K zswapped 16K memory.swap.current 64K memory.zswap.current 8K" "$tmp/out"
check "cgroup: says per-size counters are system-wide" grep -q "^cgroup work (the kernel counts per size system-wide only)" "$tmp/out"
run "$tmp/series" --cgroup /sys/fs/cgroup/work --json
check "cgroup: absolute path, JSON" python3 -c "
import json,sys
d=json.load(open('$tmp/out'))['cgroup']
assert d['path']=='/sys/fs/cgroup/work'
assert d['counters']['zswpwb']['count']==33 and d['counters']['memory.swap.current']==65536, d"

# --- rates over an interval: bump counters by known amounts mid-interval
stats=$tmp/series/sys/kernel/mm/transparent_hugepage/hugepages-64kB/stats
# the counters change once the first sample is out (not after a fixed sleep)
bump() {	# bump FILE-OF-OUTPUT: wait for its first line, then change the counters
	local i
	for i in $(seq 100); do [ -s "$1" ] && break; sleep 0.01; done
	echo $((6405 + 100)) >"$stats/zswpout"
	echo $((6402 + 40)) >"$stats/swpout"
	echo 1 >"$stats/swpin"	# down from 6406: reset, no rate
}
rm -f "$tmp/out"	# the wait below must not see the last run's output
LFSWAP_STAT_ROOT=$tmp/series "$bin" --json 2 2 >"$tmp/out" 2>"$tmp/err" &
pid=$!
bump "$tmp/out"
wait $pid
rc=$?
if python3 - "$tmp/out" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 2, len(lines)
d = json.loads(lines[1])
assert 1.9 < d["interval_s"] < 4, d["interval_s"]
c = d["sizes"][1]["counters"]
assert c["swpin"] == {"count": 1, "delta": None, "per_s": None}, c["swpin"]
for n, delta in (("zswpout", 100), ("swpout", 40), ("swpin_fallback", 0)):
    assert c[n]["delta"] == delta, (n, c[n])
    # interval_s is printed to 1 ms: the rate agrees to that precision
    assert abs(c[n]["per_s"] - delta / d["interval_s"]) <= delta * 0.002 + 0.001, (n, c[n])
assert c["nr_anon"] == 6401
EOF
then ok "interval: exact deltas, rates = delta / interval"; else not_ok "interval: exact deltas, rates = delta / interval" "see above"; fi
echo 6406 >"$stats/swpin"
rm -f "$tmp/out"
LFSWAP_STAT_ROOT=$tmp/series "$bin" 2 2 >"$tmp/out" 2>"$tmp/err" &
pid=$!
for i in $(seq 100); do [ -s "$tmp/out" ] && break; sleep 0.01; done
echo $((6505 + 1)) >"$stats/zswpout"	# one event in 2 s: 0.50
echo 6000 >"$stats/swpin"		# down: reset
wait $pid
check "interval table: a second block of rates" grep -q "^per second over the last 2\.[0-9] s" "$tmp/out"
rates=$(awk '$1 == "64K" { $1 = $1; print }' "$tmp/out" | tail -1)
if [[ $rates =~ ^64K\ inherit:madvise\ 6401\ 0\ 0\ 0\ 0\.(49|50)\ -\ 0\ 0\ 0$ ]]; then
	ok "interval table: every 64K rate (anon a value, a reset '-')"
else
	not_ok "interval table: every 64K rate (anon a value, a reset '-')" "'$rates'"
fi

# --- bad input: a clear error, exit 2, nothing on stdout
long=$(printf 'x%.0s' $(seq 5000))
for args in "0" "-1" "abc" "1 0" "1 2 3" "+1" "1 -2" "1e3" "--bogus" "--cgroup nope" "--cgroup v1like" \
	"--cgroup nomem" "--cgroup ../etc" "--cgroup work/../.." "--cgroup /" "--cgroup /home/work" \
	"--cgroup $long"; do
	# shellcheck disable=SC2086
	run "$tmp/series" $args
	if [ "$rc" = 2 ] && [ -s "$tmp/err" ] && [ ! -s "$tmp/out" ]; then
		ok "bad input '$args': exit 2 with a message"
	else
		not_ok "bad input '$args': exit 2 with a message" "rc $rc, stderr '$(head -c 200 "$tmp/err")', stdout $(wc -c <"$tmp/out") bytes"
	fi
done

# leading blanks in a number are bad input too (not split by the shell here)
run "$tmp/series" 1 " 2"
check "bad input '1 \" 2\"': exit 2" test "$rc" = 2 -a ! -s "$tmp/out"

# a cgroup whose name has two dots in it, and odd bytes in JSON
run "$tmp/series" --cgroup a..b
check "cgroup 'a..b' (dots in a name, not '..'): exit 0" test "$rc" = 0
odd=$'odd\xff name\n"q"'
mkdir -p "$tmp/series/sys/fs/cgroup/$odd"
cp "$tmp/series/sys/fs/cgroup/a..b/"* "$tmp/series/sys/fs/cgroup/$odd/"
run "$tmp/series" --json --cgroup "$odd"
check "odd cgroup name: valid JSON, invalid UTF-8 as U+FFFD" python3 -c "
import json
d = json.load(open('$tmp/out', encoding='utf-8'))
assert d['cgroup']['path'] == 'odd\ufffd name\n\"q\"', d['cgroup']['path']"
run "$tmp/series" --cgroup "$odd"
check "odd cgroup name: one table line, escaped" grep -qx 'cgroup odd\\xff name\\x0a"q" (the kernel counts per size system-wide only):' "$tmp/out"

# a counter file that is not a number: exit 1 naming it, not a silent '-'
mktree "$tmp/bad" 1
echo "12abc" >"$tmp/bad/sys/kernel/mm/transparent_hugepage/hugepages-64kB/stats/swpin"
run "$tmp/bad"
check "garbage counter: exit 1" test "$rc" = 1
check "garbage counter: names the file" grep -q "hugepages-64kB/stats/swpin: not a counter value: '12abc'" "$tmp/err"
echo "18446744073709551615" >"$tmp/bad/sys/kernel/mm/transparent_hugepage/hugepages-64kB/stats/swpin"
echo "18446744073709551615" >"$tmp/bad/sys/kernel/mm/transparent_hugepage/hugepages-64kB/stats/nr_anon"
run "$tmp/bad"
check "counter above 2^63: exit 1" test "$rc" = 1
echo 6406 >"$tmp/bad/sys/kernel/mm/transparent_hugepage/hugepages-64kB/stats/swpin"
run "$tmp/bad"
check "nr_anon read below 0 for a moment (a huge number): 0" test "$(row 64K | cut -d' ' -f3)" = 0

# output that cannot be written: exit 1 with a message
LFSWAP_STAT_ROOT=$tmp/series "$bin" >/dev/full 2>"$tmp/err"
rc=$?
check "write error (/dev/full): exit 1" test "$rc" = 1
check "write error: says so" grep -q "writing the output" "$tmp/err"

echo "1..$n"
[ "$failed" = 0 ]
