"""What can light a screen, sealed per box (docs/security.md): a real
decran-relay with a key (command_key_file) and a real mosquitto that lets
anyone publish, as a compromised broker or another box's credential would.
Forged, moved, replayed, expired or early commands, forged schedules and a
forged gateway status are refused and reported on the box's error topic;
the broker outage 00:55-01:10 lights nothing at night; an ON where the
schedule says off needs an authenticated override.  Messages are sealed by
the test itself (harness.seal, from the documented layout)."""
import itertools
import json
import os
import signal
import threading
import time

import paho.mqtt.client as mqtt
import pytest

from gwtest import DecranRelay, Gateway, add_screen, wait_for
from harness import MqttProbe, Relay, fallback, seal, utc, write_key


class Box:
    """A keyed relay on a test clock, and a sealing 'gateway' for it."""

    def __init__(self, tmp_path, broker, start, speed=1, key=True, timeout_s=60,
                 channels=(1, 2)):
        self.t0, self.speed = utc(start), speed
        self.key_path = str(tmp_path / "box.key")
        self.key = write_key(self.key_path) if key else None
        extra = {"gateway_timeout_s": timeout_s}
        if key:
            extra["command_key_file"] = self.key_path
        self.relay = Relay(tmp_path, broker.port, clock="%s,%d" % (start, speed),
                           channels=channels, extra=extra)
        self.seq = itertools.count(int(time.time() * 1000))
        self.port = broker.port
        self.probe = None
        self.hb_stop = threading.Event()
        self.hb = None

    def start(self):
        self.relay.start()
        self.launched = time.monotonic()
        if self.probe is None:
            self.probe = MqttProbe(self.port)
        return self

    def now(self):
        """The box's virtual UTC second (it started when we launched it)."""
        return int(self.t0 + (time.monotonic() - self.launched) * self.speed)

    def sealed(self, rest, body, key=None, t=None, exp=None, seq=None, topic=None):
        t = self.now() if t is None else t
        return seal(key or self.key, topic or self.relay.topic(rest), body, t,
                    t + 120 if exp is None else exp, next(self.seq) if seq is None else seq)

    def send(self, rest, payload, retain=False):
        self.probe.publish(self.relay.topic(rest), payload, retain=retain)

    def heartbeat(self, period=0.2):
        def run():
            while not self.hb_stop.is_set():
                body = {"v": 1, "online": True, "t": self.now()}
                if self.key:
                    self.send("gateway", self.sealed("gateway", body))
                else:
                    self.probe.publish("decran/gateway/status", body, retain=True)
                self.hb_stop.wait(period)
        self.hb_stop.clear()
        self.hb = threading.Thread(target=run, daemon=True)
        self.hb.start()

    def stop_heartbeat(self):
        if self.hb:
            self.hb_stop.set()
            self.hb.join()
            self.hb = None

    def refused(self, rest, code, since):
        _, e = self.probe.wait(self.relay.topic("error"),
                               lambda m: m["topic"] == self.relay.topic(rest) and m["code"] == code,
                               since=since)
        return e

    def close(self):
        self.stop_heartbeat()
        if self.probe:
            self.probe.close()
        self.relay.stop()


