"""Who may export what (site scope, roles), the audit trail of exports, and the ``export`` CLI."""

import csv
import io
import json
import threading
import time

import pytest
from sqlalchemy import select

from backend.db import db
from backend.models import AuditEvent
from tests.helpers import DATASETS

FORMATS = ("csv", "json")


def export_events(app):
    """Export audit events as plain dicts, oldest first."""
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "export").order_by(AuditEvent.id)
        )
        return [
            {c: getattr(e, c) for c in ("action", "entity_id", "actor_id", "actor_type", "site_id", "after")}
            for e in rows
        ]


def body(client, world, url, who):
    r = client.get(url, headers=world.headers(who))
    assert r.status_code == 200, r.get_json()
    return r.get_data(as_text=True)


@pytest.mark.parametrize("domain", DATASETS)
def test_a_coordinator_never_gets_a_row_of_another_site(client, study, domain):
    world = study.world
    for fmt in FORMATS:
        for who, own, other in (("coordinator_a", "-SA-", "-SB-"), ("investigator_b", "-SB-", "-SA-")):
            text = body(client, world, f"/api/v1/exports/sdtm/{domain}.{fmt}", who)
            assert other not in text
            if fmt == "csv":
                rows = list(csv.DictReader(io.StringIO(text)))
                assert all(own in row["USUBJID"] for row in rows)
    everyone = body(client, world, f"/api/v1/exports/sdtm/{domain}.csv", "monitor")
    if domain not in ("suppvs",) or "-SB-" in everyone:
        assert "-SA-" in everyone


def test_site_filter_scopes_like_any_other_id(client, study):
    world = study.world
    url = "/api/v1/exports/sdtm/ec.csv?site_id="
    assert client.get(url + world.sites["b"], headers=world.headers("coordinator_a")).status_code == 404
    assert client.get(url + "nope", headers=world.headers("monitor")).status_code == 404
    assert (
        client.get(
            "/api/v1/exports/odm.xml?site_id=" + world.sites["b"], headers=world.headers("coordinator_a")
        ).status_code
        == 404
    )
    own = body(client, world, url + world.sites["a"], "coordinator_a")
    only_b = body(client, world, url + world.sites["b"], "monitor")
    assert "-SB-" not in own and "-SA-" not in only_b and "-SB-" in only_b


def test_patients_and_strangers_cannot_export(client, study):
    world = study.world
    pid = world.participants["ex1"]
    for url in ("/api/v1/exports/sdtm/ec.csv", "/api/v1/exports/odm.xml", f"/api/v1/participants/{pid}/fhir"):
        assert client.get(url, headers=world.headers("ex1")).status_code == 403
        assert client.get(url).status_code == 401
        assert client.get(url + "?from=garbage").status_code == 401  # authenticated before validated
        assert client.get(url, headers=world.headers("admin")).status_code == 403
    assert client.get("/api/v1/exports/sdtm/dm.csv", headers=world.headers("monitor")).status_code == 404


def test_each_export_is_audited_with_who_what_filters_and_row_count(app, client, study):
    world = study.world
    text = body(client, world, "/api/v1/exports/sdtm/ec.csv?from=2026-09-01&to=2026-09-30", "coordinator_a")
    rows = len(text.strip().splitlines()) - 1
    events = export_events(app)
    assert [e["action"] for e in events] == ["export.start", "export.complete"]
    start, done = events
    assert start["entity_id"] == done["entity_id"] and start["actor_id"] == world.staff["coordinator_a"]
    assert start["site_id"] == world.sites["a"]
    assert start["after"] == {
        "export": "sdtm.ec",
        "format": "csv",
        "filters": {"site_id": None, "from": "2026-09-01", "to": "2026-09-30"},
    }
    assert done["after"]["rows"] == rows > 0 and done["after"]["complete"] is True


def test_an_export_stopped_midway_is_audited_as_incomplete(app, client, study, monkeypatch):
    from backend.services.exports import formats

    monkeypatch.setattr(formats, "CHUNK_ROWS", 5)
    r = client.get("/api/v1/exports/sdtm/ec.csv", headers=study.world.headers("monitor"), buffered=False)
    chunks = r.response
    next(iter(chunks))  # the client reads one chunk and goes away
    r.close()
    last = export_events(app)[-1]
    assert last["action"] == "export.incomplete" and last["after"]["complete"] is False
    assert 0 < last["after"]["rows"] < 100


def test_cli_export_all_writes_every_file_and_audits_it(app, study, tmp_path):
    out = tmp_path / "export"
    result = app.test_cli_runner().invoke(args=["export", "all", "--out", str(out), "--from", "2026-09-01"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    expected = [f"{d}.{f}" for d in DATASETS for f in FORMATS] + ["odm.xml"]
    assert set(expected) <= set(names)
    assert "SKB264-ANLO-SA-T-ex1.fhir.json" in names and "SKB264-ANLO-SB-T-ex3.fhir.json" in names
    ec = json.loads((out / "ec.json").read_text(encoding="utf-8"))
    assert ec["records"] == len(ec["rows"]) > 0
    assert f"{out / 'ec.csv'}\t" in result.output
    completes = [e for e in export_events(app) if e["action"] == "export.complete"]
    assert len(completes) == len(names) and {e["actor_type"] for e in completes} == {"system"}


def test_cli_export_refuses_bad_filters(app, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["export", "sdtm", "--out", str(tmp_path), "--from", "2026-10-02", "--to", "2026-10-01"]
    )
    assert result.exit_code != 0 and "before from" in result.output


def test_a_patient_can_write_while_an_export_is_streaming(app, client, study, monkeypatch):
    from backend.services.exports import formats
    from tests.helpers import at, put

    monkeypatch.setattr(formats, "CHUNK_ROWS", 5)
    r = client.get("/api/v1/exports/sdtm/ec.csv", headers=study.world.headers("monitor"), buffered=False)
    chunks = iter(r.response)
    first = next(chunks)  # the export holds its read snapshot open
    answers = []

    def patient_writes():  # another worker thread, as on a real server
        with at("2026-11-24T12:00:00Z"):
            answers.append(
                put(app.test_client(), study.world, "ex2", "2026-11-24", taken=False, missed_reason="x")
            )

    worker = threading.Thread(target=patient_writes)
    started = time.monotonic()
    worker.start()
    worker.join(timeout=60)
    assert answers and answers[0].status_code in (200, 201), answers and answers[0].get_json()
    assert time.monotonic() - started < 10  # not queued behind the export for the busy timeout
    rest = b"".join(chunks)
    r.close()
    assert b"2026-11-24" not in (first + rest).split(b"SKB264-ANLO-SA-T-ex2")[-1].split(b"\n")[0]
    assert export_events(app)[-1]["action"] == "export.complete"
