"""The signature manifest and the data queries in the exports (issue 19), on the seeded study."""

from __future__ import annotations

import re

from tests.factories import PASSWORD
from tests.helpers import EX1, get_csv

SIGNED_AT = "2026-11-02T02:00:00Z"


def manifest(client, world, query=""):
    return [
        (
            r["USUBJID"],
            r["SGCYCLE"],
            r["SGSTDTC"],
            r["SGENDTC"],
            r["SGSIGNER"],
            r["SGMEAN"],
            r["SGDTC"],
            r["SGSTAT"],
        )
        for r in get_csv(client, world, "signatures", query=query)
    ]


def test_the_signature_manifest_is_a_dataset(client, study):
    world = study.world
    assert manifest(client, world) == [
        (EX1, "1", "2026-09-01", "2026-09-24", "investigator_a", "REVIEWED", SIGNED_AT, "VALID"),
        (EX1, "2", "2026-09-25", "2026-10-15", "investigator_a", "REVIEWED", SIGNED_AT, "VALID"),
    ]
    rows = get_csv(client, world, "signatures")
    assert [r["SGID"] for r in rows] == [study.sign_off["cycle1"], study.sign_off["cycle2"]]
    assert rows[0]["SGBATCH"] == rows[1]["SGBATCH"] and rows[0]["SGSIGNID"] == world.staff["investigator_a"]
    pid = world.participants["ex1"]
    for row in rows:
        cycle = client.get(
            f"/api/v1/participants/{pid}/cycles/{row['SGCYCLE']}", headers=world.headers("monitor")
        )
        assert (
            re.fullmatch("[0-9a-f]{64}", row["SGHASH"]) and row["SGHASH"] == cycle.get_json()["content_hash"]
        )
    assert (rows[0]["SGINVDTC"], rows[0]["SGINVEVT"], rows[0]["SGINVACT"]) == ("", "", "")
    assert get_csv(client, world, "signatures", who="investigator_b") == []


def test_the_queries_dataset_and_a_correction_that_invalidates_a_signature(client, study):
    world, qid = study.world, study.sign_off["query"]
    [row] = get_csv(client, world, "queries")
    assert (row["USUBJID"], row["DQID"], row["DQKIND"], row["DQDATE"], row["DQSTAT"]) == (
        EX1,
        qid,
        "DOSE_DAY",
        "2026-09-07",
        "ANSWERED",
    )
    assert (
        row["DQRSBY"],
        row["DQRSROLE"],
        row["DQRSDTC"],
        row["DQANSBY"],
        row["DQANSDTC"],
        row["DQCOREVT"],
    ) == (
        "monitor",
        "MONITOR",
        "2026-11-02T03:00:00Z",
        "coordinator_a",
        "2026-11-03T01:00:00Z",
        "",
    )
    reopen = {"note": "Please ask at the next visit."}
    assert (
        client.post(
            f"/api/v1/queries/{qid}/reopen", json=reopen, headers=world.headers("monitor")
        ).status_code
        == 200
    )
    body = {
        "answer": "The patient says the capsule was forgotten.",
        "correction": {"taken": False, "missed_reason": "forgot", "source_detail": "visit interview"},
    }
    r = client.post(f"/api/v1/queries/{qid}/answer", json=body, headers=world.headers("coordinator_a"))
    assert r.status_code == 200, r.get_json()
    event = r.get_json()["correction_event_id"]
    [row] = get_csv(client, world, "queries")
    assert (row["DQSTAT"], row["DQCOREVT"], row["DQNOTE"]) == (
        "ANSWERED",
        str(event),
        "Please ask at the next visit.",
    )
    first, second = get_csv(client, world, "signatures")  # by cycle, then by time
    assert (first["SGCYCLE"], first["SGSTAT"], first["SGINVEVT"], first["SGINVACT"]) == (
        "1",
        "INVALIDATED",
        str(event),
        "dose_log.create",
    )
    assert second["SGSTAT"] == "VALID"
    again = {"password": PASSWORD, "meaning": "approved"}
    pid = world.participants["ex1"]
    assert (
        client.post(
            f"/api/v1/participants/{pid}/cycles/1/signatures",
            json=again,
            headers=world.headers("investigator_a"),
        ).status_code
        == 201
    )
    assert [(r["SGCYCLE"], r["SGMEAN"], r["SGSTAT"]) for r in get_csv(client, world, "signatures")] == [
        ("1", "REVIEWED", "INVALIDATED"),
        ("1", "APPROVED", "VALID"),
        ("2", "REVIEWED", "VALID"),
    ]


def test_dates_keep_overlapping_cycles_and_queries_raised_in_range(client, study):
    world = study.world
    october = "?from=2026-10-01&to=2026-10-31"
    assert [m[1] for m in manifest(client, world, october)] == ["2"]
    assert get_csv(client, world, "queries", query=october) == []
    november = "?from=2026-11-01&to=2026-11-30"
    assert manifest(client, world, november) == []
    assert len(get_csv(client, world, "queries", query=november)) == 1
