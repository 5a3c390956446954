#!/bin/sh
# Install the Debian packages of tools/debian-packages.txt that are missing,
# for the sets named (default: what make test needs, relay build run test
# package package-test; e.g. `deps.sh relay` for the relay box's firmware
# alone, `deps.sh package` for make deb).
# Non-interactive; as root directly, otherwise through sudo; without either,
# print the exact command to run and fail.
set -eu
here=$(dirname "$0")
sets=${*:-relay build run test package package-test}
missing=""
set_on=0
# A line is "package" or "package command": with a command, the package counts
# as present when that command is on PATH (node and npm may come from
# elsewhere, e.g. NodeSource, and must not be replaced).
while read -r p cmd; do
	case "$p" in
	''|'#'*) continue ;;
	'['*']')
		name=${p#[}; name=${name%]}
		set_on=0
		for s in $sets; do [ "$s" = "$name" ] && set_on=1; done
		continue ;;
	esac
	[ "$set_on" = 1 ] || continue
	if [ -n "$cmd" ] && command -v "$cmd" >/dev/null 2>&1; then continue; fi
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) case " $missing " in *" $p "*) ;; *) missing="$missing $p" ;; esac ;;
	esac
done < "$here/debian-packages.txt"
[ -z "$missing" ] && exit 0
echo "deps: installing missing Debian packages:$missing"
cmd="apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends$missing"
if [ "$(id -u)" = 0 ]; then
	sh -c "$cmd"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo sh -c "$cmd"
else
	echo "deps: not root and no password-less sudo; run this as root, then retry:" >&2
	echo "  $cmd" >&2
	exit 1
fi
