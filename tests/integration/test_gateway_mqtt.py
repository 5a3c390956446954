"""decran-gateway against Tasmota and Shelly relays emulated with paho-mqtt,
through a real mosquitto, with the test clock playing the 22:00 edge."""
import json
import os
import subprocess
import time

import paho.mqtt.client as mqtt
import pytest

from gwtest import PARIS_2200, Gateway, Native, Shelly, Tasmota, add_screen, wait_for
from harness import bin_path

BOXES = [
    {"id": "kiosque", "driver": "tasmota", "topic": "kiosque", "channels": 2},
    {"id": "mairie", "driver": "shelly", "prefix": "shellies/mairie", "channels": 1},
]


@pytest.fixture
def fleet(broker, tmp_path, db, decran):
    add_screen(decran, "pub-kiosque", "advertising", "kiosque", 1)
    add_screen(decran, "info-kiosque", "information", "kiosque", 2)
    add_screen(decran, "pub-mairie", "advertising", "mairie", 1)
    t = Tasmota(broker, "kiosque", 2).connect()
    s = Shelly(broker, "shellies/mairie", 1).connect()
    yield t, s
    t.close()
    s.close()


def test_evening_edge_switches_off_advertising_and_logs_it(broker, tmp_path, db, fleet):
    tas, shelly = fleet
    gw = Gateway(tmp_path, broker, BOXES, db, clock=PARIS_2200 + ",4").start()
    try:
        # 21:59:58 local: everything may be on and is on: nothing is sent.
        gw.wait_log(r"info mqtt: connected")
        time.sleep(0.2)
        # Only state queries: the states are known before anything is switched.
        assert [c for c in tas.commands] == []
        assert all(c["method"] == "Switch.GetStatus" for c in shelly.commands)
        # 22:00 local arrives half a real second later.
        wait_for(lambda: not tas.state[1] and not shelly.state[1], what="advertising off")
        wait_for(lambda: gw.channel("kiosque", 1)["confirmed"] == "off")
        wait_for(lambda: gw.channel("mairie", 1)["confirmed"] == "off")
        assert tas.state[2] is True and all(ch == 1 for ch, _ in tas.commands)
        assert gw.channel("kiosque", 2)["confirmed"] == "on"
        rows = gw.sql("SELECT box, channel, screens, from_state, to_state, reason FROM commands"
                      " ORDER BY box")
        assert rows == [
            ("kiosque", 1, "pub-kiosque", "on", "off", "policy:advertising-night"),
            ("mairie", 1, "pub-mairie", "on", "off", "policy:advertising-night"),
        ]
        wait_for(lambda: gw.sql("SELECT count(*) FROM command_outcomes WHERE"
                                " outcome = 'confirmed' AND state = 'off'")[0][0] == 2)
        # The audit log refuses rewriting history.
        with pytest.raises(Exception):
            gw.sql("UPDATE commands SET to_state = 'on'")
        # The Shelly got a proper JSON-RPC request.
        req = [c for c in shelly.commands if c["method"] == "Switch.Set"][0]
        assert req["method"] == "Switch.Set" and req["params"] == {"id": 0, "on": False}
        assert req["src"] == "decran-gw"
        assert "switch box=kiosque channel=1 to=off from=on" in gw.log()
    finally:
        gw.stop()


def test_start_inside_the_night_switches_off_at_once(broker, tmp_path, db, fleet):
    tas, shelly = fleet
    gw = Gateway(tmp_path, broker, BOXES, db, clock="2026-11-24T02:00:00Z,1").start()
    try:
        wait_for(lambda: not tas.state[1] and not shelly.state[1], timeout=5,
                 what="advertising off within seconds of start-up")
        assert tas.state[2] is True
    finally:
        gw.stop()


