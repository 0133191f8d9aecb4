"""Migrations beyond the first: an existing database moves forward with its data, and back."""

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text

from backend.services import ops


def _triggers(engine) -> set[str]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())


def _site_and_participants(engine, *ids: str) -> None:  # type: ignore[no-untyped-def]
    """A site and participants as an old schema holds them (only the columns 0001 had)."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sites (id, name, code, timezone, alert_emails, created_at) "
                "VALUES ('s', 'Site', 'S', 'Asia/Shanghai', '[]', '2026-10-01 00:00:00')"
            )
        )
        for pid in ids:
            conn.execute(
                text(
                    "INSERT INTO participants (id, site_id, study_id, timezone, language, reminder_time, "
                    "bp_reminder_time, status, protocol_ref, c1d1, initial_dose_mg, created_at, updated_at) "
                    "VALUES (:id, 's', :id, 'Asia/Shanghai', 'en', '08:00:00', '08:00:00', 'on_treatment', "
                    "'SKB264-ANLO@1', '2026-10-01', 8, '2026-10-01 00:00:00', '2026-10-01 00:00:00')"
                ),
                {"id": pid},
            )


def test_0002_gives_existing_participants_a_plan_token_and_goes_back(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    ops.upgrade(url, "0001")
    engine = create_engine(url)
    _site_and_participants(engine, "p1", "p2")

    ops.upgrade(url)
    with engine.connect() as conn:
        tokens = {r.id: r.plan_token for r in conn.execute(text("SELECT id, plan_token FROM participants"))}
    assert set(tokens) == {"p1", "p2"}
    assert all(len(t) == 32 for t in tokens.values()) and tokens["p1"] != tokens["p2"]
    plan_triggers = {t for t in _triggers(engine) if "plan_token" in t}
    assert len(plan_triggers) == 9  # insert, update, delete on cycles, holds, dose_changes

    command.downgrade(ops.alembic_config(url), "0001")
    assert "plan_token" not in {c["name"] for c in inspect(engine).get_columns("participants")}
    assert not {t for t in _triggers(engine) if "plan_token" in t}
    assert {"audit_events_no_update", "audit_events_no_delete"} <= _triggers(engine)
    ops.upgrade(url)
    assert "plan_token" in {c["name"] for c in inspect(create_engine(url)).get_columns("participants")}
    engine.dispose()


def test_0003_adds_an_empty_baseline_and_grading_evidence_and_goes_back(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    ops.upgrade(url, "0002")
    engine = create_engine(url)
    _site_and_participants(engine, "p")
    ops.upgrade(url, "0003")
    with engine.connect() as conn:
        row = conn.execute(text("SELECT baseline_sbp, baseline_dbp FROM participants")).one()
    assert tuple(row) == (None, None)
    assert "grading" in {c["name"] for c in inspect(engine).get_columns("bp_readings")}
    command.downgrade(ops.alembic_config(url), "0002")
    columns = {c["name"] for c in inspect(engine).get_columns("participants")}
    assert not {"baseline_sbp", "baseline_dbp"} & columns
    assert "grading" not in {c["name"] for c in inspect(engine).get_columns("bp_readings")}
    assert {"audit_events_no_update", "audit_events_no_delete"} <= _triggers(engine)
    engine.dispose()


def test_0004_adds_confirmed_late_through_to_cycles_and_keeps_their_triggers(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    ops.upgrade(url, "0003")
    engine = create_engine(url)
    _site_and_participants(engine, "p")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO cycles (id, participant_id, number, planned_start, confirmed_start) "
                "VALUES ('c', 'p', 1, '2026-10-01', '2026-10-01')"
            )
        )
    ops.upgrade(url, "0004")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT confirmed_late_through FROM cycles")).scalar_one() is None
    assert len({t for t in _triggers(engine) if t.startswith("cycles_plan_token")}) == 3
    command.downgrade(ops.alembic_config(url), "0003")
    assert "confirmed_late_through" not in {c["name"] for c in inspect(engine).get_columns("cycles")}
    assert len({t for t in _triggers(engine) if t.startswith("cycles_plan_token")}) == 3
    engine.dispose()


def test_0007_disables_stored_push_endpoints_outside_the_allow_list(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("PUSH_ALLOW_LOOPBACK", raising=False)
    monkeypatch.delenv("PUSH_SERVICE_HOSTS", raising=False)
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    ops.upgrade(url, "0006")
    engine = create_engine(url)
    _site_and_participants(engine, "p")
    endpoints = {
        "fcm": ("https://fcm.googleapis.com/fcm/send/abc", None),
        "pg": ("http://127.0.0.1:5432/", None),
        "redis": ("http://[::1]:6379/", None),
        "local": ("http://localhost:6379/x", None),
        "other": ("https://attacker.example.com/push", None),
        "gone": ("http://127.0.0.1:9/", "push service answered 410"),
    }
    with engine.begin() as conn:
        for sid, (endpoint, reason) in endpoints.items():
            conn.execute(
                text(
                    "INSERT INTO push_subscriptions (id, endpoint, p256dh, auth, participant_id, "
                    "created_at, disabled_at, disabled_reason) VALUES (:id, :endpoint, 'k', 'a', 'p', "
                    "'2026-10-01 00:00:00', :disabled_at, :reason)"
                ),
                {
                    "id": sid,
                    "endpoint": endpoint,
                    "reason": reason,
                    "disabled_at": "2026-10-02 00:00:00" if reason else None,
                },
            )
    ops.upgrade(url, "0007")
    with engine.connect() as conn:
        rows = {
            r.id: r
            for r in conn.execute(text("SELECT id, disabled_at, disabled_reason FROM push_subscriptions"))
        }
    assert rows["fcm"].disabled_at is None and rows["fcm"].disabled_reason is None
    for sid in ("pg", "redis", "local", "other"):
        assert rows[sid].disabled_at is not None, sid
        assert rows[sid].disabled_reason.startswith("endpoint refused by the push-service allow list"), sid
    assert rows["gone"].disabled_reason == "push service answered 410"  # already disabled: untouched
    command.downgrade(ops.alembic_config(url), "0006")
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM push_subscriptions WHERE disabled_at IS NULL")).scalar()
            == 1
        )


def test_0010_gives_queued_notices_a_priority_and_attempts_a_finish_and_goes_back(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    ops.upgrade(url, "0009")
    engine = create_engine(url)
    with engine.begin() as conn:
        for nid, channel, urgency in (("n1", "webpush", "high"), ("n2", "webpush", "normal")):
            conn.execute(
                text(
                    "INSERT INTO notifications (id, idempotency_key, channel, recipient, payload, urgency, "
                    "due_at, attempts, next_attempt_at, status, created_at) VALUES (:id, :id, :channel, "
                    "'r', '{}', :urgency, '2026-11-01 00:00:00', 1, '2026-11-01 00:00:00', 'sent', "
                    "'2026-11-01 00:00:00')"
                ),
                {"id": nid, "channel": channel, "urgency": urgency},
            )
        conn.execute(
            text(
                "INSERT INTO delivery_attempts (notification_id, attempted_at, outcome) "
                "VALUES ('n1', '2026-11-01 00:00:01', 'sent')"
            )
        )
    ops.upgrade(url, "0010")
    with engine.connect() as conn:
        priorities = dict(conn.execute(text("SELECT id, priority FROM notifications")).all())
        assert priorities == {"n1": 0, "n2": 3}
        finished = conn.execute(text("SELECT finished_at FROM delivery_attempts")).scalar_one()
        assert str(finished).startswith("2026-11-01 00:00:01")
    command.downgrade(ops.alembic_config(url), "0009")
    columns = {c["name"] for c in inspect(engine).get_columns("notifications")}
    assert not columns & {"priority", "lease_until", "claim_token", "shown_at", "clicked_at"}
    engine.dispose()
