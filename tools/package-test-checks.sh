#!/bin/sh
# package-test-checks.sh — run by tools/package-test.sh inside the fresh
# Debian 12 root where the packages were just installed (private network
# and PID namespaces), with tests/fixtures/release-0.1.0 beside it.  One
# line per check; ends with "N passed, N failed".
set -u
here=$(dirname "$0")
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok    $1"; }
ko() { failed=$((failed + 1)); echo "FAIL  $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/      /'; }
check() { name=$1; shift; if out=$("$@" 2>&1); then ok "$name"; else ko "$name" "$out"; fi; }
wait_for() {	# wait_for SECONDS CMD...: until CMD succeeds
	n=$(($1 * 10)); shift
	while [ $n -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; n=$((n - 1)); done
	"$@"
}
# GET PATH from decran-web (no curl in the root: bash's /dev/tcp).
http_get() {
	bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n" "$1" >&3 &&
		cat <&3' - "$1"
}
export LANG=C.UTF-8
ip link set lo up

# What the packages' maintainer scripts made.
check "user decran (sysusers)" id decran
check "user decran-relay in gpio and dialout" sh -c 'id -nG decran-relay | grep -qw gpio &&
	id -nG decran-relay | grep -qw dialout'
check "user decran-web in group decran, not root's groups" sh -c \
	'id -nG decran-web | grep -qw decran && ! id -nG decran-web | grep -qw root'
check "/var/lib/decran owned by decran (tmpfiles)" sh -c \
	'[ "$(stat -c %U:%a /var/lib/decran)" = decran:770 ]'
check "/var/lib/decran-web owned by decran-web (tmpfiles)" sh -c \
	'[ "$(stat -c %U:%a /var/lib/decran-web)" = decran-web:750 ]'
check "conffiles: gateway.json, rules.json, broker (decran-gateway)" sh -c \
	'c=$(dpkg-query -W -f="\${Conffiles}" decran-gateway) &&
	echo "$c" | grep -q /etc/decran/gateway.json && echo "$c" | grep -q /etc/decran/rules.json &&
	echo "$c" | grep -q /etc/mosquitto/conf.d/decran.conf'
check "conffile web.json (decran-web)" sh -c \
	'dpkg-query -W -f="\${Conffiles}" decran-web | grep -q /etc/decran/web.json'
check "broker configuration is dist/mosquitto-decran.conf" \
	cmp /etc/mosquitto/conf.d/decran.conf "$here/mosquitto-decran.conf"
check "decran-gateway carries no dashboard part" sh -c \
	'! dpkg -L decran-gateway | grep -E "dashboard|decran-web|web\.json" &&
	! ldd /usr/bin/decran-gateway | grep -q microhttpd'
check "decran-web owns its program, assets and unit" sh -c 'f=$(dpkg -L decran-web) &&
	for p in /usr/bin/decran-web /usr/share/decran/dashboard/layout.html \
		/usr/share/decran/dashboard/style.css /usr/share/decran/dashboard/app.js \
		/lib/systemd/system/decran-web.service; do echo "$f" | grep -qx "$p" || exit 1; done'

# The programs on the installed paths.
check "decran-gateway -n (installed configuration)" sh -c \
	'decran-gateway -n | grep -q "configuration OK"'
check "decran-web -n (installed configuration)" sh -c \
	'decran-web -n -c /etc/decran/web.json | grep -q "configuration OK"'
check "decran-relay --check-config (installed example)" \
	decran-relay --check-config /etc/decran-relay/decran-relay.json
check "decran without a database says how to create it, creates none" sh -c \
	'cd /tmp && ! decran screens list 2>/tmp/e && grep -q "decran init" /tmp/e &&
	grep -q /var/lib/decran/decran.db /tmp/e && [ ! -e /tmp/decran.db ] &&
	[ ! -e /var/lib/decran/decran.db ]'
check "decran init as user decran" runuser -u decran -- decran init
check "decran screens add (installed database)" runuser -u decran -- decran screens add pub-1 \
	--name "Abri gare" --category advertising --box gare-nord --channel 1
check "decran schedule check (installed rules)" decran schedule check /etc/decran/rules.json
for m in man1/decran.1 man8/decran-gateway.8 man8/decran-web.8 man8/decran-relay.8; do
	check "man page $m" sh -c "[ -f /usr/share/man/$m.gz ] &&
		zcat /usr/share/man/$m.gz | grep -q '^\\.SH NAME'"
done

# The units as installed: verify, and each one's security score.
for u in decran-gateway decran-web decran-relay; do
	check "$u.service: systemd-analyze verify" systemd-analyze verify --man=no \
		/lib/systemd/system/$u.service
	check "$u.service: security OK or better" sh -c "systemd-analyze security --offline=yes \
		--no-pager /lib/systemd/system/$u.service | tail -1 | grep -Eq ' (OK|SAFE) '"
	check "$u.service: enabled by its package" \
		test -L /etc/systemd/system/multi-user.target.wants/$u.service
done

# The broker with decran's configuration, as its package starts it, once
# its files exist (docs/install.md, step 3): the certificates made by
# package-test.sh, the gateway's account and one box's.
sed -i -e 's|"boxes": \[\]|"boxes": [{"id": "gare-nord", "driver": "native", "channels": 8}]|' \
	-e 's|"keepalive_s": 30 }|"keepalive_s": 30, "username": "decran-gateway", "password_file": "/etc/decran/mqtt.password" }|' \
	/etc/decran/gateway.json
chgrp mosquitto /etc/mosquitto/decran /etc/mosquitto/decran/server.key
chmod 0750 /etc/mosquitto/decran
chmod 0640 /etc/mosquitto/decran/server.key
check "decran boxes provision --gateway" decran boxes provision --gateway
check "decran boxes provision gare-nord" decran boxes provision gare-nord --host localhost \
	--out /tmp/prov --ca /etc/mosquitto/decran/ca.crt
check "decran boxes provision twice refuses" sh -c \
	'! decran boxes provision gare-nord --out /tmp/prov2 2>/tmp/e && grep -q rotate /tmp/e'
chown -R decran-relay /tmp/prov
install -d -o mosquitto -m 0755 /run/mosquitto /var/log/mosquitto
mosquitto -c /etc/mosquitto/mosquitto.conf -d 2>/tmp/mosquitto.log
check "mosquitto listens with /etc/mosquitto/conf.d/decran.conf" wait_for 10 \
	sh -c 'ss -ltn | grep -q "127.0.0.1:1883" && ss -ltn | grep -q ":8883"'

# The gateway as its unit runs it: user decran, /run/decran made as
# RuntimeDirectory= does, UMask=0007; one relay box in the installed config.
# This root's clock is not NTP-disciplined: said synced, or the gateway
# would hold the advertising screen off (clock_unsynced, docs/gateway.md).
start_gateway() {
	install -d -o decran -g decran -m 0750 /run/decran
	runuser -u decran -- sh -c 'umask 0007; DECRAN_CLOCK_SYNCED=1 exec decran-gateway -c /etc/decran/gateway.json' \
		>>/tmp/gateway.log 2>&1 &
	wait_for 15 test -S /run/decran/gateway.sock
}
start_web() {
	runuser -u decran-web -- sh -c 'umask 0007; exec decran-web -c /etc/decran/web.json' \
		>>/tmp/web.log 2>&1 &
	wait_for 10 grep -q "dashboard listening" /tmp/web.log
}
stop_all() {	# stop_all NAME...: SIGTERM, then wait until gone
	for p in "$@"; do kill -TERM $(pidof "$p") 2>/dev/null; done
	for p in "$@"; do wait_for 10 sh -c "! pidof $p" >/dev/null; done
}
check "gateway started (control socket)" start_gateway

# The relay box from the installed example: simulated lines instead of a
# GPIO chip, the local broker over TLS with the box's account, an
# unprivileged Modbus TCP port, no meter.
sed -e 's|"hal": "gpiod",|"hal": "sim", "sim_state_file": "/run/decran-relay/relays.json",|' \
	-e 's|"decran-gateway.local"|"127.0.0.1"|' -e 's|"port": 502,|"port": 1502,|' \
	-e 's|"port": 1883,|"port": 8883, "username": "gare-nord", "password_file": "/tmp/prov/mqtt-password", "tls": {"ca_file": "/tmp/prov/ca.crt"},|' \
	-e 's|"hal": "sim",|"hal": "sim", "command_key_file": "/tmp/prov/command.key",|' \
	-e 's|"device": "/dev/watchdog"|"device": "/run/decran-relay/watchdog"|' \
	-e '/"meter": {/,/},/d' /etc/decran-relay/decran-relay.json >/tmp/relay.json
install -d -o decran-relay -g decran-relay -m 0750 /run/decran-relay
# The hardware watchdog a file (no /dev/watchdog here): fed all the same.
install -o decran-relay -m 0600 /dev/null /run/decran-relay/watchdog
runuser -u decran-relay -- decran-relay -c /tmp/relay.json >/tmp/relay.log 2>&1 &
check "relay box online at the gateway" wait_for 20 sh -c \
	'decran boxes list --json | grep -q "\"online\":[ ]*true"'
follows_schedule() {	# channel 1 as the schedule wants pub-1 now (off 01:00-06:00)
	want=$(decran schedule explain pub-1 --rules /etc/decran/rules.json --json |
		sed -n 's/^[[:space:]]*"state":[[:space:]]*"\(on\|off\)".*/\1/p' | head -1)
	case $want in on) v=1 ;; off) v=0 ;; *) return 1 ;; esac
	grep -q "\"1\":[ ]*$v" /run/decran-relay/relays.json
}
check "the gateway switches the relay's channel 1 as the schedule says now" \
	wait_for 20 follows_schedule

