"""Build conventions and the installed layout (issue 17): the environment's
flags are added to the project's, the firmware builds with its own libraries
alone, a missing library is named with its Debian package, `make install`
lays out FHS paths, no build path is compiled in, and every systemd unit
verifies and scores OK or better in systemd-analyze's security review."""
import json
import os
import re
import shutil
import stat
import subprocess

import pytest

from harness import BIN, TOP, bin_path

B = os.path.relpath(os.path.dirname(BIN), TOP)   # build or build-san
UNITS = ["decran-gateway.service", "decran-web.service", "decran-relay.service"]
RELAY_MODULES = {"libmosquitto", "libssl", "libcrypto", "libmodbus", "libcjson", "libgpiod", "libsystemd"}


def make(*args, env=None, timeout=600):
    return subprocess.run(["make", "--no-print-directory", "-C", TOP, *args],
                          env=dict(os.environ, **(env or {})), capture_output=True, text=True,
                          timeout=timeout)


def fake_pkg_config(tmp_path, allowed):
    """A pkg-config that knows only `allowed`: what a machine with only
    those -dev packages answers."""
    p = tmp_path / "pkg-config"
    p.write_text("#!/bin/sh\n"
                 "for a in \"$@\"; do case $a in -*) ;; %s) ;; *) exit 1;; esac; done\n"
                 "exec pkg-config \"$@\"\n" % ("|".join(sorted(allowed)) or "__none__"))
    p.chmod(0o755)
    return str(p)


def test_environment_flags_are_added_not_replacing(tmp_path):
    out = str(tmp_path / "b")
    r = make("-n", "B=" + out, "CFLAGS=-O1 -fno-common", "CPPFLAGS=-DFROM_ENV=1",
             "LDFLAGS=-Wl,-O1", out + "/bin/decran")
    assert r.returncode == 0, r.stderr
    cc = [l for l in r.stdout.splitlines() if " -c gateway/cli/main.c " in l][0]
    for flag in ("-Wall", "-Wextra", "-Werror", "-D_TIME_BITS=64", "-D_FILE_OFFSET_BITS=64",
                 "-DFROM_ENV=1", "-fno-common", "-ffile-prefix-map="):
        assert flag in cc, (flag, cc)
    # The environment's optimisation comes after the project's, so it wins.
    assert cc.index("-O1") > cc.index("-O2") if "-O2" in cc else "-O1" in cc
    ld = [l for l in r.stdout.splitlines() if "-o " + out + "/bin/decran " in l][0]
    assert "-Wl,-O1" in ld and "-Wl,-z,relro,-z,now" in ld


def test_compiler_and_pkg_config_are_overridable(tmp_path):
    out = str(tmp_path / "b")
    r = make("-n", "B=" + out, "CC=my-cross-gcc", "AR=my-cross-ar", out + "/bin/decran")
    assert r.returncode == 0, r.stderr
    assert re.search(r"^my-cross-gcc .* -c ", r.stdout, re.M)
    assert re.search(r"^my-cross-ar rcs ", r.stdout, re.M)
    # The named pkg-config is asked, and a module it lacks is named with
    # the Debian package to install.
    pc = fake_pkg_config(tmp_path, RELAY_MODULES - {"libgpiod"})
    r = make("B=" + out, "PKG_CONFIG=" + pc, "relay")
    assert r.returncode != 0
    assert "pkg-config module libgpiod" in r.stderr and "libgpiod-dev" in r.stderr, r.stderr
    assert "libsqlite3-dev" not in r.stderr     # not the firmware's


