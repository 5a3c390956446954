"""The dashboard as its own process (decran-web) beside decran-gateway: the
technician's journey reads the daemon's live boxes and alarms through the
control socket, runs a relay test on a Tasmota relay emulated with paho-mqtt
through mosquitto, binds a screen and forces one (written by the gateway:
decran-web opens the database read-only); /metrics carries the daemon's
counters; pages follow the gateway's (test) clock; the gateway answers each
local client only the verbs of its role (SO_PEERCRED)."""
import http.cookiejar
import json
import os
import pwd
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from gwtest import PARIS_2200, Gateway, Tasmota, add_screen, wait_for
from harness import TOP
PASSWORD = "un-mot-de-passe-long"
BOXES = [{"id": "kiosque", "driver": "tasmota", "topic": "kiosque", "channels": 2}]


class Browser:
    """Cookies and redirects like a browser, without JavaScript."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path):
        try:
            with self.opener.open(self.base + path, timeout=60) as r:
                return r.status, r.geturl(), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.geturl(), e.read().decode()

    def post(self, path, form):
        data = urllib.parse.urlencode(form).encode()
        try:
            with self.opener.open(self.base + path, data=data, timeout=60) as r:
                return r.status, r.geturl(), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.geturl(), e.read().decode()


def csrf(html, action):
    form = re.search(r'<form method="post" action="%s".*?</form>' % re.escape(action), html, re.S)
    return re.search(r'name="csrf" value="([0-9a-f]{64})"', form.group(0)).group(1)


def relays_cell(html, box):
    m = re.search(r'<tr data-box="%s">.*?<td class="relays">(.*?)</td>' % box, html, re.S)
    return m.group(1) if m else None


@pytest.fixture
def desk(broker, tmp_path, db, decran):
    add_screen(decran, "pub-kiosque", "advertising", "kiosque", 1)
    add_screen(decran, "info-kiosque", "information", "kiosque", 2)
    assert decran("users", "add", "tech", "--role", "technician", input=PASSWORD + "\n").returncode == 0
    tas = Tasmota(broker, "kiosque", 2).connect()
    # decran-web (this test's uid) has the "web" role only, as deployed:
    # every page and action below needs no more.
    gw = Gateway(tmp_path, broker, BOXES, db, clock=PARIS_2200 + ",1",
                 extra={"http": {"listen": "127.0.0.1:0",
                                 "assets": os.path.join(TOP, "dashboard")},
                        "control": {"web": [pwd.getpwuid(os.getuid()).pw_name]}}).start()
    try:
        base = gw.web_url()
        gw.wait_log(r"info mqtt: connected")
        yield Browser(base), tas, gw
    finally:
        gw.stop()
        tas.close()


def login(b):
    html = b.get("/login")[2]
    status, url, html = b.post("/login", {"csrf": csrf(html, "/login"), "user": "tech",
                                          "password": PASSWORD})
    assert status == 200 and url.endswith("/tech"), html
    return html


def test_technician_tests_a_relay_through_the_gateway(desk):
    b, tas, gw = desk
    status, url, html = b.get("/tech")
    assert url.endswith("/login")				# log-in required
    status, url, html = b.post("/login", {"csrf": csrf(html, "/login"), "user": "tech",
                                          "password": PASSWORD})
    assert status == 200 and url.endswith("/tech"), html
    # the gateway's own view of the box
    wait_for(lambda: 'data-box="kiosque"><th scope="row"><a href="/box/kiosque">kiosque</a></th>'
             '<td class="ok">en ligne' in b.get("/tech")[2], what="kiosque online on the desk")
    api = json.loads(b.get("/api/v1/boxes")[2])
    assert [(x["id"], x["online"], x["channels"]) for x in api["boxes"]] == [("kiosque", True, 2)]

    html = b.get("/tech")[2]
    before = len(tas.commands)
    status, url, html = b.post("/tech/relay", {"csrf": csrf(html, "/tech/relay"), "box": "kiosque",
                                               "channel": "2", "action": "on"})
    assert status == 200 and url.endswith("/tech?done=relay"), html
    assert "Essai lancé" in html
    assert 'name="action"' not in html.split('id="relay-form"')[1].split("</form>")[0]
    # the relay goes through the gateway's test cycle, each step confirmed
    # (then the schedule takes the channel back: more commands may follow)
    wait_for(lambda: [v for ch, v in tas.commands[before:] if ch == 2][:3] == ["OFF", "ON", "OFF"],
             what="off, on, off on channel 2")
    gw.wait_log(r"relay test passed box=kiosque channel=2")
    # the desk shows the test and each confirmed step
    row = wait_for(lambda: re.search(r'<tr data-test="kiosque/2" (.*?)</tr>', b.get("/tech")[2]),
                   what="the test on the desk").group(1)
    assert 'class="ok">réussi, puissance non mesurée' in row and 'data-verdict="pass-unmeasured"' in row
    assert re.search(r"éteint \d+ ms \(pas de mesure\), allumé \d+ ms \(pas de mesure\), "
                     r"éteint \d+ ms \(pas de mesure\)", row), row
    # the schedule takes the channel back (an information screen: on), and the desk shows it
    wait_for(lambda: relays_cell(b.get("/tech")[2], "kiosque") is not None
             and "2" in relays_cell(b.get("/tech")[2], "kiosque"), what="channel 2 shown on")

    # the gateway's refusal reaches the technician
    status, url, html = b.post("/tech/relay", {"csrf": csrf(html, "/tech/relay"), "box": "nope",
                                               "channel": "1", "action": "on"})
    assert status == 409 and "la passerelle a refusé" in html
    status, url, html = b.post("/tech/relay", {"csrf": csrf(html, "/tech/relay"), "box": "kiosque",
                                               "channel": "3", "action": "on"})
    assert status == 409 and "ce boîtier n&#39;a pas cette voie" in html    # in French
    # and a form without its token does nothing
    n = len(tas.commands)
    status, _, _ = b.post("/tech/relay", {"box": "kiosque", "channel": "1", "action": "on"})
    assert status == 403 and len(tas.commands) == n


def desk_test(b, gw, ch, n):
    """Run the relay test on kiosque/ch from the desk (the n-th test of the
    gateway) and return its row once it has a verdict."""
    html = b.get("/tech")[2]
    status, url, html = b.post("/tech/relay", {"csrf": csrf(html, "/tech/relay"), "box": "kiosque",
                                               "channel": str(ch), "action": "on"})
    assert status == 200 and url.endswith("/tech?done=relay"), html
    wait_for(lambda: len(re.findall(r"relay test (passed|failed) box=kiosque", gw.log())) == n,
             what="test %d done" % n)
    return re.search(r'<tr data-test="kiosque/%d" .*?</tr>' % ch, b.get("/tech")[2]).group(0)


def test_desk_shows_each_steps_power_and_the_verdict(desk):
    """A Tasmota with a meter (Status 8 per relay): each step's power and the
    verdict with its reason, on the desk in French and English, and in the
    gateway's "tests" answer the desk reads."""
    b, tas, gw = desk
    tas.load = {2: 38.0}
    login(b)
    # the gateway learns the box has a meter per relay
    tas.sensor([Tasmota.STANDBY_W, Tasmota.STANDBY_W], 1.0)
    wait_for(lambda: "power_w" in gw.channel("kiosque", 2), what="a power reading")
    row = desk_test(b, gw, 2, 1)
    assert 'data-verdict="pass"' in row and 'class="ok">réussi<br>' in row, row
    assert re.search(r"éteint \d+ ms 0,4 W, allumé \d+ ms 38,0 W, éteint \d+ ms 0,4 W", row), row
    assert "passerelle : on: 37.6 W appeared (no declared power)" in row, row
    t = gw.api({"cmd": "tests"})["tests"][0]
    assert (t["verdict"], t["power_w"], t["result"]) == ("pass", [0.4, 38.0, 0.4], "passed")
    en = b.get("/tech?lang=en")[2]
    assert re.search(r'<tr data-test="kiosque/2" data-verdict="pass">.*?class="ok">passed<br>'
                     r'<small class="why">gateway: on: 37.6 W', en), en
    b.get("/tech?lang=fr")

    # the screen never draws its load: the test fails and says why
    tas.load = {2: 0.0}
    row = desk_test(b, gw, 2, 2)
    assert 'data-verdict="fail"' in row and 'class="bad">échoué' in row, row
    assert re.search(r"allumé \d+ ms 0,0 W", row), row
    assert "not more than the 5.0 W threshold" in row, row
    t = gw.api({"cmd": "tests"})["tests"][0]
    assert (t["verdict"], t["power_w"][1], t["result"]) == ("fail", 0.0, "failed")


