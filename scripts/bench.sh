#!/bin/bash
# `make bench`: build the baseline and the patched perf kernels, measure the
# ceilings (fio on the swap devices, the compressors natively and in the
# guest), run the workload matrix of a bench/configs/*.conf on both kernels
# (boots alternate baseline/patched per backend and iteration), and write a
# report with statistics and plots.
#
#   bench.sh [--config FILE] [--quick] [--out DIR | --resume DIR] [--publish]
#
#   --config FILE  the configuration (default bench/configs/default.conf,
#                  with --quick bench/configs/quick.conf)
#   --out DIR      results directory (default build/bench/results/<time>)
#   --resume DIR   finish an interrupted run in DIR with the same --config:
#                  boots whose runs all have a successful runs/*.json and
#                  measured ceilings are not repeated (meta.json records it)
#   --publish      copy the report and its plots to docs/performance.md and
#                  docs/performance/ (for a full run on main)
#
# Results: DIR/meta.json, DIR/runs/*.json (one per workload run),
# DIR/ceilings/, DIR/corpus/manifest.json, DIR/boots/<boot>/ (console logs),
# DIR/report.md, DIR/plots/. Exit 0 when every run succeeded, 1 otherwise
# (the report lists the failures).
set -eu
. "$(dirname "$0")/lib.sh"

conf="" quick=0 res="" publish=0 resume=0
while [ $# -gt 0 ]; do
	case $1 in
	--config) conf=$2; shift 2 ;;
	--quick) quick=1; shift ;;
	--out) res=$2; shift 2 ;;
	--resume) res=$2; resume=1; shift 2 ;;
	--publish) publish=1; shift ;;
	-h | --help) sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) die "bench.sh: unknown argument $1 (see --help)" ;;
	esac
done
if [ -z "$conf" ]; then
	conf=$LFS_ROOT/bench/configs/default.conf
	[ "$quick" = 0 ] || conf=$LFS_ROOT/bench/configs/quick.conf
