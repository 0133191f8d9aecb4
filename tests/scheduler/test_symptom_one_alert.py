"""One answer, one alert, through the API and the scheduler's tick (CLINICAL.md, "Symptoms").

An item going from 0 to 3 is both scored 3-4 and worse by >= 2 points: it raises a single review
alert whose title and evidence say both, and the site is notified once.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import time_machine

from tests.scheduler.conftest import tick

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, p2's cycle 1 day 1


def report(client, world, at: datetime, answers: dict[str, int]):  # type: ignore[no-untyped-def]
    with time_machine.travel(at, tick=False):
        r = client.post(
            "/api/v1/me/symptom-reports",
            json={"client_id": str(uuid.uuid4()), "answers": answers},
            headers=world.headers("p2"),
        )
    assert r.status_code == 201, r.json
    return r.json


def test_nausea_from_0_to_3_raises_one_alert_that_says_severe_and_worse(
    app, client, world, transport, smtp_sink
):
    quiet = report(client, world, T0, {"nausea_frequency": 0, "fatigue_severity": 1})
    assert quiet["alerts"] == []
    worse = report(
        client,
        world,
        T0 + timedelta(hours=4),
        {"nausea_frequency": 3, "nausea_severity": 3, "fatigue_severity": 1},
    )
    [alert] = worse["alerts"]
    assert (alert["rule_id"], alert["severity"]) == ("SYM-SEVERE", "review")
    assert "severe" in alert["title"] and "worse by >= 2 points" in alert["title"]
    evidence = alert["evidence"][0]
    assert evidence["answers"] == {"nausea_frequency": 3, "nausea_severity": 3}
    assert evidence["previous"] == {"nausea_frequency": 0, "nausea_severity": 0}
    assert evidence["worse_by"] == {"nausea_frequency": 3, "nausea_severity": 3}
    listed = client.get(
        f"/api/v1/alerts?participant_id={world.participants['p2']}", headers=world.headers("coordinator_a")
    ).json
    assert [a["rule_id"] for a in listed] == ["SYM-SEVERE"]
    tick(app, T0 + timedelta(hours=4, minutes=1))
    [mail] = smtp_sink.wait_for(1)
    assert mail.subject == "[Dosing Diary] review alert for participant 01-002"
    tick(app, T0 + timedelta(hours=4, minutes=2))
    assert len(smtp_sink.messages) == 1