def test_offline_box_raises_an_alarm_on_the_desk(desk):
    b, tas, gw = desk
    login(b)
    wait_for(lambda: 'class="ok">en ligne' in b.get("/tech")[2], what="online")
    tas.crash()					# last will: Offline
    wait_for(lambda: 'class="bad">hors ligne' in b.get("/tech")[2], what="offline on the desk")
    # in the page's language only (the gateway's English words are not
    # mixed in), its source a link to the box page
    wait_for(lambda: '<th scope="row"><a href="/box/kiosque">boîtier kiosque</a></th>'
             '<td>boîtier hors ligne</td>' in b.get("/tech")[2], what="offline alarm listed")
    assert "box offline" not in b.get("/tech")[2]


def test_override_from_the_desk_reaches_the_relay(desk):
    b, tas, gw = desk
    html = login(b)
    # 22:00 passed on the test clock: the advertising screen is off
    wait_for(lambda: gw.channel("kiosque", 1)["confirmed"] == "off", what="advertising off")
    status, url, html = b.post("/tech/override", {
        "csrf": csrf(html, "/tech/override"), "screen": "pub-kiosque", "state": "on",
        "until": "2026-11-23T23:30", "reason": "Marché de Noël (arrêté 2026-77)"})
    assert status == 200 and url.endswith("/tech?done=override"), html
    # the gateway re-read its overrides at once and switched the relay on
    wait_for(lambda: gw.channel("kiosque", 1)["confirmed"] == "on", what="override applied")
    assert tas.state[1] is True
    assert "Marché de Noël" in b.get("/screen/pub-kiosque")[2]
    oid = gw.sql("SELECT id FROM overrides WHERE screen_id = 'pub-kiosque'")[0][0]
    html = b.get("/tech")[2]
    status, url, html = b.post("/tech/override-clear", {
        "csrf": csrf(html, "/tech/override-clear"), "id": str(oid)})
    assert status == 200, html
    wait_for(lambda: gw.channel("kiosque", 1)["confirmed"] == "off", what="override lifted")


