#!/bin/bash
# Build two diagnostic copies of 6.12's test_memcontrol.c for the
# test_memcg_low race described in ../test_memcontrol-known.patch:
#   build/diag/tml   upstream's test_memcg_low, printing the line of each
#                    failed check and what it read (the children's
#                    memory.current after they filled, after reclaim)
#   build/diag/tmlf  the same with a file per child (the adaptation)
# Both run test_memcg_low argv[1] times. Run them in the guest with
# memcg-protection-guest.sh. Needs `make tests` (kernel headers) first.
set -euo pipefail
LFS_ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
src=$LFS_ROOT/build/baseline/src/tools/testing/selftests/cgroup
hdr=$LFS_ROOT/build/kselftest/usr
out=$LFS_ROOT/build/diag
mkdir -p "$out"
[ -f "$src/test_memcontrol.c" ] || { echo "error: no $src/test_memcontrol.c: run make prepare" >&2; exit 1; }
start=$(grep -n '^static int test_memcg_protection' "$src/test_memcontrol.c" | cut -d: -f1)
end=$(grep -n '^static int test_memcg_min' "$src/test_memcontrol.c" | cut -d: -f1)
awk -v s="$start" -v e="$end" 'NR>=s && NR<=e { gsub(/goto cleanup;/, "{ fprintf(stderr, \"LOWDIAG fail line %d\\n\", __LINE__); goto cleanup; }") } {print}' \
	"$src/test_memcontrol.c" >"$out/tml.c"
perl -0pi -e 's/(\t\tc\[i\] = cg_read_long\(children\[i\], "memory.current"\);\n)/$1\n\tfprintf(stderr, "LOWDIAG p1=%ld c=%ld %ld %ld %ld\\n", cg_read_long(parent[1], "memory.current"), c[0], c[1], c[2], c[3]);\n/' "$out/tml.c"
perl -0pi -e 's/(\t\tlow = cg_read_key_long\(children\[i\], "memory.events", "low "\);\n)/$1\t\tfprintf(stderr, "LOWDIAG child %d oom=%ld low=%ld\\n", i, oom, low);\n/' "$out/tml.c"
perl -0pi -e 's/(\t\tsleep\(1\);\n\t\}\n\n)(\tif \(cg_run\(parent\[2\], alloc_anon, \(void \*\)MB\(148\)\)\))/$1\tfprintf(stderr, "LOWDIAG filled attempts=%d p1=%ld c=%ld %ld %ld\\n", attempts, cg_read_long(parent[1], "memory.current"), cg_read_long(children[0], "memory.current"), cg_read_long(children[1], "memory.current"), cg_read_long(children[2], "memory.current"));\n$2/' "$out/tml.c"
perl -0pi -e 's/\tfor \(i = 0; i < ARRAY_SIZE\(tests\); i\+\+\) \{\n\t\tswitch \(tests\[i\].fn\(root\)\) \{/\tfor (i = 0; i < (argc > 1 ? atoi(argv[1]) : 1); i++) {\n\t\tfprintf(stderr, "LOWDIAG run %d\\n", i);\n\t\tswitch (test_memcg_low(root)) {/' "$out/tml.c"
perl -0pi -e 's/tests\[i\]\.name/"test_memcg_low"/g' "$out/tml.c"
[ "$(grep -c LOWDIAG "$out/tml.c")" -gt 30 ] || { echo "error: $src/test_memcontrol.c is not the expected 6.12 file" >&2; exit 1; }
perl -0pe 's/(static int alloc_pagecache_50M_noexit\(const char \*cgroup, void \*arg\)\n\{\n)\tint fd = \(long\)arg;\n/$1\tint fd = get_temp_fd();\n\n\tif (fd < 0)\n\t\treturn -1;\n/' "$out/tml.c" >"$out/tmlf.c"
for t in tml tmlf; do
	gcc -Wall -pthread -isystem "$hdr/include" -I "$src" -I "$src/.." -o "$out/$t" "$out/$t.c" "$src/cgroup_util.c"
done
echo "built $out/tml and $out/tmlf"
