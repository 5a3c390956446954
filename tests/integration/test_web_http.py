"""The dashboard over real HTTP (tests/helpers/web_host on loopback): headers,
caching, compression, parameter validation, exports, API, metrics, and the
`decran users` CLI.  Browser journeys live in tests/e2e."""
import csv
import datetime
import gzip
import io
import json
import os
import sqlite3
import subprocess
import types
import urllib.error
import urllib.parse
import urllib.request
from zoneinfo import ZoneInfo

import pytest

from harness import TOP, bin_path, stop

HOST = os.path.join(os.path.dirname(bin_path("decran")), "..", "tests", "helpers", "web_host")
PASSWORD = "un-mot-de-passe-long"


def seed(db):
    """Screens written with SQL, independently of the code under test."""
    con = sqlite3.connect(db)
    rows = [
        ("adv-1", "Abri gare 1", "advertising", "Gare", "JCDecaux", 300, 24, "slated_for_removal", "2020-01-01", None, 48.85, 2.35),
        ("adv-2", "=cmd|' /C calc'!A0", "advertising", "Gare", "JCDecaux", 200, 12, "slated_for_removal", "2099-06-30", None, None, None),
        ("adv-3", "Mobilier 3", "advertising", "Centre", "Clear Channel", 250, 24, "removed", None, "2026-01-10", None, None),
        ("sch-1", "École <b>Jaurès</b>", "school", "École Jaurès", "Ville", 80, 10, "active", None, None, None, None),
        ("lib-1", "Médiathèque", "library", "Médiathèque", "Ville", 120, 11, "reduced", None, None, None, None),
    ]
    con.executemany("INSERT INTO screens(id, name, category, site, owner, power_on_w, baseline_hours,"
                    " status, removal_target, removal_date, lat, lon) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    con.execute("INSERT INTO plan_targets VALUES('all', '2099-12-31', 3)")
    con.commit()
    con.close()


@pytest.fixture
def web(db, decran):
    r = decran("users", "add", "tech", "--role", "technician", input=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    seed(db)
    p = subprocess.Popen([HOST, "--db", db, "--port", "0", "--sim-boxes", "--price", "0.2",
                          "--assets", os.path.join(TOP, "dashboard")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), line + p.stderr.read()
        yield types.SimpleNamespace(base=line.split()[-1], db=db)
    finally:
        stop(p)


def get(url, headers=None, method="GET", data=None):
    req = urllib.request.Request(url, headers=headers or {}, method=method, data=data)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_security_headers_on_every_answer(web):
    for path in ["/", "/slated", "/slated.csv", "/api/v1/progress", "/metrics", "/nope",
                 "/slated?bad=1", "/static/style.css", "/login"]:
        status, h, _ = get(web.base + path)
        assert h["Content-Security-Policy"].startswith("default-src 'self'"), path
        assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
        assert h["X-Frame-Options"] == "DENY"
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "same-origin"


def test_etag_304_and_gzip(web):
    status, h, body = get(web.base + "/")
    assert status == 200 and h["ETag"]
    assert get(web.base + "/", {"If-None-Match": h["ETag"]})[0] == 304
    status, hz, gz = get(web.base + "/", {"Accept-Encoding": "gzip"})
    assert hz["Content-Encoding"] == "gzip"
    assert gzip.decompress(gz) == body
    assert hz["ETag"] != h["ETag"]		# another representation, another tag
    assert get(web.base + "/", {"Accept-Encoding": "gzip", "If-None-Match": hz["ETag"]})[0] == 304
    assert "Content-Encoding" not in get(web.base + "/", {"Accept-Encoding": "gzip;q=0"})[1]
    # a change in the database changes the page and its tag
    con = sqlite3.connect(web.db)
    con.execute("UPDATE screens SET status = 'removed', removal_date = '2026-02-02' WHERE id = 'adv-1'")
    con.commit()
    con.close()
    status, h2, body2 = get(web.base + "/", {"If-None-Match": h["ETag"]})
    assert status == 200 and h2["ETag"] != h["ETag"] and body2 != body


def test_parameters_validated_with_clear_400(web):
    cases = {
        "/slated?sort=bogus": "sort",
        "/slated?page=0": "page",
        "/slated?page=12abc": "page",
        "/slated?category=banana": "category",
        "/slated?due=soon": "due",
        "/slated?q=" + "x" * 65: "q",
        "/slated?q=%01": "q",
        "/slated?q=%C3": "q",			# invalid UTF-8
        "/slated?q=%C0%AF": "q",		# overlong "/"
        "/slated?q=%ED%A0%80": "q",		# UTF-16 surrogate
        "/slated?unknown=1": "unknown",
        "/?lang=de": "lang",
        "/api/v1/screens?status=on": "status",
        "/api/v1/screens?per_page=5000": "per_page",
    }
    for path, name in cases.items():
        status, h, body = get(web.base + path)
        assert status == 400, path
        text = body.decode()
        assert name in text, (path, text)
        if path.startswith("/api/"):
            assert json.loads(text)["error"]["status"] == 400
    status, _, body = get(web.base + "/screen/NOT_A_SLUG")
    assert status == 400
    assert get(web.base + "/screen/nobody")[0] == 404
    assert get(web.base + "/", method="PUT")[0] == 405


def test_api_slated_pages(web):
    """/api/v1/slated honours page and per_page; the totals stay the whole list's."""
    con = sqlite3.connect(web.db)
    con.executemany("INSERT INTO screens(id, name, category, site, power_on_w, baseline_hours, status,"
                    " removal_target) VALUES(?,?,?,?,?,?,?,?)",
                    [(f"s-{i:02d}", f"Écran {i}", "information", "Mairie", 100 + i, 10,
                      "slated_for_removal", "2019-01-01" if i % 2 else None) for i in range(1, 8)])
    con.commit()
    con.close()
    every = json.loads(get(web.base + "/api/v1/slated?sort=id&per_page=500")[2])
    ids = [x["id"] for x in every["screens"]]
    assert every["total"] == 9 and len(ids) == 9 and ids == sorted(ids)
    assert every["overdue"] == 5			# adv-1 and s-01, s-03, s-05, s-07
    seen = []
    for page, size in ((1, 4), (2, 4), (3, 1), (4, 0)):
        doc = json.loads(get(web.base + f"/api/v1/slated?sort=id&per_page=4&page={page}")[2])
        assert (doc["page"], doc["per_page"], doc["total"]) == (page, 4, 9)
        assert doc["overdue"] == 5 and doc["yearly_kwh_estimate"] == pytest.approx(every["yearly_kwh_estimate"])
        assert len(doc["screens"]) == size
        seen += [x["id"] for x in doc["screens"]]
    assert seen == ids
    # default: 50 a page, like /slated; filters and order apply before paging
    doc = json.loads(get(web.base + "/api/v1/slated")[2])
    assert (doc["page"], doc["per_page"], len(doc["screens"])) == (1, 50, 9)
    doc = json.loads(get(web.base + "/api/v1/slated?category=information&sort=power&order=desc&per_page=2&page=2")[2])
    assert doc["total"] == 7 and [x["id"] for x in doc["screens"]] == ["s-05", "s-04"]
    # bad values: 400 naming the parameter, and the list is as it was
    before = get(web.base + "/api/v1/slated?sort=id&per_page=4&page=2")
    for query, name in (("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"),
                        ("page=1.5", "page"), ("page=99999999999999", "page"), ("page=%201", "page"),
                        ("per_page=0", "per_page"), ("per_page=501", "per_page"),
                        ("per_page=1e3", "per_page"), ("per_page=4&page=x", "page")):
        status, h, body = get(web.base + "/api/v1/slated?" + query, {"Accept-Language": "en"})
        assert status == 400, query
        assert h["Content-Type"].startswith("application/json")
        err = json.loads(body)["error"]
        assert err["status"] == 400 and f"Invalid parameter '{name}'" in err["message"], (query, err)
    err = json.loads(get(web.base + "/api/v1/slated?per_page=501")[2])["error"]
    assert err["message"].startswith("Paramètre « per_page » invalide") and "1 à 500" in err["message"]
    after = get(web.base + "/api/v1/slated?sort=id&per_page=4&page=2")
    assert after[0] == 200 and after[2] == before[2]


def test_csv_export_is_complete_and_defused(web):
    status, h, body = get(web.base + "/slated.csv?sort=id")
    assert status == 200 and h["Content-Type"].startswith("text/csv")
    assert "attachment" in h["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows[0][:3] == ["id", "name", "site"]
    assert [r[0] for r in rows[1:]] == ["adv-1", "adv-2"]
    assert rows[2][1] == "'=cmd|' /C calc'!A0"		# formula made inert
    assert int(rows[1][6]) < 0				# overdue: negative days left
    assert float(rows[1][9]) == pytest.approx(300 * 24 * 365 / 1000)
    # filters apply to downloads too
    rows = list(csv.reader(io.StringIO(get(web.base + "/slated.csv?due=overdue")[2].decode())))
    assert [r[0] for r in rows[1:]] == ["adv-1"]


def test_geojson_export(web):
    status, h, body = get(web.base + "/slated.geojson")
    fc = json.loads(body)
    assert h["Content-Type"].startswith("application/geo+json")
    feats = {f["properties"]["id"]: f for f in fc["features"]}
    assert feats["adv-1"]["geometry"]["coordinates"] == [2.35, 48.85]	# lon, lat
    assert feats["adv-2"]["geometry"] is None


def test_api_progress_matches_database_and_is_honest(web):
    p = json.loads(get(web.base + "/api/v1/progress")[2])
    assert p["total"]["inventoried"] == 5
    assert p["total"]["slated_for_removal"] == 2
    assert p["total"]["removed"] == 1
    assert p["categories"]["advertising"]["removed"] == 1
    assert p["total"]["removed_kwh_per_year_estimate"] == pytest.approx(250 * 24 * 365 / 1000)
    assert p["total"]["target"] == {"date": "2099-12-31", "removed": 3}
    # an empty ledger: nothing measured, every figure null, never 0
    m = p["measured"]
    assert m["ledger_empty"] is True and m["kwh_saved"] is None and m["months"] == []
    assert m["to_date"]["saved_kwh"] is None and m["to_date"]["saved_eur"] is None
    # no relay state logged: adv-1, adv-2 unknown; adv-3 removed (off) since January
    night = m["last_night_compliance"]
    assert night["screens"] == 3 and night["window_min"] in (240, 300, 360)
    assert night["summary"] == {"compliant": 1, "derogation": 0, "exception": 0, "unknown": 2,
                                "violation": 0}
    assert p["factors"]["eur_per_kwh"] == 0.2 and p["factors"]["co2e_g_per_kwh"] is None
    assert p["factors"]["co2e_source"] is None
    s = json.loads(get(web.base + "/api/v1/screens?category=advertising&sort=power_on_w&order=desc")[2])
    assert [x["id"] for x in s["screens"]] == ["adv-1", "adv-3", "adv-2"]
    one = json.loads(get(web.base + "/api/v1/screens/sch-1")[2])
    assert one["name"] == "École <b>Jaurès</b>" and one["state"] is None
    assert get(web.base + "/api/v1/boxes")[0] == 401		# live data needs a session


def login(web, user="tech", password=PASSWORD):
    """Log in through the form (double-submit token); returns the Cookie header."""
    status, h, body = get(web.base + "/login")
    token = body.decode().split('name="csrf" value="')[1].split('"')[0]
    cookie = h["Set-Cookie"].split(";")[0]
    data = urllib.parse.urlencode({"csrf": token, "user": user, "password": password}).encode()
    req = urllib.request.Request(web.base + "/login", data=data, method="POST",
                                 headers={"Cookie": cookie})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(req, timeout=10)
        assert False, "no redirect after log-in"
    except urllib.error.HTTPError as e:
        assert e.code == 303, e.read()
        return e.headers["Set-Cookie"].split(";")[0]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_api_live_lists_need_a_session_and_are_never_cached(web):
    for path in ("/api/v1/boxes", "/api/v1/alarms"):
        status, _, body = get(web.base + path)
        assert status == 401 and json.loads(body)["error"]["status"] == 401
    session = {"Cookie": login(web)}
    status, h, body = get(web.base + "/api/v1/boxes", session)
    assert status == 200 and h["Cache-Control"] == "no-store"
    boxes = json.loads(body)["boxes"]
    assert [(b["id"], b["online"], b["channels"], b["relays_on"]) for b in boxes] == [
        ("sim-box-1", True, 8, []), ("sim-box-2", False, 8, [])]
    status, h, body = get(web.base + "/api/v1/alarms", session)
    assert status == 200 and h["Cache-Control"] == "no-store"
    alarms = json.loads(body)["alarms"]
    assert [(a["source"], a["severity"], a["active"]) for a in alarms] == [("sim-box-2", "warning", True)]
    status, _, body = get(web.base + "/api/v1/alarms?x=1", session)
    assert status == 400 and "x" in json.loads(body)["error"]["message"]


def test_progress_page_shows_estimates_and_unknowns(web):
    html = get(web.base + "/", {"Accept-Language": "fr-FR,fr;q=0.9"})[2].decode()
    assert '<html lang="fr">' in html
    assert 'id="energy-empty"' in html and "Aucune économie n&#39;a encore été mesurée" in html
    assert "decran energy" not in html		# a public page shows no operator's command
    assert 'id="night-unknown">2<' in html and 'id="night-compliant">1<' in html
    assert "inconnu (facteur d&#39;émission non configuré)" in html
    assert "€/an" in html					# price configured: cost estimated
    html = get(web.base + "/", {"Accept-Language": "en-US,en;q=0.8"})[2].decode()
    assert '<html lang="en">' in html and "No saving has been measured yet" in html
    html = get(web.base + "/screen/sch-1")[2].decode()
    assert "École &lt;b&gt;Jaurès&lt;/b&gt;" in html and "<b>Jaurès" not in html


def test_screen_page_and_api_show_display(web):
    """Fixed or animated images (the transport exemption's condition) on the
    screen page and in /api/v1, for a shelter written with SQL."""
    con = sqlite3.connect(web.db)
    con.execute("INSERT INTO screens(id, name, category, transport_furniture, service_hours,"
                " display) VALUES('abri-1', 'Abri Lys', 'advertising', 1, '05:15-00:45', 'animated')")
    con.commit()
    con.close()
    one = json.loads(get(web.base + "/api/v1/screens/abri-1")[2])
    assert one["display"] == "animated" and one["transport_furniture"] is True
    assert one["service_hours"] == "05:15-00:45"
    sch = json.loads(get(web.base + "/api/v1/screens/sch-1")[2])
    assert sch["display"] == "unknown" and sch["transport_furniture"] is False
    assert sch["service_hours"] is None
    listed = json.loads(get(web.base + "/api/v1/screens?category=advertising")[2])["screens"]
    assert {x["id"]: x["display"] for x in listed}["abri-1"] == "animated"
    html = get(web.base + "/screen/abri-1", {"Accept-Language": "fr-FR"})[2].decode()
    assert "<dt>Affichage</dt><dd>Images animées</dd>" in html
    assert "<dt>Mobilier de transport</dt><dd>oui, horaires de service 05:15-00:45</dd>" in html
    html = get(web.base + "/screen/sch-1", {"Accept-Language": "en-US"})[2].decode()
    assert "<dt>Display</dt><dd>Not declared</dd>" in html and "Transport furniture" not in html


NNBSP = "\u202f"


def fr_num(v, dec):
    """1 234,5 the French way (lib/i18n: narrow no-break space, decimal comma)."""
    return f"{v:,.{dec}f}".replace(",", NNBSP).replace(".", ",")


def test_progress_reads_the_energy_ledger_like_the_cli(web, decran):
    """Relay states logged with `decran energy log-state` over the last 40 days
    (adv-1 off 22:00-07:00 every night, adv-2 on all the time, adv-4 never
    logged), the ledger updated with `decran energy update`: the progress page
    and /api/v1/progress show, month by month and to date, the very figures of
    `decran report energy --by month` and `decran report progress`, and last
    night's verdicts: adv-1 and the removed adv-3 compliant, adv-2 violating,
    adv-4 unknown."""
    con = sqlite3.connect(web.db)
    con.execute("INSERT INTO screens(id, name, category, site, power_on_w, baseline_hours, status)"
                " VALUES('adv-4', 'Abri 4', 'advertising', 'Gare', 150, 24, 'active')")
    con.commit()
    con.close()
    paris = ZoneInfo("Europe/Paris")
    now = datetime.datetime.now(paris)
    first = now.date() - datetime.timedelta(days=40)

    def log(sid, st, day, hour):
        at = datetime.datetime.combine(day, datetime.time(hour), paris)
        if at < now:
            r = decran("energy", "log-state", sid, st, "--at", at.strftime("%Y-%m-%d %H:%M"))
            assert r.returncode == 0, r.stderr

    log("adv-1", "off", first, 0)
    log("adv-2", "on", first, 0)
    day = first
    while day <= now.date():
        log("adv-1", "on", day, 7)
        log("adv-1", "off", day, 22)
        day += datetime.timedelta(days=1)
    r = decran("energy", "update")
    assert r.returncode == 0, r.stderr

    cli = json.loads(decran("report", "energy", "--by", "month", "--format", "json").stdout)
    cli_months = {row["key"]: row for row in cli["rows"]}
    progress = json.loads(decran("report", "progress", "--json").stdout)
    api = json.loads(get(web.base + "/api/v1/progress")[2])
    assert "measured" in api, api
    api = api["measured"]
    assert api["ledger_empty"] is False
    assert [m["month"] for m in api["months"]] == sorted(cli_months)
    assert api["months"][-1]["partial"] is True
    for m in api["months"]:
        c = cli_months[m["month"]]
        for k in ("actual_kwh", "baseline_kwh", "saved_kwh", "unknown_hours", "hours", "measured_hours"):
            assert m[k] == pytest.approx(c[k]), (m["month"], k)
        assert m["saved_eur"] == pytest.approx(c["saved_kwh"] * 0.2)	# the page's price
        assert m["avoided_kgco2e"] is None				# no emission factor given
    to_date = progress["energy_to_date"]
    assert api["kwh_saved"] == pytest.approx(to_date["saved_kwh"]) and to_date["saved_kwh"] > 0
    assert api["to_date"]["unknown_hours"] == pytest.approx(to_date["unknown_hours"])
    assert to_date["unknown_hours"] > 0			# adv-4 and the others never logged
    night = api["last_night_compliance"]
    assert night["night"] == progress["last_night"]["night"]
    assert night["summary"] == progress["last_night"]["summary"]
    assert night["summary"] == {"compliant": 2, "derogation": 0, "exception": 0, "unknown": 1,
                                "violation": 1}

    html = get(web.base + "/", {"Accept-Language": "fr"})[2].decode()
    assert 'id="energy-empty"' not in html
    assert 'aria-labelledby="energy-chart-title energy-chart-desc"' in html
    for m in api["months"]:
        row = html.split(f'<tr data-month="{m["month"]}">')[1].split("</tr>")[0]
        assert f'<td class="num saved">{fr_num(m["saved_kwh"], 1)}</td>' in row, row
        assert f'<td class="num unknown-h">{fr_num(m["unknown_hours"], 1)}</td>' in row, row
    assert f"<strong>{fr_num(to_date['saved_kwh'], 1)} kWh</strong>" in html
    assert 'id="night-compliant">2<' in html and 'id="night-violation">1<' in html
    assert 'id="night-unknown">1<' in html and 'id="night-screens">4<' in html
    en = get(web.base + "/?lang=en")[2].decode()
    assert f"<strong>{to_date['saved_kwh']:,.1f} kWh</strong>" in en


def test_metrics_prometheus_text(web):
    status, h, body = get(web.base + "/metrics")
    assert h["Content-Type"].startswith("text/plain; version=0.0.4")
    lines = body.decode().splitlines()
    assert 'decran_screens{status="removed",category="advertising"} 1' in lines
    assert 'decran_screens{status="slated_for_removal",category="advertising"} 2' in lines
    assert "# TYPE decran_screens gauge" in lines
    assert any(l.startswith("decran_relay_commands_total ") for l in lines)	# from the host's hook
    for l in lines:
        assert l.startswith("#") or len(l.split(" ")) == 2, l


def test_users_cli(decran, db):
    assert decran("users", "add", "ana", "--role", "chef", input="long-enough\n").returncode == 2
    r = decran("users", "add", "ana", "--role", "viewer", input="short\n")
    assert r.returncode == 1 and "8" in r.stderr
    assert decran("users", "add", "ana", "--role", "viewer", input="long-enough\n").returncode == 0
    r = decran("users", "add", "ana", "--role", "admin", input="long-enough\n")
    assert r.returncode == 1 and "--replace" in r.stderr
    assert decran("users", "add", "ana", "--role", "admin", "--replace", input="long-enough-2\n").returncode == 0
    listed = json.loads(decran("users", "list", "--json").stdout)
    assert [(u["name"], u["role"]) for u in listed] == [("ana", "admin")]
    con = sqlite3.connect(db)
    assert con.execute("SELECT hash FROM users").fetchone()[0].startswith("$y$")
    con.close()
    assert decran("users", "del", "ana").returncode == 0
    assert decran("users", "del", "ana").returncode == 1
    assert decran("users", "--help").returncode == 0
