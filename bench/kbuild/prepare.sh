#!/bin/bash
# Host side of the kbuild workload: preprocess some translation units of the
# pinned kernel (configured and built in OBJ) into OUT/*.i, with the compile
# flags Kbuild used for them in OUT/flags, so the guest can compile them
# with plain gcc in a small memcg: a build of part of the kernel tree,
# without Kbuild's tree walk over 9p.
#
#   prepare.sh SRC OBJ OUT "mm/memory.c mm/vmscan.c ..."
set -eu
[ $# -eq 4 ] || { echo "usage: prepare.sh SRC OBJ OUT 'FILES'" >&2; exit 2; }
src=$1 obj=$2 out=$3 files=$4
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/*.i "$out/flags" "$out/files"
for f in $files; do
	o=${f%.c}.o
	cmd=$obj/$(dirname "$o")/.$(basename "$o").cmd
	[ -f "$cmd" ] || { echo "kbuild/prepare.sh: no $cmd: is $obj a built kernel and $f in its config?" >&2; exit 1; }
	# savedcmd_mm/memory.o := [ccache] gcc FLAGS -c -o mm/memory.o SRC/mm/memory.c
	line=$(sed -n 's/^savedcmd_[^ ]* := //p' "$cmd" | head -1)
	line=${line#ccache }
	cc=${line%% *}
	flags=${line#* }
	flags=${flags% -c -o *}
	flags=$(echo "$flags" | sed -E 's/(^| )-Wp,-MMD,[^ ]+//')
	name=$(echo "${f%.c}" | tr / _)
	# The saved command is shell-quoted (-DKBUILD_BASENAME='"memory"').
	(cd "$obj" && eval "$cc $flags -E -o '$out/$name.i' '$src/$f'") ||
		{ echo "kbuild/prepare.sh: preprocessing $f failed" >&2; exit 1; }
	echo "$name" >>"$out/files"
	# Compile flags: drop what only the preprocessor uses.
	if [ ! -f "$out/flags" ]; then
		echo "$flags" | tr ' ' '\n' | awk '
			skip { skip = 0; next }
			$0 == "-include" || $0 == "-isystem" { skip = 1; next }
			/^-I/ || /^-D/ || /^-nostdinc$/ || /^-fmacro-prefix-map/ || $0 == "" { next }
			{ printf "%s ", $0 }' >"$out/flags"
		echo "$cc" >"$out/cc"
	fi
done
echo "kbuild inputs: $(wc -l <"$out/files") files, $(du -sm "$out" | cut -f1) MiB in $out"
