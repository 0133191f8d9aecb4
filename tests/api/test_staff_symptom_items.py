"""GET /participants/{id}/symptom-items: the questionnaire the participant answered, worded in the
reader's language, so the site reads scores as the questions that were asked (issue 17)."""

from __future__ import annotations

from tests.helpers import STAFF_READ, check_matrix


def _questions(answer) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {item["code"]: item["question"] for group in answer["symptoms"] for item in group["items"]}


def test_the_staff_reads_the_patients_questions_in_their_own_language(client, world) -> None:
    pid = world.participants["p1"]  # a Chinese-speaking patient
    headers = world.headers("coordinator_a")
    en = client.get(f"/api/v1/participants/{pid}/symptom-items", headers={**headers, "Accept-Language": "en"})
    zh = client.get(
        f"/api/v1/participants/{pid}/symptom-items", headers={**headers, "Accept-Language": "zh-CN"}
    )
    patient = client.get("/api/v1/me/symptom-items", headers=world.headers("p1"))
    assert en.status_code == zh.status_code == 200
    assert (en.json["language"], zh.json["language"]) == ("en", "zh-CN")
    # the very questionnaire the patient's app shows, word for word in the patient's language
    assert zh.json == patient.json
    assert _questions(en.json).keys() == _questions(zh.json).keys()
    assert all(_questions(en.json)[code] != _questions(zh.json)[code] for code in _questions(en.json))
    # a report names its questionnaire: that one can be asked for by key
    named = client.get(
        f"/api/v1/participants/{pid}/symptom-items?questionnaire={en.json['questionnaire']}",
        headers={**headers, "Accept-Language": "en"},
    )
    assert named.status_code == 200 and named.json == en.json


def test_an_unknown_or_malformed_questionnaire_is_404_or_422_never_500(client, world) -> None:
    pid = world.participants["p1"]
    headers = world.headers("coordinator_a")
    missing = client.get(
        f"/api/v1/participants/{pid}/symptom-items?questionnaire=no-such-one", headers=headers
    )
    assert missing.status_code == 404
    bad = client.get(
        f"/api/v1/participants/{pid}/symptom-items?questionnaire=../../etc/passwd", headers=headers
    )
    assert bad.status_code == 422 and "questionnaire" in bad.json["errors"]["query"]


def test_symptom_items_matrix(client, world) -> None:
    check_matrix(client, world, "GET", "/api/v1/participants/{p1}/symptom-items", STAFF_READ)
