#!/bin/bash
# Device ceilings with fio, run INSIDE the lfswap guest before any mkswap:
# for each swap device (the raw disk, zram, brd) how fast raw O_DIRECT I/O
# at swap-like block sizes can go, one request at a time (lat: psync,
# depth 1) and batched (tput: io_uring, depth 32). The swap benchmarks
# compare against these numbers. From the host:
#
#   scripts/vm.sh --kernel patched --flavour perf -- bench/guest/ceilings-fio.sh [OUT] [FIO_X=VALUE ...]
#
# OUT (default $LFS_RESULTS/ceilings) gets fio/<dev>-<mode>-<rw>-<bs>.json
# (fio's JSON, one per job), fio-summary.json (schema lfswap-fio/1), the
# job files as run (jobs/) and table.txt. The guest does not inherit the
# host's environment: give settings as KEY=VALUE arguments (FIO_* only),
# or in a file named by FIO_CONFIG=PATH (sourced; arguments win over it,
# it wins over the environment). Settings (default):
#
#   FIO_DEVICES       devices, in order ("disk zram brd"): disk = /dev/vda,
#                     zram = /dev/zram0 (reset + set up here), brd = /dev/ram0
#   FIO_MODES         "lat tput" (bench/fio/swapdev-<mode>.fio)
#   FIO_RUNTIME       seconds per job (2)
#   FIO_RAMP          ramp_time per job (empty: the job file's, 250ms)
#   FIO_SIZE          region of each device used (512M; capped at the
#                     device size; zram and brd hold it in guest RAM)
#   FIO_WRITE_RW      "write randwrite"      FIO_WRITE_BS  "4k 16k 64k 2m"
#   FIO_READ_RW       "read randread"        FIO_READ_BS   "4k 64k"
#   FIO_ZRAM_DISKSIZE 1G                     FIO_ZRAM_ALGO lz4
#   FIO_TPUT_ENGINE   io_uring (libaio when this kernel has io_uring off)
#   FIO_COMPRESS      buffer_compress_percentage for the data (empty: fio's
#                     random, incompressible data, the worst case for zram)
#   FIO_FORCE=1       run outside the lfswap guest (it destroys the devices)
#   FIO_QUICK=1       a quick pass: FIO_RUNTIME=1, FIO_RAMP=0, FIO_SIZE=256M,
#                     FIO_WRITE_BS="4k 64k", FIO_READ_BS=4k (unless set)
#
# Per device: the writes, then a sequential prefill of the whole region
# (so reads find written data, not holes or zram/brd zero pages), then the
# reads, all in one fio process per device. Fails (exit 1, naming the
# job) when a fio job fails. At the end zram is reset, brd and the disk
# discarded, and no swap is left on. Under TCG (debug kernel, busy 2-core
# host) the default 72 jobs take ~4 min, FIO_QUICK=1 (36 jobs) ~1.2 min.
set -u
LFS_ROOT=${LFS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../../tests/lib/guest.sh
. "$LFS_ROOT/tests/lib/guest.sh"

die() {
	echo "ceilings-fio: error: $*" >&2
	exit 1
}

usage() {
	sed -n '2,/^set -u/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
	exit 0
}

out=""
apply_args() {
	local a
	for a in "$@"; do
		case $a in
		-h | --help) usage ;;
		FIO_[A-Z_]*=*) export "${a?}" ;;
		*=*) die "unknown setting '$a' (only FIO_*=VALUE)" ;;
		*) [ -z "$out" ] || die "more than one output directory ('$out', '$a')"; out=$a ;;
		esac
	done
}
apply_args "$@"
if [ -n "${FIO_CONFIG:-}" ]; then
	[ -r "$FIO_CONFIG" ] || die "FIO_CONFIG=$FIO_CONFIG: cannot read it"
	# shellcheck source=/dev/null
	. "$FIO_CONFIG"
	out=""
	apply_args "$@"
fi

if [ "${FIO_QUICK:-0}" = 1 ]; then
	: "${FIO_RUNTIME:=1}" "${FIO_RAMP:=0}" "${FIO_SIZE:=256M}"
	: "${FIO_WRITE_BS:=4k 64k}" "${FIO_READ_BS:=4k}"
