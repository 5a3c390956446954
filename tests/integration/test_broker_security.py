"""The broker as decran ships it (issue 15): dist/mosquitto-decran.conf run by
a real mosquitto, TLS from an authority made at test time with the openssl
CLI, accounts and ACLs written by `decran boxes provision`.  Anonymous
clients are refused; the gateway and a relay box connect with TLS and their
credentials and the night switch-off works; a box's account reaches its own
topics only; a revoked box is refused; bad TLS or account settings stop the
daemons with the field named; a wrong authority is refused with OpenSSL's
reason in the log."""
import grp
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import tempfile
import threading

import paho.mqtt.client as mqtt
import pytest

from gwtest import PARIS_2200, DecranRelay, Gateway, add_screen, wait_for
from harness import TOP, bin_path, free_port, stop, wait_port

BOXES = [
    {"id": "gare", "driver": "native", "channels": 2},
    {"id": "mairie", "driver": "native", "channels": 1},
    {"id": "kiosque", "driver": "tasmota", "topic": "kiosque", "channels": 1},
    {"id": "abri", "driver": "shelly", "prefix": "shellies/abri", "channels": 1},
]


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", name + ".key", "-out", name + ".crt", "-days", "2", "-subj",
            "/CN=decran test " + name, cwd=d)


def make_server_cert(d):
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost", cwd=d)
    with open(os.path.join(d, "san.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "san.ext", cwd=d)


class Setup:
    """The broker's directory (readable by mosquitto once it drops root),
    the gateway's configuration, and the shipped broker configuration with
    only its paths and ports changed."""

    def __init__(self, root):
        self.dir = tempfile.mkdtemp(prefix="decran-tls-")
        os.chmod(self.dir, 0o755)
        make_ca(self.dir, "ca")
        make_ca(self.dir, "other-ca")
        make_server_cert(self.dir)
        try:
            gid = grp.getgrnam("mosquitto").gr_gid
            os.chown(os.path.join(self.dir, "server.key"), -1, gid)
            os.chmod(os.path.join(self.dir, "server.key"), 0o640)
        except KeyError:
            pass
        self.ca = os.path.join(self.dir, "ca.crt")
        self.plain_port, self.tls_port, self.other_port = free_port(), free_port(), free_port()
        self.root = str(root)
        self.pidfile = os.path.join(self.dir, "mosquitto.pid")
        self.proc = None

    def gateway_cfg(self, **broker):
        b = {"host": "127.0.0.1", "port": self.tls_port, "keepalive_s": 5,
             "username": "decran-gateway", "password_file": os.path.join(self.root, "gw.password"),
             "tls": {"ca_file": self.ca}}
        b.update(broker)
        return {"broker": b,
                "mosquitto": {"password_file": os.path.join(self.dir, "passwd"),
                              "acl_file": os.path.join(self.dir, "acl"),
                              "pid_file": self.pidfile},
                "box_keys_dir": os.path.join(self.root, "keys")}

    def start(self):
        with open(os.path.join(TOP, "dist", "mosquitto-decran.conf")) as f:
            conf = f.read()
        assert "allow_anonymous false" in conf and "\nlistener 8883\n" in conf
        conf = conf.replace("/etc/mosquitto/decran/", self.dir + "/")
        conf = conf.replace("listener 1883 127.0.0.1", "listener %d 127.0.0.1" % self.plain_port)
        # Loopback only in tests.
        conf = conf.replace("\nlistener 8883\n", "\nlistener %d 127.0.0.1\n" % self.tls_port)
        path = os.path.join(self.dir, "mosquitto.conf")
        # A second TLS address with the same certificate, which does not
        # name it: a client must refuse it.
        other = "listener %d 127.0.0.2\ncafile %s/ca.crt\ncertfile %s/server.crt\n" \
                "keyfile %s/server.key\n" % (self.other_port, self.dir, self.dir, self.dir)
        with open(path, "w") as f:
            f.write(conf + "\n" + other + "persistence false\nlog_dest stderr\n")
        self.log = open(os.path.join(self.dir, "mosquitto.log"), "ab")
        self.proc = subprocess.Popen(["/usr/sbin/mosquitto", "-c", path],
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        with open(self.pidfile, "w") as f:
            f.write("%d\n" % self.proc.pid)
        wait_port(self.tls_port, proc=self.proc)
        wait_port(self.plain_port, proc=self.proc)
        return self

    def logtext(self):
        with open(os.path.join(self.dir, "mosquitto.log"), "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        stop(self.proc)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def cli(cfg_path, *args):
    return subprocess.run([bin_path("decran"), "boxes", *args, "--config", cfg_path],
                          env=dict(os.environ, LANG="en_US.UTF-8", LC_ALL=""),
                          capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    s = Setup(root)
    s.cfg_path = os.path.join(str(root), "gateway.json")
    cfg = dict(s.gateway_cfg(), db=os.path.join(str(root), "x.db"),
               rules=os.path.join(TOP, "tests", "fixtures", "rules.json"), boxes=BOXES)
    with open(s.cfg_path, "w") as f:
        json.dump(cfg, f)
    r = cli(s.cfg_path, "provision", "--gateway")
    assert r.returncode == 0, r.stderr
    s.bundles = {}
    for box in ("gare", "mairie", "kiosque", "abri"):
        out = os.path.join(str(root), "bundle-" + box)
        r = cli(s.cfg_path, "provision", box, "--out", out, "--host", "localhost",
                "--port", str(s.tls_port), "--ca", s.ca)
        assert r.returncode == 0, r.stderr
        s.bundles[box] = out
    r = cli(s.cfg_path, "provision", "--grid", "--out", os.path.join(str(root), "bundle-grid"))
    assert r.returncode == 0, r.stderr
    # A test account that reads everything (an administrator's own entry,
    # written with mosquitto's own tool): provisioning must keep it.
    subprocess.run(["mosquitto_passwd", "-b", os.path.join(s.dir, "passwd"), "probe", "probe-pw"],
                   check=True, capture_output=True)
    with open(os.path.join(s.dir, "acl"), "a") as f:
        f.write("\nuser probe\ntopic read #\n")
    s.start()
    yield s
    s.stop()


def password(site, box):
    name = "mqtt-password" if box in ("gare", "mairie") else None
    if name:
        with open(os.path.join(site.bundles[box], name)) as f:
            return f.read().strip()
    text = open(os.path.join(site.bundles[box], "tasmota-console.txt")).read()
    return re.search(r"MqttPassword (\S+);", text).group(1)


class Client:
    """paho with a username, TLS on the broker's TLS port unless plain."""

    def __init__(self, site, user=None, pw=None, plain=False, ca=None):
        self.c = mqtt.Client(client_id="t-%s-%s" % (user or "anon", os.urandom(3).hex()))
        self.msgs = []
        self.cond = threading.Condition()
        self.rc = None
        self.done = threading.Event()
        if user:
            self.c.username_pw_set(user, pw)
        if not plain:
            self.c.tls_set(ca_certs=ca or site.ca, cert_reqs=ssl.CERT_REQUIRED)

        def on_connect(_c, _u, _f, rc):
            self.rc = rc
            self.done.set()

        def on_message(_c, _u, m):
            with self.cond:
                self.msgs.append((m.topic, m.payload))
                self.cond.notify_all()

        self.c.on_connect = on_connect
        self.c.on_message = on_message
        self.c.on_disconnect = lambda *_: self.done.set()
        self.c.connect("127.0.0.1", site.plain_port if plain else site.tls_port, 10)
        self.c.loop_start()
        self.done.wait(10)

    def sub(self, *topics):
        for t in topics:
            r, mid = self.c.subscribe(t, qos=1)
        return self

    def topics(self):
        with self.cond:
            return [t for t, _ in self.msgs]

    def wait_topic(self, topic, timeout=10):
        with self.cond:
            ok = self.cond.wait_for(lambda: topic in [t for t, _ in self.msgs], timeout)
        assert ok, "no message on %s: %s" % (topic, self.msgs)

    def pub(self, topic, payload=b"x", retain=False):
        self.c.publish(topic, payload, qos=1, retain=retain).wait_for_publish(10)

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()


def test_anonymous_clients_are_refused_on_both_listeners(site):
    for plain in (True, False):
        c = Client(site, plain=plain)
        assert c.rc == 5, "anonymous accepted (plain=%s): rc=%s" % (plain, c.rc)
        c.close()
    c = Client(site, "gare", "not-the-password")
    assert c.rc == 5
    c.close()


def test_each_account_reaches_its_own_topics_only(site):
    probe = Client(site, "probe", "probe-pw").sub("#")
    assert probe.rc == 0
    gare = Client(site, "gare", password(site, "gare")).sub("decran/mairie/cmd/+",
                                                             "decran/gare/cmd/+")
    assert gare.rc == 0
    gw_pw = open(os.path.join(site.root, "gw.password")).read().strip()
    gw = Client(site, "decran-gateway", gw_pw)
    assert gw.rc == 0
    try:
        # Forgeries from gare's account, each followed by a message it may
        # send: the broker keeps one client's messages in order, so once
        # the marker is seen a forgery let through would have been too.
        forged = ["decran/mairie/state/1", "decran/mairie/status", "decran/gare/fallback",
                  "decran/mairie/fallback", "decran/gateway/status", "decran/gare/cmd/1",
                  "decran/mairie/cmd/1", "decran/gateway/grid-alert", "cmnd/kiosque/POWER1",
                  "shellies/abri/rpc"]
        for t in forged:
            gare.pub(t, b'{"v":1,"online":true}')
        gare.pub("decran/gare/tele", b"{}")
        probe.wait_topic("decran/gare/tele")
        assert [t for t in probe.topics() if t in forged] == [], probe.topics()
        # Its own state and status go through.
        gare.pub("decran/gare/state/1", b"{}")
        probe.wait_topic("decran/gare/state/1")
        # It reads its own commands, never another box's.
        gw.pub("decran/mairie/cmd/1", b"{}")
        gw.pub("decran/gare/cmd/2", b"{}")
        gare.wait_topic("decran/gare/cmd/2")
        assert "decran/mairie/cmd/1" not in gare.topics()
        # The Tasmota account: its own stat/tele only, not the commands.
        kiosque = Client(site, "kiosque", password(site, "kiosque"))
        assert kiosque.rc == 0
        kiosque.pub("cmnd/kiosque/POWER1", b"ON")
        kiosque.pub("stat/gare/POWER1", b"ON")
        kiosque.pub("stat/kiosque/POWER1", b"OFF")
        probe.wait_topic("stat/kiosque/POWER1")
        assert "cmnd/kiosque/POWER1" not in probe.topics()
        assert "stat/gare/POWER1" not in probe.topics()
        kiosque.close()
        # Grid alerts come from their own account, not from a box.
        grid_pw = open(os.path.join(site.root, "bundle-grid", "mqtt.password")).read().strip()
        grid = Client(site, "decran-grid", grid_pw)
        assert grid.rc == 0
        grid.pub("decran/gateway/grid-alert", b"{}")
        probe.wait_topic("decran/gateway/grid-alert")
        grid.pub("decran/gateway/status", b"{}")
        grid.pub("decran/gateway/grid-alert", b"{}")
        wait_for(lambda: probe.topics().count("decran/gateway/grid-alert") == 2)
        assert "decran/gateway/status" not in probe.topics()
        grid.close()
    finally:
        for c in (probe, gare, gw):
            c.close()


def test_acl_lines_name_exactly_each_role(site):
    acl = open(os.path.join(site.dir, "acl")).read()
    block = acl[acl.index("user gare\n"):].split("\n\n")[0]
    assert block.splitlines()[1:] == [
        "topic write decran/gare/state/+", "topic write decran/gare/status",
        "topic write decran/gare/tele", "topic write decran/gare/journal",
        "topic write decran/gare/result", "topic write decran/gare/error",
        "topic read decran/gare/cmd/+", "topic read decran/gare/fallback",
        "topic read decran/gare/journal/ack", "topic read decran/gare/tele/get",
        "topic read decran/gare/gateway", "topic read decran/gateway/status"]
    # The gateway's block follows the configuration's Tasmota and Shelly boxes.
    gw = acl[acl.index("user decran-gateway\n"):].split("\n\n")[0]
    assert "topic write cmnd/kiosque/#" in gw and "topic write shellies/abri/rpc" in gw
    assert "user probe\ntopic read #" in acl     # the administrator's entry is kept
    # The files are the broker's to read, no one else's.
    st = os.stat(os.path.join(site.dir, "passwd"))
    assert st.st_mode & 0o077 in (0, 0o040), oct(st.st_mode)
    key = os.path.join(site.root, "keys", "gare.key")
    assert os.stat(key).st_mode & 0o777 == 0o600
    assert re.fullmatch(r"[0-9a-f]{64}\n", open(key).read())
    snippet = json.load(open(os.path.join(site.bundles["gare"], "decran-relay.snippet.json")))
    assert snippet["mqtt"]["username"] == "gare"
    assert snippet["mqtt"]["password_file"] == "mqtt-password"
    assert snippet["command_key_file"] == "/etc/decran-relay/command.key"
    assert open(os.path.join(site.bundles["gare"], "command.key")).read() == open(key).read()


def relay_log(box):
    with open(os.path.join(box.dir, "relay.log"), "rb") as f:
        return f.read().decode(errors="replace")


def relay_with_bundle(site, tmp_path, box, clock, **tls):
    """A decran-relay whose mqtt section is the provisioned snippet's, with
    the test's broker address and authority."""
    snippet = json.load(open(os.path.join(site.bundles[box], "decran-relay.snippet.json")))
    mqtt_cfg = dict(snippet["mqtt"], host="localhost", port=site.tls_port, keepalive_s=5,
                    backoff_min_ms=100, backoff_max_ms=500)
    mqtt_cfg["tls"] = dict(mqtt_cfg["tls"], ca_file=site.ca)
    mqtt_cfg["tls"].update(tls)

    class B:
        port = site.tls_port
    # The box's command key, as provisioned (the gateway seals for it).
    key = os.path.join(site.bundles[box], "command.key")
    r = DecranRelay(tmp_path, B, box, 2 if box == "gare" else 1, clock,
                    extra={"mqtt": mqtt_cfg, "command_key_file": key})
    # "mqtt-password" is a systemd credential: the bundle stands for
    # $CREDENTIALS_DIRECTORY.
    r.env = {"CREDENTIALS_DIRECTORY": site.bundles[box]}
    return r


def test_gateway_and_relay_over_tls_switch_off_at_night(site, tmp_path, db, decran):
    add_screen(decran, "pub-gare", "advertising", "gare", 1)
    add_screen(decran, "info-gare", "information", "gare", 2)

    class B:
        port = site.tls_port
    box = relay_with_bundle(site, tmp_path, "gare", PARIS_2200 + ",1")
    box.start()
    gw = Gateway(tmp_path, B, BOXES, db, clock=PARIS_2200 + ",1",
                 extra=site.gateway_cfg()).start()
    try:
        wait_for(lambda: box.relays() == {1: 1, 2: 1}, what="screens on in the evening")
        wait_for(lambda: box.relays() == {1: 0, 2: 1}, timeout=15, what="advertising off")
        wait_for(lambda: gw.channel("gare", 1)["confirmed"] == "off", what="confirmed off")
        assert "info mqtt: connected" in gw.log()
        assert "connecté au courtier localhost:%d" % site.tls_port in relay_log(box)
        assert "HMAC-SHA256" in relay_log(box)     # sealed commands, the provisioned key
    finally:
        gw.stop()
        box.stop()


def test_revoked_box_is_refused_and_its_key_gone(site):
    pw = password(site, "mairie")
    c = Client(site, "mairie", pw)
    assert c.rc == 0
    c.close()
    before = open(os.path.join(site.dir, "passwd")).read()
    r = cli(site.cfg_path, "revoke", "mairie")
    assert r.returncode == 0, r.stderr
    assert "rereads its files" in r.stdout
    after = open(os.path.join(site.dir, "passwd")).read()
    assert "mairie:" in before and "mairie:" not in after
    assert [l for l in before.splitlines() if not l.startswith("mairie:")] == after.splitlines()
    assert "user mairie" not in open(os.path.join(site.dir, "acl")).read()
    assert not os.path.exists(os.path.join(site.root, "keys", "mairie.key"))

    def refused():
        c = Client(site, "mairie", pw)
        c.close()
        return c.rc == 5
    wait_for(refused, what="revoked account refused")
    # Again, or a mistyped name: an error that says so, no change.
    acl = open(os.path.join(site.dir, "acl")).read()
    for name, why in (("mairie", "nothing to revoke"), ("mairei", 'no box "mairei"')):
        r = cli(site.cfg_path, "revoke", name)
        assert r.returncode == 1 and why in r.stderr, (name, r.stdout, r.stderr)
        assert not r.stdout
        assert open(os.path.join(site.dir, "passwd")).read() == after
        assert open(os.path.join(site.dir, "acl")).read() == acl
    # Others still get in, the hand-written account included.
    for user, p in (("gare", password(site, "gare")), ("probe", "probe-pw")):
        c = Client(site, user, p)
        assert c.rc == 0, user
        c.close()


def test_provisioning_twice_refuses_and_changes_nothing(site):
    files = [os.path.join(site.dir, "passwd"), os.path.join(site.dir, "acl"),
             os.path.join(site.root, "keys", "gare.key")]
    before = [open(f).read() for f in files]
    r = cli(site.cfg_path, "provision", "gare", "--out", site.bundles["gare"])
    assert r.returncode == 1
    assert '"gare" already has an account' in r.stderr and "--rotate" in r.stderr, r.stderr
    assert [open(f).read() for f in files] == before
    # --rotate: a new password and key; the old password stops working.
    old_pw = password(site, "gare")
    r = cli(site.cfg_path, "provision", "gare", "--rotate", "--out", site.bundles["gare"],
            "--host", "localhost", "--port", str(site.tls_port))
    assert r.returncode == 0, r.stderr
    new_pw = password(site, "gare")
    assert new_pw != old_pw
    assert open(files[2]).read() != before[2]
    assert open(files[1]).read() == before[1]      # same rights

    def rotated():
        old, new = Client(site, "gare", old_pw), Client(site, "gare", new_pw)
        old.close()
        new.close()
        return old.rc == 5 and new.rc == 0
    wait_for(rotated, what="old password refused, new one accepted")


def run_daemon(args, env=None):
    return subprocess.run(args, capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, LANG="en_US.UTF-8", LC_ALL="",
                                   DECRAN_CLOCK_SYNCED="1", **(env or {})))


BAD_FIELDS = [
    ({"tls": {"ca_file": "/nonexistent/ca.crt"}}, "tls.ca_file: /nonexistent/ca.crt: no such file"),
    ({"tls": {"ca_file": "CA", "key_file": "/etc/hostname"}}, "tls.cert_file: required with \"key_file\""),
    ({"tls": {"ca_file": "CA", "min_version": "tlsv1.0"}}, "tls.min_version: \"tlsv1.0\" unknown"),
    ({"tls": {"ca_file": "CA", "verify": False}}, "tls.verify: false also needs \"insecure\": true"),
    ({"tls": {"ca_dir": "/nonexistent"}}, "tls.ca_dir: /nonexistent: no such file"),
    ({"password_file": "OPEN"}, "password_file: OPEN: readable by others than its owner"),
    ({"password_file": "/nonexistent/pw"}, "password_file: /nonexistent/pw: no such file"),
]


@pytest.mark.parametrize("fields,message", BAD_FIELDS)
def test_bad_tls_or_account_field_stops_both_daemons(site, tmp_path, db, fields, message):
    open_pw = tmp_path / "open.password"
    open_pw.write_text("secret\n")
    open_pw.chmod(0o644)
    subst = json.loads(json.dumps(fields).replace('"CA"', json.dumps(site.ca))
                       .replace('"OPEN"', json.dumps(str(open_pw))))
    message = message.replace("OPEN", str(open_pw))

    class B:
        port = site.tls_port
    gcfg = site.gateway_cfg()
    gcfg["broker"] = dict({k: v for k, v in gcfg["broker"].items() if k != "tls"}, **subst)
    gw = Gateway(tmp_path, B, BOXES, db, extra=gcfg)
    gw.write_config()
    r = run_daemon([bin_path("decran-gateway"), "-c", gw.cfg_path])
    assert r.returncode != 0 and "broker." + message in r.stderr, r.stderr
    assert not os.path.exists(gw.sock)

    mqtt_cfg = {"host": "localhost", "port": site.tls_port, "username": "gare",
                "password_file": os.path.join(site.bundles["gare"], "mqtt-password")}
    mqtt_cfg.update(subst)
    box = DecranRelay(tmp_path, B, "gare", 1, PARIS_2200 + ",1", extra={"mqtt": mqtt_cfg})
    r = run_daemon([bin_path("decran-relay"), "-c", box.conf])
    assert r.returncode != 0 and "mqtt." + message in r.stderr, r.stderr


def test_wrong_authority_is_refused_with_the_reason_logged(site, tmp_path, db):
    class B:
        port = site.tls_port
    other = os.path.join(site.dir, "other-ca.crt")
    gw = Gateway(tmp_path, B, BOXES, db,
                 extra=site.gateway_cfg(tls={"ca_file": other})).start()
    try:
        gw.wait_log(r"warn mqtt: cannot connect host=127.0.0.1 port=%d "
                    r"error=\"TLS: .*certificate verify failed" % site.tls_port)
        assert "info mqtt: connected" not in gw.log()
    finally:
        gw.stop()
    box = relay_with_bundle(site, tmp_path, "gare", PARIS_2200 + ",1", ca_file=other)
    box.start()
    try:
        wait_for(lambda: "certificate verify failed" in relay_log(box), what="TLS refusal logged")
        assert "connecté au courtier" not in relay_log(box)
    finally:
        box.stop()


def test_a_certificate_for_another_name_is_refused(site, tmp_path, db):
    """The right authority, but the certificate names 127.0.0.1 and
    localhost, not 127.0.0.2: the name is checked, not just the chain."""
    class B:
        port = site.other_port
    gw = Gateway(tmp_path, B, BOXES, db, extra=site.gateway_cfg(
        host="127.0.0.2", port=site.other_port)).start()
    try:
        gw.wait_log(r"warn mqtt: cannot connect host=127.0.0.2 .*certificate verify failed")
        assert "info mqtt: connected" not in gw.log()
    finally:
        gw.stop()


def tree(d):
    """Every path under d with its owner, mode and content."""
    out = {}
    for base, dirs, files in os.walk(d):
        for n in dirs + files:
            p = os.path.join(base, n)
            st = os.lstat(p)
            data = open(p, "rb").read() if n in files else None
            out[p] = (st.st_uid, st.st_mode, data)
    return out


@pytest.mark.parametrize("what", [["gare", "--out", "BUNDLE"], ["--gateway"]],
                         ids=["box", "gateway"])
def test_provisioning_as_another_user_refuses_and_writes_nothing(what):
    """The secrets must belong to the gateway's user (the owner of its
    database's directory), and only root can give a file away: anyone else
    is told so before anything is written."""
    if os.geteuid() != 0:
        pytest.skip("needs root to act as another user")
    gw_user, other = 65534, 65533
    d = tempfile.mkdtemp(prefix="decran-prov-")
    try:
        os.chmod(d, 0o755)
        dbdir, mq = os.path.join(d, "var"), os.path.join(d, "mosquitto")
        os.mkdir(dbdir)
        os.chown(dbdir, gw_user, gw_user)
        os.mkdir(mq)
        os.chmod(mq, 0o777)     # writable: only the ownership rule refuses
        cfg_path = os.path.join(d, "gateway.json")
        with open(cfg_path, "w") as f:
            json.dump({"broker": {"host": "127.0.0.1", "port": free_port(),
                                  "username": "decran-gateway",
                                  "password_file": os.path.join(mq, "gw.password")},
                       "mosquitto": {"password_file": os.path.join(mq, "passwd"),
                                     "acl_file": os.path.join(mq, "acl")},
                       "box_keys_dir": os.path.join(mq, "keys"),
                       "db": os.path.join(dbdir, "x.db"),
                       "rules": os.path.join(TOP, "tests", "fixtures", "rules.json"),
                       "boxes": BOXES}, f)
        args = [a.replace("BUNDLE", os.path.join(mq, "bundle")) for a in what]
        # The other user may not reach the build tree (a home directory of
        # mode 0700, /root on a fresh machine): it runs a copy from here.
        exe = os.path.join(d, "decran")
        shutil.copy(bin_path("decran"), exe)
        os.chmod(exe, 0o755)
        before = tree(d)

        def provision_as(uid):
            def become():
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
            return subprocess.run([exe, "boxes", "provision", *args,
                                   "--config", cfg_path],
                                  env=dict(os.environ, LANG="en_US.UTF-8", LC_ALL=""), cwd=mq,
                                  preexec_fn=become, capture_output=True, text=True, timeout=60)
        r = provision_as(other)
        assert r.returncode == 1, r.stdout + r.stderr
        assert "must belong to user %d" % gw_user in r.stderr, r.stderr
        assert "run me as root (sudo) or as that user; nothing was written" in r.stderr
        assert tree(d) == before
        # The gateway's own user may: the secrets are its own.
        r = provision_as(gw_user)
        assert r.returncode == 0, r.stdout + r.stderr
        secret = os.path.join(mq, "gw.password" if what == ["--gateway"] else "keys/gare.key")
        st = os.stat(secret)
        assert (st.st_uid, st.st_mode & 0o777) == (gw_user, 0o600)
    finally:
        shutil.rmtree(d, ignore_errors=True)
