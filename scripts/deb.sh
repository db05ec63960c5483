#!/bin/bash
# Debian packages of the pinned 6.12.y with the series (docs/deb.md).
#
#   deb.sh build [--localmod [--lsmod FILE]]
#       `make deb [LOCALMOD=1 [LSMOD=FILE]]`: linux-image and linux-headers
#       through the kernel's own bindeb-pkg, configured from Debian's config
#       for amd64 (the linux-config-6.12 package) with configs/deb/lfswap.config
#       merged on top; release 6.12.y-lfswap-<series id>. --localmod trims
#       the modules to those loaded on this machine (localmodconfig, from
#       /proc/modules) or listed in FILE (`lsmod` output of the target).
#       Packages: build/deb/<full|localmod>/*.deb, with lfswap-tools
#       (lfswap-stat, lfswap-enable and its profiles).
#   deb.sh tools [full|localmod]
#       lfswap-tools again, next to kernel packages already built.
#   deb.sh check [full|localmod]
#       `make deb-check`: install the packages with dpkg into a Debian 12
#       chroot (debootstrap, build/deb/chroot), boot the installed kernel
#       under the QEMU runner with the chroot's modules, run the tests
#       named by DEB_TESTS, then remove the packages again.
#
# The source is the pinned source with the series applied afresh from the
# patch files (build/deb/src), not build/patched/src with whatever is
# committed there.
set -eu
. "$(dirname "$0")/lib.sh"

deb=$LFS_BUILD/deb
# The tests the packaged kernel must pass under QEMU (suite regex of
# tests/run-tests.sh): swap-out and swap-in of large folios on every device,
# zswap over zram, data integrity with zswap on and off, and the two tools.
DEB_TESTS=${DEB_TESTS:-'^(swapout-fallback|swapout-devices|swapin-cache-disk|swapin-policy|integrity-zram-zswap-on|integrity-disk-zswap-off|zswap-large-zram-lz4|lfswap-stat|lfswap-settings)$'}
DEBIAN_SUITE=${DEBIAN_SUITE:-bookworm}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
config_pkg=linux-config-${LINUX_SOURCE_PACKAGE#linux-source-}

# Debian's config for amd64, from the linux-config package of the pinned
# version, or of the newest offered one when the archive no longer has it.
debian_config() {
	local cache=$deb/cache ver offered f
	mkdir -p "$cache"
	offered=$(apt-cache madison "$config_pkg" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }')
	[ -n "$offered" ] || die "$config_pkg is not offered by the configured apt sources (run apt-get update?)"
	if grep -qxF "$LINUX_SOURCE_VERSION" <<<"$offered"; then
		ver=$LINUX_SOURCE_VERSION
	else
		ver=$(head -1 <<<"$offered")
		note "$config_pkg $LINUX_SOURCE_VERSION (the pinned version) is no longer offered; using Debian's config of $ver (olddefconfig settles the difference)"
	fi
	f=$cache/config-$ver
	if [ ! -s "$f" ]; then
		rm -rf "$cache/x" && mkdir -p "$cache/x"
		(cd "$cache/x" && apt-get download -q "$config_pkg=$ver" >/dev/null 2>&1) ||
			die "apt-get download $config_pkg=$ver failed"
		dpkg-deb -x "$cache"/x/"$config_pkg"_*.deb "$cache/x/root"
		xzcat "$cache/x/root/usr/src/$config_pkg/config.amd64_none_amd64.xz" >"$f.tmp" ||
			die "$config_pkg $ver has no config.amd64_none_amd64.xz"
		mv "$f.tmp" "$f"
		rm -rf "$cache/x"
	fi
	echo "$ver"
}

# build/deb/src: the pinned source with the series applied from the files.
fresh_source() {
	local src wt=$deb/src h e n=0
	src=$(src_dir patched)
	# A fresh clone: prepare.sh installs the pinned source and tags it.
	git -C "$src" rev-parse -q --verify "refs/tags/$LFS_BASE_TAG" >/dev/null 2>&1 || "$LFS_ROOT/scripts/prepare.sh"
	h=$(series_hash)
	if [ "$(cat "$deb/src.series" 2>/dev/null)" = "$h $LINUX_SOURCE_VERSION" ] && [ -f "$wt/Makefile" ] &&
		[ -z "$(git -C "$wt" status --porcelain --untracked-files=no)" ]; then
		return 0
	fi
	note "applying the series to a fresh tree of $LINUX_SOURCE_PACKAGE $LINUX_SOURCE_VERSION ($wt)"
	rm -f "$deb/src.series"
	git -C "$src" worktree remove --force "$wt" >/dev/null 2>&1 || rm -rf "$wt"
	git -C "$src" worktree prune
	git -C "$src" worktree add -q --detach "$wt" "$LFS_BASE_TAG"
	while read -r e; do
		n=$((n + 1))
		series_patch "$e" | git -C "$wt" -c user.name=lfswap -c user.email=lfswap@localhost am -q --keep-cr >/dev/null 2>&1 ||
			{ git -C "$wt" am --abort >/dev/null 2>&1; die "patch $n ($e) does not apply to $LFS_BASE_TAG"; }
	done < <(series_entries)
	echo "$h $LINUX_SOURCE_VERSION" >"$deb/src.series"
}

# Every option configs/deb/lfswap.config sets has that value in .config $1.
check_fragment() {
	local cfg=$1 bad=0 line opt want got
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) opt=${line%%=*} want=${line#*=} ;;
		"# CONFIG_"*" is not set") opt=${line#\# } opt=${opt%% *} want=n ;;
		*) continue ;;
		esac
		got=$(grep -E "^$opt=|^# $opt is not set" "$cfg" | head -1)
		case $got in "$opt="*) got=${got#*=} ;; *) got=n ;; esac
		[ "$got" = "$want" ] || { printf 'lfswap: configs/deb/lfswap.config: %s=%s did not survive (got %s)\n' "$opt" "$want" "$got" >&2; bad=1; }
	done <"$LFS_ROOT/configs/deb/lfswap.config"
	return $bad
}

