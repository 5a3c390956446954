"""`decran schedule`, `decran override` and `decran grid-alert`, driven as a
user would: real binary, real SQLite file, the demo inventory and rules,
French by default, English on request."""
import json
import os
import shutil
from datetime import datetime, timezone

import pytest

from harness import TOP

DEMO = os.path.join(TOP, "gateway", "demo")


def ok(r):
    assert r.returncode == 0, r.stderr
    return r


def utc(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The CLI's now (overrides in force, --for from now) is the test clock's
    start: before the dates these tests write, whatever day they run."""
    monkeypatch.setenv("DECRAN_CLOCK", "2026-11-23T12:00:00Z")


@pytest.fixture
def city(decran, db, tmp_path):
    """The demo inventory, with rules.json and its calendar beside the database."""
    ok(decran("screens", "import", os.path.join(DEMO, "screens.csv")))
    for f in ("rules.json", "vacances-zone-c.ics"):
        shutil.copy(os.path.join(DEMO, f), tmp_path / f)
    return tmp_path


def test_check_accepts_demo_without_database(decran, db):
    r = ok(decran("schedule", "check", os.path.join(DEMO, "rules.json")))
    assert "Règles valides" in r.stdout and "Europe/Paris" in r.stdout
    assert "advertising-night" in r.stdout
    j = json.loads(ok(decran("schedule", "check", os.path.join(DEMO, "rules.json"), "--json")).stdout)
    assert j["ok"] is True and j["zone"] == "Europe/Paris"
    assert [p["id"] for p in j["policies"]][:4] == ["removed", "early-childhood", "reduced-hours",
                                                    "advertising-night"]
    assert "school-holidays" in j["calendars"]
    assert not os.path.exists(db), "check must not create a database"


def test_check_db_warns_about_undeclared_display(decran, db, city):
    """The demo leaves one bus shelter's display undeclared: `check --db`
    names it as a warning (exit 0), in text and JSON; once declared, no
    warning.  A removed or airport screen is never listed."""
    rules = os.path.join(DEMO, "rules.json")
    r = ok(decran("schedule", "check", rules, "--db", db))
    assert "Règles valides" in r.stdout
    assert "Avertissement : mobilier de transport sans affichage déclaré" in r.stdout
    assert "  pub-flandre-abri (Abribus Rond-point de Flandre)" in r.stdout
    assert "pub-gare-abri-2" not in r.stdout    # declared animated: nothing to complete
    en = ok(decran("schedule", "check", rules, "--db", db, lang="en_US.UTF-8")).stdout
    assert "Warning: transport furniture with no declared display" in en
    j = json.loads(ok(decran("schedule", "check", rules, "--db", db, "--json")).stdout)
    assert j["ok"] is True
    assert [(w["screen"], w["field"]) for w in j["warnings"]] == [("pub-flandre-abri", "display")]
    ok(decran("screens", "add", "abri-aeroport", "--name", "Abri aérogare", "--category",
              "advertising", "--transport-furniture", "oui", "--airport", "oui"))
    ok(decran("screens", "edit", "pub-flandre-abri", "--display", "fixed"))
    j = json.loads(ok(decran("schedule", "check", rules, "--db", db, "--json")).stdout)
    assert j["warnings"] == []
    assert "Avertissement" not in ok(decran("schedule", "check", rules, "--db", db)).stdout
    # without --db nothing is read; a missing database is an error, not created
    assert "Avertissement" not in ok(decran("schedule", "check", rules)).stdout
    missing = str(city / "absent.db")
    r = decran("schedule", "check", rules, "--db", missing)
    assert r.returncode == 1 and "absent.db" in r.stderr
    assert not os.path.exists(missing)


def test_explain_animated_shelter_at_0530(decran, city):
    """The finding: an animated video screen on a bus shelter, service hours
    05:15-00:45, is off at 05:30 and the sentence says the fixed-image
    condition fails; declared fixed, it may be on, and the sentence says the
    condition holds."""
    ok(decran("screens", "add", "abri-video", "--name", "Abri vidéo", "--category", "advertising",
              "--transport-furniture", "oui", "--service-hours", "05:15-00:45",
              "--display", "animated"))
    # the demo's municipal 22:00-07:00 advertising rule would say off too,
    # but the national step comes first and decides
    r = ok(decran("schedule", "explain", "abri-video", "--at", "2027-03-09 05:30"))
    assert ": ÉTEINT" in r.stdout
    night = [l for l in r.stdout.splitlines() if "Règle nationale" in l][0]
    assert night.startswith("=>"), r.stdout
    assert "mais l'exemption exige des images fixes : images animées, condition non remplie" in night
    assert "exemption :" not in night
    en = ok(decran("schedule", "explain", "abri-video", "--at", "2027-03-09 05:30",
                   lang="en_US.UTF-8")).stdout
    assert "requires fixed images: animated images, condition not met" in en
    j = json.loads(ok(decran("schedule", "explain", "abri-video", "--at", "2027-03-09 05:30",
                             "--json")).stdout)
    step = j["steps"][j["decisive"]]
    assert step["kind"] == "night_rule" and j["state"] == "off"
    assert (step["in_service"], step["display"], step["fixed_images"]) == (True, "animated", False)
    ok(decran("screens", "edit", "abri-video", "--display", "unknown"))
    r = ok(decran("schedule", "explain", "abri-video", "--at", "2027-03-09 05:30"))
    assert "affichage non déclaré, traité comme animé, condition non remplie" in r.stdout
    ok(decran("screens", "edit", "abri-video", "--display", "fixed"))
    r = ok(decran("schedule", "explain", "abri-video", "--at", "2027-03-09 05:30"))
    assert "images fixes : condition remplie" in r.stdout


@pytest.mark.parametrize("bad, fr, en", [
    ('{"policies": [{"id": "a", "effect": "off", "reason": "r", '
     '"windows": [{"start": "25:00", "end": "07:00"}]}]}',
     "policies[0].windows[0].start: \"25:00\" n'est pas une heure HH:MM",
     'policies[0].windows[0].start: "25:00" is not a time HH:MM'),
    ('{"policies": [{"id": "a", "efect": "off", "reason": "r"}]}',
     "policies[0].efect: champ inconnu", "policies[0].efect: unknown field"),
    ('{"derogations": [{"screens": ["x"], "from": "2026-12-31 20:00", "to": "2027-01-01 02:00"}],'
     ' "policies": []}',
     "derogations[0].reference: la référence de l'arrêté est obligatoire",
     "derogations[0].reference: the order's reference is required"),
    ('{"policies": [', "JSON invalide à la ligne 1", "invalid JSON at line 1"),
])
def test_check_names_the_field(decran, tmp_path, bad, fr, en):
    f = tmp_path / "bad.json"
    f.write_text(bad)
    r = decran("schedule", "check", str(f))
    assert r.returncode == 1
    assert fr in r.stderr, r.stderr
    r = decran("schedule", "check", str(f), lang="en_US.UTF-8")
    assert r.returncode == 1 and en in r.stderr, r.stderr
    j = json.loads(decran("schedule", "check", str(f), "--json", lang="en_US.UTF-8").stdout)
    assert j["ok"] is False and en in j["error"]


def test_check_bad_calendar_names_file_line_and_property(decran, tmp_path):
    (tmp_path / "v.ics").write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nSUMMARY:x\n"
                                    "DTSTART;TZID=Mars/Olympus:20261017T080000\n"
                                    "END:VEVENT\nEND:VCALENDAR\n")
    (tmp_path / "r.json").write_text('{"calendars": {"vac": "v.ics"}, "policies": []}')
    r = decran("schedule", "check", str(tmp_path / "r.json"))
    assert r.returncode == 1
    assert "calendars.vac: v.ics:5: DTSTART: fuseau TZID « Mars/Olympus » inconnu" in r.stderr, r.stderr


def test_check_with_db_refuses_scopes_that_match_no_screen(decran, city, db):
    """A site without its accent and a misspelt derogation screen compile, but
    concern no screen: `check --db` fails naming the rule, the field and the
    nearest value; without --db the file stays valid (no database needed)."""
    rules = {"derogations": [{"reference": "Arrêté 2026-318", "screens": ["pub-gare-abri1"],
                              "from": "2026-12-31 20:00", "to": "2027-01-01 03:00"}],
             "policies": [{"id": "creche-soir", "scope": {"sites": ["Creche Les Lutins"]},
                           "windows": [{"start": "18:00", "end": "24:00"}],
                           "effect": "off", "reason": "Crèche fermée le soir"}]}
    f = city / "rules.json"
    f.write_text(json.dumps(rules))
    ok(decran("schedule", "check", str(f)))
    r = ok(decran("schedule", "explain", "creche-lutins-accueil", "--at", "2026-11-24 20:00"))
    assert ": ALLUMAGE AUTORISÉ" in r.stdout   # the rule silently missed its screen

    r = decran("schedule", "check", str(f), "--db", db)
    assert r.returncode == 1, r.stdout
    assert ("erreur : policies[0].scope.sites[0] (règle « creche-soir ») : « Creche Les Lutins » "
            "ne correspond à aucun écran ; vouliez-vous dire « Crèche Les Lutins » ?") in r.stderr, r.stderr
    assert ("erreur : derogations[0].screens[0] (dérogation « Arrêté 2026-318 ») : « pub-gare-abri1 » "
            "ne correspond à aucun écran ; vouliez-vous dire « pub-gare-abri-1 » ?") in r.stderr, r.stderr
    assert "2 erreur(s)" in r.stderr and "Règles valides" not in r.stdout
    r = decran("--db", db, "schedule", "check", str(f), lang="en_US.UTF-8")
    assert r.returncode == 1
    assert ('error: policies[0].scope.sites[0] (rule "creche-soir"): "Creche Les Lutins" matches no '
            'screen; did you mean "Crèche Les Lutins"?') in r.stderr, r.stderr
    j = json.loads(decran("schedule", "check", str(f), "--db", db, "--json").stdout)
    assert j["ok"] is False
    assert [(x["severity"], x["path"], x.get("policy") or x.get("derogation"), x["suggestion"])
            for x in j["findings"]] == [
        ("error", "policies[0].scope.sites[0]", "creche-soir", "Crèche Les Lutins"),
        ("error", "derogations[0].screens[0]", "Arrêté 2026-318", "pub-gare-abri-1")]
    r = decran("schedule", "check", str(f), "--db", str(city / "nope.db"))
    assert r.returncode == 1 and "base introuvable" in r.stderr
    assert not (city / "nope.db").exists()

    rules["policies"][0]["scope"]["sites"] = ["Crèche Les Lutins"]
    rules["derogations"][0]["screens"] = ["pub-gare-abri-1"]
    f.write_text(json.dumps(rules))
    r = ok(decran("schedule", "check", str(f), "--db", db))
    assert "Règles valides" in r.stdout and r.stderr == ""
    r = ok(decran("schedule", "explain", "creche-lutins-accueil", "--at", "2026-11-24 20:00"))
    assert ": ÉTEINT" in r.stdout
    # The demo's rules fit the demo's inventory.
    ok(decran("schedule", "check", os.path.join(DEMO, "rules.json"), "--db", db))


def test_timed_calendar_events_cover_exactly_their_instants(decran, city):
    """A calendar server's export (VTIMEZONE, TZID, weekly RRULE, EXDATE, a
    moved RECURRENCE-ID) turns the crèche's screen off exactly during its
    events, also after the spring DST change; a malformed one is refused with
    its line and property and every schedule command says so."""
    shutil.copy(os.path.join(TOP, "tests", "fixtures", "agenda-serveur.ics"), city / "fermetures.ics")
    rules = {"calendars": {"fermetures": "fermetures.ics"}, "policies": [
        {"id": "ateliers", "scope": {"screens": ["creche-lutins-accueil"]},
         "when": {"calendar": "fermetures"}, "effect": "off", "reason": "Ateliers du matin"}]}
    (city / "rules.json").write_text(json.dumps(rules))
    r = ok(decran("schedule", "check", str(city / "rules.json")))
    assert "Règles valides" in r.stdout
    for at, state in [("2027-03-29 07:59", "ALLUMAGE AUTORISÉ"), ("2027-03-29 08:00", "ÉTEINT"),
                      ("2027-03-29 09:59", "ÉTEINT"), ("2027-03-29 10:00", "ALLUMAGE AUTORISÉ"),
                      ("2027-03-09 08:30", "ALLUMAGE AUTORISÉ"),   # EXDATE
                      ("2027-03-30 08:30", "ALLUMAGE AUTORISÉ"),   # moved to the afternoon
                      ("2027-03-30 14:30", "ÉTEINT")]:
        r = ok(decran("schedule", "explain", "creche-lutins-accueil", "--at", at))
        assert f"(Europe/Paris) : {state}" in r.stdout, (at, r.stdout)
    j = json.loads(ok(decran("schedule", "preview", "--screen", "creche-lutins-accueil",
                             "--from", "2027-03-22", "--to", "2027-03-31", "--json")).stdout)
    z = timezone.utc
    got = [(utc(t["at"]), t["state"]) for t in j["screens"][0]["transitions"]]
    assert got == [
        (datetime(2027, 3, 22, 7, 0, tzinfo=z), "off"), (datetime(2027, 3, 22, 9, 0, tzinfo=z), "on"),
        (datetime(2027, 3, 23, 7, 0, tzinfo=z), "off"), (datetime(2027, 3, 23, 9, 0, tzinfo=z), "on"),
        (datetime(2027, 3, 28, 0, 30, tzinfo=z), "off"), (datetime(2027, 3, 28, 1, 30, tzinfo=z), "on"),
        (datetime(2027, 3, 29, 6, 0, tzinfo=z), "off"), (datetime(2027, 3, 29, 8, 0, tzinfo=z), "on"),
        (datetime(2027, 3, 30, 12, 0, tzinfo=z), "off"), (datetime(2027, 3, 30, 14, 0, tzinfo=z), "on"),
    ]

    bad = (city / "fermetures.ics").read_text().replace("DTEND;TZID=Europe/Paris:20270330T160000",
                                                        "DTEND;TZID=Europe/Paris:20270330T120000")
    (city / "fermetures.ics").write_text(bad)
    line = bad.splitlines().index("DTEND;TZID=Europe/Paris:20270330T120000") + 1
    want = f"calendars.fermetures: fermetures.ics:{line}: DTEND: doit suivre DTSTART"
    r = decran("schedule", "check", str(city / "rules.json"))
    assert r.returncode == 1 and want in r.stderr, r.stderr
    r = decran("schedule", "explain", "creche-lutins-accueil", "--at", "2027-03-29 08:00")
    assert r.returncode == 1 and want in r.stderr, r.stderr


def test_explain_in_french_then_english(decran, city):
    r = ok(decran("schedule", "explain", "pub-nationale-12", "--at", "2026-11-24 03:00"))
    assert "Écran pub-nationale-12 le 24/11/2026 03:00 (Europe/Paris) : ÉTEINT" in r.stdout
    assert "=>  2. Règle nationale : publicité lumineuse éteinte de 01:00 à 06:00" in r.stdout
    assert "Règle « advertising-night »" in r.stdout
    assert "s'appliquerait (éteint), mais une règle prioritaire a déjà décidé" in r.stdout
    assert "Prochain changement : 24/11/2026 07:00 → allumé" in r.stdout
    r = ok(decran("schedule", "explain", "pub-nationale-12", "--at", "2026-11-24 12:00",
                  lang="en_US.UTF-8"))
    assert "Screen pub-nationale-12 at 2026-11-24 12:00 (Europe/Paris): MAY BE ON" in r.stdout
    assert "=> 14. No rule forbids it — applies: may be on" in r.stdout
    assert "Next change: 2026-11-24 22:00 → off" in r.stdout
    j = json.loads(ok(decran("schedule", "explain", "ecole-ferry-hall", "--at", "2026-12-21 10:00",
                             "--json")).stdout)
    assert j["state"] == "off"
    d = j["steps"][j["decisive"]]
    assert d == {"kind": "policy", "outcome": "applied", "effect": "off", "policy": "school-holidays"}
    assert utc(j["next_change"]) == datetime(2027, 1, 4, 7, 0, tzinfo=timezone.utc)


def test_explain_errors(decran, city):
    r = decran("schedule", "explain", "nope", "--at", "2026-11-24 03:00")
    assert r.returncode == 1 and "écran inconnu « nope »" in r.stderr
    r = decran("schedule", "explain", "pub-nationale-12", "--at", "24/11/2026")
    assert r.returncode == 2 and "--at" in r.stderr
    r = decran("schedule", "explain", "pub-nationale-12", "--rules", str(city / "missing.json"))
    assert r.returncode == 1 and "missing.json" in r.stderr
    assert decran("schedule", "frobnicate").returncode == 2
    assert ok(decran("schedule", "--help")).stdout.startswith("usage : decran schedule")


def test_rules_location_order(decran, city, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "r.json").write_text('{"zone": "Pacific/Noumea", "policies": []}')
    # beside the database by default
    r = ok(decran("schedule", "explain", "pub-nationale-12", "--at", "2026-11-24 12:00"))
    assert "(Europe/Paris)" in r.stdout
    # $DECRAN_RULES beats it, --rules beats both
    r = ok(decran("schedule", "explain", "pub-nationale-12", "--at", "2026-11-24 12:00",
                  env={"DECRAN_RULES": str(other / "r.json")}))
    assert "(Pacific/Noumea)" in r.stdout
    r = ok(decran("schedule", "explain", "pub-nationale-12", "--at", "2026-11-24 12:00",
                  "--rules", str(city / "rules.json"), env={"DECRAN_RULES": str(other / "r.json")}))
    assert "(Europe/Paris)" in r.stdout


def test_preview_lists_transitions_across_spring_forward(decran, city):
    j = json.loads(ok(decran("schedule", "preview", "--screen", "pub-nationale-12",
                             "--from", "2027-03-27", "--to", "2027-03-29", "--json")).stdout)
    s = j["screens"][0]
    assert s["id"] == "pub-nationale-12" and s["initial"] == "off"
    got = [(utc(t["at"]), t["state"]) for t in s["transitions"]]
    z = timezone.utc
    assert got == [
        (datetime(2027, 3, 27, 6, 0, tzinfo=z), "on"),    # 07:00 CET
        (datetime(2027, 3, 27, 21, 0, tzinfo=z), "off"),  # 22:00 CET
        (datetime(2027, 3, 28, 5, 0, tzinfo=z), "on"),    # 07:00 CEST
        (datetime(2027, 3, 28, 20, 0, tzinfo=z), "off"),  # 22:00 CEST
    ]
    assert [t["local"] for t in s["transitions"]] == ["27/03/2027 07:00", "27/03/2027 22:00",
                                                      "28/03/2027 07:00", "28/03/2027 22:00"]
    r = ok(decran("schedule", "preview", "--from", "2026-11-23", "--to", "2026-11-24"))
    lines = r.stdout.splitlines()
    assert any(l.startswith("creche-lutins-accueil") and "éteint (début de période)" in l for l in lines)
    assert sum(1 for l in lines if l.startswith("ecole-ferry-hall ")) == 3  # start, 08:00, 17:00
    r = decran("schedule", "preview", "--from", "2026-11-24", "--to", "2026-11-23")
    assert r.returncode == 2


def test_overrides_force_off_and_refused_force_on(decran, city):
    r = ok(decran("override", "add", "pub-nationale-12", "--on", "--from", "2026-11-24 00:00",
                  "--until", "2026-11-25 00:00", "--reason", "Essai", "--actor", "alice"))
    assert "Forçage n° 1" in r.stdout
    r = ok(decran("override", "add", "info-mairie-led", "--off", "--from", "2026-11-24 10:00",
                  "--for", "2h", "--reason", "Panne", "--actor", "bob"))
    lst = json.loads(ok(decran("override", "list", "--json")).stdout)
    assert [(o["screen"], o["kind"], o["author"]) for o in lst] == [
        ("pub-nationale-12", "force_on", "alice"), ("info-mairie-led", "force_off", "bob")]
    # force-on beats the municipal 22:00-07:00 rule, not the national one
    r = ok(decran("schedule", "explain", "pub-nationale-12", "--at", "2026-11-24 00:30"))
    assert ": ALLUMAGE AUTORISÉ" in r.stdout and "Forçage à l'allumage par alice" in r.stdout
    r = ok(decran("schedule", "explain", "pub-nationale-12", "--at", "2026-11-24 03:00"))
    assert ": ÉTEINT" in r.stdout
    assert "refusé : une règle prioritaire impose l'arrêt" in r.stdout
    r = ok(decran("schedule", "explain", "info-mairie-led", "--at", "2026-11-24 11:00"))
    assert "=>  2. Forçage à l'arrêt par bob" in r.stdout
    r = ok(decran("schedule", "explain", "info-mairie-led", "--at", "2026-11-24 12:00"))
    assert ": ALLUMAGE AUTORISÉ" in r.stdout
    # refused input
    r = decran("override", "add", "nope", "--off", "--for", "1h", "--reason", "x")
    assert r.returncode == 1 and "écran inconnu" in r.stderr
    r = decran("override", "add", "pub-nationale-12", "--off", "--for", "1h")
    assert r.returncode == 2
    r = decran("override", "add", "pub-nationale-12", "--off", "--reason", "x")
    assert r.returncode == 2 and "--until ou --for" in r.stderr
    # clearing keeps history
    assert "1 forçage(s) levé(s)" in ok(decran("override", "clear", "--screen", "info-mairie-led")).stdout
    assert len(json.loads(ok(decran("override", "list", "--json")).stdout)) == 1
    hist = json.loads(ok(decran("override", "list", "--all", "--json")).stdout)
    assert len(hist) == 2 and "cleared" in hist[1]
    assert decran("override", "clear", "99").returncode == 1


def test_grid_alert(decran, city):
    r = ok(decran("grid-alert", "add", "--from", "2026-12-02 08:00", "--until", "2026-12-02 13:00",
                  "--source", "ecowatt", "--reason", "signal rouge"))
    assert "Alerte réseau n° 1" in r.stdout
    r = ok(decran("schedule", "explain", "info-mairie-led", "--at", "2026-12-02 09:00"))
    assert "=>  3. Alerte de tension sur le réseau électrique (ecowatt" in r.stdout
    r = ok(decran("schedule", "explain", "ecole-ferry-hall", "--at", "2026-12-02 09:00"))
    assert "en cours, mais pas pour la catégorie de cet écran" in r.stdout
    ok(decran("grid-alert", "add", "--from", "2026-12-03 09:00", "--for", "1h",
              "--categories", "school,library"))
    j = json.loads(ok(decran("grid-alert", "list", "--json")).stdout)
    assert j[1]["categories"] == ["school", "library"] and j[1]["source"].startswith("cli:")
    r = ok(decran("schedule", "explain", "ecole-ferry-hall", "--at", "2026-12-03 09:30"))
    assert ": ÉTEINT" in r.stdout
    assert decran("grid-alert", "add", "--for", "1h", "--categories", "pubs").returncode == 2
    assert "2 alerte(s) levée(s)" in ok(decran("grid-alert", "clear", "--all")).stdout
    r = ok(decran("schedule", "explain", "ecole-ferry-hall", "--at", "2026-12-03 09:30"))
    assert ": ALLUMAGE AUTORISÉ" in r.stdout


def test_fallback_message_for_a_box(decran, city):
    r = ok(decran("schedule", "fallback", "coffret-gare", "--from", "2026-11-23", "--days", "2"))
    fb = json.loads(r.stdout)
    assert fb["v"] == 1 and fb["box"] == "coffret-gare"
    assert fb["until"] - fb["from"] == 2 * 86400
    start = datetime(2026, 11, 22, 23, 0, tzinfo=timezone.utc)  # 23/11 00:00 Paris
    assert fb["from"] == int(start.timestamp())
    # transport furniture (service 05:30-00:30): off 01:00-05:30 every night
    assert fb["ch"]["1"] == {"s": 1, "t": [3600, 19800, 86400 + 3600, 86400 + 19800]}
    # advertising on the same box: the municipal 22:00-07:00 rule
    assert fb["ch"]["4"] == {"s": 0, "t": [7 * 3600, 22 * 3600, 86400 + 7 * 3600, 86400 + 22 * 3600]}
    r = decran("schedule", "fallback", "nope", "--from", "2026-11-23")
    assert r.returncode == 1 and "nope" in r.stderr
