#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# lfswap-enable on the booted kernel, in the guest (suite lfswap-settings):
# each profile writes its values into the real sysfs (through
# systemd-tmpfiles), the ssd profile makes 64K folios go to zswap whole
# (with the series), and `off` brings back every value from before. The
# fragment and its record go to /tmp (the guest's /etc is read-only).
# TAP on stdout.
set -u
. "$LFS_ROOT/tests/lib/guest.sh"
bin=$LFS_ROOT/tools/lfswap-settings/lfswap-enable
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1: $2"; }
export LFSWAP_CONF=/tmp/lfswap-settings/lfswap.conf LFSWAP_STATE=/tmp/lfswap-settings/state
rm -rf /tmp/lfswap-settings
trap 'rm -rf /tmp/lfswap-settings; zswap_set off; swap_off_all; mthp_reset' EXIT
swap_off_all
mthp_reset
zp=/sys/module/zswap/parameters
files="$THP/hugepages-64kB/enabled $zp/enabled $zp/compressor $zp/zpool $zp/max_pool_percent"
snap() { for f in $files; do echo "$f: $(cat "$f")"; done; }
# values unlike the profile's, so that off must restore each of them
echo zstd >$zp/compressor
echo 13 >$zp/max_pool_percent
snap >/tmp/boot-values

t="ssd: every value of the profile in sysfs"
if "$bin" ssd >/tmp/out 2>&1 && "$bin" status >>/tmp/out 2>&1; then
	ok "$t"
else
	not_ok "$t" "$(tr '\n' ' ' </tmp/out)"
fi
sed 's/^/# /' /tmp/out

# the profile at work: 64K folios paged out go to zswap whole (6.12's
# zswap stores no large folio: there they go to the disk)
swap_on disk 256 >/dev/null || { echo "Bail out! no swap disk"; exit 1; }
z0=$(thp_stat 64K zswpout)
"$LFS_BIN/lfs-integrity" --no-thp-setup --size 64K --mem 8M --out pageout --in seq >/tmp/integrity.out 2>&1
irc=$?
z1=$(thp_stat 64K zswpout)
t="ssd: 64K folios stored in zswap whole, every byte verified"
if [ "$irc" != 0 ]; then
	not_ok "$t" "the checker failed: $(grep -m1 RESULT /tmp/integrity.out)"
elif [ "${LFS_VARIANT:-}" = patched ] && [ $((z1 - z0)) -le 0 ]; then
	not_ok "$t" "64kB zswpout $z0 -> $z1"
else
	echo "# 64kB.zswpout +$((z1 - z0)) (${LFS_VARIANT:-?}); $(grep -m1 RESULT /tmp/integrity.out)"
	ok "$t"
fi
swap_off_all

# the zram profile leaves zswap alone (a write to "enabled" sets it up)
t="zram: 64K on, zswap untouched"
if "$bin" zram >/tmp/out 2>&1 && [ "$(cat $zp/enabled)" = Y ] && grep -q '\[always\]' "$THP/hugepages-64kB/enabled"; then
	ok "$t"
else
	not_ok "$t" "$(tr '\n' ' ' </tmp/out)"
fi

t="off: every value as it was before"
"$bin" off >/tmp/out 2>&1
snap >/tmp/after-values
if diff /tmp/boot-values /tmp/after-values >/tmp/diff; then
	ok "$t"
else
	not_ok "$t" "$(tr '\n' ' ' </tmp/diff)"
fi

# as at boot: systemd-tmpfiles itself reads the ssd profile and the kernel
# takes every value (exit 0, nothing on stderr)
t="systemd-tmpfiles applies the ssd profile to the kernel"
systemd-tmpfiles --create "$LFS_ROOT/tools/lfswap-settings/profiles/ssd.conf" >/tmp/out 2>&1
trc=$?
LFSWAP_CONF=$LFS_ROOT/tools/lfswap-settings/profiles/ssd.conf "$bin" status >>/tmp/out 2>&1
src=$?
if [ "$trc" = 0 ] && [ "$src" = 0 ] && ! grep -qv '^\(on:\|  ok \)' /tmp/out; then
	ok "$t"
else
	not_ok "$t" "systemd-tmpfiles exit $trc, status exit $src: $(tr '\n' ' ' </tmp/out)"
fi

echo "1..$n"
[ "$failed" = 0 ]
