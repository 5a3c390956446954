"""A whole night in seconds: decran-gateway and real decran-relay boxes (sim
backend) on the same fast test clock.  The gateway switches advertising off
at 22:00 and back on at 07:00; the boxes get their compiled fallback; with
the gateway stopped mid-night a box keeps the schedule alone and reports
what it did when the gateway returns."""
import json
import time

import paho.mqtt.client as mqtt

from gwtest import DecranRelay, Gateway, add_screen, wait_for

# 21:00 in Paris, 2400x: one virtual hour every 1.5 real seconds.
CLOCK = "2026-11-23T20:00:00Z,2400"
BOXES = [{"id": "gare", "driver": "native", "channels": 2},
         {"id": "place", "driver": "native", "channels": 1}]


def test_night_with_native_boxes(broker, tmp_path, db, decran):
    add_screen(decran, "pub-gare", "advertising", "gare", 1)
    add_screen(decran, "info-gare", "information", "gare", 2)
    add_screen(decran, "pub-place", "advertising", "place", 1)
    fallbacks = {}
    watch = mqtt.Client(client_id="fallback-watch")
    watch.on_message = lambda c, u, m: fallbacks.__setitem__(m.topic, m.payload)
    watch.connect("127.0.0.1", broker.port)
    watch.subscribe("decran/+/fallback", qos=1)
    watch.loop_start()
    # The boxes take over after 30 virtual minutes of gateway silence.
    gare = DecranRelay(tmp_path, broker, "gare", 2, CLOCK, gateway_timeout_s=1800).start()
    place = DecranRelay(tmp_path, broker, "place", 1, CLOCK, gateway_timeout_s=1800).start()
    gw = Gateway(tmp_path, broker, BOXES, db, clock=CLOCK)
    gw.cfg["reconcile"]["offline_alarm_s"] = 30
    gw.cfg["heartbeat_s"] = 300     # virtual seconds: 1/8 s real at 2400x
    gw.start()
    try:
        # Before 22:00 (1.5 real seconds): the boxes booted off (safe
        # state); the gateway switches everything on.
        wait_for(lambda: gare.relays() == {1: 1, 2: 1} and place.relays() == {1: 1},
                 timeout=5, what="screens on in the evening")
        assert gw.sql("SELECT count(*) FROM commands WHERE to_state = 'on'")[0][0] == 3
        # Each box got its compiled fallback, retained.
        wait_for(lambda: "decran/gare/fallback" in fallbacks, what="fallback pushed")
        fb = json.loads(fallbacks["decran/gare/fallback"])
        assert fb["v"] == 1 and fb["box"] == "gare" and fb["until"] - fb["from"] == 14 * 86400
        assert set(fb["ch"]) == {"1", "2"}
        # 22:00: advertising off, information stays on.
        wait_for(lambda: gare.relays() == {1: 0, 2: 1} and place.relays() == {1: 0},
                 timeout=8, what="advertising off at 22:00")
        reasons = {r[0] for r in gw.sql("SELECT reason FROM commands WHERE to_state = 'off'")}
        assert reasons == {"policy:advertising-night"}
        # Stop the gateway around midnight; the boxes keep the plan alone.
        gw.stop()
        assert gare.relays() == {1: 0, 2: 1}
        # 07:00 comes (15 real seconds after the start).
        wait_for(lambda: gare.relays()[1] == 1 and place.relays()[1] == 1, timeout=30,
                 what="advertising back on at 07:00, switched by the boxes alone")
        gw.clock = None
        gw.start(clock="2026-11-24T06:30:00Z,1")
        # The journal of what they did alone reaches the log.
        wait_for(lambda: gw.sql("SELECT count(*) FROM box_journal WHERE state = 'on'")[0][0] >= 2,
                 timeout=15, what="journal of autonomous switches recorded")
        rows = gw.sql("SELECT box, channel, src FROM box_journal WHERE state = 'on' ORDER BY box")
        assert ("gare", 1, "fallback") in rows and ("place", 1, "fallback") in rows
    finally:
        gw.stop()
        gare.stop()
        place.stop()
        watch.loop_stop()
        watch.disconnect()


def test_each_box_gets_its_own_screens_whatever_the_config_order(broker, tmp_path, db, decran):
    # Config order is not id order: each box still gets the fallback of the
    # screens bound to it (a screen beyond its box's channels included).
    add_screen(decran, "pub-zulu", "advertising", "zulu", 1)
    add_screen(decran, "pub-alpha", "advertising", "alpha", 2)
    add_screen(decran, "info-alpha", "information", "alpha", 3)
    add_screen(decran, "pub-nowhere", "advertising", "nowhere", 1)
    fallbacks = {}
    watch = mqtt.Client(client_id="fallback-watch")
    watch.on_message = lambda c, u, m: fallbacks.__setitem__(m.topic, json.loads(m.payload))
    watch.connect("127.0.0.1", broker.port)
    watch.subscribe("decran/+/fallback", qos=1)
    watch.loop_start()
    gw = Gateway(tmp_path, broker, [{"id": "zulu", "driver": "native", "channels": 1},
                                    {"id": "alpha", "driver": "native", "channels": 2}], db)
    gw.start()
    try:
        # (The broker is shared by the whole run: other boxes' retained
        # fallbacks may arrive too.)
        wait_for(lambda: {"decran/zulu/fallback", "decran/alpha/fallback"} <= set(fallbacks),
                 what="both fallbacks pushed")
        assert set(fallbacks["decran/zulu/fallback"]["ch"]) == {"1"}
        assert set(fallbacks["decran/alpha/fallback"]["ch"]) == {"2", "3"}
        gw.wait_log(r"screen bound to a box the config does not know screen=pub-nowhere")
        gw.wait_log(r"screen bound beyond the box's channels screen=info-alpha box=alpha")
        assert gw.api({"cmd": "status"})["screens"] == 4
        assert [s for s in gw.channel("alpha", 2)["screens"]] == ["pub-alpha"]
    finally:
        gw.stop()
        watch.loop_stop()
        watch.disconnect()
