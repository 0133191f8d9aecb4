"""The per-process plan cache: the patient's requests never see a plan older than the database's.

The diary and the patient's day read the treatment plan through ``plan_cache.PLAN_CACHE``, keyed by
the participant's ``plan_token``, which database triggers renew on every write of a cycle, hold
or dose change (migration 0002). These tests change plans through the site's API, through raw
SQL that bypasses the services, and inside one session, and ask the patient's endpoints right
after, on both databases.
"""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from backend.db import db
from backend.domain.calendar import CycleStart
from backend.models import Participant, StaffUser
from backend.services import plan_cache
from backend.services.auth import staff_actor
from backend.services.treatment import add_hold
from tests.helpers import at, patient, post, put


def today(client, world, who="t"):
    r = client.get("/api/v1/me/today", headers=world.headers(who))
    assert r.status_code == 200, r.json
    return r.json


def token_of(app, participant_id):
    with app.app_context(), db.engine.connect() as conn:
        return conn.execute(
            text("SELECT plan_token FROM participants WHERE id = :id"), {"id": participant_id}
        ).scalar_one()


def sql(app, statement, **params):
    """Run one statement outside the services, as a data manager's fix would."""
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text(statement), params)


@pytest.fixture(autouse=True)
def _empty_cache():
    plan_cache.clear()
    yield
    plan_cache.clear()


def test_patient_sees_each_site_change_on_the_next_request(app, client, world):
    pid = patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-05T03:00:00Z"):  # cycle 1 day 5 in Shanghai
        assert today(client, world)["phase"] == "dosing"
        hits = plan_cache.PLAN_CACHE.hits
        assert today(client, world)["expected_dose_mg"] == 8
        assert plan_cache.PLAN_CACHE.hits == hits + 1  # the second request was served from the cache

        hold = post(client, world, "t", "holds", start_date="2026-10-05", reason="grade 3 hypertension")
        assert hold.status_code == 201, hold.json
        on_hold = today(client, world)
        assert (on_hold["phase"], on_hold["expected_dose_mg"]) == ("hold", None)
        # a dose taken now is a deviation: the PUT saw the hold too
        r = put(client, world, "t", "2026-10-05", taken=True, dose_mg=8)
        assert r.status_code == 201 and r.json["deviation"] is True

    with at("2026-10-07T03:00:00Z"):
        ended = client.patch(
            f"/api/v1/participants/{pid}/holds/{hold.json['id']}",
            json={"end_date": "2026-10-06", "reason": "BP controlled"},
            headers=world.headers("investigator_a"),
        )
        assert ended.status_code == 200, ended.json
        assert today(client, world)["phase"] == "dosing"


def test_a_plan_changed_by_sql_outside_the_services_is_seen(app, client, world):
    pid = patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-05T03:00:00Z"):
        assert today(client, world)["phase"] == "dosing"
        assert today(client, world)["phase"] == "dosing"  # now cached

        before = token_of(app, pid)
        sql(
            app,
            "INSERT INTO holds (id, participant_id, start_date, end_date, reason, ordered_by, created_at) "
            "VALUES ('h-sql', :pid, '2026-10-04', NULL, 'entered by a data manager', 'dm', "
            "'2026-10-05 03:00:00+00:00')",
            pid=pid,
        )
        after_insert = token_of(app, pid)
        assert today(client, world)["phase"] == "hold"

        sql(app, "UPDATE holds SET end_date = '2026-10-04' WHERE id = 'h-sql'")
        after_update = token_of(app, pid)
        assert today(client, world)["phase"] == "dosing"

        sql(app, "UPDATE holds SET end_date = NULL WHERE id = 'h-sql'")
        assert today(client, world)["phase"] == "hold"
        sql(app, "DELETE FROM holds WHERE id = 'h-sql'")
        after_delete = token_of(app, pid)
        assert today(client, world)["phase"] == "dosing"
    assert len({before, after_insert, after_update, after_delete}) == 4


@pytest.mark.parametrize(
    ("insert", "update", "delete"),
    [
        (
            "INSERT INTO cycles (id, participant_id, number, planned_start, confirmed_start) "
            "VALUES ('x', :pid, 2, '2026-10-22', '2026-10-22')",
            "UPDATE cycles SET confirmed_start = '2026-10-23' WHERE id = 'x'",
            "DELETE FROM cycles WHERE id = 'x'",
        ),
        (
            "INSERT INTO dose_changes (id, participant_id, effective_date, dose_mg, reason, ordered_by, "
            "created_at) VALUES ('x', :pid, '2026-10-08', 6, 'toxicity', 'dm', '2026-10-08 03:00:00+00:00')",
            "UPDATE dose_changes SET dose_mg = 4 WHERE id = 'x'",
            "DELETE FROM dose_changes WHERE id = 'x'",
        ),
    ],
    ids=["cycles", "dose_changes"],
)
def test_every_write_to_a_plan_table_renews_the_token(app, world, insert, update, delete):
    pid = patient(app, world, "t", c1d1=date(2026, 10, 1))
    other = patient(app, world, "u", c1d1=date(2026, 10, 1))
    tokens = [token_of(app, pid)]
    untouched = token_of(app, other)
    for statement in (insert, update, delete):
        sql(app, statement, pid=pid)
        tokens.append(token_of(app, pid))
    assert len(set(tokens)) == 4 and all(len(t) == 32 for t in tokens)
    assert token_of(app, other) == untouched  # only the participant whose plan changed


def test_a_session_that_changed_the_plan_reads_it_from_the_database(app, world):
    pid = patient(app, world, "t", c1d1=date(2026, 10, 1))
    with app.test_request_context():
        investigator = staff_actor(db.session.get(StaffUser, world.staff["investigator_a"]))
        participant = db.session.get(Participant, pid)
        assert plan_cache.current_plan(db.session, participant).holds == ()  # cached under the old token
        add_hold(
            db.session,
            investigator,
            pid,
            start_date=date(2026, 10, 5),
            end_date=None,
            reason="toxicity",
            now=datetime(2026, 10, 5, 3, tzinfo=UTC),
        )
        # the in-memory token is still the old one; the session knows it wrote a plan row
        plan = plan_cache.current_plan(db.session, participant)
        assert [h.start for h in plan.holds] == [date(2026, 10, 5)]
        db.session.rollback()


def test_the_cache_is_bounded_and_drops_the_least_recently_used():
    cache = plan_cache.PlanCache(size=2)
    rows = ((CycleStart(1, date(2026, 10, 1)),), (), ())
    cache.put(("a", "1"), rows)
    cache.put(("b", "1"), rows)
    assert cache.get(("a", "1")) == rows  # a is now the most recently used
    cache.put(("c", "1"), rows)
    assert cache.get(("b", "1")) is None
    assert cache.get(("a", "1")) == rows and cache.get(("c", "1")) == rows
    assert (cache.hits, cache.misses) == (3, 1)
