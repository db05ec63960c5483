#!/bin/bash
# Build one kernel: build-kernel.sh VARIANT FLAVOUR [make targets...]
#   VARIANT: patched (our series applied) | baseline (pristine pinned source)
#   FLAVOUR: debug (tests) | perf (benchmarks) | kasan (debug + KASAN)
# The config is `make tinyconfig` with configs/base.config, lfswap.config and
# FLAVOUR.config (debug and kasan: also debug-series.config) merged on top
# by merge_config.sh; every option a fragment sets must survive
# olddefconfig, or the build stops and names it. debug-series.config holds
# the options that a patch of the series adds to Kconfig: in a tree that
# does not define one (the baseline, or a prefix of the series before
# that patch) it is left out of the check.
set -eu
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: build-kernel.sh patched|baseline debug|perf}
flavour=${2:?usage: build-kernel.sh patched|baseline debug|perf}
shift 2
case $variant in patched | baseline | check) ;; *) die "unknown variant '$variant' (patched|baseline|check)" ;; esac
case $flavour in debug | perf | kasan) ;; *) die "unknown flavour '$flavour' (debug|perf|kasan)" ;; esac

src=$(src_dir "$variant")
out=$(out_dir "$variant" "$flavour")
c=$LFS_ROOT/configs
case $flavour in
perf) frags="$c/base.config $c/lfswap.config $c/perf.config" ;;
debug) frags="$c/base.config $c/lfswap.config $c/debug.config $c/debug-series.config" ;;
# kasan = debug + configs/kasan.config
kasan) frags="$c/base.config $c/lfswap.config $c/debug.config $c/debug-series.config $c/kasan.config" ;;
esac
[ -f "$src/Makefile" ] || die "$src is missing; run scripts/prepare.sh (make prepare)"
mkdir -p "$out"

# Check that every option set by a fragment has that value in .config.
check_config() {
	local bad=0 f line opt want got
	for f in $frags; do
		while IFS= read -r line; do
			case $line in
			CONFIG_*=*) opt=${line%%=*} want=${line#*=} ;;
			"# CONFIG_"*" is not set") opt=${line#\# } opt=${opt%% *} want=n ;;
			*) continue ;;
			esac
			# an option of the series, in a tree without the patch
			# that defines it
			if [ "${f##*/}" = debug-series.config ] &&
				! grep -rqsE --include='Kconfig*' "^[[:space:]]*(menu)?config ${opt#CONFIG_}\$" "$src"; then
				continue
			fi
			got=$(grep -E "^$opt=|^# $opt is not set" "$out/.config" | head -1)
			case $got in
			"$opt="*) got=${got#*=} ;;
			*) got=n ;;
			esac
			if [ "$got" != "$want" ]; then
				printf 'lfswap: %s: %s=%s did not survive olddefconfig (got %s)\n' "$(basename "$f")" "$opt" "$want" "$got" >&2
				bad=1
			fi
		done <"$f"
	done
	return $bad
}

cfg_hash=$(cat $frags "$LFS_ROOT/configs/source.pin" | sha1sum | cut -c1-40)
if [ "$(cat "$out/.config.lfswap" 2>/dev/null)" != "$cfg_hash" ] || [ ! -f "$out/.config" ]; then
	note "configuring $variant/$flavour"
	kmake "$src" "$out" tinyconfig >/dev/null
	# shellcheck disable=SC2086
	(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" $frags >"$out/merge_config.log" 2>&1) ||
		die "merge_config.sh failed (log: $out/merge_config.log)"
	kmake "$src" "$out" olddefconfig >/dev/null
	check_config || die "kernel config for $variant/$flavour is missing options (fragments in configs/)"
	echo "$cfg_hash" >"$out/.config.lfswap"
fi

note "building $variant/$flavour kernel in $out"
start=$(date +%s)
kmake "$src" "$out" "${@:-bzImage}" >"$out/build.log" 2>&1 || {
	grep -E 'error|Error' "$out/build.log" | head -30 >&2
	die "kernel build failed for $variant/$flavour (log: $out/build.log)"
}
note "built $variant/$flavour in $(($(date +%s) - start)) s: $(kernel_image "$variant" "$flavour")"
