"""Grid alerts over MQTT (decran/gateway/grid-alert), published with paho-mqtt
(a client independent of ours): added and cleared in the running gateway,
answered on .../result; malformed or retained messages are logged with what
and where, answered, and change nothing."""
import json
import os

from gwtest import Gateway, Tasmota, add_screen, wait_for
from harness import MqttProbe

TOPIC = "decran/gateway/grid-alert"
RESULT = TOPIC + "/result"
NOON_PARIS = "2026-11-23T11:00:00Z"


def test_grid_alert_over_mqtt(broker, tmp_path, db, decran):
    name = "ga-" + os.urandom(3).hex()
    add_screen(decran, "pub-ga", "advertising", name, 1)
    tas = Tasmota(broker, name, 1).connect()
    probe = MqttProbe(broker.port, topics=(RESULT,))
    good = {"v": 1, "op": "add", "source": "ecowatt", "until": "2026-11-23T13:00:00Z",
            "categories": ["advertising"], "reason": "EcoWatt rouge"}
    gw = Gateway(tmp_path, broker, [{"id": name, "driver": "tasmota", "topic": name}], db,
                 clock=NOON_PARIS + ",1")

    def alerts():
        return gw.sql("SELECT source, reason, cleared IS NOT NULL FROM grid_alerts")

    def publish(payload, retain=False):
        since = len(probe.msgs)
        probe.publish(TOPIC, payload, retain=retain)
        return probe.wait(RESULT, since=since)[1]
    try:
        # Retained, it would come back at every (re)connection of the
        # gateway: found when the gateway subscribes, it is refused.
        probe.publish(TOPIC, good, retain=True)
        gw.start()
        wait_for(lambda: gw.channel(name, 1)["confirmed"] == "on", what="advertising on at noon")

        # Malformed: logged with the topic and the field, answered, nothing stored.
        for payload, error in [
                ("{\"v\":1,\"op\":\"add\"", "invalid JSON at offset 17"),
                ({"v": 1, "op": "add", "source": "ecowatt"}, "until: required"),
                ({"v": 1, "op": "add", "source": "ecowatt", "until": "2026-11-23T13:00:00Z",
                  "categories": ["neon"]}, "categories[0]: unknown category"),
                ({"v": 1, "op": "add", "source": "ecowatt", "until": "2026-11-23T10:00:00Z"},
                 "until: not after from")]:
            res = publish(payload)
            assert res["ok"] is False and error in res["error"], (payload, res)
            gw.wait_log(r"warn mqtt: malformed payload ignored topic=%s error=\"%s: [^\"]*%s"
                        % (TOPIC, TOPIC, error.replace("[", r"\[").replace("]", r"\]")))
        assert probe.wait(RESULT)[1] == {"v": 1, "ok": False,
                                         "error": "retained message refused"}
        gw.wait_log(r"warn mqtt: malformed payload ignored topic=%s error=\"%s: retained "
                    r"message refused: publish alerts without the retain flag" % (TOPIC, TOPIC))
        # The broker forgets it; the empty payload reaches the gateway: malformed.
        assert "invalid JSON at offset 0" in publish("", retain=True)["error"]
        assert alerts() == []
        assert gw.api({"cmd": "status"})["malformed"] >= 6
        assert tas.state[1] is True and gw.channel(name, 1)["confirmed"] == "on"

        # Added: the advertising screen goes off at once, for the alert.
        res = publish(good)
        assert res["ok"] is True and res["op"] == "add" and res["id"] >= 1
        wait_for(lambda: tas.state[1] is False, what="relay off for the grid alert")
        assert gw.sql("SELECT reason FROM commands") == [("grid-alert",)]
        assert alerts() == [("ecowatt", "EcoWatt rouge", 0)]
        # The operator's view of it (--all: the test clock is not the CLI's).
        listed = json.loads(decran("grid-alert", "list", "--all", "--json").stdout)
        assert [(a["source"], a["categories"]) for a in listed] == [("ecowatt", ["advertising"])]
        gw.wait_log(r"info plan: grid alert added id=%d source=ecowatt "
                    r"from=2026-11-23T11:\d\d:\d\dZ until=2026-11-23T13:00:00Z "
                    r"categories=advertising reason=\"EcoWatt rouge\"" % res["id"])

        # Clearing lifts only the alerts of the same source.
        assert publish({"v": 1, "op": "clear", "source": "someone-else"}) == \
            {"v": 1, "ok": True, "op": "clear", "cleared": 0}
        assert alerts() == [("ecowatt", "EcoWatt rouge", 0)]
        assert publish({"v": 1, "op": "clear", "source": "ecowatt"}) == \
            {"v": 1, "ok": True, "op": "clear", "cleared": 1}
        wait_for(lambda: tas.state[1] is True, what="relay back on once the alert is cleared")
        assert alerts() == [("ecowatt", "EcoWatt rouge", 1)]
        assert gw.sql("SELECT cleared_by FROM grid_alerts") == [("mqtt:ecowatt",)]
    finally:
        probe.publish(TOPIC, "", retain=True)     # never leave it to other tests
        gw.stop()
        probe.close()
        tas.close()
