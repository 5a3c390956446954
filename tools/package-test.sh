#!/bin/sh
# package-test.sh — `make package-test`, and the "package" suite of
# `make test` (tests/run.sh): build the Debian packages, install them with
# apt into a fresh Debian 12 root (debootstrap), and run there what an
# installer would (tools/package-test-checks.sh): the postinst's users and
# directories, decran-gateway -n and the CLI on the installed paths,
# decran-web on its installed configuration talking to the gateway, the
# installed gateway and relay against the installed broker configuration,
# every unit's verify and security score, and an upgrade from the previous
# release's database and configuration.  The checks run in private mount,
# PID and network namespaces: only the root's own loopback, and every
# process and mount gone when it ends.
#
# Needs root (directly, or password-less sudo for the root's part) and the
# Debian mirror of this machine's apt sources.  Without them it fails,
# saying which is missing: a package test that did not run has not passed.
#
# The bootstrapped base (minbase + the few packages the checks use) is kept
# as a tar in $PACKAGE_TEST_CACHE (default /var/cache/decran/package-test),
# named by what went into it (suite, mirror, package list): a new list makes
# a new base, and rm -rf of that directory makes a fresh one.  Each run
# unpacks a new root from it, removed afterwards.  The packages are built
# (dpkg-buildpackage, lintian) while a missing base bootstraps.
#
# Ends with "N passed, N failed".
set -eu
# debootstrap and chroot live in sbin, outside an ordinary user's PATH.
PATH=$PATH:/usr/sbin:/sbin
top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
out="$top/$B/package-test"
fail() {	# fail MESSAGE [LOG]: the reason, the log's end, one failed check
	echo "package-test: $1" >&2
	[ -n "${2:-}" ] && [ -f "$2" ] && tail -25 "$2" >&2
	echo "0 passed, 1 failed"
	exit 1
}

# What the base holds besides minbase: systemd (systemd-analyze, sysusers,
# tmpfiles), iproute2 (ip, ss), mosquitto (the broker, from Debian as on a
# Pi), sqlite3 (the upgrade check loads the old release's dump).  Nothing
# of decran's own dependencies: apt must find them from the packages'
# Depends, or the test proves nothing about them.
BASE_PKGS="systemd iproute2 mosquitto sqlite3"
SUITE=bookworm
# The mirror this machine installs from (deb822 or one-line sources).
mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $0 ~ / main/ {print $2; exit}' \
	/etc/apt/sources.list 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
cache=${PACKAGE_TEST_CACHE:-/var/cache/decran/package-test}
key=$(printf '%s %s %s v2\n' "$SUITE" "$mirror" "$BASE_PKGS" | sha256sum | cut -c1-16)
base="$cache/base-$SUITE-$key.tar"

# The root's part: as root directly, else through password-less sudo.
if [ "${1:-}" != --as-root ]; then
	[ "$(id -u)" = 0 ] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; } ||
		fail "needs root for debootstrap, chroot and namespaces: run make test as root, or give this user password-less sudo"
	for c in debootstrap dpkg-buildpackage lintian unshare; do
		command -v $c >/dev/null 2>&1 || fail "$c missing (make deps installs it: tools/deps.sh package package-test)"
	done
	rm -rf "$out" && mkdir -p "$out"
	# The base, bootstrapped beside the build when missing.
	bootstrap=
	if [ ! -f "$base" ]; then
		bootstrap=$(date +%s)
		if [ "$(id -u)" = 0 ]; then sh "$0" --as-root bootstrap
		else sudo -n env PACKAGE_TEST_CACHE="$cache" sh "$0" --as-root bootstrap; fi \
			>"$out/bootstrap.log" 2>&1 &
		bootstrap_pid=$!
	fi
	# 1. The packages, built by the Debian toolchain (the unit tests ran in make test).
	start=$(date +%s)
	build_rc=0
	make -C "$top" --no-print-directory B="$B" DEB_JOBS="$(nproc)" \
		DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" deb >"$out/build.log" 2>&1 || build_rc=$?
	echo "package-test: packages built and checked by lintian in $(( $(date +%s) - start )) s"
	if [ -n "$bootstrap" ]; then
		wait $bootstrap_pid || fail "the Debian $SUITE base could not be bootstrapped from $mirror (no network to the mirror?)" \
			"$out/bootstrap.log"
		echo "package-test: base bootstrapped in $(( $(date +%s) - bootstrap )) s ($base)"
	else
		echo "package-test: base reused ($base)"
	fi
	[ $build_rc = 0 ] || fail "make deb failed (dpkg-buildpackage or lintian)" "$out/build.log"
	if [ "$(id -u)" = 0 ]; then exec sh "$0" --as-root run; fi
	exec sudo -n env B="$B" PACKAGE_TEST_CACHE="$cache" sh "$0" --as-root run