def test_malformed_payloads_are_logged_and_ignored(broker, tmp_path, db, fleet):
    tas, shelly = fleet
    gw = Gateway(tmp_path, broker, BOXES, db, clock=PARIS_2200 + ",1").start()
    try:
        gw.wait_log(r"info mqtt: connected")
        # "connected" is logged before the subscriptions reach the broker: a
        # state the gateway learned proves they are in place.
        wait_for(lambda: gw.channel("kiosque", 1)["confirmed"] in ("on", "off"),
                 what="the gateway's subscriptions")
        pub = tas.client
        pub.publish("stat/kiosque/RESULT", b"{\"POWER1\":", qos=1)
        pub.publish("stat/kiosque/POWER2", b"\xff\x00garbage", qos=1)
        pub.publish("shellies/mairie/status/switch:0", b"{\"output\":\"yes\"}", qos=1)
        pub.publish("decran-gw/rpc", b"[]", qos=1)
        pub.publish("tele/kiosque/SENSOR", b"{\"ENERGY\":{\"Power\":\"lots\"}}", qos=1)
        gw.wait_log(r"malformed payload ignored topic=stat/kiosque/RESULT error=.*offset")
        gw.wait_log(r"malformed payload ignored topic=stat/kiosque/POWER2 error=.*NUL")
        gw.wait_log(r"malformed payload ignored topic=shellies/mairie/status/switch:0 "
                    r"error=.*switch:0.output")
        gw.wait_log(r"malformed payload ignored topic=decran-gw/rpc")
        gw.wait_log(r"malformed payload ignored topic=tele/kiosque/SENSOR error=.*ENERGY.Power")
        st = gw.api({"cmd": "status"})
        assert st["ok"] and st["malformed"] >= 5
        # Still there and still right.
        wait_for(lambda: gw.channel("kiosque", 2)["confirmed"] == "on")
        assert gw.proc.poll() is None
    finally:
        gw.stop()


def test_native_states_missing_or_mistyped_fields_change_nothing(broker, tmp_path, db, decran):
    """A box's state without its channel, source, command id or time, with a
    field of the wrong type, in another encoding than UTF-8 or with anything
    after the JSON object is counted as malformed, logged with the field, and
    changes nothing: an "off" read from half a message would be a guess."""
    add_screen(decran, "pub-gare", "advertising", "gare", 1)
    box = Native(broker, "gare", 1).connect()
    gw = Gateway(tmp_path, broker, [{"id": "gare", "driver": "native", "channels": 1}], db,
                 clock="2026-11-23T12:00:00Z,1").start()
    try:
        wait_for(lambda: gw.channel("gare", 1)["confirmed"] == "on", what="state learned")
        before = gw.api({"cmd": "status"})["malformed"]
        ok = {"v": 1, "ch": 1, "on": False, "src": "local", "id": None, "t": 1795435200}
        bad = []
        for field in ("ch", "src", "id", "t"):
            bad.append((field, json.dumps({k: v for k, v in ok.items() if k != field}).encode()))
        for field, value in (("ch", "1"), ("src", 3), ("id", 7), ("t", "noon")):
            bad.append((field, json.dumps(dict(ok, **{field: value})).encode()))
        bad.append(("UTF-8", json.dumps(ok).replace('"local"', '"loc\\u00e9"').encode()
                    .replace(b"\\u00e9", b"\xe9")))
        bad.append(("offset", json.dumps(ok).encode() + b"{}"))
        for _, payload in bad:
            box.client.publish("decran/gare/state/1", payload, qos=1)
        for field, _ in bad:
            gw.wait_log(r"malformed payload ignored topic=decran/gare/state/1 error=.*%s" % field)
        wait_for(lambda: gw.api({"cmd": "status"})["malformed"] >= before + len(bad),
                 what="every malformed state counted")
        assert gw.channel("gare", 1)["confirmed"] == "on"
        assert gw.sql("SELECT count(*) FROM commands")[0][0] == 0
        # The same state, complete, is taken.
        box.client.publish("decran/gare/state/1", json.dumps(ok), qos=1)
        wait_for(lambda: gw.channel("gare", 1)["confirmed"] == "off", what="valid state taken")
    finally:
        gw.stop()
        box.close()


def test_unconfirmed_switch_raises_then_clears_an_alarm(broker, tmp_path, db, fleet):
    tas, shelly = fleet
    tas.obey = False
    alarms = {}

    def on_msg(c, u, m):
        alarms[m.topic] = m.payload.decode()
    sub = mqtt.Client(client_id="alarm-watch")
    sub.on_message = on_msg
    sub.connect("127.0.0.1", broker.port)
    sub.subscribe("decran/gateway/alarm/#", qos=1)
    sub.loop_start()
    gw = Gateway(tmp_path, broker, BOXES, db, clock="2026-11-24T02:00:00Z,1").start()
    try:
        topic = "decran/gateway/alarm/unconfirmed/kiosque/1"
        # retries with backoff come first: ~5 s alone, more on a loaded machine
        wait_for(lambda: alarms.get(topic, "").startswith("{"), timeout=30, what="alarm")
        a = json.loads(alarms[topic])
        assert a["kind"] == "unconfirmed" and a["box"] == "kiosque" and a["channel"] == 1
        # The broker may still hold an earlier test's retained alarm on this
        # topic: the gateway's own list says when this one is raised.
        wait_for(lambda: any(x["kind"] == "unconfirmed" for x in gw.api({"cmd": "alarms"})["alarms"]),
                 timeout=30, what="alarm in the gateway's list")
        # Retries went on with backoff while it refused.
        assert len(tas.commands) >= 3
        tas.obey = True
        wait_for(lambda: alarms.get(topic) == "", timeout=30, what="alarm cleared")
        assert not tas.state[1]
        kinds = gw.sql("SELECT kind, active FROM alarm_events WHERE box = 'kiosque' ORDER BY id")
        # At 03:00 an advertising screen that stays on also breaks the night rule.
        assert [k for k in kinds if k[0] == "unconfirmed"] == [("unconfirmed", 1), ("unconfirmed", 0)]
        assert [k for k in kinds if k[0] == "compliance"] == [("compliance", 1), ("compliance", 0)]
        outcomes = [r[0] for r in gw.sql("SELECT outcome FROM command_outcomes ORDER BY rowid")]
        assert "unconfirmed" in outcomes and outcomes[-1] == "confirmed"
    finally:
        gw.stop()
        sub.loop_stop()
        sub.disconnect()


