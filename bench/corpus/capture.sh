#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# capture.sh OUTDIR [SIZE_PER_PROGRAM]  (default 32M)
#
# Builds a corpus of realistic anonymous memory for the swap benchmarks:
# runs three real programs on real input and, while each one is at its
# peak, stops it (SIGSTOP), copies its anonymous memory with lfs-memdump
# and kills it:
#   cc1      gcc -O2 (the kernel's CFLAGS) compiling a preprocessed
#            mm/memory.c of the pinned kernel tree
#   python3  an inverted index (word -> doc -> positions, bigram counts)
#            over the kernel's Documentation/**/*.rst
#   sqlite   the sqlite3 CLI with a :memory: database of kernel .c/.h
#            files (table + indexes + an FTS5 full-text index), queried
# Writes OUTDIR/{cc1,python3,sqlite}.bin, OUTDIR/corpus.bin (the three
# interleaved round-robin in 64 KiB chunks) and OUTDIR/manifest.json.
#
# Environment:
#   LFS_BENCH_BIN  directory with lfs-memdump (default <repo>/build/bench/bin;
#                  build it with: make -C bench/src)
#   LFS_KSRC       kernel source tree (default <repo>/build/patched/src)
#   LFS_KOBJ       configured kernel build dir holding mm/.memory.o.cmd
#                  (default <repo>/build/patched/debug, then .../perf)
#
# Must run as root (or as the same user with kernel.yama.ptrace_scope=0):
# lfs-memdump reads /proc/PID/mem and /proc/PID/pagemap.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${LFS_BENCH_BIN:-$REPO/build/bench/bin}
MEMDUMP=$BIN/lfs-memdump
KSRC=${LFS_KSRC:-$REPO/build/patched/src}
KOBJ=${LFS_KOBJ:-}

die() { echo "capture.sh: error: $*" >&2; exit 1; }
log() { printf '[%5.1fs] %s\n' "$(elapsed)" "$*"; }

usage() {
	sed -n '4,27s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

case "${1:-}" in
-h|--help) usage; exit 0 ;;
"") usage >&2; exit 2 ;;
esac
[ $# -le 2 ] || { usage >&2; exit 2; }
OUTDIR=$1
SIZE=${2:-32M}

to_bytes() {
	local s=$1 n m=1
	case "$s" in
	*[kK]) m=1024; n=${s%?} ;;
	*[mM]) m=$((1 << 20)); n=${s%?} ;;
	*[gG]) m=$((1 << 30)); n=${s%?} ;;
	*) n=$s ;;
	esac
	[[ "$n" =~ ^[0-9]+$ ]] || return 1
	echo $((n * m))
}
SIZE_BYTES=$(to_bytes "$SIZE") || die "bad SIZE_PER_PROGRAM '$SIZE' (e.g. 32M)"
[ "$SIZE_BYTES" -ge $((1 << 20)) ] || die "SIZE_PER_PROGRAM must be at least 1M"

T0=$EPOCHREALTIME
elapsed() { echo "$EPOCHREALTIME - $T0" | awk '{ printf "%.1f", $1 - $3 }'; }
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# ---- prerequisites -------------------------------------------------------
need() {	# need CMD DEBIAN-PACKAGE
	command -v "$1" >/dev/null 2>&1 ||
		die "'$1' not found: install the Debian package '$2' (apt-get install -y $2)"
}
need gcc gcc
need python3 python3
need sqlite3 sqlite3
need pgrep procps
[ -x "$MEMDUMP" ] ||
	die "$MEMDUMP not found: build it with 'make -C $REPO/bench/src' or set LFS_BENCH_BIN"
[ -f "$KSRC/mm/memory.c" ] && [ -d "$KSRC/Documentation" ] ||
	die "no kernel source tree at $KSRC (set LFS_KSRC)"
if [ -z "$KOBJ" ]; then
	for d in "$REPO/build/patched/debug" "$REPO/build/patched/perf"; do
		[ -f "$d/mm/.memory.o.cmd" ] && { KOBJ=$d; break; }
	done
