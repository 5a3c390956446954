"""The compliance pages, /metrics access, the public screen page and the
legal pages over real HTTP (tests/helpers/web_host on loopback).

One truth: /compliance's counts and rows equal `decran report compliance
--json` on the same database, rules and night; /compliance.csv equals the
page; hostile names stay text and formulas are defused."""
import csv
import datetime
import html
import io
import json
import os
import re
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
PARIS = ZoneInfo("Europe/Paris")
PASSWORD = "un-mot-de-passe-long"
OFF, ON = 1, 2
HOSTILE = {
    "evil-script": '<script>window.__x=1</script>',
    "evil-formula": '=HYPERLINK("http://x","y")',
    "evil-quotes": '"\'><img src=x onerror=alert(1)>',
    "evil-long": "Long " + "é" * 60,
    "evil-rtl": "مرحبا \u202eabc\u202c écran",
}


def local_ts(day, hour, minute=0):
    return int(datetime.datetime.combine(day, datetime.time(hour, minute), PARIS).timestamp())


def get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def start_host(db, *extra):
    p = subprocess.Popen([HOST, "--db", db, "--port", "0", "--sim-boxes",
                          "--assets", os.path.join(TOP, "dashboard"), *extra],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if not line.startswith("listening on http://127.0.0.1:"):
        stop(p)
        raise AssertionError(line + p.stderr.read())
    return p, line.split()[-1]


@pytest.fixture
def town(db, decran, tmp_path):
    """Advertising screens with every verdict over two nights, transport
    furniture in service, a derogation in the rules file, hostile names."""
    assert decran("users", "add", "tech", "--role", "technician",
                  input=PASSWORD + "\n").returncode == 0
    today = datetime.datetime.now(PARIS).date()
    n1 = today - datetime.timedelta(days=2)		# nights surely over
    n0 = n1 - datetime.timedelta(days=1)
    first = n0 - datetime.timedelta(days=1)
    con = sqlite3.connect(db)
    screens = [("pub-on", "Toujours allumé", "advertising", 0, "", None),
               ("pub-off", "Éteint la nuit", "advertising", 0, "", None),
               ("pub-none", "Jamais confirmé", "advertising", 0, "", None),
               ("pub-derog", "Fête de la gare", "advertising", 0, "", None),
               ("abri-fixe", "Abri images fixes", "transport", 1, "05:00-02:00", "fixed"),
               ("info-1", "Information", "information", 0, "", None)]
    screens += [(sid, name, "advertising", 0, "", None) for sid, name in HOSTILE.items()]
    for sid, name, cat, furniture, svc, disp in screens:
        con.execute("INSERT INTO screens(id, name, category, site, power_on_w, baseline_hours,"
                    " transport_furniture, service_hours, display) VALUES(?,?,?,?,?,?,?,?,?)",
                    (sid, name, cat, "Gare", 200, 24, furniture, svc, disp or "unknown"))
    rows = [("pub-on", local_ts(first, 0), ON), ("pub-off", local_ts(first, 0), OFF),
            ("pub-derog", local_ts(first, 0), OFF), ("abri-fixe", local_ts(first, 0), OFF),
            ("evil-script", local_ts(first, 0), ON), ("evil-formula", local_ts(first, 0), OFF),
            ("evil-quotes", local_ts(first, 0), ON), ("evil-long", local_ts(first, 0), OFF)]
    for night in (n0, n1):
        morning = night + datetime.timedelta(days=1)
        rows += [("pub-derog", local_ts(morning, 0, 30), ON), ("pub-derog", local_ts(morning, 3), OFF),
                 ("abri-fixe", local_ts(night, 22), ON), ("abri-fixe", local_ts(morning, 2), OFF)]
    con.executemany("INSERT INTO ledger_states(screen_id, at, state) VALUES(?,?,?)", rows)
    con.commit()
    con.close()
    rules = tmp_path / "rules.json"
    m1 = n1 + datetime.timedelta(days=1)
    rules.write_text(json.dumps({
        "zone": "Europe/Paris", "transport": {"service_hours": "05:30-00:30"},
        "derogations": [{"reference": "Arrêté 2026-117", "screens": ["pub-derog"],
                         "from": f"{m1.isoformat()} 00:00", "to": f"{m1.isoformat()} 03:00",
                         "reason": {"fr": "Fête", "en": "Festival"}}],
        "policies": []}))
    r = decran("energy", "rebuild")
    assert r.returncode == 0, r.stderr
    p, base = start_host(db, "--rules", str(rules))
    try:
        yield types.SimpleNamespace(base=base, db=db, rules=str(rules), nights=[n0, n1],
                                    decran=decran)
    finally:
        stop(p)


def cli_night(town, night):
    r = town.decran("report", "compliance", "--night", night.isoformat(), "--json",
                    "--rules", town.rules)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


ROW = re.compile(r'<tr data-screen="([^"]*)" data-verdict="([^"]*)">(.*?)</tr>', re.S)
CELL = re.compile(r'<td class="num (violation|derogation|exception|unknown)">([^<]*)</td>')


def page_rows(body):
    out = {}
    for sid, verdict, cells in ROW.findall(body):
        mins = {k: int(v.replace("\u202f", "").replace(" ", "")) for k, v in CELL.findall(cells)}
        why = re.search(r'<td class="why">(.*?)</td>', cells).group(1)
        out[html.unescape(sid)] = (verdict, mins, html.unescape(why))
    return out


def test_page_counts_and_rows_equal_the_cli_report(town):
    for night in town.nights:
        cli = cli_night(town, night)
        status, h, body = get(town.base + "/compliance?night=" + night.isoformat())
        assert status == 200, body
        counts = {k: int(v) for k, v in re.findall(
            r'id="count-([a-z_-]+)">(?:<a [^>]*>)?(\d+)', body)}
        s, u = cli["summary"], cli["unknown_by_cause"]
        assert counts["screens"] == len(cli["screens"]) == sum(s.values())
        for v in ("violation", "derogation", "exception", "compliant"):
            assert counts[v] == s[v], (night, v)
        for c in ("unconfirmed", "offline", "no_box"):
            assert counts["unknown-" + c] == u[c], (night, c)
        rows = page_rows(body)
        assert set(rows) == {x["screen"] for x in cli["screens"]}
        for x in cli["screens"]:
            verdict, mins, _ = rows[x["screen"]]
            assert verdict == x["verdict"]
            assert mins == {k: x[k + "_min"] for k in ("violation", "derogation", "exception",
                                                      "unknown")}, x["screen"]
    # the fixture covers every verdict on the second night
    s = cli_night(town, town.nights[1])["summary"]
    assert all(s[v] >= 1 for v in ("violation", "derogation", "exception", "compliant", "unknown")), s
    # default: last night; a night not over yet is refused, naming the parameter
    status, _, body = get(town.base + "/compliance")
    assert status == 200 and 'id="night-window"' in body
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    status, _, body = get(town.base + "/compliance?night=" + tomorrow.isoformat())
    assert status == 400 and "night" in body
    assert get(town.base + "/compliance?night=hier")[0] == 400
    assert get(town.base + "/compliance?list=nope")[0] == 400


def test_csv_equals_the_page_and_defuses_formulas(town):
    night = town.nights[1].isoformat()
    _, _, body = get(town.base + "/compliance?night=" + night)
    rows = page_rows(body)
    status, h, text = get(town.base + "/compliance.csv?night=" + night)
    assert status == 200 and h["Content-Type"].startswith("text/csv")
    assert "attachment" in h["Content-Disposition"]
    recs = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["screen"] for r in recs] == list(rows)		# same rows, same order
    for r in recs:
        verdict, mins, why = rows[r["screen"]]
        assert r["night"] == night and r["verdict"] == verdict
        assert {k: int(r[k + "_min"]) for k in mins} == mins
        assert r["explanation"] == why
    names = {r["screen"]: r["name"] for r in recs}
    assert names["evil-formula"] == "'" + HOSTILE["evil-formula"]	# dc_csv_put_cell
    for sid in ("evil-script", "evil-quotes", "evil-rtl", "evil-long"):
        assert names[sid] == HOSTILE[sid]
    # hostile names are text on the page
    assert "<script>window.__x" not in body and "&lt;script&gt;window.__x=1&lt;/script&gt;" in body
    assert "<img src=x" not in body


