"""Shared pieces of the integration harness: free loopback ports, a private
mosquitto broker, child processes that are always reaped, and pymodbus RTU
servers on pseudo-terminals."""
import os
import signal
import socket
import subprocess
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("DECRAN_BIN", os.path.join(TOP, "build", "bin"))


def bin_path(name):
    return os.path.join(BIN, name)


def free_port():
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=5.0, proc=None):
    """Block until 127.0.0.1:port accepts a connection; raise after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("process exited with %s before listening" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError("nothing listens on 127.0.0.1:%d after %.1fs" % (port, timeout))


def stop(proc, timeout=5.0):
    """SIGTERM, then SIGKILL; never leaves a child behind."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Broker:
    """A private mosquitto on a free loopback port; never a system broker."""

    def __init__(self, extra=""):
        self.dir = tempfile.mkdtemp(prefix="decran-broker-")
        self.port = None
        self.proc = None
        self.extra = extra      # more mosquitto.conf lines

    def start(self, port=None):
        self.port = port or self.port or free_port()
        conf = os.path.join(self.dir, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write("listener %d 127.0.0.1\nallow_anonymous true\n"
                    "persistence false\nlog_dest stderr\n%s" % (self.port, self.extra))
        # Logs through stderr: as root, mosquitto drops to its own user,
        # which may not write into our temporary directory.
        self.log = open(os.path.join(self.dir, "mosquitto.log"), "ab")
        self.proc = subprocess.Popen(["/usr/sbin/mosquitto", "-c", conf],
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        wait_port(self.port, proc=self.proc)
        return self

    def stop(self):
        stop(self.proc)
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()
            self.log = None

    def restart(self):
        self.stop()
        return self.start(self.port)


# --- relay box (decran-relay) helpers -------------------------------------
import json  # noqa: E402
import threading  # noqa: E402


class MqttProbe:
    """A paho client that records every message on `topics` (retained ones
    included) and lets a test wait for one matching a predicate."""

    def __init__(self, port, topics=("decran/#",), client_id=None):
        import paho.mqtt.client as mqtt
        self.msgs = []
        self.cond = threading.Condition()
        self.connected = threading.Event()
        self.c = mqtt.Client(client_id=client_id or "")

        def on_connect(cl, _u, _f, rc):
            for t in topics:
                cl.subscribe(t, qos=1)
            self.connected.set()

        def on_message(_c, _u, m):
            with self.cond:
                self.msgs.append((m.topic, m.payload, m.retain))
                self.cond.notify_all()

        self.c.on_connect = on_connect
        self.c.on_message = on_message
        self.c.connect("127.0.0.1", port, keepalive=10)
        self.c.loop_start()
        if not self.connected.wait(5):
            raise TimeoutError("probe could not connect to the broker")

    def publish(self, topic, payload, qos=1, retain=False):
        if isinstance(payload, (dict, list)):
            payload = json.dumps(payload)
        self.c.publish(topic, payload, qos=qos, retain=retain).wait_for_publish()

    def wait(self, topic, pred=lambda j: True, timeout=10.0, since=0):
        """First message on `topic` from index `since` whose JSON payload
        satisfies pred; returns (index, decoded json)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            i = since
            while True:
                while i < len(self.msgs):
                    t, p, _r = self.msgs[i]
                    i += 1
                    if t != topic:
                        continue
                    try:
                        j = json.loads(p)
                    except ValueError:
                        continue
                    if pred(j):
                        return i, j
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no matching message on %s; seen: %s" % (
                        topic, [m for m in self.msgs if m[0] == topic][-5:]))
                self.cond.wait(left)

    def count(self, topic):
        with self.cond:
            return sum(1 for m in self.msgs if m[0] == topic)

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()


class Relay:
    """A decran-relay process on the sim backend, its config in `dir`."""

    def __init__(self, dir, port, box=None, channels=(1, 2), clock=None, synced=True,
                 extra=None, lang="en_US.UTF-8"):
        self.dir = str(dir)
        # A box id of its own, so retained messages of other tests never mix in.
        self.box = box or "box-" + os.urandom(4).hex()
        self.sim = os.path.join(self.dir, "relays.json")
        self.state_dir = os.path.join(self.dir, "state")
        self.conf = os.path.join(self.dir, "relay.json")
        self.clock = clock
        self.synced = synced
        self.lang = lang
        self.proc = None
        cfg = {
            "box": self.box, "hal": "sim", "sim_state_file": self.sim,
            "state_dir": self.state_dir, "gateway_timeout_s": 60,
            "channels": [{"channel": c, "line": 4 + c} for c in channels],
            "mqtt": {"host": "127.0.0.1", "port": port, "keepalive_s": 5,
                     "backoff_min_ms": 100, "backoff_max_ms": 500},
        }
        cfg.update(extra or {})
        with open(self.conf, "w") as f:
            json.dump(cfg, f)

    def start(self, env_extra=None):
        env = dict(os.environ, LANG=self.lang, LC_ALL="",
                   DECRAN_CLOCK_SYNCED="1" if self.synced else "0")
        env.pop("DECRAN_CLOCK", None)
        if self.clock:
            env["DECRAN_CLOCK"] = self.clock
        env.update(env_extra or {})
        self.log = open(os.path.join(self.dir, "relay.log"), "ab")
        self.proc = subprocess.Popen([bin_path("decran-relay"), "-c", self.conf], env=env,
                                     stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 5
        while not os.path.exists(self.sim):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("decran-relay did not start: " + self.logtext())
            time.sleep(0.01)
        return self

    def logtext(self):
        with open(os.path.join(self.dir, "relay.log"), "rb") as f:
            return f.read().decode(errors="replace")

    def relays(self):
        with open(self.sim) as f:
            return {int(k): v for k, v in json.load(f).items()}

    def wait_relay(self, ch, value, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.relays().get(ch) == value:
                return
            time.sleep(0.005)
        raise TimeoutError("channel %d never became %d: %s" % (ch, value, self.relays()))

    def state_file(self, name):
        with open(os.path.join(self.state_dir, name)) as f:
            return json.load(f)

    def topic(self, rest):
        return "decran/%s/%s" % (self.box, rest)

    def stop(self):
        stop(self.proc)
        if self.proc is not None:
            self.log.close()
        self.proc = None


# --- Modbus RTU devices on a pseudo-terminal (pymodbus) ---------------------

class PtyModbusServer:
    """A pymodbus Modbus RTU server on one pty, bridged byte for byte to a
    second pty whose `path` the program under test opens (a pty's master
    end has no path, so two pairs are joined, as socat would).  `context`
    is a pymodbus ModbusServerContext: its slaves are the devices."""

    def __init__(self, context, baudrate):
        import asyncio
        import pty
        import tty
        from pymodbus.server import StartAsyncSerialServer
        from pymodbus.transaction import ModbusRtuFramer
        ma, sa = pty.openpty()
        mb, sb = pty.openpty()
        self.fds = [ma, sa, mb, sb]
        for fd in self.fds:
            tty.setraw(fd)
        self.path = os.ttyname(sa)
        self.stop_ev = threading.Event()
        threading.Thread(target=self._bridge, args=(ma, mb), daemon=True).start()
        self.loop = asyncio.new_event_loop()
        port = os.ttyname(sb)

        def run():
            asyncio.set_event_loop(self.loop)
            self.loop.create_task(StartAsyncSerialServer(
                context, framer=ModbusRtuFramer, port=port, baudrate=baudrate, timeout=0.05))
            self.loop.run_forever()
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def _bridge(self, a, b):
        import select
        while not self.stop_ev.is_set():
            r, _, _ = select.select([a, b], [], [], 0.1)
            for fd in r:
                try:
                    os.write(b if fd == a else a, os.read(fd, 4096))
                except OSError:
                    # EIO while the other end is closed (the program under
                    # test reopening its line): do not spin.
                    time.sleep(0.05)

    def close(self):
        import asyncio
        self.stop_ev.set()

        async def cancel_all():
            # pymodbus tasks left pending would spin in their finalizers at
            # interpreter exit: cancel them and let them end now.
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        # Stop the server before its pty goes away, so it never reads a
        # closed (or reused) descriptor.
        try:
            asyncio.run_coroutine_threadsafe(cancel_all(), self.loop).result(5)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)
        for fd in self.fds:
            try:
                os.close(fd)
            except OSError:
                pass


def float32_regs(v):
    """An IEEE 754 float32 as two registers, high word first (Eastron)."""
    import struct
    return list(struct.unpack(">HH", struct.pack(">f", v)))


# --- sealed messages (lib/msgauth.h, docs/protocol.md) ----------------------
import hashlib  # noqa: E402
import hmac  # noqa: E402


def write_key(path, key=None):
    """A box key file as provisioning makes it: 32 random bytes, hex, 0600."""
    key = key or os.urandom(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key.hex() + "\n")
    return key


def seal(key, topic, body, t, exp, seq):
    """The envelope a gateway sends a keyed box; written here from the
    documented layout, independently of the C code."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body, separators=(",", ":"))
    if isinstance(body, str):
        body = body.encode()
    head = b'{"v":1,"t":%d,"exp":%d,"seq":%d,"body":' % (t, exp, seq) + body
    mac = hmac.new(key, b"decran-mac-v1\0" + topic.encode() + b"\0" + head,
                   hashlib.sha256).hexdigest()
    return head + b',"mac":"' + mac.encode() + b'"}'


def utc(s):
    """"2026-11-23T20:00:00Z" as UTC seconds."""
    import calendar
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def fallback(box, start, until, chans):
    """A fallback schedule message; chans: {ch: (initial_on, [absolute
    instants of toggles])}."""
    return {"v": 1, "box": box, "gen": start - 60, "from": start, "until": until,
            "ch": {str(c): {"s": s, "t": [x - start for x in steps]}
                   for c, (s, steps) in chans.items()}}