def test_keyed_box_refuses_forged_moved_replayed_and_expired(tmp_path, broker):
    box = Box(tmp_path, broker, "2026-11-23T20:00:00Z", timeout_s=5).start()
    relay, T0 = box.relay, box.t0
    other_key = os.urandom(32)
    try:
        assert "commands authenticated" in relay.logtext()
        # The schedule lets channel 1 on all evening: only commands matter here.
        box.send("fallback", box.sealed("fallback", fallback(
            relay.box, T0 - 3600, T0 + 86400, {1: (1, []), 2: (0, [])}), exp=T0 + 86400),
            retain=True)
        box.heartbeat()
        box.probe.wait(relay.topic("status"), lambda j: j["mode"] == "gateway")
        # The real thing works: sealed, fresh, for this topic.
        good_on = box.sealed("cmd/1", {"v": 1, "id": "good-1", "on": True})
        box.send("cmd/1", good_on)
        relay.wait_relay(1, 1)
        box.send("cmd/1", box.sealed("cmd/1", {"v": 1, "id": "good-2", "on": False}))
        relay.wait_relay(1, 0)
        now = box.now()
        forged = [
            ("unsigned", json.dumps({"v": 1, "id": "f-1", "on": True})),
            ("bad_mac", box.sealed("cmd/1", {"v": 1, "id": "f-2", "on": True}, key=other_key)),
            # Sealed for another box (its own key), moved here.
            ("bad_mac", box.sealed("cmd/1", {"v": 1, "id": "f-3", "on": True}, key=other_key,
                                   topic="decran/box-other/cmd/1")),
            # Sealed with this box's key for its channel 2, moved to channel 1.
            ("bad_mac", box.sealed("cmd/2", {"v": 1, "id": "f-4", "on": True})),
            # The first "on" again, after the "off" that followed it.
            ("replay", good_on),
            ("expired", box.sealed("cmd/1", {"v": 1, "id": "f-5", "on": True},
                                   t=now - 900, exp=now - 780)),
            ("not_yet_valid", box.sealed("cmd/1", {"v": 1, "id": "f-6", "on": True},
                                         t=now + 900, exp=now + 1020)),
            ("malformed", box.sealed("cmd/1", {"v": 1, "id": "f-7", "on": True}) + b" "),
        ]
        for code, payload in forged:
            since = len(box.probe.msgs)
            box.send("cmd/1", payload)
            e = box.refused("cmd/1", code, since)
            assert e["error"], e
            assert relay.relays()[1] == 0, code
        assert not any(c["id"].startswith("f-") for c in relay.state_file("state.json")["cmds"])

        # A forged schedule (always on), bare or with another key: refused,
        # the persisted one kept.
        before = relay.state_file("fallback.json")
        evil = fallback(relay.box, T0 - 3600, T0 + 14 * 86400, {1: (1, []), 2: (1, [])})
        for code, payload in [("unsigned", json.dumps(evil)),
                              ("bad_mac", box.sealed("fallback", evil, key=other_key,
                                                     exp=T0 + 86400))]:
            since = len(box.probe.msgs)
            box.send("fallback", payload)
            box.refused("fallback", code, since)
        assert relay.state_file("fallback.json") == before

        # A forged gateway status cannot hold the box under a dead gateway:
        # bare or with another key on its topic (refused, reported), or on
        # the shared topic (a keyed box does not listen there).
        box.stop_heartbeat()
        since = len(box.probe.msgs)
        stop = time.monotonic() + 8
        while time.monotonic() < stop and relay.state_file("state.json")["ch"]["1"]["src"] != "fallback":
            box.send("gateway", json.dumps({"v": 1, "online": True}))
            box.send("gateway", box.sealed("gateway", {"v": 1, "online": True}, key=other_key))
            box.probe.publish("decran/gateway/status", {"v": 1, "online": True}, retain=True)
            time.sleep(0.2)
        box.refused("gateway", "unsigned", since)
        box.refused("gateway", "bad_mac", since)
        box.probe.wait(relay.topic("status"), lambda j: j["mode"] == "autonomous", since=since)
        box.probe.publish("decran/gateway/status", b"", retain=True)

        # A restart remembers what it accepted: the old "on" stays a replay.
        relay.stop()
        relay.start()
        box.launched = time.monotonic()
        box.heartbeat()
        box.probe.wait(relay.topic("status"), lambda j: j["mode"] == "gateway", since=since)
        box.send("cmd/1", box.sealed("cmd/1", {"v": 1, "id": "good-3", "on": False}))
        relay.wait_relay(1, 0)
        since = len(box.probe.msgs)
        box.send("cmd/1", good_on)
        box.refused("cmd/1", "replay", since)
        assert relay.relays()[1] == 0
    finally:
        box.close()


