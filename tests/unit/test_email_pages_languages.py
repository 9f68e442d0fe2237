"""The email sign-in pages (visitors' accounts) in Chinese and Korean (ADR 0028)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend.identity.email_login.pages import (
    ERRORS,
    TEXTS,
    code_form_page,
    email_form_page,
    error_in,
    visitor_language,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("ui_locales", "expected"), [
    ("zh", "zh"), ("zh-CN ja", "zh"), ("zh_Hant", "zh"), ("ko-KR", "ko"), ("KO", "ko"),
    ("ja", None), ("en zh", None), ("", None), (None, None), ("   ", None),
])
def test_the_language_is_the_first_of_ui_locales(ui_locales: str | None,
                                                  expected: str | None) -> None:
    assert visitor_language(ui_locales) == expected


@pytest.mark.parametrize("language", ["zh", "ko"])
def test_the_email_page_speaks_the_visitors_language(language: str) -> None:
    html = email_form_page("/start", "login-1", "", "メールアドレスを入力してください。",
                           "Enter an email address.", csrf_token="t", language=language)
    for key in ("email_title", "email_intro", "email_label", "send_code", "residents"):
        assert TEXTS[language][key] in html, key
    assert ERRORS["メールアドレスを入力してください。"][language] in html
    # Japanese first, then the visitor's language, then English
    assert html.index("メールアドレスでログイン") < html.index(TEXTS[language]["email_title"]) \
        < html.index("Log in with email")


@pytest.mark.parametrize("language", ["zh", "ko"])
def test_the_code_page_speaks_the_visitors_language(language: str) -> None:
    html = code_form_page("/verify", "login-1", "a@example.org", "/restart",
                          "確認コードが違います（あと4回）。",
                          "The code is not right (4 tries left).",
                          csrf_token="t", language=language)
    for key in ("code_title", "code_label", "log_in", "restart"):
        assert TEXTS[language][key] in html, key
    assert TEXTS[language]["code_sent"].format(address="a@example.org") in html
    assert error_in(language, "確認コードが違います（あと4回）。") in html
    assert "4" in (error_in(language, "確認コードが違います（あと4回）。") or "")


def test_without_a_visitor_language_the_page_is_japanese_and_english_only() -> None:
    html = email_form_page("/start", "login-1", csrf_token="t")
    assert not any(text in html for texts in TEXTS.values() for text in texts.values())


def test_every_translated_error_is_one_the_sign_in_really_shows() -> None:
    """A changed Japanese message in the router would leave its translation unused."""
    source = "".join(p.read_text(encoding="utf-8") for p in
                     (ROOT / "backend" / "identity" / "email_login").glob("*.py")
                     if p.name != "pages.py")
    for japanese in ERRORS:
        pattern = re.escape(japanese).replace(re.escape("{n}"), r"\{?[^}（）]*\}?")
        assert re.search(pattern, source), japanese