def test_history_equals_the_cli_night_by_night(town):
    status, _, body = get(town.base + "/compliance/history?nights=4")
    assert status == 200
    found = dict(re.findall(r'<tr data-night="([0-9-]+)">(.*?)</tr>', body, re.S))
    assert len(found) == 4
    for night in town.nights:
        cells = dict(re.findall(r'<td class="num ([a-z]+)">(\d+)</td>', found[night.isoformat()]))
        s = cli_night(town, night)["summary"]
        assert int(cells["screens"]) == sum(s.values())
        for v in s:
            assert int(cells[v]) == s[v], (night, v)
    assert get(town.base + "/compliance/history?nights=1000")[0] == 400


def login(base):
    status, h, body = get(base + "/login")
    token = body.split('name="csrf" value="')[1].split('"')[0]
    cookie = h["Set-Cookie"].split(";")[0]
    data = urllib.parse.urlencode({"csrf": token, "user": "tech", "password": PASSWORD}).encode()
    req = urllib.request.Request(base + "/login", data=data, method="POST", headers={"Cookie": cookie})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    try:
        urllib.request.build_opener(NoRedirect).open(req, timeout=10)
        raise AssertionError("no redirect after log-in")
    except urllib.error.HTTPError as e:
        assert e.code == 303
        return {"Cookie": e.headers["Set-Cookie"].split(";")[0]}