def test_bind_from_the_desk_rebinds_the_gateway(desk, decran):
    b, tas, gw = desk
    html = login(b)
    # an advertising screen moved onto channel 2 takes it off after 22:00
    assert decran("screens", "add", "pub-neuf", "--name", "Écran neuf",
                  "--category", "advertising").returncode == 0
    status, url, html = b.post("/tech/bind", {"csrf": csrf(html, "/tech/bind"),
                                              "screen": "pub-neuf", "box": "kiosque",
                                              "channel": "2"})
    assert status == 200 and url.endswith("/tech?done=bind"), html
    wait_for(lambda: gw.channel("kiosque", 2)["screens"] == ["info-kiosque", "pub-neuf"],
             what="channel 2 rebound")
    wait_for(lambda: gw.channel("kiosque", 2)["confirmed"] == "off", what="channel 2 off")
    # a box the gateway does not drive is refused, and nothing is written
    status, url, html = b.post("/tech/bind", {"csrf": csrf(html, "/tech/bind"),
                                              "screen": "pub-neuf", "box": "ailleurs",
                                              "channel": "1"})
    assert status == 409 and "boîtier inconnu de la passerelle" in html
    assert gw.sql("SELECT box, channel FROM screens WHERE id = 'pub-neuf'") == [("kiosque", 2)]