fi
[ -n "$KOBJ" ] && [ -f "$KOBJ/mm/.memory.o.cmd" ] ||
	die "no configured kernel build dir with mm/.memory.o.cmd (${KOBJ:-tried $REPO/build/patched/debug and perf}); build the kernel or set LFS_KOBJ"
if [ "$(id -u)" != 0 ]; then
	scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)
	[ "$scope" = 0 ] ||
		die "not root and kernel.yama.ptrace_scope=$scope: lfs-memdump cannot read other processes' memory (run as root)"
fi
sqlite3 :memory: "SELECT name FROM fsdir('$KSRC/mm/memory.c');" >/dev/null 2>&1 ||
	die "this sqlite3 CLI lacks fsdir() (need sqlite3 >= 3.23, Debian package sqlite3)"

mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
# wait_ready FILE PID NAME LOG: up to 40 s for PID to create FILE.
wait_ready() {
	local _
	for _ in $(seq 800); do
		[ -e "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || die "$3 failed: $(tail -3 "$4")"
		sleep 0.05
	done
	die "$3 not ready after 40 s"
}

W=$(mktemp -d "${TMPDIR:-/tmp}/lfs-capture.XXXXXX")

# Processes we started (killed by pid on exit).
PIDS=()
cleanup() {
	local p
	exec 7>&- 2>/dev/null || true
	for p in "${PIDS[@]}"; do
		kill -CONT "$p" 2>/dev/null || true
		kill -KILL "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$W"
}
untrack() {	# forget a reaped pid so that cleanup never kills a reused one
	local p keep=()
	for p in "${PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	PIDS=("${keep[@]}")
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

rss_kb() {	# VmRSS of pid in kB, empty if gone
	local k v _
	while read -r k v _; do
		[ "$k" = VmRSS: ] && { echo "$v"; return; }
	done < "/proc/$1/status" 2>/dev/null || true
}

# dump NAME PID: stop, dump, kill; sets DUMP_LINE, DUMP_BYTES, DUMP_ZERO
dump() {
	local name=$1 pid=$2 rss
	kill -STOP "$pid"
	rss=$(rss_kb "$pid")
	DUMP_RSS=${rss:-0}
	DUMP_LINE=$("$MEMDUMP" --max "$SIZE_BYTES" "$pid" "$OUTDIR/$name.bin" 2>"$W/memdump.err") ||
		die "lfs-memdump failed for $name (pid $pid): $(cat "$W/memdump.err")"
	kill -KILL "$pid" 2>/dev/null || true
	sed 's/^/          /' "$W/memdump.err"
	DUMP_BYTES=$(echo "$DUMP_LINE" | sed -n 's/.*: \([0-9]*\) bytes anonymous.*/\1/p')
	DUMP_ZERO=$(echo "$DUMP_LINE" | sed -n 's/.*(\([0-9]*\) zero pages.*/\1/p')
	log "$DUMP_LINE; RSS was $((DUMP_RSS / 1024)) MiB"
}

log "output $OUTDIR, up to $SIZE per program; kernel $KSRC, build dir $KOBJ"

# ---- a) cc1 ----------------------------------------------------------------
# Take the real compile command of mm/memory.o, preprocess once (fast),
# then compile the .i with the same code generation flags.
cmdline=$(sed -n 's/^savedcmd_mm\/memory\.o := //p' "$KOBJ/mm/.memory.o.cmd")
cmdline=${cmdline%%;*}
[ -n "$cmdline" ] || die "cannot parse $KOBJ/mm/.memory.o.cmd"
eval "set -- $cmdline"
[ "$1" = ccache ] && shift
CC=$1
shift
need "$CC" gcc
pp=() cflags=()
while [ $# -gt 0 ]; do
	case "$1" in
	-Wp,*|-c) ;;
	-o) shift ;;
	*.c) src=$1 ;;
	-include) pp+=("$1" "$2"); shift ;;
	-I*|-D*|-nostdinc|-fmacro-prefix-map=*) pp+=("$1") ;;
	*) pp+=("$1"); cflags+=("$1") ;;
	esac
	shift
