"""/api/docs works without the internet: Swagger UI's files come from the swagger-ui-bundle
package through this server, and the page's policy allows no other origin."""

from __future__ import annotations


def test_the_docs_page_loads_swagger_ui_from_this_server(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'src="/api/docs/assets/swagger-ui-bundle.js"' in html
    assert "cdn" not in html and "https://" not in html
    policy = page.headers["Content-Security-Policy"]
    assert "https:" not in policy and "cdn" not in policy
    for name, kind in (
        ("swagger-ui-bundle.js", "javascript"),
        ("swagger-ui-standalone-preset.js", "javascript"),
        ("swagger-ui.css", "css"),
    ):
        asset = client.get(f"/api/docs/assets/{name}")
        assert asset.status_code == 200, name
        assert kind in asset.headers["Content-Type"]
        assert len(asset.data) > 10_000
    assert client.get("/api/docs/assets/../../../pyproject.toml").status_code == 404