def test_relay_builds_with_the_firmware_libraries_alone(tmp_path):
    out = tmp_path / "b"
    pc = fake_pkg_config(tmp_path, RELAY_MODULES)
    r = make("B=" + str(out), "PKG_CONFIG=" + pc, "relay")
    assert r.returncode == 0, r.stdout + r.stderr
    relay = out / "bin" / "decran-relay"
    assert relay.exists()
    assert not (out / "bin" / "decran-gateway").exists()
    built = {str(p.relative_to(out / "obj")) for p in (out / "obj").rglob("*.o")}
    assert not [o for o in built if o.startswith("gateway/")], built
    assert "lib/calendar_ics.o" not in built
    libs = subprocess.run(["ldd", str(relay)], capture_output=True, text=True).stdout
    for lib in ("libsqlite3", "libical", "libmicrohttpd", "libcrypt.so"):
        assert lib not in libs, lib
    assert subprocess.run([str(relay), "--version"], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def destdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("dest")
    r = make("B=" + B, "DESTDIR=" + str(d), "install")
    assert r.returncode == 0, r.stdout + r.stderr
    return d


def test_install_lays_out_fhs_paths(destdir):
    for path in ("usr/bin/decran", "usr/bin/decran-gateway", "usr/bin/decran-relay",
                 "etc/decran/gateway.json", "etc/decran/rules.json",
                 "etc/decran-relay/decran-relay.json", "etc/mosquitto/conf.d/decran.conf",
                 "usr/share/decran/profiles/eastron-sdm120.json",
                 "usr/share/decran/dashboard/layout.html",
                 "usr/share/doc/decran/architecture.md", "usr/share/man/man1/decran.1",
                 "usr/share/man/man8/decran-gateway.8", "usr/share/man/man8/decran-relay.8",
                 "lib/systemd/system/decran-gateway.service",
                 "lib/systemd/system/decran-relay.service",
                 "usr/lib/sysusers.d/decran.conf", "usr/lib/sysusers.d/decran-relay.conf",
                 "usr/lib/tmpfiles.d/decran.conf", "lib/udev/rules.d/60-decran-relay-gpio.rules",
                 "usr/bin/decran-web", "etc/decran/web.json",
                 "lib/systemd/system/decran-web.service", "usr/share/man/man8/decran-web.8",
                 "usr/lib/sysusers.d/decran-web.conf", "usr/lib/tmpfiles.d/decran-web.conf"):
        assert (destdir / path).exists(), path
    assert os.stat(destdir / "usr/bin/decran").st_mode & stat.S_IXOTH
    # The installed example configuration passes the gateway's own check.
    cfg = (destdir / "etc/decran/gateway.json").read_text()
    assert '"/var/lib/decran/decran.db"' in cfg and '"/etc/decran/rules.json"' in cfg


def test_installed_example_configurations_pass_their_checks(destdir, tmp_path):
    """What the packages install as conffiles is accepted by the installed
    programs' own checks (-n), as the units' ExecStartPre and an operator
    run them; the gateway gives decran-web the web role, never admin."""
    etc = destdir / "etc/decran"
    gw = (etc / "gateway.json").read_text().replace("/etc/decran/", str(etc) + "/")
    (tmp_path / "gateway.json").write_text(gw)
    r = subprocess.run([str(destdir / "usr/bin/decran-gateway"), "-n", "-c",
                        str(tmp_path / "gateway.json")], capture_output=True, text=True,
                       timeout=30, env=dict(os.environ, LANG="C.UTF-8"))
    assert r.returncode == 0 and "configuration OK" in r.stdout, r.stdout + r.stderr
    control = json.loads(gw).get("control", {})
    assert "decran-web" in control.get("web", []), control
    # decran-web's user is in group decran: no list may name that group
    # (it would hand the dashboard that list's role).
    assert not [r for r in control.values() if "decran" in r], control
    r = subprocess.run([str(destdir / "usr/bin/decran-web"), "-n", "-c", str(etc / "web.json")],
                       capture_output=True, text=True, timeout=30,
                       env=dict(os.environ, LANG="C.UTF-8"))
    assert r.returncode == 0 and "configuration OK" in r.stdout, r.stdout + r.stderr
    assert (destdir / "usr/share/decran/dashboard/layout.html").exists()


def test_no_build_path_in_the_binaries(destdir):
    for name in ("decran", "decran-gateway", "decran-relay", "decran-web"):
        data = (destdir / "usr/bin" / name).read_bytes()
        assert TOP.encode() not in data, name
        # The installed defaults are compiled in instead.
    gw = (destdir / "usr/bin/decran-gateway").read_bytes()
    assert b"/etc/decran/gateway.json" in gw
    assert b"/var/lib/decran/decran.db" in (destdir / "usr/bin/decran").read_bytes()


def unit_for_host(destdir, tmp_path, unit):
    """The unit with its programs pointing into destdir, so that verify finds
    executables without installing anything on this machine."""
    text = (destdir / "lib/systemd/system" / unit).read_text() if \
        (destdir / "lib/systemd/system" / unit).exists() else \
        open(os.path.join(TOP, "dist", unit)).read()
    for name in ("decran-gateway", "decran-relay", "decran-web"):
        target = destdir / "usr/bin" / name
        if not target.exists():     # decran-web before its split: any program
            target = destdir / "usr/bin/decran"
        text = text.replace("/usr/bin/%s " % name, "%s " % target)
    p = tmp_path / unit
    p.write_text(text)
    return p


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze missing")
@pytest.mark.parametrize("unit", UNITS)
def test_unit_verifies_and_is_hardened(destdir, tmp_path, unit):
    p = unit_for_host(destdir, tmp_path, unit)
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", str(p)],
                       capture_output=True, text=True)
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr
    r = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--no-pager", str(p)],
                       capture_output=True, text=True)
    m = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\w+)", r.stdout)
    assert m, r.stdout + r.stderr
    assert m.group(2) in ("SAFE", "OK"), m.group(0)
    text = p.read_text()
    for need in ("Type=notify", "WatchdogSec=", "ProtectSystem=strict", "PrivateTmp=yes",
                 "NoNewPrivileges=yes", "CapabilityBoundingSet=", "DevicePolicy=closed",
                 "RuntimeDirectory=", "StateDirectory=", "User="):
        assert need in text, (unit, need)
    assert "DynamicUser" not in text


