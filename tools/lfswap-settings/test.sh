#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# lfswap-enable's own tests, on the host, against a made-up root (--root):
# on, switch, status, apply after an edit, edited and hand-made fragments
# kept, off restoring every value exactly, stale records, symlinks, a
# kernel without zswap, bad arguments; and that systemd-tmpfiles itself
# (as at boot) reads each profile and writes its values. TAP on stdout;
# exit 1 if a case failed.
#   test.sh [LFSWAP-ENABLE]
set -u
bin=${1:-$(cd "$(dirname "$0")" && pwd)/lfswap-enable}
profiles=$(cd "$(dirname "$0")" && pwd)/profiles
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1: $2"; }
check() {	# check NAME COMMAND...: ok if the command succeeds
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else not_ok "$name" "failed: $* ($(head -c 300 "$tmp/err" 2>/dev/null))"; fi
}
r=$tmp/root
thp=$r/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled
thp16=$r/sys/kernel/mm/transparent_hugepage/hugepages-16kB/enabled
zs=$r/sys/module/zswap/parameters
frag=$r/etc/tmpfiles.d/lfswap.conf
mkroot() {
	rm -rf "$r"
	mkdir -p "$(dirname "$thp")" "$(dirname "$thp16")" "$zs"
	echo "always inherit madvise [never]" >"$thp"
	echo "always inherit madvise [never]" >"$thp16"
	echo N >"$zs/enabled"
	echo zstd >"$zs/compressor"
	echo zbud >"$zs/zpool"
	echo 10 >"$zs/max_pool_percent"
}
baks() { find "$(dirname "$frag")" -name 'lfswap.conf.bak-*' | sort; }
values() { echo "$(cat "$thp") $(cat "$zs/enabled") $(cat "$zs/compressor") $(cat "$zs/zpool") $(cat "$zs/max_pool_percent")"; }
run() { "$bin" --root "$r" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
orig="always inherit madvise [never] N zstd zbud 10"

mkroot
run list
check "list: the three profiles" test "$(awk '{ print $1 }' "$tmp/out" | tr '\n' ' ')" = "ssd swapfile zram "
check "list: whole descriptions" grep -qx "zram       64K folios; swap to zram, zswap left off" "$tmp/out"
run status
check "status when off: 'off', exit 0" test "$rc" = 0 -a "$(cut -d: -f1 "$tmp/out")" = off

run ssd
check "ssd: exit 0" test "$rc" = 0
check "ssd: every value written" test "$(values)" = "always Y lz4 zsmalloc 20"
check "ssd: the fragment is the profile" cmp "$frag" "$profiles/ssd.conf"
check "ssd: the values before recorded" grep -qx "w- /sys/module/zswap/parameters/compressor - - - - zstd" "$r/var/lib/lfswap/before.conf"
run status
check "status: on, profile ssd as installed, all ok" test "$rc" = 0 -a "$(head -1 "$tmp/out" | cut -d, -f1)" = "on: profile ssd (as installed)" -a "$(grep -c '^  ok ' "$tmp/out")" = 5

run zram
check "switch to zram: 64K stays, zswap untouched" test "$rc" = 0 -a "$(values)" = "always Y lz4 zsmalloc 20"
check "switch: the values before are still the first ones" grep -qx "w- /sys/module/zswap/parameters/enabled - - - - N" "$r/var/lib/lfswap/before.conf"
run ssd
echo 16 >"$zs/max_pool_percent"
run status
check "status: a value that differs, exit 1" test "$rc" = 1 -a "$(grep -c '^  DIFFERS ' "$tmp/out")" = 1
run apply
check "apply: writes the fragment's values again" test "$rc" = 0 -a "$(values)" = "always Y lz4 zsmalloc 20"

# an added line: recorded by apply, restored by off
echo "w- /sys/kernel/mm/transparent_hugepage/hugepages-16kB/enabled - - - - always" >>"$frag"
cp "$frag" "$tmp/edited"
run apply
check "apply after an edit: the added size written" test "$rc" = 0 -a "$(cat "$thp16")" = always
run status
check "status: says edited" grep -q "^on: profile ssd (edited" "$tmp/out"
run zram
check "edited fragment: refused, exit 1, unchanged" test "$rc" = 1 -a "$(cmp "$frag" "$tmp/edited" && echo same)" = same
check "edited fragment: says why" grep -q "was edited" "$tmp/err"
run off
check "off: exit 0" test "$rc" = 0
check "off: every value back as before, the added size too" test "$(values) $(cat "$thp16")" = "never N zstd zbud 10 never"
check "off: fragment and records removed" test ! -e "$frag" -a ! -e "$r/var/lib/lfswap/before.conf" -a ! -e "$r/var/lib/lfswap/profile"
check "off: the edited fragment kept" cmp "$(baks | head -1)" "$tmp/edited"
run off
check "off again: already off, exit 0" test "$rc" = 0 -a "$(grep -c 'already off' "$tmp/out")" = 1

# --force over an edited fragment keeps a copy each time
mkroot
run ssd
echo "# mine 1" >>"$frag"
run zram --force
check "--force: exit 0, a copy kept" test "$rc" = 0 -a "$(baks | wc -l)" = 1
sleep 1.1
echo "# mine 2" >>"$frag"
run ssd --force
check "--force again: both copies kept" test "$rc" = 0 -a "$(baks | wc -l)" = 2
run off
check "off after --force: values from before the first profile" test "$(values)" = "never N zstd zbud 10"

# a fragment made by hand (no record): off keeps it and writes nothing
mkroot
mkdir -p "$(dirname "$frag")"
printf 'w- /sys/module/zswap/parameters/enabled - - - - Y\n' >"$frag"
echo Y >"$zs/enabled"
cp "$frag" "$tmp/hand"
run off
check "hand-made fragment: off exits 0 and says the values stay" test "$rc" = 0 -a "$(grep -c 'values stay until the next boot' "$tmp/out")" = 1
check "hand-made fragment: kept, nothing written" test "$(cat "$zs/enabled")" = Y -a "$(cmp "$(baks)" "$tmp/hand" && echo same)" = same

# a fragment removed by hand: the stale record is dropped, nothing written
mkroot
run ssd
rm -f "$frag"
echo 30 >"$zs/max_pool_percent"
run off
check "stale record: dropped, nothing written" test "$rc" = 0 -a "$(cat "$zs/max_pool_percent")" = 30 -a ! -e "$r/var/lib/lfswap/before.conf"

# a symlink is replaced, never written through; a masked one is refused
mkroot
cp -r "$profiles" "$tmp/profiles-copy"
mkdir -p "$(dirname "$frag")"
ln -s "$tmp/profiles-copy/ssd.conf" "$frag"
run zram --force
check "symlinked fragment: replaced by a file, its target unchanged" test ! -L "$frag" -a "$(cmp "$tmp/profiles-copy/ssd.conf" "$profiles/ssd.conf" && echo same)" = same
rm -f "$frag" "$frag".bak-*
ln -s /dev/null "$frag"
run ssd --force
check "masked fragment: refused, exit 1" test "$rc" = 1 -a -L "$frag"
rm -f "$frag"

# --no-apply (an image): the fragment only
mkroot
run ssd --no-apply
check "--no-apply: installed, nothing written" test "$rc" = 0 -a -f "$frag" -a "$(values)" = "$orig"

# a kernel without zswap: the profile is installed, the failure named
mkroot
rm -rf "$zs"
run ssd
check "no zswap: exit 1" test "$rc" = 1
check "no zswap: names the missing file" grep -q "/sys/module/zswap/parameters/enabled: no such file" "$tmp/err"
check "no zswap: 64K still written" test "$(cat "$thp")" = always
run off
check "no zswap: off restores what it recorded, exit 0" test "$rc" = 0 -a "$(cat "$thp")" = never

# bad arguments: exit 2, nothing changed
mkroot
for args in "" "bogus" "../ssd" "ssd zram" "--bogus ssd" "--root"; do
	# shellcheck disable=SC2086
	"$bin" --root "$r" $args >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" = 2 ] && [ -s "$tmp/err" ] && [ "$(values)" = "$orig" ] && [ ! -e "$r/etc" ]; then
		ok "bad arguments '$args': exit 2, nothing changed"
	else
		not_ok "bad arguments '$args': exit 2, nothing changed" "rc $rc, $(head -c 200 "$tmp/err")"
	fi
done
"$bin" --root "$tmp/nonexistent" ssd >/dev/null 2>&1
check "--root that does not exist: exit 2" test $? = 2
"$bin" --root "" status >/dev/null 2>&1
check "--root '' (the running system by mistake): exit 2" test $? = 2

# systemd-tmpfiles itself, as at boot, reads each profile: exit 0, nothing
# on stderr, every value written (into empty files: it does not truncate)
if command -v systemd-tmpfiles >/dev/null; then
	for p in "$profiles"/*.conf; do
		mkroot
		for f in "$thp" "$zs"/*; do : >"$f"; done
		systemd-tmpfiles --create --root="$r" "$p" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		bad=""
		while IFS=$'\t' read -r path val; do
			[ "$(cat "$r$path")" = "$val" ] || bad="$bad $path"
		done < <(awk '$1 == "w-" { print $2 "\t" $7 }' "$p")
		if [ "$rc" = 0 ] && [ ! -s "$tmp/err" ] && [ -z "$bad" ]; then
			ok "systemd-tmpfiles applies $(basename "$p")"
		else
			not_ok "systemd-tmpfiles applies $(basename "$p")" "rc $rc, stderr '$(head -c 200 "$tmp/err")', wrong:$bad"
		fi
	done
else
	for p in "$profiles"/*.conf; do
		echo "ok $((n += 1)) systemd-tmpfiles applies $(basename "$p") # SKIP no systemd-tmpfiles on this host"
	done
fi

echo "1..$n"
[ "$failed" = 0 ]
