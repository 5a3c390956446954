"""A channel the box keeps on when it fails (NC wiring, safe state "on",
hw/watchdog.md) must never carry an advertising screen: R581-35 wants it dark
01:00-06:00, and a failed box would keep it lit.  The box's configuration
lives on the box, so a real decran-relay (sim backend) says each channel's
safe state in its retained status through a real mosquitto, and the gateway
raises "safe_on_advertising" on a channel whose safe state is on while an
advertising screen is bound to it, and clears it when the screen moves."""
import json

from gwtest import DecranRelay, Gateway, LastMessages, PARIS_2200, add_screen, wait_for

BOXES = [{"id": "gare", "driver": "native", "channels": 2}]
# Channel 2 stays lit when the box fails: passenger information.
NC = {2: {"wiring": "NC", "safe_state": "on", "advertising": False}}


def safe_alarms(gw):
    return {(a["box"], a["channel"]) for a in gw.api({"cmd": "alarms"})["alarms"]
            if a["kind"] == "safe_on_advertising"}


def test_advertising_on_a_channel_that_stays_on_when_the_box_fails(broker, tmp_path, db, decran):
    add_screen(decran, "info-gare", "information", "gare", 2)
    add_screen(decran, "pub-gare", "advertising", "gare", 1)
    box = DecranRelay(tmp_path, broker, "gare", 2, PARIS_2200 + ",1", channel_extra=NC).start()
    status = LastMessages(broker, "decran/gare/status", "safe-probe")
    gw = Gateway(tmp_path, broker, BOXES, db, clock=PARIS_2200 + ",1").start()
    try:
        # The box says each channel's safe state in its retained status.
        wait_for(lambda: "decran/gare/status" in status.seen, what="the box's status")
        st = json.loads(status.seen["decran/gare/status"])
        assert st["online"] is True and st["safe"] == {"1": "off", "2": "on"}, st
        gw.wait_log(r"online box=gare")
        # Information on the safe-on channel, advertising on the other: fine.
        assert safe_alarms(gw) == set()

        # The advertising screen moved onto the channel that stays on.
        ans = gw.api({"cmd": "bind", "screen": "pub-gare", "box": "gare", "channel": 2})
        assert ans["ok"], ans
        wait_for(lambda: safe_alarms(gw) == {("gare", 2)}, what="safe_on_advertising alarm")
        gw.wait_log(r"raised kind=safe_on_advertising box=gare channel=2")
        r = decran("alarms", "--socket", gw.sock, lang="fr_FR.UTF-8")
        assert r.returncode == 0 and "publicité sur un canal allumé en panne" in r.stdout, \
            r.stdout + r.stderr

        # A gateway restarted later learns it again from the retained status.
        gw.stop()
        gw.start()
        wait_for(lambda: safe_alarms(gw) == {("gare", 2)}, what="alarm after a restart")

        # Moved back: the alarm clears.
        ans = gw.api({"cmd": "bind", "screen": "pub-gare", "box": "gare", "channel": 1})
        assert ans["ok"], ans
        wait_for(lambda: safe_alarms(gw) == set(), what="alarm cleared")
        gw.wait_log(r"cleared kind=safe_on_advertising box=gare channel=2")

        # The information screen on the safe-on channel turns out to be
        # transport street furniture (it carries advertising: R581-35):
        # the inventory edit reaches the gateway, and the alarm comes back.
        r = decran("screens", "edit", "info-gare", "--set", "transport_furniture=oui",
                   env={"DECRAN_GATEWAY_SOCKET": gw.sock})
        assert r.returncode == 0, r.stderr
        wait_for(lambda: safe_alarms(gw) == {("gare", 2)}, what="alarm for street furniture")
    finally:
        status.close()
        gw.stop()
        box.stop()