def test_cli_never_creates_the_default_database(tmp_path):
    default = "/var/lib/decran/decran.db"
    if os.path.exists(default):
        pytest.skip("an installed database exists on this machine")
    env = {k: v for k, v in os.environ.items() if k != "DECRAN_DB"}
    env["LANG"] = "en_US.UTF-8"
    r = subprocess.run([bin_path("decran"), "screens", "list"], cwd=tmp_path, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert default in r.stderr and "decran init" in r.stderr, r.stderr
    assert os.listdir(tmp_path) == []
    assert not os.path.exists(default)
    r = subprocess.run([bin_path("decran"), "backup", str(tmp_path / "b.db")], cwd=tmp_path,
                       env=env, capture_output=True, text=True)
    assert r.returncode == 1 and default in r.stderr
    assert os.listdir(tmp_path) == []


def test_gateway_start_up_errors_are_readable(tmp_path):
    # With its default configuration path, absent here.
    r = subprocess.run([bin_path("decran-gateway")], cwd=tmp_path, capture_output=True,
                       timeout=30, env=dict(os.environ, LANG="C.UTF-8"))
    assert r.returncode == 1
    err = r.stderr.decode("utf-8")
    assert "/etc/decran/gateway.json" in err or "configuration" in err
    assert err.isprintable() or all(c.isprintable() or c == "\n" for c in err), repr(err)
    # A control socket whose directory is missing (no RuntimeDirectory=):
    # the failing step is named, never an uninitialised buffer.
    rules = os.path.join(TOP, "dist", "rules.json")
    (tmp_path / "gw.json").write_text(
        '{"db": "%s", "rules": "%s", "control_socket": "%s",'
        ' "boxes": []}' % (tmp_path / "d.db", rules, tmp_path / "missing" / "gw.sock"))
    r = subprocess.run([bin_path("decran-gateway"), "-c", str(tmp_path / "gw.json")],
                       cwd=tmp_path, capture_output=True, timeout=30,
                       env=dict(os.environ, LANG="C.UTF-8"))
    assert r.returncode == 1
    err = r.stderr.decode("utf-8")
    assert all(c.isprintable() or c == "\n" for c in err), repr(err)
    assert 'step="control socket"' in err and "RuntimeDirectory" in err, err


def deps_sets():
    sets, cur = {}, None
    with open(os.path.join(TOP, "tools", "debian-packages.txt")) as f:
        for line in f:
            w = line.split()
            if not w or w[0].startswith("#"):
                continue
            if w[0].startswith("["):
                cur = w[0].strip("[]")
                continue
            sets.setdefault(cur, set()).add(w[0])
    return sets


def test_one_list_of_build_packages():
    """The deps sets, the Makefile's module table and debian/control's
    Build-Depends name the same -dev packages."""
    sets = deps_sets()
    build = {p for p in sets["relay"] | sets["build"] if p.endswith("-dev")} - {"libc6-dev"}
    with open(os.path.join(TOP, "Makefile")) as f:
        mk = set(re.findall(r"^DEB_\w+ := (\S+)$", f.read(), re.M))
    with open(os.path.join(TOP, "debian", "control")) as f:
        control = f.read()
    bd = re.search(r"^Build-Depends:(.*?)^\S", control, re.M | re.S).group(1)
    debian = {p.strip().split()[0] for p in bd.split(",") if p.strip()} - {"debhelper-compat"}
    assert mk == build, mk ^ build
    assert debian - {"pkg-config"} == build, (debian - {"pkg-config"}) ^ build
    # The firmware's set is the Makefile's RELAY_PKGS.
    relay_dev = {p for p in sets["relay"] if p.endswith("-dev")} - {"libc6-dev"}
    with open(os.path.join(TOP, "Makefile")) as f:
        text = f.read()
    mods = re.search(r"^RELAY_PKGS := (.*)$", text, re.M).group(1).split()
    assert {re.search(r"^DEB_%s := (\S+)$" % m, text, re.M).group(1) for m in mods} == relay_dev
