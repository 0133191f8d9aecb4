"""A participant whose cycle 1 is complete and has something of every signed kind, for sign-off tests.

Cycle 1 runs 2026-10-27 .. 2026-11-16 (Asia/Shanghai), cycle 2 is confirmed on 2026-11-17, so at
the suite's default instant (2026-11-24) cycle 1 can be signed and cycle 2 is running. In cycle 1
the patient logged day 2 (taken), sent a BP sitting of two grade-3 readings (which opened a
review alert) and a symptom report; day 3 was entered by the site.
"""

from __future__ import annotations

import uuid
from datetime import date

from tests.helpers import at, patient

C1D1 = date(2026, 10, 27)
C2D1 = "2026-11-17"
PASSWORD = "correct horse battery staple"  # tests.factories.PASSWORD



def staff_post(client, world, staff, path, **body):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1{path}", json=body, headers=world.headers(staff))


def cycle_one_complete(app, client, world, name: str = "t", *, site: str = "a", confirm: bool = True) -> str:
    """Enrol ``name`` at ``site`` with a recorded cycle 1 and (``confirm``) cycle 2 confirmed."""
    pid = patient(app, world, name, c1d1=C1D1, site=site)
    headers = world.headers(name)
    with at("2026-10-28T01:00:00Z"):  # 09:00 in Shanghai, cycle 1 day 2
        r = client.put("/api/v1/me/doses/2026-10-28", json={"taken": True}, headers=headers)
        assert r.status_code == 201, r.json
        sitting = str(uuid.uuid4())
        for minute, (sbp, dbp) in enumerate([(166, 102), (164, 100)]):
            body = {
                "client_id": str(uuid.uuid4()),
                "measured_at": f"2026-10-28T01:0{minute * 6}:00+00:00",
                "systolic": sbp,
                "diastolic": dbp,
                "sitting_id": sitting,
            }
            r = client.post("/api/v1/me/bp-readings", json=body, headers=headers)
            assert r.status_code == 201, r.json
        body = {"client_id": str(uuid.uuid4()), "answers": {"nausea_frequency": 1}, "temperature_c": 36.8}
        r = client.post("/api/v1/me/symptom-reports", json=body, headers=headers)
        assert r.status_code == 201, r.json
    site_entry = {
        "taken": False,
        "missed_reason": "in hospital",
        "reason": "phone call",
        "source_detail": "phone",
    }
    r = client.put(
        f"/api/v1/participants/{pid}/doses/2026-10-29",
        json=site_entry,
        headers=world.headers(f"coordinator_{site}"),
    )
    assert r.status_code == 201, r.json
    if confirm:
        r = staff_post(client, world, f"coordinator_{site}", f"/participants/{pid}/cycles", start_date=C2D1)
        assert r.status_code == 201, r.json
    return pid


def sign(
    client,
    world,
    pid: str,
    cycle: int = 1,
    *,
    staff: str = "investigator_a",
    password: str = PASSWORD,
    meaning: str = "reviewed",
):  # type: ignore[no-untyped-def]
    """POST a signature of one cycle."""
    return staff_post(
        client,
        world,
        staff,
        f"/participants/{pid}/cycles/{cycle}/signatures",
        password=password,
        meaning=meaning,
    )
