#!/bin/bash
# Install what lfswap needs on a Debian 12 host: the pinned kernel source,
# the kernel build tools, QEMU and the tools the guest runs (the guest sees
# the host's root filesystem). Usage: deps.sh [build|run|bench|deb|all]
# "all" (make deps, make test) is build+run+bench; make deb's packages come
# only with "deb" (make deb, make deb-check).
set -eu
. "$(dirname "$0")/lib.sh"

what=${1:-all}
build_pkgs="gcc make bc flex bison libelf-dev libssl-dev ccache perl python3 cpio kmod git xz-utils rsync"
run_pkgs="qemu-system-x86 busybox-static util-linux e2fsprogs fio stress-ng numactl libnuma-dev liburing-dev libcap-dev"
bench_pkgs="gnuplot-nox libzstd-dev liblz4-dev jq time sqlite3"
# make deb (bindeb-pkg) and make deb-check (a debootstrap chroot, the guest)
deb_pkgs="dpkg-dev debhelper debootstrap"
case $what in
build) pkgs=$build_pkgs ;;
run) pkgs="$build_pkgs $run_pkgs" ;;
bench | all) pkgs="$build_pkgs $run_pkgs $bench_pkgs" ;;
deb) pkgs="$build_pkgs $run_pkgs $deb_pkgs" ;;
*) die "deps.sh: unknown set '$what' (build|run|bench|deb|all)" ;;
esac

command -v apt-get >/dev/null || die "apt-get not found: lfswap installs its tools on Debian 12; install by hand: $pkgs $LINUX_SOURCE_PACKAGE=$LINUX_SOURCE_VERSION"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed' || missing="$missing $p"
done
have_src=$(dpkg-query -W -f='${Version}' "$LINUX_SOURCE_PACKAGE" 2>/dev/null || true)
[ "$have_src" = "$LINUX_SOURCE_VERSION" ] || missing="$missing $LINUX_SOURCE_PACKAGE=$LINUX_SOURCE_VERSION"

# Disk: an extracted tree plus two flavours of two variants is ~6 GiB.
mkdir -p "$LFS_BUILD"
avail_kb=$(df -Pk "$LFS_BUILD" | awk 'NR==2 { print $4 }')
[ "$avail_kb" -ge $((8 * 1024 * 1024)) ] ||
	die "only $((avail_kb / 1024)) MiB free under $LFS_BUILD; lfswap needs about 8 GiB (kernel trees, builds, guest disks)"

[ -n "$missing" ] || exit 0
note "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq || die "apt-get update failed"
case $missing in
*"$LINUX_SOURCE_PACKAGE="*)
	offered=$(apt-cache madison "$LINUX_SOURCE_PACKAGE" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | tr '\n' ' ')
	case " $offered " in
	*" $LINUX_SOURCE_VERSION "*) ;;
	*) die "$LINUX_SOURCE_PACKAGE version $LINUX_SOURCE_VERSION (pinned in configs/source.pin) is not offered by the archive; offered: ${offered:-none}. To move the pin to the newest offered one: make rebase VERSION=newest" ;;
	esac
	;;
esac
for p in $missing; do
	apt-cache show "${p%%=*}" >/dev/null 2>&1 || die "package ${p%%=*} not found in the configured apt sources"
done
# The pin is exact: a machine that has a newer linux-source-6.12 (an
# upgrade, or another checkout pinned elsewhere) gets the pinned one back.
# Only that package may go down; apt still refuses to downgrade any other.
src_pin="$LINUX_SOURCE_PACKAGE=$LINUX_SOURCE_VERSION"
others=""
for p in $missing; do
	[ "$p" = "$src_pin" ] || others="$others $p"
done
: >"$LFS_BUILD/apt.log"
if [ -n "$others" ]; then
	# shellcheck disable=SC2086
	as_root apt-get install -y -q --no-install-recommends $others >>"$LFS_BUILD/apt.log" 2>&1 ||
		die "apt-get install failed for:$others (log: $LFS_BUILD/apt.log)"
fi
if [ "$others" != "$missing" ]; then
	[ -z "$have_src" ] || note "$LINUX_SOURCE_PACKAGE $have_src is installed; replacing it with the pinned $LINUX_SOURCE_VERSION"
	as_root apt-get install -y -q --no-install-recommends --allow-downgrades "$src_pin" >>"$LFS_BUILD/apt.log" 2>&1 ||
		die "apt-get install failed for: $src_pin (log: $LFS_BUILD/apt.log)"
fi