# Without the MAKEFLAGS of `make deb`: its LSMOD=, LOCALMOD= would reach
# the kernel's make as variables of its own command line.
dmake() {
	local obj=$1
	shift
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$deb/src" O="$obj" ARCH=x86_64 -j"$LFS_JOBS" -s \
		LOCALVERSION="-lfswap-$(series_id)" "$@"
}

# lfswap-tools: lfswap-stat and lfswap-enable with its profiles (nothing is
# turned on by installing it; docs/lfswap-settings.rst).
tools_package() {
	local dir=$1 ver=$2 st
	st=$dir/tools-root
	rm -rf "$st" && mkdir -p "$st/DEBIAN"
	make -s -C "$LFS_ROOT/tools/lfswap-stat" OUT="$dir/tools-bin" WERROR=1 install DESTDIR="$st" PREFIX=/usr >/dev/null
	make -s -C "$LFS_ROOT/tools/lfswap-settings" install DESTDIR="$st" PREFIX=/usr >/dev/null
	install -D -m 644 "$LFS_ROOT/docs/lfswap-stat.rst" "$st/usr/share/doc/lfswap-tools/lfswap-stat.rst"
	mv "$st/usr/share/doc/lfswap/lfswap-settings.rst" "$st/usr/share/doc/lfswap-tools/"
	rmdir "$st/usr/share/doc/lfswap"
	cat >"$st/DEBIAN/control" <<-EOF
		Package: lfswap-tools
		Version: $ver
		Architecture: amd64
		Maintainer: lfswap <lfswap@localhost>
		Depends: libc6
		Recommends: systemd
		Section: admin
		Priority: optional
		Description: large-folio swap: counters and settings profiles
		 lfswap-stat shows the per-size swap and zswap counters of large folios,
		 system-wide or for one memory cgroup, once or every N seconds.
		 lfswap-enable turns large-folio swap on with a profile for zram, an SSD
		 or a swapfile (a systemd-tmpfiles fragment), and off again. Installing
		 the package changes no setting.
	EOF
	dpkg-deb --root-owner-group --build "$st" "$dir/lfswap-tools_${ver}_amd64.deb" >/dev/null ||
		die "dpkg-deb failed to build lfswap-tools"
	rm -rf "$st" "$dir/tools-bin"
}

