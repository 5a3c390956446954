"""The `decran screens` and `decran plan` commands, driven as a user would:
real binary, real SQLite file, French by default, English on request."""
import csv
import io
import json
import os
import sqlite3

import pytest

from harness import TOP

DEMO = os.path.join(TOP, "gateway", "demo", "screens.csv")
DEMO_PLAN = os.path.join(TOP, "gateway", "demo", "plan.csv")


def dump(db):
    """Every row of every table, to compare a database before and after."""
    con = sqlite3.connect(db)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return str(p)


def ok(r):
    assert r.returncode == 0, r.stderr
    return r


def listed(decran, *args):
    return json.loads(ok(decran("screens", "list", "--json", *args)).stdout)


def test_missing_database_is_created(decran, db):
    assert not os.path.exists(db)
    r = ok(decran("screens", "list"))
    assert os.path.exists(db)
    assert "0 écran(s)" in r.stdout


def test_add_edit_show_and_history(decran):
    ok(decran("screens", "add", "gare-1", "--name", "Abri Gare", "--category", "transport",
              "--site", "Gare", "--power-on-w", "311", "--power-standby-w", "2",
              "--lat", "50,6391", "--lon", "2.4925", "--transport-furniture", "oui",
              "--service-hours", "05:30-00:30", "--actor", "alice"))
    r = ok(decran("screens", "edit", "gare-1", "--power-on-w", "250,5", "--set", "owner=Lys Mobilités",
                  "--actor", "bob"))
    assert "2 champ(s)" in r.stdout
    s = json.loads(ok(decran("screens", "show", "gare-1", "--json", "--history")).stdout)
    assert s["power_on_w"] == 250.5 and s["owner"] == "Lys Mobilités"
    assert s["lat"] == 50.6391 and s["lon"] == 2.4925
    assert s["transport_furniture"] is True and s["airport"] is False
    hist = [(h["actor"], h["field"], h["old"], h["new"]) for h in s["history"]]
    # one row per changed field, in the inventory's column order
    assert hist == [("alice", "created", "", "Abri Gare"),
                    ("bob", "owner", "", "Lys Mobilités"),
                    ("bob", "power_on_w", "311", "250.5")]
    text = ok(decran("screens", "show", "gare-1", "--history")).stdout
    assert "power_on_w : 311 → 250.5" in text
    fields = text.split("Historique")[0]
    assert "Puissance allumé (W)" in fields and "250,5" in fields and "50,6391" in fields
    # editing to the same value writes nothing
    r = ok(decran("screens", "edit", "gare-1", "--power-on-w", "250.5"))
    assert "aucun changement" in r.stdout
    assert len(json.loads(decran("screens", "show", "gare-1", "--json", "--history").stdout)["history"]) == 3


def test_display_add_edit_show(decran, db):
    """Fixed or animated images decide the transport exemption (R581-35):
    undeclared is 'unknown', French words are understood, a bad value names
    the field and changes nothing."""
    ok(decran("screens", "add", "abri-1", "--name", "Abri Lys", "--category", "advertising",
              "--transport-furniture", "oui", "--service-hours", "05:15-00:45", "--actor", "alice"))
    s = json.loads(ok(decran("screens", "show", "abri-1", "--json")).stdout)
    assert s["display"] == "unknown"
    text = ok(decran("screens", "show", "abri-1")).stdout
    assert "Affichage" in text and "Non déclaré" in text
    # shown right after the service hours, as in exports
    assert text.index("Horaires de service") < text.index("Affichage") < text.index("Boîtier")
    r = ok(decran("screens", "edit", "abri-1", "--display", "animé", "--actor", "bob"))
    assert "1 champ(s)" in r.stdout
    s = json.loads(ok(decran("screens", "show", "abri-1", "--json", "--history")).stdout)
    assert s["display"] == "animated"
    assert ("bob", "display", "unknown", "animated") in [
        (h["actor"], h["field"], h["old"], h["new"]) for h in s["history"]]
    en = ok(decran("screens", "show", "abri-1", lang="en_US.UTF-8")).stdout
    assert "Display" in en and "Animated images" in en
    before = dump(db)
    r = decran("screens", "edit", "abri-1", "--display", "clignotant")
    assert r.returncode == 1 and "display" in r.stderr and "clignotant" in r.stderr
    assert dump(db) == before
    ok(decran("screens", "edit", "abri-1", "--set", "display=fixed"))
    ok(decran("screens", "add", "abri-2", "--name", "Abri 2", "--category", "transport",
              "--display", "FIXED"))
    assert {x["id"]: x["display"] for x in listed(decran)} == {"abri-1": "fixed", "abri-2": "fixed"}
    assert "--display" in ok(decran("screens", "add", "--help")).stdout


