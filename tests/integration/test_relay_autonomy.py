"""decran-relay alone: broker and gateway gone, power cuts, untrusted clock.
Time runs on the injectable test clock (DECRAN_CLOCK=START,SPEED), so a
schedule transition ten virtual minutes away happens in seconds."""
import json
import os
import threading
import time

import pytest

from harness import MqttProbe, Relay, fallback, utc


class Heartbeat:
    """The gateway's heartbeat: retained decran/gateway/status every period."""

    def __init__(self, probe, period=0.1):
        self.probe, self.period = probe, period
        self.stop_ev = threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop_ev.is_set():
            self.probe.publish("decran/gateway/status", {"v": 1, "online": True}, retain=True)
            self.stop_ev.wait(self.period)

    def stop(self, say_offline=False):
        self.stop_ev.set()
        self.t.join()
        if say_offline:
            # what the gateway's clean shutdown (or its last will) leaves retained
            self.probe.publish("decran/gateway/status", {"v": 1, "online": False}, retain=True)


def wait_file(path, timeout=10):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        assert time.monotonic() < deadline, "%s never written" % path
        time.sleep(0.01)


def test_broker_lost_box_switches_off_on_time_and_reports_when_gateway_returns(tmp_path, broker):
    t0 = utc("2026-11-23T21:50:00Z")
    off_at = t0 + 600                      # 22:00, ten virtual minutes away
    speed = 100                             # ... six real seconds
    relay = Relay(tmp_path, broker.port, clock="2026-11-23T21:50:00Z,%d" % speed,
                  extra={"gateway_timeout_s": 60})
    probe = MqttProbe(broker.port)
    hb = None
    try:
        relay.start()
        probe.publish(relay.topic("fallback"),
                      fallback(relay.box, t0 - 3600, t0 + 86400, {1: (1, [off_at]), 2: (0, [])}),
                      retain=True)
        hb = Heartbeat(probe)
        probe.wait(relay.topic("status"), lambda j: j["mode"] == "gateway")
        wait_file(os.path.join(relay.state_dir, "fallback.json"))
        probe.publish(relay.topic("cmd/1"), {"v": 1, "id": "eve-1", "on": True})
        relay.wait_relay(1, 1)
        probe.wait(relay.topic("result"), lambda j: j["id"] == "eve-1")
        # The network goes away well before 22:00.
        hb.stop()
        hb = None
        probe.close()
        broker.stop()
        relay.wait_relay(1, 0, timeout=30)
        # The relay moves first, then the journal is written: poll it.
        # (an "on" entry may precede ours: the schedule arrived while the box
        # was still autonomous after boot, and was applied then)
        deadline = time.monotonic() + 5
        while True:
            offs = [e for e in relay.state_file("journal.json")["entries"]
                    if e["src"] == "fallback" and e["ch"] == 1 and e["on"] is False]
            if offs or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        assert len(offs) == 1
        # On time in virtual time: not before 22:00, and within a few virtual
        # seconds after (one real millisecond is 0.1 virtual second here).
        assert off_at <= offs[0]["t"] <= off_at + 30, offs[0]["t"] - off_at
        assert relay.state_file("state.json")["ch"]["1"]["src"] == "fallback"
        assert relay.relays()[2] == 0

        # The network and the gateway come back: control returns and the box
        # reports what it did alone.
        broker.start()
        probe = MqttProbe(broker.port)
        hb = Heartbeat(probe)
        _, jr = probe.wait(relay.topic("journal"),
                           lambda m: any(e["seq"] == offs[0]["seq"] for e in m["entries"]),
                           timeout=20)
        e = [x for x in jr["entries"] if x["seq"] == offs[0]["seq"]][0]
        assert e == offs[0]
        assert jr["box"] == relay.box and jr["dropped"] == 0
        probe.wait(relay.topic("status"), lambda m: m["mode"] == "gateway" and m["online"])
        _, st = probe.wait(relay.topic("state/1"))
        assert st["on"] is False and st["src"] == "fallback"
        # Acknowledged: the journal empties (persisted) and is not sent again.
        upto = max(x["seq"] for x in jr["entries"])
        probe.publish(relay.topic("journal/ack"), {"v": 1, "upto": upto})
        deadline = time.monotonic() + 10
        while relay.state_file("journal.json")["entries"]:
            assert time.monotonic() < deadline, relay.state_file("journal.json")
            time.sleep(0.02)
        # Control is back with the gateway, but the legal floor stands: after
        # 22:00 the schedule says off, and only an override lights the channel.
        probe.publish(relay.topic("cmd/1"), {"v": 1, "id": "late-0", "on": True})
        _, er = probe.wait(relay.topic("error"), lambda m: m["code"] == "fallback_off")
        assert er["topic"] == relay.topic("cmd/1") and "override" in er["error"]
        assert relay.relays()[1] == 0
        probe.publish(relay.topic("cmd/1"), {"v": 1, "id": "late-1", "on": True,
                                             "ovr": {"until": off_at + 43200, "by": "tech"}})
        relay.wait_relay(1, 1)
    finally:
        if hb:
            hb.stop(say_offline=True)
        probe.close()
        relay.stop()
        if broker.proc is None:
            broker.start()


