#!/bin/sh
# Start the demo's relay boxes (decran-relay, sim backend), decran-gateway
# and the dashboard beside it (decran-web) against a running broker; called
# by tools/demo.sh.  Prints the PIDs it started on stdout (one line), logs to
# RUN/*.log.
#   demo-gateway.sh BIN RUN PORT [SPEED]
# decran-web serves the dashboard on 127.0.0.1:$DASHBOARD_PORT (default: any
# free port; run/web.log says which).
# With SPEED the test clock starts at 21:30 tonight (Paris) and runs SPEED
# times faster, so 22:00, 01:00 and 07:00 come within minutes.
set -eu
bin=$1 run=$2 port=$3 speed=${4:-}
top=$(cd "$(dirname "$0")/.." && pwd)
clock=""
if [ -n "$speed" ]; then
	clock="$(TZ=Europe/Paris date -u -d "$(TZ=Europe/Paris date +%Y-%m-%d) 21:30 $(TZ=Europe/Paris date +%z)" +%Y-%m-%dT%H:%M:%SZ),$speed"
fi
python3 - "$top/gateway/demo/gateway.json" "$run" "$port" "${DASHBOARD_PORT:-0}" <<'PY'
import json, sys
src, run, port, web_port = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
demo = src.rsplit("/", 1)[0]
cfg = json.load(open(src))
cfg["broker"]["port"] = port
cfg["profiles_dir"] = demo + "/../profiles"
json.dump(cfg, open(run + "/gateway.json", "w"), indent=2)
web = json.load(open(demo + "/web.json"))
web["listen"] = "127.0.0.1:%d" % web_port
web["assets"] = demo + "/../../dashboard"
json.dump(web, open(run + "/web.json", "w"), indent=2)
for b in cfg["boxes"]:
    d = "%s/relay-%s" % (run, b["id"])
    json.dump({"box": b["id"], "hal": "sim", "sim_state_file": d + "/relays.json",
               "state_dir": d + "/state", "gateway_timeout_s": 90,
               "channels": [{"channel": c, "line": 4 + c} for c in range(1, b["channels"] + 1)],
               "mqtt": {"host": "127.0.0.1", "port": port, "keepalive_s": 30}},
              open(run + "/relay-%s.json" % b["id"], "w"), indent=2)
PY
pids=""
for conf in "$run"/relay-*.json; do
	box=$(basename "$conf" .json)
	mkdir -p "$run/$box"
	DECRAN_CLOCK="$clock" DECRAN_CLOCK_SYNCED=1 "$bin/decran-relay" -c "$conf" \
		>"$run/$box.log" 2>&1 &
	pids="$pids $!"
done
# The demo's clock counts as synchronised, for the boxes as for the gateway
# (a development machine's may not be: advertising would be held off).
if [ -n "$clock" ]; then
	DECRAN_CLOCK_SYNCED=1 "$bin/decran-gateway" -c "$run/gateway.json" --clock "$clock" \
		>"$run/gateway.log" 2>&1 &
else
	DECRAN_CLOCK_SYNCED=1 "$bin/decran-gateway" -c "$run/gateway.json" >"$run/gateway.log" 2>&1 &
fi
pids="$pids $!"
# The dashboard, its own process: the gateway's socket appears first.
for _ in $(seq 50); do
	[ -S "$run/gateway.sock" ] && break
	sleep 0.1
done
"$bin/decran-web" -c "$run/web.json" >"$run/web.log" 2>&1 &
pids="$pids $!"
echo "$pids"