def test_add_refuses_bad_values_and_duplicates(decran, db):
    ok(decran("screens", "add", "a1", "--name", "A", "--category", "school"))
    before = dump(db)
    r = decran("screens", "add", "a1", "--name", "A", "--category", "school")
    assert r.returncode == 1 and "existe déjà" in r.stderr
    r = decran("screens", "add", "b1", "--name", "B", "--category", "billboard", "--lat", "95")
    assert r.returncode == 1
    assert "category" in r.stderr and "billboard" in r.stderr and "lat" in r.stderr
    r = decran("screens", "add", "b1", "--name", "B")
    assert r.returncode == 2 and "--category" in r.stderr
    r = decran("screens", "edit", "nope", "--name", "X")
    assert r.returncode == 1 and "inconnu" in r.stderr
    assert dump(db) == before


def test_slate_and_remove(decran):
    ok(decran("screens", "add", "p1", "--name", "Pub", "--category", "advertising"))
    ok(decran("screens", "slate", "p1", "--target", "2027-06-30"))
    s = json.loads(decran("screens", "show", "p1", "--json").stdout)
    assert s["status"] == "slated_for_removal" and s["removal_target"] == "2027-06-30"
    assert decran("screens", "slate", "p1").returncode == 2          # --target required
    assert decran("screens", "slate", "p1", "--target", "2027-02-30").returncode == 1
    ok(decran("screens", "remove", "p1", "--date", "2027-05-02"))
    s = json.loads(decran("screens", "show", "p1", "--json").stdout)
    assert s["status"] == "removed" and s["removal_date"] == "2027-05-02"
    r = decran("screens", "remove", "p1")
    assert r.returncode == 1 and "déjà déposé" in r.stderr
    # never deleted: still listed
    assert [x["id"] for x in listed(decran, "--status", "removed")] == ["p1"]


def test_list_filters_and_sort(decran):
    for sid, cat, site, watts in [("a", "school", "École Jules-Ferry", "90"),
                                  ("b", "school", "Médiathèque", "60"),
                                  ("c", "library", "Médiathèque", "150"),
                                  ("d", "advertising", "Gare", "311")]:
        ok(decran("screens", "add", sid, "--name", sid.upper(), "--category", cat, "--site", site,
                  "--power-on-w", watts))
    ok(decran("screens", "slate", "d", "--target", "2026-12-31"))
    assert [s["id"] for s in listed(decran, "--category", "school")] == ["a", "b"]
    assert [s["id"] for s in listed(decran, "--site", "Médiathèque")] == ["b", "c"]
    assert [s["id"] for s in listed(decran, "--status", "slated_for_removal")] == ["d"]
    assert [s["id"] for s in listed(decran, "--sort", "power_on_w")] == ["b", "a", "c", "d"]
    assert [s["id"] for s in listed(decran, "--sort", "power_on_w", "--desc")] == ["d", "c", "a", "b"]
    text = ok(decran("screens", "list", "--sort", "power_on_w")).stdout
    assert "4 écran(s)" in text and "Médiathèque" in text and "Dépose prévue" in text
    r = decran("screens", "list", "--sort", "nonsense")
    assert r.returncode == 2
    r = decran("screens", "list", "--status", "gone")
    assert r.returncode == 2


def test_import_comma_file_with_quotes_accents_and_decimal_commas(tmp_path, decran):
    f = write(tmp_path, "in.csv",
              'id,name,category,site,power_on_w,power_standby_w,lat,lon,notes\r\n'
              'creche-1,"Crèche « Les Lutins »",early_childhood,Crèche Les Lutins,"65,5",0.6,'
              '"50,6342",2.484,"deux lignes\r\net ""guillemets"", virgule"\r\n'
              'media-1,Médiathèque accueil,library,Médiathèque,110,"1,2",,,\r\n')
    r = ok(decran("screens", "import", f, "--actor", "import-test"))
    assert "2 créée(s)" in r.stdout
    s = json.loads(decran("screens", "show", "creche-1", "--json", "--history").stdout)
    assert s["name"] == "Crèche « Les Lutins »"
    assert s["power_on_w"] == 65.5 and s["power_standby_w"] == 0.6 and s["lat"] == 50.6342
    assert s["notes"] == 'deux lignes\net "guillemets", virgule'
    assert s["history"][0]["actor"] == "import-test"
    m = json.loads(decran("screens", "show", "media-1", "--json").stdout)
    assert m["power_standby_w"] == 1.2 and m["lat"] is None