# decran-web as its unit runs it: user decran-web, the installed web.json.
check "decran-web started with /etc/decran/web.json" start_web
serves() {	# serves PATH PATTERN: a 200 answer whose text has PATTERN
	http_get "$1" >/tmp/page && head -1 /tmp/page | grep -q " 200 " && grep -q "$2" /tmp/page
}
check "decran-web serves the inventory (read-only)" serves /screen/pub-1 "Abri gare"
check "decran-web serves its installed assets" serves /static/style.css "{"
check "decran-web reads the gateway's live state over the control socket" \
	wait_for 10 serves /metrics '^decran_boxes{state="online"} 1'
# The control socket's roles as gateway.json gives them: decran-web's user
# may test a relay (web role); another member of group decran, named in no
# list, may not (no role at all); neither is admin (root, the gateway's user).
useradd -M -N -g users -G decran operator
check "decran-web's user has the web role (relay test on the gateway)" \
	runuser -u decran-web -- decran relay test gare-nord 2 --dwell 0
check "a member of group decran without a role is refused" sh -c \
	'! runuser -u operator -- decran relay test gare-nord 2 --dwell 0 2>/tmp/e &&
	grep -q "needs the web role" /tmp/e'

check "decran backup while the gateway runs" sh -c 'decran backup /tmp/backup.db &&
	decran --db /tmp/backup.db screens list | grep -q pub-1'
