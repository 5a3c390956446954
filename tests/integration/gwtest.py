"""Helpers for the gateway's integration tests: start decran-gateway on a
config, talk to its control socket, and emulate third-party relays with
paho-mqtt (an MQTT client independent of ours)."""
import json
import os
import re
import socket
import sqlite3
import subprocess
import threading
import time

import paho.mqtt.client as mqtt

from harness import TOP, PtyModbusServer, bin_path, float32_regs, stop

FIXTURES = os.path.join(TOP, "tests", "fixtures")
PARIS_2200 = "2026-11-23T20:59:58Z"   # 21:59:58 in Paris: advertising goes off at 22:00


def wait_for(pred, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    raise TimeoutError("timed out waiting for %s" % what)


class Gateway:
    """decran-gateway on a config written to tmp; logs kept for assertions.

    An "http" entry in the config (listen, assets) is not the gateway's: it
    starts decran-web beside it, on the same database (read-only) and
    control socket, its log in web.log."""

    def __init__(self, tmp, broker, boxes, db, rules=None, clock=None, extra=None):
        self.tmp = str(tmp)
        self.db = db
        self.sock = os.path.join(self.tmp, "gw.sock")
        self.cfg_path = os.path.join(self.tmp, "gateway.json")
        self.log_path = os.path.join(self.tmp, "gateway.log")
        self.clock = clock
        self.cfg = {
            "broker": {"host": "127.0.0.1", "port": broker.port, "keepalive_s": 5},
            "db": db,
            "rules": rules or os.path.join(FIXTURES, "rules.json"),
            "control_socket": self.sock,
            "profiles_dir": os.path.join(TOP, "gateway", "profiles"),
            "shelly_src": "decran-gw",
            "alarms": {"meter_off_threshold_w": 5, "meter_settle_ms": 300},
            # Relay tests without a person watching: no dwell (tests that
            # check the dwell set it).
            "relay_test": {"dwell_s": 0},
            "heartbeat_s": 2,
            "reconcile": {"retry_first_ms": 300, "retry_max_ms": 1000,
                          "confirm_timeout_ms": 2000, "startup_grace_ms": 300,
                          "offline_alarm_s": 1},
            "boxes": boxes,
        }
        if extra:
            self.cfg.update(extra)
        self.proc = None
        self.logf = None
        self.web = None
        self.web_log_path = os.path.join(self.tmp, "web.log")
        self.env = {}       # more environment (NOTIFY_SOCKET, ...)
        self.prefix = []    # a command to run the gateway under (unshare ...)

    def write_config(self):
        with open(self.cfg_path, "w") as f:
            json.dump({k: v for k, v in self.cfg.items() if k != "http"}, f)

    def start_web(self):
        """decran-web for the config's "http" entry, talking to this gateway."""
        http = self.cfg["http"]
        args = [bin_path("decran-web"), "--listen", http.get("listen", "127.0.0.1:0"),
                "--db", self.db, "--socket", self.sock,
                "--sessions", os.path.join(self.tmp, "web-sessions.db"),
                "--assets", http.get("assets", os.path.join(TOP, "dashboard"))]
        energy = self.cfg.get("energy", {}).get("config")
        if energy:
            args += ["--energy-config", energy]
        if "web_json" in http:      # web.json's other fields (public_url...)
            path = os.path.join(self.tmp, "web.json")
            with open(path, "w") as f:
                json.dump(http["web_json"], f)
            args += ["-c", path]
        self.web_logf = open(self.web_log_path, "a")
        self.web = subprocess.Popen(args, stdout=self.web_logf, stderr=self.web_logf,
                                    env=dict(os.environ, LANG="C.UTF-8"))
        return self.web

    def stop_web(self):
        if self.web is None:
            return
        stop(self.web)
        self.web_logf.close()
        with open(self.web_log_path) as f:
            log = f.read()
        assert "Sanitizer" not in log and "runtime error" not in log, log[-3000:]
        assert self.web.returncode == 0, "decran-web exit status %s" % self.web.returncode
        self.web = None

    def start(self, clock=None):
        self.write_config()
        args = [bin_path("decran-gateway"), "-v", "-c", self.cfg_path]
        clock = clock or self.clock
        if clock:
            args += ["--clock", clock]
        self.logf = open(self.log_path, "a")
        if os.path.exists(self.sock):
            os.unlink(self.sock)    # left by a killed gateway: wait for the new one
        # The test machine's clock may not be NTP-disciplined: said synced
        # unless a test says otherwise (self.env).
        env = dict(os.environ, LANG="C.UTF-8", DECRAN_CLOCK_SYNCED="1")
        env.update(self.env)
        self.proc = subprocess.Popen(self.prefix + args, stdout=self.logf, stderr=self.logf,
                                     env=env)
        wait_for(lambda: os.path.exists(self.sock) or self.proc.poll() is not None,
                 what="control socket")
        assert self.proc.poll() is None, self.log()
        if "http" in self.cfg and self.web is None:
            self.start_web()
        return self

    def stop(self):
        """SIGTERM: the gateway must exit cleanly, with no sanitizer report."""
        self.stop_web()
        if self.proc is None or self.proc.poll() is not None:
            return
        stop(self.proc)
        if self.logf:
            self.logf.close()
            self.logf = None
        log = self.log()
        assert "Sanitizer" not in log and "runtime error" not in log, log[-3000:]
        assert self.proc.returncode == 0, "exit status %s" % self.proc.returncode

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        self.logf.close()
        self.logf = None
        self.proc = None

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def web_url(self, timeout=10.0):
        """decran-web's base URL ("http.listen" with port 0)."""
        def found():
            with open(self.web_log_path) as f:
                return re.search(r"dashboard listening url=(http://[0-9.:]+)/", f.read())
        return wait_for(found, timeout, "decran-web listening").group(1)

    def wait_log(self, pattern, timeout=10.0):
        rx = re.compile(pattern)
        return wait_for(lambda: rx.search(self.log()), timeout, "log /%s/" % pattern)

    def api(self, req, timeout=30.0):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.sock)
        s.sendall((json.dumps(req) + "\n").encode())
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        s.close()
        return json.loads(buf)

    def channel(self, box, ch):
        for b in self.api({"cmd": "boxes"})["boxes"]:
            if b["id"] == box:
                return b["channel_states"][ch - 1]
        raise KeyError(box)

    def sql(self, q, *args):
        con = sqlite3.connect(self.db, timeout=10)
        try:
            return con.execute(q, args).fetchall()
        finally:
            con.close()


