#!/bin/sh
# bench_web.sh — the dashboard (decran-web) under load: wrk against the
# progress page and the removal list of a 10,000-screen commune, on loopback,
# for a bounded time.  Prints requests/s, p99 latency, bytes per page and
# decran-web's resident memory (VmRSS after the load, VmHWM its peak);
# targets from the issue: >= 2,000 req/s and p99 <= 20 ms on 2 cores.  No
# gateway runs: public pages need none (the live parts say it is
# unreachable).  Figures only: no pass/fail (tests check behaviour, benches
# measure).
#   SCREENS=10000 DURATION=5 CONNECTIONS=32 sh bench/bench_web.sh
set -eu
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
n=${SCREENS:-10000}
dur=${DURATION:-5}
conns=${CONNECTIONS:-32}
command -v wrk >/dev/null || { echo "bench_web: wrk missing (Debian package wrk)"; exit 1; }
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT INT TERM
db="$work/decran.db"
echo "bench-pass-1" | "$top/$B/bin/decran" --db "$db" users add tech --role technician >/dev/null
/usr/bin/python3 "$top/tests/e2e/seed.py" fill "$db" "$n"
"$top/$B/bin/decran-web" --db "$db" --listen 127.0.0.1:0 --assets "$top/dashboard" \
	--sessions "$work/sessions.db" --socket "$work/no-gateway.sock" 2>"$work/web.log" &
pid=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do grep -q listening "$work/web.log" 2>/dev/null && break; sleep 0.2; done
base=$(sed -n 's/.*dashboard listening url=\(http:[^ ]*\)\/ .*/\1/p' "$work/web.log")
[ -n "$base" ] || { echo "bench_web: decran-web did not start"; cat "$work/web.log"; exit 1; }
rss() { awk -v k="$1:" '$1 == k {printf "%.1f MB", $2 / 1024}' "/proc/$pid/status"; }
echo "decran-web at start: RSS $(rss VmRSS)"

echo "bench_web: $n screens, wrk $dur s x $conns connections x 2 threads, $(nproc) CPU(s), $base"
# First render (cache cold) vs warm: what a database change costs.
for p in / /slated; do
	cold=$(curl -s -o /dev/null -w '%{time_total}' "$base$p")
	warm=$(curl -s -o /dev/null -w '%{time_total}' "$base$p")
	plain=$(curl -s -o /dev/null -w '%{size_download}' "$base$p")
	gz=$(curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "$base$p")
	echo "page $p: $plain bytes, $gz bytes gzip; first render ${cold}s, cached ${warm}s"
done
css=$(curl -s -o /dev/null -w '%{size_download}' "$base/static/style.css")
js=$(curl -s -o /dev/null -w '%{size_download}' "$base/static/app.js")
echo "assets: style.css $css bytes, app.js $js bytes (cached a year by browsers)"

for p in / /slated; do
	wrk -t2 -c"$conns" -d"${dur}s" --latency -H 'Accept-Encoding: gzip' "$base$p" >"$work/wrk.out" 2>&1
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.out")
	p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.out")
	p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.out")
	errs=$(awk '/Non-2xx|Socket errors/ {print}' "$work/wrk.out" | tr '\n' ' ')
	echo "wrk $p: $rps req/s, p50 $p50, p99 $p99 (targets >= 2000 req/s, p99 <= 20ms) $errs"
done
echo "decran-web after the load: RSS $(rss VmRSS), peak $(rss VmHWM) (shared libraries included)"
