"""The front ends' text files go out gzipped to clients that accept it, and still revalidate (304)."""

from __future__ import annotations

import gzip

from backend.web import STATIC_DIR


def test_modules_are_gzipped_and_revalidate(client) -> None:
    plain = (STATIC_DIR / "patient" / "main.js").read_bytes()
    r = client.get("/app/patient/main.js", headers={"Accept-Encoding": "gzip, deflate"})
    assert r.status_code == 200
    assert r.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in r.headers["Vary"]
    assert gzip.decompress(r.data) == plain
    assert len(r.data) < len(plain) / 2
    etag = r.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get("/app/patient/main.js", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304


def test_without_gzip_the_file_is_sent_as_is(client) -> None:
    r = client.get("/app/i18n/en.json")
    assert r.status_code == 200
    assert "Content-Encoding" not in r.headers
    assert r.data == (STATIC_DIR / "i18n" / "en.json").read_bytes()


def test_the_app_page_and_its_worker_are_gzipped(client) -> None:
    for path in ("/", "/sw.js"):
        r = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert r.status_code == 200, path
        assert r.headers["Content-Encoding"] == "gzip", path
        assert gzip.decompress(r.data)
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert (
        client.get(
            "/", headers={"Accept-Encoding": "gzip", "If-None-Match": page.headers["ETag"]}
        ).status_code
        == 304
    )


def test_images_and_api_answers_are_not_gzipped(client, world) -> None:
    icon = client.get("/app/icons/icon-192.png", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in icon.headers
    api = client.get("/api/v1/me", headers={**world.headers("p1"), "Accept-Encoding": "gzip"})
    assert api.status_code == 200 and "Content-Encoding" not in api.headers