def boot_box(tmp_path, broker, **kw):
    """A box whose gateway is absent: no retained gateway status on the broker."""
    p = MqttProbe(broker.port, topics=[])
    p.publish("decran/gateway/status", b"", retain=True)
    p.close()
    return Relay(tmp_path, broker.port, clock="2026-11-23T20:00:00Z,1", **kw)


def test_restart_restores_schedule_state_and_remembers_commands(tmp_path, broker):
    t0 = utc("2026-11-23T20:00:00Z")
    relay = boot_box(tmp_path, broker).start()
    fb = fallback(relay.box, t0 - 3600, t0 + 86400, {1: (1, []), 2: (0, [])})
    # Channel 2 off in the schedule: on only by an override (the legal floor).
    derog = {"v": 1, "id": "derog-7", "on": True, "ovr": {"until": t0 + 7200, "by": "mairie"}}
    probe = MqttProbe(broker.port)
    try:
        probe.publish(relay.topic("fallback"), fb, retain=True)
        wait_file(os.path.join(relay.state_dir, "fallback.json"))
        probe.publish(relay.topic("cmd/2"), derog)
        probe.wait(relay.topic("result"), lambda j: j["id"] == "derog-7")
        assert relay.relays() == {1: 1, 2: 1}
        # Power cut; meanwhile the retained schedule disappears from the broker.
        relay.proc.kill()
        relay.proc.wait()
        probe.publish(relay.topic("fallback"), b"", retain=True)
        os.unlink(relay.sim)
        since = len(probe.msgs)
        relay.start()
        # Booted from its own persisted copy of the schedule.
        assert relay.relays() == {1: 1, 2: 0}
        _, st = probe.wait(relay.topic("state/1"), since=since)
        assert st["src"] == "boot" and st["on"] is True
        # The command applied before the cut is still known: answered, not re-applied.
        probe.publish(relay.topic("cmd/2"), derog)
        _, res = probe.wait(relay.topic("result"), lambda j: j["id"] == "derog-7", since=since)
        assert res["dup"] is True
        time.sleep(0.2)
        assert relay.relays()[2] == 0
        boots = [e for e in relay.state_file("journal.json")["entries"] if e["src"] == "boot"]
        assert len(boots) >= 4  # two boots x two channels, journalled for the ledger
    finally:
        probe.close()
        relay.stop()


@pytest.mark.parametrize("safe,expect", [("off", 0), ("on", 1)])
def test_untrusted_clock_applies_safe_state(tmp_path, broker, safe, expect):
    t0 = utc("2026-11-23T20:00:00Z")
    # Safe "on" is only for normally-closed channels declared non-advertising.
    nc = {"wiring": "NC", "advertising": False} if safe == "on" else {}
    relay = boot_box(tmp_path, broker, synced=False, extra={
        "safe_state": safe, "channels": [dict(channel=c, line=4 + c, **nc) for c in (1, 2)]})
    os.makedirs(relay.state_dir)
    with open(os.path.join(relay.state_dir, "fallback.json"), "w") as f:
        # The schedule wants channel 1 on and channel 2 off right now...
        json.dump(fallback(relay.box, t0 - 3600, t0 + 86400, {1: (1, []), 2: (0, [])}), f)
    relay.start()
    probe = MqttProbe(broker.port)
    try:
        # ... but a box that cannot trust its clock cannot trust the schedule.
        assert relay.relays() == {1: expect, 2: expect}
        _, st = probe.wait(relay.topic("status"), lambda j: j["online"])
        assert st["clock"] == "untrusted" and st["fallback"]["until"] == t0 + 86400
        _, s1 = probe.wait(relay.topic("state/1"))
        assert s1["src"] == "boot" and s1["on"] is bool(expect)
        # The gateway, which has its own clock, can still command it.
        probe.publish(relay.topic("cmd/2"), {"v": 1, "id": "u-1", "on": not expect})
        relay.wait_relay(2, 1 - expect)
    finally:
        probe.close()
        relay.stop()