fi
: "${FIO_DEVICES:=disk zram brd}" "${FIO_MODES:=lat tput}"
: "${FIO_RUNTIME:=2}" "${FIO_RAMP:=}" "${FIO_SIZE:=512M}"
: "${FIO_WRITE_RW:=write randwrite}" "${FIO_WRITE_BS:=4k 16k 64k 2m}"
: "${FIO_READ_RW:=read randread}" "${FIO_READ_BS:=4k 64k}"
: "${FIO_ZRAM_DISKSIZE:=1G}" "${FIO_ZRAM_ALGO:=lz4}"
: "${FIO_TPUT_ENGINE:=}" "${FIO_COMPRESS:=}"

# It overwrites /dev/vda and turns all swap off: only in the lfswap guest.
[ "$(hostname 2>/dev/null)" = lfswap-guest ] || [ "${FIO_FORCE:-0}" = 1 ] ||
	die "this is not the lfswap guest (it overwrites /dev/vda, /dev/ram0, /dev/zram0 and turns swap off); run it through scripts/vm.sh, or set FIO_FORCE=1"
out=${out:-$LFS_RESULTS/ceilings}
jobdir=$LFS_ROOT/bench/fio
command -v fio >/dev/null || die "fio is not installed"
command -v python3 >/dev/null || die "python3 is missing (needed for the summary)"
for m in $FIO_MODES; do
	[ -f "$jobdir/swapdev-$m.fio" ] || die "FIO_MODES: no job file $jobdir/swapdev-$m.fio"
done

# "4k" "2m" "512M" "1G" -> bytes
to_bytes() {
	local s=${1,,}
	case $s in
	*k) echo $((${s%k} * 1024)) ;;
	*m) echo $((${s%m} * 1024 * 1024)) ;;
	*g) echo $((${s%g} * 1024 * 1024 * 1024)) ;;
	*[0-9]) echo "$s" ;;
	*) die "bad size '$1'" ;;
	esac
}

dev_path() {
	case $1 in
	disk) echo /dev/vda ;;
	zram) echo /dev/zram0 ;;
	brd) echo /dev/ram0 ;;
	*) die "FIO_DEVICES: unknown device '$1' (disk zram brd)" ;;
	esac
}

# Never scribble over a device that is in use.
check_unused() {
	local p=$1 real
	real=$(readlink -f "$p")
	awk 'NR > 1 { print $1 }' /proc/swaps | while read -r s; do
		[ "$(readlink -f "$s")" != "$real" ] || { echo "$p is in use as swap (run this before any mkswap/swapon)" >&2; exit 1; }
	done || exit 1
	! grep -q "^$real " /proc/mounts || die "$p is mounted"
}

setup_dev() {
	local d=$1 p=$2
	[ -b "$p" ] || die "no block device $p for '$d'"
	check_unused "$p"
	case $d in
	disk) echo 0 >/sys/block/vda/queue/rotational ;;
	zram)
		echo 1 >/sys/block/zram0/reset || die "cannot reset zram0"
		echo "$FIO_ZRAM_ALGO" >/sys/block/zram0/comp_algorithm || die "zram0: comp_algorithm $FIO_ZRAM_ALGO refused"
		echo "$FIO_ZRAM_DISKSIZE" >/sys/block/zram0/disksize || die "zram0: disksize $FIO_ZRAM_DISKSIZE refused"
		;;
	esac
}

# Give the memory (zram, brd) or the host disk space back.
teardown_dev() {
	case $1 in
	zram) [ -b /dev/zram0 ] && echo 1 >/sys/block/zram0/reset 2>/dev/null ;;
	brd) [ -b /dev/ram0 ] && blkdiscard /dev/ram0 2>/dev/null ;;
	disk) [ -b /dev/vda ] && blkdiscard /dev/vda 2>/dev/null ;;
	esac
	return 0
}

