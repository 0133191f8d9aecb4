def test_world_builds_and_me_answers(client, world):
    r = client.get("/api/v1/me", headers=world.headers("p1"))
    assert r.status_code == 200, r.json
    assert r.json["study_id"] == "01-001"
