#!/bin/bash
# `make bench`: build the baseline and the patched perf kernels, measure the
# ceilings (fio on the swap devices, the compressors natively and in the
# guest), run the workload matrix of a bench/configs/*.conf on both kernels
# (boots alternate baseline/patched per backend and iteration, the
# configurations of a boot run in an order shuffled per boot), and write a
# report with statistics and plots.
#
#   bench.sh [--config FILE] [--quick] [--aa] [--part BACKEND] [--out DIR | --resume DIR] [--publish]
#   bench.sh [--config FILE] --republish
#
#   --config FILE  the configuration (default bench/configs/default.conf,
#                  with --quick bench/configs/quick.conf, with --aa
#                  bench/configs/aa.conf)
#   --aa           A/A check: both sides boot the patched kernel (AA_KERNEL,
#                  bench/README.md "A/A check"), labelled baseline and patched
#   --out DIR      results directory (default build/bench/results/<time>)
#   --resume DIR   finish an interrupted run in DIR with the same --config:
#                  boots whose runs all have a successful runs/*.json and
#                  measured ceilings are not repeated (meta.json records it)
#   --part BACKEND run one part of the configuration: the rows of one of its
#                  backends (usemem and kernel builds); the ceilings run with
#                  the first backend's part. A full matrix takes more than one
#                  session: published part by part (bench/published/).
#   --publish      keep the run's records in bench/published/ and write
#                  docs/performance.md and docs/performance/ from every
#                  published part of this series and configuration; a run
#                  with a failed run or boot, or one that would replace
#                  published parts of other settings (or a whole run, or
#                  the parts of one), is not published unless FORCE=1
#   --republish    run nothing: write docs/performance.md, docs/performance/
#                  and README.md's figures again from the parts in
#                  bench/published/ of this series and configuration (after
#                  a change to the report or to bench/targets.conf)
#
# Results: DIR/meta.json, DIR/runs/*.json (one per workload run),
# DIR/ceilings/, DIR/corpus/manifest.json, DIR/boots/<boot>/ (console logs),
# DIR/boots/<boot>.json (its order, seed and host load), DIR/report.md,
# DIR/plots/. Exit 0 when every run succeeded, 1 otherwise
# (the report lists the failures).
set -eu
. "$(dirname "$0")/lib.sh"

conf="" quick=0 res="" publish=0 resume=0 aa=0 part="" republish=0
while [ $# -gt 0 ]; do
	case $1 in
	--config) conf=$2; shift 2 ;;
	--quick) quick=1; shift ;;
	--aa) aa=1; shift ;;
	--out) res=$2; shift 2 ;;
	--resume) res=$2; resume=1; shift 2 ;;
	--publish) publish=1; shift ;;
	--republish) republish=1; shift ;;
	--part) part=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) die "bench.sh: unknown argument $1 (see --help)" ;;
	esac
done
if [ -z "$conf" ]; then
	# An A/A check of quick.conf's one iteration could flag nothing.
	[ "$quick" = 0 ] || [ "$aa" = 0 ] || die "bench.sh: --aa with --quick: n=1 gives no interval; give --config"
	conf=$LFS_ROOT/bench/configs/default.conf
	[ "$quick" = 0 ] || conf=$LFS_ROOT/bench/configs/quick.conf
	[ "$aa" = 0 ] || conf=$LFS_ROOT/bench/configs/aa.conf
fi
[ -f "$conf" ] || die "no bench configuration $conf"
conf=$(cd "$(dirname "$conf")" && pwd)/$(basename "$conf")
export LFS_ROOT
# shellcheck source=/dev/null
. "$conf"
# A/A: every boot of either label runs AA_KERNEL (from --aa or the config).
[ "$aa" = 0 ] || AA_KERNEL=${AA_KERNEL:-patched}
AA_KERNEL=${AA_KERNEL:-}
if [ -n "$AA_KERNEL" ]; then
	case " $KERNELS " in
	*" $AA_KERNEL "*) ;;
	*) die "AA_KERNEL=$AA_KERNEL is not one of KERNELS ($KERNELS)" ;;
	esac