def test_import_semicolon_file_with_bom(tmp_path, decran):
    f = write(tmp_path, "in.csv",
              "\ufeffid;name;category;surface_m2;power_on_w;status;removal_target\n"
              "pub-1;Mobilier 2 m²;advertising;2;311;slated_for_removal;2026-12-31\n"
              "pub-2;Panneau 8 m²;advertising;8;1650,5;active;\n")
    ok(decran("screens", "import", f))
    got = {s["id"]: s for s in listed(decran)}
    assert got["pub-2"]["power_on_w"] == 1650.5
    assert got["pub-1"]["status"] == "slated_for_removal"


def test_bad_csv_lists_every_error_and_changes_nothing(tmp_path, decran, db):
    ok(decran("screens", "add", "exists-1", "--name", "Déjà là", "--category", "other"))
    before = dump(db)
    f = write(tmp_path, "bad.csv",
              "id,name,category,power_on_w,lat,lon,removal_target,status\n"
              "ok-1,Bon,school,90,50.6,2.4,,active\n"                       # 2 fine
              "num-1,X,school,douze,50.6,2.4,,active\n"                     # 3 bad number
              "cat-1,X,billboard,10,50.6,2.4,,active\n"                     # 4 unknown category
              "ok-1,Encore,school,90,50.6,2.4,,active\n"                    # 5 duplicate in file
              "date-1,X,school,10,50.6,2.4,2026-02-30,slated_for_removal\n"  # 6 wrong date
              "geo-1,X,school,10,95,-200,,active\n"                         # 7 lat and lon out of range
              "exists-1,X,other,10,50.6,2.4,,active\n")                     # 8 already in db
    r = decran("screens", "import", f)
    assert r.returncode == 1
    lines = [l for l in r.stderr.splitlines() if l.startswith(f)]
    expect = [(3, "power_on_w", "douze"), (4, "category", "billboard"), (5, "id", "ligne 2"),
              (6, "removal_target", "2026-02-30"), (7, "lat", "95"), (7, "lon", "-200"),
              (8, "id", "--update")]
    assert len(lines) == len(expect), r.stderr
    for line, (n, col, needle) in zip(lines, expect):
        assert line.startswith("%s:%d: colonne « %s » : " % (f, n, col)), line
        assert needle in line, line
    assert "7 erreur(s) ; rien n'a été importé." in r.stderr
    assert dump(db) == before


def test_missing_required_column(tmp_path, decran, db):
    ok(decran("screens", "list"))
    before = dump(db)
    f = write(tmp_path, "nocat.csv", "id,name,power\nx,X,3\n")
    r = decran("screens", "import", f)
    assert r.returncode == 1
    assert "%s:1: colonne « category » : colonne obligatoire absente" % f in r.stderr
    assert "%s:1: colonne « power » : colonne inconnue" % f in r.stderr
    assert dump(db) == before


def test_import_update_flag(tmp_path, decran):
    f = write(tmp_path, "a.csv", "id,name,category,power_on_w\ns1,Un,other,10\ns2,Deux,other,20\n")
    ok(decran("screens", "import", f))
    g = write(tmp_path, "b.csv", "id,name,category,power_on_w\ns1,Un,other,15\ns2,Deux,other,20\n"
                                 "s3,Trois,other,30\n")
    assert decran("screens", "import", g).returncode == 1
    r = ok(decran("screens", "import", g, "--update", "--actor", "maj"))
    assert "1 créée(s), 1 mise(s) à jour, 1 inchangée(s)" in r.stdout
    h = json.loads(decran("screens", "show", "s1", "--json", "--history").stdout)["history"]
    assert (h[-1]["actor"], h[-1]["field"], h[-1]["old"], h[-1]["new"]) == ("maj", "power_on_w", "10", "15")