check "decran restore refused while the gateway runs" sh -c \
	'! decran restore /tmp/backup.db 2>/tmp/e && grep -q "systemctl stop decran-gateway" /tmp/e'

stop_all decran-web decran-gateway decran-relay
check "no error in the gateway's log" sh -c '! grep "^err" /tmp/gateway.log'
check "no error in decran-web's log" sh -c '! grep "^err" /tmp/web.log'
check "no error in the relay's log" sh -c '! grep -i "^err\|error" /tmp/relay.log'
check "decran restore once stopped" runuser -u decran -- decran restore /tmp/backup.db

# Upgrade: the previous release's database and configuration (conffiles an
# operator edited, kept by dpkg) under the new packages: the new gateway
# accepts them, migrates the database at its start, and every row of the
# old one is still there, as it was.
old="$here/release-0.1.0"
rm -f /var/lib/decran/decran.db*
runuser -u decran -- sqlite3 /var/lib/decran/decran.db <"$old/decran.sql"
runuser -u decran -- sqlite3 /tmp/old.db <"$old/decran.sql"
cp "$old/gateway.json" "$old/rules.json" /etc/decran/
cp "$old/decran-relay.json" /etc/decran-relay/decran-relay.json
check "upgrade: decran-gateway -n accepts the old configuration" sh -c \
	'decran-gateway -n | grep -q "configuration OK"'
check "upgrade: decran-relay --check-config accepts the old configuration" \
	decran-relay --check-config /etc/decran-relay/decran-relay.json
: >/tmp/gateway.log
check "upgrade: the gateway starts on the old database" start_gateway
check "upgrade: the database is at the new schema" sh -c '[ "$(sqlite3 /tmp/old.db "PRAGMA user_version")" -le \
	"$(sqlite3 /var/lib/decran/decran.db "PRAGMA user_version")" ] &&
	decran screens list >/dev/null'
lost() {	# every row of every old table, on the old columns, still there
	for t in $(sqlite3 /tmp/old.db "SELECT name FROM sqlite_master WHERE type = 'table'
			AND name NOT LIKE 'sqlite_%'"); do
		cols=$(sqlite3 /tmp/old.db "SELECT group_concat(quote(name), ',') FROM pragma_table_info('$t')")
		n=$(sqlite3 /var/lib/decran/decran.db "ATTACH '/tmp/old.db' AS old;
			SELECT count(*) FROM (SELECT $cols FROM old.\"$t\" EXCEPT SELECT $cols FROM main.\"$t\")") ||
			{ echo "$t: $n"; return 1; }
		[ "$n" = 0 ] || { echo "$t: $n row(s) of the old release lost or changed"; return 1; }
	done
}
check "upgrade: no row of the old database lost or changed" lost
check "upgrade: the old inventory, plan, override and account read back" sh -c \
	'decran screens show bus-gare | grep -q 30/06/2027 &&
	decran override list | grep -q "travaux hall" &&
	decran users list | grep -q tech1 && decran plan show | grep -q "2027"'
: >/tmp/web.log
check "upgrade: decran-web starts on the migrated database" start_web
check "upgrade: decran-web serves the migrated inventory" serves /slated bus-gare
stop_all decran-web decran-gateway
check "upgrade: no error in the gateway's log" sh -c '! grep "^err" /tmp/gateway.log'
kill -TERM $(pidof mosquitto) 2>/dev/null

[ $failed -eq 0 ] || { for l in gateway web relay; do echo "--- $l.log"; tail -20 /tmp/$l.log; done; }
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
