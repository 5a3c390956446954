#!/bin/sh
# package-test.sh — `make package-test`: build the Debian packages, install
# them into a fresh Debian 12 root (debootstrap), and run what an installer
# would there: the postinst's users and directories, decran-gateway -n, the
# CLI on the installed paths, the units' verify and security scores, then
# the installed gateway and relay with the installed example configuration
# against the installed broker configuration.  The run happens in private
# mount, PID and network namespaces: only the root's own loopback, and every
# process and mount gone when it ends.
#
# The bootstrapped base root and the downloaded packages are cached in
# $B/package-test-cache (rm -rf it for a new base); each run unpacks a fresh
# root from it.  Ends with "N passed, N failed".
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
cache="$top/$B/package-test-cache"
root="$top/$B/package-test/root"
log="$top/$B/package-test/log"
[ "$(id -u)" = 0 ] || { echo "package-test: needs root (debootstrap, chroot)" >&2; exit 1; }
mkdir -p "$cache/archives/partial" "$(dirname "$root")"

# 1. The packages, built by the Debian toolchain (the unit tests ran in make test).
make -C "$top" --no-print-directory B="$B" DEB_BUILD_OPTIONS=nocheck deb >"$log.build" 2>&1 ||
	{ tail -30 "$log.build"; echo "0 passed, 1 failed"; exit 1; }

# 2. A Debian 12 base, bootstrapped once.  No service may start inside it
#    (policy-rc.d), and mosquitto comes from Debian like on a real Pi.
if [ ! -f "$cache/base.tar" ]; then
	rm -rf "$cache/base"
	debootstrap --variant=minbase --include=systemd,iproute2 bookworm "$cache/base" \
		>"$log.debootstrap" 2>&1 || { tail -20 "$log.debootstrap"; exit 1; }
	printf '#!/bin/sh\nexit 101\n' >"$cache/base/usr/sbin/policy-rc.d"
	chmod 755 "$cache/base/usr/sbin/policy-rc.d"
	cp /etc/resolv.conf "$cache/base/etc/resolv.conf"
	chroot "$cache/base" sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q mosquitto' >>"$log.debootstrap" 2>&1
	tar -C "$cache/base" -cf "$cache/base.tar.part" . && mv "$cache/base.tar.part" "$cache/base.tar"
	rm -rf "$cache/base"
fi

# 3. A fresh root, the packages installed with their dependencies from Debian.
rm -rf "$root" && mkdir -p "$root"
tar -C "$root" -xf "$cache/base.tar"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/tmp/debs"
for d in "$top/$B"/deb/*.deb; do
	case "$d" in *-dbgsym_*) ;; *) cp "$d" "$root/tmp/debs/" ;; esac
done
unshare -m sh -c "mount --bind '$cache/archives' '$root/var/cache/apt/archives' &&
	mount -t proc proc '$root/proc' &&
	chroot '$root' sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q /tmp/debs/*.deb'" >"$log.install" 2>&1 ||
	{ tail -30 "$log.install"; echo "0 passed, 1 failed"; exit 1; }

# The broker's authority and certificate, made here (the root need not
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
	-out server.crt -days 2 -extfile san.ext ) >"$log.certs" 2>&1 ||
	{ cat "$log.certs"; echo "0 passed, 1 failed"; exit 1; }

# 4. The checks, inside the root, in namespaces of their own.
cp "$top/tools/package-test-checks.sh" "$root/tmp/checks.sh"
rc=0
unshare -m -n -p -f sh -c "mount -t proc proc '$root/proc' && ip link set lo up &&
	chroot '$root' sh /tmp/checks.sh" >"$log" 2>&1 || rc=$?
cat "$log"
exit $rc
