"""Open data over real HTTP (tests/helpers/web_host on loopback): the public
inventory, the map, the downloads of the inventory and of the removal list
(CSV for French spreadsheets, RFC 4180 CSV, GeoJSON), their licence and
date, and the published Table Schemas the CSV files are validated against
(the validator is written here, independently of the C code)."""
import csv
import datetime
import io
import json
import os
import re
import sqlite3
import subprocess
import types
import urllib.error
import urllib.request

import pytest

from harness import TOP, bin_path, stop

HOST = os.path.join(os.path.dirname(bin_path("decran")), "..", "tests", "helpers", "web_host")
SCHEMAS = os.path.join(TOP, "docs", "opendata")
BOM = b"\xef\xbb\xbf"

LONG = "é" * 300                # 600 bytes: stored names are cut at 127
HOSTILE = {
    "h-script": '<script>window.__x=1</script>',
    "h-quotes": 'Abri "gare" l\'ouest; ici, là',
    "h-formula": "=cmd|' /C calc'!A0",
    "h-rtl": "\u202eشاشة\u202c عامة",
    "h-long": LONG,
}
SECRETS = ["NOTE-INTERNE-7731", "boite-secrete", "login-secret"]


def seed(db):
    """Screens written with SQL, independently of the code under test."""
    con = sqlite3.connect(db)
    rows = [
        # id, name, category, site, owner, power, baseline, status, target, removed, lat, lon, surface
        ("adv-1", "Abri gare 1", "advertising", "Gare", "JCDecaux", 300, 24, "slated_for_removal",
         "2020-01-01", None, 48.85, 2.35, 2.5),
        ("adv-3", "Mobilier 3", "advertising", "Centre", "Clear Channel", 250, 24, "removed",
         None, "2026-01-10", 48.86, 2.36, 2),
        ("sch-1", "École Jaurès", "school", "École Jaurès", "Ville", 80.5, 10, "active", None, None,
         48.84, 2.34, 1.25),
        ("lib-1", "Médiathèque", "library", "Médiathèque", "Ville", 120, 11, "reduced", None, None,
         None, None, 0),
    ]
    for i, (sid, name) in enumerate(HOSTILE.items()):
        rows.append((sid, name, "information", name[:90], name[:90], 10 + i, 12,
                     "slated_for_removal", "2099-06-30", None, 48.85 + i / 1000, 2.35, 1))
    for i in range(120):
        rows.append((f"n-{i:03d}", f"Écran {i:03d}", ["information", "transport"][i % 2],
                     f"Site {i % 7}", "Ville", 100 + i, 18, ["active", "reduced"][i % 2], None, None,
                     48.80 + i / 2000, 2.30 + i / 3000, 1.5))
    con.executemany(
        "INSERT INTO screens(id, name, category, site, owner, power_on_w, baseline_hours, status,"
        " removal_target, removal_date, lat, lon, surface_m2) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    # what the public must never see: internal notes, wiring, logins
    con.execute("UPDATE screens SET notes = ?, box = ?, channel = 3 WHERE id = 'adv-1'",
                (SECRETS[0], SECRETS[1]))
    con.execute("INSERT INTO audit(at, actor, screen_id, field, old, new)"
                " VALUES('2026-01-01T00:00:00Z', ?, 'adv-1', 'notes', '', ?)", (SECRETS[2], SECRETS[0]))
    con.commit()
    con.close()


def start_host(db, web_json=None):
    args = [HOST, "--db", db, "--port", "0", "--assets", os.path.join(TOP, "dashboard")]
    if web_json:
        args += ["--web-config", web_json]
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if not line.startswith("listening on http://127.0.0.1:"):
        err = p.stderr.read()
        stop(p)
        raise AssertionError(line + err)
    return p, line.split()[-1]


@pytest.fixture
def web(db, decran):
    r = decran("users", "add", "tech", "--role", "technician", input="un-mot-de-passe-long\n")
    assert r.returncode == 0, r.stderr
    seed(db)
    p, base = start_host(db)
    try:
        yield types.SimpleNamespace(base=base, db=db)
    finally:
        stop(p)


def get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


# --- a Table Schema validator (https://specs.frictionlessdata.io/table-schema/)

def cast(field, text):
    """The value of a non-missing cell, or raise ValueError."""
    t = field["type"]
    if t == "string":
        return text
    if t == "integer":
        if not re.fullmatch(r"[+-]?\d+", text):
            raise ValueError("not an integer")
        return int(text)
    if t == "number":
        dc = field.get("decimalChar", ".")
        if not re.fullmatch(r"[+-]?\d+(" + re.escape(dc) + r"\d+)?", text):
            raise ValueError(f"not a number with decimal char {dc!r}")
        return float(text.replace(dc, "."))
    if t == "date":
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError("not YYYY-MM-DD")
        return datetime.date.fromisoformat(text)
    if t == "boolean":
        if text in field.get("trueValues", ["true", "True", "TRUE", "1"]):
            return True
        if text in field.get("falseValues", ["false", "False", "FALSE", "0"]):
            return False
        raise ValueError("not a boolean")
    raise ValueError("unknown type " + t)


def validate(schema, rows):
    """Errors of rows (header first) against schema: [] when valid."""
    errors = []
    fields = schema["fields"]
    missing = schema.get("missingValues", [""])
    if rows[0] != [f["name"] for f in fields]:
        return [f"header {rows[0]} != {[f['name'] for f in fields]}"]
    seen = {f["name"]: set() for f in fields}
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(fields):
            errors.append(f"row {n}: {len(row)} cells")
            continue
        for f, text in zip(fields, row):
            k = f.get("constraints", {})
            where = f"row {n} {f['name']}={text!r}"
            if text in missing:
                if k.get("required"):
                    errors.append(where + ": required")
                continue
            try:
                v = cast(f, text)
            except ValueError as e:
                errors.append(f"{where}: {e}")
                continue
            if "enum" in k and text not in k["enum"]:
                errors.append(where + ": not in enum")
            if "pattern" in k and not re.fullmatch(k["pattern"], text):
                errors.append(where + ": pattern")
            if "minimum" in k and v < k["minimum"]:
                errors.append(where + ": below minimum")
            if "maximum" in k and v > k["maximum"]:
                errors.append(where + ": above maximum")
            if k.get("unique"):
                if text in seen[f["name"]]:
                    errors.append(where + ": not unique")
                seen[f["name"]].add(text)
    return errors


def read_csv(body, french):
    if french:
        assert body.startswith(BOM)
        return list(csv.reader(io.StringIO(body[3:].decode("utf-8")), delimiter=";"))
    assert not body.startswith(BOM)
    return list(csv.reader(io.StringIO(body.decode("utf-8"))))


DOWNLOADS = [("/screens.csv", "decran-ecrans", False), ("/screens-fr.csv", "decran-ecrans", True),
             ("/slated.csv", "decran-deposes-prevues", False),
             ("/slated-fr.csv", "decran-deposes-prevues", True)]


# --- tests -----------------------------------------------------------------

def test_french_csv_opens_in_a_french_spreadsheet(web):
    status, h, body = get(web.base + "/screens-fr.csv")
    assert status == 200 and h["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith(BOM)                       # Excel reads UTF-8 only with it
    text = body[3:].decode("utf-8")
    assert text.splitlines()[0].startswith("id;name;category;site;")
    rows = {r[0]: r for r in csv.reader(io.StringIO(text), delimiter=";")}
    head = rows["id"]
    adv = dict(zip(head, rows["adv-1"]))
    assert adv["lat"] == "48,85" and adv["lon"] == "2,35"      # decimal comma
    assert adv["surface_m2"] == "2,5" and adv["power_on_w"] == "300"
    assert dict(zip(head, rows["sch-1"]))["power_on_w"] == "80,5"
    assert "École Jaurès" in text                              # accents intact
    # the removal list too
    body = get(web.base + "/slated-fr.csv")[2]
    assert body.startswith(BOM)
    rows = list(csv.reader(io.StringIO(body[3:].decode()), delimiter=";"))
    adv = dict(zip(rows[0], next(r for r in rows if r[0] == "adv-1")))
    assert adv["yearly_kwh_estimate"] == "2628,0" and int(adv["days_left"]) < 0


def test_rfc4180_csv_round_trips_through_the_import(web, tmp_path, decran):
    status, h, body = get(web.base + "/screens.csv")
    assert status == 200 and not body.startswith(BOM)
    assert body.split(b"\r\n")[0].startswith(b"id,name,category,")
    for path, french in (("/screens.csv", False), ("/screens-fr.csv", True)):
        f = tmp_path / ("export-fr.csv" if french else "export.csv")
        f.write_bytes(get(web.base + path)[2])
        db2 = str(tmp_path / ("copy-fr.db" if french else "copy.db"))
        r = subprocess.run([bin_path("decran"), "--db", db2, "screens", "import", str(f)],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        cols = ("id, name, category, site, address, lat, lon, owner, tech, surface_m2, power_on_w,"
                " power_standby_w, baseline_hours, status, removal_target, removal_date, display")
        q = f"SELECT {cols} FROM screens ORDER BY id"
        a = sqlite3.connect(web.db).execute(q).fetchall()
        b = sqlite3.connect(db2).execute(q).fetchall()
        # every public value came back, except the over-long texts the
        # store had cut (on a character boundary)
        assert len(a) == len(b) == 129
        for x, y in zip(a, b):
            if x[0] == "h-long":
                for i in (1, 3, 7):		# name, site, owner
                    assert x[i].startswith(y[i]) and 0 < len(y[i]) < len(x[i]), i
                x = tuple(v for i, v in enumerate(x) if i not in (1, 3, 7))
                y = tuple(v for i, v in enumerate(y) if i not in (1, 3, 7))
            assert x == y, (x, y)
        # and nothing internal travelled
        notes = sqlite3.connect(db2).execute("SELECT notes, box FROM screens WHERE id='adv-1'").fetchone()
        assert notes == ("", None) or notes == ("", "")


def test_csv_files_validate_against_their_published_schema(web):
    for path, name, french in DOWNLOADS:
        status, h, body = get(web.base + path)
        assert status == 200, path
        schema_url = f"/schema/{name}{'-fr' if french else ''}.json"
        assert f"<{schema_url}>; rel=\"describedby\"" in h["Link"]
        schema = json.loads(get(web.base + schema_url)[2])
        rows = read_csv(body, french)
        assert len(rows) > 2
        assert validate(schema, rows) == [], path
        # the validator is not blind: a bad cell, a missing required one
        # and a point in a decimal-comma file are caught
        bad = [list(r) for r in rows]
        col = {n: i for i, n in enumerate(rows[0])}
        bad[1][col["category"]] = "banana"
        bad[2][col["id"]] = ""
        bad[3][col["power_on_w"]] = "1,5" if not french else "1.5"
        errs = validate(schema, bad)
        assert len(errs) == 3, errs
    # every field named by a constraint is in the schema, types as published
    inv = json.loads(get(web.base + "/schema/decran-ecrans.json")[2])
    types_ = {f["name"]: f["type"] for f in inv["fields"]}
    assert types_["lat"] == "number" and types_["removal_target"] == "date"
    assert types_["airport"] == "boolean" and inv["primaryKey"] == "id"
    assert not {"notes", "box", "channel"} & set(types_)


def test_published_schemas_are_the_ones_kept_in_the_repository(web):
    for name in ("decran-ecrans", "decran-deposes-prevues"):
        for suffix in ("", "-fr"):
            served = get(web.base + f"/schema/{name}{suffix}.json")
            with open(os.path.join(SCHEMAS, f"{name}{suffix}.schema.json"), "rb") as f:
                assert served[2] == f.read(), (name, suffix)
            assert served[1]["Content-Type"].startswith("application/json")


def test_geojson_carries_licence_date_and_baseline_hours(web):
    today = datetime.date.today().isoformat()
    for path, n in (("/screens.geojson", 129), ("/slated.geojson", 6)):
        status, h, body = get(web.base + path)
        assert status == 200 and h["Content-Type"].startswith("application/geo+json")
        assert today in h["Content-Disposition"]
        fc = json.loads(body)
        assert fc["type"] == "FeatureCollection" and len(fc["features"]) == n
        assert fc["licence"] == {"name": "Licence Ouverte 2.0 (Etalab)",
                                 "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"}
        assert fc["date"] == today
        assert 'rel="license"' in h["Link"]
        # served again from the page cache: the same headers
        again = get(web.base + path)[1]
        assert again["Content-Disposition"] == h["Content-Disposition"] and again["Link"] == h["Link"]
        feats = {f["id"]: f for f in fc["features"]}
        adv = feats["adv-1"]
        assert adv["geometry"] == {"type": "Point", "coordinates": [2.35, 48.85]}
        assert adv["properties"]["baseline_hours"] == 24
        assert adv["properties"]["power_on_w"] == 300
        if n > 6:
            assert feats["lib-1"]["geometry"] is None
            assert feats["sch-1"]["properties"]["removal_target"] is None
        for f in fc["features"]:
            assert not {"notes", "box", "channel", "lat", "lon"} & set(f["properties"])


def test_public_pages_and_downloads_show_nothing_internal(web):
    for path in ["/screens", "/screens?page=3", "/map", "/screens.csv", "/screens-fr.csv",
                 "/screens.geojson", "/slated.csv", "/slated-fr.csv", "/slated.geojson",
                 "/schema/decran-ecrans.json"]:
        status, _, body = get(web.base + path)
        assert status == 200, path
        for s in SECRETS:
            assert s.encode() not in body, (path, s)


def test_hostile_names_are_inert_everywhere(web):
    pages = {p: get(web.base + p)[2] for p in ["/screens?category=information&per_page=200", "/map"]}
    for path, body in pages.items():
        html = body.decode("utf-8")               # valid UTF-8, even the cut name
        assert "<script>window.__x" not in html, path
        assert "&lt;script&gt;window.__x=1&lt;/script&gt;" in html, path
        assert "Abri &quot;gare&quot; l&#39;ouest" in html or "Abri &quot;gare&quot; l&#x27;ouest" in html
        assert "شاشة" in html
    for path, name, french in DOWNLOADS:
        rows = read_csv(get(web.base + path)[2], french)
        col = rows[0].index("name")
        names = {r[0]: r[col] for r in rows[1:]}
        assert names["h-formula"] == "'" + HOSTILE["h-formula"], path     # formula defused
        assert names["h-script"] == HOSTILE["h-script"]
        assert names["h-quotes"] == HOSTILE["h-quotes"]                   # quoted, intact
        assert names["h-rtl"] == HOSTILE["h-rtl"]
        assert LONG.startswith(names["h-long"]) and len(names["h-long"]) == 63
    for path in ("/screens.geojson", "/slated.geojson"):
        fc = json.loads(get(web.base + path)[2])
        props = {f["id"]: f["properties"] for f in fc["features"]}
        for k in ("h-script", "h-quotes", "h-formula", "h-rtl"):
            assert props[k]["name"] == HOSTILE[k], (path, k)


def test_inventory_page_filters_sorts_and_pages(web):
    status, _, body = get(web.base + "/screens")
    html = body.decode()
    assert status == 200
    assert re.search(r'id="screens-summary">129 écrans', html)
    assert html.count('<tr data-status=') == 50                   # paginated
    assert 'href="/screens?page=3"' in html
    assert 'href="/api/v1/screens"' in html                       # the API, linked
    assert 'rel="license"' in html and "Licence Ouverte 2.0" in html
    # filter by category and status, sorted by power, descending
    html = get(web.base + "/screens?category=transport&status=reduced&sort=power&order=desc")[2].decode()
    ids = re.findall(r'<a href="/screen/([^"]+)">', html)
    want = sorted((i for i in range(120) if i % 2 == 1), key=lambda i: -(100 + i))
    assert ids == [f"n-{i:03d}" for i in want][:50]
    assert 'aria-sort="descending"' in html
    # text search
    html = get(web.base + "/screens?q=jaur")[2].decode()
    assert re.findall(r'<a href="/screen/([^"]+)">', html) == ["sch-1"]
    # bad parameters are named
    for q, name in (("sort=bogus", "sort"), ("status=on", "status"), ("page=0", "page"),
                    ("per_page=501", "per_page"), ("x=1", "x")):
        status, _, body = get(web.base + "/screens?" + q)
        assert status == 400 and name in body.decode(), q


def test_map_is_server_drawn_svg_with_legend_and_text_alternative(web):
    status, h, body = get(web.base + "/map")
    html = body.decode()
    assert status == 200
    svg = re.search(r'<svg class="map".*?</svg>', html, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    # one marker per located screen (lib-1 has no coordinates); shape = status
    assert svg.count("<use ") == 128
    assert svg.count('href="#m3"') == 1 and svg.count('href="#m1"') == 60   # removed, reduced
    assert "1 sans coordonnées" in html
    assert "<image" not in svg and "http" not in svg.replace('http://www.w3.org', '')
    # the text alternative counts the same screens, linking to the lists
    assert 'id="map-table"' in html and '/screens?category=library&amp;status=reduced' in html
    # filters apply
    svg = re.search(r'<svg class="map".*?</svg>',
                    get(web.base + "/map?category=school")[2].decode(), re.S).group(0)
    assert svg.count("<use ") == 1


def test_licence_and_background_are_configurable(db, decran, tmp_path):
    decran("users", "add", "tech", "--role", "technician", input="un-mot-de-passe-long\n")
    seed(db)
    png = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                        "0000000d4944415478da63f8cfc0f01f0005000201a5d1b1a60000000049454e44ae426082")
    (tmp_path / "plan.png").write_bytes(png)
    conf = tmp_path / "web.json"
    conf.write_text(json.dumps({"open_data": {
        "licence": {"name": "ODbL 1.0", "url": "https://opendatacommons.org/licenses/odbl/1-0/"},
        "map_background": {"image": "plan.png", "bbox": [2.30, 48.80, 2.40, 48.90],
                           "attribution": "Plan : Ville de Test"}}}))
    p, base = start_host(db, str(conf))
    try:
        fc = json.loads(get(base + "/screens.geojson")[2])
        assert fc["licence"] == {"name": "ODbL 1.0",
                                 "url": "https://opendatacommons.org/licenses/odbl/1-0/"}
        assert get(base + "/screens.csv")[1]["Link"].startswith(
            '<https://opendatacommons.org/licenses/odbl/1-0/>; rel="license"')
        html = get(base + "/map")[2].decode()
        m = re.search(r'<image [^>]*href="(/map/background\?v=[0-9a-f]{8})"', html)
        assert m and "Plan : Ville de Test" in html
        status, h, img = get(base + m.group(1))
        assert status == 200 and h["Content-Type"] == "image/png" and img == png
        assert "ODbL 1.0" in get(base + "/screens")[2].decode()
    finally:
        stop(p)
    conf.write_text(json.dumps({"open_data": {"map_background": {
        "tiles": "/tuiles/{z}/{x}/{y}.png", "max_zoom": 17}}}))
    p, base = start_host(db, str(conf))
    try:
        svg = re.search(r'<svg class="map".*?</svg>', get(base + "/map")[2].decode(), re.S).group(0)
        tiles = re.findall(r'<image [^>]*href="([^"]+)"', svg)
        assert tiles and all(re.fullmatch(r"/tuiles/\d+/\d+/\d+\.png", t) for t in tiles)
        assert len(tiles) <= 48
    finally:
        stop(p)
    # a third-party tile server is refused at start, naming the field
    conf.write_text(json.dumps({"open_data": {"map_background": {
        "tiles": "https://tile.openstreetmap.org/{z}/{x}/{y}.png"}}}))
    r = subprocess.run([HOST, "--db", db, "--port", "0", "--web-config", str(conf)],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode != 0 and "open_data.map_background.tiles" in r.stderr
