#!/bin/sh
# cross-test.sh — `make cross-test`: build decran for the Raspberry Pi's
# architectures with Debian's cross toolchain and run the unit tests under
# qemu-user.  Each architecture gets its own Debian 12 root (debootstrap),
# where its foreign -dev packages live: they are never installed on this
# machine, where they could replace the native ones.
#
#   ARCHES="arm64 armhf" (default)  which architectures
# The roots are kept in $B/cross/<arch> between runs (rm -rf to renew).
# Ends with "N passed, N failed" over every architecture's unit tests.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
ARCHES=${ARCHES:-arm64 armhf}
base="$top/$B/cross/base.tar"
[ "$(id -u)" = 0 ] || { echo "cross-test: needs root (debootstrap, chroot)" >&2; exit 1; }
mkdir -p "$top/$B/cross"

# pkg-config reads the target's .pc files through PKG_CONFIG_LIBDIR (no
# triplet-prefixed pkg-config in Debian 12's cross toolchain).
# The -dev packages of the build, from the one list (tools/debian-packages.txt).
devs=$(awk '/^\[/ { on = ($1 == "[relay]" || $1 == "[build]"); next }
	on && $1 ~ /-dev$/ && $1 != "libc6-dev" { print $1 }' "$top/tools/debian-packages.txt")

if [ ! -f "$base" ]; then
	rm -rf "$top/$B/cross/base"
	debootstrap --variant=minbase --include=make,pkg-config,tzdata bookworm \
		"$top/$B/cross/base" >"$top/$B/cross/debootstrap.log" 2>&1 ||
		{ tail -20 "$top/$B/cross/debootstrap.log"; exit 1; }
	printf '#!/bin/sh\nexit 101\n' >"$top/$B/cross/base/usr/sbin/policy-rc.d"
	chmod 755 "$top/$B/cross/base/usr/sbin/policy-rc.d"
	tar -C "$top/$B/cross/base" -cf "$base.part" . && mv "$base.part" "$base"
	rm -rf "$top/$B/cross/base"
fi

passed=0
failed=0
for arch in $ARCHES; do
	case $arch in
	arm64) triplet=aarch64-linux-gnu; qemu=qemu-aarch64-static ;;
	armhf) triplet=arm-linux-gnueabihf; qemu=qemu-arm-static ;;
	*) echo "cross-test: unknown architecture $arch" >&2; exit 2 ;;
	esac
	root="$top/$B/cross/$arch"
	log="$top/$B/cross/$arch.log"
	if [ ! -f "$root/.ready" ]; then
		rm -rf "$root" && mkdir -p "$root" && tar -C "$root" -xf "$base"
		cp /etc/resolv.conf "$root/etc/resolv.conf"
		pkgs="crossbuild-essential-$arch qemu-user-static"
		for p in $devs; do pkgs="$pkgs $p:$arch"; done
		unshare -m sh -c "mount -t proc proc '$root/proc' && chroot '$root' sh -c \
			'dpkg --add-architecture $arch && apt-get update -q &&
			 DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $pkgs'" \
			>"$log" 2>&1 || { tail -30 "$log"; echo "0 passed, 1 failed"; exit 1; }
		touch "$root/.ready"
	fi
	# The tree as it is now, built by the cross toolchain, tests run by qemu.
	rm -rf "$root/src" && mkdir -p "$root/src"
	(cd "$top" && tar --exclude=./build --exclude=./build-san --exclude=./.git --exclude=./run \
		--exclude=node_modules --exclude=__pycache__ -cf - .) | tar -C "$root/src" -xf -
	out=$(unshare -m sh -c "mount -t proc proc '$root/proc' && mount -t tmpfs tmpfs '$root/tmp' &&
		chroot '$root' sh -c 'cd /src &&
			export PKG_CONFIG_LIBDIR=/usr/lib/$triplet/pkgconfig:/usr/share/pkgconfig &&
			make --no-print-directory -j2 B=build-$arch \
			CC=$triplet-gcc AR=$triplet-ar all >/src/build.log 2>&1 ||
			{ tail -30 /src/build.log; exit 1; }
			file=\$(od -An -c -j4 -N1 build-$arch/bin/decran-gateway | tr -d \" \")
			echo \"cross-test $arch: built (ELF class \$file)\"
			B=build-$arch RUNNER=$qemu ONLY=unit sh tests/run.sh'" 2>&1) || true
	echo "$out" | grep -v '^unit .*passed$' | grep -v '^[0-9]* passed, [0-9]* failed$' || true
	echo "$out" | grep -c '^unit .*passed$' | sed "s/^/cross-test $arch: test binaries passing: /"
	counts=$(echo "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' | tail -1)
	[ -n "$counts" ] || counts="0 1"
	set -- $counts
	echo "cross-test $arch: $1 passed, $2 failed"
	passed=$((passed + $1)); failed=$((failed + $2))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
