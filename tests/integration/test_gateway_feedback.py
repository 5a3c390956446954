"""Contactor feedback end to end (hw/feedback.md): a real decran-relay on the
sim backend reads its contactors' auxiliary contacts, reports them in its
state messages through a real mosquitto, and the gateway raises "stuck"
(contacteur bloqué) per channel when a contact contradicts the relay, with no
meter in the box, and clears it when they agree again."""
import json

from gwtest import DecranRelay, Gateway, LastMessages, PARIS_2200, add_screen, wait_for

BOXES = [{"id": "gare", "driver": "native", "channels": 2}]
FEEDBACK = {1: {"feedback": {"line": 22}}, 2: {"feedback": {"line": 23}}}


def stuck(gw):
    return {(a["box"], a["channel"]) for a in gw.api({"cmd": "alarms"})["alarms"]
            if a["kind"] == "stuck"}


def test_welded_and_dead_contactors_raise_stuck_per_channel(broker, tmp_path, db, decran):
    add_screen(decran, "pub-gare", "advertising", "gare", 1)
    add_screen(decran, "info-gare", "information", "gare", 2)
    # 21:59:58 in Paris at 1x: both screens on now, advertising off at 22:00.
    box = DecranRelay(tmp_path, broker, "gare", 2, PARIS_2200 + ",1", channel_extra=FEEDBACK,
                      extra={"feedback_debounce_ms": 100, "feedback_check_s": 1})
    box.weld({1: 1})        # channel 1's contactor is welded shut
    box.start()
    gw = Gateway(tmp_path, broker, BOXES, db, clock=PARIS_2200 + ",1").start()
    states = LastMessages(broker, "decran/gare/state/+", "fb-probe")
    try:
        wait_for(lambda: box.relays() == {1: 1, 2: 1}, what="screens on in the evening")
        # The box booted off with its contactor welded (stuck); on, they agree.
        wait_for(lambda: stuck(gw) == set(), what="on and welded shut agree")
        # 22:00: the advertising relay opens, its contactor does not.
        wait_for(lambda: box.relays() == {1: 0, 2: 1}, timeout=15, what="advertising off")
        wait_for(lambda: stuck(gw) == {("gare", 1)}, timeout=15, what="stuck alarm on channel 1")
        # (a state sent before the contact settled carries no "fb": the
        # settled one follows it)
        wait_for(lambda: json.loads(states.seen["decran/gare/state/1"]).get("fb") is True,
                 what="state 1 with its feedback: %s" % states.seen)
        st = json.loads(states.seen["decran/gare/state/1"])
        assert st["on"] is False and st["fb"] is True
        r = decran("alarms", "--socket", gw.sock, lang="fr_FR.UTF-8")
        assert r.returncode == 0 and "contacteur bloqué" in r.stdout, r.stdout + r.stderr
        # Channel 2's coil burns out: the relay says on, the contact opens.
        box.weld({1: 1, 2: 0})
        wait_for(lambda: stuck(gw) == {("gare", 1), ("gare", 2)}, timeout=15,
                 what="stuck alarm on channel 2 too")
        # Repaired: the contacts follow the coils again, the alarms clear.
        box.weld({})
        wait_for(lambda: stuck(gw) == set(), timeout=15, what="stuck alarms cleared")
        assert "raised kind=stuck box=gare channel=1" in gw.log()
        assert "cleared kind=stuck box=gare channel=2" in gw.log()
        # The box stops: channel 2 goes to its safe state (off) before the
        # contact can follow; its last state says so without "fb", and no
        # stuck alarm follows.
        box.stop()
        wait_for(lambda: json.loads(states.seen["decran/gare/state/2"])["on"] is False,
                 what="safe state published: %s" % states.seen)
        assert "fb" not in json.loads(states.seen["decran/gare/state/2"])
        assert stuck(gw) == set()
    finally:
        states.close()
        gw.stop()
        box.stop()