class LastMessages:
    """The last payload seen on each topic matching `pattern` (paho, QoS 1)."""

    def __init__(self, broker, pattern, client_id):
        self.seen = {}
        self.c = mqtt.Client(client_id=client_id)
        self.c.on_message = lambda c, u, m: self.seen.__setitem__(m.topic, m.payload)
        self.c.connect("127.0.0.1", broker.port)
        self.c.subscribe(pattern, qos=1)
        self.c.loop_start()

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()


def add_screen(decran, sid, category, box, channel, **fields):
    args = ["screens", "add", sid, "--name", sid, "--category", category,
            "--box", box, "--channel", str(channel)]
    for k, v in fields.items():
        args += ["--set", "%s=%s" % (k, v)]
    r = decran(*args)
    assert r.returncode == 0, r.stderr


class Device:
    """Base of the emulated relays: one paho client, relay states in memory."""

    def __init__(self, broker, name, channels, initial=True):
        self.port = broker.port
        self.name = name
        self.state = {ch: initial for ch in range(1, channels + 1)}
        self.commands = []
        self.lock = threading.Lock()
        self.obey = True
        self.client = None

    def _client(self, will_topic, will_payload):
        c = mqtt.Client(client_id="emu-%s-%d" % (self.name, id(self)), clean_session=True)
        c.will_set(will_topic, will_payload, qos=1, retain=True)
        c.on_connect = lambda cl, ud, fl, rc: self.on_connect()
        c.on_message = lambda cl, ud, msg: self.on_message(msg)
        return c

    def connect(self):
        self.client = self.make_client()
        self.client.connect("127.0.0.1", self.port, keepalive=2)
        self.client.loop_start()
        wait_for(lambda: self.client.is_connected(), what="emulator %s" % self.name)
        return self

    def crash(self):
        """Vanish without DISCONNECT: the broker publishes the last will."""
        self.client.loop_stop()
        self.client.socket().close()
        self.client = None

    def close(self):
        if self.client:
            self.client.loop_stop()
            try:
                self.client.disconnect()
            except OSError:
                pass

    def set_local(self, ch, on):
        with self.lock:
            self.state[ch] = on
        self.report(ch)