def test_on_where_the_schedule_says_off_needs_a_sealed_override(tmp_path, broker):
    box = Box(tmp_path, broker, "2026-11-23T00:30:00Z").start()   # 01:30 in Paris
    relay, T0 = box.relay, box.t0
    try:
        # Legal night for the advertising screen on channel 1 until 05:00 UTC.
        box.send("fallback", box.sealed("fallback", fallback(
            relay.box, T0 - 3600, T0 + 86400, {1: (0, [T0 + 4.5 * 3600])}),
            exp=T0 + 86400), retain=True)
        box.heartbeat()
        box.probe.wait(relay.topic("status"), lambda j: j["mode"] == "gateway")
        # A technician's relay test without an override: refused, clearly.
        since = len(box.probe.msgs)
        box.send("cmd/1", box.sealed("cmd/1", {"v": 1, "id": "test-1", "on": True}))
        e = box.refused("cmd/1", "fallback_off", since)
        assert "2026-11-23T05:00:00Z" in e["error"] and "override" in e["error"], e
        # An override already over: refused too.
        since = len(box.probe.msgs)
        box.send("cmd/1", box.sealed("cmd/1", {"v": 1, "id": "test-2", "on": True,
                                               "ovr": {"until": box.now() - 60, "by": "tech"}}))
        box.refused("cmd/1", "fallback_off", since)
        # An override inside a forged (bare) command: refused for what it is.
        since = len(box.probe.msgs)
        box.send("cmd/1", json.dumps({"v": 1, "id": "test-3", "on": True,
                                      "ovr": {"until": box.now() + 600, "by": "tech"}}))
        box.refused("cmd/1", "unsigned", since)
        assert relay.relays()[1] == 0
        # Sealed, time-limited, naming who: obeyed, and logged with its author.
        box.send("cmd/1", box.sealed("cmd/1", {"v": 1, "id": "test-4", "on": True,
                                               "ovr": {"until": box.now() + 600,
                                                       "by": "prefecture"}}))
        relay.wait_relay(1, 1)
        wait_for(lambda: "override by prefecture" in relay.logtext(), what="override logged")
        # Off always goes through.
        box.send("cmd/1", box.sealed("cmd/1", {"v": 1, "id": "test-5", "on": False}))
        relay.wait_relay(1, 0)
    finally:
        box.close()


@pytest.mark.parametrize("keyed", [False, True], ids=["no-key", "key"])
def test_broker_outage_at_night_lights_nothing(tmp_path, broker, keyed):
    """The finding: an ON queued at 00:54, a broker restart at 00:55, the
    command delivered at 01:10 and obeyed.  Here the box is frozen
    (SIGSTOP) while the ON reaches its socket, the broker dies at 00:55 and
    returns at 01:10, when the box wakes and reads it."""
    box = Box(tmp_path, broker, "2026-11-23T23:53:00Z", speed=60, key=keyed,
              channels=(1,)).start()
    relay, T0 = box.relay, box.t0
    one_am = utc("2026-11-24T00:00:00Z")       # 01:00 in Paris
    try:
        fb = fallback(relay.box, T0 - 3600, T0 + 86400, {1: (1, [one_am, one_am + 5 * 3600])})
        box.send("fallback", box.sealed("fallback", fb, exp=T0 + 86400) if keyed
                 else json.dumps(fb), retain=True)
        box.heartbeat(period=0.1)
        box.probe.wait(relay.topic("status"), lambda j: j["mode"] == "gateway")
        off = {"v": 1, "id": "eve-off", "on": False}
        box.send("cmd/1", box.sealed("cmd/1", off) if keyed else json.dumps(off))
        relay.wait_relay(1, 0)
        # 00:54: the gateway's ON leaves; the box does not read it yet.
        while box.now() < one_am - 6 * 60:
            time.sleep(0.05)
        relay.proc.send_signal(signal.SIGSTOP)
        on = {"v": 1, "id": "late-on", "on": True}
        box.send("cmd/1", box.sealed("cmd/1", on) if keyed else json.dumps(on))
        box.stop_heartbeat()
        while box.now() < one_am - 5 * 60:      # 00:55: the broker goes down
            time.sleep(0.05)
        box.probe.close()
        box.probe = None
        broker.stop()
        while box.now() < one_am + 10 * 60:     # 01:10: back
            time.sleep(0.1)
        broker.start()
        box.probe = MqttProbe(broker.port)
        relay.proc.send_signal(signal.SIGCONT)
        box.probe.wait(relay.topic("status"), lambda j: j["online"] and j["mode"] == "autonomous",
                       timeout=20)
        time.sleep(0.5)
        log = relay.logtext()
        # Nothing lit: the command was never applied, not even for an instant.
        assert "channel 1: on (gateway)" not in log, log[-2000:]
        assert not any(c["id"] == "late-on" for c in relay.state_file("state.json")["cmds"])
        assert relay.relays()[1] == 0
        assert relay.state_file("state.json")["ch"]["1"]["on"] is False
        assert ("expired" if keyed else "fallback_off") in log, log[-2000:]
    finally:
        if broker.proc is None:
            broker.start()
        try:
            relay.proc.send_signal(signal.SIGCONT)
        except Exception:
            pass
        box.close()