def test_metrics_and_clock_come_from_the_daemon(desk):
    b, tas, gw = desk
    wait_for(lambda: gw.channel("kiosque", 1)["confirmed"] == "off", what="advertising off")
    text = b.get("/metrics")[2]
    metrics = dict(l.rsplit(" ", 1) for l in text.splitlines() if l and not l.startswith("#"))
    assert metrics["decran_gateway_mqtt_connected"] == "1"
    assert int(metrics["decran_commands_total"]) >= 1
    assert int(metrics["decran_confirmations_total"]) >= 1
    assert metrics['decran_boxes{state="online"}'] == "1"
    assert metrics['decran_alarms_active{kind="offline"}'] == "0"
    # every confirmation is counted once in the latency histogram
    assert metrics['decran_command_confirm_seconds_bucket{le="+Inf"}'] == \
        metrics["decran_command_confirm_seconds_count"]
    assert int(metrics["decran_command_confirm_seconds_count"]) == \
        int(metrics["decran_confirmations_total"])
    # the screen page explains the state at the gateway's (test) clock: 22:00+ in Paris
    html = b.get("/screen/pub-kiosque")[2]
    assert "23/11/2026" in html or "23 nov" in html, html[:3000]
    tas.crash()
    wait_for(lambda: 'decran_alarms_active{kind="offline"} 1' in b.get("/metrics")[2],
             what="offline alarm counted")


def test_public_pages_stay_cached_while_the_gateway_works(desk, decran):
    """The gateway writes commands, outcomes and alarms on the dashboard's own
    connection all night: the public pages do not show them, so they stay
    cached; an inventory edit (another connection) or one audited on this
    connection renders them anew."""
    b, tas, gw = desk

    def hits():
        text = b.get("/metrics")[2]
        return int(re.search(r"^decran_web_cache_hits_total (\d+)$", text, re.M).group(1))

    # after the gateway's first ledger update (the next one is at 22:05)
    gw.wait_log(r"info energy: ledger updated")
    page = b.get("/")[2]
    before = hits()
    # the gateway records its work (the 22:00 switch): the page stays cached
    wait_for(lambda: gw.sql("SELECT count(*) FROM command_outcomes")[0][0] >= 1, what="an outcome")
    assert b.get("/")[2] == page
    assert hits() == before + 1
    # an alarm is news for the official: the home page's banner shows it at once
    tas.crash()
    wait_for(lambda: gw.sql("SELECT count(*) FROM alarm_events")[0][0] >= 1, what="an alarm row")
    wait_for(lambda: 'id="glance-alarms"' in b.get("/")[2], what="the alarm banner")
    page = b.get("/")[2]
    before = hits()
    assert b.get("/")[2] == page
    assert hits() == before + 1
    # an inventory change shows at once
    assert decran("screens", "edit", "pub-kiosque", "--set", "status=slated_for_removal",
                  "--set", "removal_target=2027-06-30").returncode == 0
    after = b.get("/")[2]
    assert after != page
    assert hits() == before + 1


def test_http_library_only_in_decran_web(desk):
    """libmicrohttpd (and the GnuTLS stack it links) is mapped by decran-web,
    never by the gateway, which carries no HTTP."""
    b, tas, gw = desk
    with open("/proc/%d/maps" % gw.web.pid) as f:
        assert "libmicrohttpd" in f.read()
    with open("/proc/%d/maps" % gw.proc.pid) as f:
        maps = f.read()
    assert "libmicrohttpd" not in maps and "libgnutls" not in maps


def test_decran_web_opens_the_database_read_only(desk):
    """The dashboard's process holds the main database read-only (O_RDONLY),
    and writes only its own sessions file."""
    b, tas, gw = desk
    login(b)
    fds = os.path.join("/proc", str(gw.web.pid), "fd")
    modes = {}
    for fd in os.listdir(fds):
        try:
            target = os.readlink(os.path.join(fds, fd))
        except OSError:
            continue
        with open(os.path.join("/proc", str(gw.web.pid), "fdinfo", fd)) as f:
            flags = int(re.search(r"flags:\s+(\d+)", f.read()).group(1), 8)
        modes[target] = flags & os.O_ACCMODE
    assert modes[os.path.realpath(gw.db)] == os.O_RDONLY, modes
    assert modes[os.path.realpath(os.path.join(gw.tmp, "web-sessions.db"))] == os.O_RDWR


def test_dashboard_says_unreachable_when_the_gateway_is_down(desk):
    b, tas, gw = desk
    login(b)
    gw.kill()
    html = b.get("/tech")[2]
    assert "Passerelle injoignable : état des boîtiers inconnu." in html
    assert "Passerelle injoignable : alarmes inconnues." in html
    assert b.get("/")[0] == 200                    # public pages need no gateway
    text = b.get("/metrics")[2]
    assert "decran_gateway_up 0" in text
    status, _, html = b.post("/tech/relay", {"csrf": csrf(html, "/tech/relay"), "box": "kiosque",
                                             "channel": "1"})
    assert status == 503 and "Passerelle non connectée" in html


