"""decran backup and restore around a running, writing gateway (issue 17):
backups taken while the gateway and the CLI write are each one consistent,
self-contained database; restore is refused while the gateway runs and,
once it is stopped, puts the backup back for the gateway's next start."""
import os
import sqlite3
import threading

from gwtest import Gateway, Tasmota, add_screen, wait_for

BOXES = [{"id": "kiosque", "driver": "tasmota", "topic": "kiosque-bk", "channels": 2}]


def integrity(path):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return (con.execute("PRAGMA integrity_check").fetchone()[0],
                con.execute("SELECT count(*) FROM screens").fetchone()[0],
                con.execute("SELECT count(*) FROM audit").fetchone()[0])
    finally:
        con.close()


def test_backup_while_writing_and_restore_once_stopped(broker, tmp_path, db, decran):
    add_screen(decran, "pub-a", "advertising", "kiosque", 1)
    add_screen(decran, "info-b", "information", "kiosque", 2)
    tas = Tasmota(broker, "kiosque-bk", 2).connect()
    gw = Gateway(tmp_path, broker, BOXES, db, clock="2026-11-23T20:00:00Z,1").start()
    env = {"DECRAN_GATEWAY_SOCKET": gw.sock}
    stop = threading.Event()
    added = []

    def writer():
        # The CLI writes screens while the gateway writes its own rows.
        i = 0
        while not stop.is_set() and i < 200:
            r = decran("screens", "add", "w-%03d" % i, "--name", "W %d" % i,
                       "--category", "other")
            assert r.returncode == 0, r.stderr
            added.append(i)
            i += 1

    t = threading.Thread(target=writer)
    try:
        gw.wait_log(r"online box=kiosque")
        t.start()
        copies = []
        for n in range(4):
            # The relay confirms switches the gateway audits meanwhile.
            tas.set_local(1, n % 2 == 0)
            out = str(tmp_path / ("copy-%d.db" % n))
            r = decran("backup", out, env=env)
            assert r.returncode == 0, r.stderr
            assert not os.path.exists(out + "-wal")
            copies.append(out)
            wait_for(lambda: len(added) > (n + 1) * 3, timeout=60, what="CLI writes")
        stop.set()
        t.join(120)
        seen = []
        for c in copies:
            ok, screens, audit = integrity(c)
            assert ok == "ok"
            seen.append(screens)
            r = decran("--db", c, "screens", "show", "pub-a")
            assert r.returncode == 0, r.stderr
        # Each copy is a snapshot: later copies hold more rows, never fewer.
        assert seen == sorted(seen) and seen[0] >= 2 and seen[-1] > seen[0], seen
        # A backup never overwrites a file.
        r = decran("backup", copies[0], lang="en_US.UTF-8")
        assert r.returncode == 1 and "already exists" in r.stderr

        # Restore while the gateway runs: refused, nothing changes.
        before = integrity(db)[1]
        r = decran("restore", copies[0], env=env, lang="en_US.UTF-8")
        assert r.returncode == 1 and "gateway is running" in r.stderr and gw.sock in r.stderr
        assert integrity(db)[1] == before
    finally:
        stop.set()
        if t.is_alive():
            t.join(120)
        gw.stop()
        tas.close()

    # Stopped: the first copy comes back, and the gateway starts on it.
    r = decran("restore", copies[0], env=env)
    assert r.returncode == 0, r.stderr
    assert integrity(db)[1] == seen[0]
    gw = Gateway(tmp_path, broker, BOXES, db, clock="2026-11-23T20:00:00Z,1").start()
    try:
        wait_for(lambda: gw.api({"cmd": "boxes"})["boxes"][0]["id"] == "kiosque")
    finally:
        gw.stop()
    r = decran("screens", "list")
    assert r.returncode == 0 and "pub-a" in r.stdout