def test_a_silent_device_left_on_raises_the_compliance_alarm_when_the_night_begins(
        broker, tmp_path, db, fleet):
    """00:59:25 in Paris: the plan wants the advertising screen off, the
    relay ignores every "off" and says nothing more.  The "unconfirmed"
    alarm comes before 01:00, when the screen is still allowed; no report
    will come after it, yet at 01:00 the screen, last known on, breaks the
    night rule: the "compliance" alarm is raised then."""
    tas, _shelly = fleet
    tas.obey = False
    gw = Gateway(tmp_path, broker, BOXES, db, clock="2026-11-23T23:59:25Z,1").start()
    try:
        def raised(kind):
            return gw.sql("SELECT at FROM alarm_events WHERE kind = ? AND box = 'kiosque'"
                          " AND channel = 1 AND active = 1", kind)
        wait_for(lambda: raised("unconfirmed"), timeout=30, what="unconfirmed alarm")
        assert raised("unconfirmed")[0][0] < "2026-11-24T00:00:00", raised("unconfirmed")
        assert raised("compliance") == []
        wait_for(lambda: raised("compliance"), timeout=60, what="compliance alarm after 01:00")
        assert raised("compliance")[0][0] >= "2026-11-24T00:00:00", raised("compliance")
        assert tas.state[1] is True
        assert any(a["kind"] == "compliance" and a["channel"] == 1
                   for a in gw.api({"cmd": "alarms"})["alarms"])
    finally:
        gw.stop()


def test_box_offline_alarm_and_return(broker, tmp_path, db, fleet):
    tas, shelly = fleet
    gw = Gateway(tmp_path, broker, BOXES, db, clock=PARIS_2200 + ",1").start()
    try:
        gw.wait_log(r"online box=kiosque driver=tasmota")
        tas.crash()
        gw.wait_log(r"offline box=kiosque driver=tasmota", timeout=10)
        gw.wait_log(r"alarm: raised kind=offline box=kiosque", timeout=5)
        assert any(a["kind"] == "offline" and a["box"] == "kiosque"
                   for a in gw.api({"cmd": "alarms"})["alarms"])
        # While it is away the 22:00 edge passes; when it returns it is switched off.
        back = Tasmota(broker, "kiosque", 2).connect()
        try:
            gw.wait_log(r"alarm: cleared kind=offline box=kiosque", timeout=10)
            wait_for(lambda: not back.state[1], timeout=10, what="switched off after return")
            assert back.state[2] is True
        finally:
            back.close()
    finally:
        gw.stop()


def test_broker_restart_mid_night(broker, tmp_path, db, fleet):
    tas, shelly = fleet
    gw = Gateway(tmp_path, broker, BOXES, db, clock=PARIS_2200 + ",1").start()
    try:
        gw.wait_log(r"info mqtt: connected")
        broker.restart()
        # Emulators reconnect by themselves (paho loop); so does the gateway.
        wait_for(lambda: gw.log().count("info mqtt: connected") >= 2, timeout=15,
                 what="gateway reconnected")
        wait_for(lambda: not tas.state[1] and not shelly.state[1], timeout=15,
                 what="advertising off after the broker came back")
        assert gw.proc.poll() is None
    finally:
        gw.stop()