def test_public_screen_page_hides_notes_logins_and_wiring(town):
    now = int(datetime.datetime.now().timestamp())
    con = sqlite3.connect(town.db)
    con.execute("UPDATE screens SET notes = 'code du coffret 4321', box = 'coffret-7', channel = 2,"
                " power_on_w = 0, power_standby_w = 0 WHERE id = 'pub-off'")
    con.execute("INSERT INTO overrides(screen_id, kind, starts, expires, author, reason, created)"
                " VALUES('pub-off', 'force_off', ?, ?, 'alice.martin', 'Travaux', ?)",
                (now - 60, now + 86400, now))
    con.execute("INSERT INTO audit(at, actor, screen_id, field, old, new)"
                " VALUES('2026-01-01T00:00:00Z', 'bob.durand', 'pub-off', 'notes', '', 'clé sous le pot')")
    con.commit()
    con.close()
    status, _, body = get(town.base + "/screen/pub-off")
    assert status == 200
    for secret in ("4321", "coffret-7", "alice.martin", "bob.durand", "clé sous le pot"):
        assert secret not in body, secret
    assert 'id="state-decision"' in body and "forçage manuel" in body and "Travaux" in body
    assert "<details" in body and 'id="state-why"' in body
    assert "non déclarée" in body and "0 W" not in body
    api = json.loads(get(town.base + "/api/v1/screens/pub-off")[2])
    assert "box" not in api and "notes" not in api and api["power_on_w"] is None
    assert api["yearly_kwh_estimate"] is None
    assert "alice" not in api["state"]["why"] and "Travaux" in api["state"]["explanation"]
    assert all("actor" not in h for h in api["history"])
    lst = json.loads(get(town.base + "/api/v1/screens")[2])["screens"]
    assert all("box" not in x for x in lst)
    # logged in: they are there (and never cached)
    session = login(town.base)
    status, h, body = get(town.base + "/screen/pub-off", session)
    for secret in ("4321", "coffret-7", "alice.martin", "bob.durand"):
        assert secret in body, secret
    assert h["Cache-Control"] == "no-store"
    api = json.loads(get(town.base + "/api/v1/screens/pub-off", session)[2])
    assert api["box"] == "coffret-7" and api["notes"] == "code du coffret 4321"
    assert "alice.martin" in api["state"]["why"]


