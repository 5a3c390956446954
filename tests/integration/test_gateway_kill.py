"""SIGKILL in the middle of a burst of switching, then a restart: final
states right, and the command log has every command the boxes received,
once (rows are committed before commands leave)."""
import time

from gwtest import Gateway, Native, import_screens, wait_for

NBOX, NCH = 30, 8


def test_kill_during_burst_loses_and_duplicates_nothing(broker, tmp_path, db, decran):
    rows = [("pub-%02d-%d" % (b, ch), "advertising", "nat-%02d" % b, ch)
            for b in range(NBOX) for ch in range(1, NCH + 1)]
    import_screens(decran, tmp_path, rows)
    fleet = [Native(broker, "nat-%02d" % b, NCH).connect() for b in range(NBOX)]
    boxes = [{"id": "nat-%02d" % b, "driver": "native", "channels": NCH} for b in range(NBOX)]
    try:
        # 21:59:59.5 in Paris: the 22:00 edge comes half a second after start.
        gw = Gateway(tmp_path, broker, boxes, db, clock="2026-11-23T20:59:59Z,1")
        # 480 channels on Python emulators: give them time before retrying.
        gw.cfg["reconcile"].update(startup_grace_ms=200, retry_first_ms=2000,
                                   retry_max_ms=5000, confirm_timeout_ms=15000)
        gw.start()
        wait_for(lambda: any(d.commands for d in fleet), timeout=10, what="first command")
        gw.kill()
        received_before = sum(len(d.commands) for d in fleet)
        committed = gw.sql("SELECT count(*) FROM commands")[0][0]
        # Every command a box received was in the log before it left.
        assert committed >= received_before > 0
        gw.clock = "2026-11-23T21:00:30Z,1"
        gw.start()
        wait_for(lambda: all(not on for d in fleet for on in d.state.values()), timeout=20,
                 what="every screen off after the restart")
        wait_for(lambda: gw.sql("SELECT count(*) FROM commands c WHERE NOT EXISTS"
                                " (SELECT 1 FROM command_outcomes o WHERE o.command_id = c.id)")
                 [0][0] == 0, timeout=10, what="every command has an outcome")
        ids = [r[0] for r in gw.sql("SELECT cmd_id FROM commands")]
        assert len(ids) == len(set(ids))
        received = [i for d in fleet for i in d.commands]
        missing = set(received) - set(ids)
        assert not missing, "commands received but not in the log: %s" % sorted(missing)[:5]
        # Exactly one final outcome per command; interrupted ones are marked.
        dup = gw.sql("SELECT command_id FROM command_outcomes WHERE outcome = 'confirmed'"
                     " GROUP BY command_id HAVING count(*) > 1")
        assert dup == []
        assert gw.sql("SELECT count(*) FROM screens")[0][0] == NBOX * NCH
        outcomes = dict(gw.sql("SELECT outcome, count(*) FROM command_outcomes GROUP BY outcome"))
        assert outcomes.get("confirmed", 0) >= 1
        print("before kill: received=%d committed=%d; outcomes=%s" %
              (received_before, committed, outcomes))
        gw.stop()
    finally:
        for d in fleet:
            d.close()