class Tasmota(Device):
    # {channel: W drawn when on}: a meter that answers "Status 8" with one
    # power per relay (STANDBY_W when off); None: no meter.
    load = None
    STANDBY_W = 0.4

    def make_client(self):
        return self._client("tele/%s/LWT" % self.name, "Offline")

    def on_connect(self):
        self.client.subscribe("cmnd/%s/+" % self.name, qos=1)
        self.client.publish("tele/%s/LWT" % self.name, "Online", qos=1, retain=True)
        with self.lock:
            st = {"POWER%d" % ch: "ON" if on else "OFF" for ch, on in self.state.items()}
        self.client.publish("tele/%s/STATE" % self.name, json.dumps(dict(st, UptimeSec=5)), qos=1)

    def on_message(self, msg):
        leaf = msg.topic.rsplit("/", 1)[1]
        if leaf == "STATUS" and msg.payload == b"8" and self.load is not None:
            with self.lock:
                pw = [self.load.get(c, 0.0) if self.state[c] else self.STANDBY_W
                      for c in sorted(self.state)]
            self.sensor(pw, 1.0, "stat/%s/STATUS8", "StatusSNS")
            return
        m = re.fullmatch(r"POWER(\d*)", leaf)
        if not m and leaf != "STATE":
            return
        if leaf == "STATE":
            with self.lock:
                st = {"POWER%d" % c: "ON" if on else "OFF" for c, on in self.state.items()}
            self.client.publish("stat/%s/RESULT" % self.name, json.dumps(st), qos=1)
            return
        ch = int(m.group(1) or 1)
        val = msg.payload.decode()
        with self.lock:
            self.commands.append((ch, val))
            if not self.obey or ch not in self.state:
                return
            self.state[ch] = val == "ON"
        self.report(ch)

    def report(self, ch):
        v = "ON" if self.state[ch] else "OFF"
        self.client.publish("stat/%s/RESULT" % self.name, json.dumps({"POWER%d" % ch: v}), qos=1)
        self.client.publish("stat/%s/POWER%d" % (self.name, ch), v, qos=1)

    def sensor(self, power, total_kwh, topic="tele/%s/SENSOR", wrap=None):
        energy = {"ENERGY": {"Power": power, "Total": total_kwh}}
        self.client.publish(topic % self.name, json.dumps({wrap: energy} if wrap else energy),
                            qos=1)


class Shelly(Device):
    """Shelly Gen2: prefix = name; answers Switch.Set on <src>/rpc."""

    def make_client(self):
        return self._client("%s/online" % self.name, "false")

    def on_connect(self):
        self.client.subscribe("%s/rpc" % self.name, qos=1)
        self.client.publish("%s/online" % self.name, "true", qos=1, retain=True)
        for ch in self.state:
            self.report(ch)

    def on_message(self, msg):
        req = json.loads(msg.payload)
        with self.lock:
            self.commands.append(req)
            if not self.obey:
                return
            if req.get("method") == "Switch.GetStatus":
                ch = req["params"]["id"] + 1
                ans = {"id": req["id"], "src": "shellyplus1-emu", "dst": req["src"],
                       "result": {"id": ch - 1, "output": self.state[ch]}}
                self.client.publish("%s/rpc" % req["src"], json.dumps(ans), qos=1)
                return
            if req.get("method") != "Switch.Set":
                ans = {"id": req["id"], "src": "shellyplus1-emu", "dst": req["src"],
                       "error": {"code": -114, "message": "method not found"}}
            else:
                ch = req["params"]["id"] + 1
                was = self.state[ch]
                self.state[ch] = bool(req["params"]["on"])
                ans = {"id": req["id"], "src": "shellyplus1-emu", "dst": req["src"],
                       "result": {"was_on": was}}
        self.client.publish("%s/rpc" % req["src"], json.dumps(ans), qos=1)
        if req.get("method") == "Switch.Set":
            self.report(ch)

    def report(self, ch, apower=None):
        st = {"id": ch - 1, "source": "MQTT", "output": self.state[ch],
              "apower": apower if apower is not None else (40.0 if self.state[ch] else 0.0),
              "aenergy": {"total": 1234.5, "by_minute": [0, 0, 0]}}
        self.client.publish("%s/status/switch:%d" % (self.name, ch - 1), json.dumps(st), qos=1)