def test_control_socket_gives_each_role_its_verbs(broker, tmp_path, db, decran):
    """The peer's role comes from its credentials (SO_PEERCRED), mapped by
    gateway.json's "control" section; this test's uid mapped to "web" may read
    and act on relays, and is refused an admin verb even talking to the
    socket directly, whatever its request claims; "readonly" may only read."""
    me = pwd.getpwuid(os.getuid()).pw_name
    add_screen(decran, "pub-kiosque", "advertising", "kiosque", 1)
    tas = Tasmota(broker, "kiosque", 2).connect()
    gw = Gateway(tmp_path, broker, BOXES, db, extra={"control": {"web": [me]}}).start()
    try:
        gw.wait_log(r"info mqtt: connected")
        assert gw.api({"cmd": "status"})["ok"] is True
        assert [x["id"] for x in gw.api({"cmd": "boxes"})["boxes"]] == ["kiosque"]
        for req in ({"cmd": "reload"}, {"cmd": "reload", "role": "admin"},
                    {"cmd": "reload", "actor": "root", "uid": 0}):
            ans = gw.api(req)
            assert ans["ok"] is False and ans.get("denied") is True, ans
            assert '"reload" needs the admin role' in ans["error"] and "has web" in ans["error"]
        gw.wait_log(r"warn control: denied cmd=reload role=web uid=%d pid=\d+" % os.getuid())
        assert "reloaded" not in gw.log()
        # the web role's actions pass, with the named actor in the audit trail
        ans = gw.api({"cmd": "override-set", "screen": "pub-kiosque", "on": True,
                            "until": int(gw.api({"cmd": "status"})["now"]) + 3600,
                            "reason": "essai de rôle", "actor": "tech"})
        assert ans["ok"] is True, ans
        assert gw.sql("SELECT author FROM overrides WHERE id = ?", ans["id"]) == [("tech",)]
        assert gw.api({"cmd": "override-clear", "id": ans["id"], "actor": "tech"})["ok"]
    finally:
        gw.stop()
    gw.cfg["control"] = {"readonly": [me]}
    gw.start()
    try:
        assert gw.api({"cmd": "alarms"})["ok"] is True
        for req in ({"cmd": "relay-test", "box": "kiosque", "channel": 1, "wait": False},
                    {"cmd": "bind", "screen": "pub-kiosque", "box": "kiosque", "channel": 2},
                    {"cmd": "unbind", "screen": "pub-kiosque"}):
            ans = gw.api(req)
            assert ans["ok"] is False and ans["denied"] is True, ans
        assert gw.sql("SELECT box, channel FROM screens WHERE id = 'pub-kiosque'") == [("kiosque", 1)]
    finally:
        gw.stop()
        tas.close()


def test_decran_web_checks_its_configuration(tmp_path, db):
    """`decran-web -n` checks web.json like `decran-gateway -n`; a bad field is
    named with its file, and nothing starts."""
    import subprocess
    from harness import bin_path
    good = tmp_path / "web.json"
    good.write_text(json.dumps({"listen": "127.0.0.1:0", "db": db, "assets": "../dashboard"}))
    r = subprocess.run([bin_path("decran-web"), "-c", str(good), "-n"], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0 and "configuration OK" in r.stdout, r.stderr
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"listen": "127.0.0.1:0", "session_hours": 0}))
    r = subprocess.run([bin_path("decran-web"), "-c", str(bad)], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 1
    assert "%s: session_hours: expected an integer from 1 to 720" % bad in r.stderr, r.stderr
    # an older database is not migrated by a reader: it says what to run
    old = tmp_path / "old.db"
    import sqlite3
    con = sqlite3.connect(str(old))
    con.execute("CREATE TABLE t(x)")
    con.execute("PRAGMA user_version = 3")
    con.close()
    r = subprocess.run([bin_path("decran-web"), "--db", str(old), "--listen", "127.0.0.1:0",
                        "--sessions", str(tmp_path / "s.db")], capture_output=True, text=True,
                       timeout=30, env=dict(os.environ, LANG="C.UTF-8"))
    assert r.returncode == 1 and "lancez d'abord decran-gateway" in r.stderr, r.stderr