def test_english_messages(tmp_path, decran):
    f = write(tmp_path, "bad.csv", "id,name,category\nx,X,billboard\n")
    r = decran("screens", "import", f, lang="en_US.UTF-8")
    assert r.returncode == 1
    assert "%s:2: column 'category': unknown value 'billboard'" % f in r.stderr
    assert "1 error(s); nothing was imported." in r.stderr
    ok(decran("screens", "add", "x", "--name", "X", "--category", "school", "--power-on-w", "1234.5",
              lang="en_US.UTF-8"))
    out = decran("screens", "list", lang="en_US.UTF-8").stdout
    assert "1,234.5 W" in out
    assert "1 screen(s)" in out and "School" in out and "Active" in out
    fr = decran("screens", "list").stdout
    assert "1\u202f234,5 W" in fr


@pytest.mark.parametrize("args", [
    ["screens", "list", "--bogus"], ["screens", "add", "x", "--bogus"], ["screens", "show", "--bogus"],
    ["screens", "import", "--bogus"], ["screens", "export", "--bogus"], ["screens", "slate", "--bogus"],
    ["screens", "remove", "--wat"], ["screens", "edit", "x", "--nope"], ["plan", "show", "--bogus"],
    ["plan", "set", "--bogus"], ["screens", "frobnicate"], ["plan"], ["screens"],
])
def test_unknown_option_is_usage_error(decran, args):
    r = decran(*args)
    assert r.returncode == 2
    assert "usage" in r.stderr
    assert r.stdout == ""


@pytest.mark.parametrize("args", [
    ["screens", "--help"], ["screens", "add", "--help"], ["screens", "edit", "--help"],
    ["screens", "show", "--help"], ["screens", "list", "--help"], ["screens", "slate", "--help"],
    ["screens", "remove", "--help"], ["screens", "import", "--help"], ["screens", "export", "--help"],
    ["plan", "--help"], ["plan", "show", "--help"], ["plan", "set", "--help"],
])
def test_help_everywhere(decran, args):
    r = decran(*args)
    assert r.returncode == 0 and "usage" in r.stdout
    assert "usage" in decran(*args, lang="en_US.UTF-8").stdout


def test_demo_import_counts(decran):
    r = ok(decran("screens", "import", DEMO))
    assert "60 ligne(s) importée(s)" in r.stdout
    screens = listed(decran)
    by_status = {}
    for s in screens:
        by_status[s["status"]] = by_status.get(s["status"], 0) + 1
    assert by_status == {"active": 30, "reduced": 8, "slated_for_removal": 13, "removed": 9}
    assert {s["category"] for s in screens} == {"advertising", "information", "school", "library",
                                                "early_childhood", "transport", "other"}
    assert sum(1 for s in screens if s["airport"]) == 1
    assert all(s["removal_target"] for s in screens if s["status"] == "slated_for_removal")
    assert all(s["removal_date"] for s in screens if s["status"] == "removed")
    assert all(s["service_hours"] == "05:30-00:30" for s in screens if s["transport_furniture"])
    lcd2 = [s for s in screens if s["category"] == "advertising" and s["surface_m2"] == 2]
    assert lcd2 and all(s["power_on_w"] == 311 and s["power_standby_w"] == 2 for s in lcd2)
    ok(decran("plan", "set", "--file", DEMO_PLAN))
    plan = json.loads(ok(decran("plan", "show", "--json")).stdout)
    assert len(plan["targets"]) == 6
    assert plan["screens"]["removed"] == 9


def test_export_csv_round_trips_through_import(tmp_path, decran, db):
    ok(decran("screens", "import", DEMO))
    out = str(tmp_path / "export.csv")
    ok(decran("screens", "export", "-o", out))
    assert not [p for p in os.listdir(tmp_path) if ".tmp." in p]
    rows = list(csv.DictReader(io.open(out, encoding="utf-8", newline="")))
    assert len(rows) == 60 and rows[0]["id"]
    header = next(csv.reader(io.open(out, encoding="utf-8", newline="")))
    assert header[header.index("service_hours") + 1] == "display"
    display = {r["id"]: r["display"] for r in rows}
    assert display["pub-gare-abri-1"] == "fixed" and display["pub-gare-abri-2"] == "animated"
    assert display["pub-flandre-abri"] == "unknown"
    db2 = str(tmp_path / "second.db")
    ok(decran("screens", "import", out, env={"DECRAN_DB": db2}))
    again = decran("screens", "export", env={"DECRAN_DB": db2}).stdout
    assert "\r\n" in io.open(out, encoding="utf-8", newline="").read()   # RFC 4180 line ends
    assert again == io.open(out, encoding="utf-8").read()
    first = listed(decran)
    second = json.loads(decran("screens", "list", "--json", env={"DECRAN_DB": db2}).stdout)
    assert first == second