fi

if [ "$2" = bootstrap ]; then
	mkdir -p "$cache"
	# One bootstrap at a time; a run that waited finds the base made.
	exec 9>"$cache/bootstrap.lock"
	flock 9
	[ -f "$base" ] && exit 0
	tmp=$(mktemp -d "$cache/base.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	debootstrap --variant=minbase --include="$(echo $BASE_PKGS | tr ' ' ,)" "$SUITE" \
		"$tmp/root" "$mirror"
	# No service may start inside it (policy-rc.d); the package lists stay,
	# so a run needs no apt-get update while the mirror still has them.
	printf '#!/bin/sh\nexit 101\n' >"$tmp/root/usr/sbin/policy-rc.d"
	chmod 755 "$tmp/root/usr/sbin/policy-rc.d"
	# The same suites as this machine (updates and security): a Pi has them.
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		cp /etc/apt/sources.list.d/debian.sources "$tmp/root/etc/apt/sources.list.d/"
		rm -f "$tmp/root/etc/apt/sources.list"
	fi
	cp /etc/resolv.conf "$tmp/root/etc/resolv.conf"
	chroot "$tmp/root" apt-get update -q
	rm -rf "$tmp/root/var/cache/apt/archives"/*.deb
	tar -C "$tmp/root" -cf "$tmp/base.tar" . && mv "$tmp/base.tar" "$base"
	exit 0
fi

# 2. A fresh root from the base, the packages installed by apt with the
#    dependencies their Depends name.
# The root is a private mount of its own: the mounts made under it in the
# namespaces below never propagate to this machine's, even where / itself
# is no mount point (inside a chroot, where unshare cannot make / private).
root=$(mktemp -d /var/tmp/decran-package-test.XXXXXX)
mount --bind "$root" "$root" && mount --make-private "$root" ||
	fail "cannot make $root a private mount"
trap 'umount "$root"; rm -rf "$root"' EXIT
start=$(date +%s)
tar -C "$root" -xf "$base"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/tmp/debs" "$cache/archives/partial"
for d in "$top/$B"/deb/*.deb; do
	case "$d" in *-dbgsym_*) ;; *) cp "$d" "$root/tmp/debs/" ;; esac
done
install_debs='DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends /tmp/debs/*.deb'
# The downloaded archives are shared by the runs: one apt at a time there.
flock "$cache/archives.lock" unshare -m --propagation unchanged sh -c "mount --bind '$cache/archives' '$root/var/cache/apt/archives' &&
	mount -t proc proc '$root/proc' &&
	chroot '$root' sh -c '$install_debs || { apt-get update -q && $install_debs; }'" \
	>"$out/install.log" 2>&1 ||
	fail "apt could not install the packages in the fresh root" "$out/install.log"
echo "package-test: installed with their dependencies in $(( $(date +%s) - start )) s"

# 3. The broker's authority and certificate, made here (the root need not
# carry the openssl tool); accounts are made inside by `decran boxes
# provision`, as docs/install.md says.
d="$root/etc/mosquitto/decran"
mkdir -p "$d"
( cd "$d" &&
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
	-out ca.crt -days 2 -subj "/CN=decran package-test CA" &&
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key \
	-out server.csr -subj "/CN=localhost" &&
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >san.ext &&
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
	-out server.crt -days 2 -extfile san.ext ) >"$out/certs.log" 2>&1 ||
	fail "openssl could not make the broker's test certificates" "$out/certs.log"

# 4. The checks, inside the root, in namespaces of their own.
mkdir -p "$root/tmp/checks"
cp "$top/tools/package-test-checks.sh" "$root/tmp/checks/checks.sh"
cp -r "$top/tests/fixtures/release-0.1.0" "$top/dist/mosquitto-decran.conf" "$root/tmp/checks/"
rc=0
unshare -m -n -p -f --propagation unchanged sh -c "mount -t proc proc '$root/proc' &&
	chroot '$root' sh /tmp/checks/checks.sh" >"$out/checks.log" 2>&1 || rc=$?
cat "$out/checks.log"
tail -1 "$out/checks.log" | grep -Eq '^[0-9]+ passed, [0-9]+ failed$' ||
	fail "the checks ended without their count (exit status $rc)"
exit $rc