fi
booted() { echo "${AA_KERNEL:-$1}"; }	# booted LABEL: the kernel a boot of LABEL runs
# ZSWAP_UNIT_SIZES="LABEL:SIZE ...": zswap.unit_size per label (run-boot.sh)
for e in ${ZSWAP_UNIT_SIZES:-}; do
	case $e in
	*:*[!0-9KM]* | *:) die "ZSWAP_UNIT_SIZES: '$e' is not LABEL:SIZE (a size like 4K or 64K)" ;;
	*:*) ;;
	*) die "ZSWAP_UNIT_SIZES: '$e' is not LABEL:SIZE (a size like 4K or 64K)" ;;
	esac
	case " $KERNELS " in
	*" ${e%%:*} "*) ;;
	*) die "ZSWAP_UNIT_SIZES: '${e%%:*}' is not one of KERNELS ($KERNELS)" ;;
	esac
done
# The backends of the configuration: BACKENDS, then those only EXTRA names.
all_backends=$BACKENDS
for e in $EXTRA; do
	b=$(echo "$e" | cut -d: -f2)
	case " $all_backends " in *" $b "*) ;; *) all_backends="$all_backends $b" ;; esac
done
all_backends=$(echo $all_backends)
# --part: one backend's rows of the configuration (its parts: all_backends)
parts=$all_backends
if [ -n "$part" ]; then
	[ "$quick" = 0 ] && [ -z "$AA_KERNEL" ] || die "--part: not with --quick or an A/A check (a part is published)"
	case " $parts " in
	*" $part "*) ;;
	*) die "--part $part: not a backend of $conf (its parts: $parts)" ;;
	esac
	case " $BACKENDS " in *" $part "*) BACKENDS=$part ;; *) BACKENDS="" ;; esac
	ex=""
	for e in $EXTRA; do [ "$(echo "$e" | cut -d: -f2)" != "$part" ] || ex="$ex $e"; done
	EXTRA=${ex# }
	all_backends=$part
	# the ceilings (fio, compressors) belong to the run, measured once
	[ "$part" = "${parts%% *}" ] || CEILINGS=0
fi
# --- publishing ----------------------------------------------------------------
pub=$LFS_ROOT/bench/published py=$LFS_ROOT/bench/report/published.py
stage=$LFS_BUILD/bench/published-stage merged=$LFS_BUILD/bench/published-merged
doc=$LFS_ROOT/docs/performance.md
# render_published SERIES CONFIG [STAGED]: docs/performance.md,
# docs/performance/ and README.md's figures from the parts in $stage of
# that series and configuration (path from the repository root); with
# STAGED=1, $stage then becomes bench/published/. If the merge or the
# report fails, bench/published/, docs/performance.md, docs/performance/
# and README.md are left as they were.
render_published() {
	local sid=$1 cfg_rel=$2 staged=${3:-1} frag="" plots=$LFS_ROOT/docs/performance
	# Publishing never drops a section: the fragmentation block that
	# `make bench-frag-publish` put into docs/performance.md is carried over.
	[ ! -f "$doc" ] || frag=$(sed -n '/^<!-- bench-frag begin -->$/,/^<!-- bench-frag end -->$/p' "$doc")
	python3 "$py" merge "$stage" "$merged" --series "$sid" --config "$cfg_rel" --parts "$parts" ||
		die "merging the published parts failed"
	# the plots go to docs/performance/ (the document links them there),
	# the old ones kept aside until the report is written
	rm -rf "$plots.old" && { [ ! -d "$plots" ] || mv "$plots" "$plots.old"; }
	if ! python3 "$LFS_ROOT/bench/report/report.py" "$merged" --out "$doc.new" \
		--plots "$plots" --title "lfswap performance: latest full run" \
		--doc-header "$LFS_ROOT/bench/report/performance-header.md" \
		--headline "$merged/headline.md" >/dev/null; then
		rm -rf "$plots" "$doc.new"
		[ ! -d "$plots.old" ] || mv "$plots.old" "$plots"
		die "writing docs/performance.md failed (bench/report/report.py $merged)"
	fi
	rm -rf "$plots.old"
	[ -z "$frag" ] || printf '\n%s\n' "$frag" >>"$doc.new"
	mv "$doc.new" "$doc"
	[ "$staged" = 0 ] || { rm -f "$pub/"*.json.gz && cp "$stage/"*.json.gz "$pub/"; }
	# The report and its PNGs are committed; the plot data stays in $merged.
	rm -f "$plots/"*.dat "$plots/"*.gp
	# README.md's figures: the headline block, between its markers
	python3 - "$LFS_ROOT/README.md" "$merged/headline.md" <<'PY' || die "README.md has no bench-headline markers"
import re, sys
readme, head = sys.argv[1], open(sys.argv[2]).read()
text = open(readme).read()
pat = re.compile(r"(<!-- bench-headline begin -->\n).*?(<!-- bench-headline end -->)", re.S)
if not pat.search(text):
    sys.exit(1)
open(readme, "w").write(pat.sub(lambda m: m.group(1) + head.rstrip("\n") + "\n" + m.group(2), text))
PY
}
# published_missing CONFIG: a note of the parts of the configuration not
# published on this series yet (from the last render_published).
published_missing() {
	local missing
	missing=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["parts_missing"]))' "$merged/meta.json") ||
		die "$merged/meta.json: unreadable"
	[ -z "$missing" ] || note "parts of $1 not yet run on this series: $missing (make bench-publish CONFIG=$1 PART=...)"
}
# The configuration as runs record it (meta.json "config"), from the root.
config_rel() {
	python3 -c 'import os,sys; print(os.path.relpath(sys.argv[1], sys.argv[2]))' "$conf" "$LFS_ROOT"
}
# --republish: no run; the documents again from bench/published/
if [ "$republish" = 1 ]; then
	[ "$publish" = 0 ] && [ -z "$res" ] && [ -z "$part" ] && [ "$quick" = 0 ] && [ -z "$AA_KERNEL" ] ||
		die "--republish runs nothing: not with --publish, --out, --resume, --part, --quick or --aa"
	ls "$pub/"*.json.gz >/dev/null 2>&1 || die "--republish: bench/published/ is empty (make bench-publish first)"
	cfg_rel=$(config_rel) sid=$(series_id) || die "--republish: no series id or configuration path"
	rm -rf "$stage" && mkdir -p "$stage" && cp "$pub/"*.json.gz "$stage/"
	render_published "$sid" "$cfg_rel" 0
	note "republished: docs/performance.md, docs/performance/, README.md's figures from bench/published/ (series $sid, $cfg_rel)"
	published_missing "$cfg_rel"
	exit 0