cleanup() {
	local d
	for d in $FIO_DEVICES; do teardown_dev "$d"; done
	swap_off_all
	[ -z "${work:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$out/fio" "$out/jobs" || die "cannot create $out"
rm -f "$out"/fio/*.json "$out"/jobs/*.fio "$out/fio-summary.json" "$out/table.txt"
work=$(mktemp -d /tmp/ceilings-fio.XXXXXX)
index=$work/index.tsv
: >"$index"

# Which engine for the tput jobs: io_uring unless this kernel has it off
# (io_uring_disabled, 6.6+) or, without that knob, a one-read probe fails.
pick_engine() {
	local p=$1 knob=/proc/sys/kernel/io_uring_disabled
	[ -z "$FIO_TPUT_ENGINE" ] || return 0
	if [ -r $knob ]; then
		[ "$(cat $knob)" = 0 ] && FIO_TPUT_ENGINE=io_uring
	elif fio --name=probe --filename="$p" --ioengine=io_uring --direct=1 --rw=read --bs=4k \
		--size=4k --output-format=terse >"$work/probe.out" 2>&1 && ! grep -q 'fio: ' "$work/probe.out"; then
		FIO_TPUT_ENGINE=io_uring
	fi
	if [ -z "$FIO_TPUT_ENGINE" ]; then
		echo "ceilings-fio: io_uring is not available here; the tput jobs use libaio" >&2
		FIO_TPUT_ENGINE=libaio
	fi
}

# The job files as run: the repo's, with the ramp, the engine and the
# data pattern of this run applied.
declare -A mode_opts
# shellcheck disable=SC2016 # fio expands these, not the shell
RW_VAR='${RW}' BS_VAR='${BS}' DEV_VAR='${DEV}' SIZE_VAR='${SIZE}'
make_jobs() {
	local m f
	pick_engine "$1"
	for m in $FIO_MODES; do
		f=$out/jobs/swapdev-$m.fio
		sed -e "${FIO_RAMP:+s/^ramp_time=.*/ramp_time=$FIO_RAMP/}" \
			-e "$([ "$m" = tput ] && echo "s/^ioengine=.*/ioengine=$FIO_TPUT_ENGINE/")" \
			-e "${FIO_COMPRESS:+/^\[global\]/a buffer_compress_percentage=$FIO_COMPRESS\nrefill_buffers=1}" \
			"$jobdir/swapdev-$m.fio" >"$f" || die "cannot write $f"
		# Its [global] options, to repeat in each section of a device's run.
		mode_opts[$m]=$(sed -n '/^\[global\]/,/^\[/{/^\[/d; /^;/d; /^[[:space:]]*$/d; p}' "$f")
		case ${mode_opts[$m]} in
		*"$RW_VAR"*"$BS_VAR"* | *"$BS_VAR"*"$RW_VAR"*) ;;
		*) die "$f: its [global] must set rw=$RW_VAR and bs=$BS_VAR" ;;
		esac
	done
}

elapsed() {
	local t=$((${EPOCHREALTIME/./} / 1000 - t_start))
	printf '%3d.%d' $((t / 1000)) $((t % 1000 / 100))
}
t_start=$((${EPOCHREALTIME/./} / 1000))

