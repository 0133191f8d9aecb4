"""SDTM-style datasets over HTTP: EC exactness, SUPPEC flags, VS sittings, QS branching, alerts,
and every dataset as CSV and as Dataset-JSON v1.1 validated with odmlib's model and dsjson."""

import json
from datetime import date

import dsjson
import pandas as pd
import pytest
from odmlib.dataset_json_1_1 import DatasetJSON

from backend.domain.protocol import get_protocol
from tests.exports.study import C1, EX1_ENTRIES, EX1_PRESCRIBED, SIX_MG_FROM
from tests.helpers import DATASETS, EX1, get_csv

EX3 = "SKB264-ANLO-SB-T-ex3"


def get_json(client, world, domain, who="monitor", query=""):
    r = client.get(f"/api/v1/exports/sdtm/{domain}.json{query}", headers=world.headers(who))
    assert r.status_code == 200, r.get_json()
    assert r.is_streamed and r.mimetype == "application/json"
    return json.loads(r.get_data(as_text=True))


def records(document):
    names = [c["name"] for c in document["columns"]]
    return [dict(zip(names, row, strict=True)) for row in document["rows"]]


def test_ec_has_one_scheduled_row_per_prescribed_day_and_one_performed_row_per_entry(client, study):
    rows = [r for r in get_csv(client, study.world, "ec") if r["USUBJID"] == EX1]
    scheduled = [date.fromisoformat(r["ECSTDTC"]) for r in rows if r["ECMOOD"] == "SCHEDULED"]
    performed = [date.fromisoformat(r["ECSTDTC"][:10]) for r in rows if r["ECMOOD"] == "PERFORMED"]
    assert scheduled == EX1_PRESCRIBED  # no hold day, no break day, no unconfirmed or future day
    assert sorted(performed) == EX1_ENTRIES
    assert [int(r["ECSEQ"]) for r in rows] == list(range(1, len(rows) + 1))
    assert {r["ECDOSRGM"] for r in rows} == {"DAYS 1-14 Q21D"}
    assert {(r["ECTRT"], r["ECDOSU"], r["ECDOSFRM"], r["ECROUTE"], r["ECDOSFRQ"]) for r in rows} == {
        ("ANLOTINIB", "mg", "CAPSULE", "ORAL", "QD")
    }
    dose = {(r["ECMOOD"], r["ECSTDTC"][:10]): r for r in rows}
    assert (
        dose[("SCHEDULED", "2026-09-28")]["ECDOSE"] == "8"
        and dose[("SCHEDULED", "2026-10-03")]["ECDOSE"] == "6"
    )
    assert (
        dose[("PERFORMED", SIX_MG_FROM.isoformat())]["ECDOSE"] == "6"
    )  # no dose entered: the level in force
    assert ("SCHEDULED", "2026-09-22") not in dose and ("SCHEDULED", "2026-09-30") not in dose
    not_taken = dose[("PERFORMED", "2026-09-05")]
    assert (not_taken["ECOCCUR"], not_taken["ECDOSE"], not_taken["ECREASOC"]) == ("N", "", "forgot")
    taken = dose[("PERFORMED", "2026-09-01")]
    assert (taken["ECOCCUR"], taken["ECSTDTC"], taken["ECSTDY"]) == ("Y", "2026-09-01T08:30:00", "1")
    assert dose[("SCHEDULED", "2026-10-16")]["ECGRPID"] == "CYCLE 3"
    assert dose[("SCHEDULED", "2026-10-16")]["ECSTDY"] == str((date(2026, 10, 16) - C1).days + 1)


def test_suppec_carries_late_site_vomited_and_deviation_flags(client, study):
    ec = {r["ECSEQ"]: r for r in get_csv(client, study.world, "ec") if r["USUBJID"] == EX1}
    supp = [r for r in get_csv(client, study.world, "suppec") if r["USUBJID"] == EX1]
    by_day = {}
    for q in supp:
        row = ec[q["IDVARVAL"]]
        assert (q["RDOMAIN"], q["IDVAR"], row["ECMOOD"]) == ("EC", "ECSEQ", "PERFORMED")
        by_day.setdefault(row["ECSTDTC"][:10], {})[q["QNAM"]] = q["QVAL"]
    assert by_day == {
        "2026-09-03": {"ECVOMIT": "Y"},
        "2026-09-06": {"ECLATE": "Y"},
        "2026-09-08": {"ECLATE": "Y", "ECSITE": "Y", "ECSRCDTL": "phone call"},
        "2026-09-16": {"ECDEV": "Y", "ECDEVRS": "break_day_intake"},
    }


