#!/bin/sh
# package-test-checks.sh — run by tools/package-test.sh inside the fresh
# Debian 12 root where the packages were just installed (private network
# and PID namespaces).  One line per check; ends with "N passed, N failed".
set -u
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok    $1"; }
ko() { failed=$((failed + 1)); echo "FAIL  $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/      /'; }
check() { name=$1; shift; if out=$("$@" 2>&1); then ok "$name"; else ko "$name" "$out"; fi; }
wait_for() {	# wait_for SECONDS CMD...: until CMD succeeds
	n=$(($1 * 10)); shift
	while [ $n -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}
export LANG=C.UTF-8

# What the packages' maintainer scripts made.
check "user decran (sysusers)" id decran
check "user decran-relay in gpio and dialout" sh -c 'id -nG decran-relay | grep -qw gpio &&
	id -nG decran-relay | grep -qw dialout'
check "/var/lib/decran owned by decran (tmpfiles)" sh -c \
	'[ "$(stat -c %U:%a /var/lib/decran)" = decran:770 ]'
check "conffiles in /etc/decran" sh -c 'dpkg-query -W -f="\${Conffiles}" decran-gateway |
	grep -q /etc/decran/gateway.json'

# The programs on the installed paths.
check "decran-gateway -n (installed configuration)" sh -c \
	'decran-gateway -n | grep -q "configuration OK"'
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
check "man pages" sh -c '[ -f /usr/share/man/man8/decran-gateway.8.gz ] &&
	[ -f /usr/share/man/man1/decran.1.gz ] && [ -f /usr/share/man/man8/decran-relay.8.gz ]'

# The units as installed.
for u in decran-gateway decran-relay; do
	check "$u.service: systemd-analyze verify" systemd-analyze verify --man=no \
		/lib/systemd/system/$u.service
	check "$u.service: security OK or better" sh -c "systemd-analyze security --offline=yes \
		--no-pager /lib/systemd/system/$u.service | tail -1 | grep -Eq ' (OK|SAFE) '"
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
mosquitto -c /etc/mosquitto/mosquitto.conf -d
check "mosquitto listens with /etc/mosquitto/conf.d/decran.conf" wait_for 10 \
	sh -c 'ss -ltn | grep -q "127.0.0.1:1883" && ss -ltn | grep -q ":8883"'

# The gateway as its unit runs it: user decran, /run/decran made as
# RuntimeDirectory= does; one relay box declared in the installed config.
install -d -o decran -g decran -m 0750 /run/decran
runuser -u decran -- decran-gateway -c /etc/decran/gateway.json >/tmp/gateway.log 2>&1 &
check "gateway started (control socket)" wait_for 15 test -S /run/decran/gateway.sock
check "dashboard listening (decran-web's assets)" wait_for 10 \
	grep -q "dashboard listening" /tmp/gateway.log

# The relay box from the installed example: simulated lines instead of a
# GPIO chip, the local broker over TLS with the box's account, an
# unprivileged Modbus TCP port, no meter.
sed -e 's|"hal": "gpiod",|"hal": "sim", "sim_state_file": "/run/decran-relay/relays.json",|' \
	-e 's|"decran-gateway.local"|"localhost"|' -e 's|"port": 502,|"port": 1502,|' \
	-e 's|"port": 1883,|"port": 8883, "username": "gare-nord", "password_file": "/tmp/prov/mqtt-password", "tls": {"ca_file": "/tmp/prov/ca.crt"},|' \
	-e '/"meter": {/,/},/d' /etc/decran-relay/decran-relay.json >/tmp/relay.json
install -d -o decran-relay -g decran-relay -m 0750 /run/decran-relay
runuser -u decran-relay -- decran-relay -c /tmp/relay.json >/tmp/relay.log 2>&1 &
check "relay box online at the gateway" wait_for 20 sh -c \
	'decran boxes list --json | grep -q "\"online\":[ ]*true"'
check "the gateway switches the relay's channel 1 on (advertising by day)" wait_for 20 \
	grep -q '"1":[ ]*1' /run/decran-relay/relays.json

check "decran backup while the gateway runs" sh -c 'decran backup /tmp/backup.db &&
	decran --db /tmp/backup.db screens list | grep -q pub-1'
check "decran restore refused while the gateway runs" sh -c \
	'! decran restore /tmp/backup.db 2>/tmp/e && grep -q "systemctl stop decran-gateway" /tmp/e'

kill -TERM $(pidof decran-gateway) $(pidof decran-relay) 2>/dev/null
wait_for 10 sh -c '! pidof decran-gateway && ! pidof decran-relay' || true
check "no error in the gateway's log" sh -c '! grep "^err" /tmp/gateway.log'
check "no error in the relay's log" sh -c '! grep -i "^err\|error" /tmp/relay.log'
check "decran restore once stopped" runuser -u decran -- decran restore /tmp/backup.db
kill -TERM $(pidof mosquitto) 2>/dev/null

[ $failed -eq 0 ] || { echo "--- gateway.log"; tail -20 /tmp/gateway.log;
	echo "--- relay.log"; tail -20 /tmp/relay.log; }
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