fi

suffix=""
[ "$quick" = 0 ] || suffix=-quick
if [ -n "${ZSWAP_UNIT_SIZES:-}" ]; then
	suffix=$suffix-units	# both labels may boot AA_KERNEL: not an A/A check
elif [ -n "$AA_KERNEL" ]; then
	suffix=$suffix-aa
fi
[ -z "$part" ] || suffix=$suffix-$part
[ -n "$res" ] || res=$LFS_BUILD/bench/results/$(date +%Y%m%d-%H%M%S)$suffix
if [ "$resume" = 1 ]; then
	[ -d "$res/runs" ] || die "--resume $res: not a results directory (no runs/)"
	[ ! -f "$res/meta.json" ] || die "--resume $res: that run finished (meta.json exists)"
	# boot.conf starts with the configuration it ran; comments may change.
	settings() { grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$'; }
	[ ! -f "$res/boot.conf" ] ||
		sed '/^# resolved by scripts\/bench.sh$/,$d' "$res/boot.conf" | settings | cmp -s - <(settings <"$conf") ||
		die "--resume $res: it was started with another configuration (see $res/boot.conf; --config $conf)"
	[ ! -f "$res/boot.conf" ] ||
		[ "$(sed -n '/^# resolved by scripts\/bench.sh$/,$s/^AA_KERNEL=//p' "$res/boot.conf")" = "$AA_KERNEL" ] ||
		die "--resume $res: it was started with another --aa setting (see AA_KERNEL in $res/boot.conf)"
	[ ! -f "$res/boot.conf" ] ||
		[ "$(sed -n '/^# resolved by scripts\/bench.sh$/,$s/^PART=//p' "$res/boot.conf")" = "$part" ] ||
		die "--resume $res: it was started with another --part (see PART in $res/boot.conf; --part '$part')"
	# one run, one series: its kernels were built from the series it started with
	[ ! -s "$res/series-id" ] || [ "$(cat "$res/series-id")" = "$(series_id)" ] ||
		die "--resume $res: it was started with series $(cat "$res/series-id"), the work tree's is $(series_id) (make series-id); resume it from that series, or start a new run"
fi
mkdir -p "$res/runs" "$res/boots" "$res/ceilings" "$res/corpus"
[ -s "$res/series-id" ] || series_id >"$res/series-id"
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
# The run's seed: each boot shuffles its configurations with a seed made
# from it and the boot's name. BENCH_SEED in the config repeats an order;
# a resumed run keeps the seed it started with.
if [ -z "${BENCH_SEED:-}" ]; then
	if [ "$resume" = 1 ] && [ -s "$res/seed" ]; then
		BENCH_SEED=$(cat "$res/seed")
	else
		BENCH_SEED=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	fi
fi
case $BENCH_SEED in *[!0-9]* | "") die "BENCH_SEED=$BENCH_SEED: not a whole number" ;; esac
echo "$BENCH_SEED" >"$res/seed"

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
	echo "BENCH_SEED=$BENCH_SEED"
	echo "AA_KERNEL=$AA_KERNEL"
	echo "PART=$part"
} >"$boot_conf"
# quick.conf sources default.conf through $LFS_ROOT, which the guest has.