class Native(Device):
    """A decran-relay box reduced to the protocol (for the kill test, where
    every command id it receives must be found in the audit log)."""

    def make_client(self):
        return self._client("decran/%s/status" % self.name, json.dumps({"v": 1, "online": False}))

    def on_connect(self):
        self.client.subscribe("decran/%s/cmd/+" % self.name, qos=1)
        self.client.publish("decran/%s/status" % self.name,
                            json.dumps({"v": 1, "online": True}), qos=1, retain=True)
        for ch in self.state:
            self.report(ch)

    def on_message(self, msg):
        ch = int(msg.topic.rsplit("/", 1)[1])
        req = json.loads(msg.payload)
        with self.lock:
            self.commands.append(req["id"])
            self.state[ch] = bool(req["on"])
            self.last_id = req["id"]
        self.report(ch, req["id"])

    def report(self, ch, cmd_id=None):
        self.client.publish("decran/%s/state/%d" % (self.name, ch),
                            json.dumps({"v": 1, "ch": ch, "on": self.state[ch], "src": "gateway",
                                        "id": cmd_id, "t": int(time.time())}),
                            qos=1, retain=True)


def import_screens(decran, tmp, rows):
    """rows: (id, category, box, channel); one CSV import instead of N adds."""
    path = os.path.join(str(tmp), "screens-import.csv")
    with open(path, "w") as f:
        f.write("id;name;category;box;channel\n")
        for sid, cat, box, ch in rows:
            f.write("%s;%s;%s;%s;%d\n" % (sid, sid, cat, box, ch))
    r = decran("screens", "import", path)
    assert r.returncode == 0, r.stderr


class DecranRelay:
    """A real decran-relay on the sim backend (relay states in a JSON file)."""

    def __init__(self, tmp, broker, box, channels, clock, gateway_timeout_s=60, channel_extra=None,
                 extra=None):
        self.dir = os.path.join(str(tmp), "relay-" + box)
        os.makedirs(self.dir, exist_ok=True)
        self.box = box
        self.sim = os.path.join(self.dir, "relays.json")
        self.conf = os.path.join(self.dir, "relay.json")
        self.clock = clock
        with open(self.conf, "w") as f:
            cfg = {"box": box, "hal": "sim", "sim_state_file": self.sim,
                   "state_dir": os.path.join(self.dir, "state"),
                   "gateway_timeout_s": gateway_timeout_s,
                   "channels": [dict({"channel": c, "line": 4 + c},
                                     **(channel_extra or {}).get(c, {}))
                                for c in range(1, channels + 1)],
                   "mqtt": {"host": "127.0.0.1", "port": broker.port, "keepalive_s": 5,
                            "backoff_min_ms": 100, "backoff_max_ms": 500}}
            cfg.update(extra or {})
            json.dump(cfg, f)
        self.proc = None
        self.env = {}       # more environment (NOTIFY_SOCKET, ...)

    def start(self):
        env = dict(os.environ, LANG="C.UTF-8", DECRAN_CLOCK_SYNCED="1", DECRAN_CLOCK=self.clock,
                   **self.env)
        self.log = open(os.path.join(self.dir, "relay.log"), "ab")
        self.proc = subprocess.Popen([bin_path("decran-relay"), "-c", self.conf], env=env,
                                     stdout=self.log, stderr=self.log)
        wait_for(lambda: os.path.exists(self.sim) or self.proc.poll() is not None,
                 what="decran-relay %s" % self.box)
        assert self.proc.poll() is None
        return self

    def relays(self):
        with open(self.sim) as f:
            return {int(k): v for k, v in json.load(f).items()}

    def weld(self, contacts):
        """Force the sim auxiliary contacts: {ch: 1} stays closed (a welded
        contactor), {ch: 0} stays open (burnt coil); {} follows the coils."""
        tmp = self.sim + ".feedback.tmp"
        with open(tmp, "w") as f:
            json.dump({str(k): v for k, v in contacts.items()}, f)
        os.replace(tmp, self.sim + ".feedback")

    def stop(self):
        stop(self.proc)
        if self.proc is not None:
            self.log.close()
        self.proc = None