fi
[ -f "$conf" ] || die "no bench configuration $conf"
conf=$(cd "$(dirname "$conf")" && pwd)/$(basename "$conf")
export LFS_ROOT
# shellcheck source=/dev/null
. "$conf"
suffix=""
[ "$quick" = 0 ] || suffix=-quick
[ -n "$res" ] || res=$LFS_BUILD/bench/results/$(date +%Y%m%d-%H%M%S)$suffix
if [ "$resume" = 1 ]; then
	[ -d "$res/runs" ] || die "--resume $res: not a results directory (no runs/)"
	[ ! -f "$res/meta.json" ] || die "--resume $res: that run finished (meta.json exists)"
	# boot.conf starts with the configuration it ran; comments may change.
	settings() { grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$'; }
	[ ! -f "$res/boot.conf" ] ||
		sed '/^# resolved by scripts\/bench.sh$/,$d' "$res/boot.conf" | settings | cmp -s - <(settings <"$conf") ||
		die "--resume $res: it was started with another configuration (see $res/boot.conf; --config $conf)"
fi
mkdir -p "$res/runs" "$res/boots" "$res/ceilings" "$res/corpus"
res=$(cd "$res" && pwd)
t_start=$(date +%s)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
resumed=""
if [ "$resume" = 1 ]; then
	# The run started when its first boot did; this is when it resumed.
	resumed=$started
	if [ -f "$res/started" ]; then
		started=$(cat "$res/started")
	else
		started=$(date -u -r "$res/corpus" +%Y-%m-%dT%H:%M:%SZ)
	fi
else
	echo "$started" >"$res/started"
fi
elapsed() { echo "[$(($(date +%s) - t_start)) s]"; }

# --- build ------------------------------------------------------------------
"$LFS_ROOT/scripts/deps.sh" all
"$LFS_ROOT/scripts/prepare.sh"
for k in $KERNELS; do "$LFS_ROOT/scripts/build-kernel.sh" "$k" perf; done
"$LFS_ROOT/scripts/build-tests.sh"
bin=$LFS_BUILD/bench/bin
make -s -C "$LFS_ROOT/bench/src" OUT="$bin" >"$LFS_BUILD/bench-build.log" 2>&1 || {
	cat "$LFS_BUILD/bench-build.log" >&2
	die "building bench/src failed (log: $LFS_BUILD/bench-build.log)"
}
note "$(elapsed) kernels and programs built"

# --- data -------------------------------------------------------------------
corpus=$LFS_BUILD/bench/corpus
if [ "$USEMEM_DATA" = corpus ]; then
	LFS_BENCH_BIN=$bin "$LFS_ROOT/bench/corpus/capture.sh" "$corpus" ||
		die "capturing the corpus failed (bench/corpus/capture.sh $corpus)"
	cp "$corpus/manifest.json" "$res/corpus/"
	data=$corpus/corpus.bin
else
	data=$USEMEM_DATA
fi
kb=$LFS_BUILD/bench/kbuild
"$LFS_ROOT/bench/kbuild/prepare.sh" "$(src_dir baseline)" "$(out_dir baseline perf)" "$kb" "$KBUILD_FILES"
note "$(elapsed) corpus and kbuild inputs ready"

# What every boot sources: the configuration plus resolved paths.
boot_conf=$res/boot.conf
{
	cat "$conf"
	echo "# resolved by scripts/bench.sh"
	echo "USEMEM_DATA=$data"
	echo "KBUILD_SRC=$kb"
	echo "LFS_BENCH_BIN=$bin"
} >"$boot_conf"
# quick.conf sources default.conf through $LFS_ROOT, which the guest has.

failures=0
boot() {	# boot NAME KERNEL TIMEOUT COMMAND...: one guest, results in boots/NAME
	local name=$1 kernel=$2 limit=$3 rc=0
	shift 3
	"$LFS_ROOT/scripts/vm.sh" --kernel "$kernel" --flavour perf --cpus "$GUEST_CPUS" --mem "$GUEST_MEM" \
		${DISK_MIBS:+--disk-mibs "$DISK_MIBS"} --timeout "$limit" --run-dir "$res/boots/$name" -- "$@" >"$res/boots/$name.log" 2>&1 || rc=$?
	grep -E '^(---|FAILED|lfswap: )' "$res/boots/$name.log" | sed 's/^/  /' || true
	if [ "$rc" != 0 ]; then
		failures=$((failures + 1))
		echo "  boot $name: exit $rc (log: $res/boots/$name.log)"
	fi
	return 0
}

# collect BOOT KERNEL ITERATION BACKEND CONFIGS: the boot's raw runs become
# runs/*.json; a configuration the boot never reached is a failed run.
collect() {
	local boot=$1 k=$2 iter=$3 b=$4 c name raw
	for c in $5; do
		name=$k-${c%%:*}-$b-${c#*:}-i$iter
		raw=$res/boots/$boot/raw/$name
		if [ -f "$raw/run.env" ]; then
			python3 "$LFS_ROOT/bench/guest/mkrun.py" "$raw" "$res/runs/$name.json" ||
				die "bench/guest/mkrun.py failed on $raw"
		else
			python3 - "$res/runs/$name.json" "$k" "$iter" "${c%%:*}" "$b" "${c#*:}" "$res/boots/$boot.log" <<'PY'
import json, sys
out, k, it, w, b, s, log = sys.argv[1:]
json.dump({"schema": "lfswap-bench-run/1", "kernel": k, "iteration": int(it), "workload": w,
           "backend": b, "size": s, "params": {}, "ok": False,
           "error": "the boot ended before this run (log: %s)" % log,
           "metrics": {}, "counters": {}, "derived": {}}, open(out, "w"), indent=1)
PY
		fi
	done
}

# --- ceilings ---------------------------------------------------------------
if [ "$CEILINGS" = 1 ] && [ "$resume" = 1 ] && [ -f "$res/ceilings/compbench-native.json" ] &&
	ls "$res/ceilings/"fio*.json >/dev/null 2>&1; then
	note "$(elapsed) ceilings measured before the resume, kept"
elif [ "$CEILINGS" = 1 ]; then
	"$bin/lfs-compbench" --data "$data" --units "$COMPBENCH_UNITS" --algos "$COMPBENCH_ALGOS" \
		--max-bytes "$COMPBENCH_BYTES" --label native --json "$res/ceilings/compbench-native.json" >"$res/ceilings/compbench-native.txt" ||
		die "lfs-compbench failed natively (output: $res/ceilings/compbench-native.txt)"
	note "$(elapsed) ceilings boot (fio and compressors in the guest, baseline kernel)"
	boot ceilings baseline 900 "$LFS_ROOT/bench/guest/ceilings.sh" "$boot_conf"
	cp "$res/boots/ceilings/ceilings/"*.json "$res/ceilings/" 2>/dev/null || true
fi

# --- matrix -----------------------------------------------------------------
# Boots: per iteration, per backend, one boot per kernel (order alternates
# between iterations), each running every (workload, size) of the backend
# but the kernel builds, which get a boot each.
all_backends=$BACKENDS
for e in $EXTRA; do
	b=$(echo "$e" | cut -d: -f2)
	case " $all_backends " in *" $b "*) ;; *) all_backends="$all_backends $b" ;; esac