def test_geojson_export(tmp_path, decran):
    ok(decran("screens", "import", DEMO))
    ok(decran("screens", "add", "nowhere", "--name", "Sans position", "--category", "other"))
    out = str(tmp_path / "screens.geojson")
    ok(decran("screens", "export", "--format", "geojson", "-o", out))
    fc = json.load(open(out, encoding="utf-8"))
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 61
    by_id = {f["id"]: f for f in fc["features"]}
    g = by_id["gare-quai-a"]
    s = json.loads(decran("screens", "show", "gare-quai-a", "--json").stdout)
    assert g["geometry"]["type"] == "Point"
    assert g["geometry"]["coordinates"] == [s["lon"], s["lat"]]   # [lon, lat]
    assert 2 < s["lon"] < 3 and 50 < s["lat"] < 51
    assert g["properties"]["status"] == s["status"] and "lat" not in g["properties"]
    assert g["properties"]["display"] == s["display"] == "fixed"
    assert by_id["nowhere"]["geometry"] is None
    only = json.loads(ok(decran("screens", "export", "--format", "geojson",
                                "--status", "removed")).stdout)
    assert len(only["features"]) == 9
    assert decran("screens", "export", "--format", "xml").returncode == 2


def test_plan_set_show_unset(decran, tmp_path, db):
    ok(decran("plan", "set", "all", "2027-12-31", "12", "--actor", "maire"))
    ok(decran("plan", "set", "advertising", "2026-12-31", "4"))
    assert decran("plan", "set", "billboard", "2026-12-31", "4").returncode == 1
    assert decran("plan", "set", "all", "2026-13-01", "4").returncode == 1
    assert decran("plan", "set", "--", "all", "2026-12-01", "-4").returncode == 1
    p = json.loads(decran("plan", "show", "--json").stdout)
    assert [(t["category"], t["date"], t["target_removed"]) for t in p["targets"]] == \
        [("advertising", "2026-12-31", 4), ("all", "2027-12-31", 12)]
    ok(decran("plan", "unset", "advertising", "2026-12-31"))
    assert decran("plan", "unset", "advertising", "2026-12-31").returncode == 1
    before = dump(db)
    bad = write(tmp_path, "plan.csv", "category,date,removed\nall,2028-01-01,3\nschool,2028-02-30,1\n")
    r = decran("plan", "set", "--file", bad)
    assert r.returncode == 1 and "%s:3: colonne « date »" % bad in r.stderr
    assert dump(db) == before
    text = ok(decran("plan", "show", "--history")).stdout
    assert "31/12/2027" in text and "Toutes" in text
    assert "maire" in text and "plan:all:2027-12-31 : ∅ → 12" in text
    h = json.loads(ok(decran("plan", "show", "--json", "--history")).stdout)["history"]
    assert [(x["field"], x["old"], x["new"]) for x in h] == [
        ("plan:all:2027-12-31", "", "12"), ("plan:advertising:2026-12-31", "", "4"),
        ("plan:advertising:2026-12-31", "4", "")]


def test_corrupt_database_is_refused_and_left_unchanged(tmp_path, decran, db):
    junk = os.urandom(8192)
    with open(db, "wb") as f:
        f.write(junk)
    r = decran("screens", "list")
    assert r.returncode == 1 and "laissé intact" in r.stderr
    r = decran("screens", "add", "x", "--name", "X", "--category", "other")
    assert r.returncode == 1
    assert open(db, "rb").read() == junk
    assert sorted(os.listdir(tmp_path)) == ["decran.db"]


def test_newer_database_is_refused(decran, db):
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (x)")
    con.execute("PRAGMA user_version = 999")
    con.commit()
    con.close()
    raw = open(db, "rb").read()
    r = decran("screens", "list", lang="en_US.UTF-8")
    assert r.returncode == 1
    assert "newer decran (schema 999" in r.stderr
    assert open(db, "rb").read() == raw


