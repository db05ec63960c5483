#!/bin/bash
# `make feature-matrix`: run the feature probes (tests/feature/run-matrix.sh)
# on the baseline and the patched debug kernels and write
# docs/feature-matrix.md from their results (scripts/feature-matrix.sh).
set -eu
. "$(dirname "$0")/lib.sh"

"$LFS_ROOT/scripts/deps.sh" all
"$LFS_ROOT/scripts/prepare.sh"
"$LFS_ROOT/scripts/build-tests.sh"
stamp=$(date +%Y%m%d-%H%M%S)
for v in baseline patched; do
	"$LFS_ROOT/scripts/build-kernel.sh" "$v" debug
	"$LFS_ROOT/scripts/vm.sh" --kernel "$v" --flavour debug --cpus 2 --mem 2G --timeout 2400 \
		--run-dir "$LFS_BUILD/runs/feature-$v-$stamp" -- "$LFS_ROOT/tests/feature/run-matrix.sh" ||
		die "feature probes failed on the $v kernel (run dir $LFS_BUILD/runs/feature-$v-$stamp)"
done
"$LFS_ROOT/scripts/feature-matrix.sh" "$LFS_BUILD/runs/feature-baseline-$stamp/feature.txt" \
	"$LFS_BUILD/runs/feature-patched-$stamp/feature.txt" >"$LFS_ROOT/docs/feature-matrix.md"
note "wrote docs/feature-matrix.md"