def test_vs_has_each_reading_its_sitting_mean_and_grade(client, study):
    rows = [r for r in get_csv(client, study.world, "vs") if r["USUBJID"] == EX1]
    first_sitting = [r for r in rows if r["VSDTC"].startswith("2026-09-02")]
    assert [(r["VSTESTCD"], r["VSORRES"], r["VSDRVFL"]) for r in first_sitting] == [
        ("SYSBP", "150", ""),
        ("DIABP", "95", ""),
        ("PULSE", "72", ""),
        ("SYSBP", "146", ""),
        ("DIABP", "92", ""),
        ("PULSE", "70", ""),
        ("SYSBP", "148", "Y"),
        ("DIABP", "93.5", "Y"),
    ]
    assert len({r["VSGRPID"] for r in first_sitting}) == 1 and {r["VSPOS"] for r in first_sitting} == {
        "SITTING"
    }
    assert first_sitting[0]["VSORRESU"] == "mmHg" and first_sitting[2]["VSORRESU"] == "beats/min"
    temps = [(r["VSDTC"], r["VSSTRESN"], r["VSSTRESU"]) for r in rows if r["VSTESTCD"] == "TEMP"]
    assert temps == [("2026-09-03T19:00:00", "37.2", "C"), ("2026-09-12T19:00:00", "38.4", "C")]
    supp = [r for r in get_csv(client, study.world, "suppvs") if r["USUBJID"] == EX1]
    grades = {r["IDVARVAL"]: r["QVAL"] for r in supp if r["QNAM"] == "CTCAEGR"}
    sittings = {r["VSDTC"][:10]: r["VSGRPID"] for r in rows if r["VSDRVFL"] == "Y"}
    assert {day: grades[sitting] for day, sitting in sittings.items()} == {
        "2026-09-02": "2",
        "2026-09-10": "1",
        "2026-09-20": "3",
    }


def test_qs_has_one_row_per_item_answer_and_flags_branching_skips(client, study):
    rows = [r for r in get_csv(client, study.world, "qs") if r["USUBJID"] == EX1]
    first = [r for r in rows if r["QSDTC"] == "2026-09-03T19:00:00"]
    key = get_protocol().symptoms.questionnaire  # the questionnaire patients answer today
    assert [(r["QSSPID"], r["QSORRES"], r["QSSTRESN"], r["QSSTAT"], r["QSREASND"]) for r in first] == [
        (f"{key}:nausea_frequency", "Occasionally", "2", "", ""),
        (f"{key}:nausea_severity", "Mild", "1", "", ""),
        (f"{key}:cough_severity", "None", "0", "", ""),
        (f"{key}:cough_interference", "", "", "NOT DONE", "LOGICALLY SKIPPED ITEM"),
    ]
    codes = {r["QSTESTCD"] for r in rows}
    assert all(len(c) <= 8 and c[0].isalpha() and c.isalnum() and c.isupper() for c in codes)
    assert {r["QSCAT"] for r in rows} == {"PRO-CTCAE"}


def test_qs_follows_the_questionnaire_version_each_report_was_answered_with(client, study):
    rows = get_csv(client, study.world, "qs")
    v2 = [(r["QSSPID"], r["QSTESTCD"], r["QSSTRESN"]) for r in rows if r["QSDTC"].startswith("2026-10-05")]
    assert v2 == [
        ("anlo-daily.v2:dry_eye_severity", "DESEV", "2"),
        ("anlo-daily.v2:dry_eye_interference", "DEINT", "1"),
        ("anlo-daily.v2:nosebleed_frequency", "NOSEFRQ", "1"),
        ("anlo-daily.v2:nosebleed_severity", "NOSESEV", "1"),
    ]
    v1 = [(r["QSSPID"], r["QSTESTCD"], r["QSORRES"]) for r in rows if r["USUBJID"].endswith("-T-ex2")]
    assert v1 == [("anlo-daily.v1:nosebleed_severity", "NOSESEV", "Moderate")]


def test_alerts_dataset_says_who_acknowledged_and_resolved(client, study):
    rows = {r["ALID"]: r for r in get_csv(client, study.world, "alerts")}
    urgent, review = rows[study.alerts["urgent"]], rows[study.alerts["review"]]
    assert (urgent["ALRULE"], urgent["ALSEV"], urgent["ALSTAT"]) == ("SYM-FEVER", "URGENT", "RESOLVED")
    assert (urgent["ALOPDTC"], urgent["ALACKDTC"], urgent["ALACKBY"]) == (
        "2026-09-12T11:00:00Z",
        "2026-09-12T11:20:00Z",
        "coordinator_a",
    )
    assert (urgent["ALRESDTC"], urgent["ALRESBY"], urgent["ALRESNT"]) == (
        "2026-09-12T13:00:00Z",
        "investigator_a",
        "seen in clinic",
    )
    assert (review["ALRULE"], review["ALSEV"], review["ALSTAT"], review["ALACKBY"]) == (
        "BP-CONFIRMED-160-100",
        "REVIEW",
        "OPEN",
        "",
    )