failures=0
# Host load around a boot: "EPOCH BUSY OWN LOAD1 LOAD5 LOAD15", BUSY the
# busy jiffies of all CPUs (/proc/stat: user nice system irq softirq steal;
# guest time is inside user), OWN this shell's cutime + cstime: the CPU
# time of every child it has reaped with all their reaped descendants, so
# across one boot the delta is that boot's vm.sh, QEMU and helpers, whole.
# (QEMU's /proc/PID/stat is gone when it exits; sampling it would lose the
# end of the boot.) No forks but the $( ) that calls it.
ncpu=$(grep -c '^cpu[0-9]' /proc/stat)
clk_tck=$(getconf CLK_TCK)
host_snap() {
	local user nice sys irq sirq steal st la1 la5 la15
	read -r _ user nice sys _ _ irq sirq steal _ </proc/stat
	read -r st </proc/$$/stat
	# shellcheck disable=SC2206 # the fields after "(comm) "
	st=(${st##*) })
	read -r la1 la5 la15 _ </proc/loadavg
	echo "$EPOCHREALTIME $((user + nice + sys + irq + sirq + steal)) $((st[13] + st[14])) $la1 $la5 $la15"
}

# boot NAME KERNEL TIMEOUT ITERATION BACKEND SEED ORDER COMMAND...: one
# guest, results in boots/NAME/; boots/NAME.json records what it ran
# (ORDER: its configurations in the order they ran, SEED the shuffle's),
# its exit code and the host load around it. KERNEL is the label; the
# kernel booted is $(booted KERNEL).
boot() {
	local name=$1 kernel=$2 limit=$3 iter=$4 b=$5 seed=$6 order=$7 rc=0 s0 s1
	shift 7
	s0=$(host_snap)
	"$LFS_ROOT/scripts/vm.sh" --kernel "$(booted "$kernel")" --flavour perf --cpus "$GUEST_CPUS" --mem "$GUEST_MEM" \
		${DISK_MIBS:+--disk-mibs "$DISK_MIBS"} --timeout "$limit" --run-dir "$res/boots/$name" -- "$@" >"$res/boots/$name.log" 2>&1 || rc=$?
	s1=$(host_snap)
	python3 - "$res/boots/$name.json" "$name" "$kernel" "$(booted "$kernel")" "$iter" "$b" "$seed" \
		"$BENCH_SEED" "$order" "$rc" "$s0" "$s1" "$clk_tck" "$ncpu" "$res/boots/$name.log" <<'PY' || die "writing boots/$name.json failed"
import datetime, json, sys
out, name, label, booted, it, b, seed, run_seed, order, rc, s0, s1, hz, ncpu, log = sys.argv[1:]
a, z = s0.split(), s1.split()
hz, ncpu = int(hz), int(ncpu)
elapsed = float(z[0]) - float(a[0])
busy = (int(z[1]) - int(a[1])) / hz
own = (int(z[2]) - int(a[2])) / hz
# Share of the host's CPUs that processes other than this boot's used.
other = max(0.0, (busy - own) / (elapsed * ncpu)) if elapsed > 0 else None
iso = lambda t: datetime.datetime.fromtimestamp(float(t), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
json.dump({"schema": "lfswap-bench-boot/1", "id": name, "kernel": label, "booted": booted,
           "iteration": int(it) if it else None, "backend": b or None,
           "seed": int(seed) if seed else None, "run_seed": int(run_seed),
           "order": order.split(), "exit": int(rc), "log": log,
           "started": iso(a[0]), "finished": iso(z[0]),
           "host": {"other_cpu": None if other is None else round(other, 4),
                    "elapsed_s": round(elapsed, 1), "ncpu": ncpu,
                    "busy_cpu_s": round(busy, 2), "boot_cpu_s": round(own, 2),
                    "loadavg_start": [float(x) for x in a[3:6]],
                    "loadavg_end": [float(x) for x in z[3:6]]}},
          open(out, "w"), indent=1)
print("  host: other processes used %.1f%% of %d CPUs over %.0f s (boot %.0f s CPU), loadavg %s -> %s"
      % (100 * (other or 0), ncpu, elapsed, own, a[3], z[3]))
PY
	grep -E '^(---|FAILED|lfswap: )' "$res/boots/$name.log" | sed 's/^/  /' || true
	if [ "$rc" != 0 ]; then
		failures=$((failures + 1))
		echo "  boot $name: exit $rc (log: $res/boots/$name.log)"
	fi
	return 0
}

# shuffle BOOT "CONFIGS": the boot's seed (from BENCH_SEED and the boot's
# name), then its configurations in the order it runs them. Within a boot a
# run that follows another is slower (1.6x the sys time for a kernel build
# after a kernel build); a fixed order would give one configuration that
# cost every time.
shuffle() {
	python3 - "$BENCH_SEED" "$1" "$2" <<'PY'
import hashlib, random, sys
seed = int(hashlib.sha256(("%s:%s" % tuple(sys.argv[1:3])).encode()).hexdigest()[:8], 16)
cfgs = sys.argv[3].split()
random.Random(seed).shuffle(cfgs)
print(seed, " ".join(cfgs))
PY
}

# collect BOOT KERNEL ITERATION BACKEND CONFIGS: the boot's raw runs become
# runs/*.json with the boot's record (position, seed, host load); a
# configuration the boot never reached is a failed run.
collect() {
	local boot=$1 k=$2 iter=$3 b=$4 c name
	for c in $5; do
		name=$k-${c%%:*}-$b-${c#*:}-i$iter
		python3 "$LFS_ROOT/bench/guest/mkrun.py" "$res/boots/$boot/raw/$name" "$res/runs/$name.json" \
			--boot "$res/boots/$boot.json" --config "$c" ||
			die "bench/guest/mkrun.py failed on $res/boots/$boot/raw/$name"
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
	boot ceilings baseline 900 "" "" "" "" "$LFS_ROOT/bench/guest/ceilings.sh" "$boot_conf"
	cp "$res/boots/ceilings/ceilings/"*.json "$res/ceilings/" 2>/dev/null || true
fi

# --- matrix -----------------------------------------------------------------
# Boots: per iteration, per backend, one boot per kernel (order alternates
# between iterations), each running every (workload, size) of the backend
# in an order shuffled per boot (shuffle), but the kernel builds, which
# get a boot each.
kernels_rev=$(echo "$KERNELS" | tr ' ' '\n' | tac | tr '\n' ' ')
# The kernel builds may run more iterations than the rest (their sys time
# varies more from boot to boot): KBUILD_ITERATIONS, default ITERATIONS.
: "${KBUILD_ITERATIONS:=$ITERATIONS}"
iterations=$((KBUILD_ITERATIONS > ITERATIONS ? KBUILD_ITERATIONS : ITERATIONS))
for iter in $(seq 1 "$iterations"); do
	korder=$KERNELS
	[ $((iter % 2)) = 1 ] || korder=$kernels_rev
	for b in $all_backends; do
		for k in $korder; do
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
				n=$k-$b-i$iter
				read -r seed order <<<"$(shuffle "$n" "$shared")"
				note "$(elapsed) iteration $iter/$iterations, $b, $k$([ -z "$AA_KERNEL" ] || echo " (booting $AA_KERNEL)"): $order (seed $seed)"
				boot "$n" "$k" "$BOOT_TIMEOUT" "$iter" "$b" "$seed" "$order" \
					"$LFS_ROOT/bench/guest/run-boot.sh" "$boot_conf" "$k" "$iter" "$b" "$order" /mnt/results
				collect "$n" "$k" "$iter" "$b" "$order"
			fi
			for c in $solo; do
				n=$k-$b-${c%%:*}-${c#*:}-i$iter
				read -r seed order <<<"$(shuffle "$n" "$c")"
				note "$(elapsed) iteration $iter/$iterations, $b, $k$([ -z "$AA_KERNEL" ] || echo " (booting $AA_KERNEL)"): $c"
				boot "$n" "$k" "$BOOT_TIMEOUT" "$iter" "$b" "$seed" "$order" \
					"$LFS_ROOT/bench/guest/run-boot.sh" "$boot_conf" "$k" "$iter" "$b" "$c" /mnt/results
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
aa = "$AA_KERNEL"
for k in "$KERNELS".split():
    # the kernel the boots labelled k ran: k itself, or AA_KERNEL in an A/A check
    kb = aa or k
    rel = open(os.path.join("$LFS_BUILD", kb, "perf", "include/config/kernel.release")).read().strip()
    kernels[k] = {"uname": rel, "commit": git("$LFS_BUILD/%s/src" % kb, "rev-parse", "--short", "HEAD"),
                  "subject": git("$LFS_BUILD/%s/src" % kb, "log", "-1", "--format=%s"), "booted": kb}
boots = []
for f in sorted(os.listdir("$res/boots")):
    if f.endswith(".json"):
        try:
            boots.append(json.load(open(os.path.join("$res/boots", f))))
        except ValueError:
            pass
boots.sort(key=lambda b: b.get("started") or "")
series = [l.strip() for l in open("$LFS_ROOT/patches/series") if l.strip() and not l.startswith("#")]
accel = "$accel"
meta = {"schema": "lfswap-bench/1", "started": "$started", "finished": "$finished",
        "resumed": "$resumed" or None,
        "config": os.path.relpath("$conf", "$LFS_ROOT"), "quick": $quick == 1,
        "iterations": $ITERATIONS, "kbuild_iterations": $KBUILD_ITERATIONS, "targets": "${TARGETS:-}",
        "host": {"cpus": os.cpu_count(), "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30), "accel": accel},
        "guest": {"cpus": $GUEST_CPUS, "mem": "$GUEST_MEM", "disk_mibs": "${DISK_MIBS:-}"}, "kernels": kernels, "series": series,
        "series_id": open("$res/series-id").read().strip(),
        "command": ("make bench-aa" if $aa == 1 else "make bench") + (" QUICK=1" if $quick == 1 else "")
                   + (" PART=$part" if "$part" else ""),
        # --part: this run is one part (backend) of the configuration's
        "part": "$part" or None, "config_parts": "$parts".split(),
        "failed_boots": $failures,
        # A/A check: both labels booted this kernel (bench/README.md, "A/A check")
        "aa": {"kernel": aa} if aa else None,
        # zswap.unit_size per label (configs/zswap-units.conf): with AA_KERNEL,
        # the sides differ in that alone, and the run is no A/A check
        "zswap_unit_sizes": dict(e.split(":", 1) for e in "${ZSWAP_UNIT_SIZES:-}".split()) or None,
        # the configurations of each boot ran in the order boots[].order,
        # shuffled with boots[].seed, made from this seed and the boot's name
        "seed": $BENCH_SEED, "boots": boots,
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
	# The run's records go to bench/published/ (one file per part; a run
	# of the whole configuration is the part "all"), and the document is
	# made from every published part of this series and configuration.
	# Staged: bench/published/ changes only once the report is written.
	cfg_rel=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"])' "$res/meta.json") ||
		die "$res/meta.json: no config"
	sid=$(cat "$res/series-id") settings=$(python3 "$py" settings "$res/boot.conf") || die "$res/boot.conf unreadable"
	rm -rf "$stage" && mkdir -p "$stage" && cp "$pub/"*.json.gz "$stage/" 2>/dev/null || true
	force=${FORCE:+--force}
	python3 "$py" prune "$stage" --series "$sid" --config "$cfg_rel" --settings "$settings" --keep "${part:-all}" $force ||
		die "not published: bench/published/ holds work this run would replace (see above)"
	python3 "$py" save "$res" "$stage/${part:-all}.json.gz" --part "${part:-all}" $force ||
		die "not published (the results stay in $res)"
	render_published "$sid" "$cfg_rel"
	note "published: bench/published/${part:-all}.json.gz, docs/performance.md, docs/performance/, README.md's figures"
	published_missing "$cfg_rel"
fi
[ "$nbad" = 0 ] && [ "$failures" = 0 ]
