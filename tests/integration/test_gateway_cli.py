"""The commissioning commands of the decran CLI, through the running
gateway's local API (never around it): boxes list, relay test, bind, alarms,
and override taking effect at once."""
import json
import re

from gwtest import Gateway, Tasmota, add_screen, wait_for

BOXES = [{"id": "kiosque", "driver": "tasmota", "topic": "kiosque", "channels": 3}]


def test_commissioning_commands(broker, tmp_path, db, decran):
    add_screen(decran, "pub-a", "advertising", "kiosque", 1)
    add_screen(decran, "info-b", "information", "kiosque", 2)
    r = decran("screens", "add", "info-c", "--name", "Info C", "--category", "information")
    assert r.returncode == 0, r.stderr
    tas = Tasmota(broker, "kiosque", 3).connect()
    gw = Gateway(tmp_path, broker, BOXES, db, clock="2026-11-23T20:00:00Z,1").start()
    env = {"DECRAN_GATEWAY_SOCKET": gw.sock}
    try:
        gw.wait_log(r"online box=kiosque")
        wait_for(lambda: gw.channel("kiosque", 2)["confirmed"] == "on")

        r = decran("boxes", "list", env=env)
        assert r.returncode == 0, r.stderr
        assert "kiosque" in r.stdout and "tasmota" in r.stdout and "en ligne" in r.stdout
        assert "1:on/on" in r.stdout and "3:-/on" in r.stdout
        r = decran("boxes", "list", "--json", env=env, lang="en_US.UTF-8")
        boxes = json.loads(r.stdout)
        assert boxes[0]["id"] == "kiosque" and boxes[0]["online"] is True
        r = decran("boxes", "list", "--socket", str(tmp_path / "nope.sock"))
        assert r.returncode == 1 and "injoignable" in r.stderr

        r = decran("relay", "test", "kiosque", "2", env=env)
        assert r.returncode == 0, r.stdout + r.stderr
        assert r.stdout.count("confirmé en") == 3 and "Essai réussi" in r.stdout
        # No meter on this relay: confirmed, power not checked.
        assert "puissance non mesurée" in r.stdout
        # The schedule takes channel 2 back (information screens stay on).
        wait_for(lambda: tas.state[2] and gw.channel("kiosque", 2)["confirmed"] == "on")
        r = decran("relay", "test", "kiosque", "17", env=env)
        assert r.returncode == 2
        r = decran("relay", "test", "ghost", "1", env=env, lang="en_US.UTF-8")
        assert r.returncode == 1 and "box" in r.stderr

        # Bind the third channel: the gateway reloads and drives it.
        r = decran("bind", "info-c", "kiosque", "3", env=env)
        assert r.returncode == 0, r.stderr
        assert "Passerelle rechargée." in r.stdout
        wait_for(lambda: gw.channel("kiosque", 3)["screens"] == ["info-c"])
        r = decran("screens", "show", "info-c", "--history")
        assert "kiosque" in r.stdout
        r = decran("bind", "nobody", "kiosque", "3", env=env)
        assert r.returncode == 1
        r = decran("bind", "info-c", "kiosque", "0", env=env)
        assert r.returncode == 2

        # An override written by the CLI applies at once.
        r = decran("override", "add", "info-b", "--off", "--from", "2026-11-23 21:00",
                   "--until", "2026-11-23 23:00", "--reason", "essai", env=env)
        assert r.returncode == 0, r.stderr
        wait_for(lambda: not tas.state[2], what="override applied by the running gateway")
        wait_for(lambda: gw.channel("kiosque", 2)["confirmed"] == "off")
        assert gw.sql("SELECT reason FROM commands WHERE channel = 2 AND to_state = 'off'"
                      " ORDER BY id DESC LIMIT 1") == [("override:force-off",)]

        r = decran("alarms", env=env)
        assert r.returncode == 0 and "Aucune alarme en cours." in r.stdout
        r = decran("alarms", "--history", "--json")
        assert r.returncode == 0 and isinstance(json.loads(r.stdout), list)
    finally:
        gw.stop()
        tas.close()


def test_gateway_warns_of_rules_that_match_no_screen(broker, tmp_path, db, decran):
    """A scope naming a site without its accent, or a derogation naming a
    misspelt screen, concerns no screen: the gateway keeps running but says
    so at start and at every reload; a malformed calendar on reload is
    refused with its line and property, and the running rules are kept."""
    add_screen(decran, "creche-accueil", "early_childhood", "kiosque", 1, site="Crèche Les Coccinelles")
    add_screen(decran, "pub-gare-01", "advertising", "kiosque", 2, site="Gare")
    rules = tmp_path / "rules.json"
    body = {"derogations": [{"reference": "Arrêté 2026-318", "screens": ["pub-gare-1"],
                             "from": "2026-12-31 20:00", "to": "2027-01-01 03:00"}],
            "policies": [{"id": "creche-soir", "scope": {"sites": ["Creche Les Coccinelles"]},
                          "effect": "off", "reason": "Crèche fermée le soir"}]}
    rules.write_text(json.dumps(body))
    tas = Tasmota(broker, "kiosque", 3).connect()
    gw = Gateway(tmp_path, broker, BOXES, db, rules=str(rules), clock="2026-11-23T20:00:00Z,1").start()
    try:
        site = (r'warn plan: rules match no screen .*path=policies\[0\]\.scope\.sites\[0\] '
                r'policy="creche-soir" value="Creche Les Coccinelles" suggestion="Crèche Les Coccinelles"')
        derog = (r'warn plan: rules match no screen .*path=derogations\[0\]\.screens\[0\] '
                 r'derogation="Arrêté 2026-318" value="pub-gare-1" suggestion="pub-gare-01"')
        gw.wait_log(site)
        gw.wait_log(derog)
        assert gw.api({"cmd": "reload"})["ok"]
        wait_for(lambda: len(re.findall(site, gw.log())) == 2, what="the same warning at reload")

        # Fixed: no warning at the next reload, and the crèche goes off.
        body["policies"][0]["scope"]["sites"] = ["Crèche Les Coccinelles"]
        body["derogations"][0]["screens"] = ["pub-gare-01"]
        rules.write_text(json.dumps(body))
        assert gw.api({"cmd": "reload"})["ok"]
        wait_for(lambda: not tas.state[1], what="the crèche switched off")
        assert len(re.findall(site, gw.log())) == 2

        # A calendar whose DTSTART names an unknown zone: refused, rules kept.
        (tmp_path / "v.ics").write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\n"
                                        "DTSTART;TZID=Mars/Olympus:20261123T080000\n"
                                        "END:VEVENT\nEND:VCALENDAR\n")
        body["calendars"] = {"vac": "v.ics"}
        body["policies"][0]["when"] = {"unless_calendar": "vac"}
        rules.write_text(json.dumps(body))
        r = gw.api({"cmd": "reload"})
        assert not r["ok"] and "calendars.vac: v.ics:4: DTSTART:" in r["error"], r
        assert gw.channel("kiosque", 1)["desired"] == "off"
    finally:
        gw.stop()
        tas.close()     # the broker is shared: a device left behind answers for the next test's