def test_audit_trail_is_append_only_in_the_file(decran, db):
    ok(decran("screens", "add", "x", "--name", "X", "--category", "other"))
    con = sqlite3.connect(db)
    with pytest.raises(sqlite3.DatabaseError):
        con.execute("DELETE FROM audit")
    with pytest.raises(sqlite3.DatabaseError):
        con.execute("UPDATE audit SET actor = 'mallory'")
    con.close()


def test_test_clock_stamps_the_audit_trail_and_today(decran):
    """Under $DECRAN_CLOCK the CLI's now is the test clock's start, as the
    gateway's is: audit rows, plan changes and the default removal date."""
    clock = {"DECRAN_CLOCK": "2031-05-06T07:08:09Z"}
    ok(decran("screens", "add", "x", "--name", "X", "--category", "other", env=clock))
    ok(decran("screens", "remove", "x", env=clock))
    ok(decran("plan", "set", "all", "2032-01-01", "1", env=clock))
    s = json.loads(ok(decran("screens", "show", "x", "--json", "--history")).stdout)
    assert s["removal_date"] == "2031-05-06"
    assert [h["at"][:16] for h in s["history"]] == ["2031-05-06T07:08"] * 3
    h = json.loads(ok(decran("plan", "show", "--json", "--history")).stdout)["history"]
    assert [e["at"][:16] for e in h] == ["2031-05-06T07:08"]
    r = decran("screens", "list", env={"DECRAN_CLOCK": "demain"})
    assert r.returncode == 1 and "DECRAN_CLOCK" in r.stderr


def test_large_import_shows_progress(tmp_path, decran):
    rows = ["id;name;category;power_on_w"]
    rows += ["e-%06d;Écran %d;advertising;311" % (i, i) for i in range(50001)]
    f = write(tmp_path, "big.csv", "\n".join(rows) + "\n")
    r = ok(decran("screens", "import", f))
    assert "50\u202f001 ligne(s) importée(s)" in r.stdout
    progress = [l for l in r.stderr.splitlines() if l.startswith("import : ")]
    # One reading of the file: one line per 50,000 rows, with its share.
    assert progress == ["import : %d %% (50\u202f000 lignes)" % int(progress[0].split()[2])]
    assert 90 <= int(progress[0].split()[2]) <= 100


def test_db_option_selects_the_database(tmp_path, decran, db):
    other = str(tmp_path / "other.db")
    ok(decran("--db", other, "screens", "add", "x", "--name", "X", "--category", "other"))
    assert [s["id"] for s in json.loads(decran("--db", other, "screens", "list", "--json").stdout)] == ["x"]
    assert listed(decran) == []


def test_show_in_english(decran):
    ok(decran("screens", "add", "m1", "--name", "Médiathèque", "--category", "library",
              "--removal-target", "2027-01-15", "--status", "slated_for_removal"))
    out = ok(decran("screens", "show", "m1", "--history", lang="en_US.UTF-8")).stdout
    assert "Slated for removal" in out and "2027-01-15" in out and "History:" in out
    assert "created ('Médiathèque')" in out
    r = decran("screens", "show", "nope", lang="en_US.UTF-8")
    assert r.returncode == 1 and "unknown screen 'nope'" in r.stderr


def test_import_killed_midway_leaves_database_whole(tmp_path, decran, db):
    """SIGKILL while the import is writing: the transaction never committed,
    so the database opens cleanly with exactly what it held before."""
    import signal
    import subprocess
    from harness import bin_path
    ok(decran("screens", "add", "before", "--name", "Avant", "--category", "other"))
    rows = ["id,name,category,power_on_w"]
    rows += ["k-%06d,Écran %d,school,90" % (i, i) for i in range(80000)]
    f = write(tmp_path, "big.csv", "\n".join(rows) + "\n")
    env = dict(os.environ, LANG="en_US.UTF-8", LC_ALL="", DECRAN_DB=db)
    p = subprocess.Popen([bin_path("decran"), "screens", "import", f], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for line in p.stderr:      # 50,000 rows read and written, 30,000 to go
            if line.startswith("import: "):
                p.send_signal(signal.SIGKILL)
                break
    finally:
        p.wait(timeout=60)
    assert p.returncode == -signal.SIGKILL, "import finished before it could be killed"
    assert [s["id"] for s in listed(decran)] == ["before"]
    r = ok(decran("screens", "import", f))
    assert "80\u202f000 ligne(s) importée(s)" in r.stdout