def test_gateway_seals_for_a_keyed_box(tmp_path, broker, db, decran):
    """The real gateway and a real keyed box: the box follows the gateway
    (sealed heartbeat on its own topic, sealed commands and schedule)."""
    clock = "2026-11-23T20:59:40Z,2"    # 21:59:40 in Paris: advertising off at 22:00
    keys = tmp_path / "box-keys"
    keys.mkdir()
    write_key(str(keys / "gare.key"))
    add_screen(decran, "pub-gare", "advertising", "gare", 1)
    relay = DecranRelay(tmp_path, broker, "gare", 1, clock, gateway_timeout_s=30,
                        extra={"command_key_file": str(keys / "gare.key")})
    gw = Gateway(tmp_path, broker, [{"id": "gare", "driver": "native", "channels": 1}], db,
                 clock=clock, extra={"box_keys_dir": str(keys)})
    probe = MqttProbe(broker.port, topics=("decran/gare/#",))
    # An MQTT v5 client sees each message's expiry interval (what the broker
    # honours): commands a couple of minutes, the schedule until it ends.
    expiry = {}
    v5 = mqtt.Client(client_id="v5-watch", protocol=mqtt.MQTTv5)
    v5.on_message = lambda c, u, m: expiry.setdefault(m.topic.split("/")[2], []).append(
        getattr(m.properties, "MessageExpiryInterval", None))
    v5.connect("127.0.0.1", broker.port)
    v5.subscribe("decran/gare/#", qos=1)
    v5.loop_start()
    try:
        relay.start()
        gw.start()
        probe.wait("decran/gare/status", lambda j: j.get("mode") == "gateway", timeout=20)
        wait_for(lambda: os.path.exists(os.path.join(relay.dir, "state", "fallback.json")),
                 what="sealed fallback accepted")
        wait_for(lambda: relay.relays().get(1) == 1, timeout=20, what="on before 22:00")
        wait_for(lambda: relay.relays().get(1) == 0, timeout=40, what="off at 22:00")
        with open(os.path.join(relay.dir, "state", "state.json")) as f:
            st = json.load(f)
        assert st["ch"]["1"]["src"] in ("gateway", "boot", "fallback")
        assert "auth" in st and "fallback" in st["auth"]
        # The boot entries of its journal recorded, then forgotten on the
        # gateway's sealed acknowledgement.
        def state(name):
            with open(os.path.join(relay.dir, "state", name)) as f:
                return json.load(f)
        wait_for(lambda: not state("journal.json")["entries"], what="journal acked")
        assert "journal/ack" in state("state.json")["auth"]
        errors = [m for m in probe.msgs if m[0] == "decran/gare/error"]
        assert not errors, errors
        # What went over the wire was sealed.
        cmds = [m for m in probe.msgs if m[0].startswith("decran/gare/cmd/")]
        assert cmds and all(p.startswith(b'{"v":1,"t":') and b'"mac":"' in p for _, p, _ in cmds)
        wait_for(lambda: expiry.get("cmd") and expiry.get("fallback"), what="v5 copies")
        assert all(0 < e <= 120 for e in expiry["cmd"]), expiry
        assert all(e > 86400 for e in expiry["fallback"]), expiry
    finally:
        v5.loop_stop()
        v5.disconnect()
        probe.close()
        gw.stop()
        relay.stop()