done
(cd "$KOBJ" && "$CC" "${pp[@]}" -E -o "$W/memory.i" "$src") ||
	die "preprocessing $src failed"
ipp_bytes=$(stat -c %s "$W/memory.i")
log "preprocessed mm/memory.c: $ipp_bytes bytes"
cc_cmd=("$CC" "${cflags[@]}" -c -x cpp-output "$W/memory.i" -o "$W/memory.o")

# Dump cc1 once its RSS reaches CC1_RSS_MB (default 100 MiB: past the
# parser, well into the optimisation passes; compiling this file peaks at
# ~130 MiB).  Should it finish first (other input or compiler), run it
# again and dump at 70% of the runtime just measured.
CC1_RSS_MB=${LFS_CC1_RSS_MB:-100}
# run_cc1 RSS_KB_TRIGGER MS_TRIGGER (0: none): sets cc1, cc_ms, peak, cc1_at
run_cc1() {
	local rss_trig=$1 ms_trig=$2 start t r gcc_pid
	start=$(now_ms)
	"${cc_cmd[@]}" 2>"$W/cc.log" &
	gcc_pid=$!
	PIDS+=("$gcc_pid")
	cc1= peak=0 cc1_at=
	while kill -0 "$gcc_pid" 2>/dev/null; do
		[ -n "$cc1" ] || cc1=$(pgrep -P "$gcc_pid" -x cc1 || true)
		if [ -n "$cc1" ]; then
			r=$(rss_kb "$cc1")
			r=${r:-0}
			[ "$r" -gt "$peak" ] && peak=$r
			t=$(($(now_ms) - start))
			if [ "$r" -ge "$rss_trig" ] ||
			   { [ "$ms_trig" -gt 0 ] && [ "$t" -ge "$ms_trig" ]; }; then
				PIDS+=("$cc1")
				cc1_at=$t
				dump cc1 "$cc1"
				break
			fi
		fi
		sleep 0.05
	done
	if [ -n "$cc1_at" ]; then
		{ wait "$gcc_pid"; } 2>/dev/null || true	# reaps the killed cc1
		untrack "$cc1"
	else
		wait "$gcc_pid" || die "compiling memory.i failed: $(head -5 "$W/cc.log")"
	fi
	untrack "$gcc_pid"
	cc_ms=$(($(now_ms) - start))
}
run_cc1 $((CC1_RSS_MB << 10)) 0
if [ -z "$cc1_at" ]; then
	log "cc1 finished in $cc_ms ms at peak RSS $((peak / 1024)) MiB < $CC1_RSS_MB MiB; again, dumping at 70% of that"
	native_ms=$cc_ms
	run_cc1 $((1 << 40)) $((native_ms * 7 / 10))
	[ -n "$cc1_at" ] || die "cc1 finished before it could be dumped"
	cc1_when="at $cc1_at ms (70% of a $native_ms ms native run)"
else
	cc1_when="at $cc1_at ms, at RSS >= $CC1_RSS_MB MiB"
fi
log "cc1 dumped $cc1_when"
CC1_BYTES=$DUMP_BYTES CC1_ZERO=$DUMP_ZERO CC1_RSS=$DUMP_RSS

# ---- b) python3 ------------------------------------------------------------
py_budget=$((SIZE_BYTES / 8))
cat > "$W/index.py" <<'EOF'
# Inverted index over the kernel's reStructuredText documentation.
import collections, os, re, sys, time
root, budget, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
paths = []
for d, dirs, files in os.walk(os.path.join(root, "Documentation")):
    dirs.sort()
    paths += [os.path.join(d, f) for f in sorted(files) if f.endswith(".rst")]
