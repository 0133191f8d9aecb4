"""The site's alert queue through HTTP: episodes, ordering, scoping, acknowledge/resolve and audit."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from backend import clock
from tests.helpers import CALLERS, STAFF_READ, STAFF_WRITE, act, bp, check_matrix, fever


def queue(client, world, who="coordinator_a", query=""):
    r = client.get(f"/api/v1/alerts{query}", headers=world.headers(who))
    assert r.status_code == 200, r.json
    return r.json


def test_a_repeat_finding_adds_to_the_open_alert_and_after_resolution_a_new_one_opens(client, world):
    first = fever(client, world)
    with time_machine.travel(clock.now() + timedelta(hours=2)):
        second = fever(client, world, temperature=38.6)
    assert second["id"] == first["id"]
    assert second["occurrences"] == 2
    assert [e["temperature_c"] for e in second["evidence"]] == [38.3, 38.6]
    assert second["last_seen_at"] > second["opened_at"]
    # acknowledged is still the same episode
    assert act(client, world, first["id"], "acknowledge", note=None).status_code == 200
    third = fever(client, world, temperature=38.1)
    assert third["id"] == first["id"] and third["occurrences"] == 3 and third["status"] == "acknowledged"
    resolved = act(client, world, first["id"], "resolve", note="seen in clinic, neutrophils normal")
    assert resolved.status_code == 200
    assert resolved.json["status"] == "resolved"
    fourth = fever(client, world)
    assert fourth["id"] != first["id"]
    assert fourth["occurrences"] == 1 and fourth["status"] == "open"
    assert len(queue(client, world)) == 2


def test_other_site_cannot_see_or_act_on_an_alert(client, world):
    alert = fever(client, world)
    for who in ("coordinator_b", "investigator_b"):
        assert client.get(f"/api/v1/alerts/{alert['id']}", headers=world.headers(who)).status_code == 404
        assert act(client, world, alert["id"], "acknowledge", who=who).status_code == 404
        assert act(client, world, alert["id"], "resolve", who=who).status_code == 404
        assert queue(client, world, who) == []
        assert queue(client, world, who, f"?site_id={world.sites['a']}") == []
    assert (
        client.get(f"/api/v1/alerts/{alert['id']}", headers=world.headers("coordinator_a")).json["status"]
        == "open"
    )


def test_monitor_can_list_but_not_act(client, world):
    alert = fever(client, world)
    assert [a["id"] for a in queue(client, world, "monitor")] == [alert["id"]]
    assert act(client, world, alert["id"], "acknowledge", who="monitor").status_code == 403
    assert act(client, world, alert["id"], "resolve", who="monitor").status_code == 403


def test_queue_lists_urgent_first_then_oldest(client, world):
    start = clock.now()
    with time_machine.travel(start - timedelta(hours=3)):
        old_review = bp(client, world, 165, 102, measured_at=start - timedelta(hours=3, minutes=5))
        old_review = bp(client, world, 165, 102, measured_at=start - timedelta(hours=3))["alert"]
    with time_machine.travel(start - timedelta(hours=2)):
        urgent_newer = fever(client, world, who="p2")
    with time_machine.travel(start - timedelta(hours=1)):
        new_review = bp(client, world, 165, 102, who="p1", measured_at=start - timedelta(hours=1, minutes=5))
        new_review = bp(client, world, 165, 102, who="p1", measured_at=start - timedelta(hours=1))["alert"]
    urgent_newest = bp(client, world, 190, 100, who="p1")["alert"]
    order = [a["id"] for a in queue(client, world)]
    assert order == [urgent_newer["id"], urgent_newest["id"], old_review["id"], new_review["id"]]
    assert [a["severity"] for a in queue(client, world)] == ["urgent", "urgent", "review", "review"]
    assert [a["id"] for a in queue(client, world, query="?severity=review")] == [
        old_review["id"],
        new_review["id"],
    ]
    pid = world.participants["p1"]
    assert {a["participant_id"] for a in queue(client, world, query=f"?participant_id={pid}")} == {pid}
    act(client, world, urgent_newer["id"], "resolve")
    assert urgent_newer["id"] not in [a["id"] for a in queue(client, world, query="?status=open")]
    assert [a["id"] for a in queue(client, world, query="?status=resolved")] == [urgent_newer["id"]]


def test_acknowledge_and_resolve_are_recorded_and_audited(client, world):
    alert = fever(client, world)
    ack = act(client, world, alert["id"], "acknowledge", note="calling now")
    assert ack.status_code == 200
    assert ack.json["status"] == "acknowledged"
    assert ack.json["acknowledged_by"] == world.staff["coordinator_a"]
    assert ack.json["acknowledge_note"] == "calling now"
    assert ack.json["acknowledged_at"] is not None
    assert act(client, world, alert["id"], "acknowledge").status_code == 409
    res = act(
        client, world, alert["id"], "resolve", who="investigator_a", note="sent to the emergency department"
    )
    assert res.status_code == 200
    assert res.json["resolved_by"] == world.staff["investigator_a"]
    assert res.json["resolution_note"] == "sent to the emergency department"
    assert act(client, world, alert["id"], "resolve", who="investigator_a").status_code == 409
    assert act(client, world, alert["id"], "acknowledge").status_code == 409
    events = client.get(
        f"/api/v1/participants/{world.participants['p1']}/audit", headers=world.headers("monitor")
    ).json
    by_action = {e["action"]: e for e in events if e["entity"] == "alert"}
    assert by_action["alert.open"]["actor_type"] == "system"
    assert by_action["alert.acknowledge"]["reason"] == "calling now"
    assert by_action["alert.acknowledge"]["after"]["status"] == "acknowledged"
    assert by_action["alert.acknowledge"]["actor_label"] == "coordinator_a@example.org"
    assert by_action["alert.resolve"]["before"]["status"] == "acknowledged"
    assert by_action["alert.resolve"]["after"]["resolution_note"] == "sent to the emergency department"
    assert by_action["alert.resolve"]["reason"] == "sent to the emergency department"


def test_repeat_in_the_episode_is_audited(client, world):
    alert = fever(client, world)
    fever(client, world)
    events = client.get(
        f"/api/v1/participants/{world.participants['p1']}/audit", headers=world.headers("monitor")
    ).json
    appended = [e for e in events if e["action"] == "alert.append"]
    assert len(appended) == 1 and appended[0]["entity_id"] == alert["id"]
    assert appended[0]["after"]["occurrences"] == 2


def test_resolve_needs_a_note(client, world):
    alert = fever(client, world)
    r = act(client, world, alert["id"], "resolve", note=None)
    assert r.status_code == 422
    assert "note" in r.json["errors"]["json"]
    assert (
        client.get(f"/api/v1/alerts/{alert['id']}", headers=world.headers("coordinator_a")).json["status"]
        == "open"
    )


def test_unknown_alert_is_404(client, world):
    assert client.get("/api/v1/alerts/nope", headers=world.headers("monitor")).status_code == 404
    assert act(client, world, "nope", "resolve").status_code == 404


def test_alert_endpoints_authorization(client, world):
    alert = fever(client, world)
    list_row = {**STAFF_READ, "coordinator_b": 200, "investigator_b": 200}
    check_matrix(client, world, "GET", "/api/v1/alerts", list_row)
    check_matrix(client, world, "GET", f"/api/v1/alerts/{alert['id']}", STAFF_READ)
    ack_row = {**STAFF_WRITE, "coordinator_a": 200, "investigator_a": 409}
    check_matrix(
        client, world, "POST", f"/api/v1/alerts/{alert['id']}/acknowledge", ack_row, {"note": "seen"}
    )
    assert set(ack_row) == set(CALLERS)
    resolve_row = {**STAFF_WRITE, "coordinator_a": 200, "investigator_a": 409}
    check_matrix(
        client, world, "POST", f"/api/v1/alerts/{alert['id']}/resolve", resolve_row, {"note": "done"}
    )