def test_box_keeps_the_floor_while_the_gateway_is_in_control(tmp_path, broker):
    """The gateway alive (sealed heartbeat) but silent on the channel: when
    an override runs out where the schedule says off, and at the schedule's
    own edge to off, the box switches the channel off by itself and
    journals it (source "fallback") for the gateway to record, once the
    gateway's own "off" has had FW_FLOOR_GRACE_S (10 real seconds) to come."""
    box = Box(tmp_path, broker, "2026-11-23T23:58:00Z", speed=30, channels=(1, 2),
              timeout_s=600).start()
    relay, T0 = box.relay, box.t0
    one_am = utc("2026-11-24T00:00:00Z")       # 01:00 in Paris
    try:
        # Channel 1: legal night all along; channel 2: on until 01:00.
        box.send("fallback", box.sealed("fallback", fallback(
            relay.box, T0 - 3600, T0 + 86400, {1: (0, []), 2: (1, [one_am])}),
            exp=T0 + 86400), retain=True)
        box.heartbeat()
        in_control, _ = box.probe.wait(relay.topic("status"), lambda j: j["mode"] == "gateway")
        until = box.now() + 60
        box.send("cmd/1", box.sealed("cmd/1", {"v": 1, "id": "ovr-on", "on": True,
                                               "ovr": {"until": until, "by": "prefecture"}}))
        box.send("cmd/2", box.sealed("cmd/2", {"v": 1, "id": "eve-on", "on": True}))
        relay.wait_relay(1, 1)
        relay.wait_relay(2, 1)
        # No command from here on: the box alone ends both.
        # (When: the journal's instants below, on the box's own clock.)
        relay.wait_relay(1, 0, timeout=30)
        relay.wait_relay(2, 0, timeout=30)
        # The outputs first, then state.json.
        wait_for(lambda: all(not c["on"] and c["src"] == "fallback"
                             for c in relay.state_file("state.json")["ch"].values()),
                 what="state.json: both off by the box's own schedule")
        # journal.json is written after state.json: waited for, not read once.
        def offs():
            return [(e["ch"], e["t"]) for e in relay.state_file("journal.json")["entries"]
                    if not e["on"] and e["src"] == "fallback"]
        wait_for(lambda: {ch for ch, _ in offs()} >= {1, 2}, what="journal: both offs")
        offs = offs()
        grace = 10 * 30     # virtual seconds at 30x
        assert any(ch == 1 and t >= until + grace for ch, t in offs), offs
        assert any(ch == 2 and t >= one_am + grace for ch, t in offs), offs
        # Still the gateway's box all along: it never went autonomous.
        assert not any(m[0] == relay.topic("status") and b'"autonomous"' in m[1]
                       for m in box.probe.msgs[in_control:])
    finally:
        box.close()


def test_journal_ack_and_meter_request_are_sealed(tmp_path, broker):
    """A forged acknowledgement would make the box forget journal entries
    the ledger never counted; a forged meter request, read its meter at
    will.  A keyed box refuses both unsealed, and obeys them sealed."""
    box = Box(tmp_path, broker, "2026-11-23T20:00:00Z").start()
    relay, T0 = box.relay, box.t0
    try:
        box.send("fallback", box.sealed("fallback", fallback(
            relay.box, T0 - 3600, T0 + 86400, {1: (1, []), 2: (0, [])}), exp=T0 + 86400),
            retain=True)
        box.heartbeat()
        box.probe.wait(relay.topic("status"), lambda j: j["mode"] == "gateway")
        entries = relay.state_file("journal.json")["entries"]
        assert entries, "the boot state is journaled"
        upto = max(e["seq"] for e in entries)
        other_key = os.urandom(32)
        for code, payload in [
                ("unsigned", json.dumps({"v": 1, "upto": upto})),
                ("bad_mac", box.sealed("journal/ack", {"v": 1, "upto": upto}, key=other_key)),
                ("bad_mac", box.sealed("tele/get", {"v": 1, "upto": upto}))]:
            since = len(box.probe.msgs)
            box.send("journal/ack", payload)
            box.refused("journal/ack", code, since)
        assert relay.state_file("journal.json")["entries"] == entries
        since = len(box.probe.msgs)
        box.send("tele/get", json.dumps({"v": 1}))
        box.refused("tele/get", "unsigned", since)
        # Sealed: the entries are forgotten (and the same ack again is a
        # duplicate, not an error); the meter request answered.
        ack = box.sealed("journal/ack", {"v": 1, "upto": upto})
        box.send("journal/ack", ack)
        wait_for(lambda: not relay.state_file("journal.json")["entries"], what="journal acked")
        since = len(box.probe.msgs)
        box.send("journal/ack", ack)
        box.send("tele/get", box.sealed("tele/get", {"v": 1}))
        box.probe.wait(relay.topic("tele"), lambda j: True, since=since)
        assert not [m for m in box.probe.msgs[since:] if m[0] == relay.topic("error")]
    finally:
        box.close()