word_re = re.compile(r"[A-Za-z_][A-Za-z0-9_]+")
docs, lines, index, bigrams, total = [], [], {}, collections.Counter(), 0
for doc_id, p in enumerate(paths):
    if total >= budget:
        break
    with open(p, encoding="utf-8", errors="replace") as f:
        text = f.read()
    total += len(text)
    docs.append((os.path.relpath(p, root), text))
    lines.append(text.splitlines())
    words = [w.lower() for w in word_re.findall(text)]
    for pos, w in enumerate(words):
        index.setdefault(w, {}).setdefault(doc_id, []).append(pos)
    bigrams.update(zip(words, words[1:]))
top = sorted(index, key=lambda w: -sum(len(v) for v in index[w].values()))
print("docs %d chars %d words %d bigrams %d top: %s" %
      (len(docs), total, len(index), len(bigrams), " ".join(top[:10])),
      flush=True)
open(ready, "w").close()
time.sleep(600)
EOF
python3 "$W/index.py" "$KSRC" "$py_budget" "$W/py.ready" >"$W/py.out" 2>&1 &
py_pid=$!
disown "$py_pid"	# no "Killed" job report when we kill it
PIDS+=("$py_pid")
wait_ready "$W/py.ready" "$py_pid" "python3 indexer" "$W/py.out"
log "python3: $(cat "$W/py.out")"
dump python3 "$py_pid"
untrack "$py_pid"
PY_BYTES=$DUMP_BYTES PY_ZERO=$DUMP_ZERO PY_RSS=$DUMP_RSS
py_docs=$(sed -n 's/^docs \([0-9]*\) .*/\1/p' "$W/py.out")
py_chars=$(sed -n 's/^docs [0-9]* chars \([0-9]*\) .*/\1/p' "$W/py.out")