nw() { echo $#; }
jobs_made="" njobs=0
for d in $FIO_DEVICES; do
	for m in $FIO_MODES; do
		# shellcheck disable=SC2086 # word lists
		njobs=$((njobs + $(nw $FIO_WRITE_RW) * $(nw $FIO_WRITE_BS) + $(nw $FIO_READ_RW) * $(nw $FIO_READ_BS)))
	done
done
n=0

# run_device DEVNAME PATH SIZE: all jobs on one device in ONE fio run
# (starting fio costs seconds under TCG, more than a job's runtime), one
# after the other (stonewall): each a section with its mode's [global]
# options, rw and bs filled in; the writes, then a sequential prefill of
# the region (reads need written data, not holes or zram/brd zero pages;
# not a result), then the reads. The JSON is split per job at the end
# ($out/fio/<dev>-<mode>-<rw>-<bs>.json).
run_device() {
	local d=$1 p=$2 size=$3
	local m rw bs o name names=() rc bad
	local jf=$out/jobs/$d.fio json=$work/$d.json
	section() {	# MODE RW BS
		o=${mode_opts[$1]//"$RW_VAR"/$2}
		o=${o//"$BS_VAR"/$3}
		name=$d-$1-$2-$3
		printf '\n[%s]\n%s\nthread=1\nstonewall\n' "$name" "$o"
		names+=("$name")
	}
	{
		printf '; ceilings-fio.sh: all jobs on %s; run with DEV=%s SIZE=%s RUNTIME=%s\n' "$d" "$p" "$size" "$FIO_RUNTIME"
		for m in $FIO_MODES; do
			for rw in $FIO_WRITE_RW; do
				for bs in $FIO_WRITE_BS; do section "$m" "$rw" "$bs"; done
			done
		done
		if [ -n "$FIO_READ_RW" ] && [ -n "$FIO_READ_BS" ]; then
			printf '\n[prefill]\nfilename=%s\nsize=%s\ndirect=1\nioengine=%s\niodepth=8\nrw=write\nbs=1m\nthread=1\nstonewall\n' \
				"$DEV_VAR" "$SIZE_VAR" "$FIO_TPUT_ENGINE"
			[ -z "$FIO_COMPRESS" ] || printf 'buffer_compress_percentage=%s\nrefill_buffers=1\n' "$FIO_COMPRESS"
			names+=(prefill)
			for m in $FIO_MODES; do
				for rw in $FIO_READ_RW; do
					for bs in $FIO_READ_BS; do section "$m" "$rw" "$bs"; done
				done
			done
		fi
	} >"$jf" || die "cannot write $jf"
	n=$((n + ${#names[@]}))
	printf '[%s s] %s (%s, %s bytes): %d jobs\n' "$(elapsed)" "$d" "$p" "$size" "${#names[@]}"
	DEV=$p SIZE=$size RUNTIME=$FIO_RUNTIME \
		fio --eta=never --output-format=json --output="$json" "$jf" 2>"$work/fio.err"
	rc=$?
	if [ $rc != 0 ] || [ ! -s "$json" ]; then
		cat "$work/fio.err" >&2
		# Name the failed job(s): an error in the JSON, or missing from it.
		bad=$(python3 -c '
import json, sys
names = sys.argv[2:]
try:  # fio may put messages before the JSON
    t = open(sys.argv[1]).read()
    t = t[0 if t.startswith("{") else t.index("\n{") + 1:]
    jobs = {j["jobname"]: j for j in json.JSONDecoder().raw_decode(t)[0]["jobs"]}
except Exception:
    print("no results from fio (see its messages above); its jobs: " + " ".join(names))
    sys.exit()
print(" ".join(n + ("" if n not in jobs else " (error %d)" % jobs[n]["error"])
               for n in names if n not in jobs or jobs[n]["error"]) or " ".join(names))
' "$json" "${names[@]}" 2>/dev/null)
		die "fio job(s) failed (fio exit $rc): ${bad:-${names[*]}}; job file $jf (DEV=$p SIZE=$size RUNTIME=$FIO_RUNTIME)"
	fi
	printf '%s\t%s\n' "$d" "$json" >>"$index"
}

echo "ceilings-fio: kernel $(uname -r); devices: $FIO_DEVICES; modes: $FIO_MODES; $njobs jobs of ${FIO_RUNTIME}s" \
	"(ramp ${FIO_RAMP:-250ms}); size $FIO_SIZE; output $out"
for d in $FIO_DEVICES; do
	p=$(dev_path "$d")
	setup_dev "$d" "$p"
	[ -n "$jobs_made" ] || { make_jobs "$p"; jobs_made=1; }
	size=$(to_bytes "$FIO_SIZE")
	devsize=$(($(cat "/sys/class/block/$(basename "$(readlink -f "$p")")/size") * 512))
	[ "$devsize" -gt 0 ] || die "$p has size 0"
	if [ "$size" -gt "$devsize" ]; then
		echo "ceilings-fio: $p is only $devsize bytes: using that, not $FIO_SIZE"
		size=$devsize
	fi
	run_device "$d" "$p" "$size"
	[ "$d" != zram ] || echo "ceilings-fio: zram mm_stat: $(cat /sys/block/zram0/mm_stat)"
	teardown_dev "$d"
done
total=$(elapsed)

python3 - "$index" "$out" "$out/fio-summary.json" "$(uname -r)" "$total" "$FIO_RUNTIME" "${FIO_RAMP:-250ms}" "$FIO_SIZE" \
	"${FIO_QUICK:-0}" "$FIO_COMPRESS" >"$out/table.txt" <<'EOF'
import json, os, sys

index, outdir, summary, kernel, total, runtime, ramp, size, quick, compress = sys.argv[1:]

def nbytes(s):
    s = s.lower()
    mult = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    return int(s[:-1]) * mult[s[-1]] if s[-1] in mult else int(s)

results, bad = [], []

def row(dev, mode, rw, bs, name, job, o):
    if job.get("error", 0):
        bad.append("%s (error %s)" % (name, job["error"]))
    io = job["read" if "read" in rw else "write"]
    lat = io["lat_ns"]
    pct = lat.get("percentile") or io["clat_ns"].get("percentile", {})
    us = lambda v: None if v is None else round(v / 1000.0, 2)
    results.append({
        "device": dev, "mode": mode, "engine": o.get("ioengine"),
        "iodepth": int(o.get("iodepth", 1)), "rw": rw, "bs": nbytes(bs),
        "bw_mibs": round(io["bw_bytes"] / 1048576.0, 2), "iops": round(io["iops"], 1),
        "lat_mean_us": us(lat["mean"]), "lat_p50_us": us(pct.get("50.000000")),
        "lat_p99_us": us(pct.get("99.000000")), "ios": io["total_ios"],
    })
    if io["total_ios"] == 0:
        bad.append("%s (no I/O done)" % name)

for line in open(index):
    dev, path = line.rstrip("\n").split("\t")
    t = open(path).read()  # fio may put messages before the JSON
    d = json.JSONDecoder().raw_decode(t[0 if t.startswith("{") else t.index("\n{") + 1:])[0]
    g = d.get("global options", {})
    for job in d["jobs"]:
        name = job["jobname"]
        if name == "prefill":
            continue
        one = dict(d, jobs=[job])
        json.dump(one, open(os.path.join(outdir, "fio", name + ".json"), "w"), indent=1)
        o = dict(g, **job.get("job options", {}))
        mode, rw, bs = name[len(dev) + 1:].split("-")
        row(dev, mode, rw, bs, name, job, o)

json.dump({"schema": "lfswap-fio/1", "kernel": kernel, "elapsed_s": float(total),
           "params": {"runtime_s": float(runtime), "ramp": ramp, "size": size,
                      "quick": quick == "1", "buffer_compress_percentage": compress or None},
           "results": results}, open(summary, "w"), indent=1)

# One row per device/rw/bs, the modes side by side.
modes = []
for r in results:
    if r["mode"] not in modes:
        modes.append(r["mode"])
rows, keys = {}, []
for r in results:
    k = (r["device"], r["rw"], r["bs"])
    if k not in rows:
        rows[k] = {}
        keys.append(k)
    rows[k][r["mode"]] = r
def fbs(b):
    return "%dm" % (b >> 20) if b >= 1 << 20 and b % (1 << 20) == 0 else "%dk" % (b >> 10)
head = "%-5s %-9s %4s" % ("dev", "rw", "bs")
for m in modes:
    head += " | %-4s %8s %8s %8s %8s" % (m, "MiB/s", "IOPS", "mean_us", "p99_us")
print(head)
print("-" * len(head))
for k in keys:
    line = "%-5s %-9s %4s" % (k[0], k[1], fbs(k[2]))
    for m in modes:
        r = rows[k].get(m)
        if r:
            line += " | %-4s %8.1f %8.0f %8.1f %8.1f" % ("", r["bw_mibs"], r["iops"], r["lat_mean_us"], r["lat_p99_us"] or 0)
        else:
            line += " | %-4s %8s %8s %8s %8s" % ("", "-", "-", "-", "-")
    print(line)
if bad:
    print("failed jobs: " + ", ".join(bad), file=sys.stderr)
    sys.exit(2)
EOF
rc=$?
echo
cat "$out/table.txt"
[ $rc = 0 ] || die "the summary failed, or a fio job reported an error (exit $rc)"
echo "ceilings-fio: $njobs jobs in $total s; engines: lat psync, tput $FIO_TPUT_ENGINE; summary $out/fio-summary.json"