@pytest.mark.parametrize("domain", DATASETS)
def test_dataset_json_validates_and_matches_the_csv(client, study, domain):
    document = get_json(client, study.world, domain)
    model = DatasetJSON.from_dict(document)  # odmlib's Dataset-JSON v1.1 model checks every attribute
    assert model.datasetJSONVersion.startswith("1.1") and model.records == len(document["rows"])
    types = {"string": str, "integer": int, "float": (int, float)}
    for row in document["rows"]:
        assert len(row) == len(document["columns"])
        for value, column in zip(row, document["columns"], strict=True):
            assert value is None or isinstance(value, types[column["dataType"]]), (column, value)
    assert len({c["itemOID"] for c in document["columns"]}) == len(document["columns"])
    # dsjson builds the same Dataset-JSON from the same table: the structure must agree
    table = pd.DataFrame(document["rows"], columns=[c["name"] for c in document["columns"]], dtype=object)
    rebuilt = dsjson.to_dataset_json(
        table,
        pd.DataFrame(document["columns"]),
        name=document["name"],
        label=document["label"],
        itemGroupOID=document["itemGroupOID"],
    )
    present = [{k: v for k, v in c.items() if not pd.isna(v)} for c in rebuilt["columns"]]  # pandas fills NaN
    assert rebuilt["records"] == document["records"] and present == document["columns"]
    assert rebuilt["rows"] == document["rows"]
    assert [list(r.values()) for r in get_csv(client, study.world, domain)] == [
        ["" if v is None else str(v) for v in row] for row in document["rows"]
    ]
    assert document["records"] > 0


def test_dates_filter_each_dataset_by_local_date(client, study):
    query = "?from=2026-09-05&to=2026-09-10"
    ec = [r for r in get_csv(client, study.world, "ec", query=query) if r["USUBJID"] == EX1]
    assert {r["ECSTDTC"][:10] for r in ec} == {f"2026-09-{d:02d}" for d in range(5, 11)}
    vs = get_csv(client, study.world, "vs", query=query)
    assert {r["VSDTC"][:10] for r in vs} == {"2026-09-10"}
    assert get_csv(client, study.world, "qs", query=query) == []


@pytest.mark.parametrize(
    "query, field",
    [
        ("?from=2026-10-02&to=2026-10-01", "to"),
        ("?from=1999-12-31", "from"),
        ("?to=2101-01-01", "to"),
        ("?from=not-a-date", "from"),
    ],
)
def test_bad_filters_are_422_naming_the_field(client, world, query, field):
    r = client.get(f"/api/v1/exports/sdtm/ec.csv{query}", headers=world.headers("monitor"))
    assert r.status_code == 422
    errors = r.get_json()["errors"]
    assert field in errors["query"]


def test_da_lists_dispensed_and_returned_amounts(client, study):
    rows = [r for r in get_csv(client, study.world, "da") if r["USUBJID"] == EX3]
    assert [(r["USUBJID"], r["DATESTCD"], r["DADTC"], r["DAORRES"], r["DADY"]) for r in rows] == [
        (EX3, "DISPAMT", "2026-10-06", "28", "1"),
        (EX3, "RETAMT", "2026-10-27", "26", "22"),
    ]
    assert {
        (r["DOMAIN"], r["DAORRESU"], r["DASTRESU"], r["DACAT"], r["DAREFID"], r["EPOCH"]) for r in rows
    } == {("DA", "CAPSULE", "CAPSULE", "ANLOTINIB 8 MG", "KIT-0042", "TREATMENT")}
    assert rows[0]["DASPID"] == rows[1]["DASPID"] and [r["DASEQ"] for r in rows] == ["1", "2"]
    assert [
        r["DATESTCD"] for r in get_csv(client, study.world, "da", query="?from=2026-10-20&to=2026-10-31")
    ] == ["RETAMT"]
    site_a = get_csv(client, study.world, "da", who="coordinator_a")  # site A sees only its own
    assert [(r["USUBJID"], r["DATESTCD"], r["DAORRES"], r["DAREFID"]) for r in site_a] == [
        ("SKB264-ANLO-SA-T-ex2", "DISPAMT", "28", "")
    ]
