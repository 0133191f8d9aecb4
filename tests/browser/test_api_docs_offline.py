"""/api/docs renders Swagger UI with every request to another origin blocked (an intranet)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_without_any_outside_request(browsing, live_server) -> None:
    context = browsing.context(width=1280, height=900)
    outside: list[str] = []

    def only_this_server(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_server)
    page = context.new_page()
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Dosing Diary API")
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    assert outside == []
    browsing.problems.assert_clean()
