#!/bin/sh
# `make run`: the demo commune on this machine.  Everything lives under run/
# (database, broker, logs); Ctrl-C stops every process started here.
#   SPEED=600    play time 600x faster (a night in minutes)
#   DEMO_SECONDS=N   stop by itself after N seconds (smoke tests)
#   DEMO_RUN=DIR     keep everything in DIR instead of run/ (tests)
set -eu
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
bin="$top/$B/bin"
run=${DEMO_RUN:-$top/run}
mkdir -p "$run"
export DECRAN_DB="$run/decran.db"
pids=""

cleanup() {
	trap - INT TERM EXIT
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	echo
	echo "demo: stopped; data kept in run/ (rm -r run to start afresh)"
}
trap cleanup INT TERM EXIT

# The rules and their calendars sit beside the database, where the decran
# commands look for them; a file edited in run/ is kept.
for f in rules.json vacances-zone-c.ics; do
	[ -f "$run/$f" ] || cp "$top/gateway/demo/$f" "$run/$f"
done

if [ ! -f "$DECRAN_DB" ]; then
	echo "demo: loading the demo commune into run/decran.db"
	"$bin/decran" screens import --actor demo "$top/gateway/demo/screens.csv"
	"$bin/decran" plan set --actor demo --file "$top/gateway/demo/plan.csv"
fi

# A private broker on a free loopback port: never the system's.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$run/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
log_dest stderr
CONF
# Logs through stderr: as root, mosquitto drops to its own user, which may
# not write into run/.
/usr/sbin/mosquitto -c "$run/mosquitto.conf" 2>"$run/mosquitto.log" &
pids="$pids $!"
echo "demo: private MQTT broker on 127.0.0.1:$port (log run/mosquitto.log)"

# The gateway and the demo's relay boxes (decran-relay, sim backend).
gwpids=$(sh "$top/tools/demo-gateway.sh" "$bin" "$run" "$port" "${SPEED:-}")
pids="$pids $gwpids"
export DECRAN_GATEWAY_SOCKET="$run/gateway.sock"
echo "demo: decran-gateway, decran-web and 3 relay boxes running (logs run/gateway.log, run/web.log, run/relay-*.log)"

# The dashboard is decran-web, beside the gateway; its log says where.
demo_tech_password=demo-technicien
if ! "$bin/decran" users list | grep -q '^technicien '; then
	echo "$demo_tech_password" | "$bin/decran" users add technicien --role technician >/dev/null
fi
dashboard=""
for _ in $(seq 50); do
	dashboard=$(sed -n 's/.*dashboard listening url=\(http:[^ ]*\)\/ .*/\1/p' "$run/web.log" | tail -1)
	[ -n "$dashboard" ] && break
	sleep 0.2
done

"$bin/decran" plan show || true
echo
echo "demo: dashboard on ${dashboard:-?(see run/web.log)}/  (English: ${dashboard}/?lang=en)"
echo "demo: technician's desk ${dashboard}/tech: log in as 'technicien', password '$demo_tech_password'"
echo "demo: inventory ready.  In another terminal:"
echo "  export DECRAN_DB=$DECRAN_DB"
echo "  $B/bin/decran screens list --status slated_for_removal"
echo "  LANG=en_US.UTF-8 $B/bin/decran screens list --category advertising"
echo "  $B/bin/decran schedule explain pub-gare-abri-1"
echo "  DECRAN_GATEWAY_SOCKET=$run/gateway.sock $B/bin/decran boxes list"
echo "  DECRAN_GATEWAY_SOCKET=$run/gateway.sock $B/bin/decran alarms"
echo "  $B/bin/decran schedule preview --screen pub-gare-abri-1 --from 2026-11-23 --to 2026-11-25"
echo "demo: Ctrl-C to stop."

if [ -n "${DEMO_SECONDS:-}" ]; then
	sleep "$DEMO_SECONDS"
else
	wait
fi
