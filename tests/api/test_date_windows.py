"""C1D1, hold and dose-change dates only within a plausible window (issue 12, finding 6).

A C1D1 of 9999-12-31 or 0001-01-01, or a dose change effective 9999-12-31, used to be stored
(201) and then broke every scheduler tick. They are now 422 naming the field. The window is the
protocol's ``[treatment] date_window_past_days`` / ``date_window_future_days`` (defaults 730 and
90) around the participant's local today (2026-11-24 in Shanghai at the suite's instant).
"""

from __future__ import annotations

import re
import tomllib
from datetime import date

import pytest

from backend.domain.protocol import PROTOCOL_DIR, ProtocolError, parse_protocol
from tests.helpers import patient


def _enrol(client, world, c1d1: str, study_id: str = "01-500"):  # type: ignore[no-untyped-def]
    body = {
        "study_id": study_id,
        "site_id": world.sites["a"],
        "timezone": "Asia/Shanghai",
        "reminder_time": "08:00",
        "c1d1": c1d1,
    }
    return client.post("/api/v1/participants", json=body, headers=world.headers("coordinator_a"))


@pytest.mark.parametrize("c1d1", ["9999-12-31", "0001-01-01", "2024-11-23", "2027-02-23", "2100-01-01"])
def test_c1d1_outside_the_window_is_422_naming_it(client, world, c1d1):
    r = _enrol(client, world, c1d1)
    assert r.status_code == 422, r.json
    assert "c1d1" in r.json["errors"]["json"]


@pytest.mark.parametrize("c1d1", ["2024-11-24", "2026-11-24", "2027-02-22"])
def test_c1d1_inside_the_window_is_accepted(client, world, c1d1):
    assert _enrol(client, world, c1d1).status_code == 201


def _post(client, world, pid, path, **body):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/participants/{pid}/{path}", json=body, headers=world.headers("investigator_a")
    )


@pytest.mark.parametrize("effective", ["9999-12-31", "2027-03-01"])
def test_dose_change_effective_far_away_is_422(app, client, world, effective):
    pid = patient(app, world, "t", c1d1=date(2026, 11, 2))
    r = _post(client, world, pid, "dose-changes", effective_date=effective, dose_mg=8, reason="typo check")
    assert r.status_code == 422, r.json
    assert "effective_date" in r.json["errors"]["json"]


def test_hold_dates_far_away_are_422(app, client, world):
    pid = patient(app, world, "t", c1d1=date(2026, 11, 2))
    far_end = _post(client, world, pid, "holds", start_date="2026-11-20", end_date="9999-12-31", reason="tox")
    assert far_end.status_code == 422 and "end_date" in far_end.json["errors"]["json"]
    hold = _post(client, world, pid, "holds", start_date="2026-11-20", reason="toxicity")
    assert hold.status_code == 201
    patch = client.patch(
        f"/api/v1/participants/{pid}/holds/{hold.json['id']}",
        json={"end_date": "9999-12-31", "reason": "resolved"},
        headers=world.headers("investigator_a"),
    )
    assert patch.status_code == 422 and "end_date" in patch.json["errors"]["json"]


def test_the_window_is_the_protocols():
    raw = tomllib.loads((PROTOCOL_DIR / "skb264-anlo.v1.toml").read_text(encoding="utf-8"))
    default = parse_protocol(raw).treatment
    assert (default.date_window_past_days, default.date_window_future_days) == (730, 90)
    raw["treatment"] |= {"date_window_past_days": 365, "date_window_future_days": 30}
    assert parse_protocol(raw).treatment.date_window_past_days == 365
    raw["treatment"]["date_window_future_days"] = 0
    with pytest.raises(ProtocolError, match=re.escape("treatment.date_window_future_days")):
        parse_protocol(raw)