# ---- c) sqlite -------------------------------------------------------------
# Whole source directories, in this order, until SIZE bytes of .c/.h.
sq_dirs=() sq_bytes=0
for d in mm kernel include/linux lib block fs/ext4 net/core ipc; do
	[ -d "$KSRC/$d" ] || continue
	[ "$sq_bytes" -ge "$SIZE_BYTES" ] && break
	b=$(find "$KSRC/$d" -name '*.[ch]' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
	sq_dirs+=("$d")
	sq_bytes=$((sq_bytes + b))
done
{
	echo "CREATE TABLE files(id INTEGER PRIMARY KEY, path TEXT, dir TEXT, ext TEXT, size INT, mtime INT, body TEXT);"
	for d in "${sq_dirs[@]}"; do
		echo "INSERT INTO files(path, dir, ext, size, mtime, body) SELECT name, rtrim(name, replace(name, '/', '')), substr(name, -1), length(data), mtime, CAST(data AS TEXT) FROM fsdir('$d') WHERE name GLOB '*.[ch]';"
	done
	cat <<'EOF'
CREATE INDEX files_path ON files(path);
CREATE INDEX files_dir_size ON files(dir, size);
CREATE VIRTUAL TABLE fts USING fts5(path, body);
INSERT INTO fts(path, body) SELECT path, body FROM files;
SELECT 'files', count(*), sum(size) FROM files;
SELECT dir, count(*), sum(size) FROM files GROUP BY dir ORDER BY 3 DESC LIMIT 3;
SELECT path FROM fts WHERE fts MATCH 'folio AND swap' ORDER BY rank LIMIT 3;
SELECT 'near', count(*) FROM fts WHERE fts MATCH 'NEAR(spin_lock rcu_read_lock, 20)';
SELECT ext, count(*), avg(size), max(size) FROM files GROUP BY ext;
EOF
	echo ".system touch $W/sqlite.ready"
} > "$W/load.sql"
mkfifo "$W/sql.fifo"
(cd "$KSRC" && exec sqlite3 :memory: <"$W/sql.fifo" >"$W/sqlite.out" 2>&1) &
sq_pid=$!
disown "$sq_pid"
PIDS+=("$sq_pid")
exec 7>"$W/sql.fifo"
cat "$W/load.sql" >&7
wait_ready "$W/sqlite.ready" "$sq_pid" sqlite3 "$W/sqlite.out"
! grep -q -E '^(Parse error|Runtime error|Error)' "$W/sqlite.out" ||
	die "sqlite3: $(grep -E '^(Parse error|Runtime error|Error)' "$W/sqlite.out" | head -3)"
log "sqlite3: loaded ${sq_dirs[*]}: $(grep '^files|' "$W/sqlite.out" || true)"
dump sqlite "$sq_pid"
exec 7>&-
untrack "$sq_pid"
SQ_BYTES=$DUMP_BYTES SQ_ZERO=$DUMP_ZERO SQ_RSS=$DUMP_RSS
sq_files=$(sed -n 's/^files|\([0-9]*\)|.*/\1/p' "$W/sqlite.out")

for v in CC1_BYTES PY_BYTES SQ_BYTES; do
	[ "${!v:-0}" -ge $((8 << 20)) ] ||
		echo "capture.sh: warning: ${v%_BYTES} dump is only ${!v:-0} bytes (< 8 MiB)" >&2
done

# ---- corpus.bin + manifest -------------------------------------------------
export OUTDIR CC1_BYTES CC1_ZERO CC1_RSS PY_BYTES PY_ZERO PY_RSS \
	SQ_BYTES SQ_ZERO SQ_RSS py_chars py_docs sq_files ipp_bytes KSRC KOBJ
cc_str="${cc_cmd[*]}"
export CC_CMD="${cc_str//$W\//}" SQ_DIRS="${sq_dirs[*]}" CC1_WHEN="$cc1_when"
python3 - <<'EOF'
import datetime, json, os
e = os.environ
out = e["OUTDIR"]
names = ["cc1", "python3", "sqlite"]
chunk = 64 << 10
files = [open(os.path.join(out, n + ".bin"), "rb") for n in names]
total = 0
with open(os.path.join(out, "corpus.bin"), "wb") as w:
    live = list(files)
    while live:
        for f in list(live):
            b = f.read(chunk)
            if not b:
                live.remove(f)
                continue
            w.write(b)
            total += len(b)
for f in files:
    f.close()
progs = [
    {"name": "cc1",
     "command": e["CC_CMD"],
     "input": "mm/memory.c of %s, preprocessed with the flags of %s/mm/.memory.o.cmd (%s bytes); dumped %s"
              % (e["KSRC"], e["KOBJ"], e["ipp_bytes"], e["CC1_WHEN"]),
     "bytes": int(e["CC1_BYTES"]), "zero_pages": int(e["CC1_ZERO"]),
     "rss_kb": int(e["CC1_RSS"])},
    {"name": "python3",
     "command": "python3 index.py (inverted index with positions, bigram counts; script in bench/corpus/capture.sh)",
     "input": "%s .rst files (%s characters) of %s/Documentation"
              % (e["py_docs"], e["py_chars"], e["KSRC"]),
     "bytes": int(e["PY_BYTES"]), "zero_pages": int(e["PY_ZERO"]),
     "rss_kb": int(e["PY_RSS"])},
    {"name": "sqlite",
     "command": "sqlite3 :memory: (table + 2 indexes + FTS5 index, queries; SQL in bench/corpus/capture.sh)",
     "input": "%s .c/.h files of %s in %s" % (e["sq_files"], e["SQ_DIRS"], e["KSRC"]),
     "bytes": int(e["SQ_BYTES"]), "zero_pages": int(e["SQ_ZERO"]),
     "rss_kb": int(e["SQ_RSS"])},
]
m = {"schema": "lfswap-corpus/1",
     "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
     "programs": progs, "corpus": "corpus.bin", "bytes": total,
     "chunk": chunk}
with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(m, f, indent=1)
    f.write("\n")
print("corpus.bin: %d bytes (%s interleaved in 64 KiB chunks)" % (total, ", ".join(names)))
EOF
log "done: $OUTDIR/{cc1,python3,sqlite}.bin corpus.bin manifest.json"
