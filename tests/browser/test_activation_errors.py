"""A failed activation says what happened, in the patient's language: a wrong code, a used or
replaced code, a code locked after five wrong tries (never "please sign in again")."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

TEXT = {
    "en": {
        "code": "Activation code",
        "connect": "Connect",
        "wrong": "This code is not right",
        "locked": "This code is locked after 5 wrong tries",
        "used": "This code has already been used",
    },
    "zh-CN": {
        "code": "激活码",
        "connect": "连接",
        "wrong": "激活码不正确",
        "locked": "输错 5 次，此激活码已被锁定",
        "used": "此激活码已被使用",
    },
}
SIGN_IN_AGAIN = ("Please sign in again", "请重新登录")


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_activation_errors_say_what_happened(browsing, live_server, language) -> None:
    text = TEXT[language]
    page = browsing.context(width=360).new_page()
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("连接这部手机")
    if language == "en":
        page.get_by_role("radio", name="English").check()
    error = page.locator("#activate-form .form-error")

    def attempt(code: str) -> None:
        page.get_by_label(text["code"]).fill(code)
        page.get_by_role("button", name=text["connect"]).click()
        expect(page.get_by_role("button", name=text["connect"])).to_be_enabled()

    replaced = live_server.activation_code("p1")
    code = live_server.activation_code("p1")  # the site gave a new one: the first is replaced
    attempt(replaced)
    expect(error).to_contain_text(text["used"])

    lookup = code.split("-")[0]
    for _ in range(4):
        attempt(f"{lookup}-AAAA-AAAA")
        expect(error).to_contain_text(text["wrong"])
    screenshot(page, f"patient-activate-wrong-{language}-360")
    attempt(f"{lookup}-AAAA-AAAA")  # the fifth wrong try locks the code, and says so at once
    expect(error).to_contain_text(text["locked"])
    attempt(code)  # even the right code no longer works
    expect(error).to_contain_text(text["locked"])
    screenshot(page, f"patient-activate-locked-{language}-360")
    for phrase in SIGN_IN_AGAIN:
        expect(page.locator("main")).not_to_contain_text(phrase)
    # The only console errors: the browser's log of the refused (401) requests.
    browsing.problems.assert_clean(allowed=("401",))


ERROR_CASES = """async () => {
  const app = await import('/app/patient/bundle.js');  // the page's own modules (its language)
  const { ApiError } = app['common/http.js'];
  const { describeError } = app['common/forms.js'];
  const english = (status, extra = {}) =>
    new ApiError(status, { code: status, message: 'English server text', ...extra });
  const conflict = english(409);
  const invalid = english(422, { errors: { json: { note: ['Longer than maximum length 500.'] } } });
  return [
    describeError(conflict),
    describeError(english(404)),
    describeError(english(418)),
    describeError(invalid, Object.values(invalid.fieldErrors)),
    describeError(english(401, { reason: 'activation_code_expired' })),
  ];
}"""


def test_server_errors_read_in_the_patients_language(browsing, live_server) -> None:
    """The API's messages are English; a zh-CN reader never sees them, an English one sees the
    app's own texts for statuses and reasons and the server's field messages."""
    page = browsing.context(width=360).new_page()
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("连接这部手机")
    chinese = page.evaluate(ERROR_CASES)
    assert chinese == [
        "此内容同时在别处被修改了。请刷新后重试。",
        "找不到此内容。",
        "服务器未接受此内容。请检查后重试。",
        "有些答案需要检查。 请检查这一项。",
        "此激活码已过期（有效期为 3 天）。请向研究团队索取新的激活码。",
    ]
    assert not any("English server text" in text or re.search("[A-Za-z]{4,}", text) for text in chinese)
    page.get_by_role("radio", name="English").check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connect this phone")
    english = page.evaluate(ERROR_CASES)
    assert english[0].startswith("This was changed elsewhere")
    assert english[3] == "Some answers need to be checked. Longer than maximum length 500."
    assert english[4].startswith("This code has expired")
    assert not any("English server text" in text for text in english)
    browsing.problems.assert_clean()
