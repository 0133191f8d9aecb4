"""Activation codes: single use, 72 h expiry, replacement, lock after five wrong tries; device revocation."""

from datetime import timedelta

import time_machine

from backend import clock


def issue(client, world, who="p1", staff="coordinator_a"):
    r = client.post(
        f"/api/v1/participants/{world.participants[who]}/activation-code", headers=world.headers(staff)
    )
    assert r.status_code == 201, r.json
    return r.json["code"]


def activate(client, code, label="phone"):
    return client.post("/api/v1/device/activate", json={"code": code, "device_label": label})


def test_code_gives_a_device_token_for_that_participant(client, world):
    code = issue(client, world)
    r = activate(client, code)
    assert r.status_code == 201, r.json
    assert r.json["participant"]["study_id"] == "01-001"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json['device_token']}"})
    assert me.json["id"] == world.participants["p1"]


def test_code_is_case_and_dash_insensitive(client, world):
    code = issue(client, world)
    assert activate(client, code.lower().replace("-", " ")).status_code == 201


def test_code_is_single_use(client, world):
    code = issue(client, world)
    assert activate(client, code).status_code == 201
    again = activate(client, code)
    assert again.status_code == 401
    assert "already used" in again.json["message"]
    assert again.json["reason"] == "activation_code_used"


def test_code_expires_after_72_hours(client, world):
    code = issue(client, world)
    with time_machine.travel(clock.now() + timedelta(hours=72, seconds=1)):
        r = activate(client, code)
    assert r.status_code == 401
    assert "expired" in r.json["message"]
    assert r.json["reason"] == "activation_code_expired"


def test_code_still_works_just_before_72_hours(client, world):
    code = issue(client, world)
    with time_machine.travel(clock.now() + timedelta(hours=71, minutes=59)):
        assert activate(client, code).status_code == 201


def test_new_code_revokes_the_old_one(client, world):
    old = issue(client, world)
    new = issue(client, world)
    replaced = activate(client, old)
    assert replaced.status_code == 401 and replaced.json["reason"] == "activation_code_used"
    assert activate(client, new).status_code == 201


def test_unknown_code_says_wrong_code(client, world):
    issue(client, world)
    r = activate(client, "ZZZZ-ZZZZ-ZZZZ")
    assert r.status_code == 401
    assert r.json["reason"] == "activation_code_wrong"
    assert r.headers["WWW-Authenticate"] == "Bearer"


def test_five_wrong_tries_lock_the_code(client, world):
    code = issue(client, world)
    lookup = code.split("-")[0]
    reasons = []
    for _ in range(5):
        wrong = activate(client, f"{lookup}-AAAA-AAAA")
        assert wrong.status_code == 401
        reasons.append(wrong.json["reason"])
    # Four times "wrong code"; the fifth wrong try is told at once that the code is now locked.
    assert reasons == ["activation_code_wrong"] * 4 + ["activation_code_locked"]
    r = activate(client, code)
    assert r.status_code == 401
    assert "locked" in r.json["message"]
    assert r.json["reason"] == "activation_code_locked"


def test_four_wrong_tries_do_not_lock(client, world):
    code = issue(client, world)
    lookup = code.split("-")[0]
    for _ in range(4):
        activate(client, f"{lookup}-AAAA-AAAA")
    assert activate(client, code).status_code == 201


def test_revoked_device_token_gets_401(client, world):
    pid = world.participants["p1"]
    devices = client.get(f"/api/v1/participants/{pid}/devices", headers=world.headers("coordinator_a")).json
    assert len(devices) == 1
    r = client.post(
        f"/api/v1/participants/{pid}/devices/{devices[0]['id']}/revoke",
        json={"reason": "phone lost"},
        headers=world.headers("coordinator_a"),
    )
    assert r.status_code == 200
    assert client.get("/api/v1/me", headers=world.headers("p1")).status_code == 401
    assert client.get("/api/v1/me", headers=world.headers("p2")).status_code == 200


def test_activation_is_rate_limited(database_url, tmp_path, world):
    from tests.conftest import make_app

    limited = make_app(database_url, tmp_path / "limited", RATELIMIT_ENABLED="1").test_client()
    codes = [activate(limited, "ZZZZ-ZZZZ-ZZZZ").status_code for _ in range(12)]
    assert codes[:10] == [401] * 10
    assert codes[10:] == [429, 429]
    assert "code" in limited.post("/api/v1/device/activate", json={"code": "ZZZZ-ZZZZ-ZZZZ"}).json


def test_other_site_cannot_issue_a_code(client, world):
    r = client.post(
        f"/api/v1/participants/{world.participants['p1']}/activation-code",
        headers=world.headers("coordinator_b"),
    )
    assert r.status_code == 404