done
kernels_rev=$(echo "$KERNELS" | tr ' ' '\n' | tac | tr '\n' ' ')
# The kernel builds may run more iterations than the rest (their sys time
# varies more from boot to boot): KBUILD_ITERATIONS, default ITERATIONS.
: "${KBUILD_ITERATIONS:=$ITERATIONS}"
iterations=$((KBUILD_ITERATIONS > ITERATIONS ? KBUILD_ITERATIONS : ITERATIONS))
for iter in $(seq 1 "$iterations"); do
	order=$KERNELS
	[ $((iter % 2)) = 1 ] || order=$kernels_rev
	for b in $all_backends; do
		for k in $order; do
			cfgs=""
			case " $BACKENDS " in
			*" $b "*) for w in $WORKLOADS; do for s in $SIZES; do cfgs="$cfgs $w:$s"; done; done ;;
			esac
			# EXTRA entries are WORKLOAD:BACKEND:SIZE[:KERNEL]
			for e in $EXTRA; do
				[ "$(echo "$e" | cut -d: -f2)" = "$b" ] || continue
				ek=$(echo "$e" | cut -s -d: -f4)
				[ -z "$ek" ] || [ "$ek" = "$k" ] || continue
				cfgs="$cfgs $(echo "$e" | cut -d: -f1):$(echo "$e" | cut -d: -f3)"
			done
			# A kernel build gets a boot of its own: one that follows
			# another kbuild in the same guest spent 1.6x the sys time
			# (11.6 s first, 19.8 s second, the same kernel and config).
			solo="" shared=""
			for c in $cfgs; do
				# --resume: a run with a successful result is kept.
				[ "$resume" = 0 ] || ! grep -qs '"ok": true' \
					"$res/runs/$k-${c%%:*}-$b-${c#*:}-i$iter.json" || continue
				case $c in
				kbuild*) [ "$iter" -gt "$KBUILD_ITERATIONS" ] || solo="$solo $c" ;;
				*) [ "$iter" -gt "$ITERATIONS" ] || shared="$shared $c" ;;
				esac
			done
			if [ -n "$shared" ]; then
				note "$(elapsed) iteration $iter/$iterations, $b, $k:$shared"
				boot "$k-$b-i$iter" "$k" "$BOOT_TIMEOUT" "$LFS_ROOT/bench/guest/run-boot.sh" "$boot_conf" "$k" "$iter" "$b" "$shared" /mnt/results
				collect "$k-$b-i$iter" "$k" "$iter" "$b" "$shared"
			fi
			for c in $solo; do
				n=$k-$b-${c%%:*}-${c#*:}-i$iter
				note "$(elapsed) iteration $iter/$iterations, $b, $k: $c"
				boot "$n" "$k" "$BOOT_TIMEOUT" "$LFS_ROOT/bench/guest/run-boot.sh" "$boot_conf" "$k" "$iter" "$b" "$c" /mnt/results
				collect "$n" "$k" "$iter" "$b" "$c"
			done
		done
	done
done

# --- report -----------------------------------------------------------------
finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)
accel=$("$LFS_ROOT/scripts/kvm-probe.sh" "$(kernel_image baseline perf)")
python3 - "$res/meta.json" <<EOF
import json, os, subprocess, sys
def git(tree, *a):
    try:
        return subprocess.run(["git", "-C", tree] + list(a), capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""
kernels = {}
for k in "$KERNELS".split():
    rel = open(os.path.join("$LFS_BUILD", k, "perf", "include/config/kernel.release")).read().strip()
    kernels[k] = {"uname": rel, "commit": git("$LFS_BUILD/%s/src" % k, "rev-parse", "--short", "HEAD"),
                  "subject": git("$LFS_BUILD/%s/src" % k, "log", "-1", "--format=%s")}
series = [l.strip() for l in open("$LFS_ROOT/patches/series") if l.strip() and not l.startswith("#")]
accel = "$accel"
meta = {"schema": "lfswap-bench/1", "started": "$started", "finished": "$finished",
        "resumed": "$resumed" or None,
        "config": os.path.relpath("$conf", "$LFS_ROOT"), "quick": $quick == 1,
        "iterations": $ITERATIONS, "kbuild_iterations": $KBUILD_ITERATIONS, "targets": "${TARGETS:-}",
        "host": {"cpus": os.cpu_count(), "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30), "accel": accel},
        "guest": {"cpus": $GUEST_CPUS, "mem": "$GUEST_MEM", "disk_mibs": "${DISK_MIBS:-}"}, "kernels": kernels, "series": series,
        "command": "make bench" + (" QUICK=1" if $quick == 1 else ""), "failed_boots": $failures,
        "lfswap_commit": git("$LFS_ROOT", "rev-parse", "--short", "HEAD")}
json.dump(meta, open(sys.argv[1], "w"), indent=1)
EOF
python3 "$LFS_ROOT/bench/report/report.py" "$res" --out "$res/report.md" --plots "$res/plots" ||
	die "the report failed (bench/report/report.py $res)"
nruns=$(ls "$res/runs" | wc -l)
nbad=$(grep -l '"ok": false' "$res/runs/"*.json 2>/dev/null | wc -l)
note "$(elapsed) done: $nruns runs, $nbad failed, $failures boots with a non-zero exit"
note "report: $res/report.md"
if [ "$publish" = 1 ]; then
	rm -rf "$LFS_ROOT/docs/performance"
	python3 "$LFS_ROOT/bench/report/report.py" "$res" --out "$LFS_ROOT/docs/performance.md" \
		--plots "$LFS_ROOT/docs/performance" --title "lfswap performance: latest full run" \
		--doc-header "$LFS_ROOT/bench/report/performance-header.md" >/dev/null ||
		die "writing docs/performance.md failed"
	# The report and its PNGs are committed; the plot data stays in $res.
	rm -f "$LFS_ROOT/docs/performance/"*.dat "$LFS_ROOT/docs/performance/"*.gp
	note "published: docs/performance.md, docs/performance/"
fi
[ "$nbad" = 0 ] && [ "$failures" = 0 ]