build() {
	local kind=full lsmod="" cfgver obj t0 t1 rel n
	while [ $# -gt 0 ]; do
		case $1 in
		--localmod) kind=localmod; shift ;;
		--lsmod) lsmod=$2; shift 2 ;;
		*) die "deb.sh build: unknown argument $1 (usage: deb.sh build [--localmod [--lsmod FILE]])" ;;
		esac
	done
	if [ "$kind" = localmod ]; then
		if [ -n "$lsmod" ]; then
			[ -f "$lsmod" ] || die "LSMOD=$lsmod: not a file (give the output of lsmod on the target machine)"
			lsmod=$(cd "$(dirname "$lsmod")" && pwd)/$(basename "$lsmod")
			grep -qvE '^Module|^$' "$lsmod" || die "LSMOD=$lsmod lists no module"
		elif [ -r /proc/modules ] && [ -s /proc/modules ]; then
			lsmod=$deb/lsmod.running
			mkdir -p "$deb"
			{ echo "Module Size Used by"; cat /proc/modules; } >"$lsmod"
		else
			die "LOCALMOD=1 trims the modules to those this machine has loaded, but /proc/modules is missing or empty here; give the target's list: lsmod >FILE on it, then make deb LOCALMOD=1 LSMOD=FILE (configs/deb/qemu-guest.lsmod is the QEMU guest's)"
		fi
	elif [ -n "$lsmod" ]; then
		die "LSMOD= only goes with LOCALMOD=1"
	fi
	fresh_source
	cfgver=$(debian_config)
	obj=$deb/$kind/obj
	mkdir -p "$obj"
	rm -f "$deb/$kind"/*.deb "$deb/$kind"/*.buildinfo "$deb/$kind"/*.changes "$deb/$kind/build-info"
	cp "$deb/cache/config-$cfgver" "$obj/.config"
	(cd "$obj" && "$deb/src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$LFS_ROOT/configs/deb/lfswap.config" >"$deb/$kind/merge_config.log" 2>&1) ||
		die "merge_config.sh failed (log: $deb/$kind/merge_config.log)"
	dmake "$obj" olddefconfig >/dev/null
	if [ "$kind" = localmod ]; then
		LSMOD=$lsmod dmake "$obj" localmodconfig >"$deb/$kind/localmodconfig.log" 2>&1 ||
			die "make localmodconfig failed (log: $deb/$kind/localmodconfig.log)"
	fi
	check_fragment "$obj/.config" || die "the package's config lacks what the series needs (above)"
	rel=$(dmake "$obj" kernelrelease)
	n=$(grep -c '=m$' "$obj/.config" || true)
	note "building linux-image-$rel ($kind: Debian's config of $cfgver, $n options as modules) with bindeb-pkg; log: $deb/$kind/build.log"
	t0=$(date +%s)
	KDEB_PKGVERSION="${LINUX_SOURCE_VERSION%%-*}-lfswap.$(series_id)" \
		dmake "$obj" bindeb-pkg >"$deb/$kind/build.log" 2>&1 ||
		{ tail -20 "$deb/$kind/build.log" >&2; die "bindeb-pkg failed (log: $deb/$kind/build.log)"; }
	t1=$(date +%s)
	# dpkg-buildpackage writes the packages next to the object directory.
	# bindeb-pkg also makes linux-libc-dev (the UAPI headers), which would
	# replace Debian's own for every program built on the machine: not ours
	# to ship.
	rm -f "$deb/$kind"/linux-libc-dev_*.deb
	tools_package "$deb/$kind" "${LINUX_SOURCE_VERSION%%-*}-lfswap.$(series_id)"
	ls "$deb/$kind/linux-image-${rel}"_*.deb "$deb/$kind/linux-headers-${rel}"_*.deb >/dev/null 2>&1 ||
		die "bindeb-pkg did not leave linux-image-$rel and linux-headers-$rel in $deb/$kind"
	{
		echo "release=$rel"
		echo "kind=$kind"
		echo "series=$(series_id)"
		echo "source=$LINUX_SOURCE_PACKAGE $LINUX_SOURCE_VERSION"
		echo "debian_config=$config_pkg $cfgver"
		echo "modules=$n"
		echo "lsmod=${lsmod:-}"
		echo "seconds=$((t1 - t0))"
		echo "jobs=$LFS_JOBS"
		echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
	} >"$deb/$kind/build-info"
	printf 'lfswap: built in %dm%02ds (%d jobs, %s):\n' $(((t1 - t0) / 60)) $(((t1 - t0) % 60)) "$LFS_JOBS" "$kind" >&2
	(cd "$deb/$kind" && ls -l --block-size=K ./*.deb | awk '{ print "  " $NF "  " $5 }' | sed 's|\./||') >&2
}

# Debian 12 in build/deb/chroot (minbase), made once.
make_chroot() {
	local ch=$deb/chroot
	[ -f "$ch/.lfswap-chroot" ] && return 0
	command -v debootstrap >/dev/null || die "debootstrap missing (make deb-check installs it: scripts/deps.sh deb)"
	note "debootstrap $DEBIAN_SUITE into $ch ($DEBIAN_MIRROR)"
	rm -rf "$ch"
	as_root debootstrap --variant=minbase "$DEBIAN_SUITE" "$ch" "$DEBIAN_MIRROR" >"$deb/debootstrap.log" 2>&1 ||
		die "debootstrap failed (log: $deb/debootstrap.log)"
	as_root touch "$ch/.lfswap-chroot"
}

check() {
	local kind=${1:-localmod} dir rel ch=$deb/chroot run img rc f pkgs
	dir=$deb/$kind
	[ -f "$dir/build-info" ] || die "no packages in $dir; build them first: make deb$([ "$kind" = full ] || echo " LOCALMOD=1")"
	rel=$(sed -n 's/^release=//p' "$dir/build-info")
	[ "$(sed -n 's/^series=//p' "$dir/build-info")" = "$(series_id)" ] ||
		die "the packages in $dir are of series $(sed -n 's/^series=//p' "$dir/build-info"), the work tree's is $(series_id); build them again"
	make_chroot
	# Install: a clean slate first (an earlier check's packages).
	for f in $(as_root chroot "$ch" dpkg-query -W -f '${Package}\n' 'linux-image-*lfswap*' 'linux-headers-*lfswap*' lfswap-tools 2>/dev/null); do
		as_root chroot "$ch" dpkg --purge "$f" >/dev/null
	done
	rm -rf "$ch/tmp/lfswap-debs" && mkdir -p "$ch/tmp/lfswap-debs"
	cp "$dir/linux-image-${rel}"_*.deb "$dir/linux-headers-${rel}"_*.deb "$dir"/lfswap-tools_*.deb "$ch/tmp/lfswap-debs/"
	note "dpkg -i linux-image-$rel linux-headers-$rel lfswap-tools in the $DEBIAN_SUITE chroot"
	as_root chroot "$ch" sh -c 'dpkg -i /tmp/lfswap-debs/*.deb' >"$deb/check-install.log" 2>&1 ||
		{ cat "$deb/check-install.log" >&2; die "dpkg -i failed in the chroot (log: $deb/check-install.log)"; }
	pkgs=$(as_root chroot "$ch" dpkg-query -W -f '${Package} ${Version} ${Status}\n' "linux-image-$rel" "linux-headers-$rel" lfswap-tools 2>&1) || true
	[ "$(grep -c ' install ok installed$' <<<"$pkgs")" = 3 ] || die "dpkg does not list the three packages as installed: $pkgs"
	img=$ch/boot/vmlinuz-$rel
	for f in "$img" "$ch/lib/modules/$rel/modules.dep" "$ch/usr/src/linux-headers-$rel/Makefile"; do
		[ -s "$f" ] || die "installed packages lack $f"
	done
	note "installed: $(echo "$pkgs" | awk '{ print $1 " " $2 }' | tr '\n' ' ')"
	# The tools run from the package (the guest runs them from the tree).
	as_root chroot "$ch" lfswap-stat --help >/dev/null || die "the packaged lfswap-stat does not run in the chroot"
	as_root chroot "$ch" lfswap-enable list | grep -q '^ *ssd' || die "the packaged lfswap-enable lists no ssd profile"
	[ ! -e "$ch/etc/tmpfiles.d/lfswap.conf" ] || die "installing lfswap-tools turned a profile on"

	run=$deb/check-run
	rm -rf "$run"
	[ -x "$LFS_BUILD/tests/lfs-integrity" ] || "$LFS_ROOT/scripts/build-tests.sh"
	set +e
	"$LFS_ROOT/scripts/vm.sh" --kernel "$img" --variant patched --flavour perf --modroot "$ch" \
		--cpus 3 --mem 2G --timeout 2400 --run-dir "$run" -- \
		bash -c 'echo "lfswap: MGLRU (lru_gen/enabled): $(cat /sys/kernel/mm/lru_gen/enabled 2>&1)"; exec "$0" "$1"' \
		"$LFS_ROOT/tests/run-tests.sh" "$DEB_TESTS"
	rc=$?
	set -e
	"$LFS_ROOT/scripts/tap-summary.sh" "$run" "$rc" "$DEB_TESTS" | tee "$run/summary.txt"
	[ "${PIPESTATUS[0]}" = 0 ] || rc=1
	grep -q "] Linux version $rel " "$run/dmesg.txt" || { note "the guest did not run $rel (dmesg.txt)"; rc=1; }

	# Remove: the packages leave nothing of theirs behind.
	as_root chroot "$ch" dpkg --purge "linux-image-$rel" "linux-headers-$rel" lfswap-tools >>"$deb/check-install.log" 2>&1 ||
		{ note "dpkg --purge failed in the chroot (log: $deb/check-install.log)"; rc=1; }
	for f in "$img" "$ch/lib/modules/$rel" "$ch/usr/src/linux-headers-$rel" "$ch/usr/bin/lfswap-stat" "$ch/usr/share/lfswap"; do
		[ ! -e "$f" ] || { note "dpkg --purge left $f behind"; rc=1; }
	done
	[ "$rc" = 0 ] && note "deb-check: $rel installed, booted, passed $DEB_TESTS, and was removed cleanly"
	return "$rc"
}

case ${1:-} in
build) shift; build "$@" ;;
tools)
	# lfswap-tools again, next to packages already built (after a change
	# to tools/), without building the kernel again.
	d=$deb/${2:-localmod}
	[ -f "$d/build-info" ] || die "no packages in $d"
	tools_package "$d" "${LINUX_SOURCE_VERSION%%-*}-lfswap.$(sed -n 's/^series=//p' "$d/build-info")"
	ls "$d"/lfswap-tools_*.deb
	;;
check) shift; check "$@" ;;
*) die "usage: deb.sh build [--localmod [--lsmod FILE]] | deb.sh check [full|localmod] | deb.sh tools [full|localmod]" ;;
esac
