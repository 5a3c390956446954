"""SIGKILL in the middle of a 2,000-screen burst, then a restart: final
states right, the command log has every command the boxes received, once
(rows are committed before commands leave), and the outcome of every
command agrees with the devices' own record of what they executed (issue 14,
finding 3: executed commands used to stay "interrupted" forever).  Killed
while the commands leave, or while the confirmations are group-committed
(issue 18): what a kill loses of them the devices report again."""
import pytest

from gwtest import Gateway, NativeFleet, import_screens, wait_for

NBOX, NCH = 250, 8      # 2,000 screens


def final_outcomes(gw):
    """{command id: (cmd_id, outcome rows, last outcome, last state)}."""
    rows = gw.sql("SELECT c.id, c.cmd_id, count(o.rowid),"
                  " (SELECT outcome FROM command_outcomes l WHERE l.command_id = c.id"
                  "  ORDER BY l.rowid DESC LIMIT 1),"
                  " (SELECT state FROM command_outcomes l WHERE l.command_id = c.id"
                  "  ORDER BY l.rowid DESC LIMIT 1)"
                  " FROM commands c LEFT JOIN command_outcomes o ON o.command_id = c.id"
                  " GROUP BY c.id")
    return {r[0]: r[1:] for r in rows}


def confirmed(gw):
    return gw.sql("SELECT count(*) FROM command_outcomes WHERE outcome = 'confirmed'")[0][0]


@pytest.mark.parametrize("kill_at", ["commands", "confirmations"])
def test_kill_during_burst_outcomes_match_the_devices(fleet_broker, tmp_path, db, decran,
                                                      kill_at):
    broker = fleet_broker
    fleet = NativeFleet(broker, "kill", NBOX, NCH)
    rows = [("pub-%s-%d" % (n, ch), "advertising", n, ch)
            for n in fleet.names for ch in range(1, NCH + 1)]
    import_screens(decran, tmp_path, rows)
    fleet.connect()
    try:
        # 21:59:59.5 in Paris: the 22:00 edge comes half a second after start.
        gw = Gateway(tmp_path, broker, fleet.boxes(), db, clock="2026-11-23T20:59:59Z,1")
        # 2,000 channels on a Python emulator: give them time before retrying.
        gw.cfg["reconcile"].update(startup_grace_ms=300, retry_first_ms=5000,
                                   retry_max_ms=10000, confirm_timeout_ms=60000)
        gw.start()
        if kill_at == "commands":
            wait_for(lambda: fleet.count() > 0, timeout=20, what="first command")
        else:
            wait_for(lambda: confirmed(gw) > 0, timeout=60, what="first confirmation recorded")
        gw.kill()
        recorded_before = confirmed(gw)
        received_before = fleet.count()
        committed = gw.sql("SELECT count(*) FROM commands")[0][0]
        # Every command a box received was in the log before it left.
        assert committed >= received_before > 0
        # What the broker still held reaches the boxes while no gateway runs.
        fleet.quiet()
        executed_before = {e[2] for e in fleet.executed}
        if kill_at == "commands":
            assert len(executed_before) < NBOX * NCH, "the kill came after the whole burst"
        else:
            assert recorded_before < NBOX * NCH, "the kill came after every confirmation"
        gw.clock = "2026-11-23T21:00:30Z,1"
        # 2,000 retained states to read back before deciding anything.
        gw.cfg["reconcile"]["startup_grace_ms"] = 3000
        gw.start()
        wait_for(lambda: not any(fleet.state.values()), timeout=60,
                 what="every screen off after the restart")
        wait_for(lambda: gw.sql("SELECT count(*) FROM commands c WHERE NOT EXISTS"
                                " (SELECT 1 FROM command_outcomes o WHERE o.command_id = c.id)")
                 [0][0] == 0, timeout=30, what="every command has an outcome")
        ids = [r[0] for r in gw.sql("SELECT cmd_id FROM commands")]
        assert len(ids) == len(set(ids))
        executed = {e[2] for e in fleet.executed}
        missing = executed - set(ids)
        assert not missing, "commands received but not in the log: %s" % sorted(missing)[:5]
        # The outcome of every command against the devices' own record.
        outcomes = final_outcomes(gw)
        wrong = []
        for cid, (cmd_id, nrows, last, state) in outcomes.items():
            if nrows != 1:
                wrong.append((cmd_id, "%d outcome rows" % nrows))
            elif cmd_id in executed and (last, state) != ("confirmed", "off"):
                wrong.append((cmd_id, "executed by its box, recorded %s" % last))
            elif cmd_id not in executed and last not in ("failed", "superseded"):
                wrong.append((cmd_id, "never executed, recorded %s" % last))
        assert not wrong, "%d commands disagree with the devices, e.g. %s" % (len(wrong),
                                                                              wrong[:5])
        # Commands executed before the kill but not confirmed then are now.
        resolved = [c for c, (cmd_id, n, last, st) in outcomes.items()
                    if cmd_id in executed_before and last == "confirmed"]
        assert len(resolved) == len(executed_before)
        assert gw.sql("SELECT count(*) FROM screens")[0][0] == NBOX * NCH
        summary = dict(gw.sql("SELECT outcome, count(*) FROM command_outcomes GROUP BY outcome"))
        assert "interrupted" not in summary, summary     # every box was online
        print("before kill: received=%d committed=%d; outcomes=%s" %
              (received_before, committed, summary))
        gw.stop()
    finally:
        fleet.close()