def test_the_trace_is_never_cut(db, decran, tmp_path):
    """Forty rules with long reasons: a trace far beyond the old 2,048-byte
    cut, whole in the page and the API, last rule included."""
    assert decran("screens", "list").returncode == 0		# creates the database
    con = sqlite3.connect(db)
    con.execute("INSERT INTO screens(id, name, category, site) VALUES('ecole-1', 'École', 'school', 'A')")
    con.commit()
    con.close()
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"zone": "Europe/Paris", "policies": [
        {"id": f"p{i:02d}", "scope": {"categories": ["school"]},
         "windows": [{"start": "03:00", "end": "03:01"}], "effect": "off",
         "reason": {"fr": f"Une raison assez longue pour remplir la trace, numéro {i:02d}, fin"}}
        for i in range(40)]}))
    p, base = start_host(db, "--rules", str(rules))
    try:
        why = json.loads(get(base + "/api/v1/screens/ecole-1")[2])["state"]["why"]
        assert len(why.encode()) > 4096 and "numéro 39, fin" in why
        assert why.rstrip().endswith("allumage autorisé")
        body = get(base + "/screen/ecole-1")[2]
        assert "numéro 39, fin" in body
    finally:
        stop(p)


def test_metrics_local_only_by_default_or_token(db, decran, tmp_path):
    assert decran("screens", "list").returncode == 0
    p, base = start_host(db)
    try:
        assert get(base + "/metrics")[0] == 200			# loopback
        status, h, _ = get(base + "/metrics", {"X-Forwarded-For": "203.0.113.9"})
        assert status == 403 and h["Cache-Control"] == "no-store"
        assert get(base + "/metrics", {"Forwarded": "for=203.0.113.9"})[0] == 403
    finally:
        stop(p)
    (tmp_path / "metrics.token").write_text("s3cret-token-for-prometheus\n")
    os.chmod(tmp_path / "metrics.token", 0o600)
    (tmp_path / "web.json").write_text(json.dumps({"metrics": {"token_file": "metrics.token"}}))
    p, base = start_host(db, "--web-config", str(tmp_path / "web.json"))
    try:
        status, h, _ = get(base + "/metrics")
        assert status == 401 and h["WWW-Authenticate"].startswith("Bearer")
        assert get(base + "/metrics", {"Authorization": "Bearer wrong-token-xxxxxxxx"})[0] == 403
        status, _, body = get(base + "/metrics", {"Authorization": "Bearer s3cret-token-for-prometheus"})
        assert status == 200 and "decran_screens" in body
    finally:
        stop(p)
    # decran-web refuses to start on an unreadable token file, naming the key
    (tmp_path / "web.json").write_text(json.dumps({"metrics": {"token_file": "missing.token"}}))
    r = subprocess.run([bin_path("decran-web"), "-c", str(tmp_path / "web.json"), "-n"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "metrics.token_file" in r.stderr


def test_legal_notice_and_accessibility_statement(db, decran, tmp_path):
    assert decran("screens", "list").returncode == 0
    p, base = start_host(db)
    try:
        status, _, body = get(base + "/mentions-legales")
        assert status == 200 and "Directeur de la publication" in body and "Hébergeur" in body
        status, _, body = get(base + "/accessibilite")
        assert status == 200 and "non conforme" in body and "Défenseur des droits" in body
        assert 'href="/accessibilite"' in get(base + "/")[2]	# linked from every page
    finally:
        stop(p)
    (tmp_path / "web.json").write_text(json.dumps({
        "legal": {"publisher": "Commune de <Villeneuve>", "director": "Mme Claire Dupont, maire",
                  "host": "OVH, 2 rue Kellermann, Roubaix", "contact": "mairie@villeneuve.example"},
        "accessibility": {"level": "partial", "audit_date": "2026-05-04", "rate": "75 %"}}))
    p, base = start_host(db, "--web-config", str(tmp_path / "web.json"))
    try:
        body = get(base + "/mentions-legales")[2]
        assert "Commune de &lt;Villeneuve&gt;" in body and "Mme Claire Dupont, maire" in body
        assert "OVH, 2 rue Kellermann" in body
        body = get(base + "/accessibilite?lang=en")[2]
        assert "partially compliant" in body and "2026-05-04" in body and "75 %" in body
        assert "mairie@villeneuve.example" in body		# the legal contact by default
    finally:
        stop(p)