class Sdm120Tcp:
    """tests/helpers/sdm120_tcp: an SDM120 meter (unit 2) beside an 8-coil relay
    module (unit 1) served by libmodbus on a free loopback port.  `send`
    changes readings or faults ("power 7.5", "fault exception") and returns
    once the helper has applied the command."""

    PATH = os.path.join(os.path.dirname(bin_path("decran")), "..", "tests", "helpers",
                        "sdm120_tcp")

    def __init__(self, power, energy_kwh):
        self.proc = subprocess.Popen([self.PATH, "--power", repr(power), "--energy",
                                      repr(energy_kwh), "--lifetime", "300"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)\n", line)
        if not m:
            stop(self.proc)
            raise RuntimeError("sdm120_tcp did not start: %r" % line)
        self.port = int(m.group(1))

    def send(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        assert answer == "ok\n", (command, answer)

    def close(self):
        """End of stdin ends the helper; SIGTERM if it does not."""
        try:
            self.proc.stdin.close()
            self.proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        stop(self.proc)
        self.proc.stdout.close()


class RtuModule(PtyModbusServer):
    """A Modbus RTU relay module (unit 1, 8 coils) and an SDM120-like meter
    (unit 2) served by pymodbus on a pseudo-terminal; the gateway opens
    `path`."""

    def __init__(self, watts=40.0):
        from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                        ModbusSlaveContext)
        self.coils = ModbusSequentialDataBlock(0, [1] * 16)
        regs = [0] * 0x60
        regs[0x0C:0x0E] = float32_regs(watts)
        regs[0x48:0x4A] = float32_regs(3.25)
        ctx = ModbusServerContext(slaves={
            1: ModbusSlaveContext(co=self.coils, zero_mode=True),
            2: ModbusSlaveContext(ir=ModbusSequentialDataBlock(0, regs), zero_mode=True)},
            single=False)
        super().__init__(ctx, baudrate=19200)

    def coil(self, ch):
        return self.coils.getValues(ch - 1, 1)[0]


class NativeFleet:
    """Many decran-relay boxes behind ONE paho client (a Python client per
    box would not keep up with a 2,000-channel burst on a small machine):
    each box named prefix-NNN applies the commands it receives, keeps the list
    of command ids it executed (its own record), and publishes its retained
    state with the id of the command that set it (docs/protocol.md)."""

    def __init__(self, broker, prefix, nbox, channels, initial=True):
        self.port = broker.port
        self.names = ["%s-%03d" % (prefix, b) for b in range(nbox)]
        self.channels = channels
        self.state = {(n, ch): initial for n in self.names for ch in range(1, channels + 1)}
        self.executed = []          # (box, channel, cmd_id, on), in order
        self.lock = threading.Lock()
        self.client = None

    def boxes(self):
        return [{"id": n, "driver": "native", "channels": self.channels} for n in self.names]

    def connect(self):
        c = mqtt.Client(client_id="fleet-%s-%d" % (self.names[0], id(self)), clean_session=True)
        c.max_inflight_messages_set(0)
        c.max_queued_messages_set(0)
        c.on_connect = lambda cl, ud, fl, rc: self.on_connect()
        c.on_message = lambda cl, ud, msg: self.on_message(msg)
        self.client = c
        c.connect("127.0.0.1", self.port, keepalive=30)
        c.loop_start()
        wait_for(lambda: c.is_connected(), what="fleet emulator")
        return self

    def on_connect(self):
        self.client.subscribe("decran/+/cmd/+", qos=1)
        for n in self.names:
            self.client.publish("decran/%s/status" % n, json.dumps({"v": 1, "online": True}),
                                qos=1, retain=True)
            for ch in range(1, self.channels + 1):
                self.report(n, ch, None)

    def on_message(self, msg):
        parts = msg.topic.split("/")
        box, ch = parts[1], int(parts[3])
        if (box, ch) not in self.state:
            return
        req = json.loads(msg.payload)
        with self.lock:
            self.executed.append((box, ch, req["id"], bool(req["on"])))
            self.state[(box, ch)] = bool(req["on"])
        self.report(box, ch, req["id"])

    def report(self, box, ch, cmd_id):
        self.client.publish("decran/%s/state/%d" % (box, ch),
                            json.dumps({"v": 1, "ch": ch, "on": self.state[(box, ch)],
                                        "src": "gateway" if cmd_id else "boot", "id": cmd_id,
                                        "t": int(time.time())}), qos=1, retain=True)

    def count(self):
        with self.lock:
            return len(self.executed)

    def quiet(self, for_s=0.5, timeout=30):
        """Wait until no command has arrived for for_s seconds."""
        deadline = time.monotonic() + timeout
        last, since = self.count(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            n = self.count()
            if n != last:
                last, since = n, time.monotonic()
            elif time.monotonic() - since >= for_s:
                return n
        raise TimeoutError("fleet still receiving commands")

    close = Device.close    # one paho client, closed like a single device's


class CFleet:
    """tests/helpers/fleet_emu: a fleet of native boxes and Tasmota devices
    in another process, one MQTT client (100,000 channels on a small
    machine).  Boxes "<prefix>n-NNNNN" (native) then "<prefix>t-NNNNN"
    (Tasmota), `channels` each; log() is its record of executed commands in
    order: (seq, box, channel, on, cmd id or None)."""

    PATH = os.path.join(os.path.dirname(bin_path("decran")), "..", "tests", "helpers",
                        "fleet_emu")

    def __init__(self, tmp, broker, prefix, native, tasmota, channels=8):
        self.prefix, self.native, self.tasmota, self.channels = prefix, native, tasmota, channels
        self.log_path = os.path.join(str(tmp), "fleet-%s.log" % prefix)
        self.proc = subprocess.Popen(
            [self.PATH, "--port", str(broker.port), "--native", str(native), "--tasmota",
             str(tasmota), "--channels", str(channels), "--prefix", prefix, "--log",
             self.log_path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("ready"):
            stop(self.proc)
            raise RuntimeError("fleet_emu did not start: %r" % line)

    def names(self):
        return (["%sn-%05d" % (self.prefix, b) for b in range(self.native)] +
                ["%st-%05d" % (self.prefix, b) for b in range(self.tasmota)])

    def boxes(self):
        return [dict({"id": n, "driver": "native" if n[len(self.prefix)] == "n" else "tasmota",
                      "channels": self.channels},
                     **({} if n[len(self.prefix)] == "n" else {"topic": n}))
                for n in self.names()]

    def screens(self, category="advertising"):
        return [("pub-%s-%d" % (n, ch), category, n, ch)
                for n in self.names() for ch in range(1, self.channels + 1)]

    def _ask(self, cmd):
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().split()

    def count(self):
        """(commands executed, channels off)."""
        executed, off = self._ask("count")
        return int(executed), int(off)

    def log(self):
        assert self._ask("flush") == ["ok"]
        with open(self.log_path) as f:
            return [(int(s), box, int(ch), on == "on", None if cid == "-" else cid)
                    for s, box, ch, on, cid in (line.split() for line in f)]

    def close(self):
        try:
            self.proc.stdin.close()
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        stop(self.proc)
        self.proc.stdout.close()