def test_reload_and_relay_test_over_the_local_api(broker, tmp_path, db, fleet, decran):
    tas, shelly = fleet
    gw = Gateway(tmp_path, broker, BOXES, db, clock=PARIS_2200 + ",1").start()
    try:
        gw.wait_log(r"info mqtt: connected")
        tas.sensor(42.0, 1.5)
        before = len(tas.commands)
        res = gw.api({"cmd": "relay-test", "box": "kiosque", "channel": 2})
        assert res["ok"], res
        assert [s["to"] for s in res["steps"]] == ["off", "on", "off"]
        assert all(s["confirmed"] for s in res["steps"])
        # (the schedule may already be taking the channel back: a 4th command)
        assert [v for ch, v in tas.commands[before:] if ch == 2][:3] == ["OFF", "ON", "OFF"]
        # The schedule takes the channel back: information screens stay on.
        wait_for(lambda: tas.state[2], what="channel 2 back on")
        bad = gw.api({"cmd": "relay-test", "box": "nope", "channel": 1})
        assert not bad["ok"] and "box" in bad["error"]
        # A bad config on reload is refused and the running one kept.
        gw.cfg["boxes"] = [{"id": "x", "driver": "zigbee"}]
        gw.write_config()
        r = gw.api({"cmd": "reload"})
        assert not r["ok"] and "boxes[0].driver" in r["error"]
        assert len(gw.api({"cmd": "boxes"})["boxes"]) == 2
    finally:
        gw.stop()


def test_relay_test_never_lights_advertising_in_the_legal_night(broker, tmp_path, db, fleet):
    """01:30 in Paris: a relay test on a channel with an advertising screen
    would hold it lit for its dwell (R581-35): refused, nothing sent; an
    information screen's channel may still be tested."""
    tas, _shelly = fleet
    gw = Gateway(tmp_path, broker, BOXES, db, clock="2026-11-24T00:30:00Z,1").start()
    try:
        gw.wait_log(r"info mqtt: connected")
        wait_for(lambda: tas.state.get(1) is False, what="advertising off at 01:30")
        before = len(tas.commands)
        res = gw.api({"cmd": "relay-test", "box": "kiosque", "channel": 1, "dwell_s": 0})
        assert not res["ok"] and "R581-35" in res["error"], res
        assert [c for c in tas.commands[before:] if c[0] == 1] == []
        assert tas.state.get(1) is False
        ok = gw.api({"cmd": "relay-test", "box": "kiosque", "channel": 2, "dwell_s": 0})
        assert ok["ok"], ok
    finally:
        gw.stop()


def test_inventory_edits_reach_the_running_gateway(broker, tmp_path, db, decran, fleet):
    """01:30 in Paris, the gateway running: the information screen becomes
    an advertising one (`decran screens edit`), then a second channel's
    screen is imported as advertising (`decran screens import --update`):
    the gateway switches each channel off at once, without a reload or a
    restart, and says why."""
    tas, _shelly = fleet
    add_screen(decran, "info-2", "information", "kiosque", 3)
    tas.state[3] = True
    boxes = [dict(b) for b in BOXES]
    boxes[0]["channels"] = 3
    gw = Gateway(tmp_path, broker, boxes, db, clock="2026-11-24T00:30:00Z,1").start()
    env = {"DECRAN_GATEWAY_SOCKET": gw.sock}
    try:
        gw.wait_log(r"info mqtt: connected")
        wait_for(lambda: gw.channel("kiosque", 2)["confirmed"] == "on", what="information on")
        r = decran("screens", "edit", "info-kiosque", "--category", "advertising", env=env)
        assert r.returncode == 0, r.stderr
        assert "Passerelle informée." in r.stdout, r.stdout + r.stderr
        wait_for(lambda: tas.state[2] is False, what="the edited screen's relay off")
        wait_for(lambda: gw.channel("kiosque", 2)["confirmed"] == "off")
        assert gw.sql("SELECT reason FROM commands WHERE channel = 2 ORDER BY rowid DESC"
                      " LIMIT 1")[0][0] == "night:R581-35"
        assert tas.state[3] is True
        csv = tmp_path / "update.csv"
        csv.write_text("id,name,category,box,channel\ninfo-2,info-2,advertising,kiosque,3\n")
        r = decran("screens", "import", str(csv), "--update", env=env)
        assert r.returncode == 0, r.stderr
        assert "Passerelle informée." in r.stdout, r.stdout + r.stderr
        wait_for(lambda: tas.state[3] is False, what="the imported screen's relay off")
        # Without a gateway to tell (no socket), the edit says nothing of one.
        r = decran("screens", "edit", "info-2", "--name", "Info 2",
                   env={"DECRAN_GATEWAY_SOCKET": str(tmp_path / "none.sock")})
        assert r.returncode == 0 and "Passerelle" not in r.stdout + r.stderr, r
    finally:
        gw.stop()


def test_relay_test_that_would_end_in_the_legal_night_is_refused(broker, tmp_path, db, fleet):
    """00:59:50 in Paris: the advertising screen may still be lit, but a
    test's "on" step would hold it past 01:00: refused before anything is
    sent.  The information screen's channel may still be tested."""
    tas, _shelly = fleet
    gw = Gateway(tmp_path, broker, BOXES, db, clock="2026-11-23T23:59:50Z,1").start()
    try:
        gw.wait_log(r"info mqtt: connected")
        before = len(tas.commands)
        res = gw.api({"cmd": "relay-test", "box": "kiosque", "channel": 1, "dwell_s": 0})
        assert not res["ok"] and "before the test would end" in res["error"], res
        assert "R581-35" in res["error"], res
        assert ("ON" not in [v for c, v in tas.commands[before:] if c == 1])
        ok = gw.api({"cmd": "relay-test", "box": "kiosque", "channel": 2, "dwell_s": 0})
        assert ok["ok"], ok
    finally:
        gw.stop()


def test_relay_test_whose_first_step_ends_in_the_legal_night_never_lights(
        broker, tmp_path, db, fleet):
    """The clock runs 30 times fast from 00:56 in Paris; the test's first
    "off" step holds 8 real seconds (4 virtual minutes), so its "on" step
    would go out after 01:00: the test stops there, the screen is never
    commanded on, and the schedule keeps it off."""
    tas, _shelly = fleet
    gw = Gateway(tmp_path, broker, BOXES, db, clock="2026-11-23T23:56:00Z,30").start()
    try:
        gw.wait_log(r"info mqtt: connected")
        before = len(tas.commands)
        res = gw.api({"cmd": "relay-test", "box": "kiosque", "channel": 1, "dwell_s": 8},
                     timeout=60)
        assert not res["ok"], res
        assert "stopped before lighting" in res["error"], res
        assert [s["to"] for s in res["steps"]] == ["off"], res
        assert "ON" not in [v for c, v in tas.commands[before:] if c == 1], tas.commands
        assert tas.state.get(1) is False
        st = gw.channel("kiosque", 1)
        assert st["desired"] == "off", st
    finally:
        gw.stop()


def test_an_unsynchronised_clock_holds_advertising_off(broker, tmp_path, db, fleet):
    """21:00 in Paris, when advertising may be lit, but the kernel says no
    NTP disciplines the clock (DECRAN_CLOCK_SYNCED=0 answers for it): the
    time may be wrong (a Pi without RTC restored to the evening before a
    02:00 reboot), so the advertising channel is switched off and cannot be
    tested; the information channel follows the schedule.  With
    "clock_unsynced": "trust" (a real-time clock without NTP) the schedule
    applies; any other value is refused."""
    tas, _shelly = fleet
    gw = Gateway(tmp_path, broker, BOXES, db, clock="2026-11-23T20:00:00Z,1")
    gw.env = {"DECRAN_CLOCK_SYNCED": "0"}
    gw.start()
    try:
        gw.wait_log(r"info mqtt: connected")
        wait_for(lambda: tas.state[1] is False, what="advertising held off")
        assert tas.state[2] is True
        assert gw.api({"cmd": "status"})["clock_trusted"] is False
        assert gw.sql("SELECT reason FROM commands WHERE box = 'kiosque' AND channel = 1")[-1][0] \
            == "clock:untrusted"
        gw.wait_log(r"warn main: clock not synchronised")
        res = gw.api({"cmd": "relay-test", "box": "kiosque", "channel": 1, "dwell_s": 0})
        assert not res["ok"] and "clock is not synchronised" in res["error"], res
        ok = gw.api({"cmd": "relay-test", "box": "kiosque", "channel": 2, "dwell_s": 0})
        assert ok["ok"], ok
    finally:
        gw.stop()

    tas.state[1] = True
    gw.cfg["clock_unsynced"] = "trust"
    gw.start()
    try:
        gw.wait_log(r"info mqtt: connected")
        assert gw.api({"cmd": "status"})["clock_trusted"] is True
        time.sleep(1.0)     # time enough for a command, were one to go
        assert tas.state[1] is True
    finally:
        gw.stop()

    gw.cfg["clock_unsynced"] = "maybe"
    gw.write_config()
    r = subprocess.run([bin_path("decran-gateway"), "-n", "-c", gw.cfg_path],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "clock_unsynced" in r.stderr, r.stderr
